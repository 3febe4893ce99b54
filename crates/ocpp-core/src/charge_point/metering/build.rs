//! Turning [`MeterReadings`] into a [`MeterValue`] (§4.7, §7.33, §7.43).

use super::item::{IntervalValues, MeterItem};
use super::reading::{MeterReadings, Reading};
use crate::types::{BoundedString, DateTime, List};
use crate::v16::{
    ConnectorId, Location, Measurand, MeterValue, Phase, ReadingContext, SampledValue,
    UnitOfMeasure,
};

/// How per-phase quantities (`Current.Import`, `Voltage`) are reported.
///
/// §3.16.3: "When a Charge Point can measure the same measurand on multiple locations or phases,
/// all possible locations and/or phases SHALL be reported", and its example sends three
/// `Current.Import` values, one per phase, and no total. Hence [`PhaseReporting::PerPhase`] is
/// the default. Some central systems only read a value without `phase` (§7.43: "interpreted as an
/// overall value"); the other two variants serve them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PhaseReporting {
    /// One value per phase the hardware measured, with `phase` set (`L1`..`L3` for current,
    /// `L1-N`..`L3-N` for voltage). No overall value. A single-phase meter gives one value,
    /// `L1`.
    #[default]
    PerPhase,
    /// One overall value without `phase`: for current the highest phase current (amperes per
    /// phase, the same sense as `Current.Offered` and charging limits, errata 3.68; a sum of
    /// phase currents is no physical quantity), for voltage the mean of the measured phases.
    Overall,
    /// The per-phase values followed by the overall value.
    PerPhaseAndOverall,
}

/// Where the meter sits and how it reports phases: the fixed facts about one connector's meter
/// that [`build_meter_value`] needs besides the readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeterSetup {
    /// `location` of the electrical values (§7.30): `Outlet` for a connector's meter, `Inlet`
    /// for the grid connection (connector 0, §3.16.3's example). `SoC` is always reported at
    /// `EV` and `Temperature` at `Body` ("reading inside Charge Point", §7.31), whatever this is.
    pub location: Location,
    /// Per-phase reporting.
    pub phases: PhaseReporting,
}

impl MeterSetup {
    /// A connector's meter: `Outlet`, per phase.
    pub const OUTLET: MeterSetup = MeterSetup {
        location: Location::Outlet,
        phases: PhaseReporting::PerPhase,
    };

    /// The grid connection's meter: `Inlet`, per phase.
    pub const INLET: MeterSetup = MeterSetup {
        location: Location::Inlet,
        phases: PhaseReporting::PerPhase,
    };

    /// [`MeterSetup::INLET`] for connector 0 (the main meter, §4.7), [`MeterSetup::OUTLET`] for
    /// the others.
    pub const fn for_connector(connector: ConnectorId) -> MeterSetup {
        if connector == 0 {
            MeterSetup::INLET
        } else {
            MeterSetup::OUTLET
        }
    }
}

impl Default for MeterSetup {
    fn default() -> Self {
        MeterSetup::OUTLET
    }
}

/// The measurands [`build_meter_value`] can report, given readings: the ones with a field in
/// [`MeterReadings`], and the `Energy.Active.*.Interval` values of the two registers (given as
/// [`IntervalValues`] to [`build_meter_value_with`]; see [`MeterScheduler::interval_values`]).
///
/// The configuration module answers a ChangeConfiguration of `MeterValuesSampledData`,
/// `MeterValuesAlignedData`, `StopTxnSampledData` or `StopTxnAlignedData` that names any other
/// measurand (or one the integrator's hardware lacks) with `Rejected` (§3.16.4). Phase-qualified
/// entries (`Voltage.L1`) are the combinations of [`QUALIFIED`](super::QUALIFIED).
///
/// [`MeterScheduler::interval_values`]: super::MeterScheduler::interval_values
pub const SUPPORTED_MEASURANDS: &[Measurand] = &[
    Measurand::EnergyActiveImportRegister,
    Measurand::EnergyActiveExportRegister,
    Measurand::EnergyActiveImportInterval,
    Measurand::EnergyActiveExportInterval,
    Measurand::PowerActiveImport,
    Measurand::PowerActiveExport,
    Measurand::CurrentImport,
    Measurand::Voltage,
    Measurand::CurrentOffered,
    Measurand::PowerOffered,
    Measurand::SoC,
    Measurand::Temperature,
    Measurand::Frequency,
];

