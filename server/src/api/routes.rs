//! Every route the API serves, as its handlers declare it (`#[utoipa::path]`):
//! the router, the scope table the access layer checks, the OpenAPI document and
//! the scope-matrix test all come from these declarations, so a route cannot be
//! served without scopes, documented without being served, or left out of the
//! test.

use axum::http::Method;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    blocks, execute, graph_triggers, graphs, health, identity, integrations, oauth, polls, provider_oauth, runs,
    schedules, store, store_publish, tools, webhooks,
};
use crate::domain::Scope;
use crate::services::AppState;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/external-api/openapi.json";

/// The security scheme whose scopes a route requires.
pub const OAUTH_SCHEME: &str = "OAuth2";

/// Who may call a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health checks, docs, webhook deliveries (which carry their own
    /// signatures).
    Public,
    /// An authenticated caller holding every one of these scopes (an API key or
    /// an OAuth access token).
    Scopes(Vec<Scope>),
    /// An endpoint of the OAuth authorization server: it authenticates the client
    /// or the signed-in user itself, with OAuth's own error answers.
    OAuthProtocol,
}

/// One route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// The method.
    pub method: Method,
    /// The path template, as axum matches it (`{param}`).
    pub path: String,
    /// Who may call it.
    pub access: Access,
    /// Its `operationId`.
    pub operation: String,
}

impl RouteSpec {
    /// The scopes it requires (none for a route that is not authenticated).
    pub fn scopes(&self) -> &[Scope] {
        match &self.access {
            Access::Scopes(scopes) => scopes,
            Access::Public | Access::OAuthProtocol => &[],
        }
    }

    /// The method in lowercase, as OpenAPI spells it.
    pub fn verb(&self) -> String {
        self.method.as_str().to_ascii_lowercase()
    }
}

/// The routes that need an authenticated caller.
pub(super) fn authenticated() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(identity::me))
        .routes(routes!(identity::credits))
        .routes(routes!(blocks::list))
        .routes(routes!(blocks::show))
        .routes(routes!(execute::execute))
        .routes(routes!(execute::execute_stream))
        .routes(routes!(integrations::providers))
        .routes(routes!(integrations::list_all))
        .routes(routes!(integrations::list_for_provider, integrations::create))
        .routes(routes!(integrations::delete))
        .routes(routes!(provider_oauth::initiate))
        .routes(routes!(provider_oauth::complete))
        .routes(routes!(webhooks::list_webhooks))
        .routes(routes!(webhooks::delete_webhook))
        .routes(routes!(webhooks::set_webhook_secret))
        .routes(routes!(webhooks::list_triggers, webhooks::create_trigger))
        .routes(routes!(webhooks::delete_trigger))
        .routes(routes!(runs::list))
        .routes(routes!(runs::show))
        .routes(routes!(runs::stop))
        .routes(routes!(runs::events))
        .routes(routes!(runs::new_callback_secret))
        .routes(routes!(schedules::list_schedules, schedules::create_schedule))
        .routes(routes!(schedules::delete_schedule))
        .routes(routes!(polls::list_polls, polls::create_poll))
        .routes(routes!(polls::delete_poll))
        .routes(routes!(graphs::list_graphs, graphs::create_graph))
        .routes(routes!(graphs::get_graph, graphs::update_graph, graphs::delete_graph))
        .routes(routes!(graphs::set_active_version))
        .routes(routes!(graphs::list_graph_versions))
        .routes(routes!(graphs::execute_graph))
        .routes(routes!(graphs::execution_results))
        .routes(routes!(graph_triggers::create_graph_trigger))
        .routes(routes!(store::list_agents))
        .routes(routes!(store::show_agent))
        .routes(routes!(store::list_creators))
        .routes(routes!(store::show_creator))
        .routes(routes!(store_publish::submit))
        .routes(routes!(store_publish::review))
        .routes(routes!(store_publish::show_profile, store_publish::update_profile))
        .routes(routes!(tools::find_agent))
        .routes(routes!(tools::get_agent_details))
        .routes(routes!(tools::get_required_setup_info))
        .routes(routes!(tools::run_agent))
        .routes(routes!(tools::setup_agent))
}

