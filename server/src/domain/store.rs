//! The store (the reference's marketplace): each user's public profile with
//! its unique username, the listings users publish their graphs under, and the
//! pure rules about their names (usernames derived from a user's name, slugs).

use serde::Serialize;

/// The longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 40;

/// The longest listing slug, in characters.
pub const MAX_SLUG_CHARS: usize = 100;

/// A user's public profile in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The user it belongs to.
    pub user_id: String,
    /// Unique across users; lowercase letters, digits and `-`.
    pub username: String,
    /// The name shown.
    pub name: String,
    /// A few words about the creator.
    pub description: String,
    /// Links the creator shows (web site, social accounts).
    pub links: Vec<String>,
    /// The avatar's URL, if any.
    pub avatar_url: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
}

/// A store listing: one of a user's graphs published under a slug. Its fields
/// are those of its latest version (the versions table keeps them all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// A UUID v4.
    pub id: String,
    /// The user who published it.
    pub owner_id: String,
    /// Unique per owner; lowercase letters, digits and `-`.
    pub slug: String,
    /// The graph it publishes (one listing per graph).
    pub graph_id: String,
    /// Shown first when the store lists featured agents.
    pub featured: bool,
    /// Its latest version.
    pub latest: ListingVersion,
    /// Unix milliseconds it was first published.
    pub created_at: i64,
}

/// One publication of a listing: a graph version with its presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingVersion {
    /// A UUID v4 (the reference's `store_listing_version_id`).
    pub id: String,
    /// 1, 2, 3, ... within the listing.
    pub version: u32,
    /// The graph version it publishes.
    pub graph_version: u32,
    /// The agent's name.
    pub name: String,
    /// One line under the name.
    pub sub_heading: String,
    /// What the agent does.
    pub description: String,
    /// Categories it is found under, lowercase.
    pub categories: Vec<String>,
    /// Image URLs, the first one the listing's picture.
    pub image_urls: Vec<String>,
    /// A video URL.
    pub video_url: Option<String>,
    /// Unix milliseconds it was published.
    pub created_at: i64,
}

/// Usernames to try for a new profile, best first: the user's name made into a
/// username (else the local part of the e-mail address, else `user`), then the
/// same with `-2`, `-3`, ... appended.
pub fn username_candidates(name: &str, email: &str) -> Vec<String> {
    let local = email.split('@').next().unwrap_or_default();
    let base = [name, local]
        .into_iter()
        .map(|text| slugify(text, MAX_USERNAME_CHARS - 4))
        .find(|slug| !slug.is_empty())
        .unwrap_or_else(|| "user".to_owned());
    let mut candidates = vec![base.clone()];
    candidates.extend((2..=50).map(|n| format!("{base}-{n}")));
    candidates
}

/// `text` as a slug of at most `max` characters: ASCII letters and digits
/// lowercased, every other run of characters one `-`, none at either end.
pub fn slugify(text: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= max {
            break;
        }
    }
    slug.truncate(max);
    slug.trim_matches('-').to_owned()
}

/// Why a username or slug is not acceptable; `None` when it is.
pub fn name_problem(text: &str, max: usize) -> Option<String> {
    if text.is_empty() || text.len() > max {
        return Some(format!("has 1 to {max} characters"));
    }
    if !text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Some("holds only lowercase letters, digits and `-`".to_owned());
    }
    if text.starts_with('-') || text.ends_with('-') || text.contains("--") {
        return Some("neither starts nor ends with `-`, nor holds `--`".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_come_from_the_name_then_the_email() {
        assert_eq!(username_candidates("Ada Lovelace", "ada@example.com")[0], "ada-lovelace");
        assert_eq!(username_candidates("  ", "grace.hopper@example.com")[0], "grace-hopper");
        assert_eq!(username_candidates("Élise", "")[0], "lise");
        assert_eq!(username_candidates("", "")[0], "user");
        assert_eq!(username_candidates("Bob", "b@x")[1], "bob-2");
    }

    #[test]
    fn slugs_are_short_lowercase_and_trimmed() {
        assert_eq!(slugify("--Hello,  World!--", 40), "hello-world");
        assert_eq!(slugify("abcdef", 3), "abc");
        assert_eq!(slugify("ab cdef", 3), "ab");
    }

    #[test]
    fn names_with_other_characters_are_refused() {
        assert_eq!(name_problem("weather-report", 100), None);
        assert!(name_problem("Weather", 100).is_some());
        assert!(name_problem("-a", 100).is_some());
        assert!(name_problem("a--b", 100).is_some());
        assert!(name_problem("", 100).is_some());
        assert!(name_problem("abcd", 3).is_some());
    }
}
