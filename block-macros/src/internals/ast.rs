//! The items the derives read, parsed into typed models: an input struct's fields,
//! an output enum's pins, a value enum's values. Shape errors are recorded here;
//! rules between several fields or variants are in [`check`](super::check); each
//! derive's module only expands a model.

use quote::quote;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use super::attr::{self, OutputVariant};
use super::check;
use super::ctxt::Ctxt;
use super::text;

/// What to emit for an item whose shape is wrong, besides its errors.
pub enum Fallback {
    /// Impls that do nothing, so code naming the type compiles on and the user
    /// sees only the real mistake.
    Stub,
    /// The errors alone (a generic item, whose impls could only add noise).
    ErrorsOnly,
}

/// The named fields of a `#[derive(BlockInput)]` struct (none for a unit struct).
pub fn input_fields<'a>(cx: &mut Ctxt, item: &'a DeriveInput) -> Result<Vec<InputField<'a>>, Fallback> {
    let named = match &item.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(&fields.named),
            Fields::Unit => None,
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    "a block input needs named fields: write `struct Input { name: String, ... }`",
                );
                return Err(Fallback::Stub);
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(data.enum_token, "BlockInput is derived on a struct with one field per input; for a choice between values use `#[derive(BlockEnum)]`");
            return Err(Fallback::Stub);
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "BlockInput is derived on a struct with one field per input");
            return Err(Fallback::Stub);
        }
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a block input cannot be generic: its schema is fixed when the block registers",
        );
        return Err(Fallback::ErrorsOnly);
    }
    Ok(named
        .into_iter()
        .flatten()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            Some(InputField {
                ident,
                vis: &f.vis,
                name: ident.to_string().trim_start_matches("r#").to_owned(),
                ty: &f.ty,
                doc: text::doc_comment(&f.attrs),
                attrs: attr::InputField::from_attrs(cx, &f.attrs),
            })
        })
        .collect())
}

/// One field of an input struct.
pub struct InputField<'a> {
    pub ident: &'a Ident,
    pub vis: &'a syn::Visibility,
    pub name: String,
    pub ty: &'a Type,
    pub doc: String,
    pub attrs: attr::InputField,
}

/// The output pins of a `#[derive(BlockOutput)]` enum, one per variant that is
/// well formed, with the number of variants (fewer pins than variants: some were
/// reported).
pub fn output_pins<'a>(cx: &mut Ctxt, item: &'a DeriveInput) -> Result<(Vec<OutputPin<'a>>, usize), Fallback> {
    let data = match &item.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            cx.error_spanned_by(
                data.struct_token,
                "BlockOutput is derived on an enum, one variant per output pin: \
                 `enum Output { Result(f64), Count(u64) }`",
            );
            return Err(Fallback::Stub);
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "BlockOutput is derived on an enum, one variant per output pin");
            return Err(Fallback::Stub);
        }
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "block outputs cannot be generic: their schema is fixed when the block registers",
        );
        return Err(Fallback::ErrorsOnly);
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &item.ident,
            "a block needs at least one output pin: add a variant such as `Result(String)`",
        );
        return Err(Fallback::Stub);
    }

    let mut pins = Vec::new();
    for variant in &data.variants {
        let attrs = OutputVariant::from_attrs(cx, &variant.attrs);
        let name = attrs.name.as_ref().map_or_else(|| text::snake_case(&variant.ident.to_string()), |n| n.value());
        let ty = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0].ty,
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!(
                        "output pin `{name}` carries one value, not {}; wrap them in a tuple or a struct: `{}(({}))`",
                        fields.unnamed.len(),
                        variant.ident,
                        fields
                            .unnamed
                            .iter()
                            .map(|f| {
                                let ty = &f.ty;
                                quote!(#ty).to_string()
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            Fields::Named(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!("output pin `{name}` carries one value; move these fields into a struct and write `{}(ThatStruct)`", variant.ident),
                );
                continue;
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &variant.ident,
                    format!("output pin `{name}` carries no value; give it one, e.g. `{}(bool)`", variant.ident),
                );
                continue;
            }
        };
        if !check::output_pin_name(cx, &pins, &variant.ident, &name) {
            continue;
        }
        let title = attrs.title.as_ref().map_or_else(|| text::title_case(&name), |t| t.value());
        pins.push(OutputPin { variant: &variant.ident, name, title, doc: text::doc_comment(&variant.attrs), ty });
    }

    Ok((pins, data.variants.len()))
}

/// One output pin: a variant carrying one value.
pub struct OutputPin<'a> {
    pub variant: &'a syn::Ident,
    pub name: String,
    pub title: String,
    pub doc: String,
    pub ty: &'a Type,
}

/// The values of a `#[derive(BlockEnum)]` enum, one per unit variant.
pub fn enum_values<'a>(cx: &mut Ctxt, item: &'a DeriveInput) -> Result<Vec<EnumValue<'a>>, Fallback> {
    let Data::Enum(data) = &item.data else {
        cx.error_spanned_by(&item.ident, "BlockEnum is derived on an enum whose variants have no fields");
        return Err(Fallback::Stub);
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a BlockEnum cannot be generic");
        return Err(Fallback::ErrorsOnly);
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(&item.ident, "a BlockEnum needs at least one variant");
        return Err(Fallback::Stub);
    }
    let mut values: Vec<EnumValue<'a>> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "BlockEnum variants have no fields: the value is the variant's name; write `{}`, \
                     and put the data in another input field",
                    variant.ident
                ),
            );
            continue;
        }
        let rename = attr::value_rename(cx, &variant.attrs);
        let value = rename.map_or_else(|| text::snake_case(&variant.ident.to_string()), |r| r.value());
        if !check::enum_value_unique(cx, &values, &variant.ident, &value) {
            continue;
        }
        values.push(EnumValue { variant: &variant.ident, value, doc: text::doc_comment(&variant.attrs) });
    }
    Ok(values)
}

/// One value of a value enum.
pub struct EnumValue<'a> {
    pub variant: &'a syn::Ident,
    pub value: String,
    pub doc: String,
}
