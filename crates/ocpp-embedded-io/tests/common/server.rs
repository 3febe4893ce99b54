//! A tungstenite WebSocket server on 127.0.0.1 for the loopback tests.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use tungstenite::WebSocket;
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::http::{HeaderValue, StatusCode};

pub const CP_PATH: &str = "/ocpp/CP001";
/// `basic_auth("CP001", b"0123456789abcdef0123")`.
pub const CP_AUTH: &str = "Basic Q1AwMDE6MDEyMzQ1Njc4OWFiY2RlZjAxMjM=";

/// How the server answers the opening handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Checks path, `Authorization` and the offered subprotocols; selects `ocpp1.6`.
    Ocpp16,
    /// Completes the handshake without `Sec-WebSocket-Protocol` (OCPP-J §3.2: does not agree).
    NoSubprotocol,
}

fn refuse(status: StatusCode) -> ErrorResponse {
    let mut response = ErrorResponse::new(None);
    *response.status_mut() = status;
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            "WWW-Authenticate",
            HeaderValue::from_static("Basic realm=\"ocpp\""),
        );
    }
    response
}

/// Binds 127.0.0.1:0, accepts one connection with `policy`, and runs `session` on it in a thread.
/// A refused handshake ends the thread after the refusal is sent.
pub fn serve<R: Send + 'static>(
    policy: Policy,
    session: impl FnOnce(&mut WebSocket<TcpStream>) -> R + Send + 'static,
) -> (SocketAddr, JoinHandle<Option<R>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let check = move |request: &Request, mut response: Response| {
            if request.uri().path() != CP_PATH {
                return Err(refuse(StatusCode::NOT_FOUND));
            }
            if request
                .headers()
                .get("Authorization")
                .and_then(|v| v.to_str().ok())
                != Some(CP_AUTH)
            {
                return Err(refuse(StatusCode::UNAUTHORIZED));
            }
            let offered = request
                .headers()
                .get_all("Sec-WebSocket-Protocol")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|p| p.trim() == "ocpp1.6");
            if policy == Policy::Ocpp16 && offered {
                response.headers_mut().insert(
                    "Sec-WebSocket-Protocol",
                    HeaderValue::from_static("ocpp1.6"),
                );
            }
            Ok(response)
        };
        let mut ws = tungstenite::accept_hdr(stream, check).ok()?;
        Some(session(&mut ws))
    });
    (addr, handle)
}

/// A TCP connection to the test server, with a read timeout so that no test can hang.
pub fn connect(addr: SocketAddr) -> TcpStream {
    assert!(addr.ip().is_loopback());
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.set_nodelay(true).unwrap();
    tcp
}

/// 16 "random" bytes and a mask source from a xorshift seed (tests need no real randomness).
pub fn randomness(seed: u64) -> ([u8; 16], impl FnMut() -> [u8; 4] + Send) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&next().to_le_bytes());
    nonce[8..].copy_from_slice(&next().to_le_bytes());
    (nonce, move || (next() as u32).to_le_bytes())
}
