//! The charge point's configuration store: OCPP 1.6 chapter 9 (with its errata), the security
//! extension's chapter 7, and vendor keys.
//!
//! The charge point logic reads typed fields ([`Configuration::heartbeat_interval`],
//! [`Configuration::meter_values_sampled_data`], ...); the central system reads and writes text
//! through [`Configuration::get`] / [`Configuration::iter`] (GetConfiguration, §5.8, §6.23) and
//! [`Configuration::change`] (ChangeConfiguration, §5.3, §6.9). [`Configuration::encode`] and
//! [`Configuration::restore`] keep the writable keys across reboots.
//!
//! Choices made here:
//! - **Key names are matched case-insensitively** and reported in the spec's spelling: the
//!   `key` fields are `CiString50Type` (§7.29), which §7 defines as case-insensitive.
//! - **Values are rendered as the spec writes them**: `true` / `false`, decimal integers, CSLs
//!   joined by `,` without spaces. Input is accepted in any case and with spaces around CSL
//!   items.
//! - **No standard key answers `RebootRequired`**: every key is read where it is used, and the
//!   keys whose change needs an action report it in [`ChangeOutcome::changed`] (HeartbeatInterval:
//!   reschedule; WebSocketPingInterval: tell the transport; AuthorizationKey and SecurityProfile:
//!   reconnect, which the whitepaper's A01 and A05 want after an `Accepted`, not a reboot).
//!   Vendor keys answer `RebootRequired` when registered so.
//! - **The integers** are `u32`; the central system may write `0..=i32::MAX` (the spec's
//!   `integer` is 32-bit signed), narrower where a key says so.
//!
//! The order of setting up at boot: [`Configuration::new`] (or, for a configuration in a `static`,
//! [`Configuration::new_const`] and then [`Configuration::set_runtime_defaults`] or
//! [`Configuration::reset`] in place), then the integrator's own choices
//! (read-only values, [`Configuration::make_read_only`], [`Configuration::omit`],
//! [`Configuration::set_supported_measurands`], [`Configuration::add_vendor_key`]), then
//! [`Configuration::restore`] from storage.

mod fields;
mod key;
mod store;
mod value;
mod vendor;

// The chapter 9 tests expect every profile's keys.
#[cfg(test)]
#[cfg(feature = "all-profiles")]
mod tests;

use core::fmt;

use crate::charge_point::metering::MeterItem;
use crate::limits::{
    CERTIFICATE_CHAIN_MAX_LEN, CHARGE_PROFILE_MAX_STACK_LEVEL, CHARGING_SCHEDULE_MAX_PERIODS,
    LOCAL_AUTH_LIST_MAX_LENGTH, MAX_CHARGING_PROFILES_INSTALLED, MAX_CONFIGURATION_KEYS,
    MAX_INSTALLED_CERTIFICATES, MAX_MEASURANDS, MAX_METER_VALUES, SEND_LOCAL_LIST_MAX_LENGTH,
};
use crate::types::{CiString50, List, Slots};
use crate::v16::{ChargingRateUnit, ConfigurationStatus, KeyValue, Measurand, Profile};

use key::KeySet;
pub use key::{Key, STANDARD_KEY_COUNT};
pub use store::{ENCODED_LEN_MAX, HEADER};
use value::Invalid;
pub use value::{
    AuthorizationKey, CONNECTOR_PHASE_ROTATION_MAX_LENGTH, CPO_NAME_MAX_LEN, CpoName,
    FileTransferProtocols, MeasurandList, MeasurandSet, PhaseRotationCsl,
};
pub use vendor::VendorId;
use vendor::VendorPool;

/// Vendor keys a configuration holds: as many as leave every key, standard and vendor, in one
/// GetConfiguration.conf of [`MAX_CONFIGURATION_KEYS`].
pub const MAX_VENDOR_KEYS: usize = MAX_CONFIGURATION_KEYS - STANDARD_KEY_COUNT;

const _: () = assert!(MAX_VENDOR_KEYS > 0);

/// Who may do what with a key over OCPP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// GetConfiguration reports it (`readonly: true`); ChangeConfiguration is Rejected.
    ReadOnly,
    /// GetConfiguration reports it; ChangeConfiguration may set it.
    ReadWrite,
    /// ChangeConfiguration may set it; GetConfiguration lists it without a value (like
    /// AuthorizationKey, whitepaper §7.2).
    WriteOnly,
}

/// A key of the configuration: standard or vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyId {
    /// A standard key.
    Standard(Key),
    /// A vendor key registered with [`Configuration::add_vendor_key`].
    Vendor(VendorId),
}

