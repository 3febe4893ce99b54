//! Tests: the spec's examples and notes (§3.13, §5.16.4, errata), every validation rule,
//! ClearChargingProfile, persistence, and the composite schedule against `limit_at`.

use super::*;
use crate::v16::{
    ChargingProfileKind as Kind, ChargingProfilePurpose as Purpose,
    ChargingProfileStatus as Status, ChargingRateUnit as Unit, ChargingSchedule,
    ChargingSchedulePeriod, ClearChargingProfileRequest, ClearChargingProfileStatus,
    RecurrencyKind,
};
use std::vec::Vec;

type Store = ProfileStoreOf<8>;

fn dt(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

/// Test shorthand: the decimal nearest to `v` (floats only in tests; the crate has none).
fn d(v: f64) -> Decimal {
    Decimal::from_tenths((v * 10.0).round() as i32)
}

/// Test shorthand: `v` as a float, for short assertions.
fn f(v: Decimal) -> f64 {
    f64::from(v.tenths()) / 10.0
}

fn store() -> Store {
    Store::new(Settings::default())
}

/// A profile with periods `(startPeriod, limit)` and no numberPhases.
fn profile(
    id: i32,
    level: i32,
    purpose: Purpose,
    kind: Kind,
    unit: Unit,
    periods: &[(i32, f64)],
) -> ChargingProfile {
    ChargingProfile {
        charging_profile_id: id,
        transaction_id: None,
        stack_level: level,
        charging_profile_purpose: purpose,
        charging_profile_kind: kind,
        recurrency_kind: None,
        valid_from: None,
        valid_to: None,
        charging_schedule: ChargingSchedule {
            duration: None,
            start_schedule: None,
            charging_rate_unit: unit,
            charging_schedule_period: List::try_from_iter(periods.iter().map(|&(s, l)| {
                ChargingSchedulePeriod {
                    start_period: s,
                    limit: d(l),
                    number_phases: None,
                }
            }))
            .unwrap(),
            min_charging_rate: None,
        },
    }
}

/// An Absolute profile starting at `start`.
fn absolute(
    id: i32,
    level: i32,
    purpose: Purpose,
    start: &str,
    unit: Unit,
    periods: &[(i32, f64)],
) -> ChargingProfile {
    let mut p = profile(id, level, purpose, Kind::Absolute, unit, periods);
    p.charging_schedule.start_schedule = Some(dt(start));
    p
}

/// A Recurring profile starting at `start`.
fn recurring(
    id: i32,
    level: i32,
    purpose: Purpose,
    every: RecurrencyKind,
    start: &str,
    unit: Unit,
    periods: &[(i32, f64)],
) -> ChargingProfile {
    let mut p = profile(id, level, purpose, Kind::Recurring, unit, periods);
    p.recurrency_kind = Some(every);
    p.charging_schedule.start_schedule = Some(dt(start));
    p
}

/// A Relative profile.
fn relative(id: i32, level: i32, purpose: Purpose, periods: &[(i32, f64)]) -> ChargingProfile {
    profile(id, level, purpose, Kind::Relative, Unit::A, periods)
}

const NOW: &str = "2024-01-01T00:00:00Z";

fn idle() -> SetContext {
    SetContext {
        now: dt(NOW),
        transaction: None,
    }
}

fn running(tx: TxInfo) -> SetContext {
    SetContext {
        now: dt(NOW),
        transaction: Some(tx),
    }
}

fn tx(start: &str, id: i32) -> TxInfo {
    TxInfo {
        start: dt(start),
        id: Some(id),
    }
}

#[allow(clippy::unnecessary_wraps)] // reads like the `limit_at` it is compared with
fn amps(v: f64) -> Option<Limit> {
    Some(Limit {
        value: d(v),
        unit: Unit::A,
        number_phases: None,
    })
}

#[allow(clippy::unnecessary_wraps)]
fn watts(v: f64, phases: Option<i32>) -> Option<Limit> {
    Some(Limit {
        value: d(v),
        unit: Unit::W,
        number_phases: phases,
    })
}

/// The value of `store.limit_at` in amperes, for short assertions.
fn a_at(store: &Store, connector: u32, at: &str, tx: Option<TxInfo>) -> Option<f64> {
    store
        .limit_at(connector, dt(at), tx)
        .map(|l| f(l.to_unit(Unit::A, store.settings().line_voltage).value))
}

/// `(startPeriod, limit)` of a schedule's periods.
fn pairs(s: &ChargingSchedule) -> Vec<(i32, f64)> {
    s.charging_schedule_period
        .iter()
        .map(|p| (p.start_period, f(p.limit)))
        .collect()
}

fn install(store: &mut Store, connector: u32, p: ChargingProfile, ctx: &SetContext) {
    assert_eq!(store.set(connector, p, ctx), Status::Accepted);
}

// ---------------------------------------------------------------------------------------------
// The spec's examples.
// ---------------------------------------------------------------------------------------------

/// §3.13.7: "a daily default profile that limits the power to 6 kW between 08:00h and 20:00h".
fn spec_3_13_7_profile() -> ChargingProfile {
    let mut p = recurring(
        100,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        "2013-01-01T00:00:00Z",
        Unit::W,
        &[(0, 11000.0), (28800, 6000.0), (72000, 11000.0)],
    );
    p.charging_schedule.duration = Some(86400);
    for q in p.charging_schedule.charging_schedule_period.as_mut_slice() {
        q.number_phases = Some(3);
    }
    p
}

#[test]
fn spec_3_13_7_daily_default_profile() {
    let mut s = store();
    install(&mut s, 0, spec_3_13_7_profile(), &idle());
    let w = |at: &str| s.limit_at(1, dt(at), None);
    // Eleven years after startSchedule, on every connector, with or without a transaction.
    assert_eq!(w("2024-05-01T07:59:59Z"), watts(11000.0, Some(3)));
    assert_eq!(w("2024-05-01T08:00:00Z"), watts(6000.0, Some(3)));
    assert_eq!(w("2024-05-01T19:59:59.999Z"), watts(6000.0, Some(3)));
    assert_eq!(w("2024-05-01T20:00:00Z"), watts(11000.0, Some(3)));
    assert_eq!(w("2024-05-02T00:00:00Z"), watts(11000.0, Some(3)));
    assert_eq!(
        s.limit_at(
            2,
            dt("2024-05-01T12:00:00Z"),
            Some(tx("2024-05-01T11:00:00Z", 1))
        ),
        watts(6000.0, Some(3))
    );
    // Before the first recurrence the profile does not apply yet.
    assert_eq!(w("2012-12-31T12:00:00Z"), None);

    let next = |at: &str| s.next_change_after(1, dt(at), None);
    assert_eq!(
        next("2024-05-01T07:00:00Z"),
        Some(dt("2024-05-01T08:00:00Z"))
    );
    assert_eq!(
        next("2024-05-01T08:00:00Z"),
        Some(dt("2024-05-01T20:00:00Z"))
    );
    assert_eq!(
        next("2024-05-01T20:00:00Z"),
        Some(dt("2024-05-02T00:00:00Z"))
    );
    assert_eq!(
        next("2012-06-01T00:00:00Z"),
        Some(dt("2013-01-01T00:00:00Z"))
    );

    let c = s
        .composite_schedule(1, dt("2024-05-01T06:00:00Z"), 86400, None, None)
        .unwrap();
    assert_eq!(c.charging_rate_unit, Unit::W);
    assert_eq!(c.duration, Some(86400));
    assert_eq!(c.start_schedule, None);
    assert_eq!(pairs(&c), [(0, 11000.0), (7200, 6000.0), (50400, 11000.0)]);
    assert!(
        c.charging_schedule_period
            .iter()
            .all(|p| p.number_phases == Some(3))
    );
    // In amperes: 11000 W / (230 V x 3) = 15.94 A, 6000 W / 690 = 8.69 A, rounded down.
    let c = s
        .composite_schedule(1, dt("2024-05-01T06:00:00Z"), 86400, Some(Unit::A), None)
        .unwrap();
    assert_eq!(c.charging_rate_unit, Unit::A);
    assert_eq!(pairs(&c), [(0, 15.9), (7200, 8.6), (50400, 15.9)]);
}

/// §3.13.2: "a charging profile of purpose TxDefaultProfile with a duration and recurrence of one
/// week that allows full power or current charging on weekdays from 23:00h to 06:00h and from
/// 00:00h to 24:00h in weekends and reduced power or current charging at other times. On top of
/// that, one can define other TxDefaultProfiles that define exception to this rule, for example
/// for holidays." The spec gives no values: full is 32 A, reduced 10 A.
#[test]
fn spec_3_13_2_weekly_calendar_with_holiday_exception() {
    const H: i32 = 3600;
    const DAY: i32 = 24 * H;
    let mut periods = std::vec![(0, 32.0)];
    for day in 0..5 {
        periods.push((day * DAY + 6 * H, 10.0));
        periods.push((day * DAY + 23 * H, 32.0));
    }
    // 2024-01-01 is a Monday.
    let mut week = recurring(
        1,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Weekly,
        "2024-01-01T00:00:00Z",
        Unit::A,
        &periods,
    );
    week.charging_schedule.duration = Some(7 * DAY);
    let mut holiday = absolute(
        2,
        1,
        Purpose::TxDefaultProfile,
        "2024-12-25T00:00:00Z",
        Unit::A,
        &[(0, 32.0)],
    );
    holiday.charging_schedule.duration = Some(DAY);
    holiday.valid_from = Some(dt("2024-12-25T00:00:00Z"));
    holiday.valid_to = Some(dt("2024-12-26T00:00:00Z"));
    let mut s = store();
    install(&mut s, 0, week, &idle());
    install(&mut s, 0, holiday, &idle());

    let at = |t: &str| a_at(&s, 1, t, None);
    assert_eq!(at("2024-12-18T05:59:59Z"), Some(32.0)); // Wednesday night
    assert_eq!(at("2024-12-18T12:00:00Z"), Some(10.0)); // Wednesday daytime
    assert_eq!(at("2024-12-18T23:30:00Z"), Some(32.0));
    assert_eq!(at("2024-12-20T22:59:59Z"), Some(10.0)); // Friday evening
    assert_eq!(at("2024-12-21T12:00:00Z"), Some(32.0)); // Saturday
    assert_eq!(at("2024-12-22T23:59:59Z"), Some(32.0)); // Sunday
    assert_eq!(at("2024-12-23T06:00:00Z"), Some(10.0)); // Monday morning
    assert_eq!(at("2024-12-25T12:00:00Z"), Some(32.0)); // Christmas, a Wednesday
    assert_eq!(at("2024-12-26T12:00:00Z"), Some(10.0)); // back to the calendar

    // Tuesday 00:00 for three days: the holiday fills Wednesday.
    let c = s
        .composite_schedule(1, dt("2024-12-24T00:00:00Z"), 3 * DAY, None, None)
        .unwrap();
    assert_eq!(
        pairs(&c),
        [
            (0, 32.0),
            (6 * H, 10.0),
            (23 * H, 32.0),
            (2 * DAY + 6 * H, 10.0),
            (2 * DAY + 23 * H, 32.0),
        ]
    );
}

/// §3.13.2: "In the case an updated charging profile (with the same stackLevel and purpose) is
/// sent with a validFrom dateTime in the future, the Charge Point SHALL replace the installed
/// profile and SHALL revert to default behavior until validFrom is reached."
#[test]
fn spec_3_13_2_update_with_future_valid_from_reverts_to_default() {
    let mut s = store();
    let start = "2023-01-01T00:00:00Z";
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 10.0)],
        ),
        &idle(),
    );
    install(
        &mut s,
        0,
        absolute(
            2,
            1,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 20.0)],
        ),
        &idle(),
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T00:00:00Z", None), Some(20.0));

    let mut update = absolute(
        3,
        1,
        Purpose::TxDefaultProfile,
        start,
        Unit::A,
        &[(0, 30.0)],
    );
    update.valid_from = Some(dt("2024-01-01T12:00:00Z"));
    install(&mut s, 0, update, &idle());
    assert!(
        s.get(2).is_none(),
        "the same stackLevel and purpose is replaced"
    );
    assert_eq!(s.len(), 2);
    assert_eq!(a_at(&s, 1, "2024-01-01T11:59:59Z", None), Some(10.0));
    assert_eq!(
        s.next_change_after(1, dt("2024-01-01T06:00:00Z"), None),
        Some(dt("2024-01-01T12:00:00Z"))
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T12:00:00Z", None), Some(30.0));

    // Without a lower profile "default behavior" is no limit at all.
    assert_eq!(
        s.clear(&ClearChargingProfileRequest {
            id: Some(1),
            ..Default::default()
        }),
        ClearChargingProfileStatus::Accepted
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T11:59:59Z", None), None);
}

/// §3.13.2 note (errata 3.7): "If you use Stacking without a duration, on the highest stack
/// level, the Charge Point will never fall back to a lower stack level profile."
#[test]
fn spec_3_13_2_stacking_without_duration_never_falls_back() {
    let start = "2024-01-01T00:00:00Z";
    let low = absolute(1, 0, Purpose::TxDefaultProfile, start, Unit::A, &[(0, 8.0)]);
    let high = absolute(
        2,
        1,
        Purpose::TxDefaultProfile,
        start,
        Unit::A,
        &[(0, 16.0), (60, 12.0)],
    );
    let mut s = store();
    install(&mut s, 1, low.clone(), &idle());
    install(&mut s, 1, high.clone(), &idle());
    assert_eq!(a_at(&s, 1, "2024-01-01T00:00:30Z", None), Some(16.0));
    assert_eq!(a_at(&s, 1, "2099-01-01T00:00:00Z", None), Some(12.0));
    assert_eq!(
        s.next_change_after(1, dt("2024-01-01T00:01:00Z"), None),
        None
    );

    // With a duration, the lower level takes over when it ends.
    let mut high = high;
    high.charging_schedule.duration = Some(3600);
    install(&mut s, 1, high, &idle());
    assert_eq!(a_at(&s, 1, "2024-01-01T00:59:59Z", None), Some(12.0));
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", None), Some(8.0));
}

/// §3.13.3: the composite is the minimum of the purposes per interval; "time intervals do not
/// have to be of fixed length, nor do they have to be the same for every charging profile
/// purpose".
#[test]
fn spec_3_13_3_minimum_of_purposes_with_intervals_of_different_lengths() {
    let start = "2024-01-01T10:00:00Z";
    let mut s = store();
    let max = absolute(
        1,
        0,
        Purpose::ChargePointMaxProfile,
        start,
        Unit::A,
        &[(0, 32.0), (1800, 20.0), (5400, 32.0)],
    );
    install(&mut s, 0, max, &idle());
    let t = tx("2024-01-01T09:00:00Z", 7);
    let txp = absolute(
        2,
        0,
        Purpose::TxProfile,
        start,
        Unit::A,
        &[(0, 16.0), (3600, 25.0)],
    );
    install(&mut s, 1, txp, &running(t));
    let c = s
        .composite_schedule(1, dt(start), 7200, None, Some(t))
        .unwrap();
    assert_eq!(pairs(&c), [(0, 16.0), (3600, 20.0), (5400, 25.0)]);
    assert_eq!(c.duration, Some(7200));
    // The charge point's own schedule (connector 0) is the ChargePointMaxProfile alone.
    let c = s
        .composite_schedule(0, dt(start), 7200, None, Some(t))
        .unwrap();
    assert_eq!(pairs(&c), [(0, 32.0), (1800, 20.0), (5400, 32.0)]);
    // A connector without a transaction only sees the ChargePointMaxProfile.
    assert_eq!(a_at(&s, 2, "2024-01-01T10:45:00Z", None), Some(20.0));
}

/// §3.13.4, figure 10 (presetting local group limits): a ChargePointMaxProfile on connector 0,
/// Absolute, with validFrom and validTo, limits every connector and the charge point as a whole
/// within its validity; outside it (and offline without profiles, §3.13.6) nothing limits.
#[test]
fn spec_3_13_4_group_limit_with_validity() {
    let mut s = store();
    let mut group = absolute(
        1,
        0,
        Purpose::ChargePointMaxProfile,
        "2024-01-01T00:00:00Z",
        Unit::W,
        &[(0, 22000.0), (6 * 3600, 11000.0)],
    );
    group.valid_from = Some(dt("2024-01-01T00:00:00Z"));
    group.valid_to = Some(dt("2024-01-02T00:00:00Z"));
    install(&mut s, 0, group, &idle());
    for c in 0..=4 {
        assert_eq!(
            s.limit_at(
                c,
                dt("2024-01-01T07:00:00Z"),
                Some(tx("2024-01-01T06:30:00Z", 3))
            ),
            watts(11000.0, None)
        );
    }
    let c = s
        .composite_schedule(0, dt("2024-01-01T05:00:00Z"), 86400, None, None)
        .unwrap();
    assert_eq!(c.charging_rate_unit, Unit::W);
    // After validTo, the unconstrained rating (32 A x 230 V x 3).
    assert_eq!(
        pairs(&c),
        [(0, 22000.0), (3600, 11000.0), (19 * 3600, 22080.0)]
    );
    assert_eq!(s.limit_at(1, dt("2024-01-02T00:00:00Z"), None), None);
}

/// §3.13.1: "If TxDefaultProfile is set to ConnectorId 0, the TxDefaultProfile is applicable to
/// all Connectors. [...] In the event a TxDefaultProfile for connector 0 is installed, and the
/// Central System sends a new profile with ConnectorId >0, the TxDefaultProfile SHALL be replaced
/// only for that specific connector."
#[test]
fn spec_3_13_1_default_on_connector_0_replaced_for_one_connector_only() {
    let start = "2024-01-01T00:00:00Z";
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 16.0)],
        ),
        &idle(),
    );
    for c in 1..=4 {
        assert_eq!(a_at(&s, c, "2024-01-02T00:00:00Z", None), Some(16.0));
    }
    install(
        &mut s,
        2,
        absolute(2, 0, Purpose::TxDefaultProfile, start, Unit::A, &[(0, 6.0)]),
        &idle(),
    );
    assert_eq!(
        s.len(),
        2,
        "connector 0's default stays for the other connectors"
    );
    assert_eq!(a_at(&s, 1, "2024-01-02T00:00:00Z", None), Some(16.0));
    assert_eq!(a_at(&s, 2, "2024-01-02T00:00:00Z", None), Some(6.0));
    assert_eq!(a_at(&s, 3, "2024-01-02T00:00:00Z", None), Some(16.0));
    // Connector 0's limit is its own default.
    assert_eq!(a_at(&s, 0, "2024-01-02T00:00:00Z", None), Some(16.0));

    // A connector-0 default on another stack level still stacks above the connector's own.
    let mut exception = absolute(
        3,
        1,
        Purpose::TxDefaultProfile,
        start,
        Unit::A,
        &[(0, 10.0)],
    );
    exception.valid_from = Some(dt("2024-01-03T00:00:00Z"));
    install(&mut s, 0, exception, &idle());
    assert_eq!(a_at(&s, 2, "2024-01-02T00:00:00Z", None), Some(6.0));
    assert_eq!(a_at(&s, 2, "2024-01-03T00:00:00Z", None), Some(10.0));
}

