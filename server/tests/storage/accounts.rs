//! Users, API keys and the counter that tells caches a key changed; settings;
//! sealed credentials.

use std::time::{Duration, Instant};

use block_core::credentials::{CredentialsMeta, CredentialsType};
use block_server::domain::{KeyStatus, NewApiKey, Scope, SealedCredentials};

use crate::backends::Db;
use crate::fixtures::user;

fn new_key(id: &str, user_id: &str, byte: u8) -> NewApiKey {
    NewApiKey {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        name: format!("key {id}"),
        hash: [byte; 32],
        hint: "agpt_…abcd".to_owned(),
        scopes: vec![Scope::Identity, Scope::ExecuteBlock],
    }
}

pub async fn users_and_keys_round_trip_and_the_first_user_stays_first(db: &Db) {
    let storage = db.storage.as_ref();
    assert_eq!(storage.first_user().await.expect("read"), None, "a new database has no user");
    let ada = user(storage, "ada", 10).await;
    let bob = user(storage, "bob", 0).await;
    assert_eq!(storage.first_user().await.expect("read"), Some(ada.clone()));
    assert_eq!(storage.user(&bob.id).await.expect("read"), Some(bob.clone()));
    assert_eq!(storage.user("nobody").await.expect("read"), None);

    let first = storage.create_api_key(new_key("k1", &ada.id, 1)).await.expect("created");
    assert_eq!(
        (first.status, first.scopes.clone(), first.last_used_at),
        (KeyStatus::Active, vec![Scope::Identity, Scope::ExecuteBlock], None)
    );
    storage.create_api_key(new_key("k2", &ada.id, 2)).await.expect("created");
    let duplicate = storage.create_api_key(new_key("k3", &ada.id, 2)).await.expect_err("a hash is unique");
    assert_eq!(duplicate.kind(), block_server::storage::StorageErrorKind::Constraint, "{duplicate}");
    assert!(!duplicate.is_retryable());

    let (found, owner) = storage.api_key_by_hash(&[1; 32]).await.expect("read").expect("the key");
    assert_eq!((found.id.as_str(), owner), ("k1", ada.clone()));
    assert!(storage.api_key_by_hash(&[9; 32]).await.expect("read").is_none());
    let ids: Vec<String> = storage.api_keys(&ada.id).await.expect("read").into_iter().map(|key| key.id).collect();
    assert_eq!(ids, ["k2", "k1"], "newest first");

    assert!(storage.set_api_key_status(&ada.id, "k1", KeyStatus::Revoked).await.expect("set"));
    assert!(!storage.set_api_key_status(&bob.id, "k2", KeyStatus::Revoked).await.expect("set"), "not bob's key");
    storage.touch_api_key("k2", 1234).await.expect("touched");
    let keys = storage.api_keys(&ada.id).await.expect("read");
    assert_eq!((keys[0].last_used_at, keys[1].status), (Some(1234), KeyStatus::Revoked));
}

pub async fn a_key_changed_by_another_process_moves_its_counter_within_a_second(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    storage.create_api_key(new_key("k1", &ada.id, 1)).await.expect("created");
    let other = db.again().await;
    let changes = storage.key_changes();
    let before = changes.current();
    let start = Instant::now();
    other.set_api_key_status(&ada.id, "k1", KeyStatus::Revoked).await.expect("revoked elsewhere");
    while changes.current() == before {
        assert!(start.elapsed() < Duration::from_secs(1), "this process did not hear of the revocation within 1 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (key, _) = storage.api_key_by_hash(&[1; 32]).await.expect("read").expect("the key");
    assert_eq!(key.status, KeyStatus::Revoked, "and what it reads then is the new status");
}

pub async fn settings_keep_the_first_value_written(db: &Db) {
    let other = db.again().await;
    let (first, second) = tokio::join!(
        db.storage.setting_or_insert("signing-key", b"one".to_vec()),
        other.setting_or_insert("signing-key", b"two".to_vec()),
    );
    let (first, second) = (first.expect("stored"), second.expect("stored"));
    assert_eq!(first, second, "both processes hold the same value");
    assert_eq!(db.storage.setting_or_insert("signing-key", b"three".to_vec()).await.expect("read"), first);
    db.storage.ping().await.expect("the storage answers");
}

pub async fn credentials_are_kept_sealed_per_user(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let sealed = |id: &str, provider: &str, bytes: &[u8]| SealedCredentials {
        meta: CredentialsMeta {
            id: id.to_owned(),
            provider: provider.to_owned(),
            kind: CredentialsType::ApiKey,
            title: Some(format!("{provider} key")),
        },
        sealed: bytes.to_vec(),
    };
    storage.put_credentials(&ada.id, sealed("c2", "zeta", b"\x01sealed-a")).await.expect("stored");
    storage.put_credentials(&ada.id, sealed("c1", "alpha", b"\x01sealed-b")).await.expect("stored");
    storage.put_credentials(&ada.id, sealed("c2", "zeta", b"\x01sealed-c")).await.expect("replaced");
    let listed: Vec<String> =
        storage.list_credentials(&ada.id).await.expect("read").into_iter().map(|m| m.id).collect();
    assert_eq!(listed, ["c1", "c2"], "by provider");
    let got = storage.credentials(&ada.id, "c2").await.expect("read").expect("found");
    assert_eq!((got.sealed.as_slice(), got.meta.kind), (&b"\x01sealed-c"[..], CredentialsType::ApiKey));
    assert!(storage.credentials(&bob.id, "c2").await.expect("read").is_none(), "another user's are not found");
    assert!(!storage.delete_credentials(&bob.id, "c2").await.expect("deleted"));
    assert!(storage.delete_credentials(&ada.id, "c2").await.expect("deleted"));
    assert_eq!(storage.list_credentials(&ada.id).await.expect("read").len(), 1);
}

pub async fn a_credentials_lock_holds_off_other_processes_until_dropped(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    let other = db.again().await;
    let Some(held) = db.storage.lock_credentials(&ada.id, "c1").await.expect("locked") else {
        // A storage of one process: the executor's single flight is enough.
        assert!(other.lock_credentials(&ada.id, "c1").await.expect("answered").is_none());
        return;
    };
    let unrelated = other.lock_credentials(&ada.id, "c2").await.expect("locked");
    assert!(unrelated.is_some(), "other credentials are not held off");
    drop(unrelated);
    let user_id = ada.id.clone();
    let waiting = tokio::spawn(async move { other.lock_credentials(&user_id, "c1").await.map(|lock| lock.is_some()) });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "another process waits while the lock is held");
    drop(held);
    let taken = tokio::time::timeout(Duration::from_secs(2), waiting).await.expect("taken once released");
    assert!(taken.expect("the task").expect("locked"));
}
