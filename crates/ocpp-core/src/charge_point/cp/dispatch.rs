//! Inbound frames: CALLs dispatched to their handlers, CALLRESULTs and CALLERRORs matched to the CALL
//! in flight (OCPP-J §4).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize> ChargePoint<S, NC, NL, NA> {
    pub(super) fn take_inflight(&mut self, id: &str) -> Option<InFlight> {
        if self.inflight.as_ref().is_some_and(|f| f.id.as_str() == id) {
            self.inflight.take()
        } else {
            None
        }
    }

    pub(super) fn answer_error(&mut self, id: &str, code: ErrorCode, description: &str) {
        let Ok(id) = AnswerId::try_from(id) else {
            return;
        };
        self.push_answer(Answer {
            id,
            reply: Reply::Error {
                code,
                description: BoundedString::truncated(description),
            },
        });
    }

    /// Queues an answer. [`ChargePoint::handle_call`] admits a CALL only while a slot is free
    /// for it (a deferred answer keeps its slot reserved), so this cannot overflow; if it ever
    /// did, the loss is counted in [`ChargePoint::dropped_outputs`].
    pub(super) fn push_answer(&mut self, answer: Answer) {
        if self.answers.push(answer).is_err() {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Whether an inbound CALL can be answered: the queued answers plus the deferred ones (each
    /// keeps a slot for its answer) leave room for one more.
    fn answer_slot_free(&self) -> bool {
        self.answers.len() + self.deferred.len() < MAX_ANSWERS
    }

    /// Refuses a CALL for which no answer slot is free, before any side effect: it is
    /// answered with a CALLERROR `InternalError` (OCPP-J §4.2.3) from a small list of its own.
    fn refuse_call(&mut self, id: &str) {
        match AnswerId::try_from(id) {
            Ok(id) if self.refused.push(id.clone()).is_ok() => {}
            _ => self.dropped = self.dropped.saturating_add(1),
        }
    }

    pub(super) fn answer(&mut self, id: &str, reply: Reply) {
        let Ok(id) = AnswerId::try_from(id) else {
            return;
        };
        self.push_answer(Answer { id, reply });
    }

    pub(super) fn handle_call(&mut self, id: &str, action: &str, payload: &str, now: Instant) {
        // §4.2: "While Rejected, the Charge Point SHALL NOT respond to any Central System
        // initiated message."
        if self.registration == Registration::Rejected {
            return;
        }
        if !self.answer_slot_free() {
            self.refuse_call(id);
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
                            self.incoming_data_transfer = Some(ZeroNone::new(req));
                            self.act(Action::DataTransferRequested);
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
                description: not_supported(action),
            },
        };
        self.answer(id, reply);
        self.update_statuses(now);
    }

    pub(super) fn handle_result(&mut self, f: InFlight, payload: &str, now: Instant) {
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
                let conf = json::from_str::<v16::DataTransferResponse>(payload, &opts).ok();
                let status = conf.as_ref().map(|c| c.status);
                self.outgoing_data_transfer = OutgoingDataTransfer::Answered(conf);
                self.act(Action::DataTransferAnswered { status });
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
                                    self.act(Action::EnergyOffer {
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

    pub(super) fn handle_call_error(&mut self, f: InFlight, now: Instant) {
        match f.what {
            Sent::Request(Request::Boot) => self.boot_at = Some(now.add_secs(DEFAULT_BOOT_RETRY_S)),
            Sent::Journal => {
                // §3.7.1: a CALLERROR is a "failure to process the message": retry after
                // TransactionMessageRetryInterval x failures, give up after
                // TransactionMessageAttempts failures.
                let attempts = self.config.transaction_message_attempts;
                let interval = u64::from(self.config.transaction_message_retry_interval);
                let Some(failures) = self.journal.head_failed() else {
                    return;
                };
                if u32::from(failures) >= attempts {
                    if let Some(Queued {
                        message: TxMessage::Start { local_id, .. },
                        ..
                    }) = self.journal.pop_front()
                    {
                        self.journal.drop_transaction_messages(local_id);
                    }
                    self.journal_retry_at = None;
                } else {
                    self.journal_retry_at = Some(now.add_secs(interval * u64::from(failures)));
                }
                self.persist_journal();
            }
            Sent::Request(Request::Authorize { connector, id_tag }) => {
                // No verdict: treat as not authorized.
                let info = IdTagInfo::with_status(AuthorizationStatus::Invalid);
                self.on_authorized(connector, &id_tag, &info, now);
            }
            Sent::Request(Request::DataTransfer) => {
                self.outgoing_data_transfer = OutgoingDataTransfer::Answered(None);
                let _ = self
                    .actions
                    .push(Action::DataTransferAnswered { status: None });
            }
            Sent::Request(_) => {}
        }
    }

    // ---------------------------------------------------------------------------------------
    // Internals: frames out

    pub(super) fn resolve_deferred(
        &mut self,
        matches: impl Fn(&DeferredKind) -> bool,
        reply: Reply,
    ) {
        let Some(d) = self.deferred.iter().find(|d| matches(&d.kind)).cloned() else {
            return;
        };
        self.deferred.retain(|x| x != &d);
        self.push_answer(Answer { id: d.id, reply });
    }
}
