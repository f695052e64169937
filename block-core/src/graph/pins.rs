//! Dynamic pin names: a link end that addresses a part of a value.
//!
//! As in the reference platform, a name is a pin or field followed by any number
//! of steps, each a delimiter and a name:
//!
//! | delimiter | step | example |
//! |---|---|---|
//! | `_#_` | a key of an object (dict) | `values_#_name` |
//! | `_$_` | an index of a list (digits only) | `items_$_0` |
//! | `_@_` | an attribute of an object (in JSON, a key too) | `person_@_email` |
//!
//! On the source side the step picks the part out of the emitted value (a missing
//! part sends nothing on the link); on the sink side it builds the field's value
//! from the parts that arrive (`values_#_a` and `values_#_b` make `{a, b}`; a list
//! with a gap is padded with `null`).

use serde_json::{Map, Value};

/// One step into a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinStep {
    /// `_#_key`: the key of an object.
    Key(String),
    /// `_$_3`: the index of a list.
    Index(usize),
    /// `_@_name`: an attribute, a key of the object in JSON.
    Attribute(String),
}

/// A pin or field name with the steps into its value.
///
/// ```
/// use block_core::graph::{PinPath, PinStep};
///
/// let path = PinPath::parse("result_#_user_$_0").unwrap();
/// assert_eq!(path.base, "result");
/// assert_eq!(path.steps, [PinStep::Key("user".into()), PinStep::Index(0)]);
/// let value = block_core::json!({"user": ["ada", "bo"]});
/// assert_eq!(path.extract(&value), Some(&block_core::json!("ada")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinPath {
    /// The pin or field itself.
    pub base: String,
    /// The steps into its value; empty for the whole value.
    pub steps: Vec<PinStep>,
}

const DELIMITERS: [&str; 3] = ["_#_", "_$_", "_@_"];

/// The highest list index a name may address: a sink name builds a list up to its
/// index, so an unbounded one would let a graph allocate without limit.
pub const MAX_LIST_INDEX: usize = 65_535;

/// Why a dynamic name cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}`: {reason}")]
pub struct PinNameError {
    /// The name as written.
    pub name: String,
    /// What is wrong with it.
    pub reason: String,
}

impl PinPath {
    /// Reads `name`; a name without delimiters is a plain pin.
    pub fn parse(name: &str) -> Result<PinPath, PinNameError> {
        let error = |reason: &str| PinNameError { name: name.to_owned(), reason: reason.to_owned() };
        let Some((start, _)) = next_delimiter(name) else {
            return Ok(PinPath { base: name.to_owned(), steps: Vec::new() });
        };
        if start == 0 {
            return Err(error("the name starts with a delimiter, so it names no pin"));
        }
        let base = name[..start].to_owned();
        let mut rest = &name[start..];
        let mut steps = Vec::new();
        while !rest.is_empty() {
            let delimiter = &rest[..3];
            rest = &rest[3..];
            let end = next_delimiter(rest).map_or(rest.len(), |(at, _)| at);
            let part = &rest[..end];
            rest = &rest[end..];
            if part.is_empty() {
                return Err(error(&format!("`{delimiter}` is followed by nothing")));
            }
            steps.push(match delimiter {
                "_#_" => PinStep::Key(part.to_owned()),
                "_@_" => PinStep::Attribute(part.to_owned()),
                _ => match part.parse::<usize>() {
                    Ok(index) if index > MAX_LIST_INDEX => {
                        return Err(error(&format!("the list index {index} is above the limit of {MAX_LIST_INDEX}")));
                    }
                    Ok(index) if part.bytes().all(|b| b.is_ascii_digit()) => PinStep::Index(index),
                    _ => return Err(error(&format!("the list index `{part}` after `_$_` is not a number"))),
                },
            });
        }
        Ok(PinPath { base, steps })
    }

    /// Whether the name addresses a part of a value.
    pub fn is_dynamic(&self) -> bool {
        !self.steps.is_empty()
    }

