//! What a client knowing only the server's URL does: a 401 from `/mcp` points to
//! the protected-resource metadata (RFC 9728), that to the authorization server
//! (RFC 8414), where the client registers itself (RFC 7591), signs the user in
//! with PKCE and gets a token bound to the MCP endpoint (RFC 8707), which `/mcp`
//! takes and no other resource does.

use std::time::Duration;

use block_server::domain::secrets::s256;
use block_server::services::accounts;
use serde_json::{Value, json};

use crate::support::TestServer;

const VERIFIER: &str = "an-mcp-client-verifier-long-enough-for-rfc-7636-0123456789";

fn http() -> reqwest::Client {
    // Plain HTTP only; the TLS provider is never used but must exist to build a client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().expect("a client")
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

fn post_form(http: &reqwest::Client, url: &str, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    http.post(url).header("content-type", "application/x-www-form-urlencoded").body(form(pairs))
}

fn quoted(header: &str, name: &str) -> Option<String> {
    let start = header.find(&format!("{name}=\""))? + name.len() + 2;
    Some(header[start..].split('"').next()?.to_owned())
}

#[tokio::test]
async fn a_client_knowing_only_the_url_registers_signs_in_and_calls_a_tool() {
    let server = TestServer::start("discovery").await;
    let http = http();
    // 1. /mcp without credentials: 401 naming the resource metadata.
    let refused = http.post(server.mcp_url()).json(&json!({})).send().await.expect("an answer");
    assert_eq!(refused.status(), 401);
    let challenge = refused.headers()["www-authenticate"].to_str().expect("text").to_owned();
    let metadata_url = quoted(&challenge, "resource_metadata").expect("resource_metadata in the challenge");
    assert_eq!(metadata_url, format!("{}/.well-known/oauth-protected-resource/mcp", server.url));
    // 2. The resource's metadata names the authorization server.
    let resource: Value = http.get(&metadata_url).send().await.expect("an answer").json().await.expect("JSON");
    assert_eq!(resource["resource"], server.mcp_url());
    let issuer = resource["authorization_servers"][0].as_str().expect("an authorization server").to_owned();
    let root: Value = http
        .get(format!("{}/.well-known/oauth-protected-resource", server.url))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(root, resource, "the bare well-known path serves the same document");
    // 3. The authorization server's metadata has a registration endpoint.
    let metadata: Value = http
        .get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let register = metadata["registration_endpoint"].as_str().expect("a registration endpoint").to_owned();
    assert_eq!(metadata["code_challenge_methods_supported"], json!(["S256"]));
    // 4. Register a public client.
    let redirect = "http://127.0.0.1:33418/callback";
    let registered = http
        .post(&register)
        .json(&json!({"client_name": "Desk <assistant>", "redirect_uris": [redirect],
            "token_endpoint_auth_method": "client_secret_post", "grant_types": ["authorization_code", "refresh_token"]}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(registered.status(), 201);
    let registered: Value = registered.json().await.expect("JSON");
    assert_eq!(registered["token_endpoint_auth_method"], "none", "only public clients are registered");
    assert!(registered.get("client_secret").is_none());
    let client_id = registered["client_id"].as_str().expect("a client id").to_owned();
    // 5. The user signs in (a one-time link) and consents.
    let link = accounts::create_login_link(
        server.state.storage().as_ref(),
        &server.user_id,
        &server.url,
        Duration::from_secs(600),
    )
    .await
    .expect("a link");
    let signed_in = http.get(&link).send().await.expect("an answer");
    let cookie =
        signed_in.headers()["set-cookie"].to_str().expect("text").split(';').next().expect("a cookie").to_owned();
    let challenge = s256(VERIFIER);
    let authorize = [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", redirect),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("state", "s1"),
        ("resource", &server.mcp_url()),
    ];
    let endpoint = metadata["authorization_endpoint"].as_str().expect("an endpoint");
    let page =
        http.get(format!("{endpoint}?{}", form(&authorize))).header("cookie", &cookie).send().await.expect("an answer");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("HTML");
    assert!(page.contains("Desk &lt;assistant&gt;"), "the consent page names the client, escaped");
    assert!(page.contains(&format!("<code>{}</code> only", server.mcp_url())), "and where its tokens work");
    let csrf = quoted(&page, "name=\"csrf\" value").or_else(|| {
        let start = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        Some(page[start..].split('"').next()?.to_owned())
    });
    let csrf = csrf.expect("the form's csrf value");
    let mut consent: Vec<(&str, &str)> = authorize.to_vec();
    consent.extend([("csrf", csrf.as_str()), ("decision", "allow"), ("scope", "EXECUTE_BLOCK")]);
    let decided = post_form(&http, &format!("{issuer}/oauth/authorize"), &consent)
        .header("cookie", &cookie)
        .send()
        .await
        .expect("an answer");
    assert_eq!(decided.status(), 302);
    let location = url::Url::parse(decided.headers()["location"].to_str().expect("text")).expect("a URL");
    let code =
        location.query_pairs().find(|(name, _)| name == "code").map(|(_, value)| value.into_owned()).expect("a code");
    // 6. The code for a token, bound to the MCP endpoint.
    let token_endpoint = metadata["token_endpoint"].as_str().expect("an endpoint").to_owned();
    let exchange = |resource: String, code: String| {
        let http = http.clone();
        let (token_endpoint, client_id) = (token_endpoint.clone(), client_id.clone());
        async move {
            post_form(
                &http,
                &token_endpoint,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", redirect),
                    ("code_verifier", VERIFIER),
                    ("client_id", client_id.as_str()),
                    ("resource", resource.as_str()),
                ],
            )
            .send()
            .await
            .expect("an answer")
        }
    };
    let issued = exchange(server.mcp_url(), code).await;
    assert_eq!(issued.status(), 200);
    let issued: Value = issued.json().await.expect("JSON");
    assert_eq!(issued["scope"], "EXECUTE_BLOCK");
    let token = issued["access_token"].as_str().expect("an access token").to_owned();
    // 7. The token works at /mcp, with the tools its scope allows.
    let connected = server.connect_bearer(&token).await;
    let tools = connected.client.list_all_tools().await.expect("the tools");
    assert!(tools.iter().any(|tool| tool.name == "greet"));
    let result = connected
        .client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("greet")
                .with_arguments(json!({"name": "Ada"}).as_object().cloned().expect("an object")),
        )
        .await
        .expect("a result");
    assert_eq!(
        result.structured_content,
        Some(json!({"greeting": ["Hello, Ada!", "Hi, Ada!"], "greeting_count": [2]}))
    );
    // ... and nowhere else.
    let api =
        http.get(format!("{}/external-api/v1/blocks", server.url)).bearer_auth(&token).send().await.expect("an answer");
    assert_eq!(api.status(), 401, "a token for /mcp is not one for the API");
    // 8. A refresh keeps the binding; asking for another resource is refused.
    let refresh = issued["refresh_token"].as_str().expect("a refresh token");
    let refreshed = post_form(
        &http,
        &token_endpoint,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", &client_id)],
    )
    .send()
    .await
    .expect("an answer");
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.expect("JSON");
    let again = server.connect_bearer(refreshed["access_token"].as_str().expect("a token")).await;
    assert!(!again.client.list_all_tools().await.expect("the tools").is_empty(), "still bound to /mcp");
    let refresh = refreshed["refresh_token"].as_str().expect("a refresh token");
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", &client_id),
        ("resource", &server.url),
    ];
    let other = post_form(&http, &token_endpoint, &refresh_form).send().await.expect("an answer");
    assert_eq!(other.status(), 400);
    assert_eq!(other.json::<Value>().await.expect("JSON")["error"], "invalid_target");
    server.stop().await;
}

