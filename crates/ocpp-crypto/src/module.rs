//! What the charge point core calls: the certificate store and the crypto operations behind one
//! object-safe trait, [`SecurityModule`].
//!
//! Why a second trait next to [`CryptoProvider`]: the core reaches the security module through
//! its `Storage` (`Storage::security`, which returns a `&mut dyn SecurityModule` and a working
//! buffer), so that adapters and integrators that do not use the security extension see no new
//! type parameter on the charge point. A trait object needs an object-safe trait, and
//! [`CryptoProvider`] is not (its incremental [`Hasher`](crate::Hasher) is an associated type).
//! The core never hashes a stream itself (the integrator hashes the firmware as it downloads
//! it), so [`SecurityModule`] has everything else, plus the certificate store.
//!
//! [`Module`] joins any [`CryptoProvider`] and any [`CertificateStore`] into a
//! [`SecurityModule`].

use crate::Error;
use crate::provider::CryptoProvider;
use crate::types::{
    CertificateHashData, CertificateInfo, CsrSubject, Digest, HashAlgorithm, KeyAlgorithm, KeyId,
    UnixTime, VerifiedChain,
};

/// What an installed certificate is for.
///
/// The first two are the white paper's `CertificateUseEnumType` (§6.4, InstallCertificate.req,
/// GetInstalledCertificateIds.req); the others are the charge point's own bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateKind {
    /// A root the central system's TLS server certificate must lead to (security profiles 2, 3).
    CentralSystemRoot,
    /// A root that firmware signing certificates must lead to (L01).
    ManufacturerRoot,
    /// The previous CentralSystemRootCertificate, kept after an
    /// `AdditionalRootCertificateCheck` replacement (M05.FR.11) and used to verify the server
    /// only when the new root fails (M05.FR.13), removed at the first connection with the new
    /// root (M05.FR.12). GetInstalledCertificateIds does not list it.
    CentralSystemRootFallback,
    /// The charge point certificate (leaf first, then its sub-CA certificates, as
    /// CertificateSigned.req carried them) for TLS client authentication in security profile
    /// 3; stored with the [`KeyId`] of its key. DeleteCertificate cannot remove it (M04.FR.05).
    ChargePoint,
}

/// One certificate of a [`CertificateStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCertificate<'a> {
    /// What it is for.
    pub kind: CertificateKind,
    /// The certificate as it was installed: PEM text or DER (a chain, for
    /// [`CertificateKind::ChargePoint`]).
    pub certificate: &'a [u8],
    /// The key pair it certifies, for [`CertificateKind::ChargePoint`].
    pub key: Option<KeyId>,
}

/// The signing certificate and the signature of a signed firmware update (security whitepaper
/// L01, FirmwareType §6.7), kept from the SignedUpdateFirmware.req that brought them until the
/// downloaded file's signature is verified (L01.FR.04): the file arrives minutes or days later,
/// and the two texts (up to 5,500 and 800 characters) are too large for the charge point's RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareSignature<'a> {
    /// The firmware signing certificate, PEM, as FirmwareType.signingCertificate carried it
    /// (already verified against a ManufacturerRootCertificate, L01.FR.23).
    pub signing_certificate: &'a [u8],
    /// The signature as FirmwareType.signature carried it: base64 text (decode it with
    /// [`crate::encoding::base64_decode`] before [`SecurityModule::verify_firmware_signature`]).
    pub signature: &'a [u8],
}

/// Durable storage for installed certificates, the key of the certificate signing request that
/// waits for its CertificateSigned.req, and the signature of the signed firmware update in
/// progress.
///
/// Certificates are addressed by index, `0..`: [`CertificateStore::get`] returns `None` past
/// the last one. Indexes may change after an insert or a removal. Each change must be atomic
/// (after a power loss, the store holds the old state or the new one) and durable when the
/// method returns: the core answers the central system right after.
pub trait CertificateStore {
    /// The certificate at `index`, or `None` past the last.
    fn get(&self, index: usize) -> Option<StoredCertificate<'_>>;

