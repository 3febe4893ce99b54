//! [`Station`]: the glue between a [`ChargePoint`] and the hardware traits.
//!
//! The station owns the hardware ([`Hal`]) and nothing of the network: the integrator keeps the
//! socket and hands frames to the charge point as before. Per turn of the loop:
//!
//! ```ignore
//! station.poll_hardware(&mut cp, now);        // sensors, meters, readers -> events
//! cp.handle_timeout(now);                      // timers (harmless when nothing is due)
//! while let Some(action) = station.poll_action(&mut cp, now) {
//!     // the hardware actions are already done; show Authorization on the display, ...
//! }
//! while let Some(frame) = cp.poll_transmit(now, &mut buf) { socket.send(frame) }
//! sleep_until(station.poll_timeout(&cp));      // or until a frame arrives
//! ```
//!
//! Changes are detected, not repeated: a connector that stays plugged gives one
//! `Event::Plugged`, meter readings are fed when they differ from the last ones fed.

use core::fmt::{self, Debug, Write as _};

use ocpp_core::charge_point::{
    Action, ChargePoint, DEFERRED_ANSWER_TIMEOUT_MS, Event, Instant, MeterReadings, Storage,
};
use ocpp_core::limits::MAX_CONNECTORS;
use ocpp_core::types::CiString50;
use ocpp_core::v16::{ChargePointErrorCode, ConnectorId, ResetType};

use crate::traits::{ConnectorState, Hal, LockState};

/// How often [`Station::poll_timeout`] asks for a hardware poll by default: often enough that a
/// plug, a card or a fault is seen within a quarter second.
pub const DEFAULT_POLL_INTERVAL_MS: u64 = 250;

/// Consecutive failed reads of a meter or a connector sensor before the station reports a fault:
/// one garbled Modbus frame is not a broken meter.
pub const READ_FAILURES_BEFORE_FAULT: u8 = 3;

/// Identifiers taken from the readers per [`Station::poll_hardware`].
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
}

impl<H: Hal> Station<H> {
    /// A station for `hal` with `connectors` connectors (clamped to 1..=`MAX_CONNECTORS`, as
    /// `Setup::new` does). The first [`Station::poll_hardware`] reports the whole state.
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

    /// Sets how often [`Station::poll_timeout`] asks for a hardware poll (at least 1 ms).
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

    /// Forgets what the charge point was told: the next [`Station::poll_hardware`] reports the
    /// whole state again (plugged connectors, readings, the clock, faults). Call it after
    /// building a new `ChargePoint` (after a reset on a host), which knows nothing yet.
    pub fn resync(&mut self) {
        for slot in &mut self.slots {
            slot.state = ConnectorState::default();
            slot.readings = None;
            slot.reported = None;
            slot.unlock_since = None;
        }
        self.clock_synced = false;
        self.safe = false;
        self.next_poll = Instant(0);
    }

