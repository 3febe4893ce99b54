//! The Local Authorization List (OCPP 1.6 §3.5.2, §5.10, §5.15, §6.41, §7.1).

use heapless::Vec;

use super::codec::{self, CRC_LEN, ENTRY_MAX, HEADER_LEN, LIST_MAGIC, Reader, Writer};
use super::entry::Entry;
use super::{AuthError, is_valid};
use crate::types::DateTime;
use crate::v16::{AuthorizationData, IdTagInfo, SendLocalListRequest, UpdateStatus, UpdateType};

mod stream;

/// The Local Authorization List (§3.5.2): up to `N` identifiers with their `IdTagInfo`, and the
/// version the central system associated with them. `N` is what the charge point declares as
/// `LocalAuthListMaxLength` (§9.2.2).
///
/// The list changes only through [`LocalAuthList::apply`] (a SendLocalList.req) or by loading a
/// saved image: "The Charge Point SHALL NOT modify the contents of the Authorization List by any
/// other means than upon a the receipt of a SendLocalList PDU" (§3.5.2). That is why there is no
/// `clear` or `remove`, and why expired entries are reported as Expired but never rewritten.
///
/// idTags are compared case-insensitively (§7.28).
///
/// Each entry takes 50 bytes (a compact form of the idTag and its `IdTagInfo`, whatever the
/// target), so the list is about `50 * N` bytes; [`LocalAuthList::get`] and
/// [`LocalAuthList::iter`] rebuild `IdTagInfo` values from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAuthList<const N: usize> {
    version: i32,
    entries: Vec<Entry, N>,
}

impl<const N: usize> Default for LocalAuthList<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LocalAuthList<N> {
    /// The largest image [`LocalAuthList::encode`] writes: size the storage slot with it.
    pub const ENCODED_MAX: usize = HEADER_LEN + 4 + N * ENTRY_MAX + CRC_LEN;

    /// No list: version 0, no entries.
    pub const fn new() -> Self {
        LocalAuthList {
            version: 0,
            entries: Vec::new(),
        }
    }

    /// The version the central system last associated with the list (§5.15), or 0 when it never
    /// sent one (§5.10: "A version number of 0 (zero) SHALL be used to indicate that the local
    /// authorization list is empty").
    ///
    /// A Full update with no entries still sets its `listVersion`: §5.15 says the request holds
    /// "the version number that the Charge Point MUST associate with the local authorization
    /// list after it has been updated", and answering 0 afterwards would make a central system
    /// that compares versions believe the update was lost and send it again, forever. 0 keeps
    /// its meaning "no list was ever received" because errata v4.0 §3.52 forbids the central
    /// system to send 0 or -1.
    pub const fn version(&self) -> i32 {
        self.version
    }

    /// The `listVersion` of GetLocalListVersion.conf (§5.10, §6.28): -1 when the charge point
    /// does not support Local Authorization Lists (the LocalAuthListManagement feature profile
    /// is absent from `SupportedFeatureProfiles`), otherwise [`LocalAuthList::version`].
    ///
    /// The spec gives -1 for "does not support", not for "disabled": a list that the
    /// `LocalAuthListEnabled` key (§9.2.1) switched off still exists, can still be synchronised,
    /// and reports its version.
    pub const fn reported_version(&self, supported: bool) -> i32 {
        if supported { self.version } else { -1 }
    }

