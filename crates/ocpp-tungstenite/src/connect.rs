//! One connection attempt: URL, TCP, TLS, WebSocket upgrade with `ocpp1.6` and Basic auth.

use std::borrow::Cow;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use base64::Engine as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use tungstenite::WebSocket;
use tungstenite::client::IntoClientRequest;
use tungstenite::error::{ProtocolError, SubProtocolError};
use tungstenite::handshake::HandshakeError;
use tungstenite::http::HeaderValue;
use tungstenite::protocol::WebSocketConfig;
use url::{Host, Url};

use crate::error::ConnectError;
use crate::installed::InstalledCertificates;
use crate::options::ConnectOptions;

/// The WebSocket subprotocol of OCPP 1.6-J (OCPP-J §3.1.2).
pub const SUBPROTOCOL: &str = "ocpp1.6";

/// A WebSocket connection to the central system.
pub type WsStream = WebSocket<Stream>;

/// The transport under the WebSocket: plain TCP (`ws://`) or TLS over TCP (`wss://`).
#[derive(Debug)]
pub enum Stream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    /// The TCP socket (to set timeouts, or to shut it down).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The connection URL: `base` with `/` and the percent-encoded `charge_point_id` appended to its
/// path (OCPP-J §3.1.1). A trailing slash of `base` is not doubled.
pub fn connection_url(base: &str, charge_point_id: &str) -> Result<Url, ConnectError> {
    if charge_point_id.is_empty() {
        return Err(ConnectError::InvalidUrl("empty charge point id".into()));
    }
    let mut url = Url::parse(base).map_err(|e| ConnectError::InvalidUrl(format!("{base}: {e}")))?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(ConnectError::InvalidUrl(format!(
            "{base}: the scheme must be ws or wss"
        )));
    }
    if url.host().is_none() {
        return Err(ConnectError::InvalidUrl(format!("{base}: no host")));
    }
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| ConnectError::InvalidUrl(format!("{base}: cannot have a path")))?
        .pop_if_empty()
        .push(charge_point_id);
    Ok(url)
}

/// The value of the `Authorization` header for HTTP Basic authentication (RFC 7617) with the
/// charge point id as the user (security whitepaper §2.3, A00.FR.204).
pub fn basic_auth_header(charge_point_id: &str, password: &str) -> String {
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{charge_point_id}:{password}"));
    format!("Basic {token}")
}

/// The rustls client configuration for `opts`: trusted roots, client certificate, the `ring`
/// provider, TLS 1.2 and 1.3.
pub fn tls_config(opts: &ConnectOptions) -> Result<Arc<ClientConfig>, ConnectError> {
    tls_config_with(opts, None)
}

/// [`tls_config`], with the certificates installed in the charge point's security module
/// taking precedence (see [`ConnectOptions::use_installed_certificates`]).
pub fn tls_config_with(
    opts: &ConnectOptions,
    installed: Option<&InstalledCertificates>,
) -> Result<Arc<ClientConfig>, ConnectError> {
    let installed_roots = installed.map_or(&[][..], |i| {
        if i.roots.is_empty() {
            i.fallback_roots.as_slice()
        } else {
            i.roots.as_slice()
        }
    });
    tls_config_roots(opts, installed, installed_roots)
}

/// The configuration that trusts only the fallback CentralSystemRootCertificate (M05.FR.13),
/// when one is installed beside the new one.
fn fallback_tls_config(
    opts: &ConnectOptions,
    installed: Option<&InstalledCertificates>,
) -> Result<Option<Arc<ClientConfig>>, ConnectError> {
    match installed {
        Some(i) if !i.roots.is_empty() && !i.fallback_roots.is_empty() => {
            tls_config_roots(opts, installed, &i.fallback_roots).map(Some)
        }
        _ => Ok(None),
    }
}

