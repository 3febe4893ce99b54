//! Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16): the installed charging profiles and the
//! limits they impose.
//!
//! Pure and sans-IO: the charge point state machine hands in the request, the time and the
//! transaction running on the connector; this module answers with a status, a limit or a
//! schedule.
//!
//! - [`ProfileStore`] holds the installed profiles per connector (0 = the charge point as a
//!   whole) and implements SetChargingProfile ([`ProfileStore::set`]), ClearChargingProfile
//!   ([`ProfileStore::clear`]) and the end of a transaction ([`ProfileStore::transaction_ended`]).
//! - [`ProfileStore::limit_at`] is the limit on a connector at an instant;
//!   [`ProfileStore::next_change_after`] tells when to look again.
//! - [`ProfileStore::composite_schedule`] answers GetCompositeSchedule.
//! - [`ProfileStore::encode`] / [`ProfileStore::decode`] persist the profiles (errata v4.0 3.37:
//!   they "SHALL be persistent across reboots/power cycles"); format in the `codec` source.
//!
//! Nothing here allocates or panics. Time is handled in milliseconds ([`DateTime`]); the
//! composite schedule is reported in whole seconds.
//!
//! # Readings of the spec
//!
//! Where OCPP 1.6 edition 2 and its errata sheet (v4.0) leave room, this module decides as
//! follows.
//!
//! ## Installing (SetChargingProfile, §5.16, §6.43)
//!
//! - **Purposes and connectors** (§3.13.1): ChargePointMaxProfile only on connector 0;
//!   TxProfile only on a connector > 0, and only while a transaction runs there, else Rejected
//!   ("the Charge Point SHALL discard it and return an error status"); TxDefaultProfile on 0
//!   (for every connector) or on one connector. A connector above [`Settings::connectors`] is
//!   Rejected (the state machine should already have answered CALLERROR
//!   PropertyConstraintViolation, errata 3.39).
//! - **transactionId** (§7.8): only valid with a TxProfile, so any other purpose with one is
//!   Rejected. A TxProfile with one is Rejected unless it is the id of the running transaction
//!   (also while the central system has not yet assigned an id). Without one it applies to the
//!   running transaction (§5.16.2, errata 3.42: the RemoteStartTransaction case).
//! - **stackLevel** in `0..=`[`CHARGE_PROFILE_MAX_STACK_LEVEL`] (§7.8 ">=0", §9.4.1).
//! - **chargingRateUnit** not among [`Settings::allowed_units`]
//!   (ChargingScheduleAllowedChargingRateUnit, §9.4.2, errata 3.86): NotSupported, the status
//!   whose meaning is "the request is not supported" (§7.11), rather than Rejected. It is the
//!   only NotSupported answer: every other refusal is Rejected.
//! - **Periods**: at least one (1..* in §7.13), at most [`CHARGING_SCHEDULE_MAX_PERIODS`] (the
//!   message type already bounds this), the first at `startPeriod` 0 (errata 3.45/3.69) and
//!   strictly increasing (§7.14: a startPeriod "defines the stop time of the previous period",
//!   so equal or decreasing ones make no schedule). `limit` and `minChargingRate` must not be
//!   negative (1.6 knows no discharging) and `numberPhases`, when given, is 1, 2 or 3.
//! - **duration**, when given, is > 0.
//! - **Kinds** (§7.9, §7.13, §7.37, errata 3.56): Absolute needs `startSchedule` (its periods
//!   "are relative to a fixed point in time defined in the schedule"; §7.13's "if absent the
//!   schedule will be relative to start of charging" describes Relative profiles). Recurring
//!   needs both `recurrencyKind` and `startSchedule` (the recurrence restarts "at the same time
//!   as in the startSchedule"). `recurrencyKind` on another kind is Rejected (errata 3.56: "SHALL
//!   only be used" with Recurring). A Relative profile's `startSchedule` is ignored. A Relative
//!   ChargePointMaxProfile is Rejected: connector 0 has no transaction to be relative to.
//! - **validFrom/validTo** are allowed for every purpose (errata 3.65/3.66). `validTo` must be
//!   after `validFrom`; a profile whose `validTo` has passed at `now` is Rejected (§7.11: it
//!   "will not be executed"), and installed profiles that expired are dropped on the next
//!   install, to make room.
//! - **Replacement** (§3.13.2, §5.16.3, §5.16.4): a new profile replaces every installed one with
//!   the same chargingProfileId (on any connector) and the one with the same stackLevel and
//!   purpose on the same connector. Per connector, so that a TxDefaultProfile on connector 2
//!   leaves the one on connector 0 in place for the other connectors (§3.13.1: "replaced only for
//!   that specific connector"). When no slot is left (MaxChargingProfilesInstalled, §9.4.5) the
//!   profile is Rejected and nothing changes.
//!
//! ## Clearing (ClearChargingProfile, §5.5, §6.13, errata 3.25/3.26)
//!
//! With `id`, exactly the profile with that id is cleared, whatever the other fields say (errata
//! 3.26: "If id is specified, then all other fields are ignored"). Without, the given fields
//! combine with a logical AND; no field at all clears everything. Accepted when at least one
//! profile was removed, Unknown otherwise.
//!
//! ## Evaluating (§3.13.2, §3.13.3, §5.16.4)
//!
//! - A profile is **active** at an instant when it is valid (`validFrom <= t < validTo`, each
//!   bound only if given) and its schedule covers the instant: from the schedule start to the
//!   start plus `duration` (forever without one). After the last period's start the last
//!   period's limit holds until then (§5.16.4); periods starting at or after `duration` are never
//!   executed.
//! - **Schedule start**: Absolute: `startSchedule`. Relative: the start of the running
//!   transaction; without a transaction a Relative profile is not active ("relative to start of
//!   charging": no charging, no schedule). Recurring: `startSchedule` advanced by whole days
//!   (Daily) or weeks (Weekly) to the latest recurrence at or before the instant; before
//!   `startSchedule` itself the profile is not active yet. A Recurring schedule lasts
//!   `min(duration, recurrence period)`: errata 3.43/3.44, periods beyond the recurrence period
//!   "SHALL NOT be executed", and after a shorter `duration` the lower stack levels apply.
//! - **Stacking** (§3.13.2): within a purpose the active profile with the highest stackLevel
//!   prevails; where it is not active (outside its validity or schedule) the next lower active
//!   one does (errata 3.43: "fall back ... to a lower stackLevel if available").
//! - **TxProfile over TxDefaultProfile** (§3.13.1): during a transaction an active TxProfile of
//!   that transaction (its transactionId, or none) is used; where none is active the
//!   TxDefaultProfiles apply. TxDefaultProfiles also apply with no transaction running: they are
//!   what a transaction starting then would get (the pilot signal is set before
//!   StartTransaction, §3.13.4 figure 8), and errata 3.8 has new or removed TxDefaultProfiles
//!   take effect on running transactions at once, which evaluation does by construction.
//! - **Connector 0's TxDefaultProfiles** apply to every connector, except that a connector's own
//!   TxDefaultProfile at some stackLevel hides connector 0's profile of the same stackLevel for
//!   that connector (the §3.13.1 replacement "only for that specific connector"); connector 0's
//!   profiles on other stack levels still stack with the connector's own.
//! - **Combining purposes** (§3.13.3): the result is the minimum of the prevailing
//!   ChargePointMaxProfile and the prevailing TxProfile/TxDefaultProfile. The
//!   ChargePointMaxProfile is "the limit for all connectors combined": the limits handed to the
//!   hardware share it among the connectors with a transaction ([`share_max`]: water-filling,
//!   so a connector limited below its share leaves the rest to the others); `limit_at` and the
//!   composite schedule of one connector report that connector alone under the cap.
//! - **Connector 0** ([`ProfileStore::limit_at`] and the composite schedule with connector 0,
//!   §5.7 as amended by errata 3.30: "the total expected power or current the Charge Point
//!   expects to consume from the grid"): the minimum of the ChargePointMaxProfiles and connector
//!   0's TxDefaultProfiles. This module does not know how many connectors will charge, so it
//!   reports the charge point's own cap together with the default every transaction would get;
//!   TxProfiles and connectors' own defaults are not included.
//!
//! ## Units (§7.12 as amended by errata 3.68)
//!
//! `W` is the total power, `A` the current per phase. Converting uses `W = A x V x phases`,
//! with `V` the nominal [`Settings::line_voltage`] (errata 3.68: "not the measured voltage, but
//! the set voltage for the area (hence, 230 or 110 volt)") and `phases` the period's
//! `numberPhases`, or 3 when absent (errata 3.68: "if numberPhases in a ChargingSchedulePeriod is
//! absent, 3 SHALL be assumed"). W to A rounds down to the tenth (a limit is never exceeded by
//! rounding); A to W is exact.
//!
//! When two purposes combine, `numberPhases` is a limit too: the combined period uses the fewest
//! phases of the two (absent = 3), and both limits are compared in watts at that number of
//! phases (16 A per phase on one phase is 3680 W, not 11040 W). The result keeps the value and
//! unit of the lower one; its `number_phases` is absent only when both periods left it absent.
//! Errata 3.34 (use the limit as given when the EV or the charge point can use fewer phases) is
//! for the hardware layer: this module reports the limit and the phases as scheduled.
//!
//! ## Composite schedule (§5.7, §6.22, errata 3.28-3.30, 3.57)
//!
//! - The periods cover `[start, start + duration)`, `startPeriod` in seconds from `start`,
//!   consecutive equal periods merged, `duration` the requested duration and no `startSchedule`
//!   (errata 3.57: "must be omitted"; the caller reports `start` as `scheduleStart`).
//! - Where no profile limits the connector the period carries [`Settings::unconstrained`] (the
//!   hardware's rating), converted like any other limit: a ChargingSchedule has no way to say
//!   "unlimited".
//! - **Unit**: the requested one; without, the unit of the first profile that limits the
//!   connector within the window (of [`Settings::unconstrained`] if none does). Every period is
//!   converted to that one unit, so a window where profiles in A and in W take turns is reported
//!   entirely in the first one's unit.
//! - **Sub-second boundaries**: a change at a fraction of a second after `start` is reported at
//!   the next whole second; pass a whole-second `start` for an exact schedule.
//! - **Too many periods**: when the composite needs more than
//!   [`CHARGING_SCHEDULE_MAX_PERIODS`] periods, the first ones are returned and `duration` is cut
//!   to where the first omitted period would start, so that what is reported stays exact. The
//!   same holds when the walk through the window passes [`COMPOSITE_MAX_STEPS`] boundaries (a
//!   daily profile asked about for decades): this bounds the work one request can cause.
//! - `None` (answer Rejected, §5.7) for a connector above [`Settings::connectors`] or a
//!   `duration` that is not positive.

