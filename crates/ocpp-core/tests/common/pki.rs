//! A firmware-signing PKI made at test time (no private key is committed), with the RustCrypto
//! crates, as `crates/ocpp-crypto/tests/common` does: a manufacturer root, a firmware signing
//! certificate issued by it (no intermediate: L01 remark), ECDSA P-256 signatures over the
//! firmware with SHA-256 (L01.FR.04).
#![allow(dead_code, clippy::unwrap_used, clippy::missing_panics_doc)]

use std::str::FromStr;
use std::time::Duration;

use der::Encode;
use der::asn1::UtcTime;
use ocpp_crypto::encoding::{base64_encode, pem_encode};
use ocpp_crypto::{CryptoProvider, Digest, HashAlgorithm};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::elliptic_curve::Generate;
use rand_core::UnwrapErr;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

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

pub fn validity(from: u64, to: u64) -> Validity {
    let t = |s| Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(s)).unwrap());
    Validity::new(t(from), t(to))
}

struct Profile {
    subject: Name,
    issuer: Option<Name>,
    ca: bool,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut exts = Vec::new();
        let bc = BasicConstraints {
            ca: self.ca,
            path_len_constraint: None,
        };
        exts.push((&bc).to_extension(tbs.subject(), &exts)?);
        let usage = if self.ca {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else {
            KeyUsages::DigitalSignature.into()
        };
        exts.push((&KeyUsage(usage)).to_extension(tbs.subject(), &exts)?);
        Ok(exts)
    }
}

fn key() -> SigningKey {
    SigningKey::generate_from_rng(&mut UnwrapErr(getrandom::SysRng))
}

fn spki(key: &SigningKey) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_key(key.verifying_key()).unwrap()
}

fn pem(cert: &x509_cert::Certificate) -> String {
    let der = cert.to_der().unwrap();
    let mut out = vec![0u8; 4 * der.len() + 200];
    let n = pem_encode("CERTIFICATE", &der, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

/// A manufacturer: its root CA and a firmware signing certificate with its key.
pub struct Maker {
    root_key: SigningKey,
    root_name: Name,
    /// The ManufacturerRootCertificate, PEM.
    pub root: String,
    signer: SigningKey,
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
        let root_key = key();
        let root_name = Name::from_str(&format!("CN={name} Root,O={name}")).unwrap();
        let root_cert = CertificateBuilder::new(
            Profile {
                subject: root_name.clone(),
                issuer: None,
                ca: true,
            },
            SerialNumber::from(1u32),
            current(),
            spki(&root_key),
        )
        .unwrap()
        .build::<_, DerSignature>(&root_key)
        .unwrap();
        let mut maker = Maker {
            root: pem(&root_cert),
            root_key,
            root_name,
            signer: key(),
            signing_certificate: String::new(),
        };
        maker.signing_certificate = maker.issue_signing_certificate(name, validity);
        maker
    }

    fn issue_signing_certificate(&self, name: &str, validity: Validity) -> String {
        let cert = CertificateBuilder::new(
            Profile {
                subject: Name::from_str(&format!("CN={name} Firmware Signing,O={name}")).unwrap(),
                issuer: Some(self.root_name.clone()),
                ca: false,
            },
            SerialNumber::from(42u32),
            validity,
            spki(&self.signer),
        )
        .unwrap()
        .build::<_, DerSignature>(&self.root_key)
        .unwrap();
        pem(&cert)
    }

    /// FirmwareType.signature of `firmware`: ECDSA P-256 with SHA-256, DER, base64.
    pub fn sign(&self, firmware: &[u8]) -> String {
        use signature::Signer as _;
        let s: DerSignature = self.signer.sign(firmware);
        base64(s.to_bytes().as_ref())
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
