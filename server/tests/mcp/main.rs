//! MCP over real connections: rmcp's client on `/mcp` (127.0.0.1) and on the
//! built binary's stdio, and the OAuth discovery and registration a client
//! needs to sign a user in knowing only the server's URL.

// The blocks the tests call: linking the crates registers them.
use block_examples as _;
use block_providers as _;

mod support;
mod test_blocks;

mod agents;
mod calls;
mod oauth;
mod sessions;
mod stdio;
mod tools;
