//! What goes into the charge point besides frames and time ([`Event`]), and what comes out
//! besides frames ([`Action`]).

use crate::types::{CiString50, DateTime};
use crate::v16::{AuthorizationStatus, ChargePointErrorCode, ConnectorId, IdToken, ResetType};

use super::metering::MeterReadings;
use super::storage::RecordKey;

/// Something that happened at the charger: the EV, the driver or the hardware.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A cable was plugged into `connector` (for a fixed cable: an EV was connected).
    Plugged {
        /// The connector.
        connector: ConnectorId,
    },
    /// The cable was removed from `connector` (the EV was disconnected).
    Unplugged {
        /// The connector.
        connector: ConnectorId,
    },
    /// An identifier was presented (RFID card, app, ...). With `connector: None` the charge point
    /// picks the connector: the one with a transaction of this idTag (to stop it), else the one
    /// plugged and waiting, else the first available.
    IdTag {
        /// The connector the reader belongs to, if it belongs to one.
        connector: Option<ConnectorId>,
        /// The identifier.
        id_tag: IdToken,
    },
    /// Whether the EV draws energy: distinguishes `Charging` from `SuspendedEV` (§7.7).
    EvCharging {
        /// The connector.
        connector: ConnectorId,
        /// True while the EV takes energy.
        charging: bool,
    },
    /// Fresh readings from the connector's meter (connector 0: the main meter). Feed these at
    /// least as often as the shortest sampling interval; the charge point samples the latest.
    Meter {
        /// The connector.
        connector: ConnectorId,
        /// The readings.
        readings: MeterReadings,
    },
    /// A fault was detected: the connector (0: the whole charge point) goes to `Faulted`, a
    /// running transaction is suspended (`SuspendedEVSE`) but not stopped.
    Fault {
        /// The connector.
        connector: ConnectorId,
        /// The spec's error code.
        error_code: ChargePointErrorCode,
        /// Free-form information (StatusNotification `info`).
        info: Option<CiString50>,
        /// Vendor-specific code (StatusNotification `vendorErrorCode`).
        vendor_error_code: Option<CiString50>,
    },
    /// The fault of `connector` is gone.
    FaultCleared {
        /// The connector.
        connector: ConnectorId,
    },
    /// A local stop: button, emergency stop, ... Stops the transaction with this reason.
    StopRequested {
        /// The connector.
        connector: ConnectorId,
        /// `Local`, `EmergencyStop`, `Other`, ...
        reason: crate::v16::Reason,
    },
    /// The outcome of [`Action::Unlock`].
    UnlockResult {
        /// The connector.
        connector: ConnectorId,
        /// Whether the connector is unlocked now.
        unlocked: bool,
    },
    /// The firmware download asked for with [`Action::DownloadFirmware`] finished.
    FirmwareDownloaded {
        /// Whether the image was downloaded.
        ok: bool,
    },
    /// The installation asked for with [`Action::InstallFirmware`] finished. On success the
    /// charge point asks for a restart ([`Action::Reset`]) and reports `Installed` after it.
    FirmwareInstalled {
        /// Whether the image was installed.
        ok: bool,
    },
    /// The integrator's report on the firmware update of [`Action::DownloadFirmware`] and
    /// [`Action::InstallFirmware`], in the detail a signed firmware update needs (the SHA-256
    /// digest of the downloaded file, a paused download, an install that needs a restart, a
    /// failed verification of the image). Serves UpdateFirmware and SignedUpdateFirmware alike:
    /// an integrator reports every update this way (or with the two events above, which say
    /// less).
    Firmware(FirmwareReport),
    /// The upload asked for with [`Action::UploadDiagnostics`] finished.
    DiagnosticsUploaded {
        /// Whether the file was uploaded.
        ok: bool,
    },
    /// The upload asked for with [`Action::UploadLog`] finished (security whitepaper N01; with
    /// the cargo feature `profile-security`, ignored without it).
    LogUploaded {
        /// The `requestId` of the upload (`ChargePoint::log_request`): a report about an upload
        /// that was cancelled since ([`Action::CancelUpload`]) is ignored.
        request_id: i32,
        /// `Uploaded`, or why it failed (N01.FR.10: `UploadFailure`, `BadMessage`,
        /// `PermissionDenied`, `NotSupportedOperation`, as precisely as known). `UploadFailure`
        /// is retried as the GetLog.req asks; the others are final (another attempt would meet
        /// the same server). `Idle` and `Uploading` are read as `UploadFailure`.
        status: crate::v16::UploadLogStatus,
    },
    /// The wall clock from a trusted real-time clock.
    ClockSync {
        /// The current time.
        now: DateTime,
    },
}

