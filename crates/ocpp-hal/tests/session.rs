//! A full local session through the glue: a `ChargePoint` on `MemoryStorage<8192>`, a
//! `Station` over the simulated charger, and a central system answering by hand.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{Rig, Sent, cs_time, decode};
use ocpp_core::charge_point::{Action, Instant};
use ocpp_core::types::DateTime;
use ocpp_core::v16::{
    AuthorizeRequest, BootNotificationRequest, ChargePointErrorCode as Err,
    ChargePointStatus as St, Measurand, MeterValuesRequest, Reason, StartTransactionRequest,
    StopTransactionRequest,
};
use ocpp_hal::sim::SimCharger;

const MINUTE: u64 = 60_000;

#[test]
fn a_full_local_session() {
    let mut rig = Rig::<SimCharger>::new(1);
    rig.sim().set_register_wh(1, 52_000);
    rig.sim().set_ev_battery(1, 60_000, 30);

    // Boot.
    rig.connect();
    let (id, payload) = rig.expect_call("BootNotification");
    let boot: BootNotificationRequest = decode(&payload);
    assert_eq!(boot.charge_point_vendor.as_str(), "SimVendor");
    rig.reply(
        &id,
        &format!(
            r#"{{"status":"Accepted","currentTime":"{}","interval":300}}"#,
            cs_time(rig.now)
        ),
    );
    let (id, payload) = rig.expect_call("StatusNotification");
    assert!(payload.contains(r#""connectorId":0"#), "{payload}");
    rig.reply(&id, "{}");
    let (id, _) = rig.expect_call("StatusNotification");
    rig.reply(&id, "{}");

    // The driver plugs in and presents a card.
    rig.run(10_000);
    rig.sim().plug(1);
    rig.sim().set_ev_power(1, 7_360);
    rig.run(2_000);
    let (id, payload) = rig.expect_call("StatusNotification");
    assert!(payload.contains(r#""status":"Preparing""#), "{payload}");
    rig.reply(&id, "{}");
    rig.sim().present_tag(1, "04A2B3C4D5E6F7");
    rig.run(1_000);
    let (id, payload) = rig.expect_call("Authorize");
    let auth: AuthorizeRequest = decode(&payload);
    assert_eq!(auth.id_tag.as_str(), "04A2B3C4D5E6F7");
    rig.reply(&id, r#"{"idTagInfo":{"status":"Accepted"}}"#);

    let (id, payload) = rig.expect_call("StartTransaction");
    let start: StartTransactionRequest = decode(&payload);
    assert_eq!(start.connector_id, 1);
    assert_eq!(start.id_tag.as_str(), "04A2B3C4D5E6F7");
    assert_eq!(start.meter_start, 52_000);
    let started_at = start.timestamp;
    assert_eq!(
        started_at,
        DateTime::parse(&cs_time(rig.now)).unwrap(),
        "stamped with the central system's time"
    );
    rig.reply(
        &id,
        r#"{"idTagInfo":{"status":"Accepted"},"transactionId":4711}"#,
    );
    assert!(rig.sim().is_offering(1));

    // Charging: the EV draws, the charge point samples every MeterValueSampleInterval (60 s).
    rig.run(MINUTE / 2);
    let calls = rig.answer_all();
    // SuspendedEV until the next hardware poll sees the EV draw (a real EV also takes a moment
    // to answer the control pilot).
    assert_eq!(
        Rig::<SimCharger>::statuses(&calls),
        vec![
            (1, St::SuspendedEv, Err::NoError),
            (1, St::Charging, Err::NoError)
        ]
    );
    let mut registers = Vec::new();
    // The central system answers within seconds (an unanswered CALL is sent again after
    // Setup::call_timeout_ms, 30 s).
    for _ in 0..30 {
        rig.run(MINUTE / 6);
        for (action, payload) in rig.answer_all() {
            if action == "MeterValues" {
                let mv: MeterValuesRequest = decode(&payload);
                assert_eq!(mv.connector_id, 1);
                assert_eq!(mv.transaction_id, Some(4711));
                let value = mv.meter_value.first().unwrap();
                assert!(value.timestamp > started_at);
                let energy = value
                    .sampled_value
                    .iter()
                    .find(|s| {
                        s.measurand.unwrap_or(Measurand::EnergyActiveImportRegister)
                            == Measurand::EnergyActiveImportRegister
                    })
                    .unwrap();
                registers.push(energy.value.as_str().parse::<f64>().unwrap());
            }
        }
    }
    assert_eq!(registers.len(), 5, "one MeterValues a minute");
    assert!(
        registers.windows(2).all(|w| w[0] < w[1]),
        "the register grows: {registers:?}"
    );
    // 7360 W for a minute is 122.67 Wh.
    let per_minute = registers[1] - registers[0];
    assert!((per_minute - 122.667).abs() < 0.01, "{per_minute}");

    // The same card stops the session.
    rig.sim().present_tag(1, "04A2B3C4D5E6F7");
    rig.run(1_000);
    let (id, payload) = rig.expect_call("StopTransaction");
    let stop: StopTransactionRequest = decode(&payload);
    assert_eq!(stop.transaction_id, 4711);
    assert_eq!(stop.reason, Some(Reason::Local));
    assert!(stop.meter_stop > start.meter_start, "{stop:?}");
    let expected = rig.sim().register_wh(1);
    assert_eq!(i64::from(stop.meter_stop), expected);
    // About 5.5 minutes at 7.36 kW: 675 Wh.
    let delivered = stop.meter_stop - start.meter_start;
    assert!((670..=680).contains(&delivered), "{delivered} Wh");
    assert!(stop.timestamp > started_at);
    rig.reply(&id, r#"{"idTagInfo":{"status":"Accepted"}}"#);
    assert!(!rig.sim().is_offering(1));
    let meter_after = rig.sim().register_mwh(1);

    // The driver unplugs.
    rig.sim().unplug(1);
    rig.run(5 * MINUTE);
    let calls = rig.answer_all();
    assert_eq!(
        Rig::<SimCharger>::statuses(&calls),
        vec![
            (1, St::Finishing, Err::NoError),
            (1, St::Available, Err::NoError)
        ]
    );
    assert_eq!(
        rig.sim().register_mwh(1),
        meter_after,
        "no energy after the stop"
    );

    // The whole conversation, in order.
    let actions: Vec<&str> = rig
        .log
        .iter()
        .filter_map(|s| match s {
            Sent::Call { action, .. } => Some(action.as_str()),
            _ => None,
        })
        .filter(|a| *a != "StatusNotification" && *a != "Heartbeat")
        .collect();
    assert_eq!(
        actions,
        [
            "BootNotification",
            "Authorize",
            "StartTransaction",
            "MeterValues",
            "MeterValues",
            "MeterValues",
            "MeterValues",
            "MeterValues",
            "StopTransaction"
        ]
    );
    assert!(rig.now > Instant(7 * MINUTE));
    assert!(
        !rig.actions
            .iter()
            .any(|a| matches!(a, Action::StorageFailed { .. })),
        "every record fits MemoryStorage<8192>"
    );
}
