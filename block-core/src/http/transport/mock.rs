//! A transport that answers from exchanges a test declares, and reports both the
//! requests nobody declared and the declarations nobody requested.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use url::Host;

use super::exchange::{Exchange, RecordedRequest, Reply};
use super::mismatch::{describe_sent, distance};
use super::{Transport, TransportRequest, TransportResponse};
use crate::BoxFuture;
use crate::http::error::HttpError;
use crate::http::guard::AddressCheck;
use crate::http::redact::RedactedUrl;
use crate::http::resolve::{Resolver, resolve_checked};

/// A [`Transport`] for tests: every request must match a declared [`Exchange`].
///
/// Matching: the first not-yet-consumed exchange whose method, URL, required
/// headers and body all match answers. URLs match exactly as parsed (scheme, host,
/// port, path, and query with its pairs in order), or ignoring the query with
/// [`Exchange::any_query`]. Exchanges are single-use by default, so two identical
/// declarations answer two requests in order; [`Exchange::repeatable`] ones answer
/// any number.
///
/// A request that matches nothing fails with [`HttpError::Unmatched`], naming its
/// method and URL and reporting what was sent (headers and body, credentials
/// hidden) beside the closest declared exchange and what differs from it: the
/// method, a part of the URL, a header, or the JSON body value at a pointer. It is
/// recorded too: [`unmatched_requests`](Self::unmatched_requests) lets a harness
/// fail the test even if the block swallowed the error, and
/// [`unused_exchanges`](Self::unused_exchanges) lists what was declared but never
/// requested.
///
/// The mock connects nowhere, so by default it checks no addresses; with
/// [`with_resolver`](Self::with_resolver) it resolves host names and applies the
/// connect-time guard like the real transport.
///
/// ```
/// use std::sync::Arc;
/// use block_core::http::{Exchange, HttpClient, HttpPolicy, MockTransport};
/// use serde_json::json;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mock = Arc::new(MockTransport::new([
///     Exchange::post("https://api.example.com/v1/greetings")
///         .json_body(json!({"text": "Hi"}))
///         .respond_json(201, json!({"id": 7})),
/// ]));
/// let client = HttpClient::new(HttpPolicy::default(), mock.clone());
/// let created: serde_json::Value =
///     client.post("https://api.example.com/v1/greetings").json(&json!({"text": "Hi"})).send().await?.json()?;
/// assert_eq!(created["id"], 7);
/// assert!(mock.unmatched_requests().is_empty() && mock.unused_exchanges().is_empty());
/// # Ok::<(), block_core::http::HttpError>(()) }).unwrap();
/// ```
#[derive(Default)]
pub struct MockTransport {
    state: Mutex<State>,
    resolver: Option<Arc<dyn Resolver>>,
}

#[derive(Default)]
struct State {
    slots: Vec<Slot>,
    requests: Vec<RecordedRequest>,
    /// Requests no exchange matched, each with its report.
    unmatched: Vec<(RecordedRequest, String)>,
}

struct Slot {
    exchange: Exchange,
    uses: usize,
}

impl Slot {
    fn available(&self) -> bool {
        self.exchange.repeatable || self.uses == 0
    }
}

impl MockTransport {
    /// A mock answering from `exchanges`.
    pub fn new(exchanges: impl IntoIterator<Item = Exchange>) -> Self {
        let mock = MockTransport::default();
        for exchange in exchanges {
            mock.push(exchange);
        }
        mock
    }

    /// Declares one more exchange.
    pub fn push(&self, exchange: Exchange) {
        self.state().slots.push(Slot { exchange, uses: 0 });
    }

