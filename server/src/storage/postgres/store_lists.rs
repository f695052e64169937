//! The store's reads: agents and creators, filtered, ordered and paged, with
//! their figures. A listing's runs are the runs of its graph and of its users'
//! copies, read from `graph_run_counts` (kept by a trigger as runs are stored),
//! so no request counts runs; its rating is the average of its users' ratings.
//!
//! Every query is constant text: optional filters are bound as NULL, search
//! words as a text array, the order as its name; categories (a JSON array as
//! text) are read with `jsonb_array_elements_text`.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::sql::{self, get, int, uint};
use super::store::{
    listing_columns, listing_row, profile_columns, profile_named, profile_row, version_columns, version_row,
};
use crate::domain::ListingVersion;
use crate::storage::{AgentOrder, AgentQuery, Creator, CreatorOrder, CreatorQuery, Page, StorageError, StoreAgent};

/// The select list and joins of a store agent: listing, latest version,
/// creator, then runs, average rating and number of ratings (`f`, computed
/// per listing).
macro_rules! agent_select {
    () => {
        concat!(
            "SELECT ",
            listing_columns!(),
            ", ",
            version_columns!(),
            ", ",
            profile_columns!(),
            ", f.runs, f.rating, f.ratings \
             FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id \
             JOIN store_profiles p ON p.user_id = l.owner_id \
             CROSS JOIN LATERAL (SELECT \
               coalesce((SELECT c.runs FROM graph_run_counts c WHERE c.graph_id = l.graph_id), 0) \
               + coalesce((SELECT sum(c.runs) FROM store_library b JOIN graph_run_counts c ON c.graph_id = b.graph_id \
                  WHERE b.listing_id = l.id), 0)::bigint AS runs, \
               coalesce((SELECT avg(s.score)::float8 FROM store_ratings s WHERE s.listing_id = l.id), 0.0) AS rating, \
               (SELECT count(*) FROM store_ratings s WHERE s.listing_id = l.id) AS ratings) f "
        )
    };
}

/// The filters of a store agent list: $1 featured only, $2 creator, $3 words,
/// $4 category.
macro_rules! agent_filters {
    () => {
        "WHERE (NOT $1::boolean OR l.featured) AND ($2::text IS NULL OR p.username = $2::text) \
         AND NOT EXISTS (SELECT 1 FROM unnest($3::text[]) w \
             WHERE strpos(lower(v.name || ' ' || v.sub_heading || ' ' || v.description), lower(w)) = 0) \
         AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(v.categories::jsonb) c \
             WHERE c = lower($4::text))) "
    };
}

fn agent_row(row: &Row) -> Result<StoreAgent, StorageError> {
    Ok(StoreAgent {
        listing: listing_row(row)?,
        creator: profile_row(row, 16)?,
        runs: uint(get(row, 24)?),
        rating: get(row, 25)?,
        ratings: uint(get(row, 26)?),
    })
}

const fn agent_order(order: AgentOrder) -> &'static str {
    match order {
        AgentOrder::Rating => "rating",
        AgentOrder::Runs => "runs",
        AgentOrder::Name => "name",
        AgentOrder::UpdatedAt => "updated_at",
    }
}

