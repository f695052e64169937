//! `AirtableListRecordsBlock`: a table's records, filtered and sorted
//! (`GET /v0/{base}/{table}`, page by page through `offset`).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;

use super::fixtures::{TABLE_URL, emitted, stored, with_token};
use super::{AirtableClient, AirtableCredentials, base_id, record};

/// Inputs of `AirtableListRecordsBlock`.
#[derive(BlockInput)]
pub struct AirtableListRecordsInput {
    /// The base's id (`app...`, in its URL or API page).
    #[block_input(placeholder = "appN2XJ1w4sEmpVQz")]
    pub base_id: String,
    /// The table: its name or id (`tbl...`).
    #[block_input(placeholder = "Tasks", min_length = 1)]
    pub table: String,
    /// Only records for which this formula is true, e.g. `{Done} = FALSE()`.
    #[block_input(default = "", placeholder = "AND({Done} = FALSE(), {Owner} = 'Ada')")]
    pub filter_formula: String,
    /// Read through this view (its filters and order apply).
    #[block_input(advanced)]
    pub view: Option<String>,
    /// Sort by this field (after the view's own order).
    #[block_input(advanced)]
    pub sort_field: Option<String>,
    /// Sort `sort_field` largest first.
    #[block_input(default = false, advanced, depends_on = [sort_field])]
    pub sort_descending: bool,
    /// The most records to read.
    #[block_input(default = 100, min = 1, max = 1000)]
    pub max_records: u32,
    /// A personal access token with `data.records:read` on the base.
    pub credentials: AirtableCredentials,
}

/// Outputs of `AirtableListRecordsBlock`.
#[derive(BlockOutput)]
pub enum AirtableListRecordsOutput {
    /// One record: `id`, `created_time` and `fields`.
    Record(Value),
    /// Every record read.
    Records(Vec<Value>),
}

/// Lists the records of an Airtable table, with an optional formula filter, view
/// and sort, reading up to 1000 of them.
#[block(id = "ed153a15-cc7c-4d3a-bff4-b7820dd12a62", categories(Data, Productivity), tests = list_cases)]
pub struct AirtableListRecordsBlock;

impl Run for AirtableListRecordsBlock {
    type Input = AirtableListRecordsInput;
    type Output = AirtableListRecordsOutput;

    async fn run(
        &self,
        input: AirtableListRecordsInput,
        ctx: &RunContext,
        out: &Emit<AirtableListRecordsOutput>,
    ) -> Result<(), BlockError> {
        let base = base_id(&input.base_id)?;
        let client = AirtableClient::new(ctx.http(), input.credentials.api_key(), base, input.table.trim())?;
        let mut query =
            vec![("maxRecords", input.max_records.to_string()), ("pageSize", input.max_records.min(100).to_string())];
        if !input.filter_formula.trim().is_empty() {
            query.push(("filterByFormula", input.filter_formula.trim().to_owned()));
        }
        if let Some(view) = input.view.as_deref().filter(|v| !v.trim().is_empty()) {
            query.push(("view", view.trim().to_owned()));
        }
        if let Some(field) = input.sort_field.as_deref().filter(|f| !f.trim().is_empty()) {
            query.push(("sort[0][field]", field.trim().to_owned()));
            query.push(("sort[0][direction]", if input.sort_descending { "desc" } else { "asc" }.to_owned()));
        }
        let mut records = Vec::new();
        loop {
            let page = client.send(Method::GET, &query, None).await?;
            let items =
                page["records"].as_array().ok_or_else(|| BlockError::new("Airtable's answer has no `records` list"))?;
            records.extend(items.iter().map(record));
            match page["offset"].as_str() {
                Some(offset) if records.len() < input.max_records as usize => {
                    query.retain(|(name, _)| *name != "offset");
                    query.push(("offset", offset.to_owned()));
                }
                _ => break,
            }
        }
        records.truncate(input.max_records as usize);
        for item in &records {
            out.emit(AirtableListRecordsOutput::Record(item.clone())).await?;
        }
        out.emit(AirtableListRecordsOutput::Records(records)).await
    }
}

