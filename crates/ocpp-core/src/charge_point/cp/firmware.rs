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
use crate::charge_point::io::{Action, Event};
use crate::charge_point::outbox::Request;
use crate::charge_point::storage::Storage;
use crate::types::{CiString255, NoneIsZero};
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FirmwareJob {
    pub request: UpdateFirmwareRequest,
    pub state: FirmwareState,
    pub failures: i32,
    pub next_at: Instant,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DiagnosticsJob {
    pub request: GetDiagnosticsRequest,
    pub file_name: CiString255,
    pub uploading: bool,
    pub failures: i32,
    pub next_at: Instant,
    /// Makes `None` of the charge point's `Option` of it zero bytes (see [`NoneIsZero`]).
    pub _none_is_zero: NoneIsZero,
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize> ChargePoint<S, NC, NL, NA> {
    /// UpdateFirmware (§5.19): answered at once; the download starts at retrieveDate. A new
    /// request replaces one still waiting.
    pub(super) fn on_update_firmware(&mut self, req: UpdateFirmwareRequest, now: Instant) -> Reply {
        let start = self.clock.instant_of(req.retrieve_date).max(now);
        self.firmware = Some(FirmwareJob {
            request: req,
            state: FirmwareState::Waiting,
            failures: 0,
            next_at: start,
            _none_is_zero: NoneIsZero::Marker,
        });
        Reply::Empty
    }

    /// GetDiagnostics (§5.9): answered with the file name that will be uploaded.
    pub(super) fn on_get_diagnostics(&mut self, req: GetDiagnosticsRequest, now: Instant) -> Reply {
        let mut name = CiString255::new();
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
            request: req,
            file_name: name.clone(),
            uploading: false,
            failures: 0,
            next_at: now,
            _none_is_zero: NoneIsZero::Marker,
        });
        Reply::DiagnosticsFile(Some(name))
    }

    /// The firmware update the last [`Action::DownloadFirmware`] is about.
    pub fn firmware_request(&self) -> Option<&UpdateFirmwareRequest> {
        self.firmware.as_ref().map(|f| &f.request)
    }

    /// The diagnostics upload the last [`Action::UploadDiagnostics`] is about, and the file name
    /// the central system was given.
    pub fn diagnostics_request(&self) -> Option<(&GetDiagnosticsRequest, &str)> {
        self.diagnostics
            .as_ref()
            .map(|d| (&d.request, d.file_name.as_str()))
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
                    if job.failures > job.request.retries.unwrap_or(0) {
                        self.firmware = None;
                        self.notify_firmware(FirmwareStatus::DownloadFailed);
                    } else {
                        let wait = job
                            .request
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
                self.firmware = None;
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
                    self.diagnostics = None;
                    self.notify_diagnostics(DiagnosticsStatus::Uploaded);
                } else {
                    job.failures += 1;
                    job.uploading = false;
                    if job.failures > job.request.retries.unwrap_or(0) {
                        self.diagnostics = None;
                        self.notify_diagnostics(DiagnosticsStatus::UploadFailed);
                    } else {
                        let wait = job
                            .request
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
