//! The store's writes: profiles and their unique usernames, publishing
//! (a listing and its versions in one transaction), ratings and featuring.
//! Its reads are in [`super::store_lists`].

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::store_lists;
use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{Listing, ListingVersion, Profile};
use crate::storage::{
    AgentQuery, Creator, CreatorQuery, LibraryCopy, MarketplaceStore, Page, Publication, Published, StorageError,
    StoreAgent,
};

/// The columns [`profile_row`] reads, in its order, of table alias `p`.
macro_rules! profile_columns {
    () => {
        "p.user_id, p.username, p.name, p.description, p.links, p.avatar_url, p.created_at, p.updated_at"
    };
}
pub(super) use profile_columns;

/// The columns [`version_row`] reads, in its order, of table alias `v`.
macro_rules! version_columns {
    () => {
        "v.id, v.version, v.graph_version, v.name, v.sub_heading, v.description, v.categories, v.image_urls, \
         v.video_url, v.created_at"
    };
}
pub(super) use version_columns;

/// The columns [`listing_row`] reads (then the latest version's), of alias `l`.
macro_rules! listing_columns {
    () => {
        "l.id, l.owner_id, l.slug, l.graph_id, l.featured, l.created_at"
    };
}
pub(super) use listing_columns;

fn strings(column: usize, text: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(text).map_err(|error| corrupt(column, format!("a store list is not JSON: {error}")))
}

/// A profile from `at` on.
pub(super) fn profile_row(row: &Row<'_>, at: usize) -> rusqlite::Result<Profile> {
    let links: String = row.get(at + 4)?;
    Ok(Profile {
        user_id: row.get(at)?,
        username: row.get(at + 1)?,
        name: row.get(at + 2)?,
        description: row.get(at + 3)?,
        links: strings(at + 4, &links)?,
        avatar_url: row.get(at + 5)?,
        created_at: row.get(at + 6)?,
        updated_at: row.get(at + 7)?,
    })
}

/// A listing version from `at` on.
pub(super) fn version_row(row: &Row<'_>, at: usize) -> rusqlite::Result<ListingVersion> {
    let categories: String = row.get(at + 6)?;
    let images: String = row.get(at + 7)?;
    Ok(ListingVersion {
        id: row.get(at)?,
        version: row.get(at + 1)?,
        graph_version: row.get(at + 2)?,
        name: row.get(at + 3)?,
        sub_heading: row.get(at + 4)?,
        description: row.get(at + 5)?,
        categories: strings(at + 6, &categories)?,
        image_urls: strings(at + 7, &images)?,
        video_url: row.get(at + 8)?,
        created_at: row.get(at + 9)?,
    })
}

/// A listing from column 0 on, its latest version from column 6 on.
pub(super) fn listing_row(row: &Row<'_>) -> rusqlite::Result<Listing> {
    Ok(Listing {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        slug: row.get(2)?,
        graph_id: row.get(3)?,
        featured: row.get(4)?,
        created_at: row.get(5)?,
        latest: version_row(row, 6)?,
    })
}

