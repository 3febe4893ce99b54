//! One simulated charge point: the core, the network driver, the simulated hardware, its
//! commands (stdin, or a fleet's board) and its script (`--scenario`).
//!
//! The same [`Runner`] and hooks serve both drivers: [`Runner::run`] on a thread with the
//! blocking `Connection` (one charge point, the demo), [`Runner::run_async`] as a tokio task with
//! `AsyncConnection` (a fleet, see fleet.rs).

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use ocpp_core::charge_point::config::{AuthorizationKey, CpoName};
use ocpp_core::charge_point::io::Input;
use ocpp_core::charge_point::security_log::{SECURITY_LOG_MAX, SecurityLogEntry};
use ocpp_core::charge_point::{
    Action, ChargePoint, Event, FirmwareReport, Instant, RecordKey, Registration, SecurityParts,
    Setup, Storage,
};
use ocpp_core::types::{BoundedString, DateTime};
use ocpp_core::v16::{LogType, Reason};
use ocpp_hal::sim::SimCharger;
use ocpp_hal::{ChargingLimit, EnergyOffer, Station};
use ocpp_tungstenite::{
    AsyncConnection, Clock, ConnectOptions, Connection, Control, FileStorage, Hooks, LinkEvent,
};

use crate::cli::Cli;
use crate::commands::Command;
use crate::crash::{self, CrashingStorage};
use crate::fleet::Board;
use crate::framelog;
use crate::scenario::{Scenario, Script};
use crate::security::Security;
use crate::transfer;

/// The charge point core as this simulator runs it: the one place that names its type (the
/// core's capacities are its defaults).
type Core = ChargePoint<Store>;

/// The restore buffer: records up to this size are restored (the transmit buffer's default,
/// whatever a fleet's smaller transmit buffer is).
const RESTORE_BUFFER: usize = 64 * 1024;

thread_local! {
    /// See [`Runner::start_life`].
    static RESTORE_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// How long an orderly quit waits for the StopTransaction messages to be delivered before it
/// closes the connection anyway.
const QUIT_GRACE_MS: u64 = 3_000;

/// Counters shared by every charge point of the process. Each charge point adds and removes
/// its own share when its state changes (not sampled), so a summary read at any time is exact.
#[derive(Debug, Default)]
pub struct Stats {
    started: AtomicU64,
    connected: AtomicU64,
    booted: AtomicU64,
    transactions: AtomicU64,
    stopped: AtomicU64,
    running: AtomicU64,
    queued: AtomicU64,
    frames: AtomicU64,
    errors: AtomicU64,
    energy_wh: AtomicU64,
    /// The transaction MeterValues samples sent (distinct: a sample sent again after a
    /// disconnect counts once), as hashes of (charge point, transactionId, timestamp): about 16
    /// bytes a sample, so a fleet benchmark can see that every sample arrived.
    meter_samples: std::sync::Mutex<std::collections::HashSet<u64>>,
}

impl Stats {
    /// Distinct transaction MeterValues samples sent (see `meter_samples`).
    pub fn meter_values_sent(&self) -> u64 {
        self.meter_samples
            .lock()
            .map_or(0, |set| u64::try_from(set.len()).unwrap_or(u64::MAX))
    }

    /// Notes a frame handed to the socket: a transaction MeterValues sample is counted once.
    fn note_sent(&self, charge_point: &str, frame: &str) {
        use std::hash::{Hash, Hasher};
        if !frame.contains("\"MeterValues\"") {
            return;
        }
        let Ok(serde_json::Value::Array(call)) = serde_json::from_str::<serde_json::Value>(frame)
        else {
            return;
        };
        let Some(payload) = call.get(3) else {
            return;
        };
        let (Some(tx), Some(at)) = (
            payload
                .get("transactionId")
                .and_then(serde_json::Value::as_i64),
            payload
                .get("meterValue")
                .and_then(|m| m.get(0))
                .and_then(|m| m.get("timestamp"))
                .and_then(serde_json::Value::as_str),
        ) else {
            return;
        };
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (charge_point, tx, at).hash(&mut h);
        if let Ok(mut set) = self.meter_samples.lock() {
            set.insert(h.finish());
        }
    }

    /// Charge points started (a fleet ramps them up).
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
    /// Transactions stopped.
    pub fn stopped(&self) -> u64 {
        self.stopped.load(Ordering::Relaxed)
    }
    /// Transaction messages queued (not yet answered by the central system), all charge points.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }
    pub fn connected(&self) -> u64 {
        self.connected.load(Ordering::Relaxed)
    }
    pub fn booted(&self) -> u64 {
        self.booted.load(Ordering::Relaxed)
    }
    pub fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }
    pub fn running(&self) -> u64 {
        self.running.load(Ordering::Relaxed)
    }
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
    /// The closing line of the demo.
    pub fn report(&self) -> String {
        format!(
            "ocpp-cp: done: {} transaction(s), {} Wh delivered, {} frames exchanged, {} error(s)",
            self.transactions(),
            self.energy_wh.load(Ordering::Relaxed),
            self.frames(),
            self.errors()
        )
    }
}

/// How a charge point's thread ended.
#[derive(Debug)]
pub enum Exit {
    /// `quit`.
    Quit,
    /// It could not run (credentials refused, server unreachable, storage).
    Failed(String),
}

