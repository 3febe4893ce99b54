//! A loopback central system for the tests: tungstenite's server side on 127.0.0.1, with
//! subprotocol and Basic-auth checks, optional TLS (rustls, certificates made by rcgen at test
//! time), and a scripted responder; plus a recording `Hooks` for the charge point side.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::missing_panics_doc
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ocpp_core::charge_point::{Action, ChargePoint, MemoryStorage, Setup, Storage};
use ocpp_tungstenite::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use ocpp_tungstenite::rustls::server::WebPkiClientVerifier;
use ocpp_tungstenite::rustls::{self, RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use ocpp_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use ocpp_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use ocpp_tungstenite::tungstenite::{self, Message, WebSocket};
use ocpp_tungstenite::{
    Connection, Disconnect, Hooks, LinkEvent, ReconnectPolicy, basic_auth_header,
};
use serde_json::{Value, json};

/// The charge point storage of the tests.
pub type Cp = ChargePoint<MemoryStorage<16384>>;

/// A charge point on `conn`'s clock.
pub fn new_cp(conn: &Connection) -> Box<Cp> {
    let mut scratch = vec![0u8; 16 * 1024];
    Box::new(ChargePoint::new(
        Setup::new("V", "M", 1),
        MemoryStorage::<16384>::new(),
        conn.now(),
        &mut scratch,
    ))
}

/// Reconnects quickly, for tests.
pub fn fast_reconnect() -> ReconnectPolicy {
    ReconnectPolicy {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(400),
        jitter: 0.25,
    }
}

/// Logs to the test output when RUST_LOG is set.
pub fn init_logging() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

pub trait ReadWrite: Read + Write + Send {}
impl<T: Read + Write + Send> ReadWrite for T {}

pub type ServerWs = WebSocket<Box<dyn ReadWrite>>;

/// What the server answers to the client's `Sec-WebSocket-Protocol`.
#[derive(Clone, Debug)]
pub enum Subprotocol {
    /// `ocpp1.6` when offered.
    Agree,
    /// No `Sec-WebSocket-Protocol` header.
    Omit,
    /// This one, whatever was offered.
    Other(&'static str),
}

#[derive(Clone)]
pub struct ServerOptions {
    pub subprotocol: Subprotocol,
    /// (user, password) expected in HTTP Basic auth; anything else gets 401.
    pub basic_auth: Option<(String, String)>,
    /// Answer the upgrade with this HTTP status instead.
    pub status: Option<u16>,
    pub tls: Option<Arc<ServerConfig>>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            subprotocol: Subprotocol::Agree,
            basic_auth: None,
            status: None,
            tls: None,
        }
    }
}

/// One accepted WebSocket connection, central system side.
pub struct Accepted {
    /// 0 for the first connection, 1 for the second, ...
    pub index: usize,
    pub path: String,
    pub authorization: Option<String>,
    pub ws: ServerWs,
    tcp: TcpStream,
}

/// A frame received by the central system.
#[derive(Debug, Clone)]
pub struct Received {
    pub connection: usize,
    pub frame: Value,
}

/// Everything the server saw.
#[derive(Default)]
pub struct ServerLog {
    pub frames: Mutex<Vec<Received>>,
    pub handshake_failures: Mutex<Vec<String>>,
    pub pings: AtomicUsize,
}

impl ServerLog {
    /// The actions of the CALLs received, in order, with their connection index.
    pub fn calls(&self) -> Vec<(usize, String, Value)> {
        self.frames
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.frame[0] == 2)
            .map(|r| {
                (
                    r.connection,
                    r.frame[2].as_str().unwrap_or_default().to_owned(),
                    r.frame[3].clone(),
                )
            })
            .collect()
    }

    pub fn actions(&self) -> Vec<String> {
        self.calls().into_iter().map(|(_, a, _)| a).collect()
    }
}

