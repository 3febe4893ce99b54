//! The installed profiles: SetChargingProfile, ClearChargingProfile, end of transaction.

use super::{InstalledProfile, MAX_STACK_LEVEL, SetContext, Settings};
use crate::limits::{MAX_CHARGING_PROFILES_INSTALLED, PROFILE_PERIODS_POOL};
use crate::types::{DateTime, Decimal, List, ListOf, Slots, ZeroNone};
use crate::v16::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingProfileStatus,
    ChargingRateUnit, ChargingSchedule, ChargingSchedulePeriod, ClearChargingProfileRequest,
    ClearChargingProfileStatus, ConnectorId, RecurrencyKind,
};

/// A charging schedule period as the store holds it: 12 bytes instead of the message's 16
/// (`numberPhases` is 1..=3 once installed, so a byte holds it, 0 for "not given").
///
/// Public only so that a [`Limits`](crate::charge_point::Limits) type can name the pool,
/// `[Period; N]`; its content is the store's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    #[allow(clippy::struct_field_names)] // The message's name.
    pub(super) start_period: i32,
    pub(super) limit: Decimal,
    pub(super) phases: u8,
}

impl Period {
    const ZERO: Period = Period {
        start_period: 0,
        limit: Decimal::ZERO,
        phases: 0,
    };

    /// `numberPhases` as the message has it.
    pub(super) fn number_phases(self) -> Option<i16> {
        (self.phases != 0).then_some(i16::from(self.phases))
    }

    fn of(q: &ChargingSchedulePeriod) -> Period {
        Period {
            start_period: q.start_period,
            limit: q.limit,
            // `check_structure` admits 1..=3 only.
            phases: q
                .number_phases
                .and_then(|n| u8::try_from(n).ok())
                .unwrap_or(0),
        }
    }

    fn message(self) -> ChargingSchedulePeriod {
        ChargingSchedulePeriod {
            start_period: self.start_period,
            limit: self.limit,
            number_phases: self.number_phases(),
        }
    }
}

/// A `ChargingSchedule` without its periods, which live in the store's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScheduleHead {
    pub(super) duration: Option<i32>,
    pub(super) start_schedule: Option<DateTime>,
    pub(super) charging_rate_unit: ChargingRateUnit,
    pub(super) min_charging_rate: Option<Decimal>,
    /// Where its periods start in the pool, and how many there are.
    pub(super) first: u16,
    pub(super) len: u8,
}

/// A `ChargingProfile` without its periods (the field names are the message's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProfileHead {
    pub(super) charging_profile_id: i32,
    pub(super) transaction_id: Option<i32>,
    pub(super) stack_level: i32,
    pub(super) charging_profile_purpose: ChargingProfilePurpose,
    pub(super) charging_profile_kind: ChargingProfileKind,
    pub(super) recurrency_kind: Option<RecurrencyKind>,
    pub(super) valid_from: Option<DateTime>,
    pub(super) valid_to: Option<DateTime>,
    pub(super) charging_schedule: ScheduleHead,
}

impl ProfileHead {
    /// The head of `profile`, its periods at `first..first + len` of the pool.
    fn of(profile: &ChargingProfile, first: u16, len: u8) -> ProfileHead {
        let s = &profile.charging_schedule;
        ProfileHead {
            charging_profile_id: profile.charging_profile_id,
            transaction_id: profile.transaction_id,
            stack_level: profile.stack_level,
            charging_profile_purpose: profile.charging_profile_purpose,
            charging_profile_kind: profile.charging_profile_kind,
            recurrency_kind: profile.recurrency_kind,
            valid_from: profile.valid_from,
            valid_to: profile.valid_to,
            charging_schedule: ScheduleHead {
                duration: s.duration,
                start_schedule: s.start_schedule,
                charging_rate_unit: s.charging_rate_unit,
                min_charging_rate: s.min_charging_rate,
                first,
                len,
            },
        }
    }
}

/// An installed profile as the store holds it (its periods are in the pool).
///
/// Public only so that a [`Limits`](crate::charge_point::Limits) type can name the slots,
/// `List<Stored, N>`; its content is the store's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub(super) connector: ConnectorId,
    pub(super) profile: ProfileHead,
}

/// A [`ProfileStore`] of `N` profiles and `P` periods (arrays, as a [`Limits`](crate::charge_point::Limits)
/// type names them).
pub type ProfileStoreOf<const N: usize, const P: usize = PROFILE_PERIODS_POOL> =
    ProfileStore<List<Stored, N>, [Period; P]>;