/// The answer to a ChangeConfiguration.req, and what the charge point should react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeOutcome {
    /// The status for ChangeConfiguration.conf.
    pub status: ConfigurationStatus,
    /// The key whose value was written: `Some` exactly when `status` is Accepted or
    /// RebootRequired, even if the new value equals the old one, because the follow-up the spec
    /// expects after an accepted change (reconnect after AuthorizationKey, security log entry,
    /// rescheduling) does not depend on the value having differed. Persist the configuration
    /// when this is `Some`.
    pub changed: Option<KeyId>,
}

impl ChangeOutcome {
    const fn rejected() -> Self {
        ChangeOutcome {
            status: ConfigurationStatus::Rejected,
            changed: None,
        }
    }
}

/// What the charge point has installed, for the SecurityProfile prerequisites the configuration
/// cannot see itself (whitepaper A05.FR.03, A05.FR.04). AuthorizationKey (A05.FR.02) is checked
/// from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityPrerequisites {
    /// A valid CentralSystemRootCertificate is installed (needed for profiles 2 and 3).
    pub central_system_root_certificate: bool,
    /// A valid ChargePointCertificate is installed (needed for profile 3).
    pub charge_point_certificate: bool,
}

/// Why the integrator's setup, or a storage record, was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// A vendor key name is empty, longer than 50 bytes, or has `=` or a control character.
    InvalidKey,
    /// A key of that name (case-insensitively, standard or vendor) exists.
    DuplicateKey,
    /// [`MAX_VENDOR_KEYS`] vendor keys exist, or the vendor keys' names and values would not
    /// fit [`VENDOR_KEY_BYTES`](crate::limits::VENDOR_KEY_BYTES).
    VendorKeysFull,
    /// No vendor key of that name.
    UnknownKey,
    /// A value is longer than 500 bytes or has a control character; or, in
    /// [`Configuration::encode`], a field set directly holds a line break.
    InvalidValue,
    /// [`Configuration::omit`] of a key the spec requires.
    Required,
    /// The buffer given to [`Configuration::encode`] is too small.
    BufferFull,
    /// The record does not start with a [`HEADER`] line.
    BadHeader,
    /// The record is of a format version this firmware does not know.
    UnsupportedVersion(u32),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidKey => f.write_str("invalid vendor key name"),
            ConfigError::DuplicateKey => f.write_str("configuration key exists"),
            ConfigError::VendorKeysFull => f.write_str("no room for another vendor key"),
            ConfigError::UnknownKey => f.write_str("unknown vendor key"),
            ConfigError::InvalidValue => f.write_str("invalid configuration value"),
            ConfigError::Required => f.write_str("the specification requires this key"),
            ConfigError::BufferFull => f.write_str("buffer too small for the configuration"),
            ConfigError::BadHeader => f.write_str("not a configuration record"),
            ConfigError::UnsupportedVersion(v) => {
                write!(f, "configuration record version {v} is not supported")
            }
        }
    }
}

impl core::error::Error for ConfigError {}

