//! The transaction journal: running transactions and the queue of transaction-related messages
//! (OCPP 1.6 §3.7), persisted as one record so that both change atomically.
//!
//! Transaction-related messages (StartTransaction, StopTransaction, MeterValues of a
//! transaction) are kept here until the central system has answered them, in order, across
//! disconnects and restarts. A transaction gets a local id when it starts; the central system's
//! `transactionId` arrives later (possibly after a reconnect) and is then written into every
//! queued message of that transaction, so StopTransaction and MeterValues queued before the
//! answer still refer to it correctly.
//!
//! The record is JSON (through this crate's own codec): small enough, and readable when a
//! charger in the field has to be debugged.

use serde::{Deserialize, Serialize};

use crate::limits::{
    JOURNAL_MAX_QUEUED, MAX_CONNECTORS, STOP_DATA_SLOTS, STOP_TRANSACTION_MAX_SAMPLES,
};
use crate::types::{DateTime, List};
use crate::v16::{ConnectorId, IdToken, Measurand, ReadingContext, Reason};

use super::metering::{MeterReadings, TransactionData};

/// The `transactionData` kept for a transaction: Transaction.Begin, thinned samples,
/// Transaction.End (see [`TransactionData`]).
pub type StopData = TransactionData<{ STOP_TRANSACTION_MAX_SAMPLES }>;

/// A set of measurands as a bit mask: bit `i` is `Measurand::ALL[i]`.
pub fn measurand_mask(items: &[Measurand]) -> u32 {
    items
        .iter()
        .filter_map(|m| Measurand::ALL.iter().position(|x| x == m))
        .fold(0, |acc, i| acc | (1 << i))
}

/// The measurands of a mask, in the spec's order.
pub fn measurand_list(mask: u32) -> List<Measurand, 32> {
    List::try_from_iter(
        Measurand::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, m)| *m),
    )
    .unwrap_or_default()
}

/// A meter sample as stored: the readings, not yet rendered as SampledValues, so that a queued
/// sample costs a few dozen bytes instead of a full `MeterValue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// When it was taken.
    pub timestamp: DateTime,
    /// Why it was taken.
    pub context: ReadingContext,
    /// Which measurands to report: bit `i` is `Measurand::ALL[i]`.
    pub measurands: u32,
    /// The readings.
    pub readings: MeterReadings,
}

/// A running transaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default)]
    pub data: StopData,
}

/// A queued transaction-related message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl TxMessage {
    /// The local transaction id the message belongs to.
    pub const fn local_id(&self) -> u32 {
        match self {
            TxMessage::Start { local_id, .. }
            | TxMessage::Stop { local_id, .. }
            | TxMessage::Meter { local_id, .. } => *local_id,
        }
    }

    /// Whether this is a MeterValues message (the only kind that may be dropped when the queue
    /// overflows).
    pub const fn is_meter(&self) -> bool {
        matches!(self, TxMessage::Meter { .. })
    }
}

/// The `transactionData` of a queued StopTransaction, kept beside the queue so that queue slots
/// stay small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// A queued message with its delivery state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// The message.
    pub message: TxMessage,
    /// How many times the central system answered it with a CALLERROR (§3.7.1).
    pub failures: u8,
}

/// The journal record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// The next local transaction id.
    pub next_local_id: u32,
    /// Running transactions.
    pub transactions: List<Transaction, MAX_CONNECTORS>,
    /// Transaction-related messages not yet answered, oldest first.
    pub queue: List<Queued, JOURNAL_MAX_QUEUED>,
    /// Inoperative connectors (ChangeAvailability persists across reboots, §5.2): bit `i` is
    /// connector `i`.
    #[serde(default)]
    pub inoperative: u32,
    /// `transactionData` of queued StopTransactions.
    #[serde(default)]
    pub stop_data: List<StopEntry, STOP_DATA_SLOTS>,
    /// Reservations (§5.13); they survive a restart until they expire.
    #[serde(default)]
    pub reservations: List<Reservation, { MAX_CONNECTORS + 1 }>,
    /// A FirmwareStatusNotification to send once the charge point is accepted after the restart
    /// that installs new firmware (`Installed`, §5.19: "good practice to first reboot").
    #[serde(default)]
    pub firmware_status_after_boot: Option<crate::v16::FirmwareStatus>,
}

/// A reservation of a connector (§3.11, §5.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

impl Default for Journal {
    fn default() -> Self {
        Journal::new()
    }
}

