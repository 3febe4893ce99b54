//! Every OCPP 2.0.1 message: the request and the response of the 64 actions of the official
//! OCPP 2.0.1 JSON schemas, and every class and enumeration they use.
//!
//! The types are generated from the schemas by scripts/gen-v201.py (`enums.rs`, `datatypes.rs`,
//! `messages.rs`, `actions.rs`), so that they are the schemas' member for member:
//!
//! - a message is `{Action}Request` / `{Action}Response`; a class is named after its schema
//!   `javaType` (`ChargingStationType` is [`ChargingStation`], `EVSEType` is [`Evse`], acronyms
//!   written as words), an enumeration likewise (`BootReasonEnumType` is [`BootReasonEnum`]), its
//!   values with the schema's exact strings;
//! - members are snake_case fields serialised under the schema's name; optional members are
//!   `Option`s, left out of the JSON when `None`;
//! - a string is a [`BoundedString`](crate::types::BoundedString) of the schema's `maxLength`
//!   (two signed-meter-value strings lower, see `limits`), a `date-time` a
//!   [`DateTime`](crate::types::DateTime), an `integer` an `i32` (`u32` where the schema gives
//!   `minimum: 0`), a `number` a [`Decimal`](crate::types::Decimal) for the charging limits
//!   ("at most one digit fraction") and a [`Decimal3`](crate::types::Decimal3) otherwise, a list a
//!   [`List`](crate::types::List) of the schema's `maxItems` or of the bound `limits` gives it,
//!   `DataTransfer.data` (of no type) a [`RawJson`](crate::types::RawJson);
//! - `customData` (OCPP-J 2.0.1 §9) is accepted on every class and ignored, also with
//!   `DecodeOptions::deny_unknown_fields`; it is never sent.
//!
//! Not checked at decoding (the types cannot say it): a list's `minItems` (an empty list where
//! the schema wants at least one item is accepted), an integer's `maximum` (`0..=100` for a state
//! of charge), and the schema's `default` values (an absent member is `None`).
//!
//! [`Request`] and [`Response`] hold a message of any action; `Request::decode`,
//! `Response::decode` and `Request::from_call` decode either direction, for central systems,
//! simulators and tests (cargo feature `all-directions`). A charging station decodes into
//! [`IncomingRequest`] ([`IncomingRequest::from_call`], [`IncomingRequest::decode`]: the CALLs it
//! receives) and [`IncomingResponse`] ([`IncomingResponse::decode`]: the answers to the CALLs it
//! sends), which hold only those messages: they are as large as the largest message a charging
//! station receives, and link only those decoders. The framing rules of
//! OCPP-J 2.0.1 (error codes, answers to bad frames) are in `crate::rpc::v201`.

mod actions;
mod datatypes;
pub mod device_model;
mod enums;
mod macros;
mod messages;

pub use actions::*;
pub use datatypes::*;
pub use enums::*;
pub use messages::*;

use crate::json::{self, DecodeOptions};
use crate::rpc::v201::{ErrorCode, decode_error_code};

/// Who sends the request of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The charging station sends the request to the CSMS.
    CsToCsms,
    /// The CSMS sends the request to the charging station.
    CsmsToCs,
    /// Either side may send it (DataTransfer).
    Both,
}

impl Direction {
    /// Whether a charging station may receive this request.
    pub const fn charging_station_receives(self) -> bool {
        !matches!(self, Direction::CsToCsms)
    }

    /// Whether a charging station may send this request (and so receive its response).
    pub const fn charging_station_sends(self) -> bool {
        !matches!(self, Direction::CsmsToCs)
    }
}

/// The functional blocks of OCPP 2.0.1 (part 2, chapters A to P), which group the use cases and
/// their messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunctionalBlock {
    /// A. Security.
    Security,
    /// B. Provisioning.
    Provisioning,
    /// C. Authorization.
    Authorization,
    /// D. Local Authorization List Management.
    LocalAuthorizationListManagement,
    /// E. Transactions.
    Transactions,
    /// F. Remote Control.
    RemoteControl,
    /// G. Availability.
    Availability,
    /// H. Reservation.
    Reservation,
    /// I. Tariff and Cost.
    TariffAndCost,
    /// J. Meter Values.
    MeterValues,
    /// K. Smart Charging.
    SmartCharging,
    /// L. Firmware Management.
    FirmwareManagement,
    /// M. ISO 15118 Certificate Management.
    CertificateManagement,
    /// N. Diagnostics.
    Diagnostics,
    /// O. Display Message.
    DisplayMessage,
    /// P. Data Transfer.
    DataTransfer,
}

