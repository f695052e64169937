//! The nouns of the server, and the pure rules about them: ids, users and the
//! caller of a request, scopes, stored graphs, the server's own secrets (random tokens, their
//! hashes, PKCE, sealing at rest, redaction), time, and the records the storage
//! keeps.
//!
//! This layer imports nothing else of the server: storage, services and every
//! door (HTTP, command line) build on it.

mod cipher;
mod clock;
mod graph;
mod ids;
mod poll;
mod records;
mod redact;
mod run;
mod schedule;
mod scope;
pub mod secrets;
mod user;

pub use cipher::{Cipher, CryptoError, KEY_ENV, KEY_FILE, KeySource};
pub use clock::{now_unix, seconds};
pub use graph::{GraphRunInput, GraphVersion, StoredGraph};
pub use ids::{new_id, new_run_id};
pub use poll::PollSubscription;
pub use records::{
    ApiKeyRecord, ChargeOutcome, KeyStatus, LedgerEntry, NewApiKey, OAuthClient, OAuthToken, ProviderLogin,
    SealedCredentials, TokenKind, WebhookRow,
};
pub use redact::Redactor;
pub use run::{Run, RunEvent, RunKind, RunSource, RunStatus, now_millis};
pub use schedule::{MissedFires, Schedule, ScheduleTarget};
pub use scope::Scope;
pub use user::{Caller, User};
