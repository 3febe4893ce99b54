//! The opening handshake (RFC 6455 §4.1, OCPP-J §3) and HTTP Basic credentials (OCPP-J §6.2.2).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::Error;

/// The OCPP 1.6-J WebSocket subprotocol name (OCPP-J §3.1.2).
pub const OCPP16: &str = "ocpp1.6";

/// RFC 6455 §1.3: appended to the key before hashing.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// How many response header lines the handshake parser takes (16 bytes each on a 32-bit MCU,
/// on the stack during the handshake only).
const MAX_RESPONSE_HEADERS: usize = 24;

/// What the client asks for in its opening handshake.
///
/// ```
/// use ocpp_embedded_io::Handshake;
/// // Endpoint URL ws://cs.example.com:8080/ocpp, charge point identity "CP001" (OCPP-J §3.1.1):
/// let hs = Handshake::new("cs.example.com:8080", "/ocpp/CP001");
/// assert_eq!(hs.subprotocol, "ocpp1.6");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake<'a> {
    /// The `Host` header: the endpoint URL's host, with `:port` when it is not the scheme's default.
    pub host: &'a str,
    /// The request path: the endpoint URL's path, `/`, then the charge point identity,
    /// percent-encoded ("RDAM 123" → `/ocppj/RDAM%20123`). Must start with `/`.
    pub path: &'a str,
    /// The one subprotocol offered, and required in the answer: [`OCPP16`] unless changed.
    pub subprotocol: &'a str,
    /// The value of an `Authorization` header (OCPP security profiles 1 and 2), for instance
    /// from [`basic_auth`]: `Basic QUwxMDAwOg...`.
    pub authorization: Option<&'a str>,
}

impl<'a> Handshake<'a> {
    /// A handshake for `ws://{host}{path}` offering `ocpp1.6`, without credentials.
    pub const fn new(host: &'a str, path: &'a str) -> Self {
        Self {
            host,
            path,
            subprotocol: OCPP16,
            authorization: None,
        }
    }

    /// The same handshake with an `Authorization` header value (see [`basic_auth`]).
    #[must_use]
    pub const fn with_authorization(mut self, value: &'a str) -> Self {
        self.authorization = Some(value);
        self
    }

    /// Whether every part can go into the request as it is.
    fn is_valid(&self) -> bool {
        let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        let token = |s: &str| visible(s) && !s.bytes().any(|b| b"()<>@,;:\\\"/[]?={}".contains(&b));
        visible(self.host)
            && visible(self.path)
            && self.path.starts_with('/')
            && token(self.subprotocol)
            && self.authorization.is_none_or(|a| {
                !a.is_empty() && a.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
            })
    }
}

/// The `Sec-WebSocket-Key` for 16 random bytes.
pub(crate) fn encode_key(nonce: &[u8; 16]) -> [u8; 24] {
    let mut out = [0u8; 24];
    // 16 bytes always encode to exactly 24 characters with padding.
    let _ = STANDARD.encode_slice(nonce, &mut out);
    out
}

/// The `Sec-WebSocket-Accept` a server must answer for this `Sec-WebSocket-Key`.
pub(crate) fn accept_for(key: &[u8; 24]) -> [u8; 28] {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(key);
    sha.update(GUID);
    let mut out = [0u8; 28];
    // 20 bytes always encode to exactly 28 characters with padding.
    let _ = STANDARD.encode_slice(sha.digest().bytes(), &mut out);
    out
}

/// A cursor that appends to a byte buffer and reports running out of room.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Out<'_> {
    fn push(&mut self, bytes: &[u8]) -> Option<()> {
        let end = self.len.checked_add(bytes.len())?;
        self.buf.get_mut(self.len..end)?.copy_from_slice(bytes);
        self.len = end;
        Some(())
    }
}

