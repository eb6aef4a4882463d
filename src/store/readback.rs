//! Proving that a changed job file reads back as the change meant, before the new text
//! replaces the old file: it must hold exactly the jobs the editor knows of (none lost, none
//! appearing), and each job the change wrote (added or replaced) must read back as the values
//! it was written from. `edit` checks this on the very text it writes, with every problem; a
//! text that fails is not written. (A file ending in a multi-line string whose last line looks
//! like a comment once took a new job into that string, and "added job" was printed.)
//!
//! A job is compared by a fingerprint of its values as the file holds them (an empty `env`,
//! `headers` or `expect` is not written, so it counts as none), so that an import of 100,000
//! jobs need not keep them all for the check. The fingerprint compares what this process wrote
//! with what it reads back, so it needs no defence against crafted input, only speed: a word
//! at a time (rustc's "Fx" mix), where SipHash took 10% of an import.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use super::model::{RawDefaults, RawHttp, RawJob, RawNotify};

const BUG: &str = "the new text does not read back as the change meant";
const REPORT: &str = "a bug in jobtab: please report it with the job file and the command";

/// What a new text must read back as.
pub(crate) struct Expected<'e> {
    /// The name of every job it must hold, and of no other, each with the fingerprint of what
    /// the change wrote for the jobs it added or replaced.
    pub(crate) jobs: &'e HashMap<String, Option<u64>>,
    /// `[defaults]` as the change saw them: each job it wrote was checked against them.
    pub(crate) defaults: &'e RawDefaults,
}

/// How a job read back compares with what the change wrote.
#[derive(Debug, PartialEq)]
pub(crate) enum ReadBack {
    /// The change did not write it.
    NotWritten,
    /// It reads back as written.
    AsWritten,
    /// It does not: why.
    Differs(String),
}

impl Expected<'_> {
    /// Whether the job `name`, read back as `raw`, is what the change wrote.
    pub(crate) fn read_back(&self, name: &str, raw: &RawJob) -> ReadBack {
        match self.jobs.get(name).copied().flatten() {
            None => ReadBack::NotWritten,
            Some(expected) if fingerprint(raw) == expected => ReadBack::AsWritten,
            Some(_) => ReadBack::Differs(format!(
                "{BUG}: job {name:?} does not read back as it was written ({REPORT})"
            )),
        }
    }

    /// Why the names read back (`found`, every key of the `jobs` table) are not the expected
    /// ones: a message for each job lost or appearing.
    pub(crate) fn name_problems(&self, found: &[&str]) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut known = 0;
        for &name in found {
            if self.jobs.contains_key(name) {
                known += 1;
            } else {
                problems.push((
                    name.to_owned(),
                    format!(
                        "{BUG}: job {name:?} would appear, though the change did not add it \
                         ({REPORT})"
                    ),
                ));
            }
        }
        if known < self.jobs.len() {
            let found: HashSet<&str> = found.iter().copied().collect();
            let mut lost: Vec<&String> = self
                .jobs
                .keys()
                .filter(|name| !found.contains(name.as_str()))
                .collect();
            lost.sort();
            for name in lost {
                problems.push((
                    name.clone(),
                    format!("{BUG}: job {name:?} would be lost ({REPORT})"),
                ));
            }
        }
        problems
    }
}

/// A hash of the job's values as the file holds them.
pub(crate) fn fingerprint(raw: &RawJob) -> u64 {
    // Every field by name: a new field does not compile until it is added here.
    let RawJob {
        description,
        schedule,
        command,
        shell,
        http,
        timezone,
        enabled,
        timeout,
        retries,
        retry_delay,
        overlap,
        catch_up,
        workdir,
        env,
        notify,
        ping,
        mail_to,
        webhook,
        jitter,
        after,
        after_status,
    } = raw;
    let mut hasher = Quick::default();
    (jitter, after, after_status.map(|s| s.as_str())).hash(&mut hasher);
    // Rare (never imported) and made of many kinds of value: its debug text stands for it.
    webhook.as_ref().map(|w| format!("{w:?}")).hash(&mut hasher);
    (description, schedule, command, shell, timezone).hash(&mut hasher);
    (enabled, timeout, retries, retry_delay, overlap, catch_up).hash(&mut hasher);
    (workdir, non_empty(env.as_ref()), ping, mail_to).hash(&mut hasher);
    http.as_ref().map(http_values).hash(&mut hasher);
    notify.as_ref().map(notify_values).hash(&mut hasher);
    hasher.finish()
}

