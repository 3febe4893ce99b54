//! The [`ChargePoint`] state machine: the sans-IO loop of an OCPP 1.6 charge point.
//!
//! This file holds the loop (inputs, outputs, scheduling) and the Core profile; the other
//! profiles' behaviour is in the submodules, one per spec concept.

mod disabled;
#[cfg(feature = "profile-firmware")]
mod firmware;
#[cfg(feature = "profile-local-list")]
mod local_list;
#[cfg(feature = "profile-reservation")]
mod reservation;
#[cfg(feature = "profile-smart-charging")]
mod smart;
#[cfg(feature = "profile-trigger")]
mod trigger;

use core::fmt::Write as _;

use serde::Serialize;

use crate::json::{self, DecodeOptions};
use crate::limits::{JOURNAL_RECORD_MAX, MAX_CONNECTORS, MAX_PENDING_REQUESTS};
use crate::rpc::{self, ErrorCode, Frame, MessageId};
use crate::types::{BoundedString, DateTime, List};
use crate::v16::{
    self, Action as OcppAction, AuthorizationStatus, AvailabilityStatus, AvailabilityType,
    BootNotificationRequest, ChargePointErrorCode, ChargePointStatus, ClearCacheStatus,
    ConnectorId, DataTransferStatus, IdTagInfo, IdToken, Reason, RegistrationStatus,
    RemoteStartStopStatus, ResetStatus, ResetType, UnlockStatus,
};

use super::auth::{self, AuthCache, AuthContext, Decision, LocalAuthList, Rejection, StopCheck};
use super::config::{Configuration, Key, KeyId};
use super::connector::{Connector, Fault};
use super::io::{Action, Event};
use super::journal::{
    Journal, Queued, Sample, StopData, StopEntry, Transaction, TxMessage, measurand_list,
    measurand_mask,
};
use super::metering::{self, MeterReadings, MeterScheduler, MeterSetup, StopTxnMeasurands};
use super::outbox::{Answer, AnswerId, Reply, Request, StatusOnly};
#[cfg(feature = "profile-smart-charging")]
use super::smart_charging::{Limit, ProfileStore};
use super::storage::{RecordKey, Storage};
use super::{Instant, WallClock};

/// How long we wait for the answer to a CALL before giving up on it (OCPP-J §4.1.1 leaves the
/// choice to the implementation).
pub const DEFAULT_CALL_TIMEOUT_MS: u64 = 30_000;
/// Boot retry interval when the central system answers `interval: 0` (§4.2: "chooses a waiting
/// interval on its own, in a way that avoids flooding").
pub const DEFAULT_BOOT_RETRY_S: u64 = 60;
/// How long a deferred answer (UnlockConnector, DataTransfer to a vendor handler) waits for the
/// integrator.
pub const DEFERRED_ANSWER_TIMEOUT_MS: u64 = 5_000;
/// After Reset, how long the charge point tries to deliver the StopTransaction messages before it
/// asks for the restart anyway (they stay in the journal and are sent after the restart).
pub const RESET_GRACE_MS: u64 = 10_000;

const AUTH_CACHE_SIZE: usize = crate::limits::AUTH_CACHE_SIZE;
#[cfg(feature = "profile-local-list")]
const LOCAL_LIST_SIZE: usize = crate::limits::LOCAL_AUTH_LIST_MAX_LENGTH;
/// Without Local Auth List Management the list is always empty.
#[cfg(not(feature = "profile-local-list"))]
const LOCAL_LIST_SIZE: usize = 0;
const MAX_ANSWERS: usize = 2;
const MAX_ACTIONS: usize = 24;
const RECORD_BUF: usize = JOURNAL_RECORD_MAX;

/// The charge point's identity and fixed options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// What BootNotification reports (vendor, model, serial numbers, firmware version, ...).
    pub boot: BootNotificationRequest,
    /// Number of connectors, 1..=[`MAX_CONNECTORS`].
    pub connectors: u32,
    /// Answer timeout for our CALLs.
    pub call_timeout_ms: u64,
    /// The reason given in StopTransaction for a transaction the charge point finds running after a
    /// restart it did not ask for (§7.36: `PowerLoss`, or `Reboot` if the integrator knows better).
    pub stop_reason_after_restart: Reason,
    /// Vendor ids whose DataTransfer requests the integrator handles (see
    /// [`Action::DataTransferRequested`]).
    pub data_transfer_vendors: List<crate::types::CiString255, 4>,
    /// Decoding options for frames from the central system.
    pub decode: DecodeOptions,
    /// Nominal line voltage for converting A <-> W limits (errata 3.68: 230 or 110 V).
    pub line_voltage: u16,
    /// The hardware's rating: what a composite schedule reports where no profile limits the
    /// connector.
    pub rated_limit: super::smart_charging::Limit,
    /// The connectors have a cable lock ([`Action::CableLock`], [`Action::Unlock`]); without one,
    /// UnlockConnector is answered `NotSupported` (§6.54).
    pub connector_lock: bool,
}

impl Setup {
    /// A setup with defaults: `vendor`, `model`, `connectors`.
    pub fn new(vendor: &str, model: &str, connectors: u32) -> Self {
        Setup {
            boot: BootNotificationRequest {
                charge_box_serial_number: None,
                charge_point_model: BoundedString::truncated(model),
                charge_point_serial_number: None,
                charge_point_vendor: BoundedString::truncated(vendor),
                firmware_version: None,
                iccid: None,
                imsi: None,
                meter_serial_number: None,
                meter_type: None,
            },
            connectors: connectors.clamp(1, MAX_CONNECTORS as u32),
            call_timeout_ms: DEFAULT_CALL_TIMEOUT_MS,
            stop_reason_after_restart: Reason::PowerLoss,
            data_transfer_vendors: List::new(),
            decode: DecodeOptions::DEFAULT,
            line_voltage: 230,
            rated_limit: super::smart_charging::Settings::default().unconstrained,
            connector_lock: true,
        }
    }
}

/// Where the charge point stands with the central system (§4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// No BootNotification answered yet.
    Unknown,
    /// BootNotification answered Pending.
    Pending,
    /// BootNotification answered Accepted.
    Accepted,
    /// BootNotification answered Rejected.
    Rejected,
}

/// What the hardware was last told about a connector's charging limit.
#[cfg(feature = "profile-smart-charging")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppliedLimit {
    /// Nothing yet (every connector is told once).
    NotYet,
    /// This limit (`None`: unlimited).
    Reported(Option<Limit>),
}

/// Why the journal's head could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadProblem {
    Empty,
    NoTransactionId,
    TooLarge,
}

/// What the CALL in flight was.
#[derive(Debug, Clone, PartialEq)]
enum Sent {
    /// The head of the journal queue.
    Journal,
    /// A request from the outbox.
    Request(Request),
}

#[derive(Debug, Clone, PartialEq)]
struct InFlight {
    id: MessageId,
    sent_at: Instant,
    what: Sent,
}

/// An identifier being authorized or authorized and waiting for the cable.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    id_tag: IdToken,
    parent_id_tag: Option<IdToken>,
    /// True once authorized; false while waiting for Authorize.conf.
    authorized: bool,
    since: Instant,
    /// A remote start (no Authorize needed when AuthorizeRemoteTxRequests is false).
    remote: bool,
}

/// A stop request waiting for Authorize.conf (the idTag differs from the one that started the
/// transaction; its parent decides, §3.10).
#[derive(Debug, Clone, PartialEq)]
struct PendingStop {
    connector: ConnectorId,
    id_tag: IdToken,
}

#[derive(Debug, Clone, PartialEq)]
enum DeferredKind {
    Unlock(ConnectorId),
    DataTransfer,
}

#[derive(Debug, Clone, PartialEq)]
struct Deferred {
    id: AnswerId,
    kind: DeferredKind,
    deadline: Instant,
}

/// The sans-IO OCPP 1.6 charge point.
///
/// Drive it like this (after *any* input, drain the outputs, then sleep until `poll_timeout` or
/// the next input):
///
/// ```ignore
/// cp.handle_connected(now);                    // transport up (or handle_disconnected)
/// cp.handle_frame(text, now);                  // one WebSocket text message
/// cp.handle_event(Event::Plugged { connector: 1 }, now);
/// cp.handle_timeout(now);                      // when poll_timeout's instant has passed
/// while let Some(frame) = cp.poll_transmit(now, &mut buf) { socket.send(frame) }
/// while let Some(action) = cp.poll_action() { hardware.apply(action) }
/// let wake_at = cp.poll_timeout();
/// ```
///
/// Spurious calls to `handle_timeout` are harmless.
pub struct ChargePoint<S: Storage> {
    setup: Setup,
    storage: S,
    config: Configuration,
    clock: WallClock,
    connected: bool,
    registration: Registration,
    boot_at: Option<Instant>,
    heartbeat_at: Option<Instant>,
    /// After a CALLERROR for the journal head: not before this instant (§3.7.1).
    journal_retry_at: Option<Instant>,
    inflight: Option<InFlight>,
    next_message: u32,
    answers: List<Answer, MAX_ANSWERS>,
    requests: List<Request, MAX_PENDING_REQUESTS>,
    journal: Journal,
    connectors: [Connector; MAX_CONNECTORS + 1],
    readings: [MeterReadings; MAX_CONNECTORS + 1],
    pending: [Option<Pending>; MAX_CONNECTORS + 1],
    stop_checks: List<PendingStop, 4>,
    deferred: List<Deferred, 4>,
    cache: AuthCache<AUTH_CACHE_SIZE>,
    local_list: LocalAuthList<LOCAL_LIST_SIZE>,
    meter: MeterScheduler<{ MAX_CONNECTORS + 1 }>,
    actions: List<Action, MAX_ACTIONS>,
    reset: Option<(ResetType, Instant)>,
    /// A DataTransfer.req from the central system for the integrator (one at a time).
    incoming_data_transfer: Option<v16::DataTransferRequest>,
    /// Our DataTransfer.req waiting to be sent or answered (one at a time).
    outgoing_data_transfer: Option<v16::DataTransferRequest>,
    /// The central system's answer to it.
    data_transfer_answer: Option<v16::DataTransferResponse>,
    /// Installed charging profiles (§3.13).
    #[cfg(feature = "profile-smart-charging")]
    profiles: ProfileStore,
    /// Frames handed out by `poll_transmit` and received by `handle_frame` (statistics).
    frames_out: u64,
    frames_in: u64,
    /// The limit last reported per connector.
    #[cfg(feature = "profile-smart-charging")]
    applied_limits: [AppliedLimit; MAX_CONNECTORS + 1],
    /// When a charging limit may change next (recomputed with the limits).
    #[cfg(feature = "profile-smart-charging")]
    limits_deadline_cached: Option<Instant>,
    /// The TxProfile that came with the last RemoteStartTransaction, installed when the
    /// transaction it asked for starts on that connector.
    #[cfg(feature = "profile-smart-charging")]
    remote_start_profile: Option<(ConnectorId, v16::ChargingProfile)>,
    /// Messages asked for by TriggerMessage: sent even while Pending (§4.2).
    #[cfg(feature = "profile-trigger")]
    triggered: List<Request, 4>,
    /// The firmware update in progress (§5.19).
    #[cfg(feature = "profile-firmware")]
    firmware: Option<firmware::FirmwareJob>,
    /// The diagnostics upload in progress (§5.9).
    #[cfg(feature = "profile-firmware")]
    diagnostics: Option<firmware::DiagnosticsJob>,
    record_buf: [u8; RECORD_BUF],
}

