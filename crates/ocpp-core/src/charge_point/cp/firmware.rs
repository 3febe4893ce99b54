//! Firmware Management (§5.19 UpdateFirmware, §5.9 GetDiagnostics, §4.4, §4.5).
//!
//! The transfers themselves are the integrator's: the charge point asks with
//! [`Action::DownloadFirmware`], [`Action::InstallFirmware`] and [`Action::UploadDiagnostics`]
//! (the request details are read with `firmware_request` / `diagnostics_request`) and hears back
//! through [`Event::FirmwareDownloaded`], [`Event::FirmwareInstalled`] and
//! [`Event::DiagnosticsUploaded`]. The charge point owns the protocol: when to start, retries,
//! waiting for transactions to end, and every status notification.
//!
//! The upload side (the [`DiagnosticsJob`] and the back of [`TransferLocations`]) is shared with
//! the security extension's GetLog (`cp::logs`, cargo feature `profile-security`): one upload at
//! a time, a new request replacing the one in progress.

use super::{ChargePoint, Reply};
use crate::charge_point::Instant;
use crate::charge_point::capacity::Limits;
use crate::charge_point::io::{Action, Event};
use crate::charge_point::outbox::Request;
use crate::charge_point::storage::Storage;
#[allow(unused_imports)] // Named by the documentation.
use crate::limits::URI_MAX_LEN;
use crate::types::{BoundedString, CiString255, DateTime, NoneIsZero, Slots};
use crate::v16::{DiagnosticsStatus, FirmwareStatus, GetDiagnosticsRequest, UpdateFirmwareRequest};

/// Retry interval when the central system gives none.
const DEFAULT_RETRY_INTERVAL_S: u64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FirmwareState {
    /// Waiting for retrieveDate (or for the next attempt).
    Waiting,
    /// The integrator downloads.
    Downloading,
    /// Downloaded; installation waits for transactions to end (§5.19: "RECOMMENDED to wait
    /// until Charging Session has ended").
    Downloaded,
    /// The integrator installs.
    Installing,
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
    fn set_firmware(&mut self, location: &str) -> bool {
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
/// ([`ChargePoint::firmware_request`]): the UpdateFirmware.req as kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirmwareRequest<'a> {
    /// Where to download the firmware.
    pub location: &'a str,
    /// How many times to try the download (after the first).
    pub retries: Option<i32>,
    /// From when on the firmware may be retrieved.
    pub retrieve_date: DateTime,
    /// Seconds between attempts.
    pub retry_interval: Option<i32>,
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

/// An UpdateFirmware.req without its location (in [`TransferLocations`]). Compact (`OptI32`,
/// a `u16` of failures): 40 bytes on 32 bits instead of 48.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FirmwareJob {
    pub retries: OptI32,
    pub retrieve_date: DateTime,
    pub retry_interval: OptI32,
    pub state: FirmwareState,
    pub failures: u16,
    pub next_at: Instant,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
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
        self.firmware = Some(FirmwareJob {
            retries: OptI32::new(req.retries),
            retrieve_date: req.retrieve_date,
            retry_interval: OptI32::new(req.retry_interval),
            state: FirmwareState::Waiting,
            failures: 0,
            next_at: start,
            _none_is_zero: NoneIsZero::Marker,
        });
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
            retries: f.retries.get(),
            retrieve_date: f.retrieve_date,
            retry_interval: f.retry_interval.get(),
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
    fn end_firmware(&mut self) {
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
            Some(FirmwareState::Downloading) => FirmwareStatus::Downloading,
            Some(FirmwareState::Downloaded) => FirmwareStatus::Downloaded,
            Some(FirmwareState::Installing) => FirmwareStatus::Installing,
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

    pub(super) fn notify_diagnostics(&mut self, status: DiagnosticsStatus) {
        let _ = self.requests.push(Request::DiagnosticsStatus(status));
    }

    /// Moves the transfers on: called from `handle_timeout` and after a transaction ends.
    pub(super) fn transfers_tick(&mut self, now: Instant) {
        if let Some(job) = &mut self.firmware {
            match job.state {
                FirmwareState::Waiting if job.next_at <= now => {
                    job.state = FirmwareState::Downloading;
                    self.notify_firmware(FirmwareStatus::Downloading);
                    self.act(Action::DownloadFirmware);
                }
                FirmwareState::Downloaded if self.journal.transactions.is_empty() => {
                    job.state = FirmwareState::Installing;
                    self.notify_firmware(FirmwareStatus::Installing);
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

    /// When a transfer must start next.
    pub(super) fn transfers_deadline(&self) -> Option<Instant> {
        let fw = self
            .firmware
            .as_ref()
            .filter(|f| f.state == FirmwareState::Waiting)
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

    /// The integrator's reports on the transfers.
    pub(super) fn on_transfer_event(&mut self, event: &Event, now: Instant) {
        match *event {
            Event::FirmwareDownloaded { ok } => {
                let Some(job) = self
                    .firmware
                    .as_mut()
                    .filter(|j| j.state == FirmwareState::Downloading)
                else {
                    return;
                };
                if ok {
                    job.state = FirmwareState::Downloaded;
                    self.notify_firmware(FirmwareStatus::Downloaded);
                    self.transfers_tick(now);
                } else if let Some(wait) =
                    next_attempt(&mut job.failures, job.retries, job.retry_interval)
                {
                    job.state = FirmwareState::Waiting;
                    job.next_at = now.add_secs(wait);
                } else {
                    self.end_firmware();
                    self.notify_firmware(FirmwareStatus::DownloadFailed);
                }
            }
            Event::FirmwareInstalled { ok } => {
                if !self
                    .firmware
                    .as_ref()
                    .is_some_and(|j| j.state == FirmwareState::Installing)
                {
                    return;
                }
                self.end_firmware();
                if ok {
                    // §5.19: "good practice to first reboot ... before sending Installed".
                    self.journal.firmware_status_after_boot = Some(FirmwareStatus::Installed);
                    self.persist_journal();
                    self.act(Action::Reset {
                        kind: crate::v16::ResetType::Hard,
                    });
                } else {
                    self.notify_firmware(FirmwareStatus::InstallationFailed);
                }
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
}
