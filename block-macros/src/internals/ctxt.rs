//! Collects errors so the user sees every mistake of one item in one build.

use std::cell::Cell;
use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

/// The errors found so far. Every context must be reported
/// ([`to_compile_errors`](Ctxt::to_compile_errors)) or absorbed into another before
/// it is dropped: dropping one unreported panics (in the macro, at build time), so
/// an expansion path that forgets its errors fails every test that takes it instead
/// of silently compiling a mistake (serde_derive's `Ctxt`).
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
    reported: Cell<bool>,
}

impl Ctxt {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error spanned on `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.errors.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records a parse error.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The collected errors as `compile_error!` invocations; the context is reported.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.reported.set(true);
        self.errors.iter().map(syn::Error::to_compile_error).collect()
    }

    /// Moves another context's errors into this one.
    pub fn absorb(&mut self, mut other: Ctxt) {
        other.reported.set(true);
        self.errors.append(&mut other.errors);
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !self.reported.get() && !std::thread::panicking() {
            panic!("block-macros: an error context was dropped without reporting its errors");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_or_absorbed_context_drops_quietly() {
        let mut outer = Ctxt::new();
        let mut inner = Ctxt::new();
        inner.error_spanned_by(quote::quote!(x), "inner");
        outer.absorb(inner);
        assert_eq!(outer.to_compile_errors().to_string().matches("compile_error").count(), 1);
    }

    #[test]
    #[should_panic(expected = "dropped without reporting its errors")]
    fn an_unreported_context_panics_when_dropped() {
        let mut cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(x), "lost");
    }
}
