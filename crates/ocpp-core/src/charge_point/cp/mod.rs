//! The [`ChargePoint`] state machine: the sans-IO loop of an OCPP 1.6 charge point.
//!
//! This file holds the loop (inputs, outputs, scheduling) and the Core profile; the other
//! profiles' behaviour is in the submodules, one per spec concept.

mod authorize;
#[cfg(feature = "profile-security")]
mod certificates;
#[cfg(feature = "profile-security")]
pub use certificates::{
    CERTIFICATE_CHECK_INTERVAL_S, CERTIFICATE_RENEWAL_BEFORE_S, CertificateRequestError,
    RESERVED_CERTIFICATE_SLOTS,
};
mod connectors;
mod disabled;
mod dispatch;
#[cfg(feature = "profile-firmware")]
mod firmware;
#[cfg(feature = "profile-firmware")]
pub use firmware::{DiagnosticsRequest, FirmwareRequest};
#[cfg(feature = "profile-local-list")]
mod local_list;
#[cfg(feature = "profile-security")]
mod logs;
#[cfg(feature = "profile-security")]
pub use logs::LogRequest;
mod outgoing;
mod persist;
mod ram;
mod remote;
#[cfg(feature = "profile-reservation")]
mod reservation;
mod run_loop;
mod security_events;
#[cfg(feature = "profile-security")]
mod signed_firmware;
#[cfg(feature = "profile-smart-charging")]
mod smart;
mod transaction;
#[cfg(feature = "profile-trigger")]
mod trigger;
mod views;

use crate::charge_point::capacity::{DefaultLimits, Limits, SmallLimits};
use views::{
    ConfigurationView, MeterValuesView, OptionalTextView, SecurityEventView, StopTransactionView,
};

use serde::Serialize;

use crate::json::{self, DecodeOptions};
use crate::limits::{MAX_CONNECTORS, MAX_PENDING_REQUESTS};
use crate::rpc::{self, ErrorCode, Frame, MessageId};
use crate::types::{
    BoundedString, BoundedText, DateTime, List, ListOf, NoneIsZero, Slots, StrSink, ZeroNone,
};
use crate::v16::{
    self, Action as OcppAction, AuthorizationStatus, AvailabilityStatus, AvailabilityType,
    BootNotificationRequest, ChargePointErrorCode, ChargePointStatus, ClearCacheStatus,
    ConnectorId, DataTransferStatus, IdTagInfo, IdToken, Reason, RegistrationStatus,
    RemoteStartStopStatus, ResetStatus, ResetType, SecurityEvent, UnlockStatus,
};

use super::auth::{self, AuthCache, AuthContext, Decision, LocalAuthList, Rejection, StopCheck};
use super::config::{Configuration, Key, KeyId};
use super::connector::{Connector, Fault};
use super::io::{Action, Event, Input, Output, Refused};
use super::journal::{
    Journal, Queued, Sample, StopData, StopEntry, Transaction, TxMessage, measurand_list,
    measurand_mask,
};
use super::metering::{self, MeterScheduler, MeterSetup, PackedReadings, StopTxnMeasurands};
use super::outbox::{
    Answer, AnswerBody, AnswerId, DataInSlot, Reply, Request, RequestedKeys, StatusOnly,
};
use super::requests::RequestQueue;
#[cfg(feature = "profile-smart-charging")]
use super::smart_charging::{Limit, ProfileStore};
#[cfg(feature = "profile-security")]
use super::storage::SecurityParts;
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
/// Failed connection attempts with a raised SecurityProfile after which the charge point falls
/// back to the previous one (security whitepaper A05.FR.08 "SHOULD fallback ... unable to connect";
/// the number is ours: three attempts ride out a central system that is briefly away).
pub const PROFILE_FALLBACK_ATTEMPTS: u8 = 3;

/// Connector slots of the default [`ChargePoint`]: connector 0 (the charge point as a whole) and
/// up to [`MAX_CONNECTORS`] connectors.
pub const DEFAULT_CONNECTOR_SLOTS: usize = MAX_CONNECTORS + 1;

