//! # ocpp-core
//!
//! The sans-IO heart of an OCPP-J charge point: it takes WebSocket text frames, hardware events and
//! time ticks, and produces frames to send, actions for the hardware and the next deadline.
//!
//! This crate is `no_std` and needs no allocator. Every buffer is bounded; every bound is
//! documented in [`limits`]. Incoming frames are parsed in place ([`rpc::Frame`]), payloads are
//! decoded into owned, bounded message types ([`v16`]) and outgoing frames are serialised into a
//! buffer the caller owns ([`rpc::encode_call`] and friends).
//!
//! Layers, bottom up:
//! - [`json`]: a small, strict, depth-bounded JSON deserializer for serde whose errors map onto
//!   OCPP-J CALLERROR codes, and a compact serializer that never panics.
//! - [`types`]: the spec's primitive types: bounded strings ([`types::CiString20`] ...),
//!   [`types::DateTime`] and the one-fraction-digit [`types::Decimal`].
//! - [`rpc`]: OCPP-J framing (CALL / CALLRESULT / CALLERROR) and the error codes, with the
//!   OCPP-J 2.0.1 rules in `rpc::v201`.
//! - `v16` (cargo feature `v16`): every OCPP 1.6 message, plus the 1.6 security extension; and
//!   `charge_point`, the OCPP 1.6 charge point.
//! - `v201` (cargo feature `v201`): every OCPP 2.0.1 message.
//!
//! Both versions are cargo features of this crate, on by default; either alone builds for a
//! microcontroller (`--no-default-features --features v16` or `--features v201`). What they
//! share (json, rpc, types, limits) is built once: see docs/architecture.md.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

#[cfg(any(test, feature = "std"))]
extern crate std;

#[cfg(feature = "v16")]
pub mod charge_point;
pub mod json;
pub mod limits;
pub mod rpc;
pub mod types;
#[cfg(feature = "v16")]
pub mod v16;
#[cfg(feature = "v201")]
pub mod v201;
mod wire;

/// The security extension's crypto boundary (the `ocpp-crypto` crate, without its
/// implementation), re-exported so that an integrator implementing
/// [`charge_point::Storage::security`] names the same version of it.
pub use ocpp_crypto as crypto;
