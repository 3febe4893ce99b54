//! The async driver on tokio (feature `tokio`): [`AsyncConnection`], the same loop as
//! [`Connection`](crate::Connection) as a task, for thousands of charge points in one process.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use ocpp_core::charge_point::io::{Input, Output};
use std::cell::RefCell;

use ocpp_core::charge_point::{Action, ChargePoint, Instant, Storage};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::{Instant as TokioInstant, sleep_until, timeout_at};
use tokio_tungstenite::WebSocketStream;
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;

use crate::connect::{Plan, handshake_error, io_error, tls_config};
use crate::driver::{
    Clock, Command, Control, Hooks, LinkEvent, Tx, log_frame, millis, next_delay, password,
    security_event,
};
use crate::error::{ConnectError, Disconnect, close_for};
use crate::options::ConnectOptions;

/// The transport under an async WebSocket: TCP or TLS over TCP.
pub trait AsyncIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncIo for T {}

impl std::fmt::Debug for dyn AsyncIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsyncIo")
    }
}

/// An async WebSocket connection to the central system.
pub type AsyncWsStream = WebSocketStream<Box<dyn AsyncIo>>;

/// [`connect`](crate::connect()) for tokio: the same steps, checks and errors; the whole attempt,
/// name resolution included, is bounded by `connect_timeout`.
pub async fn connect_async(
    opts: &ConnectOptions,
    password: Option<&str>,
) -> Result<AsyncWsStream, ConnectError> {
    let tls = if url::Url::parse(&opts.url).is_ok_and(|u| u.scheme() == "wss") {
        Some(tls_config(opts)?)
    } else {
        None
    };
    connect_async_with(opts, password, tls).await
}

/// [`connect_async`] with a TLS configuration built beforehand (`None` for `ws://`), as
/// [`connect_with`](crate::connect_with) is for [`connect`](crate::connect()).
pub async fn connect_async_with(
    opts: &ConnectOptions,
    password: Option<&str>,
    tls: Option<std::sync::Arc<rustls::ClientConfig>>,
) -> Result<AsyncWsStream, ConnectError> {
    let plan = Plan::new(opts, password)?;
    let deadline = TokioInstant::now() + opts.connect_timeout;
    let addrs: Vec<SocketAddr> = match plan.address() {
        Ok(addr) => vec![addr],
        Err(name) => timeout_at(deadline, tokio::net::lookup_host((name, plan.port)))
            .await
            .map_err(|_| ConnectError::Timeout("name resolution"))?
            .map_err(|source| ConnectError::Resolve {
                host: name.to_owned(),
                source,
            })?
            .collect(),
    };
    let mut last = None;
    let mut tcp = None;
    for addr in addrs {
        match timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
            Err(_) => return Err(ConnectError::Timeout("TCP connect")),
            Ok(Ok(s)) => {
                tcp = Some(s);
                break;
            }
            Ok(Err(source)) => last = Some(ConnectError::Connect { addr, source }),
        }
    }
    let Some(tcp) = tcp else {
        return Err(last.unwrap_or_else(|| ConnectError::Resolve {
            host: plan.url.host_str().unwrap_or_default().to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no address"),
        }));
    };
    let _ = tcp.set_nodelay(true);
    let stream: Box<dyn AsyncIo> = match (tls, plan.server_name) {
        (Some(config), Some(name)) => {
            let connector = tokio_rustls::TlsConnector::from(config);
            match timeout_at(deadline, connector.connect(name, tcp)).await {
                Err(_) => return Err(ConnectError::Timeout("TLS handshake")),
                Ok(Err(e)) => return Err(io_error("TLS handshake", e)),
                Ok(Ok(s)) => Box::new(s),
            }
        }
        _ => Box::new(tcp),
    };
    let handshake =
        tokio_tungstenite::client_async_with_config(plan.request, stream, Some(plan.ws_config));
    match timeout_at(deadline, handshake).await {
        Err(_) => Err(ConnectError::Timeout("WebSocket handshake")),
        Ok(Err(e)) => Err(handshake_error(e)),
        Ok(Ok((ws, _response))) => Ok(ws),
    }
}

/// A write that must be done within `limit` (zero: no limit).
async fn bounded(
    limit: Duration,
    write: impl Future<Output = Result<(), tungstenite::Error>>,
) -> Result<(), tungstenite::Error> {
    if limit.is_zero() {
        return write.await;
    }
    match tokio::time::timeout(limit, write).await {
        Ok(result) => result,
        Err(_) => Err(tungstenite::Error::Io(std::io::ErrorKind::TimedOut.into())),
    }
}

