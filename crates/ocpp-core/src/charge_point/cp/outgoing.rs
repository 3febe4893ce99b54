//! Outgoing CALLs: which message goes next (boot, triggered, journal head, requests, heartbeat;
//! §4.1, §4.2, §3.7) and how each is written into the caller's buffer.

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// Picks and writes the next CALL: the outbox's requests may overtake queued transaction
    /// messages only while those wait for a retry (§3.7); nothing but BootNotification goes
    /// before the central system accepted us (§4.2).
    #[inline(never)]
    pub(super) fn next_call(
        &mut self,
        now: Instant,
        id: &str,
        buf: &mut [u8],
    ) -> Option<(Sent, usize)> {
        if self.registration != Registration::Accepted && self.boot_at.is_some_and(|at| at <= now) {
            self.boot_at = None;
            let n = rpc::encode_call(buf, id, "BootNotification", &self.setup.boot)
                .ok()?
                .len();
            return Some((Sent::Boot, n));
        }
        // What the central system asked for with TriggerMessage goes next, also while Pending
        // (§4.2: "unless it has been instructed by the Central System to do so").
        #[cfg(feature = "profile-trigger")]
        if matches!(
            self.registration,
            Registration::Accepted | Registration::Pending
        ) {
            while let Some(req) = self.triggered.first() {
                self.triggered.pop_front();
                if matches!(req, Request::Boot) {
                    let n = rpc::encode_call(buf, id, "BootNotification", &self.setup.boot)
                        .ok()?
                        .len();
                    return Some((Sent::Boot, n));
                }
                if let Some(n) = self.write_request(&req, id, now, buf) {
                    return Some((Sent::of(req), n));
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
        while let Some(req) = self.requests.first() {
            self.requests.pop_front();
            // Its CSR is made from the security module, which needs `&mut self`.
            #[cfg(feature = "profile-security")]
            if matches!(req, Request::SignCertificate) {
                if let Some(n) = self.write_sign_certificate(id, buf) {
                    return Some((Sent::SignCertificate, n));
                }
                continue;
            }
            if let Some(n) = self.write_request(&req, id, now, buf) {
                return Some((Sent::of(req), n));
            }
        }
        if self.heartbeat_at.is_some_and(|at| at <= now) {
            self.schedule_heartbeat(now);
            let n = rpc::encode_call(buf, id, "Heartbeat", &v16::HeartbeatRequest {})
                .ok()?
                .len();
            return Some((Sent::Heartbeat, n));
        }
        None
    }

    pub(super) fn schedule_heartbeat(&mut self, now: Instant) {
        let interval = u64::from(self.config.heartbeat_interval);
        self.heartbeat_at = if interval == 0 {
            None
        } else {
            Some(now.add_secs(interval))
        };
    }

    pub(super) fn write_request(
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
            #[cfg(feature = "profile-security")]
            Request::LogStatus { status, request_id } => rpc::encode_call(
                buf,
                id,
                action,
                &v16::LogStatusNotificationRequest {
                    status: *status,
                    request_id: *request_id,
                },
            ),
            #[cfg(feature = "profile-security")]
            Request::SignedFirmwareStatus { status, request_id } => rpc::encode_call(
                buf,
                id,
                action,
                &v16::SignedFirmwareStatusNotificationRequest {
                    status: *status,
                    request_id: *request_id,
                },
            ),
            Request::DataTransfer => match &self.outgoing_data_transfer {
                OutgoingDataTransfer::Pending(body) => rpc::encode_call(buf, id, action, body),
                _ => return None,
            },
            // Written by `write_sign_certificate` (see `next_call`).
            #[cfg(feature = "profile-security")]
            Request::SignCertificate => return None,
        };
        r.ok().map(str::len)
    }

    /// Writes the journal's head. A StopTransaction whose `transactionData` does not fit the
    /// buffer goes without it rather than not at all (the meterStop is what bills).
    pub(super) fn write_journal_head(
        &self,
        id: &str,
        buf: &mut [u8],
    ) -> Result<usize, HeadProblem> {
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
                // Decoded where it is kept (no copies of its kilobyte on the way).
                let mut kept = StopEntry::BLANK;
                let entry = self
                    .journal
                    .stop_data_into(*local_id, &mut kept)
                    .then_some(&kept);
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
            TxMessage::SecurityEvent {
                kind,
                timestamp,
                tech_info,
            } => rpc::encode_call(
                buf,
                id,
                "SecurityEventNotification",
                &SecurityEventView {
                    kind: kind.as_str(),
                    timestamp: *timestamp,
                    tech_info: tech_info.as_deref(),
                },
            ),
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

    /// A CALLERROR for `id`.
    pub(super) fn write_error(
        id: &str,
        code: ErrorCode,
        description: &str,
        buf: &mut [u8],
    ) -> Option<usize> {
        rpc::encode_call_error(buf, id, code, description)
            .ok()
            .map(str::len)
    }

    /// Writes the first queued answer (there must be one).
    pub(super) fn write_first_answer(&mut self, buf: &mut [u8]) -> Result<usize, ()> {
        // Computed from the security module, which needs `&mut self`.
        #[cfg(feature = "profile-security")]
        if let Some(written) = self.write_installed_certificates(buf) {
            return written;
        }
        let answer = self.answers.first().ok_or(())?;
        self.write_answer(answer, buf)
    }

    #[inline(never)]
    pub(super) fn write_answer(&self, answer: &Answer, buf: &mut [u8]) -> Result<usize, ()> {
        let id = answer.id.as_str();
        let r = match &answer.reply {
            Reply::Error { code, description } => {
                rpc::encode_call_error(buf, id, *code, description)
            }
            Reply::Status(status) => rpc::encode_call_result(buf, id, &StatusOnly(status)),
            Reply::DataTransfer { status, data } => rpc::encode_call_result(
                buf,
                id,
                &OptionalTextView {
                    status: Some(status.as_str()),
                    name: "data",
                    text: data.and_then(|_| self.data_transfer_answer_text()),
                },
            ),
            #[cfg(feature = "profile-firmware")]
            Reply::Empty => {
                rpc::encode_call_result(buf, id, &crate::charge_point::outbox::EmptyObject)
            }
            #[cfg(feature = "profile-smart-charging")]
            Reply::Composite => match &self.answer_body {
                AnswerBody::Composite(response) => rpc::encode_call_result(buf, id, response),
                _ => return Err(()),
            },
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
                &OptionalTextView {
                    status: None,
                    name: "fileName",
                    text: name.as_deref(),
                },
            ),
            // Written by `write_installed_certificates` (see `write_first_answer`).
            #[cfg(feature = "profile-security")]
            Reply::InstalledCertificates(_) => return Err(()),
            #[cfg(feature = "profile-security")]
            Reply::LogFile(name) | Reply::LogFileCanceled(name) => rpc::encode_call_result(
                buf,
                id,
                &OptionalTextView {
                    status: Some(if matches!(answer.reply, Reply::LogFile(_)) {
                        v16::LogStatus::Accepted.as_str()
                    } else {
                        v16::LogStatus::AcceptedCanceled.as_str()
                    }),
                    name: "filename",
                    text: Some(name.as_str()),
                },
            ),
            Reply::Configuration { keys_in_slot } => {
                let keys = match (&self.answer_body, keys_in_slot) {
                    (_, false) => None,
                    (AnswerBody::Keys(keys), true) => Some(keys),
                    _ => return Err(()),
                };
                rpc::encode_call_result(
                    buf,
                    id,
                    &ConfigurationView {
                        config: &self.config,
                        keys,
                    },
                )
            }
        };
        r.map(str::len).map_err(|_| ())
    }

    // ---------------------------------------------------------------------------------------
    // Internals: behaviour
}
