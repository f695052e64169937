//! Credentials fields: resolution through the store before `run`, every way it can
//! be refused, and secrets that never leak.

use std::sync::Arc;

use block_core::credentials::{
    ApiKeyCredentials, CredentialsMeta, CredentialsType, ExposeSecret, OAuth2Credentials, StoredCredentials,
};
use block_core::prelude::*;
use block_core::provider::{ProviderRegistration, platform_credentials, platform_id};
use block_core::schema::{FieldSpec, InputSchemaBuilder, root_input_schema};
use block_core::{
    ApiKey, AuthMethod, Credentials, ExecuteError, Executor, InMemoryCredentialStore, Provider, ProviderDescriptor,
    Registry, RegistryProblem, RunOptions,
};

const CANARY: &str = "canary-secret-3f9a1c";

/// The Acme test provider.
pub struct Acme;

impl Provider for Acme {
    const DESCRIPTOR: &'static ProviderDescriptor = &ProviderDescriptor {
        name: "acme",
        display_name: "Acme",
        icon: None,
        auth: &[AuthMethod::ApiKey { env: Some("ACME_API_KEY") }],
        trusted_origins: &["https://api.acme.test"],
        base_costs: &[],
        webhooks: None,
    };
}

inventory::submit!(ProviderRegistration(Acme::DESCRIPTOR));

/// Input of the key-checking block.
#[derive(BlockInput)]
pub struct CheckInput {
    /// The Acme key.
    pub credentials: Credentials<Acme, ApiKey>,
}

/// Outputs of the key-checking block.
#[derive(BlockOutput)]
pub enum CheckOutput {
    /// Whether the key is the canary.
    IsCanary(bool),
    /// The credentials' id.
    CredentialsId(String),
}

/// Reports whether it was given the canary key, without ever emitting it.
#[block(id = "4c3b2a19-0f8e-4d7c-9b6a-5e4d3c2b1a09", categories(Basic), untested = "cases are in this file")]
pub struct CheckBlock;

impl Run for CheckBlock {
    type Input = CheckInput;
    type Output = CheckOutput;
    async fn run(&self, input: CheckInput, _ctx: &RunContext, out: &Emit<CheckOutput>) -> Result<(), BlockError> {
        out.emit(CheckOutput::IsCanary(input.credentials.api_key().expose_secret() == CANARY)).await?;
        out.emit(CheckOutput::CredentialsId(input.credentials.meta().id.clone())).await
    }
}

fn key(id: &str, secret: &str, expires_at: Option<i64>) -> StoredCredentials {
    StoredCredentials::ApiKey(ApiKeyCredentials {
        meta: CredentialsMeta { id: id.into(), provider: "acme".into(), kind: CredentialsType::ApiKey, title: None },
        api_key: secret.into(),
        expires_at,
    })
}

fn oauth(id: &str) -> StoredCredentials {
    StoredCredentials::OAuth2(OAuth2Credentials {
        meta: CredentialsMeta { id: id.into(), provider: "acme".into(), kind: CredentialsType::OAuth2, title: None },
        access_token: CANARY.into(),
        access_token_expires_at: None,
        refresh_token: None,
        refresh_token_expires_at: None,
        scopes: vec![],
        username: None,
    })
}

fn executor() -> Executor {
    let store = InMemoryCredentialStore::new()
        .with_user("alice", [key("alice-key", CANARY, None), key("old-key", CANARY, Some(1)), oauth("alice-oauth")])
        .with_user("bob", [key("bob-key", "bobs", None)])
        .with_platform(platform_credentials([Acme::DESCRIPTOR], |name| {
            (name == "ACME_API_KEY").then(|| CANARY.to_owned())
        }));
    Executor::new().with_credentials(Arc::new(store))
}

fn meta(id: &str, kind: &str) -> Value {
    json!({"credentials": {"id": id, "provider": "acme", "type": kind, "title": "t"}})
}

