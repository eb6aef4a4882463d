//! Integration tests: `history`.
