//! # ocpp-crypto
//!
//! The crypto boundary of the OCPP 1.6 security extension (the OCA white paper "Improved
//! security for OCPP 1.6-J", edition 2): what the charge point must do with keys, certificates,
//! CSRs and signed firmware, behind one trait, [`CryptoProvider`].
//!
//! - [`CryptoProvider`] and [`Hasher`]: the operations. Keys stay inside the provider (the core
//!   holds a [`KeyId`]); outputs go to buffers the caller provides; no allocation in the
//!   interface. A microcontroller implements it with mbedTLS or its secure element.
//! - The types the core exchanges with it: [`HashAlgorithm`], [`Digest`],
//!   [`CertificateHashData`], [`CertificateInfo`], [`VerifiedChain`], [`Error`], ...
//! - [`encoding`]: hex, base64 and PEM without allocation.
//! - [`rustcrypto`] (feature `rustcrypto`, needs `alloc`): an implementation on the RustCrypto
//!   crates (`p256`, `p384`, `rsa`, `sha2`, `x509-cert`), with a key store trait, an in-memory
//!   store and (feature `std`) a directory store.
//! - [`SecurityModule`]: what the charge point core calls, the certificate store
//!   ([`CertificateStore`]) and the crypto together; [`MemoryCertificateStore`] (feature
//!   `alloc`) and [`FileCertificateStore`] (feature `std`) are two stores.
//!
//! Without default features this crate has no dependency and builds `no_std` without `alloc`
//! (for example for `thumbv7em-none-eabihf`). See `docs/security.md`, "The crypto boundary".
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod encoding;
mod error;
mod module;
mod provider;
mod types;

#[cfg(feature = "std")]
mod file_certificates;
#[cfg(feature = "alloc")]
mod memory_certificates;
#[cfg(feature = "testpki")]
pub mod testpki;

#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;

pub use error::Error;
#[cfg(feature = "std")]
pub use file_certificates::FileCertificateStore;
#[cfg(feature = "alloc")]
pub use memory_certificates::MemoryCertificateStore;
pub use module::{
    CertificateKind, CertificateStore, FirmwareSignature, Module, SecurityModule, StoredCertificate,
};

pub use provider::{CryptoProvider, Hasher, MAX_GENERATED_PUBLIC_KEY_DER};
pub use types::{
    CertificateHashData, CertificateInfo, CsrSubject, Digest, DistinguishedName, FixedString,
    HashAlgorithm, KeyAlgorithm, KeyId, MAX_CHAIN_DEPTH, MAX_DIGEST_LEN, MAX_NAME_LEN,
    PublicKeyKind, UnixTime, VerifiedChain,
};
