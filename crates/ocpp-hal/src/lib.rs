//! Hardware abstraction for an OCPP charge point: what a charger must provide to `ocpp-core`.
//!
//! The traits land with the charge point behaviour (see docs/architecture.md); this crate exists
//! now so that integrators can depend on its name.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
