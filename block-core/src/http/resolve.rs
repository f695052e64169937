//! Name resolution, pluggable so tests can answer with fixed addresses, and the
//! connect-time address check built on it.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;

use super::error::BlockReason;
use super::guard::{AddressCheck, check_addresses};
use crate::BoxFuture;

/// Turns a host name into the addresses to connect to.
///
/// Implementations only resolve; the guard is applied on top of them by
/// [`resolve_checked`], so a resolver cannot weaken it.
pub trait Resolver: Send + Sync + 'static {
    /// The addresses of `host`, a domain name (never an IP literal).
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;
}

/// The operating system's resolver, through tokio.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addresses = tokio::net::lookup_host((host, 0)).await?;
            Ok(addresses.map(|socket| socket.ip()).collect())
        })
    }
}

/// A resolver with a fixed table, for tests: names map to the addresses given, any
/// other name fails to resolve. Names match case-insensitively and without a
/// trailing dot.
///
/// ```
/// use block_core::http::StaticResolver;
/// let resolver = StaticResolver::new()
///     .host("api.example.test", ["93.184.216.34".parse().unwrap()])
///     .host("sneaky.example.test", ["93.184.216.34".parse().unwrap(), "10.0.0.7".parse().unwrap()]);
/// # let _ = resolver;
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticResolver {
    table: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    /// An empty table: every name fails to resolve.
    pub fn new() -> Self {
        StaticResolver::default()
    }

    /// Answers `name` with `addresses`.
    pub fn host(mut self, name: &str, addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        self.table.insert(normalise(name), addresses.into_iter().collect());
        self
    }
}

impl Resolver for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        let answer = self.table.get(&normalise(host)).cloned().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("`{host}` is not in the test resolver's table"))
        });
        Box::pin(std::future::ready(answer))
    }
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// Why [`resolve_checked`] gave no addresses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// At least one address is in a blocked range. Neither the address nor its
    /// range is kept, so that no message built from this error can name them.
    #[error("`{host}` resolves to an address blocks may not reach")]
    Blocked {
        /// The resolved name.
        host: String,
    },
    /// The name did not resolve.
    #[error("could not resolve `{host}`: {source}")]
    Lookup {
        /// The name that failed.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
}

/// Resolves `host` and checks EVERY address it resolves to; the caller must connect
/// only to the addresses returned. This is the connect-time half of the SSRF guard.
///
/// ```
/// # use block_core::http::{AddressCheck, ResolveError, StaticResolver, resolve_checked};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let resolver = StaticResolver::new().host("internal.test", ["10.0.0.7".parse().unwrap()]);
/// let result = resolve_checked(&resolver, "internal.test", AddressCheck::PublicOnly).await;
/// assert!(matches!(result, Err(ResolveError::Blocked { .. })));
/// # });
/// ```
pub async fn resolve_checked(
    resolver: &dyn Resolver,
    host: &str,
    check: AddressCheck,
) -> Result<Vec<IpAddr>, ResolveError> {
    let addresses =
        resolver.resolve(host).await.map_err(|source| ResolveError::Lookup { host: host.to_owned(), source })?;
    if addresses.is_empty() {
        let source = io::Error::new(io::ErrorKind::NotFound, "no addresses");
        return Err(ResolveError::Lookup { host: host.to_owned(), source });
    }
    check_addresses(&addresses, check).map_err(|_| ResolveError::Blocked { host: host.to_owned() })?;
    Ok(addresses)
}

impl ResolveError {
    /// The guard's refusal this error stands for, if it is one: a refusal naming
    /// the host only.
    pub fn block_reason(&self) -> Option<BlockReason> {
        match self {
            ResolveError::Blocked { host } => Some(BlockReason::BlockedName { host: host.clone() }),
            ResolveError::Lookup { .. } => None,
        }
    }
}