fn profile_of(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<Profile>> {
    conn.query_row_cached(
        concat!("SELECT ", profile_columns!(), " FROM store_profiles p WHERE p.user_id = ?1"),
        [user_id],
        |row| profile_row(row, 0),
    )
    .optional()
}

pub(super) fn profile_named(conn: &Connection, username: &str) -> rusqlite::Result<Option<Profile>> {
    conn.query_row_cached(
        concat!("SELECT ", profile_columns!(), " FROM store_profiles p WHERE p.username = ?1"),
        [username],
        |row| profile_row(row, 0),
    )
    .optional()
}

fn ensure_profile(
    conn: &mut Connection,
    user_id: &str,
    name: &str,
    usernames: &[String],
    now: i64,
) -> rusqlite::Result<Option<Profile>> {
    if let Some(profile) = profile_of(conn, user_id)? {
        return Ok(Some(profile));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(profile) = profile_of(&tx, user_id)? {
        return Ok(Some(profile));
    }
    for username in usernames {
        let taken: bool = tx.query_row_cached(
            "SELECT EXISTS (SELECT 1 FROM store_profiles WHERE username = ?1)",
            [username],
            |row| row.get(0),
        )?;
        if taken {
            continue;
        }
        tx.execute_cached(
            "INSERT INTO store_profiles (user_id, username, name, description, links, avatar_url, created_at, updated_at)
             VALUES (?1, ?2, ?3, '', '[]', NULL, ?4, ?4)",
            params![user_id, username, name, now],
        )?;
        let profile = profile_of(&tx, user_id)?;
        tx.commit()?;
        return Ok(profile);
    }
    Ok(None)
}

fn update_profile(conn: &mut Connection, profile: &Profile) -> rusqlite::Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let holder: Option<String> = tx
        .query_row_cached("SELECT user_id FROM store_profiles WHERE username = ?1", [&profile.username], |row| {
            row.get(0)
        })
        .optional()?;
    if holder.is_some_and(|holder| holder != profile.user_id) {
        return Ok(false);
    }
    tx.execute_cached(
        "UPDATE store_profiles SET username = ?2, name = ?3, description = ?4, links = ?5, avatar_url = ?6,
                updated_at = ?7
         WHERE user_id = ?1",
        params![
            profile.user_id,
            profile.username,
            profile.name,
            profile.description,
            serde_json::to_string(&profile.links).unwrap_or_else(|_| "[]".to_owned()),
            profile.avatar_url,
            profile.updated_at,
        ],
    )?;
    tx.commit()?;
    Ok(true)
}

fn publish(conn: &mut Connection, publication: &Publication) -> rusqlite::Result<Published> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: Option<(String, String)> = tx
        .query_row_cached(
            "SELECT id, graph_id FROM store_listings WHERE owner_id = ?1 AND slug = ?2",
            [&publication.owner_id, &publication.slug],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let version = &publication.version;
    let listing_id = match existing {
        Some((_, graph_id)) if graph_id != publication.graph_id => return Ok(Published::SlugTaken { graph_id }),
        Some((id, _)) => id,
        None => {
            let listed: Option<String> = tx
                .query_row_cached(
                    "SELECT slug FROM store_listings WHERE owner_id = ?1 AND graph_id = ?2",
                    [&publication.owner_id, &publication.graph_id],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(slug) = listed {
                return Ok(Published::GraphListed { slug });
            }
            tx.execute_cached(
                "INSERT INTO store_listings (id, owner_id, slug, graph_id, featured, latest_version_id, created_at,
                                             updated_at)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
                params![
                    publication.listing_id,
                    publication.owner_id,
                    publication.slug,
                    publication.graph_id,
                    version.id,
                    version.created_at
                ],
            )?;
            publication.listing_id.clone()
        }
    };
    let number: u32 = tx.query_row_cached(
        "SELECT coalesce(max(version), 0) + 1 FROM store_listing_versions WHERE listing_id = ?1",
        [&listing_id],
        |row| row.get(0),
    )?;
    tx.execute_cached(
        "INSERT INTO store_listing_versions (id, listing_id, version, graph_version, name, sub_heading, description,
                                             categories, image_urls, video_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            version.id,
            listing_id,
            number,
            version.graph_version,
            version.name,
            version.sub_heading,
            version.description,
            serde_json::to_string(&version.categories).unwrap_or_else(|_| "[]".to_owned()),
            serde_json::to_string(&version.image_urls).unwrap_or_else(|_| "[]".to_owned()),
            version.video_url,
            version.created_at,
        ],
    )?;
    tx.execute_cached(
        "UPDATE store_listings SET latest_version_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![listing_id, version.id, version.created_at],
    )?;
    let listing = tx.query_row_cached(
        concat!(
            "SELECT ",
            listing_columns!(),
            ", ",
            version_columns!(),
            " FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id WHERE l.id = ?1"
        ),
        [&listing_id],
        listing_row,
    )?;
    tx.commit()?;
    Ok(Published::Listed(Box::new(listing)))
}

fn versions_of(conn: &Connection, listing_id: &str) -> rusqlite::Result<Vec<ListingVersion>> {
    let mut statement = conn.prepare_cached(concat!(
        "SELECT ",
        version_columns!(),
        " FROM store_listing_versions v WHERE v.listing_id = ?1 ORDER BY v.version"
    ))?;
    statement.query_map([listing_id], |row| version_row(row, 0))?.collect()
}

fn rate(
    conn: &mut Connection,
    listing_id: &str,
    user_id: &str,
    score: u8,
    comments: Option<&str>,
    now: i64,
) -> rusqlite::Result<bool> {
    // The write lock first: of two ratings at once, one is the first.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let replaced: bool = tx.query_row_cached(
        "SELECT EXISTS (SELECT 1 FROM store_ratings WHERE listing_id = ?1 AND user_id = ?2)",
        [listing_id, user_id],
        |row| row.get(0),
    )?;
    tx.execute_cached(
        "INSERT INTO store_ratings (listing_id, user_id, score, comments, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (listing_id, user_id) DO UPDATE SET score = excluded.score, comments = excluded.comments,
                                                         updated_at = excluded.updated_at",
        params![listing_id, user_id, score, comments, now],
    )?;
    tx.commit()?;
    Ok(replaced)
}

