//! PLACEHOLDER: log (being written).
