//! Value types of the configuration keys, and the parsers for their ChangeConfiguration text.
//!
//! The parsers are strict about meaning and tolerant about form (§5.3: "values that do not
//! conform to an expected format" are Rejected): booleans and enumeration names are compared
//! case-insensitively and CSL items are trimmed, but a number must be a plain decimal integer in
//! range, and every CSL item must be known. None of them can panic.
//!
//! "Whitespace" is ASCII whitespace (space, tab, CR, LF, form feed): the values OCPP 1.6
//! defines (§9: booleans, integers, CSLs of its ASCII identifiers) have no use for other
//! Unicode spaces, and a value surrounded by them is one that does "not conform to an expected
//! format" (Rejected). Unicode `str::trim` would also link core's whitespace table.

use core::fmt;

use crate::charge_point::metering::{MeterItem, QUALIFIED};
use crate::limits::MAX_MEASURANDS;
use crate::types::{BoundedString, List};
use crate::v16::Measurand;

/// A measurand CSL, parsed: the entries in the order given, without duplicates. An entry is a
/// measurand, or a measurand qualified by a phase (`Voltage.L1`, §9.1.17), one byte each
/// ([`MeterItem`]).
pub type MeasurandList = List<MeterItem, MAX_MEASURANDS>;

/// Most items in ConnectorPhaseRotation (`ConnectorPhaseRotationMaxLength`): the grid connection
/// (index 0) and 16 connectors.
pub const CONNECTOR_PHASE_ROTATION_MAX_LENGTH: usize = 17;

/// The longest ConnectorPhaseRotation item, `4294967295.NotApplicable`, with its comma.
const PHASE_ROTATION_ITEM_MAX_LEN: usize = 25;

/// ConnectorPhaseRotation, normalised: `connector.rotation` items joined by commas, no spaces.
pub type PhaseRotationCsl =
    BoundedString<{ CONNECTOR_PHASE_ROTATION_MAX_LENGTH * PHASE_ROTATION_ITEM_MAX_LEN }>;

/// Longest CpoName: 64 characters, the X.509 upper bound of the organizationName it goes into
/// (RFC 5280 `ub-organization-name`; whitepaper A02.FR.13).
pub const CPO_NAME_MAX_LEN: usize = 64;

/// CpoName (whitepaper §7.5).
pub type CpoName = BoundedString<CPO_NAME_MAX_LEN>;

/// SupportedFileTransferProtocols (errata 3.88): room for all four, `FTP,FTPS,HTTP,HTTPS`.
pub type FileTransferProtocols = BoundedString<24>;

/// The rotations of §9.1.7, in the spec's order.
const PHASE_ROTATIONS: &[&str] = &[
    "NotApplicable",
    "Unknown",
    "RST",
    "RTS",
    "SRT",
    "STR",
    "TRS",
    "TSR",
];

/// The largest value of the spec's `integer` (32-bit signed): a larger one is out of range.
pub(super) const MAX_INTEGER: u32 = i32::MAX as u32;

/// The value does not parse, or is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Invalid;

/// `s` without leading and trailing ASCII whitespace (see the module's documentation). One
/// out-of-line copy for every parser.
#[inline(never)]
fn trim(s: &str) -> &str {
    s.trim_ascii()
}

/// `true` / `false`, any case, surrounding whitespace ignored.
pub(super) fn parse_bool(s: &str) -> Result<bool, Invalid> {
    let s = trim(s);
    if s.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if s.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(Invalid)
    }
}

/// A decimal integer in `min..=max`, surrounding whitespace ignored. Negative numbers, fractions
/// and anything beyond `u32` are refused.
pub(super) fn parse_int(s: &str, min: u32, max: u32) -> Result<u32, Invalid> {
    let n: u32 = trim(s).parse().map_err(|_| Invalid)?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(Invalid)
    }
}

/// The comma-separated items of `s`, trimmed, empty items skipped (so `""` is the empty list
/// and a trailing comma is harmless).
fn csl_items(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(trim).filter(|item| !item.is_empty())
}

