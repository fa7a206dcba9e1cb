//! `#[derive(LogEvent)]`: the `LogEvent` impl for a struct whose attributes passed every check.

use std::fmt::Write as _;

use logfix_core::escape::escape_into;
use logfix_core::{Level, REDACTED};

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Path};

use crate::attr::{default_event, Container, Field, LevelSpec, Mode};
use crate::ctxt::Errors;
use crate::template::{Segment, Template};
use crate::{check, fallback};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::new();
    let container = Container::parse(&mut errors, &input.attrs);
    let mut fields = fields(&mut errors, input);
    let level_field = fields
        .as_mut()
        .and_then(|fields| check::level_field(&mut errors, &container, &input.ident, fields));
    if let Some(fields) = &fields {
        check::check(&mut errors, &input.ident, &input.generics, &container, fields);
    }
    let krate =
        container.krate.get().cloned().unwrap_or_else(|| syn::parse_quote!(::logfix_runtime));
    match errors.finish() {
        // `fields` is `None` only with an error recorded.
        Ok(()) => {
            expand(input, &krate, &container, &fields.unwrap_or_default(), level_field.as_ref())
        }
        Err(error) => fallback::expand(input, &krate, &error),
    }
}

/// The struct's named fields, or `None` (with an error) for input that has none to log.
fn fields<'a>(errors: &mut Errors, input: &'a DeriveInput) -> Option<Vec<Field<'a>>> {
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => {
                Some(named.named.iter().filter_map(|field| Field::parse(errors, field)).collect())
            }
            Fields::Unit => Some(Vec::new()),
            Fields::Unnamed(unnamed) => {
                errors.error(
                    unnamed,
                    "#[derive(LogEvent)] needs named fields, because the JSON keys are the field \
                     names: write `struct Name { field: Type }`",
                );
                None
            }
        },
        Data::Enum(data) => {
            errors.error(
                data.enum_token,
                "#[derive(LogEvent)] takes a struct, not an enum: make each kind of event its own \
                 struct",
            );
            None
        }
        Data::Union(data) => {
            errors.error(data.union_token, "#[derive(LogEvent)] takes a struct, not a union");
            None
        }
    }
}

