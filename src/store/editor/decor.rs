//! Helpers for keeping the text around tables and values as the user wrote it: which comment
//! lines belong to a table, joining prefixes without doubling blank lines, and appending a new
//! table's text after the last statement of a file.

use toml_edit::{DocumentMut, Item, Table};

/// In `{ a = 1 }`, the space before `}` belongs to the last value: after a value is appended,
/// move it from the value that was last to the new one (`{ a = 1, b = 2 }`, not `{ a = 1 , b = 2}`).
pub(super) fn move_closing_space(table: &mut toml_edit::InlineTable) {
    let count = table.len();
    if count < 2 {
        return;
    }
    let mut space = None;
    for (index, (_, value)) in table.iter_mut().enumerate() {
        if index == count - 2 {
            let suffix = raw_str(value.decor().suffix());
            if suffix.trim().is_empty() {
                value.decor_mut().set_suffix("");
                space = Some(suffix);
            }
        } else if index == count - 1
            && let Some(space) = space.take()
        {
            value.decor_mut().set_suffix(space);
        }
    }
}

/// After the last value of `{ a = 1, b = 2 }` was removed: `space` (the removed value's
/// suffix, the space before `}`) becomes the suffix of the value that is now last, so that
/// `{ a = 1 }` keeps its space (and `{a=1}` stays without one).
pub(super) fn give_closing_space(table: &mut toml_edit::InlineTable, space: String) {
    if !space.trim().is_empty() {
        return;
    }
    if let Some((_, last)) = table.iter_mut().last() {
        let suffix = raw_str(last.decor().suffix());
        if suffix.trim().is_empty() {
            last.decor_mut().set_suffix(space);
        }
    }
}

/// Positions and key paths of the tables written with a `[header]`.
pub(super) fn collect_tables(
    table: &Table,
    path: &mut Vec<String>,
    out: &mut Vec<(isize, Vec<String>)>,
) {
    for (key, item) in table.iter() {
        if let Item::Table(sub) = item {
            path.push(key.to_owned());
            if !sub.is_implicit()
                && !sub.is_dotted()
                && let Some(position) = sub.position()
            {
                out.push((position, path.clone()));
            }
            collect_tables(sub, path, out);
            path.pop();
        }
    }
}

pub(super) fn table_at<'d>(doc: &'d mut DocumentMut, path: &[String]) -> Option<&'d mut Table> {
    let mut table = doc.as_table_mut();
    for key in path {
        table = table.get_mut(key)?.as_table_mut()?;
    }
    Some(table)
}

pub(super) fn raw_str(raw: Option<&toml_edit::RawString>) -> String {
    raw.and_then(toml_edit::RawString::as_str)
        .unwrap_or("")
        .to_owned()
}

pub(super) fn has_comment(text: &str) -> bool {
    text.lines().any(|line| line.trim_start().starts_with('#'))
}

/// Splits the text above a header into what is separated from it by a blank line (kept when
/// the table goes) and the comment lines directly above it (removed with it).
pub(super) fn split_attached(prefix: &str) -> (&str, &str) {
    let mut split = 0;
    let mut offset = 0;
    for line in prefix.split_inclusive('\n') {
        offset += line.len();
        if line.trim().is_empty() {
            split = offset;
        }
    }
    prefix.split_at(split)
}

/// `first` followed by `second`, without doubling the blank line between them.
pub(super) fn join_prefixes(first: &str, second: &str) -> String {
    let ends_blank = first.ends_with("\n\n") || first.ends_with("\n\r\n") || first == "\n";
    let second = if ends_blank {
        second.strip_prefix('\n').unwrap_or(second)
    } else {
        second
    };
    format!("{first}{second}")
}

