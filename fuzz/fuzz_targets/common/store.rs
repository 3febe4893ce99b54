//! The storage of the charge point fuzz targets: records in a map, appends supported (so the
//! journal is written as the log a real storage keeps, not rewritten whole), and optionally a
//! security module (`Storage::security`) so that the certificate, CSR and signed-firmware
//! handlers of the security extension run too.

#![allow(dead_code)]

use std::collections::HashMap;

use ocpp_core::charge_point::{RecordKey, SecurityParts, Storage};
use ocpp_crypto::rustcrypto::{MemoryKeyStore, RustCrypto};
use ocpp_crypto::{MemoryCertificateStore, Module};

/// The scratch of the security module: the longest certificate chain a CertificateSigned.req
/// may carry (`CertificateSignedMaxChainSize`, whitepaper §7.3).
pub const SCRATCH_LEN: usize = 10_000;

/// The module: RustCrypto with keys in memory and a deterministic RNG (a fuzz input must run
/// the same way every time), certificates in memory.
pub type FuzzModule = Module<RustCrypto<MemoryKeyStore, FuzzRng>, MemoryCertificateStore>;

#[derive(Default)]
pub struct Store {
    pub records: HashMap<&'static str, Vec<u8>>,
    /// The security module and its scratch; kept across restarts, as a device keeps its flash.
    pub security: Option<(FuzzModule, Vec<u8>)>,
}

impl Store {
    /// Records and a security module with an empty certificate store.
    pub fn with_security() -> Store {
        let crypto = RustCrypto::new(MemoryKeyStore::new(), FuzzRng(0x0ccb_f022));
        Store {
            records: HashMap::new(),
            security: Some((Module::new(crypto, MemoryCertificateStore::default()), vec![0; SCRATCH_LEN])),
        }
    }
}

impl Storage for Store {
    type Error = ();
    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        let Some(data) = self.records.get(key.name()) else { return Ok(None) };
        let dst = buf.get_mut(..data.len()).ok_or(())?;
        dst.copy_from_slice(data);
        Ok(Some(dst))
    }
    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
        self.records.insert(key.name(), data.to_vec());
        Ok(())
    }
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, ()> {
        self.records.get_mut(key.name()).ok_or(())?.extend_from_slice(data);
        Ok(true)
    }
    fn security(&mut self) -> Option<SecurityParts<'_>> {
        let (module, scratch) = self.security.as_mut()?;
        Some(SecurityParts { scratch, module })
    }
}

/// SplitMix64: deterministic, and good enough for keys nobody relies on.
pub struct FuzzRng(pub u64);

impl FuzzRng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl rand_core::TryRng for FuzzRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.next() >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.next())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for FuzzRng {}
