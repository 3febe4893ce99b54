//! Frame throughput: parse + decode, and encode into a reused buffer, for four representative
//! messages from small (BootNotification.conf) to large (GetConfiguration.conf with 40 keys).
//!
//! `cargo bench -p ocpp-core --bench frames`; results in docs/performance.md.
// `criterion_group!` defines an undocumented `pub fn`.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ocpp_core::json::{self, DecodeOptions};
use ocpp_core::rpc::{self, Frame};
use ocpp_core::types::{BoundedString, CiString50, CiString500, DateTime, Decimal, List};
use ocpp_core::v16::{
    Action, BootNotificationResponse, ChargingProfile, ChargingProfileKind, ChargingProfilePurpose,
    ChargingRateUnit, ChargingSchedule, ChargingSchedulePeriod, GetConfigurationResponse, KeyValue,
    Location, Measurand, MeterValue, MeterValuesRequest, Phase, ReadingContext, RegistrationStatus,
    Request, Response, SampledValue, SetChargingProfileRequest, UnitOfMeasure,
};

const ID: &str = "0f8e2a4c-7b1d-4e6f-9a3b-5c2d1e0f9a8b";

/// One benchmarked message: a CALL (request) or a CALLRESULT (response to `Action`).
enum Message {
    Call(Request),
    Result(Action, Response),
}

impl Message {
    fn encode<'b>(&self, buf: &'b mut [u8]) -> &'b str {
        match self {
            Message::Call(req) => rpc::encode_call(buf, ID, req.action().as_str(), req),
            Message::Result(_, resp) => rpc::encode_call_result(buf, ID, resp),
        }
        .expect("benchmark message fits the buffer")
    }
}

/// Parse + decode: what the charge point does with every frame it receives.
fn decode_call(text: &str, opts: DecodeOptions) -> Request {
    match Frame::parse(text) {
        Ok(Frame::Call(call)) => Request::from_call(&call, &opts).expect("benchmark CALL decodes"),
        _ => unreachable!("benchmark frame is a CALL"),
    }
}

fn decode_result(text: &str, action: Action, opts: DecodeOptions) -> Response {
    match Frame::parse(text) {
        Ok(Frame::CallResult(res)) => {
            Response::decode(action, res.payload, &opts).expect("benchmark CALLRESULT decodes")
        }
        _ => unreachable!("benchmark frame is a CALLRESULT"),
    }
}

fn time(s: &str) -> DateTime {
    DateTime::parse(s).expect("valid date-time")
}

fn boot_notification_conf() -> Message {
    Message::Result(
        Action::BootNotification,
        Response::BootNotification(BootNotificationResponse {
            status: RegistrationStatus::Accepted,
            current_time: time("2024-01-01T12:00:00.000Z"),
            interval: 300,
        }),
    )
}

fn meter_values_req() -> Message {
    // Ten sampled values: the energy register, then power, current and voltage on each phase.
    let mut samples = vec![(
        "48211.7",
        Measurand::EnergyActiveImportRegister,
        None,
        UnitOfMeasure::Wh,
    )];
    for (phase, to_neutral, power, current, voltage) in [
        (Phase::L1, Phase::L1N, "3680.0", "16.0", "230.1"),
        (Phase::L2, Phase::L2N, "3657.2", "15.9", "229.8"),
        (Phase::L3, Phase::L3N, "3703.0", "16.1", "230.4"),
    ] {
        samples.push((
            power,
            Measurand::PowerActiveImport,
            Some(phase),
            UnitOfMeasure::W,
        ));
        samples.push((
            current,
            Measurand::CurrentImport,
            Some(phase),
            UnitOfMeasure::A,
        ));
        samples.push((
            voltage,
            Measurand::Voltage,
            Some(to_neutral),
            UnitOfMeasure::V,
        ));
    }
    assert_eq!(samples.len(), 10);
    let sampled_value =
        List::try_from_iter(samples.into_iter().map(|(value, measurand, phase, unit)| {
            SampledValue {
                value: BoundedString::try_from(value).expect("short value"),
                context: Some(ReadingContext::SamplePeriodic),
                format: None,
                measurand: Some(measurand),
                phase,
                location: Some(Location::Outlet),
                unit: Some(unit),
            }
        }))
        .expect("10 sampled values fit");
    let meter_value = List::try_from_iter([MeterValue {
        timestamp: time("2024-01-01T12:05:00.000Z"),
        sampled_value,
    }])
    .expect("one meter value fits");
    Message::Call(Request::MeterValues(MeterValuesRequest {
        connector_id: 1,
        transaction_id: Some(1_234_567),
        meter_value,
    }))
}

fn set_charging_profile_req() -> Message {
    // A day of hourly limits, as a tariff-following central system sends them.
    let periods = (0..24).map(|hour: i32| ChargingSchedulePeriod {
        start_period: hour * 3600,
        limit: Decimal::from_tenths(60 + (hour * 37) % 260),
        number_phases: if hour % 4 == 0 { Some(3) } else { None },
    });
    let charging_schedule_period = List::try_from_iter(periods).expect("24 periods fit");
    Message::Call(Request::SetChargingProfile(SetChargingProfileRequest {
        connector_id: 1,
        cs_charging_profiles: ChargingProfile {
            charging_profile_id: 42,
            transaction_id: None,
            stack_level: 1,
            charging_profile_purpose: ChargingProfilePurpose::TxDefaultProfile,
            charging_profile_kind: ChargingProfileKind::Absolute,
            recurrency_kind: None,
            valid_from: Some(time("2024-01-01T00:00:00Z")),
            valid_to: Some(time("2024-01-02T00:00:00Z")),
            charging_schedule: ChargingSchedule {
                duration: Some(86_400),
                start_schedule: Some(time("2024-01-01T00:00:00Z")),
                charging_rate_unit: ChargingRateUnit::A,
                charging_schedule_period,
                min_charging_rate: Some(Decimal::from_tenths(60)),
            },
        },
    }))
}

