//! Emits the items of a list one by one.

use block_core::prelude::*;

/// Inputs of `ListIteratorBlock`.
#[derive(BlockInput)]
pub struct ListIteratorInput {
    /// The items to go through, in order.
    #[block_input(placeholder = r#"["a", "b", "c"]"#)]
    pub items: Vec<Value>,
}

/// Outputs of `ListIteratorBlock`.
#[derive(BlockOutput)]
pub enum ListIteratorOutput {
    /// One item of the list; emitted once per item, in order.
    Item(Value),
    /// The position of the item just emitted, counting from 0.
    Key(u64),
}

/// Goes through a list and emits each item on `item`, followed by its position on
/// `key`. An empty list emits nothing.
#[block(id = "ebe2dd5c-79b9-4ba2-ab55-15d191464e98", categories(Logic), tests = list_iterator_cases)]
pub struct ListIteratorBlock;

impl Run for ListIteratorBlock {
    type Input = ListIteratorInput;
    type Output = ListIteratorOutput;

    async fn run(
        &self,
        input: ListIteratorInput,
        _ctx: &RunContext,
        out: &Emit<ListIteratorOutput>,
    ) -> Result<(), BlockError> {
        for (key, item) in (0u64..).zip(input.items) {
            out.emit(ListIteratorOutput::Item(item)).await?;
            out.emit(ListIteratorOutput::Key(key)).await?;
        }
        Ok(())
    }
}

fn list_iterator_cases() -> Vec<TestCase<ListIteratorBlock>> {
    vec![
        TestCase::new(
            "emits each item then its position, in order",
            ListIteratorInput { items: vec![json!("a"), json!({"b": 1}), json!(null)] },
        )
        .outputs([
            ListIteratorOutput::Item(json!("a")),
            ListIteratorOutput::Key(0),
            ListIteratorOutput::Item(json!({"b": 1})),
            ListIteratorOutput::Key(1),
            ListIteratorOutput::Item(Value::Null),
            ListIteratorOutput::Key(2),
        ]),
        TestCase::new("an empty list emits nothing", ListIteratorInput { items: vec![] }),
        TestCase::new("nested lists are emitted whole", ListIteratorInput { items: vec![json!([1, 2])] })
            .outputs([ListIteratorOutput::Item(json!([1, 2])), ListIteratorOutput::Key(0)]),
        TestCase::new(
            "emits more items than the output channel holds",
            ListIteratorInput { items: (0..100).map(|n| json!(n)).collect() },
        )
        .outputs((0..100u64).flat_map(|n| [ListIteratorOutput::Item(json!(n)), ListIteratorOutput::Key(n)])),
        TestCase::json("items must be a list", json!({"items": {"a": 1}})).invalid_input(["/items"]),
        TestCase::json("items are required", json!({})).invalid_input([""]),
    ]
}
