//! Reservation (§3.11, §5.1 CancelReservation, §5.13 ReserveNow).

use super::{ChargePoint, Reply};
use crate::charge_point::Instant;
use crate::charge_point::capacity::Limits;
use crate::charge_point::journal::Reservation;
use crate::charge_point::storage::Storage;
use crate::types::ListOf;
use crate::v16::{CancelReservationStatus, ConnectorId, ReservationStatus, ReserveNowRequest};

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// ReserveNow (§5.13): Accepted, Faulted, Occupied, Rejected or Unavailable.
    pub(super) fn on_reserve_now(&mut self, req: ReserveNowRequest, now: Instant) -> Reply {
        let status = self.reserve(&req, now);
        if status == ReservationStatus::Accepted {
            // "If the reservationId matches a reservation in the Charge Point, the Charge Point
            // SHALL replace that reservation with the new reservation in the request."
            self.journal
                .reservations
                .retain(|r| r.id != req.reservation_id);
            let _ = self.journal.reservations.push(Reservation {
                id: req.reservation_id,
                connector: req.connector_id,
                id_tag: req.id_tag,
                parent_id_tag: req.parent_id_tag,
                expiry: req.expiry_date,
            });
            self.sync_reservations();
            self.persist_journal();
        }
        Reply::Status(status.as_str())
    }

    fn reserve(&self, req: &ReserveNowRequest, now: Instant) -> ReservationStatus {
        let c = req.connector_id;
        if c > self.setup.connectors {
            return ReservationStatus::Rejected;
        }
        if req.expiry_date <= self.clock.at(now) {
            return ReservationStatus::Rejected;
        }
        // A reservation id already held elsewhere is replaced; another reservation on the
        // connector makes it occupied.
        let taken_by_other = |conn: ConnectorId| {
            self.journal
                .reservations
                .iter()
                .any(|r| r.connector == conn && r.id != req.reservation_id)
        };
        let zero = &self.connectors[0];
        if zero.fault.is_some() {
            return ReservationStatus::Faulted;
        }
        if !zero.operative {
            return ReservationStatus::Unavailable;
        }
        if c == 0 {
            // §5.13: connector 0 only with ReserveConnectorZeroSupported; it needs a free connector.
            if !self.config.reserve_connector_zero_supported {
                return ReservationStatus::Rejected;
            }
            let free = (1..=self.setup.connectors).any(|i| {
                self.connectors.get(i as usize).is_some_and(|x| {
                    x.fault.is_none()
                        && x.operative
                        && !x.in_transaction
                        && !x.plugged
                        && !taken_by_other(i)
                })
            });
            return if free {
                ReservationStatus::Accepted
            } else {
                ReservationStatus::Occupied
            };
        }
        let Some(conn) = self.connectors.get(c as usize) else {
            return ReservationStatus::Rejected;
        };
        if conn.fault.is_some() {
            ReservationStatus::Faulted
        } else if !conn.operative {
            ReservationStatus::Unavailable
        } else if conn.in_transaction
            || conn.plugged
            || conn.preparing_since.is_some()
            || taken_by_other(c)
        {
            ReservationStatus::Occupied
        } else {
            ReservationStatus::Accepted
        }
    }

    /// CancelReservation (§5.1): Accepted when the reservation existed.
    pub(super) fn on_cancel_reservation(&mut self, reservation_id: i32, _now: Instant) -> Reply {
        let before = self.journal.reservations.len();
        self.journal.reservations.retain(|r| r.id != reservation_id);
        if self.journal.reservations.len() == before {
            return Reply::Status(CancelReservationStatus::Rejected.as_str());
        }
        self.sync_reservations();
        self.persist_journal();
        Reply::Status(CancelReservationStatus::Accepted.as_str())
    }

    /// Marks reserved connectors (status Reserved, §7.7).
    pub(super) fn sync_reservations(&mut self) {
        for (i, c) in self.connectors.iter_mut().enumerate() {
            c.reserved = i > 0
                && self
                    .journal
                    .reservations
                    .iter()
                    .any(|r| r.connector as usize == i);
        }
    }

    /// Ends reservations whose expiryDate passed.
    pub(super) fn expire_reservations(&mut self, now: Instant) {
        let wall = self.clock.at(now);
        let before = self.journal.reservations.len();
        self.journal.reservations.retain(|r| r.expiry > wall);
        if self.journal.reservations.len() != before {
            self.sync_reservations();
            self.persist_journal();
        }
    }

    /// When the next reservation expires.
    pub(super) fn reservation_deadline(&self) -> Option<Instant> {
        self.journal
            .reservations
            .iter()
            .map(|r| self.clock.instant_of(r.expiry))
            .min()
    }

    /// The reservation that holds `connector`: its own, else one on connector 0 when no other
    /// connector is free for it.
    pub(super) fn reservation_for(&self, connector: ConnectorId) -> Option<&Reservation> {
        self.journal
            .reservations
            .iter()
            .find(|r| r.connector == connector)
    }

    /// Whether `id_tag` (with `parent`, when known) may use `connector`: §5.13 "the Charge Point
    /// SHALL only accept the idTag of the reservation, or one with the same parentIdTag".
    pub(super) fn reservation_allows(
        &self,
        connector: ConnectorId,
        id_tag: &str,
        parent: Option<&str>,
    ) -> bool {
        let own = self.reservation_for(connector);
        let any = self.journal.reservations.iter().find(|r| r.connector == 0);
        let matches = |r: &Reservation| {
            r.id_tag.eq_ignore_case(id_tag)
                || matches!((&r.parent_id_tag, parent), (Some(a), Some(b)) if a.eq_ignore_case(b))
        };
        match (own, any) {
            (Some(r), _) => matches(r),
            // A connector-0 reservation holds back the last free connector for its holder.
            (None, Some(r)) if !matches(r) => {
                let free = (1..=self.setup.connectors).filter(|&i| {
                    i != connector
                        && self.connectors.get(i as usize).is_some_and(|x| {
                            x.fault.is_none()
                                && x.operative
                                && !x.in_transaction
                                && !x.plugged
                                && !x.reserved
                        })
                });
                free.count() > 0
            }
            _ => true,
        }
    }

    /// The reservation a transaction starting on `connector` for `id_tag` uses, removed.
    pub(super) fn take_reservation(&mut self, connector: ConnectorId, id_tag: &str) -> Option<i32> {
        let r = self
            .journal
            .reservations
            .iter()
            .find(|r| {
                (r.connector == connector || r.connector == 0) && r.id_tag.eq_ignore_case(id_tag)
            })
            .or_else(|| {
                self.journal
                    .reservations
                    .iter()
                    .find(|r| r.connector == connector)
            })
            .map(|r| r.id)?;
        self.journal.reservations.retain(|x| x.id != r);
        self.sync_reservations();
        Some(r)
    }
}
