//! The Core profile (OCPP 1.6 §3.3): the 16 actions every charge point supports, and the data
//! types they share with other profiles (IdTagInfo, MeterValue, SampledValue).

use serde::{Deserialize, Serialize};

use super::ConnectorId;
use super::macros::string_enum;
use super::smart_charging::ChargingProfile;
use crate::limits::{
    DATA_TRANSFER_DATA_MAX_LEN, MAX_CONFIGURATION_KEYS, MAX_METER_VALUES, MAX_SAMPLED_VALUES,
    SAMPLED_VALUE_MAX_LEN,
};
use crate::types::{
    BoundedString, BoundedText, CiString20, CiString25, CiString50, CiString255, CiString500,
    DateTime, List,
};

/// `IdToken` (§7.28): an identifier for authorization, e.g. an RFID card UID.
pub type IdToken = CiString20;

// ---------------------------------------------------------------------------------------------
// Enumerations (§7)

string_enum! {
    /// `AuthorizationStatus` (§7.2): the result of an authorization.
    pub enum AuthorizationStatus {
        Accepted = "Accepted",
        Blocked = "Blocked",
        Expired = "Expired",
        Invalid = "Invalid",
        ConcurrentTx = "ConcurrentTx",
    }
}

string_enum! {
    /// `RegistrationStatus` (§7.38): the central system's answer to a BootNotification.
    pub enum RegistrationStatus {
        Accepted = "Accepted",
        Pending = "Pending",
        Rejected = "Rejected",
    }
}

string_enum! {
    #[none_is_zero]
    /// `AvailabilityType` (§7.4): the availability ChangeAvailability asks for.
    pub enum AvailabilityType {
        Inoperative = "Inoperative",
        Operative = "Operative",
    }
}

string_enum! {
    /// `AvailabilityStatus` (§7.3): the answer to ChangeAvailability.
    pub enum AvailabilityStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        Scheduled = "Scheduled",
    }
}

string_enum! {
    /// `ConfigurationStatus` (§7.22): the answer to ChangeConfiguration.
    pub enum ConfigurationStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        RebootRequired = "RebootRequired",
        NotSupported = "NotSupported",
    }
}

string_enum! {
    /// `ClearCacheStatus` (§7.20).
    pub enum ClearCacheStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `DataTransferStatus` (§7.23).
    pub enum DataTransferStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        UnknownMessageId = "UnknownMessageId",
        UnknownVendorId = "UnknownVendorId",
    }
}

string_enum! {
    /// `RemoteStartStopStatus` (§7.39).
    pub enum RemoteStartStopStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    #[none_is_zero]
    /// `ResetType` (§7.42).
    pub enum ResetType {
        Hard = "Hard",
        Soft = "Soft",
    }
}

string_enum! {
    /// `ResetStatus` (§7.41).
    pub enum ResetStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
    }
}

string_enum! {
    /// `ChargePointErrorCode` (§7.6).
    pub enum ChargePointErrorCode {
        ConnectorLockFailure = "ConnectorLockFailure",
        EvCommunicationError = "EVCommunicationError",
        GroundFailure = "GroundFailure",
        HighTemperature = "HighTemperature",
        InternalError = "InternalError",
        LocalListConflict = "LocalListConflict",
        NoError = "NoError",
        OtherError = "OtherError",
        OverCurrentFailure = "OverCurrentFailure",
        PowerMeterFailure = "PowerMeterFailure",
        PowerSwitchFailure = "PowerSwitchFailure",
        ReaderFailure = "ReaderFailure",
        ResetFailure = "ResetFailure",
        UnderVoltage = "UnderVoltage",
        OverVoltage = "OverVoltage",
        WeakSignal = "WeakSignal",
    }
}

string_enum! {
    #[none_is_zero]
    /// `ChargePointStatus` (§7.7): the status of a connector (or of the charge point, connector 0).
    pub enum ChargePointStatus {
        Available = "Available",
        Preparing = "Preparing",
        Charging = "Charging",
        SuspendedEvse = "SuspendedEVSE",
        SuspendedEv = "SuspendedEV",
        Finishing = "Finishing",
        Reserved = "Reserved",
        Unavailable = "Unavailable",
        Faulted = "Faulted",
    }
}

