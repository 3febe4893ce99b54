//! Firmware Management (§5.19 UpdateFirmware, §5.9 GetDiagnostics, §4.4, §4.5), and the
//! transfer half of the security extension's signed firmware update (whitepaper L01, the rest in
//! `signed_firmware`).
//!
//! The transfers themselves are the integrator's: the charge point asks with
//! [`Action::DownloadFirmware`], [`Action::InstallFirmware`] and [`Action::UploadDiagnostics`]
//! (the request details are read with `firmware_request` / `diagnostics_request`) and hears back
//! through [`Event::Firmware`] (or [`Event::FirmwareDownloaded`], [`Event::FirmwareInstalled`])
//! and [`Event::DiagnosticsUploaded`]. The charge point owns the protocol: when to start,
//! retries, waiting for transactions to end, and every status notification.
//!
//! The upload side (the [`DiagnosticsJob`] and the back of [`TransferLocations`]) is shared with
//! the security extension's GetLog (`cp::logs`, cargo feature `profile-security`): one upload at
//! a time, a new request replacing the one in progress.

use super::{ChargePoint, Reply};
use crate::charge_point::Instant;
use crate::charge_point::capacity::Limits;
use crate::charge_point::io::{Action, Event, FirmwareReport};
use crate::charge_point::outbox::Request;
use crate::charge_point::storage::Storage;
#[allow(unused_imports)] // Named by the documentation.
use crate::limits::URI_MAX_LEN;
use crate::types::{BoundedString, CiString255, DateTime, NoneIsZero, Slots};
use crate::v16::{DiagnosticsStatus, FirmwareStatus, GetDiagnosticsRequest, UpdateFirmwareRequest};

/// Retry interval when the central system gives none.
const DEFAULT_RETRY_INTERVAL_S: u64 = 60;

/// Numbered from 1: the only niche of a [`FirmwareJob`], so that `None` of the charge point's
/// `Option<FirmwareJob>` is zero bytes (see `ChargePoint::unstarted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum FirmwareState {
    /// Waiting for retrieveDate (or for the next attempt).
    Waiting = 1,
    /// The integrator downloads.
    Downloading = 2,
    /// The integrator paused the download ([`FirmwareReport::DownloadPaused`]).
    DownloadPaused = 3,
    /// Downloaded and its signature verified; waiting for installDateTime (L01.FR.16).
    #[cfg(feature = "profile-security")]
    InstallScheduled = 4,
    /// Downloaded; installation waits for transactions to end (§5.19: "RECOMMENDED to wait
    /// until Charging Session has ended"; L01.FR.06, L01.FR.18).
    Downloaded = 5,
    /// The integrator installs.
    Installing = 6,
    /// Installed, `InstallRebooting` reported: the restart waits for its answer (L01.FR.15).
    #[cfg(feature = "profile-security")]
    Rebooting = 7,
}

/// The length of the diagnostics file names the charge point gives
/// (`diagnostics-YYYYMMDDTHHMMSSZ.log`: 33 characters, with room to spare).
const FILE_NAME_MAX_LEN: usize = 40;

/// The two transfer locations, in one buffer (`Limits::TransferLocations`, [`B::LEN`] bytes by default) instead of one each: the
/// firmware's from the front, the diagnostics' from the back. Either may be as long as a
/// location can be; both together must fit (locations are usually a few dozen bytes). When a
/// new one does not fit beside the other, its request is refused the spec's way: UpdateFirmware
/// with FirmwareStatusNotification `DownloadFailed`, GetDiagnostics answered without a file
/// name (nothing to upload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TransferLocations<B: Slots<u8>> {
    bytes: B,
    firmware_len: u16,
    diagnostics_len: u16,
}

impl<B: Slots<u8>> TransferLocations<B> {
    pub(super) const EMPTY: Self = TransferLocations {
        bytes: B::EMPTY,
        firmware_len: 0,
        diagnostics_len: 0,
    };

    /// The firmware location (empty when there is none).
    fn firmware(&self) -> &str {
        let bytes = self
            .bytes
            .as_ref()
            .get(..usize::from(self.firmware_len))
            .unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("")
    }

    /// The diagnostics location (empty when there is none).
    fn diagnostics(&self) -> &str {
        let start = B::LEN.saturating_sub(usize::from(self.diagnostics_len));
        let bytes = self.bytes.as_ref().get(start..).unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("")
    }

