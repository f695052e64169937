//! The authorization server's single-use secrets, across processes.

use block_server::domain::{OAuthClient, OAuthToken, ProviderLogin, Scope, TokenKind, now_unix};

use crate::backends::Db;
use crate::fixtures::user;

fn token(byte: u8, kind: TokenKind, user_id: &str, family: &str) -> OAuthToken {
    OAuthToken {
        hash: [byte; 32],
        kind,
        client_id: None,
        user_id: user_id.to_owned(),
        scopes: vec![Scope::Identity],
        family: family.to_owned(),
        redirect_uri: Some("https://app.example.com/callback".to_owned()),
        code_challenge: Some("challenge".to_owned()),
        resource: Some("https://blocks.example.com/mcp".to_owned()),
        expires_at: now_unix() + 600,
        used_at: None,
        revoked_at: None,
    }
}

pub async fn an_authorization_code_is_consumed_once_across_processes(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    db.storage.put_oauth_token(token(7, TokenKind::Code, &ada.id, "f1")).await.expect("stored");
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..16 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        tasks.spawn(async move { storage.consume_oauth_token(&[7; 32]).await });
    }
    let mut fresh = 0;
    while let Some(seen) = tasks.join_next().await {
        let seen = seen.expect("the task").expect("answered").expect("the code exists");
        if seen.used_at.is_none() {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "exactly one use saw the code unused");
    let stored = db.storage.oauth_token(&[7; 32]).await.expect("read").expect("kept");
    assert!(stored.used_at.is_some());
    assert_eq!(stored.resource.as_deref(), Some("https://blocks.example.com/mcp"));
    assert!(db.storage.consume_oauth_token(&[8; 32]).await.expect("answered").is_none());
}

pub async fn a_provider_login_is_taken_once_and_only_by_its_user(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    let bob = user(db.storage.as_ref(), "bob", 0).await;
    let login = ProviderLogin {
        state_hash: [3; 32],
        user_id: ada.id.clone(),
        provider: "github".to_owned(),
        callback_url: "https://app.example.com/done".to_owned(),
        scopes: vec!["repo".to_owned()],
        sealed: b"\x01verifier".to_vec(),
        expires_at: now_unix() + 600,
    };
    db.storage.put_provider_login(login.clone()).await.expect("stored");
    assert_eq!(db.storage.take_provider_login(&[3; 32], &bob.id).await.expect("answered"), None, "not bob's");
    let other = db.again().await;
    let (one, two) =
        tokio::join!(db.storage.take_provider_login(&[3; 32], &ada.id), other.take_provider_login(&[3; 32], &ada.id));
    let taken: Vec<ProviderLogin> = [one, two].into_iter().filter_map(|got| got.expect("answered")).collect();
    assert_eq!(taken, [login], "exactly one process took it");
}

pub async fn clients_and_token_families_revoke(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let client = |id: &str, at: i64| OAuthClient {
        id: id.to_owned(),
        name: format!("app {id}"),
        secret_hash: Some([5; 32]),
        redirect_uris: vec!["https://a.example.com/cb".to_owned(), "https://b.example.com/cb".to_owned()],
        scopes: vec![Scope::Identity, Scope::ReadBlock],
        disabled: false,
        created_at: at,
    };
    storage.create_oauth_client(client("c2", 5)).await.expect("created");
    storage.create_oauth_client(client("c1", 5)).await.expect("created");
    let ids: Vec<String> = storage.oauth_clients().await.expect("read").into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["c2", "c1"], "oldest first, then in the order they were made");
    assert_eq!(storage.oauth_client("c1").await.expect("read"), Some(client("c1", 5)));
    assert!(storage.disable_oauth_client("c1").await.expect("disabled"));
    assert!(!storage.disable_oauth_client("nope").await.expect("answered"));
    assert!(storage.oauth_client("c1").await.expect("read").expect("kept").disabled);

    for (byte, kind) in [(1, TokenKind::Access), (2, TokenKind::Refresh)] {
        storage.put_oauth_token(token(byte, kind, &ada.id, "family")).await.expect("stored");
    }
    storage.put_oauth_token(token(3, TokenKind::Access, &ada.id, "other")).await.expect("stored");
    storage.revoke_oauth_token(&[1; 32]).await.expect("revoked");
    assert_eq!(storage.revoke_oauth_family("family").await.expect("revoked"), 1, "one was still live");
    assert!(storage.oauth_token(&[2; 32]).await.expect("read").expect("kept").revoked_at.is_some());
    assert!(storage.oauth_token(&[3; 32]).await.expect("read").expect("kept").revoked_at.is_none());
}
