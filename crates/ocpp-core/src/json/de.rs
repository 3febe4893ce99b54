//! A strict, allocation-free JSON deserializer for serde.
//!
//! Why not `serde-json-core`'s deserializer: it reports every serde error (missing field, unknown
//! enumeration value, string too long) as the same `CustomError`, so a charge point cannot choose
//! the right CALLERROR; it skips unknown values recursively with no depth bound (a crafted frame
//! exhausts a microcontroller's stack); and its "ignored" scalars are chomped without being
//! validated. This one is small, validates all input, bounds nesting, and classifies errors (see
//! [`ErrorKind`](super::ErrorKind)).
//!
//! Strings without escapes are handed to visitors borrowed from the input. Strings with escapes are
//! unescaped into a small stack buffer; one too long for it (only bounded-text fields are that long)
//! is handed over as a sequence of `char`s, which this crate's string types accept.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{DecodeOptions, Error, ErrorKind};

type Result<T> = core::result::Result<T, Error>;

/// Name a `Deserialize` impl passes to `deserialize_newtype_struct` to ask for a date-time parsed
/// with this deserializer's [`DecodeOptions`]. The value is then visited as milliseconds since the
/// Unix epoch through `visit_i64`.
pub(crate) const DATETIME_TOKEN: &str = "$ocpp::DateTime";

/// Name a `Deserialize` impl passes to `deserialize_newtype_struct` to ask for the text of a JSON
/// number, as `serde_json`'s `arbitrary_precision` does: the value must be a number (a string
/// holding one is an `InvalidType`), and its text, validated against the JSON grammar, is visited
/// through `visit_borrowed_str`. [`crate::types::Decimal`] uses it to read decimals exactly,
/// without floats.
pub(crate) const DECIMAL_TOKEN: &str = "$ocpp::Decimal";

/// Name a `Deserialize` impl passes to `deserialize_newtype_struct` to ask for the text of any
/// JSON value, validated (nesting bounded by [`DecodeOptions::max_depth`]) and visited through
/// `visit_borrowed_str` as it stands in the input, whitespace and escapes included:
/// [`crate::types::RawJson`] (OCPP 2.0.1 `DataTransfer.data`, whose type is "anyType").
pub(crate) const RAW_JSON_TOKEN: &str = "$ocpp::RawJson";

/// Name a struct passes to `deserialize_struct` (`#[serde(rename = "$ocpp::CustomData")]`, as
/// every OCPP 2.0.1 type does) to have a member `customData` accepted and skipped even with
/// [`DecodeOptions::deny_unknown_fields`]: OCPP-J 2.0.1 §9 gives every class of the 2.0.1
/// schemas that optional member, whose content is vendor-defined, and a receiver that does not
/// know the vendor "will simply ignore" it. Struct names are used by nothing else here (the
/// serializer does not write them).
pub(crate) const CUSTOM_DATA_STRUCT: &str = "$ocpp::CustomData";

/// Unescaped strings up to this many bytes are passed to `visit_str`; longer ones as a `char` seq.
const STACK_UNESCAPE: usize = 128;

/// Decodes `T` from the JSON text `input`, which must hold exactly one value.
pub fn from_str<'de, T: de::Deserialize<'de>>(input: &'de str, opts: &DecodeOptions) -> Result<T> {
    from_str_seed(input, opts, core::marker::PhantomData::<T>)
}

/// Decodes the JSON text `input`, which must hold exactly one value, with `seed`: for decoders
/// that put what they read straight into its destination instead of returning a value.
pub fn from_str_seed<'de, S: DeserializeSeed<'de>>(
    input: &'de str,
    opts: &DecodeOptions,
    seed: S,
) -> Result<S::Value> {
    let mut de = Deserializer::new(input, *opts);
    let value = seed.deserialize(&mut de).map_err(|mut e| {
        annotate(&mut e, None, de.pos);
        e
    })?;
    de.end()?;
    Ok(value)
}