    /// Adds a certificate. [`Error::StoreFull`] when there is no room; [`Error::Storage`] when
    /// writing failed.
    fn insert(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error>;

    /// Removes the certificate at `index`.
    fn remove(&mut self, index: usize) -> Result<(), Error>;

    /// Changes what the certificate at `index` is for (a replaced CentralSystemRootCertificate
    /// becomes [`CertificateKind::CentralSystemRootFallback`]).
    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error>;

    /// The key of the certificate signing request sent last and not yet answered by an
    /// accepted CertificateSigned.req (kept across restarts).
    fn pending_key(&self) -> Option<KeyId>;

    /// Records (or clears) the key of the pending certificate signing request.
    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error>;

    /// How many certificates, of every kind together, the store can hold: the charge point
    /// derives `CertificateStoreMaxLength` (§7.4) from it, keeping room for a fallback root and
    /// two charge point certificates. Unbounded (`usize::MAX`) unless the store says otherwise.
    fn capacity(&self) -> usize {
        usize::MAX
    }

    /// The signature of the signed firmware update in progress, as last recorded with
    /// [`CertificateStore::set_firmware_signature`] (kept across restarts). The default: none
    /// (a store that does not keep one).
    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        None
    }

    /// Records (replacing the last one) or clears the signature of the signed firmware update
    /// in progress. Atomic and durable like every change. The default refuses
    /// ([`Error::Unsupported`]): the charge point then answers SignedUpdateFirmware.req
    /// `Rejected`.
    fn set_firmware_signature(
        &mut self,
        signature: Option<FirmwareSignature<'_>>,
    ) -> Result<(), Error> {
        let _ = signature;
        Err(Error::Unsupported)
    }
}

/// Everything the charge point core needs for the OCPP 1.6 security extension: the
/// certificate store and the crypto operations. Object-safe; see the module documentation.
///
/// The crypto methods mean what the [`CryptoProvider`] methods of the same name mean.
pub trait SecurityModule {
    /// The installed certificates, see [`CertificateStore::get`].
    fn certificate(&self, index: usize) -> Option<StoredCertificate<'_>>;
    /// See [`CertificateStore::insert`].
    fn insert_certificate(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error>;
    /// See [`CertificateStore::remove`].
    fn remove_certificate(&mut self, index: usize) -> Result<(), Error>;
    /// See [`CertificateStore::set_kind`].
    fn set_certificate_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error>;
    /// See [`CertificateStore::pending_key`].
    fn pending_key(&self) -> Option<KeyId>;
    /// See [`CertificateStore::set_pending_key`].
    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error>;
    /// See [`CertificateStore::capacity`].
    fn certificate_capacity(&self) -> usize {
        usize::MAX
    }

    /// See [`CertificateStore::firmware_signature`]. The default: none.
    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        None
    }
    /// See [`CertificateStore::set_firmware_signature`]. The default refuses
    /// ([`Error::Unsupported`]).
    fn set_firmware_signature(
        &mut self,
        signature: Option<FirmwareSignature<'_>>,
    ) -> Result<(), Error> {
        let _ = signature;
        Err(Error::Unsupported)
    }

