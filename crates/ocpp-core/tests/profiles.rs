//! Scenario tests of the Local Auth List Management, Reservation, Remote Trigger and Firmware
//! Management profiles, through the public API with a fake clock and a scripted central system.
//! Every status value the spec lists for these operations has a case.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines,
    clippy::case_sensitive_file_extension_comparisons
)]

mod common;

use common::sim::{Sent, Sim, energy, setup, tag};
use ocpp_core::charge_point::{Action, Event};
use serde_json::{Value, json};

fn calls_of<'a>(calls: &'a [(String, Value)], action: &str) -> Vec<&'a Value> {
    calls
        .iter()
        .filter(|(a, _)| a == action)
        .map(|(_, p)| p)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Local Auth List Management (§5.10, §5.15)

#[test]
fn local_list_versions_and_updates() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok("GetLocalListVersion", json!({})),
        json!({"listVersion": 0})
    );
    let full = json!({"listVersion": 5, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "LIST1", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "LIST2", "idTagInfo": {"status": "Blocked"}}]});
    assert_eq!(
        sim.call_ok("SendLocalList", full),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok("GetLocalListVersion", json!({})),
        json!({"listVersion": 5})
    );
    // Differential with an older version: VersionMismatch.
    let stale = json!({"listVersion": 4, "updateType": "Differential", "localAuthorizationList": [{"idTag": "X", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(
        sim.call_ok("SendLocalList", stale),
        json!({"status": "VersionMismatch"})
    );
    // Over SendLocalListMaxLength (64): Failed.
    let many: Vec<Value> = (0..65)
        .map(|i| json!({"idTag": format!("T{i}"), "idTagInfo": {"status": "Accepted"}}))
        .collect();
    assert_eq!(
        sim.call_ok(
            "SendLocalList",
            json!({"listVersion": 6, "updateType": "Full", "localAuthorizationList": many})
        ),
        json!({"status": "Failed"})
    );
    // Differential: an entry without idTagInfo is removed.
    let diff = json!({"listVersion": 6, "updateType": "Differential", "localAuthorizationList": [{"idTag": "LIST2"}]});
    assert_eq!(
        sim.call_ok("SendLocalList", diff),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok("GetLocalListVersion", json!({})),
        json!({"listVersion": 6})
    );
    // The list persists across a restart.
    let mut sim = sim.restart(setup(1));
    sim.boot();
    assert_eq!(
        sim.call_ok("GetLocalListVersion", json!({})),
        json!({"listVersion": 6})
    );
}

// §5.15 (and §7.1, §6.41) through the charge point, whose decoder applies the list entry by
// entry: a Full update refused late in the list (an entry without idTagInfo, a duplicate idTag)
// leaves the previous list and version in place; a malformed entry late in the list is a
// CALLERROR with the code OCPP-J §4.2.3 gives it, and changes nothing either.
#[test]
fn send_local_list_refused_late_in_the_list_keeps_the_old_list() {
    let mut sim = Sim::new(1);
    sim.boot();
    let old = json!({"listVersion": 3, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "OLD1", "idTagInfo": {"status": "Accepted"}}]});
    assert_eq!(
        sim.call_ok("SendLocalList", old),
        json!({"status": "Accepted"})
    );
    let mut entries: Vec<Value> = (0..40)
        .map(|i| json!({"idTag": format!("NEW{i}"), "idTagInfo": {"status": "Blocked"}}))
        .collect();
    let mut without_info = entries.clone();
    without_info.push(json!({"idTag": "LAST"}));
    let mut duplicate = entries.clone();
    duplicate.push(json!({"idTag": "new7", "idTagInfo": {"status": "Accepted"}}));
    for list in [without_info, duplicate] {
        let full = json!({"listVersion": 9, "updateType": "Full", "localAuthorizationList": list});
        assert_eq!(
            sim.call_ok("SendLocalList", full),
            json!({"status": "Failed"})
        );
    }
    entries.push(json!({"idTag": "X", "idTagInfo": {"status": "Sometimes"}}));
    let full = json!({"listVersion": 9, "updateType": "Full", "localAuthorizationList": entries});
    match sim.call("SendLocalList", full) {
        Sent::Error { code, .. } => assert_eq!(code, "TypeConstraintViolation"),
        other => panic!("expected a CALLERROR, got {other:?}"),
    }
    assert_eq!(
        sim.call_ok("GetLocalListVersion", json!({})),
        json!({"listVersion": 3})
    );
    // The old list still authorizes, offline.
    sim.disconnect();
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("OLD1"),
    });
    assert!(sim.cp.transaction(1).is_some(), "OLD1 is still in the list");
}

