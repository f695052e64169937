//! The store (the reference's marketplace), without any transport: users'
//! profiles ([`profiles`]), publishing a graph version under a slug and rating
//! what others published ([`publishing`]), browsing agents and creators with
//! filters, orders and pages ([`browse`]), and the tools an assistant calls
//! over store agents ([`tools`]).
//!
//! A store agent is addressed as `username/slug`; its runs are the runs of its
//! graph, whoever started them; its rating is the average of its users'
//! ratings (one each; rating again replaces the first).

pub mod browse;
pub mod profiles;
pub mod publishing;
pub mod tools;

use serde_json::{Value, json};

use super::{Refusal, ServiceError};

fn problem(path: &str, message: impl Into<String>) -> (String, String) {
    (path.to_owned(), message.into())
}

/// `Ok` when there is no problem, else one 422 `code` listing them all, each
/// with the JSON pointer of its field.
fn refuse_problems(code: &'static str, what: &str, problems: Vec<(String, String)>) -> Result<(), ServiceError> {
    if problems.is_empty() {
        return Ok(());
    }
    let summary: Vec<String> = problems.iter().map(|(path, message)| format!("{path}: {message}")).collect();
    let list: Vec<Value> = problems.iter().map(|(path, message)| json!({"path": path, "message": message})).collect();
    Err(ServiceError::new(Refusal::Invalid, code, format!("{what}: {}", summary.join("; ")))
        .with_details(json!({"problems": list})))
}

/// A store agent's address, `username/slug`, split; both parts lowercased
/// (the reference reads them so). `None` when it is not two non-empty parts.
pub fn split_address(address: &str) -> Option<(String, String)> {
    let (username, slug) = address.trim().split_once('/')?;
    let (username, slug) = (username.trim().to_ascii_lowercase(), slug.trim().to_ascii_lowercase());
    (!username.is_empty() && !slug.is_empty() && !slug.contains('/')).then_some((username, slug))
}

/// 404 for a store agent nobody published.
fn agent_not_found(username: &str, slug: &str) -> ServiceError {
    ServiceError::not_found("store_agent_not_found", format!("no store agent `{username}/{slug}`"))
}
