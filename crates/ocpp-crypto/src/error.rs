//! The one error type of the crypto boundary.

use core::fmt;

/// Why a crypto operation failed.
///
/// One enum for every operation, `Copy` and without payload, so that the core can keep it in a
/// state machine and map it to the whitepaper's statuses and security events (for example
/// [`Error::Expired`] and [`Error::UnknownIssuer`] in a CertificateSigned.req both give
/// `Rejected` and an `InvalidChargePointCertificate` event, security whitepaper A02.FR.07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// The input is not well-formed: bad PEM, base64, DER, X.509, PKCS#8 or signature encoding.
    Malformed,
    /// A well-formed input this implementation does not support (an algorithm, a curve, a
    /// critical extension it cannot enforce).
    Unsupported,
    /// The caller's output buffer is too small.
    BufferTooSmall,
    /// A text is longer than the bound of its field (see [`crate::FixedString`]).
    TooLong,
    /// A `CertificateHashDataType` field is not a hex string of the right length.
    InvalidHashData,
    /// A certificate's validity period ended before the given time.
    Expired,
    /// A certificate's validity period starts after the given time.
    NotYetValid,
    /// No installed root (or given issuer) issued the certificate: the chain does not lead to a
    /// trusted root.
    UnknownIssuer,
    /// A certificate that issues others is not a CA (basicConstraints cA, keyUsage keyCertSign).
    NotCa,
    /// A CA's basicConstraints pathLenConstraint does not allow the chain below it.
    PathLenExceeded,
    /// The chain is longer than [`crate::MAX_CHAIN_DEPTH`].
    ChainTooLong,
    /// A signature does not verify.
    BadSignature,
    /// A key weaker than the whitepaper allows (A00.FR.501-503: RSA below 2048 bits).
    WeakKey,
    /// No key pair with this id.
    KeyNotFound,
    /// The key store failed (I/O, full).
    KeyStore,
    /// The random number generator failed.
    Rng,
    /// The certificate hash data of a certificate that is not self-issued needs its issuer's
    /// certificate (issuerKeyHash is the hash of the issuer's key).
    IssuerRequired,
    /// The certificate store has no room for another certificate.
    StoreFull,
    /// The certificate store failed to read or write (I/O, flash).
    Storage,
    /// No installed certificate at this index.
    NotFound,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Malformed => "malformed input (PEM, base64, DER, X.509, PKCS#8 or signature)",
            Error::Unsupported => "unsupported algorithm or certificate feature",
            Error::BufferTooSmall => "output buffer too small",
            Error::TooLong => "text longer than its field allows",
            Error::InvalidHashData => "certificate hash data is not hex of the right length",
            Error::Expired => "certificate expired",
            Error::NotYetValid => "certificate not yet valid",
            Error::UnknownIssuer => "certificate not issued by a trusted root",
            Error::NotCa => "issuing certificate is not a CA",
            Error::PathLenExceeded => "CA path length constraint exceeded",
            Error::ChainTooLong => "certificate chain too long",
            Error::BadSignature => "signature does not verify",
            Error::WeakKey => "key weaker than the security whitepaper allows",
            Error::KeyNotFound => "no such key pair",
            Error::KeyStore => "key store failure",
            Error::Rng => "random number generator failure",
            Error::IssuerRequired => "the issuer's certificate is needed",
            Error::StoreFull => "certificate store full",
            Error::Storage => "certificate store failure",
            Error::NotFound => "no such certificate",
        })
    }
}

impl core::error::Error for Error {}
