//! The blocking client against tungstenite's server over a real TCP socket on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::server::{CP_AUTH, CP_PATH, Policy, connect, randomness, serve};
use embedded_io_adapters::std::FromStd;
use ocpp_embedded_io::{Client, Error, Handshake, Message, State, basic_auth, close_code};
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};

const BOOT: &str = r#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]"#;

fn handshake(auth: &mut [u8]) -> Handshake<'_> {
    let auth = basic_auth("CP001", b"0123456789abcdef0123", auth).unwrap();
    assert_eq!(auth, CP_AUTH);
    Handshake::new("127.0.0.1", CP_PATH).with_authorization(auth)
}

/// A long OCPP-like text with multi-byte characters, so that fragment boundaries split them.
fn long_text(len: usize) -> String {
    let mut s = String::from("[3,\"1\",{\"data\":\"");
    while s.len() < len - 3 {
        s.push_str("Ladesäule € ");
    }
    s.push_str("\"}]");
    s
}

#[test]
fn session_with_echo_pings_fragments_and_server_close() {
    let server_big = long_text(10_000);
    let client_big = long_text(6_000);
    let expected_from_client = client_big.clone();
    let sent_big = server_big.clone();
    let (addr, server) = serve(Policy::Ocpp16, move |ws| {
        // 1. Echo the BootNotification.
        let boot = ws.read().unwrap();
        assert!(boot.is_text());
        ws.send(boot).unwrap();
        // 2. A ping, then a large text in four fragments.
        ws.send(tungstenite::Message::Ping("hb".into())).unwrap();
        let chunks: Vec<&[u8]> = sent_big.as_bytes().chunks(2_600).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let opcode = OpCode::Data(if i == 0 { Data::Text } else { Data::Continue });
            let frame = Frame::message(chunk.to_vec(), opcode, i + 1 == chunks.len());
            ws.write(tungstenite::Message::Frame(frame)).unwrap();
        }
        ws.flush().unwrap();
        // 3. The client's pong, its fragmented text and its ping (answered by tungstenite).
        let mut seen = Vec::new();
        while seen.len() < 3 {
            match ws.read().unwrap() {
                tungstenite::Message::Pong(p) => seen.push(format!("pong:{}", p.escape_ascii())),
                tungstenite::Message::Text(t) => {
                    assert_eq!(t.as_str(), expected_from_client);
                    seen.push("text".into());
                }
                tungstenite::Message::Ping(p) => {
                    ws.flush().unwrap();
                    seen.push(format!("ping:{}", p.escape_ascii()));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        // 4. Close, and wait for the client's answer.
        ws.close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        }))
        .unwrap();
        loop {
            match ws.read() {
                Ok(tungstenite::Message::Close(frame)) => {
                    seen.push(format!("close:{}", u16::from(frame.unwrap().code)));
                }
                Ok(_) => {}
                Err(tungstenite::Error::ConnectionClosed) => break,
                Err(e) => panic!("{e}"),
            }
        }
        seen
    });

    let (mut rx, mut tx) = (vec![0u8; 16_384], vec![0u8; 2_048]);
    let mut auth = [0u8; 64];
    let (nonce, mask) = randomness(1);
    let stream = FromStd::new(connect(addr));
    let mut ws = Client::connect(stream, &mut rx, &mut tx, &handshake(&mut auth), nonce, mask)
        .expect("handshake with tungstenite");
    ws.send_text(BOOT).unwrap();
    assert_eq!(ws.receive().unwrap(), Message::Text(BOOT));
    // The ping is answered on the way to the fragmented message.
    assert_eq!(ws.receive().unwrap(), Message::Text(server_big.as_str()));
    ws.set_max_fragment_len(1_000);
    ws.send_text(&client_big).unwrap();
    ws.send_ping(b"alive").unwrap();
    assert_eq!(ws.receive().unwrap(), Message::Pong(b"alive"));
    assert_eq!(
        ws.receive().unwrap(),
        Message::Close(Some(close_code::NORMAL))
    );
    assert_eq!(ws.state(), State::Closed);
    drop(ws.into_inner());

    let seen = server.join().unwrap().expect("server handshake");
    assert_eq!(seen, ["pong:hb", "text", "ping:alive", "close:1000"]);
}

#[test]
fn client_initiated_close() {
    let (addr, server) = serve(Policy::Ocpp16, |ws| {
        ws.send(tungstenite::Message::text("[2,\"7\",\"Heartbeat\",{}]"))
            .unwrap();
        match ws.read().unwrap() {
            tungstenite::Message::Close(Some(frame)) => {
                // tungstenite queues the echo; the next read sends it and reports the end.
                assert!(matches!(
                    ws.read(),
                    Err(tungstenite::Error::ConnectionClosed)
                ));
                u16::from(frame.code)
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
    let mut auth = [0u8; 64];
    let (nonce, mask) = randomness(2);
    let stream = FromStd::new(connect(addr));
    let mut ws =
        Client::connect(stream, &mut rx, &mut tx, &handshake(&mut auth), nonce, mask).unwrap();
    // The pending CALL is skipped by the close handshake.
    ws.close(close_code::GOING_AWAY).unwrap();
    assert_eq!(ws.state(), State::Closed);
    assert_eq!(server.join().unwrap(), Some(1001));
}

#[test]
fn oversized_message_gets_1009() {
    let (addr, server) = serve(Policy::Ocpp16, |ws| {
        ws.send(tungstenite::Message::text(long_text(5_000)))
            .unwrap();
        match ws.read().unwrap() {
            tungstenite::Message::Close(Some(frame)) => {
                let _ = ws.flush();
                u16::from(frame.code)
            }
            other => panic!("unexpected {other:?}"),
        }
    });
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
    let mut auth = [0u8; 64];
    let (nonce, mask) = randomness(3);
    let stream = FromStd::new(connect(addr));
    let mut ws =
        Client::connect(stream, &mut rx, &mut tx, &handshake(&mut auth), nonce, mask).unwrap();
    assert!(matches!(ws.receive(), Err(Error::MessageTooLarge)));
    assert_eq!(ws.state(), State::Closing);
    // The rest of the message is skipped; tungstenite echoes the close.
    assert_eq!(
        ws.receive().unwrap(),
        Message::Close(Some(close_code::MESSAGE_TOO_BIG))
    );
    assert_eq!(server.join().unwrap(), Some(1009));
}

#[test]
fn refusals() {
    type Case = (
        Policy,
        &'static str,
        Option<&'static str>,
        Error<std::io::ErrorKind>,
    );
    let cases: [Case; 3] = [
        (
            Policy::Ocpp16,
            CP_PATH,
            Some("Basic d3Jvbmc6Y3JlZGVudGlhbHM="),
            Error::HttpStatus(401),
        ),
        (
            Policy::Ocpp16,
            "/ocpp/UNKNOWN",
            Some(CP_AUTH),
            Error::HttpStatus(404),
        ),
        (
            Policy::NoSubprotocol,
            CP_PATH,
            Some(CP_AUTH),
            Error::SubprotocolRefused,
        ),
    ];
    for (policy, path, auth, expected) in cases {
        let (addr, server) = serve(policy, |_ws| ());
        let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
        let mut hs = Handshake::new("127.0.0.1", path);
        hs.authorization = auth;
        let (nonce, mask) = randomness(4);
        let stream = FromStd::new(connect(addr));
        let err = Client::connect(stream, &mut rx, &mut tx, &hs, nonce, mask)
            .err()
            .unwrap();
        assert_eq!(err.map_io(|e| e.kind()), expected, "{path} {auth:?}");
        server.join().unwrap();
    }
}
