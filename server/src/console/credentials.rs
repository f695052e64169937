//! Credentials: the user's list (never a secret), forms to add an API key, a
//! user/password pair or host-scoped headers, connecting an OAuth provider (the
//! provider's consent page, then the callback here completing it), and deleting
//! (saying what deletion revoked).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use block_core::credentials::CredentialsType;
use block_core::provider::ProviderDescriptor;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::html::{csrf_field, escape, icon, notice, page, segment};
use super::{Viewer, error_page, forbidden, shell};
use crate::services::{AppState, ServiceError, credentials, provider_login};

/// The page's query: the provider to add credentials for, and what was just done.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    provider: Option<String>,
    added: Option<String>,
    deleted: Option<String>,
    revoked: Option<String>,
    webhooks: Option<usize>,
}

/// The add form.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    csrf: Option<String>,
    provider: String,
    #[serde(rename = "type")]
    kind: String,
    title: Option<String>,
    api_key: Option<String>,
    username: Option<String>,
    password: Option<String>,
    host: Option<String>,
    headers: Option<String>,
}

/// A form carrying only the anti-forgery value.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// The provider's answer at the callback.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /credentials`.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<PageQuery>) -> Response {
    let mut top = String::new();
    if let Some(title) = &query.added {
        top.push_str(&notice("ok", &format!("Added “{title}”.")));
    }
    if let Some(title) = &query.deleted {
        let revoked = match query.revoked.as_deref() {
            Some("yes") => "the provider revoked them",
            Some("no") => "the provider did not confirm revoking them",
            _ => "nothing to revoke at the provider",
        };
        let webhooks = query.webhooks.unwrap_or(0);
        top.push_str(&notice(
            "ok",
            &format!("Deleted “{title}”: {revoked}; {webhooks} webhook(s) registered with them removed."),
        ));
    }
    render(&state, &viewer, query.provider.as_deref(), &top, StatusCode::OK).await
}

async fn render(state: &AppState, viewer: &Viewer, provider: Option<&str>, top: &str, status: StatusCode) -> Response {
    let listed = match credentials::list(state, &viewer.user.id).await {
        Ok(listed) => listed,
        Err(error) => return error_page(viewer, "/credentials", &error),
    };
    let rows: String = listed
        .iter()
        .map(|listed| {
            let meta = &listed.meta;
            let detail = listed.username.as_deref().or(listed.host.as_deref()).unwrap_or("");
            let platform = state.credentials().is_platform(&meta.id);
            let action = if platform {
                "<span class=\"badge\">platform default</span>".to_owned()
            } else {
                format!(
                    "<form method=\"post\" action=\"/credentials/{}/{}/delete\" data-confirm=\"Delete these credentials?\">{}\
                     <button type=\"submit\" class=\"danger\">Delete<span class=\"sr\"> {}</span></button></form>",
                    segment(&meta.provider),
                    segment(&meta.id),
                    csrf_field(&viewer.csrf),
                    escape(meta.title.as_deref().unwrap_or(&meta.id))
                )
            };
            format!(
                "<tr><td data-label=\"Provider\">{}</td><td data-label=\"Title\">{}</td><td data-label=\"Type\">{}</td><td data-label=\"Account or host\">{}</td><td data-label=\"Actions\">{action}</td></tr>",
                escape(state.registry().provider(&meta.provider).map_or(meta.provider.as_str(), |p| p.display_name)),
                escape(meta.title.as_deref().unwrap_or("")),
                escape(meta.kind.as_str()),
                escape(detail)
            )
        })
        .collect();
    let table = if listed.is_empty() {
        "<p class=\"empty\">No credentials yet.</p>".to_owned()
    } else {
        format!(
            "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th scope=\"col\">Provider</th><th scope=\"col\">Title</th>\
             <th scope=\"col\">Type</th><th scope=\"col\">Account or host</th><th scope=\"col\">Actions</th></tr></thead>\
             <tbody>{rows}</tbody></table></div>"
        )
    };
    let chosen = provider.and_then(|name| state.registry().provider(name));
    let placeholder = if chosen.is_none() { "<option value=\"\" selected>Choose a provider</option>" } else { "" };
    let options: String = state
        .registry()
        .providers()
        .iter()
        .map(|p| {
            let selected = if chosen.is_some_and(|chosen| chosen.name == p.name) { " selected" } else { "" };
            format!("<option value=\"{}\"{selected}>{}</option>", escape(p.name), escape(p.display_name))
        })
        .collect();
    let forms = chosen.map(|provider| add_forms(provider, &viewer.csrf)).unwrap_or_default();
    let body = format!(
        "{top}<section aria-labelledby=\"yours\"><h2 id=\"yours\">Your credentials</h2>{table}</section>\
         <section aria-labelledby=\"add-h\" id=\"add\"><h2 id=\"add-h\">Add credentials</h2>\
         <form method=\"get\" action=\"/credentials#add\" class=\"inline\"><label for=\"provider\">Provider</label>\
         <select id=\"provider\" name=\"provider\" required>{placeholder}{options}</select>\
         <button type=\"submit\">Choose</button></form>{forms}</section>"
    );
    page(status, &shell(viewer, "/credentials"), "Credentials", &body)
}

