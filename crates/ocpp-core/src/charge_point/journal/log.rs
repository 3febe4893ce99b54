//! The journal as an append-only log in storage.
//!
//! A stored journal is a header frame (`kind` 1, payload `OCPPJ` and the format version) followed
//! by batch frames (`kind` 2). A batch is a sequence of operations, each an op byte and its
//! fields. A snapshot is the header and one batch that rebuilds the whole state; after it, each
//! flush appends one batch with what changed since the previous flush, so every change of one
//! `poll_output` is replayed whole or not at all.
//!
//! Operations that happen often are logged as they happen ([`LogState::pending`]): a message
//! queued, a sample (its MeterValues and the transaction's last meter value), a message
//! delivered, a failure counted, a `transactionId` assigned, `transactionData` kept or
//! forgotten. Rarer changes are logged as the state they leave, at the flush: the whole
//! transaction of a connector whose transaction was started, changed or ended
//! ([`Journal::transaction_mut`]), the small fields (next local id, inoperative connectors,
//! firmware status) and the reservations when they differ from what was last logged.

use super::Journal;
use super::codec::{self, Full, Reader, Writer};
use crate::charge_point::capacity::Limits;
use crate::charge_point::storage::{RecordKey, Storage};
use crate::limits::{JOURNAL_PENDING_BYTES, JOURNAL_RECORD_MAX};
use crate::types::ListOf;
use crate::v16::{ConnectorId, FirmwareStatus};

const KIND_HEADER: u8 = 1;
const KIND_BATCH: u8 = 2;
/// `OCPPJ` and format version 1.
const HEADER: &[u8] = b"OCPPJ\x01";

const OP_META: u8 = 1;
const OP_RESERVATIONS: u8 = 2;
const OP_TX_SET: u8 = 3;
const OP_TX_END: u8 = 4;
const OP_PUSH: u8 = 5;
const OP_ENTRY: u8 = 6;
const OP_POP: u8 = 7;
const OP_FAILURES: u8 = 8;
const OP_ASSIGN: u8 = 9;
const OP_DROP_TX: u8 = 10;
const OP_STOP_KEEP: u8 = 11;
const OP_STOP_FORGET: u8 = 12;
const OP_SAMPLE: u8 = 13;

/// The small fields, compared with what was last logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Meta {
    next_local_id: u32,
    inoperative: u32,
    firmware: Option<FirmwareStatus>,
    #[cfg(feature = "profile-security")]
    signed_firmware: Option<i32>,
}

/// What the stored log holds and what changed since (RAM only, never stored).
#[derive(Debug, Clone)]
pub(super) struct LogState {
    /// Operations since the last flush, encoded.
    pending: [u8; JOURNAL_PENDING_BYTES],
    pending_len: usize,
    /// The next flush may append (`false`: it writes a snapshot: nothing stored yet, a change did
    /// not fit `pending`, a torn tail after restoring, or the last write failed). Kept as "may
    /// append" rather than "needs a snapshot" so that the new state is zero bytes (a `static`
    /// charge point lands in `.bss`).
    appendable: bool,
    /// Connectors whose transaction is logged whole at the next flush (bit = connector id).
    dirty_tx: u32,
    logged_meta: Meta,
    logged_reservations: u32,
    /// Length of the stored record (0: nothing stored by this journal yet).
    stored_len: usize,
    /// Appends since the last snapshot (statistics, tests).
    appends: u32,
}

impl Default for LogState {
    fn default() -> Self {
        Self::new()
    }
}

impl LogState {
    /// Nothing logged yet (the next flush writes a snapshot); `const` for in-place start.
    pub(super) const fn new() -> Self {
        LogState {
            pending: [0; JOURNAL_PENDING_BYTES],
            pending_len: 0,
            appendable: false,
            dirty_tx: 0,
            logged_meta: Meta {
                next_local_id: 0,
                inoperative: 0,
                firmware: None,
                #[cfg(feature = "profile-security")]
                signed_firmware: None,
            },
            logged_reservations: 0,
            stored_len: 0,
            appends: 0,
        }
    }
}

pub(super) fn op_push(w: &mut Writer<'_>, message: &[u8]) -> Result<(), Full> {
    w.u8(OP_PUSH)?;
    w.u16(u16::try_from(message.len()).map_err(|_| Full)?)?;
    w.bytes(message)
}

pub(super) fn op_sample(
    w: &mut Writer<'_>,
    connector: ConnectorId,
    eligible: bool,
    message: &[u8],
) -> Result<(), Full> {
    w.u8(OP_SAMPLE)?;
    w.var(u64::from(connector))?;
    w.bool(eligible)?;
    w.u16(u16::try_from(message.len()).map_err(|_| Full)?)?;
    w.bytes(message)
}

