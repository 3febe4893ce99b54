//! The charge point: OCPP 1.6 behaviour on top of the messages in [`crate::v16`].
//!
//! Sans-IO: the caller owns the socket, the clock and the hardware. See docs/integration.md.

pub mod metering;
pub mod time;

pub use time::{Instant, WallClock};
