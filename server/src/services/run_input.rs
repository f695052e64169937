//! A block's input as the server keeps it: checked when it is given (normalised
//! as the reference does: undeclared keys ignored and named, `null`s of optional
//! fields dropped), the values of its `secret` fields sealed while it waits in
//! storage to be run (a queued run, a schedule), and masked wherever it is shown
//! (run records, schedules, callbacks).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use block_core::RegisteredBlock;
use serde_json::{Value, json};

use super::ServiceError;
use crate::domain::Cipher;

/// What a secret input value is shown as.
pub const MASK: &str = "********";

/// The key of the object a sealed value is stored as.
const SEALED_KEY: &str = "$sealed";

/// The cipher's context for sealed input values, so that they cannot be passed
/// off as any other sealed thing.
const CONTEXT: &str = "block input";

/// An input brought to what its block declares, and checked.
#[derive(Debug, Clone)]
pub struct CheckedInput {
    /// The input, normalised.
    pub value: Value,
    /// Top-level keys the block does not declare, which were dropped.
    pub ignored: Vec<String>,
}

/// Normalises `input` for `block` and checks it: every problem is listed.
pub fn check(block: &RegisteredBlock, mut input: Value) -> Result<CheckedInput, ServiceError> {
    let (ignored, problems) = block.normalise_and_check(&mut input);
    if problems.is_empty() {
        Ok(CheckedInput { value: input, ignored })
    } else {
        Err(ServiceError::invalid_input(block.name(), &problems))
    }
}

/// Seals the values of `block`'s secret fields in `input`, for storing it.
pub fn seal(cipher: &Cipher, block: &RegisteredBlock, input: &mut Value) -> Result<(), ServiceError> {
    let Some(fields) = input.as_object_mut() else { return Ok(()) };
    for name in block.secret_fields() {
        let Some(value) = fields.get_mut(name) else { continue };
        seal_value(cipher, value)?;
    }
    Ok(())
}

/// Seals one secret value in place, for storing it (a secret graph input).
pub fn seal_value(cipher: &Cipher, value: &mut Value) -> Result<(), ServiceError> {
    if is_sealed(value) {
        return Ok(());
    }
    let plain = serde_json::to_vec(value).map_err(|error| ServiceError::internal("sealing an input", error))?;
    let sealed = cipher.seal(CONTEXT, &plain).map_err(|error| ServiceError::internal("sealing an input", error))?;
    *value = json!({ SEALED_KEY: STANDARD.encode(sealed) });
    Ok(())
}

/// Opens one value [`seal_value`] sealed (a value not sealed is left as it
/// is); the error names `name`.
pub fn unseal_value(cipher: &Cipher, name: &str, value: &mut Value) -> Result<(), String> {
    let Some(sealed) = value.get(SEALED_KEY).and_then(Value::as_str) else { return Ok(()) };
    let unreadable = || format!("the stored value of the secret field `{name}` could not be opened");
    let sealed = STANDARD.decode(sealed).map_err(|_| unreadable())?;
    let plain = cipher.open(CONTEXT, &sealed).map_err(|_| unreadable())?;
    *value = serde_json::from_slice(&plain).map_err(|_| unreadable())?;
    Ok(())
}

/// Replaces every sealed value among `fields` by [`MASK`], for showing them.
pub fn mask_sealed(fields: &mut serde_json::Map<String, Value>) {
    for value in fields.values_mut() {
        if is_sealed(value) {
            *value = Value::String(MASK.to_owned());
        }
    }
}

/// Opens what [`seal`] sealed, for running the input.
pub fn unseal(cipher: &Cipher, block: &RegisteredBlock, input: &mut Value) -> Result<(), String> {
    let Some(fields) = input.as_object_mut() else { return Ok(()) };
    for name in block.secret_fields() {
        let Some(value) = fields.get_mut(name) else { continue };
        unseal_value(cipher, name, value)?;
    }
    Ok(())
}

/// Replaces the values of `block`'s secret fields in `input` (sealed or not) by
/// [`MASK`], for showing it.
pub fn mask(block: &RegisteredBlock, input: &mut Value) {
    let Some(fields) = input.as_object_mut() else { return };
    for name in block.secret_fields() {
        if let Some(value) = fields.get_mut(name)
            && !value.is_null()
        {
            *value = Value::String(MASK.to_owned());
        }
    }
}

fn is_sealed(value: &Value) -> bool {
    value.as_object().is_some_and(|object| object.len() == 1 && object.contains_key(SEALED_KEY))
}
