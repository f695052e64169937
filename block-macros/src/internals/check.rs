//! Rules that look at more than one attribute or field at a time.

use syn::Type;

/// Whether `ty` is spelled as the primitive `bool` (`bool`, `core::primitive::bool`,
/// `std::primitive::bool`). A type alias to `bool` escapes this syntactic rule; the
/// rule exists to give a clear message for the common case.
pub fn is_bool(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    if path.qself.is_some() {
        return false;
    }
    let segments: Vec<String> = path.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let has_args = path.path.segments.iter().any(|s| !s.arguments.is_none());
    !has_args
        && matches!(
            segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
            ["bool"] | ["core" | "std", "primitive", "bool"]
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bool_type(text: &str) -> bool {
        is_bool(&syn::parse_str(text).expect("a type"))
    }

    #[test]
    fn recognises_bool_by_its_spellings() {
        assert!(bool_type("bool"));
        assert!(bool_type("std::primitive::bool"));
        assert!(bool_type("core::primitive::bool"));
    }

    #[test]
    fn does_not_mistake_other_types_for_bool() {
        assert!(!bool_type("Option<bool>"));
        assert!(!bool_type("Vec<bool>"));
        assert!(!bool_type("my::bool"));
        assert!(!bool_type("String"));
    }
}
