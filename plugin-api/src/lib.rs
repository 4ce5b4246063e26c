//! srplay-plugin-api
