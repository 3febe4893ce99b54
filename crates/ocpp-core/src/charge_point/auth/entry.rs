//! The compact in-RAM form of one cache or list entry: an idTag with its `IdTagInfo`.
//!
//! An `IdToken` is a `heapless::String<20>` with a `usize` length, and an `IdTagInfo` an
//! `Option<DateTime>` (`i64`), an `Option<IdToken>` and a status: 96 bytes per entry on a
//! 64-bit target, much of it padding and length words. This form keeps exactly the same
//! information in 50 bytes, with alignment 1 (no padding whatever the target):
//!
//! | bytes | field |
//! |---|---|
//! | 20 | idTag, UTF-8, zero-filled after its length |
//! | 20 | parentIdTag, UTF-8, zero-filled after its length (all zero when absent) |
//! | 1 | idTag length, 0..=20 |
//! | 1 | parentIdTag length, 0..=20, or [`NO_PARENT`] when absent |
//! | 1 | status |
//! | 7 | expiryDate: 0 when absent, else its milliseconds minus [`EXPIRY_MIN`] plus 1 (56 bits, LE) |
//!
//! Both strings may be empty: CiString20Type has no minimum length in the 1.6 schemas
//! (SendLocalList.json: `"maxLength": 20` only), so an empty parentIdTag and no parentIdTag are
//! two values and stay two values. `DateTime` is millisecond precise over years 0000-9999,
//! [`EXPIRY_MIN`]..=[`EXPIRY_MAX`]: that span needs 49 bits, so 7 bytes keep every value.
//!
//! Bytes after a length are always zero, so the derived `==` compares contents.

use core::fmt;

use crate::types::DateTime;
use crate::v16::{AuthorizationStatus, IdTagInfo, IdToken};

/// The longest idTag or parentIdTag, in bytes (CiString20, §7.28).
const TAG_MAX: usize = IdToken::MAX_LEN;
/// The parentIdTag length that says there is none.
const NO_PARENT: u8 = u8::MAX;
/// Bytes of the expiryDate code.
const EXPIRY_BYTES: usize = 7;
/// Milliseconds of the earliest `DateTime`, 0000-01-01T00:00:00Z (see `types::datetime`).
const EXPIRY_MIN: i64 = -62_167_219_200_000;
/// Milliseconds of the latest `DateTime`, 9999-12-31T23:59:59.999Z.
const EXPIRY_MAX: i64 = 253_402_300_799_999;

// Every DateTime, plus "absent", fits the expiryDate code.
const _: () = assert!(((EXPIRY_MAX - EXPIRY_MIN + 1) as u64) < 1 << (8 * EXPIRY_BYTES));
/// The size the module promises, on every target.
pub(super) const ENTRY_SIZE: usize = 50;
const _: () = assert!(core::mem::size_of::<Entry>() <= ENTRY_SIZE);
const _: () = assert!(core::mem::align_of::<Entry>() == 1);

/// A store of `n` entries: the entries plus a few words (length, list version). Checked for the
/// default capacities on every target the crate is built for.
const fn store_bound(n: usize) -> usize {
    n * ENTRY_SIZE + 16
}
const _: () = assert!(
    core::mem::size_of::<super::LocalAuthList<{ crate::limits::LOCAL_AUTH_LIST_MAX_LENGTH }>>()
        <= store_bound(crate::limits::LOCAL_AUTH_LIST_MAX_LENGTH)
);
const _: () = assert!(
    core::mem::size_of::<super::AuthCache<{ crate::limits::AUTH_CACHE_SIZE }>>()
        <= store_bound(crate::limits::AUTH_CACHE_SIZE)
);

/// One idTag and its `IdTagInfo`, compact (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Entry {
    id_tag: [u8; TAG_MAX],
    parent: [u8; TAG_MAX],
    id_len: u8,
    parent_len: u8,
    status: AuthorizationStatus,
    expiry: [u8; EXPIRY_BYTES],
}

/// `s` zero-filled into a fixed buffer with its length; `None` when longer than an IdToken.
fn pack(s: &str) -> Option<([u8; TAG_MAX], u8)> {
    let mut buf = [0u8; TAG_MAX];
    buf.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
    Some((buf, s.len() as u8))
}

/// The text of a packed string. The bytes always came from a `&str` cut at its length, so the
/// fallback is unreachable; it only keeps the code free of panics.
fn unpack(buf: &[u8; TAG_MAX], len: u8) -> &str {
    buf.get(..usize::from(len))
        .and_then(|b| core::str::from_utf8(b).ok())
        .unwrap_or_default()
}

fn expiry_code(expiry: Option<DateTime>) -> [u8; EXPIRY_BYTES] {
    let code = expiry.map_or(0, |t| (t.unix_millis() - EXPIRY_MIN + 1) as u64);
    let mut out = [0u8; EXPIRY_BYTES];
    out.copy_from_slice(code.to_le_bytes().get(..EXPIRY_BYTES).unwrap_or_default());
    out
}

