//! The simulator's security module (the OCPP 1.6 security extension, see docs/security.md): the
//! RustCrypto implementation with its keys in `<state-dir>/keys` ([`FileKeyStore`]) and
//! ocpp-crypto's [`FileCertificateStore`] in `<state-dir>/certificates`. Without `--state-dir`
//! the keys and the certificates are in memory ([`MemoryCertificateStore`]: kept across
//! simulated restarts, not across runs).
//!
//! The connection reads the installed certificates at each attempt (ocpp-tungstenite's
//! `ConnectOptions::use_installed_certificates`) and loads the charge point certificate's key
//! with [`Security::key_loader`], so a certificate accepted by CertificateSigned.req serves from
//! the next connection (security whitepaper A02.FR.08).

use std::path::Path;
use std::sync::{Arc, Mutex};

use ocpp_crypto::encoding::pem_encode;
use ocpp_crypto::rustcrypto::{FileKeyStore, KeyStore, MemoryKeyStore, RustCrypto};
use ocpp_crypto::{
    CertificateKind, Error, FileCertificateStore, KeyId, MemoryCertificateStore, Module,
    SecurityModule,
};
use ocpp_tungstenite::ClientKeyLoader;
use ocpp_tungstenite::rustls::pki_types::pem::PemObject;
use ocpp_tungstenite::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

/// The scratch buffer the core decodes certificates into: a 5,500-character certificate and an
/// 800-character signature (SignedUpdateFirmware.req), or the longest chain (10,000).
pub const SCRATCH_LEN: usize = 12 * 1024;

/// The security module and its scratch buffer (see `ocpp_core::charge_point::SecurityParts`).
pub struct Security {
    pub module: Box<dyn SecurityModule + Send>,
    pub scratch: Vec<u8>,
    /// Where the TLS stack finds the private keys.
    keys: Keys,
}

/// The private keys, as the TLS stack reaches them.
#[derive(Clone)]
enum Keys {
    /// `key-<id>.p8.der` files (PKCS#8 DER), read by path.
    Files(FileKeyStore),
    /// The module's in-memory key store, shared.
    Memory(SharedKeys),
}

/// A [`MemoryKeyStore`] that the module and the key loader share.
#[derive(Clone, Default)]
struct SharedKeys(Arc<Mutex<MemoryKeyStore>>);

impl KeyStore for SharedKeys {
    fn insert(&mut self, pkcs8_der: &[u8]) -> Result<KeyId, Error> {
        self.0
            .lock()
            .map_err(|_| Error::KeyStore)?
            .insert(pkcs8_der)
    }

    fn load(&self, key: KeyId) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.0.lock().map_err(|_| Error::KeyStore)?.load(key)
    }

    fn remove(&mut self, key: KeyId) -> Result<(), Error> {
        self.0.lock().map_err(|_| Error::KeyStore)?.remove(key)
    }
}

impl Security {
    /// The module of `state_dir` (`keys/` and `certificates/`, created if missing), or in
    /// memory.
    pub fn open(state_dir: Option<&Path>) -> Result<Security, String> {
        let (module, keys) = match state_dir {
            Some(dir) => Self::in_dir(dir)?,
            None => Self::in_memory(),
        };
        Ok(Security {
            module,
            scratch: vec![0; SCRATCH_LEN],
            keys,
        })
    }

    /// Keys in `dir/keys`, certificates in `dir/certificates`.
    fn in_dir(dir: &Path) -> Result<(Box<dyn SecurityModule + Send>, Keys), String> {
        let keys_dir = dir.join("keys");
        let keys =
            FileKeyStore::open(&keys_dir).map_err(|e| format!("{}: {e}", keys_dir.display()))?;
        let certificates_dir = dir.join("certificates");
        let certificates = FileCertificateStore::open(&certificates_dir)
            .map_err(|e| format!("{}: {e}", certificates_dir.display()))?;
        let crypto = RustCrypto::new(keys.clone(), getrandom::SysRng);
        Ok((
            Box::new(Module::new(crypto, certificates)),
            Keys::Files(keys),
        ))
    }

