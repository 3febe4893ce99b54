//! [`ConnectOptions`]: where and how to connect, and [`ReconnectPolicy`]: when to try again.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ocpp_core::crypto::KeyId;
use rustls_pki_types::PrivateKeyDer;

/// Loads the private key of an installed charge point certificate by its [`KeyId`] (the key
/// stays in the charge point's key store; only the TLS stack on the same machine reads it,
/// security whitepaper A02.FR.05). With `ocpp_crypto`'s `FileKeyStore`: read
/// `FileKeyStore::path(id)`, a PKCS#8 DER file.
pub type ClientKeyLoader = Arc<dyn Fn(KeyId) -> Option<PrivateKeyDer<'static>> + Send + Sync>;

/// Where the central system is and how the charge point authenticates itself.
///
/// Build with [`ConnectOptions::new`] and set the public fields; every field is documented with
/// its default. See the [crate documentation](crate) for how the fields map onto the OCPP security
/// profiles.
///
/// Its `Debug` output shows whether a Basic authentication password is set, never the
/// password.
#[derive(Clone)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// The central system's OCPP-J endpoint URL (`ws://` or `wss://`), without the charge point
    /// id: the connection URL is this URL with `/` and the percent-encoded
    /// [`charge_point_id`](Self::charge_point_id) appended to its path (OCPP-J §3.1.1), so
    /// `ws://127.0.0.1:9000/ocpp` and `ws://127.0.0.1:9000/ocpp/` both give
    /// `ws://127.0.0.1:9000/ocpp/CP-1` for `CP-1`, and `RDAM 123` becomes `RDAM%20123`.
    pub url: String,
    /// The charge point identity: the last path segment of the connection URL, and the user name
    /// of HTTP Basic authentication (security whitepaper A00.FR.204).
    pub charge_point_id: String,
    /// The HTTP Basic authentication password (security profiles 1 and 2), sent with every
    /// connection request as `Authorization: Basic base64(<charge point id>:<password>)`.
    /// Default: `None`. See also [`use_authorization_key`](Self::use_authorization_key).
    pub basic_auth_password: Option<String>,
    /// When true (the default) and the charge point's configuration holds an `AuthorizationKey`
    /// (set by the central system with ChangeConfiguration, whitepaper A01), that key is the Basic
    /// authentication password, in preference to [`basic_auth_password`](Self::basic_auth_password).
    /// Read again at every connection attempt, so a new key is used from the next reconnect on.
    pub use_authorization_key: bool,
    /// PEM file with the root certificate(s) that may sign the central system's certificate
    /// (`wss://` only). When set, only these are trusted. Default: `None`, which trusts the Mozilla
    /// roots bundled with `webpki-roots` (plus the platform's roots with the `native-roots`
    /// feature).
    pub ca_bundle: Option<PathBuf>,
    /// PEM file with the charge point's certificate chain, leaf first (security profile 3,
    /// mutual TLS). Must be set together with [`client_key`](Self::client_key). Default: `None`.
    pub client_cert: Option<PathBuf>,
    /// PEM file with the private key of [`client_cert`](Self::client_cert) (PKCS#8, PKCS#1 or
    /// SEC1). Default: `None`.
    pub client_key: Option<PathBuf>,
    /// Bound on one connection attempt as a whole: name resolution aside, the TCP connect, the TLS
    /// handshake and the WebSocket upgrade must be done within it. Default: 10 s.
    pub connect_timeout: Duration,
    /// How long a blocked write may take before the connection is declared dead (zero: no
    /// limit). Default: 10 s.
    pub write_timeout: Duration,
    /// After the charge point asked to close, how long to wait for the central system's close
    /// frame before dropping the socket. Default: 5 s.
    pub close_timeout: Duration,
    /// A ping that got no pong within this many `WebSocketPingInterval`s means the connection is
    /// dead. Default: 2.
    pub pong_timeout_intervals: u32,
    /// The longest the driver blocks on the socket before it looks at injected events
    /// ([`Control`](crate::Control)) and calls [`Hooks::on_tick`](crate::Hooks::on_tick): the
    /// latency of an injected event while connected. Default: 50 ms.
    pub poll_interval: Duration,
    /// When to reconnect after a failure.
    pub reconnect: ReconnectPolicy,
    /// Largest WebSocket message accepted from the central system, in bytes (also the largest
    /// frame). A larger one fails the connection with close code 1009 (RFC 6455 §7.4.1; a text
    /// message that is not UTF-8 gets 1007), and the driver reconnects. Default: 256 KiB, ten
    /// times the largest CALL the core accepts with its default capacities (a SendLocalList of
    /// 128 entries is about 20 KB); raise it only for a central system that pads its frames.
    pub max_message_size: usize,
    /// Size of the buffer the charge point writes outgoing frames into (see
    /// `ChargePoint::poll_output`). Default: 64 KiB, enough for the largest
    /// GetConfiguration.conf.
    pub transmit_buffer_size: usize,
    /// Size of the WebSocket read buffer (tungstenite's `read_buffer_size`): each read from the
    /// socket fills up to this much, and the whole buffer is touched (zeroed) on the first read,
    /// so it is resident memory for the life of the connection. A larger message still arrives
    /// (the buffer grows for it, up to `max_message_size`). Default: 128 KiB, tungstenite's
    /// default; a simulator of thousands of charge points wants a few KiB.
    pub read_buffer_size: usize,
    /// Size of the WebSocket write buffer (tungstenite's `write_buffer_size`): frames are
    /// collected up to this size before they are written (a flush writes them anyway). 0 writes
    /// each frame at once and keeps no buffer. Default: 128 KiB, tungstenite's default.
    pub write_buffer_size: usize,
    /// When true (the default), a failed connection attempt that is a security event (a
    /// central system certificate that does not verify, no common TLS version or cipher suite,
    /// credentials refused: see [`ConnectError::security_event`](crate::ConnectError::security_event))
    /// is fed to the charge point as `Input::SecurityEvent`, which queues a
    /// SecurityEventNotification.req for the next connection (when its `SecurityProfile` is 1 or
    /// more). Turn it off if your hooks report these failures themselves.
    pub security_events: bool,
    /// When true (the default), each connection attempt takes its TLS material from the charge
    /// point's security module (`Storage::security`) where it has some: the installed
    /// CentralSystemRootCertificates replace [`ca_bundle`](Self::ca_bundle), and the newest
    /// valid charge point certificate (CertificateSigned.req) replaces
    /// [`client_cert`](Self::client_cert) when [`client_key_loader`](Self::client_key_loader)
    /// gives its key. What the central system installs is thus used from the next connection
    /// (security whitepaper A02.FR.08, M05).
    pub use_installed_certificates: bool,
    /// Loads the key of an installed charge point certificate (see
    /// [`use_installed_certificates`](Self::use_installed_certificates)). Default: `None` (the
    /// installed charge point certificate is not used).
    pub client_key_loader: Option<ClientKeyLoader>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &self.url)
            .field("charge_point_id", &self.charge_point_id)
            .field(
                "basic_auth_password",
                &self.basic_auth_password.as_ref().map(|_| "***"),
            )
            .field("use_authorization_key", &self.use_authorization_key)
            .field("ca_bundle", &self.ca_bundle)
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("pong_timeout_intervals", &self.pong_timeout_intervals)
            .field("poll_interval", &self.poll_interval)
            .field("reconnect", &self.reconnect)
            .field("max_message_size", &self.max_message_size)
            .field("transmit_buffer_size", &self.transmit_buffer_size)
            .field("read_buffer_size", &self.read_buffer_size)
            .field("write_buffer_size", &self.write_buffer_size)
            .field("security_events", &self.security_events)
            .field(
                "use_installed_certificates",
                &self.use_installed_certificates,
            )
            .field(
                "client_key_loader",
                &self.client_key_loader.as_ref().map(|_| "Fn"),
            )
            .finish()
    }
}

