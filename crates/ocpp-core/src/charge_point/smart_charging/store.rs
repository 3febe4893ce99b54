//! The installed profiles: SetChargingProfile, ClearChargingProfile, end of transaction.

use super::{InstalledProfile, MAX_STACK_LEVEL, SetContext, Settings};
use crate::limits::MAX_CHARGING_PROFILES_INSTALLED;
use crate::types::{DateTime, List};
use crate::v16::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingProfileStatus,
    ClearChargingProfileRequest, ClearChargingProfileStatus, ConnectorId,
};

/// The charging profiles installed on a charge point, at most `N`
/// (`MaxChargingProfilesInstalled`, §9.4.5), and the evaluation of their limits.
///
/// See the [module documentation](super) for how each rule of the spec is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileStore<const N: usize = MAX_CHARGING_PROFILES_INSTALLED> {
    pub(super) settings: Settings,
    pub(super) profiles: List<InstalledProfile, N>,
}

impl<const N: usize> ProfileStore<N> {
    /// An empty store (const: `ProfileStore::new(Settings::DEFAULT)` can initialise a `static`).
    pub const fn new(settings: Settings) -> Self {
        ProfileStore {
            settings,
            profiles: List::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Makes this `ProfileStore::new(settings)` again, in place: the settings replaced, every
    /// profile removed.
    pub fn reset(&mut self, settings: Settings) {
        self.settings = settings;
        self.profiles.clear();
    }

    /// Replaces the settings (the installed profiles stay).
    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// The installed profiles, in the order they were installed.
    pub fn iter(&self) -> impl Iterator<Item = &InstalledProfile> {
        self.profiles.iter()
    }

    /// The number of installed profiles.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether no profile is installed.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The installed profile with `charging_profile_id`.
    pub fn get(&self, charging_profile_id: i32) -> Option<&InstalledProfile> {
        self.profiles
            .iter()
            .find(|p| p.profile.charging_profile_id == charging_profile_id)
    }

    /// SetChargingProfile.req (§5.16): validates `profile` for `connector` and installs it,
    /// replacing the profiles with the same chargingProfileId and the one with the same
    /// stackLevel and purpose on the same connector. `ctx` gives the time and the transaction
    /// running on `connector`.
    ///
    /// NotSupported when the schedule's chargingRateUnit is not allowed; Rejected for any other
    /// refusal (see the module documentation); nothing changes unless Accepted, except that
    /// profiles whose `validTo` has passed are dropped. Persist the store after Accepted.
    pub fn set(
        &mut self,
        connector: ConnectorId,
        profile: ChargingProfile,
        ctx: &SetContext,
    ) -> ChargingProfileStatus {
        if connector > self.settings.connectors || !check_structure(connector, &profile) {
            return ChargingProfileStatus::Rejected;
        }
        if !self
            .settings
            .allowed_units
            .contains(&profile.charging_schedule.charging_rate_unit)
        {
            return ChargingProfileStatus::NotSupported;
        }
        if profile.valid_to.is_some_and(|to| to <= ctx.now) {
            return ChargingProfileStatus::Rejected;
        }
        if profile.charging_profile_purpose == ChargingProfilePurpose::TxProfile {
            // §3.13.1: only with a transaction running on the connector; §5.16: the
            // transactionId, when given, must be that transaction's.
            let Some(tx) = ctx.transaction else {
                return ChargingProfileStatus::Rejected;
            };
            if profile.transaction_id.is_some() && profile.transaction_id != tx.id {
                return ChargingProfileStatus::Rejected;
            }
        }
        self.remove_expired(ctx.now);
        let replaced = |p: &InstalledProfile| {
            p.profile.charging_profile_id == profile.charging_profile_id
                || (p.connector == connector
                    && p.profile.charging_profile_purpose == profile.charging_profile_purpose
                    && p.profile.stack_level == profile.stack_level)
        };
        let kept = self.profiles.iter().filter(|p| !replaced(p)).count();
        if kept >= N {
            return ChargingProfileStatus::Rejected;
        }
        self.profiles.retain(|p| !replaced(p));
        match self.profiles.push(InstalledProfile { connector, profile }) {
            Ok(()) => ChargingProfileStatus::Accepted,
            // Unreachable: a slot was checked to be free.
            Err(_) => ChargingProfileStatus::Rejected,
        }
    }

    /// ClearChargingProfile.req (§5.5, §6.13, errata 3.25/3.26): with `id`, clears the profile
    /// with that id (the other fields are ignored); otherwise every profile matching all given
    /// fields (all profiles when none is given). Accepted when at least one was cleared, Unknown
    /// otherwise. Persist the store after Accepted.
    pub fn clear(&mut self, req: &ClearChargingProfileRequest) -> ClearChargingProfileStatus {
        let before = self.profiles.len();
        if let Some(id) = req.id {
            self.profiles
                .retain(|p| p.profile.charging_profile_id != id);
        } else {
            self.profiles.retain(|p| {
                let matches = req.connector_id.is_none_or(|c| c == p.connector)
                    && req
                        .charging_profile_purpose
                        .is_none_or(|purpose| purpose == p.profile.charging_profile_purpose)
                    && req.stack_level.is_none_or(|l| l == p.profile.stack_level);
                !matches
            });
        }
        if self.profiles.len() < before {
            ClearChargingProfileStatus::Accepted
        } else {
            ClearChargingProfileStatus::Unknown
        }
    }

    /// The transaction on `connector` ended: its TxProfiles are removed (§3.13.1 "after the
    /// transaction is stopped, the profile SHOULD be deleted"; §7.10 "SHALL cease to be valid").
    /// Also call it after restoring the store for every connector without a running
    /// transaction. Returns whether anything was removed (then persist the store).
    pub fn transaction_ended(&mut self, connector: ConnectorId) -> bool {
        let before = self.profiles.len();
        self.profiles.retain(|p| {
            p.connector != connector
                || p.profile.charging_profile_purpose != ChargingProfilePurpose::TxProfile
        });
        self.profiles.len() < before
    }

    /// Removes the profiles whose `validTo` is at or before `now`: they will never apply again.
    /// Returns whether anything was removed.
    pub fn remove_expired(&mut self, now: DateTime) -> bool {
        let before = self.profiles.len();
        self.profiles
            .retain(|p| p.profile.valid_to.is_none_or(|to| to > now));
        self.profiles.len() < before
    }
}

/// The checks of a profile on `connector` that depend neither on the time, the transaction nor
/// the settings: what every installed profile satisfies (also checked when decoding).
pub(super) fn check_structure(connector: ConnectorId, p: &ChargingProfile) -> bool {
    let s = &p.charging_schedule;
    let purpose_ok = match p.charging_profile_purpose {
        ChargingProfilePurpose::ChargePointMaxProfile => {
            connector == 0
                && p.transaction_id.is_none()
                && p.charging_profile_kind != ChargingProfileKind::Relative
        }
        ChargingProfilePurpose::TxDefaultProfile => p.transaction_id.is_none(),
        ChargingProfilePurpose::TxProfile => connector > 0,
    };
    let kind_ok = match p.charging_profile_kind {
        ChargingProfileKind::Absolute => s.start_schedule.is_some() && p.recurrency_kind.is_none(),
        ChargingProfileKind::Recurring => s.start_schedule.is_some() && p.recurrency_kind.is_some(),
        ChargingProfileKind::Relative => p.recurrency_kind.is_none(),
    };
    let validity_ok = match (p.valid_from, p.valid_to) {
        (Some(from), Some(to)) => from < to,
        _ => true,
    };
    let periods_ok = s
        .charging_schedule_period
        .first()
        .is_some_and(|first| first.start_period == 0)
        && s.charging_schedule_period
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.start_period < b.start_period))
        && s.charging_schedule_period.iter().all(|period| {
            period.limit.tenths() >= 0 && period.number_phases.is_none_or(|n| (1..=3).contains(&n))
        });
    purpose_ok
        && kind_ok
        && validity_ok
        && periods_ok
        && (0..=MAX_STACK_LEVEL).contains(&p.stack_level)
        && s.duration.is_none_or(|d| d > 0)
        && s.min_charging_rate.is_none_or(|m| m.tenths() >= 0)
}
