//! Integration tests: `install`.
