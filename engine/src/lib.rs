//! srplay-engine
