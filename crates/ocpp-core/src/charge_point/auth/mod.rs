//! Local authorization (OCPP 1.6 §3.5): the Authorization Cache, the Local Authorization List,
//! and the decision what to do with a presented idTag.
//!
//! - [`AuthCache`] (§3.5.1) remembers the latest `IdTagInfo` the central system sent per idTag.
//! - [`LocalAuthList`] (§3.5.2) is the list the central system maintains with SendLocalList.
//! - [`decide`] combines both with the configuration keys (`LocalPreAuthorize`,
//!   `LocalAuthorizeOffline`, `AllowOfflineTxForUnknownId`, `AuthorizationCacheEnabled`,
//!   `LocalAuthListEnabled`) into one [`Decision`]. It is a pure function: the caller owns the
//!   connection state and acts on the answer.
//! - [`record_id_tag_info`] feeds the cache with what the central system answers, keeping
//!   identifiers of the list out of it (§3.5.3).
//! - [`check_stop`] says whether a presented idTag may stop a running transaction (§3.10, §4.1).
//!
//! Nothing here allocates or panics; both stores persist through a small checked binary image
//! (`encode` / `decode`, format described in the `codec` module source).
//!
//! # Readings of the spec
//!
//! Where OCPP 1.6 edition 2 and its errata sheet (v4.0) leave room, this module decides as
//! follows; the reason is given where the rule is implemented.
//!
//! - **Valid** means status Accepted or ConcurrentTx (§3.5.2 maps "valid" to exactly these) and
//!   an `expiryDate`, if any, still in the future. Everything else is NOT-valid. An Accepted or
//!   ConcurrentTx entry whose `expiryDate` has been reached reads as Expired (§3.5.1, §3.5.4);
//!   NOT-valid statuses keep their own, more specific reason.
//! - The cache keeps expired entries as Expired instead of dropping them (§7.27 says expiryDate
//!   is when the idTag "should be removed from the Authorization Cache", §3.5.1 says it "SHALL
//!   be changed to expired"): removing them would turn them into unknown identifiers, which
//!   AllowOfflineTxForUnknownId would then accept, against §3.5.4.
//! - A disabled store is not consulted at all: `AuthorizationCacheEnabled = false` (§9.1.2) and
//!   `LocalAuthListEnabled = false` (§9.2.1) make the cache or the list invisible to the
//!   decision, to [`should_cache`], and to the unknown-identifier rules of §3.5.4.
//! - Online, local data is only used to accept early (LocalPreAuthorize, §9.1.13). Every other
//!   case asks the central system: an unknown identifier (§4.1: SHALL send Authorize.req), a
//!   NOT-valid cache entry (§3.5.1, last bullet), and also a NOT-valid list entry, since §4.1
//!   lets the charge point ask about any identifier and the central system holds the current
//!   truth (the list may lag behind it).
//! - Offline, any identifier found NOT-valid in an enabled list or cache is rejected, including
//!   with AllowOfflineTxForUnknownId: §3.5.4 requires this for list entries and for entries
//!   expired by time, and an identifier the central system itself declared Blocked or Invalid
//!   is not "unknown" either. Valid entries are accepted when LocalAuthorizeOffline is true; when
//!   it is false they "cannot be explicitly authorized" by local data (§3.5.4) and are treated
//!   exactly like unknown identifiers.

mod cache;
mod codec;
mod entry;
mod local_list;

pub use cache::AuthCache;
pub use local_list::LocalAuthList;

use core::fmt;

use crate::types::DateTime;
use crate::v16::{AuthorizationStatus, IdTagInfo, IdToken};

/// Why a cache or list operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// The idTag is longer than an IdToken (CiString20, §7.28).
    IdTagTooLong,
    /// The output buffer is too small for the image; `needed` bytes would do.
    BufferTooSmall {
        /// The size of the image.
        needed: usize,
    },
    /// The data is not an image of this kind (wrong magic).
    BadMagic,
    /// The image has a format version this code does not know.
    UnsupportedFormat(u8),
    /// The image is damaged: its CRC does not match.
    ChecksumMismatch,
    /// The image holds more entries than the decoding type's capacity.
    TooManyEntries,
    /// The image is truncated, has trailing bytes, or holds an impossible value (unknown status
    /// or flag, over-long or non-UTF-8 idTag, date out of range, duplicate idTag, ...).
    Malformed,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::IdTagTooLong => f.write_str("idTag longer than 20 characters"),
            AuthError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            AuthError::BadMagic => f.write_str("not an image of this kind"),
            AuthError::UnsupportedFormat(v) => write!(f, "unsupported image format version {v}"),
            AuthError::ChecksumMismatch => f.write_str("image checksum mismatch"),
            AuthError::TooManyEntries => f.write_str("image holds more entries than fit"),
            AuthError::Malformed => f.write_str("malformed image"),
        }
    }
}

