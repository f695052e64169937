//! Telling every cache of API keys that a key changed, in this process and in
//! others sharing the database file.
//!
//! Services cache keys they looked up (every request authenticates), so a change
//! must reach every cache: `block-server keys revoke` runs in another process, on
//! its own connection. A change made through any [`SqliteStorage`](super::SqliteStorage)
//! moves the [`KeyChanges`] counter that every storage of the same file in this
//! process shares, so it counts at the next request here, and appends a byte to a
//! marker file beside the database. One thread per database file looks at the
//! marker's size and time four times a second and moves the counter when another
//! process moved the marker: no request pays for a `stat`, and a change made
//! elsewhere counts within a quarter of a second.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use crate::storage::KeyChanges;

/// How often the marker is looked at.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// The marker file's name, next to the database file.
const MARKER_SUFFIX: &str = "-keys-changed";

/// What the marker looked like: its size and modification time.
type Stamp = Option<(u64, Option<SystemTime>)>;

/// The counter and marker of one database file, shared by the storages of this
/// process that open it.
struct Shared {
    changes: KeyChanges,
    marker: PathBuf,
}

/// One storage's handle on its database file's [`Shared`].
pub(super) struct KeyMarker {
    shared: Arc<Shared>,
}

fn registry() -> &'static Mutex<HashMap<PathBuf, Weak<Shared>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<PathBuf, Weak<Shared>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

impl KeyMarker {
    /// The marker of the database at `database` (created if missing), and its
    /// watcher thread if this process has none for it yet.
    pub(super) fn open(database: &Path) -> std::io::Result<Self> {
        let canonical = database.canonicalize()?;
        let mut registry = registry().lock().unwrap_or_else(PoisonError::into_inner);
        registry.retain(|_, shared| shared.strong_count() > 0);
        if let Some(shared) = registry.get(&canonical).and_then(Weak::upgrade) {
            return Ok(KeyMarker { shared });
        }
        let mut marker = canonical.as_os_str().to_owned();
        marker.push(MARKER_SUFFIX);
        let marker = PathBuf::from(marker);
        OpenOptions::new().create(true).append(true).open(&marker)?;
        let shared = Arc::new(Shared { changes: KeyChanges::default(), marker: marker.clone() });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new().name("blocks-key-marker".to_owned()).spawn(move || watch(&weak, &marker))?;
        registry.insert(canonical, Arc::downgrade(&shared));
        Ok(KeyMarker { shared })
    }

    /// The counter every cache of this database's keys watches.
    pub(super) fn changes(&self) -> KeyChanges {
        self.shared.changes.clone()
    }

    /// Says that a key or a user changed: moves the counter here and the marker for
    /// every other process. Blocking (file I/O): call it on the blocking pool.
    pub(super) fn changed(&self) -> std::io::Result<()> {
        self.shared.changes.bump();
        let mut marker: File = OpenOptions::new().create(true).append(true).open(&self.shared.marker)?;
        // Visible to other processes once written; no need to wait for the disk.
        marker.write_all(b".")
    }
}

/// Moves the counter whenever the marker's stamp moves, until no storage of
/// this process holds the file any more. The marker is looked up by its path each
/// time, so one deleted and made again is still watched.
fn watch(shared: &Weak<Shared>, marker: &Path) {
    let stamp_of =
        |path: &Path| -> Stamp { std::fs::metadata(path).ok().map(|meta| (meta.len(), meta.modified().ok())) };
    let mut last = stamp_of(marker);
    loop {
        std::thread::sleep(WATCH_EVERY);
        let Some(shared) = shared.upgrade() else { return };
        let now = stamp_of(marker);
        if now != last {
            shared.changes.bump();
            last = now;
        }
    }
}
