//! Connections that take their TLS material from the charge point's security module
//! (`Storage::security`): the CentralSystemRootCertificates installed with
//! InstallCertificate.req, the charge point certificate of CertificateSigned.req (security
//! whitepaper A02.FR.08, M05), and the URL scheme and client certificate each
//! `SecurityProfile` needs (§2.4, §2.5, A00.FR.401).

#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Pki, Recorder, ServerOptions, TestServer, fast_reconnect, init_logging, serve_all};
use ocpp_core::charge_point::{
    ChargePoint, MemoryStorage, RecordKey, SecurityParts, Setup, Storage,
};
use ocpp_core::crypto::{CertificateKind, CertificateStore, KeyId, Module, SecurityModule};
use ocpp_crypto::MemoryCertificateStore;
use ocpp_crypto::rustcrypto::RustCrypto;
use ocpp_tungstenite::rustls::pki_types::PrivateKeyDer;
use ocpp_tungstenite::rustls::pki_types::pem::PemObject;
use ocpp_tungstenite::{ConnectError, ConnectOptions, Connection, attempt_options};

const T: Duration = Duration::from_secs(20);

/// Records in RAM, and a security module.
struct SecureStorage {
    _keys: tempfile::TempDir,
    records: MemoryStorage<16384>,
    scratch: Vec<u8>,
    module: Box<dyn SecurityModule>,
}

impl Storage for SecureStorage {
    type Error = <MemoryStorage<16384> as Storage>::Error;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, Self::Error> {
        self.records.load(key, buf)
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), Self::Error> {
        self.records.store(key, data)
    }

    fn security(&mut self) -> Option<SecurityParts<'_>> {
        Some(SecurityParts {
            scratch: &mut self.scratch,
            module: &mut *self.module,
        })
    }
}

fn secure_cp(
    now: ocpp_core::charge_point::Instant,
    profile: u8,
    installed: &[(CertificateKind, Vec<u8>, Option<KeyId>)],
) -> Box<ChargePoint<SecureStorage>> {
    let keys = tempfile::tempdir().unwrap();
    let storage = SecureStorage {
        module: Box::new(Module::new(RustCrypto::open(keys.path()).unwrap(), {
            let mut store = MemoryCertificateStore::default();
            for (kind, certificate, key) in installed {
                store.insert(*kind, certificate, *key).unwrap();
            }
            store
        })),
        _keys: keys,
        records: MemoryStorage::new(),
        scratch: vec![0; 10_000],
    };
    let mut scratch = vec![0u8; 16 * 1024];
    let mut cp = Box::new(ChargePoint::new(
        Setup::new("V", "M", 1),
        storage,
        now,
        &mut scratch,
    ));
    cp.configuration_mut().security_profile = profile;
    cp
}

/// A central system over TLS with the test CA's server certificate.
fn tls_server(pki: &Pki) -> TestServer {
    TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            ..ServerOptions::default()
        },
        serve_all(T),
    )
}

/// `wss://` to `port` with a Basic authentication password and quick reconnects.
fn wss_with_password(port: u16) -> ConnectOptions {
    ConnectOptions::new(format!("wss://127.0.0.1:{port}"), "CP-1")
        .with_basic_auth("0123456789abcdef")
        .with_reconnect(fast_reconnect())
}

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn booted(server: &TestServer) -> bool {
    server.log.actions().iter().any(|a| a == "BootNotification")
}

#[test]
fn installed_central_system_roots_replace_the_ca_bundle() {
    init_logging();
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            basic_auth: Some(("CP-1".into(), "0123456789abcdef".into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    // The bundle trusts another CA: only the installed root lets the handshake through.
    let options = ConnectOptions::new(format!("wss://127.0.0.1:{}", server.port), "CP-1")
        .with_basic_auth("0123456789abcdef")
        .with_ca_bundle(&pki.other_ca_pem)
        .with_reconnect(fast_reconnect());
    let mut conn = Connection::new(options);
    let root = (CertificateKind::CentralSystemRoot, read(&pki.ca_pem), None);
    let mut cp = secure_cp(conn.now(), 2, &[root]);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| booted(&server)));
    assert!(
        hooks.connect_errors.is_empty(),
        "{:?}",
        hooks.connect_errors
    );
}

#[test]
fn without_installed_roots_the_ca_bundle_is_used() {
    init_logging();
    let pki = Pki::new();
    let server = tls_server(&pki);
    let options = ConnectOptions::new(format!("wss://127.0.0.1:{}", server.port), "CP-1")
        .with_basic_auth("0123456789abcdef")
        .with_ca_bundle(&pki.other_ca_pem)
        .with_reconnect(fast_reconnect());
    let mut conn = Connection::new(options);
    // A manufacturer root is no trust anchor for the central system.
    let manufacturer = (CertificateKind::ManufacturerRoot, read(&pki.ca_pem), None);
    let mut cp = secure_cp(conn.now(), 2, &[manufacturer]);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, h: &Recorder| {
        !h.connect_errors.is_empty()
    }));
    assert!(
        hooks.connect_errors[0].contains("UnknownIssuer"),
        "{:?}",
        hooks.connect_errors
    );
    assert!(!booted(&server));
}

#[test]
fn profile_3_authenticates_with_the_installed_charge_point_certificate() {
    init_logging();
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config_mtls()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let mut options = ConnectOptions::new(format!("wss://127.0.0.1:{}", server.port), "CP-1")
        .with_reconnect(fast_reconnect());
    let key_file = pki.client_key_pem.clone();
    options.client_key_loader = Some(Arc::new(move |id: KeyId| {
        assert_eq!(id, KeyId(7));
        PrivateKeyDer::from_pem_file(&key_file).ok()
    }));
    let mut conn = Connection::new(options);
    let installed = [
        (CertificateKind::CentralSystemRoot, read(&pki.ca_pem), None),
        (
            CertificateKind::ChargePoint,
            read(&pki.client_cert_pem),
            Some(KeyId(7)),
        ),
    ];
    let mut cp = secure_cp(conn.now(), 3, &installed);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| booted(&server)));
    assert!(
        hooks.connect_errors.is_empty(),
        "{:?}",
        hooks.connect_errors
    );
}