/// §3.13.1: a TxProfile "SHALL overrule the default charging profile [...] for the duration of
/// the current transaction only. After the transaction is stopped, the profile SHOULD be
/// deleted. If there is no transaction active on the connector [...] the Charge Point SHALL
/// discard it and return an error status".
#[test]
fn spec_3_13_1_tx_profile_overrules_the_default_for_the_transaction_only() {
    let start = "2024-01-01T00:00:00Z";
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            5,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 16.0)],
        ),
        &idle(),
    );
    let txp = absolute(2, 0, Purpose::TxProfile, start, Unit::A, &[(0, 24.0)]);
    assert_eq!(s.set(1, txp.clone(), &idle()), Status::Rejected);
    let t = tx("2024-01-02T08:00:00Z", 42);
    install(&mut s, 1, txp, &running(t));
    // Higher than the default, on a lower stack level: the purpose decides, not the level.
    assert_eq!(a_at(&s, 1, "2024-01-02T09:00:00Z", Some(t)), Some(24.0));
    assert_eq!(
        a_at(&s, 2, "2024-01-02T09:00:00Z", Some(tx(start, 43))),
        Some(16.0)
    );
    assert!(s.transaction_ended(1));
    assert!(!s.transaction_ended(1));
    assert_eq!(s.len(), 1);
    assert_eq!(
        a_at(&s, 1, "2024-01-02T09:00:00Z", Some(tx(start, 44))),
        Some(16.0)
    );
}