/// A measurand CSL: every item a measurand in `supported` (matched case-insensitively),
/// optionally qualified by a phase, at most `max_len` distinct items (the `*MaxLength` keys count
/// entries: `Voltage.L1,Voltage.L2` is two); duplicates are dropped. Errata 3.14.4: one
/// unsupported item rejects the whole value.
///
/// §9.1.17: "Where applicable, the Measurand is combined with the optional phase; for instance:
/// Voltage.L1"; the same holds for the other three measurand keys (see [`QUALIFIED`]). An item is `<Measurand>` or
/// `<Measurand>.<Phase>` ([`MeterItem::parse`]: the longest measurand name, then a phase of
/// §7.34), and a qualified item must be one the readings can provide ([`QUALIFIED`]: the phases
/// of `Current.Import` and `Voltage`); `Energy.Active.Import.Register.L1` and the like are
/// refused rather than never reported.
pub(super) fn parse_measurands(
    s: &str,
    supported: MeasurandSet,
    max_len: u32,
) -> Result<MeasurandList, Invalid> {
    let mut out = MeasurandList::new();
    for item in csl_items(s) {
        let m = MeterItem::parse(item).ok_or(Invalid)?;
        if !supported.contains(m.measurand()) {
            return Err(Invalid);
        }
        if out.contains(&m) {
            continue;
        }
        if out.len() >= max_len as usize {
            return Err(Invalid);
        }
        out.push(m).map_err(|_| Invalid)?;
    }
    Ok(out)
}

/// ConnectorPhaseRotation (§9.1.7): `connector.rotation` items with connector in
/// `0..=connectors`, each connector at most once, at most `max_len` items. Rotations are matched
/// case-insensitively and stored in the spec's spelling; the result has no spaces.
pub(super) fn parse_phase_rotation(
    s: &str,
    connectors: u32,
    max_len: u32,
) -> Result<PhaseRotationCsl, Invalid> {
    let mut out = PhaseRotationCsl::new();
    let mut seen = List::<u32, CONNECTOR_PHASE_ROTATION_MAX_LENGTH>::new();
    for item in csl_items(s) {
        let (id, rotation) = item.split_once('.').ok_or(Invalid)?;
        let id = parse_int(id, 0, connectors)?;
        let rotation = PHASE_ROTATIONS
            .iter()
            .copied()
            .find(|r| r.eq_ignore_ascii_case(trim(rotation)))
            .ok_or(Invalid)?;
        if seen.contains(&id) || seen.len() >= max_len as usize {
            return Err(Invalid);
        }
        seen.push(id).map_err(|_| Invalid)?;
        push_phase_rotation(&mut out, id, rotation).map_err(|_| Invalid)?;
    }
    Ok(out)
}

/// Appends `id.rotation` to a ConnectorPhaseRotation value.
pub(super) fn push_phase_rotation(
    out: &mut PhaseRotationCsl,
    id: u32,
    rotation: &str,
) -> fmt::Result {
    // `{id}.{rotation}` without core::fmt (its machinery costs kilobytes of flash).
    let mut digits = [0; 24];
    let id = crate::types::format_int(i64::from(id), 1, &mut digits);
    let comma = if out.is_empty() { "" } else { "," };
    for part in [comma, id, ".", rotation] {
        out.push_str(part).map_err(|_| fmt::Error)?;
    }
    Ok(())
}

/// CpoName: 1 to [`CPO_NAME_MAX_LEN`] bytes, no control characters (it ends up in a certificate
/// request, and a line break would not survive the storage format).
pub(super) fn parse_cpo_name(s: &str) -> Result<CpoName, Invalid> {
    if s.is_empty() || s.chars().any(char::is_control) {
        return Err(Invalid);
    }
    CpoName::try_from(s).map_err(|_| Invalid)
}

