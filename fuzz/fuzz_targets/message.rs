//! Fuzzes the send path: any message the types can hold (built with `arbitrary`), OCPP 1.6 or
//! OCPP 2.0.1, must encode into a frame that parses and decodes back to the same message.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use ocpp_core::json::DecodeOptions;
use ocpp_core::rpc::{self, Frame, FrameEncodeError};
use ocpp_core::v16::{Request, Response};
use ocpp_core::v201;

const BUF_LEN: usize = 256 * 1024;
const CALL_ID: &str = "5f0f4a8c-6b1e-4d2a-9c3e-0a1b2c3d4e5f";
const RESULT_ID: &str = "fuzz-\\\"id\\u00e9";

thread_local! {
    static BUF: RefCell<Box<[u8; BUF_LEN]>> = RefCell::new(Box::new([0; BUF_LEN]));
}

/// A message pair of either version.
#[derive(Debug, arbitrary::Arbitrary)]
enum Input {
    V16(Request, Response),
    V201(Box<(v201::Request, v201::Response)>),
}

fuzz_target!(|input: Input| {
    BUF.with_borrow_mut(|buf| match input {
        Input::V16(request, response) => {
            check_request(&request, &mut buf[..]);
            check_response(&response, &mut buf[..]);
        }
        Input::V201(pair) => {
            check_request_201(&pair.0, &mut buf[..]);
            check_response_201(&pair.1, &mut buf[..]);
        }
    });
});

fn check_request(request: &Request, buf: &mut [u8]) {
    let opts = DecodeOptions::default();
    let action = request.action().as_str();
    let frame = match rpc::encode_call(buf, CALL_ID, action, request) {
        Ok(frame) => frame,
        Err(FrameEncodeError::BufferFull) => return,
        Err(e) => panic!("{e}"),
    };
    let Ok(Frame::Call(call)) = Frame::parse(frame) else {
        panic!("encoded CALL does not parse as a CALL: {frame}");
    };
    assert_eq!(call.id, CALL_ID);
    assert_eq!(call.action, action);
    let decoded = Request::from_call(&call, &opts)
        .unwrap_or_else(|e| panic!("encoded {action} CALL does not decode ({e}): {frame}"));
    assert_eq!(&decoded, request, "{frame}");
}

fn check_response(response: &Response, buf: &mut [u8]) {
    let opts = DecodeOptions::default();
    let action = response.action();
    let frame = match rpc::encode_call_result(buf, RESULT_ID, response) {
        Ok(frame) => frame,
        Err(FrameEncodeError::BufferFull) => return,
        Err(e) => panic!("{e}"),
    };
    let Ok(Frame::CallResult(result)) = Frame::parse(frame) else {
        panic!("encoded CALLRESULT does not parse as a CALLRESULT: {frame}");
    };
    assert_eq!(result.id, RESULT_ID);
    let decoded = Response::decode(action, result.payload, &opts)
        .unwrap_or_else(|e| panic!("encoded {action} CALLRESULT does not decode ({e}): {frame}"));
    assert_eq!(&decoded, response, "{frame}");
}

fn check_request_201(request: &v201::Request, buf: &mut [u8]) {
    let opts = DecodeOptions::STRICT;
    let action = request.action().as_str();
    let frame = match rpc::encode_call(buf, CALL_ID, action, request) {
        Ok(frame) => frame,
        Err(FrameEncodeError::BufferFull) => return,
        Err(e) => panic!("{e}"),
    };
    let Ok(Frame::Call(call)) = Frame::parse(frame) else {
        panic!("encoded 2.0.1 CALL does not parse as a CALL: {frame}");
    };
    assert_eq!(call.id, CALL_ID);
    assert_eq!(call.action, action);
    let decoded = v201::Request::from_call(&call, &opts)
        .unwrap_or_else(|e| panic!("encoded 2.0.1 {action} CALL does not decode ({e}): {frame}"));
    assert_eq!(&decoded, request, "{frame}");
    // What a charging station receives decodes there too.
    let incoming = v201::IncomingRequest::from_call(&call, &opts);
    assert_eq!(
        incoming.is_ok(),
        request.action().direction().charging_station_receives(),
        "{frame}"
    );
}

fn check_response_201(response: &v201::Response, buf: &mut [u8]) {
    let opts = DecodeOptions::STRICT;
    let action = response.action();
    let frame = match rpc::encode_call_result(buf, RESULT_ID, response) {
        Ok(frame) => frame,
        Err(FrameEncodeError::BufferFull) => return,
        Err(e) => panic!("{e}"),
    };
    let Ok(Frame::CallResult(result)) = Frame::parse(frame) else {
        panic!("encoded 2.0.1 CALLRESULT does not parse as a CALLRESULT: {frame}");
    };
    assert_eq!(result.id, RESULT_ID);
    let decoded = v201::Response::decode(action, result.payload, &opts).unwrap_or_else(|e| {
        panic!("encoded 2.0.1 {action} CALLRESULT does not decode ({e}): {frame}")
    });
    assert_eq!(&decoded, response, "{frame}");
    let incoming = v201::IncomingResponse::decode(action, result.payload, &opts);
    assert_eq!(
        incoming.is_some_and(|r| r.is_ok()),
        action.direction().charging_station_sends(),
        "{frame}"
    );
}