#[test]
fn local_list_authorizes_offline_and_before_the_central_system() {
    let mut sim = Sim::new(1);
    sim.boot();
    let full = json!({"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "LIST1", "idTagInfo": {"status": "Accepted"}},
        {"idTag": "LIST2", "idTagInfo": {"status": "Blocked"}}]});
    assert_eq!(
        sim.call_ok("SendLocalList", full),
        json!({"status": "Accepted"})
    );
    // Offline: LocalAuthorizeOffline (default true) uses the list.
    sim.disconnect();
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("LIST2"),
    });
    assert!(sim.cp.transaction(1).is_none(), "Blocked in the list");
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("list1"),
    });
    assert!(
        sim.cp.transaction(1).is_some(),
        "Accepted in the list, case-insensitively"
    );
}

// ---------------------------------------------------------------------------------------------
// Reservation (§5.13, §5.1)

fn reserve(sim: &mut Sim, connector: u32, id: i32, tag: &str, minutes: i64) -> Value {
    let expiry = ocpp_core::types::DateTime::parse(&common::sim::cs_time(sim.now))
        .unwrap()
        .add_millis(minutes * 60_000);
    sim.call_ok(
        "ReserveNow",
        json!({"connectorId": connector, "expiryDate": expiry.to_string(), "idTag": tag, "parentIdTag": "GROUP", "reservationId": id}),
    )
}

#[test]
fn reserve_now_statuses() {
    let mut sim = Sim::new(2);
    sim.boot();
    assert_eq!(
        reserve(&mut sim, 1, 1, "R1", 30),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ocpp_core::v16::ChargePointStatus::Reserved)
    );
    let calls = sim.answer_all();
    assert!(
        calls_of(&calls, "StatusNotification")
            .iter()
            .any(|p| p["status"] == json!("Reserved"))
    );
    // Another reservation on the same connector: Occupied.
    assert_eq!(
        reserve(&mut sim, 1, 2, "R2", 30),
        json!({"status": "Occupied"})
    );
    // The same reservation id replaces it (§5.13).
    assert_eq!(
        reserve(&mut sim, 1, 1, "R1B", 30),
        json!({"status": "Accepted"})
    );
    // Plugged (occupied) connector.
    sim.event(Event::Plugged { connector: 2 });
    assert_eq!(
        reserve(&mut sim, 2, 3, "R3", 30),
        json!({"status": "Occupied"})
    );
    sim.event(Event::Unplugged { connector: 2 });
    // Faulted connector.
    sim.event(Event::Fault {
        connector: 2,
        error_code: ocpp_core::v16::ChargePointErrorCode::GroundFailure,
        info: None,
        vendor_error_code: None,
    });
    assert_eq!(
        reserve(&mut sim, 2, 3, "R3", 30),
        json!({"status": "Faulted"})
    );
    sim.event(Event::FaultCleared { connector: 2 });
    // Unavailable connector.
    assert_eq!(
        sim.call_ok(
            "ChangeAvailability",
            json!({"connectorId": 2, "type": "Inoperative"})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        reserve(&mut sim, 2, 3, "R3", 30),
        json!({"status": "Unavailable"})
    );
    // Unknown connector, and connector 0 without ReserveConnectorZeroSupported: Rejected.
    assert_eq!(
        reserve(&mut sim, 3, 4, "R4", 30),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        reserve(&mut sim, 0, 4, "R4", 30),
        json!({"status": "Rejected"})
    );
    // CancelReservation: Accepted for a known id, Rejected otherwise.
    assert_eq!(
        sim.call_ok("CancelReservation", json!({"reservationId": 1})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok("CancelReservation", json!({"reservationId": 1})),
        json!({"status": "Rejected"})
    );
    assert_eq!(
        sim.cp.connector_status(1),
        Some(ocpp_core::v16::ChargePointStatus::Available)
    );
}

#[test]
fn a_reservation_admits_only_its_id_tag_and_is_used_by_the_transaction() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        reserve(&mut sim, 1, 77, "OWNER", 30),
        json!({"status": "Accepted"})
    );
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(10),
    });
    sim.event(Event::Plugged { connector: 1 });
    // Somebody else: authorized by the central system, but not the reservation's holder.
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("STRANGER"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "OTHER"}}),
    );
    sim.answer_all();
    assert!(sim.cp.transaction(1).is_none());
    // The holder.
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("OWNER"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let (id, p) = sim.find_call("StartTransaction");
    assert_eq!(
        p["reservationId"],
        json!(77),
        "§6.45: the reservation this transaction ends"
    );
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 1}),
    );
    // The reservation ended when used.
    assert_eq!(
        sim.call_ok("CancelReservation", json!({"reservationId": 77})),
        json!({"status": "Rejected"})
    );
}

