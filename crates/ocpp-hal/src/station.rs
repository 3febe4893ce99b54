//! [`Station`]: the glue between a [`ChargePoint`] and the hardware traits.
//!
//! The station owns the hardware ([`Hal`]) and nothing of the network: the integrator keeps the
//! socket. It sits in front of the charge point's one input and one output, and keeps their rule
//! (after any input, drain the output until it returns `Timeout`):
//!
//! ```ignore
//! loop {
//!     // One input, straight to the charge point: a frame, the connection, or the deadline
//!     // reached (Input::Timeout).
//!     let _ = cp.handle_input(input, now);
//!     // The drain: the hardware actions are already carried out when they come out; the
//!     // station polls the hardware when its poll is due and feeds each change as an event.
//!     let deadline = loop {
//!         match station.poll_output(&mut cp, now, &mut buf) {
//!             Output::Transmit(frame) => socket.send(frame),
//!             Output::Action(action) => show(action), // Authorization on the display, ...
//!             Output::Timeout(t) => break t,          // the charge point's or the next poll
//!         }
//!     };
//!     // Sleep until `deadline` or a frame; then feed Input::Timeout or the frame.
//! }
//! ```
//!
//! Changes are detected, not repeated: a connector that stays plugged gives one
//! `Event::Plugged`, meter readings are fed when they differ from the last ones fed.
//!
//! A driver that drains the charge point itself uses the two halves: [`Station::apply`] for each
//! action, and [`Station::poll_event`] for the events, one input at a time.

use core::fmt::{self, Debug, Write as _};

use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{
    Action, ChargePoint, DEFERRED_ANSWER_TIMEOUT_MS, Event, Instant, MeterReadings, Storage,
};
use ocpp_core::limits::MAX_CONNECTORS;
use ocpp_core::types::CiString50;
use ocpp_core::v16::{ChargePointErrorCode, ConnectorId};

use crate::traits::{ConnectorState, Hal, LockState};

/// How often the station polls the hardware by default: often enough that a
/// plug, a card or a fault is seen within a quarter second.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 250;

/// Consecutive failed reads of a meter or a connector sensor before the station reports a fault:
/// one garbled Modbus frame is not a broken meter.
pub const READ_FAILURES_BEFORE_FAULT: u8 = 3;

/// Identifiers taken from the readers per hardware poll.
pub const MAX_TAGS_PER_POLL: usize = 4;

/// Where a fault comes from, in the order of precedence for the one code a connector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// [`crate::ConnectorSensor::fault`]: ground fault, over-current, temperature, ...
    Hardware = 0,
    /// [`crate::EnergyOffer::set_offer`] failed (latched).
    Switch = 1,
    /// [`crate::ConnectorLock`] failed (latched).
    Lock = 2,
    /// [`crate::Reset::reset`] failed (latched, connector 0).
    Reset = 3,
    /// [`crate::Meter::read`] keeps failing.
    Meter = 4,
    /// [`crate::ConnectorSensor::state`] keeps failing.
    Sensor = 5,
}

const SOURCES: usize = 6;
const LATCHED: [Source; 3] = [Source::Switch, Source::Lock, Source::Reset];

#[derive(Debug, Clone, PartialEq, Eq)]
struct FaultInfo {
    code: ChargePointErrorCode,
    info: Option<CiString50>,
}

/// What the station knows of one connector (index 0: the charge point as a whole).
#[derive(Debug, Clone, PartialEq, Default)]
struct Slot {
    /// The state last fed to the charge point.
    state: ConnectorState,
    /// The readings last fed.
    readings: Option<MeterReadings>,
    meter_failures: u8,
    sensor_failures: u8,
    faults: [Option<FaultInfo>; SOURCES],
    /// The fault code last fed (`Event::Fault`), until `Event::FaultCleared`.
    reported: Option<ChargePointErrorCode>,
    /// An unlock in progress, since when.
    unlock_since: Option<Instant>,
    /// The outcome of an unlock, to feed (`Event::UnlockResult`).
    unlock_result: Option<bool>,
    /// A failed or cleared command changed the faults: report them before the next scan step.
    dirty: bool,
}