mod codec;
mod eval;
mod store;
#[cfg(test)]
mod tests;

pub use eval::{COMPOSITE_MAX_STEPS, share_max};
pub use store::{Period, ProfileStore, ProfileStoreOf, Stored};

use core::fmt;

use crate::limits::{
    CHARGE_PROFILE_MAX_STACK_LEVEL, CHARGING_SCHEDULE_MAX_PERIODS, MAX_CONNECTORS,
};
use crate::types::{DateTime, Decimal, List};
use crate::v16::{ChargingProfile, ChargingRateUnit, ConnectorId};

/// The number of phases assumed when a period gives none (errata 3.68 to §7.12).
pub const DEFAULT_NUMBER_PHASES: i16 = 3;

/// A charging limit: what the charge point may draw at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The limit, in `unit` (one fraction digit).
    pub value: Decimal,
    /// Amperes per phase or total watts (§7.12).
    pub unit: ChargingRateUnit,
    /// The phases that may be used; `None` means [`DEFAULT_NUMBER_PHASES`].
    pub number_phases: Option<i16>,
}

impl Limit {
    /// The phases this limit assumes: `number_phases`, or 3 when absent.
    pub fn phases(&self) -> i16 {
        self.number_phases.unwrap_or(DEFAULT_NUMBER_PHASES)
    }