string_enum! {
    /// `Reason` (§7.36): why a transaction stopped.
    pub enum Reason {
        EmergencyStop = "EmergencyStop",
        EvDisconnected = "EVDisconnected",
        HardReset = "HardReset",
        Local = "Local",
        Other = "Other",
        PowerLoss = "PowerLoss",
        Reboot = "Reboot",
        Remote = "Remote",
        SoftReset = "SoftReset",
        UnlockCommand = "UnlockCommand",
        DeAuthorized = "DeAuthorized",
    }
}

string_enum! {
    /// `UnlockStatus` (§7.46).
    pub enum UnlockStatus {
        Unlocked = "Unlocked",
        UnlockFailed = "UnlockFailed",
        NotSupported = "NotSupported",
    }
}

string_enum! {
    /// `ReadingContext` (§7.35): why a value was sampled.
    pub enum ReadingContext {
        InterruptionBegin = "Interruption.Begin",
        InterruptionEnd = "Interruption.End",
        Other = "Other",
        SampleClock = "Sample.Clock",
        SamplePeriodic = "Sample.Periodic",
        TransactionBegin = "Transaction.Begin",
        TransactionEnd = "Transaction.End",
        Trigger = "Trigger",
    }
}

string_enum! {
    /// `ValueFormat` (§7.49).
    pub enum ValueFormat {
        Raw = "Raw",
        SignedData = "SignedData",
    }
}

string_enum! {
    /// `Measurand` (§7.31): what a sampled value measures.
    pub enum Measurand {
        EnergyActiveExportRegister = "Energy.Active.Export.Register",
        EnergyActiveImportRegister = "Energy.Active.Import.Register",
        EnergyReactiveExportRegister = "Energy.Reactive.Export.Register",
        EnergyReactiveImportRegister = "Energy.Reactive.Import.Register",
        EnergyActiveExportInterval = "Energy.Active.Export.Interval",
        EnergyActiveImportInterval = "Energy.Active.Import.Interval",
        EnergyReactiveExportInterval = "Energy.Reactive.Export.Interval",
        EnergyReactiveImportInterval = "Energy.Reactive.Import.Interval",
        PowerActiveExport = "Power.Active.Export",
        PowerActiveImport = "Power.Active.Import",
        PowerOffered = "Power.Offered",
        PowerReactiveExport = "Power.Reactive.Export",
        PowerReactiveImport = "Power.Reactive.Import",
        PowerFactor = "Power.Factor",
        CurrentImport = "Current.Import",
        CurrentExport = "Current.Export",
        CurrentOffered = "Current.Offered",
        Voltage = "Voltage",
        Frequency = "Frequency",
        Temperature = "Temperature",
        SoC = "SoC",
        Rpm = "RPM",
    }
}

string_enum! {
    /// `Phase` (§7.34): the phase a value was measured on.
    pub enum Phase {
        L1 = "L1",
        L2 = "L2",
        L3 = "L3",
        N = "N",
        L1N = "L1-N",
        L2N = "L2-N",
        L3N = "L3-N",
        L1L2 = "L1-L2",
        L2L3 = "L2-L3",
        L3L1 = "L3-L1",
    }
}

string_enum! {
    /// `Location` (§7.30): where a value was measured.
    pub enum Location {
        Body = "Body",
        Cable = "Cable",
        Ev = "EV",
        Inlet = "Inlet",
        Outlet = "Outlet",
    }
}

string_enum! {
    /// `UnitOfMeasure` (§7.45).
    ///
    /// Both `Celcius` (the 1.6 text's spelling) and `Celsius` (the errata's) are accepted; send
    /// `Celsius`. Note that the official 1.6 JSON schema of StopTransaction.req omits `Hertz` from
    /// this list (MeterValues.req has it), so a charge point should not put frequency readings in
    /// `transactionData`.
    pub enum UnitOfMeasure {
        Wh = "Wh",
        KWh = "kWh",
        Varh = "varh",
        Kvarh = "kvarh",
        W = "W",
        KW = "kW",
        Va = "VA",
        KVa = "kVA",
        Var = "var",
        Kvar = "kvar",
        A = "A",
        V = "V",
        K = "K",
        Celcius = "Celcius",
        Celsius = "Celsius",
        Fahrenheit = "Fahrenheit",
        Percent = "Percent",
        Hertz = "Hertz",
    }
}

