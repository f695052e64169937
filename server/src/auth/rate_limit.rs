//! Requests per key per minute, in fixed one-minute windows.
//!
//! In memory: each replica counts its own requests. That bounds abuse per process,
//! which is what a single server needs; several replicas would share a counter in
//! their storage.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// Counts requests per principal.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// What the limiter decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

impl RateLimiter {
    /// `limit` requests per minute per principal; 0 means unlimited.
    pub fn per_minute(limit: u32) -> Self {
        RateLimiter { limit, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request of `principal`.
    pub fn check(&self, principal: &str) -> RateDecision {
        if self.limit == 0 {
            return RateDecision { allowed: true, limit: 0, remaining: 0, reset_secs: 0 };
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() > 10_000 {
            windows.retain(|_, window| now.duration_since(window.started) < WINDOW);
        }
        let window = windows.entry(principal.to_owned()).or_insert(Window { started: now, count: 0 });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window { started: now, count: 0 };
        }
        let reset_secs = WINDOW.saturating_sub(now.duration_since(window.started)).as_secs().max(1);
        if window.count >= self.limit {
            return RateDecision { allowed: false, limit: self.limit, remaining: 0, reset_secs };
        }
        window.count += 1;
        RateDecision { allowed: true, limit: self.limit, remaining: self.limit - window.count, reset_secs }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;

    #[test]
    fn refuses_past_the_limit_per_principal() {
        let limiter = RateLimiter::per_minute(2);
        assert_eq!(limiter.check("a").remaining, 1);
        assert!(limiter.check("a").allowed);
        let refused = limiter.check("a");
        assert!(!refused.allowed);
        assert!(refused.reset_secs >= 1 && refused.reset_secs <= 60);
        assert!(limiter.check("b").allowed, "each principal has its own window");
        assert!(RateLimiter::per_minute(0).check("a").allowed, "0 means unlimited");
    }
}
