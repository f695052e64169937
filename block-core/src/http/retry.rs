//! When to retry, and how long to wait first.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, SystemTime};

use http::header::RETRY_AFTER;
use http::{HeaderMap, Method, StatusCode};

use super::policy::RetryPolicy;

/// Methods that may be sent twice without changing the outcome.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS)
}

/// Statuses that say "try again later".
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

/// The delay a `Retry-After` header asks for: delta-seconds or an HTTP date
/// (a date in the past means now). `None` when absent or unreadable.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The random part of full-jitter back-off. Not cryptographic: it only spreads
/// retries of many clients apart.
#[derive(Debug)]
pub(crate) struct Jitter {
    state: u64,
}

impl Jitter {
    pub(crate) fn new() -> Self {
        // RandomState is seeded per process and per instance by the OS.
        let seed = RandomState::new().hash_one(0x5eed_u64);
        Jitter { state: seed | 1 }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// The back-off before attempt `attempt + 1`, `attempt` counting from 1:
    /// uniform in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub(crate) fn backoff(&mut self, policy: &RetryPolicy, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let ceiling = policy.base_delay.saturating_mul(1 << exponent).min(policy.max_delay);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if ceiling_nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next() % (ceiling_nanos + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, retry_after.parse().unwrap());
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(retry_after(&headers("120"), now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(&headers("Wed, 21 Oct 2015 07:28:30 GMT"), now), Some(Duration::from_secs(30)));
        assert_eq!(retry_after(&headers("Wed, 21 Oct 2015 07:00:00 GMT"), now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_stays_within_the_exponential_ceiling() {
        let policy = RetryPolicy::default().base_delay(Duration::from_millis(100)).max_delay(Duration::from_secs(1));
        let mut jitter = Jitter::new();
        for _ in 0..200 {
            assert!(jitter.backoff(&policy, 1) <= Duration::from_millis(100));
            assert!(jitter.backoff(&policy, 3) <= Duration::from_millis(400));
            assert!(jitter.backoff(&policy, 40) <= Duration::from_secs(1));
        }
    }

    #[test]
    fn backoff_is_spread_out_rather_than_constant() {
        let policy = RetryPolicy::default().base_delay(Duration::from_secs(1)).max_delay(Duration::from_secs(1));
        let mut jitter = Jitter::new();
        let delays: std::collections::HashSet<_> = (0..20).map(|_| jitter.backoff(&policy, 1)).collect();
        assert!(delays.len() > 10);
    }

    #[test]
    fn only_idempotent_methods_and_transient_statuses_qualify() {
        assert!(is_idempotent(&Method::PUT) && !is_idempotent(&Method::POST) && !is_idempotent(&Method::PATCH));
        assert!(
            is_retryable_status(StatusCode::TOO_MANY_REQUESTS) && !is_retryable_status(StatusCode::NOT_IMPLEMENTED)
        );
    }
}
