//! The OCPP 2.0.1 device model: GetVariables and SetVariables with every status (named after
//! the part 6 test cases where one applies), value validation, vendor components, the value
//! record, and base reports split over several NotifyReport.req messages, each message checked
//! against the official 2.0.1 JSON schema (`OCPP201_SCHEMA_DIR`, as tests/v201_messages.rs).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use ocpp_core::json::{self, DecodeOptions};
use ocpp_core::types::DateTime;
use ocpp_core::v201::device_model::{
    AttributeDef, ComponentKey, DeviceModel, MessageKind, RecordError, STANDARD, StoreError,
    TableError, VariableDef, connector_rows, evse_rows,
};
use ocpp_core::v201::{
    AttributeEnum, DataEnum, GenericDeviceModelStatusEnum, GetBaseReportRequest, GetReportRequest,
    GetVariableStatusEnum, GetVariablesRequest, GetVariablesResponse, MutabilityEnum,
    NotifyReportRequest, ReportBaseEnum, SetVariableStatusEnum, SetVariablesRequest,
    SetVariablesResponse,
};
use serde_json::{Value, json};

type Model = DeviceModel<'static, 32, 128>;

fn schema_dir() -> PathBuf {
    let dir = std::env::var_os("OCPP201_SCHEMA_DIR")
        .map(PathBuf::from)
        .expect("OCPP201_SCHEMA_DIR is not set: run scripts/test (see tests/v201_messages.rs)");
    assert!(
        dir.join("NotifyReportRequest.json").is_file(),
        "no schemas in {}",
        dir.display()
    );
    dir
}

fn schema(name: &str) -> &'static Value {
    static CACHE: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        let mut all = BTreeMap::new();
        for entry in std::fs::read_dir(schema_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
                all.insert(name, serde_json::from_str(&text).unwrap());
            }
        }
        all
    });
    all.get(name).unwrap_or_else(|| panic!("no schema {name}"))
}

/// Encodes with the crate's serializer, then validates against the official schema.
fn encode_valid<T: serde::Serialize>(name: &str, msg: &T) -> Value {
    let mut buf = vec![0u8; 256 * 1024];
    let n = json::to_slice(msg, &mut buf).unwrap();
    let payload: Value = serde_json::from_slice(&buf[..n]).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&payload)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: {payload}\n{}",
        errors.join("\n")
    );
    payload
}

fn model() -> Model {
    DeviceModel::new(STANDARD, &[]).unwrap()
}

/// `(component, component instance, evse, connector, variable, variable instance, attribute)`
type Item<'a> = (
    &'a str,
    Option<&'a str>,
    Option<(i32, Option<i32>)>,
    &'a str,
    Option<&'a str>,
);

fn item_json(item: &Item<'_>, attribute: Option<&str>, value: Option<&str>) -> Value {
    let (component, instance, evse, variable, var_instance) = *item;
    let mut c = json!({ "name": component });
    if let Some(i) = instance {
        c["instance"] = json!(i);
    }
    if let Some((id, connector)) = evse {
        c["evse"] = json!({ "id": id });
        if let Some(k) = connector {
            c["evse"]["connectorId"] = json!(k);
        }
    }
    let mut v = json!({ "name": variable });
    if let Some(i) = var_instance {
        v["instance"] = json!(i);
    }
    let mut data = json!({ "component": c, "variable": v });
    if let Some(a) = attribute {
        data["attributeType"] = json!(a);
    }
    if let Some(val) = value {
        data["attributeValue"] = json!(val);
    }
    data
}

