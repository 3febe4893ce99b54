//! Failed connection attempts reported as security events (OCPP 1.6 security whitepaper edition
//! 2, chapter 8): the classification of each failure against real TLS peers on 127.0.0.1 (a
//! rustls server with certificates made at test time, and raw TCP servers that answer the
//! ClientHello with what a legacy server would), and, through both drivers, the event queued
//! while disconnected and delivered after the next good connection.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unnecessary_wraps
)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use common::{Pki, Recorder, ServerOptions, TestServer, fast_reconnect, init_logging, serve_all};
use ocpp_core::charge_point::{ChargePoint, MemoryStorage, Setup};
use ocpp_core::v16::SecurityEvent;
use ocpp_tungstenite::rustls::{self, AlertDescription, CertificateError};
use ocpp_tungstenite::{ConnectError, ConnectOptions, Connection, Hooks, LinkEvent, connect};
use serde_json::Value;

/// Generous: CI machines are shared.
const T: Duration = Duration::from_secs(20);

fn event(err: &ConnectError) -> Option<(SecurityEvent, String)> {
    err.security_event()
}

fn ev(kind: SecurityEvent, tech_info: &str) -> Option<(SecurityEvent, String)> {
    Some((kind, tech_info.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// The classification

#[test]
fn each_failure_maps_to_its_event() {
    use SecurityEvent::*;
    use rustls::{Error as E, PeerIncompatible as I, PeerMisbehaved as M};
    let tls = |e: E| event(&ConnectError::Tls(e));
    // A00.FR.309 / A00.FR.413: the central system's certificate.
    assert_eq!(
        tls(E::InvalidCertificate(CertificateError::UnknownIssuer)),
        ev(InvalidCentralSystemCertificate, "UnknownIssuer")
    );
    assert_eq!(
        tls(E::InvalidCertificate(CertificateError::Expired)),
        ev(InvalidCentralSystemCertificate, "Expired")
    );
    // The data a variant carries (names, times) is not techInfo: only the kind.
    let wrong_name = CertificateError::NotValidForNameContext {
        expected: rustls::pki_types::ServerName::try_from("csms.example").unwrap(),
        presented: vec!["DNS name: other.example".into()],
    };
    assert_eq!(
        tls(E::InvalidCertificate(wrong_name)),
        ev(InvalidCentralSystemCertificate, "NotValidForNameContext")
    );
    assert_eq!(
        tls(E::NoCertificatesPresented),
        ev(InvalidCentralSystemCertificate, "NoCertificatesPresented")
    );
    // A00.FR.315 / A00.FR.419: below TLS 1.2, or no version in common.
    assert_eq!(
        tls(E::PeerIncompatible(I::ServerDoesNotSupportTls12Or13)),
        ev(InvalidTLSVersion, "ServerDoesNotSupportTls12Or13")
    );
    assert_eq!(
        tls(E::AlertReceived(AlertDescription::ProtocolVersion)),
        ev(InvalidTLSVersion, "AlertReceived(ProtocolVersion)")
    );
    // A00.FR.322 / A00.FR.426: no cipher suite in common.
    assert_eq!(
        tls(E::AlertReceived(AlertDescription::HandshakeFailure)),
        ev(InvalidTLSCipherSuite, "AlertReceived(HandshakeFailure)")
    );
    assert_eq!(
        tls(E::AlertReceived(AlertDescription::InsufficientSecurity)),
        ev(InvalidTLSCipherSuite, "AlertReceived(InsufficientSecurity)")
    );
    assert_eq!(
        tls(E::PeerMisbehaved(M::SelectedUnofferedCipherSuite)),
        ev(InvalidTLSCipherSuite, "SelectedUnofferedCipherSuite")
    );
    // Our credentials refused: the TLS client certificate, or Basic authentication.
    assert_eq!(
        tls(E::AlertReceived(AlertDescription::CertificateRequired)),
        ev(
            FailedToAuthenticateAtCentralSystem,
            "AlertReceived(CertificateRequired)"
        )
    );
    assert_eq!(
        event(&ConnectError::CredentialsRejected { status: 401 }),
        ev(FailedToAuthenticateAtCentralSystem, "HTTP 401")
    );
    assert_eq!(
        event(&ConnectError::CredentialsRejected { status: 403 }),
        ev(FailedToAuthenticateAtCentralSystem, "HTTP 403")
    );
    // Not security events: the network, the time, other answers, other TLS errors.
    assert_eq!(tls(E::DecryptError), None);
    assert_eq!(event(&ConnectError::HttpStatus { status: 404 }), None);
    assert_eq!(event(&ConnectError::Timeout("TLS handshake")), None);
    assert_eq!(
        event(&ConnectError::Connect {
            addr: "127.0.0.1:1".parse().unwrap(),
            source: std::io::ErrorKind::ConnectionRefused.into(),
        }),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Real peers

/// A TCP server on 127.0.0.1 that reads the ClientHello, answers `reply` (raw TLS records) and
/// closes: a legacy or misconfigured TLS server.
fn raw_tls_server(reply: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(T));
            let mut buf = [0u8; 16 * 1024];
            if stream.read(&mut buf).unwrap_or(0) == 0 {
                continue;
            }
            let _ = stream.write_all(&reply);
            // Let the client read it before the close.
            let _ = stream.read(&mut buf);
        }
    });
    port
}

/// A ServerHello record: `version`, `cipher_suite`, no session id, null compression, no
/// extensions (a TLS 1.0 to 1.2 server).
fn server_hello(version: [u8; 2], cipher_suite: [u8; 2]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&version);
    body.extend_from_slice(&[0x5a; 32]); // random
    body.push(0); // session id length
    body.extend_from_slice(&cipher_suite);
    body.push(0); // compression: null
    let mut handshake = vec![0x02, 0, 0, u8::try_from(body.len()).unwrap()];
    handshake.extend_from_slice(&body);
    let mut record = vec![
        0x16,
        version[0],
        version[1],
        0,
        u8::try_from(handshake.len()).unwrap(),
    ];
    record.extend_from_slice(&handshake);
    record
}