async fn run(user: &str, input: Value) -> Result<block_core::Outputs, ExecuteError> {
    let registry = Registry::builder().block::<CheckBlock>().build().expect("valid");
    let block = registry.by_name("CheckBlock").expect("registered");
    Ok(executor().execute(block, input, RunOptions::for_user(user)).await?.collect().await)
}

fn problem_at_credentials(result: Result<block_core::Outputs, ExecuteError>) -> String {
    match result {
        Err(ExecuteError::UnusableCredentials { problems, .. }) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert_eq!(problems[0].path, "/credentials");
            assert!(!problems[0].message.contains(CANARY), "a secret leaked: {}", problems[0].message);
            problems[0].message.clone()
        }
        other => panic!("expected a credentials problem, got {other:?}"),
    }
}

#[tokio::test]
async fn run_sees_the_users_own_resolved_secret() {
    let outputs = run("alice", meta("alice-key", "api_key")).await.expect("runs");
    assert_eq!(outputs.to_json(), json!({"is_canary": [true], "credentials_id": ["alice-key"]}));
}

#[tokio::test]
async fn platform_default_credentials_work_for_every_user() {
    let id = platform_id("acme", CredentialsType::ApiKey);
    let outputs = run("carol", meta(&id, "api_key")).await.expect("runs");
    assert_eq!(outputs.get("is_canary"), Some(&[json!(true)][..]));
}

#[tokio::test]
async fn someone_elses_credentials_look_exactly_like_unknown_ones() {
    let other = problem_at_credentials(run("alice", meta("bob-key", "api_key")).await);
    let unknown = problem_at_credentials(run("alice", meta("no-such-key", "api_key")).await);
    assert_eq!(other.replace("bob-key", "X"), unknown.replace("no-such-key", "X"));
    assert!(unknown.contains("no credentials with id `no-such-key`"), "{unknown}");
}

