//! The error type of every client operation.

use core::fmt;

use crate::close_code;

/// What went wrong in the opening handshake, on the wire, or in the caller's request.
///
/// `E` is the stream's own error type (`<T as embedded_io::ErrorType>::Error`).
///
/// Errors after the handshake say what the client did about them: see [`Error::close_code`] for
/// the close code it sent, and [`crate::State`] for what the connection can still do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error<E> {
    /// The stream failed. The client keeps its place: a read error (a timeout, say) leaves a
    /// half-received frame where it was, and the next call carries on from there.
    Io(E),
    /// The stream ended (a read or a write of 0 bytes). The connection is closed.
    Disconnected,

    // --- opening handshake -------------------------------------------------------------------
    /// The [`crate::Handshake`] has a host, path, subprotocol or authorization value that cannot go
    /// into an HTTP request line or header (empty, non-ASCII, whitespace or CR/LF; the path must
    /// start with `/` and have the charge point identity percent-encoded).
    InvalidRequest,
    /// The tx buffer cannot hold the handshake request, or is shorter than the 131 bytes a
    /// control frame needs.
    TxBufferTooSmall,
    /// The server's handshake response does not fit the rx buffer (or has more header lines than
    /// the parser's 24).
    ResponseTooLarge,
    /// The server's response is not valid HTTP/1.1.
    MalformedResponse,
    /// The server answered with an HTTP status other than `101 Switching Protocols`: `401` for a
    /// rejected `Authorization` (OCPP security profiles 1 and 2), `404` for a charge point identity
    /// the Central System does not know (OCPP-J §3.2), ...
    HttpStatus(u16),
    /// A `101` response without `Upgrade: websocket` and `Connection: Upgrade`.
    NotUpgraded,
    /// The `Sec-WebSocket-Accept` header is missing or does not match the key sent.
    BadAcceptKey,
    /// The server did not agree to the subprotocol (`ocpp1.6`): no `Sec-WebSocket-Protocol`
    /// header, or another value. OCPP-J §3.2: a Central System that does not agree completes the
    /// handshake without the header and closes; the charge point must not talk OCPP on it.
    SubprotocolRefused,
    /// The server answered with a `Sec-WebSocket-Extensions` header although the client asked for
    /// none (RFC 6455 §4.1: the client must fail the connection).
    UnrequestedExtension,

    // --- messages ----------------------------------------------------------------------------
    /// A message longer than the rx buffer. The client sent close `1009` without reading the
    /// message into memory; the connection is [`crate::State::Closing`]: keep calling `receive`
    /// (the rest of the message is skipped) until it returns [`crate::Message::Close`].
    MessageTooLarge,
    /// A binary message: OCPP-J only uses text. The client sent close `1003` and is
    /// [`crate::State::Closing`], as for [`Error::MessageTooLarge`].
    UnsupportedData,
    /// A text message or close reason that is not UTF-8. The client sent close `1007` and the
    /// connection is closed.
    InvalidUtf8,
    /// The server broke RFC 6455 framing. The client sent close `1002` and the connection is
    /// closed.
    Protocol(ProtocolError),

    // --- caller mistakes and state -----------------------------------------------------------
    /// A ping payload longer than 125 bytes (RFC 6455 §5.5).
    PingTooLong,
    /// A close code that may not be sent (below 1000, 1004-1006, 1015, 1016-2999 or above 4999).
    InvalidCloseCode,
    /// The connection is closed (or, for sending, closing): nothing more can be sent or received.
    /// Also returned after a `send_text` was interrupted mid-message (an I/O error after part of
    /// the message went out, or a dropped async future): the stream holds half a frame.
    Closed,
}

/// A violation of RFC 6455 framing by the server; the client answers with close `1002`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame from the server was masked (RFC 6455 §5.1: a server must not mask).
    MaskedFrame,
    /// RSV1, RSV2 or RSV3 set without a negotiated extension (§5.2).
    ReservedBits,
    /// A reserved opcode (3-7, 0xB-0xF).
    ReservedOpcode,
    /// A control frame with FIN clear or a payload over 125 bytes (§5.5).
    InvalidControlFrame,
    /// A continuation frame with no message in progress.
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is in progress.
    ExpectedContinuation,
    /// A 64-bit payload length with the most significant bit set (§5.2).
    InvalidLength,
    /// A close frame with a 1-byte payload or a close code that may not be sent (§7.4).
    InvalidClosePayload,
}

