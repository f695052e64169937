//! `AirtableCreateRecordsBlock`: new records in a table (`POST /v0/{base}/{table}`,
//! 10 records a request).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;
use serde_json::Map;

use super::fixtures::{TABLE_URL, emitted, stored, with_token};
use super::{AirtableClient, AirtableCredentials, RECORDS_PER_REQUEST, answered_records, base_id};

/// Inputs of `AirtableCreateRecordsBlock`.
#[derive(BlockInput)]
pub struct AirtableCreateRecordsInput {
    /// The base's id (`app...`).
    #[block_input(placeholder = "appN2XJ1w4sEmpVQz")]
    pub base_id: String,
    /// The table: its name or id (`tbl...`).
    #[block_input(placeholder = "Tasks", min_length = 1)]
    pub table: String,
    /// The records to create, each an object of field values by field name.
    #[block_input(min_items = 1, max_items = 1000, placeholder = r#"[{"Name": "Write docs", "Done": false}]"#)]
    pub records: Vec<Map<String, Value>>,
    /// Let Airtable convert values to the fields' types (e.g. create select options).
    #[block_input(default = false, advanced)]
    pub typecast: bool,
    /// A personal access token with `data.records:write` on the base.
    pub credentials: AirtableCredentials,
}

/// Outputs of `AirtableCreateRecordsBlock`.
#[derive(BlockOutput)]
pub enum AirtableCreateRecordsOutput {
    /// The created records (`id`, `created_time`, `fields`), in order.
    Records(Vec<Value>),
}

/// Creates records in an Airtable table, ten per request as the API requires.
#[block(id = "69622c91-ce7b-4565-9786-5fc642dc2875", categories(Data, Productivity), tests = create_cases)]
pub struct AirtableCreateRecordsBlock;

impl Run for AirtableCreateRecordsBlock {
    type Input = AirtableCreateRecordsInput;
    type Output = AirtableCreateRecordsOutput;

    async fn run(
        &self,
        input: AirtableCreateRecordsInput,
        ctx: &RunContext,
        out: &Emit<AirtableCreateRecordsOutput>,
    ) -> Result<(), BlockError> {
        let base = base_id(&input.base_id)?;
        let client = AirtableClient::new(ctx.http(), input.credentials.api_key(), base, input.table.trim())?;
        let mut created = Vec::with_capacity(input.records.len());
        for batch in input.records.chunks(RECORDS_PER_REQUEST) {
            let records: Vec<Value> = batch.iter().map(|fields| json!({"fields": fields})).collect();
            let body = json!({"records": records, "typecast": input.typecast});
            created.extend(answered_records(&client.send(Method::POST, &[], Some(&body)).await?)?);
        }
        out.emit(AirtableCreateRecordsOutput::Records(created)).await
    }
}

fn create_cases() -> Vec<TestCase<AirtableCreateRecordsBlock>> {
    let fields = |name: &str| json!({"Name": name, "Done": true}).as_object().cloned().unwrap_or_default();
    let many: Vec<Map<String, Value>> = (1..=11).map(|n| fields(&format!("Task {n}"))).collect();
    let post =
        |body: Value| with_token(Exchange::post(TABLE_URL)).header("content-type", "application/json").json_body(body);
    vec![
        TestCase::new("creates records and gives them back", input(vec![fields("Write docs")]))
            .http(post(json!({"records": [{"fields": {"Name": "Write docs", "Done": true}}], "typecast": false}))
                .respond_json(200, json!({"records": [stored("rec560UJdUtocSouk", "Write docs")]})))
            .output(AirtableCreateRecordsOutput::Records(vec![emitted("rec560UJdUtocSouk", "Write docs")])),
        TestCase::new("sends ten records a request", input(many))
            .http(post(json!({"records": (1..=10).map(|n| json!({"fields": {"Name": format!("Task {n}"), "Done": true}})).collect::<Vec<_>>(), "typecast": false}))
                .respond_json(200, json!({"records": (1..=10).map(|n| stored(&format!("rec{n:014}"), &format!("Task {n}"))).collect::<Vec<_>>()})))
            .http(post(json!({"records": [{"fields": {"Name": "Task 11", "Done": true}}], "typecast": false}))
                .respond_json(200, json!({"records": [stored("rec00000000000011", "Task 11")]})))
            .output_where("records", "all eleven records, in order", |value| {
                value.as_array().is_some_and(|records| records.len() == 11 && records[10]["fields"]["Name"] == "Task 11")
            }),
        TestCase::new("names the field Airtable does not know", input(vec![fields("x")]))
            .http(post(json!({"records": [{"fields": {"Name": "x", "Done": true}}], "typecast": false}))
                .respond_json(422, json!({"error": {"type": "UNKNOWN_FIELD_NAME", "message": "Unknown field name: \"Done\""}})))
            .error_containing("Airtable rejected the request (422 UNKNOWN_FIELD_NAME: Unknown field name: \"Done\")"),
        TestCase::json("needs at least one record", json!({"base_id": "appN2XJ1w4sEmpVQz", "table": "Tasks", "records": [], "credentials": test_meta()}))
            .invalid_input(["/records"]),
    ]
}

fn input(records: Vec<Map<String, Value>>) -> AirtableCreateRecordsInput {
    AirtableCreateRecordsInput {
        base_id: super::fixtures::BASE.into(),
        table: "Tasks".into(),
        records,
        typecast: false,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: AirtableCredentials = Credentials::test();
    json!(credentials.meta())
}
