//! Refreshing OAuth tokens before a run: once per credential, however many runs
//! (and, with a store that locks across processes, however many processes)
//! share it, and without holding any lock while a run executes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::OAuthHandler;
use crate::credentials::{CredentialStore, OAuth2Credentials, StoredCredentials, now_unix};
use crate::http::HttpClient;

/// Tokens expiring within this many seconds are refreshed before a run.
pub const REFRESH_MARGIN_SECS: i64 = 300;

type Flight = Shared<BoxFuture<'static, Result<StoredCredentials, RefreshFailure>>>;

/// Why credentials could not be refreshed. Never holds a token or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshFailure {
    /// The provider refused (`invalid_grant`, a revoked app, ...) or answered
    /// nonsense: the account must be reconnected.
    Refused(String),
    /// The provider could not be reached or answered 5xx, or the refreshed tokens
    /// could not be saved: nothing is known to be wrong with the credentials.
    Unavailable { reason: String, retry_after: Option<Duration> },
}

/// Refreshes in flight, by (user, credentials id). The lock guards only this map:
/// it is held to join or start a refresh, never across one.
#[derive(Default)]
pub(crate) struct Refresher {
    in_flight: Mutex<HashMap<(String, String), Flight>>,
}

/// Whether `credentials` should be refreshed before use.
pub(crate) fn needs_refresh(credentials: &OAuth2Credentials) -> bool {
    credentials.refresh_token.is_some()
        && credentials.access_token_expires_at.is_some_and(|at| at - now_unix() <= REFRESH_MARGIN_SECS)
}

impl Refresher {
    /// Fresh credentials for `user`: refreshed through `handler` and saved in
    /// `store`, by whichever caller comes first; the others wait for its result.
    pub(crate) async fn refresh(
        &self,
        user: &str,
        stale: OAuth2Credentials,
        handler: Arc<dyn OAuthHandler>,
        http: HttpClient,
        store: Arc<dyn CredentialStore>,
    ) -> Result<StoredCredentials, RefreshFailure> {
        let key = (user.to_owned(), stale.meta.id.clone());
        let flight = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            in_flight
                .entry(key.clone())
                .or_insert_with(|| refresh_once(user.to_owned(), stale, handler, http, store).boxed().shared())
                .clone()
        };
        let result = flight.clone().await;
        let mut in_flight = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        if in_flight.get(&key).is_some_and(|current| current.ptr_eq(&flight)) {
            in_flight.remove(&key);
        }
        result
    }
}

async fn refresh_once(
    user: String,
    stale: OAuth2Credentials,
    handler: Arc<dyn OAuthHandler>,
    http: HttpClient,
    store: Arc<dyn CredentialStore>,
) -> Result<StoredCredentials, RefreshFailure> {
    // Another process sharing the store may be refreshing the same credentials:
    // wait for it, then read what it saved.
    let _held = store.lock_refresh(&user, &stale.meta.id).await.map_err(|error| RefreshFailure::Unavailable {
        reason: format!("credentials `{}` could not be locked for their refresh: {error}", stale.meta.id),
        retry_after: None,
    })?;
    // A run that read the credentials just before another run's refresh finished
    // would otherwise refresh again with a refresh token already rotated away.
    if let Ok(Some(StoredCredentials::OAuth2(current))) = store.get(&user, &stale.meta.id).await
        && !needs_refresh(&current)
    {
        return Ok(StoredCredentials::OAuth2(current));
    }
    let id = stale.meta.id.clone();
    let tokens = handler.refresh(&http, &stale).await.map_err(|error| {
        if error.is_unavailable() {
            RefreshFailure::Unavailable {
                reason: format!("credentials `{id}` could not be refreshed now: {error}"),
                retry_after: error.retry_after(),
            }
        } else {
            RefreshFailure::Refused(format!(
                "credentials `{id}` could not be refreshed: {error}; reconnect the account"
            ))
        }
    })?;
    let fresh = StoredCredentials::OAuth2(tokens.refreshed(&stale));
    store.put(&user, fresh.clone()).await.map_err(|error| RefreshFailure::Unavailable {
        reason: format!("refreshed credentials `{id}` could not be saved: {error}"),
        retry_after: None,
    })?;
    Ok(fresh)
}
