//! What a running block can see of the world besides its input.

use std::sync::{Arc, OnceLock};

use uuid::Uuid;

use crate::http::{HttpClient, HttpPolicy, Transport};

/// The execution context handed to [`Run::run`](crate::Run::run).
///
/// It names the execution and the user it runs for, and it is the only way a block
/// reaches the network: [`RunContext::http`].
#[derive(Clone)]
pub struct RunContext {
    pub(crate) execution_id: Uuid,
    pub(crate) user_id: Option<String>,
    pub(crate) block_id: &'static str,
    pub(crate) http: Arc<HttpSource>,
}

/// What `ctx.http()` is made of; the policy and client are built on first use,
/// since most runs never make a request.
pub(crate) struct HttpSource {
    pub(crate) base: Arc<HttpPolicy>,
    pub(crate) trusted_origins: Arc<[&'static str]>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) client: OnceLock<HttpClient>,
}

impl HttpSource {
    pub(crate) fn new(
        base: Arc<HttpPolicy>,
        trusted_origins: Arc<[&'static str]>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        HttpSource { base, trusted_origins, transport, client: OnceLock::new() }
    }
}

impl RunContext {
    /// The execution's id (a UUID v7): the id the caller chose in
    /// [`RunOptions`](crate::RunOptions) or the executor made, the same one the
    /// caller sees on the prepared run, so logs and records correlate.
    pub fn execution_id(&self) -> Uuid {
        self.execution_id
    }

    /// The user the block runs for, if the caller named one.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The id of the running block.
    pub fn block_id(&self) -> &'static str {
        self.block_id
    }

    /// The HTTP client for this run: private addresses refused (except the trusted
    /// origins of the providers whose credentials the block takes), redirects
    /// re-checked, retries, timeouts and a response size cap. In tests its transport
    /// is the test case's mock.
    pub fn http(&self) -> &HttpClient {
        self.http.client.get_or_init(|| {
            let policy = crate::registry::with_origins(&self.http.base, &self.http.trusted_origins);
            HttpClient::new(policy, self.http.transport.clone())
        })
    }
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext")
            .field("execution_id", &self.execution_id)
            .field("user_id", &self.user_id)
            .field("block_id", &self.block_id)
            .finish_non_exhaustive()
    }
}