/// Storage: the records (files under `--state-dir`, or memory, kept across simulated
/// restarts), and the security module the storage lends the core (`Storage::security`): one
/// charge point's, not a fleet's (see security.rs).
struct Store {
    records: Records,
    security: Option<Box<Security>>,
}

impl Store {
    /// Records in memory, no security module.
    #[cfg(test)]
    fn memory() -> Store {
        Store {
            records: Records::Memory(HashMap::new()),
            security: None,
        }
    }
}

/// The records.
enum Records {
    File(FileStorage),
    /// Files, with the test-only crash of `OCPP_CP_CRASH_AFTER_WRITES` armed (crash.rs).
    Crashing(CrashingStorage),
    Memory(HashMap<&'static str, Vec<u8>>),
}

impl Storage for Store {
    type Error = String;

    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, String> {
        self.records.load(key, buf)
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), String> {
        self.records.store(key, data)
    }

    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, String> {
        self.records.append(key, data)
    }

    fn security(&mut self) -> Option<SecurityParts<'_>> {
        self.security.as_deref_mut().map(|s| SecurityParts {
            scratch: &mut s.scratch,
            module: &mut *s.module,
        })
    }
}

impl Storage for Records {
    type Error = String;

    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, String> {
        match self {
            Records::File(f) => f.load(key, buf).map_err(|e| e.to_string()),
            Records::Crashing(f) => f.load(key, buf).map_err(|e| e.to_string()),
            Records::Memory(m) => {
                let Some(data) = m.get(key.name()) else {
                    return Ok(None);
                };
                let dst = buf
                    .get_mut(..data.len())
                    .ok_or("record larger than the buffer")?;
                dst.copy_from_slice(data);
                Ok(Some(dst))
            }
        }
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), String> {
        match self {
            Records::File(f) => f.store(key, data).map_err(|e| e.to_string()),
            Records::Crashing(f) => f.store(key, data).map_err(|e| e.to_string()),
            Records::Memory(m) => {
                m.insert(key.name(), data.to_vec());
                Ok(())
            }
        }
    }

    /// The journal is an append-only log: with files, a sample costs a small append instead of
    /// rewriting the whole record (FileStorage::append). In memory the record is rewritten.
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, String> {
        match self {
            Records::File(f) => f.append(key, data).map_err(|e| e.to_string()),
            Records::Crashing(f) => f.append(key, data).map_err(|e| e.to_string()),
            Records::Memory(_) => Ok(false),
        }
    }
}

/// Where a charge point's commands come from.
pub enum Inbox {
    /// One charge point (or the demo): stdin's commands through a channel.
    Channel(Receiver<Command>),
    /// A charge point of a fleet: the posts of the shared board for it, from `cursor` on.
    Board {
        board: Arc<Board>,
        index: u32,
        cursor: usize,
    },
}

impl Inbox {
    fn next(&mut self) -> Option<Command> {
        match self {
            Inbox::Channel(rx) => rx.try_recv().ok(),
            Inbox::Board {
                board,
                index,
                cursor,
            } => board.next(*index, cursor),
        }
    }
}

pub struct Runner {
    id: String,
    options: ConnectOptions,
    setup: Setup,
    state_dir: Option<PathBuf>,
    /// Moved into each life's hooks and back.
    inbox: Option<Inbox>,
    stats: Arc<Stats>,
    connect_attempts: u32,
    demo: bool,
    crash: Option<Arc<crash::Plan>>,
    /// `--scenario`: the file, and this charge point's number in the fleet (0-based).
    scenario: Option<(Arc<Scenario>, u64)>,
    /// The script, made at the first start and kept across restarts (a day goes on after a
    /// Reset).
    script: Option<Script>,
    /// Print transactions and authorizations on stdout (not for a quiet fleet).
    print_events: bool,
    /// `--security-profile`: seeded at the first start.
    security_profile: Option<u8>,
    /// The storage lends the core a security module (one charge point, not a fleet).
    security_module: bool,
    /// `--manufacturer-root`: the PEM installed in the security module at the start.
    manufacturer_root: Option<PathBuf>,
    /// `--ca`: the roots installed in the security module when it has none.
    ca: Option<PathBuf>,
    /// `--cpo-name`: the CpoName configuration key when none is stored.
    cpo_name: Option<String>,
}

