//! The SSRF guard: hostile URLs are refused before anything is sent, resolved
//! addresses are checked at connect time, redirects are re-checked, and trusted
//! origins and public addresses get through.

use crate::http_support;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use block_core::BoxFuture;
use block_core::http::{
    BlockReason, Exchange, HttpClient, HttpError, HttpPolicy, MockTransport, Resolver, StaticResolver,
};
use http_support::{Canned, TestServer, local_policy, reqwest_client};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A mock that would answer anything, so only the guard can make a request fail.
fn permissive_mock() -> Arc<MockTransport> {
    Arc::new(MockTransport::new(
        ["http", "https"].map(|scheme| Exchange::get(&format!("{scheme}://any.test/")).any_query().repeatable()),
    ))
}

async fn refusal(client: &HttpClient, url: &str) -> BlockReason {
    match client.get(url).send().await {
        Err(HttpError::Blocked { reason, .. }) => reason,
        other => panic!("{url} was not blocked: {other:?}"),
    }
}

const HOSTILE_URLS: &[&str] = &[
    // Every blocked IPv4 range.
    "http://0.0.0.0/",
    "http://0.1.2.3/",
    "http://10.0.0.1/",
    "http://10.255.255.255/",
    "http://100.64.0.1/",
    "http://100.127.255.254/",
    "http://127.0.0.1/",
    "http://127.255.0.1:8080/admin",
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.0.0.170/",
    "http://192.168.1.1/",
    "http://198.18.0.1/",
    "http://198.19.255.255/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    // Unusual spellings of loopback, normalised by WHATWG parsing.
    "http://2130706433/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://0/",
    "http://127.0.0.1./",
    "https://0177.0.0.1:443/",
    // IPv6: loopback, unspecified, unique local, link-local, multicast.
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]:8080/",
    "http://[::]/",
    "http://[fc00::1]/",
    "http://[fd12:3456:789a::1]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    // IPv6 spellings of private IPv4 addresses.
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[0:0:0:0:0:ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[::ffff:0:192.168.0.1]/",
    "http://[64:ff9b::10.0.0.1]/",
    "http://[2002:a9fe:a9fe::]/",
    // Special-purpose ranges that are not globally reachable, and IPv6 outside 2000::/3.
    "http://192.0.2.1/",
    "http://192.88.99.1/",
    "http://198.51.100.7/",
    "http://203.0.113.255/",
    "http://[2001::1]/",
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/",
    "http://[2001:2::1]/",
    "http://[2001:db8::1]/",
    "http://[3fff::1]/",
    "http://[fec0::1]/",
    "http://[100::1]/",
    "http://[5f00::1]/",
    "http://[64:ff9b:1::a00:1]/",
    "http://[4000::1]/",
    // Names of this machine, with trailing dots, ports, cases and IDNA look-alikes.
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:8080/",
    "http://api.localhost/",
    "http://a.b.localhost../",
    "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    // User info tricks: the host is what follows the last `@`.
    "http://example.com@127.0.0.1/",
    "http://user:pass@10.0.0.1/",
    "http://example.com:80@169.254.169.254/",
    // Other schemes.
    "file:///etc/passwd",
    "ftp://example.com/",
    "gopher://example.com:70/",
    "ws://example.com/",
    "data:text/plain,hello",
];

#[tokio::test]
async fn refuses_every_hostile_url_before_sending_anything() {
    let mock = permissive_mock();
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    for url in HOSTILE_URLS {
        refusal(&client, url).await;
    }
    assert!(mock.requests().is_empty(), "a hostile request reached the transport: {:?}", mock.requests());
}

#[tokio::test]
async fn names_the_blocked_range_or_the_rule_in_the_refusal() {
    let client = HttpClient::new(HttpPolicy::default(), permissive_mock());
    let metadata = refusal(&client, "http://169.254.169.254/").await;
    assert_eq!(
        metadata,
        BlockReason::Address { address: ip("169.254.169.254"), range: "169.254.0.0/16 (link-local, cloud metadata)" }
    );
    assert!(matches!(
        refusal(&client, "http://0x7f.1/").await,
        BlockReason::Address { range: "127.0.0.0/8 (loopback)", .. }
    ));
    assert!(matches!(refusal(&client, "http://localhost./").await, BlockReason::LocalName(_)));
    assert_eq!(refusal(&client, "file:///etc/passwd").await, BlockReason::Scheme("file".into()));
    let error = client.get("http://[::ffff:10.1.2.3]/x").send().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "request to http://[::ffff:a01:203]/x was blocked: ::ffff:10.1.2.3 is in the blocked range 10.0.0.0/8 \
         (private); blocks may only reach public addresses (a provider can trust its own origin explicitly)"
    );
}

