//! A scripted central system around a [`ChargePoint`] on a fake clock: no sockets, no sleeps.
//!
//! Every frame the charge point sends is parsed, and every CALL payload and every CALLRESULT
//! payload it sends is validated against the official OCPP 1.6 schema of its action.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::needless_pass_by_value,
    clippy::match_same_arms,
    clippy::map_unwrap_or
)]

use std::collections::VecDeque;

use ocpp_core::charge_point::io::{Input, Output, Refused};
use ocpp_core::charge_point::{
    Action, ChargePoint, DefaultLimits, Event, Instant, Limits, MeterReadings, Reading, RecordKey,
    SecurityParts, Setup, SmallLimits, Storage,
};
use ocpp_crypto::rustcrypto::{MemoryKeyStore, RustCrypto};

use super::cert_store::TestCertificateStore;
use ocpp_core::rpc::Frame;
use serde_json::{Value, json};

use super::schema;

/// Storage on the heap, for tests: survives a simulated restart (see [`Sim::restart`]).
#[derive(Debug, Clone, Default)]
pub struct Store {
    records: std::collections::HashMap<&'static str, Vec<u8>>,
    pub writes: usize,
    /// Bytes written by `store` and `append` (flash wear).
    pub bytes: usize,
    /// The security module `Storage::security` lends, if any.
    pub security: Option<Security>,
}

/// The tests' security module: the RustCrypto implementation and [`TestCertificateStore`].
pub type TestModule =
    ocpp_crypto::Module<RustCrypto<MemoryKeyStore, getrandom::SysRng>, TestCertificateStore>;

/// A security module and its scratch buffer (see `SecurityParts`).
pub struct Security {
    pub module: TestModule,
    pub scratch: Vec<u8>,
}

impl Security {
    /// `store` with a scratch buffer of `scratch` bytes.
    pub fn new(store: TestCertificateStore, scratch: usize) -> Self {
        Security {
            module: ocpp_crypto::Module::new(
                RustCrypto::new(MemoryKeyStore::new(), getrandom::SysRng),
                store,
            ),
            scratch: vec![0; scratch],
        }
    }
}

/// The certificate store and the scratch are cloned; the key store is not (a clone starts
/// without keys: no test that clones a store uses them).
impl Clone for Security {
    fn clone(&self) -> Self {
        let mut copy = Security::new(self.module.store.clone(), self.scratch.len());
        copy.scratch.copy_from_slice(&self.scratch);
        copy
    }
}

impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("store", &self.module.store)
            .field("scratch", &self.scratch.len())
            .finish_non_exhaustive()
    }
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: RecordKey) -> Option<&[u8]> {
        self.records.get(key.name()).map(Vec::as_slice)
    }

    /// Keeps the first `len` bytes of `key`: a power cut during an append.
    pub fn truncate(&mut self, key: RecordKey, len: usize) {
        if let Some(r) = self.records.get_mut(key.name()) {
            r.truncate(len);
        }
    }
}

impl Storage for Store {
    type Error = ();

    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        let Some(data) = self.records.get(key.name()) else {
            return Ok(None);
        };
        let dst = buf.get_mut(..data.len()).ok_or(())?;
        dst.copy_from_slice(data);
        Ok(Some(dst))
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
        self.records.insert(key.name(), data.to_vec());
        self.writes += 1;
        self.bytes += data.len();
        Ok(())
    }

    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, ()> {
        self.records
            .get_mut(key.name())
            .ok_or(())?
            .extend_from_slice(data);
        self.writes += 1;
        self.bytes += data.len();
        Ok(true)
    }

    fn security(&mut self) -> Option<SecurityParts<'_>> {
        self.security.as_mut().map(|s| SecurityParts {
            scratch: &mut s.scratch,
            module: &mut s.module,
        })
    }
}

/// One frame the charge point sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Call {
        id: String,
        action: String,
        payload: Value,
    },
    Result {
        id: String,
        payload: Value,
    },
    Error {
        id: String,
        code: String,
        description: String,
    },
}

/// The central system and a charge point of any capacities (`NC`, `NL`, `NA`, `L`: see
/// [`ChargePoint`]) and storage (`S`, [`Store`] by default); [`SmallSim`] for the small
/// profile.
pub struct Sim<
    const NC: usize = { ocpp_core::charge_point::DEFAULT_CONNECTOR_SLOTS },
    const NL: usize = { ocpp_core::limits::LOCAL_AUTH_LIST_MAX_LENGTH },
    const NA: usize = { ocpp_core::limits::AUTH_CACHE_SIZE },
    L: Limits = DefaultLimits,
    S: Storage = Store,
