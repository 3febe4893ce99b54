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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