impl Journal {
    /// An empty journal: no transaction, nothing queued, every connector operative, next local
    /// id 0 (the [`Default`]).
    pub const fn new() -> Self {
        Journal {
            next_local_id: 0,
            transactions: List::new(),
            queue: List::new(),
            inoperative: 0,
            stop_data: List::new(),
            reservations: List::new(),
            firmware_status_after_boot: None,
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
    }

    /// The running transaction on `connector`.
    pub fn transaction(&self, connector: ConnectorId) -> Option<&Transaction> {
        self.transactions.iter().find(|t| t.connector == connector)
    }

    /// The running transaction on `connector`, mutably.
    pub fn transaction_mut(&mut self, connector: ConnectorId) -> Option<&mut Transaction> {
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

    /// Appends `message`. When the queue is full, the oldest queued MeterValues is dropped to make
    /// room (periodic values are the least valuable to the central system; Start and Stop are
    /// never dropped). Returns whether a MeterValues had to be dropped.
    pub fn enqueue(&mut self, message: TxMessage) -> Result<bool, QueueFull> {
        let mut dropped = false;
        if self.queue.len() == JOURNAL_MAX_QUEUED {
            // Never drop the head: it may be in flight.
            let Some(pos) = self.queue.iter().skip(1).position(|q| q.message.is_meter()) else {
                return Err(QueueFull::Full);
            };
            let mut i = 0;
            self.queue.retain(|_| {
                let keep = i != pos + 1;
                i += 1;
                keep
            });
            dropped = true;
        }
        self.queue
            .push(Queued {
                message,
                failures: 0,
            })
            .map_err(|_| QueueFull::Full)?;
        Ok(dropped)
    }

    /// Whether one more transaction can be started without ever losing a message: its
    /// StartTransaction and the StopTransactions of every running transaction and of itself must
    /// fit in the queue. Queued MeterValues do not count, as they make room when needed; the head
    /// does not either (it may be in flight and is never dropped).
    pub fn room_for_transaction(&self) -> bool {
        let kept = self.queue.iter().filter(|q| !q.message.is_meter()).count();
        let head_is_meter = self.queue.first().is_some_and(|q| q.message.is_meter());
        // Its Start and its Stop, and the Stops of the running ones.
        kept + usize::from(head_is_meter) + 1 + self.transactions.len() < JOURNAL_MAX_QUEUED
            && self.transactions.len() < MAX_CONNECTORS
    }

    /// Removes the head of the queue (it was answered, or given up on).
    pub fn pop_front(&mut self) -> Option<Queued> {
        let head = self.queue.first().cloned()?;
        let mut first = true;
        self.queue.retain(|_| !core::mem::take(&mut first));
        Some(head)
    }

    /// The central system named the transaction `local_id`: record its id in the transaction and
    /// every queued message of it.
    pub fn assign_transaction_id(&mut self, local_id: u32, transaction_id: i32) {
        for t in self.transactions.as_mut_slice() {
            if t.local_id == local_id {
                t.transaction_id = Some(transaction_id);
            }
        }
        for q in self.queue.as_mut_slice() {
            match &mut q.message {
                TxMessage::Stop {
                    local_id: l,
                    transaction_id: id,
                    ..
                }
                | TxMessage::Meter {
                    local_id: l,
                    transaction_id: id,
                    ..
                } if *l == local_id => {
                    *id = Some(transaction_id);
                }
                _ => {}
            }
        }
    }

    /// Keeps `entry` for the StopTransaction of its transaction; when the table is full the oldest
    /// entry is dropped (its StopTransaction goes without transactionData).
    pub fn keep_stop_data(&mut self, entry: StopEntry) {
        if self.stop_data.len() == STOP_DATA_SLOTS {
            let mut first = true;
            self.stop_data.retain(|_| !core::mem::take(&mut first));
        }
        let _ = self.stop_data.push(entry);
    }

    /// The `transactionData` kept for `local_id`.
    pub fn stop_data(&self, local_id: u32) -> Option<&StopEntry> {
        self.stop_data.iter().find(|e| e.local_id == local_id)
    }

    /// Forgets the `transactionData` of `local_id` (its StopTransaction was delivered).
    pub fn forget_stop_data(&mut self, local_id: u32) {
        self.stop_data.retain(|e| e.local_id != local_id);
    }

    /// Drops every queued message of `local_id` (its StartTransaction was given up on, so the
    /// others can never name the transaction).
    pub fn drop_transaction_messages(&mut self, local_id: u32) {
        self.queue.retain(|q| q.message.local_id() != local_id);
        self.forget_stop_data(local_id);
    }

    /// Removes the running transaction on `connector` and returns it.
    pub fn end_transaction(&mut self, connector: ConnectorId) -> Option<Transaction> {
        let t = self.transaction(connector).cloned()?;
        self.transactions.retain(|x| x.connector != connector);
        Some(t)
    }

    /// Whether a StartTransaction for `local_id` is still queued (its id is not known yet).
    pub fn start_pending(&self, local_id: u32) -> bool {
        self.queue
            .iter()
            .any(|q| matches!(q.message, TxMessage::Start { local_id: l, .. } if l == local_id))
    }
}
