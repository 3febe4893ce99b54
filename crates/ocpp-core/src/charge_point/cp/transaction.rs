//! Transactions (§3.6, §4.8 StartTransaction, §4.10 StopTransaction, §4.7 MeterValues) and the
//! remote start/stop that drive them (§5.11, §5.12).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn energy_wh(&self, connector: ConnectorId) -> Option<i32> {
        self.readings
            .get(connector as usize)
            .and_then(|r| r.unpack().meter_register_wh())
    }

    pub(super) fn start_transaction(&mut self, connector: ConnectorId, now: Instant) {
        let Some(p) = self
            .pending
            .get_mut(connector as usize)
            .and_then(Option::take)
        else {
            return;
        };
        let wall = self.clock.at(now);
        let meter_start = self.energy_wh(connector).unwrap_or(0);
        // Never start what could not be reported: §3.7 "MUST queue" every transaction message,
        // so a full journal (a long time offline) refuses new transactions. Nor on a connector
        // that is Inoperative or faulted (§5.2).
        let usable = self.can_charge(connector);
        if !self.journal.room_for_transaction() || !usable {
            if let Some(c) = self.connector_mut(connector) {
                c.preparing_since = None;
            }
            self.act(Action::Authorization {
                connector: Some(connector),
                id_tag: p.id_tag,
                status: AuthorizationStatus::Invalid,
            });
            return;
        }
        let reservation_id = self.take_reservation(connector, &p.id_tag);
        let local_id = self.journal.next_local_id;
        self.journal.next_local_id = local_id.wrapping_add(1);
        let tx = Transaction {
            local_id,
            connector,
            id_tag: p.id_tag.clone(),
            parent_id_tag: p.parent_id_tag.clone(),
            meter_start,
            started: wall,
            transaction_id: None,
            reservation_id,
            deauthorized: false,
            last_meter: meter_start,
            last_seen: wall,
            data: StopData::new(),
        };
        if self.journal.begin_transaction(tx).is_err() {
            return;
        }
        let _ = self.journal.enqueue(TxMessage::Start {
            local_id,
            connector,
            id_tag: p.id_tag,
            meter_start,
            timestamp: wall,
            reservation_id,
        });
        // transactionData begins with the start value (§9.1.27).
        let readings = self
            .readings
            .get(connector as usize)
            .map(PackedReadings::unpack)
            .unwrap_or_default();
        if let Some(t) = self.journal.transaction_mut(connector) {
            t.data.begin(wall, &readings);
        }
        self.meter.transaction_started(connector, now);
        // The base of the first periodic sample's Energy.*.Interval values (§3.16.1).
        let _ =
            self.meter
                .interval_values(connector, v16::ReadingContext::TransactionBegin, &readings);
        self.install_remote_start_profile(connector, now);
        self.persist_journal();
        if let Some(c) = self.connector_mut(connector) {
            c.in_transaction = true;
            c.evse_offering = c.fault.is_none();
            c.preparing_since = None;
            c.finishing = false;
        }
        let offering = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.evse_offering);
        self.act(Action::CableLock {
            connector,
            locked: true,
        });
        if offering {
            self.act(Action::EnergyOffer {
                connector,
                enabled: true,
            });
        }
        self.act(Action::TransactionStarted { connector });
    }

    pub(super) fn stop_transaction(
        &mut self,
        connector: ConnectorId,
        reason: Reason,
        id_tag: Option<IdToken>,
        now: Instant,
    ) {
        let wall = self.clock.at(now);
        let meter = self
            .energy_wh(connector)
            .or_else(|| self.journal.transaction(connector).map(|t| t.last_meter))
            .unwrap_or(0);
        let readings = self
            .readings
            .get(connector as usize)
            .map(PackedReadings::unpack)
            .unwrap_or_default();
        if let Some(t) = self.journal.transaction_mut(connector) {
            t.data.end(wall, &readings);
        }
        self.finish_transaction(connector, reason, id_tag, meter, wall, now);
        let plugged = self
            .connectors
            .get(connector as usize)
            .is_some_and(|c| c.plugged);
        if let Some(c) = self.connector_mut(connector) {
            c.in_transaction = false;
            c.evse_offering = false;
            c.ev_charging = false;
            c.finishing = plugged;
            if let Some(kind) = c.scheduled_operative.take() {
                c.operative = kind == AvailabilityType::Operative;
            }
        }
        self.act(Action::EnergyOffer {
            connector,
            enabled: false,
        });
        self.act(Action::CableLock {
            connector,
            locked: false,
        });
        self.act(Action::TransactionStopped { connector });
        self.save_availability();
        // A firmware installation may have been waiting for this transaction (§5.19).
        self.transfers_tick(now);
    }

    /// Ends the transaction on `connector` in the journal and queues its StopTransaction.
    pub(super) fn finish_transaction(
        &mut self,
        connector: ConnectorId,
        reason: Reason,
        id_tag: Option<IdToken>,
        meter_stop: i32,
        at: DateTime,
        _now: Instant,
    ) {
        // Ended in place: the transaction (with its transactionData) is not copied out.
        let sampled = measurand_mask(&self.config.stop_txn_sampled_data);
        let aligned = measurand_mask(&self.config.stop_txn_aligned_data);
        let stop = |local_id, transaction_id| TxMessage::Stop {
            local_id,
            transaction_id,
            id_tag,
            meter_stop,
            timestamp: at,
            reason,
        };
        if self
            .journal
            .end_transaction_with(connector, stop, sampled, aligned)
            .is_none()
        {
            return;
        }
        self.meter.transaction_stopped(connector);
        self.profiles_transaction_ended(connector);
        self.persist_journal();
    }

    /// Takes the samples that are due: periodic ones of transactions (MeterValueSampleInterval,
    /// §9.1.19) and clock-aligned ones (ClockAlignedDataInterval, §9.1.5).
    pub(super) fn take_samples(&mut self, now: Instant) {
        let online = self.connected && self.registration == Registration::Accepted;
        while let Some(due) = self.meter.poll_due(now, &self.clock) {
            let connector = due.connector;
            let readings = self
                .readings
                .get(connector as usize)
                .map(PackedReadings::unpack)
                .unwrap_or_default();
            let measurands = if due.context == v16::ReadingContext::SampleClock {
                &self.config.meter_values_aligned_data
            } else {
                &self.config.meter_values_sampled_data
            };
            // Energy.*.Interval (§7.31): since the previous sample of this kind.
            let intervals = self
                .meter
                .interval_values(connector, due.context, &readings);
            // §3.16.4: nothing to report (no configured measurand available) -> no message.
            let setup = MeterSetup::for_connector(connector);
            if !metering::has_meter_value_with(&readings, intervals, measurands, due.context, setup)
            {
                continue;
            }
            let sample = Sample {
                timestamp: due.timestamp,
                context: due.context,
                measurands: measurand_mask(measurands),
                readings: readings.clone(),
                intervals,
            };
            let stop_lists = StopTxnMeasurands {
                sampled: &self.config.stop_txn_sampled_data,
                aligned: &self.config.stop_txn_aligned_data,
            };
            // One small record in the journal's log: the sample's MeterValues, the
            // transaction's last meter value and its transactionData.
            if self.journal.transaction(connector).is_some() {
                let _ = self.journal.record_sample(connector, sample, &stop_lists);
                self.persist_journal();
            } else if online && due.context == v16::ReadingContext::SampleClock {
                // Clock-aligned values outside a transaction are not transaction-related (§3.7).
                let _ = self.requests.push(Request::Meter {
                    connector,
                    transaction_id: None,
                    sample,
                });
            }
        }
    }

    /// RemoteStartTransaction (§5.11). `req` is taken by reference: its profile, if any, is
    /// moved (swapped) into place, not copied.
    pub(super) fn on_remote_start(
        &mut self,
        req: &mut v16::RemoteStartTransactionRequest,
        now: Instant,
    ) -> Reply {
        let rejected = Reply::Status(RemoteStartStopStatus::Rejected.as_str());
        // §4.2: not allowed while Pending.
        if self.registration != Registration::Accepted {
            return rejected;
        }
        if let Some(profile) = &req.charging_profile {
            // §5.11: only a TxProfile may come with RemoteStartTransaction.
            if profile.charging_profile_purpose != v16::ChargingProfilePurpose::TxProfile {
                return rejected;
            }
        }
        let connector = match req.connector_id {
            Some(0) => return rejected,
            Some(c) if self.valid_connector(c) => c,
            Some(_) => return rejected,
            None => match self.choose_connector(&req.id_tag) {
                Some(c) => c,
                None => return rejected,
            },
        };
        let usable = self.can_charge(connector)
            && self
                .connectors
                .get(connector as usize)
                .is_some_and(|c| !c.in_transaction && c.scheduled_operative.is_none());
        if !usable || !self.reservation_allows(connector, &req.id_tag, None) {
            return rejected;
        }
        // §5.11: the TxProfile applies to the transaction this request starts. It is parked in
        // the profile store; Rejected when its periods do not fit there.
        #[cfg(feature = "profile-smart-charging")]
        {
            self.profiles.unpark();
            if let Some(profile) = req.charging_profile.as_ref() {
                if self.profiles.park(connector, profile).is_err() {
                    return rejected;
                }
            }
        }
        if self.config.authorize_remote_tx_requests {
            // §5.11: authorize first, as for a local start (cache/list may answer).
            let wall = self.clock.at(now);
            match auth::decide(
                &req.id_tag,
                &self.auth_context(),
                &self.cache,
                &self.local_list,
                wall,
            ) {
                Decision::Accepted { info, .. } => {
                    self.accept_id_tag(
                        connector,
                        req.id_tag.clone(),
                        info.parent_id_tag,
                        true,
                        now,
                    );
                }
                Decision::Rejected(_) => return rejected,
                Decision::AskCentral | Decision::AcceptedUnknownOffline => {
                    if let Some(slot) = self.pending.get_mut(connector as usize) {
                        *slot = Some(Pending {
                            id_tag: req.id_tag.clone(),
                            parent_id_tag: None,
                            authorized: false,
                            since: now,
                            remote: true,
                            _none_is_zero: NoneIsZero::Marker,
                        });
                    }
                    if let Some(c) = self.connector_mut(connector) {
                        c.preparing_since.get_or_insert(now);
                    }
                    let _ = self.requests.push(Request::Authorize {
                        connector: Some(connector),
                        id_tag: req.id_tag.clone(),
                    });
                }
            }
        } else {
            self.accept_id_tag(connector, req.id_tag.clone(), None, true, now);
        }
        Reply::Status(RemoteStartStopStatus::Accepted.as_str())
    }

    pub(super) fn on_remote_stop(&mut self, transaction_id: i32, now: Instant) -> Reply {
        if self.registration != Registration::Accepted {
            return Reply::Status(RemoteStartStopStatus::Rejected.as_str());
        }
        match self
            .journal
            .by_transaction_id(transaction_id)
            .map(|t| t.connector)
        {
            Some(connector) => {
                self.stop_transaction(connector, Reason::Remote, None, now);
                Reply::Status(RemoteStartStopStatus::Accepted.as_str())
            }
            None => Reply::Status(RemoteStartStopStatus::Rejected.as_str()),
        }
    }
}
