//! A hook's `rate_limit = "100/s"` (opt-in): a token bucket holding `count` requests, refilled
//! at `count` per `per`; a request past it is answered 429 with `Retry-After`.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::RateLimit;

/// One hook's bucket.
pub(crate) struct Bucket {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Bucket {
        Bucket {
            limit,
            state: Mutex::new((f64::from(limit.count), now)),
        }
    }

    /// Takes one request's token; `Err(wait)` when none is left, with how long until one is.
    pub(crate) fn take(&self, now: Instant) -> Result<(), Duration> {
        let capacity = f64::from(self.limit.count.max(1));
        let per_token = self.limit.per.as_secs_f64() / capacity;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, at) = &mut *state;
        let refill = now.saturating_duration_since(*at).as_secs_f64() / per_token;
        *tokens = (*tokens + refill).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) * per_token))
        }
    }
}

/// `Retry-After` in whole seconds, at least 1.
pub(crate) fn retry_after(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lets_count_through_per_period_then_says_when() {
        let t0 = Instant::now();
        let bucket = Bucket::new(
            RateLimit {
                count: 2,
                per: Duration::from_secs(10),
            },
            t0,
        );
        assert!(bucket.take(t0).is_ok());
        assert!(bucket.take(t0).is_ok());
        let wait = bucket.take(t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(5));
        assert_eq!(retry_after(wait), 5);
        assert!(bucket.take(t0 + Duration::from_secs(5)).is_ok());
        assert!(bucket.take(t0 + Duration::from_secs(5)).is_err());
        assert_eq!(retry_after(Duration::from_millis(10)), 1);
    }
}