/// The configuration of a charge point: every standard key as a typed field, plus vendor keys.
///
/// Fields are public so that the charge point logic reads typed values and the integrator sets
/// the read-only ones (what the hardware supports). Writing a field directly bypasses the checks
/// of [`Configuration::change`]; keep values within the documented ranges. The read-only
/// `...MaxLength` / `...Max...` values default to this crate's capacities (see
/// [`crate::limits`]); an integrator may declare less, never more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration<V: Slots<u8> = [u8; crate::limits::VENDOR_KEY_BYTES]> {
    // §9.1 Core profile.
    /// AllowOfflineTxForUnknownId (§9.1.1). Default `false`: an unknown id is not charged for
    /// while offline unless the operator asks for it.
    pub allow_offline_tx_for_unknown_id: bool,
    /// AuthorizationCacheEnabled (§9.1.2). Default `true`: ids the central system accepted keep
    /// working offline.
    pub authorization_cache_enabled: bool,
    /// AuthorizeRemoteTxRequests (§9.1.3; RW here). Default `false`: the central system sent the
    /// RemoteStartTransaction itself, so asking it again adds a round trip and no information.
    pub authorize_remote_tx_requests: bool,
    /// BlinkRepeat (§9.1.4), times. Default 3.
    pub blink_repeat: u32,
    /// ClockAlignedDataInterval (§9.1.5), seconds; 0 disables. Default 0: clock-aligned
    /// (billing) data only when the operator configures an interval.
    pub clock_aligned_data_interval: u32,
    /// ConnectionTimeOut (§9.1.6, errata 3.76), seconds, at least 1. Default 60.
    pub connection_time_out: u32,
    /// ConnectorPhaseRotation (§9.1.7). Default `N.Unknown` for each connector.
    pub connector_phase_rotation: PhaseRotationCsl,
    /// ConnectorPhaseRotationMaxLength (§9.1.8), read-only:
    /// [`CONNECTOR_PHASE_ROTATION_MAX_LENGTH`].
    pub connector_phase_rotation_max_length: u32,
    /// GetConfigurationMaxKeys (§9.1.9), read-only: [`MAX_CONFIGURATION_KEYS`].
    pub get_configuration_max_keys: u32,
    /// HeartbeatInterval (§9.1.10), seconds; 0 disables. Default 300: used until the first
    /// BootNotification.conf brings the central system's interval (§4.2); five minutes keeps an
    /// idle connection alive through typical NAT timeouts at little traffic.
    pub heartbeat_interval: u32,
    /// LightIntensity (§9.1.11), percent, 0 to 100. Default 100.
    pub light_intensity: u8,
    /// LocalAuthorizeOffline (§9.1.12). Default `true`: locally known ids keep working offline.
    pub local_authorize_offline: bool,
    /// LocalPreAuthorize (§9.1.13). Default `false`: online, the central system decides.
    pub local_pre_authorize: bool,
    /// MaxEnergyOnInvalidId (§9.1.14), Wh. Default 0: stop delivering at once.
    pub max_energy_on_invalid_id: u32,
    /// MessageTimeout (errata 3.82), seconds, at least 1. Default 30.
    pub message_timeout: u32,
    /// MeterValuesAlignedData (§9.1.15). Default `Energy.Active.Import.Register`.
    pub meter_values_aligned_data: MeasurandList,
    /// MeterValuesAlignedDataMaxLength (§9.1.16), read-only: [`MAX_MEASURANDS`].
    pub meter_values_aligned_data_max_length: u32,
    /// MeterValuesSampledData (§9.1.17). Default `Energy.Active.Import.Register` (the spec's).
    pub meter_values_sampled_data: MeasurandList,
    /// MeterValuesSampledDataMaxLength (§9.1.18), read-only: [`MAX_MEASURANDS`].
    pub meter_values_sampled_data_max_length: u32,
    /// MeterValueSampleInterval (§9.1.19), seconds; 0 disables. Default 60: the errata's
    /// "1-5 minute" progress updates (3.14.1), at the fine end.
    pub meter_value_sample_interval: u32,
    /// MinimumStatusDuration (§9.1.20), seconds. Default 0: every status change is notified.
    pub minimum_status_duration: u32,
    /// NumberOfConnectors (§9.1.21), read-only: given to [`Configuration::new`].
    pub number_of_connectors: u32,
    /// ResetRetries (§9.1.22), times. Default 3.
    pub reset_retries: u32,
    /// StopTransactionMaxMeterValues (errata 3.89), read-only: [`MAX_METER_VALUES`].
    pub stop_transaction_max_meter_values: u32,
    /// StopTransactionOnEVSideDisconnect (§9.1.23, errata 3.79; RW here). Default `true`.
    pub stop_transaction_on_ev_side_disconnect: bool,
    /// StopTransactionOnInvalidId (§9.1.24). Default `true`.
    pub stop_transaction_on_invalid_id: bool,
    /// StopTxnAlignedData (§9.1.25). Default empty: no clock-aligned values in
    /// StopTransaction.req (errata 3.14.5), which keeps a long transaction's memory bounded.
    pub stop_txn_aligned_data: MeasurandList,
    /// StopTxnAlignedDataMaxLength (§9.1.26), read-only: [`MAX_MEASURANDS`].
    pub stop_txn_aligned_data_max_length: u32,
    /// StopTxnSampledData (§9.1.27). Default empty, as StopTxnAlignedData.
    pub stop_txn_sampled_data: MeasurandList,
    /// StopTxnSampledDataMaxLength (§9.1.28), read-only: [`MAX_MEASURANDS`].
    pub stop_txn_sampled_data_max_length: u32,
    /// SupportedFeatureProfiles (§9.1.29), read-only. Default Core and the profiles this build
    /// has (cargo features `profile-*`, [`Profile::enabled`]). The security
    /// extension has no entry here.
    pub supported_feature_profiles: List<Profile, 6>,
    /// SupportedFeatureProfilesMaxLength (§9.1.30), read-only: 6.
    pub supported_feature_profiles_max_length: u32,
    /// TransactionMessageAttempts (§9.1.31), times. Default 3. 0 is accepted; the transaction
    /// logic always makes the first attempt.
    pub transaction_message_attempts: u32,
    /// TransactionMessageRetryInterval (§9.1.32), seconds. Default 60.
    pub transaction_message_retry_interval: u32,
    /// UnlockConnectorOnEVSideDisconnect (§9.1.33). Default `true`. A charge point with a fixed
    /// cable sets it `false` and read-only (errata 3.83).
    pub unlock_connector_on_ev_side_disconnect: bool,
    /// WebSocketPingInterval (§9.1.34), seconds; 0 disables. Default 60: below
    /// TransactionMessageAttempts x TransactionMessageRetryInterval, as the OCPP-J errata 3.9
    /// recommends.
    pub web_socket_ping_interval: u32,

    // §9.2 Local Auth List Management profile.
    /// LocalAuthListEnabled (§9.2.1). Default `true`.
    pub local_auth_list_enabled: bool,
    /// LocalAuthListMaxLength (§9.2.2), read-only: [`LOCAL_AUTH_LIST_MAX_LENGTH`].
    pub local_auth_list_max_length: u32,
    /// SendLocalListMaxLength (§9.2.3), read-only: [`SEND_LOCAL_LIST_MAX_LENGTH`].
    pub send_local_list_max_length: u32,

    // §9.3 Reservation profile.
    /// ReserveConnectorZeroSupported (§9.3.1), read-only. Default `false`.
    pub reserve_connector_zero_supported: bool,

    // §9.4 Smart Charging profile.
    /// ChargeProfileMaxStackLevel (§9.4.1), read-only: [`CHARGE_PROFILE_MAX_STACK_LEVEL`].
    pub charge_profile_max_stack_level: u32,
    /// ChargingScheduleAllowedChargingRateUnit (§9.4.2, errata 3.86), read-only: `A` is
    /// reported as `Current`, `W` as `Power`. Default both.
    pub charging_schedule_allowed_charging_rate_unit: List<ChargingRateUnit, 2>,
    /// ChargingScheduleMaxPeriods (§9.4.3), read-only: [`CHARGING_SCHEDULE_MAX_PERIODS`].
    pub charging_schedule_max_periods: u32,
    /// ConnectorSwitch3to1PhaseSupported (§9.4.4), read-only. Default `false`.
    pub connector_switch_3to1_phase_supported: bool,
    /// MaxChargingProfilesInstalled (§9.4.5), read-only: [`MAX_CHARGING_PROFILES_INSTALLED`].
    pub max_charging_profiles_installed: u32,

    // Errata 3.88: Firmware Management profile.
    /// SupportedFileTransferProtocols (errata 3.88), read-only CSL. Default `HTTP,HTTPS`; the
    /// integrator declares what its downloader supports.
    pub supported_file_transfer_protocols: FileTransferProtocols,

    // Security whitepaper chapter 7.
    /// AdditionalRootCertificateCheck (§7.1), read-only. Default `false`.
    pub additional_root_certificate_check: bool,
    /// AuthorizationKey (§7.2), write-only. Default unset.
    pub authorization_key: Option<AuthorizationKey>,
    /// CertificateSignedMaxChainSize (§7.3), read-only: [`CERTIFICATE_CHAIN_MAX_LEN`].
    pub certificate_signed_max_chain_size: u32,
    /// CertificateStoreMaxLength (§7.4), read-only: [`MAX_INSTALLED_CERTIFICATES`].
    pub certificate_store_max_length: u32,
    /// CpoName (§7.5). Default unset (reported without a value, §7.29).
    pub cpo_name: Option<CpoName>,
    /// SecurityProfile (§7.6), 0 to 3, only ever increased over OCPP. Default 0 (the
    /// whitepaper's default).
    pub security_profile: u8,

    /// Not a key: the measurands the meters provide. Measurand CSLs may name only these
    /// (errata 3.14.4). Default every measurand; set it with
    /// [`Configuration::set_supported_measurands`].
    supported_measurands: MeasurandSet,
    /// Keys the integrator made read-only.
    read_only: KeySet,
    /// Keys the integrator left out.
    omitted: KeySet,
    /// Vendor keys, in registration order.
    vendor: VendorPool<V>,
}

