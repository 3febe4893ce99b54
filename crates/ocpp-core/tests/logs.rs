//! The security extension's log upload and the security log (OCPP 1.6 security whitepaper
//! edition 2, use case N01 "Retrieve Log Information", §5.9 GetLog, §5.13 LogStatusNotification,
//! §5.5 ExtendedTriggerMessage, and A04.FR.04 / N01.FR.05 "store the security event in a
//! security log"), driven on the fake clock. Each test is named after the requirement it checks.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing
)]

mod common;

use common::sim::{Sim, SmallSim, Store, setup};
use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::security_log::{SECURITY_LOG_MAX, SecurityLogEntry};
use ocpp_core::charge_point::{
    Action, ChargePoint, Event, Instant, Limits, MemoryStorage, RecordKey, Storage,
};
use ocpp_core::types::DateTime;
use ocpp_core::v16::{LogType, SecurityEvent, UploadLogStatus};
use serde_json::{Value, json};

const LOCATION: &str = "ftp://user:secret@127.0.0.1/logs/";

/// A booted charge point.
fn booted() -> Sim {
    let mut sim = Sim::new(1);
    sim.boot();
    sim
}

/// The transfer actions given since the last call (the others, such as the charging limits
/// of the boot, are left out).
fn transfers<const NC: usize, const NL: usize, const NA: usize, L: Limits>(
    sim: &mut Sim<NC, NL, NA, L>,
) -> Vec<Action> {
    sim.take_actions()
        .into_iter()
        .filter(|a| {
            matches!(
                a,
                Action::UploadLog | Action::UploadDiagnostics | Action::CancelUpload
            )
        })
        .collect()
}

/// A GetLog.req's payload.
fn get_log(log_type: &str, request_id: i32, extra: Value) -> Value {
    let mut p = json!({
        "logType": log_type,
        "requestId": request_id,
        "log": {"remoteLocation": LOCATION},
    });
    let Value::Object(extra) = extra else {
        panic!("extra fields: an object")
    };
    for (k, v) in extra {
        if k == "oldestTimestamp" || k == "latestTimestamp" {
            p["log"][&k] = v;
        } else {
            p[&k] = v;
        }
    }
    p
}

/// The LogStatusNotification.req payloads sent so far (every CALL answered).
fn log_statuses(sim: &mut Sim) -> Vec<Value> {
    sim.answer_all()
        .into_iter()
        .filter(|(a, _)| a == "LogStatusNotification")
        .map(|(_, p)| p)
        .collect()
}

/// The statuses of `log_statuses`, each with its requestId.
fn statuses(sim: &mut Sim) -> Vec<(String, Option<i64>)> {
    log_statuses(sim)
        .iter()
        .map(|p| {
            (
                p["status"].as_str().unwrap().to_owned(),
                p["requestId"].as_i64(),
            )
        })
        .collect()
}

fn st(status: &str, id: i64) -> (String, Option<i64>) {
    (status.to_owned(), Some(id))
}

/// The security log's entries (kind, techInfo), oldest first.
fn security_log<C: SecurityLogOf>(cp: &mut C) -> Vec<(SecurityEvent, Option<String>)> {
    cp.entries(None, None)
        .into_iter()
        .map(|e| (e.0, e.2))
        .collect()
}

