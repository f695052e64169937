//! An agent's page: its diagram, the form that runs it (generated from the
//! graph's input schema, with a picker per credentials input), the run's
//! progress drawn live on the diagram node by node (the script follows the
//! run's events), and its export and deletion.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::diagram;
use super::form::{self, FormOf, Problems};
use super::html::{csrf_field, escape, notice, page, segment};
use super::plan_forms::{INPUT_IDS, PlanSent, ScheduleOf, schedule_form};
use super::{Viewer, error_page, forbidden, shell};
use crate::domain::{MissedFires, RunSource, StoredGraph};
use crate::services::graph_triggers;
use crate::services::graphs::{self, GraphRunRequest};
use crate::services::schedules::{self, NewGraphSchedule};
use crate::services::{AppState, credentials};

/// The ids and names of the credentials pickers (apart from the inputs').
const CREDENTIALS: (&str, &str) = ("cred-", "credentials.");

/// The ids of the schedule form's credentials pickers.
const PLAN_CREDENTIALS: &str = "plan-cred-";

/// The schedule form's own fields.
const SCHEDULE_SETTINGS: &[&str] = &["name", "cron", "timezone", "missed"];

/// The page's query: a run to follow, or what the last action did.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    run: Option<String>,
    imported: Option<String>,
}

/// What the run form shows: the values last sent and their problems.
#[derive(Debug, Default)]
struct Sent {
    inputs: Value,
    credentials: Value,
    problems: Problems,
    credential_problems: Problems,
    general: Vec<String>,
    /// The schedule form as sent (its credentials' problems among its input's).
    plan: PlanSent,
    plan_general: Vec<String>,
}

/// `GET /agents/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Response {
    let graph = match graphs::get(state.storage().as_ref(), &viewer.user.id, &id, None).await {
        Ok(graph) => graph,
        Err(error) => return error_page(&viewer, "/agents", &error),
    };
    let mut top = String::new();
    if query.imported.is_some() {
        top.push_str(&notice("ok", &format!("Imported “{}”.", graph.name)));
    }
    render(&state, &viewer, &graph, &top, query.run.as_deref(), &Sent::default(), StatusCode::OK).await
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    graph: &StoredGraph,
    top: &str,
    run: Option<&str>,
    sent: &Sent,
    status: StatusCode,
) -> Response {
    let listed = credentials::list(state, &viewer.user.id).await.unwrap_or_default();
    let id = segment(&graph.id);
    let svg = diagram::render(&graph.graph, state.registry(), &Default::default());
    let nodes: String = graph
        .graph
        .nodes
        .iter()
        .map(|node| {
            let (block, role) = diagram::title_of(node, state.registry());
            let role = role.map(|role| format!(" · {}", escape(&role))).unwrap_or_default();
            format!(
                "<li data-node=\"{}\"><span class=\"status idle\" data-node-status>waiting</span> {}{role} \
                 <span class=\"meta\" data-node-count></span></li>",
                escape(&node.id),
                escape(&block)
            )
        })
        .collect();
    let input_schema = graph.graph.input_schema();
    let credentials_schema = graph.graph.credentials_input_schema(state.registry());
    let inputs = form::render(FormOf::schema(&input_schema), &listed, &sent.inputs, &sent.problems);
    let pickers = form::render(
        FormOf::schema(&credentials_schema).ids(CREDENTIALS.0).names(CREDENTIALS.1),
        &listed,
        &sent.credentials,
        &sent.credential_problems,
    );
    let pickers = if pickers.is_empty() {
        String::new()
    } else {
        format!("<fieldset><legend>Credentials its nodes use</legend>{pickers}</fieldset>")
    };
    let none =
        if inputs.is_empty() && pickers.is_empty() { "<p class=\"help\">This agent takes no inputs.</p>" } else { "" };
    let general: String = sent.general.iter().map(|text| notice("error", text)).collect();
    let progress = match run {
        Some(run) => format!(
            "<section class=\"card\" aria-labelledby=\"this-run\" data-run-events=\"/runs/{run}/events\">\
             <h2 id=\"this-run\">This run</h2><p class=\"run-status\" role=\"status\" data-run-status>Waiting for the run to start… \
             </p><p><a href=\"/runs/{run}\">Open the run's record</a></p>\
             <h3>Outputs</h3><ol class=\"outputs\" data-graph-outputs></ol></section>",
            run = segment(run)
        ),
        None => String::new(),
    };
    let plan_fields = format!(
        "{}{}",
        form::render(FormOf::schema(&input_schema).ids(INPUT_IDS), &listed, &sent.plan.input, &sent.plan.problems),
        form::render(
            FormOf::schema(&credentials_schema).ids(PLAN_CREDENTIALS).names(CREDENTIALS.1),
            &listed,
            &sent.credentials,
            &sent.plan.problems,
        )
    );
    let action = format!("/agents/{id}/schedule");
    let plan = schedule_form(
        viewer,
        &sent.plan,
        &sent.plan_general,
        ScheduleOf { what: "agent", action: &action, name: &graph.name },
        &plan_fields,
    );
    let active = if graph.is_active() { " (active)" } else { "" };
    let body = format!(
        "{top}<p class=\"lead\">{description}</p>\
         <p class=\"meta\">Version {version}{active} of {latest} · {count} nodes, {links} links · \
         <a href=\"/agents/{id}/export\" download>Export JSON</a></p>\
         {progress}\
         <section aria-labelledby=\"diagram\" class=\"card\"><h2 id=\"diagram\">Diagram</h2>\
         <div class=\"scroll diagram-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Diagram of {name}\">{svg}</div>\
         <h3>Nodes</h3><ol class=\"node-list\" data-node-list>{nodes}</ol></section>\
         <div class=\"columns\"><div><section aria-labelledby=\"run\" class=\"card\"><h2 id=\"run\">Run it</h2>\
         <form method=\"post\" action=\"/agents/{id}/run\" novalidate data-fields>{csrf}\
         <div class=\"general-errors\" role=\"alert\">{general}</div>{none}{inputs}{pickers}\
         <button type=\"submit\">Run agent</button></form></section>{plan}</div>\
         <section aria-labelledby=\"manage\" class=\"card\"><h2 id=\"manage\">Manage</h2>\
         <p><a href=\"/runs?block={id}\">Its runs</a></p>\
         <form method=\"post\" action=\"/agents/{id}/delete\" data-confirm=\"Delete this agent and every version?\">{csrf}\
         <button type=\"submit\" class=\"danger\">Delete agent</button></form></section></div>",
        description = escape(&graph.description),
        version = graph.version,
        latest = graph.latest_version,
        count = graph.graph.nodes.len(),
        links = graph.graph.links.len(),
        name = escape(&graph.name),
        csrf = csrf_field(&viewer.csrf),
    );
    page(status, &shell(viewer, "/agents"), &graph.name, &body)
}

