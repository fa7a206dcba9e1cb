//! Parsing `#[log(...)]` on structs, fields and arguments, and `#[logged(...)]` on functions, into
//! typed values.
//!
//! Only the syntax of each key is checked here, and which argument each `skip(...)`-style list
//! names. Rules that involve several keys or fields (mandatory keys, what a placeholder may name,
//! reserved and sensitive names) are in `check`.

use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, FnArg, Ident, Lit, LitStr, Pat, Path, Token, Type};

use logfix_core::{Level, CONTEXT_KEYS};

use crate::case::snake_case;
use crate::ctxt::Errors;
use crate::suggest::{did_you_mean, list};
use crate::symbol::{
    BASE64, COMPONENT, CONTAINER_KEYS, CRATE, DEBUG, DISPLAY, DYNAMIC, ENTER, ERR_LEVEL,
    ERR_MESSAGE, EVENT, FIELD_KEYS, HEX, LEVEL, LOG, LOGGED_ATTRIBUTE, LOGGED_KEYS, LOG_ATTRIBUTE,
    MESSAGE, MODE_KEYS, NOT_SENSITIVE, RATE, REDACT, RENAME, SERDE, SKIP,
};
use crate::template::Template;

/// A key that may be written once. Several keys may share one `Attr` when they exclude each other
/// (`redact`, `skip`, `display`, `debug`), so that duplicates and conflicts are found in one place.
pub(crate) struct Attr<T> {
    /// The key as first written, for error spans.
    key: Option<Ident>,
    /// `None` when the key was written with an invalid value (already reported).
    value: Option<T>,
}

impl<T> Attr<T> {
    fn new() -> Self {
        Self { key: None, value: None }
    }

    /// Records `key` written in `attribute` (`#[log(...)]`, `#[logged(...)]`), or reports it as a
    /// duplicate of, or in conflict with, the key written first.
    fn set(&mut self, errors: &mut Errors, key: &Ident, value: Option<T>, attribute: &str) {
        match &self.key {
            None => {
                self.key = Some(key.clone());
                self.value = value;
            }
            Some(first) if first == key => {
                errors.error(key, format_args!("duplicate `{key}` in {attribute}: keep only one"));
            }
            Some(first) => errors.error(
                key,
                format_args!(
                    "`{key}` cannot be combined with `{first}`: keep only one of {}",
                    list(&MODE_KEYS)
                ),
            ),
        }
    }

    /// Whether the key was written at all, even with an invalid value.
    pub(crate) fn is_written(&self) -> bool {
        self.key.is_some()
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }
}

/// `message = "..."`: the literal, for error spans, and its parsed template.
pub(crate) struct Message {
    pub(crate) lit: LitStr,
    pub(crate) template: Template,
}

/// `level = ...` on the struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LevelSpec {
    /// `level = "warn"`.
    Fixed(Level),
    /// `level = dynamic`: each event's `level` field.
    Dynamic,
}

/// `#[log(...)]` on the struct.
pub(crate) struct Container {
    pub(crate) component: Attr<LitStr>,
    pub(crate) message: Attr<Message>,
    pub(crate) event: Attr<LitStr>,
    pub(crate) level: Attr<LevelSpec>,
    /// `rate = "100/s"`: events per window and the window's seconds.
    pub(crate) rate: Attr<(u32, u64)>,
    pub(crate) krate: Attr<Path>,
}

impl Container {
    pub(crate) fn parse(errors: &mut Errors, attrs: &[Attribute]) -> Self {
        let mut container = Container {
            component: Attr::new(),
            message: Attr::new(),
            event: Attr::new(),
            level: Attr::new(),
            rate: Attr::new(),
            krate: Attr::new(),
        };
        for attr in attrs.iter().filter(|attr| is_log(attr)) {
            if let Err(error) = attr.parse_nested_meta(|meta| container.parse_key(errors, &meta)) {
                errors.push(error);
            }
        }
        container
    }