impl ConnectOptions {
    /// Options with the defaults for `url` and `charge_point_id`.
    pub fn new(url: impl Into<String>, charge_point_id: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            charge_point_id: charge_point_id.into(),
            basic_auth_password: None,
            use_authorization_key: true,
            ca_bundle: None,
            client_cert: None,
            client_key: None,
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            close_timeout: Duration::from_secs(5),
            pong_timeout_intervals: 2,
            poll_interval: Duration::from_millis(50),
            reconnect: ReconnectPolicy::default(),
            max_message_size: 256 * 1024,
            transmit_buffer_size: 64 * 1024,
            read_buffer_size: 128 * 1024,
            write_buffer_size: 128 * 1024,
            security_events: true,
            use_installed_certificates: true,
            client_key_loader: None,
        }
    }

    /// Sets [`basic_auth_password`](Self::basic_auth_password).
    #[must_use]
    pub fn with_basic_auth(mut self, password: impl Into<String>) -> Self {
        self.basic_auth_password = Some(password.into());
        self
    }

    /// Sets [`ca_bundle`](Self::ca_bundle).
    #[must_use]
    pub fn with_ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Sets [`client_cert`](Self::client_cert) and [`client_key`](Self::client_key).
    #[must_use]
    pub fn with_client_certificate(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.client_cert = Some(cert.into());
        self.client_key = Some(key.into());
        self
    }

    /// Sets [`reconnect`](Self::reconnect).
    #[must_use]
    pub fn with_reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.reconnect = policy;
        self
    }

    /// The OCPP security profile these options amount to, given whether a Basic authentication
    /// password will be sent: 0 (`ws://`, no authentication: not a profile of the whitepaper),
    /// 1 (`ws://` + Basic), 2 (`wss://` + Basic), 3 (`wss://` + client certificate). `None` for
    /// combinations that are none of these (`wss://` without any charge point authentication, or
    /// a client certificate over `ws://`) or an unparsable URL.
    pub fn security_profile(&self, with_password: bool) -> Option<u8> {
        let url = url::Url::parse(&self.url).ok()?;
        let cert = self.client_cert.is_some();
        match (url.scheme(), with_password, cert) {
            ("ws", false, false) => Some(0),
            ("ws", true, false) => Some(1),
            ("wss", true, false) => Some(2),
            ("wss", _, true) => Some(3),
            _ => None,
        }
    }
}

