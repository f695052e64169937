//! The OpenAPI document and Swagger UI, served offline.

use std::collections::BTreeSet;

use block_server::api::routes;
use serde_json::Value;

use crate::support::TestServer;
use crate::support::contract::{Mismatch, Observed};

fn refs(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => {
            for (key, item) in fields {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => {
                        out.insert(target.clone());
                    }
                    _ => refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_covers_every_route_and_every_block_input() {
    let server = TestServer::start("docs-openapi").await;
    let answer = server.client().with_key(None).get("/external-api/openapi.json").await;
    let document = answer.expect(200).json();
    assert_eq!(document["openapi"], "3.1.0");
    for route in &routes() {
        let operation = &document["paths"][route.path.as_str()][route.verb().as_str()];
        assert_eq!(operation["operationId"], route.operation, "{} {}", route.verb(), route.path);
        let scopes: Vec<&str> = route.scopes().iter().map(|scope| scope.as_str()).collect();
        if !scopes.is_empty() {
            assert_eq!(operation["x-required-scopes"], serde_json::json!(scopes));
        }
    }
    let schemas = &document["components"]["schemas"];
    for block in server.state.registry().blocks().filter(|block| !block.descriptor().disabled) {
        assert!(schemas[format!("{}Input", block.name())].is_object(), "{} has no input schema", block.name());
    }
    assert_eq!(
        schemas["CalculatorBlockInput"]["properties"]["a"]["type"], "number",
        "the block's own schema, field by field"
    );
    for (path, verb, required) in [
        ("/external-api/v1/blocks/{id}/execute", "post", false),
        ("/external-api/v1/integrations/{provider}/credentials", "post", true),
        ("/external-api/v1/triggers", "post", true),
    ] {
        let body = &document["paths"][path][verb]["requestBody"];
        assert_eq!(body["required"], required, "{verb} {path}: whether the body may be left out");
    }
    let mut targets = BTreeSet::new();
    refs(&document, &mut targets);
    for target in targets {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{target} is not local"));
        assert!(schemas[name].is_object(), "{target} does not resolve");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_is_served_from_the_binary() {
    let server = TestServer::start("docs-ui").await;
    let client = server.client().with_key(None);
    let page = client.get("/external-api/docs/").await;
    assert!(page.expect(200).text.contains("swagger-ui"));
    let config = client.get("/external-api/docs/swagger-initializer.js").await;
    assert!(config.text.contains("/external-api/openapi.json"), "{}", config.text);
    let bundle = client.get("/external-api/docs/swagger-ui-bundle.js").await;
    assert!(bundle.expect(200).text.len() > 100_000, "the bundle itself, not a link to a CDN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth_endpoints_and_the_event_stream_are_documented_as_they_answer() {
    let server = TestServer::start("docs-oauth").await;
    let document = server.client().with_key(None).get("/external-api/openapi.json").await.expect(200).json();
    let paths = &document["paths"];
    let form = "application/x-www-form-urlencoded";
    for path in ["/oauth/token", "/oauth/revoke", "/oauth/introspect", "/oauth/authorize"] {
        let body = &paths[path]["post"]["requestBody"];
        assert_eq!(body["required"], true, "{path}");
        assert!(body["content"][form]["schema"].is_object(), "{path} takes a form");
        assert!(body["content"]["application/json"].is_null(), "{path} takes no JSON");
    }
    for path in ["/oauth/token", "/oauth/revoke", "/oauth/introspect"] {
        let responses = &paths[path]["post"]["responses"];
        for status in ["400", "401"] {
            let schema = &responses[status]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(schema, "#/components/schemas/OAuthError", "{path} {status}: RFC 6749's shape");
        }
        assert_eq!(responses["401"]["headers"]["WWW-Authenticate"]["required"], true, "{path}");
    }
    assert!(paths["/oauth/revoke"]["post"]["responses"]["200"]["content"].is_null(), "revocation has no body");

    let authorize = &paths["/oauth/authorize"]["get"];
    let required: Vec<&str> = authorize["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|parameter| parameter["in"] == "query" && parameter["required"] == true)
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert_eq!(required, ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method"]);
    for (path, verb, statuses) in [
        ("/oauth/authorize", "get", &["200", "400", "401"][..]),
        ("/oauth/authorize", "post", &["400", "401", "403"][..]),
        ("/oauth/login", "get", &["200", "400", "401"][..]),
    ] {
        let responses = &paths[path][verb]["responses"];
        for status in statuses {
            assert!(responses[status]["content"]["text/html"].is_object(), "{verb} {path} {status} is a page");
        }
    }
    for verb in ["get", "post"] {
        let redirect = &paths["/oauth/authorize"][verb]["responses"]["302"];
        assert_eq!(redirect["headers"]["Location"]["required"], true, "{verb} /oauth/authorize redirects");
    }

    for path in ["/external-api/v1/blocks/{id}/execute", "/external-api/v1/blocks/{id}/execute/stream"] {
        let event = &paths[path]["post"]["responses"]["200"]["content"]["text/event-stream"]["schema"];
        assert_eq!(event["type"], "object", "{path}: one parsed event");
        assert_eq!(event["required"], serde_json::json!(["event", "data"]), "{path}");
        assert_eq!(event["properties"]["data"]["contentMediaType"], "application/json", "{path}");
    }
}

/// An answer of `method path` with `status`, a JSON body and `headers`.
fn observed<'a>(method: &'a str, path: &'a str, status: u16, body: &'a str, headers: &'a [String]) -> Observed<'a> {
    Observed { method, path, status, content_type: Some("application/json"), headers, body }
}

fn pointers(mismatch: &Mismatch) -> Vec<&str> {
    mismatch.problems.iter().map(|(pointer, _)| pointer.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_refuses_answers_the_document_does_not_describe() {
    let server = TestServer::start("docs-contract").await;
    let contract = server.contract().await;
    let none: &[String] = &[];
    let credentials = "/external-api/v1/integrations/example/credentials";

    let fitting = r#"[{"id": "c1", "provider": "example", "type": "api_key", "title": null, "scopes": null,
        "username": null, "host": null}]"#;
    contract.check(&observed("GET", credentials, 200, fitting, none)).expect("a fitting answer passes");

    let wrong = r#"[{"id": 7, "provider": "example", "type": "ssh", "scopes": null, "username": null, "host": null}]"#;
    let mismatch = contract.check(&observed("GET", credentials, 200, wrong, none)).expect_err("a wrong body fails");
    assert_eq!((mismatch.operation.as_str(), mismatch.status), ("list_provider_credentials", 200));
    let found = pointers(&mismatch);
    for pointer in ["/0/id", "/0/type", "/0"] {
        assert!(found.contains(&pointer), "{pointer} in {found:?}: {mismatch}");
    }
    assert!(mismatch.problems.iter().any(|(_, problem)| problem.contains("title")), "the missing field: {mismatch}");
    let said = mismatch.to_string();
    for part in ["list_provider_credentials", "200", "/0/id", r#""type": "ssh""#] {
        assert!(said.contains(part), "the failure names {part}: {said}");
    }

    let undocumented = contract.check(&observed("GET", "/external-api/v1/me", 418, "{}", none)).expect_err("418");
    assert!(undocumented.to_string().contains("status 418 is not documented"), "{undocumented}");
    let plain =
        Observed { content_type: Some("text/plain"), ..observed("GET", "/external-api/v1/me", 200, "hi", none) };
    let plain = contract.check(&plain).expect_err("an undocumented content type");
    assert!(plain.to_string().contains("content type `text/plain` is not documented"), "{plain}");

    let bare_error = r#"{"error": {"code": "block_not_found", "message": "no block", "details": null}}"#;
    let path = "/external-api/v1/blocks/nope";
    let bare = contract.check(&observed("GET", path, 404, bare_error, none)).expect_err("an error without detail");
    assert_eq!((bare.operation.as_str(), pointers(&bare)), ("get_block", vec![""]), "{bare}");
    assert!(bare.to_string().contains("detail"), "{bare}");

    let limited =
        r#"{"detail": "slow down", "error": {"code": "rate_limited", "message": "slow down", "details": null}}"#;
    let without = contract.check(&observed("GET", "/external-api/v1/me", 429, limited, none)).expect_err("429");
    assert!(without.to_string().contains("`Retry-After` is missing"), "{without}");
    let retry_after = ["retry-after".to_owned()];
    contract.check(&observed("GET", "/external-api/v1/me", 429, limited, &retry_after)).expect("with Retry-After");

    let nowhere = contract.check(&observed("GET", "/external-api/v1/nowhere", 200, "{}", none)).expect_err("no path");
    assert!(nowhere.to_string().contains("expected the router's 404"), "{nowhere}");
    let redirect = Observed { content_type: None, ..observed("GET", "/oauth/authorize?x=1", 302, "", none) };
    let no_location = contract.check(&redirect).expect_err("a redirect without Location");
    assert!(no_location.to_string().contains("`Location` is missing"), "{no_location}");
}
