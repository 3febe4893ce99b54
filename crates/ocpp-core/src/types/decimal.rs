//! `decimal` with one fraction digit (OCPP 1.6 §7.13 `minChargingRate` and §7.14 `limit`:
//! "Accepts at most one digit fraction (e.g. 8.1)"), and the fixed-point text routines it shares
//! with [`Reading`](crate::charge_point::metering::Reading).
//!
//! Why no floats: on a microcontroller, `f64` parsing (core's `dec2flt`) and printing (core's
//! `fmt` float code, or `ryu`) cost tens of kilobytes of flash, and a float
//! cannot hold `8.1` exactly anyway. Every decimal in this crate is an integer count of tenths
//! (or thousandths for meter readings), parsed from and printed to JSON number text exactly, in
//! integer arithmetic that saturates or fails but never panics, whatever the input.

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal number with one fraction digit, stored as an integer count of tenths so that it
/// compares, hashes and round-trips exactly. The range is ±214 748 364.7 (`i32` tenths).
///
/// Text (JSON number syntax, RFC 8259 §6, see [`Decimal::parse`]):
///
/// - Reading accepts integers, fractions and exponents (`16`, `8.1`, `1.5E+1`, `1e3`). A value
///   with more than one fraction digit is rounded to the nearest tenth, half away from zero
///   (`16.25` -> `16.3`, `-0.05` -> `-0.1`): the spec says "accepts at most one digit fraction",
///   some central systems send more (`16.25`, or a float artefact like `7.199999999`), and
///   refusing a charging profile over a rounding difference would serve nobody. A magnitude
///   beyond [`Decimal::MAX`] after rounding is refused ([`ParseDecimalError::OutOfRange`],
///   answered with a PropertyConstraintViolation), never clamped: a limit silently changed by
///   orders of magnitude is worse than a refused profile. So [`Decimal::MIN`] is never read.
/// - Writing gives the shortest exact form: no exponent, no trailing zeros, no `-0`
///   (`16`, `8.1`, `0.5`, `-2.5`).
///
/// Arithmetic ([`Decimal::saturating_add`], [`Decimal::saturating_mul_int`],
/// [`Decimal::div_int_floor`], ...) is integer arithmetic that saturates at [`Decimal::MIN`] and
/// [`Decimal::MAX`]; comparisons, `min` and `max` come from `Ord`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i32);

/// Why a text is not a [`Decimal`] (or a [`Reading`](crate::charge_point::metering::Reading)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseDecimalError {
    /// Not a JSON number (RFC 8259 §6): empty, `+1`, `01`, `1.`, `.5`, `1e`, `0x10`, `NaN`, ...
    Syntax,
    /// A well-formed number beyond the type's range.
    OutOfRange,
}

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseDecimalError::Syntax => "not a decimal number",
            ParseDecimalError::OutOfRange => "decimal number out of range",
        })
    }
}