    /// Clears the faults of failed commands (switch, lock, reset) on `connector` once the
    /// hardware was repaired or checked, and tells the charge point if none remains.
    pub fn clear_fault<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        now: Instant,
    ) {
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            for source in LATCHED {
                if let Some(f) = slot.faults.get_mut(source as usize) {
                    *f = None;
                }
            }
        }
        self.report_fault(cp, connector, now);
    }

    /// When to call [`Station::poll_hardware`] and `ChargePoint::handle_timeout` next: the
    /// earlier of the charge point's deadline and the next hardware poll.
    pub fn poll_timeout<S: Storage>(&self, cp: &ChargePoint<S>) -> Instant {
        cp.poll_timeout()
            .map_or(self.next_poll, |t| t.min(self.next_poll))
    }

    /// Reads the hardware and feeds what changed to the charge point.
    ///
    /// Per connector, in this order: the meter (so that a stop caused by what follows carries
    /// the latest register), the hardware fault and the plug state, faults reported or cleared,
    /// then plug and EV changes and an unlock in progress. Then the readers, last, so that a card
    /// meets an up-to-date connector.
    pub fn poll_hardware<S: Storage>(&mut self, cp: &mut ChargePoint<S>, now: Instant) {
        self.next_poll = now.add_millis(self.poll_interval_ms);
        if !self.safe {
            self.safe = true;
            self.apply_safe_state(cp, now);
        }
        if !self.clock_synced {
            if let Some(wall) = self.hal.now() {
                cp.handle_event(Event::ClockSync { now: wall }, now);
                self.clock_synced = true;
            }
        }
        for connector in 0..=self.connectors {
            self.poll_meter(cp, connector, now);
            let fault = self
                .hal
                .fault(connector)
                .filter(|c| *c != ChargePointErrorCode::NoError)
                .map(|code| FaultInfo { code, info: None });
            self.set_source(connector, Source::Hardware, fault);
            let state = if connector == 0 {
                None
            } else {
                self.read_sensor(connector)
            };
            self.report_fault(cp, connector, now);
            if let Some(state) = state {
                self.feed_state(cp, connector, state, now);
            }
            self.poll_unlock(cp, connector, now);
        }
        for _ in 0..MAX_TAGS_PER_POLL {
            match self.hal.poll_id_tag() {
                Ok(Some(tag)) => cp.handle_event(
                    Event::IdTag {
                        connector: tag.connector,
                        id_tag: tag.id_tag,
                    },
                    now,
                ),
                Ok(None) => break,
                Err(_) => {
                    self.errors.reader = self.errors.reader.saturating_add(1);
                    break;
                }
            }
        }
    }

    /// The charge point's next action, already carried out on the hardware when it is a
    /// hardware action (see the table on [`Station`]); `None` when there is none.
    ///
    /// Every action is returned, so that the integrator can show `Authorization`, log, and
    /// answer `DataTransferRequested` (`cp.answer_data_transfer`). Two need a look:
    /// - `Reset` is returned only after [`crate::Reset::reset`] returned `Ok` (on a host): build
    ///   a new `ChargePoint` from the same storage and call [`Station::resync`]. When the reset
    ///   failed, the action is not returned; connector 0 reports `ResetFailure`.
    /// - `StorageFailed`: the record is not durable; check the storage.
    pub fn poll_action<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        now: Instant,
    ) -> Option<Action> {
        loop {
            let action = cp.poll_action()?;
            if let Some(action) = self.apply(cp, action, now) {
                return Some(action);
            }
        }
    }

    /// Carries out one action taken from the charge point by someone else (a network driver
    /// that drains `poll_action` itself): the hardware part as [`Station::poll_action`] does,
    /// and returns the action for the integrator, or `None` when a reset failed.
    pub fn apply<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        action: Action,
        now: Instant,
    ) -> Option<Action> {
        match &action {
            Action::EnergyOffer { connector, enabled } => {
                if let Err(e) = self.hal.set_offer(*connector, *enabled) {
                    self.errors.offer = self.errors.offer.saturating_add(1);
                    let code = ChargePointErrorCode::PowerSwitchFailure;
                    self.latch(cp, *connector, Source::Switch, code, &e, now);
                }
            }
            Action::CableLock { connector, locked } => {
                if let Err(e) = self.hal.set_locked(*connector, *locked) {
                    self.lock_failed(cp, *connector, &e, now);
                }
            }
            Action::Unlock { connector } => self.start_unlock(cp, *connector, now),
            Action::Reset { kind } => {
                if let Err(e) = self.hal.reset(*kind) {
                    self.errors.reset = self.errors.reset.saturating_add(1);
                    let code = ChargePointErrorCode::ResetFailure;
                    self.latch(cp, 0, Source::Reset, code, &e, now);
                    return None;
                }
            }
            _ => {}
        }
        Some(action)
    }

    /// Carries out every pending action ([`Station::poll_action`] until `None`), dropping those
    /// that are the integrator's. Returns the kind of a reset the hardware accepted (on a host:
    /// rebuild the `ChargePoint` and call [`Station::resync`]).
    pub fn apply_actions<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        now: Instant,
    ) -> Option<ResetType> {
        let mut reset = None;
        while let Some(action) = self.poll_action(cp, now) {
            if let Action::Reset { kind } = action {
                reset = Some(kind);
            }
        }
        reset
    }

    // -----------------------------------------------------------------------------------------

    /// Offer off and cable released on every connector without a transaction: after a restart
    /// the charge point has stopped whatever ran before (reason `PowerLoss`), and a cable still
    /// locked from it would keep the driver's cable hostage.
    fn apply_safe_state<S: Storage>(&mut self, cp: &mut ChargePoint<S>, now: Instant) {
        for connector in 1..=self.connectors {
            if cp.transaction(connector).is_some() {
                continue;
            }
            if let Err(e) = self.hal.set_offer(connector, false) {
                self.errors.offer = self.errors.offer.saturating_add(1);
                let code = ChargePointErrorCode::PowerSwitchFailure;
                self.latch(cp, connector, Source::Switch, code, &e, now);
            }
            if let Err(e) = self.hal.set_locked(connector, false) {
                self.lock_failed(cp, connector, &e, now);
            }
        }
    }

    fn poll_meter<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        now: Instant,
    ) {
        let result = self.hal.read(connector);
        let Some(slot) = self.slots.get_mut(connector as usize) else {
            return;
        };
        let fault = match result {
            Ok(readings) => {
                slot.meter_failures = 0;
                if let Some(readings) = readings {
                    if slot.readings.as_ref() != Some(&readings) {
                        slot.readings = Some(readings.clone());
                        cp.handle_event(
                            Event::Meter {
                                connector,
                                readings,
                            },
                            now,
                        );
                    }
                }
                None
            }
            Err(e) => {
                self.errors.meter = self.errors.meter.saturating_add(1);
                slot.meter_failures = slot.meter_failures.saturating_add(1);
                if slot.meter_failures < READ_FAILURES_BEFORE_FAULT {
                    return;
                }
                Some(FaultInfo {
                    code: ChargePointErrorCode::PowerMeterFailure,
                    info: debug_text(&e),
                })
            }
        };
        self.set_source(connector, Source::Meter, fault);
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

    fn feed_state<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        state: ConnectorState,
        now: Instant,
    ) {
        let Some(slot) = self.slots.get_mut(connector as usize) else {
            return;
        };
        let ev_charging = state.plugged && state.ev_charging;
        let was = slot.state;
        slot.state = ConnectorState {
            plugged: state.plugged,
            ev_charging,
        };
        if state.plugged && !was.plugged {
            cp.handle_event(Event::Plugged { connector }, now);
        }
        // Unplugged: the charge point clears the EV's charging itself.
        if ev_charging != was.ev_charging && state.plugged {
            cp.handle_event(
                Event::EvCharging {
                    connector,
                    charging: ev_charging,
                },
                now,
            );
        }
        if !state.plugged && was.plugged {
            cp.handle_event(Event::Unplugged { connector }, now);
        }
    }

    fn start_unlock<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        now: Instant,
    ) {
        let state = match self.hal.set_locked(connector, false) {
            Ok(()) => self.hal.lock_state(connector),
            Err(e) => Err(e),
        };
        match state {
            Ok(LockState::Moving) => {
                if let Some(slot) = self.slots.get_mut(connector as usize) {
                    slot.unlock_since = Some(now);
                }
            }
            Ok(state) => unlock_result(cp, connector, state == LockState::Unlocked, now),
            Err(e) => {
                self.lock_failed(cp, connector, &e, now);
                unlock_result(cp, connector, false, now);
            }
        }
    }

    fn poll_unlock<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        now: Instant,
    ) {
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
                self.lock_failed(cp, connector, &e, now);
                false
            }
        };
        if let Some(slot) = self.slots.get_mut(connector as usize) {
            slot.unlock_since = None;
        }
        unlock_result(cp, connector, unlocked, now);
    }

    fn lock_failed<S: Storage, E: Debug>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        e: &E,
        now: Instant,
    ) {
        self.errors.lock = self.errors.lock.saturating_add(1);
        let code = ChargePointErrorCode::ConnectorLockFailure;
        self.latch(cp, connector, Source::Lock, code, e, now);
    }

    fn latch<S: Storage, E: Debug>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        source: Source,
        code: ChargePointErrorCode,
        e: &E,
        now: Instant,
    ) {
        let info = debug_text(e);
        self.set_source(connector, source, Some(FaultInfo { code, info }));
        self.report_fault(cp, connector, now);
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

    /// Feeds `Event::Fault` when the connector's leading fault code changed, `Event::FaultCleared`
    /// when no fault remains.
    fn report_fault<S: Storage>(
        &mut self,
        cp: &mut ChargePoint<S>,
        connector: ConnectorId,
        now: Instant,
    ) {
        let Some(slot) = self.slots.get_mut(connector as usize) else {
            return;
        };
        let leading = slot.faults.iter().flatten().next().cloned();
        match leading {
            Some(f) if slot.reported != Some(f.code) => {
                slot.reported = Some(f.code);
                cp.handle_event(
                    Event::Fault {
                        connector,
                        error_code: f.code,
                        info: f.info,
                        vendor_error_code: None,
                    },
                    now,
                );
            }
            None if slot.reported.is_some() => {
                slot.reported = None;
                cp.handle_event(Event::FaultCleared { connector }, now);
            }
            _ => {}
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

fn unlock_result<S: Storage>(
    cp: &mut ChargePoint<S>,
    connector: ConnectorId,
    unlocked: bool,
    now: Instant,
) {
    cp.handle_event(
        Event::UnlockResult {
            connector,
            unlocked,
        },
        now,
    );
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