// ---------------------------------------------------------------------------------------------
// Shared data types (§7)

/// `IdTagInfo` (§7.27): status and expiry of an idTag, as the central system reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct IdTagInfo {
    /// When the idTag stops being valid (for the authorization cache).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<DateTime>,
    /// The parent idTag: cards of one group may stop each other's transactions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<IdToken>,
    /// Whether the idTag is accepted.
    pub status: AuthorizationStatus,
}

impl IdTagInfo {
    /// An `IdTagInfo` with only a status.
    pub const fn with_status(status: AuthorizationStatus) -> Self {
        IdTagInfo {
            expiry_date: None,
            parent_id_tag: None,
            status,
        }
    }
}

/// `SampledValue` (§7.43): one measured value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct SampledValue {
    /// The value, as a string (a decimal number when `format` is `Raw`).
    pub value: BoundedString<SAMPLED_VALUE_MAX_LEN>,
    /// Why it was sampled; default `Sample.Periodic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ReadingContext>,
    /// Raw or signed; default `Raw`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<ValueFormat>,
    /// What was measured; default `Energy.Active.Import.Register`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measurand: Option<Measurand>,
    /// The phase; absent when not per phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Where it was measured; default `Outlet`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The unit; default `Wh`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitOfMeasure>,
}

/// `MeterValue` (§7.33): values sampled at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct MeterValue {
    /// When the values were sampled.
    pub timestamp: DateTime,
    /// The values (at least one).
    pub sampled_value: List<SampledValue, MAX_SAMPLED_VALUES>,
}

/// `KeyValue` (§7.29): one configuration key in a GetConfiguration.conf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct KeyValue {
    /// The key's name.
    pub key: CiString50,
    /// Whether ChangeConfiguration may change it.
    pub readonly: bool,
    /// The value; absent when the key has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<CiString500>,
}

// ---------------------------------------------------------------------------------------------
// Messages

/// `Authorize.req` (§6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// The identifier to authorize.
    pub id_tag: IdToken,
}

/// `Authorize.conf` (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    /// Whether the identifier is authorized.
    pub id_tag_info: IdTagInfo,
}

/// `BootNotification.req` (§6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationRequest {
    /// Serial number of the charge box inside the charge point (deprecated in 1.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_box_serial_number: Option<CiString25>,
    /// Model of the charge point.
    pub charge_point_model: CiString20,
    /// Serial number of the charge point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_point_serial_number: Option<CiString25>,
    /// Vendor of the charge point.
    pub charge_point_vendor: CiString20,
    /// Firmware version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_version: Option<CiString50>,
    /// ICCID of the modem's SIM card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iccid: Option<CiString20>,
    /// IMSI of the modem's SIM card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imsi: Option<CiString20>,
    /// Serial number of the main electrical meter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_serial_number: Option<CiString25>,
    /// Type of the main electrical meter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meter_type: Option<CiString25>,
}

/// `BootNotification.conf` (§6.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct BootNotificationResponse {
    /// The central system's current time (the charge point sets its clock from it).
    pub current_time: DateTime,
    /// Heartbeat interval in seconds when Accepted; retry interval when Pending or Rejected.
    pub interval: i32,
    /// Whether the charge point is registered.
    pub status: RegistrationStatus,
}

/// `ChangeAvailability.req` (§6.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChangeAvailabilityRequest {
    /// The connector, or 0 for the whole charge point.
    pub connector_id: ConnectorId,
    /// The availability asked for.
    #[serde(rename = "type")]
    pub kind: AvailabilityType,
}

/// `ChangeAvailability.conf` (§6.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChangeAvailabilityResponse {
    /// Accepted, Rejected, or Scheduled (after the running transaction).
    pub status: AvailabilityStatus,
}

/// `ChangeConfiguration.req` (§6.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChangeConfigurationRequest {
    /// The key to change.
    pub key: CiString50,
    /// The new value.
    pub value: CiString500,
}

/// `ChangeConfiguration.conf` (§6.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ChangeConfigurationResponse {
    /// The outcome.
    pub status: ConfigurationStatus,
}

