//! Signed firmware update: the OCPP 1.6 security whitepaper (edition 2), use case L01 "Secure
//! Firmware Update" (SignedUpdateFirmware §5.21/5.22, SignedFirmwareStatusNotification §5.19,
//! FirmwareStatusEnumType §6.6, FirmwareType §6.7), on the fake clock, with a security module on
//! the RustCrypto implementation and a PKI made at test time (`common/pki.rs`). Every frame the
//! charge point sends is validated against the official schemas. Tests are named after the
//! requirement ids they check.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing
)]

mod common;
#[path = "common/pki.rs"]
mod pki;

use common::cert_store::TestCertificateStore;
use common::sim::{Security, Sent, Sim, Store, cs_time, setup, tag};
use ocpp_core::charge_point::{Action, Event, FirmwareReport, Instant};
use ocpp_core::types::DateTime;
use pki::Maker;
use serde_json::{Value, json};

const AUTH_KEY: &str = "0123456789abcdef0123456789ABCDEF01234567";

/// A booted charge point with SecurityProfile 1 (so that security events are sent), whose
/// storage lends a security module holding `store`, with a scratch of `scratch` bytes.
fn booted(store: Option<TestCertificateStore>, scratch: usize) -> Sim {
    booted_with(1, store, scratch)
}

/// [`booted`] with `connectors` connectors.
fn booted_with(connectors: u32, store: Option<TestCertificateStore>, scratch: usize) -> Sim {
    let mut storage = Store::new();
    storage.security = store.map(|s| Security::new(s, scratch));
    let mut sim = Sim::with(setup(connectors), storage, Instant(0));
    sim.boot();
    for (key, value) in [("AuthorizationKey", AUTH_KEY), ("SecurityProfile", "1")] {
        let conf = sim.call_ok("ChangeConfiguration", json!({"key": key, "value": value}));
        assert_eq!(conf, json!({"status": "Accepted"}));
    }
    sim.answer_all();
    sim
}

/// A charge point holding `maker`'s root as its ManufacturerRootCertificate.
fn trusting(maker: &Maker) -> Sim {
    booted(
        Some(TestCertificateStore::with_manufacturer_root(&maker.root)),
        8192,
    )
}

/// Connects and answers BootNotification (Accepted), leaving what follows unanswered.
fn boot_only(sim: &mut Sim) {
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    let now = cs_time(sim.now);
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": now, "interval": 300}),
    );
}

/// The wall time `secs` from the simulation's now.
fn at(sim: &Sim, secs: i64) -> String {
    DateTime::parse(&cs_time(sim.now))
        .unwrap()
        .add_millis(secs * 1000)
        .to_string()
}

/// A SignedUpdateFirmware.req for `firmware` signed by `maker`.
fn request(maker: &Maker, firmware: &[u8], request_id: i32, retrieve: &str) -> Value {
    json!({
        "requestId": request_id,
        "firmware": {
            "location": "https://firmware.example/fw-2.0.bin",
            "retrieveDateTime": retrieve,
            "signingCertificate": maker.signing_certificate,
            "signature": maker.sign(firmware),
        }
    })
}

/// A SignedFirmwareStatusNotification: (status, requestId).
type Status = (String, Option<i64>);
/// A SecurityEventNotification: (type, techInfo).
type SecurityEvent = (String, Option<String>);

/// Answers every CALL sent so far; returns the SignedFirmwareStatusNotifications among them as
/// (status, requestId), and the security events as (type, techInfo).
fn drain(sim: &mut Sim) -> (Vec<Status>, Vec<SecurityEvent>) {
    let mut statuses = Vec::new();
    let mut events = Vec::new();
    for (action, p) in sim.answer_all() {
        match action.as_str() {
            "SignedFirmwareStatusNotification" => statuses.push((
                p["status"].as_str().unwrap().to_owned(),
                p["requestId"].as_i64(),
            )),
            "SecurityEventNotification" => events.push((
                p["type"].as_str().unwrap().to_owned(),
                p["techInfo"].as_str().map(str::to_owned),
            )),
            "FirmwareStatusNotification" => panic!("a FirmwareStatusNotification: {p}"),
            _ => {}
        }
    }
    (statuses, events)
}

fn statuses(sim: &mut Sim) -> Vec<String> {
    let (statuses, _) = drain(sim);
    statuses.into_iter().map(|(s, _)| s).collect()
}