    /// Sets the firmware location (replacing the last one); false if it does not fit beside the
    /// diagnostics location (nothing changes then).
    pub(super) fn set_firmware(&mut self, location: &str) -> bool {
        let len = location.len();
        if len + usize::from(self.diagnostics_len) > B::LEN {
            return false;
        }
        let (Some(dst), Ok(len16)) = (self.bytes.as_mut().get_mut(..len), u16::try_from(len))
        else {
            return false;
        };
        dst.copy_from_slice(location.as_bytes());
        self.firmware_len = len16;
        true
    }

    /// Whether a firmware location of `len` bytes fits beside the diagnostics location.
    #[cfg(feature = "profile-security")]
    pub(super) fn firmware_fits(&self, len: usize) -> bool {
        len + usize::from(self.diagnostics_len) <= B::LEN && u16::try_from(len).is_ok()
    }

    /// Sets the diagnostics location (replacing the last one); false if it does not fit beside
    /// the firmware location (nothing changes then).
    pub(super) fn set_diagnostics(&mut self, location: &str) -> bool {
        let len = location.len();
        if len + usize::from(self.firmware_len) > B::LEN {
            return false;
        }
        let start = B::LEN - len;
        let (Some(dst), Ok(len16)) = (self.bytes.as_mut().get_mut(start..), u16::try_from(len))
        else {
            return false;
        };
        dst.copy_from_slice(location.as_bytes());
        self.diagnostics_len = len16;
        true
    }

    fn clear_firmware(&mut self) {
        self.firmware_len = 0;
    }

    fn clear_diagnostics(&mut self) {
        self.diagnostics_len = 0;
    }
}

/// The firmware update an [`Action::DownloadFirmware`] is about
/// ([`ChargePoint::firmware_request`]): the UpdateFirmware.req or SignedUpdateFirmware.req as
/// kept (the signing certificate and signature stay in the security module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareRequest<'a> {
    /// Where to download the firmware.
    pub location: &'a str,
    /// How many times to try the download (after the first).
    pub retries: Option<i32>,
    /// From when on the firmware may be retrieved (retrieveDate, retrieveDateTime).
    pub retrieve_date: DateTime,
    /// Seconds between attempts.
    pub retry_interval: Option<i32>,
    /// A signed firmware update (SignedUpdateFirmware.req, security whitepaper L01): its
    /// requestId. Report its download with [`FirmwareReport::Downloaded`] and the file's SHA-256
    /// digest: the charge point verifies the signature over it.
    pub request_id: Option<i32>,
    /// When to install (installDateTime of a signed update; absent: as soon as possible).
    pub install_date: Option<DateTime>,
}

/// The diagnostics upload an [`Action::UploadDiagnostics`] is about
/// ([`ChargePoint::diagnostics_request`]): the GetDiagnostics.req as kept, and the file name the
/// central system was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnosticsRequest<'a> {
    /// Where to upload the diagnostics file.
    pub location: &'a str,
    /// The name of the file to upload (as answered in GetDiagnostics.conf).
    pub file_name: &'a str,
    /// How many times to try the upload (after the first).
    pub retries: Option<i32>,
    /// Seconds between attempts.
    pub retry_interval: Option<i32>,
    /// Oldest logging information to include.
    pub start_time: Option<DateTime>,
    /// Latest logging information to include.
    pub stop_time: Option<DateTime>,
}

/// A time that may be absent, in 8 bytes (an `Option<DateTime>` takes 16): `i64::MIN`, far
/// outside the years 0000-9999 a [`DateTime`] holds, stands for `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OptTime(i64);

impl OptTime {
    pub(super) fn new(time: Option<DateTime>) -> Self {
        OptTime(time.map_or(i64::MIN, DateTime::unix_millis))
    }

    pub(super) fn get(self) -> Option<DateTime> {
        DateTime::from_unix_millis(self.0)
    }
}

/// An `Option<i32>` in 4 bytes (an `Option<i32>` takes 8): `i32::MIN` stands for `None` (a
/// `retries` or `retryInterval` of -2^31, meaningless, reads as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OptI32(i32);

impl OptI32 {
    pub(super) fn new(value: Option<i32>) -> Self {
        OptI32(value.unwrap_or(i32::MIN))
    }