    /// This limit in `unit`, converting at `line_voltage` volts with [`Limit::phases`] (see the
    /// module documentation: `W = A x V x phases`, W to A rounded down to the tenth).
    #[must_use]
    pub fn to_unit(self, unit: ChargingRateUnit, line_voltage: u16) -> Limit {
        Limit {
            value: convert(self.value, self.unit, unit, self.phases(), line_voltage),
            unit,
            number_phases: self.number_phases,
        }
    }
}

/// `value` in `from` converted to `to`, with `W = A x line_voltage x phases`. W to A rounds down
/// to the tenth; A to W is exact; results saturate at the range of [`Decimal`]. A `phases` or
/// `line_voltage` below 1 counts as 1.
pub fn convert(
    value: Decimal,
    from: ChargingRateUnit,
    to: ChargingRateUnit,
    phases: i16,
    line_voltage: u16,
) -> Decimal {
    // At most 65 535 x i32::MAX: no overflow in i64.
    let factor = i64::from(line_voltage.max(1)) * i64::from(phases.max(1));
    match (from, to) {
        (ChargingRateUnit::A, ChargingRateUnit::W) => value.saturating_mul_int(factor),
        (ChargingRateUnit::W, ChargingRateUnit::A) => value.div_int_floor(factor),
        _ => value,
    }
}

