//! The blocking driver: [`Connection`] owns the socket and the clock and drives a
//! [`ChargePoint`].

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant as StdInstant};

use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{Action, ChargePoint, Event, Instant, Storage};
use tungstenite::Message;
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;

use crate::connect::{self, WsStream};
use crate::error::{ConnectError, Disconnect, close_for};
use crate::options::ConnectOptions;

/// The `tracing` target of the frame log: every OCPP frame in and out, at `DEBUG`.
pub const FRAME_LOG_TARGET: &str = "ocpp_tungstenite::frame";

/// The monotonic clock the charge point runs on: milliseconds since the clock was made, from
/// [`std::time::Instant`].
///
/// A [`ChargePoint`] must be given instants from one clock for its whole life: build it with
/// [`Connection::now`] (or share one `Clock` between many connections with
/// [`Connection::with_clock`]).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: StdInstant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}

impl Clock {
    /// A clock that reads 0 now.
    pub fn new() -> Self {
        Clock {
            origin: StdInstant::now(),
        }
    }

    /// The time now.
    pub fn now(&self) -> Instant {
        self.at(StdInstant::now())
    }

    /// The [`Instant`] of a [`std::time::Instant`] (0 before the origin).
    pub fn at(&self, t: StdInstant) -> Instant {
        let ms = t.saturating_duration_since(self.origin).as_millis();
        Instant(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

/// What the integrator plugs into the driver: the hardware that carries out [`Action`]s, the
/// events it feeds, and whatever wants to hear about the link or act on every turn of the loop.
///
/// The driver keeps the charge point's rule: after any input, it drains `poll_output` until
/// `Output::Timeout`. So events come one at a time, from [`Hooks::poll_event`].
///
/// Closures `FnMut(Action)` implement it (actions only), and so does `()` (actions ignored).
pub trait Hooks<S: Storage> {
    /// The charge point asks for `action` (taken from its output during the drain). `cp` is
    /// there to answer with one input (for instance `Action::DataTransferRequested` with
    /// `Input::DataTransferAnswer`, `Action::Unlock` with `Event::UnlockResult`); the driver goes
    /// on draining, which covers it.
    fn on_action(&mut self, cp: &mut ChargePoint<S>, action: Action, now: Instant);

    /// The link changed: connecting, connected, attempt failed, disconnected.
    fn on_link(&mut self, event: &LinkEvent<'_>) {
        let _ = event;
    }

    /// `frame` was handed to the WebSocket (statistics: a simulator counts what it sent). Its
    /// delivery is not certain: the link may fail before it arrives (the core sends a
    /// transaction message again then).
    fn on_transmit(&mut self, frame: &str) {
        let _ = frame;
    }

    /// Called on every turn of the loop (at least every `poll_interval`), before the events:
    /// work that is not an input (statistics, commands to the hardware). Inputs go through
    /// [`Hooks::poll_event`].
    fn on_tick(&mut self, cp: &ChargePoint<S>, now: Instant) {
        let _ = (cp, now);
    }

    /// The next event to feed (meter readings, the plug, a card, ...), asked on every turn of
    /// the loop until `None`; the driver feeds each one and drains after it.
    fn poll_event(&mut self, cp: &ChargePoint<S>, now: Instant) -> Option<Event> {
        let _ = (cp, now);
        None
    }

    /// When the hooks want their next turn ([`Hooks::on_tick`], [`Hooks::poll_event`]) even if
    /// nothing else happens: a scripted plug, a simulated EV that finishes charging. The drivers
    /// wake at the earliest of this, the charge point's deadline, the keep-alive and
    /// `poll_interval`; so a simulator with a long `poll_interval` sleeps exactly until its own
    /// next step instead of waking periodically to look. `None` (the default): no wish.
    fn wake_at(&self) -> Option<Instant> {
        None
    }
}

impl<S: Storage> Hooks<S> for () {
    fn on_action(&mut self, _: &mut ChargePoint<S>, _: Action, _: Instant) {}
}

impl<S: Storage, F: FnMut(Action)> Hooks<S> for F {
    fn on_action(&mut self, _: &mut ChargePoint<S>, action: Action, _: Instant) {
        self(action);
    }
}

/// A change of the link to the central system, as told to [`Hooks::on_link`].
#[derive(Debug)]
#[non_exhaustive]
pub enum LinkEvent<'a> {
    /// A connection attempt starts (1 for the first attempt after a connection or at start).
    Connecting {
        /// The connection URL.
        url: &'a str,
        /// The attempt number.
        attempt: u32,
    },
    /// The WebSocket is open; the charge point was told (`Input::Connected`).
    Connected {
        /// The connection URL.
        url: &'a str,
    },
    /// The attempt failed; the next one is in `retry_in`.
    ConnectFailed {
        /// Why.
        error: &'a ConnectError,
        /// The delay before the next attempt.
        retry_in: Duration,
    },
    /// The connection ended; the charge point was told (`Input::Disconnected`). `retry_in` is
    /// `None` when the connection was closed on request and the driver stops.
    Disconnected {
        /// Why.
        reason: &'a Disconnect,
        /// The delay before the next attempt.
        retry_in: Option<Duration>,
    },
}

pub(crate) enum Command {
    Event(Box<Event>),
    Close,
    Reconnect,
    /// Only a turn of the loop: the hooks have something new (see [`Control::wake`]).
    Wake,
}

#[derive(Debug, Clone)]
pub(crate) enum Tx {
    Std(Sender<Command>),
    #[cfg(feature = "tokio")]
    Tokio(tokio::sync::mpsc::UnboundedSender<Command>),
}

/// A handle to a running [`Connection`] (or `AsyncConnection`) from other threads or tasks, or
/// from hooks: inject events, ask for a reconnect or a clean close. Cheap to clone. Each method
/// returns false once the connection is gone.
#[derive(Debug, Clone)]
pub struct Control {
    pub(crate) tx: Tx,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::Event(e) => write!(f, "Event({e:?})"),
            Command::Close => f.write_str("Close"),
            Command::Reconnect => f.write_str("Reconnect"),
            Command::Wake => f.write_str("Wake"),
        }
    }
}

