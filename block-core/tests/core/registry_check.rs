//! Credentials kinds checked against their provider, and `testing::check_registry`,
//! which a blocks crate calls in its own tests.

use block_core::credentials::CredentialsType;
use block_core::prelude::*;
use block_core::testing::check_registry;
use block_core::{BlockDescriptor, BlockTests, Registry, RegistryProblem, TriggerSpec};

/// Acme, reached with an API key only.
#[provider(name = "acme", display_name = "Acme", api_key(env = "ACME_API_KEY"))]
pub struct Acme;

/// Inputs asking for an Acme OAuth login, which Acme does not offer.
#[derive(BlockInput)]
pub struct LoginInput {
    /// An Acme login.
    pub credentials: Credentials<Acme, OAuth2>,
}

/// Inputs asking for an Acme API key or user/password pair.
#[derive(BlockInput)]
pub struct EitherInput {
    /// An Acme key, or a user name and password.
    pub credentials: Credentials<Acme, (ApiKey, UserPassword)>,
}

/// Inputs asking for an Acme API key, which Acme offers.
#[derive(BlockInput)]
pub struct KeyInput {
    /// An Acme API key.
    pub credentials: Credentials<Acme, ApiKey>,
}

/// Outputs of the Acme blocks.
#[derive(BlockOutput)]
pub enum AcmeOutput {
    /// Whatever Acme said.
    Answer(String),
}

macro_rules! acme_block {
    ($name:ident, $input:ty, $id:literal) => {
        /// An Acme block.
        #[block(id = $id, categories(Basic), untested = "only built to be checked")]
        pub struct $name;

        impl Run for $name {
            type Input = $input;
            type Output = AcmeOutput;
            async fn run(&self, _input: $input, _ctx: &RunContext, out: &Emit<AcmeOutput>) -> Result<(), BlockError> {
                out.emit(AcmeOutput::Answer("ok".into())).await
            }
        }
    };
}

acme_block!(AcmeLoginBlock, LoginInput, "1f2e3d4c-5b6a-4978-8a7b-6c5d4e3f2a1b");
acme_block!(AcmeEitherBlock, EitherInput, "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d");
acme_block!(AcmeKeyBlock, KeyInput, "3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e");

#[test]
fn a_kind_the_provider_does_not_offer_is_a_registry_error_naming_block_field_provider_and_kinds() {
    let error = Registry::builder().block::<AcmeLoginBlock>().build().expect_err("acme has no OAuth");
    assert_eq!(
        error.problems(),
        [RegistryProblem::UndeclaredKind {
            block: "AcmeLoginBlock",
            field: "credentials".into(),
            provider: "acme".into(),
            kinds: vec![CredentialsType::OAuth2],
            supported: vec![CredentialsType::ApiKey],
        }]
    );
    assert_eq!(
        error.problems()[0].to_string(),
        "block AcmeLoginBlock: credentials field `credentials` accepts oauth2 credentials, which provider `acme` \
         does not offer (it supports api_key); accept only those kinds, or declare the missing ones in its #[provider(...)]"
    );
}

#[test]
fn only_the_kinds_the_provider_lacks_are_named() {
    let error = Registry::builder().block::<AcmeEitherBlock>().build().expect_err("acme has no passwords");
    assert!(
        matches!(
            &error.problems()[0],
            RegistryProblem::UndeclaredKind { kinds, supported, .. }
                if *kinds == [CredentialsType::UserPassword] && *supported == [CredentialsType::ApiKey]
        ),
        "{error}"
    );
}

#[test]
fn a_kind_the_provider_offers_is_accepted() {
    assert!(Registry::builder().block::<AcmeKeyBlock>().build().is_ok());
    assert_eq!(check_registry(Registry::builder().block::<AcmeKeyBlock>()), Ok(()));
}

/// The key block again, under a clashing name and a fresh id.
static SAME_NAME: BlockDescriptor =
    BlockDescriptor { id: "4c5d6e7f-8a9b-4c0d-9e1f-3a4b5c6d7e8f", ..*AcmeKeyBlock::DESCRIPTOR };
