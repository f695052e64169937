//! Completion callbacks: when a run started with a `callback_url` ends, its
//! record is posted there, signed with its owner's callback secret, retried with
//! backoff for 24 hours; every attempt is kept on the run.
//!
//! The signature (header `X-Blocks-Signature`) is `t=<unix seconds>,v1=<hex
//! HMAC-SHA256(secret, "<t>." + body)>`, as the timestamped HMACs providers use:
//! a receiver recomputes it, compares in constant time, and refuses old times.
//! Posts go through the server's outbound client, so the SSRF guard applies.

use std::time::Duration;

use ring::hmac;

use crate::domain::secrets::{self, CALLBACK_SECRET_PREFIX};
use crate::domain::{Run, now_millis};
use crate::services::{AppState, Refusal, ServiceError};
use crate::storage::{AttemptOutcome, Callback, CallbackAttempt};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-blocks-signature";

/// How long a callback is retried after its run ended.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The waits between attempts; the last repeats until giving up.
const BACKOFF: [Duration; 8] = [
    Duration::from_secs(1),
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
    Duration::from_secs(1800),
    Duration::from_secs(3600),
    Duration::from_secs(7200),
];

/// How long a claimed callback is held by the sender before another may retry.
const HOLD: Duration = Duration::from_secs(60);

fn context(user_id: &str) -> String {
    format!("callback-secret/{user_id}")
}

/// Makes (or replaces) `user_id`'s callback secret and returns it: the only
/// time it is shown.
pub async fn new_secret(state: &AppState, user_id: &str) -> Result<String, ServiceError> {
    let secret = secrets::new_secret(CALLBACK_SECRET_PREFIX)
        .ok_or_else(|| ServiceError::internal("the random source failed", "no random bytes"))?;
    let sealed = state
        .cipher()
        .seal(&context(user_id), secret.as_bytes())
        .map_err(|error| ServiceError::internal("the callback secret could not be sealed", error))?;
    state.storage().put_callback_secret(user_id, sealed).await?;
    Ok(secret)
}

/// Checks a callback URL before a run is started with it: http or https, and a
/// callback secret to sign with.
pub async fn check_url(state: &AppState, user_id: &str, url: &str) -> Result<(), ServiceError> {
    let parsed = url::Url::parse(url)
        .map_err(|error| ServiceError::invalid_body(format!("callback_url is not a URL: {error}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ServiceError::invalid_body("callback_url must be an http or https URL"));
    }
    if state.storage().callback_secret(user_id).await?.is_none() {
        return Err(ServiceError::new(
            Refusal::Invalid,
            "no_callback_secret",
            "callbacks are signed with your callback secret: create it first (POST /external-api/v1/callbacks/secret)",
        ));
    }
    Ok(())
}

/// Schedules the callback of `run`, which just ended, if it has one.
pub async fn schedule(state: &AppState, run: &Run) {
    let Some(url) = run.callback_url.clone() else { return };
    let now = now_millis();
    let callback = Callback {
        run_id: run.id.clone(),
        user_id: run.user_id.clone(),
        url,
        created_at: now,
        next_attempt_at: Some(now),
        delivered_at: None,
        gave_up_at: None,
        attempts: Vec::new(),
    };
    if let Err(error) = state.storage().schedule_callback(callback).await {
        tracing::error!(%error, run = %run.id, "scheduling a run's callback failed");
    }
}

/// Sends the callbacks that are due; how many were attempted.
pub async fn deliver_due(state: &AppState) -> usize {
    let now = now_millis();
    let hold = now.saturating_add(i64::try_from(HOLD.as_millis()).unwrap_or(i64::MAX));
    let due = match state.storage().claim_callbacks(now, hold, 16).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "claiming due callbacks failed");
            return 0;
        }
    };
    let count = due.len();
    for callback in due {
        let outcome = attempt(state, &callback).await;
        if let Err(error) = state.storage().record_attempt(&callback.run_id, outcome).await {
            tracing::error!(%error, run = %callback.run_id, "recording a callback attempt failed");
        }
    }
    count
}

/// The signature header's value for `body` signed at `t` (Unix seconds).
pub fn signature(secret: &[u8], t: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut signed = Vec::with_capacity(body.len() + 24);
    signed.extend_from_slice(format!("{t}.").as_bytes());
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    let hex: String = tag.as_ref().iter().map(|byte| format!("{byte:02x}")).collect();
    format!("t={t},v1={hex}")
}

async fn attempt(state: &AppState, callback: &Callback) -> AttemptOutcome {
    let at = now_millis();
    let result = send(state, callback).await;
    let (status, error) = match &result {
        Ok(status) if (200..300).contains(status) => (Some(*status), None),
        Ok(status) => (Some(*status), Some(format!("the receiver answered {status}"))),
        Err(error) => (None, Some(error.clone())),
    };
    let delivered = error.is_none();
    let tries = callback.attempts.len() + 1;
    let wait = BACKOFF[tries.min(BACKOFF.len()) - 1];
    let next = at.saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
    let deadline = callback.created_at.saturating_add(i64::try_from(GIVE_UP_AFTER.as_millis()).unwrap_or(i64::MAX));
    let next_attempt_at = (!delivered && next <= deadline).then_some(next);
    if !delivered && next_attempt_at.is_none() {
        tracing::warn!(run = %callback.run_id, tries, "a run's callback was not delivered within 24 h; giving up");
    }
    AttemptOutcome { attempt: CallbackAttempt { at, status, error }, delivered, next_attempt_at }
}

/// Posts the run record; the receiver's status, or why no answer came.
async fn send(state: &AppState, callback: &Callback) -> Result<u16, String> {
    let run = state
        .storage()
        .run(&callback.user_id, &callback.run_id)
        .await
        .map_err(|error| format!("the run could not be read: {error}"))?
        .ok_or_else(|| "the run no longer exists".to_owned())?;
    let run = super::shown(state, run);
    let sealed = state
        .storage()
        .callback_secret(&callback.user_id)
        .await
        .map_err(|error| format!("the callback secret could not be read: {error}"))?
        .ok_or_else(|| "the owner has no callback secret any more".to_owned())?;
    let secret = state
        .cipher()
        .open(&context(&callback.user_id), &sealed)
        .map_err(|_| "the callback secret could not be opened".to_owned())?;
    let body = serde_json::to_vec(&run).map_err(|error| error.to_string())?;
    let t = now_millis() / 1000;
    let response = state
        .http()
        .post(&callback.url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature(&secret, t, &body))
        .header("x-blocks-run-id", &run.id)
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|error| error.to_string())?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::signature;

    #[test]
    fn the_signature_is_an_hmac_of_the_time_and_the_body() {
        // HMAC-SHA256(key "secret", "1700000000.{}"), computed with Python's hmac module.
        assert_eq!(
            signature(b"secret", 1_700_000_000, b"{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }
}
