//! Idempotency keys and completion callbacks.

use block_server::storage::{AttemptOutcome, Callback, CallbackAttempt, Idempotent, StoredAnswer};

use crate::backends::Db;
use crate::fixtures::user;

pub async fn idempotency_keys_hold_then_replay_then_expire(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let user_id = ada.id.as_str();
    let begin = |key: &'static str, hash: u8, now: i64, expired_before: i64| async move {
        storage.begin_idempotent(user_id, key, &[hash; 32], now, expired_before).await
    };
    assert_eq!(begin("k", 1, 1000, 0).await.expect("held"), Idempotent::New);
    assert_eq!(begin("k", 1, 1001, 0).await.expect("answered"), Idempotent::InProgress);
    assert_eq!(begin("k", 2, 1001, 0).await.expect("answered"), Idempotent::Mismatch);
    let answer = StoredAnswer {
        status: 201,
        content_type: Some("application/json".to_owned()),
        body: Some(b"{\"id\":\"r1\"}".to_vec()),
        run_id: Some("r1".to_owned()),
    };
    storage.finish_idempotent(&ada.id, "k", answer.clone()).await.expect("kept");
    assert_eq!(begin("k", 1, 1002, 0).await.expect("answered"), Idempotent::Done(answer));
    assert_eq!(begin("k", 2, 1003, 1001).await.expect("answered"), Idempotent::New, "an expired key is new");

    assert_eq!(begin("gone", 1, 1000, 0).await.expect("held"), Idempotent::New);
    storage.abandon_idempotent(&ada.id, "gone").await.expect("let go");
    assert_eq!(begin("gone", 2, 1000, 0).await.expect("held"), Idempotent::New, "an abandoned key is free");
}

pub async fn concurrent_requests_with_one_new_key_see_one_new(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 0).await;
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        let user_id = ada.id.clone();
        tasks.spawn(async move { storage.begin_idempotent(&user_id, "same", &[4; 32], 5000, 0).await });
    }
    let mut outcomes = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        outcomes.push(outcome.expect("the task").expect("answered"));
    }
    assert_eq!(outcomes.iter().filter(|outcome| **outcome == Idempotent::New).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|outcome| matches!(outcome, Idempotent::New | Idempotent::InProgress)));
}

pub async fn a_due_callback_is_claimed_by_one_process_until_it_is_recorded(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    storage.put_callback_secret(&ada.id, b"\x01sealed".to_vec()).await.expect("stored");
    storage.put_callback_secret(&ada.id, b"\x01sealed-2".to_vec()).await.expect("replaced");
    assert_eq!(storage.callback_secret(&ada.id).await.expect("read"), Some(b"\x01sealed-2".to_vec()));
    let callback = Callback {
        run_id: "r1".to_owned(),
        user_id: ada.id.clone(),
        url: "https://hooks.example.com/done".to_owned(),
        created_at: 1000,
        next_attempt_at: Some(1000),
        delivered_at: None,
        gave_up_at: None,
        attempts: Vec::new(),
    };
    storage.schedule_callback(callback.clone()).await.expect("scheduled");
    storage.schedule_callback(callback.clone()).await.expect("a second schedule keeps the first");
    let other = db.again().await;
    let (one, two) = tokio::join!(storage.claim_callbacks(1500, 61_500, 10), other.claim_callbacks(1500, 61_500, 10));
    let claimed: Vec<Callback> = [one, two].into_iter().flat_map(|got| got.expect("claimed")).collect();
    assert_eq!(claimed.len(), 1, "one process holds it: {claimed:?}");
    assert_eq!(claimed[0].next_attempt_at, Some(61_500), "held until then");
    assert!(storage.claim_callbacks(2000, 62_000, 10).await.expect("claimed").is_empty(), "held");

    let failed = CallbackAttempt { at: 2000, status: Some(503), error: Some("unavailable".to_owned()) };
    let outcome = AttemptOutcome { attempt: failed.clone(), delivered: false, next_attempt_at: Some(3000) };
    storage.record_attempt("r1", outcome).await.expect("recorded");
    let again = storage.claim_callbacks(3000, 63_000, 10).await.expect("claimed");
    assert_eq!(again.len(), 1, "due again after the failure");
    let delivered = CallbackAttempt { at: 3100, status: Some(200), error: None };
    let outcome = AttemptOutcome { attempt: delivered.clone(), delivered: true, next_attempt_at: None };
    storage.record_attempt("r1", outcome).await.expect("recorded");
    let stored = storage.callback("r1").await.expect("read").expect("kept");
    assert_eq!(
        (stored.delivered_at, stored.next_attempt_at, stored.gave_up_at, stored.attempts),
        (Some(3100), None, None, vec![failed, delivered])
    );
    assert!(storage.claim_callbacks(i64::MAX - 1, i64::MAX, 10).await.expect("claimed").is_empty());
    storage
        .record_attempt(
            "unknown",
            AttemptOutcome {
                attempt: CallbackAttempt { at: 1, status: None, error: None },
                delivered: false,
                next_attempt_at: None,
            },
        )
        .await
        .expect("an unknown run's attempt is ignored");
}
