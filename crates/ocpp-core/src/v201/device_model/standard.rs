//! The standardized components and variables a charging station of the Core profile has: the
//! "Required Core components/variables" of part 6 (§2.3, the table before TC_B_57_CS), the
//! variables of the optional functional blocks this crate implements (local list, smart
//! charging), and the few optional variables the Core use cases read (`HeartbeatInterval`,
//! `NextTimeOffsetTransitionDateTime` of TC_B_11_CS, `ItemsPerMessage`/`BytesPerMessage`).
//! Names, instances, data types, units and mutability are those of the appendices (§3); the
//! defaults are this crate's choice for a single-EVSE, single-connector AC station and are
//! the integrator's to override (`DeviceModel::set_internal`). See docs/architecture.md,
//! "Device model", for the table of what is included and why.

use super::types::{AttributeDef, ComponentKey, VariableDef};
use crate::limits::{REPORT_ITEMS_PER_MESSAGE, VARIABLES_PER_MESSAGE};
use crate::v201::{AttributeEnum, DataEnum, MutabilityEnum};

const ALIGNED: ComponentKey = ComponentKey::named("AlignedDataCtrlr");
const AUTH: ComponentKey = ComponentKey::named("AuthCtrlr");
const AUTH_CACHE: ComponentKey = ComponentKey::named("AuthCacheCtrlr");
const STATION: ComponentKey = ComponentKey::named("ChargingStation");
const CLOCK: ComponentKey = ComponentKey::named("ClockCtrlr");
const CONNECTOR: ComponentKey = ComponentKey::connector("Connector", 1, 1);
const DEVICE_DATA: ComponentKey = ComponentKey::named("DeviceDataCtrlr");
const EVSE: ComponentKey = ComponentKey::evse("EVSE", 1);
const LOCAL_LIST: ComponentKey = ComponentKey::named("LocalAuthListCtrlr");
const COMM: ComponentKey = ComponentKey::named("OCPPCommCtrlr");
const RESERVATION: ComponentKey = ComponentKey::named("ReservationCtrlr");
const SAMPLED: ComponentKey = ComponentKey::named("SampledDataCtrlr");
const SECURITY: ComponentKey = ComponentKey::named("SecurityCtrlr");
const SMART: ComponentKey = ComponentKey::named("SmartChargingCtrlr");
const TX: ComponentKey = ComponentKey::named("TxCtrlr");

/// The measurands a station with an energy meter reports (`MeasurandEnumType` strings).
const MEASURANDS: &str =
    "Current.Import,Energy.Active.Import.Register,Power.Active.Import,Voltage,SoC";
const AVAILABILITY: &str = "Available,Occupied,Reserved,Unavailable,Faulted";
const TX_POINTS: &str =
    "ParkingBayOccupancy,EVConnected,Authorized,PowerPathClosed,EnergyTransfer,DataSigned";

/// A count of 1 to 16 as text (the message bounds below; the assertion after it fails the build
/// for a larger bound).
const fn usize_text(n: usize) -> &'static str {
    match n {
        1 => "1",
        2 => "2",
        3 => "3",
        4 => "4",
        5 => "5",
        6 => "6",
        7 => "7",
        8 => "8",
        9 => "9",
        10 => "10",
        11 => "11",
        12 => "12",
        13 => "13",
        14 => "14",
        15 => "15",
        16 => "16",
        _ => "",
    }
}

const _: () = assert!(
    VARIABLES_PER_MESSAGE >= 2
        && VARIABLES_PER_MESSAGE <= 17
        && REPORT_ITEMS_PER_MESSAGE >= 1
        && REPORT_ITEMS_PER_MESSAGE <= 16,
    "the ItemsPerMessage defaults are written for message bounds of 1 to 16 items"
);

/// The message bounds of this build (`crate::limits`), as the ReadOnly `ItemsPerMessage`
/// variables report them. Get/SetVariables report one less than the list bound: TC_B_08_CS
/// sends `ItemsPerMessageGetVariables + 1` items and expects a response (all or the last
/// Rejected), which only a request the decoder accepts can get; one more than the list bound
/// would be refused at decoding (CALLERROR OccurrenceConstraintViolation).
const ITEMS_GET_VARIABLES: &str = usize_text(VARIABLES_PER_MESSAGE - 1);
const ITEMS_GET_REPORT: &str = usize_text(REPORT_ITEMS_PER_MESSAGE);

