//! Pages as a workflow wants them: each property as a plain value instead of
//! Notion's typed objects.

use block_core::prelude::*;
use serde_json::Map;

/// `{id, url, created_time, last_edited_time, properties}` of a Notion page, each
/// property read as a plain value: texts as strings, selects as their names,
/// dates as their start, people and relations as lists of ids or names.
pub fn page_summary(page: &Value) -> Value {
    let properties: Map<String, Value> = page["properties"]
        .as_object()
        .map(|members| members.iter().map(|(name, property)| (name.clone(), plain_value(property))).collect())
        .unwrap_or_default();
    json!({
        "id": page["id"],
        "url": page["url"],
        "created_time": page["created_time"],
        "last_edited_time": page["last_edited_time"],
        "properties": properties,
    })
}

fn plain_text(rich_text: &Value) -> Value {
    let text: String =
        rich_text.as_array().into_iter().flatten().filter_map(|part| part["plain_text"].as_str()).collect();
    Value::String(text)
}

fn names(list: &Value, key: &str) -> Value {
    Value::Array(list.as_array().into_iter().flatten().map(|item| item[key].clone()).collect())
}

/// One property's value; an unknown type is kept as Notion sent it.
fn plain_value(property: &Value) -> Value {
    let kind = property["type"].as_str().unwrap_or_default();
    let value = &property[kind];
    match kind {
        "title" | "rich_text" => plain_text(value),
        "select" | "status" => value["name"].clone(),
        "multi_select" => names(value, "name"),
        "date" => value["start"].clone(),
        "people" => names(value, "id"),
        "relation" => names(value, "id"),
        "files" => names(value, "name"),
        "formula" => value[value["type"].as_str().unwrap_or_default()].clone(),
        "unique_id" => match (value["prefix"].as_str(), value["number"].as_i64()) {
            (Some(prefix), Some(number)) => json!(format!("{prefix}-{number}")),
            (None, Some(number)) => json!(number),
            _ => Value::Null,
        },
        "created_by" | "last_edited_by" => value["id"].clone(),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_property_type_as_a_plain_value() {
        let page = json!({
            "object": "page", "id": "p1", "url": "https://www.notion.so/p1",
            "created_time": "2024-01-01T00:00:00.000Z", "last_edited_time": "2024-01-02T00:00:00.000Z",
            "properties": {
                "Name": {"id": "title", "type": "title", "title": [{"type": "text", "plain_text": "Fix "}, {"type": "text", "plain_text": "login"}]},
                "Estimate": {"id": "a", "type": "number", "number": 3},
                "Stage": {"id": "b", "type": "status", "status": {"id": "s", "name": "In progress", "color": "blue"}},
                "Tags": {"id": "c", "type": "multi_select", "multi_select": [{"name": "bug"}, {"name": "auth"}]},
                "Due": {"id": "d", "type": "date", "date": {"start": "2024-02-01", "end": null}},
                "Done": {"id": "e", "type": "checkbox", "checkbox": false},
                "Score": {"id": "f", "type": "formula", "formula": {"type": "number", "number": 42}},
                "Ticket": {"id": "g", "type": "unique_id", "unique_id": {"prefix": "ENG", "number": 7}},
            },
        });
        assert_eq!(
            page_summary(&page)["properties"],
            json!({
                "Name": "Fix login", "Estimate": 3, "Stage": "In progress", "Tags": ["bug", "auth"],
                "Due": "2024-02-01", "Done": false, "Score": 42, "Ticket": "ENG-7",
            })
        );
    }
}
