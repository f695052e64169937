//! Taking part in the store: publishing a graph version (WRITE_GRAPH), rating
//! an agent (WRITE_LIBRARY), and one's own profile (READ_STORE to read it,
//! WRITE_GRAPH to change it: it is the creator page others see).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Authed, JsonBody};
use super::store::rfc3339;
use super::{ApiError, ErrorBody};
use crate::domain::Profile;
use crate::services::AppState;
use crate::services::store::profiles::{self, ProfileChanges};
use crate::services::store::publishing::{self, Submission};

/// What `POST /store/submissions` takes (the reference's store submission).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionBody {
    /// The graph to publish (one of the caller's).
    pub agent_id: String,
    /// Its version.
    #[schema(minimum = 1)]
    pub agent_version: u32,
    /// The listing's slug: lowercase letters, digits and `-`; publishing under
    /// the same slug again adds a version.
    #[schema(example = "weather-report")]
    pub slug: String,
    /// The agent's name in the store.
    pub name: String,
    /// One line under the name.
    #[serde(default)]
    pub sub_heading: String,
    /// A video URL.
    #[serde(default)]
    pub video_url: Option<String>,
    /// Image URLs, the first one the listing's picture.
    #[serde(default)]
    pub image_urls: Vec<String>,
    /// What the agent does.
    #[serde(default)]
    pub description: String,
    /// Categories it is found under.
    #[serde(default)]
    pub categories: Vec<String>,
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionItem {
    /// The id of this version of the listing.
    pub store_listing_version_id: String,
    /// The graph published.
    pub agent_id: String,
    /// The graph version published.
    pub agent_version: u32,
    /// The listing's version: 1, 2, ...
    pub version: u32,
    /// The agent's name.
    pub name: String,
    /// The listing's slug.
    pub slug: String,
    /// One line under the name.
    pub sub_heading: String,
    /// What it does.
    pub description: String,
    /// Image URLs.
    pub image_urls: Vec<String>,
    /// Categories.
    pub categories: Vec<String>,
    /// When it was published.
    #[schema(format = "date-time")]
    pub date_submitted: String,
    /// Always `APPROVED`: publishing is immediate.
    #[schema(example = "APPROVED")]
    pub status: String,
}

/// What `POST /store/agents/{username}/{agent_name}/review` takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub score: i64,
    /// A comment.
    #[serde(default)]
    pub comments: Option<String>,
}

/// A rating, as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    /// 1 to 5.
    pub score: u8,
    /// The comment.
    pub comments: Option<String>,
    /// Whether it replaced the caller's earlier rating of the agent.
    pub replaced: bool,
}

/// A profile, as its owner sees and sends it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileItem {
    /// The name shown.
    pub name: String,
    /// The username, unique across users.
    pub username: String,
    /// A few words about the creator.
    pub description: String,
    /// Links shown on the creator's page.
    pub links: Vec<String>,
    /// The avatar's URL.
    pub avatar_url: Option<String>,
}

/// What `POST /store/profile` takes: the whole profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// The name shown.
    pub name: String,
    /// The username: lowercase letters, digits and `-`, unique across users.
    pub username: String,
    /// A few words about the creator.
    #[serde(default)]
    pub description: String,
    /// Links shown on the creator's page (http or https).
    #[serde(default)]
    pub links: Vec<String>,
    /// The avatar's URL.
    #[serde(default)]
    pub avatar_url: Option<String>,
}

fn profile_item(profile: Profile) -> ProfileItem {
    ProfileItem {
        name: profile.name,
        username: profile.username,
        description: profile.description,
        links: profile.links,
        avatar_url: profile.avatar_url,
    }
}

