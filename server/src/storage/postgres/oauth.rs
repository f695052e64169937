//! OAuth clients, the authorization server's hashed tokens, and provider
//! logins under way. Single use holds across processes: a token is consumed
//! under a row lock, a login is taken by one `DELETE ... RETURNING`.

use tokio_postgres::Row;

use super::PostgresStorage;
use super::accounts::scopes_of;
use super::sql::{self, get, hash32};
use crate::domain::{OAuthClient, OAuthToken, ProviderLogin, Scope, TokenKind, now_unix};
use crate::storage::{OAuthStore, StorageError};

fn scopes_text(scopes: &[Scope]) -> String {
    scopes.iter().map(|scope| scope.as_str()).collect::<Vec<_>>().join(",")
}

/// The columns [`client_row`] reads, in its order.
macro_rules! client_columns {
    () => {
        "id, name, secret_hash, redirect_uris, scopes, disabled, created_at"
    };
}

fn client_row(row: &Row) -> Result<OAuthClient, StorageError> {
    let uris: String = get(row, 3)?;
    let secret: Option<Vec<u8>> = get(row, 2)?;
    Ok(OAuthClient {
        id: get(row, 0)?,
        name: get(row, 1)?,
        secret_hash: secret.map(|bytes| hash32(&bytes, "a client secret hash")).transpose()?,
        redirect_uris: uris.lines().map(str::to_owned).collect(),
        scopes: scopes_of(get(row, 4)?)?,
        disabled: get(row, 5)?,
        created_at: get(row, 6)?,
    })
}

/// The columns [`token_row`] reads, in its order.
macro_rules! token_columns {
    () => {
        "hash, kind, client_id, user_id, scopes, family, redirect_uri, code_challenge, expires_at, used_at, revoked_at, \
         resource"
    };
}

fn token_row(row: &Row) -> Result<OAuthToken, StorageError> {
    let kind: String = get(row, 1)?;
    let hash: Vec<u8> = get(row, 0)?;
    Ok(OAuthToken {
        hash: hash32(&hash, "a token hash")?,
        kind: TokenKind::parse(&kind).ok_or_else(|| StorageError::corrupt(format!("unknown token kind `{kind}`")))?,
        client_id: get(row, 2)?,
        user_id: get(row, 3)?,
        scopes: scopes_of(get(row, 4)?)?,
        family: get(row, 5)?,
        redirect_uri: get(row, 6)?,
        code_challenge: get(row, 7)?,
        expires_at: get(row, 8)?,
        used_at: get(row, 9)?,
        revoked_at: get(row, 10)?,
        resource: get(row, 11)?,
    })
}

/// How long expired tokens are kept (a day).
const EXPIRED_KEPT_SECS: i64 = 24 * 3600;

