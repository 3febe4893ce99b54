//! The OCPP 1.6 security extension (security whitepaper edition 2, chapters 5 and 6):
//! certificate management, security events, log upload and signed firmware.

use serde::{Deserialize, Serialize};

use super::ConnectorId;
use super::macros::string_enum;
use super::remote_trigger::TriggerMessageStatus;
use crate::limits::{
    CERTIFICATE_CHAIN_MAX_LEN, CERTIFICATE_MAX_LEN, CSR_MAX_LEN, MAX_INSTALLED_CERTIFICATES,
    SIGNATURE_MAX_LEN,
};
use crate::types::{BoundedString, CiString50, CiString255, DateTime, List};

/// A URL in the security extension (`GetLog`, `SignedUpdateFirmware`): string, maxLength 512.
pub type SecurityUri = BoundedString<512>;

string_enum! {
    /// `CertificateSignedStatusEnumType` (security §6.2).
    pub enum CertificateSignedStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `DeleteCertificateStatusEnumType` (security §6.5).
    pub enum DeleteCertificateStatus {
        Accepted = "Accepted",
        Failed = "Failed",
        NotFound = "NotFound",
    }
}

string_enum! {
    /// `HashAlgorithmEnumType` (security §6.10).
    pub enum HashAlgorithm {
        Sha256 = "SHA256",
        Sha384 = "SHA384",
        Sha512 = "SHA512",
    }
}

string_enum! {
    /// `MessageTriggerEnumType` (security §6.14): what ExtendedTriggerMessage may ask for.
    pub enum ExtendedMessageTrigger {
        BootNotification = "BootNotification",
        LogStatusNotification = "LogStatusNotification",
        FirmwareStatusNotification = "FirmwareStatusNotification",
        Heartbeat = "Heartbeat",
        MeterValues = "MeterValues",
        SignChargePointCertificate = "SignChargePointCertificate",
        StatusNotification = "StatusNotification",
    }
}

string_enum! {
    /// `CertificateUseEnumType` (security §6.4).
    pub enum CertificateUse {
        CentralSystemRootCertificate = "CentralSystemRootCertificate",
        ManufacturerRootCertificate = "ManufacturerRootCertificate",
    }
}

string_enum! {
    /// `GetInstalledCertificateStatusEnumType` (security §6.9).
    pub enum GetInstalledCertificateStatus {
        Accepted = "Accepted",
        NotFound = "NotFound",
    }
}

string_enum! {
    /// `LogEnumType` (security §6.11).
    pub enum LogType {
        DiagnosticsLog = "DiagnosticsLog",
        SecurityLog = "SecurityLog",
    }
}

string_enum! {
    /// `LogStatusEnumType` (security §6.13): the answer to GetLog.
    pub enum LogStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        AcceptedCanceled = "AcceptedCanceled",
    }
}

string_enum! {
    /// `CertificateStatusEnumType` (security §6.3): the answer to InstallCertificate.
    pub enum InstallCertificateStatus {
        Accepted = "Accepted",
        Failed = "Failed",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `UploadLogStatusEnumType` (security §6.17).
    pub enum UploadLogStatus {
        BadMessage = "BadMessage",
        Idle = "Idle",
        NotSupportedOperation = "NotSupportedOperation",
        PermissionDenied = "PermissionDenied",
        Uploaded = "Uploaded",
        UploadFailure = "UploadFailure",
        Uploading = "Uploading",
    }
}

string_enum! {
    /// `GenericStatusEnumType` (security §6.8).
    pub enum GenericStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `FirmwareStatusEnumType` (security §6.6): the states of a signed firmware update.
    pub enum SignedFirmwareStatus {
        Downloaded = "Downloaded",
        DownloadFailed = "DownloadFailed",
        Downloading = "Downloading",
        DownloadScheduled = "DownloadScheduled",
        DownloadPaused = "DownloadPaused",
        Idle = "Idle",
        InstallationFailed = "InstallationFailed",
        Installing = "Installing",
        Installed = "Installed",
        InstallRebooting = "InstallRebooting",
        InstallScheduled = "InstallScheduled",
        InstallVerificationFailed = "InstallVerificationFailed",
        InvalidSignature = "InvalidSignature",
        SignatureVerified = "SignatureVerified",
    }
}

string_enum! {
    /// `UpdateFirmwareStatusEnumType` (security §6.16): the answer to SignedUpdateFirmware.
    pub enum UpdateFirmwareStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        AcceptedCanceled = "AcceptedCanceled",
        InvalidCertificate = "InvalidCertificate",
        RevokedCertificate = "RevokedCertificate",
    }
}

/// `CertificateHashDataType` (security §6.1): identifies a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct CertificateHashData {
    /// The hash algorithm of the two hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Hash of the issuer's distinguished name, hex.
    pub issuer_name_hash: BoundedString<128>,
    /// Hash of the issuer's public key, hex.
    pub issuer_key_hash: BoundedString<128>,
    /// The certificate's serial number, hex.
    pub serial_number: BoundedString<40>,
}