fn event_types(events: &[SecurityEvent]) -> Vec<&str> {
    events.iter().map(|(k, _)| k.as_str()).collect()
}

fn downloads(sim: &mut Sim) -> usize {
    sim.take_actions()
        .iter()
        .filter(|a| **a == Action::DownloadFirmware)
        .count()
}

/// The signature kept in the security module (L01: until the download is verified).
fn kept_signature(sim: &Sim) -> bool {
    sim.cp
        .storage()
        .security
        .as_ref()
        .unwrap()
        .module
        .store
        .firmware_signature
        .is_some()
}

/// From SignedUpdateFirmware.req to the download: answered `conf`, the download asked for.
fn accept_and_download(sim: &mut Sim, req: Value, conf: &str) {
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": conf})
    );
    sim.advance(0);
    assert_eq!(downloads(sim), 1);
}

/// L01 happy flow (figure 13) with installDateTime and a reboot: every status in order
/// (L01.FR.01), each with the request's requestId (L01.FR.10): DownloadScheduled until
/// retrieveDateTime (L01.FR.13), Downloading, Downloaded, SignatureVerified over the SHA-256 of
/// the file (L01.FR.04, L01.FR.12), InstallScheduled until installDateTime (L01.FR.16/17),
/// Installing, InstallRebooting before the restart (L01.FR.15), Installed after it with the
/// FirmwareUpdated security event.
#[test]
fn l01_fr_01_10_13_15_16_every_status_in_order_with_the_request_id() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let mut req = request(&maker, &fw, 123, &at(&sim, 60));
    req["firmware"]["installDateTime"] = json!(at(&sim, 3600));
    req["retries"] = json!(1);
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "Accepted"})
    );
    assert!(kept_signature(&sim), "kept in the security module");
    assert_eq!(
        drain(&mut sim).0,
        [("DownloadScheduled".to_owned(), Some(123))]
    );
    sim.advance(59_000);
    assert_eq!(downloads(&mut sim), 0, "not before retrieveDateTime");
    sim.advance(1_000);
    assert_eq!(downloads(&mut sim), 1);
    let r = sim.cp.firmware_request().unwrap();
    assert_eq!(r.location, "https://firmware.example/fw-2.0.bin");
    assert_eq!(r.request_id, Some(123));
    assert_eq!(r.retries, Some(1));
    assert_eq!(r.install_date.map(|d| d.to_string()), Some(at(&sim, 3540)));
    assert_eq!(statuses(&mut sim), ["Downloading"]);

    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    assert!(!kept_signature(&sim), "done with once verified");
    assert_eq!(
        statuses(&mut sim),
        ["Downloaded", "SignatureVerified", "InstallScheduled"]
    );
    sim.advance(3_539_000);
    assert!(
        !sim.take_actions().contains(&Action::InstallFirmware),
        "not before installDateTime"
    );
    sim.advance(1_000);
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    assert_eq!(statuses(&mut sim), ["Installing"]);

    sim.event(Event::Firmware(FirmwareReport::Installed { reboot: true }));
    // InstallRebooting goes out before the restart (L01.FR.15): the restart waits for its
    // answer.
    let (id, p) = sim.find_call("SignedFirmwareStatusNotification");
    assert_eq!(p, json!({"status": "InstallRebooting", "requestId": 123}));
    sim.advance(1_000);
    assert!(
        !sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. })),
        "no restart before InstallRebooting is answered"
    );
    sim.reply(&id, json!({}));
    sim.advance(0);
    assert!(
        sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. }))
    );

    // The restart: Installed, with the requestId, and FirmwareUpdated.
    let mut sim = sim.restart(setup(1));
    boot_only(&mut sim);
    let (statuses, events) = drain(&mut sim);
    assert_eq!(statuses, [("Installed".to_owned(), Some(123))]);
    assert!(event_types(&events).contains(&"FirmwareUpdated"));
    // Once: not again after another restart.
    let mut sim = sim.restart(setup(1));
    boot_only(&mut sim);
    let (statuses, events) = drain(&mut sim);
    assert!(statuses.is_empty());
    assert!(!event_types(&events).contains(&"FirmwareUpdated"));
}

