//! Identifiers of runs: the per-slot `Idempotency-Key` (stable across attempts, RESEARCH.md
//! C15), the unique `run_id`, and a cheap random number for retry jitter.
//!
//! Both ids are UUID-shaped (version 8, "custom") hex strings derived from SHA-256.

use std::hash::{BuildHasher as _, Hasher as _, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest as _, Sha256};

/// The key of one scheduled run of `job`: the same for every attempt of that run, different
/// for the next run (another `scheduled_at`).
pub(crate) fn idempotency_key(job: &str, scheduled_at: DateTime<Utc>) -> String {
    let slot = scheduled_at.to_rfc3339_opts(SecondsFormat::Nanos, true);
    uuid_shaped(&Sha256::digest(format!("{job}|{slot}").as_bytes()))
}

/// A new id, unique per run (time, process, counter and per-process random keys).
pub(crate) fn run_id(job: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    let seed = format!(
        "{job}|{nanos}|{}|{count}|{}",
        std::process::id(),
        random_u64()
    );
    uuid_shaped(&Sha256::digest(seed.as_bytes()))
}

/// A number uniform in [0, 1), good enough for jitter (not for secrets).
pub(crate) fn random_unit() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

fn random_u64() -> u64 {
    // RandomState is seeded from the OS once per process and advanced per instance.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        Utc::now()
            .timestamp_nanos_opt()
            .unwrap_or_default()
            .unsigned_abs()
            .into(),
    );
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// `xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx` from the first 16 bytes of `digest`.
fn uuid_shaped(digest: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn idempotency_key_is_stable_per_slot() {
        let slot = at("2026-03-01T10:00:00Z");
        let key = idempotency_key("backup", slot);
        assert_eq!(key, idempotency_key("backup", slot));
        assert_ne!(key, idempotency_key("backup", at("2026-03-01T10:01:00Z")));
        assert_ne!(key, idempotency_key("other", slot));
        assert_eq!(key.len(), 36);
        assert_eq!(key.as_bytes()[14], b'8');
    }

    #[test]
    fn run_ids_are_unique() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| run_id("j")).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let values: Vec<f64> = (0..200).map(|_| random_unit()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.iter().any(|v| *v < 0.5) && values.iter().any(|v| *v >= 0.5));
    }
}
