//! The process-wide default transport, built once on first use.

use std::sync::{Arc, OnceLock};

use super::error::HttpError;
use super::transport::{ReqwestTransport, Transport, TransportRequest, TransportResponse};
use crate::BoxFuture;

/// The reqwest transport every executor shares unless given another, so runs share
/// one connection pool. Built on first use: most runs never make a request.
pub fn default_transport() -> Arc<dyn Transport> {
    static SHARED: OnceLock<Arc<dyn Transport>> = OnceLock::new();
    SHARED
        .get_or_init(|| match ReqwestTransport::new() {
            Ok(transport) => Arc::new(transport),
            Err(error) => Arc::new(Unavailable(error.to_string())),
        })
        .clone()
}

/// Stands in when the HTTP stack could not start (e.g. no TLS roots): every request
/// fails with the reason, instead of the process failing at start.
struct Unavailable(String);

impl Transport for Unavailable {
    fn send(&self, _request: TransportRequest) -> BoxFuture<'_, Result<TransportResponse, HttpError>> {
        let reason = self.0.clone();
        Box::pin(async move { Err(HttpError::Setup { reason }) })
    }
}