impl<E> Error<E> {
    /// The close code the client sent because of this error, if it sent one.
    pub const fn close_code(&self) -> Option<u16> {
        match self {
            Self::MessageTooLarge => Some(close_code::MESSAGE_TOO_BIG),
            Self::UnsupportedData => Some(close_code::UNSUPPORTED_DATA),
            Self::InvalidUtf8 => Some(close_code::INVALID_PAYLOAD),
            Self::Protocol(_) => Some(close_code::PROTOCOL_ERROR),
            _ => None,
        }
    }

    /// The same error with the stream error mapped.
    pub fn map_io<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Self::Io(e) => Error::Io(f(e)),
            Self::Disconnected => Error::Disconnected,
            Self::InvalidRequest => Error::InvalidRequest,
            Self::TxBufferTooSmall => Error::TxBufferTooSmall,
            Self::ResponseTooLarge => Error::ResponseTooLarge,
            Self::MalformedResponse => Error::MalformedResponse,
            Self::HttpStatus(code) => Error::HttpStatus(code),
            Self::NotUpgraded => Error::NotUpgraded,
            Self::BadAcceptKey => Error::BadAcceptKey,
            Self::SubprotocolRefused => Error::SubprotocolRefused,
            Self::UnrequestedExtension => Error::UnrequestedExtension,
            Self::MessageTooLarge => Error::MessageTooLarge,
            Self::UnsupportedData => Error::UnsupportedData,
            Self::InvalidUtf8 => Error::InvalidUtf8,
            Self::Protocol(p) => Error::Protocol(p),
            Self::PingTooLong => Error::PingTooLong,
            Self::InvalidCloseCode => Error::InvalidCloseCode,
            Self::Closed => Error::Closed,
        }
    }
}

impl<E> From<ProtocolError> for Error<E> {
    fn from(e: ProtocolError) -> Self {
        Self::Protocol(e)
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MaskedFrame => "masked frame from the server",
            Self::ReservedBits => "reserved bits set",
            Self::ReservedOpcode => "reserved opcode",
            Self::InvalidControlFrame => "fragmented or oversized control frame",
            Self::UnexpectedContinuation => "continuation frame without a message",
            Self::ExpectedContinuation => "new message inside a fragmented message",
            Self::InvalidLength => "invalid 64-bit payload length",
            Self::InvalidClosePayload => "invalid close frame payload",
        })
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "stream error: {e:?}"),
            Self::Disconnected => f.write_str("stream ended"),
            Self::InvalidRequest => f.write_str("invalid handshake request"),
            Self::TxBufferTooSmall => f.write_str("tx buffer too small"),
            Self::ResponseTooLarge => f.write_str("handshake response does not fit the rx buffer"),
            Self::MalformedResponse => f.write_str("malformed HTTP response"),
            Self::HttpStatus(code) => write!(f, "HTTP status {code} instead of 101"),
            Self::NotUpgraded => f.write_str("response does not upgrade to websocket"),
            Self::BadAcceptKey => f.write_str("bad Sec-WebSocket-Accept"),
            Self::SubprotocolRefused => f.write_str("server did not agree to the subprotocol"),
            Self::UnrequestedExtension => f.write_str("server chose an extension not offered"),
            Self::MessageTooLarge => f.write_str("message larger than the rx buffer (closed 1009)"),
            Self::UnsupportedData => f.write_str("binary message (closed 1003)"),
            Self::InvalidUtf8 => f.write_str("invalid UTF-8 (closed 1007)"),
            Self::Protocol(p) => write!(f, "protocol error: {p} (closed 1002)"),
            Self::PingTooLong => f.write_str("ping payload over 125 bytes"),
            Self::InvalidCloseCode => f.write_str("close code may not be sent"),
            Self::Closed => f.write_str("connection closed"),
        }
    }
}

impl core::error::Error for ProtocolError {}

impl<E: fmt::Debug> core::error::Error for Error<E> {}
