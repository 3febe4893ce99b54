//! `decimal` with three fraction digits: the OCPP 2.0.1 numbers that are not charging limits
//! (`SampledValue.value`, `totalCost`, a monitor's `value`, a variable's `minLimit` and
//! `maxLimit`, a consumption block's `startValue`).
//!
//! Like [`Decimal`](super::Decimal), and for the same reasons (no float code on a
//! microcontroller, exact text), it is an integer: thousandths in an `i64`. Three fraction digits
//! hold what those fields carry (Wh readings of a kWh register, a cost in cents or tenths of a
//! cent, a threshold of 0.001 A); more digits are rounded to the nearest thousandth, half away
//! from zero, as [`Decimal`](super::Decimal) rounds to the tenth.

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ParseDecimalError, format_scaled, parse_scaled};

/// A decimal number with three fraction digits, stored as an integer count of thousandths so that
/// it compares, hashes and round-trips exactly. The range is ±999 999 999 999 999.999.
///
/// Text as for [`Decimal`](super::Decimal): JSON number syntax in (integers, fractions,
/// exponents), rounded to the thousandth; a magnitude beyond the range is refused
/// ([`ParseDecimalError::OutOfRange`], answered with a PropertyConstraintViolation), never
/// clamped. Out: the shortest exact form, no exponent, no trailing zeros, no `-0`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal3(i64);

/// Largest magnitude in thousandths: 10^18 - 1.
const MAX_MILLI: i64 = 999_999_999_999_999_999;

impl Decimal3 {
    /// Zero.
    pub const ZERO: Decimal3 = Decimal3(0);
    /// The largest value, 999 999 999 999 999.999.
    pub const MAX: Decimal3 = Decimal3(MAX_MILLI);
    /// The smallest value, -999 999 999 999 999.999.
    pub const MIN: Decimal3 = Decimal3(-MAX_MILLI);

    /// `milli / 1000`; `None` beyond the range.
    pub const fn from_milli(milli: i64) -> Option<Decimal3> {
        if milli > MAX_MILLI || milli < -MAX_MILLI {
            None
        } else {
            Some(Decimal3(milli))
        }
    }

    /// A whole number; `None` beyond the range.
    pub const fn from_int(v: i64) -> Option<Decimal3> {
        match v.checked_mul(1000) {
            Some(m) => Decimal3::from_milli(m),
            None => None,
        }
    }

    /// The value in thousandths.
    pub const fn milli(self) -> i64 {
        self.0
    }

    /// Reads JSON number text (RFC 8259 §6), rounding to the nearest thousandth, half away from
    /// zero; see [`Decimal::parse`](super::Decimal::parse), which shares the code.
    pub fn parse(text: &str) -> Result<Decimal3, ParseDecimalError> {
        parse_scaled(text, 3, MAX_MILLI.unsigned_abs()).map(Decimal3)
    }

    /// Writes the shortest exact form into `buf` and returns it (`16`, `8.125`, `-0.5`).
    pub fn format(self, buf: &mut [u8; 24]) -> &str {
        format_scaled(self.0, 3, buf)
    }
}

impl core::str::FromStr for Decimal3 {
    type Err = ParseDecimalError;

    fn from_str(s: &str) -> Result<Decimal3, ParseDecimalError> {
        Decimal3::parse(s)
    }
}

impl fmt::Debug for Decimal3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Decimal3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 24]))
    }
}

impl Serialize for Decimal3 {
    /// The exact text as a JSON number, through `serialize_bytes` (see `Serialize for Decimal`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.format(&mut [0; 24]).as_bytes())
    }
}

impl<'de> Deserialize<'de> for Decimal3 {
    /// The number's text, through the same token as `Decimal` (see `Deserialize for Decimal`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(crate::json::DECIMAL_TOKEN, Decimal3Visitor)
    }
}

struct Decimal3Visitor;

impl<'de> Visitor<'de> for Decimal3Visitor {
    type Value = Decimal3;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal3, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal3, E> {
        Decimal3::parse(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Decimal3, E> {
        core::str::from_utf8(v)
            .ok()
            .and_then(|s| Decimal3::parse(s).ok())
            .ok_or_else(|| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal3, E> {
        Decimal3::from_int(v).ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal3, E> {
        i64::try_from(v)
            .ok()
            .and_then(Decimal3::from_int)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Decimal3 {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Decimal3(u.int_in_range(-MAX_MILLI..=MAX_MILLI)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{DecodeOptions, ErrorKind};
    use std::string::ToString;

    #[test]
    fn reads_rounds_and_writes_exactly() {
        for (text, milli, out) in [
            ("0", 0, "0"),
            ("16", 16_000, "16"),
            ("1234.567", 1_234_567, "1234.567"),
            ("0.0005", 1, "0.001"),
            ("-0.0005", -1, "-0.001"),
            ("1.5e3", 1_500_000, "1500"),
            ("-2.50", -2_500, "-2.5"),
            ("999999999999999.999", MAX_MILLI, "999999999999999.999"),
        ] {
            let d = Decimal3::parse(text).unwrap();
            assert_eq!(d.milli(), milli, "{text}");
            assert_eq!(d.to_string(), out, "{text}");
        }
        assert_eq!(Decimal3::parse("1e15"), Err(ParseDecimalError::OutOfRange));
        assert_eq!(Decimal3::parse("1."), Err(ParseDecimalError::Syntax));
    }

    #[test]
    fn json_numbers_are_read_exactly_and_written_raw() {
        let d: Decimal3 = crate::json::from_str("12.345", &DecodeOptions::DEFAULT).unwrap();
        assert_eq!(d.milli(), 12_345);
        let mut buf = [0u8; 32];
        let n = crate::json::to_slice(&d, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"12.345");
        let e = crate::json::from_str::<Decimal3>("\"1\"", &DecodeOptions::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidType);
        let e = crate::json::from_str::<Decimal3>("1e40", &DecodeOptions::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
    }
}