/// What [`Event::Firmware`] reports of the firmware update in progress
/// (`ChargePoint::firmware_request`); the charge point turns it into the
/// FirmwareStatusNotification (UpdateFirmware, §4.5) or SignedFirmwareStatusNotification
/// (SignedUpdateFirmware, security whitepaper L01, FirmwareStatusEnumType §6.6) it calls for. A
/// report that does not fit the update's state (a download result while nothing downloads) is
/// ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirmwareReport {
    /// The file is downloaded; `sha256` is the SHA-256 digest of the file as downloaded (hash it
    /// as it streams by, with the crypto provider's `Hasher`): the signature of a signed update
    /// is verified over it (L01.FR.04). Reported `Downloaded`, then `SignatureVerified` or
    /// `InvalidSignature`.
    Downloaded {
        /// SHA-256 of the whole file.
        sha256: ocpp_crypto::Digest,
    },
    /// This download attempt failed: the charge point retries (`retries`, `retryInterval`) or
    /// reports `DownloadFailed`.
    DownloadFailed,
    /// The download is paused (the charger has tasks with higher priorities, L01.FR.14):
    /// reported `DownloadPaused` (a signed update; UpdateFirmware has no such status).
    DownloadPaused,
    /// The paused download goes on: reported `Downloading` again.
    DownloadResumed,
    /// The image is installed. `reboot`: the new firmware runs after a restart, which the
    /// charge point asks for ([`Action::Reset`]) once it reported `InstallRebooting` (L01.FR.15),
    /// reporting `Installed` after it; without, `Installed` is reported at once.
    Installed {
        /// The new firmware needs a restart to run.
        reboot: bool,
    },
    /// The image failed its verification before installation (a checksum, the bootloader's
    /// own check): `InstallVerificationFailed` (`InstallationFailed` for UpdateFirmware).
    InstallVerificationFailed,
    /// The installation failed: `InstallationFailed`.
    InstallationFailed,
}