    /// How many identifiers the list holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list holds no identifier.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries as stored (status not adjusted for expiry), in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, IdTagInfo)> {
        self.entries.iter().map(|e| (e.id_tag(), e.info()))
    }

    fn find(&self, id_tag: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.matches(id_tag))
    }

    fn position(&self, id_tag: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.matches(id_tag))
    }

    /// Whether `id_tag` is in the list, whatever its status (§3.5.3: such identifiers are not
    /// cached).
    pub fn contains(&self, id_tag: &str) -> bool {
        self.position(id_tag).is_some()
    }

    /// The stored `IdTagInfo` of `id_tag`, as the central system sent it.
    pub fn get(&self, id_tag: &str) -> Option<IdTagInfo> {
        self.find(id_tag).map(Entry::info)
    }

    /// The `IdTagInfo` of `id_tag` at `now`: an Accepted or ConcurrentTx entry whose
    /// `expiryDate` has been reached reads as `Expired` (§3.5.4: "Identifiers that were valid
    /// but are apparently expired due to passage of time MUST also be rejected").
    pub fn lookup(&self, id_tag: &str, now: DateTime) -> Option<IdTagInfo> {
        self.find(id_tag).map(|e| e.info_at(now))
    }

    /// Whether `info`, just received from the central system for `id_tag` (Authorize.conf,
    /// StartTransaction.conf), contradicts the list at `now`: the identifier is in the list and
    /// one of the two says valid while the other says NOT-valid. The charge point then SHALL send
    /// a StatusNotification with connectorId 0 and errorCode `LocalListConflict` (§3.5.2). Two
    /// different NOT-valid statuses (Blocked and Invalid, say) do not conflict: the note speaks
    /// of "the validity reported".
    pub fn conflicts(&self, id_tag: &str, info: &IdTagInfo, now: DateTime) -> bool {
        self.find(id_tag)
            .is_some_and(|listed| listed.is_valid(now) != is_valid(info, now))
    }

    /// Applies a SendLocalList.req (§5.15, §6.41) and returns the status for its
    /// SendLocalList.conf. `send_local_list_max_length` is the value the charge point declares
    /// in `SendLocalListMaxLength` (§9.2.3).
    ///
    /// All or nothing: every check runs before anything changes, so on any status other than
    /// `Accepted` the list and its version are exactly as before.
    ///
    /// - `VersionMismatch`: a Differential update whose `listVersion` is less than or equal to
    ///   the current version (§7.47). Full updates are not compared: they replace the list,
    ///   whatever was there (the remedy §5.15 gives for a mismatch is to send a Full update).
    /// - `Failed`:
    ///   - a Full update with `listVersion` 0 or negative (errata v4.0 §3.52: "SHALL NOT be -1 or
    ///     0"). A Differential one is already a `VersionMismatch` (the current version is never
    ///     negative);
    ///   - more entries than `send_local_list_max_length` (§6.41);
    ///   - the same idTag twice, compared case-insensitively (§6.41: "All idTags in the
    ///     localAuthorizationList MUST be unique");
    ///   - a Full update with an entry without `idTagInfo` (§7.1: "Required when UpdateType is
    ///     Full"). Storing the entry without a status is impossible, silently dropping it would
    ///     leave the charge point with a list other than the one the central system believes it
    ///     sent, and treating it as a deletion means nothing in a replacement; refusing lets the
    ///     central system notice and correct its request;
    ///   - a resulting list longer than `N` (`LocalAuthListMaxLength`, §9.2.2).
    /// - `Accepted`: Full replaces every entry (no or an empty list empties it, §6.41);
    ///   Differential adds or updates the entries that have an `idTagInfo` and deletes those
    ///   that have none (§7.1; deleting an absent idTag is not an error). A Differential update
    ///   without entries "will have no effect on the list" (§6.41) but still sets the version,
    ///   since §5.15 makes the charge point associate it with the list after the update.
    ///
    /// `NotSupported` is never returned: it is the caller's answer when the charge point does
    /// not implement the Local Auth List Management profile.
    pub fn apply(
        &mut self,
        req: &SendLocalListRequest,
        send_local_list_max_length: usize,
    ) -> UpdateStatus {
        let changes: &[AuthorizationData] = req.local_authorization_list.as_deref().unwrap_or(&[]);
        match req.update_type {
            UpdateType::Differential if req.list_version <= self.version => {
                return UpdateStatus::VersionMismatch;
            }
            UpdateType::Full if req.list_version <= 0 => return UpdateStatus::Failed,
            _ => {}
        }
        if changes.len() > send_local_list_max_length || has_duplicates(changes) {
            return UpdateStatus::Failed;
        }
        match req.update_type {
            UpdateType::Full => {
                if changes.len() > N || changes.iter().any(|c| c.id_tag_info.is_none()) {
                    return UpdateStatus::Failed;
                }
                self.entries.clear();
                for c in changes {
                    // An IdToken always fits an entry.
                    if let Some(entry) = c
                        .id_tag_info
                        .as_ref()
                        .and_then(|i| Entry::new(&c.id_tag, i))
                    {
                        // Cannot fail: at most N entries, checked above.
                        let _ = self.entries.push(entry);
                    }
                }
            }
            UpdateType::Differential => {
                // The size after the update, from the size now: +1 for each new idTag added,
                // -1 for each present idTag deleted (idTags are unique, checked above).
                let mut size = self.entries.len();
                for c in changes {
                    match (self.contains(&c.id_tag), c.id_tag_info.is_some()) {
                        (false, true) => size += 1,
                        (true, false) => size = size.saturating_sub(1),
                        _ => {}
                    }
                }
                if size > N {
                    return UpdateStatus::Failed;
                }
                // Deletions first, so that additions never meet a full list.
                self.entries.retain(|e| {
                    !changes
                        .iter()
                        .any(|c| c.id_tag_info.is_none() && e.matches(&c.id_tag))
                });
                for c in changes {
                    // An IdToken always fits an entry.
                    let Some(entry) = c
                        .id_tag_info
                        .as_ref()
                        .and_then(|i| Entry::new(&c.id_tag, i))
                    else {
                        continue;
                    };
                    let existing = self
                        .position(&c.id_tag)
                        .and_then(|i| self.entries.get_mut(i));
                    if let Some(e) = existing {
                        *e = entry;
                    } else {
                        // Cannot fail: the final size was checked above.
                        let _ = self.entries.push(entry);
                    }
                }
            }
        }
        self.version = req.list_version;
        UpdateStatus::Accepted
    }

    /// The size of the image [`LocalAuthList::encode`] writes now.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + 4
            + self
                .entries
                .iter()
                .map(|e| codec::entry_len(e.id_tag(), &e.info()))
                .sum::<usize>()
            + CRC_LEN
    }

    /// Writes the persistence image (format in `codec`: magic `OCLL`, version 1, with the
    /// `listVersion` after the format version) into `out` and returns its length. Fails with
    /// `BufferTooSmall` when `out` is shorter than [`LocalAuthList::encoded_len`];
    /// [`LocalAuthList::ENCODED_MAX`] always suffices.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, AuthError> {
        let needed = self.encoded_len();
        if out.len() < needed {
            return Err(AuthError::BufferTooSmall { needed });
        }
        let mut w = Writer::new(out);
        w.header(LIST_MAGIC)?;
        w.put(&self.version.to_le_bytes())?;
        w.count(self.entries.len())?;
        for e in &self.entries {
            w.entry(e.id_tag(), &e.info())?;
        }
        w.finish()
    }

    /// Reads an image written by [`LocalAuthList::encode`]. Refuses, without panicking, anything
    /// damaged (see [`super::AuthCache::decode`]), and a negative version or entries under
    /// version 0, which [`LocalAuthList::apply`] never produces.
    pub fn decode(data: &[u8]) -> Result<Self, AuthError> {
        let mut list = Self::new();
        list.decode_into(data)?;
        Ok(list)
    }

    /// Restores the list from `data` in place (no list-sized temporary on the stack, which
    /// matters on a microcontroller). On an error the list is left empty.
    pub fn decode_into(&mut self, data: &[u8]) -> Result<(), AuthError> {
        self.version = 0;
        self.entries.clear();
        let result = self.fill_from(data);
        if result.is_err() {
            self.version = 0;
            self.entries.clear();
        }
        result
    }

    fn fill_from(&mut self, data: &[u8]) -> Result<(), AuthError> {
        let mut r = Reader::open(data, LIST_MAGIC)?;
        let version = r.i32()?;
        let count = r.count(N)?;
        if version < 0 || (version == 0 && count > 0) {
            return Err(AuthError::Malformed);
        }
        self.version = version;
        for _ in 0..count {
            let (id_tag, info) = r.entry()?;
            if self.contains(&id_tag) {
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

fn has_duplicates(changes: &[AuthorizationData]) -> bool {
    changes.iter().enumerate().any(|(i, a)| {
        changes
            .iter()
            .skip(i + 1)
            .any(|b| a.id_tag.eq_ignore_case(&b.id_tag))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::SEND_LOCAL_LIST_MAX_LENGTH;
    use crate::types::List;
    use crate::v16::AuthorizationStatus::{
        self, Accepted, Blocked, ConcurrentTx, Expired, Invalid,
    };
    use crate::v16::IdToken;

    fn t(secs: i64) -> DateTime {
        DateTime::from_unix_millis(1_700_000_000_000 + secs * 1000).unwrap()
    }

    fn add(id: &str, status: AuthorizationStatus) -> AuthorizationData {
        AuthorizationData {
            id_tag: IdToken::try_from(id).unwrap(),
            id_tag_info: Some(IdTagInfo::with_status(status)),
        }
    }

    fn del(id: &str) -> AuthorizationData {
        AuthorizationData {
            id_tag: IdToken::try_from(id).unwrap(),
            id_tag_info: None,
        }
    }

    fn req(
        version: i32,
        update_type: UpdateType,
        items: &[AuthorizationData],
    ) -> SendLocalListRequest {
        SendLocalListRequest {
            list_version: version,
            local_authorization_list: Some(List::try_from_slice(items).unwrap()),
            update_type,
        }
    }

    const MAX: usize = SEND_LOCAL_LIST_MAX_LENGTH;

    /// [`LocalAuthList::apply`], checked against [`LocalAuthList::apply_json`] on the same
    /// request as JSON: every test of the rules below covers the streaming decoder too.
    fn apply_both<const N: usize>(
        l: &mut LocalAuthList<N>,
        r: &SendLocalListRequest,
        max: usize,
    ) -> UpdateStatus {
        let payload = serde_json::to_string(r).unwrap();
        let mut streamed = l.clone();
        let status = streamed
            .apply_json(&payload, &crate::json::DecodeOptions::DEFAULT, max)
            .unwrap();
        let expected = l.apply(r, max);
        assert_eq!(status, expected, "{payload}");
        assert_eq!(streamed, *l, "{payload}");
        expected
    }

    fn full<const N: usize>(items: &[AuthorizationData]) -> LocalAuthList<N> {
        let mut l = LocalAuthList::new();
        assert_eq!(
            apply_both(&mut l, &req(10, UpdateType::Full, items), MAX),
            UpdateStatus::Accepted
        );
        l
    }

    fn status_of<const N: usize>(l: &LocalAuthList<N>, id: &str) -> Option<AuthorizationStatus> {
        l.get(id).map(|i| i.status)
    }

    // §5.10: version 0 means no list; -1 means not supported.
    #[test]
    fn version_and_reported_version() {
        let l = LocalAuthList::<4>::new();
        assert_eq!(l.version(), 0);
        assert_eq!(l.reported_version(true), 0);
        assert_eq!(l.reported_version(false), -1);
        let l = full::<4>(&[add("A", Accepted)]);
        assert_eq!(l.version(), 10);
        assert_eq!(l.reported_version(true), 10);
        assert_eq!(l.reported_version(false), -1);
    }

    // §5.15 Full: replace the list; §6.41: lower versions are fine for Full.
    #[test]
    fn full_replaces_everything() {
        let mut l = full::<4>(&[add("A", Accepted), add("B", Blocked)]);
        assert_eq!(
            apply_both(&mut l, &req(3, UpdateType::Full, &[add("C", Invalid)]), MAX),
            UpdateStatus::Accepted
        );
        assert_eq!(l.version(), 3);
        assert_eq!(l.len(), 1);
        assert_eq!(status_of(&l, "c"), Some(Invalid));
        assert!(!l.contains("A"));
    }

    // §6.41: "If no (empty) localAuthorizationList is given and the updateType is Full, all
    // identifications are removed from the list."
    #[test]
    fn full_without_entries_empties_and_sets_version() {
        let mut l = full::<4>(&[add("A", Accepted)]);
        let none = SendLocalListRequest {
            list_version: 11,
            local_authorization_list: None,
            update_type: UpdateType::Full,
        };
        assert_eq!(apply_both(&mut l, &none, MAX), UpdateStatus::Accepted);
        assert!(l.is_empty());
        assert_eq!(l.version(), 11);
        let mut l = full::<4>(&[add("A", Accepted)]);
        assert_eq!(
            apply_both(&mut l, &req(12, UpdateType::Full, &[]), MAX),
            UpdateStatus::Accepted
        );
        assert!(l.is_empty());
        assert_eq!(l.version(), 12);
    }

    // §7.1: idTagInfo "Required when UpdateType is Full": refused as a whole.
    #[test]
    fn full_with_an_entry_without_info_fails_atomically() {
        let mut l = full::<4>(&[add("A", Accepted)]);
        let before = l.clone();
        assert_eq!(
            apply_both(
                &mut l,
                &req(20, UpdateType::Full, &[add("B", Accepted), del("C")]),
                MAX
            ),
            UpdateStatus::Failed
        );
        assert_eq!(l, before);
    }

    // Errata v4.0 §3.52: listVersion "SHALL NOT be -1 or 0".
    #[test]
    fn version_zero_or_negative_is_refused() {
        let mut l = LocalAuthList::<4>::new();
        for v in [0, -1, i32::MIN] {
            assert_eq!(
                apply_both(
                    &mut l,
                    &req(v, UpdateType::Full, &[add("A", Accepted)]),
                    MAX
                ),
                UpdateStatus::Failed
            );
            assert_eq!(
                apply_both(
                    &mut l,
                    &req(v, UpdateType::Differential, &[add("A", Accepted)]),
                    MAX
                ),
                UpdateStatus::VersionMismatch
            );
        }
        assert_eq!(l, LocalAuthList::new());
    }

    // §7.47 VersionMismatch: "Version number in the request for a differential update is less
    // or equal then version number of current list."
    #[test]
    fn differential_needs_a_higher_version() {
        let mut l = full::<4>(&[add("A", Accepted)]);
        let before = l.clone();
        for v in [9, 10] {
            assert_eq!(
                apply_both(
                    &mut l,
                    &req(v, UpdateType::Differential, &[add("B", Accepted)]),
                    MAX
                ),
                UpdateStatus::VersionMismatch
            );
            assert_eq!(l, before);
        }
        // Gaps are fine (§3.5.2, figure 4: 234 then 239).
        assert_eq!(
            apply_both(
                &mut l,
                &req(15, UpdateType::Differential, &[add("B", Accepted)]),
                MAX
            ),
            UpdateStatus::Accepted
        );
        assert_eq!(l.version(), 15);
        // A Differential update on no list at all applies to the empty list.
        let mut l = LocalAuthList::<4>::new();
        assert_eq!(
            apply_both(
                &mut l,
                &req(1, UpdateType::Differential, &[add("B", Accepted)]),
                MAX
            ),
            UpdateStatus::Accepted
        );
        assert_eq!(status_of(&l, "B"), Some(Accepted));
    }

    // §7.1 Differential: present idTagInfo adds or updates, absent idTagInfo deletes.
    #[test]
    fn differential_adds_updates_and_deletes() {
        let mut l = full::<4>(&[add("A", Accepted), add("B", Accepted), add("C", Accepted)]);
        let changes = [
            add("a", Blocked),
            del("b"),
            add("D", ConcurrentTx),
            del("Z"),
        ];
        assert_eq!(
            apply_both(&mut l, &req(11, UpdateType::Differential, &changes), MAX),
            UpdateStatus::Accepted
        );
        assert_eq!(l.len(), 3);
        assert_eq!(status_of(&l, "A"), Some(Blocked));
        assert!(!l.contains("B"));
        assert_eq!(status_of(&l, "C"), Some(Accepted));
        assert_eq!(status_of(&l, "D"), Some(ConcurrentTx));
    }

    // §6.41: "Requesting a Differential update without (empty) localAuthorizationList will have
    // no effect on the list."
    #[test]
    fn empty_differential_keeps_entries_and_takes_the_version() {
        let mut l = full::<4>(&[add("A", Accepted)]);
        let none = SendLocalListRequest {
            list_version: 11,
            local_authorization_list: None,
            update_type: UpdateType::Differential,
        };
        assert_eq!(apply_both(&mut l, &none, MAX), UpdateStatus::Accepted);
        assert_eq!(l.len(), 1);
        assert_eq!(l.version(), 11);
    }

    // §6.41: idTags MUST be unique (§7.28: case-insensitively).
    #[test]
    fn duplicates_fail() {
        let mut l = full::<4>(&[add("A", Accepted)]);
        let before = l.clone();
        for update_type in [UpdateType::Full, UpdateType::Differential] {
            assert_eq!(
                apply_both(
                    &mut l,
                    &req(30, update_type, &[add("X", Accepted), del("x")]),
                    MAX
                ),
                UpdateStatus::Failed
            );
            assert_eq!(l, before);
        }
    }

    // §6.41 / §9.2.3 SendLocalListMaxLength, §9.2.2 LocalAuthListMaxLength.
    #[test]
    fn limits_fail_atomically() {
        let mut l = full::<3>(&[add("A", Accepted), add("B", Accepted)]);
        let before = l.clone();
        // More entries in the request than SendLocalListMaxLength.
        assert_eq!(
            apply_both(
                &mut l,
                &req(
                    11,
                    UpdateType::Differential,
                    &[add("C", Accepted), add("D", Accepted)]
                ),
                1
            ),
            UpdateStatus::Failed
        );
        // A result beyond LocalAuthListMaxLength (N = 3), even though deletions come too.
        let changes = [add("C", Accepted), add("D", Accepted), del("X")];
        assert_eq!(
            apply_both(&mut l, &req(11, UpdateType::Differential, &changes), MAX),
            UpdateStatus::Failed
        );
        let four = [
            add("1", Accepted),
            add("2", Accepted),
            add("3", Accepted),
            add("4", Accepted),
        ];
        assert_eq!(
            apply_both(&mut l, &req(11, UpdateType::Full, &four), MAX),
            UpdateStatus::Failed
        );
        assert_eq!(l, before);
        // Deletions make room for additions in the same request.
        let changes = [add("C", Accepted), add("D", Accepted), del("a")];
        assert_eq!(
            apply_both(&mut l, &req(11, UpdateType::Differential, &changes), MAX),
            UpdateStatus::Accepted
        );
        assert_eq!(l.len(), 3);
        assert!(!l.contains("A"));
    }

    // §3.5.4: valid list entries past their expiryDate read as Expired.
    #[test]
    fn lookup_applies_expiry() {
        let entry = AuthorizationData {
            id_tag: IdToken::try_from("A").unwrap(),
            id_tag_info: Some(IdTagInfo {
                expiry_date: Some(t(100)),
                parent_id_tag: None,
                status: Accepted,
            }),
        };
        let l = full::<4>(&[entry]);
        assert_eq!(l.lookup("a", t(99)).unwrap().status, Accepted);
        assert_eq!(l.lookup("a", t(100)).unwrap().status, Expired);
        // The stored entry is untouched (§3.5.2: only SendLocalList modifies the list).
        assert_eq!(l.get("A").unwrap().status, Accepted);
        assert_eq!(l.lookup("B", t(0)), None);
    }

    // §3.5.2 note: LocalListConflict when the central system's validity differs.
    #[test]
    fn conflicts_compare_validity() {
        let l = full::<4>(&[add("A", Accepted), add("B", Blocked)]);
        let now = t(0);
        assert!(l.conflicts("A", &IdTagInfo::with_status(Invalid), now));
        assert!(!l.conflicts("A", &IdTagInfo::with_status(ConcurrentTx), now));
        assert!(l.conflicts("b", &IdTagInfo::with_status(Accepted), now));
        assert!(!l.conflicts("B", &IdTagInfo::with_status(Invalid), now));
        assert!(!l.conflicts("C", &IdTagInfo::with_status(Accepted), now));
    }

    #[test]
    fn encode_decode_round_trip() {
        let entry = AuthorizationData {
            id_tag: IdToken::try_from("04A2B3C4D5E6F7").unwrap(),
            id_tag_info: Some(IdTagInfo {
                expiry_date: Some(t(100)),
                parent_id_tag: Some(IdToken::try_from("ACCOUNT-42").unwrap()),
                status: Accepted,
            }),
        };
        let l = full::<4>(&[entry, add("B", Blocked)]);
        let mut buf = [0u8; LocalAuthList::<4>::ENCODED_MAX];
        let n = l.encode(&mut buf).unwrap();
        assert_eq!(n, l.encoded_len());
        assert_eq!(LocalAuthList::<4>::decode(&buf[..n]), Ok(l.clone()));
        assert_eq!(
            LocalAuthList::<1>::decode(&buf[..n]),
            Err(AuthError::TooManyEntries)
        );
        for len in 0..n {
            assert!(LocalAuthList::<4>::decode(&buf[..len]).is_err());
        }
        for i in 0..n {
            let mut bad = buf;
            bad[i] ^= 0x10;
            assert!(LocalAuthList::<4>::decode(&bad[..n]).is_err(), "byte {i}");
        }
        let empty = LocalAuthList::<4>::new();
        let n = empty.encode(&mut buf).unwrap();
        assert_eq!(LocalAuthList::<4>::decode(&buf[..n]), Ok(empty));
        let mut small = [0u8; 4];
        assert!(matches!(
            l.encode(&mut small),
            Err(AuthError::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn decode_refuses_impossible_versions() {
        fn image(version: i32, count: u32, entries: &[u8]) -> std::vec::Vec<u8> {
            let mut v = b"OCLL\x01".to_vec();
            v.extend_from_slice(&version.to_le_bytes());
            v.extend_from_slice(&count.to_le_bytes());
            v.extend_from_slice(entries);
            let crc = codec::crc32(&v);
            v.extend_from_slice(&crc.to_le_bytes());
            v
        }
        assert_eq!(
            LocalAuthList::<4>::decode(&image(-1, 0, &[])),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            LocalAuthList::<4>::decode(&image(0, 1, &[1, b'A', 0, 0])),
            Err(AuthError::Malformed)
        );
        assert_eq!(
            LocalAuthList::<4>::decode(&image(2, 2, &[1, b'A', 0, 0, 1, b'a', 0, 0])),
            Err(AuthError::Malformed)
        );
        let l = LocalAuthList::<4>::decode(&image(7, 1, &[1, b'A', 0, 0])).unwrap();
        assert_eq!(l.version(), 7);
        assert_eq!(status_of(&l, "a"), Some(Accepted));
    }

    // An image written by the format-1 encoder (before entries were stored compactly) restores
    // exactly and is written back byte for byte: the longest idTag and parentIdTag, an empty
    // parentIdTag (kept apart from none), an empty idTag, and the extreme expiryDates.
    #[test]
    fn format_1_images_restore_unchanged() {
        const LONGEST: &[u8; 20] = b"ABCDEFGHIJKLMNOPQRST";
        const MIN: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00Z
        const MAX: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        let mut body = b"OCLL\x01".to_vec();
        body.extend_from_slice(&42i32.to_le_bytes());
        body.extend_from_slice(&4u32.to_le_bytes());
        // Longest idTag, Accepted, expiry MAX and the longest parent.
        body.push(20);
        body.extend_from_slice(LONGEST);
        body.extend_from_slice(&[0, 3]);
        body.extend_from_slice(&MAX.to_le_bytes());
        body.push(20);
        body.extend_from_slice(b"PPPPPPPPPPPPPPPPPPPP");
        // "b", Blocked, expiry MIN, empty parent.
        body.extend_from_slice(&[1, b'b', 1, 3]);
        body.extend_from_slice(&MIN.to_le_bytes());
        body.push(0);
        // "c", ConcurrentTx, no expiry, no parent.
        body.extend_from_slice(&[1, b'c', 4, 0]);
        // The empty idTag, Invalid, expiry 1 ms before the epoch, parent "F".
        body.extend_from_slice(&[0, 3, 3]);
        body.extend_from_slice(&(-1i64).to_le_bytes());
        body.extend_from_slice(&[1, b'F']);
        let mut image = body.clone();
        image.extend_from_slice(&codec::crc32(&body).to_le_bytes());

        let l = LocalAuthList::<4>::decode(&image).unwrap();
        let at = |ms| DateTime::from_unix_millis(ms);
        let token = |s: &str| Some(IdToken::try_from(s).unwrap());
        assert_eq!(l.version(), 42);
        assert_eq!(
            l.get("abcdefghijklmnopqrst"),
            Some(IdTagInfo {
                expiry_date: at(MAX),
                parent_id_tag: token("PPPPPPPPPPPPPPPPPPPP"),
                status: Accepted,
            })
        );
        assert_eq!(
            l.get("B"),
            Some(IdTagInfo {
                expiry_date: at(MIN),
                parent_id_tag: token(""),
                status: Blocked,
            })
        );
        assert_eq!(l.get("C"), Some(IdTagInfo::with_status(ConcurrentTx)));
        assert_eq!(
            l.get(""),
            Some(IdTagInfo {
                expiry_date: at(-1),
                parent_id_tag: token("F"),
                status: Invalid,
            })
        );
        let ids: std::vec::Vec<&str> = l.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["ABCDEFGHIJKLMNOPQRST", "b", "c", ""]);
        let mut buf = [0u8; LocalAuthList::<4>::ENCODED_MAX];
        let n = l.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], image.as_slice());
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = LocalAuthList::<4>::decode(&data);
        }

        // apply is atomic and keeps the invariants whatever the request: on anything but
        // Accepted nothing changes; on Accepted the version is the request's, the list fits N,
        // holds no duplicates, and every entry with idTagInfo reads back with it.
        #[test]
        fn apply_is_atomic_and_consistent(
            reqs in proptest::collection::vec(
                (proptest::bool::ANY, -2i32..20, proptest::collection::vec((0usize..6, proptest::option::of(0usize..5)), 0..6)),
                0..12,
            )
        ) {
            let names = ["a", "A", "b", "c", "d", "e"];
            let mut l = LocalAuthList::<3>::new();
            for (is_full, version, items) in reqs {
                let items: std::vec::Vec<AuthorizationData> = items
                    .iter()
                    .map(|&(n, s)| AuthorizationData {
                        id_tag: IdToken::try_from(names[n]).unwrap(),
                        id_tag_info: s.map(|s| IdTagInfo::with_status(AuthorizationStatus::ALL[s])),
                    })
                    .collect();
                let update_type = if is_full { UpdateType::Full } else { UpdateType::Differential };
                let r = req(version, update_type, &items);
                let before = l.clone();
                let status = apply_both(&mut l, &r, 4);
                if status == UpdateStatus::Accepted {
                    proptest::prop_assert_eq!(l.version(), version);
                    proptest::prop_assert!(version > 0);
                    for item in &items {
                        proptest::prop_assert_eq!(l.get(&item.id_tag), item.id_tag_info.clone());
                    }
                    if is_full {
                        proptest::prop_assert_eq!(l.len(), items.len());
                    }
                } else {
                    proptest::prop_assert_eq!(&l, &before);
                }
                proptest::prop_assert!(l.len() <= 3);
                let all: std::vec::Vec<&str> = l.iter().map(|(id, _)| id).collect();
                for (i, x) in all.iter().enumerate() {
                    for y in &all[i + 1..] {
                        proptest::prop_assert!(!x.eq_ignore_ascii_case(y));
                    }
                }
                let mut buf = [0u8; LocalAuthList::<3>::ENCODED_MAX];
                let n = l.encode(&mut buf).unwrap();
                proptest::prop_assert_eq!(LocalAuthList::<3>::decode(&buf[..n]).unwrap(), l.clone());
            }
        }
    }
}
