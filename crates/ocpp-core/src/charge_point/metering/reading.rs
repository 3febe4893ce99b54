//! What the hardware reports: [`Reading`] (a fixed-point number) and [`MeterReadings`].

use core::fmt;

use crate::types::{ParseDecimalError, format_scaled, parse_scaled};

/// A measured value in thousandths of its unit, so that it compares, hashes, stores and writes
/// exactly.
///
/// Why fixed point and not `f64`: the value ends up as text in `SampledValue.value` (§7.43), and
/// the same reading must always give the same text, without exponent (`1e21`) and without float
/// artefacts (`0.30000000000000004`). Three fraction digits cover every measurand this module
/// reports (mWh, mA, mV, 0.001 °C). The range is ±999 999 999 999 999.999, far beyond any meter;
/// the constructors refuse values outside it with `None` (or an error from [`Reading::parse`]),
/// which a [`MeterReadings`] field reads as "not available" (the value is then skipped, never
/// invented).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Reading(i64);

/// Largest magnitude in thousandths: 10^18 - 1.
const MAX_MILLI: i64 = 999_999_999_999_999_999;

impl Reading {
    /// Zero.
    pub const ZERO: Reading = Reading(0);

    /// `milli / 1000`; `None` beyond ±999 999 999 999 999.999.
    pub const fn from_milli(milli: i64) -> Option<Reading> {
        if milli > MAX_MILLI || milli < -MAX_MILLI {
            None
        } else {
            Some(Reading(milli))
        }
    }

    /// A whole number; `None` beyond ±999 999 999 999 999.
    pub const fn from_int(v: i64) -> Option<Reading> {
        match v.checked_mul(1000) {
            Some(m) => Reading::from_milli(m),
            None => None,
        }
    }

    /// Reads decimal text in JSON number syntax (`12345.6`, `-0.125`, `2.5e3`; RFC 8259 §6),
    /// rounded to the nearest thousandth, half away from zero, exactly and without floats (see
    /// [`Decimal::parse`](crate::types::Decimal::parse), which shares the code). For a meter
    /// driver that gets its values as text; one that gets integers uses
    /// [`Reading::from_milli`]. Beyond ±999 999 999 999 999.999 it is
    /// [`ParseDecimalError::OutOfRange`].
    pub fn parse(text: &str) -> Result<Reading, ParseDecimalError> {
        parse_scaled(text, 3, MAX_MILLI.unsigned_abs()).map(Reading)
    }

    /// The value in thousandths.
    pub const fn milli(self) -> i64 {
        self.0
    }

    /// Whether the value is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Writes the value as a plain decimal into `buf` and returns it: an optional `-`, the integer
    /// digits, and a `.` with one to three fraction digits only when the fraction is not zero
    /// (`12345.6`, `230`, `-0.125`). No exponent, no `+`, no leading zeros, never `-0`.
    pub fn format(self, buf: &mut [u8; 24]) -> &str {
        format_scaled(self.0, 3, buf)
    }
}

impl core::str::FromStr for Reading {
    type Err = ParseDecimalError;

    fn from_str(s: &str) -> Result<Reading, ParseDecimalError> {
        Reading::parse(s)
    }
}

impl From<i32> for Reading {
    fn from(v: i32) -> Reading {
        Reading(i64::from(v) * 1000)
    }
}

impl From<u32> for Reading {
    fn from(v: u32) -> Reading {
        Reading(i64::from(v) * 1000)
    }
}

impl fmt::Debug for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0; 24]))
    }
}