/// The charging profiles installed on a charge point, at most `N` (the capacity of `Ps`,
/// `MaxChargingProfilesInstalled`, §9.4.5) with at most `P` (the length of `Pp`) periods between them, and the
/// evaluation of their limits.
///
/// Why a pool of periods: a profile may have
/// [`CHARGING_SCHEDULE_MAX_PERIODS`](crate::limits::CHARGING_SCHEDULE_MAX_PERIODS) periods
/// (`ChargingScheduleMaxPeriods`, §9.4.3), but `N` profiles of that many (7 KB for 8 of 48) is
/// what no central system sends: a ChargePointMaxProfile and a TxDefaultProfile have a few
/// periods, a day in half hours 48. The profiles keep their fixed fields in `N` small slots and
/// share `P` periods of 12 bytes. A SetChargingProfile that would need more periods than are
/// free (after the profile it replaces is removed) is Rejected (§5.16: the profile could not
/// be installed), like one beyond `N` profiles.
///
/// See the [module documentation](super) for how each rule of the spec is read.
#[derive(Debug, Clone)]
pub struct ProfileStore<
    Ps: ListOf<Stored> = List<Stored, MAX_CHARGING_PROFILES_INSTALLED>,
    Pp: Slots<Period> = [Period; PROFILE_PERIODS_POOL],
> {
    pub(super) settings: Settings,
    pub(super) profiles: Ps,
    /// The periods of `profiles`, packed in their order from the front; those of `parked` at
    /// the back.
    pub(super) periods: Pp,
    /// The TxProfile that came with a RemoteStartTransaction, parked until the transaction it
    /// asked for starts (see [`ProfileStore::park`]): its fixed fields here, its periods at the
    /// end of the pool (`first` is `P - len`).
    pub(super) parked: Option<ZeroNone<Stored>>,
}

impl<Ps: ListOf<Stored>, Pp: Slots<Period>> PartialEq for ProfileStore<Ps, Pp> {
    fn eq(&self, other: &Self) -> bool {
        self.settings == other.settings
            && self.profiles[..] == other.profiles[..]
            && self.periods.as_ref().get(..self.used())
                == other.periods.as_ref().get(..other.used())
            && self.parked == other.parked
            && self.parked.as_ref().map(|p| self.periods_of(&p.profile))
                == other.parked.as_ref().map(|p| other.periods_of(&p.profile))
    }
}

impl<Ps: ListOf<Stored>, Pp: Slots<Period>> Eq for ProfileStore<Ps, Pp> {}

impl<Ps: ListOf<Stored>, Pp: Slots<Period>> ProfileStore<Ps, Pp> {
    /// An empty store (const: `ProfileStore::new(Settings::DEFAULT)` can initialise a `static`).
    pub const fn new(settings: Settings) -> Self {
        const {
            assert!(
                Pp::LEN <= u16::MAX as usize,
                "Pp: the pool is indexed by a u16"
            );
            assert!(
                Ps::CAPACITY <= MAX_CHARGING_PROFILES_INSTALLED,
                "Ps: at most MAX_CHARGING_PROFILES_INSTALLED (the evaluation's scratch)"
            );
        }
        ProfileStore {
            settings,
            profiles: Ps::EMPTY,
            periods: Pp::EMPTY,
            parked: None,
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
        self.parked = None;
    }

    /// Replaces the settings (the installed profiles stay).
    pub fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// The installed profiles, in the order they were installed (each rebuilt from the store's
    /// compact form).
    pub fn iter(&self) -> impl Iterator<Item = InstalledProfile> + '_ {
        self.profiles.iter().map(|p| self.installed(p))
    }

    /// The number of installed profiles.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether no profile is installed.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Periods in use by the installed profiles, of `P` (a parked profile's are not counted).
    pub fn periods_used(&self) -> usize {
        self.used()
    }

    /// The periods the parked profile takes at the end of the pool.
    fn parked_len(&self) -> usize {
        self.parked
            .as_ref()
            .map_or(0, |p| usize::from(p.profile.charging_schedule.len))
    }

