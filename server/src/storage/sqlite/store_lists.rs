//! The store's reads: agents and creators, filtered, ordered and paged, with
//! their figures. A listing's runs are the runs of its graph and of its users'
//! copies, read from `graph_run_counts` (kept by triggers as runs are stored),
//! so no request counts runs; its rating is the average of its users' ratings.
//!
//! Every query is constant text: optional filters are bound as NULL, search
//! words as a JSON array read with `json_each`, the order as its name.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Cached;
use super::store::{listing_columns, listing_row, profile_columns, profile_named, profile_row, version_columns};
use crate::storage::{AgentOrder, AgentQuery, Creator, CreatorOrder, CreatorQuery, Page, StoreAgent};

/// Runs of the graph of listing `l` and of its users' copies.
macro_rules! listing_runs {
    () => {
        "(coalesce((SELECT c.runs FROM graph_run_counts c WHERE c.graph_id = l.graph_id), 0) \
          + coalesce((SELECT sum(c.runs) FROM store_library b JOIN graph_run_counts c ON c.graph_id = b.graph_id \
             WHERE b.listing_id = l.id), 0))"
    };
}

/// The select list and joins of a store agent: listing, latest version,
/// creator, then runs, average rating and number of ratings.
macro_rules! agent_select {
    () => {
        concat!(
            "SELECT ",
            listing_columns!(),
            ", ",
            version_columns!(),
            ", ",
            profile_columns!(),
            ", ",
            listing_runs!(),
            " AS runs, coalesce((SELECT avg(s.score) FROM store_ratings s WHERE s.listing_id = l.id), 0.0) AS rating, \
             (SELECT count(*) FROM store_ratings s WHERE s.listing_id = l.id) AS ratings \
             FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id \
             JOIN store_profiles p ON p.user_id = l.owner_id "
        )
    };
}

/// The filters of a store agent list: ?1 featured only, ?2 creator, ?3 words
/// (a JSON array), ?4 category.
macro_rules! agent_filters {
    () => {
        "WHERE (?1 = 0 OR l.featured = 1) AND (?2 IS NULL OR p.username = ?2) \
         AND NOT EXISTS (SELECT 1 FROM json_each(?3) w \
             WHERE instr(lower(v.name || ' ' || v.sub_heading || ' ' || v.description), lower(w.value)) = 0) \
         AND (?4 IS NULL OR EXISTS (SELECT 1 FROM json_each(v.categories) c WHERE c.value = lower(?4))) "
    };
}

fn agent_row(row: &Row<'_>) -> rusqlite::Result<StoreAgent> {
    let runs: i64 = row.get(24)?;
    let ratings: i64 = row.get(26)?;
    Ok(StoreAgent {
        listing: listing_row(row)?,
        creator: profile_row(row, 16)?,
        runs: u64::try_from(runs).unwrap_or(0),
        rating: row.get(25)?,
        ratings: u64::try_from(ratings).unwrap_or(0),
    })
}

fn words_json(words: &[String]) -> String {
    serde_json::to_string(words).unwrap_or_else(|_| "[]".to_owned())
}

const fn agent_order(order: AgentOrder) -> &'static str {
    match order {
        AgentOrder::Rating => "rating",
        AgentOrder::Runs => "runs",
        AgentOrder::Name => "name",
        AgentOrder::UpdatedAt => "updated_at",
    }
}

