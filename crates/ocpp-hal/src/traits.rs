//! The traits a charger implements, one per piece of hardware, and the small types they trade.
//!
//! Every method is synchronous and must return quickly (microseconds to a few milliseconds):
//! the loop that calls it also answers the central system, and OCPP-J gives it no slack for a
//! blocked caller. A method starts or reads something; it never waits for it. A lock motor that
//! takes 300 ms is started by [`ConnectorLock::set_locked`] and observed with
//! [`ConnectorLock::lock_state`]; a meter on a slow bus (Modbus RTU, SPI with long conversions) is
//! read by the integrator's own task and [`Meter::read`] returns its latest readings. Work that
//! takes seconds or minutes (a firmware download, §8.1; a diagnostics upload, §8.2) belongs in
//! the integrator's tasks and never in these calls.
//!
//! Errors are associated types, so that each driver keeps its own (`nb`, `embedded-hal`, an
//! `io::Error` on a host). [`crate::Station`] turns a failure into the fault code the spec
//! reserves for it (§7.6 ChargePointErrorCode) and puts the error's `Debug` text, cut to 50
//! printable characters, into StatusNotification's `info`.
//!
//! Section numbers (§) are those of the OCPP 1.6 specification, edition 2.

use core::fmt::Debug;

use ocpp_core::charge_point::MeterReadings;
use ocpp_core::types::{DateTime, Decimal};
use ocpp_core::v16::{ChargePointErrorCode, ChargingRateUnit, ConnectorId, IdToken, ResetType};

/// The electrical meters.
///
/// OCPP 1.6 §4.7: "A Charge Point MAY sample the electrical meter or other sensor/transducer
/// hardware to provide extra information about its meter values." The energy register is the one
/// §7.31 means by `Energy.Active.Import.Register`: "Numerical value read from the 'active
/// electrical energy' (Wh or kWh) register of the (most authoritative) electrical meter measuring
/// energy imported (from the grid supply)". StartTransaction's `meterStart` and StopTransaction's
/// `meterStop` (§6.45, §6.49) are taken from it, so it must be the billing meter's register as
/// read, never re-based to zero per session.
///
/// Connector numbering follows §3.8: "For operations initiated by the Charge Point (when
/// reporting), ConnectorId 0 is reserved for the Charge Point main controller", and §4.7: "If the
/// connectorId is 0 and the Measurand is energy related, the sample SHOULD be taken from the main
/// energy meter."
pub trait Meter {
    /// The driver's error. Reads that keep failing are reported as `PowerMeterFailure` (§7.6:
    /// "Failure to read electrical/energy/power meter").
    type Error: Debug;

    /// The latest readings of `connector`'s meter (0: the main meter), or `Ok(None)` when there
    /// is no meter there (connector 0 of most chargers).
    ///
    /// Fill what the meter measures: energy (Wh), power (W), current (A) and voltage (V) per
    /// phase, the offered current and power, and the EV's state of charge when known (§7.31
    /// `SoC`: "State of charge of charging vehicle in percentage", from ISO 15118 or DC charging).
    /// Leave the rest `None`: an unknown value is left out of MeterValues, never sent as 0.
    ///
    /// Return cached values: a meter on a slow bus is polled by the integrator's own task.
    fn read(&mut self, connector: ConnectorId) -> Result<Option<MeterReadings>, Self::Error>;
}

/// What the connector senses of the cable and the EV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectorState {
    /// A cable is plugged in, or for a tethered cable an EV is connected (IEC 61851 control
    /// pilot state B, C or D). OCPP 1.6 §7.7 `Preparing`: "Typically a Connector is in preparing
    /// state when a user presents a tag, inserts a cable or a vehicle occupies the parking bay."
    pub plugged: bool,
    /// The EV takes energy (control pilot state C or D with current flowing). §7.7
    /// `SuspendedEV`: "When the EV is connected to the EVSE and the EVSE is offering energy but
    /// the EV is not taking any energy"; `Charging`: "When the contactor of a Connector closes,
    /// allowing the vehicle to charge". Ignored while not `plugged`.
    pub ev_charging: bool,
}

/// The plug and EV sensing of each connector (control pilot, proximity pilot, a plug switch).
pub trait ConnectorSensor {
    /// The driver's error. Reads that keep failing are reported as `InternalError` (§7.6: "Error
    /// in internal hard- or software component"): without a plug sensor the charger cannot tell
    /// whether it may offer energy.
    type Error: Debug;