/// The small profile: an AC wallbox with one or two connectors, a local list of 32 and an
/// authorization cache of 16 entries (the figures are in docs/integration.md).
pub type SmallChargePoint<S> = ChargePoint<S, 3, 32, 16, SmallLimits>;
const MAX_ANSWERS: usize = 2;
/// CALLs refused with a CALLERROR because no answer slot was free.
const MAX_REFUSED: usize = 4;
/// Messages asked for by TriggerMessage waiting to be sent (more are answered Rejected, §5.17).
#[cfg(feature = "profile-trigger")]
const MAX_TRIGGERED: usize = 4;

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
    pub data_transfer_vendors: List<DataTransferVendor, 4>,
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
    /// The certificates the adapter holds, for the SecurityProfile prerequisites (whitepaper
    /// A05.FR.03: a CentralSystemRootCertificate for profiles 2 and 3; A05.FR.04: a
    /// ChargePointCertificate for 3): until the charge point keeps its own certificate store,
    /// the integrator declares them. Default none: a raise to 2 or 3 is Rejected. With the
    /// feature `profile-security` and a security module, the certificates installed in its
    /// store count too (docs/security.md).
    pub security: super::config::SecurityPrerequisites,
    /// `AdditionalRootCertificateCheck` (whitepaper §7.1, read-only): only one
    /// CentralSystemRootCertificate, replaced by one it signed, the old one kept as a fallback
    /// until the next connection (M05.FR.08-13). Used with the feature `profile-security`.
    /// Default `false`.
    pub additional_root_certificate_check: bool,
}

impl Setup {
    /// The setup of a charge point that has not started: empty identity, no connectors, every
    /// field zero (the enums' values numbered 0: `EmergencyStop`, `W`), so that the unstarted
    /// charge point is zero bytes. [`ChargePoint::start`] takes the real one.
    pub const EMPTY: Setup = Setup {
        boot: BootNotificationRequest {
            charge_box_serial_number: None,
            charge_point_model: BoundedString::new(),
            charge_point_serial_number: None,
            charge_point_vendor: BoundedString::new(),
            firmware_version: None,
            iccid: None,
            imsi: None,
            meter_serial_number: None,
            meter_type: None,
        },
        connectors: 0,
        call_timeout_ms: 0,
        stop_reason_after_restart: Reason::EmergencyStop,
        data_transfer_vendors: List::new(),
        decode: DecodeOptions {
            deny_unknown_fields: false,
            allow_missing_offset: false,
            max_depth: 0,
        },
        line_voltage: 0,
        rated_limit: super::smart_charging::Limit {
            value: crate::types::Decimal::ZERO,
            unit: v16::ChargingRateUnit::W,
            number_phases: None,
        },
        connector_lock: false,
        security: super::config::SecurityPrerequisites {
            central_system_root_certificate: false,
            charge_point_certificate: false,
        },
        additional_root_certificate_check: false,
    };

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
            security: super::config::SecurityPrerequisites {
                central_system_root_certificate: false,
                charge_point_certificate: false,
            },
            additional_root_certificate_check: false,
        }
    }
}

/// A DataTransfer `vendorId` the integrator handles (§4.3, §5.6): the firmware's own constant.
///
/// Why `&'static str` and not a `CiString255`: the ids are the integrator's (a reverse DNS name
/// of a few dozen characters, known when the firmware is built), and four 255-character strings
/// in [`Setup`] cost 1 KB of RAM for nothing. An id is compared exactly with the request's
/// `vendorId`; one longer than 255 characters can never match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataTransferVendor(&'static str);

impl DataTransferVendor {
    /// The vendor id `id`.
    pub const fn new(id: &'static str) -> Self {
        DataTransferVendor(id)
    }

