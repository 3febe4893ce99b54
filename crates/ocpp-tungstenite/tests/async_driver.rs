//! The tokio driver (feature `tokio`) against the loopback central system: many charge points
//! booting concurrently in one task each, a reconnect that delivers queued transaction messages,
//! pings, control from another task, TLS, and the distinct connection errors.
#![cfg(feature = "tokio")]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{
    Cp, Pki, Recorder, Reply, ServerOptions, Subprotocol, TestServer, fast_reconnect, init_logging,
    serve_all,
};
use ocpp_core::charge_point::{
    Action, ChargePoint, Event, Instant, MemoryStorage, Registration, Setup,
};
use ocpp_core::v16::IdToken;
use ocpp_tungstenite::{
    AsyncConnection, ConnectError, ConnectOptions, Control, Hooks, LinkEvent, connect_async,
};

const T: Duration = Duration::from_secs(20);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn new_cp(conn: &AsyncConnection) -> Box<Cp> {
    let mut scratch = vec![0u8; 16 * 1024];
    Box::new(ChargePoint::new(
        Setup::new("V", "M", 1),
        MemoryStorage::<16384>::new(),
        conn.now(),
        &mut scratch,
    ))
}

/// Records, and closes the connection once `done` holds.
struct CloseWhen<F> {
    control: Control,
    rec: Recorder,
    done: F,
    closing: bool,
}

impl<F: FnMut(&Cp, &Recorder, Instant) -> bool> Hooks<MemoryStorage<16384>> for CloseWhen<F> {
    fn on_action(&mut self, cp: &mut Cp, action: Action, now: Instant) {
        self.rec.on_action(cp, action, now);
    }

    fn on_link(&mut self, event: &LinkEvent<'_>) {
        Hooks::<MemoryStorage<16384>>::on_link(&mut self.rec, event);
    }

    fn on_tick(&mut self, cp: &Cp, now: Instant) {
        if !self.closing && (self.done)(cp, &self.rec, now) {
            self.closing = true;
            self.control.close();
        }
    }
}

