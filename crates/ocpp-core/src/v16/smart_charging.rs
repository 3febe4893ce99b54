//! The Smart Charging profile (OCPP 1.6 §3.13): charging profiles and composite schedules.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::ConnectorId;
use super::in_place::{FieldIndex, ListInPlace, Seen};
use super::macros::string_enum;
use crate::limits::CHARGING_SCHEDULE_MAX_PERIODS;
use crate::types::{DateTime, Decimal, List};

string_enum! {
    /// `ChargingProfilePurposeType` (§7.10).
    pub enum ChargingProfilePurpose {
        ChargePointMaxProfile = "ChargePointMaxProfile",
        TxDefaultProfile = "TxDefaultProfile",
        TxProfile = "TxProfile",
    }
}

string_enum! {
    /// `ChargingProfileKindType` (§7.9).
    pub enum ChargingProfileKind {
        Absolute = "Absolute",
        Recurring = "Recurring",
        Relative = "Relative",
    }
}

string_enum! {
    #[none_is_zero]
    /// `RecurrencyKindType` (§7.37).
    pub enum RecurrencyKind {
        Daily = "Daily",
        Weekly = "Weekly",
    }
}

string_enum! {
    /// `ChargingRateUnitType` (§7.12): amperes or watts.
    pub enum ChargingRateUnit {
        W = "W",
        A = "A",
    }
}

string_enum! {
    /// `ChargingProfileStatus` (§7.11): the answer to SetChargingProfile.
    pub enum ChargingProfileStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        NotSupported = "NotSupported",
    }
}

string_enum! {
    /// `ClearChargingProfileStatus` (§7.21).
    pub enum ClearChargingProfileStatus {
        Accepted = "Accepted",
        Unknown = "Unknown",
    }
}

string_enum! {
    /// `GetCompositeScheduleStatus` (§7.26).
    pub enum GetCompositeScheduleStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

/// `ChargingSchedulePeriod` (§7.14): a limit from `start_period` seconds after the schedule start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChargingSchedulePeriod {
    /// Seconds from the start of the schedule.
    pub start_period: i32,
    /// The limit, in the schedule's unit (at most one fraction digit).
    pub limit: Decimal,
    /// Phases that may be used; default 3. An `i16` (the schema says integer; only 1 to 3 are
    /// meaningful): a period is 12 bytes instead of 16, and a composite schedule of 48 periods
    /// 192 bytes smaller in each answer slot. A value beyond `i16` is refused when decoded
    /// (`PropertyConstraintViolation`), as one beyond `i32` was; 4 to 32,767 are decoded and
    /// the profile is Rejected, as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_phases: Option<i16>,
}

/// `ChargingSchedule` (§7.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChargingSchedule {
    /// Length of the schedule in seconds; absent means until the last period ends the transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<i32>,
    /// Start of an Absolute schedule (or of a Recurring one's first recurrence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_schedule: Option<DateTime>,
    /// The unit of the limits.
    pub charging_rate_unit: ChargingRateUnit,
    /// The periods, in increasing `start_period`, the first at 0.
    pub charging_schedule_period: List<ChargingSchedulePeriod, CHARGING_SCHEDULE_MAX_PERIODS>,
    /// The least rate at which the EV charges efficiently (at most one fraction digit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_charging_rate: Option<Decimal>,
}

/// `ChargingProfile` (§7.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChargingProfile {
    /// The profile's id.
    pub charging_profile_id: i32,
    /// The transaction a TxProfile applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    /// Precedence among profiles of the same purpose: the highest wins (>= 0).
    pub stack_level: i32,
    /// What the profile is for.
    pub charging_profile_purpose: ChargingProfilePurpose,
    /// How the schedule's start is determined.
    pub charging_profile_kind: ChargingProfileKind,
    /// For Recurring profiles: daily or weekly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrency_kind: Option<RecurrencyKind>,
    /// From when the profile is valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime>,
    /// Until when the profile is valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<DateTime>,
    /// The limits over time.
    pub charging_schedule: ChargingSchedule,
}

/// `ClearChargingProfile.req` (§6.13): every given field must match for a profile to be cleared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ClearChargingProfileRequest {
    /// The profile's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    /// The connector; 0 for profiles on the charge point as a whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<ConnectorId>,
    /// The purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_profile_purpose: Option<ChargingProfilePurpose>,
    /// The stack level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack_level: Option<i32>,
}