    pub(super) fn get(self) -> Option<i32> {
        (self.0 != i32::MIN).then_some(self.0)
    }
}

/// Counts a failed attempt of a transfer (`failures`, saturating): the seconds to wait before
/// the next one, or `None` when `retries` are used up. §6.55: "retries" attempts in all is read
/// as retries *after* the first; without `retryInterval`, [`DEFAULT_RETRY_INTERVAL_S`].
fn next_attempt(failures: &mut u16, retries: OptI32, retry_interval: OptI32) -> Option<u64> {
    *failures = failures.saturating_add(1);
    if i32::from(*failures) > retries.get().unwrap_or(0) || *failures == u16::MAX {
        return None;
    }
    Some(
        retry_interval
            .get()
            .map_or(DEFAULT_RETRY_INTERVAL_S, |s| u64::try_from(s).unwrap_or(0)),
    )
}

/// An UpdateFirmware.req or SignedUpdateFirmware.req without its location (in
/// [`TransferLocations`]) and, for the latter, without its certificate and signature (in the
/// security module).
///
/// Compact, 40 bytes on a 32-bit target with every profile (the small profile's RAM budget):
/// the optional members are flags beside their values, not `Option`s, the failures a `u16`, and the only niche is
/// [`FirmwareState`]'s, numbered from 1, so that `None` of an `Option<FirmwareJob>` is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FirmwareJob {
    retrieve_date: DateTime,
    /// When to start the next download attempt (Waiting), or when to install
    /// (InstallScheduled).
    pub next_at: Instant,
    #[cfg(feature = "profile-security")]
    install_date: DateTime,
    retries: i32,
    retry_interval: i32,
    pub failures: u16,
    #[cfg(feature = "profile-security")]
    request_id: i32,
    pub state: FirmwareState,
    /// `HAS_*`, `SIGNED`.
    flags: u8,
}

const HAS_RETRIES: u8 = 1;
const HAS_RETRY_INTERVAL: u8 = 2;
#[cfg(feature = "profile-security")]
const SIGNED: u8 = 4;
#[cfg(feature = "profile-security")]
const HAS_INSTALL_DATE: u8 = 8;

impl FirmwareJob {
    /// A job waiting for its first attempt at `start`.
    pub(super) fn new(
        retrieve_date: DateTime,
        retries: Option<i32>,
        retry_interval: Option<i32>,
        start: Instant,
    ) -> Self {
        let mut flags = 0;
        if retries.is_some() {
            flags |= HAS_RETRIES;
        }
        if retry_interval.is_some() {
            flags |= HAS_RETRY_INTERVAL;
        }
        FirmwareJob {
            retrieve_date,
            next_at: start,
            #[cfg(feature = "profile-security")]
            install_date: DateTime::EPOCH,
            retries: retries.unwrap_or(0),
            retry_interval: retry_interval.unwrap_or(0),
            failures: 0,
            #[cfg(feature = "profile-security")]
            request_id: 0,
            state: FirmwareState::Waiting,
            flags,
        }
    }

    /// Makes it a signed update (SignedUpdateFirmware.req `requestId`, `installDateTime`).
    #[cfg(feature = "profile-security")]
    pub(super) fn signed(mut self, request_id: i32, install_date: Option<DateTime>) -> Self {
        self.flags |= SIGNED;
        self.request_id = request_id;
        if let Some(at) = install_date {
            self.flags |= HAS_INSTALL_DATE;
            self.install_date = at;
        }
        self
    }

    pub(super) fn retries(&self) -> Option<i32> {
        (self.flags & HAS_RETRIES != 0).then_some(self.retries)
    }

    pub(super) fn retry_interval(&self) -> Option<i32> {
        (self.flags & HAS_RETRY_INTERVAL != 0).then_some(self.retry_interval)
    }

    /// The requestId of a signed update; `None` for UpdateFirmware.
    pub(super) fn request_id(&self) -> Option<i32> {
        #[cfg(feature = "profile-security")]
        if self.flags & SIGNED != 0 {
            return Some(self.request_id);
        }
        None
    }

    /// installDateTime of a signed update.
    pub(super) fn install_date(&self) -> Option<DateTime> {
        #[cfg(feature = "profile-security")]
        if self.flags & HAS_INSTALL_DATE != 0 {
            return Some(self.install_date);
        }
        None
    }
}

