//! What goes wrong when talking to Linear, in words a user can act on.

use block_core::credentials::CredentialsType;
use block_core::http::{HttpError, StatusCode};

/// Why a call to Linear's GraphQL API failed. Its text never contains the key or
/// token.
///
/// Linear answers GraphQL errors with status 200 or 400 and an `errors` list
/// whose `extensions.type` classifies them (`authentication error`, `forbidden`,
/// `ratelimited`, `invalid input`, ...); the rate limit comes as a 400 with the
/// code `RATELIMITED`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinearError {
    /// No answer: connection, time-out, or a refused address.
    #[error("Linear could not be reached")]
    Request(#[source] HttpError),
    /// The API key or token is wrong, expired or revoked.
    #[error(
        "Linear refused the credentials ({message}); reconnect the workspace or use an API key that is still valid"
    )]
    Unauthorized {
        /// Linear's message.
        message: String,
    },
    /// The credentials may not do this (a scope, or access to the team).
    #[error("Linear denied access: {message}")]
    Forbidden {
        /// Linear's message.
        message: String,
    },
    /// What the request named does not exist, or the credentials cannot see it.
    #[error("Linear found no {target}: {message}")]
    NotFound {
        /// What was looked for, e.g. "team `ENG`".
        target: String,
        /// Linear's message.
        message: String,
    },
    /// The request's content was refused.
    #[error("Linear rejected the input: {message}")]
    InvalidInput {
        /// Linear's message.
        message: String,
    },
    /// The rate limit of the credentials is used up.
    #[error("Linear rate limited these credentials until {until}; try again then")]
    RateLimited {
        /// When the limit resets, as an HTTP date, or how long to wait.
        until: String,
    },
    /// Any other GraphQL error.
    #[error("Linear answered with an error: {message}")]
    Graphql {
        /// Linear's messages, joined.
        message: String,
    },
    /// An error status without GraphQL errors.
    #[error("Linear answered {0}")]
    Status(StatusCode),
    /// An answer that is not the JSON expected.
    #[error("Linear sent an answer that is not the expected JSON: {0}")]
    Decode(String),
    /// The credentials are of a kind Linear does not take.
    #[error("these credentials are {0}; Linear takes a personal API key or an OAuth 2 login")]
    UnsupportedCredentials(CredentialsType),
}
