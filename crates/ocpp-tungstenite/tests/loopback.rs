//! The driver against a loopback central system (tungstenite's server side on 127.0.0.1): the
//! handshake (subprotocol, Basic auth, HTTP errors), a real `ChargePoint` booting, reconnects with
//! queued transaction messages, fragmented frames, pings and pongs, clean close, and TLS with a CA
//! made at test time (security profiles 2 and 3).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use common::{
    Pki, Recorder, Reply, ServerOptions, Subprotocol, TestServer, canned, fast_reconnect,
    init_logging, new_cp, serve_all,
};
use ocpp_core::charge_point::config::AuthorizationKey;
use ocpp_core::charge_point::io::Input;
use ocpp_core::charge_point::{Event, Registration};
use ocpp_core::v16::{ChargePointStatus, IdToken, Reason};
use ocpp_tungstenite::tungstenite::Message;
use ocpp_tungstenite::tungstenite::protocol::frame::Frame;
use ocpp_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use ocpp_tungstenite::{ConnectError, ConnectOptions, Connection, Status, connect};
use serde_json::json;

/// Generous: CI machines are shared.
const T: Duration = Duration::from_secs(20);

fn opts(server: &TestServer) -> ConnectOptions {
    ConnectOptions::new(server.url(), "CP-1").with_reconnect(fast_reconnect())
}

fn accepted(cp: &common::Cp, _: &Recorder) -> bool {
    cp.registration() == Registration::Accepted
}

#[test]
fn boot_notification_round_trip() {
    init_logging();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let server = {
        let seen = seen.clone();
        TestServer::start(ServerOptions::default(), move |mut conn, log| {
            *seen.lock().unwrap() = Some((conn.path.clone(), conn.authorization.clone()));
            conn.serve(log, T, |_, _| Reply::Answer);
        })
    };
    let mut conn = Connection::new(opts(&server));
    assert_eq!(
        conn.url(),
        format!("ws://127.0.0.1:{}/ocpp/CP-1", server.port)
    );
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(conn.is_connected());
    assert_eq!(rec.connected, 1);
    // The StatusNotifications that follow an accepted boot are delivered too.
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| {
        server.log.actions().len() >= 3
    }));
    let calls = server.log.calls();
    assert_eq!(calls[0].1, "BootNotification");
    assert_eq!(calls[0].2["chargePointVendor"], "V");
    assert_eq!(calls[0].2["chargePointModel"], "M");
    assert!(calls[1..].iter().all(|c| c.1 == "StatusNotification"));
    let (path, auth) = seen.lock().unwrap().clone().unwrap();
    assert_eq!(path, "/ocpp/CP-1");
    assert_eq!(auth, None);
    assert!(rec.connect_errors.is_empty());
}

#[test]
fn charge_point_id_is_percent_encoded_in_the_path() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let server = {
        let seen = seen.clone();
        TestServer::start(ServerOptions::default(), move |conn, _| {
            *seen.lock().unwrap() = Some(conn.path.clone());
        })
    };
    let options = ConnectOptions::new(format!("{}/", server.url()), "RDAM 123");
    drop(connect(&options, None).unwrap());
    for _ in 0..100 {
        if seen.lock().unwrap().is_some() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(seen.lock().unwrap().as_deref(), Some("/ocpp/RDAM%20123"));
}

