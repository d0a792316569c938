//! Notes: plain text an operator leaves on an event for the next shift. A note is an entry of
//! the event's change log (`Field::Note`, the text as its new value), so it is in the
//! timeline with its author and time, travels through a team's stream like an action and is
//! read by the handover; it changes no state, so it never conflicts with an action.

use crate::error::{Error, Result};

/// The longest note, in characters.
pub const MAX_NOTE: usize = 2_000;
/// The most notes one event holds.
pub const MAX_NOTES: i64 = 200;

/// `text` as a note keeps it: trimmed, 1 to [`MAX_NOTE`] characters, lines and tabs allowed,
/// no other control character.
pub fn check_note(text: &str) -> Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid("note", "is empty"));
    }
    let chars = text.chars().count();
    if chars > MAX_NOTE {
        return Err(Error::invalid(
            "note",
            format!("is {chars} characters long; at most {MAX_NOTE}"),
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid(
            "note",
            format!("holds the control character U+{:04X}", u32::from(c)),
        ));
    }
    Ok(text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_trimmed_bounded_and_plain() {
        assert_eq!(check_note("  disk swapped\n").unwrap(), "disk swapped");
        assert_eq!(check_note("a\nb\tc").unwrap(), "a\nb\tc");
        assert!(check_note(" \n ").is_err());
        assert!(check_note(&"x".repeat(MAX_NOTE)).is_ok());
        let long = check_note(&"é".repeat(MAX_NOTE + 1))
            .unwrap_err()
            .to_string();
        assert!(long.contains("2001 characters"), "{long}");
        let bell = check_note("ring\u{7}").unwrap_err().to_string();
        assert!(bell.contains("U+0007"), "{bell}");
    }
}