pub struct TestServer {
    pub port: u16,
    pub tls: bool,
    pub log: Arc<ServerLog>,
    pub connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TestServer {
    /// Listens on 127.0.0.1 (a free port) and runs `handler` on a thread for each connection
    /// that completes the WebSocket handshake.
    pub fn start<F>(options: ServerOptions, handler: F) -> TestServer
    where
        F: Fn(Accepted, &ServerLog) + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(ServerLog::default());
        let connections = Arc::new(AtomicUsize::new(0));
        let handler = Arc::new(handler);
        let tls = options.tls.is_some();
        {
            let stop = stop.clone();
            let log = log.clone();
            let connections = connections.clone();
            thread::spawn(move || {
                for tcp in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(tcp) = tcp else { continue };
                    let options = options.clone();
                    let log = log.clone();
                    let handler = handler.clone();
                    let connections = connections.clone();
                    thread::spawn(move || {
                        serve_connection(tcp, &options, &log, &connections, &*handler);
                    });
                }
            });
        }
        TestServer {
            port,
            tls,
            log,
            connections,
            stop,
        }
    }

    /// The OCPP-J endpoint URL.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}/ocpp", self.port)
    }

    /// Connections that completed the WebSocket handshake.
    pub fn accepted(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_connection(
    tcp: TcpStream,
    options: &ServerOptions,
    log: &ServerLog,
    connections: &AtomicUsize,
    handler: &(dyn Fn(Accepted, &ServerLog) + Send + Sync),
) {
    let control = tcp.try_clone().unwrap();
    control
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let stream: Box<dyn ReadWrite> = match &options.tls {
        Some(config) => Box::new(StreamOwned::new(
            ServerConnection::new(config.clone()).unwrap(),
            tcp,
        )),
        None => Box::new(tcp),
    };
    let seen: Arc<Mutex<(String, Option<String>)>> = Arc::default();
    let callback = {
        let seen = seen.clone();
        move |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
            let auth = request
                .headers()
                .get("Authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            *seen.lock().unwrap() = (request.uri().path().to_owned(), auth.clone());
            if let Some(status) = options.status {
                let mut e = ErrorResponse::new(None);
                *e.status_mut() = StatusCode::from_u16(status).unwrap();
                return Err(e);
            }
            if let Some((user, password)) = &options.basic_auth {
                if auth.as_deref() != Some(basic_auth_header(user, password).as_str()) {
                    let mut e = ErrorResponse::new(Some("bad credentials".into()));
                    *e.status_mut() = StatusCode::UNAUTHORIZED;
                    e.headers_mut().insert(
                        "WWW-Authenticate",
                        HeaderValue::from_static("Basic realm=\"ocpp\""),
                    );
                    return Err(e);
                }
            }
            let offered = request
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let chosen = match options.subprotocol {
                Subprotocol::Agree => offered
                    .split(',')
                    .map(str::trim)
                    .any(|p| p == "ocpp1.6")
                    .then_some("ocpp1.6"),
                Subprotocol::Omit => None,
                Subprotocol::Other(p) => Some(p),
            };
            if let Some(p) = chosen {
                response
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
            }
            Ok(response)
        }
    };
    match tungstenite::accept_hdr(stream, callback) {
        Ok(ws) => {
            let index = connections.fetch_add(1, Ordering::SeqCst);
            let (path, authorization) = seen.lock().unwrap().clone();
            handler(
                Accepted {
                    index,
                    path,
                    authorization,
                    ws,
                    tcp: control,
                },
                log,
            );
        }
        Err(e) => log.handshake_failures.lock().unwrap().push(e.to_string()),
    }
}

/// What to do with a CALL in [`Accepted::serve`].
pub enum Reply {
    /// The canned answer.
    Answer,
    /// This payload.
    With(Value),
    /// No answer: drop the TCP connection now.
    Drop,
    /// No answer: stop serving, keep the connection (the handler decides).
    Stop,
}

impl Accepted {
    /// The next message, or `None` after `timeout` or when the connection ends.
    pub fn recv(&mut self, timeout: Duration) -> Option<Message> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.tcp.set_read_timeout(Some(left)).unwrap();
            match self.ws.read() {
                Ok(m) => return Some(m),
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
    }

    /// The next text frame as JSON (pings are answered and counted), or `None`.
    pub fn recv_frame(&mut self, log: &ServerLog, timeout: Duration) -> Option<Value> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.recv(left)? {
                Message::Text(t) => {
                    let frame: Value = serde_json::from_str(t.as_str()).unwrap();
                    log.frames.lock().unwrap().push(Received {
                        connection: self.index,
                        frame: frame.clone(),
                    });
                    return Some(frame);
                }
                Message::Ping(_) => {
                    log.pings.fetch_add(1, Ordering::SeqCst);
                    let _ = self.ws.flush();
                }
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    pub fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_owned())).unwrap();
    }

    /// Answers every CALL with `decide`'s choice until it says `Stop` or `Drop`, the connection
    /// ends, or `timeout` passes. Returns the frame that ended it, if any.
    pub fn serve(
        &mut self,
        log: &ServerLog,
        timeout: Duration,
        mut decide: impl FnMut(&str, &Value) -> Reply,
    ) -> Option<Value> {
        let end = Instant::now() + timeout;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let frame = self.recv_frame(log, left)?;
            if frame[0] != 2 {
                continue;
            }
            let id = frame[1].as_str().unwrap().to_owned();
            let action = frame[2].as_str().unwrap().to_owned();
            match decide(&action, &frame[3]) {
                Reply::Answer => {
                    let payload = canned(&action);
                    self.send_text(&json!([3, id, payload]).to_string());
                }
                Reply::With(payload) => self.send_text(&json!([3, id, payload]).to_string()),
                Reply::Drop => {
                    let _ = self.tcp.shutdown(std::net::Shutdown::Both);
                    return Some(frame);
                }
                Reply::Stop => return Some(frame),
            }
        }
    }

    /// Drops the TCP connection without a close frame.
    pub fn drop_tcp(&self) {
        let _ = self.tcp.shutdown(std::net::Shutdown::Both);
    }
}

