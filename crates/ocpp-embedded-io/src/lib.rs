#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

#[cfg(feature = "async")]
pub mod asynch;
mod blocking;
mod error;
mod frame;
mod handshake;
mod session;

pub use blocking::Client;
pub use error::{Error, ProtocolError};
pub use handshake::{BasicAuthError, Handshake, OCPP16, basic_auth, basic_auth_len};
pub use session::{Message, State};

/// Where the client's masking keys come from: 4 fresh random bytes per frame (RFC 6455 §5.3).
///
/// Any `FnMut() -> [u8; 4]` is one, so a closure over the MCU's RNG will do:
/// `|| rng.next_u32().to_ne_bytes()`. To keep a [`Client`] in a struct field, implement the trait
/// on a type that can be named (a wrapper around the RNG peripheral), or use
/// `&mut dyn FnMut() -> [u8; 4]`.
///
/// The keys only stop a browser-side attacker from steering bytes on the wire (§10.3); they need
/// not be cryptographically strong, but must not be predictable by the peer.
pub trait MaskSource {
    /// The masking key of the next frame.
    fn next_mask(&mut self) -> [u8; 4];
}

impl<F: FnMut() -> [u8; 4]> MaskSource for F {
    fn next_mask(&mut self) -> [u8; 4] {
        self()
    }
}

/// Close status codes (RFC 6455 §7.4.1) for [`Client::close`] and in [`Message::Close`].
pub mod close_code {
    /// 1000: the purpose of the connection is fulfilled.
    pub const NORMAL: u16 = 1000;
    /// 1001: the endpoint is going away (a reboot, say).
    pub const GOING_AWAY: u16 = 1001;
    /// 1002: a protocol error (sent on framing violations by the server).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// 1003: a data type the endpoint cannot accept (sent on binary messages).
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// 1007: data inconsistent with the message type (sent on invalid UTF-8).
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// 1008: a message that violates the endpoint's policy.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// 1009: a message too big to process (sent when a message does not fit the rx buffer).
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// 1011: the server met an unexpected condition.
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// Runs a future that never waits: the blocking client's futures are over a stream whose every
/// call returns at once, so the first poll finishes them. No waker is needed, hence the no-op one.
fn block_on<F: core::future::Future>(future: F) -> F::Output {
    let mut future = core::pin::pin!(future);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    loop {
        if let core::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}
