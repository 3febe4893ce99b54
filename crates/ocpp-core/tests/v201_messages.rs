//! OCPP 2.0.1: every action's request and response (tests/data/v201_examples.json, one example
//! each with every optional member present) decodes, encodes back to the same JSON, round-trips
//! through frames and matches the official OCPP 2.0.1 JSON schema; every enumeration value and
//! every string bound of the schemas is checked member by member; and every CALLERROR rule of
//! OCPP-J 2.0.1 (part 4) is driven by a raw frame.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::items_after_statements,
    clippy::trivially_copy_pass_by_ref
)]

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use ocpp_core::json::{self, DecodeOptions, ErrorKind};
use ocpp_core::rpc::v201::{
    self as rpc201, ErrorCode, FrameAnswer, SUBPROTOCOL, decode_error_code, frame_error_answer,
};
use ocpp_core::rpc::{Frame, encode_call, encode_call_result};
use ocpp_core::v201::{
    Action, CallDecodeError, Direction, IncomingRequest, IncomingResponse, Request, Response,
};
use serde_json::Value;

const OPTS: DecodeOptions = DecodeOptions::STRICT;

/// The folder of the official 2.0.1 schemas: `OCPP201_SCHEMA_DIR`, set by scripts/test to the
/// schemas the PyPI `ocpp` package ships (ocpp/v201/schemas).
fn schema_dir() -> PathBuf {
    let dir = std::env::var_os("OCPP201_SCHEMA_DIR")
        .map(PathBuf::from)
        .expect(
            "OCPP201_SCHEMA_DIR is not set: run scripts/test, which installs the PyPI `ocpp` \
             package into .venv and points OCPP201_SCHEMA_DIR at its v201 schemas",
        );
    assert!(
        dir.join("BootNotificationRequest.json").is_file(),
        "no OCPP 2.0.1 schemas in {}",
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

fn validate(name: &str, payload: &Value) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(payload)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: {payload}\n{}",
        errors.join("\n")
    );
}

/// The examples: message name (`BootNotificationRequest`) -> payload.
fn examples() -> &'static BTreeMap<String, Value> {
    static EXAMPLES: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v201_examples.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// Messages are large values; decode and encode them on a roomy stack.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// The action and whether `name` is its request.
fn split(name: &str) -> (Action, bool) {
    if let Some(a) = name.strip_suffix("Request") {
        (Action::parse(a).unwrap(), true)
    } else {
        let a = name.strip_suffix("Response").unwrap();
        (Action::parse(a).unwrap(), false)
    }
}

/// Decodes `text` as message `name` and encodes it again: the payload we write.
fn reencode(name: &str, text: &str, opts: &DecodeOptions) -> Result<String, json::Error> {
    let (action, request) = split(name);
    let mut buf = vec![0u8; 256 * 1024];
    let n = if request {
        json::to_slice(&Request::decode(action, text, opts)?, &mut buf).unwrap()
    } else {
        json::to_slice(&Response::decode(action, text, opts)?, &mut buf).unwrap()
    };
    Ok(String::from_utf8(buf[..n].to_vec()).unwrap())
}

#[test]
fn every_action_of_the_schemas_is_typed_and_has_an_example() {
    let mut actions = HashSet::new();
    for entry in std::fs::read_dir(schema_dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(a) = name.strip_suffix("Request.json") {
            actions.insert(a.to_owned());
        }
    }
    assert_eq!(actions.len(), 64);
    let ours: HashSet<String> = Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
    assert_eq!(ours, actions);
    for a in Action::ALL {
        assert_eq!(Action::parse(a.as_str()), Some(*a));
        for kind in ["Request", "Response"] {
            assert!(
                examples().contains_key(&format!("{a}{kind}")),
                "no example of {a}{kind}"
            );
        }
    }
    assert_eq!(examples().len(), 128);
    // Who sends what: the charging station receives 40 requests (39 and DataTransfer).
    let receives = Action::ALL
        .iter()
        .filter(|a| a.direction().charging_station_receives())
        .count();
    assert_eq!(receives, 40);
    assert_eq!(Action::DataTransfer.direction(), Direction::Both);
    assert_eq!(Action::TransactionEvent.direction(), Direction::CsToCsms);
    assert_eq!(Action::SetVariables.direction(), Direction::CsmsToCs);
    assert_eq!(Action::Reset.block().letter(), 'B');
    assert_eq!(Action::DataTransfer.block().letter(), 'P');
    assert_eq!(SUBPROTOCOL, "ocpp2.0.1");
}

