//! The real transport: reqwest over HTTP/1.1 and rustls, with the address check in
//! its DNS resolver so that it runs on every connection.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rustls_platform_verifier::BuilderVerifierExt;

use super::{Transport, TransportRequest, TransportResponse};
use crate::BoxFuture;
use crate::http::error::{BlockReason, HttpError};
use crate::http::guard::AddressCheck;
use crate::http::redact::RedactedUrl;
use crate::http::resolve::{Resolver, SystemResolver, resolve_checked};

/// The production [`Transport`]: reqwest with its own redirects and proxies off,
/// rustls (ring) with the platform's certificate verifier, and a DNS resolver that
/// refuses to hand out blocked addresses.
///
/// Connections are pooled per address check, so a connection opened for a trusted
/// origin is never reused by a request that must be checked.
///
/// ```no_run
/// use std::sync::Arc;
/// use block_core::http::{HttpClient, HttpPolicy, ReqwestTransport};
/// # fn demo() -> Result<(), block_core::http::HttpError> {
/// let transport = ReqwestTransport::builder().connect_timeout(std::time::Duration::from_secs(5)).build()?;
/// let client = HttpClient::new(HttpPolicy::default(), Arc::new(transport));
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct ReqwestTransport {
    public_only: reqwest::Client,
    public_or_loopback: reqwest::Client,
    unchecked: reqwest::Client,
}

/// Settings of a [`ReqwestTransport`].
#[derive(Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    resolver: Arc<dyn Resolver>,
    user_agent: String,
}

impl ReqwestTransport {
    /// A transport with the system resolver and a 10 s connect timeout.
    pub fn new() -> Result<Self, HttpError> {
        Self::builder().build()
    }

    /// Settings to start from.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder {
            connect_timeout: Duration::from_secs(10),
            resolver: Arc::new(SystemResolver),
            user_agent: concat!("block-core/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    fn client_for(&self, check: AddressCheck) -> &reqwest::Client {
        match check {
            AddressCheck::PublicOrLoopback => &self.public_or_loopback,
            AddressCheck::Unchecked => &self.unchecked,
            _ => &self.public_only,
        }
    }

    async fn exchange(&self, request: TransportRequest) -> Result<TransportResponse, HttpError> {
        let TransportRequest { method, url, headers, body, timeout, max_response_bytes, address_check, .. } = request;
        let redacted = || RedactedUrl::new(&url);
        let mut builder =
            self.client_for(address_check).request(method.clone(), url.clone()).headers(headers).timeout(timeout);
        if !body.is_empty() || matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
            builder = builder.body(body);
        }
        let mut response = builder.send().await.map_err(|error| map_error(error, &url, timeout))?;
        let too_large = || HttpError::TooLarge { url: redacted(), limit: max_response_bytes };
        // A HEAD response announces the length of a body it does not send.
        let announced = if method == http::Method::HEAD { None } else { response.content_length() };
        if announced.is_some_and(|length| length > max_response_bytes) {
            return Err(too_large());
        }
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let mut collected = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| map_error(error, &url, timeout))? {
            if (collected.len() + chunk.len()) as u64 > max_response_bytes {
                return Err(too_large());
            }
            collected.extend_from_slice(&chunk);
        }
        Ok(TransportResponse { status, headers, url, body: Bytes::from(collected) })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: TransportRequest) -> BoxFuture<'_, Result<TransportResponse, HttpError>> {
        Box::pin(self.exchange(request))
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport").finish_non_exhaustive()
    }
}

impl ReqwestTransportBuilder {
    /// How long establishing a connection (DNS, TCP, TLS) may take. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The resolver for host names; its answers are checked by the guard either way.
    /// Default: [`SystemResolver`].
    pub fn resolver(mut self, resolver: Arc<dyn Resolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// The `User-Agent` sent when a request sets none. Default `block-core/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the transport: fails only if TLS cannot be set up.
    pub fn build(self) -> Result<ReqwestTransport, HttpError> {
        let setup = |reason: String| HttpError::Setup { reason };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| setup(error.to_string()))?
            .with_platform_verifier()
            .map_err(|error| setup(format!("the platform's certificate verifier failed: {error}")))?
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let client = |check: AddressCheck| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .referer(false)
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent.clone())
                .dns_resolver(GuardedResolve { resolver: self.resolver.clone(), check })
                .tls_backend_preconfigured(tls.clone())
                .build()
                .map_err(|error| setup(error_chain(&error)))
        };
        Ok(ReqwestTransport {
            public_only: client(AddressCheck::PublicOnly)?,
            public_or_loopback: client(AddressCheck::PublicOrLoopback)?,
            unchecked: client(AddressCheck::Unchecked)?,
        })
    }
}

impl fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

/// reqwest's view of a [`Resolver`], with the guard applied to every answer.
struct GuardedResolve {
    resolver: Arc<dyn Resolver>,
    check: AddressCheck,
}

/// The guard's refusal, carried through reqwest's error chain back to [`map_error`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct AddressRefused(BlockReason);

impl Resolve for GuardedResolve {
    fn resolve(&self, name: Name) -> Resolving {
        let resolver = self.resolver.clone();
        let check = self.check;
        Box::pin(async move {
            match resolve_checked(resolver.as_ref(), name.as_str(), check).await {
                Ok(addresses) => {
                    let sockets = addresses.into_iter().map(|ip| std::net::SocketAddr::new(ip, 0));
                    Ok(Box::new(sockets.collect::<Vec<_>>().into_iter()) as Addrs)
                }
                Err(error) => match error.block_reason() {
                    Some(reason) => Err(Box::new(AddressRefused(reason)) as _),
                    None => Err(Box::new(error) as _),
                },
            }
        })
    }
}

/// Turns a reqwest error into an [`HttpError`] without ever printing reqwest's own
/// message with its URL.
fn map_error(error: reqwest::Error, url: &url::Url, timeout: Duration) -> HttpError {
    let redacted = RedactedUrl::new(url);
    let mut source: Option<&(dyn StdError + 'static)> = Some(&error);
    while let Some(current) = source {
        if let Some(AddressRefused(reason)) = current.downcast_ref::<AddressRefused>() {
            return HttpError::Blocked { url: redacted, reason: reason.clone() };
        }
        source = current.source();
    }
    let reason = error_chain(&error);
    if error.is_timeout() {
        HttpError::Timeout { url: redacted, after: timeout }
    } else if error.is_connect() {
        HttpError::Connect { url: redacted, reason }
    } else {
        HttpError::Transport { url: redacted, reason }
    }
}

/// The messages of an error and its causes, without reqwest's URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts = vec![match error.url() {
        // reqwest's Display appends " for url (...)"; rebuild the message without it.
        Some(_) => kind_message(error),
        None => error.to_string(),
    }];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

fn kind_message(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the response body failed"
    } else if error.is_request() {
        "sending the request failed"
    } else {
        "the HTTP exchange failed"
    };
    kind.to_owned()
}
