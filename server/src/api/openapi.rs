//! The OpenAPI 3.1 document, from the handlers' declarations (`#[utoipa::path]`
//! and the bodies' schema derives) plus what only the running server knows:
//! every block's input and output schemas, the public URL, and the parts every
//! authenticated operation shares. Swagger UI is served from files compiled into
//! the binary (no network needed).

use axum::Router;
use block_core::Registry;
use block_core::schema::relocate_recursive_refs;
use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use super::routes::OAUTH_SCHEME;
use crate::domain::Scope;
use crate::services::AppState;

pub use super::routes::OPENAPI_PATH;

/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/external-api/docs";

/// The API-key security scheme's name.
const API_KEY_SCHEME: &str = "APIKeyHeader";

/// Swagger UI and the document.
pub(super) fn docs_router(document: Value) -> Router<AppState> {
    SwaggerUi::new(DOCS_PATH).external_url_unchecked(OPENAPI_PATH, document).into()
}

/// The whole document of a server over `registry` reached at `public_url` (what
/// `block-server openapi` prints).
pub fn document_for(registry: &Registry, public_url: &str) -> Value {
    document(super::routes::declared(), registry, public_url)
}

/// The document of the operations in `declared`, for a server over `registry`
/// reached at `public_url`.
pub(super) fn document(declared: OpenApi, registry: &Registry, public_url: &str) -> Value {
    let mut document = serde_json::to_value(&declared).unwrap_or_else(|_| json!({"paths": {}}));
    document["openapi"] = json!("3.1.0");
    document["info"] = json!({
        "title": "Blocks External API",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Every registered block, listed and executable, compatible with the reference platform's \
            External API v1. Authenticate with an API key in the `X-API-Key` header or an OAuth access token in \
            `Authorization: Bearer`; each operation lists the scopes it requires. Errors share one shape: \
            `{\"detail\": message, \"error\": {code, message, details}}`.",
    });
    document["servers"] = json!([{"url": public_url}]);
    document["tags"] = json!([
        {"name": "identity"}, {"name": "blocks"}, {"name": "integrations"},
        {"name": "webhooks"}, {"name": "schedules"}, {"name": "graphs"}, {"name": "operations"}, {"name": "oauth"}
    ]);
    document["paths"][OPENAPI_PATH] = json!({"get": {
        "operationId": "openapi", "summary": "This OpenAPI document", "tags": ["operations"], "security": [],
        "responses": {"200": {"description": "The document", "content": {"application/json": {"schema": {"type": "object"}}}}}
    }});
    if let Some(paths) = document["paths"].as_object_mut() {
        for item in paths.values_mut() {
            for operation in item.as_object_mut().into_iter().flat_map(|item| item.values_mut()) {
                shared_parts(operation);
            }
        }
    }
    let schemas = &mut document["components"]["schemas"];
    if !schemas.is_object() {
        *schemas = json!({});
    }
    add_block_schemas(schemas, registry);
    document["components"]["securitySchemes"] = json!({
        API_KEY_SCHEME: {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        OAUTH_SCHEME: {"type": "oauth2", "flows": {"authorizationCode": {
            "authorizationUrl": format!("{public_url}/oauth/authorize"),
            "tokenUrl": format!("{public_url}/oauth/token"),
            "refreshUrl": format!("{public_url}/oauth/token"),
            "scopes": Scope::ALL
                .iter()
                .map(|scope| (scope.as_str().to_owned(), Value::from(scope.description())))
                .collect::<Map<String, Value>>(),
        }}},
    });
    document
}

/// What every operation shares: an authenticated one takes an API key or an
/// OAuth token holding its scopes and may answer 401, 403 and 429 (with
/// `Retry-After`), 500, and 503 when the storage is busy (with `Retry-After`);
/// every other one says it needs no credentials. One that takes JSON may answer
/// 413. Headers documented on a handler's response are sent.
fn shared_parts(operation: &mut Value) {
    if let Some(body) = operation.get_mut("requestBody")
        && body.get("required").is_none()
    {
        body["required"] = json!(false);
    }
    let scopes: Vec<Value> = operation["security"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|requirement| requirement[OAUTH_SCHEME].as_array().cloned().unwrap_or_default())
        .collect();
    for response in operation["responses"].as_object_mut().into_iter().flat_map(|responses| responses.values_mut()) {
        for header in response["headers"].as_object_mut().into_iter().flat_map(|headers| headers.values_mut()) {
            // A header declared as `Option<T>` is sent only sometimes: it is not
            // required, and when sent it is a `T` (a header is never `null`).
            let optional = header["schema"]["type"].as_array().is_some_and(|types| types.contains(&json!("null")));
            if optional && let Some(types) = header["schema"]["type"].as_array() {
                let kept: Vec<Value> = types.iter().filter(|kind| *kind != "null").cloned().collect();
                header["schema"]["type"] = if kept.len() == 1 { kept[0].clone() } else { Value::Array(kept) };
            }
            header["required"] = json!(!optional);
        }
    }
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    // The body limit answers before the handler, in the API's error shape, for
    // every operation that reads a JSON body (OAuth's forms answer their own 400).
    let takes_json = operation["requestBody"]["content"].get("application/json").is_some();
    if takes_json && operation["responses"].get("413").is_none() {
        operation["responses"]["413"] = error("The body is too large");
    }
    if scopes.is_empty() {
        operation["security"] = json!([]);
        return;
    }
    let names: Vec<&str> = scopes.iter().filter_map(Value::as_str).collect();
    operation["security"] = json!([{API_KEY_SCHEME: []}, {OAUTH_SCHEME: names}]);
    operation["x-required-scopes"] = json!(names);
    operation["description"] = json!(format!("Requires the scopes: {}.", names.join(", ")));
    let responses = &mut operation["responses"];
    for (status, description) in [
        ("401", "No usable credentials"),
        ("403", "A required scope is missing"),
        ("429", "Rate limited, or too many failed authentications from this address; see `Retry-After`"),
        ("500", "The server failed; see its log"),
        ("503", "The storage is busy; retry after `Retry-After`"),
    ] {
        if responses.get(status).is_none() {
            responses[status] = error(description);
        }
    }
    // RFC 6750: a refused bearer token is told why; an API key is not a bearer
    // token, so the header is not always there.
    for status in ["401", "403"] {
        responses[status]["headers"]["WWW-Authenticate"] = json!({
            "description": "For a bearer token: `Bearer error=\"invalid_token\"` (401) or \
                `Bearer error=\"insufficient_scope\", scope=\"...\"` (403)",
            "required": false,
            "schema": {"type": "string"},
        });
    }
    for status in ["429", "503"] {
        responses[status]["headers"]["Retry-After"] = json!({
            "description": "Seconds to wait before trying again",
            "required": true,
            "schema": {"type": "integer", "minimum": 1},
        });
    }
}

/// Adds every enabled block's input and output schemas as components
/// (`<Name>Input`, `<Name>Output`), and `BlockInput` as any one of the inputs.
/// They are the wire forms `GET /blocks` serves (every `$ref` inlined), so a
/// client reads the same schema from either place.
fn add_block_schemas(schemas: &mut Value, registry: &Registry) {
    let mut inputs = Vec::new();
    for block in registry.blocks().filter(|block| !block.descriptor().disabled) {
        let input = format!("{}Input", block.name());
        let output = format!("{}Output", block.name());
        add_block_schema(schemas, &input, block.wire_input_schema());
        add_block_schema(schemas, &output, block.wire_output_schema());
        inputs.push(json!({"$ref": format!("#/components/schemas/{input}")}));
    }
    schemas["BlockInput"] = json!({
        "description": "The input object of the block named in the path: one of the `*Input` schemas.",
        "anyOf": inputs,
    });
}

/// Adds a block's wire schema as component `name`. A recursive type's one
/// remaining `$ref` points into the schema itself, so it is moved to where the
/// schema now lives.
fn add_block_schema(schemas: &mut Value, name: &str, schema: &Value) {
    let mut schema = schema.clone();
    relocate_recursive_refs(&mut schema, &format!("#/components/schemas/{name}"));
    schemas[name] = schema;
}

#[cfg(test)]
mod tests {
    use super::*;
    use block_core::schema::RECURSIVE_MARKER;

    #[test]
    fn a_recursive_reference_points_into_its_component() {
        let mut schemas = json!({});
        let schema = json!({"properties": {"next": {"$ref": "#/properties", RECURSIVE_MARKER: true}}});
        add_block_schema(&mut schemas, "ListBlockInput", &schema);
        assert_eq!(
            schemas["ListBlockInput"]["properties"]["next"]["$ref"],
            "#/components/schemas/ListBlockInput/properties"
        );
    }
}
