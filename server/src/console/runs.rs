//! Runs: the list (status, block, cost, time; filterable, refreshed while it is
//! open) and each run's page (inputs without secrets, outputs per pin, error,
//! cost, timings, and its events live while it runs).

use std::collections::HashMap;
use std::convert::Infallible;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::StreamExt as _;
use serde::Deserialize;

use super::html::{csrf_field, escape, json_block, notice, page, segment, time_ms};
use super::{Viewer, error_page, forbidden, shell, status_of};
use crate::domain::{Run, RunKind, RunStatus};
use crate::services::{AppState, graphs, runs};
use crate::storage::RunFilter;

/// The header of the feed carrying how many runs match the filter.
const TOTAL_HEADER: &str = "x-total-count";

/// Runs shown per page.
const PAGE: u32 = 25;

/// The list's filter.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    block: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    fn filter(&self, state: &AppState) -> Result<RunFilter, String> {
        let mut filter = RunFilter::default();
        if let Some(status) = self.status.as_deref().filter(|status| !status.is_empty()) {
            filter.status =
                Some(RunStatus::parse(status).ok_or_else(|| format!("There is no run status “{status}”."))?);
        }
        if let Some(block) = self.block.as_deref().map(str::trim).filter(|block| !block.is_empty()) {
            filter.block_id = Some(match state.registry().find(block) {
                Some(found) => found.id().to_owned(),
                // An agent's runs are asked for by its id.
                None if uuid::Uuid::parse_str(block).is_ok() => block.to_owned(),
                None => return Err(format!("There is no block “{block}”.")),
            });
        }
        Ok(filter)
    }

    fn query_string(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [("status", &self.status), ("block", &self.block)] {
            if let Some(value) = value.as_deref().filter(|value| !value.is_empty()) {
                query.append_pair(key, value);
            }
        }
        query.finish()
    }
}

fn block_name<'s>(state: &'s AppState, run: &'s Run) -> &'s str {
    state.registry().by_id(&run.block_id).map_or(run.block_id.as_str(), |block| block.name())
}

/// The names of the viewer's agents, by id, for the runs of agents.
async fn agent_names(state: &AppState, viewer: &Viewer) -> HashMap<String, String> {
    graphs::list(state.storage().as_ref(), &viewer.user.id)
        .await
        .map(|listed| listed.into_iter().map(|graph| (graph.id, graph.name)).collect())
        .unwrap_or_default()
}

/// What a run ran, in words: a block's name, or an agent's.
fn target_name(state: &AppState, run: &Run, agents: &HashMap<String, String>) -> String {
    if run.kind == RunKind::Graph {
        let name = agents.get(&run.block_id).map_or(run.block_id.as_str(), String::as_str);
        format!("Agent “{name}”")
    } else {
        block_name(state, run).to_owned()
    }
}

fn duration(run: &Run) -> String {
    match (run.started_at, run.finished_at) {
        (Some(started), Some(finished)) => format!("{} ms", finished.saturating_sub(started)),
        (Some(_), None) => "running".to_owned(),
        _ => "—".to_owned(),
    }
}

fn status_badge(status: RunStatus) -> String {
    format!("<span class=\"status {0}\">{0}</span>", status.as_str())
}

fn rows(state: &AppState, items: &[Run], agents: &HashMap<String, String>) -> String {
    if items.is_empty() {
        return "<tr><td colspan=\"5\" class=\"empty\">No runs match.</td></tr>".to_owned();
    }
    items
        .iter()
        .map(|run| {
            format!(
                "<tr><td data-label=\"Block\"><a href=\"/runs/{}\">{}</a></td><td data-label=\"Status\">{}</td><td data-label=\"Cost\">{}</td><td data-label=\"Created\">{}</td><td data-label=\"Time\">{}</td></tr>",
                segment(&run.id),
                escape(&target_name(state, run, agents)),
                status_badge(run.status),
                run.charged,
                time_ms(run.created_at),
                duration(run)
            )
        })
        .collect()
}

