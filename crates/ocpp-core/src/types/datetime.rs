//! `dateTime` (OCPP 1.6 §7; RFC 3339), without std.

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with millisecond precision, as milliseconds since 1970-01-01T00:00:00Z.
///
/// Parsing accepts any RFC 3339 date-time (any UTC offset, any number of fraction digits, `T`,
/// `t` or a space as separator) and, when allowed, one without an offset (read as UTC).
/// Fractions beyond milliseconds are truncated. Writing always gives UTC with a `Z` and at most
/// millisecond precision (`2024-05-01T12:00:00.250Z`; no fraction when it is zero), since several
/// central systems reject more digits.
///
/// The supported range is years 0000 to 9999.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct DateTime(i64);

/// The text is not an RFC 3339 date-time (or lies outside years 0000-9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidDateTime;

impl fmt::Display for InvalidDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an RFC 3339 date-time")
    }
}

impl core::error::Error for InvalidDateTime {}

/// Milliseconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59.999Z.
const MIN_MILLIS: i64 = -62_167_219_200_000;
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
const fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
const fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

const fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// A little cursor over ASCII digits.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    #[inline(never)]
    fn digits(&mut self, n: usize) -> Result<u32, InvalidDateTime> {
        let mut v = 0u32;
        for _ in 0..n {
            match self.b.get(self.i) {
                Some(d @ b'0'..=b'9') => v = v * 10 + u32::from(d - b'0'),
                _ => return Err(InvalidDateTime),
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn byte(&mut self, allowed: &[u8]) -> Result<u8, InvalidDateTime> {
        match self.b.get(self.i) {
            Some(c) if allowed.contains(c) => {
                self.i += 1;
                Ok(*c)
            }
            _ => Err(InvalidDateTime),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
}

impl DateTime {
    /// 1970-01-01T00:00:00Z, the [`Default`].
    pub const EPOCH: DateTime = DateTime(0);

    /// The instant `millis` milliseconds after the Unix epoch; `None` outside years 0000-9999.
    #[inline(never)]
    pub const fn from_unix_millis(millis: i64) -> Option<DateTime> {
        if millis < MIN_MILLIS || millis > MAX_MILLIS {
            None
        } else {
            Some(DateTime(millis))
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded towards negative infinity).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This instant plus `millis` (saturating at the supported range).
    #[must_use]
    pub const fn add_millis(self, millis: i64) -> DateTime {
        let v = self.0.saturating_add(millis);
        DateTime(if v < MIN_MILLIS {
            MIN_MILLIS
        } else if v > MAX_MILLIS {
            MAX_MILLIS
        } else {
            v
        })
    }

    /// A UTC date and time. `None` for an impossible date or time.
    pub const fn from_utc(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        millis: u32,
    ) -> Option<DateTime> {
        if year < 0
            || year > 9999
            || month < 1
            || month > 12
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || millis > 999
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour as i64 * 3600 + minute as i64 * 60 + second as i64;
        Some(DateTime(secs * 1000 + millis as i64))
    }

    /// Parses an RFC 3339 date-time, requiring a UTC offset (`Z` or `±hh:mm`).
    pub fn parse(s: &str) -> Result<DateTime, InvalidDateTime> {
        Self::parse_with(s, false)
    }

    /// Parses an RFC 3339 date-time; with `allow_missing_offset` a time without offset is UTC.
    /// Also accepted, as real central systems send them: an offset without colon (`+0200`) or
    /// with hours only (`+02`).
    pub fn parse_with(s: &str, allow_missing_offset: bool) -> Result<DateTime, InvalidDateTime> {
        let mut c = Cursor {
            b: s.as_bytes(),
            i: 0,
        };
        let year = c.digits(4)?;
        c.byte(b"-")?;
        let month = c.digits(2)?;
        c.byte(b"-")?;
        let day = c.digits(2)?;
        c.byte(b"Tt ")?;
        let hour = c.digits(2)?;
        c.byte(b":")?;
        let minute = c.digits(2)?;
        c.byte(b":")?;
        let mut second = c.digits(2)?;
        let mut millis = 0u32;
        if c.peek() == Some(b'.') {
            c.i += 1;
            let mut n = 0;
            while let Some(d @ b'0'..=b'9') = c.peek() {
                if n < 3 {
                    millis = millis * 10 + u32::from(d - b'0');
                }
                n += 1;
                c.i += 1;
            }
            if n == 0 {
                return Err(InvalidDateTime);
            }
            for _ in n..3 {
                millis *= 10;
            }
        }
        // RFC 3339 allows a leap second; OCPP has no use for it: read it as the last millisecond.
        if second == 60 {
            second = 59;
            millis = 999;
        }
        let offset_minutes: i64 = match c.peek() {
            Some(b'Z' | b'z') => {
                c.i += 1;
                0
            }
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c.digits(2)?;
                let om = match c.peek() {
                    Some(b':') => {
                        c.i += 1;
                        c.digits(2)?
                    }
                    Some(b'0'..=b'9') => c.digits(2)?,
                    _ => 0,
                };
                if oh > 23 || om > 59 {
                    return Err(InvalidDateTime);
                }
                let m = i64::from(oh * 60 + om);
                if sign == b'-' { -m } else { m }
            }
            None if allow_missing_offset => 0,
            _ => return Err(InvalidDateTime),
        };
        if c.i != c.b.len() {
            return Err(InvalidDateTime);
        }
        let local = DateTime::from_utc(i64::from(year), month, day, hour, minute, second, millis)
            .ok_or(InvalidDateTime)?;
        DateTime::from_unix_millis(local.0 - offset_minutes * 60_000).ok_or(InvalidDateTime)
    }

    /// The civil fields (year, month, day, hour, minute, second, millisecond) in UTC.
    pub const fn to_utc_fields(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400_000);
        let ms_of_day = self.0.rem_euclid(86_400_000);
        let (y, mo, d) = civil_from_days(days);
        let h = (ms_of_day / 3_600_000) as u32;
        let mi = (ms_of_day / 60_000 % 60) as u32;
        let s = (ms_of_day / 1000 % 60) as u32;
        let ms = (ms_of_day % 1000) as u32;
        (y, mo, d, h, mi, s, ms)
    }

    /// Writes the canonical form into `buf` and returns it: `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    pub fn format(self, buf: &mut [u8; 24]) -> &str {
        let (year, month, day, hour, minute, second, millis) = self.to_utc_fields();
        let mut put = |at: usize, v: u32, n: usize| {
            let mut v = v;
            for k in (0..n).rev() {
                if let Some(slot) = buf.get_mut(at + k) {
                    *slot = b'0' + (v % 10) as u8;
                }
                v /= 10;
            }
        };
        put(0, year as u32, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, hour, 2);
        put(14, minute, 2);
        put(17, second, 2);
        put(20, millis, 3);
        buf[4] = b'-';
        buf[7] = b'-';
        buf[10] = b'T';
        buf[13] = b':';
        buf[16] = b':';
        let len = if millis == 0 {
            buf[19] = b'Z';
            20
        } else {
            buf[19] = b'.';
            buf[23] = b'Z';
            24
        };
        core::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default()
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 24]))
    }
}