fn expiry_from_code(code: [u8; EXPIRY_BYTES]) -> Option<DateTime> {
    let mut word = [0u8; 8];
    word.get_mut(..EXPIRY_BYTES)?.copy_from_slice(&code);
    match u64::from_le_bytes(word) {
        0 => None,
        n => DateTime::from_unix_millis(n as i64 - 1 + EXPIRY_MIN),
    }
}

impl Entry {
    /// `id_tag` with `info`; `None` when `id_tag` is longer than an IdToken.
    pub(super) fn new(id_tag: &str, info: &IdTagInfo) -> Option<Entry> {
        let (id_tag, id_len) = pack(id_tag)?;
        let (parent, parent_len) = match &info.parent_id_tag {
            // An IdToken never exceeds TAG_MAX bytes.
            Some(p) => pack(p)?,
            None => ([0; TAG_MAX], NO_PARENT),
        };
        Some(Entry {
            id_tag,
            parent,
            id_len,
            parent_len,
            status: info.status,
            expiry: expiry_code(info.expiry_date),
        })
    }

    /// The idTag as stored (its original case).
    pub(super) fn id_tag(&self) -> &str {
        unpack(&self.id_tag, self.id_len)
    }

    /// Whether this is the entry of `id_tag`, compared case-insensitively (§7.28), like
    /// `IdToken::eq_ignore_case`.
    pub(super) fn matches(&self, id_tag: &str) -> bool {
        crate::types::eq_ignore_ascii_case(self.id_tag(), id_tag)
    }

    /// The parentIdTag, if any.
    pub(super) fn parent_id_tag(&self) -> Option<&str> {
        (self.parent_len != NO_PARENT).then(|| unpack(&self.parent, self.parent_len))
    }

    /// The stored status (no expiry applied).
    pub(super) fn status(&self) -> AuthorizationStatus {
        self.status
    }

    pub(super) fn set_status(&mut self, status: AuthorizationStatus) {
        self.status = status;
    }

    /// The expiryDate, if any.
    pub(super) fn expiry_date(&self) -> Option<DateTime> {
        expiry_from_code(self.expiry)
    }

    /// The status at `now`: valid but past its expiryDate reads as Expired
    /// ([`super::effective_info`]).
    pub(super) fn status_at(&self, now: DateTime) -> AuthorizationStatus {
        super::effective_status(self.status, self.expiry_date(), now)
    }

    /// Whether the entry is valid at `now` ([`super::is_valid`]).
    pub(super) fn is_valid(&self, now: DateTime) -> bool {
        super::is_valid_at(self.status, self.expiry_date(), now)
    }

    /// The `IdTagInfo`, rebuilt, as stored (no expiry applied).
    pub(super) fn info(&self) -> IdTagInfo {
        IdTagInfo {
            expiry_date: self.expiry_date(),
            // Cannot fail: the parent came from an IdToken.
            parent_id_tag: self.parent_id_tag().and_then(|p| IdToken::try_from(p).ok()),
            status: self.status,
        }
    }

