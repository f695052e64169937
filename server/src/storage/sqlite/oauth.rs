//! OAuth clients and the authorization server's hashed tokens.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Cached, SqliteStorage, corrupt};
use crate::domain::{OAuthClient, OAuthToken, ProviderLogin, Scope, TokenKind, now_unix};
use crate::storage::{OAuthStore, StorageError};

fn scopes_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(",")
}

fn scopes_of(column: usize, text: &str) -> rusqlite::Result<Vec<Scope>> {
    text.split(',')
        .filter(|scope| !scope.is_empty())
        .map(|scope| Scope::parse(scope).ok_or_else(|| corrupt(column, format!("unknown scope `{scope}`"))))
        .collect()
}

fn hash_of(column: usize, bytes: Option<Vec<u8>>) -> rusqlite::Result<Option<[u8; 32]>> {
    bytes
        .map(|bytes| {
            <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| corrupt(column, "a hash of the wrong length".into()))
        })
        .transpose()
}

/// The columns [`client_row`] reads, in its order.
macro_rules! client_columns {
    () => {
        "id, name, secret_hash, redirect_uris, scopes, disabled, created_at"
    };
}

fn client_row(row: &Row<'_>) -> rusqlite::Result<OAuthClient> {
    let uris: String = row.get(3)?;
    let scopes: String = row.get(4)?;
    Ok(OAuthClient {
        id: row.get(0)?,
        name: row.get(1)?,
        secret_hash: hash_of(2, row.get(2)?)?,
        redirect_uris: uris.lines().map(str::to_owned).collect(),
        scopes: scopes_of(4, &scopes)?,
        disabled: row.get(5)?,
        created_at: row.get(6)?,
    })
}

fn create_client(conn: &Connection, client: &OAuthClient) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, scopes, disabled, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            client.id,
            client.name,
            client.secret_hash.as_ref().map(|hash| &hash[..]),
            client.redirect_uris.join("\n"),
            scopes_text(&client.scopes),
            client.disabled,
            client.created_at,
        ],
    )?;
    Ok(())
}

fn client(conn: &Connection, id: &str) -> rusqlite::Result<Option<OAuthClient>> {
    conn.query_row_cached(concat!("SELECT ", client_columns!(), " FROM oauth_clients WHERE id = ?1"), [id], client_row)
        .optional()
}

fn clients(conn: &Connection) -> rusqlite::Result<Vec<OAuthClient>> {
    let mut statement =
        conn.prepare_cached(concat!("SELECT ", client_columns!(), " FROM oauth_clients ORDER BY created_at, rowid"))?;
    statement.query_map([], client_row)?.collect()
}

fn disable_client(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute_cached("UPDATE oauth_clients SET disabled = 1 WHERE id = ?1", [id])? == 1)
}

/// The columns [`token_row`] reads, in its order.
macro_rules! token_columns {
    () => {
        "hash, kind, client_id, user_id, scopes, family, redirect_uri, code_challenge, expires_at, used_at, revoked_at, \
         resource"
    };
}

fn token_row(row: &Row<'_>) -> rusqlite::Result<OAuthToken> {
    let kind: String = row.get(1)?;
    let scopes: String = row.get(4)?;
    Ok(OAuthToken {
        hash: hash_of(0, row.get(0)?)?.ok_or_else(|| corrupt(0, "a token without a hash".into()))?,
        kind: TokenKind::parse(&kind).ok_or_else(|| corrupt(1, format!("unknown token kind `{kind}`")))?,
        client_id: row.get(2)?,
        user_id: row.get(3)?,
        scopes: scopes_of(4, &scopes)?,
        family: row.get(5)?,
        redirect_uri: row.get(6)?,
        code_challenge: row.get(7)?,
        expires_at: row.get(8)?,
        used_at: row.get(9)?,
        revoked_at: row.get(10)?,
        resource: row.get(11)?,
    })
}

/// How long expired tokens are kept (a day).
const EXPIRED_KEPT_SECS: i64 = 24 * 3600;

fn put_token(conn: &Connection, token: &OAuthToken) -> rusqlite::Result<()> {
    conn.execute_cached(
        "INSERT INTO oauth_tokens (hash, kind, client_id, user_id, scopes, family, redirect_uri, code_challenge,
                                   expires_at, used_at, revoked_at, created_at, resource)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            &token.hash[..],
            token.kind.as_str(),
            token.client_id,
            token.user_id,
            scopes_text(&token.scopes),
            token.family,
            token.redirect_uri,
            token.code_challenge,
            token.expires_at,
            token.used_at,
            token.revoked_at,
            now_unix(),
            token.resource,
        ],
    )?;
    // Expired codes, tokens, links and sessions are refused whether kept or not
    // (a replayed one included); kept for a day, they are refused as expired
    // rather than unknown, which tells their holder more. Then they go, or they
    // would pile up.
    conn.execute_cached("DELETE FROM oauth_tokens WHERE expires_at <= ?1", [now_unix() - EXPIRED_KEPT_SECS])?;
    Ok(())
}