/// `ClearChargingProfile.conf` (§6.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ClearChargingProfileResponse {
    /// Accepted when at least one profile was cleared, Unknown otherwise.
    pub status: ClearChargingProfileStatus,
}

/// `GetCompositeSchedule.req` (§6.21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetCompositeScheduleRequest {
    /// The connector; 0 for the charge point's total.
    pub connector_id: ConnectorId,
    /// Length of the requested schedule, in seconds from now.
    pub duration: i32,
    /// The unit to report in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_rate_unit: Option<ChargingRateUnit>,
}

/// `GetCompositeSchedule.conf` (§6.22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetCompositeScheduleResponse {
    /// Whether a schedule could be computed.
    pub status: GetCompositeScheduleStatus,
    /// The connector the schedule is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<ConnectorId>,
    /// When the schedule starts (periods are relative to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_start: Option<DateTime>,
    /// The composite schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_schedule: Option<ChargingSchedule>,
}

/// `SetChargingProfile.req` (§6.43).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SetChargingProfileRequest {
    /// The connector; 0 for the charge point as a whole.
    pub connector_id: ConnectorId,
    /// The profile to install.
    pub cs_charging_profiles: ChargingProfile,
}

/// `SetChargingProfile.conf` (§6.44).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SetChargingProfileResponse {
    /// The outcome.
    pub status: ChargingProfileStatus,
}

// Decoding in place (see `super::in_place`): a profile is written once, where it stays.

const SCHEDULE_FIELDS: &[&str] = &[
    "duration",
    "startSchedule",
    "chargingRateUnit",
    "chargingSchedulePeriod",
    "minChargingRate",
];

const PROFILE_FIELDS: &[&str] = &[
    "chargingProfileId",
    "transactionId",
    "stackLevel",
    "chargingProfilePurpose",
    "chargingProfileKind",
    "recurrencyKind",
    "validFrom",
    "validTo",
    "chargingSchedule",
];

const SET_FIELDS: &[&str] = &["connectorId", "csChargingProfiles"];

impl ChargingSchedule {
    /// No period: what an in-place decode starts from (the unit is required, so the one here
    /// is never kept). All zero bytes, so that starting from it is a `memset`, not a copy of a
    /// constant from flash.
    pub(crate) const EMPTY: ChargingSchedule = ChargingSchedule {
        duration: None,
        start_schedule: None,
        charging_rate_unit: ChargingRateUnit::W,
        charging_schedule_period: List::new(),
        min_charging_rate: None,
    };
}

impl ChargingProfile {
    /// An empty profile: what an in-place decode starts from (purpose and kind are required, so
    /// the ones here are never kept). All zero bytes (`RecurrencyKind` is numbered from 1), so
    /// that starting from it is a `memset`, not a copy of a 670-byte constant from flash.
    pub(crate) const EMPTY: ChargingProfile = ChargingProfile {
        charging_profile_id: 0,
        transaction_id: None,
        stack_level: 0,
        charging_profile_purpose: ChargingProfilePurpose::ChargePointMaxProfile,
        charging_profile_kind: ChargingProfileKind::Absolute,
        recurrency_kind: None,
        valid_from: None,
        valid_to: None,
        charging_schedule: ChargingSchedule::EMPTY,
    };
}

impl SetChargingProfileRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: SetChargingProfileRequest = SetChargingProfileRequest {
        connector_id: 0,
        cs_charging_profiles: ChargingProfile::EMPTY,
    };
}

/// Decodes a [`ChargingSchedule`] into `self.0`.
pub(crate) struct ScheduleInPlace<'a>(pub &'a mut ChargingSchedule);

impl<'de> DeserializeSeed<'de> for ScheduleInPlace<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("ChargingSchedule", SCHEDULE_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for ScheduleInPlace<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ChargingSchedule")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let s = self.0;
        s.duration = None;
        s.start_schedule = None;
        s.charging_schedule_period.clear();
        s.min_charging_rate = None;
        let mut seen = Seen::new(SCHEDULE_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(SCHEDULE_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => s.duration = map.next_value()?,
                1 => s.start_schedule = map.next_value()?,
                2 => s.charging_rate_unit = map.next_value()?,
                3 => map.next_value_seed(ListInPlace(&mut s.charging_schedule_period))?,
                4 => s.min_charging_rate = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        seen.require(&[2, 3])
    }
}

impl<'de> Deserialize<'de> for ChargingSchedule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = ChargingSchedule::EMPTY;
        ScheduleInPlace(&mut out).deserialize(d)?;
        Ok(out)
    }
}

