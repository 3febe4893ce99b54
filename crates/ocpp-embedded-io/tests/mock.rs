//! The blocking client against recorded server byte streams, over an in-memory duplex.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use embedded_io::ErrorKind;
use ocpp_embedded_io::{Client, Error, Handshake, Message, ProtocolError, State, close_code};

const HOST: &str = "cs.example.com:8080";
const PATH: &str = "/ocpp/CP001";

type TestClient<'b> = Client<'b, Mock, Box<dyn FnMut() -> [u8; 4]>>;

fn connect_with<'b>(
    mock: &Mock,
    rx: &'b mut [u8],
    tx: &'b mut [u8],
) -> Result<TestClient<'b>, Error<ErrorKind>> {
    let mask: Box<dyn FnMut() -> [u8; 4]> = Box::new(counting_mask());
    Client::connect(
        mock.clone(),
        rx,
        tx,
        &Handshake::new(HOST, PATH),
        NONCE,
        mask,
    )
}

/// A client past a good handshake, with `after` queued as the server's first bytes.
fn open<'b>(after: &[u8], rx: &'b mut [u8], tx: &'b mut [u8]) -> (Mock, TestClient<'b>) {
    let mock = Mock::new(&ok_response());
    mock.push(after);
    let client = connect_with(&mock, rx, tx).expect("handshake");
    (mock, client)
}

/// The frames the client wrote after its handshake request.
fn sent(mock: &Mock) -> Vec<ClientFrame> {
    split_client_output(&mock.written()).1
}

fn handshake_error(response: &[u8]) -> Error<ErrorKind> {
    let mock = Mock::new(response);
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
    connect_with(&mock, &mut rx, &mut tx)
        .err()
        .expect("handshake must fail")
}

fn text_of(message: Message<'_>) -> String {
    match message {
        Message::Text(t) => t.to_owned(),
        other => panic!("expected a text, got {other:?}"),
    }
}

// --- opening handshake ----------------------------------------------------------------------

#[test]
fn handshake_request_and_ok_response() {
    let mock = Mock::new(&ok_response());
    let (mut rx, mut tx) = ([0u8; 1024], [0u8; 512]);
    let mut auth = [0u8; 64];
    let auth = ocpp_embedded_io::basic_auth("CP001", b"secret", &mut auth).unwrap();
    let hs = Handshake::new(HOST, PATH).with_authorization(auth);
    let client = Client::connect(mock.clone(), &mut rx, &mut tx, &hs, NONCE, counting_mask());
    let client = client.expect("handshake");
    assert_eq!(client.state(), State::Open);
    assert_eq!(client.max_message_len(), 1024);
    let (request, frames) = split_client_output(&mock.written());
    assert_eq!(
        request,
        "GET /ocpp/CP001 HTTP/1.1\r\n\
         Host: cs.example.com:8080\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: ocpp1.6\r\n\
         Authorization: Basic Q1AwMDE6c2VjcmV0\r\n\
         \r\n"
    );
    assert!(frames.is_empty());
    assert!(request.contains(KEY));
}

#[test]
fn handshake_read_one_byte_at_a_time_with_lenient_headers() {
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nserver: test\r\nupgrade: WebSocket\r\n\
         connection: keep-alive, Upgrade\r\nsec-websocket-protocol: ocpp1.6\r\n\
         sec-websocket-accept:   {ACCEPT}  \r\n\r\n"
    );
    let mock = Mock::new(response.as_bytes());
    mock.push(&text("hi"));
    mock.0.borrow_mut().max_read = 1;
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let mut client = connect_with(&mock, &mut rx, &mut tx).unwrap();
    assert_eq!(text_of(client.receive().unwrap()), "hi");
}

#[test]
fn bad_accept_key() {
    assert_eq!(
        handshake_error(&response("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", Some("ocpp1.6"))),
        Error::BadAcceptKey
    );
    let no_accept = b"HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                      Sec-WebSocket-Protocol: ocpp1.6\r\n\r\n";
    assert_eq!(handshake_error(no_accept), Error::BadAcceptKey);
}

