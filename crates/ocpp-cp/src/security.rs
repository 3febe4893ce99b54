//! The simulator's security module (the OCPP 1.6 security extension, see docs/security.md):
//! the RustCrypto implementation, keys in `<state-dir>/keys` ([`FileKeyStore`]), and a small
//! certificate store, [`FileCertificateStore`], in `<state-dir>/certificates.json`. Without
//! `--state-dir` both are in memory (kept across simulated restarts, not across runs).
//!
//! Kept small on purpose: the core reaches it through `Storage::security`; a later store with
//! more to it (ocpp-crypto's own) can replace [`FileCertificateStore`] without touching the
//! rest.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ocpp_crypto::encoding::{base64_decode, base64_encode};
use ocpp_crypto::rustcrypto::{MemoryKeyStore, RustCrypto};
use ocpp_crypto::{
    CertificateKind, CertificateStore, Error, FirmwareSignature, KeyId, Module, SecurityModule,
    StoredCertificate,
};
use serde::{Deserialize, Serialize};

/// The scratch buffer the core decodes certificates into: a 5,500-character certificate and an
/// 800-character signature (SignedUpdateFirmware.req), or the longest chain (10,000).
pub const SCRATCH_LEN: usize = 12 * 1024;

/// The security module and its scratch buffer (see `ocpp_core::charge_point::SecurityParts`).
pub struct Security {
    pub module: Box<dyn SecurityModule + Send>,
    pub scratch: Vec<u8>,
}

impl Security {
    /// The module of `state_dir` (created if missing), or in memory.
    pub fn open(state_dir: Option<&Path>) -> Result<Security, String> {
        let module: Box<dyn SecurityModule + Send> = match state_dir {
            Some(dir) => {
                let crypto = RustCrypto::open(dir.join("keys"))
                    .map_err(|e| format!("{}: {e}", dir.join("keys").display()))?;
                Box::new(Module::new(crypto, FileCertificateStore::open(dir)?))
            }
            None => Box::new(Module::new(
                RustCrypto::new(MemoryKeyStore::new(), getrandom::SysRng),
                FileCertificateStore::memory(),
            )),
        };
        Ok(Security {
            module,
            scratch: vec![0; SCRATCH_LEN],
        })
    }

    /// Installs `pem` (`--manufacturer-root`) as a ManufacturerRootCertificate, unless the same
    /// certificate is installed already. The certificate must parse.
    pub fn install_manufacturer_root(&mut self, pem: &[u8]) -> Result<(), String> {
        self.module
            .certificate_info(pem)
            .map_err(|e| format!("not a certificate: {e}"))?;
        let installed = (0..)
            .map_while(|i| self.module.certificate(i))
            .any(|c| c.kind == CertificateKind::ManufacturerRoot && c.certificate == pem);
        if installed {
            return Ok(());
        }
        self.module
            .insert_certificate(CertificateKind::ManufacturerRoot, pem, None)
            .map_err(|e| e.to_string())
    }
}

/// One installed certificate as stored: bytes in base64 (PEM or DER alike).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    kind: String,
    certificate: String,
    key: Option<u32>,
}

/// What `certificates.json` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Saved {
    certificates: Vec<Entry>,
    pending_key: Option<u32>,
    /// The signed firmware update's (certificate, signature), base64.
    firmware_signature: Option<(String, String)>,
}

/// Installed certificates, the pending CSR key and the signed firmware's signature, in memory
/// and (with a directory) in `certificates.json`, rewritten whole at every change: written to
/// a temporary file, synced, renamed over the old one, the directory synced (a power loss
/// leaves the old state or the new one).
#[derive(Debug, Clone, Default)]
pub struct FileCertificateStore {
    path: Option<PathBuf>,
    certificates: Vec<(CertificateKind, Vec<u8>, Option<KeyId>)>,
    pending_key: Option<KeyId>,
    firmware_signature: Option<(Vec<u8>, Vec<u8>)>,
}

const KINDS: [(CertificateKind, &str); 4] = [
    (CertificateKind::CentralSystemRoot, "CentralSystemRoot"),
    (CertificateKind::ManufacturerRoot, "ManufacturerRoot"),
    (
        CertificateKind::CentralSystemRootFallback,
        "CentralSystemRootFallback",
    ),
    (CertificateKind::ChargePoint, "ChargePoint"),
];

fn kind_name(kind: CertificateKind) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("?", |(_, n)| n)
}

fn b64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() / 3 * 4 + 8];
    let n = base64_encode(bytes, &mut out).unwrap_or(0);
    out.truncate(n);
    String::from_utf8(out).unwrap_or_default()
}

