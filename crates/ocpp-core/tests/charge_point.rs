//! Scenario tests of the Core profile, driven through the public API with a fake clock and a
//! scripted central system (tests/common/sim.rs). Every frame the charge point sends is checked
//! against the official OCPP 1.6 schemas by the harness.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

mod common;

use common::sim::{Sent, Sim, energy, setup, tag};
use ocpp_core::charge_point::io::Input;
use ocpp_core::charge_point::{Action, Event, Instant, Reading, Registration};
use ocpp_core::v16::{ChargePointErrorCode, ChargePointStatus, Reason};
use serde_json::{Value, json};

fn statuses(calls: &[(String, Value)]) -> Vec<(u64, String)> {
    calls
        .iter()
        .filter(|(a, _)| a == "StatusNotification")
        .map(|(_, p)| {
            (
                p["connectorId"].as_u64().unwrap(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Plug, present a card that the central system accepts, and answer everything: a running
/// transaction with id 1000 + n.
fn start_session(sim: &mut Sim, connector: u32, card: &str) -> i64 {
    sim.event(Event::Meter {
        connector,
        readings: energy(1000),
    });
    sim.event(Event::Plugged { connector });
    sim.event(Event::IdTag {
        connector: Some(connector),
        id_tag: tag(card),
    });
    let (id, p) = sim.find_call("Authorize");
    assert_eq!(p, json!({"idTag": card}));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}),
    );
    let (id, p) = sim.find_call("StartTransaction");
    let tx = 4242;
    assert_eq!(p["connectorId"], json!(connector));
    assert_eq!(p["idTag"], json!(card));
    assert_eq!(p["meterStart"], json!(1000));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}, "transactionId": tx}),
    );
    sim.answer_all();
    tx
}

// ---------------------------------------------------------------------------------------------
// Boot (§4.2)

#[test]
fn boot_notification_is_the_first_message_and_reports_the_identity() {
    let mut sim = Sim::new(2);
    sim.expect_nothing_sent();
    sim.connect();
    let (_, p) = sim.expect_call("BootNotification");
    assert_eq!(
        p,
        json!({"chargePointModel": "TestModel", "chargePointSerialNumber": "SN-1", "chargePointVendor": "TestVendor", "firmwareVersion": "1.0.0"})
    );
    sim.expect_nothing_sent();
}

#[test]
fn accepted_boot_sets_clock_heartbeat_and_reports_every_connector() {
    let mut sim = Sim::new(2);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T12:00:00Z", "interval": 60}),
    );
    assert_eq!(sim.cp.registration(), Registration::Accepted);
    assert_eq!(
        sim.cp.wall_clock(sim.now).to_string(),
        "2024-05-01T12:00:00Z"
    );
    let calls = sim.answer_all();
    assert_eq!(
        statuses(&calls),
        vec![
            (0, "Available".into()),
            (1, "Available".into()),
            (2, "Available".into())
        ],
        "§4.9: every connector's status after boot"
    );
    // HeartbeatInterval from the response.
    sim.advance(59_000);
    sim.expect_nothing_sent();
    sim.advance(1_000);
    let (id, p) = sim.expect_call("Heartbeat");
    assert_eq!(p, json!({}));
    sim.reply(&id, json!({"currentTime": "2024-05-01T13:00:00Z"}));
    assert_eq!(
        sim.cp.wall_clock(sim.now).to_string(),
        "2024-05-01T13:00:00Z",
        "clock synchronised from Heartbeat"
    );
    sim.advance(60_000);
    sim.expect_call("Heartbeat");
}

#[test]
fn pending_and_rejected_boot_honour_the_interval_and_send_nothing_else() {
    let mut sim = Sim::new(1);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Pending", "currentTime": "2024-05-01T12:00:00Z", "interval": 30}),
    );
    assert_eq!(sim.cp.registration(), Registration::Pending);
    // §4.2: no other request while Pending (not even statuses), but CALLs are answered.
    sim.event(Event::Plugged { connector: 1 });
    let answer = sim.call_ok("GetConfiguration", json!({"key": ["HeartbeatInterval"]}));
    assert_eq!(
        answer["configurationKey"][0]["key"],
        json!("HeartbeatInterval")
    );
    // RemoteStartTransaction is not allowed while Pending.
    let answer = sim.call_ok("RemoteStartTransaction", json!({"idTag": "X"}));
    assert_eq!(answer, json!({"status": "Rejected"}));
    sim.advance(29_000);
    sim.expect_nothing_sent();
    sim.advance(1_000);
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Rejected", "currentTime": "2024-05-01T12:00:30Z", "interval": 100}),
    );
    assert_eq!(sim.cp.registration(), Registration::Rejected);
    // §4.2: while Rejected, CALLs from the central system are not answered.
    assert!(
        matches!(sim.call("GetConfiguration", json!({})), Sent::Call { .. }),
        "no answer while Rejected"
    );
    sim.advance(99_000);
    sim.expect_nothing_sent();
    sim.advance(1_000);
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T12:02:10Z", "interval": 300}),
    );
    let calls = sim.answer_all();
    // §9.1.6: the plugged cable's incipient session timed out (ConnectionTimeOut) while the
    // central system kept the charge point waiting.
    assert_eq!(
        statuses(&calls),
        vec![(0, "Available".into()), (1, "Available".into())]
    );
}

#[test]
fn boot_retries_after_a_timeout_and_after_interval_zero() {
    let mut sim = Sim::new(1);
    sim.connect();
    sim.expect_call("BootNotification");
    // No answer: after the call timeout the boot is sent again.
    sim.advance(30_000);
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Pending", "currentTime": "2024-05-01T12:00:00Z", "interval": 0}),
    );
    // Interval 0: the charge point chooses (60 s).
    sim.advance(59_999);
    sim.expect_nothing_sent();
    sim.advance(1);
    sim.expect_call("BootNotification");
}

