//! The async client (feature `async`): recorded streams, cancellation, and tungstenite on loopback.
#![cfg(feature = "async")]
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::server::{CP_AUTH, CP_PATH, Policy, connect, randomness, serve};
use common::*;
use embedded_io::ErrorKind;
use ocpp_embedded_io::asynch::Client;
use ocpp_embedded_io::{Error, Handshake, Message, State, close_code};

/// Polls until ready: the mocks and the blocking-socket adapter never need a wake-up.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Polls once; `None` if the future is waiting.
fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => Some(out),
        Poll::Pending => None,
    }
}

type TestClient<'b> = Client<'b, Mock, Box<dyn FnMut() -> [u8; 4]>>;

fn open<'b>(mock: &Mock, rx: &'b mut [u8], tx: &'b mut [u8]) -> TestClient<'b> {
    mock.push(&ok_response());
    let mask: Box<dyn FnMut() -> [u8; 4]> = Box::new(counting_mask());
    let hs = Handshake::new("cs.example.com", "/ocpp/CP001");
    run(Client::connect(mock.clone(), rx, tx, &hs, NONCE, mask)).unwrap()
}

#[test]
fn handshake_errors_are_the_same() {
    for (response, expected) in [
        (response(ACCEPT, None), Error::SubprotocolRefused),
        (
            response("xxxxxxxxxxxxxxxxxxxxxxxxxxx=", Some("ocpp1.6")),
            Error::BadAcceptKey,
        ),
        (
            b"HTTP/1.1 401 Unauthorized\r\n\r\n".to_vec(),
            Error::HttpStatus(401),
        ),
    ] {
        let mock = Mock::new(&response);
        let (mut rx, mut tx) = ([0u8; 512], [0u8; 512]);
        let hs = Handshake::new("h", "/ocpp/CP1");
        let result = run(Client::connect(
            mock,
            &mut rx,
            &mut tx,
            &hs,
            NONCE,
            counting_mask(),
        ));
        assert_eq!(result.err(), Some(expected));
    }
}

#[test]
fn messages_pings_and_close() {
    let mock = Mock::default();
    let (mut rx, mut tx) = ([0u8; 512], [0u8; 512]);
    let mut client = open(&mock, &mut rx, &mut tx);
    mock.push(&frame(false, 0x1, b"[3,\"1\","));
    mock.push(&frame(true, 0x9, b"ping"));
    mock.push(&frame(true, 0x0, b"{}]"));
    assert_eq!(
        run(client.receive()).unwrap(),
        Message::Text("[3,\"1\",{}]")
    );
    run(client.send_text("[2,\"2\",\"Heartbeat\",{}]")).unwrap();
    run(client.send_ping(b"x")).unwrap();
    mock.push(&frame(true, 0xA, b"x"));
    assert_eq!(run(client.receive()).unwrap(), Message::Pong(b"x"));
    mock.push(&frame(true, 0x3, b""));
    assert_eq!(
        run(client.receive()).unwrap_err(),
        Error::Protocol(ocpp_embedded_io::ProtocolError::ReservedOpcode)
    );
    let frames = split_client_output(&mock.written()).1;
    let kinds: Vec<_> = frames
        .iter()
        .map(|f| (f.opcode, f.payload.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (0xA, b"ping".to_vec()),
            (0x1, b"[2,\"2\",\"Heartbeat\",{}]".to_vec()),
            (0x9, b"x".to_vec()),
            (0x8, vec![0x03, 0xEA]),
        ]
    );
}

#[test]
fn receive_is_cancel_safe() {
    let mock = Mock::default();
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
    let mut client = open(&mock, &mut rx, &mut tx);
    let message = "c".repeat(300);
    let mut bytes = frame(true, 0x9, b"p1");
    bytes.extend(frame(false, 0x1, &message.as_bytes()[..100]));
    bytes.extend(frame(true, 0x0, &message.as_bytes()[100..]));
    // Deliver the stream in pieces; between pieces the receive future waits and is dropped (as
    // when it loses a select against a timer), then a new one carries on.
    let mut dropped = 0;
    let mut received = None;
    for piece in bytes.chunks(37) {
        mock.push(piece);
        match poll_once(client.receive()) {
            None => dropped += 1,
            Some(result) => {
                received = Some(match result.unwrap() {
                    Message::Text(t) => t.to_owned(),
                    other => panic!("{other:?}"),
                });
            }
        }
    }
    assert_eq!(received.as_deref(), Some(message.as_str()));
    assert!(dropped >= 8, "{dropped}");
    let frames = split_client_output(&mock.written()).1;
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0xA, &b"p1"[..])
    );
}