#[test]
fn a_reservation_admits_its_group() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        reserve(&mut sim, 1, 5, "OWNER", 30),
        json!({"status": "Accepted"})
    );
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("COLLEAGUE"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted", "parentIdTag": "GROUP"}}),
    );
    let (_, p) = sim.find_call("StartTransaction");
    assert_eq!(p["reservationId"], json!(5));
}

#[test]
fn a_reservation_expires() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        reserve(&mut sim, 1, 5, "OWNER", 10),
        json!({"status": "Accepted"})
    );
    sim.answer_all();
    sim.advance(10 * 60_000);
    let calls = sim.answer_all();
    assert!(
        calls_of(&calls, "StatusNotification")
            .iter()
            .any(|p| p["status"] == json!("Available")),
        "{calls:?}"
    );
    assert_eq!(
        sim.call_ok("CancelReservation", json!({"reservationId": 5})),
        json!({"status": "Rejected"})
    );
}

// ---------------------------------------------------------------------------------------------
// Remote Trigger (§5.17)

#[test]
fn trigger_message_sends_each_message_after_the_answer() {
    let mut sim = Sim::new(2);
    sim.boot();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1234),
    });
    let cases = [
        ("BootNotification", None, "BootNotification"),
        ("Heartbeat", None, "Heartbeat"),
        ("StatusNotification", Some(1), "StatusNotification"),
        ("MeterValues", Some(1), "MeterValues"),
        (
            "FirmwareStatusNotification",
            None,
            "FirmwareStatusNotification",
        ),
        (
            "DiagnosticsStatusNotification",
            None,
            "DiagnosticsStatusNotification",
        ),
    ];
    for (requested, connector, action) in cases {
        let mut req = json!({"requestedMessage": requested});
        if let Some(c) = connector {
            req["connectorId"] = json!(c);
        }
        assert_eq!(
            sim.call_ok("TriggerMessage", req),
            json!({"status": "Accepted"}),
            "{requested}"
        );
        let (id, p) = sim.find_call(action);
        match action {
            "StatusNotification" => assert_eq!(
                (p["connectorId"].clone(), p["status"].clone()),
                (json!(1), json!("Available"))
            ),
            "MeterValues" => {
                assert_eq!(
                    p["meterValue"][0]["sampledValue"][0]["context"],
                    json!("Trigger")
                );
                assert_eq!(
                    p["meterValue"][0]["sampledValue"][0]["value"],
                    json!("1234")
                );
            }
            "FirmwareStatusNotification" | "DiagnosticsStatusNotification" => {
                assert_eq!(
                    p["status"],
                    json!("Idle"),
                    "§4.4/§4.5: Idle when nothing is going on"
                );
            }
            _ => {}
        }
        let response = common::sim::default_response(action, &p, 0, sim.now);
        sim.reply(&id, response);
    }
}

#[test]
fn trigger_status_notification_without_connector_covers_all() {
    let mut sim = Sim::new(2);
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification"})
        ),
        json!({"status": "Accepted"})
    );
    let calls = sim.answer_all();
    let connectors: Vec<u64> = calls_of(&calls, "StatusNotification")
        .iter()
        .map(|p| p["connectorId"].as_u64().unwrap())
        .collect();
    assert_eq!(connectors, vec![0, 1, 2]);
}

