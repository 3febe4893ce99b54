//! Every action's request and response: encode -> parse -> decode gives the same value back, the
//! wire form matches the official OCPP 1.6 JSON schemas, and a few exact wire forms are pinned.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::items_after_statements
)]

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use ocpp_core::json::{self, DecodeOptions};
use ocpp_core::rpc::{Frame, encode_call, encode_call_result};
use ocpp_core::v16::{Action, Request, Response};

const OPTS: DecodeOptions = DecodeOptions::STRICT;

fn encode_request(req: &Request, buf: &mut [u8]) -> String {
    encode_call(buf, "m-1", req.action().as_str(), req)
        .unwrap()
        .to_owned()
}

fn encode_response(resp: &Response, buf: &mut [u8]) -> String {
    encode_call_result(buf, "m-1", resp).unwrap().to_owned()
}

/// The examples are large values (the all-actions enums are as big as GetConfiguration.conf);
/// debug builds do not share stack slots between them, so build them on a roomy stack.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn every_action_has_an_example() {
    big_stack(every_action_has_an_example_inner);
}

fn every_action_has_an_example_inner() {
    let examples = common::examples();
    let mut seen = HashSet::new();
    for (req, resp) in &examples {
        assert_eq!(
            req.action(),
            resp.action(),
            "example pairs a request with another action's response"
        );
        seen.insert(req.action());
    }
    let missing: Vec<_> = Action::ALL.iter().filter(|a| !seen.contains(a)).collect();
    assert!(
        missing.is_empty(),
        "actions without an example: {missing:?}"
    );
    assert_eq!(
        Action::ALL.len(),
        39,
        "28 OCPP 1.6 actions + 11 of the security extension"
    );
}

/// `json::to_slice`, this crate's own serializer, writes every example byte for byte as
/// `serde-json-core` 0.7 (which it replaced) does, and refuses a buffer one byte short.
#[test]
fn every_example_encodes_as_serde_json_core_did() {
    big_stack(|| {
        fn check<T: serde::Serialize>(value: &T) {
            let mut ours = vec![0u8; 64 * 1024];
            let mut theirs = vec![0u8; 64 * 1024];
            let n = json::to_slice(value, &mut ours).unwrap();
            let m = serde_json_core::to_slice(value, &mut theirs).unwrap();
            assert_eq!(
                std::str::from_utf8(&ours[..n]).unwrap(),
                std::str::from_utf8(&theirs[..m]).unwrap()
            );
            assert_eq!(
                json::to_slice(value, &mut ours[..n - 1]),
                Err(json::EncodeError::BufferFull)
            );
        }
        for (req, resp) in common::examples() {
            check(&req);
            check(&resp);
        }
    });
}

#[test]
fn every_example_round_trips_through_frames() {
    big_stack(every_example_round_trips_through_frames_inner);
}

fn every_example_round_trips_through_frames_inner() {
    let mut buf = vec![0u8; 64 * 1024];
    for (req, resp) in common::examples() {
        let text = encode_request(&req, &mut buf);
        let Frame::Call(call) = Frame::parse(&text).unwrap() else {
            panic!("not a CALL: {text}")
        };
        assert_eq!(call.id, "m-1");
        assert_eq!(call.action, req.action().as_str());
        let back = Request::from_call(&call, &OPTS).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(back, req, "{text}");

        let text = encode_response(&resp, &mut buf);
        let Frame::CallResult(result) = Frame::parse(&text).unwrap() else {
            panic!("not a CALLRESULT: {text}")
        };
        let back = Response::decode(resp.action(), result.payload, &OPTS)
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(back, resp, "{text}");
    }
}

#[test]
fn wire_form_uses_spec_names_and_strings() {
    big_stack(wire_form_uses_spec_names_and_strings_inner);
}

