//! A test PKI made at test time with the RustCrypto crates (feature `testpki`, for tests only:
//! every function panics on failure, no private key is committed anywhere).
//!
//! Shared by this crate's tests and the charge point core's (`crates/ocpp-core/tests`), and by
//! whoever tests an integration: roots, sub-CAs, cross-signed roots, certificates issued from a
//! certificate signing request, firmware signers. "Now" is [`NOW`]; validity periods are built
//! around it with [`validity`] and [`current`].
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_panics_doc,
    clippy::option_option,
    clippy::must_use_candidate,
    clippy::return_self_not_must_use
)]

use std::borrow::ToOwned;
use std::boxed::Box;
use std::string::String;
use std::string::ToString;
use std::vec;
use std::vec::Vec;

use std::str::FromStr;
use std::time::Duration;

use crate::encoding::{pem_blocks, pem_encode};

use der::asn1::UtcTime;
use der::{Decode, Encode};
use p256::elliptic_curve::Generate;
use rand_core::UnwrapErr;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::request::CertReq;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// The certificate types the helpers take and give, for callers without the crates.
pub use x509_cert::{Certificate as X509Certificate, name::Name as X509Name, time::Validity};

/// "Now" in the tests: 2025-06-15T14:13:20Z.
pub const NOW: u64 = 1_750_000_000;
pub const DAY: u64 = 86_400;
pub const YEAR: u64 = 365 * DAY;

pub fn time(secs: u64) -> Time {
    Time::UtcTime(UtcTime::from_unix_duration(Duration::from_secs(secs)).unwrap())
}

pub fn validity(from: u64, to: u64) -> Validity {
    Validity::new(time(from), time(to))
}

/// Valid from a year ago to a year ahead.
pub fn current() -> Validity {
    validity(NOW - YEAR, NOW + YEAR)
}

/// What a test certificate is.
pub struct Profile {
    pub subject: Name,
    pub issuer: Option<Name>,
    /// `Some(path_len)`: a CA; `None`: an end entity.
    pub ca: Option<Option<u8>>,
    /// Whether to write basicConstraints at all.
    pub basic_constraints: bool,
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
        if self.basic_constraints {
            let bc = BasicConstraints {
                ca: self.ca.is_some(),
                path_len_constraint: self.ca.flatten(),
            };
            exts.push((&bc).to_extension(tbs.subject(), &exts)?);
        }
        let usage = if self.ca.is_some() {
            KeyUsages::KeyCertSign | KeyUsages::CRLSign
        } else {
            KeyUsages::DigitalSignature | KeyUsages::KeyAgreement
        };
        let ku = KeyUsage(usage);
        exts.push((&ku).to_extension(tbs.subject(), &exts)?);
        Ok(exts)
    }
}

pub fn name(text: &str) -> Name {
    Name::from_str(text).unwrap()
}

/// A signer of test certificates.
pub enum Signer {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    RsaPss(rsa::pss::SigningKey<sha2::Sha256>),
    RsaPkcs1(rsa::pkcs1v15::SigningKey<sha2::Sha256>),
}

impl Signer {
    pub fn p256() -> Self {
        Self::P256(p256::ecdsa::SigningKey::generate_from_rng(&mut UnwrapErr(
            getrandom::SysRng,
        )))
    }

    pub fn p384() -> Self {
        Self::P384(p384::ecdsa::SigningKey::generate_from_rng(&mut UnwrapErr(
            getrandom::SysRng,
        )))
    }

    pub fn rsa_key() -> rsa::PrivateKey {
        rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap()
    }

    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        match self {
            Self::P256(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()).unwrap(),
            Self::P384(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()).unwrap(),
            Self::RsaPss(k) => {
                SubjectPublicKeyInfoOwned::from_key(&k.as_ref().to_public_key()).unwrap()
            }
            Self::RsaPkcs1(k) => {
                SubjectPublicKeyInfoOwned::from_key(&k.as_ref().to_public_key()).unwrap()
            }
        }
    }

    /// Signs `message` (the firmware) as a manufacturer would, with SHA-256.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        use sha2::Digest as _;
        use signature::Signer as _;
        use signature::hazmat::PrehashSigner as _;
        match self {
            Self::P256(k) => {
                let s: p256::ecdsa::DerSignature = k.sign(message);
                s.to_bytes().to_vec()
            }
            Self::P384(k) => {
                // SHA-256 over the firmware (L01.FR.04), whatever the curve.
                let digest = sha2::Sha256::digest(message);
                let s: p384::ecdsa::DerSignature = k.sign_prehash(&digest).unwrap();
                s.to_bytes().to_vec()
            }
            Self::RsaPss(k) => {
                use signature::RandomizedSigner as _;
                let s = k.sign_with_rng(&mut UnwrapErr(getrandom::SysRng), message);
                Box::<[u8]>::from(s).to_vec()
            }
            Self::RsaPkcs1(k) => {
                let s = k.sign(message);
                Box::<[u8]>::from(s).to_vec()
            }
        }
    }
}

