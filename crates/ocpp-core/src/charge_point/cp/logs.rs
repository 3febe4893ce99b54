//! The security extension's log upload (security whitepaper N01 "Retrieve Log Information":
//! §5.9 GetLog, §5.13 LogStatusNotification, ExtendedTriggerMessage `LogStatusNotification`)
//! and the charge point's side of the security log (A04.FR.04, N01.FR.05; the record itself is
//! `charge_point::security_log`). Cargo feature `profile-security`.
//!
//! As for GetDiagnostics (`cp::firmware`), the transfer is the integrator's: the charge point
//! answers the GetLog.req, asks for the upload with [`Action::UploadLog`] (the request's details
//! in [`ChargePoint::log_request`]), hears back through [`Event::LogUploaded`], and owns the
//! protocol: the file name, the retries, the cancellation of an upload in progress (N01.FR.11)
//! and every LogStatusNotification.req, each with the GetLog's requestId (N01.FR.07).
//!
//! GetLog and GetDiagnostics share one upload: the same job slot and the same end of the
//! transfer location buffer ([`firmware::TransferLocations`]). The small profile has no RAM for
//! a second job and a second 512-byte location; a charge point uploads one file at a time
//! anyway; and the whitepaper's own answer to a GetLog during an upload is to cancel it. So a
//! new GetLog (or GetDiagnostics) replaces the upload in progress, whatever its kind.

use super::firmware::DiagnosticsJob;
#[allow(clippy::wildcard_imports)]
use super::*;
use crate::charge_point::security_log::{self, SECURITY_LOG_MAX, SecurityLogEntries, Update};
use crate::types::CiString255;
use crate::v16::{GetLogRequest, LogStatus, LogType, UploadLogStatus};

/// The GetLog.req an upload answers, kept in the shared upload job (the rest of the request is
/// the job's: retries, times, file name; its location is in the transfer location buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LogUpload {
    pub log_type: LogType,
    pub request_id: i32,
}