/// Writes the HTTP upgrade request; returns its length.
pub(crate) fn write_request<E>(
    buf: &mut [u8],
    hs: &Handshake<'_>,
    key: &[u8; 24],
) -> Result<usize, Error<E>> {
    if !hs.is_valid() {
        return Err(Error::InvalidRequest);
    }
    let mut out = Out { buf, len: 0 };
    let mut write = || -> Option<()> {
        for part in [
            b"GET ".as_slice(),
            hs.path.as_bytes(),
            b" HTTP/1.1\r\nHost: ",
            hs.host.as_bytes(),
            b"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ",
            key,
            b"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ",
            hs.subprotocol.as_bytes(),
            b"\r\n",
        ] {
            out.push(part)?;
        }
        if let Some(auth) = hs.authorization {
            out.push(b"Authorization: ")?;
            out.push(auth.as_bytes())?;
            out.push(b"\r\n")?;
        }
        out.push(b"\r\n")
    };
    write().ok_or(Error::TxBufferTooSmall)?;
    Ok(out.len)
}

/// Checks a handshake response. `Ok(None)`: the header block is not complete yet;
/// `Ok(Some(n))`: a valid `101` whose header block is the first `n` bytes.
pub(crate) fn check_response<E>(
    buf: &[u8],
    accept: &[u8; 28],
    subprotocol: &str,
) -> Result<Option<usize>, Error<E>> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(Error::ResponseTooLarge),
        Err(_) => return Err(Error::MalformedResponse),
    };
    match resp.code {
        Some(101) => {}
        Some(code) => return Err(Error::HttpStatus(code)),
        None => return Err(Error::MalformedResponse),
    }
    if resp.version != Some(1) {
        return Err(Error::MalformedResponse);
    }
    let values = |name: &'static str| {
        resp.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim_ascii())
    };
    let upgrade = values("Upgrade").any(|v| v.eq_ignore_ascii_case(b"websocket"));
    let connection = values("Connection")
        .flat_map(|v| v.split(|&b| b == b','))
        .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"upgrade"));
    if !upgrade || !connection {
        return Err(Error::NotUpgraded);
    }
    let mut accepts = values("Sec-WebSocket-Accept");
    if accepts.next() != Some(accept.as_slice()) || accepts.next().is_some() {
        return Err(Error::BadAcceptKey);
    }
    if values("Sec-WebSocket-Extensions").any(|v| !v.is_empty()) {
        return Err(Error::UnrequestedExtension);
    }
    let mut protocols = values("Sec-WebSocket-Protocol");
    if protocols.next() != Some(subprotocol.as_bytes()) || protocols.next().is_some() {
        return Err(Error::SubprotocolRefused);
    }
    Ok(Some(len))
}

/// The status code of a response whose header block is incomplete, if its status line is there.
pub(crate) fn partial_status(buf: &[u8]) -> Option<u16> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_RESPONSE_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let _ = resp.parse(buf);
    resp.code
}

/// Why [`basic_auth`] could not build the header value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasicAuthError {
    /// The buffer is shorter than [`basic_auth_len`].
    BufferTooSmall,
    /// The identity contains `:`, which HTTP Basic cannot carry in a user-id (RFC 7617 §2).
    ColonInId,
}

impl core::fmt::Display for BasicAuthError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::BufferTooSmall => "buffer too small for the Authorization value",
            Self::ColonInId => "charge point identity contains ':'",
        })
    }
}

impl core::error::Error for BasicAuthError {}

/// The length of the value [`basic_auth`] builds: `Basic ` and the base64 of `id:password`.
pub const fn basic_auth_len(id_len: usize, password_len: usize) -> usize {
    6 + (id_len + 1 + password_len).div_ceil(3) * 4
}