thread_local! {
    /// The transmit buffer of every [`AsyncConnection`] of the thread. A frame is written into
    /// it by `poll_output` and copied into its WebSocket message at once, before any await, so
    /// one buffer per thread serves all the charge points of a fleet instead of one each (the
    /// default 64 KiB, times tens of thousands).
    static TRANSMIT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// One output of the charge point, owning its frame (the transmit buffer is shared).
enum Out {
    Frame(String),
    Action(Action),
    Timeout(Option<Instant>),
}

/// The charge point's next output, written into the thread's transmit buffer of `size` bytes.
fn next_output<S: Storage>(cp: &mut ChargePoint<S>, now: Instant, size: usize) -> Out {
    let poll = |cp: &mut ChargePoint<S>, buf: &mut [u8]| match cp.poll_output(now, buf) {
        Output::Transmit(frame) => Out::Frame(frame.to_owned()),
        Output::Action(action) => Out::Action(action),
        Output::Timeout(t) => Out::Timeout(t),
    };
    TRANSMIT.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < size {
                buf.resize(size, 0);
            }
            let buf = buf.get_mut(..size).unwrap_or_default();
            poll(cp, buf)
        }
        // Not reentered (nothing runs between the poll and the copy); a buffer of its own if so.
        Err(_) => poll(cp, &mut vec![0; size]),
    })
}

/// How a turn of the offline wait ended.
enum Offline {
    Retry,
    Close,
}

/// An async connection to the central system for one charge point: the same behaviour as
/// [`Connection`](crate::Connection) (reconnects with backoff, pings, clean close, [`Control`]),
/// run as a tokio task. [`Hooks`] are called inline: they must not block.
///
/// ```no_run
/// # async fn example() {
/// use ocpp_core::charge_point::{Action, ChargePoint, MemoryStorage, Setup};
/// use ocpp_tungstenite::{AsyncConnection, ConnectOptions};
///
/// for n in 0..1000 {
///     tokio::spawn(async move {
///         let opts = ConnectOptions::new("ws://127.0.0.1:9000/ocpp", format!("CP-{n}"));
///         let mut conn = AsyncConnection::new(opts);
///         let mut scratch = vec![0u8; 16 * 1024]; // records are read into it while restoring
///         let mut cp = Box::new(ChargePoint::new(
///             Setup::new("Vendor", "Model", 1),
///             MemoryStorage::<16384>::new(),
///             conn.now(),
///             &mut scratch,
///         ));
///         conn.run(&mut cp, &mut |_action: Action| {}).await;
///     });
/// }
/// # }
/// ```
pub struct AsyncConnection {
    opts: ConnectOptions,
    url: String,
    clock: Clock,
    failures: u32,
    attempt: u32,
    tx: UnboundedSender<Command>,
    rx: UnboundedReceiver<Command>,
    /// The size of the transmit buffer (`transmit_buffer_size`); the buffer is the thread's
    /// (see [`TRANSMIT`]).
    buf_size: usize,
    closed: bool,
    /// The deadline of the charge point's last `Output::Timeout` (at first: now, to give it a
    /// first Timeout input).
    deadline: Option<Instant>,
}

impl std::fmt::Debug for AsyncConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("url", &self.url)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl AsyncConnection {
    /// A connection with its own clock.
    pub fn new(opts: ConnectOptions) -> Self {
        AsyncConnection::with_clock(opts, Clock::new())
    }

    /// A connection on `clock`.
    pub fn with_clock(opts: ConnectOptions, clock: Clock) -> Self {
        let url = crate::connect::connection_url(&opts.url, &opts.charge_point_id)
            .map_or_else(|_| opts.url.clone(), |u| u.to_string());
        let (tx, rx) = unbounded_channel();
        let buf_size = opts.transmit_buffer_size.max(1024);
        AsyncConnection {
            opts,
            url,
            clock,
            failures: 0,
            attempt: 0,
            tx,
            rx,
            buf_size,
            closed: false,
            deadline: Some(Instant(0)),
        }
    }

    /// The time now on this connection's clock.
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// A handle to inject events and to close or reconnect.
    pub fn control(&self) -> Control {
        Control {
            tx: Tx::Tokio(self.tx.clone()),
        }
    }