    /// Resolves host names with `resolver` and refuses blocked addresses, as the
    /// real transport does at connect time.
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Every request that reached the mock, matched or not, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().requests.clone()
    }

    /// The requests no exchange matched.
    pub fn unmatched_requests(&self) -> Vec<RecordedRequest> {
        self.state().unmatched.iter().map(|(request, _)| request.clone()).collect()
    }

    /// For each request no exchange matched: what was sent (credentials hidden) and
    /// the closest declared exchange with what differs from it.
    pub fn unmatched_reports(&self) -> Vec<String> {
        self.state().unmatched.iter().map(|(_, report)| report.clone()).collect()
    }

    /// Descriptions of the exchanges that were declared but never used.
    pub fn unused_exchanges(&self) -> Vec<String> {
        self.state().slots.iter().filter(|slot| slot.uses == 0).map(|slot| slot.exchange.to_string()).collect()
    }

    /// `Ok` when every request matched and every exchange was used; otherwise one
    /// message listing both kinds of problem.
    pub fn verify(&self) -> Result<(), String> {
        let unmatched = self.state().unmatched.clone();
        let unused = self.unused_exchanges();
        if unmatched.is_empty() && unused.is_empty() {
            return Ok(());
        }
        let mut message = String::new();
        for (request, report) in &unmatched {
            message.push_str(&format!("unmocked request: {request}\n{report}\n"));
        }
        for exchange in &unused {
            message.push_str(&format!("mocked exchange never requested: {exchange}\n"));
        }
        Err(message.trim_end().to_owned())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn check_addresses(&self, request: &TransportRequest) -> Result<(), HttpError> {
        let (Some(resolver), Some(Host::Domain(host))) = (&self.resolver, request.url.host()) else {
            return Ok(());
        };
        if request.address_check == AddressCheck::Unchecked {
            return Ok(());
        }
        let url = || RedactedUrl::new(&request.url);
        match resolve_checked(resolver.as_ref(), host, request.address_check).await {
            Ok(_) => Ok(()),
            Err(error) => match error.block_reason() {
                Some(reason) => Err(HttpError::Blocked { url: url(), reason }),
                None => Err(HttpError::Connect { url: url(), reason: error.to_string() }),
            },
        }
    }

    async fn answer(&self, request: TransportRequest) -> Result<TransportResponse, HttpError> {
        self.check_addresses(&request).await?;
        let recorded = RecordedRequest {
            method: request.method.clone(),
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let found = {
            let mut state = self.state();
            state.requests.push(recorded.clone());
            let slot = state.slots.iter_mut().find(|slot| slot.available() && slot.exchange.matches(&recorded));
            match slot {
                Some(slot) => {
                    slot.uses += 1;
                    Ok((slot.exchange.reply.clone(), slot.exchange.delay))
                }
                None => {
                    let report = unmatched_report(&state.slots, &recorded);
                    state.unmatched.push((recorded, report.clone()));
                    Err(report)
                }
            }
        };
        let url = RedactedUrl::new(&request.url);
        let (reply, delay) = match found {
            Ok(found) => found,
            Err(report) => return Err(HttpError::Unmatched { method: request.method, url, report }),
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        match reply {
            Reply::ConnectError => Err(HttpError::Connect { url, reason: "connection refused (mocked)".into() }),
            Reply::Respond { .. } if reply.body_len() as u64 > request.max_response_bytes => {
                Err(HttpError::TooLarge { url, limit: request.max_response_bytes })
            }
            Reply::Respond { status, headers, body } => {
                Ok(TransportResponse { status, headers, url: request.url, body })
            }
        }
    }
}

impl Transport for MockTransport {
    fn send(&self, request: TransportRequest) -> BoxFuture<'_, Result<TransportResponse, HttpError>> {
        Box::pin(self.answer(request))
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("MockTransport")
            .field("exchanges", &state.slots.iter().map(|slot| slot.exchange.to_string()).collect::<Vec<_>>())
            .field("requests", &state.requests.len())
            .field("unmatched", &state.unmatched.len())
            .finish()
    }
}

/// What was sent and the closest declared exchange, with what differs from it.
/// Closest: the fewest and slightest differences (host and path weigh most, then
/// method, query, headers and body), an exchange still available before a used one,
/// and then the first declared.
fn unmatched_report(slots: &[Slot], request: &RecordedRequest) -> String {
    let mut report = describe_sent(request);
    let closest = slots
        .iter()
        .enumerate()
        .map(|(index, slot)| (slot.exchange.differences(request), !slot.available(), index, slot))
        .min_by_key(|(differences, used, index, _)| (distance(differences), *used, *index));
    let Some((differences, used, index, slot)) = closest else {
        report.push_str("\n  no exchange is declared");
        return report;
    };
    report.push_str(&format!("\n  closest declared exchange (#{}): {}", index + 1, slot.exchange));
    if used {
        report.push_str(
            "\n    - it was used already and answers once; declare it again for each request, or make it `.repeatable()`",
        );
    }
    for difference in differences {
        report.push_str(&format!("\n    - {}", difference.text));
    }
    report
}
