//! The transaction journal: running transactions and the queue of transaction-related messages
//! (OCPP 1.6 §3.7), persisted as one record so that both change together.
//!
//! Transaction-related messages (StartTransaction, StopTransaction, MeterValues of a
//! transaction) are kept here until the central system has answered them, in order, across
//! disconnects and restarts. A transaction gets a local id when it starts; the central system's
//! `transactionId` arrives later (possibly after a reconnect) and is then written into every
//! queued message of that transaction, so StopTransaction and MeterValues queued before the
//! answer still refer to it correctly.
//!
//! # In RAM
//!
//! The queue holds its messages encoded ([`TxQueue`], [`JOURNAL_QUEUE_BYTES`] bytes): a periodic
//! sample costs its few dozen bytes, not a fixed-size slot. A message is decoded when it is
//! sent, answered or inspected.
//!
//! # In storage: an append-only log
//!
//! The record is a binary log (module `log`, codec in `codec`): a header frame, then frames
//! `[len: u16][kind: u8][payload][crc32: u32]`, each a batch of operations (a sample queued, a
//! message delivered, a transaction started, stopped or named, ...). Every change between two
//! flushes goes into one frame, so it is replayed whole or not at all. Restoring replays the
//! frames in order and stops at the first one that is truncated or fails its CRC (a write torn by
//! a power cut): everything before it is kept. When the log would outgrow its budget, or the
//! storage cannot append, the journal is compacted: rewritten as a snapshot (the header and one
//! frame holding the current state).

pub(crate) mod codec;
mod log;
#[cfg(test)]
mod tests;

use crate::limits::{
    JOURNAL_QUEUE_BYTES, JOURNAL_STOP_DATA_BYTES, STOP_DATA_SLOTS, STOP_TRANSACTION_MAX_SAMPLES,
    TECH_INFO_MAX,
};
use crate::types::{BoundedString, DateTime, List, ListOf, Slots};
use crate::v16::{
    ConnectorId, FirmwareStatus, IdToken, Measurand, ReadingContext, Reason, SecurityEvent,
};

use super::capacity::{DefaultLimits, Limits};
use super::metering::{
    IntervalValues, MeterItem, MeterReadings, StopTxnMeasurands, TransactionData,
};
use codec::{Reader, Writer};
pub(crate) use log::Flushed;

/// The `transactionData` kept for a transaction: Transaction.Begin, thinned samples,
/// Transaction.End (see [`TransactionData`]).
pub type StopData = TransactionData<{ STOP_TRANSACTION_MAX_SAMPLES }>;

/// A set of measurand configuration entries as a bit mask: bit `i` is `Measurand::ALL[i]` for a
/// plain measurand, and bits from `Measurand::ALL.len()` on are the phase-qualified entries
/// ([`MeterItem`], `Voltage.L1`): a record written before those existed reads the same.
pub fn measurand_mask<M: Copy + Into<MeterItem>>(items: &[M]) -> u32 {
    items
        .iter()
        .fold(0, |acc, &m| acc | (1 << m.into().index()))
}

/// The entries of a mask: the measurands in the spec's order, then the qualified entries.
pub fn measurand_list(mask: u32) -> List<MeterItem, 32> {
    List::try_from_iter(
        (0..32)
            .filter(|i| mask & (1 << i) != 0)
            .filter_map(MeterItem::from_index),
    )
    .unwrap_or_default()
}

/// A meter sample as stored: the readings, not yet rendered as SampledValues, so that a queued
/// sample costs a few dozen bytes instead of a full `MeterValue`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When it was taken.
    pub timestamp: DateTime,
    /// Why it was taken.
    pub context: ReadingContext,
    /// Which measurands to report, as a [`measurand_mask`].
    pub measurands: u32,
    /// The readings.
    pub readings: MeterReadings,
    /// The `Energy.Active.*.Interval` values, worked out when the sample was taken (they
    /// depend on the previous sample, which may be gone when this one is sent).
    pub intervals: IntervalValues,
}

