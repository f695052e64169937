//! `SendWebRequestBlock` against host names that resolve to private addresses: the
//! mock transport resolves them with a fixed table and applies the connect-time
//! guard as the real transport does. The refusal names the host only.

use std::net::IpAddr;
use std::sync::Arc;

use block_core::http::{Exchange, MockTransport, StaticResolver};
use block_core::{Executor, Registry, RunOptions, Value, json};

use super::SendWebRequestBlock;

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an IP address")
}

fn resolver() -> StaticResolver {
    StaticResolver::new()
        .host("public.example", [ip("93.184.216.34")])
        .host("internal.example", [ip("10.0.0.7")])
        .host("metadata.example", [ip("169.254.169.254")])
        .host("split.example", [ip("93.184.216.34"), ip("192.168.4.4")])
        .host("v6-inner.example", [ip("fd12:3456::1")])
        .host("mapped.example", [ip("::ffff:127.0.0.1")])
        .host("docs.example", [ip("2001:db8::80")])
}

/// Runs the block on `url` over `exchanges`, returning its outputs and the mock.
async fn fetch(url: &str, exchanges: Vec<Exchange>) -> (Value, Arc<MockTransport>) {
    let registry = Registry::builder().block::<SendWebRequestBlock>().build().expect("valid");
    let block = registry.by_name("SendWebRequestBlock").expect("registered");
    let mock = Arc::new(MockTransport::new(exchanges).with_resolver(Arc::new(resolver())));
    let input = json!({"url": url, "method": "GET"});
    let execution = Executor::new().with_transport(mock.clone()).execute(block, input, RunOptions::for_user("u")).await;
    let outputs = execution.expect("valid input").collect().await;
    (outputs.to_json(), mock)
}

#[tokio::test]
async fn names_resolving_to_private_addresses_are_refused_without_naming_the_address() {
    let hidden = ["10.0.0", "169.254", "192.168", "fd12", "127.0.0", "2001:db8", "private", "link-local", "loopback"];
    for host in
        ["internal.example", "metadata.example", "split.example", "v6-inner.example", "mapped.example", "docs.example"]
    {
        let (outputs, mock) = fetch(&format!("http://{host}/latest/"), vec![]).await;
        let error = outputs["error"][0].as_str().unwrap_or_else(|| panic!("{host}: no error in {outputs}"));
        assert_eq!(
            error,
            format!(
                "request to http://{host}/latest/ was blocked: `{host}` resolves to an address blocks may not reach; \
                 blocks may only reach public addresses (a provider can trust its own origin explicitly)"
            )
        );
        for leak in hidden {
            assert!(!error.contains(leak), "{host}: `{leak}` in {error}");
        }
        assert!(mock.requests().is_empty(), "{host}: a request was sent");
    }
}

#[tokio::test]
async fn a_redirect_to_a_name_resolving_privately_is_refused_and_not_followed() {
    let start = "http://public.example/go";
    let exchanges =
        vec![Exchange::get(start).respond(302).response_header("location", "http://internal.example/admin")];
    let (outputs, mock) = fetch(start, exchanges).await;
    assert_eq!(
        outputs["error"][0].as_str().unwrap_or_default().split(';').next(),
        Some(
            "request to http://internal.example/admin was blocked: `internal.example` resolves to an address blocks may not reach"
        )
    );
    assert_eq!(mock.requests().len(), 1, "only the first hop was sent");
}

#[tokio::test]
async fn a_name_resolving_to_public_addresses_is_fetched() {
    let url = "http://public.example/hello";
    let (outputs, _) = fetch(url, vec![Exchange::get(url).respond_body(200, "hi")]).await;
    assert_eq!(outputs, json!({"response": ["hi"], "status": [200], "headers": [{}]}));
}

#[test]
fn the_block_is_free_listed_under_output_and_keeps_the_reference_id() {
    let registry = Registry::builder().block::<SendWebRequestBlock>().build().expect("valid");
    let block = registry.by_name("SendWebRequestBlock").expect("registered");
    assert_eq!(block.id(), "6595ae1f-b924-42cb-9a41-551a0611c4b4");
    assert!(block.costs().is_empty());
    assert_eq!(block.price(&block_core::Usage::default()), 0);
    assert_eq!(block.info()["categories"][0]["category"], "OUTPUT");
    let pins: Vec<&String> = block.wire_output_schema()["properties"].as_object().expect("object").keys().collect();
    assert_eq!(pins, ["response", "client_error", "server_error", "status", "headers", "error"]);
    let input = block.wire_input_schema();
    assert_eq!(
        input["properties"]["method"]["enum"],
        json!(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    );
    assert_eq!(input["properties"]["method"]["default"], "POST");
    assert_eq!(input["properties"]["json_format"]["title"], "JSON format");
    assert_eq!(input["required"], json!(["url"]));
}