#[test]
fn subprotocol_not_agreed() {
    assert_eq!(
        handshake_error(&response(ACCEPT, None)),
        Error::SubprotocolRefused
    );
    assert_eq!(
        handshake_error(&response(ACCEPT, Some("ocpp2.0.1"))),
        Error::SubprotocolRefused
    );
    assert_eq!(
        handshake_error(&response(ACCEPT, Some("ocpp1.6, ocpp1.5"))),
        Error::SubprotocolRefused
    );
}

#[test]
fn http_status_errors() {
    let unauthorized = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"ocpp\"\r\n\
                         Content-Length: 0\r\n\r\n";
    assert_eq!(handshake_error(unauthorized), Error::HttpStatus(401));
    assert_eq!(
        handshake_error(b"HTTP/1.1 404 Not Found\r\n\r\n"),
        Error::HttpStatus(404)
    );
    // The server refuses and hangs up before the end of its headers: the status still counts.
    assert_eq!(
        handshake_error(b"HTTP/1.1 401 Unauthorized\r\nWWW-Auth"),
        Error::HttpStatus(401)
    );
}

#[test]
fn not_an_upgrade_or_not_http() {
    let no_upgrade = format!(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    );
    assert_eq!(handshake_error(no_upgrade.as_bytes()), Error::NotUpgraded);
    let no_connection = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n"
    );
    assert_eq!(
        handshake_error(no_connection.as_bytes()),
        Error::NotUpgraded
    );
    let extension = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\
         Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    );
    assert_eq!(
        handshake_error(extension.as_bytes()),
        Error::UnrequestedExtension
    );
    assert_eq!(
        handshake_error(b"SSH-2.0-OpenSSH\r\n\r\n"),
        Error::MalformedResponse
    );
    assert_eq!(
        handshake_error(b"HTTP/1.1 101 Switching"),
        Error::Disconnected
    );
}

#[test]
fn response_too_large() {
    let mut big = ok_response();
    let padding = format!("X-Padding: {}\r\n\r\n", "x".repeat(2000));
    big.truncate(big.len() - 2);
    big.extend_from_slice(padding.as_bytes());
    assert_eq!(handshake_error(&big), Error::ResponseTooLarge);
    // A refusal with a long header block is still reported by its status.
    let refused = format!(
        "HTTP/1.1 401 Unauthorized\r\nX-Padding: {}\r\n\r\n",
        "x".repeat(2000)
    );
    assert_eq!(handshake_error(refused.as_bytes()), Error::HttpStatus(401));
    // More header lines than the parser takes.
    let mut many = ok_response();
    many.truncate(many.len() - 2);
    for i in 0..30 {
        many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(handshake_error(&many), Error::ResponseTooLarge);
}

#[test]
fn buffers_and_request_checked_before_sending() {
    let mock = Mock::new(&ok_response());
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 130]);
    assert_eq!(
        connect_with(&mock, &mut rx, &mut tx).err(),
        Some(Error::TxBufferTooSmall)
    );
    let mut tx = [0u8; 150];
    assert_eq!(
        connect_with(&mock, &mut rx, &mut tx).err(),
        Some(Error::TxBufferTooSmall)
    );
    let mut tx = [0u8; 512];
    let hs = Handshake::new(HOST, "/ocpp/RDAM 123");
    let result = Client::connect(mock.clone(), &mut rx, &mut tx, &hs, NONCE, counting_mask());
    assert_eq!(result.err(), Some(Error::InvalidRequest));
    assert!(mock.written().is_empty());
}