/// §5.16.4: "If the chargingSchedulePeriod is longer than duration, the remainder periods SHALL
/// not be executed. If duration is longer than the chargingSchedulePeriod, the Charge Point SHALL
/// keep the value of the last chargingSchedulePeriod until duration has ended."
#[test]
fn spec_5_16_4_duration_against_periods() {
    let start = "2024-01-01T00:00:00Z";
    let mut short = absolute(
        1,
        0,
        Purpose::TxDefaultProfile,
        start,
        Unit::A,
        &[(0, 10.0), (3600, 20.0)],
    );
    short.charging_schedule.duration = Some(1800);
    let mut s = store();
    install(&mut s, 1, short, &idle());
    assert_eq!(a_at(&s, 1, "2024-01-01T00:29:59Z", None), Some(10.0));
    assert_eq!(a_at(&s, 1, "2024-01-01T00:30:00Z", None), None);
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", None), None);
    assert_eq!(
        s.next_change_after(1, dt("2024-01-01T00:10:00Z"), None),
        Some(dt("2024-01-01T00:30:00Z"))
    );
    assert_eq!(
        s.next_change_after(1, dt("2024-01-01T00:30:00Z"), None),
        None
    );

    let mut long = absolute(
        2,
        0,
        Purpose::TxDefaultProfile,
        start,
        Unit::A,
        &[(0, 10.0), (600, 20.0)],
    );
    long.charging_schedule.duration = Some(7200);
    install(&mut s, 1, long, &idle());
    assert_eq!(a_at(&s, 1, "2024-01-01T01:59:59Z", None), Some(20.0));
    assert_eq!(a_at(&s, 1, "2024-01-01T02:00:00Z", None), None);
    let c = s
        .composite_schedule(1, dt(start), 3 * 3600, None, None)
        .unwrap();
    // After the schedule the unconstrained default (32 A) shows.
    assert_eq!(pairs(&c), [(0, 10.0), (600, 20.0), (7200, 32.0)]);
}

/// §5.16.4 and errata 3.43: "When recurrencyKind is used in combination with a chargingSchedule
/// duration shorter than the recurrencyKind period, the Charge Point SHALL fall back to default
/// behavior after the chargingSchedule duration ends. This fall back means that the Charge Point
/// SHALL use a ChargingProfile with a lower stackLevel if available. If no other ChargingProfile
/// is available, the Charge Point SHALL allow charging as if no ChargingProfile is installed."
#[test]
fn errata_3_43_recurring_shorter_than_recurrence_falls_back() {
    let mut s = store();
    let mut night = recurring(
        1,
        1,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        "2024-01-01T22:00:00Z",
        Unit::A,
        &[(0, 32.0)],
    );
    night.charging_schedule.duration = Some(8 * 3600);
    install(&mut s, 0, night, &idle());
    assert_eq!(a_at(&s, 1, "2024-03-05T05:59:59Z", None), Some(32.0));
    assert_eq!(
        a_at(&s, 1, "2024-03-05T06:00:00Z", None),
        None,
        "no other profile: no limit"
    );
    install(
        &mut s,
        0,
        absolute(
            2,
            0,
            Purpose::TxDefaultProfile,
            "2024-01-01T00:00:00Z",
            Unit::A,
            &[(0, 10.0)],
        ),
        &idle(),
    );
    assert_eq!(
        a_at(&s, 1, "2024-03-05T06:00:00Z", None),
        Some(10.0),
        "the lower level"
    );
    assert_eq!(a_at(&s, 1, "2024-03-05T22:00:00Z", None), Some(32.0));
}

/// Errata 3.44: "When recurrencyKind is used in combination with a chargingSchedulePeriod and/or
/// duration that is longer than the recurrence period duration, the remainder periods SHALL NOT
/// be executed."
#[test]
fn errata_3_44_periods_beyond_the_recurrence_are_not_executed() {
    let mut s = store();
    let mut p = recurring(
        1,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        "2024-01-01T00:00:00Z",
        Unit::A,
        &[(0, 10.0), (43200, 16.0), (90000, 6.0)],
    );
    p.charging_schedule.duration = Some(2 * 86400);
    install(&mut s, 0, p, &idle());
    // 25 h after a recurrence start is 1 h into the next recurrence: period 0, not 6 A.
    assert_eq!(a_at(&s, 1, "2024-01-02T01:00:00Z", None), Some(10.0));
    assert_eq!(a_at(&s, 1, "2024-01-02T23:59:59Z", None), Some(16.0));
    assert_eq!(
        s.next_change_after(1, dt("2024-01-02T13:00:00Z"), None),
        Some(dt("2024-01-03T00:00:00Z"))
    );
}

/// Daily recurrence whose schedule crosses midnight, and a weekly one crossing into Monday.
#[test]
fn recurrence_across_midnight() {
    let mut s = store();
    let mut daily = recurring(
        1,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        "2024-01-01T22:00:00Z",
        Unit::A,
        &[(0, 6.0), (4 * 3600, 16.0)],
    );
    daily.charging_schedule.duration = Some(86400);
    install(&mut s, 0, daily, &idle());
    assert_eq!(a_at(&s, 1, "2024-06-10T23:30:00Z", None), Some(6.0));
    assert_eq!(a_at(&s, 1, "2024-06-11T01:59:59Z", None), Some(6.0));
    assert_eq!(a_at(&s, 1, "2024-06-11T02:00:00Z", None), Some(16.0));
    assert_eq!(a_at(&s, 1, "2024-06-11T21:59:59Z", None), Some(16.0));
    assert_eq!(a_at(&s, 1, "2024-06-11T22:00:00Z", None), Some(6.0));
    let c = s
        .composite_schedule(1, dt("2024-06-10T20:00:00Z"), 86400, None, None)
        .unwrap();
    assert_eq!(pairs(&c), [(0, 16.0), (7200, 6.0), (21600, 16.0)]);

    // Sunday 23:00 for two hours, every week (2024-01-07 is a Sunday).
    let mut weekly = recurring(
        2,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Weekly,
        "2024-01-07T23:00:00Z",
        Unit::A,
        &[(0, 10.0)],
    );
    weekly.charging_schedule.duration = Some(7200);
    let mut s = store();
    install(&mut s, 3, weekly, &idle());
    assert_eq!(a_at(&s, 3, "2024-03-10T22:59:59Z", None), None);
    assert_eq!(a_at(&s, 3, "2024-03-10T23:00:00Z", None), Some(10.0));
    assert_eq!(a_at(&s, 3, "2024-03-11T00:59:59Z", None), Some(10.0));
    assert_eq!(a_at(&s, 3, "2024-03-11T01:00:00Z", None), None);
    assert_eq!(a_at(&s, 3, "2024-03-13T00:30:00Z", None), None);
    assert_eq!(
        s.next_change_after(3, dt("2024-03-11T01:00:00Z"), None),
        Some(dt("2024-03-17T23:00:00Z"))
    );
}

/// Relative schedules start with the transaction (§7.9); without one they do not apply.
#[test]
fn relative_profiles_start_with_the_transaction() {
    let mut s = store();
    let mut p = relative(1, 0, Purpose::TxDefaultProfile, &[(0, 6.0), (900, 16.0)]);
    p.charging_schedule.duration = Some(3600);
    install(&mut s, 0, p, &idle());
    let t = tx("2024-02-01T10:00:07Z", 1);
    assert_eq!(a_at(&s, 1, "2024-02-01T10:00:07Z", Some(t)), Some(6.0));
    assert_eq!(a_at(&s, 1, "2024-02-01T10:15:06Z", Some(t)), Some(6.0));
    assert_eq!(a_at(&s, 1, "2024-02-01T10:15:07Z", Some(t)), Some(16.0));
    assert_eq!(a_at(&s, 1, "2024-02-01T11:00:07Z", Some(t)), None);
    assert_eq!(a_at(&s, 1, "2024-02-01T10:30:00Z", None), None);
    assert_eq!(
        s.next_change_after(1, dt("2024-02-01T10:00:07Z"), Some(t)),
        Some(dt("2024-02-01T10:15:07Z"))
    );

    // A Relative TxProfile.
    let txp = relative(2, 0, Purpose::TxProfile, &[(0, 8.0), (60, 10.0)]);
    install(&mut s, 2, txp, &running(t));
    assert_eq!(a_at(&s, 2, "2024-02-01T10:01:06Z", Some(t)), Some(8.0));
    assert_eq!(a_at(&s, 2, "2024-02-01T10:01:07Z", Some(t)), Some(10.0));
    // The composite of a running transaction, from now.
    let c = s
        .composite_schedule(2, dt("2024-02-01T10:00:37Z"), 600, None, Some(t))
        .unwrap();
    assert_eq!(pairs(&c), [(0, 8.0), (30, 10.0)]);
}

/// validFrom is inclusive, validTo exclusive (§7.8), and both are change instants.
#[test]
fn validity_windows() {
    let mut s = store();
    let mut p = absolute(
        1,
        0,
        Purpose::ChargePointMaxProfile,
        "2024-01-01T00:00:00Z",
        Unit::A,
        &[(0, 20.0)],
    );
    p.valid_from = Some(dt("2024-02-01T00:00:00Z"));
    p.valid_to = Some(dt("2024-03-01T00:00:00Z"));
    install(&mut s, 0, p, &idle());
    assert_eq!(a_at(&s, 1, "2024-01-31T23:59:59.999Z", None), None);
    assert_eq!(a_at(&s, 1, "2024-02-01T00:00:00Z", None), Some(20.0));
    assert_eq!(a_at(&s, 1, "2024-02-29T23:59:59.999Z", None), Some(20.0));
    assert_eq!(a_at(&s, 1, "2024-03-01T00:00:00Z", None), None);
    assert_eq!(
        s.next_change_after(1, dt("2024-01-15T00:00:00Z"), None),
        Some(dt("2024-02-01T00:00:00Z"))
    );
    assert_eq!(
        s.next_change_after(1, dt("2024-02-01T00:00:00Z"), None),
        Some(dt("2024-03-01T00:00:00Z"))
    );
    assert_eq!(
        s.next_change_after(1, dt("2024-03-01T00:00:00Z"), None),
        None
    );
    // Expired profiles go when the next profile is installed.
    let later = SetContext {
        now: dt("2024-03-01T00:00:00Z"),
        transaction: None,
    };
    install(
        &mut s,
        0,
        absolute(2, 0, Purpose::TxDefaultProfile, NOW, Unit::A, &[(0, 6.0)]),
        &later,
    );
    assert!(s.get(1).is_none());
    assert!(!s.remove_expired(dt("2030-01-01T00:00:00Z")));
}

