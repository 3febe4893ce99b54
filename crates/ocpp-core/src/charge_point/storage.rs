//! Persistent storage: a small key-to-record store the integrator provides.
//!
//! The charge point keeps a handful of named records (configuration, transaction journal,
//! authorization cache, ...) and rewrites a record whole whenever it changes, except the journal,
//! which it appends to when the storage can ([`Storage::append`]). An implementation must make
//! `store` atomic: after a power loss at any instant, `load` returns either the old or the new
//! record, never a mix (write to a temporary file and rename it; on flash, a journal with
//! checksums such as the `sequential-storage` crate); and `append` must only ever leave the old
//! record plus a prefix of the appended bytes. That is the whole contract the charge point
//! relies on to lose no transaction.
//!
//! The trait lives in `ocpp-core` because the core calls it (synchronously, so that a record is
//! durable before the frame that depends on it is handed out); `ocpp-hal` re-exports it.

use core::fmt;

/// The records the charge point stores. Their contents are this crate's business; their names are
/// stable (file names, flash keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKey {
    /// Changed configuration keys (text, see `config`).
    Configuration,
    /// Running transactions and queued transaction-related messages (a binary log, see
    /// [`journal`](super::journal)).
    Journal,
    /// The authorization cache.
    AuthorizationCache,
    /// The local authorization list.
    LocalAuthList,
    /// Installed charging profiles (Smart Charging).
    ChargingProfiles,
    /// The security log: the latest security events, oldest dropped first (security whitepaper
    /// A04.FR.04, N01.FR.05; a binary log appended to, see `ChargePoint::security_log`).
    SecurityLog,
}

impl RecordKey {
    /// Every record key.
    pub const ALL: [RecordKey; 6] = [
        RecordKey::Configuration,
        RecordKey::Journal,
        RecordKey::AuthorizationCache,
        RecordKey::LocalAuthList,
        RecordKey::ChargingProfiles,
        RecordKey::SecurityLog,
    ];

    /// A stable name, usable as a file name.
    pub const fn name(self) -> &'static str {
        match self {
            RecordKey::Configuration => "configuration",
            RecordKey::Journal => "journal",
            RecordKey::AuthorizationCache => "authorization-cache",
            RecordKey::LocalAuthList => "local-auth-list",
            RecordKey::ChargingProfiles => "charging-profiles",
            RecordKey::SecurityLog => "security-log",
        }
    }

    pub(crate) const fn index(self) -> usize {
        match self {
            RecordKey::Configuration => 0,
            RecordKey::Journal => 1,
            RecordKey::AuthorizationCache => 2,
            RecordKey::LocalAuthList => 3,
            RecordKey::ChargingProfiles => 4,
            RecordKey::SecurityLog => 5,
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Durable storage for the charge point's records.
pub trait Storage {
    /// The implementation's error.
    type Error: fmt::Debug;

    /// Reads record `key` into `buf` and returns its bytes, or `None` if it was never stored.
    /// A record larger than `buf` is an error.
    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, Self::Error>;

    /// Replaces record `key` with `data`, atomically (see the module docs).
    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), Self::Error>;

    /// Appends `data` to record `key` and returns `Ok(true)`, or returns `Ok(false)` when this
    /// storage cannot append (the default): the charge point then rewrites the whole record with
    /// [`Storage::store`].
    ///
    /// The contract: after a power loss at any instant, `load` returns the old record followed
    /// by a prefix (possibly empty, possibly all) of `data`. Appends never reorder and never
    /// touch bytes already stored. The charge point frames what it appends with a length and a
    /// CRC, so a torn tail is recognised and dropped when the record is read back. `key` must
    /// exist (the charge point appends only after storing the record once); an error means the
    /// append may or may not have reached storage: the charge point then rewrites the record
    /// whole.
    ///
    /// Only the journal (at each periodic sample and each delivered transaction message: a few
    /// dozen bytes instead of the whole journal) and the security log (at each security event)
    /// are appended to.
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, Self::Error> {
        let _ = (key, data);
        Ok(false)
    }

    /// The security module (certificate store, keys, crypto) and a working buffer, for the
    /// OCPP 1.6 security extension; `None` (the default) when the charge point has none: it
    /// then refuses what needs one (InstallCertificate `Rejected`, CertificateSigned
    /// `Rejected`, SignedUpdateFirmware `InvalidCertificate`, ...).
    ///
    /// Why here and not a type parameter of the charge point: certificates and keys are
    /// durable state, owned by whoever owns the charger's storage, and a storage-side hook
    /// keeps `ChargePoint<S>` as it is for every adapter and integrator that does not use the
    /// security extension (see docs/security.md, "The security module").
    fn security(&mut self) -> Option<SecurityParts<'_>> {
        None
    }
}

