//! `#[logged]`: the function as written, plus one event per call, written when it returns.
//!
//! # What is generated
//!
//! ```text
//! #[attrs] vis sig {                      // the signature exactly as written, minus #[log(...)]
//!     static __LOGFIX_SITE: CallSite = CallSite { component, event, levels, messages, .. };
//!     let __logfix_call = Call::start(&__LOGFIX_SITE, |__logfix_w| {
//!         __logfix_w.value("user", &user);     // the arguments, rendered now: the body may
//!         __logfix_w.redacted("email");        // consume them
//!     });
//!     let __logfix_result = Call::run::<Ret>(move || { body });        // sync
//!     let __logfix_result = async move { hint::<Ret>; body's statements }.await;   // async
//!     match &__logfix_result { Ok(_) => __logfix_call.ok(), Err(e) => __logfix_call.err(e, type, ..) }
//!     __logfix_result
//! }
//! ```
//!
//! `__logfix_call` is a drop guard: if the body panics, or the future of an async function is
//! dropped at an `.await`, it is dropped without `ok` or `err` having been called, and writes the
//! event with `"outcome":"panicked"` or `"outcome":"cancelled"` (see the runtime's `call.rs`).
//!
//! # How the body is wrapped
//!
//! The body must end in one place whatever path it takes (`return`, `?`, its tail), without being
//! rewritten, so that the result can be looked at once. The options considered:
//!
//! - Rewriting `return` into `break 'label` in a labeled block: misses the `return` inside macros
//!   (`anyhow::bail!`, `ensure!`) and cannot rewrite `?`, whose desugaring is unstable.
//! - A nested `fn` holding the body: cannot use `self`, `Self` or the outer generics.
//! - A drop guard: sees that the function returned, but not the value, so no `Ok`/`Err`.
//! - A closure called in place, `(move || body)()`, as `tracing`'s `#[instrument(err)]` does. The
//!   closure is then inferred `FnMut`, which may not return borrows of what it captured (a
//!   `&mut self` method returning `&mut self.field` fails), and its return type is inferred from
//!   the first `return`, so `return Err(Box::new(e))` no longer coerces to `Box<dyn Error>` and
//!   `?` may not know which error type to convert to.
//!
//! Sync functions use the closure, but hand it to `Call::run::<Ret>`, which takes an `FnOnce`: a
//! closure passed where an `FnOnce` is expected is inferred `FnOnce` (so it may return borrows of
//! its captures), and `Ret`, the declared return type, is its return type before the body is
//! checked (so `return` and `?` coerce as they did). `impl Trait` in `Ret` is written `_`: it is
//! the one type a function body may not name, and the body's value is its hidden type anyway.
//!
//! Async functions stay `async fn`; after the snapshot, the body's statements run in an
//! `async move { ... }` block awaited in place, which `return` and `?` end. The statements are
//! spliced in rather than the body's block, which as the block's tail would be reported as
//! `unused_braces` when written on one line. An `async` block cannot declare its return type,
//! so its first statement is `if let Some(r) = Call::return_type::<Ret>() { return r; }` (never
//! taken), which fixes the type before the body's own `return`s are checked (`tracing` inserts a
//! diverging `let` for the same purpose; this form trips no lint).
//!
//! The costs, all of them documented on the macro: `#[track_caller]` does not reach into the
//! closure, so a panic in the body of a sync function reports the body's line, not the caller's;
//! a `?` in a function that returns neither `Result` nor `Option` is reported as being in a
//! closure.
//!
//! # Arguments
//!
//! An argument bound to a name (`user: &str`, `mut n: u32`) is logged under that name. `self` is
//! never logged. An argument written as a pattern (`(a, b): (u8, u8)`, `_: u8`) is not logged
//! either: it has no name to use as the key, and logging its bindings one by one would log
//! fields the user never named (and could not redact). `#[log(skip)]` is accepted on it, any
//! other key is an error that says to bind it to a name.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{
    AttrStyle, Attribute, FnArg, GenericArgument, Item, ItemFn, Pat, Path, PathArguments,
    ReturnType, Type,
};