    fn parse_key(&mut self, errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let key = key(meta)?;
        match key.to_string().as_str() {
            COMPONENT => {
                let value = string_value(errors, meta, &key)?;
                self.component.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            EVENT => {
                let value = string_value(errors, meta, &key)?;
                self.event.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            MESSAGE => {
                let value = string_value(errors, meta, &key)?.map(|lit| {
                    let (template, problems) = Template::parse(&lit.value());
                    for problem in problems {
                        errors.error(&lit, problem);
                    }
                    Message { lit, template }
                });
                self.message.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            LEVEL => {
                let value = if dynamic(meta)? {
                    Some(LevelSpec::Dynamic)
                } else {
                    level_value(errors, meta, &key)?.map(LevelSpec::Fixed)
                };
                self.level.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            RATE => {
                let value = string_value(errors, meta, &key)?.and_then(|lit| {
                    logfix_core::rate::parse(&lit.value())
                        .map_err(|problem| {
                            errors.error(&lit, format_args!("`{RATE}`: {problem}"));
                        })
                        .ok()
                });
                self.rate.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            CRATE => {
                let value = crate_value(errors, meta, &key)?;
                self.krate.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            name => {
                skip_value(meta)?;
                let hint = if FIELD_KEYS.contains(&name) {
                    format!("`{name}` goes on a field, not on the struct")
                } else {
                    let guess = did_you_mean(name, &CONTAINER_KEYS);
                    format!(
                        "unknown key `{name}` in {LOG_ATTRIBUTE} on a struct: {guess}the keys are \
                         {}",
                        list(&CONTAINER_KEYS)
                    )
                };
                errors.error(&key, hint);
            }
        }
        Ok(())
    }
}

/// Whether the key is followed by `= dynamic`, which it then consumes.
fn dynamic(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    let ahead = meta.input.fork();
    let is_dynamic = ahead.parse::<Token![=]>().is_ok()
        && ahead.parse::<Ident>().is_ok_and(|ident| ident == DYNAMIC)
        && (ahead.is_empty() || ahead.peek(Token![,]));
    if is_dynamic {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<Ident>()?;
    }
    Ok(is_dynamic)
}

/// The default `event` of a struct named `ident`: its name in snake case.
pub(crate) fn default_event(ident: &Ident) -> String {
    snake_case(&ident.unraw().to_string())
}

/// `level = "..."` or `err_level = "..."`: `None` (reported) when it names no level. Only the
/// lowercase names are accepted, as they are written in the line.
fn level_value(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
) -> syn::Result<Option<Level>> {
    Ok(string_value(errors, meta, key)?.and_then(|lit| {
        let name = lit.value();
        let level = Level::ALL.into_iter().find(|level| level.as_str() == name);
        if level.is_none() {
            let names = Level::ALL.map(Level::as_str);
            let guess = did_you_mean(&name, &names);
            errors.error(
                &lit,
                format_args!("unknown level `{name}`: {guess}the levels are {}", list(&names)),
            );
        }
        level
    }))
}

/// `crate = "..."`: `None` (reported) when it is not a path.
fn crate_value(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
) -> syn::Result<Option<Path>> {
    Ok(string_value(errors, meta, key)?.and_then(|lit| {
        let path = lit.parse::<Path>();
        if path.is_err() {
            errors.error(
                &lit,
                format_args!(
                    "`{CRATE}` takes the path to logfix_runtime, like `{CRATE} = \
                     \"::logfix_runtime\"`"
                ),
            );
        }
        path.ok()
    }))
}

/// `#[logged(...)]` on a function.
pub(crate) struct Logged {
    pub(crate) component: Attr<LitStr>,
    pub(crate) event: Attr<LitStr>,
    pub(crate) message: Attr<LitStr>,
    pub(crate) err_message: Attr<LitStr>,
    pub(crate) level: Attr<Level>,
    pub(crate) err_level: Attr<Level>,
    pub(crate) enter: Attr<()>,
    pub(crate) krate: Attr<Path>,
    /// `skip(...)`, `redact(...)`, `display(...)`, `debug(...)` and `not_sensitive(...)`, in the
    /// order written.
    pub(crate) lists: Vec<List>,
}

/// `skip(password, token)` and the like in `#[logged(...)]`: the key and the names listed.
pub(crate) struct List {
    pub(crate) key: Ident,
    /// `None` for `not_sensitive(...)`.
    pub(crate) mode: Option<Mode>,
    pub(crate) names: Vec<Ident>,
}

impl Logged {
    /// Parses the tokens inside `#[logged(...)]`.
    pub(crate) fn parse(errors: &mut Errors, args: proc_macro2::TokenStream) -> Self {
        let mut logged = Logged {
            component: Attr::new(),
            event: Attr::new(),
            message: Attr::new(),
            err_message: Attr::new(),
            level: Attr::new(),
            err_level: Attr::new(),
            enter: Attr::new(),
            krate: Attr::new(),
            lists: Vec::new(),
        };
        let parser = syn::meta::parser(|meta| logged.parse_key(errors, &meta));
        if let Err(error) = syn::parse::Parser::parse2(parser, args) {
            errors.push(error);
        }
        logged
    }

    fn parse_key(&mut self, errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let key = key(meta)?;
        let name = key.to_string();
        match name.as_str() {
            COMPONENT | EVENT | MESSAGE | ERR_MESSAGE => {
                let value = string_value(errors, meta, &key)?;
                let attr = match name.as_str() {
                    COMPONENT => &mut self.component,
                    EVENT => &mut self.event,
                    MESSAGE => &mut self.message,
                    _ => &mut self.err_message,
                };
                attr.set(errors, &key, value, LOGGED_ATTRIBUTE);
            }
            LEVEL | ERR_LEVEL => {
                let value = level_value(errors, meta, &key)?;
                let attr = if name == LEVEL { &mut self.level } else { &mut self.err_level };
                attr.set(errors, &key, value, LOGGED_ATTRIBUTE);
            }
            ENTER => {
                flag(errors, meta, &key, &format!("#[logged(..., {ENTER})]"))?;
                self.enter.set(errors, &key, Some(()), LOGGED_ATTRIBUTE);
            }
            CRATE => {
                let value = crate_value(errors, meta, &key)?;
                self.krate.set(errors, &key, value, LOGGED_ATTRIBUTE);
            }
            REDACT | SKIP | DISPLAY | DEBUG | HEX | BASE64 | SERDE | NOT_SENSITIVE => {
                self.parse_list(errors, meta, key)?;
            }
            _ => {
                skip_value(meta)?;
                let hint = if name == RENAME {
                    format!(
                        "`{RENAME}` goes on the argument: write #[log({RENAME} = \"...\")] before it"
                    )
                } else {
                    let guess = did_you_mean(&name, &LOGGED_KEYS);
                    format!(
                        "unknown key `{name}` in {LOGGED_ATTRIBUTE}: {guess}the keys are {}",
                        list(&LOGGED_KEYS)
                    )
                };
                errors.error(&key, hint);
            }
        }
        Ok(())
    }

    /// `skip(a, b)`: a list of argument names.
    fn parse_list(
        &mut self,
        errors: &mut Errors,
        meta: &ParseNestedMeta<'_>,
        key: Ident,
    ) -> syn::Result<()> {
        let how = format!(
            "`{key}` takes the names of arguments: write `{key}(name, ...)` in {LOGGED_ATTRIBUTE}, \
             or #[log({key})] before the argument"
        );
        if !meta.input.peek(syn::token::Paren) {
            skip_value(meta)?;
            errors.error(&key, how);
            return Ok(());
        }
        let mut names = Vec::new();
        meta.parse_nested_meta(|inner| {
            match inner.path.get_ident() {
                Some(name) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
                    names.push(name.clone());
                }
                _ => {
                    skip_value(&inner)?;
                    errors.error(&inner.path, &how);
                }
            }
            Ok(())
        })?;
        if let Some(first) = self.lists.iter().find(|list| list.key == key) {
            let first = &first.key;
            errors.error(
                &key,
                format_args!(
                    "duplicate `{first}(...)` in {LOGGED_ATTRIBUTE}: list every argument in one \
                     `{first}(...)`"
                ),
            );
        }
        let mode = Mode::from_key(&key.to_string());
        self.lists.push(List { key, mode, names });
        Ok(())
    }
}

/// How a field is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Through the runtime's `Value` trait.
    Value,
    /// Key only, with a placeholder instead of the value.
    Redact,
    /// `redact = "hash"` and the like: the value's `Display` text, masked at run time.
    Mask(Mask),
    /// Not at all.
    Skip,
    Display,
    Debug,
    /// Bytes as lowercase hexadecimal.
    Hex,
    /// Bytes as base64.
    Base64,
    /// Through `serde::Serialize`, as nested JSON.
    Serde,
}

impl Mode {
    fn from_key(key: &str) -> Option<Self> {
        match key {
            REDACT => Some(Mode::Redact),
            SKIP => Some(Mode::Skip),
            DISPLAY => Some(Mode::Display),
            DEBUG => Some(Mode::Debug),
            HEX => Some(Mode::Hex),
            BASE64 => Some(Mode::Base64),
            SERDE => Some(Mode::Serde),
            _ => None,
        }
    }
}

/// How `redact = "..."` writes a value instead of itself (the runtime's `redact::Mask`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mask {
    Hash,
    Last4,
    Email,
}

impl Mask {
    /// The spellings of `redact = "..."`, in the order of the docs.
    pub(crate) const NAMES: [&'static str; 3] = ["hash", "last4", "email"];

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "hash" => Some(Mask::Hash),
            "last4" => Some(Mask::Last4),
            "email" => Some(Mask::Email),
            _ => None,
        }
    }

    /// The runtime's variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Mask::Hash => "Hash",
            Mask::Last4 => "Last4",
            Mask::Email => "Email",
        }
    }
}

