//! Rules that span several attributes or fields: mandatory `component` and `message`, the names
//! they may use, what placeholders may name, and reserved, duplicate and sensitive keys; and for
//! `#[logged]`, what kind of function it may go on.

use std::collections::HashMap;

use logfix_core::sensitive::sensitive_entry;
use logfix_core::{AUDIT_KEYS, CALL_KEYS, RESERVED_KEYS};
use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::punctuated::Punctuated;
use syn::{
    Attribute, Generics, Ident, ItemFn, LitStr, PathArguments, ReturnType, Type, TypeParamBound,
    WherePredicate,
};

use crate::attr::{default_event, is_log, Attr, Container, Field, LevelSpec, Logged, Mode, Target};
use crate::case::snake_case;
use crate::ctxt::Errors;
use crate::suggest::{did_you_mean, list};
use crate::symbol::{
    BASE64, COMPONENT, DISPLAY, DYNAMIC, ERR_MESSAGE, EVENT, HEX, LEVEL, LOGGED, LOGGED_ATTRIBUTE,
    LOG_ATTRIBUTE, MESSAGE, NOT_SENSITIVE, REDACT, RENAME, SERDE, SKIP,
};

/// Applies every rule of `#[derive(LogEvent)]`, recording each violation in `errors`.
pub(crate) fn check(
    errors: &mut Errors,
    ident: &Ident,
    generics: &Generics,
    container: &Container,
    fields: &[Field<'_>],
) {
    required(errors, ident, container);
    let default_event = default_event(ident);
    names(
        errors,
        container.component.get(),
        &container.event,
        &default_event,
        ident,
        LOG_ATTRIBUTE,
    );
    message(errors, container, fields);
    keys(errors, fields, Target::Field);
    sensitive(errors, fields, Target::Field);
    types(errors, fields, generics, Target::Field);
}

/// Applies every rule of `#[logged]` to the function and its arguments.
pub(crate) fn check_logged(
    errors: &mut Errors,
    function: &ItemFn,
    logged: &Logged,
    arguments: &[Field<'_>],
) {
    shape(errors, function);
    if !logged.component.is_written() {
        errors.push(syn::Error::new(
            Span::call_site(),
            format!(
                "`{COMPONENT}` is required: write #[logged({COMPONENT} = \"...\")], naming the \
                 part of the service the function belongs to"
            ),
        ));
    }
    let ident = &function.sig.ident;
    let default_event = ident.unraw().to_string();
    names(errors, logged.component.get(), &logged.event, &default_event, ident, LOGGED_ATTRIBUTE);
    for (key, message) in [(MESSAGE, &logged.message), (ERR_MESSAGE, &logged.err_message)] {
        if let Some(lit) = message.get() {
            static_message(errors, key, lit);
        }
    }
    keys(errors, arguments, Target::Argument);
    sensitive(errors, arguments, Target::Argument);
    types(errors, arguments, &function.sig.generics, Target::Argument);
}

/// `level = dynamic`: the event's `level` field, taken out of `fields` (it is the line's level,
/// not a field of its own). Reported, and `None`, when there is none or it is marked.
pub(crate) fn level_field<'a>(
    errors: &mut Errors,
    container: &Container,
    ident: &Ident,
    fields: &mut Vec<Field<'a>>,
) -> Option<Field<'a>> {
    if container.level.get() != Some(&LevelSpec::Dynamic) {
        return None;
    }
    let Some(index) = fields.iter().position(|field| field.name == LEVEL) else {
        errors.error(
            ident,
            format_args!(
                "`{LEVEL} = {DYNAMIC}` takes each event's level from its `{LEVEL}` field: add \
                 `{LEVEL}: logfix_runtime::Level` to the struct"
            ),
        );
        return None;
    };
    let field = fields.remove(index);
    if let Some(key) = field.mode_key.as_ref().or(field.rename.as_ref().map(|_| field.ident)) {
        errors.error(
            key,
            format_args!(
                "the `{LEVEL}` field of a `{LEVEL} = {DYNAMIC}` event is the line's level, not a \
                 field: remove #[log(...)] from it"
            ),
        );
    }
    Some(field)
}