/// Errata 3.42: a TxProfile from RemoteStartTransaction (no transactionId) is replaced by a
/// SetChargingProfile for the transaction with the same stackLevel, otherwise stacked.
#[test]
fn errata_3_42_remote_start_profile_replaced_or_stacked() {
    let start = "2024-01-01T00:00:00Z";
    let mut s = store();
    // Installed at the transaction start, before StartTransaction.conf assigned an id.
    let pending = TxInfo {
        start: dt(start),
        id: None,
    };
    install(
        &mut s,
        1,
        absolute(1, 2, Purpose::TxProfile, start, Unit::A, &[(0, 10.0)]),
        &running(pending),
    );
    let t = tx(start, 99);
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), Some(10.0));
    let mut other_level = absolute(2, 3, Purpose::TxProfile, start, Unit::A, &[(0, 12.0)]);
    other_level.transaction_id = Some(99);
    other_level.valid_from = Some(dt("2024-01-01T02:00:00Z"));
    install(&mut s, 1, other_level, &running(t));
    assert_eq!(s.len(), 2, "stacked");
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), Some(10.0));
    assert_eq!(a_at(&s, 1, "2024-01-01T02:00:00Z", Some(t)), Some(12.0));
    let mut same_level = absolute(3, 2, Purpose::TxProfile, start, Unit::A, &[(0, 14.0)]);
    same_level.transaction_id = Some(99);
    install(&mut s, 1, same_level, &running(t));
    assert_eq!(s.len(), 2, "replaced");
    assert!(s.get(1).is_none());
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), Some(14.0));
    // A TxProfile of another transaction (left behind) does not apply.
    assert_eq!(
        a_at(&s, 1, "2024-01-01T01:00:00Z", Some(tx(start, 100))),
        None
    );
}

/// Errata 3.8: a new TxDefaultProfile applies to a running transaction that has no TxProfile;
/// once removed, the transaction continues without it.
#[test]
fn errata_3_8_default_changes_apply_to_running_transactions() {
    let start = "2024-01-01T00:00:00Z";
    let t = tx(start, 5);
    let mut s = store();
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), None);
    install(
        &mut s,
        1,
        absolute(
            1,
            0,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 10.0)],
        ),
        &running(t),
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), Some(10.0));
    install(
        &mut s,
        1,
        absolute(
            2,
            0,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 13.0)],
        ),
        &running(t),
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), Some(13.0));
    assert_eq!(
        s.clear(&ClearChargingProfileRequest {
            charging_profile_purpose: Some(Purpose::TxDefaultProfile),
            ..Default::default()
        }),
        ClearChargingProfileStatus::Accepted
    );
    assert_eq!(a_at(&s, 1, "2024-01-01T01:00:00Z", Some(t)), None);
}

/// Errata 3.68: W is total power, A per phase, `W = A x V x phases`, numberPhases 3 when absent.
#[test]
fn errata_3_68_unit_conversion() {
    let v = 230;
    let a16 = Limit {
        value: d(16.0),
        unit: Unit::A,
        number_phases: None,
    };
    assert_eq!(a16.to_unit(Unit::W, v).value, d(11040.0));
    let one = Limit {
        number_phases: Some(1),
        ..a16
    };
    assert_eq!(one.to_unit(Unit::W, v).value, d(3680.0));
    assert_eq!(one.to_unit(Unit::W, v).number_phases, Some(1));
    let w = Limit {
        value: d(7400.0),
        unit: Unit::W,
        number_phases: Some(1),
    };
    assert_eq!(w.to_unit(Unit::A, v).value, d(32.1)); // 32.17 rounded down
    assert_eq!(w.to_unit(Unit::A, 110).value, d(67.2)); // 67.27
    assert_eq!(w.to_unit(Unit::W, v), w);
    assert_eq!(
        convert(d(10.0), Unit::A, Unit::W, 0, 0),
        d(10.0),
        "no division by zero"
    );
    assert_eq!(
        convert(Decimal::from_tenths(i32::MAX), Unit::A, Unit::W, 3, 400),
        Decimal::from_tenths(i32::MAX)
    );
}

/// Combining purposes in different units compares them at the fewer of their phases.
#[test]
fn mixed_units_combine_at_the_fewest_phases() {
    let start = "2024-01-01T00:00:00Z";
    let t = tx(start, 1);
    let at = "2024-01-01T01:00:00Z";
    let single_phase = |unit: Unit, limit: f64, id: i32| {
        let mut p = absolute(id, 0, Purpose::TxProfile, start, unit, &[(0, limit)]);
        p.charging_schedule.charging_schedule_period.as_mut_slice()[0].number_phases = Some(1);
        p
    };
    // 11 kW for the charge point against 16 A on one phase (3680 W): 16 A wins.
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::ChargePointMaxProfile,
            start,
            Unit::W,
            &[(0, 11000.0)],
        ),
        &idle(),
    );
    install(&mut s, 1, single_phase(Unit::A, 16.0, 2), &running(t));
    assert_eq!(
        s.limit_at(1, dt(at), Some(t)),
        Some(Limit {
            value: d(16.0),
            unit: Unit::A,
            number_phases: Some(1)
        })
    );
    // 16 A per phase for the charge point against 7 kW on one phase: at one phase 16 A is
    // 3680 W, so 16 A wins (comparing at three phases, 11040 W, would allow 30 A).
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::ChargePointMaxProfile,
            start,
            Unit::A,
            &[(0, 16.0)],
        ),
        &idle(),
    );
    install(&mut s, 1, single_phase(Unit::W, 7000.0, 2), &running(t));
    assert_eq!(
        s.limit_at(1, dt(at), Some(t)),
        Some(Limit {
            value: d(16.0),
            unit: Unit::A,
            number_phases: Some(1)
        })
    );
    // Without a requested unit the composite is in the first limiting profile's unit.
    let c = s.composite_schedule(1, dt(at), 60, None, Some(t)).unwrap();
    assert_eq!(c.charging_rate_unit, Unit::A);
    let c = s
        .composite_schedule(1, dt(at), 60, Some(Unit::W), Some(t))
        .unwrap();
    assert_eq!(pairs(&c), [(0, 3680.0)]);
    assert_eq!(c.charging_schedule_period[0].number_phases, Some(1));
}

/// Equal limits in different units: the transaction's (connector's) profile is reported.
#[test]
fn ties_go_to_the_transaction_limit() {
    let start = "2024-01-01T00:00:00Z";
    let t = tx(start, 1);
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::ChargePointMaxProfile,
            start,
            Unit::A,
            &[(0, 16.0)],
        ),
        &idle(),
    );
    install(
        &mut s,
        1,
        absolute(2, 0, Purpose::TxProfile, start, Unit::W, &[(0, 11040.0)]),
        &running(t),
    );
    assert_eq!(s.limit_at(1, dt(start), Some(t)), watts(11040.0, None));
    // One tenth lower and the charge point's limit is reported.
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::ChargePointMaxProfile,
            start,
            Unit::A,
            &[(0, 15.9)],
        ),
        &idle(),
    );
    assert_eq!(s.limit_at(1, dt(start), Some(t)), amps(15.9));
}

// ---------------------------------------------------------------------------------------------
// SetChargingProfile validation.
// ---------------------------------------------------------------------------------------------

