//! Certificates (security whitepaper edition 2, feature `profile-security`): the central
//! system's roots (M03 GetInstalledCertificateIds, M04 DeleteCertificate, M05
//! InstallCertificate with and without AdditionalRootCertificateCheck) and the charge point's
//! own certificate (A02 on ExtendedTriggerMessage, A03 renewal, SignCertificate and
//! CertificateSigned), through a security module on the RustCrypto implementation and a PKI
//! made at test time (`ocpp_crypto::testpki`). Every frame the charge point sends is checked
//! against the official schemas by the harness.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::indexing_slicing
)]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::secure::SecureStore;
use common::sim::{Sent, Sim, setup};
use ocpp_core::charge_point::{
    CertificateRequestError, DEFAULT_CONNECTOR_SLOTS, DefaultLimits, Instant, Setup,
};
use ocpp_core::limits::{AUTH_CACHE_SIZE, LOCAL_AUTH_LIST_MAX_LENGTH};
use ocpp_crypto::rustcrypto::{MemoryKeyStore, RustCrypto};
use ocpp_crypto::testpki::{
    Ca, DAY, Signer, Validity, X509Certificate, YEAR, csr_subject, pem, sign_csr, validity,
};
use ocpp_crypto::{CertificateHashData, CertificateKind, CryptoProvider, HashAlgorithm};
use serde_json::{Value, json};

type CSim = Sim<
    { DEFAULT_CONNECTOR_SLOTS },
    { LOCAL_AUTH_LIST_MAX_LENGTH },
    { AUTH_CACHE_SIZE },
    DefaultLimits,
    SecureStore,
>;

/// The central system's time at `Instant(0)` (see `common::sim::cs_time`):
/// 2024-05-01T12:00:00Z, in seconds.
const T0: u64 = 1_714_564_800;
const CPO: &str = "Example CPO B.V.";
const AUTH_KEY: &str = "0123456789abcdef0123456789ABCDEF01234567";

fn crypto() -> RustCrypto<MemoryKeyStore, getrandom::SysRng> {
    RustCrypto::new(MemoryKeyStore::new(), getrandom::SysRng)
}

/// Valid from a year before the test's "now" to `years` after it.
fn around(years: u64) -> Validity {
    validity(T0 - YEAR, T0 + years * YEAR)
}

/// A self-signed CPO root.
fn root(cn: &str) -> Ca {
    Ca::root(
        &format!("CN={cn},O=Example CPO B.V."),
        Signer::p256(),
        around(10),
        None,
    )
}

fn pem_of(cert: &X509Certificate) -> String {
    pem(cert)
}

/// A booted charge point on `store`.
fn booted_with(setup: Setup, store: SecureStore) -> CSim {
    let mut sim = CSim::build(setup, store, Instant(0));
    sim.boot();
    sim
}

/// A booted charge point with a security module (16 certificates, a 10,000-byte buffer).
fn booted() -> CSim {
    booted_with(setup(1), SecureStore::new(16, 10_000))
}

fn status(v: &Value) -> &str {
    v["status"].as_str().unwrap()
}

fn install(sim: &mut CSim, use_: &str, pem: &str) -> String {
    let conf = sim.call_ok(
        "InstallCertificate",
        json!({"certificateType": use_, "certificate": pem}),
    );
    status(&conf).to_owned()
}

fn installed_ids(sim: &mut CSim, use_: &str) -> Value {
    sim.call_ok(
        "GetInstalledCertificateIds",
        json!({"certificateType": use_}),
    )
}

fn hash_json(h: &CertificateHashData) -> Value {
    json!({
        "hashAlgorithm": h.hash_algorithm.as_str(),
        "issuerNameHash": h.issuer_name_hash.as_str(),
        "issuerKeyHash": h.issuer_key_hash.as_str(),
        "serialNumber": h.serial_number.as_str(),
    })
}

/// The certificate hash data of a self-issued root, as a central system computes it.
fn root_hash(pem: &str, algorithm: HashAlgorithm) -> CertificateHashData {
    crypto()
        .certificate_hash_data(pem.as_bytes(), None, algorithm)
        .unwrap()
}

fn delete(sim: &mut CSim, data: &Value) -> String {
    let conf = sim.call_ok("DeleteCertificate", json!({"certificateHashData": data}));
    status(&conf).to_owned()
}

fn change(sim: &mut CSim, key: &str, value: &str) -> String {
    let conf = sim.call_ok("ChangeConfiguration", json!({"key": key, "value": value}));
    status(&conf).to_owned()
}

