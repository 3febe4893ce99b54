//! [`CryptoProvider`] on the RustCrypto crates (feature `rustcrypto`; `alloc`, not `std`).
//!
//! | operation | crates | supported |
//! | --- | --- | --- |
//! | hashing | `sha2` | SHA-256, SHA-384, SHA-512, incremental |
//! | key pairs | `p256`, `p384`, `pkcs8` | ECDSA P-256 and P-384, kept as PKCS#8 in a [`KeyStore`] |
//! | CSR | `x509-cert` (`builder`) | PKCS#10, subject O = CpoName, CN = serial number, signed ecdsa-with-SHA256/384 |
//! | X.509 | `x509-cert`, `der`, `spki` | PEM (one or many blocks) or DER, v3 extensions basicConstraints, keyUsage |
//! | signatures (certificates) | `p256`, `p384`, `rsa` | ecdsa-with-SHA256/384/512 on P-256/P-384; sha256/384/512WithRSAEncryption; RSASSA-PSS (SHA-256/384/512, MGF1 with the same hash); RSA 2048 to 8192 bits |
//! | firmware signature | same | over the SHA-256 digest of the file: ECDSA (DER or `r‖s`), RSASSA-PSS (any salt length), RSA PKCS#1 v1.5 |
//!
//! The randomness comes from the `R` given to [`RustCrypto::new`] (any `rand_core`
//! `TryCryptoRng`): with `std`, [`RustCrypto::open`] uses the operating system's
//! (`getrandom::SysRng`); on a microcontroller, its hardware RNG. ECDSA signing itself is
//! deterministic (RFC 6979) and needs none.

mod keystore;
mod oid;
mod verify;
mod x509;

#[cfg(feature = "std")]
mod file_store;

use alloc::vec;
use alloc::vec::Vec;

use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Tag};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rand_core::TryCryptoRng;
use sha2::Digest as _;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::Builder;
use x509_cert::name::Name;
use x509_cert::request::RequestBuilder;

pub use keystore::{KeyStore, MemoryKeyStore};

#[cfg(feature = "std")]
pub use file_store::FileKeyStore;

use crate::encoding::pem_encode;
use crate::{
    CertificateHashData, CertificateInfo, CryptoProvider, CsrSubject, Digest, Error, HashAlgorithm,
    Hasher, KeyAlgorithm, KeyId, MAX_NAME_LEN, UnixTime, VerifiedChain,
};

/// The incremental SHA-2 of [`RustCrypto`].
#[derive(Clone)]
pub enum Sha2Hasher {
    /// SHA-256.
    Sha256(sha2::Sha256),
    /// SHA-384.
    Sha384(sha2::Sha384),
    /// SHA-512.
    Sha512(sha2::Sha512),
}

impl Sha2Hasher {
    /// A fresh hash.
    pub fn new(algorithm: HashAlgorithm) -> Self {
        match algorithm {
            HashAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => Self::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
        }
    }
}

impl Hasher for Sha2Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    fn finalize(self) -> Digest {
        let mut out = [0u8; crate::MAX_DIGEST_LEN];
        let algorithm = match self {
            Self::Sha256(h) => copy_digest(HashAlgorithm::Sha256, &h.finalize(), &mut out),
            Self::Sha384(h) => copy_digest(HashAlgorithm::Sha384, &h.finalize(), &mut out),
            Self::Sha512(h) => copy_digest(HashAlgorithm::Sha512, &h.finalize(), &mut out),
        };
        Digest::from_buffer(algorithm, out)
    }
}

fn copy_digest(
    algorithm: HashAlgorithm,
    digest: &[u8],
    out: &mut [u8; crate::MAX_DIGEST_LEN],
) -> HashAlgorithm {
    // SHA-2 outputs are at most 64 bytes: always fits.
    if let Some(slot) = out.get_mut(..digest.len()) {
        slot.copy_from_slice(digest);
    }
    algorithm
}

/// A private key loaded from the store, for signing.
enum SigningKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl SigningKey {
    fn from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(Self::P256(k));
        }
        p384::ecdsa::SigningKey::from_pkcs8_der(der)
            .map(Self::P384)
            .map_err(|_| Error::Malformed)
    }

    fn public_key_der(&self) -> Result<Vec<u8>, Error> {
        let doc = match self {
            Self::P256(k) => k.verifying_key().to_public_key_der(),
            Self::P384(k) => k.verifying_key().to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|_| Error::Malformed)
    }
}

/// The RustCrypto implementation of [`CryptoProvider`]: keys in `S`, randomness from `R`.
pub struct RustCrypto<S, R> {
    store: S,
    rng: R,
}

impl<S: KeyStore, R: TryCryptoRng> RustCrypto<S, R> {
    /// A provider over a key store and a cryptographic RNG.
    pub fn new(store: S, rng: R) -> Self {
        Self { store, rng }
    }

    /// The key store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The key store, mutable.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    fn signing_key(&self, key: KeyId) -> Result<SigningKey, Error> {
        let der = self.store.load(key)?;
        SigningKey::from_pkcs8(&der)
    }
}

#[cfg(feature = "std")]
impl RustCrypto<FileKeyStore, getrandom::SysRng> {
    /// The desktop provider: keys in the directory `dir` ([`FileKeyStore`]), randomness from
    /// the operating system.
    pub fn open(dir: impl Into<std::path::PathBuf>) -> std::io::Result<Self> {
        Ok(Self::new(FileKeyStore::open(dir)?, getrandom::SysRng))
    }
}