use logfix_core::Level;

use crate::attr::{is_log, Field, Logged, Mode};
use crate::ctxt::Errors;
use crate::derive::level_path;
use crate::{check, fallback};

pub(crate) fn logged(args: TokenStream, input: &TokenStream) -> TokenStream {
    let function = match syn::parse2::<ItemFn>(input.clone()) {
        Ok(function) => function,
        Err(error) => return fallback::not_a_function(input, &not_a_function(input, error)),
    };
    let mut errors = Errors::new();
    let logged = Logged::parse(&mut errors, args);
    let arguments = Field::arguments(&mut errors, &function.sig.inputs, &logged.lists);
    check::check_logged(&mut errors, &function, &logged, &arguments);
    let krate = logged.krate.get().cloned().unwrap_or_else(|| syn::parse_quote!(::logfix_runtime));
    let written = without_log_attributes(&function);
    match errors.finish() {
        Ok(()) => expand(&function, &written, &logged, &arguments, &krate),
        Err(error) => fallback::function(&written, &error),
    }
}

/// Why input that is not a function with a body cannot take `#[logged]`, spanned on its keyword;
/// or, for a function that does not parse, why (`error`).
fn not_a_function(input: &TokenStream, error: syn::Error) -> syn::Error {
    if syn::parse2::<syn::TraitItemFn>(input.clone()).is_ok() {
        let span = input
            .clone()
            .into_iter()
            .find(|token| token.to_string() == "fn")
            .map_or_else(Span::call_site, |token| token.span());
        return syn::Error::new(
            span,
            "#[logged] needs a function body: put it on the function's definition (each impl of \
             a trait method), not on a declaration without a body",
        );
    }
    let item = syn::parse2::<Item>(input.clone());
    let (tokens, what): (&dyn ToTokens, &str) = match &item {
        Ok(Item::Struct(item)) => (&item.struct_token, "a struct"),
        Ok(Item::Enum(item)) => (&item.enum_token, "an enum"),
        Ok(Item::Union(item)) => (&item.union_token, "a union"),
        Ok(Item::Impl(item)) => (&item.impl_token, "an impl block"),
        Ok(Item::Trait(item)) => (&item.trait_token, "a trait"),
        Ok(Item::Mod(item)) => (&item.mod_token, "a module"),
        Ok(Item::Const(item)) => (&item.const_token, "a constant"),
        Ok(Item::Static(item)) => (&item.static_token, "a static"),
        Ok(Item::Type(item)) => (&item.type_token, "a type alias"),
        _ if input.clone().into_iter().any(|token| token.to_string() == "fn") => return error,
        _ => {
            return syn::Error::new(
                Span::call_site(),
                "#[logged] goes on a function: write it above `fn`",
            )
        }
    };
    syn::Error::new_spanned(
        tokens,
        format!(
            "#[logged] goes on a function, not on {what}: put it on each method or function to \
             log, and #[derive(LogEvent)] on structs that describe an event"
        ),
    )
}

/// The function as written, without the `#[log(...)]` attributes, which are not real attributes
/// (they are read by the macro, and `rustc` would reject them).
fn without_log_attributes(function: &ItemFn) -> ItemFn {
    let mut function = function.clone();
    function.attrs.retain(|attr| !is_log(attr));
    for input in &mut function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => receiver.attrs.retain(|attr| !is_log(attr)),
            FnArg::Typed(arg) => arg.attrs.retain(|attr| !is_log(attr)),
        }
    }
    function
}