/// Every example decodes, encodes back to the same JSON (so no member is lost or renamed), and
/// what we write matches the official schema.
#[test]
fn every_example_round_trips_and_matches_the_official_schema() {
    big_stack(|| {
        for (name, example) in examples() {
            let text = serde_json::to_string(example).unwrap();
            let ours = reencode(name, &text, &OPTS).unwrap_or_else(|e| panic!("{name}: {e}"));
            let value: Value = serde_json::from_str(&ours).unwrap();
            assert_eq!(&value, example, "{name}: we wrote {ours}");
            validate(name, &value);
        }
    });
}

/// Through frames: a CALL and a CALLRESULT carry every example and decode back to the same
/// value, through the charging station's decoders where it receives the message.
#[test]
fn every_example_round_trips_through_frames() {
    big_stack(|| {
        let mut buf = vec![0u8; 256 * 1024];
        let mut buf2 = vec![0u8; 64 * 1024];
        let mut buf3 = vec![0u8; 64 * 1024];
        for a in Action::ALL {
            buf2.fill(0);
            buf3.fill(0);
            let text = serde_json::to_string(&examples()[&format!("{a}Request")]).unwrap();
            let req = Request::decode(*a, &text, &OPTS).unwrap();
            assert_eq!(req.action(), *a);
            let frame = encode_call(&mut buf, "m-1", a.as_str(), &req)
                .unwrap()
                .to_owned();
            let Ok(Frame::Call(call)) = Frame::parse(&frame) else {
                panic!("{frame}")
            };
            assert_eq!(Request::from_call(&call, &OPTS).unwrap(), req);
            let at_cs = IncomingRequest::from_call(&call, &OPTS);
            if a.direction().charging_station_receives() {
                let at_cs = at_cs.unwrap();
                assert_eq!(at_cs.action(), *a);
                assert_eq!(
                    json::to_slice(&at_cs, &mut buf2).unwrap(),
                    json::to_slice(&req, &mut buf3).unwrap()
                );
                assert_eq!(buf2, buf3);
            } else {
                assert_eq!(at_cs, Err(CallDecodeError::NotSupported));
                assert_eq!(
                    at_cs.unwrap_err().error_code(),
                    ErrorCode::NotSupported,
                    "{a}"
                );
            }

            let text = serde_json::to_string(&examples()[&format!("{a}Response")]).unwrap();
            let resp = Response::decode(*a, &text, &OPTS).unwrap();
            assert_eq!(resp.action(), *a);
            let frame = encode_call_result(&mut buf, "m-1", &resp)
                .unwrap()
                .to_owned();
            let Ok(Frame::CallResult(result)) = Frame::parse(&frame) else {
                panic!("{frame}")
            };
            assert_eq!(Response::decode(*a, result.payload, &OPTS).unwrap(), resp);
            let at_cs = IncomingResponse::decode(*a, result.payload, &OPTS);
            if a.direction().charging_station_sends() {
                let at_cs = at_cs.unwrap().unwrap();
                assert_eq!(at_cs.action(), *a);
                buf2.fill(0);
                buf3.fill(0);
                assert_eq!(
                    json::to_slice(&at_cs, &mut buf2).unwrap(),
                    json::to_slice(&resp, &mut buf3).unwrap()
                );
                assert_eq!(buf2, buf3);
            } else {
                assert!(at_cs.is_none(), "{a}");
            }
        }
    });
}

