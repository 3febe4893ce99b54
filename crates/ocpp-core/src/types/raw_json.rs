//! A JSON value of any type, kept as its text: OCPP 2.0.1 `DataTransfer.data`, whose schema gives
//! no type ("Data without specified length or format. This needs to be decided by both parties").

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::BoundedString;
use crate::json::{self, DecodeOptions};

/// Any JSON value but `null` (string, number, object, array, `true`, `false`) as its text, at
/// most `N` bytes: the application decodes it with [`crate::json::from_str`] into its own type.
///
/// Not `null`: the member holding it is optional, and OCPP-J 2.0.1 §4.1.5 leaves an empty
/// optional member out rather than writing `null`; a `null` reads as the member's absence
/// (`None`), so a `RawJson` of `null` could not round-trip.
///
/// Decoded as it stands in the frame (whitespace and escapes included) and written back
/// verbatim, so a value round-trips byte for byte. The text is valid JSON whatever way the value
/// was made: [`RawJson::try_from`] validates it.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct RawJson<const N: usize>(BoundedString<N>);

/// Why a text is not a [`RawJson`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidRawJson {
    /// Not exactly one JSON value.
    NotJson,
    /// `null`, which stands for an absent member (see [`RawJson`]).
    Null,
    /// Longer than the bound.
    TooLong,
}

impl fmt::Display for InvalidRawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidRawJson::NotJson => "not one JSON value",
            InvalidRawJson::Null => "null is not a value here",
            InvalidRawJson::TooLong => "JSON text too long",
        })
    }
}

impl core::error::Error for InvalidRawJson {}

impl<const N: usize> RawJson<N> {
    /// The JSON text `text`, validated: exactly one JSON value other than `null`, surrounding
    /// whitespace allowed (and left out).
    pub fn try_from(text: &str) -> Result<Self, InvalidRawJson> {
        let mut de = json::Deserializer::new(text, DecodeOptions::DEFAULT);
        let raw = de.raw_value().map_err(|_| InvalidRawJson::NotJson)?;
        de.end().map_err(|_| InvalidRawJson::NotJson)?;
        if raw == "null" {
            return Err(InvalidRawJson::Null);
        }
        BoundedString::try_from(raw)
            .map(RawJson)
            .map_err(|_| InvalidRawJson::TooLong)
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<const N: usize> fmt::Debug for RawJson<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> Serialize for RawJson<N> {
    /// The text verbatim, through `serialize_bytes` (see `Serialize for Decimal`: this crate's
    /// serializer and `serde-json-core` copy those bytes into the output).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.as_str().as_bytes())
    }
}

impl<'de, const N: usize> Deserialize<'de> for RawJson<N> {
    /// Through [`crate::json`], the token hands over the value's text; longer than `N` is an
    /// `InvalidValue` (PropertyConstraintViolation).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(crate::json::RAW_JSON_TOKEN, RawJsonVisitor::<N>)
    }
}

struct RawJsonVisitor<const N: usize>;

impl<const N: usize> Visitor<'_> for RawJsonVisitor<N> {
    type Value = RawJson<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON value of at most {N} bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawJson<N>, E> {
        if v == "null" {
            return Err(E::invalid_type(de::Unexpected::Unit, &self));
        }
        BoundedString::try_from(v)
            .map(RawJson)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a, const N: usize> arbitrary::Arbitrary<'a> for RawJson<N> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        use core::fmt::Write;
        let mut s = BoundedString::<N>::new();
        let n: u16 = u.arbitrary()?;
        // A number, a string, a literal or a small object: all of them valid JSON.
        let _ = match u.int_in_range(0u8..=3)? {
            0 => write!(StrWriter(&mut s), "{}", i32::from(n) - 1000),
            1 => write!(StrWriter(&mut s), "\"v{n}\""),
            2 => write!(StrWriter(&mut s), "{}", n % 2 == 0),
            _ => write!(StrWriter(&mut s), "{{\"k\":[{n},\"x\"]}}"),
        };
        if s.as_str().is_empty() || RawJson::<N>::try_from(s.as_str()).is_err() {
            s.clear();
            let _ = s.push_str("0");
        }
        Ok(RawJson(s))
    }
}

#[cfg(feature = "arbitrary")]
struct StrWriter<'a, const N: usize>(&'a mut BoundedString<N>);

#[cfg(feature = "arbitrary")]
impl<const N: usize> fmt::Write for StrWriter<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s).map_err(|_| fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ErrorKind;

    #[test]
    fn any_value_round_trips_verbatim() {
        for text in [
            r#""text""#,
            "42",
            "-1.5e3",
            "true",
            r#"{"a":[1,2,{"b":"c\u00e9"}]}"#,
            r#"{ "spaced" : [ 1 , 2 ] }"#,
        ] {
            let v: RawJson<64> = json::from_str(text, &DecodeOptions::STRICT).unwrap();
            assert_eq!(v.as_str(), text);
            let mut buf = [0u8; 64];
            let n = json::to_slice(&v, &mut buf).unwrap();
            assert_eq!(&buf[..n], text.as_bytes());
            assert_eq!(RawJson::<64>::try_from(text), Ok(v));
        }
    }

    #[test]
    fn bad_or_long_values_are_refused() {
        let e = json::from_str::<RawJson<4>>(r#""toolong""#, &DecodeOptions::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
        let e = json::from_str::<RawJson<64>>("[1,", &DecodeOptions::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedEof);
        assert_eq!(RawJson::<8>::try_from("[1,"), Err(InvalidRawJson::NotJson));
        assert_eq!(RawJson::<8>::try_from("1 2"), Err(InvalidRawJson::NotJson));
        assert_eq!(RawJson::<8>::try_from(" null "), Err(InvalidRawJson::Null));
        let e = json::from_str::<RawJson<8>>("null", &DecodeOptions::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidType);
        // Optional, `null` is the member's absence.
        let v: Option<RawJson<8>> = json::from_str("null", &DecodeOptions::DEFAULT).unwrap();
        assert_eq!(v, None);
        assert_eq!(
            RawJson::<4>::try_from("\"abcd\""),
            Err(InvalidRawJson::TooLong)
        );
    }
}