/// What the hardware reports for one connector, or for the main meter (connector 0), at one
/// instant. Every field is optional: a reading that the hardware cannot provide, or could not
/// provide this time, is `None` and is left out of the MeterValue (never reported as zero).
///
/// Signs: the measurand names carry the direction (§7.31: import is flow from the grid to the
/// EV, export the reverse). A bidirectional meter reports a signed power or current split into
/// the `*_import_*` and `*_export_*` fields; see [`super::build_meter_value`] for how values
/// out of their physical range are treated.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MeterReadings {
    /// `Energy.Active.Import.Register`, Wh: the meter's register as read, not re-based to zero
    /// at the start of a transaction (§7.31 and errata 3.9 recommend the raw register).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_active_import_wh: Option<Reading>,
    /// `Energy.Active.Export.Register`, Wh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub energy_active_export_wh: Option<Reading>,
    /// `Power.Active.Import`, W, the total over all phases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_active_import_w: Option<Reading>,
    /// `Power.Active.Export`, W, the total over all phases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_active_export_w: Option<Reading>,
    /// `Current.Import`, A, per phase L1, L2, L3 as the meter numbers them (§4.7: "from the
    /// electrical meter point of view"); a single-phase meter fills only the first.
    pub current_import_a: [Option<Reading>; 3],
    /// `Voltage`, V RMS, line to neutral: L1-N, L2-N, L3-N.
    pub voltage_v: [Option<Reading>; 3],
    /// `Current.Offered`, A per phase: the limit currently offered to the EV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_offered_a: Option<Reading>,
    /// `Power.Offered`, W: the power currently offered to the EV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_offered_w: Option<Reading>,
    /// `SoC`, percent, as the EV reports it (ISO 15118 or DC charging).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soc_percent: Option<Reading>,
    /// `Temperature`, °C, inside the charge point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature_c: Option<Reading>,
    /// `Frequency`, Hz, of the supply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_hz: Option<Reading>,
}

impl MeterReadings {
    /// Nothing available.
    pub const EMPTY: MeterReadings = MeterReadings {
        energy_active_import_wh: None,
        energy_active_export_wh: None,
        power_active_import_w: None,
        power_active_export_w: None,
        current_import_a: [None; 3],
        voltage_v: [None; 3],
        current_offered_a: None,
        power_offered_w: None,
        soc_percent: None,
        temperature_c: None,
        frequency_hz: None,
    };

    /// Every reading in a fixed order: energy import and export, power import and export,
    /// current L1-L3, voltage L1-L3, current offered, power offered, SoC, temperature,
    /// frequency (the order of the journal's codec and of [`PackedReadings`]).
    pub(crate) const fn fields(&self) -> [Option<Reading>; 15] {
        let [c1, c2, c3] = self.current_import_a;
        let [v1, v2, v3] = self.voltage_v;
        [
            self.energy_active_import_wh,
            self.energy_active_export_wh,
            self.power_active_import_w,
            self.power_active_export_w,
            c1,
            c2,
            c3,
            v1,
            v2,
            v3,
            self.current_offered_a,
            self.power_offered_w,
            self.soc_percent,
            self.temperature_c,
            self.frequency_hz,
        ]
    }

    /// The readings of [`MeterReadings::fields`].
    pub(crate) const fn from_fields(f: [Option<Reading>; 15]) -> MeterReadings {
        let [e1, e2, p1, p2, c1, c2, c3, v1, v2, v3, co, po, soc, t, hz] = f;
        MeterReadings {
            energy_active_import_wh: e1,
            energy_active_export_wh: e2,
            power_active_import_w: p1,
            power_active_export_w: p2,
            current_import_a: [c1, c2, c3],
            voltage_v: [v1, v2, v3],
            current_offered_a: co,
            power_offered_w: po,
            soc_percent: soc,
            temperature_c: t,
            frequency_hz: hz,
        }
    }

    /// The import register in whole Wh, for StartTransaction's `meterStart` and
    /// StopTransaction's `meterStop` (integers, §6.45/§6.49). The fraction is cut off, so the
    /// difference never bills energy the meter has not counted yet. `None` when the register is
    /// unknown, negative or beyond `i32` (2.1 GWh: only a main meter gets there; the spec's
    /// integer has no room for it).
    pub fn meter_register_wh(&self) -> Option<i32> {
        let r = self.energy_active_import_wh?;
        if r.is_negative() {
            return None;
        }
        i32::try_from(r.milli() / 1000).ok()
    }
}

