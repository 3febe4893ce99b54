//! Decodes OCPP-J frames the way a charge point receives them, and shows the answer it owes.
//!
//! ```text
//! cargo run -p ocpp-core --example decode_frame                      # built-in sample frames
//! cargo run -p ocpp-core --example decode_frame -- '<frame>'         # one frame
//! cargo run -p ocpp-core --example decode_frame -- '<frame>' ACTION  # a CALLRESULT for ACTION
//! ```
//!
//! For each frame it prints the decoded typed message or the error, and the exact CALLERROR frame
//! that answers a bad CALL; for a valid CALL it prints the frame re-encoded from the typed message.

use std::process::ExitCode;

use ocpp_core::json::DecodeOptions;
use ocpp_core::rpc::{self, Frame};
use ocpp_core::v16::{Action, CallDecodeError, Request, Response};

/// Big enough for any frame these samples produce; a charge point sizes it from its limits.
const BUF_LEN: usize = 8 * 1024;

const SAMPLES: &[(&str, &str)] = &[
    (
        "valid BootNotification CALL",
        r#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger","firmwareVersion":"1.0.3"}]"#,
    ),
    (
        "valid StartTransaction CALL",
        r#"[2,"a1b2c3","StartTransaction",{"connectorId":1,"idTag":"B4A63CDF","meterStart":1200,"timestamp":"2024-01-01T12:00:00+01:00"}]"#,
    ),
    ("unknown action", r#"[2,"u-1","FooBar",{}]"#),
    (
        "missing required field (idTag)",
        r#"[2,"m-1","StartTransaction",{"connectorId":1,"meterStart":0,"timestamp":"2024-01-01T12:00:00Z"}]"#,
    ),
    (
        "idTag longer than CiString20",
        r#"[2,"t-1","Authorize",{"idTag":"0123456789ABCDEF01234"}]"#,
    ),
    (
        "wrong type (connectorId is a string)",
        r#"[2,"w-1","StartTransaction",{"connectorId":"1","idTag":"B4A63CDF","meterStart":0,"timestamp":"2024-01-01T12:00:00Z"}]"#,
    ),
    (
        "not JSON (but the id is readable)",
        r#"[2,"n-1","Heartbeat",{"oops"]"#,
    ),
    ("not OCPP-J at all", "hello"),
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match (args.next(), args.next()) {
        (Some(frame), action) => {
            let action = match action.as_deref().map(|a| (a, Action::parse(a))) {
                None => None,
                Some((_, Some(action))) => Some(action),
                Some((name, None)) => {
                    eprintln!("unknown action {name:?}; one of:");
                    for a in Action::ALL {
                        eprintln!("  {a}");
                    }
                    return ExitCode::from(2);
                }
            };
            show(&frame, action);
        }
        (None, _) => {
            for (i, (title, frame)) in SAMPLES.iter().enumerate() {
                println!("== {}/{}: {title}", i + 1, SAMPLES.len());
                show(frame, None);
                println!();
            }
        }
    }
    ExitCode::SUCCESS
}

/// Prints what the charge point makes of one received frame. `action` is the action of the CALL
/// a CALLRESULT answers (a real charge point knows it from the CALL in flight with that id).
fn show(text: &str, action: Option<Action>) {
    let opts = DecodeOptions::default();
    let mut buf = [0u8; BUF_LEN];
    println!("frame:      {text}");
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => match Request::from_call(&call, &opts) {
            Ok(request) => {
                println!("decoded:    {request:?}");
                match rpc::encode_call(&mut buf, call.id, call.action, &request) {
                    Ok(frame) => println!("re-encoded: {frame}"),
                    Err(e) => println!("re-encoded: failed: {e}"),
                }
                println!(
                    "answer:     none from the decoder; the application answers with a CALLRESULT"
                );
            }
            Err(err) => {
                let mut desc = [0u8; 128];
                let description = match &err {
                    CallDecodeError::UnknownAction => "Unknown action",
                    CallDecodeError::NotSupported => "Action not supported",
                    CallDecodeError::Payload(e) => rpc::describe_decode_error(e, &mut desc),
                };
                println!("error:      {}: {err}", err.error_code());
                answer(&mut buf, call.id, err.error_code(), description);
            }
        },
        Ok(Frame::CallResult(result)) => {
            println!("CALLRESULT: id {:?}, payload {}", result.id, result.payload);
            let Some(action) = action else {
                println!(
                    "decoded:    (give the action of the CALL it answers as a second argument to decode it)"
                );
                return;
            };
            match Response::decode(action, result.payload, &opts) {
                Ok(response) => {
                    println!("decoded:    {response:?}");
                    match rpc::encode_call_result(&mut buf, result.id, &response) {
                        Ok(frame) => println!("re-encoded: {frame}"),
                        Err(e) => println!("re-encoded: failed: {e}"),
                    }
                }
                // A bad CALLRESULT is never answered; the CALL it answers counts as failed.
                Err(e) => println!("error:      {}: {e} (not answered)", e.error_code()),
            }
        }
        Ok(Frame::CallError(error)) => {
            println!(
                "CALLERROR:  id {:?}, code {}, description {:?}, details {}",
                error.id,
                error.code,
                error.description().to_string(),
                error.details
            );
            println!("answer:     none (a CALLERROR is never answered)");
        }
        Err(err) => {
            println!("error:      {err}");
            match err.answer_id() {
                Some(id) => answer(&mut buf, id, err.code, err.reason),
                None => println!(
                    "answer:     none (only a CALL whose UniqueId can be read is answered; OCPP-J 1.6 §4.1.3)"
                ),
            }
        }
    }
}

fn answer(buf: &mut [u8], id: &str, code: rpc::ErrorCode, description: &str) {
    match rpc::encode_call_error(buf, id, code, description) {
        Ok(frame) => println!("answer:     {frame}"),
        Err(e) => println!("answer:     cannot be written ({e})"),
    }
}
