//! Rendering of command results: plain-text tables that fit the terminal, the formatting of
//! times and durations the commands share, and `Stdout`, through which every command writes its
//! data so that a closed pipe or a full disk is an error (not a panic). JSON is built by each
//! command from `Serialize` structs; this module only renders text.

use std::io::{IsTerminal as _, Write};

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Utc};
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use crate::zone::Zone;

/// When to colour: `--color auto|always|never` (`$JOBTAB_COLOR`). `auto` colours a terminal
/// unless `NO_COLOR` is set to anything but the empty string (anstream decides, as for clap).
pub(crate) fn set_color(choice: anstream::ColorChoice) {
    choice.write_global();
}

/// The style of a status word: ok green; failed and timeout red; skipped and cancelled yellow;
/// running cyan; disabled dim; any other word plain.
pub(crate) fn status_style(word: &str) -> Style {
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match word {
        "ok" => color(AnsiColor::Green),
        "failed" | "timeout" => color(AnsiColor::Red),
        "skipped" | "cancelled" => color(AnsiColor::Yellow),
        "running" => color(AnsiColor::Cyan),
        "disabled" | "(disabled)" => Style::new().dimmed(),
        _ => Style::new(),
    }
}

/// `text` with its first word in its status style (see `status_style`), as escape codes that
/// `print_styled` keeps on a terminal and strips elsewhere.
pub(crate) fn paint_status(text: &str) -> String {
    paint_first_word(text, status_style(first_word(text)))
}

fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

/// `text` with its first word in `style`.
fn paint_first_word(text: &str, style: Style) -> String {
    if style == Style::new() {
        return text.to_owned();
    }
    let word = first_word(text);
    format!("{style}{word}{style:#}{}", &text[word.len()..])
}

/// `jobtab: error: ` in bold red (when stderr takes colour).
pub(crate) fn error_prefix() -> String {
    let style = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
    format!("jobtab: {style}error:{style:#} ")
}

/// `jobtab: warning: ` in bold yellow (when stderr takes colour).
pub(crate) fn warning_prefix() -> String {
    let style = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
    format!("jobtab: {style}warning:{style:#} ")
}

/// Prints `jobtab: error: {message}` on stderr, coloured on a terminal.
pub(crate) fn error(message: impl std::fmt::Display) {
    anstream::eprintln!("{}{message}", error_prefix());
}

/// Prints `jobtab: warning: {message}` on stderr, coloured on a terminal.
pub(crate) fn warning(message: impl std::fmt::Display) {
    anstream::eprintln!("{}{message}", warning_prefix());
}

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

