//! API keys (create with scopes, the key shown once; revoke) and credits (the
//! balance and the ledger).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use block_core::ExposeSecret;

use super::html::{csrf_field, escape, notice, page, segment};
use super::{Viewer, error_page, forbidden, shell};
use crate::domain::{KeyStatus, Scope};
use crate::services::{AppState, accounts};

/// Ledger rows shown.
const LEDGER_ROWS: u32 = 100;

/// A form carrying only the anti-forgery value.
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `GET /keys`.
pub async fn index(State(state): State<AppState>, viewer: Viewer) -> Response {
    render(&state, &viewer, "", StatusCode::OK).await
}

async fn render(state: &AppState, viewer: &Viewer, top: &str, status: StatusCode) -> Response {
    let keys = match accounts::api_keys(state, &viewer.user.id).await {
        Ok(keys) => keys,
        Err(error) => return error_page(viewer, "/keys", &error),
    };
    let rows: String = keys
        .iter()
        .map(|key| {
            let scopes: Vec<&str> = key.scopes.iter().map(|scope| scope.as_str()).collect();
            let scopes = if key.scopes.len() == Scope::ALL.len() { "all".to_owned() } else { scopes.join(", ") };
            let action = if key.status == KeyStatus::Revoked {
                String::new()
            } else {
                format!(
                    "<form method=\"post\" action=\"/keys/{}/revoke\" data-confirm=\"Revoke this key? It stops working at once.\">{}\
                     <button type=\"submit\" class=\"danger\">Revoke<span class=\"sr\"> {}</span></button></form>",
                    segment(&key.id),
                    csrf_field(&viewer.csrf),
                    escape(&key.name)
                )
            };
            let used = key.last_used_at.map_or_else(|| "never".to_owned(), |at| super::html::time_ms(at.saturating_mul(1000)));
            format!(
                "<tr><td data-label=\"Name\">{}</td><td data-label=\"Key\"><code>{}</code></td><td data-label=\"Status\"><span class=\"status {status}\">{status}</span></td><td data-label=\"Scopes\">{}</td>\
                 <td data-label=\"Last used\">{used}</td><td data-label=\"Actions\">{action}</td></tr>",
                escape(&key.name),
                escape(&key.hint),
                escape(&scopes),
                status = key.status.as_str(),
            )
        })
        .collect();
    let checkboxes: String = Scope::ALL
        .iter()
        .map(|scope| {
            format!(
                "<li><input type=\"checkbox\" id=\"scope-{0}\" name=\"scope\" value=\"{0}\">\
                 <label for=\"scope-{0}\"><code>{0}</code> {1}</label></li>",
                scope.as_str(),
                escape(scope.description())
            )
        })
        .collect();
    let body = format!(
        "{top}<section aria-labelledby=\"yours\"><h2 id=\"yours\">Your keys</h2><div class=\"scroll\"><table class=\"stack\"><thead><tr>\
         <th scope=\"col\">Name</th><th scope=\"col\">Key</th><th scope=\"col\">Status</th><th scope=\"col\">Scopes</th>\
         <th scope=\"col\">Last used</th><th scope=\"col\">Actions</th></tr></thead><tbody>{rows}</tbody></table></div></section>\
         <section aria-labelledby=\"new\" class=\"card narrow\"><h2 id=\"new\">New key</h2><form method=\"post\" action=\"/keys\">{}\
         <label for=\"k-name\">Name</label><input id=\"k-name\" name=\"name\" type=\"text\" required maxlength=\"100\">\
         <fieldset><legend>Scopes</legend><ul class=\"checks\">{checkboxes}</ul></fieldset>\
         <button type=\"submit\">Create key</button></form></section>",
        csrf_field(&viewer.csrf)
    );
    page(status, &shell(viewer, "/keys"), "API keys", &body)
}

/// `POST /keys`: creates a key and shows it, once.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    if !viewer.csrf_ok(value("csrf")) {
        return forbidden(&viewer);
    }
    let mut scopes = Vec::new();
    for (_, name) in pairs.iter().filter(|(key, _)| key == "scope") {
        match Scope::ALL.iter().find(|scope| scope.as_str() == name) {
            Some(scope) => scopes.push(*scope),
            None => {
                let top = notice("error", &format!("There is no scope “{name}”."));
                return render(&state, &viewer, &top, StatusCode::UNPROCESSABLE_ENTITY).await;
            }
        }
    }
    match accounts::new_api_key(&state, &viewer.user.id, value("name").unwrap_or_default(), scopes).await {
        Ok((generated, record)) => {
            let top = format!(
                "<section class=\"notice ok shown-once\" role=\"status\"><p>Created the key “{}”. Copy it now: it is \
                 shown only this once.</p><p><label for=\"new-key\">Your new key</label>\
                 <input id=\"new-key\" type=\"text\" readonly value=\"{}\" data-select></p></section>",
                escape(&record.name),
                escape(generated.key.expose_secret())
            );
            render(&state, &viewer, &top, StatusCode::CREATED).await
        }
        Err(error) => {
            render(&state, &viewer, &notice("error", error.message()), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// `POST /keys/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    match accounts::revoke_api_key(&state, &viewer.user.id, &id).await {
        Ok(()) => Redirect::to("/keys").into_response(),
        Err(error) => error_page(&viewer, "/keys", &error),
    }
}

/// `GET /credits`: the balance and the ledger.
pub async fn credits(State(state): State<AppState>, viewer: Viewer) -> Response {
    let (balance, ledger) = match accounts::credits(&state, &viewer.user.id, LEDGER_ROWS).await {
        Ok(found) => found,
        Err(error) => return error_page(&viewer, "/credits", &error),
    };
    let rows: String = ledger
        .iter()
        .map(|entry| {
            let run = entry
                .execution_id
                .as_deref()
                .map(|id| format!("<a href=\"/runs/{}\">run</a>", segment(id)))
                .unwrap_or_default();
            format!(
                "<tr><td data-label=\"When\">{}</td><td data-label=\"Change\" class=\"num\">{:+}</td><td data-label=\"Balance after\" class=\"num\">{}</td><td data-label=\"Why\">{}</td><td data-label=\"Run\">{run}</td></tr>",
                super::html::time_ms(entry.created_at.saturating_mul(1000)),
                entry.amount,
                entry.balance_after,
                escape(&entry.reason)
            )
        })
        .collect();
    let body = format!(
        "<p class=\"balance\"><span>Balance</span> <strong>{balance}</strong> credits</p>\
         <section aria-labelledby=\"ledger\"><h2 id=\"ledger\">Ledger</h2><div class=\"scroll\"><table class=\"stack\"><thead><tr>\
         <th scope=\"col\">When</th><th scope=\"col\">Change</th><th scope=\"col\">Balance after</th>\
         <th scope=\"col\">Why</th><th scope=\"col\">Run</th></tr></thead><tbody>{rows}</tbody></table></div></section>"
    );
    page(StatusCode::OK, &shell(&viewer, "/credits"), "Credits", &body)
}
