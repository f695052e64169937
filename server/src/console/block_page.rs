//! A block's page: its description, inputs and output pins, the "try it"
//! form, and the form that schedules it (or, for a trigger, subscribes it).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use block_core::RegisteredBlock;
use serde_json::Value;

use super::catalogue::categories;
use super::form::{self, FormOf, Problems};
use super::html::{csrf_field, escape, notice, page, segment};
use super::plan_forms::{self, PlanSent};
use super::{Viewer, error_page, shell};
use crate::services::credentials::{self, ListedCredentials};
use crate::services::{AppState, runs};

/// What the page's forms show: the values last sent and what was wrong with them.
#[derive(Debug, Default)]
pub struct Filled {
    /// The try-it form's values.
    pub values: Value,
    /// The try-it form's problems by field (`""` for the input as a whole).
    pub problems: Problems,
    /// Why the last run or plan was refused, shown above the page.
    pub refusal: Option<String>,
    /// The schedule or subscribe form as sent, when it was refused.
    pub plan: Option<PlanSent>,
}

/// `GET /blocks/{id}`: a block's page with its forms.
pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match runs::runnable_block(&state, &id) {
        Ok(block) => render(&state, &viewer, block, &Filled::default(), StatusCode::OK).await,
        Err(error) => error_page(&viewer, "/", &error),
    }
}

/// Whether deliveries or polls start the block, rather than a person.
pub fn is_trigger(block: &RegisteredBlock) -> bool {
    block.descriptor().trigger.is_some() || block.descriptor().poll.is_some()
}

/// The block's page, its forms filled as `filled` says.
pub async fn render(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    filled: &Filled,
    status: StatusCode,
) -> Response {
    let listed: Vec<ListedCredentials> = credentials::list(state, &viewer.user.id).await.unwrap_or_default();
    let top = filled.refusal.as_deref().map(|text| notice("error", text)).unwrap_or_default();
    let seg = segment(block.name());
    let plan = plan_forms::render(state, viewer, block, &listed, filled.plan.as_ref());
    let main = if is_trigger(block) {
        plan
    } else {
        let general: String = filled.problems.get("").into_iter().flatten().map(|text| notice("error", text)).collect();
        let fields = form::render(FormOf::block(block), &listed, &filled.values, &filled.problems);
        format!(
            "<section aria-labelledby=\"try\" class=\"card\"><h2 id=\"try\">Try it</h2>\
             <form class=\"try\" method=\"post\" action=\"/blocks/{seg}/run\" novalidate data-run data-fields>{csrf}\
             <div class=\"general-errors\" role=\"alert\">{general}</div>{fields}\
             <button type=\"submit\">Run</button></form>\
             <section class=\"results\" aria-live=\"polite\" aria-labelledby=\"results-title\" hidden>\
             <h3 id=\"results-title\">Outputs</h3><p class=\"run-status\"></p><ol class=\"outputs\"></ol></section></section>{plan}",
            csrf = csrf_field(&viewer.csrf),
        )
    };
    let body = format!(
        "{top}<p class=\"lead\">{description}</p><p class=\"meta\">Categories: {categories} · Cost: {costs} · \
         <a href=\"/runs?block={seg}\">Its runs</a></p>\
         <div class=\"columns\"><div>{main}</div>\
         <div><section aria-labelledby=\"inputs\" class=\"card\"><h2 id=\"inputs\">Inputs</h2>{inputs}</section>\
         <section aria-labelledby=\"pins\" class=\"card\"><h2 id=\"pins\">Output pins</h2><ul class=\"pins\">{pins}</ul></section>\
         </div></div>",
        description = escape(block.info()["description"].as_str().unwrap_or_default()),
        categories = escape(&categories(block).join(", ")),
        costs = costs_of(block),
        inputs = inputs_of(block),
        pins = pins_of(block),
    );
    page(status, &shell(viewer, "/"), block.name(), &body)
}

fn pins_of(block: &RegisteredBlock) -> String {
    let schema = block.wire_output_schema();
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, pin)| {
            format!(
                "<li><code>{}</code> <span class=\"type\">{}</span> {}</li>",
                escape(name),
                escape(form::type_of(pin)),
                escape(pin["description"].as_str().unwrap_or_default())
            )
        })
        .collect()
}

fn inputs_of(block: &RegisteredBlock) -> String {
    let schema = block.wire_input_schema();
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let items: String = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, field)| !field["hidden"].as_bool().unwrap_or(false))
        .map(|(name, field)| {
            let needed = if required.contains(&name.as_str()) { " <span class=\"badge\">required</span>" } else { "" };
            format!(
                "<li><code>{}</code> <span class=\"type\">{}</span>{needed} {}</li>",
                escape(name),
                escape(&kind_of(field)),
                escape(field["description"].as_str().unwrap_or_default())
            )
        })
        .collect();
    if items.is_empty() {
        let none = if is_trigger(block) { "None apart from what each event brings." } else { "None." };
        return format!("<p class=\"empty\">{none}</p>");
    }
    format!("<ul class=\"pins\">{items}</ul>")
}

/// The block's prices, in words.
fn costs_of(block: &RegisteredBlock) -> String {
    if block.costs().is_empty() {
        return "free".to_owned();
    }
    let rules: Vec<String> = block
        .costs()
        .iter()
        .map(|cost| {
            let only = match cost.filter {
                block_core::CostFilter::PlatformCredentials => " on platform credentials",
                block_core::CostFilter::Always => "",
            };
            format!("{} credit(s) per {}{only}", cost.amount, cost.unit.as_str())
        })
        .collect();
    escape(&rules.join(", "))
}

/// What a field takes, in words: credentials name their provider.
fn kind_of(field: &Value) -> String {
    match field["credentials_provider"].as_array() {
        Some(providers) => {
            let names: Vec<&str> = providers.iter().filter_map(Value::as_str).collect();
            format!("{} credentials", names.join(" or "))
        }
        None => form::type_of(field).to_owned(),
    }
}