impl Runner {
    pub fn new(
        cli: &Cli,
        url: &str,
        id: String,
        inbox: Inbox,
        stats: Arc<Stats>,
        crash: Option<Arc<crash::Plan>>,
    ) -> Runner {
        let mut options = ConnectOptions::new(url, id.clone());
        options.max_message_size = cli.max_message_size;
        if let Some(pw) = &cli.password {
            options = options.with_basic_auth(pw.clone());
        }
        if let Some(ca) = &cli.ca {
            options = options.with_ca_bundle(ca.clone());
        }
        if let (Some(cert), Some(key)) = (&cli.client_cert, &cli.client_key) {
            options = options.with_client_certificate(cert.clone(), key.clone());
        }
        let mut setup = Setup::new(&cli.vendor, &cli.model, cli.connectors);
        if setup.boot.charge_point_serial_number.is_none() {
            // The CN of the certificate signing requests (A00.FR.511: the serial number, not a
            // URL or an address): the id, or its first 25 characters (the field's bound).
            setup.boot.charge_point_serial_number =
                BoundedString::try_from(serial_number(&id)).ok();
        }
        setup.boot.firmware_version = BoundedString::try_from(env!("CARGO_PKG_VERSION")).ok();
        // A fleet's charge points have no security module: 12 KB of scratch each for a million
        // of them.
        let security_module = cli.count == 1;
        // The certificates the connection holds are the SecurityProfile prerequisites
        // (whitepaper A05.FR.03/04): a raise to 2 needs --ca, to 3 also --client-cert. With a
        // security module, --ca is installed in it and counts from there (so that a root the
        // central system deleted no longer does).
        setup.security.central_system_root_certificate = cli.ca.is_some() && !security_module;
        setup.security.charge_point_certificate = cli.client_cert.is_some();
        let state_dir = match (&cli.state_dir, cli.count) {
            (Some(dir), 1) => Some(dir.clone()),
            (Some(dir), _) => Some(dir.join(&id)),
            (None, _) => None,
        };
        Runner {
            id,
            options,
            setup,
            state_dir,
            inbox: Some(inbox),
            stats,
            connect_attempts: cli.connect_attempts,
            demo: cli.csms.is_none(),
            crash,
            scenario: None,
            script: None,
            print_events: true,
            security_profile: cli.security_profile,
            security_module,
            manufacturer_root: cli.manufacturer_root.clone(),
            ca: cli.ca.clone(),
            cpo_name: cli.cpo_name.clone(),
        }
    }

    /// Scripts this charge point (number `index` of the fleet) with `scenario`.
    pub fn with_scenario(mut self, scenario: Arc<Scenario>, index: u64) -> Runner {
        self.scenario = Some((scenario, index));
        self
    }

    /// Whether transactions and authorizations are printed on stdout.
    pub fn print_events(mut self, on: bool) -> Runner {
        self.print_events = on;
        self
    }

    /// The options, to tune for a fleet (buffers, `poll_interval`).
    pub fn options_mut(&mut self) -> &mut ConnectOptions {
        &mut self.options
    }

    /// The storage of the charge point: files under the state directory, or memory.
    fn open_store(&self) -> Result<Store, Exit> {
        let records = match &self.state_dir {
            Some(dir) => match FileStorage::open(dir) {
                Ok(f) => match &self.crash {
                    Some(plan) => Records::Crashing(CrashingStorage::new(f, Arc::clone(plan))),
                    None => Records::File(f),
                },
                Err(e) => {
                    return Err(Exit::Failed(format!(
                        "{}: state directory {}: {e}",
                        self.id,
                        dir.display()
                    )));
                }
            },
            None => Records::Memory(HashMap::new()),
        };
        let security = if self.security_module {
            Some(Box::new(self.open_security()?))
        } else {
            None
        };
        Ok(Store { records, security })
    }

