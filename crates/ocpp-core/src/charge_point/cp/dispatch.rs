//! Inbound frames: CALLs dispatched to their handlers, CALLRESULTs and CALLERRORs matched to the CALL
//! in flight (OCPP-J §4).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn take_inflight(&mut self, id: &str) -> Option<InFlight> {
        if self.inflight.as_ref().is_some_and(|f| f.id.as_str() == id) {
            self.inflight.take()
        } else {
            None
        }
    }

    /// Queues a CALLERROR answer. Out of line, like [`ChargePoint::answer`].
    #[inline(never)]
    pub(super) fn answer_error(&mut self, id: &str, code: ErrorCode, description: &str) {
        self.answer(
            id,
            Reply::Error {
                code,
                description: BoundedString::truncated(description),
            },
        );
    }

    /// Queues an answer. [`ChargePoint::handle_call`] admits a CALL only while a slot is free
    /// for it (a deferred answer keeps its slot reserved), so this cannot overflow; if it ever
    /// did, the loss is counted in [`ChargePoint::dropped_outputs`].
    ///
    /// Out of line, and the fullness checked first: the `Answer` is then built once, here (about
    /// 1 KB, the largest reply's size), and no `Err(Answer)` copy is needed.
    #[inline(never)]
    pub(super) fn push_answer(&mut self, id: AnswerId, reply: Reply) {
        if !self.answers_full() {
            // Cannot fail (checked). Not `.is_ok()`: its `Err(Answer)` would be another
            // kilobyte on the stack.
            let _ = self.answers.push(Answer { id, reply });
        }
        self.free_answer_body_unless_used();
    }

    /// Frees the body slot when no queued answer refers to it (its answer was written, or
    /// could not be queued).
    pub(super) fn free_answer_body_unless_used(&mut self) {
        if !self.answers.iter().any(Answer::body_in_slot) {
            self.answer_body = AnswerBody::Free;
        }
    }

    /// [`ChargePoint::push_answer`] of `{"status": ...}`: the caller's frame holds no `Reply`,
    /// and the answer is built in one expression after the check (a `Reply` argument would be
    /// a separate kilobyte here too).
    #[inline(never)]
    pub(super) fn push_status(&mut self, id: AnswerId, status: &'static str) {
        if !self.answers_full() {
            let _ = self.answers.push(Answer {
                id,
                reply: Reply::Status(status),
            });
        }
    }

    /// [`ChargePoint::push_answer`] of a DataTransfer.conf. Its data waits in the slot of the
    /// request it answers (`incoming_data_transfer`, see `DataInSlot`) until it is written, so
    /// that no answer slot is sized for 1 KB of data; copied there in place (an
    /// `Option<BoundedString>` temporary would be another kilobyte on this frame). Without
    /// data, the request's slot is freed.
    #[inline(never)]
    pub(super) fn push_data_transfer(
        &mut self,
        id: AnswerId,
        status: DataTransferStatus,
        data: Option<&str>,
    ) {
        if !self.answers_full() {
            let mut in_slot = None;
            if let (Some(data), Some(slot)) = (data, self.incoming_data_transfer.as_mut()) {
                let _ = slot
                    .data
                    .insert(<L::DataTransferData as BoundedText>::EMPTY)
                    .push_str(data);
                self.incoming_data_transfer_answered = true;
                in_slot = Some(DataInSlot);
            }
            let _ = self.answers.push(Answer {
                id,
                reply: Reply::DataTransfer {
                    status,
                    data: in_slot,
                },
            });
        }
        if !self.answers.iter().any(Answer::data_in_slot) {
            self.free_incoming_data_transfer();
        }
    }

    /// Whether every answer slot is taken: then the answer is dropped, and counted.
    fn answers_full(&mut self) -> bool {
        let full = self.answers.len() >= MAX_ANSWERS;
        if full {
            self.dropped = self.dropped.saturating_add(1);
        }
        full
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

    /// Queues the answer `reply` to the CALL `id` (an id too long to keep is not answered).
    pub(super) fn answer(&mut self, id: &str, reply: Reply) {
        let Ok(id) = AnswerId::try_from(id) else {
            return;
        };
        self.push_answer(id, reply);
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
        // Each action has its own function, kept out of line: the decoded request then lives in
        // that function's frame only, so the stack this needs is the largest single request's,
        // not (as when every arm's request shared one frame) the sum of all of them.
        match action {
            OcppAction::ChangeAvailability => self.call_change_availability(id, payload, now),
            OcppAction::ChangeConfiguration => self.call_change_configuration(id, payload, now),
            OcppAction::ClearCache => self.call_clear_cache(id, payload, now),
            OcppAction::DataTransfer => self.call_data_transfer(id, payload, now),
            OcppAction::GetConfiguration => self.call_get_configuration(id, payload, now),
            OcppAction::RemoteStartTransaction => self.call_remote_start(id, payload, now),
            OcppAction::RemoteStopTransaction => self.call_remote_stop(id, payload, now),
            OcppAction::Reset => self.call_reset(id, payload, now),
            OcppAction::UnlockConnector => self.call_unlock(id, payload, now),
            #[cfg(feature = "profile-local-list")]
            OcppAction::GetLocalListVersion => self.call_get_local_list_version(id, payload, now),
            #[cfg(feature = "profile-local-list")]
            OcppAction::SendLocalList => self.call_send_local_list(id, payload, now),
            #[cfg(feature = "profile-trigger")]
            OcppAction::TriggerMessage => self.call_trigger_message(id, payload, now),
            #[cfg(feature = "profile-reservation")]
            OcppAction::ReserveNow => self.call_reserve_now(id, payload, now),
            #[cfg(feature = "profile-reservation")]
            OcppAction::CancelReservation => self.call_cancel_reservation(id, payload, now),
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::SetChargingProfile => self.call_set_charging_profile(id, payload, now),
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::ClearChargingProfile => self.call_clear_charging_profile(id, payload, now),
            #[cfg(feature = "profile-smart-charging")]
            OcppAction::GetCompositeSchedule => self.call_get_composite_schedule(id, payload, now),
            #[cfg(feature = "profile-firmware")]
            OcppAction::UpdateFirmware => self.call_update_firmware(id, payload, now),
            #[cfg(feature = "profile-firmware")]
            OcppAction::GetDiagnostics => self.call_get_diagnostics(id, payload, now),
            #[cfg(feature = "profile-security")]
            OcppAction::GetLog => self.call_get_log(id, payload, now),
            #[cfg(feature = "profile-security")]
            OcppAction::SignedUpdateFirmware => self.call_signed_update_firmware(id, payload, now),
            #[cfg(feature = "profile-trigger")]
            OcppAction::ExtendedTriggerMessage => {
                self.call_extended_trigger_message(id, payload, now);
            }
            #[cfg(feature = "profile-security")]
            OcppAction::InstallCertificate => self.call_install_certificate(id, payload, now),
            #[cfg(feature = "profile-security")]
            OcppAction::DeleteCertificate => self.call_delete_certificate(id, payload, now),
            #[cfg(feature = "profile-security")]
            OcppAction::GetInstalledCertificateIds => {
                self.call_get_installed_certificate_ids(id, payload, now);
            }
            #[cfg(feature = "profile-security")]
            OcppAction::CertificateSigned => self.call_certificate_signed(id, payload, now),
            _ => self.call_not_supported(id, action, now),
        }
    }

    /// Decodes a CALL's payload, or answers the CALLERROR its decode error calls for (OCPP-J
    /// §4.2.3) and returns `None`.
    pub(super) fn decode<'p, T: serde::Deserialize<'p>>(
        &mut self,
        id: &str,
        payload: &'p str,
    ) -> Option<T> {
        match json::from_str::<T>(payload, &self.setup.decode) {
            Ok(req) => Some(req),
            Err(e) => {
                self.answer_decode_error(id, &e);
                None
            }
        }
    }

    /// Decodes a CALL's payload with `seed`, which writes it in place (see `v16::in_place`), or
    /// answers the CALLERROR its decode error calls for and returns `false`.
    pub(super) fn decode_in_place<'p, Seed: serde::de::DeserializeSeed<'p, Value = ()>>(
        &mut self,
        id: &str,
        payload: &'p str,
        seed: Seed,
    ) -> bool {
        match json::from_str_seed(payload, &self.setup.decode, seed) {
            Ok(()) => true,
            Err(e) => {
                self.answer_decode_error(id, &e);
                false
            }
        }
    }

    /// The CALLERROR answering a payload that failed to decode with `e`. One copy for every
    /// action, out of line: its 128-byte description buffer stays out of the handlers' frames.
    #[inline(never)]
    pub(super) fn answer_decode_error(&mut self, id: &str, e: &json::Error) {
        let mut buf = [0u8; 128];
        let description = rpc::describe_decode_error(e, &mut buf);
        let description = BoundedString::truncated(description);
        self.answer(
            id,
            Reply::Error {
                code: e.error_code(),
                description,
            },
        );
    }

    /// Queues the answer to a CALL that was handled, then reports the statuses it changed.
    #[inline(never)]
    pub(super) fn finish_call(&mut self, id: &str, reply: Reply, now: Instant) {
        self.answer(id, reply);
        self.update_statuses(now);
    }

    #[inline(never)]
    fn call_not_supported(&mut self, id: &str, action: OcppAction, now: Instant) {
        let reply = Reply::Error {
            code: ErrorCode::NotSupported,
            description: not_supported(action),
        };
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_change_availability(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::ChangeAvailabilityRequest>(id, payload) else {
            return;
        };
        let reply = self.on_change_availability(req.connector_id, req.kind, now);
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_change_configuration(&mut self, id: &str, payload: &str, now: Instant) {
        let mut req = v16::ChangeConfigurationRequest::EMPTY;
        if !self.decode_in_place(
            id,
            payload,
            v16::core_profile::ChangeConfigurationInPlace(&mut req),
        ) {
            return;
        }
        let reply = self.on_change_configuration(&req, now);
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_clear_cache(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(_req) = self.decode::<v16::ClearCacheRequest>(id, payload) else {
            return;
        };
        self.cache.clear();
        self.persist_cache();
        self.finish_call(id, Reply::Status(ClearCacheStatus::Accepted.as_str()), now);
    }

    #[inline(never)]
    fn call_data_transfer(&mut self, id: &str, payload: &str, now: Instant) {
        if self.incoming_data_transfer.is_some() {
            // The integrator still holds a request: this one is only validated and answered.
            self.call_data_transfer_busy(id, payload, now);
            return;
        }
        // Decoded in place, into the slot where the integrator reads it: no copy of its 1 KB
        // of data.
        let opts = self.setup.decode;
        let slot = self
            .incoming_data_transfer
            .insert(ZeroNone::new(v16::DataTransferRequestOf::EMPTY));
        if let Err(e) = json::from_str_seed(
            payload,
            &opts,
            v16::core_profile::DataTransferRequestInPlace(slot),
        ) {
            self.incoming_data_transfer = None;
            self.answer_decode_error(id, &e);
            return;
        }
        let known = self
            .incoming_data_transfer
            .as_ref()
            .is_some_and(|r| self.data_transfer_vendor_known(&r.vendor_id));
        if known {
            if let Ok(aid) = AnswerId::try_from(id) {
                let deadline = now.add_millis(DEFERRED_ANSWER_TIMEOUT_MS);
                let deferred = Deferred {
                    id: aid,
                    kind: DeferredKind::DataTransfer,
                    deadline,
                };
                if self.deferred.push(deferred).is_ok() {
                    // The request stays in its slot for the integrator.
                    self.act(Action::DataTransferRequested);
                    return;
                }
            }
        }
        self.incoming_data_transfer = None;
        self.finish_call(id, Self::data_transfer_refusal(known), now);
    }

    /// DataTransfer.req while the integrator holds another one: decoded into a local only to
    /// validate it and read its vendor.
    #[inline(never)]
    fn call_data_transfer_busy(&mut self, id: &str, payload: &str, now: Instant) {
        let mut req = v16::DataTransferRequestOf::<L::DataTransferData>::EMPTY;
        if !self.decode_in_place(
            id,
            payload,
            v16::core_profile::DataTransferRequestInPlace(&mut req),
        ) {
            return;
        }
        let known = self.data_transfer_vendor_known(&req.vendor_id);
        self.finish_call(id, Self::data_transfer_refusal(known), now);
    }

    fn data_transfer_vendor_known(&self, vendor_id: &str) -> bool {
        self.setup
            .data_transfer_vendors
            .iter()
            .any(|v| v.as_str() == vendor_id)
    }

    /// The answer to a DataTransfer.req that is not handed to the integrator: Rejected for a
    /// vendor it handles (busy), UnknownVendorId otherwise, without data (§4.3).
    fn data_transfer_refusal(known: bool) -> Reply {
        Reply::DataTransfer {
            status: if known {
                DataTransferStatus::Rejected
            } else {
                DataTransferStatus::UnknownVendorId
            },
            data: None,
        }
    }

    #[inline(never)]
    fn call_get_configuration(&mut self, id: &str, payload: &str, now: Instant) {
        // Decoded key by key into the compact form the answer keeps (outbox::keys), in the body
        // slot: no `GetConfigurationRequest` of 64 names on the stack.
        if self.answer_body != AnswerBody::Free {
            self.refuse_call(id);
            return;
        }
        self.answer_body = AnswerBody::Keys(RequestedKeys::new());
        let opts = self.setup.decode;
        let decoded = match &mut self.answer_body {
            AnswerBody::Keys(keys) => keys
                .decode_into(payload, opts, &self.config)
                .map(|()| !keys.is_empty()),
            _ => Ok(false),
        };
        match decoded {
            Err(e) => {
                self.answer_body = AnswerBody::Free;
                self.answer_decode_error(id, &e);
            }
            // No key, or an empty list: every key (§6.23).
            Ok(keys_in_slot) => {
                if !keys_in_slot {
                    self.answer_body = AnswerBody::Free;
                }
                self.finish_call(id, Reply::Configuration { keys_in_slot }, now);
            }
        }
    }

    #[inline(never)]
    fn call_remote_start(&mut self, id: &str, payload: &str, now: Instant) {
        // In place: no copies of the ChargingProfile it may carry.
        let mut req = v16::RemoteStartTransactionRequest::EMPTY;
        if !self.decode_in_place(id, payload, v16::core_profile::RemoteStartInPlace(&mut req)) {
            return;
        }
        let reply = self.on_remote_start(&mut req, now);
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_remote_stop(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::RemoteStopTransactionRequest>(id, payload) else {
            return;
        };
        let reply = self.on_remote_stop(req.transaction_id, now);
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_reset(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::ResetRequest>(id, payload) else {
            return;
        };
        let reply = self.on_reset(req.kind, now);
        self.finish_call(id, reply, now);
    }

    #[inline(never)]
    fn call_unlock(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::UnlockConnectorRequest>(id, payload) else {
            return;
        };
        let reply = if let Some(reply) = self.on_unlock(req.connector_id, now) {
            reply
        } else {
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
        };
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-local-list")]
    #[inline(never)]
    fn call_get_local_list_version(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(_req) = self.decode::<v16::GetLocalListVersionRequest>(id, payload) else {
            return;
        };
        let reply = self.on_get_local_list_version();
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-local-list")]
    #[inline(never)]
    fn call_send_local_list(&mut self, id: &str, payload: &str, now: Instant) {
        // §5.15: a list longer than SendLocalListMaxLength is answered Failed, not with a
        // CALLERROR (`on_send_local_list` does that).
        let reply = match self.on_send_local_list(payload) {
            Ok(reply) => reply,
            Err(e) => {
                self.answer_decode_error(id, &e);
                return;
            }
        };
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-trigger")]
    #[inline(never)]
    fn call_trigger_message(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::TriggerMessageRequest>(id, payload) else {
            return;
        };
        let reply = self.on_trigger_message(&req, now);
        self.finish_call(id, reply, now);
    }

    /// ExtendedTriggerMessage (security whitepaper §5.5, OCPP 2.0.1's TriggerMessage renamed):
    /// the messages TriggerMessage also covers are served as TriggerMessage serves them (§5.17);
    /// LogStatusNotification as N01.FR.12 says (`cp::logs`); FirmwareStatusNotification is a
    /// SignedFirmwareStatusNotification (L01.FR.28/29, see `signed_firmware`);
    /// SignChargePointCertificate starts A02 (see `ChargePoint::renew_charge_point_certificate`):
    /// all three with the feature `profile-security`, NotImplemented without it. `connectorId`
    /// must be above 0 (§5.5): 0 is Rejected.
    #[cfg(feature = "profile-trigger")]
    #[inline(never)]
    fn call_extended_trigger_message(&mut self, id: &str, payload: &str, now: Instant) {
        use v16::{ExtendedMessageTrigger as Extended, MessageTrigger, TriggerMessageStatus};
        let Some(req) = self.decode::<v16::ExtendedTriggerMessageRequest>(id, payload) else {
            return;
        };
        #[cfg(feature = "profile-security")]
        if req.requested_message == Extended::LogStatusNotification && req.connector_id != Some(0) {
            let reply = self.trigger_log_status();
            self.finish_call(id, reply, now);
            return;
        }
        let requested = match req.requested_message {
            Extended::BootNotification => Some(MessageTrigger::BootNotification),
            Extended::Heartbeat => Some(MessageTrigger::Heartbeat),
            Extended::MeterValues => Some(MessageTrigger::MeterValues),
            Extended::StatusNotification => Some(MessageTrigger::StatusNotification),
            Extended::LogStatusNotification
            | Extended::FirmwareStatusNotification
            | Extended::SignChargePointCertificate => None,
        };
        let reply = match requested {
            _ if req.connector_id == Some(0) => {
                Reply::Status(TriggerMessageStatus::Rejected.as_str())
            }
            Some(requested_message) => self.on_trigger_message(
                &v16::TriggerMessageRequest {
                    requested_message,
                    connector_id: req.connector_id,
                },
                now,
            ),
            // A02: Accepted when the key pair is made (A02.FR.02) and SignCertificate.req queued;
            // Rejected without a security module, CpoName or serial number.
            #[cfg(feature = "profile-security")]
            None if req.requested_message == Extended::SignChargePointCertificate => {
                let status = match self.renew_charge_point_certificate() {
                    Ok(()) => TriggerMessageStatus::Accepted,
                    Err(_) => TriggerMessageStatus::Rejected,
                };
                Reply::Status(status.as_str())
            }
            #[cfg(feature = "profile-security")]
            None if req.requested_message == Extended::FirmwareStatusNotification => {
                Reply::Status(if self.trigger_signed_firmware_status() {
                    TriggerMessageStatus::Accepted.as_str()
                } else {
                    TriggerMessageStatus::Rejected.as_str()
                })
            }
            None => Reply::Status(TriggerMessageStatus::NotImplemented.as_str()),
        };
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-reservation")]
    #[inline(never)]
    fn call_reserve_now(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::ReserveNowRequest>(id, payload) else {
            return;
        };
        let reply = self.on_reserve_now(req, now);
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-reservation")]
    #[inline(never)]
    fn call_cancel_reservation(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::CancelReservationRequest>(id, payload) else {
            return;
        };
        let reply = self.on_cancel_reservation(req.reservation_id, now);
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-smart-charging")]
    #[inline(never)]
    fn call_set_charging_profile(&mut self, id: &str, payload: &str, now: Instant) {
        // In place: no copies of the ChargingProfile.
        let mut req = v16::SetChargingProfileRequest::EMPTY;
        if !self.decode_in_place(id, payload, v16::smart_charging::SetInPlace(&mut req)) {
            return;
        }
        let reply = self.on_set_charging_profile(req.connector_id, req.cs_charging_profiles, now);
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-smart-charging")]
    #[inline(never)]
    fn call_clear_charging_profile(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::ClearChargingProfileRequest>(id, payload) else {
            return;
        };
        let reply = self.on_clear_charging_profile(&req, now);
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-smart-charging")]
    #[inline(never)]
    fn call_get_composite_schedule(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::GetCompositeScheduleRequest>(id, payload) else {
            return;
        };
        if self.answer_body != AnswerBody::Free {
            self.refuse_call(id);
            return;
        }
        self.answer_body = AnswerBody::Composite(self.composite_schedule(&req, now));
        self.finish_call(id, Reply::Composite, now);
    }

    #[cfg(feature = "profile-firmware")]
    #[inline(never)]
    fn call_update_firmware(&mut self, id: &str, payload: &str, now: Instant) {
        // Security whitepaper L01.FR.20: not with secure firmware update in use.
        #[cfg(feature = "profile-security")]
        if self.signed_firmware_required() {
            self.call_not_supported(id, OcppAction::UpdateFirmware, now);
            return;
        }
        let mut req = v16::UpdateFirmwareRequest::EMPTY;
        if !self.decode_in_place(id, payload, v16::firmware::UpdateFirmwareInPlace(&mut req)) {
            return;
        }
        let reply = self.on_update_firmware(req, now);
        self.finish_call(id, reply, now);
    }

    #[cfg(feature = "profile-firmware")]
    #[inline(never)]
    fn call_get_diagnostics(&mut self, id: &str, payload: &str, now: Instant) {
        let mut req = v16::GetDiagnosticsRequest::EMPTY;
        if !self.decode_in_place(id, payload, v16::firmware::GetDiagnosticsInPlace(&mut req)) {
            return;
        }
        let reply = self.on_get_diagnostics(req, now);
        self.finish_call(id, reply, now);
    }

    /// A CALLRESULT to the CALL in flight. As for CALLs, each response type is decoded in a
    /// function of its own, out of line, so that their frames do not add up.
    pub(super) fn handle_result(&mut self, f: InFlight, payload: &str, now: Instant) {
        match f.what {
            Sent::Boot => self.result_boot(payload, now),
            Sent::Heartbeat => self.result_heartbeat(payload, now),
            Sent::Authorize { connector, id_tag } => {
                self.result_authorize(connector, &id_tag, payload, now);
            }
            Sent::DataTransfer => self.result_data_transfer(payload),
            #[cfg(feature = "profile-security")]
            Sent::SignCertificate => self.result_sign_certificate(payload),
            Sent::Other | Sent::Status(_) => {}
            #[cfg(feature = "profile-firmware")]
            Sent::FirmwareStatus(_) | Sent::DiagnosticsStatus(_) => {}
            #[cfg(feature = "profile-security")]
            Sent::LogStatus(..) => {}
            #[cfg(feature = "profile-security")]
            Sent::SignedFirmwareStatus { status, .. } => {
                self.signed_firmware_status_answered(status);
            }
            Sent::Journal => self.result_journal(payload, now),
        }
    }

    #[inline(never)]
    fn result_boot(&mut self, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        let Ok(conf) = json::from_str::<v16::BootNotificationResponse>(payload, &opts) else {
            self.boot_at = Some(now.add_secs(DEFAULT_BOOT_RETRY_S));
            return;
        };
        self.set_clock(now, conf.current_time);
        let interval = u64::try_from(conf.interval).unwrap_or(0);
        match conf.status {
            RegistrationStatus::Accepted => {
                self.registration = Registration::Accepted;
                self.boot_at = None;
                if interval > 0 {
                    self.config.heartbeat_interval = u32::try_from(interval).unwrap_or(u32::MAX);
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
                    if status == v16::FirmwareStatus::Installed {
                        self.security_event(SecurityEvent::FirmwareUpdated, None, now);
                    }
                    self.persist_journal();
                }
                #[cfg(feature = "profile-security")]
                self.report_signed_firmware_after_boot(now);
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

    #[inline(never)]
    fn result_heartbeat(&mut self, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        if let Ok(conf) = json::from_str::<v16::HeartbeatResponse>(payload, &opts) {
            self.set_clock(now, conf.current_time);
        }
    }

    #[inline(never)]
    fn result_authorize(
        &mut self,
        connector: Option<ConnectorId>,
        id_tag: &IdToken,
        payload: &str,
        now: Instant,
    ) {
        let opts = self.setup.decode;
        let Ok(conf) = json::from_str::<v16::AuthorizeResponse>(payload, &opts) else {
            return;
        };
        self.remember_id_tag(id_tag, &conf.id_tag_info, now);
        self.on_authorized(connector, id_tag, &conf.id_tag_info, now);
    }

    /// DataTransfer.conf, decoded in place into its slot (no copy of its 1 KB `data`).
    #[inline(never)]
    fn result_data_transfer(&mut self, payload: &str) {
        let opts = self.setup.decode;
        // The request is done with: its slot takes the answer.
        self.outgoing_data_transfer =
            OutgoingDataTransfer::Answered(Some(v16::DataTransferResponseOf::EMPTY));
        let status = match &mut self.outgoing_data_transfer {
            OutgoingDataTransfer::Answered(Some(slot)) => json::from_str_seed(
                payload,
                &opts,
                v16::core_profile::DataTransferResponseInPlace(slot),
            )
            .ok()
            .map(|()| slot.status),
            _ => None,
        };
        if status.is_none() {
            self.outgoing_data_transfer = OutgoingDataTransfer::Answered(None);
        }
        self.act(Action::DataTransferAnswered { status });
    }

    #[inline(never)]
    fn result_journal(&mut self, payload: &str, now: Instant) {
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
            } => self.result_start_transaction(local_id, connector, &id_tag, payload, now),
            TxMessage::Stop {
                local_id, id_tag, ..
            } => {
                self.journal.forget_stop_data(local_id);
                if let Some(id_tag) = id_tag {
                    self.result_stop_transaction(&id_tag, payload, now);
                }
            }
            // SecurityEventNotification.conf has no field (security §5.16).
            TxMessage::Meter { .. } | TxMessage::SecurityEvent { .. } => {}
        }
        self.persist_journal();
        self.update_statuses(now);
    }

    #[inline(never)]
    fn result_start_transaction(
        &mut self,
        local_id: u32,
        connector: ConnectorId,
        id_tag: &IdToken,
        payload: &str,
        now: Instant,
    ) {
        let opts = self.setup.decode;
        if let Ok(conf) = json::from_str::<v16::StartTransactionResponse>(payload, &opts) {
            self.journal
                .assign_transaction_id(local_id, conf.transaction_id);
            self.remember_id_tag(id_tag, &conf.id_tag_info, now);
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
                    self.stop_transaction(connector, Reason::DeAuthorized, None, now);
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

    #[inline(never)]
    fn result_stop_transaction(&mut self, id_tag: &IdToken, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        if let Ok(conf) = json::from_str::<v16::StopTransactionResponse>(payload, &opts) {
            if let Some(info) = conf.id_tag_info {
                self.remember_id_tag(id_tag, &info, now);
            }
        }
    }

    pub(super) fn handle_call_error(&mut self, f: InFlight, now: Instant) {
        match f.what {
            Sent::Boot => self.boot_at = Some(now.add_secs(DEFAULT_BOOT_RETRY_S)),
            Sent::Journal
                if self
                    .journal
                    .queue
                    .first()
                    .is_some_and(|q| matches!(q.message, TxMessage::SecurityEvent { .. })) =>
            {
                // A SecurityEventNotification that the central system answered with a
                // CALLERROR was delivered (A04.FR.02 asks for delivery across disconnects, not
                // for retries of an answered message): it is dropped, not retried, so that a
                // central system without the security extension does not hold up the
                // transaction messages behind it.
                self.journal.pop_front();
                self.journal_retry_at = None;
                self.persist_journal();
            }
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
            Sent::Authorize { connector, id_tag } => {
                // No verdict: treat as not authorized.
                let info = IdTagInfo::with_status(AuthorizationStatus::Invalid);
                self.on_authorized(connector, &id_tag, &info, now);
            }
            Sent::DataTransfer => {
                self.outgoing_data_transfer = OutgoingDataTransfer::Answered(None);
                self.act(Action::DataTransferAnswered { status: None });
            }
            // A central system that cannot take the CSR: given up as if Rejected.
            #[cfg(feature = "profile-security")]
            Sent::SignCertificate => self.abandon_certificate_request(),
            Sent::Heartbeat | Sent::Other | Sent::Status(_) => {}
            #[cfg(feature = "profile-firmware")]
            Sent::FirmwareStatus(_) | Sent::DiagnosticsStatus(_) => {}
            #[cfg(feature = "profile-security")]
            Sent::LogStatus(..) => {}
            #[cfg(feature = "profile-security")]
            Sent::SignedFirmwareStatus { status, .. } => {
                self.signed_firmware_status_answered(status);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Internals: frames out

    /// The id of the deferred answer `matches` selects, taken off the deferred list (its slot
    /// is then the answer's, which the caller queues).
    pub(super) fn take_deferred(
        &mut self,
        matches: impl Fn(&DeferredKind) -> bool,
    ) -> Option<AnswerId> {
        let d = self.deferred.iter().find(|d| matches(&d.kind)).cloned()?;
        self.forget_deferred(&d);
        Some(d.id)
    }

    /// Takes `d` off the deferred list. Out of line: one copy of the comparison.
    #[inline(never)]
    pub(super) fn forget_deferred(&mut self, d: &Deferred) {
        self.deferred.retain(|x| x != d);
    }
}
