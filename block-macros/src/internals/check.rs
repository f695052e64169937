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
