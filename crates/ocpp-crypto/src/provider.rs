//! The traits the core calls.

use crate::Error;
use crate::types::{
    CertificateHashData, CertificateInfo, CsrSubject, Digest, HashAlgorithm, KeyAlgorithm, KeyId,
    UnixTime, VerifiedChain,
};

/// An incremental hash (SHA-256, SHA-384 or SHA-512), for data that is never whole in memory:
/// a firmware image is fed to it as it is downloaded or read back from flash.
pub trait Hasher {
    /// Feeds the next bytes.
    fn update(&mut self, data: &[u8]);
    /// The digest of everything fed.
    fn finalize(self) -> Digest;
}

/// The largest DER SubjectPublicKeyInfo of a generated key pair (P-384: 120 bytes).
pub const MAX_GENERATED_PUBLIC_KEY_DER: usize = 128;

/// Everything the OCPP 1.6 security extension asks of cryptography on the charge point.
///
/// The core calls it; the integrator implements it (or uses [`crate::rustcrypto::RustCrypto`]).
/// No method allocates in the interface: texts come in as byte slices, results go out in
/// fixed-size values or in buffers the caller provides (`out`, returning the length written,
/// or [`Error::BufferTooSmall`]).
///
/// **Certificates** are given as bytes in either encoding: PEM text (what OCPP carries,
/// A00.FR.507; one or more `CERTIFICATE` blocks, text around them ignored) or one DER
/// certificate. Where one certificate is expected and several PEM blocks are given, the first
/// is used.
///
/// **Keys** never cross this interface. [`CryptoProvider::generate_key_pair`] returns a
/// [`KeyId`]; the CSR is signed inside the provider; the TLS stack on the same device gets the
/// key from the provider's store, outside OCPP (A02.FR.05).
///
/// **Time** is passed in ([`UnixTime`]): the charge point's clock belongs to the core, and tests
/// can verify "now", "before" and "after" without waiting.
pub trait CryptoProvider {
    /// The incremental hash of this provider.
    type Hasher: Hasher;

    /// A fresh incremental hash.
    fn hasher(&self, algorithm: HashAlgorithm) -> Self::Hasher;

    /// The digest of `data`, in one go.
    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        let mut h = self.hasher(algorithm);
        h.update(data);
        h.finalize()
    }

    /// Generates a new key pair for the charge point certificate and keeps it (A02.FR.02,
    /// A03.FR.02: "a new public / private key pair"); returns its handle.
    fn generate_key_pair(&mut self, algorithm: KeyAlgorithm) -> Result<KeyId, Error>;

    /// Forgets a key pair (a CSR that was never answered, a replaced certificate's key).
    fn delete_key_pair(&mut self, key: KeyId) -> Result<(), Error>;

    /// Writes the key pair's public key as DER SubjectPublicKeyInfo into `out`.
    fn public_key_der(&self, key: KeyId, out: &mut [u8]) -> Result<usize, Error>;

    /// Writes a PKCS#10 certificate signing request (RFC 2986), PEM encoded
    /// (`CERTIFICATE REQUEST`), for `key` with `subject` into `out`, signed with the key
    /// (A02.FR.03, A02.FR.13; SignCertificate.req `csr` is `string[0..5500]`, §5.17).
    fn create_csr_pem(
        &mut self,
        key: KeyId,
        subject: &CsrSubject<'_>,
        out: &mut [u8],
    ) -> Result<usize, Error>;

    /// Reads a certificate: validity, subject and issuer names, CA flag, public key kind,
    /// serial number.
    fn certificate_info(&self, certificate: &[u8]) -> Result<CertificateInfo, Error>;

    /// Writes the certificate's public key as DER SubjectPublicKeyInfo into `out`.
    fn certificate_public_key_der(
        &self,
        certificate: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Error>;

    /// Whether the certificate certifies the public key of `key` (a CertificateSigned.req must
    /// carry a certificate for the key of the CSR, not for some other key).
    fn certificate_matches_key(&self, certificate: &[u8], key: KeyId) -> Result<bool, Error> {
        let mut ours = [0u8; MAX_GENERATED_PUBLIC_KEY_DER];
        let n = self.public_key_der(key, &mut ours)?;
        let mut theirs = [0u8; MAX_GENERATED_PUBLIC_KEY_DER];
        match self.certificate_public_key_der(certificate, &mut theirs) {
            Ok(m) => Ok(ours.get(..n) == theirs.get(..m)),
            // Larger than any key this provider generates: not ours.
            Err(Error::BufferTooSmall) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `CertificateHashDataType` (§6.1) of `certificate` with `algorithm`. `issuer` is the
    /// certificate of its issuer; `None` for a self-issued certificate (a root), whose own key
    /// is the issuer's key. [`Error::IssuerRequired`] when `None` is given for a certificate
    /// that is not self-issued.
    fn certificate_hash_data(
        &self,
        certificate: &[u8],
        issuer: Option<&[u8]>,
        algorithm: HashAlgorithm,
    ) -> Result<CertificateHashData, Error>;

    /// Verifies a certification path (RFC 5280 §6, as A00.FR.307/403 and A02.FR.06 ask) at
    /// time `at`: `chain` holds the leaf first, then any intermediate CA certificates (PEM, in
    /// any order; the trusted root itself may be included); `roots` are the installed trust
    /// anchors (each PEM or DER). Every certificate on the path must be valid at `at`, every
    /// issuer a CA (basicConstraints cA, and keyCertSign when keyUsage is present) within its
    /// pathLenConstraint, every signature must verify, keys at least as strong as A00.FR.501-503.
    /// Revocation is not checked (the whitepaper gives the charge point none, §2.6.3).
    fn verify_chain(
        &self,
        chain: &[u8],
        roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error>;

    /// Verifies only that `issuer` signed `certificate` (its issuer name is `issuer`'s subject
    /// and the signature verifies with `issuer`'s key), regardless of time and CA flags: the
    /// check of `AdditionalRootCertificateCheck` that a new root "MUST be signed by the old
    /// Root Certificate it is replacing" (M05.FR.09, §7.1).
    fn verify_issued_by(&self, certificate: &[u8], issuer: &[u8]) -> Result<(), Error>;

    /// Verifies a firmware signing certificate against the ManufacturerRootCertificates at
    /// `at` (L01.FR.12, L01.FR.23: before accepting SignedUpdateFirmware.req; failure gives
    /// `InvalidCertificate` and an `InvalidFirmwareSigningCertificate` event).
    fn verify_firmware_certificate(
        &self,
        signing_certificate: &[u8],
        manufacturer_roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error> {
        self.verify_chain(signing_certificate, manufacturer_roots, at)
    }

    /// Verifies the firmware's `signature` (the bytes of FirmwareType.signature, base64-decoded,
    /// see [`crate::encoding::base64_decode`]) over the firmware whose digest is `digest`
    /// (computed with [`CryptoProvider::hasher`] while the file streamed by), with the key of
    /// `signing_certificate` (L01.FR.04, L01.FR.12). Failure gives `InvalidSignature` and an
    /// `InvalidFirmwareSignature` event (L01.FR.03).
    fn verify_firmware_signature(
        &self,
        signing_certificate: &[u8],
        digest: &Digest,
        signature: &[u8],
    ) -> Result<(), Error>;
}