impl core::error::Error for AuthError {}

/// Whether `status` is one of the valid ones: Accepted or ConcurrentTx (§3.5.2: "valid ...
/// corresponding to IdTagInfo status values Accepted/ConcurrentTx").
///
/// ConcurrentTx counts as valid because the spec says so and because it describes the
/// identifier's other transaction, not the identifier (§7.2: "Only relevant for a
/// StartTransaction.req"); whether a second transaction is allowed is the transaction layer's
/// business, and the central system answers StartTransaction.req again anyway.
pub const fn is_valid_status(status: AuthorizationStatus) -> bool {
    matches!(
        status,
        AuthorizationStatus::Accepted | AuthorizationStatus::ConcurrentTx
    )
}

/// Whether `info` is valid at `now`: a valid status and no `expiryDate` reached. At the
/// `expiryDate` itself the identifier is no longer valid (§7.27: the date at which it "should be
/// removed").
pub fn is_valid(info: &IdTagInfo, now: DateTime) -> bool {
    is_valid_at(info.status, info.expiry_date, now)
}

/// [`is_valid`] of the parts of an `IdTagInfo` (the stores keep them in a compact form).
fn is_valid_at(status: AuthorizationStatus, expiry: Option<DateTime>, now: DateTime) -> bool {
    is_valid_status(status) && expiry.is_none_or(|expiry| now < expiry)
}

/// The status [`effective_info`] gives.
fn effective_status(
    status: AuthorizationStatus,
    expiry: Option<DateTime>,
    now: DateTime,
) -> AuthorizationStatus {
    if is_valid_status(status) && !is_valid_at(status, expiry, now) {
        AuthorizationStatus::Expired
    } else {
        status
    }
}

/// `info` as it stands at `now`: a valid status whose `expiryDate` has been reached becomes
/// `Expired` (§3.5.1, §3.5.4); anything else is returned unchanged.
pub fn effective_info(info: &IdTagInfo, now: DateTime) -> IdTagInfo {
    IdTagInfo {
        status: effective_status(info.status, info.expiry_date, now),
        ..info.clone()
    }
}

/// The configuration and connection state that decides how local data is used (§3.5, §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthContext {
    /// Whether the central system can be reached now (§3.5: otherwise the charge point is
    /// "offline").
    pub online: bool,
    /// `LocalPreAuthorize` (§9.1.13): online, start at once for locally valid identifiers.
    pub local_pre_authorize: bool,
    /// `LocalAuthorizeOffline` (§9.1.12): offline, start for locally valid identifiers.
    pub local_authorize_offline: bool,
    /// `AllowOfflineTxForUnknownId` (§9.1.1, §3.5.4): offline, start for unknown identifiers.
    pub allow_offline_tx_for_unknown_id: bool,
    /// `AuthorizationCacheEnabled` (§9.1.2); false too when the cache is not implemented.
    pub authorization_cache_enabled: bool,
    /// `LocalAuthListEnabled` (§9.2.1); false too when the list is not implemented.
    pub local_auth_list_enabled: bool,
}

/// Where local authorization data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The Local Authorization List (§3.5.2).
    LocalList,
    /// The Authorization Cache (§3.5.1).
    Cache,
}

/// What to do with a presented idTag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Authorized by local data: start the transaction now, without Authorize.req (§9.1.12,
    /// §9.1.13). `info` is the entry (status Accepted or ConcurrentTx); its `parentIdTag` is
    /// what the transaction's group is, until StartTransaction.conf says otherwise.
    Accepted {
        /// The local entry.
        info: IdTagInfo,
        /// Where it came from.
        source: Source,
    },
    /// Offline, and the identifier cannot be authorized by local data, but
    /// `AllowOfflineTxForUnknownId` is true: start the transaction (§3.5.4). StartTransaction.conf
    /// will tell later whether the identifier was good.
    AcceptedUnknownOffline,
    /// Refused without asking the central system.
    Rejected(Rejection),
    /// Send Authorize.req and wait for Authorize.conf (§4.1).
    AskCentral,
}

