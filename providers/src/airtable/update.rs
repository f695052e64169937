//! `AirtableUpdateRecordsBlock`: changes fields of existing records
//! (`PATCH /v0/{base}/{table}`, 10 records a request; fields not named keep their
//! values).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;
use serde_json::Map;

use super::fixtures::{TABLE_URL, emitted, stored, with_token};
use super::{AirtableClient, AirtableCredentials, RECORDS_PER_REQUEST, answered_records, base_id};

/// Inputs of `AirtableUpdateRecordsBlock`.
#[derive(BlockInput)]
pub struct AirtableUpdateRecordsInput {
    /// The base's id (`app...`).
    #[block_input(placeholder = "appN2XJ1w4sEmpVQz")]
    pub base_id: String,
    /// The table: its name or id (`tbl...`).
    #[block_input(placeholder = "Tasks", min_length = 1)]
    pub table: String,
    /// The changes: each `{"id": "rec...", "fields": {...}}`. Fields not named
    /// keep their values.
    #[block_input(
        min_items = 1,
        max_items = 1000,
        placeholder = r#"[{"id": "rec560UJdUtocSouk", "fields": {"Done": true}}]"#
    )]
    pub records: Vec<Map<String, Value>>,
    /// Let Airtable convert values to the fields' types.
    #[block_input(default = false, advanced)]
    pub typecast: bool,
    /// A personal access token with `data.records:write` on the base.
    pub credentials: AirtableCredentials,
}

/// Outputs of `AirtableUpdateRecordsBlock`.
#[derive(BlockOutput)]
pub enum AirtableUpdateRecordsOutput {
    /// The updated records (`id`, `created_time`, all `fields`), in order.
    Records(Vec<Value>),
}

/// Updates fields of records in an Airtable table, ten per request; fields not
/// named keep their values.
#[block(id = "b7bfa5b2-2fc1-4682-afa7-2bd52db901b6", categories(Data, Productivity), tests = update_cases)]
pub struct AirtableUpdateRecordsBlock;

impl Run for AirtableUpdateRecordsBlock {
    type Input = AirtableUpdateRecordsInput;
    type Output = AirtableUpdateRecordsOutput;

    async fn run(
        &self,
        input: AirtableUpdateRecordsInput,
        ctx: &RunContext,
        out: &Emit<AirtableUpdateRecordsOutput>,
    ) -> Result<(), BlockError> {
        let base = base_id(&input.base_id)?;
        let mut changes = Vec::with_capacity(input.records.len());
        for (index, change) in input.records.iter().enumerate() {
            let id = change.get("id").and_then(Value::as_str).filter(|id| id.starts_with("rec"));
            let fields = change.get("fields").filter(|fields| fields.is_object());
            match (id, fields) {
                (Some(id), Some(fields)) => changes.push(json!({"id": id, "fields": fields})),
                _ => {
                    return Err(BlockError::new(format!(
                        "input `records`: item {index} needs an `id` (`rec...`) and an object of `fields`"
                    )));
                }
            }
        }
        let client = AirtableClient::new(ctx.http(), input.credentials.api_key(), base, input.table.trim())?;
        let mut updated = Vec::with_capacity(changes.len());
        for batch in changes.chunks(RECORDS_PER_REQUEST) {
            let body = json!({"records": batch, "typecast": input.typecast});
            updated.extend(answered_records(&client.send(Method::PATCH, &[], Some(&body)).await?)?);
        }
        out.emit(AirtableUpdateRecordsOutput::Records(updated)).await
    }
}

fn update_cases() -> Vec<TestCase<AirtableUpdateRecordsBlock>> {
    let change = |value: Value| value.as_object().cloned().unwrap_or_default();
    let patch = |body: Value| with_token(Exchange::patch(TABLE_URL)).json_body(body);
    vec![
        TestCase::new("updates the named fields of records", input(vec![change(json!({"id": "rec560UJdUtocSouk", "fields": {"Done": true}}))]))
            .http(patch(json!({"records": [{"id": "rec560UJdUtocSouk", "fields": {"Done": true}}], "typecast": false}))
                .respond_json(200, json!({"records": [stored("rec560UJdUtocSouk", "Write docs")]})))
            .output(AirtableUpdateRecordsOutput::Records(vec![emitted("rec560UJdUtocSouk", "Write docs")])),
        TestCase::new("names a record Airtable does not find", input(vec![change(json!({"id": "recMISSING0000000", "fields": {"Done": true}}))]))
            .http(patch(json!({"records": [{"id": "recMISSING0000000", "fields": {"Done": true}}], "typecast": false}))
                .respond_json(404, json!({"error": {"type": "MODEL_ID_NOT_FOUND", "message": "Could not find a record with ID \"recMISSING0000000\"."}})))
            .error_containing("Airtable found no table `Tasks` in base appN2XJ1w4sEmpVQz (404: Could not find a record with ID \"recMISSING0000000\".)"),
        TestCase::new("says which change lacks an id", input(vec![change(json!({"fields": {"Done": true}}))]))
            .error_containing("input `records`: item 0 needs an `id`"),
    ]
}

fn input(records: Vec<Map<String, Value>>) -> AirtableUpdateRecordsInput {
    AirtableUpdateRecordsInput {
        base_id: super::fixtures::BASE.into(),
        table: "Tasks".into(),
        records,
        typecast: false,
        credentials: Credentials::test(),
    }
}