/// [`MeterReadings`] as the charge point keeps them: which readings are present (bit `i` for
/// the `i`-th of [`MeterReadings::fields`]) and their values in thousandths, 124 bytes instead
/// of 240 (an `Option<Reading>` spends 8 bytes on its tag, for alignment). A transaction keeps
/// four sets for its StopTransaction's `transactionData` and each connector one: packing them
/// saves about 2 KB without changing a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "MeterReadings", into = "MeterReadings")]
pub(crate) struct PackedReadings {
    present: u16,
    /// `i64` as two `u32` halves (low first), so that the struct is 4-byte aligned.
    values: [[u32; 2]; 15],
}

impl PackedReadings {
    /// Nothing available; all zero bytes.
    pub(crate) const EMPTY: PackedReadings = PackedReadings {
        present: 0,
        values: [[0; 2]; 15],
    };

    pub(crate) fn pack(r: &MeterReadings) -> PackedReadings {
        let mut p = PackedReadings::EMPTY;
        for (i, (f, slot)) in r.fields().iter().zip(p.values.iter_mut()).enumerate() {
            if let Some(v) = f {
                let bits = v.milli().to_le_bytes();
                let [a0, a1, a2, a3, b0, b1, b2, b3] = bits;
                *slot = [
                    u32::from_le_bytes([a0, a1, a2, a3]),
                    u32::from_le_bytes([b0, b1, b2, b3]),
                ];
                p.present |= 1 << i;
            }
        }
        p
    }

    pub(crate) fn unpack(&self) -> MeterReadings {
        let mut f = [None; 15];
        for (i, (slot, [lo, hi])) in f.iter_mut().zip(self.values.iter()).enumerate() {
            if self.present & (1 << i) != 0 {
                let milli = i64::from(*lo) | (i64::from(*hi) << 32);
                // Packed from a Reading: always in range.
                *slot = Reading::from_milli(milli);
            }
        }
        MeterReadings::from_fields(f)
    }
}

impl From<MeterReadings> for PackedReadings {
    fn from(r: MeterReadings) -> PackedReadings {
        PackedReadings::pack(&r)
    }
}

