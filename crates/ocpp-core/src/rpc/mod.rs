//! OCPP-J RPC framing (OCPP-J 1.6 §4): one WebSocket text message is one of
//!
//! - CALL `[2, "<UniqueId>", "<Action>", {<Payload>}]`
//! - CALLRESULT `[3, "<UniqueId>", {<Payload>}]`
//! - CALLERROR `[4, "<UniqueId>", "<errorCode>", "<errorDescription>", {<errorDetails>}]`
//!
//! [`Frame::parse`] splits a message without copying: ids, action and payload borrow from the
//! text; the payload is validated JSON to be decoded by the version's messages (`crate::v16`,
//! `crate::v201`). The `encode_*` functions write a frame into a buffer the caller owns.
//!
//! The framing is the same in OCPP-J 1.6 and OCPP-J 2.0.1; what differs is how a bad frame is
//! answered. [`FrameError::code`] and [`FrameError::answer_id`] are the 1.6 answer; `rpc::v201`
//! (cargo feature `v201`) has the 2.0.1 error codes and answer rules, from [`FrameError::kind`].
//!
//! Message ids are kept as the *raw JSON string contents* the peer sent (escapes and all), so an
//! answer echoes them byte for byte, as §4.1.4 requires ("MUST be equal").

mod error_code;
#[cfg(feature = "v201")]
pub mod v201;

use core::fmt;

pub use error_code::ErrorCode;

use crate::json::{self, DecodeOptions, Deserializer, EncodeError, ErrorKind, Writer};
use crate::types::BoundedString;

/// Maximum length of a message id (OCPP-J 1.6 §4.1.4, table 3: "Maximum of 36 characters, to allow
/// for GUIDs").
pub const MAX_MESSAGE_ID_LEN: usize = 36;

/// An owned message id, for matching a CALLRESULT to the CALL in flight or answering later.
pub type MessageId = BoundedString<MAX_MESSAGE_ID_LEN>;

/// The MessageTypeNumber of a frame (OCPP-J 1.6 §4.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// `2`: a request.
    Call = 2,
    /// `3`: a successful response.
    CallResult = 3,
    /// `4`: an error response.
    CallError = 4,
}

/// A CALL: a request from the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    /// UniqueId, raw (see the module docs). At most 36 characters.
    pub id: &'a str,
    /// Action name, case-sensitive, e.g. `"BootNotification"`.
    pub action: &'a str,
    /// The payload: the text of a JSON object (a `null` payload is given as `{}`, OCPP-J §4.2.1).
    pub payload: &'a str,
}

/// A CALLRESULT: the successful answer to one of our CALLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallResult<'a> {
    /// UniqueId of the CALL this answers, raw.
    pub id: &'a str,
    /// The payload: the text of a JSON object (`null` is given as `{}`).
    pub payload: &'a str,
}

/// A CALLERROR: the error answer to one of our CALLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallError<'a> {
    /// UniqueId of the CALL this answers, raw.
    pub id: &'a str,
    /// The error code; a code outside table 7 is read as [`ErrorCode::GenericError`].
    pub code: ErrorCode,
    /// The error code as sent (raw JSON string contents), for a version whose table differs
    /// from 1.6's (`rpc::v201::ErrorCode::of_call_error`).
    pub raw_code: &'a str,
    /// errorDescription as raw JSON string contents; [`CallError::description`] unescapes it.
    pub raw_description: &'a str,
    /// errorDetails: the text of a JSON object (`{}` when the peer left it out).
    pub details: &'a str,
}

impl CallError<'_> {
    /// The error description, unescaped.
    pub fn description(&self) -> impl fmt::Display + '_ {
        Unescaped(self.raw_description)
    }
}

struct Unescaped<'a>(&'a str);

impl fmt::Display for Unescaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for c in json::Unescape::new(self.0) {
            f.write_char(c.unwrap_or(char::REPLACEMENT_CHARACTER))?;
        }
        Ok(())
    }
}

