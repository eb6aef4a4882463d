//! Integration tests: `edit`.
