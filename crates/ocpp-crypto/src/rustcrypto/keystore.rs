//! Where the RustCrypto implementation keeps its private keys: PKCS#8 DER behind a [`KeyId`].

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::{Error, KeyId};

/// Persistent storage of private keys as PKCS#8 DER (RFC 5208 / 5958).
///
/// Only [`super::RustCrypto`] and the local TLS stack read it; nothing of it goes over OCPP
/// (security whitepaper A02.FR.05). Contents are wiped from memory when dropped
/// ([`Zeroizing`]).
pub trait KeyStore {
    /// Stores a new key; returns its new, unused id.
    fn insert(&mut self, pkcs8_der: &[u8]) -> Result<KeyId, Error>;
    /// The key's PKCS#8 DER, or [`Error::KeyNotFound`].
    fn load(&self, key: KeyId) -> Result<Zeroizing<Vec<u8>>, Error>;
    /// Deletes the key, or [`Error::KeyNotFound`].
    fn remove(&mut self, key: KeyId) -> Result<(), Error>;
}

/// Keys in memory: for tests, and for a device whose keys live no longer than its RAM (or that
/// saves [`MemoryKeyStore::entries`] itself).
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: BTreeMap<u32, Zeroizing<Vec<u8>>>,
    next: u32,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ids it holds, ascending.
    pub fn ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.keys().map(|k| KeyId(*k))
    }

    /// Every key with its id.
    pub fn entries(&self) -> impl Iterator<Item = (KeyId, &[u8])> + '_ {
        self.keys.iter().map(|(k, v)| (KeyId(*k), v.as_slice()))
    }
}

impl KeyStore for MemoryKeyStore {
    fn insert(&mut self, pkcs8_der: &[u8]) -> Result<KeyId, Error> {
        let id = self.next;
        self.next = self.next.checked_add(1).ok_or(Error::KeyStore)?;
        self.keys.insert(id, Zeroizing::new(pkcs8_der.to_vec()));
        Ok(KeyId(id))
    }

    fn load(&self, key: KeyId) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.keys.get(&key.0).cloned().ok_or(Error::KeyNotFound)
    }

    fn remove(&mut self, key: KeyId) -> Result<(), Error> {
        self.keys
            .remove(&key.0)
            .map(|_| ())
            .ok_or(Error::KeyNotFound)
    }
}