/// `POST /agents/{id}/run`: queues a run and follows it on the page.
pub async fn run(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = pairs.iter().find(|(key, _)| key == "csrf").map(|(_, value)| value.as_str());
    if !viewer.csrf_ok(csrf) {
        return forbidden(&viewer);
    }
    let graph = match graphs::get(state.storage().as_ref(), &viewer.user.id, &id, None).await {
        Ok(graph) => graph,
        Err(error) => return error_page(&viewer, "/agents", &error),
    };
    let listed = credentials::list(&state, &viewer.user.id).await.unwrap_or_default();
    let input_schema = graph.graph.input_schema();
    let credentials_schema = graph.graph.credentials_input_schema(state.registry());
    let inputs_form = FormOf::schema(&input_schema);
    let credentials_form = FormOf::schema(&credentials_schema).ids(CREDENTIALS.0).names(CREDENTIALS.1);
    let (inputs, problems) = form::read(inputs_form, &listed, &pairs);
    let (chosen, credential_problems) = form::read(credentials_form, &listed, &pairs);
    let mut sent = Sent { inputs, credentials: chosen, problems, credential_problems, ..Sent::default() };
    if !sent.problems.is_empty() || !sent.credential_problems.is_empty() {
        return render(&state, &viewer, &graph, "", None, &sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let object = |value: &Value| value.as_object().cloned().unwrap_or_else(Map::new);
    let mut request = GraphRunRequest::new(&viewer.user.id, &graph.id, object(&sent.inputs), RunSource::Api);
    request.version = Some(graph.version);
    request.credentials_inputs = object(&sent.credentials);
    match graphs::start_run(&state, request).await {
        Ok(run) => Redirect::to(&format!("/agents/{}?run={}", segment(&graph.id), segment(&run.id))).into_response(),
        Err(error) => {
            for problem in error.details()["problems"].as_array().into_iter().flatten() {
                let path = problem["path"].as_str().unwrap_or_default();
                let message = problem["message"].as_str().unwrap_or("is not valid").to_owned();
                if let Some(name) = path.strip_prefix("/node_input/").filter(|name| !name.contains('/')) {
                    sent.problems.entry(name.to_owned()).or_default().push(message);
                } else if let Some(key) = path.strip_prefix("/credentials_inputs/").filter(|key| !key.contains('/')) {
                    sent.credential_problems.entry(key.to_owned()).or_default().push(message);
                } else {
                    sent.general.push(message);
                }
            }
            if sent.problems.is_empty() && sent.credential_problems.is_empty() && sent.general.is_empty() {
                sent.general.push(error.message().to_owned());
            }
            let status = super::status_of(error.refusal());
            render(&state, &viewer, &graph, "", None, &sent, status).await
        }
    }
}

/// `GET /agents/{id}/export`: the agent's JSON, as a file.
pub async fn export(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let graph = match graphs::get(state.storage().as_ref(), &viewer.user.id, &id, None).await {
        Ok(graph) => graph,
        Err(error) => return error_page(&viewer, "/agents", &error),
    };
    let mut exported = graph.graph.clone();
    exported.id = graph.id.clone();
    exported.version = graph.version;
    exported.is_active = graph.is_active();
    exported.name = graph.name.clone();
    exported.description = graph.description.clone();
    let text = serde_json::to_string_pretty(&exported).unwrap_or_default();
    let file: String =
        graph.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).take(60).collect();
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.json\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A form carrying only the anti-forgery value.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /agents/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match graph_triggers::delete_graph(&state, &viewer.user.id, &id).await {
        Ok(()) => Redirect::to("/agents?deleted=1").into_response(),
        Err(error) => error_page(&viewer, "/agents", &error),
    }
}

/// `POST /agents/{id}/schedule`: schedules the agent with the inputs of its form.
pub async fn schedule(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| pairs.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.trim());
    if !viewer.csrf_ok(value("csrf")) {
        return forbidden(&viewer);
    }
    let graph = match graphs::get(state.storage().as_ref(), &viewer.user.id, &id, None).await {
        Ok(graph) => graph,
        Err(error) => return error_page(&viewer, "/agents", &error),
    };
    let listed = credentials::list(&state, &viewer.user.id).await.unwrap_or_default();
    let input_schema = graph.graph.input_schema();
    let credentials_schema = graph.graph.credentials_input_schema(state.registry());
    let (input, mut problems) = form::read(FormOf::schema(&input_schema).ids(INPUT_IDS), &listed, &pairs);
    let credentials_form = FormOf::schema(&credentials_schema).ids(PLAN_CREDENTIALS).names(CREDENTIALS.1);
    let (chosen, credential_problems) = form::read(credentials_form, &listed, &pairs);
    problems.extend(credential_problems);
    let settings = pairs
        .iter()
        .filter(|(key, _)| SCHEDULE_SETTINGS.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let mut sent = Sent {
        credentials: chosen.clone(),
        plan: PlanSent { input: input.clone(), problems, settings, setting_problems: Problems::new() },
        ..Sent::default()
    };
    let Some(missed) = MissedFires::parse(value("missed").unwrap_or("skip")) else {
        sent.plan.setting_problems.entry("missed".into()).or_default().push("Choose skip or run once.".into());
        return render(&state, &viewer, &graph, "", None, &sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !sent.plan.problems.is_empty() {
        return render(&state, &viewer, &graph, "", None, &sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let text = |name: &str| value(name).filter(|text| !text.is_empty()).map(str::to_owned);
    let object = |value: &Value| value.as_object().cloned().unwrap_or_else(Map::new);
    let new = NewGraphSchedule {
        graph_id: graph.id.clone(),
        graph_version: None,
        node_input: object(&input),
        credentials_inputs: object(&chosen),
        cron: value("cron").unwrap_or_default().to_owned(),
        timezone: text("timezone"),
        missed,
        name: text("name"),
    };
    match schedules::create_for_graph(state.storage().as_ref(), state.registry(), state.cipher(), &viewer.user, new)
        .await
    {
        Ok(view) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("created", &view.schedule.name)
                .finish();
            Redirect::to(&format!("/schedules?{query}")).into_response()
        }
        Err(error) => {
            for problem in error.details()["problems"].as_array().into_iter().flatten() {
                let path = problem["path"].as_str().unwrap_or_default();
                let message = problem["message"].as_str().unwrap_or("is not valid").to_owned();
                let field = path
                    .strip_prefix("/input/")
                    .or_else(|| path.strip_prefix("/credentials_inputs/"))
                    .filter(|name| !name.contains('/'));
                match (field, path.trim_start_matches('/')) {
                    (Some(name), _) => sent.plan.problems.entry(name.to_owned()).or_default().push(message),
                    (None, own) if SCHEDULE_SETTINGS.contains(&own) => {
                        sent.plan.setting_problems.entry(own.to_owned()).or_default().push(message)
                    }
                    _ => sent.plan_general.push(message),
                }
            }
            if sent.plan.problems.is_empty() && sent.plan.setting_problems.is_empty() && sent.plan_general.is_empty() {
                sent.plan_general.push(error.message().to_owned());
            }
            let status = super::status_of(error.refusal());
            render(&state, &viewer, &graph, "", None, &sent, status).await
        }
    }
}
