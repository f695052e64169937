//! The cases of `SendWebRequestBlock`, run through the mock transport: requests
//! and answers of every shape, and hostile URLs the guard must refuse with the
//! right reason.

use std::collections::BTreeMap;

use block_core::http::Exchange;
use block_core::prelude::*;

use super::send_request::{HttpMethod, SendWebRequestBlock, SendWebRequestInput, SendWebRequestOutput};

type Case = TestCase<SendWebRequestBlock>;

fn input(method: HttpMethod, url: &str) -> SendWebRequestInput {
    SendWebRequestInput { url: url.into(), method, headers: BTreeMap::new(), json_format: true, body: None }
}

fn with_body(mut input: SendWebRequestInput, body: Value, json_format: bool) -> SendWebRequestInput {
    input.body = Some(body);
    input.json_format = json_format;
    input
}

fn headers(pairs: &[(&str, &str)]) -> SendWebRequestOutput {
    SendWebRequestOutput::Headers(pairs.iter().map(|&(name, value)| (name.to_owned(), value.to_owned())).collect())
}

/// Every case: requests and answers, then hostile URLs.
pub(super) fn send_web_request_cases() -> Vec<Case> {
    let mut cases = exchange_cases();
    cases.extend(hostile_url_cases());
    cases.extend(hostile_redirect_cases());
    cases
}

