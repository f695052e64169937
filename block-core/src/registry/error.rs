//! What can be wrong with a set of blocks, and the checks that find it.

use std::fmt;

use serde_json::Value;

use crate::BlockDescriptor;
use crate::credentials::CredentialsType;
use crate::provider::ProviderDescriptor;
use crate::schema::wire_schema;

use super::{CredentialField, RegisteredBlock};

/// One reason a registry could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryProblem {
    /// Two blocks share an id.
    DuplicateId {
        /// The shared id.
        id: &'static str,
        /// The first block's name.
        first: &'static str,
        /// The second block's name.
        second: &'static str,
    },
    /// Two blocks share a name.
    DuplicateName {
        /// The shared name.
        name: &'static str,
        /// The first block's id.
        first: &'static str,
        /// The second block's id.
        second: &'static str,
    },
    /// An id is not a lowercase UUID v4.
    InvalidId {
        /// The block's name.
        block: &'static str,
        /// The id as written.
        id: &'static str,
    },
    /// A declared default does not fit its field.
    BadDefault {
        /// The block's name.
        block: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A credentials field names a provider that is not registered.
    UnknownProvider {
        /// The block's name.
        block: &'static str,
        /// The field.
        field: String,
        /// The provider slug.
        provider: String,
    },
    /// A credentials field accepts a kind of credentials its provider does not
    /// offer (`Credentials<Acme, OAuth2>` for an API-key-only provider).
    UndeclaredKind {
        /// The block's name.
        block: &'static str,
        /// The field.
        field: String,
        /// The provider slug.
        provider: String,
        /// The kinds the field accepts that the provider does not offer.
        kinds: Vec<CredentialsType>,
        /// The kinds the provider offers.
        supported: Vec<CredentialsType>,
    },
    /// A schema is not a valid JSON schema.
    InvalidSchema {
        /// The block's name.
        block: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A block has neither test cases nor a reason to have none (a hand-written
    /// descriptor with `BlockTests::Missing`). Reported by
    /// [`check_registry`](crate::testing::check_registry), not by the build.
    NoTests {
        /// The block's name.
        block: &'static str,
    },
    /// A trigger block's provider is not registered or sends no webhooks (the
    /// `#[block(trigger(...))]` attribute refuses this at compile time; hand-written
    /// descriptors are checked here). Reported by
    /// [`check_registry`](crate::testing::check_registry), not by the build.
    TriggerWithoutWebhooks {
        /// The block's name.
        block: &'static str,
        /// The provider slug the trigger names.
        provider: &'static str,
    },
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryProblem::DuplicateId { id, first, second } => {
                write!(f, "blocks {first} and {second} both have the id {id}; give one of them a new UUID v4")
            }
            RegistryProblem::DuplicateName { name, first, second } => write!(
                f,
                "two blocks are named {name} (ids {first} and {second}); rename one with #[block(name = \"...\")]"
            ),
            RegistryProblem::InvalidId { block, id } => {
                write!(f, "block {block} has the id {id:?}, which is not a lowercase UUID v4")
            }
            RegistryProblem::BadDefault { block, message } => write!(f, "block {block}: {message}"),
            RegistryProblem::UnknownProvider { block, field, provider } => write!(
                f,
                "block {block}: credentials field `{field}` names provider `{provider}`, which is not registered; \
                 declare it with #[provider(...)] in a linked crate or add it with Registry::builder().provider::<P>()"
            ),
            RegistryProblem::UndeclaredKind { block, field, provider, kinds, supported } => write!(
                f,
                "block {block}: credentials field `{field}` accepts {} credentials, which provider `{provider}` does \
                 not offer (it supports {}); accept only those kinds, or declare the missing ones in its #[provider(...)]",
                kind_list(kinds),
                kind_list(supported)
            ),
            RegistryProblem::InvalidSchema { block, message } => write!(f, "block {block}: {message}"),
            RegistryProblem::NoTests { block } => write!(
                f,
                "block {block} has no test cases; give it `tests = fn_name`, or `untested = \"reason\"` if it cannot have any"
            ),
            RegistryProblem::TriggerWithoutWebhooks { block, provider } => write!(
                f,
                "block {block} is a trigger of provider `{provider}`, which is not registered or sends no webhooks; \
                 declare `webhooks(manual | auto, manager = ...)` in its #[provider(...)]"
            ),
        }
    }
}

/// `api_key`, `api_key and oauth2`, `api_key, oauth2 and user_password`; `none` for none.
fn kind_list(kinds: &[CredentialsType]) -> String {
    match kinds {
        [] => "none".to_owned(),
        [one] => one.as_str().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|kind| kind.as_str()).collect();
            format!("{} and {}", init.join(", "), last.as_str())
        }
    }
}

/// Why a registry could not be built: every problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    problems: Vec<RegistryProblem>,
}

