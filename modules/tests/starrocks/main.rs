//! The `starrocks` integration tests, in one binary: one link instead of one per file
//! keeps the build small and fast (each test binary links the whole engine).

mod sim_common;
mod sql_common;
mod starrocks_common;

mod sql_mariadb;
mod sql_tls;
mod starrocks_cluster_backend;
mod starrocks_cluster_frontend;
mod starrocks_cluster_nodes;
mod starrocks_modules;