#[tokio::test]
async fn wrong_provider_wrong_kind_and_expired_credentials_are_refused_before_run() {
    let wrong_provider = json!({"credentials": {"id": "alice-key", "provider": "github", "type": "api_key"}});
    let message = match run("alice", wrong_provider).await {
        Err(ExecuteError::InvalidInput { problems, .. }) => format!("{problems:?}"),
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert!(message.contains("/credentials/provider"), "the schema pins the provider: {message}");

    let message = problem_at_credentials(run("alice", meta("alice-oauth", "api_key")).await);
    assert!(message.contains("are oauth2; this field accepts api_key"), "{message}");

    let message = problem_at_credentials(run("alice", meta("old-key", "api_key")).await);
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn an_execution_without_a_user_cannot_use_credentials() {
    let registry = Registry::builder().block::<CheckBlock>().build().expect("valid");
    let block = registry.by_name("CheckBlock").expect("registered");
    let error = executor().execute(block, meta("alice-key", "api_key"), RunOptions::default()).await;
    let message = problem_at_credentials(error.map(|_| panic!("the run started without a user")));
    assert!(message.contains("names none"), "{message}");
}

#[tokio::test]
async fn the_secret_never_appears_in_debug_errors_schemas_info_or_outputs() {
    let registry = Registry::builder().block::<CheckBlock>().build().expect("valid");
    let block = registry.by_name("CheckBlock").expect("registered");
    let credentials = Credentials::<Acme, ApiKey>::new(
        CredentialsMeta { id: "alice-key".into(), provider: "acme".into(), kind: CredentialsType::ApiKey, title: None },
        match key("alice-key", CANARY, None) {
            StoredCredentials::ApiKey(key) => key,
            other => panic!("expected an API key, got {other:?}"),
        },
    );
    let input = CheckInput { credentials };
    let serialized = serde_json::to_string(&input).expect("serializes");
    let outputs = run("alice", serde_json::from_str(&serialized).expect("json")).await.expect("runs");
    let leaks = [
        ("Debug of the credentials", format!("{:?}", input.credentials)),
        ("serialized input", serialized),
        ("input schema", block.input_schema().to_string()),
        ("block info", block.info().to_string()),
        ("listing", registry.listing_json().to_owned()),
        ("outputs", outputs.to_json().to_string()),
        ("Debug of stored credentials", format!("{:?}", key("k", CANARY, None))),
        (
            "Debug of the store",
            format!("{:?}", InMemoryCredentialStore::new().with_user("u", [key("k", CANARY, None)])),
        ),
    ];
    for (what, text) in leaks {
        assert!(!text.contains(CANARY), "the secret leaked into the {what}: {text}");
    }
}

#[test]
fn the_credentials_schema_names_provider_types_and_scopes() {
    let registry = Registry::builder().block::<CheckBlock>().build().expect("valid");
    let schema =
        registry.by_name("CheckBlock").expect("registered").input_schema()["properties"]["credentials"].clone();
    assert_eq!(schema["credentials_provider"], json!(["acme"]));
    assert_eq!(schema["credentials_types"], json!(["api_key"]));
    assert_eq!(schema["required"], json!(["id", "provider", "type"]));

    let schema = root_input_schema(|generator| {
        let mut builder = InputSchemaBuilder::new(generator, "Scoped", "");
        builder.field::<Credentials<Acme, ApiKey>>(FieldSpec { scopes: &["repo"], ..FieldSpec::new("credentials") });
        builder.finish()
    });
    assert_eq!(schema["properties"]["credentials"]["credentials_scopes"], json!(["repo"]));
}

/// A provider nobody registered.
pub struct Unregistered;

impl Provider for Unregistered {
    const DESCRIPTOR: &'static ProviderDescriptor = &ProviderDescriptor {
        name: "unregistered",
        display_name: "Unregistered",
        icon: None,
        auth: &[AuthMethod::ApiKey { env: None }],
        trusted_origins: &[],
        base_costs: &[],
        webhooks: None,
    };
}

/// Input naming the unregistered provider.
#[derive(BlockInput)]
pub struct OrphanInput {
    /// Credentials of a provider nobody registered.
    pub credentials: Credentials<Unregistered, ApiKey>,
}

/// A block whose provider is not registered.
#[block(id = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5e", categories(Basic), untested = "only built to be refused")]
pub struct OrphanBlock;

impl Run for OrphanBlock {
    type Input = OrphanInput;
    type Output = CheckOutput;
    async fn run(&self, _input: OrphanInput, _ctx: &RunContext, _out: &Emit<CheckOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

#[test]
fn a_block_naming_an_unregistered_provider_is_refused() {
    let error = Registry::builder().block::<OrphanBlock>().build().expect_err("unknown provider");
    assert!(error.problems().contains(&RegistryProblem::UnknownProvider {
        block: "OrphanBlock",
        field: "credentials".into(),
        provider: "unregistered".into(),
    }));
    assert!(Registry::builder().block::<OrphanBlock>().provider::<Unregistered>().build().is_ok());
}

#[test]
fn the_registry_lists_providers_with_a_fallback_icon() {
    let registry = Registry::builder().block::<CheckBlock>().build().expect("valid");
    let acme = registry.providers_json().as_array().expect("array").iter().find(|p| p["name"] == "acme").cloned();
    let acme = acme.expect("acme is listed");
    assert_eq!(acme["display_name"], "Acme");
    assert_eq!(acme["supported_auth_types"], json!(["api_key"]));
    assert!(acme["icon"].as_str().is_some_and(|icon| icon.starts_with("<svg")));
}

fn check_cases() -> Vec<TestCase<CheckBlock>> {
    let test_id = Credentials::<Acme, ApiKey>::test().meta().id.clone();
    vec![
        TestCase::new("runs on the provider's test credentials", CheckInput { credentials: Credentials::test() })
            .outputs([CheckOutput::IsCanary(false), CheckOutput::CredentialsId(test_id)]),
        TestCase::json("refuses credentials the test user does not have", meta("alice-key", "api_key"))
            .invalid_input(["/credentials"]),
    ]
}

#[test]
fn the_harness_resolves_test_credentials_for_the_test_user() {
    assert_eq!(block_core::testing::run_cases::<CheckBlock>(check_cases()).expect("passes"), 2);
}