#[test]
fn basic_auth_accepted() {
    init_logging();
    let password = "0123456789abcdef0123456789abcdef";
    let server = TestServer::start(
        ServerOptions {
            basic_auth: Some(("CP-1".into(), password.into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let mut conn = Connection::new(opts(&server).with_basic_auth(password));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(rec.connect_errors.is_empty(), "{:?}", rec.connect_errors);
}

#[test]
fn basic_auth_refused_is_a_clear_error() {
    init_logging();
    let server = TestServer::start(
        ServerOptions {
            basic_auth: Some(("CP-1".into(), "right-password-0123456789".into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    // Wrong password, and no password at all.
    let wrong = opts(&server).with_basic_auth("wrong-password-0123456789");
    let err = connect(&wrong, Some("wrong-password-0123456789")).unwrap_err();
    assert!(
        matches!(err, ConnectError::CredentialsRejected { status: 401 }),
        "{err:?}"
    );
    assert!(err.is_authentication_failure());
    assert!(
        err.to_string().contains("rejected the credentials"),
        "{err}"
    );
    let err = connect(&opts(&server), None).unwrap_err();
    assert!(
        matches!(err, ConnectError::CredentialsRejected { status: 401 }),
        "{err:?}"
    );

    // The driver reports it to the hooks, keeps the charge point offline and retries.
    let mut conn = Connection::new(wrong);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, r| r.connect_errors.len() >= 2));
    assert!(rec.connect_errors[0].contains("CredentialsRejected"));
    assert_eq!(rec.connected, 0);
    assert_eq!(server.accepted(), 0);
}

#[test]
fn authorization_key_from_the_configuration_is_the_password() {
    let key = "00112233445566778899aabbccddeeff";
    let server = TestServer::start(
        ServerOptions {
            basic_auth: Some(("CP-1".into(), key.into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    // The options hold an outdated password; the central system set AuthorizationKey since.
    let mut conn = Connection::new(opts(&server).with_basic_auth("an-old-password-123456"));
    let mut cp = new_cp(&conn);
    cp.configuration_mut().authorization_key = AuthorizationKey::parse(key);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(rec.connect_errors.is_empty(), "{:?}", rec.connect_errors);
}

#[test]
fn subprotocol_not_agreed_is_refused() {
    for (sub, what) in [
        (Subprotocol::Omit, "names no subprotocol"),
        (Subprotocol::Other("ocpp2.0"), "another subprotocol"),
    ] {
        let server = TestServer::start(
            ServerOptions {
                subprotocol: sub,
                ..ServerOptions::default()
            },
            serve_all(T),
        );
        let err = connect(&opts(&server), None).unwrap_err();
        match &err {
            ConnectError::SubprotocolRefused(detail) => assert!(detail.contains(what), "{detail}"),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("ocpp1.6"));
    }
}

#[test]
fn other_http_status_and_connection_refused_are_distinct_errors() {
    let server = TestServer::start(
        ServerOptions {
            status: Some(404),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let err = connect(&opts(&server), None).unwrap_err();
    assert!(
        matches!(err, ConnectError::HttpStatus { status: 404 }),
        "{err:?}"
    );

    // A port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let options = ConnectOptions::new(format!("ws://127.0.0.1:{port}/ocpp"), "CP-1");
    let err = connect(&options, None).unwrap_err();
    assert!(matches!(err, ConnectError::Connect { .. }), "{err:?}");

    let options = ConnectOptions::new("http://127.0.0.1:1/ocpp", "CP-1");
    assert!(matches!(
        connect(&options, None),
        Err(ConnectError::InvalidUrl(_))
    ));
}

#[test]
fn reconnect_delivers_queued_transaction_messages() {
    init_logging();
    let server = TestServer::start(ServerOptions::default(), |mut conn, log| {
        if conn.index == 0 {
            // The first connection dies when StartTransaction arrives, unanswered.
            conn.serve(log, T, |action, _| {
                if action == "StartTransaction" {
                    Reply::Drop
                } else {
                    Reply::Answer
                }
            });
        } else {
            conn.serve(log, T, |_, _| Reply::Answer);
        }
    });
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));

    // Events as commands: each one an input with its drain.
    let control = conn.control();
    control.send_event(Event::Plugged { connector: 1 });
    control.send_event(Event::IdTag {
        connector: Some(1),
        id_tag: IdToken::try_from("TAG-1").unwrap(),
    });
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, r| !r.disconnects.is_empty()));
    assert!(!conn.is_connected());
    assert!(cp.transaction(1).is_some(), "the transaction runs offline");

    // Stopped while offline: StopTransaction queues behind the unanswered StartTransaction.
    // One input directly between steps: the next step drains it first.
    cp.handle_input(
        Input::Event(Event::StopRequested {
            connector: 1,
            reason: Reason::Local,
        }),
        conn.now(),
    )
    .unwrap();
    assert!(cp.queued_transaction_messages() >= 2);

    assert!(conn.run_until(&mut cp, &mut rec, T, |cp, r| {
        r.connected == 2 && cp.queued_transaction_messages() == 0
    }));
    let second: Vec<(String, serde_json::Value)> = server
        .log
        .calls()
        .into_iter()
        .filter(|c| c.0 == 1)
        .map(|c| (c.1, c.2))
        .collect();
    let actions: Vec<&str> = second.iter().map(|c| c.0.as_str()).collect();
    assert!(
        !actions.contains(&"BootNotification"),
        "no new boot on reconnect: {actions:?}"
    );
    let start = actions
        .iter()
        .position(|a| *a == "StartTransaction")
        .unwrap();
    let stop = actions
        .iter()
        .position(|a| *a == "StopTransaction")
        .unwrap();
    assert!(start < stop, "{actions:?}");
    // The StopTransaction names the transaction id the central system gave on reconnect.
    assert_eq!(second[stop].1["transactionId"], 42);
    assert_eq!(second[stop].1["reason"], "Local");
    assert_eq!(rec.disconnects.len(), 1);
    assert!(
        rec.disconnects[0].contains("closed by the central system")
            || rec.disconnects[0].contains("connection failed"),
        "{:?}",
        rec.disconnects
    );
}

#[test]
fn reconnects_after_the_server_goes_away_and_comes_back() {
    // Connection attempts fail while nobody listens; the driver keeps trying with backoff.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let options = ConnectOptions::new(format!("ws://127.0.0.1:{port}/ocpp"), "CP-1")
        .with_reconnect(fast_reconnect());
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, r| r.connect_errors.len() >= 3));
    assert!(rec.connect_errors.iter().all(|e| e.contains("Connect {")));
    assert_eq!(cp.registration(), Registration::Unknown);
}

#[test]
fn fragmented_frames_are_reassembled() {
    init_logging();
    let result = std::sync::Arc::new(std::sync::Mutex::new(None));
    let server = {
        let result = result.clone();
        TestServer::start(ServerOptions::default(), move |mut conn, log| {
            conn.serve(log, T, |action, _| {
                if action == "BootNotification" {
                    Reply::Stop
                } else {
                    Reply::Answer
                }
            });
            // Answer the boot in two fragments, then send a CALL in three.
            let id = log.frames.lock().unwrap()[0].frame[1].clone();
            let answer = json!([3, id, canned("BootNotification")]).to_string();
            let (a, b) = answer.split_at(10);
            send_fragments(&mut conn, &[a, b]);
            let call = r#"[2,"frag-1","GetConfiguration",{"key":["HeartbeatInterval"]}]"#;
            send_fragments(&mut conn, &[&call[..7], &call[7..30], &call[30..]]);
            while let Some(frame) = conn.recv_frame(log, T) {
                if frame[1] == "frag-1" {
                    *result.lock().unwrap() = Some(frame);
                    break;
                }
                if frame[0] == 2 {
                    let id = frame[1].clone();
                    let payload = canned(frame[2].as_str().unwrap());
                    conn.send_text(&json!([3, id, payload]).to_string());
                }
            }
            conn.serve(log, T, |_, _| Reply::Answer);
        })
    };
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| {
        result.lock().unwrap().is_some()
    }));
    let frame = result.lock().unwrap().clone().unwrap();
    assert_eq!(frame[0], 3, "{frame}");
    let keys = frame[2]["configurationKey"].as_array().unwrap();
    assert_eq!(keys[0]["key"], "HeartbeatInterval");
    assert_eq!(keys[0]["value"], "300");
}

fn send_fragments(conn: &mut common::Accepted, parts: &[&str]) {
    let last = parts.len() - 1;
    for (i, part) in parts.iter().enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(part.as_bytes().to_vec(), opcode, i == last);
        conn.ws.write(Message::Frame(frame)).unwrap();
    }
    conn.ws.flush().unwrap();
}

#[test]
fn pings_every_interval_and_stays_up_with_pongs() {
    init_logging();
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    cp.configuration_mut().web_socket_ping_interval = 1;
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    // Pongs arrive (tungstenite's server answers), so 3.5 intervals pass without a disconnect
    // although the pong timeout is 2 intervals.
    assert!(
        !conn.run_until(&mut cp, &mut rec, Duration::from_millis(3500), |_, r| {
            !r.disconnects.is_empty()
        })
    );
    let pings = server.log.pings.load(Ordering::SeqCst);
    assert!((2..=5).contains(&pings), "{pings} pings");
    assert!(conn.is_connected());
    assert_eq!(rec.connected, 1);
}

#[test]
fn missing_pong_is_a_dead_connection() {
    init_logging();
    let server = TestServer::start(ServerOptions::default(), |mut conn, log| {
        if conn.index == 0 {
            conn.serve(log, T, |action, _| {
                if action == "BootNotification" {
                    Reply::With(canned(action))
                } else {
                    Reply::Stop
                }
            });
            // Stop reading: pings go unanswered; keep the socket open.
            thread::sleep(Duration::from_secs(15));
        } else {
            conn.serve(log, T, |_, _| Reply::Answer);
        }
    });
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    cp.configuration_mut().web_socket_ping_interval = 1;
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    let started = std::time::Instant::now();
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, r| r.connected == 2));
    assert_eq!(rec.pong_timeouts, 1, "{:?}", rec.disconnects);
    // First ping after 1 s, declared dead 2 intervals later.
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert!(rec.disconnects[0].contains("no pong"));
}

#[test]
fn pings_from_the_server_are_answered() {
    let got_pong = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let server = {
        let got_pong = got_pong.clone();
        TestServer::start(ServerOptions::default(), move |mut conn, log| {
            conn.serve(log, T, |action, _| {
                if action == "BootNotification" {
                    Reply::With(canned(action))
                } else {
                    Reply::Stop
                }
            });
            conn.ws
                .send(Message::Ping(b"are you there".to_vec().into()))
                .unwrap();
            while let Some(m) = conn.recv(T) {
                if m == Message::Pong(b"are you there".to_vec().into()) {
                    got_pong.store(true, Ordering::SeqCst);
                    break;
                }
            }
            conn.serve(log, T, |_, _| Reply::Answer);
        })
    };
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| got_pong.load(Ordering::SeqCst)));
}

