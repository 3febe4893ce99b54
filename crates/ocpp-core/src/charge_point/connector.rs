//! Connector status (OCPP 1.6 §4.9, §7.7).
//!
//! The status is *derived* from facts (fault, availability, transaction, cable, EV and EVSE
//! state) rather than driven by a transition table: a table has to anticipate every ordering of
//! events, a derivation cannot get stuck in a status the facts no longer support. The reported
//! status follows the derived one, debounced by `MinimumStatusDuration` (§9.1.20).

use crate::types::{CiString50, DateTime, NoneIsZero};
use crate::v16::{AvailabilityType, ChargePointErrorCode, ChargePointStatus};

use super::Instant;

/// What is known about one connector (or, for connector 0, the charge point as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    /// Operative (true) or Inoperative (ChangeAvailability, §5.2). Persisted by the caller.
    pub operative: bool,
    /// An availability change that waits for the transaction to end (`Scheduled`, §5.2). An
    /// `AvailabilityType` rather than a `bool`: `None` of an `Option<bool>` is 2, of this 0 (a
    /// `static` charge point lands in `.bss`).
    pub scheduled_operative: Option<AvailabilityType>,
    /// A fault, if any.
    pub fault: Option<Fault>,
    /// A cable is plugged in / an EV is connected.
    pub plugged: bool,
    /// The EV draws energy.
    pub ev_charging: bool,
    /// The EVSE offers energy (relay closed, PWM on). False during a transaction means
    /// `SuspendedEVSE`.
    pub evse_offering: bool,
    /// A transaction runs on this connector.
    pub in_transaction: bool,
    /// An identifier was authorized and the charge point waits for the cable (or the reverse:
    /// the cable is in and the charge point waits for an identifier). Drives `Preparing`.
    pub preparing_since: Option<Instant>,
    /// The transaction ended while the cable was still in: `Finishing` until it is removed.
    pub finishing: bool,
    /// A reservation holds the connector.
    pub reserved: bool,
    /// The status last reported to the central system, with when it was reported.
    pub reported: Option<ChargePointStatus>,
    /// A status change waiting out `MinimumStatusDuration`: the status and when it began.
    pub pending: Option<(ChargePointStatus, Instant, DateTime)>,
}

/// A fault on a connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The spec's code.
    pub error_code: ChargePointErrorCode,
    /// Free-form information.
    pub info: Option<CiString50>,
    /// The vendor's code.
    pub vendor_error_code: Option<CiString50>,
    /// Makes `None` of `Option<Fault>` zero bytes (see [`NoneIsZero`]).
    _none_is_zero: NoneIsZero,
}

impl Fault {
    /// A fault.
    pub const fn new(
        error_code: ChargePointErrorCode,
        info: Option<CiString50>,
        vendor_error_code: Option<CiString50>,
    ) -> Self {
        Fault {
            error_code,
            info,
            vendor_error_code,
            _none_is_zero: NoneIsZero::Marker,
        }
    }
}

impl Default for Connector {
    fn default() -> Self {
        Connector::new()
    }
}

impl Connector {
    /// A connector of a charge point that has not started: as [`Connector::new`] but with every
    /// field zero (so a `static` charge point lands in `.bss`).
    pub const fn blank() -> Self {
        let mut c = Self::new();
        c.operative = false;
        c
    }

    /// A connector with nothing known yet: operative, no cable, nothing reported (the
    /// [`Default`]).
    pub const fn new() -> Self {
        Connector {
            operative: true,
            scheduled_operative: None,
            fault: None,
            plugged: false,
            ev_charging: false,
            evse_offering: false,
            in_transaction: false,
            preparing_since: None,
            finishing: false,
            reserved: false,
            reported: None,
            pending: None,
        }
    }

    /// The status the facts call for (§7.7).
    ///
    /// Precedence: a fault wins (`Faulted`); then an Inoperative connector without transaction is
    /// `Unavailable` (one with a transaction stays in it until it ends, §5.2 "Scheduled"); a
    /// transaction is `Charging`, `SuspendedEV` or `SuspendedEVSE`; after it, `Finishing` while
    /// the cable is in; a reservation shows `Reserved`; a cable or a pending authorization shows
    /// `Preparing`; else `Available`.
    pub fn derived_status(&self) -> ChargePointStatus {
        if self.fault.is_some() {
            ChargePointStatus::Faulted
        } else if self.in_transaction {
            if !self.evse_offering {
                ChargePointStatus::SuspendedEvse
            } else if self.ev_charging {
                ChargePointStatus::Charging
            } else {
                ChargePointStatus::SuspendedEv
            }
        } else if !self.operative {
            ChargePointStatus::Unavailable
        } else if self.finishing {
            ChargePointStatus::Finishing
        } else if self.reserved {
            ChargePointStatus::Reserved
        } else if self.preparing_since.is_some() {
            ChargePointStatus::Preparing
        } else {
            ChargePointStatus::Available
        }
    }