/// Adds the field and the offset to an error that has none yet. Not generic and not inlined:
/// every value type's decoder calls this one copy, on the error where it lies (in the `Result`
/// the caller returns: a generic caller does not move it out and back in).
#[inline(never)]
fn annotate(e: &mut Error, field: Option<&'static str>, offset: usize) {
    if let Some(field) = field {
        e.set_field_if_unset(field);
    }
    e.set_offset_if_unset(offset);
}

/// A string value read by [`Deserializer::read_str`].
enum Text<'de, 'b> {
    /// Without escapes: borrowed from the input.
    Borrowed(&'de str),
    /// Unescaped into the caller's buffer.
    Unescaped(&'b str),
    /// With escapes and too long for the buffer: the raw contents, to visit as `char`s.
    Long(&'de str),
}

/// The deserializer. Construct with [`Deserializer::new`]; most users want [`from_str`].
pub struct Deserializer<'de> {
    input: &'de str,
    pos: usize,
    depth: u8,
    opts: DecodeOptions,
}

impl<'de> Deserializer<'de> {
    /// A deserializer over `input`.
    #[inline(never)]
    pub fn new(input: &'de str, opts: DecodeOptions) -> Self {
        Deserializer {
            input,
            pos: 0,
            depth: 0,
            opts,
        }
    }

    /// Checks that only whitespace follows the value that was read.
    #[inline(never)]
    pub fn end(&mut self) -> Result<()> {
        match self.peek_ws() {
            None => Ok(()),
            Some(_) => Err(self.err(ErrorKind::TrailingCharacters)),
        }
    }

    pub(crate) fn err(&self, kind: ErrorKind) -> Error {
        Error::at(kind, self.pos)
    }

    fn bytes(&self) -> &'de [u8] {
        self.input.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// Skips whitespace and returns the next byte without consuming it.
    #[inline(never)]
    pub(crate) fn peek_ws(&mut self) -> Option<u8> {
        while let Some(b) = self.peek() {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                return Some(b);
            }
        }
        None
    }

    #[inline(never)]
    fn peek_ws_or_eof(&mut self) -> Result<u8> {
        self.peek_ws()
            .ok_or_else(|| self.err(ErrorKind::UnexpectedEof))
    }

    /// Consumes `byte` (after whitespace) or fails with a syntax error.
    pub(crate) fn expect(&mut self, byte: u8) -> Result<()> {
        if self.peek_ws_or_eof()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(ErrorKind::Syntax))
        }
    }

    fn expect_literal(&mut self, lit: &[u8]) -> Result<()> {
        let end = self.pos + lit.len();
        match self.bytes().get(self.pos..end) {
            Some(s) if s == lit => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(self.err(ErrorKind::Syntax)),
            None => Err(self.err(ErrorKind::UnexpectedEof)),
        }
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth >= self.opts.max_depth {
            return Err(self.err(ErrorKind::TooDeep));
        }
        self.depth += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Reads a string at the cursor (after whitespace). Returns its raw contents between the
    /// quotes, still escaped, and whether it contains escapes. Validates escapes and rejects
    /// unescaped control characters, as RFC 8259 §7 requires.
    pub(crate) fn parse_str_raw(&mut self) -> Result<(&'de str, bool)> {
        match self.peek_ws_or_eof()? {
            b'"' => {}
            _ => return Err(self.err(ErrorKind::InvalidType)),
        }
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.err(ErrorKind::UnexpectedEof));
            };
            match b {
                b'"' => {
                    let raw = self
                        .input
                        .get(start..self.pos)
                        .ok_or_else(|| self.err(ErrorKind::Syntax))?;
                    self.pos += 1;
                    return Ok((raw, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1;
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                match self.peek() {
                                    Some(h) if h.is_ascii_hexdigit() => self.pos += 1,
                                    Some(_) => return Err(self.err(ErrorKind::Syntax)),
                                    None => return Err(self.err(ErrorKind::UnexpectedEof)),
                                }
                            }
                        }
                        Some(_) => return Err(self.err(ErrorKind::Syntax)),
                        None => return Err(self.err(ErrorKind::UnexpectedEof)),
                    }
                }
                0x00..=0x1f => return Err(self.err(ErrorKind::Syntax)),
                _ => self.pos += 1,
            }
        }
    }

    /// Reads a number at the cursor, validating the JSON grammar. Returns its text and whether it
    /// is an integer (no fraction, no exponent).
    pub(crate) fn parse_number_raw(&mut self) -> Result<(&'de str, bool)> {
        self.peek_ws_or_eof()?;
        let start = self.pos;
        let mut integer = true;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.eat_digits(),
            Some(_) => return Err(self.err(ErrorKind::InvalidType)),
            None => return Err(self.err(ErrorKind::UnexpectedEof)),
        }
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err(ErrorKind::Syntax));
            }
            self.eat_digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.err(ErrorKind::Syntax));
            }
            self.eat_digits();
        }
        let text = self
            .input
            .get(start..self.pos)
            .ok_or_else(|| self.err(ErrorKind::Syntax))?;
        Ok((text, integer))
    }

    fn eat_digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// Skips one complete value, validating it; nesting is bounded by `max_depth`.
    pub(crate) fn skip_value(&mut self) -> Result<()> {
        match self.peek_ws_or_eof()? {
            b'"' => self.parse_str_raw().map(|_| ()),
            b'n' => self.expect_literal(b"null"),
            b't' => self.expect_literal(b"true"),
            b'f' => self.expect_literal(b"false"),
            b'-' | b'0'..=b'9' => self.parse_number_raw().map(|_| ()),
            b'[' => {
                self.pos += 1;
                self.enter()?;
                let mut first = true;
                loop {
                    if self.peek_ws_or_eof()? == b']' && first {
                        self.pos += 1;
                        break;
                    }
                    if !first {
                        match self.peek_ws_or_eof()? {
                            b',' => self.pos += 1,
                            b']' => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.err(ErrorKind::Syntax)),
                        }
                    }
                    first = false;
                    self.skip_value()?;
                }
                self.leave();
                Ok(())
            }
            b'{' => {
                self.pos += 1;
                self.enter()?;
                let mut first = true;
                loop {
                    if self.peek_ws_or_eof()? == b'}' && first {
                        self.pos += 1;
                        break;
                    }
                    if !first {
                        match self.peek_ws_or_eof()? {
                            b',' => self.pos += 1,
                            b'}' => {
                                self.pos += 1;
                                break;
                            }
                            _ => return Err(self.err(ErrorKind::Syntax)),
                        }
                    }
                    first = false;
                    if self.peek_ws_or_eof()? != b'"' {
                        return Err(self.err(ErrorKind::Syntax));
                    }
                    self.parse_str_raw()?;
                    self.expect(b':')?;
                    self.skip_value()?;
                }
                self.leave();
                Ok(())
            }
            _ => Err(self.err(ErrorKind::Syntax)),
        }
    }

    /// Skips one value and returns its text.
    pub(crate) fn raw_value(&mut self) -> Result<&'de str> {
        self.peek_ws_or_eof()?;
        let start = self.pos;
        self.skip_value()?;
        self.input
            .get(start..self.pos)
            .ok_or_else(|| self.err(ErrorKind::Syntax))
    }

    /// Reads a string value, unescaping it into `buf` when it has escapes and fits. Anything
    /// else is a type error (after validating the value). The non-generic part of every string
    /// visitor's decoding.
    #[inline(never)]
    fn read_str<'b>(&mut self, buf: &'b mut [u8; STACK_UNESCAPE]) -> Result<Text<'de, 'b>> {
        if self.peek_ws_or_eof()? != b'"' {
            self.skip_value()?;
            return Err(self.err(ErrorKind::InvalidType));
        }
        let (raw, escaped) = self.parse_str_raw()?;
        if !escaped {
            return Ok(Text::Borrowed(raw));
        }
        match unescape_into(raw, buf) {
            Ok(Some(s)) => Ok(Text::Unescaped(s)),
            Ok(None) => Ok(Text::Long(raw)),
            Err(()) => Err(self.err(ErrorKind::Syntax)),
        }
    }

    /// Opens an object or array (`open` is `{` or `[`), counting the nesting; anything else is
    /// a type error (after validating the value).
    #[inline(never)]
    fn open(&mut self, open: u8) -> Result<()> {
        if self.peek_ws_or_eof()? != open {
            self.skip_value()?;
            return Err(self.err(ErrorKind::InvalidType));
        }
        self.pos += 1;
        self.enter()
    }

    /// Closes what [`Deserializer::open`] opened: `close` must follow, else `otherwise`.
    #[inline(never)]
    fn close(&mut self, close: u8, otherwise: ErrorKind) -> Result<()> {
        if self.peek_ws_or_eof()? != close {
            return Err(self.err(otherwise));
        }
        self.pos += 1;
        self.leave();
        Ok(())
    }

    /// Consumes a `null`, if that is what follows.
    #[inline(never)]
    fn null(&mut self) -> Result<bool> {
        if self.peek_ws_or_eof()? == b'n' {
            self.expect_literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads the text of a JSON number for [`DECIMAL_TOKEN`]; anything else is a type error
    /// (after validating the value).
    #[inline(never)]
    fn read_decimal_text(&mut self) -> Result<&'de str> {
        let at = self.pos;
        if !matches!(self.peek_ws_or_eof()?, b'-' | b'0'..=b'9') {
            self.skip_value()?;
            return Err(Error::at(ErrorKind::InvalidType, at));
        }
        let (text, _) = self.parse_number_raw()?;
        Ok(text)
    }

    /// Reads a date-time for [`DATETIME_TOKEN`], with this deserializer's options: milliseconds
    /// since the Unix epoch.
    #[inline(never)]
    fn read_datetime_millis(&mut self) -> Result<i64> {
        let at = self.pos;
        if self.peek_ws_or_eof()? != b'"' {
            self.skip_value()?;
            return Err(Error::at(ErrorKind::InvalidType, at));
        }
        let (raw, escaped) = self.parse_str_raw()?;
        let mut buf = [0u8; 64];
        let text = if escaped {
            match unescape_into(raw, &mut buf) {
                Ok(Some(s)) => s,
                _ => return Err(Error::at(ErrorKind::InvalidDateTime, at)),
            }
        } else {
            raw
        };
        let dt = crate::types::DateTime::parse_with(text, self.opts.allow_missing_offset)
            .map_err(|_| Error::at(ErrorKind::InvalidDateTime, at))?;
        Ok(dt.unix_millis())
    }

    #[inline(never)]
    fn parse_integer(&mut self) -> Result<Integer> {
        let at = self.pos;
        let (text, integer) = self.parse_number_raw()?;
        if !integer {
            return Err(Error::at(ErrorKind::InvalidType, at));
        }
        parse_integer_text(text).ok_or(Error::at(ErrorKind::InvalidValue, at))
    }

    /// Validates the value at the cursor and refuses it as a float: see `deserialize_f64`.
    fn no_float<T>(&mut self) -> Result<T> {
        let at = self.pos;
        self.skip_value()?;
        Err(Error::at(ErrorKind::InvalidType, at))
    }

    fn visit_integer<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.parse_integer()? {
            Integer::Neg(v) => visitor.visit_i64(v),
            Integer::Pos(v) => visitor.visit_u64(v),
        }
    }
}