fn tls_config_roots(
    opts: &ConnectOptions,
    installed: Option<&InstalledCertificates>,
    installed_roots: &[CertificateDer<'static>],
) -> Result<Arc<ClientConfig>, ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    if !installed_roots.is_empty() {
        let (added, ignored) = roots.add_parsable_certificates(installed_roots.iter().cloned());
        tracing::debug!(
            "installed CentralSystemRootCertificates: {added} trusted, {ignored} unusable"
        );
    } else if let Some(path) = &opts.ca_bundle {
        for cert in read_certs(path)? {
            roots
                .add(cert)
                .map_err(|e| tls_config_error(path, e.to_string()))?;
        }
    } else {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        #[cfg(feature = "native-roots")]
        {
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::warn!("platform root certificates: {e}");
            }
            let (added, ignored) = roots.add_parsable_certificates(native.certs);
            tracing::debug!("platform root certificates: {added} added, {ignored} ignored");
        }
    }
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(ConnectError::Tls)?
        .with_root_certificates(roots);
    if let Some((chain, key)) = installed_client(opts, installed) {
        let config = builder.with_client_auth_cert(chain, key).map_err(|e| {
            ConnectError::InvalidOptions(format!("installed charge point certificate: {e}"))
        })?;
        return Ok(Arc::new(config));
    }
    let config = match (&opts.client_cert, &opts.client_key) {
        (Some(cert), Some(key_path)) => {
            let chain = read_certs(cert)?;
            let key = PrivateKeyDer::from_pem_file(key_path)
                .map_err(|e| tls_config_error(key_path, e.to_string()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| tls_config_error(key_path, e.to_string()))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(ConnectError::InvalidOptions(
                "client_cert and client_key must be set together".into(),
            ));
        }
    };
    Ok(Arc::new(config))
}

/// The installed charge point certificate and its key, when there is one and the key loads.
fn installed_client(
    opts: &ConnectOptions,
    installed: Option<&InstalledCertificates>,
) -> Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let (chain, key_id) = installed?.charge_point.as_ref()?;
    let loader = opts.client_key_loader.as_ref()?;
    let key = loader(*key_id);
    if key.is_none() {
        tracing::warn!("the key of the installed charge point certificate does not load");
    }
    Some((chain.clone(), key?))
}

/// What one connection attempt uses: see [`attempt_options`].
#[derive(Debug)]
pub struct Attempt<'o> {
    /// The options, with the URL scheme the profile needs.
    pub options: Cow<'o, ConnectOptions>,
    /// The TLS configuration (`None` for `ws://`).
    pub tls: Option<Arc<ClientConfig>>,
    /// The TLS configuration that trusts only the fallback CentralSystemRootCertificate, to try
    /// when the server's certificate does not verify with `tls` (M05.FR.13); `None` without a
    /// fallback root.
    pub fallback_tls: Option<Arc<ClientConfig>>,
}

/// The options and TLS configuration of one connection attempt with the charge point's
/// `SecurityProfile` (0-3) and installed certificates:
///
/// - profiles 2 and 3 are TLS (security whitepaper §2.4, §2.5): a `ws://` URL is used as
///   `wss://` (same host, port and path), so that a central system that raised the profile
///   with ChangeConfiguration.req is reached over TLS on the reconnect (A05.FR.07);
/// - profile 3 authenticates with a charge point certificate (A00.FR.401/402): without one
///   (installed, or [`ConnectOptions::client_cert`]) the attempt is refused before any I/O
///   (`InvalidOptions`), which counts as a failed attempt towards the profile's fallback
///   (A05.FR.08);
/// - the installed CentralSystemRootCertificates are the trust anchors, and a fallback root
///   kept by an `AdditionalRootCertificateCheck` replacement gets a configuration of its own
///   ([`Attempt::fallback_tls`], M05.FR.13).
pub fn attempt_options<'o>(
    opts: &'o ConnectOptions,
    security_profile: u8,
    installed: Option<&InstalledCertificates>,
) -> Result<Attempt<'o>, ConnectError> {
    let mut effective = Cow::Borrowed(opts);
    if security_profile >= 2 {
        if let Ok(mut url) = Url::parse(&opts.url) {
            if url.scheme() == "ws" && url.set_scheme("wss").is_ok() {
                effective.to_mut().url = url.to_string();
            }
        }
    }
    if security_profile >= 3
        && opts.client_cert.is_none()
        && installed_client(opts, installed).is_none()
    {
        return Err(ConnectError::InvalidOptions(
            "security profile 3 needs a charge point certificate (A00.FR.401)".into(),
        ));
    }
    let secure = Url::parse(&effective.url).is_ok_and(|u| u.scheme() == "wss");
    let (tls, fallback_tls) = if secure {
        (
            Some(tls_config_with(&effective, installed)?),
            fallback_tls_config(&effective, installed)?,
        )
    } else {
        (None, None)
    };
    Ok(Attempt {
        options: effective,
        tls,
        fallback_tls,
    })
}

