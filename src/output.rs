//! Rendering of command results: tables that fit the terminal and JSON (owned by the store/manage work).
