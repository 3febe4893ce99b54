//! The RustCrypto implementation against the security whitepaper (edition 2), with a PKI made
//! at test time. Section numbers are the whitepaper's unless said otherwise.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::missing_panics_doc
)]

use der::{Decode, Encode};
use ocpp_crypto::encoding::{base64_decode, base64_encode};
use ocpp_crypto::rustcrypto::{FileKeyStore, KeyStore, MemoryKeyStore, RustCrypto};
use ocpp_crypto::testpki::{
    self as common, Ca, DAY, NOW, Signer, YEAR, csr_der, current, der, name, pem, sign_csr,
    validity, verify_csr_signature,
};
use ocpp_crypto::{
    CertificateHashData, CryptoProvider, CsrSubject, Error, HashAlgorithm, Hasher, KeyAlgorithm,
    KeyId, PublicKeyKind, UnixTime,
};
use sha2::Digest as _;
use x509_cert::request::CertReq;

fn provider() -> RustCrypto<MemoryKeyStore, getrandom::SysRng> {
    RustCrypto::new(MemoryKeyStore::new(), getrandom::SysRng)
}

const AT: UnixTime = UnixTime(NOW as i64);

/// Generates a key in `crypto`, makes its CSR, returns (key, CSR PEM).
fn key_and_csr<P: CryptoProvider>(crypto: &mut P, alg: KeyAlgorithm) -> (KeyId, String) {
    let key = crypto.generate_key_pair(alg).unwrap();
    let mut out = [0u8; 5500]; // SignCertificate.req csr is string[0..5500] (§5.17)
    let n = crypto
        .create_csr_pem(
            key,
            &CsrSubject {
                common_name: "CP-SERIAL-0001",
                organization: "Example CPO B.V.",
            },
            &mut out,
        )
        .unwrap();
    (key, String::from_utf8(out[..n].to_vec()).unwrap())
}

fn cpo_root() -> Ca {
    Ca::root(
        "CN=Example CPO Root,O=Example CPO B.V.",
        Signer::p256(),
        validity(NOW - YEAR, NOW + 10 * YEAR),
        None,
    )
}

// --- Key pair and CSR: A02.FR.02, A02.FR.03, A02.FR.05, A02.FR.13, A00.FR.511 ---

#[test]
fn a02_csr_round_trip_subject_signature_and_issued_certificate() {
    for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384] {
        let mut crypto = provider();
        let (key, csr) = key_and_csr(&mut crypto, alg);
        assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
        assert!(csr.ends_with("-----END CERTIFICATE REQUEST-----\n"));
        assert!(csr.len() < 1000, "{}", csr.len());

        // The CSR parses; subject CN = serial number (A00.FR.511), O = CpoName (A02.FR.13).
        let req = CertReq::from_der(&csr_der(&csr)).unwrap();
        let subject = &req.info.subject;
        assert_eq!(
            subject.common_name().unwrap().unwrap().value(),
            "CP-SERIAL-0001"
        );
        assert_eq!(
            subject.organization().unwrap().unwrap().value(),
            "Example CPO B.V."
        );
        verify_csr_signature(&req);

        // Its public key is the generated key's.
        let mut spki = [0u8; 200];
        let n = crypto.public_key_der(key, &mut spki).unwrap();
        assert_eq!(&spki[..n], req.info.public_key.to_der().unwrap().as_slice());

        // The CA signs it; the certificate verifies up to the root and carries our key.
        let root = cpo_root();
        let cert = sign_csr(&root, &csr, 0x1234, current());
        let root_pem = root.pem();
        let verified = crypto
            .verify_chain(cert.as_bytes(), &[root_pem.as_bytes()], AT)
            .unwrap();
        assert_eq!(verified.root_index, 0);
        assert_eq!(verified.depth, 1);
        assert_eq!(verified.leaf.subject.common_name.unwrap(), "CP-SERIAL-0001");
        assert_eq!(
            verified.leaf.subject.organization.unwrap(),
            "Example CPO B.V."
        );
        assert!(!verified.leaf.is_ca);
        assert_eq!(verified.leaf.serial_number, "1234");
        assert!(
            crypto
                .certificate_matches_key(cert.as_bytes(), key)
                .unwrap()
        );

        // Another key pair does not match the certificate.
        let other = crypto.generate_key_pair(alg).unwrap();
        assert_ne!(other, key);
        assert!(
            !crypto
                .certificate_matches_key(cert.as_bytes(), other)
                .unwrap()
        );
    }
}