const CONFIGURATION: [(&str, bool, &str); 40] = [
    ("AllowOfflineTxForUnknownId", false, "false"),
    ("AuthorizationCacheEnabled", false, "true"),
    ("AuthorizeRemoteTxRequests", false, "true"),
    ("BlinkRepeat", false, "3"),
    ("ClockAlignedDataInterval", false, "900"),
    ("ConnectionTimeOut", false, "60"),
    ("ConnectorPhaseRotation", false, "0.RST,1.RST"),
    ("ConnectorPhaseRotationMaxLength", true, "2"),
    ("GetConfigurationMaxKeys", true, "64"),
    ("HeartbeatInterval", false, "300"),
    ("LightIntensity", false, "80"),
    ("LocalAuthorizeOffline", false, "true"),
    ("LocalPreAuthorize", false, "false"),
    ("MaxEnergyOnInvalidId", false, "0"),
    (
        "MeterValuesAlignedData",
        false,
        "Energy.Active.Import.Register",
    ),
    ("MeterValuesAlignedDataMaxLength", true, "8"),
    (
        "MeterValuesSampledData",
        false,
        "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage",
    ),
    ("MeterValuesSampledDataMaxLength", true, "8"),
    ("MeterValueSampleInterval", false, "60"),
    ("MinimumStatusDuration", false, "0"),
    ("NumberOfConnectors", true, "1"),
    ("ResetRetries", false, "3"),
    ("StopTransactionOnEVSideDisconnect", false, "true"),
    ("StopTransactionOnInvalidId", false, "true"),
    ("StopTxnAlignedData", false, "Energy.Active.Import.Register"),
    ("StopTxnAlignedDataMaxLength", true, "8"),
    ("StopTxnSampledData", false, "Energy.Active.Import.Register"),
    ("StopTxnSampledDataMaxLength", true, "8"),
    (
        "SupportedFeatureProfiles",
        true,
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger",
    ),
    ("SupportedFeatureProfilesMaxLength", true, "6"),
    ("TransactionMessageAttempts", false, "3"),
    ("TransactionMessageRetryInterval", false, "60"),
    ("UnlockConnectorOnEVSideDisconnect", false, "true"),
    ("WebSocketPingInterval", false, "30"),
    ("LocalAuthListEnabled", false, "true"),
    ("LocalAuthListMaxLength", true, "1000"),
    ("SendLocalListMaxLength", true, "100"),
    ("ReserveConnectorZeroSupported", true, "false"),
    ("ChargeProfileMaxStackLevel", true, "8"),
    (
        "ChargingScheduleAllowedChargingRateUnit",
        true,
        "Current,Power",
    ),
];

fn get_configuration_conf() -> Message {
    let keys = CONFIGURATION
        .iter()
        .map(|&(key, readonly, value)| KeyValue {
            key: CiString50::try_from(key).expect("key fits CiString50"),
            readonly,
            value: Some(CiString500::try_from(value).expect("value fits CiString500")),
        });
    let configuration_key = Some(List::try_from_iter(keys).expect("40 keys fit"));
    Message::Result(
        Action::GetConfiguration,
        Response::GetConfiguration(GetConfigurationResponse {
            configuration_key,
            unknown_key: None,
        }),
    )
}

fn frames(c: &mut Criterion) {
    let opts = DecodeOptions::default();
    // A Vec: the messages are large (bounded, inline lists), too large for an array on the stack.
    let cases = vec![
        ("BootNotification.conf", boot_notification_conf()),
        ("MeterValues.req", meter_values_req()),
        ("SetChargingProfile.req", set_charging_profile_req()),
        ("GetConfiguration.conf", get_configuration_conf()),
    ];
    let mut buf = vec![0u8; 16 * 1024];
    let mut group = c.benchmark_group("frames");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(30);
    for (name, message) in &cases {
        let text = message.encode(&mut buf).to_owned();
        println!("{name}: {} bytes: {text}", text.len());
        group.throughput(Throughput::Bytes(text.len() as u64));
        match message {
            Message::Call(req) => {
                assert_eq!(&decode_call(&text, opts), req, "{name} round-trips");
                group.bench_function(format!("decode/{name}"), |b| {
                    b.iter(|| black_box(&decode_call(black_box(&text), opts)).action());
                });
            }
            Message::Result(action, resp) => {
                assert_eq!(
                    &decode_result(&text, *action, opts),
                    resp,
                    "{name} round-trips"
                );
                group.bench_function(format!("decode/{name}"), |b| {
                    b.iter(|| black_box(&decode_result(black_box(&text), *action, opts)).action());
                });
            }
        }
        group.bench_function(format!("encode/{name}"), |b| {
            b.iter(|| black_box(message).encode(&mut buf).len());
        });
    }

    // The same BootNotification.conf decoded into its own type instead of the `Response` enum:
    // shows what moving the enum (as large as its largest variant) costs on small messages.
    let (_, boot) = cases
        .first()
        .expect("BootNotification.conf is the first case");
    let text = boot.encode(&mut buf).to_owned();
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("decode_typed/BootNotification.conf", |b| {
        b.iter(|| match Frame::parse(black_box(&text)) {
            Ok(Frame::CallResult(res)) => {
                json::from_str::<BootNotificationResponse>(res.payload, &opts)
                    .expect("benchmark CALLRESULT decodes")
                    .interval
            }
            _ => unreachable!("benchmark frame is a CALLRESULT"),
        });
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