#[test]
fn reconnect_after_acceptance_does_not_boot_again() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.disconnect();
    sim.advance(5_000);
    sim.connect();
    sim.expect_nothing_sent();
}

// ---------------------------------------------------------------------------------------------
// Inbound CALLs and errors

#[test]
fn inbound_calls_are_answered_while_our_call_is_in_flight() {
    let mut sim = Sim::new(1);
    sim.connect();
    sim.expect_call("BootNotification");
    // Boot in flight, unanswered: a CALL from the central system still gets its answer.
    let answer = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "30"}),
    );
    assert_eq!(answer, json!({"status": "Accepted"}));
}

#[test]
fn malformed_calls_get_the_right_callerror() {
    let mut sim = Sim::new(1);
    sim.boot();
    let cases = [
        (
            "Reset",
            json!({"type": "Medium"}),
            "TypeConstraintViolation",
        ),
        ("Reset", json!({}), "OccurenceConstraintViolation"),
        (
            "UnlockConnector",
            json!({"connectorId": "one"}),
            "TypeConstraintViolation",
        ),
        (
            "ChangeConfiguration",
            json!({"key": "K", "value": "v".repeat(501)}),
            "PropertyConstraintViolation",
        ),
        ("FlyToTheMoon", json!({}), "NotImplemented"),
        (
            "BootNotification",
            json!({"chargePointVendor": "x", "chargePointModel": "y"}),
            "NotSupported",
        ),
    ];
    for (action, payload, code) in cases {
        match sim.call(action, payload) {
            Sent::Error { code: c, .. } => assert_eq!(c, code, "{action}"),
            other => panic!("{action}: {other:?}"),
        }
    }
    sim.frame(r#"[2,"bad-1","Reset",{"type":"Soft"]"#);
    match sim.sent.pop_front() {
        Some(Sent::Error { id, code, .. }) => assert_eq!(
            (id.as_str(), code.as_str()),
            ("bad-1", "FormationViolation")
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Connectors (§4.9)

#[test]
fn status_follows_plug_transaction_and_fault() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Preparing".into())]);
    let _ = start_session(&mut sim, 1, "CARD1");
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ChargePointStatus::SuspendedEv)
    );
    sim.event(Event::EvCharging {
        connector: 1,
        charging: true,
    });
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Charging".into())]);
    sim.event(Event::Fault {
        connector: 1,
        error_code: ChargePointErrorCode::HighTemperature,
        info: Some("82 C".try_into().unwrap()),
        vendor_error_code: Some("T-82".try_into().unwrap()),
    });
    let calls = sim.answer_all();
    let (_, p) = calls
        .iter()
        .find(|(a, _)| a == "StatusNotification")
        .unwrap();
    assert_eq!(p["status"], json!("Faulted"));
    assert_eq!(p["errorCode"], json!("HighTemperature"));
    assert_eq!(p["info"], json!("82 C"));
    assert_eq!(p["vendorErrorCode"], json!("T-82"));
    assert!(sim.take_actions().contains(&Action::EnergyOffer {
        connector: 1,
        enabled: false
    }));
    sim.event(Event::FaultCleared { connector: 1 });
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Charging".into())]);
}

#[test]
fn minimum_status_duration_suppresses_short_blips() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "MinimumStatusDuration", "value": "5"})
        ),
        json!({"status": "Accepted"})
    );
    sim.event(Event::Plugged { connector: 1 });
    sim.advance(2_000);
    sim.event(Event::Unplugged { connector: 1 });
    sim.advance(10_000);
    sim.expect_nothing_sent();
    sim.event(Event::Plugged { connector: 1 });
    sim.advance(4_999);
    sim.expect_nothing_sent();
    sim.advance(1);
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Preparing".into())]);
}

// ---------------------------------------------------------------------------------------------
// Transactions (§4.8, §4.10)

#[test]
fn local_session_start_to_stop() {
    let mut sim = Sim::new(1);
    sim.boot();
    let tx = start_session(&mut sim, 1, "CARD1");
    let actions = sim.take_actions();
    assert!(
        actions.contains(&Action::EnergyOffer {
            connector: 1,
            enabled: true
        }),
        "{actions:?}"
    );
    assert!(actions.contains(&Action::TransactionStarted { connector: 1 }));
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(4500),
    });
    sim.advance(1_000);
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("card1"),
    });
    let (id, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(tx));
    assert_eq!(p["meterStop"], json!(4500));
    assert_eq!(
        p["idTag"],
        json!("card1"),
        "the same card, compared case-insensitively"
    );
    assert_eq!(p["reason"], json!("Local"));
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Finishing".into())]);
    sim.event(Event::Unplugged { connector: 1 });
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Available".into())]);
}

/// §4.9 (issue "Reliability": `tag` then `plug` within 50 ms skipped Preparing): with
/// MinimumStatusDuration 0 no status may be left out, even one that changed again before its
/// StatusNotification could go (an Authorize was in flight).
#[test]
fn a_card_then_the_cable_reports_preparing_before_charging() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1000),
    });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    sim.event(Event::Plugged { connector: 1 });
    let (id, _) = sim.expect_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let calls = sim.answer_all();
    // The EV has not drawn yet: SuspendedEV (§4.9), then Charging when it does.
    assert_eq!(
        statuses(&calls),
        vec![(1, "Preparing".into()), (1, "SuspendedEV".into())],
        "{calls:?}"
    );
    sim.event(Event::EvCharging {
        connector: 1,
        charging: true,
    });
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Charging".into())]);
}

