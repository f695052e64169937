//! The parsing pipeline shared by every macro: attributes are parsed into a typed
//! model (`attr`), checked (`check`), with every error collected (`ctxt`).

pub mod attr;
pub mod check;
pub mod cost;
pub mod ctxt;
pub mod symbol;
pub mod text;
pub mod uuid;
