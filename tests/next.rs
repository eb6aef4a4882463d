//! Integration tests: `next`.