/// Where the hardware poll in progress is: one step per call of [`Station::poll_event`], so that
/// every event is a separate input with a drain after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// No poll in progress.
    Idle,
    /// The safe state (first poll).
    Start,
    /// The real-time clock (until it was fed once).
    Clock,
    /// Connector `.0`, at step `.1`.
    Connector(ConnectorId, Step),
    /// Identifiers taken from the readers so far.
    Tags(usize),
}

/// The steps of one connector, in the order of [`Station::poll_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Meter,
    Sensor,
    Fault,
    Plugged,
    EvCharging,
    Unplugged,
    Unlock,
}

/// How many calls into each trait failed since the station was made (for logs and health
/// counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HardwareErrors {
    /// [`crate::Meter::read`].
    pub meter: u32,
    /// [`crate::ConnectorSensor::state`].
    pub sensor: u32,
    /// [`crate::EnergyOffer::set_offer`].
    pub offer: u32,
    /// [`crate::ConnectorLock`].
    pub lock: u32,
    /// [`crate::IdTagReader::poll_id_tag`].
    pub reader: u32,
    /// [`crate::Reset::reset`].
    pub reset: u32,
}

/// The hardware of a charge point, wired to a [`ChargePoint`]: polls sensors, meters and readers
/// into `Event`s, and carries `Action`s out on the hardware.
///
/// | Action | hardware call | answer fed back |
/// |---|---|---|
/// | `EnergyOffer` | [`crate::EnergyOffer::set_offer`] | on failure `Event::Fault` `PowerSwitchFailure` |
/// | `CableLock` | [`crate::ConnectorLock::set_locked`] | on failure `Event::Fault` `ConnectorLockFailure` |
/// | `Unlock` | [`crate::ConnectorLock::set_locked`]`(false)`, then [`crate::ConnectorLock::lock_state`] until it settles | `Event::UnlockResult` |
/// | `Reset` | [`crate::Reset::reset`] | on failure `Event::Fault` `ResetFailure` (connector 0) |
/// | the others | none: they are the integrator's (display, logs, DataTransfer) | |
///
/// | Hardware | event fed |
/// |---|---|
/// | first poll (and after [`Station::resync`]): [`crate::EnergyOffer::set_offer`]`(false)` and [`crate::ConnectorLock::set_locked`]`(false)` on every connector without a transaction (the safe state after a restart) | on failure `Event::Fault` |
/// | [`crate::Clock::now`], once it knows the time | `Event::ClockSync` (once) |
/// | [`crate::Meter::read`], when the readings change | `Event::Meter` |
/// | [`crate::ConnectorSensor::state`] `plugged` changes | `Event::Plugged` / `Event::Unplugged` |
/// | [`crate::ConnectorSensor::state`] `ev_charging` changes | `Event::EvCharging` |
/// | [`crate::ConnectorSensor::fault`], failing reads | `Event::Fault` / `Event::FaultCleared` |
/// | [`crate::IdTagReader::poll_id_tag`] | `Event::IdTag` |
///
/// Faults: a connector reports one code at a time, by precedence: the hardware's own fault,
/// then a failed switch, lock or reset (these stay until [`Station::clear_fault`]: a contactor
/// that did not open is not fixed by the next command succeeding), then a meter or sensor whose
/// reads failed [`READ_FAILURES_BEFORE_FAULT`] times in a row (cleared by the next good read).
///
/// Events are fed one per input, each followed by the drain: by [`Station::poll_output`] when
/// the charge point has nothing left to hand out, or, for a driver that drains the charge point
/// itself, handed out by [`Station::poll_event`]. The hardware is polled when the poll is due
/// (every [`DEFAULT_POLL_INTERVAL_MS`] by default, at once after [`Station::poll_now`]).
pub struct Station<H> {
    hal: H,
    connectors: u32,
    slots: [Slot; MAX_CONNECTORS + 1],
    clock_synced: bool,
    /// The safe state (offer off, lock released) was applied.
    safe: bool,
    poll_interval_ms: u64,
    next_poll: Instant,
    errors: HardwareErrors,
    /// The hardware poll in progress.
    scan: Scan,
    /// The state read by the sensor step of the connector being scanned.
    sensed: Option<ConnectorState>,
    /// [`Station::poll_output`] fed events since it last fed `Input::Timeout`.
    fed_event: bool,
}

