//! The catalogue: providers (icon, display name, auth kinds, whether the user
//! has credentials for them) and blocks grouped by category, searchable by name
//! and description.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use block_core::RegisteredBlock;
use serde::Deserialize;

use super::html::{escape, icon, page, segment};
use super::{Viewer, error_page, shell};
use crate::services::AppState;
use crate::services::credentials;

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

pub(super) fn categories(block: &RegisteredBlock) -> Vec<String> {
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