#[test]
fn set_validation_rules() {
    let start = "2024-01-01T00:00:00Z";
    let t = tx(start, 7);
    let base = || {
        absolute(
            1,
            0,
            Purpose::TxDefaultProfile,
            start,
            Unit::A,
            &[(0, 16.0), (60, 8.0)],
        )
    };
    let with = |f: &dyn Fn(&mut ChargingProfile)| {
        let mut p = base();
        f(&mut p);
        p
    };
    let purpose = |purpose: Purpose| with(&|p| p.charging_profile_purpose = purpose);
    let cases: Vec<(&str, u32, ChargingProfile, SetContext, Status)> = std::vec![
        ("valid default on 0", 0, base(), idle(), Status::Accepted),
        (
            "valid default on a connector",
            3,
            base(),
            idle(),
            Status::Accepted
        ),
        ("unknown connector", 5, base(), idle(), Status::Rejected),
        (
            "max on 0",
            0,
            purpose(Purpose::ChargePointMaxProfile),
            idle(),
            Status::Accepted
        ),
        (
            "max on a connector",
            1,
            purpose(Purpose::ChargePointMaxProfile),
            idle(),
            Status::Rejected
        ),
        (
            "tx profile on 0",
            0,
            purpose(Purpose::TxProfile),
            running(t),
            Status::Rejected
        ),
        (
            "tx profile without transaction",
            1,
            purpose(Purpose::TxProfile),
            idle(),
            Status::Rejected
        ),
        (
            "tx profile with transaction",
            1,
            purpose(Purpose::TxProfile),
            running(t),
            Status::Accepted
        ),
        (
            "tx profile, matching transactionId",
            1,
            with(&|p| {
                p.charging_profile_purpose = Purpose::TxProfile;
                p.transaction_id = Some(7);
            }),
            running(t),
            Status::Accepted
        ),
        (
            "tx profile, other transactionId",
            1,
            with(&|p| {
                p.charging_profile_purpose = Purpose::TxProfile;
                p.transaction_id = Some(8);
            }),
            running(t),
            Status::Rejected
        ),
        (
            "tx profile, transactionId not yet known",
            1,
            with(&|p| {
                p.charging_profile_purpose = Purpose::TxProfile;
                p.transaction_id = Some(7);
            }),
            running(TxInfo {
                start: dt(start),
                id: None
            }),
            Status::Rejected
        ),
        (
            "transactionId on a default",
            1,
            with(&|p| p.transaction_id = Some(7)),
            running(t),
            Status::Rejected
        ),
        (
            "stack level max",
            0,
            with(&|p| p.stack_level = 8),
            idle(),
            Status::Accepted
        ),
        (
            "stack level above max",
            0,
            with(&|p| p.stack_level = 9),
            idle(),
            Status::Rejected
        ),
        (
            "negative stack level",
            0,
            with(&|p| p.stack_level = -1),
            idle(),
            Status::Rejected
        ),
        (
            "W allowed",
            0,
            with(&|p| p.charging_schedule.charging_rate_unit = Unit::W),
            idle(),
            Status::Accepted
        ),
        (
            "no periods",
            0,
            with(&|p| p.charging_schedule.charging_schedule_period.clear()),
            idle(),
            Status::Rejected
        ),
        (
            "first period not at 0",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[0].start_period =
                    1
            ),
            idle(),
            Status::Rejected
        ),
        (
            "periods not increasing",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[1].start_period =
                    0
            ),
            idle(),
            Status::Rejected
        ),
        (
            "negative limit",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[1].limit = d(-1.0)
            ),
            idle(),
            Status::Rejected
        ),
        (
            "numberPhases 0",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[1].number_phases =
                    Some(0)
            ),
            idle(),
            Status::Rejected
        ),
        (
            "numberPhases 4",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[1].number_phases =
                    Some(4)
            ),
            idle(),
            Status::Rejected
        ),
        (
            "numberPhases 1",
            0,
            with(
                &|p| p.charging_schedule.charging_schedule_period.as_mut_slice()[1].number_phases =
                    Some(1)
            ),
            idle(),
            Status::Accepted
        ),
        (
            "duration 0",
            0,
            with(&|p| p.charging_schedule.duration = Some(0)),
            idle(),
            Status::Rejected
        ),
        (
            "duration 1",
            0,
            with(&|p| p.charging_schedule.duration = Some(1)),
            idle(),
            Status::Accepted
        ),
        (
            "negative minChargingRate",
            0,
            with(&|p| p.charging_schedule.min_charging_rate = Some(d(-0.1))),
            idle(),
            Status::Rejected
        ),
        (
            "minChargingRate",
            0,
            with(&|p| p.charging_schedule.min_charging_rate = Some(d(6.0))),
            idle(),
            Status::Accepted
        ),
        (
            "absolute without startSchedule",
            0,
            with(&|p| p.charging_schedule.start_schedule = None),
            idle(),
            Status::Rejected
        ),
        (
            "absolute with recurrencyKind",
            0,
            with(&|p| p.recurrency_kind = Some(RecurrencyKind::Daily)),
            idle(),
            Status::Rejected
        ),
        (
            "recurring",
            0,
            with(&|p| {
                p.charging_profile_kind = Kind::Recurring;
                p.recurrency_kind = Some(RecurrencyKind::Weekly);
            }),
            idle(),
            Status::Accepted
        ),
        (
            "recurring without recurrencyKind",
            0,
            with(&|p| p.charging_profile_kind = Kind::Recurring),
            idle(),
            Status::Rejected
        ),
        (
            "recurring without startSchedule",
            0,
            with(&|p| {
                p.charging_profile_kind = Kind::Recurring;
                p.recurrency_kind = Some(RecurrencyKind::Daily);
                p.charging_schedule.start_schedule = None;
            }),
            idle(),
            Status::Rejected
        ),
        (
            "relative (startSchedule ignored)",
            0,
            with(&|p| p.charging_profile_kind = Kind::Relative),
            idle(),
            Status::Accepted
        ),
        (
            "relative with recurrencyKind",
            0,
            with(&|p| {
                p.charging_profile_kind = Kind::Relative;
                p.recurrency_kind = Some(RecurrencyKind::Daily);
            }),
            idle(),
            Status::Rejected
        ),
        (
            "relative charge point max",
            0,
            with(&|p| {
                p.charging_profile_kind = Kind::Relative;
                p.charging_profile_purpose = Purpose::ChargePointMaxProfile;
            }),
            idle(),
            Status::Rejected
        ),
        (
            "validTo not after validFrom",
            0,
            with(&|p| {
                p.valid_from = Some(dt("2024-06-01T00:00:00Z"));
                p.valid_to = Some(dt("2024-06-01T00:00:00Z"));
            }),
            idle(),
            Status::Rejected
        ),
        (
            "validity in the future",
            0,
            with(&|p| {
                p.valid_from = Some(dt("2024-06-01T00:00:00Z"));
                p.valid_to = Some(dt("2024-06-02T00:00:00Z"));
            }),
            idle(),
            Status::Accepted
        ),
        (
            "already expired",
            0,
            with(&|p| p.valid_to = Some(dt(NOW))),
            idle(),
            Status::Rejected
        ),
        (
            "validFrom and validTo on a TxProfile (errata 3.65/3.66)",
            1,
            with(&|p| {
                p.charging_profile_purpose = Purpose::TxProfile;
                p.valid_from = Some(dt("2023-06-01T00:00:00Z"));
                p.valid_to = Some(dt("2024-06-02T00:00:00Z"));
            }),
            running(t),
            Status::Accepted
        ),
    ];
    for (name, connector, p, ctx, expected) in cases {
        let mut s = store();
        assert_eq!(s.set(connector, p.clone(), &ctx), expected, "{name}");
        let installed = s.iter().any(|i| i.connector == connector && i.profile == p);
        assert_eq!(installed, expected == Status::Accepted, "{name}");
    }
}

#[test]
fn set_unit_not_allowed_is_not_supported() {
    let mut s = Store::new(Settings {
        allowed_units: List::try_from_slice(&[Unit::A]).unwrap(),
        ..Settings::default()
    });
    let p = absolute(
        1,
        0,
        Purpose::TxDefaultProfile,
        NOW,
        Unit::W,
        &[(0, 11000.0)],
    );
    assert_eq!(s.set(0, p, &idle()), Status::NotSupported);
    assert!(s.is_empty());
    let p = absolute(1, 0, Purpose::TxDefaultProfile, NOW, Unit::A, &[(0, 16.0)]);
    assert_eq!(s.set(0, p, &idle()), Status::Accepted);
}

#[test]
fn set_replaces_by_id_and_by_level_and_purpose_per_connector() {
    let mut s = store();
    let p = |id: i32, level: i32, purpose: Purpose| {
        absolute(id, level, purpose, NOW, Unit::A, &[(0, 16.0)])
    };
    install(&mut s, 0, p(1, 0, Purpose::TxDefaultProfile), &idle());
    install(&mut s, 1, p(2, 0, Purpose::TxDefaultProfile), &idle());
    install(&mut s, 0, p(3, 0, Purpose::ChargePointMaxProfile), &idle());
    install(&mut s, 0, p(4, 1, Purpose::TxDefaultProfile), &idle());
    assert_eq!(
        s.len(),
        4,
        "level, purpose and connector all tell profiles apart"
    );
    // Same id, moved to another connector and level.
    install(&mut s, 2, p(1, 3, Purpose::TxDefaultProfile), &idle());
    assert_eq!(s.len(), 4);
    assert_eq!(s.get(1).unwrap().connector, 2);
    // Same connector, level and purpose as profile 4, and same id as profile 2: both go.
    install(&mut s, 0, p(2, 1, Purpose::TxDefaultProfile), &idle());
    assert_eq!(s.len(), 3);
    assert!(s.get(4).is_none());
    assert_eq!(s.get(2).unwrap().connector, 0);
}

#[test]
fn set_rejects_when_the_periods_do_not_fit_the_pool_unless_replacing() {
    // Room for 2 profiles of 48 periods and 10 more periods.
    let mut s = ProfileStoreOf::<8, 106>::new(Settings::default());
    let p = |id: i32, level: i32, n: i32| {
        let periods: Vec<(i32, f64)> = (0..n).map(|i| (i * 60, f64::from(i) + 6.0)).collect();
        absolute(id, level, Purpose::TxDefaultProfile, NOW, Unit::A, &periods)
    };
    assert_eq!(s.set(1, p(1, 0, 48), &idle()), Status::Accepted);
    assert_eq!(s.set(2, p(2, 0, 48), &idle()), Status::Accepted);
    assert_eq!(s.periods_used(), 96);
    // 11 periods do not fit (§5.16: Rejected), nothing changes; 10 do.
    let before = s.clone();
    assert_eq!(s.set(0, p(3, 0, 11), &idle()), Status::Rejected);
    assert_eq!(s, before);
    assert_eq!(s.set(0, p(3, 0, 10), &idle()), Status::Accepted);
    assert_eq!(s.periods_used(), 106);
    // Replacing a profile frees its periods first: same id, more periods.
    assert_eq!(s.set(1, p(1, 0, 1), &idle()), Status::Accepted);
    assert_eq!(s.periods_used(), 59);
    assert_eq!(s.set(1, p(1, 0, 48), &idle()), Status::Accepted);
    // Every profile comes back whole after the packing, and limits still follow it.
    assert_eq!(s.get(1).unwrap().profile, p(1, 0, 48));
    assert_eq!(s.get(2).unwrap().profile, p(2, 0, 48));
    assert_eq!(s.get(3).unwrap().profile, p(3, 0, 10));
    let at = |min: i64| DateTime::from_unix_millis(dt(NOW).unix_millis() + min * 60_000).unwrap();
    assert_eq!(s.limit_at(2, at(47), None).unwrap().value, d(53.0));
    assert_eq!(s.limit_at(1, at(5), None).unwrap().value, d(11.0));
    assert_eq!(s.limit_at(3, at(100), None).unwrap().value, d(15.0));
    // Clearing frees them too.
    let clear = ClearChargingProfileRequest {
        id: Some(2),
        ..ClearChargingProfileRequest::default()
    };
    assert_eq!(s.clear(&clear), ClearChargingProfileStatus::Accepted);
    assert_eq!(s.periods_used(), 58);
    assert_eq!(s.get(3).unwrap().profile, p(3, 0, 10));
    assert_eq!(s.set(2, p(2, 0, 48), &idle()), Status::Accepted);
    // The image restores into a store of that pool, and is refused by a smaller one.
    let mut buf = std::vec![0u8; ProfileStoreOf::<8, 106>::ENCODED_MAX];
    let n = s.encode(&mut buf).unwrap();
    assert_eq!(
        ProfileStoreOf::<8, 106>::decode(&buf[..n], Settings::default()).unwrap(),
        s
    );
    assert_eq!(
        ProfileStoreOf::<8, 105>::decode(&buf[..n], Settings::default()),
        Err(StoreError::TooManyEntries)
    );
}