impl<H: Hal> Station<H> {
    /// A station for `hal` with `connectors` connectors (clamped to 1..=`MAX_CONNECTORS`, as
    /// `Setup::new` does). The first hardware poll (at the first [`Station::poll_output`])
    /// reports the whole state.
    pub fn new(hal: H, connectors: u32) -> Self {
        Station {
            hal,
            connectors: connectors.clamp(1, MAX_CONNECTORS as u32),
            slots: core::array::from_fn(|_| Slot::default()),
            clock_synced: false,
            safe: false,
            poll_interval_ms: DEFAULT_POLL_INTERVAL_MS,
            next_poll: Instant(0),
            errors: HardwareErrors::default(),
            scan: Scan::Idle,
            sensed: None,
            fed_event: false,
        }
    }

    /// The hardware.
    pub fn hal(&self) -> &H {
        &self.hal
    }

    /// The hardware, to drive it directly (set a limit, a display) or, for a simulation, to
    /// change it.
    pub fn hal_mut(&mut self) -> &mut H {
        &mut self.hal
    }

    /// Consumes the station and returns the hardware.
    pub fn into_hal(self) -> H {
        self.hal
    }

    /// The number of connectors.
    pub fn connectors(&self) -> u32 {
        self.connectors
    }

    /// Sets how often the station polls the hardware (at least 1 ms).
    pub fn set_poll_interval(&mut self, ms: u64) {
        self.poll_interval_ms = ms.max(1);
    }

    /// Failed hardware calls so far.
    pub fn errors(&self) -> &HardwareErrors {
        &self.errors
    }

    /// The fault code the station reported for `connector` (0: the charge point), if any.
    pub fn fault(&self, connector: ConnectorId) -> Option<ChargePointErrorCode> {
        self.slots.get(connector as usize).and_then(|s| s.reported)
    }

    /// Forgets what the charge point was told: the next hardware poll (at once) reports the
    /// whole state again (plugged connectors, readings, the clock, faults). Call it after
    /// building a new `ChargePoint` (after a reset on a host), which knows nothing yet.
    pub fn resync(&mut self) {
        for slot in &mut self.slots {
            slot.state = ConnectorState::default();
            slot.readings = None;
            slot.reported = None;
            slot.unlock_since = None;
            slot.unlock_result = None;
            slot.dirty = false;
        }
        self.clock_synced = false;
        self.safe = false;
        self.next_poll = Instant(0);
        self.scan = Scan::Idle;
        self.sensed = None;
        self.fed_event = false;
    }

    /// Polls the hardware at the next [`Station::poll_output`] (or [`Station::poll_event`])
    /// instead of waiting for the poll interval: after a change the integrator knows of (an
    /// interrupt, a simulated plug).
    pub fn poll_now(&mut self) {
        self.next_poll = Instant(0);
    }

