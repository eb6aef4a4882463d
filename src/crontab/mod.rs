//! PLACEHOLDER: crontab (being written).
