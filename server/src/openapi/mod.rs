//! The OpenAPI 3.1 document, built from the route table and the registry (every
//! block's input and output schemas are components), and Swagger UI, served from
//! files compiled into the binary (no network needed).

mod oauth;
mod shapes;

use axum::Router;
use block_core::Registry;
use serde_json::{Map, Value, json};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{Access, ROUTES};
use crate::state::AppState;
use shapes::reference;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/external-api/openapi.json";

/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/external-api/docs";

/// The security scheme's name.
const API_KEY_SCHEME: &str = "APIKeyHeader";
const OAUTH_SCHEME: &str = "OAuth2";

/// Swagger UI and the document.
pub(crate) fn docs_router(state: &AppState) -> Router<AppState> {
    let document = state.openapi.get_or_init(|| document(&state.registry, &state.settings.public_url)).clone();
    SwaggerUi::new(DOCS_PATH).external_url_unchecked(OPENAPI_PATH, document).into()
}

/// The OpenAPI document of a server over `registry` reached at `public_url`.
pub fn document(registry: &Registry, public_url: &str) -> Value {
    let mut schemas = Map::new();
    for (name, schema) in shapes::components().into_iter().chain(oauth::components()) {
        schemas.insert(name.to_owned(), schema);
    }
    let mut inputs = Vec::new();
    for block in registry.blocks().filter(|block| !block.descriptor().disabled) {
        let input = format!("{}Input", block.name());
        let output = format!("{}Output", block.name());
        add_block_schema(&mut schemas, &input, block.input_schema());
        add_block_schema(&mut schemas, &output, block.output_schema());
        inputs.push(reference(&input));
    }
    schemas.insert(
        "BlockInput".to_owned(),
        json!({
            "description": "The input object of the block named in the path: one of the `*Input` schemas.",
            "anyOf": inputs,
        }),
    );
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
        entry[route.verb.as_lower()] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Blocks External API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Every registered block, listed and executable, compatible with the reference platform's \
                External API v1. Authenticate with an API key in the `X-API-Key` header; each operation lists the \
                scopes it requires. Errors share one shape: `{\"error\": {code, message, details}}`.",
        },
        "servers": [{"url": public_url}],
        "tags": [
            {"name": "identity"}, {"name": "blocks"}, {"name": "integrations"},
            {"name": "webhooks"}, {"name": "operations"}, {"name": "oauth"}
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                API_KEY_SCHEME: {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                OAUTH_SCHEME: {"type": "oauth2", "flows": {"authorizationCode": {
                    "authorizationUrl": format!("{public_url}/oauth/authorize"),
                    "tokenUrl": format!("{public_url}/oauth/token"),
                    "refreshUrl": format!("{public_url}/oauth/token"),
                    "scopes": crate::auth::Scope::ALL
                        .iter()
                        .map(|scope| (scope.as_str().to_owned(), Value::from(scope.description())))
                        .collect::<serde_json::Map<String, Value>>(),
                }}},
            },
        },
    })
}

fn operation(route: &crate::api::RouteSpec) -> Value {
    let mut operation = match route.access {
        Access::OAuthProtocol => {
            let mut operation = oauth::operation(route.operation);
            operation["description"] = Value::from(
                "Part of the OAuth 2 authorization server: it authenticates the client or the signed-in user \
                 itself and answers errors as RFC 6749 says.",
            );
            operation
        }
        Access::Public | Access::Scopes(_) => api_operation(route),
    };
    operation["operationId"] = Value::from(route.operation);
    operation["summary"] = Value::from(route.summary);
    operation["tags"] = json!([route.tag]);
    operation
}

/// An External API operation (or a public one): JSON in, JSON out, errors in the
/// API's shape.
fn api_operation(route: &crate::api::RouteSpec) -> Value {
    let (request, status, success) = shapes::operation_shapes(route.operation);
    let mut responses = Map::new();
    let content = if route.operation.starts_with("execute_block") {
        json!({
            "application/json": {"schema": success},
            "text/event-stream": {"schema": shapes::stream_event()}
        })
    } else {
        json!({"application/json": {"schema": success}})
    };
    responses.insert(status.to_string(), json!({"description": "Success", "content": content}));
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}});
    let mut description = None;
    let security = match route.access {
        Access::Scopes(scopes) => {
            let names: Vec<&str> = scopes.iter().map(|scope| scope.as_str()).collect();
            description = Some(format!("Requires the scopes: {}.", names.join(", ")));
            responses.insert("401".into(), error("No usable credentials"));
            responses.insert("403".into(), error("A required scope is missing"));
            responses.insert("429".into(), error("Rate limited; see `Retry-After`"));
            json!([{API_KEY_SCHEME: []}, {OAUTH_SCHEME: names}])
        }
        Access::Public | Access::OAuthProtocol => json!([]),
    };
    for (code, text) in shapes::operation_errors(route.operation) {
        responses.insert(code.to_string(), error(text));
    }
    let parameters: Vec<Value> = path_parameters(route.path)
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let mut operation = json!({"security": security, "parameters": parameters, "responses": responses});
    if let Some(description) = description {
        operation["description"] = Value::String(description);
    }
    if let Access::Scopes(scopes) = route.access {
        operation["x-required-scopes"] = json!(scopes);
    }
    if let Some(schema) = request {
        let required = !shapes::body_is_optional(route.operation);
        operation["requestBody"] = json!({"required": required, "content": {"application/json": {"schema": schema}}});
    }
    operation
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

/// Adds a block's schema as component `name`; its `$defs` become components of
/// their own (`<name>.<def>`) so that references resolve inside the document.
fn add_block_schema(schemas: &mut Map<String, Value>, name: &str, schema: &Value) {
    let mut schema = schema.clone();
    let prefix = format!("#/components/schemas/{name}.");
    if let Value::Object(fields) = &mut schema {
        fields.remove("$schema");
        if let Some(Value::Object(definitions)) = fields.remove("$defs") {
            for (definition, mut body) in definitions {
                rewrite_refs(&mut body, &prefix);
                schemas.insert(format!("{name}.{definition}"), body);
            }
        }
    }
    rewrite_refs(&mut schema, &prefix);
    schemas.insert(name.to_owned(), schema);
}

fn rewrite_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(fields) => {
            for (key, item) in fields.iter_mut() {
                match (key.as_str(), &mut *item) {
                    ("$ref", Value::String(target)) => {
                        if let Some(definition) = target.strip_prefix("#/$defs/") {
                            *target = format!("{prefix}{definition}");
                        }
                    }
                    _ => rewrite_refs(item, prefix),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, prefix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_definitions_become_components_and_references_follow() {
        let mut schemas = Map::new();
        let schema = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "properties": {"op": {"$ref": "#/$defs/Operation"}},
            "$defs": {"Operation": {"enum": ["add"]}}
        });
        add_block_schema(&mut schemas, "CalculatorBlockInput", &schema);
        assert_eq!(
            schemas["CalculatorBlockInput"]["properties"]["op"]["$ref"],
            "#/components/schemas/CalculatorBlockInput.Operation"
        );
        assert_eq!(schemas["CalculatorBlockInput.Operation"], json!({"enum": ["add"]}));
        assert!(schemas["CalculatorBlockInput"].get("$schema").is_none());
    }
}