#[test]
fn frames_sent_with_the_handshake_response_are_kept() {
    // The server's first frames arrive in the same read as its 101 response.
    let mut after = text("[2,\"1\",\"Reset\",{\"type\":\"Soft\"}]");
    after.extend(frame(false, 0x1, b"ab"));
    after.extend(frame(true, 0x0, b"cd"));
    let (mut rx, mut tx) = ([0u8; 200], [0u8; 512]);
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(
        text_of(client.receive().unwrap()),
        "[2,\"1\",\"Reset\",{\"type\":\"Soft\"}]"
    );
    assert_eq!(text_of(client.receive().unwrap()), "abcd");
}

#[test]
fn leftover_bytes_larger_than_half_the_buffer() {
    // The leftover fills most of rx: reassembly moves bytes forward over it without losing any.
    let message = "x".repeat(100);
    let mut after = frame(false, 0x1, &message.as_bytes()[..40]);
    after.extend(frame(true, 0x0, &message.as_bytes()[40..]));
    let mut rx = vec![0u8; ok_response().len() + after.len()];
    let mut tx = [0u8; 512];
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), message);
}

// --- receiving --------------------------------------------------------------------------------

#[test]
fn fragmented_text_is_reassembled() {
    let mut after = frame(false, 0x1, b"[2,\"42\",");
    after.extend(frame(false, 0x0, b"\"Heartbeat\""));
    after.extend(frame(false, 0x0, b""));
    after.extend(frame(true, 0x0, b",{}]"));
    after.extend(text("next"));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(
        text_of(client.receive().unwrap()),
        "[2,\"42\",\"Heartbeat\",{}]"
    );
    assert_eq!(text_of(client.receive().unwrap()), "next");
}

#[test]
fn ping_inside_a_fragmented_message_is_answered() {
    let mut after = frame(false, 0x1, b"hello ");
    after.extend(frame(true, 0x9, b"ping-1"));
    after.extend(frame(false, 0x0, b"frag"));
    after.extend(frame(true, 0xA, b"pong-1"));
    after.extend(frame(true, 0x0, b"mented"));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    // The pong is handed over in the middle of the message; the message goes on after it.
    assert_eq!(client.receive().unwrap(), Message::Pong(b"pong-1"));
    assert_eq!(text_of(client.receive().unwrap()), "hello fragmented");
    let frames = sent(&mock);
    assert_eq!(frames.len(), 1);
    assert_eq!((frames[0].fin, frames[0].opcode), (true, 0xA));
    assert_eq!(frames[0].payload, b"ping-1");
}

#[test]
fn empty_ping_and_largest_ping() {
    let mut after = frame(true, 0x9, b"");
    after.extend(frame(true, 0x9, &[7u8; 125]));
    after.extend(text("done"));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), "done");
    let frames = sent(&mock);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].payload, b"");
    assert_eq!(frames[1].payload, vec![7u8; 125]);
    assert_ne!(
        frames[0].key, frames[1].key,
        "a fresh masking key per frame"
    );
}

#[test]
fn sixteen_and_sixty_four_bit_lengths() {
    let medium = "m".repeat(300);
    let large = "L".repeat(70_000);
    let mut after = text(&medium);
    after.extend(text(&large));
    // 64-bit length form for a short payload (non-minimal encodings are accepted).
    after.extend([0x81, 127, 0, 0, 0, 0, 0, 0, 0, 3]);
    after.extend(b"abc");
    let mut rx = vec![0u8; 80_000];
    let mut tx = [0u8; 256];
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), medium);
    assert_eq!(text_of(client.receive().unwrap()), large);
    assert_eq!(text_of(client.receive().unwrap()), "abc");
}

#[test]
fn utf8_split_across_fragments_is_fine() {
    let euro = "€".as_bytes(); // 3 bytes
    let mut after = frame(false, 0x1, &euro[..1]);
    after.extend(frame(true, 0x0, &euro[1..]));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), "€");
}