/// The close code the central system receives after sending `bad` on the first connection
/// (with `max_message_size` 1 KiB), and whether the charge point reconnected after.
fn close_code_after(bad: Message) -> (Option<u16>, bool) {
    init_logging();
    let (server, code) = common::sends_then_records_close(bad, T);
    let mut options = opts(&server);
    options.max_message_size = 1024;
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    let reconnected = conn.run_until(&mut cp, &mut rec, T, |_, _| server.accepted() >= 2);
    let seen = *code.lock().unwrap();
    (seen, reconnected)
}

/// RFC 6455 §7.4.1: a message over the limit fails the connection with 1009 (not a bare TCP
/// drop, 1006), and the charge point reconnects.
#[test]
fn an_oversized_message_is_closed_with_1009() {
    let big = format!(
        r#"[2,"big","DataTransfer",{{"vendorId":"{}"}}]"#,
        "x".repeat(2000)
    );
    assert_eq!(close_code_after(Message::text(big)), (Some(1009), true));
}

/// RFC 6455 §8.1: a text message that is not UTF-8 fails the connection with 1007.
#[test]
fn a_text_message_that_is_not_utf8_is_closed_with_1007() {
    let frame = Frame::message(vec![b'[', 0xff, 0xfe, b']'], OpCode::Data(Data::Text), true);
    assert_eq!(close_code_after(Message::Frame(frame)), (Some(1007), true));
}

