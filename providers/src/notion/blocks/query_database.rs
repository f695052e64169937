//! `NotionQueryDatabaseBlock`: the rows of a database, filtered and sorted
//! (`POST /v1/databases/{id}/query`, page by page).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;
use serde_json::Map;

use super::{id_input, page_summary};
use crate::notion::{NotionClient, NotionCredentials};

/// Inputs of `NotionQueryDatabaseBlock`.
#[derive(BlockInput)]
pub struct NotionQueryDatabaseInput {
    /// The database: its link or id. It must be shared with the integration.
    #[block_input(placeholder = "https://www.notion.so/acme/598337872cf94fdf8782e53db20768a5?v=...")]
    pub database_id: String,
    /// A Notion filter object, e.g. `{"property": "Done", "checkbox": {"equals": false}}`.
    #[block_input(advanced)]
    pub filter: Option<Map<String, Value>>,
    /// Notion sort objects, e.g. `[{"property": "Due", "direction": "ascending"}]`.
    #[block_input(default = [], advanced)]
    pub sorts: Vec<Value>,
    /// The most rows to read (Notion sends 100 per page).
    #[block_input(default = 100, min = 1, max = 1000)]
    pub max_results: u32,
    /// An integration token or a Notion OAuth login.
    pub credentials: NotionCredentials,
}

/// Outputs of `NotionQueryDatabaseBlock`.
#[derive(BlockOutput)]
pub enum NotionQueryDatabaseOutput {
    /// One row: `id`, `url`, `created_time`, `last_edited_time`, and
    /// `properties` as plain values (texts, numbers, select names, date starts, ...).
    Row(Value),
    /// Every row read, in Notion's order.
    Rows(Vec<Value>),
    /// Whether the database holds more rows than `max_results`.
    HasMore(bool),
}

/// Reads the rows of a Notion database, with an optional filter and sorts, as
/// plain values.
#[block(id = "c166ee57-b3bf-4960-ae63-17621abbddd2", categories(Productivity, Data), tests = query_database_cases)]
pub struct NotionQueryDatabaseBlock;

impl Run for NotionQueryDatabaseBlock {
    type Input = NotionQueryDatabaseInput;
    type Output = NotionQueryDatabaseOutput;

    async fn run(
        &self,
        input: NotionQueryDatabaseInput,
        ctx: &RunContext,
        out: &Emit<NotionQueryDatabaseOutput>,
    ) -> Result<(), BlockError> {
        let database = id_input("database_id", &input.database_id)?;
        let client = NotionClient::from_credentials(ctx.http(), input.credentials.get())?;
        let limit = input.max_results as usize;
        let mut rows = Vec::new();
        let mut cursor: Option<String> = None;
        let has_more = loop {
            let mut body = json!({"page_size": (limit - rows.len()).min(100)});
            if let Some(filter) = &input.filter {
                body["filter"] = Value::Object(filter.clone());
            }
            if !input.sorts.is_empty() {
                body["sorts"] = Value::Array(input.sorts.clone());
            }
            if let Some(cursor) = &cursor {
                body["start_cursor"] = json!(cursor);
            }
            let page = client
                .send(
                    Method::POST,
                    &format!("/databases/{database}/query"),
                    Some(&body),
                    &format!("database {database}"),
                )
                .await?;
            let results =
                page["results"].as_array().ok_or_else(|| BlockError::new("Notion's answer has no `results` list"))?;
            rows.extend(results.iter().map(page_summary));
            let more = page["has_more"] == true;
            match page["next_cursor"].as_str() {
                Some(next) if more && rows.len() < limit => cursor = Some(next.to_owned()),
                _ => break more,
            }
        };
        rows.truncate(limit);
        for row in &rows {
            out.emit(NotionQueryDatabaseOutput::Row(row.clone())).await?;
        }
        out.emit(NotionQueryDatabaseOutput::Rows(rows)).await?;
        out.emit(NotionQueryDatabaseOutput::HasMore(has_more)).await
    }
}

const DATABASE: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";

fn query(body: Value) -> Exchange {
    Exchange::post(&format!("https://api.notion.com/v1/databases/{DATABASE}/query"))
        .header("authorization", "Bearer mock-notion-api-key")
        .header("notion-version", "2022-06-28")
        .json_body(body)
}

