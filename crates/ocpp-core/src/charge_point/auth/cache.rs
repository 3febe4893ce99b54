//! The Authorization Cache (OCPP 1.6 §3.5.1).

use heapless::Vec;

use super::AuthError;
use super::codec::{self, CACHE_MAGIC, CRC_LEN, ENTRY_MAX, HEADER_LEN, Reader, Writer};
use super::entry::Entry;
use crate::types::DateTime;
use crate::v16::IdTagInfo;

/// The Authorization Cache (§3.5.1): the latest `IdTagInfo` the central system sent for up to
/// `N` identifiers, valid and NOT-valid alike.
///
/// Entries are kept oldest first, "oldest" meaning least recently *updated* (§3.5.1: "When an
/// IdTagInfo is received for an identifier in the Cache, it SHALL be updated", so an update is
/// fresh information and moves the entry to the young end). Lookups do not reorder: the eviction
/// rule of §3.5.1 is about the age of the information, not how often a card is used.
///
/// idTags are compared case-insensitively (§7.28: IdToken is a case-insensitive CiString20).
///
/// Each entry takes 50 bytes (a compact form of the idTag and its `IdTagInfo`, whatever the
/// target), so the cache is about `50 * N` bytes; [`AuthCache::get`] and [`AuthCache::iter`]
/// rebuild `IdTagInfo` values from it.
///
/// The cache does not know about the Local Authorization List; identifiers in the list must not
/// be cached (§3.5.3): use [`super::should_cache`] or [`super::record_id_tag_info`] instead of
/// calling [`AuthCache::update`] directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCache<const N: usize> {
    /// Oldest (least recently updated) first.
    entries: Vec<Entry, N>,
}

impl<const N: usize> Default for AuthCache<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> AuthCache<N> {
    /// The largest image [`AuthCache::encode`] writes: size the storage slot with it.
    pub const ENCODED_MAX: usize = HEADER_LEN + N * ENTRY_MAX + CRC_LEN;

    /// An empty cache.
    pub const fn new() -> Self {
        AuthCache {
            entries: Vec::new(),
        }
    }