fn add_forms(provider: &ProviderDescriptor, csrf: &str) -> String {
    let hidden =
        format!("{}<input type=\"hidden\" name=\"provider\" value=\"{}\">", csrf_field(csrf), escape(provider.name));
    let title = |kind: &str| {
        format!(
            "<label for=\"{kind}-title\">Title</label><input id=\"{kind}-title\" name=\"title\" type=\"text\" \
             placeholder=\"{} {}\">",
            escape(provider.display_name),
            kind.replace('_', " ")
        )
    };
    let mut html = format!(
        "<h3>{} {}</h3>",
        icon(provider.icon.unwrap_or(block_core::provider::FALLBACK_ICON), ""),
        escape(provider.display_name)
    );
    for kind in provider.credential_types() {
        html.push_str(&match kind {
            CredentialsType::ApiKey => format!(
                "<form method=\"post\" action=\"/credentials\" class=\"card narrow\"><h4>API key</h4>{hidden}\
                 <input type=\"hidden\" name=\"type\" value=\"api_key\">{}\
                 <label for=\"api_key\">API key</label><input id=\"api_key\" name=\"api_key\" type=\"password\" \
                 autocomplete=\"off\" required><button type=\"submit\">Add API key</button></form>",
                title("api_key")
            ),
            CredentialsType::UserPassword => format!(
                "<form method=\"post\" action=\"/credentials\" class=\"card narrow\"><h4>Username and password</h4>{hidden}\
                 <input type=\"hidden\" name=\"type\" value=\"user_password\">{}\
                 <label for=\"username\">Username</label><input id=\"username\" name=\"username\" type=\"text\" \
                 autocomplete=\"off\" required><label for=\"password\">Password</label><input id=\"password\" \
                 name=\"password\" type=\"password\" autocomplete=\"off\" required>\
                 <button type=\"submit\">Add username and password</button></form>",
                title("user_password")
            ),
            CredentialsType::HostScoped => format!(
                "<form method=\"post\" action=\"/credentials\" class=\"card narrow\"><h4>Headers for one host</h4>{hidden}\
                 <input type=\"hidden\" name=\"type\" value=\"host_scoped\">{}\
                 <label for=\"host\">Host</label><input id=\"host\" name=\"host\" type=\"text\" required \
                 placeholder=\"api.example.com or *.example.com\"><label for=\"headers\">Headers</label>\
                 <textarea id=\"headers\" name=\"headers\" rows=\"3\" required placeholder=\"Authorization: Bearer ...\" \
                 aria-describedby=\"headers-help\"></textarea><p class=\"help\" id=\"headers-help\">One header per line, \
                 as <code>Name: value</code>.</p><button type=\"submit\">Add headers</button></form>",
                title("host_scoped")
            ),
            CredentialsType::OAuth2 => format!(
                "<form method=\"post\" action=\"/credentials/{}/connect\" class=\"card narrow\"><h4>OAuth</h4>{}\
                 <p>Sign in at {} and allow access; you come back here when it is done.</p>\
                 <button type=\"submit\">Connect {}</button></form>",
                segment(provider.name),
                csrf_field(csrf),
                escape(provider.display_name),
                escape(provider.display_name)
            ),
        });
    }
    html
}

fn headers_of(text: &str) -> Result<Map<String, Value>, String> {
    let mut headers = Map::new();
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("Headers, line {}: write it as `Name: value`.", number + 1));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_".contains(&byte)) {
            return Err(format!("Headers, line {}: `{}` is not a header name.", number + 1, name));
        }
        headers.insert(name.to_owned(), Value::String(value.trim().to_owned()));
    }
    if headers.is_empty() {
        return Err("Headers: give at least one.".to_owned());
    }
    Ok(headers)
}