/// L01.FR.05: without installDateTime the firmware is installed as soon as it is verified; an
/// installation that needs no restart reports Installed at once, with one FirmwareUpdated
/// event (not a second one from the restart path).
#[test]
fn l01_fr_05_installed_at_once_without_a_restart() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let req = request(&maker, &fw, 7, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    sim.event(Event::Firmware(FirmwareReport::Installed { reboot: false }));
    assert!(
        !sim.take_actions()
            .iter()
            .any(|a| matches!(a, Action::Reset { .. }))
    );
    let (statuses, events) = drain(&mut sim);
    let names: Vec<&str> = statuses.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "Installed"
        ]
    );
    assert!(statuses.iter().all(|(_, id)| *id == Some(7)));
    assert_eq!(event_types(&events), ["FirmwareUpdated"]);
    assert!(sim.cp.firmware_request().is_none(), "the update is over");
    let mut sim = sim.restart(setup(1));
    boot_only(&mut sim);
    let (statuses, events) = drain(&mut sim);
    assert!(statuses.is_empty());
    assert!(!event_types(&events).contains(&"FirmwareUpdated"));
}

/// L01 scenario step 4, L01.FR.13: a failed download is retried `retries` times,
/// `retryInterval` apart (DownloadScheduled while waiting), then DownloadFailed; the signature
/// kept for it is dropped.
#[test]
fn l01_fr_13_retries_then_download_failed() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let mut req = request(&maker, &fw, 9, &at(&sim, 0));
    req["retries"] = json!(2);
    req["retryInterval"] = json!(30);
    accept_and_download(&mut sim, req, "Accepted");
    for _ in 0..2 {
        sim.event(Event::Firmware(FirmwareReport::DownloadFailed));
        sim.advance(29_000);
        assert_eq!(downloads(&mut sim), 0, "retryInterval");
        sim.advance(1_000);
        assert_eq!(downloads(&mut sim), 1, "retry");
    }
    // The older report says the same.
    sim.event(Event::FirmwareDownloaded { ok: false });
    let (statuses, _) = drain(&mut sim);
    let names: Vec<&str> = statuses.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "Downloading",
            "DownloadScheduled",
            "Downloading",
            "DownloadScheduled",
            "Downloading",
            "DownloadFailed"
        ]
    );
    assert!(statuses.iter().all(|(_, id)| *id == Some(9)));
    assert!(sim.cp.firmware_request().is_none());
    assert!(!kept_signature(&sim));
    sim.advance(120_000);
    assert_eq!(downloads(&mut sim), 0);
}

/// L01.FR.14: the integrator pauses the download (tasks with higher priorities):
/// DownloadPaused, then Downloading when it goes on.
#[test]
fn l01_fr_14_download_paused_and_resumed() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let req = request(&maker, &fw, 5, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    sim.event(Event::Firmware(FirmwareReport::DownloadPaused));
    sim.event(Event::Firmware(FirmwareReport::DownloadResumed));
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    assert_eq!(
        statuses(&mut sim),
        [
            "Downloading",
            "DownloadPaused",
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing"
        ]
    );
}

/// L01.FR.03, L01.FR.04: a file whose signature does not verify (another file, another key, a
/// missing signature, no digest reported) is InvalidSignature with the InvalidFirmwareSignature
/// event, and is not installed.
#[test]
fn l01_fr_03_04_invalid_signature_with_event() {
    let maker = Maker::new("Maker");
    let impostor = Maker::new("Impostor");
    let fw = pki::firmware();
    let mut other = fw.clone();
    other[500] ^= 1;
    let cases: [(&str, Value, Event); 4] = [
        (
            "tampered file",
            json!(maker.sign(&fw)),
            Event::Firmware(FirmwareReport::Downloaded {
                sha256: pki::sha256(&other),
            }),
        ),
        (
            "another key",
            json!(impostor.sign(&fw)),
            Event::Firmware(FirmwareReport::Downloaded {
                sha256: pki::sha256(&fw),
            }),
        ),
        (
            "missing signature",
            json!(""),
            Event::Firmware(FirmwareReport::Downloaded {
                sha256: pki::sha256(&fw),
            }),
        ),
        (
            "no digest",
            json!(maker.sign(&fw)),
            Event::FirmwareDownloaded { ok: true },
        ),
    ];
    for (case, signature, downloaded) in cases {
        let mut sim = trusting(&maker);
        let mut req = request(&maker, &fw, 11, &at(&sim, 0));
        req["firmware"]["signature"] = signature;
        accept_and_download(&mut sim, req, "Accepted");
        sim.event(downloaded);
        assert!(
            !sim.take_actions().contains(&Action::InstallFirmware),
            "{case}"
        );
        let (statuses, events) = drain(&mut sim);
        let names: Vec<&str> = statuses.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            names,
            ["Downloading", "Downloaded", "InvalidSignature"],
            "{case}"
        );
        assert_eq!(statuses[2].1, Some(11), "{case}");
        assert_eq!(event_types(&events), ["InvalidFirmwareSignature"], "{case}");
        assert!(sim.cp.firmware_request().is_none(), "{case}");
        assert!(!kept_signature(&sim), "{case}");
    }
}