type HttpValues<'r> = (
    &'r Option<String>,
    &'r String,
    Option<&'r BTreeMap<String, String>>,
    &'r Option<String>,
    Option<&'r Vec<u16>>,
);

fn http_values(http: &RawHttp) -> HttpValues<'_> {
    let RawHttp {
        method,
        url,
        headers,
        body,
        expect,
    } = http;
    (
        method,
        url,
        non_empty(headers.as_ref()),
        body,
        expect.as_ref().filter(|codes| !codes.is_empty()),
    )
}

type NotifyValues<'r> = (
    &'r String,
    &'r Option<super::NotifyOn>,
    &'r Option<String>,
    &'r Option<super::NotifyFormat>,
    &'r Option<super::SignatureScheme>,
);

fn notify_values(notify: &RawNotify) -> NotifyValues<'_> {
    let RawNotify {
        url,
        on,
        secret,
        format,
        signature,
    } = notify;
    (url, on, secret, format, signature)
}

fn non_empty(map: Option<&BTreeMap<String, String>>) -> Option<&BTreeMap<String, String>> {
    map.filter(|map| !map.is_empty())
}

/// The fingerprint's hasher: each step is a bijection of the word it takes, so two inputs
/// that differ in one word always differ in the end.
#[derive(Default)]
struct Quick(u64);

impl Quick {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        // The length first: "a" and "a\0" fill their last word the same.
        self.add(bytes.len() as u64);
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut buf = [0; 8];
            buf.copy_from_slice(word);
            self.add(u64::from_le_bytes(buf));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut buf = [0; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_values_apart_and_ignore_what_is_not_written() {
        let job = RawJob {
            schedule: Some("@daily".into()),
            command: Some("true".into()),
            ..RawJob::default()
        };
        let mut other = job.clone();
        assert_eq!(fingerprint(&job), fingerprint(&other));
        other.env = Some(BTreeMap::new());
        assert_eq!(fingerprint(&job), fingerprint(&other), "an empty env");
        other.env = Some(BTreeMap::from([("A".into(), "1".into())]));
        assert_ne!(fingerprint(&job), fingerprint(&other));
        let mut other = job.clone();
        other.command = Some("false".into());
        assert_ne!(fingerprint(&job), fingerprint(&other));
        // The same text in another field is another job.
        let mut moved = job.clone();
        moved.command = None;
        moved.description = Some("true".into());
        assert_ne!(fingerprint(&job), fingerprint(&moved));
        let mut other = job.clone();
        other.http = Some(RawHttp {
            url: "https://x".into(),
            headers: Some(BTreeMap::new()),
            expect: Some(Vec::new()),
            ..RawHttp::default()
        });
        let mut plain = job.clone();
        plain.http = Some(RawHttp {
            url: "https://x".into(),
            ..RawHttp::default()
        });
        assert_eq!(fingerprint(&other), fingerprint(&plain));
    }

    #[test]
    fn the_hasher_tells_apart_what_fills_a_word_the_same() {
        let hash = |parts: &[&[u8]]| {
            let mut hasher = Quick::default();
            for part in parts {
                hasher.write(part);
            }
            hasher.finish()
        };
        assert_ne!(hash(&[b"a"]), hash(&[b"a\0"]));
        assert_ne!(hash(&[b"ab", b"c"]), hash(&[b"a", b"bc"]));
        assert_ne!(hash(&[b"12345678x"]), hash(&[b"12345678y"]));
        assert_eq!(hash(&[b"12345678x"]), hash(&[b"12345678x"]));
    }

    #[test]
    fn lost_and_new_names_are_problems() {
        let jobs: HashMap<String, Option<u64>> = ["a", "b", "c"].map(|n| (n.into(), None)).into();
        let expected = Expected {
            jobs: &jobs,
            defaults: &RawDefaults::default(),
        };
        assert!(expected.name_problems(&["c", "a", "b"]).is_empty());
        let problems = expected.name_problems(&["a", "x"]);
        let named: Vec<&str> = problems.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(named, ["x", "b", "c"]);
        assert!(problems[0].1.contains("would appear"), "{problems:?}");
        assert!(problems[1].1.contains("would be lost"), "{problems:?}");
    }
}