/// `ClearCache.req` (§6.11): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ClearCacheRequest {}

/// `ClearCache.conf` (§6.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ClearCacheResponse {
    /// The outcome.
    pub status: ClearCacheStatus,
}

/// `DataTransfer.req` (§6.15): a vendor-specific message, in either direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
///
/// `D` is the type of `data`: [`DataTransferRequest`] is this with a [`BoundedString`] of
/// [`DATA_TRANSFER_DATA_MAX_LEN`] bytes; a charge point's `Limits` may choose another capacity.
pub struct DataTransferRequestOf<D: BoundedText> {
    /// The vendor, preferably a reversed DNS name.
    pub vendor_id: CiString255,
    /// The vendor's message id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<CiString50>,
    /// The data, of undefined format (bounded by `D`'s capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
}

/// `DataTransfer.req` with `data` of up to [`DATA_TRANSFER_DATA_MAX_LEN`] bytes.
pub type DataTransferRequest = DataTransferRequestOf<BoundedString<DATA_TRANSFER_DATA_MAX_LEN>>;

/// `DataTransfer.conf` (§6.16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
///
/// `D` is the type of `data`, as in [`DataTransferRequestOf`].
pub struct DataTransferResponseOf<D: BoundedText> {
    /// The outcome.
    pub status: DataTransferStatus,
    /// Response data, of undefined format (bounded by `D`'s capacity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<D>,
}

/// `DataTransfer.conf` with `data` of up to [`DATA_TRANSFER_DATA_MAX_LEN`] bytes.
pub type DataTransferResponse = DataTransferResponseOf<BoundedString<DATA_TRANSFER_DATA_MAX_LEN>>;

/// `GetConfiguration.req` (§6.23).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationRequest {
    /// The keys asked for; absent (or empty) for all keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<List<CiString50, MAX_CONFIGURATION_KEYS>>,
}

/// `GetConfiguration.conf` (§6.24).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct GetConfigurationResponse {
    /// The known keys asked for, with their values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_key: Option<List<KeyValue, MAX_CONFIGURATION_KEYS>>,
    /// The keys asked for that the charge point does not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown_key: Option<List<CiString50, MAX_CONFIGURATION_KEYS>>,
}

/// `Heartbeat.req` (§6.29): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct HeartbeatRequest {}

/// `Heartbeat.conf` (§6.30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct HeartbeatResponse {
    /// The central system's current time.
    pub current_time: DateTime,
}

/// `MeterValues.req` (§6.31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct MeterValuesRequest {
    /// The connector, or 0 for the main meter.
    pub connector_id: ConnectorId,
    /// The transaction the values belong to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i32>,
    /// The sampled values (at least one).
    pub meter_value: List<MeterValue, MAX_METER_VALUES>,
}

/// `MeterValues.conf` (§6.32): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MeterValuesResponse {}

/// `RemoteStartTransaction.req` (§6.33).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct RemoteStartTransactionRequest {
    /// The connector to start on (> 0); absent to let the charge point choose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<ConnectorId>,
    /// The identifier to start the transaction for.
    pub id_tag: IdToken,
    /// A charging profile for the transaction (purpose TxProfile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charging_profile: Option<ChargingProfile>,
}

/// `RemoteStartTransaction.conf` (§6.34).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct RemoteStartTransactionResponse {
    /// Whether the charge point will try to start a transaction.
    pub status: RemoteStartStopStatus,
}

/// `RemoteStopTransaction.req` (§6.35).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct RemoteStopTransactionRequest {
    /// The transaction to stop.
    pub transaction_id: i32,
}

/// `RemoteStopTransaction.conf` (§6.36).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct RemoteStopTransactionResponse {
    /// Whether the charge point will try to stop the transaction.
    pub status: RemoteStartStopStatus,
}

/// `Reset.req` (§6.39).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    /// Hard or soft reset.
    #[serde(rename = "type")]
    pub kind: ResetType,
}

/// `Reset.conf` (§6.40).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct ResetResponse {
    /// Whether the charge point will reset.
    pub status: ResetStatus,
}

