//! `/store`: browsing the store (READ_STORE) in the reference's v1 shapes:
//! agents and creators, filtered, ordered and paged.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::Authed;
use super::{ApiError, ErrorBody};
use crate::services::AppState;
use crate::services::store::browse::{self, AgentFilter, CreatorFilter, PageRequest, Paged};
use crate::storage::{AgentOrder, Creator, CreatorOrder, StoreAgent};

/// How the store's agents are ordered.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentSort {
    /// Best average rating first.
    Rating,
    /// Most runs first.
    Runs,
    /// By name.
    Name,
    /// Latest published first (the default).
    UpdatedAt,
}

/// How creators are ordered.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreatorSort {
    /// Best average rating of their agents first.
    AgentRating,
    /// Most runs of their agents first.
    AgentRuns,
    /// Most agents first (the default).
    NumAgents,
}

/// The filters of `GET /store/agents`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgentsParams {
    /// Only featured agents.
    #[serde(default)]
    pub featured: bool,
    /// Only agents of this creator (a username).
    pub creator: Option<String>,
    /// The order; latest published first when left out.
    #[param(inline)]
    pub sorted_by: Option<AgentSort>,
    /// Only agents whose name, sub-heading or description holds every word.
    pub search_query: Option<String>,
    /// Only agents under this category.
    pub category: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    pub page: Option<i64>,
    /// Agents per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub page_size: Option<i64>,
}

/// The filters of `GET /store/creators`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreatorsParams {
    /// Only creators with a featured agent.
    #[serde(default)]
    pub featured: bool,
    /// Only creators whose username, name or description holds every word.
    pub search_query: Option<String>,
    /// The order; most agents first when left out.
    #[param(inline)]
    pub sorted_by: Option<CreatorSort>,
    /// The page, from 1.
    #[param(minimum = 1, default = 1)]
    pub page: Option<i64>,
    /// Creators per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub page_size: Option<i64>,
}

/// Where a page is in the whole list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    /// How many items match across every page.
    pub total_items: u64,
    /// How many pages there are.
    pub total_pages: u64,
    /// This page, from 1.
    pub current_page: u32,
    /// Items per page.
    pub page_size: u32,
}

/// An agent in a store list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreAgentItem {
    /// Its slug; `creator/slug` addresses it.
    pub slug: String,
    /// Its name.
    pub agent_name: String,
    /// Its first image's URL (empty when it has none).
    pub agent_image: String,
    /// Its creator's username.
    pub creator: String,
    /// Its creator's avatar URL (empty when none).
    pub creator_avatar: String,
    /// One line under the name.
    pub sub_heading: String,
    /// What it does.
    pub description: String,
    /// Runs of its graph.
    pub runs: u64,
    /// Its average rating, 0 to 5 (0 when nobody rated it).
    pub rating: f64,
}

/// A page of store agents.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreAgentsPage {
    /// The agents of the page.
    pub agents: Vec<StoreAgentItem>,
    /// Where the page is.
    pub pagination: Pagination,
}

/// A store agent in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreAgentDetails {
    /// The id of its latest version (what a rating or a run refers to).
    pub store_listing_version_id: String,
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub agent_name: String,
    /// Its video URL (empty when none).
    pub agent_video: String,
    /// Its image URLs.
    pub agent_image: Vec<String>,
    /// Its creator's username.
    pub creator: String,
    /// Its creator's avatar URL (empty when none).
    pub creator_avatar: String,
    /// One line under the name.
    pub sub_heading: String,
    /// What it does.
    pub description: String,
    /// The categories it is found under.
    pub categories: Vec<String>,
    /// Runs of its graph.
    pub runs: u64,
    /// Its average rating, 0 to 5.
    pub rating: f64,
    /// Every version published, `"1"`, `"2"`, ...
    pub versions: Vec<String>,
    /// When its latest version was published.
    #[schema(format = "date-time")]
    pub last_updated: String,
}