/// Whether [`build_meter_value`] can ever report `m` (see [`SUPPORTED_MEASURANDS`]).
pub fn is_supported(m: Measurand) -> bool {
    SUPPORTED_MEASURANDS.contains(&m)
}

/// Builds one MeterValue: one SampledValue per configured measurand that the readings provide,
/// in the order of `measurands` (the central system's order). `None` when there is nothing to
/// report, since a MeterValue needs at least one sampled value (§7.33, `minItems: 1` in the
/// schema): the caller then sends nothing.
///
/// `measurands` are [`Measurand`]s or [`MeterItem`]s: a phase-qualified entry (`Voltage.L1`,
/// §9.1.17) reports that phase's value only, with `phase` set as configured, whatever
/// [`PhaseReporting`] says; it is left out when the plain entry of the same measurand is in the
/// list too and reports that phase under the same name already.
///
/// Each sampled value carries `measurand`, `unit`, `context` and `location` explicitly, even when
/// equal to the spec's default (§7.43: `Energy.Active.Import.Register`, `Wh`, `Sample.Periodic`,
/// `Outlet`): defaults are where central systems disagree most, and a few bytes buy certainty.
/// `format` is left out: it is always `Raw`, the default, and no system misreads its absence.
/// `phase` is set on per-phase values only (see [`PhaseReporting`]).
///
/// Skipped, never reported as zero or invented:
/// - measurands the readings do not provide (`None`, or not in [`SUPPORTED_MEASURANDS`]):
///   a sensor that fails for a moment must not stop the other values; `Energy.*.Interval`
///   here (no earlier reading: use [`build_meter_value_with`]);
/// - a measurand repeated in the list (reported once);
/// - values outside their physical range: a negative energy register, voltage or frequency, a
///   temperature below absolute zero, a SoC outside 0-100 %. Negative import, export or offered
///   power and current are reported as 0: the direction is in the measurand's name, and a small
///   negative value is the meter's noise around zero at idle (a bidirectional meter reports
///   reverse flow in the `*_export_*` fields).
///
/// When the values do not fit in a MeterValue ([`MAX_SAMPLED_VALUES`](crate::limits::MAX_SAMPLED_VALUES)), the last ones in the
/// configured order are left out: the central system lists what matters most first.
pub fn build_meter_value<M: Copy + Into<MeterItem>>(
    readings: &MeterReadings,
    measurands: &[M],
    context: ReadingContext,
    timestamp: DateTime,
    setup: MeterSetup,
) -> Option<MeterValue> {
    build_meter_value_with(
        readings,
        IntervalValues::NONE,
        measurands,
        context,
        timestamp,
        setup,
    )
}

/// [`build_meter_value`] with the sample's `Energy.Active.*.Interval` values (§7.31).
pub fn build_meter_value_with<M: Copy + Into<MeterItem>>(
    readings: &MeterReadings,
    intervals: IntervalValues,
    measurands: &[M],
    context: ReadingContext,
    timestamp: DateTime,
    setup: MeterSetup,
) -> Option<MeterValue> {
    let mut out = MeterValue {
        timestamp,
        sampled_value: List::new(),
    };
    let sample = Sampled {
        readings,
        intervals,
        context,
        setup,
    };
    for_each_sampled_value(&mut out.sampled_value, &sample, &[measurands]);
    (!out.sampled_value.is_empty()).then_some(out)
}

/// What one MeterValue is made of, besides the measurand lists.
#[derive(Clone, Copy)]
pub(crate) struct Sampled<'a> {
    pub(crate) readings: &'a MeterReadings,
    pub(crate) intervals: IntervalValues,
    pub(crate) context: ReadingContext,
    pub(crate) setup: MeterSetup,
}

/// The values of `sample` over the union of several lists (StopTxnSampledData and
/// StopTxnAlignedData for the Transaction.Begin and .End values), each entry once, into `out`
/// (its sampled values replaced), so that a caller that only serialises the value keeps one
/// MeterValue (2.8 KB with 20 sampled values) on its stack, not the copies a returned
/// `Option<MeterValue>` costs. `false` when there is nothing to report.
pub(crate) fn build_from_lists_into(
    out: &mut MeterValue,
    sample: &Sampled<'_>,
    lists: &[&[MeterItem]],
    timestamp: DateTime,
) -> bool {
    out.timestamp = timestamp;
    out.sampled_value.clear();
    for_each_sampled_value(&mut out.sampled_value, sample, lists);
    !out.sampled_value.is_empty()
}

