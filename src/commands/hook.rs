//! `jobtab hook send NAME`: a request to a job's webhook, signed as the job's `verify` preset's
//! sender signs it, and the answer printed (PRODUCT.md section 9). Exits 0 for a 2xx answer,
//! 1 otherwise.

use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::Utc;

use crate::cli::{HookArgs, HookCommand};
use crate::ctx::Ctx;
use crate::execute::{expand, failure, http};
use crate::output;
use crate::server::verify;
use crate::store::{Job, JobFile, Response, ServerConfig, Verify, Webhook};

/// How long a request may take (connecting included) unless the hook answers after the run.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer's body printed.
const ANSWER_BYTES: u64 = 1024 * 1024;

pub(crate) fn run(args: &HookArgs, ctx: &Ctx) -> Result<ExitCode> {
    let HookCommand::Send(send) = &args.command;
    let file = JobFile::read(&ctx.file)?;
    let job = file.require(&send.name)?;
    let Some(hook) = &job.triggers.webhook else {
        bail!(
            "job {name} has no webhook; add a [jobs.{name}.webhook] table (verify, secret) with \
             `jobtab edit`",
            name = job.name
        );
    };
    let url = target(send.url.as_deref(), &file.server, hook, &job.name)?;
    let secret = secret(job, hook)?;
    let body = payload(send.payload.as_deref())?;
    let mut headers = verify::sign(&hook.verify, &secret, &body, Utc::now(), &new_delivery(job))
        .map_err(|err| anyhow!("cannot sign for job {}'s webhook: {err}", job.name))?;
    if let Some(event) = &send.event {
        let Some(header) = verify::event_header(&hook.verify) else {
            bail!(
                "--event has no header to go in with verify = \"{}\": {}",
                hook.verify.kind().as_str(),
                "only github, gitlab and shopify senders name the event in a header; drop --event"
            );
        };
        headers.push((header.to_owned(), event.clone()));
    }
    if serde_json::from_slice::<serde_json::Value>(&body).is_ok() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    let method = hook.methods.first().map_or("POST", String::as_str);
    let total = match (hook.response, job.timeout) {
        (Response::Wait, Some(timeout)) => timeout + SEND_TIMEOUT,
        _ => SEND_TIMEOUT,
    };
    let (status, answer) = send_request(method, &url, headers, body, total)?;
    let mut out = output::Stdout::lock();
    writeln!(out, "HTTP {status}")?;
    out.write_all(&answer)?;
    if !answer.is_empty() && !answer.ends_with(b"\n") {
        writeln!(out)?;
    }
    out.finish()?;
    if (200..300).contains(&status) {
        return Ok(ExitCode::SUCCESS);
    }
    output::error(format_args!(
        "job {}'s webhook answered HTTP {status} (see the answer above)",
        job.name
    ));
    Ok(ExitCode::FAILURE)
}

/// `--url`, else the hook's path on `[server] listen` (a wildcard address is sent to on
/// loopback).
fn target(url: Option<&str>, server: &ServerConfig, hook: &Webhook, job: &str) -> Result<String> {
    if let Some(url) = url {
        return Ok(url.to_owned());
    }
    let Some(listen) = &server.listen else {
        bail!(
            "nowhere to send job {job}'s webhook: pass --url URL, or set `listen = \
             \"127.0.0.1:8080\"` under [server] in the job file (where `jobtab run` serves it)"
        );
    };
    let address = match listen.parse::<SocketAddr>() {
        Ok(mut addr) if addr.ip().is_unspecified() => {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
            addr.to_string()
        }
        _ => listen.clone(),
    };
    let scheme = if server.tls_cert.is_some() && server.tls_key.is_some() {
        "https"
    } else {
        "http"
    };
    Ok(format!("{scheme}://{address}{}", hook.path))
}