#[test]
fn set_rejects_when_full_unless_replacing() {
    let mut s = ProfileStoreOf::<2>::new(Settings::default());
    let p = |id: i32, level: i32| {
        absolute(
            id,
            level,
            Purpose::TxDefaultProfile,
            NOW,
            Unit::A,
            &[(0, 16.0)],
        )
    };
    assert_eq!(s.set(0, p(1, 0), &idle()), Status::Accepted);
    assert_eq!(s.set(0, p(2, 1), &idle()), Status::Accepted);
    assert_eq!(s.set(0, p(3, 2), &idle()), Status::Rejected);
    assert_eq!(s.len(), 2);
    assert_eq!(
        s.set(0, p(3, 1), &idle()),
        Status::Accepted,
        "replaces level 1"
    );
    assert_eq!(
        s.set(0, p(1, 5), &idle()),
        Status::Accepted,
        "replaces id 1"
    );
    assert!(s.get(2).is_none());
    assert_eq!(s.len(), 2);
    // An expired profile makes room.
    let mut expiring = p(4, 6);
    expiring.valid_to = Some(dt("2024-02-01T00:00:00Z"));
    s.clear(&ClearChargingProfileRequest {
        id: Some(1),
        ..Default::default()
    });
    assert_eq!(s.set(0, expiring, &idle()), Status::Accepted);
    let later = SetContext {
        now: dt("2024-02-01T00:00:00Z"),
        transaction: None,
    };
    assert_eq!(s.set(0, p(5, 7), &later), Status::Accepted);
    assert!(s.get(4).is_none());
}

// ---------------------------------------------------------------------------------------------
// ClearChargingProfile.
// ---------------------------------------------------------------------------------------------

fn clear_fixture() -> Store {
    let mut s = store();
    let t = tx(NOW, 1);
    let p = |id: i32, level: i32, purpose: Purpose| {
        absolute(id, level, purpose, NOW, Unit::A, &[(0, 16.0)])
    };
    install(&mut s, 0, p(1, 0, Purpose::ChargePointMaxProfile), &idle());
    install(&mut s, 0, p(2, 0, Purpose::TxDefaultProfile), &idle());
    install(&mut s, 0, p(3, 1, Purpose::TxDefaultProfile), &idle());
    install(&mut s, 1, p(4, 1, Purpose::TxDefaultProfile), &idle());
    install(&mut s, 1, p(5, 1, Purpose::TxProfile), &running(t));
    install(&mut s, 2, p(6, 0, Purpose::TxDefaultProfile), &idle());
    s
}

#[test]
fn clear_filters() {
    type R = ClearChargingProfileRequest;
    let ids = |s: &Store| {
        let mut v: Vec<i32> = s.iter().map(|p| p.profile.charging_profile_id).collect();
        v.sort_unstable();
        v
    };
    let cases: Vec<(&str, R, Vec<i32>)> = std::vec![
        ("no field clears all", R::default(), std::vec![]),
        (
            "id alone, any connector",
            R {
                id: Some(4),
                ..R::default()
            },
            std::vec![1, 2, 3, 5, 6]
        ),
        (
            "id ignores the other fields (errata 3.26)",
            R {
                id: Some(4),
                connector_id: Some(2),
                charging_profile_purpose: Some(Purpose::ChargePointMaxProfile),
                stack_level: Some(7),
            },
            std::vec![1, 2, 3, 5, 6]
        ),
        (
            "connector 0",
            R {
                connector_id: Some(0),
                ..R::default()
            },
            std::vec![4, 5, 6]
        ),
        (
            "connector 1",
            R {
                connector_id: Some(1),
                ..R::default()
            },
            std::vec![1, 2, 3, 6]
        ),
        (
            "purpose",
            R {
                charging_profile_purpose: Some(Purpose::TxDefaultProfile),
                ..R::default()
            },
            std::vec![1, 5]
        ),
        (
            "stack level",
            R {
                stack_level: Some(1),
                ..R::default()
            },
            std::vec![1, 2, 6]
        ),
        (
            "connector and purpose",
            R {
                connector_id: Some(0),
                charging_profile_purpose: Some(Purpose::TxDefaultProfile),
                ..R::default()
            },
            std::vec![1, 4, 5, 6]
        ),
        (
            "connector, purpose and level",
            R {
                connector_id: Some(1),
                charging_profile_purpose: Some(Purpose::TxDefaultProfile),
                stack_level: Some(1),
                id: None,
            },
            std::vec![1, 2, 3, 5, 6]
        ),
    ];
    for (name, req, left) in cases {
        let mut s = clear_fixture();
        assert_eq!(
            s.clear(&req),
            ClearChargingProfileStatus::Accepted,
            "{name}"
        );
        assert_eq!(ids(&s), left, "{name}");
    }
    let unknown = [
        R {
            id: Some(99),
            ..R::default()
        },
        R {
            connector_id: Some(3),
            ..R::default()
        },
        R {
            connector_id: Some(2),
            charging_profile_purpose: Some(Purpose::TxProfile),
            ..R::default()
        },
        R {
            stack_level: Some(1),
            connector_id: Some(2),
            ..R::default()
        },
    ];
    for req in unknown {
        let mut s = clear_fixture();
        assert_eq!(
            s.clear(&req),
            ClearChargingProfileStatus::Unknown,
            "{req:?}"
        );
        assert_eq!(s.len(), 6);
    }
    assert_eq!(
        store().clear(&R::default()),
        ClearChargingProfileStatus::Unknown
    );
}

// ---------------------------------------------------------------------------------------------
// Composite schedule edge cases.
// ---------------------------------------------------------------------------------------------

#[test]
fn composite_rejects_unknown_connectors_and_empty_durations() {
    let s = store();
    assert!(s.composite_schedule(5, dt(NOW), 60, None, None).is_none());
    assert!(s.composite_schedule(1, dt(NOW), 0, None, None).is_none());
    assert!(s.composite_schedule(1, dt(NOW), -5, None, None).is_none());
    // Nothing installed: the unconstrained limit, in its unit or the one asked for.
    let c = s.composite_schedule(4, dt(NOW), 60, None, None).unwrap();
    assert_eq!(
        (c.charging_rate_unit, pairs(&c)),
        (Unit::A, std::vec![(0, 32.0)])
    );
    let c = s
        .composite_schedule(0, dt(NOW), 60, Some(Unit::W), None)
        .unwrap();
    assert_eq!(pairs(&c), [(0, 22080.0)]);
}

#[test]
fn composite_unit_is_the_first_limiting_profiles() {
    let mut s = store();
    // Watts from 01:00, amperes from 02:00.
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::ChargePointMaxProfile,
            "2024-01-01T01:00:00Z",
            Unit::W,
            &[(0, 6900.0)],
        ),
        &idle(),
    );
    install(
        &mut s,
        0,
        absolute(
            2,
            0,
            Purpose::TxDefaultProfile,
            "2024-01-01T02:00:00Z",
            Unit::A,
            &[(0, 6.0)],
        ),
        &idle(),
    );
    let c = s
        .composite_schedule(1, dt(NOW), 3 * 3600, None, None)
        .unwrap();
    assert_eq!(c.charging_rate_unit, Unit::W);
    assert_eq!(pairs(&c), [(0, 22080.0), (3600, 6900.0), (7200, 4140.0)]);
    let c = s
        .composite_schedule(1, dt("2024-01-01T02:30:00Z"), 3600, None, None)
        .unwrap();
    assert_eq!(c.charging_rate_unit, Unit::A);
    assert_eq!(pairs(&c), [(0, 6.0)]);
}

#[test]
fn composite_is_cut_when_periods_do_not_fit() {
    let mut s = store();
    let periods: Vec<(i32, f64)> = (0..48).map(|i| (i * 60, f64::from(6 + i % 2))).collect();
    let mut p = recurring(
        1,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        NOW,
        Unit::A,
        &periods,
    );
    p.charging_schedule.duration = Some(48 * 60);
    install(&mut s, 0, p, &idle());
    // The first day: 48 periods and then the unconstrained default (a 49th).
    let c = s.composite_schedule(1, dt(NOW), 86400, None, None).unwrap();
    assert_eq!(c.charging_schedule_period.len(), 48);
    assert_eq!(c.duration, Some(48 * 60));
    assert_eq!(c.charging_schedule_period[47].start_period, 47 * 60);
    // Exactly 48 fit.
    let c = s
        .composite_schedule(1, dt(NOW), 48 * 60, None, None)
        .unwrap();
    assert_eq!(
        (c.charging_schedule_period.len(), c.duration),
        (48, Some(48 * 60))
    );
}

#[test]
fn composite_walk_is_bounded() {
    let mut s = store();
    // A boundary every day at which nothing changes.
    let p = recurring(
        1,
        0,
        Purpose::TxDefaultProfile,
        RecurrencyKind::Daily,
        NOW,
        Unit::A,
        &[(0, 10.0), (3600, 10.0)],
    );
    install(&mut s, 0, p, &idle());
    let c = s
        .composite_schedule(1, dt(NOW), i32::MAX, None, None)
        .unwrap();
    assert_eq!(pairs(&c), [(0, 10.0)]);
    let days = c.duration.unwrap() / 86400;
    assert!((4000..=4096).contains(&days), "{days}");
    // Short enough: complete.
    let c = s
        .composite_schedule(1, dt(NOW), 365 * 86400, None, None)
        .unwrap();
    assert_eq!(c.duration, Some(365 * 86400));
}