fn row(id: &str, name: &str) -> Value {
    json!({
        "object": "page", "id": id, "created_time": "2024-03-01T12:00:00.000Z", "last_edited_time": "2024-03-02T12:00:00.000Z",
        "parent": {"type": "database_id", "database_id": DATABASE}, "archived": false,
        "url": format!("https://www.notion.so/{}", id.replace('-', "")),
        "properties": {
            "Name": {"id": "title", "type": "title", "title": [{"type": "text", "text": {"content": name, "link": null}, "plain_text": name, "href": null}]},
            "Done": {"id": "%3AUPp", "type": "checkbox", "checkbox": false},
        },
    })
}

fn summary(id: &str, name: &str) -> Value {
    json!({"id": id, "url": format!("https://www.notion.so/{}", id.replace('-', "")), "created_time": "2024-03-01T12:00:00.000Z",
           "last_edited_time": "2024-03-02T12:00:00.000Z", "properties": {"Name": name, "Done": false}})
}

fn list(results: Vec<Value>, next: Option<&str>) -> Value {
    json!({"object": "list", "results": results, "next_cursor": next, "has_more": next.is_some(), "type": "page_or_database", "page_or_database": {}})
}

fn query_database_cases() -> Vec<TestCase<NotionQueryDatabaseBlock>> {
    let a = "a1b2c3d4-0000-4000-8000-000000000001";
    let b = "a1b2c3d4-0000-4000-8000-000000000002";
    vec![
        TestCase::new("reads rows across pages with a filter and sorts", NotionQueryDatabaseInput {
            filter: json!({"property": "Done", "checkbox": {"equals": false}}).as_object().cloned(),
            sorts: vec![json!({"property": "Name", "direction": "ascending"})],
            ..input(DATABASE, 100)
        })
        .http(query(json!({"page_size": 100, "filter": {"property": "Done", "checkbox": {"equals": false}},
                           "sorts": [{"property": "Name", "direction": "ascending"}]}))
            .respond_json(200, list(vec![row(a, "Write docs")], Some(b))))
        .http(query(json!({"page_size": 99, "filter": {"property": "Done", "checkbox": {"equals": false}},
                           "sorts": [{"property": "Name", "direction": "ascending"}], "start_cursor": b}))
            .respond_json(200, list(vec![row(b, "Ship it")], None)))
        .outputs([
            NotionQueryDatabaseOutput::Row(summary(a, "Write docs")),
            NotionQueryDatabaseOutput::Row(summary(b, "Ship it")),
            NotionQueryDatabaseOutput::Rows(vec![summary(a, "Write docs"), summary(b, "Ship it")]),
            NotionQueryDatabaseOutput::HasMore(false),
        ]),
        TestCase::new("stops at max_results and says there is more", input(DATABASE, 1))
            .http(query(json!({"page_size": 1})).respond_json(200, list(vec![row(a, "Write docs")], Some(b))))
            .outputs([
                NotionQueryDatabaseOutput::Row(summary(a, "Write docs")),
                NotionQueryDatabaseOutput::Rows(vec![summary(a, "Write docs")]),
                NotionQueryDatabaseOutput::HasMore(true),
            ]),
        TestCase::new("explains a database not shared with the integration", input(DATABASE, 100))
            .http(query(json!({"page_size": 100})).respond_json(404, json!({
                "object": "error", "status": 404, "code": "object_not_found",
                "message": format!("Could not find database with ID: {DATABASE}."),
            })))
            .error_containing(format!("Notion found no database {DATABASE} (404")),
        TestCase::new("names what Notion found wrong with the filter", input(DATABASE, 100))
            .http(query(json!({"page_size": 100})).respond_json(400, json!({
                "object": "error", "status": 400, "code": "validation_error", "message": "body failed validation: body.filter.or should be defined.",
            })))
            .error_containing("Notion rejected the request (400 validation_error: body failed validation"),
        TestCase::json("reads at most 1000 rows", json!({"database_id": DATABASE, "max_results": 5000, "credentials": test_meta()}))
            .invalid_input(["/max_results"]),
    ]
}

fn input(database: &str, max_results: u32) -> NotionQueryDatabaseInput {
    NotionQueryDatabaseInput {
        database_id: database.into(),
        filter: None,
        sorts: vec![],
        max_results,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: NotionCredentials = Credentials::test();
    json!(credentials.meta())
}