#[test]
fn card_first_then_cable_within_connection_timeout() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ChargePointStatus::Preparing)
    );
    sim.advance(10_000);
    sim.event(Event::Plugged { connector: 1 });
    sim.find_call("StartTransaction");
}

#[test]
fn connection_timeout_cancels_an_incipient_session() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    // ConnectionTimeOut default: 60 s (§9.1.6).
    sim.advance(60_000);
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(1, "Available".into())]);
    sim.event(Event::Plugged { connector: 1 });
    let calls = sim.answer_all();
    assert!(
        calls.iter().all(|(a, _)| a != "StartTransaction"),
        "the authorization expired"
    );
}

#[test]
fn rejected_card_does_not_start() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("BAD"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Blocked"}}));
    let calls = sim.answer_all();
    assert!(calls.iter().all(|(a, _)| a != "StartTransaction"));
    assert!(sim.take_actions().iter().any(|a| matches!(a, Action::Authorization { status, .. } if *status == ocpp_core::v16::AuthorizationStatus::Blocked)));
}

#[test]
fn ev_side_disconnect_stops_the_transaction() {
    let mut sim = Sim::new(1);
    sim.boot();
    let tx = start_session(&mut sim, 1, "CARD1");
    sim.event(Event::Unplugged { connector: 1 });
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(tx));
    assert_eq!(p["reason"], json!("EVDisconnected"));
    assert!(p.get("idTag").is_none());
}

#[test]
fn parent_id_tag_lets_a_group_card_stop_the_transaction() {
    let mut sim = Sim::new(1);
    sim.boot();
    let tx = start_session(&mut sim, 1, "CARD1");
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD2"),
    });
    let (id, p) = sim.find_call("Authorize");
    assert_eq!(p, json!({"idTag": "CARD2"}));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}),
    );
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(
        (p["transactionId"].clone(), p["idTag"].clone()),
        (json!(tx), json!("CARD2"))
    );
}

#[test]
fn a_card_of_another_group_cannot_stop_it() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = start_session(&mut sim, 1, "CARD1");
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("STRANGER"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "OTHER"}}),
    );
    let calls = sim.answer_all();
    assert!(calls.iter().all(|(a, _)| a != "StopTransaction"));
    assert!(sim.cp.transaction(1).is_some());
}

#[test]
fn start_refused_by_central_system_stops_with_deauthorized() {
    let mut sim = Sim::new(1);
    sim.boot();
    // The cache accepts CARD9 locally (LocalPreAuthorize), the central system refuses it later.
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "LocalPreAuthorize", "value": "true"})
        ),
        json!({"status": "Accepted"})
    );
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD9"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    sim.event(Event::Plugged { connector: 1 });
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Invalid"}, "transactionId": 77}),
    );
    // StopTransactionOnInvalidId defaults to true (§9.1.24).
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(
        (p["transactionId"].clone(), p["reason"].clone()),
        (json!(77), json!("DeAuthorized"))
    );
}

// ---------------------------------------------------------------------------------------------
// Offline, queueing, retries (§3.7)

/// §4.2.1: a charge point without a preset real-time clock has no date before its first
/// BootNotification.conf. What is sent for a transaction started then (issue "Reliability":
/// documented, docs/integration.md "Time"): its timestamps count from 1970-01-01T00:00:00Z at
/// power-on. An integrator with an RTC feeds `Event::ClockSync` at start, and the timestamps
/// are right.
#[test]
fn a_transaction_before_the_first_boot_answer_is_stamped_from_the_clock_it_had() {
    for rtc in [false, true] {
        let mut sim = Sim::new(1);
        sim.boot();
        let _ = sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "AllowOfflineTxForUnknownId", "value": "true"}),
        );
        let mut sim = sim.restart(setup(1));
        let restart = sim.now;
        if rtc {
            sim.event(Event::ClockSync {
                now: ocpp_core::types::DateTime::parse("2024-05-01T13:00:00Z").unwrap(),
            });
        }
        sim.advance(5_000);
        sim.event(Event::Plugged { connector: 1 });
        sim.event(Event::IdTag {
            connector: Some(1),
            id_tag: tag("UNKNOWN"),
        });
        assert!(sim.cp.transaction(1).is_some());
        sim.connect();
        let (id, _) = sim.expect_call("BootNotification");
        sim.reply(
            &id,
            json!({"status": "Accepted", "currentTime": "2024-05-01T13:00:10Z", "interval": 300}),
        );
        let (_, p) = sim.find_call("StartTransaction");
        let expected = if rtc {
            "2024-05-01T13:00:05Z"
        } else {
            "1970-01-01T00:00:05Z"
        };
        assert_eq!(
            p["timestamp"],
            json!(expected),
            "rtc {rtc}, restart at {restart:?}"
        );
    }
}