/// Issue "Reliability": a central system that closes the TCP connection right after half a
/// frame, while a card is presented. Whenever the card comes (before, during or after the
/// driver notices the loss), its Authorize reaches the central system after the reconnect: no
/// input is lost around a disconnect.
#[test]
fn a_card_presented_around_a_half_frame_disconnect_is_authorized_after_the_reconnect() {
    use std::io::Write as _;
    init_logging();
    for delay_ms in [0u64, 1, 3, 10, 30, 60] {
        let server = TestServer::start(ServerOptions::default(), move |mut conn, log| {
            if conn.index > 0 {
                conn.serve(log, T, |_, _| Reply::Answer);
                return;
            }
            let boot = conn.serve(log, T, |action, _| {
                if action == "BootNotification" {
                    Reply::Stop
                } else {
                    Reply::Answer
                }
            });
            let id = boot.unwrap()[1].clone();
            conn.send_text(&json!([3, id, canned("BootNotification")]).to_string());
            thread::sleep(Duration::from_millis(delay_ms));
            // A text frame announcing 100 bytes, 10 of them sent, then the TCP close.
            let mut half = vec![0x81, 100];
            half.extend_from_slice(br#"[2,"half","#);
            let _ = conn.ws.get_mut().write_all(&half);
            let _ = conn.ws.get_mut().flush();
            conn.drop_tcp();
        });
        let mut conn = Connection::new(opts(&server));
        let mut cp = new_cp(&conn);
        let mut rec = Recorder::default();
        assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
        let control = conn.control();
        control.send_event(Event::Plugged { connector: 1 });
        control.send_event(Event::IdTag {
            connector: Some(1),
            id_tag: IdToken::try_from("HALF-FRAME").unwrap(),
        });
        let authorized = conn.run_until(&mut cp, &mut rec, T, |_, _| {
            server
                .log
                .calls()
                .iter()
                .any(|c| c.1 == "Authorize" && c.2["idTag"] == "HALF-FRAME")
        });
        assert!(
            authorized,
            "delay {delay_ms} ms: no Authorize; calls {:?}, disconnects {:?}",
            server.log.calls(),
            rec.disconnects
        );
        assert!(conn.run_until(&mut cp, &mut rec, T, |cp, _| cp.transaction(1).is_some()));
    }
}

#[test]
fn close_on_request_sends_a_close_frame_and_stops() {
    let close = std::sync::Arc::new(std::sync::Mutex::new(None));
    let server = {
        let close = close.clone();
        TestServer::start(ServerOptions::default(), move |mut conn, log| {
            conn.serve(log, T, |_, _| Reply::Answer);
            // serve returns when the connection ends; the close frame was read by recv_frame.
            let _ = conn.recv(Duration::from_millis(10));
            *close.lock().unwrap() = Some(());
        })
    };
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    let control = conn.control();
    let closer = thread::spawn(move || assert!(control.close()));
    let started = std::time::Instant::now();
    conn.run(&mut cp, &mut rec);
    closer.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "closed cleanly, not by timeout"
    );
    assert!(rec.closed);
    assert_eq!(
        rec.disconnects.last().unwrap(),
        "closed by the charge point"
    );
    assert!(!conn.is_connected());
    assert_eq!(conn.step(&mut cp, &mut rec), Status::Closed);
    // The server saw the end of the connection.
    for _ in 0..100 {
        if close.lock().unwrap().is_some() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(close.lock().unwrap().is_some());
}

#[test]
fn events_injected_from_another_thread_reach_the_charge_point() {
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    let control = conn.control();
    thread::spawn(move || {
        assert!(control.send_event(Event::Plugged { connector: 1 }));
    })
    .join()
    .unwrap();
    assert!(conn.run_until(&mut cp, &mut rec, T, |cp, _| {
        cp.connector_status(1) == Some(ChargePointStatus::Preparing)
    }));
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| {
        server.log.calls().iter().any(|c| {
            c.1 == "StatusNotification" && c.2["connectorId"] == 1 && c.2["status"] == "Preparing"
        })
    }));
}