    /// The state of `connector` (1 to the number of connectors) now.
    fn state(&mut self, connector: ConnectorId) -> Result<ConnectorState, Self::Error>;

    /// A fault the hardware detects on `connector` (0: the charge point as a whole), or `None`.
    /// Report what §7.6 lists for the hardware: `GroundFailure` ("Ground fault circuit
    /// interrupter has been activated"), `OverCurrentFailure`, `HighTemperature`,
    /// `OverVoltage`, `UnderVoltage`, `EvCommunicationError`, `OtherError`, ... While `Some`,
    /// the connector is `Faulted` (§7.7: "When a Charge Point or connector has reported an error
    /// and is not available for energy delivery"). `NoError` counts as `None`.
    ///
    /// The default reports nothing.
    fn fault(&mut self, connector: ConnectorId) -> Option<ChargePointErrorCode> {
        let _ = connector;
        None
    }
}

/// A charging rate limit, as a charging schedule gives it (§7.14 ChargingSchedulePeriod).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargingLimit {
    /// §7.12 ChargingRateUnitType: `A`, "The amount of Ampere per phase, not the sum of all
    /// phases"; `W`, "This is the TOTAL allowed charging power".
    pub unit: ChargingRateUnit,
    /// §7.14 `limit`: "Charging rate limit during the schedule period, in the applicable
    /// chargingRateUnit, for example in Amperes or Watts. Accepts at most one digit fraction".
    pub limit: Decimal,
    /// §7.14 `numberPhases`: "The number of phases that can be used for charging. If a number of
    /// phases is needed, numberPhases=3 will be assumed unless another number is given."
    pub number_phases: Option<u32>,
}

/// Switching the energy offer: the contactor and the control pilot's current limit.
///
/// OCPP 1.6 §2.2: the Energy Offer Period "starts when the EVSE is ready and willing to supply
/// energy"; during a transaction "there may be periods the EnergyOffer to EV is suspended by the
/// EVSE, for instance due to Smart Charging or local balancing" (Energy Offer Suspend Period).
/// §4.1: "The Charge Point SHALL only supply energy after authorization."
///
/// At power-on the offer must be off on every connector: the charge point switches it on when a
/// transaction starts ([`crate::Station`] also switches it off on its first poll).
pub trait EnergyOffer {
    /// The driver's error. A failure is reported as `PowerSwitchFailure` (§7.6: "Failure to
    /// control power switch") and stays until [`crate::Station::clear_fault`].
    type Error: Debug;

    /// Offers energy on `connector` (close the contactor, start the control pilot PWM) or stops
    /// offering it (§7.7 `SuspendedEVSE`: "the EVSE is not offering energy to the EV").
    fn set_offer(&mut self, connector: ConnectorId, enabled: bool) -> Result<(), Self::Error>;

    /// Limits the rate offered on `connector` (`None`: the hardware's own maximum). §2.2 Control
    /// Pilot signal: "Signal used by a Charge Point to inform EV of maximum Charging power or
    /// current limit, as defined by [IEC61851-1]." For a limit in W on AC, §7.12: "Current per
    /// phase = Power / (Line Voltage * Number of Phases)", with the nominal line voltage, not the
    /// measured one.
    ///
    /// For smart charging (§3.13); the charge point does not call it yet.
    fn set_limit(
        &mut self,
        connector: ConnectorId,
        limit: Option<ChargingLimit>,
    ) -> Result<(), Self::Error>;
}

/// Where a connector's cable lock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// The cable is retained.
    Locked,
    /// The cable is free.
    Unlocked,
    /// The actuator is moving after [`ConnectorLock::set_locked`].
    Moving,
}

/// The cable retention lock of each connector (sockets; a tethered cable has none).
///
/// OCPP 1.6 §5.18: UnlockConnector is meant to "Help EV drivers that have problems unplugging
/// their cable from the Charge Point in case of malfunction of the Connector cable retention",
/// and "is intented only for unlocking the cable retention lock on the Connector, not for
/// unlocking a connector access door." §9.1.33 UnlockConnectorOnEVSideDisconnect: "When set to
/// true, the Charge Point SHALL unlock the cable on Charge Point side when the cable is unplugged
/// at the EV."
///
/// A charger without a lock implements this as always `Unlocked`.
pub trait ConnectorLock {
    /// The driver's error. A failure is reported as `ConnectorLockFailure` (§7.6: "Failure to
    /// lock or unlock connector") and stays until [`crate::Station::clear_fault`].
    type Error: Debug;

