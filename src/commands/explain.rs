//! `jobtab explain`: a schedule in words and its next runs in a time zone.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::cli::ExplainArgs;
use crate::output;
use crate::schedule::Schedule;
use crate::zone::Zone;

/// The JSON form: `{"schedule", "description", "timezone", "next"}`.
#[derive(Debug, Serialize)]
struct Explanation {
    schedule: String,
    description: String,
    timezone: String,
    next: Vec<String>,
}

pub(crate) fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let schedule = Schedule::parse(&args.schedule).map_err(|err| anyhow!("{err}"))?;
    let zone = Zone::from_option(args.tz.as_deref()).map_err(|err| anyhow!("--tz: {err}"))?;
    let after = match &args.after {
        Some(text) => parse_after(text, zone)?,
        None => Utc::now(),
    };
    let runs = schedule.upcoming(after, zone, args.count);
    if args.json {
        let explanation = Explanation {
            schedule: schedule.as_str().to_owned(),
            description: schedule.describe(),
            timezone: zone.to_string(),
            next: runs
                .iter()
                .map(|t| crate::json::time_in(*t, zone))
                .collect(),
        };
        output::print_json(&explanation)?;
        return Ok(ExitCode::SUCCESS);
    }
    output::print(&render_text(&schedule, zone, after, &runs, args.count))?;
    Ok(ExitCode::SUCCESS)
}

/// The text form: schedule, meaning, zone, then one run per line with its weekday and a note
/// when daylight saving moved or repeated it.
fn render_text(
    schedule: &Schedule,
    zone: Zone,
    after: DateTime<Utc>,
    runs: &[DateTime<Utc>],
    count: usize,
) -> String {
    let mut out = String::new();
    out.push_str(&format!("schedule   {}\n", schedule.as_str()));
    // The meaning can be long (lists of hours and days): wrapped to the terminal, aligned.
    let meaning = output::wrap(
        &schedule.describe(),
        output::terminal_width(),
        "           ",
    );
    out.push_str(&format!("meaning    {meaning}\n"));
    out.push_str(&format!("time zone  {zone}\n"));
    if runs.is_empty() {
        let why = if schedule.is_reboot() {
            "@reboot runs once when `jobtab run` starts (at boot when installed in the crontab)"
                .to_owned()
        } else if count == 0 {
            "--count is 0".to_owned()
        } else {
            format!(
                "this schedule never fires after {}",
                output::rfc3339(after, zone)
            )
        };
        out.push_str(&format!("next runs  none: {why}\n"));
        return out;
    }
    for (i, run) in runs.iter().enumerate() {
        let label = if i == 0 { "next runs" } else { "" };
        let weekday = zone.to_fixed(*run).format("%a");
        let mut line = format!("{label:<9}  {}  {weekday}", output::rfc3339(*run, zone));
        if let Some(note) = schedule.dst_note(*run, zone) {
            line.push_str(&format!("  ({note})"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if runs.len() < count {
        out.push_str("           (no more runs: the schedule stops firing)\n");
    }
    out
}

/// `--after`: RFC 3339 with an offset, or a wall time (`2026-03-08T01:30`, `2026-03-08
/// 01:30:00`, `2026-03-08`) read in the zone (its first occurrence when it is repeated).
fn parse_after(text: &str, zone: Zone) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let wall = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let Some(wall) = wall else {
        return Err(anyhow!(
            "invalid --after time {text:?}: use RFC 3339 such as 2026-03-08T00:00:00Z, or a \
             local time such as 2026-03-08T00:00 (read in --tz)"
        ));
    };
    zone.instants_at(wall).first().copied().ok_or_else(|| {
        anyhow!(
            "--after time {text:?} does not exist in {zone} (daylight saving skips it): give \
             a time with an offset, such as {}",
            output::rfc3339(Utc::now(), zone)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn after_accepts_rfc3339_and_wall_times_in_the_zone() {
        let ny = Zone::parse("America/New_York").unwrap();
        assert_eq!(
            parse_after("2026-03-08T00:00:00Z", ny).unwrap(),
            at("2026-03-08T00:00:00Z")
        );
        assert_eq!(
            parse_after("2026-03-08T01:30", ny).unwrap(),
            at("2026-03-08T06:30:00Z")
        );
        assert_eq!(
            parse_after("2026-03-08", ny).unwrap(),
            at("2026-03-08T05:00:00Z")
        );
        // Repeated: the first occurrence.
        assert_eq!(
            parse_after("2026-11-01 01:30", ny).unwrap(),
            at("2026-11-01T05:30:00Z")
        );
        let err = parse_after("2026-03-08T02:30", ny).unwrap_err().to_string();
        assert!(err.contains("does not exist in America/New_York"), "{err}");
        let err = parse_after("yesterday", ny).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid --after time \"yesterday\": use RFC 3339"),
            "{err}"
        );
    }

    #[test]
    fn text_marks_moved_and_repeated_runs() {
        let ny = Zone::parse("America/New_York").unwrap();
        let schedule = Schedule::parse("30 2 * * *").unwrap();
        let after = at("2026-03-08T00:00:00Z");
        let runs = schedule.upcoming(after, ny, 2);
        let text = render_text(&schedule, ny, after, &runs, 2);
        assert_eq!(
            text,
            "schedule   30 2 * * *\n\
             meaning    At 02:30 every day\n\
             time zone  America/New_York\n\
             next runs  2026-03-08T03:00:00-04:00  Sun  (moved: daylight saving skipped its \
             time, so it runs right after the change)\n\
             \x20          2026-03-09T02:30:00-04:00  Mon\n"
        );
        let schedule = Schedule::parse("0 * * * *").unwrap();
        let after = at("2026-11-01T05:30:00Z");
        let runs = schedule.upcoming(after, ny, 2);
        let text = render_text(&schedule, ny, after, &runs, 2);
        assert!(
            text.contains(
                "2026-11-01T01:00:00-05:00  Sun  (again: daylight saving repeats this hour)"
            ),
            "{text}"
        );
    }

    #[test]
    fn text_says_when_nothing_runs() {
        let utc = Zone::parse("UTC").unwrap();
        let after = at("2026-01-01T00:00:00Z");
        let never = Schedule::parse("0 0 31 2 *").unwrap();
        let text = render_text(&never, utc, after, &[], 5);
        assert!(
            text.ends_with(
                "next runs  none: this schedule never fires after 2026-01-01T00:00:00+00:00\n"
            ),
            "{text}"
        );
        let reboot = Schedule::parse("@reboot").unwrap();
        let text = render_text(&reboot, utc, after, &[], 5);
        assert!(
            text.contains("none: @reboot runs once when `jobtab run` starts"),
            "{text}"
        );
        let last = Schedule::parse("0 0 0 1 1 * 2027").unwrap();
        let runs = last.upcoming(after, utc, 3);
        let text = render_text(&last, utc, after, &runs, 3);
        assert!(
            text.contains("(no more runs: the schedule stops firing)"),
            "{text}"
        );
    }
}
