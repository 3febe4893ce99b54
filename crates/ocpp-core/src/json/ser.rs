//! A compact JSON serializer into a caller's buffer: only what this crate emits, and no panics.
//!
//! Why not `serde-json-core`'s: it has `unreachable!()` paths (`serialize_char`, tuple variants,
//! its `EscapedStr` hook) and float printing; this one writes every serde data model value it
//! is given, or returns an error. Its output is byte for byte that of `serde-json-core` 0.7 for
//! every value this crate serialises (compact, keys as given, the same string escapes; a test
//! compares the two on every message example and on arbitrary messages):
//!
//! - strings: `"` and `\` escaped, `\b \t \n \f \r`, the other control characters as
//!   `\u00XX` (uppercase hexadecimal), everything else verbatim (UTF-8);
//! - `serialize_bytes` writes the bytes verbatim: how [`crate::types::Decimal`] writes a JSON
//!   number from its exact text;
//! - `None` and `()` as `null`, unit variants as strings, newtype variants as
//!   `{"Variant":value}`, struct variants as `{"Variant":{...}}`;
//! - floats are refused ([`EncodeError::Unsupported`]): no type of this crate has one, and float
//!   printing is kilobytes of flash; `char` is written as a one-character string and tuple
//!   variants as `{"Variant":[...]}` (as `serde_json` does; `serde-json-core` panics on both).

use core::fmt;

use serde::ser::{self, Serialize};

use super::EncodeError;

type Result<T = ()> = core::result::Result<T, EncodeError>;

impl ser::Error for EncodeError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        EncodeError::Unsupported
    }
}

/// Serialises `value` as compact JSON into `buf`; the number of bytes written.
pub(crate) fn to_slice<T: Serialize + ?Sized>(value: &T, buf: &mut [u8]) -> Result<usize> {
    let mut ser = Serializer { buf, len: 0 };
    value.serialize(&mut ser)?;
    Ok(ser.len)
}

