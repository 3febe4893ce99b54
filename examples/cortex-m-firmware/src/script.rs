//! The scenario: what the central system expects and sends, and what happens at the charger.
//!
//! Steps of the optional OCPP profiles are only in the `full` build; `core-only` plays the Core
//! profile alone.

use crate::central::Hw::{EvCharging, Meter, Plug, Tag, Unplug};
use crate::central::Step::{
    self, Call, CallError, Connect, Expect, Hw, PowerCut, Queued, Say, Wait,
};

const ACCEPTED: &str = r#"{"idTagInfo":{"status":"Accepted"}}"#;

/// The whole run.
pub static SCRIPT: &[Step] = &[
    // ---------------------------------------------------------------------------------------
    Say("boot"),
    Connect,
    Expect {
        action: "BootNotification",
        contains: &[
            r#""chargePointVendor":"ExampleVendor""#,
            r#""chargePointModel":"CortexM4""#,
        ],
        answer: r#"{"status":"Accepted","currentTime":"$TIME","interval":300}"#,
    },
    Expect {
        action: "StatusNotification",
        contains: &[r#""connectorId":0"#, r#""status":"Available""#],
        answer: "{}",
    },
    Expect {
        action: "StatusNotification",
        contains: &[r#""connectorId":1"#, r#""status":"Available""#],
        answer: "{}",
    },
    // ---------------------------------------------------------------------------------------
    Say("inbound CALLs: Core profile"),
    Call {
        action: "GetConfiguration",
        payload: r#"{"key":["HeartbeatInterval","MeterValueSampleInterval"]}"#,
        contains: &[r#""key":"HeartbeatInterval""#, r#""value":"300""#],
    },
    Call {
        action: "ChangeConfiguration",
        payload: r#"{"key":"MeterValueSampleInterval","value":"30"}"#,
        contains: &[r#""status":"Accepted""#],
    },
    Call {
        action: "ChangeConfiguration",
        payload: r#"{"key":"NoSuchKey","value":"1"}"#,
        contains: &[r#""status":"NotSupported""#],
    },
    Call {
        action: "ClearCache",
        payload: "{}",
        contains: &[r#""status":"Accepted""#],
    },
    Call {
        action: "DataTransfer",
        payload: r#"{"vendorId":"com.example.unknown","messageId":"Hello"}"#,
        contains: &[r#""status":"UnknownVendorId""#],
    },
    Call {
        action: "UnlockConnector",
        payload: r#"{"connectorId":1}"#,
        contains: &[r#""status":"Unlocked""#],
    },
    CallError {
        action: "NoSuchAction",
        payload: "{}",
        code: "NotImplemented",
    },
    // ---------------------------------------------------------------------------------------
    #[cfg(feature = "full")]
    Say("inbound CALLs: Remote Trigger"),
    #[cfg(feature = "full")]
    Call {
        action: "TriggerMessage",
        payload: r#"{"requestedMessage":"Heartbeat"}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Expect {
        action: "Heartbeat",
        contains: &[],
        answer: r#"{"currentTime":"$TIME"}"#,
    },
    #[cfg(feature = "full")]
    Say("inbound CALLs: Local Auth List Management"),
    #[cfg(feature = "full")]
    Call {
        action: "GetLocalListVersion",
        payload: "{}",
        contains: &[r#""listVersion":0"#],
    },
    #[cfg(feature = "full")]
    Call {
        action: "SendLocalList",
        payload: r#"{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"LOCAL1","idTagInfo":{"status":"Accepted"}},{"idTag":"LOCAL2","idTagInfo":{"status":"Blocked"}}]}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Call {
        action: "GetLocalListVersion",
        payload: "{}",
        contains: &[r#""listVersion":3"#],
    },
    #[cfg(feature = "full")]
    Say("inbound CALLs: Reservation"),
    #[cfg(feature = "full")]
    Call {
        action: "ReserveNow",
        payload: r#"{"connectorId":1,"expiryDate":"2025-03-01T12:00:00Z","idTag":"RES1","reservationId":7}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Expect {
        action: "StatusNotification",
        contains: &[r#""status":"Reserved""#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Call {
        action: "CancelReservation",
        payload: r#"{"reservationId":7}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Expect {
        action: "StatusNotification",
        contains: &[r#""status":"Available""#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Say("inbound CALLs: Smart Charging"),
    #[cfg(feature = "full")]
    Call {
        action: "SetChargingProfile",
        payload: r#"{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"startSchedule":"2025-03-01T09:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.0},{"startPeriod":3600,"limit":10.0}]}}}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Call {
        action: "GetCompositeSchedule",
        payload: r#"{"connectorId":1,"duration":7200,"chargingRateUnit":"A"}"#,
        contains: &[r#""status":"Accepted""#, r#""chargingSchedulePeriod""#],
    },
    #[cfg(feature = "full")]
    Call {
        action: "ClearChargingProfile",
        payload: r#"{"id":1}"#,
        contains: &[r#""status":"Accepted""#],
    },
    #[cfg(feature = "full")]
    Say("inbound CALLs: Firmware Management"),
    #[cfg(feature = "full")]
    Call {
        action: "GetDiagnostics",
        payload: r#"{"location":"ftp://127.0.0.1/up/"}"#,
        contains: &[r#""fileName":"diagnostics-"#],
    },
    #[cfg(feature = "full")]
    Wait(1_000),
    #[cfg(feature = "full")]
    Expect {
        action: "DiagnosticsStatusNotification",
        contains: &[r#""status":"Uploading""#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Expect {
        action: "DiagnosticsStatusNotification",
        contains: &[r#""status":"Uploaded""#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Say("inbound CALLs: security extension (log upload)"),
    #[cfg(feature = "full")]
    Call {
        action: "GetLog",
        payload: r#"{"logType":"SecurityLog","requestId":7,"log":{"remoteLocation":"ftp://127.0.0.1/up/"}}"#,
        contains: &[r#""status":"Accepted""#, r#""filename":"securitylog-"#],
    },
    #[cfg(feature = "full")]
    Wait(1_000),
    #[cfg(feature = "full")]
    Expect {
        action: "LogStatusNotification",
        contains: &[r#""status":"Uploading""#, r#""requestId":7"#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Expect {
        action: "LogStatusNotification",
        contains: &[r#""status":"Uploaded""#, r#""requestId":7"#],
        answer: "{}",
    },
    #[cfg(feature = "full")]
    Call {
        action: "UpdateFirmware",
        payload: r#"{"location":"https://127.0.0.1/fw.bin","retrieveDate":"2030-01-01T00:00:00Z"}"#,
        contains: &["{}"],
    },
    // ---------------------------------------------------------------------------------------
    Say("session 1: remote start, remote stop"),
    Hw(Meter(1, 1_000)),
    Call {
        action: "RemoteStartTransaction",
        payload: r#"{"connectorId":1,"idTag":"REMOTE1"}"#,
        contains: &[r#""status":"Accepted""#],
    },
    Hw(Plug(1)),
    Expect {
        action: "StartTransaction",
        contains: &[r#""idTag":"REMOTE1""#, r#""meterStart":1000"#],
        answer: r#"{"idTagInfo":{"status":"Accepted"},"transactionId":100}"#,
    },
    Expect {
        action: "StatusNotification",
        contains: &[r#""status":"SuspendedEV""#],
        answer: "{}",
    },
    Hw(EvCharging(1)),
    Expect {
        action: "StatusNotification",
        contains: &[r#""status":"Charging""#],
        answer: "{}",
    },
    Hw(Meter(1, 1_200)),
    Wait(30_000),
    Expect {
        action: "MeterValues",
        contains: &[r#""transactionId":100"#, r#""value":"1200""#],
        answer: "{}",
    },
    Call {
        action: "RemoteStopTransaction",
        payload: r#"{"transactionId":100}"#,
        contains: &[r#""status":"Accepted""#],
    },
    Expect {
        action: "StopTransaction",
        contains: &[
            r#""transactionId":100"#,
            r#""reason":"Remote""#,
            r#""meterStop":1200"#,
        ],
        answer: ACCEPTED,
    },
    Hw(Unplug(1)),
    Wait(5_000),
    Queued(0),
    // ---------------------------------------------------------------------------------------
    Say("session 2: card, plug, meter values, card again"),
    Hw(Tag(1, "CARD1")),
    Expect {
        action: "Authorize",
        contains: &[r#""idTag":"CARD1""#],
        answer: ACCEPTED,
    },
    Hw(Plug(1)),
    Expect {
        action: "StartTransaction",
        contains: &[r#""idTag":"CARD1""#, r#""meterStart":1200"#],
        answer: r#"{"idTagInfo":{"status":"Accepted"},"transactionId":101}"#,
    },
    Hw(EvCharging(1)),
    Hw(Meter(1, 1_500)),
    Wait(30_000),
    Expect {
        action: "MeterValues",
        contains: &[r#""transactionId":101"#, r#""value":"1500""#],
        answer: "{}",
    },
    Hw(Meter(1, 1_800)),
    Wait(30_000),
    Expect {
        action: "MeterValues",
        contains: &[r#""transactionId":101"#, r#""value":"1800""#],
        answer: "{}",
    },
    Hw(Meter(1, 1_900)),
    Hw(Tag(1, "CARD1")),
    Expect {
        action: "StopTransaction",
        contains: &[r#""transactionId":101"#, r#""meterStop":1900"#],
        answer: ACCEPTED,
    },
    Hw(Unplug(1)),
    Wait(5_000),
    Queued(0),
    // ---------------------------------------------------------------------------------------
    Say("session 3: a power cut with a MeterValues in flight"),
    Hw(Plug(1)),
    Hw(Tag(1, "CARD2")),
    Expect {
        action: "Authorize",
        contains: &[r#""idTag":"CARD2""#],
        answer: ACCEPTED,
    },
    Expect {
        action: "StartTransaction",
        contains: &[r#""idTag":"CARD2""#, r#""meterStart":1900"#],
        answer: r#"{"idTagInfo":{"status":"Accepted"},"transactionId":102}"#,
    },
    Hw(EvCharging(1)),
    Hw(Meter(1, 2_400)),
    Wait(30_000),
    Expect {
        action: "MeterValues",
        contains: &[r#""transactionId":102"#, r#""value":"2400""#],
        answer: "{}",
    },
    Hw(Meter(1, 2_900)),
    Wait(30_000),
    // The MeterValues of 2900 Wh is sent and never answered: the power goes.
    PowerCut,
    Say("after the reboot: boot, then the interrupted transaction's messages"),
    Queued(2),
    Connect,
    Expect {
        action: "BootNotification",
        contains: &[r#""chargePointVendor":"ExampleVendor""#],
        answer: r#"{"status":"Accepted","currentTime":"$TIME","interval":300}"#,
    },
    Expect {
        action: "MeterValues",
        contains: &[r#""transactionId":102"#, r#""value":"2900""#],
        answer: "{}",
    },
    Expect {
        action: "StopTransaction",
        contains: &[
            r#""transactionId":102"#,
            r#""reason":"PowerLoss""#,
            r#""meterStop":2900"#,
        ],
        answer: ACCEPTED,
    },
    Wait(5_000),
    Queued(0),
    Say("the configuration survived the power cut"),
    Call {
        action: "GetConfiguration",
        payload: r#"{"key":["MeterValueSampleInterval"]}"#,
        contains: &[r#""value":"30""#],
    },
    #[cfg(feature = "full")]
    Call {
        action: "GetLocalListVersion",
        payload: "{}",
        contains: &[r#""listVersion":3"#],
    },
];
