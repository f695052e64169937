//! Pairs up the items of several lists.

use block_core::prelude::*;

/// Inputs of `ListZipBlock`.
#[derive(BlockInput)]
pub struct ListZipInput {
    /// The lists to zip, e.g. `[["a", "b"], [1, 2]]`.
    #[block_input(placeholder = r#"[["a", "b"], [1, 2]]"#, min_items = 1)]
    pub lists: Vec<Vec<Value>>,
    /// Go on to the end of the longest list, filling the others with `null`,
    /// instead of stopping at the end of the shortest.
    #[block_input(default = false)]
    pub fill_missing: bool,
}

/// Outputs of `ListZipBlock`.
#[derive(BlockOutput)]
pub enum ListZipOutput {
    /// One list per position: the items of every input list at that position.
    Zipped(Vec<Vec<Value>>),
}

/// Zips lists together: the first items of each list, then the second items, and
/// so on, stopping at the shortest list (or filling with `null` to the longest).
#[block(id = "0e26306e-8b0f-407a-91b4-7476d207e935", categories(Basic), tests = list_zip_cases)]
pub struct ListZipBlock;

impl Run for ListZipBlock {
    type Input = ListZipInput;
    type Output = ListZipOutput;

    async fn run(&self, input: ListZipInput, _ctx: &RunContext, out: &Emit<ListZipOutput>) -> Result<(), BlockError> {
        let lengths = input.lists.iter().map(Vec::len);
        let rows = if input.fill_missing { lengths.max() } else { lengths.min() }.unwrap_or(0);
        let mut columns: Vec<_> = input.lists.into_iter().map(Vec::into_iter).collect();
        let zipped = (0..rows)
            .map(|_| columns.iter_mut().map(|column| column.next().unwrap_or(Value::Null)).collect())
            .collect();
        out.emit(ListZipOutput::Zipped(zipped)).await
    }
}

fn list_zip_cases() -> Vec<TestCase<ListZipBlock>> {
    let zipped = |value: Value| {
        let rows = value.as_array().cloned().unwrap_or_default();
        ListZipOutput::Zipped(rows.into_iter().map(|row| row.as_array().cloned().unwrap_or_default()).collect())
    };
    vec![
        TestCase::json("pairs items by position", json!({"lists": [["a", "b"], [1, 2]]}))
            .output(zipped(json!([["a", 1], ["b", 2]]))),
        TestCase::json("stops at the shortest list", json!({"lists": [[1, 2, 3], ["x"], [true, false]]}))
            .output(zipped(json!([[1, "x", true]]))),
        TestCase::json("fills to the longest list when asked", json!({"lists": [[1, 2], ["x"]], "fill_missing": true}))
            .output(zipped(json!([[1, "x"], [2, null]]))),
        TestCase::json("an empty list zips to nothing", json!({"lists": [[1], []]})).output(zipped(json!([]))),
        TestCase::json("needs at least one list", json!({"lists": []})).invalid_input(["/lists"]),
    ]
}
