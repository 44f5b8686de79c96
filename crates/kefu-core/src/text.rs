//! Text as it leaves kefu for other programs: spreadsheet cells of a CSV file and lines of a
//! terminal. Names and message texts are anyone's (a buyer picks their nick), so what would make
//! those programs act instead of show is neutralised here, in one place for every writer.
//! Also text as it comes in: [`trim`], the trim of every imported value.

use std::borrow::Cow;

/// The longest message text kefu keeps, in bytes (about 10,000 Chinese characters): the import
/// cuts a longer one (`docs/formats.md`, "Limits"), and the quality rules scan no further, also
/// in texts stored before the limit existed, so that one message cannot cost them more.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;

/// `s` cut to at most `max` bytes at a character boundary, and whether it was cut.
pub fn cut_at(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (s.get(..end).unwrap_or(""), true)
}

/// `s.trim()`, without decoding when the ends cannot be white space: every value of every
/// imported row is trimmed, and most start and end with a letter, a digit or a Chinese character.
#[inline]
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return s;
    };
    // The first bytes of white space in UTF-8: ASCII up to the space, and the lead bytes of
    // U+0085, U+00A0 (C2), U+1680 (E1), U+2000–U+205F (E2) and U+3000 (E3); none is longer.
    let may_be_space = |lead: u8| lead <= b' ' || matches!(lead, 0xC2 | 0xE1..=0xE3);
    let ends_maybe = if last < 0x80 {
        last <= b' '
    } else {
        // The last character is two or three bytes long when it is white space.
        let at = |back: usize| b.len().checked_sub(back).and_then(|i| b.get(i)).copied();
        at(2) == Some(0xC2) || at(3).is_some_and(|l| matches!(l, 0xE1..=0xE3))
    };
    if may_be_space(first) || ends_maybe {
        s.trim()
    } else {
        s
    }
}

/// A text cell of a CSV file, safe to open in a spreadsheet: a text starting with `=`, `+`,
/// `-`, `@`, TAB or CR would be read as a formula (`=HYPERLINK(…)`, `=cmd|…`), so it gets a
/// leading `'`, which spreadsheets show as text. A lone `-` (the "no value" placeholder) is no
/// formula and stays as it is. Numbers are written by their own writers, never through here, so
/// `-12.50` stays a number.
pub fn csv_text(s: &str) -> Cow<'_, str> {
    if s != "-" && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A text as a terminal may print it: control characters (C0, DEL, C1: the start of an ANSI
/// or OSC escape sequence, a bell, a carriage return that overwrites the line) are written as
/// `\u{1b}`, so that data can never move the cursor, retitle the window or clear the screen.
pub fn terminal_text(s: &str) -> Cow<'_, str> {
    escape_controls(s, false)
}

/// [`terminal_text`] for a whole report of several lines: line feeds stay.
pub fn terminal_lines(s: &str) -> Cow<'_, str> {
    escape_controls(s, true)
}

fn escape_controls(s: &str, keep_lf: bool) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && !(keep_lf && c == '\n');
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_agrees_with_std_for_every_character() {
        let mut s = String::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            for (before, after) in [("", ""), ("a", ""), ("", "a"), ("晨", "光"), ("\u{85}", "")]
            {
                s.clear();
                s.push_str(before);
                s.push(c);
                s.push_str(after);
                assert_eq!(trim(&s), s.trim(), "{s:?}");
                s.push(c);
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
        assert_eq!(trim(""), "");
    }

    #[test]
    fn formulas_become_text_and_the_rest_stays() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(s), format!("'{s}"));
        }
        for s in ["-", "", "小美", "a=b", "1-2"] {
            assert!(matches!(csv_text(s), Cow::Borrowed(_)), "{s}");
        }
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(cut_at("晨光", 4), ("晨", true));
        assert_eq!(cut_at("晨光", 6), ("晨光", false));
        assert_eq!(cut_at("ab", 1), ("a", true));
    }

    #[test]
    fn controls_are_escaped_for_terminals() {
        assert_eq!(
            terminal_text("\x1b]0;PWNED\x07\x1b[2J小美"),
            "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J小美"
        );
        assert_eq!(terminal_text("a\u{9b}b\0"), "a\\u{9b}b\\u{0}");
        assert!(matches!(terminal_text("店:小美 [bot]"), Cow::Borrowed(_)));
        assert_eq!(terminal_text("a\nb"), "a\\u{a}b");
        assert_eq!(terminal_lines("a\x1bb\nc\n"), "a\\u{1b}b\nc\n");
    }
}
