//! The schema, as an ordered list of migrations. `PRAGMA user_version` counts the
//! ones applied; each runs in its own transaction. Never edit a released migration:
//! append a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: everything the first server version keeps.
    "
    CREATE TABLE settings (
        name   TEXT PRIMARY KEY,
        value  BLOB NOT NULL
    );
    CREATE TABLE users (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        email       TEXT NOT NULL,
        timezone    TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE api_keys (
        id            TEXT PRIMARY KEY,
        user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        hash          BLOB NOT NULL UNIQUE,
        hint          TEXT NOT NULL,
        scopes        TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'suspended')),
        created_at    INTEGER NOT NULL,
        last_used_at  INTEGER
    );
    CREATE INDEX api_keys_by_user ON api_keys(user_id);
    CREATE TABLE credentials (
        user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        provider    TEXT NOT NULL,
        type        TEXT NOT NULL,
        title       TEXT,
        sealed      BLOB NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (user_id, id)
    );
    CREATE TABLE credit_balances (
        user_id  TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        balance  INTEGER NOT NULL CHECK (balance >= 0)
    );
    CREATE TABLE credit_ledger (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        amount         INTEGER NOT NULL,
        balance_after  INTEGER NOT NULL,
        reason         TEXT NOT NULL,
        execution_id   TEXT,
        created_at     INTEGER NOT NULL
    );
    CREATE INDEX credit_ledger_by_user ON credit_ledger(user_id, id);
    CREATE TABLE webhooks (
        id              TEXT PRIMARY KEY,
        provider        TEXT NOT NULL,
        owner           TEXT NOT NULL,
        kind            TEXT NOT NULL CHECK (kind IN ('manual', 'auto')),
        resource        TEXT NOT NULL,
        events          TEXT NOT NULL,
        credentials_id  TEXT,
        remote_id       TEXT,
        sealed_secret   BLOB NOT NULL,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX webhooks_by_owner ON webhooks(owner);
    CREATE INDEX webhooks_by_resource ON webhooks(provider, resource);
    CREATE TABLE webhook_subscriptions (
        id          TEXT PRIMARY KEY,
        webhook_id  TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        owner       TEXT NOT NULL,
        block_id    TEXT NOT NULL,
        events      TEXT NOT NULL,
        input       TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE INDEX webhook_subscriptions_by_webhook ON webhook_subscriptions(webhook_id);
    CREATE INDEX webhook_subscriptions_by_owner ON webhook_subscriptions(owner);
    CREATE TABLE executions (
        id           TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL,
        block_id     TEXT NOT NULL,
        source       TEXT NOT NULL,
        status       TEXT NOT NULL,
        charged      INTEGER NOT NULL,
        pins         TEXT,
        error        TEXT,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER
    );
    CREATE INDEX executions_by_user ON executions(user_id, started_at);
    ",
    // 2: the OAuth 2 authorization server. Secrets and tokens are kept as SHA-256
    // hashes only. One table holds every short-lived secret (codes, access and
    // refresh tokens, login links, sign-in sessions): `family` ties the tokens
    // issued from one authorization code, so that a replay can revoke them all.
    "
    CREATE TABLE oauth_clients (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        secret_hash    BLOB,
        redirect_uris  TEXT NOT NULL,
        scopes         TEXT NOT NULL,
        disabled       INTEGER NOT NULL DEFAULT 0,
        created_at     INTEGER NOT NULL
    );
    CREATE TABLE oauth_tokens (
        hash            BLOB PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('code', 'access', 'refresh', 'login', 'session')),
        client_id       TEXT REFERENCES oauth_clients(id) ON DELETE CASCADE,
        user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        scopes          TEXT NOT NULL,
        family          TEXT NOT NULL,
        redirect_uri    TEXT,
        code_challenge  TEXT,
        expires_at      INTEGER NOT NULL,
        used_at         INTEGER,
        revoked_at      INTEGER,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX oauth_tokens_by_family ON oauth_tokens(family);
    ",
    // 3: pending provider logins (connecting a user's account at a provider). The
    // state token is kept as its hash; the PKCE verifier and the caller's metadata
    // are sealed.
    "
    CREATE TABLE provider_logins (
        state_hash    BLOB PRIMARY KEY,
        user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        provider      TEXT NOT NULL,
        callback_url  TEXT NOT NULL,
        scopes        TEXT NOT NULL,
        sealed        BLOB NOT NULL,
        expires_at    INTEGER NOT NULL
    );
    ",
    // 4: finding, at start, the runs a crash interrupted and what each was charged.
    "
    CREATE INDEX executions_running ON executions(status) WHERE status = 'running';
    CREATE INDEX credit_ledger_by_execution ON credit_ledger(execution_id) WHERE execution_id IS NOT NULL;
    ",
    // 5: execution records kept in their primary key's order (WITHOUT ROWID): a
    // record written is one tree insert, not a row plus an index entry. Their ids
    // (UUID v7) grow with time, so new rows go to the end.
    "
    CREATE TABLE executions_by_id (
        id           TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL,
        block_id     TEXT NOT NULL,
        source       TEXT NOT NULL,
        status       TEXT NOT NULL,
        charged      INTEGER NOT NULL,
        pins         TEXT,
        error        TEXT,
        started_at   INTEGER NOT NULL,
        finished_at  INTEGER
    ) WITHOUT ROWID;
    INSERT INTO executions_by_id
        SELECT id, user_id, block_id, source, status, charged, pins, error, started_at, finished_at FROM executions;
    DROP TABLE executions;
    ALTER TABLE executions_by_id RENAME TO executions;
    CREATE INDEX executions_by_user ON executions(user_id, started_at);
    CREATE INDEX executions_running ON executions(status) WHERE status = 'running';
    ",
    // 6: expired OAuth tokens are deleted whenever one is issued.
    "
    CREATE INDEX oauth_tokens_by_expiry ON oauth_tokens(expires_at);
    ",
    // 7: runs replace execution records: input and outputs kept (capped), a
    // status from queued to how it ended, a lease for the worker holding it, and
    // the events a client follows. Times in Unix milliseconds. Old records become
    // runs; one still running is recovered (interrupted, refunded) at the next
    // start, as before.
    "
    CREATE TABLE runs (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        user_id         TEXT NOT NULL,
        block_id        TEXT NOT NULL,
        parent_id       TEXT,
        source          TEXT NOT NULL,
        source_ref      TEXT,
        status          TEXT NOT NULL,
        input           TEXT NOT NULL,
        outputs         TEXT NOT NULL,
        truncated       TEXT NOT NULL,
        error           TEXT,
        charged         INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        started_at      INTEGER,
        finished_at     INTEGER,
        callback_url    TEXT,
        block_started   INTEGER NOT NULL DEFAULT 0,
        lease_owner     TEXT,
        lease_until     INTEGER,
        stop_requested  INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX runs_by_user ON runs(user_id, id);
    CREATE INDEX runs_queued ON runs(created_at) WHERE status = 'queued';
    CREATE INDEX runs_running ON runs(user_id) WHERE status = 'running';
    CREATE INDEX runs_by_parent ON runs(parent_id) WHERE parent_id IS NOT NULL;
    CREATE TABLE run_events (
        run_id  TEXT NOT NULL,
        seq     INTEGER NOT NULL,
        name    TEXT NOT NULL,
        data    TEXT NOT NULL,
        at      INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    INSERT INTO runs (id, kind, user_id, block_id, source, status, input, outputs, truncated, error, charged,
                      created_at, started_at, finished_at, block_started)
        SELECT id, CASE source WHEN 'webhook' THEN 'trigger' ELSE 'block' END, user_id, block_id, source,
               CASE status WHEN 'cancelled' THEN 'stopped' ELSE status END, '{}', '{}', '[]', error, charged,
               started_at * 1000, started_at * 1000, finished_at * 1000, 1
        FROM executions;
    DROP TABLE executions;
    ",
    // 8: what the run engine keeps beside runs: idempotency keys of requests that
    // start work (24 h), each user's sealed callback secret, the completion
    // callbacks of runs and their attempts, and the webhook deliveries already
    // taken (so a redelivery runs nothing).
    "
    CREATE TABLE idempotency_keys (
        user_id       TEXT NOT NULL,
        key           TEXT NOT NULL,
        request_hash  BLOB NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('in_progress', 'done')),
        status        INTEGER,
        content_type  TEXT,
        body          BLOB,
        run_id        TEXT,
        created_at    INTEGER NOT NULL,
        PRIMARY KEY (user_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);
    CREATE TABLE callback_secrets (
        user_id     TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        sealed      BLOB NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE run_callbacks (
        run_id           TEXT PRIMARY KEY,
        user_id          TEXT NOT NULL,
        url              TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        next_attempt_at  INTEGER,
        delivered_at     INTEGER,
        gave_up_at       INTEGER,
        attempts         TEXT NOT NULL DEFAULT '[]'
    ) WITHOUT ROWID;
    CREATE INDEX run_callbacks_due ON run_callbacks(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
    CREATE TABLE webhook_deliveries (
        webhook_id   TEXT NOT NULL,
        delivery_id  TEXT NOT NULL,
        event        TEXT NOT NULL,
        runs         INTEGER NOT NULL,
        received_at  INTEGER NOT NULL,
        PRIMARY KEY (webhook_id, delivery_id)
    ) WITHOUT ROWID;
    CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries(received_at);
    ",
    // 9: schedules: a target run with a stored input whenever a cron pattern
    // matches the wall clock of a time zone. Times in Unix milliseconds; the
    // next fire time is what schedulers claim (compare-and-set), and NULL once
    // the pattern has none left.
    "
    CREATE TABLE schedules (
        id             TEXT PRIMARY KEY,
        user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name           TEXT NOT NULL,
        target_kind    TEXT NOT NULL,
        target_id      TEXT NOT NULL,
        input          TEXT NOT NULL,
        cron           TEXT NOT NULL,
        timezone       TEXT NOT NULL,
        missed         TEXT NOT NULL CHECK (missed IN ('skip', 'run_once')),
        next_fire_at   INTEGER,
        created_at     INTEGER NOT NULL,
        last_fired_at  INTEGER,
        last_run_id    TEXT,
        last_error     TEXT
    ) WITHOUT ROWID;
    CREATE INDEX schedules_by_user ON schedules(user_id, created_at);
    CREATE INDEX schedules_due ON schedules(next_fire_at) WHERE next_fire_at IS NOT NULL;
    ",
    // 10: polling trigger subscriptions: a trigger block polled every
    // `every_secs` with a stored input (secret fields sealed), its dedupe
    // cursor kept with the runs each poll queues. The next poll time is what
    // pollers claim (compare-and-set); a poll in progress holds it at the end
    // of its lease.
    "
    CREATE TABLE poll_subscriptions (
        id              TEXT PRIMARY KEY,
        user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        block_id        TEXT NOT NULL,
        input           TEXT NOT NULL,
        every_secs      INTEGER NOT NULL CHECK (every_secs > 0),
        cursor          TEXT,
        next_poll_at    INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        last_polled_at  INTEGER,
        last_error      TEXT,
        runs_queued     INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX poll_subscriptions_by_user ON poll_subscriptions(user_id, created_at);
    CREATE INDEX poll_subscriptions_due ON poll_subscriptions(next_poll_at);
    ",
    // 11: the resource (RFC 8707) an OAuth grant is bound to.
    "
    ALTER TABLE oauth_tokens ADD COLUMN resource TEXT;
    ",
    // 12: graphs (agents) of each user, every version kept (its nodes and links
    // as the graph's JSON), one of them active. Times in Unix milliseconds.
    // Schedules may run a graph: the version a graph schedule names.
    "
    ALTER TABLE schedules ADD COLUMN target_version INTEGER;
    CREATE TABLE graphs (
        id              TEXT PRIMARY KEY,
        user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        active_version  INTEGER NOT NULL,
        latest_version  INTEGER NOT NULL,
        created_at      INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX graphs_by_user ON graphs(user_id, created_at);
    CREATE TABLE graph_versions (
        graph_id     TEXT NOT NULL REFERENCES graphs(id) ON DELETE CASCADE,
        version      INTEGER NOT NULL CHECK (version >= 1),
        name         TEXT NOT NULL,
        description  TEXT NOT NULL,
        body         TEXT NOT NULL,
        saved_at     INTEGER NOT NULL,
        PRIMARY KEY (graph_id, version)
    ) WITHOUT ROWID;
    ",
    // 13: the store. Each user's profile with its unique username; listings
    // (a user's graph under a slug, one listing per graph) pointing at their
    // latest version, every version kept; one rating per user and listing;
    // the library: each user's own copy of a store agent they set up (a
    // schedule runs the copy). A listing's runs are its graph's runs and its
    // copies' runs, counted through a partial index.
    "
    CREATE TABLE store_profiles (
        user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        username     TEXT NOT NULL UNIQUE,
        name         TEXT NOT NULL,
        description  TEXT NOT NULL,
        links        TEXT NOT NULL,
        avatar_url   TEXT,
        created_at   INTEGER NOT NULL,
        updated_at   INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE store_listings (
        id                 TEXT PRIMARY KEY,
        owner_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        slug               TEXT NOT NULL,
        graph_id           TEXT NOT NULL,
        featured           INTEGER NOT NULL DEFAULT 0,
        latest_version_id  TEXT NOT NULL,
        created_at         INTEGER NOT NULL,
        updated_at         INTEGER NOT NULL,
        UNIQUE (owner_id, slug),
        UNIQUE (owner_id, graph_id)
    );
    CREATE TABLE store_listing_versions (
        id             TEXT PRIMARY KEY,
        listing_id     TEXT NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        version        INTEGER NOT NULL,
        graph_version  INTEGER NOT NULL,
        name           TEXT NOT NULL,
        sub_heading    TEXT NOT NULL,
        description    TEXT NOT NULL,
        categories     TEXT NOT NULL,
        image_urls     TEXT NOT NULL,
        video_url      TEXT,
        created_at     INTEGER NOT NULL,
        UNIQUE (listing_id, version)
    );
    CREATE TABLE store_ratings (
        listing_id  TEXT NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
        comments    TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (listing_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE store_library (
        user_id             TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        listing_id          TEXT NOT NULL REFERENCES store_listings(id) ON DELETE CASCADE,
        graph_id            TEXT NOT NULL,
        listing_version_id  TEXT NOT NULL,
        graph_version       INTEGER NOT NULL,
        created_at          INTEGER NOT NULL,
        PRIMARY KEY (user_id, listing_id)
    ) WITHOUT ROWID;
    CREATE INDEX store_library_by_listing ON store_library(listing_id);
    CREATE INDEX runs_of_graphs ON runs(block_id) WHERE kind = 'graph';
    ",
    // 14: each user's queued runs in order, so that a claim reads only the runs
    // it takes (and one entry per waiting user), however long the queue.
    "
    CREATE INDEX runs_queued_by_user ON runs(user_id, created_at, id) WHERE status = 'queued';
    ",
    // 15: each graph's number of runs, so that the store's figures read one row
    // per graph instead of counting its runs on every request. Kept by triggers
    // on `runs` rather than by an update beside each insert: runs are inserted
    // from several places (the queue, runs answered inline through the write
    // queue, schedule fires, polls), and a trigger counts every one of them,
    // and any added later, in the transaction that inserts it. Backfilled from
    // the runs already kept; the index the old count used goes.
    "
    CREATE TABLE graph_run_counts (
        graph_id  TEXT PRIMARY KEY,
        runs      INTEGER NOT NULL CHECK (runs >= 0)
    ) WITHOUT ROWID;
    INSERT INTO graph_run_counts (graph_id, runs)
        SELECT block_id, count(*) FROM runs WHERE kind = 'graph' GROUP BY block_id;
    CREATE TRIGGER graph_run_counted AFTER INSERT ON runs WHEN NEW.kind = 'graph'
    BEGIN
        INSERT INTO graph_run_counts (graph_id, runs) VALUES (NEW.block_id, 1)
            ON CONFLICT (graph_id) DO UPDATE SET runs = runs + 1;
    END;
    CREATE TRIGGER graph_run_uncounted AFTER DELETE ON runs WHEN OLD.kind = 'graph'
    BEGIN
        UPDATE graph_run_counts SET runs = runs - 1 WHERE graph_id = OLD.block_id;
    END;
    CREATE TRIGGER graph_run_recounted AFTER UPDATE OF kind, block_id ON runs
        WHEN OLD.kind = 'graph' OR NEW.kind = 'graph'
    BEGIN
        UPDATE graph_run_counts SET runs = runs - 1 WHERE OLD.kind = 'graph' AND graph_id = OLD.block_id;
        INSERT INTO graph_run_counts (graph_id, runs) SELECT NEW.block_id, 1 WHERE NEW.kind = 'graph'
            ON CONFLICT (graph_id) DO UPDATE SET runs = runs + 1;
    END;
    DROP INDEX runs_of_graphs;
    ",
    // 16: the events of a run that started and ended within one commit of the
    // record writer (most runs answered inline), kept on its row as one JSON array
    // instead of a row each in run_events: nobody could read them in between.
    "
    ALTER TABLE runs ADD COLUMN events TEXT;
    ",
    // 17: a trigger subscription may start a graph: the graph version, its
    // trigger node, and the run's inputs (JSON: graph input values, secret ones
    // sealed, and credentials inputs); all NULL for a block trigger.
    "
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_id TEXT;
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_version INTEGER;
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_node_id TEXT;
    ALTER TABLE webhook_subscriptions ADD COLUMN graph_inputs TEXT;
    ",
    // 18: graph run counts kept by the one function that inserts runs
    // (`run_rows::insert_rows`) instead of by triggers. A trigger on `runs` made
    // every insert a statement with a sub-program and a statement journal (each
    // page it touched copied first), for every run of every kind, while only
    // graph runs count; runs are never deleted or moved to another graph.
    "
    DROP TRIGGER graph_run_counted;
    DROP TRIGGER graph_run_uncounted;
    DROP TRIGGER graph_run_recounted;
    ",
];

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum MigrationError {
    #[error("the database was written by a newer server (schema {found}, this one knows {known}); upgrade the server")]
    TooNew { found: i64, known: usize },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Applies the migrations the database lacks.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > MIGRATIONS.len() {
        return Err(MigrationError::TooNew { found: version, known: MIGRATIONS.len() });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "migrations_tests.rs"]
mod tests;