fn get(m: &Model, items: &[(Item<'_>, Option<&str>)]) -> GetVariablesResponse {
    let body = json!({
        "getVariableData": items.iter().map(|(i, a)| item_json(i, *a, None)).collect::<Vec<_>>()
    });
    encode_valid("GetVariablesRequest", &body);
    let text = body.to_string();
    let req: GetVariablesRequest = json::from_str(&text, &DecodeOptions::STRICT).unwrap();
    let resp = m.get_variables(&req, text.len());
    encode_valid("GetVariablesResponse", &resp);
    assert_eq!(resp.get_variable_result.len(), items.len());
    resp
}

fn set(m: &mut Model, items: &[(Item<'_>, Option<&str>, &str)]) -> SetVariablesResponse {
    let body = json!({
        "setVariableData":
            items.iter().map(|(i, a, v)| item_json(i, *a, Some(v))).collect::<Vec<_>>()
    });
    encode_valid("SetVariablesRequest", &body);
    let text = body.to_string();
    let req: SetVariablesRequest = json::from_str(&text, &DecodeOptions::STRICT).unwrap();
    let resp = m.set_variables(&req, text.len());
    encode_valid("SetVariablesResponse", &resp);
    assert_eq!(resp.set_variable_result.len(), items.len());
    resp
}

fn set_one(m: &mut Model, item: Item<'_>, value: &str) -> (SetVariableStatusEnum, Option<String>) {
    let r = set(m, &[(item, Some("Actual"), value)]);
    let r = &r.set_variable_result[0];
    (
        r.attribute_status,
        r.attribute_status_info
            .as_ref()
            .map(|s| s.reason_code.to_string()),
    )
}

const OFFLINE_THRESHOLD: Item<'static> = ("OCPPCommCtrlr", None, None, "OfflineThreshold", None);
const AUTHORIZE_REMOTE_START: Item<'static> =
    ("AuthCtrlr", None, None, "AuthorizeRemoteStart", None);
const LIMIT_CHANGE: Item<'static> = (
    "SmartChargingCtrlr",
    None,
    None,
    "LimitChangeSignificance",
    None,
);
const NEXT_OFFSET: Item<'static> = (
    "ClockCtrlr",
    None,
    None,
    "NextTimeOffsetTransitionDateTime",
    None,
);

#[test]
fn tc_b_06_get_variables_single_value() {
    let mut m = model();
    assert_eq!(
        set_one(&mut m, OFFLINE_THRESHOLD, "300").0,
        SetVariableStatusEnum::Accepted
    );
    let r = get(&m, &[(OFFLINE_THRESHOLD, Some("Actual"))]);
    let r = &r.get_variable_result[0];
    assert_eq!(r.attribute_status, GetVariableStatusEnum::Accepted);
    assert_eq!(r.attribute_type, Some(AttributeEnum::Actual));
    assert_eq!(r.attribute_value.as_deref(), Some("300"));
    assert!(r.attribute_status_info.is_none());
}

#[test]
fn tc_b_07_get_variables_multiple_values() {
    let mut m = model();
    set_one(&mut m, OFFLINE_THRESHOLD, "300");
    let r = get(
        &m,
        &[
            (AUTHORIZE_REMOTE_START, Some("Actual")),
            (OFFLINE_THRESHOLD, Some("Actual")),
        ],
    );
    let values: Vec<_> = r
        .get_variable_result
        .iter()
        .map(|r| {
            (
                r.attribute_status,
                r.attribute_value.as_deref().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            (GetVariableStatusEnum::Accepted, Some("true".to_owned())),
            (GetVariableStatusEnum::Accepted, Some("300".to_owned()))
        ]
    );
}

#[test]
fn tc_b_32_33_34_get_variables_unknown_and_unsupported() {
    let m = model();
    let r = get(
        &m,
        &[
            (("UnknownCtrlr", None, None, "OfflineThreshold", None), None),
            (("OCPPCommCtrlr", None, None, "UnknownVariable", None), None),
            (OFFLINE_THRESHOLD, Some("Target")),
            // An EVSE that does not exist is an unknown component; the station's EVSE 1 is known.
            (("EVSE", None, Some((2, None)), "Available", None), None),
            (("EVSE", None, Some((1, None)), "Available", None), None),
            // A wrong variable instance is an unknown variable.
            (
                ("OCPPCommCtrlr", None, None, "MessageTimeout", Some("Other")),
                None,
            ),
        ],
    );
    let s: Vec<_> = r
        .get_variable_result
        .iter()
        .map(|r| r.attribute_status)
        .collect();
    assert_eq!(
        s,
        [
            GetVariableStatusEnum::UnknownComponent,
            GetVariableStatusEnum::UnknownVariable,
            GetVariableStatusEnum::NotSupportedAttributeType,
            GetVariableStatusEnum::UnknownComponent,
            GetVariableStatusEnum::Accepted,
            GetVariableStatusEnum::UnknownVariable,
        ]
    );
    assert_eq!(
        r.get_variable_result[2].attribute_type,
        Some(AttributeEnum::Target)
    );
}

#[test]
fn get_variables_write_only_is_rejected() {
    let mut m = model();
    let password = ("SecurityCtrlr", None, None, "BasicAuthPassword", None);
    assert_eq!(
        set_one(&mut m, password, "0123456789abcdef0123").0,
        SetVariableStatusEnum::RebootRequired
    );
    let r = get(&m, &[(password, None)]);
    let r = &r.get_variable_result[0];
    assert_eq!(r.attribute_status, GetVariableStatusEnum::Rejected);
    assert_eq!(
        r.attribute_status_info
            .as_ref()
            .unwrap()
            .reason_code
            .as_str(),
        "WriteOnly"
    );
    assert!(r.attribute_value.is_none());
}

#[test]
fn tc_b_08_get_variables_too_many_items_all_rejected() {
    let mut m = model();
    // ItemsPerMessageGetVariables + 1 items still decode (the list holds one more), and are
    // all Rejected with TooManyElements.
    let per_message = m.items_per_message(MessageKind::GetVariables);
    assert_eq!(per_message, ocpp_core::limits::VARIABLES_PER_MESSAGE - 1);
    let all = [
        (OFFLINE_THRESHOLD, None),
        (AUTHORIZE_REMOTE_START, None),
        (LIMIT_CHANGE, None),
        (NEXT_OFFSET, None),
        (
            ("OCPPCommCtrlr", None, None, "HeartbeatInterval", None),
            None,
        ),
        (("OCPPCommCtrlr", None, None, "ResetRetries", None), None),
        (("TxCtrlr", None, None, "TxStartPoint", None), None),
        (("TxCtrlr", None, None, "TxStopPoint", None), None),
    ];
    let r = get(&m, &all[..=per_message]);
    for r in &r.get_variable_result {
        assert_eq!(r.attribute_status, GetVariableStatusEnum::Rejected);
        assert_eq!(
            r.attribute_status_info
                .as_ref()
                .unwrap()
                .reason_code
                .as_str(),
            "TooManyElements"
        );
    }
    let r = get(&m, &all[..per_message]);
    assert!(
        r.get_variable_result
            .iter()
            .all(|r| r.attribute_status == GetVariableStatusEnum::Accepted)
    );
    // The integrator may lower the limit.
    let i = m
        .find_by_name("DeviceDataCtrlr", "ItemsPerMessage", Some("GetVariables"))
        .unwrap();
    m.set_internal(i, AttributeEnum::Actual, "2").unwrap();
    let r = get(&m, &all[..3]);
    assert!(
        r.get_variable_result
            .iter()
            .all(|r| r.attribute_status == GetVariableStatusEnum::Rejected)
    );
}

#[test]
fn get_and_set_variables_over_bytes_per_message_are_rejected() {
    let mut m = model();
    for instance in ["GetVariables", "SetVariables"] {
        let i = m
            .find_by_name("DeviceDataCtrlr", "BytesPerMessage", Some(instance))
            .unwrap();
        m.set_internal(i, AttributeEnum::Actual, "100").unwrap();
    }
    let r = get(
        &m,
        &[(OFFLINE_THRESHOLD, None), (AUTHORIZE_REMOTE_START, None)],
    );
    assert!(
        r.get_variable_result
            .iter()
            .all(|r| r.attribute_status == GetVariableStatusEnum::Rejected)
    );
    let r = set(
        &mut m,
        &[
            (OFFLINE_THRESHOLD, None, "300"),
            (AUTHORIZE_REMOTE_START, None, "true"),
        ],
    );
    assert!(
        r.set_variable_result
            .iter()
            .all(|r| r.attribute_status == SetVariableStatusEnum::Rejected)
    );
    let r = get(&m, &[(OFFLINE_THRESHOLD, None)]);
    assert_eq!(
        r.get_variable_result[0].attribute_value.as_deref(),
        Some("600"),
        "unchanged"
    );
}

#[test]
fn tc_b_09_10_set_variables_accepted() {
    let mut m = model();
    let r = set(
        &mut m,
        &[
            (OFFLINE_THRESHOLD, Some("Actual"), "300"),
            (AUTHORIZE_REMOTE_START, Some("Actual"), "false"),
        ],
    );
    for r in &r.set_variable_result {
        assert_eq!(r.attribute_status, SetVariableStatusEnum::Accepted);
        assert_eq!(r.attribute_type, Some(AttributeEnum::Actual));
        assert!(r.attribute_status_info.is_none());
    }
    let r = get(
        &m,
        &[(OFFLINE_THRESHOLD, None), (AUTHORIZE_REMOTE_START, None)],
    );
    assert_eq!(
        r.get_variable_result[0].attribute_value.as_deref(),
        Some("300")
    );
    assert_eq!(
        r.get_variable_result[1].attribute_value.as_deref(),
        Some("false")
    );
}

#[test]
fn tc_b_35_36_37_39_set_variables_unknown_unsupported_read_only() {
    let mut m = model();
    let r = set(
        &mut m,
        &[
            (
                ("UnknownCtrlr", None, None, "OfflineThreshold", None),
                None,
                "1",
            ),
            (
                ("OCPPCommCtrlr", None, None, "UnknownVariable", None),
                None,
                "1",
            ),
            (OFFLINE_THRESHOLD, Some("Target"), "1"),
            (
                (
                    "OCPPCommCtrlr",
                    None,
                    None,
                    "MessageTimeout",
                    Some("Default"),
                ),
                None,
                "10",
            ),
        ],
    );
    let s: Vec<_> = r
        .set_variable_result
        .iter()
        .map(|r| {
            (
                r.attribute_status,
                r.attribute_status_info
                    .as_ref()
                    .map(|i| i.reason_code.to_string()),
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (SetVariableStatusEnum::UnknownComponent, None),
            (SetVariableStatusEnum::UnknownVariable, None),
            (SetVariableStatusEnum::NotSupportedAttributeType, None),
            (SetVariableStatusEnum::Rejected, Some("ReadOnly".to_owned())),
        ]
    );
    assert_eq!(
        r.set_variable_result[2].attribute_type,
        Some(AttributeEnum::Target)
    );
    assert_eq!(
        r.set_variable_result[3].variable.instance.as_deref(),
        Some("Default")
    );
}

#[test]
fn tc_b_11_set_variables_invalidly_formatted_values() {
    let mut m = model();
    let now = "2026-12-08T00:00:00Z";
    let accepted = |item, value: &str| match item {
        i if i == OFFLINE_THRESHOLD => value == "1",
        i if i == LIMIT_CHANGE => value == "1" || value == "1.1",
        i if i == AUTHORIZE_REMOTE_START => value == "true",
        _ => value == now,
    };
    for item in [
        OFFLINE_THRESHOLD,
        LIMIT_CHANGE,
        AUTHORIZE_REMOTE_START,
        NEXT_OFFSET,
    ] {
        for value in ["1", "1.1", "true", now, "abc"] {
            let (status, info) = set_one(&mut m, item, value);
            if accepted(item, value) {
                assert_eq!(status, SetVariableStatusEnum::Accepted, "{item:?} {value}");
            } else {
                assert_eq!(status, SetVariableStatusEnum::Rejected, "{item:?} {value}");
                assert_eq!(info.as_deref(), Some("InvalidValue"), "{item:?} {value}");
            }
        }
    }
}

#[test]
fn set_variables_validates_limits_and_lists() {
    let mut m = model();
    let tx_start = ("TxCtrlr", None, None, "TxStartPoint", None);
    let time_source = ("ClockCtrlr", None, None, "TimeSource", None);
    let cases: [(Item<'_>, &str, SetVariableStatusEnum, Option<&str>); 9] = [
        (
            OFFLINE_THRESHOLD,
            "-1",
            SetVariableStatusEnum::Rejected,
            Some("ValueOutOfRange"),
        ),
        (
            LIMIT_CHANGE,
            "100.001",
            SetVariableStatusEnum::Rejected,
            Some("ValueOutOfRange"),
        ),
        (LIMIT_CHANGE, "0.5", SetVariableStatusEnum::Accepted, None),
        (
            tx_start,
            "EVConnected,Authorized",
            SetVariableStatusEnum::Accepted,
            None,
        ),
        (
            tx_start,
            "EVConnected,Plugged",
            SetVariableStatusEnum::Rejected,
            Some("InvalidValue"),
        ),
        (
            time_source,
            "NTP,Heartbeat",
            SetVariableStatusEnum::Accepted,
            None,
        ),
        (
            time_source,
            "NTP,NTP",
            SetVariableStatusEnum::Rejected,
            Some("InvalidValue"),
        ),
        (
            AUTHORIZE_REMOTE_START,
            "True",
            SetVariableStatusEnum::Rejected,
            Some("InvalidValue"),
        ),
        (
            (
                "OCPPCommCtrlr",
                None,
                None,
                "NetworkConfigurationPriority",
                None,
            ),
            "2,1",
            SetVariableStatusEnum::RebootRequired,
            None,
        ),
    ];
    for (item, value, status, info) in cases {
        let got = set_one(&mut m, item, value);
        assert_eq!(
            (got.0, got.1.as_deref()),
            (status, info),
            "{item:?} {value}"
        );
    }
    // Names compare case-insensitively (CiString).
    let r = get(
        &m,
        &[(("clockctrlr", None, None, "timesource", None), None)],
    );
    assert_eq!(
        r.get_variable_result[0].attribute_value.as_deref(),
        Some("NTP,Heartbeat")
    );
}

#[test]
fn set_variables_out_of_storage() {
    let mut m: DeviceModel<'static, 1, 32> = DeviceModel::new(STANDARD, &[]).unwrap();
    let body = r#"{"setVariableData":[
        {"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"OfflineThreshold"},"attributeValue":"300"},
        {"component":{"name":"OCPPCommCtrlr"},"variable":{"name":"OfflineThreshold"},"attributeValue":"301"},
        {"component":{"name":"AuthCtrlr"},"variable":{"name":"AuthorizeRemoteStart"},"attributeValue":"false"}]}"#;
    let req: SetVariablesRequest = json::from_str(body, &DecodeOptions::STRICT).unwrap();
    let r = m.set_variables(&req, body.len());
    let s: Vec<_> = r
        .set_variable_result
        .iter()
        .map(|r| r.attribute_status)
        .collect();
    assert_eq!(
        s,
        [
            SetVariableStatusEnum::Accepted,
            SetVariableStatusEnum::Accepted,
            SetVariableStatusEnum::Rejected
        ]
    );
    assert_eq!(
        r.set_variable_result[2]
            .attribute_status_info
            .as_ref()
            .unwrap()
            .reason_code
            .as_str(),
        "OutOfStorage"
    );
}

static VENDOR: &[VariableDef] = &[
    VariableDef::rw(
        ComponentKey::named("AcmeFanCtrlr"),
        "Speed",
        DataEnum::Integer,
        "50",
    )
    .unit("Percent")
    .min(0)
    .max(100)
    .with_attributes(&[(
        AttributeEnum::Target,
        AttributeDef {
            mutability: MutabilityEnum::ReadWrite,
            default: "50",
        },
    )]),
    VariableDef::ro(
        ComponentKey::evse("EVSE", 2),
        "Available",
        DataEnum::Boolean,
        "true",
    ),
];

static REPEATED: &[VariableDef] =
    &[
        VariableDef::rw(ComponentKey::named("X"), "Y", DataEnum::Integer, "1").with_attributes(&[
            (
                AttributeEnum::Actual,
                AttributeDef {
                    mutability: MutabilityEnum::ReadOnly,
                    default: "2",
                },
            ),
        ]),
    ];

static BAD: &[VariableDef] = &[VariableDef::rw(
    ComponentKey::named("X"),
    "Y",
    DataEnum::Integer,
    "abc",
)];

#[test]
fn vendor_components_and_extra_evses() {
    let mut m: Model = DeviceModel::new(STANDARD, VENDOR).unwrap();
    let fan = ("AcmeFanCtrlr", None, None, "Speed", None);
    let r = set(
        &mut m,
        &[(fan, Some("Target"), "80"), (fan, Some("Actual"), "101")],
    );
    assert_eq!(
        r.set_variable_result[0].attribute_status,
        SetVariableStatusEnum::Accepted
    );
    assert_eq!(
        r.set_variable_result[1].attribute_status,
        SetVariableStatusEnum::Rejected
    );
    let r = get(
        &m,
        &[
            (fan, Some("Target")),
            (fan, Some("MaxSet")),
            (("EVSE", None, Some((2, None)), "Available", None), None),
        ],
    );
    let s: Vec<_> = r
        .get_variable_result
        .iter()
        .map(|r| {
            (
                r.attribute_status,
                r.attribute_value.as_deref().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (GetVariableStatusEnum::Accepted, Some("80".to_owned())),
            (GetVariableStatusEnum::NotSupportedAttributeType, None),
            (GetVariableStatusEnum::Accepted, Some("true".to_owned())),
        ]
    );
    // A vendor table with a bad default is refused.
    assert_eq!(
        DeviceModel::<'static, 4, 32>::new(STANDARD, BAD).err(),
        Some(TableError::BadDefault)
    );
    assert_eq!(
        DeviceModel::<'static, 4, 32>::new(STANDARD, REPEATED).err(),
        Some(TableError::RepeatedAttribute)
    );
}

static EVSE_2: [VariableDef; 4] = evse_rows(2);
static CONNECTOR_2_1: [VariableDef; 4] = connector_rows(2, 1, "cCCS2");

#[test]
fn a_second_evse_from_the_row_functions() {
    // The functions give the rows STANDARD has for EVSE 1 and its connector.
    let of = |name: &str, evse| -> Vec<VariableDef> {
        STANDARD
            .iter()
            .filter(|d| d.component.name == name && d.component.evse == Some(evse))
            .copied()
            .collect()
    };
    assert_eq!(of("EVSE", 1), evse_rows(1));
    assert_eq!(of("Connector", 1), connector_rows(1, 1, "cType2"));
    let m: Model = DeviceModel::from_tables(&[STANDARD, &EVSE_2, &CONNECTOR_2_1]).unwrap();
    assert_eq!(m.len(), STANDARD.len() + 8);
    let r = get(
        &m,
        &[
            (
                ("Connector", None, Some((2, Some(1))), "ConnectorType", None),
                None,
            ),
            (
                ("EVSE", None, Some((2, None)), "Power", None),
                Some("MaxSet"),
            ),
            (("EVSE", None, Some((3, None)), "Power", None), None),
        ],
    );
    let s: Vec<_> = r
        .get_variable_result
        .iter()
        .map(|r| {
            (
                r.attribute_status,
                r.attribute_value.as_deref().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (GetVariableStatusEnum::Accepted, Some("cCCS2".to_owned())),
            (GetVariableStatusEnum::Accepted, Some("22000".to_owned())),
            (GetVariableStatusEnum::UnknownComponent, None),
        ]
    );
    let messages = full_report(&m, ReportBaseEnum::SummaryInventory);
    let names: Vec<_> = messages
        .iter()
        .flat_map(|m| m.report_data.as_deref().unwrap())
        .map(|d| {
            (
                d.component.name.to_string(),
                d.component.evse.as_ref().map(|e| e.id),
            )
        })
        .collect();
    assert_eq!(names.len(), 5);
    assert!(names.contains(&("Connector".to_owned(), Some(2))));
    let nine: [&[VariableDef]; 9] = [STANDARD; 9];
    assert!(matches!(
        DeviceModel::<'static, 4, 32>::from_tables(&nine),
        Err(TableError::TooLarge)
    ));
}

#[test]
fn value_record_round_trip() {
    let mut m = model();
    set_one(&mut m, OFFLINE_THRESHOLD, "300");
    set_one(&mut m, AUTHORIZE_REMOTE_START, "false");
    let avail = m
        .find_by_name("ChargingStation", "AvailabilityState", None)
        .unwrap();
    m.set_internal(avail, AttributeEnum::Actual, "Unavailable")
        .unwrap();
    assert_eq!(
        m.set_internal(avail, AttributeEnum::Actual, "Broken"),
        Err(StoreError::Invalid(
            ocpp_core::v201::device_model::InvalidValue::NotInList
        ))
    );
    let mut buf = [0u8; 256];
    let n = m.encode_record(&mut buf).unwrap();
    // Two persistent values (the volatile AvailabilityState is not written).
    assert_eq!(n, 5 + (5 + 3) + (5 + 5));
    let mut restored = model();
    restored.decode_record(&buf[..n]).unwrap();
    let r = get(
        &restored,
        &[(OFFLINE_THRESHOLD, None), (AUTHORIZE_REMOTE_START, None)],
    );
    assert_eq!(
        r.get_variable_result[0].attribute_value.as_deref(),
        Some("300")
    );
    assert_eq!(
        r.get_variable_result[1].attribute_value.as_deref(),
        Some("false")
    );
    assert_eq!(
        restored.value(avail, AttributeEnum::Actual),
        Some("Available")
    );
    // Too small a buffer, truncated records, other tables.
    assert_eq!(m.encode_record(&mut buf[..n - 1]), None);
    for cut in 0..n {
        assert_eq!(
            model().decode_record(&buf[..cut]),
            Err(RecordError::Malformed),
            "{cut}"
        );
    }
    let mut other: Model = DeviceModel::new(STANDARD, VENDOR).unwrap();
    assert_eq!(
        other.decode_record(&buf[..n]),
        Err(RecordError::TableChanged)
    );
    // An entry that no longer fits its definition is skipped.
    let mut bad = buf[..n].to_vec();
    let at = bad.windows(3).position(|w| w == b"300").unwrap();
    bad[at..at + 3].copy_from_slice(b"abc");
    let mut skipped = model();
    skipped.decode_record(&bad).unwrap();
    assert_eq!(skipped.stored(), 1);
}

fn full_report(m: &Model, base: ReportBaseEnum) -> Vec<NotifyReportRequest> {
    let req = GetBaseReportRequest {
        request_id: 7,
        report_base: base,
    };
    encode_valid("GetBaseReportRequest", &req);
    let (resp, cursor) = m.get_base_report(&req);
    encode_valid("GetBaseReportResponse", &resp);
    assert_eq!(resp.status, GenericDeviceModelStatusEnum::Accepted);
    let mut cursor = cursor.unwrap();
    let at = DateTime::parse("2026-12-08T00:00:00Z").unwrap();
    let mut messages = Vec::new();
    while let Some(msg) = cursor.next_message(m, at) {
        encode_valid("NotifyReportRequest", &msg);
        messages.push(msg);
        assert!(messages.len() < 1000);
    }
    assert!(cursor.is_done());
    for (i, msg) in messages.iter().enumerate() {
        assert_eq!(msg.seq_no, i as i32);
        assert_eq!(msg.request_id, 7);
        assert_eq!(msg.tbc, Some(i + 1 < messages.len()));
    }
    messages
}

#[test]
fn tc_b_13_full_inventory_split_over_several_notify_reports() {
    let mut m = model();
    let i = m
        .find_by_name("DeviceDataCtrlr", "ItemsPerMessage", Some("GetReport"))
        .unwrap();
    m.set_internal(i, AttributeEnum::Actual, "3").unwrap();
    let messages = full_report(&m, ReportBaseEnum::FullInventory);
    let items: Vec<_> = messages
        .iter()
        .flat_map(|m| m.report_data.as_deref().unwrap())
        .collect();
    assert_eq!(items.len(), STANDARD.len());
    assert_eq!(messages.len(), STANDARD.len().div_ceil(3));
    assert!(
        messages
            .iter()
            .all(|m| m.report_data.as_ref().unwrap().len() <= 3)
    );
    // The WriteOnly password is reported without its value; every other attribute with one.
    let pw = items
        .iter()
        .find(|d| d.variable.name.as_str() == "BasicAuthPassword")
        .unwrap();
    assert_eq!(
        pw.variable_attribute[0].mutability,
        Some(MutabilityEnum::WriteOnly)
    );
    assert!(pw.variable_attribute[0].value.is_none());
    let evse = items
        .iter()
        .find(|d| d.component.name.as_str() == "EVSE" && d.variable.name.as_str() == "Power")
        .unwrap();
    assert_eq!(evse.component.evse.as_ref().unwrap().id, 1);
    assert_eq!(evse.variable_attribute.len(), 2);
    println!(
        "FullInventory: {} items in {} NotifyReport.req",
        items.len(),
        messages.len()
    );
}

#[test]
fn full_inventory_within_bytes_per_message() {
    let mut m = model();
    let i = m
        .find_by_name("DeviceDataCtrlr", "BytesPerMessage", Some("GetReport"))
        .unwrap();
    m.set_internal(i, AttributeEnum::Actual, "900").unwrap();
    let req = GetBaseReportRequest {
        request_id: 9,
        report_base: ReportBaseEnum::FullInventory,
    };
    let (_, cursor) = m.get_base_report(&req);
    let mut cursor = cursor.unwrap();
    let at = DateTime::parse("2026-12-08T00:00:00Z").unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let (mut items, mut seq, mut short, mut last_tbc) = (0, 0, 0, true);
    while let Some(n) = cursor.next_payload(&m, at, &mut buf) {
        let n = n.unwrap();
        assert!(n <= 900, "{n} bytes");
        let payload: Value = serde_json::from_slice(&buf[..n]).unwrap();
        encode_valid("NotifyReportRequest", &payload);
        assert_eq!(payload["seqNo"], json!(seq));
        let count = payload["reportData"].as_array().unwrap().len();
        items += count;
        short += usize::from(count < 4);
        seq += 1;
        last_tbc = payload["tbc"].as_bool().unwrap();
    }
    assert!(!last_tbc);
    assert_eq!(items, STANDARD.len());
    assert!(short > 1, "the byte limit cut some messages short");
    // A buffer too small for any item: every item is skipped, then an empty closing message.
    let (_, cursor) = m.get_base_report(&req);
    let mut cursor = cursor.unwrap();
    let mut small = [0u8; 200];
    let mut skipped = 0;
    let mut closing = None;
    while let Some(r) = cursor.next_payload(&m, at, &mut small) {
        match r {
            Err(_) => skipped += 1,
            Ok(n) => closing = Some(String::from_utf8(small[..n].to_vec()).unwrap()),
        }
    }
    assert_eq!(skipped, STANDARD.len());
    let closing: Value = serde_json::from_str(&closing.unwrap()).unwrap();
    encode_valid("NotifyReportRequest", &closing);
    assert_eq!(
        (closing["seqNo"].clone(), closing["tbc"].clone()),
        (json!(0), json!(false))
    );
}

#[test]
fn tc_b_12_configuration_inventory() {
    let m = model();
    let messages = full_report(&m, ReportBaseEnum::ConfigurationInventory);
    let items: Vec<_> = messages
        .iter()
        .flat_map(|m| m.report_data.as_deref().unwrap())
        .collect();
    assert!(!items.is_empty());
    assert!(items.iter().all(|d| {
        d.variable_attribute
            .iter()
            .any(|a| a.mutability != Some(MutabilityEnum::ReadOnly))
    }));
    assert!(
        items
            .iter()
            .any(|d| d.variable.name.as_str() == "OfflineThreshold")
    );
    assert!(
        !items
            .iter()
            .any(|d| d.variable.name.as_str() == "MessageTimeout")
    );
}

#[test]
fn summary_inventory_reports_availability() {
    let m = model();
    let messages = full_report(&m, ReportBaseEnum::SummaryInventory);
    let names: Vec<_> = messages
        .iter()
        .flat_map(|m| m.report_data.as_deref().unwrap())
        .map(|d| d.component.name.to_string())
        .collect();
    assert_eq!(names, ["ChargingStation", "Connector", "EVSE"]);
}

fn report_items(m: &Model, body: &Value) -> (GenericDeviceModelStatusEnum, Vec<String>) {
    encode_valid("GetReportRequest", body);
    let req: GetReportRequest = json::from_str(&body.to_string(), &DecodeOptions::STRICT).unwrap();
    let (resp, cursor) = m.get_report(&req);
    encode_valid("GetReportResponse", &resp);
    let Some(mut cursor) = cursor else {
        return (resp.status, Vec::new());
    };
    let at = DateTime::parse("2026-12-08T00:00:00Z").unwrap();
    let mut names = Vec::new();
    let mut seq = 0;
    while let Some(msg) = cursor.next_message(m, at) {
        encode_valid("NotifyReportRequest", &msg);
        assert_eq!(msg.seq_no, seq);
        seq += 1;
        for d in msg.report_data.as_deref().unwrap() {
            let evse = d
                .component
                .evse
                .as_ref()
                .map_or(String::new(), |e| format!("@{}", e.id));
            names.push(format!(
                "{}{evse}.{}",
                d.component.name.as_str(),
                d.variable.name.as_str()
            ));
        }
    }
    (resp.status, names)
}

#[test]
fn get_report_with_component_variables_and_criteria() {
    let mut m = model();
    // A component without variable: all its variables; an absent EVSE matches every EVSE.
    let (status, names) = report_items(
        &m,
        &json!({"requestId": 1, "componentVariable": [{"component": {"name": "EVSE"}}]}),
    );
    assert_eq!(status, GenericDeviceModelStatusEnum::Accepted);
    assert_eq!(
        names,
        [
            "EVSE@1.AvailabilityState",
            "EVSE@1.Available",
            "EVSE@1.Power",
            "EVSE@1.SupplyPhases"
        ]
    );
    // EVSE id without connector: the connectors of that EVSE (B08.FR.22).
    let (_, names) = report_items(
        &m,
        &json!({"requestId": 2, "componentVariable": [
            {"component": {"name": "Connector", "evse": {"id": 1}}, "variable": {"name": "ConnectorType"}},
            {"component": {"name": "DeviceDataCtrlr"}, "variable": {"name": "ItemsPerMessage"}}]}),
    );
    assert_eq!(
        names,
        [
            "Connector@1.ConnectorType",
            "DeviceDataCtrlr.ItemsPerMessage",
            "DeviceDataCtrlr.ItemsPerMessage",
            "DeviceDataCtrlr.ItemsPerMessage"
        ]
    );
    // Criteria: the components whose Enabled is true, all their variables.
    let enabled = json!({"requestId": 3, "componentCriteria": ["Enabled"],
        "componentVariable": [{"component": {"name": "AuthCtrlr"}}, {"component": {"name": "TxCtrlr"}}]});
    let (_, names) = report_items(&m, &enabled);
    assert_eq!(names.len(), 4);
    assert!(names.iter().all(|n| n.starts_with("AuthCtrlr.")));
    let i = m.find_by_name("AuthCtrlr", "Enabled", None).unwrap();
    m.set_internal(i, AttributeEnum::Actual, "false").unwrap();
    assert_eq!(
        report_items(&m, &enabled).0,
        GenericDeviceModelStatusEnum::EmptyResultSet
    );
    // No component has a Problem.
    let (status, names) = report_items(
        &m,
        &json!({"requestId": 4, "componentCriteria": ["Problem"]}),
    );
    assert_eq!(status, GenericDeviceModelStatusEnum::EmptyResultSet);
    assert!(names.is_empty());
    // No criteria at all: everything.
    assert_eq!(
        report_items(&m, &json!({"requestId": 5})).1.len(),
        STANDARD.len()
    );
}

#[test]
fn sizes_of_the_ram_structures() {
    // Host sizes (x86_64); on a 32-bit MCU the pointers halve.
    println!("DeviceModel<32, 128>: {} bytes", size_of::<Model>());
    println!(
        "DeviceModel<16, 64>: {} bytes",
        size_of::<DeviceModel<'static, 16, 64>>()
    );
    println!(
        "ReportCursor: {} bytes",
        size_of::<ocpp_core::v201::device_model::ReportCursor>()
    );
    println!(
        "NotifyReportRequest: {} bytes",
        size_of::<NotifyReportRequest>()
    );
    println!(
        "VariableDef (flash, per row): {} bytes, {} standard rows",
        size_of::<VariableDef>(),
        STANDARD.len()
    );
    assert!(size_of::<ocpp_core::v201::device_model::ReportCursor>() <= 56);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text, any definition: validation and storage answer without panicking, and a
        /// value set through SetVariables reads back unchanged.
        #[test]
        fn any_value_is_validated_without_panic(value in "\\PC{0,40}|[-0-9.,a-zA-Z:TZ]{0,30}", row in 0usize..80) {
            let mut m = model();
            if let Some(def) = m.def(row) {
                let valid = def.characteristics.validate(&value).is_ok();
                let _ = m.set_internal(row, AttributeEnum::Actual, &value);
                if valid && def.attribute(AttributeEnum::Actual).is_some() {
                    prop_assert_eq!(m.value(row, AttributeEnum::Actual), Some(value.as_str()));
                }
            }
        }

        /// Any bytes as a record: refused or restored, never a panic; a restored model encodes.
        #[test]
        fn any_record_decodes_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut m = model();
            if m.decode_record(&bytes).is_ok() {
                let mut buf = [0u8; 4096];
                prop_assert!(m.encode_record(&mut buf).is_some());
            }
        }
    }
}