fn config_value(sim: &mut CSim, key: &str) -> String {
    let conf = sim.call_ok("GetConfiguration", json!({"key": [key]}));
    conf["configurationKey"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Security profile 1, so that security events are sent (they are not at profile 0).
fn profile_1(sim: &mut CSim) {
    assert_eq!(change(sim, "AuthorizationKey", AUTH_KEY), "Accepted");
    assert_eq!(change(sim, "SecurityProfile", "1"), "Accepted");
    sim.answer_all();
}

/// The SecurityEventNotification CALLs sent so far (answered), as (type, techInfo).
fn events(sim: &mut CSim) -> Vec<(String, Option<String>)> {
    sim.answer_all()
        .into_iter()
        .filter(|(a, _)| a == "SecurityEventNotification")
        .map(|(_, p)| {
            (
                p["type"].as_str().unwrap().to_owned(),
                p["techInfo"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// ExtendedTriggerMessage SignChargePointCertificate: its answer, then the SignCertificate.req
/// (id, CSR) that follows when Accepted.
fn trigger_csr(sim: &mut CSim) -> (String, String) {
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    assert_eq!(status(&conf), "Accepted");
    let (id, payload) = sim.expect_call("SignCertificate");
    (id, payload["csr"].as_str().unwrap().to_owned())
}

/// A charge point with CpoName set and `ca` installed as its CentralSystemRootCertificate,
/// whose CSR was accepted by the central system: (the CSR).
fn with_accepted_csr(sim: &mut CSim, ca: &Ca) -> String {
    assert_eq!(change(sim, "CpoName", CPO), "Accepted");
    assert_eq!(
        install(sim, "CentralSystemRootCertificate", &ca.pem()),
        "Accepted"
    );
    let (id, csr) = trigger_csr(sim);
    sim.reply(&id, json!({"status": "Accepted"}));
    csr
}

fn certificate_signed(sim: &mut CSim, chain: &str) -> String {
    let conf = sim.call_ok("CertificateSigned", json!({"certificateChain": chain}));
    status(&conf).to_owned()
}

// ---------------------------------------------------------------------------------------------
// M05 InstallCertificate, M03 GetInstalledCertificateIds

/// M05.FR.01/02 and M03.FR.01-04: an installed root is listed with its hash data (SHA-256);
/// the other use has none (NotFound).
#[test]
fn m05_fr_02_install_then_m03_list_by_use() {
    let mut sim = booted();
    let cs = root("CS Root");
    let maker = root("Maker Root");
    assert_eq!(
        status(&installed_ids(&mut sim, "CentralSystemRootCertificate")),
        "NotFound"
    );
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &cs.pem()),
        "Accepted"
    );
    assert_eq!(
        sim.cp.storage().kinds(),
        vec![CertificateKind::CentralSystemRoot]
    );
    let ids = installed_ids(&mut sim, "CentralSystemRootCertificate");
    assert_eq!(
        ids,
        json!({
            "certificateHashData": [hash_json(&root_hash(&cs.pem(), HashAlgorithm::Sha256))],
            "status": "Accepted",
        })
    );
    // M03.FR.02: nothing of the other use.
    assert_eq!(
        installed_ids(&mut sim, "ManufacturerRootCertificate"),
        json!({"status": "NotFound"})
    );
    assert_eq!(
        install(&mut sim, "ManufacturerRootCertificate", &maker.pem()),
        "Accepted"
    );
    let ids = installed_ids(&mut sim, "ManufacturerRootCertificate");
    assert_eq!(
        ids["certificateHashData"],
        json!([hash_json(&root_hash(&maker.pem(), HashAlgorithm::Sha256))])
    );
    // Installing the same certificate again changes nothing.
    assert_eq!(
        install(&mut sim, "ManufacturerRootCertificate", &maker.pem()),
        "Accepted"
    );
    assert_eq!(sim.cp.storage().certificates().len(), 2);
    // Without AdditionalRootCertificateCheck, several CentralSystemRootCertificates (M05
    // remark: "It is allowed to have multiple certificates of the same type installed").
    let second = root("CS Root 2");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &second.pem()),
        "Accepted"
    );
    let ids = installed_ids(&mut sim, "CentralSystemRootCertificate");
    assert_eq!(ids["certificateHashData"].as_array().unwrap().len(), 2);
}

/// M05.FR.06: malformed, expired, not yet valid, not a CA, a broken self-signature: Rejected,
/// nothing installed.
#[test]
fn m05_fr_06_invalid_certificates_are_rejected() {
    let mut sim = booted();
    let expired = Ca::root(
        "CN=Old,O=X",
        Signer::p256(),
        validity(T0 - 3 * YEAR, T0 - DAY),
        None,
    );
    let future = Ca::root(
        "CN=Future,O=X",
        Signer::p256(),
        validity(T0 + DAY, T0 + YEAR),
        None,
    );
    let ca = root("CS Root");
    let leaf = ca.issue(
        ocpp_crypto::testpki::name("CN=Not a CA,O=X"),
        None,
        5,
        around(1),
        Signer::p256().spki(),
    );
    // A byte of the signature flipped.
    let mut der = ocpp_crypto::testpki::der(&ca.cert);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = pem_of(&ocpp_crypto::testpki::parse(&der));
    for (what, text) in [
        (
            "garbage",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_owned(),
        ),
        ("not PEM", "hello".to_owned()),
        ("expired", expired.pem()),
        ("not yet valid", future.pem()),
        ("end entity", pem_of(&leaf)),
        ("bad self-signature", tampered),
        // A second certificate would be stored unchecked.
        (
            "two certificates",
            format!("{}{}", root("A").pem(), expired.pem()),
        ),
        (
            "DER in a string",
            String::from_utf8_lossy(&ocpp_crypto::testpki::der(&ca.cert)).into_owned(),
        ),
    ] {
        for use_ in [
            "CentralSystemRootCertificate",
            "ManufacturerRootCertificate",
        ] {
            assert_eq!(install(&mut sim, use_, &text), "Rejected", "{what}");
        }
    }
    assert!(sim.cp.storage().certificates().is_empty());
}

/// M05.FR.03: Rejected once CertificateStoreMaxLength roots are installed; §7.4 the key
/// follows the store's capacity, less the slots kept for a fallback root and the charge point
/// certificates.
#[test]
fn m05_fr_03_store_full_is_rejected() {
    let mut sim = booted_with(setup(1), SecureStore::new(5, 10_000));
    assert_eq!(config_value(&mut sim, "CertificateStoreMaxLength"), "2");
    assert_eq!(
        config_value(&mut sim, "CertificateSignedMaxChainSize"),
        "10000"
    );
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &root("A").pem()),
        "Accepted"
    );
    assert_eq!(
        install(&mut sim, "ManufacturerRootCertificate", &root("B").pem()),
        "Accepted"
    );
    assert_eq!(
        install(&mut sim, "ManufacturerRootCertificate", &root("C").pem()),
        "Rejected"
    );
    assert_eq!(sim.cp.storage().certificates().len(), 2);
}

/// M05.FR.04: a valid certificate the store fails to write: Failed.
#[test]
fn m05_fr_04_store_failure_is_failed() {
    let fail = Rc::new(Cell::new(false));
    let mut sim = booted_with(setup(1), SecureStore::with_flag(16, 10_000, fail.clone()));
    fail.set(true);
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &root("A").pem()),
        "Failed"
    );
    fail.set(false);
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &root("A").pem()),
        "Accepted"
    );
}

