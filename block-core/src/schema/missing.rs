//! Asks a type whether it accepts a missing field, the way serde decides it.

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Deserializes `T` from an absent field: `Ok` for types that accept absence (such
/// as `Option<_>`, which becomes `None`), `Err` for every other type. This is how the
/// schema decides `required` from the type itself, not from how it is spelled.
pub fn missing_field<T: for<'de> Deserialize<'de>>() -> Result<T, MissingField> {
    T::deserialize(Absent)
}

/// The error of [`missing_field`] for a type that needs a value.
#[derive(Debug)]
pub struct MissingField(String);

impl std::fmt::Display for MissingField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MissingField {}

impl de::Error for MissingField {
    fn custom<M: std::fmt::Display>(message: M) -> Self {
        MissingField(message.to_string())
    }
}

struct Absent;

impl<'de> Deserializer<'de> for Absent {
    type Error = MissingField;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, MissingField> {
        Err(MissingField("a value is required".into()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, MissingField> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
