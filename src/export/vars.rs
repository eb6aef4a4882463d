//! The `${VAR}`s a job takes from its environment when it runs (PRODUCT.md section 2), so an
//! export can say where they come from (a Kubernetes Secret).

use std::collections::BTreeSet;

use crate::execute::expand::references;
use crate::store::{Action, Job};

/// Variables every container and shell already has; a job that uses them needs no Secret.
const AMBIENT: [&str; 12] = [
    "HOME", "PATH", "PWD", "OLDPWD", "HOSTNAME", "SHELL", "USER", "LOGNAME", "TERM", "TMPDIR",
    "IFS", "RANDOM",
];

/// The variables named as `${NAME}` in the job's command, env values, URL, headers, body and
/// notification URL and secret and ping URL; minus the ones the job's own `env` sets for its command and
/// the ones every environment has.
pub(crate) fn job_vars(job: &Job) -> BTreeSet<String> {
    let mut texts: Vec<&str> = job.env.values().map(String::as_str).collect();
    let mut command_vars = BTreeSet::new();
    match &job.action {
        Action::Shell { command, .. } => {
            // The job's own env is in the command's environment.
            command_vars = references(command);
            command_vars.retain(|name| !job.env.contains_key(name));
        }
        Action::Http(http) => {
            texts.push(&http.url);
            for (name, value) in &http.headers {
                texts.push(name);
                texts.push(value);
            }
            if let Some(body) = &http.body {
                texts.push(body);
            }
        }
    }
    if let Some(notify) = &job.notify {
        texts.push(&notify.url);
        if let Some(secret) = &notify.secret {
            texts.push(secret);
        }
    }
    if let Some(ping) = &job.ping {
        texts.push(ping);
    }
    let mut out = command_vars;
    for text in texts {
        out.extend(references(text));
    }
    out.retain(|name| !AMBIENT.contains(&name.as_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(toml: &str) -> Job {
        let (jobs, problems) = crate::store::parse(toml);
        assert!(problems.is_empty(), "{problems:?}");
        jobs.into_iter().next().unwrap()
    }

    #[test]
    fn finds_references_in_every_place() {
        let job = job(r#"
            [jobs.report]
            schedule = "0 6 * * *"
            env = { A = "${ENV_VAR}" }
            notify = { url = "https://h.example/${HOOK_PATH}", secret = "${HOOK_SECRET}" }
            ping = "https://hc-ping.com/${HC_UUID}"
            [jobs.report.http]
            method = "POST"
            url = "https://api.example.com/${TENANT}/r"
            headers = { Authorization = "Bearer ${TOKEN}" }
            body = '{"k": "${BODY_VAR}", "home": "${HOME}"}'
        "#);
        let vars: Vec<String> = job_vars(&job).into_iter().collect();
        assert_eq!(
            vars,
            [
                "BODY_VAR",
                "ENV_VAR",
                "HC_UUID",
                "HOOK_PATH",
                "HOOK_SECRET",
                "TENANT",
                "TOKEN"
            ]
        );
    }

    #[test]
    fn command_references_minus_the_jobs_own_env() {
        let job = job(r#"
            [jobs.dump]
            schedule = "0 2 * * *"
            command = "pg_dump ${DB} > ${OUT_DIR}/x-${PATH} $NOT_BRACED ${1} ${ }"
            env = { OUT_DIR = "/backups" }
        "#);
        let vars: Vec<String> = job_vars(&job).into_iter().collect();
        assert_eq!(vars, ["DB"]);
    }

    #[test]
    fn references_follow_the_expansion_syntax() {
        let found: Vec<String> = references("${A}${_b1}${1x}${}${C").into_iter().collect();
        assert_eq!(found, ["A", "_b1"]);
    }
}