/// Reads the security log of any charge point of the tests.
trait SecurityLogOf {
    fn entries(
        &mut self,
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
    ) -> Vec<(SecurityEvent, DateTime, Option<String>)>;
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits> SecurityLogOf
    for ChargePoint<S, NC, NL, NA, L>
{
    fn entries(
        &mut self,
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
    ) -> Vec<(SecurityEvent, DateTime, Option<String>)> {
        let mut buf = vec![0u8; SECURITY_LOG_MAX];
        let Ok(entries) = self.security_log(&mut buf, oldest, latest) else {
            panic!("the security log could not be read");
        };
        entries
            .map(|e| (e.kind, e.timestamp, e.tech_info.map(str::to_owned)))
            .collect()
    }
}

fn kinds(entries: &[(SecurityEvent, Option<String>)]) -> Vec<SecurityEvent> {
    entries.iter().map(|e| e.0).collect()
}

// ---------------------------------------------------------------------------------------------
// GetLog and LogStatusNotification (N01)

/// N01.FR.01 (Accepted with the file name), N01.FR.02 (the upload starts: `Action::UploadLog`,
/// its details in `log_request`), N01.FR.08 (Uploading), N01.FR.09 (Uploaded), N01.FR.07 (each
/// with the GetLog's requestId), N01.FR.03 (SecurityLog).
#[test]
fn n01_fr_01_02_07_08_09_a_security_log_is_accepted_uploaded_and_reported() {
    let mut sim = booted();
    let answer = sim.call_ok(
        "GetLog",
        get_log(
            "SecurityLog",
            42,
            json!({"retries": 2, "retryInterval": 30}),
        ),
    );
    assert_eq!(answer["status"], "Accepted");
    let name = answer["filename"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with("securitylog-2024") && name.ends_with("Z.log"),
        "{name}"
    );
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    let req = sim.cp.log_request().unwrap();
    assert_eq!(req.log_type, LogType::SecurityLog);
    assert_eq!(req.request_id, 42);
    assert_eq!(req.location, LOCATION);
    assert_eq!(req.file_name, name);
    assert_eq!((req.retries, req.retry_interval), (Some(2), Some(30)));
    assert_eq!((req.oldest_timestamp, req.latest_timestamp), (None, None));
    assert!(
        sim.cp.diagnostics_request().is_none(),
        "not a GetDiagnostics"
    );
    assert_eq!(statuses(&mut sim), [st("Uploading", 42)]);
    sim.event(Event::LogUploaded {
        request_id: 42,
        status: UploadLogStatus::Uploaded,
    });
    assert_eq!(statuses(&mut sim), [st("Uploaded", 42)]);
    assert!(sim.cp.log_request().is_none(), "the upload is over");
    // N01 step 8, "The Charge Point returns to Idle status": nothing more is sent.
    sim.advance(120_000);
    assert!(statuses(&mut sim).is_empty());
}

/// N01.FR.04: a DiagnosticsLog is a log upload too (the integrator uploads its diagnostics),
/// reported with LogStatusNotification, not DiagnosticsStatusNotification.
#[test]
fn n01_fr_04_a_diagnostics_log_is_uploaded_as_a_log() {
    let mut sim = booted();
    let answer = sim.call_ok("GetLog", get_log("DiagnosticsLog", 7, json!({})));
    assert_eq!(answer["status"], "Accepted");
    assert!(
        answer["filename"]
            .as_str()
            .unwrap()
            .starts_with("diagnostics-")
    );
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    assert_eq!(
        sim.cp.log_request().unwrap().log_type,
        LogType::DiagnosticsLog
    );
    sim.event(Event::LogUploaded {
        request_id: 7,
        status: UploadLogStatus::Uploaded,
    });
    let calls = sim.answer_all();
    assert!(
        !calls
            .iter()
            .any(|(a, _)| a == "DiagnosticsStatusNotification"),
        "{calls:?}"
    );
    let logs: Vec<&str> = calls
        .iter()
        .filter(|(a, _)| a == "LogStatusNotification")
        .map(|(_, p)| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(logs, ["Uploading", "Uploaded"]);
}

/// GetLog `retries` and `retryInterval` (§5.9): an `UploadFailure` is tried again after the
/// interval, `retries` times after the first; each attempt reports Uploading (N01.FR.08), the
/// last failure UploadFailure (N01.FR.10).
#[test]
fn get_log_retries_an_upload_failure_after_the_retry_interval() {
    let mut sim = booted();
    sim.call_ok(
        "GetLog",
        get_log("SecurityLog", 3, json!({"retries": 2, "retryInterval": 30})),
    );
    for attempt in 0..3 {
        sim.advance(1);
        assert_eq!(
            transfers(&mut sim),
            [Action::UploadLog],
            "attempt {attempt}"
        );
        sim.event(Event::LogUploaded {
            request_id: 3,
            status: UploadLogStatus::UploadFailure,
        });
        // Not before the interval.
        sim.advance(29_000);
        assert!(transfers(&mut sim).is_empty());
        sim.advance(1_000);
    }
    assert!(transfers(&mut sim).is_empty(), "no fourth attempt");
    assert_eq!(
        statuses(&mut sim),
        [
            st("Uploading", 3),
            st("Uploading", 3),
            st("Uploading", 3),
            st("UploadFailure", 3)
        ]
    );
    assert!(sim.cp.log_request().is_none());
}

/// N01.FR.10: each failure status the integrator reports reaches the central system as it is
/// ("as precise as possible"); BadMessage, PermissionDenied and NotSupportedOperation end the
/// upload at once (the same server would answer the same), retries left or not.
#[test]
fn n01_fr_10_every_failure_status_is_reported() {
    let mut sim = booted();
    for (id, status, name) in [
        (1, UploadLogStatus::BadMessage, "BadMessage"),
        (2, UploadLogStatus::PermissionDenied, "PermissionDenied"),
        (
            3,
            UploadLogStatus::NotSupportedOperation,
            "NotSupportedOperation",
        ),
        (4, UploadLogStatus::UploadFailure, "UploadFailure"),
    ] {
        let retries = if id == 4 { 0 } else { 5 };
        sim.call_ok(
            "GetLog",
            get_log("SecurityLog", id, json!({"retries": retries})),
        );
        sim.advance(1);
        assert_eq!(transfers(&mut sim), [Action::UploadLog]);
        sim.event(Event::LogUploaded {
            request_id: id,
            status,
        });
        assert_eq!(
            statuses(&mut sim),
            [st("Uploading", id.into()), st(name, id.into())]
        );
        assert!(sim.cp.log_request().is_none(), "{name} ends the upload");
    }
}

/// Without `retries`, the charge point decides (§5.9): no retry; without `retryInterval`, 60 s.
/// `Idle` or `Uploading` from the integrator is no outcome: read as UploadFailure.
#[test]
fn without_retries_one_attempt_and_a_meaningless_status_is_a_failure() {
    let mut sim = booted();
    sim.call_ok("GetLog", get_log("SecurityLog", 9, json!({})));
    sim.advance(1);
    sim.event(Event::LogUploaded {
        request_id: 9,
        status: UploadLogStatus::Idle,
    });
    assert_eq!(
        statuses(&mut sim),
        [st("Uploading", 9), st("UploadFailure", 9)]
    );
    sim.call_ok("GetLog", get_log("SecurityLog", 10, json!({"retries": 1})));
    sim.advance(1);
    transfers(&mut sim);
    sim.event(Event::LogUploaded {
        request_id: 10,
        status: UploadLogStatus::Uploading,
    });
    sim.advance(59_000);
    assert!(transfers(&mut sim).is_empty());
    sim.advance(1_000);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
}

/// N01.FR.11: a GetLog.req while a log is being uploaded cancels that upload
/// (`Action::CancelUpload`) and is answered AcceptedCanceled; the new upload starts, and a late
/// report about the cancelled one (its requestId) changes nothing.
#[test]
fn n01_fr_11_a_new_get_log_cancels_the_upload_in_progress() {
    let mut sim = booted();
    sim.call_ok("GetLog", get_log("SecurityLog", 1, json!({})));
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    assert_eq!(statuses(&mut sim), [st("Uploading", 1)]);
    let answer = sim.call_ok("GetLog", get_log("DiagnosticsLog", 2, json!({})));
    assert_eq!(answer["status"], "AcceptedCanceled");
    assert!(answer["filename"].as_str().is_some());
    assert_eq!(transfers(&mut sim), [Action::CancelUpload]);
    // The cancelled upload's own report comes late: ignored.
    sim.event(Event::LogUploaded {
        request_id: 1,
        status: UploadLogStatus::Uploaded,
    });
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    assert_eq!(sim.cp.log_request().unwrap().request_id, 2);
    sim.event(Event::LogUploaded {
        request_id: 2,
        status: UploadLogStatus::Uploaded,
    });
    // Nothing more about request 1 (the central system knows from AcceptedCanceled).
    assert_eq!(statuses(&mut sim), [st("Uploading", 2), st("Uploaded", 2)]);
}

/// N01.FR.11 also while the upload waits for its next attempt: the request is replaced (no
/// transfer runs, so nothing to cancel at the integrator's).
#[test]
fn n01_fr_11_a_get_log_replaces_an_upload_waiting_for_a_retry() {
    let mut sim = booted();
    sim.call_ok(
        "GetLog",
        get_log(
            "SecurityLog",
            1,
            json!({"retries": 3, "retryInterval": 600}),
        ),
    );
    sim.advance(1);
    sim.event(Event::LogUploaded {
        request_id: 1,
        status: UploadLogStatus::UploadFailure,
    });
    transfers(&mut sim);
    let answer = sim.call_ok("GetLog", get_log("SecurityLog", 2, json!({})));
    assert_eq!(answer["status"], "AcceptedCanceled");
    assert!(!transfers(&mut sim).contains(&Action::CancelUpload));
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    assert_eq!(sim.cp.log_request().unwrap().request_id, 2);
}

/// GetLog and GetDiagnostics share one upload (one job, one location buffer): either replaces
/// an upload of the other kind, which ends with its own failure notification (the central
/// system that asked for it would otherwise wait for one).
#[test]
fn get_log_and_get_diagnostics_share_one_upload() {
    let mut sim = booted();
    let answer = sim.call_ok("GetDiagnostics", json!({"location": LOCATION}));
    assert!(answer["fileName"].is_string());
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadDiagnostics]);
    let answer = sim.call_ok("GetLog", get_log("SecurityLog", 5, json!({})));
    assert_eq!(answer["status"], "AcceptedCanceled");
    assert_eq!(transfers(&mut sim), [Action::CancelUpload]);
    assert!(sim.cp.diagnostics_request().is_none());
    let calls = sim.answer_all();
    let diagnostics: Vec<&str> = calls
        .iter()
        .filter(|(a, _)| a == "DiagnosticsStatusNotification")
        .map(|(_, p)| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(diagnostics, ["Uploading", "UploadFailed"]);
    // A stale DiagnosticsUploaded does not end the log upload.
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    sim.event(Event::DiagnosticsUploaded { ok: true });
    assert!(sim.cp.log_request().is_some());
    // GetDiagnostics now replaces the log upload: UploadFailure with its requestId.
    let answer = sim.call_ok("GetDiagnostics", json!({"location": LOCATION}));
    assert!(answer["fileName"].is_string());
    assert_eq!(transfers(&mut sim), [Action::CancelUpload]);
    assert_eq!(
        statuses(&mut sim),
        [st("Uploading", 5), st("UploadFailure", 5)]
    );
    assert!(sim.cp.log_request().is_none());
    assert!(sim.cp.diagnostics_request().is_some());
}

/// GetLog.conf Rejected ("Log update request rejected", §6.13) when the location does not fit
/// beside the firmware update's in the shared location buffer; the upload in progress is kept.
#[test]
fn get_log_is_rejected_when_its_location_does_not_fit() {
    use ocpp_core::limits::URI_MAX_LEN;
    let mut sim = booted();
    sim.call_ok("GetLog", get_log("SecurityLog", 1, json!({})));
    let later = DateTime::parse(&common::sim::cs_time(sim.now))
        .unwrap()
        .add_millis(3_600_000)
        .to_string();
    let mut firmware = String::from("http://127.0.0.1/");
    while firmware.len() < URI_MAX_LEN - LOCATION.len() - 1 {
        firmware.push('f');
    }
    sim.call_ok(
        "UpdateFirmware",
        json!({"location": firmware, "retrieveDate": later}),
    );
    let mut long = String::from(LOCATION);
    long.push_str("xx");
    let answer = sim.call_ok("GetLog", {
        let mut p = get_log("SecurityLog", 2, json!({}));
        p["log"]["remoteLocation"] = json!(long);
        p
    });
    assert_eq!(answer, json!({"status": "Rejected"}));
    let kept = sim.cp.log_request().unwrap();
    assert_eq!((kept.request_id, kept.location), (1, LOCATION));
}

/// A LogStatusNotification.req in flight when the connection drops is sent again after the
/// reconnection, with its requestId.
#[test]
fn a_log_status_unanswered_at_a_disconnect_is_sent_again() {
    let mut sim = booted();
    sim.call_ok("GetLog", get_log("SecurityLog", 11, json!({})));
    sim.advance(1);
    let (_, p) = sim.find_call("LogStatusNotification");
    assert_eq!(p, json!({"status": "Uploading", "requestId": 11}));
    sim.disconnect();
    sim.connect();
    let (id, p) = sim.find_call("LogStatusNotification");
    assert_eq!(p, json!({"status": "Uploading", "requestId": 11}));
    sim.reply(&id, json!({}));
}

/// N01.FR.12 and ExtendedTriggerMessage (§5.5): LogStatusNotification is Accepted; it reports
/// Uploading with the requestId while a log upload is in progress, else Idle without a
/// requestId ("Idle SHALL only be used when the message was triggered", §6.17).
#[test]
fn n01_fr_12_extended_trigger_message_reports_the_log_status() {
    let mut sim = booted();
    let trigger = json!({"requestedMessage": "LogStatusNotification"});
    let answer = sim.call_ok("ExtendedTriggerMessage", trigger.clone());
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(log_statuses(&mut sim), [json!({"status": "Idle"})]);
    sim.call_ok("GetLog", get_log("SecurityLog", 77, json!({"retries": 1})));
    sim.advance(1);
    assert_eq!(statuses(&mut sim), [st("Uploading", 77)]);
    let answer = sim.call_ok("ExtendedTriggerMessage", trigger.clone());
    assert_eq!(answer, json!({"status": "Accepted"}));
    assert_eq!(
        log_statuses(&mut sim),
        [json!({"status": "Uploading", "requestId": 77})]
    );
    // Waiting for its retry, the upload is still in progress.
    sim.event(Event::LogUploaded {
        request_id: 77,
        status: UploadLogStatus::UploadFailure,
    });
    sim.call_ok("ExtendedTriggerMessage", trigger.clone());
    assert_eq!(statuses(&mut sim), [st("Uploading", 77)]);
    // A DiagnosticsStatusNotification trigger knows of no diagnostics upload.
    let answer = sim.call_ok(
        "TriggerMessage",
        json!({"requestedMessage": "DiagnosticsStatusNotification"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
    let calls = sim.answer_all();
    assert_eq!(calls[0].1, json!({"status": "Idle"}));
    // connectorId 0 is Rejected as for every ExtendedTriggerMessage (§5.5: above 0).
    let answer = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "LogStatusNotification", "connectorId": 0}),
    );
    assert_eq!(answer, json!({"status": "Rejected"}));
}

// ---------------------------------------------------------------------------------------------
// The security log (A04.FR.04, N01.FR.05)

/// A04.FR.04 / N01.FR.05: every security event is stored in the security log, critical or not,
/// with its timestamp and techInfo; also without a SecurityProfile (the log is the charge
/// point's own, only the notifications wait for the security extension to be in use).
#[test]
fn a04_fr_04_every_security_event_is_in_the_security_log() {
    let mut sim = booted();
    // The boot: StartupOfTheDevice and SettingSystemTime (critical).
    let wall = DateTime::parse(&common::sim::cs_time(sim.now)).unwrap();
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidTLSVersion,
        tech_info: Some("TLS 1.0 offered"),
    });
    sim.frame("not json");
    let log = sim.cp.entries(None, None);
    assert_eq!(
        log.iter().map(|e| e.0).collect::<Vec<_>>(),
        [
            SecurityEvent::StartupOfTheDevice,
            SecurityEvent::SettingSystemTime,
            SecurityEvent::InvalidTLSVersion,
            SecurityEvent::InvalidMessages,
        ]
    );
    assert_eq!(log[1].1, wall);
    assert_eq!(log[2].2.as_deref(), Some("TLS 1.0 offered"));
    assert!(log[3].2.is_some(), "InvalidMessages says why");
    assert!(
        !sim.raw
            .iter()
            .any(|f| f.contains("SecurityEventNotification")),
        "SecurityProfile 0: no notification"
    );
}