impl Control {
    fn send(&self, cmd: Command) -> bool {
        match &self.tx {
            Tx::Std(tx) => tx.send(cmd).is_ok(),
            #[cfg(feature = "tokio")]
            Tx::Tokio(tx) => tx.send(cmd).is_ok(),
        }
    }

    /// Hands `event` to the charge point (`Input::Event`, then the drain) on the connection's
    /// thread, within
    /// `poll_interval`.
    pub fn send_event(&self, event: Event) -> bool {
        self.send(Command::Event(Box::new(event)))
    }

    /// Closes the connection cleanly (WebSocket close frame) and stops the driver:
    /// [`Connection::run`] returns.
    pub fn close(&self) -> bool {
        self.send(Command::Close)
    }

    /// Drops the connection and reconnects at once (no backoff), for instance after the
    /// `AuthorizationKey` or the certificates changed.
    pub fn reconnect(&self) -> bool {
        self.send(Command::Reconnect)
    }

    /// Makes the driver turn its loop ([`Hooks::on_tick`], [`Hooks::poll_event`]) now rather
    /// than at its next deadline: for hooks that are fed from elsewhere (a command typed for a
    /// simulated charger) and whose driver sleeps until the next deadline. The async driver
    /// turns at once; the blocking one at once while disconnected, else within `poll_interval`.
    pub fn wake(&self) -> bool {
        self.send(Command::Wake)
    }
}

/// Whether the driver goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Connected, connecting or waiting to reconnect.
    Running,
    /// Closed on request: [`Connection::step`] does nothing more.
    Closed,
}

