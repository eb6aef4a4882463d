//! PLACEHOLDER: execute (being written).
