//! Text encodings without allocation: hex, base64 (RFC 4648 §4) and PEM (RFC 7468).
//!
//! OCPP carries certificates and CSRs as PEM (security whitepaper A00.FR.507, A02.FR.03) and
//! the firmware signature as base64 (§6.7 FirmwareType.signature). These helpers let a
//! microcontroller implementation, or the core, turn them into DER and bytes in a buffer of
//! its own.

use crate::Error;
use crate::types::FixedString;

const HEX: &[u8; 16] = b"0123456789abcdef";
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Appends `bytes` to `out` as lowercase hex.
pub fn hex_lower<const N: usize>(bytes: &[u8], out: &mut FixedString<N>) -> Result<(), Error> {
    if out.len() + 2 * bytes.len() > N {
        return Err(Error::TooLong);
    }
    for b in bytes {
        let pair = [
            HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
            HEX.get(usize::from(b & 0x0f)).copied().unwrap_or(b'0'),
        ];
        out.push_str(core::str::from_utf8(&pair).map_err(|_| Error::Malformed)?)?;
    }
    Ok(())
}

/// A serial number's big-endian bytes (a DER INTEGER's contents) as `CertificateHashDataType`
/// wants it: lowercase hex, no `0x`, no leading zeroes (`"0"` for zero).
pub fn serial_number_hex(bytes: &[u8]) -> Result<FixedString<40>, Error> {
    let mut full = FixedString::<{ 2 * 21 }>::new();
    // A positive 20-octet serial may carry a leading zero octet in DER: 21 octets.
    hex_lower(bytes, &mut full)?;
    let digits = full.as_str().trim_start_matches('0');
    FixedString::try_from_str(if digits.is_empty() { "0" } else { digits })
}

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard base64 (RFC 4648 §4, with `=` padding; spaces, tabs and line breaks are
/// skipped, as in PEM bodies) into `out`, returning the number of bytes written.
pub fn base64_decode(input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let mut written = 0;
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = 0usize;
    let mut symbols = 0usize;
    for &c in input {
        if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            continue;
        }
        if c == b'=' {
            padding += 1;
            symbols += 1;
            continue;
        }
        if padding > 0 {
            // Data after padding.
            return Err(Error::Malformed);
        }
        let v = base64_value(c).ok_or(Error::Malformed)?;
        symbols += 1;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let slot = out.get_mut(written).ok_or(Error::BufferTooSmall)?;
            *slot = (acc >> bits) as u8;
            written += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // Whole quanta only, at most two `=`, and the padding must match the leftover bits, which
    // must be zero (canonical encoding).
    let valid_padding = match padding {
        0 => bits == 0,
        1 => bits == 2,
        2 => bits == 4,
        _ => false,
    };
    if symbols & 3 != 0 || !valid_padding || acc != 0 {
        return Err(Error::Malformed);
    }
    Ok(written)
}

/// The length of the base64 encoding of `len` bytes, with padding.
pub const fn base64_encoded_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// Encodes `input` as standard base64 with padding into `out`; returns the length written.
pub fn base64_encode(input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let needed = base64_encoded_len(input.len());
    let out = out.get_mut(..needed).ok_or(Error::BufferTooSmall)?;
    for (chunk, quad) in input.chunks(3).zip(out.chunks_mut(4)) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        for (i, slot) in quad.iter_mut().enumerate() {
            *slot = if i <= chunk.len() {
                let index = (n >> (18 - 6 * i)) & 0x3f;
                BASE64.get(index as usize).copied().unwrap_or(b'=')
            } else {
                b'='
            };
        }
    }
    Ok(needed)
}

/// One PEM block (RFC 7468 §2): its label and its base64 body (line breaks included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PemBlock<'a> {
    /// What follows `-----BEGIN ` (`CERTIFICATE`, `CERTIFICATE REQUEST`, ...).
    pub label: &'a str,
    /// The base64 text between the header and the footer.
    pub body: &'a [u8],
}

