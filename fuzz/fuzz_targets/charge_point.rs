//! Fuzzes the whole charge point: arbitrary interleavings of connects, disconnects, frames from
//! the central system (arbitrary well-formed CALLs, answers to our CALLs with arbitrary payloads,
//! and raw text), hardware events, security events, time and restarts. The charge point must never panic, and
//! every frame it sends must be a valid OCPP-J frame.
//!
//! Its storage lends a security module (RustCrypto with a deterministic RNG, certificates in
//! memory, a 10,000-byte scratch), and `CpoName` and the serial number are set, so the security
//! extension's handlers run: InstallCertificate, GetInstalledCertificateIds, DeleteCertificate,
//! ExtendedTriggerMessage SignChargePointCertificate (a key pair and a CSR), CertificateSigned,
//! SignedUpdateFirmware. `InstallRoot` installs a valid CA certificate, so the lists, deletions
//! and verifications have something to work on.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{ChargePoint, Event, Instant, MeterReadings, Reading, Setup};
use ocpp_core::rpc::{self, Frame};
use ocpp_core::v16::{ChargePointErrorCode, Reason, Request, Response};

#[path = "common/store.rs"]
mod store;
use store::Store;

#[derive(Debug, Arbitrary)]
enum Op {
    Connect,
    Disconnect,
    /// Milliseconds, up to ~18 minutes.
    Advance(u16, u8),
    /// A CALL from the central system with an arbitrary (well-typed) request.
    Call(Request),
    /// An answer to our last CALL: a CALLRESULT with an arbitrary response (any action's).
    Answer(Response),
    /// A CALLERROR for our last CALL.
    AnswerError,
    /// Raw text.
    Raw(String),
    Plug(u8),
    Unplug(u8),
    Tag(u8, u8),
    EvCharging(u8, bool),
    Meter(u8, u32),
    Fault(u8),
    FaultCleared(u8),
    Stop(u8),
    UnlockResult(u8, bool),
    FirmwareDownloaded(bool),
    FirmwareInstalled(bool),
    DiagnosticsUploaded(bool),
    /// The outcome of an `Action::UploadLog`: a requestId (small: the GetLog CALLs' are
    /// arbitrary, so a match is rare either way; reading the current one makes it likely) and a
    /// status (any `UploadLogStatus`, the meaningless Idle and Uploading included).
    LogUploaded(Option<i8>, u8),
    /// The integrator reports a security event (whitepaper ch. 8), with a techInfo.
    SecurityEvent(u8, Option<String>),
    /// Sets SecurityProfile (0-3) directly: security events are raised from 1 on.
    SecurityProfile(u8),
    /// InstallCertificate.req with a valid CA certificate ([`ROOT`]): a CentralSystemRoot
    /// (true) or a ManufacturerRoot (false).
    InstallRoot(bool),
    Restart,
}

/// A self-signed P-256 CA certificate valid from 2026-12-08 for 100 years.
const ROOT: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBrTCCAVOgAwIBAgIUEDOaxU9kD2c5Si5GShTPUcqa8lYwCgYIKoZIzj0EAwIw\n\
IzENMAsGA1UECgwERnV6ejESMBAGA1UEAwwJRnV6eiBSb290MCAXDTI2MTIwODAw\n\
MjkwMloYDzIxMjYxMTE0MDAyOTAyWjAjMQ0wCwYDVQQKDARGdXp6MRIwEAYDVQQD\n\
DAlGdXp6IFJvb3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATefpNBqV4PeiOc\n\
PyZch6YW6dYSbahCMKGz2DvSd7DkmyZwMrXKhjsR73aKSgrA3jbt/S1qVvoK8vXd\n\
mwBobE7ho2MwYTAdBgNVHQ4EFgQUZjodWtNs6xLnKc2vz2nwlQWw1IAwHwYDVR0j\n\
BBgwFoAUZjodWtNs6xLnKc2vz2nwlQWw1IAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV\n\
HQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIgVGDDgSjCMvLmbWCTAONL936z\n\
uY+OObHRpUGx2sqmwb4CIQCm/4Ot2JrgxZqu+BGlygmRKeSXl4qDYkixGgQNI7HM\n\
XQ==\n\
-----END CERTIFICATE-----\n";

const TAGS: [&str; 4] = ["CARD1", "CARD2", "APP", "card1"];

fn setup() -> Setup {
    let mut setup = Setup::new("FuzzVendor", "FuzzModel", 2);
    // The CN of the certificate signing requests.
    setup.boot.charge_point_serial_number = "FUZZ-0001".try_into().ok();
    setup
}

/// A charge point from `storage`, with the CpoName its certificate signing requests need.
fn start(storage: Store, now: Instant, buf: &mut [u8]) -> Box<ChargePoint<Store>> {
    let mut cp = Box::new(ChargePoint::new(setup(), storage, now, buf));
    if cp.configuration().cpo_name.is_none() {
        cp.configuration_mut().cpo_name = "Fuzz CPO".try_into().ok();
    }
    cp
}