/// The key block again, under a clashing id.
static SAME_ID: BlockDescriptor = BlockDescriptor { name: "AcmeKeyAgainBlock", ..*AcmeKeyBlock::DESCRIPTOR };
/// A hand-written descriptor with no test cases and no reason.
static NO_TESTS: BlockDescriptor = BlockDescriptor {
    id: "5d6e7f8a-9b0c-4d1e-8f2a-4b5c6d7e8f9a",
    name: "AcmeNoTestsBlock",
    tests: BlockTests::Missing,
    ..*AcmeKeyBlock::DESCRIPTOR
};
/// A hand-written trigger of a provider that sends no webhooks.
static DEAF_TRIGGER: BlockDescriptor = BlockDescriptor {
    id: "6e7f8a9b-0c1d-4e2f-9a3b-5c6d7e8f9a0b",
    name: "AcmeTriggerBlock",
    trigger: Some(TriggerSpec {
        provider: "acme",
        events: &["thing.happened"],
        event_prefix: None,
        filter_field: None,
    }),
    ..*AcmeKeyBlock::DESCRIPTOR
};

fn nowhere_credentials_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"credentials": {
            "type": "object",
            "credentials_provider": ["nowhere"],
            "credentials_types": ["api_key"],
        }},
        "required": ["credentials"],
    })
}

/// A hand-written descriptor whose credentials name a provider nobody registered.
static UNKNOWN_PROVIDER: BlockDescriptor = BlockDescriptor {
    id: "8a9b0c1d-2e3f-4a4b-9c5d-7e8f9a0b1c2d",
    name: "NowhereBlock",
    input_schema: nowhere_credentials_schema,
    ..*AcmeKeyBlock::DESCRIPTOR
};

#[test]
fn check_registry_returns_every_problem_of_a_blocks_crate_at_once() {
    let builder = Registry::builder()
        .block::<AcmeKeyBlock>()
        .descriptor(&SAME_NAME)
        .descriptor(&SAME_ID)
        .block::<AcmeLoginBlock>()
        .descriptor(&NO_TESTS)
        .descriptor(&DEAF_TRIGGER)
        .descriptor(&UNKNOWN_PROVIDER);
    let error = check_registry(builder).expect_err("several problems");
    let problems = error.problems();
    let has = |wanted: fn(&RegistryProblem) -> bool| problems.iter().any(wanted);
    assert!(has(|p| matches!(p, RegistryProblem::DuplicateName { name: "AcmeKeyBlock", .. })), "{error}");
    assert!(
        has(|p| matches!(p, RegistryProblem::DuplicateId { id: "3b4c5d6e-7f8a-4b9c-8d1e-2f3a4b5c6d7e", .. })),
        "{error}"
    );
    assert!(has(|p| matches!(p, RegistryProblem::UndeclaredKind { block: "AcmeLoginBlock", .. })), "{error}");
    assert!(has(|p| *p == RegistryProblem::NoTests { block: "AcmeNoTestsBlock" }), "{error}");
    assert!(
        has(|p| *p == RegistryProblem::TriggerWithoutWebhooks { block: "AcmeTriggerBlock", provider: "acme" }),
        "{error}"
    );
    assert!(
        has(
            |p| matches!(p, RegistryProblem::UnknownProvider { block: "NowhereBlock", provider, .. } if provider == "nowhere")
        ),
        "{error}"
    );
    assert_eq!(problems.len(), 6, "{error}");
    let message = error.to_string();
    assert!(message.starts_with("the block registry is invalid:\n  - "), "{message}");
    assert!(message.contains("AcmeNoTestsBlock has no test cases"), "{message}");
}

/// A block with a bad default: the build refuses it, and so does the check.
#[derive(BlockInput)]
pub struct BadDefaultInput {
    /// A count with a text default.
    #[block_input(default = "lots")]
    pub count: u8,
}

/// The bad-default block.
#[block(id = "7f8a9b0c-1d2e-4f3a-8b4c-6d7e8f9a0b1c", categories(Basic), untested = "only built to be refused")]
pub struct BadDefaultBlock;

impl Run for BadDefaultBlock {
    type Input = BadDefaultInput;
    type Output = AcmeOutput;
    async fn run(&self, _input: BadDefaultInput, _ctx: &RunContext, _out: &Emit<AcmeOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

#[test]
fn check_registry_over_every_linked_block_reports_bad_defaults_too() {
    let error = check_registry(Registry::builder().all_registered()).expect_err("this binary links bad blocks");
    let problems = error.problems();
    assert!(
        problems.iter().any(|p| matches!(p, RegistryProblem::BadDefault { block: "BadDefaultBlock", .. })),
        "{error}"
    );
    assert!(
        problems.iter().any(|p| matches!(p, RegistryProblem::UndeclaredKind { block: "AcmeLoginBlock", .. })),
        "{error}"
    );
    assert!(
        problems.iter().any(|p| matches!(p, RegistryProblem::UndeclaredKind { block: "AcmeEitherBlock", .. })),
        "{error}"
    );
}
