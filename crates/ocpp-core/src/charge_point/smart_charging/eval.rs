//! Evaluation: the limit at an instant, the next instant it may change, the composite schedule.

use super::store::{Period, ProfileHead, Stored};
use super::{Limit, ProfileStore, TxInfo};
use crate::limits::{CHARGING_SCHEDULE_MAX_PERIODS, MAX_CHARGING_PROFILES_INSTALLED};
use crate::types::{DateTime, Decimal, List, ListOf, Slots};
use crate::v16::{
    ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit, ChargingSchedule,
    ChargingSchedulePeriod, ConnectorId, RecurrencyKind,
};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// The most boundaries [`ProfileStore::composite_schedule`] walks through. A schedule whose
/// limit stays the same across very many boundaries (a daily profile asked about for decades)
/// is cut there, like one with too many periods: its `duration` ends where the walk stopped.
/// This bounds the work a single GetCompositeSchedule.req can cause.
pub const COMPOSITE_MAX_STEPS: usize = 8192;

/// What a profile counts as for a connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    /// A ChargePointMaxProfile.
    Max,
    /// A TxProfile of the running transaction.
    Tx,
    /// A TxDefaultProfile that applies to the connector.
    Default,
}

/// The length of a Recurring profile's recurrence, in milliseconds.
fn recurrence_ms(p: &ProfileHead) -> Option<i64> {
    match p.recurrency_kind? {
        RecurrencyKind::Daily => Some(DAY_MS),
        RecurrencyKind::Weekly => Some(WEEK_MS),
    }
}

/// Milliseconds of `seconds`.
fn ms(seconds: i32) -> i64 {
    i64::from(seconds) * 1000
}

/// Whether `t` lies within the profile's validity (`validFrom <= t < validTo`).
fn is_valid(p: &ProfileHead, t: i64) -> bool {
    p.valid_from.is_none_or(|from| from.unix_millis() <= t)
        && p.valid_to.is_none_or(|to| t < to.unix_millis())
}

/// The schedule instance that starts at or before `t` (for Absolute and Relative profiles the
/// only one, whenever it starts): its start and its exclusive end (`None` = forever).
fn schedule_at(p: &ProfileHead, t: i64, tx: Option<TxInfo>) -> Option<(i64, Option<i64>)> {
    let duration = p.charging_schedule.duration.map(ms);
    let start = match p.charging_profile_kind {
        ChargingProfileKind::Absolute => p.charging_schedule.start_schedule?.unix_millis(),
        ChargingProfileKind::Relative => tx?.start.unix_millis(),
        ChargingProfileKind::Recurring => {
            let first = p.charging_schedule.start_schedule?.unix_millis();
            let every = recurrence_ms(p)?;
            if t < first {
                return None;
            }
            let start = first + (t - first).div_euclid(every) * every;
            // Errata 3.43/3.44: nothing beyond the recurrence period is executed.
            let length = duration.map_or(every, |d| d.min(every));
            return Some((start, Some(start + length)));
        }
    };
    Some((start, duration.map(|d| start.saturating_add(d))))
}

/// The period of `p` in force at `t`, if `p` is active then.
fn period_at<'a>(
    p: &ProfileHead,
    periods: &'a [Period],
    t: i64,
    tx: Option<TxInfo>,
) -> Option<&'a Period> {
    if !is_valid(p, t) {
        return None;
    }
    let (start, end) = schedule_at(p, t, tx)?;
    if t < start || end.is_some_and(|end| t >= end) {
        return None;
    }
    let offset = t - start;
    let after = periods.partition_point(|q| ms(q.start_period) <= offset);
    periods.get(after.checked_sub(1)?)
}

/// `best` becomes `x` when `x` is after `t` and before `best`.
fn earliest(best: &mut Option<i64>, t: i64, x: i64) {
    if x > t && best.is_none_or(|b| x < b) {
        *best = Some(x);
    }
}

/// The first period start after `t` (within the schedule) and the schedule end, into `best`.
fn schedule_edges(
    periods: &[Period],
    (start, end): (i64, Option<i64>),
    t: i64,
    best: &mut Option<i64>,
) {
    let next = periods.partition_point(|q| start + ms(q.start_period) <= t);
    if let Some(q) = periods.get(next) {
        let x = start + ms(q.start_period);
        if end.is_none_or(|end| x < end) {
            earliest(best, t, x);
        }
    }
    if let Some(end) = end {
        earliest(best, t, end);
    }
}