#[test]
fn invalid_utf8_fails_with_1007() {
    let after = frame(true, 0x1, &[b'a', 0xC3, 0x28]);
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    let err = client.receive().unwrap_err();
    assert_eq!(err, Error::InvalidUtf8);
    assert_eq!(err.close_code(), Some(1007));
    assert_eq!(client.state(), State::Closed);
    let frames = sent(&mock);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x8, &[0x03, 0xEF][..])
    );
    assert_eq!(client.receive().unwrap_err(), Error::Closed);
    assert_eq!(client.send_text("x").unwrap_err(), Error::Closed);
}

#[test]
fn server_close_is_answered_then_reported() {
    let close = frame(true, 0x8, b"\x03\xE9bye!");
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&close, &mut rx, &mut tx);
    assert_eq!(client.receive().unwrap(), Message::Close(Some(1001)));
    assert_eq!(client.state(), State::Closed);
    let frames = sent(&mock);
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x8, &[0x03, 0xE9][..])
    );
    assert_eq!(client.receive().unwrap_err(), Error::Closed);
    assert_eq!(client.close(1000), Ok(()));
    assert_eq!(
        sent(&mock).len(),
        1,
        "nothing sent after the close handshake"
    );
}

#[test]
fn server_close_without_code() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&frame(true, 0x8, b""), &mut rx, &mut tx);
    assert_eq!(client.receive().unwrap(), Message::Close(None));
    let frames = sent(&mock);
    assert_eq!((frames[0].opcode, frames[0].payload.len()), (0x8, 0));
}

#[test]
fn client_close_handshake_skips_messages() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    // The server still had a message and a ping on the way, then answers the close.
    mock.push(&text("late CALL"));
    mock.push(&frame(true, 0x9, b"p"));
    mock.push(&close(1000));
    client.close(close_code::NORMAL).unwrap();
    assert_eq!(client.state(), State::Closed);
    let frames = sent(&mock);
    assert_eq!(frames.len(), 1, "no pong after the close frame");
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x8, &[0x03, 0xE8][..])
    );
    assert_eq!(client.send_text("x").unwrap_err(), Error::Closed);
}

#[test]
fn oversized_message_is_skipped_with_1009() {
    // 64 KiB + 1 declared with a 64-bit length, against a 128-byte rx buffer, then a fragment
    // that would have continued it, the server's answer to the close, and more data after it.
    let mut after = frame(false, 0x1, &vec![b'a'; 65_537]);
    after.extend(frame(true, 0x0, b"tail"));
    after.extend(frame(true, 0x9, b"still pinging"));
    after.extend(frame(true, 0xA, b"pong"));
    after.extend(close(1009));
    let (mut rx, mut tx) = ([0u8; 200], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    let err = client.receive().unwrap_err();
    assert_eq!(err, Error::MessageTooLarge);
    assert_eq!(err.close_code(), Some(close_code::MESSAGE_TOO_BIG));
    assert_eq!(client.state(), State::Closing);
    // The close went out at once, before any of the payload was read.
    let frames = sent(&mock);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x8, &[0x03, 0xF1][..])
    );
    assert!(mock.unread() > 65_000);
    // Keep receiving: the rest is skipped, pongs still come through, then the server's close.
    assert_eq!(client.receive().unwrap(), Message::Pong(b"pong"));
    assert_eq!(client.receive().unwrap(), Message::Close(Some(1009)));
    assert_eq!(client.state(), State::Closed);
    assert_eq!(
        sent(&mock).len(),
        1,
        "no pong or second close while closing"
    );
}

#[test]
fn oversized_by_accumulated_fragments() {
    let mut after = frame(false, 0x1, &[b'a'; 120]);
    after.extend(frame(true, 0x0, &[b'b'; 120]));
    after.extend(close(1000));
    let (mut rx, mut tx) = ([0u8; 200], [0u8; 256]);
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(client.receive().unwrap_err(), Error::MessageTooLarge);
    client.close(close_code::NORMAL).unwrap();
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn message_exactly_the_buffer_size() {
    // Read together with the handshake response, whose leftover sits at the end of rx while the
    // message is reassembled from its start.
    let message = "z".repeat(256);
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (_mock, mut client) = open(&text(&message), &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), message);
}

