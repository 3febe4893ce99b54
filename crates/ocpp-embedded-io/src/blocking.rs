//! The blocking client, over `embedded_io::{Read, Write}`.

use embedded_io::{Read, Write};

use crate::error::Error;
use crate::handshake::Handshake;
use crate::session::{Message, Session, State, Transport};
use crate::{MaskSource, block_on};

/// An OCPP-J WebSocket client connection over a blocking stream.
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
    session: Session<'b, Std<T>, M>,
}

/// `embedded_io` as a [`Transport`] whose futures are ready at the first poll.
struct Std<T>(T);

impl<T: Read + Write> Transport for Std<T> {
    type Error = T::Error;

    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, T::Error> {
        self.0.read(buf)
    }

    async fn write(&mut self, buf: &[u8]) -> Result<usize, T::Error> {
        self.0.write(buf)
    }

    async fn flush(&mut self) -> Result<(), T::Error> {
        self.0.flush()
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
    pub fn connect(
        stream: T,
        rx: &'b mut [u8],
        tx: &'b mut [u8],
        handshake: &Handshake<'_>,
        nonce: [u8; 16],
        mask: M,
    ) -> Result<Self, Error<T::Error>> {
        let session = block_on(Session::connect(
            Std(stream),
            rx,
            tx,
            handshake,
            nonce,
            mask,
        ))?;
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
    pub fn send_text(&mut self, text: &str) -> Result<(), Error<T::Error>> {
        block_on(self.session.send_text(text))
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
    /// [`Error::Io`]: a stream error such as a read timeout; a half-read frame stays where it was
    /// and the next call continues it. [`Error::Disconnected`], [`Error::Closed`].
    pub fn receive(&mut self) -> Result<Message<'_>, Error<T::Error>> {
        block_on(self.session.receive())
    }

    /// Sends a ping with `payload` (at most 125 bytes), for OCPP's `WebSocketPingInterval`: the
    /// pong comes back through [`Client::receive`].
    ///
    /// # Errors
    ///
    /// [`Error::PingTooLong`], [`Error::Closed`], [`Error::Io`].
    pub fn send_ping(&mut self, payload: &[u8]) -> Result<(), Error<T::Error>> {
        block_on(self.session.send_ping(payload))
    }

    /// Closes the WebSocket: sends a close frame with `code` ([`crate::close_code`]) unless one
    /// went out already, then reads (skipping messages) until the server's close frame. Close the
    /// stream afterwards; a stream read timeout bounds the wait.
    ///
    /// Returns `Ok(())` at once if the connection is already closed.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidCloseCode`], and the errors of [`Client::receive`].
    pub fn close(&mut self, code: u16) -> Result<(), Error<T::Error>> {
        block_on(self.session.close(code))
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
