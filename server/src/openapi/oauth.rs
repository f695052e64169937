//! The OAuth 2 authorization server's operations: their query parameters, form
//! bodies and answers, as the endpoints in `crate::oauth` give them. The browser
//! endpoints answer HTML pages and redirects; the token, revocation and
//! introspection endpoints answer JSON, with RFC 6749's error shape.

use serde_json::{Map, Value, json};

use super::shapes::reference;
use crate::auth::Scope;

const FORM: &str = "application/x-www-form-urlencoded";

/// The component schemas of the OAuth answers, by name.
pub fn components() -> Vec<(&'static str, Value)> {
    let scopes: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    let methods = json!({"type": "array", "items": {"enum": ["client_secret_basic", "client_secret_post", "none"]}});
    vec![
        (
            "OAuthError",
            json!({
                "type": "object",
                "description": "An RFC 6749 (section 5.2) error",
                "required": ["error"],
                "properties": {
                    "error": {"enum": [
                        "invalid_request", "invalid_client", "invalid_grant", "invalid_scope",
                        "unsupported_grant_type", "server_error"
                    ]},
                    "error_description": {"type": "string"}
                }
            }),
        ),
        (
            "OAuthTokens",
            json!({
                "type": "object",
                "required": ["access_token", "token_type", "expires_in", "refresh_token", "scope"],
                "properties": {
                    "access_token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`"},
                    "token_type": {"const": "Bearer"},
                    "expires_in": {"type": "integer", "minimum": 0, "description": "Seconds"},
                    "refresh_token": {"type": "string", "description": "Single use: every refresh rotates it"},
                    "scope": {"type": "string", "description": "The granted scopes, space-separated"}
                }
            }),
        ),
        (
            "OAuthIntrospection",
            json!({
                "type": "object",
                "description": "RFC 7662: `{\"active\": false}` alone for a token that is unknown, expired, \
                    revoked or another client's",
                "required": ["active"],
                "properties": {
                    "active": {"type": "boolean"},
                    "scope": {"type": "string"},
                    "client_id": {"type": "string"},
                    "sub": {"type": "string", "description": "The user the token acts for"},
                    "token_type": {"enum": ["access_token", "refresh_token"]},
                    "exp": {"type": "integer", "description": "Unix seconds"},
                    "iss": {"type": "string"}
                }
            }),
        ),
        (
            "OAuthMetadata",
            json!({
                "type": "object",
                "description": "RFC 8414 authorization server metadata",
                "required": [
                    "issuer", "authorization_endpoint", "token_endpoint", "response_types_supported",
                    "grant_types_supported", "code_challenge_methods_supported"
                ],
                "properties": {
                    "issuer": {"type": "string"},
                    "authorization_endpoint": {"type": "string"},
                    "token_endpoint": {"type": "string"},
                    "revocation_endpoint": {"type": "string"},
                    "introspection_endpoint": {"type": "string"},
                    "response_types_supported": {"type": "array", "items": {"const": "code"}},
                    "grant_types_supported": {"type": "array",
                        "items": {"enum": ["authorization_code", "refresh_token"]}},
                    "code_challenge_methods_supported": {"type": "array", "items": {"const": "S256"}},
                    "token_endpoint_auth_methods_supported": methods,
                    "revocation_endpoint_auth_methods_supported": methods,
                    "introspection_endpoint_auth_methods_supported": methods,
                    "scopes_supported": {"type": "array", "items": {"enum": scopes}}
                }
            }),
        ),
    ]
}