/// A fatal alert record.
fn alert(description: u8) -> Vec<u8> {
    vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]
}

fn wss(port: u16) -> ConnectOptions {
    ConnectOptions::new(format!("wss://127.0.0.1:{port}/ocpp"), "CP-1")
}

#[test]
fn a_server_certificate_from_another_ca_is_an_invalid_central_system_certificate() {
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let options = wss(server.port).with_ca_bundle(&pki.other_ca_pem);
    let err = connect(&options, None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::InvalidCentralSystemCertificate,
            "UnknownIssuer"
        )
    );
    // The name is checked too (A00.FR.307): the certificate is for 127.0.0.1 and localhost.
    let options = ConnectOptions::new(format!("wss://127.0.0.2:{}/ocpp", server.port), "CP-1")
        .with_ca_bundle(&pki.ca_pem);
    if let Err(err) = connect(&options, None) {
        // (127.0.0.2 is loopback on Linux; elsewhere the connect fails first.)
        if matches!(err, ConnectError::Tls(_)) {
            let (kind, tech_info) = event(&err).unwrap();
            assert_eq!(kind, SecurityEvent::InvalidCentralSystemCertificate);
            assert!(tech_info.starts_with("NotValidForName"), "{tech_info}");
        }
    }
}

#[test]
fn a_tls_1_1_server_is_an_invalid_tls_version() {
    // TLS 1.1 (0x0302) with TLS_RSA_WITH_AES_128_CBC_SHA.
    let port = raw_tls_server(server_hello([0x03, 0x02], [0x00, 0x2f]));
    let err = connect(&wss(port), None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::InvalidTLSVersion,
            "ServerDoesNotSupportTls12Or13"
        ),
        "{err:?}"
    );
    // A server that finds no version in common says so with a protocol_version alert (70).
    let port = raw_tls_server(alert(70));
    let err = connect(&wss(port), None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::InvalidTLSVersion,
            "AlertReceived(ProtocolVersion)"
        ),
        "{err:?}"
    );
}