/// M05.FR.08-12 (AdditionalRootCertificateCheck true): a new CentralSystemRootCertificate must
/// be signed by the installed one (M05.FR.10); it replaces it and the old one stays as the
/// fallback (M05.FR.11) until the next connection (M05.FR.12), unless the adapter reports that
/// the connection needed the fallback (M05.FR.13).
#[test]
fn m05_fr_08_to_12_additional_root_certificate_check() {
    let mut s = setup(1);
    s.additional_root_certificate_check = true;
    let mut sim = booted_with(s, SecureStore::new(16, 10_000));
    assert_eq!(
        config_value(&mut sim, "AdditionalRootCertificateCheck"),
        "true"
    );
    let old = root("CS Root 2024");
    let new = root("CS Root 2025");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &old.pem()),
        "Accepted"
    );
    // M05.FR.10: not signed by the installed root.
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &new.pem()),
        "Rejected"
    );
    assert_eq!(
        sim.cp.storage().kinds(),
        vec![CertificateKind::CentralSystemRoot]
    );
    // Manufacturer roots are not concerned.
    assert_eq!(
        install(
            &mut sim,
            "ManufacturerRootCertificate",
            &root("Maker").pem()
        ),
        "Accepted"
    );
    // M05.FR.09/11: the new root signed by the old one.
    let cross = pem_of(&old.cross_sign(&new, 42, around(5)));
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &cross),
        "Accepted"
    );
    let certs = sim.cp.storage().certificates();
    let kind_of = |pem: &str| {
        certs
            .iter()
            .find(|c| c.1 == pem.as_bytes())
            .map(|c| c.0)
            .unwrap()
    };
    assert_eq!(
        kind_of(&old.pem()),
        CertificateKind::CentralSystemRootFallback
    );
    assert_eq!(kind_of(&cross), CertificateKind::CentralSystemRoot);
    assert_eq!(certs.len(), 3);
    // Listed: the new root only, named with its issuer (the old root, installed as the
    // fallback).
    let expected = crypto()
        .certificate_hash_data(
            cross.as_bytes(),
            Some(old.pem().as_bytes()),
            HashAlgorithm::Sha256,
        )
        .unwrap();
    assert_eq!(
        installed_ids(&mut sim, "CentralSystemRootCertificate"),
        json!({"certificateHashData": [hash_json(&expected)], "status": "Accepted"})
    );

    // M05.FR.13: the adapter verified the central system only with the fallback: it stays.
    sim.disconnect();
    sim.cp.fallback_root_used();
    sim.connect();
    sim.answer_all();
    assert!(
        sim.cp
            .storage()
            .kinds()
            .contains(&CertificateKind::CentralSystemRootFallback)
    );
    // M05.FR.12: connected with the new root: the fallback is removed.
    sim.disconnect();
    sim.connect();
    sim.answer_all();
    let kinds = sim.cp.storage().kinds();
    assert!(!kinds.contains(&CertificateKind::CentralSystemRootFallback));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == CertificateKind::CentralSystemRoot)
            .count(),
        1
    );
    // A further replacement must be signed by the root now installed.
    let newer = root("CS Root 2026");
    assert_eq!(
        install(
            &mut sim,
            "CentralSystemRootCertificate",
            &pem_of(&old.cross_sign(&newer, 43, around(5)))
        ),
        "Rejected"
    );
    assert_eq!(
        install(
            &mut sim,
            "CentralSystemRootCertificate",
            &pem_of(&new.cross_sign(&newer, 44, around(5)))
        ),
        "Accepted"
    );
}

