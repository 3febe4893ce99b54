//! The charge point: OCPP 1.6 behaviour on top of the messages in [`crate::v16`].
//!
//! Sans-IO: the caller owns the socket, the clock and the hardware; [`ChargePoint`] owns the
//! protocol. See docs/integration.md for how to drive it.
//!
//! One module per spec concept: [`config`] (configuration keys, §9), [`auth`] (authorization
//! cache, local list and decisions, §3.5), [`metering`] (meter values, §3.16), [`connector`]
//! (connector status, §4.9), [`smart_charging`] (charging profiles and their limits, §3.13),
//! [`journal`] (running transactions and the queue of transaction-related messages, §3.7),
//! [`storage`] (what persists), and the state machine itself in `cp`.

pub mod auth;
mod capacity;
pub mod config;
pub mod connector;
#[cfg(test)]
mod const_init_tests;
mod cp;
mod image;
pub mod io;
pub mod journal;
pub mod metering;
mod outbox;
mod requests;
pub mod security;
#[cfg(feature = "profile-security")]
pub mod security_log;
pub mod smart_charging;
pub mod storage;
pub mod time;

pub use capacity::{DefaultLimits, Limits, SmallLimits, actions_for};
#[cfg(feature = "profile-security")]
pub use cp::LogRequest;
#[cfg(feature = "profile-security")]
pub use cp::{
    CERTIFICATE_CHECK_INTERVAL_S, CERTIFICATE_RENEWAL_BEFORE_S, CertificateRequestError,
    RESERVED_CERTIFICATE_SLOTS,
};
pub use cp::{
    ChargePoint, DEFAULT_BOOT_RETRY_S, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_CONNECTOR_SLOTS,
    DEFERRED_ANSWER_TIMEOUT_MS, DataTransferVendor, PROFILE_FALLBACK_ATTEMPTS, RESET_GRACE_MS,
    Registration, Setup, SmallChargePoint,
};
#[cfg(feature = "profile-firmware")]
pub use cp::{DiagnosticsRequest, FirmwareRequest};
pub use io::{Action, Event, FirmwareReport, Input, Output, Refused};
pub use metering::{MeterReadings, Reading};
pub use storage::{MemoryStorage, RecordKey, SecurityParts, Storage};
pub use time::{Instant, WallClock};