impl Decision {
    /// Whether a transaction may start at once (without Authorize.conf).
    pub const fn starts_transaction(&self) -> bool {
        matches!(
            self,
            Decision::Accepted { .. } | Decision::AcceptedUnknownOffline
        )
    }
}

/// Why a [`Decision::Rejected`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Offline, and local data says NOT-valid: Blocked, Expired (also by passage of time) or
    /// Invalid. `info` has the effective status, for the display (§3.5.2: "more fine grained
    /// information to users").
    NotValid {
        /// The local entry, status adjusted for expiry.
        info: IdTagInfo,
        /// Where it came from.
        source: Source,
    },
    /// Offline, and the identifier cannot be authorized by local data (unknown, or
    /// LocalAuthorizeOffline is false), and unknown identifiers are not allowed.
    Offline,
    /// The identifier is longer than an IdToken (20 characters, §7.28): no central system could
    /// be asked about it and no transaction could carry it.
    InvalidIdTag,
}

/// The local data for `id_tag` at `now`, list first (§3.5.3: "Local Authorization List entries
/// \[have\] priority over Authorization Cache entries for the same identifiers"), each store only
/// when enabled in `ctx`. The status is adjusted for expiry.
///
/// Besides [`decide`], this gives the parentIdTag of an identifier presented to stop a
/// transaction or to use a group reservation (§5.13: "the Charge Point MAY look it up in its
/// Local Authorization List or Authorization Cache").
pub fn lookup_local<const N: usize, const M: usize>(
    id_tag: &str,
    ctx: &AuthContext,
    cache: &AuthCache<N>,
    list: &LocalAuthList<M>,
    now: DateTime,
) -> Option<(IdTagInfo, Source)> {
    if ctx.local_auth_list_enabled {
        if let Some(info) = list.lookup(id_tag, now) {
            return Some((info, Source::LocalList));
        }
    }
    if ctx.authorization_cache_enabled {
        if let Some(info) = cache.lookup(id_tag, now) {
            return Some((info, Source::Cache));
        }
    }
    None
}

/// Decides what to do with `id_tag`, presented to start a transaction, at `now` (§3.5, §4.1).
///
/// Online:
/// - valid locally and `LocalPreAuthorize` → [`Decision::Accepted`] (§9.1.13);
/// - otherwise → [`Decision::AskCentral`]: unknown (§4.1: "SHALL send an Authorize.req"),
///   NOT-valid in the cache (§3.5.1: "an Authorize.req SHOULD be sent"), NOT-valid in the list
///   (§4.1 allows asking; the central system may know better than a lagging list), or
///   LocalPreAuthorize off.
///
/// Offline:
/// - NOT-valid locally (including expired by passage of time) → [`Rejection::NotValid`]
///   (§3.5.4), whatever AllowOfflineTxForUnknownId says;
/// - valid locally and `LocalAuthorizeOffline` → [`Decision::Accepted`] (§9.1.12);
/// - otherwise (unknown, or valid but LocalAuthorizeOffline off) →
///   [`Decision::AcceptedUnknownOffline`] with `AllowOfflineTxForUnknownId` (§3.5.4), else
///   [`Rejection::Offline`].
///
/// An `id_tag` longer than 20 characters is [`Rejection::InvalidIdTag`], online or not.
pub fn decide<const N: usize, const M: usize>(
    id_tag: &str,
    ctx: &AuthContext,
    cache: &AuthCache<N>,
    list: &LocalAuthList<M>,
    now: DateTime,
) -> Decision {
    if id_tag.len() > IdToken::MAX_LEN {
        return Decision::Rejected(Rejection::InvalidIdTag);
    }
    let local = lookup_local(id_tag, ctx, cache, list, now);
    if ctx.online {
        return match local {
            Some((info, source)) if ctx.local_pre_authorize && is_valid_status(info.status) => {
                Decision::Accepted { info, source }
            }
            _ => Decision::AskCentral,
        };
    }
    match local {
        Some((info, source)) if !is_valid_status(info.status) => {
            Decision::Rejected(Rejection::NotValid { info, source })
        }
        Some((info, source)) if ctx.local_authorize_offline => Decision::Accepted { info, source },
        _ if ctx.allow_offline_tx_for_unknown_id => Decision::AcceptedUnknownOffline,
        _ => Decision::Rejected(Rejection::Offline),
    }
}

