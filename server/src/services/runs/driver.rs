//! One run from its start to its end, however it was started (inline for a
//! request waiting on it, or by a worker that claimed it): charge, execute, keep
//! each output (as an event, in the tally, on the live channel), then record the
//! end. Dropped before its end (the caller went away), the run is stopped and
//! still recorded.

use std::time::Instant;

use block_core::{Execution, OutputEvent, RegisteredBlock, RunOptions, Uuid};
use serde_json::{Value, json};

use super::billing::{self, Price};
use super::hub::{LiveEvents, StopSignal};
use super::tally::Tally;
use crate::domain::{Run, RunEvent, RunStatus, now_millis};
use crate::services::{AppState, Refusal, ServiceError};
use crate::storage::{Admission, RunEnd};

/// How the run was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A request waits on it: stored now (running), charged now. Its block takes
    /// its steps within the task that reads its outputs (no task is spawned).
    Inline,
    /// As [`Start::Inline`], but its block runs on a task of its own, ahead of
    /// its reader: a stream to a client, a graph's node beside the others.
    InlineSpawned,
    /// A worker claimed it from the queue: charged now. Its block takes its steps
    /// within the worker's task for the run.
    Claimed,
}

impl Start {
    fn inline(self) -> bool {
        self != Start::Claimed
    }
}

/// A run under way.
pub struct RunDriver {
    state: AppState,
    run: Run,
    execution: Option<Execution>,
    tally: Tally,
    seq: u64,
    price: Price,
    started: Instant,
    stop: StopSignal,
    live: LiveEvents,
    status: Option<RunStatus>,
    /// Why it failed, in a word, where a reader acts on it (`run.end`'s `code`).
    code: Option<&'static str>,
    ended: bool,
    ignored: Vec<String>,
}

/// How a run ended (its outputs are in its record).
#[derive(Debug, Clone)]
pub struct Ended {
    /// Its status.
    pub status: RunStatus,
    /// Why it failed or stopped.
    pub error: Option<String>,
    /// What it was charged, in all.
    pub charged: u64,
}

impl RunDriver {
    /// Prepares, charges and starts `run` of `block` on `input` (which the run
    /// record may hold masked): the executor checks the input and resolves the
    /// credentials first, so that nothing is charged for a run that cannot start.
    /// A run refused before its block starts (invalid input or credentials, no
    /// credits) is recorded as failed (a claimed one) and answered as the refusal.
    pub async fn start(
        state: &AppState,
        mut run: Run,
        block: &RegisteredBlock,
        input: Value,
        start: Start,
    ) -> Result<RunDriver, ServiceError> {
        let options = RunOptions::for_user(run.user_id.clone());
        let options = match Uuid::parse_str(&run.id) {
            Ok(id) => options.with_execution_id(id),
            Err(_) => options,
        };
        let prepared = match state.executor().prepare(block, input, options).await {
            Ok(prepared) => prepared,
            Err(error) => {
                let refusal = super::execute_error(block, error);
                if start == Start::Claimed {
                    let mut driver = RunDriver::new(state, run, billing::Price::default());
                    driver.fail(&format!("did not start: {}", refusal.message())).await;
                }
                return Err(refusal);
            }
        };
        let price = billing::price_of(block, &prepared);
        // The ledger's words for a charge; free runs write no ledger row.
        let reason = if price.upfront > 0 { billing::reason(&run, block) } else { String::new() };
        let hub = state.run_hub();
        let admission = match start {
            Start::Inline | Start::InlineSpawned => {
                run.started_at = Some(now_millis());
                run.charged = price.upfront;
                // The record keeps the input (masked); the driver's copy of the
                // run never reads it again.
                let mut input = prepared.input().clone();
                super::super::run_input::mask(block, &mut input);
                let stored = Run { input, ..run.clone() };
                let lease = state.settings().run_lease;
                state.storage().begin_inline(stored, hub.worker(), lease, price.upfront, &reason).await?
            }
            Start::Claimed => state.storage().start_run(&run.id, hub.worker(), price.upfront, &reason).await?,
        };
        if admission == Admission::NotHeld {
            // Its lease expired before it started (this process stalled) and
            // another process queued it again: that one runs it, and records it.
            tracing::warn!(run = %run.id, "a claimed run's lease was lost before it started; left to its new holder");
            hub.release(&run.id);
            return Err(ServiceError::new(
                Refusal::Unavailable,
                "lease_lost",
                "the run's lease expired before it started; another worker runs it",
            ));
        }
        let mut driver = RunDriver::new(state, run, price);
        driver.ignored = prepared.ignored_keys().to_vec();
        if let Admission::Insufficient { balance } = admission {
            let message = billing::insufficient(block, price.upfront, balance);
            // A request is refused with nothing recorded; a queued run ends failed.
            if start.inline() {
                driver.ended = true;
                state.run_hub().release(&driver.run.id);
            } else {
                driver.run.charged = 0;
                // A graph run waiting on this node run stops on it.
                driver.code = Some(billing::INSUFFICIENT_CREDITS);
                driver.fail(&message).await;
            }
            return Err(ServiceError::new(Refusal::PaymentRequired, "insufficient_credits", message)
                .with_details(json!({"price": price.upfront, "balance": balance})));
        }
        driver.run.charged = price.upfront;
        driver.execution = Some(match start {
            Start::InlineSpawned => prepared.start(),
            Start::Inline | Start::Claimed => prepared.start_in_place(),
        });
        Ok(driver)
    }