#[test]
fn reconnect_on_request_is_immediate() {
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(conn.control().reconnect());
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, r| r.connected == 2));
    assert_eq!(rec.disconnects, ["reconnect requested"]);
    assert_eq!(server.accepted(), 2);
}

// ---------------------------------------------------------------------------------------------
// TLS

#[test]
fn wss_with_a_private_ca_and_basic_auth_profile_2() {
    init_logging();
    let pki = Pki::new();
    let password = "0123456789abcdef0123456789abcdef";
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            basic_auth: Some(("CP-1".into(), password.into())),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    assert!(server.url().starts_with("wss://127.0.0.1:"));
    let options = opts(&server)
        .with_ca_bundle(&pki.ca_pem)
        .with_basic_auth(password);
    assert_eq!(options.security_profile(true), Some(2));
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(rec.connect_errors.is_empty(), "{:?}", rec.connect_errors);

    // "localhost" is in the certificate too.
    let options = ConnectOptions::new(format!("wss://localhost:{}/ocpp", server.port), "CP-1")
        .with_ca_bundle(&pki.ca_pem)
        .with_basic_auth(password);
    drop(connect(&options, Some(password)).unwrap());
}

#[test]
fn wss_refuses_an_untrusted_server_certificate() {
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    // Default roots (webpki), and another CA.
    for options in [
        opts(&server),
        opts(&server).with_ca_bundle(&pki.other_ca_pem),
    ] {
        let err = connect(&options, None).unwrap_err();
        assert!(
            matches!(
                err,
                ConnectError::Tls(ocpp_tungstenite::rustls::Error::InvalidCertificate(
                    ocpp_tungstenite::rustls::CertificateError::UnknownIssuer
                ))
            ),
            "{err:?}"
        );
        assert!(err.is_authentication_failure());
    }
    assert_eq!(server.accepted(), 0);
}

