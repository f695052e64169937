//! Polling triggers: trigger blocks for services that send no webhooks.
//!
//! A polling trigger is a trigger block (it has a hidden `payload` input and its
//! `run` turns one item into outputs) whose `#[block(trigger(poll(...)))]`
//! attribute says how often to ask the service, and which implements [`Poll`]:
//! fetch the latest items, newest first, each with an id (and a timestamp when
//! [`Dedupe::Timestamp`] is used).
//!
//! ```ignore
//! #[block(id = "...", categories(Input), trigger(poll(every = "15m", dedupe = seen_ids)), tests = cases)]
//! pub struct FeedTriggerBlock;
//!
//! impl Poll for FeedTriggerBlock {
//!     async fn poll(&self, input: &FeedInput, ctx: &RunContext) -> Result<Vec<PolledItem>, BlockError> {
//!         let feed = fetch(ctx.http(), &input.url).await?;
//!         Ok(feed.entries.into_iter().map(|e| PolledItem::new(e.id.clone(), json!(e))).collect())
//!     }
//! }
//! ```
//!
//! The framework keeps each subscription's [`PollCursor`] and decides with
//! [`advance`] which items are new: each new item starts one trigger run with the
//! item as its `payload`. A server stores the new cursor together with the runs it
//! queues, so a restart neither loses nor repeats an item. The first poll seeds the
//! cursor and fires nothing, unless the block says `fire_on_first = true`.

use std::collections::{HashSet, VecDeque};
use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::executor::erased::{Ready, ReadyRun};
use crate::{Block, BlockError, BoxFuture, Run, RunContext};

/// How many ids [`Dedupe::SeenIds`] keeps when the block names no number.
pub const DEFAULT_SEEN_IDS: usize = 1_000;

/// The most items one poll may return; more is an error naming the limit, not a
/// flood of runs.
pub const MAX_ITEMS_PER_POLL: usize = 10_000;

/// What a polling trigger does besides running: fetch the latest items.
///
/// Return the items the service lists now, **newest first**, each with a stable
/// id. The framework decides which are new; return everything the service's first
/// page shows rather than filtering yourself.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a polling trigger without `poll`",
    label = "implement `block_core::Poll` for `{Self}`",
    note = "write `impl Poll for {Self} {{ async fn poll(&self, input: &Self::Input, ctx: &RunContext) -> Result<Vec<PolledItem>, BlockError> {{ ... }} }}`"
)]
pub trait Poll: Run {
    /// Fetches the latest items for a subscription with `input` (its `payload`
    /// field is `null`).
    fn poll(
        &self,
        input: &Self::Input,
        ctx: &RunContext,
    ) -> impl Future<Output = Result<Vec<PolledItem>, BlockError>> + Send;
}

/// One item a poll found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolledItem {
    /// A stable id: the same item has the same id in every poll.
    pub id: String,
    /// When the item was published or changed, in Unix milliseconds (needed by
    /// [`Dedupe::Timestamp`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    /// What the trigger run gets as its `payload`.
    pub payload: Value,
}

impl PolledItem {
    /// An item with its id and payload.
    pub fn new(id: impl Into<String>, payload: Value) -> Self {
        PolledItem { id: id.into(), timestamp: None, payload }
    }

    /// With its time (Unix milliseconds).
    pub fn at(mut self, timestamp_millis: i64) -> Self {
        self.timestamp = Some(timestamp_millis);
        self
    }
}

/// How new items are told from ones seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dedupe {
    /// Items before the last newest id are new (for lists sorted newest first
    /// whose items are never edited or reordered). If that id is gone from the
    /// list, every item listed is new.
    NewestId,
    /// Items later than the newest time seen are new; items at that very time
    /// are told apart by id.
    Timestamp,
    /// Items whose id is not among the last `n` ids seen are new (for lists in
    /// no reliable order).
    SeenIds(usize),
}

impl Dedupe {
    /// Its name in the attribute and in stored cursors.
    pub fn name(self) -> &'static str {
        match self {
            Dedupe::NewestId => "newest_id",
            Dedupe::Timestamp => "timestamp",
            Dedupe::SeenIds(_) => "seen_ids",
        }
    }
}

