use std::sync::Arc;

use block_core::credentials::{CredentialsType, test_credentials};
use block_core::http::{Exchange, HttpPolicy, MockTransport};

use super::*;
use crate::github::fixtures;

const SECRET: &str = "webhook-secret-canary";

fn webhook(events: &[&str]) -> Webhook {
    let mut webhook = Webhook::new(
        "github",
        "alice",
        WebhookKind::Auto,
        "octocat/hello-world",
        events.iter().map(|&e| e.to_owned()).collect(),
        Some("credentials-1".into()),
    );
    webhook.secret = SECRET.into();
    webhook
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        headers.append(*name, HeaderValue::from_str(value).expect("valid header"));
    }
    headers
}

fn signed(body: &str, event: &str) -> HeaderMap {
    GithubWebhookManager.sign_delivery(&webhook(&[]), event, body.as_bytes())
}

#[test]
fn accepts_githubs_documented_signature() {
    // GitHub's "Validating webhook deliveries" example.
    let mut hook = webhook(&[]);
    hook.secret = "It's a Secret to Everybody".into();
    let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let verified = GithubWebhookManager.verify(&hook, &headers(&[(SIGNATURE_HEADER, signature)]), b"Hello, World!");
    assert!(verified.is_ok(), "{verified:?}");
}

#[test]
fn accepts_a_delivery_signed_with_the_webhooks_secret() {
    let headers = signed(fixtures::PULL_REQUEST_OPENED, "pull_request.opened");
    assert!(GithubWebhookManager.verify(&webhook(&[]), &headers, fixtures::PULL_REQUEST_OPENED.as_bytes()).is_ok());
}

#[test]
fn refuses_a_tampered_body() {
    let headers = signed(fixtures::PULL_REQUEST_OPENED, "pull_request.opened");
    let tampered = fixtures::PULL_REQUEST_OPENED.replace("\"opened\"", "\"closed\"");
    let error = GithubWebhookManager.verify(&webhook(&[]), &headers, tampered.as_bytes()).expect_err("tampered");
    assert!(matches!(error, WebhookError::BadSignature(_)), "{error}");
}

#[test]
fn refuses_a_signature_made_with_another_secret() {
    let mut other = webhook(&[]);
    other.secret = "another-secret".into();
    let headers = GithubWebhookManager.sign_delivery(&other, "issues.opened", fixtures::ISSUES_OPENED.as_bytes());
    let error =
        GithubWebhookManager.verify(&webhook(&[]), &headers, fixtures::ISSUES_OPENED.as_bytes()).expect_err("wrong");
    assert!(error.to_string().contains("does not match"), "{error}");
}

#[test]
fn refuses_a_missing_repeated_or_malformed_signature_header() {
    let body = fixtures::PING.as_bytes();
    let good = signed(fixtures::PING, "ping");
    let good = good.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).expect("signed").to_owned();
    let hex = good.trim_start_matches("sha256=").to_owned();
    for (case, headers) in [
        ("missing", headers(&[(EVENT_HEADER, "ping")])),
        ("repeated", headers(&[(SIGNATURE_HEADER, &good), (SIGNATURE_HEADER, &good)])),
        ("without the sha256= prefix", headers(&[(SIGNATURE_HEADER, &hex)])),
        ("sha1 instead", headers(&[(SIGNATURE_HEADER, &format!("sha1={hex}"))])),
        ("not hex", headers(&[(SIGNATURE_HEADER, "sha256=zz")])),
        ("empty", headers(&[(SIGNATURE_HEADER, "sha256=")])),
    ] {
        let error = GithubWebhookManager.verify(&webhook(&[]), &headers, body).expect_err(case);
        assert!(matches!(error, WebhookError::BadSignature(_)), "{case}: {error}");
        assert!(!error.to_string().contains(SECRET), "{case}: the secret leaks");
    }
}

#[test]
fn event_types_join_the_event_header_and_the_action() {
    for (body, header, expected) in [
        (fixtures::PULL_REQUEST_OPENED, "pull_request", "pull_request.opened"),
        (fixtures::PULL_REQUEST_CLOSED, "pull_request", "pull_request.closed"),
        (fixtures::PULL_REQUEST_SYNCHRONIZE, "pull_request", "pull_request.synchronize"),
        (fixtures::ISSUES_OPENED, "issues", "issues.opened"),
        (fixtures::ISSUES_CLOSED, "issues", "issues.closed"),
        (fixtures::ISSUES_LABELED, "issues", "issues.labeled"),
        (fixtures::PUSH, "push", "push"),
    ] {
        let delivery = GithubWebhookManager
            .parse(&webhook(&[]), &headers(&[(EVENT_HEADER, header)]), body.as_bytes())
            .expect(expected);
        assert_eq!(delivery.event, expected);
        assert_eq!(delivery.payload, serde_json::from_str::<Value>(body).expect("fixture is JSON"));
    }
}

