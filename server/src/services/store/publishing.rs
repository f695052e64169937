//! Publishing to the store and rating what others published.
//!
//! A user publishes one of their graph versions under a slug: the first time
//! makes a listing, publishing again under the same slug adds a version (the
//! latest is what the store shows and what runs). One listing per graph: a slug
//! lists one graph, and a graph is listed under one slug. Publishing is
//! immediate (the reference's human review has no counterpart here).

use block_core::Registry;

use super::profiles::{self, url_problem};
use super::{agent_not_found, problem, refuse_problems};
use crate::domain::{Listing, ListingVersion, MAX_SLUG_CHARS, StoredGraph, User, name_problem, new_id, now_millis};
use crate::services::graphs;
use crate::services::{Refusal, ServiceError};
use crate::storage::{GraphStore, MarketplaceStore, Publication, Published};

/// The longest agent name, in characters.
const MAX_NAME_CHARS: usize = 100;

/// The longest sub-heading, in characters.
const MAX_SUB_HEADING_CHARS: usize = 200;

/// The longest description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// How many categories and images a version may have.
const MAX_CATEGORIES: usize = 10;
const MAX_IMAGES: usize = 20;

/// The longest category, in characters.
const MAX_CATEGORY_CHARS: usize = 50;

/// The longest rating comment, in characters.
const MAX_COMMENT_CHARS: usize = 2000;

/// What a user publishes (the reference's store submission).
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// The graph.
    pub agent_id: String,
    /// Its version.
    pub agent_version: u32,
    /// The listing's slug: lowercase letters, digits and `-`.
    pub slug: String,
    /// The agent's name in the store.
    pub name: String,
    /// One line under the name.
    pub sub_heading: String,
    /// A video URL.
    pub video_url: Option<String>,
    /// Image URLs, the first one the listing's picture.
    pub image_urls: Vec<String>,
    /// What the agent does.
    pub description: String,
    /// Categories it is found under.
    pub categories: Vec<String>,
}

/// Publishes `submission` for `user`: 404 when they have no such graph version,
/// 422 (`invalid_submission`) listing every problem of the fields, 409
/// (`slug_taken`, `graph_listed`) when the slug lists another of their graphs or
/// the graph is listed under another slug.
pub async fn publish<S: MarketplaceStore + GraphStore + ?Sized>(
    storage: &S,
    user: &User,
    submission: Submission,
) -> Result<Listing, ServiceError> {
    let slug = submission.slug.trim().to_ascii_lowercase();
    let name = submission.name.trim().to_owned();
    let categories: Vec<String> = submission
        .categories
        .iter()
        .map(|category| category.trim().to_lowercase())
        .filter(|category| !category.is_empty())
        .fold(Vec::new(), |mut kept, category| {
            if !kept.contains(&category) {
                kept.push(category);
            }
            kept
        });
    let mut problems = Vec::new();
    if let Some(reason) = name_problem(&slug, MAX_SLUG_CHARS) {
        problems.push(problem("/slug", format!("a slug {reason}")));
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(problem("/name", format!("a name has 1 to {MAX_NAME_CHARS} characters")));
    }
    if submission.sub_heading.chars().count() > MAX_SUB_HEADING_CHARS {
        problems.push(problem("/sub_heading", format!("a sub-heading has at most {MAX_SUB_HEADING_CHARS} characters")));
    }
    if submission.description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push(problem("/description", format!("a description has at most {MAX_DESCRIPTION_CHARS} characters")));
    }
    if categories.len() > MAX_CATEGORIES {
        problems.push(problem("/categories", format!("an agent has at most {MAX_CATEGORIES} categories")));
    }
    for (index, category) in categories.iter().enumerate() {
        if category.chars().count() > MAX_CATEGORY_CHARS {
            problems.push(problem(
                &format!("/categories/{index}"),
                format!("a category has at most {MAX_CATEGORY_CHARS} characters"),
            ));
        }
    }
    if submission.image_urls.len() > MAX_IMAGES {
        problems.push(problem("/image_urls", format!("an agent has at most {MAX_IMAGES} images")));
    }
    for (index, url) in submission.image_urls.iter().enumerate() {
        match url_problem(url) {
            Some(reason) => problems.push(problem(&format!("/image_urls/{index}"), reason)),
            None if url.trim().is_empty() => {
                problems.push(problem(&format!("/image_urls/{index}"), "an image URL cannot be empty"))
            }
            None => {}
        }
    }
    if let Some(reason) = submission.video_url.as_deref().and_then(url_problem) {
        problems.push(problem("/video_url", reason));
    }
    refuse_problems("invalid_submission", "invalid submission", problems)?;
    let graph = graphs::get(storage, &user.id, &submission.agent_id, Some(submission.agent_version)).await?;
    profiles::ensure(storage, user).await?;
    let now = now_millis();
    let publication = Publication {
        owner_id: user.id.clone(),
        slug: slug.clone(),
        graph_id: graph.id.clone(),
        listing_id: new_id(),
        version: ListingVersion {
            id: new_id(),
            version: 0,
            graph_version: graph.version,
            name,
            sub_heading: submission.sub_heading.trim().to_owned(),
            description: submission.description.trim().to_owned(),
            categories,
            image_urls: submission.image_urls.iter().map(|url| url.trim().to_owned()).collect(),
            video_url: submission.video_url.map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()),
            created_at: now,
        },
    };
    match storage.publish(publication).await? {
        Published::Listed(listing) => Ok(*listing),
        Published::SlugTaken { graph_id } => Err(ServiceError::new(
            Refusal::Conflict,
            "slug_taken",
            format!("your slug `{slug}` already lists graph `{graph_id}`; choose another slug"),
        )),
        Published::GraphListed { slug: listed } => Err(ServiceError::new(
            Refusal::Conflict,
            "graph_listed",
            format!("graph `{}` is already listed as `{listed}`; publish under that slug to add a version", graph.id),
        )),
    }
}