/// A running transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// The charge point's own id for the transaction (unique per charge point).
    pub local_id: u32,
    /// The connector.
    pub connector: ConnectorId,
    /// The identifier that started it.
    pub id_tag: IdToken,
    /// Its parent, when known (who else may stop the transaction, §3.10).
    pub parent_id_tag: Option<IdToken>,
    /// Energy register at the start, Wh.
    pub meter_start: i32,
    /// When it started.
    pub started: DateTime,
    /// The central system's id, once StartTransaction.conf arrived.
    pub transaction_id: Option<i32>,
    /// The reservation it used.
    pub reservation_id: Option<i32>,
    /// The central system did not accept the idTag (StartTransaction.conf) and
    /// StopTransactionOnInvalidId is false: the energy offer stays off (§3.5.4).
    pub deauthorized: bool,
    /// Last known energy register (Wh) and when: the meterStop after a power loss.
    pub last_meter: i32,
    /// When `last_meter` was read.
    pub last_seen: DateTime,
    /// What StopTransaction's `transactionData` will carry.
    pub data: StopData,
}

/// A queued transaction-related message.
#[derive(Debug, Clone, PartialEq)]
pub enum TxMessage {
    /// StartTransaction.req.
    Start {
        /// The transaction.
        local_id: u32,
        /// The connector.
        connector: ConnectorId,
        /// The identifier.
        id_tag: IdToken,
        /// Energy register, Wh.
        meter_start: i32,
        /// When.
        timestamp: DateTime,
        /// The reservation used.
        reservation_id: Option<i32>,
    },
    /// StopTransaction.req.
    Stop {
        /// The transaction.
        local_id: u32,
        /// The central system's id, once known.
        transaction_id: Option<i32>,
        /// The identifier that stopped it.
        id_tag: Option<IdToken>,
        /// Energy register, Wh.
        meter_stop: i32,
        /// When.
        timestamp: DateTime,
        /// Why.
        reason: Reason,
    },
    /// MeterValues.req of a transaction.
    Meter {
        /// The transaction.
        local_id: u32,
        /// The central system's id, once known.
        transaction_id: Option<i32>,
        /// The connector.
        connector: ConnectorId,
        /// The sample.
        sample: Sample,
    },
    /// SecurityEventNotification.req (security whitepaper A04): queued with the
    /// transaction-related messages so that it is stored and retried like them (A04.FR.02); a
    /// non-critical one may make room like a MeterValues (see `charge_point::security`).
    SecurityEvent {
        /// The event.
        kind: SecurityEvent,
        /// When it happened.
        timestamp: DateTime,
        /// Additional information, cut to [`TECH_INFO_MAX`] bytes.
        tech_info: Option<BoundedString<TECH_INFO_MAX>>,
    },
}

/// The local id a [`TxMessage::SecurityEvent`] carries: no transaction has it.
pub const NO_TRANSACTION: u32 = u32::MAX;

impl TxMessage {
    /// The local transaction id the message belongs to.
    pub const fn local_id(&self) -> u32 {
        match self {
            TxMessage::Start { local_id, .. }
            | TxMessage::Stop { local_id, .. }
            | TxMessage::Meter { local_id, .. } => *local_id,
            TxMessage::SecurityEvent { .. } => NO_TRANSACTION,
        }
    }

    /// Whether this is a MeterValues message.
    pub const fn is_meter(&self) -> bool {
        matches!(self, TxMessage::Meter { .. })
    }

    /// Whether it may be dropped to make room when the queue is full: a MeterValues or a
    /// non-critical security event.
    pub const fn is_sheddable(&self) -> bool {
        match self {
            TxMessage::Meter { .. } => true,
            TxMessage::SecurityEvent { kind, .. } => !kind.is_critical(),
            _ => false,
        }
    }
}

/// The `transactionData` of a queued StopTransaction, kept beside the queue so that queue slots
/// stay small.
#[derive(Debug, Clone, PartialEq)]
pub struct StopEntry {
    /// The transaction.
    pub local_id: u32,
    /// The readings.
    pub data: StopData,
    /// StopTxnSampledData when the transaction stopped, as a [`measurand_mask`].
    pub sampled: u32,
    /// StopTxnAlignedData when the transaction stopped, as a [`measurand_mask`].
    pub aligned: u32,
}

impl StopEntry {
    /// An entry of nothing, to decode into ([`Journal::stop_data_into`]).
    pub const BLANK: StopEntry = StopEntry {
        local_id: 0,
        data: StopData::new(),
        sampled: 0,
        aligned: 0,
    };
}

/// A queued message with its delivery state.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// The message.
    pub message: TxMessage,
    /// How many times the central system answered it with a CALLERROR (§3.7.1).
    pub failures: u8,
}

