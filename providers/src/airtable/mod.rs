//! Airtable, as one module: the provider, the Web API client and the record
//! blocks.
//!
//! Documentation followed (endpoints, bodies, limits, errors):
//! - List records: <https://airtable.com/developers/web/api/list-records>
//! - Create records: <https://airtable.com/developers/web/api/create-records>
//! - Update multiple records: <https://airtable.com/developers/web/api/update-multiple-records>
//! - Personal access tokens: <https://airtable.com/developers/web/guides/personal-access-tokens>
//! - Errors and rate limits (5 requests a second per base, then a 30-second
//!   wait): <https://airtable.com/developers/web/api/errors>,
//!   <https://airtable.com/developers/web/api/rate-limits>
//!
//! - [`Airtable`], the provider: a personal access token (API key kind), trusted
//!   origin `https://api.airtable.com`. No platform default: it would open the
//!   platform's bases to every user.
//! - [`AirtableClient`] (`client.rs`) with [`AirtableError`].
//! - Blocks: [`AirtableListRecordsBlock`], [`AirtableCreateRecordsBlock`],
//!   [`AirtableUpdateRecordsBlock`] (create and update send 10 records a request,
//!   as the API requires).
//!
//! Nothing here prints the token.

mod client;
mod create;
mod error;
mod list;
mod update;

use block_core::prelude::*;

pub use client::AirtableClient;
pub use create::{AirtableCreateRecordsBlock, AirtableCreateRecordsInput, AirtableCreateRecordsOutput};
pub use error::AirtableError;
pub use list::{AirtableListRecordsBlock, AirtableListRecordsInput, AirtableListRecordsOutput};
pub use update::{AirtableUpdateRecordsBlock, AirtableUpdateRecordsInput, AirtableUpdateRecordsOutput};

/// Airtable (`https://api.airtable.com`), reached with a personal access token.
#[provider(
    name = "airtable",
    display_name = "Airtable",
    icon = "https://airtable.com/favicon.ico",
    api_key,
    trusted_origins = ["https://api.airtable.com"],
)]
pub struct Airtable;

/// The credentials every Airtable block takes: a personal access token.
pub type AirtableCredentials = Credentials<Airtable, ApiKey>;

/// Records the API takes in one create or update request.
const RECORDS_PER_REQUEST: usize = 10;

/// The base id in input `base_id` (`app` and 14 letters or digits).
fn base_id(text: &str) -> Result<&str, BlockError> {
    let id = text.trim();
    let valid = id.len() == 17 && id.starts_with("app") && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(id)
    } else {
        Err(BlockError::new(format!(
            "input `base_id`: `{id}` is not a base id; it starts with `app` (see the base's API page or its URL)"
        )))
    }
}

/// A record as the blocks emit it: `{id, created_time, fields}`.
fn record(value: &Value) -> Value {
    json!({"id": value["id"], "created_time": value["createdTime"], "fields": value["fields"]})
}

/// The records of a create or update answer.
fn answered_records(answer: &Value) -> Result<Vec<Value>, BlockError> {
    let records =
        answer["records"].as_array().ok_or_else(|| BlockError::new("Airtable's answer has no `records` list"))?;
    Ok(records.iter().map(record).collect())
}

/// Exchanges and records the blocks' cases share (cases are compiled into every
/// build, since the workspace test runs them through the registry).
mod fixtures {
    use block_core::http::Exchange;
    use block_core::prelude::*;

    pub(super) const BASE: &str = "appN2XJ1w4sEmpVQz";
    pub(super) const TABLE_URL: &str = "https://api.airtable.com/v0/appN2XJ1w4sEmpVQz/Tasks";

    pub(super) fn with_token(exchange: Exchange) -> Exchange {
        exchange.header("authorization", "Bearer mock-airtable-api-key")
    }

    pub(super) fn stored(id: &str, name: &str) -> Value {
        json!({"id": id, "createdTime": "2024-04-01T10:00:00.000Z", "fields": {"Name": name, "Done": true}})
    }

    pub(super) fn emitted(id: &str, name: &str) -> Value {
        json!({"id": id, "created_time": "2024-04-01T10:00:00.000Z", "fields": {"Name": name, "Done": true}})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_ids_start_with_app_and_have_seventeen_characters() {
        assert!(base_id("appN2XJ1w4sEmpVQz").is_ok());
        for bad in ["", "tblN2XJ1w4sEmpVQz", "appN2XJ1w4sEmpVQ", "app/../../meta/x", "appN2XJ1w4sEmpVQz/x"] {
            assert!(base_id(bad).is_err(), "{bad}");
        }
    }
}
