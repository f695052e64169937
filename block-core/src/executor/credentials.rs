//! Resolving the credentials an input names, before the block runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::credentials::{CredentialStore, CredentialsMeta, StoreError, StoredCredentials};
use crate::http::HttpClient;
use crate::oauth::{OAuthHandlers, RefreshFailure, Refresher, needs_refresh};
use crate::provider::env::platform_id;
use crate::registry::{CredentialField, InputProblem, RegisteredBlock};

/// Credentials a prepared run uses, without their secrets: what a server records
/// with the run and filters costs on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsedCredentials {
    /// The input field naming them.
    pub field: String,
    /// Id, provider, kind and title.
    pub meta: CredentialsMeta,
    /// Whether they are the platform's default credentials (which platform-only
    /// costs are charged for).
    pub platform: bool,
}

/// The credentials of one execution: the secrets by id, for deserializing the
/// input, and what the caller may see of them.
#[derive(Default)]
pub(crate) struct Resolved {
    pub(crate) by_id: HashMap<String, StoredCredentials>,
    pub(crate) used: Vec<UsedCredentials>,
}

/// Why the credentials of an input could not be resolved.
#[derive(Debug)]
pub(crate) enum ResolveFailure {
    /// The caller's credentials cannot be used; each problem at its field.
    Problems(Vec<InputProblem>),
    /// The store or a provider failed; nothing is known to be wrong with them.
    Unavailable { reason: String, retry_after: Option<Duration> },
}

/// Why one field's credentials could not be resolved.
enum FieldFailure {
    Problem(String),
    Unavailable { reason: String, retry_after: Option<Duration> },
}

impl From<String> for FieldFailure {
    fn from(message: String) -> Self {
        FieldFailure::Problem(message)
    }
}

impl From<&str> for FieldFailure {
    fn from(message: &str) -> Self {
        FieldFailure::Problem(message.to_owned())
    }
}

/// What refreshing OAuth tokens before a run needs.
pub(crate) struct Refreshing<'a> {
    pub(crate) refresher: &'a Refresher,
    pub(crate) handlers: &'a OAuthHandlers,
    pub(crate) http: &'a (dyn Fn() -> HttpClient + Sync),
}

/// Looks up every credentials field of `input` for `user`, refreshing OAuth tokens
/// that are about to expire. Each problem is reported at its field's JSON pointer
/// and never contains a secret; a failing store or provider stops the lookup as
/// [`ResolveFailure::Unavailable`], since the other fields could not be trusted
/// to fare better.
pub(crate) async fn resolve(
    block: &RegisteredBlock,
    input: &Value,
    user: Option<&str>,
    store: &Arc<dyn CredentialStore>,
    refreshing: Refreshing<'_>,
) -> Result<Resolved, ResolveFailure> {
    let mut resolved = Resolved::default();
    let mut problems = Vec::new();
    for field in block.credential_fields() {
        let value = &input[field.name.as_str()];
        if value.is_null() {
            continue;
        }
        match resolve_field(field, value, user, store, &refreshing).await {
            Ok(stored) => {
                let meta = stored.meta().clone();
                let platform = meta.id == platform_id(&field.provider, stored.kind());
                resolved.used.push(UsedCredentials { field: field.name.clone(), meta, platform });
                resolved.by_id.insert(stored.meta().id.clone(), stored);
            }
            Err(FieldFailure::Problem(message)) => {
                problems.push(InputProblem::new(format!("/{}", field.name), message))
            }
            Err(FieldFailure::Unavailable { reason, retry_after }) => {
                return Err(ResolveFailure::Unavailable { reason, retry_after });
            }
        }
    }
    if problems.is_empty() { Ok(resolved) } else { Err(ResolveFailure::Problems(problems)) }
}

async fn resolve_field(
    field: &CredentialField,
    value: &Value,
    user: Option<&str>,
    store: &Arc<dyn CredentialStore>,
    refreshing: &Refreshing<'_>,
) -> Result<StoredCredentials, FieldFailure> {
    let meta = CredentialsMeta::deserialize(value)
        .map_err(|error| format!("not a credentials meta object {{id, provider, type, title}}: {error}"))?;
    if meta.provider != field.provider {
        return Err(format!("this field takes `{}` credentials, not `{}`", field.provider, meta.provider).into());
    }
    let user = user.ok_or("credentials belong to a user, and this execution names none")?;
    let unknown = || format!("no credentials with id `{}` for this user", meta.id);
    let stored = match store.get(user, &meta.id).await {
        Ok(Some(stored)) => stored,
        // A store may say "not found" as an error instead of `None`; either way the
        // id is unknown to this user.
        Ok(None) | Err(StoreError::NotFound(_)) => return Err(unknown().into()),
        Err(error) => return Err(FieldFailure::Unavailable { reason: error.to_string(), retry_after: None }),
    };
    let kind = stored.kind();
    if stored.meta().provider != field.provider {
        return Err(format!(
            "credentials `{}` belong to `{}`, not `{}`",
            meta.id,
            stored.meta().provider,
            field.provider
        )
        .into());
    }
    if !field.types.contains(&kind) {
        let accepted: Vec<&str> = field.types.iter().map(|t| t.as_str()).collect();
        return Err(
            format!("credentials `{}` are {kind}; this field accepts {}", meta.id, accepted.join(" or ")).into()
        );
    }
    if meta.kind != kind {
        return Err(format!("the input says credentials `{}` are {}, but they are {kind}", meta.id, meta.kind).into());
    }
    if stored.is_expired() {
        return Err(format!("credentials `{}` have expired; renew or reconnect them", meta.id).into());
    }
    let stored = match stored {
        StoredCredentials::OAuth2(oauth) if needs_refresh(&oauth) => match refreshing.handlers.get(&field.provider) {
            Some(handler) => {
                let http = (refreshing.http)();
                refreshing.refresher.refresh(user, oauth, handler.clone(), http, store.clone()).await.map_err(
                    |failure| match failure {
                        RefreshFailure::Refused(message) => FieldFailure::Problem(message),
                        RefreshFailure::Unavailable { reason, retry_after } => {
                            FieldFailure::Unavailable { reason, retry_after }
                        }
                    },
                )?
            }
            // Without a handler the token is used while it lasts.
            None if oauth.access_token_expires_at.is_some_and(|at| at <= crate::credentials::now_unix()) => {
                return Err(format!(
                    "the access token of credentials `{}` has expired and no OAuth app is configured for `{}` to \
                     refresh it",
                    meta.id, field.provider
                )
                .into());
            }
            None => StoredCredentials::OAuth2(oauth),
        },
        other => other,
    };
    if let StoredCredentials::OAuth2(oauth) = &stored {
        let missing: Vec<&str> =
            field.scopes.iter().filter(|scope| !oauth.scopes.contains(scope)).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(format!(
                "credentials `{}` were not granted the scopes this block needs: {}; reconnect with them",
                meta.id,
                missing.join(", ")
            )
            .into());
        }
    }
    Ok(stored)
}
