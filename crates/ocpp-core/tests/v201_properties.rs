//! OCPP 2.0.1 property tests: arbitrary 2.0.1 messages round-trip through frames (and are written
//! as `serde-json-core` writes them); arbitrary text never panics the parser or the decoders and
//! always yields a message or an OCPP-J 2.0.1 answer that re-parses.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use arbitrary::{Arbitrary, Unstructured};
use ocpp_core::json::{self, DecodeOptions, ErrorKind};
use ocpp_core::rpc::v201::{ErrorCode, encode_call_error, frame_error_answer};
use ocpp_core::rpc::{self, Frame};
use ocpp_core::v201::{
    Action, CallDecodeError, IncomingRequest, IncomingResponse, Request, Response,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// 2.0.1 messages are large values (see tests/v201_messages.rs): run on a roomy stack.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn same_bytes_as_serde_json_core<T: serde::Serialize>(value: &T) {
    let mut ours = vec![0u8; 512 * 1024];
    let mut theirs = vec![0u8; 512 * 1024];
    let n = json::to_slice(value, &mut ours).unwrap();
    let m = serde_json_core::to_slice(value, &mut theirs).unwrap();
    assert_eq!(
        std::str::from_utf8(&ours[..n]).unwrap(),
        std::str::from_utf8(&theirs[..m]).unwrap()
    );
}

#[test]
fn arbitrary_messages_round_trip() {
    big_stack(|| {
        runner(1000)
            .run(&proptest::collection::vec(any::<u8>(), 0..4096), |bytes| {
                let mut buf = vec![0u8; 512 * 1024];
                let mut u = Unstructured::new(&bytes);
                let req = Request::arbitrary(&mut u).unwrap();
                same_bytes_as_serde_json_core(&req);
                let text = rpc::encode_call(&mut buf, "p", req.action().as_str(), &req)
                    .unwrap()
                    .to_owned();
                let Ok(Frame::Call(call)) = Frame::parse(&text) else {
                    panic!("{text}")
                };
                let back = Request::from_call(&call, &DecodeOptions::STRICT)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
                prop_assert_eq!(&back, &req, "{}", text);

                let resp = Response::arbitrary(&mut u).unwrap();
                same_bytes_as_serde_json_core(&resp);
                let text = rpc::encode_call_result(&mut buf, "p", &resp)
                    .unwrap()
                    .to_owned();
                let Ok(Frame::CallResult(result)) = Frame::parse(&text) else {
                    panic!("{text}")
                };
                let back = Response::decode(resp.action(), result.payload, &DecodeOptions::STRICT)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
                prop_assert_eq!(&back, &resp, "{}", text);
                Ok(())
            })
            .unwrap();
    });
}

/// Whatever the text, the parser and the charging station's decoders return; what is owed an
/// answer gets an OCPP-J 2.0.1 CALLERROR that re-parses with the same id and code.
fn parse_is_total(text: &str) -> Result<(), TestCaseError> {
    let mut buf = [0u8; 1024];
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => {
            if let Err(e) = IncomingRequest::from_call(&call, &DecodeOptions::DEFAULT) {
                if let CallDecodeError::Payload(p) = e {
                    prop_assert_ne!(
                        p.kind(),
                        ErrorKind::Custom,
                        "unclassified error for {}",
                        text
                    );
                }
                let answer =
                    encode_call_error(&mut buf, call.id, e.error_code(), &e.to_string()).unwrap();
                let Ok(Frame::CallError(back)) = Frame::parse(answer) else {
                    panic!("{answer}")
                };
                prop_assert_eq!(back.id, call.id);
                prop_assert_eq!(ErrorCode::of_call_error(&back), e.error_code());
            }
        }
        Ok(Frame::CallResult(r)) => {
            for action in Action::ALL {
                if let Some(Err(e)) =
                    IncomingResponse::decode(*action, r.payload, &DecodeOptions::DEFAULT)
                {
                    prop_assert_ne!(
                        e.kind(),
                        ErrorKind::Custom,
                        "unclassified error for {}",
                        text
                    );
                }
            }
        }
        Ok(Frame::CallError(_)) => {}
        Err(e) => {
            if let Some(a) = frame_error_answer(&e) {
                let answer = encode_call_error(&mut buf, a.id, a.code, a.reason).unwrap();
                let Ok(Frame::CallError(back)) = Frame::parse(answer) else {
                    panic!("{answer}")
                };
                prop_assert_eq!(back.id, a.id);
                prop_assert_eq!(ErrorCode::of_call_error(&back), a.code);
            }
        }
    }
    Ok(())
}

#[test]
fn arbitrary_strings_never_panic() {
    big_stack(|| {
        runner(3000)
            .run(&any::<String>(), |s| parse_is_total(&s))
            .unwrap();
    });
}

/// Frame-shaped soups of 2.0.1 member names and values reach deeper than random strings.
fn frame_soup() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("-".to_owned()),
        Just("2".to_owned()),
        Just("1.25".to_owned()),
        Just("\"idToken\"".to_owned()),
        Just("\"type\"".to_owned()),
        Just("\"evseId\"".to_owned()),
        Just("\"customData\"".to_owned()),
        Just("\"vendorId\"".to_owned()),
        Just("\"component\"".to_owned()),
        Just("\"name\"".to_owned()),
        Just("\"chargingProfile\"".to_owned()),
        Just("\"Accepted\"".to_owned()),
        Just("\"2024-05-01T12:00:00Z\"".to_owned()),
        "[a-zA-Z0-9 ]{0,4}",
    ];
    let action =
        proptest::sample::select(Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>());
    (action, proptest::collection::vec(atom, 0..40), 0u8..5).prop_map(|(action, parts, shape)| {
        let body = parts.concat();
        match shape {
            0 => format!(r#"[2,"1","{action}",{{{body}}}]"#),
            1 => format!(r#"[3,"1",{{{body}}}]"#),
            2 => format!("[2,\"1\",\"{action}\",{body}]"),
            3 => format!("[{body}]"),
            _ => body,
        }
    })
}

#[test]
fn frame_shaped_soups_never_panic() {
    big_stack(|| {
        runner(3000)
            .run(&frame_soup(), |s| parse_is_total(&s))
            .unwrap();
    });
}