    /// The status of connector 0 (§4.9: only Available, Unavailable and Faulted apply to it).
    pub fn derived_status_connector_zero(&self) -> ChargePointStatus {
        if self.fault.is_some() {
            ChargePointStatus::Faulted
        } else if self.operative {
            ChargePointStatus::Available
        } else {
            ChargePointStatus::Unavailable
        }
    }

    /// Tracks `status` against what was reported: returns the status to report now, if any.
    /// A change is reported once it has lasted `min_duration_ms` (`MinimumStatusDuration`);
    /// a change that reverts before then is never reported. Faults are reported at once: the
    /// spec's debounce is for status noise, not for errors the central system must see.
    pub fn track(
        &mut self,
        status: ChargePointStatus,
        now: Instant,
        wall: DateTime,
        min_duration_ms: u64,
    ) -> Option<(ChargePointStatus, DateTime)> {
        if self.reported == Some(status) {
            self.pending = None;
            return None;
        }
        let (since, since_wall) = match self.pending {
            Some((s, at, at_wall)) if s == status => (at, at_wall),
            _ => {
                self.pending = Some((status, now, wall));
                (now, wall)
            }
        };
        if min_duration_ms == 0
            || status == ChargePointStatus::Faulted
            || now.since(since) >= min_duration_ms
        {
            self.pending = None;
            Some((status, since_wall))
        } else {
            None
        }
    }

    /// When a pending change becomes reportable.
    pub fn pending_deadline(&self, min_duration_ms: u64) -> Option<Instant> {
        self.pending
            .map(|(_, at, _)| at.add_millis(min_duration_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime {
        DateTime::from_unix_millis(0).unwrap()
    }

    #[test]
    fn derived_status_follows_the_facts() {
        let mut c = Connector::default();
        assert_eq!(c.derived_status(), ChargePointStatus::Available);
        c.plugged = true;
        c.preparing_since = Some(Instant(0));
        assert_eq!(c.derived_status(), ChargePointStatus::Preparing);
        c.in_transaction = true;
        c.evse_offering = true;
        assert_eq!(c.derived_status(), ChargePointStatus::SuspendedEv);
        c.ev_charging = true;
        assert_eq!(c.derived_status(), ChargePointStatus::Charging);
        c.evse_offering = false;
        assert_eq!(c.derived_status(), ChargePointStatus::SuspendedEvse);
        c.operative = false;
        assert_eq!(
            c.derived_status(),
            ChargePointStatus::SuspendedEvse,
            "§5.2: a transaction finishes first"
        );
        c.in_transaction = false;
        c.finishing = true;
        assert_eq!(c.derived_status(), ChargePointStatus::Unavailable);
        c.operative = true;
        assert_eq!(c.derived_status(), ChargePointStatus::Finishing);
        c.fault = Some(Fault::new(ChargePointErrorCode::GroundFailure, None, None));
        assert_eq!(c.derived_status(), ChargePointStatus::Faulted);
    }

    #[test]
    fn minimum_status_duration_debounces() {
        // §9.1.20: a status is reported once it has lasted MinimumStatusDuration.
        let mut c = Connector {
            reported: Some(ChargePointStatus::Available),
            ..Connector::default()
        };
        assert_eq!(
            c.track(ChargePointStatus::Preparing, Instant(0), t0(), 5000),
            None
        );
        assert_eq!(c.pending_deadline(5000), Some(Instant(5000)));
        // Reverts before the duration: never reported.
        assert_eq!(
            c.track(ChargePointStatus::Available, Instant(1000), t0(), 5000),
            None
        );
        assert_eq!(c.pending, None);
        assert_eq!(
            c.track(ChargePointStatus::Preparing, Instant(2000), t0(), 5000),
            None
        );
        assert_eq!(
            c.track(ChargePointStatus::Preparing, Instant(6999), t0(), 5000),
            None
        );
        assert!(
            c.track(ChargePointStatus::Preparing, Instant(7000), t0(), 5000)
                .is_some()
        );
        // Faults are not debounced.
        assert!(
            c.track(ChargePointStatus::Faulted, Instant(7001), t0(), 5000)
                .is_some()
        );
    }
}
