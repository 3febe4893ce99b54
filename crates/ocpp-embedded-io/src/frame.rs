//! RFC 6455 §5 frame headers, masking and close codes: pure functions, no I/O.

use crate::error::ProtocolError;

pub(crate) const OP_CONTINUATION: u8 = 0x0;
pub(crate) const OP_TEXT: u8 = 0x1;
pub(crate) const OP_BINARY: u8 = 0x2;
pub(crate) const OP_CLOSE: u8 = 0x8;
pub(crate) const OP_PING: u8 = 0x9;
pub(crate) const OP_PONG: u8 = 0xA;

const FIN: u8 = 0x80;
const RSV: u8 = 0x70;
const MASK: u8 = 0x80;
/// The 7-bit length values announcing a 16-bit and a 64-bit extended length.
const LEN_16: u8 = 126;
const LEN_64: u8 = 127;

/// The longest payload of a control frame (§5.5).
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;
/// The longest header of a server frame: 2 bytes, a 64-bit length, no masking key.
pub(crate) const MAX_SERVER_HEADER: usize = 10;
/// The longest header of a client frame: 2 bytes, a 64-bit length and the masking key.
pub(crate) const MAX_CLIENT_HEADER: usize = 14;
/// The smallest tx buffer: a masked control frame with the largest payload.
pub(crate) const MIN_TX: usize = 6 + MAX_CONTROL_PAYLOAD;

/// The header of a frame received from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Head {
    pub fin: bool,
    pub opcode: u8,
    pub len: u64,
}

impl Head {
    pub(crate) const fn is_control(self) -> bool {
        self.opcode & 0x8 != 0
    }
}

/// Checks the first two bytes of a server frame and returns the full header length (2, 4 or 10).
pub(crate) fn check_start(b0: u8, b1: u8) -> Result<usize, ProtocolError> {
    if b0 & RSV != 0 {
        return Err(ProtocolError::ReservedBits);
    }
    let opcode = b0 & 0x0F;
    match opcode {
        OP_CONTINUATION | OP_TEXT | OP_BINARY | OP_CLOSE | OP_PING | OP_PONG => {}
        _ => return Err(ProtocolError::ReservedOpcode),
    }
    if b1 & MASK != 0 {
        return Err(ProtocolError::MaskedFrame);
    }
    let len7 = b1 & 0x7F;
    if opcode & 0x8 != 0 && (b0 & FIN == 0 || usize::from(len7) > MAX_CONTROL_PAYLOAD) {
        return Err(ProtocolError::InvalidControlFrame);
    }
    Ok(match len7 {
        LEN_16 => 4,
        LEN_64 => 10,
        _ => 2,
    })
}

/// Decodes a complete server frame header (already checked by [`check_start`]).
pub(crate) fn decode(hdr: &[u8; MAX_SERVER_HEADER]) -> Result<Head, ProtocolError> {
    let [b0, b1, x0, x1, x2, x3, x4, x5, x6, x7] = *hdr;
    let len = match b1 & 0x7F {
        LEN_16 => u64::from(u16::from_be_bytes([x0, x1])),
        LEN_64 => {
            let len = u64::from_be_bytes([x0, x1, x2, x3, x4, x5, x6, x7]);
            if len >> 63 != 0 {
                return Err(ProtocolError::InvalidLength);
            }
            len
        }
        len7 => u64::from(len7),
    };
    Ok(Head {
        fin: b0 & FIN != 0,
        opcode: b0 & 0x0F,
        len,
    })
}

/// The header length of a masked client frame with this payload length.
pub(crate) const fn client_header_len(payload: usize) -> usize {
    if payload <= 125 {
        6
    } else if payload <= 0xFFFF {
        8
    } else {
        MAX_CLIENT_HEADER
    }
}

