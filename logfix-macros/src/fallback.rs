//! What `#[derive(LogEvent)]` emits when the input has errors: the errors, plus a stub impl so
//! that every place using the type as an event does not add a "`LogEvent` is not implemented"
//! error of its own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, Path};

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

                fn __write_message(&self, _: &mut #krate::__private::MessageWriter<'_>) {
                    ::core::unreachable!()
                }

                fn __write_fields(&self, _: &mut #krate::__private::FieldWriter<'_>) {
                    ::core::unreachable!()
                }
            }
        };
    }
}
