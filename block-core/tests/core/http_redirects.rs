//! Redirects followed by hand, against real servers on two 127.0.0.1 ports (two
//! origins): credentials stay with their origin, methods change as the status
//! says, and chains are capped.

use crate::http_support;

use std::sync::{Arc, OnceLock};

use block_core::http::{HttpClient, HttpError, StaticResolver};
use http_support::{Canned, Received, TestServer, local_policy, reqwest_client};
use secrecy::SecretString;

fn client() -> HttpClient {
    reqwest_client(local_policy(), StaticResolver::new())
}

fn token() -> SecretString {
    SecretString::from("tok-redirect-1234")
}

/// Sends a GET with every kind of credential header and one ordinary header.
async fn get_with_credentials(client: &HttpClient, url: &str) -> Result<block_core::http::Response, HttpError> {
    client
        .get(url)
        .bearer_auth(&token())
        .header("cookie", "session=abc123")
        .header("proxy-authorization", "Basic cHJveHk6cHc=")
        .sensitive_header("x-vendor-credential", &SecretString::from("vendor-secret"))
        .header("x-trace", "trace-1")
        .send()
        .await
}

fn credential_headers(request: &Received) -> Vec<&str> {
    ["authorization", "cookie", "proxy-authorization", "x-vendor-credential"]
        .into_iter()
        .filter(|name| request.header(name).is_some())
        .collect()
}

#[tokio::test]
async fn a_same_origin_hop_keeps_the_credentials() {
    let server = TestServer::start(|request, _| match request.path.as_str() {
        "/start" => Canned::redirect(302, "/final"),
        _ => Canned::ok("done"),
    })
    .await;
    let response = get_with_credentials(&client(), &server.url("/start")).await.unwrap();
    assert_eq!(response.text(), "done");
    assert_eq!(response.url().path(), "/final");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("authorization"), Some("Bearer tok-redirect-1234"));
    assert_eq!(
        credential_headers(&requests[1]),
        ["authorization", "cookie", "proxy-authorization", "x-vendor-credential"]
    );
}

#[tokio::test]
async fn a_cross_origin_hop_drops_every_credential_and_keeps_other_headers() {
    let other = TestServer::start(|_, _| Canned::ok("elsewhere")).await;
    let target = other.url("/landing");
    let origin = TestServer::start(move |_, _| Canned::redirect(307, &target)).await;

    let response = get_with_credentials(&client(), &origin.url("/start")).await.unwrap();
    assert_eq!(response.text(), "elsewhere");
    assert_eq!(credential_headers(&origin.requests()[0]).len(), 4, "the first hop carries them");
    let landed = &other.requests()[0];
    assert_eq!(credential_headers(landed), Vec::<&str>::new());
    assert_eq!(landed.header("x-trace"), Some("trace-1"));
}

#[tokio::test]
async fn credentials_do_not_come_back_when_a_chain_returns_to_the_first_origin() {
    let bounce_url = Arc::new(OnceLock::<String>::new());
    let origin = TestServer::start({
        let bounce_url = bounce_url.clone();
        move |request, _| match request.path.as_str() {
            "/start" => Canned::redirect(302, bounce_url.get().expect("set before the request")),
            _ => Canned::ok("back"),
        }
    })
    .await;
    let back = origin.url("/back");
    let bounce = TestServer::start(move |_, _| Canned::redirect(302, &back)).await;
    bounce_url.set(bounce.url("/bounce")).unwrap();

    let response = get_with_credentials(&client(), &origin.url("/start")).await.unwrap();
    assert_eq!(response.text(), "back");
    let requests = origin.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(credential_headers(&requests[1]), Vec::<&str>::new());
}

#[tokio::test]
async fn see_other_turns_a_post_into_a_bodiless_get() {
    let server = TestServer::start(|request, _| match request.path.as_str() {
        "/submit" => Canned::redirect(303, "/result"),
        _ => Canned::ok("result"),
    })
    .await;
    let response = client().post(server.url("/submit")).json(&serde_json::json!({"a": 1})).send().await.unwrap();
    assert_eq!(response.text(), "result");
    let requests = server.requests();
    assert_eq!((requests[0].method.as_str(), requests[0].body.as_slice()), ("POST", br#"{"a":1}"#.as_slice()));
    assert_eq!(requests[1].method, "GET");
    assert!(requests[1].body.is_empty());
    assert_eq!(requests[1].header("content-type"), None);
}

#[tokio::test]
async fn found_after_a_post_becomes_a_get_and_temporary_redirect_keeps_the_post() {
    let server = TestServer::start(|request, _| match request.path.as_str() {
        "/found" => Canned::redirect(302, "/next"),
        "/temporary" => Canned::redirect(307, "/next"),
        "/permanent" => Canned::redirect(308, "/next"),
        _ => Canned::ok("next"),
    })
    .await;
    let client = client();
    for path in ["/found", "/temporary", "/permanent"] {
        client.post(server.url(path)).body("payload").send().await.unwrap();
    }
    let hops: Vec<(String, Vec<u8>)> =
        server.requests().into_iter().filter(|r| r.path == "/next").map(|r| (r.method, r.body)).collect();
    assert_eq!(
        hops,
        [("GET".into(), vec![]), ("POST".into(), b"payload".to_vec()), ("POST".into(), b"payload".to_vec())]
    );
}

fn endless_chain(request: &Received, _: usize) -> Canned {
    let n: u32 = request.path.trim_start_matches("/hop/").parse().unwrap_or(0);
    Canned::redirect(302, &format!("/hop/{}", n + 1))
}

#[tokio::test]
async fn more_than_ten_redirects_fail() {
    let server = TestServer::start(endless_chain).await;
    let error = client().get(server.url("/hop/0")).send().await.unwrap_err();
    match &error {
        HttpError::TooManyRedirects { max, url } => {
            assert_eq!(*max, 10);
            assert!(url.as_str().ends_with("/hop/10"), "{url}");
        }
        other => panic!("expected TooManyRedirects, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 11, "the first request and ten hops");
}

#[tokio::test]
async fn ten_redirects_are_followed() {
    let server =
        TestServer::start(
            |request, _| {
                if request.path == "/hop/10" { Canned::ok("arrived") } else { endless_chain(request, 0) }
            },
        )
        .await;
    let response = client().get(server.url("/hop/0")).send().await.unwrap();
    assert_eq!(response.text(), "arrived");
}

#[tokio::test]
async fn the_redirect_limit_comes_from_the_policy() {
    let server = TestServer::start(endless_chain).await;
    let client = reqwest_client(local_policy().max_redirects(2), StaticResolver::new());
    let error = client.get(server.url("/hop/0")).send().await.unwrap_err();
    assert!(matches!(error, HttpError::TooManyRedirects { max: 2, .. }));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_redirect_without_location_is_returned_as_is() {
    let server = TestServer::start(|_, _| Canned::status(302)).await;
    let response = client().get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302);
}