/// Adds a table (a complete `[jobs.NAME]` table, which `write` appends to the text it is
/// given) to `text` after its last statement, which ends at `content_end` (0: there is none):
/// the comments and blank lines that end the file stay after it, separated by a blank line. In
/// a file of only comments, they stay above it. In place, costing the length of the file's
/// tail and of the table, not of the whole file: importing 100,000 jobs appends 100,000
/// tables. Returns where the new table ends, the new `content_end`.
pub(super) fn append_table(
    text: &mut String,
    content_end: usize,
    write: impl FnOnce(&mut String),
) -> usize {
    // The table goes after the line where the last statement ends, whatever the lines of
    // that statement look like: a line of a multi-line string may start with `#`.
    let floor = match content_end {
        0 => 0,
        end => text
            .get(end..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |i| end + i + 1),
    };
    let mut cut = text.len();
    let mut statement = floor > 0;
    let mut end = text.len();
    // Walk the lines from the end: blank and comment lines belong to the file's tail.
    while end > floor {
        let start = text[..end.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = text[start..end].trim();
        if line.is_empty() || line.starts_with('#') {
            cut = start;
            end = start;
        } else {
            statement = true;
            break;
        }
    }
    if !statement {
        // Only comments (or nothing): they stay on top.
        let gap = if text.is_empty() || text.ends_with("\n\n") {
            ""
        } else if text.ends_with('\n') {
            "\n"
        } else {
            "\n\n"
        };
        text.push_str(gap);
        write(text);
        return text.len().saturating_sub(1);
    }
    let tail = text.split_off(cut);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push('\n');
    write(text);
    let table_end = text.len().saturating_sub(1);
    text.push_str(&tail);
    table_end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(text: &str, table: &str) -> String {
        let mut text = text.to_owned();
        append_table(&mut text, 0, |out| out.push_str(table));
        text
    }

    #[test]
    fn helpers_split_and_join_prefixes() {
        assert_eq!(split_attached("\n# a\n\n# b\n"), ("\n# a\n\n", "# b\n"));
        assert_eq!(split_attached("# b\n"), ("", "# b\n"));
        assert_eq!(split_attached("\n"), ("\n", ""));
        assert_eq!(join_prefixes("# a\n\n", "\n# b\n"), "# a\n\n# b\n");
        assert_eq!(join_prefixes("# a\n", "\n# b\n"), "# a\n\n# b\n");
    }

    #[test]
    fn tables_are_appended_after_the_last_statement() {
        let table = "[jobs.n]\nx = 1\n";
        assert_eq!(append("", table), table);
        assert_eq!(append("# c\n", table), "# c\n\n[jobs.n]\nx = 1\n");
        assert_eq!(append("# c\n\n", table), "# c\n\n[jobs.n]\nx = 1\n");
        assert_eq!(append("# c", table), "# c\n\n[jobs.n]\nx = 1\n");
        assert_eq!(
            append("[a]\ny = 2", table),
            "[a]\ny = 2\n\n[jobs.n]\nx = 1\n"
        );
        assert_eq!(
            append("[a]\ny = 2\n\n# end\n\n", table),
            "[a]\ny = 2\n\n[jobs.n]\nx = 1\n\n# end\n\n"
        );
        assert_eq!(
            append("[a]\ny = \"\"\"\n# not a comment\n\"\"\"\n# end\n", table),
            "[a]\ny = \"\"\"\n# not a comment\n\"\"\"\n\n[jobs.n]\nx = 1\n# end\n"
        );
    }

    /// The last lines of a multi-line string may look like comments: the statement's end
    /// (from the parse) says where the file's closing comments begin.
    #[test]
    fn a_string_that_ends_in_comment_like_lines_is_not_cut() {
        let text = "[a]\ny = \"\"\"\nz\n\n# not a comment\"\"\" # end of y\n\n# end\n";
        let content_end = text.find(" # end of y").unwrap();
        let mut appended = text.to_owned();
        let table_end = append_table(&mut appended, content_end, |out| out.push_str(table()));
        assert_eq!(
            appended,
            "[a]\ny = \"\"\"\nz\n\n# not a comment\"\"\" # end of y\n\n[jobs.n]\nx = 1\n\n# end\n"
        );
        assert_eq!(
            &appended[..=table_end],
            &appended[..appended.len() - "\n# end\n".len()]
        );
        // The next table goes after this one, before the closing comment.
        append_table(&mut appended, table_end, |out| out.push_str("[jobs.m]\n"));
        assert!(
            appended.ends_with("x = 1\n\n[jobs.m]\n\n# end\n"),
            "{appended}"
        );
    }

    fn table() -> &'static str {
        "[jobs.n]\nx = 1\n"
    }
}