pub(super) fn op_pop(w: &mut Writer<'_>) -> Result<(), Full> {
    w.u8(OP_POP)
}

pub(super) fn op_failures(w: &mut Writer<'_>, failures: u8) -> Result<(), Full> {
    w.u8(OP_FAILURES)?;
    w.u8(failures)
}

pub(super) fn op_assign(w: &mut Writer<'_>, local_id: u32, tid: i32) -> Result<(), Full> {
    w.u8(OP_ASSIGN)?;
    w.u32(local_id)?;
    w.bytes(&tid.to_le_bytes())
}

pub(super) fn op_drop(w: &mut Writer<'_>, local_id: u32) -> Result<(), Full> {
    w.u8(OP_DROP_TX)?;
    w.u32(local_id)
}

/// `entry`: an encoded [`super::StopEntry`].
pub(super) fn op_stop_keep(w: &mut Writer<'_>, entry: &[u8]) -> Result<(), Full> {
    w.u8(OP_STOP_KEEP)?;
    w.bytes(entry)
}

pub(super) fn op_stop_forget(w: &mut Writer<'_>, local_id: u32) -> Result<(), Full> {
    w.u8(OP_STOP_FORGET)?;
    w.u32(local_id)
}

/// How the journal was written by [`Journal::flush`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flushed {
    /// Nothing had changed.
    Nothing,
    /// One batch appended, of this many bytes.
    Appended(usize),
    /// Rewritten whole, this many bytes.
    Snapshot(usize),
    /// Not written: too large for the buffer even without MeterValues, or the storage failed.
    Failed,
}