/// A state of the firmware update, reported as FirmwareStatusNotification (UpdateFirmware,
/// §7.25) or SignedFirmwareStatusNotification (SignedUpdateFirmware, whitepaper §6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Progress {
    DownloadScheduled,
    Downloading,
    DownloadPaused,
    Downloaded,
    DownloadFailed,
    Installing,
    InstallVerificationFailed,
    InstallationFailed,
    Installed,
}

impl Progress {
    /// The FirmwareStatus of UpdateFirmware; `None`: it has none (not reported).
    const fn unsigned(self) -> Option<FirmwareStatus> {
        match self {
            Progress::Downloading => Some(FirmwareStatus::Downloading),
            Progress::Downloaded => Some(FirmwareStatus::Downloaded),
            Progress::DownloadFailed => Some(FirmwareStatus::DownloadFailed),
            Progress::Installing => Some(FirmwareStatus::Installing),
            Progress::InstallVerificationFailed | Progress::InstallationFailed => {
                Some(FirmwareStatus::InstallationFailed)
            }
            Progress::Installed => Some(FirmwareStatus::Installed),
            Progress::DownloadScheduled | Progress::DownloadPaused => None,
        }
    }

    /// The status of SignedUpdateFirmware.
    #[cfg(feature = "profile-security")]
    pub(super) const fn signed(self) -> crate::v16::SignedFirmwareStatus {
        use crate::v16::SignedFirmwareStatus as S;
        match self {
            Progress::DownloadScheduled => S::DownloadScheduled,
            Progress::Downloading => S::Downloading,
            Progress::DownloadPaused => S::DownloadPaused,
            Progress::Downloaded => S::Downloaded,
            Progress::DownloadFailed => S::DownloadFailed,
            Progress::Installing => S::Installing,
            Progress::InstallVerificationFailed => S::InstallVerificationFailed,
            Progress::InstallationFailed => S::InstallationFailed,
            Progress::Installed => S::Installed,
        }
    }
}

/// The upload in progress: a GetDiagnostics.req (§5.9) or, with `profile-security`, a GetLog.req
/// (security whitepaper N01), without its location (in [`TransferLocations`]). One slot for
/// both: the charge point uploads one file at a time, and the small profile has no RAM for a
/// second job; and compact (`OptI32`, `OptTime`, a `u16` of failures: 96 bytes on 32 bits with
/// the GetLog's requestId, 120 before without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DiagnosticsJob {
    pub retries: OptI32,
    pub retry_interval: OptI32,
    /// Oldest information to include (GetDiagnostics `startTime`, GetLog `oldestTimestamp`).
    pub start_time: OptTime,
    /// Latest information to include (`stopTime`, `latestTimestamp`).
    pub stop_time: OptTime,
    pub file_name: BoundedString<FILE_NAME_MAX_LEN>,
    pub uploading: bool,
    pub failures: u16,
    pub next_at: Instant,
    /// The GetLog.req this upload answers; `None`: a GetDiagnostics.req.
    #[cfg(feature = "profile-security")]
    pub log: Option<super::logs::LogUpload>,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
}

impl DiagnosticsJob {
    /// A new upload, to start at `now`.
    pub(super) fn new(
        retries: Option<i32>,
        retry_interval: Option<i32>,
        start_time: Option<DateTime>,
        stop_time: Option<DateTime>,
        file_name: BoundedString<FILE_NAME_MAX_LEN>,
        now: Instant,
    ) -> Self {
        DiagnosticsJob {
            retries: OptI32::new(retries),
            retry_interval: OptI32::new(retry_interval),
            start_time: OptTime::new(start_time),
            stop_time: OptTime::new(stop_time),
            file_name,
            uploading: false,
            failures: 0,
            next_at: now,
            #[cfg(feature = "profile-security")]
            log: None,
            _none_is_zero: NoneIsZero::Marker,
        }
    }

