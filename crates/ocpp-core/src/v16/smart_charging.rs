//! The Smart Charging profile (OCPP 1.6 §3.13): charging profiles and composite schedules.

use serde::{Deserialize, Serialize};

use super::ConnectorId;
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
    /// Phases that may be used; default 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_phases: Option<i32>,
}

/// `ChargingSchedule` (§7.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
