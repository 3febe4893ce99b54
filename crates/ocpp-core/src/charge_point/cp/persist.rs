//! What survives a restart: restoring every record at start-up and storing each one when it changes
//! (§3.7: transaction messages are never lost).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::charge_point::journal::Flushed;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize> ChargePoint<S, NC, NL, NA> {
    /// Restores every record from storage, reading each into `scratch` (the caller's transmit
    /// buffer: the state keeps no record buffer of its own). A record larger than `scratch` is
    /// reported as [`Action::StorageFailed`] and not restored.
    #[inline(never)]
    pub(super) fn restore(&mut self, now: Instant, scratch: &mut [u8]) {
        if let Ok(Some(data)) = self.storage.load(RecordKey::Configuration, scratch) {
            let _ = self.config.restore(data);
        }
        self.meter
            .set_sample_interval(self.config.meter_value_sample_interval);
        self.meter
            .set_aligned_interval(self.config.clock_aligned_data_interval);
        self.restore_profiles(scratch);
        if let Ok(Some(data)) = self.storage.load(RecordKey::AuthorizationCache, scratch) {
            let _ = self.cache.decode_into(data);
        }
        #[cfg(feature = "profile-local-list")]
        if let Ok(Some(data)) = self.storage.load(RecordKey::LocalAuthList, scratch) {
            let _ = self.local_list.decode_into(data);
        }
        // The journal: a log of binary records, replayed up to the first torn or corrupt one.
        let restored = self.restore_journal(scratch);
        if restored {
            if self.journal.needs_snapshot() {
                self.persist_journal();
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

    /// The journal's record replayed; false when there is none (or it cannot be read). Out of
    /// line, as `restore_profiles`: `restore`'s frame is then not the sum of every record's
    /// decoding.
    #[inline(never)]
    fn restore_journal(&mut self, scratch: &mut [u8]) -> bool {
        match self.storage.load(RecordKey::Journal, scratch) {
            Ok(Some(data)) => self.journal.restore(data),
            _ => false,
        }
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
                RecordKey::Configuration => self.config.encode(scratch).ok(),
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

    pub(super) fn persist_config(&mut self) {
        self.mark_dirty(RecordKey::Configuration);
    }

    pub(super) fn persist_cache(&mut self) {
        self.mark_dirty(RecordKey::AuthorizationCache);
    }
}
