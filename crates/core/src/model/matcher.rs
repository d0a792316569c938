//! Matchers: `name op value`, the one rule that says which events a silence covers. A name is
//! one of the event's fields (`source`, `kind`, `severity`, `title`) or one of its labels
//! (`label.KEY`); the operators are Alertmanager's: `=`, `!=`, `=~` and `!~`, a regular
//! expression matching the whole value (anchored, like Alertmanager's). As in Alertmanager, a
//! label an event does not carry has the value `""`, so `label.team!="db"` matches every event
//! without a `team` label.
//!
//! Written text: matchers separated by commas or spaces, optionally in braces, each value bare
//! (no spaces, commas, quotes or braces) or in double quotes with `\"`, `\\` and `\n`:
//! `{source="db-7", label.severity=~"crit.*"}`. Parsing is a few tokens, hand-written; errors
//! give the character position they point at.

use crate::error::{Error, Result};
use crate::model::{Labels, Severity};
use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::fmt;

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
pub enum MatchOp {
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = "=~")]
    Regex,
    #[serde(rename = "!~")]
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One matcher, as written and stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

/// What a matcher looks at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Source,
    Kind,
    Severity,
    Title,
    Label(String),
}

/// The prefix of a label's name in a matcher.
pub const LABEL_PREFIX: &str = "label.";
/// The longest value or expression a matcher may hold, in characters.
pub const MAX_MATCHER_VALUE: usize = 1_024;
/// The most matchers one silence may hold.
pub const MAX_MATCHERS: usize = 32;
/// How large a compiled expression may grow, in bytes (the `regex` crate's limits).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

impl Subject {
    /// The subject `name` names, or why it names none.
    pub fn of(name: &str) -> std::result::Result<Subject, String> {
        match name {
            "source" => Ok(Subject::Source),
            "kind" => Ok(Subject::Kind),
            "severity" => Ok(Subject::Severity),
            "title" => Ok(Subject::Title),
            _ => match name.strip_prefix(LABEL_PREFIX) {
                Some(key) => match crate::model::key_problem(key) {
                    None => Ok(Subject::Label(key.to_owned())),
                    Some(problem) => Err(problem),
                },
                None => Err(format!(
                    "unknown field {name:?}: a matcher names source, kind, severity, title or \
                     label.NAME"
                )),
            },
        }
    }
}

/// The parts of an event matchers look at.
#[derive(Debug, Clone, Copy)]
pub struct Subjects<'a> {
    pub source: &'a str,
    pub kind: &'a str,
    pub severity: Severity,
    pub title: &'a str,
    pub labels: &'a Labels,
}

impl Subjects<'_> {
    /// The value of `subject` (`""` for a label the event does not carry).
    pub fn value(&self, subject: &Subject) -> &str {
        match subject {
            Subject::Source => self.source,
            Subject::Kind => self.kind,
            Subject::Severity => self.severity.as_str(),
            Subject::Title => self.title,
            Subject::Label(key) => self.labels.get(key).map_or("", String::as_str),
        }
    }
}

/// A matcher ready to test values: its subject resolved and its expression compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub subject: Subject,
    pub op: MatchOp,
    value: String,
    regex: Option<Regex>,
}

impl Compiled {
    /// The value or expression it compares with.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether `value` (the subject's value) passes.
    pub fn test(&self, value: &str) -> bool {
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }

    pub fn matches(&self, event: &Subjects<'_>) -> bool {
        self.test(event.value(&self.subject))
    }
}

impl Matcher {
    /// Resolves the name and compiles the expression. The error's field is `matchers`, its
    /// message says which matcher and, for an expression, at which character of it.
    pub fn compile(&self) -> Result<Compiled> {
        let bad = |m: String| Error::invalid("matchers", format!("{self}: {m}"));
        let subject = Subject::of(&self.name).map_err(bad)?;
        if self.value.chars().count() > MAX_MATCHER_VALUE {
            return Err(bad(format!(
                "is longer than {MAX_MATCHER_VALUE} characters"
            )));
        }
        let regex = match self.op {
            MatchOp::Equal | MatchOp::NotEqual => None,
            MatchOp::Regex | MatchOp::NotRegex => Some(compile_regex(&self.value).map_err(bad)?),
        };
        Ok(Compiled {
            subject,
            op: self.op,
            value: self.value.clone(),
            regex,
        })
    }
}

