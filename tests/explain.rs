//! Integration tests: `explain`.
