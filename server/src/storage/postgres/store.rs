//! The store's writes: profiles and their unique usernames, publishing (a
//! listing and its versions in one transaction, the listing's row locked),
//! ratings and featuring. Its reads are in [`super::store_lists`].
//!
//! A username or a slug taken by another process at the same moment is found
//! by the unique constraints (`ON CONFLICT DO NOTHING`), not by a read first.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::sql::{self, from_json, get, json_text};
use super::{PostgresStorage, store_lists};
use crate::domain::{Listing, ListingVersion, Profile};
use crate::storage::{
    AgentQuery, Creator, CreatorQuery, LibraryCopy, MarketplaceStore, Page, Publication, Published, StorageError,
    StorageErrorKind, StoreAgent,
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

/// How many times publishing starts over when another process created the
/// same listing at the same moment.
const PUBLISH_ATTEMPTS: usize = 3;

fn number(value: i64, what: &str) -> Result<u32, StorageError> {
    u32::try_from(value).map_err(|_| StorageError::corrupt(format!("{what} {value} is out of range")))
}

/// A profile from `at` on.
pub(super) fn profile_row(row: &Row, at: usize) -> Result<Profile, StorageError> {
    Ok(Profile {
        user_id: get(row, at)?,
        username: get(row, at + 1)?,
        name: get(row, at + 2)?,
        description: get(row, at + 3)?,
        links: from_json(get(row, at + 4)?, "a profile's links")?,
        avatar_url: get(row, at + 5)?,
        created_at: get(row, at + 6)?,
        updated_at: get(row, at + 7)?,
    })
}

/// A listing version from `at` on.
pub(super) fn version_row(row: &Row, at: usize) -> Result<ListingVersion, StorageError> {
    Ok(ListingVersion {
        id: get(row, at)?,
        version: number(get(row, at + 1)?, "a listing version")?,
        graph_version: number(get(row, at + 2)?, "a listing's graph version")?,
        name: get(row, at + 3)?,
        sub_heading: get(row, at + 4)?,
        description: get(row, at + 5)?,
        categories: from_json(get(row, at + 6)?, "a listing's categories")?,
        image_urls: from_json(get(row, at + 7)?, "a listing's image URLs")?,
        video_url: get(row, at + 8)?,
        created_at: get(row, at + 9)?,
    })
}

/// A listing from column 0 on, its latest version from column 6 on.
pub(super) fn listing_row(row: &Row) -> Result<Listing, StorageError> {
    Ok(Listing {
        id: get(row, 0)?,
        owner_id: get(row, 1)?,
        slug: get(row, 2)?,
        graph_id: get(row, 3)?,
        featured: get(row, 4)?,
        created_at: get(row, 5)?,
        latest: version_row(row, 6)?,
    })
}

async fn profile_of(client: &impl GenericClient, user_id: &str) -> Result<Option<Profile>, StorageError> {
    let row = sql::query_opt(
        client,
        concat!("SELECT ", profile_columns!(), " FROM store_profiles p WHERE p.user_id = $1"),
        &[&user_id],
    )
    .await?;
    row.map(|row| profile_row(&row, 0)).transpose()
}

pub(super) async fn profile_named(
    client: &impl GenericClient,
    username: &str,
) -> Result<Option<Profile>, StorageError> {
    let row = sql::query_opt(
        client,
        concat!("SELECT ", profile_columns!(), " FROM store_profiles p WHERE p.username = $1"),
        &[&username],
    )
    .await?;
    row.map(|row| profile_row(&row, 0)).transpose()
}

/// One attempt at publishing; `None` when another process created the
/// listing meanwhile (the caller starts over).
async fn publish_once(
    client: &mut deadpool_postgres::Client,
    publication: &Publication,
) -> Result<Option<Published>, StorageError> {
    let tx = client.transaction().await?;
    let existing = sql::query_opt(
        &tx,
        "SELECT id, graph_id FROM store_listings WHERE owner_id = $1 AND slug = $2 FOR UPDATE",
        &[&publication.owner_id, &publication.slug],
    )
    .await?;
    let version = &publication.version;
    let listing_id: String = match existing {
        Some(row) => {
            let graph_id: String = get(&row, 1)?;
            if graph_id != publication.graph_id {
                return Ok(Some(Published::SlugTaken { graph_id }));
            }
            get(&row, 0)?
        }
        None => {
            let listed = sql::query_opt(
                &tx,
                "SELECT slug FROM store_listings WHERE owner_id = $1 AND graph_id = $2",
                &[&publication.owner_id, &publication.graph_id],
            )
            .await?;
            if let Some(row) = listed {
                return Ok(Some(Published::GraphListed { slug: get(&row, 0)? }));
            }
            let inserted = sql::execute(
                &tx,
                "INSERT INTO store_listings (id, owner_id, slug, graph_id, featured, latest_version_id, created_at,
                                             updated_at)
                 VALUES ($1, $2, $3, $4, FALSE, $5, $6, $6) ON CONFLICT DO NOTHING",
                &[
                    &publication.listing_id,
                    &publication.owner_id,
                    &publication.slug,
                    &publication.graph_id,
                    &version.id,
                    &version.created_at,
                ],
            )
            .await?;
            if inserted == 0 {
                return Ok(None);
            }
            publication.listing_id.clone()
        }
    };
    let row = sql::query_one(
        &tx,
        "SELECT coalesce(max(version), 0) + 1 FROM store_listing_versions WHERE listing_id = $1",
        &[&listing_id],
    )
    .await?;
    let next: i64 = get(&row, 0)?;
    sql::execute(
        &tx,
        "INSERT INTO store_listing_versions (id, listing_id, version, graph_version, name, sub_heading, description,
                                             categories, image_urls, video_url, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &version.id,
            &listing_id,
            &next,
            &i64::from(version.graph_version),
            &version.name,
            &version.sub_heading,
            &version.description,
            &json_text(&version.categories),
            &json_text(&version.image_urls),
            &version.video_url,
            &version.created_at,
        ],
    )
    .await?;
    sql::execute(
        &tx,
        "UPDATE store_listings SET latest_version_id = $2, updated_at = $3 WHERE id = $1",
        &[&listing_id, &version.id, &version.created_at],
    )
    .await?;
    let row = sql::query_one(
        &tx,
        concat!(
            "SELECT ",
            listing_columns!(),
            ", ",
            version_columns!(),
            " FROM store_listings l JOIN store_listing_versions v ON v.id = l.latest_version_id WHERE l.id = $1"
        ),
        &[&listing_id],
    )
    .await?;
    let listing = listing_row(&row)?;
    tx.commit().await?;
    Ok(Some(Published::Listed(Box::new(listing))))
}

