//! When to sample: clock-aligned (§3.16.2, §9.1.5) and periodic (§3.16.1, §9.1.19).

use super::item::IntervalValues;
use super::reading::{MeterReadings, Reading};
use crate::charge_point::time::{Instant, WallClock};
use crate::types::{DateTime, NoneIsZero};
use crate::v16::{ConnectorId, ReadingContext};

const DAY_MS: i64 = 86_400_000;

/// How late a clock-aligned sample may still be taken and stamped with its boundary: 60 s, or
/// half the interval when that is shorter.
///
/// A wakeup a little late is normal (a busy loop, a TLS handshake); a reading taken then still
/// stands for the boundary. Much later, and in particular after the wall clock jumped forward
/// (the first BootNotification.conf sets it, §4.2), the reading no longer stands for the boundary
/// it would be stamped with: the slot is skipped and the next boundary is waited for, which also
/// means a jump never produces a burst of samples for the slots it passed over.
pub const ALIGNED_MAX_LATENESS_MS: u64 = 60_000;

/// The latest clock-aligned boundary at or before `now_wall`; `None` when `interval_s` is 0
/// (clock-aligned data disabled, §9.1.5).
///
/// Boundaries are midnight UTC plus whole multiples of the interval, within each day (§9.1.5:
/// "evenly spaced ... intervals per day, starting at 00:00:00 (midnight)"). The spec does not
/// say whose midnight; §3.14 recommends UTC for all time values and the core knows no time zone
/// (its [`DateTime`] is UTC), so it is midnight UTC. Intervals that divide a day (900, 3600, ...)
/// give the same grid every day. One that does not (25 200 = 7 h) restarts at midnight: 00:00,
/// 07:00, 14:00, 21:00, then 00:00 again, the last interval of the day being shorter. An interval
/// of a day or more gives midnight only.
pub fn aligned_slot(now_wall: DateTime, interval_s: u32) -> Option<DateTime> {
    if interval_s == 0 {
        return None;
    }
    let ms = now_wall.unix_millis();
    let day = ms.div_euclid(DAY_MS) * DAY_MS;
    let iv = i64::from(interval_s) * 1000;
    DateTime::from_unix_millis(day + (ms - day) / iv * iv)
}

/// The first clock-aligned boundary strictly after `now_wall` (see [`aligned_slot`] for the
/// grid); `None` when `interval_s` is 0 or past year 9999.
pub fn next_aligned(now_wall: DateTime, interval_s: u32) -> Option<DateTime> {
    let slot = aligned_slot(now_wall, interval_s)?.unix_millis();
    let day = slot.div_euclid(DAY_MS) * DAY_MS;
    let next = (slot + i64::from(interval_s) * 1000).min(day + DAY_MS);
    DateTime::from_unix_millis(next)
}

/// When the next periodic sample of a transaction is due; `None` when `interval_s` is 0 (no
/// sampled data, §9.1.19).
///
/// Samples fall on the grid `tx_start + k * interval`, k ≥ 1 (§3.16.1: "periodically at this
/// interval from the start of the charging transaction"), so late wakeups do not make the grid
/// drift. The answer is the first grid point after `last_sample` (or after the start); when that
/// is already past at `now`, it is the latest grid point at or before `now` instead: the sample
/// is due, and one sample catches up any points that were missed (no burst). `None` too for a
/// grid point beyond the end of the monotonic clock.
pub fn next_sample(
    tx_start: Instant,
    last_sample: Option<Instant>,
    now: Instant,
    interval_s: u32,
) -> Option<Instant> {
    let first = first_sample_after(tx_start, last_sample, interval_s)?;
    if first > now {
        return Some(first);
    }
    let iv = u64::from(interval_s) * 1000;
    Some(tx_start.add_millis(now.since(tx_start) / iv * iv))
}

/// The first grid point after `last_sample` (or after `tx_start`).
fn first_sample_after(
    tx_start: Instant,
    last_sample: Option<Instant>,
    interval_s: u32,
) -> Option<Instant> {
    if interval_s == 0 {
        return None;
    }
    let iv = u64::from(interval_s) * 1000;
    let base = last_sample.map_or(0, |l| l.since(tx_start));
    // Past the end of the monotonic clock: never (saturating would make it due forever).
    let offset = (base / iv + 1).checked_mul(iv)?;
    tx_start.0.checked_add(offset).map(Instant)
}