> {
    pub cp: ChargePoint<S, NC, NL, NA, L>,
    pub now: Instant,
    pub sent: VecDeque<Sent>,
    pub actions: Vec<Action>,
    /// CALLs we sent to the charge point, by id, to validate its answers with the right schema.
    calls: Vec<(String, String)>,
    next_id: u32,
    pub connected: bool,
    /// The transmit buffer's size.
    pub buf_len: usize,
    /// The deadline of the last drain's [`Output::Timeout`].
    pub deadline: Option<Instant>,
    /// Every frame sent, as sent.
    pub raw: Vec<String>,
    /// Outputs a test let the charge point drop on purpose ([`Sim::drain_lossy`]).
    dropped_ok: u32,
}

/// The central system's clock: 2024-05-01T12:00:00Z at `Instant(0)`, advancing with the fake clock.
pub fn cs_time(now: Instant) -> String {
    let base = ocpp_core::types::DateTime::parse("2024-05-01T12:00:00Z").unwrap();
    base.add_millis(i64::try_from(now.millis()).unwrap())
        .to_string()
}

pub fn setup(connectors: u32) -> Setup {
    let mut s = Setup::new("TestVendor", "TestModel", connectors);
    s.boot.charge_point_serial_number = Some("SN-1".try_into().unwrap());
    s.boot.firmware_version = Some("1.0.0".try_into().unwrap());
    s
}

impl Sim {
    pub fn new(connectors: u32) -> Self {
        Self::with(setup(connectors), Store::new(), Instant(0))
    }

    pub fn with(setup: Setup, storage: Store, now: Instant) -> Self {
        Self::build(setup, storage, now)
    }
}

/// The small profile's charge point ([`ocpp_core::charge_point::SmallChargePoint`]).
pub type SmallSim = Sim<3, 32, 16, SmallLimits>;

impl SmallSim {
    pub fn new_small(connectors: u32) -> Self {
        Self::build(setup(connectors), Store::new(), Instant(0))
    }
}