    /// Whether it answers a GetLog.req.
    pub(super) fn is_log(&self) -> bool {
        #[cfg(feature = "profile-security")]
        return self.log.is_some();
        #[cfg(not(feature = "profile-security"))]
        false
    }
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// UpdateFirmware (§5.19): answered at once; the download starts at retrieveDate. A new
    /// request replaces one still waiting. One whose location does not fit beside the
    /// diagnostics upload's (see [`TransferLocations`]) is reported `DownloadFailed` at once.
    // By value, as dispatch hands it over (the request is not kept: only its location is).
    #[allow(clippy::needless_pass_by_value)]
    pub(super) fn on_update_firmware(&mut self, req: UpdateFirmwareRequest, now: Instant) -> Reply {
        if !self.transfer_locations.set_firmware(req.location.as_str()) {
            self.notify_firmware(FirmwareStatus::DownloadFailed);
            return Reply::Empty;
        }
        let start = self.clock.instant_of(req.retrieve_date).max(now);
        self.firmware = Some(FirmwareJob::new(
            req.retrieve_date,
            req.retries,
            req.retry_interval,
            start,
        ));
        Reply::Empty
    }

    /// GetDiagnostics (§5.9): answered with the file name that will be uploaded; without one
    /// (nothing to upload) when its location does not fit beside the firmware update's (see
    /// [`TransferLocations`]), the upload in progress then left as it is.
    // By value, as dispatch hands it over (the request is not kept: only its location is).
    #[allow(clippy::needless_pass_by_value)]
    pub(super) fn on_get_diagnostics(&mut self, req: GetDiagnosticsRequest, now: Instant) -> Reply {
        if !self
            .transfer_locations
            .set_diagnostics(req.location.as_str())
        {
            return Reply::DiagnosticsFile(None);
        }
        self.replace_upload(false);
        let name = self.upload_file_name("diagnostics-", now);
        self.diagnostics = Some(DiagnosticsJob::new(
            req.retries,
            req.retry_interval,
            req.start_time,
            req.stop_time,
            name.clone(),
            now,
        ));
        Reply::DiagnosticsFile(Some(CiString255::truncated(name.as_str())))
    }

    /// The name of a file to upload: `{prefix}YYYYMMDDTHHMMSSZ.log`, the wall time now.
    pub(super) fn upload_file_name(
        &self,
        prefix: &str,
        now: Instant,
    ) -> BoundedString<FILE_NAME_MAX_LEN> {
        let mut name = BoundedString::<FILE_NAME_MAX_LEN>::new();
        let (y, mo, d, h, mi, s, _) = self.clock.at(now).to_utc_fields();
        // "{prefix}{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z.log", without core::fmt.
        name.push_cut(prefix);
        name.push_int(y, 4);
        for (separator, value) in [("", mo), ("", d), ("T", h), ("", mi), ("", s)] {
            name.push_cut(separator);
            name.push_int(i64::from(value), 2);
        }
        name.push_cut("Z.log");
        name
    }

    /// Ends the upload in progress, if any, for a new request (its location, already replaced,
    /// is the new one's): the integrator is told to abandon a running transfer
    /// ([`Action::CancelUpload`]), and an upload of the other kind ends with its failure
    /// notification (the central system that asked for it hears of no cancellation otherwise:
    /// DiagnosticsStatusNotification `UploadFailed`, LogStatusNotification `UploadFailure`
    /// with its requestId). Whether there was one (`by_log`: the new request is a GetLog, whose
    /// answer then says `AcceptedCanceled`, security whitepaper N01.FR.11).
    pub(super) fn replace_upload(&mut self, by_log: bool) -> bool {
        let Some(old) = self.diagnostics.take() else {
            return false;
        };
        if old.uploading {
            self.act(Action::CancelUpload);
        }
        #[cfg(feature = "profile-security")]
        match old.log {
            Some(log) if !by_log => {
                self.notify_log(
                    crate::v16::UploadLogStatus::UploadFailure,
                    Some(log.request_id),
                );
            }
            None if by_log => self.notify_diagnostics(DiagnosticsStatus::UploadFailed),
            _ => {}
        }
        #[cfg(not(feature = "profile-security"))]
        let _ = by_log;
        true
    }

