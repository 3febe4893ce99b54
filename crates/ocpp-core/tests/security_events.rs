//! Security events (OCPP 1.6 security whitepaper edition 2, chapter 8 and use case A04): queued
//! as SecurityEventNotification.req in the journal, stored and retried like the
//! transaction-related messages, raised by the charge point for what it observes and by the
//! integrator (`Input::SecurityEvent`) for what only the adapter sees.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing
)]

mod common;

use common::sim::{Sent, Sim, setup};
use ocpp_core::charge_point::Input;
use ocpp_core::charge_point::journal::{Journal, TxMessage};
use ocpp_core::types::DateTime;
use ocpp_core::v16::SecurityEvent;
use serde_json::{Value, json};

const AUTH_KEY: &str = "0123456789abcdef0123456789ABCDEF01234567";

/// A booted charge point with security profile 1 (basic authentication, whitepaper §2.3).
fn with_profile_1() -> Sim {
    with_profile_1_on(setup(1))
}

/// The setup of a charge point that holds a CentralSystemRootCertificate (whitepaper A05.FR.03).
fn with_root_certificate() -> ocpp_core::charge_point::Setup {
    let mut s = setup(1);
    s.security.central_system_root_certificate = true;
    s
}

/// [`with_profile_1`] with `setup`.
fn with_profile_1_on(setup: ocpp_core::charge_point::Setup) -> Sim {
    let mut sim = Sim::with(
        setup,
        common::sim::Store::new(),
        ocpp_core::charge_point::Instant(0),
    );
    sim.boot();
    let conf = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": AUTH_KEY}),
    );
    assert_eq!(conf, json!({"status": "Accepted"}));
    let conf = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "1"}),
    );
    assert_eq!(conf, json!({"status": "Accepted"}));
    sim
}