/// A reservation of a connector (§3.11, §5.13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The central system's id for it.
    pub id: i32,
    /// The connector (0: any connector, when ReserveConnectorZeroSupported).
    pub connector: ConnectorId,
    /// Who may use it.
    pub id_tag: IdToken,
    /// Whose group may use it (§5.13: "or with the same parentIdTag").
    pub parent_id_tag: Option<IdToken>,
    /// When it ends.
    pub expiry: DateTime,
}

/// Why a message could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFull {
    /// Even after dropping every queued MeterValues the queue is full.
    Full,
}

/// Bytes a queue entry adds to its encoded message: length (2) and failure count (1).
const ENTRY_OVERHEAD: usize = 3;
/// The largest queue entry of a StartTransaction.
pub const START_ENTRY_MAX: usize = ENTRY_OVERHEAD + codec::START_MAX;
/// The largest queue entry of a StopTransaction.
pub const STOP_ENTRY_MAX: usize = ENTRY_OVERHEAD + codec::STOP_MAX;
/// The largest encoded message (a MeterValues with all 15 readings and both interval values at
/// The largest queue entry of a SecurityEventNotification.
pub const SECURITY_ENTRY_MAX: usize = ENTRY_OVERHEAD + codec::SECURITY_MAX;
/// Critical security events a new transaction leaves room for in the queue (see
/// [`Journal::room_for_transaction`]).
pub const RESERVED_SECURITY_EVENTS: usize = 2;
/// their widest).
const MESSAGE_MAX: usize = 1 + 4 + 5 + 5 + 10 + 1 + 4 + 2 + 15 * 10 + 1 + 2 * 10;

/// The queue of transaction-related messages, oldest first, each held encoded in one byte
/// buffer of [`JOURNAL_QUEUE_BYTES`]: entries `[len: u16][failures: u8][message]`.
#[derive(Clone)]
pub struct TxQueue<B: Slots<u8> = [u8; JOURNAL_QUEUE_BYTES]> {
    buf: B,
    used: usize,
    count: usize,
}

impl<B: Slots<u8>> Default for TxQueue<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Slots<u8>> TxQueue<B> {
    /// Empty; `const` for in-place start.
    pub const fn new() -> Self {
        TxQueue {
            buf: B::EMPTY,
            used: 0,
            count: 0,
        }
    }

    /// Removes every message, in place.
    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.count = 0;
    }
}

impl<B: Slots<u8>> PartialEq for TxQueue<B> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.buf.as_ref().get(..self.used) == other.buf.as_ref().get(..other.used)
    }
}

impl<B: Slots<u8>> core::fmt::Debug for TxQueue<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One entry of the queue: where it is, its failure count and its encoded message.
#[derive(Clone, Copy)]
struct Entry<'a> {
    at: usize,
    failures: u8,
    message: &'a [u8],
}

impl Entry<'_> {
    const fn size(&self) -> usize {
        ENTRY_OVERHEAD + self.message.len()
    }
}

impl<B: Slots<u8>> TxQueue<B> {
    /// Messages queued.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Nothing queued.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes in use, of `B`'s length ([`JOURNAL_QUEUE_BYTES`] by default).
    pub const fn bytes_used(&self) -> usize {
        self.used
    }

    /// The head, decoded.
    pub fn first(&self) -> Option<Queued> {
        self.entries().next().and_then(|e| decode_entry(&e))
    }