#[test]
fn offline_transaction_is_delivered_in_order_with_original_timestamps() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "AllowOfflineTxForUnknownId", "value": "true"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "MeterValueSampleInterval", "value": "60"})
        ),
        json!({"status": "Accepted"})
    );
    sim.disconnect();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(100),
    });
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("UNKNOWN"),
    });
    assert!(
        sim.cp.transaction(1).is_some(),
        "AllowOfflineTxForUnknownId"
    );
    let started = sim.cp.wall_clock(sim.now).to_string();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(700),
    });
    sim.advance(60_000);
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1300),
    });
    sim.advance(30_000);
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("UNKNOWN"),
    });
    let stopped = sim.cp.wall_clock(sim.now).to_string();
    assert_eq!(
        sim.cp.queued_transaction_messages(),
        3,
        "Start, MeterValues, Stop"
    );
    sim.advance(600_000);
    sim.connect();
    let (id, p) = sim.find_call("StartTransaction");
    assert_eq!(p["timestamp"], json!(started));
    assert_eq!(p["meterStart"], json!(100));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 555}),
    );
    let (id, p) = sim.find_call("MeterValues");
    assert_eq!(
        p["transactionId"],
        json!(555),
        "the id the central system gave later"
    );
    assert_eq!(p["meterValue"][0]["sampledValue"][0]["value"], json!("700"));
    sim.reply(&id, json!({}));
    let (id, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(555));
    assert_eq!(p["timestamp"], json!(stopped));
    assert_eq!(p["meterStop"], json!(1300));
    sim.reply(&id, json!({}));
    assert_eq!(sim.cp.queued_transaction_messages(), 0);
}

#[test]
fn transaction_message_retries_follow_attempts_and_interval() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "TransactionMessageAttempts", "value": "3"}),
    );
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "TransactionMessageRetryInterval", "value": "60"}),
    );
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 5}),
    );
    sim.answer_all();
    // Stop, and fail the StopTransaction three times (§3.7.1 example: 60 s, then 120 s).
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply_error(&id, "InternalError");
    sim.advance(59_999);
    assert!(
        sim.sent
            .iter()
            .all(|s| !matches!(s, Sent::Call { action, .. } if action == "StopTransaction"))
    );
    sim.advance(1);
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply_error(&id, "InternalError");
    sim.advance(119_999);
    assert!(
        sim.sent
            .iter()
            .all(|s| !matches!(s, Sent::Call { action, .. } if action == "StopTransaction"))
    );
    sim.advance(1);
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply_error(&id, "InternalError");
    // Third failure: discarded.
    assert_eq!(sim.cp.queued_transaction_messages(), 0);
}

/// §3.7.1 across a power cycle (issue "Reliability"): a StopTransaction the central system
/// refused once waits its back-off again after the restart, instead of going at once (a charge
/// point restarting in a loop would otherwise resend it in a loop).
#[test]
fn a_refused_transaction_message_keeps_its_back_off_across_a_restart() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "TransactionMessageRetryInterval", "value": "60"}),
    );
    start_session(&mut sim, 1, "CARD1");
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply_error(&id, "InternalError");
    let mut sim = sim.restart(setup(1));
    sim.boot();
    // `boot` answers every CALL sent: the StopTransaction was not among them.
    assert_eq!(
        sim.cp.queued_transaction_messages(),
        1,
        "not at once after the restart"
    );
    sim.advance(59_000);
    assert!(
        sim.sent
            .iter()
            .all(|s| !matches!(s, Sent::Call { action, .. } if action == "StopTransaction"))
    );
    sim.advance(1_000);
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply(&id, json!({}));
    assert_eq!(sim.cp.queued_transaction_messages(), 0);
}

#[test]
fn queued_messages_survive_a_restart_and_an_interrupted_transaction_is_stopped() {
    let mut sim = Sim::new(1);
    sim.boot();
    let tx = start_session(&mut sim, 1, "CARD1");
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(2500),
    });
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "10"}),
    );
    sim.advance(10_000);
    sim.answer_all();
    sim.disconnect();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(3100),
    });
    sim.advance(10_000);
    // Power loss now: a new charge point from the same storage.
    let mut sim = sim.restart(setup(1));
    assert_eq!(
        sim.cp.configuration().meter_value_sample_interval,
        10,
        "changed configuration survives"
    );
    assert!(sim.cp.transaction(1).is_none());
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T14:00:00Z", "interval": 300}),
    );
    let (id, p) = sim.find_call("MeterValues");
    assert_eq!(p["transactionId"], json!(tx));
    sim.reply(&id, json!({}));
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(tx));
    assert_eq!(p["reason"], json!("PowerLoss"));
    assert_eq!(p["meterStop"], json!(3100), "the last sampled meter value");
}

// ---------------------------------------------------------------------------------------------
// Remote operations (§5)

#[test]
fn remote_start_and_stop() {
    let mut sim = Sim::new(2);
    sim.boot();
    sim.event(Event::Meter {
        connector: 2,
        readings: energy(10),
    });
    sim.event(Event::Plugged { connector: 2 });
    sim.answer_all();
    // AuthorizeRemoteTxRequests false by default: no Authorize.
    let answer = sim.call_ok("RemoteStartTransaction", json!({"idTag": "APP1"}));
    assert_eq!(answer, json!({"status": "Accepted"}));
    let (id, p) = sim.find_call("StartTransaction");
    assert_eq!(
        (p["connectorId"].clone(), p["idTag"].clone()),
        (json!(2), json!("APP1")),
        "the plugged connector was chosen"
    );
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 9}),
    );
    sim.answer_all();
    assert_eq!(
        sim.call_ok("RemoteStopTransaction", json!({"transactionId": 8})),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        sim.call_ok("RemoteStopTransaction", json!({"transactionId": 9})),
        json!({"status": "Accepted"})
    );
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(
        (p["transactionId"].clone(), p["reason"].clone()),
        (json!(9), json!("Remote"))
    );
}

#[test]
fn remote_start_with_authorize_remote_tx_requests() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "AuthorizeRemoteTxRequests", "value": "true"}),
    );
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP1"})
        ),
        json!({"status": "Accepted"})
    );
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    sim.event(Event::Plugged { connector: 1 });
    sim.find_call("StartTransaction");
}

