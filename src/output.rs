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
}

/// The narrowest a column is cut to.
const MIN_COLUMN: usize = 8;
const GAP: &str = "  ";

impl Table {
    pub(crate) fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; cells beyond the headers are ignored, missing ones are empty. Line breaks
    /// in a cell are shown as spaces so that every row stays one line.
    pub(crate) fn push(&mut self, row: Vec<String>) {
        let mut row: Vec<String> = row
            .into_iter()
            .take(self.headers.len())
            .map(|cell| one_line(&cell))
            .collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// The table as text, one line per row; with a `width`, the last column (and, when that
    /// is not enough, the widest other ones) is cut with `…` so that lines fit.
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
            fit(&mut widths, width);
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

/// Shrinks column widths so that the columns and gaps fit in `width`: the last column first,
/// down to `MIN_COLUMN`, then the widest of the others, one character at a time.
fn fit(widths: &mut [usize], width: usize) {
    let gaps = GAP.len() * (widths.len() - 1);
    let total = |widths: &[usize]| widths.iter().sum::<usize>() + gaps;
    let last = widths.len() - 1;
    let over = total(widths).saturating_sub(width);
    widths[last] -= over.min(widths[last].saturating_sub(MIN_COLUMN));
    while total(widths) > width {
        let Some((i, _)) = widths
            .iter()
            .enumerate()
            .take(last)
            .filter(|(_, w)| **w > MIN_COLUMN)
            .max_by_key(|(_, w)| **w)
        else {
            break;
        };
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

/// Line breaks and tabs as spaces.
pub(crate) fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r', '\t']) {
        text.replace("\r\n", " ").replace(['\n', '\r', '\t'], " ")
    } else {
        text.to_owned()
    }
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

/// A duration in milliseconds for people: `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub(crate) fn millis(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1_000.0),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, (ms / 1_000) % 60),
        _ => format!("{}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60),
    }
}

/// How long ago `then` was: `just now`, `5m ago`, `3h ago`, `2d ago`.
pub(crate) fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    match seconds {
        ..10 => "just now".into(),
        10..60 => format!("{seconds}s ago"),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
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
             backup  0 2 * * *  pg_dump app > /var/bac…\n\
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

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo", 4), "hél…");
        assert_eq!(truncate("x", 0), "");
    }

    #[test]
    fn times_and_durations() {
        let t = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(rfc3339(t, ny), "2026-03-08T03:00:00-04:00");
        assert_eq!(short_time(t, ny, false), "2026-03-08 03:00 -04:00");
        assert_eq!(short_time(t, ny, true), "2026-03-08 03:00:00 -04:00");
        assert_eq!(millis(850), "850ms");
        assert_eq!(millis(12_345), "12.3s");
        assert_eq!(millis(245_000), "4m05s");
        assert_eq!(millis(7_800_000), "2h10m");
        assert_eq!(ago(t, t), "just now");
        assert_eq!(ago(t, t - chrono::Duration::minutes(5)), "5m ago");
        assert_eq!(ago(t, t - chrono::Duration::days(2)), "2d ago");
    }
}
