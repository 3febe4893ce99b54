//! Views: messages serialised from compact state, without building the owned message types.

#[allow(clippy::wildcard_imports)]
use super::*;

/// MeterValues.req with one meterValue rendered from a stored sample.
pub(super) struct MeterValuesView<'a> {
    pub(super) connector_id: ConnectorId,
    pub(super) transaction_id: Option<i32>,
    pub(super) sample: &'a Sample,
}

impl Serialize for MeterValuesView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let sample = self.sample;
        let measurands = measurand_list(sample.measurands);
        let value = MeterValueView {
            timestamp: sample.timestamp,
            readings: &sample.readings,
            intervals: sample.intervals,
            measurands: &measurands,
            context: sample.context,
            setup: MeterSetup::for_connector(self.connector_id),
        };
        let mut st = s.serialize_struct("MeterValuesRequest", 3)?;
        st.serialize_field("connectorId", &self.connector_id)?;
        if let Some(id) = self.transaction_id {
            st.serialize_field("transactionId", &id)?;
        }
        st.serialize_field("meterValue", core::slice::from_ref(&value))?;
        st.end()
    }
}

/// One MeterValue written straight from the readings: each sampled value is made and
/// serialised in turn (no `MeterValue` of 20 sampled values, 2.8 KB, on the stack). A sample is
/// only taken when it has something to report (`metering::has_meter_value`), so the array is
/// never empty; if it were, it would be written empty: not with `serde::ser::Error::custom`,
/// which panics in serde-json-core.
struct MeterValueView<'a> {
    timestamp: DateTime,
    readings: &'a crate::charge_point::MeterReadings,
    intervals: metering::IntervalValues,
    measurands: &'a [metering::MeterItem],
    context: v16::ReadingContext,
    setup: MeterSetup,
}

impl Serialize for MeterValueView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("MeterValue", 2)?;
        st.serialize_field("timestamp", &self.timestamp)?;
        st.serialize_field("sampledValue", &SampledValuesView(self))?;
        st.end()
    }
}

/// The `sampledValue` array of a [`MeterValueView`].
struct SampledValuesView<'v, 'a>(&'v MeterValueView<'a>);

impl Serialize for SampledValuesView<'_, '_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeSeq;
        let v = self.0;
        let mut sink = SeqSink::<Ser::SerializeSeq> {
            seq: s.serialize_seq(None)?,
            count: 0,
            error: None,
        };
        let sample = metering::Sampled {
            readings: v.readings,
            intervals: v.intervals,
            context: v.context,
            setup: v.setup,
        };
        metering::for_each_sampled_value(&mut sink, &sample, &[v.measurands]);
        if let Some(e) = sink.error {
            return Err(e);
        }
        sink.seq.end()
    }
}

/// Serialises each sampled value as it is made, at most
/// [`MAX_SAMPLED_VALUES`](crate::limits::MAX_SAMPLED_VALUES) (the capacity of a
/// `MeterValue`'s list, which the values beyond are left out of too); stops at the first error.
struct SeqSink<Seq: serde::ser::SerializeSeq> {
    seq: Seq,
    count: usize,
    error: Option<Seq::Error>,
}

impl<Seq: serde::ser::SerializeSeq> metering::SampledSink for SeqSink<Seq> {
    fn push(&mut self, value: v16::SampledValue) -> bool {
        if self.error.is_some() || self.count >= crate::limits::MAX_SAMPLED_VALUES {
            return false;
        }
        match self.seq.serialize_element(&value) {
            Ok(()) => {
                self.count += 1;
                true
            }
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }
}

/// DataTransfer.conf (and GetDiagnostics.conf: `fileName` only), serialised from the answer's
/// fields by reference: the owned response types would copy their kilobyte of data (or their
/// 255-byte file name) into the writer's frame first.
pub(super) struct OptionalTextView<'a> {
    /// `status`, if the message has one.
    pub(super) status: Option<&'static str>,
    /// The text field's name.
    pub(super) name: &'static str,
    /// Its value; absent: not written.
    pub(super) text: Option<&'a str>,
}

impl Serialize for OptionalTextView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Response", 2)?;
        if let Some(status) = self.status {
            st.serialize_field("status", status)?;
        }
        if let Some(text) = self.text {
            st.serialize_field(self.name, text)?;
        }
        st.end()
    }
}

/// StopTransaction.req with transactionData rendered from the stored readings.
pub(super) struct StopTransactionView<'a> {
    pub(super) id_tag: Option<&'a IdToken>,
    pub(super) meter_stop: i32,
    pub(super) timestamp: DateTime,
    pub(super) transaction_id: i32,
    pub(super) reason: Reason,
    pub(super) data: Option<&'a StopData>,
    pub(super) sampled: List<metering::MeterItem, 32>,
    pub(super) aligned: List<metering::MeterItem, 32>,
}

impl Serialize for StopTransactionView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("StopTransactionRequest", 6)?;
        if let Some(id_tag) = self.id_tag {
            st.serialize_field("idTag", id_tag)?;
        }
        st.serialize_field("meterStop", &self.meter_stop)?;
        st.serialize_field("timestamp", &self.timestamp)?;
        st.serialize_field("transactionId", &self.transaction_id)?;
        st.serialize_field("reason", &self.reason)?;
        let lists = StopTxnMeasurands {
            sampled: &self.sampled,
            aligned: &self.aligned,
        };
        // §3.16.5: no transactionData when neither StopTxn list asks for anything.
        if let Some(data) = self.data.filter(|d| !lists.is_empty() && !d.is_empty()) {
            st.serialize_field(
                "transactionData",
                &data.meter_values(lists, MeterSetup::OUTLET),
            )?;
        }
        st.end()
    }
}

