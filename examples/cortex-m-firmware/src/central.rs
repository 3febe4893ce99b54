//! The test bench: a scripted central system, the charger's hardware and a fake clock around the
//! charge point. It plays [`crate::script::SCRIPT`] step by step and panics (which fails the
//! run) on the first frame that is not what the script expects.

use core::fmt::Write as _;

use cortex_m_semihosting::hprintln;

use crate::driver::{self, Action, Driver, Event, Input, Instant, Output, Parsed};

/// Room for one frame. 8 KiB holds everything the charge point sends (docs/integration.md).
pub const FRAME: usize = 8 * 1024;

/// Frames printed are cut to this many bytes.
const PRINT_MAX: usize = 200;

/// One frame's text, in a fixed buffer.
pub struct Buf {
    data: [u8; FRAME],
    len: usize,
}

impl Buf {
    /// Empty.
    pub const fn new() -> Self {
        Buf {
            data: [0; FRAME],
            len: 0,
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.data[..self.len]).unwrap_or("")
    }

    fn set(&mut self, text: &str) {
        assert!(
            text.len() <= FRAME,
            "frame too long for the bench: {}",
            text.len()
        );
        self.data[..text.len()].copy_from_slice(text.as_bytes());
        self.len = text.len();
    }
}

impl core::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > FRAME {
            return Err(core::fmt::Error);
        }
        self.data[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The bench's frame buffers, in one static (`ConstStaticCell`: no stack temporary).
pub struct Frames {
    /// `poll_transmit` writes here.
    tx: [u8; FRAME],
    /// A CALL from the charge point, waiting for the script.
    held: Buf,
    /// The charge point's answer to the central system's CALL.
    reply: Buf,
    /// What the central system sends.
    out: Buf,
}

impl Frames {
    /// Empty buffers.
    pub const fn new() -> Self {
        Frames {
            tx: [0; FRAME],
            held: Buf::new(),
            reply: Buf::new(),
            out: Buf::new(),
        }
    }
}

/// What the charge point asked the hardware to do.
#[derive(Default)]
pub struct Board {
    /// The energy offer (contactor) of connector 1.
    pub offer: bool,
    /// The cable lock of connector 1.
    pub locked: bool,
    /// `Action::ChargingLimit` received.
    pub limit_changes: u32,
    /// `Action::TransactionStarted` / `TransactionStopped` received.
    pub started: u32,
    /// See `started`.
    pub stopped: u32,
    /// Diagnostics and log uploads done.
    pub uploads: u32,
}

impl Board {
    /// Carries out one action; returns the event that answers it, if any.
    fn apply(&mut self, action: Action) -> Option<Event> {
        let name = match action {
            Action::EnergyOffer { enabled, .. } => {
                self.offer = enabled;
                if enabled {
                    "contactor on"
                } else {
                    "contactor off"
                }
            }
            Action::CableLock { locked, .. } => {
                self.locked = locked;
                if locked {
                    "cable locked"
                } else {
                    "cable released"
                }
            }
            Action::ChargingLimit { .. } => {
                self.limit_changes += 1;
                "charging limit"
            }
            Action::Unlock { connector } => {
                self.locked = false;
                hprintln!("          hw: unlock");
                return Some(driver::unlock_result(connector, true));
            }
            Action::Authorization { .. } => "authorization shown",
            Action::TransactionStarted { .. } => {
                self.started += 1;
                "transaction started"
            }
            Action::TransactionStopped { .. } => {
                self.stopped += 1;
                "transaction stopped"
            }
            Action::UploadDiagnostics => {
                // The upload task: done at once.
                self.uploads += 1;
                hprintln!("          hw: diagnostics uploaded");
                return Some(Event::DiagnosticsUploaded { ok: true });
            }
            Action::DownloadFirmware => return Some(Event::FirmwareDownloaded { ok: true }),
            Action::InstallFirmware => return Some(Event::FirmwareInstalled { ok: true }),
            Action::Reset { .. } => panic!("unexpected Action::Reset"),
            Action::DataTransferRequested => panic!("unexpected Action::DataTransferRequested"),
            Action::DataTransferAnswered { .. } => "data transfer answered",
            Action::StorageFailed { key } => panic!("storage failed: {}", key.name()),
            Action::Reconnect { .. } => panic!("unexpected Action::Reconnect"),
            Action::UploadLog => panic!("Action::UploadLog goes to the driver (Bench::pump)"),
            Action::CancelUpload => panic!("unexpected Action::CancelUpload"),
        };
        hprintln!("          hw: {}", name);
        None
    }
}

/// Counters for the summary.
#[derive(Default)]
pub struct Stats {
    /// Frames the charge point sent.
    pub frames_out: u32,
    /// CALLs answered without a script step (StatusNotification, Heartbeat).
    pub background: u32,
    /// Script steps played.
    pub steps: u32,
    /// CALLs of the central system answered with a CALLRESULT.
    pub results: u32,
}

/// What happens at the charger.
#[derive(Clone, Copy)]
pub enum Hw {
    /// A cable is plugged into the connector.
    Plug(u32),
    /// It is removed.
    Unplug(u32),
    /// A card at the connector's reader.
    Tag(u32, &'static str),
    /// The meter's energy register, Wh.
    Meter(u32, u32),
    /// The EV starts drawing energy.
    EvCharging(u32),
}

/// One step of the script.
pub enum Step {
    /// The WebSocket opens.
    Connect,
    /// The next CALL of the charge point (StatusNotifications and Heartbeats before it are
    /// answered on the way) is `action`, its payload contains each of `contains`; answer it
    /// with `answer` (`$TIME`: the central system's clock).
    Expect {
        /// The action name.
        action: &'static str,
        /// Substrings of the payload.
        contains: &'static [&'static str],
        /// The CALLRESULT payload.
        answer: &'static str,
    },
    /// The central system sends a CALL; the charge point must answer with a CALLRESULT whose
    /// payload contains each of `contains`.
    Call {
        /// The action name.
        action: &'static str,
        /// The payload.
        payload: &'static str,
        /// Substrings of the CALLRESULT payload.
        contains: &'static [&'static str],
    },
    /// The central system sends a CALL; the charge point must answer with a CALLERROR `code`.
    CallError {
        /// The action name.
        action: &'static str,
        /// The payload.
        payload: &'static str,
        /// The expected error code.
        code: &'static str,
    },
    /// Something happens at the charger.
    Hw(Hw),
    /// Time passes, up to this many ms: the clock stops early at the first CALL that is not a
    /// StatusNotification or a Heartbeat, for the next `Expect`.
    Wait(u64),
    /// Power cut: the charge point loses its RAM state, its records are kept, and it starts
    /// again from them one second later ("reboot").
    PowerCut,
    /// The charge point holds this many transaction messages.
    Queued(usize),
    /// A comment printed in the log.
    Say(&'static str),
}

/// Actions answered without a script step.
fn background(action: &str) -> Option<&'static str> {
    match action {
        "StatusNotification" => Some("{}"),
        "Heartbeat" => Some(r#"{"currentTime":"$TIME"}"#),
        _ => None,
    }
}

/// The central system, the hardware and the clock around the charge point.
pub struct Bench {
    drv: Driver,
    frames: &'static mut Frames,
    /// The fake clock.
    pub now: Instant,
    deadline: Option<Instant>,
    next_cs_id: u32,
    awaiting: Option<u32>,
    /// The hardware.
    pub board: Board,
    /// Counters.
    pub stats: Stats,
}

impl Bench {
    /// A bench around an empty charge point slot.
    pub fn new(drv: Driver, frames: &'static mut Frames) -> Self {
        Bench {
            drv,
            frames,
            now: Instant(0),
            deadline: None,
            next_cs_id: 1,
            awaiting: None,
            board: Board::default(),
            stats: Stats::default(),
        }
    }

    /// Power-on at `now`.
    pub fn power_on(&mut self) {
        self.drv.power_on(self.now, &mut self.frames.tx);
        self.pump();
    }

    /// Transaction messages the charge point holds.
    pub fn queued(&self) -> usize {
        self.drv.queued_transaction_messages()
    }

    /// Plays every step.
    pub fn play(&mut self, script: &[Step]) {
        for step in script {
            self.stats.steps += 1;
            self.step(step);
        }
    }

    fn step(&mut self, step: &Step) {
        match *step {
            Step::Connect => {
                hprintln!("-- connected");
                self.input_and_pump(Input::Connected);
            }
            Step::Expect {
                action,
                contains,
                answer,
            } => self.expect(action, contains, answer),
            Step::Call {
                action,
                payload,
                contains,
            } => {
                self.call(action, payload);
                let reply = self.frames.reply.as_str();
                match driver::parse(reply) {
                    Parsed::Result { payload, .. } => {
                        check_contains(action, payload, contains);
                        self.stats.results += 1;
                    }
                    _ => panic!("{action}: expected a CALLRESULT, got {reply}"),
                }
            }
            Step::CallError {
                action,
                payload,
                code,
            } => {
                self.call(action, payload);
                let reply = self.frames.reply.as_str();
                match driver::parse(reply) {
                    Parsed::Error { code: c, .. } if c == code => {}
                    _ => panic!("{action}: expected a CALLERROR {code}, got {reply}"),
                }
            }
            Step::Hw(hw) => {
                let event = match hw {
                    Hw::Plug(c) => {
                        hprintln!("-- plug in connector {}", c);
                        driver::plugged(c)
                    }
                    Hw::Unplug(c) => {
                        hprintln!("-- unplug connector {}", c);
                        driver::unplugged(c)
                    }
                    Hw::Tag(c, tag) => {
                        hprintln!("-- card {} at connector {}", tag, c);
                        driver::id_tag(c, tag)
                    }
                    Hw::EvCharging(c) => {
                        hprintln!("-- the EV at connector {} draws energy", c);
                        driver::ev_charging(c, true)
                    }
                    Hw::Meter(c, wh) => {
                        hprintln!("-- meter of connector {} reads {} Wh", c, wh);
                        driver::meter(c, wh)
                    }
                };
                self.input_and_pump(Input::Event(event));
            }
            Step::Wait(ms) => self.wait(ms),
            Step::PowerCut => {
                hprintln!(
                    "-- POWER CUT: the charge point loses its RAM state, the records are kept"
                );
                self.frames.held.clear();
                self.frames.reply.clear();
                self.awaiting = None;
                self.board.offer = false; // power-on state of the hardware
                self.now = self.now.add_millis(1_000);
                hprintln!("-- reboot: the charge point starts again from the records");
                self.drv.power_on(self.now, &mut self.frames.tx);
                self.pump();
            }
            Step::Queued(n) => {
                let q = self.queued();
                assert!(
                    q == n,
                    "expected {n} queued transaction messages, found {q}"
                );
            }
            Step::Say(text) => hprintln!("== {}", text),
        }
    }

    fn input_and_pump(&mut self, input: Input<'_>) {
        self.drv.handle_input(input, self.now);
        self.pump();
    }

    /// Drains the charge point's outputs: actions go to the board (whose answers go back in),
    /// frames to the central system's buffers. A deadline already due is served at once.
    fn pump(&mut self) {
        let mut served_due = false;
        loop {
            let frames = &mut *self.frames;
            match self.drv.poll_output(self.now, &mut frames.tx) {
                Output::Action(action) => {
                    // The log upload needs the charge point (its security log), not the board.
                    #[cfg(feature = "full")]
                    if action == Action::UploadLog {
                        let (event, lines) = self.drv.upload_log(&mut frames.tx);
                        self.board.uploads += 1;
                        hprintln!("          hw: security log uploaded, {} lines", lines);
                        self.drv.handle_input(Input::Event(event), self.now);
                        continue;
                    }
                    if let Some(event) = self.board.apply(action) {
                        self.drv.handle_input(Input::Event(event), self.now);
                    }
                }
                Output::Transmit(text) => {
                    self.stats.frames_out += 1;
                    hprintln!("{} CP -> {}", self.now.millis(), cut(text));
                    route(&mut frames.held, &mut frames.reply, self.awaiting, text);
                }
                Output::Timeout(deadline) => {
                    assert!(
                        self.drv.dropped_outputs() == 0,
                        "the charge point dropped an output"
                    );
                    self.deadline = deadline;
                    match deadline {
                        Some(t) if t <= self.now && !served_due => {
                            served_due = true;
                            self.drv.handle_input(Input::Timeout, self.now);
                        }
                        _ => return,
                    }
                }
            }
        }
    }

    /// Answers the held CALL if it is a background one; false if it is not.
    fn answer_background(&mut self) -> bool {
        let Parsed::Call { id, action, .. } = driver::parse(self.frames.held.as_str()) else {
            panic!("held frame is not a CALL");
        };
        let Some(answer) = background(action) else {
            return false;
        };
        self.stats.background += 1;
        compose_result(&mut self.frames.out, id, answer, self.now);
        self.frames.held.clear();
        self.send_out();
        true
    }

    /// Sends `frames.out` to the charge point.
    fn send_out(&mut self) {
        hprintln!(
            "{} CS -> {}",
            self.now.millis(),
            cut(self.frames.out.as_str())
        );
        let frames = &*self.frames;
        self.drv
            .handle_input(Input::Frame(frames.out.as_str()), self.now);
        self.pump();
    }

    fn expect(&mut self, action: &str, contains: &[&str], answer: &str) {
        loop {
            assert!(
                !self.frames.held.is_empty(),
                "at {} ms: expected a {action} CALL, the charge point sent nothing",
                self.now.millis()
            );
            let held = self.frames.held.as_str();
            let Parsed::Call {
                id,
                action: a,
                payload,
            } = driver::parse(held)
            else {
                panic!("held frame is not a CALL");
            };
            if a == action {
                check_contains(action, payload, contains);
                compose_result(&mut self.frames.out, id, answer, self.now);
                self.frames.held.clear();
                self.send_out();
                return;
            }
            if !self.answer_background() {
                panic!(
                    "at {} ms: expected a {action} CALL, got {}",
                    self.now.millis(),
                    self.frames.held.as_str()
                );
            }
        }
    }

    fn call(&mut self, action: &str, payload: &str) {
        let n = self.next_cs_id;
        self.next_cs_id += 1;
        self.awaiting = Some(n);
        self.frames.reply.clear();
        let out = &mut self.frames.out;
        out.clear();
        write!(out, r#"[2,"cs-{n}","{action}",{payload}]"#).expect("CALL too long for the bench");
        self.send_out();
        self.awaiting = None;
        assert!(
            !self.frames.reply.is_empty(),
            "{action}: the charge point did not answer"
        );
    }

    fn wait(&mut self, ms: u64) {
        let end = self.now.add_millis(ms);
        hprintln!("-- wait up to {} s", ms / 1000);
        loop {
            self.pump();
            if !self.frames.held.is_empty() {
                if self.answer_background() {
                    continue;
                }
                return; // for the next Expect
            }
            if self.now >= end {
                return;
            }
            let next = self
                .deadline
                .map_or(end, |t| t.min(end))
                .max(self.now.add_millis(1))
                .min(end);
            self.now = next;
            self.drv.handle_input(Input::Timeout, self.now);
        }
    }
}

/// Puts a frame of the charge point where the script will look for it.
fn route(held: &mut Buf, reply: &mut Buf, awaiting: Option<u32>, text: &str) {
    match driver::parse(text) {
        Parsed::Call { .. } => {
            assert!(
                held.is_empty(),
                "the charge point sent a second CALL before the first was answered: {text}"
            );
            held.set(text);
        }
        Parsed::Result { id, .. } | Parsed::Error { id, .. } => {
            let ours = id.strip_prefix("cs-").and_then(|n| n.parse::<u32>().ok());
            assert!(
                awaiting.is_some() && ours == awaiting,
                "an answer to a CALL the central system did not send: {text}"
            );
            reply.set(text);
        }
        Parsed::Invalid => panic!("the charge point sent an invalid frame: {text}"),
    }
}

/// `[3,"<id>",<answer>]`, with `$TIME` replaced by the central system's clock.
fn compose_result(out: &mut Buf, id: &str, answer: &str, now: Instant) {
    out.clear();
    let mut ok = write!(out, r#"[3,"{id}","#).is_ok();
    let mut rest = answer;
    while let Some(at) = find(rest, "$TIME") {
        ok &= out.write_str(rest.get(..at).unwrap_or_default()).is_ok();
        ok &= write!(out, "{}", driver::cs_time(now)).is_ok();
        rest = rest.get(at + "$TIME".len()..).unwrap_or_default();
    }
    ok &= out.write_str(rest).is_ok();
    ok &= out.write_str("]").is_ok();
    assert!(ok, "answer too long for the bench");
}

fn check_contains(action: &str, payload: &str, contains: &[&str]) {
    for needle in contains {
        assert!(
            find(payload, needle).is_some(),
            "{action}: expected {needle} in {payload}"
        );
    }
}

/// Where `needle` first occurs in `haystack`: a byte search, because `str::find` with a `&str`
/// pattern links the two-way string searcher (1.2 KB), which would be counted as the core's.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .position(|window| window == needle.as_bytes())
}

/// At most [`PRINT_MAX`] bytes of `text`, cut at a character boundary.
fn cut(text: &str) -> &str {
    let mut end = text.len().min(PRINT_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // `get`, not `[..end]`: a slice index that may panic links `str`'s slice error formatting
    // (with `char`'s Debug and the Unicode tables, 3 KB), which would be counted as the core's.
    text.get(..end).unwrap_or(text)
}
