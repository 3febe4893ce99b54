//! One entry of a measurand configuration key: a measurand, optionally qualified by a phase
//! ([`MeterItem`]), and the `Energy.*.Interval` values a sample carries besides its readings
//! ([`IntervalValues`]).

use super::reading::{MeterReadings, Reading};
use crate::v16::{Measurand, Phase};

/// The phase-qualified entries this charge point can report: the combinations of a per-phase
/// quantity of [`MeterReadings`] with a phase it measures.
///
/// §9.1.17 (MeterValuesSampledData): "Where applicable, the Measurand is combined with the
/// optional phase; for instance: Voltage.L1". The descriptions of MeterValuesAlignedData
/// (§9.1.15), StopTxnAlignedData (§9.1.25) and StopTxnSampledData (§9.1.27) do not repeat the
/// sentence, but they are lists of the same kind (§3.16, errata 3.14.2-3.14.4 treat the four
/// alike), so all four accept the same entries. Applicable here means that the readings have
/// that phase's value:
///
/// - `Current.Import` per phase L1, L2, L3 ([`MeterReadings::current_import_a`]);
/// - `Voltage` per phase, line to neutral ([`MeterReadings::voltage_v`]), named either `L1-N`
///   (§7.34 "Measured on L1 and N", the exact name) or `L1` (the spec's own example in §9.1.17,
///   "Measured on L1"): both report the same value, labelled with the phase as configured, so
///   that a central system finds the `phase` it asked for.
///
/// Everything else is refused by ChangeConfiguration (Rejected): the readings have no per-phase
/// energy, power, offered current or frequency (`Energy.Active.Import.Register.L1`,
/// `Power.Active.Import.L2`), no neutral current (`Current.Import.N`) and no line-to-line voltage
/// (`Voltage.L1-L2`); a charge point that reported them would have to invent the values.
pub const QUALIFIED: &[(Measurand, Phase)] = &[
    (Measurand::CurrentImport, Phase::L1),
    (Measurand::CurrentImport, Phase::L2),
    (Measurand::CurrentImport, Phase::L3),
    (Measurand::Voltage, Phase::L1),
    (Measurand::Voltage, Phase::L2),
    (Measurand::Voltage, Phase::L3),
    (Measurand::Voltage, Phase::L1N),
    (Measurand::Voltage, Phase::L2N),
    (Measurand::Voltage, Phase::L3N),
];

/// Number of plain (unqualified) items: one per measurand.
const PLAIN: usize = Measurand::ALL.len();

// An item is one bit of a `u32` mask (the journal's representation, `journal::measurand_mask`).
const _: () = assert!(PLAIN + QUALIFIED.len() <= 32);

/// One entry of MeterValuesSampledData, MeterValuesAlignedData, StopTxnSampledData or
/// StopTxnAlignedData: `<Measurand>` or `<Measurand>.<Phase>` (§9.1.17: "Voltage.L1").
///
/// One byte: the index of the measurand in [`Measurand::ALL`] for a plain entry, and
/// `Measurand::ALL.len() + i` for the `i`-th of [`QUALIFIED`]. The index is also the entry's bit
/// in the journal's measurand masks, so a queued sample or a stopped transaction keeps its
/// qualified entries in the same `u32` as before (records written before phase qualifiers
/// existed have only plain bits and read unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeterItem(u8);

impl MeterItem {
    /// The measurand, every phase (as [`PhaseReporting`](super::PhaseReporting) says).
    pub const fn plain(m: Measurand) -> MeterItem {
        MeterItem(m as u8)
    }

    /// `m` on phase `p` only; `None` when the combination is not applicable (not in
    /// [`QUALIFIED`]).
    pub fn qualified(m: Measurand, p: Phase) -> Option<MeterItem> {
        QUALIFIED
            .iter()
            .position(|&q| q == (m, p))
            .map(|i| MeterItem((PLAIN + i) as u8))
    }

    /// The measurand.
    pub fn measurand(self) -> Measurand {
        let i = usize::from(self.0);
        match Measurand::ALL.get(i) {
            Some(m) => *m,
            None => QUALIFIED
                .get(i - PLAIN)
                .map_or(Measurand::EnergyActiveImportRegister, |q| q.0),
        }
    }

    /// The phase qualifier, if any.
    pub fn phase(self) -> Option<Phase> {
        usize::from(self.0)
            .checked_sub(PLAIN)
            .and_then(|i| QUALIFIED.get(i))
            .map(|q| q.1)
    }

    /// The entry's bit number in a `u32` mask.
    pub(crate) const fn index(self) -> u32 {
        self.0 as u32
    }

    /// The entry of bit number `i`, if it is one.
    pub(crate) fn from_index(i: u32) -> Option<MeterItem> {
        (i < (PLAIN + QUALIFIED.len()) as u32).then_some(MeterItem(i as u8))
    }