#[async_trait::async_trait]
impl MarketplaceStore for PostgresStorage {
    async fn ensure_profile(
        &self,
        user_id: &str,
        name: &str,
        usernames: Vec<String>,
        now: i64,
    ) -> Result<Option<Profile>, StorageError> {
        let client = self.client().await?;
        if let Some(profile) = profile_of(&client, user_id).await? {
            return Ok(Some(profile));
        }
        for username in &usernames {
            // Nothing inserted: the user got a profile meanwhile, or the
            // username is someone else's.
            let inserted = sql::execute(
                &client,
                "INSERT INTO store_profiles (user_id, username, name, description, links, avatar_url, created_at,
                                             updated_at)
                 VALUES ($1, $2, $3, '', '[]', NULL, $4, $4) ON CONFLICT DO NOTHING",
                &[&user_id, username, &name, &now],
            )
            .await?;
            if inserted == 1 {
                return profile_of(&client, user_id).await;
            }
            if let Some(profile) = profile_of(&client, user_id).await? {
                return Ok(Some(profile));
            }
        }
        Ok(None)
    }

    async fn profile_by_username(&self, username: &str) -> Result<Option<Profile>, StorageError> {
        let client = self.client().await?;
        profile_named(&client, username).await
    }

    async fn update_profile(&self, profile: Profile) -> Result<bool, StorageError> {
        let client = self.client().await?;
        let holder =
            sql::query_opt(&client, "SELECT user_id FROM store_profiles WHERE username = $1", &[&profile.username])
                .await?;
        if let Some(row) = holder {
            let holder: String = get(&row, 0)?;
            if holder != profile.user_id {
                return Ok(false);
            }
        }
        let updated = sql::execute(
            &client,
            "UPDATE store_profiles SET username = $2, name = $3, description = $4, links = $5, avatar_url = $6,
                    updated_at = $7
             WHERE user_id = $1",
            &[
                &profile.user_id,
                &profile.username,
                &profile.name,
                &profile.description,
                &json_text(&profile.links),
                &profile.avatar_url,
                &profile.updated_at,
            ],
        )
        .await;
        match updated {
            Ok(_) => Ok(true),
            // Another process took the username between the read and the write.
            Err(error) if error.kind() == StorageErrorKind::Constraint => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn publish(&self, publication: Publication) -> Result<Published, StorageError> {
        let mut client = self.client().await?;
        for _ in 0..PUBLISH_ATTEMPTS {
            if let Some(published) = publish_once(&mut client, &publication).await? {
                return Ok(published);
            }
        }
        Err(StorageError::new(
            StorageErrorKind::Busy,
            None,
            format!("listing {:?} kept being published by another process; try again", publication.slug),
        ))
    }

    async fn store_agents(&self, query: AgentQuery) -> Result<Page<StoreAgent>, StorageError> {
        let client = self.client().await?;
        store_lists::agents(&client, &query).await
    }

    async fn store_agent(&self, username: &str, slug: &str) -> Result<Option<StoreAgent>, StorageError> {
        let client = self.client().await?;
        store_lists::agent(&client, username, slug).await
    }

    async fn listing_versions(&self, listing_id: &str) -> Result<Vec<ListingVersion>, StorageError> {
        let client = self.client().await?;
        store_lists::versions(&client, listing_id).await
    }

    async fn creators(&self, query: CreatorQuery) -> Result<Page<Creator>, StorageError> {
        let client = self.client().await?;
        store_lists::creators(&client, &query).await
    }

    async fn creator(&self, username: &str) -> Result<Option<Creator>, StorageError> {
        let client = self.client().await?;
        store_lists::creator(&client, username).await
    }

    async fn rate(
        &self,
        listing_id: &str,
        user_id: &str,
        score: u8,
        comments: Option<String>,
        now: i64,
    ) -> Result<bool, StorageError> {
        let client = self.client().await?;
        // One statement: of two ratings at once, one inserts and the other
        // updates. A row an update wrote has a nonzero `xmax`.
        let row = sql::query_one(
            &client,
            "INSERT INTO store_ratings (listing_id, user_id, score, comments, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (listing_id, user_id) DO UPDATE SET score = excluded.score, comments = excluded.comments,
                                                             updated_at = excluded.updated_at
             RETURNING xmax <> 0",
            &[&listing_id, &user_id, &i64::from(score), &comments, &now],
        )
        .await?;
        get(&row, 0)
    }

    async fn library_copy(&self, user_id: &str, listing_id: &str) -> Result<Option<LibraryCopy>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            "SELECT graph_id, graph_version, listing_version_id FROM store_library
             WHERE user_id = $1 AND listing_id = $2",
            &[&user_id, &listing_id],
        )
        .await?;
        row.map(|row| {
            Ok(LibraryCopy {
                graph_id: get(&row, 0)?,
                graph_version: number(get(&row, 1)?, "a library copy's graph version")?,
                listing_version_id: get(&row, 2)?,
            })
        })
        .transpose()
    }

    async fn put_library_copy(
        &self,
        user_id: &str,
        listing_id: &str,
        copy: LibraryCopy,
        now: i64,
    ) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO store_library (user_id, listing_id, graph_id, listing_version_id, graph_version, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, listing_id) DO UPDATE SET graph_id = excluded.graph_id,
                 listing_version_id = excluded.listing_version_id, graph_version = excluded.graph_version",
            &[&user_id, &listing_id, &copy.graph_id, &copy.listing_version_id, &i64::from(copy.graph_version), &now],
        )
        .await?;
        Ok(())
    }

    async fn set_featured(&self, listing_id: &str, featured: bool) -> Result<bool, StorageError> {
        let client = self.client().await?;
        let changed =
            sql::execute(&client, "UPDATE store_listings SET featured = $2 WHERE id = $1", &[&listing_id, &featured])
                .await?;
        Ok(changed == 1)
    }
}
