//! JSON for OCPP-J: a strict, depth-bounded deserializer with OCPP-classified errors, and a
//! compact serializer into caller-owned buffers that never allocates and never panics.

mod de;
mod error;
mod ser;

pub(crate) use de::Unescape;
pub(crate) use de::{DATETIME_TOKEN, DECIMAL_TOKEN, RAW_JSON_TOKEN};
pub use de::{Deserializer, from_str, from_str_seed};
pub use error::{DecodeOptions, Error, ErrorKind};

use core::fmt;

/// Serialising into a caller's buffer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small for the message. Nothing meaningful was written.
    BufferFull,
    /// The value holds something this serializer does not write (a float), or its `Serialize`
    /// implementation failed. No type of this crate does either.
    Unsupported,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferFull => f.write_str("output buffer too small for the message"),
            EncodeError::Unsupported => f.write_str("value not representable as JSON here"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Serialises `value` as compact JSON into `buf`; returns the number of bytes written.
///
/// The serializer is this crate's own (see `json/ser.rs`): it writes what `serde-json-core` 0.7
/// writes for every type of this crate, byte for byte, but has no `unreachable!()` path (a
/// `char` is a string, a tuple variant `{"Variant":[...]}`) and refuses floats with
/// [`EncodeError::Unsupported`] instead of linking float printing.
pub fn to_slice<T: serde::Serialize + ?Sized>(
    value: &T,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    ser::to_slice(value, buf)
}

/// A cursor that appends to a caller's buffer; used to write frames around payloads.
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, len: 0 }
    }

    #[inline(never)]
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let dst = self
            .buf
            .get_mut(self.len..self.len + bytes.len())
            .ok_or(EncodeError::BufferFull)?;
        dst.copy_from_slice(bytes);
        self.len += bytes.len();
        Ok(())
    }

    /// Appends `value` serialised as JSON.
    pub(crate) fn json<T: serde::Serialize + ?Sized>(
        &mut self,
        value: &T,
    ) -> Result<(), EncodeError> {
        let rest = self
            .buf
            .get_mut(self.len..)
            .ok_or(EncodeError::BufferFull)?;
        self.len += to_slice(value, rest)?;
        Ok(())
    }

    /// Appends a frame's payload (see [`crate::rpc`]'s `Payload`).
    pub(crate) fn payload(&mut self, value: &dyn crate::rpc::Payload) -> Result<(), EncodeError> {
        let rest = self
            .buf
            .get_mut(self.len..)
            .ok_or(EncodeError::BufferFull)?;
        self.len += value.write_json(rest)?;
        Ok(())
    }

    pub(crate) fn finish(self) -> &'b str {
        let Writer { buf, len } = self;
        // Everything written is JSON produced from `&str`s and ASCII punctuation.
        core::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default()
    }
}