/// The first instant after `t` at which whether `p` is active, or its period, may change.
fn next_edge(p: &ProfileHead, periods: &[Period], t: i64, tx: Option<TxInfo>) -> Option<i64> {
    let mut best = None;
    if let Some(from) = p.valid_from {
        earliest(&mut best, t, from.unix_millis());
    }
    if let Some(to) = p.valid_to {
        earliest(&mut best, t, to.unix_millis());
    }
    if p.charging_profile_kind == ChargingProfileKind::Recurring {
        if let (Some(first), Some(every)) = (p.charging_schedule.start_schedule, recurrence_ms(p)) {
            match schedule_at(p, t, tx) {
                Some(window) => {
                    schedule_edges(periods, window, t, &mut best);
                    earliest(&mut best, t, window.0 + every);
                }
                None => earliest(&mut best, t, first.unix_millis()),
            }
        }
    } else if let Some(window) = schedule_at(p, t, tx) {
        schedule_edges(periods, window, t, &mut best);
    }
    best
}

/// Watts (in tenths) of `limit` at `phases`, for comparing limits in different units. Exact in
/// `i64` for the phases a profile can hold (1 to 3); saturating for any other (an integrator's
/// [`Settings::unconstrained`](super::Settings::unconstrained)), never overflowing.
fn watt_tenths(limit: &Limit, phases: i16, line_voltage: u16) -> i64 {
    let tenths = i64::from(limit.value.tenths());
    match limit.unit {
        ChargingRateUnit::W => tenths,
        ChargingRateUnit::A => tenths
            .saturating_mul(i64::from(line_voltage.max(1)))
            .saturating_mul(i64::from(phases.max(1))),
    }
}

/// The lower of the ChargePointMaxProfile's limit and the transaction's (see "Units" in the
/// module documentation); on a tie the transaction's.
fn combine(max: Option<Limit>, tx: Option<Limit>, line_voltage: u16) -> Option<Limit> {
    match (max, tx) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one),
        (Some(max), Some(tx)) => {
            let phases = max.phases().min(tx.phases());
            let number_phases =
                (max.number_phases.is_some() || tx.number_phases.is_some()).then_some(phases);
            let lower = if watt_tenths(&max, phases, line_voltage)
                < watt_tenths(&tx, phases, line_voltage)
            {
                max
            } else {
                tx
            };
            Some(Limit {
                number_phases,
                ..lower
            })
        }
    }
}

