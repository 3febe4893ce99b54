//! Tests of the configuration store against OCPP 1.6 chapter 9, §5.3 / §5.8, the errata and the
//! security whitepaper.

use std::collections::BTreeSet;
use std::string::String;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::v16::ConfigurationStatus::{Accepted, NotSupported, RebootRequired, Rejected};

const ENERGY: &str = "Energy.Active.Import.Register";

/// A 40-digit key (20 bytes), the OCPP-J spec's example length.
const AUTH_KEY: &str = "0123456789abcdef0123456789ABCDEF01234567";

fn cfg() -> Configuration {
    Configuration::new(2)
}

fn value(c: &Configuration, key: &str) -> Option<String> {
    c.get(key)
        .unwrap_or_else(|| panic!("{key} unknown"))
        .value
        .map(|v| String::from(v.as_str()))
}

fn status(c: &mut Configuration, key: &str, v: &str) -> ConfigurationStatus {
    c.change(key, v).status
}

// ---------------------------------------------------------------------------------------------
// GetConfiguration (§5.8, §7.29)

/// Every standard key with its default: (key, readonly, value). Chapter 9 §9.1-§9.4, errata
/// 3.82 / 3.88 / 3.89, whitepaper chapter 7.
const DEFAULTS: &[(&str, bool, Option<&str>)] = &[
    ("AllowOfflineTxForUnknownId", false, Some("false")), // §9.1.1
    ("AuthorizationCacheEnabled", false, Some("true")),   // §9.1.2
    ("AuthorizeRemoteTxRequests", false, Some("false")),  // §9.1.3
    ("BlinkRepeat", false, Some("3")),                    // §9.1.4
    ("ClockAlignedDataInterval", false, Some("0")),       // §9.1.5
    ("ConnectionTimeOut", false, Some("60")),             // §9.1.6
    ("ConnectorPhaseRotation", false, Some("1.Unknown,2.Unknown")), // §9.1.7
    ("ConnectorPhaseRotationMaxLength", true, Some("17")), // §9.1.8
    ("GetConfigurationMaxKeys", true, Some("64")),        // §9.1.9
    ("HeartbeatInterval", false, Some("300")),            // §9.1.10
    ("LightIntensity", false, Some("100")),               // §9.1.11
    ("LocalAuthorizeOffline", false, Some("true")),       // §9.1.12
    ("LocalPreAuthorize", false, Some("false")),          // §9.1.13
    ("MaxEnergyOnInvalidId", false, Some("0")),           // §9.1.14
    ("MessageTimeout", false, Some("30")),                // errata 3.82
    ("MeterValuesAlignedData", false, Some(ENERGY)),      // §9.1.15
    ("MeterValuesAlignedDataMaxLength", true, Some("8")), // §9.1.16
    ("MeterValuesSampledData", false, Some(ENERGY)),      // §9.1.17
    ("MeterValuesSampledDataMaxLength", true, Some("8")), // §9.1.18
    ("MeterValueSampleInterval", false, Some("60")),      // §9.1.19
    ("MinimumStatusDuration", false, Some("0")),          // §9.1.20
    ("NumberOfConnectors", true, Some("2")),              // §9.1.21
    ("ResetRetries", false, Some("3")),                   // §9.1.22
    ("StopTransactionMaxMeterValues", true, Some("8")),   // errata 3.89
    ("StopTransactionOnEVSideDisconnect", false, Some("true")), // §9.1.23
    ("StopTransactionOnInvalidId", false, Some("true")),  // §9.1.24
    ("StopTxnAlignedData", false, Some("")),              // §9.1.25
    ("StopTxnAlignedDataMaxLength", true, Some("8")),     // §9.1.26
    ("StopTxnSampledData", false, Some("")),              // §9.1.27
    ("StopTxnSampledDataMaxLength", true, Some("8")),     // §9.1.28
    (
        "SupportedFeatureProfiles", // §9.1.29
        true,
        Some(
            "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
        ),
    ),
    ("SupportedFeatureProfilesMaxLength", true, Some("6")), // §9.1.30
    ("TransactionMessageAttempts", false, Some("3")),       // §9.1.31
    ("TransactionMessageRetryInterval", false, Some("60")), // §9.1.32
    ("UnlockConnectorOnEVSideDisconnect", false, Some("true")), // §9.1.33
    ("WebSocketPingInterval", false, Some("60")),           // §9.1.34
    ("LocalAuthListEnabled", false, Some("true")),          // §9.2.1
    ("LocalAuthListMaxLength", true, Some("128")),          // §9.2.2
    ("SendLocalListMaxLength", true, Some("64")),           // §9.2.3
    ("ReserveConnectorZeroSupported", true, Some("false")), // §9.3.1
    ("ChargeProfileMaxStackLevel", true, Some("8")),        // §9.4.1
    (
        "ChargingScheduleAllowedChargingRateUnit",
        true,
        Some("Current,Power"),
    ), // §9.4.2
    ("ChargingScheduleMaxPeriods", true, Some("48")),       // §9.4.3
    ("ConnectorSwitch3to1PhaseSupported", true, Some("false")), // §9.4.4
    ("MaxChargingProfilesInstalled", true, Some("8")),      // §9.4.5
    ("SupportedFileTransferProtocols", true, Some("HTTP,HTTPS")), // errata 3.88
    ("AdditionalRootCertificateCheck", true, Some("false")), // whitepaper §7.1
    ("AuthorizationKey", false, None),                      // whitepaper §7.2: write-only
    ("CertificateSignedMaxChainSize", true, Some("10000")), // whitepaper §7.3
    ("CertificateStoreMaxLength", true, Some("8")),         // whitepaper §7.4
    ("CpoName", false, None),                               // whitepaper §7.5: not set
    ("SecurityProfile", false, Some("0")),                  // whitepaper §7.6: default 0
];

#[test]
fn every_standard_key_reads_its_default_chapter_9() {
    let c = cfg();
    assert_eq!(DEFAULTS.len(), STANDARD_KEY_COUNT);
    for &(key, readonly, default) in DEFAULTS {
        let kv = c.get(key).unwrap_or_else(|| panic!("{key} unknown"));
        assert_eq!(kv.key.as_str(), key);
        assert_eq!(kv.readonly, readonly, "{key} readonly");
        assert_eq!(kv.value.as_deref(), default, "{key} value");
    }
}

