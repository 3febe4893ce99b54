//! The async client, over `embedded_io_async::{Read, Write}` (feature `async`).
//!
//! [`Client`] mirrors the blocking [`crate::Client`] method for method, each one `async`.
//!
//! **Cancellation.** [`Client::receive`] may be dropped before it finishes, for instance when it
//! loses a `select` against a timer (the usual way to send OCPP messages and pings while waiting
//! for the Central System): every byte read is recorded as it arrives, and the next `receive`
//! continues the same frame, as long as the stream's own `read` is cancel-safe (embassy-net's
//! `TcpSocket` is). A pong being written when the future is dropped is finished by the next call.
//! Dropping `send_text` before it completes loses the connection (the stream may hold half a
//! frame; the next call returns [`Error::Closed`]), and so does dropping `connect`.
//!
//! ```no_run
//! use embedded_io_async::{Read, Write};
//! use ocpp_embedded_io::asynch::Client;
//! use ocpp_embedded_io::{Error, Handshake, Message};
//!
//! async fn run<S: Read + Write>(
//!     socket: S,
//!     mut random: impl FnMut() -> u32,
//! ) -> Result<(), Error<S::Error>> {
//!     let (mut rx, mut tx) = ([0u8; 4096], [0u8; 1024]);
//!     let mut nonce = [0u8; 16];
//!     for chunk in nonce.chunks_mut(4) {
//!         chunk.copy_from_slice(&random().to_ne_bytes());
//!     }
//!     let handshake = Handshake::new("cs.example.com", "/ocpp/CP001");
//!     let mask = || random().to_ne_bytes();
//!     let mut ws = Client::connect(socket, &mut rx, &mut tx, &handshake, nonce, mask).await?;
//!     ws.send_text(r#"[2,"1","Heartbeat",{}]"#).await?;
//!     loop {
//!         match ws.receive().await? {
//!             Message::Text(frame) => { /* an OCPP-J frame for the charge point core */ }
//!             Message::Pong(_) => { /* the Central System is alive */ }
//!             Message::Close(_) => return Ok(()),
//!         }
//!     }
//! }
//! ```

use embedded_io_async::{Read, Write};

use crate::MaskSource;
use crate::error::Error;
use crate::handshake::Handshake;
use crate::session::{Message, Session, State, Transport};

/// An OCPP-J WebSocket client connection over an async stream.
///
/// `T` is the stream: a TCP socket, or a TLS session over one for `wss://` (the crate docs say
/// how); `&mut T` works too, to keep the stream. The client borrows two caller buffers for `'b`:
/// - `rx` first holds the server's handshake response, then each incoming message, reassembled:
///   its length is the longest message the client accepts ([`Client::max_message_len`]);
/// - `tx` holds the handshake request, then one outgoing frame at a time (masked in place): a
///   text longer than one frame's payload goes out fragmented. At least 131 bytes.
///
/// Nothing else is allocated; the client itself is a few hundred bytes (a 125-byte control frame
/// buffer included).
pub struct Client<'b, T, M> {
    session: Session<'b, Async<T>, M>,
}

/// `embedded_io_async` as a [`Transport`].
struct Async<T>(T);

impl<T: Read + Write> Transport for Async<T> {
    type Error = T::Error;

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, T::Error> {
        self.0.read(buf).await
    }

    async fn write(&mut self, buf: &[u8]) -> Result<usize, T::Error> {
        self.0.write(buf).await
    }

    async fn flush(&mut self) -> Result<(), T::Error> {
        self.0.flush().await
    }
}