impl FunctionalBlock {
    /// The block's letter in part 2 (`'A'` for Security ... `'P'` for Data Transfer).
    pub const fn letter(self) -> char {
        match self {
            FunctionalBlock::Security => 'A',
            FunctionalBlock::Provisioning => 'B',
            FunctionalBlock::Authorization => 'C',
            FunctionalBlock::LocalAuthorizationListManagement => 'D',
            FunctionalBlock::Transactions => 'E',
            FunctionalBlock::RemoteControl => 'F',
            FunctionalBlock::Availability => 'G',
            FunctionalBlock::Reservation => 'H',
            FunctionalBlock::TariffAndCost => 'I',
            FunctionalBlock::MeterValues => 'J',
            FunctionalBlock::SmartCharging => 'K',
            FunctionalBlock::FirmwareManagement => 'L',
            FunctionalBlock::CertificateManagement => 'M',
            FunctionalBlock::Diagnostics => 'N',
            FunctionalBlock::DisplayMessage => 'O',
            FunctionalBlock::DataTransfer => 'P',
        }
    }
}

/// A request type of one action, tied to its response type.
pub trait OcppRequest: serde::Serialize + for<'de> serde::Deserialize<'de> {
    /// The action.
    const ACTION: Action;
    /// The matching response (CALLRESULT payload).
    type Response: serde::Serialize + for<'de> serde::Deserialize<'de>;
}

/// Why a CALL's payload could not become a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDecodeError {
    /// The action is not an OCPP 2.0.1 action: answer `NotImplemented`.
    UnknownAction,
    /// The action is an OCPP 2.0.1 action, but not one a charging station receives: answer
    /// `NotSupported`.
    NotSupported,
    /// The payload does not match the action's schema; the error says which CALLERROR to use.
    Payload(json::Error),
}

impl CallDecodeError {
    /// The OCPP-J 2.0.1 CALLERROR code that answers the CALL (see `crate::rpc::v201`).
    pub const fn error_code(&self) -> ErrorCode {
        match self {
            CallDecodeError::UnknownAction => ErrorCode::NotImplemented,
            CallDecodeError::NotSupported => ErrorCode::NotSupported,
            CallDecodeError::Payload(e) => decode_error_code(e.kind()),
        }
    }
}

impl core::fmt::Display for CallDecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CallDecodeError::UnknownAction => f.write_str("unknown action"),
            CallDecodeError::NotSupported => f.write_str("action not supported"),
            CallDecodeError::Payload(e) => core::fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for CallDecodeError {}

impl IncomingRequest {
    /// Decodes a parsed CALL as a charging station receives it: looks the action up, then
    /// decodes the payload with [`IncomingRequest::decode`].
    pub fn from_call(
        call: &crate::rpc::Call<'_>,
        opts: &DecodeOptions,
    ) -> Result<IncomingRequest, CallDecodeError> {
        let action = Action::parse(call.action).ok_or(CallDecodeError::UnknownAction)?;
        IncomingRequest::decode(action, call.payload, opts)
            .ok_or(CallDecodeError::NotSupported)?
            .map_err(CallDecodeError::Payload)
    }
}

impl Request {
    /// Decodes a parsed CALL of either direction: looks the action up, then decodes the payload
    /// (feature `all-directions`).
    #[cfg(feature = "all-directions")]
    pub fn from_call(
        call: &crate::rpc::Call<'_>,
        opts: &DecodeOptions,
    ) -> Result<Request, CallDecodeError> {
        let action = Action::parse(call.action).ok_or(CallDecodeError::UnknownAction)?;
        Request::decode(action, call.payload, opts).map_err(CallDecodeError::Payload)
    }
}
