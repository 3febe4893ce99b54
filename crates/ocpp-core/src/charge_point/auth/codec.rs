//! The persistence format shared by [`AuthCache`](super::AuthCache) and
//! [`LocalAuthList`](super::LocalAuthList).
//!
//! §3.5.1 and §3.5.2 ask for both to survive reboots, resets (errata v4.0 §3.4) and power
//! outages. The core has no storage of its own: it writes a compact, self-checking image into a
//! buffer the caller stores, and reads one back. Flash wears out and writes get interrupted, so
//! an image is checked (magic, format version, length fields, CRC-32, value ranges) and refused
//! as a whole rather than half-loaded; the caller then starts from an empty cache or list (and,
//! for the list, the central system resynchronises it: version 0 makes it send a Full update).
//!
//! # Format, version 1
//!
//! All integers are little-endian.
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic: `OCAC` (authorization cache) or `OCLL` (local authorization list) |
//! | 1 | format version: `1` |
//! | 4 | list only: `listVersion` (`i32`, `>= 0`; 0 only with no entries) |
//! | 4 | entry count (`u32`, at most the capacity `N` of the decoding type) |
//! | ... | the entries, see below (the cache's oldest first) |
//! | 4 | CRC-32 (IEEE 802.3, as zlib's `crc32`) of every preceding byte |
//!
//! One entry:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | idTag length `L`, 0..=20 |
//! | L | idTag, UTF-8 |
//! | 1 | status: 0 Accepted, 1 Blocked, 2 Expired, 3 Invalid, 4 ConcurrentTx |
//! | 1 | flags: bit 0 expiryDate present, bit 1 parentIdTag present, other bits zero |
//! | 8 | if bit 0: expiryDate, milliseconds since the Unix epoch (`i64`, years 0000-9999) |
//! | 1+P | if bit 1: parentIdTag length `P` (0..=20), then `P` bytes of UTF-8 |
//!
//! A later format gets a new version number; a decoder refuses versions it does not know.

use super::AuthError;
use crate::types::DateTime;
use crate::v16::{AuthorizationStatus, IdTagInfo, IdToken};

/// The format version this code writes and reads.
pub(super) const FORMAT_VERSION: u8 = 1;
/// Magic of an authorization cache image.
pub(super) const CACHE_MAGIC: [u8; 4] = *b"OCAC";
/// Magic of a local authorization list image.
pub(super) const LIST_MAGIC: [u8; 4] = *b"OCLL";
/// Magic, format version and entry count.
pub(super) const HEADER_LEN: usize = 4 + 1 + 4;
use crate::charge_point::image;
/// The trailing CRC-32.
pub(super) use crate::charge_point::image::CRC_LEN;
/// The largest entry: idTag, status, flags, expiryDate, parentIdTag.
pub(super) const ENTRY_MAX: usize = 1 + IdToken::MAX_LEN + 1 + 1 + 8 + 1 + IdToken::MAX_LEN;

const FLAG_EXPIRY: u8 = 1;
const FLAG_PARENT: u8 = 2;

pub(super) use crate::charge_point::image::crc32;

/// The encoded size of one entry.
pub(super) fn entry_len(id_tag: &str, info: &IdTagInfo) -> usize {
    1 + id_tag.len()
        + 2
        + if info.expiry_date.is_some() { 8 } else { 0 }
        + info.parent_id_tag.as_ref().map_or(0, |p| 1 + p.len())
}

fn status_code(status: AuthorizationStatus) -> u8 {
    match status {
        AuthorizationStatus::Accepted => 0,
        AuthorizationStatus::Blocked => 1,
        AuthorizationStatus::Expired => 2,
        AuthorizationStatus::Invalid => 3,
        AuthorizationStatus::ConcurrentTx => 4,
    }
}

fn status_from_code(code: u8) -> Result<AuthorizationStatus, AuthError> {
    Ok(match code {
        0 => AuthorizationStatus::Accepted,
        1 => AuthorizationStatus::Blocked,
        2 => AuthorizationStatus::Expired,
        3 => AuthorizationStatus::Invalid,
        4 => AuthorizationStatus::ConcurrentTx,
        _ => return Err(AuthError::Malformed),
    })
}

