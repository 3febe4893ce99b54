//! Fuzzes the receive path: bytes -> OCPP-J frame -> typed message, as OCPP 1.6 and as OCPP 2.0.1,
//! and checks that
//!
//! - nothing panics on any input;
//! - every CALL (and CALLRESULT) that decodes re-encodes into a frame that parses and decodes to
//!   the same message;
//! - every frame or payload error that owes an answer gives a CALLERROR that parses back with the
//!   same id, code and description (with the OCPP-J 2.0.1 codes and answer rules for 2.0.1, the
//!   `-1` id of an unreadable message included).
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use ocpp_core::json::DecodeOptions;
use ocpp_core::rpc::{self, ErrorCode, Frame, FrameEncodeError};
use ocpp_core::v16::{Action, Request, Response};
use ocpp_core::v201;

const BUF_LEN: usize = 64 * 1024;

thread_local! {
    static BUF: RefCell<Box<[u8; BUF_LEN]>> = RefCell::new(Box::new([0; BUF_LEN]));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    BUF.with_borrow_mut(|buf| {
        check(text, &mut buf[..]);
        check_201(text, &mut buf[..]);
    });
});

fn check(text: &str, buf: &mut [u8]) {
    let opts = DecodeOptions::default();
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => match Request::from_call(&call, &opts) {
            Ok(request) => {
                assert_eq!(request.action().as_str(), call.action);
                let frame = match rpc::encode_call(buf, call.id, call.action, &request) {
                    Ok(frame) => frame,
                    Err(e) => return encode_failed(e, call.id, true),
                };
                let Ok(Frame::Call(again)) = Frame::parse(frame) else {
                    panic!("re-encoded CALL does not parse as a CALL: {frame}");
                };
                assert_eq!(again.id, call.id, "{frame}");
                assert_eq!(again.action, call.action, "{frame}");
                let decoded = Request::from_call(&again, &opts)
                    .unwrap_or_else(|e| panic!("re-encoded CALL does not decode ({e}): {frame}"));
                assert_eq!(decoded, request, "{frame}");
            }
            Err(e) => {
                let mut desc = [0u8; 128];
                let description = match e {
                    ocpp_core::v16::CallDecodeError::UnknownAction => "Unknown action",
                    ocpp_core::v16::CallDecodeError::NotSupported => "Action not supported",
                    ocpp_core::v16::CallDecodeError::Payload(ref err) => {
                        rpc::describe_decode_error(err, &mut desc)
                    }
                };
                check_call_error(buf, call.id, e.error_code(), description);
            }
        },
        Ok(Frame::CallResult(result)) => {
            // The first byte of any parseable frame is `[` or whitespace, which would reach only a
            // handful of actions; decode the payload as the response of every action instead.
            for &action in Action::ALL {
                let Ok(response) = Response::decode(action, result.payload, &opts) else {
                    continue;
                };
                assert_eq!(response.action(), action);
                let frame = match rpc::encode_call_result(buf, result.id, &response) {
                    Ok(frame) => frame,
                    Err(e) => return encode_failed(e, result.id, false),
                };
                let Ok(Frame::CallResult(again)) = Frame::parse(frame) else {
                    panic!("re-encoded CALLRESULT does not parse as a CALLRESULT: {frame}");
                };
                assert_eq!(again.id, result.id, "{frame}");
                let decoded = Response::decode(action, again.payload, &opts).unwrap_or_else(|e| {
                    panic!("re-encoded {action} CALLRESULT does not decode ({e}): {frame}")
                });
                assert_eq!(decoded, response, "{frame}");
            }
        }
        Ok(Frame::CallError(error)) => {
            // Only formatting must not panic.
            let _ = format!("{} {} {}", error.code, error.description(), error.details);
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some(id) = e.answer_id() {
                check_call_error(buf, id, e.code, e.reason);
            }
        }
    }
}

/// The only acceptable reasons for not re-encoding a decoded message: an id the encoder may not
/// write (for a CALL of ours: empty or over 36 characters; for an answer: never, as every id
/// `Frame::parse` returns can be echoed), or a message larger than the buffer.
fn encode_failed(e: FrameEncodeError, id: &str, ours: bool) {
    match e {
        FrameEncodeError::InvalidMessageId if ours => {
            assert!(!rpc::is_valid_message_id(id), "valid id {id:?} refused");
        }
        FrameEncodeError::InvalidMessageId => {
            assert!(
                !rpc::is_echoable_message_id(id),
                "echoable id {id:?} refused"
            );
            panic!("Frame::parse returned an id that cannot be echoed: {id:?}");
        }
        FrameEncodeError::BufferFull => {}
    }
}

