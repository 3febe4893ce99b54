//! The `transactionData` of StopTransaction.req (§6.49, §9.1.25-9.1.28, errata 3.14 and 3.89).

use super::build::{MeterSetup, Sampled, build_from_lists_into};
use super::item::{IntervalValues, MeterItem, increase};
use super::reading::Reading;
use super::reading::{MeterReadings, PackedReadings};
use crate::limits::MAX_METER_VALUES;
use crate::types::{DateTime, List};
use crate::v16::{MeterValue, ReadingContext};
use serde::{Serialize, Serializer};

/// The measurands configured for StopTransaction.req: `StopTxnSampledData` (§9.1.27) and
/// `StopTxnAlignedData` (§9.1.25). These are lists of their own, separate from
/// MeterValuesSampledData and MeterValuesAlignedData. Entries may be phase-qualified
/// ([`MeterItem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StopTxnMeasurands<'a> {
    /// `StopTxnSampledData`: for `Sample.Periodic` values.
    pub sampled: &'a [MeterItem],
    /// `StopTxnAlignedData`: for `Sample.Clock` values.
    pub aligned: &'a [MeterItem],
}

impl StopTxnMeasurands<'_> {
    /// Both lists empty: StopTransaction.req carries no meter values (§3.16.5).
    pub fn is_empty(&self) -> bool {
        self.sampled.is_empty() && self.aligned.is_empty()
    }

    fn for_context(&self, context: ReadingContext) -> &[MeterItem] {
        if context == ReadingContext::SampleClock {
            self.aligned
        } else {
            self.sampled
        }
    }
}

/// One stored sample: the readings, not the MeterValue built from them, which is ten times
/// larger (a MeterValue reserves room for 20 sampled values of 128 bytes each).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Record {
    pub(crate) timestamp: DateTime,
    pub(crate) context: ReadingContext,
    pub(crate) readings: PackedReadings,
}

/// The meter values of one transaction, collected for its StopTransaction.req: the
/// `Transaction.Begin` value, up to `N` intermediate samples (`Sample.Periodic` every
/// MeterValueSampleInterval, `Sample.Clock` every ClockAlignedDataInterval) and the
/// `Transaction.End` value.
///
/// Begin and End hold every measurand of both lists (errata 3.14, §3.16.6: "RECOMMENDED to always
/// provide the start (Transaction.Begin) and stop (Transaction.End) values of every measurand
/// configured"); periodic samples hold StopTxnSampledData, clock-aligned ones StopTxnAlignedData.
/// The lists are applied when the StopTransaction.req is written
/// ([`TransactionData::write_into`]), so what is stored are readings.
///
/// `Energy.Active.*.Interval` values (§7.31) are computed when written, from the kept records:
/// a sample's is the register's increase since the previous written value of the same kind
/// (`Sample.Clock`, or any other sample context) in this `transactionData`, or since
/// Transaction.Begin for the first; Transaction.End's is the whole transaction's (since
/// Transaction.Begin); Transaction.Begin has none. Without thinning a periodic sample's value is
/// the one its MeterValues.req carried ([`MeterScheduler::interval_values`]); after thinning the
/// written intervals still add up, none counted twice or lost. Nothing extra is stored.
///
/// [`MeterScheduler::interval_values`]: super::MeterScheduler::interval_values
///
/// When more intermediate samples arrive than fit, the collection thins out (errata 3.89,
/// StopTransactionMaxMeterValues): Begin and End are never dropped ("SHALL never be dropped"), and
/// of the intermediate values the 1st, 3rd, 5th ... are dropped ("drop intermediate messages
/// first (1st message, 3th message, 5th message etc.)"), after which only every second sample is
/// kept, then every fourth after the next thinning, and so on. What remains is always evenly
/// spread over the whole transaction (every k-th sample, k a power of two), rather than the
/// first N or the last N. Never panics, never allocates.
///
/// `N + 2` values are kept; StopTransaction.req holds at most [`MAX_METER_VALUES`], so
/// `N = MAX_METER_VALUES - 2` ([`DefaultTransactionData`]) is the natural choice. A larger `N` is
/// thinned to fit when written (first and last kept, the others evenly chosen).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TransactionData<const N: usize> {
    // `pub(crate)` for the journal's binary codec (`charge_point::journal::codec`).
    pub(crate) begin: Option<Record>,
    pub(crate) middle: List<Record, N>,
    pub(crate) end: Option<Record>,
    /// Intermediate samples offered since `begin`.
    pub(crate) seen: u32,
    /// Every `stride`-th offered sample is kept.
    pub(crate) stride: u32,
}