/// §3.13.3: "the limit value of ChargePointMaxProfile is the limit for all connectors combined.
/// The combined energy flow of all connectors SHALL NOT be greater than the limit set by
/// ChargePointMaxProfile." Given the cap `max` and, per connector, its own limit (`own`, from its
/// TxProfile or TxDefaultProfile) and whether it draws (`drawing`: a transaction runs there),
/// writes each connector's limit into `out`.
///
/// The cap is shared among the drawing connectors by water-filling, compared in watts at each
/// pair's fewest phases: a connector whose own limit is below an equal share keeps its own, and
/// what it leaves goes to the others in equal parts. A drawing connector's limit is then the
/// lower of its share and its own limit; a connector that does not draw gets the plain minimum
/// of the cap and its own limit (what a transaction starting alone there would get; nothing
/// flows meanwhile). With no cap, every connector keeps its own limit. Shares are written in the
/// cap's unit, rounded down to the tenth, so their sum never exceeds the cap.
pub fn share_max(
    max: Option<Limit>,
    own: &[Option<Limit>],
    drawing: &[bool],
    line_voltage: u16,
    out: &mut [Option<Limit>],
) {
    for ((o, own), _) in out.iter_mut().zip(own).zip(drawing) {
        *o = combine(max, *own, line_voltage);
    }
    let Some(max) = max else {
        return;
    };
    let phases_of =
        |own: &Option<Limit>| own.map_or(max.phases(), |o| max.phases().min(o.phases()));
    // Watts each drawing connector may take on its own (None: unlimited), in tenths.
    let wants = |i: usize| -> Option<i64> {
        let own = own.get(i).copied().flatten()?;
        Some(watt_tenths(&own, phases_of(&Some(own)), line_voltage))
    };
    let mut budget = watt_tenths(&max, max.phases(), line_voltage);
    let mut left = drawing.iter().filter(|d| **d).count() as i64;
    let mut done = 0u64;
    while left > 0 {
        // The drawing connector that wants least (unlimited ones last).
        let next = (0..drawing.len().min(64))
            .filter(|&i| drawing.get(i) == Some(&true) && done & (1 << i) == 0)
            .min_by_key(|&i| wants(i).unwrap_or(i64::MAX));
        let Some(i) = next else {
            break;
        };
        done |= 1 << i;
        let share = budget.max(0) / left;
        left -= 1;
        let wanted = wants(i);
        if wanted.is_some_and(|w| w <= share) {
            budget -= wanted.unwrap_or(0);
            continue;
        }
        budget -= share;
        let phases = phases_of(&own.get(i).copied().flatten());
        let unit = max.unit;
        let value = match unit {
            ChargingRateUnit::W => Decimal::from_tenths(share.min(i64::from(i32::MAX)) as i32),
            ChargingRateUnit::A => Decimal::from_tenths(share.min(i64::from(i32::MAX)) as i32)
                .div_int_floor(i64::from(line_voltage.max(1)) * i64::from(phases.max(1))),
        };
        let number_phases = (max.number_phases.is_some()
            || own
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|o| o.number_phases.is_some()))
        .then_some(phases);
        if let Some(o) = out.get_mut(i) {
            *o = Some(Limit {
                value,
                unit,
                number_phases,
            });
        }
    }
}

/// Seconds from `from` to `to` (milliseconds, `to > from`), rounded up.
fn ceil_seconds(from: i64, to: i64) -> i64 {
    (to - from + 999).div_euclid(1000)
}

impl<Ps: ListOf<Stored>, Pp: Slots<Period>> ProfileStore<Ps, Pp> {
    /// For each installed profile, what it counts as on `connector` with `tx` running (`None`:
    /// it does not apply there).
    fn groups(
        &self,
        connector: ConnectorId,
        tx: Option<TxInfo>,
    ) -> [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED] {
        let mut groups = [None; MAX_CHARGING_PROFILES_INSTALLED];
        for (slot, installed) in groups.iter_mut().zip(self.profiles.iter()) {
            let p = &installed.profile;
            *slot = match p.charging_profile_purpose {
                ChargingProfilePurpose::ChargePointMaxProfile => {
                    (installed.connector == 0).then_some(Group::Max)
                }
                ChargingProfilePurpose::TxProfile => (connector != 0
                    && installed.connector == connector
                    && tx.is_some_and(|tx| p.transaction_id.is_none_or(|id| Some(id) == tx.id)))
                .then_some(Group::Tx),
                ChargingProfilePurpose::TxDefaultProfile => {
                    let own = installed.connector == connector;
                    // Connector 0's default, unless the connector has its own on that level.
                    let inherited = installed.connector == 0
                        && !self.profiles.iter().any(|other| {
                            other.connector == connector
                                && other.profile.charging_profile_purpose
                                    == ChargingProfilePurpose::TxDefaultProfile
                                && other.profile.stack_level == p.stack_level
                        });
                    (own || inherited).then_some(Group::Default)
                }
            };
        }
        groups
    }

    /// The limit of the prevailing (highest stackLevel, active) profile of `group` at `t`.
    fn prevailing(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        group: Group,
        t: i64,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        self.prevailing_with(groups, group, t, tx, |p, period| Limit {
            value: period.limit,
            unit: p.charging_schedule.charging_rate_unit,
            number_phases: period.number_phases(),
        })
    }