    /// Every queued message, decoded, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Queued> + '_ {
        self.entries().filter_map(|e| decode_entry(&e))
    }

    fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        let mut at = 0;
        core::iter::from_fn(move || {
            let data = self.buf.as_ref().get(at..self.used)?;
            let mut r = Reader::new(data);
            let len = usize::from(r.u16()?);
            let failures = r.u8()?;
            let message = r.bytes(len)?;
            let e = Entry {
                at,
                failures,
                message,
            };
            at += e.size();
            Some(e)
        })
    }

    fn free(&self) -> usize {
        B::LEN - self.used
    }

    fn push(&mut self, failures: u8, message: &[u8]) -> bool {
        let Ok(len) = u16::try_from(message.len()) else {
            return false;
        };
        let at = self.used;
        let mut w = Writer::new(self.buf.as_mut().get_mut(at..).unwrap_or_default());
        if w.u16(len)
            .and_then(|()| w.u8(failures))
            .and_then(|()| w.bytes(message))
            .is_err()
        {
            return false;
        }
        self.used += w.pos();
        self.count += 1;
        true
    }

    fn remove(&mut self, at: usize, size: usize) {
        let end = (at + size).min(self.used);
        self.buf.as_mut().copy_within(end..self.used, at);
        self.used -= end - at;
        self.count = self.count.saturating_sub(1);
    }

    fn pop_front(&mut self) {
        let size = self.entries_from(0).map(|e| e.size());
        if let Some(size) = size {
            self.remove(0, size);
        }
    }

    /// Keeps the entries whose message `keep` accepts.
    fn retain(&mut self, mut keep: impl FnMut(&[u8]) -> bool) {
        let mut at = 0;
        while let Some(e) = self.entries_from(at) {
            let size = e.size();
            if keep(e.message) {
                at += size;
            } else {
                self.remove(at, size);
            }
        }
    }

    fn entries_from(&self, at: usize) -> Option<Entry<'_>> {
        let data = self.buf.as_ref().get(at..self.used)?;
        let mut r = Reader::new(data);
        let len = usize::from(r.u16()?);
        let failures = r.u8()?;
        let message = r.bytes(len)?;
        Some(Entry {
            at,
            failures,
            message,
        })
    }

    fn set_head_failures(&mut self, failures: u8) {
        if !self.is_empty() {
            if let Some(b) = self.buf.as_mut().get_mut(2) {
                *b = failures;
            }
        }
    }

    /// Writes `transaction_id` into every queued Stop and Meter message of `local_id`.
    fn assign(&mut self, local_id: u32, transaction_id: i32) {
        let mut at = 0;
        while let Some(e) = self.entries_from(at) {
            let size = e.size();
            if codec::message_has_tid(e.message)
                && codec::message_local_id(e.message) == Some(local_id)
            {
                let slot = at + ENTRY_OVERHEAD + codec::TID_OFFSET;
                if let Some(dst) = self.buf.as_mut().get_mut(slot..slot + 5) {
                    let mut w = Writer::new(dst);
                    let _ = w.opt_i32(Some(transaction_id));
                }
            }
            at += size;
        }
    }
}

fn decode_entry(e: &Entry<'_>) -> Option<Queued> {
    Some(Queued {
        message: codec::read_message(&mut Reader::new(e.message))?,
        failures: e.failures,
    })
}

/// The `transactionData` of queued StopTransactions, held encoded in
/// [`JOURNAL_STOP_DATA_BYTES`]: entries `[len: u16][entry]`, oldest first, at most
/// [`STOP_DATA_SLOTS`]. Decoded when its StopTransaction is written.
#[derive(Clone)]
pub struct StopStore<B: Slots<u8> = [u8; JOURNAL_STOP_DATA_BYTES]> {
    buf: B,
    used: usize,
    count: usize,
}

impl<B: Slots<u8>> Default for StopStore<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Slots<u8>> StopStore<B> {
    /// Empty; `const` for in-place start.
    pub const fn new() -> Self {
        StopStore {
            buf: B::EMPTY,
            used: 0,
            count: 0,
        }
    }
}

impl<B: Slots<u8>> PartialEq for StopStore<B> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.buf.as_ref().get(..self.used) == other.buf.as_ref().get(..other.used)
    }
}

impl<B: Slots<u8>> core::fmt::Debug for StopStore<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The largest encoded [`StopEntry`].
const STOP_ENTRY_BYTES: usize = 4
    + 2 * (1 + 10 + 1 + 2 + 15 * 10)
    + 1
    + STOP_TRANSACTION_MAX_SAMPLES * (10 + 1 + 2 + 15 * 10)
    + 5
    + 5
    + 4
    + 4;

impl<B: Slots<u8>> StopStore<B> {
    /// Entries kept.
    pub const fn len(&self) -> usize {
        self.count
    }

