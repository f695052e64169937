//! Who is calling: API keys and OAuth access tokens, and the limits on both.
//!
//! - Keys looked up are cached for a second, and unknown keys for ten, so that a
//!   request does not cost a read of the database; every cache empties itself when
//!   a key changes anywhere (the storage's [`KeyChanges`] counter), so a revoked
//!   key is refused at once in this process and within the storage's notice time
//!   in another.
//! - Failed authentication is limited per client address before any lookup: an
//!   address that failed more than the limit in a minute is answered 429 until it
//!   may try again, without touching the storage; keys already known to be valid
//!   still pass, so only failing callers see it.
//! - Each key (or OAuth grant) has its own request budget per minute.
//!
//! Nothing here logs or returns a presented secret.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::{Refusal, ServiceError};
use crate::domain::secrets::{self, ACCESS_TOKEN_PREFIX, API_KEY_PREFIX};
use crate::domain::{ApiKeyRecord, Caller, KeyStatus, TokenKind, User, now_unix};
use crate::storage::{KeyChanges, Storage};

/// How long a key found in the storage is used without reading it again (the
/// bound on a change made around the storage, by hand).
const KNOWN_TTL: Duration = Duration::from_secs(1);

/// How long a key the storage does not know is refused without asking again.
const UNKNOWN_TTL: Duration = Duration::from_secs(10);

/// Most entries kept of each kind; past that a cache starts over.
const MAX_ENTRIES: usize = 4096;

/// How long a key found in the storage vouches for whoever presents it: such a
/// caller passes the per-address failure guard (its address may be shared with
/// someone failing), and its key is looked up as usual. Nobody guessing keys
/// presents one that was found.
const VOUCHED_TTL: Duration = Duration::from_secs(600);