/// Where the sampled values of a MeterValue go, one at a time: a list, or (for a message
/// written straight from the readings, `cp::views`) the serializer.
pub(crate) trait SampledSink {
    /// Takes one sampled value; false when no more fit (the rest are left out).
    fn push(&mut self, value: SampledValue) -> bool;
}

impl<const N: usize> SampledSink for List<SampledValue, N> {
    fn push(&mut self, value: SampledValue) -> bool {
        List::push(self, value).is_ok()
    }
}

/// The sampled values [`build_from_lists_into`] makes, handed to `out` one at a time (each
/// entry of `lists` once, in order, until `out` is full).
pub(crate) fn for_each_sampled_value<O: SampledSink, M: Copy + Into<MeterItem>>(
    out: &mut O,
    sample: &Sampled<'_>,
    lists: &[&[M]],
) {
    let items = || lists.iter().flat_map(|l| l.iter()).map(|&m| m.into());
    let mut done: List<MeterItem, 32> = List::new();
    for item in items() {
        if done.contains(&item) {
            continue;
        }
        // Cannot fail: `done` holds each of the (at most 31) entries at most once.
        let _ = done.push(item);
        if let Some(p) = item.phase() {
            let m = item.measurand();
            let plain = MeterItem::plain(m);
            if reports_per_phase(sample.setup)
                && per_phase_label(m, p) == Some(p)
                && items().any(|i| i == plain)
            {
                continue;
            }
        }
        if !push_item(out, sample, item) {
            break;
        }
    }
}

/// Whether [`build_meter_value`] would report anything (`Some`), without building the
/// MeterValue: at most one sampled value is made, on a small probe list.
pub fn has_meter_value<M: Copy + Into<MeterItem>>(
    readings: &MeterReadings,
    measurands: &[M],
    context: ReadingContext,
    setup: MeterSetup,
) -> bool {
    has_meter_value_with(readings, IntervalValues::NONE, measurands, context, setup)
}

/// [`has_meter_value`] with the sample's `Energy.Active.*.Interval` values.
pub fn has_meter_value_with<M: Copy + Into<MeterItem>>(
    readings: &MeterReadings,
    intervals: IntervalValues,
    measurands: &[M],
    context: ReadingContext,
    setup: MeterSetup,
) -> bool {
    let sample = Sampled {
        readings,
        intervals,
        context,
        setup,
    };
    let mut probe: List<SampledValue, 1> = List::new();
    measurands.iter().any(|&m| {
        let _ = push_item(&mut probe, &sample, m.into());
        !probe.is_empty()
    })
}

/// How a value outside its physical range is treated.
#[derive(Clone, Copy)]
enum Range {
    /// A register, RMS voltage or frequency: never negative; skipped when it is.
    NonNegative,
    /// A directed flow (import, export, offered): negative is reported as 0.
    Flow,
    /// 0 to 100 %: skipped outside.
    Percent,
    /// Degrees Celsius: skipped below absolute zero.
    Celsius,
}

fn sane(r: Option<Reading>, range: Range) -> Option<Reading> {
    let r = r?;
    match range {
        Range::NonNegative => (!r.is_negative()).then_some(r),
        Range::Flow => Some(if r.is_negative() { Reading::ZERO } else { r }),
        Range::Percent => (0..=100_000).contains(&r.milli()).then_some(r),
        Range::Celsius => (r.milli() >= -273_150).then_some(r),
    }
}

/// Whether plain per-phase entries report each phase (with `phase` set).
fn reports_per_phase(setup: MeterSetup) -> bool {
    matches!(
        setup.phases,
        PhaseReporting::PerPhase | PhaseReporting::PerPhaseAndOverall
    )
}

