//! Job names for imported crontab lines: derived from the command's program, made unique.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// The job name a command suggests (see the module docs).
pub(crate) fn derive_name(command: &str) -> String {
    let first = first_words(command).find(|word| !is_assignment(word));
    let Some(word) = first else {
        return "job".to_owned();
    };
    let base = word.rsplit('/').find(|part| !part.is_empty()).unwrap_or("");
    // Other characters become `-`, and a run of `-` one `-`: all ASCII, so 64 characters are
    // 64 bytes.
    let mut name = String::with_capacity(base.len());
    for c in base.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_') {
            c
        } else {
            '-'
        };
        if c != '-' || !name.ends_with('-') {
            name.push(c);
        }
    }
    let trimmed = name.trim_matches(['-', '.']);
    match &trimmed[..trimmed.len().min(64)] {
        "" => "job".to_owned(),
        name => name.to_owned(),
    }
}

/// `VAR=value` (a shell assignment before the command).
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The first few words of a shell command, quotes removed (enough to find the program): up to
/// 8, ending at the first operator. One at a time, as they are asked for: the program is
/// usually the first.
fn first_words(command: &str) -> impl Iterator<Item = String> + '_ {
    let mut chars = command.chars();
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut word = String::new();
        let mut in_word = false;
        while let Some(c) = chars.next() {
            match c {
                ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                    done = !matches!(c, ' ' | '\t');
                    if in_word {
                        return Some(word);
                    }
                    if done {
                        return None;
                    }
                }
                '\'' => {
                    in_word = true;
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '"' => {
                    in_word = true;
                    while let Some(q) = chars.next() {
                        match q {
                            '"' => break,
                            '\\' => word.extend(chars.next()),
                            _ => word.push(q),
                        }
                    }
                }
                '\\' => {
                    in_word = true;
                    word.extend(chars.next());
                }
                _ => {
                    in_word = true;
                    word.push(c);
                }
            }
        }
        done = true;
        in_word.then_some(word)
    })
    .take(8)
}

/// The names taken so far, handing out new ones: `base`, or `base-2`, `base-3`, ... whichever
/// is free. Remembers where each base's count stands, so that a crontab whose 100,000 lines run
/// the same program gets its names in linear time, not by counting up from 2 for every line.
#[derive(Debug, Default)]
pub(crate) struct Names {
    taken: HashSet<String>,
    /// For a base that was asked for: the suffix to try next (every smaller one is taken, and
    /// names are never given back).
    next: HashMap<String, u64>,
    /// How many names were looked up in `taken` (the work done; tests bound it).
    #[cfg(test)]
    probes: usize,
}

impl Names {
    /// Starts with `taken` (the job file's names).
    pub(crate) fn new(taken: impl IntoIterator<Item = String>) -> Names {
        Names {
            taken: taken.into_iter().collect(),
            next: HashMap::new(),
            #[cfg(test)]
            probes: 0,
        }
    }

    /// `base` when it is free, else the first free `base-N` (N from 2); the result is taken.
    pub(crate) fn unique(&mut self, base: &str) -> String {
        #[cfg(test)]
        {
            self.probes += 1;
        }
        if !self.taken.contains(base) {
            self.taken.insert(base.to_owned());
            return base.to_owned();
        }
        let next = match self.next.get_mut(base) {
            Some(next) => next,
            None => self.next.entry(base.to_owned()).or_insert(2),
        };
        let mut name = String::with_capacity(base.len() + 8);
        loop {
            name.clear();
            // Writing to a `String` cannot fail.
            let _ = write!(name, "{base}-{next}");
            *next += 1;
            #[cfg(test)]
            {
                self.probes += 1;
            }
            // Taken here when it was free.
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_command() {
        for (command, name) in [
            ("/usr/bin/backup.sh --full", "backup.sh"),
            ("FOO=1 BAR=2 /opt/run-it now", "run-it"),
            ("\"/opt/my app/go\" x", "go"),
            ("'/opt/it s/ü.sh'", "sh"),
            ("cd /srv && make", "cd"),
            ("python3 -m x", "python3"),
            ("/", "job"),
            ("", "job"),
            ("(subshell)", "job"),
            ("ab$c", "ab-c"),
            ("..", "job"),
            // The program is among the first 8 words, before any operator.
            ("A=1 B=2 C=3 D=4 E=5 F=6 G=7 prog", "prog"),
            ("A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 prog", "job"),
            ("A=1; prog", "job"),
            ("A=1 'my prog'>x", "my-prog"),
            ("/opt/a--b__c..d-é-ü-.sh", "a-b__c..d-.sh"),
            ("-.-x-.-", "x"),
            (&"y".repeat(80), &"y".repeat(64)),
            // Cut after the runs are joined: the name may end in `-`.
            (
                &format!("{}--z", "y".repeat(63)),
                &format!("{}-", "y".repeat(63)),
            ),
        ] {
            assert_eq!(derive_name(command), name, "{command}");
        }
    }

    #[test]
    fn unique_names_count_up() {
        let mut names = Names::new(["backup".to_owned(), "x-3".to_owned()]);
        assert_eq!(names.unique("backup"), "backup-2");
        assert_eq!(names.unique("backup"), "backup-3");
        assert_eq!(names.unique("other"), "other");
        assert_eq!(names.unique("other"), "other-2");
        // A name another base took is skipped.
        assert_eq!(names.unique("backup-4"), "backup-4");
        assert_eq!(names.unique("backup"), "backup-5");
        assert_eq!(names.unique("x"), "x");
        assert_eq!(names.unique("x"), "x-2");
        assert_eq!(names.unique("x"), "x-4");
    }

    /// Issue 8: import was quadratic. 20,000 lines running the same program take at most two
    /// look-ups each (counting up from 2 every time took 200 million).
    #[test]
    fn naming_many_lines_of_one_program_is_linear() {
        let mut names = Names::new(["backup-7".to_owned()]);
        for _ in 0..20_000 {
            names.unique("backup");
        }
        assert_eq!(names.unique("backup"), "backup-20002");
        assert!(names.probes <= 2 * 20_001, "{} look-ups", names.probes);
    }

    /// Many lines with the same program, and bases that collide with counted names: every
    /// name is handed out once, and each is the first free one, as counting up from 2 each
    /// time would give.
    #[test]
    fn many_names_never_collide_and_match_counting_from_two() {
        let bases: Vec<String> = (0..3000)
            .map(|i| match i % 7 {
                0 => format!("a-{}", i % 40 + 2),
                1 | 2 => "b".to_owned(),
                _ => "a".to_owned(),
            })
            .collect();
        let mut names = Names::new(["a-5".to_owned()]);
        let mut slow: HashSet<String> = ["a-5".to_owned()].into();
        let mut seen = HashSet::new();
        for base in &bases {
            let fast = names.unique(base);
            let mut expected = base.clone();
            let mut n = 2;
            while slow.contains(&expected) {
                expected = format!("{base}-{n}");
                n += 1;
            }
            slow.insert(expected.clone());
            assert_eq!(fast, expected);
            assert!(seen.insert(fast), "a name was handed out twice");
        }
    }
}