#[test]
fn a02_fr_05_the_provider_hands_out_handles_not_keys() {
    let mut crypto = provider();
    let key = crypto.generate_key_pair(KeyAlgorithm::EcdsaP256).unwrap();
    // Only the public key comes out through the trait.
    let mut out = [0u8; 200];
    let n = crypto.public_key_der(key, &mut out).unwrap();
    assert_eq!(n, 91); // SubjectPublicKeyInfo of a P-256 key
    crypto.delete_key_pair(key).unwrap();
    assert_eq!(
        crypto.public_key_der(key, &mut out),
        Err(Error::KeyNotFound)
    );
    assert_eq!(crypto.delete_key_pair(key), Err(Error::KeyNotFound));
}

#[test]
fn a00_fr_511_csr_subject_checks_and_small_buffer() {
    let mut crypto = provider();
    let key = crypto.generate_key_pair(KeyAlgorithm::EcdsaP256).unwrap();
    let mut out = [0u8; 2000];
    for (cn, o, err) in [
        ("https://cp.example", "CPO", Error::Malformed),
        ("192.168.1.20", "CPO", Error::Malformed),
        ("", "CPO", Error::Malformed),
        ("CP1", "", Error::Malformed),
        (&*"x".repeat(65), "CPO", Error::TooLong),
    ] {
        let subject = CsrSubject {
            common_name: cn,
            organization: o,
        };
        assert_eq!(
            crypto.create_csr_pem(key, &subject, &mut out),
            Err(err),
            "{cn}"
        );
    }
    let subject = CsrSubject {
        common_name: "CP1",
        organization: "CPO, with a comma + plus",
    };
    assert_eq!(
        crypto.create_csr_pem(key, &subject, &mut [0u8; 100]),
        Err(Error::BufferTooSmall)
    );
    let n = crypto.create_csr_pem(key, &subject, &mut out).unwrap();
    let req = CertReq::from_der(&csr_der(std::str::from_utf8(&out[..n]).unwrap())).unwrap();
    assert_eq!(
        req.info.subject.organization().unwrap().unwrap().value(),
        "CPO, with a comma + plus"
    );
}

// --- Chain validation: A00.FR.307/403, A02.FR.06 (period, properties, CPO hierarchy) ---

struct Pki {
    root: Ca,
    sub: Ca,
    crypto: RustCrypto<MemoryKeyStore, getrandom::SysRng>,
    key: KeyId,
    csr: String,
}

fn pki() -> Pki {
    let root = cpo_root();
    let sub = root.sub_ca(
        "CN=Example CPO Sub-CA,O=Example CPO B.V.",
        current(),
        Some(Some(0)),
    );
    let mut crypto = provider();
    let (key, csr) = key_and_csr(&mut crypto, KeyAlgorithm::EcdsaP256);
    Pki {
        root,
        sub,
        crypto,
        key,
        csr,
    }
}

#[test]
fn a02_fr_06_chain_through_a_sub_ca_in_any_order_with_or_without_the_root() {
    let p = pki();
    let leaf = sign_csr(&p.sub, &p.csr, 99, current());
    let root_pem = p.root.pem();
    let other_root = cpo_root().pem();
    let roots = [other_root.as_bytes(), root_pem.as_bytes()];
    for chain in [
        format!("{leaf}{}", p.sub.pem()),
        format!("{leaf}\n{}\n{root_pem}", p.sub.pem()),
        format!("{leaf}{root_pem}{}", p.sub.pem()),
    ] {
        let v = p.crypto.verify_chain(chain.as_bytes(), &roots, AT).unwrap();
        assert_eq!(v.root_index, 1);
        assert_eq!(v.depth, 2);
        assert_eq!(v.leaf.serial_number, "63");
    }
    assert!(
        p.crypto
            .certificate_matches_key(leaf.as_bytes(), p.key)
            .unwrap()
    );
    // Without the sub-CA the path is incomplete.
    assert_eq!(
        p.crypto.verify_chain(leaf.as_bytes(), &roots, AT),
        Err(Error::UnknownIssuer)
    );
    // DER roots work as well as PEM.
    let root_der = der(&p.root.cert);
    let chain = format!("{leaf}{}", p.sub.pem());
    assert!(
        p.crypto
            .verify_chain(chain.as_bytes(), &[&root_der], AT)
            .is_ok()
    );
}

