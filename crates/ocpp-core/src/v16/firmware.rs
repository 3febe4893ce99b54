//! The Firmware Management profile (OCPP 1.6 §3.3): firmware updates and diagnostics upload.

use serde::{Deserialize, Serialize};

use super::macros::string_enum;
use crate::limits::URI_MAX_LEN;
use crate::types::{BoundedString, CiString255, DateTime};

/// An `anyURI` (firmware and diagnostics locations), bounded by [`URI_MAX_LEN`].
pub type Uri = BoundedString<URI_MAX_LEN>;

string_enum! {
    /// `DiagnosticsStatus` (§7.24).
    pub enum DiagnosticsStatus {
        Idle = "Idle",
        Uploaded = "Uploaded",
        UploadFailed = "UploadFailed",
        Uploading = "Uploading",
    }
}

string_enum! {
    #[none_is_zero]
    /// `FirmwareStatus` (§7.25).
    pub enum FirmwareStatus {
        Downloaded = "Downloaded",
        DownloadFailed = "DownloadFailed",
        Downloading = "Downloading",
        Idle = "Idle",
        InstallationFailed = "InstallationFailed",
        Installing = "Installing",
        Installed = "Installed",
    }
}

/// `DiagnosticsStatusNotification.req` (§6.17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsStatusNotificationRequest {
    /// The state of the diagnostics upload.
    pub status: DiagnosticsStatus,
}

/// `DiagnosticsStatusNotification.conf` (§6.18): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DiagnosticsStatusNotificationResponse {}

/// `FirmwareStatusNotification.req` (§6.19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct FirmwareStatusNotificationRequest {
    /// The state of the firmware update.
    pub status: FirmwareStatus,
}

/// `FirmwareStatusNotification.conf` (§6.20): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FirmwareStatusNotificationResponse {}

/// `GetDiagnostics.req` (§6.25).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetDiagnosticsRequest {
    /// Where to upload the diagnostics file.
    pub location: Uri,
    /// How many times to try the upload; default up to the charge point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
    /// Oldest logging information to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime>,
    /// Latest logging information to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_time: Option<DateTime>,
}

/// `GetDiagnostics.conf` (§6.26).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetDiagnosticsResponse {
    /// The name of the file that will be uploaded; absent when there is nothing to upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<CiString255>,
}

/// `UpdateFirmware.req` (§6.55).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct UpdateFirmwareRequest {
    /// Where to download the firmware.
    pub location: Uri,
    /// How many times to try the download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// From when on the firmware may be retrieved.
    pub retrieve_date: DateTime,
    /// Seconds between attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
}

/// `UpdateFirmware.conf` (§6.56): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UpdateFirmwareResponse {}

// Decoded in place (see `super::in_place`): the location (a URI of up to 512 bytes) is written
// once.

const GET_DIAGNOSTICS_FIELDS: &[&str] = &[
    "location",
    "retries",
    "retryInterval",
    "startTime",
    "stopTime",
];
const UPDATE_FIRMWARE_FIELDS: &[&str] = &["location", "retries", "retrieveDate", "retryInterval"];

impl GetDiagnosticsRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: GetDiagnosticsRequest = GetDiagnosticsRequest {
        location: BoundedString::new(),
        retries: None,
        retry_interval: None,
        start_time: None,
        stop_time: None,
    };
}

impl UpdateFirmwareRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: UpdateFirmwareRequest = UpdateFirmwareRequest {
        location: BoundedString::new(),
        retries: None,
        retrieve_date: DateTime::EPOCH,
        retry_interval: None,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`GetDiagnosticsRequest`] in place.
    GetDiagnosticsInPlace for GetDiagnosticsRequest, "GetDiagnosticsRequest",
    GET_DIAGNOSTICS_FIELDS, required [0] {
        0 => location: str,
        1 => retries: value,
        2 => retry_interval: value,
        3 => start_time: value,
        4 => stop_time: value,
    }
}

super::in_place::in_place_struct! {
    /// Decodes an [`UpdateFirmwareRequest`] in place.
    UpdateFirmwareInPlace for UpdateFirmwareRequest, "UpdateFirmwareRequest",
    UPDATE_FIRMWARE_FIELDS, required [0, 2] {
        0 => location: str,
        1 => retries: value,
        2 => retrieve_date: value,
        3 => retry_interval: value,
    }
}