    /// See [`CryptoProvider::hash`].
    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest;
    /// See [`CryptoProvider::generate_key_pair`].
    fn generate_key_pair(&mut self, algorithm: KeyAlgorithm) -> Result<KeyId, Error>;
    /// See [`CryptoProvider::delete_key_pair`].
    fn delete_key_pair(&mut self, key: KeyId) -> Result<(), Error>;
    /// See [`CryptoProvider::create_csr_pem`].
    fn create_csr_pem(
        &mut self,
        key: KeyId,
        subject: &CsrSubject<'_>,
        out: &mut [u8],
    ) -> Result<usize, Error>;
    /// See [`CryptoProvider::certificate_info`].
    fn certificate_info(&self, certificate: &[u8]) -> Result<CertificateInfo, Error>;
    /// See [`CryptoProvider::certificate_matches_key`].
    fn certificate_matches_key(&self, certificate: &[u8], key: KeyId) -> Result<bool, Error>;
    /// See [`CryptoProvider::certificate_hash_data`].
    fn certificate_hash_data(
        &self,
        certificate: &[u8],
        issuer: Option<&[u8]>,
        algorithm: HashAlgorithm,
    ) -> Result<CertificateHashData, Error>;
    /// See [`CryptoProvider::verify_chain`].
    fn verify_chain(
        &self,
        chain: &[u8],
        roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error>;
    /// See [`CryptoProvider::verify_issued_by`].
    fn verify_issued_by(&self, certificate: &[u8], issuer: &[u8]) -> Result<(), Error>;
    /// See [`CryptoProvider::verify_firmware_certificate`].
    fn verify_firmware_certificate(
        &self,
        signing_certificate: &[u8],
        manufacturer_roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error>;
    /// See [`CryptoProvider::verify_firmware_signature`].
    fn verify_firmware_signature(
        &self,
        signing_certificate: &[u8],
        digest: &Digest,
        signature: &[u8],
    ) -> Result<(), Error>;
}

/// A [`CryptoProvider`] and a [`CertificateStore`] as one [`SecurityModule`].
#[derive(Debug, Clone, Default)]
pub struct Module<P, S> {
    /// The crypto.
    pub crypto: P,
    /// The certificate store.
    pub store: S,
}

impl<P, S> Module<P, S> {
    /// Joins `crypto` and `store`.
    pub const fn new(crypto: P, store: S) -> Self {
        Module { crypto, store }
    }
}

impl<P: CryptoProvider, S: CertificateStore> SecurityModule for Module<P, S> {
    fn certificate(&self, index: usize) -> Option<StoredCertificate<'_>> {
        self.store.get(index)
    }

    fn insert_certificate(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error> {
        self.store.insert(kind, certificate, key)
    }

    fn remove_certificate(&mut self, index: usize) -> Result<(), Error> {
        self.store.remove(index)
    }

    fn set_certificate_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        self.store.set_kind(index, kind)
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.store.pending_key()
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        self.store.set_pending_key(key)
    }

    fn certificate_capacity(&self) -> usize {
        self.store.capacity()
    }

    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        self.store.firmware_signature()
    }

    fn set_firmware_signature(
        &mut self,
        signature: Option<FirmwareSignature<'_>>,
    ) -> Result<(), Error> {
        self.store.set_firmware_signature(signature)
    }

    fn hash(&self, algorithm: HashAlgorithm, data: &[u8]) -> Digest {
        self.crypto.hash(algorithm, data)
    }

    fn generate_key_pair(&mut self, algorithm: KeyAlgorithm) -> Result<KeyId, Error> {
        self.crypto.generate_key_pair(algorithm)
    }

    fn delete_key_pair(&mut self, key: KeyId) -> Result<(), Error> {
        self.crypto.delete_key_pair(key)
    }

    fn create_csr_pem(
        &mut self,
        key: KeyId,
        subject: &CsrSubject<'_>,
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.crypto.create_csr_pem(key, subject, out)
    }

    fn certificate_info(&self, certificate: &[u8]) -> Result<CertificateInfo, Error> {
        self.crypto.certificate_info(certificate)
    }

    fn certificate_matches_key(&self, certificate: &[u8], key: KeyId) -> Result<bool, Error> {
        self.crypto.certificate_matches_key(certificate, key)
    }

    fn certificate_hash_data(
        &self,
        certificate: &[u8],
        issuer: Option<&[u8]>,
        algorithm: HashAlgorithm,
    ) -> Result<CertificateHashData, Error> {
        self.crypto
            .certificate_hash_data(certificate, issuer, algorithm)
    }

    fn verify_chain(
        &self,
        chain: &[u8],
        roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error> {
        self.crypto.verify_chain(chain, roots, at)
    }

    fn verify_issued_by(&self, certificate: &[u8], issuer: &[u8]) -> Result<(), Error> {
        self.crypto.verify_issued_by(certificate, issuer)
    }

    fn verify_firmware_certificate(
        &self,
        signing_certificate: &[u8],
        manufacturer_roots: &[&[u8]],
        at: UnixTime,
    ) -> Result<VerifiedChain, Error> {
        self.crypto
            .verify_firmware_certificate(signing_certificate, manufacturer_roots, at)
    }

    fn verify_firmware_signature(
        &self,
        signing_certificate: &[u8],
        digest: &Digest,
        signature: &[u8],
    ) -> Result<(), Error> {
        self.crypto
            .verify_firmware_signature(signing_certificate, digest, signature)
    }
}