/// Formats into a bounded string, cutting what does not fit.
fn bounded<const N: usize>(args: core::fmt::Arguments<'_>) -> BoundedString<N> {
    struct W<const N: usize>(BoundedString<N>);
    impl<const N: usize> core::fmt::Write for W<N> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            for c in s.chars() {
                if self.0.push(c).is_err() {
                    return Err(core::fmt::Error);
                }
            }
            Ok(())
        }
    }
    let mut w = W(BoundedString::new());
    let _ = w.write_fmt(args);
    w.0
}

impl<S: Storage> ChargePoint<S> {
    /// A charge point restored from `storage` (configuration, journal, authorization data).
    /// Transactions found running in the journal were interrupted by a restart: they are stopped
    /// with [`Setup::stop_reason_after_restart`] at their last known meter value, and their
    /// StopTransaction is queued behind whatever was queued before.
    pub fn new(setup: Setup, storage: S, now: Instant) -> Self {
        let connectors = setup.connectors;
        let mut cp = ChargePoint {
            config: Configuration::new(connectors),
            setup,
            storage,
            clock: WallClock::unsynced(now, DateTime::default()),
            connected: false,
            registration: Registration::Unknown,
            boot_at: None,
            heartbeat_at: None,
            journal_retry_at: None,
            inflight: None,
            next_message: 1,
            answers: List::new(),
            requests: List::new(),
            journal: Journal::default(),
            connectors: core::array::from_fn(|_| Connector::default()),
            readings: core::array::from_fn(|_| MeterReadings::default()),
            pending: core::array::from_fn(|_| None),
            stop_checks: List::new(),
            deferred: List::new(),
            cache: AuthCache::new(),
            local_list: LocalAuthList::new(),
            meter: MeterScheduler::new(0, 0),
            actions: List::new(),
            reset: None,
            incoming_data_transfer: None,
            outgoing_data_transfer: None,
            data_transfer_answer: None,
            #[cfg(feature = "profile-smart-charging")]
            profiles: ProfileStore::new(super::smart_charging::Settings::default()),
            #[cfg(feature = "profile-smart-charging")]
            applied_limits: [AppliedLimit::NotYet; MAX_CONNECTORS + 1],
            #[cfg(feature = "profile-smart-charging")]
            limits_deadline_cached: None,
            frames_out: 0,
            frames_in: 0,
            #[cfg(feature = "profile-smart-charging")]
            remote_start_profile: None,
            #[cfg(feature = "profile-trigger")]
            triggered: List::new(),
            #[cfg(feature = "profile-firmware")]
            firmware: None,
            #[cfg(feature = "profile-firmware")]
            diagnostics: None,
            record_buf: [0; RECORD_BUF],
        };
        cp.restore(now);
        cp
    }