/// Publishes a graph version to the store.
#[utoipa::path(post, path = "/external-api/v1/store/submissions", tag = "store", operation_id = "create_store_submission",
    summary = "Publish one of your graph versions under a slug (again under the same slug: a new version)",
    request_body = SubmissionBody,
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 201, description = "Published", body = SubmissionItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 404, description = "You have no such graph or version", body = ErrorBody),
        (status = 409, description = "The slug lists another of your graphs, or the graph is listed under another \
            slug", body = ErrorBody),
        (status = 422, description = "A field is wrong; every problem is listed with its JSON pointer", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<SubmissionBody>,
) -> Result<(StatusCode, Json<SubmissionItem>), ApiError> {
    let submission = Submission {
        agent_id: body.agent_id,
        agent_version: body.agent_version,
        slug: body.slug,
        name: body.name,
        sub_heading: body.sub_heading,
        video_url: body.video_url,
        image_urls: body.image_urls,
        description: body.description,
        categories: body.categories,
    };
    let listing = publishing::publish(state.storage().as_ref(), &caller.user, submission).await?;
    let latest = listing.latest;
    Ok((
        StatusCode::CREATED,
        Json(SubmissionItem {
            store_listing_version_id: latest.id,
            agent_id: listing.graph_id,
            agent_version: latest.graph_version,
            version: latest.version,
            name: latest.name,
            slug: listing.slug,
            sub_heading: latest.sub_heading,
            description: latest.description,
            image_urls: latest.image_urls,
            categories: latest.categories,
            date_submitted: rfc3339(latest.created_at),
            status: "APPROVED".to_owned(),
        }),
    ))
}

/// Rates a store agent.
#[utoipa::path(post, path = "/external-api/v1/store/agents/{username}/{agent_name}/review", tag = "store",
    operation_id = "review_store_agent",
    summary = "Rate a store agent 1 to 5 (once: rating again replaces your rating)",
    params(("username" = String, Path, description = "The creator's username"),
        ("agent_name" = String, Path, description = "The agent's slug")),
    request_body = ReviewBody,
    security(("OAuth2" = ["WRITE_LIBRARY"])),
    responses((status = 201, description = "Your first rating of the agent", body = ReviewItem),
        (status = 200, description = "Your rating, replacing the earlier one", body = ReviewItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 403, description = "The agent is yours", body = ErrorBody),
        (status = 404, description = "No such store agent", body = ErrorBody),
        (status = 422, description = "The score is not 1 to 5, or the comment is too long", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((username, agent_name)): Path<(String, String)>,
    JsonBody(body): JsonBody<ReviewBody>,
) -> Result<(StatusCode, Json<ReviewItem>), ApiError> {
    let rating =
        publishing::rate(state.storage().as_ref(), &caller.user, &username, &agent_name, body.score, body.comments)
            .await?;
    let status = if rating.replaced { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(ReviewItem { score: rating.score, comments: rating.comments, replaced: rating.replaced })))
}

/// The caller's store profile.
#[utoipa::path(get, path = "/external-api/v1/store/profile", tag = "store", operation_id = "get_store_profile",
    summary = "Your store profile (made on first need, with a username derived from your name)",
    security(("OAuth2" = ["READ_STORE"])),
    responses((status = 200, description = "Your profile", body = ProfileItem),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn show_profile(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Json<ProfileItem>, ApiError> {
    Ok(Json(profile_item(profiles::ensure(state.storage().as_ref(), &caller.user).await?)))
}

/// Replaces the caller's store profile.
#[utoipa::path(post, path = "/external-api/v1/store/profile", tag = "store", operation_id = "update_store_profile",
    summary = "Replace your store profile: name, username, description, links, avatar",
    request_body = ProfileBody,
    security(("OAuth2" = ["WRITE_GRAPH"])),
    responses((status = 200, description = "Your profile", body = ProfileItem),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 409, description = "The username is another user's", body = ErrorBody),
        (status = 422, description = "A field is wrong; every problem is listed with its JSON pointer", body = ErrorBody),
        (status = 503, description = "The storage is busy; retry after `Retry-After`", body = ErrorBody)))]
pub async fn update_profile(
    State(state): State<AppState>,
    Authed(caller): Authed,
    JsonBody(body): JsonBody<ProfileBody>,
) -> Result<Json<ProfileItem>, ApiError> {
    let changes = ProfileChanges {
        name: body.name,
        username: body.username,
        description: body.description,
        links: body.links,
        avatar_url: body.avatar_url,
    };
    Ok(Json(profile_item(profiles::update(state.storage().as_ref(), &caller.user, changes).await?)))
}