/// Something the integrator must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Switch the energy offer (contactor, PWM duty cycle) of a connector on or off.
    EnergyOffer {
        /// The connector.
        connector: ConnectorId,
        /// On or off.
        enabled: bool,
    },
    /// The charging limit in force on a connector changed (Smart Charging, §3.13): apply it to
    /// the energy offer (PWM duty cycle, DC current setpoint). `None`: no profile limits the
    /// connector (the hardware's own rating applies). Emitted whenever it changes, including at
    /// schedule period boundaries.
    ChargingLimit {
        /// The connector.
        connector: ConnectorId,
        /// The limit.
        limit: Option<super::smart_charging::Limit>,
    },
    /// Lock or release the cable of a connector (connectors with a locking mechanism).
    CableLock {
        /// The connector.
        connector: ConnectorId,
        /// Lock (true) or release (false).
        locked: bool,
    },
    /// Unlock the connector now (UnlockConnector from the central system); answer with
    /// [`Event::UnlockResult`]. Without an answer within a few seconds the central system is told
    /// `UnlockFailed`.
    Unlock {
        /// The connector.
        connector: ConnectorId,
    },
    /// An identifier was judged: show it to the driver (LED, display, buzzer).
    Authorization {
        /// The connector, when known.
        connector: Option<ConnectorId>,
        /// The identifier.
        id_tag: IdToken,
        /// The verdict.
        status: AuthorizationStatus,
    },
    /// A transaction started on `connector`.
    TransactionStarted {
        /// The connector.
        connector: ConnectorId,
    },
    /// The transaction on `connector` stopped.
    TransactionStopped {
        /// The connector.
        connector: ConnectorId,
    },
    /// Restart the charge point now: transactions are stopped and their messages are stored.
    /// After the restart, build a new `ChargePoint` from the same storage.
    Reset {
        /// Soft: restart the software; hard: power-cycle.
        kind: ResetType,
    },
    /// A DataTransfer.req arrived for a vendor the integrator registered: read it with
    /// `ChargePoint::data_transfer_request` and answer with `ChargePoint::answer_data_transfer`
    /// (or the central system is told `Rejected` after a few seconds).
    DataTransferRequested,
    /// The central system answered a DataTransfer.req sent with
    /// `ChargePoint::send_data_transfer`: the status (`None` for a CALLERROR); the data, if any,
    /// is in `ChargePoint::data_transfer_answer`.
    DataTransferAnswered {
        /// The status, or `None` when the central system answered with a CALLERROR.
        status: Option<crate::v16::DataTransferStatus>,
    },
    /// Download the firmware image of `ChargePoint::firmware_request` (location, retries are
    /// the charge point's business); report with [`Event::Firmware`] (with the file's SHA-256
    /// digest, which a signed update needs) or [`Event::FirmwareDownloaded`].
    DownloadFirmware,
    /// Install the downloaded image (no transaction runs); report with [`Event::Firmware`] or
    /// [`Event::FirmwareInstalled`].
    InstallFirmware,
    /// Upload a diagnostics file named as `ChargePoint::diagnostics_request` says, to its
    /// location (HTTP PUT/POST or FTP); report with [`Event::DiagnosticsUploaded`].
    UploadDiagnostics,
    /// Upload the log `ChargePoint::log_request` describes (security whitepaper N01: the
    /// diagnostics for `DiagnosticsLog`, the lines of `ChargePoint::security_log` for
    /// `SecurityLog`) under its file name to its location; report with [`Event::LogUploaded`].
    /// With the cargo feature `profile-security`.
    UploadLog,
    /// Abandon the upload in progress ([`Action::UploadDiagnostics`] or [`Action::UploadLog`]):
    /// a new GetLog or GetDiagnostics replaced it (N01.FR.11); report nothing more about it.
    /// Shares the one output slot of the upload: an `UploadLog` or `UploadDiagnostics` that
    /// follows before the drain replaces it, and means the same for the upload in progress.
    CancelUpload,
    /// A record could not be stored: the charge point keeps working from RAM, but what it holds
    /// would not survive a power loss. Also at start: a stored record could not be read back
    /// (the storage failed, it is larger than the scratch buffer, or it is corrupt or of an
    /// unknown format); it was dropped and that part of the state (configuration, journal,
    /// authorization cache, local list, charging profiles) starts from its defaults.
    StorageFailed {
        /// The record.
        key: RecordKey,
    },
    /// Close the connection and connect again with SecurityProfile `security_profile`
    /// (security whitepaper A05.FR.06/07 after a raise, or A05.FR.08 falling back to the
    /// previous one): the scheme, credentials and certificates of that profile. Given once the
    /// ChangeConfiguration.conf is out. Report each failed attempt with
    /// [`Input::ConnectFailed`] so that a raise that cannot connect falls back.
    Reconnect {
        /// The profile to connect with, 0 to 3.
        security_profile: u8,
    },
}

