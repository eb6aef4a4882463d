//! Integration tests: behaviour common to every command (output errors, exit codes).