/// A meter sample that is due: read the meter of `connector` and send (or record) its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Due {
    /// The connector (0: the main meter).
    pub connector: ConnectorId,
    /// `Sample.Clock` (use MeterValuesAlignedData and StopTxnAlignedData) or `Sample.Periodic`
    /// (MeterValuesSampledData and StopTxnSampledData).
    pub context: ReadingContext,
    /// The MeterValue's timestamp: the boundary for a clock-aligned sample (the reading stands
    /// for that instant, §9.1.5), the current wall-clock time for a periodic one.
    pub timestamp: DateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlignedWake {
    /// Something changed: poll now to find out.
    Poll,
    /// The next boundary, as a monotonic instant.
    At(Instant),
    /// Clock-aligned data is off, or the wall clock is not set.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transaction {
    start: Instant,
    /// The last periodic sample; `start` while there is none (a sample is never due at the
    /// start itself: the grid's first point is one interval later), which saves the 8 bytes of
    /// an `Option` for the interval bases beside it.
    last_sample: Instant,
    /// Makes `None` of `Option<Transaction>` zero bytes (see [`NoneIsZero`]).
    _none_is_zero: NoneIsZero,
}

impl Transaction {
    fn last_sample(&self) -> Option<Instant> {
        (self.last_sample != self.start).then_some(self.last_sample)
    }
}

/// Interval bases: periodic import, periodic export, clock-aligned import, clock-aligned export.
const BASE_PERIODIC: usize = 0;
const BASE_ALIGNED: usize = 2;
/// Registers are compared on their low 40 bits (in mWh: 1.1 GWh around).
const MASK_40: u64 = (1 << 40) - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ConnectorSchedule {
    aligned: bool,
    /// The last boundary handled (sent, or skipped as too late).
    last_slot: Option<DateTime>,
    transaction: Option<Transaction>,
    /// Which of the four interval bases are set (bit `i`: base `i`).
    base_set: u8,
    /// The bases' low 40 bits in mWh: bits 32-39 here ...
    base_hi: [u8; 4],
    /// ... and bits 0-31 here. 21 bytes, of which the struct's padding took 6.
    base_lo: [u32; 4],
}

impl ConnectorSchedule {
    const IDLE: ConnectorSchedule = ConnectorSchedule {
        aligned: false,
        last_slot: None,
        transaction: None,
        base_set: 0,
        base_hi: [0; 4],
        base_lo: [0; 4],
    };

    fn base(&self, i: usize) -> Option<u64> {
        if self.base_set & (1 << i) == 0 {
            return None;
        }
        let (hi, lo) = (self.base_hi.get(i)?, self.base_lo.get(i)?);
        Some(u64::from(*lo) | (u64::from(*hi) << 32))
    }

    fn set_base(&mut self, i: usize, v: Option<u64>) {
        let (Some(hi), Some(lo)) = (self.base_hi.get_mut(i), self.base_lo.get_mut(i)) else {
            return;
        };
        match v {
            Some(v) => {
                *hi = (v >> 32) as u8;
                *lo = v as u32;
                self.base_set |= 1 << i;
            }
            None => self.base_set &= !(1 << i),
        }
    }

    /// Forgets the two bases from `first`.
    fn clear_bases(&mut self, first: usize) {
        self.base_set &= !(0b11 << first);
    }
}

/// The sampling timetable of a charge point: clock-aligned samples on every enabled connector,
/// periodic samples on every connector with a transaction.
///
/// `N` is the number of connector ids including 0: a charge point with two connectors uses
/// `MeterScheduler<3>`; index = connector id. Clock-aligned samples are on by default for
/// connectors 1.. and off for connector 0, which only some charge points can measure (a main
/// meter, §4.7); see [`MeterScheduler::set_aligned_enabled`].
///
/// Use: fold [`MeterScheduler::next_deadline`] into the charge point's `poll_timeout`, and call
/// [`MeterScheduler::poll_due`] until it returns `None` whenever time passes or input arrived
/// (calls when nothing is due are no-ops). The clock-aligned deadline is recomputed on each
/// `poll_due` from the wall clock given; after setting the wall clock, call
/// [`MeterScheduler::wall_clock_changed`] (or `poll_due`).
///
/// Clock-aligned samples need a synchronised wall clock ([`WallClock::is_synced`]): a reading
/// aligned to a clock that is not set is worthless for billing, so none are produced before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterScheduler<const N: usize> {
    sample_interval_s: u32,
    aligned_interval_s: u32,
    connectors: [ConnectorSchedule; N],
    aligned_wake: AlignedWake,
}