impl core::error::Error for ParseDecimalError {}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);
    /// The largest value, 214 748 364.7.
    pub const MAX: Decimal = Decimal(i32::MAX);
    /// The smallest value, -214 748 364.8.
    pub const MIN: Decimal = Decimal(i32::MIN);

    /// `tenths / 10`.
    pub const fn from_tenths(tenths: i32) -> Decimal {
        Decimal(tenths)
    }

    /// A whole number; saturates at [`Decimal::MIN`] and [`Decimal::MAX`].
    pub const fn from_int(v: i32) -> Decimal {
        Decimal(v.saturating_mul(10))
    }

    /// The value in tenths.
    pub const fn tenths(self) -> i32 {
        self.0
    }

    /// Whether the value is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Reads JSON number text (RFC 8259 §6: optional `-`, integer digits without leading zeros,
    /// optional fraction, optional exponent), rounding to the nearest tenth, half away from
    /// zero; see the type documentation for why. Nothing else is accepted: no `+`, no spaces, no
    /// `NaN`. Exact whatever the length of the text or the size of the exponent (`0e999999`,
    /// `1e-400` and `0.000…05` with a thousand zeros are all 0), in time linear in the text.
    pub fn parse(text: &str) -> Result<Decimal, ParseDecimalError> {
        let tenths = parse_scaled(text, 1, i32::MAX.unsigned_abs().into())?;
        // `parse_scaled` kept the magnitude within `i32::MAX`.
        Ok(Decimal(i32::try_from(tenths).unwrap_or_default()))
    }

    /// Writes the shortest exact form into `buf` and returns it: an optional `-`, the integer
    /// digits, and `.` with the tenth only when it is not zero (`16`, `8.1`, `-0.5`).
    pub fn format(self, buf: &mut [u8; 24]) -> &str {
        format_scaled(i64::from(self.0), 1, buf)
    }

    /// `self + other`, saturating.
    #[must_use]
    pub const fn saturating_add(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(other.0))
    }

    /// `self - other`, saturating.
    #[must_use]
    pub const fn saturating_sub(self, other: Decimal) -> Decimal {
        Decimal(self.0.saturating_sub(other.0))
    }

    /// `self × factor`, exact, saturating at [`Decimal::MIN`] and [`Decimal::MAX`] (amperes to
    /// watts: `A × volts × phases`).
    #[must_use]
    pub const fn saturating_mul_int(self, factor: i64) -> Decimal {
        Decimal(clamp_i32((self.0 as i64).saturating_mul(factor)))
    }

    /// `self / divisor` rounded down to the tenth (towards negative infinity), so that a limit
    /// converted from watts to amperes never allows more than the watts did (watts to amperes:
    /// `W / (volts × phases)`). A divisor below 1 counts as 1: the result is then `self`, never
    /// a division by zero.
    #[must_use]
    pub const fn div_int_floor(self, divisor: i64) -> Decimal {
        let divisor = if divisor < 1 { 1 } else { divisor };
        Decimal(clamp_i32((self.0 as i64).div_euclid(divisor)))
    }
}

/// `v` clamped to the range of `i32`.
const fn clamp_i32(v: i64) -> i32 {
    if v > i32::MAX as i64 {
        i32::MAX
    } else if v < i32::MIN as i64 {
        i32::MIN
    } else {
        v as i32
    }
}

/// Where [`parse_scaled`] stops accumulating an exponent: far beyond any digit count a frame can
/// hold, so that only its sign and whether it exceeds that matter then.
const EXP_CAP: i64 = 1 << 40;

/// Reads JSON number text as an integer count of `10^-scale` units, rounding half away from
/// zero; a magnitude above `max` (at most `i64::MAX`) is [`ParseDecimalError::OutOfRange`].
///
/// The digits are not accumulated one by one: the position of the scaled decimal point is
/// computed from the digit counts and the exponent (saturating), and only the at most 20 digits
/// from the first non-zero one up to that point are read, plus the one after it for rounding.
/// So a long run of zeros or a huge exponent costs nothing and cannot overflow.
pub(crate) fn parse_scaled(text: &str, scale: u32, max: u64) -> Result<i64, ParseDecimalError> {
    use ParseDecimalError::{OutOfRange, Syntax};

    let bytes = text.as_bytes();
    let mut at = 0;
    let digits_from = |at: usize| {
        at + bytes
            .get(at..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let negative = bytes.first() == Some(&b'-');
    if negative {
        at += 1;
    }
    let int_start = at;
    at = digits_from(at);
    let int = bytes.get(int_start..at).unwrap_or_default();
    // RFC 8259 §6: at least one integer digit, and no leading zero before another digit.
    if int.is_empty() || (int.len() > 1 && int.first() == Some(&b'0')) {
        return Err(Syntax);
    }
    let mut frac: &[u8] = &[];
    if bytes.get(at) == Some(&b'.') {
        let start = at + 1;
        at = digits_from(start);
        frac = bytes.get(start..at).unwrap_or_default();
        if frac.is_empty() {
            return Err(Syntax);
        }
    }
    let mut exp: i64 = 0;
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        let exp_negative = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                true
            }
            Some(b'+') => {
                at += 1;
                false
            }
            _ => false,
        };
        let start = at;
        at = digits_from(start);
        let digits = bytes.get(start..at).unwrap_or_default();
        if digits.is_empty() {
            return Err(Syntax);
        }
        for d in digits {
            exp = (exp * 10 + i64::from(d - b'0')).min(EXP_CAP);
        }
        if exp_negative {
            exp = -exp;
        }
    }
    if at != bytes.len() {
        return Err(Syntax);
    }

    // The digits of the number without its point, `int` then `frac`.
    let digit = |k: usize| -> u64 {
        let d = if k < int.len() {
            int.get(k)
        } else {
            frac.get(k - int.len())
        };
        d.map_or(0, |d| u64::from(d - b'0'))
    };
    let len = int.len() + frac.len();
    let Some(first) = (0..len).find(|&k| digit(k) != 0) else {
        return Ok(0);
    };
    // The scaled value's point sits after digit number `point` (counting from the first
    // non-zero digit); so that many digits form its integer part.
    let point = (int.len() as i64)
        .saturating_add(exp)
        .saturating_add(i64::from(scale))
        .saturating_sub(first as i64);
    // `max` < 10^20: a first non-zero digit 20 or more places before the point is too large.
    if point > 20 {
        return Err(OutOfRange);
    }
    let mut magnitude: u64 = 0;
    let whole = point.max(0) as usize;
    for k in first..first + whole {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(digit(k)))
            .ok_or(OutOfRange)?;
    }
    // Half away from zero: the first dropped digit decides (a dropped 5 followed by anything is
    // at least half). With `point < 0` the first dropped digit is one of the zeros before
    // `first`.
    if point >= 0 && digit(first + whole) >= 5 {
        magnitude = magnitude.checked_add(1).ok_or(OutOfRange)?;
    }
    if magnitude > max.min(i64::MAX as u64) {
        return Err(OutOfRange);
    }
    let magnitude = magnitude as i64;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Writes `value × 10^-scale` (`scale` at most 18) as the shortest exact decimal into `buf`:
/// an optional `-`, the integer digits, and a `.` with the fraction digits only when the
/// fraction is not zero, its trailing zeros trimmed. No exponent, no `+`, no leading zeros,
/// never `-0`.
pub(crate) fn format_scaled(value: i64, scale: u32, buf: &mut [u8; 24]) -> &str {
    let unit = 10u64.saturating_pow(scale.min(18));
    let abs = value.unsigned_abs();
    let mut int = abs / unit;
    let mut frac = abs % unit;
    // Right to left: fraction digits, point, integer digits, sign. At most 1 + 19 + 1 + 18
    // digits would not fit, but `int` and `frac` together have at most 20 digits: 22 bytes.
    let mut at = buf.len();
    let mut put = |b: u8, at: &mut usize| {
        *at = at.saturating_sub(1);
        if let Some(slot) = buf.get_mut(*at) {
            *slot = b;
        }
    };
    if frac != 0 {
        let mut digits = scale.min(18);
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        for _ in 0..digits {
            put(b'0' + (frac % 10) as u8, &mut at);
            frac /= 10;
        }
        put(b'.', &mut at);
    }
    loop {
        put(b'0' + (int % 10) as u8, &mut at);
        int /= 10;
        if int == 0 {
            break;
        }
    }
    if value < 0 {
        put(b'-', &mut at);
    }
    core::str::from_utf8(buf.get(at..).unwrap_or_default()).unwrap_or_default()
}

/// Writes `value` in decimal into `buf`, zero-padded to at least `min_digits` digits (at most
/// 20), after a `-` when negative: `{:0N}` without `core::fmt`, whose machinery (the formatter,
/// padding, the integer tables) costs kilobytes of flash on a microcontroller.
pub(crate) fn format_int(value: i64, min_digits: usize, buf: &mut [u8; 24]) -> &str {
    let min_digits = min_digits.clamp(1, 20);
    let mut rest = value.unsigned_abs();
    let mut at = buf.len();
    let mut digits = 0;
    // Right to left; at most 20 digits and a sign: 21 of the 24 bytes.
    while rest != 0 || digits < min_digits {
        at = at.saturating_sub(1);
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        digits += 1;
    }
    if value < 0 {
        at = at.saturating_sub(1);
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'-';
        }
    }
    core::str::from_utf8(buf.get(at..).unwrap_or_default()).unwrap_or_default()
}

impl core::str::FromStr for Decimal {
    type Err = ParseDecimalError;

    fn from_str(s: &str) -> Result<Decimal, ParseDecimalError> {
        Decimal::parse(s)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 24]))
    }
}