#[test]
fn no_common_cipher_suite_is_an_invalid_tls_cipher_suite() {
    // A server without any of our (ECDHE, AEAD) suites refuses with handshake_failure (40).
    let port = raw_tls_server(alert(40));
    let err = connect(&wss(port), None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::InvalidTLSCipherSuite,
            "AlertReceived(HandshakeFailure)"
        ),
        "{err:?}"
    );
    // One that picks a suite we did not offer (TLS 1.2, TLS_RSA_WITH_AES_128_CBC_SHA).
    let port = raw_tls_server(server_hello([0x03, 0x03], [0x00, 0x2f]));
    let err = connect(&wss(port), None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::InvalidTLSCipherSuite,
            "SelectedUnofferedCipherSuite"
        ),
        "{err:?}"
    );
}

#[test]
fn refused_credentials_are_a_failed_authentication() {
    let server = TestServer::start(
        ServerOptions {
            basic_auth: Some(("CP-1".into(), "0123456789abcdef0123456789abcdef".into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let options = ConnectOptions::new(server.url(), "CP-1");
    let err = connect(&options, Some("ffffffffffffffffffffffffffffffff")).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::FailedToAuthenticateAtCentralSystem,
            "HTTP 401"
        )
    );
    let forbidden = TestServer::start(
        ServerOptions {
            status: Some(403),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let err = connect(&ConnectOptions::new(forbidden.url(), "CP-1"), None).unwrap_err();
    assert_eq!(
        event(&err),
        ev(
            SecurityEvent::FailedToAuthenticateAtCentralSystem,
            "HTTP 403"
        )
    );
    // Profile 3: the central system wants a client certificate and gets none.
    let pki = Pki::new();
    let mtls = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config_mtls()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let err = connect(&wss(mtls.port).with_ca_bundle(&pki.ca_pem), None).unwrap_err();
    let (kind, tech_info) = event(&err).unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(kind, SecurityEvent::FailedToAuthenticateAtCentralSystem);
    assert!(tech_info.starts_with("AlertReceived("), "{tech_info}");
}

// ---------------------------------------------------------------------------------------------
// Through the drivers: queued while disconnected, delivered after the next good connection

type Cp = ChargePoint<MemoryStorage<16384>>;

/// A charge point with security profile 2 configured (events are raised from profile 1 on).
fn cp_with_profile_2(now: ocpp_core::charge_point::Instant) -> Box<Cp> {
    let mut scratch = vec![0u8; 16 * 1024];
    let mut cp = Box::new(ChargePoint::new(
        Setup::new("V", "M", 1),
        MemoryStorage::<16384>::new(),
        now,
        &mut scratch,
    ));
    cp.configuration_mut().security_profile = 2;
    cp
}

/// Records, and trusts the right CA from the first failure on (as an operator who fixes the
/// charge point's trust store, or the central system's certificate).
struct FixAfterFailure {
    rec: Recorder,
    bundle: std::path::PathBuf,
    right_ca: std::path::PathBuf,
}

impl Hooks<MemoryStorage<16384>> for FixAfterFailure {
    fn on_action(
        &mut self,
        cp: &mut Cp,
        action: ocpp_core::charge_point::Action,
        now: ocpp_core::charge_point::Instant,
    ) {
        self.rec.on_action(cp, action, now);
    }

    fn on_link(&mut self, event: &LinkEvent<'_>) {
        if matches!(event, LinkEvent::ConnectFailed { .. }) {
            std::fs::copy(&self.right_ca, &self.bundle).unwrap();
        }
        Hooks::<MemoryStorage<16384>>::on_link(&mut self.rec, event);
    }
}

/// The SecurityEventNotification.req payloads the central system received, with the index of
/// the connection.
fn security_events(server: &TestServer) -> Vec<(usize, Value)> {
    server
        .log
        .calls()
        .into_iter()
        .filter(|(_, action, _)| action == "SecurityEventNotification")
        .map(|(connection, _, payload)| (connection, payload))
        .collect()
}

fn invalid_certificate_delivered(server: &TestServer) -> bool {
    security_events(server)
        .iter()
        .any(|(_, p)| p["type"] == "InvalidCentralSystemCertificate")
}

/// The server, a CA bundle that trusts another CA (the first attempt fails), the options.
fn wrong_then_right(pki: &Pki) -> (TestServer, FixAfterFailure, ConnectOptions) {
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let bundle = pki.dir.path().join("trusted.pem");
    std::fs::copy(&pki.other_ca_pem, &bundle).unwrap();
    let options = wss(server.port)
        .with_ca_bundle(&bundle)
        .with_reconnect(fast_reconnect());
    let hooks = FixAfterFailure {
        rec: Recorder::default(),
        bundle,
        right_ca: pki.ca_pem.clone(),
    };
    (server, hooks, options)
}

fn check_delivered(server: &TestServer, hooks: &FixAfterFailure) {
    assert_eq!(
        hooks.rec.connect_errors.len(),
        1,
        "{:?}",
        hooks.rec.connect_errors
    );
    assert!(
        hooks.rec.connect_errors[0].contains("UnknownIssuer"),
        "{:?}",
        hooks.rec.connect_errors
    );
    let events = security_events(server);
    let refused: Vec<_> = events
        .iter()
        .filter(|(_, p)| p["type"] == "InvalidCentralSystemCertificate")
        .collect();
    assert_eq!(refused.len(), 1, "{events:?}");
    let (connection, payload) = refused[0];
    // The first connection that got through (the refused attempt never reached the server).
    assert_eq!(*connection, 0);
    assert_eq!(payload["techInfo"], "UnknownIssuer");
    assert!(payload["timestamp"].is_string(), "{payload}");
    // After the BootNotification was accepted.
    let actions = server.log.actions();
    let boot = actions
        .iter()
        .position(|a| a == "BootNotification")
        .unwrap();
    let notification = actions
        .iter()
        .position(|a| a == "SecurityEventNotification")
        .unwrap();
    assert!(boot < notification, "{actions:?}");
}

#[test]
fn blocking_driver_delivers_the_refused_certificate_after_the_next_good_connection() {
    init_logging();
    let pki = Pki::new();
    let (server, mut hooks, options) = wrong_then_right(&pki);
    let mut conn = Connection::new(options);
    let mut cp = cp_with_profile_2(conn.now());
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| {
        invalid_certificate_delivered(&server)
    }));
    check_delivered(&server, &hooks);
}

#[test]
fn without_security_events_the_driver_feeds_none() {
    let pki = Pki::new();
    let (server, mut hooks, mut options) = wrong_then_right(&pki);
    options.security_events = false;
    let mut conn = Connection::new(options);
    let mut cp = cp_with_profile_2(conn.now());
    // StartupOfTheDevice is the core's own: wait for it, then a little more.
    assert!(conn.run_until(&mut cp, &mut hooks, T, |_, _| {
        !security_events(&server).is_empty()
    }));
    conn.run_until(&mut cp, &mut hooks, Duration::from_millis(500), |_, _| {
        false
    });
    assert_eq!(hooks.rec.connect_errors.len(), 1);
    assert!(
        !invalid_certificate_delivered(&server),
        "{:?}",
        security_events(&server)
    );
}

#[cfg(feature = "tokio")]
#[test]
fn async_driver_delivers_the_refused_certificate_after_the_next_good_connection() {
    use ocpp_tungstenite::AsyncConnection;

    /// Closes once the event is delivered.
    struct CloseWhenDelivered<'a> {
        inner: FixAfterFailure,
        server: &'a TestServer,
        control: ocpp_tungstenite::Control,
        closing: bool,
    }

    impl Hooks<MemoryStorage<16384>> for CloseWhenDelivered<'_> {
        fn on_action(
            &mut self,
            cp: &mut Cp,
            action: ocpp_core::charge_point::Action,
            now: ocpp_core::charge_point::Instant,
        ) {
            self.inner.on_action(cp, action, now);
        }

        fn on_link(&mut self, event: &LinkEvent<'_>) {
            self.inner.on_link(event);
        }

        fn on_tick(&mut self, _: &Cp, _: ocpp_core::charge_point::Instant) {
            if !self.closing && invalid_certificate_delivered(self.server) {
                self.closing = true;
                self.control.close();
            }
        }
    }

    init_logging();
    let pki = Pki::new();
    let (server, hooks, options) = wrong_then_right(&pki);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut conn = AsyncConnection::new(options);
    let mut cp = cp_with_profile_2(conn.now());
    let mut hooks = CloseWhenDelivered {
        inner: hooks,
        server: &server,
        control: conn.control(),
        closing: false,
    };
    runtime.block_on(async {
        tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
            .await
            .expect("delivered and closed in time");
    });
    check_delivered(&server, &hooks.inner);
}
