//! The loop's contract (one input, one output): what happens when a caller breaks the drain rule
//! (nothing safety-related is lost, answers beyond their slots get a CALLERROR), inputs the charge
//! point refuses, and records written during the drain.
#![allow(clippy::unwrap_used, clippy::panic, clippy::missing_panics_doc)]

mod common;

use common::sim::{Sim, energy, setup, tag};
use ocpp_core::charge_point::io::{Input, Refused};
use ocpp_core::charge_point::{Action, Event, RecordKey};
use ocpp_core::v16::{ChargePointErrorCode, ChargePointStatus};
use serde_json::json;

/// Boots `sim` and starts a transaction on `connector` (Authorize and StartTransaction answered).
fn in_transaction(sim: &mut Sim, connector: u32) {
    sim.boot();
    sim.event(Event::Meter {
        connector,
        readings: energy(1000),
    });
    sim.event(Event::Plugged { connector });
    sim.event(Event::IdTag {
        connector: Some(connector),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 7}),
    );
    sim.answer_all();
    assert!(sim.cp.transaction(connector).is_some());
    sim.take_actions();
}

fn fault(connector: u32) -> Event {
    Event::Fault {
        connector,
        error_code: ChargePointErrorCode::GroundFailure,
        info: None,
        vendor_error_code: None,
    }
}

/// The energy-offer actions for `connector`, in order.
fn offers(actions: &[Action], connector: u32) -> Vec<bool> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::EnergyOffer {
                connector: c,
                enabled,
            } if *c == connector => Some(*enabled),
            _ => None,
        })
        .collect()
}

#[test]
fn a_flood_of_inputs_without_a_drain_loses_no_safety_action() {
    let mut sim = Sim::new(2);
    in_transaction(&mut sim, 1);
    // Offline, idTags are judged locally: each one is a report (Authorization) at once.
    sim.disconnect();
    for n in 0..40u32 {
        sim.input_no_drain(Input::Event(fault(1))).unwrap();
        sim.input_no_drain(Input::Event(Event::FaultCleared { connector: 1 }))
            .unwrap();
        sim.input_no_drain(Input::Event(Event::Meter {
            connector: 1,
            readings: energy(1000 + n),
        }))
        .unwrap();
        sim.input_no_drain(Input::Event(Event::Plugged { connector: 2 }))
            .unwrap();
        let card = if n % 2 == 0 {
            "CARD1".to_owned()
        } else {
            format!("OTHER{n}")
        };
        sim.input_no_drain(Input::Event(Event::IdTag {
            connector: Some(2),
            id_tag: tag(&card),
        }))
        .unwrap();
        sim.input_no_drain(Input::Event(Event::Unplugged { connector: 2 }))
            .unwrap();
    }
    sim.input_no_drain(Input::Event(fault(1))).unwrap();
    let dropped = sim.drain_lossy();
    assert!(
        dropped > 0,
        "the flood overflows the report queue (else this test tests nothing)"
    );
    let actions = sim.take_actions();
    let offers = offers(&actions, 1);
    assert_eq!(
        offers.last(),
        Some(&false),
        "the latest energy offer of connector 1 must be off after the last Fault (dropped: \
         {dropped}; actions: {actions:?})"
    );
    assert_eq!(
        offers.len(),
        1,
        "energy offers coalesce in their slot: one per connector ({actions:?})"
    );
    // The charge point is consistent afterwards: the transaction runs, suspended.
    assert!(sim.cp.transaction(1).is_some());
    sim.connect();
    sim.answer_all();
    sim.advance(1_000);
    sim.answer_all();
    assert_eq!(sim.cp.connector_status(1), Some(ChargePointStatus::Faulted));
}