impl<const N: usize> MeterScheduler<N> {
    /// A timetable with `MeterValueSampleInterval` and `ClockAlignedDataInterval` in seconds (0
    /// disables either).
    pub const fn new(sample_interval_s: u32, aligned_interval_s: u32) -> Self {
        let mut connectors = [ConnectorSchedule {
            aligned: true,
            ..ConnectorSchedule::IDLE
        }; N];
        if let Some(main) = connectors.first_mut() {
            main.aligned = false;
        }
        MeterScheduler {
            sample_interval_s,
            aligned_interval_s,
            connectors,
            aligned_wake: AlignedWake::Poll,
        }
    }

    /// The timetable of a charge point that has not started: as `new(0, 0)` but with clock-aligned
    /// samples off on every connector, so that its bytes are all zero (a `static` charge point
    /// lands in `.bss`); starting replaces it with [`MeterScheduler::new`].
    pub const fn blank() -> Self {
        MeterScheduler {
            sample_interval_s: 0,
            aligned_interval_s: 0,
            connectors: [ConnectorSchedule::IDLE; N],
            aligned_wake: AlignedWake::Poll,
        }
    }

    /// `MeterValueSampleInterval` changed. Running transactions keep their start as the grid's
    /// origin.
    pub fn set_sample_interval(&mut self, seconds: u32) {
        self.sample_interval_s = seconds;
    }

    /// `ClockAlignedDataInterval` changed.
    pub fn set_aligned_interval(&mut self, seconds: u32) {
        if seconds != self.aligned_interval_s {
            // The next aligned interval is not the one the bases began.
            for c in &mut self.connectors {
                c.clear_bases(BASE_ALIGNED);
            }
        }
        self.aligned_interval_s = seconds;
        self.aligned_wake = AlignedWake::Poll;
    }

    /// The current `MeterValueSampleInterval`, seconds.
    pub const fn sample_interval(&self) -> u32 {
        self.sample_interval_s
    }

    /// The current `ClockAlignedDataInterval`, seconds.
    pub const fn aligned_interval(&self) -> u32 {
        self.aligned_interval_s
    }

    /// Whether `connector` gets clock-aligned samples. `false` for an unknown connector.
    pub fn set_aligned_enabled(&mut self, connector: ConnectorId, enabled: bool) -> bool {
        let Some(c) = self.connector_mut(connector) else {
            return false;
        };
        if c.aligned != enabled {
            c.clear_bases(BASE_ALIGNED);
        }
        c.aligned = enabled;
        self.aligned_wake = AlignedWake::Poll;
        true
    }

    /// The wall clock was set: the next boundary moves.
    pub fn wall_clock_changed(&mut self) {
        self.aligned_wake = AlignedWake::Poll;
    }

    /// A transaction started on `connector` at `now`: periodic samples follow every interval
    /// from now. `false` (and ignored) for connector 0 or an unknown connector.
    pub fn transaction_started(&mut self, connector: ConnectorId, now: Instant) -> bool {
        if connector == 0 {
            return false;
        }
        let Some(c) = self.connector_mut(connector) else {
            return false;
        };
        c.transaction = Some(Transaction {
            start: now,
            last_sample: now,
            _none_is_zero: NoneIsZero::Marker,
        });
        c.clear_bases(BASE_PERIODIC);
        true
    }

    /// The transaction on `connector` stopped: no more periodic samples there.
    pub fn transaction_stopped(&mut self, connector: ConnectorId) {
        if let Some(c) = self.connector_mut(connector) {
            c.transaction = None;
            c.clear_bases(BASE_PERIODIC);
        }
    }