    /// `read` of the prevailing (highest stackLevel, active) profile of `group` at `t` and its
    /// period in force.
    fn prevailing_with<T>(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        group: Group,
        t: i64,
        tx: Option<TxInfo>,
        read: impl Fn(&ProfileHead, &Period) -> T,
    ) -> Option<T> {
        let mut best: Option<(i32, T)> = None;
        for (installed, g) in self.profiles.iter().zip(groups.iter()) {
            if *g != Some(group) {
                continue;
            }
            let p = &installed.profile;
            if best
                .as_ref()
                .is_some_and(|(level, _)| p.stack_level <= *level)
            {
                continue;
            }
            if let Some(period) = period_at(p, self.periods_of(p), t, tx) {
                best = Some((p.stack_level, read(p, period)));
            }
        }
        best.map(|(_, value)| value)
    }

    /// The `minChargingRate` of the transaction's prevailing schedule at `t` (its TxProfile, else
    /// its TxDefaultProfile), as a limit in that schedule's unit.
    fn min_rate_at(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        t: i64,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        let rate = |p: &ProfileHead, _: &Period| {
            p.charging_schedule.min_charging_rate.map(|value| Limit {
                value,
                unit: p.charging_schedule.charging_rate_unit,
                number_phases: None,
            })
        };
        self.prevailing_with(groups, Group::Tx, t, tx, rate)
            .or_else(|| self.prevailing_with(groups, Group::Default, t, tx, rate))
            .flatten()
    }

    fn limit_with(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        t: i64,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        let max = self.prevailing(groups, Group::Max, t, tx);
        combine(
            max,
            self.own_limit_with(groups, t, tx),
            self.settings.line_voltage,
        )
    }

    /// The prevailing TxProfile's limit, else the TxDefaultProfile's (§3.13.1).
    fn own_limit_with(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        t: i64,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        self.prevailing(groups, Group::Tx, t, tx)
            .or_else(|| self.prevailing(groups, Group::Default, t, tx))
    }

    fn next_with(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        t: i64,
        tx: Option<TxInfo>,
    ) -> Option<i64> {
        let mut best = None;
        for (installed, g) in self.profiles.iter().zip(groups.iter()) {
            if g.is_some() {
                let p = &installed.profile;
                if let Some(x) = next_edge(p, self.periods_of(p), t, tx) {
                    earliest(&mut best, t, x);
                }
            }
        }
        best
    }

    /// The limit on `connector` at `instant` with `tx` running there (`None`: no transaction),
    /// or `None` when no profile limits it. Connector 0 gives the charge point's own limit (see
    /// the module documentation). The value is in the unit of the profile that sets it.
    pub fn limit_at(
        &self,
        connector: ConnectorId,
        instant: DateTime,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        let groups = self.groups(connector, tx);
        self.limit_with(groups, instant.unix_millis(), tx)
    }

    /// The prevailing ChargePointMaxProfile's limit at `instant`: the cap on all connectors
    /// combined (§3.13.3), `None` when none is in force.
    pub fn max_limit_at(&self, instant: DateTime) -> Option<Limit> {
        let groups = self.groups(0, None);
        self.prevailing(groups, Group::Max, instant.unix_millis(), None)
    }

    /// The limit of `connector`'s own purposes at `instant` with `tx` running there: the
    /// prevailing TxProfile, else TxDefaultProfile, without the ChargePointMaxProfile (which
    /// [`share_max`] divides among the connectors).
    pub fn own_limit_at(
        &self,
        connector: ConnectorId,
        instant: DateTime,
        tx: Option<TxInfo>,
    ) -> Option<Limit> {
        let groups = self.groups(connector, tx);
        self.own_limit_with(groups, instant.unix_millis(), tx)
    }

    /// The first instant after `instant` at which [`ProfileStore::limit_at`] may give another
    /// answer (a period boundary, a validity edge, a schedule's start or end, a recurrence):
    /// the limit is the same throughout `[instant, result)`. `None` when it never changes (as
    /// long as the installed profiles and the transaction stay the same).
    pub fn next_change_after(
        &self,
        connector: ConnectorId,
        instant: DateTime,
        tx: Option<TxInfo>,
    ) -> Option<DateTime> {
        let groups = self.groups(connector, tx);
        self.next_with(groups, instant.unix_millis(), tx)
            .and_then(DateTime::from_unix_millis)
    }

