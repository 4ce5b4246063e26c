//! srplay-modules