/// The measurand every meter has: the default of the metering CSLs (§9.1.17).
const DEFAULT_MEASURAND: MeterItem = MeterItem::plain(Measurand::EnergyActiveImportRegister);

impl Configuration {
    /// The default configuration of a charge point with `number_of_connectors` connectors (and
    /// the default vendor-key pool; [`Configuration::with_connectors`] for another).
    ///
    /// The same as [`Configuration::new_const`] followed by [`Configuration::reset`]; in a
    /// `static` (no stack for the value), use those two.
    pub fn new(number_of_connectors: u32) -> Self {
        Self::with_connectors(number_of_connectors)
    }
}

impl<V: Slots<u8>> Configuration<V> {
    /// [`Configuration::new`] with the vendor-key pool `V`.
    pub fn with_connectors(number_of_connectors: u32) -> Self {
        let mut config = Configuration::new_const();
        config.set_runtime_defaults(number_of_connectors);
        config
    }

    /// Every key zero, false, empty or none: the configuration of a charge point that has not
    /// started. Its bytes are all zero, so a `static` charge point built from it lands in
    /// `.bss` instead of carrying a flash image; [`Configuration::apply_defaults`] then sets the
    /// defaults in place.
    pub const fn zeroed() -> Self {
        Configuration {
            allow_offline_tx_for_unknown_id: false,
            authorization_cache_enabled: false,
            authorize_remote_tx_requests: false,
            blink_repeat: 0,
            clock_aligned_data_interval: 0,
            connection_time_out: 0,
            connector_phase_rotation: PhaseRotationCsl::new(),
            connector_phase_rotation_max_length: 0,
            get_configuration_max_keys: 0,
            heartbeat_interval: 0,
            light_intensity: 0,
            local_authorize_offline: false,
            local_pre_authorize: false,
            max_energy_on_invalid_id: 0,
            message_timeout: 0,
            meter_values_aligned_data: MeasurandList::new(),
            meter_values_aligned_data_max_length: 0,
            meter_values_sampled_data: MeasurandList::new(),
            meter_values_sampled_data_max_length: 0,
            meter_value_sample_interval: 0,
            minimum_status_duration: 0,
            number_of_connectors: 0,
            reset_retries: 0,
            stop_transaction_max_meter_values: 0,
            stop_transaction_on_ev_side_disconnect: false,
            stop_transaction_on_invalid_id: false,
            stop_txn_aligned_data: MeasurandList::new(),
            stop_txn_aligned_data_max_length: 0,
            stop_txn_sampled_data: MeasurandList::new(),
            stop_txn_sampled_data_max_length: 0,
            supported_feature_profiles: List::new(),
            supported_feature_profiles_max_length: 0,
            transaction_message_attempts: 0,
            transaction_message_retry_interval: 0,
            unlock_connector_on_ev_side_disconnect: false,
            web_socket_ping_interval: 0,
            local_auth_list_enabled: false,
            local_auth_list_max_length: 0,
            send_local_list_max_length: 0,
            reserve_connector_zero_supported: false,
            charge_profile_max_stack_level: 0,
            charging_schedule_allowed_charging_rate_unit: List::new(),
            charging_schedule_max_periods: 0,
            connector_switch_3to1_phase_supported: false,
            max_charging_profiles_installed: 0,
            supported_file_transfer_protocols: FileTransferProtocols::new(),
            additional_root_certificate_check: false,
            authorization_key: None,
            certificate_signed_max_chain_size: 0,
            certificate_store_max_length: 0,
            cpo_name: None,
            security_profile: 0,
            supported_measurands: MeasurandSet::EMPTY,
            read_only: KeySet::EMPTY,
            omitted: KeySet::EMPTY,
            vendor: VendorPool::new(),
        }
    }