/// One OCPP-J message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A request.
    Call(Call<'a>),
    /// A successful response.
    CallResult(CallResult<'a>),
    /// An error response.
    CallError(CallError<'a>),
}

/// What is wrong with a text that is not a valid frame: the versions answer the kinds
/// differently (OCPP-J 1.6: all of them `FormationViolation`; OCPP-J 2.0.1: see `rpc::v201`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameErrorKind {
    /// The text is not valid JSON (or is nested deeper than `DecodeOptions::max_depth`).
    Syntax,
    /// Valid JSON, but not an OCPP-J frame: not an array, a MessageTypeId that is not a number,
    /// an element missing, of the wrong JSON type, or one too many.
    NotAFrame,
    /// A MessageTypeId that is a number but not 2, 3 or 4. [`FrameError::id`] holds the
    /// UniqueId when the next element is a string, for OCPP-J 2.0.1 §4.4's answer.
    UnknownMessageType,
    /// A CALL's UniqueId is longer than [`MAX_MESSAGE_ID_LEN`] characters.
    MessageIdTooLong,
    /// The payload of a CALL or CALLRESULT, or the errorDetails of a CALLERROR, is not a JSON
    /// object (nor `null`).
    Payload,
}

/// Why a text message is not a valid OCPP-J frame, and how to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameError<'a> {
    /// The message type, when it could be read.
    pub message_type: Option<MessageType>,
    /// The UniqueId, raw, when it could be read.
    pub id: Option<&'a str>,
    /// The OCPP-J 1.6 CALLERROR code that describes the problem (always `FormationViolation`).
    pub code: ErrorCode,
    /// What is wrong, for the version's answer.
    pub kind: FrameErrorKind,
    /// A short description for errorDescription.
    pub reason: &'static str,
}

impl<'a> FrameError<'a> {
    /// The id to answer with a CALLERROR, when one is owed: only a CALL is ever answered (never a
    /// CALLRESULT or CALLERROR), and only when its id could be read. A message whose type is not
    /// 2, 3 or 4 is ignored (OCPP-J §4.1.3: "it SHALL ignore the message payload").
    pub fn answer_id(&self) -> Option<&'a str> {
        match self.message_type {
            Some(MessageType::Call) => self.id,
            _ => None,
        }
    }
}

impl fmt::Display for FrameError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.reason)
    }
}

impl core::error::Error for FrameError<'_> {}

struct FrameParser<'a> {
    de: Deserializer<'a>,
    message_type: Option<MessageType>,
    id: Option<&'a str>,
}

impl<'a> FrameParser<'a> {
    fn fail(&self, kind: FrameErrorKind, reason: &'static str) -> FrameError<'a> {
        FrameError {
            message_type: self.message_type,
            id: self.id,
            code: ErrorCode::FormationViolation,
            kind,
            reason,
        }
    }

    fn syntax(&self, e: json::Error) -> FrameError<'a> {
        let reason = match e.kind() {
            ErrorKind::TooDeep => "JSON nested too deeply",
            ErrorKind::UnexpectedEof => "truncated JSON",
            _ => "not valid JSON",
        };
        self.fail(FrameErrorKind::Syntax, reason)
    }

    fn comma(&mut self, missing: &'static str) -> Result<(), FrameError<'a>> {
        match self.de.peek_ws() {
            Some(b',') => self.de.expect(b',').map_err(|e| self.syntax(e)),
            Some(b']') => Err(self.fail(FrameErrorKind::NotAFrame, missing)),
            Some(_) => Err(self.fail(FrameErrorKind::Syntax, "not valid JSON")),
            None => Err(self.fail(FrameErrorKind::Syntax, "truncated JSON")),
        }
    }

    fn string(&mut self, what: &'static str) -> Result<&'a str, FrameError<'a>> {
        if self.de.peek_ws() != Some(b'"') {
            // Still validate so that garbage is reported as such.
            return Err(match self.de.skip_value() {
                Err(e) => self.syntax(e),
                Ok(()) => self.fail(FrameErrorKind::NotAFrame, what),
            });
        }
        self.de
            .parse_str_raw()
            .map(|(raw, _)| raw)
            .map_err(|e| self.syntax(e))
    }

    /// A payload: a JSON object, or `null` which reads as `{}`.
    fn object(&mut self, what: &'static str) -> Result<&'a str, FrameError<'a>> {
        let first = self.de.peek_ws();
        let raw = self.de.raw_value().map_err(|e| self.syntax(e))?;
        match first {
            Some(b'{') => Ok(raw),
            Some(b'n') => Ok("{}"),
            _ => Err(self.fail(FrameErrorKind::Payload, what)),
        }
    }

    /// Closes the array; extra elements are a formation violation.
    fn close(&mut self) -> Result<(), FrameError<'a>> {
        match self.de.peek_ws() {
            Some(b']') => {}
            Some(b',') => {
                return Err(self.fail(FrameErrorKind::NotAFrame, "too many elements in frame"));
            }
            Some(_) => return Err(self.fail(FrameErrorKind::Syntax, "not valid JSON")),
            None => return Err(self.fail(FrameErrorKind::Syntax, "truncated JSON")),
        }
        self.de.expect(b']').map_err(|e| self.syntax(e))?;
        self.de.end().map_err(|e| self.syntax(e))
    }
}