/// A04.FR.04 with a SecurityProfile: the events are both notified and logged; the log keeps
/// them after their delivery (the notification queue forgets them).
#[test]
fn a04_fr_04_notified_events_stay_in_the_log() {
    let mut sim = booted();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": "0123456789abcdef0123456789ABCDEF01234567"}),
    );
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "1"}),
    );
    let sent = sim.answer_all();
    assert!(sent.iter().any(|(a, p)| a == "SecurityEventNotification"
        && p["type"] == "ReconfigurationOfSecurityParameters"));
    let log = security_log(&mut sim.cp);
    assert_eq!(
        log.last().unwrap(),
        &(
            SecurityEvent::ReconfigurationOfSecurityParameters,
            Some("SecurityProfile".to_owned())
        )
    );
}

/// The security log is stored ("rolling format", A04.FR.04): it survives a power cycle (a clone
/// of `MemoryStorage`), and new events are appended after the old ones.
#[test]
fn a04_fr_04_the_security_log_survives_a_power_cycle() {
    type Cp = ChargePoint<MemoryStorage<8192>>;
    let mut buf = vec![0u8; 16 * 1024];
    let mut cp = Cp::new(setup(1), MemoryStorage::new(), Instant(0), &mut buf);
    let drain = |cp: &mut Cp, buf: &mut [u8]| -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some(out) = match cp.poll_output(Instant(0), buf) {
            Output::Timeout(_) => None,
            out => Some(out),
        } {
            if let Output::Action(a) = out {
                actions.push(a);
            }
        }
        actions
    };
    drain(&mut cp, &mut buf);
    for (kind, info) in [
        (SecurityEvent::TamperDetectionActivated, "lid"),
        (SecurityEvent::MemoryExhaustion, "heap"),
    ] {
        cp.handle_input(
            Input::SecurityEvent {
                kind,
                tech_info: Some(info),
            },
            Instant(0),
        )
        .unwrap();
        assert!(drain(&mut cp, &mut buf).is_empty());
    }
    // The power cut: what was stored survives, nothing else.
    let storage = cp.storage().clone();
    let appends = storage.writes();
    let mut cp = Cp::new(setup(1), storage, Instant(0), &mut buf);
    assert!(drain(&mut cp, &mut buf).is_empty(), "nothing damaged");
    cp.handle_input(
        Input::SecurityEvent {
            kind: SecurityEvent::InvalidCentralSystemCertificate,
            tech_info: None,
        },
        Instant(0),
    )
    .unwrap();
    drain(&mut cp, &mut buf);
    assert_eq!(
        security_log(&mut cp),
        [
            (SecurityEvent::TamperDetectionActivated, Some("lid".into())),
            (SecurityEvent::MemoryExhaustion, Some("heap".into())),
            (SecurityEvent::InvalidCentralSystemCertificate, None),
        ]
    );
    // One small append per event, not a rewrite of the log.
    let stored = cp.storage().get(RecordKey::SecurityLog).unwrap().len();
    assert!(cp.storage().writes() > appends);
    assert!(stored < 100, "{stored} bytes for three events");
}

