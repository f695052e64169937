//! What the server keeps, one trait per aggregate: accounts and API keys
//! ([`AccountStore`]), sealed credentials ([`CredentialRows`]), credit balances
//! and their ledger ([`CreditLedger`]), webhooks and trigger subscriptions
//! ([`WebhookRows`]), runs ([`RunStore`]), graphs and their versions ([`GraphStore`]), schedules ([`ScheduleStore`]), polling
//! trigger subscriptions ([`PollStore`]), the store's profiles, listings and
//! ratings ([`MarketplaceStore`]), the
//! OAuth authorization server's clients and tokens ([`OAuthStore`]), and the
//! database itself ([`SettingStore`]). [`Storage`] is all of them at once,
//! what a backend implements.
//!
//! [`SqliteStorage`] backs a single server from one file; [`PostgresStorage`]
//! backs several server and worker processes on one database. SQL and its dialect stay
//! inside a backend's module. The storage never sees a secret in the clear:
//! credentials and webhook secrets arrive sealed and leave sealed. It knows no
//! service and no transport.

mod accounts;
mod credentials;
mod credits;
mod error;
mod graphs;
mod oauth;
mod polls;
mod postgres;
mod requests;
mod runs;
mod schedules;
mod settings;
mod sqlite;
mod store;
mod webhooks;

pub use accounts::{AccountStore, KeyChanges};
pub use credentials::CredentialRows;
pub use credits::CreditLedger;
pub use error::{StorageError, StorageErrorKind};
pub use graphs::{ActiveVersionChange, GraphStore};
pub use oauth::OAuthStore;
pub use polls::{PollOutcome, PollStore};
pub use postgres::{PostgresStorage, is_postgres_url};
pub use requests::{
    AttemptOutcome, Callback, CallbackAttempt, CallbackStore, IdempotencyStore, Idempotent, StoredAnswer,
};
pub use runs::{Admission, Recovered, RunEnd, RunFilter, RunPage, RunQueue, RunStore, StopOutcome};
pub use schedules::{FireClaim, FireResult, ScheduleStore};
pub use settings::SettingStore;
pub use sqlite::{DATABASE_FILE, SqliteStorage};
pub use store::{
    AgentOrder, AgentQuery, Creator, CreatorOrder, CreatorQuery, LibraryCopy, MarketplaceStore, Page, Publication,
    Published, StoreAgent,
};
pub use webhooks::WebhookRows;

/// Every aggregate's trait at once: what a storage backend implements, and what
/// the services hold (each service uses the aggregates it needs).
pub trait Storage:
    AccountStore
    + CredentialRows
    + CreditLedger
    + WebhookRows
    + RunStore
    + RunQueue
    + GraphStore
    + IdempotencyStore
    + CallbackStore
    + ScheduleStore
    + PollStore
    + OAuthStore
    + MarketplaceStore
    + SettingStore
{
}

impl<T> Storage for T where
    T: AccountStore
        + CredentialRows
        + CreditLedger
        + WebhookRows
        + RunStore
        + RunQueue
        + GraphStore
        + IdempotencyStore
        + CallbackStore
        + ScheduleStore
        + PollStore
        + OAuthStore
        + MarketplaceStore
        + SettingStore
{
}

/// Every aggregate's trait, for `use block_server::storage::prelude::*;` where a
/// concrete backend's methods are called (tests, tools).
pub mod prelude {
    pub use super::{
        AccountStore, CallbackStore, CredentialRows, CreditLedger, GraphStore, IdempotencyStore, MarketplaceStore,
        OAuthStore, PollStore, RunQueue, RunStore, ScheduleStore, SettingStore, WebhookRows,
    };
}
