//! The JSON schemas of the API's own request and response bodies.

use serde_json::{Value, json};

use crate::auth::Scope;

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The fixed component schemas, by name.
pub fn components() -> Vec<(&'static str, Value)> {
    let meta = json!({
        "type": "object",
        "required": ["id", "provider", "type"],
        "properties": {
            "id": {"type": "string"},
            "provider": {"type": "string"},
            "type": {"enum": ["api_key", "oauth2", "user_password", "host_scoped"]},
            "title": {"type": "string"}
        }
    });
    let scopes: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    vec![
        (
            "Error",
            json!({
                "type": "object",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"type": "string", "description": "Stable, machine-readable, e.g. `missing_scopes`"},
                        "message": {"type": "string"},
                        "details": {"description": "Structured details, e.g. `problems` with JSON pointers"}
                    }
                }}
            }),
        ),
        ("Scope", json!({"enum": scopes})),
        (
            "User",
            json!({
                "type": "object",
                "required": ["id", "name", "email", "timezone"],
                "properties": {
                    "id": {"type": "string"}, "name": {"type": "string"},
                    "email": {"type": "string"}, "timezone": {"type": "string"}
                }
            }),
        ),
        (
            "Credits",
            json!({
                "type": "object",
                "properties": {
                    "balance": {"type": "integer", "minimum": 0},
                    "ledger": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"}, "amount": {"type": "integer"},
                            "balance_after": {"type": "integer"}, "reason": {"type": "string"},
                            "execution_id": {"type": ["string", "null"]}, "created_at": {"type": "integer"}
                        }
                    }}
                }
            }),
        ),
        (
            "BlockInfo",
            json!({
                "type": "object",
                "required": ["id", "name", "description", "inputSchema", "outputSchema", "categories", "costs"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "inputSchema": {"type": "object"},
                    "outputSchema": {"type": "object"},
                    "categories": {"type": "array", "items": {"type": "object", "properties": {
                        "category": {"type": "string"}, "description": {"type": "string"}}}},
                    "contributors": {"type": "array", "items": {"type": "object", "properties": {
                        "name": {"type": "string"}}}},
                    "staticOutput": {"type": "boolean"},
                    "uiType": {"type": "string"},
                    "costs": {"type": "array", "items": {"type": "object", "properties": {
                        "cost_amount": {"type": "integer"}, "cost_type": {"enum": ["run", "byte", "second"]},
                        "cost_filter": {"type": "object"}}}}
                }
            }),
        ),
        (
            "BlockOutputs",
            json!({
                "type": "object",
                "description": "Every value each output pin emitted, in order: `{pin: [values]}`. A failed run has `error`.",
                "additionalProperties": {"type": "array"}
            }),
        ),
        (
            "Provider",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string"}, "display_name": {"type": "string"}, "icon": {"type": "string"},
                    "supported_auth_types": {"type": "array", "items": {"type": "string"}},
                    "default_scopes": {"type": "array", "items": {"type": "string"}},
                    "trusted_origins": {"type": "array", "items": {"type": "string"}}
                }
            }),
        ),
        ("CredentialsMeta", meta.clone()),
        ("ListedCredentials", {
            let mut listed = meta;
            listed["description"] = json!("Never a secret: OAuth 2 scopes and account, a username, a host.");
            listed["properties"]["scopes"] = json!({"type": "array", "items": {"type": "string"}});
            listed["properties"]["username"] = json!({"type": "string"});
            listed["properties"]["host"] = json!({"type": "string"});
            listed
        }),
        (
            "NewCredentials",
            json!({
                "description": "Discriminated on `type`. The secret fields are stored sealed and never returned.",
                "oneOf": [
                    {"type": "object", "required": ["type", "api_key"], "properties": {
                        "type": {"const": "api_key"}, "title": {"type": "string"},
                        "api_key": {"type": "string", "writeOnly": true},
                        "expires_at": {"type": "integer", "description": "Unix seconds"}}},
                    {"type": "object", "required": ["type", "username", "password"], "properties": {
                        "type": {"const": "user_password"}, "title": {"type": "string"},
                        "username": {"type": "string"}, "password": {"type": "string", "writeOnly": true}}},
                    {"type": "object", "required": ["type", "host", "headers"], "properties": {
                        "type": {"const": "host_scoped"}, "title": {"type": "string"},
                        "host": {"type": "string", "description": "`api.example.com` or `*.example.com`"},
                        "headers": {"type": "object", "additionalProperties": {"type": "string"}, "writeOnly": true}}}
                ],
                "discriminator": {"propertyName": "type"}
            }),
        ),
        (
            "Deleted",
            json!({"type": "object", "properties": {"deleted": {"type": "boolean"}}, "additionalProperties": true}),
        ),
        (
            "Webhook",
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "provider": {"type": "string"},
                    "kind": {"enum": ["manual", "auto"]}, "resource": {"type": "string"},
                    "events": {"type": "array", "items": {"type": "string"}},
                    "credentials_id": {"type": ["string", "null"]},
                    "ingress_url": {"type": "string", "format": "uri"},
                    "subscriptions": {"type": "integer"},
                    "secret": {"type": "string", "description": "Only when a manual webhook's trigger is created"}
                }
            }),
        ),
        (
            "Trigger",
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "block_id": {"type": "string"},
                    "events": {"type": "array", "items": {"type": "string"}},
                    "input": {"type": "object"}, "webhook_id": {"type": "string"},
                    "ingress_url": {"type": ["string", "null"]},
                    "webhook": {"oneOf": [reference("Webhook"), {"type": "null"}]}
                }
            }),
        ),
        (
            "NewTrigger",
            json!({
                "type": "object",
                "required": ["block_id"],
                "additionalProperties": false,
                "properties": {
                    "block_id": {"type": "string", "description": "A trigger block's id or name"},
                    "input": {"type": "object", "description": "The block's input without `payload`"},
                    "resource": {"type": "string", "description": "What the webhook watches, e.g. `owner/repo`"},
                    "credentials_id": {"type": "string", "description": "Credentials to register the webhook with"}
                }
            }),
        ),
        (
            "Delivery",
            json!({
                "type": "object",
                "properties": {"received": {"type": "boolean"}, "triggered": {"type": "integer"}}
            }),
        ),
        ("Health", json!({"type": "object", "properties": {"status": {"const": "ok"}}})),
        (
            "OAuthInitiate",
            json!({
                "type": "object",
                "required": ["callback_url"],
                "properties": {
                    "callback_url": {"type": "string", "format": "uri",
                        "description": "Where the provider sends the user back; its origin must be allowed"},
                    "scopes": {"type": "array", "items": {"type": "string"}},
                    "state_metadata": {"type": "object"}
                }
            }),
        ),
        (
            "OAuthLogin",
            json!({
                "type": "object",
                "properties": {"login_url": {"type": "string", "format": "uri"}, "state_token": {"type": "string"}}
            }),
        ),
        (
            "OAuthComplete",
            json!({
                "type": "object",
                "required": ["code", "state_token"],
                "properties": {"code": {"type": "string"}, "state_token": {"type": "string"}}
            }),
        ),
        (
            "OAuthCredentials",
            json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string"}, "provider": {"type": "string"}, "type": {"const": "oauth2"},
                    "title": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}},
                    "username": {"type": ["string", "null"]}
                }
            }),
        ),
    ]
}

