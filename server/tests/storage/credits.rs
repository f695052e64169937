//! Balances and the ledger: never below zero, never charged twice, and the
//! ledger's sum is the balance.

use block_server::domain::ChargeOutcome;

use crate::backends::Db;
use crate::fixtures::{ledger_sum, user};

pub async fn concurrent_charges_from_two_processes_never_overdraw(db: &Db) {
    let ada = user(db.storage.as_ref(), "ada", 100).await;
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..60 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        let user_id = ada.id.clone();
        tasks.spawn(async move { storage.charge(&user_id, 3, "a paid run", Some(&format!("run-{n}"))).await });
    }
    let mut charged = 0;
    while let Some(outcome) = tasks.join_next().await {
        match outcome.expect("the task").expect("the charge is answered") {
            ChargeOutcome::Charged { .. } => charged += 1,
            ChargeOutcome::Insufficient { balance } => assert!(balance < 3, "refused with {balance} left"),
        }
    }
    assert_eq!(charged, 33, "100 credits cover 33 charges of 3");
    assert_eq!(db.storage.balance(&ada.id).await.expect("balance"), 1);
    assert_eq!(ledger_sum(db.storage.as_ref(), &ada.id).await, 1, "the ledger sums to the balance");
    let ledger = db.storage.ledger(&ada.id, 100).await.expect("the ledger");
    let mut afters: Vec<i64> = ledger.iter().filter(|row| row.amount < 0).map(|row| row.balance_after).collect();
    afters.sort_unstable();
    assert_eq!(afters, (0..33).map(|n| 1 + 3 * n).collect::<Vec<i64>>(), "each charge saw the balance it left");
}

pub async fn charges_grants_and_the_ledger_agree(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 10).await;
    assert_eq!(storage.balance("nobody").await.expect("balance"), 0);
    let outcome = storage.charge(&ada.id, 4, "run", Some("r1")).await.expect("charged");
    assert_eq!(outcome, ChargeOutcome::Charged { balance: 6 });
    let refused = storage.charge(&ada.id, 7, "run", Some("r2")).await.expect("answered");
    assert_eq!(refused, ChargeOutcome::Insufficient { balance: 6 });
    assert_eq!(storage.charge_up_to(&ada.id, 9, "usage", Some("r3")).await.expect("taken"), 6);
    assert_eq!(storage.charge_up_to(&ada.id, 9, "usage", Some("r4")).await.expect("taken"), 0, "nothing left");
    assert_eq!(storage.grant(&ada.id, 5, "top-up", None).await.expect("granted"), 5);
    let ledger = storage.ledger(&ada.id, 10).await.expect("the ledger");
    let rows: Vec<(i64, i64, &str, Option<&str>)> = ledger
        .iter()
        .map(|row| (row.amount, row.balance_after, row.reason.as_str(), row.execution_id.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (5, 5, "top-up", None),
            (-6, 0, "usage", Some("r3")),
            (-4, 6, "run", Some("r1")),
            (10, 10, "starting balance", None)
        ],
        "newest first, no row for what was refused or empty"
    );
    assert_eq!(storage.ledger(&ada.id, 2).await.expect("the ledger").len(), 2);
    assert_eq!(ledger_sum(storage, &ada.id).await, 5);
}
