//! Signing in and out, the session cookie, and the anti-forgery checks.

use crate::support::Console;

#[tokio::test]
async fn a_sign_in_link_opens_an_httponly_lax_session_once() {
    let console = Console::start("link").await;
    let link = console.link().await;
    let mut browser = console.browser();
    let answer = browser.get_url(&format!("{link}&next=%2Fruns%3Fstatus%3Dfailed")).await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/runs?status=failed"));
    let cookie = answer.set_cookie.expect("a session cookie");
    assert!(cookie.starts_with("blocks_session=bss_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "a Secure cookie would not come back over plain http: {cookie}");
    let catalogue = browser.get("/").await;
    assert_eq!(catalogue.status, 200);
    assert!(catalogue.body.contains("<h1>Catalogue</h1>"));

    let again = console.browser().get_url(&link).await;
    assert_eq!(again.status, 401);
    assert!(again.body.contains("unknown, used or expired"), "{}", again.body);
    assert!(again.set_cookie.is_none());
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_server_is_reached_over_https() {
    let console = Console::start_with("secure", |settings| block_server::Settings {
        public_url: "https://console.example".to_owned(),
        ..settings
    })
    .await;
    let link = console.link().await.replace("https://console.example", &console.url);
    let answer = console.browser().get_url(&link).await;
    assert!(answer.set_cookie.expect("a cookie").contains("; Secure"));
}

#[tokio::test]
async fn pages_send_a_browser_without_a_session_to_the_sign_in_page() {
    let console = Console::start("anonymous").await;
    let mut browser = console.browser();
    let page = browser.get("/runs?status=failed").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/login?next=%2Fruns%3Fstatus%3Dfailed"));
    let form = browser.post("/credentials", &[("provider", "example")]).await;
    assert_eq!(form.status, 401);
    let forged = browser.get("/?next=x").await;
    assert_eq!(forged.status, 303);
}

#[tokio::test]
async fn an_api_key_signs_in_and_a_wrong_one_is_refused_in_words() {
    let console = Console::start("key").await;
    let mut browser = console.browser();
    let wrong = browser.post("/login", &[("api_key", "blk_not-a-key"), ("next", "/keys")]).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("That API key is not valid"), "{}", wrong.body);
    assert!(!wrong.body.contains("blk_not-a-key"), "the key typed is not echoed");
    let empty = browser.post("/login", &[("api_key", " ")]).await;
    assert_eq!(empty.status, 422);

    let key = console.key.clone();
    let right = browser.post("/login", &[("api_key", &key), ("next", "https://evil.example/")]).await;
    assert_eq!(right.status, 303);
    assert_eq!(right.location.as_deref(), Some("/"), "only local paths are followed");
    assert!(browser.cookie.is_some());
    assert_eq!(browser.get("/keys").await.status, 200);
}

#[tokio::test]
async fn a_sign_in_form_sent_from_another_site_is_refused() {
    let console = Console::start("origin").await;
    let key = console.key.clone();
    let answer =
        console.browser().post_with("/login", &[("api_key", &key)], &[("origin", "https://evil.example")]).await;
    assert_eq!(answer.status, 403);
    assert!(answer.set_cookie.is_none());
}

#[tokio::test]
async fn forms_without_the_sessions_anti_forgery_value_change_nothing() {
    let console = Console::start("csrf").await;
    let mut browser = console.signed_in().await;
    let fields = [("provider", "example"), ("type", "api_key"), ("api_key", "k-1")];
    let missing = browser.post("/credentials", &fields).await;
    assert_eq!(missing.status, 403);
    let wrong = browser.post("/credentials", &[("csrf", "forged"), fields[0], fields[1], fields[2]]).await;
    assert_eq!(wrong.status, 403);
    assert!(browser.get("/credentials").await.body.contains("No credentials yet."));
    let run = browser
        .post_with(
            "/blocks/CalculatorBlock/run",
            &[("input.a", "1"), ("input.b", "2")],
            &[("accept", "text/event-stream")],
        )
        .await;
    assert_eq!(run.status, 403);
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let console = Console::start("logout").await;
    let mut browser = console.signed_in().await;
    let session = browser.cookie.clone();
    let csrf = browser.csrf().await;
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(out.set_cookie.expect("the cookie is cleared").contains("Max-Age=0"));
    browser.cookie = session;
    assert_eq!(browser.get("/").await.status, 303, "the old session no longer works");
}