#[test]
fn trigger_for_an_unknown_connector_is_rejected() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        sim.call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification", "connectorId": 5})
        ),
        json!({"status": "Rejected"})
    );
}

#[test]
fn trigger_is_served_while_pending() {
    let mut sim = Sim::new(1);
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Pending", "currentTime": "2024-05-01T12:00:00Z", "interval": 300}),
    );
    sim.expect_nothing_sent();
    assert_eq!(
        sim.call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "StatusNotification", "connectorId": 1})
        ),
        json!({"status": "Accepted"})
    );
    let (id, _) = sim.find_call("StatusNotification");
    sim.reply(&id, json!({}));
    assert_eq!(
        sim.call_ok(
            "TriggerMessage",
            json!({"requestedMessage": "BootNotification"})
        ),
        json!({"status": "Accepted"})
    );
    sim.find_call("BootNotification");
}

// ---------------------------------------------------------------------------------------------
// Firmware Management (§5.19, §5.9)

#[test]
fn update_firmware_downloads_at_retrieve_date_installs_after_the_transaction_and_reports_installed_after_reboot()
 {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(0),
    });
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    sim.answer_all();
    assert!(sim.cp.transaction(1).is_some());
    let retrieve = ocpp_core::types::DateTime::parse(&common::sim::cs_time(sim.now))
        .unwrap()
        .add_millis(60_000);
    let req = json!({"location": "https://127.0.0.1/fw.bin", "retrieveDate": retrieve.to_string(), "retries": 2, "retryInterval": 30});
    assert_eq!(sim.call_ok("UpdateFirmware", req), json!({}));
    sim.take_actions();
    sim.advance(59_000);
    assert!(
        !sim.take_actions().contains(&Action::DownloadFirmware),
        "not before retrieveDate"
    );
    sim.advance(1_000);
    assert!(sim.take_actions().contains(&Action::DownloadFirmware));
    assert_eq!(
        sim.cp.firmware_request().unwrap().location,
        "https://127.0.0.1/fw.bin"
    );
    let (id, p) = sim.find_call("FirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Downloading"}));
    sim.reply(&id, json!({}));
    // A failed download is retried after retryInterval.
    sim.event(Event::FirmwareDownloaded { ok: false });
    sim.advance(30_000);
    assert!(
        sim.take_actions().contains(&Action::DownloadFirmware),
        "retry"
    );
    sim.event(Event::FirmwareDownloaded { ok: true });
    let (id, p) = sim.find_call("FirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Downloading"}));
    sim.reply(&id, json!({}));
    let (id, p) = sim.find_call("FirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Downloaded"}));
    sim.reply(&id, json!({}));
    assert!(
        !sim.take_actions().contains(&Action::InstallFirmware),
        "a transaction runs"
    );
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    let (id, p) = sim.find_call("FirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Installing"}));
    sim.reply(&id, json!({}));
    sim.event(Event::FirmwareInstalled { ok: true });
    assert!(
        sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. }))
    );
    // The restart; Installed follows the new BootNotification.
    let mut sim = sim.restart(setup(1));
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T13:00:00Z", "interval": 300}),
    );
    let (_, p) = sim.find_call("FirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Installed"}));
}

#[test]
fn firmware_download_and_installation_failures() {
    let mut sim = Sim::new(1);
    sim.boot();
    let now = common::sim::cs_time(sim.now);
    assert_eq!(
        sim.call_ok(
            "UpdateFirmware",
            json!({"location": "ftp://127.0.0.1/fw", "retrieveDate": now})
        ),
        json!({})
    );
    sim.advance(1);
    sim.event(Event::FirmwareDownloaded { ok: false });
    let calls = sim.answer_all();
    let statuses: Vec<&Value> = calls_of(&calls, "FirmwareStatusNotification")
        .into_iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(
        statuses,
        vec![&json!("Downloading"), &json!("DownloadFailed")],
        "no retries asked for"
    );
    assert_eq!(
        sim.call_ok(
            "UpdateFirmware",
            json!({"location": "ftp://127.0.0.1/fw", "retrieveDate": now})
        ),
        json!({})
    );
    sim.advance(1);
    sim.event(Event::FirmwareDownloaded { ok: true });
    sim.event(Event::FirmwareInstalled { ok: false });
    let calls = sim.answer_all();
    let statuses: Vec<&Value> = calls_of(&calls, "FirmwareStatusNotification")
        .into_iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(
        statuses,
        vec![
            &json!("Downloading"),
            &json!("Downloaded"),
            &json!("Installing"),
            &json!("InstallationFailed")
        ]
    );
}

