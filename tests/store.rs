//! Integration tests: `store`.
