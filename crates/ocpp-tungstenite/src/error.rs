//! Why a connection attempt failed ([`ConnectError`]) or a connection ended ([`Disconnect`]).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use ocpp_core::v16::SecurityEvent;

/// A connection attempt failed. Each cause an operator must tell apart has its own variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The endpoint URL is not a `ws://` or `wss://` URL with a host, or the charge point id is
    /// empty.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The options contradict each other (client certificate without key, client certificate
    /// over `ws://`, ...).
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// A certificate or key file could not be read or holds nothing usable.
    #[error("TLS configuration: {path}: {reason}")]
    TlsConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The host name could not be resolved.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The host.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// No TCP connection could be made (refused, unreachable, timed out).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The last address tried.
        addr: SocketAddr,
        /// The error for that address.
        source: io::Error,
    },
    /// The TLS handshake failed: the central system's certificate is not trusted or does not name
    /// the host, the central system refused our client certificate (or its absence), no common
    /// protocol version or cipher suite, ...
    #[error("TLS: {0}")]
    Tls(#[source] rustls::Error),
    /// The central system refused the credentials: HTTP 401 or 403 in answer to the upgrade
    /// request (wrong Basic authentication password, unknown charge point, ...).
    #[error("the central system rejected the credentials (HTTP {status})")]
    CredentialsRejected {
        /// 401 or 403.
        status: u16,
    },
    /// The central system answered the upgrade request with another HTTP status than 101 (404:
    /// unknown charge point id, OCPP-J §3.2). Redirects are not followed.
    #[error("the central system answered HTTP {status} instead of upgrading to WebSocket")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The central system did not agree to the `ocpp1.6` subprotocol (OCPP-J §3.1.2, §3.2): its
    /// answer named no subprotocol or another one. The connection is dropped.
    #[error("the central system did not agree to the ocpp1.6 subprotocol: {0}")]
    SubprotocolRefused(&'static str),
    /// The attempt took longer than `connect_timeout`.
    #[error("timed out during the {0}")]
    Timeout(&'static str),
    /// An I/O error during the TLS handshake or the WebSocket upgrade (connection reset, closed
    /// early, ...).
    #[error("I/O error during the {stage}: {source}")]
    Io {
        /// `TLS handshake` or `WebSocket handshake`.
        stage: &'static str,
        /// The error.
        source: io::Error,
    },
    /// Any other WebSocket handshake failure (malformed answer, wrong `Sec-WebSocket-Accept`).
    #[error("WebSocket handshake: {0}")]
    Handshake(#[source] tungstenite::Error),
}

impl ConnectError {
    /// Whether the central system refused who we are: rejected Basic credentials, or a TLS
    /// failure (certificate problems on either side). Retrying without a change will not help,
    /// although the driver retries anyway (with backoff): the operator may fix the server side.
    pub fn is_authentication_failure(&self) -> bool {
        matches!(
            self,
            ConnectError::CredentialsRejected { .. } | ConnectError::Tls(_)
        )
    }

    /// Whether the central system's certificate did not verify against the trusted roots
    /// (`rustls::Error::InvalidCertificate`): a fallback root may still verify it (M05.FR.13).
    pub fn is_server_certificate_rejected(&self) -> bool {
        matches!(
            self,
            ConnectError::Tls(rustls::Error::InvalidCertificate(_))
        )
    }

    /// The security event (OCPP 1.6 security whitepaper edition 2, chapter 8) this failure is,
    /// with a short `techInfo`, or `None` when it is none (the network, a timeout, the
    /// options, another HTTP status). The drivers feed it to the charge point
    /// (`Input::SecurityEvent`) after every failed attempt, unless
    /// [`ConnectOptions::security_events`](crate::ConnectOptions::security_events) is off:
    ///
    /// | failure | event | `techInfo` |
    /// |---|---|---|
    /// | the central system's certificate did not verify (`rustls::Error::InvalidCertificate`: unknown issuer, expired, wrong name, ...; A00.FR.309, A00.FR.413) | `InvalidCentralSystemCertificate` | the `CertificateError` kind, e.g. `UnknownIssuer` |
    /// | no certificate from the central system, or none we can parse | `InvalidCentralSystemCertificate` | `NoCertificatesPresented`, `UnsupportedNameType` |
    /// | the central system offers a TLS version below 1.2, or none in common (A00.FR.315, A00.FR.419) | `InvalidTLSVersion` | `ServerDoesNotSupportTls12Or13`, `AlertReceived(ProtocolVersion)`, ... |
    /// | no cipher suite in common: a `handshake_failure` or `insufficient_security` alert, or a suite we did not offer (A00.FR.322, A00.FR.426) | `InvalidTLSCipherSuite` | `AlertReceived(HandshakeFailure)`, `SelectedUnofferedCipherSuite`, ... |
    /// | the central system refused our TLS client certificate (a certificate alert) | `FailedToAuthenticateAtCentralSystem` | `AlertReceived(BadCertificate)`, ... |
    /// | HTTP 401 or 403 on the WebSocket upgrade | `FailedToAuthenticateAtCentralSystem` | `HTTP 401`, `HTTP 403` |
    ///
    /// `techInfo` names a kind of error, never a certificate's content or a credential. A
    /// `handshake_failure` alert is the server's answer to no common cipher suite, but a TLS
    /// 1.2 server may send it for other reasons too (a missing client certificate): it is
    /// reported as the cipher suite, what it most often means.
    pub fn security_event(&self) -> Option<(SecurityEvent, String)> {
        match self {
            ConnectError::Tls(e) => tls_security_event(e),
            ConnectError::CredentialsRejected { status } => Some((
                SecurityEvent::FailedToAuthenticateAtCentralSystem,
                format!("HTTP {status}"),
            )),
            _ => None,
        }
    }
}

/// See [`ConnectError::security_event`].
fn tls_security_event(e: &rustls::Error) -> Option<(SecurityEvent, String)> {
    use rustls::{AlertDescription as A, Error as E, PeerIncompatible as I, PeerMisbehaved as M};
    let event = match e {
        E::InvalidCertificate(cert) => {
            return Some((
                SecurityEvent::InvalidCentralSystemCertificate,
                variant_name(cert),
            ));
        }
        E::NoCertificatesPresented | E::UnsupportedNameType => {
            SecurityEvent::InvalidCentralSystemCertificate
        }
        E::PeerIncompatible(
            I::ServerDoesNotSupportTls12Or13
            | I::ServerTlsVersionIsDisabledByOurConfig
            | I::SupportedVersionsExtensionRequired
            | I::Tls12NotOffered
            | I::Tls12NotOfferedOrEnabled,
        )
        | E::PeerMisbehaved(
            M::IllegalHelloRetryRequestWithUnsupportedVersion
            | M::SelectedTls12UsingTls13VersionExtension,
        )
        | E::AlertReceived(A::ProtocolVersion) => SecurityEvent::InvalidTLSVersion,
        E::PeerIncompatible(I::NoCipherSuitesInCommon)
        | E::PeerMisbehaved(
            M::SelectedUnofferedCipherSuite | M::SelectedUnusableCipherSuiteForVersion,
        )
        | E::AlertReceived(A::HandshakeFailure | A::InsufficientSecurity) => {
            SecurityEvent::InvalidTLSCipherSuite
        }
        E::AlertReceived(
            A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::CertificateRequired
            | A::UnknownCA
            | A::AccessDenied,
        ) => SecurityEvent::FailedToAuthenticateAtCentralSystem,
        _ => return None,
    };
    let tech_info = match e {
        E::PeerIncompatible(i) => variant_name(i),
        E::PeerMisbehaved(m) => variant_name(m),
        E::AlertReceived(a) => format!("AlertReceived({a:?})"),
        other => variant_name(other),
    };
    Some((event, tech_info))
}

/// The name of an enum value's variant, from its `Debug` text (`NotValidForNameContext { .. }`
/// gives `NotValidForNameContext`): a kind, without the names or data it may carry.
fn variant_name(value: &dyn std::fmt::Debug) -> String {
    let name: String = format!("{value:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    if name.is_empty() {
        "Other".into()
    } else {
        name
    }
}

/// Why an established connection ended.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Disconnect {
    /// The central system closed the WebSocket (close frame) or the TCP connection.
    #[error("closed by the central system{}", close_detail(*.code, reason))]
    ClosedByPeer {
        /// The close code, if a close frame was received.
        code: Option<u16>,
        /// The close reason, if any.
        reason: String,
    },
    /// No pong arrived within `pong_timeout_intervals` × `WebSocketPingInterval` of a ping.
    #[error("no pong from the central system: connection presumed dead")]
    PongTimeout,
    /// Reading or writing failed.
    #[error("connection failed: {0}")]
    Error(#[source] tungstenite::Error),
    /// [`Control::reconnect`](crate::Control::reconnect) was called.
    #[error("reconnect requested")]
    Requested,
    /// The charge point closed the connection ([`Control::close`](crate::Control::close)).
    #[error("closed by the charge point")]
    Closed,
}

fn close_detail(code: Option<u16>, reason: &str) -> String {
    match code {
        Some(code) if reason.is_empty() => format!(" (code {code})"),
        Some(code) => format!(" (code {code}: {reason})"),
        None => String::new(),
    }
}

/// The close code (RFC 6455 §7.4.1) with which the charge point fails a connection on which it
/// received what it cannot take, so that the central system learns why instead of seeing a bare
/// TCP drop (close 1006): 1009 for a message over
/// [`max_message_size`](crate::ConnectOptions::max_message_size), 1007 for a text message that is
/// not UTF-8 (§8.1). Other errors (I/O, protocol) have no close frame to send, or tungstenite
/// sends its own.
pub(crate) fn close_for(e: &tungstenite::Error) -> Option<tungstenite::protocol::CloseFrame> {
    use tungstenite::protocol::frame::coding::CloseCode;
    let (code, reason) = match e {
        tungstenite::Error::Capacity(_) => (CloseCode::Size, "message too big"),
        tungstenite::Error::Utf8(_) => (CloseCode::Invalid, "text message is not UTF-8"),
        _ => return None,
    };
    Some(tungstenite::protocol::CloseFrame {
        code,
        reason: reason.into(),
    })
}