    /// Parks `profile`, the TxProfile of a RemoteStartTransaction for `connector`, until the
    /// transaction starts ([`ProfileStore::take_parked`]), replacing the one parked before: its
    /// periods at the end of the pool, so that the profile costs a slot's RAM, not a whole
    /// message's. `Err` when its periods do not fit in the pool beside the installed
    /// profiles' (the RemoteStartTransaction is Rejected then); nothing is parked then.
    ///
    /// A profile that [`ProfileStore::set`] would refuse for its structure whatever the time
    /// (see `check_structure`) is not parked either, but `Ok`: installing it would be Rejected
    /// when the transaction starts, the same outcome as before parking existed.
    #[cfg_attr(not(feature = "profile-smart-charging"), allow(dead_code))]
    pub(crate) fn park(
        &mut self,
        connector: ConnectorId,
        profile: &ChargingProfile,
    ) -> Result<(), ()> {
        self.parked = None;
        if !check_structure(connector, profile) {
            return Ok(());
        }
        let s = &profile.charging_schedule;
        let periods = &s.charging_schedule_period;
        let len = periods.len();
        let first = Pp::LEN.checked_sub(len).ok_or(())?;
        let (Ok(first16), Ok(len8)) = (u16::try_from(first), u8::try_from(len)) else {
            return Err(());
        };
        if self.used() + len > Pp::LEN {
            return Err(());
        }
        for (slot, q) in self
            .periods
            .as_mut()
            .iter_mut()
            .skip(first)
            .zip(periods.iter())
        {
            *slot = Period::of(q);
        }
        self.parked = Some(ZeroNone::new(Stored {
            connector,
            profile: ProfileHead::of(profile, first16, len8),
        }));
        Ok(())
    }

    /// The profile parked for `connector`, taken out of the store (its periods freed); `None`
    /// when none is parked or it is for another connector (it stays then).
    #[cfg_attr(not(feature = "profile-smart-charging"), allow(dead_code))]
    pub(crate) fn take_parked(&mut self, connector: ConnectorId) -> Option<ChargingProfile> {
        let parked = self.parked.take_if(|p| p.connector == connector)?;
        Some(self.installed(&parked).profile)
    }

    /// Forgets the parked profile, if any.
    #[cfg_attr(not(feature = "profile-smart-charging"), allow(dead_code))]
    pub(crate) fn unpark(&mut self) {
        self.parked = None;
    }

    /// The installed profile with `charging_profile_id`.
    pub fn get(&self, charging_profile_id: i32) -> Option<InstalledProfile> {
        self.profiles
            .iter()
            .find(|p| p.profile.charging_profile_id == charging_profile_id)
            .map(|p| self.installed(p))
    }

    fn used(&self) -> usize {
        self.profiles
            .iter()
            .map(|p| usize::from(p.profile.charging_schedule.len))
            .sum()
    }

    /// The periods of `p`.
    pub(super) fn periods_of(&self, p: &ProfileHead) -> &[Period] {
        let s = &p.charging_schedule;
        let first = usize::from(s.first);
        self.periods
            .as_ref()
            .get(first..first + usize::from(s.len))
            .unwrap_or_default()
    }

    /// `p` as the message has it.
    fn installed(&self, p: &Stored) -> InstalledProfile {
        let h = &p.profile;
        let s = &h.charging_schedule;
        InstalledProfile {
            connector: p.connector,
            profile: ChargingProfile {
                charging_profile_id: h.charging_profile_id,
                transaction_id: h.transaction_id,
                stack_level: h.stack_level,
                charging_profile_purpose: h.charging_profile_purpose,
                charging_profile_kind: h.charging_profile_kind,
                recurrency_kind: h.recurrency_kind,
                valid_from: h.valid_from,
                valid_to: h.valid_to,
                charging_schedule: ChargingSchedule {
                    duration: s.duration,
                    start_schedule: s.start_schedule,
                    charging_rate_unit: s.charging_rate_unit,
                    // At most CHARGING_SCHEDULE_MAX_PERIODS: `push` took them from a list.
                    charging_schedule_period: List::try_from_iter(
                        self.periods_of(h).iter().map(|q| q.message()),
                    )
                    .unwrap_or_default(),
                    min_charging_rate: s.min_charging_rate,
                },
            },
        }
    }

