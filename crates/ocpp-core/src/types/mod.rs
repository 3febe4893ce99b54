//! The spec's primitive types (OCPP 1.6 §7, shared with OCPP 2.0.1): bounded strings and lists,
//! `dateTime`, decimals with one ([`Decimal`]) and three ([`Decimal3`]) fraction digits.

mod datetime;
mod decimal;
mod decimal3;
mod list;
mod raw_json;
mod slots;
mod string;
mod zero;

pub use datetime::{DateTime, InvalidDateTime};
pub use decimal::{Decimal, ParseDecimalError};
pub(crate) use decimal::{format_int, format_scaled, parse_scaled};
pub use decimal3::Decimal3;
pub use list::{List, ListFull, ListOf};
pub use raw_json::{InvalidRawJson, RawJson};
pub use slots::Slots;
pub use string::{
    BoundedString, BoundedText, CiString20, CiString25, CiString50, CiString255, CiString500,
    TooLong,
};
#[cfg_attr(not(feature = "profile-security"), allow(unused_imports))] // ScratchText
pub(crate) use string::{ScratchText, StrInto, StrSink, eq_ignore_ascii_case};
pub use zero::{NoneIsZero, ZeroNone};