/// AdditionalRootCertificateCheck false (the default): a connection leaves the roots alone.
#[test]
fn without_additional_root_certificate_check_roots_are_added() {
    let mut sim = booted();
    assert_eq!(
        config_value(&mut sim, "AdditionalRootCertificateCheck"),
        "false"
    );
    let old = root("A");
    let new = root("B");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &old.pem()),
        "Accepted"
    );
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &new.pem()),
        "Accepted"
    );
    sim.disconnect();
    sim.connect();
    assert_eq!(
        sim.cp.storage().kinds(),
        vec![
            CertificateKind::CentralSystemRoot,
            CertificateKind::CentralSystemRoot
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// M04 DeleteCertificate

/// M04.FR.02/04/07: found by its hash data computed with the algorithm given (SHA-256, 384,
/// 512), hex in any case, serial with leading zeroes; NotFound for anything else.
#[test]
fn m04_delete_by_hash_data_any_algorithm_any_case() {
    let mut sim = booted();
    let roots: Vec<Ca> = ["A", "B", "C"].iter().map(|n| root(n)).collect();
    for r in &roots {
        assert_eq!(
            install(&mut sim, "ManufacturerRootCertificate", &r.pem()),
            "Accepted"
        );
    }
    let unknown = root_hash(&root("Z").pem(), HashAlgorithm::Sha256);
    assert_eq!(delete(&mut sim, &hash_json(&unknown)), "NotFound");
    // Right fields, wrong algorithm: NotFound (M04.FR.07).
    let mut wrong = hash_json(&root_hash(&roots[0].pem(), HashAlgorithm::Sha256));
    wrong["hashAlgorithm"] = json!("SHA384");
    assert_eq!(delete(&mut sim, &wrong), "NotFound");

    for (r, algorithm) in roots.iter().zip([
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ]) {
        let h = root_hash(&r.pem(), algorithm);
        let data = json!({
            "hashAlgorithm": algorithm.as_str(),
            "issuerNameHash": h.issuer_name_hash.as_str().to_uppercase(),
            "issuerKeyHash": h.issuer_key_hash.as_str(),
            "serialNumber": format!("00{}", h.serial_number.as_str().to_uppercase()),
        });
        assert_eq!(delete(&mut sim, &data), "Accepted", "{algorithm}");
        assert_eq!(delete(&mut sim, &data), "NotFound", "{algorithm}");
    }
    assert!(sim.cp.storage().certificates().is_empty());
    assert_eq!(
        installed_ids(&mut sim, "ManufacturerRootCertificate"),
        json!({"status": "NotFound"})
    );
}

/// M04.FR.06: the last CentralSystemRootCertificate is in use with security profile 2 or 3:
/// Failed; with another one installed it may go. At profile 1 it may go (M04 remark).
#[test]
fn m04_fr_06_the_root_in_use_is_not_deleted() {
    let mut sim = booted();
    let a = root("A");
    let b = root("B");
    let hash = |r: &Ca| hash_json(&root_hash(&r.pem(), HashAlgorithm::Sha256));
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &a.pem()),
        "Accepted"
    );
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &b.pem()),
        "Accepted"
    );
    assert_eq!(change(&mut sim, "AuthorizationKey", AUTH_KEY), "Accepted");
    // A05.FR.03: the installed root meets profile 2's prerequisite.
    assert_eq!(change(&mut sim, "SecurityProfile", "2"), "Accepted");
    sim.answer_all();
    assert_eq!(delete(&mut sim, &hash(&a)), "Accepted");
    assert_eq!(delete(&mut sim, &hash(&b)), "Failed");
    assert_eq!(
        sim.cp.storage().kinds(),
        vec![CertificateKind::CentralSystemRoot]
    );
}

