use block_core::prelude::*;
use block_core::{Block, CostUnit, Provider, Registry};

/// The Acme API.
#[provider(
    name = "acme",
    display_name = "Acme Corp",
    icon = "https://acme.test/icon.svg",
    api_key(env = "ACME_API_KEY"),
    oauth2(
        client_id_env = "ACME_CLIENT_ID",
        client_secret_env = "ACME_CLIENT_SECRET",
        scopes = ["read", "write"],
        authorize_url = "https://acme.test/oauth/authorize",
        token_url = "https://acme.test/oauth/token",
    ),
    user_password,
    host_scoped,
    trusted_origins = ["https://api.acme.test", "http://localhost:8080"],
    base_cost(run = 2, platform_only),
)]
pub struct Acme;

/// Inputs of the Acme block.
#[derive(BlockInput)]
pub struct AcmeInput {
    /// Acme access with the write scope.
    #[block_input(scopes = ["write"])]
    pub credentials: Credentials<Acme, (ApiKey, OAuth2)>,
    /// Optional second account.
    pub backup_credentials: Option<Credentials<Acme, ApiKey>>,
}

/// Outputs of the Acme block.
#[derive(BlockOutput)]
pub enum AcmeOutput {
    /// The credentials' kind.
    Kind(String),
}

/// Reports the kind of credentials it got.
#[block(
    id = "2b1c0d9e-8f7a-4b6c-9d5e-4f3a2b1c0d9e",
    categories(Basic),
    cost(run = 1, second = 3),
    tests = acme_cases
)]
pub struct AcmeBlock;

impl Run for AcmeBlock {
    type Input = AcmeInput;
    type Output = AcmeOutput;
    async fn run(&self, input: AcmeInput, _ctx: &RunContext, out: &Emit<AcmeOutput>) -> Result<(), BlockError> {
        out.emit(AcmeOutput::Kind(input.credentials.meta().kind.to_string())).await
    }
}

fn acme_cases() -> Vec<TestCase<AcmeBlock>> {
    vec![
        TestCase::new("uses the test credentials", AcmeInput { credentials: Credentials::test(), backup_credentials: None })
            .output(AcmeOutput::Kind("api_key".into())),
    ]
}

/// Inputs of the base-cost block.
#[derive(BlockInput)]
pub struct PlainInput {
    /// Acme key.
    pub credentials: Credentials<Acme, ApiKey>,
}

/// A block without costs of its own.
#[block(id = "3c2d1e0f-9a8b-4c7d-8e6f-5a4b3c2d1e0f", categories(Basic), untested = "only its costs are checked")]
pub struct PlainBlock;

impl Run for PlainBlock {
    type Input = PlainInput;
    type Output = AcmeOutput;
    async fn run(&self, _input: PlainInput, _ctx: &RunContext, _out: &Emit<AcmeOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

fn main() {
    assert_eq!(block_core::testing::run_block_cases::<AcmeBlock>().expect("passes"), 1);
    let descriptor = <Acme as Provider>::DESCRIPTOR;
    assert_eq!(descriptor.name, "acme");
    assert_eq!(descriptor.display_name, "Acme Corp");
    assert_eq!(descriptor.auth.len(), 4);
    assert_eq!(descriptor.trusted_origins, ["https://api.acme.test", "http://localhost:8080"]);
    assert_eq!(<AcmeBlock as Block>::DESCRIPTOR.costs.len(), 2);
    assert_eq!(<AcmeBlock as Block>::DESCRIPTOR.costs[1].unit, CostUnit::Second);

    let registry = Registry::global().expect("valid");
    assert!(registry.provider("acme").is_some());
    let block = registry.by_name("AcmeBlock").expect("registered");
    let credentials = &block.input_schema()["properties"]["credentials"];
    assert_eq!(credentials["credentials_types"], json!(["api_key", "oauth2"]));
    assert_eq!(credentials["credentials_scopes"], json!(["write"]));
    assert_eq!(block.input_schema()["required"], json!(["credentials"]));
    assert_eq!(block.info()["costs"][0], json!({"cost_amount": 1, "cost_type": "run", "cost_filter": {}}));

    let plain = registry.by_name("PlainBlock").expect("registered");
    let costs = plain.info()["costs"].as_array().expect("costs").clone();
    assert_eq!(costs.len(), 1, "the base cost, filtered on the one platform key: {costs:?}");
    assert_eq!(costs[0]["cost_amount"], 2);
    assert_eq!(costs[0]["cost_filter"]["credentials"]["provider"], "acme");
    assert_eq!(costs[0]["cost_filter"]["credentials"]["type"], "api_key");
}