/// Writes into a caller's buffer whose size was checked beforehand; still never panics.
pub(super) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(super) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    pub(super) fn put(&mut self, bytes: &[u8]) -> Result<(), AuthError> {
        let end = self.pos.checked_add(bytes.len());
        let dst = end.and_then(|end| self.buf.get_mut(self.pos..end)).ok_or(
            AuthError::BufferTooSmall {
                needed: self.pos.saturating_add(bytes.len()),
            },
        )?;
        dst.copy_from_slice(bytes);
        self.pos += bytes.len();
        Ok(())
    }

    pub(super) fn header(&mut self, magic: [u8; 4]) -> Result<(), AuthError> {
        self.put(&magic)?;
        self.put(&[FORMAT_VERSION])
    }

    pub(super) fn count(&mut self, n: usize) -> Result<(), AuthError> {
        let n = u32::try_from(n).map_err(|_| AuthError::Malformed)?;
        self.put(&n.to_le_bytes())
    }

    fn short_str(&mut self, s: &str) -> Result<(), AuthError> {
        // Callers only pass IdTokens (at most 20 bytes).
        let len = u8::try_from(s.len()).map_err(|_| AuthError::IdTagTooLong)?;
        self.put(&[len])?;
        self.put(s.as_bytes())
    }

    pub(super) fn entry(&mut self, id_tag: &str, info: &IdTagInfo) -> Result<(), AuthError> {
        self.short_str(id_tag)?;
        let mut flags = 0;
        if info.expiry_date.is_some() {
            flags |= FLAG_EXPIRY;
        }
        if info.parent_id_tag.is_some() {
            flags |= FLAG_PARENT;
        }
        self.put(&[status_code(info.status), flags])?;
        if let Some(expiry) = info.expiry_date {
            self.put(&expiry.unix_millis().to_le_bytes())?;
        }
        if let Some(parent) = &info.parent_id_tag {
            self.short_str(parent)?;
        }
        Ok(())
    }

    /// Appends the CRC of everything written so far and returns the total length.
    pub(super) fn finish(mut self) -> Result<usize, AuthError> {
        let crc = crc32(self.buf.get(..self.pos).unwrap_or_default());
        self.put(&crc.to_le_bytes())?;
        Ok(self.pos)
    }
}

/// Reads an image whose CRC was checked; any short or out-of-range field is `Malformed`.
pub(super) struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Checks the trailing CRC, the magic and the format version, and returns a reader over the
    /// body (what follows the format version, without the CRC).
    pub(super) fn open(data: &'a [u8], magic: [u8; 4]) -> Result<Self, AuthError> {
        let (version, body) = image::open(data, magic).map_err(|e| match e {
            image::ImageError::Malformed => AuthError::Malformed,
            image::ImageError::BadMagic => AuthError::BadMagic,
            image::ImageError::ChecksumMismatch => AuthError::ChecksumMismatch,
        })?;
        match version {
            FORMAT_VERSION => Ok(Reader { data: body }),
            v => Err(AuthError::UnsupportedFormat(v)),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], AuthError> {
        let (head, rest) = self.data.split_at_checked(n).ok_or(AuthError::Malformed)?;
        self.data = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, AuthError> {
        self.take(1)?.first().copied().ok_or(AuthError::Malformed)
    }

    fn array<const K: usize>(&mut self) -> Result<[u8; K], AuthError> {
        self.take(K)?.try_into().map_err(|_| AuthError::Malformed)
    }

    pub(super) fn i32(&mut self) -> Result<i32, AuthError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    /// The entry count, refused when above `capacity`.
    pub(super) fn count(&mut self, capacity: usize) -> Result<usize, AuthError> {
        let n = u32::from_le_bytes(self.array()?);
        match usize::try_from(n) {
            Ok(n) if n <= capacity => Ok(n),
            _ => Err(AuthError::TooManyEntries),
        }
    }

    fn id_token(&mut self) -> Result<IdToken, AuthError> {
        let len = usize::from(self.byte()?);
        let bytes = self.take(len)?;
        let s = core::str::from_utf8(bytes).map_err(|_| AuthError::Malformed)?;
        IdToken::try_from(s).map_err(|_| AuthError::Malformed)
    }

    pub(super) fn entry(&mut self) -> Result<(IdToken, IdTagInfo), AuthError> {
        let id_tag = self.id_token()?;
        let status = status_from_code(self.byte()?)?;
        let flags = self.byte()?;
        if flags & !(FLAG_EXPIRY | FLAG_PARENT) != 0 {
            return Err(AuthError::Malformed);
        }
        let expiry_date = if flags & FLAG_EXPIRY != 0 {
            let millis = i64::from_le_bytes(self.array()?);
            Some(DateTime::from_unix_millis(millis).ok_or(AuthError::Malformed)?)
        } else {
            None
        };
        let parent_id_tag = if flags & FLAG_PARENT != 0 {
            Some(self.id_token()?)
        } else {
            None
        };
        Ok((
            id_tag,
            IdTagInfo {
                expiry_date,
                parent_id_tag,
                status,
            },
        ))
    }

    /// Succeeds only when every byte was read: trailing bytes mean a damaged or foreign image.
    pub(super) fn end(&self) -> Result<(), AuthError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(AuthError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_len_matches_what_is_written() {
        let info = IdTagInfo {
            expiry_date: DateTime::from_unix_millis(1_700_000_000_000),
            parent_id_tag: Some(IdToken::try_from("PARENT").unwrap()),
            status: AuthorizationStatus::Blocked,
        };
        let mut buf = [0u8; ENTRY_MAX];
        let mut w = Writer::new(&mut buf);
        w.entry("ABCDEFGHIJKLMNOPQRST", &info).unwrap();
        let len = w.pos;
        assert_eq!(len, entry_len("ABCDEFGHIJKLMNOPQRST", &info));
        let mut r = Reader {
            data: buf.get(..len).unwrap(),
        };
        let (id, back) = r.entry().unwrap();
        assert_eq!(id, "ABCDEFGHIJKLMNOPQRST");
        assert_eq!(back, info);
        r.end().unwrap();
    }

    #[test]
    fn every_status_round_trips_and_unknown_codes_are_refused() {
        for &s in AuthorizationStatus::ALL {
            assert_eq!(status_from_code(status_code(s)), Ok(s));
        }
        assert_eq!(status_from_code(5), Err(AuthError::Malformed));
    }
}