/// L01.FR.02, L01.FR.23, L01.FR.24: a signing certificate that does not lead to an installed
/// ManufacturerRootCertificate (another manufacturer's) is answered InvalidCertificate, with
/// the InvalidFirmwareSigningCertificate event; nothing is downloaded.
#[test]
fn l01_fr_02_24_wrong_signer_is_invalid_certificate_with_event() {
    let maker = Maker::new("Maker");
    let impostor = Maker::new("Impostor");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let req = request(&impostor, &fw, 3, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "InvalidCertificate"})
    );
    let (statuses, events) = drain(&mut sim);
    assert!(statuses.is_empty());
    assert_eq!(
        events,
        [(
            "InvalidFirmwareSigningCertificate".to_owned(),
            Some("UnknownIssuer".to_owned())
        )]
    );
    sim.advance(60_000);
    assert_eq!(downloads(&mut sim), 0);
    assert!(sim.cp.firmware_request().is_none());
    assert!(!kept_signature(&sim));
}

/// L01.FR.12 (X.509 rules: the validity period at the charge point's time), L01.FR.24: an
/// expired signing certificate is InvalidCertificate; so is a certificate that is not one, and
/// any certificate when no ManufacturerRootCertificate is installed.
#[test]
fn l01_fr_12_24_expired_or_unverifiable_certificate_is_invalid_certificate() {
    let fw = pki::firmware();
    let expired = Maker::with_signing_validity("Maker", pki::expired());
    let mut sim = trusting(&expired);
    let req = request(&expired, &fw, 4, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "InvalidCertificate"})
    );
    assert_eq!(
        drain(&mut sim).1,
        [(
            "InvalidFirmwareSigningCertificate".to_owned(),
            Some("Expired".to_owned())
        )]
    );

    let maker = Maker::new("Maker");
    let mut sim = trusting(&maker);
    let mut req = request(&maker, &fw, 4, &at(&sim, 0));
    req["firmware"]["signingCertificate"] = json!("not a certificate");
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "InvalidCertificate"})
    );
    assert_eq!(
        event_types(&drain(&mut sim).1),
        ["InvalidFirmwareSigningCertificate"]
    );

    // A security module without any ManufacturerRootCertificate.
    let mut sim = booted(Some(TestCertificateStore::default()), 8192);
    let req = request(&maker, &fw, 4, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "InvalidCertificate"})
    );
    assert_eq!(
        drain(&mut sim).1,
        [(
            "InvalidFirmwareSigningCertificate".to_owned(),
            Some("no ManufacturerRootCertificate".to_owned())
        )]
    );
}

/// Without a security module nothing can be verified (L01 scenario step 3: "could not be
/// verified"): InvalidCertificate and the event; a malformed request is still a CALLERROR.
#[test]
fn l01_fr_24_without_a_security_module_invalid_certificate() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = booted(None, 0);
    let req = request(&maker, &fw, 1, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "InvalidCertificate"})
    );
    assert_eq!(
        drain(&mut sim).1,
        [(
            "InvalidFirmwareSigningCertificate".to_owned(),
            Some("no security module".to_owned())
        )]
    );
    sim.advance(60_000);
    assert_eq!(downloads(&mut sim), 0);
    match sim.call("SignedUpdateFirmware", json!({"requestId": 1})) {
        Sent::Error { code, .. } => assert_eq!(
            code, "OccurenceConstraintViolation",
            "OCPP-J 1.6 §4.2.3 spells it so"
        ),
        other => panic!("{other:?}"),
    }
    let mut req = request(&maker, &fw, 1, &at(&sim, 0));
    req["firmware"]["signature"] = json!("s".repeat(801));
    match sim.call("SignedUpdateFirmware", req) {
        Sent::Error { code, .. } => assert_eq!(code, "PropertyConstraintViolation"),
        other => panic!("{other:?}"),
    }
}