#[test]
fn dropped_send_loses_the_connection() {
    let mock = Mock::default();
    let (mut rx, mut tx) = ([0u8; 512], [0u8; 512]);
    let mut client = open(&mock, &mut rx, &mut tx);
    // A future that is created and dropped before its first poll has done nothing.
    drop(client.send_text("never polled"));
    run(client.send_text("fine")).unwrap();
    mock.0.borrow_mut().write_budget = Some(3);
    assert_eq!(
        run(client.send_text("cut")).unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    mock.0.borrow_mut().write_budget = None;
    assert_eq!(run(client.send_text("after")).unwrap_err(), Error::Closed);
    assert_eq!(client.state(), State::Closed);
}

/// `std::net::TcpStream` as an async stream whose calls block (every future is ready at once).
struct BlockingTcp(std::net::TcpStream);

impl embedded_io::ErrorType for BlockingTcp {
    type Error = std::io::Error;
}

impl embedded_io_async::Read for BlockingTcp {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        std::io::Read::read(&mut self.0, buf)
    }
}

impl embedded_io_async::Write for BlockingTcp {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, std::io::Error> {
        std::io::Write::write(&mut self.0, buf)
    }

    async fn flush(&mut self) -> Result<(), std::io::Error> {
        std::io::Write::flush(&mut self.0)
    }
}

#[test]
fn against_tungstenite_on_loopback() {
    let (addr, server) = serve(Policy::Ocpp16, |ws| {
        let call = ws.read().unwrap();
        ws.send(call).unwrap();
        ws.send(tungstenite::Message::Ping("hb".into())).unwrap();
        ws.send(tungstenite::Message::text("x".repeat(100_000)))
            .unwrap();
        let pong = ws.read().unwrap();
        let close = ws.read().unwrap();
        (pong, close)
    });
    let (mut rx, mut tx) = (vec![0u8; 100_000], [0u8; 1024]);
    let (nonce, mask) = randomness(5);
    let hs = Handshake::new("127.0.0.1", CP_PATH).with_authorization(CP_AUTH);
    let stream = BlockingTcp(connect(addr));
    let mut ws = run(Client::connect(stream, &mut rx, &mut tx, &hs, nonce, mask)).unwrap();
    run(ws.send_text("[2,\"1\",\"Heartbeat\",{}]")).unwrap();
    assert_eq!(
        run(ws.receive()).unwrap(),
        Message::Text("[2,\"1\",\"Heartbeat\",{}]")
    );
    match run(ws.receive()).unwrap() {
        Message::Text(t) => assert_eq!(t.len(), 100_000),
        other => panic!("{other:?}"),
    }
    // tungstenite answers the close; the stream then ends.
    drop(run(ws.close(close_code::NORMAL)));
    let (pong, close) = server.join().unwrap().unwrap();
    assert_eq!(pong, tungstenite::Message::Pong("hb".into()));
    assert!(matches!(close, tungstenite::Message::Close(Some(f)) if u16::from(f.code) == 1000));
}

#[test]
fn future_sizes() {
    // What an executor task (or, for the blocking client, the stack) holds while a call runs.
    let mock = Mock::default();
    let (mut rx, mut tx) = ([0u8; 512], [0u8; 512]);
    let mut client = open(&mock, &mut rx, &mut tx);
    let receive = std::mem::size_of_val(&client.receive());
    let send = std::mem::size_of_val(&client.send_text("x"));
    let close = std::mem::size_of_val(&client.close(1000));
    let hs = Handshake::new("h", "/p");
    let (mut rx2, mut tx2) = ([0u8; 512], [0u8; 512]);
    let connect = std::mem::size_of_val(&Client::connect(
        Mock::default(),
        &mut rx2,
        &mut tx2,
        &hs,
        NONCE,
        counting_mask(),
    ));
    println!(
        "future sizes on this host: receive {receive}, send_text {send}, close {close}, connect {connect}"
    );
    assert!(
        receive <= 512 && send <= 512 && close <= 512,
        "{receive} {send} {close}"
    );
    assert!(connect <= 2048, "{connect}");
}
