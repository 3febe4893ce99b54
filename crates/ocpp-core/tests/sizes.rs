//! RAM cost of the message types, printed with `cargo test --test sizes -- --nocapture` and
//! guarded so a change that bloats them is noticed (see docs/architecture.md).
#![allow(clippy::unwrap_used)]

use core::mem::size_of;

use ocpp_core::charge_point::metering::{DefaultTransactionData, MeterReadings, MeterScheduler};
use ocpp_core::v16::*;

#[test]
fn message_sizes() {
    let rows: &[(&str, usize)] = &[
        ("v16::Request (all actions)", size_of::<Request>()),
        ("v16::Response (all actions)", size_of::<Response>()),
        (
            "GetConfigurationResponse",
            size_of::<GetConfigurationResponse>(),
        ),
        (
            "CertificateSignedRequest",
            size_of::<CertificateSignedRequest>(),
        ),
        (
            "SignedUpdateFirmwareRequest",
            size_of::<SignedUpdateFirmwareRequest>(),
        ),
        ("SendLocalListRequest", size_of::<SendLocalListRequest>()),
        ("MeterValuesRequest", size_of::<MeterValuesRequest>()),
        (
            "StopTransactionRequest",
            size_of::<StopTransactionRequest>(),
        ),
        (
            "SetChargingProfileRequest",
            size_of::<SetChargingProfileRequest>(),
        ),
        (
            "RemoteStartTransactionRequest",
            size_of::<RemoteStartTransactionRequest>(),
        ),
        ("UpdateFirmwareRequest", size_of::<UpdateFirmwareRequest>()),
        (
            "BootNotificationRequest",
            size_of::<BootNotificationRequest>(),
        ),
        (
            "StartTransactionRequest",
            size_of::<StartTransactionRequest>(),
        ),
        ("AuthorizeResponse", size_of::<AuthorizeResponse>()),
        ("MeterValue (20 sampled values)", size_of::<MeterValue>()),
        ("metering::MeterReadings", size_of::<MeterReadings>()),
        (
            "metering::DefaultTransactionData",
            size_of::<DefaultTransactionData>(),
        ),
        (
            "metering::MeterScheduler<3>",
            size_of::<MeterScheduler<3>>(),
        ),
    ];
    for (name, size) in rows {
        println!("{name:32} {size:>7} bytes");
    }
    // Small everyday messages stay small.
    assert!(size_of::<AuthorizeResponse>() <= 64);
    assert!(size_of::<StartTransactionRequest>() <= 64);
    assert!(size_of::<BootNotificationRequest>() <= 512);
    assert!(size_of::<SetChargingProfileRequest>() <= 1024);
    // A transaction's StopTransaction data is kept as readings, not as MeterValues (one of which
    // is ~2.9 kB): Begin, End and 6 samples stay within 2.5 kB.
    assert!(size_of::<DefaultTransactionData>() <= 2560);
    assert!(size_of::<MeterScheduler<3>>() <= 256);
}