#[async_trait::async_trait]
impl OAuthStore for PostgresStorage {
    async fn create_oauth_client(&self, client: OAuthClient) -> Result<(), StorageError> {
        let db = self.client().await?;
        sql::execute(
            &db,
            "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, scopes, disabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &client.id,
                &client.name,
                &client.secret_hash.as_ref().map(|hash| &hash[..]),
                &client.redirect_uris.join("\n"),
                &scopes_text(&client.scopes),
                &client.disabled,
                &client.created_at,
            ],
        )
        .await
        .map(drop)
    }

    async fn oauth_client(&self, id: &str) -> Result<Option<OAuthClient>, StorageError> {
        let db = self.client().await?;
        let row =
            sql::query_opt(&db, concat!("SELECT ", client_columns!(), " FROM oauth_clients WHERE id = $1"), &[&id])
                .await?;
        row.as_ref().map(client_row).transpose()
    }

    async fn oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError> {
        let db = self.client().await?;
        let rows =
            sql::query(&db, concat!("SELECT ", client_columns!(), " FROM oauth_clients ORDER BY created_at, ord"), &[])
                .await?;
        rows.iter().map(client_row).collect()
    }

    async fn disable_oauth_client(&self, id: &str) -> Result<bool, StorageError> {
        let db = self.client().await?;
        Ok(sql::execute(&db, "UPDATE oauth_clients SET disabled = TRUE WHERE id = $1", &[&id]).await? == 1)
    }

    async fn put_oauth_token(&self, token: OAuthToken) -> Result<(), StorageError> {
        let db = self.client().await?;
        sql::execute(
            &db,
            "INSERT INTO oauth_tokens (hash, kind, client_id, user_id, scopes, family, redirect_uri, code_challenge,
                                       expires_at, used_at, revoked_at, created_at, resource)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &&token.hash[..],
                &token.kind.as_str(),
                &token.client_id,
                &token.user_id,
                &scopes_text(&token.scopes),
                &token.family,
                &token.redirect_uri,
                &token.code_challenge,
                &token.expires_at,
                &token.used_at,
                &token.revoked_at,
                &now_unix(),
                &token.resource,
            ],
        )
        .await?;
        // Kept a day after they expire, so that a replay is refused as expired
        // rather than unknown; then they go, or they would pile up.
        sql::execute(&db, "DELETE FROM oauth_tokens WHERE expires_at <= $1", &[&(now_unix() - EXPIRED_KEPT_SECS)])
            .await
            .map(drop)
    }

    async fn oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        let db = self.client().await?;
        let row = sql::query_opt(
            &db,
            concat!("SELECT ", token_columns!(), " FROM oauth_tokens WHERE hash = $1"),
            &[&&hash[..]],
        )
        .await?;
        row.as_ref().map(token_row).transpose()
    }

    async fn consume_oauth_token(&self, hash: &[u8; 32]) -> Result<Option<OAuthToken>, StorageError> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        // The row lock makes a concurrent use wait, then read the token used.
        let row = sql::query_opt(
            &tx,
            concat!("SELECT ", token_columns!(), " FROM oauth_tokens WHERE hash = $1 FOR UPDATE"),
            &[&&hash[..]],
        )
        .await?;
        let found = row.as_ref().map(token_row).transpose()?;
        if found.as_ref().is_some_and(|token| token.used_at.is_none()) {
            sql::execute(&tx, "UPDATE oauth_tokens SET used_at = $2 WHERE hash = $1", &[&&hash[..], &now_unix()])
                .await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    async fn revoke_oauth_token(&self, hash: &[u8; 32]) -> Result<(), StorageError> {
        let db = self.client().await?;
        sql::execute(
            &db,
            "UPDATE oauth_tokens SET revoked_at = $2 WHERE hash = $1 AND revoked_at IS NULL",
            &[&&hash[..], &now_unix()],
        )
        .await
        .map(drop)
    }

    async fn revoke_oauth_family(&self, family: &str) -> Result<usize, StorageError> {
        let db = self.client().await?;
        let changed = sql::execute(
            &db,
            "UPDATE oauth_tokens SET revoked_at = $2 WHERE family = $1 AND revoked_at IS NULL",
            &[&family, &now_unix()],
        )
        .await?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    async fn put_provider_login(&self, login: ProviderLogin) -> Result<(), StorageError> {
        let scopes = sql::json_text(&login.scopes);
        let db = self.client().await?;
        sql::execute(
            &db,
            "INSERT INTO provider_logins (state_hash, user_id, provider, callback_url, scopes, sealed, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &&login.state_hash[..],
                &login.user_id,
                &login.provider,
                &login.callback_url,
                &scopes,
                &login.sealed,
                &login.expires_at,
            ],
        )
        .await?;
        // Abandoned logins would otherwise pile up.
        sql::execute(&db, "DELETE FROM provider_logins WHERE expires_at < $1", &[&now_unix()]).await.map(drop)
    }

    async fn take_provider_login(
        &self,
        state_hash: &[u8; 32],
        user_id: &str,
    ) -> Result<Option<ProviderLogin>, StorageError> {
        let db = self.client().await?;
        let row = sql::query_opt(
            &db,
            "DELETE FROM provider_logins WHERE state_hash = $1 AND user_id = $2
             RETURNING state_hash, user_id, provider, callback_url, scopes, sealed, expires_at",
            &[&&state_hash[..], &user_id],
        )
        .await?;
        row.map(|row| {
            let hash: Vec<u8> = get(&row, 0)?;
            let scopes: String = get(&row, 4)?;
            Ok(ProviderLogin {
                state_hash: hash32(&hash, "a login state hash")?,
                user_id: get(&row, 1)?,
                provider: get(&row, 2)?,
                callback_url: get(&row, 3)?,
                scopes: sql::from_json(&scopes, "a login's scopes")?,
                sealed: get(&row, 5)?,
                expires_at: get(&row, 6)?,
            })
        })
        .transpose()
    }
}