#[test]
fn defaults_are_typed_fields() {
    let c = cfg();
    assert_eq!(c.heartbeat_interval, 300);
    assert_eq!(
        &c.meter_values_sampled_data[..],
        &[Measurand::EnergyActiveImportRegister]
    );
    assert!(c.stop_txn_sampled_data.is_empty());
    assert_eq!(c.transaction_message_attempts, 3);
    assert_eq!(c.transaction_message_retry_interval, 60);
    assert_eq!(c.connection_time_out, 60);
    assert_eq!(c.number_of_connectors, 2);
    assert_eq!(
        c.get_configuration_max_keys as usize,
        MAX_CONFIGURATION_KEYS
    );
    assert_eq!(
        c.send_local_list_max_length as usize,
        SEND_LOCAL_LIST_MAX_LENGTH
    );
    assert_eq!(
        c.charging_schedule_max_periods as usize,
        CHARGING_SCHEDULE_MAX_PERIODS
    );
    assert!(c.authorization_key.is_none());
    assert_eq!(c.security_profile, 0);
}

#[test]
fn key_table_agrees_with_spec_access() {
    for &(name, readonly, _) in DEFAULTS {
        let key = Key::parse(name).unwrap();
        assert_eq!(key.name(), name);
        assert_eq!(key.access() == Access::ReadOnly, readonly, "{name}");
    }
    assert_eq!(Key::AuthorizationKey.access(), Access::WriteOnly);
}

#[test]
fn get_configuration_lists_every_key_once_standard_then_vendor_5_8() {
    let mut c = cfg();
    c.add_vendor_key("VendorA", "1", Access::ReadWrite, false)
        .unwrap();
    c.add_vendor_key("VendorB", "2", Access::ReadOnly, false)
        .unwrap();
    let all: Vec<KeyValue> = c.iter().collect();
    assert_eq!(all.len(), STANDARD_KEY_COUNT + 2);
    assert!(all.len() <= MAX_CONFIGURATION_KEYS);
    let names: BTreeSet<&str> = all.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(names.len(), all.len(), "a key listed twice");
    for (kv, key) in all.iter().zip(Key::ALL) {
        assert_eq!(kv.key.as_str(), key.name());
        assert_eq!(Some(kv), c.get(key.name()).as_ref());
    }
    assert_eq!(all[STANDARD_KEY_COUNT].key.as_str(), "VendorA");
    assert_eq!(all[STANDARD_KEY_COUNT + 1].key.as_str(), "VendorB");
    assert!(all[STANDARD_KEY_COUNT + 1].readonly);
}

#[test]
fn a_full_configuration_fits_one_get_configuration_conf() {
    let mut c = cfg();
    for i in 0..MAX_VENDOR_KEYS {
        c.add_vendor_key(&std::format!("V{i}"), "x", Access::ReadWrite, false)
            .unwrap();
    }
    assert_eq!(
        c.add_vendor_key("OneTooMany", "", Access::ReadWrite, false),
        Err(ConfigError::VendorKeysFull)
    );
    let list: List<KeyValue, MAX_CONFIGURATION_KEYS> = List::try_from_iter(c.iter()).unwrap();
    assert_eq!(list.len(), MAX_CONFIGURATION_KEYS);
}

#[test]
fn configuration_stays_small() {
    // Vendor keys dominate: MAX_VENDOR_KEYS x (50 + 500 bytes).
    let size = core::mem::size_of::<Configuration>();
    std::println!("size_of::<Configuration>() = {size}");
    assert!(size < 10 * 1024, "{size} bytes");
}

#[test]
fn keys_match_case_insensitively_and_report_the_spec_spelling_7_29() {
    let c = cfg();
    let kv = c.get("heartbeatinterval").unwrap();
    assert_eq!(kv.key.as_str(), "HeartbeatInterval");
    assert_eq!(kv.value.as_deref(), Some("300"));
    assert!(c.get("HEARTBEATINTERVAL").is_some());
    assert_eq!(c.get("NoSuchKey"), None);
    assert_eq!(c.get(""), None);
    assert_eq!(c.get("HeartbeatInterval "), None);
}

// ---------------------------------------------------------------------------------------------
// ChangeConfiguration (§5.3, §7.22)

#[test]
fn accepted_change_is_typed_and_reported_9_1_10() {
    let mut c = cfg();
    let outcome = c.change("HeartbeatInterval", "60");
    assert_eq!(outcome.status, Accepted);
    assert_eq!(
        outcome.changed,
        Some(KeyId::Standard(Key::HeartbeatInterval))
    );
    assert_eq!(c.heartbeat_interval, 60);
    assert_eq!(value(&c, "HeartbeatInterval").as_deref(), Some("60"));
    // The same value again is still a (re)write the caller hears of.
    assert_eq!(
        c.change("heartbeatINTERVAL", "60").changed,
        Some(KeyId::Standard(Key::HeartbeatInterval))
    );
}

#[test]
fn read_only_keys_are_rejected_5_3() {
    let mut c = cfg();
    for &(key, readonly, default) in DEFAULTS {
        if !readonly {
            continue;
        }
        let outcome = c.change(key, "1");
        assert_eq!(outcome.status, Rejected, "{key}");
        assert_eq!(outcome.changed, None);
        assert_eq!(value(&c, key).as_deref(), default, "{key} changed");
    }
    assert_eq!(c.number_of_connectors, 2);
}

#[test]
fn unknown_keys_are_not_supported_5_3() {
    let mut c = cfg();
    for key in ["NoSuchKey", "", "Heartbeat Interval", "HeartbeatIntervalX"] {
        let outcome = c.change(key, "1");
        assert_eq!(outcome.status, NotSupported, "{key:?}");
        assert_eq!(outcome.changed, None);
    }
}

#[test]
fn out_of_range_and_malformed_values_are_rejected_5_3() {
    let mut c = cfg();
    let bad: &[(&str, &str)] = &[
        ("HeartbeatInterval", "-1"),
        ("HeartbeatInterval", "abc"),
        ("HeartbeatInterval", ""),
        ("HeartbeatInterval", "1.5"),
        ("HeartbeatInterval", "2147483648"), // beyond the spec's 32-bit integer
        ("HeartbeatInterval", "99999999999"),
        ("HeartbeatInterval", "0x10"),
        ("WebSocketPingInterval", "-5"), // §9.1.34: negative values are Rejected
        ("ConnectionTimeOut", "0"),
        ("MessageTimeout", "0"),
        ("LightIntensity", "101"), // §9.1.11: a percentage
        ("LocalPreAuthorize", "1"),
        ("LocalPreAuthorize", "yes"),
        ("LocalPreAuthorize", ""),
        ("MeterValuesSampledData", "Energy.Active.Import.Registe"),
        ("CpoName", ""),
        ("CpoName", "line\nbreak"),
    ];
    for &(key, v) in bad {
        let before = c.clone();
        let outcome = c.change(key, v);
        assert_eq!(outcome.status, Rejected, "{key}={v:?}");
        assert_eq!(outcome.changed, None);
        assert_eq!(c, before, "{key}={v:?} changed something");
    }
}

