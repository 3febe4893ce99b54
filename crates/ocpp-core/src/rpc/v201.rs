//! What OCPP-J 2.0.1 (OCPP 2.0.1 part 4) changes in the framing: the WebSocket subprotocol, the
//! CALLERROR codes (table 8, with their corrected spellings and three new codes), and how a
//! message that cannot be handled is answered (§4.1.3, §4.2.3, §4.4).
//!
//! The frames themselves are those of OCPP-J 1.6: [`Frame::parse`](super::Frame::parse) splits
//! them, [`encode_call`](super::encode_call) and [`encode_call_result`](super::encode_call_result)
//! write them. OCPP 2.0.1 has no other message type: CALLRESULTERROR (5) and SEND (6) are OCPP
//! 2.1's (OCPP-J 2.1 §4.1.3), and a 2.0.1 endpoint answers them, like any number but 2, 3 and 4,
//! with `MessageTypeNotSupported` (§4.4).
//!
//! # Answering what cannot be handled
//!
//! [`frame_error_answer`] gives the CALLERROR owed for a text that is not a valid frame:
//!
//! | the text | answer |
//! |---|---|
//! | a number other than 2, 3 or 4 as MessageTypeId | `MessageTypeNotSupported` (§4.4) |
//! | no readable MessageId (not JSON, not an array, no string id) | `RpcFrameworkError`, id `"-1"` (§4.2.3, table 8) |
//! | a CALL, id read, JSON broken after it | `FormatViolation` |
//! | a CALL, id read, an element missing, of the wrong type or one too many; an id longer than 36 characters | `RpcFrameworkError` |
//! | a CALL, id read, payload not a JSON object | `FormatViolation` |
//! | a CALLRESULT or CALLERROR (type read) | nothing: an answer is never answered |
//!
//! A CALL whose action or payload cannot be handled ([`CallDecodeError`](crate::v201::CallDecodeError)):
//! an action that is not an OCPP 2.0.1 action `NotImplemented`, one a charging station does not
//! receive `NotSupported`, and a payload that does not match its schema the code
//! [`decode_error_code`] gives.
//!
//! Part 4 does not say which code each kind of schema violation takes; the choice here follows
//! table 8's descriptions: syntax `FormatViolation`, a member the schema does not define (only
//! refused with `DecodeOptions::deny_unknown_fields`) or given twice `ProtocolError` ("not
//! conform the PDU structure"), a wrong JSON type, an unknown enumeration value or a malformed
//! date-time `TypeConstraintViolation` (its example: `"somestring": 12`), a string too long or a
//! number out of range `PropertyConstraintViolation`, a required member missing or a list too
//! long `OccurrenceConstraintViolation`.

use core::fmt;

use super::{FrameEncodeError, FrameError, FrameErrorKind, MessageType, write_call_error};
use crate::json::ErrorKind;

/// The WebSocket subprotocol of OCPP 2.0.1 (part 4 §3.1.2, table 2; registered with IANA).
pub const SUBPROTOCOL: &str = "ocpp2.0.1";

/// The MessageId of a CALLERROR that answers a message whose own id could not be read
/// (§4.2.3: "the CALLERROR SHALL contain "-1" as MessageId").
pub const UNREADABLE_ID: &str = "-1";

/// The longest errorDescription (§4.2.3, table 7: `string[255]`); [`encode_call_error`] cuts a
/// longer one.
pub const MAX_ERROR_DESCRIPTION_LEN: usize = 255;

/// The CALLERROR codes of OCPP-J 2.0.1 (part 4 §4.3, table 8), spelled as there:
/// `FormatViolation` and `OccurrenceConstraintViolation` where OCPP-J 1.6 has
/// `FormationViolation` and `OccurenceConstraintViolation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ErrorCode {
    /// Payload for Action is syntactically incorrect.
    FormatViolation,
    /// Any other error not covered by the more specific error codes in this table.
    GenericError,
    /// An internal error occurred and the receiver was not able to process the requested Action
    /// successfully.
    InternalError,
    /// A message with a Message Type Number received that is not supported by this
    /// implementation.
    MessageTypeNotSupported,
    /// Requested Action is not known by receiver.
    NotImplemented,
    /// Requested Action is recognized but not supported by the receiver.
    NotSupported,
    /// Payload for Action is syntactically correct but at least one of the fields violates
    /// occurrence constraints.
    OccurrenceConstraintViolation,
    /// Payload is syntactically correct but at least one field contains an invalid value.
    PropertyConstraintViolation,
    /// Payload for Action is not conform the PDU structure.
    ProtocolError,
    /// Content of the call is not a valid RPC Request, for example: MessageId could not be read.
    RpcFrameworkError,
    /// During the processing of Action a security issue occurred preventing receiver from
    /// completing the Action successfully.
    SecurityError,
    /// Payload for Action is syntactically correct but at least one of the fields violates data
    /// type constraints (e.g. "somestring": 12).
    TypeConstraintViolation,
}

