//! The error collector: every problem found in one macro input, reported together.

use core::fmt::Display;

use quote::ToTokens;

/// Collects every error found in one macro input, so that they are all reported together.
///
/// It must be consumed by [`Errors::finish`]: dropping it unchecked would silently lose errors.
pub(crate) struct Errors {
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Self { errors: Some(Vec::new()) }
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn error(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// All the errors recorded, combined into one, if there were any.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        let errors = self.errors.take().unwrap_or_default();
        errors
            .into_iter()
            .reduce(|mut all, next| {
                all.combine(next);
                all
            })
            .map_or(Ok(()), Err)
    }
}

impl Drop for Errors {
    // A collector dropped without `finish` is a bug in this crate; failing loudly turns it into a
    // visible "proc-macro panicked" error instead of an expansion that silently drops diagnostics.
    fn drop(&mut self) {
        assert!(
            self.errors.is_none() || std::thread::panicking(),
            "logfix-macros: `Errors` dropped without calling `finish`"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finish_reports_every_error_in_order() {
        let mut errors = Errors::new();
        errors.error(quote::quote!(a), "first");
        errors.push(syn::Error::new(proc_macro2::Span::call_site(), "second"));
        let messages: Vec<String> =
            errors.finish().unwrap_err().into_iter().map(|error| error.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(Errors::new().finish().is_ok());
    }
}