impl<L: Limits> Journal<L> {
    /// Logs an operation for the next flush; when it does not fit, the next flush writes a
    /// snapshot instead.
    pub(super) fn log_op(&mut self, op: impl FnOnce(&mut Writer<'_>) -> Result<(), Full>) {
        let log = &mut self.log;
        if !log.appendable {
            return;
        }
        let room = log.pending.get_mut(log.pending_len..).unwrap_or_default();
        let mut w = Writer::new(room);
        if op(&mut w).is_ok() {
            log.pending_len += w.pos();
        } else {
            log.appendable = false;
            log.pending_len = 0;
        }
    }

    /// The transaction of `connector` is logged whole at the next flush.
    pub(super) fn mark_transaction(&mut self, connector: ConnectorId) {
        match 1u32.checked_shl(connector) {
            Some(bit) => self.log.dirty_tx |= bit,
            None => self.log.appendable = false,
        }
    }

    fn meta(&self) -> Meta {
        Meta {
            next_local_id: self.next_local_id,
            inoperative: self.inoperative,
            firmware: self.firmware_status_after_boot,
            #[cfg(feature = "profile-security")]
            signed_firmware: self.signed_firmware_after_boot,
        }
    }

    fn write_meta(&self, w: &mut Writer<'_>) -> Result<(), Full> {
        w.u8(OP_META)?;
        w.u32(self.next_local_id)?;
        w.u32(self.inoperative)?;
        #[cfg(feature = "profile-security")]
        let signed = self.signed_firmware_after_boot;
        #[cfg(not(feature = "profile-security"))]
        let signed = None;
        codec::firmware(w, self.firmware_status_after_boot, signed)
    }

    fn write_reservations(&self, w: &mut Writer<'_>) -> Result<(), Full> {
        w.u8(OP_RESERVATIONS)?;
        w.u8(u8::try_from(self.reservations.len()).map_err(|_| Full)?)?;
        for r in self.reservations.iter() {
            codec::reservation(w, r)?;
        }
        Ok(())
    }

    fn reservations_crc(&self) -> u32 {
        // A reservation encodes in at most 4 + 5 + 21 + 22 + 10 bytes.
        let mut buf = [0u8; 2 + 62 * (crate::limits::MAX_CONNECTORS + 1)];
        let mut w = Writer::new(&mut buf);
        if self.write_reservations(&mut w).is_err() {
            // Cannot happen within the limits; force a write.
            return !self.log.logged_reservations;
        }
        let n = w.pos();
        codec::crc32(buf.get(..n).unwrap_or_default())
    }

    /// Writes what changed since the last flush: one batch appended to the stored log, or a
    /// snapshot when the log would grow beyond `min(scratch.len(), JOURNAL_RECORD_MAX)`, when the
    /// storage cannot append, or when the changes did not fit the pending buffer. `scratch`
    /// holds the encoding. A snapshot too large for the buffer sheds the oldest queued periodic
    /// MeterValues until it fits (Start and Stop are never shed).
    pub(crate) fn flush<S: Storage>(&mut self, storage: &mut S, scratch: &mut [u8]) -> Flushed {
        let cap = scratch.len().min(JOURNAL_RECORD_MAX);
        let Some(out) = scratch.get_mut(..cap) else {
            return Flushed::Failed;
        };
        if self.log.appendable && self.log.stored_len > 0 {
            match self.encode_batch(out) {
                Ok(0) => return Flushed::Nothing,
                Ok(n) if self.log.stored_len + n <= cap => {
                    let frame = out.get(..n).unwrap_or_default();
                    if matches!(storage.append(RecordKey::Journal, frame), Ok(true)) {
                        self.log.stored_len += n;
                        self.log.appends += 1;
                        self.logged();
                        return Flushed::Appended(n);
                    }
                }
                _ => {}
            }
        }
        self.write_snapshot(storage, out)
    }

    fn logged(&mut self) {
        self.log.pending_len = 0;
        self.log.dirty_tx = 0;
        self.log.appendable = true;
        self.log.logged_meta = self.meta();
        self.log.logged_reservations = self.reservations_crc();
    }

    /// One batch frame with the pending operations and the changed state; 0 bytes when nothing
    /// changed.
    fn encode_batch(&self, out: &mut [u8]) -> Result<usize, Full> {
        let mut empty = true;
        let n = codec::write_frame(out, KIND_BATCH, |w| {
            let pending = self
                .log
                .pending
                .get(..self.log.pending_len)
                .unwrap_or_default();
            empty &= pending.is_empty();
            w.bytes(pending)?;
            for c in 0..32 {
                if self.log.dirty_tx & (1 << c) == 0 {
                    continue;
                }
                empty = false;
                if let Some(t) = self.transaction(c) {
                    w.u8(OP_TX_SET)?;
                    codec::transaction(w, t)?;
                } else {
                    w.u8(OP_TX_END)?;
                    w.var(u64::from(c))?;
                }
            }
            if self.meta() != self.log.logged_meta {
                empty = false;
                self.write_meta(w)?;
            }
            if self.reservations_crc() != self.log.logged_reservations {
                empty = false;
                self.write_reservations(w)?;
            }
            Ok(())
        })?;
        Ok(if empty { 0 } else { n })
    }

    /// The whole journal: the header and one batch that rebuilds it.
    pub(crate) fn encode_snapshot(&self, out: &mut [u8]) -> Result<usize, Full> {
        let h = codec::write_frame(out, KIND_HEADER, |w| w.bytes(HEADER))?;
        let rest = out.get_mut(h..).ok_or(Full)?;
        let b = codec::write_frame(rest, KIND_BATCH, |w| {
            self.write_meta(w)?;
            self.write_reservations(w)?;
            for t in self.transactions.iter() {
                w.u8(OP_TX_SET)?;
                codec::transaction(w, t)?;
            }
            for (_, e) in self.stop_data.raw() {
                op_stop_keep(w, e)?;
            }
            for e in self.queue.entries() {
                w.u8(OP_ENTRY)?;
                w.u8(e.failures)?;
                w.u16(u16::try_from(e.message.len()).map_err(|_| Full)?)?;
                w.bytes(e.message)?;
            }
            Ok(())
        })?;
        Ok(h + b)
    }

    fn write_snapshot<S: Storage>(&mut self, storage: &mut S, out: &mut [u8]) -> Flushed {
        loop {
            match self.encode_snapshot(out) {
                Ok(n) => {
                    let data = out.get(..n).unwrap_or_default();
                    if storage.store(RecordKey::Journal, data).is_ok() {
                        self.log.stored_len = n;
                        self.log.appends = 0;
                        self.logged();
                        return Flushed::Snapshot(n);
                    }
                    self.log.appendable = false;
                    return Flushed::Failed;
                }
                Err(Full) => {
                    if !self.shed_one_meter() {
                        self.log.appendable = false;
                        return Flushed::Failed;
                    }
                }
            }
        }
    }

    /// Empties the journal in place (no large temporary on the stack).
    fn reset(&mut self) {
        self.next_local_id = 0;
        self.transactions.clear();
        self.queue.used = 0;
        self.queue.count = 0;
        self.inoperative = 0;
        self.stop_data.clear();
        self.reservations.clear();
        self.firmware_status_after_boot = None;
        #[cfg(feature = "profile-security")]
        {
            self.signed_firmware_after_boot = None;
        }
        self.log.pending_len = 0;
        self.log.appendable = false;
        self.log.dirty_tx = 0;
        self.log.stored_len = 0;
        self.log.appends = 0;
    }

    /// Rebuilds the journal from a stored record: replays its batches in order up to the first
    /// one that is truncated, fails its CRC or cannot be read; everything before it is kept.
    /// Returns `false` (and leaves the journal empty) when the record does not start with a
    /// journal header. When the replay stopped before the end, the next flush rewrites the
    /// record as a snapshot (appending after a torn tail would hide the new batches).
    pub(crate) fn restore(&mut self, data: &[u8]) -> bool {
        self.reset();
        let Some((KIND_HEADER, HEADER, mut pos)) = codec::read_frame(data) else {
            return false;
        };
        while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
            let Some((KIND_BATCH, payload, n)) = codec::read_frame(rest) else {
                break;
            };
            if self.run_batch(payload, false).is_none() || self.run_batch(payload, true).is_none() {
                break;
            }
            pos += n;
        }
        self.log.stored_len = pos;
        self.log.appendable = pos == data.len();
        self.log.logged_meta = self.meta();
        self.log.logged_reservations = self.reservations_crc();
        true
    }