    /// The security module, with `--manufacturer-root` and (when no root is installed) `--ca`
    /// installed.
    fn open_security(&self) -> Result<Security, Exit> {
        let failed = |what: &str, e: String| Exit::Failed(format!("{}: {what}: {e}", self.id));
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| failed(&path.display().to_string(), e.to_string()))
        };
        let mut security =
            Security::open(self.state_dir.as_deref()).map_err(|e| failed("security module", e))?;
        if let Some(path) = &self.manufacturer_root {
            security
                .install_manufacturer_root(&read(path)?)
                .map_err(|e| failed("--manufacturer-root", e))?;
        }
        if let Some(path) = &self.ca {
            let seeded = security
                .seed_central_system_roots(&read(path)?)
                .map_err(|e| failed("--ca", e))?;
            if seeded > 0 {
                framelog::line(&format!(
                    "{}: {seeded} CentralSystemRootCertificate(s) of --ca installed",
                    self.id
                ));
            }
        }
        Ok(security)
    }

    /// One life of the charge point (until a reset or the end): the core restored from `store`,
    /// and its hooks around `sim`.
    fn start_life(
        &mut self,
        store: Store,
        sim: SimCharger,
        control: Control,
        now: Instant,
        first: bool,
    ) -> (Box<Core>, SimHooks<'_>) {
        // Records are read into a scratch buffer while restoring: the thread's, so that a fleet
        // does not allocate and free 64 KiB per charge point (the freed blocks, reused for the
        // next ones' state, would be zeroed and resident).
        let size = self.options.transmit_buffer_size.max(RESTORE_BUFFER);
        let seed = self.security_profile.filter(|_| first);
        let password = self.options.basic_auth_password.clone();
        let start = |scratch: &mut [u8]| {
            let cp = Box::new(ChargePoint::new(self.setup.clone(), store, now, scratch));
            match seed {
                Some(profile) => seed_security_profile(
                    cp,
                    &self.setup,
                    &self.id,
                    (profile, password.as_deref()),
                    now,
                    scratch,
                ),
                None => cp,
            }
        };
        let mut cp = RESTORE_SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                if scratch.len() < size {
                    scratch.resize(size, 0);
                }
                start(&mut scratch)
            }
            Err(_) => start(&mut vec![0; size]),
        });
        if first {
            if let Some(name) = &self.cpo_name {
                seed_cpo_name(&mut cp, &self.id, name);
            }
        }
        if first && self.demo {
            // The demo shows meter values within seconds.
            let _ = cp.change_configuration("MeterValueSampleInterval", "3", now);
            let _ = cp.change_configuration(
                "MeterValuesSampledData",
                "Energy.Active.Import.Register,Power.Active.Import",
                now,
            );
            let _ =
                cp.change_configuration("StopTxnSampledData", "Energy.Active.Import.Register", now);
        }
        if first {
            if let Some((scenario, index)) = &self.scenario {
                if let Some(s) = scenario.meter_interval_s {
                    let _ =
                        cp.change_configuration("MeterValueSampleInterval", &s.to_string(), now);
                }
                self.script = Some(Script::new(
                    Arc::clone(scenario),
                    *index,
                    self.setup.connectors,
                    now,
                ));
            }
        }
        let mut inbox = self.inbox.take();
        if let Some(Inbox::Board { board, index, .. }) = &mut inbox {
            board.register(*index, control.clone());
        }
        let hooks = SimHooks {
            id: self.id.clone(),
            station: Station::new(sim, self.setup.connectors),
            inbox,
            script: self.script.take(),
            control,
            stats: &self.stats,
            exit: None,
            failures: 0,
            ever_connected: false,
            connected: false,
            connect_attempts: self.connect_attempts,
            quitting: false,
            control_closed: false,
            tick_again: false,
            close_at: None,
            was_booted: false,
            running: vec![false; self.setup.connectors as usize + 1],
            frames: 0,
            queued: 0,
            pending: VecDeque::new(),
            print_events: self.print_events,
            upload_generation: Arc::new(AtomicU64::new(0)),
        };
        (cp, hooks)
    }

    /// What a run starts with, on either driver: counted as started, its storage opened, and the
    /// simulated charger whose real-time clock is the host's (the wall clock is right from the
    /// start, not only after BootNotification.conf: a transaction started before that answer,
    /// e.g. after a restart with a slow central system, was stamped 1970-01-01).
    fn begin(&mut self) -> Result<(Store, SimCharger), Exit> {
        self.stats.started.fetch_add(1, Ordering::Relaxed);
        let store = self.open_store()?;
        if let Some(security) = &store.security {
            // The installed charge point certificate's key, for security profile 3.
            self.options.client_key_loader = Some(security.key_loader());
        }
        let mut sim = SimCharger::new(self.setup.connectors);
        sim.set_rtc(Some(system_time()));
        Ok((store, sim))
    }

    /// A life ended (`SimHooks::end`): takes back what outlives it, and says how the run goes
    /// on: `Ok` (the simulated charger) for a restart, `Err` for the end of the run.
    fn end_life(
        &mut self,
        (exit, hal, inbox, script): (Option<HookExit>, SimCharger, Option<Inbox>, Option<Script>),
    ) -> Result<SimCharger, Exit> {
        self.inbox = inbox;
        self.script = script;
        match exit {
            Some(HookExit::Restart) => {
                framelog::line(&format!("{} restarting", self.id));
                Ok(hal)
            }
            Some(HookExit::Quit) | None => Err(Exit::Quit),
            Some(HookExit::Failed(message)) => Err(Exit::Failed(message)),
        }
    }

    /// Runs as a tokio task (a fleet) until `quit`: as [`Runner::run`], on the async driver, which
    /// sleeps until the core's next deadline, a frame, a command or the script's next step.
    pub async fn run_async(mut self) -> Exit {
        let (mut store, mut sim) = match self.begin() {
            Ok(started) => started,
            Err(exit) => return exit,
        };
        let clock = Clock::new();
        let mut first = true;
        loop {
            let mut connection = AsyncConnection::with_clock(self.options.clone(), clock);
            let (mut cp, mut hooks) =
                self.start_life(store, sim, connection.control(), connection.now(), first);
            first = false;
            connection.run(&mut cp, &mut hooks).await;
            let ended = hooks.end();
            store = cp.into_storage();
            sim = match self.end_life(ended) {
                Ok(sim) => sim,
                Err(exit) => return exit,
            };
        }
    }

    /// Runs until `quit`, rebuilding the charge point from its storage after every reset (a new
    /// BootNotification follows, as after a real restart).
    pub fn run(mut self) -> Exit {
        let (mut store, mut sim) = match self.begin() {
            Ok(started) => started,
            Err(exit) => return exit,
        };
        let clock = Clock::new();
        let mut first = true;
        loop {
            let mut connection = Connection::with_clock(self.options.clone(), clock);
            let (mut cp, mut hooks) =
                self.start_life(store, sim, connection.control(), connection.now(), first);
            first = false;
            connection.run(&mut cp, &mut hooks);
            let ended = hooks.end();
            store = cp.into_storage();
            sim = match self.end_life(ended) {
                Ok(sim) => sim,
                Err(exit) => return exit,
            };
        }
    }
}

