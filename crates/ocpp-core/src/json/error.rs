//! Decode errors, classified the way OCPP-J (§4.2.3, table 7) classifies a bad payload.

use core::fmt;

use crate::rpc::ErrorCode;

/// Why a JSON text could not be decoded into the expected type.
///
/// Each kind maps onto exactly one OCPP-J CALLERROR code through [`ErrorKind::error_code`], so the
/// charge point can answer a malformed CALL precisely instead of with a catch-all `GenericError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not valid JSON (unexpected character, unterminated string, bad escape, ...).
    Syntax,
    /// The input ended in the middle of a value.
    UnexpectedEof,
    /// Valid JSON followed by more characters.
    TrailingCharacters,
    /// Arrays and objects are nested deeper than [`DecodeOptions::max_depth`].
    TooDeep,
    /// A value of the wrong JSON type, e.g. a string where an integer is expected, or a
    /// fraction where an integer is expected.
    InvalidType,
    /// An enumeration value the spec does not define.
    UnknownVariant,
    /// A date-time that is not RFC 3339.
    InvalidDateTime,
    /// A well-typed value outside its allowed range: a string longer than its `CiStringN` bound,
    /// a negative number for an unsigned field, an integer that overflows.
    InvalidValue,
    /// A required field is absent.
    MissingField,
    /// A list holds more items than the charge point's declared limit.
    TooManyItems,
    /// The same field twice in one object.
    DuplicateField,
    /// A field the message does not define (only with [`DecodeOptions::deny_unknown_fields`]).
    UnknownField,
    /// Any other error raised by a `Deserialize` implementation.
    Custom,
}

impl ErrorKind {
    /// The CALLERROR code that answers a CALL whose payload failed with this error
    /// (OCPP-J 1.6 §4.2.3, table 7).
    ///
    /// - not JSON, not the PDU's structure -> `FormationViolation`
    /// - wrong JSON type, unknown enumeration value, malformed date-time -> `TypeConstraintViolation`
    /// - string too long, number out of range -> `PropertyConstraintViolation`
    /// - required field missing, too many list items -> `OccurenceConstraintViolation`
    pub const fn error_code(self) -> ErrorCode {
        match self {
            ErrorKind::Syntax
            | ErrorKind::UnexpectedEof
            | ErrorKind::TrailingCharacters
            | ErrorKind::TooDeep
            | ErrorKind::DuplicateField
            | ErrorKind::UnknownField
            | ErrorKind::Custom => ErrorCode::FormationViolation,
            ErrorKind::InvalidType | ErrorKind::UnknownVariant | ErrorKind::InvalidDateTime => {
                ErrorCode::TypeConstraintViolation
            }
            ErrorKind::InvalidValue => ErrorCode::PropertyConstraintViolation,
            ErrorKind::MissingField | ErrorKind::TooManyItems => {
                ErrorCode::OccurenceConstraintViolation
            }
        }
    }

    pub(crate) const fn describe(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "invalid JSON",
            ErrorKind::UnexpectedEof => "unexpected end of JSON input",
            ErrorKind::TrailingCharacters => "trailing characters after JSON value",
            ErrorKind::TooDeep => "JSON nested too deeply",
            ErrorKind::InvalidType => "wrong JSON type",
            ErrorKind::UnknownVariant => "unknown enumeration value",
            ErrorKind::InvalidDateTime => "malformed date-time",
            ErrorKind::InvalidValue => "value out of range",
            ErrorKind::MissingField => "required field missing",
            ErrorKind::TooManyItems => "too many items",
            ErrorKind::DuplicateField => "duplicate field",
            ErrorKind::UnknownField => "unknown field",
            ErrorKind::Custom => "invalid payload",
        }
    }
}

/// A decode error: what went wrong, in which field, and where in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    field: Option<&'static str>,
    offset: usize,
}

impl Error {
    pub(crate) const fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            field: None,
            offset: 0,
        }
    }

    pub(crate) const fn at(kind: ErrorKind, offset: usize) -> Self {
        Error {
            kind,
            field: None,
            offset,
        }
    }

    pub(crate) fn set_offset_if_unset(&mut self, offset: usize) {
        if self.offset == 0 {
            self.offset = offset;
        }
    }

    pub(crate) fn set_field_if_unset(&mut self, field: &'static str) {
        if self.field.is_none() {
            self.field = Some(field);
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The innermost field (JSON member name as the spec spells it) the error concerns, if known.
    pub const fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// Byte offset in the decoded text near which the error was found.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The CALLERROR code for this error; see [`ErrorKind::error_code`].
    pub const fn error_code(&self) -> ErrorCode {
        self.kind.error_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(field) = self.field {
            write!(f, " in field '{field}'")?;
        }
        write!(f, " at payload byte {}", self.offset)
    }
}

impl core::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Error::new(ErrorKind::Custom)
    }

    fn invalid_type(_unexp: serde::de::Unexpected<'_>, _exp: &dyn serde::de::Expected) -> Self {
        Error::new(ErrorKind::InvalidType)
    }

    fn invalid_value(_unexp: serde::de::Unexpected<'_>, _exp: &dyn serde::de::Expected) -> Self {
        Error::new(ErrorKind::InvalidValue)
    }

    fn invalid_length(_len: usize, _exp: &dyn serde::de::Expected) -> Self {
        Error::new(ErrorKind::TooManyItems)
    }

    fn unknown_variant(_variant: &str, _expected: &'static [&'static str]) -> Self {
        Error::new(ErrorKind::UnknownVariant)
    }

    fn unknown_field(_field: &str, _expected: &'static [&'static str]) -> Self {
        Error::new(ErrorKind::UnknownField)
    }

    fn missing_field(field: &'static str) -> Self {
        Error {
            kind: ErrorKind::MissingField,
            field: Some(field),
            offset: 0,
        }
    }

    fn duplicate_field(field: &'static str) -> Self {
        Error {
            kind: ErrorKind::DuplicateField,
            field: Some(field),
            offset: 0,
        }
    }
}

/// Options for decoding what a peer sent: strict out, tolerant in.
///
/// The defaults accept the quirks real central systems are known to produce while still refusing
/// anything that could be ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Refuse members a message does not define (answered with `FormationViolation`).
    /// Default `false`: the 1.6 schemas forbid additional properties, but several central
    /// systems add vendor fields, and ignoring them loses nothing.
    pub deny_unknown_fields: bool,
    /// Accept a date-time without a UTC offset (`2024-05-01T12:00:00`) and read it as UTC.
    /// Default `true`: some central systems send naive timestamps. Offsets other than `Z`
    /// (`+02:00`) are always accepted, as RFC 3339 allows them.
    pub allow_missing_offset: bool,
    /// Maximum nesting of arrays and objects, counting the payload object itself. Bounds stack
    /// use on hostile input. Default 16; the deepest 1.6 payload (SetChargingProfile) needs 5.
    pub max_depth: u8,
}

impl DecodeOptions {
    /// The defaults, usable in `const` context.
    pub const DEFAULT: DecodeOptions = DecodeOptions {
        deny_unknown_fields: false,
        allow_missing_offset: true,
        max_depth: 16,
    };

    /// Everything strict: unknown fields refused, date-times must carry an offset.
    pub const STRICT: DecodeOptions = DecodeOptions {
        deny_unknown_fields: true,
        allow_missing_offset: false,
        max_depth: 16,
    };
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}