impl<const NC: usize, const NL: usize, const NA: usize, L: Limits, S: Storage>
    Sim<NC, NL, NA, L, S>
{
    pub fn build(setup: Setup, storage: S, now: Instant) -> Self {
        let buf_len = 64 * 1024;
        let mut scratch = vec![0u8; buf_len];
        let cp = ChargePoint::new(setup, storage, now, &mut scratch);
        let mut sim = Sim {
            cp,
            now,
            sent: VecDeque::new(),
            actions: Vec::new(),
            calls: Vec::new(),
            next_id: 1,
            connected: false,
            buf_len,
            deadline: None,
            raw: Vec::new(),
            dropped_ok: 0,
        };
        sim.drain();
        sim
    }

    /// A power cycle: a new charge point from the same storage (what was stored survives, nothing
    /// else), one second later.
    pub fn restart(self, setup: Setup) -> Self {
        let later = self.now.add_millis(1_000);
        let storage = self.cp.into_storage();
        Self::build(setup, storage, later)
    }

    /// Drains the outputs until [`Output::Timeout`] (the drain rule), validating every frame,
    /// and checks that nothing was lost: `dropped_outputs()` stays 0 for a caller that drains.
    pub fn drain(&mut self) {
        self.drain_outputs();
        assert_eq!(
            self.cp.dropped_outputs(),
            self.dropped_ok,
            "outputs were dropped although every input was drained"
        );
    }

    /// Drains after inputs fed without a drain ([`Sim::input_no_drain`]): returns how many
    /// outputs the charge point dropped meanwhile, and accepts them.
    pub fn drain_lossy(&mut self) -> u32 {
        self.drain_outputs();
        let dropped = self.cp.dropped_outputs() - self.dropped_ok;
        self.dropped_ok = self.cp.dropped_outputs();
        dropped
    }

    fn drain_outputs(&mut self) {
        let mut buf = vec![0u8; self.buf_len];
        for _ in 0..100_000 {
            match self.cp.poll_output(self.now, &mut buf) {
                Output::Transmit(frame) => {
                    assert!(self.connected, "a frame while disconnected: {frame}");
                    let frame = frame.to_owned();
                    self.record(&frame);
                }
                Output::Action(action) => self.actions.push(action),
                Output::Timeout(t) => {
                    self.deadline = t;
                    return;
                }
            }
        }
        panic!("poll_output never returned Timeout");
    }

    /// Feeds one input and drains; an input the harness gives must be accepted.
    pub fn input(&mut self, input: Input<'_>) {
        let described = format!("{input:?}");
        if let Err(e) = self.cp.handle_input(input, self.now) {
            panic!("input {described} refused: {e}");
        }
        self.drain();
    }

    /// Feeds one input without draining (to test the queues): what `handle_input` said.
    pub fn input_no_drain(&mut self, input: Input<'_>) -> Result<(), Refused> {
        self.cp.handle_input(input, self.now)
    }

    fn record(&mut self, text: &str) {
        self.raw.push(text.to_owned());
        let frame = Frame::parse(text)
            .unwrap_or_else(|e| panic!("charge point sent an invalid frame {text}: {e}"));
        let sent = match frame {
            Frame::Call(c) => {
                let payload: Value = serde_json::from_str(c.payload).unwrap();
                schema::check(c.action, &payload);
                assert!(
                    c.id.len() <= 36 && !c.id.is_empty(),
                    "message id {:?}",
                    c.id
                );
                Sent::Call {
                    id: c.id.to_owned(),
                    action: c.action.to_owned(),
                    payload,
                }
            }
            Frame::CallResult(r) => {
                let payload: Value = serde_json::from_str(r.payload).unwrap();
                let action = self
                    .calls
                    .iter()
                    .find(|(id, _)| id == r.id)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_else(|| panic!("CALLRESULT for an unknown id: {text}"));
                schema::check(&format!("{action}Response"), &payload);
                Sent::Result {
                    id: r.id.to_owned(),
                    payload,
                }
            }
            Frame::CallError(e) => Sent::Error {
                id: e.id.to_owned(),
                code: e.code.as_str().to_owned(),
                description: e.description().to_string(),
            },
        };
        self.sent.push_back(sent);
    }

    pub fn connect(&mut self) {
        self.connected = true;
        self.input(Input::Connected);
    }

    pub fn disconnect(&mut self) {
        self.connected = false;
        self.input(Input::Disconnected);
    }

    /// Feeds [`Input::Timeout`] now and drains.
    pub fn timeout(&mut self) {
        self.input(Input::Timeout);
    }

    /// Advances the clock by `ms`, waking the charge point at each deadline on the way.
    ///
    /// The loop must be honest: after a Timeout input at the deadline's instant, the next
    /// deadline is later than now (else an integrator's loop would spin); the test fails if not.
    pub fn advance(&mut self, ms: u64) {
        let end = self.now.add_millis(ms);
        while let Some(t) = self.deadline {
            if t > end {
                break;
            }
            if t > self.now {
                self.now = t;
            }
            self.timeout();
            if let Some(next) = self.deadline {
                assert!(
                    next > self.now,
                    "the deadline does not advance: Output::Timeout({next:?}) right after a \
                     Timeout input at {:?} (an integrator's loop would spin)",
                    self.now
                );
            }
        }
        self.now = end;
        self.timeout();
    }

    pub fn event(&mut self, e: Event) {
        self.input(Input::Event(e));
    }

    /// The next frame sent, which must be a CALL of `action`: its id and payload.
    pub fn expect_call(&mut self, action: &str) -> (String, Value) {
        match self.sent.pop_front() {
            Some(Sent::Call {
                id,
                action: a,
                payload,
            }) if a == action => (id, payload),
            other => panic!(
                "expected a {action} CALL, got {other:?} (then {:?})",
                self.sent
            ),
        }
    }

    /// Waits for a CALL of `action`, answering every other CALL on the way as a central system
    /// would (see [`default_response`]); returns its id and payload, unanswered.
    pub fn find_call(&mut self, action: &str) -> (String, Value) {
        for n in 0..200 {
            let Some(pos) = self
                .sent
                .iter()
                .position(|s| matches!(s, Sent::Call { .. }))
            else {
                break;
            };
            let Some(Sent::Call {
                id,
                action: a,
                payload,
            }) = self.sent.remove(pos)
            else {
                unreachable!()
            };
            if a == action {
                return (id, payload);
            }
            let response = default_response(&a, &payload, n, self.now);
            self.reply(&id, response);
        }
        panic!("no {action} CALL was sent (left: {:?})", self.sent);
    }

    /// Removes and returns the payload of the first CALLRESULT sent.
    pub fn take_result(&mut self) -> Option<Value> {
        let pos = self
            .sent
            .iter()
            .position(|s| matches!(s, Sent::Result { .. }))?;
        match self.sent.remove(pos) {
            Some(Sent::Result { payload, .. }) => Some(payload),
            _ => None,
        }
    }

    pub fn expect_nothing_sent(&mut self) {
        assert!(self.sent.is_empty(), "unexpected frames: {:?}", self.sent);
    }

    /// Feeds one frame from the central system and drains.
    pub fn frame(&mut self, text: &str) {
        self.input(Input::Frame(text));
    }

    /// Registers a CALL id sent by hand (with [`Sim::frame`] or without a drain), so that its
    /// CALLRESULT is validated against the right schema.
    pub fn expect_answer_to(&mut self, id: &str, action: &str) {
        self.calls.push((id.to_owned(), action.to_owned()));
    }

    /// Answers the charge point's CALL `id` with a CALLRESULT.
    pub fn reply(&mut self, id: &str, payload: Value) {
        let text = json!([3, id, payload]).to_string();
        self.frame(&text);
    }

    /// Answers the charge point's CALL `id` with a CALLERROR.
    pub fn reply_error(&mut self, id: &str, code: &str) {
        let text = json!([4, id, code, "test", {}]).to_string();
        self.frame(&text);
    }

    /// Sends a CALL to the charge point and returns what it answered (the next frame).
    pub fn call(&mut self, action: &str, payload: Value) -> Sent {
        let id = format!("cs-{}", self.next_id);
        self.next_id += 1;
        self.calls.push((id.clone(), action.to_owned()));
        let text = json!([2, id, action, payload]).to_string();
        self.frame(&text);
        let pos = self.sent.iter().position(
            |s| matches!(s, Sent::Result { id: i, .. } | Sent::Error { id: i, .. } if *i == id),
        );
        match pos {
            Some(p) => self.sent.remove(p).unwrap(),
            None => Sent::Call {
                id: String::new(),
                action: "<no answer yet>".into(),
                payload: Value::Null,
            },
        }
    }

    /// `call`, expecting a CALLRESULT: returns its payload.
    pub fn call_ok(&mut self, action: &str, payload: Value) -> Value {
        match self.call(action, payload) {
            Sent::Result { payload, .. } => payload,
            other => panic!("{action}: expected a CALLRESULT, got {other:?}"),
        }
    }

    /// Connects, answers BootNotification with Accepted (heartbeat 300 s, the central system's
    /// time, see [`cs_time`]) and answers the StatusNotifications that follow.
    pub fn boot(&mut self) {
        self.connect();
        let (id, _) = self.expect_call("BootNotification");
        self.reply(
            id.as_str(),
            json!({"status": "Accepted", "currentTime": cs_time(self.now), "interval": 300}),
        );
        self.answer_all();
    }

    /// Answers every CALL sent so far with an empty-but-valid response, until none is pending.
    /// Returns the (action, payload) of each.
    pub fn answer_all(&mut self) -> Vec<(String, Value)> {
        let mut seen = Vec::new();
        for _ in 0..200 {
            let Some(pos) = self
                .sent
                .iter()
                .position(|s| matches!(s, Sent::Call { .. }))
            else {
                break;
            };
            let Some(Sent::Call {
                id,
                action,
                payload,
            }) = self.sent.remove(pos)
            else {
                unreachable!()
            };
            let response = default_response(&action, &payload, seen.len(), self.now);
            seen.push((action, payload));
            self.reply(&id, response);
        }
        seen
    }

    pub fn take_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.actions)
    }
}

/// A plausible central-system answer to each request.
pub fn default_response(action: &str, _payload: &Value, n: usize, now: Instant) -> Value {
    match action {
        "BootNotification" => {
            json!({"status": "Accepted", "currentTime": cs_time(now), "interval": 300})
        }
        "Heartbeat" => json!({"currentTime": cs_time(now)}),
        "Authorize" => json!({"idTagInfo": {"status": "Accepted"}}),
        "StartTransaction" => {
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 1000 + n})
        }
        "StopTransaction" => json!({"idTagInfo": {"status": "Accepted"}}),
        "DataTransfer" => json!({"status": "Accepted"}),
        _ => json!({}),
    }
}

/// An idTag.
pub fn tag(s: &str) -> ocpp_core::v16::IdToken {
    s.try_into().unwrap()
}

/// Meter readings with only the energy register, Wh.
pub fn energy(wh: u32) -> MeterReadings {
    MeterReadings {
        energy_active_import_wh: Some(Reading::from(wh)),
        ..MeterReadings::default()
    }
}
