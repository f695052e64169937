//! Reads the rows of a CSV text.

use block_core::prelude::*;
use serde_json::Map;

use super::single_byte;

/// Inputs of `ReadCsvBlock`.
#[derive(BlockInput)]
pub struct ReadCsvInput {
    /// The CSV text.
    #[block_input(placeholder = "name,age\nAda,36")]
    pub contents: String,
    /// The character between fields: `,`, `;`, `|`, or `\t` for a tab.
    #[block_input(default = ",", max_length = 2)]
    pub delimiter: String,
    /// The character around fields that hold delimiters or line breaks.
    #[block_input(default = "\"", advanced, max_length = 1)]
    pub quotechar: String,
    /// The first row names the columns: rows come out as objects keyed by those
    /// names. Off: rows come out as lists.
    #[block_input(default = true)]
    pub has_header: bool,
    /// Rows to skip before the header (or the first row), e.g. a title line.
    #[block_input(default = 0, advanced)]
    pub skip_rows: u32,
    /// Trim white space around every field.
    #[block_input(default = true)]
    pub strip: bool,
}

/// Outputs of `ReadCsvBlock`.
#[derive(BlockOutput)]
pub enum ReadCsvOutput {
    /// One row: an object by column name, or a list without a header; once per row.
    Row(Value),
    /// Every row, in order.
    AllData(Vec<Value>),
}

/// Reads a CSV text (RFC 4180: quoted fields may hold delimiters, quotes and line
/// breaks) into rows: objects keyed by the header's column names, or lists. A row
/// with more fields than the header fails the run, naming the line.
#[block(id = "846d81eb-6cc0-4803-8cf4-4dfc70075d2b", categories(Data, Text), tests = read_csv_cases)]
pub struct ReadCsvBlock;

impl Run for ReadCsvBlock {
    type Input = ReadCsvInput;
    type Output = ReadCsvOutput;

    async fn run(&self, input: ReadCsvInput, _ctx: &RunContext, out: &Emit<ReadCsvOutput>) -> Result<(), BlockError> {
        let rows = read_rows(&input)?;
        for row in &rows {
            out.emit(ReadCsvOutput::Row(row.clone())).await?;
        }
        out.emit(ReadCsvOutput::AllData(rows)).await
    }
}

fn read_rows(input: &ReadCsvInput) -> Result<Vec<Value>, BlockError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(single_byte("delimiter", &input.delimiter)?)
        .quote(single_byte("quotechar", &input.quotechar)?)
        .has_headers(false)
        .flexible(true)
        .trim(if input.strip { csv::Trim::All } else { csv::Trim::None })
        .from_reader(input.contents.as_bytes());
    let mut records = reader.records().skip(input.skip_rows as usize);
    let header = if input.has_header {
        match records.next() {
            Some(record) => Some(record.map_err(unreadable)?.iter().map(str::to_owned).collect::<Vec<_>>()),
            None => return Ok(Vec::new()),
        }
    } else {
        None
    };
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(unreadable)?;
        let row = match &header {
            None => Value::Array(record.iter().map(|field| Value::String(field.to_owned())).collect()),
            Some(names) => {
                if record.len() > names.len() {
                    let line = record.position().map_or(0, csv::Position::line);
                    return Err(BlockError::new(format!(
                        "line {line} has {} fields but the header names {} columns",
                        record.len(),
                        names.len()
                    )));
                }
                // Short rows leave the missing columns empty, as spreadsheets do.
                let mut object = Map::new();
                for (index, name) in names.iter().enumerate() {
                    object.insert(name.clone(), Value::String(record.get(index).unwrap_or_default().to_owned()));
                }
                Value::Object(object)
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

fn unreadable(error: csv::Error) -> BlockError {
    BlockError::new(format!("input `contents` is not readable CSV: {error}"))
}

fn read_csv_cases() -> Vec<TestCase<ReadCsvBlock>> {
    vec![
        TestCase::json("reads rows as objects by header", json!({"contents": "name, age\nAda, 36\nBo,7\n"})).outputs([
            ReadCsvOutput::Row(json!({"name": "Ada", "age": "36"})),
            ReadCsvOutput::Row(json!({"name": "Bo", "age": "7"})),
            ReadCsvOutput::AllData(vec![json!({"name": "Ada", "age": "36"}), json!({"name": "Bo", "age": "7"})]),
        ]),
        TestCase::json(
            "quoted fields keep delimiters, quotes and line breaks",
            json!({"contents": "a,b\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n", "strip": false}),
        )
        .outputs([
            ReadCsvOutput::Row(json!({"a": "x, y", "b": "say \"hi\"\nthere"})),
            ReadCsvOutput::AllData(vec![json!({"a": "x, y", "b": "say \"hi\"\nthere"})]),
        ]),
        TestCase::json(
            "reads lists without a header, after skipped rows, with another delimiter",
            json!({"contents": "Report\n1;2\n3;4", "has_header": false, "delimiter": ";", "skip_rows": 1}),
        )
        .outputs([
            ReadCsvOutput::Row(json!(["1", "2"])),
            ReadCsvOutput::Row(json!(["3", "4"])),
            ReadCsvOutput::AllData(vec![json!(["1", "2"]), json!(["3", "4"])]),
        ]),
        TestCase::json("reads tab-separated values", json!({"contents": "k\tv\n1\t2", "delimiter": "\\t"})).outputs([
            ReadCsvOutput::Row(json!({"k": "1", "v": "2"})),
            ReadCsvOutput::AllData(vec![json!({"k": "1", "v": "2"})]),
        ]),
        TestCase::json("a short row leaves columns empty", json!({"contents": "a,b\n1"})).outputs([
            ReadCsvOutput::Row(json!({"a": "1", "b": ""})),
            ReadCsvOutput::AllData(vec![json!({"a": "1", "b": ""})]),
        ]),
        TestCase::json("a long row names its line", json!({"contents": "a,b\n1,2\n1,2,3"}))
            .error_containing("line 3 has 3 fields but the header names 2 columns"),
        TestCase::json("a delimiter of two characters is refused", json!({"contents": "a", "delimiter": ";;"}))
            .error_containing("input `delimiter` must be one ASCII character"),
        TestCase::json("an empty text has no rows", json!({"contents": ""})).output(ReadCsvOutput::AllData(vec![])),
    ]
}