fn list_cases() -> Vec<TestCase<AirtableListRecordsBlock>> {
    let first = "rec560UJdUtocSouk";
    let second = "rec3lbPRG4aVqkeOQ";
    vec![
        TestCase::new("reads records across pages with a filter, view and sort", AirtableListRecordsInput {
            filter_formula: "{Done} = TRUE()".into(),
            view: Some("Grid view".into()),
            sort_field: Some("Name".into()),
            sort_descending: true,
            ..input()
        })
        .http(with_token(Exchange::get(&format!(
            "{TABLE_URL}?maxRecords=100&pageSize=100&filterByFormula=%7BDone%7D+%3D+TRUE%28%29&view=Grid+view\
             &sort%5B0%5D%5Bfield%5D=Name&sort%5B0%5D%5Bdirection%5D=desc"
        )))
        .respond_json(200, json!({"records": [stored(first, "Write docs")], "offset": "itrHqXLdl9QhAUF0D/rec560UJdUtocSouk"})))
        .http(with_token(Exchange::get(&format!(
            "{TABLE_URL}?maxRecords=100&pageSize=100&filterByFormula=%7BDone%7D+%3D+TRUE%28%29&view=Grid+view\
             &sort%5B0%5D%5Bfield%5D=Name&sort%5B0%5D%5Bdirection%5D=desc&offset=itrHqXLdl9QhAUF0D%2Frec560UJdUtocSouk"
        )))
        .respond_json(200, json!({"records": [stored(second, "Ship it")]})))
        .outputs([
            AirtableListRecordsOutput::Record(emitted(first, "Write docs")),
            AirtableListRecordsOutput::Record(emitted(second, "Ship it")),
            AirtableListRecordsOutput::Records(vec![emitted(first, "Write docs"), emitted(second, "Ship it")]),
        ]),
        TestCase::new("explains a table the token cannot see", input())
            .http(with_token(Exchange::get(&format!("{TABLE_URL}?maxRecords=100&pageSize=100")))
                .respond_json(404, json!({"error": {"type": "TABLE_NOT_FOUND", "message": "Could not find table Tasks in application appN2XJ1w4sEmpVQz"}})))
            .error_containing("Airtable found no table `Tasks` in base appN2XJ1w4sEmpVQz (404: Could not find table Tasks"),
        TestCase::new("passes on a formula Airtable cannot read", AirtableListRecordsInput { filter_formula: "{Done".into(), ..input() })
            .http(with_token(Exchange::get(&format!("{TABLE_URL}?maxRecords=100&pageSize=100&filterByFormula=%7BDone")))
                .respond_json(422, json!({"error": {"type": "INVALID_FILTER_BY_FORMULA", "message": "The formula for filtering records is invalid: Invalid formula."}})))
            .error_containing("Airtable rejected the request (422 INVALID_FILTER_BY_FORMULA: The formula for filtering records is invalid"),
        // A GET is retried on 429 by the HTTP client; the answer stays 429 each time.
        TestCase::new("says how long the rate limit holds", input())
            .http(with_token(Exchange::get(&format!("{TABLE_URL}?maxRecords=100&pageSize=100")))
                .repeatable()
                .respond_json(429, json!({"errors": [{"error": "RATE_LIMIT_REACHED", "message": "Rate limit exceeded. Please try again later"}]})))
            .error_containing("Airtable rate limited this base until 30 seconds from now"),
        TestCase::new("explains a refused token", input())
            .http(with_token(Exchange::get(&format!("{TABLE_URL}?maxRecords=100&pageSize=100")))
                .respond_json(401, json!({"error": {"type": "AUTHENTICATION_REQUIRED", "message": "Authentication required"}})))
            .error_containing("Airtable refused the token (401: Authentication required)"),
        TestCase::new("refuses a base id that is not one", AirtableListRecordsInput { base_id: "app/../meta".into(), ..input() })
            .error_containing("input `base_id`: `app/../meta` is not a base id"),
    ]
}

fn input() -> AirtableListRecordsInput {
    AirtableListRecordsInput {
        base_id: super::fixtures::BASE.into(),
        table: "Tasks".into(),
        filter_formula: String::new(),
        view: None,
        sort_field: None,
        sort_descending: false,
        max_records: 100,
        credentials: Credentials::test(),
    }
}
