//! Every CALLERROR mapping of OCPP-J 1.6 §4.2.3, driven by raw frames: what a charge point answers
//! to a malformed CALL, and that the answer carries the CALL's id whenever it could be read.
#![allow(clippy::unwrap_used, clippy::panic, clippy::trivially_copy_pass_by_ref)]

use ocpp_core::json::{DecodeOptions, ErrorKind};
use ocpp_core::rpc::{self, ErrorCode, Frame, FrameError, MessageType};
use ocpp_core::v16::{CallDecodeError, Request};

/// The code (and id) a charge point answers a raw frame with; `None` when it decodes fine.
fn answer(text: &str, opts: &DecodeOptions) -> Option<(Option<String>, ErrorCode)> {
    match Frame::parse_with(text, opts) {
        Err(e) => Some((e.answer_id().map(str::to_owned), e.code)),
        Ok(Frame::Call(call)) => match Request::from_call(&call, opts) {
            Ok(_) => None,
            Err(e) => Some((Some(call.id.to_owned()), e.error_code())),
        },
        Ok(other) => panic!("not a CALL: {other:?}"),
    }
}

fn check(text: &str, code: ErrorCode) {
    check_with(text, code, &DecodeOptions::DEFAULT);
}

fn check_with(text: &str, code: ErrorCode, opts: &DecodeOptions) {
    let got = answer(text, opts).unwrap_or_else(|| panic!("accepted: {text}"));
    assert_eq!(got, (Some("42".to_owned()), code), "{text}");
}

#[test]
fn valid_call_is_accepted() {
    assert_eq!(
        answer(
            r#"[2,"42","Authorize",{"idTag":"ABC"}]"#,
            &DecodeOptions::DEFAULT
        ),
        None
    );
    assert_eq!(
        answer(
            " [ 2 , \"42\" , \"Heartbeat\" , { } ] \n",
            &DecodeOptions::DEFAULT
        ),
        None
    );
}

#[test]
fn unknown_action_is_not_implemented() {
    check(r#"[2,"42","MakeCoffee",{}]"#, ErrorCode::NotImplemented);
    // Action names are case-sensitive (OCPP-J §4.2.1).
    check(r#"[2,"42","heartbeat",{}]"#, ErrorCode::NotImplemented);
}

#[test]
fn payload_not_an_object_is_formation_violation() {
    check(r#"[2,"42","Heartbeat",[]]"#, ErrorCode::FormationViolation);
    check(
        r#"[2,"42","Heartbeat","{}"]"#,
        ErrorCode::FormationViolation,
    );
    check(r#"[2,"42","Heartbeat",17]"#, ErrorCode::FormationViolation);
}

#[test]
fn null_payload_reads_as_empty_object() {
    // OCPP-J §4.2.1 allows null for "no payload".
    assert_eq!(
        answer(r#"[2,"42","Heartbeat",null]"#, &DecodeOptions::DEFAULT),
        None
    );
}

#[test]
fn payload_not_json_is_formation_violation() {
    check(
        r#"[2,"42","Authorize",{"idTag":"ABC",}]"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":ABC}]"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"A\qB"}]"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag" "ABC"}]"#,
        ErrorCode::FormationViolation,
    );
    check(
        "[2,\"42\",\"Authorize\",{\"idTag\":\"A\u{1}B\"}]",
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"ABC"}"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"ABC"}] x"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"ABC"},{}]"#,
        ErrorCode::FormationViolation,
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"ABC","idTag":"DEF"}]"#,
        ErrorCode::FormationViolation,
    );
}

#[test]
fn missing_required_field_is_occurence_constraint_violation() {
    check(
        r#"[2,"42","Authorize",{}]"#,
        ErrorCode::OccurenceConstraintViolation,
    );
    check(
        r#"[2,"42","RemoteStopTransaction",{"transactionid":1}]"#,
        ErrorCode::OccurenceConstraintViolation,
    );
    check(
        r#"[2,"42","SetChargingProfile",{"connectorId":1,"csChargingProfiles":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingSchedulePeriod":[]}}}]"#,
        ErrorCode::OccurenceConstraintViolation,
    );
}

#[test]
fn missing_field_error_names_the_field() {
    let Ok(Frame::Call(call)) = Frame::parse(r#"[2,"42","Authorize",{}]"#) else {
        panic!()
    };
    let Err(CallDecodeError::Payload(e)) = Request::from_call(&call, &DecodeOptions::DEFAULT)
    else {
        panic!()
    };
    assert_eq!(e.kind(), ErrorKind::MissingField);
    assert_eq!(e.field(), Some("idTag"));
    let mut buf = [0u8; 128];
    assert_eq!(
        rpc::describe_decode_error(&e, &mut buf),
        "required field missing in field 'idTag' at payload byte 1"
    );
    // Written without core::fmt: the same text as Display, and cut the same way.
    let full = e.to_string();
    for len in 0..=full.len() + 2 {
        let mut buf = vec![0u8; len];
        assert_eq!(
            rpc::describe_decode_error(&e, &mut buf),
            &full[..len.min(full.len())]
        );
    }
}

