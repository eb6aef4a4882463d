//! Pure splicing of one job file's block in a crontab table: find it, replace it in place,
//! append it, or remove it. Every byte outside the block stays as it was, where it was.
//!
//! The table is handled as bytes, not text, so that a crontab holding bytes that are not UTF-8
//! still round-trips exactly.
//!
//! A block looks like this (PRODUCT.md section 6):
//!
//! ```text
//! # BEGIN jobtab /home/ana/.config/jobtab/jobs.toml (managed by jobtab: edit with jobtab, not here)
//! 0 2 * * * '/usr/local/bin/jobtab' --file '/home/ana/.config/jobtab/jobs.toml' exec -- backup
//! # END jobtab /home/ana/.config/jobtab/jobs.toml
//! ```
//!
//! Exact round trip. Appending a block to a table whose last line has no newline needs one
//! more byte (a newline ending that line) outside the block. So that `uninstall` can take that
//! byte back, such a block says so in its BEGIN line (`MANAGED_ADDED_NEWLINE`). Removing a block
//! with that mark also removes the newline before it, but only when the block is still the
//! last thing in the table (otherwise removing it would join two lines). Replacing a block
//! keeps its mark. So install then uninstall gives back exactly the original bytes: for an
//! empty table, a table with or without a final newline, and a block in the middle.
//!
//! Where a new block goes. Cron applies a `NAME=value` line to every line after it:
//! `SHELL=/usr/bin/fish` would run jobtab's lines with fish, `CRON_TZ=...` makes cronie shift
//! their schedules, `PATH=...` changes what the jobs find. So a new block goes above the first
//! assignment (and above the comment lines directly on top of it, which belong to it), and at
//! the end only when there is none. `MAILTO` and `MAILFROM` do not count: they only say where
//! cron mails the output, and the user's choice should hold for jobtab's lines too. An
//! existing block stays where it is (every line outside it stays in place);
//! `assignments_above` names what applies to it, for a warning.

use std::fmt::Write as _;

use super::import::parse_env;

/// The note after the path on a BEGIN line.
pub(crate) const MANAGED: &str = "(managed by jobtab: edit with jobtab, not here)";

/// The note on the BEGIN line of a block whose install also ended the line above it with a
/// newline; `uninstall` takes that newline back.
pub(crate) const MANAGED_ADDED_NEWLINE: &str = "(managed by jobtab: edit with jobtab, not here; \
     jobtab added the newline that ends the line above)";

/// Where this file's block sits in a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found<'a> {
    /// Byte offset of the start of the BEGIN line.
    pub(crate) start: usize,
    /// Byte offset just after the END line (after its newline, when it has one).
    pub(crate) end: usize,
    /// Whether the BEGIN line carries `MANAGED_ADDED_NEWLINE`.
    pub(crate) added_newline: bool,
    /// The lines between BEGIN and END, without their newlines.
    pub(crate) lines: Vec<&'a [u8]>,
}

impl Found<'_> {
    /// The block's lines between the markers, as (lossy) text.
    pub(crate) fn text_lines(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect()
    }
}

/// `# BEGIN jobtab <file>`: what a BEGIN line of this file starts with.
fn begin_prefix(file: &str) -> String {
    format!("# BEGIN jobtab {file}")
}

/// `# END jobtab <file>`: the END line of this file's block.
fn end_line(file: &str) -> String {
    format!("# END jobtab {file}")
}

/// A line without trailing spaces, tabs and carriage returns.
fn trim_end(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    &line[..end]
}

/// Whether `line` is the BEGIN line of `file`'s block: `# BEGIN jobtab <file>` followed by the
/// end of the line or by ` (managed by jobtab...`. The longer note is required (not just ` (`)
/// so that the block of `/a/jobs (copy).toml` is not taken for one of `/a/jobs`.
/// Returns whether the line carries the added-newline mark.
fn begin_of(line: &[u8], prefix: &str) -> Option<bool> {
    let line = trim_end(line);
    let rest = line.strip_prefix(prefix.as_bytes())?;
    if rest.is_empty() {
        return Some(false);
    }
    if rest.starts_with(b" (managed by jobtab") {
        return Some(rest == format!(" {MANAGED_ADDED_NEWLINE}").as_bytes());
    }
    None
}