    /// The firmware update the last [`Action::DownloadFirmware`] is about.
    pub fn firmware_request(&self) -> Option<FirmwareRequest<'_>> {
        self.firmware.as_ref().map(|f| FirmwareRequest {
            location: self.transfer_locations.firmware(),
            retries: f.retries(),
            retrieve_date: f.retrieve_date,
            retry_interval: f.retry_interval(),
            request_id: f.request_id(),
            install_date: f.install_date(),
        })
    }

    /// The diagnostics upload the last [`Action::UploadDiagnostics`] is about, with the file name
    /// the central system was given.
    /// (`None` while the upload is a GetLog's: see `log_request`.)
    pub fn diagnostics_request(&self) -> Option<DiagnosticsRequest<'_>> {
        let d = self.diagnostics.as_ref().filter(|d| !d.is_log())?;
        Some(DiagnosticsRequest {
            location: self.upload_location(),
            file_name: d.file_name.as_str(),
            retries: d.retries.get(),
            retry_interval: d.retry_interval.get(),
            start_time: d.start_time.get(),
            stop_time: d.stop_time.get(),
        })
    }

    /// The location of the upload in progress.
    pub(super) fn upload_location(&self) -> &str {
        self.transfer_locations.diagnostics()
    }

    /// Ends the firmware update (its location freed).
    pub(super) fn end_firmware(&mut self) {
        self.firmware = None;
        self.transfer_locations.clear_firmware();
    }

    /// Ends the upload, a GetDiagnostics' or a GetLog's (its location freed).
    pub(super) fn end_diagnostics(&mut self) {
        self.diagnostics = None;
        self.transfer_locations.clear_diagnostics();
    }

    /// The firmware status to report on TriggerMessage: Idle when nothing is going on (§4.5).
    #[cfg(feature = "profile-trigger")]
    pub(super) fn firmware_status(&self) -> FirmwareStatus {
        match self.firmware.as_ref().map(|f| f.state) {
            Some(FirmwareState::Downloading | FirmwareState::DownloadPaused) => {
                FirmwareStatus::Downloading
            }
            Some(FirmwareState::Downloaded) => FirmwareStatus::Downloaded,
            #[cfg(feature = "profile-security")]
            Some(FirmwareState::InstallScheduled) => FirmwareStatus::Downloaded,
            Some(FirmwareState::Installing) => FirmwareStatus::Installing,
            #[cfg(feature = "profile-security")]
            Some(FirmwareState::Rebooting) => FirmwareStatus::Installing,
            Some(FirmwareState::Waiting) | None => FirmwareStatus::Idle,
        }
    }

    /// The diagnostics status to report on TriggerMessage: Idle when not uploading (§4.4).
    #[cfg(feature = "profile-trigger")]
    pub(super) fn diagnostics_status(&self) -> DiagnosticsStatus {
        if self
            .diagnostics
            .as_ref()
            .is_some_and(|d| d.uploading && !d.is_log())
        {
            DiagnosticsStatus::Uploading
        } else {
            DiagnosticsStatus::Idle
        }
    }

    fn notify_firmware(&mut self, status: FirmwareStatus) {
        let _ = self.requests.push(Request::FirmwareStatus(status));
    }

    /// Reports `progress` of the update whose requestId is `request_id` (signed) or of an
    /// UpdateFirmware (`None`): a SignedFirmwareStatusNotification or a
    /// FirmwareStatusNotification (states UpdateFirmware has no status for are not reported).
    pub(super) fn report_firmware(&mut self, request_id: Option<i32>, progress: Progress) {
        #[cfg(feature = "profile-security")]
        if let Some(request_id) = request_id {
            self.notify_signed_firmware(progress.signed(), request_id);
            return;
        }
        let _ = request_id;
        if let Some(status) = progress.unsigned() {
            self.notify_firmware(status);
        }
    }

    pub(super) fn notify_diagnostics(&mut self, status: DiagnosticsStatus) {
        let _ = self.requests.push(Request::DiagnosticsStatus(status));
    }

    /// Moves the transfers on: called from `handle_timeout` and after a transaction ends.
    pub(super) fn transfers_tick(&mut self, now: Instant) {
        if let Some(job) = &mut self.firmware {
            let request_id = job.request_id();
            #[cfg(feature = "profile-security")]
            if job.state == FirmwareState::InstallScheduled && job.next_at <= now {
                // L01.FR.17: installDateTime reached, install as soon as able.
                job.state = FirmwareState::Downloaded;
            }
            match job.state {
                FirmwareState::Waiting if job.next_at <= now => {
                    job.state = FirmwareState::Downloading;
                    self.report_firmware(request_id, Progress::Downloading);
                    self.act(Action::DownloadFirmware);
                }
                // L01.FR.06, L01.FR.18: transactions end first.
                FirmwareState::Downloaded if self.journal.transactions.is_empty() => {
                    job.state = FirmwareState::Installing;
                    self.report_firmware(request_id, Progress::Installing);
                    self.act(Action::InstallFirmware);
                }
                _ => {}
            }
        }
        if let Some(job) = &mut self.diagnostics {
            if !job.uploading && job.next_at <= now {
                job.uploading = true;
                #[cfg(feature = "profile-security")]
                if let Some(log) = job.log {
                    self.log_upload_started(log);
                    return;
                }
                self.notify_diagnostics(DiagnosticsStatus::Uploading);
                self.act(Action::UploadDiagnostics);
            }
        }
    }

    /// When a transfer must start next (or a scheduled installation begin).
    pub(super) fn transfers_deadline(&self) -> Option<Instant> {
        let fw = self
            .firmware
            .as_ref()
            .filter(|f| Self::timed(f.state))
            .map(|f| f.next_at);
        let diag = self
            .diagnostics
            .as_ref()
            .filter(|d| !d.uploading)
            .map(|d| d.next_at);
        match (fw, diag) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the firmware update waits for its `next_at`.
    fn timed(state: FirmwareState) -> bool {
        match state {
            FirmwareState::Waiting => true,
            #[cfg(feature = "profile-security")]
            FirmwareState::InstallScheduled => true,
            _ => false,
        }
    }

    /// The integrator's reports on the transfers.
    pub(super) fn on_transfer_event(&mut self, event: &Event, now: Instant) {
        match *event {
            Event::FirmwareDownloaded { ok: true } => self.firmware_downloaded(None, now),
            Event::FirmwareDownloaded { ok: false }
            | Event::Firmware(FirmwareReport::DownloadFailed) => self.firmware_download_failed(now),
            Event::Firmware(FirmwareReport::Downloaded { sha256 }) => {
                self.firmware_downloaded(Some(&sha256), now);
            }
            Event::Firmware(FirmwareReport::DownloadPaused) => {
                self.firmware_download_paused(true);
            }
            Event::Firmware(FirmwareReport::DownloadResumed) => {
                self.firmware_download_paused(false);
            }
            Event::FirmwareInstalled { ok: true } => self.firmware_installed(true, now),
            Event::Firmware(FirmwareReport::Installed { reboot }) => {
                self.firmware_installed(reboot, now);
            }
            Event::FirmwareInstalled { ok: false }
            | Event::Firmware(FirmwareReport::InstallationFailed) => {
                self.firmware_install_failed(Progress::InstallationFailed);
            }
            Event::Firmware(FirmwareReport::InstallVerificationFailed) => {
                self.firmware_install_failed(Progress::InstallVerificationFailed);
            }
            Event::DiagnosticsUploaded { ok } => {
                if !self
                    .diagnostics
                    .as_ref()
                    .is_some_and(|d| d.uploading && !d.is_log())
                {
                    return;
                }
                if ok {
                    self.end_diagnostics();
                    self.notify_diagnostics(DiagnosticsStatus::Uploaded);
                } else if !self.retry_upload(now) {
                    self.end_diagnostics();
                    self.notify_diagnostics(DiagnosticsStatus::UploadFailed);
                }
            }
            #[cfg(feature = "profile-security")]
            Event::LogUploaded { request_id, status } => {
                self.on_log_uploaded(request_id, status, now);
            }
            _ => {}
        }
    }

    /// A failed attempt of the upload in progress: the next one is scheduled after the request's
    /// retryInterval (`true`), or the retries are used up (`false`: the caller ends it; see
    /// [`next_attempt`]).
    pub(super) fn retry_upload(&mut self, now: Instant) -> bool {
        let Some(job) = self.diagnostics.as_mut() else {
            return false;
        };
        job.uploading = false;
        let Some(wait) = next_attempt(&mut job.failures, job.retries, job.retry_interval) else {
            return false;
        };
        job.next_at = now.add_secs(wait);
        true
    }

    /// The download finished, with the file's SHA-256 digest when the integrator gave it: a
    /// signed update's signature is checked (`signed_firmware`), then the installation waits
    /// for its time and for the transactions to end.
    fn firmware_downloaded(&mut self, sha256: Option<&ocpp_crypto::Digest>, now: Instant) {
        let Some(job) = self.firmware.as_mut().filter(|j| {
            matches!(
                j.state,
                FirmwareState::Downloading | FirmwareState::DownloadPaused
            )
        }) else {
            return;
        };
        job.state = FirmwareState::Downloaded;
        let request_id = job.request_id();
        self.report_firmware(request_id, Progress::Downloaded);
        #[cfg(feature = "profile-security")]
        if let Some(request_id) = request_id {
            self.check_firmware_signature(request_id, sha256, now);
        }
        let _ = sha256;
        self.transfers_tick(now);
    }

    /// A download attempt failed: retried after retryInterval (a signed update reports
    /// `DownloadScheduled` meanwhile, L01.FR.13), or given up (`DownloadFailed`) after
    /// `retries` retries.
    fn firmware_download_failed(&mut self, now: Instant) {
        let Some(job) = self.firmware.as_mut().filter(|j| {
            matches!(
                j.state,
                FirmwareState::Downloading | FirmwareState::DownloadPaused
            )
        }) else {
            return;
        };
        let request_id = job.request_id();
        // §6.55: `retries` attempts in all is read as retries *after* the first.
        job.failures = job.failures.saturating_add(1);
        if i32::from(job.failures) > job.retries().unwrap_or(0) || job.failures == u16::MAX {
            self.end_firmware();
            self.report_firmware(request_id, Progress::DownloadFailed);
            #[cfg(feature = "profile-security")]
            if request_id.is_some() {
                self.forget_firmware_signature();
            }
        } else {
            let wait = job
                .retry_interval()
                .map_or(DEFAULT_RETRY_INTERVAL_S, |s| u64::try_from(s).unwrap_or(0));
            job.state = FirmwareState::Waiting;
            job.next_at = now.add_secs(wait);
            if wait > 0 {
                self.report_firmware(request_id, Progress::DownloadScheduled);
            }
        }
    }

    /// The integrator paused (or resumed) the download: `DownloadPaused` (L01.FR.14), then
    /// `Downloading` again. UpdateFirmware has no such status: nothing is reported for it.
    fn firmware_download_paused(&mut self, paused: bool) {
        let (from, to, progress) = if paused {
            (
                FirmwareState::Downloading,
                FirmwareState::DownloadPaused,
                Progress::DownloadPaused,
            )
        } else {
            (
                FirmwareState::DownloadPaused,
                FirmwareState::Downloading,
                Progress::Downloading,
            )
        };
        let Some(job) = self.firmware.as_mut().filter(|j| j.state == from) else {
            return;
        };
        job.state = to;
        if let Some(request_id) = job.request_id() {
            self.report_firmware(Some(request_id), progress);
        }
    }

    /// The image is installed. Without a restart: `Installed` now, and the FirmwareUpdated
    /// security event. With one: UpdateFirmware asks for the restart at once and reports
    /// `Installed` after it (§5.19: "good practice to first reboot ... before sending
    /// Installed"); a signed update first reports `InstallRebooting` (`signed_firmware`).
    fn firmware_installed(&mut self, reboot: bool, now: Instant) {
        let Some(job) = self
            .firmware
            .as_ref()
            .filter(|j| j.state == FirmwareState::Installing)
        else {
            return;
        };
        let request_id = job.request_id();
        if reboot {
            #[cfg(feature = "profile-security")]
            if let Some(request_id) = request_id {
                self.reboot_for_signed_firmware(request_id, now);
                return;
            }
            self.end_firmware();
            self.journal.firmware_status_after_boot = Some(FirmwareStatus::Installed);
            self.persist_journal();
            self.act(Action::Reset {
                kind: crate::v16::ResetType::Hard,
            });
        } else {
            self.end_firmware();
            self.report_firmware(request_id, Progress::Installed);
            self.security_event(crate::v16::SecurityEvent::FirmwareUpdated, None, now);
        }
    }

    /// The installation failed (`progress`: InstallationFailed or InstallVerificationFailed).
    fn firmware_install_failed(&mut self, progress: Progress) {
        let Some(job) = self
            .firmware
            .as_ref()
            .filter(|j| j.state == FirmwareState::Installing)
        else {
            return;
        };
        let request_id = job.request_id();
        self.end_firmware();
        self.report_firmware(request_id, progress);
    }
}
