//! Integration tests: `check`.