/// The routes anyone may call.
pub(super) fn public() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health::health)).routes(routes!(oauth::token::metadata))
}

/// Webhook ingress: public, its deliveries verified by their signatures, with a
/// body limit of its own.
pub(super) fn ingress() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(webhooks::ingress))
}

/// The authorization server's routes.
pub(super) fn oauth_protocol() -> OpenApiRouter<AppState> {
    oauth::routes()
}

fn method_of(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// The scopes an operation's OAuth 2 security requirement names; an unknown
/// name is an error naming it.
fn declared_scopes(operation: &utoipa::openapi::path::Operation) -> Result<Vec<Scope>, String> {
    let requirements = serde_json::to_value(&operation.security).map_err(|error| error.to_string())?;
    let mut scopes = Vec::new();
    for requirement in requirements.as_array().into_iter().flatten() {
        for name in requirement[OAUTH_SCHEME].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            scopes.push(Scope::parse(name).ok_or_else(|| format!("unknown scope `{name}`"))?);
        }
    }
    Ok(scopes)
}

/// The routes `document` declares, each with `access` (for authenticated routes,
/// the scopes come from the declaration).
pub(super) fn specs_of(document: &OpenApi, access: &Access) -> Vec<RouteSpec> {
    let mut specs = Vec::new();
    for (path, item) in &document.paths.paths {
        let operations = [
            (HttpMethod::Get, &item.get),
            (HttpMethod::Post, &item.post),
            (HttpMethod::Put, &item.put),
            (HttpMethod::Delete, &item.delete),
            (HttpMethod::Patch, &item.patch),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let access = match access {
                Access::Scopes(_) => match declared_scopes(operation) {
                    Ok(scopes) if !scopes.is_empty() => Access::Scopes(scopes),
                    // A route of the authenticated group that names no scope (or a
                    // wrong one) gets none in the table: the access layer refuses it.
                    _ => continue,
                },
                other => other.clone(),
            };
            specs.push(RouteSpec {
                method: method_of(&method),
                path: path.clone(),
                access,
                operation: operation.operation_id.clone().unwrap_or_default(),
            });
        }
    }
    specs
}

/// The declarations of every route, as one document.
pub(super) fn declared() -> OpenApi {
    let mut declared = authenticated().into_openapi();
    for other in [public(), ingress(), oauth_protocol()] {
        declared.merge(other.into_openapi());
    }
    declared
}

/// Every route the API serves.
pub fn routes() -> Vec<RouteSpec> {
    let mut specs = specs_of(authenticated().get_openapi(), &Access::Scopes(Vec::new()));
    specs.extend(specs_of(public().get_openapi(), &Access::Public));
    specs.extend(specs_of(ingress().get_openapi(), &Access::Public));
    specs.extend(specs_of(oauth_protocol().get_openapi(), &Access::OAuthProtocol));
    specs.push(RouteSpec {
        method: Method::GET,
        path: OPENAPI_PATH.to_owned(),
        access: Access::Public,
        operation: "openapi".to_owned(),
    });
    specs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_authenticated_route_declares_known_scopes() {
        let document = authenticated().into_openapi();
        let mut operations = 0;
        for item in document.paths.paths.values() {
            for operation in [&item.get, &item.post, &item.put, &item.delete, &item.patch].into_iter().flatten() {
                operations += 1;
                let id = operation.operation_id.clone().unwrap_or_default();
                let scopes = declared_scopes(operation).unwrap_or_else(|error| panic!("{id}: {error}"));
                assert!(!scopes.is_empty(), "{id} names no scope");
            }
        }
        assert_eq!(routes().iter().filter(|route| matches!(route.access, Access::Scopes(_))).count(), operations);
    }
}
