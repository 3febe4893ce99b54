//! Firmware Management (§5.19 UpdateFirmware, §5.9 GetDiagnostics, §4.4, §4.5).
//!
//! The transfers themselves are the integrator's: the charge point asks with
//! [`Action::DownloadFirmware`], [`Action::InstallFirmware`] and [`Action::UploadDiagnostics`]
//! (the request details are read with `firmware_request` / `diagnostics_request`) and hears back
//! through [`Event::FirmwareDownloaded`], [`Event::FirmwareInstalled`] and
//! [`Event::DiagnosticsUploaded`]. The charge point owns the protocol: when to start, retries,
//! waiting for transactions to end, and every status notification.

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
    fn set_diagnostics(&mut self, location: &str) -> bool {
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

/// An UpdateFirmware.req without its location (in [`TransferLocations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FirmwareJob {
    pub retries: Option<i32>,
    pub retrieve_date: DateTime,
    pub retry_interval: Option<i32>,
    pub state: FirmwareState,
    pub failures: i32,
    pub next_at: Instant,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DiagnosticsJob {
    pub retries: Option<i32>,
    pub retry_interval: Option<i32>,
    pub start_time: Option<DateTime>,
    pub stop_time: Option<DateTime>,
    pub file_name: BoundedString<FILE_NAME_MAX_LEN>,
    pub uploading: bool,
    pub failures: i32,
    pub next_at: Instant,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
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
            retries: req.retries,
            retrieve_date: req.retrieve_date,
            retry_interval: req.retry_interval,
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
        let mut name = BoundedString::<FILE_NAME_MAX_LEN>::new();
        let (y, mo, d, h, mi, s, _) = self.clock.at(now).to_utc_fields();
        // "diagnostics-{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z.log", without core::fmt.
        name.push_cut("diagnostics-");
        name.push_int(y, 4);
        for (separator, value) in [("", mo), ("", d), ("T", h), ("", mi), ("", s)] {
            name.push_cut(separator);
            name.push_int(i64::from(value), 2);
        }
        name.push_cut("Z.log");
        self.diagnostics = Some(DiagnosticsJob {
            retries: req.retries,
            retry_interval: req.retry_interval,
            start_time: req.start_time,
            stop_time: req.stop_time,
            file_name: name.clone(),
            uploading: false,
            failures: 0,
            next_at: now,
            _none_is_zero: NoneIsZero::Marker,
        });
        Reply::DiagnosticsFile(Some(CiString255::truncated(name.as_str())))
    }

    /// The firmware update the last [`Action::DownloadFirmware`] is about.
    pub fn firmware_request(&self) -> Option<FirmwareRequest<'_>> {
        self.firmware.as_ref().map(|f| FirmwareRequest {
            location: self.transfer_locations.firmware(),
            retries: f.retries,
            retrieve_date: f.retrieve_date,
            retry_interval: f.retry_interval,
        })
    }

    /// The diagnostics upload the last [`Action::UploadDiagnostics`] is about, with the file name
    /// the central system was given.
    pub fn diagnostics_request(&self) -> Option<DiagnosticsRequest<'_>> {
        self.diagnostics.as_ref().map(|d| DiagnosticsRequest {
            location: self.transfer_locations.diagnostics(),
            file_name: d.file_name.as_str(),
            retries: d.retries,
            retry_interval: d.retry_interval,
            start_time: d.start_time,
            stop_time: d.stop_time,
        })
    }

    /// Ends the firmware update (its location freed).
    fn end_firmware(&mut self) {
        self.firmware = None;
        self.transfer_locations.clear_firmware();
    }

    /// Ends the diagnostics upload (its location freed).
    fn end_diagnostics(&mut self) {
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
        if self.diagnostics.as_ref().is_some_and(|d| d.uploading) {
            DiagnosticsStatus::Uploading
        } else {
            DiagnosticsStatus::Idle
        }
    }

    fn notify_firmware(&mut self, status: FirmwareStatus) {
        let _ = self.requests.push(Request::FirmwareStatus(status));
    }

    fn notify_diagnostics(&mut self, status: DiagnosticsStatus) {
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
                } else {
                    // §6.55: `retries` attempts in all is read as retries *after* the first.
                    job.failures += 1;
                    if job.failures > job.retries.unwrap_or(0) {
                        self.end_firmware();
                        self.notify_firmware(FirmwareStatus::DownloadFailed);
                    } else {
                        let wait = job
                            .retry_interval
                            .map_or(DEFAULT_RETRY_INTERVAL_S, |s| u64::try_from(s).unwrap_or(0));
                        job.state = FirmwareState::Waiting;
                        job.next_at = now.add_secs(wait);
                    }
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
                let Some(job) = self.diagnostics.as_mut().filter(|d| d.uploading) else {
                    return;
                };
                if ok {
                    self.end_diagnostics();
                    self.notify_diagnostics(DiagnosticsStatus::Uploaded);
                } else {
                    job.failures += 1;
                    job.uploading = false;
                    if job.failures > job.retries.unwrap_or(0) {
                        self.end_diagnostics();
                        self.notify_diagnostics(DiagnosticsStatus::UploadFailed);
                    } else {
                        let wait = job
                            .retry_interval
                            .map_or(DEFAULT_RETRY_INTERVAL_S, |s| u64::try_from(s).unwrap_or(0));
                        job.next_at = now.add_secs(wait);
                    }
                }
            }
            _ => {}
        }
    }
}
