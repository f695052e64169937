//! Triggers: the user's webhooks with the ingress URL a provider posts to and
//! the trigger subscriptions listening on each, their polling triggers, and
//! the trigger blocks that can be subscribed from their pages. Each can be
//! deleted here; all of it goes through the triggers and polls services.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use block_core::ExposeSecret;
use block_core::webhooks::{Subscription, Webhook, WebhookKind};
use serde::Deserialize;

use super::html::{csrf_field, escape, notice, page, segment, time_ms};
use super::{Viewer, error_page, forbidden, shell};
use crate::domain::PollSubscription;
use crate::services::{AppState, polls, triggers};

/// A subscription just made, shown above the list.
#[derive(Debug)]
pub struct Made<'a> {
    /// The trigger block's name.
    pub block: &'a str,
    /// Where its provider posts.
    pub ingress_url: String,
    /// The signing secret of a manual webhook this server made: shown once.
    pub secret: Option<String>,
}

/// The page's query: what the last action did.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    deleted: Option<String>,
    polling: Option<String>,
}

/// A form carrying only the anti-forgery value.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `GET /triggers`.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<PageQuery>) -> Response {
    let top = match (query.deleted.as_deref(), query.polling.is_some()) {
        (Some("webhook"), _) => notice("ok", "Deleted the webhook and the triggers listening on it."),
        (Some(_), _) => notice("ok", "Deleted the trigger."),
        (None, true) => notice("ok", "Subscribed the polling trigger: its first poll comes at once."),
        (None, false) => String::new(),
    };
    page_with(&state, &viewer, &top, StatusCode::OK).await
}

/// The page, with `made` announced above the list.
pub async fn render(state: &AppState, viewer: &Viewer, made: Option<&Made<'_>>, status: StatusCode) -> Response {
    let top = made.map(announce).unwrap_or_default();
    page_with(state, viewer, &top, status).await
}

fn announce(made: &Made<'_>) -> String {
    let secret = match &made.secret {
        Some(secret) => format!(
            "<p>Give the provider this signing secret with the URL. Copy it now: it is shown only this once.</p>\
             <p><label for=\"new-secret\">Signing secret</label>\
             <input id=\"new-secret\" type=\"text\" readonly value=\"{}\" data-select></p>",
            escape(secret)
        ),
        None => String::new(),
    };
    format!(
        "<section class=\"notice ok shown-once\" role=\"status\"><p>Subscribed {}. Its provider posts events to \
         <code class=\"url\" data-new-ingress>{}</code></p>{secret}</section>",
        escape(made.block),
        escape(&made.ingress_url)
    )
}

async fn page_with(state: &AppState, viewer: &Viewer, top: &str, status: StatusCode) -> Response {
    let owner = &viewer.user.id;
    let (webhooks, subscriptions, polling) = match (
        triggers::webhooks_of(state, owner).await,
        triggers::subscriptions_of(state, owner).await,
        polls::list(state, owner).await,
    ) {
        (Ok(webhooks), Ok(subscriptions), Ok(polling)) => (webhooks, subscriptions, polling),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
            return error_page(viewer, "/triggers", &error);
        }
    };
    let hooks: String = webhooks.iter().map(|webhook| webhook_card(state, viewer, webhook, &subscriptions)).collect();
    let hooks = if webhooks.is_empty() {
        "<p class=\"empty\">No webhooks yet. Subscribing a trigger block (below, or <code>POST \
         /external-api/v1/triggers</code>) gives it one; its ingress URL shows here.</p>"
            .to_owned()
    } else {
        format!("<p class=\"meta\">A provider posts its events to the ingress URL.</p><ul class=\"hooks\">{hooks}</ul>")
    };
    let body = format!(
        "{top}<section aria-labelledby=\"webhooks\"><h2 id=\"webhooks\">Webhooks</h2>{hooks}</section>\
         <section aria-labelledby=\"polling\"><h2 id=\"polling\">Polling triggers</h2>{polls}</section>\
         <section aria-labelledby=\"available\"><h2 id=\"available\">Trigger blocks</h2>\
         <p class=\"meta\">Subscribe one from its page.</p><ul class=\"blocks\">{available}</ul></section>",
        polls = polling_table(state, viewer, &polling),
        available = trigger_blocks(state),
    );
    page(status, &shell(viewer, "/triggers"), "Triggers and webhooks", &body)
}

fn block_name(state: &AppState, id: &str) -> String {
    state.registry().by_id(id).map_or_else(|| id.to_owned(), |block| block.name().to_owned())
}

fn delete_button(viewer: &Viewer, action: &str, label: &str, what: &str, confirm: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\" data-confirm=\"{}\">{}\
         <button type=\"submit\" class=\"danger\">{label}<span class=\"sr\"> {}</span></button></form>",
        escape(confirm),
        csrf_field(&viewer.csrf),
        escape(what)
    )
}

