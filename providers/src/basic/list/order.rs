//! A total order and a canonical text of JSON values, so lists of any values can
//! be sorted and de-duplicated the same way every time.

use std::cmp::Ordering;

use block_core::Value;

/// Rank of a value's type: null < booleans < numbers < strings < lists < objects.
fn rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Orders values of different types by [`rank`], numbers by value, strings by
/// code point, lists item by item, and objects by their canonical text.
pub(super) fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => a.as_f64().unwrap_or(f64::NAN).total_cmp(&b.as_f64().unwrap_or(f64::NAN)),
        },
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Array(a), Value::Array(b)) => {
            a.iter().zip(b).map(|(a, b)| compare(a, b)).find(|o| o.is_ne()).unwrap_or_else(|| a.len().cmp(&b.len()))
        }
        (Value::Object(_), Value::Object(_)) => canonical(a).cmp(&canonical(b)),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The value as compact JSON with object members sorted by key, so two values
/// equal as JSON (whatever their members' order) have the same text.
pub(super) fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (key, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(member, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use block_core::json;

    use super::*;

    #[test]
    fn values_of_different_types_order_by_type_then_value() {
        let mut values = vec![json!({"a": 1}), json!("b"), json!(2.5), json!(null), json!([1]), json!(true), json!(-3)];
        values.sort_by(compare);
        assert_eq!(values, [json!(null), json!(true), json!(-3), json!(2.5), json!("b"), json!([1]), json!({"a": 1})]);
    }

    #[test]
    fn equal_objects_have_one_canonical_text_whatever_their_member_order() {
        assert_eq!(canonical(&json!({"b": [1, {"d": 1, "c": 2}], "a": "x"})), r#"{"a":"x","b":[1,{"c":2,"d":1}]}"#);
        assert_eq!(canonical(&json!({"a": 1, "b": 2})), canonical(&json!({"b": 2, "a": 1})));
    }
}