/// What a caller presented.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    /// An API key (`X-API-Key`).
    ApiKey(&'a str),
    /// An OAuth access token (`Authorization: Bearer`).
    Bearer(&'a str),
}

/// What the per-key limit decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests allowed per minute (0: no limit).
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Seconds until the budget is whole again (or, refused, until one request
    /// may go).
    pub reset_secs: u64,
}

type KeyedLimiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// A key found in the storage, as the cache keeps it: the caller it makes is
/// shared by every request presenting it, not rebuilt (and its strings copied)
/// per request.
#[derive(Clone)]
struct Known {
    status: KeyStatus,
    last_used_at: Option<i64>,
    caller: Arc<Caller>,
}

impl Known {
    fn new(record: ApiKeyRecord, user: User) -> Self {
        Known {
            status: record.status,
            last_used_at: record.last_used_at,
            caller: Arc::new(Caller { user, key_id: record.id, scopes: record.scopes, audience: None }),
        }
    }
}

/// Authenticates callers and applies the limits. One per server.
pub struct Authenticator {
    storage: Arc<dyn Storage>,
    changes: KeyChanges,
    cache: Mutex<KeyCache>,
    requests: Option<KeyedLimiter<String>>,
    failures: Option<FailureGuard>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct KeyCache {
    /// The counter's value the entries were read under.
    seen: u64,
    known: HashMap<[u8; 32], (Instant, Known)>,
    unknown: HashMap<[u8; 32], Instant>,
    /// Hashes of keys found lately, kept across key changes (see [`VOUCHED_TTL`]).
    vouched: HashMap<[u8; 32], Instant>,
}

impl Authenticator {
    /// An authenticator over `storage`, allowing `per_minute` requests per key
    /// (0: no limit) and `failures_per_minute` failed attempts per client address
    /// (0: no limit).
    pub fn new(storage: Arc<dyn Storage>, per_minute: u32, failures_per_minute: u32) -> Self {
        let changes = storage.key_changes();
        let requests = NonZeroU32::new(per_minute).map(|limit| {
            RateLimiter::hashmap(Quota::per_minute(limit)).with_middleware::<StateInformationMiddleware>()
        });
        let failures = NonZeroU32::new(failures_per_minute).map(FailureGuard::new);
        let cache = Mutex::new(KeyCache { seen: changes.current(), ..KeyCache::default() });
        Authenticator { storage, changes, cache, requests, failures }
    }

    /// The caller presenting `presented`, from `client` (when the transport knows
    /// the address).
    pub async fn authenticate(
        &self,
        presented: Presented<'_>,
        client: Option<IpAddr>,
    ) -> Result<Arc<Caller>, ServiceError> {
        let attempt = match presented {
            Presented::ApiKey(key) => self.by_key(key, client).await,
            Presented::Bearer(token) => self.by_token(token, client).await,
        };
        if let (Err(error), Some(guard), Some(client)) = (&attempt, &self.failures, client)
            && error.refusal() == Refusal::Unauthenticated
        {
            guard.failed(client);
        }
        attempt
    }

    /// Counts one request of `caller` against its key's budget.
    pub fn admit(&self, caller: &Caller) -> RateDecision {
        let Some(limiter) = &self.requests else {
            return RateDecision { allowed: true, limit: 0, remaining: 0, reset_secs: 0 };
        };
        if limiter.len() > 10 * MAX_ENTRIES {
            limiter.retain_recent();
        }
        match limiter.check_key(&caller.key_id) {
            Ok(snapshot) => {
                let limit = snapshot.quota().burst_size().get();
                let remaining = snapshot.remaining_burst_capacity();
                let per_cell = snapshot.quota().replenish_interval();
                let reset = per_cell.saturating_mul(limit.saturating_sub(remaining));
                RateDecision { allowed: true, limit, remaining, reset_secs: whole_seconds(reset) }
            }
            Err(not_until) => {
                let limit = not_until.quota().burst_size().get();
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                RateDecision { allowed: false, limit, remaining: 0, reset_secs: whole_seconds(wait) }
            }
        }
    }

    /// Refuses `client` if it failed too often lately.
    fn guard(&self, client: Option<IpAddr>) -> Result<(), ServiceError> {
        match (&self.failures, client) {
            (Some(guard), Some(client)) => guard.check(client),
            _ => Ok(()),
        }
    }

    async fn by_key(&self, key: &str, client: Option<IpAddr>) -> Result<Arc<Caller>, ServiceError> {
        // A key of the wrong shape is refused before anything is looked up.
        if !key.starts_with(API_KEY_PREFIX) || key.len() != API_KEY_PREFIX.len() + 43 {
            self.guard(client)?;
            return Err(invalid_key());
        }
        let hash = secrets::hash(key);
        let found = match self.cached(&hash) {
            Some(found) => found,
            None => {
                if !self.vouched(&hash) {
                    self.guard(client)?;
                }
                let seen = self.changes.current();
                let found = self.storage.api_key_by_hash(&hash).await?.map(|(record, user)| Known::new(record, user));
                self.remember(hash, found.clone(), seen);
                found
            }
        };
        let known = found.ok_or_else(invalid_key)?;
        match known.status {
            KeyStatus::Active => {}
            KeyStatus::Revoked => {
                return Err(ServiceError::new(
                    Refusal::Unauthenticated,
                    "api_key_revoked",
                    "the API key has been revoked",
                ));
            }
            KeyStatus::Suspended => {
                return Err(ServiceError::new(
                    Refusal::Unauthenticated,
                    "api_key_suspended",
                    "the API key is suspended",
                ));
            }
        }
        self.touch(&hash, &known);
        Ok(known.caller)
    }

    /// What the caches say of `hash`: `Some(Some(..))` a known key, `Some(None)` an
    /// unknown one, `None` nothing (ask the storage).
    fn cached(&self, hash: &[u8; 32]) -> Option<Option<Known>> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.changes.current();
        if cache.seen != now {
            cache.known.clear();
            cache.unknown.clear();
            cache.seen = now;
            return None;
        }
        if let Some((read_at, known)) = cache.known.get(hash)
            && read_at.elapsed() < KNOWN_TTL
        {
            return Some(Some(known.clone()));
        }
        match cache.unknown.get(hash) {
            Some(read_at) if read_at.elapsed() < UNKNOWN_TTL => Some(None),
            _ => None,
        }
    }

    /// Whether a key with this hash was found lately.
    fn vouched(&self, hash: &[u8; 32]) -> bool {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.vouched.get(hash).is_some_and(|found_at| found_at.elapsed() < VOUCHED_TTL)
    }

    /// Keeps what the storage said of `hash`, read while the counter was `seen`
    /// (dropped if a change landed during the read).
    fn remember(&self, hash: [u8; 32], found: Option<Known>, seen: u64) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if found.is_some() {
            if cache.vouched.len() >= MAX_ENTRIES {
                cache.vouched.retain(|_, found_at| found_at.elapsed() < VOUCHED_TTL);
                if cache.vouched.len() >= MAX_ENTRIES {
                    cache.vouched.clear();
                }
            }
            cache.vouched.insert(hash, now);
        }
        if cache.seen != seen || self.changes.current() != seen {
            return;
        }
        match found {
            Some(known) => {
                if cache.known.len() >= MAX_ENTRIES {
                    cache.known.clear();
                }
                cache.unknown.remove(&hash);
                cache.known.insert(hash, (now, known));
            }
            None => {
                if cache.unknown.len() >= MAX_ENTRIES {
                    cache.unknown.clear();
                }
                cache.unknown.insert(hash, now);
            }
        }
    }

    /// Records the key's use, at most once a minute, without making the request
    /// wait for the write.
    fn touch(&self, hash: &[u8; 32], known: &Known) {
        let now = now_unix();
        if known.last_used_at.is_some_and(|at| now - at < 60) {
            return;
        }
        if let Some((_, cached)) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).known.get_mut(hash) {
            cached.last_used_at = Some(now);
        }
        let (storage, id) = (self.storage.clone(), known.caller.key_id.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = storage.touch_api_key(&id, now).await {
                    tracing::warn!(%error, "recording an API key's use failed");
                }
            });
        }
    }

    /// An OAuth access token: live, of an enabled client, for an existing user.
    async fn by_token(&self, token: &str, client: Option<IpAddr>) -> Result<Arc<Caller>, ServiceError> {
        self.guard(client)?;
        if !token.starts_with(ACCESS_TOKEN_PREFIX) {
            return Err(invalid_token());
        }
        let record = self.storage.oauth_token(&secrets::hash(token)).await?.ok_or_else(invalid_token)?;
        if record.kind != TokenKind::Access || !record.is_live(now_unix()) {
            return Err(invalid_token());
        }
        let client_id = record.client_id.ok_or_else(invalid_token)?;
        let oauth_client = self.storage.oauth_client(&client_id).await?.filter(|client| !client.disabled);
        if oauth_client.is_none() {
            return Err(invalid_token());
        }
        let user = self.storage.user(&record.user_id).await?.ok_or_else(invalid_token)?;
        let audience = record.resource;
        Ok(Arc::new(Caller { key_id: format!("oauth:{client_id}:{}", user.id), user, scopes: record.scopes, audience }))
    }
}