impl RegistryError {
    pub(crate) fn new(problems: Vec<RegistryProblem>) -> Self {
        RegistryError { problems }
    }

    /// Every problem found.
    pub fn problems(&self) -> &[RegistryProblem] {
        &self.problems
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the block registry is invalid:")?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryError {}

/// Whether `id` is a lowercase, hyphenated UUID version 4 (RFC 9562 variant).
pub fn is_uuid_v4(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
        && bytes[14] == b'4'
        && matches!(bytes[19], b'8' | b'9' | b'a' | b'b')
}

/// Checks one descriptor and, if sound, renders it into a runnable block.
pub(super) fn check_and_render(
    descriptor: &'static BlockDescriptor,
    providers: &[&'static ProviderDescriptor],
    problems: &mut Vec<RegistryProblem>,
) -> Option<RegisteredBlock> {
    let before = problems.len();
    if !is_uuid_v4(descriptor.id) {
        problems.push(RegistryProblem::InvalidId { block: descriptor.name, id: descriptor.id });
    }
    for message in (descriptor.check_defaults)() {
        problems.push(RegistryProblem::BadDefault { block: descriptor.name, message });
    }
    let input_schema = (descriptor.input_schema)();
    let output_schema = (descriptor.output_schema)();
    let mut wire = |which: &str, schema: &Value| match wire_schema(schema) {
        Ok(wire) => Some(wire),
        Err(error) => {
            problems.push(RegistryProblem::InvalidSchema {
                block: descriptor.name,
                message: format!("the {which} schema cannot be served with its references inlined: {error}"),
            });
            None
        }
    };
    let wire_input = wire("input", &input_schema);
    let wire_output = wire("output", &output_schema);
    // Inputs are validated against the schema clients are served, so what a client
    // reads is exactly what is enforced.
    let validator = match wire_input.as_ref().map(jsonschema::draft202012::new) {
        Some(Ok(validator)) => Some(validator),
        Some(Err(error)) => {
            problems.push(RegistryProblem::InvalidSchema {
                block: descriptor.name,
                message: format!("the input schema does not compile: {error}"),
            });
            None
        }
        None => None,
    };
    let credential_fields = CredentialField::from_schema(&input_schema);
    let mut trusted_origins: Vec<&'static str> = Vec::new();
    for field in &credential_fields {
        match providers.iter().find(|provider| provider.name == field.provider) {
            Some(provider) => {
                let supported = provider.credential_types();
                let kinds: Vec<CredentialsType> =
                    field.types.iter().copied().filter(|kind| !supported.contains(kind)).collect();
                if !kinds.is_empty() {
                    problems.push(RegistryProblem::UndeclaredKind {
                        block: descriptor.name,
                        field: field.name.clone(),
                        provider: field.provider.clone(),
                        kinds,
                        supported,
                    });
                }
                for &origin in provider.trusted_origins {
                    if let Err(error) = crate::http::HttpPolicy::default().trusted_origin(origin) {
                        problems.push(RegistryProblem::InvalidSchema {
                            block: descriptor.name,
                            message: format!(
                                "provider `{}` trusts `{origin}`, which is not an origin: {error}",
                                provider.name
                            ),
                        });
                    } else if !trusted_origins.contains(&origin) {
                        trusted_origins.push(origin);
                    }
                }
            }
            None => problems.push(RegistryProblem::UnknownProvider {
                block: descriptor.name,
                field: field.name.clone(),
                provider: field.provider.clone(),
            }),
        }
    }
    if problems.len() > before {
        return None;
    }
    let costs = super::info::effective_costs(descriptor, &credential_fields, providers);
    let costs_info = super::info::costs_info(&costs, &credential_fields, providers);
    let info = super::info::render(descriptor, wire_input?, wire_output?, &costs_info);
    let secret_fields = super::validation::secret_fields_of(&input_schema);
    Some(RegisteredBlock {
        descriptor,
        secret_fields,
        input_schema,
        output_schema,
        validator: validator?,
        info,
        credential_fields,
        costs,
        trusted_origins: trusted_origins.into(),
        block: (descriptor.instantiate)(),
    })
}

#[cfg(test)]
mod tests {
    use super::is_uuid_v4;

    #[test]
    fn accepts_only_lowercase_uuid_v4() {
        assert!(is_uuid_v4("5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f"));
        assert!(!is_uuid_v4("5f6f3a34-8f4e-1b8e-9f38-1d2c3b4a5e6f"), "version 1");
        assert!(!is_uuid_v4("5f6f3a34-8f4e-4b8e-7f38-1d2c3b4a5e6f"), "wrong variant");
        assert!(!is_uuid_v4("5F6F3A34-8F4E-4B8E-9F38-1D2C3B4A5E6F"), "uppercase");
        assert!(!is_uuid_v4("5f6f3a348f4e4b8e9f381d2c3b4a5e6f"), "no hyphens");
        assert!(!is_uuid_v4(""), "empty");
    }
}
