//! X.509 with `x509-cert`: parsing PEM or DER, the information the core needs, hash data,
//! path validation.

use alloc::vec;
use alloc::vec::Vec;

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;

use super::oid;
use super::verify::{PublicKey, digest_of, key_kind, verify_signed};
use crate::encoding::{is_pem, pem_blocks, serial_number_hex};
use crate::{
    CertificateHashData, CertificateInfo, DistinguishedName, Error, FixedString, HashAlgorithm,
    MAX_CHAIN_DEPTH, UnixTime, VerifiedChain,
};

/// A parsed certificate with its DER.
pub(crate) struct Cert {
    pub(crate) der: Vec<u8>,
    pub(crate) cert: Certificate,
}

/// Every certificate in `input`: the `CERTIFICATE` PEM blocks, or one DER certificate.
pub(crate) fn parse_all(input: &[u8]) -> Result<Vec<Cert>, Error> {
    if !is_pem(input) {
        return Ok(vec![parse_der(input.to_vec())?]);
    }
    let mut certs = Vec::new();
    for block in pem_blocks(input) {
        let block = block?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let mut der = vec![0u8; block.max_decoded_len()];
        let n = block.decode(&mut der)?;
        der.truncate(n);
        certs.push(parse_der(der)?);
    }
    if certs.is_empty() {
        return Err(Error::Malformed);
    }
    Ok(certs)
}

/// The first certificate in `input`.
pub(crate) fn parse_one(input: &[u8]) -> Result<Cert, Error> {
    parse_all(input)?.into_iter().next().ok_or(Error::Malformed)
}

fn parse_der(der: Vec<u8>) -> Result<Cert, Error> {
    let cert = Certificate::from_der(&der).map_err(|_| Error::Malformed)?;
    Ok(Cert { der, cert })
}

impl Cert {
    fn tbs(&self) -> &x509_cert::TbsCertificate {
        self.cert.tbs_certificate()
    }

    pub(crate) fn subject(&self) -> &Name {
        self.tbs().subject()
    }

    pub(crate) fn issuer(&self) -> &Name {
        self.tbs().issuer()
    }

    pub(crate) fn self_issued(&self) -> bool {
        self.subject() == self.issuer()
    }

    pub(crate) fn not_before(&self) -> UnixTime {
        unix(self.tbs().validity().not_before)
    }

    pub(crate) fn not_after(&self) -> UnixTime {
        unix(self.tbs().validity().not_after)
    }

    /// [`Error::NotYetValid`] or [`Error::Expired`] outside the validity period.
    pub(crate) fn check_time(&self, at: UnixTime) -> Result<(), Error> {
        if at < self.not_before() {
            Err(Error::NotYetValid)
        } else if at > self.not_after() {
            Err(Error::Expired)
        } else {
            Ok(())
        }
    }

    pub(crate) fn basic_constraints(&self) -> Result<Option<BasicConstraints>, Error> {
        self.tbs()
            .get_extension::<BasicConstraints>()
            .map(|found| found.map(|(_, bc)| bc))
            .map_err(|_| Error::Malformed)
    }

    /// Whether this certificate may issue others: basicConstraints cA, and keyCertSign when
    /// keyUsage is present (RFC 5280 §6.1.4 (k), (n)).
    fn check_ca(&self) -> Result<Option<u8>, Error> {
        let bc = self.basic_constraints()?.ok_or(Error::NotCa)?;
        if !bc.ca {
            return Err(Error::NotCa);
        }
        let ku = self
            .tbs()
            .get_extension::<KeyUsage>()
            .map_err(|_| Error::Malformed)?;
        if let Some((_, ku)) = ku {
            if !ku.0.contains(KeyUsages::KeyCertSign) {
                return Err(Error::NotCa);
            }
        }
        Ok(bc.path_len_constraint)
    }

    /// Every critical extension must be one this validation understands (RFC 5280 §4.2).
    fn check_critical_extensions(&self) -> Result<(), Error> {
        for ext in self.tbs().extensions().into_iter().flatten() {
            if ext.critical && !oid::KNOWN_EXTENSIONS.contains(&ext.extn_id) {
                return Err(Error::Unsupported);
            }
        }
        Ok(())
    }

    pub(crate) fn public_key(&self) -> Result<PublicKey, Error> {
        PublicKey::from_spki(self.tbs().subject_public_key_info())
    }

    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, Error> {
        self.tbs()
            .subject_public_key_info()
            .to_der()
            .map_err(|_| Error::Malformed)
    }

    /// Whether `issuer`'s key signed this certificate (names not checked).
    pub(crate) fn signed_by(&self, issuer: &PublicKey) -> Result<(), Error> {
        let tbs = self.tbs().to_der().map_err(|_| Error::Malformed)?;
        let signature = self.cert.signature().as_bytes().ok_or(Error::Malformed)?;
        // The outer signatureAlgorithm must repeat the signed one (RFC 5280 §4.1.1.2).
        if self.cert.signature_algorithm() != self.tbs().signature() {
            return Err(Error::Malformed);
        }
        verify_signed(issuer, self.cert.signature_algorithm(), &tbs, signature)
    }

