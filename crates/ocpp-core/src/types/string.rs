//! Bounded strings: the spec's `CiString20Type` ... `CiString500Type`, and bounded text for the
//! fields the spec leaves unbounded.

use core::fmt;
use core::ops::Deref;
use core::str::FromStr;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string of at most `N` bytes, stored inline (no allocation).
///
/// OCPP 1.6 §7 defines `CiStringNType` as a case-insensitive string of at most N characters. The
/// identifiers the spec puts in them are printable ASCII, where characters and bytes coincide; a
/// non-ASCII character counts with its UTF-8 length here (so a CiString20 holds 20 ASCII
/// characters, or fewer if some are not ASCII). Equality (`==`) is exact, which is what a
/// round-trip needs; use [`BoundedString::eq_ignore_case`] where the spec compares identifiers
/// case-insensitively (idTags).
///
/// Decoding a longer string fails with `PropertyConstraintViolation`; [`BoundedString::try_from`]
/// refuses one.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoundedString<const N: usize>(heapless::String<N>);

/// `a.eq_ignore_ascii_case(b)`, out of line: the core compares idTags and configuration keys
/// this way in about twenty places, each of which inlined the loop.
#[inline(never)]
pub(crate) fn eq_ignore_ascii_case(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Appends `s` to `out`, or changes nothing and returns false when it does not fit. Not generic
/// (a view of any capacity) and out of line: one copy for every `BoundedString<N>`.
#[inline(never)]
fn push_view(out: &mut heapless::string::StringView, s: &str) -> bool {
    out.push_str(s).is_ok()
}

/// `CiString20Type`: idTags, charge point vendor, ...
pub type CiString20 = BoundedString<20>;
/// `CiString25Type`: serial numbers, firmware version, ...
pub type CiString25 = BoundedString<25>;
/// `CiString50Type`: configuration keys, models, vendor ids, ...
pub type CiString50 = BoundedString<50>;
/// `CiString255Type`: DataTransfer vendor-specific messages, security event tech info, ...
pub type CiString255 = BoundedString<255>;
/// `CiString500Type`: configuration values.
pub type CiString500 = BoundedString<500>;

/// The string does not fit its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLong {
    /// The bound, in bytes.
    pub max: usize,
    /// The length of the refused string, in bytes.
    pub len: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "string of {} bytes exceeds the maximum of {}",
            self.len, self.max
        )
    }
}

impl core::error::Error for TooLong {}

impl<const N: usize> BoundedString<N> {
    /// The bound, in bytes.
    pub const MAX_LEN: usize = N;

    /// An empty string.
    pub const fn new() -> Self {
        BoundedString(heapless::String::new())
    }

    /// Copies `s`, or refuses it when it is longer than `N` bytes.
    pub fn try_from(s: &str) -> Result<Self, TooLong> {
        let mut out = BoundedString::new();
        if !push_view(out.0.as_mut_view(), s) {
            return Err(TooLong {
                max: N,
                len: s.len(),
            });
        }
        Ok(out)
    }

    /// Copies as much of `s` as fits, cutting at a character boundary. For text that is only
    /// informative (error descriptions, vendor info) where a cut beats a refusal.
    pub fn truncated(s: &str) -> Self {
        let mut end = s.len().min(N);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut out = BoundedString::new();
        // Cannot fail: `end <= N` and on a character boundary.
        push_view(out.0.as_mut_view(), s.get(..end).unwrap_or_default());
        out
    }

    /// The contents.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Empties the string, in place.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Appends a character, or refuses when it would not fit.
    pub fn push(&mut self, c: char) -> Result<(), TooLong> {
        self.0.push(c).map_err(|_| TooLong {
            max: N,
            len: self.0.len() + c.len_utf8(),
        })
    }

    /// Appends a string, or refuses (changing nothing) when it would not fit.
    pub fn push_str(&mut self, s: &str) -> Result<(), TooLong> {
        if push_view(self.0.as_mut_view(), s) {
            Ok(())
        } else {
            Err(TooLong {
                max: N,
                len: self.0.len() + s.len(),
            })
        }
    }

    /// Appends as much of `s` as fits, cutting at a character boundary: for text that is only
    /// informative (error descriptions), where a cut beats nothing.
    #[cfg_attr(not(feature = "v16"), allow(dead_code))]
    pub(crate) fn push_cut(&mut self, s: &str) {
        let mut end = s.len().min(N.saturating_sub(self.0.len()));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        // Cannot fail: it fits and ends on a character boundary.
        push_view(self.0.as_mut_view(), s.get(..end).unwrap_or_default());
    }