/// [`TransactionData`] sized to fill one StopTransaction.req.
pub type DefaultTransactionData = TransactionData<{ MAX_METER_VALUES - 2 }>;

impl<const N: usize> Default for TransactionData<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> TransactionData<N> {
    /// Empty.
    pub const fn new() -> Self {
        TransactionData {
            begin: None,
            middle: List::new(),
            end: None,
            seen: 0,
            stride: 1,
        }
    }

    /// The value of `StopTransactionMaxMeterValues` (errata 3.89) this collection supports.
    pub const fn max_meter_values() -> usize {
        if N + 2 < MAX_METER_VALUES {
            N + 2
        } else {
            MAX_METER_VALUES
        }
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// A transaction started: forgets the previous one and keeps the `Transaction.Begin`
    /// readings.
    pub fn begin(&mut self, timestamp: DateTime, readings: &MeterReadings) {
        self.clear();
        self.begin = Some(Record {
            timestamp,
            context: ReadingContext::TransactionBegin,
            readings: PackedReadings::pack(readings),
        });
    }

    /// An intermediate sample: `Sample.Clock` ones count for StopTxnAlignedData, any other
    /// context for StopTxnSampledData. Not kept (returns `false`) when the matching list is empty,
    /// after [`TransactionData::end`], or when thinning passes it over.
    pub fn sample(
        &mut self,
        timestamp: DateTime,
        context: ReadingContext,
        readings: &MeterReadings,
        measurands: &StopTxnMeasurands<'_>,
    ) -> bool {
        if self.end.is_some() || measurands.for_context(context).is_empty() {
            return false;
        }
        self.seen = self.seen.saturating_add(1);
        if self.seen % self.stride != 0 {
            return false;
        }
        if self.middle.len() >= N {
            // Full. The middle holds the samples numbered stride, 2·stride, ... N·stride. Thin
            // only for a sample the thinned collection keeps (a multiple of 2·stride), so that
            // the collection stays as full as it can; until then, newer samples are passed over.
            let wider = self.stride.saturating_mul(2);
            if N == 0 || self.seen % wider != 0 {
                return false;
            }
            // Dropping the 1st, 3rd, 5th ... leaves the multiples of 2·stride.
            let mut position = 0usize;
            self.middle.retain(|_| {
                position += 1;
                position % 2 == 0
            });
            self.stride = wider;
        }
        self.middle
            .push(Record {
                timestamp,
                context,
                readings: PackedReadings::pack(readings),
            })
            .is_ok()
    }

    /// The transaction stopped: keeps the `Transaction.End` readings (a second call replaces
    /// them).
    pub fn end(&mut self, timestamp: DateTime, readings: &MeterReadings) {
        self.end = Some(Record {
            timestamp,
            context: ReadingContext::TransactionEnd,
            readings: PackedReadings::pack(readings),
        });
    }

    /// Values kept (Begin and End included).
    pub fn len(&self) -> usize {
        self.middle.len() + usize::from(self.begin.is_some()) + usize::from(self.end.is_some())
    }

    /// Nothing kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn record(&self, i: usize) -> Option<&Record> {
        let skip_begin = usize::from(self.begin.is_some());
        if i < skip_begin {
            return self.begin.as_ref();
        }
        let i = i - skip_begin;
        self.middle.get(i).or_else(|| {
            (i == self.middle.len())
                .then_some(self.end.as_ref())
                .flatten()
        })
    }

    /// The MeterValues of StopTransaction.req's `transactionData`, built one at a time in time
    /// order: one per kept sample that has a configured measurand, at most
    /// [`MAX_METER_VALUES`]; nothing when both lists are empty (§3.16.5).
    ///
    /// The result also serialises as the JSON array, so a charge point can write the
    /// `transactionData` straight from this collection without holding all the MeterValues at
    /// once (see [`TransactionData::write_into`] for the owned form).
    ///
    /// `Frequency` values go without their `unit`, as everywhere (the official 1.6 JSON schemas
    /// have no `Hertz`, and a central system that validates would refuse the whole message, a
    /// transaction message it must not lose; errata 3.84 makes the unit always Hertz).
    pub fn meter_values<'a>(
        &'a self,
        measurands: StopTxnMeasurands<'a>,
        setup: MeterSetup,
    ) -> TransactionMeterValues<'a, N> {
        TransactionMeterValues {
            data: self,
            measurands,
            setup,
            next: 0,
            bases: Bases::default(),
        }
    }

    /// Writes StopTransaction.req's `transactionData` into `out` (typically
    /// `&mut request.transaction_data`): the [`TransactionData::meter_values`], or `None` when
    /// there are none (both lists empty, §3.16.5, or nothing measured).
    pub fn write_into(
        &self,
        out: &mut Option<List<MeterValue, MAX_METER_VALUES>>,
        measurands: &StopTxnMeasurands<'_>,
        setup: MeterSetup,
    ) {
        *out = None;
        let mut list = List::new();
        for mv in self.meter_values(*measurands, setup) {
            if list.push(mv).is_err() {
                break;
            }
        }
        if !list.is_empty() {
            *out = Some(list);
        }
    }
}