fn test_resolver() -> StaticResolver {
    StaticResolver::new()
        .host("public.test", [ip("93.184.216.34")])
        .host("api.example.com", [ip("93.184.216.34")])
        .host("internal.test", [ip("10.0.0.5")])
        .host("metadata.test", [ip("169.254.169.254")])
        .host("mixed.test", [ip("93.184.216.34"), ip("192.168.0.10")])
        .host("mapped.test", [ip("::ffff:127.0.0.1")])
        .host("v6.test", [ip("2606:2800:220:1:248:1893:25c8:1946"), ip("fd00::1")])
        .host("doc.test", [ip("2001:db8::8")])
}

#[tokio::test]
async fn refuses_names_that_resolve_to_any_blocked_address() {
    let mock = Arc::new(
        MockTransport::new([Exchange::get("http://public.test/").any_query().repeatable()])
            .with_resolver(Arc::new(test_resolver())),
    );
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    for host in ["internal.test", "metadata.test", "mixed.test", "mapped.test", "v6.test", "MIXED.test.", "doc.test"] {
        let reason = refusal(&client, &format!("http://{host}/")).await;
        assert!(matches!(reason, BlockReason::BlockedName { .. }), "{host}: {reason:?}");
    }
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn a_refused_name_is_not_told_which_address_or_range_it_resolved_to() {
    let mock = Arc::new(MockTransport::new([]).with_resolver(Arc::new(test_resolver())));
    let client = HttpClient::new(HttpPolicy::default(), mock);
    let error = client.get("http://metadata.test/latest/meta-data/").send().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "request to http://metadata.test/latest/meta-data/ was blocked: `metadata.test` resolves to an address \
         blocks may not reach; blocks may only reach public addresses (a provider can trust its own origin explicitly)"
    );
    for host in ["internal.test", "metadata.test", "mixed.test", "mapped.test", "v6.test"] {
        let error = client.get(format!("http://{host}/")).send().await.unwrap_err();
        let texts = [error.to_string(), format!("{error:?}")];
        for leak in
            ["10.0.0", "169.254", "192.168", "127.0.0", "fd00", "/8", "/16", "/7", "private", "loopback", "link-local"]
        {
            assert!(texts.iter().all(|text| !text.contains(leak)), "{host}: `{leak}` in {texts:?}");
        }
    }
}

#[tokio::test]
async fn an_ip_address_the_caller_wrote_is_named_with_its_range() {
    let client = HttpClient::new(HttpPolicy::default(), permissive_mock());
    for (url, address, range) in [
        ("http://192.0.2.10/", "192.0.2.10", "192.0.2.0/24 (documentation)"),
        ("http://[2001::1]/", "2001::1", "2001::/32 (Teredo)"),
        ("http://[fec0::1]/", "fec0::1", "fec0::/10 (site-local, deprecated)"),
        ("http://[100::1]/", "100::1", "100::/64 (discard-only)"),
    ] {
        assert_eq!(refusal(&client, url).await, BlockReason::Address { address: ip(address), range }, "{url}");
    }
}

#[tokio::test]
async fn admits_a_name_that_resolves_only_to_public_addresses() {
    let mock = Arc::new(
        MockTransport::new([Exchange::get("http://public.test/ok").respond_body(200, "fine")])
            .with_resolver(Arc::new(test_resolver())),
    );
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    let response = client.get("http://public.test/ok").send().await.unwrap();
    assert_eq!(response.text(), "fine");
}

#[tokio::test]
async fn the_real_transport_checks_resolved_addresses_at_connect_time() {
    // The resolver refuses before any connection is attempted: nothing touches the network.
    let client = reqwest_client(HttpPolicy::default(), test_resolver());
    for host in ["internal.test", "mixed.test", "metadata.test", "v6.test"] {
        let reason = refusal(&client, &format!("http://{host}:9/")).await;
        assert_eq!(reason, BlockReason::BlockedName { host: host.to_owned() });
    }
}

#[tokio::test]
async fn the_real_transport_connects_to_the_checked_address_and_keeps_the_name() {
    let server = TestServer::start(|_, _| Canned::ok("pinned")).await;
    let resolver = StaticResolver::new().host("service.test", [ip("127.0.0.1")]);
    let client = reqwest_client(local_policy(), resolver);
    let response = client.get(format!("http://service.test:{}/hello", server.port())).send().await.unwrap();
    assert_eq!(response.text(), "pinned");
    let host = server.requests()[0].header("host").map(str::to_owned);
    assert_eq!(host, Some(format!("service.test:{}", server.port())));
}

/// Answers loopback first and a private address afterwards, like a rebinding attack.
struct RebindingResolver {
    calls: AtomicUsize,
}

impl Resolver for RebindingResolver {
    fn resolve<'a>(&'a self, _host: &'a str) -> BoxFuture<'a, std::io::Result<Vec<IpAddr>>> {
        let answer = if self.calls.fetch_add(1, Ordering::SeqCst) == 0 { ip("127.0.0.1") } else { ip("10.0.0.1") };
        Box::pin(std::future::ready(Ok(vec![answer])))
    }
}