#[test]
fn remote_start_refuses_busy_or_unknown_connectors_and_non_tx_profiles() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = start_session(&mut sim, 1, "CARD1");
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP1"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 7, "idTag": "APP1"})
        ),
        json!({"status": "Rejected"})
    );
    let profile = json!({"chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}]}});
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"idTag": "APP1", "chargingProfile": profile})
        ),
        json!({"status": "Rejected"})
    );
}

#[test]
fn unlock_connector_stops_the_transaction_and_waits_for_the_hardware() {
    let mut sim = Sim::new(1);
    sim.boot();
    let tx = start_session(&mut sim, 1, "CARD1");
    sim.take_actions();
    let pending = sim.call("UnlockConnector", json!({"connectorId": 1}));
    assert!(
        matches!(pending, Sent::Call { .. }),
        "the answer waits for the hardware"
    );
    assert!(
        sim.take_actions()
            .contains(&Action::Unlock { connector: 1 })
    );
    sim.event(Event::UnlockResult {
        connector: 1,
        unlocked: true,
    });
    assert_eq!(sim.take_result(), Some(json!({"status": "Unlocked"})));
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(
        (p["transactionId"].clone(), p["reason"].clone()),
        (json!(tx), json!("UnlockCommand"))
    );
    // Without an answer from the hardware: UnlockFailed after the deferral timeout.
    let _ = sim.call("UnlockConnector", json!({"connectorId": 1}));
    sim.advance(5_000);
    assert_eq!(sim.take_result(), Some(json!({"status": "UnlockFailed"})));
}

/// Deferred answers each keep an answer slot, so at most two wait (`MAX_ANSWERS`): with two
/// UnlockConnector answers waiting for the hardware, a third CALL gets the CALLERROR for a
/// charge point that is busy, and both deferred answers still come.
#[test]
fn two_deferred_answers_hold_both_answer_slots() {
    let mut sim = Sim::new(2);
    sim.boot();
    sim.take_actions();
    for c in 1..=2 {
        let pending = sim.call("UnlockConnector", json!({"connectorId": c}));
        assert!(
            matches!(pending, Sent::Call { .. }),
            "waits for the hardware"
        );
    }
    let third = sim.call(
        "ChangeAvailability",
        json!({"connectorId": 1, "type": "Inoperative"}),
    );
    assert!(
        matches!(&third, Sent::Error { code, .. } if code == "InternalError"),
        "{third:?}"
    );
    for c in 1..=2 {
        sim.event(Event::UnlockResult {
            connector: c,
            unlocked: true,
        });
        assert_eq!(sim.take_result(), Some(json!({"status": "Unlocked"})));
    }
}

#[test]
fn change_availability_is_scheduled_during_a_transaction() {
    let mut sim = Sim::new(2);
    sim.boot();
    let _ = start_session(&mut sim, 1, "CARD1");
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        ),
        json!({"status": "Scheduled"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 3, "type": "Inoperative"})
        ),
        json!({"status": "Rejected"})
    );
    let calls = sim.answer_all();
    assert_eq!(statuses(&calls), vec![(2, "Unavailable".into())]);
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    sim.event(Event::Unplugged { connector: 1 });
    let calls = sim.answer_all();
    assert!(
        statuses(&calls).contains(&(1, "Unavailable".into())),
        "{calls:?}"
    );
    // Persisted across restarts (§5.2).
    let mut sim = sim.restart(setup(2));
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ChargePointStatus::Unavailable)
    );
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Operative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ChargePointStatus::Available)
    );
}

#[test]
fn reset_stops_transactions_then_asks_for_the_restart() {
    for (kind, reason) in [("Soft", "SoftReset"), ("Hard", "HardReset")] {
        let mut sim = Sim::new(1);
        sim.boot();
        let tx = start_session(&mut sim, 1, "CARD1");
        sim.take_actions();
        assert_eq!(
            sim.call_ok("Reset", json!({"type": kind})),
            json!({"status": "Accepted"})
        );
        let (id, p) = sim.find_call("StopTransaction");
        assert_eq!(
            (p["transactionId"].clone(), p["reason"].clone()),
            (json!(tx), json!(reason))
        );
        assert!(
            !sim.take_actions()
                .iter()
                .any(|a| matches!(a, Action::Reset { .. })),
            "not before the StopTransaction is answered"
        );
        sim.reply(&id, json!({}));
        sim.advance(1);
        assert!(
            sim.take_actions()
                .iter()
                .any(|a| matches!(a, Action::Reset { .. }))
        );
    }
}

/// §5.14: with no transaction to stop, the charge point restarts as soon as Reset.conf is sent,
/// not after the grace it gives undelivered StopTransactions (`RESET_GRACE_MS`).
#[test]
fn reset_with_nothing_to_deliver_restarts_at_once() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.advance(5_000);
    sim.take_actions();
    let before = sim.now;
    assert_eq!(
        sim.call_ok("Reset", json!({"type": "Soft"})),
        json!({"status": "Accepted"})
    );
    assert!(
        !sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. })),
        "the restart comes after Reset.conf is out, at the next timeout"
    );
    // The charge point asks to be woken at once, not RESET_GRACE_MS later.
    assert!(
        sim.deadline.is_some_and(|t| t <= before),
        "deadline {:?}, now {before:?}",
        sim.deadline
    );
    sim.advance(0);
    assert_eq!(sim.now, before);
    assert!(
        sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. }))
    );
}

