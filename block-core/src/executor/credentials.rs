//! Resolving the credentials an input names, before the block runs.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::credentials::{CredentialStore, CredentialsMeta, StoredCredentials};
use crate::provider::env::platform_id;
use crate::registry::{CredentialField, InputProblem, RegisteredBlock};

/// The credentials of one execution, by id.
#[derive(Default)]
pub(crate) struct Resolved {
    pub(crate) by_id: HashMap<String, StoredCredentials>,
    /// Whether any of them are platform defaults (which costs may be filtered on).
    pub(crate) platform: bool,
}

/// Looks up every credentials field of `input` for `user`; each problem is reported
/// at its field's JSON pointer and never contains a secret.
pub(crate) async fn resolve(
    block: &RegisteredBlock,
    input: &Value,
    user: Option<&str>,
    store: &dyn CredentialStore,
) -> Result<Resolved, Vec<InputProblem>> {
    let mut resolved = Resolved::default();
    let mut problems = Vec::new();
    for field in block.credential_fields() {
        let value = &input[field.name.as_str()];
        if value.is_null() {
            continue;
        }
        match resolve_field(field, value, user, store).await {
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
    store: &dyn CredentialStore,
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