struct Up {
    ws: WsStream,
    last_ping: Instant,
    pings: u64,
    pong_deadline: Option<Instant>,
    peer_close: Option<(u16, String)>,
    read_timeout: Option<Duration>,
}

enum Link {
    /// Not connected: the next attempt at `retry_at` (`None`: now).
    Down {
        retry_at: Option<Instant>,
    },
    Up(Box<Up>),
    /// Our close frame is sent; waiting for the central system's until `deadline`.
    Closing {
        up: Box<Up>,
        deadline: Instant,
    },
    Closed,
}

/// A blocking connection to the central system for one charge point: one per thread.
///
/// It owns the socket and the clock and runs the charge point's loop: frames in, timers, events
/// injected through [`Control`], frames and actions out; WebSocket pings every
/// `WebSocketPingInterval` seconds; reconnects with backoff after any failure.
///
/// ```no_run
/// use ocpp_core::charge_point::{ChargePoint, MemoryStorage, Setup};
/// use ocpp_tungstenite::{ConnectOptions, Connection};
///
/// let opts = ConnectOptions::new("ws://127.0.0.1:9000/ocpp", "CP-1");
/// let mut conn = Connection::new(opts);
/// let mut scratch = vec![0u8; 16 * 1024]; // records are read into it while restoring
/// let mut cp = ChargePoint::new(
///     Setup::new("Vendor", "Model", 1),
///     MemoryStorage::<16384>::new(),
///     conn.now(),
///     &mut scratch,
/// );
/// let control = conn.control(); // to another thread: control.send_event(..), control.close()
/// conn.run(&mut cp, &mut |action| println!("hardware: {action:?}"));
/// ```
pub struct Connection {
    opts: ConnectOptions,
    url: String,
    clock: Clock,
    link: Link,
    failures: u32,
    attempt: u32,
    tx: Sender<Command>,
    rx: Receiver<Command>,
    buf: Vec<u8>,
    /// The deadline of the charge point's last `Output::Timeout` (at first: now, to give it a
    /// first Timeout input).
    deadline: Option<Instant>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection (not yet attempted: the first [`step`](Self::step) connects) with its own
    /// clock.
    pub fn new(opts: ConnectOptions) -> Self {
        Connection::with_clock(opts, Clock::new())
    }

    /// A connection on `clock`.
    pub fn with_clock(opts: ConnectOptions, clock: Clock) -> Self {
        let url = connect::connection_url(&opts.url, &opts.charge_point_id)
            .map_or_else(|_| opts.url.clone(), |u| u.to_string());
        let (tx, rx) = mpsc::channel();
        let buf = vec![0; opts.transmit_buffer_size.max(1024)];
        Connection {
            opts,
            url,
            clock,
            link: Link::Down { retry_at: None },
            failures: 0,
            attempt: 0,
            tx,
            rx,
            buf,
            deadline: Some(Instant(0)),
        }
    }

    /// The time now on this connection's clock: give it to the charge point's calls made
    /// outside the driver (`ChargePoint::new`, ...).
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// A handle to inject events and to close or reconnect from anywhere.
    pub fn control(&self) -> Control {
        Control {
            tx: Tx::Std(self.tx.clone()),
        }
    }

    /// The options.
    pub fn options(&self) -> &ConnectOptions {
        &self.opts
    }

    /// The connection URL (the endpoint URL with the charge point id).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the WebSocket is open.
    pub fn is_connected(&self) -> bool {
        matches!(self.link, Link::Up(_))
    }

    /// Runs until the connection is closed with [`Control::close`].
    pub fn run<S: Storage, H: Hooks<S>>(&mut self, cp: &mut ChargePoint<S>, hooks: &mut H) {
        while self.step(cp, hooks) == Status::Running {}
    }