#[test]
fn wire_form_uses_the_schema_names_and_strings() {
    big_stack(|| {
        let text = r#"{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}"#;
        assert_eq!(
            reencode("BootNotificationRequest", text, &OPTS).unwrap(),
            r#"{"chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"},"reason":"PowerUp"}"#
        );
        let text =
            r#"{"currentTime":"2013-02-01T20:53:32.486Z","interval":300,"status":"Accepted"}"#;
        assert_eq!(
            reencode("BootNotificationResponse", text, &OPTS).unwrap(),
            text
        );
        let te = reencode(
            "TransactionEventRequest",
            &examples()["TransactionEventRequest"].to_string(),
            &OPTS,
        )
        .unwrap();
        for piece in [
            r#""measurand":"Energy.Active.Import.Register""#,
            r#""phase":"L1-N""#,
            r#""value":1234.567"#,
            r#""value":10.125"#,
            r#""context":"Sample.Periodic""#,
            r#""triggerReason":"MeterValuePeriodic""#,
        ] {
            assert!(te.contains(piece), "{piece} not in {te}");
        }
        let set = reencode(
            "SetChargingProfileRequest",
            &examples()["SetChargingProfileRequest"].to_string(),
            &OPTS,
        )
        .unwrap();
        assert!(
            set.contains(r#""limit":16,"#) && set.contains(r#""limit":10.5,"#),
            "exact decimals, shortest form: {set}"
        );
        // DataTransfer.data is any JSON value, kept verbatim.
        let text = r#"{"vendorId":"com.example","data":{ "a" : [1, "x"] }}"#;
        assert_eq!(
            reencode("DataTransferRequest", text, &OPTS).unwrap(),
            r#"{"data":{ "a" : [1, "x"] },"vendorId":"com.example"}"#
        );
    });
}

/// Resolves `$ref`s of schema `root`.
fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => &root["definitions"][r.rsplit('/').next().unwrap()],
        None => s,
    }
}

/// Every member present in `example` with its (resolved) schema, by JSON pointer; list members
/// through their first item.
fn members<'a>(
    root: &'a Value,
    s: &'a Value,
    example: &Value,
    at: &str,
    out: &mut Vec<(String, &'a Value)>,
) {
    let s = resolve(root, s);
    if let (Some(props), Some(obj)) = (
        s.get("properties").and_then(Value::as_object),
        example.as_object(),
    ) {
        for (name, prop) in props {
            if name == "customData" {
                continue;
            }
            let Some(v) = obj.get(name) else { continue };
            let path = format!("{at}/{name}");
            let prop = resolve(root, prop);
            out.push((path.clone(), prop));
            if let (Some(items), Some(first)) =
                (prop.get("items"), v.as_array().and_then(|a| a.first()))
            {
                let items = resolve(root, items);
                out.push((format!("{path}/0"), items));
                members(root, items, first, &format!("{path}/0"), out);
            } else {
                members(root, prop, v, &path, out);
            }
        }
    }
}

fn with(example: &Value, pointer: &str, v: Value) -> String {
    let mut e = example.clone();
    *e.pointer_mut(pointer).unwrap() = v;
    e.to_string()
}

/// Every enumeration value of every member of every message decodes and is written back as
/// the schema spells it; a value the schema does not list is a TypeConstraintViolation.
#[test]
fn every_enumeration_value_of_the_schemas_round_trips() {
    big_stack(|| {
        let mut checked = 0;
        for (name, example) in examples() {
            let root = schema(name);
            let mut found = Vec::new();
            members(root, root, example, "", &mut found);
            for (pointer, prop) in found {
                let Some(values) = prop.get("enum").and_then(Value::as_array) else {
                    continue;
                };
                for v in values {
                    let text = with(example, &pointer, v.clone());
                    let ours = reencode(name, &text, &OPTS)
                        .unwrap_or_else(|e| panic!("{name}{pointer} = {v}: {e}"));
                    let back: Value = serde_json::from_str(&ours).unwrap();
                    assert_eq!(back.pointer(&pointer), Some(v), "{name}{pointer}");
                    checked += 1;
                }
                let err =
                    reencode(name, &with(example, &pointer, "Bogus".into()), &OPTS).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::UnknownVariant, "{name}{pointer}");
                assert_eq!(
                    decode_error_code(err.kind()),
                    ErrorCode::TypeConstraintViolation
                );
            }
        }
        assert!(checked > 700, "{checked} enumeration values");
    });
}