/// `pattern` anchored at both ends, within the size limits; an error names the character of
/// the pattern it points at (counted from 1).
fn compile_regex(pattern: &str) -> std::result::Result<Regex, String> {
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        let at = pattern[..e.span().start.offset].chars().count() + 1;
        return Err(format!(
            "the expression is not valid at character {at}: {}",
            e.kind()
        ));
    }
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => format!(
                "the expression is too large (over {} KiB compiled)",
                REGEX_SIZE_LIMIT / 1024
            ),
            other => format!("the expression is not valid: {other}"),
        })
}

impl fmt::Display for Matcher {
    /// As written: `name op "value"`, the value quoted with `\"`, `\\` and `\n` escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}\"", self.name, self.op.as_str())?;
        for c in self.value.chars() {
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                c => write!(f, "{c}")?,
            }
        }
        f.write_str("\"")
    }
}

/// Matchers as written, one line: `{a="x", b=~"y"}`.
pub fn matchers_text(matchers: &[Matcher]) -> String {
    let parts: Vec<String> = matchers.iter().map(ToString::to_string).collect();
    format!("{{{}}}", parts.join(", "))
}

/// Reads written matchers (see the module's documentation). The error's field is `matchers`;
/// its message gives the character (counted from 1) where reading stopped.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parse { chars, at: 0 };
    p.matchers()
        .map_err(|(at, m)| Error::invalid("matchers", format!("at character {}: {m}", at + 1)))
}

struct Parse {
    chars: Vec<char>,
    at: usize,
}

type Step<T> = std::result::Result<T, (usize, String)>;

impl Parse {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_separators(&mut self) {
        while self.peek().is_some_and(|c| c.is_whitespace() || c == ',') {
            self.at += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        let ahead: String = self.chars.iter().skip(self.at).take(n).collect();
        if ahead == s {
            self.at += n;
            true
        } else {
            false
        }
    }