/// M04 remark: at profile 0 or 1 nothing verifies the central system with the root: the last
/// one may be deleted.
#[test]
fn m04_the_last_root_may_go_below_profile_2() {
    let mut sim = booted();
    let a = root("A");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &a.pem()),
        "Accepted"
    );
    profile_1(&mut sim);
    assert_eq!(
        delete(
            &mut sim,
            &hash_json(&root_hash(&a.pem(), HashAlgorithm::Sha256))
        ),
        "Accepted"
    );
}

/// M04.FR.03: the store fails to delete: Failed, and the certificate stays.
#[test]
fn m04_fr_03_store_failure_is_failed() {
    let fail = Rc::new(Cell::new(false));
    let mut sim = booted_with(setup(1), SecureStore::with_flag(16, 10_000, fail.clone()));
    let a = root("A");
    assert_eq!(
        install(&mut sim, "ManufacturerRootCertificate", &a.pem()),
        "Accepted"
    );
    fail.set(true);
    let data = hash_json(&root_hash(&a.pem(), HashAlgorithm::Sha256));
    assert_eq!(delete(&mut sim, &data), "Failed");
    assert_eq!(sim.cp.storage().certificates().len(), 1);
    fail.set(false);
    assert_eq!(delete(&mut sim, &data), "Accepted");
}

/// M04.FR.05: the charge point certificate cannot be deleted: its hash data is not found.
#[test]
fn m04_fr_05_the_charge_point_certificate_is_not_deleted() {
    let mut sim = booted();
    let ca = root("CS Root");
    let csr = with_accepted_csr(&mut sim, &ca);
    let leaf = sign_csr(&ca, &csr, 77, around(1));
    assert_eq!(certificate_signed(&mut sim, &leaf), "Accepted");
    let data = crypto()
        .certificate_hash_data(
            leaf.as_bytes(),
            Some(ca.pem().as_bytes()),
            HashAlgorithm::Sha256,
        )
        .unwrap();
    assert_eq!(delete(&mut sim, &hash_json(&data)), "NotFound");
    assert!(
        sim.cp
            .storage()
            .kinds()
            .contains(&CertificateKind::ChargePoint)
    );
}

// ---------------------------------------------------------------------------------------------
// Without a security module

/// docs/security.md: without a module the messages are validated and answered as a charge point
/// that cannot: Install Rejected, CertificateSigned Rejected, GetInstalledCertificateIds
/// NotFound, DeleteCertificate NotFound, SignChargePointCertificate Rejected; the store keys
/// report 0.
#[test]
fn without_a_module_the_refusals_of_the_white_paper() {
    let mut sim = booted_with(setup(1), SecureStore::without_module());
    let ca = root("A");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &ca.pem()),
        "Rejected"
    );
    assert_eq!(certificate_signed(&mut sim, &ca.pem()), "Rejected");
    assert_eq!(
        installed_ids(&mut sim, "CentralSystemRootCertificate"),
        json!({"status": "NotFound"})
    );
    assert_eq!(
        delete(
            &mut sim,
            &hash_json(&root_hash(&ca.pem(), HashAlgorithm::Sha256))
        ),
        "NotFound"
    );
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    let conf = sim.call_ok(
        "ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    );
    assert_eq!(status(&conf), "Rejected");
    assert_eq!(
        sim.cp.renew_charge_point_certificate(),
        Err(CertificateRequestError::NoSecurityModule)
    );
    assert_eq!(config_value(&mut sim, "CertificateStoreMaxLength"), "0");
    assert_eq!(config_value(&mut sim, "CertificateSignedMaxChainSize"), "0");
    sim.expect_nothing_sent();
}