    /// The composite schedule of `connector` over `[start, start + duration_s)` for
    /// GetCompositeSchedule (§5.7, §6.22), in `unit` if given, with `tx` running on the
    /// connector. `None` (answer Rejected) for an unknown connector or a non-positive duration.
    /// See the module documentation for the unit, connector 0, sub-second boundaries and
    /// truncation.
    pub fn composite_schedule(
        &self,
        connector: ConnectorId,
        start: DateTime,
        duration_s: i32,
        unit: Option<ChargingRateUnit>,
        tx: Option<TxInfo>,
    ) -> Option<ChargingSchedule> {
        if connector > self.settings.connectors || duration_s <= 0 {
            return None;
        }
        let groups = self.groups(connector, tx);
        let from = start.unix_millis();
        let end = from + ms(duration_s);
        let unit = unit.unwrap_or_else(|| self.first_unit(groups, from, end, tx));
        let voltage = self.settings.line_voltage;

        let mut periods: List<ChargingSchedulePeriod, CHARGING_SCHEDULE_MAX_PERIODS> = List::new();
        let mut covered = duration_s;
        let mut t = from;
        let mut steps = 0;
        loop {
            let limit = self
                .limit_with(groups, t, tx)
                .unwrap_or(self.settings.unconstrained)
                .to_unit(unit, voltage);
            let offset = if t == from { 0 } else { ceil_seconds(from, t) };
            // Only a change in the last fraction of a second rounds up to the end.
            if offset < i64::from(duration_s) {
                let offset = offset as i32;
                if !push_period(&mut periods, offset, limit) {
                    covered = offset;
                    break;
                }
            }
            match self.next_with(groups, t, tx) {
                Some(next) if next < end => t = next,
                _ => break,
            }
            steps += 1;
            if steps >= COMPOSITE_MAX_STEPS {
                // `t` is a boundary not reported: the schedule ends there.
                covered = ceil_seconds(from, t).min(i64::from(duration_s)) as i32;
                periods.retain(|q| q.start_period < covered);
                break;
            }
        }
        // §7.13: the minimum rate the EV charges at, from the schedule that governs the
        // transaction at the start (a composite has one value for its whole duration).
        let min_charging_rate = self
            .min_rate_at(groups, from, tx)
            .map(|rate| rate.to_unit(unit, voltage).value);
        Some(ChargingSchedule {
            duration: Some(covered),
            start_schedule: None,
            charging_rate_unit: unit,
            charging_schedule_period: periods,
            min_charging_rate,
        })
    }

    /// The unit of the first profile that limits the connector in `[from, end)`, else the
    /// unit of [`super::Settings::unconstrained`].
    fn first_unit(
        &self,
        groups: [Option<Group>; MAX_CHARGING_PROFILES_INSTALLED],
        from: i64,
        end: i64,
        tx: Option<TxInfo>,
    ) -> ChargingRateUnit {
        let mut t = from;
        for _ in 0..COMPOSITE_MAX_STEPS {
            if let Some(limit) = self.limit_with(groups, t, tx) {
                return limit.unit;
            }
            match self.next_with(groups, t, tx) {
                Some(next) if next < end => t = next,
                _ => break,
            }
        }
        self.settings.unconstrained.unit
    }
}

/// Appends a period at `offset` seconds with `limit`, merging it into the previous period when
/// equal and replacing a previous one at the same second. `false` when the list is full.
fn push_period(
    periods: &mut List<ChargingSchedulePeriod, CHARGING_SCHEDULE_MAX_PERIODS>,
    offset: i32,
    limit: Limit,
) -> bool {
    let same = |q: &ChargingSchedulePeriod| {
        q.limit == limit.value && q.number_phases == limit.number_phases
    };
    if let Some(last) = periods.as_mut_slice().last_mut() {
        if last.start_period == offset {
            // Two changes within one second: the later one counts.
            last.limit = limit.value;
            last.number_phases = limit.number_phases;
            let len = periods.len();
            if len >= 2 && periods.get(len - 2).is_some_and(same) {
                periods.pop();
            }
            return true;
        }
        if same(last) {
            return true;
        }
    }
    periods
        .push(ChargingSchedulePeriod {
            start_period: offset,
            limit: limit.value,
            number_phases: limit.number_phases,
        })
        .is_ok()
}