/// The log upload an [`Action::UploadLog`] is about ([`ChargePoint::log_request`]): the
/// GetLog.req as kept, and the file name the central system was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRequest<'a> {
    /// Which log: the diagnostics (N01.FR.04: what GetDiagnostics uploads) or the security log
    /// (N01.FR.03: the lines of [`ChargePoint::security_log`]).
    pub log_type: LogType,
    /// The GetLog.req's `requestId`: report the outcome with it ([`Event::LogUploaded`]).
    pub request_id: i32,
    /// Where to upload the file (the URL's scheme names the protocol: FTP, FTPS, HTTP(S)).
    pub location: &'a str,
    /// The name of the file to upload (as answered in GetLog.conf).
    pub file_name: &'a str,
    /// How many times to try the upload after the first (the charge point counts them).
    pub retries: Option<i32>,
    /// Seconds between attempts (the charge point waits them).
    pub retry_interval: Option<i32>,
    /// The oldest information to include.
    pub oldest_timestamp: Option<DateTime>,
    /// The latest information to include.
    pub latest_timestamp: Option<DateTime>,
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// GetLog.req (security §5.9), decoded in place in this frame only.
    #[inline(never)]
    pub(super) fn call_get_log(&mut self, id: &str, payload: &str, now: Instant) {
        let mut req = GetLogRequest::EMPTY;
        if !self.decode_in_place(id, payload, v16::security::GetLogInPlace(&mut req)) {
            return;
        }
        let reply = self.on_get_log(&req, now);
        self.finish_call(id, reply, now);
    }

    /// GetLog (N01.FR.01): Accepted with the name of the file that will be uploaded, or
    /// AcceptedCanceled when an upload was in progress (N01.FR.11: it is cancelled, see
    /// [`ChargePoint::replace_upload`]); Rejected (the upload in progress kept) when the location
    /// does not fit beside the firmware update's in the shared buffer. The upload starts at
    /// once (N01.FR.02).
    fn on_get_log(&mut self, req: &GetLogRequest, now: Instant) -> Reply {
        if !self
            .transfer_locations
            .set_diagnostics(req.log.remote_location.as_str())
        {
            return Reply::Status(LogStatus::Rejected.as_str());
        }
        let canceled = self.replace_upload(true);
        let prefix = match req.log_type {
            LogType::DiagnosticsLog => "diagnostics-",
            LogType::SecurityLog => "securitylog-",
        };
        let name = self.upload_file_name(prefix, now);
        let file_name = CiString255::truncated(name.as_str());
        let mut job = DiagnosticsJob::new(
            req.retries,
            req.retry_interval,
            req.log.oldest_timestamp,
            req.log.latest_timestamp,
            name,
            now,
        );
        job.log = Some(LogUpload {
            log_type: req.log_type,
            request_id: req.request_id,
        });
        self.diagnostics = Some(job);
        if canceled {
            Reply::LogFileCanceled(file_name)
        } else {
            Reply::LogFile(file_name)
        }
    }

    /// The log upload the last [`Action::UploadLog`] is about: `None` when there is none (or the
    /// upload in progress is a GetDiagnostics', see `diagnostics_request`).
    pub fn log_request(&self) -> Option<LogRequest<'_>> {
        let job = self.diagnostics.as_ref()?;
        let log = job.log?;
        Some(LogRequest {
            log_type: log.log_type,
            request_id: log.request_id,
            location: self.upload_location(),
            file_name: job.file_name.as_str(),
            retries: job.retries.get(),
            retry_interval: job.retry_interval.get(),
            oldest_timestamp: job.start_time.get(),
            latest_timestamp: job.stop_time.get(),
        })
    }

    /// Queues a LogStatusNotification.req.
    pub(super) fn notify_log(&mut self, status: UploadLogStatus, request_id: Option<i32>) {
        let _ = self
            .requests
            .push(Request::LogStatus { status, request_id });
    }

    /// An attempt of the log upload starts: `Uploading` (N01.FR.08, at every attempt, as
    /// DiagnosticsStatusNotification does) and [`Action::UploadLog`].
    pub(super) fn log_upload_started(&mut self, log: LogUpload) {
        self.notify_log(UploadLogStatus::Uploading, Some(log.request_id));
        self.act(Action::UploadLog);
    }

    /// [`Event::LogUploaded`]: `Uploaded` (N01.FR.09) ends the upload; `UploadFailure` is tried
    /// again while the GetLog's retries last; the other failures, and the last
    /// `UploadFailure`, end it with that status (N01.FR.10). A report for another requestId
    /// (an upload cancelled since) or while no attempt runs is ignored.
    pub(super) fn on_log_uploaded(
        &mut self,
        request_id: i32,
        status: UploadLogStatus,
        now: Instant,
    ) {
        let current = self
            .diagnostics
            .as_ref()
            .filter(|d| d.uploading)
            .and_then(|d| d.log)
            .is_some_and(|log| log.request_id == request_id);
        if !current {
            return;
        }
        let status = match status {
            UploadLogStatus::Idle | UploadLogStatus::Uploading => UploadLogStatus::UploadFailure,
            other => other,
        };
        if status == UploadLogStatus::UploadFailure && self.retry_upload(now) {
            return;
        }
        self.end_diagnostics();
        self.notify_log(status, Some(request_id));
    }

    /// ExtendedTriggerMessage `LogStatusNotification` (N01.FR.12): `Uploading` with the
    /// requestId while a log upload is in progress (also while it waits for its next attempt:
    /// the request is not over), else `Idle` without one. Rejected when too many triggered
    /// messages already wait.
    #[cfg(feature = "profile-trigger")]
    pub(super) fn trigger_log_status(&mut self) -> Reply {
        let request = match self.diagnostics.as_ref().and_then(|d| d.log) {
            Some(log) => Request::LogStatus {
                status: UploadLogStatus::Uploading,
                request_id: Some(log.request_id),
            },
            None => Request::LogStatus {
                status: UploadLogStatus::Idle,
                request_id: None,
            },
        };
        let status = if self.triggered.push(request).is_ok() {
            v16::TriggerMessageStatus::Accepted
        } else {
            v16::TriggerMessageStatus::Rejected
        };
        Reply::Status(status.as_str())
    }

    // ---------------------------------------------------------------------------------------
    // The security log

    /// Logs a security event in the security log (A04.FR.04: every one, critical or not, and
    /// whatever the SecurityProfile: the log is the charge point's own record). It waits in RAM
    /// (`security_log::Pending`) until the next `poll_output` writes it; see
    /// [`SECURITY_LOG_PENDING_BYTES`](security_log::SECURITY_LOG_PENDING_BYTES) for what
    /// happens when too many come at once.
    pub(super) fn log_security_event(
        &mut self,
        kind: SecurityEvent,
        tech_info: Option<&str>,
        timestamp: DateTime,
    ) {
        if self.security_log.push(kind, timestamp, tech_info) {
            self.mark_dirty(RecordKey::SecurityLog);
        } else {
            // Only a caller that skipped the drain gets here (one input raises at most three).
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Writes the pending events: one batch appended to the stored log, or the log rewritten
    /// (a storage that cannot append, a torn tail, a damaged record, or the log full: then the
    /// oldest events go, see `charge_point::security_log`). `scratch` (the caller's buffer)
    /// holds the stored record meanwhile. A failure is reported as [`Action::StorageFailed`]
    /// and the pending events are lost (not retried: they would hold up the next ones).
    pub(super) fn flush_security_log(&mut self, scratch: &mut [u8]) {
        let key = RecordKey::SecurityLog;
        if self.security_log.is_empty() {
            return;
        }
        let cap = scratch.len().min(SECURITY_LOG_MAX);
        let buf = scratch.get_mut(..cap).unwrap_or_default();
        let Ok(record) = self.storage.load(key, buf) else {
            self.security_log.clear();
            self.act(Action::StorageFailed { key });
            return;
        };
        let stored = record.map(<[u8]>::len);
        let update = security_log::add_batch(buf, stored, self.security_log.as_bytes());
        self.security_log.clear();
        let stored = match update {
            Ok(Update::Append { start, end }) => {
                let frame = buf.get(start..end).unwrap_or_default();
                matches!(self.storage.append(key, frame), Ok(true))
                    || self
                        .storage
                        .store(key, buf.get(..end).unwrap_or_default())
                        .is_ok()
            }
            Ok(Update::Rewrite { len, damaged }) => {
                if damaged {
                    self.act(Action::StorageFailed { key });
                }
                self.storage
                    .store(key, buf.get(..len).unwrap_or_default())
                    .is_ok()
            }
            Err(_) => false,
        };
        if !stored {
            self.act(Action::StorageFailed { key });
        }
    }

    /// Checks the stored security log at start ([`ChargePoint::restore_record`]'s contract):
    /// one that cannot be read or does not start with its header is replaced by an empty log
    /// (so that no event is appended to it) and reported. A torn tail is not damage: the log
    /// ends before it, and the next write rewrites it.
    #[inline(never)]
    pub(super) fn restore_security_log(&mut self, scratch: &mut [u8]) -> Result<bool, ()> {
        let key = RecordKey::SecurityLog;
        let usable = match self.storage.load(key, scratch) {
            Ok(None) => return Ok(false),
            Ok(Some(record)) => security_log::valid_len(record).is_some(),
            Err(_) => false,
        };
        if usable {
            return Ok(true);
        }
        if let Ok(n) = security_log::write_empty(scratch) {
            let _ = self
                .storage
                .store(key, scratch.get(..n).unwrap_or_default());
        }
        Err(())
    }

    /// The security log (A04.FR.04), read into `buf`: its entries oldest first, those with
    /// `oldest <= timestamp <= latest` (either bound absent: unbounded; for an upload, the
    /// [`LogRequest`]'s `oldest_timestamp` and `latest_timestamp`). Empty when nothing was logged
    /// yet. Events raised since the last `poll_output` are not in it yet (drain first, as
    /// always). `buf` must hold the record: [`SECURITY_LOG_MAX`] bytes always do (the log never
    /// grows past it, nor past the buffer given to `poll_output`). `Err`: the storage failed
    /// (or `buf` is too small).
    ///
    /// For the upload of a GetLog `SecurityLog` (N01.FR.03), write each entry as a line with
    /// [`SecurityLogEntry::line`](crate::charge_point::security_log::SecurityLogEntry::line).
    pub fn security_log<'b>(
        &mut self,
        buf: &'b mut [u8],
        oldest: Option<DateTime>,
        latest: Option<DateTime>,
    ) -> Result<SecurityLogEntries<'b>, S::Error> {
        let record = self.storage.load(RecordKey::SecurityLog, buf)?;
        Ok(SecurityLogEntries::new(
            record.unwrap_or_default(),
            oldest,
            latest,
        ))
    }
}
