//! Integration tests: `manage`.