/// The transaction running on a connector, as far as smart charging cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxInfo {
    /// When it started: the start of Relative schedules.
    pub start: DateTime,
    /// The central system's transactionId, once StartTransaction.conf assigned it.
    pub id: Option<i32>,
}

/// What [`ProfileStore::set`] needs to know besides the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetContext {
    /// The current time: profiles whose `validTo` has passed are refused or dropped.
    pub now: DateTime,
    /// The transaction running on the connector the profile is for, if any.
    pub transaction: Option<TxInfo>,
}

/// The charge point's smart charging capabilities and electrical data. Not persisted: the
/// integrator supplies them at every start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Nominal line voltage for A <-> W conversions, volts (errata 3.68: 230 or 110, not the
    /// measured voltage). Default 230.
    pub line_voltage: u16,
    /// Connectors of the charge point (valid connector ids are `0..=connectors`). Default
    /// [`MAX_CONNECTORS`].
    pub connectors: u32,
    /// ChargingScheduleAllowedChargingRateUnit (§9.4.2): the units a schedule may use; others
    /// are answered NotSupported. Default both.
    pub allowed_units: List<ChargingRateUnit, 2>,
    /// What a composite schedule reports where no profile limits the connector: the hardware's
    /// rating. Default 32 A on 3 phases; set it to the charge point's rating.
    pub unconstrained: Limit,
}

impl Settings {
    /// The defaults documented on the fields (the [`Default`]), in const context too.
    pub const DEFAULT: Settings = Settings {
        line_voltage: 230,
        connectors: MAX_CONNECTORS as u32,
        allowed_units: List::from_array([ChargingRateUnit::A, ChargingRateUnit::W]),
        unconstrained: Limit {
            value: Decimal::from_int(32),
            unit: ChargingRateUnit::A,
            number_phases: None,
        },
    };
}

impl Settings {
    /// Zero settings: those of a charge point that has not started (its bytes are zero, so a
    /// `static` charge point lands in `.bss`); starting sets the real ones.
    pub const BLANK: Settings = Settings {
        line_voltage: 0,
        connectors: 0,
        allowed_units: List::new(),
        unconstrained: Limit {
            value: Decimal::ZERO,
            unit: ChargingRateUnit::W,
            number_phases: None,
        },
    };
}

impl Default for Settings {
    fn default() -> Self {
        Settings::DEFAULT
    }
}

/// An installed profile and the connector it was installed on (0 = the charge point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledProfile {
    /// The connector given in SetChargingProfile.req.
    pub connector: ConnectorId,
    /// The profile.
    pub profile: ChargingProfile,
}

/// Why persisting or restoring the profiles failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// The output buffer is too small for the image; `needed` bytes would do.
    BufferTooSmall {
        /// The size of the image.
        needed: usize,
    },
    /// The data is not an image of this kind (wrong magic).
    BadMagic,
    /// The image has a format version this code does not know.
    UnsupportedFormat(u8),
    /// The image is damaged: its CRC does not match.
    ChecksumMismatch,
    /// The image holds more profiles than the decoding store's capacity.
    TooManyEntries,
    /// The image is truncated, has trailing bytes, or holds something a SetChargingProfile could
    /// never have installed (unknown enumeration code, bad schedule, duplicate id or
    /// stackLevel, ...).
    Malformed,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            StoreError::BadMagic => f.write_str("not a charging profile image"),
            StoreError::UnsupportedFormat(v) => write!(f, "unsupported image format version {v}"),
            StoreError::ChecksumMismatch => f.write_str("image checksum mismatch"),
            StoreError::TooManyEntries => f.write_str("image holds more profiles than fit"),
            StoreError::Malformed => f.write_str("malformed image"),
        }
    }
}

impl core::error::Error for StoreError {}

/// The highest stackLevel accepted, as an `i32` like the field.
const MAX_STACK_LEVEL: i32 = CHARGE_PROFILE_MAX_STACK_LEVEL as i32;

// The codec stores the period count in one byte.
const _: () = assert!(CHARGING_SCHEDULE_MAX_PERIODS <= 255);
