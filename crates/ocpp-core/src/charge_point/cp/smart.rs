//! Smart Charging (§3.13, §5.5 ClearChargingProfile, §5.7 GetCompositeSchedule, §5.16
//! SetChargingProfile): the charge point's side. The rules are in
//! [`crate::charge_point::smart_charging`]; this module feeds it the transactions and the clock,
//! persists the profiles, and hands the limit in force to the hardware whenever it changes.

use super::{AppliedLimit, ChargePoint, Reply};
use crate::charge_point::Instant;
use crate::charge_point::capacity::Limits;
use crate::charge_point::io::Action;
use crate::charge_point::smart_charging::{Limit, SetContext, Settings, TxInfo};
use crate::charge_point::storage::{RecordKey, Storage};
use crate::v16::{
    ChargingProfile, ChargingProfileStatus, ClearChargingProfileRequest, ConnectorId,
    GetCompositeScheduleRequest, GetCompositeScheduleResponse, GetCompositeScheduleStatus,
};

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// The smart-charging settings the configuration and setup call for.
    pub(super) fn smart_settings(&self) -> Settings {
        Settings {
            connectors: self.setup.connectors,
            allowed_units: self
                .config
                .charging_schedule_allowed_charging_rate_unit
                .clone(),
            line_voltage: self.setup.line_voltage,
            unconstrained: self.setup.rated_limit,
        }
    }

    pub(super) fn tx_info(&self, connector: ConnectorId) -> Option<TxInfo> {
        self.journal.transaction(connector).map(|t| TxInfo {
            start: t.started,
            id: t.transaction_id,
        })
    }

    /// SetChargingProfile (§5.16).
    pub(super) fn on_set_charging_profile(
        &mut self,
        connector: ConnectorId,
        profile: ChargingProfile,
        now: Instant,
    ) -> Reply {
        let ctx = SetContext {
            now: self.clock.at(now),
            transaction: self.tx_info(connector),
        };
        let status = self.profiles.set(connector, profile, &ctx);
        if status == ChargingProfileStatus::Accepted {
            self.persist_profiles();
            self.update_limits(now);
        }
        Reply::Status(status.as_str())
    }

    /// ClearChargingProfile (§5.5).
    pub(super) fn on_clear_charging_profile(
        &mut self,
        req: &ClearChargingProfileRequest,
        now: Instant,
    ) -> Reply {
        let status = self.profiles.clear(req);
        self.persist_profiles();
        self.update_limits(now);
        Reply::Status(status.as_str())
    }

    /// GetCompositeSchedule (§5.7): the schedule from now over `duration` seconds.
    pub(super) fn composite_schedule(
        &self,
        req: &GetCompositeScheduleRequest,
        now: Instant,
    ) -> GetCompositeScheduleResponse {
        let start = self.clock.at(now);
        let tx = self.tx_info(req.connector_id);
        let schedule = if req.connector_id <= self.setup.connectors {
            self.profiles.composite_schedule(
                req.connector_id,
                start,
                req.duration,
                req.charging_rate_unit,
                tx,
            )
        } else {
            None
        };
        match schedule {
            Some(schedule) => GetCompositeScheduleResponse {
                status: GetCompositeScheduleStatus::Accepted,
                connector_id: Some(req.connector_id),
                schedule_start: Some(start),
                charging_schedule: Some(schedule),
            },
            None => GetCompositeScheduleResponse {
                status: GetCompositeScheduleStatus::Rejected,
                connector_id: None,
                schedule_start: None,
                charging_schedule: None,
            },
        }
    }

    /// A transaction started: install the TxProfile that came with RemoteStartTransaction.
    pub(super) fn install_remote_start_profile(&mut self, connector: ConnectorId, now: Instant) {
        let Some(profile) = self.profiles.take_parked(connector) else {
            return;
        };
        let ctx = SetContext {
            now: self.clock.at(now),
            transaction: self.tx_info(connector),
        };
        if self.profiles.set(connector, profile, &ctx) == ChargingProfileStatus::Accepted {
            self.persist_profiles();
        }
    }

    /// A transaction ended: its TxProfiles go (§3.13.1).
    pub(super) fn profiles_transaction_ended(&mut self, connector: ConnectorId) {
        if self.profiles.transaction_ended(connector) {
            self.persist_profiles();
        }
    }

    /// Computes the limit in force on every connector and reports the ones that changed.
    pub(super) fn update_limits(&mut self, now: Instant) {
        let wall = self.clock.at(now);
        if self.profiles.remove_expired(wall) {
            self.persist_profiles();
        }
        // §3.13.3: the ChargePointMaxProfile caps all connectors combined, so it is shared
        // among the connectors that draw (see `share_max`).
        let mut own = [None; NC];
        let mut drawing = [false; NC];
        for c in 1..=self.setup.connectors {
            let tx = self.tx_info(c);
            if let Some(o) = own.get_mut(c as usize) {
                *o = self.profiles.own_limit_at(c, wall, tx);
            }
            if let Some(d) = drawing.get_mut(c as usize) {
                *d = tx.is_some();
            }
        }
        let mut limits = [None; NC];
        super::super::smart_charging::share_max(
            self.profiles.max_limit_at(wall),
            &own,
            &drawing,
            self.setup.line_voltage,
            &mut limits,
        );
        for c in 1..=self.setup.connectors {
            let limit = limits.get(c as usize).copied().flatten();
            let Some(applied) = self.applied_limits.get_mut(c as usize) else {
                continue;
            };
            if *applied != AppliedLimit::Reported(limit) {
                *applied = AppliedLimit::Reported(limit);
                self.act(Action::ChargingLimit {
                    connector: c,
                    limit,
                });
            }
        }
        self.limits_deadline_cached = self.limits_deadline(now);
    }

    /// When a limit may change next.
    pub(super) fn limits_deadline(&self, now: Instant) -> Option<Instant> {
        if self.profiles.is_empty() {
            return None;
        }
        let wall = self.clock.at(now);
        (1..=self.setup.connectors)
            .filter_map(|c| self.profiles.next_change_after(c, wall, self.tx_info(c)))
            .map(|t| self.clock.instant_of(t))
            .min()
    }

    pub(super) fn persist_profiles(&mut self) {
        self.mark_dirty(RecordKey::ChargingProfiles);
    }

    /// Restores the installed profiles ([`ChargePoint::restore_record`]; the store is empty when
    /// the record is unusable). Out of line: its decoding frame is not added to `restore`'s.
    #[inline(never)]
    pub(super) fn restore_profiles(&mut self, scratch: &mut [u8]) -> Result<bool, ()> {
        self.profiles.reset(self.smart_settings());
        self.restore_record(RecordKey::ChargingProfiles, scratch, |cp, data| {
            let ok = cp.profiles.decode_into(data).is_ok();
            if !ok {
                cp.profiles.reset(cp.smart_settings());
            }
            ok
        })
    }

    /// The limit last handed to the hardware for `connector`.
    pub fn charging_limit(&self, connector: ConnectorId) -> Option<Limit> {
        match self.applied_limits.get(connector as usize) {
            Some(AppliedLimit::Reported(limit)) => *limit,
            _ => None,
        }
    }
}
