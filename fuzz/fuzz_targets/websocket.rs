//! Fuzzes `ocpp-embedded-io`'s blocking WebSocket client from the server's side: any bytes as
//! the server's handshake response and frames, delivered in any read sizes, interleaved with the
//! charge point's own sends, pings and closes, with any rx/tx buffer sizes. The client must never
//! panic, never hand out a message longer than its rx buffer, and once closed stay closed.
#![no_main]

use std::collections::VecDeque;

use arbitrary::Arbitrary;
use embedded_io::ErrorKind;
use libfuzzer_sys::fuzz_target;
use ocpp_embedded_io::{Client, Handshake, Message, State};

/// The RFC 6455 §1.3 example key's nonce, and the 101 answer that accepts it for `ocpp1.6`: with
/// it, the fuzzer starts past the handshake when `raw_handshake` is false.
const NONCE: [u8; 16] = *b"the sample nonce";
const OK_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n";

#[derive(Debug, Arbitrary)]
struct Case {
    /// The server's bytes are the whole response, handshake included (fuzzes the HTTP parser).
    raw_handshake: bool,
    rx_len: u16,
    tx_len: u16,
    /// Sizes of successive reads (cycled; 0 is read as 1).
    reads: Vec<u8>,
    /// Every `n`th read fails with a timeout (0: never).
    timeout_every: u8,
    server: Vec<u8>,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Receive,
    SendText(String),
    Ping(Vec<u8>),
    Close(u16),
}

struct Wire {
    to_client: VecDeque<u8>,
    reads: Vec<u8>,
    timeout_every: u8,
    n: usize,
}

impl embedded_io::ErrorType for Wire {
    type Error = ErrorKind;
}

impl embedded_io::Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.n += 1;
        if self.timeout_every > 0 && self.n % usize::from(self.timeout_every) == 0 {
            return Err(ErrorKind::TimedOut);
        }
        let size = if self.reads.is_empty() {
            buf.len()
        } else {
            usize::from(self.reads[self.n % self.reads.len()].max(1))
        };
        let n = size.min(buf.len()).min(self.to_client.len());
        for (dst, src) in buf.iter_mut().zip(self.to_client.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

fuzz_target!(|case: Case| {
    let mut to_client = VecDeque::new();
    if !case.raw_handshake {
        to_client.extend(OK_RESPONSE);
    }
    to_client.extend(&case.server);
    let wire = Wire {
        to_client,
        reads: case.reads,
        timeout_every: case.timeout_every,
        n: 0,
    };
    let mut rx = vec![0u8; usize::from(case.rx_len % 4096) + 1];
    let mut tx = vec![0u8; usize::from(case.tx_len % 4096) + 1];
    let rx_len = rx.len();
    let mut masks = 0u32;
    let mask = move || {
        masks = masks.wrapping_add(0x9E37_79B9);
        masks.to_be_bytes()
    };
    let handshake = Handshake::new("cs.example.com", "/ocpp/CP001");
    let Ok(mut client) = Client::connect(wire, &mut rx, &mut tx, &handshake, NONCE, mask) else {
        return;
    };
    let mut closed = false;
    for op in case.ops.into_iter().take(64) {
        match op {
            Op::Receive => match client.receive() {
                Ok(Message::Text(t)) => assert!(t.len() <= rx_len, "a message over the rx buffer"),
                Ok(_) | Err(_) => {}
            },
            Op::SendText(text) => {
                let _ = client.send_text(&text);
            }
            Op::Ping(payload) => {
                let _ = client.send_ping(&payload);
            }
            Op::Close(code) => {
                let _ = client.close(code);
            }
        }
        if closed {
            assert_eq!(client.state(), State::Closed, "a closed client reopened");
        }
        closed = client.state() == State::Closed;
    }
});