/// The per-phase quantities of the readings: their values, range and unit, and the names of
/// their phases as a plain entry reports them.
fn per_phase(r: &MeterReadings, m: Measurand) -> Option<PerPhase<'_>> {
    match m {
        Measurand::CurrentImport => Some(PerPhase {
            values: &r.current_import_a,
            range: Range::Flow,
            unit: UnitOfMeasure::A,
            phases: [Phase::L1, Phase::L2, Phase::L3],
            overall: Overall::Max,
        }),
        Measurand::Voltage => Some(PerPhase {
            values: &r.voltage_v,
            range: Range::NonNegative,
            unit: UnitOfMeasure::V,
            phases: [Phase::L1N, Phase::L2N, Phase::L3N],
            overall: Overall::Mean,
        }),
        _ => None,
    }
}

/// A per-phase quantity of [`MeterReadings`].
struct PerPhase<'a> {
    values: &'a [Option<Reading>; 3],
    range: Range,
    unit: UnitOfMeasure,
    phases: [Phase; 3],
    overall: Overall,
}

/// The reading index (L1, L2, L3) a phase qualifier names (`Voltage.L1` and `Voltage.L1-N`
/// both the first).
fn phase_index(p: Phase) -> Option<usize> {
    match p {
        Phase::L1 | Phase::L1N => Some(0),
        Phase::L2 | Phase::L2N => Some(1),
        Phase::L3 | Phase::L3N => Some(2),
        _ => None,
    }
}

/// The name a plain entry of `m` gives the phase that `p` names.
fn per_phase_label(m: Measurand, p: Phase) -> Option<Phase> {
    let labels = per_phase(&MeterReadings::EMPTY, m)?.phases;
    labels.get(phase_index(p)?).copied()
}

/// Appends the values of `item`; `false` once the list is full.
fn push_item<O: SampledSink>(out: &mut O, sample: &Sampled<'_>, item: MeterItem) -> bool {
    let (r, context, setup) = (sample.readings, sample.context, sample.setup);
    let m = item.measurand();
    if let Some(p) = item.phase() {
        // Only that phase, labelled as configured.
        let Some(q) = per_phase(r, m) else {
            return true;
        };
        let value = phase_index(p)
            .and_then(|i| q.values.get(i).copied().flatten())
            .and_then(|v| sane(Some(v), q.range));
        return match value {
            Some(v) => push(out, v, m, q.unit, context, setup.location, Some(p)),
            None => true,
        };
    }
    let at = setup.location;
    let one = |value: Option<Reading>, range: Range, unit: UnitOfMeasure, location: Location| {
        sane(value, range).map(|v| (v, unit, location))
    };
    let single = match m {
        Measurand::EnergyActiveImportRegister => one(
            r.energy_active_import_wh,
            Range::NonNegative,
            UnitOfMeasure::Wh,
            at,
        ),
        Measurand::EnergyActiveExportRegister => one(
            r.energy_active_export_wh,
            Range::NonNegative,
            UnitOfMeasure::Wh,
            at,
        ),
        // §7.31: the energy "during an associated time interval", see `IntervalValues`.
        Measurand::EnergyActiveImportInterval => one(
            sample.intervals.active_import_wh,
            Range::NonNegative,
            UnitOfMeasure::Wh,
            at,
        ),
        Measurand::EnergyActiveExportInterval => one(
            sample.intervals.active_export_wh,
            Range::NonNegative,
            UnitOfMeasure::Wh,
            at,
        ),
        Measurand::PowerActiveImport => {
            one(r.power_active_import_w, Range::Flow, UnitOfMeasure::W, at)
        }
        Measurand::PowerActiveExport => {
            one(r.power_active_export_w, Range::Flow, UnitOfMeasure::W, at)
        }
        Measurand::CurrentOffered => one(r.current_offered_a, Range::Flow, UnitOfMeasure::A, at),
        Measurand::PowerOffered => one(r.power_offered_w, Range::Flow, UnitOfMeasure::W, at),
        Measurand::SoC => one(
            r.soc_percent,
            Range::Percent,
            UnitOfMeasure::Percent,
            Location::Ev,
        ),
        Measurand::Temperature => one(
            r.temperature_c,
            Range::Celsius,
            UnitOfMeasure::Celsius,
            Location::Body,
        ),
        // Errata 3.84: "the UnitOfMeasure for any SampledValue with measurand: Frequency is
        // Hertz". Written without it (see `push`).
        Measurand::Frequency => one(r.frequency_hz, Range::NonNegative, UnitOfMeasure::Hertz, at),
        Measurand::CurrentImport | Measurand::Voltage => {
            return match per_phase(r, m) {
                Some(q) => push_phases(out, &q, (m, context, setup)),
                None => true,
            };
        }
        _ => None,
    };
    match single {
        Some((value, unit, location)) => push(out, value, m, unit, context, location, None),
        None => true,
    }
}