/// The payloads are validated with or without a module: beyond the schema's maxLength, a
/// member missing or of the wrong type is a CALLERROR (OCPP-J §4.2.3), not a status.
#[test]
fn payloads_are_validated_with_or_without_a_module() {
    for store in [SecureStore::without_module(), SecureStore::new(16, 2000)] {
        let mut sim = booted_with(setup(1), store);
        let cases = [
            (
                "InstallCertificate",
                json!({"certificateType": "CentralSystemRootCertificate", "certificate": "x".repeat(5501)}),
                "PropertyConstraintViolation",
            ),
            (
                "InstallCertificate",
                json!({"certificate": "x"}),
                "OccurenceConstraintViolation",
            ),
            (
                "InstallCertificate",
                json!({"certificateType": "Other", "certificate": "x"}),
                "TypeConstraintViolation",
            ),
            (
                "CertificateSigned",
                json!({"certificateChain": "x".repeat(10_001)}),
                "PropertyConstraintViolation",
            ),
            (
                "CertificateSigned",
                json!({"certificateChain": 5}),
                "TypeConstraintViolation",
            ),
            (
                "DeleteCertificate",
                json!({"certificateHashData": {"hashAlgorithm": "MD5", "issuerNameHash": "a", "issuerKeyHash": "b", "serialNumber": "1"}}),
                "TypeConstraintViolation",
            ),
            (
                "GetInstalledCertificateIds",
                json!({}),
                "OccurenceConstraintViolation",
            ),
        ];
        for (action, payload, code) in cases {
            match sim.call(action, payload.clone()) {
                Sent::Error { code: c, .. } => assert_eq!(c, code, "{action} {payload}"),
                other => panic!("{action} {payload}: {other:?}"),
            }
        }
        // Within the bound but longer than the working buffer: not a CALLERROR, Rejected.
        let long = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            "A".repeat(4000)
        );
        assert_eq!(
            install(&mut sim, "CentralSystemRootCertificate", &long),
            "Rejected"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A02, A03: the charge point certificate

/// A02.FR.02/03/13, A00.FR.511: the CSR is PKCS#10 PEM signed by a new key, subject O =
/// CpoName, CN = the serial number; the CA's certificate for it is Accepted (A02.FR.06) and
/// installed as the charge point certificate with the pending key, which is then cleared.
#[test]
fn a02_csr_round_trip() {
    let mut sim = booted();
    let ca = root("CS Root");
    let csr = with_accepted_csr(&mut sim, &ca);
    assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));
    let subject = csr_subject(&csr);
    assert!(subject.contains("CN=SN-1"), "{subject}");
    assert!(subject.contains("O=Example CPO B.V."), "{subject}");
    let key = sim.cp.storage().pending_key().expect("a pending key");
    assert_eq!(sim.cp.storage().key_ids(), vec![key]);

    // The CA signs it (sign_csr checks the CSR's signature), through a sub-CA sent along.
    let sub = ca.sub_ca("CN=CS Sub-CA,O=Example CPO B.V.", around(2), Some(Some(0)));
    let leaf = sign_csr(&sub, &csr, 1001, around(1));
    let chain = format!("{leaf}{}", sub.pem());
    assert_eq!(certificate_signed(&mut sim, &chain), "Accepted");
    let store = sim.cp.storage();
    let cp = store
        .certificates()
        .into_iter()
        .find(|c| c.0 == CertificateKind::ChargePoint)
        .unwrap();
    assert_eq!(cp.1, chain.as_bytes());
    assert_eq!(cp.2, Some(key));
    assert_eq!(store.pending_key(), None);
    assert_eq!(store.key_ids(), vec![key]);
    // A second CertificateSigned.req without a CSR pending: Rejected.
    assert_eq!(certificate_signed(&mut sim, &chain), "Rejected");
}

/// A05.FR.03/04 from the store: profile 2 needs a CentralSystemRootCertificate, 3 a charge point
/// certificate too.
#[test]
fn a05_prerequisites_come_from_the_installed_certificates() {
    let mut sim = booted();
    assert_eq!(change(&mut sim, "AuthorizationKey", AUTH_KEY), "Accepted");
    assert_eq!(change(&mut sim, "SecurityProfile", "2"), "Rejected");
    assert_eq!(change(&mut sim, "SecurityProfile", "3"), "Rejected");
    let ca = root("CS Root");
    let csr = with_accepted_csr(&mut sim, &ca);
    assert_eq!(change(&mut sim, "SecurityProfile", "3"), "Rejected");
    assert_eq!(change(&mut sim, "SecurityProfile", "2"), "Accepted");
    sim.answer_all();
    let leaf = sign_csr(&ca, &csr, 9, around(1));
    assert_eq!(certificate_signed(&mut sim, &leaf), "Accepted");
    assert_eq!(change(&mut sim, "SecurityProfile", "3"), "Accepted");
}

