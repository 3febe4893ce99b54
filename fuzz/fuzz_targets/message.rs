//! Fuzzes the send path: any message the types can hold (built with `arbitrary`) must encode
//! into a frame that parses and decodes back to the same message.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use ocpp_core::json::DecodeOptions;
use ocpp_core::rpc::{self, Frame, FrameEncodeError};
use ocpp_core::v16::{Request, Response};

const BUF_LEN: usize = 256 * 1024;
const CALL_ID: &str = "5f0f4a8c-6b1e-4d2a-9c3e-0a1b2c3d4e5f";
const RESULT_ID: &str = "fuzz-\\\"id\\u00e9";

thread_local! {
    static BUF: RefCell<Box<[u8; BUF_LEN]>> = RefCell::new(Box::new([0; BUF_LEN]));
}

fuzz_target!(|input: (Request, Response)| {
    let (request, response) = input;
    BUF.with_borrow_mut(|buf| {
        check_request(&request, &mut buf[..]);
        check_response(&response, &mut buf[..]);
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
