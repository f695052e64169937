//! Repository hooks at GitHub: create, delete, list.
//!
//! `POST /repos/{owner}/{repo}/hooks` creates a hook delivering JSON, signed with
//! the webhook's secret, for the events subscribed (GitHub subscribes to whole
//! events; actions are filtered on our side). `DELETE .../hooks/{id}` removes it,
//! a hook already gone counting as removed. `GET .../hooks` lists them, page by
//! page, for reconciliation.

use block_core::credentials::StoredCredentials;
use block_core::http::HttpClient;
use block_core::prelude::*;
use block_core::webhooks::{RemoteHook, Webhook, WebhookError};

use crate::github::client::GithubClient;
use crate::github::error::GithubError;
use crate::github::repo::RepoRef;

/// Hooks read at most when listing a repository's (GitHub allows 20 per event
/// per repository, so one page is usually all).
const MAX_PAGES: usize = 5;

/// Creates the hook of `webhook` on its repository, delivering to `url`; returns
/// GitHub's hook id.
pub(super) async fn register(
    http: &HttpClient,
    credentials: &StoredCredentials,
    webhook: &Webhook,
    url: &str,
) -> Result<String, WebhookError> {
    let repo = repository(&webhook.resource)?;
    let client = GithubClient::from_credentials(http, credentials).map_err(remote_error)?;
    let body = json!({
        "name": "web",
        "active": true,
        "events": github_events(&webhook.events),
        "config": {
            "url": url,
            "content_type": "json",
            "secret": webhook.secret.expose_secret(),
            "insecure_ssl": "0",
        },
    });
    let created = client
        .post_with_secret(&format!("{}/hooks", repo.api_path()), &body, &webhook.secret)
        .await
        .map_err(|error| erase(remote_error(error), &webhook.secret))?;
    hook_id(&created).ok_or_else(|| WebhookError::Invalid("GitHub's answer to creating the hook has no `id`".into()))
}

/// Deletes hook `remote_id` of repository `resource`; one GitHub no longer has is
/// as good as deleted.
pub(super) async fn deregister(
    http: &HttpClient,
    credentials: &StoredCredentials,
    resource: &str,
    remote_id: &str,
) -> Result<(), WebhookError> {
    let repo = repository(resource)?;
    if remote_id.is_empty() || !remote_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::Invalid(format!("`{remote_id}` is not a GitHub hook id (a number)")));
    }
    let client = GithubClient::from_credentials(http, credentials).map_err(remote_error)?;
    match client.delete(&format!("{}/hooks/{remote_id}", repo.api_path())).await {
        Ok(()) | Err(GithubError::NotFound { .. }) => Ok(()),
        Err(error) => Err(remote_error(error)),
    }
}

/// The hooks of repository `resource`, with the URL each delivers to.
pub(super) async fn remote_hooks(
    http: &HttpClient,
    credentials: &StoredCredentials,
    resource: &str,
) -> Result<Vec<RemoteHook>, WebhookError> {
    let repo = repository(resource)?;
    let client = GithubClient::from_credentials(http, credentials).map_err(remote_error)?.max_pages(MAX_PAGES);
    let hooks = client.get_pages(&format!("{}/hooks", repo.api_path()), &[]).await.map_err(remote_error)?;
    Ok(hooks
        .iter()
        .filter_map(|hook| {
            let url = hook["config"]["url"].as_str().unwrap_or_default().to_owned();
            hook_id(hook).map(|id| RemoteHook { id, url })
        })
        .collect())
}

/// The distinct GitHub events of subscribed event types, in order:
/// `pull_request.opened` and `pull_request.closed` are both `pull_request`.
pub(super) fn github_events(events: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for event in events {
        let name = event.split('.').next().unwrap_or_default();
        if !name.is_empty() && !out.iter().any(|known| known == name) {
            out.push(name.to_owned());
        }
    }
    out
}

fn repository(resource: &str) -> Result<RepoRef, WebhookError> {
    resource.parse().map_err(|error| WebhookError::Invalid(format!("the webhook's repository: {error}")))
}

/// A hook's `id`, a number in GitHub's answers.
fn hook_id(hook: &Value) -> Option<String> {
    match &hook["id"] {
        Value::Number(id) => id.as_u64().map(|id| id.to_string()),
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        _ => None,
    }
}

/// GitHub's refusal as a webhook error: transport failures stay HTTP errors, the
/// rest keep GitHub's explanation.
fn remote_error(error: GithubError) -> WebhookError {
    match error {
        GithubError::Request(error) | GithubError::Decode(error) => WebhookError::Http(error),
        other => WebhookError::Invalid(other.to_string()),
    }
}

/// `error` with `secret` erased from its text, in case GitHub quoted it back.
fn erase(error: WebhookError, secret: &SecretString) -> WebhookError {
    let secret = secret.expose_secret();
    match error {
        WebhookError::Invalid(text) if !secret.is_empty() => WebhookError::Invalid(text.replace(secret, "[redacted]")),
        other => other,
    }
}
