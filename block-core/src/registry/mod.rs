//! The set of known blocks, built once and validated.
//!
//! [`Registry::global`] holds every block linked into the binary (registered by
//! `#[block]` through `inventory`); [`Registry::builder`] makes a hand-picked set for
//! tests and for services that want only some blocks.

mod block;
mod error;
mod info;
mod shared;
mod validation;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

pub(crate) use block::with_origins;
pub use block::{CredentialField, RegisteredBlock};
pub use error::{RegistryError, RegistryProblem};
pub use shared::SharedRegistry;
pub use validation::InputProblem;

use crate::provider::{Provider, ProviderDescriptor, registered_providers};
use crate::{Block, BlockDescriptor, Registration};

/// A validated set of blocks with lookup by id and by name.
#[derive(Debug)]
pub struct Registry {
    blocks: Vec<RegisteredBlock>,
    by_id: foldhash::HashMap<&'static str, usize>,
    by_name: foldhash::HashMap<&'static str, usize>,
    providers: Vec<&'static ProviderDescriptor>,
    listing: OnceLock<String>,
}

impl Registry {
    /// Every block linked into this binary, built and validated on first use.
    ///
    /// The result is computed once; later calls return the same registry or the same
    /// error.
    pub fn global() -> Result<&'static Registry, RegistryError> {
        static GLOBAL: OnceLock<Result<Registry, RegistryError>> = OnceLock::new();
        GLOBAL.get_or_init(|| Registry::builder().all_registered().build()).as_ref().map_err(Clone::clone)
    }

    /// Starts a hand-picked registry.
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder { descriptors: Vec::new(), providers: Vec::new() }
    }

    /// The block with this id.
    pub fn by_id(&self, id: &str) -> Option<&RegisteredBlock> {
        self.by_id.get(id).map(|&index| &self.blocks[index])
    }

    /// The block with this name.
    pub fn by_name(&self, name: &str) -> Option<&RegisteredBlock> {
        self.by_name.get(name).map(|&index| &self.blocks[index])
    }

    /// The block with this id, or else this name.
    pub fn find(&self, id_or_name: &str) -> Option<&RegisteredBlock> {
        self.by_id(id_or_name).or_else(|| self.by_name(id_or_name))
    }

    /// Every known provider, sorted by name: those linked into the binary and those
    /// added to the builder.
    pub fn providers(&self) -> &[&'static ProviderDescriptor] {
        &self.providers
    }

    /// The provider with this slug.
    pub fn provider(&self, name: &str) -> Option<&'static ProviderDescriptor> {
        self.providers.iter().copied().find(|provider| provider.name == name)
    }

    /// Every provider as a UI lists it (name, display name, icon, auth types).
    pub fn providers_json(&self) -> serde_json::Value {
        serde_json::Value::Array(self.providers.iter().map(|provider| provider.info()).collect())
    }

    /// Every block, sorted by name.
    pub fn blocks(&self) -> impl ExactSizeIterator<Item = &RegisteredBlock> {
        self.blocks.iter()
    }

    /// The enabled blocks' info as one JSON array (the `GET /blocks` body, schemas
    /// inlined as the reference serves them), rendered once and cached.
    pub fn listing_json(&self) -> &str {
        self.listing.get_or_init(|| {
            let enabled: Vec<&Value> =
                self.blocks.iter().filter(|block| !block.descriptor.disabled).map(|block| &block.info).collect();
            serde_json::to_string(&enabled).unwrap_or_else(|_| "[]".to_owned())
        })
    }
}

/// Collects descriptors for [`Registry`]. Adding the same block twice is harmless.
#[derive(Debug, Clone)]
pub struct RegistryBuilder {
    descriptors: Vec<&'static BlockDescriptor>,
    providers: Vec<&'static ProviderDescriptor>,
}

impl RegistryBuilder {
    /// Adds block `B`.
    pub fn block<B: Block>(mut self) -> Self {
        self.descriptors.push(B::DESCRIPTOR);
        self
    }

    /// Adds a descriptor directly (the macro-free path).
    pub fn descriptor(mut self, descriptor: &'static BlockDescriptor) -> Self {
        self.descriptors.push(descriptor);
        self
    }

    /// Adds provider `P` (providers linked into the binary are always known).
    pub fn provider<P: Provider>(mut self) -> Self {
        self.providers.push(P::DESCRIPTOR);
        self
    }

    /// Adds every block registered with `#[block]` in the linked crates.
    pub fn all_registered(mut self) -> Self {
        self.descriptors.extend(inventory::iter::<Registration>.into_iter().map(|registration| registration.0));
        self
    }

    /// The descriptors added so far, each once, sorted by name.
    pub(crate) fn descriptors(&self) -> Vec<&'static BlockDescriptor> {
        let mut descriptors = self.descriptors.clone();
        descriptors.sort_by(|a, b| a.name.cmp(b.name).then(a.id.cmp(b.id)));
        descriptors.dedup_by(|a, b| std::ptr::eq(*a, *b));
        descriptors
    }

    /// The providers the registry will know: those added and those linked.
    pub(crate) fn known_providers(&self) -> Vec<&'static ProviderDescriptor> {
        let mut providers = self.providers.clone();
        providers.extend(registered_providers());
        providers.sort_by(|a, b| a.name.cmp(b.name));
        providers.dedup_by(|a, b| std::ptr::eq(*a, *b));
        providers
    }

    /// Renders every schema, compiles the validators and checks the set: ids are
    /// UUID v4 and unique, names are unique, defaults fit their fields, schemas
    /// compile and can be served inlined, credentials fields name registered
    /// providers and only kinds those providers offer. Every problem is reported,
    /// not just the first.
    pub fn build(self) -> Result<Registry, RegistryError> {
        let providers = self.known_providers();
        let descriptors = self.descriptors();

        let mut problems = Vec::new();
        // Every descriptor's id and name count for clashes, even one refused for
        // another reason, so that each clash is reported with both offenders.
        let mut seen_ids: HashMap<&'static str, &'static str> = HashMap::new();
        let mut seen_names: HashMap<&'static str, &'static str> = HashMap::new();
        let mut blocks = Vec::with_capacity(descriptors.len());
        for descriptor in descriptors {
            let mut clash = false;
            if let Some(first) = seen_ids.insert(descriptor.id, descriptor.name) {
                problems.push(RegistryProblem::DuplicateId { id: descriptor.id, first, second: descriptor.name });
                clash = true;
            }
            if let Some(first) = seen_names.insert(descriptor.name, descriptor.id) {
                problems.push(RegistryProblem::DuplicateName { name: descriptor.name, first, second: descriptor.id });
                clash = true;
            }
            if let Some(block) = error::check_and_render(descriptor, &providers, &mut problems)
                && !clash
            {
                blocks.push(block);
            }
        }
        if !problems.is_empty() {
            return Err(RegistryError::new(problems));
        }
        let by_id = blocks.iter().enumerate().map(|(index, block)| (block.descriptor.id, index)).collect();
        let by_name = blocks.iter().enumerate().map(|(index, block)| (block.descriptor.name, index)).collect();
        Ok(Registry { blocks, by_id, by_name, providers, listing: OnceLock::new() })
    }
}
