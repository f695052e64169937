//! `GoogleSheetsReadBlock`: the values of a range
//! (`GET /v4/spreadsheets/{id}/values/{range}`).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;
use serde_json::Map;

use super::spreadsheet_id;
use crate::google::client::api_url;
use crate::google::{Google, GoogleClient};

/// Inputs of `GoogleSheetsReadBlock`.
#[derive(BlockInput)]
pub struct GoogleSheetsReadInput {
    /// The spreadsheet: its link or id.
    #[block_input(
        placeholder = "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit"
    )]
    pub spreadsheet: String,
    /// The range in A1 notation: `Sheet1!A1:D20`, `Sheet1`, or a named range.
    #[block_input(placeholder = "Sheet1!A1:D20", min_length = 1)]
    pub range: String,
    /// The first row holds column names: rows also come out as objects keyed by them.
    #[block_input(default = false)]
    pub has_header: bool,
    /// A Google account connected with permission to read spreadsheets.
    #[block_input(scopes = ["https://www.googleapis.com/auth/spreadsheets.readonly"])]
    pub credentials: Credentials<Google, OAuth2>,
}

/// Outputs of `GoogleSheetsReadBlock`.
#[derive(BlockOutput)]
pub enum GoogleSheetsReadOutput {
    /// Every row, as a list of cell values as shown in the sheet (trailing empty
    /// cells left out, as Google sends them).
    Values(Vec<Vec<Value>>),
    /// With `has_header`: every row after the first as an object keyed by the
    /// first row's names (missing cells are empty texts).
    Records(Vec<Map<String, Value>>),
    /// The range Google read, e.g. `Sheet1!A1:D20`.
    Range(String),
}

/// Reads a range of a Google Sheets spreadsheet: rows of values, and records keyed
/// by the header row when asked.
#[block(id = "a673f1d0-185a-43a7-8f5b-972845634fd4", categories(Productivity, Data), tests = sheets_read_cases)]
pub struct GoogleSheetsReadBlock;

impl Run for GoogleSheetsReadBlock {
    type Input = GoogleSheetsReadInput;
    type Output = GoogleSheetsReadOutput;

    async fn run(
        &self,
        input: GoogleSheetsReadInput,
        ctx: &RunContext,
        out: &Emit<GoogleSheetsReadOutput>,
    ) -> Result<(), BlockError> {
        let id = spreadsheet_id(&input.spreadsheet)?;
        let client = GoogleClient::new(ctx.http(), input.credentials.access_token());
        let url = api_url(GoogleClient::SHEETS, &["spreadsheets", &id, "values", input.range.trim()])?;
        let answer =
            client.send(Method::GET, &url, &[("majorDimension", "ROWS")], None, &format!("spreadsheet {id}")).await?;
        let values: Vec<Vec<Value>> = answer["values"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| row.as_array().cloned().unwrap_or_default())
            .collect();
        let range = answer["range"].as_str().unwrap_or_default().to_owned();
        if input.has_header {
            out.emit(GoogleSheetsReadOutput::Records(records(&values))).await?;
        }
        out.emit(GoogleSheetsReadOutput::Values(values)).await?;
        out.emit(GoogleSheetsReadOutput::Range(range)).await
    }
}

/// Rows after the first, keyed by the first row's cells.
fn records(values: &[Vec<Value>]) -> Vec<Map<String, Value>> {
    let Some((header, rows)) = values.split_first() else { return Vec::new() };
    let names: Vec<String> =
        header.iter().map(|cell| cell.as_str().map_or_else(|| cell.to_string(), str::to_owned)).collect();
    rows.iter()
        .map(|row| {
            names
                .iter()
                .enumerate()
                .map(|(index, name)| (name.clone(), row.get(index).cloned().unwrap_or_else(|| json!(""))))
                .collect()
        })
        .collect()
}

const SHEET: &str = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";

fn get(range_path: &str) -> Exchange {
    Exchange::get(&format!(
        "https://sheets.googleapis.com/v4/spreadsheets/{SHEET}/values/{range_path}?majorDimension=ROWS"
    ))
    .header("authorization", "Bearer mock-google-access-token")
}

fn sheets_read_cases() -> Vec<TestCase<GoogleSheetsReadBlock>> {
    let values = json!({"range": "Class Data!A1:C3", "majorDimension": "ROWS",
                        "values": [["Name", "Major", "Year"], ["Alexandra", "English", "4"], ["Andrew", "Math"]]});
    let rows = || {
        vec![
            vec![json!("Name"), json!("Major"), json!("Year")],
            vec![json!("Alexandra"), json!("English"), json!("4")],
            vec![json!("Andrew"), json!("Math")],
        ]
    };
    let record = |value: Value| value.as_object().cloned().unwrap_or_default();
    vec![
        TestCase::new("reads a range from a link, encoding the sheet name", input(&format!("https://docs.google.com/spreadsheets/d/{SHEET}/edit#gid=0"), "Class Data!A1:C3", false))
            .http(get("Class%20Data!A1:C3").respond_json(200, values.clone()))
            .outputs([GoogleSheetsReadOutput::Values(rows()), GoogleSheetsReadOutput::Range("Class Data!A1:C3".into())]),
        TestCase::new("keys rows by the header row when asked", input(SHEET, "Class Data!A1:C3", true))
            .http(get("Class%20Data!A1:C3").respond_json(200, values))
            .outputs([
                GoogleSheetsReadOutput::Records(vec![
                    record(json!({"Name": "Alexandra", "Major": "English", "Year": "4"})),
                    record(json!({"Name": "Andrew", "Major": "Math", "Year": ""})),
                ]),
                GoogleSheetsReadOutput::Values(rows()),
                GoogleSheetsReadOutput::Range("Class Data!A1:C3".into()),
            ]),
        TestCase::new("an empty range has no rows", input(SHEET, "Sheet1!Z1:Z9", false))
            .http(get("Sheet1!Z1:Z9").respond_json(200, json!({"range": "Sheet1!Z1:Z9", "majorDimension": "ROWS"})))
            .outputs([GoogleSheetsReadOutput::Values(vec![]), GoogleSheetsReadOutput::Range("Sheet1!Z1:Z9".into())]),
        TestCase::new("passes on a range Google cannot read", input(SHEET, "Nope!A1", false))
            .http(get("Nope!A1").respond_json(400, json!({"error": {"code": 400, "message": "Unable to parse range: Nope!A1", "status": "INVALID_ARGUMENT"}})))
            .error_containing("Google rejected the request (400: Unable to parse range: Nope!A1)"),
        TestCase::new("names a spreadsheet Google does not find", input(SHEET, "A1", false))
            .http(get("A1").respond_json(404, json!({"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}})))
            .error_containing(format!("Google found no spreadsheet {SHEET} (404: Requested entity was not found.)")),
        TestCase::new("refuses something that is not a spreadsheet", input("../../drive/v3/files", "A1", false))
            .error_containing("input `spreadsheet`: `../../drive/v3/files` is not a spreadsheet id or link"),
    ]
}

fn input(spreadsheet: &str, range: &str, has_header: bool) -> GoogleSheetsReadInput {
    GoogleSheetsReadInput {
        spreadsheet: spreadsheet.into(),
        range: range.into(),
        has_header,
        credentials: Credentials::test(),
    }
}