    /// The `Energy.Active.Import.Interval` and `Energy.Active.Export.Interval` values (§7.31) of
    /// a sample of `context` on `connector` whose readings are `readings`, and the bases moved on
    /// to them. Call it once per sample, with the readings the sample reports.
    ///
    /// - `Sample.Periodic`: the registers' increase since the previous periodic sample of the
    ///   transaction, or since its start for the first (§3.16.1: periodic samples count "from
    ///   the start of the charging transaction").
    /// - `Sample.Clock`: the increase since the previous boundary's sample on the connector
    ///   (§9.1.5: the values stand for the interval that ends at the boundary). None for the
    ///   first boundary after boot, after the wall clock was set or jumped, after clock-aligned
    ///   data was enabled or its interval changed, and after a boundary skipped as too late
    ///   ([`ALIGNED_MAX_LATENESS_MS`]): the previous reading would not be the previous boundary's,
    ///   and a value over an interval of unknown length is worse than none.
    /// - `Transaction.Begin`: none; the readings become the base of the transaction's first
    ///   periodic sample (call it when the transaction starts, after
    ///   [`MeterScheduler::transaction_started`]).
    /// - Any other context (`Trigger`, ...): none, and nothing changes (a triggered sample
    ///   stands for no interval).
    ///
    /// A register that is unknown or negative in `readings` gives no value, and the next sample
    /// has no base for it. One that went backwards (a replaced meter) gives no value.
    ///
    /// Where the bases live: 21 bytes per connector in this scheduler (a register's low 40 bits
    /// in mWh, so an increase below 550 MWh between two samples is exact), in RAM only. After a
    /// restart the first periodic sample of a resumed transaction, and the first clock-aligned
    /// sample, carry no interval value.
    pub fn interval_values(
        &mut self,
        connector: ConnectorId,
        context: ReadingContext,
        readings: &MeterReadings,
    ) -> IntervalValues {
        let Some(c) = self.connector_mut(connector) else {
            return IntervalValues::NONE;
        };
        let first = match context {
            ReadingContext::SamplePeriodic | ReadingContext::TransactionBegin => BASE_PERIODIC,
            ReadingContext::SampleClock => BASE_ALIGNED,
            _ => return IntervalValues::NONE,
        };
        let registers = [
            readings.energy_active_import_wh,
            readings.energy_active_export_wh,
        ];
        let mut out = [None; 2];
        for (k, (r, v)) in registers.iter().zip(out.iter_mut()).enumerate() {
            let now = r
                .filter(|r| !r.is_negative())
                .map(|r| r.milli() as u64 & MASK_40);
            if let (Some(before), Some(now)) = (c.base(first + k), now) {
                let d = now.wrapping_sub(before) & MASK_40;
                // Half the 40-bit circle: more is a register that went backwards.
                if d < 1 << 39 {
                    *v = Reading::from_milli(d as i64);
                }
            }
            c.set_base(first + k, now);
        }
        if context == ReadingContext::TransactionBegin {
            return IntervalValues::NONE;
        }
        let [active_import_wh, active_export_wh] = out;
        IntervalValues {
            active_import_wh,
            active_export_wh,
        }
    }

    /// The next sample due at `now`, if any; call again until `None`. Clock-aligned samples come
    /// first (they are billing data), in connector order, then periodic ones.
    ///
    /// Each due sample is returned once: a second call at the same instant, or a spurious wakeup
    /// before the deadline, returns `None`.
    pub fn poll_due(&mut self, now: Instant, wall: &WallClock) -> Option<Due> {
        let wall_now = wall.at(now);
        if let Some(due) = self.poll_aligned(wall_now, wall) {
            return Some(due);
        }
        let iv = self.sample_interval_s;
        for (id, c) in (0..).zip(self.connectors.iter_mut()) {
            let Some(tx) = c.transaction.as_mut() else {
                continue;
            };
            let due = next_sample(tx.start, tx.last_sample(), now, iv).is_some_and(|t| t <= now);
            if due {
                tx.last_sample = now;
                return Some(Due {
                    connector: id,
                    context: ReadingContext::SamplePeriodic,
                    timestamp: wall_now,
                });
            }
        }
        None
    }

    fn poll_aligned(&mut self, wall_now: DateTime, wall: &WallClock) -> Option<Due> {
        let iv = self.aligned_interval_s;
        let (Some(slot), Some(next), true) = (
            aligned_slot(wall_now, iv),
            next_aligned(wall_now, iv),
            wall.is_synced(),
        ) else {
            self.aligned_wake = AlignedWake::Never;
            return None;
        };
        let late = wall_now.unix_millis().abs_diff(slot.unix_millis());
        let fresh = late <= ALIGNED_MAX_LATENESS_MS.min(u64::from(iv) * 500);
        let mut wake: Option<DateTime> = None;
        for (id, c) in (0..).zip(self.connectors.iter_mut()) {
            if !c.aligned {
                continue;
            }
            match c.last_slot {
                // This boundary was handled already.
                Some(last) if last == slot => {}
                // The clock stepped back a little, to just before a boundary that was handled:
                // reaching it again must not repeat it.
                Some(last) if last > slot && last <= next => {}
                // A new boundary, or the clock jumped (either way) to a new one.
                _ => {
                    // Interval values only over exactly one interval (see `interval_values`).
                    let consecutive = c.last_slot.and_then(|l| next_aligned(l, iv)) == Some(slot);
                    if !consecutive || !fresh {
                        c.clear_bases(BASE_ALIGNED);
                    }
                    c.last_slot = Some(slot);
                    if fresh {
                        self.aligned_wake = AlignedWake::Poll;
                        return Some(Due {
                            connector: id,
                            context: ReadingContext::SampleClock,
                            timestamp: slot,
                        });
                    }
                }
            }
            // Next boundary after both now and the last one handled.
            let after = c.last_slot.map_or(wall_now, |l| l.max(wall_now));
            let n = next_aligned(after, iv);
            wake = match (wake, n) {
                (Some(w), Some(n)) => Some(w.min(n)),
                (w, n) => w.or(n),
            };
        }
        self.aligned_wake =
            wake.map_or(AlignedWake::Never, |w| AlignedWake::At(wall.instant_of(w)));
        None
    }