#[test]
fn get_diagnostics_uploads_with_retries() {
    let mut sim = Sim::new(1);
    sim.boot();
    let answer = sim.call_ok(
        "GetDiagnostics",
        json!({"location": "ftp://127.0.0.1/up/", "retries": 1, "retryInterval": 10}),
    );
    let name = answer["fileName"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with("diagnostics-") && name.ends_with(".log"),
        "{name}"
    );
    sim.advance(1);
    assert!(sim.take_actions().contains(&Action::UploadDiagnostics));
    assert_eq!(sim.cp.diagnostics_request().unwrap().file_name, name);
    sim.event(Event::DiagnosticsUploaded { ok: false });
    sim.advance(10_000);
    assert!(
        sim.take_actions().contains(&Action::UploadDiagnostics),
        "retry"
    );
    sim.event(Event::DiagnosticsUploaded { ok: true });
    let calls = sim.answer_all();
    let statuses: Vec<&Value> = calls_of(&calls, "DiagnosticsStatusNotification")
        .into_iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(
        statuses,
        vec![&json!("Uploading"), &json!("Uploading"), &json!("Uploaded")]
    );
    // A failure after the retries: UploadFailed.
    let _ = sim.call_ok("GetDiagnostics", json!({"location": "ftp://127.0.0.1/up/"}));
    sim.advance(1);
    sim.event(Event::DiagnosticsUploaded { ok: false });
    let calls = sim.answer_all();
    let statuses: Vec<&Value> = calls_of(&calls, "DiagnosticsStatusNotification")
        .into_iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(statuses, vec![&json!("Uploading"), &json!("UploadFailed")]);
}

/// Both transfer locations share one buffer of `URI_MAX_LEN` bytes: each may be as long as a
/// location can be, but one that does not fit beside the other is refused the spec's way
/// (UpdateFirmware: FirmwareStatusNotification DownloadFailed; GetDiagnostics: no file name),
/// the transfer in progress kept.
#[test]
fn transfer_locations_that_do_not_fit_together_are_refused() {
    use ocpp_core::limits::URI_MAX_LEN;
    let url = |len: usize| {
        let mut s = String::from("ftp://127.0.0.1/");
        while s.len() < len {
            s.push('x');
        }
        s
    };
    let mut sim = Sim::new(1);
    sim.boot();
    let now = common::sim::cs_time(sim.now);
    let later = ocpp_core::types::DateTime::parse(&now)
        .unwrap()
        .add_millis(3_600_000)
        .to_string();
    // The longest location alone is taken.
    let long = url(URI_MAX_LEN);
    assert_eq!(
        sim.call_ok(
            "UpdateFirmware",
            json!({"location": long, "retrieveDate": later})
        ),
        json!({})
    );
    assert_eq!(sim.cp.firmware_request().unwrap().location, long);
    // A diagnostics location no longer fits beside it: no file name, nothing to upload.
    let answer = sim.call_ok("GetDiagnostics", json!({"location": url(20)}));
    assert_eq!(answer, json!({}));
    assert!(sim.cp.diagnostics_request().is_none());
    // A shorter firmware location replaces it; then both fit.
    let fw = url(URI_MAX_LEN - 100);
    sim.call_ok(
        "UpdateFirmware",
        json!({"location": fw, "retrieveDate": later}),
    );
    let diag = url(100);
    let answer = sim.call_ok("GetDiagnostics", json!({"location": diag}));
    let name = answer["fileName"].as_str().unwrap().to_owned();
    let d = sim.cp.diagnostics_request().unwrap();
    assert_eq!((d.location, d.file_name), (diag.as_str(), name.as_str()));
    assert_eq!(sim.cp.firmware_request().unwrap().location, fw);
    sim.answer_all();
    // A firmware location too long to fit beside the diagnostics one: DownloadFailed at once,
    // the update in progress kept.
    assert_eq!(
        sim.call_ok(
            "UpdateFirmware",
            json!({"location": url(URI_MAX_LEN - 99), "retrieveDate": later})
        ),
        json!({})
    );
    let calls = sim.answer_all();
    let statuses: Vec<&Value> = calls_of(&calls, "FirmwareStatusNotification")
        .into_iter()
        .map(|p| &p["status"])
        .collect();
    assert_eq!(statuses, vec![&json!("DownloadFailed")]);
    assert_eq!(sim.cp.firmware_request().unwrap().location, fw);
    assert_eq!(sim.cp.diagnostics_request().unwrap().location, diag);
    // The upload done, its room is free again.
    sim.advance(1);
    assert!(sim.take_actions().contains(&Action::UploadDiagnostics));
    sim.event(Event::DiagnosticsUploaded { ok: true });
    sim.answer_all();
    assert!(sim.cp.diagnostics_request().is_none());
    let long = url(URI_MAX_LEN - 1);
    sim.call_ok(
        "UpdateFirmware",
        json!({"location": long, "retrieveDate": later}),
    );
    assert_eq!(sim.cp.firmware_request().unwrap().location, long);
}