/// What rating an agent did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// 1 to 5.
    pub score: u8,
    /// The comment left with it.
    pub comments: Option<String>,
    /// Whether it replaced the user's earlier rating.
    pub replaced: bool,
}

/// `user` rates the agent `username/slug` (1 to 5, with an optional comment);
/// a second rating replaces the first. 404 for an unknown agent, 403
/// (`own_agent`) for one's own agent, 422 (`invalid_rating`) for a score out of
/// range or a comment too long.
pub async fn rate<S: MarketplaceStore + ?Sized>(
    storage: &S,
    user: &User,
    username: &str,
    slug: &str,
    score: i64,
    comments: Option<String>,
) -> Result<Rating, ServiceError> {
    let (username, slug) = (username.trim().to_ascii_lowercase(), slug.trim().to_ascii_lowercase());
    let comments = comments.map(|text| text.trim().to_owned()).filter(|text| !text.is_empty());
    let mut problems = Vec::new();
    if !(1..=5).contains(&score) {
        problems.push(problem("/score", "a score is a whole number from 1 to 5"));
    }
    if comments.as_ref().is_some_and(|text| text.chars().count() > MAX_COMMENT_CHARS) {
        problems.push(problem("/comments", format!("a comment has at most {MAX_COMMENT_CHARS} characters")));
    }
    refuse_problems("invalid_rating", "invalid rating", problems)?;
    let agent = storage.store_agent(&username, &slug).await?.ok_or_else(|| agent_not_found(&username, &slug))?;
    if agent.listing.owner_id == user.id {
        return Err(ServiceError::new(Refusal::Forbidden, "own_agent", "you cannot rate an agent you published"));
    }
    let score = u8::try_from(score).unwrap_or(5);
    let replaced = storage.rate(&agent.listing.id, &user.id, score, comments.clone(), now_millis()).await?;
    Ok(Rating { score, comments, replaced })
}

/// Features (or stops featuring) the agent `username/slug`: featured agents
/// are what `featured=true` lists, and their creators are featured creators.
pub async fn feature<S: MarketplaceStore + ?Sized>(
    storage: &S,
    username: &str,
    slug: &str,
    featured: bool,
) -> Result<(), ServiceError> {
    let (username, slug) = (username.trim().to_ascii_lowercase(), slug.trim().to_ascii_lowercase());
    let agent = storage.store_agent(&username, &slug).await?.ok_or_else(|| agent_not_found(&username, &slug))?;
    storage.set_featured(&agent.listing.id, featured).await?;
    Ok(())
}

/// The graph a store agent publishes (its latest version's graph version) as
/// the store serves it, whoever asks: without the ids of the credentials its
/// creator preset (see [`StoredGraph::without_preset_credentials`]); the
/// creator's own graph is unchanged.
pub async fn published_graph<S: GraphStore + ?Sized>(
    storage: &S,
    registry: &Registry,
    listing: &Listing,
) -> Result<StoredGraph, ServiceError> {
    let graph = storage.graph_by_id(&listing.graph_id, Some(listing.latest.graph_version)).await?.ok_or_else(|| {
        ServiceError::not_found(
            "graph_not_found",
            format!("the graph of store agent `{}` was deleted by its creator", listing.slug),
        )
    })?;
    Ok(graph.without_preset_credentials(registry))
}
