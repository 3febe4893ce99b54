//! What the loop calls of a feature profile that this build leaves out (cargo features
//! `profile-*`): the same hooks, doing nothing. The profile's messages are not decoded
//! (`handle_call` answers them `NotSupported`), its state is not in [`ChargePoint`] and its
//! code is not linked.

#![allow(clippy::unused_self, clippy::needless_pass_by_ref_mut)]

#[cfg(not(all(
    feature = "profile-firmware",
    feature = "profile-reservation",
    feature = "profile-smart-charging"
)))]
use super::ChargePoint;
#[cfg(not(all(
    feature = "profile-firmware",
    feature = "profile-reservation",
    feature = "profile-smart-charging"
)))]
use crate::charge_point::{Instant, storage::Storage};

/// Without Firmware Management: no transfers.
#[cfg(not(feature = "profile-firmware"))]
impl<S: Storage> ChargePoint<S> {
    pub(super) fn transfers_tick(&mut self, _now: Instant) {}

    pub(super) fn transfers_deadline(&self) -> Option<Instant> {
        None
    }

    pub(super) fn on_transfer_event(
        &mut self,
        _event: &crate::charge_point::io::Event,
        _now: Instant,
    ) {
    }
}

/// Without Reservation: no connector is ever reserved.
#[cfg(not(feature = "profile-reservation"))]
impl<S: Storage> ChargePoint<S> {
    pub(super) fn sync_reservations(&mut self) {}

    pub(super) fn expire_reservations(&mut self, _now: Instant) {}

    pub(super) fn reservation_deadline(&self) -> Option<Instant> {
        None
    }

    pub(super) fn reservation_allows(
        &self,
        _connector: crate::v16::ConnectorId,
        _id_tag: &str,
        _parent: Option<&str>,
    ) -> bool {
        true
    }

    pub(super) fn take_reservation(
        &mut self,
        _connector: crate::v16::ConnectorId,
        _id_tag: &str,
    ) -> Option<i32> {
        None
    }
}

/// Without Smart Charging: no profiles, no limits (the hardware's own rating applies).
#[cfg(not(feature = "profile-smart-charging"))]
impl<S: Storage> ChargePoint<S> {
    pub(super) fn restore_profiles(&mut self) {}

    pub(super) fn install_remote_start_profile(
        &mut self,
        _connector: crate::v16::ConnectorId,
        _now: Instant,
    ) {
    }

    pub(super) fn profiles_transaction_ended(&mut self, _connector: crate::v16::ConnectorId) {}

    pub(super) fn update_limits(&mut self, _now: Instant) {}
}