/// Exponential backoff with jitter between connection attempts.
///
/// The n-th consecutive failure (n = 0, 1, ...) waits `initial × 2ⁿ`, at most `max`, multiplied by
/// a random factor in `[1 − jitter, 1 + jitter]` and then capped at `max` again. With the defaults:
/// about 1 s, 2 s, 4 s, ... up to 60 s, each ±25 %. A connection that comes up resets the count.
/// The jitter spreads the reconnects of many charge points after a central system restart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReconnectPolicy {
    /// The first delay. Default: 1 s.
    pub initial: Duration,
    /// The longest delay. Default: 60 s.
    pub max: Duration,
    /// Relative jitter, 0.0 to 1.0. Default: 0.25.
    pub jitter: f64,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter: 0.25,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `failures + 1`, for a uniform random `unit` in `[0, 1)`.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        let factor = 2u32.saturating_pow(failures.min(31));
        let base = self.initial.saturating_mul(factor).min(self.max);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let scale = 1.0 + jitter * (2.0 * unit - 1.0);
        base.mul_f64(scale.max(0.0)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_bound() {
        let p = ReconnectPolicy::default();
        let mid: Vec<u64> = (0..9).map(|n| p.delay(n, 0.5).as_secs()).collect();
        assert_eq!(mid, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(p.delay(u32::MAX, 0.5), Duration::from_secs(60));
    }

    #[test]
    fn backoff_jitter_is_bounded() {
        let p = ReconnectPolicy::default();
        assert_eq!(p.delay(0, 0.0), Duration::from_millis(750));
        assert_eq!(p.delay(0, 1.0), Duration::from_millis(1250));
        assert_eq!(p.delay(2, 0.0), Duration::from_secs(3));
        // Never above the maximum, even with jitter upwards.
        assert_eq!(p.delay(10, 1.0), Duration::from_secs(60));
        assert_eq!(p.delay(10, 0.0), Duration::from_secs(45));
        for i in 0..100 {
            let d = p.delay(3, f64::from(i) / 100.0);
            assert!(
                d >= Duration::from_secs(6) && d <= Duration::from_secs(10),
                "{d:?}"
            );
        }
        assert_eq!(p.delay(0, f64::NAN), Duration::from_secs(1));
    }

    #[test]
    fn security_profiles() {
        let ws = ConnectOptions::new("ws://127.0.0.1:9000/ocpp", "CP-1");
        assert_eq!(ws.security_profile(false), Some(0));
        assert_eq!(ws.security_profile(true), Some(1));
        let wss = ConnectOptions::new("wss://127.0.0.1:9000/ocpp", "CP-1");
        assert_eq!(wss.security_profile(true), Some(2));
        assert_eq!(wss.security_profile(false), None);
        let mtls = wss.with_client_certificate("c.pem", "k.pem");
        assert_eq!(mtls.security_profile(false), Some(3));
        let bad = ConnectOptions::new("ws://127.0.0.1/", "CP").with_client_certificate("c", "k");
        assert_eq!(bad.security_profile(false), None);
    }
}
