//! Every route x every scope: a route answers only keys holding all of its scopes.

use block_server::api::{Access, RouteSpec, routes};
use block_server::domain::Scope;
use serde_json::json;

use crate::support::{Client, TestServer};

const CALCULATOR: &str = "470bd006-adb0-48de-a0d9-b3a7de19568b";

/// The route's path with its parameters filled in.
fn concrete(route: &RouteSpec) -> String {
    route
        .path
        .replace("{id}", CALCULATOR)
        .replace("{provider}", "example")
        .replace("{cred_id}", "no-such-credentials")
        .replace("{webhook_id}", "no-such-webhook")
        .replace("{subscription_id}", "no-such-subscription")
        .replace("{username}", "local-user")
        .replace("{agent_name}", "no-such-agent")
        .replace("{version}", "1")
        .replace("{exec_id}", "no-such-execution")
}

async fn call(client: &Client, route: &RouteSpec) -> crate::support::Answer {
    let body = json!({});
    let body = (route.method == reqwest::Method::POST || route.method == reqwest::Method::PUT).then_some(&body);
    client.send(route.method.as_str(), &concrete(route), body, &[]).await
}

/// API keys or OAuth access tokens, holding exactly the given scopes.
#[derive(Clone, Copy)]
enum Credential {
    ApiKey,
    Bearer,
}

async fn credential(server: &TestServer, kind: Credential, scopes: &[Scope]) -> String {
    match kind {
        Credential::ApiKey => server.key_with(scopes).await,
        Credential::Bearer => server.bearer_with(scopes).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_requires_all_of_its_scopes_and_names_the_missing_ones() {
    scope_matrix(Credential::ApiKey, "scopes").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_tokens_are_held_to_the_same_scope_matrix() {
    scope_matrix(Credential::Bearer, "scopes-bearer").await;
}

async fn scope_matrix(kind: Credential, name: &str) {
    let server = TestServer::start(name).await;
    let mut keys = Vec::new();
    for scope in Scope::ALL {
        keys.push((scope, credential(&server, kind, &[scope]).await));
    }
    let anonymous = server.client().with_key(None);
    let mut checked = 0;
    for route in &routes() {
        if route.access == Access::OAuthProtocol {
            // These authenticate clients and users themselves (tests/api/oauth.rs),
            // and never accept an API key or a bearer token in their place.
            let answer = call(&server.client().with_key(Some(&keys[0].1)), route).await;
            assert!(answer.status != 200 && answer.status != 302, "{}: {}", route.path, answer.text);
            continue;
        }
        let Access::Scopes(required) = &route.access else {
            let answer = call(&anonymous, route).await;
            assert!(
                answer.status != 401 && answer.status != 403,
                "{} {} is public: {}",
                route.verb(),
                route.path,
                answer.text
            );
            continue;
        };
        let answer = call(&anonymous, route).await;
        answer.expect(401);
        for (scope, key) in &keys {
            let answer = call(&server.client().with_key(Some(key)), route).await;
            let missing: Vec<&str> =
                required.iter().filter(|needed| *needed != scope).map(|needed| needed.as_str()).collect();
            if missing.is_empty() {
                assert!(
                    answer.status != 401 && answer.status != 403,
                    "{} {} with {scope}: {}",
                    route.verb(),
                    route.path,
                    answer.text
                );
            } else {
                answer.expect(403);
                assert_eq!(answer.code(), "missing_scopes");
                assert_eq!(answer.json()["error"]["details"]["missing_scopes"], json!(missing), "{}", route.path);
                for name in &missing {
                    assert!(answer.json()["error"]["message"].as_str().unwrap_or("").contains(name));
                }
            }
            checked += 1;
        }
        let exact = credential(&server, kind, required).await;
        let answer = call(&server.client().with_key(Some(&exact)), route).await;
        assert!(
            answer.status != 401 && answer.status != 403,
            "{} with exactly its scopes: {}",
            route.path,
            answer.text
        );
    }
    assert!(checked >= 12 * 15, "the matrix covered {checked} route-scope pairs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_answered_are_exactly_the_route_table() {
    let server = TestServer::start("route-table").await;
    let client = server.client();
    for route in &routes() {
        let answer = call(&client, route).await;
        assert_ne!(answer.code(), "route_not_found", "{} {} is in the table but not served", route.verb(), route.path);
        assert_ne!(answer.status, 405, "{} {}", route.verb(), route.path);
        assert_ne!(answer.status, 500, "{} {}: {}", route.verb(), route.path, answer.text);
    }
    assert_eq!(client.get("/external-api/v1/nothing-here").await.expect(404).code(), "route_not_found");
    assert_eq!(client.delete("/external-api/v1/me").await.expect(405).code(), "method_not_allowed");
}

#[test]
fn a_graph_trigger_needs_the_scopes_of_a_webhook_and_of_running_the_graph() {
    let route = routes()
        .into_iter()
        .find(|route| route.path == "/external-api/v1/graphs/{id}/triggers")
        .expect("the graph trigger route is declared");
    assert_eq!(route.method, reqwest::Method::POST);
    assert_eq!(route.access, Access::Scopes(vec![Scope::ManageIntegrations, Scope::ExecuteGraph]));
}