#[test]
fn composite_rounds_sub_second_boundaries_up() {
    let mut s = store();
    install(
        &mut s,
        0,
        absolute(
            1,
            0,
            Purpose::TxDefaultProfile,
            "2024-01-01T00:00:10Z",
            Unit::A,
            &[(0, 6.0), (1, 7.0), (2, 8.0)],
        ),
        &idle(),
    );
    // Asked at .400: the change at 10.000 is 9.6 s later, reported at 10 s.
    let c = s
        .composite_schedule(1, dt("2024-01-01T00:00:00.400Z"), 20, None, None)
        .unwrap();
    assert_eq!(pairs(&c), [(0, 32.0), (10, 6.0), (11, 7.0), (12, 8.0)]);
    // Two changes within one second: the later one is reported.
    let mut p = absolute(
        2,
        1,
        Purpose::TxDefaultProfile,
        "2024-01-01T00:00:10.200Z",
        Unit::A,
        &[(0, 9.0)],
    );
    p.charging_schedule.duration = Some(1);
    install(&mut s, 0, p, &idle());
    let c = s
        .composite_schedule(1, dt("2024-01-01T00:00:00.400Z"), 20, None, None)
        .unwrap();
    // 10.000 -> 6 A and 10.200 -> 9 A are both reported at 10 s: 9 A. 11.000 is still 9 A;
    // 11.200 -> 7 A at 11 s (10.8 s after start); 12.000 -> 8 A at 12 s.
    assert_eq!(pairs(&c), [(0, 32.0), (10, 9.0), (11, 7.0), (12, 8.0)]);
}

#[test]
fn next_change_is_none_without_profiles_and_skips_nothing() {
    let s = store();
    assert_eq!(s.next_change_after(1, dt(NOW), None), None);
    assert_eq!(s.limit_at(1, dt(NOW), None), None);
}

// ---------------------------------------------------------------------------------------------
// Persistence.
// ---------------------------------------------------------------------------------------------

fn full_profile(id: i32, level: i32) -> ChargingProfile {
    let periods: Vec<(i32, f64)> = (0..48).map(|i| (i * 900, f64::from(i) + 0.5)).collect();
    let mut p = recurring(
        id,
        level,
        Purpose::TxProfile,
        RecurrencyKind::Weekly,
        "2024-01-01T00:00:00.123Z",
        Unit::W,
        &periods,
    );
    p.transaction_id = Some(-1);
    p.valid_from = Some(dt("2023-01-01T00:00:00Z"));
    p.valid_to = Some(dt("9999-12-31T23:59:59.999Z"));
    p.charging_schedule.duration = Some(i32::MAX);
    p.charging_schedule.min_charging_rate = Some(d(1.5));
    for (i, q) in p
        .charging_schedule
        .charging_schedule_period
        .as_mut_slice()
        .iter_mut()
        .enumerate()
    {
        q.number_phases = [None, Some(1), Some(2), Some(3)][i % 4];
    }
    p
}

#[test]
fn encode_decode_round_trip() {
    let mut s = clear_fixture();
    install(
        &mut s,
        3,
        relative(7, 4, Purpose::TxDefaultProfile, &[(0, 1.0)]),
        &idle(),
    );
    let mut buf = [0u8; Store::ENCODED_MAX];
    let len = s.encode(&mut buf).unwrap();
    assert_eq!(len, s.encoded_len());
    let back = Store::decode(&buf[..len], Settings::default()).unwrap();
    assert_eq!(back, s);
    assert_eq!(store().encoded_len(), 13);

    // A full store of the largest profiles fills ENCODED_MAX exactly.
    let mut s = ProfileStoreOf::<4, 192>::new(Settings::default());
    let t = running(TxInfo {
        start: dt(NOW),
        id: Some(-1),
    });
    for i in 0..4 {
        install_n(&mut s, i + 1, full_profile(i as i32, 0), &t);
    }
    assert_eq!(s.encoded_len(), ProfileStoreOf::<4, 192>::ENCODED_MAX);
    let mut buf = std::vec![0u8; ProfileStoreOf::<4, 192>::ENCODED_MAX];
    assert_eq!(
        s.encode(&mut buf),
        Ok(ProfileStoreOf::<4, 192>::ENCODED_MAX)
    );
    assert_eq!(
        ProfileStoreOf::<4, 192>::decode(&buf, Settings::default()).unwrap(),
        s
    );
    // Too many for a smaller store; a larger one takes it.
    assert_eq!(
        ProfileStoreOf::<3, 192>::decode(&buf, Settings::default()),
        Err(StoreError::TooManyEntries)
    );
    assert_eq!(
        ProfileStoreOf::<8, 384>::decode(&buf, Settings::default())
            .unwrap()
            .len(),
        4
    );
    // Too small a buffer.
    assert_eq!(
        s.encode(&mut buf[..100]),
        Err(StoreError::BufferTooSmall {
            needed: ProfileStoreOf::<4, 192>::ENCODED_MAX
        })
    );
}

fn install_n<const N: usize, const P: usize>(
    s: &mut ProfileStoreOf<N, P>,
    connector: u32,
    p: ChargingProfile,
    ctx: &SetContext,
) {
    assert_eq!(s.set(connector, p, ctx), Status::Accepted);
}

/// Recomputes the trailing CRC after a deliberate change.
fn reseal(image: &mut [u8]) {
    let n = image.len() - 4;
    let crc = codec_crc(&image[..n]);
    image[n..].copy_from_slice(&crc.to_le_bytes());
}

fn codec_crc(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[test]
fn decode_refuses_damaged_images() {
    let s = clear_fixture();
    let mut buf = [0u8; Store::ENCODED_MAX];
    let len = s.encode(&mut buf).unwrap();
    let image = &buf[..len];
    let decode = |data: &[u8]| Store::decode(data, Settings::default());

    assert_eq!(decode(&[]), Err(StoreError::Malformed));
    assert_eq!(
        decode(b"OCAC\x01\0\0\0\0\0\0\0\0"),
        Err(StoreError::BadMagic)
    );
    let mut bad = image.to_vec();
    bad[20] ^= 0x40;
    assert_eq!(decode(&bad), Err(StoreError::ChecksumMismatch));
    let mut bad = image.to_vec();
    bad[4] = 2;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::UnsupportedFormat(2)));
    // Trailing bytes.
    let mut bad = image.to_vec();
    bad.insert(len - 4, 0);
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
    // Truncated.
    let mut bad = image[..len - 5].to_vec();
    bad.extend_from_slice(&[0; 4]);
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
    // The first profile is a ChargePointMaxProfile on connector 0: moving it to connector 1
    // makes a profile SetChargingProfile would have refused.
    let mut bad = image.to_vec();
    bad[9] = 1;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
    // An unknown purpose code.
    let mut bad = image.to_vec();
    bad[9 + 12] = 3;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
    // A duplicate id: the second profile (TxDefaultProfile, id 2) gets id 3 like the third.
    let mut two = store();
    let p = |id: i32, level: i32| {
        absolute(
            id,
            level,
            Purpose::TxDefaultProfile,
            NOW,
            Unit::A,
            &[(0, 16.0)],
        )
    };
    install(&mut two, 0, p(2, 0), &idle());
    install(&mut two, 0, p(3, 1), &idle());
    let len = two.encode(&mut buf).unwrap();
    let mut bad = buf[..len].to_vec();
    bad[9 + 4] = 3;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
    // Same connector, purpose and level.
    let mut bad = buf[..len].to_vec();
    let second = 9 + (len - 13) / 2;
    bad[second + 8] = 0;
    reseal(&mut bad);
    assert_eq!(decode(&bad), Err(StoreError::Malformed));
}

