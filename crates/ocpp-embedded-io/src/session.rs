//! The connection itself, written once as `async` code over [`Transport`].
//!
//! The blocking [`crate::Client`] drives these futures with [`crate::block_on`] over a transport
//! whose futures are always ready; [`crate::asynch::Client`] awaits them. Every step that reads
//! records its progress in [`Link`] as soon as a read returns, so a call that ends early (an I/O
//! error such as a timeout, or a dropped future) leaves the session where the next call can carry
//! on.

use crate::error::{Error, ProtocolError};
use crate::frame::{
    self, Head, MAX_CONTROL_PAYLOAD, MAX_SERVER_HEADER, MIN_TX, OP_BINARY, OP_CLOSE,
    OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT,
};
use crate::handshake::{self, Handshake};
use crate::{MaskSource, close_code};

/// A byte stream, blocking or not: the part of `embedded_io(_async)::{Read, Write}` used here.
pub(crate) trait Transport {
    type Error;
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error>;
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error>;
    async fn flush(&mut self) -> Result<(), Self::Error>;
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// The client sent a close frame (from `close`, or after [`Error::MessageTooLarge`] or
    /// [`Error::UnsupportedData`]) and waits for the server's: nothing can be sent, incoming
    /// messages are skipped, `receive` still reports pongs and then the server's close.
    Closing,
    /// The close handshake is over or the connection failed: drop the client (or take the stream
    /// back with `into_inner`) and close the TCP/TLS stream.
    Closed,
}

/// What [`crate::Client::receive`] hands back. Pings are answered inside `receive` and not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// A complete text message (an OCPP-J CALL, CALLRESULT or CALLERROR), reassembled from its
    /// fragments, in the rx buffer until the next call.
    Text(&'a str),
    /// A pong, usually the answer to a `send_ping` (OCPP `WebSocketPingInterval`).
    Pong(&'a [u8]),
    /// The server's close frame and its status code, if it had one. The client has answered it
    /// (unless it had started the close itself) and is [`State::Closed`].
    Close(Option<u16>),
}

/// A message found by [`Session::next_event`], by position rather than by reference.
#[derive(Debug, Clone, Copy)]
enum Event {
    Text(usize),
    Pong(usize),
    Close(Option<u16>),
}

/// Where the payload of the frame being read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dst {
    Header,
    Message,
    Control,
    Discard,
}

/// A connection after a successful opening handshake.
pub(crate) struct Session<'b, T, M> {
    /// Incoming messages are reassembled at the start; bytes that came with the handshake
    /// response are kept at the end (`Link::pending`).
    rx: &'b mut [u8],
    link: Link<'b, T, M>,
}

/// Everything but the rx buffer, so that a text in `rx` can be handed out while `link` fails the
/// connection.
struct Link<'b, T, M> {
    io: T,
    mask: M,
    state: State,

    // Sending: `tx[tx_start..tx_end]` is the part of a frame not yet written.
    tx: &'b mut [u8],
    tx_start: usize,
    tx_end: usize,
    flush_due: bool,
    /// A text message has been partly written: if a call finds this set, the stream holds half a
    /// frame and the connection is lost.
    sending: bool,
    max_fragment: usize,

    // Receiving.
    /// `rx[pending.0..pending.1]`: stream bytes read with the handshake response, not yet used.
    pending: (usize, usize),
    hdr: [u8; MAX_SERVER_HEADER],
    hdr_len: usize,
    /// The frame whose payload is being read, and where it goes.
    frame: Option<(Head, Dst)>,
    remaining: u64,
    ctrl: [u8; MAX_CONTROL_PAYLOAD],
    ctrl_len: usize,
    /// Bytes of the current message in `rx`.
    msg_len: usize,
    /// A fragmented message is in progress (its first frame had FIN clear).
    in_message: bool,
    /// The last call returned the message in `rx`: drop it on the next one.
    delivered: bool,
}