    /// Appends `value` in decimal, zero-padded to at least `min_digits` digits, cut if it does
    /// not fit (see [`crate::types::format_int`]: no `core::fmt`).
    #[cfg_attr(not(feature = "v16"), allow(dead_code))]
    pub(crate) fn push_int(&mut self, value: i64, min_digits: usize) {
        let mut buf = [0; 24];
        self.push_cut(super::format_int(value, min_digits, &mut buf));
    }

    /// Case-insensitive (ASCII) comparison, as the spec compares `CiString` identifiers.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        eq_ignore_ascii_case(self.0.as_str(), other)
    }
}

impl<const N: usize> Deref for BoundedString<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> AsRef<str> for BoundedString<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> FromStr for BoundedString<N> {
    type Err = TooLong;
    fn from_str(s: &str) -> Result<Self, TooLong> {
        Self::try_from(s)
    }
}

impl<const N: usize> TryFrom<&str> for BoundedString<N> {
    type Error = TooLong;
    fn try_from(s: &str) -> Result<Self, TooLong> {
        BoundedString::try_from(s)
    }
}

impl<const N: usize> PartialEq<str> for BoundedString<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for BoundedString<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl<const N: usize> fmt::Debug for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for BoundedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> Serialize for BoundedString<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de, const N: usize> Deserialize<'de> for BoundedString<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut out = BoundedString::new();
        deserializer.deserialize_str(StrInto(&mut out))?;
        Ok(out)
    }
}

/// A [`BoundedString`] of any capacity, as a type parameter: what lets a message's text member
/// take its capacity from a type (`charge_point::Limits::DataTransferData`), as stable Rust cannot
/// size `BoundedString<{ L::N }>` by a generic parameter's associated const. Implemented by
/// [`BoundedString`] only.
pub trait BoundedText:
    StrSink + Deref<Target = str> + Clone + fmt::Debug + PartialEq + Eq + Serialize + 'static
{
    /// The capacity, in bytes.
    const CAPACITY: usize;
    /// The empty string.
    const EMPTY: Self;
}

impl<const N: usize> BoundedText for BoundedString<N> {
    const CAPACITY: usize = N;
    const EMPTY: Self = BoundedString::new();
}

/// Where [`StrInto`] writes a string: a bounded string of any capacity, behind one vtable, so
/// that a deserializer's string decoding is linked once for every bound instead of once per `N`.
/// (Public only as [`BoundedText`]'s supertrait; not reachable from outside the crate.)
pub trait StrSink {
    /// Empties the string.
    fn clear(&mut self);
    /// Appends `s`; `Err` (nothing appended) when it does not fit.
    fn push_str(&mut self, s: &str) -> Result<(), TooLong>;
    /// Appends `c`; `Err` when it does not fit.
    fn push(&mut self, c: char) -> Result<(), TooLong>;
}

impl<const N: usize> StrSink for BoundedString<N> {
    fn clear(&mut self) {
        BoundedString::clear(self);
    }

    fn push_str(&mut self, s: &str) -> Result<(), TooLong> {
        BoundedString::push_str(self, s)
    }

    fn push(&mut self, c: char) -> Result<(), TooLong> {
        BoundedString::push(self, c)
    }
}

/// Decodes a string into the bounded string `self.0` (cleared first): one past its bound is
/// `invalid_value` (`InvalidValue`), anything but a string a type error.
pub(crate) struct StrInto<'a>(pub &'a mut dyn StrSink);

impl<'de> Visitor<'de> for StrInto<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bounded string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.clear();
        self.0
            .push_str(v)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    /// Long strings with escapes arrive from [`crate::json`] as a sequence of characters.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.clear();
        while let Some(c) = seq.next_element::<char>()? {
            if self.0.push(c).is_err() {
                return Err(de::Error::invalid_value(
                    de::Unexpected::Other("a longer string"),
                    &self,
                ));
            }
        }
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a, const N: usize> arbitrary::Arbitrary<'a> for BoundedString<N> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = u.int_in_range(0..=N)?;
        let mut out = BoundedString::new();
        for _ in 0..len {
            let c: char = u.arbitrary()?;
            if out.push(c).is_err() {
                break;
            }
        }
        Ok(out)
    }
}

