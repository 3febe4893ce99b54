//! The spec's primitive types (OCPP 1.6 §7): bounded strings and lists, `dateTime`, one-digit
//! decimals.

mod datetime;
mod decimal;
mod list;
mod slots;
mod string;
mod zero;

pub use datetime::{DateTime, InvalidDateTime};
pub use decimal::{Decimal, ParseDecimalError};
pub(crate) use decimal::{format_int, format_scaled, parse_scaled};
pub use list::{List, ListFull, ListOf};
pub use slots::Slots;
pub use string::{
    BoundedString, BoundedText, CiString20, CiString25, CiString50, CiString255, CiString500,
    TooLong,
};
#[cfg_attr(not(feature = "profile-security"), allow(unused_imports))] // ScratchText
pub(crate) use string::{ScratchText, StrInto, StrSink, eq_ignore_ascii_case};
pub use zero::{NoneIsZero, ZeroNone};