/// The rolling format (A04.FR.04 note): the log is bounded (`SECURITY_LOG_MAX`, or the
/// caller's buffer if smaller); when full, the oldest events are dropped, the newest kept, in
/// order.
#[test]
fn a04_fr_04_a_full_security_log_drops_its_oldest_events() {
    let mut sim = booted();
    sim.buf_len = 2048;
    for i in 0..400u32 {
        let info = format!("event {i}");
        sim.input(Input::SecurityEvent {
            kind: SecurityEvent::InvalidMessages,
            tech_info: Some(&info),
        });
    }
    let stored = sim.cp.storage().get(RecordKey::SecurityLog).unwrap().len();
    assert!(stored <= 2048, "{stored}");
    let log = security_log(&mut sim.cp);
    let numbers: Vec<u32> = log
        .iter()
        .map(|e| {
            e.1.as_deref().unwrap()["event ".len()..]
                .parse::<u32>()
                .unwrap()
        })
        .collect();
    assert_eq!(*numbers.last().unwrap(), 399, "the newest is kept");
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "in order");
    assert!(numbers.len() >= 60, "{} kept", numbers.len());
    assert!(
        !kinds(&log).contains(&SecurityEvent::StartupOfTheDevice),
        "the oldest went first"
    );
}

/// GetLog's `oldestTimestamp` and `latestTimestamp` (§6.12: "the oldest / latest logging
/// information to include"): `log_request` carries them, and `security_log` keeps the entries
/// between them, both included.
#[test]
fn get_log_oldest_and_latest_timestamps_bound_the_security_log() {
    let mut sim = booted();
    let mut times = Vec::new();
    for kind in [
        SecurityEvent::InvalidTLSVersion,
        SecurityEvent::InvalidTLSCipherSuite,
        SecurityEvent::TamperDetectionActivated,
    ] {
        sim.advance(60_000);
        times.push(DateTime::parse(&common::sim::cs_time(sim.now)).unwrap());
        sim.input(Input::SecurityEvent {
            kind,
            tech_info: None,
        });
    }
    sim.call_ok(
        "GetLog",
        get_log(
            "SecurityLog",
            1,
            json!({
                "oldestTimestamp": times[1].to_string(),
                "latestTimestamp": times[2].to_string(),
            }),
        ),
    );
    let req = sim.cp.log_request().unwrap();
    assert_eq!(
        (req.oldest_timestamp, req.latest_timestamp),
        (Some(times[1]), Some(times[2]))
    );
    let (oldest, latest) = (req.oldest_timestamp, req.latest_timestamp);
    let kept: Vec<SecurityEvent> = sim
        .cp
        .entries(oldest, latest)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        kept,
        [
            SecurityEvent::InvalidTLSCipherSuite,
            SecurityEvent::TamperDetectionActivated
        ]
    );
    let before: Vec<SecurityEvent> = sim
        .cp
        .entries(None, Some(times[0]))
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(before.last(), Some(&SecurityEvent::InvalidTLSVersion));
    assert_eq!(sim.cp.entries(Some(times[2].add_millis(1)), None), []);
}