enum Integer {
    Neg(i64),
    Pos(u64),
}

fn parse_integer_text(text: &str) -> Option<Integer> {
    if let Some(digits) = text.strip_prefix('-') {
        let mut v: i64 = 0;
        for d in digits.bytes() {
            v = v.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
        }
        Some(Integer::Neg(v))
    } else {
        let mut v: u64 = 0;
        for d in text.bytes() {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        Some(Integer::Pos(v))
    }
}

/// Iterator over the characters of a raw (escaped) JSON string's contents.
#[derive(Clone)]
pub(crate) struct Unescape<'a> {
    rest: &'a str,
}

impl<'a> Unescape<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        Unescape { rest: raw }
    }

    fn hex4(&mut self) -> Option<u16> {
        let h = self.rest.get(..4)?;
        self.rest = self.rest.get(4..)?;
        u16::from_str_radix(h, 16).ok()
    }
}

impl Iterator for Unescape<'_> {
    /// `Err(())` for a malformed escape or a lone surrogate.
    type Item = core::result::Result<char, ()>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut chars = self.rest.chars();
        let c = chars.next()?;
        self.rest = chars.as_str();
        if c != '\\' {
            return Some(Ok(c));
        }
        let mut chars = self.rest.chars();
        let e = chars.next();
        self.rest = chars.as_str();
        let out = match e {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let Some(hi) = self.hex4() else {
                    return Some(Err(()));
                };
                if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if !self.rest.starts_with("\\u") {
                        return Some(Err(()));
                    }
                    self.rest = self.rest.get(2..).unwrap_or("");
                    let Some(lo) = self.hex4() else {
                        return Some(Err(()));
                    };
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Some(Err(()));
                    }
                    let code =
                        0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                    return Some(char::from_u32(code).ok_or(()));
                }
                match char::from_u32(u32::from(hi)) {
                    Some(c) => c,
                    None => return Some(Err(())),
                }
            }
            _ => return Some(Err(())),
        };
        Some(Ok(out))
    }
}

