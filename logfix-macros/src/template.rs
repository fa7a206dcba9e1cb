//! The message template of `#[log(message = "...")]`: literal text and `{field}` placeholders.

use crate::symbol::{DEBUG, DISPLAY, MESSAGE};

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
                '}' => problems.push(format!(
                    "unmatched `}}` in `{MESSAGE}`: write `}}}}` for a literal `}}`"
                )),
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
                        problems.push(format!(
                            "unclosed `{{` in `{MESSAGE}`: end the placeholder with `}}`, \
                             or write `{{{{` for a literal `{{`"
                        ));
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
            format!("mark the field #[log({DEBUG})] to log it with `Debug`")
        } else {
            format!(
                "mark the field #[log({DISPLAY})] or #[log({DEBUG})] to choose how it is \
                 formatted"
            )
        };
        return Err(format!(
            "placeholder `{{{inner}}}` in `{MESSAGE}` has a format spec, which is not supported: \
             write `{{{name}}}` and {how}"
        ));
    }
    let name = inner.strip_prefix("r#").unwrap_or(inner);
    if is_identifier(name) {
        return Ok(name.to_owned());
    }
    Err(if name.is_empty() {
        format!(
            "empty placeholder `{{}}` in `{MESSAGE}`: name a field, like `{{user_id}}`, \
             or write `{{{{}}}}` for literal braces"
        )
    } else if is_identifier(name.trim()) {
        format!("placeholder `{{{inner}}}` in `{MESSAGE}` has spaces: write `{{{}}}`", name.trim())
    } else {
        format!(
            "placeholder `{{{inner}}}` in `{MESSAGE}` must name a field, like `{{user_id}}`; \
             write `{{{{` and `}}}}` for literal braces"
        )
    })
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
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
        assert_eq!(
            problems,
            [
                "placeholder `{a:?}` in `message` has a format spec, which is not supported: \
                 write `{a}` and mark the field #[log(debug)] to log it with `Debug`",
                "empty placeholder `{}` in `message`: name a field, like `{user_id}`, or write \
                 `{{}}` for literal braces",
                "placeholder `{0}` in `message` must name a field, like `{user_id}`; write `{{` \
                 and `}}` for literal braces",
                "placeholder `{ b }` in `message` has spaces: write `{b}`",
                "unmatched `}` in `message`: write `}}` for a literal `}`",
                "unclosed `{` in `message`: end the placeholder with `}`, or write `{{` for a \
                 literal `{`",
            ]
        );
    }

    #[test]
    fn template_format_spec_without_debug_suggests_both_modes() {
        let (_, problems) = parse("{amount:>8}");
        assert!(problems[0].contains(
            "write `{amount}` and mark the field #[log(display)] or #[log(debug)] to choose how \
             it is formatted"
        ));
    }
}