impl Serialize for Decimal {
    /// Writes the exact text as a JSON number. serde has no "raw number" in its data model, and
    /// `serialize_f64` would print through `ryu` (float code, and `8.1` only by luck of the
    /// shortest round trip); this crate's serializer ([`crate::json::to_slice`]), like
    /// `serde-json-core`'s, copies the bytes of `serialize_bytes` verbatim into the output, so
    /// the number goes out as `8.1` (`json_numbers_are_read_exactly_and_written_raw` below and
    /// the schema tests guard this). A serializer that writes bytes some other
    /// way (`serde_json`: an array) gets the ASCII text as bytes, which
    /// [`Deserialize`] reads back.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.format(&mut [0; 24]).as_bytes())
    }
}

impl<'de> Deserialize<'de> for Decimal {
    /// Through [`crate::json`], the token makes the deserializer hand over the number's text,
    /// which [`Decimal::parse`] reads exactly; a JSON string or any other type is refused there.
    /// Any other deserializer sees a newtype and may give an integer, a string or bytes holding
    /// the text; a float is refused (this crate has no float code).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(crate::json::DECIMAL_TOKEN, DecimalVisitor)
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        Decimal::parse(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Decimal, E> {
        core::str::from_utf8(v)
            .ok()
            .and_then(|s| Decimal::parse(s).ok())
            .ok_or_else(|| E::invalid_value(de::Unexpected::Bytes(v), &self))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        i32::try_from(v)
            .ok()
            .and_then(|v| v.checked_mul(10))
            .map(Decimal)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        i32::try_from(v)
            .ok()
            .and_then(|v| v.checked_mul(10))
            .map(Decimal)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Decimal {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Decimal(u.int_in_range(-100_000_000..=100_000_000)?))
    }
}

#[cfg(test)]
mod tests {
    use super::ParseDecimalError::{OutOfRange, Syntax};
    use super::*;
    use crate::json::{DecodeOptions, ErrorKind};
    use proptest::prelude::*;
    use std::format;
    use std::string::{String, ToString};

    fn tenths(s: &str) -> Result<i32, ParseDecimalError> {
        Decimal::parse(s).map(Decimal::tenths)
    }

    #[test]
    fn format_int_is_what_core_fmt_writes() {
        let mut buf = [0; 24];
        for v in [0, 1, 9, 10, 42, 999, 2026, -1, -42, i64::MAX, i64::MIN] {
            for width in [0, 1, 2, 4, 20] {
                let want = if v < 0 {
                    format!("-{:0width$}", v.unsigned_abs())
                } else {
                    format!("{v:0width$}")
                };
                assert_eq!(format_int(v, width, &mut buf), want, "{v} width {width}");
            }
        }
    }

    #[test]
    fn push_int_and_push_cut_cut_what_does_not_fit() {
        let mut s = crate::types::BoundedString::<6>::new();
        s.push_cut("ab");
        s.push_int(7, 2);
        assert_eq!(s.as_str(), "ab07");
        s.push_int(12_345, 1);
        assert_eq!(s.as_str(), "ab0712");
        let mut s = crate::types::BoundedString::<3>::new();
        s.push_cut("aé€");
        assert_eq!(s.as_str(), "aé", "cut at a character boundary");
    }

    #[test]
    fn parses_integers_fractions_and_exponents() {
        for (text, want) in [
            ("16", 160),
            ("8.1", 81),
            ("0.5", 5),
            ("-2.5", -25),
            ("0", 0),
            ("-0", 0),
            ("0.0", 0),
            ("-0.0", 0),
            ("16.0", 160),
            ("16.000000", 160),
            ("1e3", 10_000),
            ("1E3", 10_000),
            ("1e+3", 10_000),
            ("1.5E+1", 150),
            ("15e-1", 15),
            ("150E-2", 15),
            ("0.81e1", 81),
            ("11040", 110_400),
            ("1.104e4", 110_400),
            ("-1e0", -10),
            ("0e999999999999999999999999", 0),
            ("0.0e-99", 0),
            ("1e-400", 0),
            ("-1e-400", 0),
            ("1e-99999999999999999999999999", 0),
            ("214748364.7", i32::MAX),
            ("-214748364.7", -i32::MAX),
            ("2.147483647e8", i32::MAX),
            ("21474836470e-2", i32::MAX),
        ] {
            assert_eq!(tenths(text), Ok(want), "{text}");
        }
        // A thousand zeros on either side of the point cost nothing and change nothing.
        let long = format!("0.{}1e1003", "0".repeat(1000));
        assert_eq!(tenths(&long), Ok(1000), "10^2");
        let long = format!("1{}e-1000", "0".repeat(1000));
        assert_eq!(tenths(&long), Ok(10));
    }

