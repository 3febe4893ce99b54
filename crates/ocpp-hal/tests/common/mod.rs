//! A rig for the glue tests: a `ChargePoint` on `MemoryStorage`, a `Station` over a simulated
//! charger, a fake clock, and a central system scripted by hand (frames as JSON strings).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::must_use_candidate
)]

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::string::{String, ToString};
use std::vec::Vec;

use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{Action, ChargePoint, Instant, MemoryStorage, Setup};
use ocpp_core::json::{self, DecodeOptions};
use ocpp_core::rpc::Frame;
use ocpp_core::types::DateTime;
use ocpp_core::v16::{
    ChargePointErrorCode, ChargePointStatus, ChargingRateUnit, ConnectorId, ResetType,
    StatusNotificationRequest,
};
use ocpp_hal::sim::SimCharger;
use ocpp_hal::{
    ChargingLimit, Clock, ConnectorLock, ConnectorSensor, ConnectorState, EnergyOffer, Hal,
    IdTagReader, LockState, Meter, PresentedTag, Reset, Station,
};

pub type Store = MemoryStorage<8192>;

/// One frame the charge point sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    Call {
        id: String,
        action: String,
        payload: String,
    },
    Result {
        id: String,
        payload: String,
    },
    Error {
        id: String,
        code: String,
    },
}

/// Access to the simulation behind a HAL.
pub trait SimAccess {
    fn sim(&mut self) -> &mut SimCharger;
    fn sim_ref(&self) -> &SimCharger;
}

impl SimAccess for SimCharger {
    fn sim(&mut self) -> &mut SimCharger {
        self
    }
    fn sim_ref(&self) -> &SimCharger {
        self
    }
}

/// A hardware call, as the recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    SetOffer(ConnectorId, bool),
    SetLimit(ConnectorId, Option<ChargingLimit>),
    SetLocked(ConnectorId, bool),
    Reset(ResetType),
}

/// A `SimCharger` that records the commands it receives (reads are not recorded).
#[derive(Debug, Clone)]
pub struct Recorder {
    pub sim: SimCharger,
    pub calls: Vec<Call>,
    /// Fill every field of the readings (export, temperature, frequency too).
    pub full_meter: bool,
}

impl Recorder {
    pub fn new(connectors: u32) -> Self {
        Recorder {
            sim: SimCharger::new(connectors),
            calls: Vec::new(),
            full_meter: false,
        }
    }
}

impl SimAccess for Recorder {
    fn sim(&mut self) -> &mut SimCharger {
        &mut self.sim
    }
    fn sim_ref(&self) -> &SimCharger {
        &self.sim
    }
}

impl Meter for Recorder {
    type Error = <SimCharger as Meter>::Error;
    fn read(
        &mut self,
        c: ConnectorId,
    ) -> Result<Option<ocpp_core::charge_point::MeterReadings>, Self::Error> {
        let mut r = self.sim.read(c)?;
        if let Some(r) = r.as_mut().filter(|_| self.full_meter) {
            use ocpp_core::charge_point::Reading;
            r.energy_active_export_wh = Reading::from_milli(123_456_789_012);
            r.power_active_export_w = Reading::from_milli(1_234_567);
            r.temperature_c = Reading::from_milli(41_125);
            r.frequency_hz = Reading::from_milli(49_987);
        }
        Ok(r)
    }
}

impl ConnectorSensor for Recorder {
    type Error = <SimCharger as ConnectorSensor>::Error;
    fn state(&mut self, c: ConnectorId) -> Result<ConnectorState, Self::Error> {
        self.sim.state(c)
    }
    fn fault(&mut self, c: ConnectorId) -> Option<ChargePointErrorCode> {
        ConnectorSensor::fault(&mut self.sim, c)
    }
}

impl EnergyOffer for Recorder {
    type Error = <SimCharger as EnergyOffer>::Error;
    fn set_offer(&mut self, c: ConnectorId, on: bool) -> Result<(), Self::Error> {
        self.calls.push(Call::SetOffer(c, on));
        self.sim.set_offer(c, on)
    }
    fn set_limit(&mut self, c: ConnectorId, l: Option<ChargingLimit>) -> Result<(), Self::Error> {
        self.calls.push(Call::SetLimit(c, l));
        self.sim.set_limit(c, l)
    }
}