    /// Nothing kept.
    pub const fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every entry, decoded, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = StopEntry> + '_ {
        self.raw()
            .filter_map(|(_, e)| codec::read_stop_entry(&mut Reader::new(e)))
    }

    /// The entry of `local_id`, decoded.
    pub fn get(&self, local_id: u32) -> Option<StopEntry> {
        self.raw()
            .find(|(_, e)| codec::message_local_id_at0(e) == Some(local_id))
            .and_then(|(_, e)| codec::read_stop_entry(&mut Reader::new(e)))
    }

    fn raw(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        let mut at = 0;
        core::iter::from_fn(move || {
            let mut r = Reader::new(self.buf.as_ref().get(at..self.used)?);
            let len = usize::from(r.u16()?);
            let e = r.bytes(len)?;
            let here = at;
            at += 2 + len;
            Some((here, e))
        })
    }

    fn remove_at(&mut self, at: usize) {
        let Some(len) = self.raw().find(|(a, _)| *a == at).map(|(_, e)| e.len()) else {
            return;
        };
        let end = (at + 2 + len).min(self.used);
        self.buf.as_mut().copy_within(end..self.used, at);
        self.used -= end - at;
        self.count = self.count.saturating_sub(1);
    }

    /// Adds an encoded entry, dropping the oldest while there are [`STOP_DATA_SLOTS`] or too
    /// few bytes left.
    fn push(&mut self, entry: &[u8]) {
        let need = 2 + entry.len();
        if need > B::LEN {
            return;
        }
        while self.count >= STOP_DATA_SLOTS || B::LEN - self.used < need {
            if self.is_empty() {
                return;
            }
            self.remove_at(0);
        }
        let Ok(len) = u16::try_from(entry.len()) else {
            return;
        };
        let mut w = Writer::new(self.buf.as_mut().get_mut(self.used..).unwrap_or_default());
        if w.u16(len).and_then(|()| w.bytes(entry)).is_ok() {
            self.used += w.pos();
            self.count += 1;
        }
    }

    /// Forgets the entry of `local_id`; whether there was one.
    fn remove(&mut self, local_id: u32) -> bool {
        let at = self
            .raw()
            .find(|(_, e)| codec::message_local_id_at0(e) == Some(local_id))
            .map(|(at, _)| at);
        if let Some(at) = at {
            self.remove_at(at);
        }
        at.is_some()
    }

    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.count = 0;
    }
}

/// The journal record.
#[derive(Debug, Clone)]
pub struct Journal<L: Limits = DefaultLimits> {
    /// The next local transaction id.
    pub next_local_id: u32,
    /// Running transactions. Change them through [`Journal::transaction_mut`],
    /// [`Journal::begin_transaction`] and [`Journal::end_transaction`] (which note what to log).
    pub transactions: L::Transactions,
    /// Transaction-related messages not yet answered, oldest first.
    pub queue: TxQueue<L::JournalQueue>,
    /// Inoperative connectors (ChangeAvailability persists across reboots, §5.2): bit `i` is
    /// connector `i`.
    pub inoperative: u32,
    /// `transactionData` of queued StopTransactions.
    pub stop_data: StopStore<L::JournalStopData>,
    /// Reservations (§5.13); they survive a restart until they expire.
    pub reservations: L::Reservations,
    /// A FirmwareStatusNotification to send once the charge point is accepted after the restart
    /// that installs new firmware (`Installed`, §5.19: "good practice to first reboot").
    pub firmware_status_after_boot: Option<FirmwareStatus>,
    /// The requestId of the SignedUpdateFirmware.req whose installation needed a restart: after
    /// it, the charge point reports SignedFirmwareStatusNotification `Installed` with it
    /// (security whitepaper L01.FR.15).
    #[cfg(feature = "profile-security")]
    pub signed_firmware_after_boot: Option<i32>,
    /// What was logged, and what changed since (RAM only).
    log: log::LogState,
}

impl<L: Limits> PartialEq for Journal<L> {
    /// The content (what is stored), not the log's bookkeeping.
    fn eq(&self, other: &Self) -> bool {
        self.next_local_id == other.next_local_id
            && self.transactions[..] == other.transactions[..]
            && self.queue == other.queue
            && self.inoperative == other.inoperative
            && self.stop_data == other.stop_data
            && self.reservations[..] == other.reservations[..]
            && self.firmware_status_after_boot == other.firmware_status_after_boot
            && self.signed_after_boot_eq(other)
    }
}

impl<L: Limits> Journal<L> {
    #[cfg(feature = "profile-security")]
    fn signed_after_boot_eq(&self, other: &Self) -> bool {
        self.signed_firmware_after_boot == other.signed_firmware_after_boot
    }

    #[cfg(not(feature = "profile-security"))]
    #[allow(clippy::unused_self)]
    fn signed_after_boot_eq(&self, _other: &Self) -> bool {
        true
    }
}

impl<L: Limits> Default for Journal<L> {
    fn default() -> Self {
        Journal::new()
    }
}

impl<L: Limits> Journal<L> {
    /// An empty journal: no transaction, nothing queued, every connector operative, next local
    /// id 0 (the [`Default`]); `const` for in-place start.
    pub const fn new() -> Self {
        Journal {
            next_local_id: 0,
            transactions: L::Transactions::EMPTY,
            queue: TxQueue::new(),
            inoperative: 0,
            stop_data: StopStore::new(),
            reservations: L::Reservations::EMPTY,
            firmware_status_after_boot: None,
            #[cfg(feature = "profile-security")]
            signed_firmware_after_boot: None,
            log: log::LogState::new(),
        }
    }

