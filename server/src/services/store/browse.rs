//! Browsing the store: agents and creators, filtered, ordered and paged as the
//! reference's v1 API does (`page` from 1, `page_size` 1 to 100).

use super::{agent_not_found, problem, refuse_problems};
use crate::domain::ListingVersion;
use crate::services::ServiceError;
use crate::storage::{AgentOrder, AgentQuery, Creator, CreatorOrder, CreatorQuery, MarketplaceStore, Page, StoreAgent};

/// The largest `page_size`.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The most words a search looks for.
const MAX_WORDS: usize = 10;

/// A page of a list, as the reference numbers it.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// How many match across every page.
    pub total_items: u64,
    /// How many pages there are.
    pub total_pages: u64,
    /// This page's number, from 1.
    pub current_page: u32,
    /// The page size asked for.
    pub page_size: u32,
}

/// Which page: `page` from 1, `page_size` from 1 to [`MAX_PAGE_SIZE`].
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// From 1.
    pub page: i64,
    /// From 1 to [`MAX_PAGE_SIZE`].
    pub page_size: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, page_size: 20 }
    }
}

/// Filters of the agent list.
#[derive(Debug, Clone, Default)]
pub struct AgentFilter {
    /// Only featured agents.
    pub featured: bool,
    /// Only agents of this creator (a username).
    pub creator: Option<String>,
    /// Only agents whose name, sub-heading or description holds every word.
    pub search_query: Option<String>,
    /// Only agents under this category.
    pub category: Option<String>,
    /// The order.
    pub order: AgentOrder,
}

/// Filters of the creator list.
#[derive(Debug, Clone, Default)]
pub struct CreatorFilter {
    /// Only creators with a featured agent.
    pub featured: bool,
    /// Only creators whose username, name or description holds every word.
    pub search_query: Option<String>,
    /// The order.
    pub order: CreatorOrder,
}

/// A store agent with every version of its listing.
#[derive(Debug, Clone)]
pub struct AgentDetails {
    /// The agent, its figures and its creator.
    pub agent: StoreAgent,
    /// Every version published, the first first.
    pub versions: Vec<ListingVersion>,
}

/// (offset, limit) of `page`, or a 422 naming the parameter out of range.
fn bounds(page: PageRequest) -> Result<(u64, u32), ServiceError> {
    let mut problems = Vec::new();
    if page.page < 1 {
        problems.push(problem("page", "Page must be greater than 0"));
    }
    if !(1..=i64::from(MAX_PAGE_SIZE)).contains(&page.page_size) {
        problems.push(problem("page_size", format!("Page size must be between 1 and {MAX_PAGE_SIZE}")));
    }
    refuse_problems("invalid_page", "invalid page", problems)?;
    let size = u32::try_from(page.page_size).unwrap_or(MAX_PAGE_SIZE);
    let offset = u64::try_from(page.page - 1).unwrap_or(0).saturating_mul(u64::from(size));
    Ok((offset, size))
}

fn paged<T>(found: Page<T>, page: PageRequest, size: u32) -> Paged<T> {
    Paged {
        total_pages: found.total.div_ceil(u64::from(size)),
        total_items: found.total,
        items: found.items,
        current_page: u32::try_from(page.page).unwrap_or(u32::MAX),
        page_size: size,
    }
}

/// The words of a search, lowercased, at most [`MAX_WORDS`].
pub fn search_words(query: Option<&str>) -> Vec<String> {
    query.unwrap_or_default().split_whitespace().take(MAX_WORDS).map(str::to_lowercase).collect()
}

fn cleaned(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_lowercase()).filter(|text| !text.is_empty())
}

/// One page of the store's agents.
pub async fn agents<S: MarketplaceStore + ?Sized>(
    storage: &S,
    filter: AgentFilter,
    page: PageRequest,
) -> Result<Paged<StoreAgent>, ServiceError> {
    let (offset, limit) = bounds(page)?;
    let query = AgentQuery {
        featured: filter.featured,
        creator: cleaned(filter.creator),
        words: search_words(filter.search_query.as_deref()),
        category: cleaned(filter.category),
        order: filter.order,
        offset,
        limit,
    };
    Ok(paged(storage.store_agents(query).await?, page, limit))
}

/// The agent `slug` of `username`, with its versions.
pub async fn agent<S: MarketplaceStore + ?Sized>(
    storage: &S,
    username: &str,
    slug: &str,
) -> Result<AgentDetails, ServiceError> {
    let (username, slug) = (username.trim().to_ascii_lowercase(), slug.trim().to_ascii_lowercase());
    let agent = storage.store_agent(&username, &slug).await?.ok_or_else(|| agent_not_found(&username, &slug))?;
    let versions = storage.listing_versions(&agent.listing.id).await?;
    Ok(AgentDetails { agent, versions })
}

/// One page of the store's creators (users with at least one agent).
pub async fn creators<S: MarketplaceStore + ?Sized>(
    storage: &S,
    filter: CreatorFilter,
    page: PageRequest,
) -> Result<Paged<Creator>, ServiceError> {
    let (offset, limit) = bounds(page)?;
    let query = CreatorQuery {
        featured: filter.featured,
        words: search_words(filter.search_query.as_deref()),
        order: filter.order,
        offset,
        limit,
    };
    Ok(paged(storage.creators(query).await?, page, limit))
}

/// The creator `username`.
pub async fn creator<S: MarketplaceStore + ?Sized>(storage: &S, username: &str) -> Result<Creator, ServiceError> {
    let username = username.trim().to_ascii_lowercase();
    storage
        .creator(&username)
        .await?
        .ok_or_else(|| ServiceError::not_found("creator_not_found", format!("no creator `{username}`")))
}