/// Writes text rendered by jobtab (tables, `show`), whose colours are escape codes: kept when
/// colour is on (`--color`, `NO_COLOR`, a terminal: see `set_color`), stripped otherwise. Only
/// for jobtab's own rendering, where every other control character was escaped (`one_line`):
/// a job's own output goes through `print`, untouched.
pub(crate) fn print_styled(text: &str) -> std::io::Result<()> {
    let mut out = anstream::AutoStream::auto(std::io::stdout().lock());
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
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
    /// Columns that are cut last (names, times): only when cutting the others to their
    /// headers' widths is not enough.
    whole: Vec<bool>,
    /// Columns whose cells start with a status word, coloured (see `status_style`).
    status: Vec<bool>,
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
            status: vec![false; headers.len()],
        }
    }

    /// Marks the columns with these headers as cut last: when the table is too wide for the
    /// terminal, the other columns are cut to their headers' widths before a job's name or
    /// the time of its next run loses a character.
    pub(crate) fn keep_whole(mut self, headers: &[&str]) -> Table {
        for (header, whole) in self.headers.iter().zip(&mut self.whole) {
            *whole |= headers.contains(&header.as_str());
        }
        self
    }

    /// Marks the columns with these headers as starting with a status word (`ok 5m ago`,
    /// `(disabled)`), coloured when colour is on.
    pub(crate) fn status_columns(mut self, headers: &[&str]) -> Table {
        for (header, status) in self.headers.iter().zip(&mut self.status) {
            *status |= headers.contains(&header.as_str());
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

    /// The table as text, one line per row, columns aligned by display width (a CJK character
    /// or an emoji takes two columns). With a `width`, cells are cut with `…` so that no line
    /// is wider than `width` (see `fit`). Status words carry colour codes (see
    /// `print_styled`), which take no room.
    pub(crate) fn render(&self, width: Option<usize>) -> String {
        let count = self.headers.len();
        let mut widths: Vec<usize> = (0..count)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|row| columns(&row[i]))
                    .chain([columns(&self.headers[i])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        if let Some(width) = width
            && count > 0
        {
            let mut minimums: Vec<usize> = self.headers.iter().map(|h| columns(h)).collect();
            if let Some(last) = minimums.last_mut() {
                *last = (*last).max(MIN_LAST_COLUMN);
            }
            fit(&mut widths, &minimums, &self.whole, width);
        }
        let mut out = String::new();
        for (r, row) in std::iter::once(&self.headers).chain(&self.rows).enumerate() {
            let mut line = String::new();
            let mut used = 0;
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str(GAP);
                    used += GAP.len();
                }
                let room = width.map_or(widths[i], |w| widths[i].min(w.saturating_sub(used)));
                let cut = truncate(cell, room);
                let cell_width = columns(&cut);
                if r > 0 && self.status[i] {
                    // The word's colour even when the cut left `fail…` of it.
                    line.push_str(&paint_first_word(&cut, status_style(first_word(cell))));
                } else {
                    line.push_str(&cut);
                }
                used += cell_width;
                if i + 1 < count {
                    let pad = widths[i].saturating_sub(cell_width);
                    line.push_str(&" ".repeat(pad));
                    used += pad;
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Shrinks column widths so that the columns and gaps fit in `width`: the widest of the
/// columns not marked `whole` gives first, one terminal column at a time (so that a long name
/// or command is cut before a short schedule loses anything), none below its minimum (its
/// header's width); then, while still too wide, the widest of all, down to one column each.
/// What still does not fit (more columns than `width` can show) is cut when rendering.
fn fit(widths: &mut [usize], minimums: &[usize], whole: &[bool], width: usize) {
    let gaps = GAP.len() * (widths.len() - 1);
    let total = widths.iter().sum::<usize>() + gaps;
    let mut over = total.saturating_sub(width);
    let free: Vec<usize> = (0..widths.len()).filter(|&i| !whole[i]).collect();
    over -= shrink_widest(widths, minimums, &free, over);
    let all: Vec<usize> = (0..widths.len()).collect();
    shrink_widest(widths, &vec![1; widths.len()], &all, over);
}

/// Takes up to `over` columns from the `columns`, one at a time from the widest (the rightmost
/// of equals), none going below its floor; returns how many were taken.
fn shrink_widest(widths: &mut [usize], floors: &[usize], columns: &[usize], over: usize) -> usize {
    let mut given = 0;
    while given < over {
        let Some(&i) = columns
            .iter()
            .filter(|&&i| widths[i] > floors[i])
            .rev()
            .max_by_key(|&&i| widths[i])
        else {
            break;
        };
        widths[i] -= 1;
        given += 1;
    }
    given
}

/// How many terminal columns `text` takes: two for a CJK character or most emoji, none for a
/// combining mark.
pub(crate) fn columns(text: &str) -> usize {
    text.width()
}

/// `text` cut to `width` terminal columns, ending with `…` when cut (a wide character that
/// would straddle the edge is left out).
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if columns(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    // A sequence can be wider than its characters (an emoji with U+FE0F takes two columns),
    // and is never kept without its end.
    while !out.is_empty()
        && (columns(&out) > width - 1 || text[out.len()..].starts_with(['\u{fe0f}', '\u{200d}']))
    {
        out.pop();
    }
    out.push('…');
    out
}

/// `text` wrapped at spaces into lines of at most `width` columns (a word longer than that is
/// cut into pieces), each after the first starting with `indent`. With no width, one line.
pub(crate) fn wrap(text: &str, width: Option<usize>, indent: &str) -> String {
    let Some(width) = width else {
        return text.to_owned();
    };
    let room = width.saturating_sub(columns(indent)).max(10);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_owned();
        loop {
            let gap = usize::from(!line.is_empty());
            if columns(&line) + gap + columns(&word) <= room {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word wider than a line: as much as fits, the rest on the next.
            let mut head = String::new();
            let mut used = 0;
            let mut rest = word.chars();
            for c in rest.by_ref() {
                let w = c.width().unwrap_or(0);
                if used + w > room && !head.is_empty() {
                    let tail: String = std::iter::once(c).chain(rest.by_ref()).collect();
                    lines.push(std::mem::take(&mut head));
                    word = tail;
                    break;
                }
                head.push(c);
                used += w;
            }
            if !head.is_empty() {
                line = head;
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.join(&format!("\n{indent}"))
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

/// How far `then` is from `now`, in one unit, rounded down: `in 45s`, `in 4m`, `in 3h`,
/// `in 12d`, `in 3mo`, `in 2y`; `12m ago`; `just now` up to ten seconds before `now`, `now`
/// within a second after it.
pub(crate) fn relative(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (then - now).num_seconds();
    if then <= now && seconds > -10 {
        return "just now".into();
    }
    let span = |s: i64| -> String {
        let days = s / 86_400;
        match s {
            ..60 => format!("{s}s"),
            60..3_600 => format!("{}m", s / 60),
            3_600..86_400 => format!("{}h", s / 3_600),
            _ if days < 60 => format!("{days}d"),
            _ if days < 730 => format!("{}mo", days / 30),
            _ => format!("{}y", days / 365),
        }
    };
    match seconds {
        0 => "now".into(),
        1.. => format!("in {}", span(seconds)),
        _ => format!("{} ago", span(seconds.saturating_neg())),
    }
}

/// How long ago `then` was: `just now`, `5m ago`, `3h ago`, `2d ago` (see `relative`).
pub(crate) fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    if then >= now {
        return "just now".into();
    }
    relative(now, then)
}

/// An instant as people read it everywhere in jobtab's text output: the time, then how far it
/// is from `now`. In the viewer's zone (`Zone::Local`, `TZ` respected) without an offset:
/// `2026-03-08 03:00 (in 4m)`, `2026-03-08 02:51:09 (5m ago)`; in another zone (a job's, in
/// `show`), with its offset: `2026-03-08 03:00 -04:00 (in 4m)`.
pub(crate) fn when(
    instant: DateTime<Utc>,
    zone: Zone,
    now: DateTime<Utc>,
    seconds: bool,
) -> String {
    let format = match (seconds, zone) {
        (false, Zone::Local) => "%Y-%m-%d %H:%M",
        (true, Zone::Local) => "%Y-%m-%d %H:%M:%S",
        (false, Zone::Named(_)) => "%Y-%m-%d %H:%M %:z",
        (true, Zone::Named(_)) => "%Y-%m-%d %H:%M:%S %:z",
    };
    format!(
        "{} ({})",
        zone.to_fixed(instant).format(format),
        relative(now, instant)
    )
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

    /// The widest line of `text`, in terminal columns, colour codes left out.
    fn widest(text: &str) -> usize {
        let plain = anstream::adapter::strip_str(text).to_string();
        plain.lines().map(columns).max().unwrap_or(0)
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
    fn the_widest_column_is_cut_to_fit() {
        let text = table().render(Some(40));
        assert_eq!(
            text,
            "NAME    SCHEDULE   WHAT\n\
             backup  0 2 * * *  pg_dump app > /var/b…\n\
             a       @daily     two lines\n"
        );
        assert_eq!(widest(&text), 40);
    }

    #[test]
    fn other_columns_shrink_when_the_last_one_is_not_enough() {
        let mut table = Table::new(&["NAME", "WHAT"]);
        table.push(vec![
            "a-very-long-job-name-indeed".into(),
            "echo hello world".into(),
        ]);
        let text = table.render(Some(24));
        assert!(widest(&text) <= 24, "{text}");
        assert_eq!(text, "NAME         WHAT\na-very-lon…  echo hello…\n");
    }

    /// A table like `list`'s.
    fn jobs_table(name: &str) -> Table {
        let mut table = Table::new(&["NAME", "SCHEDULE", "NEXT RUN", "LAST RESULT", "COMMAND/URL"])
            .keep_whole(&["NEXT RUN"])
            .status_columns(&["NEXT RUN", "LAST RESULT"]);
        table.push(vec![
            name.into(),
            "0 2 * * *".into(),
            "2026-11-25 02:00 (in 3h)".into(),
            "failed (exit 2) 3h ago".into(),
            "pg_dump app > /var/backups/app.sql".into(),
        ]);
        table.push(vec![
            "ping".into(),
            "*/5 * * * *".into(),
            "(disabled)".into(),
            "ok just now".into(),
            "GET https://api.example.com/health".into(),
        ]);
        table
    }

    /// Issue 11: at 60 columns `list` printed 72-column rows and never cut a 300-character
    /// name; now no line is wider than the terminal, whatever the names.
    #[test]
    fn rows_never_exceed_the_width() {
        let long = "n".repeat(300);
        for name in ["nightly-backup", long.as_str(), "夜間バックアップ🗄️🗄️"] {
            for width in [20, 40, 60, 80, 100, 200] {
                let text = jobs_table(name).render(Some(width));
                assert!(widest(&text) <= width, "{width}: {name}\n{text}");
                assert_eq!(text.lines().count(), 3, "{text}");
            }
        }
        // Wider than anything: nothing cut.
        let text = jobs_table(&long).render(Some(1000));
        assert!(text.contains(&long) && !text.contains('…'), "{text}");
        // Not a terminal: nothing cut.
        let text = jobs_table(&long).render(None);
        assert!(text.contains(&long), "{text}");
    }

    #[test]
    fn the_widest_free_text_goes_first_and_times_last() {
        // 90 columns: the command (the widest), then the result, are cut; the schedule, the
        // name and the time are whole.
        let text = jobs_table("nightly-backup").render(Some(90));
        assert_eq!(widest(&text), 90, "{text}");
        for whole in ["nightly-backup", "*/5 * * * *", "2026-11-25 02:00 (in 3h)"] {
            assert!(text.contains(whole), "{whole}\n{text}");
        }
        assert!(text.contains("  pg_dump app > /v…\n"), "{text}");
        assert!(text.contains(" (exit 2)…  "), "{text}");
        // A 300-character name is cut first, before the short columns lose anything.
        let long = "n".repeat(300);
        let text = jobs_table(&long).render(Some(150));
        let text = anstream::adapter::strip_str(&text).to_string();
        assert!(
            text.contains("nnn…  0 2 * * *    2026-11-25 02:00 (in 3h)"),
            "{text}"
        );
        assert!(text.contains("failed (exit 2) 3h ago"), "{text}");
        assert!(
            text.contains("GET https://api.example.com/health"),
            "{text}"
        );
        // 70 columns: the free columns are down to their headers' widths before the time of
        // the next run loses anything; at 60 that is not enough, and the time gives too.
        let text = jobs_table("nightly-backup").render(Some(70));
        assert!(
            text.contains("nightly…  0 2 * *…  2026-11-25 02:00 (in 3h)  "),
            "{text}"
        );
        let text = jobs_table("nightly-backup").render(Some(60));
        assert!(
            text.contains("nig…  0 2 * *…  2026-11-25 02:00 …  "),
            "{text}"
        );
    }

    #[test]
    fn the_widest_columns_give_first_but_not_below_their_header() {
        let mut widths = vec![20, 10, 30, 12];
        let minimums = [4, 4, 8, 8];
        // 20 + 10 + 30 + 12 + 6 = 78; to 60: the first (the widest free one) gives 8, then
        // the first and the last take turns, then all three free ones.
        fit(&mut widths, &minimums, &[false, false, true, false], 60);
        assert_eq!(widths, [8, 8, 30, 8]);
        let mut widths = vec![20, 10, 30, 12];
        fit(&mut widths, &minimums, &[false, false, true, false], 52);
        assert_eq!(widths, [4, 4, 30, 8], "whole columns are cut last");
        let mut widths = vec![20, 10, 30, 12];
        fit(&mut widths, &minimums, &[false, false, true, false], 40);
        assert_eq!(widths.iter().sum::<usize>() + 6, 40, "{widths:?}");
        assert_eq!(widths, [4, 4, 18, 8]);
    }

    #[test]
    fn wide_characters_align_and_are_cut_by_display_width() {
        let mut table = Table::new(&["NAME", "WHAT"]);
        table.push(vec!["日本".into(), "x".into()]);
        table.push(vec!["ab".into(), "🗄️ y".into()]);
        let text = table.render(None);
        // "日本" takes four columns, like "NAME".
        assert_eq!(text, "NAME  WHAT\n日本  x\nab    🗄️ y\n");
        assert_eq!(truncate("日本語です", 5), "日本…");
        assert_eq!(
            truncate("日本語です", 6),
            "日本…",
            "no half of a wide character"
        );
        assert_eq!(columns(&truncate("日本語です", 6)), 5);
        // U+1F5C4 U+FE0F: two columns, though the first alone is one.
        assert_eq!(columns("🗄️"), 2);
        assert_eq!(truncate("a🗄️b", 3), "a…");
        assert_eq!(truncate("a🗄️bc", 4), "a🗄️…");
        assert_eq!(truncate("\u{fe0f}\u{fe0f}abc", 2), "\u{fe0f}\u{fe0f}a…");
        let mut table = Table::new(&["NAME", "WHAT"]);
        table.push(vec!["日本語のジョブ名です".into(), "echo 日本語".into()]);
        for width in 10..30 {
            let text = table.render(Some(width));
            assert!(widest(&text) <= width, "{width}\n{text}");
        }
    }

    #[test]
    fn status_words_are_coloured_without_moving_the_columns() {
        let text = jobs_table("nightly-backup").render(None);
        let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
        let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
        assert!(
            text.contains(&format!("{red}failed{red:#} (exit 2) 3h ago")),
            "{text:?}"
        );
        assert!(
            text.contains(&format!("{green}ok{green:#} just now")),
            "{text:?}"
        );
        assert!(
            text.contains(&format!("{}(disabled)", Style::new().dimmed())),
            "{text:?}"
        );
        // Without the escape codes, the columns line up as in a plain table.
        let plain: String = anstream::adapter::strip_str(&text).to_string();
        let lines: Vec<&str> = plain.lines().collect();
        let at = lines[0].find("LAST RESULT").unwrap();
        assert_eq!(lines[1].find("failed"), Some(at), "{plain}");
        assert_eq!(lines[2].find("ok just now"), Some(at), "{plain}");
        // A cut status word keeps its colour.
        let text = jobs_table("nightly-backup").render(Some(60));
        assert!(text.contains(&format!("{red}")), "{text:?}");
        // Headers are never coloured; other words are plain.
        assert_eq!(
            paint_status("ok 5m ago"),
            format!("{green}ok{green:#} 5m ago")
        );
        assert_eq!(paint_status("- "), "- ");
        assert_eq!(
            status_style("running"),
            Style::new().fg_color(Some(AnsiColor::Cyan.into()))
        );
        for word in ["skipped", "cancelled"] {
            assert_eq!(
                status_style(word),
                Style::new().fg_color(Some(AnsiColor::Yellow.into()))
            );
        }
        assert_eq!(status_style("timeout"), red);
    }

    #[test]
    fn descriptions_wrap_to_the_width() {
        let text = "At minutes 5, 10, 15, 20, 25, 30, 35, 40, 45, 50 and 55 past hours 1, 3 and 5";
        let wrapped = wrap(text, Some(40), "    ");
        assert_eq!(
            wrapped,
            "At minutes 5, 10, 15, 20, 25, 30,\n    35, 40, 45, 50 and 55 past hours 1,\n    3 and 5"
        );
        assert!(wrapped.lines().all(|l| columns(l) <= 40), "{wrapped}");
        assert_eq!(wrap(text, None, "    "), text);
        // A word longer than a line is split; wide characters count twice.
        let wrapped = wrap(&"x".repeat(25), Some(10), "");
        assert_eq!(wrapped, "xxxxxxxxxx\nxxxxxxxxxx\nxxxxx");
        let wrapped = wrap("日本語 日本語 日本語", Some(14), "");
        assert_eq!(wrapped, "日本語 日本語\n日本語");
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
    fn truncation_counts_columns() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo", 4), "hél…");
        assert_eq!(truncate("x", 0), "");
    }

    #[test]
    fn relative_times() {
        let now = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
        let at = |seconds: i64| now + chrono::Duration::seconds(seconds);
        let cases = [
            (0, "just now"),
            (45, "in 45s"),
            (4 * 60 + 59, "in 4m"),
            (3 * 3_600, "in 3h"),
            (86_400, "in 1d"),
            (59 * 86_400, "in 59d"),
            (95 * 86_400, "in 3mo"),
            (800 * 86_400, "in 2y"),
            (-5, "just now"),
            (-9, "just now"),
            (-10, "10s ago"),
            (-12 * 60, "12m ago"),
            (-26 * 3_600, "1d ago"),
            (-400 * 86_400, "13mo ago"),
        ];
        for (seconds, words) in cases {
            assert_eq!(relative(now, at(seconds)), words, "{seconds}");
        }
        assert_eq!(ago(now, now), "just now");
        assert_eq!(relative(now, now), "just now");
        assert_eq!(
            relative(now, now + chrono::Duration::milliseconds(300)),
            "now"
        );
        assert_eq!(
            relative(now, now - chrono::Duration::milliseconds(300)),
            "just now"
        );
        assert_eq!(ago(now, at(30)), "just now", "a clock that went back");
        assert_eq!(ago(now, now - chrono::Duration::minutes(5)), "5m ago");
        assert_eq!(ago(now, now - chrono::Duration::days(2)), "2d ago");
    }

    #[test]
    fn times_and_durations() {
        let t = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap();
        let now = t - chrono::Duration::minutes(4);
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(rfc3339(t, ny), "2026-03-08T03:00:00-04:00");
        assert_eq!(when(t, ny, now, false), "2026-03-08 03:00 -04:00 (in 4m)");
        assert_eq!(
            when(t, ny, t + chrono::Duration::minutes(12), true),
            "2026-03-08 03:00:00 -04:00 (12m ago)"
        );
        // The viewer's zone goes without an offset (`TZ` is UTC under the tests' harness or
        // whatever the machine has: only the shape is checked).
        let local = when(t, Zone::Local, now, false);
        assert_eq!(local.len(), "2026-03-08 03:00 (in 4m)".len(), "{local}");
        assert!(local.ends_with(" (in 4m)"), "{local}");
    }
}