    /// Makes this [`Journal::new`] again, in place (without a journal-sized temporary).
    pub fn clear(&mut self) {
        self.next_local_id = 0;
        self.transactions.clear();
        self.queue.clear();
        self.inoperative = 0;
        self.stop_data.clear();
        self.reservations.clear();
        self.firmware_status_after_boot = None;
        #[cfg(feature = "profile-security")]
        {
            self.signed_firmware_after_boot = None;
        }
        self.log = log::LogState::new();
    }

    /// The running transaction on `connector`.
    #[inline(never)]
    pub fn transaction(&self, connector: ConnectorId) -> Option<&Transaction> {
        self.transactions.iter().find(|t| t.connector == connector)
    }

    /// The running transaction on `connector`, mutably (it is logged whole at the next flush).
    pub fn transaction_mut(&mut self, connector: ConnectorId) -> Option<&mut Transaction> {
        self.mark_transaction(connector);
        self.transactions
            .as_mut_slice()
            .iter_mut()
            .find(|t| t.connector == connector)
    }

    /// The running transaction with the central system's id `transaction_id`.
    pub fn by_transaction_id(&self, transaction_id: i32) -> Option<&Transaction> {
        self.transactions
            .iter()
            .find(|t| t.transaction_id == Some(transaction_id))
    }

    /// Adds a running transaction (given back when [`MAX_CONNECTORS`] are running).
    pub fn begin_transaction(&mut self, tx: Transaction) -> Result<(), Transaction> {
        self.mark_transaction(tx.connector);
        self.transactions.push(tx)
    }

    /// Appends `message`. When the queue is full, the oldest queued MeterValues are dropped to
    /// make room (periodic values are the least valuable to the central system; Start and Stop are
    /// never dropped, nor the head, which may be in flight). Returns whether a MeterValues had to
    /// be dropped.
    #[allow(clippy::needless_pass_by_value)] // The message is queued: given, not lent.
    pub fn enqueue(&mut self, message: TxMessage) -> Result<bool, QueueFull> {
        let mut buf = [0u8; MESSAGE_MAX];
        let mut w = Writer::new(&mut buf);
        codec::message(&mut w, &message).map_err(|_| QueueFull::Full)?;
        let n = w.pos();
        let encoded = buf.get(..n).unwrap_or_default();
        let dropped = self.enqueue_encoded(encoded)?;
        self.log_op(|w| log::op_push(w, encoded));
        Ok(dropped)
    }

    fn enqueue_encoded(&mut self, message: &[u8]) -> Result<bool, QueueFull> {
        let need = ENTRY_OVERHEAD + message.len();
        let mut dropped = false;
        if self.queue.free() < need {
            let sheddable: usize = self
                .queue
                .entries()
                .skip(1)
                .filter(|e| codec::message_is_sheddable(e.message))
                .map(|e| e.size())
                .sum();
            if self.queue.free() + sheddable < need {
                return Err(QueueFull::Full);
            }
            while self.queue.free() < need {
                if !self.shed_one_meter() {
                    return Err(QueueFull::Full);
                }
                dropped = true;
            }
        }
        if self.queue.push(0, message) {
            Ok(dropped)
        } else {
            Err(QueueFull::Full)
        }
    }

    /// Drops the oldest queued MeterValues or non-critical security event but the head; whether
    /// there was one.
    fn shed_one_meter(&mut self) -> bool {
        let Some(e) = self
            .queue
            .entries()
            .skip(1)
            .find(|e| codec::message_is_sheddable(e.message))
        else {
            return false;
        };
        let (at, size) = (e.at, e.size());
        self.queue.remove(at, size);
        true
    }