/// A creator in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatorItem {
    /// The name shown.
    pub name: String,
    /// The username.
    pub username: String,
    /// A few words about them.
    pub description: String,
    /// Their avatar URL (empty when none).
    pub avatar_url: String,
    /// How many agents they published.
    pub num_agents: u64,
}

/// A page of creators.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatorsPage {
    /// The creators of the page.
    pub creators: Vec<CreatorItem>,
    /// Where the page is.
    pub pagination: Pagination,
}

/// A creator in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatorDetails {
    /// The name shown.
    pub name: String,
    /// The username.
    pub username: String,
    /// A few words about them.
    pub description: String,
    /// Links they show.
    pub links: Vec<String>,
    /// Their avatar URL (empty when none).
    pub avatar_url: String,
    /// The average of every rating of their agents, 0 to 5.
    pub agent_rating: f64,
    /// Runs of their agents.
    pub agent_runs: u64,
    /// Their agents' categories, the most used first (at most five).
    pub top_categories: Vec<String>,
}

/// Unix milliseconds as RFC 3339 in UTC.
pub(super) fn rfc3339(millis: i64) -> String {
    jiff::Timestamp::from_millisecond(millis).map(|at| at.to_string()).unwrap_or_default()
}

fn invalid_query(rejection: QueryRejection) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", rejection.body_text())
}

fn pagination<T>(page: &Paged<T>) -> Pagination {
    Pagination {
        total_items: page.total_items,
        total_pages: page.total_pages,
        current_page: page.current_page,
        page_size: page.page_size,
    }
}

fn agent_item(agent: StoreAgent) -> StoreAgentItem {
    let StoreAgent { listing, creator, runs, rating, .. } = agent;
    let latest = listing.latest;
    StoreAgentItem {
        slug: listing.slug,
        agent_name: latest.name,
        agent_image: latest.image_urls.into_iter().next().unwrap_or_default(),
        creator: creator.username,
        creator_avatar: creator.avatar_url.unwrap_or_default(),
        sub_heading: latest.sub_heading,
        description: latest.description,
        runs,
        rating,
    }
}

fn creator_item(creator: Creator) -> CreatorItem {
    let profile = creator.profile;
    CreatorItem {
        name: profile.name,
        username: profile.username,
        description: profile.description,
        avatar_url: profile.avatar_url.unwrap_or_default(),
        num_agents: creator.num_agents,
    }
}

fn page_request(page: Option<i64>, page_size: Option<i64>) -> PageRequest {
    let default = PageRequest::default();
    PageRequest { page: page.unwrap_or(default.page), page_size: page_size.unwrap_or(default.page_size) }
}