/// `StartTransaction.req` (§6.45).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionRequest {
    /// The connector (> 0).
    pub connector_id: ConnectorId,
    /// The identifier the transaction started for.
    pub id_tag: IdToken,
    /// Meter value in Wh at the start.
    pub meter_start: i32,
    /// The reservation this transaction ends, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_id: Option<i32>,
    /// When the transaction started.
    pub timestamp: DateTime,
}

/// `StartTransaction.conf` (§6.46).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct StartTransactionResponse {
    /// Whether the identifier is authorized.
    pub id_tag_info: IdTagInfo,
    /// The id the central system gave the transaction.
    pub transaction_id: i32,
}

/// `StatusNotification.req` (§6.47).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct StatusNotificationRequest {
    /// The connector, or 0 for the whole charge point.
    pub connector_id: ConnectorId,
    /// The error, or `NoError`.
    pub error_code: ChargePointErrorCode,
    /// Free-form information about the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<CiString50>,
    /// The new status.
    pub status: ChargePointStatus,
    /// When the status was reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime>,
    /// The vendor whose error code follows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<CiString255>,
    /// A vendor-specific error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_error_code: Option<CiString50>,
}

/// `StatusNotification.conf` (§6.48): no fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct StatusNotificationResponse {}

/// `StopTransaction.req` (§6.49).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionRequest {
    /// The identifier that stopped the transaction, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_tag: Option<IdToken>,
    /// Meter value in Wh at the stop.
    pub meter_stop: i32,
    /// When the transaction stopped.
    pub timestamp: DateTime,
    /// The transaction's id, as the central system gave it in StartTransaction.conf.
    pub transaction_id: i32,
    /// Why it stopped; absent means `Local`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Meter values for billing (StopTxnSampledData / StopTxnAlignedData).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_data: Option<List<MeterValue, MAX_METER_VALUES>>,
}

/// `StopTransaction.conf` (§6.50).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct StopTransactionResponse {
    /// Authorization status of the idTag, when one was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_tag_info: Option<IdTagInfo>,
}

/// `UnlockConnector.req` (§6.53).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct UnlockConnectorRequest {
    /// The connector to unlock.
    pub connector_id: ConnectorId,
}

/// `UnlockConnector.conf` (§6.54).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct UnlockConnectorResponse {
    /// The outcome.
    pub status: UnlockStatus,
}

const REMOTE_START_FIELDS: &[&str] = &["connectorId", "idTag", "chargingProfile"];

impl RemoteStartTransactionRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: RemoteStartTransactionRequest = RemoteStartTransactionRequest {
        connector_id: None,
        id_tag: IdToken::new(),
        charging_profile: None,
    };
}

/// Decodes a [`RemoteStartTransactionRequest`] into `self.0`, its profile in place (see
/// `super::in_place`).
pub(crate) struct RemoteStartInPlace<'a>(pub &'a mut RemoteStartTransactionRequest);

impl<'de> serde::de::DeserializeSeed<'de> for RemoteStartInPlace<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("RemoteStartTransactionRequest", REMOTE_START_FIELDS, self)
    }
}

impl<'de> serde::de::Visitor<'de> for RemoteStartInPlace<'_> {
    type Value = ();

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a RemoteStartTransaction.req")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use super::in_place::{FieldIndex, Seen};
        let r = self.0;
        r.connector_id = None;
        r.charging_profile = None;
        let mut seen = Seen::new(REMOTE_START_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(REMOTE_START_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => r.connector_id = map.next_value()?,
                1 => r.id_tag = map.next_value()?,
                2 => map.next_value_seed(super::smart_charging::OptionalProfileInPlace(
                    &mut r.charging_profile,
                ))?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        seen.require(&[1])
    }
}

impl<'de> Deserialize<'de> for RemoteStartTransactionRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::DeserializeSeed;
        let mut out = RemoteStartTransactionRequest::EMPTY;
        RemoteStartInPlace(&mut out).deserialize(d)?;
        Ok(out)
    }
}

// Decoded in place (see `super::in_place`): their strings (1 KB of DataTransfer `data`, a
// 500-byte configuration value) are written once, where they stay.

const DATA_TRANSFER_REQUEST_FIELDS: &[&str] = &["vendorId", "messageId", "data"];
const DATA_TRANSFER_RESPONSE_FIELDS: &[&str] = &["status", "data"];
const CHANGE_CONFIGURATION_FIELDS: &[&str] = &["key", "value"];

