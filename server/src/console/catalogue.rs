//! The catalogue: providers (icon, display name, auth kinds, whether the user
//! has credentials for them) and blocks grouped by category, searchable by name
//! and description; and each block's page: its description, inputs, output pins
//! and the "try it" form.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use block_core::RegisteredBlock;
use serde::Deserialize;
use serde_json::Value;

use super::form::{self, Problems};
use super::html::{csrf_field, escape, icon, notice, page, segment};
use super::{Viewer, error_page, shell};
use crate::services::credentials::{self, ListedCredentials};
use crate::services::{AppState, ServiceError, runs};

/// The catalogue's query.
#[derive(Debug, Deserialize)]
pub struct CatalogueQuery {
    q: Option<String>,
}

fn matches(block: &RegisteredBlock, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty()
        || block.name().to_lowercase().contains(&query)
        || block.info()["description"].as_str().is_some_and(|text| text.to_lowercase().contains(&query))
}

fn categories(block: &RegisteredBlock) -> Vec<String> {
    block.info()["categories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|category| category["category"].as_str().map(str::to_owned))
        .collect()
}

/// `GET /`: providers and blocks.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<CatalogueQuery>) -> Response {
    let listed = match credentials::list(&state, &viewer.user.id).await {
        Ok(listed) => listed,
        Err(error) => return error_page(&viewer, "/", &error),
    };
    let q = query.q.unwrap_or_default();
    let mut providers = String::new();
    for provider in state.registry().providers() {
        let kinds: Vec<&str> = provider.credential_types().iter().map(|kind| kind.as_str()).collect();
        let has = listed.iter().any(|listed| listed.meta.provider == provider.name);
        let status = if has {
            "<span class=\"badge ok\">credentials stored</span>"
        } else {
            "<span class=\"badge\">no credentials</span>"
        };
        providers.push_str(&format!(
            "<li class=\"provider\">{}<span class=\"pname\">{}</span> {status}<span class=\"kinds\">{}</span>\
             <a href=\"/credentials?provider={}#add\">Manage<span class=\"sr\"> {} credentials</span></a></li>",
            icon(provider.icon.unwrap_or(block_core::provider::FALLBACK_ICON), ""),
            escape(provider.display_name),
            escape(&kinds.join(", ")),
            segment(provider.name),
            escape(provider.display_name),
        ));
    }
    let mut groups: BTreeMap<String, Vec<&RegisteredBlock>> = BTreeMap::new();
    for block in state.registry().blocks().filter(|block| !block.descriptor().disabled) {
        for category in categories(block) {
            groups.entry(category).or_default().push(block);
        }
    }
    let mut sections = String::new();
    let mut shown = 0;
    for (category, blocks) in &groups {
        let items: String = blocks
            .iter()
            .filter(|block| matches(block, &q))
            .map(|block| {
                shown += 1;
                let description = block.info()["description"].as_str().unwrap_or_default();
                format!(
                    "<li class=\"block\" data-search=\"{}\"><a href=\"/blocks/{}\">{}</a><p>{}</p></li>",
                    escape(&format!("{} {}", block.name(), description).to_lowercase()),
                    segment(block.name()),
                    escape(block.name()),
                    escape(description)
                )
            })
            .collect();
        let hidden = if items.is_empty() { " hidden" } else { "" };
        sections.push_str(&format!(
            "<section class=\"category\" data-category{hidden}><h3>{}</h3><ul class=\"blocks\">{items}</ul></section>",
            escape(category)
        ));
    }
    let none = if shown == 0 { "" } else { " hidden" };
    let body = format!(
        "<section aria-labelledby=\"providers\"><h2 id=\"providers\">Providers</h2><ul class=\"providers\">{providers}</ul></section>\
         <section aria-labelledby=\"blocks\"><h2 id=\"blocks\">Blocks</h2>\
         <form class=\"search\" role=\"search\" method=\"get\" action=\"/\"><label for=\"q\">Search blocks</label>\
         <input id=\"q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"Name or description\" data-filter=\"blocks\">\
         <button type=\"submit\">Search</button></form>\
         <p class=\"empty\" id=\"no-blocks\" role=\"status\"{none}>No block matches.</p>{sections}</section>",
        escape(&q)
    );
    page(StatusCode::OK, &shell(&viewer, "/"), "Catalogue", &body)
}

/// `GET /blocks/{id}`: a block's page with its form.
pub async fn block(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    match runs::runnable_block(&state, &id) {
        Ok(block) => block_page(&state, &viewer, block, &Value::Null, &Problems::new(), None, StatusCode::OK).await,
        Err(error) => error_page(&viewer, "/", &error),
    }
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
    format!("<ul class=\"pins\">{items}</ul>")
}

/// The block's page: its description, inputs, pins and the form (filled with
/// `values` and showing `problems` at their fields after a refused run).
pub async fn block_page(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    values: &Value,
    problems: &Problems,
    refusal: Option<&ServiceError>,
    status: StatusCode,
) -> Response {
    let listed: Vec<ListedCredentials> = credentials::list(state, &viewer.user.id).await.unwrap_or_default();
    let fields = form::render(block, &listed, values, problems);
    let mut top = String::new();
    if let Some(refusal) = refusal {
        top.push_str(&notice("error", refusal.message()));
    }
    let general: String = problems.get("").into_iter().flatten().map(|text| notice("error", text)).collect();
    let costs = costs_of(block);
    let body = format!(
        "{top}<p class=\"lead\">{description}</p><p class=\"meta\">Categories: {categories} · Cost: {costs} · \
         <a href=\"/schedules?block={seg}\">Schedule this block</a> · <a href=\"/runs?block={seg}\">Its runs</a></p>\
         <div class=\"columns\"><section aria-labelledby=\"try\" class=\"card\"><h2 id=\"try\">Try it</h2>\
         <form class=\"try\" method=\"post\" action=\"/blocks/{seg}/run\" novalidate data-run>{csrf}\
         <div class=\"general-errors\" role=\"alert\">{general}</div>{fields}\
         <button type=\"submit\">Run</button></form>\
         <section class=\"results\" aria-live=\"polite\" aria-labelledby=\"results-title\" hidden>\
         <h3 id=\"results-title\">Outputs</h3><p class=\"run-status\"></p><ol class=\"outputs\"></ol></section></section>\
         <div><section aria-labelledby=\"inputs\" class=\"card\"><h2 id=\"inputs\">Inputs</h2>{inputs}</section>\
         <section aria-labelledby=\"pins\" class=\"card\"><h2 id=\"pins\">Output pins</h2><ul class=\"pins\">{pins}</ul></section>\
         </div></div>",
        description = escape(block.info()["description"].as_str().unwrap_or_default()),
        categories = escape(&categories(block).join(", ")),
        seg = segment(block.name()),
        csrf = csrf_field(&viewer.csrf),
        inputs = inputs_of(block),
        pins = pins_of(block),
    );
    page(status, &shell(viewer, "/"), block.name(), &body)
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
