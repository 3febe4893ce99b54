//! Connectors: plug events, availability (§5.2 ChangeAvailability), unlocking (§5.17) and the
//! StatusNotifications their changes cause (§4.9).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn connector_mut(&mut self, connector: ConnectorId) -> Option<&mut Connector> {
        if connector == 0 || connector > self.setup.connectors {
            return None;
        }
        self.connectors.get_mut(connector as usize)
    }

    /// Whether `connector` may charge: it and the charge point (connector 0) are Operative and
    /// not faulted (§5.2, §4.9), and no signed firmware waits to be installed (security
    /// whitepaper L01.FR.07/19).
    pub(super) fn can_charge(&self, connector: ConnectorId) -> bool {
        let ok = |c: &Connector| c.operative && c.fault.is_none();
        self.connectors.get(connector as usize).is_some_and(ok)
            && ok(&self.connectors[0])
            && !self.firmware_hold()
    }

    /// The status of connector `index` (`c`): derived from its facts (§7.7; connector 0: §4.9),
    /// and `Unavailable` for a connector without transaction while `hold`
    /// ([`ChargePoint::firmware_hold`], L01.FR.07/19) unless it is Faulted.
    pub(super) fn status_of(c: &Connector, index: usize, hold: bool) -> ChargePointStatus {
        if index == 0 {
            return c.derived_status_connector_zero();
        }
        match c.derived_status() {
            ChargePointStatus::Faulted => ChargePointStatus::Faulted,
            _ if hold && !c.in_transaction => ChargePointStatus::Unavailable,
            status => status,
        }
    }

    pub(super) fn valid_connector(&self, connector: ConnectorId) -> bool {
        connector >= 1 && connector <= self.setup.connectors
    }

    pub(super) fn on_plugged(&mut self, connector: ConnectorId, now: Instant) {
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        c.plugged = true;
        c.finishing = false;
        if c.in_transaction {
            return;
        }
        c.preparing_since = Some(now);
        let ready = self
            .pending
            .get(connector as usize)
            .and_then(Option::as_ref)
            .is_some_and(|p| p.authorized);
        if ready {
            self.start_transaction(connector, now);
        }
    }

    pub(super) fn on_unplugged(&mut self, connector: ConnectorId, now: Instant) {
        let stop = self.config.stop_transaction_on_ev_side_disconnect;
        let unlock = self.config.unlock_connector_on_ev_side_disconnect;
        let running = self.journal.transaction(connector).is_some();
        let Some(c) = self.connector_mut(connector) else {
            return;
        };
        c.plugged = false;
        c.finishing = false;
        c.ev_charging = false;
        if running {
            if stop {
                // §9.1.23: the transaction stops when the EV side disconnects.
                self.stop_transaction(connector, Reason::EvDisconnected, None, now);
                if unlock {
                    self.act(Action::CableLock {
                        connector,
                        locked: false,
                    });
                }
            }
        } else {
            c.preparing_since = None;
            if let Some(p) = self.pending.get_mut(connector as usize) {
                *p = None;
            }
        }
    }

    pub(super) fn on_change_availability(
        &mut self,
        connector: ConnectorId,
        kind: AvailabilityType,
        now: Instant,
    ) -> Reply {
        if connector > self.setup.connectors {
            return Reply::Status(AvailabilityStatus::Rejected.as_str());
        }
        let operative = kind == AvailabilityType::Operative;
        let targets = if connector == 0 {
            0..=self.setup.connectors
        } else {
            connector..=connector
        };
        let mut scheduled = false;
        for c in targets {
            let running = self.journal.transaction(c).is_some();
            if let Some(conn) = self.connectors.get_mut(c as usize) {
                if running && conn.operative != operative {
                    // §5.2: "Scheduled" until the transaction has finished.
                    conn.scheduled_operative = Some(kind);
                    scheduled = true;
                } else {
                    conn.operative = operative;
                    conn.scheduled_operative = None;
                }
            }
        }
        let _ = now;
        self.save_availability();
        Reply::Status(
            if scheduled {
                AvailabilityStatus::Scheduled
            } else {
                AvailabilityStatus::Accepted
            }
            .as_str(),
        )
    }

    pub(super) fn save_availability(&mut self) {
        let mut mask = 0u32;
        for (i, c) in self.connectors.iter().enumerate() {
            if !c.operative {
                mask |= 1 << i;
            }
        }
        if self.journal.inoperative != mask {
            self.journal.inoperative = mask;
            self.persist_journal();
        }
    }

    /// UnlockConnector (§5.18): stops a transaction on the connector first (reason
    /// UnlockCommand), then asks the hardware. `None`: the answer waits for the hardware.
    pub(super) fn on_unlock(&mut self, connector: ConnectorId, now: Instant) -> Option<Reply> {
        if !self.valid_connector(connector) || !self.setup.connector_lock {
            return Some(Reply::Status(UnlockStatus::NotSupported.as_str()));
        }
        if self.journal.transaction(connector).is_some() {
            self.stop_transaction(connector, Reason::UnlockCommand, None, now);
        }
        self.act(Action::Unlock { connector });
        None
    }

    /// Derives every connector's status and queues a StatusNotification for each change that is
    /// due (MinimumStatusDuration, §9.1.20).
    pub(super) fn update_statuses(&mut self, now: Instant) {
        self.update_limits(now);
        if !(self.connected && self.registration == Registration::Accepted) {
            return;
        }
        self.queue_changed_statuses(now);
    }

    pub(super) fn queue_changed_statuses(&mut self, now: Instant) {
        if self.registration != Registration::Accepted {
            return;
        }
        let wall = self.clock.at(now);
        let min = u64::from(self.config.minimum_status_duration) * 1000;
        let hold = self.firmware_hold();
        for i in 0..=self.setup.connectors as usize {
            let Some(c) = self.connectors.get_mut(i) else {
                continue;
            };
            let status = Self::status_of(c, i, hold);
            if let Some((status, since)) = c.track(status, now, wall, min) {
                c.reported = Some(status);
                let (error_code, info, vendor_error_code) = match &c.fault {
                    Some(f) if status == ChargePointStatus::Faulted => {
                        (f.error_code, f.info.clone(), f.vendor_error_code.clone())
                    }
                    _ => (ChargePointErrorCode::NoError, None, None),
                };
                let request = Request::Status {
                    connector: i as ConnectorId,
                    status,
                    error_code,
                    info,
                    vendor_error_code,
                    timestamp: since,
                };
                // Every status that lasted MinimumStatusDuration is sent, even when the next
                // one comes before it went out (§4.9: only a shorter one MAY be omitted; with
                // the key at 0, Available -> Preparing -> Charging within a few ms is three
                // notifications). Only a full queue makes a newer status replace the older
                // ones of its connector; if even that finds no room, the connector reports
                // again at the next update.
                if let Err(request) = self.requests.push(request) {
                    self.requests.retain(
                        |r| !matches!(r, Request::Status { connector, .. } if *connector as usize == i),
                    );
                    if self.requests.push(request).is_err() {
                        if let Some(c) = self.connectors.get_mut(i) {
                            c.reported = None;
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Persistence
}