/// Every string member holds exactly its schema `maxLength` and refuses one character more
/// (PropertyConstraintViolation), except the two signed-meter-value strings, bounded lower by
/// limits.rs. (The bound counts UTF-8 bytes, as every `BoundedString` does: ASCII here.)
#[test]
fn every_string_bound_of_the_schemas_is_enforced() {
    big_stack(|| {
        let lower: &[(&str, usize)] = &[
            (
                "/signedMeterData",
                ocpp_core::limits::SIGNED_METER_DATA_MAX_LEN,
            ),
            ("/publicKey", ocpp_core::limits::METER_PUBLIC_KEY_MAX_LEN),
        ];
        let mut checked = 0;
        for (name, example) in examples() {
            let root = schema(name);
            let mut found = Vec::new();
            members(root, root, example, "", &mut found);
            for (pointer, prop) in found {
                let Some(max) = prop.get("maxLength").and_then(Value::as_u64) else {
                    continue;
                };
                let max = lower
                    .iter()
                    .find(|(suffix, _)| pointer.ends_with(suffix))
                    .map_or(max as usize, |(_, n)| *n);
                let fits = "x".repeat(max);
                reencode(name, &with(example, &pointer, fits.into()), &OPTS)
                    .unwrap_or_else(|e| panic!("{name}{pointer} at {max}: {e}"));
                let long = "x".repeat(max + 1);
                let err = reencode(name, &with(example, &pointer, long.into()), &OPTS).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::InvalidValue, "{name}{pointer}");
                assert_eq!(
                    decode_error_code(err.kind()),
                    ErrorCode::PropertyConstraintViolation
                );
                checked += 1;
            }
        }
        assert!(checked > 250, "{checked} strings");
    });
}