fuzz_target!(|ops: Vec<Op>| {
    let mut now = Instant(0);
    let mut buf = vec![0u8; 64 * 1024];
    let mut cp = start(Store::with_security(), now, &mut buf);
    let mut last_call: Option<String> = None;
    let mut next_id = 0u32;
    for op in ops.into_iter().take(200) {
        match op {
            Op::Connect => feed(&mut cp, Input::Connected, now),
            Op::Disconnect => feed(&mut cp, Input::Disconnected, now),
            Op::Advance(ms, mul) => {
                now = now.add_millis(u64::from(ms) * u64::from(mul % 16 + 1));
                feed(&mut cp, Input::Timeout, now);
            }
            Op::Call(req) => {
                next_id += 1;
                let id = format!("cs-{next_id}");
                if let Ok(text) = rpc::encode_call(&mut buf, &id, req.action().as_str(), &req) {
                    let text = text.to_owned();
                    feed(&mut cp, Input::Frame(&text), now);
                }
            }
            Op::Answer(resp) => {
                if let Some(id) = &last_call {
                    if let Ok(text) = rpc::encode_call_result(&mut buf, id, &resp) {
                        let text = text.to_owned();
                        feed(&mut cp, Input::Frame(&text), now);
                    }
                }
            }
            Op::AnswerError => {
                if let Some(id) = &last_call {
                    if let Ok(text) = rpc::encode_call_error(&mut buf, id, rpc::ErrorCode::InternalError, "fuzz") {
                        let text = text.to_owned();
                        feed(&mut cp, Input::Frame(&text), now);
                    }
                }
            }
            Op::Raw(text) => feed(&mut cp, Input::Frame(&text), now),
            Op::Plug(c) => feed(&mut cp, Input::Event(Event::Plugged { connector: u32::from(c % 4) }), now),
            Op::Unplug(c) => feed(&mut cp, Input::Event(Event::Unplugged { connector: u32::from(c % 4) }), now),
            Op::Tag(c, t) => {
                let connector = if c % 5 == 4 { None } else { Some(u32::from(c % 4)) };
                let id_tag = TAGS[usize::from(t) % TAGS.len()].try_into().unwrap_or_default();
                feed(&mut cp, Input::Event(Event::IdTag { connector, id_tag }), now);
            }
            Op::EvCharging(c, charging) => feed(&mut cp, Input::Event(Event::EvCharging { connector: u32::from(c % 4), charging }), now),
            Op::Meter(c, wh) => {
                let readings = MeterReadings { energy_active_import_wh: Some(Reading::from(wh)), ..MeterReadings::default() };
                feed(&mut cp, Input::Event(Event::Meter { connector: u32::from(c % 4), readings }), now);
            }
            Op::Fault(c) => feed(
                &mut cp,
                Input::Event(Event::Fault { connector: u32::from(c % 4), error_code: ChargePointErrorCode::GroundFailure, info: None, vendor_error_code: None }),
                now,
            ),
            Op::FaultCleared(c) => feed(&mut cp, Input::Event(Event::FaultCleared { connector: u32::from(c % 4) }), now),
            Op::Stop(c) => feed(&mut cp, Input::Event(Event::StopRequested { connector: u32::from(c % 4), reason: Reason::EmergencyStop }), now),
            Op::UnlockResult(c, ok) => feed(&mut cp, Input::Event(Event::UnlockResult { connector: u32::from(c % 4), unlocked: ok }), now),
            Op::FirmwareDownloaded(ok) => feed(&mut cp, Input::Event(Event::FirmwareDownloaded { ok }), now),
            Op::FirmwareInstalled(ok) => feed(&mut cp, Input::Event(Event::FirmwareInstalled { ok }), now),
            Op::DiagnosticsUploaded(ok) => feed(&mut cp, Input::Event(Event::DiagnosticsUploaded { ok }), now),
            Op::LogUploaded(id, s) => {
                let request_id = id.map_or_else(|| cp.log_request().map_or(0, |r| r.request_id), i32::from);
                let all = ocpp_core::v16::UploadLogStatus::ALL;
                if let Some(&status) = all.get(usize::from(s) % all.len()) {
                    feed(&mut cp, Input::Event(Event::LogUploaded { request_id, status }), now);
                }
            }
            Op::SecurityEvent(k, info) => {
                let all = ocpp_core::v16::SecurityEvent::ALL;
                if let Some(&kind) = all.get(usize::from(k) % all.len()) {
                    feed(&mut cp, Input::SecurityEvent { kind, tech_info: info.as_deref() }, now);
                }
            }
            Op::SecurityProfile(p) => cp.configuration_mut().security_profile = p % 4,
            Op::InstallRoot(central_system) => {
                next_id += 1;
                let kind = if central_system { "CentralSystemRootCertificate" } else { "ManufacturerRootCertificate" };
                let certificate = ROOT.replace('\n', "\\n"); // JSON-escaped
                let text = format!(r#"[2,"cs-{next_id}","InstallCertificate",{{"certificateType":"{kind}","certificate":"{certificate}"}}]"#);
                feed(&mut cp, Input::Frame(&text), now);
            }
            Op::Restart => {
                let storage = cp.into_storage();
                now = now.add_millis(1000);
                cp = start(storage, now, &mut buf);
                last_call = None;
            }
        }
        // The drain, after every input: every frame must parse; remember our last CALL's id to
        // answer it. A caller that drains loses nothing.
        loop {
            match cp.poll_output(now, &mut buf) {
                Output::Transmit(frame) => match Frame::parse(frame) {
                    Ok(Frame::Call(call)) => {
                        assert!(rpc::is_valid_message_id(call.id), "{frame}");
                        last_call = Some(call.id.to_owned());
                    }
                    Ok(_) => {}
                    Err(e) => panic!("the charge point sent an invalid frame ({e}): {frame}"),
                },
                Output::Action(_) => {}
                Output::Timeout(_) => break,
            }
        }
        assert_eq!(cp.dropped_outputs(), 0, "outputs dropped although every input was drained");
    }
});

/// One input; a refused one (a connector the charge point does not have) changes nothing.
fn feed(cp: &mut ChargePoint<Store>, input: Input<'_>, now: Instant) {
    let _ = cp.handle_input(input, now);
}