#[test]
fn a_ping_is_the_event_ping() {
    let delivery = GithubWebhookManager
        .parse(&webhook(&[]), &headers(&[(EVENT_HEADER, "ping")]), fixtures::PING.as_bytes())
        .expect("parsed");
    assert_eq!(delivery.event, "ping");
    assert_eq!(delivery.payload["zen"], "Responsive is better than fast.");
}

#[test]
fn a_delivery_without_an_event_header_is_malformed() {
    let error = GithubWebhookManager
        .parse(&webhook(&[]), &HeaderMap::new(), fixtures::ISSUES_OPENED.as_bytes())
        .expect_err("no event");
    assert!(matches!(&error, WebhookError::BadPayload(reason) if reason.contains("X-GitHub-Event")), "{error}");
}

#[test]
fn odd_event_headers_and_bodies_are_malformed() {
    let parse = |event: &str, body: &str| {
        GithubWebhookManager.parse(&webhook(&[]), &headers(&[(EVENT_HEADER, event)]), body.as_bytes())
    };
    assert!(matches!(parse("pull_request.opened", "{}"), Err(WebhookError::BadPayload(_))));
    assert!(matches!(parse("", "{}"), Err(WebhookError::BadPayload(_))));
    assert!(
        matches!(parse("issues", "payload=%7B%7D"), Err(WebhookError::BadPayload(r)) if r.contains("application/json"))
    );
    assert!(matches!(parse("issues", "[1, 2]"), Err(WebhookError::BadPayload(_))));
}

#[test]
fn signed_deliveries_carry_githubs_headers() {
    let mut hook = webhook(&[]);
    hook.remote_id = Some("12345678".into());
    let headers = GithubWebhookManager.sign_delivery(&hook, "pull_request.opened", b"{}");
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header(EVENT_HEADER), "pull_request");
    assert_eq!(header(SIGNATURE_HEADER), format!("sha256={}", hmac_sha256_hex(SECRET.as_bytes(), b"{}")));
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("x-github-hook-id"), "12345678");
    let other = GithubWebhookManager.sign_delivery(&hook, "pull_request.opened", b"{}");
    assert!(!header(DELIVERY_HEADER).is_empty());
    assert_ne!(other.get(DELIVERY_HEADER), headers.get(DELIVERY_HEADER), "every delivery has its own id");
}

#[test]
fn subscribed_actions_become_distinct_github_events() {
    let events = ["pull_request.opened", "pull_request.closed", "issues.labeled", "push"].map(String::from);
    assert_eq!(hooks::github_events(&events), ["pull_request", "issues", "push"]);
}

fn http(exchanges: impl IntoIterator<Item = Exchange>) -> (HttpClient, Arc<MockTransport>) {
    let mock = Arc::new(MockTransport::new(exchanges));
    (HttpClient::new(HttpPolicy::default(), mock.clone()), mock)
}

fn api_key() -> StoredCredentials {
    test_credentials("github", CredentialsType::ApiKey)
}

const HOOKS: &str = "https://api.github.com/repos/octocat/hello-world/hooks";
const INGRESS: &str = "https://blocks.example.com/api/integrations/github/webhooks/w1/ingress";

#[tokio::test]
async fn registers_a_json_hook_for_the_distinct_events_with_the_webhooks_secret() {
    let (http, mock) = http([Exchange::post(HOOKS)
        .header("authorization", "Bearer mock-github-api-key")
        .header("x-github-api-version", "2022-11-28")
        .json_body(json!({
            "name": "web",
            "active": true,
            "events": ["pull_request", "issues"],
            "config": {"url": INGRESS, "content_type": "json", "secret": SECRET, "insecure_ssl": "0"},
        }))
        .respond_json(201, json!({"id": 12_345_678, "name": "web", "active": true}))]);
    let hook = webhook(&["pull_request.opened", "pull_request.closed", "issues.opened"]);
    let id = GithubWebhookManager.register(&http, &api_key(), &hook, INGRESS).await.expect("registered");
    assert_eq!(id, "12345678");
    assert!(mock.unused_exchanges().is_empty());
    assert!(!format!("{hook:?}").contains(SECRET), "the webhook's Debug hides its secret");
}

