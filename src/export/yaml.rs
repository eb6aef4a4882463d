//! A tiny YAML writer for the Kubernetes manifests: scalars quoted so that every YAML 1.1 and
//! 1.2 reader reads back exactly the string we meant, and literal block scalars for the job
//! file.
//!
//! It writes text only; it does not build a document tree. The manifests are small and fixed
//! in shape, so `kubernetes.rs` writes them line by line with these helpers.

use std::fmt::Write as _;

/// A scalar for a value position: plain when that is unambiguous, else double-quoted.
///
/// Plain is used only for words that start with a letter, hold only `[A-Za-z0-9._/-]` and are
/// not a YAML 1.1 boolean or null (`yes`, `off`, `y`, `null`, ...). Everything else, including
/// cron schedules (`*` would start an alias) and image names (`:`), is double-quoted.
pub(crate) fn scalar(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_owned()
    } else {
        double_quoted(text)
    }
}

fn is_plain_safe(text: &str) -> bool {
    const RESERVED: [&str; 12] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
    ];
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !RESERVED.contains(&text.to_ascii_lowercase().as_str())
}

/// A double-quoted YAML string: `\` and `"` escaped, every character that is not printable or
/// that some reader treats as a line break written as an escape.
pub(crate) fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_printable(c) => out.push(c),
            c if (c as u32) <= 0xFF => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// Whether `c` may appear as itself inside a YAML scalar and is not a line break for any
/// reader (YAML 1.1 also breaks lines at U+0085, U+2028 and U+2029). The byte order mark is
/// excluded too: readers may strip it.
fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD
            | 0x10000..=0x10FFFF)
}

/// The value part of `key: <value>` for a multi-line text, where `key` is indented by
/// `key_indent` spaces: a literal block scalar with the text indented two more, or a double-quoted
/// string when a literal block cannot hold the text exactly (carriage returns, control
/// characters, no line at all). The result starts right after `key:` (it begins with a space)
/// and ends with a newline.
///
/// A literal block keeps every byte: the chomping indicator keeps the trailing newlines as
/// they are (`|-` none, `|` one, `|+` more), and an explicit indentation indicator is written
/// when the text's first line starts with a space, which would otherwise be read as
/// indentation.
pub(crate) fn block(text: &str, key_indent: usize) -> String {
    let body = text.trim_end_matches('\n');
    if body.is_empty()
        || !text
            .chars()
            .all(|c| c == '\n' || c == '\t' || is_printable(c))
    {
        return format!(" {}\n", double_quoted(text));
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let first_line = body.lines().next().unwrap_or("");
    // A first line that is empty or starts with blanks would make the reader guess the
    // indentation from a later line or from the blanks: say it (relative to the key).
    let indicator = if first_line.is_empty() || first_line.starts_with([' ', '\t']) {
        "2"
    } else {
        ""
    };
    let mut out = format!(" |{indicator}{chomp}\n");
    let pad = " ".repeat(key_indent + 2);
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    // `|+` keeps the empty lines after the last one.
    for _ in 1..trailing {
        out.push('\n');
    }
    out
}

/// A comment line's text: one line, no control characters.
pub(crate) fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `key:<value>` back with a real YAML reader and returns the string.
    fn read_back(document: &str) -> String {
        let value: serde_norway::Value = serde_norway::from_str(document).unwrap();
        value
            .get("key")
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("no string under key in:\n{document}"))
            .to_owned()
    }

    #[test]
    fn scalars_read_back_as_the_same_string() {
        for text in [
            "*/5 * * * *",
            "* * * * *",
            "@daily",
            "yes",
            "No",
            "off",
            "y",
            "null",
            "~",
            "123",
            "1.5",
            "0x1F",
            "1e3",
            ".inf",
            "registry.example/jobtab:1",
            "a: b",
            "- x",
            "#x",
            "&anchor",
            "!tag",
            "%x",
            "'single'",
            "\"double\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "nel\u{85}ls\u{2028}ps\u{2029}",
            "bom\u{FEFF}",
            "bell\u{7}del\u{7F}",
            " leading",
            "trailing ",
            "",
            "Europe/Berlin",
            "jobtab-jobs",
            "ünïcödé",
        ] {
            let doc = format!("key: {}\n", scalar(text));
            assert_eq!(read_back(&doc), text, "{doc}");
        }
    }

    #[test]
    fn plain_only_for_plain_words() {
        assert_eq!(scalar("Forbid"), "Forbid");
        assert_eq!(scalar("batch/v1"), "batch/v1");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("*/5 * * * *"), "\"*/5 * * * *\"");
        assert_eq!(scalar("UTC"), "UTC");
        assert_eq!(scalar("a:b"), "\"a:b\"");
    }

    #[test]
    fn blocks_keep_every_byte() {
        for text in [
            "a\nb\n",
            "a\nb",
            "a\nb\n\n\n",
            "  indented first\nsecond\n",
            "\n\nleading empty lines\n",
            "   \nspaces-only first line\n",
            "x\n   \n  y\n",
            "tab\tinside\n\tlead tab\n",
            "# comment\n[jobs.a]\ncommand = \"echo 'x' \\\"y\\\"\"\n",
            "single line no newline",
            "\n",
            "\n\n",
            "",
            "carriage\r\nreturn\r\n",
            "control \u{1} char\n",
            "key: value\n- item\n---\n...\n",
        ] {
            let doc = format!("key:{}", block(text, 0));
            assert_eq!(read_back(&doc), text, "{doc}");
            let nested = format!("outer:\n  key:{}other: 1\n", block(text, 2));
            let value: serde_norway::Value = serde_norway::from_str(&nested).unwrap();
            assert_eq!(value["outer"]["key"].as_str(), Some(text), "{nested}");
        }
    }

    #[test]
    fn blocks_use_the_literal_style_when_they_can() {
        assert_eq!(block("a\nb\n", 0), " |\n  a\n  b\n");
        assert_eq!(block("a", 0), " |-\n  a\n");
        assert_eq!(block("a\n\n", 0), " |+\n  a\n\n");
        assert_eq!(block(" a\n", 2), " |2\n     a\n");
        assert_eq!(block("a\r\n", 0), " \"a\\r\\n\"\n");
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment_text("a\nb\tc"), "a b c");
    }
}
