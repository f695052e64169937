//! Rules that look at more than one attribute or field at a time.

use syn::Type;

use super::ast::{EnumValue, InputField, OutputPin};
use super::ctxt::Ctxt;
use super::symbol::{MAX, MAX_ITEMS, MAX_LENGTH, MIN, MIN_ITEMS, MIN_LENGTH};
use super::text;

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

/// The rules between an input struct's fields: one event filter, no `bool`
/// without a default, `depends_on` naming other fields, limits that can be met.
pub fn input_fields(cx: &mut Ctxt, fields: &[InputField<'_>]) {
    if let [_, second, ..] = fields.iter().filter(|f| f.attrs.event_filter).collect::<Vec<_>>().as_slice() {
        cx.error_spanned_by(second.ident, "a trigger has one event filter; this is the second `event_filter` field");
    }
    for field in fields {
        if field.attrs.default.is_none() && is_bool(field.ty) {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "input `{}` is a `bool` without a default; add `#[block_input(default = false)]` (or `true`), \
                     since a form cannot tell an unset checkbox from `false`",
                    field.name
                ),
            );
        }
        for (dependency, span) in &field.attrs.depends_on {
            if dependency == &field.name {
                cx.syn_error(syn::Error::new(*span, format!("input `{}` cannot depend on itself", field.name)));
            } else if !fields.iter().any(|other| &other.name == dependency) {
                let others: Vec<&str> =
                    fields.iter().map(|f| f.name.as_str()).filter(|name| *name != field.name).collect();
                let message = format!(
                    "`depends_on` names `{dependency}`, which is not a field of this struct{}",
                    text::did_you_mean(dependency, &others)
                );
                cx.syn_error(syn::Error::new(*span, message));
            }
        }
        let a = &field.attrs;
        let limits = [
            (MIN, MAX, a.min, a.max),
            (MIN_LENGTH, MAX_LENGTH, a.min_length.map(|v| v as f64), a.max_length.map(|v| v as f64)),
            (MIN_ITEMS, MAX_ITEMS, a.min_items.map(|v| v as f64), a.max_items.map(|v| v as f64)),
        ];
        for (low_key, high_key, low, high) in limits {
            if let (Some(low), Some(high)) = (low, high)
                && low > high
            {
                let span = a.span_of(low_key).unwrap_or_else(|| field.ident.span());
                let message = format!(
                    "input `{}` has `{low_key}` ({low}) above `{high_key}` ({high}); no value could satisfy both",
                    field.name
                );
                cx.syn_error(syn::Error::new(span, message));
            }
        }
    }
}

/// Whether a variant may use the pin name `name`: not `error` (implicit), and not a
/// name an earlier variant has.
pub fn output_pin_name(cx: &mut Ctxt, pins: &[OutputPin<'_>], variant: &syn::Ident, name: &str) -> bool {
    if name == "error" {
        cx.error_spanned_by(
            variant,
            "the `error` pin is implicit: every block has it, and a run emits it by returning `Err(BlockError)`",
        );
        return false;
    }
    if let Some(first) = pins.iter().find(|p| p.name == name) {
        cx.error_spanned_by(
            variant,
            format!(
                "two variants use the pin name `{name}` (`{}` and `{variant}`); rename one with `#[block_output(name = \"...\")]`",
                first.variant
            ),
        );
        return false;
    }
    true
}

/// Whether `value` is not already another variant's value.
pub fn enum_value_unique(cx: &mut Ctxt, values: &[EnumValue<'_>], variant: &syn::Ident, value: &str) -> bool {
    if values.iter().any(|v| v.value == value) {
        cx.error_spanned_by(variant, format!("two variants have the value `{value}`"));
        return false;
    }
    true
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