/// The SecurityEventNotification CALLs sent so far (answered), as (type, techInfo).
fn events(sim: &mut Sim) -> Vec<(String, Option<String>)> {
    sim.answer_all()
        .into_iter()
        .filter(|(a, _)| a == "SecurityEventNotification")
        .map(|(_, p): (String, Value)| {
            (
                p["type"].as_str().unwrap().to_owned(),
                p["techInfo"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Connects and answers BootNotification with Accepted, leaving the CALLs that follow unanswered
/// (`Sim::boot` answers them all).
fn boot_only(sim: &mut Sim) {
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    let now = common::sim::cs_time(sim.now);
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
}

fn kinds(events: &[(String, Option<String>)]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}

/// Whitepaper §7.6: SecurityProfile 0 is "no security profile configured yet"; such a charge
/// point speaks plain OCPP 1.6 and sends no SecurityEventNotification (a central system that
/// never configured a profile may not know the message).
#[test]
fn without_a_security_profile_no_event_is_sent() {
    let mut sim = Sim::new(1);
    sim.boot();
    let conf = sim.call_ok("Reset", json!({"type": "Soft"}));
    assert_eq!(conf, json!({"status": "Accepted"}));
    assert!(events(&mut sim).is_empty());
    let mut sim = sim.restart(setup(1));
    sim.boot();
    assert!(events(&mut sim).is_empty());
}

/// Chapter 8: "Security parameters, such as keys or the security profile used, were changed"
/// (ReconfigurationOfSecurityParameters, not critical), with the key's name, never its value.
#[test]
fn changing_the_security_profile_is_reported_without_the_value() {
    let mut sim = with_profile_1();
    let sent = events(&mut sim);
    assert_eq!(
        sent,
        [(
            "ReconfigurationOfSecurityParameters".to_owned(),
            Some("SecurityProfile".to_owned())
        )]
    );
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "AuthorizationKey", "value": AUTH_KEY.to_lowercase()}),
    );
    let sent = events(&mut sim);
    assert_eq!(
        sent,
        [(
            "ReconfigurationOfSecurityParameters".to_owned(),
            Some("AuthorizationKey".to_owned())
        )]
    );
    assert!(
        !sim.raw
            .iter()
            .any(|f| f.contains(&AUTH_KEY.to_lowercase()[..8])
                && f.contains("SecurityEventNotification"))
    );
}

/// Chapter 8 StartupOfTheDevice and SettingSystemTime (both critical): after a power cycle the
/// charge point reports its start, stamped with the wall time of the start (learnt from
/// BootNotification.conf, 5 s later), and the clock set; a Heartbeat's small correction is not
/// an event.
#[test]
fn a_restart_reports_the_startup_and_the_clock() {
    let mut sim = with_profile_1();
    events(&mut sim);
    let mut sim = sim.restart(setup(1));
    let started = sim.now;
    sim.advance(5_000);
    boot_only(&mut sim);
    let (id, startup) = sim.find_call("SecurityEventNotification");
    assert_eq!(startup["type"], "StartupOfTheDevice");
    assert_eq!(
        startup["timestamp"].as_str(),
        Some(common::sim::cs_time(started).as_str()),
        "the start's wall time, not 1970"
    );
    sim.reply(&id, json!({}));
    let sent = events(&mut sim);
    assert_eq!(kinds(&sent), ["SettingSystemTime"]);
    // A Heartbeat.conf a second off: no event.
    sim.advance(300_000);
    let (id, _) = sim.find_call("Heartbeat");
    let later = DateTime::parse(&common::sim::cs_time(sim.now))
        .unwrap()
        .add_millis(1_000);
    sim.reply(&id, json!({"currentTime": later.to_string()}));
    assert!(events(&mut sim).is_empty());
    // Two minutes off: SettingSystemTime.
    sim.advance(300_000);
    let (id, _) = sim.find_call("Heartbeat");
    let off = DateTime::parse(&common::sim::cs_time(sim.now))
        .unwrap()
        .add_millis(120_000);
    sim.reply(&id, json!({"currentTime": off.to_string()}));
    assert_eq!(kinds(&events(&mut sim)), ["SettingSystemTime"]);
}

/// A04.FR.02: "queued with a guaranteed delivery": critical events raised while offline survive
/// power cycles in the journal and are all delivered, in order, after the next boot.
#[test]
fn events_raised_offline_survive_power_cycles() {
    let sim = with_profile_1();
    // The ReconfigurationOfSecurityParameters event is in flight, unanswered, at the power cut.
    let mut sim = sim.restart(setup(1));
    // Offline: two more starts, a tamper sensor.
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::TamperDetectionActivated,
        tech_info: Some("lid open"),
    });
    let mut sim = sim.restart(setup(1));
    boot_only(&mut sim);
    let sent = events(&mut sim);
    // The first restart's StartupOfTheDevice waits for a wall clock (a charge point without a
    // real-time clock learns the time from BootNotification.conf) and is lost with the second
    // power cut; the second restart's goes once BootNotification.conf sets the clock.
    assert_eq!(
        kinds(&sent),
        [
            "ReconfigurationOfSecurityParameters",
            "TamperDetectionActivated",
            "StartupOfTheDevice",
            "SettingSystemTime"
        ]
    );
    assert_eq!(sent[1].1.as_deref(), Some("lid open"));
}

/// Chapter 8 ResetOrReboot (critical): queued when the Reset is accepted, before the restart.
#[test]
fn a_reset_is_reported() {
    let mut sim = with_profile_1();
    events(&mut sim);
    let conf = sim.call_ok("Reset", json!({"type": "Hard"}));
    assert_eq!(conf, json!({"status": "Accepted"}));
    let sent = events(&mut sim);
    assert_eq!(
        sent,
        [(
            "ResetOrReboot".to_owned(),
            Some("Reset.req Hard".to_owned())
        )]
    );
}

/// What only the adapter sees (A00.FR.315 InvalidTLSVersion, A00.FR.309
/// InvalidCentralSystemCertificate, ...) comes in as `Input::SecurityEvent`; its techInfo is
/// cut to `TECH_INFO_MAX` bytes.
#[test]
fn integrator_events_are_sent_with_their_tech_info_cut() {
    let mut sim = with_profile_1();
    events(&mut sim);
    let long = "x".repeat(100);
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidTLSVersion,
        tech_info: Some(&long),
    });
    let sent = events(&mut sim);
    assert_eq!(kinds(&sent), ["InvalidTLSVersion"]);
    assert_eq!(
        sent[0].1.as_deref().map(str::len),
        Some(ocpp_core::limits::TECH_INFO_MAX)
    );
}

