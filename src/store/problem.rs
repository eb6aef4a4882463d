//! One thing wrong with a job file (`Problem`), and turning byte offsets into the line and
//! column a person can jump to (`LineIndex`).

use std::cell::OnceCell;
use std::fmt;
use std::path::Path;

/// One thing wrong with the job file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The job it is about, if any.
    pub(crate) job: Option<String>,
    /// The key it is about, if any (`timeout`, `http.url`, `defaults.timezone`).
    pub(crate) key: Option<String>,
    /// 1-based line and column, when known.
    pub(crate) position: Option<(usize, usize)>,
    pub(crate) message: String,
}

impl Problem {
    /// A problem about a job (or the whole file when `job` is `None`) and maybe one of its keys.
    pub(crate) fn new(job: Option<&str>, key: Option<&str>, message: impl Into<String>) -> Problem {
        Problem {
            job: job.map(str::to_owned),
            key: key.map(str::to_owned),
            position: None,
            message: message.into(),
        }
    }

    /// The problem as compilers print them: `<file>:<line>:<column>: <what>`, or
    /// `<file>: <what>` when the position is not known.
    pub(crate) fn located(&self, file: &Path) -> String {
        match self.position {
            Some((line, column)) => format!("{}:{line}:{column}: {}", file.display(), self.what()),
            None => format!("{}: {}", file.display(), self.what()),
        }
    }

    /// The same for a warning: `<file>:<line>:<column>: warning: <what>`.
    pub(crate) fn located_warning(&self, file: &Path) -> String {
        match self.position {
            Some((line, column)) => {
                format!(
                    "{}:{line}:{column}: warning: {}",
                    file.display(),
                    self.what()
                )
            }
            None => format!("{}: warning: {}", file.display(), self.what()),
        }
    }

    /// The problem without its position: `job "backup", key "timout": unknown key ...`.
    pub(crate) fn what(&self) -> String {
        let mut out = String::new();
        match (&self.job, &self.key) {
            (Some(job), Some(key)) => out.push_str(&format!("job {job:?}, key {key:?}: ")),
            (Some(job), None) => out.push_str(&format!("job {job:?}: ")),
            (None, Some(key)) => out.push_str(&format!("key {key:?}: ")),
            (None, None) => {}
        }
        out.push_str(&self.message);
        out
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.position {
            write!(f, "line {line}, column {column}: ")?;
        }
        f.write_str(&self.what())
    }
}

/// Where each line of a text starts, so that many offsets can be turned into line and column
/// without rescanning the text each time (a file of 10,000 jobs may have as many problems).
/// Found on the first question: a valid file, the usual case, has no position to tell, and
/// its validation (a 20 MB file after an import of 100,000 lines) need not scan it for lines.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    starts: OnceCell<Vec<usize>>,
}

impl<'t> LineIndex<'t> {
    pub(crate) fn new(text: &'t str) -> LineIndex<'t> {
        LineIndex {
            text,
            starts: OnceCell::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let starts = self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            starts
        });
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&start| start <= offset);
        let start = starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(2), (1, 3));
        assert_eq!(index.position(3), (2, 1));
        // `ç` is two bytes but one column.
        assert_eq!(index.position(5), (2, 2));
        assert_eq!(index.position(7), (3, 1));
        assert_eq!(index.position(8), (4, 1));
        assert_eq!(index.position(999), (4, 2));
    }

    #[test]
    fn located_problems_read_like_compiler_messages() {
        let mut problem = Problem::new(Some("backup"), Some("timout"), "unknown key");
        assert_eq!(
            problem.located(Path::new("jobs.toml")),
            "jobs.toml: job \"backup\", key \"timout\": unknown key"
        );
        problem.position = Some((12, 1));
        assert_eq!(
            problem.located(Path::new("jobs.toml")),
            "jobs.toml:12:1: job \"backup\", key \"timout\": unknown key"
        );
        assert_eq!(
            problem.located_warning(Path::new("jobs.toml")),
            "jobs.toml:12:1: warning: job \"backup\", key \"timout\": unknown key"
        );
        assert_eq!(
            problem.to_string(),
            "line 12, column 1: job \"backup\", key \"timout\": unknown key"
        );
    }
}
