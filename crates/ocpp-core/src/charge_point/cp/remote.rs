//! Core-profile configuration and reset requests from the central system (§5.3 ChangeConfiguration,
//! §5.13 Reset).

#[allow(clippy::wildcard_imports)]
use super::*;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn on_change_configuration(
        &mut self,
        req: &v16::ChangeConfigurationRequest,
        now: Instant,
    ) -> Reply {
        let profile_before = self.config.security_profile;
        // A05.FR.03/04: with a security module, from the certificates it holds.
        #[cfg(feature = "profile-security")]
        let prerequisites = if Key::parse(&req.key) == Some(Key::SecurityProfile) {
            self.certificate_prerequisites(now)
        } else {
            self.setup.security
        };
        #[cfg(not(feature = "profile-security"))]
        let prerequisites = self.setup.security;
        let outcome = self.config.change_with(&req.key, &req.value, prerequisites);
        if let Some(key) = outcome.changed {
            self.persist_config();
            match key {
                KeyId::Standard(Key::HeartbeatInterval)
                    if self.registration == Registration::Accepted =>
                {
                    self.schedule_heartbeat(now);
                }
                KeyId::Standard(Key::MeterValueSampleInterval) => {
                    self.meter
                        .set_sample_interval(self.config.meter_value_sample_interval);
                }
                KeyId::Standard(Key::ClockAlignedDataInterval) => {
                    self.meter
                        .set_aligned_interval(self.config.clock_aligned_data_interval);
                }
                // Security whitepaper chapter 8: "Security parameters, such as keys or the
                // security profile used, were changed". The key's value is not reported.
                KeyId::Standard(k @ (Key::SecurityProfile | Key::AuthorizationKey)) => {
                    self.security_event(
                        SecurityEvent::ReconfigurationOfSecurityParameters,
                        Some(k.name()),
                        now,
                    );
                    if k == Key::SecurityProfile {
                        // A05.FR.06/07: reconnect with the new profile once the answer is out;
                        // A05.FR.08: fall back if it cannot connect. A raise during a raise
                        // keeps the first fallback (the last profile proven to connect).
                        let previous = self
                            .profile_fallback
                            .map_or(profile_before, |(previous, _)| previous);
                        self.profile_fallback = Some((previous, 0));
                        self.reconnect_due = Some(self.config.security_profile);
                    }
                }
                _ => {}
            }
        }
        Reply::Status(outcome.status.as_str())
    }

    pub(super) fn on_reset(&mut self, kind: ResetType, now: Instant) -> Reply {
        // §5.14: stop transactions with reason SoftReset / HardReset, then restart.
        let reason = if kind == ResetType::Hard {
            Reason::HardReset
        } else {
            Reason::SoftReset
        };
        let running: List<ConnectorId, MAX_CONNECTORS> =
            List::try_from_iter(self.journal.transactions.iter().map(|t| t.connector))
                .unwrap_or_default();
        for c in &running {
            self.stop_transaction(*c, reason, None, now);
        }
        self.reset = Some((kind, now));
        self.security_event(
            SecurityEvent::ResetOrReboot,
            Some(if kind == ResetType::Hard {
                "Reset.req Hard"
            } else {
                "Reset.req Soft"
            }),
            now,
        );
        Reply::Status(ResetStatus::Accepted.as_str())
    }
}