    /// Sets every key to its default in place, one field at a time (no configuration-sized
    /// constant copied from flash, no temporary on the stack): after it, the configuration
    /// equals [`Configuration::new`]`(number_of_connectors)`.
    pub fn apply_defaults(&mut self, number_of_connectors: u32) {
        self.allow_offline_tx_for_unknown_id = false;
        self.authorization_cache_enabled = true;
        self.authorize_remote_tx_requests = false;
        self.blink_repeat = 3;
        self.clock_aligned_data_interval = 0;
        self.connection_time_out = 60;
        self.connector_phase_rotation = PhaseRotationCsl::new();
        self.connector_phase_rotation_max_length = CONNECTOR_PHASE_ROTATION_MAX_LENGTH as u32;
        self.get_configuration_max_keys = MAX_CONFIGURATION_KEYS as u32;
        self.heartbeat_interval = 300;
        self.light_intensity = 100;
        self.local_authorize_offline = true;
        self.local_pre_authorize = false;
        self.max_energy_on_invalid_id = 0;
        self.message_timeout = 30;
        self.meter_values_aligned_data = MeasurandList::from_array([DEFAULT_MEASURAND]);
        self.meter_values_aligned_data_max_length = MAX_MEASURANDS as u32;
        self.meter_values_sampled_data = MeasurandList::from_array([DEFAULT_MEASURAND]);
        self.meter_values_sampled_data_max_length = MAX_MEASURANDS as u32;
        self.meter_value_sample_interval = 60;
        self.minimum_status_duration = 0;
        self.number_of_connectors = 0;
        self.reset_retries = 3;
        self.stop_transaction_max_meter_values = MAX_METER_VALUES as u32;
        self.stop_transaction_on_ev_side_disconnect = true;
        self.stop_transaction_on_invalid_id = true;
        self.stop_txn_aligned_data = MeasurandList::new();
        self.stop_txn_aligned_data_max_length = MAX_MEASURANDS as u32;
        self.stop_txn_sampled_data = MeasurandList::new();
        self.stop_txn_sampled_data_max_length = MAX_MEASURANDS as u32;
        self.supported_feature_profiles = List::from_array([
            Profile::Core,
            Profile::FirmwareManagement,
            Profile::LocalAuthListManagement,
            Profile::Reservation,
            Profile::SmartCharging,
            Profile::RemoteTrigger,
        ]);
        self.supported_feature_profiles_max_length = 6;
        self.transaction_message_attempts = 3;
        self.transaction_message_retry_interval = 60;
        self.unlock_connector_on_ev_side_disconnect = true;
        self.web_socket_ping_interval = 60;
        self.local_auth_list_enabled = true;
        self.local_auth_list_max_length = LOCAL_AUTH_LIST_MAX_LENGTH as u32;
        self.send_local_list_max_length = SEND_LOCAL_LIST_MAX_LENGTH as u32;
        self.reserve_connector_zero_supported = false;
        self.charge_profile_max_stack_level = CHARGE_PROFILE_MAX_STACK_LEVEL as u32;
        self.charging_schedule_allowed_charging_rate_unit =
            List::from_array([ChargingRateUnit::A, ChargingRateUnit::W]);
        self.charging_schedule_max_periods = CHARGING_SCHEDULE_MAX_PERIODS as u32;
        self.connector_switch_3to1_phase_supported = false;
        self.max_charging_profiles_installed = MAX_CHARGING_PROFILES_INSTALLED as u32;
        self.supported_file_transfer_protocols = FileTransferProtocols::new();
        self.additional_root_certificate_check = false;
        self.authorization_key = None;
        self.certificate_signed_max_chain_size = CERTIFICATE_CHAIN_MAX_LEN as u32;
        self.certificate_store_max_length = MAX_INSTALLED_CERTIFICATES as u32;
        self.cpo_name = None;
        self.security_profile = 0;
        self.supported_measurands = MeasurandSet::ALL;
        self.read_only = KeySet::EMPTY;
        self.omitted = KeySet::EMPTY;
        self.vendor = VendorPool::new();
        self.set_runtime_defaults(number_of_connectors);
    }

