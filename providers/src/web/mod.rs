//! The web: fetching a caller-supplied URL.
//!
//! - [`SendWebRequestBlock`] (`send_request.rs`): the reference platform's "Send
//!   Web Request" (same id, inputs and outputs, plus `status` and `headers`):
//!   method, URL, headers, a JSON or text body; the answer's body on `response`,
//!   `client_error` (4xx) or `server_error` (5xx), as JSON when the answer is JSON
//!   and as text otherwise.
//! - `body.rs`: how the input's body becomes request bytes and the answer's bytes
//!   become an output value.
//!
//! Every request goes through `ctx.http()`, so the SSRF guard applies to the URL,
//! to every address its host resolves to and to every redirect hop: the block's
//! cases (`cases.rs`) try private, loopback, link-local and reserved addresses in
//! their usual and unusual spellings, `localhost`, redirects into a private
//! network, and names that resolve to private addresses.
//!
//! Nothing here sends a request the guard has not admitted, or reads a header
//! value into an error.

mod body;
mod cases;
mod send_request;
#[cfg(test)]
mod tests;

pub use send_request::{HttpMethod, SendWebRequestBlock, SendWebRequestInput, SendWebRequestOutput};