impl ErrorCode {
    /// Every code, in the order of table 8.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::FormatViolation,
        ErrorCode::GenericError,
        ErrorCode::InternalError,
        ErrorCode::MessageTypeNotSupported,
        ErrorCode::NotImplemented,
        ErrorCode::NotSupported,
        ErrorCode::OccurrenceConstraintViolation,
        ErrorCode::PropertyConstraintViolation,
        ErrorCode::ProtocolError,
        ErrorCode::RpcFrameworkError,
        ErrorCode::SecurityError,
        ErrorCode::TypeConstraintViolation,
    ];

    /// The spelling on the wire (table 8).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FormatViolation => "FormatViolation",
            ErrorCode::GenericError => "GenericError",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::MessageTypeNotSupported => "MessageTypeNotSupported",
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::OccurrenceConstraintViolation => "OccurrenceConstraintViolation",
            ErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::RpcFrameworkError => "RpcFrameworkError",
            ErrorCode::SecurityError => "SecurityError",
            ErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
        }
    }

    /// Reads a code of table 8; also the OCPP-J 1.6 spellings (`FormationViolation`,
    /// `OccurenceConstraintViolation`) that a CSMS built on 1.6 code may send. `None` for
    /// anything else (a received CALLERROR's code outside the table reads as `GenericError`:
    /// [`ErrorCode::of_call_error`]).
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Some(match s {
            "FormationViolation" => ErrorCode::FormatViolation,
            "OccurenceConstraintViolation" => ErrorCode::OccurrenceConstraintViolation,
            _ => return ErrorCode::ALL.into_iter().find(|c| c.as_str() == s),
        })
    }

    /// The code of a received CALLERROR, read with table 8 (and the 1.6 spellings); a code
    /// outside it is `GenericError`.
    pub fn of_call_error(e: &super::CallError<'_>) -> ErrorCode {
        ErrorCode::parse(e.raw_code).unwrap_or(ErrorCode::GenericError)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code that answers a CALL whose payload failed to decode with `kind` (see the module
/// documentation for the choice).
pub const fn decode_error_code(kind: ErrorKind) -> ErrorCode {
    match kind {
        ErrorKind::Syntax
        | ErrorKind::UnexpectedEof
        | ErrorKind::TrailingCharacters
        | ErrorKind::TooDeep => ErrorCode::FormatViolation,
        ErrorKind::DuplicateField | ErrorKind::UnknownField | ErrorKind::Custom => {
            ErrorCode::ProtocolError
        }
        ErrorKind::InvalidType | ErrorKind::UnknownVariant | ErrorKind::InvalidDateTime => {
            ErrorCode::TypeConstraintViolation
        }
        ErrorKind::InvalidValue => ErrorCode::PropertyConstraintViolation,
        ErrorKind::MissingField | ErrorKind::TooManyItems => {
            ErrorCode::OccurrenceConstraintViolation
        }
    }
}

/// The CALLERROR an OCPP 2.0.1 endpoint sends for a text that is not a valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAnswer<'a> {
    /// The MessageId to answer with: the message's own, raw, or [`UNREADABLE_ID`].
    pub id: &'a str,
    /// The error code.
    pub code: ErrorCode,
    /// A short errorDescription.
    pub reason: &'static str,
}

/// The CALLERROR owed for `err` under OCPP-J 2.0.1 (the table of the module documentation);
/// `None` when the message is a CALLRESULT or CALLERROR, which is never answered (the CALL it
/// answers, if it was ours, stays unanswered until it times out).
pub fn frame_error_answer<'a>(err: &FrameError<'a>) -> Option<FrameAnswer<'a>> {
    if matches!(
        err.message_type,
        Some(MessageType::CallResult | MessageType::CallError)
    ) {
        return None;
    }
    let code = match (err.kind, err.id) {
        (FrameErrorKind::UnknownMessageType, _) => ErrorCode::MessageTypeNotSupported,
        (_, None) | (FrameErrorKind::NotAFrame | FrameErrorKind::MessageIdTooLong, _) => {
            ErrorCode::RpcFrameworkError
        }
        (FrameErrorKind::Syntax | FrameErrorKind::Payload, Some(_)) => ErrorCode::FormatViolation,
    };
    Some(FrameAnswer {
        id: err.id.unwrap_or(UNREADABLE_ID),
        code,
        reason: err.reason,
    })
}

/// Writes a CALLERROR `[4,"<id>","<code>","<description>",{}]` with a 2.0.1 code into `buf`; the
/// description is cut at [`MAX_ERROR_DESCRIPTION_LEN`] characters (table 7: `string[255]`).
/// errorDetails is the empty object, as table 7 asks when there are no details.
pub fn encode_call_error<'b>(
    buf: &'b mut [u8],
    id: &str,
    code: ErrorCode,
    description: &str,
) -> Result<&'b str, FrameEncodeError> {
    let cut = description
        .char_indices()
        .nth(MAX_ERROR_DESCRIPTION_LEN)
        .map_or(description.len(), |(at, _)| at);
    write_call_error(
        buf,
        id,
        code.as_str(),
        description.get(..cut).unwrap_or_default(),
    )
}