    /// The default configuration as far as const evaluation can build it: everything as
    /// [`Configuration::new`] has it except NumberOfConnectors (0), ConnectorPhaseRotation
    /// (empty) and SupportedFileTransferProtocols (empty), which need runtime formatting. Call
    /// [`Configuration::set_runtime_defaults`] (or [`Configuration::reset`]) on it, in place, to
    /// get [`Configuration::new`]'s value.
    ///
    /// Meant for const context (a `static`, a `const`, `const { }`): called at run time it builds
    /// the whole value on the stack, as any constructor returning it does.
    pub const fn new_const() -> Self {
        Configuration {
            allow_offline_tx_for_unknown_id: false,
            authorization_cache_enabled: true,
            authorize_remote_tx_requests: false,
            blink_repeat: 3,
            clock_aligned_data_interval: 0,
            connection_time_out: 60,
            connector_phase_rotation: PhaseRotationCsl::new(),
            connector_phase_rotation_max_length: CONNECTOR_PHASE_ROTATION_MAX_LENGTH as u32,
            get_configuration_max_keys: MAX_CONFIGURATION_KEYS as u32,
            heartbeat_interval: 300,
            light_intensity: 100,
            local_authorize_offline: true,
            local_pre_authorize: false,
            max_energy_on_invalid_id: 0,
            message_timeout: 30,
            meter_values_aligned_data: MeasurandList::from_array([DEFAULT_MEASURAND]),
            meter_values_aligned_data_max_length: MAX_MEASURANDS as u32,
            meter_values_sampled_data: MeasurandList::from_array([DEFAULT_MEASURAND]),
            meter_values_sampled_data_max_length: MAX_MEASURANDS as u32,
            meter_value_sample_interval: 60,
            minimum_status_duration: 0,
            number_of_connectors: 0,
            reset_retries: 3,
            stop_transaction_max_meter_values: MAX_METER_VALUES as u32,
            stop_transaction_on_ev_side_disconnect: true,
            stop_transaction_on_invalid_id: true,
            stop_txn_aligned_data: MeasurandList::new(),
            stop_txn_aligned_data_max_length: MAX_MEASURANDS as u32,
            stop_txn_sampled_data: MeasurandList::new(),
            stop_txn_sampled_data_max_length: MAX_MEASURANDS as u32,
            supported_feature_profiles: List::from_array([
                Profile::Core,
                Profile::FirmwareManagement,
                Profile::LocalAuthListManagement,
                Profile::Reservation,
                Profile::SmartCharging,
                Profile::RemoteTrigger,
            ]),
            supported_feature_profiles_max_length: 6,
            transaction_message_attempts: 3,
            transaction_message_retry_interval: 60,
            unlock_connector_on_ev_side_disconnect: true,
            web_socket_ping_interval: 60,
            local_auth_list_enabled: true,
            local_auth_list_max_length: LOCAL_AUTH_LIST_MAX_LENGTH as u32,
            send_local_list_max_length: SEND_LOCAL_LIST_MAX_LENGTH as u32,
            reserve_connector_zero_supported: false,
            charge_profile_max_stack_level: CHARGE_PROFILE_MAX_STACK_LEVEL as u32,
            charging_schedule_allowed_charging_rate_unit: List::from_array([
                ChargingRateUnit::A,
                ChargingRateUnit::W,
            ]),
            charging_schedule_max_periods: CHARGING_SCHEDULE_MAX_PERIODS as u32,
            connector_switch_3to1_phase_supported: false,
            max_charging_profiles_installed: MAX_CHARGING_PROFILES_INSTALLED as u32,
            supported_file_transfer_protocols: FileTransferProtocols::new(),
            additional_root_certificate_check: false,
            authorization_key: None,
            certificate_signed_max_chain_size: CERTIFICATE_CHAIN_MAX_LEN as u32,
            certificate_store_max_length: MAX_INSTALLED_CERTIFICATES as u32,
            cpo_name: None,
            security_profile: 0,
            supported_measurands: MeasurandSet::ALL,
            read_only: KeySet::EMPTY,
            omitted: KeySet::EMPTY,
            vendor: VendorPool::new(),
        }
    }

