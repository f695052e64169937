//! `GoogleSheetsAppendBlock`: rows added after a table
//! (`POST /v4/spreadsheets/{id}/values/{range}:append`).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;

use super::spreadsheet_id;
use crate::google::client::api_url;
use crate::google::{Google, GoogleClient};

/// How Sheets reads the values written.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueInputOption {
    /// As if typed in the sheet: `=SUM(A1:A3)` is a formula, `2024-01-31` a date.
    #[block_value(rename = "USER_ENTERED")]
    UserEntered,
    /// Exactly as given, as text and numbers.
    #[block_value(rename = "RAW")]
    Raw,
}

impl ValueInputOption {
    fn as_query(self) -> &'static str {
        match self {
            ValueInputOption::UserEntered => "USER_ENTERED",
            ValueInputOption::Raw => "RAW",
        }
    }
}

/// Inputs of `GoogleSheetsAppendBlock`.
#[derive(BlockInput)]
pub struct GoogleSheetsAppendInput {
    /// The spreadsheet: its link or id.
    #[block_input(
        placeholder = "https://docs.google.com/spreadsheets/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit"
    )]
    pub spreadsheet: String,
    /// Where the table is, in A1 notation (`Sheet1` or `Sheet1!A:D`); rows go after
    /// its last row.
    #[block_input(default = "Sheet1", min_length = 1)]
    pub range: String,
    /// The rows to add, each a list of cell values.
    #[block_input(min_items = 1, placeholder = r#"[["2024-04-01", "Coffee", 3.5]]"#)]
    pub rows: Vec<Vec<Value>>,
    /// How Sheets reads the values: as typed (formulas, dates) or as given.
    #[block_input(default = "USER_ENTERED", advanced)]
    pub value_input: ValueInputOption,
    /// A Google account connected with permission to edit spreadsheets.
    #[block_input(scopes = ["https://www.googleapis.com/auth/spreadsheets"])]
    pub credentials: Credentials<Google, OAuth2>,
}

/// Outputs of `GoogleSheetsAppendBlock`.
#[derive(BlockOutput)]
pub enum GoogleSheetsAppendOutput {
    /// The cells written, e.g. `Sheet1!A11:C12`.
    UpdatedRange(String),
    /// How many rows were written.
    UpdatedRows(u64),
}

/// Appends rows after the table in a range of a Google Sheets spreadsheet.
#[block(id = "94ed7441-3eb7-402b-a1a9-359a37883fc0", categories(Productivity, Data), tests = sheets_append_cases)]
pub struct GoogleSheetsAppendBlock;

impl Run for GoogleSheetsAppendBlock {
    type Input = GoogleSheetsAppendInput;
    type Output = GoogleSheetsAppendOutput;

    async fn run(
        &self,
        input: GoogleSheetsAppendInput,
        ctx: &RunContext,
        out: &Emit<GoogleSheetsAppendOutput>,
    ) -> Result<(), BlockError> {
        let id = spreadsheet_id(&input.spreadsheet)?;
        let range = input.range.trim();
        let client = GoogleClient::new(ctx.http(), input.credentials.access_token());
        let url = api_url(GoogleClient::SHEETS, &["spreadsheets", &id, "values", &format!("{range}:append")])?;
        let query = [("valueInputOption", input.value_input.as_query()), ("insertDataOption", "INSERT_ROWS")];
        let body = json!({"range": range, "majorDimension": "ROWS", "values": input.rows});
        let answer = client.send(Method::POST, &url, &query, Some(&body), &format!("spreadsheet {id}")).await?;
        let updates = &answer["updates"];
        out.emit(GoogleSheetsAppendOutput::UpdatedRange(
            updates["updatedRange"].as_str().unwrap_or_default().to_owned(),
        ))
        .await?;
        out.emit(GoogleSheetsAppendOutput::UpdatedRows(updates["updatedRows"].as_u64().unwrap_or(0))).await
    }
}

const SHEET: &str = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";

fn append(range_path: &str, option: &str, body: Value) -> Exchange {
    Exchange::post(&format!(
        "https://sheets.googleapis.com/v4/spreadsheets/{SHEET}/values/{range_path}:append?valueInputOption={option}&insertDataOption=INSERT_ROWS"
    ))
    .header("authorization", "Bearer mock-google-access-token")
    .json_body(body)
}

fn appended(range: &str, rows: u64) -> Value {
    json!({"spreadsheetId": SHEET, "tableRange": "Sheet1!A1:C10",
           "updates": {"spreadsheetId": SHEET, "updatedRange": range, "updatedRows": rows, "updatedColumns": 3, "updatedCells": rows * 3}})
}

fn sheets_append_cases() -> Vec<TestCase<GoogleSheetsAppendBlock>> {
    let rows = || {
        vec![vec![json!("2024-04-01"), json!("Coffee"), json!(3.5)], vec![json!("2024-04-02"), json!("Tea"), json!(2)]]
    };
    vec![
        TestCase::new("appends rows as typed after the table", input(SHEET, "Sheet1", rows(), ValueInputOption::UserEntered))
            .http(append("Sheet1", "USER_ENTERED", json!({"range": "Sheet1", "majorDimension": "ROWS", "values": rows()}))
                .respond_json(200, appended("Sheet1!A11:C12", 2)))
            .outputs([GoogleSheetsAppendOutput::UpdatedRange("Sheet1!A11:C12".into()), GoogleSheetsAppendOutput::UpdatedRows(2)]),
        TestCase::new("writes raw values into a named sheet", input(SHEET, "Q2 Costs!A:C", vec![vec![json!("=1+1")]], ValueInputOption::Raw))
            .http(append("Q2%20Costs!A:C", "RAW", json!({"range": "Q2 Costs!A:C", "majorDimension": "ROWS", "values": [["=1+1"]]}))
                .respond_json(200, appended("'Q2 Costs'!A5", 1)))
            .outputs([GoogleSheetsAppendOutput::UpdatedRange("'Q2 Costs'!A5".into()), GoogleSheetsAppendOutput::UpdatedRows(1)]),
        TestCase::new("explains a spreadsheet the account may only view", input(SHEET, "Sheet1", rows(), ValueInputOption::UserEntered))
            .http(append("Sheet1", "USER_ENTERED", json!({"range": "Sheet1", "majorDimension": "ROWS", "values": rows()}))
                .respond_json(403, json!({"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}})))
            .error_containing("Google denied access (403: The caller does not have permission)"),
        TestCase::json("needs at least one row", json!({"spreadsheet": SHEET, "rows": [], "credentials": test_meta()})).invalid_input(["/rows"]),
    ]
}

fn input(
    spreadsheet: &str,
    range: &str,
    rows: Vec<Vec<Value>>,
    value_input: ValueInputOption,
) -> GoogleSheetsAppendInput {
    GoogleSheetsAppendInput {
        spreadsheet: spreadsheet.into(),
        range: range.into(),
        rows,
        value_input,
        credentials: Credentials::test(),
    }
}

fn test_meta() -> Value {
    let credentials: Credentials<Google, OAuth2> = Credentials::test();
    json!(credentials.meta())
}