/// A central system that, on the first connection, accepts the boot, then sends `bad` and
/// records the close code the charge point answers with (`None` until it does); later
/// connections are served as usual. For the RFC 6455 §7.4.1 tests of both drivers.
pub fn sends_then_records_close(
    bad: Message,
    timeout: Duration,
) -> (TestServer, Arc<Mutex<Option<u16>>>) {
    let code = Arc::new(Mutex::new(None));
    let seen = code.clone();
    let server = TestServer::start(ServerOptions::default(), move |mut conn, log| {
        if conn.index > 0 {
            conn.serve(log, timeout, |_, _| Reply::Answer);
            return;
        }
        conn.serve(log, timeout, |action, _| {
            if action == "BootNotification" {
                Reply::Stop
            } else {
                Reply::Answer
            }
        });
        conn.ws.send(bad.clone()).unwrap();
        while let Some(m) = conn.recv(timeout) {
            if let Message::Close(frame) = m {
                *seen.lock().unwrap() = frame.map(|f| u16::from(f.code));
                break;
            }
        }
    });
    (server, code)
}

/// The central system's canned answer to `action`.
pub fn canned(action: &str) -> Value {
    let now = "2025-01-01T00:00:00Z";
    match action {
        "BootNotification" => json!({"status": "Accepted", "currentTime": now, "interval": 300}),
        "Heartbeat" => json!({"currentTime": now}),
        "Authorize" | "StopTransaction" => json!({"idTagInfo": {"status": "Accepted"}}),
        "StartTransaction" => json!({"transactionId": 42, "idTagInfo": {"status": "Accepted"}}),
        "DataTransfer" => json!({"status": "Accepted"}),
        _ => json!({}),
    }
}

/// Records what the driver tells the hooks.
#[derive(Debug, Default)]
pub struct Recorder {
    pub connected: usize,
    pub disconnects: Vec<String>,
    pub connect_errors: Vec<String>,
    pub actions: Vec<Action>,
    pub closed: bool,
    pub pong_timeouts: usize,
}