/// A named field with its `#[log(...)]`.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// The field name without `r#`: what placeholders and default keys use.
    pub(crate) name: String,
    pub(crate) mode: Mode,
    /// The key that set the mode, for error spans.
    pub(crate) mode_key: Option<Ident>,
    pub(crate) rename: Option<LitStr>,
    pub(crate) not_sensitive: bool,
}

/// What `#[log(...)]` is written on, for the wording of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A field of a `#[derive(LogEvent)]` struct.
    Field,
    /// An argument of a `#[logged]` function.
    Argument,
}

impl Target {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Target::Field => "field",
            Target::Argument => "argument",
        }
    }
}

/// `#[log(...)]` on a field or an argument.
struct Marks {
    mode: Attr<Mode>,
    rename: Attr<LitStr>,
    not_sensitive: Attr<()>,
}

impl Marks {
    fn parse(errors: &mut Errors, attrs: &[Attribute], target: Target) -> Self {
        let mut marks =
            Marks { mode: Attr::new(), rename: Attr::new(), not_sensitive: Attr::new() };
        for attr in attrs.iter().filter(|attr| is_log(attr)) {
            let parsed = attr.parse_nested_meta(|meta| marks.parse_key(errors, &meta, target));
            if let Err(error) = parsed {
                errors.push(error);
            }
        }
        marks
    }