fn webhook_card(state: &AppState, viewer: &Viewer, webhook: &Webhook, subscriptions: &[Subscription]) -> String {
    let provider = state.registry().provider(&webhook.provider).map_or(webhook.provider.as_str(), |p| p.display_name);
    let resource =
        if webhook.resource.is_empty() { String::new() } else { format!(" · {}", escape(&webhook.resource)) };
    let listening: String = subscriptions
        .iter()
        .filter(|subscription| subscription.webhook_id == webhook.id)
        .map(|subscription| {
            let name = block_name(state, &subscription.block_id);
            // A graph's trigger node runs the graph: the graph is what the user knows.
            let target = match &subscription.graph {
                Some(graph) => format!(
                    " <span class=\"type\">starts</span> <a href=\"/agents/{}\">agent {}</a> <span \
                     class=\"type\">v{} (node {})</span>",
                    segment(&graph.graph_id),
                    escape(&graph.graph_id),
                    graph.graph_version,
                    escape(&graph.node_id)
                ),
                None => String::new(),
            };
            format!(
                "<li><a href=\"/blocks/{}\">{}</a>{target} <span class=\"type\">on {}</span> {}</li>",
                segment(&name),
                escape(&name),
                escape(&subscription.events.join(", ")),
                delete_button(
                    viewer,
                    &format!("/triggers/{}/delete", segment(&subscription.id)),
                    "Unsubscribe",
                    &name,
                    "Unsubscribe this trigger? Its webhook goes with its last trigger.",
                )
            )
        })
        .collect();
    let setup = match webhook.kind {
        WebhookKind::Manual => "set up by hand at the provider",
        WebhookKind::Auto => "registered at the provider by this server",
    };
    let secret = if webhook.secret.expose_secret().is_empty() {
        let wanted = triggers::secret_source(state, webhook).map_or("its signing secret", |source| source.describe());
        format!(
            "<dt>Secret</dt><dd><span class=\"status failed\">missing</span> deliveries are refused until it has \
             {} (<code>PUT /external-api/v1/webhooks/{}/secret</code>)</dd>",
            escape(wanted),
            escape(&webhook.id)
        )
    } else {
        "<dt>Secret</dt><dd><span class=\"status active\">set</span></dd>".to_owned()
    };
    format!(
        "<li class=\"card\"><h3>{}{resource}</h3><dl class=\"facts\"><dt>Ingress URL</dt>\
         <dd><code class=\"url\">{}</code></dd><dt>Set up</dt><dd>{setup}</dd><dt>Events</dt><dd>{}</dd>{secret}\
         <dt>Triggers</dt><dd><ul class=\"listening\">{listening}</ul></dd></dl>{}</li>",
        escape(provider),
        escape(&state.webhooks().ingress_url(webhook)),
        escape(&webhook.events.join(", ")),
        delete_button(
            viewer,
            &format!("/webhooks/{}/delete", segment(&webhook.id)),
            "Delete webhook",
            &format!("{provider} {}", webhook.resource),
            "Delete this webhook and every trigger listening on it?",
        )
    )
}

fn polling_table(state: &AppState, viewer: &Viewer, polling: &[PollSubscription]) -> String {
    if polling.is_empty() {
        return "<p class=\"empty\">No polling triggers yet.</p>".to_owned();
    }
    let rows: String = polling
        .iter()
        .map(|poll| {
            let name = block_name(state, &poll.block_id);
            let last = poll.last_polled_at.map_or_else(|| "not yet".to_owned(), time_ms);
            let error = poll.last_error.as_deref().map_or_else(|| "—".to_owned(), escape);
            format!(
                "<tr><td data-label=\"Block\"><a href=\"/blocks/{}\">{}</a></td><td data-label=\"Every\">{} s</td>\
                 <td data-label=\"Last poll\">{last}</td><td data-label=\"Last error\">{error}</td>\
                 <td data-label=\"Runs\" class=\"num\">{}</td><td data-label=\"Actions\">{}</td></tr>",
                segment(&name),
                escape(&name),
                poll.every_secs,
                poll.runs_queued,
                delete_button(
                    viewer,
                    &format!("/polls/{}/delete", segment(&poll.id)),
                    "Delete",
                    &name,
                    "Delete this polling trigger?"
                )
            )
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th scope=\"col\">Block</th><th scope=\"col\">Every</th>\
         <th scope=\"col\">Last poll</th><th scope=\"col\">Last error</th><th scope=\"col\">Runs</th>\
         <th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

fn trigger_blocks(state: &AppState) -> String {
    state
        .registry()
        .blocks()
        .filter(|block| !block.descriptor().disabled && super::block_page::is_trigger(block))
        .map(|block| {
            let how = if block.descriptor().poll.is_some() { "polling" } else { "webhook" };
            format!(
                "<li class=\"block\"><a href=\"/blocks/{}#subscribe\">{}</a> <span class=\"badge\">{how}</span><p>{}</p></li>",
                segment(block.name()),
                escape(block.name()),
                escape(block.info()["description"].as_str().unwrap_or_default())
            )
        })
        .collect()
}

/// `POST /triggers/{id}/delete`: unsubscribes a trigger.
pub async fn delete_trigger(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match triggers::unsubscribe_by_id(&state, &viewer.user.id, &id).await {
        Ok(()) => Redirect::to("/triggers?deleted=trigger").into_response(),
        Err(error) => error_page(&viewer, "/triggers", &error),
    }
}

/// `POST /webhooks/{id}/delete`: removes a webhook with its triggers.
pub async fn delete_webhook(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match triggers::delete_webhook(&state, &viewer.user.id, &id).await {
        Ok(_) => Redirect::to("/triggers?deleted=webhook").into_response(),
        Err(error) => error_page(&viewer, "/triggers", &error),
    }
}

/// `POST /polls/{id}/delete`: deletes a polling trigger.
pub async fn delete_poll(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match polls::delete(&state, &viewer.user.id, &id).await {
        Ok(()) => Redirect::to("/triggers?deleted=poll").into_response(),
        Err(error) => error_page(&viewer, "/triggers", &error),
    }
}