/// A damaged security log (it does not start with its header) is dropped, replaced by an empty
/// one, and reported like every record (`Action::StorageFailed`); the log then works again.
#[test]
fn a_damaged_security_log_is_dropped_and_reported() {
    let mut storage = MemoryStorage::<8192>::new();
    storage.store(RecordKey::SecurityLog, b"garbage").unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let mut cp: ChargePoint<MemoryStorage<8192>> =
        ChargePoint::new(setup(1), storage, Instant(0), &mut buf);
    let mut actions = Vec::new();
    loop {
        match cp.poll_output(Instant(0), &mut buf) {
            Output::Action(a) => actions.push(a),
            Output::Transmit(_) => {}
            Output::Timeout(_) => break,
        }
    }
    assert_eq!(
        actions,
        [Action::StorageFailed {
            key: RecordKey::SecurityLog
        }]
    );
    assert!(security_log(&mut cp).is_empty());
    cp.handle_input(
        Input::SecurityEvent {
            kind: SecurityEvent::AttemptedReplayAttacks,
            tech_info: None,
        },
        Instant(0),
    )
    .unwrap();
    let mut actions = Vec::new();
    loop {
        match cp.poll_output(Instant(0), &mut buf) {
            Output::Action(a) => actions.push(a),
            Output::Transmit(_) => {}
            Output::Timeout(_) => break,
        }
    }
    assert!(actions.is_empty(), "{actions:?}");
    assert_eq!(
        security_log(&mut cp),
        [(SecurityEvent::AttemptedReplayAttacks, None)]
    );
}