/// One Server-Sent Event of a streamed run, as a client's event parser sees it
/// (OpenAPI 3.1 has no `itemSchema`: the stream's schema describes one event).
pub fn stream_event() -> Value {
    json!({
        "type": "object",
        "description": "One event per output, in order; the stream closes when the run ends.",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "description": "The output pin's name; `error` for a failed run"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "description": "The value the pin emitted, as one line of compact JSON"
            },
            "id": {"type": "string"},
            "retry": {"type": "integer"}
        }
    })
}

/// The request body schema and the success status and schema of an operation.
pub fn operation_shapes(operation: &str) -> (Option<Value>, u16, Value) {
    let list = |name: &str| json!({"type": "array", "items": reference(name)});
    match operation {
        "health" => (None, 200, reference("Health")),
        "openapi" => (None, 200, json!({"type": "object"})),
        "get_me" => (None, 200, reference("User")),
        "get_credits" => (None, 200, reference("Credits")),
        "list_blocks" => (None, 200, list("BlockInfo")),
        "get_block" => (None, 200, reference("BlockInfo")),
        "execute_block" | "execute_block_stream" => (Some(reference("BlockInput")), 200, reference("BlockOutputs")),
        "list_providers" => (None, 200, list("Provider")),
        "list_credentials" | "list_provider_credentials" => (None, 200, list("ListedCredentials")),
        "create_credentials" => (Some(reference("NewCredentials")), 201, reference("CredentialsMeta")),
        "delete_credentials" | "delete_webhook" | "delete_trigger" => (None, 200, reference("Deleted")),
        "initiate_oauth" => (Some(reference("OAuthInitiate")), 200, reference("OAuthLogin")),
        "complete_oauth" => (Some(reference("OAuthComplete")), 201, reference("OAuthCredentials")),
        "list_webhooks" => (None, 200, list("Webhook")),
        "list_triggers" => (None, 200, list("Trigger")),
        "create_trigger" => (Some(reference("NewTrigger")), 201, reference("Trigger")),
        "oauth_metadata" => (None, 200, reference("OAuthMetadata")),
        "webhook_ingress" => {
            (Some(json!({"description": "The provider's payload, as it signed it"})), 200, reference("Delivery"))
        }
        _ => (None, 200, json!({})),
    }
}