    /// Keys and certificates in memory.
    fn in_memory() -> (Box<dyn SecurityModule + Send>, Keys) {
        let keys = SharedKeys::default();
        let crypto = RustCrypto::new(keys.clone(), getrandom::SysRng);
        (
            Box::new(Module::new(crypto, MemoryCertificateStore::default())),
            Keys::Memory(keys),
        )
    }

    /// What the connection loads the installed charge point certificate's key with
    /// (`ConnectOptions::client_key_loader`): the PKCS#8 DER of the key store. The key never
    /// leaves the machine (A02.FR.05): only the local TLS stack reads it.
    pub fn key_loader(&self) -> ClientKeyLoader {
        let keys = self.keys.clone();
        Arc::new(move |id: KeyId| {
            let der = match &keys {
                Keys::Files(store) => std::fs::read(store.path(id)).ok()?,
                Keys::Memory(store) => store.load(id).ok()?.to_vec(),
            };
            Some(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)))
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

    /// `--ca`: when no CentralSystemRootCertificate is installed (the first start, or after the
    /// central system deleted them all), installs each certificate of the PEM bundle as one, so
    /// that GetInstalledCertificateIds lists them, DeleteCertificate removes them, and the TLS
    /// connection trusts what is installed. Returns how many were installed.
    pub fn seed_central_system_roots(&mut self, bundle: &[u8]) -> Result<usize, String> {
        let installed = (0..).map_while(|i| self.module.certificate(i)).any(|c| {
            matches!(
                c.kind,
                CertificateKind::CentralSystemRoot | CertificateKind::CentralSystemRootFallback
            )
        });
        if installed {
            return Ok(0);
        }
        let mut pems = Vec::new();
        for der in CertificateDer::pem_slice_iter(bundle) {
            let der = der.map_err(|e| format!("not a PEM bundle: {e}"))?;
            let mut pem = vec![0u8; der.len() * 2 + 128];
            let len = pem_encode("CERTIFICATE", &der, &mut pem).map_err(|e| e.to_string())?;
            pem.truncate(len);
            self.module
                .certificate_info(&pem)
                .map_err(|e| format!("certificate {}: {e}", pems.len() + 1))?;
            pems.push(pem);
        }
        if pems.is_empty() {
            return Err("no certificate in the file".into());
        }
        for (n, pem) in pems.iter().enumerate() {
            self.module
                .insert_certificate(CertificateKind::CentralSystemRoot, pem, None)
                .map_err(|e| format!("certificate {}: {e}", n + 1))?;
        }
        Ok(pems.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocpp_crypto::{CsrSubject, KeyAlgorithm};

    /// A self-signed CA certificate (P-256), made with openssl if it is installed.
    fn ca_pem(dir: &Path, name: &str) -> Option<Vec<u8>> {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}.key"));
        let status = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:P-256")
            .args(["-nodes", "-days", "2", "-subj"])
            .arg(format!("/CN={name}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status
            .success()
            .then(|| std::fs::read(&cert).ok())
            .flatten()
    }

    fn kinds(security: &Security) -> Vec<CertificateKind> {
        (0..)
            .map_while(|i| security.module.certificate(i))
            .map(|c| c.kind)
            .collect()
    }

    #[test]
    fn certificates_and_keys_survive_a_reopen_and_the_key_loads_for_tls() {
        let dir = tempfile::tempdir().unwrap();
        let mut security = Security::open(Some(dir.path())).unwrap();
        let key = security
            .module
            .generate_key_pair(KeyAlgorithm::EcdsaP256)
            .unwrap();
        security.module.set_pending_key(Some(key)).unwrap();
        security
            .module
            .insert_certificate(CertificateKind::ChargePoint, b"chain", Some(key))
            .unwrap();
        drop(security);
        let security = Security::open(Some(dir.path())).unwrap();
        assert_eq!(security.module.pending_key(), Some(key));
        assert_eq!(kinds(&security), [CertificateKind::ChargePoint]);
        assert!(dir.path().join("keys").is_dir());
        assert!(dir.path().join("certificates/certificates.idx").is_file());
        // The key the module made is one the TLS stack (rustls, ring) can sign with.
        let loaded = (security.key_loader())(key).unwrap();
        ocpp_tungstenite::rustls::crypto::ring::sign::any_supported_type(&loaded).unwrap();
        assert!((security.key_loader())(KeyId(99)).is_none());
    }

    #[test]
    fn in_memory_the_loader_shares_the_module_keys() {
        let mut security = Security::open(None).unwrap();
        let key = security
            .module
            .generate_key_pair(KeyAlgorithm::EcdsaP256)
            .unwrap();
        let loaded = (security.key_loader())(key).unwrap();
        ocpp_tungstenite::rustls::crypto::ring::sign::any_supported_type(&loaded).unwrap();
        // And it makes CSRs (the CertificateSigned round trip of the e2e tests).
        let mut csr = vec![0u8; 2048];
        let subject = CsrSubject {
            organization: "CPO",
            common_name: "CP-1",
        };
        let len = security
            .module
            .create_csr_pem(key, &subject, &mut csr)
            .unwrap();
        assert!(csr[..len].starts_with(b"-----BEGIN CERTIFICATE REQUEST-----"));
        security.module.delete_key_pair(key).unwrap();
        assert!((security.key_loader())(key).is_none());
    }

    #[test]
    fn the_firmware_signature_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut security = Security::open(Some(dir.path())).unwrap();
        security
            .module
            .set_firmware_signature(Some(ocpp_crypto::FirmwareSignature {
                signing_certificate: b"cert",
                signature: b"c2ln",
            }))
            .unwrap();
        drop(security);
        let security = Security::open(Some(dir.path())).unwrap();
        let kept = security.module.firmware_signature().unwrap();
        assert_eq!(
            (kept.signing_certificate, kept.signature),
            (&b"cert"[..], &b"c2ln"[..])
        );
        let mut memory = Security::open(None).unwrap();
        memory
            .module
            .set_firmware_signature(Some(ocpp_crypto::FirmwareSignature {
                signing_certificate: b"c",
                signature: b"s",
            }))
            .unwrap();
        assert!(memory.module.firmware_signature().is_some());
    }

    #[test]
    fn ca_seeds_the_roots_once() {
        let dir = tempfile::tempdir().unwrap();
        let (Some(one), Some(two)) = (ca_pem(dir.path(), "one"), ca_pem(dir.path(), "two")) else {
            eprintln!("openssl is missing: skipped");
            return;
        };
        let bundle = [one.clone(), two].concat();
        let state = dir.path().join("state");
        let mut security = Security::open(Some(&state)).unwrap();
        assert_eq!(security.seed_central_system_roots(&bundle), Ok(2));
        assert_eq!(
            kinds(&security),
            [
                CertificateKind::CentralSystemRoot,
                CertificateKind::CentralSystemRoot
            ]
        );
        // Stored as PEM, one certificate each.
        let first = security.module.certificate(0).unwrap().certificate.to_vec();
        assert_eq!(
            CertificateDer::pem_slice_iter(&first).count(),
            1,
            "{first:?}"
        );
        assert_eq!(
            CertificateDer::pem_slice_iter(&first)
                .next()
                .map(Result::ok),
            CertificateDer::pem_slice_iter(&one).next().map(Result::ok)
        );
        // Installed already: nothing more (a restart with the same --ca).
        drop(security);
        let mut security = Security::open(Some(&state)).unwrap();
        assert_eq!(security.seed_central_system_roots(&bundle), Ok(0));
        assert_eq!(kinds(&security).len(), 2);
        // All deleted (DeleteCertificate): the next start seeds them again.
        security.module.remove_certificate(1).unwrap();
        security.module.remove_certificate(0).unwrap();
        assert_eq!(security.seed_central_system_roots(&one), Ok(1));
        assert!(security.seed_central_system_roots(b"").is_ok());
        let mut empty = Security::open(None).unwrap();
        assert!(empty.seed_central_system_roots(b"no pem").is_err());
    }
}
