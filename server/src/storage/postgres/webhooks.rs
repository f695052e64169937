//! Webhooks (secrets sealed) and trigger subscriptions. A delivery is kept
//! under its (webhook, delivery id) primary key: a redelivery reaching any
//! process inserts nothing and queues nothing.

use block_core::webhooks::{Subscription, WebhookKind};
use tokio_postgres::Row;

use super::PostgresStorage;
use super::runs::insert_queued;
use super::sql::{self, from_json, get};
use crate::domain::{Run, WebhookRow, now_unix};
use crate::storage::webhooks::{target_columns, target_of};
use crate::storage::{StorageError, WebhookRows};

/// The columns [`webhook_row`] reads, in its order.
macro_rules! webhook_columns {
    () => {
        "id, provider, owner, kind, resource, events, credentials_id, remote_id, sealed_secret"
    };
}

/// The columns [`subscription_row`] reads, in its order.
macro_rules! subscription_columns {
    () => {
        "id, webhook_id, owner, block_id, events, input, graph_id, graph_version, graph_node_id, graph_inputs"
    };
}

/// Events sorted and deduplicated, so equal sets are stored equally.
fn events_json(events: &[String]) -> String {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    sql::json_text(&events)
}

fn kind_name(kind: WebhookKind) -> &'static str {
    match kind {
        WebhookKind::Manual => "manual",
        WebhookKind::Auto => "auto",
    }
}

fn webhook_row(row: &Row) -> Result<WebhookRow, StorageError> {
    let kind: &str = get(row, 3)?;
    Ok(WebhookRow {
        id: get(row, 0)?,
        provider: get(row, 1)?,
        owner: get(row, 2)?,
        kind: match kind {
            "manual" => WebhookKind::Manual,
            "auto" => WebhookKind::Auto,
            other => return Err(StorageError::corrupt(format!("unknown webhook kind `{other}`"))),
        },
        resource: get(row, 4)?,
        events: from_json(get(row, 5)?, "a webhook's events")?,
        credentials_id: get(row, 6)?,
        remote_id: get(row, 7)?,
        sealed_secret: get(row, 8)?,
    })
}

fn subscription_row(row: &Row) -> Result<Subscription, StorageError> {
    Ok(Subscription {
        id: get(row, 0)?,
        webhook_id: get(row, 1)?,
        owner: get(row, 2)?,
        block_id: get(row, 3)?,
        events: from_json(get(row, 4)?, "a subscription's events")?,
        input: from_json(get(row, 5)?, "a subscription's input")?,
        graph: target_of((get(row, 6)?, get(row, 7)?, get(row, 8)?, get(row, 9)?)).map_err(StorageError::corrupt)?,
    })
}