/// A02.FR.06/07: wrong key, a CA that is not installed, expired, a chain longer than
/// CertificateSignedMaxChainSize: Rejected, discarded, and an InvalidChargePointCertificate
/// event; the pending key stays for the right certificate.
#[test]
fn a02_fr_07_invalid_certificates_are_rejected_with_an_event() {
    // A working buffer of 1500 bytes: CertificateSignedMaxChainSize is 1500.
    let mut sim = booted_with(setup(1), SecureStore::new(16, 1500));
    profile_1(&mut sim);
    assert_eq!(
        config_value(&mut sim, "CertificateSignedMaxChainSize"),
        "1500"
    );
    let ca = root("CS Root");
    // A CSR whose key is replaced by the next one's.
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    let (id, first_csr) = trigger_csr(&mut sim);
    sim.reply(&id, json!({"status": "Accepted"}));
    let csr = with_accepted_csr(&mut sim, &ca);
    assert_ne!(csr, first_csr);
    assert_eq!(
        sim.cp.storage().key_ids().len(),
        1,
        "the first key is deleted"
    );
    events(&mut sim);

    let other_ca = root("Somebody else");
    let sub = ca.sub_ca("CN=Sub,O=X", around(2), None);
    let cases = [
        (
            sign_csr(&ca, &first_csr, 1, around(1)),
            "not for the key of the CSR",
        ),
        (sign_csr(&other_ca, &csr, 2, around(1)), "UnknownIssuer"),
        (
            sign_csr(&ca, &csr, 3, validity(T0 - 2 * YEAR, T0 - DAY)),
            "Expired",
        ),
        (
            format!(
                "{}{}{}",
                sign_csr(&sub, &csr, 4, around(1)),
                sub.pem(),
                ca.pem()
            ),
            "certificateChain too long",
        ),
        ("not a certificate".to_owned(), "Malformed"),
    ];
    for (chain, reason) in &cases {
        assert_eq!(certificate_signed(&mut sim, chain), "Rejected", "{reason}");
        assert_eq!(
            events(&mut sim),
            vec![(
                "InvalidChargePointCertificate".to_owned(),
                Some((*reason).to_owned())
            )],
            "{reason}"
        );
    }
    assert!(
        !sim.cp
            .storage()
            .kinds()
            .contains(&CertificateKind::ChargePoint)
    );
    // The right one is still accepted.
    let good = sign_csr(&ca, &csr, 5, around(1));
    assert_eq!(certificate_signed(&mut sim, &good), "Accepted");
    assert!(events(&mut sim).is_empty());
}

/// A02.FR.08: a certificate whose period starts later is accepted (the adapter uses it once
/// valid); A02.FR.09/10: the newest two charge point certificates are kept, older ones go with
/// their keys.
#[test]
fn a02_fr_08_later_certificates_and_the_two_newest_kept() {
    let mut sim = booted();
    let ca = root("CS Root");
    let mut keys = Vec::new();
    for (n, from) in [(1, T0 - DAY), (2, T0), (3, T0 + 7 * DAY)] {
        let csr = if n == 1 {
            with_accepted_csr(&mut sim, &ca)
        } else {
            let (id, csr) = trigger_csr(&mut sim);
            sim.reply(&id, json!({"status": "Accepted"}));
            csr
        };
        keys.push(sim.cp.storage().pending_key().unwrap());
        let leaf = sign_csr(&ca, &csr, n, validity(from, from + YEAR));
        assert_eq!(certificate_signed(&mut sim, &leaf), "Accepted", "{n}");
    }
    let cp: Vec<_> = sim
        .cp
        .storage()
        .certificates()
        .into_iter()
        .filter(|c| c.0 == CertificateKind::ChargePoint)
        .map(|c| c.2.unwrap())
        .collect();
    assert_eq!(cp, vec![keys[1], keys[2]]);
    assert_eq!(sim.cp.storage().key_ids(), vec![keys[1], keys[2]]);
}

/// A02.FR.12 / A02 "Error handling": SignCertificate.conf Rejected (or a CALLERROR) gives the
/// request up: the key is deleted and a later certificate is Rejected.
#[test]
fn a02_sign_certificate_rejected_deletes_the_key() {
    let mut sim = booted();
    let ca = root("CS Root");
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &ca.pem()),
        "Accepted"
    );
    let (id, csr) = trigger_csr(&mut sim);
    sim.reply(&id, json!({"status": "Rejected"}));
    assert_eq!(sim.cp.storage().pending_key(), None);
    assert!(sim.cp.storage().key_ids().is_empty());
    let leaf = sign_csr(&ca, &csr, 1, around(1));
    assert_eq!(certificate_signed(&mut sim, &leaf), "Rejected");

    let (id, _) = trigger_csr(&mut sim);
    sim.reply_error(&id, "NotImplemented");
    assert_eq!(sim.cp.storage().pending_key(), None);
    assert!(sim.cp.storage().key_ids().is_empty());
    sim.expect_nothing_sent();
}

