//! Real integrations, one module each.
