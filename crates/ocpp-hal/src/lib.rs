//! # ocpp-hal
//!
//! What a charger provides to the `ocpp-core` charge point, as small synchronous traits, and
//! the glue that wires them to it.
//!
//! - [`traits`]: [`Meter`], [`ConnectorSensor`], [`EnergyOffer`], [`ConnectorLock`],
//!   [`IdTagReader`], [`Reset`], [`Clock`], and [`Hal`], all of them in one type. Each is
//!   documented with the OCPP 1.6 specification's wording of what it means.
//! - [`Storage`] and [`RecordKey`], re-exported from `ocpp-core` (see below).
//! - [`Station`]: polls the hardware into `Event`s and carries `Action`s out on it, inside the
//!   charge point's drain ([`Station::poll_output`]). It owns no socket: the network stays the
//!   integrator's, sans-IO, as in the core.
//! - [`sim`]: an in-memory charger and EV implementing every trait, for tests, examples and
//!   the simulator.
//!
//! See `docs/integration.md` for the loop, and `examples/minimal-charger` for a complete program.
//!
//! ## Why the storage trait lives in `ocpp-core`
//!
//! The charge point itself calls [`Storage`], synchronously and in the middle of its work: a
//! transaction's journal record must be durable before the StartTransaction or StopTransaction
//! that depends on it is handed out (OCPP 1.6 §3.7: "When offline, the Charge Point MUST queue
//! any transaction-related messages"). The core cannot depend on this crate (this crate depends on
//! it), so the trait is defined there and re-exported here, where the other hardware traits are.
//! Its contract: `store` replaces one record atomically (after a power loss, `load` gives the old
//! or the new record, never a mix).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod sim;
mod station;
pub mod traits;

pub use ocpp_core::charge_point::{MemoryStorage, RecordKey, Storage};
pub use station::{
    DEFAULT_POLL_INTERVAL_MS, HardwareErrors, MAX_TAGS_PER_POLL, READ_FAILURES_BEFORE_FAULT,
    Station,
};
pub use traits::{
    ChargingLimit, Clock, ConnectorLock, ConnectorSensor, ConnectorState, EnergyOffer, Hal,
    IdTagReader, LockState, Meter, PresentedTag, Reset,
};