#[test]
fn a_third_call_without_a_drain_gets_a_callerror_and_has_no_effect() {
    let mut sim = Sim::new(2);
    sim.boot();
    sim.raw.clear();
    sim.take_actions();
    let calls = [
        (
            "a-1",
            "ChangeAvailability",
            json!({"connectorId": 1, "type": "Inoperative"}),
        ),
        (
            "a-2",
            "GetConfiguration",
            json!({"key": ["HeartbeatInterval"]}),
        ),
        (
            "a-3",
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"}),
        ),
    ];
    for (id, action, payload) in &calls {
        sim.expect_answer_to(id, action);
        let text = json!([2, id, action, payload]).to_string();
        sim.input_no_drain(Input::Frame(&text)).unwrap();
    }
    assert_eq!(sim.drain_lossy(), 0, "a CALLERROR is not a loss");
    assert_eq!(
        &sim.raw[..3],
        &[
            r#"[3,"a-1",{"status":"Accepted"}]"#.to_owned(),
            r#"[3,"a-2",{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"300"}]}]"#
                .to_owned(),
            r#"[4,"a-3","InternalError","busy: previous CALLs are not answered yet",{}]"#
                .to_owned(),
        ],
        "all frames: {:?}",
        sim.raw
    );
    // The first took effect, the third did not.
    let statuses: Vec<(u32, String)> = sim
        .answer_all()
        .into_iter()
        .filter(|(a, _)| a == "StatusNotification")
        .map(|(_, p)| {
            (
                u32::try_from(p["connectorId"].as_u64().unwrap()).unwrap(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses, vec![(1, "Unavailable".to_owned())]);
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ChargePointStatus::Unavailable)
    );
    assert_eq!(
        sim.cp.connector_status(2),
        Some(ChargePointStatus::Available)
    );
    // Asked again, with a drain, the third is carried out.
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.cp.connector_status(2),
        Some(ChargePointStatus::Unavailable)
    );
}

#[test]
fn a_third_clear_cache_without_a_drain_keeps_the_cache() {
    let mut sim = Sim::new(1);
    sim.boot();
    // An idTag in the cache: presented and accepted by the central system.
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CACHED"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    let cache = sim
        .cp
        .storage()
        .get(RecordKey::AuthorizationCache)
        .map(<[u8]>::to_vec);
    assert!(cache.is_some(), "the accepted idTag is cached");
    sim.raw.clear();
    // (The second is not a GetConfiguration with keys: the first's keys take the one body
    // slot, see `a_second_large_answer_without_a_drain_is_refused`.)
    for (id, action, payload) in [
        (
            "c-1",
            "GetConfiguration",
            json!({"key": ["HeartbeatInterval"]}),
        ),
        ("c-2", "GetLocalListVersion", json!({})),
        ("c-3", "ClearCache", json!({})),
    ] {
        sim.expect_answer_to(id, action);
        let text = json!([2, id, action, payload]).to_string();
        sim.input_no_drain(Input::Frame(&text)).unwrap();
    }
    sim.drain_lossy();
    assert_eq!(
        sim.raw.get(2).map(String::as_str),
        Some(r#"[4,"c-3","InternalError","busy: previous CALLs are not answered yet",{}]"#),
        "{:?}",
        sim.raw
    );
    assert_eq!(
        sim.cp
            .storage()
            .get(RecordKey::AuthorizationCache)
            .map(<[u8]>::to_vec),
        cache,
        "the refused ClearCache did not clear the cache"
    );
    // Asked again, with a drain, it does.
    assert_eq!(
        sim.call_ok("ClearCache", json!({})),
        json!({"status": "Accepted"})
    );
    assert_ne!(
        sim.cp
            .storage()
            .get(RecordKey::AuthorizationCache)
            .map(<[u8]>::to_vec),
        cache
    );
}

#[test]
fn events_for_connectors_the_charge_point_does_not_have_are_refused() {
    let mut sim = Sim::new(2);
    sim.boot();
    sim.take_actions();
    let writes = sim.cp.storage().writes;
    let events = [
        fault(3),
        Event::FaultCleared { connector: 3 },
        Event::Meter {
            connector: 3,
            readings: energy(5),
        },
        Event::Plugged { connector: 3 },
        Event::Plugged { connector: 0 },
        Event::Unplugged { connector: 7 },
        Event::IdTag {
            connector: Some(3),
            id_tag: tag("CARD1"),
        },
    ];
    for event in events {
        let connector = match &event {
            Event::Fault { connector, .. }
            | Event::FaultCleared { connector }
            | Event::Meter { connector, .. }
            | Event::Plugged { connector }
            | Event::Unplugged { connector }
            | Event::IdTag {
                connector: Some(connector),
                ..
            } => *connector,
            _ => unreachable!(),
        };
        assert_eq!(
            sim.input_no_drain(Input::Event(event.clone())),
            Err(Refused::UnknownConnector(connector)),
            "{event:?}"
        );
        sim.drain();
    }
    sim.advance(60_000);
    sim.expect_nothing_sent();
    assert_eq!(sim.take_actions(), vec![]);
    assert_eq!(sim.cp.storage().writes, writes, "nothing stored");
    for c in 0..=2 {
        assert_eq!(
            sim.cp.connector_status(c),
            Some(ChargePointStatus::Available),
            "connector {c}"
        );
    }
    // Connector 0 is allowed where the spec allows it: a fault of the whole charge point.
    assert_eq!(sim.input_no_drain(Input::Event(fault(0))), Ok(()));
    sim.drain();
}

#[test]
fn records_changed_by_an_input_are_stored_during_the_drain() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1000),
    });
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    let before = sim.cp.storage().get(RecordKey::Journal).map(<[u8]>::to_vec);
    let writes = sim.cp.storage().writes;
    // The Authorize.conf starts the transaction: the journal changes.
    let text = json!([3, id, {"idTagInfo": {"status": "Accepted"}}]).to_string();
    sim.input_no_drain(Input::Frame(&text)).unwrap();
    assert!(sim.cp.transaction(1).is_some());
    assert_eq!(
        sim.cp.storage().writes,
        writes,
        "nothing is written during the input"
    );
    sim.drain();
    let after = sim.cp.storage().get(RecordKey::Journal).map(<[u8]>::to_vec);
    assert!(
        after.is_some() && after != before,
        "the journal is stored during the drain"
    );
    // Its StartTransaction was handed out after the record was written.
    let (_, p) = sim.find_call("StartTransaction");
    assert_eq!(p["meterStart"], json!(1000));
    // A power loss now: the new charge point restores the journal (the transaction is stopped
    // with PowerLoss, and its StartTransaction is still to be sent).
    let mut sim = sim.restart(setup(1));
    assert!(sim.cp.queued_transaction_messages() >= 2);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T14:00:00Z", "interval": 300}),
    );
    let (id, p) = sim.find_call("StartTransaction");
    assert_eq!(
        (p["connectorId"].clone(), p["meterStart"].clone()),
        (json!(1), json!(1000))
    );
    assert_eq!(p["idTag"], json!("CARD1"));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 9}),
    );
    let (_, p) = sim.find_call("StopTransaction");
    assert_eq!(
        (p["transactionId"].clone(), p["reason"].clone()),
        (json!(9), json!("PowerLoss"))
    );
}

