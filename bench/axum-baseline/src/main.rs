//! A bare axum server answering with fixed JSON bodies: the ceiling the block
//! server's own figures are compared with.
//!
//! `axum-baseline ADDR LISTING_FILE EXECUTE_FILE`: `GET /external-api/v1/blocks`
//! answers the listing file's bytes; `POST /external-api/v1/blocks/{id}/execute`
//! parses the request body as JSON (as any JSON API must) and answers the execute
//! file's bytes. No authentication, no storage, no block runs.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bytes::Bytes;

#[derive(Clone)]
struct Bodies {
    listing: Bytes,
    execute: Bytes,
}

async fn listing(State(bodies): State<Bodies>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], bodies.listing)
}

async fn execute(State(bodies): State<Bodies>, Json(input): Json<serde_json::Value>) -> impl IntoResponse {
    std::hint::black_box(input);
    ([(CONTENT_TYPE, "application/json")], bodies.execute)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = || std::io::Error::other("usage: axum-baseline ADDR LISTING_FILE EXECUTE_FILE");
    let addr = args.next().ok_or_else(usage)?;
    let listing_file = args.next().ok_or_else(usage)?;
    let execute_file = args.next().ok_or_else(usage)?;
    let bodies = Bodies { listing: std::fs::read(listing_file)?.into(), execute: std::fs::read(execute_file)?.into() };
    let app = Router::new()
        .route("/external-api/v1/blocks", get(listing))
        .route("/external-api/v1/blocks/{id}/execute", post(execute))
        .with_state(bodies);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
