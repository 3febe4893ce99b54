//! SendLocalList.req (§5.15, §6.41) decoded straight into the list.
//!
//! A SendLocalList.req holds up to [`SEND_LOCAL_LIST_MAX_LENGTH`] entries: decoded into a
//! `SendLocalListRequest`, that is about 6 KB, and serde's visitors move it several times, which
//! made its decoder the deepest frame of the charge point (42 KB on a Cortex-M4). Here the payload
//! is read several times instead, one entry at a time, and no pass keeps more than one entry and
//! a 4-byte hash per entry:
//!
//! 1. **check**: decodes and validates the whole payload (the same CALLERRORs as the derived
//!    decoder: the entries are decoded by `AuthorizationData`'s own `Deserialize`), counts the
//!    entries, and records what [`LocalAuthList::apply`] decides on: `listVersion`,
//!    `updateType`, entries without `idTagInfo`, the size of the list after a Differential
//!    update, and a case-insensitive hash of each idTag;
//! 2. **duplicates** (only when two hashes are equal, so practically never): one pass per
//!    colliding idTag compares it exactly with the later ones of the same hash;
//! 3. **apply**, only once every check passed, so that the update stays all or nothing: a Full
//!    update clears the list and adds each entry; a Differential one deletes in one pass and
//!    adds or replaces in another (deletions first, so that additions never meet a full list).
//!
//! The passes read the same text with the same options, so a pass after the first cannot fail;
//! if one ever did, its error is returned (a CALLERROR) and the list may be partly updated.

use core::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::super::entry::Entry;
use super::LocalAuthList;
use crate::json::{self, DecodeOptions, ErrorKind};
use crate::limits::SEND_LOCAL_LIST_MAX_LENGTH;
use crate::types::List;
use crate::v16::{AuthorizationData, IdToken, UpdateStatus, UpdateType};

/// The members of SendLocalList.req, in the derived decoder's order.
const FIELDS: &[&str] = &["listVersion", "localAuthorizationList", "updateType"];

/// What a pass does with each entry of `localAuthorizationList`: its index and the entry.
type Sink<'s> = &'s mut dyn FnMut(usize, &AuthorizationData);

/// The members of SendLocalList.req other than the list.
struct Header {
    list_version: i32,
    update_type: UpdateType,
}

/// Decodes `payload` as a SendLocalList.req, handing each entry of `localAuthorizationList` to
/// `sink` as soon as it is read. Errors are those of the derived decoder of
/// `SendLocalListRequest`, including `TooManyItems` for more than
/// [`SEND_LOCAL_LIST_MAX_LENGTH`] entries (after that many, nothing more is read).
fn decode(payload: &str, opts: DecodeOptions, sink: Sink<'_>) -> Result<Header, json::Error> {
    json::from_str_seed(payload, &opts, Request { sink })
}

