//! Writes rows as CSV text.

use block_core::prelude::*;

use super::single_byte;

/// Inputs of `CsvFormatBlock`.
#[derive(BlockInput)]
pub struct CsvFormatInput {
    /// The rows: objects (their keys become the columns, in order of first
    /// appearance) or lists of fields.
    #[block_input(placeholder = r#"[{"name": "Ada", "age": 36}]"#)]
    pub rows: Vec<Value>,
    /// The character between fields: `,`, `;`, `|`, or `\t` for a tab.
    #[block_input(default = ",", max_length = 2)]
    pub delimiter: String,
    /// Start with a row of column names (for rows that are objects).
    #[block_input(default = true)]
    pub include_header: bool,
}

/// Outputs of `CsvFormatBlock`.
#[derive(BlockOutput)]
pub enum CsvFormatOutput {
    /// The CSV text, one line per row, each ending with a line break.
    Csv(String),
}

/// Writes rows (objects or lists) as CSV text, quoting fields that need it. Texts
/// are written as they are, other values as JSON, and `null` as an empty field.
#[block(id = "d5ecfee2-0b2f-43b8-ab12-a2e44be7cfe0", categories(Data, Text), tests = csv_format_cases)]
pub struct CsvFormatBlock;

impl Run for CsvFormatBlock {
    type Input = CsvFormatInput;
    type Output = CsvFormatOutput;

    async fn run(
        &self,
        input: CsvFormatInput,
        _ctx: &RunContext,
        out: &Emit<CsvFormatOutput>,
    ) -> Result<(), BlockError> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(single_byte("delimiter", &input.delimiter)?)
            .flexible(true)
            .from_writer(Vec::new());
        let objects = input.rows.first().is_some_and(Value::is_object);
        let columns = if objects { column_names(&input.rows) } else { Vec::new() };
        if objects && input.include_header {
            writer.write_record(&columns).map_err(write_failed)?;
        }
        for (index, row) in input.rows.iter().enumerate() {
            let fields: Vec<String> = match row {
                Value::Object(members) if objects => {
                    columns.iter().map(|name| field(members.get(name).unwrap_or(&Value::Null))).collect()
                }
                Value::Array(items) if !objects => items.iter().map(field).collect(),
                _ => {
                    return Err(BlockError::new(format!(
                        "input `rows`: item {index} is not like the others; give every row as an object, or every \
                         row as a list"
                    )));
                }
            };
            writer.write_record(&fields).map_err(write_failed)?;
        }
        let bytes = writer.into_inner().map_err(|error| BlockError::new(format!("writing the CSV failed: {error}")))?;
        let text = String::from_utf8(bytes).map_err(|_| BlockError::new("writing the CSV gave invalid UTF-8"))?;
        out.emit(CsvFormatOutput::Csv(text)).await
    }
}

/// The keys of every object, in order of first appearance.
fn column_names(rows: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for key in rows.iter().filter_map(Value::as_object).flat_map(|members| members.keys()) {
        if !names.contains(key) {
            names.push(key.clone());
        }
    }
    names
}

fn field(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn write_failed(error: csv::Error) -> BlockError {
    BlockError::new(format!("writing the CSV failed: {error}"))
}

fn csv_format_cases() -> Vec<TestCase<CsvFormatBlock>> {
    let csv = |text: &str| CsvFormatOutput::Csv(text.into());
    vec![
        TestCase::json(
            "writes objects under a header of their keys",
            json!({"rows": [{"name": "Ada", "age": 36}, {"name": "Bo", "city": "Oslo"}]}),
        )
        .output(csv("name,age,city\nAda,36,\nBo,,Oslo\n")),
        TestCase::json(
            "quotes fields holding delimiters, quotes or line breaks",
            json!({"rows": [["a,b", "say \"hi\"", "two\nlines", null, true]]}),
        )
        .output(csv("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,true\n")),
        TestCase::json(
            "leaves the header out when asked, with another delimiter",
            json!({"rows": [{"k": 1}], "include_header": false, "delimiter": ";"}),
        )
        .output(csv("1\n")),
        TestCase::json("writes nested values as JSON", json!({"rows": [{"tags": ["x", "y"]}]}))
            .output(csv("tags\n\"[\"\"x\"\",\"\"y\"\"]\"\n")),
        TestCase::json("no rows give an empty text", json!({"rows": []})).output(csv("")),
        TestCase::json("rows must all be objects or all lists", json!({"rows": [{"a": 1}, [1]]}))
            .error_containing("input `rows`: item 1 is not like the others"),
    ]
}