impl<'b, T: Transport, M: MaskSource> Session<'b, T, M> {
    /// Sends the opening handshake and checks the server's answer.
    pub(crate) async fn connect(
        mut io: T,
        rx: &'b mut [u8],
        tx: &'b mut [u8],
        hs: &Handshake<'_>,
        nonce: [u8; 16],
        mask: M,
    ) -> Result<Self, Error<T::Error>> {
        if tx.len() < MIN_TX {
            return Err(Error::TxBufferTooSmall);
        }
        let key = handshake::encode_key(&nonce);
        let len = handshake::write_request(tx, hs, &key)?;
        let mut request = tx.get(..len).unwrap_or_default();
        while !request.is_empty() {
            let n = io.write(request).await.map_err(Error::Io)?;
            if n == 0 {
                return Err(Error::Disconnected);
            }
            request = request.get(n..).unwrap_or_default();
        }
        io.flush().await.map_err(Error::Io)?;

        let accept = handshake::accept_for(&key);
        let mut filled = 0;
        let header_len = loop {
            // A status line that came before the end of the buffer or stream says more than
            // "too large" or "disconnected" (a 401 with a long body, say).
            let refused = |buf: &[u8]| handshake::partial_status(buf).filter(|&code| code != 101);
            let Some(free) = rx.get_mut(filled..).filter(|free| !free.is_empty()) else {
                return Err(refused(rx).map_or(Error::ResponseTooLarge, Error::HttpStatus));
            };
            let n = io.read(free).await.map_err(Error::Io)?;
            let received = rx.get(..filled + n).unwrap_or_default();
            if n == 0 {
                return Err(refused(received).map_or(Error::Disconnected, Error::HttpStatus));
            }
            filled = received.len();
            if let Some(len) = handshake::check_response(received, &accept, hs.subprotocol)? {
                break len;
            }
        };
        // Bytes after the header block are the server's first frames: keep them at the end of
        // rx, where messages being reassembled from the start cannot overtake them.
        let pending_start = rx.len() - (filled - header_len);
        rx.copy_within(header_len..filled, pending_start);
        let pending = (pending_start, rx.len());
        Ok(Self {
            rx,
            link: Link {
                io,
                mask,
                state: State::Open,
                tx,
                tx_start: 0,
                tx_end: 0,
                flush_due: false,
                sending: false,
                max_fragment: usize::MAX,
                pending,
                hdr: [0; MAX_SERVER_HEADER],
                hdr_len: 0,
                frame: None,
                remaining: 0,
                ctrl: [0; MAX_CONTROL_PAYLOAD],
                ctrl_len: 0,
                msg_len: 0,
                in_message: false,
                delivered: false,
            },
        })
    }

    pub(crate) fn state(&self) -> State {
        self.link.state
    }

    pub(crate) fn max_message_len(&self) -> usize {
        self.rx.len()
    }

    pub(crate) fn max_fragment_len(&self) -> usize {
        self.link.fragment_len()
    }

    pub(crate) fn set_max_fragment_len(&mut self, len: usize) {
        self.link.max_fragment = len.max(1);
    }

    pub(crate) fn into_inner(self) -> T {
        self.link.io
    }