#[test]
fn a_drained_caller_never_loses_an_output() {
    // The same flood as above, drained after each input: nothing is dropped (the harness
    // asserts dropped_outputs() == 0 after every drain), and the offer follows every change.
    let mut sim = Sim::new(2);
    in_transaction(&mut sim, 1);
    for _ in 0..10 {
        sim.event(fault(1));
        sim.event(Event::FaultCleared { connector: 1 });
    }
    sim.event(fault(1));
    let offers = offers(&sim.take_actions(), 1);
    assert_eq!(offers.len(), 21);
    assert_eq!(offers.last(), Some(&false));
}

/// Found by the charge_point fuzz target: CALLs fed while no connection is up were admitted,
/// their answers could not be sent, and the ninth was lost. A frame needs a connection (OCPP-J
/// §3: the WebSocket carries every message), so it is refused and changes nothing.
#[test]
fn frames_without_a_connection_are_refused() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.disconnect();
    let writes = sim.cp.storage().writes;
    for n in 0..12 {
        let frame = format!(r#"[2,"cs-{n}","ClearCache",{{}}]"#);
        assert_eq!(
            sim.input_no_drain(Input::Frame(&frame)),
            Err(Refused::NotConnected)
        );
        sim.drain();
    }
    assert_eq!(sim.cp.dropped_outputs(), 0);
    assert_eq!(sim.cp.storage().writes, writes, "nothing stored");
    sim.connect();
    // Nothing of the refused CALLs is answered on the next connection.
    sim.answer_all();
    assert_eq!(sim.take_result(), None);
}

