//! Every OCPP 1.6 message (OCPP 1.6 edition 2, chapters 4-7), plus the OCPP 1.6 security
//! extension (security whitepaper edition 2, chapter 5).
//!
//! One module per feature profile; each message is an owned, bounded struct named after the
//! spec's PDU (`BootNotification.req` is [`BootNotificationRequest`]). Field names follow Rust
//! conventions and serialise as the spec's camelCase. Optional fields are `Option`s and are left
//! out of the JSON when `None`.
//!
//! Integers are `i32`, the spec's `integer` (the SOAP binding of 1.6 maps it to `xs:int`), except
//! connector ids, which the spec requires to be non-negative and which are `u32` so that a
//! negative one is refused with `PropertyConstraintViolation` at decoding.
//!
//! [`Request`] and [`Response`] hold a message of any action. A charge point decodes with
//! [`Request::decode_for_charge_point`] (the CALLs it receives) and
//! [`Response::decode_for_charge_point`] (the answers to the CALLs it sends), which link only the
//! decoders of that direction and of the feature profiles built (cargo features `profile-*`).
//! `Request::decode`, `Response::decode` and `Request::from_call` decode either direction, for
//! central systems, simulators and tests: cargo feature `all-directions`.

pub(crate) mod in_place;
mod macros;
#[cfg(feature = "profile-security")]
pub(crate) mod signed_update_firmware;

pub mod core_profile;
pub mod firmware;
pub mod local_auth_list;
pub mod remote_trigger;
pub mod reservation;
pub mod security;
pub mod smart_charging;

pub use core_profile::*;
pub use firmware::*;
pub use local_auth_list::*;
pub use remote_trigger::*;
pub use reservation::*;
pub use security::*;
pub use smart_charging::*;

use crate::json::{self, DecodeOptions};
use crate::wire::wire_index;
use macros::actions;

/// A connector id: 0 is the whole charge point, 1..N are the connectors (OCPP 1.6 §3.8).
pub type ConnectorId = u32;

/// The feature profiles of OCPP 1.6 (§3.3), and the security extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Core.
    Core,
    /// Firmware Management.
    FirmwareManagement,
    /// Local Auth List Management.
    LocalAuthListManagement,
    /// Reservation.
    Reservation,
    /// Smart Charging.
    SmartCharging,
    /// Remote Trigger.
    RemoteTrigger,
    /// The OCPP 1.6 security extension (security whitepaper edition 2).
    Security,
}

impl Profile {
    /// The name used in the `SupportedFeatureProfiles` configuration key (§9.1.29); `None` for the
    /// security extension, which has no entry there.
    pub const fn feature_name(self) -> Option<&'static str> {
        Some(match self {
            Profile::Core => "Core",
            Profile::FirmwareManagement => "FirmwareManagement",
            Profile::LocalAuthListManagement => "LocalAuthListManagement",
            Profile::Reservation => "Reservation",
            Profile::SmartCharging => "SmartCharging",
            Profile::RemoteTrigger => "RemoteTrigger",
            Profile::Security => return None,
        })
    }

    /// Whether this build implements the profile: Core and the security extension always, the
    /// others with their cargo features (`profile-firmware`, `profile-local-list`,
    /// `profile-reservation`, `profile-smart-charging`, `profile-trigger`). A charge point
    /// answers the messages of a profile it leaves out with `NotSupported` (errata 3.39) and
    /// does not declare its configuration keys.
    pub const fn enabled(self) -> bool {
        match self {
            Profile::Core | Profile::Security => true,
            Profile::FirmwareManagement => cfg!(feature = "profile-firmware"),
            Profile::LocalAuthListManagement => cfg!(feature = "profile-local-list"),
            Profile::Reservation => cfg!(feature = "profile-reservation"),
            Profile::SmartCharging => cfg!(feature = "profile-smart-charging"),
            Profile::RemoteTrigger => cfg!(feature = "profile-trigger"),
        }
    }
}

/// Who sends the request of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The charge point sends the request to the central system.
    ChargePointToCentralSystem,
    /// The central system sends the request to the charge point.
    CentralSystemToChargePoint,
    /// Either side may send it (DataTransfer).
    Both,
}

impl Direction {
    /// Whether a charge point may receive this request.
    pub const fn charge_point_receives(self) -> bool {
        !matches!(self, Direction::ChargePointToCentralSystem)
    }

    /// Whether a charge point may send this request (and so receive its response).
    pub const fn charge_point_sends(self) -> bool {
        !matches!(self, Direction::CentralSystemToChargePoint)
    }
}

use Direction::{Both, CentralSystemToChargePoint as CsToCp, ChargePointToCentralSystem as CpToCs};

