//! Resolving the credentials an input names, before the block runs.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use std::sync::Arc;

use crate::credentials::{CredentialStore, CredentialsMeta, StoredCredentials};
use crate::http::HttpClient;
use crate::oauth::{OAuthHandlers, Refresher, needs_refresh};
use crate::provider::env::platform_id;
use crate::registry::{CredentialField, InputProblem, RegisteredBlock};

/// The credentials of one execution, by id.
#[derive(Default)]
pub(crate) struct Resolved {
    pub(crate) by_id: HashMap<String, StoredCredentials>,
    /// Whether any of them are platform defaults (which costs may be filtered on).
    pub(crate) platform: bool,
}

/// What refreshing OAuth tokens before a run needs.
pub(crate) struct Refreshing<'a> {
    pub(crate) refresher: &'a Refresher,
    pub(crate) handlers: &'a OAuthHandlers,
    pub(crate) http: &'a (dyn Fn() -> HttpClient + Sync),
}

/// Looks up every credentials field of `input` for `user`, refreshing OAuth tokens
/// that are about to expire; each problem is reported at its field's JSON pointer
/// and never contains a secret.
pub(crate) async fn resolve(
    block: &RegisteredBlock,
    input: &Value,
    user: Option<&str>,
    store: &Arc<dyn CredentialStore>,
    refreshing: Refreshing<'_>,
) -> Result<Resolved, Vec<InputProblem>> {
    let mut resolved = Resolved::default();
    let mut problems = Vec::new();
    for field in block.credential_fields() {
        let value = &input[field.name.as_str()];
        if value.is_null() {
            continue;
        }
        match resolve_field(field, value, user, store, &refreshing).await {
            Ok(stored) => {
                resolved.platform |= stored.meta().id == platform_id(&field.provider, stored.kind());
                resolved.by_id.insert(stored.meta().id.clone(), stored);
            }
            Err(message) => problems.push(InputProblem::new(format!("/{}", field.name), message)),
        }
    }
    if problems.is_empty() { Ok(resolved) } else { Err(problems) }
}

async fn resolve_field(
    field: &CredentialField,
    value: &Value,
    user: Option<&str>,
    store: &Arc<dyn CredentialStore>,
    refreshing: &Refreshing<'_>,
) -> Result<StoredCredentials, String> {
    let meta = CredentialsMeta::deserialize(value)
        .map_err(|error| format!("not a credentials meta object {{id, provider, type, title}}: {error}"))?;
    if meta.provider != field.provider {
        return Err(format!("this field takes `{}` credentials, not `{}`", field.provider, meta.provider));
    }
    let user = user.ok_or("credentials belong to a user, and this execution names none")?;
    let stored = store
        .get(user, &meta.id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| format!("no credentials with id `{}` for this user", meta.id))?;
    let kind = stored.kind();
    if stored.meta().provider != field.provider {
        return Err(format!(
            "credentials `{}` belong to `{}`, not `{}`",
            meta.id,
            stored.meta().provider,
            field.provider
        ));
    }
    if !field.types.contains(&kind) {
        let accepted: Vec<&str> = field.types.iter().map(|t| t.as_str()).collect();
        return Err(format!("credentials `{}` are {kind}; this field accepts {}", meta.id, accepted.join(" or ")));
    }
    if meta.kind != kind {
        return Err(format!("the input says credentials `{}` are {}, but they are {kind}", meta.id, meta.kind));
    }
    if stored.is_expired() {
        return Err(format!("credentials `{}` have expired; renew or reconnect them", meta.id));
    }
    let stored = match stored {
        StoredCredentials::OAuth2(oauth) if needs_refresh(&oauth) => {
            match refreshing.handlers.get(&field.provider) {
                Some(handler) => {
                    let http = (refreshing.http)();
                    refreshing.refresher.refresh(user, oauth, handler.clone(), http, store.clone()).await?
                }
                // Without a handler the token is used while it lasts.
                None if oauth.access_token_expires_at.is_some_and(|at| at <= crate::credentials::now_unix()) => {
                    return Err(format!(
                        "the access token of credentials `{}` has expired and no OAuth app is configured for `{}` to \
                         refresh it",
                        meta.id, field.provider
                    ));
                }
                None => StoredCredentials::OAuth2(oauth),
            }
        }
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
            ));
        }
    }
    Ok(stored)
}