/// Builds the `Authorization` header value for HTTP Basic authentication (OCPP-J §6.2.2,
/// security profiles 1 and 2) into `buf`: `Basic ` followed by the base64 of `id:password`.
///
/// The username is the charge point identity; the password is the `AuthorizationKey` (in OCPP 1.6
/// security profiles a 16-40 character string, in plain OCPP-J 1.6 a 20-byte key that may hold any
/// byte, hence `&[u8]`). `buf` needs [`basic_auth_len`] bytes.
///
/// ```
/// // The example of OCPP-J 1.6 §6.2.2.
/// let key = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0xFF, 0xFF,
///            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
/// let mut buf = [0u8; 64];
/// let value = ocpp_embedded_io::basic_auth("AL1000", &key, &mut buf).unwrap();
/// assert_eq!(value, "Basic QUwxMDAwOgABAgMEBQYH////////////////");
/// ```
pub fn basic_auth<'a>(
    id: &str,
    password: &[u8],
    buf: &'a mut [u8],
) -> Result<&'a str, BasicAuthError> {
    if id.contains(':') {
        return Err(BasicAuthError::ColonInId);
    }
    let len = basic_auth_len(id.len(), password.len());
    let out = buf.get_mut(..len).ok_or(BasicAuthError::BufferTooSmall)?;
    let (prefix, mut rest) = out
        .split_at_mut_checked(6)
        .ok_or(BasicAuthError::BufferTooSmall)?;
    prefix.copy_from_slice(b"Basic ");
    // base64 works on 3-byte groups, so encoding the chained input one group at a time (only the
    // last one padded) gives the same text as encoding it in one piece, with no buffer for it.
    let mut input = id.bytes().chain([b':']).chain(password.iter().copied());
    loop {
        let mut group = [0u8; 3];
        let mut n = 0;
        for (slot, byte) in group.iter_mut().zip(&mut input) {
            *slot = byte;
            n += 1;
        }
        if n == 0 {
            break;
        }
        let (chunk, tail) = rest
            .split_at_mut_checked(4)
            .ok_or(BasicAuthError::BufferTooSmall)?;
        STANDARD
            .encode_slice(group.get(..n).unwrap_or_default(), chunk)
            .map_err(|_| BasicAuthError::BufferTooSmall)?;
        rest = tail;
    }
    core::str::from_utf8(out).map_err(|_| BasicAuthError::BufferTooSmall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_of_rfc_6455_example() {
        let key = encode_key(b"the sample nonce");
        assert_eq!(&key, b"dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(&accept_for(&key), b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn basic_auth_lengths_and_errors() {
        let mut buf = [0u8; 64];
        for pw_len in 0..10 {
            let pw = [b'x'; 10];
            let v = basic_auth("CP1", &pw[..pw_len], &mut buf).unwrap();
            assert_eq!(v.len(), basic_auth_len(3, pw_len));
        }
        let mut small = [0u8; 8];
        assert_eq!(
            basic_auth("CP1", b"pw", &mut small),
            Err(BasicAuthError::BufferTooSmall)
        );
        assert_eq!(
            basic_auth("C:P", b"pw", &mut buf),
            Err(BasicAuthError::ColonInId)
        );
        assert_eq!(
            basic_auth("CP1", b"secret", &mut buf).unwrap(),
            "Basic Q1AxOnNlY3JldA=="
        );
    }

    #[test]
    fn request_validation() {
        let key = encode_key(&[0; 16]);
        let mut buf = [0u8; 512];
        let ok = Handshake::new("h", "/ocpp/CP1");
        assert!(write_request::<()>(&mut buf, &ok, &key).is_ok());
        for bad in [
            Handshake::new("", "/x"),
            Handshake::new("h", "x"),
            Handshake::new("h", "/RDAM 123"),
            Handshake::new("h\r\nX: y", "/x"),
            Handshake {
                subprotocol: "ocpp1.6, ocpp1.5",
                ..ok
            },
            ok.with_authorization("Basic x\r\n"),
        ] {
            assert_eq!(
                write_request::<()>(&mut buf, &bad, &key),
                Err(Error::InvalidRequest)
            );
        }
        assert_eq!(
            write_request::<()>(&mut buf[..50], &ok, &key),
            Err(Error::TxBufferTooSmall)
        );
    }
}
