//! The client every API test sends its requests through: each answer is kept
//! for the test's own checks, and checked first against the served OpenAPI
//! document (see [`super::contract`]) and for its request id.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::OnceCell;

use super::contract::{Contract, Observed};

/// The header every answer carries (echoed when the request sent one).
pub const REQUEST_ID: &str = "x-request-id";

/// The served document, fetched before the first request to a server.
pub type SharedContract = Arc<OnceCell<Contract>>;

/// A plain HTTP client that never follows redirects (a redirect is an answer to
/// check, not a step to take).
pub fn http_client() -> reqwest::Client {
    http_builder().build().expect("the client builds")
}

fn http_builder() -> reqwest::ClientBuilder {
    // Plain HTTP only; the TLS provider is never used but must exist to build a client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none())
}

/// Requests with (or without) an API key or an OAuth access token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
    contract: SharedContract,
}

/// A finished response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts the status and, for errors, the one error shape: the reference's
    /// `detail` beside the structured `error`.
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status, status, "status; body: {}", self.text);
        if status >= 400 {
            let body = self.json();
            let error = &body["error"];
            assert!(error["code"].is_string() && error["message"].is_string(), "error shape: {}", self.text);
            assert!(error.get("details").is_some(), "error shape has details: {}", self.text);
            assert_eq!(body["detail"], error["message"], "`detail` says what `error.message` says: {}", self.text);
        }
        self
    }

    /// The error code of the one error shape (empty for any other body).
    pub fn code(&self) -> String {
        let body: Value = serde_json::from_str(&self.text).unwrap_or_default();
        body["error"]["code"].as_str().unwrap_or_default().to_owned()
    }

    /// A query parameter of the redirect this answer is.
    pub fn redirect_param(&self, name: &str) -> Option<String> {
        let location = self.header("location").unwrap_or_else(|| panic!("no redirect: {} {}", self.status, self.text));
        let url = url::Url::parse(location).expect("an absolute redirect");
        url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
    }
}

impl Client {
    /// A client of the server at `base`, checking answers against its document.
    pub fn new(base: &str, key: Option<String>, contract: SharedContract) -> Client {
        Client { http: http_client(), base: base.to_owned(), key, contract }
    }

    pub fn with_key(&self, key: Option<&str>) -> Client {
        Client { key: key.map(str::to_owned), ..self.clone() }
    }

    /// The same client, connecting from `address` (any of 127.0.0.0/8 reaches
    /// the server), so the server sees another caller.
    pub fn connecting_from(&self, address: std::net::IpAddr) -> Client {
        let http = http_builder().local_address(address).build().expect("the client builds");
        Client { http, ..self.clone() }
    }

    /// The served document, fetched once per server.
    pub async fn contract(&self) -> &Contract {
        self.contract
            .get_or_init(|| async {
                let url = format!("{}{}", self.base, block_server::api::openapi::OPENAPI_PATH);
                let response = self.http.get(url).send().await.expect("the document is served");
                let text = response.text().await.expect("the document is read");
                let document: Value = serde_json::from_str(&text).expect("the document is JSON");
                Contract::new(document).unwrap_or_else(|error| panic!("{error}"))
            })
            .await
    }

    /// Sends a JSON body (or none).
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> Answer {
        match body {
            Some(body) => self.send_raw(method, path, Some("application/json"), body.to_string(), headers).await,
            None => self.send_raw(method, path, None, String::new(), headers).await,
        }
    }

    /// Sends `body` as it is, with `content_type` when given (an empty body is
    /// no body).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<String>,
        headers: &[(&str, &str)],
    ) -> Answer {
        // The document is fetched before the first request, while the server
        // surely listens (a test may stop it before the answer comes).
        let contract = self.contract().await;
        let verb = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.request(verb, format!("{}{path}", self.base));
        match &self.key {
            // OAuth access tokens go where a third-party application sends them.
            Some(token) if token.starts_with(block_server::domain::secrets::ACCESS_TOKEN_PREFIX) => {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            Some(key) => request = request.header("x-api-key", key),
            None => {}
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let body = body.into();
        if !body.is_empty() {
            request = request.body(body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("the body is read");
        let answer = Answer { status, headers, text };
        check(contract, method, path, &answer);
        answer
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send("DELETE", path, None, &[]).await
    }

    /// Posts a form (`application/x-www-form-urlencoded`), as OAuth clients do.
    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
        self.send_raw("POST", path, Some("application/x-www-form-urlencoded"), body, headers).await
    }
}

/// The checks every answer passes before the test sees it: a request id, and
/// the served document's contract.
fn check(contract: &Contract, method: &str, path: &str, answer: &Answer) {
    let id = answer.header(REQUEST_ID).unwrap_or_else(|| panic!("{method} {path}: no {REQUEST_ID} header"));
    assert!(!id.is_empty(), "{method} {path}: an empty {REQUEST_ID}");
    let names: Vec<String> = answer.headers.keys().map(|name| name.as_str().to_owned()).collect();
    let observed = Observed {
        method,
        path,
        status: answer.status,
        content_type: answer.header("content-type"),
        headers: &names,
        body: &answer.text,
    };
    if let Err(mismatch) = contract.check(&observed) {
        panic!("{method} {path}: {mismatch}");
    }
}

/// The pairs of a header map, as [`Client::send_raw`] takes them (values that
/// are not text left out).
pub fn header_pairs(headers: &http::HeaderMap) -> Vec<(&str, &str)> {
    headers.iter().filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))).collect()
}

/// `(event, data)` pairs of a Server-Sent Events body.
pub fn sse_events(text: &str) -> Vec<(String, Value)> {
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|block| !block.trim().is_empty()) {
        if block.lines().all(|line| line.starts_with(':')) {
            continue;
        }
        let mut name = String::from("message");
        let mut data = String::new();
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            }
        }
        events.push((name, serde_json::from_str(&data).unwrap_or(Value::String(data))));
    }
    events
}