    fn parse_key(
        &mut self,
        errors: &mut Errors,
        meta: &ParseNestedMeta<'_>,
        target: Target,
    ) -> syn::Result<()> {
        let key = key(meta)?;
        let name = key.to_string();
        match name.as_str() {
            REDACT if meta.input.peek(Token![=]) => {
                let mask = mask_value(errors, meta, &key)?;
                // An invalid mask still hides the value, so that no second error follows.
                self.mode.set(
                    errors,
                    &key,
                    Some(mask.map_or(Mode::Redact, Mode::Mask)),
                    LOG_ATTRIBUTE,
                );
            }
            REDACT | SKIP | DISPLAY | DEBUG | HEX | BASE64 | SERDE => {
                flag(errors, meta, &key, &format!("#[log({key})]"))?;
                self.mode.set(errors, &key, Mode::from_key(&name), LOG_ATTRIBUTE);
            }
            RENAME => {
                let value = string_value(errors, meta, &key)?;
                self.rename.set(errors, &key, value, LOG_ATTRIBUTE);
            }
            NOT_SENSITIVE => {
                flag(errors, meta, &key, &format!("#[log({key})]"))?;
                self.not_sensitive.set(errors, &key, Some(()), LOG_ATTRIBUTE);
            }
            _ => {
                skip_value(meta)?;
                let noun = target.noun();
                let hint = match target {
                    Target::Field if CONTAINER_KEYS.contains(&name.as_str()) => {
                        format!("`{name}` goes in {LOG_ATTRIBUTE} on the struct, not on a field")
                    }
                    Target::Argument if LOGGED_KEYS.contains(&name.as_str()) => {
                        format!(
                            "`{name}` goes in {LOGGED_ATTRIBUTE} on the function, not on an \
                             argument"
                        )
                    }
                    Target::Field | Target::Argument => {
                        let guess = did_you_mean(&name, &FIELD_KEYS);
                        format!(
                            "unknown key `{name}` in {LOG_ATTRIBUTE} on {article} {noun}: \
                             {guess}the keys are {}",
                            list(&FIELD_KEYS),
                            article = if target == Target::Field { "a" } else { "an" },
                        )
                    }
                };
                errors.error(&key, hint);
            }
        }
        Ok(())
    }
}

