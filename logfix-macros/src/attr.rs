//! Parsing `#[log(...)]` on structs, fields and arguments, and `#[logged(...)]` on functions, into
//! typed values.
//!
//! Only the syntax of each key is checked here, and which argument each `skip(...)`-style list
//! names. Rules that involve several keys or fields (mandatory keys, what a placeholder may name,
//! reserved and sensitive names) are in `check`.

use core::fmt::Display;

use proc_macro2::TokenTree;
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, ExprLit, FnArg, Ident, Lit, LitStr, Pat, Path, Token, Type};

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

    fn set(&mut self, errors: &mut Errors, key: &Ident, value: Option<T>) {
        self.set_in(errors, key, value, "#[log(...)]");
    }

    /// As `set`, for a key of `attribute` (`#[logged(...)]`), which duplicate errors name.
    fn set_in(&mut self, errors: &mut Errors, key: &Ident, value: Option<T>, attribute: &str) {
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
                    "`{key}` cannot be combined with `{first}`: \
                     keep only one of `redact`, `skip`, `display` and `debug`"
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

/// Severity, as written in `level = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

const LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

impl Level {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "trace" => Some(Level::Trace),
            "debug" => Some(Level::Debug),
            "info" => Some(Level::Info),
            "warn" => Some(Level::Warn),
            "error" => Some(Level::Error),
            _ => None,
        }
    }

    /// The name of the runtime's `Level` variant.
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Level::Trace => "Trace",
            Level::Debug => "Debug",
            Level::Info => "Info",
            Level::Warn => "Warn",
            Level::Error => "Error",
        }
    }
}

/// `message = "..."`: the literal, for error spans, and its parsed template.
pub(crate) struct Message {
    pub(crate) lit: LitStr,
    pub(crate) template: Template,
}

/// `#[log(...)]` on the struct.
pub(crate) struct Container {
    pub(crate) component: Attr<LitStr>,
    pub(crate) message: Attr<Message>,
    pub(crate) event: Attr<LitStr>,
    pub(crate) level: Attr<Level>,
    pub(crate) krate: Attr<Path>,
}

const CONTAINER_KEYS: [&str; 5] = ["component", "message", "event", "level", "crate"];
const FIELD_KEYS: [&str; 6] = ["redact", "skip", "display", "debug", "rename", "not_sensitive"];

impl Container {
    pub(crate) fn parse(errors: &mut Errors, attrs: &[Attribute]) -> Self {
        let mut container = Container {
            component: Attr::new(),
            message: Attr::new(),
            event: Attr::new(),
            level: Attr::new(),
            krate: Attr::new(),
        };
        for attr in attrs.iter().filter(|attr| attr.path().is_ident("log")) {
            if let Err(error) = attr.parse_nested_meta(|meta| container.parse_key(errors, &meta)) {
                errors.push(error);
            }
        }
        container
    }

    fn parse_key(&mut self, errors: &mut Errors, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let key = key(meta)?;
        match key.to_string().as_str() {
            "component" => {
                let value = string_value(errors, meta, &key)?;
                self.component.set(errors, &key, value);
            }
            "event" => {
                let value = string_value(errors, meta, &key)?;
                self.event.set(errors, &key, value);
            }
            "message" => {
                let value = string_value(errors, meta, &key)?.map(|lit| {
                    let (template, problems) = Template::parse(&lit.value());
                    for problem in problems {
                        errors.error(&lit, problem);
                    }
                    Message { lit, template }
                });
                self.message.set(errors, &key, value);
            }
            "level" => {
                let value = level_value(errors, meta, &key)?;
                self.level.set(errors, &key, value);
            }
            "crate" => {
                let value = crate_value(errors, meta, &key)?;
                self.krate.set(errors, &key, value);
            }
            name => {
                skip_value(meta)?;
                let hint = if is_field_key(name) {
                    format!("`{name}` goes on a field, not on the struct")
                } else {
                    let guess = did_you_mean(name, &CONTAINER_KEYS);
                    format!(
                        "unknown key `{name}` in #[log(...)] on a struct: {guess}the keys are {}",
                        list(&CONTAINER_KEYS)
                    )
                };
                errors.error(&key, hint);
            }
        }
        Ok(())
    }
}

fn is_field_key(name: &str) -> bool {
    FIELD_KEYS.contains(&name)
}