fn expand(
    function: &ItemFn,
    written: &ItemFn,
    logged: &Logged,
    arguments: &[Field<'_>],
    krate: &Path,
) -> TokenStream {
    let ItemFn { attrs, vis, sig, .. } = written;
    let outer = attrs.iter().filter(|attr| matches!(attr.style, AttrStyle::Outer));
    let inner = attrs.iter().filter(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    let site = call_site(function, logged, krate);
    let writes =
        arguments.iter().map(|argument| write_argument(argument, &cfgs(function, argument), krate));
    let body = body(function, krate);
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            static __LOGFIX_SITE: #krate::__private::CallSite = #site;
            let __logfix_call = #krate::__private::Call::start(
                &__LOGFIX_SITE,
                |__logfix_w| { #(#writes)* },
            );
            #body
        }
    }
}

/// The `CallSite` of the function: everything about its events that is known at compile time.
fn call_site(function: &ItemFn, logged: &Logged, krate: &Path) -> TokenStream {
    let name = function.sig.ident.unraw().to_string();
    // `check` has made sure that `component` is set.
    let component = logged.component.get().map(syn::LitStr::value).unwrap_or_default();
    let event = logged.event.get().map_or_else(|| name.clone(), syn::LitStr::value);
    let enter_event = option(logged.enter.is_written().then(|| format!("{event}_started")));
    let ok_level = level_path(krate, logged.level.get().copied().unwrap_or(Level::Info));
    let err_level = level_path(krate, logged.err_level.get().copied().unwrap_or(Level::Error));
    let ok_message = option(logged.message.get().map(syn::LitStr::value));
    let err_message = option(logged.err_message.get().map(syn::LitStr::value));
    quote! {
        #krate::__private::CallSite {
            component: #component,
            event: #event,
            enter_event: #enter_event,
            ok_level: #ok_level,
            err_level: #err_level,
            ok_message: #ok_message,
            err_message: #err_message,
            function: #name,
        }
    }
}