    /// Records a periodic or clock-aligned sample of the transaction on `connector`: its
    /// `transactionData` (as [`TransactionData::sample`] with `lists`), its last meter value, and
    /// the MeterValues queued. Logged as one small record. Returns whether there was a
    /// transaction.
    pub fn record_sample(
        &mut self,
        connector: ConnectorId,
        sample: Sample,
        lists: &StopTxnMeasurands<'_>,
    ) -> bool {
        let list = if sample.context == ReadingContext::SampleClock {
            lists.aligned
        } else {
            lists.sampled
        };
        let eligible = !list.is_empty();
        let Some(t) = self.transactions.iter().find(|t| t.connector == connector) else {
            return false;
        };
        let message = TxMessage::Meter {
            local_id: t.local_id,
            transaction_id: t.transaction_id,
            connector,
            sample,
        };
        let mut buf = [0u8; MESSAGE_MAX];
        let mut w = Writer::new(&mut buf);
        if codec::message(&mut w, &message).is_err() {
            return true;
        }
        let n = w.pos();
        let encoded = buf.get(..n).unwrap_or_default();
        self.apply_sample(connector, eligible, encoded);
        self.log_op(|w| log::op_sample(w, connector, eligible, encoded));
        true
    }

    /// The effect of a sample (at run time and in replay).
    fn apply_sample(&mut self, connector: ConnectorId, eligible: bool, encoded: &[u8]) -> bool {
        let Some(TxMessage::Meter {
            local_id, sample, ..
        }) = codec::read_message(&mut Reader::new(encoded))
        else {
            return false;
        };
        let one = [MeterItem::plain(Measurand::EnergyActiveImportRegister)];
        let list: &[MeterItem] = if eligible { &one } else { &[] };
        let lists = StopTxnMeasurands {
            sampled: list,
            aligned: list,
        };
        if let Some(t) = self
            .transactions
            .as_mut_slice()
            .iter_mut()
            .find(|t| t.connector == connector && t.local_id == local_id)
        {
            t.data
                .sample(sample.timestamp, sample.context, &sample.readings, &lists);
            if let Some(m) = sample.readings.meter_register_wh() {
                t.last_meter = m;
            }
            t.last_seen = sample.timestamp;
        }
        let _ = self.enqueue_encoded(encoded);
        true
    }

    /// Whether one more transaction can be started without ever losing a message: its
    /// StartTransaction and the StopTransactions of every running transaction and of itself,
    /// and [`RESERVED_SECURITY_EVENTS`] critical security events, must fit in the queue. Queued MeterValues do not count, as they make room when needed; the head
    /// does (it may be in flight and is never dropped).
    pub fn room_for_transaction(&self) -> bool {
        let mut kept = 0;
        for (i, e) in self.queue.entries().enumerate() {
            if i == 0 || !codec::message_is_sheddable(e.message) {
                kept += e.size();
            }
        }
        let stops = (self.transactions.len() + 1) * STOP_ENTRY_MAX;
        let events = RESERVED_SECURITY_EVENTS * SECURITY_ENTRY_MAX;
        kept + START_ENTRY_MAX + stops + events <= L::JournalQueue::LEN
            && self.transactions.len() < L::Transactions::CAPACITY
    }

    /// Removes the head of the queue (it was answered, or given up on).
    pub fn pop_front(&mut self) -> Option<Queued> {
        let head = self.queue.first()?;
        self.queue.pop_front();
        self.log_op(log::op_pop);
        Some(head)
    }

    /// How many times the central system answered the head with a CALLERROR (0 for none, or
    /// no head). Stored with the head, so it survives a restart.
    pub fn head_failures(&self) -> u8 {
        self.queue.entries().next().map_or(0, |e| e.failures)
    }

    /// The central system answered the head with a CALLERROR: counts it (§3.7.1) and returns the
    /// new count.
    pub fn head_failed(&mut self) -> Option<u8> {
        let failures = self.queue.entries().next()?.failures.saturating_add(1);
        self.queue.set_head_failures(failures);
        self.log_op(|w| log::op_failures(w, failures));
        Some(failures)
    }

    /// The central system named the transaction `local_id`: record its id in the transaction and
    /// every queued message of it.
    pub fn assign_transaction_id(&mut self, local_id: u32, transaction_id: i32) {
        self.apply_assign(local_id, transaction_id);
        self.log_op(|w| log::op_assign(w, local_id, transaction_id));
    }

    fn apply_assign(&mut self, local_id: u32, transaction_id: i32) {
        for t in self.transactions.as_mut_slice() {
            if t.local_id == local_id {
                t.transaction_id = Some(transaction_id);
            }
        }
        self.queue.assign(local_id, transaction_id);
    }

    /// Keeps `entry` for the StopTransaction of its transaction; when the table is full the oldest
    /// entry is dropped (its StopTransaction goes without transactionData).
    #[allow(clippy::needless_pass_by_value)] // Kept: given, not lent.
    pub fn keep_stop_data(&mut self, entry: StopEntry) {
        let mut buf = [0u8; STOP_ENTRY_BYTES];
        let mut w = Writer::new(&mut buf);
        if codec::stop_entry(&mut w, &entry).is_err() {
            return;
        }
        let n = w.pos();
        self.keep_encoded_stop_data(buf.get(..n).unwrap_or_default());
    }