/// `GET /runs`.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ListQuery>) -> Response {
    let filter = match query.filter(&state) {
        Ok(filter) => filter,
        Err(message) => {
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &shell(&viewer, "/runs"),
                "Runs",
                &notice("error", &message),
            );
        }
    };
    let listed = runs::list(&state, &viewer.user.id, &filter, query.cursor.as_deref(), PAGE).await;
    let listed = match listed {
        Ok(listed) => listed,
        Err(error) => return error_page(&viewer, "/runs", &error),
    };
    let statuses: String = ["", "queued", "running", "completed", "failed", "stopped", "interrupted"]
        .iter()
        .map(|status| {
            let selected = if query.status.as_deref().unwrap_or("") == *status { " selected" } else { "" };
            let label = if status.is_empty() { "any" } else { status };
            format!("<option value=\"{status}\"{selected}>{label}</option>")
        })
        .collect();
    let more = listed
        .next_cursor
        .as_deref()
        .map(|cursor| {
            let mut next = query.query_string();
            if !next.is_empty() {
                next.push('&');
            }
            next.push_str(&url::form_urlencoded::Serializer::new(String::new()).append_pair("cursor", cursor).finish());
            format!("<p><a href=\"/runs?{}\">Older runs</a></p>", escape(&next))
        })
        .unwrap_or_default();
    // Only the newest page follows new runs.
    let feed = if query.cursor.is_none() {
        format!(" data-feed=\"/runs/feed?{}\"", escape(&query.query_string()))
    } else {
        String::new()
    };
    let body = format!(
        "<form method=\"get\" action=\"/runs\" class=\"filters\"><div><label for=\"status\">Status</label>\
         <select id=\"status\" name=\"status\">{statuses}</select></div><div><label for=\"block\">Block</label>\
         <input id=\"block\" name=\"block\" type=\"text\" value=\"{}\" placeholder=\"Block name\"></div>\
         <button type=\"submit\">Filter</button></form><p class=\"meta\"><span data-count>{}</span> run(s) match.</p>\
         <div class=\"scroll\"><table class=\"stack\"><thead><tr><th scope=\"col\">Block</th><th scope=\"col\">Status</th>\
         <th scope=\"col\">Cost</th><th scope=\"col\">Created</th><th scope=\"col\">Time</th></tr></thead>\
         <tbody id=\"runs-body\"{feed} aria-live=\"polite\">{}</tbody></table></div>{more}",
        escape(query.block.as_deref().unwrap_or("")),
        listed.total_count,
        rows(&state, &listed.items, &agent_names(&state, &viewer).await)
    );
    page(StatusCode::OK, &shell(&viewer, "/runs"), "Runs", &body)
}

/// `GET /runs/feed`: the newest rows of the list, for the script to refresh it.
pub async fn feed(State(state): State<AppState>, viewer: Viewer, Query(query): Query<ListQuery>) -> Response {
    let Ok(filter) = query.filter(&state) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, "bad filter").into_response();
    };
    match runs::list(&state, &viewer.user.id, &filter, None, PAGE).await {
        Ok(listed) => {
            let agents = agent_names(&state, &viewer).await;
            let mut response = Html(rows(&state, &listed.items, &agents)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            headers.insert(TOTAL_HEADER, HeaderValue::from(listed.total_count));
            response
        }
        Err(error) => (status_of(error.refusal()), error.message().to_owned()).into_response(),
    }
}

fn outputs_of(run: &Run) -> String {
    if run.outputs.is_empty() {
        return "<p class=\"empty\">No outputs yet.</p>".to_owned();
    }
    run.outputs
        .iter()
        .map(|(pin, values)| {
            let truncated =
                if run.truncated.contains(pin) { "<p class=\"meta\">Later values were not kept.</p>" } else { "" };
            let items: String = values
                .as_array()
                .into_iter()
                .flatten()
                .map(|value| format!("<li>{}</li>", json_block(value)))
                .collect();
            format!("<section class=\"pin\"><h3><code>{}</code></h3><ol>{items}</ol>{truncated}</section>", escape(pin))
        })
        .collect()
}