impl<'b, T: Read + Write, M: MaskSource> Client<'b, T, M> {
    /// Opens the WebSocket: sends the HTTP upgrade request of `handshake` with the
    /// `Sec-WebSocket-Key` made of `nonce` (16 random bytes, fresh for each connection) and checks
    /// the server's answer: `101`, `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, no extension,
    /// and the subprotocol (`ocpp1.6`) agreed.
    ///
    /// `mask` gives the masking key of every frame sent.
    ///
    /// # Errors
    ///
    /// [`Error::HttpStatus`] (401: credentials refused; 404: unknown charge point),
    /// [`Error::SubprotocolRefused`], [`Error::BadAcceptKey`], [`Error::NotUpgraded`],
    /// [`Error::UnrequestedExtension`], [`Error::ResponseTooLarge`],
    /// [`Error::MalformedResponse`], [`Error::InvalidRequest`], [`Error::TxBufferTooSmall`],
    /// [`Error::Io`] and [`Error::Disconnected`]. Drop the stream after any of them.
    pub async fn connect(
        stream: T,
        rx: &'b mut [u8],
        tx: &'b mut [u8],
        handshake: &Handshake<'_>,
        nonce: [u8; 16],
        mask: M,
    ) -> Result<Self, Error<T::Error>> {
        let session = Session::connect(Async(stream), rx, tx, handshake, nonce, mask).await?;
        Ok(Self { session })
    }

    /// Sends a text message (an OCPP-J frame) with FIN set: one WebSocket frame, or fragments of
    /// [`Client::max_fragment_len`] bytes. The stream is flushed at the end.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] once the client is closing or closed. On [`Error::Io`], the message was
    /// not sent if nothing of it was written; if part of it was, the connection is lost (the next
    /// call returns [`Error::Closed`]).
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
        self.session.send_text(text).await
    }

    /// Reads until a complete text message, a pong or the server's close frame. Pings are
    /// answered with a pong of the same payload on the way.
    ///
    /// The message borrows the rx buffer until the next call.
    ///
    /// # Errors
    ///
    /// [`Error::MessageTooLarge`] and [`Error::UnsupportedData`]: the client sent close 1009 /
    /// 1003 and skips what follows; call `receive` again to finish the close handshake.
    /// [`Error::Protocol`] (1002) and [`Error::InvalidUtf8`] (1007): the connection failed.
    /// [`Error::Io`]: a stream error; a half-read frame stays where it was and the next call
    /// continues it, as it does after this future is dropped (see the module docs).
    /// [`Error::Disconnected`], [`Error::Closed`].
    pub async fn receive(&mut self) -> Result<Message<'_>, Error<T::Error>> {
        self.session.receive().await
    }

    /// Sends a ping with `payload` (at most 125 bytes), for OCPP's `WebSocketPingInterval`: the
    /// pong comes back through [`Client::receive`].
    ///
    /// # Errors
    ///
    /// [`Error::PingTooLong`], [`Error::Closed`], [`Error::Io`].
    pub async fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        self.session.send_ping(payload).await
    }

    /// Closes the WebSocket: sends a close frame with `code` ([`crate::close_code`]) unless one
    /// went out already, then reads (skipping messages) until the server's close frame. Close the
    /// stream afterwards; a `select` against a timer bounds the wait.
    ///
    /// Returns `Ok(())` at once if the connection is already closed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCloseCode`], and the errors of [`Client::receive`].
    pub async fn close(&mut self, code: u16) -> Result<(), Error<T::Error>> {
        self.session.close(code).await
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        self.session.state()
    }

    /// The longest message [`Client::receive`] takes: the length of the rx buffer.
    pub fn max_message_len(&self) -> usize {
        self.session.max_message_len()
    }

    /// The longest payload of one outgoing frame: what the tx buffer holds after the frame
    /// header, or less if set with [`Client::set_max_fragment_len`].
    pub fn max_fragment_len(&self) -> usize {
        self.session.max_fragment_len()
    }

    /// Caps the payload of an outgoing frame: longer texts go out fragmented (for a server or
    /// proxy with a frame limit). The tx buffer's capacity stays the upper bound.
    pub fn set_max_fragment_len(&mut self, len: usize) {
        self.session.set_max_fragment_len(len);
    }

    /// Gives the stream back, to close or reuse it (after [`State::Closed`]).
    pub fn into_inner(self) -> T {
        self.session.into_inner().0
    }
}
