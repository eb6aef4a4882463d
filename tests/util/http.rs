//! A loopback HTTP server for tests (127.0.0.1 only).