    /// Runs until `done` holds (checked before every step; true is returned), `timeout` has
    /// passed (false), or the connection is closed (`done` is checked one last time). A step
    /// that connects may overrun `timeout` by up to `connect_timeout`.
    pub fn run_until<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        timeout: Duration,
        mut done: impl FnMut(&ChargePoint<S>, &H) -> bool,
    ) -> bool {
        let end = StdInstant::now() + timeout;
        loop {
            if done(cp, hooks) {
                return true;
            }
            if StdInstant::now() >= end {
                return false;
            }
            if self.step(cp, hooks) == Status::Closed {
                return done(cp, hooks);
            }
        }
    }

    /// Closes the connection cleanly and returns when it is closed (at most about
    /// `close_timeout`).
    pub fn close<S: Storage, H: Hooks<S>>(&mut self, cp: &mut ChargePoint<S>, hooks: &mut H) {
        let now = self.now();
        self.command(Command::Close, cp, hooks, now);
        self.run(cp, hooks);
    }

    /// One turn of the loop: the drain of an input fed directly since the last step, injected
    /// commands, [`Hooks::on_tick`], the events of
    /// [`Hooks::poll_event`], timers, a connection attempt when one is due (blocking up to
    /// `connect_timeout`), pings, then a wait of at most `poll_interval` for a frame (or a
    /// command, while disconnected). Every input is followed by the drain of the outputs.
    pub fn step<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
    ) -> Status {
        if matches!(self.link, Link::Closed) {
            return Status::Closed;
        }
        let now = self.now();
        // An input fed directly between steps.
        self.drain(cp, hooks, now);
        while let Ok(cmd) = self.rx.try_recv() {
            self.command(cmd, cp, hooks, now);
        }
        hooks.on_tick(cp, now);
        while let Some(event) = hooks.poll_event(cp, now) {
            self.input(cp, hooks, Input::Event(event), now);
        }
        self.timers(cp, hooks, now);
        if let Link::Down { retry_at } = self.link {
            if retry_at.is_none_or(|t| t <= now) {
                self.try_connect(cp, hooks);
            }
        }
        let now = self.now();
        self.timers(cp, hooks, now);
        self.keepalive(cp, hooks, now);
        self.wait(cp, hooks);
        let now = self.now();
        self.timers(cp, hooks, now);
        if matches!(self.link, Link::Closed) {
            Status::Closed
        } else {
            Status::Running
        }
    }

    fn command<S: Storage, H: Hooks<S>>(
        &mut self,
        cmd: Command,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        match cmd {
            Command::Event(event) => self.input(cp, hooks, Input::Event(*event), now),
            // The caller's step turns the loop.
            Command::Wake => {}
            Command::Reconnect => match self.link {
                Link::Up(_) => self.link_down(cp, hooks, &Disconnect::Requested, now),
                Link::Down { .. } => self.link = Link::Down { retry_at: None },
                Link::Closing { .. } | Link::Closed => {}
            },
            Command::Close => match std::mem::replace(&mut self.link, Link::Closed) {
                Link::Up(mut up) => {
                    tracing::info!(cp = %self.opts.charge_point_id, "closing the connection");
                    let frame = CloseFrame {
                        code: CloseCode::Normal,
                        reason: "".into(),
                    };
                    match up.ws.close(Some(frame)) {
                        Ok(()) => {
                            let deadline = now.add_millis(millis(self.opts.close_timeout));
                            self.link = Link::Closing { up, deadline };
                        }
                        Err(e) => {
                            tracing::debug!("close: {e}");
                            self.link = Link::Closing { up, deadline: now };
                            self.link_down(cp, hooks, &Disconnect::Closed, now);
                        }
                    }
                }
                Link::Down { .. } => {
                    hooks.on_link(&LinkEvent::Disconnected {
                        reason: &Disconnect::Closed,
                        retry_in: None,
                    });
                }
                other @ (Link::Closing { .. } | Link::Closed) => self.link = other,
            },
        }
    }

    fn try_connect<S: Storage, H: Hooks<S>>(&mut self, cp: &mut ChargePoint<S>, hooks: &mut H) {
        self.attempt = self.attempt.saturating_add(1);
        let password = password(&self.opts, cp);
        hooks.on_link(&LinkEvent::Connecting {
            url: &self.url,
            attempt: self.attempt,
        });
        tracing::debug!(cp = %self.opts.charge_point_id, url = %self.url, attempt = self.attempt, "connecting");
        let result = attempt(&self.opts, cp, password.is_some()).and_then(|a| {
            match connect::connect_with(&a.options, password.as_deref(), a.tls) {
                // M05.FR.13: the new root refused the server's certificate; the old one, kept
                // as fallback, may still verify it. Tried at once, in the same attempt.
                Err(e) if e.is_server_certificate_rejected() && a.fallback_tls.is_some() => {
                    let ws =
                        connect::connect_with(&a.options, password.as_deref(), a.fallback_tls)
                            .map_err(|_| e)?;
                    tracing::info!(cp = %self.opts.charge_point_id, "verified with the fallback CentralSystemRootCertificate");
                    cp.fallback_root_used();
                    Ok(ws)
                }
                r => r,
            }
        });
        let now = self.now();
        match result {
            Ok(ws) => {
                tracing::info!(cp = %self.opts.charge_point_id, url = %self.url, "connected");
                self.failures = 0;
                self.attempt = 0;
                self.link = Link::Up(Box::new(Up {
                    ws,
                    last_ping: now,
                    pings: 0,
                    pong_deadline: None,
                    peer_close: None,
                    read_timeout: None,
                }));
                hooks.on_link(&LinkEvent::Connected { url: &self.url });
                self.input(cp, hooks, Input::Connected, now);
            }
            Err(error) => {
                let retry_in = self.next_delay();
                tracing::warn!(
                    cp = %self.opts.charge_point_id, url = %self.url,
                    "connection failed: {error}; next attempt in {retry_in:?}"
                );
                self.link = Link::Down {
                    retry_at: Some(now.add_millis(millis(retry_in))),
                };
                // Queued (and stored) before the hooks hear of the failure: they may stop the
                // driver.
                if let Some((kind, tech_info)) = security_event(&self.opts, &error) {
                    let input = Input::SecurityEvent {
                        kind,
                        tech_info: Some(&tech_info),
                    };
                    self.input(cp, hooks, input, now);
                }
                // Counts toward the fallback of a raised SecurityProfile (A05.FR.08).
                self.input(cp, hooks, Input::ConnectFailed, now);
                hooks.on_link(&LinkEvent::ConnectFailed {
                    error: &error,
                    retry_in,
                });
            }
        }
    }

    fn next_delay(&mut self) -> Duration {
        next_delay(&self.opts, &mut self.failures)
    }

    /// The connection is gone (or closed): tell the charge point, then schedule a reconnect or
    /// stop.
    fn link_down<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        reason: &Disconnect,
        now: Instant,
    ) {
        let closing =
            matches!(self.link, Link::Closing { .. }) || matches!(reason, Disconnect::Closed);
        if let Link::Up(up) | Link::Closing { up, .. } = &self.link {
            let _ = up.ws.get_ref().tcp().shutdown(std::net::Shutdown::Both);
        }
        if closing {
            self.link = Link::Closed;
            self.input(cp, hooks, Input::Disconnected, now);
            tracing::info!(cp = %self.opts.charge_point_id, "connection closed");
            hooks.on_link(&LinkEvent::Disconnected {
                reason: &Disconnect::Closed,
                retry_in: None,
            });
            return;
        }
        let retry_in = if matches!(reason, &Disconnect::Requested) {
            Duration::ZERO
        } else {
            self.next_delay()
        };
        self.link = Link::Down {
            retry_at: Some(now.add_millis(millis(retry_in))),
        };
        self.input(cp, hooks, Input::Disconnected, now);
        tracing::warn!(
            cp = %self.opts.charge_point_id,
            "disconnected: {reason}; next attempt in {retry_in:?}"
        );
        hooks.on_link(&LinkEvent::Disconnected {
            reason,
            retry_in: Some(retry_in),
        });
    }

    /// Feeds one input to the charge point, then drains its outputs.
    fn input<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        input: Input<'_>,
        now: Instant,
    ) {
        if let Err(refused) = cp.handle_input(input, now) {
            tracing::warn!(cp = %self.opts.charge_point_id, "input refused: {refused}");
        }
        self.drain(cp, hooks, now);
    }

    /// `Input::Timeout` when the charge point's deadline has come.
    fn timers<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        if self.deadline.is_some_and(|t| t <= now) {
            self.input(cp, hooks, Input::Timeout, now);
        }
    }

    /// Drains the charge point's outputs until `Output::Timeout`: frames to the socket, actions
    /// to the hooks.
    fn drain<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        let mut sent = false;
        loop {
            match cp.poll_output(now, &mut self.buf) {
                Output::Transmit(frame) => {
                    log_frame(&self.opts.charge_point_id, "send", frame);
                    let result = match &mut self.link {
                        Link::Up(up) => Some(up.ws.write(Message::text(frame.to_owned()))),
                        // The charge point is told of the end of the link right after.
                        _ => None,
                    };
                    sent = true;
                    match result {
                        Some(Err(e)) => {
                            sent = false;
                            self.link_down(cp, hooks, &Disconnect::Error(e), now);
                        }
                        Some(Ok(())) => hooks.on_transmit(frame),
                        None => {}
                    }
                }
                Output::Action(action) => {
                    tracing::debug!(cp = %self.opts.charge_point_id, "action: {action:?}");
                    // Whitepaper A05.FR.06/07: the charge point asks to reconnect (a raised
                    // SecurityProfile, or the fallback): done at the next turn, with the
                    // options as they are (see docs/security.md); the hooks hear of it too.
                    if matches!(action, Action::Reconnect { .. }) {
                        let _ = self.control().reconnect();
                    }
                    hooks.on_action(cp, action, now);
                }
                Output::Timeout(t) => {
                    self.deadline = t;
                    break;
                }
            }
        }
        if sent {
            if let Link::Up(up) = &mut self.link {
                if let Err(e) = up.ws.flush() {
                    self.link_down(cp, hooks, &Disconnect::Error(e), now);
                }
            }
        }
    }

    /// WebSocket pings every `WebSocketPingInterval` seconds; a missing pong kills the link.
    fn keepalive<S: Storage, H: Hooks<S>>(
        &mut self,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        let interval = u64::from(cp.configuration().web_socket_ping_interval) * 1000;
        let Link::Up(up) = &mut self.link else {
            return;
        };
        if interval == 0 {
            up.pong_deadline = None;
            up.last_ping = now;
            return;
        }
        if up.pong_deadline.is_some_and(|d| now >= d) {
            self.link_down(cp, hooks, &Disconnect::PongTimeout, now);
            return;
        }
        if now.since(up.last_ping) < interval {
            return;
        }
        up.pings += 1;
        up.last_ping = now;
        if up.pong_deadline.is_none() {
            let factor = u64::from(self.opts.pong_timeout_intervals.max(1));
            up.pong_deadline = Some(now.add_millis(interval.saturating_mul(factor)));
        }
        tracing::trace!(cp = %self.opts.charge_point_id, "ping");
        let payload = up.pings.to_be_bytes().to_vec();
        let result = up
            .ws
            .write(Message::Ping(payload.into()))
            .and_then(|()| up.ws.flush());
        if let Err(e) = result {
            self.link_down(cp, hooks, &Disconnect::Error(e), now);
        }
    }

    /// Blocks until a frame arrives (connected), a command arrives (disconnected), or the next
    /// deadline, but at most `poll_interval`.
    fn wait<S: Storage, H: Hooks<S>>(&mut self, cp: &mut ChargePoint<S>, hooks: &mut H) {
        let now = self.now();
        let mut wake = now.add_millis(millis(self.opts.poll_interval));
        if let Some(t) = self.deadline {
            wake = wake.min(t);
        }
        if let Some(t) = hooks.wake_at() {
            wake = wake.min(t);
        }
        let ping_interval = u64::from(cp.configuration().web_socket_ping_interval) * 1000;
        let closing_deadline = match &self.link {
            Link::Closing { deadline, .. } => Some(*deadline),
            _ => None,
        };
        if closing_deadline.is_some_and(|d| now >= d) {
            self.link_down(cp, hooks, &Disconnect::Closed, now);
            return;
        }
        match &mut self.link {
            Link::Closed => {}
            Link::Down { retry_at } => {
                if let Some(t) = *retry_at {
                    wake = wake.min(t);
                }
                let left = wake.since(now);
                if left > 0 {
                    match self.rx.recv_timeout(Duration::from_millis(left)) {
                        Ok(cmd) => {
                            let now = self.now();
                            self.command(cmd, cp, hooks, now);
                        }
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
                    }
                }
            }
            Link::Up(up) | Link::Closing { up, .. } => {
                if let Some(deadline) = closing_deadline {
                    wake = wake.min(deadline);
                } else if ping_interval > 0 {
                    wake = wake.min(up.last_ping.add_millis(ping_interval));
                    if let Some(d) = up.pong_deadline {
                        wake = wake.min(d);
                    }
                }
                let timeout = Duration::from_millis(wake.since(now).max(1));
                if up.read_timeout != Some(timeout) {
                    if let Err(e) = up.ws.get_ref().tcp().set_read_timeout(Some(timeout)) {
                        let e = tungstenite::Error::Io(e);
                        self.link_down(cp, hooks, &Disconnect::Error(e), now);
                        return;
                    }
                    up.read_timeout = Some(timeout);
                }
                let result = up.ws.read();
                let now = self.now();
                self.received(result, cp, hooks, now);
            }
        }
    }

    fn received<S: Storage, H: Hooks<S>>(
        &mut self,
        result: tungstenite::Result<Message>,
        cp: &mut ChargePoint<S>,
        hooks: &mut H,
        now: Instant,
    ) {
        let id = &self.opts.charge_point_id;
        let (Link::Up(up) | Link::Closing { up, .. }) = &mut self.link else {
            return;
        };
        match result {
            Ok(Message::Text(text)) => {
                log_frame(id, "recv", text.as_str());
                self.input(cp, hooks, Input::Frame(text.as_str()), now);
            }
            Ok(Message::Binary(data)) => {
                tracing::warn!(cp = %id, "ignoring a binary message of {} bytes", data.len());
            }
            Ok(Message::Ping(_)) => {
                tracing::trace!(cp = %id, "ping from the central system");
                // The pong is queued by tungstenite; send it now.
                if let Err(e) = up.ws.flush() {
                    self.link_down(cp, hooks, &Disconnect::Error(e), now);
                }
            }
            Ok(Message::Pong(_)) => {
                tracing::trace!(cp = %id, "pong");
                up.pong_deadline = None;
            }
            Ok(Message::Close(frame)) => {
                tracing::info!(cp = %id, "close frame from the central system: {frame:?}");
                up.peer_close = Some(frame.map_or((1005, String::new()), |f| {
                    (u16::from(f.code), f.reason.to_string())
                }));
                // tungstenite answers it; the next read reports the end of the connection.
                let _ = up.ws.flush();
            }
            Ok(Message::Frame(_)) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(
                tungstenite::Error::ConnectionClosed
                | tungstenite::Error::AlreadyClosed
                | tungstenite::Error::Protocol(
                    tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                ),
            ) => {
                let (code, reason) = match up.peer_close.take() {
                    Some((code, reason)) => (Some(code), reason),
                    None => (None, String::new()),
                };
                self.link_down(cp, hooks, &Disconnect::ClosedByPeer { code, reason }, now);
            }
            Err(e) => {
                if let Some(frame) = close_for(&e) {
                    // Best effort: the stream may be mid-frame, so no closing handshake is
                    // waited for; the peer gets the code, then the TCP close.
                    tracing::warn!(cp = %id, "closing with {}: {e}", u16::from(frame.code));
                    let _ = up.ws.close(Some(frame));
                    let _ = up.ws.flush();
                }
                self.link_down(cp, hooks, &Disconnect::Error(e), now);
            }
        }
    }
}

