//! Property tests: arbitrary messages round-trip; arbitrary text never panics the parser and always
//! yields a message or a precisely classified error; the JSON decoder agrees with serde_json.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use arbitrary::{Arbitrary, Unstructured};
use ocpp_core::json::{self, DecodeOptions, ErrorKind};
use ocpp_core::rpc::{self, Frame};
use ocpp_core::types::{BoundedString, DateTime};
use ocpp_core::v16::{Action, Request, Response};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Messages are large values (see tests/messages.rs); run property loops on a roomy stack.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
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

#[test]
fn arbitrary_messages_round_trip() {
    big_stack(|| {
        runner(2000)
            .run(&proptest::collection::vec(any::<u8>(), 0..4096), |bytes| {
                let mut buf = vec![0u8; 256 * 1024];
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

/// `json::to_slice` (this crate's serializer) writes exactly what `serde-json-core` 0.7, which
/// it replaced, writes.
fn same_bytes_as_serde_json_core<T: serde::Serialize>(value: &T) {
    let mut ours = vec![0u8; 256 * 1024];
    let mut theirs = vec![0u8; 256 * 1024];
    let n = json::to_slice(value, &mut ours).unwrap();
    let m = serde_json_core::to_slice(value, &mut theirs).unwrap();
    assert_eq!(
        std::str::from_utf8(&ours[..n]).unwrap(),
        std::str::from_utf8(&theirs[..m]).unwrap()
    );
}

/// Whatever the text, the parser returns; a CALL either decodes or fails with a classified error
/// whose CALLERROR re-parses with the same id.
fn parse_is_total(text: &str) -> Result<(), TestCaseError> {
    let mut buf = [0u8; 1024];
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => {
            if let Err(e) = Request::from_call(&call, &DecodeOptions::DEFAULT) {
                if let ocpp_core::v16::CallDecodeError::Payload(p) = e {
                    prop_assert_ne!(
                        p.kind(),
                        ErrorKind::Custom,
                        "unclassified error for {}",
                        text
                    );
                }
                let answer =
                    rpc::encode_call_error(&mut buf, call.id, e.error_code(), &e.to_string())
                        .unwrap();
                let Ok(Frame::CallError(back)) = Frame::parse(answer) else {
                    panic!("{answer}")
                };
                prop_assert_eq!(back.id, call.id);
                prop_assert_eq!(back.code, e.error_code());
            }
        }
        Ok(Frame::CallResult(r)) => {
            for action in Action::ALL {
                if let Err(e) = Response::decode(*action, r.payload, &DecodeOptions::DEFAULT) {
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
            if let Some(id) = e.answer_id() {
                let answer = rpc::encode_call_error(&mut buf, id, e.code, e.reason).unwrap();
                prop_assert!(
                    matches!(Frame::parse(answer), Ok(Frame::CallError(_))),
                    "{}",
                    answer
                );
            }
        }
    }
    Ok(())
}

#[test]
fn arbitrary_strings_never_panic() {
    big_stack(|| {
        runner(5000)
            .run(&any::<String>(), |s| parse_is_total(&s))
            .unwrap();
    });
}

/// Byte soups from the JSON alphabet, shaped like frames, reach deeper into the decoders than
/// uniformly random strings.
fn frame_soup() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("-".to_owned()),
        Just("2".to_owned()),
        Just("3".to_owned()),
        Just("4".to_owned()),
        Just("1e9".to_owned()),
        Just(".5".to_owned()),
        Just("\\u00e9".to_owned()),
        Just("\\ud83d\\ude00".to_owned()),
        Just("\\ud83d".to_owned()),
        Just("\"idTag\"".to_owned()),
        Just("\"connectorId\"".to_owned()),
        Just("\"status\"".to_owned()),
        Just("\"Accepted\"".to_owned()),
        Just("\"2024-05-01T12:00:00Z\"".to_owned()),
        "[a-zA-Z0-9 ]{0,4}",
    ];
    let action =
        proptest::sample::select(Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>());
    (action, proptest::collection::vec(atom, 0..40), 0u8..4).prop_map(|(action, parts, shape)| {
        let body = parts.concat();
        match shape {
            0 => format!(r#"[2,"1","{action}",{{{body}}}]"#),
            1 => format!(r#"[3,"1",{{{body}}}]"#),
            2 => format!("[2,\"1\",\"{action}\",{body}]"),
            _ => body,
        }
    })
}

#[test]
fn frame_shaped_soups_never_panic() {
    big_stack(|| {
        runner(5_000)
            .run(&frame_soup(), |s| parse_is_total(&s))
            .unwrap();
    });
}

#[test]
fn mutated_valid_frames_never_panic() {
    big_stack(|| {
        let mut buf = vec![0u8; 64 * 1024];
        let frames: Vec<String> = common::examples()
            .iter()
            .map(|(req, _)| {
                rpc::encode_call(&mut buf, "7", req.action().as_str(), req)
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let strategy = (
            proptest::sample::select(frames),
            any::<prop::sample::Index>(),
            0usize..8,
            "[ -~]{0,6}",
        );
        runner(10_000)
            .run(&strategy, |(frame, at, cut, insert)| {
                let mut s = frame.clone();
                let mut i = at.index(s.len());
                while !s.is_char_boundary(i) {
                    i -= 1;
                }
                let mut end = (i + cut).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(i..end, &insert);
                parse_is_total(&s)
            })
            .unwrap();
    });
}

/// Numbers compared by value: serde_json reads `-0` as the float -0.0, we read the integer 0.
fn by_value(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            let f = n.as_f64().unwrap();
            Value::Number(serde_json::Number::from_f64(if f == 0.0 { 0.0 } else { f }).unwrap())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(by_value).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, by_value(v))).collect()),
        other => other,
    }
}

/// Whether serde_json read a number in `v` as a float (a fraction, an exponent, or an integer
/// beyond 64 bits).
fn has_float(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(a) => a.iter().any(has_float),
        Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

/// Differential test of the decoder: on JSON-alphabet soups, our decoder accepts exactly what
/// serde_json accepts, and reads the same value. One exception: ours has no floats (a decimal
/// is only read where a `Decimal` asks for it), so a schema-less value with a number serde_json
/// reads as a float is refused as a type or range error, never as a syntax error.
#[test]
fn json_decoder_agrees_with_serde_json() {
    let soup = proptest::collection::vec(
        prop_oneof![
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just(","),
            Just(":"),
            Just("\""),
            Just("\"a\""),
            Just("\"\\n\\u0041\\\"\""),
            Just("\"\\ud83d\\ude00\""),
            Just("\"\\udc00\""),
            Just("\"\\x\""),
            Just("null"),
            Just("true"),
            Just("fals"),
            Just("0"),
            Just("-"),
            Just("12"),
            Just("01"),
            Just("1.5e3"),
            Just("1."),
            Just("1e"),
            Just("-0.0"),
            Just("18446744073709551616"),
            Just(" "),
        ],
        0..16,
    )
    .prop_map(|v| v.concat());
    let opts = DecodeOptions {
        max_depth: 200,
        ..DecodeOptions::DEFAULT
    };
    runner(20_000)
        .run(&soup, |s| {
            let theirs = serde_json::from_str::<serde_json::Value>(&s);
            let ours = json::from_str::<serde_json::Value>(&s, &opts);
            match (theirs, ours) {
                (Ok(a), Ok(b)) => prop_assert_eq!(by_value(a), by_value(b), "{}", s),
                (Err(_), Err(_)) => {}
                (Ok(a), Err(e))
                    if has_float(&a)
                        && matches!(e.kind(), ErrorKind::InvalidType | ErrorKind::InvalidValue) => {
                }
                (a, b) => prop_assert!(
                    false,
                    "disagree on {:?}: serde_json {:?}, ours {:?}",
                    s,
                    a,
                    b
                ),
            }
            Ok(())
        })
        .unwrap();
}

proptest! {
    #![proptest_config(Config { cases: 2000, failure_persistence: None, ..Config::default() })]

    /// Any string survives encode -> decode through a bounded string, whatever it contains
    /// (control characters, quotes, backslashes, any Unicode), and long escaped strings too.
    #[test]
    fn strings_survive_escaping(s in any::<String>()) {
        prop_assume!(s.len() <= 1024);
        let v: BoundedString<1024> = BoundedString::try_from(s.as_str()).unwrap();
        let mut buf = vec![0u8; 8 * 1024];
        let n = json::to_slice(&v, &mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        same_bytes_as_serde_json_core(&v);
        let back: BoundedString<1024> = json::from_str(text, &DecodeOptions::DEFAULT).unwrap();
        prop_assert_eq!(back.as_str(), s.as_str());
        let serde_json_reads: String = serde_json::from_str(text).unwrap();
        prop_assert_eq!(serde_json_reads, s);
    }

    /// The bound counts the unescaped bytes.
    #[test]
    fn bounds_apply_after_unescaping(n in 0usize..40) {
        let text = format!("\"{}\"", "\\u0041".repeat(n));
        let r: Result<BoundedString<20>, _> = json::from_str(&text, &DecodeOptions::DEFAULT);
        if n <= 20 { prop_assert_eq!(r.unwrap().len(), n); } else { prop_assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidValue); }
    }

    /// Every representable instant is written in UTC and read back exactly; the same instant
    /// written with any offset reads the same.
    #[test]
    fn date_times_round_trip(ms in -62_167_219_200_000i64..=253_402_300_799_999, offset_min in -1439i32..=1439) {
        let t = DateTime::from_unix_millis(ms).unwrap();
        let text = t.to_string();
        prop_assert!(text.ends_with('Z'));
        prop_assert_eq!(DateTime::parse(&text).unwrap(), t);
        // The same instant in another zone.
        if let Some(local) = DateTime::from_unix_millis(ms + i64::from(offset_min) * 60_000) {
            let (y, mo, d, h, mi, s, frac) = local.to_utc_fields();
            let sign = if offset_min < 0 { '-' } else { '+' };
            let o = offset_min.unsigned_abs();
            let shifted = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:03}{sign}{:02}:{:02}", o / 60, o % 60);
            prop_assert_eq!(DateTime::parse(&shifted).unwrap(), t, "{}", shifted);
        }
    }
}
