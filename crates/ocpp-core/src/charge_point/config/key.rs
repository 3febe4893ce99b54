//! The standard configuration keys: names, accessibility, and whether the spec requires them.
//!
//! One table, so that lookup, GetConfiguration order, ChangeConfiguration access checks and the
//! persistence format all agree on the same list. The order is the spec's: chapter 9 by profile,
//! alphabetical within a profile (the errata's additions, MessageTimeout and
//! StopTransactionMaxMeterValues, sorted in), then the security extension's keys.

use super::Access;
use crate::v16::Profile;

/// Declares [`Key`] from one line per key: the variant is the spec's key name.
macro_rules! keys {
    ( $( $(#[$meta:meta])* $key:ident : $access:ident, $required:literal; )* ) => {
        /// A standard configuration key: OCPP 1.6 chapter 9, its errata, and the security
        /// extension's chapter 7.
        ///
        /// The variant names are the spec's key names; [`Key::name`] gives the string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key {
            $( $(#[$meta])* $key, )*
        }

        impl Key {
            /// Every standard key, in GetConfiguration order.
            pub const ALL: &'static [Key] = &[$(Key::$key),*];

            /// The key's name, spelled as the spec spells it.
            pub const fn name(self) -> &'static str {
                match self { $(Key::$key => stringify!($key),)* }
            }

            /// Accessibility in this implementation (the spec's, with its "R or RW" choices made
            /// RW). An integrator may narrow it with [`super::Configuration::make_read_only`].
            pub const fn access(self) -> Access {
                match self { $(Key::$key => Access::$access,)* }
            }

            /// Whether the spec requires the key of a charge point supporting its profile.
            /// Optional keys may be left out with [`super::Configuration::omit`].
            pub const fn required(self) -> bool {
                match self { $(Key::$key => $required,)* }
            }
        }
    };
}

keys! {
    // §9.1 Core profile.
    /// §9.1.1, boolean: start transactions for unknown ids while offline.
    AllowOfflineTxForUnknownId: ReadWrite, false;
    /// §9.1.2, boolean: the Authorization Cache is enabled.
    AuthorizationCacheEnabled: ReadWrite, false;
    /// §9.1.3, boolean: authorize RemoteStartTransaction ids like local ones ("R or RW": RW).
    AuthorizeRemoteTxRequests: ReadWrite, true;
    /// §9.1.4, integer (times): blinks when signalling.
    BlinkRepeat: ReadWrite, false;
    /// §9.1.5, integer (seconds): clock-aligned data interval; 0 disables.
    ClockAlignedDataInterval: ReadWrite, true;
    /// §9.1.6 and errata 3.76, integer (seconds): Preparing times out after this.
    ConnectionTimeOut: ReadWrite, true;
    /// §9.1.7, CSL: phase rotation per connector, `0.RST,1.RTS`.
    ConnectorPhaseRotation: ReadWrite, true;
    /// §9.1.8, integer: most items in ConnectorPhaseRotation.
    ConnectorPhaseRotationMaxLength: ReadOnly, false;
    /// §9.1.9, integer: most keys in one GetConfiguration.req.
    GetConfigurationMaxKeys: ReadOnly, true;
    /// §9.1.10, integer (seconds): idle time before a Heartbeat.req.
    HeartbeatInterval: ReadWrite, true;
    /// §9.1.11, integer (%): lighting intensity.
    LightIntensity: ReadWrite, false;
    /// §9.1.12, boolean: start transactions for locally authorized ids while offline.
    LocalAuthorizeOffline: ReadWrite, true;
    /// §9.1.13, boolean: start transactions for locally authorized ids without Authorize.req.
    LocalPreAuthorize: ReadWrite, true;
    /// §9.1.14, integer (Wh): energy still delivered after an id is invalidated.
    MaxEnergyOnInvalidId: ReadWrite, false;
    /// Errata 3.82 (new §9.1.15), integer (seconds): OCPP message timeout.
    MessageTimeout: ReadWrite, false;
    /// §9.1.15, CSL: clock-aligned measurands in MeterValues.req.
    MeterValuesAlignedData: ReadWrite, true;
    /// §9.1.16, integer: most items in MeterValuesAlignedData.
    MeterValuesAlignedDataMaxLength: ReadOnly, false;
    /// §9.1.17, CSL: sampled measurands in MeterValues.req.
    MeterValuesSampledData: ReadWrite, true;
    /// §9.1.18, integer: most items in MeterValuesSampledData.
    MeterValuesSampledDataMaxLength: ReadOnly, false;
    /// §9.1.19, integer (seconds): sampling interval during a transaction; 0 disables.
    MeterValueSampleInterval: ReadWrite, true;
    /// §9.1.20, integer (seconds): a status must be stable this long before it is notified.
    MinimumStatusDuration: ReadWrite, false;
    /// §9.1.21, integer: physical connectors.
    NumberOfConnectors: ReadOnly, true;
    /// §9.1.22, integer (times): retries of an unsuccessful reset.
    ResetRetries: ReadWrite, true;
    /// Errata 3.89 (new §9.1.23), integer: most meter values in a StopTransaction.req.
    StopTransactionMaxMeterValues: ReadOnly, false;
    /// §9.1.23 and errata 3.79 (now optional, "R or RW": RW), boolean: stop the transaction
    /// when the cable is unplugged at the EV.
    StopTransactionOnEVSideDisconnect: ReadWrite, false;
    /// §9.1.24, boolean: stop a transaction whose StartTransaction.conf is not Accepted.
    StopTransactionOnInvalidId: ReadWrite, true;
    /// §9.1.25, CSL: clock-aligned measurands in StopTransaction.req transactionData.
    StopTxnAlignedData: ReadWrite, true;
    /// §9.1.26, integer: most items in StopTxnAlignedData.
    StopTxnAlignedDataMaxLength: ReadOnly, false;
    /// §9.1.27, CSL: sampled measurands in StopTransaction.req transactionData.
    StopTxnSampledData: ReadWrite, true;
    /// §9.1.28, integer: most items in StopTxnSampledData.
    StopTxnSampledDataMaxLength: ReadOnly, false;
    /// §9.1.29, CSL: the feature profiles supported.
    SupportedFeatureProfiles: ReadOnly, true;
    /// §9.1.30, integer: most items in SupportedFeatureProfiles (errata 3.80: needless).
    SupportedFeatureProfilesMaxLength: ReadOnly, false;
    /// §9.1.31, integer (times): attempts of a transaction-related message.
    TransactionMessageAttempts: ReadWrite, true;
    /// §9.1.32, integer (seconds): wait before resubmitting a transaction-related message.
    TransactionMessageRetryInterval: ReadWrite, true;
    /// §9.1.33 and errata 3.83 (RO with a fixed cable), boolean: unlock the cable at the
    /// charge point when it is unplugged at the EV.
    UnlockConnectorOnEVSideDisconnect: ReadWrite, true;
    /// §9.1.34, integer (seconds): WebSocket ping interval; 0 disables, negative is rejected.
    WebSocketPingInterval: ReadWrite, false;

    // §9.2 Local Auth List Management profile.
    /// §9.2.1, boolean: the Local Authorization List is enabled.
    LocalAuthListEnabled: ReadWrite, true;
    /// §9.2.2, integer: most identifications in the Local Authorization List.
    LocalAuthListMaxLength: ReadOnly, true;
    /// §9.2.3, integer: most identifications in one SendLocalList.req.
    SendLocalListMaxLength: ReadOnly, true;

    // §9.3 Reservation profile.
    /// §9.3.1, boolean: reservations of connector 0 are supported.
    ReserveConnectorZeroSupported: ReadOnly, false;

    // §9.4 Smart Charging profile.
    /// §9.4.1, integer: highest stackLevel of a charging profile.
    ChargeProfileMaxStackLevel: ReadOnly, true;
    /// §9.4.2 and errata 3.86, CSL: `Current` (A) and/or `Power` (W).
    ChargingScheduleAllowedChargingRateUnit: ReadOnly, true;
    /// §9.4.3, integer: most periods in one charging schedule.
    ChargingScheduleMaxPeriods: ReadOnly, true;
    /// §9.4.4 and errata 4.28, boolean: switching from 3 to 1 phase during a transaction.
    ConnectorSwitch3to1PhaseSupported: ReadOnly, false;
    /// §9.4.5, integer: most charging profiles installed at a time.
    MaxChargingProfilesInstalled: ReadOnly, true;

    // Errata 3.88: §9.5 Firmware Management profile.
    /// Errata 3.88 (new §9.5.1), CSL: `FTP`, `FTPS`, `HTTP`, `HTTPS`.
    SupportedFileTransferProtocols: ReadOnly, false;

    // Security whitepaper edition 2, chapter 7.
    /// Whitepaper §7.1, boolean: only one CentralSystemRootCertificate (plus a fallback).
    AdditionalRootCertificateCheck: ReadOnly, false;
    /// Whitepaper §7.2 and OCPP-J errata 3.10, write-only string: the HTTP Basic password, as
    /// hexadecimal. Never reported.
    AuthorizationKey: WriteOnly, false;
    /// Whitepaper §7.3, integer: most characters in CertificateSigned.req `certificateChain`.
    CertificateSignedMaxChainSize: ReadOnly, false;
    /// Whitepaper §7.4, integer: most Root/CA certificates installed.
    CertificateStoreMaxLength: ReadOnly, false;
    /// Whitepaper §7.5, string: the CPO name for the CSR's organizationName.
    CpoName: ReadWrite, false;
    /// Whitepaper §7.6, integer: the security profile, 0 to 3; may only increase.
    SecurityProfile: ReadWrite, false;
}

/// Number of standard keys.
pub const STANDARD_KEY_COUNT: usize = Key::ALL.len();

// `KeySet` is one bit per key.
const _: () = assert!(STANDARD_KEY_COUNT <= 64);

impl Key {
    /// The key named `name`, compared case-insensitively (ASCII): keys are `CiString50Type`
    /// (§7.29), which the spec defines as case-insensitive.
    pub fn parse(name: &str) -> Option<Key> {
        Key::ALL
            .iter()
            .copied()
            .find(|k| crate::types::eq_ignore_ascii_case(k.name(), name))
    }

    /// The feature profile (or the security extension) whose chapter declares the key. A key of
    /// a profile this build leaves out ([`Profile::enabled`]) is not declared.
    pub const fn profile(self) -> Profile {
        match self {
            Key::LocalAuthListEnabled
            | Key::LocalAuthListMaxLength
            | Key::SendLocalListMaxLength => Profile::LocalAuthListManagement,
            Key::ReserveConnectorZeroSupported => Profile::Reservation,
            Key::ChargeProfileMaxStackLevel
            | Key::ChargingScheduleAllowedChargingRateUnit
            | Key::ChargingScheduleMaxPeriods
            | Key::ConnectorSwitch3to1PhaseSupported
            | Key::MaxChargingProfilesInstalled => Profile::SmartCharging,
            Key::SupportedFileTransferProtocols => Profile::FirmwareManagement,
            Key::AdditionalRootCertificateCheck
            | Key::AuthorizationKey
            | Key::CertificateSignedMaxChainSize
            | Key::CertificateStoreMaxLength
            | Key::CpoName
            | Key::SecurityProfile => Profile::Security,
            _ => Profile::Core,
        }
    }

    /// Whether ChangeConfiguration may write it (read-write or write-only).
    pub const fn writable(self) -> bool {
        !matches!(self.access(), Access::ReadOnly)
    }

    const fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

/// A set of standard keys, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct KeySet(u64);

impl KeySet {
    /// No key (the [`Default`]).
    pub(super) const EMPTY: KeySet = KeySet(0);

    pub(super) const fn contains(self, key: Key) -> bool {
        self.0 & key.bit() != 0
    }

    pub(super) fn insert(&mut self, key: Key) {
        self.0 |= key.bit();
    }
}
