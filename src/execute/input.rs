//! What a trigger hands to a run besides its time: a webhook delivery (its id, event, payload
//! and the variables its `env` pointers picked), a chain's upstream run, and a run id chosen
//! before the run starts (so a webhook answer can name it). Scheduled and manual runs have
//! none of it (`RunInput::default()`). `RunVars` is what a run makes of it: the variables its
//! process and its `${VAR}`s see.

use std::path::Path;
use std::sync::Arc;

use super::Trigger;

/// The inputs of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RunInput {
    /// The run id, when the caller chose it before the run (a webhook answer names it); else
    /// the run makes one when it starts.
    pub(crate) run_id: Option<String>,
    /// The sender's delivery id (`X-GitHub-Delivery`, `webhook-id`, ...): `JOBTAB_DELIVERY`,
    /// kept in history.
    pub(crate) delivery: Option<String>,
    /// The sender's event name where it sends one (`X-GitHub-Event`): `JOBTAB_EVENT`.
    pub(crate) event: Option<String>,
    /// The request body: on the job's stdin and in the file `$JOBTAB_PAYLOAD` names.
    pub(crate) payload: Option<Arc<[u8]>>,
    /// Variables from the webhook's `env` pointers, name -> value, never shell text.
    pub(crate) vars: Vec<(String, String)>,
    /// The run whose end started this one (`after`): `JOBTAB_UPSTREAM_RUN_ID`, in history.
    pub(crate) upstream_run_id: Option<String>,
}

/// The variables one run gets beyond the job's `env`: the webhook's `env` pointers, then
/// `JOBTAB_TRIGGER`, `JOBTAB_RUN_ID`, and where they apply `JOBTAB_PAYLOAD`, `JOBTAB_DELIVERY`,
/// `JOBTAB_EVENT` and `JOBTAB_UPSTREAM_RUN_ID` (these last, so a payload cannot replace them).
/// A shell job gets them in its environment (never as shell text); `${VAR}` in the job's
/// `env` values and in an HTTP job's URL, headers and body sees them before our environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RunVars {
    vars: Vec<(String, String)>,
}

impl RunVars {
    pub(crate) fn new(
        trigger: Trigger,
        run_id: &str,
        input: &RunInput,
        payload: Option<&Path>,
    ) -> RunVars {
        let mut vars = input.vars.clone();
        let mut set = |name: &str, value: &str| vars.push((name.to_owned(), value.to_owned()));
        set("JOBTAB_TRIGGER", trigger.as_str());
        set("JOBTAB_RUN_ID", run_id);
        if let Some(path) = payload {
            set("JOBTAB_PAYLOAD", &path.to_string_lossy());
        }
        for (name, value) in [
            ("JOBTAB_DELIVERY", &input.delivery),
            ("JOBTAB_EVENT", &input.event),
            ("JOBTAB_UPSTREAM_RUN_ID", &input.upstream_run_id),
        ] {
            if let Some(value) = value {
                set(name, value);
            }
        }
        // No environment variable can hold a NUL.
        for (_, value) in &mut vars {
            value.retain(|c| c != '\0');
        }
        RunVars { vars }
    }

    /// Name and value, in the order they are set (a later one wins).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of `name`: the run's own (the last one set), else our environment's.
    pub(crate) fn lookup(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(name).ok())
    }

    /// `text` with every `${VAR}` expanded (`lookup`).
    pub(crate) fn expand(&self, text: &str) -> Result<String, String> {
        super::expand::expand_with(text, |name| self.lookup(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_gets_its_trigger_and_id_and_what_its_input_has() {
        let plain = RunVars::new(Trigger::Schedule, "r1", &RunInput::default(), None);
        let names: Vec<_> = plain.iter().collect();
        assert_eq!(
            names,
            [("JOBTAB_TRIGGER", "schedule"), ("JOBTAB_RUN_ID", "r1")]
        );
        let input = RunInput {
            delivery: Some("d-1".into()),
            event: Some("push".into()),
            upstream_run_id: Some("up".into()),
            vars: vec![
                ("REF".into(), "main\0x".into()),
                // A payload cannot pass itself off as jobtab's own variables.
                ("JOBTAB_TRIGGER".into(), "schedule".into()),
            ],
            ..RunInput::default()
        };
        let vars = RunVars::new(Trigger::Webhook, "r2", &input, Some(Path::new("/s/p")));
        assert_eq!(vars.lookup("REF").as_deref(), Some("mainx"));
        assert_eq!(vars.lookup("JOBTAB_TRIGGER").as_deref(), Some("webhook"));
        assert_eq!(vars.lookup("JOBTAB_PAYLOAD").as_deref(), Some("/s/p"));
        assert_eq!(vars.lookup("JOBTAB_DELIVERY").as_deref(), Some("d-1"));
        assert_eq!(vars.lookup("JOBTAB_EVENT").as_deref(), Some("push"));
        assert_eq!(vars.lookup("JOBTAB_UPSTREAM_RUN_ID").as_deref(), Some("up"));
        // Our environment is still there behind them.
        assert_eq!(vars.lookup("PATH"), std::env::var("PATH").ok());
        assert_eq!(
            vars.expand("${REF}/${JOBTAB_RUN_ID}").as_deref(),
            Ok("mainx/r2")
        );
        assert!(vars.expand("${JOBTAB_NOT_SET_ANYWHERE}").is_err());
    }
}