/// Whether an operation's JSON body may be left out: an empty body is the empty
/// object for a run (a block without required inputs needs none), and a webhook
/// delivery is whatever the provider sends. Every other body has required fields.
pub fn body_is_optional(operation: &str) -> bool {
    matches!(operation, "execute_block" | "execute_block_stream" | "webhook_ingress")
}

/// The error statuses an operation can answer, beyond the authentication ones.
pub fn operation_errors(operation: &str) -> &'static [(u16, &'static str)] {
    match operation {
        "get_block" => &[(404, "No such block")],
        "execute_block" | "execute_block_stream" => &[
            (400, "The body is not JSON"),
            (402, "The credit balance does not cover the run"),
            (403, "The block is disabled, or a scope is missing"),
            (404, "No such block"),
            (413, "The body is too large"),
            (422, "The input does not fit the block's schema; every problem is listed with its JSON pointer"),
        ],
        "list_provider_credentials" => &[(404, "No such provider")],
        "create_credentials" => {
            &[(400, "The body is not JSON"), (404, "No such provider"), (422, "Invalid credentials")]
        }
        "delete_credentials" => {
            &[(403, "Platform default credentials cannot be deleted"), (404, "No such credentials or provider")]
        }
        "initiate_oauth" => &[
            (400, "The provider has no OAuth app configured, or the callback's origin is not allowed"),
            (404, "No such provider"),
            (422, "The body does not fit"),
        ],
        "complete_oauth" => &[
            (400, "The state token is unknown, used, expired or another user's"),
            (404, "No such provider"),
            (502, "The provider refused the code"),
        ],
        "delete_webhook" => &[(404, "No such webhook")],
        "delete_trigger" => &[(404, "No such trigger subscription")],
        "create_trigger" => &[
            (400, "The body is not JSON"),
            (404, "No such block"),
            (422, "Not a trigger block, or its input or credentials do not fit"),
            (502, "The provider refused to register the webhook"),
        ],
        "webhook_ingress" => &[
            (400, "The verified delivery could not be parsed"),
            (403, "The signature is missing or wrong"),
            (404, "No such webhook for this provider"),
            (413, "The delivery is too large"),
        ],
        "health" => &[(503, "The storage does not answer")],
        _ => &[],
    }
}