/// `LogParametersType` (security §6.12). Decoded in place (see [`GetLogRequest`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct LogParameters {
    /// Where to upload the log.
    pub remote_location: SecurityUri,
    /// Oldest entry to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_timestamp: Option<DateTime>,
    /// Latest entry to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_timestamp: Option<DateTime>,
}

/// `FirmwareType` (security §6.7): a signed firmware image to install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct Firmware {
    /// Where to download the image.
    pub location: SecurityUri,
    /// From when on the image may be retrieved.
    pub retrieve_date_time: DateTime,
    /// When to install it; absent means as soon as possible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_date_time: Option<DateTime>,
    /// The certificate (PEM) whose key signed the image.
    pub signing_certificate: BoundedString<CERTIFICATE_MAX_LEN>,
    /// Base64 signature over the image.
    pub signature: BoundedString<SIGNATURE_MAX_LEN>,
}

/// `CertificateSigned.req` (security §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct CertificateSignedRequest {
    /// The signed charge point certificate and its chain, PEM.
    pub certificate_chain: BoundedString<CERTIFICATE_CHAIN_MAX_LEN>,
}

/// `CertificateSigned.conf` (security §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct CertificateSignedResponse {
    /// Whether the certificate was accepted.
    pub status: CertificateSignedStatus,
}

/// `DeleteCertificate.req` (security §5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct DeleteCertificateRequest {
    /// The certificate to delete.
    pub certificate_hash_data: CertificateHashData,
}

/// `DeleteCertificate.conf` (security §5.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct DeleteCertificateResponse {
    /// The outcome.
    pub status: DeleteCertificateStatus,
}

/// `ExtendedTriggerMessage.req` (security §5.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ExtendedTriggerMessageRequest {
    /// The message asked for.
    pub requested_message: ExtendedMessageTrigger,
    /// The connector it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<ConnectorId>,
}

/// `ExtendedTriggerMessage.conf` (security §5.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ExtendedTriggerMessageResponse {
    /// Whether the message will be sent.
    pub status: TriggerMessageStatus,
}

/// `GetInstalledCertificateIds.req` (security §5.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetInstalledCertificateIdsRequest {
    /// Which kind of certificates to list.
    pub certificate_type: CertificateUse,
}

/// `GetInstalledCertificateIds.conf` (security §5.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetInstalledCertificateIdsResponse {
    /// The certificates (at least one when present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_hash_data: Option<List<CertificateHashData, MAX_INSTALLED_CERTIFICATES>>,
    /// Accepted, or NotFound when there are none.
    pub status: GetInstalledCertificateStatus,
}

/// `GetLog.req` (security §5.9). Decoded in place (`super::in_place`): its location (a URL of up
/// to 512 bytes) is written once, not copied through serde's derived visitors (a 3 KB stack
/// frame on a Cortex-M4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetLogRequest {
    /// Where to upload, and which period.
    pub log: LogParameters,
    /// Which log.
    pub log_type: LogType,
    /// The request's id, repeated in LogStatusNotification.
    pub request_id: i32,
    /// How many times to try the upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
}

/// `GetLog.conf` (security §5.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetLogResponse {
    /// The outcome.
    pub status: LogStatus,
    /// The name of the file that will be uploaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<CiString255>,
}

const LOG_PARAMETERS_FIELDS: &[&str] = &["remoteLocation", "oldestTimestamp", "latestTimestamp"];
const GET_LOG_FIELDS: &[&str] = &["log", "logType", "requestId", "retries", "retryInterval"];

impl LogParameters {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: LogParameters = LogParameters {
        remote_location: BoundedString::new(),
        oldest_timestamp: None,
        latest_timestamp: None,
    };
}

impl GetLogRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: GetLogRequest = GetLogRequest {
        log: LogParameters::EMPTY,
        log_type: LogType::DiagnosticsLog,
        request_id: 0,
        retries: None,
        retry_interval: None,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`LogParameters`] in place.
    LogParametersInPlace for LogParameters, "LogParameters", LOG_PARAMETERS_FIELDS, required [0] {
        0 => remote_location: str,
        1 => oldest_timestamp: value,
        2 => latest_timestamp: value,
    }
}

super::in_place::in_place_struct! {
    /// Decodes a [`GetLogRequest`] in place.
    GetLogInPlace for GetLogRequest, "GetLogRequest", GET_LOG_FIELDS, required [0, 1, 2] {
        0 => log: LogParametersInPlace,
        1 => log_type: value,
        2 => request_id: value,
        3 => retries: value,
        4 => retry_interval: value,
    }
}

/// `InstallCertificate.req` (security §5.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct InstallCertificateRequest {
    /// The kind of root certificate.
    pub certificate_type: CertificateUse,
    /// The certificate, PEM.
    pub certificate: BoundedString<CERTIFICATE_MAX_LEN>,
}