/// Issues a certificate for `spki` under `profile`, signed by `signer`.
pub fn issue(
    profile: Profile,
    serial: u64,
    validity: Validity,
    spki: SubjectPublicKeyInfoOwned,
    signer: &Signer,
) -> Certificate {
    let builder =
        CertificateBuilder::new(profile, SerialNumber::from(serial), validity, spki).unwrap();
    match signer {
        Signer::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(k).unwrap(),
        Signer::P384(k) => builder.build::<_, p384::ecdsa::DerSignature>(k).unwrap(),
        Signer::RsaPss(k) => builder
            .build_with_rng::<_, rsa::pss::Signature, _>(k, &mut UnwrapErr(getrandom::SysRng))
            .unwrap(),
        Signer::RsaPkcs1(k) => builder.build::<_, rsa::pkcs1v15::Signature>(k).unwrap(),
    }
}

/// A CA: its key and its certificate.
pub struct Ca {
    pub signer: Signer,
    pub cert: Certificate,
}

impl Ca {
    /// A self-signed root.
    pub fn root(subject: &str, signer: Signer, validity: Validity, path_len: Option<u8>) -> Self {
        let spki = signer.spki();
        let cert = issue(
            Profile {
                subject: name(subject),
                issuer: None,
                ca: Some(path_len),
                basic_constraints: true,
            },
            1,
            validity,
            spki,
            &signer,
        );
        Self { signer, cert }
    }

    /// A certificate issued by this CA.
    pub fn issue(
        &self,
        subject: Name,
        ca: Option<Option<u8>>,
        serial: u64,
        validity: Validity,
        spki: SubjectPublicKeyInfoOwned,
    ) -> Certificate {
        issue(
            Profile {
                subject,
                issuer: Some(self.cert.tbs_certificate().subject().clone()),
                ca,
                basic_constraints: true,
            },
            serial,
            validity,
            spki,
            &self.signer,
        )
    }

    /// A sub-CA certificate issued by this CA, with a key of its own.
    pub fn sub_ca(&self, subject: &str, validity: Validity, ca: Option<Option<u8>>) -> Ca {
        let signer = Signer::p256();
        let cert = self.issue(name(subject), ca, 7, validity, signer.spki());
        Ca { signer, cert }
    }

    pub fn pem(&self) -> String {
        pem(&self.cert)
    }

    /// `other`'s subject and key in a CA certificate issued (signed) by this CA: the
    /// "new root signed by the old one" of `AdditionalRootCertificateCheck` (M05.FR.09).
    pub fn cross_sign(&self, other: &Ca, serial: u64, validity: Validity) -> Certificate {
        self.issue(
            other.cert.tbs_certificate().subject().clone(),
            Some(None),
            serial,
            validity,
            other.signer.spki(),
        )
    }
}

pub fn pem(cert: &Certificate) -> String {
    let der = cert.to_der().unwrap();
    let mut out = vec![0u8; 4 * der.len() + 200];
    let n = pem_encode("CERTIFICATE", &der, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

pub fn der(cert: &Certificate) -> Vec<u8> {
    cert.to_der().unwrap()
}

pub fn parse(der: &[u8]) -> Certificate {
    Certificate::from_der(der).unwrap()
}

/// A CSR's DER, from its PEM text (which must be one `CERTIFICATE REQUEST` block).
pub fn csr_der(pem: &str) -> Vec<u8> {
    let block = pem_blocks(pem.as_bytes()).next().unwrap().unwrap();
    assert_eq!(block.label, "CERTIFICATE REQUEST");
    let mut der = vec![0u8; block.max_decoded_len()];
    let n = block.decode(&mut der).unwrap();
    der.truncate(n);
    der
}

/// The CA side of A02/A03: checks the CSR's signature, then issues an end-entity certificate
/// for its subject and key, signed by `ca`; PEM.
pub fn sign_csr(ca: &Ca, csr_pem: &str, serial: u64, validity: Validity) -> String {
    let req = CertReq::from_der(&csr_der(csr_pem)).unwrap();
    verify_csr_signature(&req);
    pem(&ca.issue(
        req.info.subject.clone(),
        None,
        serial,
        validity,
        req.info.public_key.clone(),
    ))
}

/// Panics unless the CSR is signed by its own key (ecdsa-with-SHA256 on P-256 or
/// ecdsa-with-SHA384 on P-384).
pub fn verify_csr_signature(req: &CertReq) {
    use signature::Verifier as _;
    let info = req.info.to_der().unwrap();
    let key_bits = req.info.public_key.subject_public_key.raw_bytes();
    let sig = req.signature.raw_bytes();
    if req.algorithm.oid == der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2") {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bits).unwrap();
        let sig = p256::ecdsa::DerSignature::from_bytes(sig).unwrap();
        key.verify(&info, &sig).unwrap();
    } else {
        assert_eq!(
            req.algorithm.oid,
            der::oid::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3")
        );
        let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bits).unwrap();
        let sig = p384::ecdsa::DerSignature::from_bytes(sig).unwrap();
        key.verify(&info, &sig).unwrap();
    }
}

/// The subject of a CSR (PEM), as RFC 4514 text (`CN=...,O=...`).
pub fn csr_subject(pem: &str) -> String {
    CertReq::from_der(&csr_der(pem))
        .unwrap()
        .info
        .subject
        .to_string()
}

/// The subject (or issuer) commonName of a certificate, for assertions.
pub fn common_name(name: &Name) -> Option<String> {
    name.to_string()
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN=").map(str::to_owned))
}
