//! A scripted in-memory duplex stream and frame helpers for the recorded-stream tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::missing_panics_doc
)]

pub mod server;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use embedded_io::ErrorKind;

/// The RFC 6455 §1.3 example: nonce "the sample nonce" gives this key and this accept value.
pub const NONCE: [u8; 16] = *b"the sample nonce";
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Both directions of the wire, shared between the stream given to the client and the test.
#[derive(Default)]
pub struct Wire {
    /// Bytes the server sends, not yet read by the client.
    pub to_client: VecDeque<u8>,
    /// Bytes the client wrote.
    pub from_client: Vec<u8>,
    /// The most a single `read` returns (0: no limit).
    pub max_read: usize,
    /// The number of further reads that succeed before one fails with `TimedOut` (then cleared).
    pub fail_read_after: Option<usize>,
    /// The number of bytes that may still be written before writes fail with `TimedOut`.
    pub write_budget: Option<usize>,
    pub flushes: usize,
}

#[derive(Clone, Default)]
pub struct Mock(pub Rc<RefCell<Wire>>);

impl Mock {
    pub fn new(server_bytes: &[u8]) -> Self {
        let mock = Self::default();
        mock.push(server_bytes);
        mock
    }

    pub fn push(&self, bytes: &[u8]) {
        self.0.borrow_mut().to_client.extend(bytes.iter().copied());
    }

    pub fn written(&self) -> Vec<u8> {
        self.0.borrow().from_client.clone()
    }

    pub fn take_written(&self) -> Vec<u8> {
        std::mem::take(&mut self.0.borrow_mut().from_client)
    }

    pub fn unread(&self) -> usize {
        self.0.borrow().to_client.len()
    }

    fn do_read(&self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let mut w = self.0.borrow_mut();
        if let Some(n) = w.fail_read_after {
            if n == 0 {
                w.fail_read_after = None;
                return Err(ErrorKind::TimedOut);
            }
            w.fail_read_after = Some(n - 1);
        }
        let mut n = buf.len().min(w.to_client.len());
        if w.max_read > 0 {
            n = n.min(w.max_read);
        }
        for (slot, byte) in buf.iter_mut().zip(w.to_client.drain(..n)) {
            *slot = byte;
        }
        Ok(n)
    }

    fn do_write(&self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut w = self.0.borrow_mut();
        let n = match w.write_budget {
            Some(0) => return Err(ErrorKind::TimedOut),
            Some(budget) => {
                let n = budget.min(buf.len());
                w.write_budget = Some(budget - n);
                n
            }
            None => buf.len(),
        };
        w.from_client.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl embedded_io::ErrorType for Mock {
    type Error = ErrorKind;
}

impl embedded_io::Read for Mock {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.do_read(buf)
    }
}

impl embedded_io::Write for Mock {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.do_write(buf)
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        self.0.borrow_mut().flushes += 1;
        Ok(())
    }
}

#[cfg(feature = "async")]
impl embedded_io_async::Read for Mock {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        // An empty wire waits (returns Pending) instead of reporting the end of the stream, so
        // that tests can drop a waiting future and resume.
        std::future::poll_fn(|_| {
            if self.0.borrow().to_client.is_empty() && self.0.borrow().fail_read_after != Some(0) {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        self.do_read(buf)
    }
}

#[cfg(feature = "async")]
impl embedded_io_async::Write for Mock {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.do_write(buf)
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        self.0.borrow_mut().flushes += 1;
        Ok(())
    }
}

/// A 101 answer with the given accept value and subprotocol header lines.
pub fn response(accept: &str, protocol: Option<&str>) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n"
    );
    if let Some(p) = protocol {
        r += "Sec-WebSocket-Protocol: ";
        r += p;
        r += "\r\n";
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// The 101 answer to [`NONCE`] agreeing to `ocpp1.6`.
pub fn ok_response() -> Vec<u8> {
    response(ACCEPT, Some("ocpp1.6"))
}

/// A server frame (unmasked) with the shortest length encoding.
pub fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![if fin { 0x80 | opcode } else { opcode }];
    let len = payload.len();
    if len <= 125 {
        f.push(len as u8);
    } else if len <= 0xFFFF {
        f.push(126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    f.extend_from_slice(payload);
    f
}

pub fn text(payload: &str) -> Vec<u8> {
    frame(true, 0x1, payload.as_bytes())
}

pub fn close(code: u16) -> Vec<u8> {
    frame(true, 0x8, &code.to_be_bytes())
}

/// A frame as the client sent it, unmasked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFrame {
    pub fin: bool,
    pub opcode: u8,
    pub key: [u8; 4],
    pub payload: Vec<u8>,
}

/// Splits the bytes the client wrote into its HTTP request and its frames, checking that every
/// frame is masked and has no reserved bit.
pub fn split_client_output(bytes: &[u8]) -> (String, Vec<ClientFrame>) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("request end")
        + 4;
    let request = String::from_utf8(bytes[..end].to_vec()).unwrap();
    (request, parse_client_frames(&bytes[end..]))
}

pub fn parse_client_frames(mut bytes: &[u8]) -> Vec<ClientFrame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let b0 = bytes[0];
        let b1 = bytes[1];
        assert_eq!(b0 & 0x70, 0, "reserved bits");
        assert_eq!(b1 & 0x80, 0x80, "client frames must be masked");
        let (len, mut at) = match b1 & 0x7F {
            126 => (u16::from_be_bytes([bytes[2], bytes[3]]) as usize, 4),
            127 => (
                u64::from_be_bytes(bytes[2..10].try_into().unwrap()) as usize,
                10,
            ),
            n => (n as usize, 2),
        };
        let minimal = match len {
            0..=125 => 2,
            126..=0xFFFF => 4,
            _ => 10,
        };
        assert_eq!(at, minimal, "minimal length encoding");
        let key: [u8; 4] = bytes[at..at + 4].try_into().unwrap();
        at += 4;
        let payload = bytes[at..at + len]
            .iter()
            .zip(key.iter().cycle())
            .map(|(b, k)| b ^ k)
            .collect();
        frames.push(ClientFrame {
            fin: b0 & 0x80 != 0,
            opcode: b0 & 0x0F,
            key,
            payload,
        });
        bytes = &bytes[at + len..];
    }
    frames
}

/// Masking keys 1,2,3,4 / 5,6,7,8 / ...: distinct for every frame.
pub fn counting_mask() -> impl FnMut() -> [u8; 4] {
    let mut n = 0u8;
    move || {
        let k = [1, 2, 3, 4].map(|i: u8| n.wrapping_add(i));
        n = n.wrapping_add(4);
        k
    }
}