#[test]
fn profile_3_without_a_charge_point_certificate_is_refused_before_connecting() {
    let options = ConnectOptions::new("wss://127.0.0.1:9", "CP-1");
    let err = attempt_options(&options, 3, None).unwrap_err();
    assert!(
        matches!(&err, ConnectError::InvalidOptions(m) if m.contains("A00.FR.401")),
        "{err:?}"
    );
    // Profile 2 needs none.
    assert!(attempt_options(&options, 2, None).is_ok());
}

#[test]
fn profiles_2_and_3_reach_a_ws_url_over_tls() {
    let options = ConnectOptions::new("ws://127.0.0.1:9000/ocpp", "CP-1");
    for profile in [0, 1] {
        let a = attempt_options(&options, profile, None).unwrap();
        assert_eq!(a.options.url, "ws://127.0.0.1:9000/ocpp");
        assert!(a.tls.is_none());
    }
    let a = attempt_options(&options, 2, None).unwrap();
    assert_eq!(a.options.url, "wss://127.0.0.1:9000/ocpp");
    assert!(a.tls.is_some() && a.fallback_tls.is_none());
}

#[test]
fn a_raised_profile_reconnects_over_tls_to_the_same_address() {
    init_logging();
    let pki = Pki::new();
    let server = tls_server(&pki);
    // Configured with ws:// (profile 1), the charge point now has profile 2.
    let options = ConnectOptions::new(format!("ws://127.0.0.1:{}", server.port), "CP-1")
        .with_basic_auth("0123456789abcdef")
        .with_ca_bundle(&pki.ca_pem)
        .with_reconnect(fast_reconnect());
    let mut conn = Connection::new(options);
    let mut cp = secure_cp(conn.now(), 2, &[]);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| booted(&server)));
}

#[cfg(feature = "tokio")]
#[test]
fn the_async_driver_uses_the_installed_roots_too() {
    use ocpp_core::charge_point::{Action, Instant, Registration};
    use ocpp_tungstenite::{AsyncConnection, Control, Hooks};

    struct CloseOnBoot(Control);

    impl Hooks<SecureStorage> for CloseOnBoot {
        fn on_action(&mut self, _: &mut ChargePoint<SecureStorage>, _: Action, _: Instant) {}

        fn on_tick(&mut self, cp: &ChargePoint<SecureStorage>, _: Instant) {
            if cp.registration() == Registration::Accepted {
                self.0.close();
            }
        }
    }

    init_logging();
    let pki = Pki::new();
    let server = tls_server(&pki);
    let options = ConnectOptions::new(format!("ws://127.0.0.1:{}", server.port), "CP-1")
        .with_basic_auth("0123456789abcdef")
        .with_ca_bundle(&pki.other_ca_pem)
        .with_reconnect(fast_reconnect());
    let root = (CertificateKind::CentralSystemRoot, read(&pki.ca_pem), None);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut conn = AsyncConnection::new(options);
            let mut cp = secure_cp(conn.now(), 2, &[root]);
            let mut hooks = CloseOnBoot(conn.control());
            tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
                .await
                .unwrap();
        });
    assert!(booted(&server));
}

fn kinds(cp: &mut ChargePoint<SecureStorage>) -> Vec<CertificateKind> {
    let parts = cp.security().unwrap();
    (0..)
        .map_while(|i| parts.module.certificate(i).map(|c| c.kind))
        .collect()
}

/// M05.FR.13: after an `AdditionalRootCertificateCheck` replacement, a server the new root does
/// not verify is tried with the old (fallback) root, which is then kept; M05.FR.12: a
/// connection the new root verified removes the fallback.
#[test]
fn m05_fr_13_the_fallback_root_verifies_when_the_new_one_does_not() {
    init_logging();
    let pki = Pki::new();
    let server = tls_server(&pki);
    let options = wss_with_password(server.port);
    // The new root did not sign the server's certificate; the fallback did.
    let installed = [
        (
            CertificateKind::CentralSystemRoot,
            read(&pki.other_ca_pem),
            None,
        ),
        (
            CertificateKind::CentralSystemRootFallback,
            read(&pki.ca_pem),
            None,
        ),
    ];
    let mut conn = Connection::new(options.clone());
    let mut cp = secure_cp(conn.now(), 2, &installed);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| booted(&server)));
    assert!(
        hooks.connect_errors.is_empty(),
        "{:?}",
        hooks.connect_errors
    );
    assert_eq!(
        kinds(&mut cp),
        [
            CertificateKind::CentralSystemRoot,
            CertificateKind::CentralSystemRootFallback
        ]
    );

    // The new root verifies: the fallback goes.
    let server = tls_server(&pki);
    let options = wss_with_password(server.port);
    let installed = [
        (CertificateKind::CentralSystemRoot, read(&pki.ca_pem), None),
        (
            CertificateKind::CentralSystemRootFallback,
            read(&pki.other_ca_pem),
            None,
        ),
    ];
    let mut conn = Connection::new(options);
    let mut cp = secure_cp(conn.now(), 2, &installed);
    let mut hooks = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| booted(&server)));
    assert_eq!(kinds(&mut cp), [CertificateKind::CentralSystemRoot]);
}