impl<D: BoundedText> DataTransferRequestOf<D> {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: Self = DataTransferRequestOf {
        vendor_id: BoundedString::new(),
        message_id: None,
        data: None,
    };
}

impl<D: BoundedText> DataTransferResponseOf<D> {
    /// What an in-place decode starts from (`status` is required, so the one here is never
    /// kept). All zero bytes, so that starting from it is a `memset`, not a copy of a
    /// kilobyte-sized constant from flash.
    pub(crate) const EMPTY: Self = DataTransferResponseOf {
        status: DataTransferStatus::Accepted,
        data: None,
    };
}

impl ChangeConfigurationRequest {
    /// What an in-place decode starts from.
    pub(crate) const EMPTY: ChangeConfigurationRequest = ChangeConfigurationRequest {
        key: BoundedString::new(),
        value: BoundedString::new(),
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`DataTransferRequest`] in place.
    DataTransferRequestInPlace<T: BoundedText> for DataTransferRequestOf<T>, "DataTransferRequest",
    DATA_TRANSFER_REQUEST_FIELDS, required [0] {
        0 => vendor_id: str,
        1 => message_id: opt_str,
        2 => data: opt_str,
    }
}

super::in_place::in_place_struct! {
    /// Decodes a [`DataTransferResponse`] in place.
    DataTransferResponseInPlace<T: BoundedText> for DataTransferResponseOf<T>, "DataTransferResponse",
    DATA_TRANSFER_RESPONSE_FIELDS, required [0] {
        0 => status: value,
        1 => data: opt_str,
    }
}

super::in_place::in_place_struct! {
    /// Decodes a [`ChangeConfigurationRequest`] in place.
    ChangeConfigurationInPlace for ChangeConfigurationRequest, "ChangeConfigurationRequest",
    CHANGE_CONFIGURATION_FIELDS, required [0, 1] {
        0 => key: str,
        1 => value: str,
    }
}

const CHANGE_AVAILABILITY_FIELDS: &[&str] = &["connectorId", "type"];

impl ChangeAvailabilityRequest {
    /// Where [`ChangeAvailabilityInPlace`] starts (every member is required).
    pub(crate) const EMPTY: ChangeAvailabilityRequest = ChangeAvailabilityRequest {
        connector_id: 0,
        kind: AvailabilityType::Inoperative,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`ChangeAvailabilityRequest`] in place.
    ChangeAvailabilityInPlace for ChangeAvailabilityRequest, "ChangeAvailabilityRequest",
    CHANGE_AVAILABILITY_FIELDS, required [0, 1] {
        0 => connector_id: value,
        1 => kind: value,
    }
}

const RESET_FIELDS: &[&str] = &["type"];

impl ResetRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: ResetRequest = ResetRequest {
        kind: ResetType::Hard,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`ResetRequest`] in place.
    ResetRequestInPlace for ResetRequest, "ResetRequest",
    RESET_FIELDS, required [0] {
        0 => kind: value,
    }
}

const UNLOCK_CONNECTOR_FIELDS: &[&str] = &["connectorId"];

impl UnlockConnectorRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: UnlockConnectorRequest = UnlockConnectorRequest { connector_id: 0 };
}

super::in_place::in_place_struct! {
    /// Decodes a [`UnlockConnectorRequest`] in place.
    UnlockConnectorRequestInPlace for UnlockConnectorRequest, "UnlockConnectorRequest",
    UNLOCK_CONNECTOR_FIELDS, required [0] {
        0 => connector_id: value,
    }
}

const REMOTE_STOP_TRANSACTION_FIELDS: &[&str] = &["transactionId"];

impl RemoteStopTransactionRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: RemoteStopTransactionRequest =
        RemoteStopTransactionRequest { transaction_id: 0 };
}

super::in_place::in_place_struct! {
    /// Decodes a [`RemoteStopTransactionRequest`] in place.
    RemoteStopTransactionRequestInPlace for RemoteStopTransactionRequest, "RemoteStopTransactionRequest",
    REMOTE_STOP_TRANSACTION_FIELDS, required [0] {
        0 => transaction_id: value,
    }
}
