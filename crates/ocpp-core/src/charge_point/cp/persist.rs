//! What survives a restart: restoring every record at start-up and storing each one when it changes
//! (§3.7: transaction messages are never lost).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::charge_point::journal::Flushed;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// Restores every record from storage, reading each into `scratch` (the caller's transmit
    /// buffer: the state keeps no record buffer of its own). A record that cannot be read (the
    /// storage fails, or it is larger than `scratch`) or decoded (corrupt, or from an unknown
    /// format) is dropped, its part of the state starts from the defaults, and it is reported as
    /// [`Action::StorageFailed`] in the first drain. A journal whose tail was torn by a power cut
    /// is not damaged: it is replayed up to the torn record.
    #[inline(never)]
    pub(super) fn restore(&mut self, now: Instant, scratch: &mut [u8]) {
        let mut damaged: u8 = 0;
        // Whether `key` was restored; an unusable record is marked to be reported.
        let mut check = |key: RecordKey, restored: Result<bool, ()>| {
            if restored.is_err() {
                damaged |= 1 << key.index();
            }
            restored.unwrap_or(false)
        };
        let _ = check(
            RecordKey::Configuration,
            self.restore_record(RecordKey::Configuration, scratch, |cp, data| {
                let ok = cp.config.restore(data).is_ok();
                if ok {
                    cp.restore_profile_fallback(data);
                }
                ok
            }),
        );
        self.meter
            .set_sample_interval(self.config.meter_value_sample_interval);
        self.meter
            .set_aligned_interval(self.config.clock_aligned_data_interval);
        let _ = check(RecordKey::ChargingProfiles, self.restore_profiles(scratch));
        let _ = check(
            RecordKey::AuthorizationCache,
            self.restore_record(RecordKey::AuthorizationCache, scratch, |cp, data| {
                let ok = cp.cache.decode_into(data).is_ok();
                if !ok {
                    cp.cache = AuthCache::new();
                }
                ok
            }),
        );
        #[cfg(feature = "profile-local-list")]
        let _ = check(
            RecordKey::LocalAuthList,
            self.restore_record(RecordKey::LocalAuthList, scratch, |cp, data| {
                let ok = cp.local_list.decode_into(data).is_ok();
                if !ok {
                    cp.local_list = LocalAuthList::new();
                }
                ok
            }),
        );
        #[cfg(feature = "profile-security")]
        let _ = check(RecordKey::SecurityLog, self.restore_security_log(scratch));
        // The journal: a log of binary records, replayed up to the first torn or corrupt one.
        let restored = check(RecordKey::Journal, self.restore_journal(scratch));
        for key in RecordKey::ALL {
            if damaged & (1 << key.index()) != 0 {
                self.act(Action::StorageFailed { key });
            }
        }
        if restored {
            if self.journal.needs_snapshot() {
                self.persist_journal();
            }
            // §3.7.1: a head the central system already refused waits its back-off again (from
            // now: the time before the restart is not known), so a charge point that restarts
            // in a loop does not resend it at once each time.
            let failures = u64::from(self.journal.head_failures());
            if failures > 0 {
                let interval = u64::from(self.config.transaction_message_retry_interval);
                self.journal_retry_at = Some(now.add_secs(interval * failures));
            }
            self.sync_reservations();
            for c in 1..=self.setup.connectors as usize {
                if self.journal.inoperative & (1 << c) != 0 {
                    if let Some(conn) = self.connectors.get_mut(c) {
                        conn.operative = false;
                    }
                }
            }
            if self.journal.inoperative & 1 != 0 {
                self.connectors[0].operative = false;
            }
            // Transactions interrupted by the restart. Only what finishing them needs is copied
            // (a few bytes each), not the transactions with their stop data (kilobytes).
            // Cannot fail: as many as `transactions` holds.
            let running: List<(ConnectorId, i32, DateTime), MAX_CONNECTORS> = List::try_from_iter(
                self.journal
                    .transactions
                    .iter()
                    .map(|t| (t.connector, t.last_meter, t.last_seen)),
            )
            .unwrap_or_default();
            let reason = self.setup.stop_reason_after_restart;
            for &(connector, last_meter, last_seen) in &running {
                self.finish_transaction(connector, reason, None, last_meter, last_seen, now);
            }
        }
    }

    /// Reads `key` into `scratch` and hands it to `decode`, which restores its part of the
    /// state, or resets it and returns `false` when the record is unusable. `Ok(true)`:
    /// restored; `Ok(false)`: nothing stored; `Err`: stored but unreadable or refused (dropped).
    pub(super) fn restore_record(
        &mut self,
        key: RecordKey,
        scratch: &mut [u8],
        decode: impl FnOnce(&mut Self, &[u8]) -> bool,
    ) -> Result<bool, ()> {
        match self.storage.load(key, scratch) {
            Ok(Some(data)) if decode(self, data) => Ok(true),
            Ok(Some(_)) | Err(_) => Err(()),
            Ok(None) => Ok(false),
        }
    }

    /// The journal replayed ([`ChargePoint::restore_record`]). Out of line, as
    /// `restore_profiles`: `restore`'s frame is then not the sum of every record's decoding.
    #[inline(never)]
    fn restore_journal(&mut self, scratch: &mut [u8]) -> Result<bool, ()> {
        self.restore_record(RecordKey::Journal, scratch, |cp, data| {
            cp.journal.restore(data)
        })
    }

    // ---------------------------------------------------------------------------------------
    // Storing: a change marks its record dirty; `flush` writes the dirty records at the start
    // of the next `poll_output`, into the caller's buffer, before any frame that depends on them
    // is handed out.

    /// Marks `key` to be written at the next [`ChargePoint::poll_output`].
    pub(super) fn mark_dirty(&mut self, key: RecordKey) {
        self.dirty |= 1 << key.index();
    }

    /// Writes every dirty record, encoding each into `scratch`. A record that cannot be encoded
    /// into `scratch`, or that the storage refuses, is reported as [`Action::StorageFailed`]
    /// (a safety-relevant action: it has a reserved slot).
    pub(super) fn flush(&mut self, scratch: &mut [u8]) {
        if self.dirty == 0 {
            return;
        }
        for key in RecordKey::ALL {
            if self.dirty & (1 << key.index()) == 0 {
                continue;
            }
            self.dirty &= !(1 << key.index());
            let len = match key {
                RecordKey::Configuration => self.encode_config(scratch),
                RecordKey::Journal => {
                    if self.journal.flush(&mut self.storage, scratch) == Flushed::Failed {
                        self.act(Action::StorageFailed { key });
                    }
                    continue;
                }
                RecordKey::AuthorizationCache => self.cache.encode(scratch).ok(),
                RecordKey::LocalAuthList => self.local_list.encode(scratch).ok(),
                #[cfg(feature = "profile-smart-charging")]
                RecordKey::ChargingProfiles => self.profiles.encode(scratch).ok(),
                #[cfg(not(feature = "profile-smart-charging"))]
                RecordKey::ChargingProfiles => None,
                #[cfg(feature = "profile-security")]
                RecordKey::SecurityLog => {
                    self.flush_security_log(scratch);
                    continue;
                }
                #[cfg(not(feature = "profile-security"))]
                RecordKey::SecurityLog => None,
            };
            let stored = match len.and_then(|n| scratch.get(..n)) {
                Some(data) => self.storage.store(key, data).is_ok(),
                None => false,
            };
            if !stored {
                self.act(Action::StorageFailed { key });
            }
        }
    }

    /// The journal changed: the next flush appends what changed to its log (or compacts it).
    pub(super) fn persist_journal(&mut self) {
        self.mark_dirty(RecordKey::Journal);
    }

    /// The configuration record: the keys, and a raised SecurityProfile not yet proven by a
    /// connection (the profile to fall back to, [`PROFILE_FALLBACK_LINE`]), so that a power cut
    /// during the attempts does not make the raise final (A05.FR.08/09).
    fn encode_config(&self, scratch: &mut [u8]) -> Option<usize> {
        let n = self.config.encode(scratch).ok()?;
        let Some((previous, _)) = self.profile_fallback else {
            return Some(n);
        };
        let line = PROFILE_FALLBACK_LINE.as_bytes();
        let end = n.checked_add(line.len())?.checked_add(2)?;
        let out = scratch.get_mut(n..end)?;
        let (text, rest) = out.split_at_mut(line.len());
        text.copy_from_slice(line);
        rest.copy_from_slice(&[b'0'.saturating_add(previous.min(3)), b'\n']);
        Some(end)
    }

    /// Reads the profile to fall back to from a configuration record (see
    /// [`Self::encode_config`]); the failed attempts count again from zero.
    fn restore_profile_fallback(&mut self, data: &[u8]) {
        let prefix = PROFILE_FALLBACK_LINE.as_bytes();
        let previous = data
            .split(|&b| b == b'\n')
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| match rest {
                [d @ b'0'..=b'3', ..] => Some(d - b'0'),
                _ => None,
            });
        if let Some(previous) = previous.filter(|&p| p < self.config.security_profile) {
            self.profile_fallback = Some((previous, 0));
        }
    }

    pub(super) fn persist_config(&mut self) {
        self.mark_dirty(RecordKey::Configuration);
    }

    pub(super) fn persist_cache(&mut self) {
        self.mark_dirty(RecordKey::AuthorizationCache);
    }
}

/// The line of the configuration record that holds the profile to fall back to (a name no
/// standard key has; an older firmware skips it as an unknown key).
const PROFILE_FALLBACK_LINE: &str = "~SecurityProfileFallback=";