#[test]
fn binary_message_is_refused_with_1003() {
    let mut after = frame(true, 0x2, b"\x00\x01");
    after.extend(close(1003));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(client.receive().unwrap_err(), Error::UnsupportedData);
    assert_eq!(sent(&mock)[0].payload, [0x03, 0xEB]);
    assert_eq!(client.receive().unwrap(), Message::Close(Some(1003)));
}

fn protocol_failure(after: &[u8]) -> (Error<ErrorKind>, Vec<ClientFrame>) {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(after, &mut rx, &mut tx);
    let err = client.receive().unwrap_err();
    assert_eq!(client.state(), State::Closed);
    assert_eq!(client.receive().unwrap_err(), Error::Closed);
    (err, sent(&mock))
}

fn assert_fails_with(after: &[u8], expected: ProtocolError) {
    let (err, frames) = protocol_failure(after);
    assert_eq!(err, Error::Protocol(expected));
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x8, &[0x03, 0xEA][..])
    );
}

#[test]
fn masked_server_frame_fails_with_1002() {
    // A correctly masked "hi": servers must not mask (RFC 6455 §5.1).
    let after = [0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];
    assert_fails_with(&after, ProtocolError::MaskedFrame);
}

#[test]
fn reserved_bits_and_opcodes_fail_with_1002() {
    assert_fails_with(&[0xC1, 0x01, b'a'], ProtocolError::ReservedBits); // RSV1
    assert_fails_with(&[0xA1, 0x01, b'a'], ProtocolError::ReservedBits); // RSV2
    assert_fails_with(&[0x91, 0x01, b'a'], ProtocolError::ReservedBits); // RSV3
    for opcode in [0x3, 0x7, 0xB, 0xF] {
        assert_fails_with(&[0x80 | opcode, 0x00], ProtocolError::ReservedOpcode);
    }
}

#[test]
fn bad_control_frames_fail_with_1002() {
    assert_fails_with(&frame(false, 0x9, b"x"), ProtocolError::InvalidControlFrame);
    // A 126-byte ping (16-bit length form).
    assert_fails_with(
        &frame(true, 0x9, &[0u8; 126]),
        ProtocolError::InvalidControlFrame,
    );
    assert_fails_with(
        &frame(true, 0x8, &[0x03]),
        ProtocolError::InvalidClosePayload,
    );
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 2999, 5000] {
        assert_fails_with(&close(code), ProtocolError::InvalidClosePayload);
    }
}

#[test]
fn close_reason_must_be_utf8() {
    let (err, frames) = protocol_failure(&frame(true, 0x8, &[0x03, 0xE8, 0xFF]));
    assert_eq!(err, Error::InvalidUtf8);
    assert_eq!(frames[0].payload, [0x03, 0xEF]);
}

#[test]
fn broken_fragment_sequences_fail_with_1002() {
    assert_fails_with(
        &frame(true, 0x0, b"x"),
        ProtocolError::UnexpectedContinuation,
    );
    let mut after = frame(false, 0x1, b"a");
    after.extend(text("b"));
    assert_fails_with(&after, ProtocolError::ExpectedContinuation);
}

#[test]
fn sixty_four_bit_length_with_top_bit_fails() {
    let after = [0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 1];
    assert_fails_with(&after, ProtocolError::InvalidLength);
}

