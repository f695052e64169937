//! The value of a `#[derive(BlockEnum)]` enum, as its derived `Deserialize` reads it:
//! a string matched against the enum's values here, in code compiled once, so each
//! enum's expansion keeps only a `match` on the position found.

use serde::de::{self, Deserialize, Deserializer};

/// Reads a string and returns its position among `values`; any other string is an
/// error listing the values, as serde's derive words it.
#[doc(hidden)]
pub fn deserialize_enum_value<'de, D: Deserializer<'de>>(
    deserializer: D,
    values: &'static [&'static str],
) -> Result<usize, D::Error> {
    let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
    values.iter().position(|known| *known == value).ok_or_else(|| de::Error::unknown_variant(&value, values))
}

/// The error for a position [`deserialize_enum_value`] cannot have returned; the
/// derive's `match` needs an arm for it.
#[doc(hidden)]
pub fn enum_index_error<E: de::Error>(index: usize) -> E {
    E::custom(format_args!("no enum value at position {index}"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const VALUES: &[&str] = &["GET", "POST"];

    #[test]
    fn finds_the_position_of_a_known_value() {
        assert_eq!(deserialize_enum_value(&json!("POST"), VALUES).expect("known"), 1);
    }

    #[test]
    fn lists_the_values_for_an_unknown_one() {
        let error = deserialize_enum_value(&json!("PUT"), VALUES).unwrap_err().to_string();
        assert_eq!(error, "unknown variant `PUT`, expected `GET` or `POST`");
        let error = deserialize_enum_value(&json!(1), VALUES).unwrap_err().to_string();
        assert!(error.starts_with("invalid type: integer `1`, expected a string"), "{error}");
    }
}