/// How the overall value of a per-phase quantity is formed.
#[derive(Clone, Copy)]
enum Overall {
    Max,
    Mean,
}

fn push_phases<O: SampledSink>(
    out: &mut O,
    q: &PerPhase<'_>,
    (m, context, setup): (Measurand, ReadingContext, MeterSetup),
) -> bool {
    let (values, range, phases, overall, unit) = (q.values, q.range, q.phases, q.overall, q.unit);
    let per_phase = reports_per_phase(setup);
    let with_overall = matches!(
        setup.phases,
        PhaseReporting::Overall | PhaseReporting::PerPhaseAndOverall
    );
    let (mut max, mut sum, mut n) = (i64::MIN, 0i64, 0i64);
    for (value, phase) in values.iter().zip(phases) {
        let Some(v) = sane(*value, range) else {
            continue;
        };
        max = max.max(v.milli());
        // Three values below 10^18 in magnitude: the sum stays below i64::MAX (9.2 * 10^18).
        sum = sum.saturating_add(v.milli());
        n += 1;
        if per_phase && !push(out, v, m, unit, context, setup.location, Some(phase)) {
            return false;
        }
    }
    if with_overall && n > 0 {
        let milli = match overall {
            Overall::Max => Some(max),
            // Round half up: the values are non-negative here.
            Overall::Mean => Some((sum + n / 2) / n),
        };
        if let Some(v) = milli.and_then(Reading::from_milli) {
            return push(out, v, m, unit, context, setup.location, None);
        }
    }
    true
}