    /// Reads one CSL entry, ASCII case-insensitively: a measurand name, or a measurand name, a
    /// `.` and a phase name (§7.31, §7.34). Measurand names contain dots themselves
    /// (`Energy.Active.Import.Register`), so the longest measurand name that `s` equals or
    /// starts with (followed by `.`) is taken, and what follows must be a phase. `None` for
    /// anything else, and for a combination that is not [applicable](QUALIFIED).
    pub fn parse(s: &str) -> Option<MeterItem> {
        let mut best: Option<(Measurand, &str)> = None;
        for &m in Measurand::ALL {
            let name = m.as_str();
            let Some(head) = s.get(..name.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(name) {
                continue;
            }
            let rest = s.get(name.len()..).unwrap_or_default();
            let fits = rest.is_empty() || rest.starts_with('.');
            if fits && best.is_none_or(|(b, _)| b.as_str().len() < name.len()) {
                best = Some((m, rest));
            }
        }
        let (m, rest) = best?;
        match rest.strip_prefix('.') {
            None => Some(MeterItem::plain(m)),
            Some(phase) => {
                let p = Phase::ALL
                    .iter()
                    .copied()
                    .find(|p| p.as_str().eq_ignore_ascii_case(phase))?;
                MeterItem::qualified(m, p)
            }
        }
    }

    /// The entry's text in two parts: the measurand's name and the phase's, if any (rendered
    /// `Voltage.L1`).
    pub fn parts(self) -> (&'static str, Option<&'static str>) {
        (self.measurand().as_str(), self.phase().map(Phase::as_str))
    }
}

impl From<Measurand> for MeterItem {
    fn from(m: Measurand) -> MeterItem {
        MeterItem::plain(m)
    }
}

impl PartialEq<Measurand> for MeterItem {
    /// A plain entry equals its measurand; a qualified one equals no measurand.
    fn eq(&self, m: &Measurand) -> bool {
        *self == MeterItem::plain(*m)
    }
}

impl core::fmt::Display for MeterItem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (m, p) = self.parts();
        f.write_str(m)?;
        if let Some(p) = p {
            f.write_str(".")?;
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// The `Energy.Active.Import.Interval` and `Energy.Active.Export.Interval` values of one sample
/// (§7.31: "Absolute amount of ... energy ... during an associated time interval"), in Wh: the
/// increase of the matching register since the previous sample of the same kind (see
/// [`MeterScheduler::interval_values`](super::MeterScheduler::interval_values) and
/// [`TransactionData`](super::TransactionData)). `None` where there is no earlier reading to
/// measure from, or the register is unknown or went backwards (never a negative energy).
///
/// The reactive intervals (`Energy.Reactive.*.Interval`) have no register in
/// [`MeterReadings`] and are never reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IntervalValues {
    /// `Energy.Active.Import.Interval`, Wh.
    pub active_import_wh: Option<Reading>,
    /// `Energy.Active.Export.Interval`, Wh.
    pub active_export_wh: Option<Reading>,
}

impl IntervalValues {
    /// No interval values.
    pub const NONE: IntervalValues = IntervalValues {
        active_import_wh: None,
        active_export_wh: None,
    };

    /// `now - before` register by register (both known, neither negative, no decrease).
    pub fn between(before: &MeterReadings, now: &MeterReadings) -> IntervalValues {
        IntervalValues {
            active_import_wh: increase(before.energy_active_import_wh, now.energy_active_import_wh),
            active_export_wh: increase(before.energy_active_export_wh, now.energy_active_export_wh),
        }
    }

    /// Whether neither value is present.
    pub fn is_none(&self) -> bool {
        self.active_import_wh.is_none() && self.active_export_wh.is_none()
    }
}

/// How much a register grew from `before` to `now`; `None` when either is unknown or negative,
/// or the register went backwards (a replaced or reset meter).
pub(super) fn increase(before: Option<Reading>, now: Option<Reading>) -> Option<Reading> {
    let (b, n) = (before?, now?);
    if b.is_negative() || n.is_negative() || n < b {
        return None;
    }
    Reading::from_milli(n.milli() - b.milli())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §9.1.17 "Voltage.L1"; the longest measurand prefix wins; only applicable phases.
    #[test]
    fn parse_and_render() {
        let p = |s: &str| MeterItem::parse(s).map(|i| std::format!("{i}"));
        assert_eq!(p("Voltage.L1").as_deref(), Some("Voltage.L1"));
        assert_eq!(p("voltage.l2-n").as_deref(), Some("Voltage.L2-N"));
        assert_eq!(p("Current.Import.L3").as_deref(), Some("Current.Import.L3"));
        assert_eq!(p("Current.Import").as_deref(), Some("Current.Import"));
        assert_eq!(
            p("Energy.Active.Import.Register").as_deref(),
            Some("Energy.Active.Import.Register")
        );
        assert_eq!(
            p("Energy.Active.Import.Interval").as_deref(),
            Some("Energy.Active.Import.Interval")
        );
        for bad in [
            "Energy.Active.Import.Register.L1",
            "Power.Active.Import.L1",
            "Current.Import.N",
            "Current.Import.L1-N",
            "Voltage.L1-L2",
            "Voltage.",
            "Voltage.L4",
            "Voltage.L1.L2",
            "Current",
            "Current.Offered.L1",
            "Energy.Active",
            "Voltagex",
            "",
            ".L1",
        ] {
            assert_eq!(MeterItem::parse(bad), None, "{bad}");
        }
        // Every item reads back from its text, and its bit is its index.
        for i in 0..32 {
            if let Some(item) = MeterItem::from_index(i) {
                let text = std::format!("{item}");
                assert_eq!(MeterItem::parse(&text), Some(item));
                assert_eq!(item.index(), i);
            }
        }
        assert_eq!(MeterItem::from_index(31), None);
        assert_eq!(MeterItem::plain(Measurand::Voltage), Measurand::Voltage);
        assert_ne!(
            MeterItem::qualified(Measurand::Voltage, Phase::L1).unwrap(),
            Measurand::Voltage
        );
    }

    #[test]
    fn increases() {
        let r = |v: i64| Reading::from_milli(v);
        assert_eq!(increase(r(1000), r(1500)), r(500));
        assert_eq!(increase(r(1000), r(1000)), r(0));
        assert_eq!(increase(r(1000), r(999)), None);
        assert_eq!(increase(None, r(1)), None);
        assert_eq!(increase(r(-1), r(1)), None);
    }
}
