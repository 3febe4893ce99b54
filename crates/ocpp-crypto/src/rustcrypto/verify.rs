//! Signature verification with the RustCrypto crates: ECDSA P-256/P-384, RSA PKCS#1 v1.5 and
//! RSASSA-PSS, with SHA-256/384/512.

use alloc::vec::Vec;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use sha2::digest::{Digest as _, FixedOutputReset};
use sha2::{Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use super::oid;
use crate::{Digest, Error, HashAlgorithm, PublicKeyKind};

/// The smallest RSA modulus the whitepaper allows (A00.FR.502).
pub(crate) const MIN_RSA_BITS: u32 = 2048;

/// A public key ready to verify.
pub(crate) enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa(rsa::PublicKey),
}

impl PublicKey {
    /// The key of a SubjectPublicKeyInfo; RSA below 2048 bits is [`Error::WeakKey`].
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Self, Error> {
        match key_kind(spki) {
            PublicKeyKind::EcP256 => {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
                    .map(Self::P256)
                    .map_err(|_| Error::Malformed)
            }
            PublicKeyKind::EcP384 => {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes())
                    .map(Self::P384)
                    .map_err(|_| Error::Malformed)
            }
            PublicKeyKind::Rsa { bits } => {
                if bits < MIN_RSA_BITS {
                    return Err(Error::WeakKey);
                }
                let der = spki.to_der().map_err(|_| Error::Malformed)?;
                rsa::PublicKey::from_public_key_der(&der)
                    .map(Self::Rsa)
                    .map_err(|_| Error::Malformed)
            }
            PublicKeyKind::Other => Err(Error::Unsupported),
        }
    }

    /// Verifies `signature` over a message whose digest is `digest`.
    ///
    /// ECDSA: the signature is DER (`Ecdsa-Sig-Value`) or the fixed `r || s` form. RSA:
    /// `scheme` tells the padding; `None` (firmware, where OCPP does not say) tries RSASSA-PSS
    /// with any salt length, then PKCS#1 v1.5.
    pub(crate) fn verify_prehash(
        &self,
        digest: &Digest,
        signature: &[u8],
        scheme: Option<RsaScheme>,
    ) -> Result<(), Error> {
        let prehash = digest.as_bytes();
        match self {
            Self::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(signature)
                    .or_else(|_| p256::ecdsa::Signature::from_slice(signature))
                    .map_err(|_| Error::Malformed)?;
                key.verify_prehash(prehash, &sig)
                    .map_err(|_| Error::BadSignature)
            }
            Self::P384(key) => {
                let sig = p384::ecdsa::Signature::from_der(signature)
                    .or_else(|_| p384::ecdsa::Signature::from_slice(signature))
                    .map_err(|_| Error::Malformed)?;
                key.verify_prehash(prehash, &sig)
                    .map_err(|_| Error::BadSignature)
            }
            Self::Rsa(key) => match digest.algorithm() {
                HashAlgorithm::Sha256 => rsa_verify::<Sha256>(key, prehash, signature, scheme),
                HashAlgorithm::Sha384 => rsa_verify::<Sha384>(key, prehash, signature, scheme),
                HashAlgorithm::Sha512 => rsa_verify::<Sha512>(key, prehash, signature, scheme),
            },
        }
    }
}

/// An RSA signature scheme, as named by a certificate's signatureAlgorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsaScheme {
    Pkcs1v15,
    Pss { salt_len: usize },
}

fn rsa_verify<D>(
    key: &rsa::PublicKey,
    prehash: &[u8],
    signature: &[u8],
    scheme: Option<RsaScheme>,
) -> Result<(), Error>
where
    D: sha2::digest::Digest + FixedOutputReset + der::oid::AssociatedOid,
{
    if signature.len() != key.size() {
        return Err(Error::Malformed);
    }
    let pss = |salt_len: Option<usize>| -> Result<(), Error> {
        let sig = rsa::pss::Signature::try_from(signature).map_err(|_| Error::Malformed)?;
        let verifier = match salt_len {
            Some(len) => rsa::pss::VerifyingKey::<D>::new_with_salt_len(key.clone(), len),
            None => rsa::pss::VerifyingKey::<D>::new_with_auto_salt_len(key.clone()),
        };
        verifier
            .verify_prehash(prehash, &sig)
            .map_err(|_| Error::BadSignature)
    };
    let pkcs1 = || -> Result<(), Error> {
        let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| Error::Malformed)?;
        rsa::pkcs1v15::VerifyingKey::<D>::new(key.clone())
            .verify_prehash(prehash, &sig)
            .map_err(|_| Error::BadSignature)
    };
    match scheme {
        Some(RsaScheme::Pkcs1v15) => pkcs1(),
        Some(RsaScheme::Pss { salt_len }) => pss(Some(salt_len)),
        None => pss(None).or_else(|_| pkcs1()),
    }
}

