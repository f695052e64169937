//! Names of GitHub things as users write them: `owner/repo`, and an issue or pull
//! request given by number or by URL.

use std::fmt;

use block_core::http::Url;

/// A repository, `owner/repo`, checked against GitHub's naming rules so that it
/// can be put in an API path as is.
///
/// ```
/// use block_providers::github::RepoRef;
/// let repo: RepoRef = "octocat/hello-world".parse()?;
/// assert_eq!(repo.owner(), "octocat");
/// assert_eq!(repo.to_string(), "octocat/hello-world");
/// assert!("octocat".parse::<RepoRef>().is_err());
/// # Ok::<(), block_providers::github::RepoRefError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RepoRef {
    owner: String,
    name: String,
}

/// Why a text is not a repository or issue reference. The message says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RepoRefError(String);

impl RepoRef {
    /// The account (user or organization) owning the repository.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/repos/{owner}/{repo}`: the API path of the repository.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl std::str::FromStr for RepoRef {
    type Err = RepoRefError;

    fn from_str(text: &str) -> Result<Self, RepoRefError> {
        let trimmed = text.trim();
        let shape = || {
            RepoRefError(format!(
                "`{}` is not a repository: write it as `owner/repo`, e.g. `octocat/hello-world`",
                shown(trimmed)
            ))
        };
        let (owner, name) = trimmed.split_once('/').ok_or_else(shape)?;
        if !is_owner(owner) || !is_repo_name(name) {
            return Err(shape());
        }
        Ok(RepoRef { owner: owner.to_owned(), name: name.to_owned() })
    }
}

/// GitHub account names: 1 to 39 ASCII letters, digits and inner hyphens.
fn is_owner(owner: &str) -> bool {
    (1..=39).contains(&owner.len())
        && owner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
}

/// GitHub repository names: up to 100 ASCII letters, digits, `-`, `_` and `.`,
/// other than `.` and `..`.
fn is_repo_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && name != "."
        && name != ".."
}

/// At most 80 characters of a user's text, for error messages.
fn shown(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// An issue or pull request (they share numbers and the comments API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    /// Its repository.
    pub repo: RepoRef,
    /// Its number.
    pub number: u64,
}

impl IssueRef {
    /// Reads `target`: a number (then `repo` names the repository) or a URL such as
    /// `https://github.com/octocat/hello-world/issues/42` or `.../pull/42`. When both
    /// a URL and `repo` are given they must agree.
    ///
    /// ```
    /// use block_providers::github::IssueRef;
    /// let by_url = IssueRef::parse("https://github.com/octocat/hello-world/pull/7", None)?;
    /// let by_number = IssueRef::parse("7", Some("octocat/hello-world"))?;
    /// assert_eq!(by_url, by_number);
    /// # Ok::<(), block_providers::github::RepoRefError>(())
    /// ```
    pub fn parse(target: &str, repo: Option<&str>) -> Result<Self, RepoRefError> {
        let target = target.trim();
        let repo = repo.map(str::trim).filter(|repo| !repo.is_empty()).map(str::parse::<RepoRef>).transpose()?;
        if let Ok(number) = target.trim_start_matches('#').parse::<u64>() {
            let repo = repo.ok_or_else(|| {
                RepoRefError(format!(
                    "issue #{number} needs its repository: fill in `repo` as `owner/repo`, or give the issue's URL"
                ))
            })?;
            return positive(number).map(|number| IssueRef { repo, number });
        }
        let from_url = Self::from_url(target)?;
        match repo {
            Some(repo) if repo != from_url.repo => Err(RepoRefError(format!(
                "the URL is in `{}` but `repo` says `{repo}`; leave `repo` empty or make them agree",
                from_url.repo
            ))),
            _ => Ok(from_url),
        }
    }

    fn from_url(text: &str) -> Result<Self, RepoRefError> {
        let shape = || {
            RepoRefError(format!(
                "`{}` is neither an issue number nor an issue or pull request URL such as \
                 `https://github.com/octocat/hello-world/issues/42`",
                shown(text)
            ))
        };
        let url = Url::parse(text).map_err(|_| shape())?;
        let on_github = url.scheme() == "https" && matches!(url.host_str(), Some("github.com" | "www.github.com"));
        if !on_github {
            return Err(shape());
        }
        let segments: Vec<&str> = url.path_segments().map(Iterator::collect).unwrap_or_default();
        let [owner, name, "issues" | "pull", number, ..] = segments.as_slice() else { return Err(shape()) };
        let repo: RepoRef = format!("{owner}/{name}").parse().map_err(|_| shape())?;
        let number = number.parse::<u64>().map_err(|_| shape())?;
        positive(number).map(|number| IssueRef { repo, number })
    }

    /// `/repos/{owner}/{repo}/issues/{number}`.
    pub fn api_path(&self) -> String {
        format!("{}/issues/{}", self.repo.api_path(), self.number)
    }
}

fn positive(number: u64) -> Result<u64, RepoRefError> {
    if number == 0 { Err(RepoRefError("issue numbers start at 1".into())) } else { Ok(number) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_owner_slash_repo_with_githubs_allowed_characters() {
        let repo: RepoRef = " my-org/repo_name.rs ".parse().expect("valid");
        assert_eq!((repo.owner(), repo.name()), ("my-org", "repo_name.rs"));
        assert_eq!(repo.api_path(), "/repos/my-org/repo_name.rs");
    }

    #[test]
    fn rejects_other_shapes_with_a_message_showing_the_expected_form() {
        for bad in ["", "octocat", "octocat/", "/repo", "a/b/c", "-bad/repo", "o/..", "o/re po", "o/r?x", "o/%2e"] {
            let error = bad.parse::<RepoRef>().expect_err(bad);
            assert!(error.to_string().contains("write it as `owner/repo`"), "{bad}: {error}");
        }
    }

    #[test]
    fn reads_issues_and_pull_requests_by_url_or_number() {
        let repo = "octocat/hello-world".parse::<RepoRef>().expect("valid");
        let expected = IssueRef { repo: repo.clone(), number: 42 };
        assert_eq!(IssueRef::parse("https://github.com/octocat/hello-world/issues/42", None), Ok(expected.clone()));
        assert_eq!(
            IssueRef::parse("https://github.com/octocat/hello-world/pull/42/files#diff", None),
            Ok(expected.clone())
        );
        assert_eq!(IssueRef::parse("#42", Some("octocat/hello-world")), Ok(expected.clone()));
        assert_eq!(expected.api_path(), "/repos/octocat/hello-world/issues/42");
    }

    #[test]
    fn refuses_numbers_without_a_repository_and_urls_elsewhere() {
        let no_repo = IssueRef::parse("42", None).expect_err("no repo");
        assert!(no_repo.to_string().contains("needs its repository"), "{no_repo}");
        for bad in [
            "https://evil.example/octocat/hello-world/issues/42",
            "http://github.com/octocat/hello-world/issues/42",
            "https://github.com/octocat/hello-world/commits/42",
            "https://github.com/octocat/hello-world/issues/x",
            "forty-two",
        ] {
            assert!(IssueRef::parse(bad, Some("octocat/hello-world")).is_err(), "{bad}");
        }
        assert!(IssueRef::parse("0", Some("o/r")).is_err());
    }

    #[test]
    fn a_url_and_a_repo_that_disagree_are_refused() {
        let error = IssueRef::parse("https://github.com/octocat/hello-world/issues/1", Some("octocat/other"))
            .expect_err("disagree");
        assert!(error.to_string().contains("make them agree"), "{error}");
    }
}