    fn restore(&mut self, now: Instant) {
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::Configuration, &mut self.record_buf)
        {
            let _ = self.config.restore(data);
        }
        self.meter
            .set_sample_interval(self.config.meter_value_sample_interval);
        self.meter
            .set_aligned_interval(self.config.clock_aligned_data_interval);
        self.restore_profiles();
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::AuthorizationCache, &mut self.record_buf)
        {
            if let Ok(cache) = AuthCache::decode(data) {
                self.cache = cache;
            }
        }
        #[cfg(feature = "profile-local-list")]
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::LocalAuthList, &mut self.record_buf)
        {
            if let Ok(list) = LocalAuthList::decode(data) {
                self.local_list = list;
            }
        }
        let journal = match self.storage.load(RecordKey::Journal, &mut self.record_buf) {
            Ok(Some(data)) => core::str::from_utf8(data)
                .ok()
                .and_then(|text| json::from_str::<Journal>(text, &DecodeOptions::DEFAULT).ok()),
            _ => None,
        };
        if let Some(journal) = journal {
            self.journal = journal;
            self.sync_reservations();
            for c in 1..=self.setup.connectors as usize {
                if self.journal.inoperative & (1 << c) != 0 {
                    if let Some(conn) = self.connectors.get_mut(c) {
                        conn.operative = false;
                    }
                }
            }
            if self.journal.inoperative & 1 != 0 {
                self.connectors[0].operative = false;
            }
            // Transactions interrupted by the restart.
            let running: List<Transaction, MAX_CONNECTORS> = self.journal.transactions.clone();
            for t in &running {
                let reason = self.setup.stop_reason_after_restart;
                self.finish_transaction(t.connector, reason, None, t.last_meter, t.last_seen, now);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Inputs

    /// The transport is up: a WebSocket connection to the central system is open.
    pub fn handle_connected(&mut self, now: Instant) {
        self.connected = true;
        self.inflight = None;
        match self.registration {
            Registration::Accepted => self.queue_changed_statuses(now),
            Registration::Rejected => {}
            Registration::Unknown | Registration::Pending => {
                if self.boot_at.is_none_or(|at| at > now)
                    && self.registration == Registration::Unknown
                {
                    self.boot_at = Some(now);
                }
            }
        }
        if self.boot_at.is_none() && self.registration != Registration::Accepted {
            self.boot_at = Some(now);
        }
    }

    /// The transport is down. Queued transaction messages wait; the CALL in flight is given up
    /// (a transaction message stays at the head of the journal and is sent again).
    pub fn handle_disconnected(&mut self, _now: Instant) {
        self.connected = false;
        if let Some(f) = self.inflight.take() {
            if let Sent::Request(r @ Request::Authorize { .. }) = f.what {
                let _ = self.requests.push(r);
            }
        }
        self.answers.clear();
    }

    /// One WebSocket text message from the central system.
    pub fn handle_frame(&mut self, text: &str, now: Instant) {
        self.frames_in = self.frames_in.saturating_add(1);
        let opts = self.setup.decode;
        match Frame::parse_with(text, &opts) {
            Err(e) => {
                if let Some(id) = e.answer_id() {
                    if self.registration != Registration::Rejected {
                        self.answer_error(id, e.code, e.reason);
                    }
                }
            }
            Ok(Frame::Call(call)) => self.handle_call(call.id, call.action, call.payload, now),
            Ok(Frame::CallResult(r)) => {
                if let Some(f) = self.take_inflight(r.id) {
                    self.handle_result(f, r.payload, now);
                }
            }
            Ok(Frame::CallError(e)) => {
                if let Some(f) = self.take_inflight(e.id) {
                    self.handle_call_error(f, now);
                }
            }
        }
        // A frame can move the clock (BootNotification, Heartbeat) or the profiles.
        self.update_limits(now);
    }

    /// Something happened at the charger.
    pub fn handle_event(&mut self, event: Event, now: Instant) {
        match event {
            Event::Plugged { connector } => self.on_plugged(connector, now),
            Event::Unplugged { connector } => self.on_unplugged(connector, now),
            Event::IdTag { connector, id_tag } => self.on_id_tag(connector, id_tag, now),
            Event::EvCharging {
                connector,
                charging,
            } => {
                if let Some(c) = self.connector_mut(connector) {
                    c.ev_charging = charging;
                }
            }
            Event::Meter {
                connector,
                readings,
            } => {
                if let Some(r) = self.readings.get_mut(connector as usize) {
                    *r = readings;
                }
            }
            Event::Fault {
                connector,
                error_code,
                info,
                vendor_error_code,
            } => {
                if let Some(c) = self.connectors.get_mut(connector as usize) {
                    c.fault = Some(Fault {
                        error_code,
                        info,
                        vendor_error_code,
                    });
                    if c.in_transaction {
                        c.evse_offering = false;
                        let _ = self.actions.push(Action::EnergyOffer {
                            connector,
                            enabled: false,
                        });
                    }
                }
            }
            Event::FaultCleared { connector } => {
                let resume = self
                    .journal
                    .transaction(connector)
                    .is_some_and(|t| !t.deauthorized);
                if let Some(c) = self.connectors.get_mut(connector as usize) {
                    c.fault = None;
                    if c.in_transaction && resume {
                        c.evse_offering = true;
                        let _ = self.actions.push(Action::EnergyOffer {
                            connector,
                            enabled: true,
                        });
                    }
                }
            }
            Event::StopRequested { connector, reason } => {
                if self.journal.transaction(connector).is_some() {
                    self.stop_transaction(connector, reason, None, now);
                }
            }
            Event::UnlockResult {
                connector,
                unlocked,
            } => {
                let status = if unlocked {
                    UnlockStatus::Unlocked
                } else {
                    UnlockStatus::UnlockFailed
                };
                self.resolve_deferred(
                    |k| *k == DeferredKind::Unlock(connector),
                    Reply::Status(status.as_str()),
                );
            }
            e @ (Event::FirmwareDownloaded { .. }
            | Event::FirmwareInstalled { .. }
            | Event::DiagnosticsUploaded { .. }) => {
                self.on_transfer_event(&e, now);
            }
            Event::ClockSync { now: wall } => {
                self.clock.set(now, wall);
                self.meter.wall_clock_changed();
            }
        }
        self.update_statuses(now);
    }

    /// The integrator's answer to an [`Action::DataTransferRequested`].
    pub fn answer_data_transfer(
        &mut self,
        status: DataTransferStatus,
        data: Option<BoundedString<{ crate::limits::DATA_TRANSFER_DATA_MAX_LEN }>>,
    ) {
        self.incoming_data_transfer = None;
        self.resolve_deferred(
            |k| *k == DeferredKind::DataTransfer,
            Reply::DataTransfer { status, data },
        );
    }

    /// Sends a DataTransfer.req to the central system (§4.3); its answer comes back as
    /// [`Action::DataTransferAnswered`]. One at a time: returns false while another is pending.
    pub fn send_data_transfer(&mut self, request: v16::DataTransferRequest) -> bool {
        if self.outgoing_data_transfer.is_some()
            || self.requests.push(Request::DataTransfer).is_err()
        {
            return false;
        }
        self.outgoing_data_transfer = Some(request);
        true
    }

    /// The DataTransfer.req announced by [`Action::DataTransferRequested`].
    pub fn data_transfer_request(&self) -> Option<&v16::DataTransferRequest> {
        self.incoming_data_transfer.as_ref()
    }

    /// The answer announced by [`Action::DataTransferAnswered`].
    pub fn data_transfer_answer(&self) -> Option<&v16::DataTransferResponse> {
        self.data_transfer_answer.as_ref()
    }

    /// Time passed: call when [`ChargePoint::poll_timeout`]'s instant is reached (earlier or
    /// repeated calls do no harm).
    pub fn handle_timeout(&mut self, now: Instant) {
        // The CALL in flight timed out (OCPP-J §4.1.1): the next one may go.
        if let Some(f) = &self.inflight {
            if now.since(f.sent_at) >= self.setup.call_timeout_ms {
                if let Some(f) = self.inflight.take() {
                    match f.what {
                        Sent::Request(Request::Boot) => self.boot_at = Some(now),
                        Sent::Request(r @ Request::Authorize { .. }) => {
                            let _ = self.requests.push(r);
                        }
                        // A transaction message stays at the head and goes again.
                        _ => {}
                    }
                }
            }
        }
        // Deferred answers the integrator did not give.
        let expired: List<AnswerId, 4> = List::try_from_iter(
            self.deferred
                .iter()
                .filter(|d| d.deadline <= now)
                .map(|d| d.id.clone()),
        )
        .unwrap_or_default();
        for id in &expired {
            let kind = self
                .deferred
                .iter()
                .find(|d| &d.id == id)
                .map(|d| d.kind.clone());
            let reply = if let Some(DeferredKind::Unlock(_)) = kind {
                Reply::Status(UnlockStatus::UnlockFailed.as_str())
            } else {
                self.incoming_data_transfer = None;
                Reply::DataTransfer {
                    status: DataTransferStatus::Rejected,
                    data: None,
                }
            };
            self.deferred.retain(|d| &d.id != id);
            let _ = self.answers.push(Answer {
                id: id.clone(),
                reply,
            });
        }
        // Incipient sessions that were not completed in time (ConnectionTimeOut, §9.1.6).
        let timeout_ms = u64::from(self.config.connection_time_out) * 1000;
        for c in 1..=self.setup.connectors as usize {
            let expired = self.connectors.get(c).is_some_and(|conn| {
                !conn.in_transaction
                    && conn
                        .preparing_since
                        .is_some_and(|at| now.since(at) >= timeout_ms)
            });
            if expired {
                if let Some(conn) = self.connectors.get_mut(c) {
                    conn.preparing_since = None;
                }
                if let Some(p) = self.pending.get_mut(c) {
                    *p = None;
                }
            }
        }
        // Meter samples.
        self.take_samples(now);
        self.expire_reservations(now);
        self.transfers_tick(now);
        self.update_limits(now);
        // A reset waiting for its StopTransactions.
        if let Some((kind, since)) = self.reset {
            let flushed = self.journal.queue.is_empty() || !self.connected;
            if flushed || now.since(since) >= RESET_GRACE_MS {
                self.reset = None;
                let _ = self.actions.push(Action::Reset { kind });
            }
        }
        self.update_statuses(now);
    }

    // ---------------------------------------------------------------------------------------
    // Outputs

    /// The next frame to send, written into `buf`. Call until it returns `None`.
    ///
    /// `buf` must hold the largest message: 8 KiB is enough for everything this charge point
    /// sends with default limits except a GetConfiguration.conf with long vendor values; a frame
    /// that does not fit is answered with a CALLERROR `InternalError` (answers) or dropped
    /// (requests that are not transaction-related).
    pub fn poll_transmit<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Option<&'b str> {
        let frame = self.next_frame(now, buf)?;
        self.frames_out = self.frames_out.saturating_add(1);
        Some(frame)
    }

    /// Frames sent and received so far (for statistics).
    pub fn frame_counts(&self) -> (u64, u64) {
        (self.frames_out, self.frames_in)
    }

    fn next_frame<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Option<&'b str> {
        if !self.connected {
            return None;
        }
        // Answers first: they never wait for our own CALL in flight.
        if let Some(answer) = self.answers.first().cloned() {
            self.answers.retain(|a| a != &answer);
            let len = if let Ok(n) = self.write_answer(&answer, buf) {
                n
            } else {
                {
                    let fallback = Answer {
                        id: answer.id.clone(),
                        reply: Reply::Error {
                            code: ErrorCode::InternalError,
                            description: BoundedString::truncated(
                                "response too large for the transmit buffer",
                            ),
                        },
                    };
                    self.write_answer(&fallback, buf).ok()?
                }
            };
            return core::str::from_utf8(buf.get(..len)?).ok();
        }
        if self.inflight.is_some()
            || self.registration == Registration::Rejected && self.boot_at.is_none_or(|at| at > now)
        {
            return None;
        }
        let id: MessageId = bounded(format_args!("{}", self.next_message));
        let (sent, len) = self.next_call(now, &id, buf)?;
        self.next_message = self.next_message.wrapping_add(1).max(1);
        self.inflight = Some(InFlight {
            id,
            sent_at: now,
            what: sent,
        });
        core::str::from_utf8(buf.get(..len)?).ok()
    }

    /// The next thing the hardware must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        let first = self.actions.first().cloned()?;
        let mut done = false;
        self.actions.retain(|_| {
            let keep = done;
            done = true;
            keep
        });
        Some(first)
    }

    /// When to call [`ChargePoint::handle_timeout`] next, if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if let Some(f) = &self.inflight {
            consider(Some(f.sent_at.add_millis(self.setup.call_timeout_ms)));
        }
        if self.connected && self.inflight.is_none() {
            consider(self.boot_at);
            if self.registration == Registration::Accepted {
                consider(self.heartbeat_at);
                consider(self.journal_retry_at);
            }
        }
        for d in &self.deferred {
            consider(Some(d.deadline));
        }
        let timeout_ms = u64::from(self.config.connection_time_out) * 1000;
        let min_status = u64::from(self.config.minimum_status_duration) * 1000;
        for c in &self.connectors {
            if !c.in_transaction {
                consider(c.preparing_since.map(|at| at.add_millis(timeout_ms)));
            }
            consider(c.pending_deadline(min_status));
        }
        consider(self.meter.next_deadline());
        consider(self.reservation_deadline());
        #[cfg(feature = "profile-smart-charging")]
        consider(self.limits_deadline_cached);
        consider(self.transfers_deadline());
        if let Some((_, since)) = self.reset {
            consider(Some(since.add_millis(RESET_GRACE_MS)));
        }
        next
    }

    // ---------------------------------------------------------------------------------------
    // Accessors

    /// The configuration.
    pub fn configuration(&self) -> &Configuration {
        &self.config
    }

    /// Changes a configuration key as a ChangeConfiguration from the central system would: same
    /// validation, persisted, and with the same effect (a new HeartbeatInterval or
    /// MeterValueSampleInterval applies at once).
    pub fn change_configuration(
        &mut self,
        key: &str,
        value: &str,
        now: Instant,
    ) -> v16::ConfigurationStatus {
        let (Ok(key), Ok(value)) = (BoundedString::try_from(key), BoundedString::try_from(value))
        else {
            return v16::ConfigurationStatus::Rejected;
        };
        let req = v16::ChangeConfigurationRequest { key, value };
        match self.on_change_configuration(&req, now) {
            Reply::Status(s) => {
                v16::ConfigurationStatus::parse(s).unwrap_or(v16::ConfigurationStatus::Rejected)
            }
            _ => v16::ConfigurationStatus::Rejected,
        }
    }

    /// The configuration, for the integrator's own keys; persist with [`ChargePoint::save_configuration`].
    pub fn configuration_mut(&mut self) -> &mut Configuration {
        &mut self.config
    }

    /// Writes the configuration to storage.
    pub fn save_configuration(&mut self) {
        self.persist_config();
    }

    /// Where the charge point stands with the central system.
    pub fn registration(&self) -> Registration {
        self.registration
    }

    /// The wall clock now.
    pub fn wall_clock(&self, now: Instant) -> DateTime {
        self.clock.at(now)
    }

    /// The status of `connector` as last derived.
    pub fn connector_status(&self, connector: ConnectorId) -> Option<ChargePointStatus> {
        let c = self.connectors.get(connector as usize)?;
        if connector > self.setup.connectors {
            return None;
        }
        Some(if connector == 0 {
            c.derived_status_connector_zero()
        } else {
            c.derived_status()
        })
    }

    /// The running transaction on `connector`.
    pub fn transaction(&self, connector: ConnectorId) -> Option<&Transaction> {
        self.journal.transaction(connector)
    }

    /// Transaction-related messages not yet delivered.
    pub fn queued_transaction_messages(&self) -> usize {
        self.journal.queue.len()
    }

    /// The storage (to inspect it in tests, or to take it back).
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Consumes the charge point and returns its storage (a restart in a test).
    pub fn into_storage(self) -> S {
        self.storage
    }

    // ---------------------------------------------------------------------------------------
    // Internals: frames in

    fn take_inflight(&mut self, id: &str) -> Option<InFlight> {
        if self.inflight.as_ref().is_some_and(|f| f.id.as_str() == id) {
            self.inflight.take()
        } else {
            None
        }
    }

    fn answer_error(&mut self, id: &str, code: ErrorCode, description: &str) {
        let Ok(id) = AnswerId::try_from(id) else {
            return;
        };
        let _ = self.answers.push(Answer {
            id,
            reply: Reply::Error {
                code,
                description: BoundedString::truncated(description),
            },
        });
    }

    fn answer(&mut self, id: &str, reply: Reply) {
        let Ok(id) = AnswerId::try_from(id) else {
            return;
        };
        let _ = self.answers.push(Answer { id, reply });
    }

    fn handle_call(&mut self, id: &str, action: &str, payload: &str, now: Instant) {
        // §4.2: "While Rejected, the Charge Point SHALL NOT respond to any Central System
        // initiated message."
        if self.registration == Registration::Rejected {
            return;
        }
        let Some(action) = OcppAction::parse(action) else {
            self.answer_error(id, ErrorCode::NotImplemented, "unknown action");
            return;
        };
        if !action.direction().charge_point_receives() {
            self.answer_error(
                id,
                ErrorCode::NotSupported,
                "action is sent by charge points, not to them",
            );
            return;
        }
        let opts = self.setup.decode;
        macro_rules! decode {
            ($t:ty) => {
                match json::from_str::<$t>(payload, &opts) {
                    Ok(req) => req,
                    Err(e) => {
                        let mut buf = [0u8; 128];
                        let description = rpc::describe_decode_error(&e, &mut buf);
                        let description = BoundedString::truncated(description);
                        self.answer(
                            id,
                            Reply::Error {
                                code: e.error_code(),
                                description,
                            },
                        );
                        return;
                    }
                }
            };
        }
        let reply = match action {
            OcppAction::ChangeAvailability => {
                let req = decode!(v16::ChangeAvailabilityRequest);
                self.on_change_availability(req.connector_id, req.kind, now)
            }
            OcppAction::ChangeConfiguration => {
                let req = decode!(v16::ChangeConfigurationRequest);
                self.on_change_configuration(&req, now)
            }
            OcppAction::ClearCache => {
                let _req = decode!(v16::ClearCacheRequest);
                self.cache.clear();
                self.persist_cache();
                Reply::Status(ClearCacheStatus::Accepted.as_str())
            }
            OcppAction::DataTransfer => {
                let req = decode!(v16::DataTransferRequest);
                if self
                    .setup
                    .data_transfer_vendors
                    .iter()
                    .any(|v| v.as_str() == req.vendor_id.as_str())
                {
                    if let Ok(aid) = AnswerId::try_from(id) {
                        let deadline = now.add_millis(DEFERRED_ANSWER_TIMEOUT_MS);
                        let busy = self.incoming_data_transfer.is_some();
                        if !busy
                            && self
                                .deferred
                                .push(Deferred {
                                    id: aid,
                                    kind: DeferredKind::DataTransfer,
                                    deadline,
                                })
                                .is_ok()
                        {
                            self.incoming_data_transfer = Some(req);
                            let _ = self.actions.push(Action::DataTransferRequested);
                            return;
                        }
                    }
                    Reply::DataTransfer {
                        status: DataTransferStatus::Rejected,
                        data: None,
                    }
                } else {
                    // §4.3: unknown vendor, and no data element.
                    Reply::DataTransfer {
                        status: DataTransferStatus::UnknownVendorId,
                        data: None,
                    }
                }
            }
            OcppAction::GetConfiguration => {
                let req = decode!(v16::GetConfigurationRequest);
                Reply::Configuration {
                    keys: req.key.filter(|k| !k.is_empty()),
                }
            }
            OcppAction::RemoteStartTransaction => {
                let req = decode!(v16::RemoteStartTransactionRequest);
                self.on_remote_start(req, now)
            }
            OcppAction::RemoteStopTransaction => {
                let req = decode!(v16::RemoteStopTransactionRequest);
                self.on_remote_stop(req.transaction_id, now)
            }
            OcppAction::Reset => {
                let req = decode!(v16::ResetRequest);
                self.on_reset(req.kind, now)
            }
            OcppAction::UnlockConnector => {
                let req = decode!(v16::UnlockConnectorRequest);
                if let Some(reply) = self.on_unlock(req.connector_id, now) {
                    reply
                } else {
                    {
                        if let Ok(aid) = AnswerId::try_from(id) {
                            let deadline = now.add_millis(DEFERRED_ANSWER_TIMEOUT_MS);
                            let kind = DeferredKind::Unlock(req.connector_id);
                            if self
                                .deferred
                                .push(Deferred {
                                    id: aid,
                                    kind,
                                    deadline,
                                })
                                .is_ok()
                            {
                                return;
                            }
                        }
                        Reply::Status(UnlockStatus::UnlockFailed.as_str())
                    }
                }
            }
            #[cfg(feature = "profile-local-list")]
            OcppAction::GetLocalListVersion => {
                let _req = decode!(v16::GetLocalListVersionRequest);
                self.on_get_local_list_version()
            }
            #[cfg(feature = "profile-local-list")]
            OcppAction::SendLocalList => {
                // §5.15: a list longer than SendLocalListMaxLength is answered Failed, not with a
                // CALLERROR (the list type's capacity is that declared limit).
                match json::from_str::<v16::SendLocalListRequest>(payload, &opts) {
                    Err(e) if e.kind() == json::ErrorKind::TooManyItems => {
                        Reply::Status(v16::UpdateStatus::Failed.as_str())
                    }
                    _ => {
                        let req = decode!(v16::SendLocalListRequest);
                        self.on_send_local_list(&req)
                    }
                }
            }
            #[cfg(feature = "profile-trigger")]
            OcppAction::TriggerMessage => {
                let req = decode!(v16::TriggerMessageRequest);
                self.on_trigger_message(&req, now)
            }
            #[cfg(feature = "profile-reservation")]
            OcppAction::ReserveNow => {
                let req = decode!(v16::ReserveNowRequest);
                self.on_reserve_now(req, now)
            }
            #[cfg(feature = "profile-reservation")]
            OcppAction::CancelReservation => {
                let req = decode!(v16::CancelReservationRequest);
                self.on_cancel_reservation(req.reservation_id, now)
            }
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::SetChargingProfile => {
                let req = decode!(v16::SetChargingProfileRequest);
                self.on_set_charging_profile(req.connector_id, req.cs_charging_profiles, now)
            }
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::ClearChargingProfile => {
                let req = decode!(v16::ClearChargingProfileRequest);
                self.on_clear_charging_profile(&req, now)
            }
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::GetCompositeSchedule => {
                let req = decode!(v16::GetCompositeScheduleRequest);
                self.on_get_composite_schedule(&req, now)
            }
            #[cfg(feature = "profile-firmware")]
            OcppAction::UpdateFirmware => {
                let req = decode!(v16::UpdateFirmwareRequest);
                self.on_update_firmware(req, now)
            }
            #[cfg(feature = "profile-firmware")]
            OcppAction::GetDiagnostics => {
                let req = decode!(v16::GetDiagnosticsRequest);
                self.on_get_diagnostics(req, now)
            }
            _ => Reply::Error {
                code: ErrorCode::NotSupported,
                description: bounded(format_args!("{} is not supported", action.as_str())),
            },
        };
        self.answer(id, reply);
        self.update_statuses(now);
    }

    fn handle_result(&mut self, f: InFlight, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        match f.what {
            Sent::Request(Request::Boot) => {
                let Ok(conf) = json::from_str::<v16::BootNotificationResponse>(payload, &opts)
                else {
                    self.boot_at = Some(now.add_secs(DEFAULT_BOOT_RETRY_S));
                    return;
                };
                self.clock.set(now, conf.current_time);
                self.meter.wall_clock_changed();
                let interval = u64::try_from(conf.interval).unwrap_or(0);
                match conf.status {
                    RegistrationStatus::Accepted => {
                        self.registration = Registration::Accepted;
                        self.boot_at = None;
                        if interval > 0 {
                            self.config.heartbeat_interval =
                                u32::try_from(interval).unwrap_or(u32::MAX);
                        }
                        self.schedule_heartbeat(now);
                        // §4.9: report every connector's status after boot.
                        for c in &mut self.connectors {
                            c.reported = None;
                        }
                        self.queue_changed_statuses(now);
                        // The restart after a firmware installation: now report Installed.
                        #[cfg(feature = "profile-firmware")]
                        if let Some(status) = self.journal.firmware_status_after_boot.take() {
                            let _ = self.requests.push(Request::FirmwareStatus(status));
                            self.persist_journal();
                        }
                    }
                    RegistrationStatus::Pending | RegistrationStatus::Rejected => {
                        self.registration = if conf.status == RegistrationStatus::Pending {
                            Registration::Pending
                        } else {
                            Registration::Rejected
                        };
                        let wait = if interval == 0 {
                            DEFAULT_BOOT_RETRY_S
                        } else {
                            interval
                        };
                        self.boot_at = Some(now.add_secs(wait));
                    }
                }
            }
            Sent::Request(Request::Heartbeat) => {
                if let Ok(conf) = json::from_str::<v16::HeartbeatResponse>(payload, &opts) {
                    self.clock.set(now, conf.current_time);
                    self.meter.wall_clock_changed();
                }
            }
            Sent::Request(Request::Authorize { connector, id_tag }) => {
                let Ok(conf) = json::from_str::<v16::AuthorizeResponse>(payload, &opts) else {
                    return;
                };
                self.remember_id_tag(&id_tag, &conf.id_tag_info, now);
                self.on_authorized(connector, &id_tag, &conf.id_tag_info, now);
            }
            Sent::Request(Request::DataTransfer) => {
                self.outgoing_data_transfer = None;
                let conf = json::from_str::<v16::DataTransferResponse>(payload, &opts).ok();
                let status = conf.as_ref().map(|c| c.status);
                self.data_transfer_answer = conf;
                let _ = self.actions.push(Action::DataTransferAnswered { status });
            }
            Sent::Request(_) => {}
            Sent::Journal => {
                let Some(head) = self.journal.pop_front() else {
                    return;
                };
                self.journal_retry_at = None;
                match head.message {
                    TxMessage::Start {
                        local_id,
                        connector,
                        id_tag,
                        ..
                    } => {
                        if let Ok(conf) =
                            json::from_str::<v16::StartTransactionResponse>(payload, &opts)
                        {
                            self.journal
                                .assign_transaction_id(local_id, conf.transaction_id);
                            self.remember_id_tag(&id_tag, &conf.id_tag_info, now);
                            if let Some(t) = self.journal.transaction_mut(connector) {
                                if t.local_id == local_id {
                                    t.parent_id_tag.clone_from(&conf.id_tag_info.parent_id_tag);
                                }
                            }
                            let accepted = conf.id_tag_info.status == AuthorizationStatus::Accepted;
                            let still_running = self
                                .journal
                                .transaction(connector)
                                .is_some_and(|t| t.local_id == local_id);
                            if !accepted && still_running {
                                // §3.5.4: the central system refused the idTag of a transaction.
                                if self.config.stop_transaction_on_invalid_id {
                                    self.stop_transaction(
                                        connector,
                                        Reason::DeAuthorized,
                                        None,
                                        now,
                                    );
                                } else {
                                    if let Some(t) = self.journal.transaction_mut(connector) {
                                        t.deauthorized = true;
                                    }
                                    if let Some(c) = self.connector_mut(connector) {
                                        c.evse_offering = false;
                                    }
                                    let _ = self.actions.push(Action::EnergyOffer {
                                        connector,
                                        enabled: false,
                                    });
                                }
                            }
                        } else {
                            // An answer we cannot read: we cannot name the transaction, so its
                            // other messages can never be delivered.
                            self.journal.drop_transaction_messages(local_id);
                        }
                    }
                    TxMessage::Stop {
                        local_id, id_tag, ..
                    } => {
                        self.journal.forget_stop_data(local_id);
                        if let (Some(id_tag), Ok(conf)) = (
                            id_tag,
                            json::from_str::<v16::StopTransactionResponse>(payload, &opts),
                        ) {
                            if let Some(info) = conf.id_tag_info {
                                self.remember_id_tag(&id_tag, &info, now);
                            }
                        }
                    }
                    TxMessage::Meter { .. } => {}
                }
                self.persist_journal();
                self.update_statuses(now);
            }
        }
    }

    fn handle_call_error(&mut self, f: InFlight, now: Instant) {
        match f.what {
            Sent::Request(Request::Boot) => self.boot_at = Some(now.add_secs(DEFAULT_BOOT_RETRY_S)),
            Sent::Journal => {
                // §3.7.1: a CALLERROR is a "failure to process the message": retry after
                // TransactionMessageRetryInterval x failures, give up after
                // TransactionMessageAttempts failures.
                let attempts = self.config.transaction_message_attempts;
                let interval = u64::from(self.config.transaction_message_retry_interval);
                let Some(head) = self.journal.queue.as_mut_slice().first_mut() else {
                    return;
                };
                head.failures = head.failures.saturating_add(1);
                if u32::from(head.failures) >= attempts {
                    if let Some(Queued {
                        message: TxMessage::Start { local_id, .. },
                        ..
                    }) = self.journal.pop_front()
                    {
                        self.journal.drop_transaction_messages(local_id);
                    }
                    self.journal_retry_at = None;
                } else {
                    self.journal_retry_at = Some(now.add_secs(interval * u64::from(head.failures)));
                }
                self.persist_journal();
            }
            Sent::Request(Request::Authorize { connector, id_tag }) => {
                // No verdict: treat as not authorized.
                let info = IdTagInfo::with_status(AuthorizationStatus::Invalid);
                self.on_authorized(connector, &id_tag, &info, now);
            }
            Sent::Request(Request::DataTransfer) => {
                self.outgoing_data_transfer = None;
                self.data_transfer_answer = None;
                let _ = self
                    .actions
                    .push(Action::DataTransferAnswered { status: None });
            }
            Sent::Request(_) => {}
        }
    }

    // ---------------------------------------------------------------------------------------
    // Internals: frames out

    /// Picks and writes the next CALL: the outbox's requests may overtake queued transaction
    /// messages only while those wait for a retry (§3.7); nothing but BootNotification goes
    /// before the central system accepted us (§4.2).
    fn next_call(&mut self, now: Instant, id: &str, buf: &mut [u8]) -> Option<(Sent, usize)> {
        if self.registration != Registration::Accepted && self.boot_at.is_some_and(|at| at <= now) {
            self.boot_at = None;
            let n = rpc::encode_call(buf, id, "BootNotification", &self.setup.boot)
                .ok()?
                .len();
            return Some((Sent::Request(Request::Boot), n));
        }
        // What the central system asked for with TriggerMessage goes next, also while Pending
        // (§4.2: "unless it has been instructed by the Central System to do so").
        #[cfg(feature = "profile-trigger")]
        if matches!(
            self.registration,
            Registration::Accepted | Registration::Pending
        ) {
            while let Some(req) = self.triggered.first().cloned() {
                let mut first = true;
                self.triggered.retain(|_| !core::mem::take(&mut first));
                if req == Request::Boot {
                    let n = rpc::encode_call(buf, id, "BootNotification", &self.setup.boot)
                        .ok()?
                        .len();
                    return Some((Sent::Request(Request::Boot), n));
                }
                if let Some(n) = self.write_request(&req, id, now, buf) {
                    return Some((Sent::Request(req), n));
                }
            }
        }
        if self.registration != Registration::Accepted {
            return None;
        }
        let journal_ready =
            !self.journal.queue.is_empty() && self.journal_retry_at.is_none_or(|at| at <= now);
        if journal_ready {
            // Transaction messages keep their order among themselves (§3.7); other requests
            // wait behind them except while the head waits for a retry.
            match self.write_journal_head(id, buf) {
                Ok(n) => return Some((Sent::Journal, n)),
                // It names a transaction whose StartTransaction was given up: no id will ever
                // come. Give it up too.
                Err(HeadProblem::NoTransactionId) => {
                    self.journal.pop_front();
                    self.persist_journal();
                }
                // A periodic sample larger than the buffer can never be sent; Start and Stop
                // (which always fit a buffer of the documented minimum) are kept.
                Err(HeadProblem::TooLarge) => {
                    if self
                        .journal
                        .queue
                        .first()
                        .is_some_and(|q| q.message.is_meter())
                    {
                        self.journal.pop_front();
                        self.persist_journal();
                    } else {
                        return None;
                    }
                }
                Err(HeadProblem::Empty) => {}
            }
        }
        while let Some(req) = self.requests.first().cloned() {
            let mut first = true;
            self.requests.retain(|_| !core::mem::take(&mut first));
            if let Some(n) = self.write_request(&req, id, now, buf) {
                return Some((Sent::Request(req), n));
            }
        }
        if self.heartbeat_at.is_some_and(|at| at <= now) {
            self.schedule_heartbeat(now);
            let n = rpc::encode_call(buf, id, "Heartbeat", &v16::HeartbeatRequest {})
                .ok()?
                .len();
            return Some((Sent::Request(Request::Heartbeat), n));
        }
        None
    }

    fn schedule_heartbeat(&mut self, now: Instant) {
        let interval = u64::from(self.config.heartbeat_interval);
        self.heartbeat_at = if interval == 0 {
            None
        } else {
            Some(now.add_secs(interval))
        };
    }

    fn write_request(
        &self,
        req: &Request,
        id: &str,
        _now: Instant,
        buf: &mut [u8],
    ) -> Option<usize> {
        let action = req.action().as_str();
        let r = match req {
            Request::Boot => rpc::encode_call(buf, id, action, &self.setup.boot),
            Request::Heartbeat => rpc::encode_call(buf, id, action, &v16::HeartbeatRequest {}),
            Request::Status {
                connector,
                status,
                error_code,
                info,
                vendor_error_code,
                timestamp,
            } => {
                let body = v16::StatusNotificationRequest {
                    connector_id: *connector,
                    error_code: *error_code,
                    info: info.clone(),
                    status: *status,
                    timestamp: Some(*timestamp),
                    vendor_id: None,
                    vendor_error_code: vendor_error_code.clone(),
                };
                rpc::encode_call(buf, id, action, &body)
            }
            Request::Authorize { id_tag, .. } => rpc::encode_call(
                buf,
                id,
                action,
                &v16::AuthorizeRequest {
                    id_tag: id_tag.clone(),
                },
            ),
            Request::Meter {
                connector,
                transaction_id,
                sample,
            } => {
                let body = MeterValuesView {
                    connector_id: *connector,
                    transaction_id: *transaction_id,
                    sample,
                };
                rpc::encode_call(buf, id, action, &body)
            }
            #[cfg(feature = "profile-firmware")]
            Request::FirmwareStatus(status) => rpc::encode_call(
                buf,
                id,
                action,
                &v16::FirmwareStatusNotificationRequest { status: *status },
            ),
            #[cfg(feature = "profile-firmware")]
            Request::DiagnosticsStatus(status) => rpc::encode_call(
                buf,
                id,
                action,
                &v16::DiagnosticsStatusNotificationRequest { status: *status },
            ),
            Request::DataTransfer => match &self.outgoing_data_transfer {
                Some(body) => rpc::encode_call(buf, id, action, body),
                None => return None,
            },
        };
        r.ok().map(str::len)
    }

    /// Writes the journal's head. A StopTransaction whose `transactionData` does not fit the
    /// buffer goes without it rather than not at all (the meterStop is what bills).
    fn write_journal_head(&self, id: &str, buf: &mut [u8]) -> Result<usize, HeadProblem> {
        let head = self.journal.queue.first().ok_or(HeadProblem::Empty)?;
        let r = match &head.message {
            TxMessage::Start {
                connector,
                id_tag,
                meter_start,
                timestamp,
                reservation_id,
                ..
            } => {
                let body = v16::StartTransactionRequest {
                    connector_id: *connector,
                    id_tag: id_tag.clone(),
                    meter_start: *meter_start,
                    reservation_id: *reservation_id,
                    timestamp: *timestamp,
                };
                rpc::encode_call(buf, id, "StartTransaction", &body)
            }
            TxMessage::Stop {
                local_id,
                transaction_id,
                id_tag,
                meter_stop,
                timestamp,
                reason,
            } => {
                let entry = self.journal.stop_data(*local_id);
                let transaction_id = transaction_id.ok_or(HeadProblem::NoTransactionId)?;
                let view = |with_data: bool| StopTransactionView {
                    id_tag: id_tag.as_ref(),
                    meter_stop: *meter_stop,
                    timestamp: *timestamp,
                    transaction_id,
                    reason: *reason,
                    data: entry.filter(|_| with_data).map(|e| &e.data),
                    sampled: measurand_list(entry.map_or(0, |e| e.sampled)),
                    aligned: measurand_list(entry.map_or(0, |e| e.aligned)),
                };
                match rpc::encode_call(buf, id, "StopTransaction", &view(true)) {
                    Ok(text) => Ok(text),
                    Err(_) => rpc::encode_call(buf, id, "StopTransaction", &view(false)),
                }
            }
            TxMessage::Meter {
                transaction_id,
                connector,
                sample,
                ..
            } => {
                let body = MeterValuesView {
                    connector_id: *connector,
                    transaction_id: Some(transaction_id.ok_or(HeadProblem::NoTransactionId)?),
                    sample,
                };
                rpc::encode_call(buf, id, "MeterValues", &body)
            }
        };
        r.map(str::len).map_err(|_| HeadProblem::TooLarge)
    }

    fn write_answer(&self, answer: &Answer, buf: &mut [u8]) -> Result<usize, ()> {
        let id = answer.id.as_str();
        let r = match &answer.reply {
            Reply::Error { code, description } => {
                rpc::encode_call_error(buf, id, *code, description)
            }
            Reply::Status(status) => rpc::encode_call_result(buf, id, &StatusOnly(status)),
            Reply::DataTransfer { status, data } => rpc::encode_call_result(
                buf,
                id,
                &v16::DataTransferResponse {
                    status: *status,
                    data: data.clone(),
                },
            ),
            #[cfg(feature = "profile-firmware")]
            Reply::Empty => rpc::encode_call_result(buf, id, &super::outbox::EmptyObject),
            #[cfg(feature = "profile-smart-charging")]
            Reply::Composite(response) => rpc::encode_call_result(buf, id, response),
            #[cfg(feature = "profile-local-list")]
            Reply::ListVersion(v) => rpc::encode_call_result(
                buf,
                id,
                &v16::GetLocalListVersionResponse { list_version: *v },
            ),
            #[cfg(feature = "profile-firmware")]
            Reply::DiagnosticsFile(name) => rpc::encode_call_result(
                buf,
                id,
                &v16::GetDiagnosticsResponse {
                    file_name: name.clone(),
                },
            ),
            Reply::Configuration { keys } => rpc::encode_call_result(
                buf,
                id,
                &ConfigurationView {
                    config: &self.config,
                    keys: keys.as_ref(),
                },
            ),
        };
        r.map(str::len).map_err(|_| ())
    }

    // ---------------------------------------------------------------------------------------
    // Internals: behaviour

    fn connector_mut(&mut self, connector: ConnectorId) -> Option<&mut Connector> {
        if connector == 0 || connector > self.setup.connectors {
            return None;
        }
        self.connectors.get_mut(connector as usize)
    }

    /// Whether `connector` may charge: it and the charge point (connector 0) are Operative and
    /// not faulted (§5.2, §4.9).
    fn can_charge(&self, connector: ConnectorId) -> bool {
        let ok = |c: &Connector| c.operative && c.fault.is_none();
        self.connectors.get(connector as usize).is_some_and(ok) && ok(&self.connectors[0])
    }

    fn valid_connector(&self, connector: ConnectorId) -> bool {
        connector >= 1 && connector <= self.setup.connectors
    }

    fn auth_context(&self) -> AuthContext {
        AuthContext {
            online: self.connected && self.registration == Registration::Accepted,
            local_pre_authorize: self.config.local_pre_authorize,
            local_authorize_offline: self.config.local_authorize_offline,
            allow_offline_tx_for_unknown_id: self.config.allow_offline_tx_for_unknown_id,
            authorization_cache_enabled: self.config.authorization_cache_enabled,
            local_auth_list_enabled: self.config.local_auth_list_enabled,
        }
    }

    /// Updates the cache with an IdTagInfo from the central system (§3.5.1), unless the idTag is
    /// in the local list (§3.5.3).
    fn remember_id_tag(&mut self, id_tag: &str, info: &IdTagInfo, now: Instant) {
        let wall = self.clock.at(now);
        let ctx = self.auth_context();
        if let Ok(true) =
            auth::record_id_tag_info(id_tag, info, &ctx, &mut self.cache, &self.local_list, wall)
        {
            self.persist_cache();
        }
    }

    fn on_plugged(&mut self, connector: ConnectorId, now: Instant) {
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        c.plugged = true;
        c.finishing = false;
        if c.in_transaction {
            return;
        }
        c.preparing_since = Some(now);
        let ready = self
            .pending
            .get(connector as usize)
            .and_then(Option::as_ref)
            .is_some_and(|p| p.authorized);
        if ready {
            self.start_transaction(connector, now);
        }
    }

    fn on_unplugged(&mut self, connector: ConnectorId, now: Instant) {
        let stop = self.config.stop_transaction_on_ev_side_disconnect;
        let unlock = self.config.unlock_connector_on_ev_side_disconnect;
        let running = self.journal.transaction(connector).is_some();
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        c.plugged = false;
        c.finishing = false;
        c.ev_charging = false;
        if running {
            if stop {
                // §9.1.23: the transaction stops when the EV side disconnects.
                self.stop_transaction(connector, Reason::EvDisconnected, None, now);
                if unlock {
                    let _ = self.actions.push(Action::CableLock {
                        connector,
                        locked: false,
                    });
                }
            }
        } else {
            c.preparing_since = None;
            if let Some(p) = self.pending.get_mut(connector as usize) {
                *p = None;
            }
        }
    }

    /// Picks the connector for an identifier presented without one: its own transaction's
    /// connector, else a plugged connector waiting for authorization, else the first available.
    fn choose_connector(&self, id_tag: &str) -> Option<ConnectorId> {
        let n = self.setup.connectors;
        if let Some(t) = self
            .journal
            .transactions
            .iter()
            .find(|t| t.id_tag.eq_ignore_case(id_tag))
        {
            return Some(t.connector);
        }
        (1..=n)
            .find(|&c| {
                self.connectors.get(c as usize).is_some_and(|x| {
                    x.plugged && !x.in_transaction && x.operative && x.fault.is_none()
                })
            })
            .or_else(|| {
                (1..=n).find(|&c| {
                    self.connector_status(c)
                        .is_some_and(|s| s == ChargePointStatus::Available)
                        && self.pending.get(c as usize).is_some_and(Option::is_none)
                })
            })
    }

    fn on_id_tag(&mut self, connector: Option<ConnectorId>, id_tag: IdToken, now: Instant) {
        let Some(connector) = connector.or_else(|| self.choose_connector(&id_tag)) else {
            let _ = self.actions.push(Action::Authorization {
                connector: None,
                id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        };
        if !self.valid_connector(connector) {
            return;
        }
        // A transaction runs here: this is a stop attempt (§3.10, §4.1).
        if let Some(t) = self.journal.transaction(connector) {
            let wall = self.clock.at(now);
            let known = auth::lookup_local(
                &id_tag,
                &self.auth_context(),
                &self.cache,
                &self.local_list,
                wall,
            )
            .map(|(i, _)| i);
            let check = auth::check_stop(
                &t.id_tag,
                t.parent_id_tag.as_deref(),
                &id_tag,
                known.as_ref(),
                wall,
            );
            match check {
                StopCheck::SameIdTag | StopCheck::SameGroup => {
                    self.stop_transaction(connector, Reason::Local, Some(id_tag), now);
                }
                StopCheck::NeedAuthorize
                    if self.connected && self.registration == Registration::Accepted =>
                {
                    let _ = self.stop_checks.push(PendingStop {
                        connector,
                        id_tag: id_tag.clone(),
                    });
                    let _ = self.requests.push(Request::Authorize {
                        connector: Some(connector),
                        id_tag,
                    });
                }
                StopCheck::NeedAuthorize | StopCheck::Refused => {
                    let _ = self.actions.push(Action::Authorization {
                        connector: Some(connector),
                        id_tag,
                        status: AuthorizationStatus::Invalid,
                    });
                }
            }
            return;
        }
        let wall = self.clock.at(now);
        let decision = auth::decide(
            &id_tag,
            &self.auth_context(),
            &self.cache,
            &self.local_list,
            wall,
        );
        match decision {
            Decision::Accepted { info, .. } => {
                self.accept_id_tag(connector, id_tag, info.parent_id_tag.clone(), false, now);
            }
            Decision::AcceptedUnknownOffline => {
                self.accept_id_tag(connector, id_tag, None, false, now);
            }
            Decision::Rejected(rejection) => {
                let status = match rejection {
                    Rejection::NotValid { info, .. } => info.status,
                    Rejection::Offline | Rejection::InvalidIdTag => AuthorizationStatus::Invalid,
                };
                let _ = self.actions.push(Action::Authorization {
                    connector: Some(connector),
                    id_tag,
                    status,
                });
            }
            Decision::AskCentral => {
                if let Some(slot) = self.pending.get_mut(connector as usize) {
                    *slot = Some(Pending {
                        id_tag: id_tag.clone(),
                        parent_id_tag: None,
                        authorized: false,
                        since: now,
                        remote: false,
                    });
                }
                if let Some(c) = self.connector_mut(connector) {
                    c.preparing_since.get_or_insert(now);
                }
                let _ = self.requests.push(Request::Authorize {
                    connector: Some(connector),
                    id_tag,
                });
            }
        }
    }

    fn accept_id_tag(
        &mut self,
        connector: ConnectorId,
        id_tag: IdToken,
        parent: Option<IdToken>,
        remote: bool,
        now: Instant,
    ) {
        // §5.2: an Inoperative (or faulted) connector starts nothing; §5.13: a reserved
        // connector takes only the reservation's idTag or its group.
        let usable = self.can_charge(connector);
        if !usable || !self.reservation_allows(connector, &id_tag, parent.as_deref()) {
            if let Some(slot) = self.pending.get_mut(connector as usize) {
                *slot = None;
            }
            let _ = self.actions.push(Action::Authorization {
                connector: Some(connector),
                id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        }
        let _ = self.actions.push(Action::Authorization {
            connector: Some(connector),
            id_tag: id_tag.clone(),
            status: AuthorizationStatus::Accepted,
        });
        if let Some(slot) = self.pending.get_mut(connector as usize) {
            *slot = Some(Pending {
                id_tag,
                parent_id_tag: parent,
                authorized: true,
                since: now,
                remote,
            });
        }
        let plugged = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.plugged);
        if let Some(c) = self.connector_mut(connector) {
            c.preparing_since = Some(now);
        }
        if plugged {
            self.start_transaction(connector, now);
        }
    }

    fn on_authorized(
        &mut self,
        connector: Option<ConnectorId>,
        id_tag: &IdToken,
        info: &IdTagInfo,
        now: Instant,
    ) {
        // A stop attempt by another card of the group?
        if let Some(check) = self
            .stop_checks
            .iter()
            .find(|s| s.id_tag.eq_ignore_case(id_tag))
            .cloned()
        {
            self.stop_checks
                .retain(|s| !s.id_tag.eq_ignore_case(id_tag));
            let wall = self.clock.at(now);
            let verdict = self.journal.transaction(check.connector).map(|t| {
                auth::check_stop(
                    &t.id_tag,
                    t.parent_id_tag.as_deref(),
                    id_tag,
                    Some(info),
                    wall,
                )
            });
            if matches!(verdict, Some(StopCheck::SameIdTag | StopCheck::SameGroup)) {
                self.stop_transaction(check.connector, Reason::Local, Some(id_tag.clone()), now);
            } else {
                let _ = self.actions.push(Action::Authorization {
                    connector: Some(check.connector),
                    id_tag: id_tag.clone(),
                    status: AuthorizationStatus::Invalid,
                });
            }
            return;
        }
        let Some(connector) = connector else { return };
        let waiting = self
            .pending
            .get(connector as usize)
            .and_then(Option::as_ref)
            .is_some_and(|p| !p.authorized && p.id_tag.eq_ignore_case(id_tag));
        if !waiting {
            return;
        }
        if info.status == AuthorizationStatus::Accepted {
            let remote = self
                .pending
                .get(connector as usize)
                .and_then(Option::as_ref)
                .is_some_and(|p| p.remote);
            self.accept_id_tag(
                connector,
                id_tag.clone(),
                info.parent_id_tag.clone(),
                remote,
                now,
            );
        } else {
            if let Some(slot) = self.pending.get_mut(connector as usize) {
                *slot = None;
            }
            let plugged = self
                .connectors
                .get(connector as usize)
                .is_some_and(|c| c.plugged);
            if let Some(c) = self.connector_mut(connector) {
                if !plugged {
                    c.preparing_since = None;
                }
            }
            let _ = self.actions.push(Action::Authorization {
                connector: Some(connector),
                id_tag: id_tag.clone(),
                status: info.status,
            });
        }
    }

    fn energy_wh(&self, connector: ConnectorId) -> Option<i32> {
        self.readings
            .get(connector as usize)
            .and_then(MeterReadings::meter_register_wh)
    }

    fn start_transaction(&mut self, connector: ConnectorId, now: Instant) {
        let Some(p) = self
            .pending
            .get_mut(connector as usize)
            .and_then(Option::take)
        else {
            return;
        };
        let wall = self.clock.at(now);
        let meter_start = self.energy_wh(connector).unwrap_or(0);
        // Never start what could not be reported: §3.7 "MUST queue" every transaction message,
        // so a full journal (a long time offline) refuses new transactions. Nor on a connector
        // that is Inoperative or faulted (§5.2).
        let usable = self.can_charge(connector);
        if !self.journal.room_for_transaction() || !usable {
            if let Some(c) = self.connector_mut(connector) {
                c.preparing_since = None;
            }
            let _ = self.actions.push(Action::Authorization {
                connector: Some(connector),
                id_tag: p.id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        }
        let reservation_id = self.take_reservation(connector, &p.id_tag);
        let local_id = self.journal.next_local_id;
        self.journal.next_local_id = local_id.wrapping_add(1);
        let tx = Transaction {
            local_id,
            connector,
            id_tag: p.id_tag.clone(),
            parent_id_tag: p.parent_id_tag.clone(),
            meter_start,
            started: wall,
            transaction_id: None,
            reservation_id,
            deauthorized: false,
            last_meter: meter_start,
            last_seen: wall,
            data: StopData::new(),
        };
        if self.journal.transactions.push(tx).is_err() {
            return;
        }
        let _ = self.journal.enqueue(TxMessage::Start {
            local_id,
            connector,
            id_tag: p.id_tag,
            meter_start,
            timestamp: wall,
            reservation_id,
        });
        // transactionData begins with the start value (§9.1.27).
        let readings = self
            .readings
            .get(connector as usize)
            .cloned()
            .unwrap_or_default();
        if let Some(t) = self.journal.transaction_mut(connector) {
            t.data.begin(wall, &readings);
        }
        self.meter.transaction_started(connector, now);
        self.install_remote_start_profile(connector, now);
        self.persist_journal();
        if let Some(c) = self.connector_mut(connector) {
            c.in_transaction = true;
            c.evse_offering = c.fault.is_none();
            c.preparing_since = None;
            c.finishing = false;
        }
        let offering = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.evse_offering);
        let _ = self.actions.push(Action::CableLock {
            connector,
            locked: true,
        });
        if offering {
            let _ = self.actions.push(Action::EnergyOffer {
                connector,
                enabled: true,
            });
        }
        let _ = self.actions.push(Action::TransactionStarted { connector });
    }

    fn stop_transaction(
        &mut self,
        connector: ConnectorId,
        reason: Reason,
        id_tag: Option<IdToken>,
        now: Instant,
    ) {
        let wall = self.clock.at(now);
        let meter = self
            .energy_wh(connector)
            .or_else(|| self.journal.transaction(connector).map(|t| t.last_meter))
            .unwrap_or(0);
        let readings = self
            .readings
            .get(connector as usize)
            .cloned()
            .unwrap_or_default();
        if let Some(t) = self.journal.transaction_mut(connector) {
            t.data.end(wall, &readings);
        }
        self.finish_transaction(connector, reason, id_tag, meter, wall, now);
        let plugged = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.plugged);
        if let Some(c) = self.connector_mut(connector) {
            c.in_transaction = false;
            c.evse_offering = false;
            c.ev_charging = false;
            c.finishing = plugged;
            if let Some(op) = c.scheduled_operative.take() {
                c.operative = op;
            }
        }
        let _ = self.actions.push(Action::EnergyOffer {
            connector,
            enabled: false,
        });
        let _ = self.actions.push(Action::CableLock {
            connector,
            locked: false,
        });
        let _ = self.actions.push(Action::TransactionStopped { connector });
        self.save_availability();
        // A firmware installation may have been waiting for this transaction (§5.19).
        self.transfers_tick(now);
    }

    /// Ends the transaction on `connector` in the journal and queues its StopTransaction.
    fn finish_transaction(
        &mut self,
        connector: ConnectorId,
        reason: Reason,
        id_tag: Option<IdToken>,
        meter_stop: i32,
        at: DateTime,
        _now: Instant,
    ) {
        let Some(t) = self.journal.end_transaction(connector) else {
            return;
        };
        let _ = self.journal.enqueue(TxMessage::Stop {
            local_id: t.local_id,
            transaction_id: t.transaction_id,
            id_tag,
            meter_stop,
            timestamp: at,
            reason,
        });
        if !t.data.is_empty() {
            self.journal.keep_stop_data(StopEntry {
                local_id: t.local_id,
                data: t.data,
                sampled: measurand_mask(&self.config.stop_txn_sampled_data),
                aligned: measurand_mask(&self.config.stop_txn_aligned_data),
            });
        }
        self.meter.transaction_stopped(connector);
        self.profiles_transaction_ended(connector);
        self.persist_journal();
    }

    /// Takes the samples that are due: periodic ones of transactions (MeterValueSampleInterval,
    /// §9.1.19) and clock-aligned ones (ClockAlignedDataInterval, §9.1.5).
    fn take_samples(&mut self, now: Instant) {
        let online = self.connected && self.registration == Registration::Accepted;
        while let Some(due) = self.meter.poll_due(now, &self.clock) {
            let connector = due.connector;
            let readings = self
                .readings
                .get(connector as usize)
                .cloned()
                .unwrap_or_default();
            let measurands = if due.context == v16::ReadingContext::SampleClock {
                &self.config.meter_values_aligned_data
            } else {
                &self.config.meter_values_sampled_data
            };
            // §3.16.4: nothing to report (no configured measurand available) -> no message.
            let setup = MeterSetup::for_connector(connector);
            if metering::build_meter_value(&readings, measurands, due.context, due.timestamp, setup)
                .is_none()
            {
                continue;
            }
            let sample = Sample {
                timestamp: due.timestamp,
                context: due.context,
                measurands: measurand_mask(measurands),
                readings: readings.clone(),
            };
            let stop_lists = StopTxnMeasurands {
                sampled: &self.config.stop_txn_sampled_data,
                aligned: &self.config.stop_txn_aligned_data,
            };
            let meter = readings.meter_register_wh();
            if let Some(t) = self.journal.transaction_mut(connector) {
                t.data
                    .sample(due.timestamp, due.context, &readings, &stop_lists);
                if let Some(m) = meter {
                    t.last_meter = m;
                }
                t.last_seen = due.timestamp;
                let local_id = t.local_id;
                let transaction_id = t.transaction_id;
                let _ = self.journal.enqueue(TxMessage::Meter {
                    local_id,
                    transaction_id,
                    connector,
                    sample,
                });
                self.persist_journal();
            } else if online && due.context == v16::ReadingContext::SampleClock {
                // Clock-aligned values outside a transaction are not transaction-related (§3.7).
                let _ = self.requests.push(Request::Meter {
                    connector,
                    transaction_id: None,
                    sample,
                });
            }
        }
    }

    fn on_change_availability(
        &mut self,
        connector: ConnectorId,
        kind: AvailabilityType,
        now: Instant,
    ) -> Reply {
        if connector > self.setup.connectors {
            return Reply::Status(AvailabilityStatus::Rejected.as_str());
        }
        let operative = kind == AvailabilityType::Operative;
        let targets = if connector == 0 {
            0..=self.setup.connectors
        } else {
            connector..=connector
        };
        let mut scheduled = false;
        for c in targets {
            let running = self.journal.transaction(c).is_some();
            if let Some(conn) = self.connectors.get_mut(c as usize) {
                if running && conn.operative != operative {
                    // §5.2: "Scheduled" until the transaction has finished.
                    conn.scheduled_operative = Some(operative);
                    scheduled = true;
                } else {
                    conn.operative = operative;
                    conn.scheduled_operative = None;
                }
            }
        }
        let _ = now;
        self.save_availability();
        Reply::Status(
            if scheduled {
                AvailabilityStatus::Scheduled
            } else {
                AvailabilityStatus::Accepted
            }
            .as_str(),
        )
    }

    fn save_availability(&mut self) {
        let mut mask = 0u32;
        for (i, c) in self.connectors.iter().enumerate() {
            if !c.operative {
                mask |= 1 << i;
            }
        }
        if self.journal.inoperative != mask {
            self.journal.inoperative = mask;
            self.persist_journal();
        }
    }

    fn on_change_configuration(
        &mut self,
        req: &v16::ChangeConfigurationRequest,
        now: Instant,
    ) -> Reply {
        let outcome = self.config.change(&req.key, &req.value);
        if let Some(key) = outcome.changed {
            self.persist_config();
            match key {
                KeyId::Standard(Key::HeartbeatInterval)
                    if self.registration == Registration::Accepted =>
                {
                    self.schedule_heartbeat(now);
                }
                KeyId::Standard(Key::MeterValueSampleInterval) => {
                    self.meter
                        .set_sample_interval(self.config.meter_value_sample_interval);
                }
                KeyId::Standard(Key::ClockAlignedDataInterval) => {
                    self.meter
                        .set_aligned_interval(self.config.clock_aligned_data_interval);
                }
                _ => {}
            }
        }
        Reply::Status(outcome.status.as_str())
    }

    fn on_remote_start(&mut self, req: v16::RemoteStartTransactionRequest, now: Instant) -> Reply {
        let rejected = Reply::Status(RemoteStartStopStatus::Rejected.as_str());
        // §4.2: not allowed while Pending.
        if self.registration != Registration::Accepted {
            return rejected;
        }
        if let Some(profile) = &req.charging_profile {
            // §5.11: only a TxProfile may come with RemoteStartTransaction.
            if profile.charging_profile_purpose != v16::ChargingProfilePurpose::TxProfile {
                return rejected;
            }
        }
        let connector = match req.connector_id {
            Some(0) => return rejected,
            Some(c) if self.valid_connector(c) => c,
            Some(_) => return rejected,
            None => match self.choose_connector(&req.id_tag) {
                Some(c) => c,
                None => return rejected,
            },
        };
        let usable = self.can_charge(connector)
            && self
                .connectors
                .get(connector as usize)
                .is_some_and(|c| !c.in_transaction && c.scheduled_operative.is_none());
        if !usable || !self.reservation_allows(connector, &req.id_tag, None) {
            return rejected;
        }
        // §5.11: the TxProfile applies to the transaction this request starts.
        #[cfg(feature = "profile-smart-charging")]
        {
            self.remote_start_profile = req.charging_profile.clone().map(|p| (connector, p));
        }
        if self.config.authorize_remote_tx_requests {
            // §5.11: authorize first, as for a local start (cache/list may answer).
            let wall = self.clock.at(now);
            match auth::decide(
                &req.id_tag,
                &self.auth_context(),
                &self.cache,
                &self.local_list,
                wall,
            ) {
                Decision::Accepted { info, .. } => {
                    self.accept_id_tag(connector, req.id_tag, info.parent_id_tag, true, now);
                }
                Decision::Rejected(_) => return rejected,
                Decision::AskCentral | Decision::AcceptedUnknownOffline => {
                    if let Some(slot) = self.pending.get_mut(connector as usize) {
                        *slot = Some(Pending {
                            id_tag: req.id_tag.clone(),
                            parent_id_tag: None,
                            authorized: false,
                            since: now,
                            remote: true,
                        });
                    }
                    if let Some(c) = self.connector_mut(connector) {
                        c.preparing_since.get_or_insert(now);
                    }
                    let _ = self.requests.push(Request::Authorize {
                        connector: Some(connector),
                        id_tag: req.id_tag,
                    });
                }
            }
        } else {
            self.accept_id_tag(connector, req.id_tag, None, true, now);
        }
        Reply::Status(RemoteStartStopStatus::Accepted.as_str())
    }

    fn on_remote_stop(&mut self, transaction_id: i32, now: Instant) -> Reply {
        if self.registration != Registration::Accepted {
            return Reply::Status(RemoteStartStopStatus::Rejected.as_str());
        }
        match self
            .journal
            .by_transaction_id(transaction_id)
            .map(|t| t.connector)
        {
            Some(connector) => {
                self.stop_transaction(connector, Reason::Remote, None, now);
                Reply::Status(RemoteStartStopStatus::Accepted.as_str())
            }
            None => Reply::Status(RemoteStartStopStatus::Rejected.as_str()),
        }
    }

    fn on_reset(&mut self, kind: ResetType, now: Instant) -> Reply {
        // §5.14: stop transactions with reason SoftReset / HardReset, then restart.
        let reason = if kind == ResetType::Hard {
            Reason::HardReset
        } else {
            Reason::SoftReset
        };
        let running: List<ConnectorId, MAX_CONNECTORS> =
            List::try_from_iter(self.journal.transactions.iter().map(|t| t.connector))
                .unwrap_or_default();
        for c in &running {
            self.stop_transaction(*c, reason, None, now);
        }
        self.reset = Some((kind, now));
        Reply::Status(ResetStatus::Accepted.as_str())
    }

    /// UnlockConnector (§5.18): stops a transaction on the connector first (reason
    /// UnlockCommand), then asks the hardware. `None`: the answer waits for the hardware.
    fn on_unlock(&mut self, connector: ConnectorId, now: Instant) -> Option<Reply> {
        if !self.valid_connector(connector) || !self.setup.connector_lock {
            return Some(Reply::Status(UnlockStatus::NotSupported.as_str()));
        }
        if self.journal.transaction(connector).is_some() {
            self.stop_transaction(connector, Reason::UnlockCommand, None, now);
        }
        let _ = self.actions.push(Action::Unlock { connector });
        None
    }

    fn resolve_deferred(&mut self, matches: impl Fn(&DeferredKind) -> bool, reply: Reply) {
        let Some(d) = self.deferred.iter().find(|d| matches(&d.kind)).cloned() else {
            return;
        };
        self.deferred.retain(|x| x != &d);
        let _ = self.answers.push(Answer { id: d.id, reply });
    }

    /// Derives every connector's status and queues a StatusNotification for each change that is
    /// due (MinimumStatusDuration, §9.1.20).
    fn update_statuses(&mut self, now: Instant) {
        self.update_limits(now);
        if !(self.connected && self.registration == Registration::Accepted) {
            return;
        }
        self.queue_changed_statuses(now);
    }

    fn queue_changed_statuses(&mut self, now: Instant) {
        if self.registration != Registration::Accepted {
            return;
        }
        let wall = self.clock.at(now);
        let min = u64::from(self.config.minimum_status_duration) * 1000;
        for i in 0..=self.setup.connectors as usize {
            let Some(c) = self.connectors.get_mut(i) else {
                continue;
            };
            let status = if i == 0 {
                c.derived_status_connector_zero()
            } else {
                c.derived_status()
            };
            if let Some((status, since)) = c.track(status, now, wall, min) {
                c.reported = Some(status);
                let (error_code, info, vendor_error_code) = match &c.fault {
                    Some(f) if status == ChargePointStatus::Faulted => {
                        (f.error_code, f.info.clone(), f.vendor_error_code.clone())
                    }
                    _ => (ChargePointErrorCode::NoError, None, None),
                };
                // A newer status for the same connector replaces one not yet sent.
                self.requests.retain(
                    |r| !matches!(r, Request::Status { connector, .. } if *connector as usize == i),
                );
                let _ = self.requests.push(Request::Status {
                    connector: i as ConnectorId,
                    status,
                    error_code,
                    info,
                    vendor_error_code,
                    timestamp: since,
                });
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Persistence

    /// Writes the journal. A journal too large for the record buffer sheds its oldest queued
    /// periodic MeterValues until it fits (Start and Stop are never shed).
    fn persist_journal(&mut self) {
        let n = loop {
            if let Ok(n) = json::to_slice(&self.journal, &mut self.record_buf) {
                break n;
            }
            let Some(pos) = self
                .journal
                .queue
                .iter()
                .skip(1)
                .position(|q| q.message.is_meter())
            else {
                let _ = self.actions.push(Action::StorageFailed {
                    key: RecordKey::Journal,
                });
                return;
            };
            let mut i = 0;
            self.journal.queue.retain(|_| {
                let keep = i != pos + 1;
                i += 1;
                keep
            });
        };
        self.store_record(RecordKey::Journal, Some(n));
    }

    fn persist_config(&mut self) {
        let len = self.config.encode(&mut self.record_buf).ok();
        self.store_record(RecordKey::Configuration, len);
    }

    fn persist_cache(&mut self) {
        let len = self.cache.encode(&mut self.record_buf).ok();
        self.store_record(RecordKey::AuthorizationCache, len);
    }

    /// Stores the first `len` bytes of the record buffer as `key`; `None` (the record could not
    /// be encoded) or a storage error is reported as [`Action::StorageFailed`].
    pub(super) fn store_record(&mut self, key: RecordKey, len: Option<usize>) {
        let stored = match len.and_then(|n| self.record_buf.get(..n)) {
            Some(data) => self.storage.store(key, data).is_ok(),
            None => false,
        };
        if !stored {
            let _ = self.actions.push(Action::StorageFailed { key });
        }
    }
}

// -------------------------------------------------------------------------------------------
// Views: messages serialised from compact state, without building the owned message types.

/// MeterValues.req with one meterValue rendered from a stored sample.
struct MeterValuesView<'a> {
    connector_id: ConnectorId,
    transaction_id: Option<i32>,
    sample: &'a Sample,
}

impl Serialize for MeterValuesView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::{Error, SerializeStruct};
        let sample = self.sample;
        let measurands = measurand_list(sample.measurands);
        let setup = MeterSetup::for_connector(self.connector_id);
        let value = metering::build_meter_value(
            &sample.readings,
            &measurands,
            sample.context,
            sample.timestamp,
            setup,
        )
        .ok_or_else(|| Ser::Error::custom("no sampled value"))?;
        let mut st = s.serialize_struct("MeterValuesRequest", 3)?;
        st.serialize_field("connectorId", &self.connector_id)?;
        if let Some(id) = self.transaction_id {
            st.serialize_field("transactionId", &id)?;
        }
        st.serialize_field("meterValue", core::slice::from_ref(&value))?;
        st.end()
    }
}

/// StopTransaction.req with transactionData rendered from the stored readings.
struct StopTransactionView<'a> {
    id_tag: Option<&'a IdToken>,
    meter_stop: i32,
    timestamp: DateTime,
    transaction_id: i32,
    reason: Reason,
    data: Option<&'a StopData>,
    sampled: List<v16::Measurand, 32>,
    aligned: List<v16::Measurand, 32>,
}

impl Serialize for StopTransactionView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("StopTransactionRequest", 6)?;
        if let Some(id_tag) = self.id_tag {
            st.serialize_field("idTag", id_tag)?;
        }
        st.serialize_field("meterStop", &self.meter_stop)?;
        st.serialize_field("timestamp", &self.timestamp)?;
        st.serialize_field("transactionId", &self.transaction_id)?;
        st.serialize_field("reason", &self.reason)?;
        let lists = StopTxnMeasurands {
            sampled: &self.sampled,
            aligned: &self.aligned,
        };
        // §3.16.5: no transactionData when neither StopTxn list asks for anything.
        if let Some(data) = self.data.filter(|d| !lists.is_empty() && !d.is_empty()) {
            st.serialize_field(
                "transactionData",
                &data.meter_values(lists, MeterSetup::OUTLET),
            )?;
        }
        st.end()
    }
}