    /// The `IdTagInfo` at `now` ([`super::effective_info`]).
    pub(super) fn info_at(&self, now: DateTime) -> IdTagInfo {
        IdTagInfo {
            status: self.status_at(now),
            ..self.info()
        }
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("id_tag", &self.id_tag())
            .field("info", &self.info())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v16::AuthorizationStatus::{Accepted, Blocked};

    const LONGEST: &str = "ABCDEFGHIJKLMNOPQRST";

    fn info(status: AuthorizationStatus, expiry: Option<i64>, parent: Option<&str>) -> IdTagInfo {
        IdTagInfo {
            expiry_date: expiry.map(|ms| DateTime::from_unix_millis(ms).unwrap()),
            parent_id_tag: parent.map(|p| IdToken::try_from(p).unwrap()),
            status,
        }
    }

    fn round_trip(id_tag: &str, info: &IdTagInfo) {
        let e = Entry::new(id_tag, info).unwrap();
        assert_eq!(e.id_tag(), id_tag);
        assert_eq!(&e.info(), info, "{id_tag:?}");
        assert_eq!(e.parent_id_tag(), info.parent_id_tag.as_deref());
        assert_eq!(e.expiry_date(), info.expiry_date);
        assert_eq!(e.status(), info.status);
    }

    // The point of this form: at most 50 bytes on whatever target the tests run (the const
    // assertions above check it on every target the crate is built for, thumbv7em included).
    #[test]
    fn entry_is_small() {
        std::println!(
            "auth entry: {} bytes (was {})",
            core::mem::size_of::<Entry>(),
            core::mem::size_of::<IdToken>() + core::mem::size_of::<IdTagInfo>()
        );
        assert!(core::mem::size_of::<Entry>() <= ENTRY_SIZE);
        assert_eq!(core::mem::align_of::<Entry>(), 1);
    }

    #[test]
    fn stores_are_small() {
        use crate::limits::{AUTH_CACHE_SIZE, LOCAL_AUTH_LIST_MAX_LENGTH};
        let list = core::mem::size_of::<super::super::LocalAuthList<LOCAL_AUTH_LIST_MAX_LENGTH>>();
        let cache = core::mem::size_of::<super::super::AuthCache<AUTH_CACHE_SIZE>>();
        std::println!(
            "LocalAuthList<{LOCAL_AUTH_LIST_MAX_LENGTH}>: {list} bytes, \
             AuthCache<{AUTH_CACHE_SIZE}>: {cache} bytes"
        );
        assert!(list <= store_bound(LOCAL_AUTH_LIST_MAX_LENGTH));
        assert!(cache <= store_bound(AUTH_CACHE_SIZE));
    }

    // The expiryDate code is `millis - EXPIRY_MIN + 1`, an affine map whose image fits its 7
    // bytes for the whole range (const assertion above), so it is injective on every DateTime.
    // This checks it end to end across the range (about 40 000 instants, with days, hours,
    // seconds and milliseconds all varying); the proptest below samples it at random and
    // `round_trips` checks the extremes.
    #[test]
    fn expiry_sweep_over_the_whole_range() {
        let mut ms = EXPIRY_MIN;
        while ms <= EXPIRY_MAX {
            let t = DateTime::from_unix_millis(ms).unwrap();
            assert_eq!(expiry_from_code(expiry_code(Some(t))), Some(t), "{ms}");
            ms += 7_777_777_777;
        }
        assert_eq!(expiry_from_code(expiry_code(None)), None);
    }

    // EXPIRY_MIN..=EXPIRY_MAX is exactly the range of DateTime.
    #[test]
    fn expiry_bounds_are_those_of_date_time() {
        assert_eq!(
            DateTime::from_utc(0, 1, 1, 0, 0, 0, 0).map(DateTime::unix_millis),
            Some(EXPIRY_MIN)
        );
        assert_eq!(
            DateTime::from_utc(9999, 12, 31, 23, 59, 59, 999).map(DateTime::unix_millis),
            Some(EXPIRY_MAX)
        );
        assert!(DateTime::from_unix_millis(EXPIRY_MIN).is_some());
        assert!(DateTime::from_unix_millis(EXPIRY_MAX).is_some());
        assert!(DateTime::from_unix_millis(EXPIRY_MIN - 1).is_none());
        assert!(DateTime::from_unix_millis(EXPIRY_MAX + 1).is_none());
    }

    #[test]
    fn round_trips() {
        for id in [LONGEST, "a", "", "ÄÖÜ-é-0123456"] {
            for parent in [None, Some(""), Some("P"), Some(LONGEST)] {
                for expiry in [
                    None,
                    Some(EXPIRY_MIN),
                    Some(EXPIRY_MIN + 1),
                    Some(-1),
                    Some(0),
                    Some(1),
                    Some(1_700_000_000_123),
                    Some(EXPIRY_MAX - 1),
                    Some(EXPIRY_MAX),
                ] {
                    for &status in AuthorizationStatus::ALL {
                        round_trip(id, &info(status, expiry, parent));
                    }
                }
            }
        }
    }

    #[test]
    fn empty_parent_is_not_no_parent() {
        let none = Entry::new("A", &info(Accepted, None, None)).unwrap();
        let empty = Entry::new("A", &info(Accepted, None, Some(""))).unwrap();
        assert_ne!(none, empty);
        assert_eq!(none.parent_id_tag(), None);
        assert_eq!(empty.parent_id_tag(), Some(""));
    }

    #[test]
    fn too_long_and_matching() {
        assert!(Entry::new("123456789012345678901", &info(Blocked, None, None)).is_none());
        let e = Entry::new("AbC-12", &info(Blocked, None, None)).unwrap();
        assert!(e.matches("abc-12"));
        assert!(e.matches("ABC-12"));
        assert!(!e.matches("ABC-1"));
        assert!(!e.matches("ABC-123"));
        // Non-ASCII letters compare exactly, as IdToken::eq_ignore_case does.
        let e = Entry::new("Ä", &info(Blocked, None, None)).unwrap();
        assert!(e.matches("Ä"));
        assert!(!e.matches("ä"));
        // Same contents, same entry: nothing behind the lengths differs.
        assert_eq!(
            Entry::new("AB", &info(Blocked, Some(5), Some("P"))),
            Entry::new("AB", &info(Blocked, Some(5), Some("P")))
        );
    }

    proptest::proptest! {
        // Every DateTime survives, over the whole range, at millisecond precision.
        #[test]
        fn every_expiry_round_trips(ms in EXPIRY_MIN..=EXPIRY_MAX) {
            let t = DateTime::from_unix_millis(ms).unwrap();
            proptest::prop_assert_eq!(expiry_from_code(expiry_code(Some(t))), Some(t));
        }

        #[test]
        fn any_entry_round_trips(
            id in "[ -~]{0,20}",
            parent in proptest::option::of("[ -~]{0,20}"),
            expiry in proptest::option::of(EXPIRY_MIN..=EXPIRY_MAX),
            status in 0usize..5,
        ) {
            let i = info(AuthorizationStatus::ALL[status], expiry, parent.as_deref());
            let e = Entry::new(&id, &i).unwrap();
            proptest::prop_assert_eq!(e.id_tag(), id.as_str());
            proptest::prop_assert_eq!(e.info(), i);
        }
    }
}