/// Issue "Reliability": a StatusNotification in flight when the connection drops may never
/// have arrived. After the reconnect the connector reports its status again (its status now:
/// the one in flight may be stale), so the central system is not left with an old one.
#[test]
fn a_status_in_flight_at_a_disconnect_is_reported_again() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    let (_, p) = sim.expect_call("StatusNotification");
    assert_eq!(
        (p["connectorId"].clone(), p["status"].clone()),
        (json!(1), json!("Preparing"))
    );
    sim.disconnect();
    sim.connect();
    let (id, p) = sim.expect_call("StatusNotification");
    assert_eq!(
        (p["connectorId"].clone(), p["status"].clone()),
        (json!(1), json!("Preparing"))
    );
    sim.reply(&id, json!({}));
    sim.expect_nothing_sent();
}

/// Our DataTransfer in flight when the connection drops goes again after the reconnect, and
/// its answer reaches the integrator (it used to stay pending forever: every later
/// `send_data_transfer` refused as busy).
#[test]
fn a_data_transfer_in_flight_at_a_disconnect_goes_again() {
    let mut sim = Sim::new(1);
    sim.boot();
    let request = ocpp_core::v16::DataTransferRequest {
        vendor_id: "com.example".try_into().unwrap(),
        message_id: None,
        data: Some("hello".try_into().unwrap()),
    };
    assert_eq!(sim.cp.send_data_transfer(&request), Ok(()));
    sim.drain();
    let (_, first) = sim.expect_call("DataTransfer");
    sim.disconnect();
    sim.connect();
    let (id, again) = sim.expect_call("DataTransfer");
    assert_eq!(first, again);
    sim.reply(&id, json!({"status": "Accepted"}));
    assert!(sim.take_actions().contains(&Action::DataTransferAnswered {
        status: Some(ocpp_core::v16::DataTransferStatus::Accepted)
    }));
}

/// OCPP-J §4.1.1: a DataTransfer the central system never answers times out; the integrator
/// is told (no status) and may send the next one.
#[test]
fn an_unanswered_data_transfer_times_out_and_frees_its_slot() {
    let mut sim = Sim::new(1);
    sim.boot();
    let request = || ocpp_core::v16::DataTransferRequest {
        vendor_id: "com.example".try_into().unwrap(),
        message_id: None,
        data: None,
    };
    assert_eq!(sim.cp.send_data_transfer(&request()), Ok(()));
    sim.drain();
    sim.expect_call("DataTransfer");
    sim.advance(ocpp_core::charge_point::DEFAULT_CALL_TIMEOUT_MS);
    assert!(
        sim.take_actions()
            .contains(&Action::DataTransferAnswered { status: None })
    );
    assert_eq!(
        sim.cp.send_data_transfer(&request()),
        Ok(()),
        "the slot is free again"
    );
    sim.drain();
    sim.expect_call("DataTransfer");
}

/// The large answers (GetConfiguration.conf with the keys asked for, GetCompositeSchedule.conf)
/// share one body slot: a second such CALL before a drain is refused before it runs, with the
/// CALLERROR of a full answer queue; the first is answered in full, and the slot is free again
/// once its answer is written (OCPP-J §4.2.3: InternalError).
#[test]
fn a_second_large_answer_without_a_drain_is_refused() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.raw.clear();
    for (id, action, payload) in [
        (
            "b-1",
            "GetConfiguration",
            json!({"key": ["HeartbeatInterval"]}),
        ),
        (
            "b-2",
            "GetCompositeSchedule",
            json!({"connectorId": 1, "duration": 60}),
        ),
    ] {
        sim.expect_answer_to(id, action);
        let text = json!([2, id, action, payload]).to_string();
        sim.input_no_drain(Input::Frame(&text)).unwrap();
    }
    sim.drain_lossy();
    assert!(
        sim.raw.first().is_some_and(
            |f| f.starts_with(r#"[3,"b-1",{"configurationKey":[{"key":"HeartbeatInterval""#)
        ),
        "{:?}",
        sim.raw
    );
    assert_eq!(
        sim.raw.get(1).map(String::as_str),
        Some(r#"[4,"b-2","InternalError","busy: previous CALLs are not answered yet",{}]"#),
        "{:?}",
        sim.raw
    );
    // Drained: the slot is free for the next one.
    let conf = sim.call_ok(
        "GetCompositeSchedule",
        json!({"connectorId": 1, "duration": 60}),
    );
    assert_eq!(conf["status"], "Accepted");
}