/// A power cut in the middle of an append (a torn tail) is no damage: the log ends before the
/// torn batch, nothing is reported, and the next event rewrites the log after its valid part.
#[test]
fn a_torn_security_log_keeps_what_came_before() {
    let mut sim = booted();
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::TamperDetectionActivated,
        tech_info: None,
    });
    let before = sim.cp.storage().get(RecordKey::SecurityLog).unwrap().len();
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::MemoryExhaustion,
        tech_info: None,
    });
    let mut storage = sim.cp.into_storage();
    let len = storage.get(RecordKey::SecurityLog).unwrap().len();
    storage.truncate(RecordKey::SecurityLog, len - 3);
    assert!(len - 3 > before);
    let mut sim = Sim::with(setup(1), storage, Instant(10_000));
    assert!(
        !sim.actions
            .iter()
            .any(|a| matches!(a, Action::StorageFailed { .. }))
    );
    assert_eq!(
        kinds(&security_log(&mut sim.cp)),
        [
            SecurityEvent::StartupOfTheDevice,
            SecurityEvent::SettingSystemTime,
            SecurityEvent::TamperDetectionActivated
        ]
    );
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidFirmwareSignature,
        tech_info: None,
    });
    assert_eq!(
        security_log(&mut sim.cp).last().unwrap().0,
        SecurityEvent::InvalidFirmwareSignature
    );
}

