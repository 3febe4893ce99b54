//! A simulated charger with simulated EVs: every hardware trait, in memory, on a caller's clock.
//!
//! [`SimCharger`] models, per connector, a cable that is plugged or not, an EV that draws up to
//! a power of its choosing (and stops when its battery is full), a contactor and a rate limit
//! (the energy offer), a meter whose register advances with the energy that flowed, and a cable
//! lock that may take time to move. Identifiers are queued for the reader. Every part can be made
//! to fail ([`Failures`], [`SimCharger::set_fault`]).
//!
//! Time only moves in [`SimCharger::advance`]: call it with the loop's `now` before polling, and
//! energy is integrated over the interval at the power the state gave (min(EV power, offered
//! power) while the cable is in, the offer on and no fault active).
//!
//! ```
//! use ocpp_core::charge_point::Instant;
//! use ocpp_hal::sim::SimCharger;
//! use ocpp_hal::EnergyOffer;
//!
//! let mut sim = SimCharger::new(1);
//! sim.plug(1);
//! sim.set_ev_power(1, 7_400);
//! sim.set_offer(1, true).unwrap();
//! sim.advance(Instant(3_600_000)); // one hour
//! assert_eq!(sim.register_wh(1), 7_400);
//! ```

use ocpp_core::charge_point::{Instant, MeterReadings, Reading};
use ocpp_core::limits::MAX_CONNECTORS;
use ocpp_core::types::{DateTime, List};
use ocpp_core::v16::{ChargePointErrorCode, ChargingRateUnit, ConnectorId, IdToken, ResetType};

use crate::traits::{
    ChargingLimit, Clock, ConnectorLock, ConnectorSensor, ConnectorState, EnergyOffer, IdTagReader,
    LockState, Meter, PresentedTag, Reset,
};

/// The nominal line-to-neutral voltage (§7.12: "the set voltage for the area (hence, 230 of 110
/// volt)"), which the simulated meter also reports.
pub const NOMINAL_VOLTAGE_V: u32 = 230;

/// The default rating of a connector: 16 A on three phases at 230 V.
pub const DEFAULT_MAX_POWER_W: u32 = 16 * 3 * NOMINAL_VOLTAGE_V;

/// Identifiers waiting for the reader.
pub const TAG_QUEUE: usize = 8;

/// 1 Wh in watt-milliseconds.
const WMS_PER_WH: i64 = 3_600_000;

/// A simulated failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimError {
    /// [`Failures::meter`].
    MeterFailure,
    /// [`Failures::sensor`].
    SensorFailure,
    /// [`Failures::switch`].
    SwitchFailure,
    /// [`Failures::lock`].
    LockFailure,
    /// [`SimCharger::set_reader_failing`].
    ReaderFailure,
    /// [`SimCharger::set_reset_failing`].
    ResetFailure,
    /// No such connector.
    NoSuchConnector,
}