/// `--security-profile`: raises the SecurityProfile configuration key to `profile` and stores
/// it; a stored higher profile is kept (whitepaper §7.6: it only goes up). For profiles 1 and 2,
/// `password` becomes the AuthorizationKey when none is stored and it is one (16 to 20 bytes in
/// hexadecimal, whitepaper §7.1), so that the central system sees it in the configuration and
/// may replace it (the next connection uses the stored key).
///
/// Provisioned from "no security profile" (0), the configuration record is written and the
/// charge point is started anew from its storage, as after a power cycle: that start is then a
/// security event too (StartupOfTheDevice, which profile 0 does not raise).
fn seed_security_profile(
    mut cp: Box<Core>,
    setup: &Setup,
    id: &str,
    (profile, password): (u8, Option<&str>),
    now: Instant,
    scratch: &mut [u8],
) -> Box<Core> {
    let before = cp.configuration().security_profile;
    if before > profile {
        framelog::line(&format!(
            "{id}: SecurityProfile {before} is stored; --security-profile {profile} ignored \
             (the profile only goes up)"
        ));
        return cp;
    }
    if !raise_security_profile(&mut cp, profile, password) {
        return cp;
    }
    if before > 0 {
        return cp;
    }
    let record = match cp.configuration().encode(scratch) {
        Ok(len) => scratch.get(..len).map(<[u8]>::to_vec),
        Err(_) => None,
    };
    let Some(record) = record else {
        // Stored at the next turn of the driver instead; this start raised no event.
        return cp;
    };
    let mut store = cp.into_storage();
    if let Err(e) = store.store(RecordKey::Configuration, &record) {
        framelog::line(&format!("{id}: cannot store the configuration: {e}"));
    }
    let mut cp = Box::new(ChargePoint::new(setup.clone(), store, now, scratch));
    // In memory whatever the storage did.
    raise_security_profile(&mut cp, profile, password);
    cp
}

/// Raises the profile (and seeds the key) in memory and marks the configuration for storing;
/// true when something changed.
fn raise_security_profile(cp: &mut Core, profile: u8, password: Option<&str>) -> bool {
    let config = cp.configuration_mut();
    let mut changed = config.security_profile < profile;
    config.security_profile = config.security_profile.max(profile);
    if matches!(profile, 1 | 2) && config.authorization_key.is_none() {
        if let Some(key) = password.and_then(AuthorizationKey::parse) {
            config.authorization_key = Some(key);
            changed = true;
        }
    }
    if changed {
        cp.save_configuration();
    }
    changed
}

/// `--cpo-name`: the CpoName configuration key when none is stored (a name the central system
/// set stays), stored with the configuration.
fn seed_cpo_name(cp: &mut Core, id: &str, name: &str) {
    if cp.configuration().cpo_name.is_some() {
        return;
    }
    match CpoName::try_from(name) {
        Ok(name) => {
            cp.configuration_mut().cpo_name = Some(name);
            cp.save_configuration();
        }
        Err(_) => framelog::line(&format!("{id}: --cpo-name {name:?} is too long: ignored")),
    }
}

/// The chargePointSerialNumber of a charge point with this id: the id, or its first 25
/// characters (CiString25Type).
fn serial_number(id: &str) -> &str {
    id.char_indices()
        .nth(25)
        .map_or(id, |(end, _)| id.get(..end).unwrap_or(id))
}

/// The host's clock.
fn system_time() -> DateTime {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    DateTime::from_unix_millis(i64::try_from(ms).unwrap_or(0)).unwrap_or_default()
}

enum HookExit {
    Quit,
    Restart,
    Failed(String),
}

struct SimHooks<'a> {
    id: String,
    station: Station<SimCharger>,
    inbox: Option<Inbox>,
    script: Option<Script>,
    control: Control,
    stats: &'a Stats,
    exit: Option<HookExit>,
    failures: u32,
    ever_connected: bool,
    /// The link is up (counted in `Stats::connected`).
    connected: bool,
    connect_attempts: u32,
    quitting: bool,
    /// The close was asked for (once: each ask is a command to the driver).
    control_closed: bool,
    /// Another turn is wanted at once (see `wake_at`).
    tick_again: bool,
    /// After `quit`: close then, delivered or not.
    close_at: Option<Instant>,
    was_booted: bool,
    running: Vec<bool>,
    frames: u64,
    /// The charge point's queued transaction messages, as counted in `Stats::queued`.
    queued: u64,
    /// Events of the commands (a stop on quit), fed one input at a time.
    pending: VecDeque<Event>,
    print_events: bool,
    /// Bumped at every upload started or cancelled: an upload thread reports its outcome only
    /// while it is still the current one (`Action::CancelUpload`, security whitepaper N01.FR.11:
    /// the thread cannot be stopped, its report is dropped).
    upload_generation: Arc<AtomicU64>,
}

impl SimHooks<'_> {
    /// The end of a life: its share of the counters given back; what outlives it.
    fn end(self) -> (Option<HookExit>, SimCharger, Option<Inbox>, Option<Script>) {
        let stats = self.stats;
        if self.was_booted {
            stats.booted.fetch_sub(1, Ordering::Relaxed);
        }
        if self.connected {
            stats.connected.fetch_sub(1, Ordering::Relaxed);
        }
        let running = self.running.iter().filter(|r| **r).count() as u64;
        stats.running.fetch_sub(running, Ordering::Relaxed);
        stats.queued.fetch_sub(self.queued, Ordering::Relaxed);
        (self.exit, self.station.into_hal(), self.inbox, self.script)
    }

    fn finish(&mut self, exit: HookExit) {
        self.exit = Some(exit);
        self.control.close();
    }

    fn apply(&mut self, cp: &Core, command: Command, now: Instant) {
        let sim = self.station.hal_mut();
        let valid = |c: u32| c >= 1 && c <= sim.connectors();
        match command {
            Command::Plug(c) if valid(c) => sim.plug(c),
            Command::Unplug(c) if valid(c) => sim.unplug(c),
            Command::Tag(c, tag) if valid(c) => {
                let _ = sim.present_tag(c, &tag);
            }
            Command::Ev(c, watts) if valid(c) => sim.set_ev_power(c, watts),
            Command::Fault(c, code) if c <= sim.connectors() => sim.set_fault(c, Some(code)),
            Command::Ok(c) if c <= sim.connectors() => {
                sim.set_fault(c, None);
                self.station.clear_fault(c);
            }
            Command::Quit => {
                // Orderly shutdown: running transactions are stopped and their StopTransaction
                // gets a few seconds to reach the central system.
                self.quitting = true;
                for c in 1..=self.station.connectors() {
                    if cp.transaction(c).is_some() {
                        self.pending.push_back(Event::StopRequested {
                            connector: c,
                            reason: Reason::Local,
                        });
                    }
                }
                if let Some(script) = &mut self.script {
                    script.stop();
                }
                self.close_at = Some(now.add_millis(QUIT_GRACE_MS));
                // The next turn sees whether anything is left to deliver (on_tick), rather than
                // the grace's end.
                self.tick_again = true;
            }
            other => framelog::line(&format!("{} ignored {other:?}: no such connector", self.id)),
        }
    }
}