impl<const N: usize> LocalAuthList<N> {
    /// Applies the SendLocalList.req whose JSON payload is `payload` (§5.15, §6.41), decoding it
    /// entry by entry (see the module source): the same rules and statuses as
    /// [`LocalAuthList::apply`], without a `SendLocalListRequest` on the stack.
    ///
    /// A list longer than [`SEND_LOCAL_LIST_MAX_LENGTH`] is `Failed` (§6.41 bounds it by
    /// `SendLocalListMaxLength`: a status, not a CALLERROR). Any other decode error is returned,
    /// for the caller's CALLERROR (OCPP-J §4.2.3), and leaves the list as it was.
    pub fn apply_json(
        &mut self,
        payload: &str,
        opts: &DecodeOptions,
        send_local_list_max_length: usize,
    ) -> Result<UpdateStatus, json::Error> {
        // Pass 1: validate, count, hash.
        let mut hashes: List<u32, SEND_LOCAL_LIST_MAX_LENGTH> = List::new();
        let mut without_info = false;
        let (mut adds, mut deletes) = (0usize, 0usize);
        let checked = {
            let list = &*self;
            decode(payload, *opts, &mut |_, c| {
                // Cannot fail: `decode` stops at SEND_LOCAL_LIST_MAX_LENGTH entries.
                let _ = hashes.push(fold_hash(&c.id_tag));
                match (list.contains(&c.id_tag), c.id_tag_info.is_some()) {
                    (false, true) => adds += 1,
                    (true, false) => deletes += 1,
                    _ => {}
                }
                if c.id_tag_info.is_none() {
                    without_info = true;
                }
            })
        };
        let header = match checked {
            Ok(header) => header,
            Err(e) if e.kind() == ErrorKind::TooManyItems => return Ok(UpdateStatus::Failed),
            Err(e) => return Err(e),
        };
        let count = hashes.len();
        match header.update_type {
            UpdateType::Differential if header.list_version <= self.version => {
                return Ok(UpdateStatus::VersionMismatch);
            }
            UpdateType::Full if header.list_version <= 0 => return Ok(UpdateStatus::Failed),
            _ => {}
        }
        if count > send_local_list_max_length {
            return Ok(UpdateStatus::Failed);
        }
        let fits = match header.update_type {
            UpdateType::Full => count <= N && !without_info,
            // Exact when idTags are unique (checked below; with duplicates the update fails
            // anyway, so the count only has to stay in range): each addition and deletion
            // counts once.
            UpdateType::Differential => (self.entries.len() + adds).saturating_sub(deletes) <= N,
        };
        if !fits || has_duplicates(payload, *opts, &hashes)? {
            return Ok(UpdateStatus::Failed);
        }
        // Pass 3: apply.
        let entries = &mut self.entries;
        match header.update_type {
            UpdateType::Full => {
                entries.clear();
                decode(payload, *opts, &mut |_, c| {
                    // An IdToken always fits an entry; at most N entries, checked above.
                    if let Some(entry) = c
                        .id_tag_info
                        .as_ref()
                        .and_then(|i| Entry::new(&c.id_tag, i))
                    {
                        let _ = entries.push(entry);
                    }
                })?;
            }
            UpdateType::Differential => {
                decode(payload, *opts, &mut |_, c| {
                    if c.id_tag_info.is_none() {
                        entries.retain(|e| !e.matches(&c.id_tag));
                    }
                })?;
                decode(payload, *opts, &mut |_, c| {
                    // An IdToken always fits an entry.
                    let Some(entry) = c
                        .id_tag_info
                        .as_ref()
                        .and_then(|i| Entry::new(&c.id_tag, i))
                    else {
                        return;
                    };
                    if let Some(e) = entries.iter_mut().find(|e| e.matches(&c.id_tag)) {
                        *e = entry;
                    } else {
                        // Cannot fail: the final size was checked above.
                        let _ = entries.push(entry);
                    }
                })?;
            }
        }
        self.version = header.list_version;
        Ok(UpdateStatus::Accepted)
    }
}

/// FNV-1a of `id_tag` with ASCII letters folded to lower case: equal for idTags that are equal
/// case-insensitively (§7.28), as [`IdToken::eq_ignore_case`] compares them.
fn fold_hash(id_tag: &str) -> u32 {
    id_tag.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0193)
    })
}

/// Pass 2: whether two entries have the same idTag, compared case-insensitively (§6.41: "All
/// idTags in the localAuthorizationList MUST be unique"). Only idTags whose hash another one
/// shares are compared, one decode pass for each (at most one pass per entry, even for input
/// crafted to collide).
fn has_duplicates(payload: &str, opts: DecodeOptions, hashes: &[u32]) -> Result<bool, json::Error> {
    for (i, &hash) in hashes.iter().enumerate() {
        if !hashes.iter().skip(i + 1).any(|&h| h == hash) {
            continue;
        }
        let mut first: Option<IdToken> = None;
        let mut duplicate = false;
        decode(payload, opts, &mut |k, c| {
            if k == i {
                first = Some(c.id_tag.clone());
            } else if k > i && hashes.get(k) == Some(&hash) {
                duplicate |= first.as_ref().is_some_and(|f| f.eq_ignore_case(&c.id_tag));
            }
        })?;
        if duplicate {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The seed of the request object.
struct Request<'s> {
    sink: Sink<'s>,
}

impl<'de> DeserializeSeed<'de> for Request<'_> {
    type Value = Header;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Header, D::Error> {
        d.deserialize_struct("SendLocalListRequest", FIELDS, self)
    }
}

impl<'de> Visitor<'de> for Request<'_> {
    type Value = Header;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SendLocalList.req")
    }

    /// What the derived decoder does: duplicate members refused, unknown ones skipped (the
    /// deserializer refuses them itself with `deny_unknown_fields`), missing required members
    /// reported in declaration order.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header, A::Error> {
        let sink = self.sink;
        let mut list_version = None;
        let mut list_seen = false;
        let mut update_type = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::ListVersion => {
                    if list_version.is_some() {
                        return Err(de::Error::duplicate_field("listVersion"));
                    }
                    list_version = Some(map.next_value::<i32>()?);
                }
                Field::List => {
                    if list_seen {
                        return Err(de::Error::duplicate_field("localAuthorizationList"));
                    }
                    list_seen = true;
                    map.next_value_seed(OptionalList { sink: &mut *sink })?;
                }
                Field::UpdateType => {
                    if update_type.is_some() {
                        return Err(de::Error::duplicate_field("updateType"));
                    }
                    update_type = Some(map.next_value::<UpdateType>()?);
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let list_version = list_version.ok_or_else(|| de::Error::missing_field("listVersion"))?;
        let update_type = update_type.ok_or_else(|| de::Error::missing_field("updateType"))?;
        Ok(Header {
            list_version,
            update_type,
        })
    }
}

