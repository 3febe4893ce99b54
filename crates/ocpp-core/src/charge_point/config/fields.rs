//! The bridge between typed fields and key text: [`Configuration::render`] writes a key's value
//! as GetConfiguration and storage show it, [`Configuration::apply`] parses and stores one.
//!
//! Both are one `match` over [`Key`], so that adding a key without its field, or a field without
//! its text form, does not compile.

use super::value::{self, AuthorizationKey, Invalid, MAX_INTEGER, MEASURAND_CSL_MAX_LEN};
use super::{Configuration, Key};
use crate::charge_point::metering::MeterItem;
use crate::types::{CiString500, Slots};
use crate::v16::ChargingRateUnit;

/// Builds a value. Every rendered value fits (the bounds are asserted in `value`), so a failed
/// push cannot happen; should one, the value comes out cut rather than the code panicking.
#[derive(Default)]
struct Out(CiString500);

impl Out {
    fn bool(&mut self, b: bool) {
        self.str(if b { "true" } else { "false" });
    }

    fn int(&mut self, n: impl Into<u32>) {
        self.0.push_int(i64::from(n.into()), 1);
    }

    fn str(&mut self, s: &str) {
        let _ = self.0.push_str(s);
    }

    /// Appends one CSL item.
    fn item(&mut self, s: &str) {
        if !self.0.is_empty() {
            self.str(",");
        }
        self.str(s);
    }

    /// A measurand CSL, each entry as `Measurand` or `Measurand.Phase` (§9.1.17).
    fn measurands(&mut self, list: &[MeterItem]) {
        for m in list {
            let (name, phase) = m.parts();
            self.item(name);
            if let Some(phase) = phase {
                self.str(".");
                self.str(phase);
            }
        }
    }
}

const _: () = assert!(MEASURAND_CSL_MAX_LEN <= CiString500::MAX_LEN);