    /// The connection URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Runs until [`Control::close`]: connects, serves, reconnects.
    pub async fn run<S: Storage, H: Hooks<S>>(&mut self, cp: &mut ChargePoint<S>, hooks: &mut H) {
        while !self.closed {
            self.attempt = self.attempt.saturating_add(1);
            let password = password(&self.opts, cp);
            hooks.on_link(&LinkEvent::Connecting {
                url: &self.url,
                attempt: self.attempt,
            });
            // Boxed: the attempt's state (request, handshake) is held only while connecting, not
            // for the connection's whole life in every charge point's task.
            let result = match crate::driver::attempt(&self.opts, cp, password.is_some()) {
                Ok(a) => {
                    let first =
                        Box::pin(connect_async_with(&a.options, password.as_deref(), a.tls)).await;
                    match first {
                        // M05.FR.13, as in the blocking driver.
                        Err(e)
                            if e.is_server_certificate_rejected() && a.fallback_tls.is_some() =>
                        {
                            match Box::pin(connect_async_with(
                                &a.options,
                                password.as_deref(),
                                a.fallback_tls,
                            ))
                            .await
                            {
                                Ok(ws) => {
                                    cp.fallback_root_used();
                                    Ok(ws)
                                }
                                Err(_) => Err(e),
                            }
                        }
                        r => r,
                    }
                }
                Err(e) => Err(e),
            };
            let now = self.now();
            let retry_in = match result {
                Ok(ws) => {
                    tracing::info!(cp = %self.opts.charge_point_id, url = %self.url, "connected");
                    self.failures = 0;
                    self.attempt = 0;
                    // Drained at the top of `serve`'s loop.
                    self.input(cp, Input::Connected, now);
                    hooks.on_link(&LinkEvent::Connected { url: &self.url });
                    let reason = self.serve(cp, hooks, ws).await;
                    let now = self.now();
                    // Drained at once, and then at the top of `offline`'s loop.
                    self.input(cp, Input::Disconnected, now);
                    self.drain_offline(cp, hooks, now);
                    if matches!(reason, Disconnect::Closed) {
                        self.stop(hooks);
                        return;
                    }
                    let retry_in = if matches!(reason, Disconnect::Requested) {
                        Duration::ZERO
                    } else {
                        next_delay(&self.opts, &mut self.failures)
                    };
                    tracing::warn!(
                        cp = %self.opts.charge_point_id,
                        "disconnected: {reason}; next attempt in {retry_in:?}"
                    );
                    hooks.on_link(&LinkEvent::Disconnected {
                        reason: &reason,
                        retry_in: Some(retry_in),
                    });
                    retry_in
                }
                Err(error) => {
                    let retry_in = next_delay(&self.opts, &mut self.failures);
                    tracing::warn!(
                        cp = %self.opts.charge_point_id, url = %self.url,
                        "connection failed: {error}; next attempt in {retry_in:?}"
                    );
                    // Queued (and stored) before the hooks hear of the failure: they may close.
                    if let Some((kind, tech_info)) = security_event(&self.opts, &error) {
                        let input = Input::SecurityEvent {
                            kind,
                            tech_info: Some(&tech_info),
                        };
                        self.input(cp, input, now);
                        self.drain_offline(cp, hooks, now);
                    }
                    // Counts toward the fallback of a raised SecurityProfile (A05.FR.08).
                    self.input(cp, Input::ConnectFailed, now);
                    self.drain_offline(cp, hooks, now);
                    hooks.on_link(&LinkEvent::ConnectFailed {
                        error: &error,
                        retry_in,
                    });
                    retry_in
                }
            };
            if let Offline::Close = self.offline(cp, hooks, retry_in).await {
                self.stop(hooks);
            }
        }
    }

    fn stop<S: Storage, H: Hooks<S>>(&mut self, hooks: &mut H) {
        self.closed = true;
        tracing::info!(cp = %self.opts.charge_point_id, "connection closed");
        hooks.on_link(&LinkEvent::Disconnected {
            reason: &Disconnect::Closed,
            retry_in: None,
        });
    }