#[test]
fn a02_fr_07_wrong_root_is_rejected() {
    let p = pki();
    let leaf = sign_csr(&p.root, &p.csr, 2, current());
    // A root with the same name but another key: the name matches, the signature does not.
    let impostor = cpo_root().pem();
    assert_eq!(
        p.crypto
            .verify_chain(leaf.as_bytes(), &[impostor.as_bytes()], AT),
        Err(Error::BadSignature)
    );
    // A root of another hierarchy (the manufacturer's, §2.6.2).
    let manufacturer = Ca::root("CN=Maker Root,O=Maker", Signer::p256(), current(), None).pem();
    assert_eq!(
        p.crypto
            .verify_chain(leaf.as_bytes(), &[manufacturer.as_bytes()], AT),
        Err(Error::UnknownIssuer)
    );
    assert_eq!(
        p.crypto.verify_chain(leaf.as_bytes(), &[], AT),
        Err(Error::UnknownIssuer)
    );
}

#[test]
fn a02_fr_06_validity_period_expired_and_not_yet_valid() {
    let p = pki();
    let root_pem = p.root.pem();
    let roots = [root_pem.as_bytes()];
    let expired = sign_csr(&p.root, &p.csr, 3, validity(NOW - 2 * YEAR, NOW - DAY));
    assert_eq!(
        p.crypto.verify_chain(expired.as_bytes(), &roots, AT),
        Err(Error::Expired)
    );
    let future = sign_csr(&p.root, &p.csr, 4, validity(NOW + DAY, NOW + YEAR));
    assert_eq!(
        p.crypto.verify_chain(future.as_bytes(), &roots, AT),
        Err(Error::NotYetValid)
    );
    // The same certificate is fine once its time has come (A02.FR.08: switch after notBefore).
    assert!(
        p.crypto
            .verify_chain(future.as_bytes(), &roots, UnixTime(AT.0 + 2 * DAY as i64))
            .is_ok()
    );
    // Bounds are inclusive (RFC 5280 §4.1.2.5).
    let info = p.crypto.certificate_info(future.as_bytes()).unwrap();
    assert_eq!(info.not_before, UnixTime((NOW + DAY) as i64));
    assert!(info.is_valid_at(info.not_before) && info.is_valid_at(info.not_after));
    assert!(!info.is_valid_at(UnixTime(info.not_after.0 + 1)));

    // An expired sub-CA, and an expired root.
    let old_sub = p.root.sub_ca(
        "CN=Old Sub-CA,O=Example CPO B.V.",
        validity(NOW - 2 * YEAR, NOW - DAY),
        Some(None),
    );
    let leaf = sign_csr(&old_sub, &p.csr, 5, current());
    let chain = format!("{leaf}{}", old_sub.pem());
    assert_eq!(
        p.crypto.verify_chain(chain.as_bytes(), &roots, AT),
        Err(Error::Expired)
    );
    let old_root = Ca::root(
        "CN=Old Root,O=Example CPO B.V.",
        Signer::p256(),
        validity(NOW - 2 * YEAR, NOW - DAY),
        None,
    );
    let leaf = sign_csr(&old_root, &p.csr, 6, current());
    assert_eq!(
        p.crypto
            .verify_chain(leaf.as_bytes(), &[old_root.pem().as_bytes()], AT),
        Err(Error::Expired)
    );
}