/// Chapter 8: every event type the integrator observes (CentralSystemFailedToAuthenticate,
/// MemoryExhaustion, AttemptedReplayAttacks, TamperDetectionActivated, and the adapter's TLS
/// events) is sent as reported, with its type's wire name; in fact every one of the 18 types.
#[test]
fn every_event_type_reported_by_the_integrator_is_sent() {
    let mut sim = with_profile_1();
    events(&mut sim);
    for &kind in SecurityEvent::ALL {
        sim.input(Input::SecurityEvent {
            kind,
            tech_info: Some("from the integrator"),
        });
        let sent = events(&mut sim);
        assert_eq!(kinds(&sent), [kind.as_str()], "{kind}");
        assert_eq!(sent[0].1.as_deref(), Some("from the integrator"));
    }
    assert_eq!(SecurityEvent::ALL.len(), 18);
}

/// Chapter 8 InvalidMessages: a frame that is not a valid OCPP-J message is reported once per
/// connection (a peer sending garbage does not fill the queue with reports of it).
#[test]
fn invalid_messages_are_reported_once_per_connection() {
    let mut sim = with_profile_1();
    events(&mut sim);
    sim.frame("this is not json");
    sim.frame("[9, \"x\"]");
    assert_eq!(kinds(&events(&mut sim)), ["InvalidMessages"]);
    sim.disconnect();
    sim.connect();
    sim.frame("{}");
    assert_eq!(kinds(&events(&mut sim)), ["InvalidMessages"]);
}

/// A central system without the security extension answers SecurityEventNotification with a
/// CALLERROR: the event counts as delivered and is not retried, so the transaction messages
/// behind it are not held up (§3.7.1's retries are for transaction messages).
#[test]
fn a_callerror_for_an_event_is_not_retried() {
    let mut sim = with_profile_1();
    let (id, _) = sim.find_call("SecurityEventNotification");
    sim.reply_error(&id, "NotImplemented");
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidTLSCipherSuite,
        tech_info: None,
    });
    // Sent at once, not after TransactionMessageRetryInterval.
    let (_, p) = sim.expect_call("SecurityEventNotification");
    assert_eq!(p["type"], "InvalidTLSCipherSuite");
    assert!(!sim.sent.iter().any(|s| matches!(s, Sent::Error { .. })));
}

fn event(kind: SecurityEvent) -> TxMessage {
    TxMessage::SecurityEvent {
        kind,
        timestamp: DateTime::parse("2024-05-01T12:00:00Z").unwrap(),
        tech_info: None,
    }
}

/// The queue when full: non-critical events make room, oldest first (after the head), like
/// periodic MeterValues; critical ones are never dropped.
#[test]
fn a_full_queue_sheds_non_critical_events_only() {
    let mut j: Journal = Journal::new();
    // Non-critical events until one makes room for the next (the queue is full).
    let mut n = 0;
    while j.enqueue(event(SecurityEvent::InvalidMessages)) == Ok(false) {
        n += 1;
        assert!(n < 1000);
    }
    let before = j.queue.len();
    // A critical event: room is made by dropping the oldest non-critical one (not the head).
    assert_eq!(j.enqueue(event(SecurityEvent::ResetOrReboot)), Ok(true));
    assert_eq!(j.queue.len(), before);
    let kinds: Vec<SecurityEvent> = j
        .queue
        .iter()
        .map(|q| match q.message {
            TxMessage::SecurityEvent { kind, .. } => kind,
            _ => panic!(),
        })
        .collect();
    assert_eq!(kinds.last(), Some(&SecurityEvent::ResetOrReboot));
    // Fill with critical events only: then nothing more fits.
    let mut j: Journal = Journal::new();
    while j.enqueue(event(SecurityEvent::StartupOfTheDevice)).is_ok() {}
    assert!(j.enqueue(event(SecurityEvent::InvalidMessages)).is_err());
    assert!(j.queue.iter().all(|q| matches!(
        q.message,
        TxMessage::SecurityEvent {
            kind: SecurityEvent::StartupOfTheDevice,
            ..
        }
    )));
}

/// The outputs of a drain after `frame`, in order: frames sent (as their action or "result") and
/// `Reconnect` actions.
fn profile_outputs(sim: &mut Sim) -> Vec<String> {
    use ocpp_core::charge_point::Action;
    let mut out: Vec<String> = sim
        .sent
        .drain(..)
        .map(|s| match s {
            Sent::Call { action, .. } => action,
            Sent::Result { .. } => "result".to_owned(),
            Sent::Error { .. } => "error".to_owned(),
        })
        .collect();
    for a in sim.take_actions() {
        if let Action::Reconnect { security_profile } = a {
            out.push(format!("Reconnect({security_profile})"));
        }
    }
    out
}

