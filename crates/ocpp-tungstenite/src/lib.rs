//! The std adapter of the OCPP 1.6-J charge point: binds the sans-IO
//! [`ChargePoint`](ocpp_core::charge_point::ChargePoint) of `ocpp-core` to a WebSocket
//! ([tungstenite]) over TCP or TLS ([rustls]), with reconnects, keep-alive pings and a
//! file-backed [`Storage`](ocpp_core::charge_point::Storage).
//!
//! - [`Connection`]: a blocking driver for one charge point (one thread each). It owns the socket
//!   and a monotonic [`Clock`], feeds frames to the charge point, hands its frames to the socket
//!   and its [`Action`](ocpp_core::charge_point::Action)s to your [`Hooks`], sleeps until the
//!   charge point's next deadline or the next frame, and reconnects after any failure.
//! - [`Control`]: a handle for other threads: inject
//!   [`Event`](ocpp_core::charge_point::Event)s, reconnect, close.
//! - [`connect()`]: one connection attempt, with a distinct [`ConnectError`] for each cause.
//! - [`FileStorage`]: records as files, replaced atomically (crash-safe).
//!
//! ```no_run
//! use ocpp_core::charge_point::{Action, ChargePoint, Event, Setup};
//! use ocpp_tungstenite::{ConnectOptions, Connection, FileStorage};
//!
//! let opts = ConnectOptions::new("wss://csms.example.com/ocpp", "CP-1")
//!     .with_basic_auth("0123456789abcdef0123456789abcdef") // security profile 2
//!     .with_ca_bundle("/etc/ocpp/csms-root.pem");
//! let mut conn = Connection::new(opts);
//! let storage = FileStorage::open("/var/lib/ocpp").expect("storage");
//! let mut scratch = vec![0u8; 64 * 1024]; // records are read into it while restoring
//! let mut cp = ChargePoint::new(Setup::new("Vendor", "Model", 2), storage, conn.now(), &mut scratch);
//!
//! let control = conn.control();
//! std::thread::spawn(move || {
//!     // e.g. the RFID reader
//!     control.send_event(Event::Plugged { connector: 1 });
//! });
//! conn.run(&mut cp, &mut |action: Action| {
//!     // switch relays, lock cables, show the authorization result...
//!     println!("{action:?}");
//! });
//! ```
//!
//! # Options
//!
//! [`ConnectOptions`] documents each field and its default. In short: `url` is the central
//! system's OCPP-J endpoint and `charge_point_id` is appended to it as the last path segment,
//! percent-encoded (OCPP-J §3.1.1); `basic_auth_password` (or the charge point's
//! `AuthorizationKey`, see [`ConnectOptions::use_authorization_key`]) enables HTTP Basic
//! authentication; `ca_bundle` replaces the default roots; `client_cert` + `client_key` enable
//! mutual TLS; `connect_timeout`, `write_timeout`, `close_timeout`, `pong_timeout_intervals`
//! and `poll_interval` bound the waits; `reconnect` is the backoff policy.
//!
//! The WebSocket upgrade asks for the `ocpp1.6` subprotocol, and a central system that does not
//! agree (no `Sec-WebSocket-Protocol` in its answer, or another one) is refused with
//! [`ConnectError::SubprotocolRefused`] (OCPP-J §3.1.2, §3.2).
//!
//! # Security profiles
//!
//! The OCPP 1.6 security whitepaper (edition 2, §2) defines three profiles. They map onto the
//! options like this ([`ConnectOptions::security_profile`] computes it):
//!
//! | profile | URL | charge point authentication | options |
//! |---|---|---|---|
//! | 1: Unsecured Transport with Basic Authentication | `ws://` | HTTP Basic | `basic_auth_password` |
//! | 2: TLS with Basic Authentication | `wss://` | HTTP Basic; the central system by its TLS certificate | `basic_auth_password`, `ca_bundle` |
//! | 3: TLS with Client Side Certificates | `wss://` | TLS client certificate; the central system by its TLS certificate | `client_cert`, `client_key`, `ca_bundle` |
//!
//! HTTP Basic uses the charge point id as the user name (A00.FR.204) and the password as given:
//! the whitepaper stores it in the `AuthorizationKey` configuration key as hexadecimal digits
//! (A00.FR.205), and the header carries exactly those digits, as the whitepaper's example
//! `AUTHORIZATION: Basic <Base64 encoded(<ChargePointId>:<AuthorizationKey>)>` shows. When the
//! central system sets a new `AuthorizationKey` (A01), the next connection uses it.
//!
//! TLS is rustls with the `ring` provider: TLS 1.2 and 1.3 only (A00.FR.312), ECDHE suites (the
//! charge point's set of A00.FR.318), no compression (A00.FR.320). The server certificate is
//! verified against `ca_bundle` (or the webpki roots) including its name: the URL's host must be
//! in the certificate (A00.FR.307, A00.FR.308). A failure is [`ConnectError::Tls`].
//!
//! A failed attempt that is a security event (whitepaper chapter 8: a server certificate that
//! does not verify, no common TLS version or cipher suite, credentials refused; see
//! [`ConnectError::security_event`]) is fed to the charge point as `Input::SecurityEvent` by
//! both drivers, once per attempt, before [`Hooks::on_link`] hears of it: the charge point
//! queues a SecurityEventNotification.req (from `SecurityProfile` 1 on) and sends it after the
//! next good connection. [`ConnectOptions::security_events`] turns it off.
//!
//! A warning is logged when the options amount to another profile than the charge point's
//! `SecurityProfile` configuration key (when that is not 0).
//!
//! # Reconnects and keep-alive
//!
//! After any failure (connection attempt failed, connection dropped, missing pong) the driver
//! tells the charge point (`Input::Disconnected`), waits, and tries again; every attempt
//! that succeeds is followed by `Input::Connected`, and the charge point sends what it queued
//! meanwhile (transaction messages are kept in its journal). The wait follows
//! [`ReconnectPolicy`]: 1 s, doubling to at most 60 s, each ±25 % random jitter; a successful
//! connection resets it. [`Control::reconnect`] reconnects at once.
//!
//! Every `WebSocketPingInterval` seconds (the charge point's configuration key, read at every
//! turn, so ChangeConfiguration applies at once; 0 disables) the driver sends a WebSocket ping;
//! when no pong has come `pong_timeout_intervals` (2) intervals after a ping, the connection is
//! declared dead and dropped. Pings from the central system are answered.
//!
//! [`Control::close`] (or [`Connection::close`]) sends a close frame, waits up to
//! `close_timeout` for the central system's, and stops the driver.
//!
//! # Logging
//!
//! Through `tracing` (rustls logs through `log`):
//!
//! - target `ocpp_tungstenite::frame` ([`FRAME_LOG_TARGET`]), level `DEBUG`: every OCPP frame,
//!   with fields `cp` (the charge point id) and `direction` (`send` or `recv`), the frame as the
//!   message. The `value` of an `AuthorizationKey` in a frame (ChangeConfiguration.req) is
//!   logged as `"***"` (A01.FR.12; [`redact_frame`]).
//! - `INFO`: connected, closed; `WARN`: connection attempt failed, disconnected (with the reason
//!   and the delay before the next attempt); `DEBUG`: actions handed to the hooks; `TRACE`:
//!   pings and pongs.
//!
//! The Basic authentication password is never logged (nor shown by `ConnectOptions`'s `Debug`).
//!
//! # The driver loop
//!
//! The charge point has one input (`ChargePoint::handle_input`) and one output
//! (`ChargePoint::poll_output`), and one rule: after any input, drain `poll_output` until it
//! returns `Output::Timeout`. The driver keeps it: every input it feeds is followed by the drain
//! (`Output::Transmit` to the socket, `Output::Action` to [`Hooks::on_action`],
//! `Output::Timeout` as the next deadline).
//!
//! [`Connection::step`] is one turn: commands from [`Control`] (each event is an
//! `Input::Event`), [`Hooks::on_tick`], the events of [`Hooks::poll_event`] one input at a time,
//! `Input::Timeout` when the deadline has come, a connection attempt when one is due, a ping when
//! due, and a wait for the next frame (a read timeout on the socket; `Input::Frame`) or, while
//! disconnected, for the next command, bounded by the charge point's next deadline, the next
//! ping and `poll_interval`. [`Connection::run`] turns until closed; [`Connection::run_until`]
//! until a condition holds (tests, scripted simulators). One input can also be fed directly
//! between steps (`cp.handle_input(Input::Event(event), conn.now())`): the next step drains it
//! first. For more, use [`Control::send_event`] or [`Hooks::poll_event`].
//!
//! Time is a [`Clock`]: `std::time::Instant` turned into the core's monotonic milliseconds. Build
//! the charge point with [`Connection::now`] so that both agree.
//!
//! # Many charge points
//!
//! Blocking: one [`Connection`] per thread, each with its own charge point; share one [`Clock`]
//! with [`Connection::with_clock`] if they must agree on time.
//!
//! Async (feature `tokio`): `AsyncConnection::run` is the same loop as a future, with
//! `connect_async` for the attempt (name resolution included in `connect_timeout`); spawn one
//! task per charge point. Hooks are called inline and must not block. [`Control`] works the same
//! for both drivers.

mod connect;
mod driver;
mod error;
mod installed;
mod options;
mod redact;
mod storage;
#[cfg(feature = "tokio")]
mod tokio_driver;

pub use connect::{
    Attempt, SUBPROTOCOL, Stream, WsStream, attempt_options, basic_auth_header, connect,
    connect_with, connection_url, tls_config, tls_config_with,
};
pub use driver::{Clock, Connection, Control, FRAME_LOG_TARGET, Hooks, LinkEvent, Status};
pub use error::{ConnectError, Disconnect};
pub use installed::InstalledCertificates;
pub use options::{ClientKeyLoader, ConnectOptions, ReconnectPolicy};
pub use redact::{REDACTED, redact_frame};
pub use storage::{FileStorage, FileStorageError};
#[cfg(feature = "tokio")]
pub use tokio_driver::{
    AsyncConnection, AsyncIo, AsyncWsStream, connect_async, connect_async_with,
};

/// Re-exported for the types in this crate's API.
pub use rustls;
/// Re-exported for the types in this crate's API.
pub use tungstenite;