#[test]
fn a02_fr_06_an_intermediate_that_is_not_a_ca_is_rejected() {
    let p = pki();
    let root_pem = p.root.pem();
    // An end-entity certificate (cA false) used to sign another.
    let fake = p
        .root
        .sub_ca("CN=Not A CA,O=Example CPO B.V.", current(), None);
    let leaf = sign_csr(&fake, &p.csr, 8, current());
    let chain = format!("{leaf}{}", fake.pem());
    assert_eq!(
        p.crypto
            .verify_chain(chain.as_bytes(), &[root_pem.as_bytes()], AT),
        Err(Error::NotCa)
    );
    // The same without basicConstraints at all.
    let signer = Signer::p256();
    let bare = common::issue(
        common::Profile {
            subject: name("CN=No Constraints,O=Example CPO B.V."),
            issuer: Some(p.root.cert.tbs_certificate().subject().clone()),
            ca: None,
            basic_constraints: false,
        },
        9,
        current(),
        signer.spki(),
        &p.root.signer,
    );
    let bare = Ca { signer, cert: bare };
    let leaf = sign_csr(&bare, &p.csr, 10, current());
    let chain = format!("{leaf}{}", bare.pem());
    assert_eq!(
        p.crypto
            .verify_chain(chain.as_bytes(), &[root_pem.as_bytes()], AT),
        Err(Error::NotCa)
    );
}

#[test]
fn rfc5280_path_length_constraint() {
    let root = Ca::root(
        "CN=Strict Root,O=Example CPO B.V.",
        Signer::p256(),
        current(),
        Some(0),
    );
    let p = pki();
    let sub = root.sub_ca("CN=Sub,O=Example CPO B.V.", current(), Some(None));
    let leaf = sign_csr(&sub, &p.csr, 11, current());
    let chain = format!("{leaf}{}", sub.pem());
    assert_eq!(
        p.crypto
            .verify_chain(chain.as_bytes(), &[root.pem().as_bytes()], AT),
        Err(Error::PathLenExceeded)
    );
    // pathLen 0 still allows issuing the leaf directly.
    let direct = sign_csr(&root, &p.csr, 12, current());
    assert!(
        p.crypto
            .verify_chain(direct.as_bytes(), &[root.pem().as_bytes()], AT)
            .is_ok()
    );
}

#[test]
fn tampered_certificate_signature_is_rejected() {
    let p = pki();
    let leaf = sign_csr(&p.root, &p.csr, 13, current());
    let der = ocpp_crypto::encoding::pem_blocks(leaf.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let mut bytes = vec![0u8; der.max_decoded_len()];
    let n = der.decode(&mut bytes).unwrap();
    bytes.truncate(n);
    // Flip a bit inside the subject's CN ("CP-SERIAL-0001" -> "CP-SERIAL-0000").
    let at = bytes
        .windows(14)
        .position(|w| w == b"CP-SERIAL-0001")
        .unwrap();
    bytes[at + 13] ^= 1;
    let root_pem = p.root.pem();
    assert_eq!(
        p.crypto.verify_chain(&bytes, &[root_pem.as_bytes()], AT),
        Err(Error::BadSignature)
    );
    assert_eq!(
        p.crypto
            .verify_chain(b"not a certificate", &[root_pem.as_bytes()], AT),
        Err(Error::Malformed)
    );
}

#[test]
fn rsa_pss_and_pkcs1_issuers_a00_fr_505() {
    // A00.FR.505: "For signing by the certificate authority RSA-PSS, or ECDSA SHOULD be used."
    let key = Signer::rsa_key();
    for signer in [
        Signer::RsaPss(rsa::pss::SigningKey::new(key.clone())),
        Signer::RsaPkcs1(rsa::pkcs1v15::SigningKey::new(key.clone())),
    ] {
        let root = Ca::root("CN=RSA Root,O=Example CPO B.V.", signer, current(), None);
        let p = pki();
        let leaf = sign_csr(&root, &p.csr, 14, current());
        let v = p
            .crypto
            .verify_chain(leaf.as_bytes(), &[root.pem().as_bytes()], AT)
            .unwrap();
        assert_eq!(v.depth, 1);
        assert_eq!(
            p.crypto
                .certificate_info(root.pem().as_bytes())
                .unwrap()
                .public_key,
            PublicKeyKind::Rsa { bits: 2048 }
        );
    }
}

#[test]
fn m05_fr_09_new_root_signed_by_the_old_one() {
    let old = cpo_root();
    let new_signer = Signer::p384();
    // The new root's key, certified by the old root (a cross-certificate).
    let cross = old.issue(
        name("CN=Example CPO Root 2,O=Example CPO B.V."),
        Some(None),
        20,
        current(),
        new_signer.spki(),
    );
    let crypto = provider();
    crypto
        .verify_issued_by(pem(&cross).as_bytes(), old.pem().as_bytes())
        .unwrap();
    let stranger = cpo_root();
    assert_eq!(
        crypto.verify_issued_by(pem(&cross).as_bytes(), stranger.pem().as_bytes()),
        Err(Error::BadSignature)
    );
    let unrelated = Ca::root("CN=Other,O=Other", Signer::p256(), current(), None);
    assert_eq!(
        crypto.verify_issued_by(pem(&cross).as_bytes(), unrelated.pem().as_bytes()),
        Err(Error::UnknownIssuer)
    );
}

#[test]
fn certificate_info_of_a_root() {
    let root = cpo_root();
    let crypto = provider();
    let info = crypto.certificate_info(root.pem().as_bytes()).unwrap();
    assert!(info.is_ca && info.self_issued);
    assert_eq!(info.path_len_constraint, None);
    assert_eq!(info.subject, info.issuer);
    assert_eq!(info.subject.common_name.unwrap(), "Example CPO Root");
    assert_eq!(info.public_key, PublicKeyKind::EcP256);
    assert_eq!(info.serial_number, "1");
    let mut out = [0u8; 200];
    let n = crypto
        .certificate_public_key_der(&der(&root.cert), &mut out)
        .unwrap();
    assert_eq!(
        &out[..n],
        root.cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap()
            .as_slice()
    );
}

// --- CertificateHashDataType: §6.1, §6.10; M03, M04; OCPP 2.0.1 errata 2023-12 §2.15.1 ---

/// A minimal DER reader, independent of the `der` and `x509-cert` crates: (tag, header
/// length, content length).
fn tlv(bytes: &[u8]) -> (u8, usize, usize) {
    let tag = bytes[0];
    let first = bytes[1];
    if first < 0x80 {
        (tag, 2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (tag, 2 + n, len)
    }
}

/// The raw TLVs of a SEQUENCE's elements.
fn elements(seq: &[u8]) -> Vec<&[u8]> {
    let (_, h, len) = tlv(seq);
    let mut rest = &seq[h..h + len];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, h, len) = tlv(rest);
        out.push(&rest[..h + len]);
        rest = &rest[h + len..];
    }
    out
}