#[async_trait::async_trait]
impl MarketplaceStore for SqliteStorage {
    async fn ensure_profile(
        &self,
        user_id: &str,
        name: &str,
        usernames: Vec<String>,
        now: i64,
    ) -> Result<Option<Profile>, StorageError> {
        let (user_id, name) = (user_id.to_owned(), name.to_owned());
        self.write(move |conn| ensure_profile(conn, &user_id, &name, &usernames, now)).await
    }

    async fn profile_by_username(&self, username: &str) -> Result<Option<Profile>, StorageError> {
        let username = username.to_owned();
        self.read(move |conn| profile_named(conn, &username)).await
    }

    async fn update_profile(&self, profile: Profile) -> Result<bool, StorageError> {
        self.write(move |conn| update_profile(conn, &profile)).await
    }

    async fn publish(&self, publication: Publication) -> Result<Published, StorageError> {
        self.write(move |conn| publish(conn, &publication)).await
    }

    async fn store_agents(&self, query: AgentQuery) -> Result<Page<StoreAgent>, StorageError> {
        self.read(move |conn| store_lists::agents(conn, &query)).await
    }

    async fn store_agent(&self, username: &str, slug: &str) -> Result<Option<StoreAgent>, StorageError> {
        let (username, slug) = (username.to_owned(), slug.to_owned());
        self.read(move |conn| store_lists::agent(conn, &username, &slug)).await
    }

    async fn listing_versions(&self, listing_id: &str) -> Result<Vec<ListingVersion>, StorageError> {
        let listing_id = listing_id.to_owned();
        self.read(move |conn| versions_of(conn, &listing_id)).await
    }

    async fn creators(&self, query: CreatorQuery) -> Result<Page<Creator>, StorageError> {
        self.read(move |conn| store_lists::creators(conn, &query)).await
    }

    async fn creator(&self, username: &str) -> Result<Option<Creator>, StorageError> {
        let username = username.to_owned();
        self.read(move |conn| store_lists::creator(conn, &username)).await
    }

    async fn rate(
        &self,
        listing_id: &str,
        user_id: &str,
        score: u8,
        comments: Option<String>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let (listing_id, user_id) = (listing_id.to_owned(), user_id.to_owned());
        self.write(move |conn| rate(conn, &listing_id, &user_id, score, comments.as_deref(), now)).await
    }

    async fn library_copy(&self, user_id: &str, listing_id: &str) -> Result<Option<LibraryCopy>, StorageError> {
        let (user_id, listing_id) = (user_id.to_owned(), listing_id.to_owned());
        self.read(move |conn| {
            conn.query_row_cached(
                "SELECT graph_id, graph_version, listing_version_id FROM store_library
                 WHERE user_id = ?1 AND listing_id = ?2",
                [&user_id, &listing_id],
                |row| {
                    Ok(LibraryCopy {
                        graph_id: row.get(0)?,
                        graph_version: row.get(1)?,
                        listing_version_id: row.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn put_library_copy(
        &self,
        user_id: &str,
        listing_id: &str,
        copy: LibraryCopy,
        now: i64,
    ) -> Result<(), StorageError> {
        let (user_id, listing_id) = (user_id.to_owned(), listing_id.to_owned());
        self.write(move |conn| {
            conn.execute_cached(
                "INSERT INTO store_library (user_id, listing_id, graph_id, listing_version_id, graph_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id, listing_id) DO UPDATE SET graph_id = excluded.graph_id,
                     listing_version_id = excluded.listing_version_id, graph_version = excluded.graph_version",
                params![user_id, listing_id, copy.graph_id, copy.listing_version_id, copy.graph_version, now],
            )
            .map(|_| ())
        })
        .await
    }

    async fn set_featured(&self, listing_id: &str, featured: bool) -> Result<bool, StorageError> {
        let listing_id = listing_id.to_owned();
        self.write(move |conn| {
            conn.execute_cached("UPDATE store_listings SET featured = ?2 WHERE id = ?1", params![listing_id, featured])
                .map(|changed| changed == 1)
        })
        .await
    }
}