    pub(crate) fn info(&self) -> Result<CertificateInfo, Error> {
        let bc = self.basic_constraints()?;
        Ok(CertificateInfo {
            serial_number: serial_number_hex(self.tbs().serial_number().as_bytes())?,
            not_before: self.not_before(),
            not_after: self.not_after(),
            subject: distinguished_name(self.subject())?,
            issuer: distinguished_name(self.issuer())?,
            is_ca: bc.as_ref().is_some_and(|bc| bc.ca),
            path_len_constraint: bc.and_then(|bc| bc.path_len_constraint),
            self_issued: self.self_issued(),
            public_key: key_kind(self.tbs().subject_public_key_info()),
        })
    }

    /// `CertificateHashDataType` with `issuer_key` the issuer's public key bits.
    pub(crate) fn hash_data(
        &self,
        issuer_key_bits: &[u8],
        algorithm: HashAlgorithm,
    ) -> Result<CertificateHashData, Error> {
        let issuer_der = self.issuer().to_der().map_err(|_| Error::Malformed)?;
        Ok(CertificateHashData {
            hash_algorithm: algorithm,
            issuer_name_hash: digest_of(algorithm, &issuer_der)?.to_hex(),
            issuer_key_hash: digest_of(algorithm, issuer_key_bits)?.to_hex(),
            serial_number: serial_number_hex(self.tbs().serial_number().as_bytes())?,
        })
    }

    /// The key bits of the SubjectPublicKeyInfo: the BIT STRING's contents without the
    /// unused-bits octet (RFC 6960 §4.1.1 issuerKeyHash; OCPP 2.0.1 errata §2.15.1).
    pub(crate) fn key_bits(&self) -> &[u8] {
        self.tbs()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes()
    }
}

fn unix(time: x509_cert::time::Time) -> UnixTime {
    UnixTime(i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX))
}

fn distinguished_name(name: &Name) -> Result<DistinguishedName, Error> {
    let text = |found: der::Result<Option<x509_cert::ext::pkix::name::DirectoryString>>| match found
        .map_err(|_| Error::Malformed)?
    {
        Some(s) => FixedString::try_from_str(&s.value()).map(Some),
        None => Ok(None),
    };
    Ok(DistinguishedName {
        common_name: text(name.common_name())?,
        organization: text(name.organization())?,
    })
}

/// RFC 5280 §6 path validation, simplified to what a charge point needs: see
/// [`crate::CryptoProvider::verify_chain`].
pub(crate) fn verify_chain(
    chain: &[u8],
    roots: &[&[u8]],
    at: UnixTime,
) -> Result<VerifiedChain, Error> {
    let certs = parse_all(chain)?;
    let leaf = certs.first().ok_or(Error::Malformed)?;
    // Installed roots that do not parse are skipped: one bad entry must not block the others.
    let roots: Vec<(usize, Cert)> = roots
        .iter()
        .enumerate()
        .filter_map(|(i, r)| parse_one(r).ok().map(|c| (i, c)))
        .collect();

    leaf.check_critical_extensions()?;
    leaf.check_time(at)?;
    // The leaf's own key must be strong enough (A00.FR.501-503) and supported.
    leaf.public_key()?;

    let mut used = vec![false; certs.len()];
    let mut current = leaf;
    // Intermediates between `current` and the leaf that are not self-issued (RFC 5280 §6.1.4
    // (l), (m) count these against pathLenConstraint).
    let mut below: usize = 0;
    for depth in 1..=MAX_CHAIN_DEPTH {
        // Best error seen for this step, if nothing succeeds.
        let mut failure = Error::UnknownIssuer;

        for (index, root) in &roots {
            if root.subject() != current.issuer() {
                continue;
            }
            match check_issuer(current, root, below, at) {
                Ok(()) => {
                    return Ok(VerifiedChain {
                        root_index: *index,
                        depth,
                        leaf: leaf.info()?,
                    });
                }
                Err(e) => failure = worse(failure, e),
            }
        }

        let mut next = None;
        for (i, candidate) in certs.iter().enumerate().skip(1) {
            if used.get(i).copied().unwrap_or(true) || candidate.subject() != current.issuer() {
                continue;
            }
            // A copy of the current certificate (a self-signed root sent along) is no step.
            if candidate.der == current.der {
                continue;
            }
            match check_issuer(current, candidate, below, at) {
                Ok(()) => {
                    next = Some(i);
                    break;
                }
                Err(e) => failure = worse(failure, e),
            }
        }
        let i = next.ok_or(failure)?;
        if let Some(flag) = used.get_mut(i) {
            *flag = true;
        }
        current = certs.get(i).ok_or(Error::Malformed)?;
        if !current.self_issued() {
            below += 1;
        }
    }
    Err(Error::ChainTooLong)
}

/// Checks that `issuer` may have issued `cert` with `below` non-self-issued intermediates
/// under `cert`'s position, at time `at`.
fn check_issuer(cert: &Cert, issuer: &Cert, below: usize, at: UnixTime) -> Result<(), Error> {
    let key = issuer.public_key()?;
    cert.signed_by(&key)?;
    issuer.check_critical_extensions()?;
    issuer.check_time(at)?;
    let path_len = issuer.check_ca()?;
    if let Some(max) = path_len {
        if below > usize::from(max) {
            return Err(Error::PathLenExceeded);
        }
    }
    Ok(())
}

/// Of two reasons a step failed, the one that tells more (a matching name with an invalid
/// certificate says more than no matching name).
fn worse(a: Error, b: Error) -> Error {
    if a == Error::UnknownIssuer { b } else { a }
}
