//! Metering data (OCPP 1.6 §3.16, §4.7; errata 3.13-3.16, 3.84, 3.89): what to sample, when,
//! and what goes into StopTransaction.req.
//!
//! Four pieces, all pure and bounded (no clock, no allocation, no panic on any input):
//!
//! - [`MeterReadings`] and [`Reading`]: what the hardware reports, as fixed-point numbers that
//!   always write the same text (`12345.6`, never `1.23456e4`).
//! - [`MeterItem`]: one entry of a measurand configuration key, `Voltage` or phase-qualified
//!   `Voltage.L1` (§9.1.17; the applicable combinations are [`QUALIFIED`]).
//! - [`build_meter_value`]: readings plus a configured measurand list (MeterValuesSampledData,
//!   MeterValuesAlignedData, ...) give one [`MeterValue`](crate::v16::MeterValue).
//! - [`MeterScheduler`] (over [`next_aligned`] and [`next_sample`]): when a clock-aligned
//!   (`Sample.Clock`) or periodic (`Sample.Periodic`) sample is due, and the next deadline; and
//!   the registers each kind of sample last saw, for the `Energy.Active.*.Interval` values
//!   ([`IntervalValues`], [`MeterScheduler::interval_values`]).
//! - [`TransactionData`]: the bounded collection of a transaction's values for the
//!   `transactionData` of StopTransaction.req (StopTxnSampledData, StopTxnAlignedData).
//!
//! How the charge point uses them:
//!
//! ```text
//! transaction starts:  scheduler.transaction_started(c, now); data[c].begin(ts, &meter(c));
//!                      scheduler.interval_values(c, Transaction.Begin, &meter(c))
//! while polling:       while let Some(due) = scheduler.poll_due(now, &wall) {
//!                          let r = meter(due.connector);
//!                          let iv = scheduler.interval_values(c, due.context, &r);
//!                          let list = if due.context == Sample.Clock { MeterValuesAlignedData }
//!                                     else { MeterValuesSampledData };
//!                          if let Some(mv) = build_meter_value_with(&r, iv, list, due.context,
//!                                                                   due.timestamp, setup(c)) {
//!                              queue MeterValues.req(c, transactionId if any, [mv])
//!                          }
//!                          if transaction on c { data[c].sample(due.timestamp, due.context, &r, &stop_txn) }
//!                      }
//! transaction stops:   scheduler.transaction_stopped(c); data[c].end(ts, &meter(c));
//!                      data[c].write_into(&mut stop_req.transaction_data, &stop_txn, setup(c))
//! poll_timeout:        min(..., scheduler.next_deadline())
//! ```
//!
//! Choices where the spec leaves room are documented where they are made: midnight UTC for the
//! clock-aligned grid ([`aligned_slot`]), per-phase reporting ([`PhaseReporting`]), late and
//! jumping clocks ([`ALIGNED_MAX_LATENESS_MS`]), values out of range ([`build_meter_value`]),
//! thinning ([`TransactionData`]).

mod build;
mod item;
mod reading;
mod schedule;
mod transaction_data;

pub use build::{
    MeterSetup, PhaseReporting, SUPPORTED_MEASURANDS, build_meter_value, build_meter_value_with,
    has_meter_value, has_meter_value_with, is_supported,
};
pub(crate) use build::{Sampled, SampledSink, for_each_sampled_value};
pub use item::{IntervalValues, MeterItem, QUALIFIED};
pub(crate) use reading::PackedReadings;
pub use reading::{MeterReadings, Reading};
pub use schedule::{
    ALIGNED_MAX_LATENESS_MS, Due, MeterScheduler, aligned_slot, next_aligned, next_sample,
};
pub(crate) use transaction_data::Record;
pub use transaction_data::{
    DefaultTransactionData, StopTxnMeasurands, TransactionData, TransactionMeterValues,
};
