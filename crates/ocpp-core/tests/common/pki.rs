//! A firmware-signing PKI made at test time (no private key is committed), on ocpp-crypto's
//! `testpki`: a manufacturer root, a firmware signing certificate issued by it (no
//! intermediate: L01 remark), ECDSA P-256 signatures over the firmware with SHA-256 (L01.FR.04).
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use ocpp_crypto::encoding::base64_encode;
use ocpp_crypto::testpki::{self, Ca, Signer};
use ocpp_crypto::{CryptoProvider, Digest, HashAlgorithm};

pub use ocpp_crypto::testpki::validity;

pub use ocpp_crypto::testpki::Validity;

/// 2024-01-01T00:00:00Z.
pub const Y2024: u64 = 1_704_067_200;
/// 2026-01-01T00:00:00Z.
pub const Y2026: u64 = 1_767_225_600;
/// 2023-01-01T00:00:00Z.
pub const Y2023: u64 = 1_672_531_200;

/// Valid 2024-2026: around the tests' clock (2024-05-01, `sim::cs_time`).
pub fn current() -> Validity {
    validity(Y2024, Y2026)
}

/// Valid in 2023 only: expired at the tests' clock.
pub fn expired() -> Validity {
    validity(Y2023, Y2024 - 1)
}

/// A manufacturer: its root CA and a firmware signing certificate with its key.
pub struct Maker {
    /// The ManufacturerRootCertificate, PEM.
    pub root: String,
    signer: Signer,
    /// The firmware signing certificate, PEM (FirmwareType.signingCertificate).
    pub signing_certificate: String,
}

impl Maker {
    /// A root and a signing certificate valid around the tests' clock.
    pub fn new(name: &str) -> Self {
        Self::with_signing_validity(name, current())
    }

    /// A root valid around the tests' clock and a signing certificate valid `validity`.
    pub fn with_signing_validity(name: &str, validity: Validity) -> Self {
        let root = Ca::root(
            &format!("CN={name} Root,O={name}"),
            Signer::p256(),
            current(),
            None,
        );
        let signer = Signer::p256();
        let certificate = root.issue(
            testpki::name(&format!("CN={name} Firmware Signing,O={name}")),
            None,
            42,
            validity,
            signer.spki(),
        );
        Maker {
            root: root.pem(),
            signer,
            signing_certificate: testpki::pem(&certificate),
        }
    }

    /// FirmwareType.signature of `firmware`: ECDSA P-256 with SHA-256, DER, base64.
    pub fn sign(&self, firmware: &[u8]) -> String {
        base64(&self.signer.sign(firmware))
    }
}

pub fn base64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2 + 4];
    let n = base64_encode(bytes, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

/// 100 kB of reproducible bytes: the firmware image.
pub fn firmware() -> Vec<u8> {
    let mut state = 0x9e37_79b9_u32;
    (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// SHA-256 of `data`, as the integrator computes it while downloading.
pub fn sha256(data: &[u8]) -> Digest {
    let crypto = ocpp_crypto::rustcrypto::RustCrypto::new(
        ocpp_crypto::rustcrypto::MemoryKeyStore::new(),
        getrandom::SysRng,
    );
    let mut h = crypto.hasher(HashAlgorithm::Sha256);
    ocpp_crypto::Hasher::update(&mut h, data);
    ocpp_crypto::Hasher::finalize(h)
}