/// Decodes a [`ChargingProfile`] into `self.0`.
pub(crate) struct ProfileInPlace<'a>(pub &'a mut ChargingProfile);

impl<'de> DeserializeSeed<'de> for ProfileInPlace<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("ChargingProfile", PROFILE_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for ProfileInPlace<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ChargingProfile")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let p = self.0;
        p.transaction_id = None;
        p.recurrency_kind = None;
        p.valid_from = None;
        p.valid_to = None;
        let mut seen = Seen::new(PROFILE_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(PROFILE_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => p.charging_profile_id = map.next_value()?,
                1 => p.transaction_id = map.next_value()?,
                2 => p.stack_level = map.next_value()?,
                3 => p.charging_profile_purpose = map.next_value()?,
                4 => p.charging_profile_kind = map.next_value()?,
                5 => p.recurrency_kind = map.next_value()?,
                6 => p.valid_from = map.next_value()?,
                7 => p.valid_to = map.next_value()?,
                8 => map.next_value_seed(ScheduleInPlace(&mut p.charging_schedule))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        seen.require(&[0, 2, 3, 4, 8])
    }
}

impl<'de> Deserialize<'de> for ChargingProfile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = ChargingProfile::EMPTY;
        ProfileInPlace(&mut out).deserialize(d)?;
        Ok(out)
    }
}

/// Decodes an optional [`ChargingProfile`] (absent or `null`: `None`) into `self.0`.
pub(crate) struct OptionalProfileInPlace<'a>(pub &'a mut Option<ChargingProfile>);

impl<'de> DeserializeSeed<'de> for OptionalProfileInPlace<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalProfileInPlace<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ChargingProfile or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let p = self.0.get_or_insert(ChargingProfile::EMPTY);
        ProfileInPlace(p).deserialize(d)
    }
}

/// Decodes a [`SetChargingProfileRequest`] into `self.0`.
pub(crate) struct SetInPlace<'a>(pub &'a mut SetChargingProfileRequest);

impl<'de> DeserializeSeed<'de> for SetInPlace<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("SetChargingProfileRequest", SET_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for SetInPlace<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SetChargingProfile.req")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.0;
        let mut seen = Seen::new(SET_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(SET_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => r.connector_id = map.next_value()?,
                1 => map.next_value_seed(ProfileInPlace(&mut r.cs_charging_profiles))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        seen.require(&[0, 1])
    }
}

impl<'de> Deserialize<'de> for SetChargingProfileRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = SetChargingProfileRequest::EMPTY;
        SetInPlace(&mut out).deserialize(d)?;
        Ok(out)
    }
}

const CLEAR_CHARGING_PROFILE_FIELDS: &[&str] =
    &["id", "connectorId", "chargingProfilePurpose", "stackLevel"];

impl ClearChargingProfileRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: ClearChargingProfileRequest = ClearChargingProfileRequest {
        id: None,
        connector_id: None,
        charging_profile_purpose: None,
        stack_level: None,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`ClearChargingProfileRequest`] in place.
    ClearChargingProfileRequestInPlace for ClearChargingProfileRequest, "ClearChargingProfileRequest",
    CLEAR_CHARGING_PROFILE_FIELDS, required [] {
        0 => id: value,
        1 => connector_id: value,
        2 => charging_profile_purpose: value,
        3 => stack_level: value,
    }
}

const GET_COMPOSITE_SCHEDULE_FIELDS: &[&str] = &["connectorId", "duration", "chargingRateUnit"];

impl GetCompositeScheduleRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: GetCompositeScheduleRequest = GetCompositeScheduleRequest {
        connector_id: 0,
        duration: 0,
        charging_rate_unit: None,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`GetCompositeScheduleRequest`] in place.
    GetCompositeScheduleRequestInPlace for GetCompositeScheduleRequest, "GetCompositeScheduleRequest",
    GET_COMPOSITE_SCHEDULE_FIELDS, required [0, 1] {
        0 => connector_id: value,
        1 => duration: value,
        2 => charging_rate_unit: value,
    }
}
