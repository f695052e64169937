//! Store profiles: every user has one, made on first need with a username
//! derived from their name (unique: `-2`, `-3`, ... when taken); its owner
//! changes its name, username, description, links and avatar.

use super::{problem, refuse_problems};
use crate::domain::{MAX_USERNAME_CHARS, Profile, User, name_problem, now_millis, username_candidates};
use crate::services::{Refusal, ServiceError};
use crate::storage::MarketplaceStore;

/// The longest profile name, in characters.
const MAX_NAME_CHARS: usize = 100;

/// The longest description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 2000;

/// How many links a profile shows.
const MAX_LINKS: usize = 10;

/// The longest URL accepted (links, avatars, images).
const MAX_URL_CHARS: usize = 2048;

/// What a profile becomes.
#[derive(Debug, Clone)]
pub struct ProfileChanges {
    /// The name shown.
    pub name: String,
    /// The username; unique across users.
    pub username: String,
    /// A few words about the creator.
    pub description: String,
    /// Links shown on the creator's page.
    pub links: Vec<String>,
    /// The avatar's URL.
    pub avatar_url: Option<String>,
}

/// `user`'s profile, made now if they have none.
pub async fn ensure<S: MarketplaceStore + ?Sized>(storage: &S, user: &User) -> Result<Profile, ServiceError> {
    let name = if user.name.trim().is_empty() { "User" } else { user.name.trim() };
    let mut candidates = username_candidates(&user.name, &user.email);
    // Past the numbered ones, a part of the user's id: unique in practice.
    let base = candidates.first().cloned().unwrap_or_default();
    candidates
        .push(format!("{base}-{}", user.id.chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>()));
    storage.ensure_profile(&user.id, name, candidates, now_millis()).await?.ok_or_else(|| {
        ServiceError::new(Refusal::Conflict, "username_taken", "no free username could be derived; choose one")
    })
}

/// Replaces `user`'s profile with `changes`, after checking every field: 422
/// (`invalid_profile`) listing each problem, 409 (`username_taken`) when the
/// username is another user's.
pub async fn update<S: MarketplaceStore + ?Sized>(
    storage: &S,
    user: &User,
    changes: ProfileChanges,
) -> Result<Profile, ServiceError> {
    let current = ensure(storage, user).await?;
    let username = changes.username.trim().to_ascii_lowercase();
    let name = changes.name.trim().to_owned();
    let mut problems = Vec::new();
    if let Some(reason) = name_problem(&username, MAX_USERNAME_CHARS) {
        problems.push(problem("/username", format!("a username {reason}")));
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        problems.push(problem("/name", format!("a name has 1 to {MAX_NAME_CHARS} characters")));
    }
    if changes.description.chars().count() > MAX_DESCRIPTION_CHARS {
        problems.push(problem("/description", format!("a description has at most {MAX_DESCRIPTION_CHARS} characters")));
    }
    if changes.links.len() > MAX_LINKS {
        problems.push(problem("/links", format!("a profile shows at most {MAX_LINKS} links")));
    }
    for (index, link) in changes.links.iter().enumerate() {
        if let Some(reason) = url_problem(link) {
            problems.push(problem(&format!("/links/{index}"), reason));
        }
    }
    if let Some(reason) = changes.avatar_url.as_deref().and_then(url_problem) {
        problems.push(problem("/avatar_url", reason));
    }
    refuse_problems("invalid_profile", "invalid profile", problems)?;
    let profile = Profile {
        username,
        name,
        description: changes.description.trim().to_owned(),
        links: changes.links.into_iter().map(|link| link.trim().to_owned()).collect(),
        avatar_url: changes.avatar_url.map(|url| url.trim().to_owned()).filter(|url| !url.is_empty()),
        updated_at: now_millis(),
        ..current
    };
    if !storage.update_profile(profile.clone()).await? {
        return Err(ServiceError::new(
            Refusal::Conflict,
            "username_taken",
            format!("the username `{}` is another user's; choose another", profile.username),
        ));
    }
    Ok(profile)
}

/// Why `url` is not an acceptable `http(s)` URL; `None` when it is.
pub(super) fn url_problem(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    if url.chars().count() > MAX_URL_CHARS {
        return Some(format!("a URL has at most {MAX_URL_CHARS} characters"));
    }
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => None,
        Ok(_) => Some("an http or https URL is expected".to_owned()),
        Err(error) => Some(format!("not a URL: {error}")),
    }
}
