//! Polling triggers: subscribing a user to one (its input checked and its
//! secret fields sealed), listing and deleting subscriptions, and one poll of a
//! subscription, decided and committed at once. The [`Poller`] of a serving
//! process polls the due ones.
//!
//! A poll runs the block's `poll` with the subscription's input (credentials
//! resolved and refreshed as for a run), tells new items from seen ones with the
//! block's dedupe strategy, and commits the new cursor together with one queued
//! trigger run per new item: a process that dies mid-poll leaves the cursor
//! where it was and nothing queued, so the next poll finds the same items again.
//! Trigger runs are charged when a worker starts them, as webhook-started ones.

mod poller;

use block_core::polling::{PollCursor, advance};
use block_core::{RegisteredBlock, RunOptions};
use serde_json::{Map, Value};

pub use poller::Poller;

use super::runs::{self, NewRun};
use super::{AppState, ServiceError, run_input};
use crate::domain::{PollSubscription, Run, RunKind, RunSource, RunStatus, new_id, now_millis};
use crate::storage::PollOutcome;

/// How long a poller holds a claimed poll before another may take it: longer
/// than any poll may run (the executor's time limit applies to it).
pub const LEASE_MILLIS: i64 = 10 * 60 * 1000;

/// The polling trigger `id` names (an id or a name), runnable.
fn polling_block<'s>(state: &'s AppState, id: &str) -> Result<&'s RegisteredBlock, ServiceError> {
    let block = runs::runnable_block(state, id)?;
    if block.descriptor().poll.is_none() {
        let hint =
            if block.descriptor().trigger.is_some() { ": it is started by webhooks (POST /triggers)" } else { "" };
        return Err(ServiceError::invalid_body(format!("{} is not a polling trigger{hint}", block.name())));
    }
    Ok(block)
}

/// Subscribes `owner` to the polling trigger `block_id` with `input` (without
/// `payload`). The first poll comes at once and only learns what the service
/// holds already (unless the block fires on the first poll).
pub async fn subscribe(
    state: &AppState,
    owner: &str,
    block_id: &str,
    input: Map<String, Value>,
) -> Result<PollSubscription, ServiceError> {
    let block = polling_block(state, block_id)?;
    let spec = block.descriptor().poll.ok_or_else(|| ServiceError::invalid_body("not a polling trigger"))?;
    let mut with_payload = input;
    with_payload.insert("payload".into(), Value::Null);
    let mut value = run_input::check(block, Value::Object(with_payload))?.value;
    if let Some(fields) = value.as_object_mut() {
        fields.remove("payload");
    }
    run_input::seal(state.cipher(), block, &mut value)?;
    let now = now_millis();
    let poll = PollSubscription {
        id: new_id(),
        user_id: owner.to_owned(),
        block_id: block.id().to_owned(),
        input: value,
        every_secs: spec.every_secs,
        cursor: None,
        next_poll_at: now,
        created_at: now,
        last_polled_at: None,
        last_error: None,
        runs_queued: 0,
    };
    state.storage().create_poll(poll.clone()).await?;
    Ok(shown(state, poll))
}

/// `owner`'s subscriptions, their secret input fields masked.
pub async fn list(state: &AppState, owner: &str) -> Result<Vec<PollSubscription>, ServiceError> {
    let polls = state.storage().polls(owner).await?;
    Ok(polls.into_iter().map(|poll| shown(state, poll)).collect())
}

/// Deletes `owner`'s subscription `id`.
pub async fn delete(state: &AppState, owner: &str, id: &str) -> Result<(), ServiceError> {
    if state.storage().delete_poll(owner, id).await? {
        Ok(())
    } else {
        Err(ServiceError::not_found("poll_not_found", format!("no polling trigger subscription `{id}`")))
    }
}

/// The subscription as shown: its secret input fields masked.
fn shown(state: &AppState, mut poll: PollSubscription) -> PollSubscription {
    if let Some(block) = state.registry().by_id(&poll.block_id) {
        run_input::mask(block, &mut poll.input);
    }
    poll
}

/// What one poll found: its outcome to commit.
async fn poll_once(state: &AppState, poll: &PollSubscription, now: i64) -> PollOutcome {
    let next_poll_at = now + i64::try_from(poll.every_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let failed = |error: String| PollOutcome {
        cursor: None,
        runs: Vec::new(),
        next_poll_at,
        polled_at: now_millis(),
        error: Some(error),
    };
    let block = match polling_block(state, &poll.block_id) {
        Ok(block) => block,
        Err(refusal) => return failed(refusal.message().to_owned()),
    };
    let Some(spec) = block.descriptor().poll else { return failed("not a polling trigger".into()) };
    let mut input = poll.input.clone();
    if let Err(message) = run_input::unseal(state.cipher(), block, &mut input) {
        return failed(message);
    }
    if let Some(fields) = input.as_object_mut() {
        fields.insert("payload".into(), Value::Null);
    }
    let prepared = match state.executor().prepare(block, input, RunOptions::for_user(poll.user_id.clone())).await {
        Ok(prepared) => prepared,
        Err(error) => return failed(format!("the poll could not start: {error}")),
    };
    let items = match prepared.poll().await {
        Ok(items) => items,
        Err(error) => return failed(error.message().to_owned()),
    };
    // A cursor this version cannot read (written for another strategy) re-seeds.
    let prior: Option<PollCursor> = poll.cursor.clone().and_then(|cursor| serde_json::from_value(cursor).ok());
    let advanced = match advance(spec.dedupe, prior.as_ref(), items, spec.fire_on_first) {
        Ok(advanced) => advanced,
        Err(error) => return failed(error.to_string()),
    };
    let cursor = match serde_json::to_value(&advanced.cursor) {
        Ok(cursor) => cursor,
        Err(error) => return failed(format!("the cursor could not be kept: {error}")),
    };
    let runs = advanced.new.into_iter().map(|item| trigger_run(block, poll, item.payload, &item.id)).collect();
    PollOutcome { cursor: Some(cursor), runs, next_poll_at, polled_at: now_millis(), error: None }
}

/// The queued trigger run of one new item: the subscription's input (its
/// secret fields still sealed) with the item as `payload`.
fn trigger_run(block: &RegisteredBlock, poll: &PollSubscription, payload: Value, item_id: &str) -> Run {
    let mut input = poll.input.clone();
    if let Some(fields) = input.as_object_mut() {
        fields.insert("payload".into(), payload);
    }
    let new = NewRun {
        kind: RunKind::Trigger,
        source_ref: Some(format!("{}:{item_id}", poll.id)),
        ..NewRun::block(&poll.user_id, RunSource::Poll)
    };
    new.record(block, input, RunStatus::Queued)
}
