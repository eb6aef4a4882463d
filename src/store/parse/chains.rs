//! The checks on `after` that need the whole file: every name it lists is a job of the file,
//! and no job runs after itself through a chain (a cycle, named by its path). A job that
//! fails them is reported at its `after` key and left out, like any invalid job.

use std::collections::{HashMap, HashSet};

use toml::de::DeTable;

use super::locate;
use super::values::Reader;
use crate::store::Job;

/// Checks the `after` lists of `jobs` against the names in `table` (the `[jobs]` table, so a
/// job that is there but invalid is still a known name) and drops the jobs that fail.
pub(super) fn check(reader: &mut Reader<'_>, table: &DeTable<'_>, jobs: &mut Vec<Job>) {
    if jobs.iter().all(|job| job.triggers.after.is_empty()) {
        return;
    }
    let mut bad: HashSet<String> = HashSet::new();
    let mut report = |reader: &mut Reader<'_>, job: &str, message: String| {
        let span = table
            .get(job)
            .and_then(|item| item.get_ref().as_table())
            .and_then(|t| locate(t, "after"));
        reader.push(Some(job), Some("after"), span, message);
        bad.insert(job.to_owned());
    };
    for job in jobs.iter() {
        for upstream in &job.triggers.after {
            if !table.contains_key(upstream.as_str()) {
                report(
                    reader,
                    &job.name,
                    format!(
                        "`after` names {upstream:?}, which is not a job in this file; name a \
                         job of this file (`jobtab list` shows them)"
                    ),
                );
            }
        }
    }
    for cycle in cycles(jobs) {
        let path = cycle.join(" -> ");
        for name in &cycle[..cycle.len() - 1] {
            report(
                reader,
                name,
                format!(
                    "`after` makes a cycle: {path} (each runs after the one before it, so \
                     they would start each other forever); remove one of these `after` names"
                ),
            );
        }
    }
    jobs.retain(|job| !bad.contains(&job.name));
}

/// Every cycle of "runs after" among `jobs`, each once, as the path in the order runs start
/// each other, beginning and ending with the same job (`a -> b -> a`: b runs after a, and a
/// after b). Found with a depth-first search over the upstream edges.
fn cycles(jobs: &[Job]) -> Vec<Vec<String>> {
    let index: HashMap<&str, usize> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| (job.name.as_str(), i))
        .collect();
    // Edges from a job to the jobs that run after it (file order).
    let mut starts: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    for (i, job) in jobs.iter().enumerate() {
        for upstream in &job.triggers.after {
            if let Some(&u) = index.get(upstream.as_str()) {
                starts[u].push(i);
            }
        }
    }
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; jobs.len()];
    let mut found = Vec::new();
    for root in 0..jobs.len() {
        if state[root] != 0 {
            continue;
        }
        // An explicit stack: (job, next edge to follow); `path` mirrors it.
        let mut stack = vec![(root, 0usize)];
        let mut path = vec![root];
        state[root] = 1;
        while let Some((node, edge)) = stack.last_mut() {
            let node = *node;
            let Some(&next) = starts[node].get(*edge) else {
                state[node] = 2;
                stack.pop();
                path.pop();
                continue;
            };
            *edge += 1;
            match state[next] {
                0 => {
                    state[next] = 1;
                    stack.push((next, 0));
                    path.push(next);
                }
                1 => {
                    let from = path.iter().position(|&p| p == next).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[from..].iter().map(|&p| jobs[p].name.clone()).collect();
                    cycle.push(jobs[next].name.clone());
                    found.push(cycle);
                }
                _ => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::store::parse;

    fn problems(text: &str) -> Vec<String> {
        parse(text)
            .1
            .iter()
            .map(|p| {
                let (line, col) = p.position.unwrap_or_default();
                format!("{line}:{col} {}", p.message)
            })
            .collect()
    }

    #[test]
    fn unknown_names_are_refused_at_the_after_key() {
        let text = "[jobs.report]\ncommand = \"true\"\nafter = [\"backup\"]\n";
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("3:1 `after` names \"backup\", which is not a job in this file"),
            "{found:?}"
        );
        assert!(parse(text).0.is_empty());
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let text = "[jobs.a]\ncommand = \"true\"\nafter = [\"b\"]\n\
                    [jobs.b]\ncommand = \"true\"\nschedule = \"@daily\"\nafter = [\"a\"]\n\
                    [jobs.c]\ncommand = \"true\"\nafter = [\"a\"]\n\
                    [jobs.d]\ncommand = \"true\"\nafter = [\"d\"]\n";
        let found = problems(text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with("3:1 `after` makes a cycle: a -> b -> a"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("7:1 `after` makes a cycle: a -> b -> a"),
            "{found:?}"
        );
        assert!(found[2].contains("d -> d"), "{found:?}");
        // c runs after a, which is in a cycle: c itself is fine.
        let names: Vec<String> = parse(text).0.into_iter().map(|j| j.name).collect();
        assert_eq!(names, ["c"]);
    }

    #[test]
    fn a_chain_and_a_diamond_are_no_cycle() {
        let text = "[jobs.a]\ncommand = \"true\"\nschedule = \"@daily\"\n\
                    [jobs.b]\ncommand = \"true\"\nafter = [\"a\"]\n\
                    [jobs.c]\ncommand = \"true\"\nafter = [\"a\"]\nafter_status = \"failure\"\n\
                    [jobs.d]\ncommand = \"true\"\nafter = [\"b\", \"c\"]\n";
        assert!(problems(text).is_empty(), "{:?}", problems(text));
        assert_eq!(parse(text).0.len(), 4);
    }
}