#[test]
fn integers_accept_bounds_and_surrounding_whitespace() {
    let mut c = cfg();
    assert_eq!(
        status(&mut c, "HeartbeatInterval", " 2147483647 "),
        Accepted
    );
    assert_eq!(c.heartbeat_interval, 2_147_483_647);
    assert_eq!(status(&mut c, "HeartbeatInterval", "0"), Accepted);
    assert_eq!(status(&mut c, "LightIntensity", "0"), Accepted);
    assert_eq!(status(&mut c, "LightIntensity", "100"), Accepted);
    assert_eq!(c.light_intensity, 100);
    assert_eq!(status(&mut c, "TransactionMessageAttempts", "0"), Accepted);
    assert_eq!(status(&mut c, "WebSocketPingInterval", "0"), Accepted); // §9.1.34: 0 disables
}

/// Whitespace around a value is ASCII whitespace: other Unicode spaces (no-break space, em
/// space, next line) make the value malformed (see `value.rs`).
#[test]
fn only_ascii_whitespace_is_trimmed() {
    let mut c = cfg();
    assert_eq!(
        status(&mut c, "HeartbeatInterval", "\t\r\n\x0c 60 \n"),
        Accepted
    );
    assert_eq!(c.heartbeat_interval, 60);
    for v in ["\u{a0}61", "61\u{2003}", "\u{85}61"] {
        assert_eq!(status(&mut c, "HeartbeatInterval", v), Rejected, "{v:?}");
    }
    assert_eq!(c.heartbeat_interval, 60);
    assert_eq!(status(&mut c, "LocalPreAuthorize", "\u{a0}true"), Rejected);
    assert_eq!(
        status(
            &mut c,
            "MeterValuesSampledData",
            " Voltage ,\tPower.Active.Import "
        ),
        Accepted
    );
    assert_eq!(
        status(
            &mut c,
            "MeterValuesSampledData",
            "Voltage,\u{a0}Power.Active.Import"
        ),
        Rejected
    );
}

#[test]
fn booleans_are_case_insensitive() {
    let mut c = cfg();
    assert_eq!(status(&mut c, "LocalPreAuthorize", "True"), Accepted);
    assert!(c.local_pre_authorize);
    assert_eq!(value(&c, "LocalPreAuthorize").as_deref(), Some("true"));
    assert_eq!(status(&mut c, "LocalPreAuthorize", " FALSE "), Accepted);
    assert!(!c.local_pre_authorize);
    assert_eq!(value(&c, "LocalPreAuthorize").as_deref(), Some("false"));
}

/// The value class of each writable key, checked through ChangeConfiguration.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    Int { min: u32, max: u32 },
    Measurands,
    PhaseRotation,
    HexKey,
    Text,
}

fn kind(key: Key) -> Kind {
    use Key as K;
    match key {
        K::AllowOfflineTxForUnknownId
        | K::AuthorizationCacheEnabled
        | K::AuthorizeRemoteTxRequests
        | K::LocalAuthorizeOffline
        | K::LocalPreAuthorize
        | K::StopTransactionOnEVSideDisconnect
        | K::StopTransactionOnInvalidId
        | K::UnlockConnectorOnEVSideDisconnect
        | K::LocalAuthListEnabled => Kind::Bool,
        K::ConnectionTimeOut | K::MessageTimeout => Kind::Int {
            min: 1,
            max: i32::MAX as u32,
        },
        K::LightIntensity => Kind::Int { min: 0, max: 100 },
        K::SecurityProfile => Kind::Int { min: 0, max: 3 },
        K::MeterValuesAlignedData
        | K::MeterValuesSampledData
        | K::StopTxnAlignedData
        | K::StopTxnSampledData => Kind::Measurands,
        K::ConnectorPhaseRotation => Kind::PhaseRotation,
        K::AuthorizationKey => Kind::HexKey,
        K::CpoName => Kind::Text,
        _ => Kind::Int {
            min: 0,
            max: i32::MAX as u32,
        },
    }
}