#[tokio::test]
async fn mcp_takes_only_tokens_bound_to_it() {
    let server = TestServer::start("audience").await;
    let http = http();
    for (resource, why) in [(Some(server.url.clone()), "bound to the API"), (None, "bound to nothing")] {
        let token = server.bearer_for(resource.as_deref()).await;
        let answer = http.post(server.mcp_url()).bearer_auth(&token).json(&json!({})).send().await.expect("an answer");
        assert_eq!(answer.status(), 401, "{why}");
        let challenge = answer.headers()["www-authenticate"].to_str().expect("text").to_owned();
        assert!(
            challenge.contains("error=\"invalid_token\"") && challenge.contains("resource_metadata="),
            "{challenge}"
        );
        let message =
            answer.json::<Value>().await.expect("JSON")["error"]["message"].as_str().expect("text").to_owned();
        assert!(message.contains(&format!("resource={}", server.mcp_url())), "{message}");
    }
    let unbound = server.bearer_for(None).await;
    let api = http
        .get(format!("{}/external-api/v1/blocks", server.url))
        .bearer_auth(&unbound)
        .send()
        .await
        .expect("an answer");
    assert_eq!(api.status(), 200, "tokens bound to nothing still work on the API");
    let bound = server.bearer_for(Some(&server.mcp_url())).await;
    let connected = server.connect_bearer(&bound).await;
    assert!(!connected.client.list_all_tools().await.expect("the tools").is_empty());
    let garbage = http
        .post(server.mcp_url())
        .header("authorization", "Basic abc")
        .json(&json!({}))
        .send()
        .await
        .expect("an answer");
    assert_eq!(garbage.status(), 401);
    server.stop().await;
}

#[tokio::test]
async fn registration_checks_redirect_uris_and_is_rate_limited() {
    let server = TestServer::start("registration").await;
    let http = http();
    let register = format!("{}/oauth/register", server.url);
    for (body, error, says) in [
        (json!({"redirect_uris": ["http://evil.example/cb"]}), "invalid_redirect_uri", "loopback"),
        (json!({"redirect_uris": ["javascript:alert(1)"]}), "invalid_redirect_uri", "javascript"),
        (json!({"redirect_uris": []}), "invalid_redirect_uri", "at least one"),
        (
            json!({"redirect_uris": ["https://ok.example/cb"], "grant_types": ["client_credentials"]}),
            "invalid_client_metadata",
            "client_credentials",
        ),
        (
            json!({"redirect_uris": ["https://ok.example/cb"], "scope": "EVERYTHING"}),
            "invalid_client_metadata",
            "EVERYTHING",
        ),
        (json!(["not", "an", "object"]), "invalid_client_metadata", "object"),
    ] {
        let answer = http.post(&register).json(&body).send().await.expect("an answer");
        assert_eq!(answer.status(), 400, "{body}");
        let answer: Value = answer.json().await.expect("JSON");
        assert_eq!(answer["error"], error, "{body}");
        assert!(answer["error_description"].as_str().expect("text").contains(says), "{answer}");
    }
    // Six refusals above count too: four more registrations pass, the next waits.
    let good = json!({"redirect_uris": ["https://ok.example/cb"], "scope": "EXECUTE_BLOCK READ_BLOCK"});
    for _ in 0..4 {
        let answer = http.post(&register).json(&good).send().await.expect("an answer");
        assert_eq!(answer.status(), 201);
        assert_eq!(answer.json::<Value>().await.expect("JSON")["scope"], "EXECUTE_BLOCK READ_BLOCK");
    }
    let limited = http.post(&register).json(&good).send().await.expect("an answer");
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    server.stop().await;
}