/// The subject Name `O=<organization>, CN=<common name>`, both UTF8String.
fn subject_name(subject: &CsrSubject<'_>) -> Result<Name, Error> {
    for text in [subject.common_name, subject.organization] {
        if text.is_empty() {
            return Err(Error::Malformed);
        }
        if text.len() > MAX_NAME_LEN {
            return Err(Error::TooLong);
        }
    }
    // A00.FR.511: the CN "SHALL NOT be in the format of a URL or an IP address".
    let cn = subject.common_name;
    if cn.contains("://") || cn.parse::<core::net::IpAddr>().is_ok() {
        return Err(Error::Malformed);
    }
    let mut rdns: Vec<SetOfVec<AttributeTypeAndValue>> = Vec::new();
    for (id, text) in [
        (oid::ORGANIZATION, subject.organization),
        (oid::COMMON_NAME, cn),
    ] {
        let value = Any::new(Tag::Utf8String, text.as_bytes()).map_err(|_| Error::Malformed)?;
        let atv = AttributeTypeAndValue { oid: id, value };
        let set = SetOfVec::try_from(vec![atv]).map_err(|_| Error::Malformed)?;
        rdns.push(set);
    }
    let der = rdns.to_der().map_err(|_| Error::Malformed)?;
    Name::from_der(&der).map_err(|_| Error::Malformed)
}

fn copy_out(bytes: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    out.get_mut(..bytes.len())
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(bytes);
    Ok(bytes.len())
}

impl<S: KeyStore, R: TryCryptoRng> CryptoProvider for RustCrypto<S, R> {
    type Hasher = Sha2Hasher;

    fn hasher(&self, algorithm: HashAlgorithm) -> Sha2Hasher {
        Sha2Hasher::new(algorithm)
    }

    fn generate_key_pair(&mut self, algorithm: KeyAlgorithm) -> Result<KeyId, Error> {
        use p256::elliptic_curve::Generate;
        let der = match algorithm {
            KeyAlgorithm::EcdsaP256 => {
                p256::ecdsa::SigningKey::try_generate_from_rng(&mut self.rng)
                    .map_err(|_| Error::Rng)?
                    .to_pkcs8_der()
            }
            KeyAlgorithm::EcdsaP384 => {
                p384::ecdsa::SigningKey::try_generate_from_rng(&mut self.rng)
                    .map_err(|_| Error::Rng)?
                    .to_pkcs8_der()
            }
        }
        .map_err(|_| Error::Malformed)?;
        self.store.insert(der.as_bytes())
    }

    fn delete_key_pair(&mut self, key: KeyId) -> Result<(), Error> {
        self.store.remove(key)
    }

    fn public_key_der(&self, key: KeyId, out: &mut [u8]) -> Result<usize, Error> {
        copy_out(&self.signing_key(key)?.public_key_der()?, out)
    }

    fn create_csr_pem(
        &mut self,
        key: KeyId,
        subject: &CsrSubject<'_>,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        let name = subject_name(subject)?;
        let builder = RequestBuilder::new(name).map_err(|_| Error::Malformed)?;
        let request = match self.signing_key(key)? {
            SigningKey::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(&k),
            SigningKey::P384(k) => builder.build::<_, p384::ecdsa::DerSignature>(&k),
        }
        .map_err(|_| Error::Malformed)?;
        let der = request.to_der().map_err(|_| Error::Malformed)?;
        pem_encode("CERTIFICATE REQUEST", &der, out)
    }

    fn certificate_info(&self, certificate: &[u8]) -> Result<CertificateInfo, Error> {
        x509::parse_one(certificate)?.info()
    }

    fn certificate_public_key_der(
        &self,
        certificate: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        copy_out(&x509::parse_one(certificate)?.public_key_der()?, out)
    }

    fn certificate_hash_data(
        &self,
        certificate: &[u8],
        issuer: Option<&[u8]>,
        algorithm: HashAlgorithm,
    ) -> Result<CertificateHashData, Error> {
        let cert = x509::parse_one(certificate)?;
        match issuer {
            Some(issuer) => {
                let issuer = x509::parse_one(issuer)?;
                if issuer.subject() != cert.issuer() {
                    return Err(Error::UnknownIssuer);
                }
                cert.hash_data(issuer.key_bits(), algorithm)
            }
            None if cert.self_issued() => cert.hash_data(cert.key_bits(), algorithm),
            None => Err(Error::IssuerRequired),
        }
    }

    fn verify_chain(
        &self,
        chain: &[u8],
        roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error> {
        x509::verify_chain(chain, roots, at)
    }

    fn verify_issued_by(&self, certificate: &[u8], issuer: &[u8]) -> Result<(), Error> {
        let cert = x509::parse_one(certificate)?;
        let issuer = x509::parse_one(issuer)?;
        if issuer.subject() != cert.issuer() {
            return Err(Error::UnknownIssuer);
        }
        cert.signed_by(&issuer.public_key()?)
    }

    fn verify_firmware_signature(
        &self,
        signing_certificate: &[u8],
        digest: &Digest,
        signature: &[u8],
    ) -> Result<(), Error> {
        let cert = x509::parse_one(signing_certificate)?;
        cert.public_key()?.verify_prehash(digest, signature, None)
    }
}