/// One input to the charge point: everything the outside world tells it goes through
/// [`ChargePoint::handle_input`](super::ChargePoint::handle_input).
///
/// After any input, drain [`ChargePoint::poll_output`](super::ChargePoint::poll_output) until it
/// returns [`Output::Timeout`]: the bounded queues are sized for that rule, and the records an
/// input changed are written to storage during that drain.
///
/// Small (the size of an [`Event`]): the DataTransfer variants borrow their kilobyte of data, so
/// an input costs the caller's stack frame little.
#[derive(Debug, Clone, PartialEq)]
pub enum Input<'a> {
    /// The transport is up: a WebSocket connection to the central system is open.
    Connected,
    /// The transport is down.
    Disconnected,
    /// One WebSocket text message from the central system.
    Frame(&'a str),
    /// Something happened at the charger.
    Event(Event),
    /// Time passed: the instant of the last [`Output::Timeout`] is reached (earlier or repeated
    /// timeouts do no harm).
    Timeout,
    /// The integrator's answer to an [`Action::DataTransferRequested`].
    DataTransferAnswer {
        /// The status to answer with.
        status: crate::v16::DataTransferStatus,
        /// Optional data for the central system (copied).
        data:
            Option<&'a crate::types::BoundedString<{ crate::limits::DATA_TRANSFER_DATA_MAX_LEN }>>,
    },
    /// Send a DataTransfer.req to the central system (§4.3); its answer comes back as
    /// [`Action::DataTransferAnswered`]. One at a time: refused with [`Refused::Busy`] while
    /// another is pending. The request is copied.
    SendDataTransfer(&'a crate::v16::DataTransferRequest),
    /// A connection attempt failed (TCP, TLS, the WebSocket upgrade): after a raise of the
    /// SecurityProfile, [`PROFILE_FALLBACK_ATTEMPTS`](super::PROFILE_FALLBACK_ATTEMPTS) of them
    /// make the charge point fall back to the previous profile (whitepaper A05.FR.08). Harmless
    /// otherwise.
    ConnectFailed,
    /// A security event only the integrator sees (security whitepaper chapter 8): the TLS
    /// handshake found the central system's certificate invalid (`InvalidCentralSystemCertificate`),
    /// a TLS version or cipher suite below the whitepaper's (`InvalidTLSVersion`,
    /// `InvalidTLSCipherSuite`), the central system refused our credentials
    /// (`FailedToAuthenticateAtCentralSystem`), a tamper sensor, memory running out. Queued as
    /// a SecurityEventNotification.req (see `charge_point::security`).
    SecurityEvent {
        /// The event.
        kind: crate::v16::SecurityEvent,
        /// Additional information (`techInfo`), cut to
        /// [`TECH_INFO_MAX`](crate::limits::TECH_INFO_MAX) bytes; copied.
        tech_info: Option<&'a str>,
    },
}

/// What the charge point wants next, from
/// [`ChargePoint::poll_output`](super::ChargePoint::poll_output).
#[derive(Debug, Clone, PartialEq)]
pub enum Output<'b> {
    /// A WebSocket text message to send, written into the caller's buffer.
    Transmit(&'b str),
    /// Something the hardware must do.
    Action(Action),
    /// Nothing more to do now: feed [`Input::Timeout`] at this instant (or at the next input,
    /// whichever comes first). `None`: nothing is scheduled.
    Timeout(Option<super::Instant>),
}

/// Why [`ChargePoint::handle_input`](super::ChargePoint::handle_input) refused an input. A refused
/// input changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// [`ChargePoint::start`](super::ChargePoint::start) was not called yet.
    NotStarted,
    /// The connector id is 0 where a real connector is needed, or above the configured count.
    UnknownConnector(ConnectorId),
    /// The one slot for this kind of request is taken (an outgoing DataTransfer is pending).
    Busy,
    /// There is nothing to answer (no DataTransfer.req is waiting for the integrator).
    NothingToAnswer,
    /// The DataTransfer data does not fit this charge point's capacity for it
    /// ([`Limits::DataTransferData`](super::Limits::DataTransferData)).
    TooLong,
    /// A frame arrived while the charge point is not connected ([`Input::Connected`] was not
    /// fed, or [`Input::Disconnected`] came after it): nothing could carry its answer.
    NotConnected,
}

impl core::fmt::Display for Refused {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Refused::NotStarted => f.write_str("the charge point is not started"),
            Refused::UnknownConnector(c) => write!(f, "unknown connector {c}"),
            Refused::Busy => f.write_str("busy: one request of this kind is pending"),
            Refused::TooLong => {
                f.write_str("the DataTransfer data is longer than this charge point keeps")
            }
            Refused::NothingToAnswer => f.write_str("nothing to answer"),
            Refused::NotConnected => f.write_str("a frame without a connection"),
        }
    }
}

impl Action {
    /// The slot this action occupies in the output queue: actions that set a state (energy
    /// offer, limit, lock) or that exist once (reset, a transfer job) replace an earlier queued
    /// action of the same slot, so that they can never be lost to a full queue; `None` for
    /// reports (authorization result, transaction started/stopped), which share the rest.
    pub(crate) fn slot(&self) -> Option<(u8, ConnectorId)> {
        match self {
            Action::EnergyOffer { connector, .. } => Some((0, *connector)),
            Action::ChargingLimit { connector, .. } => Some((1, *connector)),
            Action::CableLock { connector, .. } => Some((2, *connector)),
            Action::Unlock { connector } => Some((3, *connector)),
            Action::Reset { .. } => Some((4, 0)),
            Action::DataTransferRequested => Some((5, 0)),
            Action::DataTransferAnswered { .. } => Some((6, 0)),
            Action::DownloadFirmware => Some((7, 0)),
            Action::InstallFirmware => Some((8, 0)),
            // One upload at a time (GetDiagnostics and GetLog share it): the latest word wins.
            Action::UploadDiagnostics | Action::UploadLog | Action::CancelUpload => Some((9, 0)),
            Action::StorageFailed { key } => Some((10, key.index() as ConnectorId)),
            Action::Reconnect { .. } => Some((11, 0)),
            Action::Authorization { .. }
            | Action::TransactionStarted { .. }
            | Action::TransactionStopped { .. } => None,
        }
    }
}

/// Reports that fit beside the slotted actions; one input causes at most a few.
pub(crate) const REPORT_ACTIONS: usize = 8;
