//! The types the core exchanges with a [`crate::CryptoProvider`]: no allocation, bounded sizes.

use core::fmt;

use crate::Error;
use crate::encoding::hex_lower;

/// A string of at most `N` bytes, stored inline (no allocation).
///
/// Always valid UTF-8: it is only ever built from `&str`s.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FixedString<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> FixedString<N> {
    /// The bound, in bytes.
    pub const CAPACITY: usize = N;

    /// An empty string.
    pub const fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// A copy of `text`, or [`Error::TooLong`] when it has more than `N` bytes.
    pub fn try_from_str(text: &str) -> Result<Self, Error> {
        let mut s = Self::new();
        s.push_str(text)?;
        Ok(s)
    }

    /// Appends `text`, or returns [`Error::TooLong`] (and leaves the string as it was).
    pub fn push_str(&mut self, text: &str) -> Result<(), Error> {
        let end = self.len.checked_add(text.len()).ok_or(Error::TooLong)?;
        let slot = self.bytes.get_mut(self.len..end).ok_or(Error::TooLong)?;
        slot.copy_from_slice(text.as_bytes());
        self.len = end;
        Ok(())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so this is valid UTF-8.
        core::str::from_utf8(self.bytes.get(..self.len).unwrap_or(&[])).unwrap_or("")
    }

    /// Its length in bytes.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> Default for FixedString<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Debug for FixedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for FixedString<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> PartialEq<str> for FixedString<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for FixedString<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A point in time, as whole seconds since 1970-01-01T00:00:00Z (UTC).
///
/// The core's `DateTime` holds milliseconds: `UnixTime(millis.div_euclid(1000))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnixTime(pub i64);

/// `HashAlgorithmEnumType` (security whitepaper §6.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// `SHA256`: the whitepaper's default (A00.FR.506) and the firmware hash (L01.FR.04).
    Sha256,
    /// `SHA384`.
    Sha384,
    /// `SHA512`.
    Sha512,
}

impl HashAlgorithm {
    /// Every value, in the order of §6.10.
    pub const ALL: [HashAlgorithm; 3] = [Self::Sha256, Self::Sha384, Self::Sha512];

    /// The wire name (`"SHA256"`, `"SHA384"`, `"SHA512"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
        }
    }

    /// The value of a wire name (exact, as the enumeration is case-sensitive in the schemas).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Digest length in bytes: 32, 48 or 64.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest digest, SHA-512's, in bytes.
pub const MAX_DIGEST_LEN: usize = 64;

/// A finished hash: its algorithm and its bytes (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: HashAlgorithm,
    bytes: [u8; MAX_DIGEST_LEN],
}

impl Digest {
    /// A digest from its bytes; [`Error::Malformed`] when the length is not the algorithm's.
    pub fn new(algorithm: HashAlgorithm, bytes: &[u8]) -> Result<Self, Error> {
        let mut buf = [0; MAX_DIGEST_LEN];
        if bytes.len() != algorithm.output_len() {
            return Err(Error::Malformed);
        }
        buf.get_mut(..bytes.len())
            .ok_or(Error::Malformed)?
            .copy_from_slice(bytes);
        Ok(Self {
            algorithm,
            bytes: buf,
        })
    }

    /// A digest from a full-size buffer whose first `algorithm.output_len()` bytes are the
    /// digest (the rest is ignored).
    pub const fn from_buffer(algorithm: HashAlgorithm, bytes: [u8; MAX_DIGEST_LEN]) -> Self {
        Self { algorithm, bytes }
    }

    /// The algorithm.
    pub const fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }

    /// The digest bytes (32, 48 or 64 of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..self.algorithm.output_len())
            .unwrap_or(&self.bytes)
    }

    /// Lowercase hex, as in `CertificateHashDataType`.
    pub fn to_hex(&self) -> FixedString<128> {
        let mut s = FixedString::new();
        // 64 bytes give 128 hex digits: always fits.
        let _ = hex_lower(self.as_bytes(), &mut s);
        s
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({}, {})", self.algorithm, self.to_hex())
    }
}