#[async_trait::async_trait]
impl WebhookRows for PostgresStorage {
    async fn webhook(&self, id: &str) -> Result<Option<WebhookRow>, StorageError> {
        let client = self.client().await?;
        let row =
            sql::query_opt(&client, concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE id = $1"), &[&id])
                .await?;
        row.as_ref().map(webhook_row).transpose()
    }

    async fn find_reusable_webhook(&self, like: &WebhookRow) -> Result<Option<WebhookRow>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            concat!(
                "SELECT ",
                webhook_columns!(),
                " FROM webhooks WHERE provider = $1 AND owner = $2 AND resource = $3
                 AND credentials_id IS NOT DISTINCT FROM $4::text AND kind = $5 AND events = $6
                 ORDER BY created_at LIMIT 1"
            ),
            &[
                &like.provider,
                &like.owner,
                &like.resource,
                &like.credentials_id,
                &kind_name(like.kind),
                &events_json(&like.events),
            ],
        )
        .await?;
        row.as_ref().map(webhook_row).transpose()
    }

    async fn webhooks_on(&self, provider: &str, resource: &str) -> Result<Vec<WebhookRow>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                webhook_columns!(),
                " FROM webhooks WHERE provider = $1 AND resource = $2 ORDER BY created_at, id"
            ),
            &[&provider, &resource],
        )
        .await?;
        rows.iter().map(webhook_row).collect()
    }

    async fn webhooks_of(&self, owner: &str) -> Result<Vec<WebhookRow>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", webhook_columns!(), " FROM webhooks WHERE owner = $1 ORDER BY created_at, id"),
            &[&owner],
        )
        .await?;
        rows.iter().map(webhook_row).collect()
    }

    async fn put_webhook(&self, webhook: WebhookRow) -> Result<(), StorageError> {
        let client = self.client().await?;
        sql::execute(
            &client,
            "INSERT INTO webhooks (id, provider, owner, kind, resource, events, credentials_id, remote_id,
                                   sealed_secret, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, owner = excluded.owner,
                 kind = excluded.kind, resource = excluded.resource, events = excluded.events,
                 credentials_id = excluded.credentials_id, remote_id = excluded.remote_id,
                 sealed_secret = excluded.sealed_secret",
            &[
                &webhook.id,
                &webhook.provider,
                &webhook.owner,
                &kind_name(webhook.kind),
                &webhook.resource,
                &events_json(&webhook.events),
                &webhook.credentials_id,
                &webhook.remote_id,
                &webhook.sealed_secret,
                &now_unix(),
            ],
        )
        .await
        .map(drop)
    }

    async fn delete_webhook(&self, id: &str) -> Result<(), StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        sql::execute(&tx, "DELETE FROM webhook_subscriptions WHERE webhook_id = $1", &[&id]).await?;
        sql::execute(&tx, "DELETE FROM webhooks WHERE id = $1", &[&id]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn subscriptions(&self, webhook_id: &str) -> Result<Vec<Subscription>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!(
                "SELECT ",
                subscription_columns!(),
                " FROM webhook_subscriptions WHERE webhook_id = $1 ORDER BY id"
            ),
            &[&webhook_id],
        )
        .await?;
        rows.iter().map(subscription_row).collect()
    }

    async fn subscriptions_of(&self, owner: &str) -> Result<Vec<Subscription>, StorageError> {
        let client = self.client().await?;
        let rows = sql::query(
            &client,
            concat!("SELECT ", subscription_columns!(), " FROM webhook_subscriptions WHERE owner = $1 ORDER BY id"),
            &[&owner],
        )
        .await?;
        rows.iter().map(subscription_row).collect()
    }

    async fn put_subscription(&self, subscription: Subscription) -> Result<(), StorageError> {
        let client = self.client().await?;
        let (graph_id, graph_version, graph_node_id, graph_inputs) = target_columns(subscription.graph.as_ref());
        sql::execute(
            &client,
            "INSERT INTO webhook_subscriptions (id, webhook_id, owner, block_id, events, input, created_at, graph_id,
                                               graph_version, graph_node_id, graph_inputs)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (id) DO UPDATE SET webhook_id = excluded.webhook_id, owner = excluded.owner,
                 block_id = excluded.block_id, events = excluded.events, input = excluded.input,
                 graph_id = excluded.graph_id, graph_version = excluded.graph_version,
                 graph_node_id = excluded.graph_node_id, graph_inputs = excluded.graph_inputs",
            &[
                &subscription.id,
                &subscription.webhook_id,
                &subscription.owner,
                &subscription.block_id,
                &events_json(&subscription.events),
                &subscription.input.to_string(),
                &now_unix(),
                &graph_id,
                &graph_version,
                &graph_node_id,
                &graph_inputs,
            ],
        )
        .await
        .map(drop)
    }

    async fn delete_subscription(&self, owner: &str, id: &str) -> Result<Option<Subscription>, StorageError> {
        let client = self.client().await?;
        let row = sql::query_opt(
            &client,
            concat!(
                "DELETE FROM webhook_subscriptions WHERE id = $1 AND owner = $2 RETURNING ",
                subscription_columns!()
            ),
            &[&id, &owner],
        )
        .await?;
        row.as_ref().map(subscription_row).transpose()
    }

    async fn record_delivery(
        &self,
        webhook_id: &str,
        delivery_id: &str,
        event: &str,
        runs: Vec<Run>,
        at: i64,
    ) -> Result<bool, StorageError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The primary key decides: a concurrent redelivery waits for this
        // insert's commit and then inserts nothing.
        let new = sql::execute(
            &tx,
            "INSERT INTO webhook_deliveries (webhook_id, delivery_id, event, runs, received_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (webhook_id, delivery_id) DO NOTHING",
            &[&webhook_id, &delivery_id, &event, &i64::try_from(runs.len()).unwrap_or(i64::MAX), &at],
        )
        .await?
            == 1;
        if new {
            insert_queued(&tx, &runs).await?;
        }
        tx.commit().await?;
        Ok(new)
    }
}