/// What [`Storage::security`] lends the charge point for one operation.
///
/// `scratch` is where the charge point puts a received certificate or chain (unescaped from
/// the JSON text) and a certificate signing request it sends: its length bounds what the charge
/// point accepts (`CertificateSignedMaxChainSize`; InstallCertificate and SignedUpdateFirmware
/// certificates up to 5,500 characters, the white paper's bound). A few KB on a
/// microcontroller (one PEM certificate is 1-2 KB); 10,000 bytes take the longest chain the
/// white paper allows. It is the integrator's memory, not the charge point's, and only borrowed
/// while a message is handled.
pub struct SecurityParts<'a> {
    /// The working buffer.
    pub scratch: &'a mut [u8],
    /// The certificate store and the crypto operations.
    pub module: &'a mut dyn ocpp_crypto::SecurityModule,
}

impl fmt::Debug for SecurityParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityParts")
            .field("scratch", &self.scratch.len())
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> Storage for &mut S {
    type Error = S::Error;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, Self::Error> {
        (**self).load(key, buf)
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), Self::Error> {
        (**self).store(key, data)
    }

    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, Self::Error> {
        (**self).append(key, data)
    }

    fn security(&mut self) -> Option<SecurityParts<'_>> {
        (**self).security()
    }
}

/// A record does not fit [`MemoryStorage`] or the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordTooLarge;

/// Storage in RAM, `N` bytes per record: for tests, simulators and chargers that persist nothing.
/// Cloning it models a power cycle that keeps what was stored.
#[derive(Debug, Clone)]
pub struct MemoryStorage<const N: usize> {
    records: [Option<heapless::Vec<u8, N>>; RecordKey::ALL.len()],
    writes: u32,
    bytes_written: u64,
}

impl<const N: usize> Default for MemoryStorage<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> MemoryStorage<N> {
    /// Empty storage.
    pub const fn new() -> Self {
        MemoryStorage {
            records: [const { None }; RecordKey::ALL.len()],
            writes: 0,
            bytes_written: 0,
        }
    }

    /// The stored bytes of `key`.
    pub fn get(&self, key: RecordKey) -> Option<&[u8]> {
        self.records.get(key.index()).and_then(|r| r.as_deref())
    }

    /// How many `store` and `append` calls succeeded (to check write amplification in tests).
    pub const fn writes(&self) -> u32 {
        self.writes
    }

    /// Bytes written by `store` and `append` so far (flash wear, in tests).
    pub const fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Keeps the first `len` bytes of record `key`: a power cut in the middle of an append.
    pub fn truncate(&mut self, key: RecordKey, len: usize) {
        if let Some(Some(record)) = self.records.get_mut(key.index()) {
            record.truncate(len);
        }
    }

    /// Replaces the stored bytes of `key` (to corrupt a record in tests).
    pub fn get_mut(&mut self, key: RecordKey) -> Option<&mut [u8]> {
        self.records
            .get_mut(key.index())
            .and_then(|r| r.as_deref_mut())
    }
}

impl<const N: usize> Storage for MemoryStorage<N> {
    type Error = RecordTooLarge;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, RecordTooLarge> {
        let Some(data) = self.get(key) else {
            return Ok(None);
        };
        let dst = buf.get_mut(..data.len()).ok_or(RecordTooLarge)?;
        dst.copy_from_slice(data);
        Ok(Some(dst))
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), RecordTooLarge> {
        if data.len() > N {
            return Err(RecordTooLarge);
        }
        // In place: no record-sized temporary on the stack.
        if let Some(slot) = self.records.get_mut(key.index()) {
            let v = slot.get_or_insert_with(heapless::Vec::new);
            v.clear();
            // Cannot fail: checked against N above.
            let _ = v.extend_from_slice(data);
        }
        self.writes += 1;
        self.bytes_written += data.len() as u64;
        Ok(())
    }

    /// Appends in place; a record that would outgrow `N` bytes is refused (the charge point
    /// then compacts it with `store`).
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, RecordTooLarge> {
        let Some(Some(record)) = self.records.get_mut(key.index()) else {
            return Err(RecordTooLarge);
        };
        record.extend_from_slice(data).map_err(|_| RecordTooLarge)?;
        self.writes += 1;
        self.bytes_written += data.len() as u64;
        Ok(true)
    }
}
