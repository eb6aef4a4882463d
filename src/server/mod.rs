//! The HTTP server of `jobtab run` (PRODUCT.md sections 9 and 10): webhooks and their checks.

pub(crate) mod verify;