    /// Sends a text message: one frame, or fragments of at most `max_fragment_len` bytes.
    pub(crate) async fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
        let link = &mut self.link;
        link.begin().await?;
        if link.state != State::Open {
            return Err(Error::Closed);
        }
        let fragment = link.fragment_len();
        let mut rest = text.as_bytes();
        let mut opcode = OP_TEXT;
        loop {
            let (chunk, tail) = rest.split_at(rest.len().min(fragment));
            rest = tail;
            link.queue(rest.is_empty(), opcode, chunk);
            link.sending = true;
            if let Err(e) = link.write_pending().await {
                if opcode == OP_TEXT && link.tx_start == 0 {
                    // Nothing went out: the message is simply not sent.
                    link.sending = false;
                    link.tx_end = 0;
                }
                return Err(e);
            }
            if rest.is_empty() {
                break;
            }
            opcode = OP_CONTINUATION;
        }
        link.sending = false;
        link.drain().await
    }

    /// Sends a ping (at most 125 bytes of payload).
    pub(crate) async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::PingTooLong);
        }
        let link = &mut self.link;
        link.begin().await?;
        if link.state != State::Open {
            return Err(Error::Closed);
        }
        link.queue(true, OP_PING, payload);
        link.drain().await
    }

    /// Runs the close handshake: sends a close frame with `code` (unless one was sent already),
    /// then reads until the server's close frame, skipping messages.
    pub(crate) async fn close(&mut self, code: u16) -> Result<(), Error<T::Error>> {
        if !frame::is_sendable_close_code(code) {
            return Err(Error::InvalidCloseCode);
        }
        let link = &mut self.link;
        link.begin().await?;
        match link.state {
            State::Closed => return Ok(()),
            State::Open => {
                link.state = State::Closing;
                link.queue(true, OP_CLOSE, &code.to_be_bytes());
                link.drain().await?;
            }
            State::Closing => {}
        }
        loop {
            if let Event::Close(_) = self.next_event().await? {
                return Ok(());
            }
        }
    }

    /// Reads until a complete text message, a pong or a close frame.
    pub(crate) async fn receive(&mut self) -> Result<Message<'_>, Error<T::Error>> {
        match self.next_event().await? {
            Event::Text(len) => {
                let Self { rx, link } = self;
                match core::str::from_utf8(rx.get(..len).unwrap_or_default()) {
                    Ok(text) => Ok(Message::Text(text)),
                    Err(_) => Err(link.fail(Error::InvalidUtf8).await),
                }
            }
            Event::Pong(len) => Ok(Message::Pong(self.link.ctrl.get(..len).unwrap_or_default())),
            Event::Close(code) => Ok(Message::Close(code)),
        }
    }

    async fn next_event(&mut self) -> Result<Event, Error<T::Error>> {
        self.link.begin().await?;
        if self.link.state == State::Closed {
            return Err(Error::Closed);
        }
        if self.link.delivered {
            self.link.delivered = false;
            self.link.msg_len = 0;
        }
        loop {
            let Some((head, dst)) = self.link.frame else {
                let link = &mut self.link;
                let need = if link.hdr_len < 2 {
                    2
                } else {
                    let [b0, b1, ..] = link.hdr;
                    match frame::check_start(b0, b1) {
                        Ok(need) => need,
                        Err(e) => return Err(link.fail(e.into()).await),
                    }
                };
                if link.hdr_len < need {
                    let n = self
                        .read_some(Dst::Header, need - self.link.hdr_len)
                        .await?;
                    self.link.hdr_len += n;
                    continue;
                }
                link.hdr_len = 0;
                match frame::decode(&link.hdr) {
                    Ok(head) => self.start_frame(head).await?,
                    Err(e) => return Err(link.fail(e.into()).await),
                }
                continue;
            };
            if self.link.remaining > 0 {
                let want = usize::try_from(self.link.remaining).unwrap_or(usize::MAX);
                let n = self.read_some(dst, want).await?;
                let link = &mut self.link;
                link.remaining -= n as u64;
                match dst {
                    Dst::Message => link.msg_len += n,
                    Dst::Control => link.ctrl_len += n,
                    Dst::Header | Dst::Discard => {}
                }
                continue;
            }
            self.link.frame = None;
            if let Some(event) = self.end_frame(head, dst).await? {
                return Ok(event);
            }
        }
    }

    /// Decides where a frame's payload goes, or fails the connection.
    async fn start_frame(&mut self, head: Head) -> Result<(), Error<T::Error>> {
        let link = &mut self.link;
        link.remaining = head.len;
        if head.is_control() {
            link.ctrl_len = 0;
            link.frame = Some((head, Dst::Control));
            return Ok(());
        }
        if link.state != State::Open {
            link.frame = Some((head, Dst::Discard));
            return Ok(());
        }
        let violation = match head.opcode {
            OP_CONTINUATION if !link.in_message => Some(ProtocolError::UnexpectedContinuation),
            OP_TEXT | OP_BINARY if link.in_message => Some(ProtocolError::ExpectedContinuation),
            _ => None,
        };
        if let Some(violation) = violation {
            return Err(link.fail(violation.into()).await);
        }
        if head.opcode == OP_BINARY {
            link.frame = Some((head, Dst::Discard));
            return Err(link.close_after(Error::UnsupportedData).await);
        }
        let fits = usize::try_from(head.len)
            .ok()
            .and_then(|len| link.msg_len.checked_add(len))
            .is_some_and(|end| end <= self.rx.len());
        if !fits {
            // Skip the payload rather than read it: nothing grows with the message's length.
            link.frame = Some((head, Dst::Discard));
            return Err(link.close_after(Error::MessageTooLarge).await);
        }
        link.frame = Some((head, Dst::Message));
        Ok(())
    }

    /// Acts on a frame whose payload has been read.
    async fn end_frame(&mut self, head: Head, dst: Dst) -> Result<Option<Event>, Error<T::Error>> {
        let link = &mut self.link;
        match head.opcode {
            _ if dst == Dst::Discard => Ok(None),
            OP_TEXT | OP_CONTINUATION => {
                if link.state != State::Open {
                    return Ok(None);
                }
                link.in_message = !head.fin;
                if !head.fin {
                    return Ok(None);
                }
                link.delivered = true;
                Ok(Some(Event::Text(link.msg_len)))
            }
            OP_PING => {
                if link.state == State::Open {
                    let ping = link.ctrl;
                    link.queue(true, OP_PONG, ping.get(..link.ctrl_len).unwrap_or_default());
                    link.drain().await?;
                }
                Ok(None)
            }
            OP_PONG => Ok(Some(Event::Pong(link.ctrl_len))),
            OP_CLOSE => {
                let code = match *link.ctrl.get(..link.ctrl_len).unwrap_or_default() {
                    [] => None,
                    [a, b, ref reason @ ..]
                        if frame::is_sendable_close_code(u16::from_be_bytes([a, b])) =>
                    {
                        if core::str::from_utf8(reason).is_err() {
                            return Err(link.fail(Error::InvalidUtf8).await);
                        }
                        Some(u16::from_be_bytes([a, b]))
                    }
                    _ => return Err(link.fail(ProtocolError::InvalidClosePayload.into()).await),
                };
                let answer = link.state == State::Open;
                link.state = State::Closed;
                if answer {
                    // Echo the code (RFC 6455 §5.5.1). The server closes the TCP connection next;
                    // a failure to write the echo changes nothing for the caller.
                    let echo = code.map(u16::to_be_bytes);
                    let echo: &[u8] = match &echo {
                        Some(bytes) => bytes,
                        None => &[],
                    };
                    link.queue(true, OP_CLOSE, echo);
                    let _ = link.drain().await;
                }
                Ok(Some(Event::Close(code)))
            }
            // `check_start` lets no other opcode through, and binary frames are discarded.
            _ => Ok(None),
        }
    }

    /// Reads up to `want` (> 0) bytes for `dst`, from the bytes left over from the handshake first.
    async fn read_some(&mut self, dst: Dst, want: usize) -> Result<usize, Error<T::Error>> {
        let Self { rx, link } = self;
        let (start, end) = link.pending;
        if start < end {
            let n = want.min(end - start);
            let src = start..start + n;
            match dst {
                // The message start never passes the pending bytes: every byte of it was read
                // from them, so `msg_len <= start` and the move is a forward-safe memmove.
                Dst::Message => {
                    if link.msg_len + n <= rx.len() {
                        rx.copy_within(src, link.msg_len);
                    }
                }
                Dst::Header => copy(link.hdr.get_mut(link.hdr_len..), rx.get(src)),
                Dst::Control => copy(link.ctrl.get_mut(link.ctrl_len..), rx.get(src)),
                Dst::Discard => {}
            }
            link.pending.0 += n;
            return Ok(n);
        }
        let buf = match dst {
            Dst::Header => link.hdr.get_mut(link.hdr_len..),
            Dst::Message => rx.get_mut(link.msg_len..),
            Dst::Control => link.ctrl.get_mut(link.ctrl_len..),
            // Nothing in rx is needed while skipping a message.
            Dst::Discard if rx.is_empty() => Some(link.ctrl.as_mut_slice()),
            Dst::Discard => Some(&mut **rx),
        };
        let buf = buf.unwrap_or_default();
        let len = buf.len().min(want);
        let buf = buf.get_mut(..len).unwrap_or_default();
        let n = link.io.read(buf).await.map_err(Error::Io)?;
        if n == 0 {
            link.state = State::Closed;
            return Err(Error::Disconnected);
        }
        Ok(n.min(len))
    }
}

