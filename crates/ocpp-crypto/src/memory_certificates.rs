//! [`MemoryCertificateStore`]: installed certificates on the heap (feature `alloc`).

use alloc::vec::Vec;

use crate::module::{CertificateKind, CertificateStore, FirmwareSignature, StoredCertificate};
use crate::{Error, KeyId};

/// One certificate of a [`MemoryCertificateStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: CertificateKind,
    certificate: Vec<u8>,
    key: Option<KeyId>,
}

/// A [`CertificateStore`] in RAM, holding at most `capacity` certificates: for tests, and for a
/// device that saves the store itself (read it with [`MemoryCertificateStore::iter`] and
/// [`MemoryCertificateStore::pending_key`] and [`CertificateStore::firmware_signature`], rebuild
/// it with [`CertificateStore::insert`], [`CertificateStore::set_pending_key`] and
/// [`CertificateStore::set_firmware_signature`]).
///
/// Certificates keep their insertion order; a removal shifts the later ones down by one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryCertificateStore {
    entries: Vec<Entry>,
    capacity: usize,
    pending: Option<KeyId>,
    /// The signed firmware update's signing certificate and signature (security whitepaper
    /// L01), as [`CertificateStore::set_firmware_signature`] recorded them.
    firmware: Option<(Vec<u8>, Vec<u8>)>,
}

impl MemoryCertificateStore {
    /// The capacity of [`MemoryCertificateStore::default`]: 16 certificates.
    pub const DEFAULT_CAPACITY: usize = 16;

    /// An empty store for at most `capacity` certificates (of every kind together).
    pub const fn new(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            capacity,
            pending: None,
            firmware: None,
        }
    }

    /// Every certificate, in index order.
    pub fn iter(&self) -> impl Iterator<Item = StoredCertificate<'_>> + '_ {
        self.entries.iter().map(Entry::as_stored)
    }

    /// How many certificates it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Default for MemoryCertificateStore {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl Entry {
    fn as_stored(&self) -> StoredCertificate<'_> {
        StoredCertificate {
            kind: self.kind,
            certificate: &self.certificate,
            key: self.key,
        }
    }
}

impl CertificateStore for MemoryCertificateStore {
    fn get(&self, index: usize) -> Option<StoredCertificate<'_>> {
        self.entries.get(index).map(Entry::as_stored)
    }

    fn insert(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error> {
        if self.entries.len() >= self.capacity {
            return Err(Error::StoreFull);
        }
        self.entries.push(Entry {
            kind,
            certificate: certificate.to_vec(),
            key,
        });
        Ok(())
    }

    fn remove(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.entries.len() {
            return Err(Error::NotFound);
        }
        self.entries.remove(index);
        Ok(())
    }

    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        let entry = self.entries.get_mut(index).ok_or(Error::NotFound)?;
        entry.kind = kind;
        Ok(())
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.pending
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        self.pending = key;
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }

    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        self.firmware
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
        self.firmware = signature.map(|s| (s.signing_certificate.to_vec(), s.signature.to_vec()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove_set_kind_and_capacity() {
        let mut store = MemoryCertificateStore::new(2);
        assert_eq!(CertificateStore::capacity(&store), 2);
        assert!(store.get(0).is_none());
        store
            .insert(CertificateKind::CentralSystemRoot, b"root", None)
            .unwrap();
        store
            .insert(CertificateKind::ChargePoint, b"leaf", Some(KeyId(3)))
            .unwrap();
        assert_eq!(
            store.insert(CertificateKind::ManufacturerRoot, b"m", None),
            Err(Error::StoreFull)
        );
        assert_eq!(store.len(), 2);
        let leaf = store.get(1).unwrap();
        assert_eq!(leaf.kind, CertificateKind::ChargePoint);
        assert_eq!(leaf.certificate, b"leaf");
        assert_eq!(leaf.key, Some(KeyId(3)));

        store
            .set_kind(0, CertificateKind::CentralSystemRootFallback)
            .unwrap();
        assert_eq!(
            store.get(0).unwrap().kind,
            CertificateKind::CentralSystemRootFallback
        );
        assert_eq!(
            store.set_kind(2, CertificateKind::ChargePoint),
            Err(Error::NotFound)
        );

        store.remove(0).unwrap();
        assert_eq!(store.get(0).unwrap().certificate, b"leaf");
        assert_eq!(store.remove(1), Err(Error::NotFound));
        assert_eq!(store.iter().count(), 1);
        store
            .insert(CertificateKind::ManufacturerRoot, b"m", None)
            .unwrap();
        assert_eq!(
            store.get(1).unwrap().kind,
            CertificateKind::ManufacturerRoot
        );
    }

    #[test]
    fn pending_key() {
        let mut store = MemoryCertificateStore::default();
        assert_eq!(store.pending_key(), None);
        store.set_pending_key(Some(KeyId(7))).unwrap();
        assert_eq!(store.pending_key(), Some(KeyId(7)));
        store.set_pending_key(None).unwrap();
        assert_eq!(store.pending_key(), None);
        assert!(store.is_empty());
    }

    #[test]
    fn firmware_signature_is_kept_replaced_and_cleared() {
        let mut store = MemoryCertificateStore::new(0);
        assert_eq!(store.firmware_signature(), None);
        store
            .set_firmware_signature(Some(FirmwareSignature {
                signing_certificate: b"-----BEGIN CERTIFICATE-----\none",
                signature: b"c2ln",
            }))
            .unwrap();
        let kept = store.firmware_signature().unwrap();
        assert_eq!(
            kept.signing_certificate,
            b"-----BEGIN CERTIFICATE-----\none"
        );
        assert_eq!(kept.signature, b"c2ln");
        // The next request replaces it; it does not count against the capacity.
        store
            .set_firmware_signature(Some(FirmwareSignature {
                signing_certificate: b"two",
                signature: b"",
            }))
            .unwrap();
        let kept = store.firmware_signature().unwrap();
        assert_eq!(
            (kept.signing_certificate, kept.signature),
            (&b"two"[..], &b""[..])
        );
        store.set_firmware_signature(None).unwrap();
        assert_eq!(store.firmware_signature(), None);
        store.set_firmware_signature(None).unwrap();
        assert!(store.is_empty());
    }
}
