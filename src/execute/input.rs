//! What a trigger hands to a run besides its time: a webhook delivery (its id, event, payload
//! and the variables its `env` pointers picked), a chain's upstream run, and a run id chosen
//! before the run starts (so a webhook answer can name it). Scheduled and manual runs have
//! none of it (`RunInput::default()`).

use std::sync::Arc;

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