fn option(text: Option<String>) -> TokenStream {
    text.map_or_else(
        || quote!(::core::option::Option::None),
        |text| quote!(::core::option::Option::Some(#text)),
    )
}

/// Renders one argument into the snapshot.
///
/// A type that cannot be logged must be reported on the argument. The compiler reports the
/// borrow expression `&name`: `&` carries the span of the end of the argument's type and `name`
/// its own, so the report underlines `name: Type`. The rest of the call is located at the type
/// but keeps the macro's hygiene, so that lints about generated code are not reported on the
/// user's code.
fn write_argument(argument: &Field<'_>, cfgs: &[&Attribute], krate: &Path) -> TokenStream {
    let key = argument.key();
    let ident = argument.ident;
    let end = argument
        .ty
        .to_token_stream()
        .into_iter()
        .last()
        .map_or_else(|| argument.ty.span(), |token| token.span());
    let span = Span::call_site().located_at(end);
    let mut mask = None;
    let method = match argument.mode {
        Mode::Value => format_ident!("value", span = span),
        Mode::Display => format_ident!("display", span = span),
        Mode::Debug => format_ident!("debug", span = span),
        Mode::Hex => format_ident!("hex", span = span),
        Mode::Base64 => format_ident!("base64", span = span),
        Mode::Serde => format_ident!("serde", span = span),
        // The value is not written, but its text is kept so that it can be removed from the
        // call's error texts; a type without `Display` has no text to remove.
        Mode::Redact | Mode::Skip => {
            let redacted =
                (argument.mode == Mode::Redact).then(|| quote!(__logfix_w.redacted(#key);));
            return quote! {
                #(#cfgs)* {
                    use #krate::__private::{KnownText as _, NoText as _};
                    #redacted
                    __logfix_w.known((&#krate::__private::Known(&#ident)).__logfix_known());
                }
            };
        }
        Mode::Mask(how) => {
            let variant = format_ident!("{}", how.variant());
            mask = Some(quote!(, #krate::__private::Mask::#variant));
            format_ident!("masked", span = span)
        }
    };
    let borrow = quote_spanned!(end=> &);
    let mut value = quote_spanned!(span=> #borrow #ident);
    if argument.mode == Mode::Value && argument.is_context_id() {
        value = quote_spanned!(span=> #krate::__private::context_id(#value));
    }
    quote_spanned!(span=> #(#cfgs)* __logfix_w.#method(#key, #value #mask);)
}

/// The `#[cfg(...)]` on the argument, which the write must carry: the argument may not exist.
fn cfgs<'a>(function: &'a ItemFn, argument: &Field<'_>) -> Vec<&'a Attribute> {
    function
        .sig
        .inputs
        .iter()
        .find_map(|input| match input {
            FnArg::Typed(arg) => match &*arg.pat {
                Pat::Ident(pat) if pat.ident == *argument.ident => Some(&arg.attrs),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
        .into_iter()
        .flatten()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect()
}

/// What the function returns, as far as the event is concerned.
enum Output<'a> {
    /// Nothing (`()`): the value need not be kept.
    Unit,
    /// A type spelled `Result<...>` (its last path segment), `err` being the `E` of
    /// `Result<T, E>` when written, for error spans.
    Result { ty: Type, err: Option<&'a Type> },
    /// Anything else: always `ok`.
    Other(Type),
}

impl<'a> Output<'a> {
    fn of(output: &'a ReturnType) -> Self {
        let ReturnType::Type(_, ty) = output else {
            return Output::Unit;
        };
        if matches!(&**ty, Type::Tuple(tuple) if tuple.elems.is_empty()) {
            return Output::Unit;
        }
        let mut erased = (**ty).clone();
        EraseImplTrait.visit_type_mut(&mut erased);
        match result_segment(ty) {
            Some(segment) => Output::Result { ty: erased, err: error_type(segment) },
            None => Output::Other(erased),
        }
    }
}

/// The last segment of a type spelled `Result<...>`, `io::Result<T>` or `(Result<T, E>)`.
fn result_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Paren(paren) => result_segment(&paren.elem),
        Type::Group(group) => result_segment(&group.elem),
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().filter(|segment| segment.ident == "Result")
        }
        _ => None,
    }
}

/// `E` in `Result<T, E>`.
fn error_type(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    types.nth(1)
}

/// Replaces every `impl Trait` with `_`, which a function body may write where it may not write
/// `impl Trait`.
struct EraseImplTrait;

impl VisitMut for EraseImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
        } else {
            syn::visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// Runs the body and finishes the call with its result. See the module docs.
fn body(function: &ItemFn, krate: &Path) -> TokenStream {
    let block = &function.block;
    let statements = &block.stmts;
    let output = Output::of(&function.sig.output);
    let is_async = function.sig.asyncness.is_some();
    let run = |ty: &Type| {
        if is_async {
            // The body's statements, not its block: a block as the tail of another is reported
            // as `unused_braces` when it is one line long.
            quote! {
                async move {
                    if let ::core::option::Option::Some(__logfix_hint) =
                        #krate::__private::Call::return_type::<#ty>()
                    {
                        return __logfix_hint;
                    }
                    #(#statements)*
                }
                .await
            }
        } else {
            quote!(#krate::__private::Call::run::<#ty>(move || #block))
        }
    };
    match &output {
        Output::Unit => {
            let run = if is_async {
                quote!(async move #block.await)
            } else {
                quote!(#krate::__private::Call::run::<()>(move || #block))
            };
            quote! {
                #run;
                __logfix_call.ok();
            }
        }
        Output::Other(ty) => {
            let run = run(ty);
            quote! {
                let __logfix_result = #run;
                __logfix_call.ok();
                __logfix_result
            }
        }
        Output::Result { ty, err } => {
            let run = run(ty);
            // Located at `E` (or the return type), so that an error type without `Display` is
            // reported there.
            let err_span = err.map_or_else(|| function.sig.output.span(), Spanned::span);
            let error = quote_spanned!(Span::call_site().located_at(err_span)=> __logfix_error);
            quote! {
                let __logfix_result = #run;
                match &__logfix_result {
                    ::core::result::Result::Ok(_) => __logfix_call.ok(),
                    ::core::result::Result::Err(__logfix_error) => {
                        use #krate::__private::{ViaDisplay as _, ViaError as _};
                        let __logfix_sources =
                            (&#krate::__private::ErrorRef(__logfix_error)).__logfix_sources();
                        __logfix_call.err(
                            #error,
                            ::core::any::type_name_of_val(__logfix_error),
                            &__logfix_sources,
                        );
                    }
                }
                __logfix_result
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(args: TokenStream, input: &TokenStream) -> String {
        logged(args, input).to_string()
    }

    #[test]
    fn impl_trait_in_the_return_type_is_erased() {
        let output: ReturnType =
            syn::parse_quote!(-> Result<impl Iterator<Item = impl Display>, io::Error>);
        let Output::Result { ty, err } = Output::of(&output) else {
            panic!("not a result");
        };
        assert_eq!(ty.to_token_stream().to_string(), "Result < _ , io :: Error >");
        assert_eq!(
            err.map(|err| err.to_token_stream().to_string()).as_deref(),
            Some("io :: Error")
        );
    }

    #[test]
    fn only_types_spelled_result_are_results() {
        for (output, is_result) in [
            (quote!(-> Result<u8, E>), true),
            (quote!(-> io::Result<u8>), true),
            (quote!(-> (Result<u8, E>)), true),
            (quote!(-> Option<u8>), false),
            (quote!(-> Results<u8>), false),
            (quote!(-> <T as Tr>::Result), false),
        ] {
            let output: ReturnType = syn::parse2(output.clone()).unwrap_or(ReturnType::Default);
            let found = matches!(Output::of(&output), Output::Result { .. });
            assert_eq!(found, is_result, "{}", output.to_token_stream());
        }
        assert!(matches!(Output::of(&syn::parse_quote!(-> ())), Output::Unit));
        assert!(matches!(Output::of(&ReturnType::Default), Output::Unit));
    }

    #[test]
    fn the_crate_path_replaces_logfix_runtime_everywhere() {
        let expanded = expand(
            quote!(component = "api", crate = "lf"),
            &quote!(
                fn login(user: &str) -> Result<u8, E> {
                    Ok(1)
                }
            ),
        );
        assert!(!expanded.contains("logfix_runtime"), "{expanded}");
        assert!(expanded.contains("lf :: __private :: Call :: run"), "{expanded}");
    }

    #[test]
    fn log_attributes_are_removed_from_the_arguments() {
        let expanded = expand(
            quote!(component = "api"),
            &quote!(
                fn login(user: &str, #[log(skip)] password: &str) {}
            ),
        );
        assert!(!expanded.contains("# [log"), "{expanded}");
        assert!(expanded.contains("fn login (user : & str , password : & str)"), "{expanded}");
        assert!(expanded.contains("__logfix_w . value (\"user\" , & user)"), "{expanded}");
        assert!(!expanded.contains("(\"password\""), "{expanded}");
    }

    #[test]
    fn an_error_keeps_the_function_without_the_log_attributes() {
        let expanded = expand(
            quote!(),
            &quote!(
                fn login(#[log(redact)] user: &str) {}
            ),
        );
        assert!(expanded.contains("compile_error !"), "{expanded}");
        assert!(expanded.contains("fn login (user : & str) { }"), "{expanded}");
        assert!(!expanded.contains("__LOGFIX_SITE"), "{expanded}");
    }

    #[test]
    fn async_functions_await_the_body_in_place() {
        let expanded = expand(
            quote!(component = "api", enter),
            &quote!(
                async fn fetch(id: u64) -> Result<u8, E> {
                    Ok(1)
                }
            ),
        );
        assert!(expanded.contains("async fn fetch (id : u64)"), "{expanded}");
        assert!(expanded.contains("return_type :: < Result < u8 , E > > ()"), "{expanded}");
        assert!(expanded.contains(". await"), "{expanded}");
        assert!(expanded.contains("Some (\"fetch_started\")"), "{expanded}");
    }
}