#[test]
fn data_transfer_to_unknown_and_registered_vendors() {
    let mut s = setup(1);
    s.data_transfer_vendors.push("com.example".into()).unwrap();
    let mut sim = Sim::with(s, common::sim::Store::new(), Instant(0));
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "DataTransfer",
            json!({"vendorId": "org.other", "data": "x"})
        ),
        json!({"status": "UnknownVendorId"})
    );
    let pending = sim.call(
        "DataTransfer",
        json!({"vendorId": "com.example", "messageId": "Ping", "data": "hello"}),
    );
    assert!(matches!(pending, Sent::Call { .. }));
    assert!(sim.take_actions().contains(&Action::DataTransferRequested));
    let req = sim.cp.data_transfer_request().unwrap();
    assert_eq!(
        (req.vendor_id.as_str(), req.data.as_deref()),
        ("com.example", Some("hello"))
    );
    let pong = "pong".try_into().unwrap();
    sim.input(Input::DataTransferAnswer {
        status: ocpp_core::v16::DataTransferStatus::Accepted,
        data: Some(&pong),
    });
    let answer = sim.sent.iter().find_map(|s| match s {
        Sent::Result { payload, .. } => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(answer, Some(json!({"status": "Accepted", "data": "pong"})));
    sim.sent.clear();

    // The method answers the same way.
    sim.call(
        "DataTransfer",
        json!({"vendorId": "com.example", "messageId": "Ping", "data": "again"}),
    );
    assert!(sim.take_actions().contains(&Action::DataTransferRequested));
    sim.cp
        .answer_data_transfer(ocpp_core::v16::DataTransferStatus::Accepted, Some("pong 2"));
    sim.drain();
    assert_eq!(
        sim.take_result(),
        Some(json!({"status": "Accepted", "data": "pong 2"}))
    );
    // Without an answer from the integrator: Rejected, without data, after the deferral
    // timeout; the request is gone.
    sim.call(
        "DataTransfer",
        json!({"vendorId": "com.example", "messageId": "Ping", "data": "late"}),
    );
    assert!(sim.take_actions().contains(&Action::DataTransferRequested));
    assert_eq!(sim.take_result(), None);
    sim.advance(ocpp_core::charge_point::DEFERRED_ANSWER_TIMEOUT_MS);
    assert_eq!(sim.take_result(), Some(json!({"status": "Rejected"})));
    assert!(sim.cp.data_transfer_request().is_none());
}

/// The integrator's DataTransfer answer keeps its data in the request's slot until the answer
/// is written (no answer slot is sized for 1 KB of data): meanwhile the request is no longer
/// readable and cannot be answered twice; a disconnection (which drops unsent answers) frees
/// the slot, and the next request is handed over as usual; an answer without data frees it at
/// once.
#[test]
fn data_transfer_answer_data_waits_in_the_request_slot() {
    use ocpp_core::charge_point::Refused;
    use ocpp_core::v16::DataTransferStatus;
    type Data = ocpp_core::types::BoundedString<{ ocpp_core::limits::DATA_TRANSFER_DATA_MAX_LEN }>;
    fn answer(data: Option<&Data>) -> Input<'_> {
        Input::DataTransferAnswer {
            status: DataTransferStatus::Accepted,
            data,
        }
    }
    let mut s = setup(1);
    s.data_transfer_vendors.push("com.example".into()).unwrap();
    let mut sim = Sim::with(s, common::sim::Store::new(), Instant(0));
    sim.boot();
    let ask = |sim: &mut Sim, data: &str| {
        sim.call(
            "DataTransfer",
            json!({"vendorId": "com.example", "data": data}),
        );
        assert!(sim.take_actions().contains(&Action::DataTransferRequested));
        assert_eq!(
            sim.cp.data_transfer_request().unwrap().data.as_deref(),
            Some(data)
        );
    };
    let text = |d: &str| -> Data { d.try_into().unwrap() };
    ask(&mut sim, "one");
    // Answered, not yet written: the request is gone for the integrator.
    let (one, again) = (text("1"), text("again"));
    assert_eq!(sim.input_no_drain(answer(Some(&one))), Ok(()));
    assert!(sim.cp.data_transfer_request().is_none());
    assert_eq!(
        sim.input_no_drain(answer(Some(&again))),
        Err(Refused::NothingToAnswer)
    );
    // The transport drops before the answer is written: the slot is free again.
    sim.disconnect();
    sim.connect();
    ask(&mut sim, "two");
    let full = text(&"d".repeat(ocpp_core::limits::DATA_TRANSFER_DATA_MAX_LEN));
    sim.input(answer(Some(&full)));
    let last = sim.sent.iter().rev().find_map(|s| match s {
        Sent::Result { payload, .. } => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(
        last.unwrap()["data"].as_str().map(str::len),
        Some(ocpp_core::limits::DATA_TRANSFER_DATA_MAX_LEN),
        "1 KB of data answered in full"
    );
    ask(&mut sim, "three");
    sim.input(answer(None));
    let last = sim.sent.iter().rev().find_map(|s| match s {
        Sent::Result { payload, .. } => Some(payload.clone()),
        _ => None,
    });
    assert_eq!(last, Some(json!({"status": "Accepted"})));
    ask(&mut sim, "four");
}

// §5.8 / §6.24: unknown keys are echoed in unknownKey as the central system spelled them; known
// ones are answered under their own name, in request order, duplicates kept; a request of only
// unknown keys has no configurationKey. §9.1.9 GetConfigurationMaxKeys (64): 64 keys are answered
// in full, 65 are a CALLERROR OccurenceConstraintViolation (as when the request was decoded into
// a list of 64); so are more than 816 bytes of unknown names (17 of 50 characters), which the
// compact answer cannot keep (see outbox/keys.rs).
#[test]
fn get_configuration_echoes_unknown_keys_within_its_bounds() {
    let mut sim = Sim::new(1);
    sim.boot();
    let a = sim.call_ok(
        "GetConfiguration",
        json!({"key": ["nosuch", "heartbeatinterval", "Other", "HeartbeatInterval"]}),
    );
    assert_eq!(a["unknownKey"], json!(["nosuch", "Other"]));
    let known: Vec<&str> = a["configurationKey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(known, ["HeartbeatInterval", "HeartbeatInterval"]);
    assert_eq!(
        sim.call_ok("GetConfiguration", json!({"key": ["X"]})),
        json!({"unknownKey": ["X"]})
    );
    let many =
        |n: usize, len: usize| -> Vec<String> { (0..n).map(|i| format!("{i:X<len$}")).collect() };
    let a = sim.call_ok("GetConfiguration", json!({"key": many(64, 10)}));
    assert_eq!(a["unknownKey"], json!(many(64, 10)));
    let a = sim.call_ok("GetConfiguration", json!({"key": many(16, 50)}));
    assert_eq!(a["unknownKey"], json!(many(16, 50)));
    for keys in [many(65, 2), many(17, 50)] {
        match sim.call("GetConfiguration", json!({ "key": keys })) {
            Sent::Error { code, .. } => assert_eq!(code, "OccurenceConstraintViolation"),
            other => panic!("expected a CALLERROR, got {other:?}"),
        }
    }
}

#[test]
fn data_transfer_from_the_charge_point_one_at_a_time() {
    use ocpp_core::charge_point::Refused;
    use ocpp_core::v16::{DataTransferRequest, DataTransferStatus};
    let request = |data: &str| DataTransferRequest {
        vendor_id: "com.example".try_into().unwrap(),
        message_id: Some("Ping".try_into().unwrap()),
        data: Some(data.try_into().unwrap()),
    };
    let mut sim = Sim::new(1);
    sim.boot();
    sim.answer_all();
    sim.take_actions();
    sim.input(Input::SendDataTransfer(&request("one")));
    let (id, payload) = sim.find_call("DataTransfer");
    assert_eq!(
        payload,
        json!({"vendorId": "com.example", "messageId": "Ping", "data": "one"})
    );
    // §4.3: one at a time.
    assert_eq!(
        sim.input_no_drain(Input::SendDataTransfer(&request("two"))),
        Err(Refused::Busy)
    );
    assert_eq!(sim.cp.data_transfer_answer(), None);
    sim.reply(&id, json!({"status": "Accepted", "data": "pong"}));
    assert!(sim.take_actions().contains(&Action::DataTransferAnswered {
        status: Some(DataTransferStatus::Accepted)
    }));
    let answer = sim.cp.data_transfer_answer().unwrap();
    assert_eq!(
        (answer.status, answer.data.as_deref()),
        (DataTransferStatus::Accepted, Some("pong"))
    );
    // The next request may go; its CALLERROR leaves no answer.
    sim.input(Input::SendDataTransfer(&request("two")));
    let (id, payload) = sim.find_call("DataTransfer");
    assert_eq!(payload["data"], "two");
    sim.reply_error(&id, "NotImplemented");
    assert!(
        sim.take_actions()
            .contains(&Action::DataTransferAnswered { status: None })
    );
    assert_eq!(sim.cp.data_transfer_answer(), None);
    sim.input(Input::SendDataTransfer(&request("three")));
    assert_eq!(sim.find_call("DataTransfer").1["data"], "three");
}

#[test]
fn get_and_change_configuration() {
    let mut sim = Sim::new(1);
    sim.boot();
    let all = sim.call_ok("GetConfiguration", json!({}));
    let keys: Vec<&str> = all["configurationKey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    for k in [
        "HeartbeatInterval",
        "MeterValuesSampledData",
        "NumberOfConnectors",
        "SupportedFeatureProfiles",
        "TransactionMessageAttempts",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    let some = sim.call_ok(
        "GetConfiguration",
        json!({"key": ["HeartbeatInterval", "NoSuchKey"]}),
    );
    assert_eq!(some["configurationKey"].as_array().unwrap().len(), 1);
    assert_eq!(some["unknownKey"], json!(["NoSuchKey"]));
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "NoSuchKey", "value": "1"})
        ),
        json!({"status": "NotSupported"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "NumberOfConnectors", "value": "4"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "HeartbeatInterval", "value": "-5"})
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "HeartbeatInterval", "value": "120"})
        ),
        json!({"status": "Accepted"})
    );
    // Rescheduled at once.
    sim.advance(120_000);
    sim.find_call("Heartbeat");
}