fn expand(
    input: &DeriveInput,
    krate: &Path,
    container: &Container,
    fields: &[Field<'_>],
    level_field: Option<&Field<'_>>,
) -> TokenStream {
    let ident = &input.ident;
    let generics = with_bounds(&input.generics, krate, fields);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // `check` has made sure that `component` and `message` are set.
    let component = container.component.get().map(syn::LitStr::value).unwrap_or_default();
    let event = container.event.get().map_or_else(|| default_event(ident), syn::LitStr::value);
    let fixed = match container.level.get() {
        Some(LevelSpec::Fixed(level)) => Some(*level),
        Some(LevelSpec::Dynamic) => None,
        None => Some(Level::Info),
    };
    // What the runtime's `Metadata::json_head` would build, built here once: for each level the
    // event may have.
    let json_head = |level| {
        syn::LitByteStr::new(
            &logfix_core::json_head(level, &component, &event),
            proc_macro2::Span::call_site(),
        )
    };
    let (level, event_level, json_head) = match (fixed, level_field) {
        (Some(level), _) => {
            let head = json_head(level);
            let level = level_path(krate, level);
            (level.clone(), level, quote!(#head))
        }
        // `level = dynamic`: the metadata says `Trace`, the least an event of the type can be.
        (None, field) => {
            let field = field.map(|field| (field.ident, field.ty.span()));
            let (ident, span) = field.unwrap_or((ident, ident.span()));
            let arms = Level::ALL.map(|level| {
                let (path, head) = (level_path(krate, level), json_head(level));
                quote!(#path => #head)
            });
            (
                level_path(krate, Level::Trace),
                quote_spanned!(span=> {
                    let __logfix_level: #krate::__private::Level = self.#ident;
                    __logfix_level
                }),
                quote!(match #krate::__private::LogEvent::__level(self) { #(#arms),* }),
            )
        }
    };
    let keys = fields.iter().filter(|field| field.mode != Mode::Skip).map(Field::key);
    let body = write_body(container.message.get().map(|message| &message.template), fields, krate);
    // The body is one generic function, for JSON and the pretty format alike, so that a field
    // whose type cannot be logged is reported once.
    let mut write_generics = generics.clone();
    write_generics.params.push(syn::parse_quote!(__LogfixWriter: #krate::__private::EventWriter));
    let (write_generics, _, _) = write_generics.split_for_impl();
    // One limiter per event type (a `static` in a generic function is shared by every
    // instance of it).
    let rate_limiter = container.rate.get().map(|(events, seconds)| {
        quote! {
            #[inline]
            fn __rate_limiter(&self) -> ::core::option::Option<&'static #krate::__private::RateLimiter> {
                static __LOGFIX_LIMITER: #krate::__private::RateLimiter =
                    #krate::__private::RateLimiter::per(#events, #seconds);
                ::core::option::Option::Some(&__LOGFIX_LIMITER)
            }
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::__private::LogEvent for #ident #ty_generics #where_clause {
                fn metadata(&self) -> &'static #krate::__private::Metadata {
                    static __LOGFIX_METADATA: #krate::__private::Metadata =
                        #krate::__private::Metadata::new(
                            #component,
                            #event,
                            #level,
                            &[#(#keys),*],
                        );
                    &__LOGFIX_METADATA
                }

                #[inline]
                fn __level(&self) -> #krate::__private::Level {
                    #event_level
                }

                fn __json_head(&self) -> &'static [u8] {
                    #json_head
                }

                #rate_limiter

                // Inlined into the runtime's render of this event in optimised builds, so that
                // the line stays in registers; a call in debug builds, which stay small.
                #[cfg_attr(not(debug_assertions), inline(always))]
                #[cfg_attr(debug_assertions, inline)]
                #[allow(clippy::inline_always)]
                fn __write_json(&self, __logfix_line: &mut #krate::__private::Line<'_>) {
                    __logfix_write(self, __logfix_line);
                }

                fn __write_pretty(&self, __logfix_pretty: &mut #krate::__private::Pretty<'_>) {
                    __logfix_write(self, __logfix_pretty);
                }
            }

            // The event's own bounds come with its generics, the derive's in the where clause.
            #[allow(clippy::multiple_bound_locations, clippy::inline_always)]
            #[cfg_attr(not(debug_assertions), inline(always))]
            #[cfg_attr(debug_assertions, inline)]
            fn __logfix_write #write_generics (
                __logfix_event: &#ident #ty_generics,
                __logfix_writer: &mut __LogfixWriter,
            ) #where_clause {
                #body
            }
        };
    }
}

/// The body of `__logfix_write`: the message text, its closing quote, the context, then the
/// fields, in the order of the line. JSON's constant text is joined across fields into one copy;
/// the pretty format gets its pieces one by one (each writer ignores what is not its own).
fn write_body(template: Option<&Template>, fields: &[Field<'_>], krate: &Path) -> TokenStream {
    let mut body = Body::default();
    // Free text may quote a redacted field: its text is named first, to be removed from the
    // `Display` and `Debug` values (an event without such values pays nothing).
    if fields.iter().any(|field| matches!(field.mode, Mode::Display | Mode::Debug)) {
        for field in
            fields.iter().filter(|field| matches!(field.mode, Mode::Redact | Mode::Mask(_)))
        {
            let ident = field.ident;
            body.code.extend(quote! {{
                use #krate::__private::{KnownText as _, NoText as _};
                #krate::__private::EventWriter::known(
                    __logfix_writer,
                    (&#krate::__private::Known(&__logfix_event.#ident)).__logfix_known(),
                );
            }});
        }
    }
    for segment in template.map_or(&[][..], |template| &template.segments) {
        match segment {
            Segment::Literal(literal) => {
                let escaped = json_escaped(literal);
                body.json.push_str(&escaped);
                body.code.extend(quote!(__logfix_writer.message_text(#escaped);));
            }
            // `check` has made sure every placeholder names a field that can be written.
            Segment::Field(name) => {
                if let Some(field) = fields.iter().find(|field| field.name == *name) {
                    body.value(field, true, krate);
                }
            }
        }
    }
    body.json.push('"');
    body.call(
        quote!(__logfix_writer.context(#krate::__private::LogEvent::metadata(__logfix_event).fields());),
    );
    for field in fields {
        let (ident, key) = (field.ident, field.key());
        // Borrowing a skipped or redacted field (without reading it) keeps it from being
        // reported as never read: the attribute says it was considered on purpose.
        match field.mode {
            Mode::Skip => body.code.extend(quote!(let _ = &__logfix_event.#ident;)),
            Mode::Redact => {
                let _ = write!(body.json, ",\"{}\":\"{REDACTED}\"", json_escaped(&key));
                body.code.extend(quote! {
                    let _ = &__logfix_event.#ident;
                    __logfix_writer.key(#key);
                    __logfix_writer.redacted();
                });
            }
            Mode::Mask(mask) => {
                let _ = write!(body.json, ",\"{}\":", json_escaped(&key));
                body.code.extend(quote!(__logfix_writer.key(#key);));
                let variant = format_ident!("{}", mask.variant());
                let writer = quote_spanned!(field.ty.span()=> #krate::__private::EventWriter);
                body.call(quote_spanned!(field.ty.span()=>
                    #writer::masked(
                        __logfix_writer,
                        &__logfix_event.#ident,
                        #krate::__private::Mask::#variant,
                    );
                ));
            }
            Mode::Value | Mode::Display | Mode::Debug | Mode::Hex | Mode::Base64 | Mode::Serde => {
                let _ = write!(body.json, ",\"{}\":", json_escaped(&key));
                body.code.extend(quote!(__logfix_writer.key(#key);));
                body.value(field, false, krate);
            }
        }
    }
    body.flush();
    body.code
}

/// The statements of `__logfix_write`, and the constant JSON text still to be written before the
/// next value.
#[derive(Default)]
struct Body {
    code: TokenStream,
    json: String,
}

impl Body {
    /// Writes the JSON text so far, then `call`.
    fn call(&mut self, call: TokenStream) {
        self.flush();
        self.code.extend(call);
    }

    fn flush(&mut self) {
        if !self.json.is_empty() {
            let text = syn::LitByteStr::new(self.json.as_bytes(), proc_macro2::Span::call_site());
            self.code.extend(quote!(__logfix_writer.json(#text);));
            self.json.clear();
        }
    }

    /// Writes `field`'s value, in the message (`in_string`) or as a field. The span of the call
    /// is the field's type, so that a missing `Value`, `Display` or `Debug` impl is reported
    /// there.
    fn value(&mut self, field: &Field<'_>, in_string: bool, krate: &Path) {
        let (ident, Some(method)) = (field.ident, value_method(field.mode)) else { return };
        let writer = quote_spanned!(field.ty.span()=> #krate::__private::EventWriter);
        let mut value = quote_spanned!(field.ty.span()=> &__logfix_event.#ident);
        if field.mode == Mode::Value && field.is_context_id() && !in_string {
            value = quote_spanned!(field.ty.span()=> #krate::__private::context_id(#value));
        }
        self.call(quote_spanned!(field.ty.span()=>
            #writer::#method(__logfix_writer, #value, #in_string);
        ));
    }
}

/// `text` escaped for the inside of a JSON string, as the runtime escapes it, so that constant
/// parts of a line are escaped once, at compile time.
fn json_escaped(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    escape_into(&mut out, text);
    String::from_utf8_lossy(&out).into_owned()
}

/// The path to `level` in the runtime: `::logfix_runtime::__private::Level::Info`.
pub(crate) fn level_path(krate: &Path, level: Level) -> TokenStream {
    // The derived `Debug` of a fieldless enum is the variant's name.
    let variant = format_ident!("{level:?}");
    quote!(#krate::__private::Level::#variant)
}

/// The writer's method that takes the field's value.
fn value_method(mode: Mode) -> Option<Ident> {
    match mode {
        Mode::Value => Some(format_ident!("value")),
        Mode::Display => Some(format_ident!("display")),
        Mode::Debug => Some(format_ident!("debug")),
        Mode::Hex => Some(format_ident!("hex")),
        Mode::Base64 => Some(format_ident!("base64")),
        Mode::Serde => Some(format_ident!("serde")),
        Mode::Redact | Mode::Mask(_) | Mode::Skip => None,
    }
}

/// Adds `T: Value` (or `Display`, `Debug`) for each type parameter used by a logged field, as
/// `#[derive(Debug)]` does, so that a generic event is an event whenever its parameters can be
/// logged.
fn with_bounds(generics: &Generics, krate: &Path, fields: &[Field<'_>]) -> Generics {
    let mut generics = generics.clone();
    let params: Vec<Ident> = generics.type_params().map(|param| param.ident.clone()).collect();
    let mut bounds: Vec<TokenStream> = Vec::new();
    for param in &params {
        for (mode, bound) in [
            (Mode::Value, quote!(#krate::__private::Value)),
            (Mode::Display, quote!(::core::fmt::Display)),
            (Mode::Debug, quote!(::core::fmt::Debug)),
            (Mode::Hex, quote!(::core::convert::AsRef<[u8]>)),
            (Mode::Base64, quote!(::core::convert::AsRef<[u8]>)),
            (Mode::Serde, quote!(#krate::__private::SerdeValue)),
        ] {
            // A masked field is written through its `Display` text.
            let bound_by = |field: &Field<'_>| match field.mode {
                Mode::Mask(_) => mode == Mode::Display,
                other => other == mode,
            };
            if fields
                .iter()
                .any(|field| bound_by(field) && mentions(field.ty.to_token_stream(), param))
            {
                bounds.push(quote!(#param: #bound));
            }
        }
    }
    for param in &params {
        let named_like_an_id = |field: &Field<'_>| {
            field.mode == Mode::Value
                && field.is_context_id()
                && mentions(field.ty.to_token_stream(), param)
        };
        if fields.iter().any(named_like_an_id) {
            bounds.push(quote!(#param: #krate::__private::ContextId));
        }
    }
    if !bounds.is_empty() {
        let where_clause = generics.make_where_clause();
        for bound in bounds {
            where_clause.predicates.push(syn::parse_quote!(#bound));
        }
    }
    generics
}

fn mentions(tokens: TokenStream, param: &Ident) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == *param,
        TokenTree::Group(group) => mentions(group.stream(), param),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_path_replaces_logfix_runtime_everywhere() {
        let input: DeriveInput = syn::parse_quote! {
            #[log(crate = "lf", component = "auth", message = "user {user_id} logged in")]
            struct UserLogin<T> {
                user_id: T,
                #[log(redact)]
                email: String,
            }
        };
        let expanded = derive(&input).to_string();
        assert!(!expanded.contains("logfix_runtime"), "{expanded}");
        assert!(
            expanded.contains("impl < T > lf :: __private :: LogEvent for UserLogin < T >"),
            "{expanded}"
        );
        assert!(expanded.contains("where T : lf :: __private :: Value"), "{expanded}");
    }

    #[test]
    fn a_bad_input_still_gets_a_stub_impl() {
        let input: DeriveInput = syn::parse_quote! {
            #[log(component = "auth")]
            struct UserLogin { user_id: u64 }
        };
        let expanded = derive(&input).to_string();
        assert!(expanded.contains("compile_error !"), "{expanded}");
        assert!(
            expanded.contains(":: logfix_runtime :: __private :: LogEvent for UserLogin"),
            "{expanded}"
        );
    }
}
