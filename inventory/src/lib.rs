//! inventory-parser
