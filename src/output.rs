//! Rendering of command results: plain-text tables that fit the terminal, the formatting of
//! times and durations the commands share, and `Stdout`, through which every command writes its
//! data so that a closed pipe or a full disk is an error (not a panic). JSON is built by each
//! command from `Serialize` structs; this module only renders text.

use std::io::{IsTerminal as _, Write};

use chrono::{DateTime, Utc};

use crate::zone::Zone;

/// The width to fit tables into: `$COLUMNS`, else the terminal's width when stdout is a
/// terminal (100 when it cannot be told), else `None`: output to a file or a pipe is not cut.
pub(crate) fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(columns);
    }
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    Some(terminal_size::terminal_size_of(&stdout).map_or(100, |(width, _)| usize::from(width.0)))
}

/// Standard output for a command's data, buffered and locked. Unlike `print!`, a failed write
/// (a closed pipe: `jobtab list | head -1`; a full disk) is returned as an `io::Error` of the
/// same kind, saying it was standard output, so that `main` can end quietly on a broken pipe
/// and report anything else. `finish` flushes and must be called: a write error found only at
/// exit would be lost.
pub(crate) struct Stdout {
    inner: std::io::BufWriter<std::io::StdoutLock<'static>>,
}

impl Stdout {
    /// Locks standard output for the rest of the command.
    pub(crate) fn lock() -> Stdout {
        Stdout {
            inner: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
        }
    }

    /// Flushes everything written.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.flush()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).map_err(stdout_error)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(buf).map_err(stdout_error)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().map_err(stdout_error)
    }
}

/// The error with what was being written to; its kind is kept (`main` looks for `BrokenPipe`).
fn stdout_error(err: std::io::Error) -> std::io::Error {
    std::io::Error::new(
        err.kind(),
        format!("cannot write to standard output: {err}"),
    )
}

/// Writes `text` to standard output and flushes it (see `Stdout`).
pub(crate) fn print(text: &str) -> std::io::Result<()> {
    let mut out = Stdout::lock();
    out.write_all(text.as_bytes())?;
    out.finish()
}

/// Writes `value` as pretty JSON and a line break to standard output (see `Stdout`).
pub(crate) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = Stdout::lock();
    // serde_json gives back the writer's own error (with its kind) when writing failed.
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.finish()?;
    Ok(())
}

/// A table of text: a header row and rows, columns separated by two spaces.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns that are cut only when nothing else can give (names, times).
    whole: Vec<bool>,
}

/// The narrowest the last column is cut to (or its header's width, when that is wider).
const MIN_LAST_COLUMN: usize = 8;
const GAP: &str = "  ";

