//! Block info in the reference platform's `GET /blocks` shape, and its costs.

use serde_json::{Value, json};

use super::{CredentialField, RegisteredBlock};
use crate::provider::{AuthMethod, ProviderDescriptor, platform_id};
use crate::{BlockDescriptor, Cost};

/// `{id, name, description, inputSchema, outputSchema, categories, contributors,
/// staticOutput, uiType, costs}`, with the schemas in wire form.
pub(super) fn render(
    descriptor: &BlockDescriptor,
    input_schema: Value,
    output_schema: Value,
    costs: &[Value],
) -> Value {
    let categories: Vec<Value> = descriptor
        .categories
        .iter()
        .map(|category| json!({"category": category.as_str(), "description": category.description()}))
        .collect();
    let contributors: Vec<Value> = descriptor.contributors.iter().map(|name| json!({"name": name})).collect();
    json!({
        "id": descriptor.id,
        "name": descriptor.name,
        "description": descriptor.description,
        "inputSchema": input_schema,
        "outputSchema": output_schema,
        "categories": categories,
        "contributors": contributors,
        "staticOutput": descriptor.static_output,
        "uiType": descriptor.block_type.as_str(),
        "costs": costs,
    })
}

/// The costs that apply to a block: its own, or else the base costs of the
/// providers whose credentials it takes (each provider once).
pub(super) fn effective_costs(
    descriptor: &BlockDescriptor,
    fields: &[CredentialField],
    providers: &[&'static ProviderDescriptor],
) -> Vec<Cost> {
    if !descriptor.costs.is_empty() {
        return descriptor.costs.to_vec();
    }
    let mut seen = Vec::new();
    let mut costs = Vec::new();
    for field in fields {
        if seen.contains(&field.provider) {
            continue;
        }
        seen.push(field.provider.clone());
        if let Some(provider) = providers.iter().find(|provider| provider.name == field.provider) {
            costs.extend_from_slice(provider.base_costs);
        }
    }
    costs
}

/// The costs as `[{cost_amount, cost_type, cost_filter}]`; a platform-only cost
/// lists the platform default credentials it applies to.
pub(super) fn costs_info(
    costs: &[Cost],
    fields: &[CredentialField],
    providers: &[&'static ProviderDescriptor],
) -> Vec<Value> {
    let mut platform = Vec::new();
    for field in fields {
        let Some(provider) = providers.iter().find(|provider| provider.name == field.provider) else { continue };
        for method in provider.auth {
            let has_default = matches!(
                method,
                AuthMethod::ApiKey { env: Some(_) }
                    | AuthMethod::UserPassword { username_env: Some(_), password_env: Some(_) }
            );
            if has_default && field.types.contains(&method.kind()) {
                platform.push(json!({
                    "id": platform_id(provider.name, method.kind()),
                    "provider": provider.name,
                    "type": method.kind(),
                    "title": format!("Use credits for {}", provider.display_name),
                }));
            }
        }
    }
    costs.iter().flat_map(|cost| cost.info(&platform)).collect()
}

impl RegisteredBlock {
    /// The input schema as clients are served it (`GET /blocks`, the OpenAPI
    /// document): every `$ref` inlined, no `$schema` or `$defs`; see
    /// [`wire_schema`](crate::schema::wire_schema). Inputs are validated against it.
    pub fn wire_input_schema(&self) -> &Value {
        &self.info["inputSchema"]
    }

    /// The output schema as clients are served it, in the same form as
    /// [`wire_input_schema`](Self::wire_input_schema).
    pub fn wire_output_schema(&self) -> &Value {
        &self.info["outputSchema"]
    }
}