// ---------------------------------------------------------------------------------------------
// Smart Charging (§3.13, §5.5, §5.7, §5.16)

fn profile(id: i32, purpose: &str, kind: &str, periods: &[(i32, f64)], unit: &str) -> Value {
    let periods: Vec<Value> = periods
        .iter()
        .map(|(s, l)| json!({"startPeriod": s, "limit": l}))
        .collect();
    let mut p = json!({"chargingProfileId": id, "stackLevel": 0, "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
        "chargingSchedule": {"chargingRateUnit": unit, "chargingSchedulePeriod": periods}});
    if kind == "Absolute" {
        p["chargingSchedule"]["startSchedule"] = json!("2024-05-01T12:00:00Z");
    }
    p
}

fn limits(actions: &[Action]) -> Vec<(u32, Option<f64>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::ChargingLimit { connector, limit } => Some((
                *connector,
                limit.map(|l| f64::from(l.value.tenths()) / 10.0),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn set_charging_profile_statuses() {
    let mut sim = Sim::new(1);
    sim.boot();
    let ok = profile(1, "TxDefaultProfile", "Absolute", &[(0, 16.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": ok})
        ),
        json!({"status": "Accepted"})
    );
    // A TxProfile without a transaction: Rejected (§5.16).
    let tx = profile(2, "TxProfile", "Relative", &[(0, 10.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": tx})
        ),
        json!({"status": "Rejected"})
    );
    // ChargePointMaxProfile only on connector 0.
    let max = profile(3, "ChargePointMaxProfile", "Absolute", &[(0, 20.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": max})
        ),
        json!({"status": "Rejected"})
    );
    // A unit not in ChargingScheduleAllowedChargingRateUnit: NotSupported. Both are allowed by
    // default, so check with the first period not at 0 (Rejected) instead.
    let bad = profile(4, "TxDefaultProfile", "Absolute", &[(60, 10.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": bad})
        ),
        json!({"status": "Rejected"})
    );
    // ClearChargingProfile: Accepted when something was cleared, Unknown otherwise.
    assert_eq!(
        sim.call_ok("ClearChargingProfile", json!({"id": 1})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        sim.call_ok("ClearChargingProfile", json!({"id": 1})),
        json!({"status": "Unknown"})
    );
}

#[test]
fn the_limit_in_force_reaches_the_hardware_at_period_boundaries() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.take_actions();
    // Absolute from 12:00:00: 16 A for 10 minutes, then 8 A.
    let p = profile(
        1,
        "TxDefaultProfile",
        "Absolute",
        &[(0, 16.0), (600, 8.0)],
        "A",
    );
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": p})
        ),
        json!({"status": "Accepted"})
    );
    assert_eq!(limits(&sim.take_actions()), vec![(1, Some(16.0))]);
    sim.advance(599_000);
    assert_eq!(limits(&sim.take_actions()), vec![]);
    sim.advance(1_000);
    assert_eq!(
        limits(&sim.take_actions()),
        vec![(1, Some(8.0))],
        "woken at the boundary by Output::Timeout"
    );
    assert_eq!(
        sim.cp
            .charging_limit(1)
            .map(|l| f64::from(l.value.tenths()) / 10.0),
        Some(8.0)
    );
    // Cleared: no limit.
    assert_eq!(
        sim.call_ok("ClearChargingProfile", json!({})),
        json!({"status": "Accepted"})
    );
    assert_eq!(limits(&sim.take_actions()), vec![(1, None)]);
}

#[test]
fn get_composite_schedule_and_charge_point_max() {
    let mut sim = Sim::new(1);
    sim.boot();
    let def = profile(
        1,
        "TxDefaultProfile",
        "Absolute",
        &[(0, 16.0), (600, 32.0)],
        "A",
    );
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": def})
        ),
        json!({"status": "Accepted"})
    );
    let max = profile(2, "ChargePointMaxProfile", "Absolute", &[(0, 20.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": max})
        ),
        json!({"status": "Accepted"})
    );
    let answer = sim.call_ok(
        "GetCompositeSchedule",
        json!({"connectorId": 1, "duration": 1200, "chargingRateUnit": "A"}),
    );
    assert_eq!(answer["status"], json!("Accepted"));
    assert_eq!(answer["connectorId"], json!(1));
    let periods = &answer["chargingSchedule"]["chargingSchedulePeriod"];
    assert_eq!(periods[0], json!({"startPeriod": 0, "limit": 16}));
    assert_eq!(
        periods[1],
        json!({"startPeriod": 600, "limit": 20}),
        "capped by ChargePointMaxProfile"
    );
    assert_eq!(answer["chargingSchedule"]["duration"], json!(1200));
    // In watts: 230 V x 3 phases.
    let answer = sim.call_ok(
        "GetCompositeSchedule",
        json!({"connectorId": 1, "duration": 600, "chargingRateUnit": "W"}),
    );
    assert_eq!(
        answer["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"],
        json!(11040)
    );
    // Unknown connector: Rejected.
    assert_eq!(
        sim.call_ok(
            "GetCompositeSchedule",
            json!({"connectorId": 5, "duration": 600})
        )["status"],
        json!("Rejected")
    );
}

/// §3.13.3: "the limit value of ChargePointMaxProfile is the limit for all connectors combined":
/// two charging connectors share 32 A; when one stops, the other may take it all.
#[test]
fn charge_point_max_is_shared_between_two_transactions() {
    let mut sim = Sim::new(2);
    sim.boot();
    let max = profile(1, "ChargePointMaxProfile", "Absolute", &[(0, 32.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": max})
        ),
        json!({"status": "Accepted"})
    );
    for (connector, card) in [(1, "CARD1"), (2, "CARD2")] {
        sim.event(Event::Plugged { connector });
        sim.event(Event::IdTag {
            connector: Some(connector),
            id_tag: tag(card),
        });
        let (id, _) = sim.find_call("Authorize");
        sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
        let (id, _) = sim.find_call("StartTransaction");
        sim.reply(
            &id,
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": connector}),
        );
        sim.answer_all();
    }
    assert_eq!(
        sim.cp.charging_limit(1).map(|l| l.value.tenths()),
        Some(160)
    );
    assert_eq!(
        sim.cp.charging_limit(2).map(|l| l.value.tenths()),
        Some(160)
    );
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("StopTransaction");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    sim.answer_all();
    assert_eq!(
        sim.cp.charging_limit(2).map(|l| l.value.tenths()),
        Some(320)
    );
}

#[test]
fn remote_start_tx_profile_applies_to_the_transaction_and_ends_with_it() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    sim.answer_all();
    sim.take_actions();
    let p = profile(9, "TxProfile", "Relative", &[(0, 6.0)], "A");
    assert_eq!(
        sim.call_ok(
            "RemoteStartTransaction",
            json!({"connectorId": 1, "idTag": "APP", "chargingProfile": p})
        ),
        json!({"status": "Accepted"})
    );
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 31}),
    );
    assert_eq!(limits(&sim.take_actions()), vec![(1, Some(6.0))]);
    assert_eq!(
        sim.call_ok("RemoteStopTransaction", json!({"transactionId": 31})),
        json!({"status": "Accepted"})
    );
    assert_eq!(
        limits(&sim.take_actions()),
        vec![(1, None)],
        "§3.13.1: TxProfiles end with their transaction"
    );
}

/// The TxProfile of a RemoteStartTransaction waits in the profile store, its periods in the
/// shared pool (`PROFILE_PERIODS_POOL`): a RemoteStartTransaction whose profile does not fit
/// beside the installed profiles' periods is Rejected (nothing started); while it waits, its
/// periods count against a SetChargingProfile's; installed when the transaction starts.
#[test]
fn remote_start_tx_profile_waits_in_the_period_pool() {
    use ocpp_core::limits::PROFILE_PERIODS_POOL;
    let periods = |n: usize| -> Vec<(i32, f64)> {
        (0..n)
            .map(|i| (i32::try_from(i).unwrap() * 60, 12.0))
            .collect()
    };
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    sim.answer_all();
    // Fill the pool: 48 + 48 + 32 periods.
    let sizes = [48, 48, PROFILE_PERIODS_POOL - 96];
    for (level, n) in sizes.iter().enumerate() {
        let mut p = profile(
            i32::try_from(level).unwrap() + 1,
            "TxDefaultProfile",
            "Relative",
            &periods(*n),
            "A",
        );
        p["stackLevel"] = json!(level);
        assert_eq!(
            sim.call_ok(
                "SetChargingProfile",
                json!({"connectorId": 0, "csChargingProfiles": p})
            ),
            json!({"status": "Accepted"})
        );
    }
    let tx = profile(9, "TxProfile", "Relative", &[(0, 6.0)], "A");
    let remote_start = json!({"connectorId": 1, "idTag": "APP", "chargingProfile": tx});
    assert_eq!(
        sim.call_ok("RemoteStartTransaction", remote_start.clone()),
        json!({"status": "Rejected"}),
        "no room for its period"
    );
    sim.answer_all();
    assert!(sim.cp.transaction(1).is_none());
    assert_eq!(
        sim.call_ok("ClearChargingProfile", json!({"id": 3})),
        json!({"status": "Accepted"})
    );
    sim.take_actions();
    assert_eq!(
        sim.call_ok("RemoteStartTransaction", remote_start),
        json!({"status": "Accepted"})
    );
    // Parked: 96 + 1 periods taken, so 32 more do not fit.
    let mut p = profile(4, "TxDefaultProfile", "Relative", &periods(32), "A");
    p["stackLevel"] = json!(3);
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": p})
        ),
        json!({"status": "Rejected"})
    );
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 32}),
    );
    assert_eq!(limits(&sim.take_actions()), vec![(1, Some(6.0))]);
}

