//! Block info in the reference platform's `GET /blocks` shape.

use serde_json::{Value, json};

use crate::BlockDescriptor;

/// `{id, name, description, inputSchema, outputSchema, categories, contributors,
/// staticOutput, uiType, costs}`.
pub(super) fn render(descriptor: &BlockDescriptor, input_schema: &Value, output_schema: &Value) -> Value {
    let categories: Vec<Value> = descriptor
        .categories
        .iter()
        .map(|category| json!({"category": category.as_str(), "description": category.description()}))
        .collect();
    let contributors: Vec<Value> = descriptor.contributors.iter().map(|name| json!({"name": name})).collect();
    json!({
        "id": descriptor.id,
        "name": descriptor.name,
        "description": descriptor.description,
        "inputSchema": input_schema,
        "outputSchema": output_schema,
        "categories": categories,
        "contributors": contributors,
        "staticOutput": descriptor.static_output,
        "uiType": descriptor.block_type.as_str(),
        "costs": [],
    })
}