#[test]
fn mutual_tls_profile_3() {
    init_logging();
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config_mtls()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    let options = opts(&server)
        .with_ca_bundle(&pki.ca_pem)
        .with_client_certificate(&pki.client_cert_pem, &pki.client_key_pem);
    assert_eq!(options.security_profile(false), Some(3));
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    assert!(rec.connect_errors.is_empty(), "{:?}", rec.connect_errors);
}

#[test]
fn mutual_tls_refuses_a_charge_point_without_a_valid_certificate() {
    init_logging();
    let pki = Pki::new();
    let server = TestServer::start(
        ServerOptions {
            tls: Some(pki.server_config_mtls()),
            ..ServerOptions::default()
        },
        serve_all(T),
    );
    // No client certificate, and one signed by another CA.
    let without = opts(&server).with_ca_bundle(&pki.ca_pem);
    let rogue = opts(&server)
        .with_ca_bundle(&pki.ca_pem)
        .with_client_certificate(&pki.rogue_cert_pem, &pki.rogue_key_pem);
    for options in [without, rogue] {
        let err = connect(&options, None).unwrap_err();
        assert!(matches!(err, ConnectError::Tls(_)), "{err:?}");
    }
    assert_eq!(server.accepted(), 0);
    assert_eq!(server.log.handshake_failures.lock().unwrap().len(), 2);
}

#[test]
fn tls_configuration_errors() {
    let pki = Pki::new();
    let mut options = ConnectOptions::new("wss://127.0.0.1:1/ocpp", "CP-1");
    options.ca_bundle = Some(pki.dir.path().join("missing.pem"));
    assert!(matches!(
        connect(&options, None),
        Err(ConnectError::TlsConfig { .. })
    ));
    // A key file given as the CA bundle holds no certificate.
    options.ca_bundle = Some(pki.client_key_pem.clone());
    assert!(matches!(
        connect(&options, None),
        Err(ConnectError::TlsConfig { .. })
    ));
    let mut options = ConnectOptions::new("wss://127.0.0.1:1/ocpp", "CP-1");
    options.client_cert = Some(pki.client_cert_pem.clone());
    assert!(matches!(
        connect(&options, None),
        Err(ConnectError::InvalidOptions(_))
    ));
    // A client certificate over ws:// is a mistake, not profile 3.
    let options = ConnectOptions::new("ws://127.0.0.1:1/ocpp", "CP-1")
        .with_client_certificate(&pki.client_cert_pem, &pki.client_key_pem);
    assert!(matches!(
        connect(&options, None),
        Err(ConnectError::InvalidOptions(_))
    ));
}

/// Counts the turns of the loop.
#[derive(Default)]
struct Ticks(usize, Recorder);

impl ocpp_tungstenite::Hooks<ocpp_core::charge_point::MemoryStorage<16384>> for Ticks {
    fn on_action(
        &mut self,
        cp: &mut common::Cp,
        action: ocpp_core::charge_point::Action,
        now: ocpp_core::charge_point::Instant,
    ) {
        self.1.on_action(cp, action, now);
    }

    fn on_link(&mut self, event: &ocpp_tungstenite::LinkEvent<'_>) {
        ocpp_tungstenite::Hooks::<ocpp_core::charge_point::MemoryStorage<16384>>::on_link(
            &mut self.1,
            event,
        );
    }

    fn on_tick(&mut self, _: &common::Cp, _: ocpp_core::charge_point::Instant) {
        self.0 += 1;
    }
}

#[test]
fn an_idle_driver_does_not_spin() {
    let server = TestServer::start(ServerOptions::default(), serve_all(T));
    let mut options = opts(&server);
    options.poll_interval = Duration::from_millis(100);
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut hooks = Ticks::default();
    assert!(conn.run_until(&mut cp, &mut hooks, T, |cp, _| {
        cp.registration() == Registration::Accepted
    }));
    // Connected and idle: about one turn per poll_interval.
    hooks.0 = 0;
    conn.run_until(&mut cp, &mut hooks, Duration::from_secs(1), |_, _| false);
    assert!((3..=25).contains(&hooks.0), "{} turns in 1 s", hooks.0);

    // Disconnected, waiting to reconnect: the same.
    drop(server);
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut options = ConnectOptions::new(format!("ws://127.0.0.1:{port}/ocpp"), "CP-1");
    options.poll_interval = Duration::from_millis(100);
    options.reconnect.initial = Duration::from_secs(30);
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut hooks = Ticks::default();
    conn.run_until(&mut cp, &mut hooks, Duration::from_secs(1), |_, _| false);
    assert_eq!(hooks.1.connect_errors.len(), 1);
    assert!((3..=25).contains(&hooks.0), "{} turns in 1 s", hooks.0);
}