    /// Makes this the default configuration of a charge point with `number_of_connectors`
    /// connectors, in place: afterwards it equals `Configuration::new(number_of_connectors)`,
    /// whatever it held before (vendor keys, read-only and omitted keys are gone too). The
    /// constant part is copied from a constant, not built on the stack.
    pub fn reset(&mut self, number_of_connectors: u32) {
        *self = const { Configuration::new_const() };
        self.set_runtime_defaults(number_of_connectors);
    }

    /// Sets, in place, what [`Configuration::new_const`] leaves out, and nothing else:
    /// NumberOfConnectors, the default ConnectorPhaseRotation for that many connectors
    /// (`1.Unknown,...`), SupportedFileTransferProtocols (`HTTP,HTTPS`). On a `new_const` value
    /// this gives `Configuration::new(number_of_connectors)`, like [`Configuration::reset`] but
    /// without its copy of the constant part (which costs flash: a copy of `new_const`'s value).
    pub fn set_runtime_defaults(&mut self, number_of_connectors: u32) {
        self.number_of_connectors = number_of_connectors;
        // Only the profiles this build has (the profile cargo features).
        self.supported_feature_profiles.retain(|p| p.enabled());
        self.connector_phase_rotation.clear();
        for id in 1..=number_of_connectors.min(CONNECTOR_PHASE_ROTATION_MAX_LENGTH as u32 - 1) {
            // Cannot fail: the string holds CONNECTOR_PHASE_ROTATION_MAX_LENGTH items.
            let _ = value::push_phase_rotation(&mut self.connector_phase_rotation, id, "Unknown");
        }
        self.supported_file_transfer_protocols.clear();
        // Cannot fail: it fits the bound.
        let _ = self
            .supported_file_transfer_protocols
            .push_str("HTTP,HTTPS");
    }

    // -----------------------------------------------------------------------------------------
    // Integrator setup

    /// Makes a key read-only over OCPP: ChangeConfiguration is Rejected and storage never
    /// restores it. For the spec's "R or RW" keys (AuthorizeRemoteTxRequests,
    /// StopTransactionOnEVSideDisconnect) and UnlockConnectorOnEVSideDisconnect on a charge
    /// point with a fixed cable (errata 3.83: set it `false` first).
    pub fn make_read_only(&mut self, key: Key) {
        self.read_only.insert(key);
    }

    /// Leaves an optional key out: GetConfiguration does not list it and ChangeConfiguration
    /// answers NotSupported. §9: an optional boolean key that is absent says the charge point
    /// lacks the feature (no Authorization Cache, no lighting, ...).
    pub fn omit(&mut self, key: Key) -> Result<(), ConfigError> {
        if key.required() {
            return Err(ConfigError::Required);
        }
        self.omitted.insert(key);
        Ok(())
    }

    /// Declares what the meters can measure, and drops anything else from the four measurand
    /// CSLs.
    pub fn set_supported_measurands(&mut self, supported: MeasurandSet) {
        self.supported_measurands = supported;
        for list in [
            &mut self.meter_values_aligned_data,
            &mut self.meter_values_sampled_data,
            &mut self.stop_txn_aligned_data,
            &mut self.stop_txn_sampled_data,
        ] {
            list.retain(|m| supported.contains(m.measurand()));
        }
    }

    /// The measurands the meters can measure.
    pub fn supported_measurands(&self) -> MeasurandSet {
        self.supported_measurands
    }

    /// The accessibility of a standard key over OCPP, after [`Configuration::make_read_only`];
    /// `None` when the key is [omitted](Configuration::omit) or belongs to a feature profile this
    /// build leaves out.
    pub fn access(&self, key: Key) -> Option<Access> {
        if !self.declares(key) {
            None
        } else if self.read_only.contains(key) {
            Some(Access::ReadOnly)
        } else {
            Some(key.access())
        }
    }

    // -----------------------------------------------------------------------------------------
    // GetConfiguration