/// Whether an `IdTagInfo` received for `id_tag` goes into the cache: the cache is enabled, and
/// the identifier is not in the (enabled) Local Authorization List (§3.5.3: "Identifiers known in
/// the Local Authorization List SHALL NOT be added to the Authorization Cache"; §4.1, §4.8:
/// "update the cache entry, if the idTag is not in the Local Authorization List").
///
/// A disabled list is not consulted: it plays no part in authorization, so nothing conflicts
/// with a cache entry, and skipping the cache would leave its identifiers with no local data at
/// all while the list is off.
pub fn should_cache<const M: usize>(
    id_tag: &str,
    ctx: &AuthContext,
    list: &LocalAuthList<M>,
) -> bool {
    ctx.authorization_cache_enabled && !(ctx.local_auth_list_enabled && list.contains(id_tag))
}

/// Feeds the cache with an `IdTagInfo` the central system sent for `id_tag` (Authorize.conf,
/// StartTransaction.conf, StopTransaction.conf: §3.5.1), unless [`should_cache`] says no.
/// Returns whether the cache was updated.
///
/// The caller should also check [`LocalAuthList::conflicts`] for a LocalListConflict (§3.5.2).
pub fn record_id_tag_info<const N: usize, const M: usize>(
    id_tag: &str,
    info: &IdTagInfo,
    ctx: &AuthContext,
    cache: &mut AuthCache<N>,
    list: &LocalAuthList<M>,
    now: DateTime,
) -> Result<bool, AuthError> {
    if !should_cache(id_tag, ctx, list) {
        return Ok(false);
    }
    cache.update(id_tag, info, now)?;
    Ok(true)
}

/// Whether two parentIdTags put their idTags in one group (§3.10: "two idTags are considered to
/// be in the same group if their ParentId Tags match"). Both must be present: two idTags without
/// a parent are not a group. Compared case-insensitively, as IdTokens (§7.28).
pub fn same_group(a_parent: Option<&str>, b_parent: Option<&str>) -> bool {
    match (a_parent, b_parent) {
        (Some(a), Some(b)) => crate::types::eq_ignore_ascii_case(a, b),
        _ => false,
    }
}

/// Whether a presented idTag may stop a transaction ([`check_stop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StopCheck {
    /// The idTag that started the transaction: stop, without Authorize.req (§4.1: "SHALL only
    /// send an Authorize.req when the identifier used for stopping the transaction is different
    /// from the identifier that started the transaction").
    SameIdTag,
    /// A valid idTag of the transaction's group: stop (§3.10).
    SameGroup,
    /// Not allowed: the transaction has no group, the idTag belongs to another group or to
    /// none, or it is not valid.
    Refused,
    /// The presented idTag's IdTagInfo is not known: send Authorize.req for it (online) and check
    /// again with the answer; offline, refuse.
    NeedAuthorize,
}

