//! The charge point's capacities, chosen at compile time by one type: [`Limits`].
//!
//! The per-connector tables, the local list and the authorization cache take their sizes from
//! the `ChargePoint`'s const parameters (`NC`, `NL`, `NA`); every other fixed budget (the
//! journal's queue and transaction slots, the stored charging profiles, the request queues, the
//! DataTransfer and URL buffers, ...) from its [`Limits`] type. Stable Rust cannot size an array
//! by a generic parameter's associated const, so each budget is an associated *type*: an array
//! type ([`Slots`]) or a list type ([`ListOf`]). An integrator with other needs writes its own:
//!
//! ```
//! use ocpp_core::charge_point::{ChargePoint, Limits, MemoryStorage};
//! use ocpp_core::charge_point::journal::{Reservation, Transaction};
//! use ocpp_core::types::List;
//!
//! #[derive(Debug, Clone, Copy)]
//! struct TwoConnectorWallbox;
//! impl Limits for TwoConnectorWallbox {
//!     type JournalQueue = [u8; 1536];
//!     type JournalStopData = [u8; 1024];
//!     type Transactions = List<Transaction, 2>;
//!     type Reservations = List<Reservation, 3>;
//! }
//! // Connector 0 and two connectors, a local list of 64, a cache of 16.
//! type Charger = ChargePoint<MemoryStorage<4096>, 3, 64, 16, TwoConnectorWallbox>;
//! assert!(size_of::<Charger>() < size_of::<ChargePoint<MemoryStorage<4096>>>());
//! ```

use core::fmt::Debug;

use crate::limits::{JOURNAL_QUEUE_BYTES, JOURNAL_STOP_DATA_BYTES, MAX_CONNECTORS};
use crate::types::{List, ListOf, Slots};

use super::journal::{Reservation, Transaction};

/// The fixed budgets of a charge point (see the module documentation). Every value is checked
/// against the connector count when the charge point is built (a `const` assertion).
pub trait Limits: Debug + Clone + Copy + 'static {
    /// Bytes for the transaction-related messages kept while the central system is unreachable
    /// (see [`JOURNAL_QUEUE_BYTES`]).
    type JournalQueue: Slots<u8>;
    /// Bytes for the `transactionData` of queued StopTransactions (see
    /// [`JOURNAL_STOP_DATA_BYTES`]).
    type JournalStopData: Slots<u8>;
    /// Running transactions: at least one per connector.
    type Transactions: ListOf<Transaction>;
    /// Reservations: at least one per connector, plus one for connector 0 (§5.13).
    type Reservations: ListOf<Reservation>;
}

/// The default budgets: up to [`MAX_CONNECTORS`] connectors, every profile at the capacities
/// documented in `crate::limits`.
#[derive(Debug, Clone, Copy)]
pub struct DefaultLimits;

impl Limits for DefaultLimits {
    type JournalQueue = [u8; JOURNAL_QUEUE_BYTES];
    type JournalStopData = [u8; JOURNAL_STOP_DATA_BYTES];
    type Transactions = List<Transaction, MAX_CONNECTORS>;
    type Reservations = List<Reservation, { MAX_CONNECTORS + 1 }>;
}

/// The small profile's budgets: an AC wallbox with one or two connectors (figures and reasons in
/// docs/integration.md, "The small profile").
#[derive(Debug, Clone, Copy)]
pub struct SmallLimits;

impl Limits for SmallLimits {
    /// About 18 StartTransactions and StopTransactions, or 18 periodic samples of 7 measurands,
    /// offline: a wallbox's evening of sessions.
    type JournalQueue = [u8; 1024];
    /// The `transactionData` of about 4 stopped transactions of three-phase readings.
    type JournalStopData = [u8; 768];
    type Transactions = List<Transaction, 2>;
    type Reservations = List<Reservation, 3>;
}