impl ConnectorLock for Recorder {
    type Error = <SimCharger as ConnectorLock>::Error;
    fn set_locked(&mut self, c: ConnectorId, locked: bool) -> Result<(), Self::Error> {
        self.calls.push(Call::SetLocked(c, locked));
        self.sim.set_locked(c, locked)
    }
    fn lock_state(&mut self, c: ConnectorId) -> Result<LockState, Self::Error> {
        self.sim.lock_state(c)
    }
}

impl IdTagReader for Recorder {
    type Error = <SimCharger as IdTagReader>::Error;
    fn poll_id_tag(&mut self) -> Result<Option<PresentedTag>, Self::Error> {
        self.sim.poll_id_tag()
    }
}

impl Reset for Recorder {
    type Error = <SimCharger as Reset>::Error;
    fn reset(&mut self, kind: ResetType) -> Result<(), Self::Error> {
        self.calls.push(Call::Reset(kind));
        self.sim.reset(kind)
    }
}

impl Clock for Recorder {
    fn now(&self) -> Option<DateTime> {
        Clock::now(&self.sim)
    }
}

/// The central system's clock: 2024-05-01T12:00:00Z at `Instant(0)`.
pub fn cs_time(now: Instant) -> String {
    DateTime::parse("2024-05-01T12:00:00Z")
        .unwrap()
        .add_millis(i64::try_from(now.millis()).unwrap())
        .to_string()
}

pub fn setup(connectors: u32) -> Setup {
    Setup::new("SimVendor", "SimModel", connectors)
}

pub struct Rig<H: Hal + SimAccess> {
    pub cp: ChargePoint<Store>,
    pub station: Station<H>,
    pub now: Instant,
    /// Every frame the charge point sent, in order.
    pub log: Vec<Sent>,
    /// Frames not yet looked at by the test.
    pub inbox: VecDeque<Sent>,
    /// Every action the station returned.
    pub actions: Vec<Action>,
    /// Resets the hardware carried out.
    pub resets: Vec<ResetType>,
    /// Turns of the loop so far.
    pub turns: u32,
    /// The deadline of the last drain's `Output::Timeout` (the station's: never `None`).
    pub deadline: Instant,
    next_tx: i32,
    next_cs_id: u32,
}

impl Rig<SimCharger> {
    pub fn new(connectors: u32) -> Self {
        Rig::with(SimCharger::new(connectors), connectors)
    }
}

impl Rig<Recorder> {
    pub fn recording(connectors: u32) -> Self {
        Rig::with(Recorder::new(connectors), connectors)
    }

    pub fn take_calls(&mut self) -> Vec<Call> {
        std::mem::take(&mut self.station.hal_mut().calls)
    }
}

impl<H: Hal + SimAccess> Rig<H> {
    pub fn with(hal: H, connectors: u32) -> Self {
        let now = Instant(0);
        let cp = new_cp(setup(connectors), Store::new(), now);
        let mut rig = Rig {
            cp,
            station: Station::new(hal, connectors),
            now,
            log: Vec::new(),
            inbox: VecDeque::new(),
            actions: Vec::new(),
            resets: Vec::new(),
            turns: 0,
            deadline: now,
            next_tx: 100,
            next_cs_id: 1,
        };
        rig.turn();
        rig
    }

    pub fn sim(&mut self) -> &mut SimCharger {
        self.station.hal_mut().sim()
    }

    /// One turn of the loop, as docs/integration.md describes it: the deadline is reached
    /// (`Input::Timeout`), then the drain through the station, which polls the hardware (at
    /// every turn here: the simulated hardware changes between turns).
    pub fn turn(&mut self) {
        self.turns += 1;
        let now = self.now;
        self.sim().advance(now);
        self.station.poll_now();
        self.input(Input::Timeout);
    }