    /// Waits `retry_in` while disconnected, running the charge point's timers and commands.
    async fn offline<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        retry_in: Duration,
    ) -> Offline {
        let until = self.now().add_millis(millis(retry_in));
        loop {
            let now = self.now();
            // The last input (a command) first.
            self.drain_offline(cp, hooks, now);
            hooks.on_tick(cp, now);
            while let Some(event) = hooks.poll_event(cp, now) {
                self.input(cp, Input::Event(event), now);
                self.drain_offline(cp, hooks, now);
            }
            if self.deadline.is_some_and(|t| t <= now) {
                self.input(cp, Input::Timeout, now);
                self.drain_offline(cp, hooks, now);
            }
            if now >= until {
                return Offline::Retry;
            }
            let mut wake = until.min(now.add_millis(millis(self.opts.poll_interval)));
            if let Some(t) = self.deadline {
                wake = wake.min(t);
            }
            if let Some(t) = hooks.wake_at() {
                wake = wake.min(t);
            }
            let at = TokioInstant::now() + Duration::from_millis(wake.since(now));
            tokio::select! {
                cmd = self.rx.recv() => match cmd {
                    Some(Command::Event(event)) => {
                        let now = self.clock.now();
                        self.input(cp, Input::Event(*event), now);
                    }
                    Some(Command::Reconnect) => return Offline::Retry,
                    Some(Command::Close) => return Offline::Close,
                    Some(Command::Wake) | None => {}
                },
                () = sleep_until(at) => {}
            }
        }
    }

    /// Feeds one input to the charge point; the caller drains right after.
    fn input<S: Storage>(&mut self, cp: &mut ChargePoint<S>, input: Input<'_>, now: Instant) {
        if let Err(refused) = cp.handle_input(input, now) {
            tracing::warn!(cp = %self.opts.charge_point_id, "input refused: {refused}");
        }
    }

    /// Drains the charge point's outputs until `Output::Timeout` while disconnected: actions
    /// only (frames come only while connected).
    fn drain_offline<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        loop {
            match next_output(cp, now, self.buf_size) {
                Out::Frame(frame) => {
                    let frame = crate::redact_frame(&frame);
                    tracing::warn!(cp = %self.opts.charge_point_id, "frame while disconnected dropped: {frame}");
                }
                Out::Action(action) => {
                    if matches!(action, Action::Reconnect { .. }) {
                        let _ = self.control().reconnect();
                    }
                    hooks.on_action(cp, action, now);
                }
                Out::Timeout(t) => {
                    self.deadline = t;
                    return;
                }
            }
        }
    }

    /// Drains the charge point's outputs until `Output::Timeout`: frames to the socket (dropped
    /// while our close is under way), actions to the hooks.
    async fn drain<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        ws: &mut AsyncWsStream,
        closing: bool,
        now: Instant,
    ) -> Result<(), Disconnect> {
        let write_timeout = self.opts.write_timeout;
        let mut sent = false;
        loop {
            match next_output(cp, now, self.buf_size) {
                Out::Frame(frame) => {
                    log_frame(&self.opts.charge_point_id, "send", &frame);
                    if closing {
                        continue;
                    }
                    hooks.on_transmit(&frame);
                    let message = Message::text(frame);
                    bounded(write_timeout, ws.feed(message))
                        .await
                        .map_err(Disconnect::Error)?;
                    sent = true;
                }
                Out::Action(action) => {
                    tracing::debug!(cp = %self.opts.charge_point_id, "action: {action:?}");
                    // Whitepaper A05.FR.06/07 (see the blocking driver).
                    if matches!(action, Action::Reconnect { .. }) {
                        let _ = self.control().reconnect();
                    }
                    hooks.on_action(cp, action, now);
                }
                Out::Timeout(t) => {
                    self.deadline = t;
                    break;
                }
            }
        }
        if sent {
            bounded(write_timeout, ws.flush())
                .await
                .map_err(Disconnect::Error)?;
        }
        Ok(())
    }

    /// Serves an open connection until it ends; returns why.
    async fn serve<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        mut ws: AsyncWsStream,
    ) -> Disconnect {
        let id = self.opts.charge_point_id.clone();
        let mut last_ping = self.now();
        let mut pings = 0u64;
        let mut pong_deadline: Option<Instant> = None;
        let mut peer_close: Option<(u16, String)> = None;
        let mut closing: Option<Instant> = None;
        let write_timeout = self.opts.write_timeout;
        loop {
            let now = self.now();
            // The last input (the connection, a frame, a command) first, then the events one
            // input at a time, then the timers: each input followed by the drain.
            if let Err(reason) = self.drain(cp, hooks, &mut ws, closing.is_some(), now).await {
                return reason;
            }
            hooks.on_tick(cp, now);
            while let Some(event) = hooks.poll_event(cp, now) {
                self.input(cp, Input::Event(event), now);
                if let Err(reason) = self.drain(cp, hooks, &mut ws, closing.is_some(), now).await {
                    return reason;
                }
            }
            if self.deadline.is_some_and(|t| t <= now) {
                self.input(cp, Input::Timeout, now);
                if let Err(reason) = self.drain(cp, hooks, &mut ws, closing.is_some(), now).await {
                    return reason;
                }
            }
            // Keep-alive.
            let interval = u64::from(cp.configuration().web_socket_ping_interval) * 1000;
            if let Some(deadline) = closing {
                if now >= deadline {
                    return Disconnect::Closed;
                }
            } else if interval == 0 {
                pong_deadline = None;
                last_ping = now;
            } else {
                if pong_deadline.is_some_and(|d| now >= d) {
                    return Disconnect::PongTimeout;
                }
                if now.since(last_ping) >= interval {
                    pings += 1;
                    last_ping = now;
                    if pong_deadline.is_none() {
                        let factor = u64::from(self.opts.pong_timeout_intervals.max(1));
                        pong_deadline = Some(now.add_millis(interval.saturating_mul(factor)));
                    }
                    let payload = pings.to_be_bytes().to_vec();
                    let sent = ws.send(Message::Ping(payload.into()));
                    if let Err(e) = bounded(write_timeout, sent).await {
                        return Disconnect::Error(e);
                    }
                }
            }
            // Wait.
            let mut wake = now.add_millis(millis(self.opts.poll_interval));
            if let Some(t) = self.deadline {
                wake = wake.min(t);
            }
            if let Some(t) = hooks.wake_at() {
                wake = wake.min(t);
            }
            if let Some(d) = closing {
                wake = wake.min(d);
            } else if interval > 0 {
                wake = wake.min(last_ping.add_millis(interval));
                if let Some(d) = pong_deadline {
                    wake = wake.min(d);
                }
            }
            let at = TokioInstant::now() + Duration::from_millis(wake.since(now));
            tokio::select! {
                msg = ws.next() => {
                    let now = self.now();
                    match msg {
                        Some(Ok(Message::Text(text))) => {
                            log_frame(&id, "recv", text.as_str());
                            // Drained at the top of the loop.
                            self.input(cp, Input::Frame(text.as_str()), now);
                        }
                        Some(Ok(Message::Binary(data))) => {
                            tracing::warn!(cp = %id, "ignoring a binary message of {} bytes", data.len());
                        }
                        Some(Ok(Message::Ping(_))) => {
                            // tokio-tungstenite queued the pong; send it now.
                            if let Err(e) = bounded(write_timeout, ws.flush()).await {
                                return Disconnect::Error(e);
                            }
                        }
                        Some(Ok(Message::Pong(_))) => pong_deadline = None,
                        Some(Ok(Message::Close(frame))) => {
                            tracing::info!(cp = %id, "close frame from the central system: {frame:?}");
                            peer_close = Some(frame.map_or((1005, String::new()), |f| {
                                (u16::from(f.code), f.reason.to_string())
                            }));
                            let _ = bounded(write_timeout, ws.flush()).await;
                        }
                        Some(Ok(Message::Frame(_))) => {}
                        None
                        | Some(Err(
                            tungstenite::Error::ConnectionClosed
                            | tungstenite::Error::AlreadyClosed
                            | tungstenite::Error::Protocol(
                                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                            ),
                        )) => {
                            if closing.is_some() {
                                return Disconnect::Closed;
                            }
                            let (code, reason) = match peer_close.take() {
                                Some((code, reason)) => (Some(code), reason),
                                None => (None, String::new()),
                            };
                            return Disconnect::ClosedByPeer { code, reason };
                        }
                        Some(Err(e)) => {
                            if closing.is_some() {
                                return Disconnect::Closed;
                            }
                            if let Some(frame) = close_for(&e) {
                                // As the blocking driver: the code, then the TCP close.
                                tracing::warn!(cp = %id, "closing with {}: {e}", u16::from(frame.code));
                                let _ = bounded(write_timeout, ws.close(Some(frame))).await;
                            }
                            return Disconnect::Error(e);
                        }
                    }
                }
                cmd = self.rx.recv() => match cmd {
                    Some(Command::Event(event)) => {
                        let now = self.clock.now();
                        self.input(cp, Input::Event(*event), now);
                    }
                    Some(Command::Reconnect) => return Disconnect::Requested,
                    Some(Command::Close) if closing.is_none() => {
                        tracing::info!(cp = %id, "closing the connection");
                        let frame = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                        if bounded(write_timeout, ws.close(Some(frame))).await.is_err() {
                            return Disconnect::Closed;
                        }
                        closing = Some(self.now().add_millis(millis(self.opts.close_timeout)));
                    }
                    Some(Command::Close | Command::Wake) | None => {}
                },
                () = sleep_until(at) => {}
            }
        }
    }
}
