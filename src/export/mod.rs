//! `jobtab export`: the same jobs as Kubernetes manifests (`kubernetes`) or systemd units
//! (`systemd`), PRODUCT.md section 7. This module owns the translation; reading the job file
//! and writing the output belong to `commands/export.rs`.

pub(crate) mod yaml;
pub(crate) mod oncalendar;