    fn keep_encoded_stop_data(&mut self, encoded: &[u8]) {
        self.log_op(|w| log::op_stop_keep(w, encoded));
        self.stop_data.push(encoded);
    }

    /// [`Journal::keep_stop_data`] of the running transaction on `connector`, encoded from it in
    /// place. Out of line: its encoding buffer is not stacked on the caller's.
    #[inline(never)]
    fn keep_stop_data_of(&mut self, connector: ConnectorId, sampled: u32, aligned: u32) {
        let mut buf = [0u8; STOP_ENTRY_BYTES];
        let mut w = Writer::new(&mut buf);
        let Some(t) = self.transaction(connector) else {
            return;
        };
        if codec::stop_entry_parts(&mut w, t.local_id, &t.data, sampled, aligned).is_err() {
            return;
        }
        let n = w.pos();
        self.keep_encoded_stop_data(buf.get(..n).unwrap_or_default());
    }

    /// Ends the transaction on `connector` in place: queues the StopTransaction that `stop`
    /// builds from its local id and its central system's id, then keeps its `transactionData`,
    /// if it has any, with the measurand masks `sampled` and `aligned` (as
    /// [`Journal::keep_stop_data`]). Unlike [`Journal::end_transaction`], nothing of the
    /// transaction (about 700 bytes with its data) is copied out. Returns its local id, or
    /// `None` when no transaction runs on `connector`.
    pub fn end_transaction_with(
        &mut self,
        connector: ConnectorId,
        stop: impl FnOnce(u32, Option<i32>) -> TxMessage,
        sampled: u32,
        aligned: u32,
    ) -> Option<u32> {
        let t = self.transaction(connector)?;
        let (local_id, transaction_id, has_data) =
            (t.local_id, t.transaction_id, !t.data.is_empty());
        self.mark_transaction(connector);
        let _ = self.enqueue(stop(local_id, transaction_id));
        if has_data {
            self.keep_stop_data_of(connector, sampled, aligned);
        }
        self.transactions.retain(|x| x.connector != connector);
        Some(local_id)
    }

    /// The `transactionData` kept for `local_id`, decoded.
    pub fn stop_data(&self, local_id: u32) -> Option<StopEntry> {
        self.stop_data.get(local_id)
    }

    /// [`Journal::stop_data`] decoded into `out`, where the caller keeps it: no entry (about
    /// 1 KB) returned through copies. False (and `out` unspecified) when none is kept.
    pub fn stop_data_into(&self, local_id: u32, out: &mut StopEntry) -> bool {
        self.stop_data
            .raw()
            .find(|(_, e)| codec::message_local_id_at0(e) == Some(local_id))
            .and_then(|(_, e)| codec::read_stop_entry_into(&mut Reader::new(e), out))
            .is_some()
    }

    /// Forgets the `transactionData` of `local_id` (its StopTransaction was delivered).
    pub fn forget_stop_data(&mut self, local_id: u32) {
        if self.stop_data.remove(local_id) {
            self.log_op(|w| log::op_stop_forget(w, local_id));
        }
    }

    /// Drops every queued message of `local_id` (its StartTransaction was given up on, so the
    /// others can never name the transaction).
    pub fn drop_transaction_messages(&mut self, local_id: u32) {
        self.apply_drop(local_id);
        self.log_op(|w| log::op_drop(w, local_id));
    }

    fn apply_drop(&mut self, local_id: u32) {
        self.queue
            .retain(|m| codec::message_local_id(m) != Some(local_id));
        while self.stop_data.remove(local_id) {}
    }

    /// Removes the running transaction on `connector` and returns it.
    pub fn end_transaction(&mut self, connector: ConnectorId) -> Option<Transaction> {
        let t = self.transaction(connector).cloned()?;
        self.mark_transaction(connector);
        self.transactions.retain(|x| x.connector != connector);
        Some(t)
    }

    /// Whether a StartTransaction for `local_id` is still queued (its id is not known yet).
    pub fn start_pending(&self, local_id: u32) -> bool {
        self.queue.entries().any(|e| {
            codec::message_is_start(e.message)
                && codec::message_local_id(e.message) == Some(local_id)
        })
    }
}