/// GetConfiguration.conf rendered from the configuration.
pub(super) struct ConfigurationView<'a, V: Slots<u8>> {
    pub(super) config: &'a Configuration<V>,
    pub(super) keys: Option<&'a RequestedKeys>,
}

impl<V: Slots<u8>> Serialize for ConfigurationView<'_, V> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("GetConfigurationResponse", 2)?;
        match self.keys {
            None => st.serialize_field(
                "configurationKey",
                &KnownKeys {
                    config: self.config,
                    keys: None,
                },
            )?,
            Some(keys) => {
                if keys.known().any(|k| self.config.key_value(k).is_some()) {
                    st.serialize_field(
                        "configurationKey",
                        &KnownKeys {
                            config: self.config,
                            keys: Some(keys),
                        },
                    )?;
                }
                if keys.unknown().next().is_some() {
                    st.serialize_field("unknownKey", &UnknownKeys { keys })?;
                }
            }
        }
        st.end()
    }
}

pub(super) struct KnownKeys<'a, V: Slots<u8>> {
    pub(super) config: &'a Configuration<V>,
    pub(super) keys: Option<&'a RequestedKeys>,
}

impl<V: Slots<u8>> Serialize for KnownKeys<'_, V> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        match self.keys {
            None => s.collect_seq(self.config.iter()),
            Some(keys) => s.collect_seq(keys.known().filter_map(|k| self.config.key_value(k))),
        }
    }
}

pub(super) struct UnknownKeys<'a> {
    pub(super) keys: &'a RequestedKeys,
}

impl Serialize for UnknownKeys<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        s.collect_seq(self.keys.unknown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charge_point::MeterReadings;
    use crate::charge_point::metering::{Reading, SUPPORTED_MEASURANDS, build_meter_value};
    use crate::json::to_slice;

    /// The streamed MeterValues.req is what serialising the MeterValue `build_meter_value`
    /// builds gives, for every measurand list (the sampled values are made in the same order,
    /// from the same readings), and fails where that builds nothing.
    #[test]
    fn meter_values_view_streams_what_build_meter_value_builds() {
        let r = |milli: i64| Reading::from_milli(milli);
        let readings = MeterReadings {
            energy_active_import_wh: r(12_345_600),
            energy_active_export_wh: r(10_000),
            power_active_import_w: r(7_360_000),
            power_active_export_w: r(0),
            current_import_a: [r(16_000), r(15_500), r(15_750)],
            voltage_v: [r(230_100), r(229_900), r(231_000)],
            current_offered_a: r(16_000),
            power_offered_w: r(11_000_000),
            soc_percent: r(55_000),
            temperature_c: r(-5_500),
            frequency_hz: r(50_010),
        };
        let timestamp = DateTime::from_utc(2024, 5, 1, 12, 15, 0, 0).unwrap();
        let lists: [&[v16::Measurand]; 4] = [
            SUPPORTED_MEASURANDS,
            &[v16::Measurand::EnergyActiveImportRegister],
            &[v16::Measurand::Voltage, v16::Measurand::SoC],
            &[v16::Measurand::Rpm],
        ];
        for (connector_id, measurands) in [0, 1, 2].into_iter().flat_map(|c| lists.map(|l| (c, l)))
        {
            for context in [
                v16::ReadingContext::SamplePeriodic,
                v16::ReadingContext::Trigger,
            ] {
                let sample = Sample {
                    timestamp,
                    context,
                    measurands: measurand_mask(measurands),
                    readings: readings.clone(),
                    intervals: metering::IntervalValues::NONE,
                };
                let view = MeterValuesView {
                    connector_id,
                    transaction_id: Some(5),
                    sample: &sample,
                };
                let mut got = [0u8; 4096];
                let got = to_slice(&view, &mut got).map(|n| got[..n].to_vec());
                let setup = MeterSetup::for_connector(connector_id);
                let list = measurand_list(sample.measurands);
                // The MeterValue built the old way; `[]` where it has nothing to report.
                let value = build_meter_value(&readings, &list, context, timestamp, setup);
                let mut want = [0u8; 4096];
                let nothing = br#"{"timestamp":"2024-05-01T12:15:00Z","sampledValue":[]}"#;
                let n = if let Some(value) = &value {
                    to_slice(value, &mut want).unwrap()
                } else {
                    want[..nothing.len()].copy_from_slice(nothing);
                    nothing.len()
                };
                let want = std::format!(
                    r#"{{"connectorId":{connector_id},"transactionId":5,"meterValue":[{}]}}"#,
                    core::str::from_utf8(&want[..n]).unwrap()
                );
                assert_eq!(got.unwrap(), want.as_bytes(), "{measurands:?} {context:?}");
            }
        }
    }
}

/// SecurityEventNotification.req (security whitepaper §5.15) from a queued event.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SecurityEventView<'a> {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) timestamp: DateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tech_info: Option<&'a str>,
}