impl PemBlock<'_> {
    /// Decodes the body into `out`; returns the DER length.
    pub fn decode(&self, out: &mut [u8]) -> Result<usize, Error> {
        base64_decode(self.body, out)
    }

    /// An upper bound of the decoded length, to size a buffer.
    pub fn max_decoded_len(&self) -> usize {
        self.body.len() / 4 * 3 + 3
    }
}

/// Iterator over the PEM blocks of a text (a bundle such as CertificateSigned.req's
/// `certificateChain`, security whitepaper §5.1). Text between blocks is skipped; a block
/// without its footer yields one `Err(Error::Malformed)` and ends the iteration.
#[derive(Debug, Clone)]
pub struct PemBlocks<'a> {
    rest: &'a [u8],
}

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl<'a> Iterator for PemBlocks<'a> {
    type Item = Result<PemBlock<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let start = find(self.rest, BEGIN)?;
        let after_begin = self.rest.get(start + BEGIN.len()..)?;
        let parsed = (|| {
            let label_len = find(after_begin, DASHES).ok_or(Error::Malformed)?;
            let label_bytes = after_begin.get(..label_len).ok_or(Error::Malformed)?;
            let label = core::str::from_utf8(label_bytes).map_err(|_| Error::Malformed)?;
            let body_and_rest = after_begin
                .get(label_len + DASHES.len()..)
                .ok_or(Error::Malformed)?;
            let end = find(body_and_rest, END).ok_or(Error::Malformed)?;
            let body = body_and_rest.get(..end).ok_or(Error::Malformed)?;
            let after_end = body_and_rest
                .get(end + END.len()..)
                .ok_or(Error::Malformed)?;
            let end_label = after_end.get(..label_len).ok_or(Error::Malformed)?;
            let close = after_end
                .get(label_len..label_len + DASHES.len())
                .ok_or(Error::Malformed)?;
            if end_label != label_bytes || close != DASHES {
                return Err(Error::Malformed);
            }
            let rest = after_end
                .get(label_len + DASHES.len()..)
                .ok_or(Error::Malformed)?;
            Ok((PemBlock { label, body }, rest))
        })();
        match parsed {
            Ok((block, rest)) => {
                self.rest = rest;
                Some(Ok(block))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// The PEM blocks of `text`.
pub fn pem_blocks(text: &[u8]) -> PemBlocks<'_> {
    PemBlocks { rest: text }
}

/// Whether `input` looks like PEM (starts, after white space, with `-----BEGIN `) rather than
/// DER (which starts with a SEQUENCE tag, 0x30).
pub fn is_pem(input: &[u8]) -> bool {
    let trimmed = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .and_then(|i| input.get(i..))
        .unwrap_or(&[]);
    trimmed.starts_with(BEGIN)
}

/// The length of [`pem_encode`]'s output for `der_len` bytes under `label`.
pub const fn pem_encoded_len(label: &str, der_len: usize) -> usize {
    let b64 = base64_encoded_len(der_len);
    let lines = b64.div_ceil(64);
    // "-----BEGIN " label "-----\n" body-with-newlines "-----END " label "-----\n"
    BEGIN.len()
        + label.len()
        + DASHES.len()
        + 1
        + b64
        + lines
        + END.len()
        + label.len()
        + DASHES.len()
        + 1
}

/// Writes `der` as a PEM block with `label` (64-character lines, `\n` line ends, RFC 7468
/// §2) into `out`; returns the length written.
pub fn pem_encode(label: &str, der: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let needed = pem_encoded_len(label, der.len());
    let out = out.get_mut(..needed).ok_or(Error::BufferTooSmall)?;
    let mut pos = 0;
    let mut put = |bytes: &[u8], pos: &mut usize| -> Result<(), Error> {
        let slot = out
            .get_mut(*pos..*pos + bytes.len())
            .ok_or(Error::BufferTooSmall)?;
        slot.copy_from_slice(bytes);
        *pos += bytes.len();
        Ok(())
    };
    put(BEGIN, &mut pos)?;
    put(label.as_bytes(), &mut pos)?;
    put(DASHES, &mut pos)?;
    put(b"\n", &mut pos)?;
    // 48 input bytes give one 64-character line.
    for chunk in der.chunks(48) {
        let mut line = [0u8; 64];
        let n = base64_encode(chunk, &mut line)?;
        put(line.get(..n).ok_or(Error::BufferTooSmall)?, &mut pos)?;
        put(b"\n", &mut pos)?;
    }
    put(END, &mut pos)?;
    put(label.as_bytes(), &mut pos)?;
    put(DASHES, &mut pos)?;
    put(b"\n", &mut pos)?;
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_all_lengths() {
        let data: [u8; 10] = [0, 1, 2, 250, 251, 252, 253, 254, 255, 7];
        for len in 0..=data.len() {
            let input = data.get(..len).unwrap();
            let mut enc = [0u8; 16];
            let n = base64_encode(input, &mut enc).unwrap();
            let mut dec = [0u8; 10];
            let m = base64_decode(enc.get(..n).unwrap(), &mut dec).unwrap();
            assert_eq!(dec.get(..m).unwrap(), input);
        }
    }

    #[test]
    fn base64_known_vectors_rfc4648_section_10() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = [0u8; 8];
            let n = base64_encode(plain.as_bytes(), &mut out).unwrap();
            assert_eq!(out.get(..n).unwrap(), enc.as_bytes());
            let n = base64_decode(enc.as_bytes(), &mut out).unwrap();
            assert_eq!(out.get(..n).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn base64_rejects_garbage() {
        let mut out = [0u8; 8];
        for bad in ["Zg=", "Zg", "Z===", "Zh==", "Zm9v*", "Zg==Zg==", "Zm9vYg=x"] {
            assert_eq!(
                base64_decode(bad.as_bytes(), &mut out),
                Err(Error::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            base64_decode(b"Zm9vYmFy", &mut [0u8; 5]),
            Err(Error::BufferTooSmall)
        );
    }

    #[test]
    fn pem_round_trip_and_bundle() {
        let der: [u8; 100] = core::array::from_fn(|i| i as u8);
        let mut pem = [0u8; 400];
        let n = pem_encode("CERTIFICATE", &der, &mut pem).unwrap();
        assert_eq!(n, pem_encoded_len("CERTIFICATE", der.len()));
        let one = pem.get(..n).unwrap();
        assert!(is_pem(one));
        let mut bundle = [0u8; 900];
        bundle[..n].copy_from_slice(one);
        bundle[n..n + 6].copy_from_slice(b"junk\r\n");
        bundle[n + 6..2 * n + 6].copy_from_slice(one);
        let mut count = 0;
        for block in pem_blocks(bundle.get(..2 * n + 6).unwrap()) {
            let block = block.unwrap();
            assert_eq!(block.label, "CERTIFICATE");
            let mut out = [0u8; 128];
            let m = block.decode(&mut out).unwrap();
            assert_eq!(out.get(..m).unwrap(), &der);
            count += 1;
        }
        assert_eq!(count, 2);
    }

    #[test]
    fn pem_unterminated_block_is_an_error() {
        let text = b"-----BEGIN CERTIFICATE-----\nAAAA\n";
        let mut blocks = pem_blocks(text);
        assert_eq!(blocks.next(), Some(Err(Error::Malformed)));
        assert_eq!(blocks.next(), None);
        let mismatched = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n";
        assert_eq!(pem_blocks(mismatched).next(), Some(Err(Error::Malformed)));
        assert!(pem_blocks(b"no pem here").next().is_none());
    }

    #[test]
    fn serial_hex_strips_leading_zeroes() {
        assert_eq!(serial_number_hex(&[0x00, 0x8f, 0x01]).unwrap(), "8f01");
        assert_eq!(serial_number_hex(&[0x01, 0x00]).unwrap(), "100");
        assert_eq!(serial_number_hex(&[0x00]).unwrap(), "0");
        assert_eq!(serial_number_hex(&[0xff; 20]).unwrap().len(), 40);
        assert_eq!(serial_number_hex(&[0x7f; 21]), Err(Error::TooLong));
    }
}