#[test]
fn wrong_type_is_type_constraint_violation() {
    check(
        r#"[2,"42","Authorize",{"idTag":12}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","UnlockConnector",{"connectorId":"1"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","UnlockConnector",{"connectorId":1.5}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","UnlockConnector",{"connectorId":null}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","GetConfiguration",{"key":"HeartbeatInterval"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","Reset",{"type":true}]"#,
        ErrorCode::TypeConstraintViolation,
    );
}

#[test]
fn unknown_enumeration_value_is_type_constraint_violation() {
    check(
        r#"[2,"42","Reset",{"type":"Medium"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    // Enumerations are case-sensitive.
    check(
        r#"[2,"42","Reset",{"type":"hard"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
}

#[test]
fn malformed_date_time_is_type_constraint_violation() {
    check(
        r#"[2,"42","UpdateFirmware",{"location":"http://127.0.0.1/fw","retrieveDate":"tomorrow"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
    check(
        r#"[2,"42","UpdateFirmware",{"location":"http://127.0.0.1/fw","retrieveDate":"2024-02-30T00:00:00Z"}]"#,
        ErrorCode::TypeConstraintViolation,
    );
}

#[test]
fn string_over_its_bound_is_property_constraint_violation() {
    // idTag is CiString20: 20 characters are fine, 21 are not.
    assert_eq!(
        answer(
            r#"[2,"42","Authorize",{"idTag":"12345678901234567890"}]"#,
            &DecodeOptions::DEFAULT
        ),
        None
    );
    check(
        r#"[2,"42","Authorize",{"idTag":"123456789012345678901"}]"#,
        ErrorCode::PropertyConstraintViolation,
    );
    // The bound applies after unescaping: 20 characters written with escapes are fine.
    assert_eq!(
        answer(
            r#"[2,"42","Authorize",{"idTag":"\u0041\u0042345678901234567890"}]"#,
            &DecodeOptions::DEFAULT
        ),
        None
    );
    let long_value = "v".repeat(501);
    check(
        &format!(r#"[2,"42","ChangeConfiguration",{{"key":"K","value":"{long_value}"}}]"#),
        ErrorCode::PropertyConstraintViolation,
    );
}

#[test]
fn number_out_of_range_is_property_constraint_violation() {
    check(
        r#"[2,"42","UnlockConnector",{"connectorId":-1}]"#,
        ErrorCode::PropertyConstraintViolation,
    );
    check(
        r#"[2,"42","RemoteStopTransaction",{"transactionId":2147483648}]"#,
        ErrorCode::PropertyConstraintViolation,
    );
    check(
        r#"[2,"42","RemoteStopTransaction",{"transactionId":99999999999999999999999}]"#,
        ErrorCode::PropertyConstraintViolation,
    );
}

#[test]
fn too_many_list_items_is_occurence_constraint_violation() {
    let keys: Vec<String> = (0..65).map(|i| format!("\"K{i}\"")).collect();
    check(
        &format!(
            r#"[2,"42","GetConfiguration",{{"key":[{}]}}]"#,
            keys.join(",")
        ),
        ErrorCode::OccurenceConstraintViolation,
    );
}

#[test]
fn unknown_fields_are_ignored_by_default_and_refused_when_strict() {
    let text = r#"[2,"42","Authorize",{"idTag":"ABC","vendorExtra":{"deep":[1,2,{"x":null}]}}]"#;
    assert_eq!(answer(text, &DecodeOptions::DEFAULT), None);
    check_with(text, ErrorCode::FormationViolation, &DecodeOptions::STRICT);
}

#[test]
fn date_time_without_offset_only_when_allowed() {
    let text = r#"[2,"42","UpdateFirmware",{"location":"http://127.0.0.1/fw","retrieveDate":"2024-05-01T12:00:00"}]"#;
    assert_eq!(answer(text, &DecodeOptions::DEFAULT), None);
    check_with(
        text,
        ErrorCode::TypeConstraintViolation,
        &DecodeOptions::STRICT,
    );
}

#[test]
fn deep_nesting_is_refused_without_recursion_blowup() {
    let deep = format!(
        r#"[2,"42","Authorize",{{"idTag":"A","x":{}{}}}]"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    check(&deep, ErrorCode::FormationViolation);
}

#[test]
fn too_long_message_id_is_formation_violation_with_the_id() {
    let id = "x".repeat(37);
    let text = format!(r#"[2,"{id}","Heartbeat",{{}}]"#);
    let err = Frame::parse(&text).unwrap_err();
    assert_eq!(
        (err.answer_id(), err.code),
        (Some(id.as_str()), ErrorCode::FormationViolation)
    );
}

#[test]
fn unreadable_frames_have_no_id_to_answer() {
    for text in [
        "",
        "nonsense",
        "{}",
        "[]",
        r#"["2","42","Heartbeat",{}]"#,
        r#"[2,42,"Heartbeat",{}]"#,
        "[2,",
        "\"str\"",
    ] {
        let err: FrameError<'_> = Frame::parse(text).unwrap_err();
        assert_eq!(err.answer_id(), None, "{text:?}");
        assert_eq!(err.code, ErrorCode::FormationViolation, "{text:?}");
    }
}

#[test]
fn unknown_message_type_is_ignored() {
    // OCPP-J §4.1.3: "it SHALL ignore the message payload": no answer is owed.
    let err = Frame::parse(r#"[5,"42","Heartbeat",{}]"#).unwrap_err();
    assert_eq!(err.answer_id(), None);
}

#[test]
fn errors_in_results_are_never_answered() {
    let err = Frame::parse(r#"[3,"42",[]]"#).unwrap_err();
    assert_eq!(err.message_type, Some(MessageType::CallResult));
    assert_eq!(err.answer_id(), None);
}

#[test]
fn call_error_spellings_of_both_editions_are_read() {
    for (wire, code) in [
        ("FormationViolation", ErrorCode::FormationViolation),
        ("FormatViolation", ErrorCode::FormationViolation),
        (
            "OccurenceConstraintViolation",
            ErrorCode::OccurenceConstraintViolation,
        ),
        (
            "OccurrenceConstraintViolation",
            ErrorCode::OccurenceConstraintViolation,
        ),
        ("SomethingElse", ErrorCode::GenericError),
    ] {
        let text = format!(r#"[4,"42","{wire}","bad \"thing\"",{{"detail":1}}]"#);
        let Ok(Frame::CallError(e)) = Frame::parse(&text) else {
            panic!("{text}")
        };
        assert_eq!(e.code, code);
        assert_eq!(e.description().to_string(), "bad \"thing\"");
        assert_eq!(e.details, r#"{"detail":1}"#);
    }
    // Tolerant in: errorDetails left out.
    let Ok(Frame::CallError(e)) = Frame::parse(r#"[4,"42","GenericError",""]"#) else {
        panic!()
    };
    assert_eq!(e.details, "{}");
}

#[test]
fn every_error_code_is_written_with_the_1_6_spelling() {
    let mut buf = [0u8; 256];
    for code in ErrorCode::ALL {
        let text = rpc::encode_call_error(&mut buf, "42", code, "why \"so\"")
            .unwrap()
            .to_owned();
        assert_eq!(
            text,
            format!(r#"[4,"42","{}","why \"so\"",{{}}]"#, code.as_str())
        );
        let Ok(Frame::CallError(e)) = Frame::parse(&text) else {
            panic!("{text}")
        };
        assert_eq!(e.code, code);
    }
    assert_eq!(ErrorCode::FormationViolation.as_str(), "FormationViolation");
    assert_eq!(
        ErrorCode::OccurenceConstraintViolation.as_str(),
        "OccurenceConstraintViolation"
    );
}

#[test]
fn answers_echo_the_id_byte_for_byte() {
    let text = r#"[2,"a\"b\u00e9","Foo",{}]"#;
    let Ok(Frame::Call(call)) = Frame::parse(text) else {
        panic!()
    };
    let mut buf = [0u8; 128];
    let answer = rpc::encode_call_error(&mut buf, call.id, ErrorCode::NotImplemented, "").unwrap();
    assert_eq!(answer, r#"[4,"a\"b\u00e9","NotImplemented","",{}]"#);
}

#[test]
fn encoding_refuses_bad_ids_and_small_buffers() {
    let mut buf = [0u8; 256];
    let hb = ocpp_core::v16::HeartbeatRequest {};
    // Our own CALL ids: 1 to 36 characters, valid JSON string contents.
    assert_eq!(
        rpc::encode_call(&mut buf, "", "Heartbeat", &hb),
        Err(rpc::FrameEncodeError::InvalidMessageId)
    );
    assert_eq!(
        rpc::encode_call(&mut buf, &"x".repeat(37), "Heartbeat", &hb),
        Err(rpc::FrameEncodeError::InvalidMessageId)
    );
    assert!(rpc::encode_call(&mut buf, &"x".repeat(36), "Heartbeat", &hb).is_ok());
    // Answers echo the peer's id whatever its length, but never break the JSON.
    assert_eq!(
        rpc::encode_call_result(&mut buf, "a\"b", &()),
        Err(rpc::FrameEncodeError::InvalidMessageId)
    );
    assert_eq!(
        rpc::encode_call_result(&mut buf, "a\\", &()),
        Err(rpc::FrameEncodeError::InvalidMessageId)
    );
    assert!(rpc::encode_call_result(&mut buf, &"x".repeat(37), &()).is_ok());
    assert!(rpc::encode_call_error(&mut buf, "", rpc::ErrorCode::GenericError, "").is_ok());
    let mut small = [0u8; 10];
    assert_eq!(
        rpc::encode_call(
            &mut small,
            "1",
            "Heartbeat",
            &ocpp_core::v16::HeartbeatRequest {}
        ),
        Err(rpc::FrameEncodeError::BufferFull)
    );
}