/// The parameters, request body and answers of the OAuth operation `operation`
/// (a `Access::OAuthProtocol` route), as an operation object without its id,
/// summary and tags.
pub fn operation(operation: &str) -> Value {
    let mut responses = Map::new();
    let mut parameters = Vec::new();
    let mut body = None;
    match operation {
        "oauth_authorize" => {
            parameters = authorization_request()
                .into_iter()
                .map(|(name, schema, required, description)| {
                    json!({"name": name, "in": "query", "required": required, "description": description,
                        "schema": schema})
                })
                .collect();
            responses.insert("200".into(), html("The consent page, for a signed-in user"));
            responses.insert("302".into(), back_to_client());
            responses.insert(
                "400".into(),
                html(
                    "An error page: a parameter is given twice, the client is unknown or disabled, or \
                      redirect_uri is not one it registered (never redirected)",
                ),
            );
            responses.insert("401".into(), html("A page asking the user to sign in first"));
        }
        "oauth_authorize_decision" => {
            let mut properties = Map::new();
            let mut required = Vec::new();
            for (name, schema, needed, description) in authorization_request() {
                let mut schema = schema;
                schema["description"] = Value::from(description);
                properties.insert(name.to_owned(), schema);
                if needed {
                    required.push(name);
                }
            }
            properties.insert(
                "decision".into(),
                json!({"enum": ["allow", "deny"], "description": "The button the user pressed"}),
            );
            properties.insert(
                "csrf".into(),
                json!({"type": "string", "description": "The consent page's anti-forgery value"}),
            );
            required.extend(["decision", "csrf"]);
            body = Some(form(json!({"type": "object", "required": required, "properties": properties})));
            responses.insert("302".into(), back_to_client());
            responses.insert(
                "400".into(),
                html(
                    "An error page: the body is not a form, the client is unknown or disabled, or redirect_uri \
                      is not one it registered (never redirected)",
                ),
            );
            responses.insert("401".into(), html("A page asking the user to sign in first"));
            responses.insert("403".into(), html("The form did not come from this server's consent page"));
        }
        "oauth_login" => {
            parameters.push(json!({
                "name": "token", "in": "query", "required": true,
                "description": "The one-time secret of the link `block-server login-link` printed",
                "schema": {"type": "string"}
            }));
            let mut signed_in = html("Signed in: the session cookie is set");
            signed_in["headers"] = json!({"Set-Cookie": {"required": true, "schema": {"type": "string"},
                "description": "The session cookie (HttpOnly, SameSite=Lax, limited to `/oauth`)"}});
            responses.insert("200".into(), signed_in);
            responses.insert("400".into(), html("The query string cannot be read (a parameter given twice)"));
            responses.insert("401".into(), html("The link is unknown, used or expired"));
        }
        "oauth_token" => {
            let client = client_fields();
            let grant = |grant_type: &str, fields: Value, required: &[&str]| {
                let mut properties = client.clone();
                properties["grant_type"] = json!({"const": grant_type});
                for (name, schema) in fields.as_object().into_iter().flatten() {
                    properties[name] = schema.clone();
                }
                let mut required = required.to_vec();
                required.insert(0, "grant_type");
                json!({"type": "object", "required": required, "properties": properties})
            };
            let code = grant(
                "authorization_code",
                json!({
                    "code": {"type": "string"},
                    "redirect_uri": {"type": "string", "description": "As in the authorization request"},
                    "code_verifier": {"type": "string", "pattern": "^[A-Za-z0-9._~-]{43,128}$",
                        "description": "The PKCE verifier whose S256 is the request's code_challenge"}
                }),
                &["code", "redirect_uri", "code_verifier"],
            );
            let refresh = grant(
                "refresh_token",
                json!({
                    "refresh_token": {"type": "string"},
                    "scope": {"type": "string", "description": "Space-separated; at most the scopes granted"}
                }),
                &["refresh_token"],
            );
            body = Some(form(json!({"oneOf": [code, refresh]})));
            responses.insert("200".into(), json_answer("New tokens", reference("OAuthTokens")));
            client_errors(&mut responses);
        }
        "oauth_revoke" | "oauth_introspect" => {
            let mut properties = client_fields();
            properties["token"] = json!({"type": "string", "description": "An access or refresh token"});
            properties["token_type_hint"] = json!({"enum": ["access_token", "refresh_token"]});
            body = Some(form(json!({"type": "object", "required": ["token"], "properties": properties})));
            if operation == "oauth_revoke" {
                responses
                    .insert("200".into(), json!({"description": "Revoked, or nothing to revoke (RFC 7009): no body"}));
            } else {
                responses.insert("200".into(), json_answer("The token's state", reference("OAuthIntrospection")));
            }
            client_errors(&mut responses);
        }
        _ => {}
    }
    let mut operation = json!({"security": [], "parameters": parameters, "responses": responses});
    if let Some(body) = body {
        operation["requestBody"] = body;
    }
    operation
}

/// The parameters of an authorization request: name, schema, required,
/// description.
fn authorization_request() -> Vec<(&'static str, Value, bool, &'static str)> {
    vec![
        ("response_type", json!({"const": "code"}), true, "Only the authorization code grant"),
        ("client_id", json!({"type": "string"}), true, "A registered, enabled client"),
        ("redirect_uri", json!({"type": "string"}), true, "Exactly one of the URIs the client registered"),
        (
            "code_challenge",
            json!({"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"}),
            true,
            "BASE64URL(SHA-256(code_verifier)) (PKCE)",
        ),
        ("code_challenge_method", json!({"const": "S256"}), true, "`plain` is refused"),
        ("scope", json!({"type": "string"}), false, "Space-separated scope names; default: all the client's"),
        ("state", json!({"type": "string"}), false, "Returned unchanged to the client"),
    ]
}

/// `client_id` and `client_secret` as form fields (else HTTP Basic).
fn client_fields() -> Value {
    json!({
        "client_id": {"type": "string", "description": "Unless HTTP Basic authenticates the client"},
        "client_secret": {"type": "string", "writeOnly": true, "description": "A confidential client's secret"}
    })
}

fn form(schema: Value) -> Value {
    json!({"required": true, "content": {FORM: {"schema": schema}}})
}

fn html(description: &str) -> Value {
    json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}})
}

fn json_answer(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn back_to_client() -> Value {
    json!({
        "description": "Back to the client's redirect URI with `code` and `state`, or with `error`, \
            `error_description` and `state` (RFC 6749 4.1.2)",
        "headers": {"Location": {"required": true, "schema": {"type": "string"}}}
    })
}

/// The RFC 6749 answers of the endpoints that authenticate the client.
fn client_errors(responses: &mut Map<String, Value>) {
    responses.insert("400".into(), json_answer("The request is malformed or refused", reference("OAuthError")));
    let mut unauthenticated = json_answer("The client did not authenticate", reference("OAuthError"));
    unauthenticated["headers"] = json!({"WWW-Authenticate": {"required": true, "schema": {"type": "string"}}});
    responses.insert("401".into(), unauthenticated);
}
