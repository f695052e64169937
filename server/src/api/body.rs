//! Request bodies: read under the size limit, parsed as JSON, errors in the API's
//! shape (axum's own rejections are plain text).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ApiError;

/// The raw body, or 413 / 400 in the API's shape.
pub fn raw(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the request body is too large")
        }
        status => ApiError::new(status, "unreadable_body", rejection.body_text()),
    })
}

/// The body as a JSON value; an empty body is `{}`.
pub fn json_value(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    // serde_json's syntax errors give a line and column, never the text around it.
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request("invalid_json", format!("the request body is not JSON: {error}")))
}

/// The body as `T`: 400 if it is not JSON, 422 if it does not fit.
pub fn json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let value = json_value(&raw(body)?)?;
    serde_json::from_value(value).map_err(|error| ApiError::invalid_body(format!("the request body: {error}")))
}
