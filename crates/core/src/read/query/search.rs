//! Search text: what the user typed, parsed into required terms (words as prefixes, quoted
//! phrases), and turned into an FTS5 query in which user text can never be FTS or SQL syntax.

use crate::error::{Error, Result};
use crate::model::EventFilter;
use crate::read::memory::Memory;
use rusqlite::Connection;

/// One required part of a search: a phrase of words, the last of them a prefix or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    words: Vec<String>,
    prefix: bool,
}

impl Term {
    fn render(&self) -> String {
        format!(
            "\"{}\"{}",
            self.words.join(" "),
            if self.prefix { "*" } else { "" }
        )
    }
}

/// A prefix longer than this is expanded into the terms it stands for; shorter ones have a
/// prefix index of their own (migration 004).
const INDEXED_PREFIX: usize = 3;
/// A prefix stands for at most this many distinct terms before it is left to FTS5 as a
/// prefix query.
const MAX_EXPANSION: usize = 64;

/// Parses what the user typed: each word a prefix, each `"quoted phrase"` a phrase, all
/// required. `Ok(None)` for blank input.
pub(crate) fn parse(text: &str) -> Result<Option<Vec<Term>>> {
    let bad = |message: &str| Error::invalid("search", message);
    if text.chars().count() > EventFilter::MAX_SEARCH {
        return Err(bad(&format!(
            "is longer than {} characters",
            EventFilter::MAX_SEARCH
        )));
    }
    if text.trim().is_empty() {
        return Ok(None);
    }
    if text.matches('"').count() % 2 == 1 {
        return Err(bad("has a quote (\") that is not closed"));
    }
    let tokens = |part: &str| -> Vec<String> {
        part.split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let mut terms = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        let quoted = i % 2 == 1;
        if quoted {
            let words = tokens(part);
            if !words.is_empty() {
                terms.push(Term {
                    words,
                    prefix: false,
                });
            }
        } else {
            for word in part.split_whitespace() {
                let words = tokens(word);
                if !words.is_empty() {
                    terms.push(Term {
                        words,
                        prefix: true,
                    });
                }
            }
        }
    }
    if terms.is_empty() {
        return Err(bad("has no letters or digits to search for"));
    }
    Ok(Some(terms))
}

/// Turns what the user typed into an FTS5 query: each word a prefix, each `"quoted phrase"` a
/// phrase, all required. `Ok(None)` for blank input.
pub fn fts_query(text: &str) -> Result<Option<String>> {
    Ok(parse(text)?.map(|terms| terms.iter().map(Term::render).collect::<Vec<_>>().join(" ")))
}

/// [`fts_query`], with each one-word prefix longer than [`INDEXED_PREFIX`] replaced by the
/// terms of the index it stands for (`"ledger"*` → `("ledger" OR "ledgers")`): FTS5 reads a
/// prefix by merging every matching document list first, but walks an OR of terms lazily, so
/// a page stops early.
pub(crate) fn fts_match(
    conn: &Connection,
    memory: Option<&Memory>,
    terms: Option<&[Term]>,
) -> Result<Option<String>> {
    let Some(terms) = terms else {
        return Ok(None);
    };
    let vocabulary = |word: &str| -> Result<Vec<String>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT term FROM events_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT {}",
            MAX_EXPANSION + 1
        ))?;
        let rows = stmt.query_map([word, &format!("{word}\u{10FFFF}")], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    };
    let mut parts = Vec::with_capacity(terms.len());
    for term in terms {
        let expanded = match term.words.as_slice() {
            [word] if term.prefix && word.chars().count() > INDEXED_PREFIX => {
                let found = match memory {
                    Some(m) => m.expand(conn, word, || vocabulary(word))?,
                    None => vocabulary(word)?,
                };
                match found.len() {
                    // No such term: the search matches nothing, which the prefix says too.
                    0 => None,
                    n if n > MAX_EXPANSION => None,
                    _ => Some(format!(
                        "({})",
                        found
                            .iter()
                            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                            .collect::<Vec<_>>()
                            .join(" OR ")
                    )),
                }
            }
            _ => None,
        };
        parts.push(expanded.unwrap_or_else(|| term.render()));
    }
    // FTS5 takes an implicit AND only between phrases, not next to a parenthesised group.
    Ok(Some(parts.join(" AND ")))
}
