//! A tool call, transport-free: the caller's stored credentials filled in, then
//! the same path as `POST /blocks/{id}/execute` (prepare with every input problem
//! listed, charge, run record), each output handed to the door as it comes, and
//! the run stopped when the client cancels.

use std::future::Future;

use block_core::credentials::{CredentialStore, CredentialsMeta};
use block_core::{OutputEvent, Outputs, RegisteredBlock};
use serde_json::{Map, Value};

use super::catalogue::{ToolEntry, ToolTarget};
use crate::domain::{Caller, RunSource};
use crate::services::runs::{self, NewRun, Start};
use crate::services::{AppState, Refusal, ServiceError};

/// How a call ended, once its block ran.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The run record's id.
    pub run_id: String,
    /// The block's name.
    pub block: &'static str,
    /// `{pin: [values]}`, `error` included when the run failed.
    pub outputs: Value,
    /// The block's `error` output, if it failed (or why it stopped).
    pub error: Option<String>,
    /// Input keys the tool does not declare, which were ignored.
    pub ignored: Vec<String>,
}

/// Runs `tool` for `caller` on `arguments`. `on_output` hears each output (with
/// its number, from 1) while the block runs; when `cancelled` resolves first,
/// the run is stopped and recorded so, and the outcome says it stopped.
pub async fn call<F, Fut>(
    state: &AppState,
    caller: &Caller,
    tool: &ToolEntry,
    arguments: Map<String, Value>,
    mut on_output: F,
    cancelled: impl Future<Output = ()>,
) -> Result<CallOutcome, ServiceError>
where
    F: FnMut(u64, &OutputEvent) -> Fut,
    Fut: Future<Output = ()>,
{
    let ToolTarget::Block(id) = tool.target else {
        return Err(ServiceError::bad_request("not_a_block_tool", format!("tool `{}` runs an agent", tool.name)));
    };
    let block = runs::runnable_block(state, id)?;
    let mut input = arguments;
    fill_credentials(state, caller, block, &mut input).await?;
    let new = NewRun::block(&caller.user.id, RunSource::Mcp);
    let mut driver = runs::start_inline(state, new, block, Value::Object(input), Start::Inline).await?;
    let run_id = driver.id().to_owned();
    let ignored = driver.ignored_keys().to_vec();
    let mut events = Vec::new();
    tokio::pin!(cancelled);
    loop {
        tokio::select! {
            biased;
            () = &mut cancelled => {
                // Dropping the driver stops the block and records the run stopped.
                drop(driver);
                events.push(OutputEvent::error("stopped: the client cancelled the call"));
                break;
            }
            next = driver.next() => match next {
                Some((seq, event)) => {
                    on_output(seq, &event).await;
                    events.push(event);
                }
                None => {
                    driver.finish().await;
                    break;
                }
            },
        }
    }
    let outputs = Outputs::from_events(events);
    let error = outputs.error().map(str::to_owned);
    Ok(CallOutcome { run_id, block: block.name(), outputs: outputs.to_json(), error, ignored })
}

/// Puts the caller's credentials in each credentials field of `block`: their
/// own for the field's provider and kinds first, else the platform's defaults.
/// A required field nobody has credentials for is refused, naming the provider
/// and how to connect it.
async fn fill_credentials(
    state: &AppState,
    caller: &Caller,
    block: &RegisteredBlock,
    input: &mut Map<String, Value>,
) -> Result<(), ServiceError> {
    if block.credential_fields().is_empty() {
        return Ok(());
    }
    let store = state.credentials();
    let available = store.list(&caller.user.id).await?;
    for field in block.credential_fields() {
        let usable = |meta: &&CredentialsMeta| meta.provider == field.provider && field.types.contains(&meta.kind);
        let own = available.iter().filter(usable).find(|meta| !store.is_platform(&meta.id));
        let chosen = own.or_else(|| available.iter().find(usable));
        match chosen {
            Some(meta) => {
                let meta = serde_json::to_value(meta)
                    .map_err(|error| ServiceError::internal("writing a credentials meta object", error))?;
                input.insert(field.name.clone(), meta);
            }
            None if field.required => return Err(missing_credentials(state, block, field)),
            None => {
                input.remove(&field.name);
            }
        }
    }
    Ok(())
}

fn missing_credentials(
    state: &AppState,
    block: &RegisteredBlock,
    field: &block_core::registry::CredentialField,
) -> ServiceError {
    let display =
        state.registry().provider(&field.provider).map_or(field.provider.as_str(), |provider| provider.display_name);
    let kinds: Vec<&str> = field.types.iter().map(|kind| kind.as_str()).collect();
    let url = &state.settings().public_url;
    let provider = &field.provider;
    let how = if kinds.contains(&"oauth2") {
        format!(
            "connect an account with POST {url}/external-api/v1/integrations/{provider}/oauth/initiate, or store \
             credentials with POST {url}/external-api/v1/integrations/{provider}/credentials"
        )
    } else {
        format!("store them with POST {url}/external-api/v1/integrations/{provider}/credentials")
    };
    ServiceError::new(
        Refusal::Invalid,
        "missing_credentials",
        format!(
            "{} needs {display} credentials (`{provider}`, {}) and you have none: {how}",
            block.name(),
            kinds.join(" or ")
        ),
    )
}
