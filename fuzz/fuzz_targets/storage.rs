//! Fuzzes the charge point's start from storage: arbitrary bytes as every stored record
//! (configuration, journal, authorization cache, local list, charging profiles, security log). The start must
//! never panic; a record it cannot use is dropped and reported (`Action::StorageFailed`); and the
//! charge point then works: it boots, takes a session, and every frame it sends is valid OCPP-J.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{Action, ChargePoint, Event, Instant, RecordKey, Setup};
use ocpp_core::rpc::Frame;

#[path = "common/store.rs"]
mod store;
use store::Store;

#[derive(Debug, Arbitrary)]
struct Records {
    configuration: Option<Vec<u8>>,
    journal: Option<Vec<u8>>,
    authorization_cache: Option<Vec<u8>>,
    local_auth_list: Option<Vec<u8>>,
    charging_profiles: Option<Vec<u8>>,
    security_log: Option<Vec<u8>>,
}

/// Drains the outputs: every frame must parse; returns the last CALL's id and action and the
/// actions.
fn drain(cp: &mut ChargePoint<Store>, now: Instant, buf: &mut [u8]) -> (Option<(String, String)>, Vec<Action>) {
    let (mut last, mut actions) = (None, Vec::new());
    loop {
        match cp.poll_output(now, buf) {
            Output::Transmit(frame) => match Frame::parse(frame) {
                Ok(Frame::Call(call)) => last = Some((call.id.to_owned(), call.action.to_owned())),
                Ok(_) => {}
                Err(e) => panic!("the charge point sent an invalid frame ({e}): {frame}"),
            },
            Output::Action(a) => actions.push(a),
            Output::Timeout(_) => break,
        }
    }
    (last, actions)
}

fuzz_target!(|records: Records| {
    let mut store = Store::default();
    for (key, data) in [
        (RecordKey::Configuration, records.configuration),
        (RecordKey::Journal, records.journal),
        (RecordKey::AuthorizationCache, records.authorization_cache),
        (RecordKey::LocalAuthList, records.local_auth_list),
        (RecordKey::ChargingProfiles, records.charging_profiles),
        (RecordKey::SecurityLog, records.security_log),
    ] {
        if let Some(data) = data {
            store.records.insert(key.name(), data);
        }
    }
    let mut now = Instant(0);
    let mut buf = vec![0u8; 64 * 1024];
    let mut cp = Box::new(ChargePoint::new(Setup::new("FuzzVendor", "FuzzModel", 2), store, now, &mut buf));
    let (_, actions) = drain(&mut cp, now, &mut buf);
    let reported = actions.iter().filter(|a| matches!(a, Action::StorageFailed { .. })).count();
    assert!(reported <= RecordKey::ALL.len(), "{actions:?}");
    // It works: boots (answering every CALL with what fits), takes a card and a cable.
    let _ = cp.handle_input(Input::Connected, now);
    for step in 0..40u32 {
        let (last, _) = drain(&mut cp, now, &mut buf);
        if let Some((id, action)) = last {
            let payload = match action.as_str() {
                "BootNotification" => r#"{"status":"Accepted","currentTime":"2024-05-01T12:00:00Z","interval":300}"#,
                "Heartbeat" => r#"{"currentTime":"2024-05-01T12:00:00Z"}"#,
                "Authorize" | "StopTransaction" => r#"{"idTagInfo":{"status":"Accepted"}}"#,
                "StartTransaction" => r#"{"transactionId":1,"idTagInfo":{"status":"Accepted"}}"#,
                "DataTransfer" => r#"{"status":"Accepted"}"#,
                _ => "{}",
            };
            let frame = format!(r#"[3,"{id}",{payload}]"#);
            let _ = cp.handle_input(Input::Frame(&frame), now);
        }
        match step {
            3 => { let _ = cp.handle_input(Input::Event(Event::Plugged { connector: 1 }), now); }
            4 => {
                let id_tag = "CARD1".try_into().unwrap_or_default();
                let _ = cp.handle_input(Input::Event(Event::IdTag { connector: Some(1), id_tag }), now);
            }
            _ => {
                now = now.add_millis(1_000);
                let _ = cp.handle_input(Input::Timeout, now);
            }
        }
    }
    let _ = drain(&mut cp, now, &mut buf);
    assert_eq!(cp.dropped_outputs(), 0);
    // The security log reads back, whatever was stored before.
    let mut record = vec![0u8; 64 * 1024];
    let mut line = [0u8; ocpp_core::charge_point::security_log::SecurityLogEntry::LINE_MAX];
    if let Ok(entries) = cp.security_log(&mut record, None, None) {
        for entry in entries {
            assert!(entry.line(&mut line).is_some(), "{entry:?}");
        }
    }
});
