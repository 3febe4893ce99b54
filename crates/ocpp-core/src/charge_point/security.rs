//! Security events (OCPP 1.6 security whitepaper edition 2, chapter 8 "Security Events", use
//! case A04 "Security Event Notification").
//!
//! Every event is queued as a SecurityEventNotification.req in the journal, beside the
//! transaction-related messages, so it is stored and retried like them (A04.FR.02: "queued with a
//! guaranteed delivery"). The two kinds differ when the queue is full:
//!
//! - a **critical** event (the whitepaper's "Critical: Yes") is never dropped, like
//!   StartTransaction and StopTransaction;
//! - a **non-critical** one may be dropped, oldest first, like a periodic MeterValues, to make
//!   room for anything else (the whitepaper asks only that critical events be pushed, A04.FR.01;
//!   we send the others too, as far as the queue allows).
//!
//! What raises them: the charge point itself for what it observes (start, reset, firmware
//! installed, the clock set, security configuration changed, an unreadable frame), and the
//! integrator with [`Input::SecurityEvent`](super::Input::SecurityEvent) for what only the
//! adapter or the hardware sees (TLS failures, a rejected server certificate, tamper detection,
//! credentials rejected by the central system).

pub use crate::v16::SecurityEvent;
