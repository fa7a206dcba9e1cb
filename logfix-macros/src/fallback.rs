//! What the macros emit when the input has errors, so that one mistake does not cascade:
//! for `#[derive(LogEvent)]`, the errors plus a stub impl, so that every place using the type as an
//! event does not add a "`LogEvent` is not implemented" error of its own; for `#[logged]`, the
//! errors plus the function as written, so that its callers still compile.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, ItemFn, Path};

pub(crate) fn expand(input: &DeriveInput, krate: &Path, error: &syn::Error) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let error = error.to_compile_error();
    // The bodies never run: a crate with these errors does not compile.
    quote! {
        #error
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::LogEvent for #ident #ty_generics #where_clause {
                fn metadata(&self) -> &'static #krate::__private::Metadata {
                    ::core::unreachable!()
                }

                fn __write_json(&self, _: &mut #krate::__private::Line<'_>) {
                    ::core::unreachable!()
                }

                fn __write_pretty(&self, _: &mut #krate::__private::Pretty<'_>) {
                    ::core::unreachable!()
                }
            }
        };
    }
}

/// `#[logged]` with errors: the errors, and the function untouched but for the `#[log(...)]` on
/// its arguments, which are not real attributes and would add errors of their own.
pub(crate) fn function(function: &ItemFn, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote! {
        #error
        #function
    }
}

/// `#[logged]` on something other than a function with a body: the error, and the input as it is.
pub(crate) fn not_a_function(input: &TokenStream, error: &syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote! {
        #error
        #input
    }
}