    /// Feeds one input to the charge point and drains.
    pub fn input(&mut self, input: Input<'_>) {
        let described = format!("{input:?}");
        if let Err(e) = self.cp.handle_input(input, self.now) {
            panic!("input {described} refused: {e}");
        }
        self.drain();
    }

    /// Drains the outputs through the station until `Output::Timeout` (the drain rule), and
    /// checks that nothing was lost.
    pub fn drain(&mut self) {
        let now = self.now;
        let mut buf = vec![0u8; 16 * 1024];
        for _ in 0..100_000 {
            match self.station.poll_output(&mut self.cp, now, &mut buf) {
                Output::Transmit(frame) => {
                    let sent = parse_sent(frame);
                    self.log.push(sent.clone());
                    self.inbox.push_back(sent);
                }
                Output::Action(action) => {
                    if let Action::Reset { kind } = action {
                        self.resets.push(kind);
                    }
                    self.actions.push(action);
                }
                Output::Timeout(t) => {
                    self.deadline = t.unwrap_or_else(|| panic!("the station always has a poll"));
                    assert_eq!(self.cp.dropped_outputs(), 0, "outputs were dropped");
                    return;
                }
            }
        }
        panic!("poll_output never returned Timeout");
    }

    /// Runs the loop until `end`, waking when the station asks. After a turn (a Timeout input
    /// at now) the deadline must be later than now, else an integrator's loop would spin.
    pub fn run_until(&mut self, end: Instant) {
        loop {
            let next = self.deadline.max(self.now);
            if next > end {
                break;
            }
            self.now = next;
            self.turn();
            assert!(
                self.deadline > self.now,
                "the deadline does not advance: Output::Timeout({:?}) right after a Timeout \
                 input at {:?} (an integrator's loop would spin)",
                self.deadline,
                self.now
            );
            if self.now >= end {
                return;
            }
        }
        self.now = end;
        self.turn();
    }

    /// Runs the loop for `ms`.
    pub fn run(&mut self, ms: u64) {
        let end = self.now.add_millis(ms);
        self.run_until(end);
    }

    pub fn connect(&mut self) {
        self.input(Input::Connected);
    }

    /// Connects, accepts the BootNotification and answers what follows.
    pub fn boot(&mut self) {
        self.connect();
        let (id, _) = self.expect_call("BootNotification");
        let payload = format!(
            r#"{{"status":"Accepted","currentTime":"{}","interval":300}}"#,
            cs_time(self.now)
        );
        self.reply(&id, &payload);
        self.answer_all();
    }

