//! The API's answers to run requests and their JSON shapes.

use std::sync::mpsc::RecvTimeoutError;

use http::StatusCode;
use serde_json::json;

use super::actions::{Failure, Started, Toggled, started};
use crate::runner::Answer;

#[test]
fn a_run_request_is_answered_from_the_schedulers_answer() {
    let ok = started(
        "backup",
        Ok(Answer::Started {
            run_id: "r1".into(),
        }),
    )
    .unwrap();
    assert_eq!(
        ok.json(),
        json!({"status": "accepted", "job": "backup", "run_id": "r1"})
    );
    let queued = started(
        "backup",
        Ok(Answer::Queued {
            run_id: "r2".into(),
        }),
    )
    .unwrap();
    assert_eq!(queued.status, "queued");
    let status = |answer| started("backup", answer).unwrap_err().status();
    assert_eq!(status(Ok(Answer::Unknown)), StatusCode::NOT_FOUND);
    assert_eq!(status(Ok(Answer::Disabled)), StatusCode::CONFLICT);
    assert_eq!(
        status(Ok(Answer::Skipped {
            reason: "the previous run is still running"
        })),
        StatusCode::CONFLICT
    );
    assert_eq!(
        status(Err(RecvTimeoutError::Disconnected)),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        status(Err(RecvTimeoutError::Timeout)),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let skipped = started("backup", Ok(Answer::Skipped { reason: "busy" })).unwrap_err();
    assert_eq!(skipped.message(), "backup was not started: busy");
}

#[test]
fn answers_have_their_documented_shapes() {
    let toggled = Toggled {
        job: "a".into(),
        enabled: false,
        changed: true,
    };
    assert_eq!(
        toggled.json(),
        json!({"job": "a", "enabled": false, "changed": true})
    );
    let started = Started {
        status: "accepted",
        job: "a".into(),
        run_id: "x".into(),
    };
    let keys: Vec<String> = started
        .json()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["job", "run_id", "status"]);
    let unknown = Failure::unknown_job("nope");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.message().contains("\"nope\""));
}