/// A request type of one action, tied to its response type.
pub trait OcppRequest: serde::Serialize + for<'de> serde::Deserialize<'de> {
    /// The action.
    const ACTION: Action;
    /// The matching response (CALLRESULT payload).
    type Response: serde::Serialize + for<'de> serde::Deserialize<'de>;
}

actions! {
    // Core (§4 and §5)
    /// Authorize (§4.1, §6.1).
    Authorize(AuthorizeRequest, AuthorizeResponse): Core, CpToCs;
    /// BootNotification (§4.2, §6.3).
    BootNotification(BootNotificationRequest, BootNotificationResponse): Core, CpToCs;
    /// ChangeAvailability (§5.2, §6.7).
    ChangeAvailability(ChangeAvailabilityRequest, ChangeAvailabilityResponse): Core, CsToCp;
    /// ChangeConfiguration (§5.3, §6.9).
    ChangeConfiguration(ChangeConfigurationRequest, ChangeConfigurationResponse): Core, CsToCp;
    /// ClearCache (§5.4, §6.11).
    ClearCache(ClearCacheRequest, ClearCacheResponse): Core, CsToCp;
    /// DataTransfer (§4.3, §5.6, §6.15).
    DataTransfer(DataTransferRequest, DataTransferResponse): Core, Both;
    /// GetConfiguration (§5.8, §6.23).
    GetConfiguration(GetConfigurationRequest, GetConfigurationResponse): Core, CsToCp;
    /// Heartbeat (§4.6, §6.29).
    Heartbeat(HeartbeatRequest, HeartbeatResponse): Core, CpToCs;
    /// MeterValues (§4.7, §6.31).
    MeterValues(MeterValuesRequest, MeterValuesResponse): Core, CpToCs;
    /// RemoteStartTransaction (§5.11, §6.33).
    RemoteStartTransaction(RemoteStartTransactionRequest, RemoteStartTransactionResponse): Core, CsToCp;
    /// RemoteStopTransaction (§5.12, §6.35).
    RemoteStopTransaction(RemoteStopTransactionRequest, RemoteStopTransactionResponse): Core, CsToCp;
    /// Reset (§5.14, §6.39).
    Reset(ResetRequest, ResetResponse): Core, CsToCp;
    /// StartTransaction (§4.8, §6.45).
    StartTransaction(StartTransactionRequest, StartTransactionResponse): Core, CpToCs;
    /// StatusNotification (§4.9, §6.47).
    StatusNotification(StatusNotificationRequest, StatusNotificationResponse): Core, CpToCs;
    /// StopTransaction (§4.10, §6.49).
    StopTransaction(StopTransactionRequest, StopTransactionResponse): Core, CpToCs;
    /// UnlockConnector (§5.18, §6.53).
    UnlockConnector(UnlockConnectorRequest, UnlockConnectorResponse): Core, CsToCp;

    // Firmware Management
    /// DiagnosticsStatusNotification (§4.4, §6.17).
    DiagnosticsStatusNotification(DiagnosticsStatusNotificationRequest, DiagnosticsStatusNotificationResponse): FirmwareManagement, CpToCs;
    /// FirmwareStatusNotification (§4.5, §6.19).
    FirmwareStatusNotification(FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse): FirmwareManagement, CpToCs;
    /// GetDiagnostics (§5.9, §6.25).
    GetDiagnostics(GetDiagnosticsRequest, GetDiagnosticsResponse): FirmwareManagement, CsToCp;
    /// UpdateFirmware (§5.19, §6.55).
    UpdateFirmware(UpdateFirmwareRequest, UpdateFirmwareResponse): FirmwareManagement, CsToCp;

    // Local Auth List Management
    /// GetLocalListVersion (§5.10, §6.27).
    GetLocalListVersion(GetLocalListVersionRequest, GetLocalListVersionResponse): LocalAuthListManagement, CsToCp;
    /// SendLocalList (§5.15, §6.41).
    SendLocalList(SendLocalListRequest, SendLocalListResponse): LocalAuthListManagement, CsToCp;

    // Reservation
    /// CancelReservation (§5.1, §6.5).
    CancelReservation(CancelReservationRequest, CancelReservationResponse): Reservation, CsToCp;
    /// ReserveNow (§5.13, §6.37).
    ReserveNow(ReserveNowRequest, ReserveNowResponse): Reservation, CsToCp;

    // Smart Charging
    /// ClearChargingProfile (§5.5, §6.13).
    ClearChargingProfile(ClearChargingProfileRequest, ClearChargingProfileResponse): SmartCharging, CsToCp;
    /// GetCompositeSchedule (§5.7, §6.21).
    GetCompositeSchedule(GetCompositeScheduleRequest, GetCompositeScheduleResponse): SmartCharging, CsToCp;
    /// SetChargingProfile (§5.16, §6.43).
    SetChargingProfile(SetChargingProfileRequest, SetChargingProfileResponse): SmartCharging, CsToCp;

    // Remote Trigger
    /// TriggerMessage (§5.17, §6.51).
    TriggerMessage(TriggerMessageRequest, TriggerMessageResponse): RemoteTrigger, CsToCp;

    // Security extension (whitepaper edition 2, §5)
    /// CertificateSigned (security §5.1, §5.2).
    CertificateSigned(CertificateSignedRequest, CertificateSignedResponse): Security, CsToCp;
    /// DeleteCertificate (security §5.3, §5.4).
    DeleteCertificate(DeleteCertificateRequest, DeleteCertificateResponse): Security, CsToCp;
    /// ExtendedTriggerMessage (security §5.5, §5.6).
    ExtendedTriggerMessage(ExtendedTriggerMessageRequest, ExtendedTriggerMessageResponse): Security, CsToCp;
    /// GetInstalledCertificateIds (security §5.7, §5.8).
    GetInstalledCertificateIds(GetInstalledCertificateIdsRequest, GetInstalledCertificateIdsResponse): Security, CsToCp;
    /// GetLog (security §5.9, §5.10).
    GetLog(GetLogRequest, GetLogResponse): Security, CsToCp;
    /// InstallCertificate (security §5.11, §5.12).
    InstallCertificate(InstallCertificateRequest, InstallCertificateResponse): Security, CsToCp;
    /// LogStatusNotification (security §5.13, §5.14).
    LogStatusNotification(LogStatusNotificationRequest, LogStatusNotificationResponse): Security, CpToCs;
    /// SecurityEventNotification (security §5.15, §5.16).
    SecurityEventNotification(SecurityEventNotificationRequest, SecurityEventNotificationResponse): Security, CpToCs;
    /// SignCertificate (security §5.17, §5.18).
    SignCertificate(SignCertificateRequest, SignCertificateResponse): Security, CpToCs;
    /// SignedFirmwareStatusNotification (security §5.19, §5.20).
    SignedFirmwareStatusNotification(SignedFirmwareStatusNotificationRequest, SignedFirmwareStatusNotificationResponse): Security, CpToCs;
    /// SignedUpdateFirmware (security §5.21, §5.22).
    SignedUpdateFirmware(SignedUpdateFirmwareRequest, SignedUpdateFirmwareResponse): Security, CsToCp;
}

