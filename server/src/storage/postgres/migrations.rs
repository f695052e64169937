//! The schema, as an ordered list of migrations, applied at start by one
//! process at a time: the migrating connection holds a session advisory lock,
//! so a second process starting at the same moment waits, then finds nothing
//! left to do. `schema_migrations` lists the versions applied; each migration
//! runs in its own transaction with its row. Never edit a released migration:
//! append a new one.
//!
//! The numbering is this backend's own: version 1 is everything the SQLite
//! backend reached in its migration 11, version 2 its migration 12 (graphs),
//! version 3 its migration 13 (the store), version 4 its migration 15 (each
//! graph's run count). Times are Unix seconds or milliseconds as there; JSON is
//! kept as text, as there, so both backends read and write the same shapes. Text compares and sorts byte by byte
//! (`COLLATE "C"`), as in SQLite, whatever the database's default collation.

use deadpool_postgres::Client;

use crate::storage::StorageError;

/// The advisory lock key that migrations hold (`'blocks-migrations'`, hashed once).
const MIGRATION_LOCK: i64 = 0x626c_6f63_6b73_6d31;

const MIGRATIONS: &[&str] = &[
    // 1: every table of the first shared-database version.
    r#"
    CREATE TABLE settings (
        name   TEXT COLLATE "C" PRIMARY KEY,
        value  BYTEA NOT NULL
    );
    CREATE TABLE users (
        id          TEXT COLLATE "C" PRIMARY KEY,
        ord         BIGINT GENERATED ALWAYS AS IDENTITY,
        name        TEXT COLLATE "C" NOT NULL,
        email       TEXT COLLATE "C" NOT NULL,
        timezone    TEXT COLLATE "C" NOT NULL,
        created_at  BIGINT NOT NULL
    );
    CREATE TABLE api_keys (
        id            TEXT COLLATE "C" PRIMARY KEY,
        ord           BIGINT GENERATED ALWAYS AS IDENTITY,
        user_id       TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name          TEXT COLLATE "C" NOT NULL,
        hash          BYTEA NOT NULL UNIQUE,
        hint          TEXT COLLATE "C" NOT NULL,
        scopes        TEXT COLLATE "C" NOT NULL,
        status        TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'revoked', 'suspended')),
        created_at    BIGINT NOT NULL,
        last_used_at  BIGINT
    );
    CREATE INDEX api_keys_by_user ON api_keys(user_id);
    CREATE TABLE credentials (
        user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        id          TEXT COLLATE "C" NOT NULL,
        provider    TEXT COLLATE "C" NOT NULL,
        type        TEXT COLLATE "C" NOT NULL,
        title       TEXT COLLATE "C",
        sealed      BYTEA NOT NULL,
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (user_id, id)
    );
    CREATE TABLE credit_balances (
        user_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        balance  BIGINT NOT NULL CHECK (balance >= 0)
    );
    CREATE TABLE credit_ledger (
        id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id        TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        amount         BIGINT NOT NULL,
        balance_after  BIGINT NOT NULL,
        reason         TEXT COLLATE "C" NOT NULL,
        execution_id   TEXT COLLATE "C",
        created_at     BIGINT NOT NULL
    );
    CREATE INDEX credit_ledger_by_user ON credit_ledger(user_id, id);
    CREATE INDEX credit_ledger_by_execution ON credit_ledger(execution_id) WHERE execution_id IS NOT NULL;
    CREATE TABLE webhooks (
        id              TEXT COLLATE "C" PRIMARY KEY,
        provider        TEXT COLLATE "C" NOT NULL,
        owner           TEXT COLLATE "C" NOT NULL,
        kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('manual', 'auto')),
        resource        TEXT COLLATE "C" NOT NULL,
        events          TEXT COLLATE "C" NOT NULL,
        credentials_id  TEXT COLLATE "C",
        remote_id       TEXT COLLATE "C",
        sealed_secret   BYTEA NOT NULL,
        created_at      BIGINT NOT NULL
    );
    CREATE INDEX webhooks_by_owner ON webhooks(owner);
    CREATE INDEX webhooks_by_resource ON webhooks(provider, resource);
    CREATE TABLE webhook_subscriptions (
        id          TEXT COLLATE "C" PRIMARY KEY,
        webhook_id  TEXT COLLATE "C" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        owner       TEXT COLLATE "C" NOT NULL,
        block_id    TEXT COLLATE "C" NOT NULL,
        events      TEXT COLLATE "C" NOT NULL,
        input       TEXT COLLATE "C" NOT NULL,
        created_at  BIGINT NOT NULL
    );
    CREATE INDEX webhook_subscriptions_by_webhook ON webhook_subscriptions(webhook_id);
    CREATE INDEX webhook_subscriptions_by_owner ON webhook_subscriptions(owner);
    CREATE TABLE oauth_clients (
        id             TEXT COLLATE "C" PRIMARY KEY,
        ord            BIGINT GENERATED ALWAYS AS IDENTITY,
        name           TEXT COLLATE "C" NOT NULL,
        secret_hash    BYTEA,
        redirect_uris  TEXT COLLATE "C" NOT NULL,
        scopes         TEXT COLLATE "C" NOT NULL,
        disabled       BOOLEAN NOT NULL DEFAULT FALSE,
        created_at     BIGINT NOT NULL
    );
    CREATE TABLE oauth_tokens (
        hash            BYTEA PRIMARY KEY,
        kind            TEXT COLLATE "C" NOT NULL CHECK (kind IN ('code', 'access', 'refresh', 'login', 'session')),
        client_id       TEXT COLLATE "C" REFERENCES oauth_clients(id) ON DELETE CASCADE,
        user_id         TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scopes          TEXT COLLATE "C" NOT NULL,
        family          TEXT COLLATE "C" NOT NULL,
        redirect_uri    TEXT COLLATE "C",
        code_challenge  TEXT COLLATE "C",
        expires_at      BIGINT NOT NULL,
        used_at         BIGINT,
        revoked_at      BIGINT,
        created_at      BIGINT NOT NULL,
        resource        TEXT COLLATE "C"
    );
    CREATE INDEX oauth_tokens_by_family ON oauth_tokens(family);
    CREATE INDEX oauth_tokens_by_expiry ON oauth_tokens(expires_at);
    CREATE TABLE provider_logins (
        state_hash    BYTEA PRIMARY KEY,
        user_id       TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        provider      TEXT COLLATE "C" NOT NULL,
        callback_url  TEXT COLLATE "C" NOT NULL,
        scopes        TEXT COLLATE "C" NOT NULL,
        sealed        BYTEA NOT NULL,
        expires_at    BIGINT NOT NULL
    );
    CREATE TABLE runs (
        id              TEXT COLLATE "C" PRIMARY KEY,
        kind            TEXT COLLATE "C" NOT NULL,
        user_id         TEXT COLLATE "C" NOT NULL,
        block_id        TEXT COLLATE "C" NOT NULL,
        parent_id       TEXT COLLATE "C",
        source          TEXT COLLATE "C" NOT NULL,
        source_ref      TEXT COLLATE "C",
        status          TEXT COLLATE "C" NOT NULL,
        input           TEXT COLLATE "C" NOT NULL,
        outputs         TEXT COLLATE "C" NOT NULL,
        truncated       TEXT COLLATE "C" NOT NULL,
        error           TEXT COLLATE "C",
        charged         BIGINT NOT NULL,
        created_at      BIGINT NOT NULL,
        started_at      BIGINT,
        finished_at     BIGINT,
        callback_url    TEXT COLLATE "C",
        block_started   BOOLEAN NOT NULL DEFAULT FALSE,
        lease_owner     TEXT COLLATE "C",
        lease_until     BIGINT,
        stop_requested  BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX runs_by_user ON runs(user_id, id);
    CREATE INDEX runs_queued ON runs(created_at) WHERE status = 'queued';
    CREATE INDEX runs_running ON runs(user_id) WHERE status = 'running';
    CREATE INDEX runs_by_parent ON runs(parent_id) WHERE parent_id IS NOT NULL;
    CREATE TABLE run_events (
        run_id  TEXT COLLATE "C" NOT NULL,
        seq     BIGINT NOT NULL,
        name    TEXT COLLATE "C" NOT NULL,
        data    TEXT COLLATE "C" NOT NULL,
        at      BIGINT NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE idempotency_keys (
        user_id       TEXT COLLATE "C" NOT NULL,
        key           TEXT COLLATE "C" NOT NULL,
        request_hash  BYTEA NOT NULL,
        state         TEXT COLLATE "C" NOT NULL CHECK (state IN ('in_progress', 'done')),
        status        BIGINT,
        content_type  TEXT COLLATE "C",
        body          BYTEA,
        run_id        TEXT COLLATE "C",
        created_at    BIGINT NOT NULL,
        PRIMARY KEY (user_id, key)
    );
    CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
    CREATE TABLE callback_secrets (
        user_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        sealed      BYTEA NOT NULL,
        created_at  BIGINT NOT NULL
    );
    CREATE TABLE run_callbacks (
        run_id           TEXT COLLATE "C" PRIMARY KEY,
        user_id          TEXT COLLATE "C" NOT NULL,
        url              TEXT COLLATE "C" NOT NULL,
        created_at       BIGINT NOT NULL,
        next_attempt_at  BIGINT,
        delivered_at     BIGINT,
        gave_up_at       BIGINT,
        attempts         TEXT COLLATE "C" NOT NULL DEFAULT '[]'
    );
    CREATE INDEX run_callbacks_due ON run_callbacks(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
    CREATE TABLE webhook_deliveries (
        webhook_id   TEXT COLLATE "C" NOT NULL,
        delivery_id  TEXT COLLATE "C" NOT NULL,
        event        TEXT COLLATE "C" NOT NULL,
        runs         BIGINT NOT NULL,
        received_at  BIGINT NOT NULL,
        PRIMARY KEY (webhook_id, delivery_id)
    );
    CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries(received_at);
    CREATE TABLE schedules (
        id             TEXT COLLATE "C" PRIMARY KEY,
        user_id        TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name           TEXT COLLATE "C" NOT NULL,
        target_kind    TEXT COLLATE "C" NOT NULL,
        target_id      TEXT COLLATE "C" NOT NULL,
        input          TEXT COLLATE "C" NOT NULL,
        cron           TEXT COLLATE "C" NOT NULL,
        timezone       TEXT COLLATE "C" NOT NULL,
        missed         TEXT COLLATE "C" NOT NULL CHECK (missed IN ('skip', 'run_once')),
        next_fire_at   BIGINT,
        created_at     BIGINT NOT NULL,
        last_fired_at  BIGINT,
        last_run_id    TEXT COLLATE "C",
        last_error     TEXT COLLATE "C"
    );
    CREATE INDEX schedules_by_user ON schedules(user_id, created_at);
    CREATE INDEX schedules_due ON schedules(next_fire_at) WHERE next_fire_at IS NOT NULL;
    CREATE TABLE poll_subscriptions (
        id              TEXT COLLATE "C" PRIMARY KEY,
        user_id         TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        block_id        TEXT COLLATE "C" NOT NULL,
        input           TEXT COLLATE "C" NOT NULL,
        every_secs      BIGINT NOT NULL CHECK (every_secs > 0),
        cursor          TEXT COLLATE "C",
        next_poll_at    BIGINT NOT NULL,
        created_at      BIGINT NOT NULL,
        last_polled_at  BIGINT,
        last_error      TEXT COLLATE "C",
        runs_queued     BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX poll_subscriptions_by_user ON poll_subscriptions(user_id, created_at);
    CREATE INDEX poll_subscriptions_due ON poll_subscriptions(next_poll_at);
    "#,
    // 2: graphs (agents) of each user, every version kept (its nodes and links
    // as the graph's JSON), one of them active; the SQLite backend's migration
    // 12. Times in Unix milliseconds.
    r#"
    CREATE TABLE graphs (
        id              TEXT COLLATE "C" PRIMARY KEY,
        user_id         TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        active_version  BIGINT NOT NULL,
        latest_version  BIGINT NOT NULL,
        created_at      BIGINT NOT NULL
    );
    CREATE INDEX graphs_by_user ON graphs(user_id, created_at);
    CREATE TABLE graph_versions (
        graph_id     TEXT COLLATE "C" NOT NULL REFERENCES graphs(id) ON DELETE CASCADE,
        version      BIGINT NOT NULL CHECK (version >= 1),
        name         TEXT COLLATE "C" NOT NULL,
        description  TEXT COLLATE "C" NOT NULL,
        body         TEXT COLLATE "C" NOT NULL,
        saved_at     BIGINT NOT NULL,
        PRIMARY KEY (graph_id, version)
    );
    -- Schedules may run a graph: the version a graph schedule names.
    ALTER TABLE schedules ADD COLUMN target_version BIGINT;
    "#,
    // 3: the store; the SQLite backend's migration 13. Each user's profile
    // with its unique username; listings (a user's graph under a slug, one
    // listing per graph) pointing at their latest version, every version kept;
    // one rating per user and listing; the library: each user's own copy of a
    // store agent they set up. A listing's runs are its graph's runs and its
    // copies' runs, counted through a partial index. Lists (links, categories,
    // image URLs) are JSON arrays as text. Times in Unix milliseconds.
    r#"
    CREATE TABLE store_profiles (
        user_id      TEXT COLLATE "C" PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        username     TEXT COLLATE "C" NOT NULL UNIQUE,
        name         TEXT COLLATE "C" NOT NULL,
        description  TEXT COLLATE "C" NOT NULL,
        links        TEXT COLLATE "C" NOT NULL,
        avatar_url   TEXT COLLATE "C",
        created_at   BIGINT NOT NULL,
        updated_at   BIGINT NOT NULL
    );
    CREATE TABLE store_listings (
        id                 TEXT COLLATE "C" PRIMARY KEY,
        owner_id           TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slug               TEXT COLLATE "C" NOT NULL,
        graph_id           TEXT COLLATE "C" NOT NULL,
        featured           BOOLEAN NOT NULL DEFAULT FALSE,
        latest_version_id  TEXT COLLATE "C" NOT NULL,
        created_at         BIGINT NOT NULL,
        updated_at         BIGINT NOT NULL,
        UNIQUE (owner_id, slug),
        UNIQUE (owner_id, graph_id)
    );
    CREATE TABLE store_listing_versions (
        id             TEXT COLLATE "C" PRIMARY KEY,
        listing_id     TEXT COLLATE "C" NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        version        BIGINT NOT NULL,
        graph_version  BIGINT NOT NULL,
        name           TEXT COLLATE "C" NOT NULL,
        sub_heading    TEXT COLLATE "C" NOT NULL,
        description    TEXT COLLATE "C" NOT NULL,
        categories     TEXT COLLATE "C" NOT NULL,
        image_urls     TEXT COLLATE "C" NOT NULL,
        video_url      TEXT COLLATE "C",
        created_at     BIGINT NOT NULL,
        UNIQUE (listing_id, version)
    );
    CREATE TABLE store_ratings (
        listing_id  TEXT COLLATE "C" NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        score       BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
        comments    TEXT COLLATE "C",
        created_at  BIGINT NOT NULL,
        updated_at  BIGINT NOT NULL,
        PRIMARY KEY (listing_id, user_id)
    );
    CREATE TABLE store_library (
        user_id             TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        listing_id          TEXT COLLATE "C" NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        graph_id            TEXT COLLATE "C" NOT NULL,
        listing_version_id  TEXT COLLATE "C" NOT NULL,
        graph_version       BIGINT NOT NULL,
        created_at          BIGINT NOT NULL,
        PRIMARY KEY (user_id, listing_id)
    );
    CREATE INDEX store_library_by_listing ON store_library(listing_id);
    CREATE INDEX runs_of_graphs ON runs(block_id) WHERE kind = 'graph';
    "#,
    // 4: each graph's number of runs (the SQLite backend's migration 15), so
    // that the store's figures read one row per graph instead of counting its
    // runs on every request. Kept by a trigger on `runs` rather than by an
    // update beside each insert: runs are inserted from several places (the
    // queue, the write queue of runs answered inline, schedule fires, polls),
    // and a trigger counts every one of them, and any added later, in the
    // transaction that inserts it. Runs of one graph stored at once by several
    // processes wait for each other on the graph's row until they commit; a
    // run's insert is a short transaction. The table is locked against writes
    // first, so that no run stored while the counts are backfilled is missed.
    r#"
    LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE;
    CREATE TABLE graph_run_counts (
        graph_id  TEXT COLLATE "C" PRIMARY KEY,
        runs      BIGINT NOT NULL CHECK (runs >= 0)
    );
    INSERT INTO graph_run_counts (graph_id, runs)
        SELECT block_id, count(*) FROM runs WHERE kind = 'graph' GROUP BY block_id;
    CREATE FUNCTION graph_run_counted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            IF OLD.kind = 'graph' THEN
                UPDATE graph_run_counts SET runs = runs - 1 WHERE graph_id = OLD.block_id;
            END IF;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            IF NEW.kind = 'graph' THEN
                INSERT INTO graph_run_counts (graph_id, runs) VALUES (NEW.block_id, 1)
                    ON CONFLICT (graph_id) DO UPDATE SET runs = graph_run_counts.runs + 1;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$;
    -- Three triggers, so that the function runs only for graph runs, not for
    -- the many block and node runs.
    CREATE TRIGGER graph_run_counted AFTER INSERT ON runs
        FOR EACH ROW WHEN (NEW.kind = 'graph') EXECUTE FUNCTION graph_run_counted();
    CREATE TRIGGER graph_run_uncounted AFTER DELETE ON runs
        FOR EACH ROW WHEN (OLD.kind = 'graph') EXECUTE FUNCTION graph_run_counted();
    CREATE TRIGGER graph_run_recounted AFTER UPDATE OF kind, block_id ON runs
        FOR EACH ROW WHEN (OLD.kind = 'graph' OR NEW.kind = 'graph') EXECUTE FUNCTION graph_run_counted();
    DROP INDEX runs_of_graphs;
    "#,
    // 5: each user's queued runs in order (the SQLite backend's migration 14),
    // so that a claim reads each waiting user's first few runs from the index
    // instead of sorting the whole queue: on 10,000 queued runs of 100 users a
    // claim of 64 took 19 ms without it, 7.4 ms with it, 4.8 ms with it and the
    // claim reading it one user at a time.
    r#"
    CREATE INDEX runs_queued_by_user ON runs(user_id, created_at, id) WHERE status = 'queued';
    "#,
    // 6: a trigger subscription may start a graph; the SQLite backend's
    // migration 17. The graph version, its trigger node, and the run's inputs
    // (JSON: graph input values, secret ones sealed, and credentials inputs);
    // all NULL for a block trigger.
    r#"
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_id TEXT COLLATE "C";
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_version BIGINT;
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_node_id TEXT COLLATE "C";
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_inputs TEXT COLLATE "C";
    "#,
];

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum MigrationError {
    #[error("the database was written by a newer server (schema {found}, this one knows {known}); upgrade the server")]
    TooNew { found: i64, known: usize },
    #[error(transparent)]
    Database(#[from] StorageError),
}

impl From<tokio_postgres::Error> for MigrationError {
    fn from(error: tokio_postgres::Error) -> Self {
        MigrationError::Database(error.into())
    }
}

/// Applies the migrations the database lacks, holding the migration lock.
pub(super) async fn migrate(client: &mut Client) -> Result<(), MigrationError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let result = apply(client).await;
    // Released either way; a connection that died released it with itself.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    result?;
    unlocked?;
    Ok(())
}

async fn apply(client: &mut Client) -> Result<(), MigrationError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let row = client.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await?;
    let version: i64 = row.try_get(0)?;
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(MigrationError::TooNew { found: version, known: MIGRATIONS.len() });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[&version, &crate::domain::now_unix()],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "migrations_tests.rs"]
mod tests;