    /// How many identifiers are cached.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as stored (status not adjusted for expiry), oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, IdTagInfo)> {
        self.entries.iter().map(|e| (e.id_tag(), e.info()))
    }

    fn find(&self, id_tag: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches(id_tag))
    }

    fn position(&self, id_tag: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.matches(id_tag))
    }

    /// The stored `IdTagInfo` of `id_tag`, as received (no expiry applied).
    pub fn get(&self, id_tag: &str) -> Option<IdTagInfo> {
        self.find(id_tag).map(Entry::info)
    }

    /// The `IdTagInfo` of `id_tag` as it stands at `now`: an Accepted or ConcurrentTx entry whose
    /// `expiryDate` has been reached reads as `Expired` (§3.5.1: "When the validity of a Cache
    /// entry expires, it SHALL be changed to expired in the Cache"). Applying the rule on
    /// reading means the answer is right even if [`AuthCache::expire`] has not run since.
    pub fn lookup(&self, id_tag: &str, now: DateTime) -> Option<IdTagInfo> {
        self.find(id_tag).map(|e| e.info_at(now))
    }

    /// Records the `IdTagInfo` the central system sent for `id_tag` (Authorize.conf,
    /// StartTransaction.conf, StopTransaction.conf: §3.5.1, §4.1, §4.8, §4.10).
    ///
    /// An existing entry is replaced and becomes the youngest. A new one is added; when the cache
    /// is full, room is made as §3.5.1 says: first a NOT-valid entry goes (the oldest of them),
    /// and only if there is none, the oldest valid entry. "NOT-valid" is the spec's own
    /// definition (§3.5.2: valid is Accepted or ConcurrentTx), extended with "past its
    /// expiryDate at `now`", since such an entry already reads as Expired. One entry is removed
    /// per new entry ("to make space for the new entry"): NOT-valid entries still carry
    /// information (they make an offline charge point refuse the card, §3.5.4).
    ///
    /// With `N == 0` nothing is stored. Fails only when `id_tag` is longer than an IdToken.
    pub fn update(
        &mut self,
        id_tag: &str,
        info: &IdTagInfo,
        now: DateTime,
    ) -> Result<(), AuthError> {
        let entry = Entry::new(id_tag, info).ok_or(AuthError::IdTagTooLong)?;
        if let Some(i) = self.position(id_tag) {
            self.entries.remove(i);
        } else if self.entries.is_full() {
            let victim = self
                .entries
                .iter()
                .position(|e| !e.is_valid(now))
                .unwrap_or(0);
            if victim < self.entries.len() {
                self.entries.remove(victim);
            }
        }
        // Cannot fail after the removal above, except with N == 0, where there is nothing to do.
        let _ = self.entries.push(entry);
        Ok(())
    }

    /// Forgets `id_tag`; returns whether it was cached.
    pub fn remove(&mut self, id_tag: &str) -> bool {
        match self.position(id_tag) {
            Some(i) => {
                self.entries.remove(i);
                true
            }
            None => false,
        }
    }

    /// Rewrites every entry whose validity has ended at `now` as `Expired` (§3.5.1), keeping
    /// its place. [`AuthCache::lookup`] already reports such entries as Expired; this makes the
    /// stored (and persisted) data say so too. Returns how many entries changed.
    pub fn expire(&mut self, now: DateTime) -> usize {
        let mut changed = 0;
        for e in &mut self.entries {
            let effective = e.status_at(now);
            if effective != e.status() {
                e.set_status(effective);
                changed += 1;
            }
        }
        changed
    }

    /// Empties the cache (ClearCache.req, §5.4).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The size of the image [`AuthCache::encode`] writes now.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + self
                .entries
                .iter()
                .map(|e| codec::entry_len(e.id_tag(), &e.info()))
                .sum::<usize>()
            + CRC_LEN
    }

    /// Writes the persistence image (see the format in `codec`: magic `OCAC`, version 1) into
    /// `out` and returns its length. Fails with `BufferTooSmall` (writing nothing useful) when
    /// `out` is shorter than [`AuthCache::encoded_len`]; [`AuthCache::ENCODED_MAX`] always
    /// suffices.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, AuthError> {
        let needed = self.encoded_len();
        if out.len() < needed {
            return Err(AuthError::BufferTooSmall { needed });
        }
        let mut w = Writer::new(out);
        w.header(CACHE_MAGIC)?;
        w.count(self.entries.len())?;
        for e in &self.entries {
            w.entry(e.id_tag(), &e.info())?;
        }
        w.finish()
    }

    /// Reads an image written by [`AuthCache::encode`] (of this or a smaller capacity). Refuses,
    /// without panicking, anything damaged: a wrong magic, an unknown format version, a CRC
    /// mismatch, more than `N` entries, out-of-range values, duplicate idTags or trailing bytes.
    pub fn decode(data: &[u8]) -> Result<Self, AuthError> {
        let mut cache = Self::new();
        cache.decode_into(data)?;
        Ok(cache)
    }

    /// Restores the cache from `data` in place (no cache-sized temporary on the stack). On an
    /// error the cache is left empty.
    pub fn decode_into(&mut self, data: &[u8]) -> Result<(), AuthError> {
        self.entries.clear();
        let result = self.fill_from(data);
        if result.is_err() {
            self.entries.clear();
        }
        result
    }

    fn fill_from(&mut self, data: &[u8]) -> Result<(), AuthError> {
        let mut r = Reader::open(data, CACHE_MAGIC)?;
        let count = r.count(N)?;
        for _ in 0..count {
            let (id_tag, info) = r.entry()?;
            if self.position(&id_tag).is_some() {
                return Err(AuthError::Malformed);
            }
            // An IdToken always fits an entry.
            let entry = Entry::new(&id_tag, &info).ok_or(AuthError::Malformed)?;
            self.entries
                .push(entry)
                .map_err(|_| AuthError::TooManyEntries)?;
        }
        r.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v16::AuthorizationStatus::{
        self, Accepted, Blocked, ConcurrentTx, Expired, Invalid,
    };
    use crate::v16::IdToken;

    fn t(secs: i64) -> DateTime {
        DateTime::from_unix_millis(1_700_000_000_000 + secs * 1000).unwrap()
    }

    fn info(status: AuthorizationStatus) -> IdTagInfo {
        IdTagInfo::with_status(status)
    }

    fn info_until(status: AuthorizationStatus, expiry: DateTime) -> IdTagInfo {
        IdTagInfo {
            expiry_date: Some(expiry),
            parent_id_tag: None,
            status,
        }
    }

    fn ids<const N: usize>(c: &AuthCache<N>) -> std::vec::Vec<&str> {
        c.iter().map(|(id, _)| id).collect()
    }

    // §3.5.1: "The Cache is updated using all received IdTagInfo"; "The Cache contains all the
    // latest received identifiers (i.e. valid and NOT-valid)".
    #[test]
    fn stores_valid_and_not_valid_entries() {
        let mut c = AuthCache::<4>::new();
        c.update("A", &info(Accepted), t(0)).unwrap();
        c.update("B", &info(Blocked), t(0)).unwrap();
        assert_eq!(c.lookup("A", t(1)), Some(info(Accepted)));
        assert_eq!(c.lookup("B", t(1)), Some(info(Blocked)));
        assert_eq!(c.lookup("C", t(1)), None);
    }

    // §3.5.1: "When an IdTagInfo is received for an identifier in the Cache, it SHALL be
    // updated." §7.28: IdToken is case insensitive.
    #[test]
    fn update_replaces_case_insensitively() {
        let mut c = AuthCache::<4>::new();
        c.update("abc123", &info(Accepted), t(0)).unwrap();
        c.update("ABC123", &info(Blocked), t(0)).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c.lookup("AbC123", t(0)), Some(info(Blocked)));
        assert!(c.remove("aBc123"));
        assert!(c.is_empty());
        assert!(!c.remove("abc123"));
    }

    // §3.5.1: "When the validity of a Cache entry expires, it SHALL be changed to expired."
    #[test]
    fn entries_past_expiry_read_as_expired() {
        let mut c = AuthCache::<4>::new();
        c.update("A", &info_until(Accepted, t(100)), t(0)).unwrap();
        c.update("C", &info_until(ConcurrentTx, t(100)), t(0))
            .unwrap();
        c.update("B", &info_until(Blocked, t(100)), t(0)).unwrap();
        assert_eq!(c.lookup("A", t(99)).unwrap().status, Accepted);
        // At the expiryDate itself the idTag is no longer valid.
        assert_eq!(c.lookup("A", t(100)).unwrap().status, Expired);
        assert_eq!(c.lookup("C", t(101)).unwrap().status, Expired);
        // A NOT-valid status keeps its more specific reason.
        assert_eq!(c.lookup("B", t(101)).unwrap().status, Blocked);
        // Stored data is unchanged until `expire` runs.
        assert_eq!(c.get("A").unwrap().status, Accepted);
        assert_eq!(c.expire(t(100)), 2);
        assert_eq!(c.get("A").unwrap().status, Expired);
        assert_eq!(c.get("C").unwrap().status, Expired);
        assert_eq!(c.get("B").unwrap().status, Blocked);
        assert_eq!(c.expire(t(100)), 0);
    }

    // §3.5.1: "If ... the Authorization Cache is full, the Charge Point SHALL remove any
    // NOT-valid entries, and then, if necessary, the oldest valid entries".
    #[test]
    fn full_cache_evicts_not_valid_first_then_oldest_valid() {
        let mut c = AuthCache::<3>::new();
        c.update("V1", &info(Accepted), t(0)).unwrap();
        c.update("X", &info(Invalid), t(0)).unwrap();
        c.update("V2", &info(Accepted), t(0)).unwrap();
        c.update("V3", &info(Accepted), t(0)).unwrap();
        assert_eq!(ids(&c), ["V1", "V2", "V3"]);
        c.update("V4", &info(ConcurrentTx), t(0)).unwrap();
        assert_eq!(ids(&c), ["V2", "V3", "V4"]);
    }

    #[test]
    fn entries_expired_by_time_count_as_not_valid_for_eviction() {
        let mut c = AuthCache::<3>::new();
        c.update("OLD", &info(Accepted), t(0)).unwrap();
        c.update("LAPSED", &info_until(Accepted, t(50)), t(0))
            .unwrap();
        c.update("NEW", &info(Accepted), t(0)).unwrap();
        c.update("NEXT", &info(Accepted), t(60)).unwrap();
        assert_eq!(ids(&c), ["OLD", "NEW", "NEXT"]);
    }

    #[test]
    fn oldest_means_least_recently_updated() {
        let mut c = AuthCache::<2>::new();
        c.update("A", &info(Accepted), t(0)).unwrap();
        c.update("B", &info(Accepted), t(0)).unwrap();
        c.update("a", &info(Accepted), t(0)).unwrap(); // refreshes A
        c.update("C", &info(Accepted), t(0)).unwrap();
        assert_eq!(ids(&c), ["a", "C"]);
    }

    #[test]
    fn zero_capacity_and_long_ids_are_harmless() {
        let mut c = AuthCache::<0>::new();
        c.update("A", &info(Accepted), t(0)).unwrap();
        assert!(c.is_empty());
        let mut c = AuthCache::<2>::new();
        assert_eq!(
            c.update("123456789012345678901", &info(Accepted), t(0)),
            Err(AuthError::IdTagTooLong)
        );
        assert_eq!(c.lookup("123456789012345678901", t(0)), None);
    }

    // §5.4 ClearCache.
    #[test]
    fn clear_empties() {
        let mut c = AuthCache::<2>::new();
        c.update("A", &info(Accepted), t(0)).unwrap();
        c.clear();
        assert!(c.is_empty());
    }

    fn sample() -> AuthCache<4> {
        let mut c = AuthCache::<4>::new();
        c.update("04A2B3C4D5E6F7", &info_until(Accepted, t(3600)), t(0))
            .unwrap();
        c.update(
            "card-2",
            &IdTagInfo {
                expiry_date: None,
                parent_id_tag: Some(IdToken::try_from("FAMILY").unwrap()),
                status: Blocked,
            },
            t(0),
        )
        .unwrap();
        c.update("", &info(Invalid), t(0)).unwrap();
        c
    }

    // §3.5.1: "Cache values SHOULD be ... persisted across reboots" (errata v4.0: and resets).
    #[test]
    fn encode_decode_round_trip_keeps_order() {
        let c = sample();
        let mut buf = [0u8; AuthCache::<4>::ENCODED_MAX];
        let n = c.encode(&mut buf).unwrap();
        assert_eq!(n, c.encoded_len());
        let back = AuthCache::<4>::decode(&buf[..n]).unwrap();
        assert_eq!(back, c);
        // A larger cache reads a smaller one's image.
        let bigger = AuthCache::<8>::decode(&buf[..n]).unwrap();
        assert_eq!(ids(&bigger), ids(&c));
        // A smaller one refuses it rather than dropping entries silently.
        assert_eq!(
            AuthCache::<2>::decode(&buf[..n]),
            Err(AuthError::TooManyEntries)
        );
    }

    #[test]
    fn encoded_max_is_enough_for_the_worst_case() {
        let mut c = AuthCache::<3>::new();
        for id in [
            "AAAAAAAAAAAAAAAAAAAA",
            "BBBBBBBBBBBBBBBBBBBB",
            "CCCCCCCCCCCCCCCCCCCC",
        ] {
            let full = IdTagInfo {
                expiry_date: Some(t(1)),
                parent_id_tag: Some(IdToken::try_from("PPPPPPPPPPPPPPPPPPPP").unwrap()),
                status: Accepted,
            };
            c.update(id, &full, t(0)).unwrap();
        }
        assert_eq!(c.encoded_len(), AuthCache::<3>::ENCODED_MAX);
        let mut buf = [0u8; AuthCache::<3>::ENCODED_MAX];
        assert_eq!(c.encode(&mut buf), Ok(AuthCache::<3>::ENCODED_MAX));
    }

    // The format is part of the on-flash contract: this pins version 1 byte for byte.
    #[test]
    fn golden_image() {
        let mut c = AuthCache::<2>::new();
        c.update(
            "AB",
            &IdTagInfo {
                expiry_date: DateTime::from_unix_millis(1),
                parent_id_tag: Some(IdToken::try_from("P").unwrap()),
                status: Blocked,
            },
            t(0),
        )
        .unwrap();
        let mut buf = [0u8; 64];
        let n = c.encode(&mut buf).unwrap();
        let body: &[u8] = &[
            b'O', b'C', b'A', b'C', 1, // magic, format version
            1, 0, 0, 0, // one entry
            2, b'A', b'B', // idTag
            1, 3, // Blocked, expiry and parent present
            1, 0, 0, 0, 0, 0, 0, 0, // expiry: 1 ms after the epoch
            1, b'P', // parentIdTag
        ];
        assert_eq!(&buf[..n - 4], body);
        assert_eq!(&buf[n - 4..n], &codec::crc32(body).to_le_bytes());
    }

    // The compact entries keep everything an IdTagInfo can hold: the longest idTag, with and
    // without (or with an empty) parent, with and without expiry, the extreme expiryDates; in
    // memory and through the image.
    #[test]
    fn extreme_entries_round_trip() {
        let longest = "ABCDEFGHIJKLMNOPQRST";
        let min = DateTime::from_utc(0, 1, 1, 0, 0, 0, 0);
        let max = DateTime::from_utc(9999, 12, 31, 23, 59, 59, 999);
        let mut c = AuthCache::<16>::new();
        let mut expected = std::vec::Vec::new();
        let mut n = 0;
        for parent in [None, Some(""), Some(longest)] {
            for expiry in [None, min, max, DateTime::from_unix_millis(-1)] {
                let id = std::format!("{n:0>20}");
                let info = IdTagInfo {
                    expiry_date: expiry,
                    parent_id_tag: parent.map(|p| IdToken::try_from(p).unwrap()),
                    status: AuthorizationStatus::ALL[n % 5],
                };
                c.update(&id, &info, t(0)).unwrap();
                expected.push((id, info));
                n += 1;
            }
        }
        c.update(longest, &info(Accepted), t(0)).unwrap();
        expected.push((longest.into(), info(Accepted)));
        for (id, info) in &expected {
            assert_eq!(c.get(id).as_ref(), Some(info), "{id}");
        }
        let mut buf = [0u8; AuthCache::<16>::ENCODED_MAX];
        let len = c.encode(&mut buf).unwrap();
        let back = AuthCache::<16>::decode(&buf[..len]).unwrap();
        assert_eq!(back, c);
        let all: std::vec::Vec<(std::string::String, IdTagInfo)> =
            back.iter().map(|(id, i)| (id.into(), i)).collect();
        assert_eq!(all, expected);
    }

    #[test]
    fn encode_refuses_a_short_buffer() {
        let c = sample();
        let mut buf = [0u8; 10];
        assert_eq!(
            c.encode(&mut buf),
            Err(AuthError::BufferTooSmall {
                needed: c.encoded_len()
            })
        );
    }

    #[test]
    fn decode_refuses_damage() {
        let c = sample();
        let mut buf = [0u8; AuthCache::<4>::ENCODED_MAX];
        let n = c.encode(&mut buf).unwrap();
        let img = &buf[..n];

        // Every truncation and every single-bit flip is refused.
        for len in 0..n {
            assert!(AuthCache::<4>::decode(&img[..len]).is_err(), "len {len}");
        }
        for i in 0..n {
            for bit in 0..8 {
                let mut bad = [0u8; AuthCache::<4>::ENCODED_MAX];
                bad[..n].copy_from_slice(img);
                bad[i] ^= 1 << bit;
                assert!(
                    AuthCache::<4>::decode(&bad[..n]).is_err(),
                    "byte {i} bit {bit}"
                );
            }
        }
        // Trailing bytes.
        let mut long = [0u8; AuthCache::<4>::ENCODED_MAX + 1];
        long[..n].copy_from_slice(img);
        assert!(AuthCache::<4>::decode(&long[..=n]).is_err());
        // A list image is not a cache image.
        let list = super::super::LocalAuthList::<4>::new();
        let mut lbuf = [0u8; 64];
        let ln = list.encode(&mut lbuf).unwrap();
        assert_eq!(
            AuthCache::<4>::decode(&lbuf[..ln]),
            Err(AuthError::BadMagic)
        );
    }

    /// Builds a well-formed image (valid CRC) from a body, to test the checks behind the CRC.
    fn with_crc(body: &[u8]) -> std::vec::Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(&codec::crc32(body).to_le_bytes());
        v
    }

    #[test]
    fn decode_refuses_bad_values_behind_a_good_crc() {
        let head = [b'O', b'C', b'A', b'C', 1, 1, 0, 0, 0];
        let cases: &[(&[u8], AuthError)] = &[
            (&[1, b'A', 9, 0], AuthError::Malformed),  // unknown status
            (&[1, b'A', 0, 4], AuthError::Malformed),  // unknown flag
            (&[21, b'A', 0, 0], AuthError::Malformed), // idTag too long / short read
            (&[1, 0xFF, 0, 0], AuthError::Malformed),  // not UTF-8
            (
                &[
                    1, b'A', 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
                ],
                AuthError::Malformed,
            ), // expiry beyond year 9999
        ];
        for (entry, err) in cases {
            let mut body = head.to_vec();
            body.extend_from_slice(entry);
            assert_eq!(
                AuthCache::<4>::decode(&with_crc(&body)),
                Err(*err),
                "{entry:?}"
            );
        }
        // Duplicate idTags (case-insensitive).
        let body = [
            b'O', b'C', b'A', b'C', 1, 2, 0, 0, 0, 1, b'a', 0, 0, 1, b'A', 0, 0,
        ];
        assert_eq!(
            AuthCache::<4>::decode(&with_crc(&body)),
            Err(AuthError::Malformed)
        );
        // Unknown format version.
        let body = [b'O', b'C', b'A', b'C', 2, 0, 0, 0, 0];
        assert_eq!(
            AuthCache::<4>::decode(&with_crc(&body)),
            Err(AuthError::UnsupportedFormat(2))
        );
        // Entry count beyond capacity (and beyond u32 -> usize on any target).
        let body = [b'O', b'C', b'A', b'C', 1, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            AuthCache::<4>::decode(&with_crc(&body)),
            Err(AuthError::TooManyEntries)
        );
        // An empty cache decodes.
        let body = [b'O', b'C', b'A', b'C', 1, 0, 0, 0, 0];
        assert_eq!(
            AuthCache::<4>::decode(&with_crc(&body)),
            Ok(AuthCache::new())
        );
    }

    proptest::proptest! {
        // Decoding is total: arbitrary bytes never panic.
        #[test]
        fn decode_never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = AuthCache::<4>::decode(&data);
        }

        // Whatever sequence of updates, the cache never exceeds N, keeps one entry per idTag
        // (case-insensitive), always holds the last info for the idTag just updated, and
        // round-trips through its image.
        #[test]
        fn updates_keep_the_invariants(
            ops in proptest::collection::vec((0u8..8, 0usize..5, proptest::option::of(0i64..100), 0i64..100), 0..40)
        ) {
            let mut c = AuthCache::<3>::new();
            for (id, status, expiry, now) in ops {
                let id_tag = ["a", "A", "b", "c", "D", "e", "f", "g"][usize::from(id)];
                let info = IdTagInfo {
                    expiry_date: expiry.map(t),
                    parent_id_tag: None,
                    status: AuthorizationStatus::ALL[status],
                };
                c.update(id_tag, &info, t(now)).unwrap();
                proptest::prop_assert!(c.len() <= 3);
                proptest::prop_assert_eq!(c.get(id_tag), Some(info.clone()));
                let distinct = ids(&c);
                for (i, x) in distinct.iter().enumerate() {
                    for y in &distinct[i + 1..] {
                        proptest::prop_assert!(!x.eq_ignore_ascii_case(y));
                    }
                }
            }
            let mut buf = [0u8; AuthCache::<3>::ENCODED_MAX];
            let n = c.encode(&mut buf).unwrap();
            proptest::prop_assert_eq!(AuthCache::<3>::decode(&buf[..n]).unwrap(), c);
        }
    }
}