/// Whitepaper A05.FR.03/04: a raise to 2 needs a CentralSystemRootCertificate, to 3 also a
/// ChargePointCertificate (declared by the integrator in `Setup::security` until the charge
/// point keeps its own certificate store); A05.FR.01: never down, nor to the same.
#[test]
fn a_raise_needs_its_prerequisites_and_never_goes_down() {
    let mut sim = with_profile_1();
    for (value, status) in [
        ("2", "Rejected"),
        ("3", "Rejected"),
        ("1", "Rejected"),
        ("0", "Rejected"),
    ] {
        let conf = sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "SecurityProfile", "value": value}),
        );
        assert_eq!(conf["status"], status, "{value}");
    }
    let mut sim = sim.restart(with_root_certificate());
    sim.boot();
    let conf = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "3"}),
    );
    assert_eq!(
        conf["status"], "Rejected",
        "profile 3 needs a charge point certificate"
    );
    let conf = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
    );
    assert_eq!(conf["status"], "Accepted");
}

/// A05.FR.05-07: after an accepted raise the charge point answers, then asks the adapter to
/// reconnect with the new profile; A05.FR.09: once that connection is up, the raise holds (no
/// fallback however many later attempts fail).
#[test]
fn an_accepted_raise_reconnects_after_the_answer_and_holds_once_connected() {
    let mut sim = with_profile_1_on(with_root_certificate());
    sim.answer_all();
    sim.take_actions();
    sim.expect_answer_to("up", "ChangeConfiguration");
    sim.input_no_drain(Input::Frame(
        &json!([2, "up", "ChangeConfiguration", {"key": "SecurityProfile", "value": "2"}])
            .to_string(),
    ))
    .unwrap();
    sim.drain();
    let out = profile_outputs(&mut sim);
    let answer = out.iter().position(|o| o == "result").unwrap();
    let reconnect = out.iter().position(|o| o == "Reconnect(2)").unwrap();
    assert!(answer < reconnect, "{out:?}");
    sim.disconnect();
    sim.connect();
    for _ in 0..5 {
        sim.disconnect();
        sim.input(Input::ConnectFailed);
    }
    assert!(
        profile_outputs(&mut sim)
            .iter()
            .all(|o| !o.starts_with("Reconnect"))
    );
    assert_eq!(sim.cp.configuration().security_profile, 2);
}

/// A05.FR.08: a raise that cannot connect falls back to the previous profile after
/// `PROFILE_FALLBACK_ATTEMPTS` failed attempts: stored, reported
/// (ReconfigurationOfSecurityParameters) and a reconnection asked for with it.
#[test]
fn a_raise_that_cannot_connect_falls_back() {
    let mut sim = with_profile_1_on(with_root_certificate());
    // Profile 1 connected: it holds. Then a raise to 2 that never connects.
    sim.disconnect();
    sim.connect();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
    );
    sim.answer_all();
    sim.take_actions();
    sim.disconnect();
    for n in 1..ocpp_core::charge_point::PROFILE_FALLBACK_ATTEMPTS {
        sim.input(Input::ConnectFailed);
        assert!(
            profile_outputs(&mut sim).is_empty(),
            "no fallback after {n} failure(s)"
        );
    }
    sim.input(Input::ConnectFailed);
    assert_eq!(profile_outputs(&mut sim), ["Reconnect(1)"]);
    assert_eq!(sim.cp.configuration().security_profile, 1);
    // Stored, and reported once connected again.
    let mut sim = sim.restart(with_root_certificate());
    assert_eq!(sim.cp.configuration().security_profile, 1);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    let now = common::sim::cs_time(sim.now);
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
    let infos: Vec<Option<String>> = events(&mut sim)
        .into_iter()
        .filter(|(k, _)| k == "ReconfigurationOfSecurityParameters")
        .map(|(_, i)| i)
        .collect();
    assert!(
        infos.contains(&Some("SecurityProfile fallback to 1".to_owned())),
        "{infos:?}"
    );
}