    /// The vendor id.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}

impl From<&'static str> for DataTransferVendor {
    fn from(id: &'static str) -> Self {
        DataTransferVendor(id)
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

/// What the hardware was last told about a connector's charging limit. `repr(u8)`: a tag of its
/// own, so `NotYet` is 0 (with the niche of `Option<Limit>` it would be 3) and a `static`
/// charge point lands in `.bss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(feature = "profile-smart-charging")]
#[repr(u8)]
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

/// What the CALL in flight was: what its answer needs, not the whole request (a
/// StatusNotification or MeterValues is done with once written).
#[derive(Debug, Clone, PartialEq)]
enum Sent {
    /// The head of the journal queue.
    Journal,
    /// BootNotification.
    Boot,
    /// Heartbeat.
    Heartbeat,
    /// Authorize, for an identifier presented at `connector`.
    Authorize {
        connector: Option<ConnectorId>,
        id_tag: IdToken,
    },
    /// Our DataTransfer (the request waits in its slot).
    DataTransfer,
    /// StatusNotification of this connector: if the connection ends before its answer, the
    /// connector reports again.
    Status(ConnectorId),
    /// FirmwareStatusNotification: sent again if the connection ends before its answer.
    #[cfg(feature = "profile-firmware")]
    FirmwareStatus(v16::FirmwareStatus),
    /// DiagnosticsStatusNotification: likewise.
    #[cfg(feature = "profile-firmware")]
    DiagnosticsStatus(v16::DiagnosticsStatus),
    /// SignCertificate: sent again (the same CSR) if the connection ends before its answer.
    #[cfg(feature = "profile-security")]
    SignCertificate,
    /// LogStatusNotification (status, requestId): likewise.
    #[cfg(feature = "profile-security")]
    LogStatus(v16::UploadLogStatus, Option<i32>),
    /// SignedFirmwareStatusNotification: likewise; its answer lets an `InstallRebooting`
    /// restart go (L01.FR.15).
    #[cfg(feature = "profile-security")]
    SignedFirmwareStatus {
        status: v16::SignedFirmwareStatus,
        request_id: Option<i32>,
    },
    /// Any other request from the outbox (MeterValues outside a transaction): nothing to do
    /// with its answer.
    Other,
}

impl Sent {
    /// What is kept of `req` while it is in flight.
    fn of(req: Request) -> Sent {
        match req {
            Request::Boot => Sent::Boot,
            Request::Heartbeat => Sent::Heartbeat,
            Request::Authorize { connector, id_tag } => Sent::Authorize { connector, id_tag },
            Request::DataTransfer => Sent::DataTransfer,
            Request::Status { connector, .. } => Sent::Status(connector),
            #[cfg(feature = "profile-firmware")]
            Request::FirmwareStatus(status) => Sent::FirmwareStatus(status),
            #[cfg(feature = "profile-firmware")]
            Request::DiagnosticsStatus(status) => Sent::DiagnosticsStatus(status),
            #[cfg(feature = "profile-security")]
            Request::SignCertificate => Sent::SignCertificate,
            #[cfg(feature = "profile-security")]
            Request::LogStatus { status, request_id } => Sent::LogStatus(status, request_id),
            #[cfg(feature = "profile-security")]
            Request::SignedFirmwareStatus { status, request_id } =>
            {
                #[cfg(feature = "profile-security")]
                Sent::SignedFirmwareStatus { status, request_id }
            }
            Request::Meter { .. } => Sent::Other,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct InFlight {
    id: MessageId,
    sent_at: Instant,
    what: Sent,
    /// Makes `None` of `Option<InFlight>` zero bytes (see [`NoneIsZero`]).
    _none_is_zero: NoneIsZero,
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
    /// Makes `None` of `Option<Pending>` zero bytes (see [`NoneIsZero`]).
    _none_is_zero: NoneIsZero,
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

/// Our DataTransfer (§4.3): the request until the central system answers, then its answer
/// (`None` for a CALLERROR), readable until the next request. `repr(u8)` with `Idle` first: the
/// idle slot is zero bytes (an `Option` of it would put `None` in a niche of the request).
#[derive(Debug, Clone, PartialEq)]
#[repr(u8)]
enum OutgoingDataTransfer<D: BoundedText> {
    Idle,
    Pending(v16::DataTransferRequestOf<D>),
    Answered(Option<v16::DataTransferResponseOf<D>>),
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
pub struct ChargePoint<
    S: Storage,
    const NC: usize = DEFAULT_CONNECTOR_SLOTS,
    const NL: usize = { crate::limits::LOCAL_AUTH_LIST_MAX_LENGTH },
    const NA: usize = { crate::limits::AUTH_CACHE_SIZE },
    L: Limits = DefaultLimits,
> {
    setup: Setup,
    storage: S,
    config: Configuration<L::VendorKeyBytes>,
    clock: WallClock,
    /// [`ChargePoint::start`] was called: inputs are taken.
    started: bool,
    connected: bool,
    /// An `InvalidMessages` security event was raised on this connection (one per connection).
    invalid_message_reported: bool,
    /// When this start happened, until its StartupOfTheDevice event is raised (at the first
    /// setting of the wall clock).
    started_at: Option<Instant>,
    /// A raised SecurityProfile not yet proven by a connection: the previous profile and the
    /// failed attempts with the new one (whitepaper A05.FR.08: fall back after
    /// [`PROFILE_FALLBACK_ATTEMPTS`]). RAM only: after a restart the raised profile stays.
    profile_fallback: Option<(u8, u8)>,
    /// An [`Action::Reconnect`] to give once every queued answer is out (A05.FR.06: after the
    /// ChangeConfiguration.conf), with the profile to reconnect with.
    reconnect_due: Option<u8>,
    /// The last security event the integrator reported while disconnected (repeats of a
    /// non-critical one are reported once until the next connection).
    last_offline_event: Option<SecurityEvent>,
    registration: Registration,
    boot_at: Option<Instant>,
    heartbeat_at: Option<Instant>,
    /// After a CALLERROR for the journal head: not before this instant (§3.7.1).
    journal_retry_at: Option<Instant>,
    inflight: Option<InFlight>,
    next_message: u32,
    answers: List<Answer, MAX_ANSWERS>,
    /// The body of the answer in `answers` that has a large one (see [`AnswerBody`]).
    answer_body: AnswerBody,
    /// Our requests that are not transaction-related, held encoded (see [`RequestQueue`]).
    requests: RequestQueue<L::RequestBytes, MAX_PENDING_REQUESTS>,
    journal: Journal<L>,
    connectors: [Connector; NC],
    /// The last readings per connector (packed: 124 bytes instead of 240).
    readings: [PackedReadings; NC],
    pending: [Option<Pending>; NC],
    stop_checks: List<PendingStop, 4>,
    /// CALLs whose answer waits for the integrator. Each keeps an answer slot (a CALL is taken
    /// only while `answers` and these leave one free), so there are never more than
    /// `MAX_ANSWERS`.
    deferred: List<Deferred, MAX_ANSWERS>,
    cache: AuthCache<NA>,
    local_list: LocalAuthList<NL>,
    meter: MeterScheduler<NC>,
    actions: L::Actions,
    reset: Option<(ResetType, Instant)>,
    /// A DataTransfer.req from the central system for the integrator (one at a time).
    incoming_data_transfer: Option<ZeroNone<v16::DataTransferRequestOf<L::DataTransferData>>>,
    /// The integrator answered the request in `incoming_data_transfer`: the slot's `data` is the
    /// answer's, until the answer is written (the request is no longer readable then).
    incoming_data_transfer_answered: bool,
    /// Our DataTransfer.req waiting to be sent or answered (one at a time), then the central
    /// system's answer to it: one slot for both, as the request is done with when the answer
    /// arrives.
    outgoing_data_transfer: OutgoingDataTransfer<L::DataTransferData>,
    /// Installed charging profiles (§3.13).
    #[cfg(feature = "profile-smart-charging")]
    profiles: ProfileStore<L::Profiles, L::ProfilePeriods>,
    /// Frames handed out by `poll_transmit` and received by `handle_frame` (statistics).
    frames_out: u64,
    frames_in: u64,
    /// The limit last reported per connector.
    #[cfg(feature = "profile-smart-charging")]
    applied_limits: [AppliedLimit; NC],
    /// When a charging limit may change next (recomputed with the limits).
    #[cfg(feature = "profile-smart-charging")]
    limits_deadline_cached: Option<Instant>,
    /// Messages asked for by TriggerMessage: sent even while Pending (§4.2).
    #[cfg(feature = "profile-trigger")]
    triggered: RequestQueue<L::TriggeredBytes, MAX_TRIGGERED>,
    /// The firmware update in progress (§5.19).
    #[cfg(feature = "profile-firmware")]
    firmware: Option<firmware::FirmwareJob>,
    /// The upload in progress: GetDiagnostics' (§5.9) or GetLog's (security N01).
    #[cfg(feature = "profile-firmware")]
    diagnostics: Option<firmware::DiagnosticsJob>,
    /// The locations of both transfers, in one buffer.
    #[cfg(feature = "profile-firmware")]
    transfer_locations: firmware::TransferLocations<L::TransferLocations>,
    /// Security events not yet written to the security log (A04.FR.04).
    #[cfg(feature = "profile-security")]
    security_log: super::security_log::Pending,
    /// The last SignedFirmwareStatusNotification queued (ExtendedTriggerMessage repeats it).
    #[cfg(feature = "profile-security")]
    signed_firmware_last: signed_firmware::LastSignedStatus,
    /// Records changed since the last flush (bit [`RecordKey::index`]): written at the start of
    /// the next `poll_output`, into the caller's buffer.
    dirty: u8,
    /// CALLs that found no free answer slot: answered with a CALLERROR, their side effects not
    /// run.
    refused: List<AnswerId, MAX_REFUSED>,
    /// Outputs that could not be queued because the caller broke the drain rule (see
    /// [`ChargePoint::dropped_outputs`]).
    dropped: u32,
    /// When to look at the charge point certificate's expiry next (A03.FR.02), in seconds of
    /// [`Instant`]; 0 after a start.
    #[cfg(feature = "profile-security")]
    certificate_check_at: u32,
    /// The next [`Input::Connected`] keeps the fallback root (see
    /// [`ChargePoint::fallback_root_used`]).
    #[cfg(feature = "profile-security")]
    keep_fallback_root: bool,
}

/// The CALLERROR description for an action the charge point does not support: "<action> is not
/// supported", cut if it does not fit. Built by pushes rather than `format_args!`, which would
/// link `core::fmt` into the charge point's paths.
fn not_supported<const N: usize>(action: OcppAction) -> BoundedString<N> {
    let mut description = BoundedString::new();
    description.push_cut(action.as_str());
    description.push_cut(" is not supported");
    description
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// A charge point restored from `storage` (configuration, journal, authorization data):
    /// [`ChargePoint::unstarted`] then [`ChargePoint::start`].
    ///
    /// `scratch` is where each stored record is read while restoring: pass the transmit buffer
    /// (it must hold the largest record, see docs/integration.md); the charge point keeps no
    /// record buffer of its own.
    ///
    /// This returns the charge point by value, so it passes through the stack (tens of KB): on a
    /// microcontroller, put [`ChargePoint::unstarted`] in a `static` and call
    /// [`ChargePoint::start`] on it instead.
    pub fn new(setup: Setup, storage: S, now: Instant, scratch: &mut [u8]) -> Self {
        let mut cp = Self::unstarted(storage);
        cp.start(setup, now, scratch);
        cp
    }

    /// A charge point that has not started: no setup, every table empty, every input refused
    /// until [`ChargePoint::start`]. A `const fn` whose value is all zero bytes (with the default
    /// capacities and every profile, on thumbv7em: `scripts/size-report` fails when the
    /// firmware's charge point is in `.data`), so a firmware can place it in a `static` in
    /// `.bss`: no flash image (a non-zero byte would cost the whole size in flash), no stack
    /// temporary. What keeps it zero: the empty value of every field is zero (`Setup::EMPTY`,
    /// `Configuration::zeroed`, `Connector::blank`, `MeterScheduler::blank`), enums held as
    /// `Option`s are numbered from 1 (`#[none_is_zero]`), and structs held as `Option`s that
    /// contain an `Option` carry a [`NoneIsZero`].
    pub const fn unstarted(storage: S) -> Self {
        const {
            assert!(
                NC >= 2 && NC <= MAX_CONNECTORS + 1,
                "NC: 1..=MAX_CONNECTORS connectors, plus connector 0"
            );
            assert!(
                <L::Transactions as ListOf<_>>::CAPACITY >= NC - 1,
                "Limits::Transactions: one per connector"
            );
            assert!(
                <L::Reservations as ListOf<_>>::CAPACITY >= NC,
                "Limits::Reservations: one per connector and one for connector 0"
            );
            assert!(
                <L::Actions as ListOf<_>>::CAPACITY >= super::capacity::actions_for(NC),
                "Limits::Actions: at least actions_for(NC)"
            );
        }
        ChargePoint {
            setup: Setup::EMPTY,
            storage,
            config: Configuration::zeroed(),
            clock: WallClock::EMPTY,
            started: false,
            connected: false,
            invalid_message_reported: false,
            started_at: None,
            profile_fallback: None,
            reconnect_due: None,
            last_offline_event: None,
            registration: Registration::Unknown,
            boot_at: None,
            heartbeat_at: None,
            journal_retry_at: None,
            inflight: None,
            next_message: 0,
            answers: List::new(),
            answer_body: AnswerBody::Free,
            requests: RequestQueue::new(),
            journal: Journal::new(),
            connectors: [const { Connector::blank() }; NC],
            readings: [PackedReadings::EMPTY; NC],
            pending: [const { None }; NC],
            stop_checks: List::new(),
            deferred: List::new(),
            cache: AuthCache::new(),
            local_list: LocalAuthList::new(),
            meter: MeterScheduler::blank(),
            actions: L::Actions::EMPTY,
            reset: None,
            incoming_data_transfer: None,
            incoming_data_transfer_answered: false,
            outgoing_data_transfer: OutgoingDataTransfer::Idle,
            #[cfg(feature = "profile-smart-charging")]
            profiles: ProfileStore::new(super::smart_charging::Settings::BLANK),
            #[cfg(feature = "profile-smart-charging")]
            applied_limits: [AppliedLimit::NotYet; NC],
            #[cfg(feature = "profile-smart-charging")]
            limits_deadline_cached: None,
            frames_out: 0,
            frames_in: 0,
            #[cfg(feature = "profile-trigger")]
            triggered: RequestQueue::new(),
            #[cfg(feature = "profile-firmware")]
            firmware: None,
            #[cfg(feature = "profile-firmware")]
            diagnostics: None,
            #[cfg(feature = "profile-firmware")]
            transfer_locations: firmware::TransferLocations::EMPTY,
            #[cfg(feature = "profile-security")]
            security_log: super::security_log::Pending::EMPTY,
            #[cfg(feature = "profile-security")]
            signed_firmware_last: signed_firmware::LastSignedStatus::NONE,
            dirty: 0,
            refused: List::new(),
            dropped: 0,
            #[cfg(feature = "profile-security")]
            certificate_check_at: 0,
            #[cfg(feature = "profile-security")]
            keep_fallback_root: false,
        }
    }

    /// Starts the charge point in place: takes `setup`, sets every key to its default, and
    /// restores the stored records (configuration, journal, authorization data, profiles).
    /// Transactions found running in the journal were interrupted by a restart: they are
    /// stopped with [`Setup::stop_reason_after_restart`] at their last known meter value, and
    /// their StopTransaction is queued behind whatever was queued before.
    ///
    /// Calling it again is a restart (what a power cut does): every volatile state is reset in
    /// place and the stored records are restored again. `scratch` as in [`ChargePoint::new`].
    pub fn start(&mut self, mut setup: Setup, now: Instant, scratch: &mut [u8]) {
        setup.connectors = setup.connectors.clamp(1, NC as u32 - 1);
        let connectors = setup.connectors;
        self.setup = setup;
        self.reset_volatile(now);
        self.config.apply_defaults(connectors);
        // The declared capacities follow the compiled ones (§9.4.2, §9.1.8).
        self.config.local_auth_list_max_length = NL as u32;
        self.config.send_local_list_max_length =
            self.config.send_local_list_max_length.min(NL as u32);
        #[cfg(feature = "profile-smart-charging")]
        {
            self.config.max_charging_profiles_installed = self
                .config
                .max_charging_profiles_installed
                .min(<L::Profiles as ListOf<_>>::CAPACITY as u32);
            self.config.charging_schedule_max_periods = self
                .config
                .charging_schedule_max_periods
                .min(<L::ProfilePeriods as Slots<_>>::LEN as u32);
        }
        #[cfg(feature = "profile-security")]
        self.configure_certificates();
        self.started = true;
        self.restore(now, scratch);
        // Security whitepaper chapter 8: "The Charge Point has booted" (critical). Raised when
        // the wall clock is first set, stamped with the wall time of this start (see
        // `set_clock`): a timestamp of 1970 would tell the central system nothing.
        self.started_at = Some(now);
    }

    /// Every state that does not survive a power cut back to its power-on value, in place.
    fn reset_volatile(&mut self, now: Instant) {
        self.clock = WallClock::unsynced(now, DateTime::default());
        self.profile_fallback = None;
        self.reconnect_due = None;
        self.last_offline_event = None;
        self.connected = false;
        self.registration = Registration::Unknown;
        self.boot_at = None;
        self.heartbeat_at = None;
        self.journal_retry_at = None;
        self.inflight = None;
        self.next_message = 1;
        self.answers.clear();
        self.answer_body = AnswerBody::Free;
        self.requests.clear();
        self.journal.clear();
        for c in &mut self.connectors {
            *c = Connector::new();
        }
        for r in &mut self.readings {
            *r = PackedReadings::EMPTY;
        }
        for p in &mut self.pending {
            *p = None;
        }
        self.stop_checks.clear();
        self.deferred.clear();
        self.cache = AuthCache::new();
        self.local_list = LocalAuthList::new();
        self.meter = MeterScheduler::new(0, 0);
        self.actions.clear();
        self.reset = None;
        self.free_incoming_data_transfer();
        self.outgoing_data_transfer = OutgoingDataTransfer::Idle;
        #[cfg(feature = "profile-smart-charging")]
        {
            self.applied_limits = [AppliedLimit::NotYet; NC];
        }
        #[cfg(feature = "profile-smart-charging")]
        {
            self.limits_deadline_cached = None;
        }
        self.frames_out = 0;
        self.frames_in = 0;
        #[cfg(feature = "profile-smart-charging")]
        {
            self.profiles.unpark();
        }
        #[cfg(feature = "profile-trigger")]
        {
            self.triggered.clear();
        }
        #[cfg(feature = "profile-firmware")]
        {
            self.firmware = None;
        }
        #[cfg(feature = "profile-firmware")]
        {
            self.diagnostics = None;
            self.transfer_locations = firmware::TransferLocations::EMPTY;
        }
        #[cfg(feature = "profile-security")]
        {
            self.security_log.clear();
            self.signed_firmware_last = signed_firmware::LastSignedStatus::NONE;
        }
        self.dirty = 0;
        self.refused.clear();
        self.dropped = 0;
        #[cfg(feature = "profile-security")]
        {
            self.certificate_check_at = 0;
            self.keep_fallback_root = false;
        }
    }

    /// Whether [`ChargePoint::start`] was called.
    pub fn is_started(&self) -> bool {
        self.started
    }

    /// The configuration.
    pub fn configuration(&self) -> &Configuration<L::VendorKeyBytes> {
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
    pub fn configuration_mut(&mut self) -> &mut Configuration<L::VendorKeyBytes> {
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
        Some(Self::status_of(c, connector as usize, self.firmware_hold()))
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

    /// The security module its storage lends ([`Storage::security`]), for an adapter that
    /// reads the installed certificates to connect (the CentralSystemRootCertificates to verify
    /// the server, the charge point certificate for security profile 3). Changing the store
    /// behind the charge point's back is the caller's responsibility.
    pub fn security(&mut self) -> Option<crate::charge_point::storage::SecurityParts<'_>> {
        self.storage.security()
    }

    /// Without the feature `profile-security` there is no fallback root to keep: does nothing
    /// (so that an adapter calls it whatever the features; see the method of the same name
    /// with the feature, M05.FR.13).
    #[cfg(not(feature = "profile-security"))]
    pub fn fallback_root_used(&mut self) {}

    /// Consumes the charge point and returns its storage (a restart in a test).
    pub fn into_storage(self) -> S {
        self.storage
    }

    // ---------------------------------------------------------------------------------------
    // Internals: frames in
}