/// `CertificateHashDataType` (security whitepaper §6.1): how OCPP names an installed
/// certificate in GetInstalledCertificateIds.conf and DeleteCertificate.req.
///
/// The whitepaper gives the field sizes (issuerNameHash and issuerKeyHash
/// `identifierString[0..128]`, serialNumber `string[0..40]`) but not the encoding. The encoding
/// follows OCPP 2.0.1's definition, which the whitepaper is based on (§1.1), as clarified in the
/// OCPP 2.0.1 edition 2 errata 2023-12 §2.15.1 and as RFC 6960's `CertID`:
///
/// - `issuer_name_hash`: the hash of the DER encoding of the certificate's issuer Name field;
/// - `issuer_key_hash`: the hash of the issuer's public key, "the value (excluding tag and
///   length) of the subject public key field in the issuer's certificate", that is the BIT
///   STRING's key bytes (what OpenSSL hashes for an OCSP `CertID`);
/// - `serial_number`: "the string representation of the hexadecimal value of the serial number
///   without the prefix 0x and without leading zeroes";
/// - the hashes in hex. `identifierString` is case-insensitive (errata §2.15.1): this crate
///   writes lowercase and compares ignoring case ([`CertificateHashData::matches`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateHashData {
    /// The algorithm of both hashes.
    pub hash_algorithm: HashAlgorithm,
    /// Hex hash of the DER issuer Name (64, 96 or 128 hex digits).
    pub issuer_name_hash: FixedString<128>,
    /// Hex hash of the issuer's public key bits (64, 96 or 128 hex digits).
    pub issuer_key_hash: FixedString<128>,
    /// The serial number in hex, no `0x`, no leading zeroes (at most 40 digits: RFC 5280
    /// §4.1.2.2 allows 20 octets).
    pub serial_number: FixedString<40>,
}

impl CertificateHashData {
    /// Hash data from its wire fields, checked: each hash is hex of exactly twice the
    /// algorithm's digest length, the serial number is 1 to 40 hex digits. Any case.
    pub fn new(
        hash_algorithm: HashAlgorithm,
        issuer_name_hash: &str,
        issuer_key_hash: &str,
        serial_number: &str,
    ) -> Result<Self, Error> {
        let hash_len = 2 * hash_algorithm.output_len();
        for hash in [issuer_name_hash, issuer_key_hash] {
            if hash.len() != hash_len || !is_hex(hash) {
                return Err(Error::InvalidHashData);
            }
        }
        if serial_number.is_empty() || serial_number.len() > 40 || !is_hex(serial_number) {
            return Err(Error::InvalidHashData);
        }
        Ok(Self {
            hash_algorithm,
            issuer_name_hash: FixedString::try_from_str(issuer_name_hash)?,
            issuer_key_hash: FixedString::try_from_str(issuer_key_hash)?,
            serial_number: FixedString::try_from_str(serial_number)?,
        })
    }

    /// Whether `self` and `other` name the same certificate: same algorithm, hashes equal
    /// ignoring case, serial numbers equal ignoring case and leading zeroes.
    pub fn matches(&self, other: &CertificateHashData) -> bool {
        self.matches_fields(
            other.hash_algorithm,
            other.issuer_name_hash.as_str(),
            other.issuer_key_hash.as_str(),
            other.serial_number.as_str(),
        )
    }

