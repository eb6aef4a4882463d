//! PLACEHOLDER: export (being written).