#[test]
fn many_charge_points_boot_concurrently() {
    init_logging();
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let url = server.url();
    let n = 40;
    let results = runtime().block_on(async move {
        let mut tasks = Vec::new();
        for i in 0..n {
            let options = ConnectOptions::new(url.clone(), format!("CP-{i}"))
                .with_reconnect(fast_reconnect());
            tasks.push(tokio::spawn(async move {
                let mut conn = AsyncConnection::new(options);
                let mut cp = new_cp(&conn);
                let mut hooks = CloseWhen {
                    control: conn.control(),
                    rec: Recorder::default(),
                    done: |cp: &Cp, _: &Recorder, _| cp.registration() == Registration::Accepted,
                    closing: false,
                };
                tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
                    .await
                    .expect("closed in time");
                (cp.registration(), hooks.rec)
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    });
    assert_eq!(results.len(), n);
    for (registration, rec) in &results {
        assert_eq!(*registration, Registration::Accepted);
        assert_eq!(rec.connected, 1);
        assert!(rec.closed);
        assert_eq!(rec.disconnects, ["closed by the charge point"]);
    }
    let boots = server
        .log
        .actions()
        .iter()
        .filter(|a| *a == "BootNotification")
        .count();
    assert_eq!(boots, n);
}

#[test]
fn reconnect_delivers_queued_transaction_messages() {
    init_logging();
    let server = TestServer::start(ServerOptions::default(), |mut conn, log| {
        let drop_on_start = conn.index == 0;
        conn.serve(log, T, |action, _| {
            if drop_on_start && action == "StartTransaction" {
                Reply::Drop
            } else {
                Reply::Answer
            }
        });
    });
    let options = ConnectOptions::new(server.url(), "CP-1").with_reconnect(fast_reconnect());
    let rec = runtime().block_on(async move {
        let mut conn = AsyncConnection::new(options);
        let mut cp = new_cp(&conn);
        let mut started = false;
        let events = conn.control();
        let mut hooks = CloseWhen {
            control: conn.control(),
            rec: Recorder::default(),
            done: move |cp: &Cp, rec: &Recorder, _now| {
                if !started && cp.registration() == Registration::Accepted {
                    started = true;
                    // Events as commands: each one an input with its drain.
                    events.send_event(Event::Plugged { connector: 1 });
                    events.send_event(Event::IdTag {
                        connector: Some(1),
                        id_tag: IdToken::try_from("TAG-1").unwrap(),
                    });
                }
                rec.connected == 2
                    && cp.transaction(1).is_some()
                    && cp.queued_transaction_messages() == 0
            },
            closing: false,
        };
        tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
            .await
            .expect("closed in time");
        hooks.rec
    });
    assert_eq!(rec.connected, 2);
    assert_eq!(rec.disconnects.len(), 2, "{:?}", rec.disconnects);
    let calls = server.log.calls();
    let starts: Vec<usize> = calls
        .iter()
        .filter(|c| c.1 == "StartTransaction")
        .map(|c| c.0)
        .collect();
    assert_eq!(
        starts,
        [0, 1],
        "sent, dropped, sent again after the reconnect"
    );
    assert!(!calls.iter().any(|c| c.0 == 1 && c.1 == "BootNotification"));
}

/// RFC 6455 §7.4.1, as the blocking driver (tests/loopback.rs): a message over
/// `max_message_size` fails the connection with close code 1009, and the charge point reconnects.
#[test]
fn an_oversized_message_is_closed_with_1009() {
    init_logging();
    let big = format!(
        r#"[2,"big","DataTransfer",{{"vendorId":"{}"}}]"#,
        "x".repeat(2000)
    );
    let (server, code) = common::sends_then_records_close(tungstenite::Message::text(big), T);
    let mut options = ConnectOptions::new(server.url(), "CP-1").with_reconnect(fast_reconnect());
    options.max_message_size = 1024;
    let rec = runtime().block_on(async move {
        let mut conn = AsyncConnection::new(options);
        let mut cp = new_cp(&conn);
        let mut hooks = CloseWhen {
            control: conn.control(),
            rec: Recorder::default(),
            done: |cp: &Cp, rec: &Recorder, _now| {
                rec.connected == 2 && cp.registration() == Registration::Accepted
            },
            closing: false,
        };
        tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
            .await
            .expect("closed in time");
        hooks.rec
    });
    assert_eq!(*code.lock().unwrap(), Some(1009));
    assert_eq!(rec.connected, 2);
}

#[test]
fn pings_and_control_from_another_task() {
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let options = ConnectOptions::new(server.url(), "CP-1");
    let rec = runtime().block_on(async move {
        let mut conn = AsyncConnection::new(options);
        let mut cp = new_cp(&conn);
        cp.configuration_mut().web_socket_ping_interval = 1;
        let control = conn.control();
        let closer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(2600)).await;
            assert!(control.send_event(Event::Plugged { connector: 1 }));
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(control.close());
        });
        let mut rec = Recorder::default();
        tokio::time::timeout(T, conn.run(&mut cp, &mut rec))
            .await
            .expect("closed in time");
        closer.await.unwrap();
        rec
    });
    assert_eq!(rec.connected, 1);
    assert_eq!(rec.pong_timeouts, 0);
    assert!(rec.closed);
    let pings = server.log.pings.load(Ordering::SeqCst);
    assert!((2..=4).contains(&pings), "{pings} pings");
    assert!(server.log.calls().iter().any(|c| {
        c.1 == "StatusNotification" && c.2["connectorId"] == 1 && c.2["status"] == "Preparing"
    }));
}

#[test]
fn wss_profile_2_and_3() {
    let pki = Pki::new();
    let password = "0123456789abcdef0123456789abcdef";
    let server2 = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            basic_auth: Some(("CP-1".into(), password.into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let server3 = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config_mtls()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let profile2 = ConnectOptions::new(server2.url(), "CP-1")
        .with_ca_bundle(&pki.ca_pem)
        .with_basic_auth(password);
    let profile3 = ConnectOptions::new(server3.url(), "CP-1")
        .with_ca_bundle(&pki.ca_pem)
        .with_client_certificate(&pki.client_cert_pem, &pki.client_key_pem);
    let no_cert = ConnectOptions::new(server3.url(), "CP-1").with_ca_bundle(&pki.ca_pem);
    let untrusted = ConnectOptions::new(server2.url(), "CP-1").with_basic_auth(password);
    runtime().block_on(async move {
        for options in [profile2, profile3] {
            let mut conn = AsyncConnection::new(options);
            let mut cp = new_cp(&conn);
            let mut hooks = CloseWhen {
                control: conn.control(),
                rec: Recorder::default(),
                done: |cp: &Cp, _: &Recorder, _| cp.registration() == Registration::Accepted,
                closing: false,
            };
            tokio::time::timeout(T, conn.run(&mut cp, &mut hooks))
                .await
                .expect("closed in time");
            assert_eq!(cp.registration(), Registration::Accepted);
            assert!(
                hooks.rec.connect_errors.is_empty(),
                "{:?}",
                hooks.rec.connect_errors
            );
        }
        let err = connect_async(&no_cert, None).await.unwrap_err();
        assert!(matches!(err, ConnectError::Tls(_)), "{err:?}");
        let err = connect_async(&untrusted, Some(password)).await.unwrap_err();
        assert!(matches!(err, ConnectError::Tls(_)), "{err:?}");
    });
}

#[test]
fn connection_errors_are_distinct() {
    let auth = TestServer::start(
        ServerOptions {
            basic_auth: Some(("CP-1".into(), "right-password-0123".into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let omit = TestServer::start(
        ServerOptions {
            subprotocol: Subprotocol::Omit,
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let not_found = TestServer::start(
        ServerOptions {
            status: Some(404),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    runtime().block_on(async move {
        let o = |url: String| ConnectOptions::new(url, "CP-1");
        let err = connect_async(&o(auth.url()), Some("wrong-password-0123")).await;
        assert!(matches!(
            err,
            Err(ConnectError::CredentialsRejected { status: 401 })
        ));
        let err = connect_async(&o(omit.url()), None).await;
        assert!(matches!(err, Err(ConnectError::SubprotocolRefused(_))));
        let err = connect_async(&o(not_found.url()), None).await;
        assert!(matches!(err, Err(ConnectError::HttpStatus { status: 404 })));
        let err = connect_async(&o(format!("ws://127.0.0.1:{closed_port}/ocpp")), None).await;
        assert!(matches!(err, Err(ConnectError::Connect { .. })));
    });
}