/// Unescapes `raw` into `buf`. `Ok(None)` when it does not fit.
fn unescape_into<'b>(raw: &str, buf: &'b mut [u8]) -> core::result::Result<Option<&'b str>, ()> {
    let mut len = 0;
    for c in Unescape::new(raw) {
        let c = c?;
        let n = c.len_utf8();
        let Some(dst) = buf.get_mut(len..len + n) else {
            // Validate the rest even though it does not fit, so errors stay syntax errors.
            return Unescape::new(raw)
                .try_for_each(|c| c.map(|_| ()))
                .map(|()| None);
        };
        c.encode_utf8(dst);
        len += n;
    }
    let bytes = buf.get(..len).ok_or(())?;
    core::str::from_utf8(bytes).map(Some).map_err(|_| ())
}

/// A string with escapes that is too long for the stack buffer, presented as a sequence of chars.
struct EscapedChars<'a> {
    chars: Unescape<'a>,
}

impl<'de> de::SeqAccess<'de> for EscapedChars<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.chars.next() {
            None => Ok(None),
            Some(Ok(c)) => seed.deserialize(c.into_deserializer()).map(Some),
            Some(Err(())) => Err(Error::new(ErrorKind::Syntax)),
        }
    }
}

macro_rules! deserialize_integer {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.visit_integer(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek_ws_or_eof()? {
            b'n' => {
                self.expect_literal(b"null")?;
                visitor.visit_unit()
            }
            b't' | b'f' => self.deserialize_bool(visitor),
            b'"' => self.deserialize_str(visitor),
            b'[' => self.deserialize_seq(visitor),
            b'{' => self.deserialize_map(visitor),
            b'-' | b'0'..=b'9' => {
                let at = self.pos;
                let (text, integer) = self.parse_number_raw()?;
                // No floats (see `deserialize_f64`): a fraction or an exponent is only read where
                // a `Decimal` asks for it.
                if !integer {
                    return Err(Error::at(ErrorKind::InvalidType, at));
                }
                match parse_integer_text(text) {
                    Some(Integer::Neg(v)) => visitor.visit_i64(v),
                    Some(Integer::Pos(v)) => visitor.visit_u64(v),
                    None => Err(Error::at(ErrorKind::InvalidValue, at)),
                }
            }
            _ => Err(self.err(ErrorKind::Syntax)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek_ws_or_eof()? {
            b't' => {
                self.expect_literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.expect_literal(b"false")?;
                visitor.visit_bool(false)
            }
            _ => {
                // Validate the value so a syntax error is not reported as a type error.
                self.skip_value()?;
                Err(self.err(ErrorKind::InvalidType))
            }
        }
    }

    deserialize_integer!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64);

    /// Refused, after validating the value: see `deserialize_f64`.
    fn deserialize_f32<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        self.no_float()
    }

    /// Refused, after validating the value: this deserializer has no float code, so that none is
    /// linked into a firmware (core's `dec2flt` alone is kilobytes of flash). No type of this
    /// crate asks for a float; decimals are [`crate::types::Decimal`], read exactly through
    /// `DECIMAL_TOKEN`.
    fn deserialize_f64<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        self.no_float()
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut buf = [0u8; STACK_UNESCAPE];
        match self.read_str(&mut buf)? {
            Text::Borrowed(s) => visitor.visit_borrowed_str(s),
            Text::Unescaped(s) => visitor.visit_str(s),
            Text::Long(raw) => visitor.visit_seq(EscapedChars {
                chars: Unescape::new(raw),
            }),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.null()? {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek_ws_or_eof()? == b'n' {
            self.expect_literal(b"null")?;
            visitor.visit_unit()
        } else {
            self.skip_value()?;
            Err(self.err(ErrorKind::InvalidType))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == DECIMAL_TOKEN {
            return visitor.visit_borrowed_str(self.read_decimal_text()?);
        }
        if name == DATETIME_TOKEN {
            return visitor.visit_i64(self.read_datetime_millis()?);
        }
        if name == RAW_JSON_TOKEN {
            return visitor.visit_borrowed_str(self.raw_value()?);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.open(b'[')?;
        let value = visitor.visit_seq(Seq {
            de: self,
            first: true,
        })?;
        // The visitor may stop before the end (a bounded list that is full reports its own
        // error, so reaching here means it consumed what it wanted): require the close.
        self.close(b']', ErrorKind::TooManyItems)?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.object(None, false, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.object(Some(fields), name == CUSTOM_DATA_STRUCT, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.peek_ws_or_eof()? {
            // OCPP enumerations are strings: unit variants.
            b'"' => visitor.visit_enum(UnitVariant { de: self }),
            // Externally tagged `{"Variant": value}`, used by this crate's own storage records.
            b'{' => {
                self.pos += 1;
                self.enter()?;
                let value = visitor.visit_enum(TaggedVariant { de: self })?;
                self.expect(b'}')?;
                self.leave();
                Ok(value)
            }
            _ => {
                self.skip_value()?;
                Err(self.err(ErrorKind::InvalidType))
            }
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }
}

impl<'de> Deserializer<'de> {
    fn object<V: Visitor<'de>>(
        &mut self,
        fields: Option<&'static [&'static str]>,
        custom_data: bool,
        visitor: V,
    ) -> Result<V::Value> {
        self.open(b'{')?;
        let value = visitor.visit_map(Map {
            de: self,
            fields,
            custom_data,
            current: None,
            first: true,
        })?;
        // A struct visitor reads every member; reaching here with members left means one of them
        // was ignored by a visitor that stopped early, which the derive never does.
        self.close(b'}', ErrorKind::Syntax)?;
        Ok(value)
    }
}

struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.de.next_element(&mut self.first)? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

impl Deserializer<'_> {
    /// Reads the separator before an array's next element (none before the first): whether
    /// an element follows (`false` at the closing `]`, left for the caller). Not generic: every
    /// array's element loop calls it.
    #[inline(never)]
    fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        match self.peek_ws_or_eof()? {
            b']' => return Ok(false),
            b',' if !*first => {
                self.pos += 1;
                if self.peek_ws_or_eof()? == b']' {
                    return Err(self.err(ErrorKind::Syntax));
                }
            }
            _ if *first => {}
            _ => return Err(self.err(ErrorKind::Syntax)),
        }
        *first = false;
        Ok(true)
    }
}

struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    fields: Option<&'static [&'static str]>,
    /// A `customData` member is skipped even with `deny_unknown_fields` (see
    /// [`CUSTOM_DATA_STRUCT`]).
    custom_data: bool,
    current: Option<&'static str>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let mut buf = [0u8; 64];
        let Some(key) =
            self.de
                .next_member(&mut self.first, self.fields, self.custom_data, &mut buf)?
        else {
            return Ok(None);
        };
        match key {
            // A struct's member: the derived field visitor gets the field's index, so that the
            // name is matched once, here, on the struct's static table (no per-struct string
            // matching is linked).
            Key::Index(i, field) => {
                self.current = field;
                seed.deserialize(de::value::U64Deserializer::<Error>::new(i as u64))
            }
            Key::Borrowed(raw) => {
                self.current = None;
                seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(raw))
            }
            Key::Unescaped(key) => {
                self.current = None;
                seed.deserialize(de::value::StrDeserializer::<Error>::new(key))
            }
        }
        .map(Some)
    }

    #[inline(never)]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let at = self.de.pos;
        let field = self.current;
        let mut value = seed.deserialize(&mut *self.de);
        if let Err(e) = &mut value {
            annotate(e, field, at);
        }
        value
    }
}