#[test]
fn clear_cache() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok("ClearCache", json!({})),
        json!({"status": "Accepted"})
    );
}

#[test]
fn stop_transaction_carries_transaction_data_when_configured() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "StopTxnSampledData", "value": "Energy.Active.Import.Register"}),
    );
    let tx = start_session(&mut sim, 1, "CARD1");
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1800),
    });
    sim.event(Event::StopRequested {
        connector: 1,
        reason: Reason::EmergencyStop,
    });
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(tx));
    assert_eq!(p["reason"], json!("EmergencyStop"));
    let data = p["transactionData"].as_array().unwrap();
    assert!(data.len() >= 2, "{p}");
    assert_eq!(
        data[0]["sampledValue"][0]["context"],
        json!("Transaction.Begin")
    );
    assert_eq!(
        data[data.len() - 1]["sampledValue"][0]["context"],
        json!("Transaction.End")
    );
    assert_eq!(
        data[data.len() - 1]["sampledValue"][0]["value"],
        json!("1800")
    );
}

#[test]
fn periodic_and_clock_aligned_meter_values() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "60"}),
    );
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "ClockAlignedDataInterval", "value": "900"}),
    );
    let _ = sim.call_ok("ChangeConfiguration", json!({"key": "MeterValuesSampledData", "value": "Energy.Active.Import.Register,Power.Active.Import"}));
    let tx = start_session(&mut sim, 1, "CARD1");
    let mut readings = energy(2000);
    readings.power_active_import_w = Some(Reading::from(7200u32));
    sim.event(Event::Meter {
        connector: 1,
        readings,
    });
    // Collect every MeterValues over 15 minutes (the session started at 12:00:00).
    let mut values = Vec::new();
    for _ in 0..(15 * 6) {
        sim.advance(10_000);
        values.extend(
            sim.answer_all()
                .into_iter()
                .filter(|(a, _)| a == "MeterValues")
                .map(|(_, p)| p),
        );
    }
    let periodic: Vec<&Value> = values
        .iter()
        .filter(|p| p["meterValue"][0]["sampledValue"][0]["context"] == json!("Sample.Periodic"))
        .collect();
    let aligned: Vec<&Value> = values
        .iter()
        .filter(|p| p["meterValue"][0]["sampledValue"][0]["context"] == json!("Sample.Clock"))
        .collect();
    // §9.1.19: one periodic sample a minute, all in the transaction.
    assert_eq!(periodic.len(), 15, "{values:?}");
    let p = periodic[0];
    assert_eq!(p["transactionId"], json!(tx));
    let sv = &p["meterValue"][0]["sampledValue"];
    assert_eq!(sv[0]["measurand"], json!("Energy.Active.Import.Register"));
    assert_eq!(sv[0]["value"], json!("2000"));
    assert_eq!(sv[1]["measurand"], json!("Power.Active.Import"));
    assert_eq!(sv[1]["value"], json!("7200"));
    // §9.1.5: clock-aligned on the quarter hours, stamped with the boundary.
    let stamps: Vec<&Value> = aligned
        .iter()
        .map(|p| &p["meterValue"][0]["timestamp"])
        .collect();
    assert_eq!(
        stamps,
        vec![
            &json!("2024-05-01T12:00:00Z"),
            &json!("2024-05-01T12:15:00Z")
        ],
        "{values:?}"
    );
}