impl<S: Storage> Hooks<S> for Recorder {
    fn on_action(
        &mut self,
        _: &mut ChargePoint<S>,
        action: Action,
        _: ocpp_core::charge_point::Instant,
    ) {
        self.actions.push(action);
    }

    fn on_link(&mut self, event: &LinkEvent<'_>) {
        match event {
            LinkEvent::Connected { .. } => self.connected += 1,
            LinkEvent::ConnectFailed { error, .. } => {
                self.connect_errors.push(format!("{error:?}"));
            }
            LinkEvent::Disconnected { reason, retry_in } => {
                if matches!(reason, Disconnect::PongTimeout) {
                    self.pong_timeouts += 1;
                }
                if retry_in.is_none() {
                    self.closed = true;
                }
                self.disconnects.push(reason.to_string());
            }
            _ => {}
        }
    }
}

/// Test certificates: a CA, a server certificate for 127.0.0.1 and localhost, a client
/// certificate, all signed by the CA; and another CA that signed nothing we use.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca_pem: PathBuf,
    pub other_ca_pem: PathBuf,
    pub client_cert_pem: PathBuf,
    pub client_key_pem: PathBuf,
    /// A client certificate signed by the other CA.
    pub rogue_cert_pem: PathBuf,
    pub rogue_key_pem: PathBuf,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
    ca_der: CertificateDer<'static>,
}

fn make_ca(name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert, key)
}

fn leaf(
    names: &[&str],
    cn: &str,
    usage: rcgen::ExtendedKeyUsagePurpose,
    issuer: &(rcgen::Certificate, rcgen::KeyPair),
) -> (rcgen::Certificate, rcgen::KeyPair) {
    let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.extended_key_usages = vec![usage];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer.0, &issuer.1).unwrap();
    (cert, key)
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca = make_ca("OCPP test CA");
        let other = make_ca("Another CA");
        let server = leaf(
            &["127.0.0.1", "localhost"],
            "central system",
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            &ca,
        );
        let client = leaf(&[], "CP-1", rcgen::ExtendedKeyUsagePurpose::ClientAuth, &ca);
        let rogue = leaf(
            &[],
            "CP-1",
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            &other,
        );
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Pki {
            ca_pem: write("ca.pem", ca.0.pem()),
            other_ca_pem: write("other-ca.pem", other.0.pem()),
            client_cert_pem: write("client.pem", client.0.pem()),
            client_key_pem: write("client.key", client.1.serialize_pem()),
            rogue_cert_pem: write("rogue.pem", rogue.0.pem()),
            rogue_key_pem: write("rogue.key", rogue.1.serialize_pem()),
            server_chain: vec![server.0.der().clone(), ca.0.der().clone()],
            server_key: server.1.serialize_der(),
            ca_der: ca.0.der().clone(),
            dir,
        }
    }

    fn provider() -> Arc<rustls::crypto::CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()))
    }

    /// TLS without client authentication (profile 2).
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::new(
            ServerConfig::builder_with_provider(Self::provider())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(self.server_chain.clone(), self.key())
                .unwrap(),
        )
    }

    /// TLS that requires a client certificate signed by the CA (profile 3).
    pub fn server_config_mtls(&self) -> Arc<ServerConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_der.clone()).unwrap();
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Self::provider())
                .build()
                .unwrap();
        Arc::new(
            ServerConfig::builder_with_provider(Self::provider())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_client_cert_verifier(verifier)
                .with_single_cert(self.server_chain.clone(), self.key())
                .unwrap(),
        )
    }
}

/// A central system that answers everything with the canned answers for `timeout`.
pub fn serve_all(timeout: Duration) -> impl Fn(Accepted, &ServerLog) + Send + Sync + 'static {
    move |mut conn, log| {
        conn.serve(log, timeout, |_, _| Reply::Answer);
    }
}
