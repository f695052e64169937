//! The parsing pipeline shared by every macro: items are parsed into typed models
//! (`ast`, with their attributes through `attr`), checked (`check`), with every error
//! collected (`ctxt`); each macro's own module then expands a model.

pub mod ast;
pub mod attr;
pub mod check;
pub mod cost;
pub mod ctxt;
pub mod former;
pub mod symbol;
pub mod text;
pub mod uuid;
