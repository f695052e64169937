//! The store (the reference's marketplace): profiles with their unique
//! usernames, listings and their versions, ratings, users' copies of store
//! agents (their library), and the figures shown beside them (runs, average
//! rating).

use crate::domain::{Listing, ListingVersion, Profile};

use super::StorageError;

/// How store agents are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AgentOrder {
    /// Best average rating first.
    Rating,
    /// Most runs first.
    Runs,
    /// By name, A to Z.
    Name,
    /// Latest published first (the default).
    #[default]
    UpdatedAt,
}

/// How creators are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CreatorOrder {
    /// Best average rating of their agents first.
    AgentRating,
    /// Most runs of their agents first.
    AgentRuns,
    /// Most agents first (the default).
    #[default]
    NumAgents,
}

/// Which store agents to list.
#[derive(Debug, Clone, Default)]
pub struct AgentQuery {
    /// Only featured ones.
    pub featured: bool,
    /// Only those of the creator with this username.
    pub creator: Option<String>,
    /// Only those whose name, sub-heading or description holds every one of
    /// these words (case-insensitive).
    pub words: Vec<String>,
    /// Only those under this category (case-insensitive).
    pub category: Option<String>,
    /// The order.
    pub order: AgentOrder,
    /// How many to skip.
    pub offset: u64,
    /// How many at most.
    pub limit: u32,
}

/// Which creators to list: users with at least one listing.
#[derive(Debug, Clone, Default)]
pub struct CreatorQuery {
    /// Only those with a featured agent.
    pub featured: bool,
    /// Only those whose username, name or description holds every one of these
    /// words (case-insensitive).
    pub words: Vec<String>,
    /// The order.
    pub order: CreatorOrder,
    /// How many to skip.
    pub offset: u64,
    /// How many at most.
    pub limit: u32,
}

/// One page of a list, and how many match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// How many items match across every page.
    pub total: u64,
}

/// A listing with its creator and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreAgent {
    /// The listing (its latest version included).
    pub listing: Listing,
    /// Its creator's profile.
    pub creator: Profile,
    /// Runs of its graph, whoever started them.
    pub runs: u64,
    /// The average rating, 0 when nobody rated it.
    pub rating: f64,
    /// How many users rated it.
    pub ratings: u64,
}

/// A creator with the figures of their agents.
#[derive(Debug, Clone, PartialEq)]
pub struct Creator {
    /// The profile.
    pub profile: Profile,
    /// How many listings they have.
    pub num_agents: u64,
    /// The average of every rating of their agents, 0 when none.
    pub agent_rating: f64,
    /// Runs of their agents' graphs.
    pub agent_runs: u64,
    /// Their agents' categories, the most used first, at most five.
    pub top_categories: Vec<String>,
}

/// A version to publish.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The publisher.
    pub owner_id: String,
    /// The listing's slug.
    pub slug: String,
    /// The graph published.
    pub graph_id: String,
    /// A new listing's id, used when the slug is new.
    pub listing_id: String,
    /// The version (its `version` number is set by the storage).
    pub version: ListingVersion,
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    /// The listing, with the new version as its latest.
    Listed(Box<Listing>),
    /// The owner's slug already lists another graph, this one.
    SlugTaken {
        /// The graph the slug lists.
        graph_id: String,
    },
    /// The graph is already listed by its owner under another slug, this one.
    GraphListed {
        /// The slug it is listed under.
        slug: String,
    },
}

/// A user's own copy of a store agent (their library entry): the graph a
/// schedule of theirs runs, and the listing version it was copied from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryCopy {
    /// The user's graph.
    pub graph_id: String,
    /// Its version holding the copy.
    pub graph_version: u32,
    /// The listing version copied.
    pub listing_version_id: String,
}

/// Store profiles, listings and ratings.
#[async_trait::async_trait]
pub trait MarketplaceStore: Send + Sync + 'static {
    /// `user_id`'s profile; created first when there is none, with the first
    /// of `usernames` nobody holds (`None` when every one is taken).
    async fn ensure_profile(
        &self,
        user_id: &str,
        name: &str,
        usernames: Vec<String>,
        now: i64,
    ) -> Result<Option<Profile>, StorageError>;

    /// The profile of the user whose username is `username`.
    async fn profile_by_username(&self, username: &str) -> Result<Option<Profile>, StorageError>;

    /// Replaces the profile of `profile.user_id`; `false` when its username is
    /// another user's.
    async fn update_profile(&self, profile: Profile) -> Result<bool, StorageError>;

    /// Publishes a version: a new listing when the owner has no listing under the
    /// slug, else the next version of that listing.
    async fn publish(&self, publication: Publication) -> Result<Published, StorageError>;

    /// Store agents matching `query`, one page of them.
    async fn store_agents(&self, query: AgentQuery) -> Result<Page<StoreAgent>, StorageError>;

    /// The agent `slug` of the creator `username`.
    async fn store_agent(&self, username: &str, slug: &str) -> Result<Option<StoreAgent>, StorageError>;

    /// Every version of listing `listing_id`, the first first.
    async fn listing_versions(&self, listing_id: &str) -> Result<Vec<ListingVersion>, StorageError>;

    /// Creators matching `query`, one page of them.
    async fn creators(&self, query: CreatorQuery) -> Result<Page<Creator>, StorageError>;

    /// The creator `username`, with the figures of their agents.
    async fn creator(&self, username: &str) -> Result<Option<Creator>, StorageError>;

    /// Records `user_id`'s rating of listing `listing_id` (1 to 5), replacing an
    /// earlier one; `true` when it replaced one.
    async fn rate(
        &self,
        listing_id: &str,
        user_id: &str,
        score: u8,
        comments: Option<String>,
        now: i64,
    ) -> Result<bool, StorageError>;

    /// `user_id`'s copy of listing `listing_id`.
    async fn library_copy(&self, user_id: &str, listing_id: &str) -> Result<Option<LibraryCopy>, StorageError>;

    /// Records (or moves on) `user_id`'s copy of listing `listing_id`; its runs
    /// count as the listing's.
    async fn put_library_copy(
        &self,
        user_id: &str,
        listing_id: &str,
        copy: LibraryCopy,
        now: i64,
    ) -> Result<(), StorageError>;

    /// Features or unfeatures listing `listing_id`; `false` when there is none.
    async fn set_featured(&self, listing_id: &str, featured: bool) -> Result<bool, StorageError>;
}
