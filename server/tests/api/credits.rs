//! Credits: charged atomically before a paid run, one ledger row per charge.

use block_server::Settings;
use serde_json::json;

use crate::support::{Options, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_paid_runs_at_a_balance_of_ten_let_exactly_ten_through() {
    let settings = Settings { starting_credits: 10, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("credits-race", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let runs = (0..100).map(|n| {
        let client = client.clone();
        tokio::spawn(async move {
            client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": format!("run {n}")})).await
        })
    });
    let mut succeeded = 0;
    let mut refused = 0;
    for run in runs.collect::<Vec<_>>() {
        let answer = run.await.expect("the request task finishes");
        match answer.status {
            200 => {
                succeeded += 1;
                assert!(answer.json()["echo"][0].as_str().is_some_and(|t| t.starts_with("run ")));
            }
            402 => {
                refused += 1;
                assert_eq!(answer.code(), "insufficient_credits");
                assert_eq!(answer.json()["error"]["details"]["price"], 1);
            }
            other => panic!("unexpected {other}: {}", answer.text),
        }
    }
    assert_eq!((succeeded, refused), (10, 90));
    let storage = server.storage();
    assert_eq!(storage.balance(&server.user_id).await.expect("balance"), 0);
    let ledger = storage.ledger(&server.user_id, 1000).await.expect("ledger");
    let charges: Vec<_> = ledger.iter().filter(|row| row.amount < 0).collect();
    assert_eq!(charges.len(), 10, "one ledger row per charge");
    assert!(charges.iter().all(|row| row.amount == -1 && row.execution_id.is_some() && row.balance_after >= 0));
    let credits = client.get("/external-api/v1/credits").await;
    assert_eq!(credits.expect(200).json()["balance"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_blocks_run_at_a_zero_balance_and_refused_runs_are_not_charged() {
    let settings = Settings { starting_credits: 0, rate_limit_per_minute: 0, ..Settings::default() };
    let server = TestServer::start_with("credits-free", Options { settings, ..Options::default() }).await;
    let client = server.client();
    let paid = client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await;
    assert_eq!(paid.expect(402).json()["error"]["details"]["balance"], 0);
    let invalid = client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({})).await;
    invalid.expect(422);
    client
        .post("/external-api/v1/blocks/CalculatorBlock/execute", &json!({"operation": "add", "a": 1, "b": 2}))
        .await
        .expect(200);
    server.storage().grant(&server.user_id, 1, "top-up", None).await.expect("granted");
    client.post("/external-api/v1/blocks/PaidEchoBlock/execute", &json!({"text": "x"})).await.expect(200);
    assert_eq!(server.storage().balance(&server.user_id).await.expect("balance"), 0);
}