fn unb64(text: &str) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; text.len()];
    let n = base64_decode(text.as_bytes(), &mut out).map_err(|e| e.to_string())?;
    out.truncate(n);
    Ok(out)
}

impl FileCertificateStore {
    /// An empty store in memory.
    pub fn memory() -> Self {
        Self::default()
    }

    /// The store of `dir` (`certificates.json`; empty when there is none).
    pub fn open(dir: &Path) -> Result<Self, String> {
        let path = dir.join("certificates.json");
        let mut store = FileCertificateStore {
            path: Some(path.clone()),
            ..Self::default()
        };
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(store),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let saved: Saved =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for entry in saved.certificates {
            let kind = KINDS
                .iter()
                .find(|(_, n)| *n == entry.kind)
                .map(|(k, _)| *k)
                .ok_or_else(|| format!("{}: unknown kind {}", path.display(), entry.kind))?;
            store
                .certificates
                .push((kind, unb64(&entry.certificate)?, entry.key.map(KeyId)));
        }
        store.pending_key = saved.pending_key.map(KeyId);
        if let Some((certificate, signature)) = saved.firmware_signature {
            store.firmware_signature = Some((unb64(&certificate)?, unb64(&signature)?));
        }
        Ok(store)
    }

    /// Writes the file (nothing in memory).
    fn save(&self) -> Result<(), Error> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let saved = Saved {
            certificates: self
                .certificates
                .iter()
                .map(|(kind, certificate, key)| Entry {
                    kind: kind_name(*kind).to_owned(),
                    certificate: b64(certificate),
                    key: key.map(|k| k.0),
                })
                .collect(),
            pending_key: self.pending_key.map(|k| k.0),
            firmware_signature: self
                .firmware_signature
                .as_ref()
                .map(|(c, s)| (b64(c), b64(s))),
        };
        let text = serde_json::to_string_pretty(&saved).map_err(|_| Error::Storage)?;
        let tmp = path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)?;
            if let Some(dir) = path.parent() {
                fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        };
        write().map_err(|_| Error::Storage)
    }

    /// Applies `change`, writes the file, and undoes the change when writing failed.
    fn change(&mut self, change: impl FnOnce(&mut Self) -> Result<(), Error>) -> Result<(), Error> {
        let before = self.clone();
        change(self)?;
        if let Err(e) = self.save() {
            *self = before;
            return Err(e);
        }
        Ok(())
    }
}

impl CertificateStore for FileCertificateStore {
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
        self.change(|s| {
            s.certificates.push((kind, certificate.to_vec(), key));
            Ok(())
        })
    }

    fn remove(&mut self, index: usize) -> Result<(), Error> {
        self.change(|s| {
            if index >= s.certificates.len() {
                return Err(Error::NotFound);
            }
            s.certificates.remove(index);
            Ok(())
        })
    }

    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        self.change(|s| {
            s.certificates.get_mut(index).ok_or(Error::NotFound)?.0 = kind;
            Ok(())
        })
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.pending_key
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        self.change(|s| {
            s.pending_key = key;
            Ok(())
        })
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
        if signature.is_none() && self.firmware_signature.is_none() {
            return Ok(());
        }
        self.change(|s| {
            s.firmware_signature =
                signature.map(|f| (f.signing_certificate.to_vec(), f.signature.to_vec()));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = FileCertificateStore::open(dir.path()).unwrap();
        store
            .insert(CertificateKind::ManufacturerRoot, b"-----BEGIN x", None)
            .unwrap();
        store
            .insert(
                CertificateKind::ChargePoint,
                &[0x30, 0x82, 0],
                Some(KeyId(3)),
            )
            .unwrap();
        store.set_pending_key(Some(KeyId(4))).unwrap();
        store
            .set_firmware_signature(Some(FirmwareSignature {
                signing_certificate: b"cert",
                signature: b"c2ln",
            }))
            .unwrap();
        let again = FileCertificateStore::open(dir.path()).unwrap();
        assert_eq!(again.certificates, store.certificates);
        assert_eq!(again.pending_key(), Some(KeyId(4)));
        let kept = again.firmware_signature().unwrap();
        assert_eq!(
            (kept.signing_certificate, kept.signature),
            (&b"cert"[..], &b"c2ln"[..])
        );
        store.remove(0).unwrap();
        store.set_firmware_signature(None).unwrap();
        let again = FileCertificateStore::open(dir.path()).unwrap();
        assert_eq!(again.get(0).unwrap().kind, CertificateKind::ChargePoint);
        assert!(again.get(1).is_none());
        assert!(again.firmware_signature().is_none());
        let mut again = again;
        assert_eq!(again.remove(5), Err(Error::NotFound));
    }
}