/// `#[log(...)]`, the attribute on fields and arguments.
pub(crate) fn is_log(attr: &Attribute) -> bool {
    attr.path().is_ident(LOG)
}

impl<'a> Field<'a> {
    pub(crate) fn parse(errors: &mut Errors, field: &'a syn::Field) -> Option<Self> {
        let ident = field.ident.as_ref()?;
        let marks = Marks::parse(errors, &field.attrs, Target::Field);
        Some(Field::new(ident, &field.ty, marks))
    }

    fn new(ident: &'a Ident, ty: &'a Type, marks: Marks) -> Self {
        Field {
            ident,
            ty,
            name: ident.unraw().to_string(),
            mode: marks.mode.get().copied().unwrap_or(Mode::Value),
            mode_key: marks.mode.key,
            rename: marks.rename.value,
            not_sensitive: marks.not_sensitive.is_written(),
        }
    }

    /// The arguments of a `#[logged]` function that can be logged: those bound to a name, with
    /// their `#[log(...)]` and what the lists of `#[logged(...)]` say about them.
    ///
    /// `self` is never logged, and neither is an argument written as a pattern (`(a, b): (u8, u8)`,
    /// `_: u8`), which has no name to use as the key: `#[log(skip)]` is accepted on it (it changes
    /// nothing), any other key is an error.
    pub(crate) fn arguments(
        errors: &mut Errors,
        inputs: impl IntoIterator<Item = &'a FnArg>,
        lists: &[List],
    ) -> Vec<Self> {
        let mut arguments = Vec::new();
        for input in inputs {
            match input {
                FnArg::Receiver(receiver) => {
                    for attr in receiver.attrs.iter().filter(|attr| is_log(attr)) {
                        errors.error(
                            attr,
                            "`self` is never logged: remove #[log(...)], and log what you need \
                             from `self` in the function body",
                        );
                    }
                }
                FnArg::Typed(arg) => {
                    let marks = Marks::parse(errors, &arg.attrs, Target::Argument);
                    if let Pat::Ident(pat) = &*arg.pat {
                        arguments.push(Field::new(&pat.ident, &arg.ty, marks));
                    } else if marks.mode.get().is_some_and(|mode| *mode != Mode::Skip)
                        || marks.rename.is_written()
                        || marks.not_sensitive.is_written()
                    {
                        errors.error(
                            &arg.pat,
                            "this argument is a pattern, which #[logged] does not log as it has \
                             no name to use as the key: bind it to a name (`name: Type`) and \
                             destructure it in the body to log it, or remove #[log(...)]",
                        );
                    }
                }
            }
        }
        for list in lists {
            for name in &list.names {
                apply(errors, &mut arguments, list, name);
            }
        }
        arguments
    }

