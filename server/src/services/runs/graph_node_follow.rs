//! A node execution that runs as a run of its own, wherever it runs: its
//! stored events read back (live when this process holds it, else from the
//! storage) as the node's outputs. What a queued node run is to the graph run
//! that waits on it, and what a node run recorded before is to a graph run
//! resumed by another worker: the outputs it had, never a second execution.

use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use block_core::graph::NodeOutputs;
use block_core::{OutputEvent, RegisteredBlock};
use futures_util::{Stream, StreamExt};
use serde_json::Value;

use super::follow;
use super::graph_nodes::NodeLedger;
use crate::domain::RunEvent;
use crate::services::{AppState, ServiceError};

/// Stops the node run when the graph run drops its outputs before they end (the
/// graph run stopped or failed), as dropping an inline node run stops it.
struct StopUnlessEnded {
    state: AppState,
    user_id: String,
    run_id: String,
    ended: bool,
}

impl Drop for StopUnlessEnded {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (state, user_id, run_id) = (self.state.clone(), self.user_id.clone(), self.run_id.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = super::stop(&state, &user_id, &run_id).await
                    && error.code() != "run_over"
                {
                    tracing::warn!(run = %run_id, code = error.code(), "stopping a node run failed");
                }
            });
        }
    }
}

struct Reader<S> {
    events: std::pin::Pin<Box<S>>,
    guard: StopUnlessEnded,
    pins: &'static [&'static str],
    failed: bool,
    ledger: NodeLedger,
}

/// The outputs of node run `run_id` of `user_id`, a run of `block`, as they are
/// stored: each output event on its pin; its end, when it did not complete and
/// said nothing on `error`, as an `error` naming how it ended (an interrupted
/// run's block never runs again). What it was charged is added to the graph
/// run's `ledger`; a node run refused for want of credits stops the graph run
/// there, as one refused in this process does.
pub(super) fn node_outputs(
    state: &AppState,
    user_id: &str,
    run_id: &str,
    block: &RegisteredBlock,
    ledger: NodeLedger,
) -> NodeOutputs {
    let events = follow(state.clone(), run_id.to_owned(), 0);
    let reader = Reader {
        events: Box::pin(events),
        guard: StopUnlessEnded {
            state: state.clone(),
            user_id: user_id.to_owned(),
            run_id: run_id.to_owned(),
            ended: false,
        },
        pins: block.descriptor().pins,
        failed: false,
        ledger,
    };
    Box::pin(futures_util::stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((event, reader))
    }))
}

impl<S: Stream<Item = Result<RunEvent, ServiceError>> + Send> Reader<S> {
    async fn next(&mut self) -> Option<OutputEvent> {
        loop {
            if self.guard.ended {
                return None;
            }
            let event = match self.events.next().await {
                Some(Ok(event)) => event,
                Some(Err(error)) => {
                    self.guard.ended = true;
                    return Some(OutputEvent::error(format!(
                        "the node run could not be followed: {}",
                        error.message()
                    )));
                }
                None => {
                    self.guard.ended = true;
                    return (!self.failed).then(|| OutputEvent::error("the node run's events ended without its end"));
                }
            };
            if event.name == RunEvent::END {
                self.guard.ended = true;
                let charged = event.data["charged"].as_u64().unwrap_or(0);
                self.ledger.charged.fetch_add(charged, Ordering::Relaxed);
                if event.data["code"] == super::billing::INSUFFICIENT_CREDITS {
                    let reason = event.data["error"].as_str().unwrap_or("the balance does not cover the run");
                    self.ledger.reason.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(reason.to_owned());
                    self.ledger.out_of_credits.stop();
                }
                let status = event.data["status"].as_str().unwrap_or("unknown");
                if status == "completed" || self.failed {
                    return None;
                }
                let error =
                    event.data["error"].as_str().map_or_else(|| format!("the node run ended {status}"), str::to_owned);
                return Some(OutputEvent::error(error));
            }
            if event.name == OutputEvent::ERROR {
                self.failed = true;
                let message = match event.data {
                    Value::String(message) => message,
                    other => other.to_string(),
                };
                return Some(OutputEvent::error(message));
            }
            // Events on pins the block does not declare (none are stored) are
            // passed over rather than invented.
            if let Some(pin) = self.pins.iter().copied().find(|pin| *pin == event.name) {
                return Some(OutputEvent { name: pin, value: event.data });
            }
        }
    }
}
