//! The Reservation profile (OCPP 1.6 §3.3, §3.11): reserving a connector for an idTag.

use serde::{Deserialize, Serialize};

use super::ConnectorId;
use super::core_profile::IdToken;
use super::macros::string_enum;
use crate::types::DateTime;

string_enum! {
    /// `CancelReservationStatus` (§7.5).
    pub enum CancelReservationStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `ReservationStatus` (§7.40).
    pub enum ReservationStatus {
        Accepted = "Accepted",
        Faulted = "Faulted",
        Occupied = "Occupied",
        Rejected = "Rejected",
        Unavailable = "Unavailable",
    }
}

/// `CancelReservation.req` (§6.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct CancelReservationRequest {
    /// The reservation to cancel.
    pub reservation_id: i32,
}

/// `CancelReservation.conf` (§6.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct CancelReservationResponse {
    /// Accepted when the reservation existed and is cancelled.
    pub status: CancelReservationStatus,
}

/// `ReserveNow.req` (§6.37).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ReserveNowRequest {
    /// The connector to reserve; 0 for any connector (when `ReserveConnectorZeroSupported`).
    pub connector_id: ConnectorId,
    /// When the reservation ends.
    pub expiry_date: DateTime,
    /// The identifier the reservation is for.
    pub id_tag: IdToken,
    /// The parent of `id_tag`: any card of that group may use the reservation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<IdToken>,
    /// The reservation's id.
    pub reservation_id: i32,
}

/// `ReserveNow.conf` (§6.38).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ReserveNowResponse {
    /// The outcome.
    pub status: ReservationStatus,
}

const CANCEL_RESERVATION_FIELDS: &[&str] = &["reservationId"];

impl CancelReservationRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: CancelReservationRequest =
        CancelReservationRequest { reservation_id: 0 };
}

super::in_place::in_place_struct! {
    /// Decodes a [`CancelReservationRequest`] in place.
    CancelReservationRequestInPlace for CancelReservationRequest, "CancelReservationRequest",
    CANCEL_RESERVATION_FIELDS, required [0] {
        0 => reservation_id: value,
    }
}