#[test]
fn charging_profiles_survive_a_restart() {
    let mut sim = Sim::new(1);
    sim.boot();
    let p = profile(1, "TxDefaultProfile", "Absolute", &[(0, 12.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 0, "csChargingProfiles": p})
        ),
        json!({"status": "Accepted"})
    );
    let mut sim = sim.restart(setup(1));
    sim.boot();
    assert_eq!(
        sim.cp
            .charging_limit(1)
            .map(|l| f64::from(l.value.tenths()) / 10.0),
        Some(12.0)
    );
}

#[test]
fn tx_profiles_of_a_transaction_interrupted_by_a_restart_are_removed() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let (id, _) = sim.find_call("StartTransaction");
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 8}),
    );
    let p = profile(4, "TxProfile", "Relative", &[(0, 6.0)], "A");
    assert_eq!(
        sim.call_ok(
            "SetChargingProfile",
            json!({"connectorId": 1, "csChargingProfiles": p})
        ),
        json!({"status": "Accepted"})
    );
    let mut sim = sim.restart(setup(1));
    sim.boot();
    // The interrupted transaction was stopped (PowerLoss) and its TxProfile went with it.
    assert_eq!(
        sim.call_ok("ClearChargingProfile", json!({"id": 4})),
        json!({"status": "Unknown"})
    );
}