impl<V: Slots<u8>> Configuration<V> {
    /// The value of `key` as text. `None` only for a key without a value (an unset
    /// AuthorizationKey or CpoName). Write-only keys are rendered too: hiding them is the
    /// caller's job (GetConfiguration hides them, storage keeps them).
    pub(super) fn render(&self, key: Key) -> Option<CiString500> {
        use Key as K;
        let mut out = Out::default();
        match key {
            K::AllowOfflineTxForUnknownId => out.bool(self.allow_offline_tx_for_unknown_id),
            K::AuthorizationCacheEnabled => out.bool(self.authorization_cache_enabled),
            K::AuthorizeRemoteTxRequests => out.bool(self.authorize_remote_tx_requests),
            K::BlinkRepeat => out.int(self.blink_repeat),
            K::ClockAlignedDataInterval => out.int(self.clock_aligned_data_interval),
            K::ConnectionTimeOut => out.int(self.connection_time_out),
            K::ConnectorPhaseRotation => out.str(&self.connector_phase_rotation),
            K::ConnectorPhaseRotationMaxLength => {
                out.int(self.connector_phase_rotation_max_length);
            }
            K::GetConfigurationMaxKeys => out.int(self.get_configuration_max_keys),
            K::HeartbeatInterval => out.int(self.heartbeat_interval),
            K::LightIntensity => out.int(self.light_intensity),
            K::LocalAuthorizeOffline => out.bool(self.local_authorize_offline),
            K::LocalPreAuthorize => out.bool(self.local_pre_authorize),
            K::MaxEnergyOnInvalidId => out.int(self.max_energy_on_invalid_id),
            K::MessageTimeout => out.int(self.message_timeout),
            K::MeterValuesAlignedData => out.measurands(&self.meter_values_aligned_data),
            K::MeterValuesAlignedDataMaxLength => {
                out.int(self.meter_values_aligned_data_max_length);
            }
            K::MeterValuesSampledData => out.measurands(&self.meter_values_sampled_data),
            K::MeterValuesSampledDataMaxLength => {
                out.int(self.meter_values_sampled_data_max_length);
            }
            K::MeterValueSampleInterval => out.int(self.meter_value_sample_interval),
            K::MinimumStatusDuration => out.int(self.minimum_status_duration),
            K::NumberOfConnectors => out.int(self.number_of_connectors),
            K::ResetRetries => out.int(self.reset_retries),
            K::StopTransactionMaxMeterValues => out.int(self.stop_transaction_max_meter_values),
            K::StopTransactionOnEVSideDisconnect => {
                out.bool(self.stop_transaction_on_ev_side_disconnect);
            }
            K::StopTransactionOnInvalidId => out.bool(self.stop_transaction_on_invalid_id),
            K::StopTxnAlignedData => out.measurands(&self.stop_txn_aligned_data),
            K::StopTxnAlignedDataMaxLength => out.int(self.stop_txn_aligned_data_max_length),
            K::StopTxnSampledData => out.measurands(&self.stop_txn_sampled_data),
            K::StopTxnSampledDataMaxLength => out.int(self.stop_txn_sampled_data_max_length),
            K::SupportedFeatureProfiles => {
                for p in &self.supported_feature_profiles {
                    if let Some(name) = p.feature_name() {
                        out.item(name);
                    }
                }
            }
            K::SupportedFeatureProfilesMaxLength => {
                out.int(self.supported_feature_profiles_max_length);
            }
            K::TransactionMessageAttempts => out.int(self.transaction_message_attempts),
            K::TransactionMessageRetryInterval => {
                out.int(self.transaction_message_retry_interval);
            }
            K::UnlockConnectorOnEVSideDisconnect => {
                out.bool(self.unlock_connector_on_ev_side_disconnect);
            }
            K::WebSocketPingInterval => out.int(self.web_socket_ping_interval),
            K::LocalAuthListEnabled => out.bool(self.local_auth_list_enabled),
            K::LocalAuthListMaxLength => out.int(self.local_auth_list_max_length),
            K::SendLocalListMaxLength => out.int(self.send_local_list_max_length),
            K::ReserveConnectorZeroSupported => out.bool(self.reserve_connector_zero_supported),
            K::ChargeProfileMaxStackLevel => out.int(self.charge_profile_max_stack_level),
            K::ChargingScheduleAllowedChargingRateUnit => {
                for unit in &self.charging_schedule_allowed_charging_rate_unit {
                    out.item(match unit {
                        ChargingRateUnit::A => "Current",
                        ChargingRateUnit::W => "Power",
                    });
                }
            }
            K::ChargingScheduleMaxPeriods => out.int(self.charging_schedule_max_periods),
            K::ConnectorSwitch3to1PhaseSupported => {
                out.bool(self.connector_switch_3to1_phase_supported);
            }
            K::MaxChargingProfilesInstalled => out.int(self.max_charging_profiles_installed),
            K::SupportedFileTransferProtocols => out.str(&self.supported_file_transfer_protocols),
            K::AdditionalRootCertificateCheck => {
                out.bool(self.additional_root_certificate_check);
            }
            K::AuthorizationKey => out.str(self.authorization_key.as_ref()?.as_str()),
            K::CertificateSignedMaxChainSize => out.int(self.certificate_signed_max_chain_size),
            K::CertificateStoreMaxLength => out.int(self.certificate_store_max_length),
            K::CpoName => out.str(self.cpo_name.as_ref()?),
            K::SecurityProfile => out.int(self.security_profile),
        }
        Some(out.0)
    }