/// The store's agents.
#[utoipa::path(get, path = "/external-api/v1/store/agents", tag = "store", operation_id = "list_store_agents",
    summary = "The store's agents, filtered, ordered and paged",
    params(AgentsParams),
    security(("OAuth2" = ["READ_STORE"])),
    responses((status = 200, description = "One page of agents", body = StoreAgentsPage),
        (status = 422, description = "`page` is below 1, `page_size` is not from 1 to 100, or a parameter is not \
            of its type (`sorted_by` not one of its values)", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn list_agents(
    State(state): State<AppState>,
    _caller: Authed,
    params: Result<Query<AgentsParams>, QueryRejection>,
) -> Result<Json<StoreAgentsPage>, ApiError> {
    let Query(params) = params.map_err(invalid_query)?;
    let order = match params.sorted_by {
        Some(AgentSort::Rating) => AgentOrder::Rating,
        Some(AgentSort::Runs) => AgentOrder::Runs,
        Some(AgentSort::Name) => AgentOrder::Name,
        Some(AgentSort::UpdatedAt) | None => AgentOrder::UpdatedAt,
    };
    let filter = AgentFilter {
        featured: params.featured,
        creator: params.creator,
        search_query: params.search_query,
        category: params.category,
        order,
    };
    let page = browse::agents(state.storage().as_ref(), filter, page_request(params.page, params.page_size)).await?;
    let pagination = pagination(&page);
    Ok(Json(StoreAgentsPage { agents: page.items.into_iter().map(agent_item).collect(), pagination }))
}

/// One store agent.
#[utoipa::path(get, path = "/external-api/v1/store/agents/{username}/{agent_name}", tag = "store",
    operation_id = "get_store_agent",
    summary = "A store agent in full, with its versions",
    params(("username" = String, Path, description = "The creator's username"),
        ("agent_name" = String, Path, description = "The agent's slug")),
    security(("OAuth2" = ["READ_STORE"])),
    responses((status = 200, description = "The agent", body = StoreAgentDetails),
        (status = 404, description = "No such store agent", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn show_agent(
    State(state): State<AppState>,
    _caller: Authed,
    Path((username, agent_name)): Path<(String, String)>,
) -> Result<Json<StoreAgentDetails>, ApiError> {
    let details = browse::agent(state.storage().as_ref(), &username, &agent_name).await?;
    let StoreAgent { listing, creator, runs, rating, .. } = details.agent;
    let latest = listing.latest;
    Ok(Json(StoreAgentDetails {
        store_listing_version_id: latest.id,
        slug: listing.slug,
        agent_name: latest.name,
        agent_video: latest.video_url.unwrap_or_default(),
        agent_image: latest.image_urls,
        creator: creator.username,
        creator_avatar: creator.avatar_url.unwrap_or_default(),
        sub_heading: latest.sub_heading,
        description: latest.description,
        categories: latest.categories,
        runs,
        rating,
        versions: details.versions.iter().map(|version| version.version.to_string()).collect(),
        last_updated: rfc3339(latest.created_at),
    }))
}

/// The store's creators.
#[utoipa::path(get, path = "/external-api/v1/store/creators", tag = "store", operation_id = "list_store_creators",
    summary = "The store's creators (users who published an agent), filtered, ordered and paged",
    params(CreatorsParams),
    security(("OAuth2" = ["READ_STORE"])),
    responses((status = 200, description = "One page of creators", body = CreatorsPage),
        (status = 422, description = "`page` is below 1, `page_size` is not from 1 to 100, or a parameter is not \
            of its type", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn list_creators(
    State(state): State<AppState>,
    _caller: Authed,
    params: Result<Query<CreatorsParams>, QueryRejection>,
) -> Result<Json<CreatorsPage>, ApiError> {
    let Query(params) = params.map_err(invalid_query)?;
    let order = match params.sorted_by {
        Some(CreatorSort::AgentRating) => CreatorOrder::AgentRating,
        Some(CreatorSort::AgentRuns) => CreatorOrder::AgentRuns,
        Some(CreatorSort::NumAgents) | None => CreatorOrder::NumAgents,
    };
    let filter = CreatorFilter { featured: params.featured, search_query: params.search_query, order };
    let page = browse::creators(state.storage().as_ref(), filter, page_request(params.page, params.page_size)).await?;
    let pagination = pagination(&page);
    Ok(Json(CreatorsPage { creators: page.items.into_iter().map(creator_item).collect(), pagination }))
}

/// One creator.
#[utoipa::path(get, path = "/external-api/v1/store/creators/{username}", tag = "store",
    operation_id = "get_store_creator",
    summary = "A creator in full, with the figures of their agents",
    params(("username" = String, Path, description = "The creator's username")),
    security(("OAuth2" = ["READ_STORE"])),
    responses((status = 200, description = "The creator", body = CreatorDetails),
        (status = 404, description = "No such creator", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn show_creator(
    State(state): State<AppState>,
    _caller: Authed,
    Path(username): Path<String>,
) -> Result<Json<CreatorDetails>, ApiError> {
    let creator = browse::creator(state.storage().as_ref(), &username).await?;
    let profile = creator.profile;
    Ok(Json(CreatorDetails {
        name: profile.name,
        username: profile.username,
        description: profile.description,
        links: profile.links,
        avatar_url: profile.avatar_url.unwrap_or_default(),
        agent_rating: creator.agent_rating,
        agent_runs: creator.agent_runs,
        top_categories: creator.top_categories,
    }))
}