    /// The key named `key` (case-insensitively) as GetConfiguration.conf reports it, or `None`
    /// when the charge point does not know it (it then goes into `unknownKey`, §5.8).
    pub fn get(&self, key: &str) -> Option<KeyValue> {
        self.key_value(self.lookup(key)?)
    }

    /// The key `id` (from [`Configuration::lookup`]) as GetConfiguration.conf reports it, or
    /// `None` when the charge point does not declare it.
    pub fn key_value(&self, id: KeyId) -> Option<KeyValue> {
        match id {
            KeyId::Standard(k) => self.standard_key_value(k),
            KeyId::Vendor(id) => self.vendor_key_value(id),
        }
    }

    /// Every key, for a GetConfiguration.req without keys: standard keys in [`Key::ALL`] order,
    /// then vendor keys in registration order. At most [`MAX_CONFIGURATION_KEYS`] items.
    pub fn iter(&self) -> impl Iterator<Item = KeyValue> + '_ {
        let standard = Key::ALL.iter().filter_map(|&k| self.standard_key_value(k));
        let vendor = (0..self.vendor.len()).filter_map(|i| self.vendor_key_value(VendorId::new(i)));
        standard.chain(vendor)
    }

    /// The key named `key`, case-insensitively; omitted standard keys are unknown.
    pub fn lookup(&self, key: &str) -> Option<KeyId> {
        match Key::parse(key) {
            Some(k) if !self.declares(k) => None,
            Some(k) => Some(KeyId::Standard(k)),
            None => self.vendor_lookup(key).map(KeyId::Vendor),
        }
    }

    /// Whether the standard key is there: its profile is built and it is not omitted.
    fn declares(&self, key: Key) -> bool {
        key.profile().enabled() && !self.omitted.contains(key)
    }

    fn standard_key_value(&self, key: Key) -> Option<KeyValue> {
        let access = self.access(key)?;
        Some(KeyValue {
            key: CiString50::truncated(key.name()),
            readonly: access == Access::ReadOnly,
            value: match access {
                Access::WriteOnly => None,
                Access::ReadOnly | Access::ReadWrite => self.render(key),
            },
        })
    }

    // -----------------------------------------------------------------------------------------
    // ChangeConfiguration

    /// Applies a ChangeConfiguration.req (§5.3), with no certificates installed as far as the
    /// SecurityProfile prerequisites go; see [`Configuration::change_with`].
    pub fn change(&mut self, key: &str, value: &str) -> ChangeOutcome {
        self.change_with(key, value, SecurityPrerequisites::default())
    }

    /// Applies a ChangeConfiguration.req (§5.3):
    /// - an unknown key: NotSupported;
    /// - a read-only key, or a value that does not parse or is out of range: Rejected, and
    ///   nothing changes;
    /// - SecurityProfile: Rejected unless higher than the current one and its prerequisites are
    ///   met (whitepaper A05.FR.01 to A05.FR.04);
    /// - otherwise the value is stored: Accepted, or RebootRequired for a vendor key registered
    ///   so.
    pub fn change_with(
        &mut self,
        key: &str,
        value: &str,
        prerequisites: SecurityPrerequisites,
    ) -> ChangeOutcome {
        let Some(id) = self.lookup(key) else {
            return ChangeOutcome {
                status: ConfigurationStatus::NotSupported,
                changed: None,
            };
        };
        let result = match id {
            KeyId::Standard(k) => self.change_standard(k, value, prerequisites),
            KeyId::Vendor(v) => self.change_vendor(v, value),
        };
        match result {
            Ok(status) => ChangeOutcome {
                status,
                changed: Some(id),
            },
            Err(Invalid) => ChangeOutcome::rejected(),
        }
    }

    fn change_standard(
        &mut self,
        key: Key,
        value: &str,
        prerequisites: SecurityPrerequisites,
    ) -> Result<ConfigurationStatus, Invalid> {
        if self.access(key) == Some(Access::ReadOnly) {
            return Err(Invalid);
        }
        if key == Key::SecurityProfile {
            self.check_security_profile(value, prerequisites)?;
        }
        self.apply(key, value)?;
        Ok(ConfigurationStatus::Accepted)
    }

    /// Whitepaper §7.6 and A05: only an increase, and only with the new profile's prerequisites.
    fn check_security_profile(
        &self,
        value: &str,
        prerequisites: SecurityPrerequisites,
    ) -> Result<(), Invalid> {
        let new = value::parse_int(value, 0, 3)?;
        let basic_auth_ready = self.authorization_key.is_some();
        let ok = new > u32::from(self.security_profile)
            && match new {
                1 => basic_auth_ready,
                2 => basic_auth_ready && prerequisites.central_system_root_certificate,
                3 => {
                    prerequisites.central_system_root_certificate
                        && prerequisites.charge_point_certificate
                }
                _ => false,
            };
        if ok { Ok(()) } else { Err(Invalid) }
    }
}