/// L01.FR.06, L01.FR.18: the installation waits for the running transaction to end.
#[test]
fn l01_fr_06_18_installation_waits_for_transactions_to_end() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    assert!(drain(&mut sim).0.is_empty());
    assert!(sim.cp.transaction(1).is_some());
    let req = request(&maker, &fw, 21, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    sim.advance(600_000);
    assert!(
        !sim.take_actions().contains(&Action::InstallFirmware),
        "a transaction runs"
    );
    assert_eq!(
        statuses(&mut sim),
        ["Downloading", "Downloaded", "SignatureVerified"]
    );
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    assert!(sim.cp.transaction(1).is_none());
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    assert_eq!(statuses(&mut sim), ["Installing"]);
}

/// L01.FR.07, L01.FR.19: while the firmware waits for the transaction to end, the connectors
/// not in use are Unavailable and start nothing, and the one whose transaction ends becomes
/// Unavailable too; an installation that fails gives them back.
#[test]
fn l01_fr_07_19_idle_connectors_unavailable_until_installed() {
    use ocpp_core::v16::ChargePointStatus as S;
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = booted_with(
        2,
        Some(TestCertificateStore::with_manufacturer_root(&maker.root)),
        8192,
    );
    let notes = |sim: &mut Sim| -> Vec<(u64, String)> {
        sim.answer_all()
            .into_iter()
            .filter(|(a, _)| a == "StatusNotification")
            .map(|(_, p)| {
                (
                    p["connectorId"].as_u64().unwrap(),
                    p["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    notes(&mut sim);
    assert!(sim.cp.transaction(1).is_some());
    let req = request(&maker, &fw, 81, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    assert_eq!(sim.cp.connector_status(2), Some(S::Available), "not before");
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    assert_eq!(notes(&mut sim), [(2, "Unavailable".to_owned())]);
    assert_eq!(sim.cp.connector_status(1), Some(S::SuspendedEv));
    // Connector 2 starts nothing.
    sim.event(Event::Plugged { connector: 2 });
    sim.event(Event::IdTag {
        connector: Some(2),
        id_tag: tag("OTHER"),
    });
    sim.answer_all();
    assert!(sim.cp.transaction(2).is_none());
    assert_eq!(sim.cp.connector_status(2), Some(S::Unavailable));
    // The transaction ends: its connector is Unavailable, the installation begins.
    sim.event(Event::StopRequested {
        connector: 1,
        reason: ocpp_core::v16::Reason::Local,
    });
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    assert_eq!(notes(&mut sim), [(1, "Unavailable".to_owned())]);
    // It fails: both are usable again.
    sim.event(Event::Firmware(FirmwareReport::InstallationFailed));
    let mut back = notes(&mut sim);
    back.sort();
    assert_eq!(
        back,
        [(1, "Finishing".to_owned()), (2, "Preparing".to_owned())]
    );
}

/// L01.FR.17 with L01.FR.18: at installDateTime with a transaction running, the installation
/// waits for it (still InstallScheduled), then starts.
#[test]
fn l01_fr_17_18_scheduled_installation_waits_for_transactions_too() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let mut req = request(&maker, &fw, 22, &at(&sim, 0));
    req["firmware"]["installDateTime"] = json!(at(&sim, 120));
    accept_and_download(&mut sim, req, "Accepted");
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    let mut seen = statuses(&mut sim);
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    seen.extend(statuses(&mut sim));
    assert!(sim.cp.transaction(1).is_some());
    sim.advance(300_000);
    assert!(!sim.take_actions().contains(&Action::InstallFirmware));
    sim.event(Event::StopRequested {
        connector: 1,
        reason: ocpp_core::v16::Reason::Local,
    });
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    seen.extend(statuses(&mut sim));
    assert_eq!(
        seen,
        [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "InstallScheduled",
            "Installing"
        ]
    );
}

/// FirmwareStatusEnumType InstallVerificationFailed and InstallationFailed (§6.6): end states,
/// no FirmwareUpdated event.
#[test]
fn l01_install_verification_failed_and_installation_failed() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    for (report, status) in [
        (
            FirmwareReport::InstallVerificationFailed,
            "InstallVerificationFailed",
        ),
        (FirmwareReport::InstallationFailed, "InstallationFailed"),
    ] {
        let mut sim = trusting(&maker);
        let req = request(&maker, &fw, 31, &at(&sim, 0));
        accept_and_download(&mut sim, req, "Accepted");
        sim.event(Event::Firmware(FirmwareReport::Downloaded {
            sha256: pki::sha256(&fw),
        }));
        sim.event(Event::Firmware(report));
        let (statuses, events) = drain(&mut sim);
        assert_eq!(
            statuses.last(),
            Some(&(status.to_owned(), Some(31))),
            "{statuses:?}"
        );
        assert!(events.is_empty(), "{events:?}");
        assert!(sim.cp.firmware_request().is_none());
    }
}

/// L01.FR.26: a new SignedUpdateFirmware.req cancels the update in progress (waiting, or
/// downloaded and waiting to install): AcceptedCanceled, and the new one goes on with its own
/// requestId. L01.FR.27: while installing it cannot be cancelled: Rejected.
#[test]
fn l01_fr_26_27_a_new_request_cancels_the_update_in_progress() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    assert_eq!(
        sim.call_ok(
            "SignedUpdateFirmware",
            request(&maker, &fw, 41, &at(&sim, 600))
        ),
        json!({"status": "Accepted"})
    );
    let req = request(&maker, &fw, 42, &at(&sim, 0));
    accept_and_download(&mut sim, req, "AcceptedCanceled");
    assert_eq!(sim.cp.firmware_request().unwrap().request_id, Some(42));
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    assert!(sim.take_actions().contains(&Action::InstallFirmware));
    assert_eq!(
        drain(&mut sim).0,
        [
            ("DownloadScheduled".to_owned(), Some(41)),
            ("Downloading".to_owned(), Some(42)),
            ("Downloaded".to_owned(), Some(42)),
            ("SignatureVerified".to_owned(), Some(42)),
            ("Installing".to_owned(), Some(42)),
        ]
    );
    // Installing: the new request is Rejected, the installation goes on.
    assert_eq!(
        sim.call_ok(
            "SignedUpdateFirmware",
            request(&maker, &fw, 43, &at(&sim, 0))
        ),
        json!({"status": "Rejected"})
    );
    assert_eq!(sim.cp.firmware_request().unwrap().request_id, Some(42));
    sim.event(Event::Firmware(FirmwareReport::Installed { reboot: false }));
    assert_eq!(drain(&mut sim).0, [("Installed".to_owned(), Some(42))]);
}

/// L01.FR.28, L01.FR.29 (§6.6 Idle, L01.FR.21): ExtendedTriggerMessage FirmwareStatusNotification
/// sends Idle without requestId when nothing was sent or the last was Installed, else the last
/// status sent with its requestId.
#[test]
fn l01_fr_28_29_extended_trigger_message_firmware_status() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let trigger = |sim: &mut Sim| {
        assert_eq!(
            sim.call_ok(
                "ExtendedTriggerMessage",
                json!({"requestedMessage": "FirmwareStatusNotification"})
            ),
            json!({"status": "Accepted"})
        );
        let (id, p) = sim.find_call("SignedFirmwareStatusNotification");
        sim.reply(&id, json!({}));
        sim.answer_all();
        p
    };
    assert_eq!(trigger(&mut sim), json!({"status": "Idle"}));
    // A failed download: the last status, DownloadFailed, with its requestId.
    let req = request(&maker, &fw, 51, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    sim.event(Event::Firmware(FirmwareReport::DownloadFailed));
    sim.answer_all();
    assert_eq!(
        trigger(&mut sim),
        json!({"status": "DownloadFailed", "requestId": 51})
    );
    // In progress: the last status sent.
    let req = request(&maker, &fw, 52, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    sim.answer_all();
    assert_eq!(
        trigger(&mut sim),
        json!({"status": "Downloading", "requestId": 52})
    );
    // Installed: Idle again.
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(&fw),
    }));
    sim.event(Event::Firmware(FirmwareReport::Installed { reboot: false }));
    sim.answer_all();
    assert_eq!(trigger(&mut sim), json!({"status": "Idle"}));
}

/// L01.FR.20: a charge point doing secure firmware updates (a ManufacturerRootCertificate is
/// installed) refuses UpdateFirmware.req with CALLERROR NotSupported and starts nothing; with a
/// security module but no such root, UpdateFirmware works as in OCPP 1.6.
#[test]
fn l01_fr_20_update_firmware_is_not_supported_with_a_manufacturer_root() {
    let maker = Maker::new("Maker");
    let mut sim = trusting(&maker);
    let req = json!({"location": "https://x/fw.bin", "retrieveDate": at(&sim, 0)});
    match sim.call("UpdateFirmware", req.clone()) {
        Sent::Error { code, .. } => assert_eq!(code, "NotSupported"),
        other => panic!("{other:?}"),
    }
    sim.advance(1_000);
    assert_eq!(downloads(&mut sim), 0);

    let mut sim = booted(Some(TestCertificateStore::default()), 8192);
    assert_eq!(sim.call_ok("UpdateFirmware", req), json!({}));
    sim.advance(0);
    assert_eq!(downloads(&mut sim), 1);
}

/// Rejected when the charge point cannot take the request (§6.16): the certificate does not fit
/// the security module's scratch buffer, or the module cannot keep the signature.
#[test]
fn rejected_when_the_signature_cannot_be_kept() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    // 900 bytes: 800 for the signature, 100 for a certificate of about 600.
    let mut sim = booted(
        Some(TestCertificateStore::with_manufacturer_root(&maker.root)),
        900,
    );
    let req = request(&maker, &fw, 61, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "Rejected"})
    );
    let mut store = TestCertificateStore::with_manufacturer_root(&maker.root);
    store.fail_writes = true;
    let mut sim = booted(Some(store), 8192);
    let req = request(&maker, &fw, 62, &at(&sim, 0));
    assert_eq!(
        sim.call_ok("SignedUpdateFirmware", req),
        json!({"status": "Rejected"})
    );
    sim.advance(60_000);
    assert_eq!(downloads(&mut sim), 0);
    assert!(drain(&mut sim).0.is_empty());
}

