//! Integration tests: `import`.