/// `GET /runs/{id}`.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let run = match runs::get(&state, &viewer.user.id, &id).await {
        Ok(run) => run,
        Err(error) => return error_page(&viewer, "/runs", &error),
    };
    let live = matches!(run.status, RunStatus::Queued | RunStatus::Running);
    let error = run.error.as_deref().map(|text| notice("error", text)).unwrap_or_default();
    let events = if live {
        let pins: Vec<&str> = if run.kind == RunKind::Graph {
            vec!["node.started", "node.output", "node.ended", "graph.output"]
        } else {
            state
                .registry()
                .by_id(&run.block_id)
                .and_then(|block| block.wire_output_schema()["properties"].as_object())
                .map(|pins| pins.keys().map(String::as_str).collect())
                .unwrap_or_default()
        };
        format!(
            "<section class=\"card\" aria-labelledby=\"live\"><h2 id=\"live\">Events</h2>\
             <ol class=\"outputs\" data-events=\"/runs/{}/events\" data-pins=\"{}\" aria-live=\"polite\"></ol></section>",
            segment(&run.id),
            escape(&pins.join(" "))
        )
    } else {
        String::new()
    };
    let stop = if live {
        format!(
            "<form method=\"post\" action=\"/runs/{}/stop\">{}<button type=\"submit\" class=\"danger\">Stop this run</button></form>",
            segment(&run.id),
            csrf_field(&viewer.csrf)
        )
    } else {
        String::new()
    };
    let (what, link, name) = if run.kind == RunKind::Graph {
        let name = graphs::get(state.storage().as_ref(), &viewer.user.id, &run.block_id, None)
            .await
            .map_or_else(|_| run.block_id.clone(), |graph| graph.name);
        ("Agent", format!("/agents/{}", segment(&run.block_id)), name)
    } else {
        let name = block_name(&state, &run).to_owned();
        ("Block", format!("/blocks/{}", segment(&name)), name)
    };
    let parent = run
        .parent_id
        .as_deref()
        .map(|parent| format!("<dt>Part of</dt><dd><a href=\"/runs/{0}\">run {0}</a></dd>", segment(parent)))
        .unwrap_or_default();
    let started = run.started_at.map_or_else(|| "—".to_owned(), time_ms);
    let finished = run.finished_at.map_or_else(|| "—".to_owned(), time_ms);
    let body = format!(
        "{error}<dl class=\"facts\"><dt>{what}</dt><dd><a href=\"{link}\">{name}</a></dd>{parent}\
         <dt>Status</dt><dd>{status}</dd><dt>Cost</dt><dd>{charged} credit(s)</dd>\
         <dt>Created</dt><dd>{created}</dd><dt>Started</dt><dd>{started}</dd><dt>Finished</dt><dd>{finished}</dd>\
         <dt>Time</dt><dd>{took}</dd><dt>Source</dt><dd>{source}</dd><dt>Id</dt><dd><code>{id}</code></dd></dl>\
         {stop}{events}<div class=\"columns\"><section class=\"card\" aria-labelledby=\"in\"><h2 id=\"in\">Input</h2>{input}</section>\
         <section class=\"card\" aria-labelledby=\"out\"><h2 id=\"out\">Outputs</h2>{outputs}</section></div>",
        name = escape(&name),
        status = status_badge(run.status),
        charged = run.charged,
        created = time_ms(run.created_at),
        took = duration(&run),
        source = escape(run.source.as_str()),
        id = escape(&run.id),
        input = json_block(&run.input),
        outputs = outputs_of(&run),
    );
    let title = if run.kind == RunKind::Graph { format!("Run of agent {name}") } else { format!("Run of {name}") };
    page(StatusCode::OK, &shell(&viewer, "/runs"), &title, &body)
}

/// `GET /runs/{id}/events`: the run's events as Server-Sent Events, until it ends.
pub async fn events(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    if let Err(error) = runs::get(&state, &viewer.user.id, &id).await {
        return (status_of(error.refusal()), error.message().to_owned()).into_response();
    }
    let events = runs::follow(state, id, 0).map(|event| {
        Ok::<_, Infallible>(match event {
            Ok(event) => Event::default().id(event.seq.to_string()).event(event.name).data(event.data.to_string()),
            Err(error) => Event::default().event("failure").data(error.message()),
        })
    });
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}

/// A form carrying only the anti-forgery value.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /runs/{id}/stop`: stops a queued or running run, then shows it.
pub async fn stop(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match runs::stop(&state, &viewer.user.id, &id).await {
        Ok(run) => Redirect::to(&format!("/runs/{}", segment(&run.id))).into_response(),
        Err(error) => error_page(&viewer, "/runs", &error),
    }
}
