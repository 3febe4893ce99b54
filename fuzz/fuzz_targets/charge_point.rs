//! Fuzzes the whole charge point: arbitrary interleavings of connects, disconnects, frames from
//! the central system (arbitrary well-formed CALLs, answers to our CALLs with arbitrary payloads,
//! and raw text), hardware events, time and restarts. The charge point must never panic, and
//! every frame it sends must be a valid OCPP-J frame.
#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ocpp_core::charge_point::{ChargePoint, Event, Instant, MeterReadings, Reading, RecordKey, Setup, Storage};
use ocpp_core::rpc::{self, Frame};
use ocpp_core::v16::{ChargePointErrorCode, Reason, Request, Response};

#[derive(Default)]
struct Store(HashMap<&'static str, Vec<u8>>);

impl Storage for Store {
    type Error = ();
    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        let Some(data) = self.0.get(key.name()) else { return Ok(None) };
        let dst = buf.get_mut(..data.len()).ok_or(())?;
        dst.copy_from_slice(data);
        Ok(Some(dst))
    }
    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
        self.0.insert(key.name(), data.to_vec());
        Ok(())
    }
}

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
    Restart,
}

const TAGS: [&str; 4] = ["CARD1", "CARD2", "APP", "card1"];

fn setup() -> Setup {
    Setup::new("FuzzVendor", "FuzzModel", 2)
}

fuzz_target!(|ops: Vec<Op>| {
    let mut now = Instant(0);
    let mut cp = Box::new(ChargePoint::new(setup(), Store::default(), now));
    let mut buf = vec![0u8; 64 * 1024];
    let mut last_call: Option<String> = None;
    let mut next_id = 0u32;
    for op in ops.into_iter().take(200) {
        match op {
            Op::Connect => cp.handle_connected(now),
            Op::Disconnect => cp.handle_disconnected(now),
            Op::Advance(ms, mul) => {
                now = now.add_millis(u64::from(ms) * u64::from(mul % 16 + 1));
                cp.handle_timeout(now);
            }
            Op::Call(req) => {
                next_id += 1;
                let id = format!("cs-{next_id}");
                if let Ok(text) = rpc::encode_call(&mut buf, &id, req.action().as_str(), &req) {
                    let text = text.to_owned();
                    cp.handle_frame(&text, now);
                }
            }
            Op::Answer(resp) => {
                if let Some(id) = &last_call {
                    if let Ok(text) = rpc::encode_call_result(&mut buf, id, &resp) {
                        let text = text.to_owned();
                        cp.handle_frame(&text, now);
                    }
                }
            }
            Op::AnswerError => {
                if let Some(id) = &last_call {
                    if let Ok(text) = rpc::encode_call_error(&mut buf, id, rpc::ErrorCode::InternalError, "fuzz") {
                        let text = text.to_owned();
                        cp.handle_frame(&text, now);
                    }
                }
            }
            Op::Raw(text) => cp.handle_frame(&text, now),
            Op::Plug(c) => cp.handle_event(Event::Plugged { connector: u32::from(c % 4) }, now),
            Op::Unplug(c) => cp.handle_event(Event::Unplugged { connector: u32::from(c % 4) }, now),
            Op::Tag(c, t) => {
                let connector = if c % 5 == 4 { None } else { Some(u32::from(c % 4)) };
                let id_tag = TAGS[usize::from(t) % TAGS.len()].try_into().unwrap_or_default();
                cp.handle_event(Event::IdTag { connector, id_tag }, now);
            }
            Op::EvCharging(c, charging) => cp.handle_event(Event::EvCharging { connector: u32::from(c % 4), charging }, now),
            Op::Meter(c, wh) => {
                let readings = MeterReadings { energy_active_import_wh: Some(Reading::from(wh)), ..MeterReadings::default() };
                cp.handle_event(Event::Meter { connector: u32::from(c % 4), readings }, now);
            }
            Op::Fault(c) => cp.handle_event(
                Event::Fault { connector: u32::from(c % 4), error_code: ChargePointErrorCode::GroundFailure, info: None, vendor_error_code: None },
                now,
            ),
            Op::FaultCleared(c) => cp.handle_event(Event::FaultCleared { connector: u32::from(c % 4) }, now),
            Op::Stop(c) => cp.handle_event(Event::StopRequested { connector: u32::from(c % 4), reason: Reason::EmergencyStop }, now),
            Op::UnlockResult(c, ok) => cp.handle_event(Event::UnlockResult { connector: u32::from(c % 4), unlocked: ok }, now),
            Op::FirmwareDownloaded(ok) => cp.handle_event(Event::FirmwareDownloaded { ok }, now),
            Op::FirmwareInstalled(ok) => cp.handle_event(Event::FirmwareInstalled { ok }, now),
            Op::DiagnosticsUploaded(ok) => cp.handle_event(Event::DiagnosticsUploaded { ok }, now),
            Op::Restart => {
                let storage = cp.into_storage();
                now = now.add_millis(1000);
                cp = Box::new(ChargePoint::new(setup(), storage, now));
                last_call = None;
            }
        }
        // Drain: every frame must parse; remember our last CALL's id to answer it.
        while let Some(frame) = cp.poll_transmit(now, &mut buf) {
            match Frame::parse(frame) {
                Ok(Frame::Call(call)) => {
                    assert!(rpc::is_valid_message_id(call.id), "{frame}");
                    last_call = Some(call.id.to_owned());
                }
                Ok(_) => {}
                Err(e) => panic!("the charge point sent an invalid frame ({e}): {frame}"),
            }
        }
        while cp.poll_action().is_some() {}
        if let Some(t) = cp.poll_timeout() {
            // Deadlines never lie in the past by more than the last step (no busy loop).
            let _ = t;
        }
    }
});