/// Where a subscription's polling stands: stored after every poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "dedupe", rename_all = "snake_case")]
pub enum PollCursor {
    /// [`Dedupe::NewestId`]: the newest id seen, if any item was.
    NewestId {
        /// The id.
        id: Option<String>,
    },
    /// [`Dedupe::Timestamp`]: the newest time seen and the ids seen at it.
    Timestamp {
        /// Unix milliseconds; `None` before any item was seen.
        at: Option<i64>,
        /// Ids of the items at `at`.
        ids: Vec<String>,
    },
    /// [`Dedupe::SeenIds`]: the ids seen, oldest first, at most the block's cap.
    SeenIds {
        /// The ids.
        ids: VecDeque<String>,
    },
}

/// What the block's attribute says about polling.
#[derive(Debug, Clone, Copy)]
pub struct PollSpec {
    /// The provider whose credentials the block may take, if it names one.
    pub provider: Option<&'static str>,
    /// Seconds between polls of one subscription.
    pub every_secs: u64,
    /// How new items are found.
    pub dedupe: Dedupe,
    /// Whether the first poll fires for the items it finds (it only seeds the
    /// cursor otherwise).
    pub fire_on_first: bool,
    /// Runs the block's [`Poll::poll`] on a prepared input.
    #[doc(hidden)]
    pub poll: ErasedPoll,
}

/// How a [`PollSpec`] polls: [`erased_poll`] for the block that declared it.
#[doc(hidden)]
pub type ErasedPoll = fn(Box<dyn ReadyRun>, RunContext) -> BoxFuture<'static, Result<Vec<PolledItem>, BlockError>>;

/// Runs `B`'s [`Poll::poll`] on a run prepared for `B`; the attribute points
/// [`PollSpec::poll`] here.
#[doc(hidden)]
pub fn erased_poll<B: Block + Poll>(
    ready: Box<dyn ReadyRun>,
    ctx: RunContext,
) -> BoxFuture<'static, Result<Vec<PolledItem>, BlockError>> {
    match ready.into_any().downcast::<Ready<B>>() {
        Ok(ready) => Box::pin(async move {
            let Ready { block, input } = *ready;
            block.poll(&input, &ctx).await
        }),
        Err(_) => Box::pin(async { Err(BlockError::new("the prepared input belongs to another block")) }),
    }
}

/// What one poll found.
#[derive(Debug, Clone, PartialEq)]
pub struct Advanced {
    /// The new items, oldest first: one trigger run each.
    pub new: Vec<PolledItem>,
    /// The cursor to store.
    pub cursor: PollCursor,
    /// Whether this was the first poll, which only seeded the cursor (unless the
    /// block fires on the first).
    pub seeded: bool,
}

/// Why a poll's items could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PollError {
    /// More items than [`MAX_ITEMS_PER_POLL`].
    #[error("the poll returned {count} items, more than the {MAX_ITEMS_PER_POLL} one poll may return")]
    TooMany {
        /// How many.
        count: usize,
    },
    /// An item with an empty id.
    #[error("item {index} of the poll has an empty id")]
    EmptyId {
        /// Its position.
        index: usize,
    },
    /// [`Dedupe::Timestamp`] and an item without a time.
    #[error("the trigger tells new items by their time, but item `{id}` has no timestamp")]
    NoTimestamp {
        /// The item's id.
        id: String,
    },
}

