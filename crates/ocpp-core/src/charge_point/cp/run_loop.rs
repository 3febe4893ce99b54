//! The sans-IO loop: inputs (connection, frames, hardware events, time) and outputs (frames to send,
//! actions for the hardware, the next deadline).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// Feeds one input. A refused input (a connector id the charge point does not have, a
    /// second outgoing DataTransfer, a frame while disconnected) changes nothing.
    ///
    /// After any input, drain [`ChargePoint::poll_output`] until it returns
    /// [`Output::Timeout`].
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) -> Result<(), Refused> {
        if !self.started {
            return Err(Refused::NotStarted);
        }
        match input {
            Input::Connected => self.handle_connected(now),
            Input::Disconnected => self.handle_disconnected(now),
            Input::Frame(_) if !self.connected => return Err(Refused::NotConnected),
            Input::Frame(text) => self.handle_frame(text, now),
            Input::Event(event) => {
                self.check_event(&event)?;
                self.handle_event(event, now);
            }
            Input::Timeout => self.handle_timeout(now),
            Input::DataTransferAnswer { status, data } => {
                if self.data_transfer_request().is_none() {
                    return Err(Refused::NothingToAnswer);
                }
                if !self.answer_data_transfer(status, data.map(BoundedString::as_str)) {
                    return Err(Refused::TooLong);
                }
            }
            Input::SendDataTransfer(request) => self.send_data_transfer(request)?,
            Input::ConnectFailed => self.on_connect_failed(now),
            Input::SecurityEvent { kind, tech_info } => {
                // While disconnected, a non-critical event the same as the last one (the same
                // refused certificate at every attempt of a long outage) is reported once: a
                // queue of repeats would push out the queued MeterValues.
                let repeat =
                    !self.connected && !kind.is_critical() && self.last_offline_event == Some(kind);
                if !repeat {
                    self.security_event(kind, tech_info, now);
                }
                if !self.connected {
                    self.last_offline_event = Some(kind);
                }
            }
        }
        Ok(())
    }

    /// The next output: first the records the last inputs changed are written to storage
    /// (encoded into `buf`), then actions for the hardware, then frames to send (written into
    /// `buf`), and last the instant of the next [`Input::Timeout`].
    ///
    /// `buf` must hold the largest frame and the largest stored record (see
    /// docs/integration.md); a frame that does not fit is answered with a CALLERROR
    /// `InternalError` (answers) or dropped (requests that are not transaction-related).
    pub fn poll_output<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Output<'b> {
        if !self.started {
            return Output::Timeout(None);
        }
        self.flush(buf);
        if let Some(action) = self.poll_action() {
            return Output::Action(action);
        }
        if let Some(frame) = self.poll_transmit(now, buf) {
            return Output::Transmit(frame);
        }
        // After every frame queued before it (the ChangeConfiguration.conf, A05.FR.06).
        if let Some(security_profile) = self.reconnect_due.take() {
            return Output::Action(Action::Reconnect { security_profile });
        }
        Output::Timeout(self.poll_timeout())
    }

    /// Connector ids in events are checked once, here: an event for a connector the charge
    /// point does not have is refused (connector 0 only where the spec allows it: a fault or a
    /// meter of the whole charge point, a clock, transfer results).
    fn check_event(&self, event: &Event) -> Result<(), Refused> {
        let (connector, zero_allowed) = match event {
            Event::Plugged { connector }
            | Event::Unplugged { connector }
            | Event::EvCharging { connector, .. }
            | Event::StopRequested { connector, .. }
            | Event::UnlockResult { connector, .. } => (*connector, false),
            Event::IdTag { connector, .. } => match connector {
                Some(c) => (*c, false),
                None => return Ok(()),
            },
            Event::Meter { connector, .. }
            | Event::Fault { connector, .. }
            | Event::FaultCleared { connector } => (*connector, true),
            Event::FirmwareDownloaded { .. }
            | Event::FirmwareInstalled { .. }
            | Event::Firmware(_)
            | Event::DiagnosticsUploaded { .. }
            | Event::LogUploaded { .. }
            | Event::ClockSync { .. } => return Ok(()),
        };
        if !(self.valid_connector(connector) || (connector == 0 && zero_allowed)) {
            return Err(Refused::UnknownConnector(connector));
        }
        Ok(())
    }

    /// Queues an action for the hardware. Actions that set a state or exist once have a slot of
    /// their own ([`Action::slot`]): a newer one replaces the queued one, so a safety action
    /// (energy offer off, a limit, unlock) is never lost to a full queue. Reports share
    /// [`REPORT_ACTIONS`](super::super::io::REPORT_ACTIONS) places; past that (only when the
    /// drain rule is broken) the report is dropped and counted in
    /// [`ChargePoint::dropped_outputs`].
    pub(super) fn act(&mut self, action: Action) {
        if let Some(slot) = action.slot() {
            self.actions.retain(|a| a.slot() != Some(slot));
        } else {
            let reports = self.actions.iter().filter(|a| a.slot().is_none()).count();
            if reports >= super::super::io::REPORT_ACTIONS {
                self.dropped = self.dropped.saturating_add(1);
                return;
            }
        }
        if self.actions.push(action).is_err() {
            // Unreachable: the queue holds every slot plus the reports.
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Outputs lost because the caller did not drain [`ChargePoint::poll_output`] after an
    /// input (reports beyond the queue, answers beyond their slots). Always 0 for a caller that
    /// follows the drain rule; the test harnesses assert it.
    pub fn dropped_outputs(&self) -> u32 {
        self.dropped
    }

    /// The transport is up: a WebSocket connection to the central system is open.
    pub fn handle_connected(&mut self, now: Instant) {
        self.connected = true;
        self.invalid_message_reported = false;
        self.last_offline_event = None;
        // A05.FR.09: connected with the raised profile, it holds.
        if self.profile_fallback.take().is_some() {
            self.persist_config();
        }
        self.inflight = None;
        match self.registration {
            Registration::Accepted => self.queue_changed_statuses(now),
            Registration::Rejected => {}
            Registration::Unknown | Registration::Pending => {
                if self.boot_at.is_none_or(|at| at > now)
                    && self.registration == Registration::Unknown
                {
                    self.boot_at = Some(now);
                }
            }
        }
        if self.boot_at.is_none() && self.registration != Registration::Accepted {
            self.boot_at = Some(now);
        }
        // M05.FR.12: connected with the new CentralSystemRootCertificate.
        #[cfg(feature = "profile-security")]
        self.certificates_on_connected();
    }

    /// The transport is down. Queued transaction messages wait; the CALL in flight is given up
    /// (a transaction message stays at the head of the journal and is sent again).
    pub fn handle_disconnected(&mut self, _now: Instant) {
        self.connected = false;
        if let Some(f) = self.inflight.take() {
            self.requeue_unanswered(f.what);
        }
        self.answers.clear();
        self.answer_body = AnswerBody::Free;
        if self.incoming_data_transfer_answered {
            self.free_incoming_data_transfer();
        }
        self.refused.clear();
    }

    /// A CALL of ours that the ended connection left unanswered: it may or may not have
    /// arrived, so it goes again, first, after the reconnect (at least once; the central system
    /// takes a repeated notification as the same news). A transaction message is still the
    /// journal's head; BootNotification is sent again by the boot timer; a Heartbeat only
    /// matters for its answer; a MeterValues outside a transaction is not kept while in flight
    /// (RAM) and is not repeated. A StatusNotification is not repeated as it was: its connector
    /// reports its status *now* again (the one it had may be stale).
    fn requeue_unanswered(&mut self, what: Sent) {
        let request = match what {
            Sent::Journal | Sent::Boot | Sent::Heartbeat | Sent::Other => return,
            Sent::Status(connector) => {
                if let Some(c) = self.connectors.get_mut(connector as usize) {
                    c.reported = None;
                }
                return;
            }
            Sent::Authorize { connector, id_tag } => Request::Authorize { connector, id_tag },
            Sent::DataTransfer => Request::DataTransfer,
            #[cfg(feature = "profile-firmware")]
            Sent::FirmwareStatus(status) => Request::FirmwareStatus(status),
            #[cfg(feature = "profile-firmware")]
            Sent::DiagnosticsStatus(status) => Request::DiagnosticsStatus(status),
            // The same key, so the same CSR (deterministic ECDSA).
            #[cfg(feature = "profile-security")]
            Sent::SignCertificate => Request::SignCertificate,
            #[cfg(feature = "profile-security")]
            Sent::LogStatus(status, request_id) => Request::LogStatus { status, request_id },
            #[cfg(feature = "profile-security")]
            Sent::SignedFirmwareStatus { status, request_id } =>
            {
                #[cfg(feature = "profile-security")]
                Request::SignedFirmwareStatus { status, request_id }
            }
        };
        if let Err(request) = self.requests.push_front(request) {
            // The queue is full of newer requests: the old one cannot wait.
            if matches!(request, Request::DataTransfer) {
                self.outgoing_data_transfer = OutgoingDataTransfer::Answered(None);
                self.act(Action::DataTransferAnswered { status: None });
            }
        }
    }

    /// One WebSocket text message from the central system.
    #[inline(never)]
    pub fn handle_frame(&mut self, text: &str, now: Instant) {
        self.frames_in = self.frames_in.saturating_add(1);
        let opts = self.setup.decode;
        match Frame::parse_with(text, &opts) {
            Err(e) => {
                // Not a valid OCPP-J message: a security event, once per connection (a peer
                // sending garbage must not fill the queue with reports of it).
                if !self.invalid_message_reported {
                    self.invalid_message_reported = true;
                    self.security_event(SecurityEvent::InvalidMessages, Some(e.reason), now);
                }
                if let Some(id) = e.answer_id() {
                    if self.registration != Registration::Rejected {
                        self.answer_error(id, e.code, e.reason);
                    }
                }
            }
            Ok(Frame::Call(call)) => self.handle_call(call.id, call.action, call.payload, now),
            Ok(Frame::CallResult(r)) => {
                if let Some(f) = self.take_inflight(r.id) {
                    self.handle_result(f, r.payload, now);
                }
            }
            Ok(Frame::CallError(e)) => {
                if let Some(f) = self.take_inflight(e.id) {
                    self.handle_call_error(f, now);
                }
            }
        }
        // A frame can move the clock (BootNotification, Heartbeat) or the profiles.
        self.update_limits(now);
    }

    /// Something happened at the charger.
    #[inline(never)]
    pub fn handle_event(&mut self, event: Event, now: Instant) {
        match event {
            Event::Plugged { connector } => self.on_plugged(connector, now),
            Event::Unplugged { connector } => self.on_unplugged(connector, now),
            Event::IdTag { connector, id_tag } => self.on_id_tag(connector, id_tag, now),
            Event::EvCharging {
                connector,
                charging,
            } => {
                if let Some(c) = self.connector_mut(connector) {
                    c.ev_charging = charging;
                }
            }
            Event::Meter {
                connector,
                readings,
            } => {
                if let Some(r) = self.readings.get_mut(connector as usize) {
                    *r = PackedReadings::pack(&readings);
                }
            }
            Event::Fault {
                connector,
                error_code,
                info,
                vendor_error_code,
            } => {
                if let Some(c) = self.connectors.get_mut(connector as usize) {
                    c.fault = Some(Fault::new(error_code, info, vendor_error_code));
                    if c.in_transaction {
                        c.evse_offering = false;
                        self.act(Action::EnergyOffer {
                            connector,
                            enabled: false,
                        });
                    }
                }
            }
            Event::FaultCleared { connector } => {
                let resume = self
                    .journal
                    .transaction(connector)
                    .is_some_and(|t| !t.deauthorized);
                if let Some(c) = self.connectors.get_mut(connector as usize) {
                    c.fault = None;
                    if c.in_transaction && resume {
                        c.evse_offering = true;
                        self.act(Action::EnergyOffer {
                            connector,
                            enabled: true,
                        });
                    }
                }
            }
            Event::StopRequested { connector, reason } => {
                if self.journal.transaction(connector).is_some() {
                    self.stop_transaction(connector, reason, None, now);
                }
            }
            Event::UnlockResult {
                connector,
                unlocked,
            } => {
                let status = if unlocked {
                    UnlockStatus::Unlocked
                } else {
                    UnlockStatus::UnlockFailed
                };
                if let Some(id) = self.take_deferred(|k| *k == DeferredKind::Unlock(connector)) {
                    self.push_status(id, status.as_str());
                }
            }
            e @ (Event::FirmwareDownloaded { .. }
            | Event::FirmwareInstalled { .. }
            | Event::Firmware(_)
            | Event::DiagnosticsUploaded { .. }
            | Event::LogUploaded { .. }) => {
                self.on_transfer_event(&e, now);
            }
            Event::ClockSync { now: wall } => self.set_clock(now, wall),
        }
        self.update_statuses(now);
    }

    /// The integrator's answer to an [`Action::DataTransferRequested`] (as
    /// [`Input::DataTransferAnswer`]); the data is copied. Out of line: the answer is built in
    /// its slot, not in the caller's frame. False (nothing done) when the data is longer than
    /// [`Limits::DataTransferData`] holds.
    #[inline(never)]
    pub fn answer_data_transfer(&mut self, status: DataTransferStatus, data: Option<&str>) -> bool {
        if data.is_some_and(|d| d.len() > <L::DataTransferData as BoundedText>::CAPACITY) {
            return false;
        }
        // Only a request still waiting for its answer is answered.
        if self.incoming_data_transfer.is_none() || self.incoming_data_transfer_answered {
            return true;
        }
        match self.take_deferred(|k| *k == DeferredKind::DataTransfer) {
            Some(id) => self.push_data_transfer(id, status, data),
            None => self.free_incoming_data_transfer(),
        }
        true
    }

    /// Empties the slot of the central system's DataTransfer.req (and of its answer's data).
    pub(super) fn free_incoming_data_transfer(&mut self) {
        self.incoming_data_transfer = None;
        self.incoming_data_transfer_answered = false;
    }

    /// The data of the integrator's answer to the central system's DataTransfer.req, while it
    /// waits to be written.
    pub(super) fn data_transfer_answer_text(&self) -> Option<&str> {
        self.incoming_data_transfer
            .as_ref()
            .filter(|_| self.incoming_data_transfer_answered)
            .and_then(|r| r.data.as_deref())
    }

    /// Sends a DataTransfer.req to the central system (§4.3), as [`Input::SendDataTransfer`];
    /// its answer comes back as [`Action::DataTransferAnswered`]. One at a time:
    /// [`Refused::Busy`] while another is pending, [`Refused::TooLong`] when its data is longer
    /// than [`Limits::DataTransferData`] holds. The request is copied into its slot (out of
    /// line: no copy of it in the caller's frame).
    #[inline(never)]
    pub fn send_data_transfer<D: BoundedText>(
        &mut self,
        request: &v16::DataTransferRequestOf<D>,
    ) -> Result<(), Refused> {
        if matches!(
            self.outgoing_data_transfer,
            OutgoingDataTransfer::Pending(_)
        ) {
            return Err(Refused::Busy);
        }
        if request
            .data
            .as_ref()
            .is_some_and(|d| d.len() > <L::DataTransferData as BoundedText>::CAPACITY)
        {
            return Err(Refused::TooLong);
        }
        if self.requests.push(Request::DataTransfer).is_err() {
            return Err(Refused::Busy);
        }
        // Built in its slot: no request-sized temporary on this frame.
        self.outgoing_data_transfer =
            OutgoingDataTransfer::Pending(v16::DataTransferRequestOf::EMPTY);
        if let OutgoingDataTransfer::Pending(slot) = &mut self.outgoing_data_transfer {
            slot.vendor_id.clone_from(&request.vendor_id);
            slot.message_id.clone_from(&request.message_id);
            if let Some(data) = &request.data {
                let _ = slot
                    .data
                    .insert(<L::DataTransferData as BoundedText>::EMPTY)
                    .push_str(data);
            }
        }
        Ok(())
    }

    /// The DataTransfer.req announced by [`Action::DataTransferRequested`].
    pub fn data_transfer_request(
        &self,
    ) -> Option<&v16::DataTransferRequestOf<L::DataTransferData>> {
        self.incoming_data_transfer
            .as_deref()
            .filter(|_| !self.incoming_data_transfer_answered)
    }

    /// The answer announced by [`Action::DataTransferAnswered`], until the next
    /// [`ChargePoint::send_data_transfer`].
    pub fn data_transfer_answer(
        &self,
    ) -> Option<&v16::DataTransferResponseOf<L::DataTransferData>> {
        match &self.outgoing_data_transfer {
            OutgoingDataTransfer::Answered(answer) => answer.as_ref(),
            _ => None,
        }
    }

    /// Deferred answers the integrator did not give in time: UnlockFailed, or a DataTransfer
    /// Rejected (without data).
    #[inline(never)]
    fn expire_deferred(&mut self, now: Instant) {
        while let Some(d) = self.deferred.iter().find(|d| d.deadline <= now).cloned() {
            self.forget_deferred(&d);
            if let DeferredKind::Unlock(_) = d.kind {
                self.push_status(d.id, UnlockStatus::UnlockFailed.as_str());
            } else {
                self.free_incoming_data_transfer();
                self.push_data_transfer(d.id, DataTransferStatus::Rejected, None);
            }
        }
    }

    /// Time passed: call when [`ChargePoint::poll_timeout`]'s instant is reached (earlier or
    /// repeated calls do no harm).
    #[inline(never)]
    pub fn handle_timeout(&mut self, now: Instant) {
        // The CALL in flight timed out (OCPP-J §4.1.1): the next one may go.
        if let Some(f) = &self.inflight {
            if now.since(f.sent_at) >= self.setup.call_timeout_ms {
                if let Some(f) = self.inflight.take() {
                    match f.what {
                        Sent::Boot => self.boot_at = Some(now),
                        Sent::Authorize { connector, id_tag } => {
                            let _ = self.requests.push(Request::Authorize { connector, id_tag });
                        }
                        // No answer: the integrator learns it, and its slot is free again.
                        Sent::DataTransfer => {
                            self.outgoing_data_transfer = OutgoingDataTransfer::Answered(None);
                            self.act(Action::DataTransferAnswered { status: None });
                        }
                        // A transaction message stays at the head and goes again.
                        _ => {}
                    }
                }
            }
        }
        self.expire_deferred(now);
        // Incipient sessions that were not completed in time (ConnectionTimeOut, §9.1.6).
        let timeout_ms = u64::from(self.config.connection_time_out) * 1000;
        for c in 1..=self.setup.connectors as usize {
            let expired = self.connectors.get(c).is_some_and(|conn| {
                !conn.in_transaction
                    && conn
                        .preparing_since
                        .is_some_and(|at| now.since(at) >= timeout_ms)
            });
            if expired {
                if let Some(conn) = self.connectors.get_mut(c) {
                    conn.preparing_since = None;
                }
                if let Some(p) = self.pending.get_mut(c) {
                    *p = None;
                }
            }
        }
        // Meter samples.
        self.take_samples(now);
        self.expire_reservations(now);
        self.transfers_tick(now);
        #[cfg(feature = "profile-security")]
        self.check_certificate_renewal(now);
        self.update_limits(now);
        // A reset waiting for its StopTransactions.
        if let Some((kind, since)) = self.reset {
            if self.reset_ready() || now.since(since) >= RESET_GRACE_MS {
                self.reset = None;
                self.act(Action::Reset { kind });
            }
        }
        self.update_statuses(now);
    }

    // ---------------------------------------------------------------------------------------
    // Outputs

    /// The next frame to send, written into `buf`. Call until it returns `None`.
    ///
    /// `buf` must hold the largest message: 8 KiB is enough for everything this charge point
    /// sends with default limits except a GetConfiguration.conf with long vendor values; a frame
    /// that does not fit is answered with a CALLERROR `InternalError` (answers) or dropped
    /// (requests that are not transaction-related).
    pub fn poll_transmit<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Option<&'b str> {
        self.flush(buf);
        let frame = self.next_frame(now, buf)?;
        self.frames_out = self.frames_out.saturating_add(1);
        Some(frame)
    }

    /// Frames sent and received so far (for statistics).
    pub fn frame_counts(&self) -> (u64, u64) {
        (self.frames_out, self.frames_in)
    }

    pub(super) fn next_frame<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Option<&'b str> {
        if !self.connected {
            return None;
        }
        // Answers first: they never wait for our own CALL in flight.
        if let Some(answer) = self.answers.first() {
            let fallback_id = answer.id.clone();
            let frees_slot = answer.data_in_slot();
            let written = self.write_first_answer(buf);
            self.answers.remove_first();
            if frees_slot {
                self.free_incoming_data_transfer();
            }
            self.free_answer_body_unless_used();
            let len = match written {
                Ok(n) => n,
                Err(()) => Self::write_error(
                    &fallback_id,
                    ErrorCode::InternalError,
                    "response too large for the transmit buffer",
                    buf,
                )?,
            };
            return core::str::from_utf8(buf.get(..len)?).ok();
        }
        if let Some(id) = self.refused.take_first() {
            let len = Self::write_error(
                &id,
                ErrorCode::InternalError,
                "busy: previous CALLs are not answered yet",
                buf,
            )?;
            return core::str::from_utf8(buf.get(..len)?).ok();
        }
        if self.inflight.is_some()
            || self.registration == Registration::Rejected && self.boot_at.is_none_or(|at| at > now)
        {
            return None;
        }
        let mut id = MessageId::new();
        id.push_int(i64::from(self.next_message), 1);
        let (sent, len) = self.next_call(now, &id, buf)?;
        self.next_message = self.next_message.wrapping_add(1).max(1);
        self.inflight = Some(InFlight {
            id,
            sent_at: now,
            what: sent,
            _none_is_zero: NoneIsZero::Marker,
        });
        core::str::from_utf8(buf.get(..len)?).ok()
    }

    /// The next thing the hardware must do.
    pub fn poll_action(&mut self) -> Option<Action> {
        let first = self.actions.first().cloned()?;
        self.actions.remove_first();
        Some(first)
    }

    /// When to call [`ChargePoint::handle_timeout`] next, if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if let Some(f) = &self.inflight {
            consider(Some(f.sent_at.add_millis(self.setup.call_timeout_ms)));
        }
        if self.connected && self.inflight.is_none() {
            consider(self.boot_at);
            if self.registration == Registration::Accepted {
                consider(self.heartbeat_at);
                consider(self.journal_retry_at);
            }
        }
        for d in &self.deferred {
            consider(Some(d.deadline));
        }
        let timeout_ms = u64::from(self.config.connection_time_out) * 1000;
        let min_status = u64::from(self.config.minimum_status_duration) * 1000;
        for c in &self.connectors {
            if !c.in_transaction {
                consider(c.preparing_since.map(|at| at.add_millis(timeout_ms)));
            }
            consider(c.pending_deadline(min_status));
        }
        consider(self.meter.next_deadline());
        consider(self.reservation_deadline());
        #[cfg(feature = "profile-smart-charging")]
        consider(self.limits_deadline_cached);
        consider(self.transfers_deadline());
        if let Some((_, since)) = self.reset {
            // Due at once (a past instant) when nothing is left to deliver.
            consider(Some(if self.reset_ready() {
                since
            } else {
                since.add_millis(RESET_GRACE_MS)
            }));
        }
        next
    }

    /// A Reset may restart the charge point now: its answer is out and the StopTransactions it
    /// queued are delivered (§5.14: stop, then restart), and a signed firmware's
    /// `InstallRebooting` is answered (security whitepaper L01.FR.15), or there is no connection
    /// to deliver anything on (they stay in the journal and go after the restart). Otherwise the
    /// restart waits at most [`RESET_GRACE_MS`].
    fn reset_ready(&self) -> bool {
        !self.connected
            || (self.answers.is_empty()
                && self.journal.queue.is_empty()
                && !self.reboot_notice_pending())
    }

    // ---------------------------------------------------------------------------------------
    // Accessors
}