/// A05.FR.08 across a power cut: a raise not yet proven by a connection is stored with the
/// profile to fall back to, so a restart during the failed attempts still falls back (and a
/// connection with the raised profile makes it final, A05.FR.09).
#[test]
fn a_pending_fallback_survives_a_power_cut() {
    let mut sim = with_profile_1_on(with_root_certificate());
    sim.disconnect();
    sim.connect();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
    );
    sim.answer_all();
    sim.take_actions();
    sim.disconnect();
    sim.input(Input::ConnectFailed);
    let mut sim = sim.restart(with_root_certificate());
    assert_eq!(sim.cp.configuration().security_profile, 2);
    for _ in 1..ocpp_core::charge_point::PROFILE_FALLBACK_ATTEMPTS {
        sim.input(Input::ConnectFailed);
        assert!(profile_outputs(&mut sim).is_empty());
    }
    sim.input(Input::ConnectFailed);
    assert_eq!(profile_outputs(&mut sim), ["Reconnect(1)"]);
    assert_eq!(sim.cp.configuration().security_profile, 1);

    // Raised again, connected: final, also after a restart.
    let mut sim = sim.restart(with_root_certificate());
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    let now = common::sim::cs_time(sim.now);
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
    sim.answer_all();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "SecurityProfile", "value": "2"}),
    );
    sim.answer_all();
    sim.take_actions();
    sim.disconnect();
    sim.connect();
    sim.answer_all();
    let mut sim = sim.restart(with_root_certificate());
    for _ in 0..ocpp_core::charge_point::PROFILE_FALLBACK_ATTEMPTS {
        sim.input(Input::ConnectFailed);
    }
    assert!(profile_outputs(&mut sim).is_empty());
    assert_eq!(sim.cp.configuration().security_profile, 2);
}

/// A long outage with the same refused certificate at every attempt: the repeats of a
/// non-critical event are reported once until the next connection (they would push out the
/// queued MeterValues); a different event, or the same after a connection, is reported again.
#[test]
fn repeats_of_an_offline_event_are_reported_once() {
    let mut sim = with_profile_1();
    events(&mut sim);
    sim.disconnect();
    for _ in 0..10 {
        sim.input(Input::SecurityEvent {
            kind: SecurityEvent::InvalidCentralSystemCertificate,
            tech_info: Some("UnknownIssuer"),
        });
    }
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidTLSVersion,
        tech_info: None,
    });
    sim.connect();
    assert_eq!(
        kinds(&events(&mut sim)),
        ["InvalidCentralSystemCertificate", "InvalidTLSVersion"]
    );
    sim.disconnect();
    sim.input(Input::SecurityEvent {
        kind: SecurityEvent::InvalidCentralSystemCertificate,
        tech_info: Some("UnknownIssuer"),
    });
    sim.connect();
    assert_eq!(
        kinds(&events(&mut sim)),
        ["InvalidCentralSystemCertificate"]
    );
}

/// Whitepaper §5.5/§5.6 ExtendedTriggerMessage: the messages TriggerMessage covers too are sent
/// after the Accepted answer; connectorId 0 is Rejected (§5.5 "connectorId > 0"); the ones of
/// security parts are served with the feature `profile-security` (LogStatusNotification:
/// tests/logs.rs; FirmwareStatusNotification: tests/signed_firmware.rs, L01.FR.28/29);
/// SignChargePointCertificate (A02) is Rejected by a charge point without a security module
/// (tests/certificates.rs has the rest).
#[test]
fn extended_trigger_message() {
    let mut sim = Sim::new(1);
    sim.boot();
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "StatusNotification", "connectorId": 1}),
    );
    assert_eq!(conf, json!({"status": "Accepted"}));
    let (id, p) = sim.find_call("StatusNotification");
    assert_eq!(p["connectorId"], 1);
    sim.reply(&id, json!({}));
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "Heartbeat"}),
    );
    assert_eq!(conf, json!({"status": "Accepted"}));
    let (id, _) = sim.find_call("Heartbeat");
    sim.reply(&id, json!({"currentTime": common::sim::cs_time(sim.now)}));
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "MeterValues", "connectorId": 0}),
    );
    assert_eq!(conf, json!({"status": "Rejected"}));
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    assert_eq!(conf, json!({"status": "Rejected"}));
}