fn tls_config_error(path: &Path, reason: String) -> ConnectError {
    ConnectError::TlsConfig {
        path: path.to_owned(),
        reason,
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_config_error(path, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls_config_error(path, e.to_string()))?;
    if certs.is_empty() {
        return Err(tls_config_error(path, "no certificate in the file".into()));
    }
    Ok(certs)
}

/// Opens a connection to the central system: resolves the host, connects over TCP, performs the
/// TLS handshake for `wss://`, then the WebSocket upgrade, asking for `ocpp1.6` and sending
/// `password` with HTTP Basic authentication when given. Refuses a central system that does not
/// agree to `ocpp1.6`.
///
/// Blocks at most about `opts.connect_timeout`, name resolution included. The returned socket has no
/// read timeout, and `opts.write_timeout` as its write timeout.
pub fn connect(opts: &ConnectOptions, password: Option<&str>) -> Result<WsStream, ConnectError> {
    let tls = if Url::parse(&opts.url).is_ok_and(|u| u.scheme() == "wss") {
        Some(tls_config(opts)?)
    } else {
        None
    };
    connect_with(opts, password, tls)
}

/// What a connection attempt needs, worked out from the options before any I/O.
pub(crate) struct Plan {
    pub url: Url,
    pub port: u16,
    /// Where to connect: an address, or a name to resolve.
    pub host: Host<String>,
    pub server_name: Option<ServerName<'static>>,
    pub request: tungstenite::handshake::client::Request,
    pub ws_config: WebSocketConfig,
}

impl Plan {
    pub fn new(opts: &ConnectOptions, password: Option<&str>) -> Result<Plan, ConnectError> {
        let url = connection_url(&opts.url, &opts.charge_point_id)?;
        let secure = url.scheme() == "wss";
        if !secure && (opts.client_cert.is_some() || opts.client_key.is_some()) {
            return Err(ConnectError::InvalidOptions(
                "a client certificate needs a wss:// URL".into(),
            ));
        }
        if password.is_some() && opts.charge_point_id.contains(':') {
            return Err(ConnectError::InvalidOptions(
                "a charge point id with ':' cannot be a Basic authentication user".into(),
            ));
        }
        let host = url
            .host()
            .ok_or_else(|| ConnectError::InvalidUrl("no host".into()))?
            .to_owned();
        let port = url
            .port_or_known_default()
            .unwrap_or(if secure { 443 } else { 80 });
        let server_name = if secure {
            Some(match &host {
                Host::Domain(name) => ServerName::try_from(name.clone())
                    .map_err(|e| ConnectError::InvalidUrl(format!("{name}: {e}")))?,
                Host::Ipv4(ip) => ServerName::IpAddress(IpAddr::V4(*ip).into()),
                Host::Ipv6(ip) => ServerName::IpAddress(IpAddr::V6(*ip).into()),
            })
        } else {
            None
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(ConnectError::Handshake)?;
        let headers = request.headers_mut();
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static(SUBPROTOCOL),
        );
        if let Some(password) = password {
            let mut value =
                HeaderValue::from_str(&basic_auth_header(&opts.charge_point_id, password))
                    .map_err(|e| {
                        ConnectError::InvalidOptions(format!("Basic authentication: {e}"))
                    })?;
            value.set_sensitive(true);
            headers.insert("Authorization", value);
        }
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(opts.max_message_size))
            .max_frame_size(Some(opts.max_message_size))
            .read_buffer_size(opts.read_buffer_size)
            // tungstenite asserts max_write_buffer_size (unbounded) > write_buffer_size.
            .write_buffer_size(opts.write_buffer_size.min(usize::MAX / 2));
        Ok(Plan {
            url,
            port,
            host,
            server_name,
            request,
            ws_config,
        })
    }

    /// The address of an IP host, or the name to resolve.
    pub fn address(&self) -> Result<SocketAddr, &str> {
        match &self.host {
            Host::Domain(name) => Err(name),
            Host::Ipv4(ip) => Ok(SocketAddr::new(IpAddr::V4(*ip), self.port)),
            Host::Ipv6(ip) => Ok(SocketAddr::new(IpAddr::V6(*ip), self.port)),
        }
    }
}