#[tokio::test]
async fn registers_with_an_oauth_logins_access_token() {
    let (http, _mock) = http([Exchange::post(HOOKS)
        .header("authorization", "Bearer mock-github-access-token")
        .respond_json(201, json!({"id": 7}))]);
    let oauth = test_credentials("github", CredentialsType::OAuth2);
    let id = GithubWebhookManager.register(&http, &oauth, &webhook(&["issues.opened"]), INGRESS).await.expect("ok");
    assert_eq!(id, "7");
}

#[tokio::test]
async fn a_refused_registration_explains_itself_without_the_secret_or_token() {
    let (http, _mock) = http([Exchange::post(HOOKS).respond_json(
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": "Hook", "code": "custom",
               "message": format!("Hook already exists on this repository ({SECRET})")}]}),
    )]);
    let error = GithubWebhookManager
        .register(&http, &api_key(), &webhook(&["issues.opened"]), INGRESS)
        .await
        .expect_err("refused");
    let text = error.to_string();
    assert!(text.contains("Hook already exists on this repository"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains("mock-github-api-key"), "{text}");
}

#[tokio::test]
async fn refuses_to_register_on_something_that_is_not_a_repository() {
    let (http, _mock) = http([]);
    let mut hook = webhook(&["issues.opened"]);
    hook.resource = "octocat".into();
    let error = GithubWebhookManager.register(&http, &api_key(), &hook, INGRESS).await.expect_err("no repo");
    assert!(error.to_string().contains("write it as `owner/repo`"), "{error}");
}

#[tokio::test]
async fn deregisters_a_hook_and_counts_a_missing_one_as_gone() {
    let (http, mock) = http([
        Exchange::delete(&format!("{HOOKS}/12345678"))
            .header("authorization", "Bearer mock-github-api-key")
            .respond(204),
        Exchange::delete(&format!("{HOOKS}/999")).respond_json(404, json!({"message": "Not Found"})),
    ]);
    let manager = GithubWebhookManager;
    manager.deregister(&http, &api_key(), "octocat/hello-world", "12345678").await.expect("deleted");
    manager.deregister(&http, &api_key(), "octocat/hello-world", "999").await.expect("already gone");
    assert!(mock.unused_exchanges().is_empty());
}

#[tokio::test]
async fn deregistering_fails_on_refusals_and_on_ids_that_are_not_numbers() {
    let (http, _mock) =
        http([Exchange::delete(&format!("{HOOKS}/1")).respond_json(403, json!({"message": "Must have admin rights"}))]);
    let error = GithubWebhookManager.deregister(&http, &api_key(), "octocat/hello-world", "1").await.expect_err("403");
    assert!(error.to_string().contains("Must have admin rights"), "{error}");
    let error =
        GithubWebhookManager.deregister(&http, &api_key(), "octocat/hello-world", "../../x").await.expect_err("id");
    assert!(error.to_string().contains("is not a GitHub hook id"), "{error}");
}

#[tokio::test]
async fn lists_remote_hooks_across_pages_with_their_delivery_urls() {
    let next = "https://api.github.com/repositories/1296269/hooks?per_page=100&page=2";
    let (http, mock) = http([
        Exchange::get(&format!("{HOOKS}?per_page=100"))
            .header("authorization", "Bearer mock-github-api-key")
            .respond_json(200, json!([{"id": 1, "config": {"url": INGRESS, "content_type": "json"}}]))
            .response_header("link", &format!("<{next}>; rel=\"next\"")),
        Exchange::get(next).respond_json(200, json!([{"id": 2, "config": {"url": "https://ci.example.com/hook"}}])),
    ]);
    let hooks = GithubWebhookManager.remote_hooks(&http, &api_key(), "octocat/hello-world").await.expect("listed");
    assert_eq!(
        hooks,
        [
            RemoteHook { id: "1".into(), url: INGRESS.into() },
            RemoteHook { id: "2".into(), url: "https://ci.example.com/hook".into() },
        ]
    );
    assert!(mock.unused_exchanges().is_empty());
}
