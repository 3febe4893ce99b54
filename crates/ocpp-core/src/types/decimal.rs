//! `decimal` with one fraction digit (OCPP 1.6 §7.13/§7.15: `limit` and `minChargingRate`
//! "accept at most one digit fraction (e.g. 8.1)").

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal number with exactly one fraction digit, stored as an integer count of tenths so that
/// it compares, hashes and round-trips exactly.
///
/// Decoding rounds a value with more fraction digits to the nearest tenth (half away from zero):
/// the spec allows one digit, some central systems send more (`16.25`), and refusing a charging
/// profile over a rounding difference would serve nobody. Writing gives the shortest form with
/// at least one fraction digit (`16.0`, `6.1`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i32);

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal(0);

    /// `tenths / 10`.
    pub const fn from_tenths(tenths: i32) -> Decimal {
        Decimal(tenths)
    }

    /// A whole number.
    pub const fn from_int(v: i32) -> Decimal {
        Decimal(v.saturating_mul(10))
    }

    /// The value in tenths.
    pub const fn tenths(self) -> i32 {
        self.0
    }

    /// The value as a float.
    pub fn to_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// The nearest decimal to `v` (half away from zero); `None` when not finite or out of range.
    pub fn from_f64(v: f64) -> Option<Decimal> {
        let t = v * 10.0;
        if !t.is_finite() {
            return None;
        }
        // `as` saturates; check the range first so we never silently clamp.
        let r = if t >= 0.0 { t + 0.5 } else { t - 0.5 };
        if r >= f64::from(i32::MAX) || r <= f64::from(i32::MIN) {
            return None;
        }
        Some(Decimal(r as i32))
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.to_f64())
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_f64(DecimalVisitor)
    }
}

struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number")
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        Decimal::from_f64(v).ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
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