/// The MeterValues of a [`TransactionData`], built on demand
/// ([`TransactionData::meter_values`]). Serialises as a JSON array.
#[derive(Debug, Clone)]
pub struct TransactionMeterValues<'a, const N: usize> {
    data: &'a TransactionData<N>,
    measurands: StopTxnMeasurands<'a>,
    setup: MeterSetup,
    /// The next of the `min(len, MAX_METER_VALUES)` positions to visit.
    next: usize,
    /// The registers the `Energy.*.Interval` values are measured from.
    bases: Bases,
}

/// The registers (active import, active export) of the last visited Transaction.Begin,
/// clock-aligned and other sample: what the next record's interval values count from. 96 bytes
/// of the writer's stack, nothing stored.
#[derive(Debug, Clone, Copy, Default)]
struct Bases {
    begin: Registers,
    aligned: Registers,
    sampled: Registers,
}

/// Active import and export registers.
#[derive(Debug, Clone, Copy, Default)]
struct Registers([Option<Reading>; 2]);

impl Registers {
    fn of(r: &MeterReadings) -> Registers {
        Registers([r.energy_active_import_wh, r.energy_active_export_wh])
    }

    /// The increase from `self` to `now`.
    fn until(self, now: Registers) -> IntervalValues {
        let [i0, e0] = self.0;
        let [i1, e1] = now.0;
        IntervalValues {
            active_import_wh: increase(i0, i1),
            active_export_wh: increase(e0, e1),
        }
    }

    /// Moves on to `now`, keeping a register `now` lacks (the next interval counts from the
    /// last one seen).
    fn advance(&mut self, now: Registers) {
        for (b, n) in self.0.iter_mut().zip(now.0) {
            if n.is_some() {
                *b = n;
            }
        }
    }
}

impl Bases {
    /// The interval values of a record of `context` whose readings are `now`, and the bases
    /// moved on to it.
    fn visit(&mut self, context: ReadingContext, now: &MeterReadings) -> IntervalValues {
        let now = Registers::of(now);
        let base = match context {
            ReadingContext::TransactionBegin => {
                *self = Bases {
                    begin: now,
                    aligned: now,
                    sampled: now,
                };
                return IntervalValues::NONE;
            }
            ReadingContext::TransactionEnd => return self.begin.until(now),
            ReadingContext::SampleClock => &mut self.aligned,
            _ => &mut self.sampled,
        };
        let v = base.until(now);
        base.advance(now);
        v
    }
}

impl<const N: usize> TransactionMeterValues<'_, N> {
    /// The next MeterValue, built into `out`; `false` at the end. What [`Iterator::next`] and
    /// the serialisation use: one MeterValue (2.8 KB with 20 sampled values) at a time, in the
    /// caller's place.
    fn next_into(&mut self, out: &mut MeterValue) -> bool {
        if self.measurands.is_empty() {
            return false;
        }
        let total = self.data.len();
        let cap = MAX_METER_VALUES;
        while self.next < total.min(cap) {
            let k = self.next;
            self.next += 1;
            // Evenly chosen when there are more than fit; the first and the last always.
            let i = if total <= cap {
                k
            } else {
                (k * (total - 1) + (cap - 1) / 2) / (cap - 1)
            };
            let Some(rec) = self.data.record(i) else {
                continue;
            };
            let both = [self.measurands.sampled, self.measurands.aligned];
            let one = [self.measurands.for_context(rec.context)];
            let lists: &[&[MeterItem]] = match rec.context {
                ReadingContext::TransactionBegin | ReadingContext::TransactionEnd => &both,
                _ => &one,
            };
            let readings = rec.readings.unpack();
            let intervals = self.bases.visit(rec.context, &readings);
            let sample = Sampled {
                readings: &readings,
                intervals,
                context: rec.context,
                setup: self.setup,
            };
            if !build_from_lists_into(out, &sample, lists, rec.timestamp) {
                continue;
            }
            return true;
        }
        false
    }
}

