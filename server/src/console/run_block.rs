//! `POST /blocks/{id}/run`: runs a block from its form. A script asking for
//! `text/event-stream` gets the run inline, one event per output as it comes
//! (`run` first, naming the run; `end` last, saying how it ended), or, when the
//! form cannot be used, a JSON answer listing every problem by field. Without a
//! script the run is queued and the browser sent to its page, or the form is
//! shown again with each problem at its field.

use std::convert::Infallible;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Redirect, Response};
use block_core::RegisteredBlock;
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use super::block_page::{self, Filled};
use super::form::{self, FormOf, Problems};
use super::session::CSRF_HEADER;
use super::{Viewer, error_page, forbidden, status_of};
use crate::domain::RunSource;
use crate::services::runs::{self, NewRun, Start};
use crate::services::{AppState, Refusal, ServiceError, credentials};

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

/// Runs the block from its form.
pub async fn run(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let stream = wants_stream(&headers);
    let presented = pairs
        .iter()
        .find(|(key, _)| key == "csrf")
        .map(|(_, value)| value.as_str())
        .or_else(|| headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()));
    if !viewer.csrf_ok(presented) {
        return if stream {
            refused_json(
                StatusCode::FORBIDDEN,
                "This form expired: reload the page and run it again.",
                &Problems::new(),
            )
        } else {
            forbidden(&viewer)
        };
    }
    let block = match runs::runnable_block(&state, &id) {
        Ok(block) => block,
        Err(error) if stream => return refused_json(status_of(error.refusal()), error.message(), &Problems::new()),
        Err(error) => return error_page(&viewer, "/", &error),
    };
    let listed = credentials::list(&state, &viewer.user.id).await.unwrap_or_default();
    let (input, problems) = form::read(FormOf::block(block), &listed, &pairs);
    if !problems.is_empty() {
        let message = "Some fields need attention.";
        return if stream {
            refused_json(StatusCode::UNPROCESSABLE_ENTITY, message, &problems)
        } else {
            let filled = Filled { values: input, problems, ..Filled::default() };
            block_page::render(&state, &viewer, block, &filled, StatusCode::UNPROCESSABLE_ENTITY).await
        };
    }
    let new = NewRun::block(&viewer.user.id, RunSource::Stream);
    if !stream {
        return match runs::enqueue(&state, NewRun { source: RunSource::Api, ..new }, block, input.clone()).await {
            Ok(queued) => Redirect::to(&format!("/runs/{}", queued.run.id)).into_response(),
            Err(error) => refusal_page(&state, &viewer, block, &input, &error).await,
        };
    }
    match runs::start_inline(&state, new, block, input, Start::InlineSpawned).await {
        Ok(driver) => stream_outputs(driver),
        Err(error) => {
            let problems = invalid_problems(block, &error);
            refused_json(status_of(error.refusal()), error.message(), &problems)
        }
    }
}

fn invalid_problems(block: &RegisteredBlock, error: &ServiceError) -> Problems {
    if error.refusal() == Refusal::Invalid {
        form::by_field(FormOf::block(block), error.details())
    } else {
        Problems::new()
    }
}

async fn refusal_page(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    input: &Value,
    error: &ServiceError,
) -> Response {
    let problems = invalid_problems(block, error);
    let status = status_of(error.refusal());
    let refusal = if problems.is_empty() { Some(error.message().to_owned()) } else { None };
    let filled = Filled { values: input.clone(), problems, refusal, plan: None };
    block_page::render(state, viewer, block, &filled, status).await
}

fn refused_json(status: StatusCode, message: &str, problems: &Problems) -> Response {
    let problems: Vec<Value> = problems
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |message| json!({"field": field, "message": message})))
        .collect();
    (status, Json(json!({"message": message, "problems": problems}))).into_response()
}

fn stream_outputs(driver: runs::RunDriver) -> Response {
    let first = Event::default().event("run").data(json!({"id": driver.id()}).to_string());
    let outputs = futures_util::stream::unfold(Some(driver), |driver| async move {
        let mut driver = driver?;
        match driver.next().await {
            Some((seq, event)) => {
                let sse = Event::default().id(seq.to_string()).event(event.name).data(event.value.to_string());
                Some((Ok::<_, Infallible>(sse), Some(driver)))
            }
            None => {
                let ended = driver.finish().await;
                let end = json!({"status": ended.status.as_str(), "charged": ended.charged, "error": ended.error});
                Some((Ok(Event::default().event("end").data(end.to_string())), None))
            }
        }
    });
    let events = futures_util::stream::once(async move { Ok::<_, Infallible>(first) }).chain(outputs);
    Sse::new(events).keep_alive(KeepAlive::default()).into_response()
}