impl From<PackedReadings> for MeterReadings {
    fn from(p: PackedReadings) -> MeterReadings {
        p.unpack()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn text(r: Option<Reading>) -> std::string::String {
        r.unwrap().to_string()
    }

    #[test]
    fn packed_readings_give_back_every_value() {
        let max = Reading::from_milli(999_999_999_999_999_999).unwrap();
        let min = Reading::from_milli(-999_999_999_999_999_999).unwrap();
        let r = MeterReadings {
            energy_active_import_wh: Some(max),
            energy_active_export_wh: Some(min),
            power_active_export_w: Some(Reading::ZERO),
            current_import_a: [Some(Reading::from_milli(-1).unwrap()), None, Some(max)],
            voltage_v: [None, Some(Reading::from_int(230).unwrap()), None],
            frequency_hz: Some(Reading::from_milli(49_987).unwrap()),
            ..MeterReadings::EMPTY
        };
        assert_eq!(PackedReadings::pack(&r).unpack(), r);
        assert_eq!(
            PackedReadings::pack(&MeterReadings::EMPTY),
            PackedReadings::EMPTY
        );
        assert_eq!(PackedReadings::EMPTY.unpack(), MeterReadings::EMPTY);
        assert!(core::mem::size_of::<PackedReadings>() <= 124);
    }

    #[test]
    fn formats_plain_decimals() {
        assert_eq!(text(Reading::parse("12345.6").ok()), "12345.6");
        assert_eq!(text(Reading::from_int(230)), "230");
        assert_eq!(text(Reading::parse("16.25").ok()), "16.25");
        assert_eq!(text(Reading::parse("0.001").ok()), "0.001");
        assert_eq!(text(Reading::parse("-0.125").ok()), "-0.125");
        assert_eq!(text(Reading::parse("-12.5").ok()), "-12.5");
        assert_eq!(text(Some(Reading::ZERO)), "0");
        assert_eq!(text(Reading::from_milli(1010)), "1.01");
        assert_eq!(text(Reading::from_milli(100)), "0.1");
        assert_eq!(Reading::from(7).to_string(), "7");
        assert_eq!(Reading::from(u32::MAX).to_string(), "4294967295");
    }

    #[test]
    fn parse_rounds_to_the_thousandth() {
        assert_eq!(text(Reading::parse("229.9999999").ok()), "230");
        // Half away from zero at the third digit.
        assert_eq!(text(Reading::parse("1.0005").ok()), "1.001");
        assert_eq!(text(Reading::parse("-1.0005").ok()), "-1.001");
        assert_eq!(text(Reading::parse("1.00049999").ok()), "1");
        // Tiny negatives round to zero, written without a sign.
        assert_eq!(text(Reading::parse("-0.0001").ok()), "0");
        assert_eq!(text(Reading::parse("-0.0").ok()), "0");
        assert_eq!(text(Reading::parse("2.5e3").ok()), "2500");
        assert_eq!(text(Reading::parse("125E-3").ok()), "0.125");
        assert_eq!("49.98".parse::<Reading>().map(Reading::milli), Ok(49_980));
        assert_eq!(Reading::parse("1.5.0"), Err(ParseDecimalError::Syntax));
        assert_eq!(Reading::parse("NaN"), Err(ParseDecimalError::Syntax));
    }

    #[test]
    fn extremes_are_refused_or_written_in_full() {
        assert_eq!(Reading::parse("1e15"), Err(ParseDecimalError::OutOfRange));
        assert_eq!(Reading::parse("-1e15"), Err(ParseDecimalError::OutOfRange));
        assert_eq!(Reading::parse("1e400"), Err(ParseDecimalError::OutOfRange));
        assert_eq!(
            Reading::parse("999999999999999.9995"),
            Err(ParseDecimalError::OutOfRange)
        );
        assert_eq!(
            Reading::parse("999999999999999.9994").map(Reading::milli),
            Ok(MAX_MILLI)
        );
        assert_eq!(Reading::from_int(i64::MAX), None);
        assert_eq!(Reading::from_int(i64::MIN), None);
        assert_eq!(Reading::from_int(1_000_000_000_000_000), None);
        assert_eq!(Reading::from_milli(i64::MIN), None);
        // The largest values are written without exponent and fit the buffer.
        assert_eq!(text(Reading::from_milli(MAX_MILLI)), "999999999999999.999");
        assert_eq!(
            text(Reading::from_milli(-MAX_MILLI)),
            "-999999999999999.999"
        );
        assert_eq!(text(Reading::parse("1e14").ok()), "100000000000000");
        assert_eq!(text(Reading::parse("1e-9").ok()), "0");
    }

    #[test]
    fn formatting_is_exact_for_every_fraction() {
        for milli in (-3000..3000).chain([999_999, 1_000_000, 123_456_789_012]) {
            let r = Reading::from_milli(milli).unwrap();
            let s = r.to_string();
            assert_eq!(Reading::parse(&s), Ok(r), "{s}");
            let parsed: f64 = s.parse().unwrap();
            assert_eq!((parsed * 1000.0).round() as i64, milli, "{s}");
            assert!(
                !s.contains('e') && !s.ends_with('.') && !s.starts_with('+'),
                "{s}"
            );
            if s.contains('.') {
                assert!(!s.ends_with('0'), "{s}");
            }
        }
    }

    #[test]
    fn meter_register_for_start_and_stop() {
        let mut r = MeterReadings::EMPTY;
        assert_eq!(r.meter_register_wh(), None);
        r.energy_active_import_wh = Reading::parse("12345.9").ok();
        assert_eq!(r.meter_register_wh(), Some(12345));
        r.energy_active_import_wh = Reading::parse("-1.0").ok();
        assert_eq!(r.meter_register_wh(), None);
        r.energy_active_import_wh = Reading::from_int(i64::from(i32::MAX) + 1);
        assert_eq!(r.meter_register_wh(), None);
    }
}