/// Collects the log output.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn frames_are_logged_with_their_direction_but_never_the_authorization_key() {
    let key = "00112233445566778899aabbccddeeff00112233";
    let answer = std::sync::Arc::new(std::sync::Mutex::new(None));
    let server = {
        let answer = answer.clone();
        TestServer::start(ServerOptions::default(), move |mut conn, log| {
            conn.serve(log, T, |action, _| {
                if action == "BootNotification" {
                    Reply::With(canned(action))
                } else {
                    Reply::Stop
                }
            });
            let call = json!([2, "key-1", "ChangeConfiguration", {"key": "AuthorizationKey", "value": key}]);
            conn.send_text(&call.to_string());
            while let Some(frame) = conn.recv_frame(log, T) {
                if frame[1] == "key-1" {
                    *answer.lock().unwrap() = Some(frame);
                    break;
                }
            }
            conn.serve(log, T, |_, _| Reply::Answer);
        })
    };
    let buffer = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer({
            let buffer = buffer.clone();
            move || buffer.clone()
        })
        .finish();
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    tracing::subscriber::with_default(subscriber, || {
        assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| {
            answer.lock().unwrap().is_some()
        }));
    });
    assert_eq!(
        answer.lock().unwrap().as_ref().unwrap()[2]["status"],
        "Accepted"
    );
    assert_eq!(
        cp.configuration()
            .authorization_key
            .as_ref()
            .map(AuthorizationKey::as_str),
        Some(key)
    );
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("ocpp_tungstenite::frame"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("\"BootNotification\"") && l.contains("direction=\"send\"")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("\"currentTime\"") && l.contains("direction=\"recv\"")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.contains("\"ChangeConfiguration\"")
            && l.contains(r#""value":"***""#)
            && l.contains("direction=\"recv\"")),
        "{text}"
    );
    assert!(!text.contains(key), "the key leaked into the log: {text}");
}

#[test]
fn close_gives_up_waiting_for_a_silent_server_after_close_timeout() {
    let server = TestServer::start(ServerOptions::default(), |mut conn, log| {
        conn.serve(log, T, |action, _| {
            if action == "BootNotification" {
                Reply::With(canned(action))
            } else {
                Reply::Stop
            }
        });
        // Never reads again: the close frame is never answered.
        thread::sleep(Duration::from_secs(10));
    });
    let mut options = opts(&server);
    options.close_timeout = Duration::from_millis(500);
    let mut conn = Connection::new(options);
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, accepted));
    let started = std::time::Instant::now();
    conn.close(&mut cp, &mut rec);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(rec.closed);
    assert!(!conn.is_connected());
}

/// Whitepaper A05.FR.05-07: after a ChangeConfiguration that raises SecurityProfile (here 0 to 1,
/// with the AuthorizationKey set first, A05.FR.02), the charge point answers, then the driver
/// closes the connection and connects again (`Action::Reconnect`).
#[test]
fn a_raised_security_profile_reconnects() {
    init_logging();
    let key = "00112233445566778899aabbccddeeff";
    let server = TestServer::start(ServerOptions::default(), move |mut conn, log| {
        let first = !log.calls().iter().any(|c| c.1 == "BootNotification");
        if first {
            let boot = conn.recv_frame(log, T).unwrap();
            conn.send_text(&json!([3, boot[1], canned("BootNotification")]).to_string());
            let set =
                |k: &str, v: &str| json!([2, k, "ChangeConfiguration", {"key": k, "value": v}]);
            conn.send_text(&set("AuthorizationKey", key).to_string());
            conn.send_text(&set("SecurityProfile", "1").to_string());
        }
        conn.serve(log, T, |_, _| Reply::Answer);
    });
    let mut conn = Connection::new(opts(&server));
    let mut cp = new_cp(&conn);
    let mut rec = Recorder::default();
    assert!(conn.run_until(&mut cp, &mut rec, T, |_, _| server.accepted() >= 2));
    assert_eq!(cp.configuration().security_profile, 1);
    assert!(
        rec.actions.iter().any(|a| matches!(
            a,
            ocpp_core::charge_point::Action::Reconnect {
                security_profile: 1
            }
        )),
        "{:?}",
        rec.actions
    );
}