fn invalid_key() -> ServiceError {
    ServiceError::new(Refusal::Unauthenticated, "invalid_api_key", "the API key is not valid")
}

fn invalid_token() -> ServiceError {
    ServiceError::new(
        Refusal::Unauthenticated,
        "invalid_token",
        "the access token is not valid (unknown, expired or revoked)",
    )
}

fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Failed attempts per client address, and the addresses refused until a time.
struct FailureGuard {
    limiter: KeyedLimiter<IpAddr>,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

impl FailureGuard {
    fn new(per_minute: NonZeroU32) -> Self {
        FailureGuard {
            limiter: RateLimiter::hashmap(Quota::per_minute(per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            blocked: Mutex::default(),
        }
    }

    /// Refuses `client` while it is blocked.
    fn check(&self, client: IpAddr) -> Result<(), ServiceError> {
        let blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
        match blocked.get(&client).and_then(|until| until.checked_duration_since(Instant::now())) {
            Some(wait) => {
                let secs = whole_seconds(wait).max(1);
                Err(ServiceError::new(
                    Refusal::RateLimited,
                    "too_many_failed_attempts",
                    format!("too many failed authentication attempts from this address; retry in {secs} s"),
                )
                .retry_after(secs))
            }
            None => Ok(()),
        }
    }

    /// Counts a failure of `client`; past the limit it is blocked until it may try
    /// again.
    fn failed(&self, client: IpAddr) {
        if self.limiter.len() > 10 * MAX_ENTRIES {
            self.limiter.retain_recent();
        }
        if let Err(not_until) = self.limiter.check_key(&client) {
            let until = Instant::now() + not_until.wait_time_from(DefaultClock::default().now());
            let mut blocked = self.blocked.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if blocked.len() >= MAX_ENTRIES {
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(client, until);
        }
    }
}