/// ExtendedTriggerMessage SignChargePointCertificate is Rejected without CpoName (A03
/// prerequisite, A02.FR.13) or a serial number (A00.FR.511), and for connector 0 (§5.5).
#[test]
fn a02_trigger_prerequisites() {
    let mut s = setup(1);
    s.boot.charge_point_serial_number = None;
    let mut sim = booted_with(s, SecureStore::new(16, 10_000));
    let trigger = |sim: &mut CSim, connector: Option<u32>| {
        let mut payload = json!({"requestedMessage": "SignChargePointCertificate"});
        if let Some(c) = connector {
            payload["connectorId"] = json!(c);
        }
        status(&sim.call_ok("ExtendedTriggerMessage", payload)).to_owned()
    };
    assert_eq!(trigger(&mut sim, None), "Rejected");
    assert_eq!(
        sim.cp.renew_charge_point_certificate(),
        Err(CertificateRequestError::NoCpoName)
    );
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    assert_eq!(trigger(&mut sim, None), "Rejected");
    assert_eq!(
        sim.cp.renew_charge_point_certificate(),
        Err(CertificateRequestError::NoSerialNumber)
    );
    sim.expect_nothing_sent();
    assert_eq!(sim.cp.storage().pending_key(), None);

    // chargeBoxSerialNumber serves when chargePointSerialNumber is absent.
    let mut s = setup(1);
    s.boot.charge_point_serial_number = None;
    s.boot.charge_box_serial_number = Some("BOX-7".try_into().unwrap());
    let mut sim = booted_with(s, SecureStore::new(16, 10_000));
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    assert_eq!(trigger(&mut sim, Some(0)), "Rejected");
    let (_, csr) = trigger_csr(&mut sim);
    assert!(csr_subject(&csr).contains("CN=BOX-7"));
}

/// The SignCertificate.req in flight when the connection ends goes again, identical (same key,
/// deterministic ECDSA); the pending key survives a restart, so the CertificateSigned.req that
/// comes after it is accepted.
#[test]
fn a02_resent_after_a_disconnect_and_accepted_after_a_restart() {
    let mut sim = booted();
    let ca = root("CS Root");
    assert_eq!(change(&mut sim, "CpoName", CPO), "Accepted");
    assert_eq!(
        install(&mut sim, "CentralSystemRootCertificate", &ca.pem()),
        "Accepted"
    );
    let (_, csr) = trigger_csr(&mut sim);
    sim.disconnect();
    sim.connect();
    let (id, again) = sim.find_call("SignCertificate");
    assert_eq!(again["csr"].as_str().unwrap(), csr);
    sim.reply(&id, json!({"status": "Accepted"}));

    let mut sim = sim.restart(setup(1));
    sim.boot();
    let leaf = sign_csr(&ca, &csr, 3, around(1));
    assert_eq!(certificate_signed(&mut sim, &leaf), "Accepted");
}

/// A03.FR.02: a charge point certificate that expires within a month is renewed: a new key and
/// a SignCertificate.req, at the first check (at most daily) that finds it due; the integrator
/// may ask at any time (`renew_charge_point_certificate`).
#[test]
fn a03_renewal_before_expiry() {
    let mut sim = booted();
    assert_eq!(change(&mut sim, "HeartbeatInterval", "43200"), "Accepted");
    let ca = root("CS Root");
    let csr = with_accepted_csr(&mut sim, &ca);
    // Valid for 40 more days: not due.
    let leaf = sign_csr(&ca, &csr, 1, validity(T0 - YEAR, T0 + 40 * DAY));
    assert_eq!(certificate_signed(&mut sim, &leaf), "Accepted");
    sim.advance(1_000);
    sim.answer_all();
    assert_eq!(sim.cp.storage().pending_key(), None);
    // 9 days later: 31 days left, still not due.
    for _ in 0..9 {
        sim.advance(DAY * 1000);
        assert!(
            sim.answer_all().iter().all(|(a, _)| a != "SignCertificate"),
            "renewed too early"
        );
    }
    // 2 more days: due.
    sim.advance(2 * DAY * 1000);
    let (id, renewal) = sim.find_call("SignCertificate");
    let key = sim.cp.storage().pending_key().expect("a new key");
    sim.reply(&id, json!({"status": "Accepted"}));
    let newer = sign_csr(&ca, renewal["csr"].as_str().unwrap(), 2, around(1));
    assert_eq!(certificate_signed(&mut sim, &newer), "Accepted");
    assert!(
        sim.cp
            .storage()
            .certificates()
            .iter()
            .any(|c| c.2 == Some(key))
    );
    // No renewal of the new one.
    sim.advance(3 * DAY * 1000);
    assert!(sim.answer_all().iter().all(|(a, _)| a != "SignCertificate"));

    // The integrator's call.
    sim.cp.renew_charge_point_certificate().unwrap();
    sim.drain();
    sim.find_call("SignCertificate");
}