impl SimHooks<'_> {
    /// Uploads `content` (the recent frame log when `None`) to `location` as `name` on a thread
    /// of its own, and reports with the event `outcome` makes of the result, unless another
    /// upload started or a cancel came meanwhile (see `upload_generation`).
    fn upload(
        &self,
        what: &str,
        location: String,
        name: String,
        content: Option<String>,
        outcome: impl FnOnce(&Result<(), String>) -> Event + Send + 'static,
    ) {
        let generation = Arc::clone(&self.upload_generation);
        let mine = generation.fetch_add(1, Ordering::SeqCst) + 1;
        let control = self.control.clone();
        let id = self.id.clone();
        let what = what.to_owned();
        thread::spawn(move || {
            let content = content.unwrap_or_else(framelog::recent);
            let result = transfer::upload(&location, &name, content.as_bytes());
            match &result {
                Ok(()) => framelog::line(&format!("{id} {what} {name} uploaded to {location}")),
                Err(e) => framelog::line(&format!("{id} {what} upload to {location} failed: {e}")),
            }
            if generation.load(Ordering::SeqCst) == mine {
                control.send_event(outcome(&result));
            }
        });
    }
}

/// The security log as text, one line per entry (`SecurityLogEntry::line`), within
/// `oldest..=latest`; a line saying why when it cannot be read.
fn security_log_text(cp: &mut Core, oldest: Option<DateTime>, latest: Option<DateTime>) -> String {
    let mut buf = vec![0u8; SECURITY_LOG_MAX];
    let mut line = [0u8; SecurityLogEntry::LINE_MAX];
    match cp.security_log(&mut buf, oldest, latest) {
        Ok(entries) => entries
            .filter_map(|e| e.line(&mut line).map(str::to_owned))
            .collect(),
        Err(e) => format!("the security log could not be read: {e}\n"),
    }
}