    /// Sends a CALLRESULT for our CALL `id`.
    pub fn reply(&mut self, id: &str, payload: &str) {
        let text = format!(r#"[3,"{id}",{payload}]"#);
        self.input(Input::Frame(&text));
    }

    /// The next unseen CALL, which must be `action`; frames before it that are not CALLs are
    /// skipped, and so are StatusNotification and Heartbeat CALLs (answered) unless `action` is
    /// one of them.
    pub fn expect_call(&mut self, action: &str) -> (String, String) {
        while let Some(sent) = self.inbox.pop_front() {
            if let Sent::Call {
                id,
                action: a,
                payload,
            } = sent
            {
                if a != action && (a == "StatusNotification" || a == "Heartbeat") {
                    let answer = self.default_answer(&a);
                    self.reply(&id, &answer);
                    continue;
                }
                assert_eq!(a, action, "expected {action}, got {a} {payload}");
                return (id, payload);
            }
        }
        panic!("no {action} CALL was sent");
    }

    /// Answers every unseen CALL as a plain central system would, until none is left; returns
    /// the (action, payload) of each.
    pub fn answer_all(&mut self) -> Vec<(String, String)> {
        let mut seen = Vec::new();
        for _ in 0..100 {
            let Some(pos) = self
                .inbox
                .iter()
                .position(|s| matches!(s, Sent::Call { .. }))
            else {
                break;
            };
            let Some(Sent::Call {
                id,
                action,
                payload,
            }) = self.inbox.remove(pos)
            else {
                unreachable!()
            };
            let answer = self.default_answer(&action);
            seen.push((action, payload));
            self.reply(&id, &answer);
        }
        seen
    }

    /// A CALL from the central system; returns the charge point's answer if it gave one at once.
    pub fn cs_call(&mut self, action: &str, payload: &str) -> (String, Option<Sent>) {
        let id = format!("cs-{}", self.next_cs_id);
        self.next_cs_id += 1;
        let text = format!(r#"[2,"{id}","{action}",{payload}]"#);
        self.input(Input::Frame(&text));
        let answer = self.take_answer(&id);
        (id, answer)
    }

    /// Removes the answer to the central system's CALL `id` from the unseen frames.
    pub fn take_answer(&mut self, id: &str) -> Option<Sent> {
        let pos = self.inbox.iter().position(|s| match s {
            Sent::Result { id: i, .. } | Sent::Error { id: i, .. } => i == id,
            Sent::Call { .. } => false,
        })?;
        self.inbox.remove(pos)
    }

    fn default_answer(&mut self, action: &str) -> String {
        match action {
            "BootNotification" => format!(
                r#"{{"status":"Accepted","currentTime":"{}","interval":300}}"#,
                cs_time(self.now)
            ),
            "Heartbeat" => format!(r#"{{"currentTime":"{}"}}"#, cs_time(self.now)),
            "Authorize" | "StopTransaction" => r#"{"idTagInfo":{"status":"Accepted"}}"#.into(),
            "StartTransaction" => {
                self.next_tx += 1;
                format!(
                    r#"{{"idTagInfo":{{"status":"Accepted"}},"transactionId":{}}}"#,
                    self.next_tx
                )
            }
            "DataTransfer" => r#"{"status":"Accepted"}"#.into(),
            _ => "{}".into(),
        }
    }

    /// Plugs in, presents `tag` and answers everything: a running transaction.
    pub fn start_session(&mut self, connector: ConnectorId, tag: &str) {
        self.sim().plug(connector);
        self.sim().present_tag(connector, tag);
        self.turn();
        let calls = self.answer_all();
        assert!(
            calls.iter().any(|(a, _)| a == "StartTransaction"),
            "no StartTransaction in {calls:?}"
        );
        assert!(self.cp.transaction(connector).is_some());
    }

    /// The StatusNotifications among `calls`: (connector, status, error code).
    pub fn statuses(
        calls: &[(String, String)],
    ) -> Vec<(ConnectorId, ChargePointStatus, ChargePointErrorCode)> {
        calls
            .iter()
            .filter(|(a, _)| a == "StatusNotification")
            .map(|(_, p)| {
                let r: StatusNotificationRequest = decode(p);
                (r.connector_id, r.status, r.error_code)
            })
            .collect()
    }
}

/// A charge point, restored from `storage` (records read into a scratch buffer).
pub fn new_cp(setup: Setup, storage: Store, now: Instant) -> ChargePoint<Store> {
    let mut scratch = vec![0u8; 16 * 1024];
    ChargePoint::new(setup, storage, now, &mut scratch)
}

/// Decodes a payload with the core's decoder.
pub fn decode<'a, T: serde::Deserialize<'a>>(payload: &'a str) -> T {
    json::from_str(payload, &DecodeOptions::DEFAULT)
        .unwrap_or_else(|e| panic!("cannot decode {payload}: {e:?}"))
}

fn parse_sent(text: &str) -> Sent {
    match Frame::parse(text).unwrap_or_else(|e| panic!("invalid frame {text}: {e:?}")) {
        Frame::Call(c) => Sent::Call {
            id: c.id.to_string(),
            action: c.action.to_string(),
            payload: c.payload.to_string(),
        },
        Frame::CallResult(r) => Sent::Result {
            id: r.id.to_string(),
            payload: r.payload.to_string(),
        },
        Frame::CallError(e) => {
            let mut code = String::new();
            let _ = write!(code, "{:?}", e.code);
            Sent::Error {
                id: e.id.to_string(),
                code,
            }
        }
    }
}

/// An amp limit.
pub fn amps(a: i32) -> ChargingLimit {
    ChargingLimit {
        unit: ChargingRateUnit::A,
        limit: ocpp_core::types::Decimal::from_int(a),
        number_phases: None,
    }
}