use DataEnum::{Boolean, Decimal, Integer, MemberList, OptionList, SequenceList};

/// The standardized variables, grouped by component, in report order.
pub static STANDARD: &[VariableDef] = &[
    // AlignedDataCtrlr (J01): required.
    VariableDef::rw(ALIGNED, "Enabled", Boolean, "true"),
    VariableDef::rw(ALIGNED, "Interval", Integer, "900")
        .unit("s")
        .min(0),
    VariableDef::rw(
        ALIGNED,
        "Measurands",
        MemberList,
        "Energy.Active.Import.Register",
    )
    .values(MEASURANDS)
    .max(5),
    VariableDef::rw(ALIGNED, "TxEndedInterval", Integer, "0")
        .unit("s")
        .min(0),
    VariableDef::rw(
        ALIGNED,
        "TxEndedMeasurands",
        MemberList,
        "Energy.Active.Import.Register",
    )
    .values(MEASURANDS)
    .max(5),
    // AuthCacheCtrlr (C10-C12): optional block; present so the CSMS can switch it off.
    VariableDef::rw(AUTH_CACHE, "Enabled", Boolean, "true"),
    VariableDef::ro(AUTH_CACHE, "Available", Boolean, "true").constant(),
    VariableDef::rw(AUTH_CACHE, "LifeTime", Integer, "86400")
        .unit("s")
        .min(0),
    // AuthCtrlr (C01-C09): required.
    VariableDef::rw(AUTH, "Enabled", Boolean, "true"),
    VariableDef::rw(AUTH, "AuthorizeRemoteStart", Boolean, "true"),
    VariableDef::rw(AUTH, "LocalAuthorizeOffline", Boolean, "true"),
    VariableDef::rw(AUTH, "LocalPreAuthorize", Boolean, "false"),
    // ChargingStation: required (its state values are set by the station, `set_internal`).
    VariableDef::ro(STATION, "AvailabilityState", OptionList, "Available").values(AVAILABILITY),
    VariableDef::ro(STATION, "Available", Boolean, "true"),
    VariableDef::ro(STATION, "SupplyPhases", Integer, "3")
        .constant()
        .min(0)
        .max(3),
    // ClockCtrlr (B01, TC_B_11_CS): DateTime and TimeSource required.
    VariableDef::ro(CLOCK, "DateTime", DataEnum::DateTime, ""),
    VariableDef::rw(CLOCK, "TimeSource", SequenceList, "Heartbeat")
        .values("Heartbeat,NTP,GPS,RealTimeClock,MobileNetwork,RadioTimeTransmitter"),
    VariableDef::rw(
        CLOCK,
        "NextTimeOffsetTransitionDateTime",
        DataEnum::DateTime,
        "",
    ),
    // Connector 1 of EVSE 1: required per connector.
    VariableDef::ro(CONNECTOR, "AvailabilityState", OptionList, "Available").values(AVAILABILITY),
    VariableDef::ro(CONNECTOR, "Available", Boolean, "true"),
    VariableDef::ro(CONNECTOR, "ConnectorType", DataEnum::String, "cType2").constant(),
    VariableDef::ro(CONNECTOR, "SupplyPhases", Integer, "3")
        .constant()
        .min(0)
        .max(3),
    // DeviceDataCtrlr (B06, B07, B05): required; the bounds of this build.
    VariableDef::ro(DEVICE_DATA, "BytesPerMessage", Integer, "65000")
        .instance("GetReport")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "BytesPerMessage", Integer, "65000")
        .instance("GetVariables")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "BytesPerMessage", Integer, "65000")
        .instance("SetVariables")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "ItemsPerMessage", Integer, ITEMS_GET_REPORT)
        .instance("GetReport")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "ItemsPerMessage", Integer, ITEMS_GET_VARIABLES)
        .instance("GetVariables")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "ItemsPerMessage", Integer, ITEMS_GET_VARIABLES)
        .instance("SetVariables")
        .constant(),
    VariableDef::ro(DEVICE_DATA, "ValueSize", Integer, "1000").constant(),
    // EVSE 1: required per EVSE.
    VariableDef::ro(EVSE, "AvailabilityState", OptionList, "Available").values(AVAILABILITY),
    VariableDef::ro(EVSE, "Available", Boolean, "true"),
    VariableDef::ro(EVSE, "Power", Decimal, "0")
        .unit("W")
        .max(22_000)
        .with_attributes(&[(
            AttributeEnum::MaxSet,
            AttributeDef {
                mutability: MutabilityEnum::ReadOnly,
                default: "22000",
            },
        )]),
    VariableDef::ro(EVSE, "SupplyPhases", Integer, "3")
        .constant()
        .min(0)
        .max(3),
    // LocalAuthListCtrlr (D01, D02): required when the block is supported (this crate has it).
    VariableDef::rw(LOCAL_LIST, "Enabled", Boolean, "true"),
    VariableDef::ro(LOCAL_LIST, "Entries", Integer, "0").max(1000),
    VariableDef::ro(LOCAL_LIST, "ItemsPerMessage", Integer, "16").constant(),
    VariableDef::ro(LOCAL_LIST, "BytesPerMessage", Integer, "65000").constant(),
    // OCPPCommCtrlr (B01-B04, B09, E13, part 4 §5): required, HeartbeatInterval optional.
    VariableDef::ro(COMM, "FileTransferProtocols", MemberList, "HTTPS")
        .values("FTP,FTPS,HTTP,HTTPS,SFTP")
        .constant(),
    VariableDef::rw(COMM, "HeartbeatInterval", Integer, "86400")
        .unit("s")
        .min(0),
    VariableDef::ro(COMM, "MessageTimeout", Integer, "30")
        .instance("Default")
        .unit("s"),
    VariableDef::rw(COMM, "MessageAttemptInterval", Integer, "60")
        .instance("TransactionEvent")
        .unit("s")
        .min(0),
    VariableDef::rw(COMM, "MessageAttempts", Integer, "3")
        .instance("TransactionEvent")
        .min(0),
    VariableDef::rw(COMM, "NetworkConfigurationPriority", SequenceList, "1")
        .values("1,2,3,4,5")
        .reboot(),
    VariableDef::rw(COMM, "NetworkProfileConnectionAttempts", Integer, "3").min(0),
    VariableDef::rw(COMM, "OfflineThreshold", Integer, "600")
        .unit("s")
        .min(0),
    VariableDef::rw(COMM, "ResetRetries", Integer, "2").min(0),
    VariableDef::rw(COMM, "UnlockOnEVSideDisconnect", Boolean, "true"),
    VariableDef::rw(COMM, "WebSocketPingInterval", Integer, "30")
        .unit("s")
        .min(0),
    // ReservationCtrlr (H01): optional block, implemented.
    VariableDef::rw(RESERVATION, "Enabled", Boolean, "true"),
    VariableDef::ro(RESERVATION, "Available", Boolean, "true").constant(),
    VariableDef::ro(RESERVATION, "NonEvseSpecific", Boolean, "false").constant(),
    // SampledDataCtrlr (J02): required.
    VariableDef::rw(SAMPLED, "Enabled", Boolean, "true"),
    VariableDef::rw(SAMPLED, "TxEndedInterval", Integer, "0")
        .unit("s")
        .min(0),
    VariableDef::rw(
        SAMPLED,
        "TxEndedMeasurands",
        MemberList,
        "Energy.Active.Import.Register",
    )
    .values(MEASURANDS)
    .max(5),
    VariableDef::rw(
        SAMPLED,
        "TxStartedMeasurands",
        MemberList,
        "Energy.Active.Import.Register",
    )
    .values(MEASURANDS)
    .max(5),
    VariableDef::rw(SAMPLED, "TxUpdatedInterval", Integer, "60")
        .unit("s")
        .min(0),
    VariableDef::rw(
        SAMPLED,
        "TxUpdatedMeasurands",
        MemberList,
        "Energy.Active.Import.Register",
    )
    .values(MEASURANDS)
    .max(5),
    // SecurityCtrlr (A01-A05): required.
    VariableDef::ro(SECURITY, "CertificateEntries", Integer, "0").max(16),
    VariableDef::rw(SECURITY, "OrganizationName", DataEnum::String, "").max(50),
    VariableDef::ro(SECURITY, "SecurityProfile", Integer, "1")
        .min(1)
        .max(3),
    VariableDef::new(
        SECURITY,
        "BasicAuthPassword",
        DataEnum::String,
        MutabilityEnum::WriteOnly,
        "",
    )
    .min(16)
    .max(40)
    .reboot(),
    // SmartChargingCtrlr (K01-K08, TC_B_11_CS): required when the block is supported.
    VariableDef::rw(SMART, "Enabled", Boolean, "true"),
    VariableDef::ro(SMART, "Entries", Integer, "0")
        .instance("ChargingProfiles")
        .max(16),
    VariableDef::rw(SMART, "LimitChangeSignificance", Decimal, "10")
        .unit("Percent")
        .min(0)
        .max(100),
    VariableDef::ro(SMART, "PeriodsPerSchedule", Integer, "24").constant(),
    VariableDef::ro(SMART, "ProfileStackLevel", Integer, "8").constant(),
    VariableDef::ro(SMART, "RateUnit", MemberList, "A,W")
        .values("A,W")
        .constant(),
    // TxCtrlr (E01-E07): required.
    VariableDef::rw(TX, "EVConnectionTimeOut", Integer, "120")
        .unit("s")
        .min(0),
    VariableDef::rw(TX, "StopTxOnEVSideDisconnect", Boolean, "true"),
    VariableDef::rw(TX, "StopTxOnInvalidId", Boolean, "true"),
    VariableDef::rw(TX, "TxStartPoint", MemberList, "PowerPathClosed").values(TX_POINTS),
    VariableDef::rw(TX, "TxStopPoint", MemberList, "EVConnected,Authorized").values(TX_POINTS),
];