    fn new(state: &AppState, run: Run, price: Price) -> RunDriver {
        let (stop, live) = state.run_hub().hold(&run.id);
        RunDriver {
            state: state.clone(),
            execution: None,
            tally: Tally::new(state.settings().run_output_cap_bytes),
            seq: 0,
            price,
            started: Instant::now(),
            stop,
            live,
            status: None,
            code: None,
            ended: false,
            ignored: Vec::new(),
            run,
        }
    }

    /// Top-level input keys the block does not declare, which were ignored.
    pub fn ignored_keys(&self) -> &[String] {
        &self.ignored
    }

    /// The run's id.
    pub fn id(&self) -> &str {
        &self.run.id
    }

    /// The next output and its event number (kept, and sent to followers; what is
    /// kept of a value past the run's output budget is a placeholder, what this
    /// returns is the value); `None` once the run is over (finished, failed, or
    /// stopped).
    pub async fn next(&mut self) -> Option<(u64, OutputEvent)> {
        let execution = self.execution.as_mut()?;
        let event = tokio::select! {
            biased;
            () = self.stop.stopped() => {
                self.execution = None;
                self.status = Some(RunStatus::Stopped);
                return None;
            }
            event = execution.next_event() => event,
        };
        let Some(event) = event else {
            self.execution = None;
            return None;
        };
        let seq = self.keep(&event);
        Some((seq, event))
    }

    fn keep(&mut self, event: &OutputEvent) -> u64 {
        let kept = self.tally.observe(event);
        self.seq += 1;
        let data = if kept { event.value.clone() } else { json!({"truncated": true}) };
        let event = RunEvent {
            run_id: self.run.id.clone(),
            seq: self.seq,
            name: event.name.to_owned(),
            data,
            at: now_millis(),
        };
        let live = self.live.followed().then(|| event.clone());
        self.state.storage().append_events_later(vec![event]);
        if let Some(event) = live {
            self.live.send(event);
        }
        self.seq
    }

    async fn fail(&mut self, message: &str) {
        self.tally.observe(&OutputEvent::error(message.to_owned()));
        self.seq += 1;
        let event = RunEvent {
            run_id: self.run.id.clone(),
            seq: self.seq,
            name: OutputEvent::ERROR.to_owned(),
            data: Value::String(message.to_owned()),
            at: now_millis(),
        };
        self.state.storage().append_events_later(vec![event]);
        self.status = Some(RunStatus::Failed);
        self.end_now().await;
    }

    /// Records the end: per-second costs (known only now, taken up to the
    /// balance left), the status, the outputs, and the last event.
    pub async fn finish(mut self) -> Ended {
        self.end_now().await;
        let run = &mut self.run;
        Ended { status: run.status, error: run.error.take(), charged: run.charged }
    }

    async fn end_now(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.execution = None;
        let state = self.state.clone();
        let seconds = billing::seconds(self.started.elapsed());
        if let Some(block) = state.registry().by_id(&self.run.block_id)
            && self.status != Some(RunStatus::Failed)
        {
            self.run.charged += billing::charge_time(&state, &self.run, block, &self.price, seconds).await;
        }
        let tally = std::mem::replace(&mut self.tally, Tally::new(0));
        let status =
            self.status.unwrap_or(if tally.error().is_some() { RunStatus::Failed } else { RunStatus::Completed });
        // The outputs go to the record alone: nothing reads the driver's run
        // for them once it ended.
        let (outputs, truncated, error) = tally.into_parts();
        self.run.status = status;
        self.run.error = error.or_else(|| (status == RunStatus::Stopped).then(|| "stopped".to_owned()));
        self.run.finished_at = Some(now_millis());
        self.seq += 1;
        let mut data = json!({"status": status, "error": self.run.error, "charged": self.run.charged});
        if let Some(code) = self.code {
            data["code"] = code.into();
        }
        let end = RunEvent {
            run_id: self.run.id.clone(),
            seq: self.seq,
            name: RunEvent::END.to_owned(),
            data,
            at: now_millis(),
        };
        let storage = state.storage();
        let live = self.live.followed().then(|| end.clone());
        storage.append_events_later(vec![end]);
        let end = RunEnd {
            id: self.run.id.clone(),
            status,
            outputs,
            truncated,
            error: self.run.error.clone(),
            charged: self.run.charged,
            finished_at: self.run.finished_at.unwrap_or_default(),
        };
        // A paid run's end is stored before anyone hears of it, so that an answered
        // paid run is never taken for one a crash interrupted.
        if self.run.charged == 0 {
            storage.finish_run_later(end);
        } else if let Err(error) = storage.finish_run(end).await {
            tracing::error!(%error, run = %self.run.id, "recording a run's end failed");
        }
        if let Some(end) = live {
            self.live.send(end);
        }
        state.run_hub().release(&self.run.id);
        super::callbacks::schedule(&state, &self.run).await;
    }
}

impl Drop for RunDriver {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        // The caller went away mid-run: the run is stopped, and still recorded.
        self.status.get_or_insert(RunStatus::Stopped);
        self.execution = None;
        let mut rest = RunDriver {
            ignored: Vec::new(),
            state: self.state.clone(),
            run: self.run.clone(),
            execution: None,
            tally: std::mem::replace(&mut self.tally, Tally::new(0)),
            seq: self.seq,
            price: self.price,
            started: self.started,
            stop: self.stop.clone(),
            live: self.live.clone(),
            status: self.status,
            code: self.code,
            // Marked ended until the task first runs: a runtime shutting down
            // drops spawned tasks unpolled, and an unmarked driver dropped there
            // would spawn another in its own drop, without end. The run is then
            // left to the next start's recovery (interrupted and refunded).
            ended: true,
        };
        self.ended = true;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                rest.ended = false;
                rest.end_now().await
            });
        }
    }
}