#[test]
fn every_writable_key_takes_values_of_its_type_chapter_9() {
    for &key in Key::ALL.iter().filter(|k| k.writable()) {
        if key == Key::SecurityProfile {
            continue; // transition rules: see security_profile_only_increases_7_6
        }
        let name = key.name();
        let mut c = cfg();
        let (good, bad): (&[&str], &[&str]) = match kind(key) {
            Kind::Bool => (&["true", "false", "TRUE"], &["1", "0", "on", ""]),
            Kind::Int { min: 1, .. } => (&["1", "2147483647"], &["0", "-1", "x", "2147483648"]),
            Kind::Int { max: 100, .. } => (&["0", "100"], &["101", "-1", "x"]),
            Kind::Int { .. } => (&["0", "2147483647"], &["-1", "x", "1e3", "2147483648"]),
            Kind::Measurands => (
                &[
                    "",
                    ENERGY,
                    "Power.Active.Import,SoC",
                    "Voltage.L1,Current.Import.L2",
                    "Energy.Active.Import.Interval",
                ],
                &[
                    "Bogus",
                    "Energy",
                    "Voltage.L1-L2",
                    "Energy.Active.Import.Register.L1",
                ],
            ),
            Kind::PhaseRotation => (&["", "0.RST", "1.RTS,2.NotApplicable"], &["RST", "3.RST"]),
            Kind::HexKey => (&[AUTH_KEY], &["secret", ""]),
            Kind::Text => (&["Example CPO"], &[""]),
        };
        for v in good {
            let outcome = c.change(name, v);
            assert_eq!(outcome.status, Accepted, "{name}={v:?}");
            assert_eq!(outcome.changed, Some(KeyId::Standard(key)));
            if key.access() == Access::ReadWrite {
                let shown = value(&c, name).unwrap();
                if matches!(kind(key), Kind::Bool) {
                    assert_eq!(shown, v.to_ascii_lowercase(), "{name}");
                } else {
                    assert_eq!(shown, *v, "{name}");
                }
            }
        }
        for v in bad {
            assert_eq!(status(&mut c, name, v), Rejected, "{name}={v:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CSL keys (§9.1.7, §9.1.15-§9.1.28, errata 3.14)

#[test]
fn measurand_csl_is_trimmed_case_insensitive_and_canonical() {
    let mut c = cfg();
    let outcome = c.change(
        "MeterValuesSampledData",
        " energy.active.import.register , Power.Active.Import,Current.Import ",
    );
    assert_eq!(outcome.status, Accepted);
    assert_eq!(
        &c.meter_values_sampled_data[..],
        &[
            Measurand::EnergyActiveImportRegister,
            Measurand::PowerActiveImport,
            Measurand::CurrentImport
        ]
    );
    assert_eq!(
        value(&c, "MeterValuesSampledData").as_deref(),
        Some("Energy.Active.Import.Register,Power.Active.Import,Current.Import")
    );
    // Duplicates collapse, a trailing comma is harmless.
    assert_eq!(
        status(&mut c, "MeterValuesAlignedData", "SoC,SoC,"),
        Accepted
    );
    assert_eq!(value(&c, "MeterValuesAlignedData").as_deref(), Some("SoC"));
}

#[test]
fn an_unknown_measurand_rejects_the_whole_csl_errata_3_14_4() {
    let mut c = cfg();
    let before = c.clone();
    assert_eq!(
        status(
            &mut c,
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,Bogus"
        ),
        Rejected
    );
    assert_eq!(c, before, "no changes SHALL be made");
}

#[test]
fn an_unsupported_measurand_is_rejected_errata_3_14_4() {
    let mut c = cfg();
    c.set_supported_measurands(MeasurandSet::of(&[
        Measurand::EnergyActiveImportRegister,
        Measurand::PowerActiveImport,
    ]));
    assert_eq!(
        status(&mut c, "StopTxnSampledData", "Power.Active.Import"),
        Accepted
    );
    assert_eq!(status(&mut c, "StopTxnSampledData", "SoC"), Rejected);
    assert_eq!(
        &c.stop_txn_sampled_data[..],
        &[Measurand::PowerActiveImport]
    );
}

#[test]
fn set_supported_measurands_prunes_the_lists() {
    let mut c = cfg();
    assert_eq!(
        status(&mut c, "MeterValuesSampledData", "SoC,Voltage"),
        Accepted
    );
    c.set_supported_measurands(MeasurandSet::of(&[Measurand::Voltage]));
    assert_eq!(&c.meter_values_sampled_data[..], &[Measurand::Voltage]);
    assert!(c.meter_values_aligned_data.is_empty());
    assert!(!c.supported_measurands().contains(Measurand::SoC));
}

#[test]
fn a_csl_longer_than_its_max_length_is_rejected_5_3_9_1_18() {
    let mut c = cfg();
    let nine: Vec<&str> = Measurand::ALL.iter().take(9).map(|m| m.as_str()).collect();
    let eight = nine[..8].join(",");
    assert_eq!(status(&mut c, "MeterValuesSampledData", &eight), Accepted);
    assert_eq!(c.meter_values_sampled_data.len(), MAX_MEASURANDS);
    assert_eq!(
        status(&mut c, "MeterValuesSampledData", &nine.join(",")),
        Rejected
    );
    // A declared MaxLength below the capacity is enforced too.
    c.stop_txn_aligned_data_max_length = 1;
    assert_eq!(
        status(&mut c, "StopTxnAlignedData", "SoC,Voltage"),
        Rejected
    );
    assert_eq!(status(&mut c, "StopTxnAlignedData", "SoC"), Accepted);
}

#[test]
fn empty_stop_txn_csls_mean_no_meter_values_errata_3_14_5() {
    let mut c = cfg();
    assert_eq!(status(&mut c, "StopTxnSampledData", ENERGY), Accepted);
    assert_eq!(status(&mut c, "StopTxnSampledData", ""), Accepted);
    assert!(c.stop_txn_sampled_data.is_empty());
    assert_eq!(value(&c, "StopTxnSampledData").as_deref(), Some(""));
}

/// §9.1.17: "Where applicable, the Measurand is combined with the optional phase; for instance:
/// Voltage.L1". Applicable: the phases the readings have (`metering::QUALIFIED`), in all four
/// measurand keys; the value is shown as set (canonical spelling), entries count one each
/// against the `*MaxLength` keys (§9.1.16/9.1.18/9.1.26/9.1.28).
#[test]
fn phase_qualified_measurands_9_1_17() {
    let mut c = cfg();
    for key in [
        "MeterValuesSampledData",
        "MeterValuesAlignedData",
        "StopTxnSampledData",
        "StopTxnAlignedData",
    ] {
        assert_eq!(
            status(&mut c, key, "Voltage.L1,Current.Import.L2"),
            Accepted
        );
        assert_eq!(
            value(&c, key).as_deref(),
            Some("Voltage.L1,Current.Import.L2")
        );
        assert_eq!(
            status(&mut c, key, " voltage.l1-n , Current.Import.L3,Voltage"),
            Accepted
        );
        assert_eq!(
            value(&c, key).as_deref(),
            Some("Voltage.L1-N,Current.Import.L3,Voltage")
        );
        // Not applicable: no per-phase energy, power or offered current, no neutral or
        // line-to-line values in the readings; not a phase; not a measurand.
        for bad in [
            "Energy.Active.Import.Register.L1",
            "Power.Active.Import.L1",
            "Current.Offered.L1",
            "Current.Import.N",
            "Current.Import.L1-N",
            "Voltage.L1-L2",
            "Voltage.N",
            "Voltage.L4",
            "Voltage.",
            "Voltage.L1.L2",
            "Voltage,Voltage.L1-L2",
        ] {
            assert_eq!(status(&mut c, key, bad), Rejected, "{key}={bad}");
        }
        // Unchanged by the rejections.
        assert_eq!(
            value(&c, key).as_deref(),
            Some("Voltage.L1-N,Current.Import.L3,Voltage")
        );
    }
    // A duplicate counts once; distinct entries count one each against the max length.
    c.meter_values_sampled_data_max_length = 2;
    assert_eq!(
        status(
            &mut c,
            "MeterValuesSampledData",
            "Voltage.L1,voltage.L1,Voltage.L2"
        ),
        Accepted
    );
    assert_eq!(
        status(
            &mut c,
            "MeterValuesSampledData",
            "Voltage.L1,Voltage.L2,Voltage.L3"
        ),
        Rejected
    );
    // A measurand the meters lack is refused with or without a phase (errata 3.14.4).
    c.set_supported_measurands(MeasurandSet::of(&[Measurand::CurrentImport]));
    assert_eq!(value(&c, "MeterValuesSampledData").as_deref(), Some(""));
    assert_eq!(
        status(&mut c, "MeterValuesSampledData", "Voltage.L1"),
        Rejected
    );
    assert_eq!(
        status(&mut c, "MeterValuesSampledData", "Current.Import.L1"),
        Accepted
    );
}

/// §9.1.17 with a phase: the stored record keeps the qualified entries, and a record of a
/// firmware without them still reads.
#[test]
fn phase_qualified_measurands_survive_a_restore() {
    let mut c = cfg();
    assert_eq!(
        status(&mut c, "StopTxnSampledData", "Voltage.L1,Current.Import.L2"),
        Accepted
    );
    let mut buf = std::vec![0u8; store::ENCODED_LEN_MAX];
    let n = c.encode(&mut buf).unwrap();
    let text = core::str::from_utf8(&buf[..n]).unwrap();
    assert!(
        text.contains("\nStopTxnSampledData=Voltage.L1,Current.Import.L2\n"),
        "{text}"
    );
    let mut back = cfg();
    back.restore(&buf[..n]).unwrap();
    assert_eq!(back.stop_txn_sampled_data, c.stop_txn_sampled_data);
    // An old record (plain measurands only) reads as before.
    let mut old = cfg();
    old.restore(b"ocpp-config v1\nMeterValuesSampledData=Voltage,Current.Import\n")
        .unwrap();
    assert_eq!(
        &old.meter_values_sampled_data[..],
        &[Measurand::Voltage, Measurand::CurrentImport]
    );
}

#[test]
fn connector_phase_rotation_9_1_7() {
    let mut c = cfg();
    // The spec's example, with its spaces.
    assert_eq!(
        status(&mut c, "ConnectorPhaseRotation", "0.RST, 1.RST, 2.RTS"),
        Accepted
    );
    assert_eq!(c.connector_phase_rotation.as_str(), "0.RST,1.RST,2.RTS");
    assert_eq!(
        status(
            &mut c,
            "ConnectorPhaseRotation",
            "1.notapplicable,2.unknown"
        ),
        Accepted
    );
    assert_eq!(
        value(&c, "ConnectorPhaseRotation").as_deref(),
        Some("1.NotApplicable,2.Unknown")
    );
    for bad in [
        "3.RST",       // no connector 3
        "1.RST,1.TSR", // twice
        "1.XYZ",
        "RST",
        "-1.RST",
        ".RST",
        "1.",
    ] {
        assert_eq!(
            status(&mut c, "ConnectorPhaseRotation", bad),
            Rejected,
            "{bad}"
        );
    }
    assert_eq!(
        c.connector_phase_rotation.as_str(),
        "1.NotApplicable,2.Unknown"
    );
}

#[test]
fn connector_phase_rotation_respects_its_max_length_9_1_8() {
    let mut c = Configuration::new(40);
    let items: Vec<String> = (0..=CONNECTOR_PHASE_ROTATION_MAX_LENGTH)
        .map(|i| std::format!("{i}.NotApplicable"))
        .collect();
    let full = items[..CONNECTOR_PHASE_ROTATION_MAX_LENGTH].join(",");
    assert_eq!(status(&mut c, "ConnectorPhaseRotation", &full), Accepted);
    assert_eq!(
        status(&mut c, "ConnectorPhaseRotation", &items.join(",")),
        Rejected
    );
    // The default lists connectors 1 to 16.
    let default = Configuration::new(40).connector_phase_rotation;
    assert!(default.as_str().starts_with("1.Unknown,2.Unknown,"));
    assert!(default.as_str().ends_with(",16.Unknown"));
    assert_eq!(Configuration::new(0).connector_phase_rotation.as_str(), "");
}

// ---------------------------------------------------------------------------------------------
// Integrator setup

#[test]
fn make_read_only_for_a_fixed_cable_errata_3_83() {
    let mut c = cfg();
    c.unlock_connector_on_ev_side_disconnect = false;
    c.make_read_only(Key::UnlockConnectorOnEVSideDisconnect);
    assert_eq!(
        status(&mut c, "UnlockConnectorOnEVSideDisconnect", "true"),
        Rejected
    );
    let kv = c.get("UnlockConnectorOnEVSideDisconnect").unwrap();
    assert!(kv.readonly);
    assert_eq!(kv.value.as_deref(), Some("false"));
}

#[test]
fn omitted_optional_keys_are_unknown_9() {
    let mut c = cfg();
    c.omit(Key::AuthorizationCacheEnabled).unwrap();
    assert_eq!(c.omit(Key::HeartbeatInterval), Err(ConfigError::Required));
    assert_eq!(c.get("AuthorizationCacheEnabled"), None);
    assert_eq!(
        status(&mut c, "AuthorizationCacheEnabled", "false"),
        NotSupported
    );
    assert_eq!(c.iter().count(), STANDARD_KEY_COUNT - 1);
    assert!(
        c.iter()
            .all(|kv| kv.key.as_str() != "AuthorizationCacheEnabled")
    );
    assert_eq!(c.access(Key::AuthorizationCacheEnabled), None);
}

// ---------------------------------------------------------------------------------------------
// Vendor keys

#[test]
fn vendor_keys_accept_reject_and_require_reboot() {
    let mut c = cfg();
    let plain = c
        .add_vendor_key("ExampleLedMode", "blink", Access::ReadWrite, false)
        .unwrap();
    let reboot = c
        .add_vendor_key("ExampleModemApn", "internet", Access::ReadWrite, true)
        .unwrap();
    c.add_vendor_key("ExampleSerial", "SN1", Access::ReadOnly, false)
        .unwrap();

    let outcome = c.change("exampleledmode", "steady");
    assert_eq!(outcome.status, Accepted);
    assert_eq!(outcome.changed, Some(KeyId::Vendor(plain)));
    assert_eq!(c.vendor_value("ExampleLedMode"), Some("steady"));

    let outcome = c.change("ExampleModemApn", "m2m");
    assert_eq!(outcome.status, RebootRequired); // §5.3: applied, effective after reboot
    assert_eq!(outcome.changed, Some(KeyId::Vendor(reboot)));
    assert_eq!(c.vendor_value("ExampleModemApn"), Some("m2m"));
    assert_eq!(c.vendor_key_name(reboot), Some("ExampleModemApn"));

    assert_eq!(status(&mut c, "ExampleSerial", "SN2"), Rejected);
    assert_eq!(c.vendor_value("ExampleSerial"), Some("SN1"));
    c.set_vendor_value("ExampleSerial", "SN2").unwrap();
    assert_eq!(value(&c, "ExampleSerial").as_deref(), Some("SN2"));
    assert!(c.get("ExampleSerial").unwrap().readonly);

    // Values that storage or GetConfiguration could not carry.
    assert_eq!(status(&mut c, "ExampleLedMode", "a\nb"), Rejected);
    assert_eq!(status(&mut c, "ExampleLedMode", &"x".repeat(501)), Rejected);
    assert_eq!(status(&mut c, "ExampleLedMode", &"x".repeat(500)), Accepted);
}

#[test]
fn vendor_keys_share_their_pool_and_what_does_not_fit_is_refused() {
    use crate::limits::VENDOR_KEY_BYTES;
    let mut c = cfg();
    // Each entry costs 4 bytes plus its name and value.
    c.add_vendor_key("A", "1", Access::ReadWrite, false)
        .unwrap();
    c.add_vendor_key("B", &"b".repeat(500), Access::ReadWrite, false)
        .unwrap();
    c.add_vendor_key("C", "3", Access::ReadOnly, false).unwrap();
    c.add_vendor_key("E", &"e".repeat(300), Access::ReadWrite, false)
        .unwrap();
    let room = VENDOR_KEY_BYTES - (4 * 4 + 4 + 1 + 500 + 1 + 300);
    assert!(
        room > 10 && room + 100 < 500,
        "the test assumes a pool of about 1 KB"
    );
    // A key whose value does not fit is refused, and nothing changes.
    assert_eq!(
        c.add_vendor_key("D", &"d".repeat(room - 4), Access::ReadWrite, false),
        Err(ConfigError::VendorKeysFull)
    );
    assert_eq!(c.vendor_value("D"), None);
    // Growing the first value moves the others intact.
    assert_eq!(status(&mut c, "A", &"a".repeat(100)), Accepted);
    let room = room - 99;
    assert_eq!(c.vendor_value("A"), Some("a".repeat(100).as_str()));
    assert_eq!(c.vendor_value("B"), Some("b".repeat(500).as_str()));
    assert_eq!(c.vendor_value("C"), Some("3"));
    assert_eq!(c.vendor_value("E"), Some("e".repeat(300).as_str()));
    // ChangeConfiguration beyond the pool: Rejected (§5.3), the value stays.
    assert_eq!(status(&mut c, "A", &"a".repeat(100 + room + 1)), Rejected);
    assert_eq!(c.vendor_value("A"), Some("a".repeat(100).as_str()));
    assert_eq!(
        c.set_vendor_value("C", &"c".repeat(1 + room + 1)),
        Err(ConfigError::VendorKeysFull)
    );
    assert_eq!(c.vendor_value("C"), Some("3"));
    // Exactly full is fine; shrinking frees room again.
    assert_eq!(status(&mut c, "A", &"a".repeat(100 + room)), Accepted);
    assert_eq!(c.vendor_value("B"), Some("b".repeat(500).as_str()));
    assert_eq!(c.vendor_value("E"), Some("e".repeat(300).as_str()));
    assert_eq!(status(&mut c, "B", ""), Accepted);
    c.add_vendor_key("D", &"d".repeat(400), Access::WriteOnly, true)
        .unwrap();
    assert_eq!(c.vendor_value("D"), Some("d".repeat(400).as_str()));
    assert_eq!(c.vendor_value("C"), Some("3"));
    let d = c.get("D").unwrap();
    assert!(!d.readonly && d.value.is_none());
    assert_eq!(c.change("D", "x").status, RebootRequired);
}

#[test]
fn vendor_key_registration_is_checked() {
    let mut c = cfg();
    let rw = Access::ReadWrite;
    assert_eq!(
        c.add_vendor_key("", "", rw, false),
        Err(ConfigError::InvalidKey)
    );
    assert_eq!(
        c.add_vendor_key("A=B", "", rw, false),
        Err(ConfigError::InvalidKey)
    );
    assert_eq!(
        c.add_vendor_key("A\nB", "", rw, false),
        Err(ConfigError::InvalidKey)
    );
    assert_eq!(
        c.add_vendor_key(&"K".repeat(51), "", rw, false),
        Err(ConfigError::InvalidKey)
    );
    assert_eq!(
        c.add_vendor_key("heartbeatinterval", "", rw, false),
        Err(ConfigError::DuplicateKey)
    );
    assert_eq!(
        c.add_vendor_key("Mine", "a\rb", rw, false),
        Err(ConfigError::InvalidValue)
    );
    c.add_vendor_key("Mine", "", rw, false).unwrap();
    assert_eq!(
        c.add_vendor_key("MINE", "", rw, false),
        Err(ConfigError::DuplicateKey)
    );
    assert_eq!(
        c.set_vendor_value("Other", "x"),
        Err(ConfigError::UnknownKey)
    );
    assert_eq!(c.vendor_value("Other"), None);
}

#[test]
fn write_only_vendor_keys_are_listed_without_value() {
    let mut c = cfg();
    c.add_vendor_key("ExampleSecret", "s3cret", Access::WriteOnly, false)
        .unwrap();
    let kv = c.get("ExampleSecret").unwrap();
    assert!(!kv.readonly);
    assert_eq!(kv.value, None);
    assert_eq!(status(&mut c, "ExampleSecret", "other"), Accepted);
    assert_eq!(c.vendor_value("ExampleSecret"), Some("other"));
    assert!(!std::format!("{c:?}").contains("other"));
}

// ---------------------------------------------------------------------------------------------
// Security extension (whitepaper chapter 7)

#[test]
fn authorization_key_is_never_reported_7_2() {
    let mut c = cfg();
    let outcome = c.change("AuthorizationKey", AUTH_KEY);
    assert_eq!(outcome.status, Accepted);
    assert_eq!(
        outcome.changed,
        Some(KeyId::Standard(Key::AuthorizationKey))
    );
    assert_eq!(
        c.authorization_key.as_ref().map(AuthorizationKey::as_str),
        Some(AUTH_KEY)
    );
    let kv = c.get("AuthorizationKey").unwrap();
    assert!(!kv.readonly, "write-only, not read-only");
    assert_eq!(kv.value, None);
    for kv in c.iter() {
        assert!(
            kv.value.as_deref().is_none_or(|v| !v.contains(AUTH_KEY)),
            "{} shows the key",
            kv.key
        );
    }
    // A01.FR.12: not in logs either.
    assert!(!std::format!("{c:?}").contains(AUTH_KEY));
}

#[test]
fn authorization_key_format_7_2() {
    let mut c = cfg();
    let min = "00112233445566778899aabbccddeeff"; // 16 bytes
    assert_eq!(status(&mut c, "AuthorizationKey", min), Accepted);
    for bad in [
        "00112233445566778899aabbccddee",             // 15 bytes
        "0123456789abcdef0123456789abcdef0123456789", // 21 bytes
        "0123456789abcdef0123456789abcdef012",        // odd number of digits
        "0123456789abcdef0123456789abcdefghijklmn",   // not hexadecimal
    ] {
        assert_eq!(status(&mut c, "AuthorizationKey", bad), Rejected, "{bad}");
    }
    assert_eq!(c.authorization_key.as_ref().unwrap().as_str(), min);
}

#[test]
fn security_profile_only_increases_7_6() {
    let mut c = cfg();
    let certs = SecurityPrerequisites {
        central_system_root_certificate: true,
        charge_point_certificate: true,
    };
    // A05.FR.02: profile 1 needs an AuthorizationKey.
    assert_eq!(status(&mut c, "SecurityProfile", "1"), Rejected);
    assert_eq!(status(&mut c, "AuthorizationKey", AUTH_KEY), Accepted);
    let outcome = c.change("SecurityProfile", "1");
    assert_eq!(outcome.status, Accepted); // A05.FR.05, then reconnect
    assert_eq!(outcome.changed, Some(KeyId::Standard(Key::SecurityProfile)));
    assert_eq!(c.security_profile, 1);
    // A05.FR.01: lower or equal is Rejected.
    assert_eq!(status(&mut c, "SecurityProfile", "1"), Rejected);
    assert_eq!(status(&mut c, "SecurityProfile", "0"), Rejected);
    // A05.FR.03: profile 2 needs a CentralSystemRootCertificate.
    assert_eq!(status(&mut c, "SecurityProfile", "2"), Rejected);
    // A05.FR.04: profile 3 needs a ChargePointCertificate.
    let root_only = SecurityPrerequisites {
        central_system_root_certificate: true,
        charge_point_certificate: false,
    };
    assert_eq!(
        c.change_with("SecurityProfile", "3", root_only).status,
        Rejected
    );
    assert_eq!(
        c.change_with("SecurityProfile", "2", root_only).status,
        Accepted
    );
    assert_eq!(
        c.change_with("SecurityProfile", "4", certs).status,
        Rejected
    );
    assert_eq!(
        c.change_with("SecurityProfile", "3", certs).status,
        Accepted
    );
    assert_eq!(c.security_profile, 3);
    assert_eq!(
        c.change_with("SecurityProfile", "2", certs).status,
        Rejected
    );
    assert_eq!(value(&c, "SecurityProfile").as_deref(), Some("3"));
}

#[test]
fn security_profile_3_needs_no_authorization_key_7_6() {
    let mut c = cfg();
    let certs = SecurityPrerequisites {
        central_system_root_certificate: true,
        charge_point_certificate: true,
    };
    assert_eq!(
        c.change_with("SecurityProfile", "2", certs).status,
        Rejected
    );
    assert_eq!(
        c.change_with("SecurityProfile", "3", certs).status,
        Accepted
    );
}

#[test]
fn cpo_name_7_5() {
    let mut c = cfg();
    assert_eq!(status(&mut c, "CpoName", "Example Charging B.V."), Accepted);
    assert_eq!(
        value(&c, "CpoName").as_deref(),
        Some("Example Charging B.V.")
    );
    assert_eq!(
        status(&mut c, "CpoName", &"x".repeat(CPO_NAME_MAX_LEN + 1)),
        Rejected
    );
}

// ---------------------------------------------------------------------------------------------
// Persistence

fn encode(c: &Configuration) -> Vec<u8> {
    let mut buf = std::vec![0; ENCODED_LEN_MAX];
    let n = c.encode(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn setup() -> Configuration {
    let mut c = cfg();
    c.add_vendor_key("VendorRw", "a", Access::ReadWrite, false)
        .unwrap();
    c.add_vendor_key("VendorWo", "b", Access::WriteOnly, true)
        .unwrap();
    c.add_vendor_key("VendorRo", "c", Access::ReadOnly, false)
        .unwrap();
    c
}

#[test]
fn encode_restore_round_trip() {
    let mut c = setup();
    for (k, v) in [
        ("HeartbeatInterval", "42"),
        ("LocalPreAuthorize", "true"),
        ("MeterValuesSampledData", "SoC,Voltage"),
        ("StopTxnAlignedData", ENERGY),
        ("ConnectorPhaseRotation", "0.RST,2.TSR"),
        ("AuthorizationKey", AUTH_KEY),
        ("SecurityProfile", "1"),
        ("CpoName", "Example = CPO"),
        ("VendorRw", "x=y"),
        ("VendorWo", "hidden"),
    ] {
        assert!(c.change(k, v).changed.is_some(), "{k}");
    }
    let record = encode(&c);
    let text = core::str::from_utf8(&record).unwrap();
    assert!(text.starts_with("ocpp-config v1\nAllowOfflineTxForUnknownId=false\n"));
    assert!(text.contains("\nHeartbeatInterval=42\n"));
    assert!(text.contains("\nMeterValuesSampledData=SoC,Voltage\n"));
    assert!(text.contains("\nVendorRw=x=y\n"));
    assert!(
        !text.contains("NumberOfConnectors"),
        "read-only keys are not stored"
    );
    assert!(!text.contains("VendorRo"));
    assert!(record.len() <= ENCODED_LEN_MAX);

    let mut restored = setup();
    restored.restore(&record).unwrap();
    assert_eq!(restored, c);
}

#[test]
fn encode_refuses_a_small_buffer() {
    let c = cfg();
    let needed = encode(&c).len();
    let mut buf = std::vec![0; needed - 1];
    assert_eq!(c.encode(&mut buf), Err(ConfigError::BufferFull));
    assert_eq!(c.encode(&mut []), Err(ConfigError::BufferFull));
    let mut buf = std::vec![0; needed];
    assert_eq!(c.encode(&mut buf), Ok(needed));
}

#[test]
fn encode_refuses_line_breaks_set_directly() {
    let mut c = cfg();
    c.cpo_name = Some(CpoName::try_from("a\nMessageTimeout=1").unwrap());
    let mut buf = [0; ENCODED_LEN_MAX];
    assert_eq!(c.encode(&mut buf), Err(ConfigError::InvalidValue));
}

#[test]
fn encoded_len_max_bounds_the_largest_configuration() {
    let mut c = Configuration::new(u32::MAX);
    let longest: Vec<&str> = {
        let mut all: Vec<&str> = Measurand::ALL.iter().map(|m| m.as_str()).collect();
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all.truncate(MAX_MEASURANDS);
        all
    };
    for key in [
        "MeterValuesAlignedData",
        "MeterValuesSampledData",
        "StopTxnAlignedData",
        "StopTxnSampledData",
    ] {
        assert_eq!(status(&mut c, key, &longest.join(",")), Accepted);
    }
    let rotation: Vec<String> = (0..CONNECTOR_PHASE_ROTATION_MAX_LENGTH)
        .map(|i| std::format!("{}.NotApplicable", 4_294_967_295 - i))
        .collect();
    assert_eq!(
        status(&mut c, "ConnectorPhaseRotation", &rotation.join(",")),
        Accepted
    );
    assert_eq!(status(&mut c, "AuthorizationKey", AUTH_KEY), Accepted);
    assert_eq!(
        status(&mut c, "CpoName", &"n".repeat(CPO_NAME_MAX_LEN)),
        Accepted
    );
    for key in Key::ALL {
        if matches!(kind(*key), Kind::Int { .. }) && key.writable() && *key != Key::SecurityProfile
        {
            let max = if *key == Key::LightIntensity {
                "100"
            } else {
                "2147483647"
            };
            assert_eq!(status(&mut c, key.name(), max), Accepted, "{key:?}");
        }
    }
    c.heartbeat_interval = u32::MAX;
    // Vendor keys: names of 50 bytes and the longest values the pool takes.
    for i in 0..MAX_VENDOR_KEYS {
        let name = std::format!("{i:0>50}");
        let _ = (0..=500).rev().find(|&n| {
            c.add_vendor_key(&name, &"v".repeat(n), Access::ReadWrite, false)
                .is_ok()
        });
    }
    let record = encode(&c);
    assert!(record.len() <= ENCODED_LEN_MAX);
    assert_eq!(<Configuration>::encoded_len_max(), ENCODED_LEN_MAX);
    std::println!(
        "ENCODED_LEN_MAX = {ENCODED_LEN_MAX}, largest record = {}",
        record.len()
    );
}

#[test]
fn restore_rejects_a_bad_header_and_changes_nothing() {
    for (data, err) in [
        (&b""[..], ConfigError::BadHeader),
        (b"HeartbeatInterval=1\n", ConfigError::BadHeader),
        (
            b"ocpp-config\nHeartbeatInterval=1\n",
            ConfigError::BadHeader,
        ),
        (
            b"ocpp-config v1 \nHeartbeatInterval=1\n",
            ConfigError::BadHeader,
        ),
        (b"\xff\xfe\nHeartbeatInterval=1\n", ConfigError::BadHeader),
        (
            b"ocpp-config v2\nHeartbeatInterval=1\n",
            ConfigError::UnsupportedVersion(2),
        ),
    ] {
        let mut c = cfg();
        assert_eq!(c.restore(data), Err(err), "{data:?}");
        assert_eq!(c, cfg());
    }
}

#[test]
fn restore_skips_what_it_does_not_understand() {
    let mut c = setup();
    let record = b"ocpp-config v1\r\n\
        HeartbeatInterval=120\r\n\
        SomeFutureKey=whatever\n\
        \n\
        not a key value line\n\
        LightIntensity=250\n\
        MeterValuesSampledData=Energy.Active.Import.Register,FutureMeasurand\n\
        NumberOfConnectors=99\n\
        GetConfigurationMaxKeys=1000\n\
        VendorRo=changed\n\
        VendorRw=restored\n\
        Bad\xffUtf8=1\n\
        =\n\
        LocalPreAuthorize=true";
    c.restore(record).unwrap();
    let mut expected = setup();
    expected.heartbeat_interval = 120;
    expected.local_pre_authorize = true; // last line, without a line break
    expected.set_vendor_value("VendorRw", "restored").unwrap();
    assert_eq!(c, expected);
}

#[test]
fn restore_never_lowers_the_security_profile_7_6() {
    let mut c = cfg();
    c.security_profile = 2; // provisioned at the factory
    c.restore(b"ocpp-config v1\nSecurityProfile=1\n").unwrap();
    assert_eq!(c.security_profile, 2);
    c.restore(b"ocpp-config v1\nSecurityProfile=3\n").unwrap();
    assert_eq!(c.security_profile, 3);
    c.restore(b"ocpp-config v1\nSecurityProfile=9\n").unwrap();
    assert_eq!(c.security_profile, 3);
}

#[test]
fn restore_skips_keys_made_read_only() {
    let mut c = cfg();
    c.unlock_connector_on_ev_side_disconnect = false;
    c.make_read_only(Key::UnlockConnectorOnEVSideDisconnect);
    c.restore(b"ocpp-config v1\nUnlockConnectorOnEVSideDisconnect=true\n")
        .unwrap();
    assert!(!c.unlock_connector_on_ev_side_disconnect);
    assert!(
        !core::str::from_utf8(&encode(&c))
            .unwrap()
            .contains("UnlockConnectorOnEVSideDisconnect")
    );
}

// ---------------------------------------------------------------------------------------------
// Totality: no input panics, and what is accepted survives storage.

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(Key::ALL).prop_map(|k| String::from(k.name())),
        Just(String::from("VendorRw")),
        Just(String::from("VendorWo")),
        ".{0,60}",
    ]
}

fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,12}",
        "(?i)(true|false)",
        proptest::collection::vec(
            proptest::sample::select(Measurand::ALL).prop_map(Measurand::as_str),
            0..12
        )
        .prop_map(|v| v.join(",")),
        "([0-3]\\.(RST|TSR|Unknown|Bogus), ?){0,4}",
        "[0-9a-fA-F]{30,42}",
        ".{0,600}",
    ]
}

proptest! {
    #[test]
    fn changes_never_panic_and_survive_storage(
        changes in proptest::collection::vec((any_key(), any_value()), 0..20)
    ) {
        let mut c = setup();
        for (k, v) in &changes {
            let before = c.clone();
            let outcome = c.change(k, v);
            match outcome.status {
                Accepted | RebootRequired => prop_assert!(outcome.changed.is_some()),
                _ => {
                    prop_assert_eq!(outcome.changed, None);
                    prop_assert_eq!(&c, &before);
                }
            }
        }
        let record = encode(&c);
        prop_assert!(record.len() <= ENCODED_LEN_MAX);
        let mut restored = setup();
        prop_assert_eq!(restored.restore(&record), Ok(()));
        prop_assert_eq!(restored, c);
    }

    #[test]
    fn restore_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut c = setup();
        let _ = c.restore(&data);
        let mut with_header = HEADER.as_bytes().to_vec();
        with_header.push(b'\n');
        with_header.extend_from_slice(&data);
        prop_assert_eq!(c.restore(&with_header), Ok(()));
    }
}
