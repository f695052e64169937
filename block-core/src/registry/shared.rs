//! A registry that can be held by tasks: the global one or a shared owned one.

use std::ops::Deref;
use std::sync::Arc;

use super::Registry;

/// A registry tasks can hold: [`Registry::global`]'s, or an owned one behind an
/// `Arc`. Cheap to clone; derefs to [`Registry`].
///
/// ```
/// use block_core::registry::SharedRegistry;
/// use block_core::Registry;
///
/// let shared: SharedRegistry = Registry::builder().build()?.into();
/// assert_eq!(shared.blocks().len(), 0);
/// # Ok::<(), block_core::RegistryError>(())
/// ```
#[derive(Debug, Clone)]
pub enum SharedRegistry {
    /// The process-wide registry.
    Static(&'static Registry),
    /// An owned registry, shared.
    Owned(Arc<Registry>),
}

impl Deref for SharedRegistry {
    type Target = Registry;

    fn deref(&self) -> &Registry {
        match self {
            SharedRegistry::Static(registry) => registry,
            SharedRegistry::Owned(registry) => registry,
        }
    }
}

impl From<&'static Registry> for SharedRegistry {
    fn from(registry: &'static Registry) -> Self {
        SharedRegistry::Static(registry)
    }
}

impl From<Registry> for SharedRegistry {
    fn from(registry: Registry) -> Self {
        SharedRegistry::Owned(Arc::new(registry))
    }
}

impl From<Arc<Registry>> for SharedRegistry {
    fn from(registry: Arc<Registry>) -> Self {
        SharedRegistry::Owned(registry)
    }
}