fn exchange_cases() -> Vec<Case> {
    let api = "https://api.example.com/v1/items";
    let mut headed = input(HttpMethod::Post, api);
    headed.headers.insert("X-Request-Id".into(), "r-1".into());
    let mut typed = with_body(input(HttpMethod::Put, api), json!({"a": 1}), true);
    typed.headers.insert("Content-Type".into(), "application/vnd.api+json".into());
    vec![
        Case::new("gets a JSON answer as JSON", input(HttpMethod::Get, api))
            .http(Exchange::get(api).respond_json(200, json!({"items": [1, 2]})))
            .outputs([
                SendWebRequestOutput::Response(json!({"items": [1, 2]})),
                SendWebRequestOutput::Status(200),
                headers(&[("content-type", "application/json")]),
            ]),
        Case::new("posts a JSON body with the caller's headers", with_body(headed, json!({"name": "Ada"}), true))
            .http(
                Exchange::post(api)
                    .header("x-request-id", "r-1")
                    .header("content-type", "application/json")
                    .json_body(json!({"name": "Ada"}))
                    .respond_body(201, "created")
                    .response_header("content-type", "text/plain")
                    .response_header("set-cookie", "a=1")
                    .response_header("set-cookie", "b=2"),
            )
            .outputs([
                SendWebRequestOutput::Response(json!("created")),
                SendWebRequestOutput::Status(201),
                headers(&[("content-type", "text/plain"), ("set-cookie", "a=1, b=2")]),
            ]),
        Case::new(
            "sends a JSON text body as the JSON it holds",
            with_body(input(HttpMethod::Post, api), json!("{\"a\": [1]}"), true),
        )
        .http(Exchange::post(api).header("content-type", "application/json").json_body(json!({"a": [1]})))
        .outputs([SendWebRequestOutput::Response(json!("")), SendWebRequestOutput::Status(200), headers(&[])]),
        Case::new(
            "sends a text body as it is without JSON format",
            with_body(input(HttpMethod::Post, api), json!("hello"), false),
        )
        .http(Exchange::post(api).header("content-type", "text/plain; charset=utf-8").body("hello"))
        .outputs([SendWebRequestOutput::Response(json!("")), SendWebRequestOutput::Status(200), headers(&[])]),
        Case::new(
            "sends an object as a form without JSON format",
            with_body(input(HttpMethod::Post, api), json!({"q": "a b", "n": 2}), false),
        )
        .http(Exchange::post(api).header("content-type", "application/x-www-form-urlencoded").body("q=a+b&n=2"))
        .outputs([SendWebRequestOutput::Response(json!("")), SendWebRequestOutput::Status(200), headers(&[])]),
        Case::new("keeps the caller's content type and reads any +json answer as JSON", typed)
            .http(
                Exchange::put(api)
                    .header("content-type", "application/vnd.api+json")
                    .json_body(json!({"a": 1}))
                    .respond_body(200, r#"{"ok": true}"#)
                    .response_header("content-type", "application/vnd.api+json; charset=utf-8"),
            )
            .outputs([
                SendWebRequestOutput::Response(json!({"ok": true})),
                SendWebRequestOutput::Status(200),
                headers(&[("content-type", "application/vnd.api+json; charset=utf-8")]),
            ]),
        Case::new("puts a 4xx answer on client_error", input(HttpMethod::Delete, api))
            .http(Exchange::delete(api).respond_json(404, json!({"message": "Not Found"})))
            .outputs([
                SendWebRequestOutput::ClientError(json!({"message": "Not Found"})),
                SendWebRequestOutput::Status(404),
                headers(&[("content-type", "application/json")]),
            ]),
        // A GET is idempotent, so the client would retry a 503; this block must not.
        Case::new("puts a 5xx answer on server_error at once, without retrying", input(HttpMethod::Get, api))
            .http(Exchange::get(api).respond_body(503, "down for maintenance"))
            .outputs([
                SendWebRequestOutput::ServerError(json!("down for maintenance")),
                SendWebRequestOutput::Status(503),
                headers(&[]),
            ]),
        Case::new("follows a redirect to another public address", input(HttpMethod::Get, "https://old.example.com/a"))
            .http(
                Exchange::get("https://old.example.com/a")
                    .respond(301)
                    .response_header("location", "https://new.example.com/b"),
            )
            .http(Exchange::get("https://new.example.com/b").respond_body(200, "moved here"))
            .outputs([
                SendWebRequestOutput::Response(json!("moved here")),
                SendWebRequestOutput::Status(200),
                headers(&[]),
            ]),
        Case::new("reads a JSON answer that is not JSON as text", input(HttpMethod::Get, api))
            .http(
                Exchange::get(api)
                    .respond_body(200, "<html>oops</html>")
                    .response_header("content-type", "application/json"),
            )
            .outputs([
                SendWebRequestOutput::Response(json!("<html>oops</html>")),
                SendWebRequestOutput::Status(200),
                headers(&[("content-type", "application/json")]),
            ]),
        Case::json("refuses a header name that is not valid", json!({"url": api, "headers": {"bad header": "x"}}))
            .error_containing("`bad header` is not a valid header name"),
        Case::json("refuses a URL that does not parse", json!({"url": "not a url", "method": "GET"}))
            .error_containing("`not a url` is not a usable URL"),
        Case::json("refuses a method it does not know", json!({"url": api, "method": "TRACE"}))
            .invalid_input(["/method"]),
    ]
}

/// URLs that point at this machine or a private network, however they are
/// spelled, and what the refusal must say. A refusal names the address and range
/// the caller wrote; the URL in it is the parsed one.
const HOSTILE_URLS: &[(&str, &str)] = &[
    (
        "http://169.254.169.254/latest/meta-data/",
        "169.254.169.254 is in the blocked range 169.254.0.0/16 (link-local, cloud metadata)",
    ),
    ("http://127.0.0.1:8080/admin", "127.0.0.1 is in the blocked range 127.0.0.0/8 (loopback)"),
    ("http://10.0.0.1/", "10.0.0.1 is in the blocked range 10.0.0.0/8 (private)"),
    ("http://172.16.5.4/", "172.16.5.4 is in the blocked range 172.16.0.0/12 (private)"),
    ("http://192.168.1.1/router", "192.168.1.1 is in the blocked range 192.168.0.0/16 (private)"),
    ("http://100.64.0.1/", "100.64.0.1 is in the blocked range 100.64.0.0/10 (carrier-grade NAT)"),
    ("http://0.0.0.0:8000/", "0.0.0.0 is in the blocked range 0.0.0.0/8 (this network)"),
    ("http://224.0.0.1/", "224.0.0.1 is in the blocked range 224.0.0.0/4 (multicast)"),
    ("http://255.255.255.255/", "255.255.255.255 is in the blocked range 240.0.0.0/4 (reserved, broadcast)"),
    // Decimal, hexadecimal, octal and short spellings of loopback.
    ("http://2130706433/", "request to http://127.0.0.1/ was blocked: 127.0.0.1 is in the blocked range 127.0.0.0/8"),
    ("http://0x7f.1/", "request to http://127.0.0.1/ was blocked: 127.0.0.1 is in the blocked range 127.0.0.0/8"),
    ("http://017700000001/", "request to http://127.0.0.1/ was blocked: 127.0.0.1 is in the blocked range 127.0.0.0/8"),
    ("http://0177.0.0.1/", "request to http://127.0.0.1/ was blocked: 127.0.0.1 is in the blocked range 127.0.0.0/8"),
    ("http://127.1/", "request to http://127.0.0.1/ was blocked: 127.0.0.1 is in the blocked range 127.0.0.0/8"),
    ("http://example.com@127.0.0.1/", "127.0.0.1 is in the blocked range 127.0.0.0/8 (loopback)"),
    // IPv6 forms.
    ("http://[::1]:8080/", "::1 is in the blocked range ::1 (loopback)"),
    ("http://[::ffff:169.254.169.254]/", "is in the blocked range 169.254.0.0/16 (link-local, cloud metadata)"),
    ("http://[::ffff:7f00:1]/", "is in the blocked range 127.0.0.0/8 (loopback)"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is in the blocked range fc00::/7 (unique local)"),
    ("http://[fe80::1]/", "fe80::1 is in the blocked range fe80::/10 (link-local)"),
    ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1 is in the blocked range 10.0.0.0/8 (private)"),
    ("http://[2002:c0a8:101::1]/", "2002:c0a8:101::1 is in the blocked range 192.168.0.0/16 (private)"),
    // Special-purpose ranges that are not globally reachable.
    ("http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", "is in the blocked range 2001::/32 (Teredo)"),
    ("http://[2001:db8::1]/", "2001:db8::1 is in the blocked range 2001:db8::/32 (documentation)"),
    ("http://[fec0::1]/", "fec0::1 is in the blocked range fec0::/10 (site-local, deprecated)"),
    ("http://[100::1]/", "100::1 is in the blocked range 100::/64 (discard-only)"),
    ("http://192.0.2.10/", "192.0.2.10 is in the blocked range 192.0.2.0/24 (documentation)"),
    ("http://198.51.100.10/", "198.51.100.10 is in the blocked range 198.51.100.0/24 (documentation)"),
    ("http://203.0.113.10/", "203.0.113.10 is in the blocked range 203.0.113.0/24 (documentation)"),
    ("http://192.88.99.1/", "192.88.99.1 is in the blocked range 192.88.99.0/24 (deprecated 6to4 relay anycast)"),
    // Names of this machine, and other schemes.
    ("http://localhost:3000/", "`localhost` names this machine, which blocks may not reach"),
    ("http://api.localhost./", "`api.localhost.` names this machine, which blocks may not reach"),
    ("file:///etc/passwd", "only http and https URLs may be fetched, not `file:` URLs"),
    ("gopher://example.com:70/", "only http and https URLs may be fetched, not `gopher:` URLs"),
];

fn hostile_url_cases() -> Vec<Case> {
    HOSTILE_URLS
        .iter()
        .map(|&(url, refusal)| {
            Case::new(format!("refuses {url}"), input(HttpMethod::Get, url)).error_containing(refusal)
        })
        .collect()
}

/// Redirects from a public address into a private one: the hop is refused, and
/// nothing is sent to it (the mock would fail the case on an unmocked request).
fn hostile_redirect_cases() -> Vec<Case> {
    let hops = [
        (302, "http://169.254.169.254/latest/", "169.254.169.254 is in the blocked range 169.254.0.0/16"),
        (301, "http://10.0.0.1/internal", "10.0.0.1 is in the blocked range 10.0.0.0/8 (private)"),
        (307, "http://localhost:9000/", "`localhost` names this machine"),
        (308, "http://[::1]/", "::1 is in the blocked range ::1 (loopback)"),
        (303, "file:///etc/shadow", "only http and https URLs may be fetched"),
    ];
    hops.into_iter()
        .map(|(status, target, refusal)| {
            let start = "https://public.example.com/go";
            Case::new(format!("refuses a {status} redirect to {target}"), input(HttpMethod::Get, start))
                .http(Exchange::get(start).respond(status).response_header("location", target))
                .error_containing(format!("request to {target} was blocked: {refusal}"))
        })
        .collect()
}