    /// Parses `value` for `key` and stores it, or changes nothing. Read-only keys are refused
    /// here too. Transition rules (SecurityProfile only increasing) are the caller's.
    pub(super) fn apply(&mut self, key: Key, value: &str) -> Result<(), Invalid> {
        use Key as K;
        use value::{parse_bool as boolean, parse_int};
        let int = |min| parse_int(value, min, MAX_INTEGER);
        match key {
            K::AllowOfflineTxForUnknownId => self.allow_offline_tx_for_unknown_id = boolean(value)?,
            K::AuthorizationCacheEnabled => self.authorization_cache_enabled = boolean(value)?,
            K::AuthorizeRemoteTxRequests => self.authorize_remote_tx_requests = boolean(value)?,
            K::BlinkRepeat => self.blink_repeat = int(0)?,
            K::ClockAlignedDataInterval => self.clock_aligned_data_interval = int(0)?,
            K::ConnectionTimeOut => self.connection_time_out = int(1)?,
            K::ConnectorPhaseRotation => {
                self.connector_phase_rotation = value::parse_phase_rotation(
                    value,
                    self.number_of_connectors,
                    self.connector_phase_rotation_max_length,
                )?;
            }
            K::HeartbeatInterval => self.heartbeat_interval = int(0)?,
            K::LightIntensity => self.light_intensity = parse_int(value, 0, 100)? as u8,
            K::LocalAuthorizeOffline => self.local_authorize_offline = boolean(value)?,
            K::LocalPreAuthorize => self.local_pre_authorize = boolean(value)?,
            K::MaxEnergyOnInvalidId => self.max_energy_on_invalid_id = int(0)?,
            K::MessageTimeout => self.message_timeout = int(1)?,
            K::MeterValuesAlignedData => {
                self.meter_values_aligned_data = value::parse_measurands(
                    value,
                    self.supported_measurands,
                    self.meter_values_aligned_data_max_length,
                )?;
            }
            K::MeterValuesSampledData => {
                self.meter_values_sampled_data = value::parse_measurands(
                    value,
                    self.supported_measurands,
                    self.meter_values_sampled_data_max_length,
                )?;
            }
            K::MeterValueSampleInterval => self.meter_value_sample_interval = int(0)?,
            K::MinimumStatusDuration => self.minimum_status_duration = int(0)?,
            K::ResetRetries => self.reset_retries = int(0)?,
            K::StopTransactionOnEVSideDisconnect => {
                self.stop_transaction_on_ev_side_disconnect = boolean(value)?;
            }
            K::StopTransactionOnInvalidId => self.stop_transaction_on_invalid_id = boolean(value)?,
            K::StopTxnAlignedData => {
                self.stop_txn_aligned_data = value::parse_measurands(
                    value,
                    self.supported_measurands,
                    self.stop_txn_aligned_data_max_length,
                )?;
            }
            K::StopTxnSampledData => {
                self.stop_txn_sampled_data = value::parse_measurands(
                    value,
                    self.supported_measurands,
                    self.stop_txn_sampled_data_max_length,
                )?;
            }
            K::TransactionMessageAttempts => self.transaction_message_attempts = int(0)?,
            K::TransactionMessageRetryInterval => {
                self.transaction_message_retry_interval = int(0)?;
            }
            K::UnlockConnectorOnEVSideDisconnect => {
                self.unlock_connector_on_ev_side_disconnect = boolean(value)?;
            }
            K::WebSocketPingInterval => self.web_socket_ping_interval = int(0)?,
            K::LocalAuthListEnabled => self.local_auth_list_enabled = boolean(value)?,
            K::AuthorizationKey => {
                self.authorization_key = Some(AuthorizationKey::parse(value).ok_or(Invalid)?);
            }
            K::CpoName => self.cpo_name = Some(value::parse_cpo_name(value)?),
            K::SecurityProfile => self.security_profile = parse_int(value, 0, 3)? as u8,
            K::ConnectorPhaseRotationMaxLength
            | K::GetConfigurationMaxKeys
            | K::MeterValuesAlignedDataMaxLength
            | K::MeterValuesSampledDataMaxLength
            | K::NumberOfConnectors
            | K::StopTransactionMaxMeterValues
            | K::StopTxnAlignedDataMaxLength
            | K::StopTxnSampledDataMaxLength
            | K::SupportedFeatureProfiles
            | K::SupportedFeatureProfilesMaxLength
            | K::LocalAuthListMaxLength
            | K::SendLocalListMaxLength
            | K::ReserveConnectorZeroSupported
            | K::ChargeProfileMaxStackLevel
            | K::ChargingScheduleAllowedChargingRateUnit
            | K::ChargingScheduleMaxPeriods
            | K::ConnectorSwitch3to1PhaseSupported
            | K::MaxChargingProfilesInstalled
            | K::SupportedFileTransferProtocols
            | K::AdditionalRootCertificateCheck
            | K::CertificateSignedMaxChainSize
            | K::CertificateStoreMaxLength => return Err(Invalid),
        }
        Ok(())
    }
}
