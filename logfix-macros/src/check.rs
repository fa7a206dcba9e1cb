//! Rules that span several attributes or fields: mandatory `component` and `message`, the names
//! they may use, what placeholders may name, and reserved, duplicate and sensitive keys.

use std::collections::HashMap;

use syn::{Ident, LitStr};

use crate::attr::{default_event, did_you_mean, list, snake_case, Container, Errors, Field, Mode};

/// The keys every line starts with (`logfix_runtime::RESERVED_KEYS`).
const RESERVED_KEYS: [&str; 5] = ["timestamp", "level", "component", "event", "message"];

/// Applies every rule, recording each violation in `errors`.
pub(crate) fn check(
    errors: &mut Errors,
    ident: &Ident,
    container: &Container,
    fields: &[Field<'_>],
) {
    required(errors, ident, container);
    component_and_event(errors, ident, container);
    message(errors, container, fields);
    keys(errors, fields);
    sensitive(errors, fields);
}

/// `component` and `message`, reported on the struct name as there may be no attribute to point at.
fn required(errors: &mut Errors, ident: &Ident, container: &Container) {
    let message = match (
        container.component.is_written(),
        container.message.is_written(),
    ) {
        (true, true) => return,
        (false, false) => {
            "`component` and `message` are required: add \
             #[log(component = \"...\", message = \"...\")] to the struct"
        }
        (false, true) => {
            "`component` is required: add `component = \"...\"` to #[log(...)] on the struct, \
             naming the part of the service the event comes from"
        }
        (true, false) => {
            "`message` is required: add `message = \"...\"` to #[log(...)] on the struct, \
             saying what happened, with `{field}` placeholders"
        }
    };
    errors.error(ident, message);
}

fn component_and_event(errors: &mut Errors, ident: &Ident, container: &Container) {
    let default_event = default_event(ident);
    if let Some(lit) = container.component.get() {
        let empty =
            "`component` is empty: name the part of the service the event comes from, like \
                     `component = \"auth\"`";
        check_name(errors, lit, "component", empty);
    }
    match container.event.get() {
        Some(lit) => {
            let empty = format!(
                "`event` is empty: remove it to use the default `{default_event}`, or write \
                 `event = \"...\"`"
            );
            check_name(errors, lit, "event", &empty);
        }
        None if !container.event.is_written() && !is_name(&default_event) => errors.error(
            ident,
            format_args!(
                "the default event name `{default_event}` may only contain {NAME_CHARS}: \
                 add `event = \"{}\"` to #[log(...)]",
                suggest_name(&default_event)
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
            "`message` is empty: say what happened, like `message = \"user {user_id} logged in\"`",
        );
    }
    for name in message.template.fields() {
        let Some(field) = fields.iter().find(|field| field.name == name) else {
            let usable: Vec<&str> = fields
                .iter()
                .filter(|field| !matches!(field.mode, Mode::Redact | Mode::Skip))
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
                format_args!("placeholder `{{{name}}}` in `message` names no field: {hint}"),
            );
            continue;
        };
        let problem = match field.mode {
            Mode::Redact => "a #[log(redact)] field, whose value would leak into the message",
            Mode::Skip => "a #[log(skip)] field, which is not logged",
            Mode::Value | Mode::Display | Mode::Debug => continue,
        };
        errors.error(
            &message.lit,
            format_args!(
                "placeholder `{{{name}}}` in `message` names {problem}: \
                 remove it from the message"
            ),
        );
    }
}

/// Field keys: valid, not reserved, each used once.
fn keys(errors: &mut Errors, fields: &[Field<'_>]) {
    let mut seen: HashMap<String, &Field<'_>> = HashMap::new();
    let describe = |field: &Field<'_>| match &field.rename {
        Some(_) => format!("field `{}` (renamed)", field.name),
        None => format!("field `{}`", field.name),
    };
    for field in fields {
        if field.mode == Mode::Skip {
            if let (Some(rename), Some(skip)) = (&field.rename, &field.mode_key) {
                errors.error(
                    rename,
                    format_args!(
                        "`rename` has no effect on a #[log({skip})] field: remove `rename`"
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
                        "`rename = \"{key}\"` may only contain ASCII letters, digits, `_`, `.`, `@` \
                         and `-`"
                    ),
                );
                continue;
            }
        }
        if RESERVED_KEYS.contains(&key.as_str()) {
            let reserved =
                "`timestamp`, `level`, `component`, `event` and `message` start every line";
            match &field.rename {
                Some(rename) => errors.error(
                    rename,
                    format_args!("`rename = \"{key}\"` uses a reserved key ({reserved}): choose another name"),
                ),
                None => errors.error(
                    field.ident,
                    format_args!(
                        "field `{key}` uses a reserved key ({reserved}): rename the field or add \
                         #[log(rename = \"...\")]"
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
                     #[log(rename = \"...\")]",
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
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'@' | b'-'))
}

fn sensitive(errors: &mut Errors, fields: &[Field<'_>]) {
    const HOW: &str =
        "mark it #[log(redact)] or #[log(skip)], or #[log(not_sensitive)] if it is not";
    for field in fields {
        if field.not_sensitive || matches!(field.mode, Mode::Redact | Mode::Skip) {
            continue;
        }
        if looks_sensitive(&field.name) {
            errors.error(
                field.ident,
                format_args!("field `{}` looks sensitive: {HOW}", field.name),
            );
        } else if let Some(rename) = field
            .rename
            .as_ref()
            .filter(|lit| looks_sensitive(&lit.value()))
        {
            errors.error(
                rename,
                format_args!("`rename = \"{}\"` looks sensitive: {HOW}", rename.value()),
            );
        }
    }
}

/// Whether a field or parameter name suggests a secret. Case, `_`, `-` and `.` are ignored, so
/// `apiKey`, `API_KEY` and `private-key` all match; any name containing a listed word matches.
pub(crate) fn looks_sensitive(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "authorization",
        "cookie",
        "credential",
        "privatekey",
    ];
    let normalized: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    WORDS.iter().any(|word| normalized.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names_match_in_any_case_and_spelling() {
        for name in [
            "password",
            "Password",
            "user_password",
            "passwd",
            "client_secret",
            "SECRET",
            "token",
            "refresh_token",
            "tokens",
            "api_key",
            "apiKey",
            "apikey",
            "authorization",
            "set_cookie",
            "credentials",
            "private_key",
            "privateKey",
            "ssh-private-key",
        ] {
            assert!(looks_sensitive(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_are_not_sensitive() {
        for name in [
            "user_id", "email", "key", "api", "private", "pass", "author", "order_id", "",
        ] {
            assert!(!looks_sensitive(name), "{name}");
        }
    }

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
    fn suggested_names_are_valid() {
        assert_eq!(suggest_name("Auth Service"), "auth_service");
        assert_eq!(suggest_name("UserLogin"), "user_login");
        assert_eq!(suggest_name("payments/EU"), "payments_eu");
        assert_eq!(suggest_name("café"), "...");
        assert_eq!(suggest_name("  "), "...");
    }
}