pub(super) async fn agents(client: &impl GenericClient, query: &AgentQuery) -> Result<Page<StoreAgent>, StorageError> {
    let row = sql::query_one(
        client,
        concat!(
            "SELECT count(*) FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id \
             JOIN store_profiles p ON p.user_id = l.owner_id ",
            agent_filters!()
        ),
        &[&query.featured, &query.creator, &query.words, &query.category],
    )
    .await?;
    let total = uint(get(&row, 0)?);
    let rows = sql::query(
        client,
        concat!(
            agent_select!(),
            agent_filters!(),
            "ORDER BY CASE $5::text WHEN 'rating' THEN f.rating END DESC NULLS LAST, \
             CASE $5::text WHEN 'runs' THEN f.runs END DESC NULLS LAST, \
             CASE $5::text WHEN 'name' THEN lower(v.name) END ASC, v.created_at DESC, l.id \
             LIMIT $6 OFFSET $7"
        ),
        &[
            &query.featured,
            &query.creator,
            &query.words,
            &query.category,
            &agent_order(query.order),
            &i64::from(query.limit),
            &int(query.offset),
        ],
    )
    .await?;
    let items = rows.iter().map(agent_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

pub(super) async fn agent(
    client: &impl GenericClient,
    username: &str,
    slug: &str,
) -> Result<Option<StoreAgent>, StorageError> {
    let row =
        sql::query_opt(client, concat!(agent_select!(), "WHERE p.username = $1 AND l.slug = $2"), &[&username, &slug])
            .await?;
    row.as_ref().map(agent_row).transpose()
}

/// A creator's figures, of profile `p` and their listings `l`: number of
/// agents, average rating, runs.
macro_rules! creator_figures {
    () => {
        "count(l.id) AS num_agents, \
         coalesce((SELECT avg(s.score)::float8 FROM store_ratings s JOIN store_listings o ON o.id = s.listing_id \
                   WHERE o.owner_id = p.user_id), 0.0) AS agent_rating, \
         (coalesce((SELECT sum(c.runs) FROM store_listings o JOIN graph_run_counts c ON c.graph_id = o.graph_id \
                    WHERE o.owner_id = p.user_id), 0) \
          + coalesce((SELECT sum(c.runs) FROM store_listings o JOIN store_library b ON b.listing_id = o.id \
             JOIN graph_run_counts c ON c.graph_id = b.graph_id WHERE o.owner_id = p.user_id), 0))::bigint AS agent_runs "
    };
}

/// The creators of a list: $1 featured only, $2 words.
macro_rules! creator_filters {
    () => {
        "FROM store_profiles p JOIN store_listings l ON l.owner_id = p.user_id \
         WHERE NOT EXISTS (SELECT 1 FROM unnest($2::text[]) w \
             WHERE strpos(lower(p.username || ' ' || p.name || ' ' || p.description), lower(w)) = 0) \
         GROUP BY p.user_id HAVING (NOT $1::boolean OR bool_or(l.featured)) "
    };
}

fn creator_row(row: &Row) -> Result<Creator, StorageError> {
    Ok(Creator {
        profile: profile_row(row, 0)?,
        num_agents: uint(get(row, 8)?),
        agent_rating: get(row, 9)?,
        agent_runs: uint(get(row, 10)?),
        top_categories: Vec::new(),
    })
}

const fn creator_order(order: CreatorOrder) -> &'static str {
    match order {
        CreatorOrder::AgentRating => "agent_rating",
        CreatorOrder::AgentRuns => "agent_runs",
        CreatorOrder::NumAgents => "num_agents",
    }
}

pub(super) async fn creators(client: &impl GenericClient, query: &CreatorQuery) -> Result<Page<Creator>, StorageError> {
    let row = sql::query_one(
        client,
        concat!("SELECT count(*) FROM (SELECT p.user_id ", creator_filters!(), ") c"),
        &[&query.featured, &query.words],
    )
    .await?;
    let total = uint(get(&row, 0)?);
    // The figures are named in the outer query's order: PostgreSQL orders by
    // an output column's name only when it stands alone.
    let rows = sql::query(
        client,
        concat!(
            "SELECT * FROM (SELECT ",
            profile_columns!(),
            ", ",
            creator_figures!(),
            creator_filters!(),
            ") c ORDER BY CASE $3::text WHEN 'agent_rating' THEN c.agent_rating \
             WHEN 'agent_runs' THEN c.agent_runs::float8 ELSE c.num_agents::float8 END DESC, c.username \
             LIMIT $4 OFFSET $5"
        ),
        &[&query.featured, &query.words, &creator_order(query.order), &i64::from(query.limit), &int(query.offset)],
    )
    .await?;
    let items = rows.iter().map(creator_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total })
}

pub(super) async fn creator(client: &impl GenericClient, username: &str) -> Result<Option<Creator>, StorageError> {
    let Some(profile) = profile_named(client, username).await? else {
        return Ok(None);
    };
    let row = sql::query_one(
        client,
        concat!(
            "SELECT ",
            profile_columns!(),
            ", ",
            creator_figures!(),
            "FROM store_profiles p LEFT JOIN store_listings l ON l.owner_id = p.user_id WHERE p.user_id = $1 \
             GROUP BY p.user_id"
        ),
        &[&profile.user_id],
    )
    .await?;
    let mut creator = creator_row(&row)?;
    let rows = sql::query(
        client,
        "SELECT c.value FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id
                CROSS JOIN LATERAL jsonb_array_elements_text(v.categories::jsonb) AS c(value)
         WHERE l.owner_id = $1 GROUP BY c.value ORDER BY count(*) DESC, c.value COLLATE \"C\" LIMIT 5",
        &[&profile.user_id],
    )
    .await?;
    creator.top_categories = rows.iter().map(|row| get(row, 0)).collect::<Result<_, _>>()?;
    Ok(Some(creator))
}

/// Every version of listing `listing_id`, the first first.
pub(super) async fn versions(
    client: &impl GenericClient,
    listing_id: &str,
) -> Result<Vec<ListingVersion>, StorageError> {
    let rows = sql::query(
        client,
        concat!(
            "SELECT ",
            version_columns!(),
            " FROM store_listing_versions v WHERE v.listing_id = $1 ORDER BY v.version"
        ),
        &[&listing_id],
    )
    .await?;
    rows.iter().map(|row| version_row(row, 0)).collect()
}