fn check_call_error(buf: &mut [u8], id: &str, code: ErrorCode, description: &str) {
    let frame = match rpc::encode_call_error(buf, id, code, description) {
        Ok(frame) => frame,
        Err(e) => return encode_failed(e, id, false),
    };
    match Frame::parse(frame) {
        Ok(Frame::CallError(err)) => {
            assert_eq!(err.id, id, "{frame}");
            assert_eq!(err.code, code, "{frame}");
            assert_eq!(err.description().to_string(), description, "{frame}");
            assert_eq!(err.details, "{}", "{frame}");
        }
        other => panic!("CALLERROR {frame} parses as {other:?}"),
    }
}

/// The same input as an OCPP 2.0.1 endpoint receives it.
fn check_201(text: &str, buf: &mut [u8]) {
    use ocpp_core::rpc::v201::{ErrorCode as Code201, frame_error_answer};
    let opts = DecodeOptions::default();
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => {
            let incoming = v201::IncomingRequest::from_call(&call, &opts);
            match v201::Request::from_call(&call, &opts) {
                Ok(request) => {
                    assert_eq!(request.action().as_str(), call.action);
                    assert_eq!(
                        incoming.is_ok(),
                        request.action().direction().charging_station_receives()
                    );
                    let frame = match rpc::encode_call(buf, call.id, call.action, &request) {
                        Ok(frame) => frame,
                        Err(e) => return encode_failed(e, call.id, true),
                    };
                    let Ok(Frame::Call(again)) = Frame::parse(frame) else {
                        panic!("re-encoded 2.0.1 CALL does not parse as a CALL: {frame}");
                    };
                    let decoded = v201::Request::from_call(&again, &opts).unwrap_or_else(|e| {
                        panic!("re-encoded 2.0.1 CALL does not decode ({e}): {frame}")
                    });
                    assert_eq!(decoded, request, "{frame}");
                }
                Err(e) => {
                    assert!(incoming.is_err());
                    let description = e.to_string();
                    check_call_error_201(buf, call.id, e.error_code(), &description);
                }
            }
            if let Err(e) = incoming {
                check_call_error_201(buf, call.id, e.error_code(), "");
            }
        }
        Ok(Frame::CallResult(result)) => {
            for &action in v201::Action::ALL {
                let Ok(response) = v201::Response::decode(action, result.payload, &opts) else {
                    continue;
                };
                let frame = match rpc::encode_call_result(buf, result.id, &response) {
                    Ok(frame) => frame,
                    Err(e) => return encode_failed(e, result.id, false),
                };
                let Ok(Frame::CallResult(again)) = Frame::parse(frame) else {
                    panic!("re-encoded 2.0.1 CALLRESULT does not parse: {frame}");
                };
                let decoded =
                    v201::Response::decode(action, again.payload, &opts).unwrap_or_else(|e| {
                        panic!(
                            "re-encoded 2.0.1 {action} CALLRESULT does not decode ({e}): {frame}"
                        )
                    });
                assert_eq!(decoded, response, "{frame}");
            }
        }
        Ok(Frame::CallError(error)) => {
            let _ = Code201::of_call_error(&error);
        }
        Err(e) => {
            if let Some(answer) = frame_error_answer(&e) {
                check_call_error_201(buf, answer.id, answer.code, answer.reason);
            }
        }
    }
}

fn check_call_error_201(
    buf: &mut [u8],
    id: &str,
    code: ocpp_core::rpc::v201::ErrorCode,
    description: &str,
) {
    use ocpp_core::rpc::v201::{
        ErrorCode as Code201, MAX_ERROR_DESCRIPTION_LEN, encode_call_error,
    };
    let frame = match encode_call_error(buf, id, code, description) {
        Ok(frame) => frame,
        Err(e) => return encode_failed(e, id, false),
    };
    match Frame::parse(frame) {
        Ok(Frame::CallError(err)) => {
            assert_eq!(err.id, id, "{frame}");
            assert_eq!(Code201::of_call_error(&err), code, "{frame}");
            let written = err.description().to_string();
            assert!(
                written.chars().count() <= MAX_ERROR_DESCRIPTION_LEN,
                "{frame}"
            );
            assert!(description.starts_with(&written), "{frame}");
            assert_eq!(err.details, "{}", "{frame}");
        }
        other => panic!("2.0.1 CALLERROR {frame} parses as {other:?}"),
    }
}
