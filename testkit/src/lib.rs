//! Test fixtures shared by the workspace: real services started on loopback.