/// Field types whose values would be written in a way that loses what they mean: bytes (an array
/// of numbers) and `Option<Option<_>>` (`None` and `Some(None)` both `null`); and functions, which
/// have no value to write (the type error would suggest calling them, or a bound nobody can meet).
/// Read from the type as written, so an alias escapes it.
fn types(errors: &mut Errors, fields: &[Field<'_>], generics: &Generics, target: Target) {
    let noun = target.noun();
    let function_parameters = function_parameters(generics);
    for field in fields.iter().filter(|field| field.mode == Mode::Serde && field.is_context_id()) {
        errors.error(
            field.ty,
            format_args!(
                "{noun} `{}` is named like a context id, which every line writes as a string, \
                 but #[log({SERDE})] can write any JSON: make it a string without #[log({SERDE})], \
                 mark it #[log({DISPLAY})], or rename it",
                field.name
            ),
        );
    }
    for field in fields.iter().filter(|field| field.mode == Mode::Value) {
        let name = &field.name;
        if is_bytes(field.ty) {
            errors.error(
                field.ty,
                format_args!(
                    "{noun} `{name}` holds bytes, which would be logged as an array of numbers: \
                     mark it #[log({HEX})] or #[log({BASE64})], or #[log({SKIP})]"
                ),
            );
        } else if option_of_option(field.ty) {
            errors.error(
                field.ty,
                format_args!(
                    "{noun} `{name}` is an `Option<Option<_>>`, whose `None` and `Some(None)` would \
                     both be logged as `null`: use one `Option`, or an enum that names each case"
                ),
            );
        } else if is_function(field.ty, &function_parameters) {
            errors.error(
                field.ty,
                format_args!(
                    "{noun} `{name}` is a function or closure, which cannot be logged: mark it \
                     #[log({SKIP})] to leave it out"
                ),
            );
        }
    }
}

/// `fn(..)`, `impl Fn(..)`, `dyn FnMut(..)` (and `FnOnce`), a type parameter bounded by one of
/// them; behind references, in a `Box`, `Rc`, `Arc` or `Option`.
fn is_function(ty: &Type, function_parameters: &[&Ident]) -> bool {
    match ty {
        Type::BareFn(_) => true,
        Type::ImplTrait(impl_trait) => has_function_bound(&impl_trait.bounds),
        Type::TraitObject(object) => has_function_bound(&object.bounds),
        Type::Reference(reference) => is_function(&reference.elem, function_parameters),
        Type::Paren(paren) => is_function(&paren.elem, function_parameters),
        Type::Group(group) => is_function(&group.elem, function_parameters),
        Type::Path(path) if path.qself.is_none() => {
            if path.path.get_ident().is_some_and(|ident| function_parameters.contains(&ident)) {
                return true;
            }
            match last_segment(path) {
                Some((name, Some(arg))) if matches!(&*name, "Box" | "Rc" | "Arc" | "Option") => {
                    is_function(arg, function_parameters)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The type parameters bounded by `Fn(..)`, `FnMut(..)` or `FnOnce(..)`, where they are declared
/// or in the where clause.
fn function_parameters(generics: &Generics) -> Vec<&Ident> {
    let in_where_clause = generics
        .where_clause
        .iter()
        .flat_map(|clause| &clause.predicates)
        .filter_map(|predicate| match predicate {
            WherePredicate::Type(predicate) if has_function_bound(&predicate.bounds) => {
                match &predicate.bounded_ty {
                    Type::Path(path) if path.qself.is_none() => path.path.get_ident(),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect::<Vec<_>>();
    generics
        .type_params()
        .filter(|param| {
            has_function_bound(&param.bounds) || in_where_clause.contains(&&param.ident)
        })
        .map(|param| &param.ident)
        .collect()
}

/// Whether one of the bounds is written `Trait(..)`, as only the `Fn` traits may be.
fn has_function_bound<P>(bounds: &Punctuated<TypeParamBound, P>) -> bool {
    bounds.iter().any(|bound| match bound {
        TypeParamBound::Trait(bound) => bound
            .path
            .segments
            .last()
            .is_some_and(|segment| matches!(segment.arguments, PathArguments::Parenthesized(_))),
        _ => false,
    })
}

/// `Vec<u8>`, `[u8]`, `[u8; N]`, `Box<[u8]>`, `Cow<[u8]>`, behind references and in an `Option`.
fn is_bytes(ty: &Type) -> bool {
    match ty {
        Type::Reference(reference) => is_bytes(&reference.elem),
        Type::Paren(paren) => is_bytes(&paren.elem),
        Type::Group(group) => is_bytes(&group.elem),
        Type::Slice(slice) => is_u8(&slice.elem),
        Type::Array(array) => is_u8(&array.elem),
        Type::Path(path) => match last_segment(path) {
            Some((name, Some(arg))) if name == "Vec" => is_u8(arg),
            Some((name, Some(arg))) if name == "Box" || name == "Cow" || name == "Option" => {
                is_bytes(arg)
            }
            _ => false,
        },
        _ => false,
    }
}

fn is_u8(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none() && path.path.is_ident("u8"))
}

fn option_of_option(ty: &Type) -> bool {
    option_of(ty).and_then(option_of).is_some()
}

/// `T` of `Option<T>`.
fn option_of(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Path(path) => match last_segment(path) {
            Some((name, arg)) if name == "Option" => arg,
            _ => None,
        },
        _ => None,
    }
}

/// The name of the path's last segment and its last type argument.
fn last_segment(path: &syn::TypePath) -> Option<(String, Option<&Type>)> {
    let segment = path.path.segments.last()?;
    let arg = match &segment.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().rev().find_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    };
    Some((segment.ident.to_string(), arg))
}

/// What `#[logged]` cannot wrap without changing the function.
fn shape(errors: &mut Errors, function: &ItemFn) {
    let sig = &function.sig;
    if let Some(constness) = &sig.constness {
        errors.error(
            constness,
            "#[logged] cannot go on a `const fn`: logging happens at run time, and a `const fn` \
             may run at compile time; remove `const` or #[logged]",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.error(variadic, "#[logged] cannot go on a variadic function: remove #[logged]");
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if matches!(**ty, Type::Never(_)) {
            errors.error(
                ty,
                "#[logged] cannot go on a function that never returns (`-> !`): there is no \
                 return to log; log what you need with an event in the body",
            );
        }
    }
    for attr in function.attrs.iter().filter(|attr| is_log(attr)) {
        errors.error(
            attr,
            "#[log(...)] goes on the arguments of a #[logged] function: write the keys for the \
             function in #[logged(...)]",
        );
    }
    if let Some(again) = function.attrs.iter().find(|attr| is_logged(attr)) {
        errors.error(again, "#[logged] is written twice on this function: keep only one");
    }
}

/// `#[logged]` or `#[something::logged]`.
fn is_logged(attr: &Attribute) -> bool {
    attr.path().segments.last().is_some_and(|segment| segment.ident == LOGGED)
}

/// `message` and `err_message` of `#[logged]`: fixed text, as the arguments are fields anyway.
fn static_message(errors: &mut Errors, key: &str, lit: &LitStr) {
    let text = lit.value();
    if text.is_empty() {
        errors.error(
            lit,
            format_args!(
                "`{key}` is empty: remove it to use the default, or say what happened, like \
                 `{key} = \"login attempt\"`"
            ),
        );
    } else if text.contains(['{', '}']) {
        errors.error(
            lit,
            format_args!(
                "`{key}` of #[logged] is plain text, without `{{...}}` placeholders: the \
                 arguments are logged as fields of the event anyway; remove the braces"
            ),
        );
    }
}

/// `component` and `message`, reported on the struct name as there may be no attribute to point at.
fn required(errors: &mut Errors, ident: &Ident, container: &Container) {
    let message = match (container.component.is_written(), container.message.is_written()) {
        (true, true) => return,
        (false, false) => format!(
            "`{COMPONENT}` and `{MESSAGE}` are required: add \
             #[log({COMPONENT} = \"...\", {MESSAGE} = \"...\")] to the struct"
        ),
        (false, true) => format!(
            "`{COMPONENT}` is required: add `{COMPONENT} = \"...\"` to #[log(...)] on the struct, \
             naming the part of the service the event comes from"
        ),
        (true, false) => format!(
            "`{MESSAGE}` is required: add `{MESSAGE} = \"...\"` to #[log(...)] on the struct, \
             saying what happened, with `{{field}}` placeholders"
        ),
    };
    errors.error(ident, message);
}

/// `component` and `event` (or its default, the struct or function name at `ident`).
fn names(
    errors: &mut Errors,
    component: Option<&LitStr>,
    event: &Attr<LitStr>,
    default_event: &str,
    ident: &Ident,
    attribute: &str,
) {
    if let Some(lit) = component {
        let empty = format!(
            "`{COMPONENT}` is empty: name the part of the service the event comes from, like \
             `{COMPONENT} = \"auth\"`"
        );
        check_name(errors, lit, COMPONENT, &empty);
    }
    match event.get() {
        Some(lit) => {
            let empty = format!(
                "`{EVENT}` is empty: remove it to use the default `{default_event}`, or write \
                 `{EVENT} = \"...\"`"
            );
            check_name(errors, lit, EVENT, &empty);
        }
        None if !event.is_written() && !is_name(default_event) => errors.error(
            ident,
            format_args!(
                "the default event name `{default_event}` may only contain {NAME_CHARS}: \
                 add `{EVENT} = \"{}\"` to {attribute}",
                suggest_name(default_event)
            ),
        ),
        None => {}
    }
}

const NAME_CHARS: &str = "lowercase ASCII letters, digits, `_`, `.` and `-`";

/// `component` and `event` values: `[a-z0-9_.-]+`.
fn check_name(errors: &mut Errors, lit: &LitStr, key: &str, empty: &str) {
    let value = lit.value();
    if value.is_empty() {
        errors.error(lit, empty);
    } else if !is_name(&value) {
        errors.error(
            lit,
            format_args!(
                "`{key} = \"{value}\"` may only contain {NAME_CHARS}: write `{key} = \"{}\"`",
                suggest_name(&value)
            ),
        );
    }
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_name_char)
}

fn is_name_char(c: char) -> bool {
    matches!(c, 'a'..='z' | '0'..='9' | '_' | '.' | '-')
}

/// A valid name close to `name`, or `...` when replacing characters would only garble it.
fn suggest_name(name: &str) -> String {
    let name = snake_case(name.trim());
    if name.is_empty() || name.chars().any(|c| c.is_alphanumeric() && !c.is_ascii()) {
        return "...".to_owned();
    }
    let mut suggestion = String::with_capacity(name.len());
    for c in name.chars().map(|c| if is_name_char(c) { c } else { '_' }) {
        if !(c == '_' && suggestion.ends_with('_')) {
            suggestion.push(c);
        }
    }
    suggestion
}

fn message(errors: &mut Errors, container: &Container, fields: &[Field<'_>]) {
    let Some(message) = container.message.get() else {
        return;
    };
    if message.lit.value().is_empty() {
        errors.error(
            &message.lit,
            format_args!(
                "`{MESSAGE}` is empty: say what happened, like `{MESSAGE} = \"user {{user_id}} \
                 logged in\"`"
            ),
        );
    }
    for name in message.template.fields() {
        let Some(field) = fields.iter().find(|field| field.name == name) else {
            let usable: Vec<&str> = fields
                .iter()
                .filter(|field| !matches!(field.mode, Mode::Redact | Mode::Mask(_) | Mode::Skip))
                .map(|field| field.name.as_str())
                .collect();
            let hint = if usable.is_empty() {
                "the struct has no field that can be shown in the message".to_owned()
            } else {
                let guess = did_you_mean(name, &usable);
                format!("{guess}the message can name {}", list(&usable))
            };
            errors.error(
                &message.lit,
                format_args!("placeholder `{{{name}}}` in `{MESSAGE}` names no field: {hint}"),
            );
            continue;
        };
        let problem = match field.mode {
            Mode::Redact | Mode::Mask(_) => {
                format!("a #[log({REDACT})] field, whose value would leak into the message")
            }
            Mode::Skip => format!("a #[log({SKIP})] field, which is not logged"),
            Mode::Value | Mode::Display | Mode::Debug | Mode::Hex | Mode::Base64 | Mode::Serde => {
                continue
            }
        };
        errors.error(
            &message.lit,
            format_args!(
                "placeholder `{{{name}}}` in `{MESSAGE}` names {problem}: \
                 remove it from the message"
            ),
        );
    }
}

/// Field or argument keys: valid, not reserved, each used once.
fn keys(errors: &mut Errors, fields: &[Field<'_>], target: Target) {
    let noun = target.noun();
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    let describe = |field: &Field<'_>| match &field.rename {
        Some(_) => format!("{noun} `{}` (renamed)", field.name),
        None => format!("{noun} `{}`", field.name),
    };
    for field in fields {
        if field.mode == Mode::Skip {
            if let (Some(rename), Some(skip)) = (&field.rename, &field.mode_key) {
                errors.error(
                    rename,
                    format_args!(
                        "`{RENAME}` has no effect on a #[log({skip})] field: remove `{RENAME}`"
                    ),
                );
            }
            continue;
        }
        let key = field.key();
        if let Some(rename) = &field.rename {
            if !is_key(&key) {
                errors.error(
                    rename,
                    format_args!(
                        "`{RENAME} = \"{key}\"` may only contain ASCII letters, digits, `_`, `.`, \
                         `@` and `-`"
                    ),
                );
                continue;
            }
        } else if target == Target::Argument && !is_key(&key) {
            errors.error(
                field.ident,
                format_args!(
                    "{noun} `{key}` cannot be used as a key, which may only contain ASCII \
                     letters, digits, `_`, `.`, `@` and `-`: add #[log({RENAME} = \"...\")]"
                ),
            );
            continue;
        }
        let reserved = if RESERVED_KEYS.contains(&key.as_str()) {
            Some(format!("{} start every line", list(&RESERVED_KEYS)))
        } else if target == Target::Field && AUDIT_KEYS.contains(&key.as_str()) {
            Some(format!("audit() appends {} to the record", list(&AUDIT_KEYS)))
        } else if target == Target::Argument && CALL_KEYS.contains(&key.as_str()) {
            Some(format!("#[logged] writes {} after the arguments", list(&CALL_KEYS)))
        } else {
            None
        };
        if let Some(reserved) = reserved {
            match &field.rename {
                Some(rename) => errors.error(
                    rename,
                    format_args!(
                        "`{RENAME} = \"{key}\"` uses a reserved key ({reserved}): choose another \
                         name"
                    ),
                ),
                None if target == Target::Argument => errors.error(
                    field.ident,
                    format_args!(
                        "argument `{key}` uses a reserved key ({reserved}): rename the argument, \
                         add #[log({RENAME} = \"...\")], or mark it #[log({SKIP})]"
                    ),
                ),
                None => errors.error(
                    field.ident,
                    format_args!(
                        "field `{key}` uses a reserved key ({reserved}): rename the field or add \
                         #[log({RENAME} = \"...\")]"
                    ),
                ),
            }
            continue;
        }
        if let Some(first) = seen.get(&key) {
            errors.error(
                field.key_tokens(),
                format_args!(
                    "key `{key}` is used twice, by {} and by {}: give one of them another \
                     #[log({RENAME} = \"...\")]",
                    describe(first),
                    describe(field)
                ),
            );
            continue;
        }
        seen.insert(key, field);
    }
}

/// JSON keys of fields: `[A-Za-z0-9_.@-]+`.
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'))
}

fn sensitive(errors: &mut Errors, fields: &[Field<'_>], target: Target) {
    let how = match target {
        Target::Field => format!(
            "mark it #[log({REDACT})] or #[log({SKIP})], or #[log({NOT_SENSITIVE})] if it is not"
        ),
        Target::Argument => format!(
            "mark it #[log({SKIP})] or #[log({REDACT})] (or list it in {SKIP}(...)/{REDACT}(...)), \
             or #[log({NOT_SENSITIVE})] if it is not"
        ),
    };
    let noun = target.noun();
    for field in fields {
        if field.not_sensitive || matches!(field.mode, Mode::Redact | Mode::Mask(_) | Mode::Skip) {
            continue;
        }
        if let Some(entry) = sensitive_entry(&field.name) {
            let name = &field.name;
            let why = because(name, entry);
            errors.error(field.ident, format_args!("{noun} `{name}` looks sensitive{why}: {how}"));
        } else if let Some(rename) = &field.rename {
            let name = rename.value();
            if let Some(entry) = sensitive_entry(&name) {
                let why = because(&name, entry);
                errors.error(
                    rename,
                    format_args!("`{RENAME} = \"{name}\"` looks sensitive{why}: {how}"),
                );
            }
        }
    }
}

/// Which entry of the vocabulary `name` matches, unless it is the name itself.
fn because(name: &str, entry: &str) -> String {
    if name == entry {
        String::new()
    } else {
        format!(" (it contains `{entry}`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_have_their_own_alphabets() {
        assert!(is_name("auth"));
        assert!(is_name("payments.v2-eu_1"));
        assert!(!is_name(""));
        assert!(!is_name("Auth"));
        assert!(!is_name("user login"));
        assert!(!is_name("café"));
        assert!(is_key("userId"));
        assert!(is_key("user@host.domain-1"));
        assert!(!is_key("user id"));
        assert!(!is_key(""));
    }

    #[test]
    fn functions_are_recognised_as_written() {
        let generics: Generics = syn::parse_quote!(<F: Fn(), G, H: Clone>);
        let mut generics = generics;
        generics.where_clause = Some(syn::parse_quote!(where G: FnMut(u8) -> u8, H: Send));
        let parameters = function_parameters(&generics);
        assert_eq!(parameters, ["F", "G"]);
        for (ty, is) in [
            (quote::quote!(fn(u8) -> u8), true),
            (quote::quote!(extern "C" fn(i32)), true),
            (quote::quote!(impl Fn() -> bool), true),
            (quote::quote!(impl FnOnce(String) + Send + 'static), true),
            (quote::quote!(&dyn Fn(&str)), true),
            (quote::quote!(&mut dyn FnMut()), true),
            (quote::quote!(Box<dyn Fn() + Send + Sync>), true),
            (quote::quote!(Option<std::sync::Arc<dyn Fn()>>), true),
            (quote::quote!(F), true),
            (quote::quote!(&G), true),
            (quote::quote!(H), false),
            (quote::quote!(impl Display), false),
            (quote::quote!(Box<dyn Error>), false),
            (quote::quote!(Vec<F>), false),
            (quote::quote!(<F as Tr>::Out), false),
            (quote::quote!(String), false),
        ] {
            let parsed: Type = syn::parse2(ty.clone()).unwrap();
            assert_eq!(is_function(&parsed, &parameters), is, "{ty}");
        }
    }

    #[test]
    fn suggested_names_are_valid() {
        assert_eq!(suggest_name("Auth Service"), "auth_service");
        assert_eq!(suggest_name("UserLogin"), "user_login");
        assert_eq!(suggest_name("payments/EU"), "payments_eu");
        assert_eq!(suggest_name("café"), "...");
        assert_eq!(suggest_name("  "), "...");
    }
}
