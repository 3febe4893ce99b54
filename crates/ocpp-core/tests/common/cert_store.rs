//! A minimal certificate store for the tests (`ocpp_crypto::CertificateStore` in a `Vec`): the
//! certificates, the pending key and the signed firmware's signature in memory. Test-only and
//! deliberately small: replace it with ocpp-crypto's own in-memory store when there is one.
#![allow(dead_code)]

use ocpp_crypto::{
    CertificateKind, CertificateStore, Error, FirmwareSignature, KeyId, StoredCertificate,
};

/// The certificates in insertion order; the firmware signature as (certificate, signature).
#[derive(Debug, Clone, Default)]
pub struct TestCertificateStore {
    pub certificates: Vec<(CertificateKind, Vec<u8>, Option<KeyId>)>,
    pub pending_key: Option<KeyId>,
    pub firmware_signature: Option<(Vec<u8>, Vec<u8>)>,
    /// `set_firmware_signature` fails with `Error::Storage` (a broken store).
    pub fail_writes: bool,
}

impl TestCertificateStore {
    /// A store holding `pem` as a ManufacturerRootCertificate.
    pub fn with_manufacturer_root(pem: &str) -> Self {
        let mut store = Self::default();
        store
            .insert(CertificateKind::ManufacturerRoot, pem.as_bytes(), None)
            .unwrap();
        store
    }
}

impl CertificateStore for TestCertificateStore {
    fn get(&self, index: usize) -> Option<StoredCertificate<'_>> {
        self.certificates
            .get(index)
            .map(|(kind, certificate, key)| StoredCertificate {
                kind: *kind,
                certificate,
                key: *key,
            })
    }

    fn insert(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error> {
        self.certificates.push((kind, certificate.to_vec(), key));
        Ok(())
    }

    fn remove(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.certificates.len() {
            return Err(Error::NotFound);
        }
        self.certificates.remove(index);
        Ok(())
    }

    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        let entry = self.certificates.get_mut(index).ok_or(Error::NotFound)?;
        entry.0 = kind;
        Ok(())
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.pending_key
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        self.pending_key = key;
        Ok(())
    }

    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        self.firmware_signature
            .as_ref()
            .map(|(signing_certificate, signature)| FirmwareSignature {
                signing_certificate,
                signature,
            })
    }

    fn set_firmware_signature(
        &mut self,
        signature: Option<FirmwareSignature<'_>>,
    ) -> Result<(), Error> {
        if self.fail_writes {
            return Err(Error::Storage);
        }
        self.firmware_signature =
            signature.map(|s| (s.signing_certificate.to_vec(), s.signature.to_vec()));
        Ok(())
    }
}