/// A member name, read by [`Deserializer::member_key`].
enum Key<'de, 'b> {
    /// Of a struct: the index in its field table (the table's length for an unknown member),
    /// and the field's name.
    Index(usize, Option<&'static str>),
    /// Of a map: the name as written.
    Borrowed(&'de str),
    /// Of a map: the name unescaped.
    Unescaped(&'b str),
}

impl<'de> Deserializer<'de> {
    /// Reads the separator before an object's next member (none before the first), then the
    /// member's name and the `:` after it (see [`Deserializer::member_key`]); `None` at the
    /// closing `}` (left for the caller). Not generic: every object's member loop calls it.
    #[inline(never)]
    fn next_member<'b>(
        &mut self,
        first: &mut bool,
        fields: Option<&'static [&'static str]>,
        custom_data: bool,
        buf: &'b mut [u8; 64],
    ) -> Result<Option<Key<'de, 'b>>> {
        match self.peek_ws_or_eof()? {
            b'}' => return Ok(None),
            b',' if !*first => {
                self.pos += 1;
                self.peek_ws_or_eof()?;
            }
            _ if *first => {}
            _ => return Err(self.err(ErrorKind::Syntax)),
        }
        *first = false;
        self.member_key(fields, custom_data, buf).map(Some)
    }

    /// Reads a member name and the `:` after it. For a struct (`fields`), looks the name up in
    /// the field table; an unknown one is an error with `deny_unknown_fields`, except
    /// `customData` when `custom_data` (see [`CUSTOM_DATA_STRUCT`]).
    #[inline(never)]
    fn member_key<'b>(
        &mut self,
        fields: Option<&'static [&'static str]>,
        custom_data: bool,
        buf: &'b mut [u8; 64],
    ) -> Result<Key<'de, 'b>> {
        if self.peek_ws_or_eof()? != b'"' {
            return Err(self.err(ErrorKind::Syntax));
        }
        let key_at = self.pos;
        let (raw, escaped) = self.parse_str_raw()?;
        let unescaped: Option<&'b str> = if escaped {
            match unescape_into(raw, buf) {
                Ok(Some(s)) => Some(s),
                // Longer than any member name of any OCPP message: cannot be a known field.
                Ok(None) => Some(""),
                Err(()) => return Err(Error::at(ErrorKind::Syntax, key_at)),
            }
        } else {
            None
        };
        let key = match (fields, unescaped) {
            (Some(fields), _) => {
                let name = unescaped.unwrap_or(raw);
                let i = fields.iter().position(|f| *f == name);
                if i.is_none()
                    && self.opts.deny_unknown_fields
                    && !(custom_data && name == "customData")
                {
                    return Err(Error::at(ErrorKind::UnknownField, key_at));
                }
                let i = i.unwrap_or(fields.len());
                Key::Index(i, fields.get(i).copied())
            }
            (None, Some(name)) => Key::Unescaped(name),
            (None, None) => Key::Borrowed(raw),
        };
        self.expect(b':')?;
        Ok(key)
    }
}