/// The table's lines with their byte ranges: (start, end without newline, end with newline).
fn lines(table: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= table.len() {
            return None;
        }
        let line_start = start;
        let (content_end, next) = match table[start..].iter().position(|&b| b == b'\n') {
            Some(i) => (start + i, start + i + 1),
            None => (table.len(), table.len()),
        };
        start = next;
        Some((line_start, content_end, next))
    })
}

/// Finds `file`'s block. An error (what is wrong and what to do) when the markers are broken:
/// a BEGIN line without its END line, or two blocks for the same file.
pub(crate) fn find<'a>(table: &'a [u8], file: &str) -> Result<Option<Found<'a>>, String> {
    let prefix = begin_prefix(file);
    let end_marker = end_line(file);
    let mut found: Option<(Found<'a>, usize)> = None;
    let mut open: Option<(usize, bool, usize, Vec<&'a [u8]>)> = None;
    for (number, (start, content_end, next)) in lines(table).enumerate() {
        let number = number + 1;
        let line = &table[start..content_end];
        if let Some((block_start, added_newline, begin_number, mut body)) = open.take() {
            if trim_end(line) == end_marker.as_bytes() {
                if let Some((_, first)) = &found {
                    return Err(format!(
                        "your crontab has two blocks for {file} (at lines {first} and \
                         {begin_number}); remove one with `crontab -e`, then try again"
                    ));
                }
                found = Some((
                    Found {
                        start: block_start,
                        end: next,
                        added_newline,
                        lines: body,
                    },
                    begin_number,
                ));
            } else if begin_of(line, &prefix).is_some() {
                return Err(format!(
                    "your crontab has a second `{prefix}` line (line {number}) before the \
                     `{end_marker}` line of the block that starts at line {begin_number}; fix it \
                     with `crontab -e`, then try again"
                ));
            } else {
                body.push(line);
                open = Some((block_start, added_newline, begin_number, body));
            }
        } else if let Some(added_newline) = begin_of(line, &prefix) {
            open = Some((start, added_newline, number, Vec::new()));
        }
    }
    if let Some((_, _, begin_number, _)) = open {
        return Err(format!(
            "your crontab has a `{prefix}` line (line {begin_number}) but no `{end_marker}` line \
             after it; fix it with `crontab -e` (add the END line or delete the BEGIN line), then \
             try again"
        ));
    }
    Ok(found.map(|(found, _)| found))
}

/// The whole block for `file` holding `lines`, each line ending with a newline.
pub(crate) fn render(file: &str, lines: &[String], added_newline: bool) -> String {
    let note = if added_newline {
        MANAGED_ADDED_NEWLINE
    } else {
        MANAGED
    };
    let mut out = String::new();
    let _ = writeln!(out, "{} {note}", begin_prefix(file));
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&end_line(file));
    out.push('\n');
    out
}

/// The table with `file`'s block holding `lines`: replaced in place when it exists, else
/// added above the first assignment or at the end (see the module docs); with no lines, the
/// block is removed (or not added).
pub(crate) fn splice(table: &[u8], file: &str, lines: &[String]) -> Result<Vec<u8>, String> {
    let found = find(table, file)?;
    if lines.is_empty() {
        return Ok(match found {
            Some(found) => remove(table, &found),
            None => table.to_vec(),
        });
    }
    let mut out = Vec::with_capacity(table.len() + 256);
    match found {
        Some(found) => {
            out.extend_from_slice(&table[..found.start]);
            out.extend_from_slice(render(file, lines, found.added_newline).as_bytes());
            out.extend_from_slice(&table[found.end..]);
        }
        None => match new_block_at(table) {
            Some(at) => {
                out.extend_from_slice(&table[..at]);
                out.extend_from_slice(render(file, lines, false).as_bytes());
                out.extend_from_slice(&table[at..]);
            }
            None => {
                out.extend_from_slice(table);
                let added_newline = !table.is_empty() && !table.ends_with(b"\n");
                if added_newline {
                    out.push(b'\n');
                }
                out.extend_from_slice(render(file, lines, added_newline).as_bytes());
            }
        },
    }
    Ok(out)
}

/// An assignment line that applies to the lines after it (see the module docs): its name.
fn assignment(line: &[u8]) -> Option<String> {
    let line = std::str::from_utf8(line)
        .ok()?
        .trim_start_matches([' ', '\t']);
    if line.starts_with('#') {
        return None;
    }
    let (name, _) = parse_env(line)?;
    (name != "MAILTO" && name != "MAILFROM").then_some(name)
}