/// Failures injected into one connector's hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// [`Meter::read`] fails.
    pub meter: bool,
    /// [`ConnectorSensor::state`] fails.
    pub sensor: bool,
    /// [`EnergyOffer`] calls fail (the contactor stays as it was).
    pub switch: bool,
    /// [`ConnectorLock`] calls fail.
    pub lock: bool,
    /// The lock accepts commands but does not move (it is jammed where it is).
    pub lock_jammed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Battery {
    capacity_wms: i64,
    stored_wms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SimConnector {
    plugged: bool,
    ev_power_w: u32,
    battery: Option<Battery>,
    offer: bool,
    limit: Option<ChargingLimit>,
    /// The register when the simulation began, in mWh.
    register_start_mwh: i64,
    /// Energy that flowed since, in watt-milliseconds (exact: no rounding drift).
    energy_wms: i64,
    lock: LockState,
    /// Where the lock ends when it stops moving, and when.
    lock_move: Option<(LockState, Instant)>,
    fault: Option<ChargePointErrorCode>,
    failures: Failures,
}

/// The power an EV draws until told otherwise (`ocpp-cp`'s documented default: an 11 kW AC
/// car, 16 A on three phases at 230 V). An EV that draws nothing would leave the connector
/// `SuspendedEV` and the meter still, which no central system can tell from a broken charger.
pub const DEFAULT_EV_POWER_W: u32 = 11_000;

impl Default for SimConnector {
    fn default() -> Self {
        SimConnector {
            plugged: false,
            ev_power_w: DEFAULT_EV_POWER_W,
            battery: None,
            offer: false,
            limit: None,
            register_start_mwh: 0,
            energy_wms: 0,
            lock: LockState::Unlocked,
            lock_move: None,
            fault: None,
            failures: Failures::default(),
        }
    }
}

/// A simulated charger and its EVs. Implements every trait of [`crate::traits`], so it is a
/// [`crate::Hal`].
#[derive(Debug, Clone)]
pub struct SimCharger {
    connectors: u32,
    /// Index 0 is unused: connector 0 has no meter, plug or lock here.
    slots: [SimConnector; MAX_CONNECTORS + 1],
    max_power_w: u32,
    phases: u32,
    lock_travel_ms: u64,
    now: Instant,
    tags: List<PresentedTag, TAG_QUEUE>,
    reader_failing: bool,
    reset_failing: bool,
    resets: u32,
    last_reset: Option<ResetType>,
    rtc: Option<(Instant, DateTime)>,
}

impl SimCharger {
    /// A charger with `connectors` connectors (clamped to 1..=`MAX_CONNECTORS`), each rated
    /// [`DEFAULT_MAX_POWER_W`] on three phases, nothing plugged, registers at 0, at `Instant(0)`.
    pub fn new(connectors: u32) -> Self {
        SimCharger {
            connectors: connectors.clamp(1, MAX_CONNECTORS as u32),
            slots: core::array::from_fn(|_| SimConnector::default()),
            max_power_w: DEFAULT_MAX_POWER_W,
            phases: 3,
            lock_travel_ms: 0,
            now: Instant(0),
            tags: List::new(),
            reader_failing: false,
            reset_failing: false,
            resets: 0,
            last_reset: None,
            rtc: None,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Setup

    /// Sets every connector's rating in W.
    pub fn set_max_power(&mut self, watts: u32) {
        self.max_power_w = watts;
    }

    /// Sets the number of phases (1 to 3) the connectors are wired with.
    pub fn set_phases(&mut self, phases: u32) {
        self.phases = phases.clamp(1, 3);
    }

    /// Sets how long the cable lock takes to move (0, the default: at once).
    pub fn set_lock_travel(&mut self, ms: u64) {
        self.lock_travel_ms = ms;
    }

    /// Sets the meter register of `connector`, in Wh (a meter is rarely new).
    pub fn set_register_wh(&mut self, connector: ConnectorId, wh: u32) {
        if let Some(s) = self.slot_mut(connector) {
            s.register_start_mwh = i64::from(wh) * 1000;
            s.energy_wms = 0;
        }
    }

    /// Sets the real-time clock: it reads `time` now and runs with [`SimCharger::advance`].
    /// `None`: no clock (the default).
    pub fn set_rtc(&mut self, time: Option<DateTime>) {
        self.rtc = time.map(|t| (self.now, t));
    }

    // -----------------------------------------------------------------------------------------
    // The EV and the driver

    /// Plugs the cable into `connector` (for a tethered cable: connects the EV).
    pub fn plug(&mut self, connector: ConnectorId) {
        if let Some(s) = self.slot_mut(connector) {
            s.plugged = true;
        }
    }

    /// Unplugs `connector`.
    pub fn unplug(&mut self, connector: ConnectorId) {
        if let Some(s) = self.slot_mut(connector) {
            s.plugged = false;
        }
    }

    /// Sets the power the EV on `connector` would draw, in W (0: the EV suspends). Until this is
    /// called, an EV draws [`DEFAULT_EV_POWER_W`].
    pub fn set_ev_power(&mut self, connector: ConnectorId, watts: u32) {
        if let Some(s) = self.slot_mut(connector) {
            s.ev_power_w = watts;
        }
    }

    /// Gives the EV on `connector` a battery of `capacity_wh` at `soc_percent`: it reports its
    /// state of charge, and stops drawing when full.
    pub fn set_ev_battery(&mut self, connector: ConnectorId, capacity_wh: u32, soc_percent: u8) {
        if let Some(s) = self.slot_mut(connector) {
            let capacity_wms = i64::from(capacity_wh) * WMS_PER_WH;
            s.battery = Some(Battery {
                capacity_wms,
                stored_wms: capacity_wms * i64::from(soc_percent.min(100)) / 100,
            });
        }
    }

    /// Presents an identifier to the reader of `connector` (`None`: a reader shared by all
    /// connectors). False when the identifier is longer than 20 characters or the queue is
    /// full.
    pub fn present_tag(&mut self, connector: impl Into<Option<ConnectorId>>, id_tag: &str) -> bool {
        let Ok(id_tag) = IdToken::try_from(id_tag) else {
            return false;
        };
        self.tags
            .push(PresentedTag {
                connector: connector.into(),
                id_tag,
            })
            .is_ok()
    }

    // -----------------------------------------------------------------------------------------
    // Faults

    /// Makes the hardware of `connector` (0: the charge point) detect a fault, or clears it
    /// (`None`). While a connector has a fault it offers no energy.
    pub fn set_fault(&mut self, connector: ConnectorId, fault: Option<ChargePointErrorCode>) {
        if connector <= self.connectors {
            if let Some(s) = self.slots.get_mut(connector as usize) {
                s.fault = fault;
            }
        }
    }

    /// The failures injected into `connector`'s hardware, to change them.
    pub fn failures_mut(&mut self, connector: ConnectorId) -> Option<&mut Failures> {
        self.slot_mut(connector).map(|s| &mut s.failures)
    }

    /// Makes the reader fail, or work again.
    pub fn set_reader_failing(&mut self, failing: bool) {
        self.reader_failing = failing;
    }

    /// Makes [`Reset::reset`] fail, or work again.
    pub fn set_reset_failing(&mut self, failing: bool) {
        self.reset_failing = failing;
    }

    // -----------------------------------------------------------------------------------------
    // Time

    /// Moves the simulation to `now`: energy flows over the interval at the power the state
    /// gave, batteries fill, locks finish moving. An earlier `now` is ignored.
    pub fn advance(&mut self, now: Instant) {
        let dt = i64::try_from(now.since(self.now)).unwrap_or(i64::MAX);
        for c in 1..=self.connectors {
            let power = i64::from(self.power_w(c));
            let Some(s) = self.slots.get_mut(c as usize) else {
                continue;
            };
            let mut wms = power.saturating_mul(dt);
            if let Some(b) = &mut s.battery {
                wms = wms.min(b.capacity_wms - b.stored_wms).max(0);
                b.stored_wms += wms;
            }
            s.energy_wms = s.energy_wms.saturating_add(wms);
            if let Some((to, at)) = s.lock_move {
                if at <= now {
                    s.lock = to;
                    s.lock_move = None;
                }
            }
        }
        self.now = self.now.max(now);
    }

    // -----------------------------------------------------------------------------------------
    // State

    /// The simulation's time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The number of connectors.
    pub fn connectors(&self) -> u32 {
        self.connectors
    }

    /// Whether a cable is plugged into `connector`.
    pub fn is_plugged(&self, connector: ConnectorId) -> bool {
        self.slot(connector).is_some_and(|s| s.plugged)
    }

    /// Whether `connector` offers energy (contactor closed).
    pub fn is_offering(&self, connector: ConnectorId) -> bool {
        self.slot(connector).is_some_and(|s| s.offer)
    }

    /// The rate limit of `connector`.
    pub fn limit(&self, connector: ConnectorId) -> Option<ChargingLimit> {
        self.slot(connector).and_then(|s| s.limit)
    }

    /// Where the lock of `connector` is.
    pub fn lock(&self, connector: ConnectorId) -> Option<LockState> {
        self.slot(connector).map(|s| s.lock)
    }

    /// The power offered on `connector`, in W: 0 while the offer is off, else the rating cut by
    /// the limit.
    pub fn offered_power_w(&self, connector: ConnectorId) -> u32 {
        let Some(s) = self.slot(connector) else {
            return 0;
        };
        if !s.offer {
            return 0;
        }
        let limit_w = s.limit.map_or(u32::MAX, |l| {
            let tenths = u64::try_from(l.limit.tenths()).unwrap_or(0);
            let watts = match l.unit {
                ChargingRateUnit::W => tenths / 10,
                // §7.12: per phase; §7.14: numberPhases 3 unless given.
                ChargingRateUnit::A => {
                    let phases = l.number_phases.unwrap_or(3).clamp(1, self.phases);
                    tenths * u64::from(NOMINAL_VOLTAGE_V) * u64::from(phases) / 10
                }
            };
            u32::try_from(watts).unwrap_or(u32::MAX)
        });
        self.max_power_w.min(limit_w)
    }

    /// The power flowing on `connector` now, in W: min(EV power, offered power) while the cable
    /// is in, the offer on, no fault active and the battery not full; else 0.
    pub fn power_w(&self, connector: ConnectorId) -> u32 {
        let Some(s) = self.slot(connector) else {
            return 0;
        };
        let full = s.battery.is_some_and(|b| b.stored_wms >= b.capacity_wms);
        let fault = s.fault.is_some() || self.slots.first().is_some_and(|c0| c0.fault.is_some());
        if !s.plugged || !s.offer || fault || full {
            return 0;
        }
        s.ev_power_w.min(self.offered_power_w(connector))
    }

    /// The meter register of `connector` in mWh.
    pub fn register_mwh(&self, connector: ConnectorId) -> i64 {
        self.slot(connector)
            .map_or(0, |s| s.register_start_mwh + s.energy_wms / 3600)
    }

    /// The meter register of `connector` in whole Wh (as `meterStart` / `meterStop` report it).
    pub fn register_wh(&self, connector: ConnectorId) -> i64 {
        self.register_mwh(connector) / 1000
    }

    /// The state of charge of the EV on `connector`, in whole percent, if it has a battery.
    pub fn soc_percent(&self, connector: ConnectorId) -> Option<u8> {
        let b = self.slot(connector)?.battery?;
        if b.capacity_wms <= 0 {
            return None;
        }
        u8::try_from(b.stored_wms * 100 / b.capacity_wms).ok()
    }

    /// Resets the hardware carried out.
    pub fn resets(&self) -> u32 {
        self.resets
    }

    /// The last reset carried out, taken (a simulator rebuilds its charge point on it).
    pub fn take_reset(&mut self) -> Option<ResetType> {
        self.last_reset.take()
    }

    fn slot(&self, connector: ConnectorId) -> Option<&SimConnector> {
        if connector == 0 || connector > self.connectors {
            return None;
        }
        self.slots.get(connector as usize)
    }

    fn slot_mut(&mut self, connector: ConnectorId) -> Option<&mut SimConnector> {
        if connector == 0 || connector > self.connectors {
            return None;
        }
        self.slots.get_mut(connector as usize)
    }

    fn readings(&self, connector: ConnectorId) -> MeterReadings {
        let power = i64::from(self.power_w(connector));
        let offered = i64::from(self.offered_power_w(connector));
        let phases = i64::from(self.phases);
        let per_phase = |watts: i64| {
            Reading::from_milli(watts * 1000 / (i64::from(NOMINAL_VOLTAGE_V) * phases))
        };
        let mut r = MeterReadings {
            energy_active_import_wh: Reading::from_milli(self.register_mwh(connector)),
            power_active_import_w: Reading::from_int(power),
            current_offered_a: per_phase(offered),
            power_offered_w: Reading::from_int(offered),
            soc_percent: self
                .soc_percent(connector)
                .map(|p| Reading::from(u32::from(p))),
            ..MeterReadings::EMPTY
        };
        for phase in 0..self.phases as usize {
            if let Some(a) = r.current_import_a.get_mut(phase) {
                *a = per_phase(power);
            }
            if let Some(v) = r.voltage_v.get_mut(phase) {
                *v = Some(Reading::from(NOMINAL_VOLTAGE_V));
            }
        }
        r
    }
}

impl Meter for SimCharger {
    type Error = SimError;

    fn read(&mut self, connector: ConnectorId) -> Result<Option<MeterReadings>, SimError> {
        if connector == 0 {
            return Ok(None);
        }
        let s = self.slot(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.meter {
            return Err(SimError::MeterFailure);
        }
        Ok(Some(self.readings(connector)))
    }
}

impl ConnectorSensor for SimCharger {
    type Error = SimError;

    fn state(&mut self, connector: ConnectorId) -> Result<ConnectorState, SimError> {
        let s = self.slot(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.sensor {
            return Err(SimError::SensorFailure);
        }
        Ok(ConnectorState {
            plugged: s.plugged,
            ev_charging: self.power_w(connector) > 0,
        })
    }

    fn fault(&mut self, connector: ConnectorId) -> Option<ChargePointErrorCode> {
        if connector > self.connectors {
            return None;
        }
        self.slots.get(connector as usize).and_then(|s| s.fault)
    }
}

impl EnergyOffer for SimCharger {
    type Error = SimError;

    fn set_offer(&mut self, connector: ConnectorId, enabled: bool) -> Result<(), SimError> {
        let s = self.slot_mut(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.switch {
            return Err(SimError::SwitchFailure);
        }
        s.offer = enabled;
        Ok(())
    }

    fn set_limit(
        &mut self,
        connector: ConnectorId,
        limit: Option<ChargingLimit>,
    ) -> Result<(), SimError> {
        let s = self.slot_mut(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.switch {
            return Err(SimError::SwitchFailure);
        }
        s.limit = limit;
        Ok(())
    }
}

impl ConnectorLock for SimCharger {
    type Error = SimError;

    fn set_locked(&mut self, connector: ConnectorId, locked: bool) -> Result<(), SimError> {
        let travel = self.lock_travel_ms;
        let now = self.now;
        let s = self.slot_mut(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.lock {
            return Err(SimError::LockFailure);
        }
        let from = match s.lock_move {
            Some((to, _)) => to,
            None => s.lock,
        };
        let to = if s.failures.lock_jammed {
            from
        } else if locked {
            LockState::Locked
        } else {
            LockState::Unlocked
        };
        if travel == 0 {
            s.lock = to;
            s.lock_move = None;
        } else {
            s.lock = LockState::Moving;
            s.lock_move = Some((to, now.add_millis(travel)));
        }
        Ok(())
    }

    fn lock_state(&mut self, connector: ConnectorId) -> Result<LockState, SimError> {
        let s = self.slot(connector).ok_or(SimError::NoSuchConnector)?;
        if s.failures.lock {
            return Err(SimError::LockFailure);
        }
        Ok(s.lock)
    }
}

impl IdTagReader for SimCharger {
    type Error = SimError;

    fn poll_id_tag(&mut self) -> Result<Option<PresentedTag>, SimError> {
        if self.reader_failing {
            return Err(SimError::ReaderFailure);
        }
        let first = self.tags.first().cloned();
        if first.is_some() {
            let mut skip = true;
            self.tags.retain(|_| !core::mem::take(&mut skip));
        }
        Ok(first)
    }
}

impl Reset for SimCharger {
    type Error = SimError;

    /// Records the reset and switches every offer off, as a restart does.
    fn reset(&mut self, kind: ResetType) -> Result<(), SimError> {
        if self.reset_failing {
            return Err(SimError::ResetFailure);
        }
        self.resets = self.resets.saturating_add(1);
        self.last_reset = Some(kind);
        for s in &mut self.slots {
            s.offer = false;
        }
        Ok(())
    }
}

impl Clock for SimCharger {
    fn now(&self) -> Option<DateTime> {
        let (at, wall) = self.rtc?;
        Some(wall.add_millis(i64::try_from(self.now.since(at)).unwrap_or(i64::MAX)))
    }
}