/// (issuer Name TLV, serial INTEGER contents, subjectPublicKey BIT STRING contents after the
/// unused-bits octet), read by hand from a certificate's DER.
fn by_hand(cert_der: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let tbs = elements(cert_der)[0];
    let fields = elements(tbs);
    // [0] EXPLICIT version is present in v3 certificates.
    let fields = if fields[0][0] == 0xa0 {
        &fields[1..]
    } else {
        &fields[..]
    };
    let serial = {
        let (_, h, len) = tlv(fields[0]);
        fields[0][h..h + len].to_vec()
    };
    let issuer = fields[2].to_vec();
    let spki = elements(fields[5]);
    let (tag, h, len) = tlv(spki[1]);
    assert_eq!(tag, 0x03);
    assert_eq!(spki[1][h], 0, "no unused bits in a key");
    let key = spki[1][h + 1..h + len].to_vec();
    (issuer, serial, key)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    })
}

fn hash(alg: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

#[test]
fn s6_1_certificate_hash_data_of_a_root_matches_rfc6960_cert_id_by_hand() {
    let root = cpo_root();
    let root_der = der(&root.cert);
    let (issuer, serial, key) = by_hand(&root_der);
    let crypto = provider();
    for alg in HashAlgorithm::ALL {
        let data = crypto
            .certificate_hash_data(root.pem().as_bytes(), None, alg)
            .unwrap();
        assert_eq!(data.hash_algorithm, alg);
        assert_eq!(data.issuer_name_hash.as_str(), hex(&hash(alg, &issuer)));
        assert_eq!(data.issuer_key_hash.as_str(), hex(&hash(alg, &key)));
        assert_eq!(
            data.serial_number.as_str(),
            hex(&serial).trim_start_matches('0')
        );
        // §6.1 sizes: identifierString[0..128], string[0..40]; lowercase hex.
        assert_eq!(data.issuer_name_hash.len(), 2 * alg.output_len());
        assert!(data.issuer_name_hash.len() <= 128 && data.serial_number.len() <= 40);
        for field in [&data.issuer_name_hash, &data.issuer_key_hash] {
            assert!(
                field
                    .as_str()
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
        }
        // The same from DER input.
        assert_eq!(
            crypto.certificate_hash_data(&root_der, None, alg).unwrap(),
            data
        );
    }
}

#[test]
fn s6_1_certificate_hash_data_of_an_issued_certificate_uses_the_issuer_key() {
    let p = pki();
    // A 20-octet serial with the top bit set: DER adds a 0x00 octet, the hex does not.
    let big_serial = p.root.issue(
        name("CN=CP-SERIAL-0001,O=Example CPO B.V."),
        None,
        0x00ff_0000_0000_0001,
        current(),
        p.sub.signer.spki(),
    );
    let (issuer, serial, _) = by_hand(&der(&big_serial));
    let (_, _, root_key) = by_hand(&der(&p.root.cert));
    let data = p
        .crypto
        .certificate_hash_data(
            pem(&big_serial).as_bytes(),
            Some(p.root.pem().as_bytes()),
            HashAlgorithm::Sha256,
        )
        .unwrap();
    assert_eq!(
        data.issuer_name_hash.as_str(),
        hex(&sha2::Sha256::digest(&issuer))
    );
    assert_eq!(
        data.issuer_key_hash.as_str(),
        hex(&sha2::Sha256::digest(&root_key))
    );
    // DER keeps a 0x00 octet before 0xff (positive INTEGER); the hex drops leading zeroes.
    assert_eq!(serial[0], 0);
    assert_eq!(
        data.serial_number.as_str(),
        hex(&serial).trim_start_matches('0')
    );
    assert_eq!(data.serial_number, "ff000000000001");
    // Without its issuer the key hash cannot be computed.
    assert_eq!(
        p.crypto
            .certificate_hash_data(pem(&big_serial).as_bytes(), None, HashAlgorithm::Sha256),
        Err(Error::IssuerRequired)
    );
    // With the wrong issuer.
    assert_eq!(
        p.crypto.certificate_hash_data(
            pem(&big_serial).as_bytes(),
            Some(p.sub.pem().as_bytes()),
            HashAlgorithm::Sha256
        ),
        Err(Error::UnknownIssuer)
    );
}

#[test]
fn m04_hash_data_matching_ignores_case_and_leading_zeroes() {
    let root = cpo_root();
    let crypto = provider();
    let ours = crypto
        .certificate_hash_data(root.pem().as_bytes(), None, HashAlgorithm::Sha384)
        .unwrap();
    let upper = CertificateHashData::new(
        HashAlgorithm::Sha384,
        &ours.issuer_name_hash.as_str().to_uppercase(),
        &ours.issuer_key_hash.as_str().to_uppercase(),
        "0001",
    )
    .unwrap();
    assert!(ours.matches(&upper));
    // M04.FR.07: the hash algorithm used to install it; another algorithm is another name.
    let other_alg = crypto
        .certificate_hash_data(root.pem().as_bytes(), None, HashAlgorithm::Sha256)
        .unwrap();
    assert!(!ours.matches(&other_alg));
    assert!(!ours.matches_fields(
        HashAlgorithm::Sha384,
        ours.issuer_name_hash.as_str(),
        ours.issuer_key_hash.as_str(),
        "2"
    ));
    // Field checks.
    let h64 = "a".repeat(64);
    assert!(CertificateHashData::new(HashAlgorithm::Sha256, &h64, &h64, "1").is_ok());
    for (name_hash, serial) in [
        ("a".repeat(63), "1"),
        ("g".repeat(64), "1"),
        ("a".repeat(64), ""),
        ("a".repeat(64), &*"1".repeat(41)),
        ("a".repeat(64), "0x1"),
    ] {
        assert_eq!(
            CertificateHashData::new(HashAlgorithm::Sha256, &name_hash, &h64, serial),
            Err(Error::InvalidHashData)
        );
    }
    assert_eq!(
        HashAlgorithm::from_name("SHA512"),
        Some(HashAlgorithm::Sha512)
    );
    assert_eq!(HashAlgorithm::from_name("sha512"), None);
}

// --- Hashing and signed firmware: L01.FR.04, L01.FR.12, L01.FR.23, §6.7 ---

fn firmware() -> Vec<u8> {
    // 300 kB of reproducible bytes.
    let mut state = 0x1234_5678_u32;
    (0..300_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

#[test]
fn streamed_hashing_equals_one_shot() {
    let fw = firmware();
    let crypto = provider();
    for alg in HashAlgorithm::ALL {
        let one = crypto.hash(alg, &fw);
        for chunk in [1, 63, 64, 1000, 4096, 65_537] {
            let mut h = crypto.hasher(alg);
            for part in fw.chunks(chunk) {
                h.update(part);
            }
            assert_eq!(h.finalize(), one, "{alg} in chunks of {chunk}");
        }
        assert_eq!(one.as_bytes(), hash(alg, &fw).as_slice());
    }
    // FIPS 180-2 test vector: SHA-256("abc").
    assert_eq!(
        crypto.hash(HashAlgorithm::Sha256, b"abc").to_hex().as_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

struct Maker {
    root: Ca,
    signer: Signer,
    cert: String,
}

fn maker(signer: Signer) -> Maker {
    let root = Ca::root(
        "CN=Maker Root,O=Maker GmbH",
        Signer::p384(),
        current(),
        None,
    );
    // L01 remark: no intermediate certificates for the firmware signing certificate.
    let cert = pem(&root.issue(
        name("CN=Maker Firmware Signing,O=Maker GmbH"),
        None,
        42,
        current(),
        signer.spki(),
    ));
    Maker { root, signer, cert }
}

/// What the charge point does with SignedUpdateFirmware.req: signature base64 (§6.7,
/// `string[0..800]`), hash streamed, verify.
fn check_firmware(
    crypto: &RustCrypto<MemoryKeyStore, getrandom::SysRng>,
    cert: &str,
    fw: &[u8],
    signature_b64: &str,
) -> Result<(), Error> {
    assert!(signature_b64.len() <= 800);
    let mut sig = [0u8; 600];
    let n = base64_decode(signature_b64.as_bytes(), &mut sig)?;
    let mut h = crypto.hasher(HashAlgorithm::Sha256);
    for part in fw.chunks(4096) {
        h.update(part);
    }
    crypto.verify_firmware_signature(cert.as_bytes(), &h.finalize(), &sig[..n])
}

fn b64(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len() * 2 + 4];
    let n = base64_encode(bytes, &mut out).unwrap();
    String::from_utf8(out[..n].to_vec()).unwrap()
}

#[test]
fn l01_firmware_signature_ok_tampered_and_wrong_signer() {
    let fw = firmware();
    let crypto = provider();
    let rsa = Signer::rsa_key();
    for signer in [
        Signer::p256(),
        Signer::p384(),
        Signer::RsaPss(rsa::pss::SigningKey::new(rsa.clone())),
        Signer::RsaPkcs1(rsa::pkcs1v15::SigningKey::new(rsa.clone())),
    ] {
        let m = maker(signer);
        let signature = b64(&m.signer.sign(&fw));

        // L01.FR.23: the signing certificate against the ManufacturerRootCertificate.
        let v = crypto
            .verify_firmware_certificate(m.cert.as_bytes(), &[m.root.pem().as_bytes()], AT)
            .unwrap();
        assert_eq!(
            v.leaf.subject.common_name.unwrap(),
            "Maker Firmware Signing"
        );
        // ... and not against a CPO root (§2.6.2: two hierarchies).
        assert_eq!(
            crypto.verify_firmware_certificate(
                m.cert.as_bytes(),
                &[cpo_root().pem().as_bytes()],
                AT
            ),
            Err(Error::UnknownIssuer)
        );

        // L01.FR.04: the signature over the whole file, SHA-256.
        check_firmware(&crypto, &m.cert, &fw, &signature).unwrap();

        // Tampered firmware: one bit.
        let mut bad = fw.clone();
        bad[150_000] ^= 0x10;
        assert_eq!(
            check_firmware(&crypto, &m.cert, &bad, &signature),
            Err(Error::BadSignature)
        );

        // Signed by someone else than the certificate's key.
        let other = match &m.signer {
            Signer::P256(_) => Signer::p256(),
            Signer::P384(_) => Signer::p384(),
            _ => Signer::RsaPss(rsa::pss::SigningKey::new(Signer::rsa_key())),
        };
        assert_eq!(
            check_firmware(&crypto, &m.cert, &fw, &b64(&other.sign(&fw))),
            Err(Error::BadSignature)
        );
        // Garbage and a missing signature (L01: "if a signature is missing entirely").
        assert!(check_firmware(&crypto, &m.cert, &fw, "AAAA").is_err());
        assert!(check_firmware(&crypto, &m.cert, &fw, "").is_err());
        assert_eq!(
            check_firmware(&crypto, &m.cert, &fw, "not base64!"),
            Err(Error::Malformed)
        );
    }
}

#[test]
fn l01_ecdsa_signature_in_fixed_r_s_form() {
    use signature::Signer as _;
    let fw = firmware();
    let key =
        p256::ecdsa::SigningKey::generate_from_rng(&mut rand_core::UnwrapErr(getrandom::SysRng));
    let sig: p256::ecdsa::Signature = key.sign(&fw);
    let m = maker(Signer::P256(key));
    let crypto = provider();
    check_firmware(&crypto, &m.cert, &fw, &b64(&sig.to_bytes())).unwrap();
}

use p256::elliptic_curve::Generate as _;

#[test]
fn a00_fr_502_weak_rsa_keys_are_refused() {
    let weak = rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap();
    let m = maker(Signer::RsaPkcs1(rsa::pkcs1v15::SigningKey::new(weak)));
    let fw = firmware();
    let crypto = provider();
    assert_eq!(
        check_firmware(&crypto, &m.cert, &fw, &b64(&m.signer.sign(&fw))),
        Err(Error::WeakKey)
    );
    assert_eq!(
        crypto.verify_firmware_certificate(m.cert.as_bytes(), &[m.root.pem().as_bytes()], AT),
        Err(Error::WeakKey)
    );
}

// --- Key stores ---

#[test]
fn file_key_store_persists_pkcs8_with_owner_only_permissions() {
    let dir = std::env::temp_dir().join(format!("ocpp-crypto-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (key, csr) = {
        let mut crypto = RustCrypto::open(&dir).unwrap();
        key_and_csr(&mut crypto, KeyAlgorithm::EcdsaP384)
    };
    // A new provider on the same directory (a restart) still has the key.
    let mut crypto = RustCrypto::open(&dir).unwrap();
    let root = cpo_root();
    let cert = sign_csr(&root, &csr, 77, current());
    assert!(
        crypto
            .certificate_matches_key(cert.as_bytes(), key)
            .unwrap()
    );

    let path = crypto.store().path(key);
    let der = std::fs::read(&path).unwrap();
    assert!(p384::ecdsa::SigningKey::from_pkcs8_der(&der).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
    let second = crypto.generate_key_pair(KeyAlgorithm::EcdsaP256).unwrap();
    assert_eq!(second, KeyId(key.0 + 1));
    assert_eq!(crypto.store().ids().unwrap(), vec![key, second]);
    crypto.delete_key_pair(key).unwrap();
    assert_eq!(crypto.store().load(key).unwrap_err(), Error::KeyNotFound);
    assert_eq!(
        crypto.store_mut().remove(key).unwrap_err(),
        Error::KeyNotFound
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

use pkcs8::DecodePrivateKey as _;

#[test]
fn memory_key_store_ids_are_fresh() {
    let mut store = MemoryKeyStore::new();
    let a = store.insert(b"one").unwrap();
    let b = store.insert(b"two").unwrap();
    assert_ne!(a, b);
    store.remove(a).unwrap();
    let c = store.insert(b"three").unwrap();
    assert!(c != a && c != b);
    assert_eq!(store.ids().collect::<Vec<_>>(), vec![b, c]);
    assert_eq!(&*store.load(b).unwrap(), b"two");
}

#[test]
fn file_key_store_type_is_usable_directly() {
    let dir = std::env::temp_dir().join(format!("ocpp-crypto-store-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = FileKeyStore::open(&dir).unwrap();
    let id = store.insert(b"pkcs8").unwrap();
    assert_eq!(id, KeyId(0));
    assert_eq!(&*store.load(id).unwrap(), b"pkcs8");
    std::fs::remove_dir_all(&dir).unwrap();
}