    /// Whether the next flush must rewrite the journal (after [`Journal::restore`]).
    pub(crate) const fn needs_snapshot(&self) -> bool {
        !self.log.appendable
    }

    /// Reads (and with `apply`, applies) every operation of a batch.
    fn run_batch(&mut self, payload: &[u8], apply: bool) -> Option<()> {
        let mut r = Reader::new(payload);
        while !r.is_empty() {
            match r.u8()? {
                OP_META => {
                    let next = r.u32()?;
                    let inoperative = r.u32()?;
                    let (firmware, signed) = codec::read_firmware(&mut r)?;
                    if apply {
                        self.next_local_id = next;
                        self.inoperative = inoperative;
                        self.firmware_status_after_boot = firmware;
                        #[cfg(feature = "profile-security")]
                        {
                            self.signed_firmware_after_boot = signed;
                        }
                    }
                    #[cfg(not(feature = "profile-security"))]
                    let _ = signed;
                }
                OP_RESERVATIONS => {
                    let n = r.u8()?;
                    if usize::from(n) > crate::limits::MAX_CONNECTORS + 1 {
                        return None;
                    }
                    if apply {
                        self.reservations.clear();
                    }
                    for _ in 0..n {
                        let x = codec::read_reservation(&mut r)?;
                        if apply {
                            self.reservations.push(x).ok()?;
                        }
                    }
                }
                OP_TX_SET => {
                    let t = codec::read_transaction(&mut r)?;
                    if apply {
                        let c = t.connector;
                        if let Some(slot) = self
                            .transactions
                            .as_mut_slice()
                            .iter_mut()
                            .find(|x| x.connector == c)
                        {
                            *slot = t;
                        } else {
                            self.transactions.push(t).ok()?;
                        }
                    }
                }
                OP_TX_END => {
                    let c = r.u32v()?;
                    if apply {
                        self.transactions.retain(|t| t.connector != c);
                    }
                }
                OP_PUSH => {
                    let m = read_message_bytes(&mut r)?;
                    if apply {
                        // As at run time: MeterValues may be shed to make room.
                        let _ = self.enqueue_encoded(m);
                    }
                }
                OP_ENTRY => {
                    let failures = r.u8()?;
                    let m = read_message_bytes(&mut r)?;
                    if apply && !self.queue.push(failures, m) {
                        return None;
                    }
                }
                OP_POP => {
                    if apply {
                        self.queue.pop_front();
                    }
                }
                OP_FAILURES => {
                    let f = r.u8()?;
                    if apply {
                        self.queue.set_head_failures(f);
                    }
                }
                OP_ASSIGN => {
                    let local_id = r.u32()?;
                    let tid = i32::from_le_bytes(r.bytes(4)?.try_into().ok()?);
                    if apply {
                        self.apply_assign(local_id, tid);
                    }
                }
                OP_DROP_TX => {
                    let local_id = r.u32()?;
                    if apply {
                        self.apply_drop(local_id);
                    }
                }
                OP_STOP_KEEP => {
                    let start = r.remaining();
                    codec::read_stop_entry(&mut r)?;
                    let entry = start.get(..start.len() - r.remaining().len())?;
                    if apply {
                        self.stop_data.push(entry);
                    }
                }
                OP_STOP_FORGET => {
                    let local_id = r.u32()?;
                    if apply {
                        self.stop_data.remove(local_id);
                    }
                }
                OP_SAMPLE => {
                    let connector = r.u32v()?;
                    let eligible = r.bool()?;
                    let m = read_message_bytes(&mut r)?;
                    if apply {
                        self.apply_sample(connector, eligible, m);
                    }
                }
                _ => return None,
            }
        }
        Some(())
    }
}

/// A length-prefixed encoded message, checked to decode.
fn read_message_bytes<'a>(r: &mut Reader<'a>) -> Option<&'a [u8]> {
    let len = usize::from(r.u16()?);
    let m = r.bytes(len)?;
    let mut check = Reader::new(m);
    codec::read_message(&mut check)?;
    check.is_empty().then_some(m)
}