impl<'a> Frame<'a> {
    /// Parses one WebSocket text message with the default [`DecodeOptions`].
    pub fn parse(text: &'a str) -> Result<Frame<'a>, FrameError<'a>> {
        Self::parse_with(text, &DecodeOptions::DEFAULT)
    }

    /// Parses one WebSocket text message. The whole text is validated as JSON (with nesting
    /// bounded by `opts.max_depth`), but payloads are only split off, not decoded.
    pub fn parse_with(text: &'a str, opts: &DecodeOptions) -> Result<Frame<'a>, FrameError<'a>> {
        let mut p = FrameParser {
            de: Deserializer::new(text, *opts),
            message_type: None,
            id: None,
        };
        match p.de.peek_ws() {
            Some(b'[') => p.de.expect(b'[').map_err(|e| p.syntax(e))?,
            Some(_) => {
                return Err(match p.de.skip_value().and_then(|()| p.de.end()) {
                    Err(e) => p.syntax(e),
                    Ok(()) => p.fail(FrameErrorKind::NotAFrame, "frame is not a JSON array"),
                });
            }
            None => return Err(p.fail(FrameErrorKind::Syntax, "empty message")),
        }
        if !matches!(p.de.peek_ws(), Some(b'-' | b'0'..=b'9')) {
            return Err(match p.de.skip_value() {
                Err(e) => p.syntax(e),
                Ok(()) => p.fail(FrameErrorKind::NotAFrame, "MessageTypeId is not a number"),
            });
        }
        let (number, integer) = p.de.parse_number_raw().map_err(|e| p.syntax(e))?;
        p.message_type = match (number, integer) {
            ("2", true) => Some(MessageType::Call),
            ("3", true) => Some(MessageType::CallResult),
            ("4", true) => Some(MessageType::CallError),
            _ => {
                // OCPP-J 2.0.1 §4.4 answers an unknown message type with its id: read the id
                // when the next element is a string (the rest is not looked at).
                if p.de.peek_ws() == Some(b',')
                    && p.de.expect(b',').is_ok()
                    && p.de.peek_ws() == Some(b'"')
                {
                    p.id = p.de.parse_str_raw().ok().map(|(raw, _)| raw);
                }
                return Err(p.fail(FrameErrorKind::UnknownMessageType, "unknown MessageTypeId"));
            }
        };
        p.comma("missing UniqueId")?;
        let id = p.string("UniqueId is not a string")?;
        p.id = Some(id);
        let frame = match p.message_type {
            Some(MessageType::Call) => {
                p.comma("missing Action")?;
                let action = p.string("Action is not a string")?;
                p.comma("missing payload")?;
                let payload = p.object("payload is not a JSON object")?;
                p.close()?;
                if id.chars().count() > MAX_MESSAGE_ID_LEN {
                    return Err(p.fail(
                        FrameErrorKind::MessageIdTooLong,
                        "UniqueId longer than 36 characters",
                    ));
                }
                Frame::Call(Call {
                    id,
                    action,
                    payload,
                })
            }
            Some(MessageType::CallResult) => {
                p.comma("missing payload")?;
                let payload = p.object("payload is not a JSON object")?;
                p.close()?;
                Frame::CallResult(CallResult { id, payload })
            }
            _ => {
                p.comma("missing errorCode")?;
                let code = p.string("errorCode is not a string")?;
                p.comma("missing errorDescription")?;
                let raw_description = p.string("errorDescription is not a string")?;
                // Tolerant in: some peers leave errorDetails out.
                let details = if p.de.peek_ws() == Some(b',') {
                    p.comma("missing errorDetails")?;
                    p.object("errorDetails is not a JSON object")?
                } else {
                    "{}"
                };
                p.close()?;
                let raw_code = code;
                let code = ErrorCode::parse(code).unwrap_or(ErrorCode::GenericError);
                Frame::CallError(CallError {
                    id,
                    code,
                    raw_code,
                    raw_description,
                    details,
                })
            }
        };
        Ok(frame)
    }