/// The length of the longest measurand name.
const LONGEST_MEASURAND: usize = {
    let mut longest = 0;
    let mut rest = Measurand::ALL;
    while let [m, tail @ ..] = rest {
        if m.as_str().len() > longest {
            longest = m.as_str().len();
        }
        rest = tail;
    }
    longest
};

/// The longest phase-qualified item.
const LONGEST_QUALIFIED: usize = {
    let mut longest = 0;
    let mut rest = QUALIFIED;
    while let [(m, p), tail @ ..] = rest {
        let len = m.as_str().len() + 1 + p.as_str().len();
        if len > longest {
            longest = len;
        }
        rest = tail;
    }
    longest
};

/// The longest rendering of a measurand CSL.
pub(super) const MEASURAND_CSL_MAX_LEN: usize = MAX_MEASURANDS * (LONGEST_MEASURAND + 1);

// A qualified item is no longer than the longest measurand (`Current.Import.L1` against
// `Energy.Reactive.Import.Register`): the bound above holds for them too.
const _: () = assert!(LONGEST_QUALIFIED <= LONGEST_MEASURAND);

// Every rendered value fits a `CiString500` (the KeyValue value type).
const _: () = assert!(MEASURAND_CSL_MAX_LEN <= 500);
const _: () = assert!(PhaseRotationCsl::MAX_LEN <= 500);
// MeasurandSet is one bit per measurand.
const _: () = assert!(Measurand::ALL.len() <= 32);

/// A set of measurands: what the charge point's meters can measure. ChangeConfiguration of a
/// measurand CSL naming anything else is Rejected (errata 3.14.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MeasurandSet(u32);

impl MeasurandSet {
    /// No measurand.
    pub const EMPTY: MeasurandSet = MeasurandSet(0);
    /// Every measurand of §7.31.
    pub const ALL: MeasurandSet = MeasurandSet(u32::MAX >> (32 - Measurand::ALL.len()));

    /// The measurands in `items`.
    pub const fn of(items: &[Measurand]) -> MeasurandSet {
        let mut set = MeasurandSet::EMPTY;
        let mut rest = items;
        while let [m, tail @ ..] = rest {
            set = set.with(*m);
            rest = tail;
        }
        set
    }

    /// This set and `m`.
    #[must_use]
    pub const fn with(self, m: Measurand) -> MeasurandSet {
        MeasurandSet(self.0 | Self::bit(m))
    }

    /// Whether `m` is in the set.
    pub const fn contains(self, m: Measurand) -> bool {
        self.0 & Self::bit(m) != 0
    }

    const fn bit(m: Measurand) -> u32 {
        1 << (m as u32)
    }
}

impl Default for MeasurandSet {
    /// Every measurand.
    fn default() -> Self {
        MeasurandSet::ALL
    }
}

/// The HTTP Basic authentication password (whitepaper §7.2, A00.FR.205): 16 to 20 bytes written
/// as 32 to 40 hexadecimal digits.
///
/// Write-only: GetConfiguration never reports it, and `Debug` does not show it (A01.FR.12: not
/// disclosed in logs). [`AuthorizationKey::as_str`] gives it to the code that opens the
/// connection.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationKey(BoundedString<40>);

impl AuthorizationKey {
    /// Fewest hexadecimal digits: 16 bytes.
    pub const MIN_DIGITS: usize = 32;
    /// Most hexadecimal digits: 20 bytes.
    pub const MAX_DIGITS: usize = 40;

    /// The key written as `hex` (surrounding whitespace ignored), or `None` when it is not an
    /// even number of [`Self::MIN_DIGITS`] to [`Self::MAX_DIGITS`] hexadecimal digits.
    pub fn parse(hex: &str) -> Option<AuthorizationKey> {
        let hex = trim(hex);
        let ok = (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&hex.len())
            && hex.len() % 2 == 0
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return None;
        }
        BoundedString::try_from(hex).ok().map(AuthorizationKey)
    }

    /// The key, as the hexadecimal digits it was set with.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for AuthorizationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationKey(<redacted>)")
    }
}