/// Leaving out a required member is an OccurrenceConstraintViolation, everywhere.
#[test]
fn every_required_member_is_required() {
    big_stack(|| {
        let mut checked = 0;
        for (name, example) in examples() {
            let root = schema(name);
            let mut objects = vec![(String::new(), root)];
            let mut found = Vec::new();
            members(root, root, example, "", &mut found);
            objects.extend(
                found
                    .into_iter()
                    .filter(|(_, s)| s.get("required").is_some()),
            );
            for (pointer, s) in objects {
                for member in s["required"].as_array().into_iter().flatten() {
                    let member = member.as_str().unwrap();
                    let mut e = example.clone();
                    let Some(obj) = e.pointer_mut(&pointer).and_then(Value::as_object_mut) else {
                        continue;
                    };
                    obj.remove(member);
                    let err = reencode(name, &e.to_string(), &OPTS).unwrap_err();
                    assert_eq!(
                        err.kind(),
                        ErrorKind::MissingField,
                        "{name}{pointer}/{member}"
                    );
                    assert_eq!(err.field(), Some(member), "{name}{pointer}");
                    assert_eq!(
                        decode_error_code(err.kind()),
                        ErrorCode::OccurrenceConstraintViolation
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 200, "{checked} required members");
    });
}

/// OCPP-J 2.0.1 §9: `customData` on any class is accepted and ignored, also when unknown
/// members are refused; any other unknown member is then a ProtocolError.
#[test]
fn custom_data_is_accepted_and_ignored_everywhere() {
    big_stack(|| {
        fn add_custom_data(v: &mut Value) {
            match v {
                Value::Object(map) => {
                    map.values_mut().for_each(add_custom_data);
                    map.insert(
                        "customData".into(),
                        serde_json::json!({"vendorId": "com.example", "mainMeterValue": 12345, "x": [1, {"y": null}]}),
                    );
                }
                Value::Array(items) => items.iter_mut().for_each(add_custom_data),
                _ => {}
            }
        }
        for (name, example) in examples() {
            if name.starts_with("DataTransfer") {
                // `data` is any JSON: an object in it is not a class of the schema.
                continue;
            }
            let mut e = example.clone();
            add_custom_data(&mut e);
            let ours =
                reencode(name, &e.to_string(), &OPTS).unwrap_or_else(|err| panic!("{name}: {err}"));
            let back: Value = serde_json::from_str(&ours).unwrap();
            assert_eq!(&back, example, "{name}: customData is not sent");
        }
        let err = reencode("HeartbeatRequest", r#"{"vendorExtra":1}"#, &OPTS).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownField);
        assert_eq!(decode_error_code(err.kind()), ErrorCode::ProtocolError);
        // Tolerant by default.
        reencode(
            "HeartbeatRequest",
            r#"{"vendorExtra":1}"#,
            &DecodeOptions::DEFAULT,
        )
        .unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// OCPP-J 2.0.1 CALLERROR rules (part 4 §4.1.3, §4.1.7, §4.2.3, §4.3, §4.4), raw frames in.

/// What a charging station answers to a raw frame: `None` when it is a CALL it handles (or a
/// message that is not answered), else the CALLERROR's id and code. On a roomy stack: a decoded
/// request is a large value.
fn answer(text: &str) -> Option<(String, ErrorCode)> {
    let text = text.to_owned();
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || answer_inner(&text))
        .unwrap()
        .join()
        .unwrap()
}

fn answer_inner(text: &str) -> Option<(String, ErrorCode)> {
    match Frame::parse_with(text, &OPTS) {
        Err(e) => frame_error_answer(&e).map(|FrameAnswer { id, code, .. }| (id.to_owned(), code)),
        Ok(Frame::Call(call)) => match IncomingRequest::from_call(&call, &OPTS) {
            Ok(_) => None,
            Err(e) => Some((call.id.to_owned(), e.error_code())),
        },
        Ok(_) => None,
    }
}

fn check(text: &str, id: &str, code: ErrorCode) {
    assert_eq!(answer(text), Some((id.to_owned(), code)), "{text}");
}

#[test]
fn a_valid_call_is_handled() {
    assert_eq!(answer(r#"[2,"42","ClearCache",{}]"#), None);
    assert_eq!(answer(" [ 2 , \"42\" , \"ClearCache\" , { } ] \n"), None);
    // A null payload reads as {} (§4.1.5 recommends {}).
    assert_eq!(answer(r#"[2,"42","ClearCache",null]"#), None);
}

#[test]
fn unknown_action_is_not_implemented_and_a_sent_one_not_supported() {
    // §4.1.7: "Action is a known Action"; case-sensitive (§4.2.1).
    check(
        r#"[2,"42","MakeCoffee",{}]"#,
        "42",
        ErrorCode::NotImplemented,
    );
    check(
        r#"[2,"42","clearCache",{}]"#,
        "42",
        ErrorCode::NotImplemented,
    );
    // A 1.6 action that 2.0.1 does not have.
    check(
        r#"[2,"42","RemoteStartTransaction",{}]"#,
        "42",
        ErrorCode::NotImplemented,
    );
    // A request only a charging station sends.
    check(r#"[2,"42","Heartbeat",{}]"#, "42", ErrorCode::NotSupported);
}

#[test]
fn payload_violations_take_their_table_8_code() {
    // Required member missing.
    check(
        r#"[2,"42","ClearVariableMonitoring",{}]"#,
        "42",
        ErrorCode::OccurrenceConstraintViolation,
    );
    // Too many list items (MONITORS_PER_MESSAGE).
    let ids = (0..=ocpp_core::limits::MONITORS_PER_MESSAGE)
        .map(|i| i.to_string())
        .collect::<Vec<_>>();
    check(
        &format!(
            r#"[2,"42","ClearVariableMonitoring",{{"id":[{}]}}]"#,
            ids.join(",")
        ),
        "42",
        ErrorCode::OccurrenceConstraintViolation,
    );
    // Wrong JSON type (table 8's own example), unknown enumeration value, malformed date-time.
    check(
        r#"[2,"42","Reset",{"type":12}]"#,
        "42",
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","Reset",{"type":"Hard"}]"#,
        "42",
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","ReserveNow",{"id":1,"expiryDateTime":"tomorrow","idToken":{"idToken":"A","type":"Central"}}]"#,
        "42",
        ErrorCode::TypeConstraintViolation,
    );
    // A string beyond maxLength, an integer beyond its type.
    check(
        &format!(
            r#"[2,"42","CancelReservation",{{"reservationId":{}}}]"#,
            u64::MAX
        ),
        "42",
        ErrorCode::PropertyConstraintViolation,
    );
    check(
        &format!(
            r#"[2,"42","DataTransfer",{{"vendorId":"{}"}}]"#,
            "v".repeat(256)
        ),
        "42",
        ErrorCode::PropertyConstraintViolation,
    );
    // A member twice, an unknown member (strict): not the PDU structure.
    check(
        r#"[2,"42","Reset",{"type":"Immediate","type":"OnIdle"}]"#,
        "42",
        ErrorCode::ProtocolError,
    );
    check(
        r#"[2,"42","Reset",{"type":"Immediate","kind":1}]"#,
        "42",
        ErrorCode::ProtocolError,
    );
    // Not even the payload's JSON is right: FormatViolation, with the id.
    check(
        r#"[2,"42","Reset",{"type":"Immediate",}]"#,
        "42",
        ErrorCode::FormatViolation,
    );
    check(
        r#"[2,"42","Reset",{"type":"Immediate""#,
        "42",
        ErrorCode::FormatViolation,
    );
    check(r#"[2,"42","Reset",[]]"#, "42", ErrorCode::FormatViolation);
    check(r#"[2,"42","Reset","{}"]"#, "42", ErrorCode::FormatViolation);
}

#[test]
fn unknown_message_types_are_message_type_not_supported() {
    // §4.4, with the message's id when it has one. 5 and 6 are OCPP 2.1's CALLRESULTERROR and
    // SEND, which OCPP 2.0.1 does not define.
    check(
        r#"[5,"42","InternalError","",{}]"#,
        "42",
        ErrorCode::MessageTypeNotSupported,
    );
    check(
        r#"[6,"42","NotifyPeriodicEventStream",{}]"#,
        "42",
        ErrorCode::MessageTypeNotSupported,
    );
    check(r#"[0,"42"]"#, "42", ErrorCode::MessageTypeNotSupported);
    check(
        r#"[2.5,"42","Reset",{}]"#,
        "42",
        ErrorCode::MessageTypeNotSupported,
    );
    check(
        r#"[-2,"x\"y",{}]"#,
        r#"x\"y"#,
        ErrorCode::MessageTypeNotSupported,
    );
    // No readable id: "-1" (§4.2.3).
    check("[7]", "-1", ErrorCode::MessageTypeNotSupported);
    check("[7,42]", "-1", ErrorCode::MessageTypeNotSupported);
}

#[test]
fn unreadable_message_ids_are_answered_with_minus_one() {
    // §4.2.3: "When also the MessageId cannot be read, the CALLERROR SHALL contain "-1" as
    // MessageId"; table 8: RpcFrameworkError, "for example: MessageId could not be read".
    for text in [
        "",
        "nonsense",
        "{}",
        "[]",
        r#"{"2":"42"}"#,
        r#"["2","42","Reset",{}]"#,
        r#"[2,42,"Reset",{}]"#,
        "[2]",
        "[2,",
        "\"str\"",
        r#"[2,"42"#,
    ] {
        check(text, "-1", ErrorCode::RpcFrameworkError);
    }
}

#[test]
fn a_call_that_is_not_a_valid_rpc_request_is_an_rpc_framework_error() {
    // The id is read, the frame around it is wrong.
    check(r#"[2,"42"]"#, "42", ErrorCode::RpcFrameworkError);
    check(r#"[2,"42","Reset"]"#, "42", ErrorCode::RpcFrameworkError);
    check(r#"[2,"42",7,{}]"#, "42", ErrorCode::RpcFrameworkError);
    check(
        r#"[2,"42","Reset",{"type":"Immediate"},{}]"#,
        "42",
        ErrorCode::RpcFrameworkError,
    );
    // "unique identifier too long" (§4.2.3), answered with the id so that it can be matched.
    let id = "x".repeat(37);
    check(
        &format!(r#"[2,"{id}","ClearCache",{{}}]"#),
        &id,
        ErrorCode::RpcFrameworkError,
    );
    assert_eq!(
        answer(&format!(r#"[2,"{}","ClearCache",{{}}]"#, "x".repeat(36))),
        None
    );
}

#[test]
fn answers_are_never_answered() {
    for text in [
        r#"[3,"42",[]]"#,
        r#"[3,"42"]"#,
        "[3,42,{}]",
        r#"[4,"42"]"#,
        r#"[4,"42","NotSupported","x",[]]"#,
        r#"[3,"42",{},{}]"#,
    ] {
        let err = Frame::parse(text).unwrap_err();
        assert_eq!(frame_error_answer(&err), None, "{text}");
    }
}

#[test]
fn call_errors_are_written_with_the_2_0_1_spellings() {
    let mut buf = [0u8; 512];
    let text = rpc201::encode_call_error(
        &mut buf,
        "-1",
        ErrorCode::RpcFrameworkError,
        "MessageId could not be read",
    )
    .unwrap();
    assert_eq!(
        text,
        r#"[4,"-1","RpcFrameworkError","MessageId could not be read",{}]"#
    );
    for code in ErrorCode::ALL {
        let text = rpc201::encode_call_error(&mut buf, "42", code, "")
            .unwrap()
            .to_owned();
        let Ok(Frame::CallError(e)) = Frame::parse(&text) else {
            panic!("{text}")
        };
        assert_eq!(ErrorCode::of_call_error(&e), code, "{text}");
        assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
    }
    assert_eq!(ErrorCode::FormatViolation.as_str(), "FormatViolation");
    assert_eq!(
        ErrorCode::OccurrenceConstraintViolation.as_str(),
        "OccurrenceConstraintViolation"
    );
    // The 1.6 spellings are read too; an unknown code is GenericError.
    assert_eq!(
        ErrorCode::parse("FormationViolation"),
        Some(ErrorCode::FormatViolation)
    );
    assert_eq!(
        ErrorCode::parse("OccurenceConstraintViolation"),
        Some(ErrorCode::OccurrenceConstraintViolation)
    );
    let Ok(Frame::CallError(e)) = Frame::parse(r#"[4,"42","Whatever","",{}]"#) else {
        panic!()
    };
    assert_eq!(ErrorCode::of_call_error(&e), ErrorCode::GenericError);
    // errorDescription is string[255] (table 7): cut at a character boundary.
    let long = "é".repeat(300);
    let text = rpc201::encode_call_error(&mut [0u8; 1024], "42", ErrorCode::GenericError, &long)
        .unwrap()
        .to_owned();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[3].as_str().unwrap().chars().count(), 255);
    assert_eq!(v[4], serde_json::json!({}));
}

/// RAM cost of the 2.0.1 message types, printed with `cargo test --test v201_messages sizes --
/// --nocapture` (see docs/architecture.md).
#[test]
fn sizes() {
    use core::mem::size_of;
    use ocpp_core::v201::*;
    let mut rows: Vec<(&str, usize)> = vec![
        ("v201::Request (all actions)", size_of::<Request>()),
        ("v201::Response (all actions)", size_of::<Response>()),
        (
            "v201::IncomingRequest (CSMS -> CS)",
            size_of::<IncomingRequest>(),
        ),
        (
            "v201::IncomingResponse (answers to CS)",
            size_of::<IncomingResponse>(),
        ),
        ("NotifyReportRequest", size_of::<NotifyReportRequest>()),
        (
            "TransactionEventRequest",
            size_of::<TransactionEventRequest>(),
        ),
        ("MeterValuesRequest", size_of::<MeterValuesRequest>()),
        ("SetVariablesRequest", size_of::<SetVariablesRequest>()),
        ("GetVariablesResponse", size_of::<GetVariablesResponse>()),
        ("SendLocalListRequest", size_of::<SendLocalListRequest>()),
        (
            "SetChargingProfileRequest",
            size_of::<SetChargingProfileRequest>(),
        ),
        (
            "RequestStartTransactionRequest",
            size_of::<RequestStartTransactionRequest>(),
        ),
        (
            "ReportChargingProfilesRequest",
            size_of::<ReportChargingProfilesRequest>(),
        ),
        ("NotifyEventRequest", size_of::<NotifyEventRequest>()),
        (
            "NotifyChargingLimitRequest",
            size_of::<NotifyChargingLimitRequest>(),
        ),
        ("GetReportRequest", size_of::<GetReportRequest>()),
        (
            "NotifyDisplayMessagesRequest",
            size_of::<NotifyDisplayMessagesRequest>(),
        ),
        (
            "BootNotificationRequest",
            size_of::<BootNotificationRequest>(),
        ),
        ("AuthorizeRequest", size_of::<AuthorizeRequest>()),
        ("AuthorizeResponse", size_of::<AuthorizeResponse>()),
        ("ChargingProfile", size_of::<ChargingProfile>()),
        ("SampledValue", size_of::<SampledValue>()),
        ("IdToken", size_of::<IdToken>()),
    ];
    rows.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (name, size) in &rows {
        println!("{name:34} {size:>8} bytes");
    }
    // What a charging station decodes is bounded by what it receives, not by what it sends.
    assert!(size_of::<IncomingRequest>() < size_of::<Request>() / 4);
    // The largest answer a charging station receives is Get15118EVCertificateResponse, whose
    // `exiResponse` may have 7,500 characters.
    assert!(size_of::<IncomingResponse>() <= 8192);
    // The everyday answers a charging station decodes stay small.
    assert!(size_of::<BootNotificationResponse>() <= 1024);
    assert!(size_of::<HeartbeatResponse>() <= 16);
}
