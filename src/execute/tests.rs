//! Unit tests of the run policy: retries, jitter, timeouts, cancellation, overlap.

use super::*;

#[test]
fn jitter_stays_within_twenty_percent() {
    let base = Duration::from_secs(10);
    assert_eq!(jitter(base, 0.5), base);
    assert_eq!(jitter(base, 0.0), Duration::from_secs(8));
    assert!(jitter(base, 0.999_999) <= Duration::from_secs(12));
    assert!(jitter(base, 0.999_999) > Duration::from_millis(11_999));
}

#[test]
fn durations_read_well() {
    assert_eq!(describe_duration(850), "850ms");
    assert_eq!(describe_duration(1_240), "1.2s");
    assert_eq!(describe_duration(185_000), "3m5s");
}