/// `InstallCertificate.conf` (security §5.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct InstallCertificateResponse {
    /// The outcome.
    pub status: InstallCertificateStatus,
}

/// `LogStatusNotification.req` (security §5.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct LogStatusNotificationRequest {
    /// The state of the log upload.
    pub status: UploadLogStatus,
    /// The GetLog request this concerns; absent when triggered with nothing going on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// `LogStatusNotification.conf` (security §5.14): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LogStatusNotificationResponse {}

/// `SecurityEventNotification.req` (security §5.15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventNotificationRequest {
    /// The event type, from the whitepaper's list (e.g. `FirmwareUpdated`).
    #[serde(rename = "type")]
    pub kind: CiString50,
    /// When the event happened.
    pub timestamp: DateTime,
    /// Additional information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tech_info: Option<CiString255>,
}

/// `SecurityEventNotification.conf` (security §5.16): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SecurityEventNotificationResponse {}

/// `SignCertificate.req` (security §5.17).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SignCertificateRequest {
    /// The certificate signing request, PEM (PKCS#10).
    pub csr: BoundedString<CSR_MAX_LEN>,
}

/// `SignCertificate.conf` (security §5.18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SignCertificateResponse {
    /// Whether the central system will have the CSR signed.
    pub status: GenericStatus,
}

/// `SignedFirmwareStatusNotification.req` (security §5.19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SignedFirmwareStatusNotificationRequest {
    /// The state of the signed firmware update.
    pub status: SignedFirmwareStatus,
    /// The SignedUpdateFirmware request this concerns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// `SignedFirmwareStatusNotification.conf` (security §5.20): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SignedFirmwareStatusNotificationResponse {}

/// `SignedUpdateFirmware.req` (security §5.21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SignedUpdateFirmwareRequest {
    /// How many times to try the download.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    /// Seconds between attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
    /// The request's id, repeated in SignedFirmwareStatusNotification.
    pub request_id: i32,
    /// The image to install.
    pub firmware: Firmware,
}

/// `SignedUpdateFirmware.conf` (security §5.22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SignedUpdateFirmwareResponse {
    /// The outcome.
    pub status: UpdateFirmwareStatus,
}

string_enum! {
    #[none_is_zero]
    /// A security event type (security whitepaper chapter 8 "Security Events"), its wire name
    /// the `type` of SecurityEventNotification.req. How the charge point queues and raises
    /// them: `charge_point::security`.
    pub enum SecurityEvent {
        FirmwareUpdated = "FirmwareUpdated",
        FailedToAuthenticateAtCentralSystem = "FailedToAuthenticateAtCentralSystem",
        CentralSystemFailedToAuthenticate = "CentralSystemFailedToAuthenticate",
        SettingSystemTime = "SettingSystemTime",
        StartupOfTheDevice = "StartupOfTheDevice",
        ResetOrReboot = "ResetOrReboot",
        SecurityLogWasCleared = "SecurityLogWasCleared",
        ReconfigurationOfSecurityParameters = "ReconfigurationOfSecurityParameters",
        MemoryExhaustion = "MemoryExhaustion",
        InvalidMessages = "InvalidMessages",
        AttemptedReplayAttacks = "AttemptedReplayAttacks",
        TamperDetectionActivated = "TamperDetectionActivated",
        InvalidFirmwareSignature = "InvalidFirmwareSignature",
        InvalidFirmwareSigningCertificate = "InvalidFirmwareSigningCertificate",
        InvalidCentralSystemCertificate = "InvalidCentralSystemCertificate",
        InvalidChargePointCertificate = "InvalidChargePointCertificate",
        InvalidTLSVersion = "InvalidTLSVersion",
        InvalidTLSCipherSuite = "InvalidTLSCipherSuite",
    }
}

impl SecurityEvent {
    /// Whether the whitepaper's table marks it critical ("Critical: Yes"): such an event is
    /// never dropped from the queue.
    pub const fn is_critical(self) -> bool {
        matches!(
            self,
            SecurityEvent::FirmwareUpdated
                | SecurityEvent::SettingSystemTime
                | SecurityEvent::StartupOfTheDevice
                | SecurityEvent::ResetOrReboot
                | SecurityEvent::SecurityLogWasCleared
                | SecurityEvent::MemoryExhaustion
                | SecurityEvent::TamperDetectionActivated
        )
    }
}

#[cfg(test)]
mod security_event_tests {
    use super::SecurityEvent;

    /// Whitepaper chapter 8: the 18 event types, and the 7 marked critical.
    #[test]
    fn the_whitepapers_event_table() {
        assert_eq!(SecurityEvent::ALL.len(), 18);
        let critical: usize = SecurityEvent::ALL
            .iter()
            .filter(|e| e.is_critical())
            .count();
        assert_eq!(critical, 7);
        assert!(!SecurityEvent::InvalidTLSVersion.is_critical());
        assert_eq!(
            SecurityEvent::InvalidTLSCipherSuite.as_str(),
            "InvalidTLSCipherSuite"
        );
    }
}
