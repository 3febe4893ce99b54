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
//! use ocpp_core::charge_point::journal::{Reservation, Transaction};
//! use ocpp_core::charge_point::smart_charging::{Period, Stored};
//! use ocpp_core::charge_point::{Action, ChargePoint, Limits, MemoryStorage, actions_for};
//! use ocpp_core::types::{BoundedString, List};
//!
//! #[derive(Debug, Clone, Copy)]
//! struct TwoConnectorWallbox;
//! impl Limits for TwoConnectorWallbox {
//!     type JournalQueue = [u8; 1536];
//!     type JournalStopData = [u8; 1024];
//!     type Transactions = List<Transaction, 2>;
//!     type Reservations = List<Reservation, 3>;
//!     type RequestBytes = [u8; 768];
//!     type TriggeredBytes = [u8; 512];
//!     type VendorKeyBytes = [u8; 512];
//!     type TransferLocations = [u8; 512];
//!     type Actions = List<Action, { actions_for(3) }>;
//!     type Profiles = List<Stored, 6>;
//!     type ProfilePeriods = [Period; 96];
//!     type DataTransferData = BoundedString<512>;
//! }
//! // Connector 0 and two connectors, a local list of 64, a cache of 16.
//! type Charger = ChargePoint<MemoryStorage<4096>, 3, 64, 16, TwoConnectorWallbox>;
//! assert!(size_of::<Charger>() < size_of::<ChargePoint<MemoryStorage<4096>>>());
//! ```

use core::fmt::Debug;

use crate::limits::{
    DATA_TRANSFER_DATA_MAX_LEN, JOURNAL_QUEUE_BYTES, JOURNAL_STOP_DATA_BYTES,
    MAX_CHARGING_PROFILES_INSTALLED, MAX_CONNECTORS, PROFILE_PERIODS_POOL, REQUEST_QUEUE_BYTES,
    URI_MAX_LEN, VENDOR_KEY_BYTES,
};
use crate::types::{BoundedString, BoundedText, List, ListOf, Slots};

use super::io::Action;
use super::journal::{Reservation, Transaction};
use super::requests::bytes_for;
use super::smart_charging::{Period, Stored};
use super::storage::RecordKey;

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
    /// Bytes for our requests that are not transaction-related, held encoded (see
    /// [`REQUEST_QUEUE_BYTES`]).
    type RequestBytes: Slots<u8>;
    /// Bytes for the messages asked for by TriggerMessage (about 180 for the largest; when they
    /// run out, TriggerMessage is answered Rejected, §5.17).
    type TriggeredBytes: Slots<u8>;
    /// Bytes for the vendor configuration keys' names and values together (see
    /// [`VENDOR_KEY_BYTES`]).
    type VendorKeyBytes: Slots<u8>;
    /// Bytes for the firmware and diagnostics locations together (URLs; a longer one is refused
    /// as [`URI_MAX_LEN`] says).
    type TransferLocations: Slots<u8>;
    /// Actions waiting for the integrator: at least [`actions_for`]`(NC)` (four slots per
    /// connector for the safety actions, which never overflow, plus the charge point's own).
    type Actions: ListOf<Action>;
    /// Charging profiles installed at once (`MaxChargingProfilesInstalled`, §9.4.5, declares
    /// it): at most [`MAX_CHARGING_PROFILES_INSTALLED`].
    type Profiles: ListOf<Stored>;
    /// Charging schedule periods of the installed profiles together (see
    /// [`PROFILE_PERIODS_POOL`]).
    type ProfilePeriods: Slots<Period>;
    /// The `data` of a DataTransfer.req or .conf the charge point keeps, in either direction
    /// (see [`DATA_TRANSFER_DATA_MAX_LEN`]): a longer one from the central system is refused as
    /// any string past its bound is (a CALLERROR; for a .conf, `DataTransferAnswered` with no
    /// status), a longer one from the integrator with [`Refused::TooLong`](super::Refused).
    type DataTransferData: BoundedText;
}

/// The action slots a charge point with `slots` connector slots (connector 0 included) needs:
/// four per connector (energy offer, limit, lock, unlock), one each for reset, the two
/// DataTransfer notices and the three transfer jobs, one per record for storage failures, and
/// room for the reports one input causes.
pub const fn actions_for(slots: usize) -> usize {
    4 * slots + 6 + RecordKey::ALL.len() + super::io::REPORT_ACTIONS
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
    type RequestBytes = [u8; REQUEST_QUEUE_BYTES];
    /// Four of the largest.
    type TriggeredBytes = [u8; bytes_for(4)];
    type VendorKeyBytes = [u8; VENDOR_KEY_BYTES];
    type TransferLocations = [u8; URI_MAX_LEN];
    type Actions = List<Action, { actions_for(MAX_CONNECTORS + 1) }>;
    type Profiles = List<Stored, MAX_CHARGING_PROFILES_INSTALLED>;
    type ProfilePeriods = [Period; PROFILE_PERIODS_POOL];
    type DataTransferData = BoundedString<DATA_TRANSFER_DATA_MAX_LEN>;
}

/// The small profile's budgets: an AC wallbox with one or two connectors (figures and reasons in
/// docs/integration.md, "The small profile").
#[derive(Debug, Clone, Copy)]
pub struct SmallLimits;

impl Limits for SmallLimits {
    /// 18 to 25 StartTransactions and StopTransactions (9 to 12 sessions), or about 18
    /// periodic samples of 7 measurands, offline: a wallbox's evening of sessions.
    type JournalQueue = [u8; 1024];
    /// The `transactionData` of about 3 stopped transactions of three-phase readings (6 of
    /// the energy register only); older ones lose it (their StopTransaction is kept).
    type JournalStopData = [u8; 512];
    type Transactions = List<Transaction, 2>;
    type Reservations = List<Reservation, 3>;
    /// Half the default: every kind but MeterValues outside a transaction together stays under
    /// 300 bytes with two connectors.
    type RequestBytes = [u8; 512];
    /// Two of the largest.
    type TriggeredBytes = [u8; bytes_for(2)];
    /// A few short vendor keys.
    type VendorKeyBytes = [u8; 256];
    /// A firmware and a diagnostics (or log) URL of up to 240 bytes each, or one of 480 (480,
    /// not 512: the security extension's log upload, signed firmware and certificates had to
    /// fit the small profile's 16 KB).
    type TransferLocations = [u8; 480];
    type Actions = List<Action, { actions_for(3) }>;
    /// A TxDefaultProfile per connector and for the charge point, a ChargePointMaxProfile and
    /// a TxProfile per connector, with one to spare.
    type Profiles = List<Stored, 4>;
    /// A day in half hours for one profile, or two of 24 periods.
    type ProfilePeriods = [Period; 48];
    /// A vendor's short messages (a status, a few settings as JSON).
    type DataTransferData = BoundedString<256>;
}