/// A storage that cannot append (`Storage::append` returns `Ok(false)`) gets the log rewritten
/// whole at each new batch: nothing is lost.
#[test]
fn a_storage_without_append_gets_the_log_rewritten() {
    #[derive(Clone, Default)]
    struct NoAppend(Store);
    impl Storage for NoAppend {
        type Error = ();
        fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
            self.0.load(key, buf)
        }
        fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
            self.0.store(key, data)
        }
    }
    let mut buf = vec![0u8; 16 * 1024];
    let mut cp: ChargePoint<NoAppend> =
        ChargePoint::new(setup(1), NoAppend::default(), Instant(0), &mut buf);
    for kind in [
        SecurityEvent::InvalidTLSVersion,
        SecurityEvent::InvalidTLSCipherSuite,
    ] {
        cp.handle_input(
            Input::SecurityEvent {
                kind,
                tech_info: None,
            },
            Instant(0),
        )
        .unwrap();
        while !matches!(cp.poll_output(Instant(0), &mut buf), Output::Timeout(_)) {}
    }
    assert_eq!(
        kinds(&security_log(&mut cp)),
        [
            SecurityEvent::InvalidTLSVersion,
            SecurityEvent::InvalidTLSCipherSuite
        ]
    );
}

/// Too many events between two drains (a caller that breaks the drain rule): their techInfo is
/// cut to the pending room first, then the newest are not logged (counted in
/// `dropped_outputs`); what is logged is intact.
#[test]
fn events_beyond_the_pending_room_lose_tech_info_first() {
    let mut sim = booted();
    for _ in 0..6 {
        sim.input_no_drain(Input::SecurityEvent {
            kind: SecurityEvent::InvalidMessages,
            tech_info: Some("0123456789"),
        })
        .unwrap();
    }
    assert!(sim.drain_lossy() > 0);
    let log = security_log(&mut sim.cp);
    let new: Vec<_> = log
        .iter()
        .filter(|e| e.0 == SecurityEvent::InvalidMessages)
        .collect();
    assert!(new.len() >= 2 && new.len() < 6, "{new:?}");
    assert_eq!(new[0].1.as_deref(), Some("0123456789"));
}