    /// Where the JSON key comes from, for error spans: the `rename` value or the field name.
    pub(crate) fn key_tokens(&self) -> &dyn ToTokens {
        match &self.rename {
            Some(rename) => rename,
            None => self.ident,
        }
    }

    /// The JSON key.
    pub(crate) fn key(&self) -> String {
        self.rename.as_ref().map_or_else(|| self.name.clone(), LitStr::value)
    }

    /// Whether its key is one of the context's ids, which every line writes as a string: written
    /// as it is, its value must then be a string too.
    pub(crate) fn is_context_id(&self) -> bool {
        CONTEXT_KEYS.contains(&self.key().as_str())
    }
}

/// Marks the argument that `name` names as `list.key` says, or reports why it cannot.
fn apply(errors: &mut Errors, arguments: &mut [Field<'_>], marks: &List, name: &Ident) {
    let key = &marks.key;
    let wanted = name.unraw().to_string();
    let Some(argument) = arguments.iter_mut().find(|argument| argument.name == wanted) else {
        let names: Vec<&str> = arguments.iter().map(|argument| argument.name.as_str()).collect();
        let hint = if wanted == "self" {
            format!("`self` is never logged: remove it from `{key}(...)`")
        } else if names.is_empty() {
            format!("`{key}({wanted})` names no argument: the function has no argument with a name")
        } else {
            let guess = did_you_mean(&wanted, &names);
            format!(
                "`{key}({wanted})` names no argument: {guess}the arguments are {}",
                list(&names)
            )
        };
        errors.error(name, hint);
        return;
    };
    let Some(mode) = marks.mode else {
        if argument.not_sensitive {
            errors.error(
                name,
                format_args!(
                    "argument `{wanted}` is already marked `{NOT_SENSITIVE}`: keep only one"
                ),
            );
        }
        argument.not_sensitive = true;
        return;
    };
    match &argument.mode_key {
        None => {
            argument.mode = mode;
            argument.mode_key = Some(key.clone());
        }
        Some(first) if argument.mode == mode => errors.error(
            name,
            format_args!("argument `{wanted}` is already marked `{first}`: keep only one"),
        ),
        Some(first) => errors.error(
            name,
            format_args!(
                "argument `{wanted}` cannot be both `{first}` and `{key}`: keep only one of {}",
                list(&MODE_KEYS)
            ),
        ),
    }
}

/// The key of one `key`, `key = value` or `key(...)` item.
fn key(meta: &ParseNestedMeta<'_>) -> syn::Result<Ident> {
    meta.path.get_ident().cloned().ok_or_else(|| {
        syn::Error::new_spanned(
            &meta.path,
            format!("expected a key like `{COMPONENT}`, not a path"),
        )
    })
}

/// The `= "..."` after `key`. A missing or non-string value is reported, and `None` returned, so
/// that parsing goes on with the next key.
fn string_value(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(Token![=]) {
        skip_value(meta)?;
        errors.error(key, format_args!("`{key}` needs a value: write `{key} = \"...\"`"));
        return Ok(None);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(Some(lit)),
        other => {
            errors.error(other, format_args!("`{key}` takes a string: write `{key} = \"...\"`"));
            Ok(None)
        }
    }
}

/// The mask of `redact = "..."`, or `None` (reported) when it is not one.
fn mask_value(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
) -> syn::Result<Option<Mask>> {
    let value = meta.value()?.parse::<Expr>()?;
    let name = match &value {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Some(lit.value()),
        _ => None,
    };
    let mask = name.as_deref().and_then(Mask::from_name);
    if mask.is_none() {
        let what = name.map_or_else(|| "this value".to_owned(), |name| format!("`{name}`"));
        errors.error(
            value,
            format_args!(
                "{what} is not a mask: write #[log({key})] to hide the value, or \
                 #[log({key} = \"...\")] with one of {}",
                list(&Mask::NAMES)
            ),
        );
    }
    Ok(mask)
}

/// A key that takes no value, like `redact`, written as `how` shows.
fn flag(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
    how: &str,
) -> syn::Result<()> {
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        skip_value(meta)?;
        errors.error(key, format_args!("`{key}` takes no value: write {how}"));
    }
    Ok(())
}