/// The table's lines: (line number, start, the line, whether it belongs to a jobtab block of
/// any job file, markers included).
fn lines_marked(table: &[u8]) -> impl Iterator<Item = (usize, usize, &[u8], bool)> + '_ {
    let mut in_block = false;
    lines(table)
        .enumerate()
        .map(move |(index, (start, content_end, _))| {
            let line = &table[start..content_end];
            let trimmed = trim_end(line);
            let block_line = if in_block {
                in_block = !trimmed.starts_with(b"# END jobtab ");
                true
            } else {
                in_block = trimmed.starts_with(b"# BEGIN jobtab ");
                in_block
            };
            (index + 1, start, line, block_line)
        })
}

/// Where a new block goes: the start of the comment lines directly above the first assignment,
/// or of the assignment itself; `None` (the end) when the table has none.
fn new_block_at(table: &[u8]) -> Option<usize> {
    // The start of the run of comment lines just before the current line, if any.
    let mut comments_from: Option<usize> = None;
    for (_, start, line, block_line) in lines_marked(table) {
        if !block_line && assignment(line).is_some() {
            return Some(comments_from.unwrap_or(start));
        }
        let comment = !block_line && line.trim_ascii_start().starts_with(b"#");
        comments_from = match (comment, comments_from) {
            (true, Some(from)) => Some(from),
            (true, None) => Some(start),
            (false, _) => None,
        };
    }
    None
}

/// The assignments (line number, name) above `file`'s block, which cron applies to its lines.
pub(crate) fn assignments_above(table: &[u8], file: &str) -> Result<Vec<(usize, String)>, String> {
    let Some(found) = find(table, file)? else {
        return Ok(Vec::new());
    };
    Ok(lines_marked(table)
        .take_while(|(_, start, _, _)| *start < found.start)
        .filter(|(_, _, _, block_line)| !block_line)
        .filter_map(|(number, _, line, _)| assignment(line).map(|name| (number, name)))
        .collect())
}

/// The table without the block (and without the newline its install added, see the module
/// docs).
fn remove(table: &[u8], found: &Found<'_>) -> Vec<u8> {
    let mut before = &table[..found.start];
    if found.added_newline && found.end == table.len() && before.ends_with(b"\n") {
        before = &before[..before.len() - 1];
    }
    let mut out = before.to_vec();
    out.extend_from_slice(&table[found.end..]);
    out
}

