//! `POST /oauth/register`: dynamic client registration (RFC 7591) of public
//! clients, limited per client address.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::token::OAuthErrorBody;
use crate::api::extract::{ClientAddr, RawBody};
use crate::services::AppState;
use crate::services::oauth_server::registration::{self, RegisteredClient, RegistrationRefused, RegistrationRequest};

/// Registers a public client (PKCE required) for the authorization code grant.
#[utoipa::path(post, path = "/oauth/register", tag = "oauth", operation_id = "oauth_register",
    summary = "Register an OAuth client (RFC 7591): public clients with PKCE, redirect URIs https, loopback http or a \
        native app's scheme",
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered", body = RegisteredClient),
        (status = 400, description = "`invalid_redirect_uri` or `invalid_client_metadata`", body = OAuthErrorBody),
        (status = 429, description = "Too many registrations from this address", body = OAuthErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 500, description = "`server_error`: the server failed (see its log)", body = OAuthErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    RawBody(body): RawBody,
) -> Response {
    let mut response = match registration::register(&state, client, &body).await {
        Ok(registered) => (StatusCode::CREATED, Json(registered)).into_response(),
        Err(refused) => refusal(refused),
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn refusal(refused: RegistrationRefused) -> Response {
    let (status, error, description) = match refused {
        RegistrationRefused::InvalidRedirectUri(why) => (StatusCode::BAD_REQUEST, "invalid_redirect_uri", why),
        RegistrationRefused::InvalidMetadata(why) => (StatusCode::BAD_REQUEST, "invalid_client_metadata", why),
        RegistrationRefused::TooMany(secs) => {
            let body = OAuthErrorBody {
                error: "too_many_requests".to_owned(),
                error_description: format!("too many registrations from this address; retry in {secs} s"),
            };
            let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return response;
        }
        RegistrationRefused::Failed => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the client could not be registered; see the server log".to_owned(),
        ),
    };
    (status, Json(OAuthErrorBody { error: error.to_owned(), error_description: description })).into_response()
}
