//! Integration tests: `export`.
