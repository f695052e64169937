//! Driving one run: the block's future under a timeout, with panics and failures
//! turned into the `error` output.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::sync::mpsc;

use super::emit::OutputEvent;
use crate::{BlockError, BoxFuture};

/// Limits applied to one run.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub(crate) timeout: Duration,
    pub(crate) max_poll: Option<Duration>,
}

/// Runs one block's `run` future to completion on the current task, turning a
/// failure, a panic or a timeout into the `error` output.
///
/// Not generic: the future comes boxed, so this function and the task `spawn`
/// makes of it are compiled once, not once per block (each block's build pays only
/// for its own `run`).
pub(crate) async fn drive(
    run: BoxFuture<'static, Result<(), BlockError>>,
    events: mpsc::Sender<OutputEvent>,
    limits: RunLimits,
) {
    let run = AssertUnwindSafe(run).catch_unwind();
    let mut run = std::pin::pin!(run);
    let mut longest = Duration::ZERO;
    let watched = std::future::poll_fn(|cx| match limits.max_poll {
        None => run.as_mut().poll(cx),
        Some(_) => {
            let started = Instant::now();
            let poll = run.as_mut().poll(cx);
            longest = longest.max(started.elapsed());
            poll
        }
    });
    let outcome = tokio::time::timeout(limits.timeout, watched).await;
    let failure = match (outcome, limits.max_poll) {
        (_, Some(limit)) if longest > limit => format!(
            "the block held its thread for {longest:.1?} in one step (the limit is {limit:?}): blocking work \
             (std::thread::sleep, blocking I/O, long loops without .await) belongs in tokio::task::spawn_blocking"
        ),
        (Ok(Ok(Ok(()))), _) => return,
        (Ok(Ok(Err(error))), _) if error.kind() == crate::error::BlockErrorKind::Cancelled => return,
        (Ok(Ok(Err(error))), _) => error.to_string(),
        (Ok(Err(panic)), _) => format!("the block panicked: {}", panic_message(panic.as_ref())),
        (Err(_), _) => format!("the block did not finish within {:?}", limits.timeout),
    };
    // The consumer may be gone; then nobody needs the error either.
    let _ = events.send(OutputEvent::error(failure)).await;
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "a non-string panic payload"
    }
}