#[tokio::test]
async fn a_rebinding_dns_answer_is_checked_on_the_next_connection() {
    let server = TestServer::start(|_, _| Canned::ok("first")).await;
    let resolver = Arc::new(RebindingResolver { calls: AtomicUsize::new(0) });
    let transport = block_core::http::ReqwestTransport::builder().resolver(resolver.clone()).build().unwrap();
    let client = HttpClient::new(local_policy(), Arc::new(transport));
    let url = format!("http://rebind.test:{}/", server.port());
    assert_eq!(client.get(&url).send().await.unwrap().text(), "first");
    let second = client.get(&url).send().await.unwrap_err();
    assert!(matches!(second, HttpError::Blocked { reason: BlockReason::BlockedName { .. }, .. }), "{second:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_from_an_allowed_origin_to_a_private_address_is_refused() {
    let mock = Arc::new(
        MockTransport::new([
            Exchange::get("https://api.example.com/a")
                .respond(302)
                .response_header("location", "http://169.254.169.254/"),
            Exchange::get("https://api.example.com/b")
                .respond(307)
                .response_header("location", "http://internal.test/"),
            Exchange::get("https://api.example.com/c").respond(301).response_header("location", "file:///etc/passwd"),
        ])
        .with_resolver(Arc::new(test_resolver())),
    );
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    for (path, blocked) in
        [("a", "http://169.254.169.254/"), ("b", "http://internal.test/"), ("c", "file:///etc/passwd")]
    {
        match client.get(format!("https://api.example.com/{path}")).send().await {
            Err(HttpError::Blocked { url, .. }) => assert_eq!(url.as_str(), blocked),
            other => panic!("redirect to {blocked} was followed: {other:?}"),
        }
    }
    assert_eq!(mock.requests().len(), 3, "only the three first hops were sent");
}

#[tokio::test]
async fn a_redirect_from_a_local_server_to_a_private_address_is_refused() {
    let server = TestServer::start(|_, _| Canned::redirect(302, "http://10.0.0.1/steal")).await;
    let client = reqwest_client(local_policy(), StaticResolver::new());
    let error = client.get(server.url("/start")).send().await.unwrap_err();
    assert!(matches!(&error, HttpError::Blocked { url, .. } if url.as_str() == "http://10.0.0.1/steal"), "{error:?}");
}

#[tokio::test]
async fn trusted_origins_skip_the_check_and_nothing_else_does() {
    let mock = Arc::new(
        MockTransport::new([
            Exchange::get("http://10.0.0.5:11434/api/tags").respond_body(200, "models"),
            Exchange::get("http://internal.test/ok").respond_body(200, "internal"),
            Exchange::get("http://10.0.0.5:11434/away").respond(302).response_header("location", "http://10.0.0.6/"),
        ])
        .with_resolver(Arc::new(test_resolver())),
    );
    let policy = HttpPolicy::default().with_trusted_origins(["http://10.0.0.5:11434", "http://internal.test"]).unwrap();
    let client = HttpClient::new(policy, mock.clone());
    assert_eq!(client.get("http://10.0.0.5:11434/api/tags").send().await.unwrap().text(), "models");
    assert_eq!(client.get("http://internal.test/ok").send().await.unwrap().text(), "internal");
    // Same host, other port or scheme: another origin, so checked.
    refusal(&client, "http://10.0.0.5:11435/api/tags").await;
    refusal(&client, "https://10.0.0.5:11434/api/tags").await;
    // Leaving a trusted origin re-checks the hop.
    refusal(&client, "http://10.0.0.5:11434/away").await;
}

#[test]
fn trusted_origins_must_be_bare_origins() {
    for bad in ["http://h.test/path", "ftp://h.test", "not a url", "http://u:p@h.test", "http://h.test/?q=1"] {
        assert!(HttpPolicy::default().trusted_origin(bad).is_err(), "{bad} was accepted");
    }
    assert!(HttpPolicy::default().trusted_origin("https://api.example.com/").is_ok());
}

#[tokio::test]
async fn the_loopback_escape_admits_loopback_and_nothing_else_private() {
    let mock = permissive_mock();
    let client = HttpClient::new(HttpPolicy::default().danger_allow_loopback_for_tests(), mock.clone());
    for url in
        ["http://10.0.0.1/", "http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/", "http://192.168.0.1/"]
    {
        refusal(&client, url).await;
    }
    let loopback = client.get("http://127.0.0.1/").send().await.unwrap_err();
    assert!(matches!(loopback, HttpError::Unmatched { .. }), "loopback should reach the transport: {loopback:?}");
}

#[tokio::test]
async fn international_names_are_sent_idna_encoded() {
    let mock =
        Arc::new(MockTransport::new([Exchange::get("https://xn--bcher-kva.example/").respond_body(200, "books")]));
    let client = HttpClient::new(HttpPolicy::default(), mock.clone());
    let response = client.get("https://BÜCHER.example/").send().await.unwrap();
    assert_eq!(response.text(), "books");
    assert_eq!(mock.requests()[0].url.host_str(), Some("xn--bcher-kva.example"));
}