/// `POST /credentials`: adds credentials.
pub async fn add(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AddForm>) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    let refuse = |message: String| {
        let state = state.clone();
        let viewer = viewer.clone();
        let provider = form.provider.clone();
        async move {
            render(&state, &viewer, Some(&provider), &notice("error", &message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let provider = match credentials::provider(&state, &form.provider) {
        Ok(provider) => provider,
        Err(error) => return refuse(error.message().to_owned()).await,
    };
    let mut fields = Map::new();
    fields.insert("type".into(), Value::String(form.kind.clone()));
    if let Some(title) = form.title.filter(|title| !title.trim().is_empty()) {
        fields.insert("title".into(), Value::String(title.trim().to_owned()));
    }
    let text = |value: Option<String>| Value::String(value.unwrap_or_default());
    match form.kind.as_str() {
        "api_key" => {
            fields.insert("api_key".into(), text(form.api_key.map(|key| key.trim().to_owned())));
        }
        "user_password" => {
            fields.insert("username".into(), text(form.username));
            fields.insert("password".into(), text(form.password));
        }
        "host_scoped" => {
            fields.insert("host".into(), text(form.host.map(|host| host.trim().to_owned())));
            match headers_of(form.headers.as_deref().unwrap_or_default()) {
                Ok(headers) => fields.insert("headers".into(), Value::Object(headers)),
                Err(message) => return refuse(message).await,
            };
        }
        _ => {}
    }
    for (name, label) in [("api_key", "API key"), ("username", "Username"), ("password", "Password"), ("host", "Host")]
    {
        if fields.get(name).and_then(Value::as_str).is_some_and(|value| value.trim().is_empty()) {
            return refuse(format!("{label}: enter a value.")).await;
        }
    }
    match credentials::create(&state, &viewer.user.id, provider, fields).await {
        Ok(meta) => {
            let title = meta.title.unwrap_or(meta.id);
            let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("added", &title).finish();
            Redirect::to(&format!("/credentials?{query}")).into_response()
        }
        Err(error) => refuse(error.message().to_owned()).await,
    }
}

/// `POST /credentials/{provider}/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((provider, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    let listed = credentials::list(&state, &viewer.user.id).await.unwrap_or_default();
    let title = listed.iter().find(|listed| listed.meta.id == id).and_then(|listed| listed.meta.title.clone());
    let deleted = async {
        let provider = credentials::provider(&state, &provider)?;
        credentials::delete(&state, &viewer.user.id, provider, &id).await
    };
    match deleted.await {
        Ok(deleted) => {
            let revoked = match deleted.revoked {
                Some(true) => "yes",
                Some(false) => "no",
                None => "none",
            };
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("deleted", title.as_deref().unwrap_or(&id))
                .append_pair("revoked", revoked)
                .append_pair("webhooks", &deleted.webhooks_removed.to_string())
                .finish();
            Redirect::to(&format!("/credentials?{query}")).into_response()
        }
        Err(error) => error_page(&viewer, "/credentials", &error),
    }
}

fn callback_url(state: &AppState, provider: &str) -> String {
    format!("{}/credentials/{}/callback", state.settings().public_url, segment(provider))
}

/// `POST /credentials/{provider}/connect`: to the provider's consent page.
pub async fn connect(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(provider): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    let callback = callback_url(&state, &provider);
    match provider_login::initiate(&state, &viewer.user.id, &provider, &callback, Vec::new(), Map::new()).await {
        Ok(initiated) => Redirect::to(&initiated.login_url).into_response(),
        Err(error) => error_page(&viewer, "/credentials", &error),
    }
}

/// `GET /credentials/{provider}/callback`: completes the connection.
pub async fn callback(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Some(error) = query.error {
        let detail = query.error_description.unwrap_or(error);
        let refused = ServiceError::bad_request(
            "provider_refused",
            format!("The provider did not connect the account: {detail}"),
        );
        return error_page(&viewer, "/credentials", &refused);
    }
    let (Some(code), Some(token)) = (query.code, query.state) else {
        let missing =
            ServiceError::bad_request("missing_code", "The provider sent no code back; start connecting again.");
        return error_page(&viewer, "/credentials", &missing);
    };
    match provider_login::complete(&state, &viewer.user.id, &provider, &code, &token).await {
        Ok(connected) => {
            let title = connected.title.unwrap_or(connected.credentials_id);
            let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("added", &title).finish();
            Redirect::to(&format!("/credentials?{query}")).into_response()
        }
        Err(error) => error_page(&viewer, "/credentials", &error),
    }
}
