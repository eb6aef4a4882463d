//! Job names for imported crontab lines: derived from the command's program, made unique.

use std::collections::HashSet;

/// The job name a command suggests (see the module docs).
pub(crate) fn derive_name(command: &str) -> String {
    let first = first_words(command)
        .into_iter()
        .find(|word| !is_assignment(word));
    let Some(word) = first else {
        return "job".to_owned();
    };
    let base = word.rsplit('/').find(|part| !part.is_empty()).unwrap_or("");
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name: String = name.trim_matches(['-', '.']).chars().take(64).collect();
    if name.is_empty() {
        "job".to_owned()
    } else {
        name
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

/// The first few words of a shell command, quotes removed (enough to find the program).
fn first_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                    if words.len() >= 8 {
                        break;
                    }
                }
                if !matches!(c, ' ' | '\t') {
                    break;
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
    if in_word {
        words.push(word);
    }
    words
}

/// `base`, or `base-2`, `base-3`, ... whichever is not in `taken`; the result is added to
/// `taken`.
pub(crate) fn unique_name(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
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
        ] {
            assert_eq!(derive_name(command), name, "{command}");
        }
    }

    #[test]
    fn unique_names_count_up() {
        let mut taken: HashSet<String> = ["backup".to_owned()].into();
        assert_eq!(unique_name("backup", &mut taken), "backup-2");
        assert_eq!(unique_name("backup", &mut taken), "backup-3");
        assert_eq!(unique_name("other", &mut taken), "other");
        assert_eq!(unique_name("other", &mut taken), "other-2");
    }
}