/// GetConfiguration.conf rendered from the configuration.
struct ConfigurationView<'a> {
    config: &'a Configuration,
    keys: Option<&'a List<crate::types::CiString50, { crate::limits::MAX_CONFIGURATION_KEYS }>>,
}

impl Serialize for ConfigurationView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("GetConfigurationResponse", 2)?;
        match self.keys {
            None => st.serialize_field(
                "configurationKey",
                &KnownKeys {
                    config: self.config,
                    keys: None,
                },
            )?,
            Some(keys) => {
                if keys.iter().any(|k| self.config.get(k).is_some()) {
                    st.serialize_field(
                        "configurationKey",
                        &KnownKeys {
                            config: self.config,
                            keys: Some(keys),
                        },
                    )?;
                }
                if keys.iter().any(|k| self.config.get(k).is_none()) {
                    st.serialize_field(
                        "unknownKey",
                        &UnknownKeys {
                            config: self.config,
                            keys,
                        },
                    )?;
                }
            }
        }
        st.end()
    }
}

struct KnownKeys<'a> {
    config: &'a Configuration,
    keys: Option<&'a List<crate::types::CiString50, { crate::limits::MAX_CONFIGURATION_KEYS }>>,
}

impl Serialize for KnownKeys<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        match self.keys {
            None => s.collect_seq(self.config.iter()),
            Some(keys) => s.collect_seq(keys.iter().filter_map(|k| self.config.get(k))),
        }
    }
}

struct UnknownKeys<'a> {
    config: &'a Configuration,
    keys: &'a List<crate::types::CiString50, { crate::limits::MAX_CONFIGURATION_KEYS }>,
}

impl Serialize for UnknownKeys<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.collect_seq(self.keys.iter().filter(|k| self.config.get(k).is_none()))
    }
}
