//! What other processes tell this one: `LISTEN` on a connection of its own,
//! outside the pool. A notification on [`KEYS_CHANNEL`] moves the
//! [`KeyChanges`] counter (caches of API keys empty themselves at the next
//! request, so a key revoked anywhere is refused everywhere within the time a
//! notification takes); one on [`RUNS_CHANNEL`] wakes this process's workers.
//!
//! Notifications are sent in the transaction that made the change, so they
//! arrive only once it is committed. A lost connection is made again (after a
//! pause that grows to 5 s); since notifications sent meanwhile are lost, a new
//! connection moves the counter and wakes the workers once, as if both had
//! been told.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use super::{KEYS_CHANNEL, RUNS_CHANNEL};
use crate::storage::KeyChanges;

/// The longest pause between two attempts to connect.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// Listens until the task is aborted (the storage dropped).
pub(super) async fn listen(config: Config, keys: KeyChanges, queued: Arc<Notify>) {
    let mut pause = Duration::from_millis(100);
    let mut first = true;
    loop {
        match listen_once(&config, &keys, &queued, &mut first).await {
            Ok(()) => tracing::warn!("the database closed the connection that listens for changes; connecting again"),
            Err(error) => tracing::warn!(%error, "listening for changes of other processes failed; connecting again"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// One connection's life: `LISTEN`, then every notification until it ends.
async fn listen_once(
    config: &Config,
    keys: &KeyChanges,
    queued: &Notify,
    first: &mut bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let statement = format!("LISTEN {KEYS_CHANNEL}; LISTEN {RUNS_CHANNEL}");
    {
        let listening = client.batch_execute(&statement);
        tokio::pin!(listening);
        // The connection answers `LISTEN` only while its messages are read.
        loop {
            tokio::select! {
                done = &mut listening => { done?; break; }
                message = messages.next() => match message {
                    Some(Ok(message)) => on_message(&message, keys, queued),
                    Some(Err(error)) => return Err(error),
                    None => return Ok(()),
                },
            }
        }
    }
    if !std::mem::take(first) {
        // Reconnected: whatever was sent while no connection listened is lost.
        keys.bump();
        queued.notify_one();
    }
    while let Some(message) = messages.next().await {
        on_message(&message?, keys, queued);
    }
    drop(client);
    Ok(())
}

fn on_message(message: &AsyncMessage, keys: &KeyChanges, queued: &Notify) {
    if let AsyncMessage::Notification(notification) = message {
        match notification.channel() {
            KEYS_CHANNEL => keys.bump(),
            RUNS_CHANNEL => queued.notify_one(),
            _ => {}
        }
    }
}