/// [`connect`] with a TLS configuration built beforehand (`None` for `ws://`).
pub fn connect_with(
    opts: &ConnectOptions,
    password: Option<&str>,
    tls: Option<Arc<ClientConfig>>,
) -> Result<WsStream, ConnectError> {
    let plan = Plan::new(opts, password)?;
    let deadline = StdInstant::now() + opts.connect_timeout;
    let addrs: Vec<SocketAddr> = match plan.address() {
        Ok(addr) => vec![addr],
        Err(name) => {
            let (host, port) = (name.to_owned(), plan.port);
            resolve_within(name, opts.connect_timeout, move || {
                (host.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect)
            })?
        }
    };
    let tcp = connect_tcp(&plan.url, &addrs, deadline)?;
    let _ = tcp.set_nodelay(true);

    let stream = match (tls, plan.server_name) {
        (Some(config), Some(server_name)) => {
            let mut conn = ClientConnection::new(config, server_name).map_err(ConnectError::Tls)?;
            let mut tcp = tcp;
            while conn.is_handshaking() {
                set_timeouts(&tcp, deadline, "TLS handshake")?;
                if let Err(e) = conn.complete_io(&mut tcp) {
                    return Err(io_error("TLS handshake", e));
                }
            }
            Stream::Tls(Box::new(StreamOwned::new(conn, tcp)))
        }
        (None, Some(_)) => {
            return Err(ConnectError::InvalidOptions(
                "a wss:// URL needs a TLS configuration".into(),
            ));
        }
        (_, None) => Stream::Plain(tcp),
    };
    set_timeouts(stream.tcp(), deadline, "WebSocket handshake")?;

    let ws =
        match tungstenite::client::client_with_config(plan.request, stream, Some(plan.ws_config)) {
            Ok((ws, _response)) => ws,
            Err(HandshakeError::Interrupted(_)) => {
                return Err(ConnectError::Timeout("WebSocket handshake"));
            }
            Err(HandshakeError::Failure(e)) => return Err(handshake_error(e)),
        };
    let write_timeout = Some(opts.write_timeout).filter(|d| !d.is_zero());
    let tcp = ws.get_ref().tcp();
    tcp.set_read_timeout(None)
        .and_then(|()| tcp.set_write_timeout(write_timeout))
        .map_err(|source| ConnectError::Io {
            stage: "WebSocket handshake",
            source,
        })?;
    Ok(ws)
}

/// Runs the blocking name resolution `resolve` (the system's `getaddrinfo`, which has no
/// timeout of its own and can block for tens of seconds when no DNS server answers) on a thread
/// of its own, and waits at most `timeout` for it: a charge point whose DNS is down retries with
/// its backoff instead of hanging. A resolution that outlives the wait finishes on its thread and
/// its result is dropped.
fn resolve_within(
    name: &str,
    timeout: Duration,
    resolve: impl FnOnce() -> io::Result<Vec<SocketAddr>> + Send + 'static,
) -> Result<Vec<SocketAddr>, ConnectError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("ocpp-resolve".into())
        .spawn(move || {
            let _ = tx.send(resolve());
        });
    if let Err(source) = spawned {
        return Err(ConnectError::Resolve {
            host: name.to_owned(),
            source,
        });
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(source)) => Err(ConnectError::Resolve {
            host: name.to_owned(),
            source,
        }),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(ConnectError::Timeout("name resolution"))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(ConnectError::Resolve {
            host: name.to_owned(),
            source: io::Error::other("the resolver thread ended without an answer"),
        }),
    }
}

fn connect_tcp(
    url: &Url,
    addrs: &[SocketAddr],
    deadline: StdInstant,
) -> Result<TcpStream, ConnectError> {
    let mut last = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(StdInstant::now());
        if left.is_zero() {
            return Err(ConnectError::Timeout("TCP connect"));
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(s) => return Ok(s),
            Err(source) => {
                tracing::debug!("connect to {addr} for {url} failed: {source}");
                last = Some((*addr, source));
            }
        }
    }
    match last {
        Some((addr, source)) => Err(ConnectError::Connect { addr, source }),
        None => Err(ConnectError::Resolve {
            host: url.host_str().unwrap_or_default().to_owned(),
            source: io::Error::new(io::ErrorKind::NotFound, "no address"),
        }),
    }
}

fn set_timeouts(
    tcp: &TcpStream,
    deadline: StdInstant,
    stage: &'static str,
) -> Result<(), ConnectError> {
    let left = deadline.saturating_duration_since(StdInstant::now());
    if left.is_zero() {
        return Err(ConnectError::Timeout(stage));
    }
    let left = left.max(Duration::from_millis(1));
    tcp.set_read_timeout(Some(left))
        .and_then(|()| tcp.set_write_timeout(Some(left)))
        .map_err(|source| ConnectError::Io { stage, source })
}

