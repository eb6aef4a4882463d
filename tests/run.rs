//! Integration tests: `run`.