/// The required variables of one more EVSE (`EVSE` with `evse.id`), as [`STANDARD`] has them for
/// EVSE 1: a 22 kW, three-phase AC EVSE. A station with several EVSEs adds
/// `static EVSE_2: [VariableDef; 4] = evse_rows(2);` to [`DeviceModel::from_tables`](super::DeviceModel::from_tables)
/// (other ratings: write the rows, with these as the pattern).
pub const fn evse_rows(evse: u16) -> [VariableDef; 4] {
    let c = ComponentKey::evse("EVSE", evse);
    [
        VariableDef::ro(c, "AvailabilityState", OptionList, "Available").values(AVAILABILITY),
        VariableDef::ro(c, "Available", Boolean, "true"),
        VariableDef::ro(c, "Power", Decimal, "0")
            .unit("W")
            .max(22_000)
            .with_attributes(&[(
                AttributeEnum::MaxSet,
                AttributeDef {
                    mutability: MutabilityEnum::ReadOnly,
                    default: "22000",
                },
            )]),
        VariableDef::ro(c, "SupplyPhases", Integer, "3")
            .constant()
            .min(0)
            .max(3),
    ]
}

/// The required variables of one more connector (`Connector` with `evse.id` and
/// `evse.connectorId`), as [`STANDARD`] has them for connector 1 of EVSE 1, with its
/// `ConnectorType` (`ConnectorEnumType` of part 2: `cType2`, `cCCS2`, `sType2`, ...).
pub const fn connector_rows(
    evse: u16,
    connector: u16,
    connector_type: &'static str,
) -> [VariableDef; 4] {
    let c = ComponentKey::connector("Connector", evse, connector);
    [
        VariableDef::ro(c, "AvailabilityState", OptionList, "Available").values(AVAILABILITY),
        VariableDef::ro(c, "Available", Boolean, "true"),
        VariableDef::ro(c, "ConnectorType", DataEnum::String, connector_type).constant(),
        VariableDef::ro(c, "SupplyPhases", Integer, "3")
            .constant()
            .min(0)
            .max(3),
    ]
}