    /// Starts locking (`true`) or unlocking `connector`. Returns at once; the movement is
    /// observed with [`ConnectorLock::lock_state`].
    fn set_locked(&mut self, connector: ConnectorId, locked: bool) -> Result<(), Self::Error>;

    /// Where the lock is now: from its feedback switch, or the last command for a lock without
    /// one. From a command until the feedback confirms it, report `Moving`. After an unlock
    /// command, `Locked` (the actuator stopped but the lock did not open)
    /// means §7.46 `UnlockFailed`: "The Charge Point has tried to unlock the connector and has
    /// detected that the connector is still locked or the unlock mechanism failed."
    fn lock_state(&mut self, connector: ConnectorId) -> Result<LockState, Self::Error>;
}

/// An identifier someone presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedTag {
    /// The connector the reader belongs to; `None` for a reader shared by all connectors (the
    /// charge point then picks one, see `Event::IdTag`).
    pub connector: Option<ConnectorId>,
    /// The identifier. §3.9: for an ISO 14443 card "it is RECOMMENDED that such UIDs be
    /// represented as hex representations of the UID bytes. According to ISO14443-3, byte 0
    /// should come first in the hex string."
    pub id_tag: IdToken,
}

/// The identification readers: RFID, a PIN pad, a local app.
///
/// OCPP 1.6 §4.1: "Before the owner of an electric vehicle can start or stop charging, the Charge
/// Point has to authorize the operation." §3.9: IdTokens "MAY contain any data, subject to the
/// constraints of the data-type (CiString20Type)", and "Charge Points MUST NOT make any
/// presumptions as to the format or content of such data".
pub trait IdTagReader {
    /// The driver's error. Counted in [`crate::Station::errors`], not reported as a fault: the
    /// core's faults make a connector `Faulted`, "not available for energy delivery" (§7.7), which
    /// a broken reader is not (remote starts still work). Report `ReaderFailure` (§7.6) yourself
    /// through a vendor channel if you need to.
    type Error: Debug;

    /// The next identifier presented since the last call, if any. Present each card once per
    /// presentation, not once per poll while it stays on the reader.
    fn poll_id_tag(&mut self) -> Result<Option<PresentedTag>, Self::Error>;
}

/// Restarting the charge point.
///
/// OCPP 1.6 §7.42 ResetType: `Soft`, "Stop ongoing transactions gracefully and sending
/// StopTransaction.req for every ongoing transaction. It should then restart the application
/// software (if possible, otherwise restart the processor/controller)"; `Hard`, "Restart (all)
/// the hardware, the Charge Point is not required to gracefully stop ongoing transaction." The
/// charge point has already stopped the transactions and stored their messages when it asks.
pub trait Reset {
    /// The driver's error. A failure is reported as `ResetFailure` (§7.6: "Unable to perform a
    /// reset") on connector 0, and stays until [`crate::Station::clear_fault`].
    type Error: Debug;

    /// Restarts now. On a microcontroller this does not return. On a host it may return `Ok`:
    /// the integrator then builds a new `ChargePoint` from the same storage (see
    /// [`crate::Station::poll_output`]).
    fn reset(&mut self, kind: ResetType) -> Result<(), Self::Error>;
}

/// A battery-backed real-time clock, if the charger has one.
///
/// OCPP 1.6 §3.14: "it is strongly recommended to use UTC for all time values". Without a clock
/// the charge point takes the time from the central system (BootNotification.conf and
/// Heartbeat.conf `currentTime`); until then its timestamps are not meaningful. A clock gives
/// meaningful timestamps from power-on, which matters for transactions started offline.
pub trait Clock {
    /// The current UTC time, if the clock is set. The default: no clock.
    fn now(&self) -> Option<DateTime> {
        None
    }
}

/// Everything a charger provides, in one type: what [`crate::Station`] drives.
///
/// Implemented for every type that implements all the traits; a board support struct holding
/// the drivers implements each trait by delegating to the right one.
pub trait Hal:
    Meter + ConnectorSensor + EnergyOffer + ConnectorLock + IdTagReader + Reset + Clock
{
}

impl<T> Hal for T where
    T: Meter + ConnectorSensor + EnergyOffer + ConnectorLock + IdTagReader + Reset + Clock
{
}