impl core::str::FromStr for DateTime {
    type Err = InvalidDateTime;
    fn from_str(s: &str) -> Result<Self, InvalidDateTime> {
        DateTime::parse(s)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.format(&mut [0; 24]))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `crate::json` the token makes the deserializer parse with its DecodeOptions and
        // hand over milliseconds; any other deserializer sees a plain newtype around a string.
        deserializer.deserialize_newtype_struct(crate::json::DATETIME_TOKEN, DateTimeVisitor)
    }
}

struct DateTimeVisitor;

impl<'de> Visitor<'de> for DateTimeVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<DateTime, D::Error> {
        d.deserialize_str(self)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateTime, E> {
        DateTime::from_unix_millis(v)
            .ok_or_else(|| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
        DateTime::parse_with(v, true).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for DateTime {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(DateTime(u.int_in_range(MIN_MILLIS..=MAX_MILLIS)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn parses_and_writes_utc() {
        let t = DateTime::parse("2013-02-01T20:53:32.486Z").unwrap();
        assert_eq!(t.to_string(), "2013-02-01T20:53:32.486Z");
        assert_eq!(t.unix_millis(), 1_359_752_012_486);
        assert_eq!(
            DateTime::parse("1970-01-01T00:00:00Z")
                .unwrap()
                .unix_millis(),
            0
        );
        assert_eq!(
            DateTime::parse("2024-02-29T00:00:00Z").unwrap().to_string(),
            "2024-02-29T00:00:00Z"
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let a = DateTime::parse("2024-05-01T14:00:00+02:00").unwrap();
        let b = DateTime::parse("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            DateTime::parse("2024-05-01T06:30:00-05:30")
                .unwrap()
                .to_string(),
            "2024-05-01T12:00:00Z"
        );
        assert_eq!(DateTime::parse("2024-05-01T14:00:00+0200").unwrap(), b);
        assert_eq!(DateTime::parse("2024-05-01T14:00:00+02").unwrap(), b);
    }

    #[test]
    fn fractions_are_truncated_to_millis() {
        assert_eq!(
            DateTime::parse("2024-05-01T12:00:00.123456789Z")
                .unwrap()
                .to_string(),
            "2024-05-01T12:00:00.123Z"
        );
        assert_eq!(
            DateTime::parse("2024-05-01T12:00:00.5Z")
                .unwrap()
                .to_string(),
            "2024-05-01T12:00:00.500Z"
        );
    }

    #[test]
    fn missing_offset_only_when_allowed() {
        assert_eq!(DateTime::parse("2024-05-01T12:00:00"), Err(InvalidDateTime));
        assert_eq!(
            DateTime::parse_with("2024-05-01T12:00:00", true)
                .unwrap()
                .to_string(),
            "2024-05-01T12:00:00Z"
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        for s in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Zjunk",
            "",
            "9999-12-31T23:59:59-01:00",
        ] {
            assert_eq!(DateTime::parse(s), Err(InvalidDateTime), "{s}");
        }
    }

    #[test]
    fn civil_round_trip_over_range() {
        let mut ms = MIN_MILLIS;
        while ms < MAX_MILLIS {
            let t = DateTime(ms);
            assert_eq!(DateTime::parse(&t.to_string()), Ok(t));
            ms += 86_400_000 * 97 + 3_600_123;
        }
    }
}