impl<const N: usize> Iterator for TransactionMeterValues<'_, N> {
    type Item = MeterValue;

    fn next(&mut self) -> Option<MeterValue> {
        let mut out = MeterValue {
            timestamp: DateTime::EPOCH,
            sampled_value: List::new(),
        };
        self.next_into(&mut out).then_some(out)
    }
}

impl<const N: usize> Serialize for TransactionMeterValues<'_, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut values = self.clone();
        let mut seq = serializer.serialize_seq(None)?;
        let mut value = MeterValue {
            timestamp: DateTime::EPOCH,
            sampled_value: List::new(),
        };
        while values.next_into(&mut value) {
            seq.serialize_element(&value)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge_point::metering::Reading;
    use crate::v16::{Location, StopTransactionRequest, UnitOfMeasure};
    use std::vec;
    use std::vec::Vec;

    use crate::v16::Measurand;

    const SAMPLED: &[MeterItem] = &[MeterItem::plain(Measurand::EnergyActiveImportRegister)];
    const ALIGNED: &[MeterItem] = &[
        MeterItem::plain(Measurand::EnergyActiveImportRegister),
        MeterItem::plain(Measurand::PowerActiveImport),
    ];
    const BOTH: StopTxnMeasurands<'static> = StopTxnMeasurands {
        sampled: SAMPLED,
        aligned: ALIGNED,
    };

    fn at(s: i64) -> DateTime {
        DateTime::from_unix_millis(1_714_564_800_000 + s * 1000).unwrap()
    }

    fn wh(v: i64) -> MeterReadings {
        let mut r = MeterReadings::EMPTY;
        r.energy_active_import_wh = Reading::from_int(v);
        r.power_active_import_w = Reading::from_int(7000);
        r
    }

    fn written<const N: usize>(
        td: &TransactionData<N>,
        m: &StopTxnMeasurands<'_>,
    ) -> Option<List<MeterValue, MAX_METER_VALUES>> {
        let mut out = None;
        td.write_into(&mut out, m, MeterSetup::OUTLET);
        out
    }

    /// The register value of each written MeterValue.
    fn registers(list: &List<MeterValue, MAX_METER_VALUES>) -> Vec<i64> {
        list.iter()
            .map(|mv| mv.sampled_value[0].value.parse().unwrap())
            .collect()
    }

    /// §3.16.5: empty StopTxnSampledData and StopTxnAlignedData, no meter values.
    #[test]
    fn nothing_when_not_configured() {
        let mut td = DefaultTransactionData::new();
        let none = StopTxnMeasurands::default();
        td.begin(at(0), &wh(1000));
        assert!(!td.sample(at(60), ReadingContext::SamplePeriodic, &wh(1010), &none));
        td.end(at(120), &wh(1020));
        assert_eq!(written(&td, &none), None);
        assert!(none.is_empty());
        // And nothing measured: nothing either.
        let mut td = DefaultTransactionData::new();
        td.begin(at(0), &MeterReadings::EMPTY);
        td.end(at(1), &MeterReadings::EMPTY);
        assert_eq!(written(&td, &BOTH), None);
    }

    /// §9.1.25/§9.1.27 and errata 3.14: Begin and End with every configured measurand, periodic
    /// samples with StopTxnSampledData, clock-aligned ones with StopTxnAlignedData.
    #[test]
    fn begin_samples_end() {
        use Measurand::{EnergyActiveImportRegister as E, PowerActiveImport as P};
        use ReadingContext::{SampleClock, SamplePeriodic, TransactionBegin, TransactionEnd};
        let mut td = DefaultTransactionData::new();
        assert!(td.is_empty());
        td.begin(at(0), &wh(1000));
        assert!(td.sample(at(60), ReadingContext::SamplePeriodic, &wh(1100), &BOTH));
        assert!(td.sample(at(90), ReadingContext::SampleClock, &wh(1150), &BOTH));
        td.end(at(100), &wh(1200));
        assert_eq!(td.len(), 4);
        // Nothing after the end.
        assert!(!td.sample(at(120), ReadingContext::SamplePeriodic, &wh(1300), &BOTH));
        let list = written(&td, &BOTH).unwrap();
        let shape: Vec<_> = list
            .iter()
            .map(|mv| {
                (
                    mv.timestamp,
                    mv.sampled_value
                        .iter()
                        .map(|s| (s.context.unwrap(), s.measurand.unwrap()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (at(0), vec![(TransactionBegin, E), (TransactionBegin, P)]),
                (at(60), vec![(SamplePeriodic, E)]),
                (at(90), vec![(SampleClock, E), (SampleClock, P)]),
                (at(100), vec![(TransactionEnd, E), (TransactionEnd, P)]),
            ]
        );
        // Serialised inside a StopTransaction.req.
        let mut req = StopTransactionRequest {
            id_tag: None,
            meter_stop: 1200,
            timestamp: at(100),
            transaction_id: 7,
            reason: None,
            transaction_data: None,
        };
        let td2 = {
            let mut t = DefaultTransactionData::new();
            t.begin(at(0), &wh(1000));
            t.end(at(100), &wh(1200));
            t
        };
        td2.write_into(
            &mut req.transaction_data,
            &StopTxnMeasurands {
                sampled: SAMPLED,
                aligned: &[],
            },
            MeterSetup::OUTLET,
        );
        let mut buf = [0u8; 1024];
        let n = crate::json::to_slice(&req, &mut buf).unwrap();
        assert_eq!(
            std::str::from_utf8(&buf[..n]).unwrap(),
            concat!(
                r#"{"meterStop":1200,"timestamp":"2024-05-01T12:01:40Z","transactionId":7,"transactionData":["#,
                r#"{"timestamp":"2024-05-01T12:00:00Z","sampledValue":[{"value":"1000","context":"Transaction.Begin","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"}]},"#,
                r#"{"timestamp":"2024-05-01T12:01:40Z","sampledValue":[{"value":"1200","context":"Transaction.End","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"}]}"#,
                "]}"
            )
        );
    }

    /// Errata 3.89: Begin and End are never dropped; intermediate values are thinned 1st, 3rd,
    /// 5th ... first, leaving an even spread.
    #[test]
    fn thinning_keeps_begin_end_and_an_even_spread() {
        let mut td = TransactionData::<4>::new();
        assert_eq!(TransactionData::<4>::max_meter_values(), 6);
        td.begin(at(0), &wh(0));
        for i in 1..=4 {
            assert!(td.sample(at(i), ReadingContext::SamplePeriodic, &wh(i), &BOTH));
        }
        // Full: the 5th is passed over (thinning to every 2nd would not keep it)...
        assert!(!td.sample(at(5), ReadingContext::SamplePeriodic, &wh(5), &BOTH));
        td.end(at(99), &wh(99));
        assert_eq!(
            registers(&written(&td, &BOTH).unwrap()),
            [0, 1, 2, 3, 4, 99]
        );
        td.end = None;
        // ... the 6th drops the 1st and 3rd and is kept.
        assert!(td.sample(at(6), ReadingContext::SamplePeriodic, &wh(6), &BOTH));
        td.end(at(99), &wh(99));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [0, 2, 4, 6, 99]);
        td.end = None;
        for i in 7..=40 {
            td.sample(at(i), ReadingContext::SamplePeriodic, &wh(i), &BOTH);
        }
        td.end(at(99), &wh(99));
        // 40 samples into 4 slots: every 8th.
        assert_eq!(
            registers(&written(&td, &BOTH).unwrap()),
            [0, 8, 16, 24, 32, 99]
        );
        assert_eq!(td.len(), 6);
        // A new transaction starts from scratch.
        td.begin(at(200), &wh(500));
        assert_eq!(td.len(), 1);
        assert!(td.sample(at(201), ReadingContext::SamplePeriodic, &wh(501), &BOTH));
    }

    #[test]
    fn thinning_with_an_odd_capacity() {
        let mut td = TransactionData::<3>::new();
        td.begin(at(0), &wh(0));
        for i in 1..=12 {
            td.sample(at(i), ReadingContext::SamplePeriodic, &wh(i), &BOTH);
        }
        td.end(at(99), &wh(99));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [0, 4, 8, 12, 99]);
    }

    #[test]
    fn no_room_for_intermediates() {
        let mut td = TransactionData::<0>::new();
        td.begin(at(0), &wh(0));
        assert!(!td.sample(at(1), ReadingContext::SamplePeriodic, &wh(1), &BOTH));
        td.end(at(2), &wh(2));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [0, 2]);
        // Samples without a Begin (started before this module knew): kept anyway.
        let mut td = TransactionData::<2>::new();
        td.sample(at(1), ReadingContext::SampleClock, &wh(1), &BOTH);
        td.end(at(2), &wh(2));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [1, 2]);
        // Only a Begin (the stop is written elsewhere): just that.
        let mut td = TransactionData::<2>::new();
        td.begin(at(0), &wh(0));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [0]);
    }

    #[test]
    fn larger_collections_are_thinned_to_one_request() {
        let mut td = TransactionData::<30>::new();
        assert_eq!(TransactionData::<30>::max_meter_values(), MAX_METER_VALUES);
        td.begin(at(0), &wh(0));
        for i in 1..=30 {
            assert!(td.sample(at(i), ReadingContext::SamplePeriodic, &wh(i), &BOTH));
        }
        td.end(at(31), &wh(31));
        let list = written(&td, &BOTH).unwrap();
        assert_eq!(list.len(), MAX_METER_VALUES);
        assert_eq!(registers(&list), [0, 4, 9, 13, 18, 22, 27, 31]);
    }

    #[test]
    fn only_the_matching_list_counts() {
        let only_aligned = StopTxnMeasurands {
            sampled: &[],
            aligned: ALIGNED,
        };
        let mut td = DefaultTransactionData::default();
        td.begin(at(0), &wh(0));
        assert!(!td.sample(at(1), ReadingContext::SamplePeriodic, &wh(1), &only_aligned));
        assert!(td.sample(at(2), ReadingContext::SampleClock, &wh(2), &only_aligned));
        assert_eq!(td.len(), 2);
        // A sample whose measurands are all unavailable is left out when written.
        let mut td = DefaultTransactionData::default();
        td.begin(at(0), &wh(0));
        td.sample(
            at(1),
            ReadingContext::SampleClock,
            &MeterReadings::EMPTY,
            &BOTH,
        );
        td.end(at(2), &wh(2));
        assert_eq!(registers(&written(&td, &BOTH).unwrap()), [0, 2]);
    }

    /// The borrowing view writes the same JSON as the owned list.
    #[test]
    fn view_serialises_like_the_owned_list() {
        let mut td = DefaultTransactionData::new();
        td.begin(at(0), &wh(1000));
        for i in 1..=9 {
            td.sample(
                at(i * 60),
                ReadingContext::SampleClock,
                &wh(1000 + i),
                &BOTH,
            );
        }
        td.end(at(600), &wh(1010));
        let owned = written(&td, &BOTH).unwrap();
        let view = td.meter_values(BOTH, MeterSetup::OUTLET);
        assert_eq!(view.clone().count(), owned.len());
        let (mut a, mut b) = ([0u8; 8192], [0u8; 8192]);
        let na = crate::json::to_slice(&owned, &mut a).unwrap();
        let nb = crate::json::to_slice(&view, &mut b).unwrap();
        assert_eq!(a[..na], b[..nb]);
        assert_eq!(
            td.meter_values(StopTxnMeasurands::default(), MeterSetup::OUTLET)
                .count(),
            0
        );
    }

    /// The StopTransaction.req schema has no `Hertz`; errata 3.84 makes it implicit.
    #[test]
    fn frequency_without_unit_in_stop_transaction() {
        let m = StopTxnMeasurands {
            sampled: &[Measurand::Frequency.into(), Measurand::Temperature.into()],
            aligned: &[],
        };
        let mut r = MeterReadings::EMPTY;
        r.frequency_hz = Reading::from_milli(49_980);
        r.temperature_c = Reading::from_milli(31_500);
        let mut td = DefaultTransactionData::new();
        td.begin(at(0), &r);
        let list = written(&td, &m).unwrap();
        let sv = &list[0].sampled_value;
        assert_eq!(sv[0].measurand, Some(Measurand::Frequency));
        assert_eq!(sv[0].unit, None);
        assert_eq!(sv[0].value, "49.98");
        assert_eq!(sv[1].unit, Some(UnitOfMeasure::Celsius));
        assert_eq!(sv[1].location, Some(Location::Body));
    }

    #[test]
    fn seen_counter_saturates_without_panicking() {
        let mut td = TransactionData::<2>::new();
        td.seen = u32::MAX - 1;
        td.stride = 1 << 31;
        for _ in 0..5 {
            td.sample(at(1), ReadingContext::SamplePeriodic, &wh(1), &BOTH);
        }
        assert!(td.len() <= 2);
    }
}