    /// The earliest instant at which [`MeterScheduler::poll_due`] may have something to do; a
    /// past instant means now. `None` when nothing is scheduled.
    pub fn next_deadline(&self) -> Option<Instant> {
        let aligned = match self.aligned_wake {
            AlignedWake::Poll => Some(Instant(0)),
            AlignedWake::At(t) => Some(t),
            AlignedWake::Never => None,
        };
        self.connectors
            .iter()
            .filter_map(|c| c.transaction)
            .filter_map(|tx| first_sample_after(tx.start, tx.last_sample(), self.sample_interval_s))
            .chain(aligned)
            .min()
    }

    fn connector_mut(&mut self, connector: ConnectorId) -> Option<&mut ConnectorSchedule> {
        self.connectors.get_mut(usize::try_from(connector).ok()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime {
        DateTime::parse(s).unwrap()
    }

    /// §9.1.5: "a value of 900 (15 minutes) indicates that every day should be broken into 96
    /// 15-minute intervals", starting at midnight (UTC, see `aligned_slot`).
    #[test]
    fn clock_aligned_grid() {
        let now = t("2024-05-01T12:07:30.5Z");
        assert_eq!(aligned_slot(now, 900), Some(t("2024-05-01T12:00:00Z")));
        assert_eq!(next_aligned(now, 900), Some(t("2024-05-01T12:15:00Z")));
        // On a boundary: that boundary is the slot, the next is strictly later.
        let b = t("2024-05-01T12:15:00Z");
        assert_eq!(aligned_slot(b, 900), Some(b));
        assert_eq!(next_aligned(b, 900), Some(t("2024-05-01T12:30:00Z")));
        // Across midnight.
        let late = t("2024-05-01T23:59:59.999Z");
        assert_eq!(next_aligned(late, 900), Some(t("2024-05-02T00:00:00Z")));
        // 96 intervals a day.
        let mut at = t("2024-05-01T00:00:00Z");
        for _ in 0..96 {
            at = next_aligned(at, 900).unwrap();
        }
        assert_eq!(at, t("2024-05-02T00:00:00Z"));
        // 0 disables (§9.1.5).
        assert_eq!(aligned_slot(now, 0), None);
        assert_eq!(next_aligned(now, 0), None);
    }

    #[test]
    fn clock_aligned_odd_intervals_restart_at_midnight() {
        let iv = 7 * 3600;
        assert_eq!(
            next_aligned(t("2024-05-01T20:00:00Z"), iv),
            Some(t("2024-05-01T21:00:00Z"))
        );
        assert_eq!(
            next_aligned(t("2024-05-01T21:00:00Z"), iv),
            Some(t("2024-05-02T00:00:00Z"))
        );
        assert_eq!(
            aligned_slot(t("2024-05-01T23:00:00Z"), iv),
            Some(t("2024-05-01T21:00:00Z"))
        );
        // A day or more: midnight only.
        for iv in [86_400, 172_800, u32::MAX] {
            assert_eq!(
                aligned_slot(t("2024-05-01T13:00:00Z"), iv),
                Some(t("2024-05-01T00:00:00Z"))
            );
            assert_eq!(
                next_aligned(t("2024-05-01T13:00:00Z"), iv),
                Some(t("2024-05-02T00:00:00Z"))
            );
        }
        // Before 1970 and at the end of the range.
        assert_eq!(
            next_aligned(t("1969-12-31T23:50:00Z"), 900),
            Some(t("1970-01-01T00:00:00Z"))
        );
        assert_eq!(next_aligned(t("9999-12-31T23:59:00Z"), 900), None);
        assert_eq!(
            next_aligned(t("0000-01-01T00:00:00Z"), 1),
            Some(t("0000-01-01T00:00:01Z"))
        );
    }

    /// §3.16.1/§9.1.19: "periodically at this interval from the start of the charging
    /// transaction"; 0 disables.
    #[test]
    fn periodic_grid_from_transaction_start() {
        let start = Instant(10_000);
        assert_eq!(next_sample(start, None, start, 60), Some(Instant(70_000)));
        assert_eq!(
            next_sample(start, None, Instant(69_999), 60),
            Some(Instant(70_000))
        );
        // Sampled a little late: the grid does not drift.
        assert_eq!(
            next_sample(start, Some(Instant(70_250)), Instant(70_250), 60),
            Some(Instant(130_000))
        );
        // Missed several points: the latest one is due now, once.
        assert_eq!(
            next_sample(start, Some(Instant(70_000)), Instant(315_000), 60),
            Some(Instant(310_000))
        );
        assert_eq!(
            next_sample(start, Some(Instant(315_000)), Instant(315_000), 60),
            Some(Instant(370_000))
        );
        assert_eq!(next_sample(start, None, Instant(99_999), 0), None);
        // Odd inputs stay sane: a last sample before the start, huge intervals and instants.
        assert_eq!(
            next_sample(start, Some(Instant(0)), start, 1),
            Some(Instant(11_000))
        );
        assert_eq!(
            next_sample(Instant(u64::MAX - 5), None, Instant(u64::MAX), u32::MAX),
            None
        );
        assert_eq!(
            next_sample(Instant(u64::MAX - 5), None, Instant(u64::MAX), 0),
            None
        );
    }

    fn synced(now: Instant, wall: &str) -> WallClock {
        let mut w = WallClock::unsynced(Instant(0), DateTime::default());
        w.set(now, t(wall));
        w
    }

    use std::vec::Vec;

    fn drain<const N: usize>(s: &mut MeterScheduler<N>, now: Instant, w: &WallClock) -> Vec<Due> {
        core::iter::from_fn(|| s.poll_due(now, w)).collect()
    }

    #[test]
    fn periodic_samples_once_per_interval() {
        let mut s = MeterScheduler::<3>::new(60, 0);
        let w = synced(Instant(0), "2024-05-01T12:00:00Z");
        assert_eq!(s.next_deadline(), Some(Instant(0)));
        assert!(drain(&mut s, Instant(0), &w).is_empty());
        assert_eq!(s.next_deadline(), None);
        assert!(s.transaction_started(1, Instant(5_000)));
        assert!(!s.transaction_started(0, Instant(5_000)));
        assert!(!s.transaction_started(3, Instant(5_000)));
        assert_eq!(s.next_deadline(), Some(Instant(65_000)));
        // Spurious wakeups: nothing.
        assert!(drain(&mut s, Instant(30_000), &w).is_empty());
        assert!(drain(&mut s, Instant(64_999), &w).is_empty());
        let due = drain(&mut s, Instant(65_010), &w);
        assert_eq!(
            due,
            [Due {
                connector: 1,
                context: ReadingContext::SamplePeriodic,
                timestamp: t("2024-05-01T12:01:05.010Z"),
            }]
        );
        assert!(drain(&mut s, Instant(65_010), &w).is_empty());
        assert_eq!(s.next_deadline(), Some(Instant(125_000)));
        // A second transaction on its own grid.
        s.transaction_started(2, Instant(100_000));
        assert_eq!(s.next_deadline(), Some(Instant(125_000)));
        // Woken very late: one sample per connector, not one per missed point.
        let due = drain(&mut s, Instant(400_000), &w);
        assert_eq!(due.iter().map(|d| d.connector).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(s.next_deadline(), Some(Instant(425_000)));
        s.transaction_stopped(1);
        s.transaction_stopped(2);
        s.transaction_stopped(99);
        assert_eq!(s.next_deadline(), None);
        assert!(drain(&mut s, Instant(1_000_000), &w).is_empty());
        // Interval 0: none.
        s.transaction_started(1, Instant(1_000_000));
        s.set_sample_interval(0);
        assert_eq!(s.next_deadline(), None);
        assert!(drain(&mut s, Instant(9_000_000), &w).is_empty());
        assert_eq!(s.sample_interval(), 0);
    }

    #[test]
    fn aligned_samples_on_every_enabled_connector() {
        let mut s = MeterScheduler::<3>::new(0, 900);
        let w = synced(Instant(1_000), "2024-05-01T12:07:00Z");
        // Between boundaries: nothing, and the deadline is the next boundary.
        assert!(drain(&mut s, Instant(1_000), &w).is_empty());
        assert_eq!(s.next_deadline(), Some(Instant(1_000 + 8 * 60_000)));
        assert!(drain(&mut s, Instant(400_000), &w).is_empty());
        let at = Instant(481_000);
        let due = drain(&mut s, at, &w);
        let clock = |connector| Due {
            connector,
            context: ReadingContext::SampleClock,
            timestamp: t("2024-05-01T12:15:00Z"),
        };
        assert_eq!(due, [clock(1), clock(2)]);
        assert_eq!(s.next_deadline(), Some(at.add_secs(900)));
        // The main meter too, once enabled; not again for the others.
        assert!(s.set_aligned_enabled(0, true));
        assert!(!s.set_aligned_enabled(7, true));
        assert_eq!(s.next_deadline(), Some(Instant(0)));
        assert_eq!(drain(&mut s, at.add_millis(5), &w), [clock(0)]);
        // A little late is fine, and stamped with the boundary.
        let due = drain(&mut s, at.add_secs(900).add_millis(1_500), &w);
        assert_eq!(due.len(), 3);
        assert!(due.iter().all(|d| d.timestamp == t("2024-05-01T12:30:00Z")));
        assert_eq!(s.aligned_interval(), 900);
        s.set_aligned_interval(0);
        assert_eq!(s.next_deadline(), Some(Instant(0)));
        assert!(drain(&mut s, at.add_secs(1800), &w).is_empty());
        assert_eq!(s.next_deadline(), None);
    }

    #[test]
    fn no_aligned_samples_without_a_set_clock() {
        let mut s = MeterScheduler::<2>::new(0, 900);
        let w = WallClock::unsynced(Instant(0), t("2024-05-01T12:14:59Z"));
        assert!(drain(&mut s, Instant(1_000), &w).is_empty());
        assert!(drain(&mut s, Instant(2_000), &w).is_empty());
        assert_eq!(s.next_deadline(), None);
    }

    /// A BootNotification.conf moves the wall clock by years: no burst of samples for the slots
    /// passed over, and the next boundary is the next sample (at most one per interval).
    #[test]
    fn forward_jump_of_the_wall_clock() {
        let mut s = MeterScheduler::<2>::new(0, 900);
        // Booted without a real-time clock: nothing until the clock is set.
        let mut w = WallClock::unsynced(Instant(0), t("2000-01-01T00:00:00Z"));
        assert!(drain(&mut s, Instant(0), &w).is_empty());
        assert!(drain(&mut s, Instant(10_000), &w).is_empty());
        // Jump to 12:07:00: the 12:00 boundary is 7 minutes old: skipped.
        w.set(Instant(20_000), t("2024-05-01T12:07:00Z"));
        s.wall_clock_changed();
        assert_eq!(s.next_deadline(), Some(Instant(0)));
        assert!(drain(&mut s, Instant(20_000), &w).is_empty());
        assert_eq!(s.next_deadline(), Some(Instant(20_000 + 8 * 60_000)));
        let due = drain(&mut s, Instant(20_000 + 8 * 60_000), &w);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].timestamp, t("2024-05-01T12:15:00Z"));
        // Jump forward a day, landing 2 s after a boundary: one sample for that boundary only.
        w.set(Instant(600_000), t("2024-05-02T08:45:02Z"));
        let due = drain(&mut s, Instant(600_000), &w);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].timestamp, t("2024-05-02T08:45:00Z"));
        assert!(drain(&mut s, Instant(600_001), &w).is_empty());
    }

    #[test]
    fn backward_steps_of_the_wall_clock() {
        let mut s = MeterScheduler::<2>::new(0, 900);
        let mut w = synced(Instant(0), "2024-05-01T12:15:00Z");
        assert_eq!(drain(&mut s, Instant(500), &w).len(), 1);
        // A heartbeat sets the clock 2 s back: reaching 12:15 again repeats nothing.
        w.set(Instant(1_000), t("2024-05-01T12:14:59Z"));
        assert!(drain(&mut s, Instant(1_000), &w).is_empty());
        assert_eq!(s.next_deadline(), Some(Instant(1_000 + 901_000)));
        assert!(drain(&mut s, Instant(2_500), &w).is_empty());
        let due = drain(&mut s, Instant(902_000), &w);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].timestamp, t("2024-05-01T12:30:00Z"));
        // The clock was an hour fast: after the correction, samples resume at the next boundary
        // instead of waiting an hour.
        w.set(Instant(903_000), t("2024-05-01T11:30:01Z"));
        let due = drain(&mut s, Instant(903_000), &w);
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].timestamp, t("2024-05-01T11:30:00Z"));
        w.set(Instant(904_000), t("2024-05-01T11:20:00Z"));
        assert!(drain(&mut s, Instant(904_000), &w).is_empty());
        // 11:30 was handled a moment ago: the next is 11:45.
        assert_eq!(s.next_deadline(), Some(Instant(904_000 + 1_500_000)));
        assert!(drain(&mut s, Instant(904_000 + 600_000), &w).is_empty());
        assert_eq!(drain(&mut s, Instant(904_000 + 1_500_000), &w).len(), 1);
    }

    #[test]
    fn short_intervals_have_short_lateness() {
        let mut s = MeterScheduler::<2>::new(0, 10);
        let w = synced(Instant(0), "2024-05-01T12:00:00Z");
        assert_eq!(drain(&mut s, Instant(5_000), &w).len(), 1);
        // 10 s interval: at most 5 s late.
        assert!(drain(&mut s, Instant(15_001), &w).is_empty());
        assert_eq!(drain(&mut s, Instant(20_000), &w).len(), 1);
        assert_eq!(drain(&mut s, Instant(25_000), &w).len(), 0);
        assert_eq!(drain(&mut s, Instant(35_000), &w).len(), 1);
    }

    #[test]
    fn aligned_and_periodic_together() {
        let mut s = MeterScheduler::<2>::new(300, 900);
        let w = synced(Instant(0), "2024-05-01T12:10:00Z");
        drain(&mut s, Instant(0), &w);
        s.transaction_started(1, Instant(0));
        assert_eq!(s.next_deadline(), Some(Instant(300_000)));
        let due = drain(&mut s, Instant(300_000), &w);
        assert_eq!(
            due.iter().map(|d| d.context).collect::<Vec<_>>(),
            [ReadingContext::SampleClock, ReadingContext::SamplePeriodic]
        );
        assert_eq!(s.next_deadline(), Some(Instant(600_000)));
        let empty = MeterScheduler::<0>::new(60, 900);
        assert_eq!(empty.next_deadline(), Some(Instant(0)));
    }

    /// §7.31 Energy.*.Interval with §9.1.5/§3.16.1: clock-aligned intervals only between
    /// consecutive boundaries; periodic ones from the transaction's start; a register that went
    /// backwards or is missing gives nothing.
    #[test]
    fn interval_values_follow_the_kind_of_sample() {
        let e = |wh: i64| {
            let mut r = MeterReadings::EMPTY;
            r.energy_active_import_wh = Reading::from_int(wh);
            r
        };
        let imp = |v: IntervalValues| v.active_import_wh.map(Reading::milli);
        let mut s = MeterScheduler::<2>::new(60, 900);
        let w = synced(Instant(0), "2024-05-01T12:00:00Z");
        // 12:00:00: the first boundary, nothing before it.
        let due = s.poll_due(Instant(0), &w).unwrap();
        assert_eq!(due.context, ReadingContext::SampleClock);
        assert_eq!(imp(s.interval_values(1, due.context, &e(100))), None);
        // 12:15:00: the next boundary, 15 Wh later.
        let q = Instant(900_000);
        let due = s.poll_due(q, &w).unwrap();
        assert_eq!(
            imp(s.interval_values(1, due.context, &e(115))),
            Some(15_000)
        );
        // 12:45:00: 12:30 was missed (too late): no interval over two quarters.
        let late = Instant(2_700_000);
        let due = s.poll_due(late, &w).unwrap();
        assert_eq!(due.timestamp, t("2024-05-01T12:45:00Z"));
        assert_eq!(imp(s.interval_values(1, due.context, &e(150))), None);
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SampleClock, &e(149))),
            None,
            "a register that went backwards"
        );
        // Periodic: from the Transaction.Begin reading, then from sample to sample.
        assert!(s.transaction_started(1, late));
        assert_eq!(
            s.interval_values(1, ReadingContext::TransactionBegin, &e(200)),
            IntervalValues::NONE
        );
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(212))),
            Some(12_000)
        );
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(212))),
            Some(0)
        );
        // A trigger changes nothing and reports nothing.
        assert_eq!(
            s.interval_values(1, ReadingContext::Trigger, &e(999)),
            IntervalValues::NONE
        );
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(220))),
            Some(8_000)
        );
        // Missing register: nothing, and no base for the next.
        assert_eq!(
            s.interval_values(1, ReadingContext::SamplePeriodic, &MeterReadings::EMPTY),
            IntervalValues::NONE
        );
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(230))),
            None
        );
        // A new transaction starts without the old base.
        s.transaction_stopped(1);
        assert!(s.transaction_started(1, Instant(3_000_000)));
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(240))),
            None
        );
        // Beyond 32 bits of mWh: the 40-bit bases still give the exact increase.
        assert!(s.transaction_started(1, Instant(3_100_000)));
        let big = 5_000_000_000_i64; // 5 GWh in Wh
        s.interval_values(1, ReadingContext::TransactionBegin, &e(big));
        assert_eq!(
            imp(s.interval_values(1, ReadingContext::SamplePeriodic, &e(big + 4_500_000))),
            Some(4_500_000_000)
        );
        // Unknown connector: nothing.
        assert_eq!(
            s.interval_values(7, ReadingContext::SamplePeriodic, &e(1)),
            IntervalValues::NONE
        );
    }
}