impl Table {
    pub(crate) fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            whole: vec![false; headers.len()],
        }
    }

    /// Marks the columns with these headers as never cut: when the table is too wide for the
    /// terminal, its lines are longer than the terminal rather than cutting a job's name or
    /// the time of its next run.
    pub(crate) fn keep_whole(mut self, headers: &[&str]) -> Table {
        for (header, whole) in self.headers.iter().zip(&mut self.whole) {
            *whole |= headers.contains(&header.as_str());
        }
        self
    }

    /// Adds a row; cells beyond the headers are ignored, missing ones are empty. Line breaks
    /// in a cell are shown as spaces and other control characters escaped (see `one_line`), so
    /// that every row stays one line and no cell can send escape sequences to the terminal.
    pub(crate) fn push(&mut self, row: Vec<String>) {
        let mut row: Vec<String> = row
            .into_iter()
            .take(self.headers.len())
            .map(|cell| one_line(&cell))
            .collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// The table as text, one line per row; with a `width`, columns are cut with `…` so that
    /// lines fit (see `fit`).
    pub(crate) fn render(&self, width: Option<usize>) -> String {
        let count = self.headers.len();
        let mut widths: Vec<usize> = (0..count)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|row| chars(&row[i]))
                    .chain([chars(&self.headers[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        if let Some(width) = width
            && count > 0
        {
            let mut minimums: Vec<usize> = self.headers.iter().map(|h| chars(h)).collect();
            if let Some(last) = minimums.last_mut() {
                *last = (*last).max(MIN_LAST_COLUMN);
            }
            fit(&mut widths, &minimums, &self.whole, width);
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(GAP);
                }
                let cell = truncate(cell, widths[i]);
                line.push_str(&cell);
                if i + 1 < count {
                    line.push_str(&" ".repeat(widths[i].saturating_sub(chars(&cell))));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Shrinks column widths so that the columns and gaps fit in `width`: first the last column
/// (what a job runs: the least needed to tell jobs apart), down to its minimum; then the other
/// columns not marked `whole`, each in proportion to what it has beyond its minimum (its
/// header's width). Columns marked `whole` are never cut: when the rest cannot give enough,
/// lines stay longer than `width`.
fn fit(widths: &mut [usize], minimums: &[usize], whole: &[bool], width: usize) {
    let gaps = GAP.len() * (widths.len() - 1);
    let total = widths.iter().sum::<usize>() + gaps;
    let mut over = total.saturating_sub(width);
    let last = widths.len() - 1;
    let give = over.min(widths[last].saturating_sub(minimums[last]));
    widths[last] -= give;
    over -= give;
    let others: Vec<usize> = (0..last).filter(|&i| !whole[i]).collect();
    shrink_in_proportion(widths, minimums, &others, over);
}

/// Takes `over` characters from the `columns`, each giving in proportion to its width beyond
/// its minimum, none going below its minimum.
fn shrink_in_proportion(widths: &mut [usize], minimums: &[usize], columns: &[usize], over: usize) {
    let slack = |widths: &[usize], i: usize| widths[i].saturating_sub(minimums[i]);
    let total: usize = columns.iter().map(|&i| slack(widths, i)).sum();
    if over == 0 || total == 0 {
        return;
    }
    if over >= total {
        for &i in columns {
            widths[i] -= slack(widths, i);
        }
        return;
    }
    let mut given = 0;
    for &i in columns {
        let cut = over * slack(widths, i) / total;
        widths[i] -= cut;
        given += cut;
    }
    // What rounding left: one character at a time from the column with the most to give
    // (fewer than `columns.len()` characters).
    for _ in given..over {
        let Some(&i) = columns
            .iter()
            .max_by_key(|&&i| (slack(widths, i), usize::MAX - i))
        else {
            break;
        };
        if slack(widths, i) == 0 {
            break;
        }
        widths[i] -= 1;
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `width` characters, ending with `…` when cut.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if chars(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Text for one line of a terminal: line breaks and tabs as spaces, and every other control
/// character (ESC, BEL, DEL, the C1 range) written as an escape like `\x1b`, so that a job's
/// command, name or output cannot move the cursor, recolour or retitle the terminal.
pub(crate) fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() && u32::from(c) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// An instant in RFC 3339 with the zone's offset: `2026-03-08T03:00:00-04:00`.
pub(crate) fn rfc3339(instant: DateTime<Utc>, zone: Zone) -> String {
    zone.to_fixed(instant)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An instant for tables: `2026-03-08 03:00 -04:00` (with seconds when `seconds`).
pub(crate) fn short_time(instant: DateTime<Utc>, zone: Zone, seconds: bool) -> String {
    let format = if seconds {
        "%Y-%m-%d %H:%M:%S %:z"
    } else {
        "%Y-%m-%d %H:%M %:z"
    };
    zone.to_fixed(instant).format(format).to_string()
}

/// How long ago `then` was: `just now`, `5m ago`, `3h ago`, `2d ago`.
pub(crate) fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = u64::try_from((now - then).num_seconds()).unwrap_or(0);
    if seconds < 10 {
        return "just now".into();
    }
    // Only the largest whole unit: an age is read at a glance.
    let unit = [86_400, 3_600, 60, 1]
        .into_iter()
        .find(|&unit| seconds >= unit)
        .unwrap_or(1);
    let coarse = std::time::Duration::from_secs(seconds - seconds % unit);
    format!("{} ago", crate::duration::format(coarse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn table() -> Table {
        let mut table = Table::new(&["NAME", "SCHEDULE", "WHAT"]);
        table.push(vec![
            "backup".into(),
            "0 2 * * *".into(),
            "pg_dump app > /var/backups/app.sql".into(),
        ]);
        table.push(vec!["a".into(), "@daily".into(), "two\nlines".into()]);
        table
    }

    #[test]
    fn columns_are_aligned_and_lines_not_padded() {
        assert_eq!(
            table().render(None),
            "NAME    SCHEDULE   WHAT\n\
             backup  0 2 * * *  pg_dump app > /var/backups/app.sql\n\
             a       @daily     two lines\n"
        );
    }

    #[test]
    fn the_last_column_is_cut_to_fit() {
        let text = table().render(Some(40));
        assert_eq!(
            text,
            "NAME    SCHEDULE   WHAT\n\
             backup  0 2 * * *  pg_dump app > /var/b…\n\
             a       @daily     two lines\n"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 40));
    }

    #[test]
    fn other_columns_shrink_when_the_last_one_is_not_enough() {
        let mut table = Table::new(&["NAME", "WHAT"]);
        table.push(vec![
            "a-very-long-job-name-indeed".into(),
            "echo hello world".into(),
        ]);
        let text = table.render(Some(24));
        assert!(text.lines().all(|l| l.chars().count() <= 24), "{text}");
        assert!(text.contains('…'));
    }

    /// A table like `list`'s.
    fn jobs_table() -> Table {
        let mut table = Table::new(&["NAME", "SCHEDULE", "NEXT RUN", "LAST RESULT", "COMMAND/URL"])
            .keep_whole(&["NAME", "NEXT RUN"]);
        table.push(vec![
            "nightly-backup".into(),
            "0 2 * * *".into(),
            "2026-11-25 02:00 +00:00".into(),
            "failed (exit 2) 3h ago".into(),
            "pg_dump app > /var/backups/app.sql".into(),
        ]);
        table.push(vec![
            "ping".into(),
            "*/5 * * * *".into(),
            "2026-11-24 23:05 +00:00".into(),
            "ok just now".into(),
            "GET https://api.example.com/health".into(),
        ]);
        table
    }

    #[test]
    fn names_and_next_runs_stay_whole_on_narrow_terminals() {
        for width in [60, 80, 100] {
            let text = jobs_table().render(Some(width));
            for whole in [
                "nightly-backup",
                "2026-11-25 02:00 +00:00",
                "ping",
                "2026-11-24 23:05 +00:00",
                "NEXT RUN",
                "LAST RESULT",
                "COMMAND/URL",
            ] {
                assert!(text.contains(whole), "{width}: {whole}\n{text}");
            }
        }
        // 80 columns: it fits, by cutting the command, then the others in proportion.
        let text = jobs_table().render(Some(80));
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
        assert!(text.contains("  pg_dump ap…\n"), "{text}");
        assert!(text.contains("  failed (exit …  "), "{text}");
        assert!(text.contains("  */5 * * *…  "), "{text}");
        // 60 columns: the others are down to their headers' widths; the lines are longer
        // than 60 rather than cut a name or a time.
        let text = jobs_table().render(Some(60));
        assert!(text.contains("  failed (ex…  pg_dump ap…\n"), "{text}");
        // The last column gives first: with room for all but the command, only it is cut.
        let natural = jobs_table().render(None);
        let longest = natural.lines().map(|l| l.chars().count()).max().unwrap();
        let text = jobs_table().render(Some(longest - 10));
        assert!(text.contains("failed (exit 2) 3h ago"), "{text}");
        assert!(text.contains("pg_dump app > /var/back…"), "{text}");
    }

    #[test]
    fn other_columns_give_in_proportion_but_not_below_their_header() {
        let mut widths = vec![20, 10, 30, 12];
        let minimums = [4, 4, 8, 8];
        // 20 + 10 + 30 + 12 + 6 = 78; to 60: the last gives 4, then 14 from the first two
        // (slack 16 and 6).
        fit(&mut widths, &minimums, &[false, false, true, false], 60);
        assert_eq!(widths, [9, 7, 30, 8]);
        let mut widths = vec![20, 10, 30, 12];
        fit(&mut widths, &minimums, &[false, false, true, false], 10);
        assert_eq!(widths, [4, 4, 30, 8], "whole columns are never cut");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(one_line("a\r\nb\tc\nd"), "a b c d");
        assert_eq!(one_line("\x1b[31mred\x07"), "\\x1b[31mred\\x07");
        assert_eq!(one_line("x\u{9b}y\u{7f}"), "x\\u{9b}y\\x7f");
        assert_eq!(one_line("plain é"), "plain é");
        let mut table = Table::new(&["NAME", "WHAT"]);
        table.push(vec!["a".into(), "echo \x1b]0;pwned\x07".into()]);
        let text = table.render(None);
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo", 4), "hél…");
        assert_eq!(truncate("x", 0), "");
    }

    #[test]
    fn times_and_ages() {
        let t = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(rfc3339(t, ny), "2026-03-08T03:00:00-04:00");
        assert_eq!(short_time(t, ny, false), "2026-03-08 03:00 -04:00");
        assert_eq!(short_time(t, ny, true), "2026-03-08 03:00:00 -04:00");
        assert_eq!(ago(t, t), "just now");
        assert_eq!(ago(t, t - chrono::Duration::minutes(5)), "5m ago");
        assert_eq!(ago(t, t - chrono::Duration::days(2)), "2d ago");
        assert_eq!(ago(t, t - chrono::Duration::seconds(9)), "just now");
        assert_eq!(ago(t, t - chrono::Duration::seconds(59)), "59s ago");
        assert_eq!(ago(t, t - chrono::Duration::seconds(3_599)), "59m ago");
        assert_eq!(ago(t, t - chrono::Duration::seconds(86_399)), "23h ago");
        assert_eq!(ago(t, t + chrono::Duration::minutes(5)), "just now");
    }
}