/// The small profile has the same log upload and security log.
#[test]
fn the_small_profile_uploads_logs_too() {
    let mut sim = SmallSim::new_small(2);
    sim.boot();
    let answer = sim.call_ok("GetLog", get_log("SecurityLog", 1, json!({})));
    assert_eq!(answer["status"], "Accepted");
    sim.advance(1);
    assert_eq!(transfers(&mut sim), [Action::UploadLog]);
    sim.event(Event::LogUploaded {
        request_id: 1,
        status: UploadLogStatus::Uploaded,
    });
    assert!(sim.cp.log_request().is_none());
    assert_eq!(
        kinds(&security_log(&mut sim.cp)),
        [
            SecurityEvent::StartupOfTheDevice,
            SecurityEvent::SettingSystemTime
        ]
    );
}

/// What an integrator uploads for a SecurityLog: one line per entry (`SecurityLogEntry::line`).
#[test]
fn the_security_log_as_lines_of_text() {
    let mut sim = booted();
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidChargePointCertificate,
        tech_info: Some("expired"),
    });
    let mut buf = vec![0u8; SECURITY_LOG_MAX];
    let mut line = [0u8; SecurityLogEntry::LINE_MAX];
    let text: String = sim
        .cp
        .security_log(&mut buf, None, None)
        .unwrap()
        .map(|e| e.line(&mut line).unwrap().to_owned())
        .collect();
    assert_eq!(
        text,
        "2024-05-01T12:00:00Z StartupOfTheDevice\n\
         2024-05-01T12:00:00Z SettingSystemTime\n\
         2024-05-01T12:00:00Z InvalidChargePointCertificate expired\n"
    );
}
