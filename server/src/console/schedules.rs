//! Schedules: list, create (here with the input as JSON, or from a block's
//! page with its generated form), delete.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::html::{csrf_field, escape, notice, page, segment, time_ms};
use super::{Viewer, error_page, forbidden, shell};
use crate::domain::{MissedFires, ScheduleTarget};
use crate::services::AppState;
use crate::services::schedules::{self, NewSchedule};

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    block: Option<String>,
    created: Option<String>,
    deleted: Option<String>,
}

/// The create form.
#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    csrf: Option<String>,
    block: String,
    name: Option<String>,
    cron: String,
    timezone: Option<String>,
    missed: Option<String>,
    input: Option<String>,
}

/// A form carrying only the anti-forgery value.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `GET /schedules`.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<PageQuery>) -> Response {
    let mut top = String::new();
    if let Some(name) = &query.created {
        top.push_str(&notice("ok", &format!("Created the schedule “{name}”.")));
    }
    if query.deleted.is_some() {
        top.push_str(&notice("ok", "Deleted the schedule; runs it already queued stay."));
    }
    let form = CreateForm { block: query.block.unwrap_or_default(), ..CreateForm::default() };
    render(&state, &viewer, &form, &top, &[], StatusCode::OK).await
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    form: &CreateForm,
    top: &str,
    problems: &[(String, String)],
    status: StatusCode,
) -> Response {
    let listed = match schedules::list(state.storage().as_ref(), state.registry(), &viewer.user.id).await {
        Ok(listed) => listed,
        Err(error) => return error_page(viewer, "/schedules", &error),
    };
    let rows: String = listed
        .iter()
        .map(|view| {
            let schedule = &view.schedule;
            let block = match &schedule.target {
                ScheduleTarget::Graph { .. } => {
                    format!("<a href=\"/agents/{}\">agent</a>", segment(schedule.target.id()))
                }
                _ => escape(
                    state.registry().by_id(schedule.target.id()).map_or(schedule.target.id(), |block| block.name()),
                ),
            };
            let next = view.next_fires.first().map_or_else(|| "—".to_owned(), |fire| time_ms(fire.unix_ms));
            let last = match (&schedule.last_run_id, schedule.last_fired_at) {
                (Some(run), Some(at)) => format!("<a href=\"/runs/{}\">{}</a>", segment(run), time_ms(at)),
                _ => "never".to_owned(),
            };
            format!(
                "<tr><td data-label=\"Name\">{}</td><td data-label=\"Block\">{}</td><td data-label=\"When\"><code>{}</code> ({})</td><td data-label=\"Next\">{next}</td><td data-label=\"Last run\">{last}</td><td data-label=\"Actions\">\
                 <form method=\"post\" action=\"/schedules/{}/delete\" data-confirm=\"Delete this schedule?\">{}\
                 <button type=\"submit\" class=\"danger\">Delete<span class=\"sr\"> {}</span></button></form></td></tr>",
                escape(&schedule.name),
                block,
                escape(&schedule.cron),
                escape(&schedule.timezone),
                segment(&schedule.id),
                csrf_field(&viewer.csrf),
                escape(&schedule.name)
            )
        })
        .collect();
    let table = if listed.is_empty() {
        "<p class=\"empty\">No schedules yet.</p>".to_owned()
    } else {
        format!(
            "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Block</th>\
             <th scope=\"col\">When</th><th scope=\"col\">Next</th><th scope=\"col\">Last run</th>\
             <th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let at = |field: &str| -> String {
        let found: String = problems
            .iter()
            .filter(|(path, _)| path == field || (field == "/input" && path.starts_with("/input")))
            .map(|(path, message)| format!("<span>{}</span>", escape(&format!("{path}: {message}"))))
            .collect();
        let hidden = if found.is_empty() { " hidden" } else { "" };
        format!("<p class=\"field-error\" role=\"alert\"{hidden}>{found}</p>")
    };
    let placeholder = if form.block.is_empty() { "<option value=\"\" selected>Choose a block</option>" } else { "" };
    let blocks: String = state
        .registry()
        .blocks()
        .filter(|block| !block.descriptor().disabled)
        .map(|block| {
            let selected = if block.name() == form.block || block.id() == form.block { " selected" } else { "" };
            format!("<option value=\"{0}\"{selected}>{0}</option>", escape(block.name()))
        })
        .collect();
    let missed = form.missed.as_deref().unwrap_or("skip");
    let option = |value: &str, label: &str| {
        let selected = if missed == value { " selected" } else { "" };
        format!("<option value=\"{value}\"{selected}>{label}</option>")
    };
    let body = format!(
        "{top}<section aria-labelledby=\"yours\"><h2 id=\"yours\">Your schedules</h2>{table}</section>\
         <section aria-labelledby=\"new\" class=\"card narrow\"><h2 id=\"new\">New schedule</h2>\
         <form method=\"post\" action=\"/schedules\">{csrf}\
         <label for=\"s-block\">Block</label><select id=\"s-block\" name=\"block\" required>{placeholder}{blocks}</select>{e_block}\
         <label for=\"s-name\">Name</label><input id=\"s-name\" name=\"name\" type=\"text\" value=\"{name}\" \
         placeholder=\"The block's name\">{e_name}\
         <label for=\"s-cron\">Cron pattern</label><input id=\"s-cron\" name=\"cron\" type=\"text\" required \
         value=\"{cron}\" placeholder=\"*/15 * * * *\" aria-describedby=\"s-cron-help\">\
         <p class=\"help\" id=\"s-cron-help\">Minute, hour, day of month, month, day of week.</p>{e_cron}\
         <label for=\"s-tz\">Time zone</label><input id=\"s-tz\" name=\"timezone\" type=\"text\" value=\"{tz}\">{e_tz}\
         <label for=\"s-missed\">Fire times missed while the server was down</label>\
         <select id=\"s-missed\" name=\"missed\">{skip}{once}</select>\
         <label for=\"s-input\">Input (JSON)</label><textarea id=\"s-input\" name=\"input\" rows=\"5\" class=\"code\" \
         spellcheck=\"false\">{input}</textarea>{e_input}<button type=\"submit\">Create schedule</button></form></section>",
        csrf = csrf_field(&viewer.csrf),
        name = escape(form.name.as_deref().unwrap_or("")),
        cron = escape(&form.cron),
        tz = escape(form.timezone.as_deref().unwrap_or(&viewer.user.timezone)),
        input = escape(form.input.as_deref().unwrap_or("{}")),
        skip = option("skip", "Skip them"),
        once = option("run_once", "Run once for all of them"),
        e_block = at("/block"),
        e_name = at("/name"),
        e_cron = at("/cron"),
        e_tz = at("/timezone"),
        e_input = at("/input"),
    );
    page(status, &shell(viewer, "/schedules"), "Schedules", &body)
}

/// `POST /schedules`.
pub async fn create(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CreateForm>) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    let refuse = async |problems: Vec<(String, String)>| {
        render(&state, &viewer, &form, "", &problems, StatusCode::UNPROCESSABLE_ENTITY).await
    };
    let text = form.input.as_deref().unwrap_or("").trim();
    let input: Value =
        match if text.is_empty() { Ok(Value::Object(Default::default())) } else { serde_json::from_str(text) } {
            Ok(input) => input,
            Err(error) => return refuse(vec![("/input".into(), format!("not valid JSON: {error}"))]).await,
        };
    let Some(missed) = MissedFires::parse(form.missed.as_deref().unwrap_or("skip")) else {
        return refuse(vec![("/missed".into(), "choose skip or run_once".into())]).await;
    };
    let new = NewSchedule {
        block: form.block.clone(),
        input,
        cron: form.cron.clone(),
        timezone: form.timezone.clone().filter(|zone| !zone.trim().is_empty()).map(|zone| zone.trim().to_owned()),
        missed,
        name: form.name.clone().filter(|name| !name.trim().is_empty()),
    };
    match schedules::create(state.storage().as_ref(), state.registry(), state.cipher(), &viewer.user, new).await {
        Ok(view) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("created", &view.schedule.name)
                .finish();
            Redirect::to(&format!("/schedules?{query}")).into_response()
        }
        Err(error) => {
            let mut problems: Vec<(String, String)> = error.details()["problems"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|problem| {
                    (
                        problem["path"].as_str().unwrap_or_default().to_owned(),
                        problem["message"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            if problems.is_empty() {
                problems.push(("/block".into(), error.message().to_owned()));
            }
            refuse(problems).await
        }
    }
}

/// `POST /schedules/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match schedules::delete(state.storage().as_ref(), &viewer.user.id, &id).await {
        Ok(()) => Redirect::to("/schedules?deleted=1").into_response(),
        Err(error) => error_page(&viewer, "/schedules", &error),
    }
}