    /// [`Self::matches`] against the fields of a message (the core's own
    /// `CertificateHashData`, without converting it).
    pub fn matches_fields(
        &self,
        hash_algorithm: HashAlgorithm,
        issuer_name_hash: &str,
        issuer_key_hash: &str,
        serial_number: &str,
    ) -> bool {
        self.hash_algorithm == hash_algorithm
            && self
                .issuer_name_hash
                .as_str()
                .eq_ignore_ascii_case(issuer_name_hash)
            && self
                .issuer_key_hash
                .as_str()
                .eq_ignore_ascii_case(issuer_key_hash)
            && strip_zeroes(self.serial_number.as_str())
                .eq_ignore_ascii_case(strip_zeroes(serial_number))
    }
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn strip_zeroes(text: &str) -> &str {
    let stripped = text.trim_start_matches('0');
    if stripped.is_empty() && !text.is_empty() {
        "0"
    } else {
        stripped
    }
}

/// A key pair kept by the provider: the core holds this handle, never the private key
/// (security whitepaper A02.FR.05: the private key "SHALL NOT leave the Charge Point").
///
/// What the number means is the provider's: a slot of a secure element, a file name, a
/// counter. The core stores it (for example with the pending CSR) and hands it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

/// The kind of key pair to generate for the charge point certificate.
///
/// Elliptic curves only: A00.FR.503 asks at least 224 bits, P-256 and P-384 are what the TLS
/// cipher suites of A00.FR.422 (`TLS_ECDHE_ECDSA_*`) need, and RSA key generation is too slow
/// for a microcontroller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (secp256r1), signing with SHA-256.
    EcdsaP256,
    /// ECDSA on NIST P-384 (secp384r1), signing with SHA-384.
    EcdsaP384,
}

/// The subject of the charge point's certificate signing request.
///
/// Security whitepaper A00.FR.511: CN is "the unique serial number of the Charge Point" (not a
/// URL or an IP address); A02.FR.13 / A03.FR.13: O is the `CpoName` configuration key (§7.5).
/// Both are written as UTF8String.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrSubject<'a> {
    /// commonName: the charge point's serial number / identity.
    pub common_name: &'a str,
    /// organizationName: the `CpoName` configuration key.
    pub organization: &'a str,
}

/// The longest commonName and organizationName, in bytes: RFC 5280's upper bound
/// (`ub-common-name`, `ub-organization-name`: 64 characters), counted in UTF-8 bytes here. A
/// longer name is [`Error::TooLong`].
pub const MAX_NAME_LEN: usize = 64;

/// The parts of a distinguished name OCPP looks at (A00.FR.509-511).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DistinguishedName {
    /// The first commonName (CN), if any.
    pub common_name: Option<FixedString<MAX_NAME_LEN>>,
    /// The first organizationName (O), if any.
    pub organization: Option<FixedString<MAX_NAME_LEN>>,
}

/// A certificate's public key, as far as the charge point cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublicKeyKind {
    /// EC on NIST P-256.
    EcP256,
    /// EC on NIST P-384.
    EcP384,
    /// RSA, with its modulus size in bits.
    Rsa {
        /// Modulus size.
        bits: u32,
    },
    /// Another algorithm or curve.
    Other,
}

/// What [`crate::CryptoProvider::certificate_info`] reads from an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Serial number, lowercase hex without leading zeroes (as in [`CertificateHashData`]).
    pub serial_number: FixedString<40>,
    /// Start of the validity period (notBefore).
    pub not_before: UnixTime,
    /// End of the validity period (notAfter), inclusive.
    pub not_after: UnixTime,
    /// Subject CN and O.
    pub subject: DistinguishedName,
    /// Issuer CN and O.
    pub issuer: DistinguishedName,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len_constraint: Option<u8>,
    /// Subject and issuer are the same name (a root, or a self-issued CA certificate).
    pub self_issued: bool,
    /// The subject's public key.
    pub public_key: PublicKeyKind,
}

impl CertificateInfo {
    /// Whether `at` lies in the validity period (notBefore <= at <= notAfter, RFC 5280
    /// §4.1.2.5).
    pub fn is_valid_at(&self, at: UnixTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}

/// A chain that verified: which root it leads to, how long it is, and its leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// Index in the `roots` slice of the root that issued the top of the chain.
    pub root_index: usize,
    /// Certificates from the leaf to the root, the root not counted (1 = issued by the root).
    pub depth: usize,
    /// The leaf certificate (the first one of the chain).
    pub leaf: CertificateInfo,
}

/// The longest chain [`crate::CryptoProvider::verify_chain`] follows, root not counted.
pub const MAX_CHAIN_DEPTH: usize = 8;
