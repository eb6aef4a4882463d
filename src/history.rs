//! PLACEHOLDER: history (being written).