/// `level = "..."` or `err_level = "..."`: `None` (reported) when it names no level.
fn level_value(
    errors: &mut Errors,
    meta: &ParseNestedMeta<'_>,
    key: &Ident,
) -> syn::Result<Option<Level>> {
    Ok(string_value(errors, meta, key)?.and_then(|lit| {
        let level = Level::parse(&lit.value());
        if level.is_none() {
            let name = lit.value();
            let guess = did_you_mean(&name, &LEVELS);
            errors.error(
                &lit,
                format_args!("unknown level `{name}`: {guess}the levels are {}", list(&LEVELS)),
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
                "`crate` takes the path to logfix_runtime, like `crate = \"::logfix_runtime\"`",
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

const LOGGED_KEYS: [&str; 13] = [
    "component",
    "event",
    "message",
    "err_message",
    "level",
    "err_level",
    "enter",
    "crate",
    "skip",
    "redact",
    "display",
    "debug",
    "not_sensitive",
];

const LOGGED: &str = "#[logged(...)]";

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
            "component" | "event" | "message" | "err_message" => {
                let value = string_value(errors, meta, &key)?;
                let attr = match name.as_str() {
                    "component" => &mut self.component,
                    "event" => &mut self.event,
                    "message" => &mut self.message,
                    _ => &mut self.err_message,
                };
                attr.set_in(errors, &key, value, LOGGED);
            }
            "level" | "err_level" => {
                let value = level_value(errors, meta, &key)?;
                let attr = if name == "level" { &mut self.level } else { &mut self.err_level };
                attr.set_in(errors, &key, value, LOGGED);
            }
            "enter" => {
                flag_in(errors, meta, &key, "#[logged(..., enter)]")?;
                self.enter.set_in(errors, &key, Some(()), LOGGED);
            }
            "crate" => {
                let value = crate_value(errors, meta, &key)?;
                self.krate.set_in(errors, &key, value, LOGGED);
            }
            "skip" | "redact" | "display" | "debug" | "not_sensitive" => {
                self.parse_list(errors, meta, key)?;
            }
            _ => {
                skip_value(meta)?;
                let hint = if name == "rename" {
                    "`rename` goes on the argument: write #[log(rename = \"...\")] before it"
                        .to_owned()
                } else {
                    let guess = did_you_mean(&name, &LOGGED_KEYS);
                    format!(
                        "unknown key `{name}` in #[logged(...)]: {guess}the keys are {}",
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
            "`{key}` takes the names of arguments: write `{key}(name, ...)` in #[logged(...)], \
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
                    "duplicate `{first}(...)` in #[logged(...)]: list every argument in one \
                     `{first}(...)`"
                ),
            );
        }
        let mode = Mode::from_key(&key.to_string());
        self.lists.push(List { key, mode, names });
        Ok(())
    }
}

/// `` `a`, `b` and `c` ``
pub(crate) fn list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|key| format!("`{key}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// "did you mean `message`? " for a name one or two typos away from a known one, or that
/// starts with one (`warning` for `warn`).
pub(crate) fn did_you_mean(name: &str, keys: &[&str]) -> String {
    keys.iter()
        .map(|key| (edit_distance(name, key), key))
        .filter(|&(distance, key)| distance <= 2 || name.starts_with(key))
        .min()
        .map(|(_, key)| format!("did you mean `{key}`? "))
        .unwrap_or_default()
}

/// Levenshtein distance, with one row of the table kept.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (&cb, above) in b.iter().zip(row.iter_mut().skip(1)) {
            let cost = diagonal + usize::from(ca != cb);
            diagonal = *above;
            left = cost.min(*above + 1).min(left + 1);
            *above = left;
        }
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
    }
    row.last().copied().unwrap_or(0)
}

/// How a field is logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Through the runtime's `Value` trait.
    Value,
    /// Key only, with a placeholder instead of the value.
    Redact,
    /// Not at all.
    Skip,
    Display,
    Debug,
}

impl Mode {
    fn from_key(key: &str) -> Option<Self> {
        match key {
            "redact" => Some(Mode::Redact),
            "skip" => Some(Mode::Skip),
            "display" => Some(Mode::Display),
            "debug" => Some(Mode::Debug),
            _ => None,
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
            "redact" | "skip" | "display" | "debug" => {
                flag(errors, meta, &key)?;
                self.mode.set(errors, &key, Mode::from_key(&name));
            }
            "rename" => {
                let value = string_value(errors, meta, &key)?;
                self.rename.set(errors, &key, value);
            }
            "not_sensitive" => {
                flag(errors, meta, &key)?;
                self.not_sensitive.set(errors, &key, Some(()));
            }
            _ => {
                skip_value(meta)?;
                let noun = target.noun();
                let hint = match target {
                    Target::Field if CONTAINER_KEYS.contains(&name.as_str()) => {
                        format!("`{name}` goes in #[log(...)] on the struct, not on a field")
                    }
                    Target::Argument if LOGGED_KEYS.contains(&name.as_str()) => {
                        format!(
                            "`{name}` goes in #[logged(...)] on the function, not on an argument"
                        )
                    }
                    Target::Field | Target::Argument => {
                        let guess = did_you_mean(&name, &FIELD_KEYS);
                        format!(
                            "unknown key `{name}` in #[log(...)] on {article} {noun}: {guess}the \
                             keys are {}",
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
    attr.path().is_ident("log")
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
                    "argument `{wanted}` is already marked `not_sensitive`: keep only one"
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
                "argument `{wanted}` cannot be both `{first}` and `{key}`: keep only one of \
                 `redact`, `skip`, `display` and `debug`"
            ),
        ),
    }
}

/// The key of one `key`, `key = value` or `key(...)` item.
fn key(meta: &ParseNestedMeta<'_>) -> syn::Result<Ident> {
    meta.path.get_ident().cloned().ok_or_else(|| {
        syn::Error::new_spanned(&meta.path, "expected a key like `component`, not a path")
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

/// A key that takes no value, like `redact`.
fn flag(errors: &mut Errors, meta: &ParseNestedMeta<'_>, key: &Ident) -> syn::Result<()> {
    flag_in(errors, meta, key, &format!("#[log({key})]"))
}

/// A key that takes no value, written as `how` shows.
fn flag_in(
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

/// One part of a message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Literal(String),
    /// A `{name}` placeholder, by Rust field name.
    Field(String),
}

/// A parsed `message`: literal text and `{field}` placeholders, with `{{` and `}}` for braces.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) segments: Vec<Segment>,
}

impl Template {
    /// Parses `text`, skipping bad placeholders so that every problem is found in one pass.
    pub(crate) fn parse(text: &str) -> (Self, Vec<String>) {
        let mut template = Template::default();
        let mut problems = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.next_if_eq(&'{').is_some() => literal.push('{'),
                '}' if chars.next_if_eq(&'}').is_some() => literal.push('}'),
                '}' => problems
                    .push("unmatched `}` in `message`: write `}}` for a literal `}`".to_owned()),
                '{' => {
                    let mut inner = String::new();
                    let mut closed = false;
                    for c in chars.by_ref() {
                        if c == '}' {
                            closed = true;
                            break;
                        }
                        inner.push(c);
                    }
                    if !closed {
                        problems.push(
                            "unclosed `{` in `message`: end the placeholder with `}`, \
                             or write `{{` for a literal `{`"
                                .to_owned(),
                        );
                        break;
                    }
                    match placeholder(&inner) {
                        Ok(name) => {
                            if !literal.is_empty() {
                                let text = core::mem::take(&mut literal);
                                template.segments.push(Segment::Literal(text));
                            }
                            template.segments.push(Segment::Field(name));
                        }
                        Err(problem) => problems.push(problem),
                    }
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            template.segments.push(Segment::Literal(literal));
        }
        (template, problems)
    }

    /// The field names the placeholders use, in order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Field(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// The field name inside `{...}`.
fn placeholder(inner: &str) -> Result<String, String> {
    if let Some((name, spec)) = inner.split_once(':') {
        let how = if spec.contains('?') {
            "mark the field #[log(debug)] to log it with `Debug`"
        } else {
            "mark the field #[log(display)] or #[log(debug)] to choose how it is formatted"
        };
        return Err(format!(
            "placeholder `{{{inner}}}` in `message` has a format spec, which is not supported: \
             write `{{{name}}}` and {how}"
        ));
    }
    let name = inner.strip_prefix("r#").unwrap_or(inner);
    if is_identifier(name) {
        return Ok(name.to_owned());
    }
    Err(if name.is_empty() {
        "empty placeholder `{}` in `message`: name a field, like `{user_id}`, \
         or write `{{}}` for literal braces"
            .to_owned()
    } else if is_identifier(name.trim()) {
        format!("placeholder `{{{inner}}}` in `message` has spaces: write `{{{}}}`", name.trim())
    } else {
        format!(
            "placeholder `{{{inner}}}` in `message` must name a field, like `{{user_id}}`; \
             write `{{{{` and `}}}}` for literal braces"
        )
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The default `event` of a struct named `ident`.
pub(crate) fn default_event(ident: &Ident) -> String {
    snake_case(&ident.unraw().to_string())
}

/// The struct name in `snake_case`, acronyms kept together
/// (`HTTPRequest` becomes `http_request`, `Oauth2Login` becomes `oauth2_login`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars.get(i - 1).copied().unwrap_or('_');
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let word_ends = prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower);
            if word_ends && !out.ends_with('_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Vec<Segment>, Vec<String>) {
        let (template, problems) = Template::parse(text);
        (template.segments, problems)
    }

    fn lit(text: &str) -> Segment {
        Segment::Literal(text.to_owned())
    }

    fn field(name: &str) -> Segment {
        Segment::Field(name.to_owned())
    }

    #[test]
    fn template_splits_literals_and_placeholders() {
        let (segments, problems) = parse("user {user_id} logged in from {ip}");
        assert!(problems.is_empty());
        assert_eq!(
            segments,
            [lit("user "), field("user_id"), lit(" logged in from "), field("ip")]
        );
        assert_eq!(parse("{a}{b}").0, [field("a"), field("b")]);
        assert_eq!(parse("").0, []);
        assert_eq!(parse("{r#type}").0, [field("type")]);
        assert_eq!(parse("{größe} ✓").0, [field("größe"), lit(" ✓")]);
    }

    #[test]
    fn template_doubled_braces_are_literal() {
        let (segments, problems) = parse("{{a}} {b} }}{{");
        assert!(problems.is_empty());
        assert_eq!(segments, [lit("{a} "), field("b"), lit(" }{")]);
        assert_eq!(parse("{{{x}}}").0, [lit("{"), field("x"), lit("}")]);
    }

    #[test]
    fn template_reports_every_problem() {
        let (segments, problems) = parse("{a:?} {} {0} { b } } {c");
        assert_eq!(segments, [lit("     ")]);
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems[0].contains("write `{a}` and mark the field #[log(debug)]"));
        assert!(problems[1].starts_with("empty placeholder `{}`"));
        assert!(problems[2].contains("`{0}` in `message` must name a field"));
        assert!(problems[3].contains("has spaces: write `{b}`"));
        assert!(problems[4].starts_with("unmatched `}`"));
        assert!(problems[5].starts_with("unclosed `{`"));
    }

    #[test]
    fn template_format_spec_without_debug_suggests_both_modes() {
        let (_, problems) = parse("{amount:>8}");
        assert!(problems[0].contains("write `{amount}` and mark the field #[log(display)] or"));
    }

    #[test]
    fn unknown_keys_get_a_suggestion_when_close() {
        assert_eq!(edit_distance("mesage", "message"), 1);
        assert_eq!(edit_distance("", "skip"), 4);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(did_you_mean("redacted", &FIELD_KEYS), "did you mean `redact`? ");
        assert_eq!(did_you_mean("componnet", &CONTAINER_KEYS), "did you mean `component`? ");
        assert_eq!(did_you_mean("format", &FIELD_KEYS), "");
        assert_eq!(did_you_mean("warning", &LEVELS), "did you mean `warn`? ");
        assert_eq!(did_you_mean("skipped", &FIELD_KEYS), "did you mean `skip`? ");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(list(&["a"]), "`a`");
    }

    #[test]
    fn snake_case_splits_words_and_keeps_acronyms() {
        for (name, expected) in [
            ("UserLogin", "user_login"),
            ("HTTPRequest", "http_request"),
            ("ParseHTTPResponse", "parse_http_response"),
            ("RequestHTTP", "request_http"),
            ("Oauth2Login", "oauth2_login"),
            ("V2", "v2"),
            ("Login2FAFailed", "login2_fa_failed"),
            ("Already_Snake", "already_snake"),
            ("X", "x"),
            ("Handled", "handled"),
        ] {
            assert_eq!(snake_case(name), expected, "{name}");
        }
    }

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
                 `skip`, `display` and `debug`",
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
}