#[test]
fn read_timeout_mid_frame_resumes() {
    let message = "x".repeat(300);
    let (mut rx, mut tx) = ([0u8; 512], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    let mut bytes = frame(true, 0x9, b"p");
    bytes.extend(text(&message));
    mock.push(&bytes);
    {
        let mut w = mock.0.borrow_mut();
        w.max_read = 7;
        w.fail_read_after = Some(3);
    }
    // Times out inside the extended header of the text frame, after answering the ping.
    assert_eq!(
        client.receive().unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    assert_eq!(client.state(), State::Open);
    mock.0.borrow_mut().fail_read_after = Some(10);
    // Times out again, this time in the payload.
    assert_eq!(
        client.receive().unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    assert_eq!(text_of(client.receive().unwrap()), message);
    assert_eq!(sent(&mock).len(), 1);
}

#[test]
fn end_of_stream_mid_frame() {
    let mut after = text("complete");
    after.extend(&text("cut short")[..5]);
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (_mock, mut client) = open(&after, &mut rx, &mut tx);
    assert_eq!(text_of(client.receive().unwrap()), "complete");
    assert_eq!(client.receive().unwrap_err(), Error::Disconnected);
    assert_eq!(client.state(), State::Closed);
}

// --- sending ----------------------------------------------------------------------------------

#[test]
fn text_is_masked_single_frame() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 512]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    let call =
        r#"[2,"19223201","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#;
    client.send_text(call).unwrap();
    client.send_text("").unwrap();
    let frames = sent(&mock);
    assert_eq!(frames.len(), 2);
    assert_eq!((frames[0].fin, frames[0].opcode), (true, 0x1));
    assert_eq!(frames[0].payload, call.as_bytes());
    assert_eq!(
        (frames[1].fin, frames[1].opcode, frames[1].payload.len()),
        (true, 0x1, 0)
    );
    assert_ne!(frames[0].key, frames[1].key);
    // The bytes on the wire are masked, not the plain text.
    let wire = mock.written();
    assert!(!wire.windows(call.len()).any(|w| w == call.as_bytes()));
    assert!(
        mock.0.borrow().flushes >= 3,
        "request and each message flushed"
    );
}

#[test]
fn long_texts_use_extended_lengths_and_fragments() {
    let (mut rx, mut tx) = ([0u8; 256], vec![0u8; 70_100]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    assert_eq!(client.max_fragment_len(), 70_100 - 14);
    let medium = "m".repeat(1000);
    let large = "L".repeat(70_000);
    client.send_text(&medium).unwrap();
    client.send_text(&large).unwrap();
    let frames = sent(&mock);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].payload, medium.as_bytes());
    assert_eq!(frames[1].payload, large.as_bytes());

    let huge = "h".repeat(200_000);
    mock.take_written();
    client.send_text(&huge).unwrap();
    let frames = parse_client_frames(&mock.written());
    assert_eq!(frames.len(), 3, "fragmented at the tx capacity");
    assert_eq!(
        frames.iter().map(|f| (f.fin, f.opcode)).collect::<Vec<_>>(),
        [(false, 0x1), (false, 0x0), (true, 0x0)]
    );
    assert_eq!(
        frames
            .iter()
            .flat_map(|f| f.payload.clone())
            .collect::<Vec<_>>(),
        huge.as_bytes()
    );
}

#[test]
fn configured_fragment_size() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    assert_eq!(client.max_fragment_len(), 256 - 8);
    client.set_max_fragment_len(10);
    assert_eq!(client.max_fragment_len(), 10);
    client.send_text("0123456789abcdefghij€").unwrap();
    let frames = sent(&mock);
    let sizes: Vec<_> = frames
        .iter()
        .map(|f| (f.fin, f.opcode, f.payload.len()))
        .collect();
    assert_eq!(sizes, [(false, 0x1, 10), (false, 0x0, 10), (true, 0x0, 3)]);
    let joined: Vec<u8> = frames.iter().flat_map(|f| f.payload.clone()).collect();
    assert_eq!(joined, "0123456789abcdefghij€".as_bytes());
    client.set_max_fragment_len(usize::MAX);
    assert_eq!(client.max_fragment_len(), 256 - 8);
}