    /// Clears the faults of failed commands (switch, lock, reset) on `connector` once the
    /// hardware was repaired or checked. If none remains, the charge point is told
    /// (`Event::FaultCleared`) during the next drain ([`Station::poll_output`] or
    /// [`Station::poll_event`]): drain after calling this.
    pub fn clear_fault(&mut self, connector: ConnectorId) {
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            for source in LATCHED {
                if let Some(f) = slot.faults.get_mut(source as usize) {
                    *f = None;
                }
            }
            slot.dirty = true;
        }
    }

    /// The next hardware poll.
    pub fn next_poll(&self) -> Instant {
        self.next_poll
    }

    /// The next output, as `ChargePoint::poll_output`, with the hardware wired in:
    /// - an `Action` comes out already carried out on the hardware when it is a hardware action
    ///   (see the table on [`Station`]); every action is returned, so that the integrator can
    ///   show `Authorization`, log, and answer `DataTransferRequested`
    ///   (`Input::DataTransferAnswer`). `Reset` is returned only after [`crate::Reset::reset`]
    ///   returned `Ok` (on a host: build a new `ChargePoint` from the same storage and call
    ///   [`Station::resync`]); when the reset failed it is not returned and connector 0 reports
    ///   `ResetFailure`. `StorageFailed`: the record is not durable; check the storage.
    /// - when the charge point has nothing more, the station feeds it its next event (a hardware
    ///   poll is due, a command failed, an unlock finished) and goes on draining: one event per
    ///   input, as the drain rule wants.
    /// - `Timeout`: the earlier of the charge point's deadline and the next hardware poll (never
    ///   `None`). When the events the station fed make a deadline of the charge point due, the
    ///   station feeds `Input::Timeout` itself before returning. Feed `Input::Timeout` to the charge point then, and drain again.
    pub fn poll_output<'b, S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Output<'b> {
        let base = buf.as_ptr().addr();
        let (start, len) = loop {
            match cp.poll_output(now, buf) {
                Output::Transmit(frame) => {
                    break (frame.as_ptr().addr().wrapping_sub(base), frame.len());
                }
                Output::Action(action) => {
                    if let Some(action) = self.apply(action, now) {
                        return Output::Action(action);
                    }
                }
                Output::Timeout(t) => {
                    if let Some(event) = self.poll_event(cp, now) {
                        // The station's connector count is within the charge point's (both
                        // clamp the same way); a refused event changed nothing.
                        let _ = cp.handle_input(Input::Event(event), now);
                        self.fed_event = true;
                    } else if self.fed_event && t.is_some_and(|t| t <= now) {
                        // The events fed since the caller's last input want the timers now:
                        // the caller's Timeout came before them.
                        let _ = cp.handle_input(Input::Timeout, now);
                        self.fed_event = false;
                    } else {
                        self.fed_event = false;
                        return Output::Timeout(Some(self.deadline(t)));
                    }
                }
            }
        };
        // The frame is in `buf` (re-borrowed here: the borrow checker cannot return the
        // charge point's borrow from inside the loop).
        match buf
            .get(start..start.saturating_add(len))
            .and_then(|b| core::str::from_utf8(b).ok())
        {
            Some(frame) => Output::Transmit(frame),
            None => Output::Timeout(Some(now)),
        }
    }

    /// When to feed `Input::Timeout` next for a charge point whose last drain ended with
    /// `Output::Timeout(cp_deadline)`: the earlier of that and the next hardware poll. For
    /// drivers that drain the charge point themselves ([`Station::poll_event`]).
    pub fn deadline(&self, cp_deadline: Option<Instant>) -> Instant {
        cp_deadline.map_or(self.next_poll, |t| t.min(self.next_poll))
    }

    /// The next event from the hardware, for a driver that drains the charge point itself:
    /// feed it (`Input::Event`) and drain, then ask again, until `None`.
    ///
    /// First what commands left (a fault of a failed switch, lock or reset, or one cleared with
    /// [`Station::clear_fault`]; an unlock's result); then, when a hardware poll is due, the
    /// poll, one step at a time. Per connector, in this order: the meter (so that a stop caused
    /// by what follows carries the latest register), the hardware fault and the plug state,
    /// faults reported or cleared, then plug and EV changes and an unlock in progress. Then the
    /// readers, last, so that a card meets an up-to-date connector.
    pub fn poll_event<S: Storage>(&mut self, cp: &ChargePoint<S>, now: Instant) -> Option<Event> {
        if let Some(event) = self.left_by_commands() {
            return Some(event);
        }
        if self.scan == Scan::Idle {
            if now < self.next_poll {
                return None;
            }
            self.next_poll = now.add_millis(self.poll_interval_ms);
            self.scan = Scan::Start;
        }
        loop {
            if let Some(event) = self.scan_step(cp, now) {
                return Some(event);
            }
            if self.scan == Scan::Idle {
                return None;
            }
        }
    }

    /// One step of the hardware poll.
    fn scan_step<S: Storage>(&mut self, cp: &ChargePoint<S>, now: Instant) -> Option<Event> {
        match self.scan {
            Scan::Idle => None,
            Scan::Start => {
                self.scan = Scan::Clock;
                if !self.safe {
                    self.safe = true;
                    self.apply_safe_state(cp);
                    return self.left_by_commands();
                }
                None
            }
            Scan::Clock => {
                self.scan = Scan::Connector(0, Step::Meter);
                if !self.clock_synced {
                    if let Some(wall) = self.hal.now() {
                        self.clock_synced = true;
                        return Some(Event::ClockSync { now: wall });
                    }
                }
                None
            }
            Scan::Connector(connector, step) => {
                let next = match step {
                    Step::Meter => Scan::Connector(connector, Step::Sensor),
                    Step::Sensor => Scan::Connector(connector, Step::Fault),
                    Step::Fault => Scan::Connector(connector, Step::Plugged),
                    Step::Plugged => Scan::Connector(connector, Step::EvCharging),
                    Step::EvCharging => Scan::Connector(connector, Step::Unplugged),
                    Step::Unplugged => Scan::Connector(connector, Step::Unlock),
                    Step::Unlock if connector < self.connectors => {
                        Scan::Connector(connector + 1, Step::Meter)
                    }
                    Step::Unlock => Scan::Tags(0),
                };
                self.scan = next;
                self.connector_step(connector, step, now)
            }
            Scan::Tags(n) => {
                if n >= MAX_TAGS_PER_POLL {
                    self.scan = Scan::Idle;
                    return None;
                }
                self.scan = Scan::Tags(n + 1);
                match self.hal.poll_id_tag() {
                    Ok(Some(tag)) => Some(Event::IdTag {
                        connector: tag.connector,
                        id_tag: tag.id_tag,
                    }),
                    Ok(None) => {
                        self.scan = Scan::Idle;
                        None
                    }
                    Err(_) => {
                        self.errors.reader = self.errors.reader.saturating_add(1);
                        self.scan = Scan::Idle;
                        None
                    }
                }
            }
        }
    }

    fn connector_step(
        &mut self,
        connector: ConnectorId,
        step: Step,
        now: Instant,
    ) -> Option<Event> {
        match step {
            Step::Meter => self.poll_meter(connector),
            Step::Sensor => {
                let fault = self
                    .hal
                    .fault(connector)
                    .filter(|c| *c != ChargePointErrorCode::NoError)
                    .map(|code| FaultInfo { code, info: None });
                self.set_source(connector, Source::Hardware, fault);
                self.sensed = if connector == 0 {
                    None
                } else {
                    self.read_sensor(connector)
                };
                None
            }
            Step::Fault => self.report_fault(connector),
            Step::Plugged => {
                let state = self.sensed?;
                let slot = self.slots.get_mut(connector as usize)?;
                let plugged = state.plugged && !slot.state.plugged;
                slot.state.plugged = state.plugged || slot.state.plugged;
                plugged.then_some(Event::Plugged { connector })
            }
            Step::EvCharging => {
                let state = self.sensed?;
                let slot = self.slots.get_mut(connector as usize)?;
                let ev_charging = state.plugged && state.ev_charging;
                let changed = ev_charging != slot.state.ev_charging;
                slot.state.ev_charging = ev_charging;
                // Unplugged: the charge point clears the EV's charging itself.
                (changed && state.plugged).then_some(Event::EvCharging {
                    connector,
                    charging: ev_charging,
                })
            }
            Step::Unplugged => {
                let state = self.sensed.take()?;
                let slot = self.slots.get_mut(connector as usize)?;
                let unplugged = !state.plugged && slot.state.plugged;
                slot.state.plugged = state.plugged;
                unplugged.then_some(Event::Unplugged { connector })
            }
            Step::Unlock => {
                self.poll_unlock(connector, now);
                self.left_by_commands()
            }
        }
    }

    /// What failed or finished commands left for the charge point: a changed fault, then an
    /// unlock result.
    fn left_by_commands(&mut self) -> Option<Event> {
        for connector in 0..=self.connectors {
            let slot = self.slots.get_mut(connector as usize)?;
            if slot.dirty {
                slot.dirty = false;
                if let Some(event) = self.report_fault(connector) {
                    return Some(event);
                }
            }
            let slot = self.slots.get_mut(connector as usize)?;
            if let Some(unlocked) = slot.unlock_result.take() {
                return Some(Event::UnlockResult {
                    connector,
                    unlocked,
                });
            }
        }
        None
    }

    /// Carries out one action on the hardware (see the table on [`Station`]) and returns it for
    /// the integrator, or `None` when a reset failed. For a driver that drains the charge point
    /// itself; [`Station::poll_output`] calls it. A failure is reported to the charge point as a
    /// fault by the next [`Station::poll_event`] (during the same drain with
    /// [`Station::poll_output`]).
    pub fn apply(&mut self, action: Action, now: Instant) -> Option<Action> {
        match &action {
            Action::EnergyOffer { connector, enabled } => {
                if let Err(e) = self.hal.set_offer(*connector, *enabled) {
                    self.errors.offer = self.errors.offer.saturating_add(1);
                    let code = ChargePointErrorCode::PowerSwitchFailure;
                    self.latch(*connector, Source::Switch, code, &e);
                }
            }
            Action::CableLock { connector, locked } => {
                if let Err(e) = self.hal.set_locked(*connector, *locked) {
                    self.lock_failed(*connector, &e);
                }
            }
            Action::Unlock { connector } => self.start_unlock(*connector, now),
            Action::Reset { kind } => {
                if let Err(e) = self.hal.reset(*kind) {
                    self.errors.reset = self.errors.reset.saturating_add(1);
                    let code = ChargePointErrorCode::ResetFailure;
                    self.latch(0, Source::Reset, code, &e);
                    return None;
                }
            }
            _ => {}
        }
        Some(action)
    }

    // -----------------------------------------------------------------------------------------

    /// Offer off and cable released on every connector without a transaction: after a restart
    /// the charge point has stopped whatever ran before (reason `PowerLoss`), and a cable still
    /// locked from it would keep the driver's cable hostage.
    fn apply_safe_state<S: Storage>(&mut self, cp: &ChargePoint<S>) {
        for connector in 1..=self.connectors {
            if cp.transaction(connector).is_some() {
                continue;
            }
            if let Err(e) = self.hal.set_offer(connector, false) {
                self.errors.offer = self.errors.offer.saturating_add(1);
                let code = ChargePointErrorCode::PowerSwitchFailure;
                self.latch(connector, Source::Switch, code, &e);
            }
            if let Err(e) = self.hal.set_locked(connector, false) {
                self.lock_failed(connector, &e);
            }
        }
    }

    fn poll_meter(&mut self, connector: ConnectorId) -> Option<Event> {
        let result = self.hal.read(connector);
        let slot = self.slots.get_mut(connector as usize)?;
        let (fault, event) = match result {
            Ok(readings) => {
                slot.meter_failures = 0;
                let mut event = None;
                if let Some(readings) = readings {
                    if slot.readings.as_ref() != Some(&readings) {
                        slot.readings = Some(readings.clone());
                        event = Some(Event::Meter {
                            connector,
                            readings,
                        });
                    }
                }
                (None, event)
            }
            Err(e) => {
                self.errors.meter = self.errors.meter.saturating_add(1);
                slot.meter_failures = slot.meter_failures.saturating_add(1);
                if slot.meter_failures < READ_FAILURES_BEFORE_FAULT {
                    return None;
                }
                let fault = FaultInfo {
                    code: ChargePointErrorCode::PowerMeterFailure,
                    info: debug_text(&e),
                };
                (Some(fault), None)
            }
        };
        self.set_source(connector, Source::Meter, fault);
        event
    }

    fn read_sensor(&mut self, connector: ConnectorId) -> Option<ConnectorState> {
        let result = self.hal.state(connector);
        let slot = self.slots.get_mut(connector as usize)?;
        match result {
            Ok(state) => {
                slot.sensor_failures = 0;
                self.set_source(connector, Source::Sensor, None);
                Some(state)
            }
            Err(e) => {
                self.errors.sensor = self.errors.sensor.saturating_add(1);
                slot.sensor_failures = slot.sensor_failures.saturating_add(1);
                if slot.sensor_failures >= READ_FAILURES_BEFORE_FAULT {
                    let fault = FaultInfo {
                        code: ChargePointErrorCode::InternalError,
                        info: debug_text(&e),
                    };
                    self.set_source(connector, Source::Sensor, Some(fault));
                }
                None
            }
        }
    }

    fn start_unlock(&mut self, connector: ConnectorId, now: Instant) {
        let state = match self.hal.set_locked(connector, false) {
            Ok(()) => self.hal.lock_state(connector),
            Err(e) => Err(e),
        };
        let result = match state {
            Ok(LockState::Moving) => {
                if let Some(slot) = self.slots.get_mut(connector as usize) {
                    slot.unlock_since = Some(now);
                }
                return;
            }
            Ok(state) => state == LockState::Unlocked,
            Err(e) => {
                self.lock_failed(connector, &e);
                false
            }
        };
        self.unlock_result(connector, result);
    }

    fn poll_unlock(&mut self, connector: ConnectorId, now: Instant) {
        let Some(since) = self
            .slots
            .get(connector as usize)
            .and_then(|s| s.unlock_since)
        else {
            return;
        };
        let unlocked = match self.hal.lock_state(connector) {
            Ok(LockState::Moving) if now.since(since) < DEFERRED_ANSWER_TIMEOUT_MS => return,
            // Still moving when the charge point stopped waiting: it answered UnlockFailed.
            Ok(LockState::Moving | LockState::Locked) => false,
            Ok(LockState::Unlocked) => true,
            Err(e) => {
                self.lock_failed(connector, &e);
                false
            }
        };
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            slot.unlock_since = None;
        }
        self.unlock_result(connector, unlocked);
    }

    /// The outcome of an unlock, fed to the charge point with the next event.
    fn unlock_result(&mut self, connector: ConnectorId, unlocked: bool) {
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            slot.unlock_result = Some(unlocked);
        }
    }

    fn lock_failed<E: Debug>(&mut self, connector: ConnectorId, e: &E) {
        self.errors.lock = self.errors.lock.saturating_add(1);
        let code = ChargePointErrorCode::ConnectorLockFailure;
        self.latch(connector, Source::Lock, code, e);
    }

    /// A failed command: the fault stays until [`Station::clear_fault`]; the charge point is told
    /// with the next event.
    fn latch<E: Debug>(
        &mut self,
        connector: ConnectorId,
        source: Source,
        code: ChargePointErrorCode,
        e: &E,
    ) {
        let info = debug_text(e);
        self.set_source(connector, source, Some(FaultInfo { code, info }));
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            slot.dirty = true;
        }
    }

    fn set_source(&mut self, connector: ConnectorId, source: Source, fault: Option<FaultInfo>) {
        if let Some(f) = self
            .slots
            .get_mut(connector as usize)
            .and_then(|s| s.faults.get_mut(source as usize))
        {
            *f = fault;
        }
    }

    /// `Event::Fault` when the connector's leading fault code changed, `Event::FaultCleared`
    /// when no fault remains.
    fn report_fault(&mut self, connector: ConnectorId) -> Option<Event> {
        let slot = self.slots.get_mut(connector as usize)?;
        let leading = slot.faults.iter().flatten().next().cloned();
        match leading {
            Some(f) if slot.reported != Some(f.code) => {
                slot.reported = Some(f.code);
                Some(Event::Fault {
                    connector,
                    error_code: f.code,
                    info: f.info,
                    vendor_error_code: None,
                })
            }
            None if slot.reported.is_some() => {
                slot.reported = None;
                Some(Event::FaultCleared { connector })
            }
            _ => None,
        }
    }
}

impl<H> fmt::Debug for Station<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Station")
            .field("connectors", &self.connectors)
            .field("poll_interval_ms", &self.poll_interval_ms)
            .field("next_poll", &self.next_poll)
            .field("errors", &self.errors)
            .finish_non_exhaustive()
    }
}

/// An error's `Debug` text as StatusNotification `info`: printable ASCII only (CiString, §2.2),
/// cut at 50 characters.
fn debug_text<E: Debug>(e: &E) -> Option<CiString50> {
    struct Printable(CiString50);
    impl fmt::Write for Printable {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars().filter(|c| c.is_ascii_graphic() || *c == ' ') {
                self.0.push(c).map_err(|_| fmt::Error)?;
            }
            Ok(())
        }
    }
    let mut w = Printable(CiString50::new());
    let _ = write!(w, "{e:?}");
    let text = w.0.as_str().trim();
    if text.is_empty() {
        None
    } else {
        Some(CiString50::truncated(text))
    }
}
