//! Remote Trigger (§5.17 TriggerMessage): the central system asks for a message now.

use super::{ChargePoint, Reply};
use crate::charge_point::Instant;
use crate::charge_point::capacity::Limits;
use crate::charge_point::journal::{Sample, measurand_mask};
use crate::charge_point::metering::{self, MeterSetup, PackedReadings};
use crate::charge_point::outbox::Request;
use crate::charge_point::storage::Storage;
use crate::v16::{
    ChargePointErrorCode, ChargePointStatus, ConnectorId, MessageTrigger, ReadingContext,
    TriggerMessageRequest, TriggerMessageStatus,
};

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// TriggerMessage (§5.17): Accepted, and the message follows the answer; Rejected for a
    /// connector that does not exist, or when too many triggered messages already wait.
    pub(super) fn on_trigger_message(
        &mut self,
        req: &TriggerMessageRequest,
        now: Instant,
    ) -> Reply {
        let rejected = Reply::Status(TriggerMessageStatus::Rejected.as_str());
        if req.connector_id.is_some_and(|c| c > self.setup.connectors) {
            return rejected;
        }
        // "if the connectorId is relevant but absent, this should be interpreted as for all
        // allowed connectorId values".
        let all = 0..=self.setup.connectors;
        let connectors = match req.connector_id {
            Some(c) => c..=c,
            None => all,
        };
        let mut queued = true;
        match req.requested_message {
            MessageTrigger::BootNotification => {
                queued &= self.triggered.push(Request::Boot).is_ok();
            }
            MessageTrigger::Heartbeat => queued &= self.triggered.push(Request::Heartbeat).is_ok(),
            // §6.51: a notification of a profile this build leaves out cannot be sent.
            #[cfg(not(feature = "profile-firmware"))]
            MessageTrigger::FirmwareStatusNotification
            | MessageTrigger::DiagnosticsStatusNotification => {
                return Reply::Status(TriggerMessageStatus::NotImplemented.as_str());
            }
            #[cfg(feature = "profile-firmware")]
            MessageTrigger::FirmwareStatusNotification => {
                let status = self.firmware_status();
                queued &= self.triggered.push(Request::FirmwareStatus(status)).is_ok();
            }
            #[cfg(feature = "profile-firmware")]
            MessageTrigger::DiagnosticsStatusNotification => {
                let status = self.diagnostics_status();
                queued &= self
                    .triggered
                    .push(Request::DiagnosticsStatus(status))
                    .is_ok();
            }
            MessageTrigger::StatusNotification => {
                for c in connectors {
                    queued &= self.trigger_status(c, now);
                }
            }
            MessageTrigger::MeterValues => {
                // "the most recent measurements for all measurands configured in
                // MeterValuesSampledData"; connector 0 only when asked for explicitly.
                let connectors = if req.connector_id.is_some() {
                    connectors
                } else {
                    1..=self.setup.connectors
                };
                for c in connectors {
                    queued &= self.trigger_meter_values(c, now);
                }
            }
        }
        if queued {
            Reply::Status(TriggerMessageStatus::Accepted.as_str())
        } else {
            rejected
        }
    }

    fn trigger_status(&mut self, connector: ConnectorId, now: Instant) -> bool {
        let hold = self.firmware_hold();
        let Some(c) = self.connectors.get_mut(connector as usize) else {
            return false;
        };
        let status = Self::status_of(c, connector as usize, hold);
        let (error_code, info, vendor_error_code) = match &c.fault {
            Some(f) if status == ChargePointStatus::Faulted => {
                (f.error_code, f.info.clone(), f.vendor_error_code.clone())
            }
            _ => (ChargePointErrorCode::NoError, None, None),
        };
        c.reported = Some(status);
        c.pending = None;
        let timestamp = self.clock.at(now);
        self.triggered
            .push(Request::Status {
                connector,
                status,
                error_code,
                info,
                vendor_error_code,
                timestamp,
            })
            .is_ok()
    }

    fn trigger_meter_values(&mut self, connector: ConnectorId, now: Instant) -> bool {
        let readings = self
            .readings
            .get(connector as usize)
            .map(PackedReadings::unpack)
            .unwrap_or_default();
        let measurands = &self.config.meter_values_sampled_data;
        let wall = self.clock.at(now);
        let setup = MeterSetup::for_connector(connector);
        // Nothing measured: nothing to send, which still complies with the request.
        if !metering::has_meter_value(&readings, measurands, ReadingContext::Trigger, setup) {
            return true;
        }
        let sample = Sample {
            timestamp: wall,
            context: ReadingContext::Trigger,
            measurands: measurand_mask(measurands),
            readings,
            // A triggered sample stands for no interval: no Energy.*.Interval values.
            intervals: crate::charge_point::metering::IntervalValues::NONE,
        };
        let transaction_id = self
            .journal
            .transaction(connector)
            .and_then(|t| t.transaction_id);
        self.triggered
            .push(Request::Meter {
                connector,
                transaction_id,
                sample,
            })
            .is_ok()
    }
}