/// An I/O error that may carry a rustls error (rustls reports TLS failures through `io::Error`).
pub(crate) fn io_error(stage: &'static str, e: io::Error) -> ConnectError {
    if matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        return ConnectError::Timeout(stage);
    }
    if e.get_ref()
        .is_some_and(<dyn std::error::Error + Send + Sync>::is::<rustls::Error>)
    {
        if let Some(Ok(tls)) = e
            .into_inner()
            .map(<dyn std::error::Error + Send + Sync>::downcast::<rustls::Error>)
        {
            return ConnectError::Tls(*tls);
        }
        return ConnectError::Io {
            stage,
            source: io::Error::other("TLS error"),
        };
    }
    ConnectError::Io { stage, source: e }
}

pub(crate) fn handshake_error(e: tungstenite::Error) -> ConnectError {
    const STAGE: &str = "WebSocket handshake";
    match e {
        tungstenite::Error::Http(response) => {
            let status = response.status().as_u16();
            if status == 401 || status == 403 {
                ConnectError::CredentialsRejected { status }
            } else {
                ConnectError::HttpStatus { status }
            }
        }
        tungstenite::Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(sub)) => {
            ConnectError::SubprotocolRefused(match sub {
                SubProtocolError::NoSubProtocol => "the answer names no subprotocol",
                SubProtocolError::InvalidSubProtocol => "the answer names another subprotocol",
                SubProtocolError::ServerSentSubProtocolNoneRequested => {
                    "the answer names a subprotocol that was not requested"
                }
            })
        }
        tungstenite::Error::Io(e) => io_error(STAGE, e),
        other => ConnectError::Handshake(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver that does not answer (DNS down) costs the attempt `connect_timeout`, not the
    /// resolver's own tens of seconds.
    #[test]
    fn a_hanging_name_resolution_times_out() {
        let started = StdInstant::now();
        let result = resolve_within("csms.example", Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(3));
            Ok(Vec::new())
        });
        assert!(matches!(
            result,
            Err(ConnectError::Timeout("name resolution"))
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn name_resolution_answers_and_errors_pass_through() {
        let addr: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        let ok = resolve_within("localhost", Duration::from_secs(5), move || Ok(vec![addr]));
        assert_eq!(ok.unwrap(), vec![addr]);
        let err = resolve_within("nowhere.invalid", Duration::from_secs(5), || {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such host"))
        });
        assert!(
            matches!(err, Err(ConnectError::Resolve { host, .. }) if host == "nowhere.invalid")
        );
    }

    #[test]
    fn connection_urls() {
        let u = |base, id| connection_url(base, id).map(|u| u.to_string());
        assert_eq!(
            u("ws://127.0.0.1:9000/ocpp", "CP-1").unwrap(),
            "ws://127.0.0.1:9000/ocpp/CP-1"
        );
        assert_eq!(
            u("ws://127.0.0.1:9000/ocpp/", "CP-1").unwrap(),
            "ws://127.0.0.1:9000/ocpp/CP-1"
        );
        assert_eq!(
            u("ws://127.0.0.1:9000", "CP-1").unwrap(),
            "ws://127.0.0.1:9000/CP-1"
        );
        assert_eq!(
            u("ws://127.0.0.1:9000/", "CP-1").unwrap(),
            "ws://127.0.0.1:9000/CP-1"
        );
        // OCPP-J §3.1.1, example 2.
        assert_eq!(
            u("wss://centralsystem.example.com/ocppj", "RDAM 123").unwrap(),
            "wss://centralsystem.example.com/ocppj/RDAM%20123"
        );
        assert_eq!(
            u("ws://127.0.0.1/a/b", "x/y?z#%").unwrap(),
            "ws://127.0.0.1/a/b/x%2Fy%3Fz%23%25"
        );
        assert_eq!(
            u("ws://127.0.0.1/ocpp?tenant=1", "CP").unwrap(),
            "ws://127.0.0.1/ocpp/CP?tenant=1"
        );
        assert!(matches!(
            u("http://127.0.0.1/", "CP"),
            Err(ConnectError::InvalidUrl(_))
        ));
        assert!(matches!(
            u("ws://127.0.0.1/", ""),
            Err(ConnectError::InvalidUrl(_))
        ));
        assert!(matches!(
            u("not a url", "CP"),
            Err(ConnectError::InvalidUrl(_))
        ));
    }

    #[test]
    fn basic_auth() {
        // RFC 7617 §2's example, with the charge point id as the user.
        assert_eq!(
            basic_auth_header("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }
}