/// The kind of key a SubjectPublicKeyInfo holds.
pub(crate) fn key_kind(spki: &SubjectPublicKeyInfoOwned) -> PublicKeyKind {
    if spki.algorithm.oid == oid::EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        match curve {
            Some(c) if c == oid::SECP256R1 => PublicKeyKind::EcP256,
            Some(c) if c == oid::SECP384R1 => PublicKeyKind::EcP384,
            _ => PublicKeyKind::Other,
        }
    } else if spki.algorithm.oid == oid::RSA_ENCRYPTION {
        rsa_bits(spki.subject_public_key.raw_bytes())
            .map_or(PublicKeyKind::Other, |bits| PublicKeyKind::Rsa { bits })
    } else {
        PublicKeyKind::Other
    }
}

/// The modulus size of an `RSAPublicKey` (PKCS#1), in bits.
fn rsa_bits(pkcs1_der: &[u8]) -> Option<u32> {
    let key = rsa::pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(pkcs1_der).ok()?;
    let bytes = key.modulus.as_bytes();
    let first = bytes.iter().position(|b| *b != 0)?;
    let top = bytes.get(first)?;
    let len = u32::try_from(bytes.len() - first).ok()?;
    Some((len - 1) * 8 + (8 - top.leading_zeros()))
}

/// Hashes `message` with `algorithm`.
pub(crate) fn digest_of(algorithm: HashAlgorithm, message: &[u8]) -> Result<Digest, Error> {
    match algorithm {
        HashAlgorithm::Sha256 => Digest::new(algorithm, &Sha256::digest(message)),
        HashAlgorithm::Sha384 => Digest::new(algorithm, &Sha384::digest(message)),
        HashAlgorithm::Sha512 => Digest::new(algorithm, &Sha512::digest(message)),
    }
}

/// Verifies a certificate's (or CSR's) `signature` over `message` (the DER of the signed
/// part) under `algorithm` (its signatureAlgorithm) with `key`.
pub(crate) fn verify_signed(
    key: &PublicKey,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let (hash, scheme) = signature_algorithm(algorithm)?;
    // The algorithm must fit the key: ECDSA for EC keys, RSA for RSA keys.
    match (key, scheme) {
        (PublicKey::Rsa(_), Some(_)) | (PublicKey::P256(_) | PublicKey::P384(_), None) => {}
        _ => return Err(Error::BadSignature),
    }
    let digest = digest_of(hash, message)?;
    key.verify_prehash(&digest, signature, scheme)
}

/// The hash and, for RSA, the scheme of a signatureAlgorithm. `None` scheme means ECDSA.
fn signature_algorithm(
    algorithm: &AlgorithmIdentifierOwned,
) -> Result<(HashAlgorithm, Option<RsaScheme>), Error> {
    let id = algorithm.oid;
    let found = [
        (oid::ECDSA_WITH_SHA256, HashAlgorithm::Sha256, None),
        (oid::ECDSA_WITH_SHA384, HashAlgorithm::Sha384, None),
        (oid::ECDSA_WITH_SHA512, HashAlgorithm::Sha512, None),
        (
            oid::SHA256_WITH_RSA,
            HashAlgorithm::Sha256,
            Some(RsaScheme::Pkcs1v15),
        ),
        (
            oid::SHA384_WITH_RSA,
            HashAlgorithm::Sha384,
            Some(RsaScheme::Pkcs1v15),
        ),
        (
            oid::SHA512_WITH_RSA,
            HashAlgorithm::Sha512,
            Some(RsaScheme::Pkcs1v15),
        ),
    ]
    .into_iter()
    .find(|(o, _, _)| *o == id);
    if let Some((_, hash, scheme)) = found {
        return Ok((hash, scheme));
    }
    if id == oid::RSASSA_PSS {
        return pss_parameters(algorithm);
    }
    Err(Error::Unsupported)
}

/// RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1 with the same hash, the salt length.
/// The RFC's defaults (SHA-1) are refused: SHA-1 is not among the algorithms BSI recommends
/// (A00.FR.504).
fn pss_parameters(
    algorithm: &AlgorithmIdentifierOwned,
) -> Result<(HashAlgorithm, Option<RsaScheme>), Error> {
    let params = algorithm.parameters.as_ref().ok_or(Error::Unsupported)?;
    let der: Vec<u8> = params.to_der().map_err(|_| Error::Malformed)?;
    let pss = rsa::pkcs1::RsaPssParamsOwned::from_der(&der).map_err(|_| Error::Malformed)?;
    let hash = hash_of_oid(pss.hash.oid).ok_or(Error::Unsupported)?;
    if pss.mask_gen.oid != oid::MGF1 {
        return Err(Error::Unsupported);
    }
    let mgf_hash = pss
        .mask_gen
        .parameters
        .as_ref()
        .and_then(|p| hash_of_oid(p.oid))
        .ok_or(Error::Unsupported)?;
    if mgf_hash != hash {
        return Err(Error::Unsupported);
    }
    Ok((
        hash,
        Some(RsaScheme::Pss {
            salt_len: usize::from(pss.salt_len),
        }),
    ))
}

fn hash_of_oid(id: ObjectIdentifier) -> Option<HashAlgorithm> {
    match id {
        i if i == oid::SHA256 => Some(HashAlgorithm::Sha256),
        i if i == oid::SHA384 => Some(HashAlgorithm::Sha384),
        i if i == oid::SHA512 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}