    /// The frame's UniqueId, raw.
    pub fn id(&self) -> &'a str {
        match self {
            Frame::Call(c) => c.id,
            Frame::CallResult(r) => r.id,
            Frame::CallError(e) => e.id,
        }
    }
}

/// Whether `id` may be used for a CALL of ours: 1 to 36 characters (OCPP-J §4.1.4) of valid JSON
/// string contents (see [`is_echoable_message_id`]).
pub fn is_valid_message_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_MESSAGE_ID_LEN && is_echoable_message_id(id)
}

/// Whether `id` can be written between quotes verbatim: valid JSON string contents (escapes
/// well-formed, no bare `"` or control character). Every id [`Frame::parse`] returns is; an answer
/// echoes the peer's id whatever its length, so that even a CALL refused for a too-long id gets
/// an answer it can match.
pub fn is_echoable_message_id(id: &str) -> bool {
    let b = id.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' | 0x00..=0x1f => return false,
            b'\\' => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                Some(b'u')
                    if b.get(i + 2..i + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                {
                    i += 5;
                }
                _ => return false,
            },
            _ => {}
        }
        i += 1;
    }
    true
}

/// Why a frame could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameEncodeError {
    /// The buffer is too small.
    BufferFull,
    /// The message id is not valid: see [`is_valid_message_id`] for a CALL and
    /// [`is_echoable_message_id`] for an answer.
    InvalidMessageId,
}

impl From<EncodeError> for FrameEncodeError {
    fn from(_: EncodeError) -> Self {
        FrameEncodeError::BufferFull
    }
}

impl fmt::Display for FrameEncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameEncodeError::BufferFull => f.write_str("output buffer too small for the frame"),
            FrameEncodeError::InvalidMessageId => f.write_str("invalid message id"),
        }
    }
}

impl core::error::Error for FrameEncodeError {}

fn start<'b>(buf: &'b mut [u8], kind: &[u8], id: &str) -> Result<Writer<'b>, FrameEncodeError> {
    let valid = if kind == b"[2,\"" {
        is_valid_message_id(id)
    } else {
        is_echoable_message_id(id)
    };
    if !valid {
        return Err(FrameEncodeError::InvalidMessageId);
    }
    let mut w = Writer::new(buf);
    w.raw(kind)?;
    w.raw(id.as_bytes())?;
    w.raw(b"\"")?;
    Ok(w)
}

/// A payload as the frame writers take it: something that writes itself as JSON into a buffer.
/// Behind a `&dyn`, so that there is one copy of each frame writer, not one per message type
/// (each copy was 100-250 bytes of flash); only the payload's own serialisation is per type.
pub(crate) trait Payload {
    /// Writes the payload as compact JSON into `buf`; the number of bytes written.
    fn write_json(&self, buf: &mut [u8]) -> Result<usize, EncodeError>;
}

/// Any serialisable value as a [`Payload`] (sized, so that it can be a `&dyn`).
pub(crate) struct Json<'a, T: ?Sized>(pub &'a T);

impl<T: serde::Serialize + ?Sized> Payload for Json<'_, T> {
    fn write_json(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        json::to_slice(self.0, buf)
    }
}