/// A received text written into a byte buffer the charge point borrows (the security module's
/// scratch, see `charge_point::SecurityParts`) instead of a `BoundedString` of its own: for the
/// security extension's certificates (up to 5,500 characters) and chains (up to 10,000), which
/// the charge point's RAM and stack budgets cannot hold.
///
/// Decode into it with [`StrInto`]: a text longer than `max_chars` characters (the schema's
/// maxLength) is the decoder's `InvalidValue` (PropertyConstraintViolation), as for a bounded
/// string; a text within the bound that does not fit the buffer decodes, with
/// [`ScratchText::overflowed`] set, so that the handler answers the spec's refusal (for
/// example InstallCertificate `Rejected`) instead of a CALLERROR.
#[cfg_attr(not(feature = "profile-security"), allow(dead_code))] // Used by the certificates.
pub(crate) struct ScratchText<'a> {
    buf: &'a mut [u8],
    len: usize,
    chars: usize,
    max_chars: usize,
    overflowed: bool,
}

#[cfg_attr(not(feature = "profile-security"), allow(dead_code))] // Used by the certificates.
impl<'a> ScratchText<'a> {
    /// An empty text over `buf`, bounded to `max_chars` characters.
    pub(crate) fn new(buf: &'a mut [u8], max_chars: usize) -> Self {
        ScratchText {
            buf,
            len: 0,
            chars: 0,
            max_chars,
            overflowed: false,
        }
    }

    /// The text decoded (empty after an overflow).
    pub(crate) fn as_bytes(&self) -> &[u8] {
        if self.overflowed {
            return &[];
        }
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// The text was within its bound but longer than the buffer.
    pub(crate) fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The number of characters received (also after an overflow).
    pub(crate) fn chars(&self) -> usize {
        self.chars
    }
}

impl StrSink for ScratchText<'_> {
    fn clear(&mut self) {
        self.len = 0;
        self.chars = 0;
        self.overflowed = false;
    }

    fn push_str(&mut self, s: &str) -> Result<(), TooLong> {
        let chars = self.chars.saturating_add(s.chars().count());
        if chars > self.max_chars {
            return Err(TooLong {
                max: self.max_chars,
                len: chars,
            });
        }
        self.chars = chars;
        let end = self.len.saturating_add(s.len());
        match self.buf.get_mut(self.len..end) {
            Some(dst) if !self.overflowed => {
                dst.copy_from_slice(s.as_bytes());
                self.len = end;
            }
            _ => self.overflowed = true,
        }
        Ok(())
    }

    fn push(&mut self, c: char) -> Result<(), TooLong> {
        let mut utf8 = [0u8; 4];
        self.push_str(c.encode_utf8(&mut utf8))
    }
}

#[cfg(test)]
mod scratch_text_tests {
    use super::{ScratchText, StrInto};
    use crate::json::{DecodeOptions, from_str_seed};

    struct Seed<'s, 'b>(&'s mut ScratchText<'b>);

    impl<'de> serde::de::DeserializeSeed<'de> for Seed<'_, '_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_str(StrInto(self.0))
        }
    }

    fn decode<'b>(json: &str, buf: &'b mut [u8], max: usize) -> Result<ScratchText<'b>, ()> {
        let mut text = ScratchText::new(buf, max);
        from_str_seed(json, &DecodeOptions::default(), Seed(&mut text)).map_err(|_| ())?;
        Ok(text)
    }

    #[test]
    fn unescapes_a_long_text_into_the_buffer() {
        let pem = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n";
        let mut long = std::string::String::from("\"");
        for _ in 0..20 {
            long.push_str(pem);
        }
        long.push('"');
        let json = long;
        let mut buf = [0u8; 2000];
        let text = decode(&json, &mut buf, 5500).expect("decodes");
        assert!(!text.overflowed());
        assert_eq!(text.as_bytes().len(), 20 * 59);
        assert!(
            text.as_bytes()
                .starts_with(b"-----BEGIN CERTIFICATE-----\nMIIB\n")
        );
        assert_eq!(text.chars(), 20 * 59);
    }

    #[test]
    fn a_text_beyond_its_bound_is_an_error_one_beyond_the_buffer_overflows() {
        let mut buf = [0u8; 8];
        assert!(decode("\"0123456789\"", &mut buf, 9).is_err());
        let text = decode("\"0123456789\"", &mut buf, 10).expect("within the bound");
        assert!(text.overflowed());
        assert_eq!(text.as_bytes(), b"");
        assert_eq!(text.chars(), 10);
        let text = decode("\"01234567\"", &mut buf, 10).expect("fits");
        assert_eq!(text.as_bytes(), b"01234567");
    }
}