/// Consumes whatever follows a key we are not going to use, so that the next key still parses.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<TokenTree>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `#[logged(args)]` on `function` and returns the arguments and the error messages.
    fn arguments(
        args: proc_macro2::TokenStream,
        function: &syn::ItemFn,
    ) -> (Vec<String>, Vec<String>) {
        let mut errors = Errors::new();
        let logged = Logged::parse(&mut errors, args);
        let arguments = Field::arguments(&mut errors, &function.sig.inputs, &logged.lists);
        let described = arguments
            .iter()
            .map(|argument| {
                let sensitive = if argument.not_sensitive { " not_sensitive" } else { "" };
                format!("{} {:?}{sensitive}", argument.key(), argument.mode)
            })
            .collect();
        let messages = match errors.finish() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|error| error.to_string()).collect(),
        };
        (described, messages)
    }

    #[test]
    fn lists_and_argument_marks_merge() {
        let function = syn::parse_quote! {
            fn f(&self, a: u8, #[log(rename = "bee")] b: u8, r#type: u8, (c, d): (u8, u8), _: u8) {}
        };
        let (arguments, messages) = arguments(
            quote::quote!(component = "x", skip(a), display(r#type), not_sensitive(b)),
            &function,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(arguments, ["a Skip", "bee Value not_sensitive", "type Display"]);
    }

    #[test]
    fn every_extra_mention_of_an_argument_is_reported() {
        let function = syn::parse_quote! {
            fn f(#[log(skip)] a: u8, b: u8) {}
        };
        let (_, messages) = arguments(
            quote::quote!(skip(a, b), redact(b), not_sensitive(b, b), skip(zzz)),
            &function,
        );
        assert_eq!(
            messages,
            [
                "duplicate `skip(...)` in #[logged(...)]: list every argument in one `skip(...)`",
                "argument `a` is already marked `skip`: keep only one",
                "argument `b` cannot be both `skip` and `redact`: keep only one of `redact`, \
                 `skip`, `display`, `debug`, `hex`, `base64` and `serde`",
                "argument `b` is already marked `not_sensitive`: keep only one",
                "`skip(zzz)` names no argument: the arguments are `a` and `b`",
            ]
        );
    }

    #[test]
    fn a_pattern_argument_accepts_skip_only() {
        let function = syn::parse_quote! {
            fn f(#[log(skip)] (a, b): (u8, u8), #[log(redact)] _: u8) {}
        };
        let (arguments, messages) = arguments(quote::quote!(), &function);
        assert!(arguments.is_empty());
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].starts_with("this argument is a pattern"), "{messages:?}");
    }

    #[test]
    fn a_key_written_twice_is_reported_once_in_its_own_attribute() {
        let mut errors = Errors::new();
        let attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[log(component = "a", level = "info")]),
            syn::parse_quote!(#[log(component = "b", redact)]),
        ];
        let container = Container::parse(&mut errors, &attrs);
        assert_eq!(container.component.get().map(LitStr::value).as_deref(), Some("a"));
        let messages: Vec<String> =
            errors.finish().unwrap_err().into_iter().map(|error| error.to_string()).collect();
        assert_eq!(
            messages,
            [
                "duplicate `component` in #[log(...)]: keep only one",
                "`redact` goes on a field, not on the struct",
            ]
        );
    }
}