fn wire_form_uses_spec_names_and_strings_inner() {
    let mut buf = [0u8; 4096];
    let (req, resp) = &common::examples()[2];
    assert_eq!(
        encode_request(req, &mut buf),
        r#"[2,"m-1","BootNotification",{"chargePointModel":"Wallbox-22","chargePointSerialNumber":"SN-000123","chargePointVendor":"ExampleVendor","firmwareVersion":"1.4.2+build.77","iccid":"8944500102198304826","imsi":"234150999999999","meterSerialNumber":"MTR-99812","meterType":"DZG DVH4013"}]"#
    );
    assert_eq!(
        encode_response(resp, &mut buf),
        r#"[3,"m-1",{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}]"#
    );
    let stop = common::examples()
        .into_iter()
        .find(|(r, _)| r.action() == Action::StopTransaction)
        .unwrap()
        .0;
    let text = encode_request(&stop, &mut buf);
    assert!(text.contains(r#""reason":"EVDisconnected""#), "{text}");
    assert!(
        text.contains(r#""measurand":"Energy.Active.Import.Register""#),
        "{text}"
    );
    assert!(text.contains(r#""phase":"L1-N""#), "{text}");
    assert!(text.contains(r#""context":"Sample.Periodic""#), "{text}");
    let set = common::examples()
        .into_iter()
        .find(|(r, _)| r.action() == Action::SetChargingProfile)
        .unwrap()
        .0;
    let text = encode_request(&set, &mut buf);
    assert!(
        text.contains(r#""limit":6,"#)
            && text.contains(r#""limit":7.1}"#)
            && text.contains(r#""minChargingRate":6"#),
        "exact decimals, shortest form, as JSON numbers: {text}"
    );
    let status = common::examples()
        .into_iter()
        .find(|(r, _)| r.action() == Action::StatusNotification)
        .unwrap()
        .0;
    let text = encode_request(&status, &mut buf);
    assert!(
        text.contains(r#""errorCode":"EVCommunicationError""#),
        "{text}"
    );
}

/// The folder of the official schemas: `OCPP_SCHEMA_DIR`, set by scripts/test to the schemas the
/// PyPI `ocpp` package ships (ocpp/v16/schemas).
fn schema_dir() -> PathBuf {
    let dir = std::env::var_os("OCPP_SCHEMA_DIR")
        .map(PathBuf::from)
        .expect(
            "OCPP_SCHEMA_DIR is not set: run scripts/test, which installs the PyPI `ocpp` package \
         into .venv and points OCPP_SCHEMA_DIR at its v16 schemas",
        );
    assert!(
        dir.join("BootNotification.json").is_file(),
        "no OCPP 1.6 schemas in {}",
        dir.display()
    );
    dir
}

fn validator(dir: &std::path::Path, name: &str) -> jsonschema::Validator {
    let path = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    common::schema::to_official(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, name: &str, payload: &str) {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: {payload}\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_example_matches_the_official_schema() {
    big_stack(every_example_matches_the_official_schema_inner);
}

fn every_example_matches_the_official_schema_inner() {
    let dir = schema_dir();
    let mut buf = vec![0u8; 64 * 1024];
    let mut checked = 0;
    for (req, resp) in common::examples() {
        let action = req.action().as_str();
        let n = ocpp_core::json::to_slice(&req, &mut buf).unwrap();
        assert_valid(
            &validator(&dir, action),
            action,
            std::str::from_utf8(&buf[..n]).unwrap(),
        );
        let name = format!("{action}Response");
        let n = ocpp_core::json::to_slice(&resp, &mut buf).unwrap();
        assert_valid(
            &validator(&dir, &name),
            &name,
            std::str::from_utf8(&buf[..n]).unwrap(),
        );
        checked += 2;
    }
    assert!(checked >= 78);
}

/// The schemas themselves pin our enumerations: every value the schema lists must decode, and
/// every value we define must be in the schema. Checked for a representative field of each enum.
#[test]
fn enumerations_match_the_schemas() {
    use ocpp_core::v16::*;
    let dir = schema_dir();
    let schema = |file: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{file}.json"))).unwrap())
            .unwrap()
    };
    fn strings(v: &serde_json::Value) -> Vec<String> {
        v["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }
    fn ours<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| f(*v).to_owned()).collect()
    }
    let sampled = &schema("MeterValues")["properties"]["meterValue"]["items"]["properties"]["sampledValue"]
        ["items"]["properties"];
    let profile = &schema("SetChargingProfile")["properties"]["csChargingProfiles"]["properties"];
    let checks: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        (
            "Measurand",
            strings(&sampled["measurand"]),
            ours(Measurand::ALL, Measurand::as_str),
        ),
        (
            "Phase",
            strings(&sampled["phase"]),
            ours(Phase::ALL, Phase::as_str),
        ),
        (
            "Location",
            strings(&sampled["location"]),
            ours(Location::ALL, Location::as_str),
        ),
        (
            "UnitOfMeasure",
            strings(&sampled["unit"]),
            ours(UnitOfMeasure::ALL, UnitOfMeasure::as_str),
        ),
        (
            "ReadingContext",
            strings(&sampled["context"]),
            ours(ReadingContext::ALL, ReadingContext::as_str),
        ),
        (
            "ValueFormat",
            strings(&sampled["format"]),
            ours(ValueFormat::ALL, ValueFormat::as_str),
        ),
        (
            "ChargePointErrorCode",
            strings(&schema("StatusNotification")["properties"]["errorCode"]),
            ours(ChargePointErrorCode::ALL, ChargePointErrorCode::as_str),
        ),
        (
            "ChargePointStatus",
            strings(&schema("StatusNotification")["properties"]["status"]),
            ours(ChargePointStatus::ALL, ChargePointStatus::as_str),
        ),
        (
            "Reason",
            strings(&schema("StopTransaction")["properties"]["reason"]),
            ours(Reason::ALL, Reason::as_str),
        ),
        (
            "AuthorizationStatus",
            strings(
                &schema("AuthorizeResponse")["properties"]["idTagInfo"]["properties"]["status"],
            ),
            ours(AuthorizationStatus::ALL, AuthorizationStatus::as_str),
        ),
        (
            "MessageTrigger",
            strings(&schema("TriggerMessage")["properties"]["requestedMessage"]),
            ours(MessageTrigger::ALL, MessageTrigger::as_str),
        ),
        (
            "ChargingProfilePurpose",
            strings(&profile["chargingProfilePurpose"]),
            ours(ChargingProfilePurpose::ALL, ChargingProfilePurpose::as_str),
        ),
        (
            "ChargingProfileKind",
            strings(&profile["chargingProfileKind"]),
            ours(ChargingProfileKind::ALL, ChargingProfileKind::as_str),
        ),
        (
            "FirmwareStatus",
            strings(&schema("FirmwareStatusNotification")["properties"]["status"]),
            ours(FirmwareStatus::ALL, FirmwareStatus::as_str),
        ),
        (
            "DiagnosticsStatus",
            strings(&schema("DiagnosticsStatusNotification")["properties"]["status"]),
            ours(DiagnosticsStatus::ALL, DiagnosticsStatus::as_str),
        ),
        (
            "SignedFirmwareStatus",
            strings(
                &schema("SignedFirmwareStatusNotification")["definitions"]["FirmwareStatusEnumType"],
            ),
            ours(SignedFirmwareStatus::ALL, SignedFirmwareStatus::as_str),
        ),
        (
            "ExtendedMessageTrigger",
            strings(&schema("ExtendedTriggerMessage")["definitions"]["MessageTriggerEnumType"]),
            ours(ExtendedMessageTrigger::ALL, ExtendedMessageTrigger::as_str),
        ),
        (
            "UploadLogStatus",
            strings(&schema("LogStatusNotification")["definitions"]["UploadLogStatusEnumType"]),
            ours(UploadLogStatus::ALL, UploadLogStatus::as_str),
        ),
    ];
    for (name, mut theirs, mut mine) in checks {
        theirs.sort();
        mine.sort();
        assert_eq!(theirs, mine, "{name}");
    }
}

/// The schema check can fail: payloads that break the schema in each way are refused.
#[test]
fn schema_validation_rejects_bad_payloads() {
    let dir = schema_dir();
    let v = validator(&dir, "BootNotificationResponse");
    for bad in [
        r#"{"interval":300,"status":"Accepted"}"#,
        r#"{"currentTime":"2024-05-01T12:00:00Z","interval":"300","status":"Accepted"}"#,
        r#"{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"accepted"}"#,
        r#"{"currentTime":"yesterday","interval":300,"status":"Accepted"}"#,
        r#"{"currentTime":"2024-05-01T12:00:00Z","interval":300,"status":"Accepted","extra":1}"#,
    ] {
        let value: serde_json::Value = serde_json::from_str(bad).unwrap();
        assert!(!v.is_valid(&value), "schema accepted {bad}");
    }
    let v = validator(&dir, "Authorize");
    let value: serde_json::Value =
        serde_json::from_str(r#"{"idTag":"123456789012345678901"}"#).unwrap();
    assert!(!v.is_valid(&value), "21-character idTag accepted");
}

/// What `charge_point::metering` writes is valid against the official schemas: a MeterValues.req
/// with every supported measurand (per phase and overall), and a StopTransaction.req whose
/// transactionData holds Frequency (the StopTransaction schema has no `Hertz` unit).
#[test]
fn metering_output_matches_the_official_schema() {
    big_stack(metering_output_matches_the_official_schema_inner);
}

fn metering_output_matches_the_official_schema_inner() {
    use ocpp_core::charge_point::metering::{
        DefaultTransactionData, IntervalValues, MeterItem, MeterReadings, MeterSetup,
        PhaseReporting, QUALIFIED, Reading, SUPPORTED_MEASURANDS, StopTxnMeasurands,
        build_meter_value_with,
    };
    use ocpp_core::types::{DateTime, List};
    use ocpp_core::v16::{Location, MeterValuesRequest, ReadingContext, StopTransactionRequest};

    let dir = schema_dir();
    let r = |v: f64| Reading::from_milli((v * 1000.0).round() as i64);
    let readings = MeterReadings {
        energy_active_import_wh: r(12_345.6),
        energy_active_export_wh: r(1.0),
        power_active_import_w: r(7_360.0),
        power_active_export_w: r(0.0),
        current_import_a: [r(16.0), r(15.5), r(15.75)],
        voltage_v: [r(230.1), r(229.9), r(231.0)],
        current_offered_a: r(16.0),
        power_offered_w: r(11_000.0),
        soc_percent: r(55.0),
        temperature_c: r(-5.5),
        frequency_hz: r(50.01),
    };
    let setup = MeterSetup {
        location: Location::Outlet,
        phases: PhaseReporting::PerPhaseAndOverall,
    };
    let ts = DateTime::parse("2024-05-01T12:15:00Z").unwrap();
    // Every supported measurand, every phase-qualified entry (§9.1.17 "Voltage.L1") and the
    // Energy.*.Interval values (§7.31).
    let items: Vec<MeterItem> = SUPPORTED_MEASURANDS
        .iter()
        .map(|&m| MeterItem::plain(m))
        .chain(
            QUALIFIED
                .iter()
                .filter_map(|&(m, p)| MeterItem::qualified(m, p)),
        )
        .collect();
    let intervals = IntervalValues {
        active_import_wh: r(250.5),
        active_export_wh: r(0.0),
    };
    let mv = build_meter_value_with(
        &readings,
        intervals,
        &items,
        ReadingContext::SampleClock,
        ts,
        MeterSetup {
            phases: PhaseReporting::PerPhase,
            ..setup
        },
    )
    .unwrap();
    let req = MeterValuesRequest {
        connector_id: 1,
        transaction_id: Some(7),
        meter_value: List::try_from_iter([mv]).unwrap(),
    };
    let mut buf = vec![0u8; 64 * 1024];
    let n = ocpp_core::json::to_slice(&req, &mut buf).unwrap();
    let text = std::str::from_utf8(&buf[..n]).unwrap();
    // Frequency is there, without `Hertz`: not in the official schemas' unit enumeration.
    assert!(text.contains(r#""measurand":"Frequency""#), "{text}");
    assert!(!text.contains("Hertz"), "{text}");
    assert!(
        text.contains(r#""value":"250.5","context":"Sample.Clock","measurand":"Energy.Active.Import.Interval""#),
        "{text}"
    );
    assert!(
        text.contains(r#""measurand":"Voltage","phase":"L1","#),
        "{text}"
    );
    assert_valid(&validator(&dir, "MeterValues"), "MeterValues", text);

    let stop_txn = StopTxnMeasurands {
        sampled: &items,
        aligned: &items,
    };
    let mut data = DefaultTransactionData::new();
    data.begin(ts, &readings);
    let mut later = readings.clone();
    for s in 1..=20 {
        later.energy_active_import_wh = r(12_345.6 + 100.0 * s as f64);
        data.sample(
            ts.add_millis(s * 60_000),
            ReadingContext::SamplePeriodic,
            &later,
            &stop_txn,
        );
    }
    data.end(ts.add_millis(3_600_000), &later);
    let mut stop = StopTransactionRequest {
        id_tag: None,
        meter_stop: readings.meter_register_wh().unwrap(),
        timestamp: ts.add_millis(3_600_000),
        transaction_id: 7,
        reason: None,
        transaction_data: None,
    };
    data.write_into(&mut stop.transaction_data, &stop_txn, setup);
    assert!(stop.transaction_data.is_some());
    let n = ocpp_core::json::to_slice(&stop, &mut buf).unwrap();
    let text = std::str::from_utf8(&buf[..n]).unwrap();
    assert!(text.contains(r#""measurand":"Frequency""#), "{text}");
    assert!(
        text.contains(r#""measurand":"Energy.Active.Import.Interval""#),
        "{text}"
    );
    let stop_schema = validator(&dir, "StopTransaction");
    assert_valid(&stop_schema, "StopTransaction", text);
    // Why Frequency goes without its unit there: with it, the schema refuses the message.
    let with_hertz = text.replace(
        r#""measurand":"Frequency","location":"Outlet""#,
        r#""measurand":"Frequency","location":"Outlet","unit":"Hertz""#,
    );
    assert_ne!(with_hertz, text);
    let value: serde_json::Value = serde_json::from_str(&with_hertz).unwrap();
    assert!(!stop_schema.is_valid(&value));
}

/// `limit` and `minChargingRate` (§7.13, §7.14: "accepts at most one digit fraction") arrive in
/// whatever form the central system's JSON library prints; they are read exactly, rounded to the
/// tenth, re-encoded in shortest form as JSON numbers, and refused when out of range.
#[test]
fn decimals_are_read_exactly_in_any_number_form() {
    big_stack(decimals_are_read_exactly_in_any_number_form_inner);
}

fn decimals_are_read_exactly_in_any_number_form_inner() {
    use ocpp_core::json::ErrorKind;
    use ocpp_core::rpc::ErrorCode;
    use ocpp_core::types::Decimal;

    let payload = |limits: &str, min: &str| {
        format!(
            r#"{{"connectorId":1,"csChargingProfiles":{{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Relative","chargingSchedule":{{"chargingRateUnit":"A","chargingSchedulePeriod":[{limits}],"minChargingRate":{min}}}}}}}"#
        )
    };
    let periods = |l: &[&str]| {
        l.iter()
            .enumerate()
            .map(|(i, l)| format!(r#"{{"startPeriod":{},"limit":{l}}}"#, i * 60))
            .collect::<Vec<_>>()
            .join(",")
    };
    let text = payload(
        &periods(&[
            "1.6E+1",
            "1e1",
            "8.15",
            "7.199999999",
            "0.5",
            "32.0",
            "1104e1",
        ]),
        "6e0",
    );
    let req = Request::decode(Action::SetChargingProfile, &text, &OPTS).unwrap();
    let Request::SetChargingProfile(set) = &req else {
        panic!("{req:?}");
    };
    let schedule = &set.cs_charging_profiles.charging_schedule;
    let limits: Vec<i32> = schedule
        .charging_schedule_period
        .iter()
        .map(|p| p.limit.tenths())
        .collect();
    assert_eq!(limits, [160, 100, 82, 72, 5, 320, 110_400]);
    assert_eq!(schedule.min_charging_rate, Some(Decimal::from_int(6)));
    let mut buf = vec![0u8; 4096];
    let out = encode_request(&req, &mut buf);
    assert!(
        out.contains(
            r#""limit":16},{"startPeriod":60,"limit":10},{"startPeriod":120,"limit":8.2},{"startPeriod":180,"limit":7.2},{"startPeriod":240,"limit":0.5},{"startPeriod":300,"limit":32},{"startPeriod":360,"limit":11040}"#
        ) && out.contains(r#""minChargingRate":6}"#),
        "{out}"
    );
    let v = validator(&schema_dir(), "SetChargingProfile");
    let frame: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_valid(&v, "SetChargingProfile", &frame[3].to_string());
    // Beyond the range: PropertyConstraintViolation; as a string: TypeConstraintViolation.
    for (limit, code) in [
        ("1e10", ErrorCode::PropertyConstraintViolation),
        ("214748364.75", ErrorCode::PropertyConstraintViolation),
        ("1e999999999999", ErrorCode::PropertyConstraintViolation),
        (r#""16""#, ErrorCode::TypeConstraintViolation),
    ] {
        let text = payload(&periods(&[limit]), "0");
        let e = Request::decode(Action::SetChargingProfile, &text, &OPTS).unwrap_err();
        assert_eq!(e.kind().error_code(), code, "{limit}");
        assert!(
            matches!(e.kind(), ErrorKind::InvalidValue | ErrorKind::InvalidType),
            "{limit}"
        );
    }
}