impl Hooks<Store> for SimHooks<'_> {
    fn on_action(&mut self, cp: &mut Core, action: Action, now: Instant) {
        let Some(action) = self.station.apply(action, now) else {
            return;
        };
        match action {
            Action::Reset { .. } => self.finish(HookExit::Restart),
            Action::ChargingLimit { connector, limit } => {
                let limit = limit.map(|l| ChargingLimit {
                    unit: l.unit,
                    limit: l.value,
                    number_phases: l.number_phases.and_then(|p| u32::try_from(p).ok()),
                });
                let _ = self.station.hal_mut().set_limit(connector, limit);
            }
            Action::TransactionStarted { connector } => {
                self.stats.transactions.fetch_add(1, Ordering::Relaxed);
                if let Some(r) = self.running.get_mut(connector as usize) {
                    if !*r {
                        self.stats.running.fetch_add(1, Ordering::Relaxed);
                        *r = true;
                    }
                }
                if self.print_events {
                    println!("[{}] transaction started on connector {connector}", self.id);
                }
            }
            Action::TransactionStopped { connector } => {
                self.stats.stopped.fetch_add(1, Ordering::Relaxed);
                if let Some(r) = self.running.get_mut(connector as usize) {
                    if *r {
                        self.stats.running.fetch_sub(1, Ordering::Relaxed);
                        *r = false;
                    }
                }
                let wh = self.station.hal().register_wh(connector);
                self.stats
                    .energy_wh
                    .store(u64::try_from(wh).unwrap_or(0), Ordering::Relaxed);
                if self.print_events {
                    println!(
                        "[{}] transaction stopped on connector {connector} (meter {wh} Wh)",
                        self.id
                    );
                }
            }
            Action::Authorization {
                connector,
                id_tag,
                status,
            } if self.print_events => {
                println!(
                    "[{}] idTag {id_tag} at connector {connector:?}: {status}",
                    self.id
                );
            }
            Action::DownloadFirmware => {
                let url = cp
                    .firmware_request()
                    .map(|r| r.location.to_owned())
                    .unwrap_or_default();
                let control = self.control.clone();
                let id = self.id.clone();
                thread::spawn(move || {
                    // Hashed as it streams by: a signed update's signature is verified over the
                    // digest (security whitepaper L01.FR.04); an unsigned one ignores it.
                    let report = match transfer::download(&url) {
                        Ok(file) => {
                            framelog::line(&format!(
                                "{id} firmware downloaded from {url}: {} bytes, SHA-256 {}",
                                file.size,
                                file.sha256.to_hex()
                            ));
                            FirmwareReport::Downloaded {
                                sha256: file.sha256,
                            }
                        }
                        Err(e) => {
                            framelog::line(&format!(
                                "{id} firmware download from {url} failed: {e}"
                            ));
                            FirmwareReport::DownloadFailed
                        }
                    };
                    control.send_event(Event::Firmware(report));
                });
            }
            Action::InstallFirmware => {
                // "Installing" the simulated firmware: the new one runs after a restart (a
                // signed update reports InstallRebooting first), which boots anew.
                framelog::line(&format!("{} installing firmware", self.id));
                // One input; the driver goes on draining.
                let installed = Event::Firmware(FirmwareReport::Installed { reboot: true });
                let _ = cp.handle_input(Input::Event(installed), now);
            }
            Action::UploadDiagnostics => {
                let Some(req) = cp.diagnostics_request() else {
                    return;
                };
                let location = req.location.to_owned();
                let name = req.file_name.to_owned();
                self.upload("diagnostics", location, name, None, |result| {
                    Event::DiagnosticsUploaded { ok: result.is_ok() }
                });
            }
            Action::UploadLog => {
                // Security whitepaper N01: a DiagnosticsLog is what GetDiagnostics uploads
                // (N01.FR.04), a SecurityLog the lines of the security log within the request's
                // time window (N01.FR.03), read here (the upload thread has no core).
                let Some(req) = cp.log_request() else {
                    return;
                };
                let (location, name) = (req.location.to_owned(), req.file_name.to_owned());
                let (request_id, log_type) = (req.request_id, req.log_type);
                let content = match log_type {
                    LogType::DiagnosticsLog => None,
                    LogType::SecurityLog => {
                        let (oldest, latest) = (req.oldest_timestamp, req.latest_timestamp);
                        Some(security_log_text(cp, oldest, latest))
                    }
                };
                self.upload(log_type.as_str(), location, name, content, move |result| {
                    Event::LogUploaded {
                        request_id,
                        status: transfer::log_upload_status(result),
                    }
                });
            }
            Action::CancelUpload => {
                self.upload_generation.fetch_add(1, Ordering::SeqCst);
                framelog::line(&format!("{} upload cancelled", self.id));
            }
            Action::StorageFailed { key } => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                framelog::line(&format!(
                    "{} storage failed for {key} (not stored, or unreadable at start: dropped)",
                    self.id
                ));
            }
            _ => {}
        }
    }

    fn on_transmit(&mut self, frame: &str) {
        self.stats.note_sent(&self.id, frame);
    }

    fn on_link(&mut self, event: &LinkEvent<'_>) {
        match event {
            LinkEvent::Connected { url } => {
                self.failures = 0;
                self.ever_connected = true;
                if !self.connected {
                    self.connected = true;
                    self.stats.connected.fetch_add(1, Ordering::Relaxed);
                }
                if self.print_events {
                    framelog::line(&format!("{} connected to {url}", self.id));
                }
            }
            LinkEvent::ConnectFailed { error, retry_in } => {
                self.failures += 1;
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                // Refused credentials at start are a misconfiguration: say so and stop. Once
                // connected, keep trying like a charger: the central system may have changed its
                // certificate or raised the SecurityProfile, whose failed attempts must count
                // towards the fallback (security whitepaper A05.FR.08).
                if error.is_authentication_failure() && !self.ever_connected {
                    self.finish(HookExit::Failed(format!(
                        "{}: the central system refused the credentials ({error})",
                        self.id
                    )));
                } else if !self.ever_connected
                    && self.connect_attempts > 0
                    && self.failures >= self.connect_attempts
                {
                    self.finish(HookExit::Failed(format!(
                        "{}: cannot connect after {} attempts: {error}",
                        self.id, self.failures
                    )));
                } else {
                    framelog::line(&format!(
                        "{} cannot connect: {error}; retrying in {:.1} s",
                        self.id,
                        retry_in.as_secs_f64()
                    ));
                }
            }
            LinkEvent::Disconnected { reason, retry_in } => {
                if self.connected {
                    self.connected = false;
                    self.stats.connected.fetch_sub(1, Ordering::Relaxed);
                }
                match retry_in {
                    Some(d) => framelog::line(&format!(
                        "{} disconnected: {reason}; reconnecting in {:.1} s",
                        self.id,
                        d.as_secs_f64()
                    )),
                    None if self.print_events => {
                        framelog::line(&format!("{} disconnected: {reason}", self.id));
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// The events of the commands and of the simulated hardware, one input at a time. Each
    /// command takes effect before the next one (`tag` then `unplug` is a stop by card, then an
    /// unplug; not the other way round): the next command is taken only when the hardware has
    /// told everything the last one changed.
    fn poll_event(&mut self, cp: &Core, now: Instant) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if let Some(event) = self.station.poll_event(cp, now) {
                return Some(event);
            }
            // A typed command first, then the script's step that is due.
            let typed = self.inbox.as_mut().and_then(Inbox::next);
            let command = match typed {
                Some(c) => c,
                None => self.script.as_mut()?.next_command(now)?,
            };
            if command == Command::Quit && self.exit.is_none() {
                self.exit = Some(HookExit::Quit);
            }
            self.apply(cp, command, now);
            self.station.hal_mut().advance(now);
            self.station.poll_now();
        }
    }

    /// The script's next step and the end of the quit's grace: the driver sleeps until then
    /// (or until the core's deadline, a frame, a command).
    fn wake_at(&self) -> Option<Instant> {
        if self.tick_again {
            return Some(Instant(0));
        }
        let script = self.script.as_ref().and_then(Script::wake_at);
        match (script, self.close_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn on_tick(&mut self, cp: &Core, now: Instant) {
        self.tick_again = false;
        // The simulated hardware is polled on every turn.
        self.station.hal_mut().advance(now);
        self.station.poll_now();
        let booted = cp.registration() == Registration::Accepted;
        if booted != self.was_booted {
            self.was_booted = booted;
            if booted {
                self.stats.booted.fetch_add(1, Ordering::Relaxed);
            } else {
                self.stats.booted.fetch_sub(1, Ordering::Relaxed);
            }
        }
        let (out, inn) = cp.frame_counts();
        let total = out + inn;
        self.stats
            .frames
            .fetch_add(total.saturating_sub(self.frames), Ordering::Relaxed);
        self.frames = total;
        let queued = cp.queued_transaction_messages() as u64;
        if queued != self.queued {
            if queued > self.queued {
                self.stats
                    .queued
                    .fetch_add(queued - self.queued, Ordering::Relaxed);
            } else {
                self.stats
                    .queued
                    .fetch_sub(self.queued - queued, Ordering::Relaxed);
            }
            self.queued = queued;
        }
        if self.quitting
            && (queued == 0 || self.close_at.is_some_and(|t| t <= now))
            && !self.control_closed
        {
            self.control_closed = true;
            self.control.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn core(store: Store) -> Box<Core> {
        let mut scratch = vec![0; RESTORE_BUFFER];
        Box::new(ChargePoint::new(
            Setup::new("V", "M", 1),
            store,
            Instant(0),
            &mut scratch,
        ))
    }

    fn seed(cp: Box<Core>, profile: u8, password: Option<&str>) -> Box<Core> {
        let mut scratch = vec![0; RESTORE_BUFFER];
        seed_security_profile(
            cp,
            &Setup::new("V", "M", 1),
            "CP",
            (profile, password),
            Instant(0),
            &mut scratch,
        )
    }

    /// `--cpo-name` sets CpoName when none is stored, and is stored; a stored one stays.
    #[test]
    fn the_cpo_name_is_a_default() {
        let mut cp = core(Store::memory());
        assert!(cp.configuration().cpo_name.is_none());
        seed_cpo_name(&mut cp, "CP", "Example CPO");
        assert_eq!(cp.configuration().cpo_name.as_deref(), Some("Example CPO"));
        let mut out = [0u8; 4096];
        let _ = cp.poll_output(Instant(0), &mut out);
        let mut cp = core(cp.into_storage());
        assert_eq!(cp.configuration().cpo_name.as_deref(), Some("Example CPO"));
        seed_cpo_name(&mut cp, "CP", "Another");
        assert_eq!(cp.configuration().cpo_name.as_deref(), Some("Example CPO"));
    }

    #[test]
    fn the_serial_number_is_the_id_or_its_first_25_characters() {
        assert_eq!(serial_number("CP-1"), "CP-1");
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(serial_number(long), "abcdefghijklmnopqrstuvwxy");
        assert_eq!(serial_number(&"é".repeat(30)), "é".repeat(25));
    }

    /// `--security-profile` seeds the stored configuration once and only ever raises it.
    #[test]
    fn the_security_profile_is_seeded_and_only_goes_up() {
        let cp = core(Store::memory());
        assert_eq!(cp.configuration().security_profile, 0);
        assert_eq!(cp.queued_transaction_messages(), 0);
        let mut cp = seed(cp, 2, Some(KEY));
        assert_eq!(cp.configuration().security_profile, 2);
        // Started with the profile: the start is a security event (StartupOfTheDevice), raised
        // once the wall clock is known, with SettingSystemTime.
        assert_eq!(cp.queued_transaction_messages(), 0);
        let wall = DateTime::parse("2026-12-07T12:00:00Z").unwrap();
        cp.handle_input(Input::Event(Event::ClockSync { now: wall }), Instant(0))
            .unwrap();
        assert_eq!(cp.queued_transaction_messages(), 2);
        assert_eq!(
            cp.configuration()
                .authorization_key
                .as_ref()
                .map(AuthorizationKey::as_str),
            Some(KEY)
        );
        // Stored: a restart finds it, and a lower flag does not lower it.
        let cp = core(cp.into_storage());
        assert_eq!(cp.configuration().security_profile, 2);
        let cp = seed(cp, 1, Some(KEY));
        assert_eq!(cp.configuration().security_profile, 2);
        // A higher one raises it (stored at the driver's next turn, as any change).
        let cp = seed(cp, 3, None);
        assert_eq!(cp.configuration().security_profile, 3);

        // A password that is no AuthorizationKey (not hexadecimal) is still the Basic
        // authentication password, but not stored as the key.
        let cp = seed(core(Store::memory()), 1, Some("not hex"));
        assert_eq!(cp.configuration().security_profile, 1);
        assert!(cp.configuration().authorization_key.is_none());
        let cp = core(cp.into_storage());
        assert_eq!(cp.configuration().security_profile, 1);
    }
}
