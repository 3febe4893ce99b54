//! The Local Auth List Management profile (OCPP 1.6 §3.3, §3.5.2): a list of idTags the central
//! system keeps on the charge point.

use serde::{Deserialize, Serialize};

use super::core_profile::{IdTagInfo, IdToken};
use super::macros::string_enum;
use crate::limits::SEND_LOCAL_LIST_MAX_LENGTH;
use crate::types::List;

string_enum! {
    /// `UpdateType` (§7.48).
    pub enum UpdateType {
        Differential = "Differential",
        Full = "Full",
    }
}

string_enum! {
    /// `UpdateStatus` (§7.47).
    pub enum UpdateStatus {
        Accepted = "Accepted",
        Failed = "Failed",
        NotSupported = "NotSupported",
        VersionMismatch = "VersionMismatch",
    }
}

/// `AuthorizationData` (§7.1): one entry of the local authorization list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationData {
    /// The identifier.
    pub id_tag: IdToken,
    /// Its status; in a Differential update, absent means "remove this entry".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}

/// `GetLocalListVersion.req` (§6.27): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetLocalListVersionRequest {}

/// `GetLocalListVersion.conf` (§6.28).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetLocalListVersionResponse {
    /// The version of the list; 0 when there is none, -1 when local lists are not supported.
    pub list_version: i32,
}

/// `SendLocalList.req` (§6.41).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SendLocalListRequest {
    /// The version the list has after this update.
    pub list_version: i32,
    /// The entries (replacements for Full, changes for Differential).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_authorization_list: Option<List<AuthorizationData, SEND_LOCAL_LIST_MAX_LENGTH>>,
    /// Full replacement or differential update.
    pub update_type: UpdateType,
}

/// `SendLocalList.conf` (§6.42).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SendLocalListResponse {
    /// The outcome.
    pub status: UpdateStatus,
}
