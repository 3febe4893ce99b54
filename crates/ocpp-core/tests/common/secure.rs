//! Storage with a security module: the heap [`Store`] plus a
//! [`Module`]`<`[`RustCrypto`]`<`[`MemoryKeyStore`]`, _>, `[`TestCertificates`]`>` and a working
//! buffer, lent by [`Storage::security`] as an integrator's storage would. A restart
//! ([`super::sim::Sim::restart`]) keeps all of it, as a device keeps its flash.
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::cell::Cell;
use std::rc::Rc;

use ocpp_core::charge_point::{RecordKey, SecurityParts, Storage};
use ocpp_crypto::rustcrypto::{MemoryKeyStore, RustCrypto};
use ocpp_crypto::{
    CertificateKind, CertificateStore, Error, KeyId, MemoryCertificateStore, Module,
    StoredCertificate,
};

use super::sim::Store;

/// A [`MemoryCertificateStore`] whose writes can be made to fail (a flash error), to test the
/// `Failed` statuses (M04.FR.03, M05.FR.04).
#[derive(Debug, Clone)]
pub struct TestCertificates {
    pub inner: MemoryCertificateStore,
    /// While set, every change fails with [`Error::Storage`].
    pub fail_writes: Rc<Cell<bool>>,
}

impl TestCertificates {
    fn check(&self) -> Result<(), Error> {
        if self.fail_writes.get() {
            Err(Error::Storage)
        } else {
            Ok(())
        }
    }
}

impl CertificateStore for TestCertificates {
    fn get(&self, index: usize) -> Option<StoredCertificate<'_>> {
        self.inner.get(index)
    }

    fn insert(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error> {
        self.check()?;
        self.inner.insert(kind, certificate, key)
    }

    fn remove(&mut self, index: usize) -> Result<(), Error> {
        self.check()?;
        self.inner.remove(index)
    }

    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        self.check()?;
        self.inner.set_kind(index, kind)
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.inner.pending_key()
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        self.check()?;
        self.inner.set_pending_key(key)
    }

    fn capacity(&self) -> usize {
        self.inner.capacity()
    }
}

/// The security module of the tests.
pub type TestModule = Module<RustCrypto<MemoryKeyStore, getrandom::SysRng>, TestCertificates>;

/// [`Store`] and, when `module` is `Some`, a security module with `scratch` as its working
/// buffer.
pub struct SecureStore {
    pub store: Store,
    pub module: Option<TestModule>,
    pub scratch: Vec<u8>,
}

impl SecureStore {
    /// A module with an empty certificate store of `capacity` and a working buffer of
    /// `scratch` bytes.
    pub fn new(capacity: usize, scratch: usize) -> Self {
        Self::with_flag(capacity, scratch, Rc::new(Cell::new(false)))
    }

    /// [`SecureStore::new`], whose store fails its writes while `fail_writes` is set.
    pub fn with_flag(capacity: usize, scratch: usize, fail_writes: Rc<Cell<bool>>) -> Self {
        let crypto = RustCrypto::new(MemoryKeyStore::new(), getrandom::SysRng);
        let certificates = TestCertificates {
            inner: MemoryCertificateStore::new(capacity),
            fail_writes,
        };
        Self {
            store: Store::new(),
            module: Some(Module::new(crypto, certificates)),
            scratch: vec![0; scratch],
        }
    }

    /// Storage without a security module.
    pub fn without_module() -> Self {
        Self {
            store: Store::new(),
            module: None,
            scratch: Vec::new(),
        }
    }

    pub fn module(&self) -> &TestModule {
        self.module.as_ref().unwrap()
    }

    /// The installed certificates: (kind, bytes, key).
    pub fn certificates(&self) -> Vec<(CertificateKind, Vec<u8>, Option<KeyId>)> {
        self.module()
            .store
            .inner
            .iter()
            .map(|c| (c.kind, c.certificate.to_vec(), c.key))
            .collect()
    }

    /// The kinds of the installed certificates, in store order.
    pub fn kinds(&self) -> Vec<CertificateKind> {
        self.certificates().into_iter().map(|c| c.0).collect()
    }

    pub fn pending_key(&self) -> Option<KeyId> {
        self.module().store.pending_key()
    }

    /// The ids of the key pairs the provider holds.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.module().crypto.store().ids().collect()
    }
}

impl Storage for SecureStore {
    type Error = ();

    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        self.store.load(key, buf)
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
        self.store.store(key, data)
    }

    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, ()> {
        self.store.append(key, data)
    }

    fn security(&mut self) -> Option<SecurityParts<'_>> {
        let module = self.module.as_mut()?;
        Some(SecurityParts {
            scratch: &mut self.scratch,
            module,
        })
    }
}
