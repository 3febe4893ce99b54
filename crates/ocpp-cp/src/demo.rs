//! The built-in demo: a small central system on loopback, and a scripted charging session.
//!
//! The central system accepts every charge point and every idTag (except ones starting with
//! `BLOCKED`), numbers transactions from 1, and answers every request a charge point sends. It is
//! a demonstration and a smoke test, not a central system to build on.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::Sender;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ocpp_core::json;
use ocpp_core::rpc::{self, ErrorCode, Frame};
use ocpp_core::types::DateTime;
use ocpp_core::v16::{self, Action, AuthorizationStatus, IdTagInfo, RegistrationStatus};
use tungstenite::Message;
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::http::HeaderValue;

use crate::commands::Command;

/// The demo central system, serving `ws://<addr>/ocpp/<id>` until the process ends.
pub struct CentralSystem {
    addr: SocketAddr,
}

impl CentralSystem {
    /// Binds 127.0.0.1 on a free port and serves in the background.
    pub fn start() -> io::Result<CentralSystem> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let transactions = Arc::new(AtomicI32::new(1));
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let transactions = Arc::clone(&transactions);
                thread::spawn(move || {
                    let _ = serve(stream, &transactions);
                });
            }
        });
        Ok(CentralSystem { addr })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

fn now() -> DateTime {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    DateTime::from_unix_millis(i64::try_from(ms).unwrap_or(0)).unwrap_or_default()
}

fn serve(stream: TcpStream, transactions: &AtomicI32) -> Result<(), tungstenite::Error> {
    let callback = |req: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let offered = req
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if offered.split(',').any(|p| p.trim() == "ocpp1.6") {
            response.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                HeaderValue::from_static("ocpp1.6"),
            );
        }
        Ok(response)
    };
    let mut ws = tungstenite::accept_hdr(stream, callback).map_err(|e| match e {
        tungstenite::HandshakeError::Failure(e) => e,
        tungstenite::HandshakeError::Interrupted(_) => tungstenite::Error::ConnectionClosed,
    })?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let text = match ws.read()? {
            Message::Text(t) => t,
            Message::Close(_) => return Ok(()),
            _ => continue,
        };
        let Ok(Frame::Call(call)) = Frame::parse(&text) else {
            continue;
        };
        let answer = answer(call.action, call.payload, call.id, transactions, &mut buf);
        if let Some(answer) = answer {
            ws.send(Message::text(answer))?;
        }
    }
}

/// The central system's answer to one CALL, as a frame.
fn answer(
    action: &str,
    payload: &str,
    id: &str,
    transactions: &AtomicI32,
    buf: &mut [u8],
) -> Option<String> {
    let opts = json::DecodeOptions::DEFAULT;
    let accepted = |tag: &str| {
        IdTagInfo::with_status(if tag.starts_with("BLOCKED") {
            AuthorizationStatus::Blocked
        } else {
            AuthorizationStatus::Accepted
        })
    };
    let frame = match Action::parse(action) {
        Some(Action::BootNotification) => rpc::encode_call_result(
            buf,
            id,
            &v16::BootNotificationResponse {
                current_time: now(),
                interval: 60,
                status: RegistrationStatus::Accepted,
            },
        ),
        Some(Action::Heartbeat) => rpc::encode_call_result(
            buf,
            id,
            &v16::HeartbeatResponse {
                current_time: now(),
            },
        ),
        Some(Action::Authorize) => {
            let req: v16::AuthorizeRequest = json::from_str(payload, &opts).ok()?;
            rpc::encode_call_result(
                buf,
                id,
                &v16::AuthorizeResponse {
                    id_tag_info: accepted(&req.id_tag),
                },
            )
        }
        Some(Action::StartTransaction) => {
            let req: v16::StartTransactionRequest = json::from_str(payload, &opts).ok()?;
            let transaction_id = transactions.fetch_add(1, Ordering::Relaxed);
            rpc::encode_call_result(
                buf,
                id,
                &v16::StartTransactionResponse {
                    id_tag_info: accepted(&req.id_tag),
                    transaction_id,
                },
            )
        }
        Some(Action::StopTransaction) => {
            rpc::encode_call_result(buf, id, &v16::StopTransactionResponse::default())
        }
        Some(Action::DataTransfer) => rpc::encode_call_result(
            buf,
            id,
            &v16::DataTransferResponse {
                status: v16::DataTransferStatus::UnknownVendorId,
                data: None,
            },
        ),
        Some(_) => rpc::encode_call_result(buf, id, &serde_json::json!({})),
        None => rpc::encode_call_error(buf, id, ErrorCode::NotImplemented, "unknown action"),
    };
    frame.ok().map(str::to_owned)
}

/// The demo's charging session: plug, present a card, charge for a few seconds at 11 kW, present
/// the card again, unplug, quit.
pub fn script(targets: &[Sender<Command>]) {
    let steps: [(u64, &str); 7] = [
        (2, "plug 1"),
        (1, "ev 1 11000"),
        (1, "tag 1 DEMO-CARD"),
        (8, "tag 1 DEMO-CARD"),
        (2, "unplug 1"),
        (1, "quit"),
        (0, ""),
    ];
    for (wait, line) in steps {
        thread::sleep(Duration::from_secs(wait));
        let Ok(Some(command)) = crate::commands::parse(line) else {
            continue;
        };
        println!("ocpp-cp: > {line}");
        for t in targets {
            let _ = t.send(command.clone());
        }
    }
}
