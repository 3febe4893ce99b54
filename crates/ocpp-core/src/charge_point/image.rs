//! Checked binary images: `magic (4) | format version (1) | body | CRC-32 (4, little endian)`.
//!
//! The records of [`super::auth`] and [`super::smart_charging`] share this envelope, so that a
//! damaged or foreign record is refused the same way everywhere, without panicking.

/// Length of the trailing CRC.
pub(crate) const CRC_LEN: usize = 4;

/// CRC-32 (IEEE 802.3 / ISO-HDLC, reflected, polynomial 0xEDB88320), bitwise: no table, a few
/// dozen bytes of code, fast enough for records of a few kilobytes.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// Why an image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageError {
    /// Shorter than the envelope.
    Malformed,
    /// Not an image of this kind.
    BadMagic,
    /// Damaged.
    ChecksumMismatch,
}

/// Checks the magic, then the CRC (so that "not an image of this kind at all" is told apart from
/// "damaged"), and returns the format version and the body (without magic, version and CRC).
pub(crate) fn open(data: &[u8], magic: [u8; 4]) -> Result<(u8, &[u8]), ImageError> {
    let body_len = data
        .len()
        .checked_sub(CRC_LEN)
        .ok_or(ImageError::Malformed)?;
    let (covered, crc) = data
        .split_at_checked(body_len)
        .ok_or(ImageError::Malformed)?;
    let crc: [u8; CRC_LEN] = crc.try_into().map_err(|_| ImageError::Malformed)?;
    let (head, body) = covered.split_at_checked(5).ok_or(ImageError::Malformed)?;
    if head.get(..4) != Some(&magic[..]) {
        return Err(ImageError::BadMagic);
    }
    if crc32(covered) != u32::from_le_bytes(crc) {
        return Err(ImageError::ChecksumMismatch);
    }
    let version = head.get(4).copied().ok_or(ImageError::Malformed)?;
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The CRC-32/ISO-HDLC check value (as zlib's crc32("123456789")).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn open_checks_magic_then_crc() {
        let mut image = b"ABCD\x01body".to_vec();
        let crc = crc32(&image);
        image.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(open(&image, *b"ABCD"), Ok((1, &b"body"[..])));
        assert_eq!(open(&image, *b"WXYZ"), Err(ImageError::BadMagic));
        let mut damaged = image.clone();
        damaged[6] ^= 1;
        assert_eq!(open(&damaged, *b"ABCD"), Err(ImageError::ChecksumMismatch));
        assert_eq!(open(&image[..3], *b"ABCD"), Err(ImageError::Malformed));
    }
}