/// Why a CALL's payload could not become a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDecodeError {
    /// The action is not an OCPP 1.6 action: answer `NotImplemented`.
    UnknownAction,
    /// The action is an OCPP 1.6 action, but not one a charge point receives, or its feature
    /// profile is not built: answer `NotSupported`.
    NotSupported,
    /// The payload does not match the action's schema; the error says which CALLERROR to use.
    Payload(json::Error),
}

impl CallDecodeError {
    /// The CALLERROR code that answers the CALL.
    pub const fn error_code(&self) -> crate::rpc::ErrorCode {
        match self {
            CallDecodeError::UnknownAction => crate::rpc::ErrorCode::NotImplemented,
            CallDecodeError::NotSupported => crate::rpc::ErrorCode::NotSupported,
            CallDecodeError::Payload(e) => e.error_code(),
        }
    }
}

impl core::fmt::Display for CallDecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallDecodeError::UnknownAction => f.write_str("unknown action"),
            CallDecodeError::NotSupported => f.write_str("action not supported"),
            CallDecodeError::Payload(e) => core::fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for CallDecodeError {}

impl Request {
    /// Decodes a parsed CALL as a charge point receives it: looks the action up, then decodes
    /// the payload with [`Request::decode_for_charge_point`].
    pub fn from_call_for_charge_point(
        call: &crate::rpc::Call<'_>,
        opts: &DecodeOptions,
    ) -> Result<Request, CallDecodeError> {
        let action = Action::parse(call.action).ok_or(CallDecodeError::UnknownAction)?;
        Request::decode_for_charge_point(action, call.payload, opts)
            .ok_or(CallDecodeError::NotSupported)?
            .map_err(CallDecodeError::Payload)
    }

    /// Decodes a parsed CALL of either direction: looks the action up, then decodes the payload
    /// (feature `all-directions`).
    #[cfg(feature = "all-directions")]
    pub fn from_call(
        call: &crate::rpc::Call<'_>,
        opts: &DecodeOptions,
    ) -> Result<Request, CallDecodeError> {
        let action = Action::parse(call.action).ok_or(CallDecodeError::UnknownAction)?;
        Request::decode(action, call.payload, opts).map_err(CallDecodeError::Payload)
    }
}
