//! starrocks-sim