#[test]
fn a_stop_transaction_too_large_for_the_buffer_goes_without_transaction_data() {
    let mut sim = Sim::new(1);
    sim.boot();
    let _ = sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "StopTxnSampledData", "value": "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage"}),
    );
    let tx = start_session(&mut sim, 1, "CARD1");
    let mut readings = energy(5000);
    readings.power_active_import_w = Some(Reading::from(11_000u32));
    readings.current_import_a = [Some(Reading::from(16u32)); 3];
    readings.voltage_v = [Some(Reading::from(230u32)); 3];
    sim.event(Event::Meter {
        connector: 1,
        readings,
    });
    // Room for a plain StopTransaction, not for its transactionData.
    sim.buf_len = 400;
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(p["transactionId"], json!(tx));
    assert_eq!(
        p["meterStop"],
        json!(5000),
        "the stop is delivered: it is what bills"
    );
    assert!(p.get("transactionData").is_none());
}

#[test]
fn unlock_connector_without_a_lock_is_not_supported() {
    let mut s = setup(1);
    s.connector_lock = false;
    let mut sim = Sim::with(s, common::sim::Store::new(), Instant(0));
    sim.boot();
    assert_eq!(
        sim.call_ok("UnlockConnector", json!({"connectorId": 1})),
        json!({"status": "NotSupported"})
    );
}

#[test]
fn message_ids_are_consecutive() {
    let mut sim = Sim::new(1);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    assert_eq!(id, "1");
    // Polling with nothing to send uses up no id.
    sim.drain();
    sim.drain();
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T12:00:00Z", "interval": 300}),
    );
    let (id, _) = sim.expect_call("StatusNotification");
    assert_eq!(id, "2");
}

#[test]
fn an_inoperative_connector_starts_no_transaction() {
    // §5.2: Inoperative means not available for charging.
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    sim.answer_all();
    assert!(sim.cp.transaction(1).is_none());
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP"})
        ),
        json!({"status": "Rejected"})
    );
}

/// A stored record that cannot be decoded at start (corrupt, another format) is dropped and
/// reported (`Action::StorageFailed`), and the charge point works from that record's defaults;
/// the other records are restored (issue "Reliability": the storage fuzz target checks the same
/// for arbitrary bytes).
#[test]
fn damaged_records_are_dropped_and_reported_at_start() {
    use ocpp_core::charge_point::{RecordKey, Storage};
    for key in RecordKey::ALL {
        let mut sim = Sim::new(1);
        sim.boot();
        let _ = sim.call_ok(
            "ChangeConfiguration",
            json!({"key": "HeartbeatInterval", "value": "123"}),
        );
        let mut store = sim.cp.into_storage();
        store
            .store(key, b"\xff\xfe not a record of any kind")
            .unwrap();
        let mut sim = Sim::with(setup(1), store, Instant(5_000));
        let actions = sim.take_actions();
        assert_eq!(
            actions
                .iter()
                .filter(|a| matches!(a, Action::StorageFailed { .. }))
                .collect::<Vec<_>>(),
            [&Action::StorageFailed { key }],
            "{key:?}"
        );
        // The configuration came back unless it was the damaged one.
        let heartbeat = sim.cp.configuration().heartbeat_interval;
        assert_eq!(heartbeat == 123, key != RecordKey::Configuration, "{key:?}");
        sim.boot();
        assert_eq!(sim.cp.registration(), Registration::Accepted, "{key:?}");
    }
}
