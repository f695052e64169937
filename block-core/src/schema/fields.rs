//! The fields of an input object, as the `Deserialize` that `#[derive(BlockInput)]`
//! writes takes them: by name, one at a time, each with its own type's
//! `Deserialize`.
//!
//! The derive could instead emit serde's own derive for a private wire struct, but
//! that is a field enum, two visitors and their `visit_*` methods per input type,
//! compiled again for every block. This path is compiled once, in this crate; a
//! block's expansion keeps only one call per field.

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use super::missing::missing_field;

/// An input object read for the derived `Deserialize` of an input struct.
#[doc(hidden)]
#[derive(Debug)]
pub struct InputFields {
    object: Map<String, Value>,
}

impl InputFields {
    /// Reads an input object, refusing keys not in `names` (as serde's
    /// `deny_unknown_fields` does). Generic over the deserializer only: one copy
    /// serves every input type.
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D, names: &'static [&'static str]) -> Result<Self, D::Error> {
        let object = Map::<String, Value>::deserialize(deserializer)?;
        match object.keys().find(|key| !names.contains(&key.as_str())) {
            Some(unknown) => Err(de::Error::unknown_field(unknown, names)),
            None => Ok(InputFields { object }),
        }
    }

    /// Takes field `name`. An absent field is what the type makes of absence:
    /// `None` for an `Option`, "missing field `name`" for a type that needs a value.
    pub fn take<T: DeserializeOwned>(&mut self, name: &'static str) -> Result<T, serde_json::Error> {
        match self.object.remove(name) {
            Some(value) => T::deserialize(value).map_err(|error| in_field(name, error)),
            None => missing_field::<T>().map_err(|_| de::Error::missing_field(name)),
        }
    }

    /// Takes field `name`, or `default()` when it is absent or `null`.
    pub fn take_or<T: DeserializeOwned>(
        &mut self,
        name: &'static str,
        default: fn() -> Result<T, serde_json::Error>,
    ) -> Result<T, serde_json::Error> {
        match self.object.remove(name) {
            Some(value) => match Option::<T>::deserialize(value).map_err(|error| in_field(name, error))? {
                Some(value) => Ok(value),
                None => default(),
            },
            None => default(),
        }
    }
}

/// A field's error, saying which field.
fn in_field(name: &str, error: serde_json::Error) -> serde_json::Error {
    de::Error::custom(format_args!("field `{name}`: {error}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        text: String,
        times: u32,
        note: Option<String>,
    }

    fn build(fields: &mut InputFields) -> Result<Pair, serde_json::Error> {
        Ok(Pair { text: fields.take("text")?, times: fields.take_or("times", || Ok(1))?, note: fields.take("note")? })
    }

    const NAMES: &[&str] = &["text", "times", "note"];

    fn read(value: Value) -> Result<Pair, serde_json::Error> {
        build(&mut InputFields::read(&value, NAMES)?)
    }

    #[test]
    fn takes_each_field_with_defaults_and_optional_fields() {
        let pair = read(json!({"text": "a"})).expect("valid");
        assert_eq!(pair, Pair { text: "a".into(), times: 1, note: None });
        let pair = read(json!({"text": "a", "times": null, "note": "n"})).expect("valid");
        assert_eq!(pair, Pair { text: "a".into(), times: 1, note: Some("n".into()) });
        let pair = read(json!({"text": "a", "times": 3})).expect("valid");
        assert_eq!(pair.times, 3);
    }

    #[test]
    fn names_the_missing_unknown_or_mistyped_field() {
        let error = read(json!({"times": 2})).unwrap_err().to_string();
        assert_eq!(error, "missing field `text`");
        let error = read(json!({"text": "a", "colour": 1})).unwrap_err().to_string();
        assert!(error.starts_with("unknown field `colour`, expected one of `text`, `times`, `note`"), "{error}");
        let error = read(json!({"text": "a", "times": "x"})).unwrap_err().to_string();
        assert!(error.starts_with("field `times`: invalid type: string \"x\", expected u32"), "{error}");
        let error = read(json!(["a"])).unwrap_err().to_string();
        assert!(error.contains("expected a map"), "{error}");
    }
}