/// Decides which of `items` (as [`Poll::poll`] returned them, newest first) are
/// new after `prior`, and the cursor to keep. With no prior cursor the items only
/// seed it, unless `fire_on_first`. A cursor stored for another strategy (the
/// block changed its `dedupe`) counts as no cursor: the poll re-seeds rather than
/// firing for everything.
pub fn advance(
    dedupe: Dedupe,
    prior: Option<&PollCursor>,
    items: Vec<PolledItem>,
    fire_on_first: bool,
) -> Result<Advanced, PollError> {
    check(dedupe, &items)?;
    let items = unique(items);
    let (mut new, cursor, seeded) = match (dedupe, prior) {
        (Dedupe::NewestId, Some(PollCursor::NewestId { id: Some(last) })) => {
            let new: Vec<_> = items.iter().take_while(|item| &item.id != last).cloned().collect();
            let id = items.first().map(|item| item.id.clone()).unwrap_or_else(|| last.clone());
            (new, PollCursor::NewestId { id: Some(id) }, false)
        }
        (Dedupe::NewestId, prior) => {
            // A cursor with no id saw an empty list: everything listed now is new.
            let seeded = !matches!(prior, Some(PollCursor::NewestId { .. }));
            let id = items.first().map(|item| item.id.clone());
            (items, PollCursor::NewestId { id }, seeded)
        }
        (Dedupe::Timestamp, Some(PollCursor::Timestamp { at: Some(at), ids })) => {
            let seen: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let new: Vec<_> = items
                .iter()
                .filter(|item| {
                    let time = item.timestamp.unwrap_or(i64::MIN);
                    time > *at || (time == *at && !seen.contains(item.id.as_str()))
                })
                .cloned()
                .collect();
            let cursor = timestamp_cursor(Some((*at, ids)), &items);
            (new, cursor, false)
        }
        (Dedupe::Timestamp, prior) => {
            let seeded = !matches!(prior, Some(PollCursor::Timestamp { .. }));
            let cursor = timestamp_cursor(None, &items);
            (items, cursor, seeded)
        }
        (Dedupe::SeenIds(cap), Some(PollCursor::SeenIds { ids })) => {
            let seen: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let new: Vec<_> = items.iter().filter(|item| !seen.contains(item.id.as_str())).cloned().collect();
            let mut kept = ids.clone();
            kept.extend(new.iter().rev().map(|item| item.id.clone()));
            (new, PollCursor::SeenIds { ids: capped(kept, cap) }, false)
        }
        (Dedupe::SeenIds(cap), _) => {
            let ids = items.iter().rev().map(|item| item.id.clone()).collect();
            (items, PollCursor::SeenIds { ids: capped(ids, cap) }, true)
        }
    };
    if seeded && !fire_on_first {
        new.clear();
    }
    // Newest first in, oldest first out: runs start in the order things happened.
    new.reverse();
    if dedupe == Dedupe::Timestamp {
        new.sort_by_key(|item| item.timestamp);
    }
    Ok(Advanced { new, cursor, seeded })
}

fn check(dedupe: Dedupe, items: &[PolledItem]) -> Result<(), PollError> {
    if items.len() > MAX_ITEMS_PER_POLL {
        return Err(PollError::TooMany { count: items.len() });
    }
    for (index, item) in items.iter().enumerate() {
        if item.id.is_empty() {
            return Err(PollError::EmptyId { index });
        }
        if dedupe == Dedupe::Timestamp && item.timestamp.is_none() {
            return Err(PollError::NoTimestamp { id: item.id.clone() });
        }
    }
    Ok(())
}

/// The first of each id: a service listing one item twice starts one run.
fn unique(items: Vec<PolledItem>) -> Vec<PolledItem> {
    let mut seen = HashSet::new();
    items.into_iter().filter(|item| seen.insert(item.id.clone())).collect()
}

fn timestamp_cursor(prior: Option<(i64, &Vec<String>)>, items: &[PolledItem]) -> PollCursor {
    let newest = items.iter().filter_map(|item| item.timestamp).max();
    let at = match (prior.map(|(at, _)| at), newest) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let mut ids: Vec<String> = match prior {
        Some((prior_at, ids)) if Some(prior_at) == at => ids.clone(),
        _ => Vec::new(),
    };
    for item in items.iter().filter(|item| item.timestamp.is_some() && item.timestamp == at) {
        if !ids.contains(&item.id) {
            ids.push(item.id.clone());
        }
    }
    PollCursor::Timestamp { at, ids }
}

fn capped(mut ids: VecDeque<String>, cap: usize) -> VecDeque<String> {
    while ids.len() > cap.max(1) {
        ids.pop_front();
    }
    ids
}

#[cfg(test)]
mod tests;