struct UnitVariant<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for UnitVariant<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let at = self.de.pos;
        let value = seed.deserialize(&mut *self.de).map_err(|mut e| {
            annotate(&mut e, None, at);
            e
        })?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value> {
        Err(self.de.err(ErrorKind::InvalidType))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value> {
        Err(self.de.err(ErrorKind::InvalidType))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value> {
        Err(self.de.err(ErrorKind::InvalidType))
    }
}

/// `{"Variant": value}`: the cursor is after the `{`.
struct TaggedVariant<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'de> de::EnumAccess<'de> for TaggedVariant<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        if self.de.peek_ws_or_eof()? != b'"' {
            return Err(self.de.err(ErrorKind::Syntax));
        }
        let value = seed.deserialize(&mut *self.de)?;
        self.de.expect(b':')?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for TaggedVariant<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.de.object(Some(fields), false, visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Record {
        Unit,
        Newtype(u32),
        Tuple(u32, bool),
        Struct { a: u32, b: Option<bool> },
    }

    #[test]
    fn externally_tagged_enums_round_trip() {
        let mut buf = [0u8; 128];
        for r in [
            Record::Unit,
            Record::Newtype(7),
            Record::Tuple(1, false),
            Record::Struct {
                a: 3,
                b: Some(true),
            },
        ] {
            let n = crate::json::to_slice(&r, &mut buf).unwrap();
            let text = core::str::from_utf8(&buf[..n]).unwrap();
            assert_eq!(
                from_str::<Record>(text, &DecodeOptions::DEFAULT).unwrap(),
                r,
                "{text}"
            );
        }
        assert_eq!(
            from_str::<Record>(r#"{"Unit":null}"#, &DecodeOptions::DEFAULT).unwrap(),
            Record::Unit
        );
        assert!(from_str::<Record>(r#"{"Nope":1}"#, &DecodeOptions::DEFAULT).is_err());
        assert!(from_str::<Record>(r#"{"Newtype":1,"x":2}"#, &DecodeOptions::DEFAULT).is_err());
    }

    fn kind<T: de::DeserializeOwned>(text: &str) -> ErrorKind {
        from_str::<T>(text, &DecodeOptions::DEFAULT)
            .err()
            .unwrap()
            .kind()
    }

    /// No float code: a type asking for `f64`/`f32` gets a type error (after the value was
    /// validated, so broken JSON is still a syntax error), and so does a schema-less value.
    #[test]
    fn floats_are_refused() {
        assert_eq!(kind::<f64>("1.5"), ErrorKind::InvalidType);
        assert_eq!(kind::<f32>("1"), ErrorKind::InvalidType);
        assert_eq!(kind::<f64>("1.5e"), ErrorKind::Syntax);
        assert_eq!(kind::<f64>("[1.5,"), ErrorKind::UnexpectedEof);
        assert_eq!(kind::<Any>("1.5"), ErrorKind::InvalidType);
        assert_eq!(kind::<Any>("1e3"), ErrorKind::InvalidType);
        assert_eq!(kind::<Any>("-0.0"), ErrorKind::InvalidType);
        assert_eq!(kind::<Any>("18446744073709551616"), ErrorKind::InvalidValue);
        assert_eq!(
            from_str::<Any>("-9223372036854775808", &DecodeOptions::DEFAULT).unwrap(),
            Any
        );
    }

    /// A schema-less value, read through `deserialize_any`.
    #[derive(Debug, PartialEq)]
    struct Any;

    impl<'de> Deserialize<'de> for Any {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> core::result::Result<Any, D::Error> {
            d.deserialize_any(de::IgnoredAny).map(|_| Any)
        }
    }

    /// Unknown members are skipped whatever number they hold: skipping validates the grammar
    /// but reads no value.
    #[test]
    fn unknown_members_may_hold_any_number() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Period {
            #[serde(rename = "startPeriod")]
            start_period: i32,
            limit: crate::types::Decimal,
        }
        let p: Period = from_str(
            r#"{"startPeriod":0,"x":1.5e308,"limit":1.6E+1,"y":[-0.0,1e-999,123456789012345678901234567890]}"#,
            &DecodeOptions::DEFAULT,
        )
        .unwrap();
        assert_eq!(
            p,
            Period {
                start_period: 0,
                limit: crate::types::Decimal::from_int(16),
            }
        );
        assert_eq!(
            kind::<Period>(r#"{"startPeriod":0,"limit":"16"}"#),
            ErrorKind::InvalidType
        );
        assert_eq!(
            kind::<Period>(r#"{"startPeriod":1.0,"limit":16}"#),
            ErrorKind::InvalidType
        );
    }
}