/// The table without `file`'s block; `None` when there is no block.
pub(crate) fn without_block(table: &[u8], file: &str) -> Result<Option<Vec<u8>>, String> {
    Ok(find(table, file)?.map(|found| remove(table, &found)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/home/ana/jobs.toml";

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn round_trip(original: &[u8]) {
        let installed = splice(original, FILE, &lines(&["0 2 * * * a"])).unwrap();
        assert!(
            installed
                .windows(FILE.len() + 14)
                .any(|w| w == format!("# END jobtab {FILE}\n").as_bytes())
        );
        let again = splice(&installed, FILE, &lines(&["0 2 * * * a"])).unwrap();
        assert_eq!(again, installed, "installing twice changes nothing");
        let changed = splice(&installed, FILE, &lines(&["0 3 * * * b", "@reboot c"])).unwrap();
        let back = without_block(&changed, FILE).unwrap().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&back),
            String::from_utf8_lossy(original)
        );
        assert_eq!(back, original);
        let removed_by_empty = splice(&changed, FILE, &[]).unwrap();
        assert_eq!(removed_by_empty, original);
    }

    #[test]
    fn round_trips_every_kind_of_table() {
        round_trip(b"");
        round_trip(b"\n");
        round_trip(b"MAILTO=\"\"\n0 1 * * * x\n");
        round_trip(b"MAILTO=\"\"\n0 1 * * * x");
        round_trip(b"# only a comment");
        round_trip(b"0 1 * * * x\n\n\n");
        round_trip(b"0 1 * * * caf\xe9 \xff\n0 2 * * * y");
        round_trip(b"a\r\nb\r\n");
        round_trip(b"SHELL=/usr/bin/fish\nCRON_TZ=Asia/Tokyo\nPATH=/opt/bin\n0 1 * * * x\n");
        round_trip(b"0 1 * * * x\n# for y\nPATH=/opt/bin\n0 2 * * * y");
        round_trip(b"MAILTO=\"\"\n0 1 * * * x\n  TZ = 'Asia/Tokyo'  \r\n0 2 * * * y\r\n");
    }

    /// Issue 8: the block went after the user's `SHELL=`, `CRON_TZ=`, `PATH=` lines, which then
    /// applied to it.
    #[test]
    fn a_new_block_goes_above_the_first_assignment() {
        let table = "MAILTO=ana@example.com\n0 1 * * * early\n\n# the shell and zone\n# of my jobs\n\
                     SHELL=/usr/bin/fish\nCRON_TZ=Asia/Tokyo\nPATH=/opt/bin\n0 2 * * * mine";
        let out = splice(table.as_bytes(), FILE, &lines(&["@daily y"])).unwrap();
        let block = render(FILE, &lines(&["@daily y"]), false);
        let (before, after) = table.split_at(table.find("# the shell").unwrap());
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!("{before}{block}{after}"),
            "above the comments of the first assignment, below MAILTO; every other byte kept"
        );
        assert_eq!(
            without_block(&out, FILE).unwrap().unwrap(),
            table.as_bytes()
        );
        assert_eq!(splice(&out, FILE, &[]).unwrap(), table.as_bytes());
        // Replacing keeps it there.
        let again = splice(&out, FILE, &lines(&["@daily y", "@hourly z"])).unwrap();
        assert!(again.starts_with(before.as_bytes()) && again.ends_with(after.as_bytes()));
        assert_eq!(assignments_above(&again, FILE).unwrap(), []);

        // The first line; and an assignment at the end without a newline.
        let first = splice(b"PATH=/x\n", FILE, &lines(&["a"])).unwrap();
        assert!(first.starts_with(b"# BEGIN") && first.ends_with(b"\nPATH=/x\n"));
        let last = splice(b"0 1 * * * x\nSHELL=/bin/bash", FILE, &lines(&["a"])).unwrap();
        assert!(last.ends_with(format!("# END jobtab {FILE}\nSHELL=/bin/bash").as_bytes()));
        assert_eq!(
            without_block(&last, FILE).unwrap().unwrap(),
            b"0 1 * * * x\nSHELL=/bin/bash"
        );

        // Job lines, comments, MAILTO and another file's block are no assignments.
        let none = format!(
            "MAILTO=x\n# PATH=/commented\n0 1 * * * FOO=1 run\n@daily PATH=/x cmd\n\
             # BEGIN jobtab /other.toml {MANAGED}\nPATH=/in/a/block\n# END jobtab /other.toml\n"
        );
        let out = splice(none.as_bytes(), FILE, &lines(&["a"])).unwrap();
        assert!(out.starts_with(none.as_bytes()), "appended at the end");
        // A comment above another block does not belong to the assignment after the block.
        let after_block = format!(
            "# about other\n# BEGIN jobtab /other.toml {MANAGED}\nx\n# END jobtab /other.toml\n\
             PATH=/y\n"
        );
        let out = splice(after_block.as_bytes(), FILE, &lines(&["a"])).unwrap();
        let at = after_block.find("PATH=/y").unwrap();
        assert_eq!(&out[..at], &after_block.as_bytes()[..at]);
        assert_eq!(
            without_block(&out, FILE).unwrap().unwrap(),
            after_block.as_bytes()
        );
    }

    #[test]
    fn assignments_above_an_existing_block_are_named() {
        let table = format!(
            "SHELL=/usr/bin/fish\nMAILTO=x\n0 1 * * * mine\n\"CRON_TZ\" = Asia/Tokyo\n\
             # BEGIN jobtab {FILE} {MANAGED}\nold\n# END jobtab {FILE}\nPATH=/below\n"
        );
        assert_eq!(
            assignments_above(table.as_bytes(), FILE).unwrap(),
            [(1, "SHELL".to_owned()), (4, "CRON_TZ".to_owned())]
        );
        // Replacing the block leaves it (and every other line) where it was.
        let out = splice(table.as_bytes(), FILE, &lines(&["new"])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            table.replace("\nold\n", "\nnew\n")
        );
        assert_eq!(assignments_above(b"PATH=/x\n", FILE).unwrap(), []);
    }

    #[test]
    fn appends_with_a_newline_and_marks_it() {
        let out = splice(b"0 1 * * * x", FILE, &lines(&["@daily y"])).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!(
                "0 1 * * * x\n# BEGIN jobtab {FILE} {MANAGED_ADDED_NEWLINE}\n@daily y\n\
                 # END jobtab {FILE}\n"
            )
        );
        let plain = splice(b"0 1 * * * x\n", FILE, &lines(&["@daily y"])).unwrap();
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            format!(
                "0 1 * * * x\n# BEGIN jobtab {FILE} {MANAGED}\n@daily y\n# END jobtab {FILE}\n"
            )
        );
    }

    #[test]
    fn replaces_a_block_in_the_middle_in_place() {
        let table = format!(
            "top\n# BEGIN jobtab {FILE} {MANAGED}\nold line\n# END jobtab {FILE}\nbottom\n"
        );
        let out = splice(table.as_bytes(), FILE, &lines(&["new 1", "new 2"])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "top\n# BEGIN jobtab {FILE} {MANAGED}\nnew 1\nnew 2\n# END jobtab {FILE}\nbottom\n"
            )
        );
        let removed = without_block(table.as_bytes(), FILE).unwrap().unwrap();
        assert_eq!(removed, b"top\nbottom\n");
    }

    #[test]
    fn a_marked_block_no_longer_last_keeps_the_newline() {
        let table = format!(
            "top\n# BEGIN jobtab {FILE} {MANAGED_ADDED_NEWLINE}\nx\n# END jobtab {FILE}\nadded later\n"
        );
        let removed = without_block(table.as_bytes(), FILE).unwrap().unwrap();
        assert_eq!(removed, b"top\nadded later\n", "lines must not be joined");
    }

    #[test]
    fn other_files_blocks_are_left_alone() {
        let other = "/home/ana/jobs.toml.bak";
        let copy = "/home/ana/jobs.toml (copy)";
        let table = format!(
            "# BEGIN jobtab {other} {MANAGED}\na\n# END jobtab {other}\n\
             # BEGIN jobtab {copy} {MANAGED}\nb\n# END jobtab {copy}\n"
        );
        assert_eq!(find(table.as_bytes(), FILE).unwrap(), None);
        let out = splice(table.as_bytes(), FILE, &lines(&["c"])).unwrap();
        assert!(out.starts_with(table.as_bytes()));
        let back = without_block(&out, FILE).unwrap().unwrap();
        assert_eq!(back, table.as_bytes());
        let found = find(&out, other).unwrap().unwrap();
        assert_eq!(found.text_lines(), vec!["a".to_owned()]);
    }

    #[test]
    fn a_bare_or_edited_begin_line_still_matches() {
        let table = format!("# BEGIN jobtab {FILE}  \r\nx\n# END jobtab {FILE}\r\nrest");
        let found = find(table.as_bytes(), FILE).unwrap().unwrap();
        assert_eq!(found.start, 0);
        assert_eq!(found.text_lines(), vec!["x".to_owned()]);
        assert_eq!(&table.as_bytes()[found.end..], b"rest");
        let end_without_newline =
            format!("a\n# BEGIN jobtab {FILE} {MANAGED}\nx\n# END jobtab {FILE}");
        let found = find(end_without_newline.as_bytes(), FILE).unwrap().unwrap();
        assert_eq!(found.end, end_without_newline.len());
        assert_eq!(
            without_block(end_without_newline.as_bytes(), FILE)
                .unwrap()
                .unwrap(),
            b"a\n"
        );
    }

    #[test]
    fn broken_markers_are_errors_that_say_what_to_do() {
        let no_end = format!("a\n# BEGIN jobtab {FILE} {MANAGED}\nx\n");
        let err = splice(no_end.as_bytes(), FILE, &lines(&["y"])).unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("no `# END jobtab"),
            "{err}"
        );
        assert!(err.contains("crontab -e"), "{err}");
        let twice = format!(
            "# BEGIN jobtab {FILE}\nx\n# END jobtab {FILE}\n# BEGIN jobtab {FILE}\ny\n# END jobtab {FILE}\n"
        );
        let err = find(twice.as_bytes(), FILE).unwrap_err();
        assert!(
            err.contains("two blocks") && err.contains("lines 1 and 4"),
            "{err}"
        );
        let nested = format!("# BEGIN jobtab {FILE}\n# BEGIN jobtab {FILE}\n# END jobtab {FILE}\n");
        let err = find(nested.as_bytes(), FILE).unwrap_err();
        assert!(err.contains("second"), "{err}");
    }

    #[test]
    fn no_lines_and_no_block_changes_nothing() {
        assert_eq!(splice(b"x", FILE, &[]).unwrap(), b"x");
        assert_eq!(splice(b"", FILE, &[]).unwrap(), b"");
        assert_eq!(without_block(b"x\n", FILE).unwrap(), None);
    }
}