// ---------------------------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};

    /// Window of interest: around 2024-01-01. Everything is in whole seconds.
    const BASE_S: i64 = 1_704_067_200;
    const SPAN_S: i64 = 2 * 86400;

    fn at(offset_s: i64) -> DateTime {
        DateTime::from_unix_millis((BASE_S + offset_s) * 1000).unwrap()
    }

    #[derive(Debug, Clone)]
    struct Spec {
        connector: u32,
        profile: ChargingProfile,
    }

    fn any_period_list() -> impl Strategy<Value = Vec<(i32, i32, Option<i32>)>> {
        proptest::collection::vec(
            (
                1i32..7200,
                0i32..400,
                prop_oneof![Just(None), Just(Some(1)), Just(Some(3))],
            ),
            1..6,
        )
    }

    fn any_spec() -> impl Strategy<Value = Spec> {
        (
            (0u32..=2, 0usize..3, 0usize..3, 0usize..2, 0i32..4),
            (
                -SPAN_S / 2..SPAN_S / 2,
                proptest::option::weighted(0.5, 1i32..30_000),
                any::<bool>(),
            ),
            (
                proptest::option::weighted(0.3, -SPAN_S / 2..SPAN_S / 2),
                proptest::option::weighted(0.5, 0..SPAN_S / 4),
            ),
            any_period_list(),
            (
                1i32..1000,
                proptest::option::of(prop_oneof![Just(1), Just(2)]),
            ),
        )
            .prop_map(
                |(
                    (connector, purpose, kind, unit, level),
                    (start, duration, weekly),
                    (from, length),
                    periods,
                    (id, tx_id),
                )| {
                    let purpose = [
                        Purpose::ChargePointMaxProfile,
                        Purpose::TxDefaultProfile,
                        Purpose::TxProfile,
                    ][purpose];
                    let kind = [Kind::Absolute, Kind::Recurring, Kind::Relative][kind];
                    let unit = [Unit::A, Unit::W][unit];
                    let mut start_period = 0;
                    let periods: Vec<ChargingSchedulePeriod> = periods
                        .into_iter()
                        .enumerate()
                        .map(|(i, (gap, limit, phases))| {
                            if i > 0 {
                                start_period += gap;
                            }
                            ChargingSchedulePeriod {
                                start_period,
                                limit: Decimal::from_tenths(if unit == Unit::W {
                                    limit * 300
                                } else {
                                    limit
                                }),
                                number_phases: phases,
                            }
                        })
                        .collect();
                    let connector = match purpose {
                        Purpose::ChargePointMaxProfile => 0,
                        Purpose::TxProfile => connector.max(1),
                        Purpose::TxDefaultProfile => connector,
                    };
                    let profile = ChargingProfile {
                        charging_profile_id: id,
                        transaction_id: if purpose == Purpose::TxProfile {
                            tx_id
                        } else {
                            None
                        },
                        stack_level: level,
                        charging_profile_purpose: purpose,
                        charging_profile_kind: if purpose == Purpose::ChargePointMaxProfile
                            && kind == Kind::Relative
                        {
                            Kind::Absolute
                        } else {
                            kind
                        },
                        recurrency_kind: (kind == Kind::Recurring).then_some(if weekly {
                            RecurrencyKind::Weekly
                        } else {
                            RecurrencyKind::Daily
                        }),
                        valid_from: from.map(at),
                        valid_to: from.zip(length).map(|(f, l)| at(f + l + 1)),
                        charging_schedule: ChargingSchedule {
                            duration,
                            start_schedule: Some(at(start)),
                            charging_rate_unit: unit,
                            charging_schedule_period: List::try_from_iter(periods).unwrap(),
                            min_charging_rate: None,
                        },
                    };
                    Spec { connector, profile }
                },
            )
    }

    fn build(specs: &[Spec]) -> Store {
        let mut s = store();
        let ctx = SetContext {
            now: at(-10 * SPAN_S),
            transaction: Some(TxInfo {
                start: at(0),
                id: Some(1),
            }),
        };
        for spec in specs {
            // Some are refused (e.g. Recurring with a Relative purpose mix-up): fine.
            let _ = s.set(spec.connector, spec.profile.clone(), &ctx);
        }
        s
    }

    fn config(cases: u32, seed: u64) -> Config {
        Config {
            cases,
            rng_seed: RngSeed::Fixed(seed),
            failure_persistence: None,
            ..Config::default()
        }
    }

    proptest! {
        #![proptest_config(config(600, 0x5EED_0001))]

        /// The composite schedule, read at any second of its duration, gives what `limit_at`
        /// gives directly at that instant (converted to the composite's unit).
        #[test]
        fn composite_matches_limit_at(
            specs in proptest::collection::vec(any_spec(), 0..9),
            connector in 0u32..=2,
            start in -SPAN_S / 4..SPAN_S / 2,
            duration in 1i32..86400,
            unit in prop_oneof![Just(None), Just(Some(Unit::A)), Just(Some(Unit::W))],
            tx_start in proptest::option::weighted(0.7, -SPAN_S / 2..SPAN_S / 2),
            tx_id in prop_oneof![Just(None), Just(Some(1)), Just(Some(1)), Just(Some(2))],
            samples in proptest::collection::vec(0.0f64..1.0, 16),
        ) {
            let s = build(&specs);
            let tx = tx_start.map(|t| TxInfo { start: at(t), id: tx_id });
            let c = s.composite_schedule(connector, at(start), duration, unit, tx).unwrap();
            let covered = c.duration.unwrap();
            prop_assert!(covered > 0 && covered <= duration);
            if let Some(u) = unit {
                prop_assert_eq!(c.charging_rate_unit, u);
            }
            let periods = &c.charging_schedule_period;
            prop_assert!(!periods.is_empty() && periods.len() <= CHARGING_SCHEDULE_MAX_PERIODS);
            prop_assert_eq!(periods[0].start_period, 0);
            for w in periods.windows(2) {
                prop_assert!(w[0].start_period < w[1].start_period);
                prop_assert!(w[0].limit != w[1].limit || w[0].number_phases != w[1].number_phases);
            }
            prop_assert!(periods.last().unwrap().start_period < covered);

            let voltage = s.settings().line_voltage;
            let mut offsets: Vec<i32> = samples.iter().map(|f| (f * f64::from(covered)) as i32).collect();
            for p in periods {
                offsets.push(p.start_period);
                offsets.push(p.start_period - 1);
            }
            offsets.push(covered - 1);
            for offset in offsets.into_iter().filter(|&o| (0..covered).contains(&o)) {
                let t = at(start + i64::from(offset));
                let direct = s
                    .limit_at(connector, t, tx)
                    .unwrap_or(s.settings().unconstrained)
                    .to_unit(c.charging_rate_unit, voltage);
                let i = periods.partition_point(|p| p.start_period <= offset) - 1;
                prop_assert_eq!(
                    (periods[i].limit, periods[i].number_phases),
                    (direct.value, direct.number_phases),
                    "offset {}", offset
                );
            }
        }

        /// `next_change_after` is a true bound: the limit is constant until then.
        #[test]
        fn limit_is_constant_until_the_next_change(
            specs in proptest::collection::vec(any_spec(), 0..7),
            connector in 0u32..=2,
            t in -SPAN_S..SPAN_S,
            tx_start in proptest::option::of(-SPAN_S..SPAN_S),
            samples in proptest::collection::vec(0.0f64..1.0, 8),
        ) {
            let s = build(&specs);
            let tx = tx_start.map(|t| TxInfo { start: at(t), id: Some(1) });
            let here = s.limit_at(connector, at(t), tx);
            let next = s.next_change_after(connector, at(t), tx);
            let end_ms = next.map_or(at(t + 30 * 86400).unix_millis(), DateTime::unix_millis);
            prop_assert!(end_ms > at(t).unix_millis());
            for f in samples {
                let ms = at(t).unix_millis() + ((end_ms - at(t).unix_millis()) as f64 * f) as i64;
                prop_assert_eq!(s.limit_at(connector, DateTime::from_unix_millis(ms).unwrap(), tx), here);
            }
            let last = DateTime::from_unix_millis(end_ms - 1).unwrap();
            prop_assert_eq!(s.limit_at(connector, last, tx), here);
        }

        /// Whatever is installed round-trips through the image.
        #[test]
        fn image_round_trips(specs in proptest::collection::vec(any_spec(), 0..9)) {
            let s = build(&specs);
            let mut buf = [0u8; Store::ENCODED_MAX];
            let len = s.encode(&mut buf).unwrap();
            prop_assert_eq!(len, s.encoded_len());
            prop_assert_eq!(Store::decode(&buf[..len], Settings::default()).unwrap(), s);
        }
    }

    proptest! {
        #![proptest_config(config(2000, 0x5EED_0002))]

        /// Garbage, and images with one byte changed (CRC fixed up, so the parser sees them),
        /// never make decoding panic.
        #[test]
        fn decode_never_panics(
            garbage in proptest::collection::vec(any::<u8>(), 0..600),
            at_pos in any::<usize>(),
            byte in any::<u8>(),
        ) {
            let _ = Store::decode(&garbage, Settings::default());
            let s = clear_fixture();
            let mut buf = [0u8; Store::ENCODED_MAX];
            let len = s.encode(&mut buf).unwrap();
            let mut image = buf[..len].to_vec();
            let i = at_pos % (len - 4);
            image[i] = byte;
            reseal(&mut image);
            if let Ok(back) = Store::decode(&image, Settings::default()) {
                // Whatever decodes is a store `set` could have built: it encodes back the same.
                let mut again = [0u8; Store::ENCODED_MAX];
                let n = back.encode(&mut again).unwrap();
                prop_assert_eq!(&again[..n], &image[..]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// §3.13.3: the ChargePointMaxProfile is the limit for all connectors combined.

fn shared(max: Option<Limit>, own: &[Option<Limit>], drawing: &[bool]) -> Vec<Option<f64>> {
    let mut out = std::vec![None; own.len()];
    share_max(max, own, drawing, 230, &mut out);
    out.iter().map(|l| l.map(|l| f(l.value))).collect()
}

#[test]
fn charge_point_max_is_shared_among_the_connectors_that_draw() {
    // Slot 0 is the charge point itself: never drawing.
    let none = [None, None, None];
    assert_eq!(
        shared(amps(32.0), &none, &[false, true, true]),
        [Some(32.0), Some(16.0), Some(16.0)]
    );
    // One drawing: the whole cap; the idle one gets what it would get alone.
    assert_eq!(
        shared(amps(32.0), &none, &[false, true, false]),
        [Some(32.0), Some(32.0), Some(32.0)]
    );
    // What a connector cannot use goes to the other (water-filling).
    assert_eq!(
        shared(amps(32.0), &[None, amps(10.0), None], &[false, true, true]),
        [Some(32.0), Some(10.0), Some(22.0)]
    );
    // Own limits above the share are cut to it.
    assert_eq!(
        shared(
            amps(20.0),
            &[None, amps(16.0), amps(16.0)],
            &[false, true, true]
        ),
        [Some(20.0), Some(10.0), Some(10.0)]
    );
    // No cap: every connector keeps its own limit.
    assert_eq!(
        shared(None, &[None, amps(16.0), None], &[false, true, true]),
        [None, Some(16.0), None]
    );
}

#[test]
fn shares_never_add_up_to_more_than_the_cap() {
    // 10 A among three: 3.3 A each (rounded down to the tenth), 9.9 A in all.
    let got = shared(amps(10.0), &[None; 4], &[false, true, true, true]);
    assert_eq!(got[1..], [Some(3.3), Some(3.3), Some(3.3)]);
    // A cap in watts, connectors' own limits in amperes (3 phases at 230 V: 16 A is 11040 W).
    let cap = Some(Limit {
        value: d(15000.0),
        unit: Unit::W,
        number_phases: None,
    });
    let mut out = [None; 3];
    share_max(
        cap,
        &[None, amps(16.0), amps(6.0)],
        &[false, true, true],
        230,
        &mut out,
    );
    // 6 A is 4140 W, under an even share: the other connector gets 15000 - 4140 = 10860 W.
    assert_eq!(out[2], amps(6.0));
    let first = out[1].unwrap();
    assert_eq!((first.unit, f(first.value)), (Unit::W, 10860.0));
}

/// §7.13, issue "Reliability": the composite schedule carries the `minChargingRate` of the
/// schedule that governs the transaction at its start, in the composite's unit.
#[test]
fn composite_schedule_carries_the_min_charging_rate() {
    let mut s = store();
    let mut p = absolute(
        1,
        0,
        Purpose::TxDefaultProfile,
        "2024-05-01T00:00:00Z",
        Unit::A,
        &[(0, 16.0)],
    );
    p.charging_schedule.min_charging_rate = Some(d(6.0));
    install(&mut s, 0, p, &idle());
    let c = s
        .composite_schedule(1, dt("2024-05-01T06:00:00Z"), 3600, None, None)
        .unwrap();
    assert_eq!(c.min_charging_rate, Some(d(6.0)));
    // In watts: 6 A x 230 V x 3 phases.
    let c = s
        .composite_schedule(1, dt("2024-05-01T06:00:00Z"), 3600, Some(Unit::W), None)
        .unwrap();
    assert_eq!(c.min_charging_rate, Some(d(4140.0)));
    // No schedule in force at the start (before startSchedule): none.
    let c = s
        .composite_schedule(1, dt("2024-04-30T06:00:00Z"), 3600, None, None)
        .unwrap();
    assert_eq!(c.min_charging_rate, None);
}