pub(super) fn agents(conn: &Connection, query: &AgentQuery) -> rusqlite::Result<Page<StoreAgent>> {
    let words = words_json(&query.words);
    let total: i64 = conn.query_row_cached(
        concat!(
            "SELECT count(*) FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id \
             JOIN store_profiles p ON p.user_id = l.owner_id ",
            agent_filters!()
        ),
        params![query.featured, query.creator, words, query.category],
        |row| row.get(0),
    )?;
    let mut statement = conn.prepare_cached(concat!(
        agent_select!(),
        agent_filters!(),
        "ORDER BY CASE ?5 WHEN 'rating' THEN rating END DESC, CASE ?5 WHEN 'runs' THEN runs END DESC, \
         CASE ?5 WHEN 'name' THEN lower(v.name) END ASC, v.created_at DESC, l.id \
         LIMIT ?6 OFFSET ?7"
    ))?;
    let items = statement
        .query_map(
            params![
                query.featured,
                query.creator,
                words,
                query.category,
                agent_order(query.order),
                query.limit,
                i64::try_from(query.offset).unwrap_or(i64::MAX)
            ],
            agent_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
}

pub(super) fn agent(conn: &Connection, username: &str, slug: &str) -> rusqlite::Result<Option<StoreAgent>> {
    conn.query_row_cached(
        concat!(agent_select!(), "WHERE p.username = ?1 AND l.slug = ?2"),
        [username, slug],
        agent_row,
    )
    .optional()
}

/// A creator's figures, of profile `p` and their listings `l`: number of
/// agents, average rating, runs, whether one is featured.
macro_rules! creator_figures {
    () => {
        "count(l.id) AS num_agents, \
         coalesce((SELECT avg(s.score) FROM store_ratings s JOIN store_listings o ON o.id = s.listing_id \
                   WHERE o.owner_id = p.user_id), 0.0) AS agent_rating, \
         (coalesce((SELECT sum(c.runs) FROM store_listings o JOIN graph_run_counts c ON c.graph_id = o.graph_id \
                    WHERE o.owner_id = p.user_id), 0) \
          + coalesce((SELECT sum(c.runs) FROM store_listings o JOIN store_library b ON b.listing_id = o.id \
             JOIN graph_run_counts c ON c.graph_id = b.graph_id WHERE o.owner_id = p.user_id), 0)) AS agent_runs "
    };
}

/// The creators of a list: ?1 featured only, ?2 words (a JSON array).
macro_rules! creator_filters {
    () => {
        "FROM store_profiles p JOIN store_listings l ON l.owner_id = p.user_id \
         WHERE NOT EXISTS (SELECT 1 FROM json_each(?2) w \
             WHERE instr(lower(p.username || ' ' || p.name || ' ' || p.description), lower(w.value)) = 0) \
         GROUP BY p.user_id HAVING (?1 = 0 OR max(l.featured) = 1) "
    };
}

fn creator_row(row: &Row<'_>) -> rusqlite::Result<Creator> {
    let agents: i64 = row.get(8)?;
    let runs: i64 = row.get(10)?;
    Ok(Creator {
        profile: profile_row(row, 0)?,
        num_agents: u64::try_from(agents).unwrap_or(0),
        agent_rating: row.get(9)?,
        agent_runs: u64::try_from(runs).unwrap_or(0),
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

pub(super) fn creators(conn: &Connection, query: &CreatorQuery) -> rusqlite::Result<Page<Creator>> {
    let words = words_json(&query.words);
    let total: i64 = conn.query_row_cached(
        concat!("SELECT count(*) FROM (SELECT p.user_id ", creator_filters!(), ")"),
        params![query.featured, words],
        |row| row.get(0),
    )?;
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        profile_columns!(),
        ", ",
        creator_figures!(),
        creator_filters!(),
        "ORDER BY CASE ?3 WHEN 'agent_rating' THEN agent_rating WHEN 'agent_runs' THEN agent_runs \
         ELSE num_agents END DESC, p.username LIMIT ?4 OFFSET ?5"
    ))?;
    let items = statement
        .query_map(
            params![
                query.featured,
                words,
                creator_order(query.order),
                query.limit,
                i64::try_from(query.offset).unwrap_or(i64::MAX)
            ],
            creator_row,
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Page { items, total: u64::try_from(total).unwrap_or(0) })
}

pub(super) fn creator(conn: &Connection, username: &str) -> rusqlite::Result<Option<Creator>> {
    let Some(profile) = profile_named(conn, username)? else {
        return Ok(None);
    };
    let mut creator = conn.query_row_cached(
        concat!(
            "SELECT ",
            profile_columns!(),
            ", ",
            creator_figures!(),
            "FROM store_profiles p LEFT JOIN store_listings l ON l.owner_id = p.user_id WHERE p.user_id = ?1 \
             GROUP BY p.user_id"
        ),
        [&profile.user_id],
        creator_row,
    )?;
    let mut statement = conn.prepare_cached(
        "SELECT c.value FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id,
                json_each(v.categories) c
         WHERE l.owner_id = ?1 GROUP BY c.value ORDER BY count(*) DESC, c.value LIMIT 5",
    )?;
    creator.top_categories =
        statement.query_map([&profile.user_id], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(Some(creator))
}
