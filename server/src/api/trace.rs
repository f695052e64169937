//! The log line of each request: its id, method, route template (never the raw
//! path or query, which may carry ids or secrets), status and duration. Headers
//! and bodies are never logged.
//!
//! Written as a tower layer rather than with `axum::middleware::from_fn`: it
//! wraps every route, and a `from_fn` layer clones and boxes the route's service
//! and boxes its future on every request, where this one only wraps the future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::REQUEST_ID_HEADER;

/// Logs each request (see the module docs). Inside the router, where the
/// matched route is known.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner }
    }
}

/// The service [`TraceLayer`] makes.
#[derive(Debug, Clone)]
pub(super) struct Trace<S> {
    inner: S,
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Traced<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let seen = Seen {
            started: Instant::now(),
            method: request.method().clone(),
            route: request.extensions().get::<MatchedPath>().cloned(),
            id: request.headers().get(REQUEST_ID_HEADER).cloned(),
        };
        Traced { inner: self.inner.call(request), seen: Some(seen) }
    }
}

/// What the log line says of the request.
#[derive(Debug)]
struct Seen {
    started: Instant,
    method: Method,
    route: Option<MatchedPath>,
    id: Option<HeaderValue>,
}

impl Seen {
    fn log(self, response: &Response) {
        let route = self.route.as_ref().map_or("<unmatched>", MatchedPath::as_str);
        let id = self.id.as_ref().and_then(|id| id.to_str().ok()).unwrap_or_default();
        let (method, status) = (self.method, response.status());
        let elapsed_ms = self.started.elapsed().as_millis() as u64;
        // Answered requests are the bulk (a line each would cost a busy server a
        // write per request); refused and failed ones are what an operator looks for.
        if status.is_client_error() || status.is_server_error() {
            tracing::info!(request_id = %id, %method, route, status = status.as_u16(), elapsed_ms, "request");
        } else {
            tracing::debug!(request_id = %id, %method, route, status = status.as_u16(), elapsed_ms, "request");
        }
    }
}

pin_project! {
    /// The response future of [`Trace`]: logs once the answer is there.
    pub(super) struct Traced<F> {
        #[pin]
        inner: F,
        seen: Option<Seen>,
    }
}

impl<F, E> Future for Traced<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(seen)) = (&answer, this.seen.take()) {
            seen.log(response);
        }
        Poll::Ready(answer)
    }
}
