//! PLACEHOLDER: runner (being written).