    fn matchers(&mut self) -> Step<Vec<Matcher>> {
        self.skip_separators();
        let braced = self.eat("{");
        let mut out = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                None if braced => return Err((self.at, "the closing } is missing".into())),
                None => break,
                Some('}') if braced => {
                    self.at += 1;
                    self.skip_separators();
                    if let Some(c) = self.peek() {
                        return Err((self.at, format!("unexpected {c:?} after the closing }}")));
                    }
                    break;
                }
                Some(_) => out.push(self.matcher()?),
            }
        }
        Ok(out)
    }

    fn matcher(&mut self) -> Step<Matcher> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || "_.-:/@".contains(c))
        {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if name.is_empty() {
            let what = self
                .peek()
                .map_or("the end".to_owned(), |c| format!("{c:?}"));
            return Err((self.at, format!("expected a name, found {what}")));
        }
        let op = if self.eat("=~") {
            MatchOp::Regex
        } else if self.eat("!~") {
            MatchOp::NotRegex
        } else if self.eat("!=") {
            MatchOp::NotEqual
        } else if self.eat("=") {
            MatchOp::Equal
        } else {
            return Err((self.at, format!("expected =, !=, =~ or !~ after {name}")));
        };
        let value = if self.eat("\"") {
            self.quoted()?
        } else {
            let from = self.at;
            while self
                .peek()
                .is_some_and(|c| !c.is_whitespace() && !",{}\"".contains(c))
            {
                self.at += 1;
            }
            self.chars[from..self.at].iter().collect()
        };
        Ok(Matcher { name, op, value })
    }

    fn quoted(&mut self) -> Step<String> {
        let open = self.at - 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None => return Err((open, "this quote is not closed".into())),
                Some('"') => {
                    self.at += 1;
                    return Ok(value);
                }
                Some('\\') => {
                    let c = match self.chars.get(self.at + 1) {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        _ => return Err((self.at, "use \\\", \\\\ or \\n in quotes".into())),
                    };
                    value.push(c);
                    self.at += 2;
                }
                Some(c) => {
                    value.push(c);
                    self.at += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn m(name: &str, op: MatchOp, value: &str) -> Matcher {
        Matcher {
            name: name.into(),
            op,
            value: value.into(),
        }
    }

    fn problem(text: &str) -> String {
        match parse_matchers(text) {
            Err(Error::InvalidInput { field, message }) => {
                assert_eq!(field, "matchers");
                message
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn written_matchers_read_in_every_form() {
        let want = vec![
            m("source", MatchOp::Equal, "db-7"),
            m("label.team", MatchOp::NotEqual, "ops team"),
            m("title", MatchOp::Regex, "Disk .*"),
            m("label.x", MatchOp::NotRegex, ""),
        ];
        for text in [
            r#"{source="db-7", label.team!="ops team", title=~"Disk .*", label.x!~""}"#,
            r#"source=db-7 label.team!="ops team",title=~"Disk .*" label.x!~"#,
            r#"  {source=db-7,,label.team!="ops team"  title=~"Disk .*" label.x!~""}  "#,
        ] {
            assert_eq!(parse_matchers(text).unwrap(), want, "{text}");
        }
        // Spaces around the operator are not matchers' syntax.
        assert!(problem(r#"source = "db-7""#).contains("character 7"));
        assert_eq!(parse_matchers("").unwrap(), vec![]);
        assert_eq!(
            parse_matchers(r#"{a="q\"b\\c\nd"}"#).unwrap(),
            vec![m("a", MatchOp::Equal, "q\"b\\c\nd")]
        );
    }

    #[test]
    fn errors_say_where_reading_stopped() {
        assert!(problem(r#"{a="x""#).contains("character 7: the closing } is missing"));
        assert!(problem(r#"a="x"#).contains("character 3: this quote is not closed"));
        assert!(problem("a~x").contains("character 2: expected =, !=, =~ or !~ after a"));
        assert!(problem("=x").contains("character 1: expected a name"));
        assert!(problem(r#"{a=x} b=y"#).contains("character 7: unexpected 'b'"));
        assert!(problem(r#"a="\t""#).contains("character 4: use"));
    }

    #[test]
    fn compiling_checks_names_and_expressions() {
        let bad = |matcher: Matcher| match matcher.compile() {
            Err(Error::InvalidInput { message, .. }) => message,
            other => panic!("{other:?}"),
        };
        assert!(bad(m("host", MatchOp::Equal, "x")).contains("unknown field \"host\""));
        assert!(bad(m("label.", MatchOp::Equal, "x")).contains("empty"));
        assert!(bad(m("title", MatchOp::Regex, "ab(c")).contains("at character 3"));
        assert!(bad(m("title", MatchOp::Regex, "(x{1000}){1000}")).contains("too large"));
        assert!(bad(m("title", MatchOp::Equal, &"x".repeat(1025))).contains("longer than"));
    }

    #[test]
    fn matching_follows_alertmanagers_rules() {
        let labels = Labels::from([("team".to_owned(), "db".to_owned())]);
        let event = Subjects {
            source: "db-7",
            kind: "disk.full",
            severity: Severity::Critical,
            title: "Disk full on db-7",
            labels: &labels,
        };
        let yes = |name, op, value| assert!(m(name, op, value).compile().unwrap().matches(&event));
        let no = |name, op, value| assert!(!m(name, op, value).compile().unwrap().matches(&event));
        yes("source", MatchOp::Equal, "db-7");
        no("source", MatchOp::Equal, "db-");
        yes("severity", MatchOp::Equal, "critical");
        yes("kind", MatchOp::Regex, "disk\\..*");
        // Anchored: a part of the value is not a match.
        no("title", MatchOp::Regex, "Disk");
        yes("title", MatchOp::NotRegex, "Disk");
        yes("label.team", MatchOp::Equal, "db");
        // An absent label is "".
        yes("label.zone", MatchOp::Equal, "");
        yes("label.zone", MatchOp::NotEqual, "eu");
        yes("label.zone", MatchOp::Regex, "eu|");
        no("label.zone", MatchOp::Regex, ".+");
    }

    #[test]
    fn printed_matchers_read_back_the_same() {
        let mut rng = StdRng::seed_from_u64(27);
        let alphabet: Vec<char> = "ab z=~!,{}\"\\\n.é🙂-".chars().collect();
        for _ in 0..2_000 {
            let matchers: Vec<Matcher> = (0..rng.random_range(0..5))
                .map(|_| Matcher {
                    name: ["source", "kind", "label.team", "label.a.b", "title"]
                        [rng.random_range(0..5)]
                    .into(),
                    op: [
                        MatchOp::Equal,
                        MatchOp::NotEqual,
                        MatchOp::Regex,
                        MatchOp::NotRegex,
                    ][rng.random_range(0..4)],
                    value: (0..rng.random_range(0..8))
                        .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                        .collect(),
                })
                .collect();
            let text = matchers_text(&matchers);
            assert_eq!(parse_matchers(&text).unwrap(), matchers, "{text}");
        }
    }
}