/// A member of the request.
enum Field {
    ListVersion,
    List,
    UpdateType,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        d.deserialize_identifier(FieldVisitor)
    }
}

struct FieldVisitor;

impl Visitor<'_> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member of SendLocalList.req")
    }

    /// This crate's deserializer names a struct's member by its index in `FIELDS`.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        Ok(match v {
            0 => Field::ListVersion,
            1 => Field::List,
            2 => Field::UpdateType,
            _ => Field::Other,
        })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        let i = FIELDS.iter().position(|f| *f == v).unwrap_or(FIELDS.len());
        self.visit_u64(i as u64)
    }
}

/// `localAuthorizationList`: absent, `null` or a list.
struct OptionalList<'s> {
    sink: Sink<'s>,
}

impl<'de> DeserializeSeed<'de> for OptionalList<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalList<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of AuthorizationData or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(Entries { sink: self.sink })
    }
}

/// The entries, each handed to the sink as soon as it is decoded.
struct Entries<'s> {
    sink: Sink<'s>,
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {SEND_LOCAL_LIST_MAX_LENGTH} items")
    }

    /// Fails like `List<_, SEND_LOCAL_LIST_MAX_LENGTH>`: `TooManyItems` when one entry more
    /// than that has been decoded.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(entry) = seq.next_element::<AuthorizationData>()? {
            if index >= SEND_LOCAL_LIST_MAX_LENGTH {
                return Err(de::Error::invalid_length(index + 1, &self));
            }
            (self.sink)(index, &entry);
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v16::AuthorizationStatus;
    use std::string::String;
    use std::vec::Vec;
    use std::{format, panic};

    const OPTS: DecodeOptions = DecodeOptions::DEFAULT;

    fn entries(n: usize, prefix: &str) -> String {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"idTag":"{prefix}{i}","idTagInfo":{{"status":"Accepted"}}}}"#))
            .collect();
        items.join(",")
    }

    fn full(version: i32, items: &str) -> String {
        format!(
            r#"{{"listVersion":{version},"updateType":"Full","localAuthorizationList":[{items}]}}"#
        )
    }

    fn list_of(n: usize) -> LocalAuthList<64> {
        let mut l = LocalAuthList::new();
        let status = l
            .apply_json(&full(5, &entries(n, "OLD")), &OPTS, 64)
            .unwrap();
        assert_eq!(status, UpdateStatus::Accepted);
        l
    }

    // §5.15, §7.1: a Full update whose last entry has no idTagInfo is refused as a whole; the
    // 39 entries read and validated before it never reach the list.
    #[test]
    fn full_with_an_invalid_entry_late_in_the_list_leaves_the_list_intact() {
        let mut l = list_of(3);
        let before = l.clone();
        let items = format!(r#"{},{{"idTag":"LAST"}}"#, entries(39, "NEW"));
        let status = l.apply_json(&full(9, &items), &OPTS, 64).unwrap();
        assert_eq!(status, UpdateStatus::Failed);
        assert_eq!(l, before);
    }

    // OCPP-J §4.2.3: a malformed entry late in the list is a CALLERROR
    // (PropertyConstraintViolation for an idTag over 20 characters) and changes nothing.
    #[test]
    fn full_with_a_malformed_entry_late_in_the_list_is_an_error_and_changes_nothing() {
        let mut l = list_of(3);
        let before = l.clone();
        let long = "X".repeat(21);
        let items = format!(
            r#"{},{{"idTag":"{long}","idTagInfo":{{"status":"Accepted"}}}}"#,
            entries(30, "NEW")
        );
        let e = l.apply_json(&full(9, &items), &OPTS, 64).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
        assert_eq!(l, before);
        let items = format!(
            r#"{},{{"idTag":"Z","idTagInfo":{{"status":"Maybe"}}}}"#,
            entries(30, "N")
        );
        let e = l.apply_json(&full(9, &items), &OPTS, 64).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnknownVariant);
        assert_eq!(l, before);
    }

    // §6.41: "All idTags in the localAuthorizationList MUST be unique" (compared
    // case-insensitively, §7.28): a duplicate at the end of a Full update fails it as a whole.
    #[test]
    fn full_with_a_late_duplicate_fails_atomically() {
        let mut l = list_of(2);
        let before = l.clone();
        let items = format!(
            r#"{},{{"idTag":"new3","idTagInfo":{{"status":"Blocked"}}}}"#,
            entries(40, "NEW")
        );
        let status = l.apply_json(&full(9, &items), &OPTS, 64).unwrap();
        assert_eq!(status, UpdateStatus::Failed);
        assert_eq!(l, before);
    }

    // The exact comparison behind equal hashes: with every hash forced equal, only a real
    // (case-insensitive) duplicate is one.
    #[test]
    fn equal_hashes_are_compared_exactly() {
        let same = [7u32; 4];
        let distinct = full(1, &entries(4, "T"));
        assert!(!has_duplicates(&distinct, OPTS, &same).unwrap());
        let dup = full(
            1,
            r#"{"idTag":"a"},{"idTag":"b"},{"idTag":"c"},{"idTag":"B"}"#,
        );
        assert!(has_duplicates(&dup, OPTS, &same).unwrap());
        assert_eq!(fold_hash("AbC"), fold_hash("aBc"));
        assert_ne!(fold_hash("abc"), fold_hash("abd"));
    }

    // §5.15, §6.41: more entries than SendLocalListMaxLength is answered Failed, not with a
    // CALLERROR: over the decoder's bound (64) as well as over a lower configured value.
    #[test]
    fn longer_than_send_local_list_max_length_is_failed() {
        let mut l = list_of(1);
        let before = l.clone();
        let status = l
            .apply_json(&full(9, &entries(65, "N")), &OPTS, 64)
            .unwrap();
        assert_eq!(status, UpdateStatus::Failed);
        let status = l
            .apply_json(&full(9, &entries(11, "N")), &OPTS, 10)
            .unwrap();
        assert_eq!(status, UpdateStatus::Failed);
        assert_eq!(l, before);
        let status = l
            .apply_json(&full(9, &entries(64, "N")), &OPTS, 64)
            .unwrap();
        assert_eq!(status, UpdateStatus::Accepted);
        assert_eq!(l.len(), 64);
    }

    // §6.41: the members may come in any order; the list is applied only once updateType and
    // listVersion, read after it, are known.
    #[test]
    fn members_in_any_order() {
        let mut l = list_of(1);
        let payload = r#"{"localAuthorizationList":[{"idTag":"OLD0"},{"idTag":"D","idTagInfo":{"status":"Blocked"}}],"listVersion":6,"updateType":"Differential"}"#;
        let status = l.apply_json(payload, &OPTS, 64).unwrap();
        assert_eq!(status, UpdateStatus::Accepted);
        assert_eq!(l.version(), 6);
        assert!(!l.contains("OLD0"));
        assert_eq!(
            l.get("d").map(|i| i.status),
            Some(AuthorizationStatus::Blocked)
        );
        // §7.47 VersionMismatch: not newer than the current version.
        let status = l.apply_json(payload, &OPTS, 64).unwrap();
        assert_eq!(status, UpdateStatus::VersionMismatch);
    }

    // OCPP-J §4.2.3: the derived decoder's errors, field named: missing required members,
    // duplicate members, wrong types, unknown members (skipped by default, refused when strict).
    #[test]
    fn errors_match_the_derived_decoder() {
        let mut l = LocalAuthList::<8>::new();
        let cases = [
            r#"{"updateType":"Full"}"#,
            r#"{"listVersion":1}"#,
            r#"{"listVersion":1,"listVersion":2,"updateType":"Full"}"#,
            r#"{"listVersion":1,"updateType":"Full","updateType":"Full"}"#,
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[],"localAuthorizationList":[]}"#,
            r#"{"listVersion":"1","updateType":"Full"}"#,
            r#"{"listVersion":1,"updateType":"Partial"}"#,
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":{}}"#,
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[{}]}"#,
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":[{"idTag":"A"},]}"#,
            r#"{"listVersion":1,"updateType":"Full","extra":{"a":[1,2]}}"#,
            r#"{"listVersion":1,"updateType":"Full","localAuthorizationList":null}"#,
            r#"[1,"Full"]"#,
            r#"{"listVersion":1,"updateType":"Full"} x"#,
        ];
        for opts in [DecodeOptions::DEFAULT, DecodeOptions::STRICT] {
            for payload in cases {
                let derived = json::from_str::<crate::v16::SendLocalListRequest>(payload, &opts);
                let streamed = l.apply_json(payload, &opts, 8);
                match (derived, streamed) {
                    (Ok(_), Ok(_)) => {}
                    (Err(a), Err(b)) => assert_eq!(a, b, "{payload}"),
                    (a, b) => panic!("{payload}: {a:?} / {b:?}"),
                }
            }
        }
    }
}