fn push<O: SampledSink>(
    out: &mut O,
    value: Reading,
    measurand: Measurand,
    unit: UnitOfMeasure,
    context: ReadingContext,
    location: Location,
    phase: Option<Phase>,
) -> bool {
    // At most 20 bytes: fits the 128-byte value.
    let Ok(text) = BoundedString::try_from(value.format(&mut [0; 24])) else {
        return true;
    };
    out.push(SampledValue {
        value: text,
        context: Some(context),
        format: None,
        measurand: Some(measurand),
        phase,
        location: Some(location),
        // `Hertz` is not in the unit enumeration of the official OCPP 1.6 JSON schemas
        // (MeterValues.req and StopTransaction.req); the PyPI `ocpp` package added it to its
        // copy, but a central system validating against the OCA schemas (ocpp-rpc in strict
        // mode, for one) refuses the whole message. Errata 3.84 makes Frequency's unit always
        // Hertz, and `unit` is optional, so leaving it out loses nothing.
        unit: (unit != UnitOfMeasure::Hertz).then_some(unit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::to_slice;
    use crate::limits::MAX_SAMPLED_VALUES;
    use std::borrow::ToOwned;

    /// Test shorthand: the nearest reading to `v` (floats only in tests).
    fn r(v: f64) -> Option<Reading> {
        Reading::from_milli((v * 1000.0).round() as i64)
    }

    fn ts() -> DateTime {
        DateTime::parse("2024-05-01T12:15:00Z").unwrap()
    }

    fn full() -> MeterReadings {
        MeterReadings {
            energy_active_import_wh: r(12345.6),
            energy_active_export_wh: r(10.0),
            power_active_import_w: r(7360.0),
            power_active_export_w: r(0.0),
            current_import_a: [r(16.0), r(15.5), r(15.75)],
            voltage_v: [r(230.1), r(229.9), r(231.0)],
            current_offered_a: r(16.0),
            power_offered_w: r(11000.0),
            soc_percent: r(55.0),
            temperature_c: r(-5.5),
            frequency_hz: r(50.01),
        }
    }

    // §3.16.4 (nothing to report, no message): `has_meter_value` (a one-value probe) agrees with
    // `build_meter_value` for each measurand alone and for the whole list, on full, empty,
    // out-of-range and partial readings, with every phase reporting.
    #[test]
    fn has_meter_value_agrees_with_build_meter_value() {
        let mut partial = MeterReadings::EMPTY;
        partial.voltage_v = [None, r(230.0), None];
        partial.soc_percent = r(140.0);
        partial.energy_active_import_wh = r(-1.0);
        let readings = [full(), MeterReadings::EMPTY, partial];
        for phases in [
            PhaseReporting::PerPhase,
            PhaseReporting::Overall,
            PhaseReporting::PerPhaseAndOverall,
        ] {
            let setup = MeterSetup {
                phases,
                ..MeterSetup::OUTLET
            };
            for r in &readings {
                for context in [ReadingContext::SamplePeriodic, ReadingContext::Trigger] {
                    let check = |ms: &[Measurand]| {
                        assert_eq!(
                            has_meter_value(r, ms, context, setup),
                            build_meter_value(r, ms, context, ts(), setup).is_some(),
                            "{ms:?}"
                        );
                    };
                    check(Measurand::ALL);
                    check(&[]);
                    for m in Measurand::ALL {
                        check(core::slice::from_ref(m));
                    }
                }
            }
        }
    }

    fn json(mv: &MeterValue) -> std::string::String {
        let mut buf = [0u8; 4096];
        let n = to_slice(mv, &mut buf).unwrap();
        std::str::from_utf8(&buf[..n]).unwrap().into()
    }

    /// §4.7/§7.43: the wire form of one MeterValue, every field pinned.
    #[test]
    fn wire_form_of_a_meter_value() {
        let mv = build_meter_value(
            &full(),
            &[
                Measurand::EnergyActiveImportRegister,
                Measurand::CurrentImport,
                Measurand::SoC,
            ],
            ReadingContext::SamplePeriodic,
            ts(),
            MeterSetup::OUTLET,
        )
        .unwrap();
        assert_eq!(
            json(&mv),
            concat!(
                r#"{"timestamp":"2024-05-01T12:15:00Z","sampledValue":["#,
                r#"{"value":"12345.6","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"},"#,
                r#"{"value":"16","context":"Sample.Periodic","measurand":"Current.Import","phase":"L1","location":"Outlet","unit":"A"},"#,
                r#"{"value":"15.5","context":"Sample.Periodic","measurand":"Current.Import","phase":"L2","location":"Outlet","unit":"A"},"#,
                r#"{"value":"15.75","context":"Sample.Periodic","measurand":"Current.Import","phase":"L3","location":"Outlet","unit":"A"},"#,
                r#"{"value":"55","context":"Sample.Periodic","measurand":"SoC","location":"EV","unit":"Percent"}"#,
                "]}"
            )
        );
        // And it decodes back to the same value.
        let text = json(&mv);
        let back: MeterValue =
            crate::json::from_str(&text, &crate::json::DecodeOptions::default()).unwrap();
        assert_eq!(back, mv);
    }

    /// §7.31/§7.45 and errata 3.84: every supported measurand with its unit and location.
    #[test]
    fn units_and_locations() {
        let mv = build_meter_value(
            &full(),
            SUPPORTED_MEASURANDS,
            ReadingContext::SampleClock,
            ts(),
            MeterSetup::INLET,
        )
        .unwrap();
        let got: std::vec::Vec<_> = mv
            .sampled_value
            .iter()
            .map(|s| {
                (
                    s.measurand.unwrap().as_str(),
                    s.value.as_str(),
                    s.unit.map_or("-", UnitOfMeasure::as_str),
                    s.location.unwrap().as_str(),
                    s.phase.map(Phase::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Energy.Active.Import.Register",
                    "12345.6",
                    "Wh",
                    "Inlet",
                    None
                ),
                ("Energy.Active.Export.Register", "10", "Wh", "Inlet", None),
                ("Power.Active.Import", "7360", "W", "Inlet", None),
                ("Power.Active.Export", "0", "W", "Inlet", None),
                ("Current.Import", "16", "A", "Inlet", Some("L1")),
                ("Current.Import", "15.5", "A", "Inlet", Some("L2")),
                ("Current.Import", "15.75", "A", "Inlet", Some("L3")),
                ("Voltage", "230.1", "V", "Inlet", Some("L1-N")),
                ("Voltage", "229.9", "V", "Inlet", Some("L2-N")),
                ("Voltage", "231", "V", "Inlet", Some("L3-N")),
                ("Current.Offered", "16", "A", "Inlet", None),
                ("Power.Offered", "11000", "W", "Inlet", None),
                ("SoC", "55", "Percent", "EV", None),
                ("Temperature", "-5.5", "Celsius", "Body", None),
                ("Frequency", "50.01", "-", "Inlet", None),
            ]
        );
        assert!(
            mv.sampled_value
                .iter()
                .all(|s| s.context == Some(ReadingContext::SampleClock) && s.format.is_none())
        );
    }

    /// §3.16.4 (errata 3.14.4): what the hardware does not provide is left out, not zero.
    #[test]
    fn unavailable_and_unsupported_are_skipped() {
        let mut readings = MeterReadings::EMPTY;
        readings.current_import_a = [r(6.0), None, None];
        let mv = build_meter_value(
            &readings,
            &[
                Measurand::PowerFactor,
                Measurand::Rpm,
                Measurand::EnergyActiveImportRegister,
                Measurand::CurrentImport,
                Measurand::Voltage,
            ],
            ReadingContext::SamplePeriodic,
            ts(),
            MeterSetup::OUTLET,
        )
        .unwrap();
        assert_eq!(mv.sampled_value.len(), 1);
        assert_eq!(mv.sampled_value[0].phase, Some(Phase::L1));
        // Nothing at all: no MeterValue (it needs at least one sampled value, §7.33).
        assert_eq!(
            build_meter_value(
                &MeterReadings::EMPTY,
                SUPPORTED_MEASURANDS,
                ReadingContext::Trigger,
                ts(),
                MeterSetup::OUTLET
            ),
            None
        );
        assert_eq!(
            build_meter_value::<Measurand>(
                &full(),
                &[],
                ReadingContext::Trigger,
                ts(),
                MeterSetup::OUTLET
            ),
            None
        );
        assert!(!is_supported(Measurand::PowerFactor));
        assert!(is_supported(Measurand::SoC));
    }

    /// §3.16.3 and §7.43 ("When phase is absent, the measured value is interpreted as an overall
    /// value").
    #[test]
    fn phase_reporting_variants() {
        let m = [Measurand::CurrentImport, Measurand::Voltage];
        let values = |phases| {
            let setup = MeterSetup {
                location: Location::Outlet,
                phases,
            };
            let mv = build_meter_value(&full(), &m, ReadingContext::Trigger, ts(), setup).unwrap();
            mv.sampled_value
                .iter()
                .map(|s| (s.value.as_str().to_owned(), s.phase))
                .collect::<std::vec::Vec<_>>()
        };
        let s = |v: &str, p| (v.to_owned(), p);
        assert_eq!(
            values(PhaseReporting::Overall),
            [s("16", None), s("230.333", None)]
        );
        assert_eq!(
            values(PhaseReporting::PerPhaseAndOverall),
            [
                s("16", Some(Phase::L1)),
                s("15.5", Some(Phase::L2)),
                s("15.75", Some(Phase::L3)),
                s("16", None),
                s("230.1", Some(Phase::L1N)),
                s("229.9", Some(Phase::L2N)),
                s("231", Some(Phase::L3N)),
                s("230.333", None),
            ]
        );
    }

    #[test]
    fn insane_values_are_skipped_or_clamped() {
        let readings = MeterReadings {
            energy_active_import_wh: r(-1.0),
            energy_active_export_wh: None,
            power_active_import_w: r(-3.5),
            power_active_export_w: r(1e14),
            current_import_a: [r(-0.02), r(16.0), None],
            voltage_v: [r(-230.0), r(230.0), None],
            current_offered_a: None,
            power_offered_w: None,
            soc_percent: r(100.5),
            temperature_c: r(-300.0),
            frequency_hz: r(-50.0),
        };
        let mv = build_meter_value(
            &readings,
            SUPPORTED_MEASURANDS,
            ReadingContext::SamplePeriodic,
            ts(),
            MeterSetup {
                location: Location::Outlet,
                phases: PhaseReporting::PerPhaseAndOverall,
            },
        )
        .unwrap();
        let got: std::vec::Vec<_> = mv
            .sampled_value
            .iter()
            .map(|s| (s.measurand.unwrap(), s.value.as_str(), s.phase))
            .collect();
        assert_eq!(
            got,
            [
                (Measurand::PowerActiveImport, "0", None),
                (Measurand::PowerActiveExport, "100000000000000", None),
                (Measurand::CurrentImport, "0", Some(Phase::L1)),
                (Measurand::CurrentImport, "16", Some(Phase::L2)),
                (Measurand::CurrentImport, "16", None),
                (Measurand::Voltage, "230", Some(Phase::L2N)),
                (Measurand::Voltage, "230", None),
            ]
        );
        let mut soc = MeterReadings::EMPTY;
        soc.soc_percent = r(100.0);
        soc.temperature_c = r(-273.15);
        let mv = build_meter_value(
            &soc,
            &[Measurand::SoC, Measurand::Temperature],
            ReadingContext::Other,
            ts(),
            MeterSetup::OUTLET,
        )
        .unwrap();
        assert_eq!(mv.sampled_value.len(), 2);
    }

    #[test]
    fn huge_phase_values_do_not_overflow_the_mean() {
        let big = Reading::from_milli(999_999_999_999_999_999);
        let mut readings = MeterReadings::EMPTY;
        readings.voltage_v = [big; 3];
        let setup = MeterSetup {
            location: Location::Outlet,
            phases: PhaseReporting::Overall,
        };
        let mv = build_meter_value(
            &readings,
            &[Measurand::Voltage],
            ReadingContext::Other,
            ts(),
            setup,
        )
        .unwrap();
        assert_eq!(mv.sampled_value[0].value, "999999999999999.999");
        readings.voltage_v = [big, None, Reading::from_milli(1)];
        let mv = build_meter_value(
            &readings,
            &[Measurand::Voltage],
            ReadingContext::Other,
            ts(),
            setup,
        )
        .unwrap();
        assert_eq!(mv.sampled_value[0].value, "500000000000000");
        readings.voltage_v = [big, None, None];
        let mv = build_meter_value(
            &readings,
            &[Measurand::Voltage],
            ReadingContext::Other,
            ts(),
            setup,
        )
        .unwrap();
        assert_eq!(mv.sampled_value[0].value, "999999999999999.999");
    }

    #[test]
    fn duplicates_once_and_capacity_respected() {
        let setup = MeterSetup {
            location: Location::Outlet,
            phases: PhaseReporting::PerPhaseAndOverall,
        };
        // 17 values from the supported list; repeated twice it still gives 17.
        let twice: std::vec::Vec<Measurand> = SUPPORTED_MEASURANDS
            .iter()
            .chain(SUPPORTED_MEASURANDS)
            .copied()
            .collect();
        let mv = build_meter_value(&full(), &twice, ReadingContext::Other, ts(), setup).unwrap();
        assert_eq!(mv.sampled_value.len(), 17);
        // Every measurand of the spec, many times over: the list fills up without panicking,
        // keeping the first ones in configured order.
        let many: std::vec::Vec<Measurand> = (0..50)
            .flat_map(|_| Measurand::ALL.iter().copied())
            .collect();
        let mv = build_meter_value(&full(), &many, ReadingContext::Other, ts(), setup).unwrap();
        assert!(mv.sampled_value.len() <= MAX_SAMPLED_VALUES);
        assert_eq!(
            mv.sampled_value[0].measurand,
            Some(Measurand::EnergyActiveExportRegister)
        );
    }

    #[test]
    fn overflowing_the_list_stops_cleanly() {
        // A MeterValue with only room for a few more: per-phase values stop at the bound.
        let mut out: List<SampledValue, MAX_SAMPLED_VALUES> = List::new();
        for _ in 0..MAX_SAMPLED_VALUES - 2 {
            assert!(push(
                &mut out,
                Reading::ZERO,
                Measurand::Frequency,
                UnitOfMeasure::Hertz,
                ReadingContext::Other,
                Location::Outlet,
                None
            ));
        }
        let more = push_item(
            &mut out,
            &Sampled {
                readings: &full(),
                intervals: IntervalValues::NONE,
                context: ReadingContext::Other,
                setup: MeterSetup::OUTLET,
            },
            Measurand::CurrentImport.into(),
        );
        assert!(!more);
        assert_eq!(out.len(), MAX_SAMPLED_VALUES);
    }

    #[test]
    fn connector_setup() {
        assert_eq!(MeterSetup::for_connector(0).location, Location::Inlet);
        assert_eq!(MeterSetup::for_connector(2).location, Location::Outlet);
        assert_eq!(MeterSetup::default(), MeterSetup::OUTLET);
    }
}