    #[test]
    fn more_fraction_digits_round_half_away_from_zero() {
        for (text, want) in [
            ("16.25", 163),
            ("16.24999999", 162),
            ("-16.25", -163),
            ("-16.24999999", -162),
            ("0.05", 1),
            ("-0.05", -1),
            ("0.04999", 0),
            ("-0.04999", 0),
            ("7.199999999", 72),
            ("8.15", 82),
            ("8.149", 81),
            ("1625e-2", 163),
            ("0.000000000000000000000000005", 0),
            ("214748364.74", i32::MAX),
        ] {
            assert_eq!(tenths(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_json_number() {
        for text in [
            "",
            "-",
            "+1",
            "01",
            "-01",
            "00",
            "1.",
            ".5",
            "-.5",
            "1e",
            "1e+",
            "1e-",
            "e3",
            " 1",
            "1 ",
            "0x10",
            "NaN",
            "nan",
            "inf",
            "Infinity",
            "-Infinity",
            "1.5.0",
            "--1",
            "1,5",
            "1_000",
            "١",
            "1e3.5",
            "\"8.1\"",
        ] {
            assert_eq!(Decimal::parse(text), Err(Syntax), "{text:?}");
        }
    }

    #[test]
    fn refuses_out_of_range_values() {
        for text in [
            "214748364.75",
            "214748364.8",
            "-214748364.75",
            "-214748364.8",
            "1e10",
            "-1e10",
            "1e99999999999999999999",
            "99999999999999999999999999999999",
            "18446744073709551616",
            "1e20",
            "1e19",
        ] {
            assert_eq!(Decimal::parse(text), Err(OutOfRange), "{text}");
        }
    }

    #[test]
    fn writes_the_shortest_exact_form() {
        for (t, want) in [
            (160, "16"),
            (81, "8.1"),
            (5, "0.5"),
            (-5, "-0.5"),
            (0, "0"),
            (-10, "-1"),
            (110_400, "11040"),
            (i32::MAX, "214748364.7"),
            (i32::MIN, "-214748364.8"),
        ] {
            assert_eq!(Decimal::from_tenths(t).to_string(), want);
            assert_eq!(format!("{:?}", Decimal::from_tenths(t)), want);
        }
    }

    #[test]
    fn arithmetic_saturates_and_never_panics() {
        let d = Decimal::from_tenths;
        assert_eq!(Decimal::from_int(16), d(160));
        assert_eq!(Decimal::from_int(i32::MAX), Decimal::MAX);
        assert_eq!(Decimal::from_int(i32::MIN), Decimal::MIN);
        assert_eq!(d(81).saturating_add(d(19)), d(100));
        assert_eq!(Decimal::MAX.saturating_add(d(1)), Decimal::MAX);
        assert_eq!(Decimal::MIN.saturating_sub(d(1)), Decimal::MIN);
        assert_eq!(d(5).saturating_sub(d(10)), d(-5));
        // 16 A x 230 V x 3 phases = 11040 W, exact.
        assert_eq!(d(160).saturating_mul_int(230 * 3), d(110_400));
        assert_eq!(d(81).saturating_mul_int(230), d(18_630));
        assert_eq!(Decimal::MAX.saturating_mul_int(2), Decimal::MAX);
        assert_eq!(Decimal::MIN.saturating_mul_int(i64::MAX), Decimal::MIN);
        assert_eq!(d(-1).saturating_mul_int(i64::MIN), Decimal::MAX);
        // And back, rounded down to the tenth.
        assert_eq!(d(110_400).div_int_floor(690), d(160));
        assert_eq!(d(110_399).div_int_floor(690), d(159));
        assert_eq!(d(1).div_int_floor(690), d(0));
        assert_eq!(d(-1).div_int_floor(690), d(-1));
        assert_eq!(Decimal::MIN.div_int_floor(1), Decimal::MIN);
        assert_eq!(Decimal::MAX.div_int_floor(i64::MAX), d(0));
        assert_eq!(Decimal::MIN.div_int_floor(i64::MAX), d(-1));
        // A divisor below 1 counts as 1.
        assert_eq!(d(42).div_int_floor(0), d(42));
        assert_eq!(d(42).div_int_floor(-7), d(42));
        assert_eq!(Decimal::MIN.div_int_floor(i64::MIN), Decimal::MIN);
        assert_eq!(d(3).min(d(-2)), d(-2));
        assert_eq!(d(3).max(d(-2)), d(3));
        assert!(d(-1).is_negative() && !Decimal::ZERO.is_negative());
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Holder {
        a: Decimal,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        b: Option<Decimal>,
    }

    fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ErrorKind> {
        crate::json::from_str(text, &DecodeOptions::DEFAULT).map_err(|e| e.kind())
    }

    fn encode<T: serde::Serialize>(v: &T) -> String {
        let mut buf = [0u8; 128];
        let n = crate::json::to_slice(v, &mut buf).unwrap();
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn json_numbers_are_read_exactly_and_written_raw() {
        assert_eq!(decode::<Decimal>("8.1"), Ok(Decimal::from_tenths(81)));
        assert_eq!(decode::<Decimal>(" 1.5E+1 "), Ok(Decimal::from_tenths(150)));
        assert_eq!(
            decode::<Holder>(r#"{"a":1.104e4,"b":-0.05}"#),
            Ok(Holder {
                a: Decimal::from_tenths(110_400),
                b: Some(Decimal::from_tenths(-1)),
            })
        );
        assert_eq!(
            decode::<Holder>(r#"{"a":6,"b":null}"#),
            Ok(Holder {
                a: Decimal::from_int(6),
                b: None,
            })
        );
        // The writer copies the digits: a JSON number, never a string, never `8.0999999`.
        assert_eq!(encode(&Decimal::from_tenths(81)), "8.1");
        assert_eq!(encode(&Decimal::from_tenths(-5)), "-0.5");
        assert_eq!(encode(&Decimal::from_int(16)), "16");
        let h = Holder {
            a: Decimal::from_tenths(71),
            b: Some(Decimal::MIN),
        };
        assert_eq!(encode(&h), r#"{"a":7.1,"b":-214748364.8}"#);
        assert_eq!(decode::<Holder>(&encode(&h)), Err(ErrorKind::InvalidValue));
        let h = Holder {
            a: Decimal::from_tenths(71),
            b: Some(Decimal::MAX),
        };
        assert_eq!(decode::<Holder>(&encode(&h)), Ok(h));
    }

    #[test]
    fn json_values_that_are_not_decimals_are_classified() {
        use crate::rpc::ErrorCode;
        // The schemas say number: a string holding one is a type error, like `true` or `[1]`.
        for text in [r#""8.1""#, "true", "null", "[1]", r#"{"a":1}"#] {
            assert_eq!(
                decode::<Decimal>(text),
                Err(ErrorKind::InvalidType),
                "{text}"
            );
        }
        // Out of range: PropertyConstraintViolation, never a clamped limit.
        for text in ["1e10", "214748364.75", "-1e300", "1e99999999999999999999"] {
            let e = decode::<Decimal>(text).unwrap_err();
            assert_eq!(e, ErrorKind::InvalidValue, "{text}");
            assert_eq!(e.error_code(), ErrorCode::PropertyConstraintViolation);
        }
        // Not JSON at all: FormationViolation.
        for text in ["01", "1.", "-", "+1", "1e", "NaN", "1.5.0"] {
            let e = decode::<Decimal>(text).unwrap_err();
            assert_eq!(e.error_code(), ErrorCode::FormationViolation, "{text}");
        }
    }

    #[test]
    fn other_deserializers_may_give_integers_strings_or_bytes() {
        use serde::de::IntoDeserializer;
        use serde::de::value::Error;
        let d = |v: serde::de::value::I64Deserializer<Error>| Decimal::deserialize(v);
        assert_eq!(d(16i64.into_deserializer()), Ok(Decimal::from_int(16)));
        assert!(d(i64::from(i32::MAX).into_deserializer()).is_err());
        let s: serde::de::value::StrDeserializer<Error> = "1.5e1".into_deserializer();
        assert_eq!(Decimal::deserialize(s), Ok(Decimal::from_int(15)));
        let b: serde::de::value::BytesDeserializer<Error> =
            serde::de::value::BytesDeserializer::new(b"8.1");
        assert_eq!(Decimal::deserialize(b), Ok(Decimal::from_tenths(81)));
        // serde_json: integers work; its floats are refused (this crate has no float code).
        assert_eq!(
            serde_json::from_str::<Decimal>("16").ok(),
            Some(Decimal::from_int(16))
        );
        assert!(serde_json::from_str::<Decimal>("8.1").is_err());
    }

    /// JSON number text, with every optional part, biased towards the edges of the range.
    fn any_number_text() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop_oneof!["0", "[1-9][0-9]{0,9}", "[1-9][0-9]{0,30}"],
            proptest::option::of("[0-9]{1,12}"),
            proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,3}")),
        )
            .prop_map(|(neg, int, frac, exp)| {
                let mut s = String::new();
                if neg {
                    s.push('-');
                }
                s.push_str(&int);
                if let Some(f) = frac {
                    s.push('.');
                    s.push_str(&f);
                }
                if let Some((e, sign, digits)) = exp {
                    s.push_str(&e);
                    s.push_str(&sign);
                    s.push_str(&digits);
                }
                s
            })
    }

    proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 4000,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]

        /// Every value prints in a canonical form that reads back as itself.
        #[test]
        fn print_parse_round_trip(t in (-i32::MAX)..=i32::MAX) {
            let d = Decimal::from_tenths(t);
            let s = d.to_string();
            prop_assert_eq!(Decimal::parse(&s), Ok(d), "{}", s);
            prop_assert!(!s.contains(['e', 'E', '+']) && !s.ends_with('.') && s != "-0", "{}", s);
            if s.contains('.') {
                prop_assert!(!s.ends_with('0'), "{}", s);
            }
            let digits = s.trim_start_matches('-');
            prop_assert!(digits == "0" || !digits.starts_with('0') || digits.starts_with("0."), "{}", s);
        }

        /// Any number text either parses to the value nearest its f64 reading (within the
        /// float's own error), printed canonically, or is out of range by the same reference.
        #[test]
        fn parse_agrees_with_an_f64_reference(s in any_number_text()) {
            let reference: f64 = s.parse::<f64>().unwrap() * 10.0;
            match Decimal::parse(&s) {
                Ok(d) => {
                    let err = (f64::from(d.tenths()) - reference).abs();
                    prop_assert!(err <= 0.5 + 1e-6 * reference.abs().max(1.0), "{} -> {}", s, d);
                    // Canonical: printing and reading again gives the same text.
                    let printed = d.to_string();
                    prop_assert_eq!(Decimal::parse(&printed), Ok(d));
                    prop_assert_eq!(Decimal::parse(&printed).unwrap().to_string(), printed);
                }
                Err(e) => {
                    prop_assert_eq!(e, OutOfRange, "{}", s);
                    prop_assert!(reference.abs() >= f64::from(i32::MAX) * (1.0 - 1e-9), "{}", s);
                }
            }
        }

        /// Comparisons of decimals agree with comparisons of their f64 values.
        #[test]
        fn comparison_agrees_with_f64(a in any_number_text(), b in any_number_text()) {
            let (Ok(x), Ok(y)) = (Decimal::parse(&a), Decimal::parse(&b)) else {
                return Ok(());
            };
            let (fx, fy) = (f64::from(x.tenths()) / 10.0, f64::from(y.tenths()) / 10.0);
            prop_assert_eq!(Some(x.cmp(&y)), fx.partial_cmp(&fy), "{} {}", a, b);
            prop_assert_eq!(x.min(y), if fx < fy { x } else { y });
            prop_assert_eq!(x.max(y), if fx < fy { y } else { x });
        }

        /// Arbitrary bytes never panic the parser, and whatever it accepts is a JSON number.
        #[test]
        fn parse_never_panics(s in "[-+.eE0-9 a]{0,40}") {
            if Decimal::parse(&s).is_ok() {
                prop_assert!(serde_json::from_str::<serde_json::Number>(&s).is_ok(), "{}", s);
            }
        }

        /// The JSON decoder gives the same as `Decimal::parse` on any number text.
        #[test]
        fn decoder_agrees_with_parse(s in any_number_text()) {
            let want = Decimal::parse(&s).map_err(|_| ErrorKind::InvalidValue);
            prop_assert_eq!(decode::<Decimal>(&s), want);
        }
    }
}