/// Whether `presented` may stop a transaction started by `start_id_tag` whose group is
/// `start_parent` (§3.10, §4.1).
///
/// - `start_parent` is the parentIdTag known for the starting idTag: from StartTransaction.conf,
///   else from whatever authorized the start (Authorize.conf, list or cache entry); `None` when
///   there is none, in which case only the same idTag may stop.
/// - `presented_info` is what is known about `presented`: [`lookup_local`], or the
///   Authorize.conf answered for it; `None` when nothing is known.
///
/// The presented idTag is never compared with a parentIdTag: §3.10 says the ParentId "SHOULD NOT
/// be used for comparison against a presented Token value", as it may be an account number
/// rather than a card. A presented idTag of the group must itself be valid at `now`; §4.1 asks
/// for authorization before stopping as before starting.
pub fn check_stop(
    start_id_tag: &str,
    start_parent: Option<&str>,
    presented: &str,
    presented_info: Option<&IdTagInfo>,
    now: DateTime,
) -> StopCheck {
    if crate::types::eq_ignore_ascii_case(presented, start_id_tag) {
        return StopCheck::SameIdTag;
    }
    if start_parent.is_none() {
        return StopCheck::Refused;
    }
    match presented_info {
        None => StopCheck::NeedAuthorize,
        Some(info)
            if is_valid(info, now) && same_group(start_parent, info.parent_id_tag.as_deref()) =>
        {
            StopCheck::SameGroup
        }
        Some(_) => StopCheck::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::List;
    use crate::v16::AuthorizationStatus::{Accepted, Blocked, ConcurrentTx, Expired, Invalid};
    use crate::v16::{AuthorizationData, SendLocalListRequest, UpdateStatus, UpdateType};

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

    fn with_parent(status: AuthorizationStatus, parent: &str) -> IdTagInfo {
        IdTagInfo {
            expiry_date: None,
            parent_id_tag: Some(IdToken::try_from(parent).unwrap()),
            status,
        }
    }

    fn list_of(items: &[(&str, IdTagInfo)]) -> LocalAuthList<8> {
        let items: std::vec::Vec<AuthorizationData> = items
            .iter()
            .map(|(id, info)| AuthorizationData {
                id_tag: IdToken::try_from(id).unwrap(),
                id_tag_info: Some(info.clone()),
            })
            .collect();
        let mut l = LocalAuthList::new();
        let req = SendLocalListRequest {
            list_version: 1,
            local_authorization_list: Some(List::try_from_slice(&items).unwrap()),
            update_type: UpdateType::Full,
        };
        assert_eq!(l.apply(&req, 64), UpdateStatus::Accepted);
        l
    }

    fn cache_of(items: &[(&str, IdTagInfo)]) -> AuthCache<8> {
        let mut c = AuthCache::new();
        for (id, info) in items {
            c.update(id, info, t(0)).unwrap();
        }
        c
    }

    /// Everything enabled; `online` as given.
    fn ctx(online: bool) -> AuthContext {
        AuthContext {
            online,
            local_pre_authorize: true,
            local_authorize_offline: true,
            allow_offline_tx_for_unknown_id: false,
            authorization_cache_enabled: true,
            local_auth_list_enabled: true,
        }
    }

    const NOW: i64 = 1000;

    fn d(id: &str, ctx: AuthContext, cache: &AuthCache<8>, list: &LocalAuthList<8>) -> Decision {
        decide(id, &ctx, cache, list, t(NOW))
    }

    #[test]
    fn validity() {
        assert!(is_valid(&info(Accepted), t(0)));
        assert!(is_valid(&info(ConcurrentTx), t(0)));
        for s in [Blocked, Expired, Invalid] {
            assert!(!is_valid(&info(s), t(0)));
        }
        assert!(is_valid(&info_until(Accepted, t(10)), t(9)));
        assert!(!is_valid(&info_until(Accepted, t(10)), t(10)));
        assert_eq!(
            effective_info(&info_until(Accepted, t(10)), t(10)).status,
            Expired
        );
        assert_eq!(
            effective_info(&info_until(Invalid, t(10)), t(10)).status,
            Invalid
        );
        assert_eq!(
            effective_info(&info_until(Accepted, t(10)), t(9)).status,
            Accepted
        );
    }

    // §9.1.13 LocalPreAuthorize: online, locally valid → start without Authorize.req.
    #[test]
    fn online_pre_authorize_accepts_valid_local_entries() {
        let list = list_of(&[("L", info(Accepted))]);
        let cache = cache_of(&[("C", info(ConcurrentTx))]);
        let c = ctx(true);
        assert_eq!(
            d("l", c, &cache, &list),
            Decision::Accepted {
                info: info(Accepted),
                source: Source::LocalList
            }
        );
        assert_eq!(
            d("C", c, &cache, &list),
            Decision::Accepted {
                info: info(ConcurrentTx),
                source: Source::Cache
            }
        );
        assert!(d("C", c, &cache, &list).starts_transaction());
    }

    // §9.1.13 off: online always waits for the central system.
    #[test]
    fn online_without_pre_authorize_asks() {
        let list = list_of(&[("L", info(Accepted))]);
        let cache = cache_of(&[("C", info(Accepted))]);
        let c = AuthContext {
            local_pre_authorize: false,
            ..ctx(true)
        };
        assert_eq!(d("L", c, &cache, &list), Decision::AskCentral);
        assert_eq!(d("C", c, &cache, &list), Decision::AskCentral);
    }

    // §4.1: unknown → SHALL send Authorize.req. §3.5.1: cache NOT-valid while online →
    // Authorize.req; list NOT-valid: asked too (module docs).
    #[test]
    fn online_unknown_or_not_valid_asks() {
        let list = list_of(&[("LB", info(Blocked))]);
        let cache = cache_of(&[("CB", info(Blocked)), ("CX", info_until(Accepted, t(NOW)))]);
        let c = AuthContext {
            allow_offline_tx_for_unknown_id: true,
            ..ctx(true)
        };
        for id in ["U", "LB", "CB", "CX"] {
            assert_eq!(d(id, c, &cache, &list), Decision::AskCentral, "{id}");
        }
    }

    // §3.5.3: list entries have priority over cache entries for the same identifier.
    #[test]
    fn list_has_priority_over_cache() {
        let list = list_of(&[("X", info(Blocked)), ("Y", info(Accepted))]);
        let cache = cache_of(&[("x", info(Accepted)), ("y", info(Invalid))]);
        let off = ctx(false);
        assert_eq!(
            d("X", off, &cache, &list),
            Decision::Rejected(Rejection::NotValid {
                info: info(Blocked),
                source: Source::LocalList
            })
        );
        assert_eq!(
            d("Y", off, &cache, &list),
            Decision::Accepted {
                info: info(Accepted),
                source: Source::LocalList
            }
        );
        // Online too: a valid list entry pre-authorizes despite a NOT-valid cache entry.
        assert!(d("Y", ctx(true), &cache, &list).starts_transaction());
    }

    // §9.1.12 LocalAuthorizeOffline: offline, locally valid → start.
    #[test]
    fn offline_accepts_valid_local_entries() {
        let list = list_of(&[("L", info(Accepted))]);
        let cache = cache_of(&[("C", info_until(Accepted, t(NOW + 1)))]);
        let off = ctx(false);
        assert!(matches!(
            d("L", off, &cache, &list),
            Decision::Accepted {
                source: Source::LocalList,
                ..
            }
        ));
        assert!(matches!(
            d("C", off, &cache, &list),
            Decision::Accepted {
                source: Source::Cache,
                ..
            }
        ));
    }

    // §3.5.4: offline, unknown + AllowOfflineTxForUnknownId → start; otherwise reject.
    #[test]
    fn offline_unknown() {
        let list = list_of(&[]);
        let cache = cache_of(&[]);
        let strict = ctx(false);
        assert_eq!(
            d("U", strict, &cache, &list),
            Decision::Rejected(Rejection::Offline)
        );
        let lenient = AuthContext {
            allow_offline_tx_for_unknown_id: true,
            ..strict
        };
        assert_eq!(
            d("U", lenient, &cache, &list),
            Decision::AcceptedUnknownOffline
        );
    }

    // §3.5.4: "Identifiers that are present in a Local Authorization List that have a status
    // other than 'Accepted' (Invalid, Blocked, Expired) MUST be rejected. Identifiers that were
    // valid but are apparently expired due to passage of time MUST also be rejected."
    #[test]
    fn offline_unknown_allowed_still_rejects_known_bad() {
        let list = list_of(&[
            ("LB", info(Blocked)),
            ("LI", info(Invalid)),
            ("LE", info(Expired)),
            ("LX", info_until(Accepted, t(NOW - 1))),
        ]);
        let cache = cache_of(&[("CX", info_until(Accepted, t(NOW))), ("CB", info(Blocked))]);
        let c = AuthContext {
            allow_offline_tx_for_unknown_id: true,
            ..ctx(false)
        };
        for (id, status, source) in [
            ("LB", Blocked, Source::LocalList),
            ("LI", Invalid, Source::LocalList),
            ("LE", Expired, Source::LocalList),
            ("LX", Expired, Source::LocalList),
            ("CX", Expired, Source::Cache),
            ("CB", Blocked, Source::Cache),
        ] {
            match d(id, c, &cache, &list) {
                Decision::Rejected(Rejection::NotValid { info, source: s }) => {
                    assert_eq!((info.status, s), (status, source), "{id}");
                }
                other => panic!("{id}: {other:?}"),
            }
        }
        // Also with LocalAuthorizeOffline off.
        let c = AuthContext {
            local_authorize_offline: false,
            ..c
        };
        assert!(matches!(
            d("LB", c, &cache, &list),
            Decision::Rejected(Rejection::NotValid { .. })
        ));
    }

    // §3.5.4 / §9.1.12: LocalAuthorizeOffline off → valid local data cannot authorize; such an
    // identifier is treated like an unknown one.
    #[test]
    fn offline_without_local_authorize_offline() {
        let list = list_of(&[("L", info(Accepted))]);
        let cache = cache_of(&[]);
        let c = AuthContext {
            local_authorize_offline: false,
            ..ctx(false)
        };
        assert_eq!(
            d("L", c, &cache, &list),
            Decision::Rejected(Rejection::Offline)
        );
        let c = AuthContext {
            allow_offline_tx_for_unknown_id: true,
            ..c
        };
        assert_eq!(d("L", c, &cache, &list), Decision::AcceptedUnknownOffline);
    }

    // §9.1.2 / §9.2.1: a disabled store is not consulted.
    #[test]
    fn disabled_stores_are_ignored() {
        let list = list_of(&[("L", info(Accepted)), ("LB", info(Blocked))]);
        let cache = cache_of(&[("C", info(Accepted))]);
        let c = AuthContext {
            authorization_cache_enabled: false,
            local_auth_list_enabled: false,
            ..ctx(false)
        };
        assert_eq!(
            d("L", c, &cache, &list),
            Decision::Rejected(Rejection::Offline)
        );
        assert_eq!(
            d("C", c, &cache, &list),
            Decision::Rejected(Rejection::Offline)
        );
        let c = AuthContext {
            allow_offline_tx_for_unknown_id: true,
            ..c
        };
        assert_eq!(d("LB", c, &cache, &list), Decision::AcceptedUnknownOffline);
        assert_eq!(
            d("C", ctx(true), &cache_of(&[]), &list_of(&[])),
            Decision::AskCentral
        );
        assert_eq!(
            lookup_local("C", &c, &cache, &list, t(0)),
            None,
            "cache disabled"
        );
    }

    #[test]
    fn over_long_id_tags_are_invalid() {
        let long = "123456789012345678901";
        let list = list_of(&[]);
        let cache = cache_of(&[]);
        for online in [true, false] {
            let c = AuthContext {
                allow_offline_tx_for_unknown_id: true,
                ..ctx(online)
            };
            assert_eq!(
                d(long, c, &cache, &list),
                Decision::Rejected(Rejection::InvalidIdTag)
            );
        }
    }

    // §3.5.3: "Identifiers known in the Local Authorization List SHALL NOT be added to the
    // Authorization Cache." §4.1, §4.8: update the cache "if the idTag is not in the Local
    // Authorization List".
    #[test]
    fn listed_identifiers_are_not_cached() {
        let list = list_of(&[("L", info(Blocked))]);
        let mut cache = AuthCache::<8>::new();
        let c = ctx(true);
        assert!(!should_cache("l", &c, &list));
        assert!(should_cache("U", &c, &list));
        assert_eq!(
            record_id_tag_info("l", &info(Accepted), &c, &mut cache, &list, t(0)),
            Ok(false)
        );
        assert_eq!(
            record_id_tag_info("U", &info(Accepted), &c, &mut cache, &list, t(0)),
            Ok(true)
        );
        assert_eq!(cache.len(), 1);
        assert!(cache.get("L").is_none());
        // Cache disabled: nothing is recorded.
        let off = AuthContext {
            authorization_cache_enabled: false,
            ..c
        };
        assert!(!should_cache("V", &off, &list));
        // List disabled: its identifiers are cached like any other.
        let no_list = AuthContext {
            local_auth_list_enabled: false,
            ..c
        };
        assert!(should_cache("L", &no_list, &list));
        assert_eq!(
            record_id_tag_info(
                "123456789012345678901",
                &info(Accepted),
                &c,
                &mut cache,
                &list,
                t(0)
            ),
            Err(AuthError::IdTagTooLong)
        );
    }

    // §3.10: same group when the ParentId tags match; both must be present.
    #[test]
    fn groups() {
        assert!(same_group(Some("FAMILY"), Some("family")));
        assert!(!same_group(Some("FAMILY"), Some("OTHER")));
        assert!(!same_group(None, None));
        assert!(!same_group(Some("FAMILY"), None));
        assert!(!same_group(None, Some("FAMILY")));
    }

    // §3.10 (stop by the same idTag or one of its group) and §4.1 (no Authorize.req for the
    // same idTag).
    #[test]
    fn stopping() {
        let now = t(0);
        // The same idTag, case-insensitively, whatever is known.
        assert_eq!(
            check_stop("CARD1", None, "card1", None, now),
            StopCheck::SameIdTag
        );
        // No group: nobody else.
        assert_eq!(
            check_stop(
                "CARD1",
                None,
                "CARD2",
                Some(&with_parent(Accepted, "F")),
                now
            ),
            StopCheck::Refused
        );
        // Group known, presented idTag unknown: ask.
        assert_eq!(
            check_stop("CARD1", Some("F"), "CARD2", None, now),
            StopCheck::NeedAuthorize
        );
        // Same group and valid.
        assert_eq!(
            check_stop(
                "CARD1",
                Some("F"),
                "CARD2",
                Some(&with_parent(Accepted, "f")),
                now
            ),
            StopCheck::SameGroup
        );
        assert_eq!(
            check_stop(
                "CARD1",
                Some("F"),
                "CARD2",
                Some(&with_parent(ConcurrentTx, "F")),
                now
            ),
            StopCheck::SameGroup
        );
        // Same group but not valid.
        assert_eq!(
            check_stop(
                "CARD1",
                Some("F"),
                "CARD2",
                Some(&with_parent(Blocked, "F")),
                now
            ),
            StopCheck::Refused
        );
        let lapsed = IdTagInfo {
            expiry_date: Some(now),
            ..with_parent(Accepted, "F")
        };
        assert_eq!(
            check_stop("CARD1", Some("F"), "CARD2", Some(&lapsed), now),
            StopCheck::Refused
        );
        // Another group, or none.
        assert_eq!(
            check_stop(
                "CARD1",
                Some("F"),
                "CARD2",
                Some(&with_parent(Accepted, "G")),
                now
            ),
            StopCheck::Refused
        );
        assert_eq!(
            check_stop("CARD1", Some("F"), "CARD2", Some(&info(Accepted)), now),
            StopCheck::Refused
        );
        // §3.10: the ParentId is not compared with the presented token: presenting "F" itself
        // is not a match unless its own info puts it in the group.
        assert_eq!(
            check_stop("CARD1", Some("F"), "F", Some(&info(Accepted)), now),
            StopCheck::Refused
        );
    }

    // The parentIdTag of a presented idTag comes from local data when known (§5.13).
    #[test]
    fn stop_with_local_data() {
        let list = list_of(&[("CARD2", with_parent(Accepted, "F"))]);
        let cache = cache_of(&[("CARD3", with_parent(Accepted, "F"))]);
        let c = ctx(false);
        for id in ["CARD2", "card3"] {
            let known = lookup_local(id, &c, &cache, &list, t(0)).map(|(i, _)| i);
            assert_eq!(
                check_stop("CARD1", Some("F"), id, known.as_ref(), t(0)),
                StopCheck::SameGroup
            );
        }
    }

    proptest::proptest! {
        // The decision never panics, and its core promises hold for any state: offline, a
        // NOT-valid local entry is never started; online, a transaction starts only with
        // LocalPreAuthorize and a valid local entry; an unknown id is never accepted locally.
        #[test]
        fn decision_invariants(
            flags in proptest::collection::vec(proptest::bool::ANY, 6),
            list_status in proptest::option::of(0usize..5),
            cache_status in proptest::option::of(0usize..5),
            expiry in proptest::option::of(0i64..2000),
        ) {
            let c = AuthContext {
                online: flags[0],
                local_pre_authorize: flags[1],
                local_authorize_offline: flags[2],
                allow_offline_tx_for_unknown_id: flags[3],
                authorization_cache_enabled: flags[4],
                local_auth_list_enabled: flags[5],
            };
            let mk = |s: usize| IdTagInfo {
                expiry_date: expiry.map(t),
                parent_id_tag: None,
                status: AuthorizationStatus::ALL[s],
            };
            let list = list_of(&list_status.map(|s| ("ID", mk(s))).into_iter().collect::<std::vec::Vec<_>>());
            let cache = cache_of(&cache_status.map(|s| ("id", mk(s))).into_iter().collect::<std::vec::Vec<_>>());
            let decision = d("Id", c, &cache, &list);
            let local = lookup_local("Id", &c, &cache, &list, t(NOW));
            if let Some((info, _)) = &local {
                if !is_valid_status(info.status) {
                    proptest::prop_assert!(!decision.starts_transaction());
                }
            }
            if let Decision::Accepted { info, .. } = &decision {
                proptest::prop_assert!(is_valid(info, t(NOW)));
                let allowed = if c.online { c.local_pre_authorize } else { c.local_authorize_offline };
                proptest::prop_assert!(allowed);
            }
            if c.online {
                let local_only = matches!(decision, Decision::AcceptedUnknownOffline | Decision::Rejected(_));
                proptest::prop_assert!(!local_only);
            } else {
                proptest::prop_assert!(decision != Decision::AskCentral);
            }
            if local.is_none() {
                let accepted = matches!(decision, Decision::Accepted { .. });
                proptest::prop_assert!(!accepted);
            }
        }
    }
}