/// Writes a CALL `[2,"<id>","<action>",<payload>]` into `buf` and returns the frame's text.
pub fn encode_call<'b, T: serde::Serialize + ?Sized>(
    buf: &'b mut [u8],
    id: &str,
    action: &str,
    payload: &T,
) -> Result<&'b str, FrameEncodeError> {
    encode_call_dyn(buf, id, action, &Json(payload))
}

/// [`encode_call`] of a [`Payload`]: the one copy of it.
#[inline(never)]
pub(crate) fn encode_call_dyn<'b>(
    buf: &'b mut [u8],
    id: &str,
    action: &str,
    payload: &dyn Payload,
) -> Result<&'b str, FrameEncodeError> {
    let mut w = start(buf, b"[2,\"", id)?;
    w.raw(b",")?;
    w.json(action)?;
    w.raw(b",")?;
    w.payload(payload)?;
    w.raw(b"]")?;
    Ok(w.finish())
}

/// Writes a CALLRESULT `[3,"<id>",<payload>]` into `buf` and returns the frame's text.
pub fn encode_call_result<'b, T: serde::Serialize + ?Sized>(
    buf: &'b mut [u8],
    id: &str,
    payload: &T,
) -> Result<&'b str, FrameEncodeError> {
    encode_call_result_dyn(buf, id, &Json(payload))
}

/// [`encode_call_result`] of a [`Payload`]: the one copy of it.
#[inline(never)]
pub(crate) fn encode_call_result_dyn<'b>(
    buf: &'b mut [u8],
    id: &str,
    payload: &dyn Payload,
) -> Result<&'b str, FrameEncodeError> {
    let mut w = start(buf, b"[3,\"", id)?;
    w.raw(b",")?;
    w.payload(payload)?;
    w.raw(b"]")?;
    Ok(w.finish())
}

/// Writes a CALLERROR `[4,"<id>","<code>","<description>",{}]` into `buf` and returns its text.
/// errorDetails is always the empty object, as the spec asks when there are no details.
pub fn encode_call_error<'b>(
    buf: &'b mut [u8],
    id: &str,
    code: ErrorCode,
    description: &str,
) -> Result<&'b str, FrameEncodeError> {
    write_call_error(buf, id, code.as_str(), description)
}

/// [`encode_call_error`] with the code's wire spelling: the one copy for both versions.
#[inline(never)]
pub(crate) fn write_call_error<'b>(
    buf: &'b mut [u8],
    id: &str,
    code: &str,
    description: &str,
) -> Result<&'b str, FrameEncodeError> {
    let mut w = start(buf, b"[4,\"", id)?;
    w.raw(b",\"")?;
    w.raw(code.as_bytes())?;
    w.raw(b"\",")?;
    w.json(description)?;
    w.raw(b",{}]")?;
    Ok(w.finish())
}

/// A short errorDescription for a payload decode error, e.g. `required field missing in field
/// 'idTag'`. Written into `buf`; truncated if it does not fit.
///
/// The text of `Display for json::Error`, written piece by piece rather than through `core::fmt`:
/// the formatting machinery would otherwise be linked into every firmware for this one message.
pub fn describe_decode_error<'b>(err: &json::Error, buf: &'b mut [u8]) -> &'b str {
    let mut digits = [0; 24];
    let offset = i64::try_from(err.offset()).unwrap_or(i64::MAX);
    let offset = crate::types::format_int(offset, 1, &mut digits);
    let (open, field, close) = match err.field() {
        Some(field) => (" in field '", field, "'"),
        None => ("", "", ""),
    };
    let mut len = 0;
    for part in [
        err.kind().describe(),
        open,
        field,
        close,
        " at payload byte ",
        offset,
    ] {
        // What fits, cut at a character boundary; nothing after a cut.
        let mut n = part.len().min(buf.len().saturating_sub(len));
        while !part.is_char_boundary(n) {
            n -= 1;
        }
        if let (Some(dst), Some(src)) = (buf.get_mut(len..len + n), part.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            len += n;
        }
        if n < part.len() {
            break;
        }
    }
    core::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default()
}
