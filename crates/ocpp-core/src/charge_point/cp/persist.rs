//! What survives a restart: restoring every record at start-up and storing each one when it changes
//! (§3.7: transaction messages are never lost).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage> ChargePoint<S> {
    pub(super) fn restore(&mut self, now: Instant) {
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::Configuration, &mut self.record_buf)
        {
            let _ = self.config.restore(data);
        }
        self.meter
            .set_sample_interval(self.config.meter_value_sample_interval);
        self.meter
            .set_aligned_interval(self.config.clock_aligned_data_interval);
        self.restore_profiles();
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::AuthorizationCache, &mut self.record_buf)
        {
            if let Ok(cache) = AuthCache::decode(data) {
                self.cache = cache;
            }
        }
        if let Ok(Some(data)) = self
            .storage
            .load(RecordKey::LocalAuthList, &mut self.record_buf)
        {
            if let Ok(list) = LocalAuthList::decode(data) {
                self.local_list = list;
            }
        }
        let journal = match self.storage.load(RecordKey::Journal, &mut self.record_buf) {
            Ok(Some(data)) => core::str::from_utf8(data)
                .ok()
                .and_then(|text| json::from_str::<Journal>(text, &DecodeOptions::DEFAULT).ok()),
            _ => None,
        };
        if let Some(journal) = journal {
            self.journal = journal;
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
            // Transactions interrupted by the restart.
            let running: List<Transaction, MAX_CONNECTORS> = self.journal.transactions.clone();
            for t in &running {
                let reason = self.setup.stop_reason_after_restart;
                self.finish_transaction(t.connector, reason, None, t.last_meter, t.last_seen, now);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Inputs

    /// Stores the first `len` bytes of the record buffer as `key`; `None` (the record could not
    /// be encoded) or a storage error is reported as [`Action::StorageFailed`].
    pub(super) fn store_record(&mut self, key: RecordKey, len: Option<usize>) {
        let stored = match len.and_then(|n| self.record_buf.get(..n)) {
            Some(data) => self.storage.store(key, data).is_ok(),
            None => false,
        };
        if !stored {
            let _ = self.actions.push(Action::StorageFailed { key });
        }
    }

    /// Writes the journal. A journal too large for the record buffer sheds its oldest queued
    /// periodic MeterValues until it fits (Start and Stop are never shed).
    pub(super) fn persist_journal(&mut self) {
        let n = loop {
            if let Ok(n) = json::to_slice(&self.journal, &mut self.record_buf) {
                break n;
            }
            let Some(pos) = self
                .journal
                .queue
                .iter()
                .skip(1)
                .position(|q| q.message.is_meter())
            else {
                let _ = self.actions.push(Action::StorageFailed {
                    key: RecordKey::Journal,
                });
                return;
            };
            let mut i = 0;
            self.journal.queue.retain(|_| {
                let keep = i != pos + 1;
                i += 1;
                keep
            });
        };
        self.store_record(RecordKey::Journal, Some(n));
    }

    pub(super) fn persist_config(&mut self) {
        let len = self.config.encode(&mut self.record_buf).ok();
        self.store_record(RecordKey::Configuration, len);
    }

    pub(super) fn persist_cache(&mut self) {
        let len = self.cache.encode(&mut self.record_buf).ok();
        self.store_record(RecordKey::AuthorizationCache, len);
    }
}