/// The hook's secret, expanded from the environment and fit for its preset.
fn secret(job: &Job, hook: &Webhook) -> Result<String> {
    let secret = match &hook.secret {
        Some(template) => expand(template).map_err(|err| {
            anyhow!(
                "cannot sign for job {}'s webhook: its secret {template}: {err}",
                job.name
            )
        })?,
        None if hook.verify == Verify::None => String::new(),
        None => bail!(
            "job {}'s webhook has no secret; add `secret = \"${{VAR}}\"` with `jobtab edit`",
            job.name
        ),
    };
    verify::check_secret(&hook.verify, &secret)
        .map_err(|err| anyhow!("job {}'s webhook secret cannot be used: {err}", job.name))?;
    Ok(secret)
}

/// `--payload FILE`, `--payload -` (stdin), or `{}`.
fn payload(path: Option<&Path>) -> Result<Vec<u8>> {
    match path {
        None => Ok(b"{}".to_vec()),
        Some(path) if path == Path::new("-") => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .context("cannot read the payload from stdin")?;
            Ok(body)
        }
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read the payload file {}", path.display())),
    }
}

/// A delivery id no earlier request had.
fn new_delivery(job: &Job) -> String {
    crate::execute::new_run_id(&job.name)
}

/// Sends one request; the answer's status and (the start of) its body.
fn send_request(
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    total: Duration,
) -> Result<(u16, Vec<u8>)> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = builder.body(body).map_err(|_| {
        anyhow!("{url:?} is not a URL to send to (e.g. http://127.0.0.1:8080/hooks/NAME)")
    })?;
    let agent = http::new_agent();
    let request = http::with_timeouts(&agent, request, total, CONNECT_TIMEOUT);
    let mut response = agent.run(request).map_err(|err| {
        let failure = failure::describe(&err, total, CONNECT_TIMEOUT);
        anyhow!("cannot send to {url}: {}", failure.message)
    })?;
    let status = response.status().as_u16();
    let mut answer = Vec::new();
    response
        .body_mut()
        .as_reader()
        .take(ANSWER_BYTES)
        .read_to_end(&mut answer)
        .with_context(|| format!("cannot read the answer from {url}"))?;
    Ok((status, answer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::DEFAULT_MAX_BODY;

    fn hook() -> Webhook {
        Webhook {
            verify: Verify::Github,
            secret: Some("${SECRET}".to_owned()),
            path: "/hooks/deploy".to_owned(),
            methods: vec!["POST".to_owned()],
            max_body: DEFAULT_MAX_BODY,
            matches: Vec::new(),
            env: Vec::new(),
            response: Response::Accepted,
            rate_limit: None,
        }
    }

    fn listening(listen: &str) -> ServerConfig {
        ServerConfig {
            listen: Some(listen.to_owned()),
            ..ServerConfig::default()
        }
    }

    #[test]
    fn the_url_is_the_hooks_path_on_the_listen_address_unless_given() {
        let url = |server: &ServerConfig| target(None, server, &hook(), "deploy").unwrap();
        assert_eq!(
            url(&listening("127.0.0.1:8080")),
            "http://127.0.0.1:8080/hooks/deploy"
        );
        assert_eq!(
            url(&listening("0.0.0.0:9000")),
            "http://127.0.0.1:9000/hooks/deploy"
        );
        assert_eq!(
            url(&listening("[::]:9000")),
            "http://[::1]:9000/hooks/deploy"
        );
        assert_eq!(
            url(&listening("hooks.lan:80")),
            "http://hooks.lan:80/hooks/deploy"
        );
        let tls = ServerConfig {
            tls_cert: Some("cert.pem".into()),
            tls_key: Some("key.pem".into()),
            ..listening("10.0.0.5:8443")
        };
        assert_eq!(url(&tls), "https://10.0.0.5:8443/hooks/deploy");
        let given = target(
            Some("http://elsewhere/x"),
            &listening("127.0.0.1:1"),
            &hook(),
            "d",
        );
        assert_eq!(given.unwrap(), "http://elsewhere/x");
    }

    #[test]
    fn without_a_url_or_a_listen_address_the_error_says_how_to_give_one() {
        let err = target(None, &ServerConfig::default(), &hook(), "deploy").unwrap_err();
        let err = err.to_string();
        assert!(
            err.contains("--url") && err.contains("[server]") && err.contains("listen"),
            "{err}"
        );
    }
}
