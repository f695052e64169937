//! API keys recently looked up, so that a request does not cost a read of the
//! database: a key lookup (a read transaction, with its file locks) was the largest
//! single cost of an authenticated request.
//!
//! A cached key must never outlive a change to it, whichever process makes the
//! change (`block-server keys revoke` runs beside the server, on its own
//! connection). So every change made through this storage, in any process, also
//! appends a byte to a marker file next to the database ([`KeyCache::changed`]),
//! and before answering from the cache the storage looks at the marker's size and
//! time (one `stat`, no read): if it moved, the cache is emptied. Changes made
//! around the storage (by hand, with another SQLite client) are picked up within
//! [`TTL`], after which an entry is read again anyway.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::storage::{ApiKeyRecord, User};

/// Longest an entry is used without reading the database again.
pub(super) const TTL: Duration = Duration::from_secs(1);

/// Most keys kept; past that the cache starts over (only keys that exist are
/// kept, so this is a bound on memory, not a policy).
const MAX_ENTRIES: usize = 4096;

/// The marker file's name, next to the database file.
const MARKER_SUFFIX: &str = "-keys-changed";

/// What the marker looked like: its size and modification time.
pub(super) type Stamp = Option<(u64, Option<SystemTime>)>;

pub(super) struct KeyCache {
    marker: PathBuf,
    /// The marker, kept open: a `stat` of an open file skips resolving its path.
    /// (Were the marker deleted and made again, this would go on watching the old
    /// file, and changes would count within [`TTL`] only.)
    watched: Option<File>,
    state: Mutex<State>,
}

struct State {
    stamp: Stamp,
    entries: HashMap<[u8; 32], (Instant, ApiKeyRecord, User)>,
}

impl KeyCache {
    /// A cache for the database at `database`; creates the marker if there is none.
    pub(super) fn new(database: &Path) -> Self {
        let mut marker = database.as_os_str().to_owned();
        marker.push(MARKER_SUFFIX);
        let marker = PathBuf::from(marker);
        let watched = OpenOptions::new().create(true).append(true).open(&marker).ok();
        let stamp = stamp(watched.as_ref(), &marker);
        KeyCache { marker, watched, state: Mutex::new(State { stamp, entries: HashMap::new() }) }
    }

    /// The marker's size and time now.
    fn stamp(&self) -> Stamp {
        stamp(self.watched.as_ref(), &self.marker)
    }

    /// The cached key with this hash and its owner, unless the entry is older than
    /// [`TTL`] or a key changed since it was read; else the marker as it is now,
    /// for [`put`](Self::put) after reading the database.
    pub(super) fn get(&self, hash: &[u8; 32]) -> Result<(ApiKeyRecord, User), Stamp> {
        let now_stamp = self.stamp();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.stamp != now_stamp {
            state.entries.clear();
            state.stamp = now_stamp;
            return Err(now_stamp);
        }
        match state.entries.get(hash) {
            Some((read_at, record, user)) if read_at.elapsed() < TTL => Ok((record.clone(), user.clone())),
            _ => Err(now_stamp),
        }
    }

    /// Keeps what the database just said about `hash`, read at `read_at` when the
    /// marker was `before` (so that a change landing during the read is not
    /// hidden: the entry is dropped if the marker moved meanwhile).
    pub(super) fn put(&self, hash: [u8; 32], found: &(ApiKeyRecord, User), before: Stamp, read_at: Instant) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.stamp != before {
            return;
        }
        if state.entries.len() >= MAX_ENTRIES {
            state.entries.clear();
        }
        state.entries.insert(hash, (read_at, found.0.clone(), found.1.clone()));
    }

    /// Notes that `key_id` was used at `at` (its cached `last_used_at`).
    pub(super) fn touched(&self, key_id: &str, at: i64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for (_, record, _) in state.entries.values_mut().filter(|(_, record, _)| record.id == key_id) {
            record.last_used_at = Some(at);
        }
    }

    /// Says that a key or a user changed: empties this cache and moves the marker
    /// for every other process's.
    pub(super) fn changed(&self) -> std::io::Result<()> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).entries.clear();
        let mut marker: File = OpenOptions::new().create(true).append(true).open(&self.marker)?;
        // Visible to other processes once written; no need to wait for the disk.
        marker.write_all(b".")
    }
}

/// The size and time of the marker: through `watched` if it is open, else by path.
fn stamp(watched: Option<&File>, marker: &Path) -> Stamp {
    let meta = match watched {
        Some(file) => file.metadata(),
        None => std::fs::metadata(marker),
    };
    meta.ok().map(|meta| (meta.len(), meta.modified().ok()))
}