/// The options and TLS configuration of the next attempt: the charge point's `SecurityProfile`
/// and the certificates its security module holds (see [`connect::attempt_options`]).
pub(crate) fn attempt<'o, S: Storage>(
    opts: &'o ConnectOptions,
    cp: &mut ChargePoint<S>,
    with_password: bool,
) -> Result<connect::Attempt<'o>, ConnectError> {
    let installed = if opts.use_installed_certificates {
        crate::InstalledCertificates::read(cp)
    } else {
        None
    };
    let profile = cp.configuration().security_profile;
    let attempt = connect::attempt_options(opts, profile, installed.as_ref())?;
    check_profile(&attempt.options, profile, with_password);
    Ok(attempt)
}

/// The Basic authentication password for the next attempt.
pub(crate) fn password<S: Storage>(opts: &ConnectOptions, cp: &ChargePoint<S>) -> Option<String> {
    if opts.use_authorization_key {
        if let Some(key) = &cp.configuration().authorization_key {
            return Some(key.as_str().to_owned());
        }
    }
    opts.basic_auth_password.clone()
}

/// The security event of a failed attempt, to feed to the charge point (none when
/// [`ConnectOptions::security_events`] is off).
pub(crate) fn security_event(
    opts: &ConnectOptions,
    error: &ConnectError,
) -> Option<(ocpp_core::v16::SecurityEvent, String)> {
    let (kind, tech_info) = error.security_event().filter(|_| opts.security_events)?;
    tracing::info!(
        cp = %opts.charge_point_id,
        "security event {} ({tech_info}) for the central system", kind.as_str()
    );
    Some((kind, tech_info))
}