/// The serializer: a cursor in the caller's buffer.
pub(crate) struct Serializer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Serializer<'_> {
    /// Appends `bytes`, or fails with nothing appended. Not generic and not inlined: every
    /// write goes through this one copy.
    #[inline(never)]
    fn raw(&mut self, bytes: &[u8]) -> Result {
        let end = self.len + bytes.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(EncodeError::BufferFull)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Appends `s` as a JSON string, quoted and escaped.
    #[inline(never)]
    fn string(&mut self, s: &str) -> Result {
        self.raw(b"\"")?;
        self.escaped(s)?;
        self.raw(b"\"")
    }

    /// Appends the contents of `s`, escaped: runs of characters that need no escape are
    /// copied at once.
    fn escaped(&mut self, s: &str) -> Result {
        let bytes = s.as_bytes();
        let mut start = 0;
        let mut control = *b"\\u00XX";
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                b'\t' => b"\\t",
                b'\n' => b"\\n",
                0x0c => b"\\f",
                b'\r' => b"\\r",
                0x00..=0x1f => {
                    control[4] = b'0' + (b >> 4);
                    control[5] = HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0');
                    &control
                }
                _ => continue,
            };
            self.raw(bytes.get(start..i).unwrap_or_default())?;
            self.raw(escape)?;
            start = i + 1;
        }
        self.raw(bytes.get(start..).unwrap_or_default())
    }

    /// Appends an integer in decimal: `-` first when `negative`. Digits are produced with
    /// 32-bit division once the rest fits a `u32` (no 64-bit division for the usual values).
    #[inline(never)]
    fn int(&mut self, negative: bool, mut v: u64) -> Result {
        let mut buf = [0u8; 21];
        let mut i = buf.len();
        let mut push = |d: u8| {
            i -= 1;
            if let Some(slot) = buf.get_mut(i) {
                *slot = d;
            }
        };
        loop {
            if let Ok(mut small) = u32::try_from(v) {
                loop {
                    push(b'0' + (small % 10) as u8);
                    small /= 10;
                    if small == 0 {
                        break;
                    }
                }
                break;
            }
            push(b'0' + (v % 10) as u8);
            v /= 10;
        }
        if negative {
            push(b'-');
        }
        self.raw(buf.get(i..).unwrap_or_default())
    }

    /// Appends `{"variant":`: the start of an externally tagged enum variant with data.
    fn variant_tag(&mut self, variant: &str) -> Result {
        self.raw(b"{\"")?;
        self.raw(variant.as_bytes())?;
        self.raw(b"\":")
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes the members of an object, the elements of an array or the characters of a string.
pub(crate) struct Compound<'a, 'b> {
    ser: &'a mut Serializer<'b>,
    first: bool,
    /// Written at the end: `}`, `]`, `}}` (struct variant), `]}` (tuple variant), `"`.
    close: &'static [u8],
}

impl Compound<'_, '_> {
    /// The separator before a member or element.
    #[inline(never)]
    fn comma(&mut self) -> Result {
        if self.first {
            self.first = false;
            Ok(())
        } else {
            self.ser.raw(b",")
        }
    }

    /// `,"key":` (the key written as given, as `serde-json-core` does). Out of line: one copy
    /// for every member of every struct.
    #[inline(never)]
    fn key(&mut self, key: &str) -> Result {
        self.comma()?;
        self.ser.raw(b"\"")?;
        self.ser.raw(key.as_bytes())?;
        self.ser.raw(b"\":")
    }

    fn close(self) -> Result {
        self.ser.raw(self.close)
    }
}

impl<'a, 'b> ser::Serializer for &'a mut Serializer<'b> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result {
        self.raw(if v { b"true" } else { b"false" })
    }

    fn serialize_i8(self, v: i8) -> Result {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result {
        self.int(v < 0, v.unsigned_abs())
    }

    fn serialize_u8(self, v: u8) -> Result {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result {
        self.int(false, v)
    }

    /// Refused: see the module's documentation.
    fn serialize_f32(self, _v: f32) -> Result {
        Err(EncodeError::Unsupported)
    }

    /// Refused: see the module's documentation.
    fn serialize_f64(self, _v: f64) -> Result {
        Err(EncodeError::Unsupported)
    }

    fn serialize_char(self, v: char) -> Result {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result {
        self.string(v)
    }

    /// The bytes verbatim: see the module's documentation.
    fn serialize_bytes(self, v: &[u8]) -> Result {
        self.raw(v)
    }

    fn serialize_none(self) -> Result {
        self.raw(b"null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result {
        self.raw(b"null")
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result {
        self.raw(b"null")
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
    ) -> Result {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.variant_tag(variant)?;
        value.serialize(&mut *self)?;
        self.raw(b"}")
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'b>> {
        self.raw(b"[")?;
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]",
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'b>> {
        self.variant_tag(variant)?;
        self.raw(b"[")?;
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]}",
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'b>> {
        self.raw(b"{")?;
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}",
        })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _variant_index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'b>> {
        self.variant_tag(variant)?;
        self.raw(b"{")?;
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}}",
        })
    }

    /// The text `value` displays, as an escaped JSON string.
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result {
        struct Escaping<'a, 'b>(&'a mut Serializer<'b>, Result);

        impl fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.1 = self.0.escaped(s);
                self.1.map_err(|_| fmt::Error)
            }
        }

        self.raw(b"\"")?;
        let mut w = Escaping(self, Ok(()));
        if fmt::write(&mut w, format_args!("{value}")).is_err() {
            return Err(w.1.err().unwrap_or(EncodeError::Unsupported));
        }
        self.raw(b"\"")
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.comma()?;
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.comma()?;
        key.serialize(&mut *self.ser)?;
        self.ser.raw(b":")
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key)?;
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key)?;
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: Serialize + ?Sized>(value: &T) -> std::string::String {
        let mut buf = [0u8; 256];
        let n = to_slice(value, &mut buf).unwrap();
        std::str::from_utf8(&buf[..n]).unwrap().into()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_core_does() {
        assert_eq!(
            text("a\"b\\c\u{8}\t\n\u{c}\r\u{0}\u{1f}\u{7f}é/"),
            "\"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0000\\u001F\u{7f}é/\""
        );
        assert_eq!(text(&'"'), "\"\\\"\"");
    }

    #[test]
    fn integers_cover_their_whole_range() {
        assert_eq!(text(&i64::MIN), "-9223372036854775808");
        assert_eq!(text(&u64::MAX), "18446744073709551615");
        assert_eq!(text(&(u64::from(u32::MAX) + 1)), "4294967296");
        assert_eq!(text(&0u8), "0");
        assert_eq!(text(&-1i32), "-1");
    }

    /// What `serde-json-core` panics on is written, or refused with an error.
    #[test]
    fn no_value_panics() {
        #[derive(serde::Serialize)]
        enum E {
            T(u8, bool),
            S { a: u8 },
        }
        assert_eq!(text(&E::T(1, true)), r#"{"T":[1,true]}"#);
        assert_eq!(text(&E::S { a: 2 }), r#"{"S":{"a":2}}"#);
        assert_eq!(
            to_slice(&1.5f64, &mut [0; 8]),
            Err(EncodeError::Unsupported)
        );
        assert_eq!(to_slice(&"abc", &mut [0; 4]), Err(EncodeError::BufferFull));
    }
}
