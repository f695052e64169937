//! One registered block: descriptor, rendered schemas, validator, block info and
//! the credential fields its input declares.

use std::sync::Arc;

use serde_json::Value;

use crate::BlockDescriptor;
use crate::cost::{Cost, Usage};
use crate::credentials::CredentialsType;
use crate::executor::erased::ErasedBlock;
use crate::http::HttpPolicy;

/// A credentials field of a block's input, read from its schema (so it is found by
/// what the type renders, not by how it is spelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialField {
    /// The field's name.
    pub name: String,
    /// The provider slug it accepts.
    pub provider: String,
    /// The kinds it accepts.
    pub types: Vec<CredentialsType>,
    /// Scopes the credentials must have been granted.
    pub scopes: Vec<String>,
    /// Whether the input must name credentials here.
    pub required: bool,
}

impl CredentialField {
    /// The credentials fields declared in an input schema.
    pub(crate) fn from_schema(schema: &Value) -> Vec<CredentialField> {
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let strings = |value: &Value| -> Vec<String> {
            value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
        };
        schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(name, field)| {
                let provider = field["credentials_provider"].as_array()?.first()?.as_str()?.to_owned();
                let types = field["credentials_types"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|t| serde_json::from_value(t.clone()).ok())
                    .collect();
                Some(CredentialField {
                    name: name.clone(),
                    provider,
                    types,
                    scopes: strings(&field["credentials_scopes"]),
                    required: required.contains(&name.as_str()),
                })
            })
            .collect()
    }
}

/// A block ready to run: its descriptor, rendered schemas, compiled input validator
/// and block info.
pub struct RegisteredBlock {
    pub(super) descriptor: &'static BlockDescriptor,
    pub(super) input_schema: Value,
    /// The input fields marked `secret`, read from the schema once.
    pub(super) secret_fields: Box<[String]>,
    pub(super) output_schema: Value,
    pub(super) validator: jsonschema::Validator,
    pub(super) info: Value,
    pub(super) credential_fields: Vec<CredentialField>,
    pub(super) costs: Vec<Cost>,
    pub(super) trusted_origins: Arc<[&'static str]>,
    pub(super) block: Arc<dyn ErasedBlock>,
}

impl std::fmt::Debug for RegisteredBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredBlock").field("id", &self.descriptor.id).field("name", &self.descriptor.name).finish()
    }
}

impl RegisteredBlock {
    /// The static description.
    pub fn descriptor(&self) -> &'static BlockDescriptor {
        self.descriptor
    }

    /// The block's id.
    pub fn id(&self) -> &'static str {
        self.descriptor.id
    }

    /// The block's name.
    pub fn name(&self) -> &'static str {
        self.descriptor.name
    }

    /// The input schema, rendered once.
    pub fn input_schema(&self) -> &Value {
        &self.input_schema
    }

    /// The output schema, rendered once.
    pub fn output_schema(&self) -> &Value {
        &self.output_schema
    }

    /// The block in the reference platform's `GET /blocks` shape.
    pub fn info(&self) -> &Value {
        &self.info
    }

    /// The credentials fields of the input.
    pub fn credential_fields(&self) -> &[CredentialField] {
        &self.credential_fields
    }

    /// The costs that apply to a run: the block's own, or its providers' base costs.
    pub fn costs(&self) -> &[Cost] {
        &self.costs
    }

    /// The origins the block may reach without the private-address check: those
    /// its credentials' providers trust.
    pub fn trusted_origins(&self) -> &[&'static str] {
        &self.trusted_origins
    }

    /// `base` with this block's trusted origins added.
    pub fn http_policy(&self, base: &HttpPolicy) -> HttpPolicy {
        with_origins(base, &self.trusted_origins)
    }

    pub(crate) fn trusted_origins_shared(&self) -> Arc<[&'static str]> {
        self.trusted_origins.clone()
    }

    /// What a run with this usage costs, in credits.
    pub fn price(&self, usage: &Usage) -> u64 {
        self.costs.iter().map(|cost| cost.charge(usage)).fold(0, u64::saturating_add)
    }

    /// For a trigger block: the events a subscription configured by `input` runs on.
    /// Event filter flags the input leaves out take their declared defaults.
    pub fn trigger_events(&self, input: &Value) -> Vec<String> {
        let Some(trigger) = self.descriptor.trigger else { return Vec::new() };
        let Some(field) = trigger.filter_field else { return trigger.events_for(input) };
        let mut filter = serde_json::Map::new();
        if let Some(flags) = self.input_schema["properties"][field]["properties"].as_object() {
            for (flag, schema) in flags {
                if let Some(default) = schema.get("default") {
                    filter.insert(flag.clone(), default.clone());
                }
            }
        }
        if let Some(chosen) = input[field].as_object() {
            filter.extend(chosen.iter().map(|(flag, on)| (flag.clone(), on.clone())));
        }
        let mut normalized = serde_json::Map::new();
        normalized.insert(field.to_owned(), Value::Object(filter));
        trigger.events_for(&Value::Object(normalized))
    }

    /// Checks `input` against the input schema, listing every problem.
    pub fn validate(&self, input: &Value) -> Result<(), crate::ExecuteError> {
        super::validation::validate(self, input)
    }

    pub(crate) fn erased(&self) -> &dyn ErasedBlock {
        self.block.as_ref()
    }
}

/// `base` with `origins` trusted. The origins were parsed when the registry was
/// built, so adding them cannot fail.
pub(crate) fn with_origins(base: &HttpPolicy, origins: &[&'static str]) -> HttpPolicy {
    base.clone().with_trusted_origins(origins.iter().copied()).unwrap_or_else(|_| base.clone())
}