    /// Appends `profile` (checked) for `connector`; gives it back when `N` profiles or `P`
    /// periods are taken.
    pub(super) fn push(
        &mut self,
        connector: ConnectorId,
        profile: &ChargingProfile,
    ) -> Result<(), ()> {
        let s = &profile.charging_schedule;
        let first = self.used();
        let periods = &s.charging_schedule_period;
        let (Ok(first16), Ok(len)) = (u16::try_from(first), u8::try_from(periods.len())) else {
            return Err(());
        };
        if self.profiles.len() >= Ps::CAPACITY
            || first + periods.len() + self.parked_len() > Pp::LEN
        {
            return Err(());
        }
        for (slot, q) in self
            .periods
            .as_mut()
            .iter_mut()
            .skip(first)
            .zip(periods.iter())
        {
            *slot = Period::of(q);
        }
        let head = ProfileHead::of(profile, first16, len);
        self.profiles
            .push(Stored {
                connector,
                profile: head,
            })
            .map_err(|_| ())
    }

    /// Keeps the profiles `keep` accepts, packing their periods again.
    fn retain(&mut self, mut keep: impl FnMut(&Stored) -> bool) {
        self.profiles.retain(|p| keep(p));
        let mut at = 0usize;
        for p in self.profiles.as_mut_slice() {
            let s = &mut p.profile.charging_schedule;
            let first = usize::from(s.first);
            let len = usize::from(s.len);
            self.periods.as_mut().copy_within(first..first + len, at);
            // `at` <= `first` < P <= u16::MAX.
            s.first = u16::try_from(at).unwrap_or(u16::MAX);
            at += len;
        }
    }

    /// SetChargingProfile.req (§5.16): validates `profile` for `connector` and installs it,
    /// replacing the profiles with the same chargingProfileId and the one with the same
    /// stackLevel and purpose on the same connector. `ctx` gives the time and the transaction
    /// running on `connector`.
    ///
    /// NotSupported when the schedule's chargingRateUnit is not allowed; Rejected for any other
    /// refusal (see the module documentation); nothing changes unless Accepted, except that
    /// profiles whose `validTo` has passed are dropped. Persist the store after Accepted.
    #[allow(clippy::needless_pass_by_value)] // Installed: given, not lent (the API stays).
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
        let replaced = |p: &ProfileHead, on: ConnectorId| {
            p.charging_profile_id == profile.charging_profile_id
                || (on == connector
                    && p.charging_profile_purpose == profile.charging_profile_purpose
                    && p.stack_level == profile.stack_level)
        };
        let kept = self
            .profiles
            .iter()
            .filter(|p| !replaced(&p.profile, p.connector));
        let (kept, kept_periods) = kept.fold((0, 0), |(n, q), p| {
            (n + 1, q + usize::from(p.profile.charging_schedule.len))
        });
        let needed = profile.charging_schedule.charging_schedule_period.len();
        if kept >= Ps::CAPACITY || kept_periods + needed + self.parked_len() > Pp::LEN {
            return ChargingProfileStatus::Rejected;
        }
        self.retain(|p| !replaced(&p.profile, p.connector));
        match self.push(connector, &profile) {
            Ok(()) => ChargingProfileStatus::Accepted,
            // Unreachable: a slot and the periods were checked to be free.
            Err(()) => ChargingProfileStatus::Rejected,
        }
    }

    /// ClearChargingProfile.req (§5.5, §6.13, errata 3.25/3.26): with `id`, clears the profile
    /// with that id (the other fields are ignored); otherwise every profile matching all given
    /// fields (all profiles when none is given). Accepted when at least one was cleared, Unknown
    /// otherwise. Persist the store after Accepted.
    pub fn clear(&mut self, req: &ClearChargingProfileRequest) -> ClearChargingProfileStatus {
        let before = self.profiles.len();
        if let Some(id) = req.id {
            self.retain(|p| p.profile.charging_profile_id != id);
        } else {
            self.retain(|p| {
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
        self.retain(|p| {
            p.connector != connector
                || p.profile.charging_profile_purpose != ChargingProfilePurpose::TxProfile
        });
        self.profiles.len() < before
    }

    /// Removes the profiles whose `validTo` is at or before `now`: they will never apply again.
    /// Returns whether anything was removed.
    pub fn remove_expired(&mut self, now: DateTime) -> bool {
        let before = self.profiles.len();
        self.retain(|p| p.profile.valid_to.is_none_or(|to| to > now));
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

impl<const N: usize> Slots<Period> for [Period; N] {
    const EMPTY: Self = [Period::ZERO; N];
    const LEN: usize = N;
}