#[test]
fn ping_and_its_pong() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    client.send_ping(b"liveness").unwrap();
    assert_eq!(
        client.send_ping(&[0u8; 126]).unwrap_err(),
        Error::PingTooLong
    );
    mock.push(&frame(true, 0xA, b"liveness"));
    assert_eq!(client.receive().unwrap(), Message::Pong(b"liveness"));
    let frames = sent(&mock);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0x9, &b"liveness"[..])
    );
}

#[test]
fn close_codes_checked() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    for code in [0, 999, 1004, 1005, 1006, 1015, 2000, 5000] {
        assert_eq!(client.close(code).unwrap_err(), Error::InvalidCloseCode);
    }
    assert_eq!(client.state(), State::Open);
    assert!(sent(&mock).is_empty());
    // A stream that ends before the server's close frame.
    assert_eq!(client.close(4000).unwrap_err(), Error::Disconnected);
    assert_eq!(sent(&mock)[0].payload, 4000u16.to_be_bytes());
}

#[test]
fn write_error_before_anything_went_out_keeps_the_connection() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    mock.0.borrow_mut().write_budget = Some(0);
    assert_eq!(
        client.send_text("first").unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    mock.0.borrow_mut().write_budget = None;
    client.send_text("second").unwrap();
    let frames = sent(&mock);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].payload, b"second");
}

#[test]
fn write_error_mid_message_loses_the_connection() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&[], &mut rx, &mut tx);
    mock.0.borrow_mut().write_budget = Some(5);
    assert_eq!(
        client.send_text("a message").unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    mock.0.borrow_mut().write_budget = None;
    assert_eq!(client.send_text("next").unwrap_err(), Error::Closed);
    assert_eq!(client.state(), State::Closed);
}

#[test]
fn pong_interrupted_by_a_write_error_is_finished_later() {
    let mut after = frame(true, 0x9, b"abc");
    after.extend(text("after the ping"));
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, mut client) = open(&after, &mut rx, &mut tx);
    let request_len = mock.written().len();
    mock.0.borrow_mut().write_budget = Some(4);
    assert_eq!(
        client.receive().unwrap_err(),
        Error::Io(ErrorKind::TimedOut)
    );
    assert_eq!(mock.written().len(), request_len + 4);
    mock.0.borrow_mut().write_budget = None;
    assert_eq!(text_of(client.receive().unwrap()), "after the ping");
    let frames = sent(&mock);
    assert_eq!(
        (frames[0].opcode, frames[0].payload.as_slice()),
        (0xA, &b"abc"[..])
    );
}

#[test]
fn into_inner_gives_the_stream_back() {
    let (mut rx, mut tx) = ([0u8; 256], [0u8; 256]);
    let (mock, client) = open(&text("left"), &mut rx, &mut tx);
    let stream = client.into_inner();
    assert!(std::rc::Rc::ptr_eq(&stream.0, &mock.0));
}

// --- robustness -------------------------------------------------------------------------------

#[test]
fn random_server_bytes_never_panic() {
    // xorshift: deterministic garbage, biased towards plausible frame headers.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let len = (next() % 64) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if let Some(b) = bytes.first_mut() {
            *b &= 0x8F; // mostly valid reserved bits
        }
        if let Some(b) = bytes.get_mut(1) {
            *b &= 0x7F; // mostly unmasked
        }
        let (mut rx, mut tx) = ([0u8; 200], [0u8; 256]);
        let (mock, mut client) = open(&bytes, &mut rx, &mut tx);
        mock.0.borrow_mut().max_read = (next() % 5 + 1) as usize;
        for _ in 0..20 {
            match client.receive() {
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

#[test]
fn client_size() {
    let size = std::mem::size_of::<Client<'static, Mock, fn() -> [u8; 4]>>();
    println!("size_of::<Client<Mock, fn() -> [u8; 4]>>() = {size} bytes on this host");
    // Two slices, the 125-byte control buffer, a 10-byte header buffer and bookkeeping.
    assert!(size <= 320, "{size}");
}