fn token(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<OAuthToken>> {
    conn.query_row_cached(
        concat!("SELECT ", token_columns!(), " FROM oauth_tokens WHERE hash = ?1"),
        [&hash[..]],
        token_row,
    )
    .optional()
}

/// Marks a single-use token used, in one transaction with reading it, so that two
/// concurrent uses cannot both see it fresh. Returns the token as it was before.
fn consume_token(conn: &mut Connection, hash: &[u8; 32]) -> rusqlite::Result<Option<OAuthToken>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = tx
        .query_row_cached(
            concat!("SELECT ", token_columns!(), " FROM oauth_tokens WHERE hash = ?1"),
            [&hash[..]],
            token_row,
        )
        .optional()?;
    if found.as_ref().is_some_and(|token| token.used_at.is_none()) {
        tx.execute_cached("UPDATE oauth_tokens SET used_at = ?2 WHERE hash = ?1", params![&hash[..], now_unix()])?;
    }
    tx.commit()?;
    Ok(found)
}

fn revoke_token(conn: &Connection, hash: &[u8; 32]) -> rusqlite::Result<()> {
    conn.execute_cached(
        "UPDATE oauth_tokens SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
        params![&hash[..], now_unix()],
    )?;
    Ok(())
}

fn revoke_family(conn: &Connection, family: &str) -> rusqlite::Result<usize> {
    conn.execute_cached(
        "UPDATE oauth_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL",
        params![family, now_unix()],
    )
}

fn put_provider_login(conn: &Connection, login: &ProviderLogin) -> rusqlite::Result<()> {
    let scopes = serde_json::to_string(&login.scopes).map_err(|e| corrupt(4, e.to_string()))?;
    conn.execute_cached(
        "INSERT INTO provider_logins (state_hash, user_id, provider, callback_url, scopes, sealed, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            &login.state_hash[..],
            login.user_id,
            login.provider,
            login.callback_url,
            scopes,
            login.sealed,
            login.expires_at
        ],
    )?;
    // Abandoned logins would otherwise pile up.
    conn.execute_cached("DELETE FROM provider_logins WHERE expires_at < ?1", [now_unix()])?;
    Ok(())
}

/// Reads and deletes a pending login in one statement: a state token works once.
fn take_provider_login(conn: &Connection, hash: &[u8; 32], user_id: &str) -> rusqlite::Result<Option<ProviderLogin>> {
    conn.query_row_cached(
        "DELETE FROM provider_logins WHERE state_hash = ?1 AND user_id = ?2
         RETURNING state_hash, user_id, provider, callback_url, scopes, sealed, expires_at",
        params![&hash[..], user_id],
        |row| {
            let scopes: String = row.get(4)?;
            Ok(ProviderLogin {
                state_hash: hash_of(0, row.get(0)?)?.ok_or_else(|| corrupt(0, "no state hash".into()))?,
                user_id: row.get(1)?,
                provider: row.get(2)?,
                callback_url: row.get(3)?,
                scopes: serde_json::from_str(&scopes).map_err(|e| corrupt(4, e.to_string()))?,
                sealed: row.get(5)?,
                expires_at: row.get(6)?,
            })
        },
    )
    .optional()
}

#[async_trait::async_trait]
impl OAuthStore for SqliteStorage {
    async fn create_oauth_client(&self, client: OAuthClient) -> Result<(), StorageError> {
        self.write(move |conn| create_client(conn, &client)).await
    }

    async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StorageError> {
        let id = id.to_owned();
        self.read(move |conn| client(conn, &id)).await
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError> {
        self.read(|conn| clients(conn)).await
    }

    async fn disable_oauth_client(&self, id: &str) -> Result<bool, StorageError> {
        let id = id.to_owned();
        self.write(move |conn| disable_client(conn, &id)).await
    }

    async fn put_oauth_token(&self, token: OAuthToken) -> Result<(), StorageError> {
        self.write(move |conn| put_token(conn, &token)).await
    }

    async fn oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        let hash = *hash;
        self.read(move |conn| token(conn, &hash)).await
    }

    async fn consume_oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        let hash = *hash;
        self.write(move |conn| consume_token(conn, &hash)).await
    }

    async fn revoke_oauth_token(&self, hash: &[u8; 32]) -> Result<(), StorageError> {
        let hash = *hash;
        self.write(move |conn| revoke_token(conn, &hash)).await
    }

    async fn revoke_oauth_family(&self, family: &str) -> Result<usize, StorageError> {
        let family = family.to_owned();
        self.write(move |conn| revoke_family(conn, &family)).await
    }

    async fn put_provider_login(&self, login: ProviderLogin) -> Result<(), StorageError> {
        self.write(move |conn| put_provider_login(conn, &login)).await
    }

    async fn take_provider_login(
        &self,
        state_hash: &[u8; 32],
        user_id: &str,
    ) -> Result<Option<ProviderLogin>, StorageError> {
        let (hash, user_id) = (*state_hash, user_id.to_owned());
        self.write(move |conn| take_provider_login(conn, &hash, &user_id)).await
    }
}