impl<T: Transport, M: MaskSource> Link<'_, T, M> {
    fn fragment_len(&self) -> usize {
        frame::payload_capacity(self.tx.len()).min(self.max_fragment)
    }

    /// Every call starts here: a half-sent message loses the connection, a half-sent control
    /// frame is finished.
    async fn begin(&mut self) -> Result<(), Error<T::Error>> {
        if self.sending {
            self.sending = false;
            self.state = State::Closed;
            self.tx_start = 0;
            self.tx_end = 0;
            return Err(Error::Closed);
        }
        self.drain().await
    }

    /// Puts a masked frame into the (drained) tx buffer.
    fn queue(&mut self, fin: bool, opcode: u8, payload: &[u8]) {
        let key = self.mask.next_mask();
        // Payloads are at most `fragment_len()` or 125 bytes, and `tx` holds at least `MIN_TX`.
        self.tx_end = frame::encode(self.tx, fin, opcode, key, payload).unwrap_or(0);
        self.tx_start = 0;
        self.flush_due = true;
    }

    async fn write_pending(&mut self) -> Result<(), Error<T::Error>> {
        while self.tx_start < self.tx_end {
            let chunk = self.tx.get(self.tx_start..self.tx_end).unwrap_or_default();
            let n = self.io.write(chunk).await.map_err(Error::Io)?;
            if n == 0 {
                self.state = State::Closed;
                return Err(Error::Disconnected);
            }
            self.tx_start += n.min(chunk.len());
        }
        Ok(())
    }

    /// Writes what is queued and flushes (TLS streams send records on flush).
    async fn drain(&mut self) -> Result<(), Error<T::Error>> {
        self.write_pending().await?;
        if self.flush_due {
            self.io.flush().await.map_err(Error::Io)?;
            self.flush_due = false;
        }
        Ok(())
    }

    /// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): a close frame with the error's code,
    /// best effort, and nothing after it.
    async fn fail(&mut self, error: Error<T::Error>) -> Error<T::Error> {
        self.state = State::Closed;
        self.frame = None;
        let code = error.close_code().unwrap_or(close_code::PROTOCOL_ERROR);
        if self.drain().await.is_ok() {
            self.queue(true, OP_CLOSE, &code.to_be_bytes());
            let _ = self.drain().await;
        }
        error
    }

    /// Starts the close handshake because of `error` (a message the client will not take): the
    /// connection stays readable until the server's close frame.
    async fn close_after(&mut self, error: Error<T::Error>) -> Error<T::Error> {
        self.state = State::Closing;
        self.in_message = false;
        let code = error.close_code().unwrap_or(close_code::POLICY_VIOLATION);
        self.queue(true, OP_CLOSE, &code.to_be_bytes());
        // A write error leaves the frame queued; the next call finishes it.
        let _ = self.drain().await;
        error
    }
}

/// Copies `src` to the start of `dst` when it fits.
fn copy(dst: Option<&mut [u8]>, src: Option<&[u8]>) {
    if let (Some(dst), Some(src)) = (dst, src) {
        if let Some(dst) = dst.get_mut(..src.len()) {
            dst.copy_from_slice(src);
        }
    }
}