/// A SignedFirmwareStatusNotification the ended connection left unanswered goes again after the
/// reconnection (L01.FR.01: every state is reported).
#[test]
fn an_unanswered_status_goes_again_after_a_reconnection() {
    let maker = Maker::new("Maker");
    let fw = pki::firmware();
    let mut sim = trusting(&maker);
    let req = request(&maker, &fw, 71, &at(&sim, 0));
    accept_and_download(&mut sim, req, "Accepted");
    let (_, p) = sim.find_call("SignedFirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Downloading", "requestId": 71}));
    sim.disconnect();
    sim.connect();
    let (_, p) = sim.find_call("SignedFirmwareStatusNotification");
    assert_eq!(p, json!({"status": "Downloading", "requestId": 71}));
}

/// The integrator's FirmwareReport serves UpdateFirmware too: FirmwareStatusNotifications, an
/// installation without restart reports Installed at once with the FirmwareUpdated event.
#[test]
fn firmware_report_serves_update_firmware() {
    let mut sim = booted(None, 0);
    let req = json!({"location": "https://x/fw.bin", "retrieveDate": at(&sim, 0)});
    assert_eq!(sim.call_ok("UpdateFirmware", req), json!({}));
    sim.advance(0);
    assert_eq!(sim.cp.firmware_request().unwrap().request_id, None);
    sim.event(Event::Firmware(FirmwareReport::DownloadPaused));
    sim.event(Event::Firmware(FirmwareReport::DownloadResumed));
    sim.event(Event::Firmware(FirmwareReport::Downloaded {
        sha256: pki::sha256(b"any"),
    }));
    sim.event(Event::Firmware(FirmwareReport::Installed { reboot: false }));
    let calls = sim.answer_all();
    let statuses: Vec<&str> = calls
        .iter()
        .filter(|(a, _)| a == "FirmwareStatusNotification")
        .map(|(_, p)| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["Downloading", "Downloaded", "Installing", "Installed"]
    );
    let events: Vec<&str> = calls
        .iter()
        .filter(|(a, _)| a == "SecurityEventNotification")
        .map(|(_, p)| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["FirmwareUpdated"]);
}