/// Warns when an attempt's options do not match the `SecurityProfile` configuration key (a
/// missing Basic authentication password, a `wss://` URL at profile 1...). Profile 3's client
/// certificate was checked by [`connect::attempt_options`].
pub(crate) fn check_profile(opts: &ConnectOptions, configured: u8, with_password: bool) {
    let implied = if configured >= 3 {
        url::Url::parse(&opts.url)
            .is_ok_and(|u| u.scheme() == "wss")
            .then_some(3)
    } else {
        opts.security_profile(with_password)
    };
    if configured != 0 && implied != Some(configured) {
        tracing::warn!(
            cp = %opts.charge_point_id,
            "the connect options amount to security profile {implied:?}, \
             the SecurityProfile configuration key says {configured}"
        );
    }
}

/// The delay before the next attempt after `failures` failures in a row, counting this one.
pub(crate) fn next_delay(opts: &ConnectOptions, failures: &mut u32) -> Duration {
    let d = opts.reconnect.delay(*failures, rand::random::<f64>());
    *failures = failures.saturating_add(1);
    d
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Logs a frame, with the `AuthorizationKey` a ChangeConfiguration.req carries replaced by
/// `***` (security whitepaper A01.FR.12: never disclosed in logs; see [`crate::redact_frame`]).
pub(crate) fn log_frame(cp: &str, direction: &'static str, frame: &str) {
    if !tracing::enabled!(target: FRAME_LOG_TARGET, tracing::Level::DEBUG) {
        return;
    }
    let frame = crate::redact_frame(frame);
    tracing::debug!(target: FRAME_LOG_TARGET, cp, direction, "{frame}");
}
