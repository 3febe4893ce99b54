//! CALLERROR error codes (OCPP-J 1.6 §4.2.3, table 7).

use core::fmt;

/// The ten CALLERROR codes of OCPP-J 1.6.
///
/// [`ErrorCode::as_str`] gives the 1.6 spellings (`FormationViolation`,
/// `OccurenceConstraintViolation`), which the OCPP-J errata sheet (§5.1, §5.2) keeps on the wire
/// "as this is a message level change, might break implementations". [`ErrorCode::parse`] also
/// accepts the corrected spellings (`FormatViolation`, `OccurrenceConstraintViolation`) that
/// OCPP 2.0 central systems send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ErrorCode {
    /// Requested Action is not known by receiver.
    NotImplemented,
    /// Requested Action is recognized but not supported by the receiver.
    NotSupported,
    /// An internal error occurred and the receiver was not able to process the requested Action.
    InternalError,
    /// Payload for Action is incomplete.
    ProtocolError,
    /// During the processing of Action a security issue occurred.
    SecurityError,
    /// Payload for Action is syntactically incorrect or does not conform to the PDU structure.
    FormationViolation,
    /// Payload is syntactically correct but at least one field contains an invalid value.
    PropertyConstraintViolation,
    /// Payload is syntactically correct but at least one field violates occurrence constraints.
    OccurenceConstraintViolation,
    /// Payload is syntactically correct but at least one field violates data type constraints.
    TypeConstraintViolation,
    /// Any other error.
    GenericError,
}

impl ErrorCode {
    /// Every code, in the order of the spec's table.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::NotImplemented,
        ErrorCode::NotSupported,
        ErrorCode::InternalError,
        ErrorCode::ProtocolError,
        ErrorCode::SecurityError,
        ErrorCode::FormationViolation,
        ErrorCode::PropertyConstraintViolation,
        ErrorCode::OccurenceConstraintViolation,
        ErrorCode::TypeConstraintViolation,
        ErrorCode::GenericError,
    ];

    /// The spelling sent on the wire (OCPP-J 1.6, table 7).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotImplemented => "NotImplemented",
            ErrorCode::NotSupported => "NotSupported",
            ErrorCode::InternalError => "InternalError",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::SecurityError => "SecurityError",
            ErrorCode::FormationViolation => "FormationViolation",
            ErrorCode::PropertyConstraintViolation => "PropertyConstraintViolation",
            ErrorCode::OccurenceConstraintViolation => "OccurenceConstraintViolation",
            ErrorCode::TypeConstraintViolation => "TypeConstraintViolation",
            ErrorCode::GenericError => "GenericError",
        }
    }

    /// Reads a code, accepting both the 1.6 spellings and the errata's corrected ones.
    pub fn parse(s: &str) -> Option<ErrorCode> {
        Some(match s {
            "FormatViolation" => ErrorCode::FormationViolation,
            "OccurrenceConstraintViolation" => ErrorCode::OccurenceConstraintViolation,
            _ => return ErrorCode::ALL.into_iter().find(|c| c.as_str() == s),
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