    /// The part of `value` the steps address, if it has it.
    pub fn extract<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.steps.iter().try_fold(value, |value, step| match (step, value) {
            (PinStep::Key(key) | PinStep::Attribute(key), Value::Object(map)) => map.get(key),
            (PinStep::Index(index), Value::Array(items)) => items.get(*index),
            _ => None,
        })
    }

    /// Puts `part` at the steps' place inside `target`, making the objects and lists
    /// on the way (a value of another kind in the way is replaced).
    pub fn insert(&self, target: &mut Value, part: Value) {
        let mut slot = target;
        for step in &self.steps {
            slot = match step {
                PinStep::Key(key) | PinStep::Attribute(key) => {
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    let Value::Object(map) = slot else { return };
                    map.entry(key.clone()).or_insert(Value::Null)
                }
                PinStep::Index(index) => {
                    if !slot.is_array() {
                        *slot = Value::Array(Vec::new());
                    }
                    let Value::Array(items) = slot else { return };
                    if items.len() <= *index {
                        items.resize(index + 1, Value::Null);
                    }
                    &mut items[*index]
                }
            };
        }
        *slot = part;
    }
}

fn next_delimiter(name: &str) -> Option<(usize, &'static str)> {
    DELIMITERS.iter().filter_map(|delimiter| name.find(delimiter).map(|at| (at, *delimiter))).min_by_key(|(at, _)| *at)
}

/// Folds the dynamic keys of a node's input (`values_#_a`, `items_$_1`) into their
/// fields, leaving plain keys as they are. Later keys win over the field's preset
/// value only where they point.
pub(crate) fn merge_dynamic(input: &mut Map<String, Value>) {
    let dynamic: Vec<String> = input.keys().filter(|key| next_delimiter(key).is_some()).cloned().collect();
    for key in dynamic {
        let Some(part) = input.remove(&key) else { continue };
        let Ok(path) = PinPath::parse(&key) else { continue };
        let field = input.entry(path.base.clone()).or_insert(Value::Null);
        path.insert(field, part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_plain_name_is_the_whole_pin() {
        let path = PinPath::parse("result").unwrap();
        assert!(!path.is_dynamic());
        assert_eq!(path.extract(&json!(3)), Some(&json!(3)));
    }

    #[test]
    fn reads_each_kind_of_step_and_nested_steps() {
        let path = PinPath::parse("out_#_a_b_$_12_@_c").unwrap();
        assert_eq!(path.base, "out");
        assert_eq!(path.steps, [PinStep::Key("a_b".into()), PinStep::Index(12), PinStep::Attribute("c".into())]);
    }

    #[test]
    fn refuses_names_it_cannot_read() {
        for (name, reason) in [
            ("_#_x", "starts with a delimiter"),
            ("items_$_x", "`x` after `_$_` is not a number"),
            ("items_$_-1", "is not a number"),
            ("values_#_", "followed by nothing"),
            ("items_$_65536", "the list index 65536 is above the limit of 65535"),
            ("items_$_99999999999999999999999", "is not a number"),
        ] {
            let error = PinPath::parse(name).unwrap_err();
            assert!(error.to_string().contains(reason), "{name}: {error}");
        }
    }

    #[test]
    fn extracting_a_missing_part_gives_nothing() {
        let path = PinPath::parse("result_#_missing").unwrap();
        assert_eq!(path.extract(&json!({"present": 1})), None);
        assert_eq!(PinPath::parse("r_$_1").unwrap().extract(&json!({"1": 1})), None);
    }

    #[test]
    fn merging_builds_objects_and_padded_lists() {
        let mut input = Map::new();
        input.insert("values_#_b".into(), json!(2));
        input.insert("values_#_a".into(), json!(1));
        input.insert("items_$_2".into(), json!("c"));
        input.insert("person_@_name".into(), json!("Ada"));
        input.insert("plain".into(), json!(true));
        merge_dynamic(&mut input);
        assert_eq!(
            Value::Object(input),
            json!({"plain": true, "values": {"b": 2, "a": 1}, "items": [null, null, "c"], "person": {"name": "Ada"}})
        );
    }

    #[test]
    fn merging_keeps_the_preset_parts_it_does_not_replace() {
        let mut input = Map::new();
        input.insert("values".into(), json!({"kept": 0, "a": "old"}));
        input.insert("values_#_a".into(), json!("new"));
        merge_dynamic(&mut input);
        assert_eq!(input["values"], json!({"kept": 0, "a": "new"}));
    }
}