/// The largest payload whose masked frame fits a buffer of `buf_len` bytes.
pub(crate) const fn payload_capacity(buf_len: usize) -> usize {
    let p = buf_len.saturating_sub(6);
    if p <= 125 {
        return p;
    }
    let p = buf_len.saturating_sub(8);
    if p < 126 {
        return 125;
    }
    if p <= 0xFFFF {
        return p;
    }
    let p = buf_len.saturating_sub(MAX_CLIENT_HEADER);
    if p <= 0xFFFF { 0xFFFF } else { p }
}

/// Writes a masked client frame into `buf`; returns its length, or `None` if it does not fit.
pub(crate) fn encode(
    buf: &mut [u8],
    fin: bool,
    opcode: u8,
    key: [u8; 4],
    payload: &[u8],
) -> Option<usize> {
    let header_len = client_header_len(payload.len());
    let mut h = [0u8; MAX_CLIENT_HEADER];
    h[0] = if fin { FIN | opcode } else { opcode };
    let key_at = match header_len {
        6 => {
            h[1] = MASK | payload.len() as u8;
            2
        }
        8 => {
            h[1] = MASK | LEN_16;
            h.get_mut(2..4)?
                .copy_from_slice(&(payload.len() as u16).to_be_bytes());
            4
        }
        _ => {
            h[1] = MASK | LEN_64;
            h.get_mut(2..10)?
                .copy_from_slice(&(payload.len() as u64).to_be_bytes());
            10
        }
    };
    h.get_mut(key_at..header_len)?.copy_from_slice(&key);
    let (head, rest) = buf.split_at_mut_checked(header_len)?;
    head.copy_from_slice(h.get(..header_len)?);
    let body = rest.get_mut(..payload.len())?;
    for ((d, s), k) in body.iter_mut().zip(payload).zip(key.iter().cycle()) {
        *d = s ^ k;
    }
    Some(header_len + payload.len())
}

/// Whether an endpoint may send this close code (RFC 6455 §7.4, IANA registry).
pub(crate) const fn is_sendable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_capacity_fills_but_never_overflows_the_buffer() {
        let lens = (MIN_TX..1_000).chain([0xFFFF, 0x1_0000, 0x1_0005, 0x1_000D, 0x1_000E, 200_000]);
        for buf_len in lens {
            let cap = payload_capacity(buf_len);
            assert!(client_header_len(cap) + cap <= buf_len, "{buf_len}");
            // One more byte would not fit (or would need a longer header that does not fit).
            assert!(
                client_header_len(cap + 1) + cap + 1 > buf_len || cap + 1 == 126,
                "{buf_len}"
            );
        }
        assert_eq!(payload_capacity(MIN_TX), MAX_CONTROL_PAYLOAD);
    }

    #[test]
    fn encode_then_decode_all_length_forms() {
        let mut buf = std::vec![0u8; 70_000];
        for len in [0, 1, 125, 126, 0xFFFF, 0x1_0000, 69_000] {
            let payload = std::vec![0xA5u8; len];
            let n = encode(&mut buf, true, OP_TEXT, [9, 8, 7, 6], &payload).unwrap();
            assert_eq!(n, client_header_len(len) + len);
            // Strip the mask bit and key to read it back as a server frame.
            let mut hdr = [0u8; MAX_SERVER_HEADER];
            let header_len = check_start(buf[0], buf[1] & 0x7F).unwrap();
            hdr[..header_len].copy_from_slice(&buf[..header_len]);
            hdr[1] &= 0x7F;
            let head = decode(&hdr).unwrap();
            assert_eq!(
                head,
                Head {
                    fin: true,
                    opcode: OP_TEXT,
                    len: len as u64
                }
            );
            let body = &buf[header_len + 4..n];
            assert!(
                body.iter()
                    .zip([9u8, 8, 7, 6].iter().cycle())
                    .all(|(b, k)| b ^ k == 0xA5)
            );
        }
        assert_eq!(encode(&mut buf[..10], true, OP_TEXT, [0; 4], &[0; 5]), None);
    }
}
