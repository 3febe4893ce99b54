//! Scenario tests of the metering configuration: phase-qualified measurand entries (§9.1.17
//! "Voltage.L1") and the `Energy.*.Interval` measurands (§7.31), driven through the public API
//! with the fake clock (tests/common/sim.rs). Every frame the charge point sends is checked
//! against the official OCPP 1.6 schemas by the harness.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

mod common;

use common::sim::{Sim, energy, setup, tag};
use ocpp_core::charge_point::{Event, MeterReadings, Reading};
use serde_json::{Value, json};

fn change(sim: &mut Sim, key: &str, value: &str) -> Value {
    sim.call_ok("ChangeConfiguration", json!({"key": key, "value": value}))["status"].clone()
}

fn get(sim: &mut Sim, key: &str) -> Value {
    let conf = sim.call_ok("GetConfiguration", json!({"key": [key]}));
    conf["configurationKey"][0]["value"].clone()
}

/// Starts a transaction on `connector` at the register `wh`; its transactionId.
fn start_session(sim: &mut Sim, connector: u32, wh: u32) -> i64 {
    sim.event(Event::Meter {
        connector,
        readings: energy(wh),
    });
    sim.event(Event::Plugged { connector });
    sim.event(Event::IdTag {
        connector: Some(connector),
        id_tag: tag("CARD1"),
    });
    let (id, _) = sim.find_call("Authorize");
    sim.reply(&id, json!({"idTagInfo": {"status": "Accepted"}}));
    let (id, p) = sim.find_call("StartTransaction");
    assert_eq!(p["meterStart"], json!(wh));
    sim.reply(
        &id,
        json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 77}),
    );
    sim.answer_all();
    77
}

/// The MeterValues sent while `ms` pass in steps of 10 s, answered.
fn meter_values_over(sim: &mut Sim, ms: u64) -> Vec<Value> {
    let mut values = Vec::new();
    for _ in 0..ms / 10_000 {
        sim.advance(10_000);
        values.extend(
            sim.answer_all()
                .into_iter()
                .filter(|(a, _)| a == "MeterValues")
                .map(|(_, p)| p),
        );
    }
    values
}

/// (measurand, phase, value) of each sampled value of a MeterValue.
fn triples(mv: &Value) -> Vec<(String, Option<String>, String)> {
    mv["sampledValue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["measurand"].as_str().unwrap().to_owned(),
                s["phase"].as_str().map(str::to_owned),
                s["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn t(m: &str, p: Option<&str>, v: &str) -> (String, Option<String>, String) {
    (m.to_owned(), p.map(str::to_owned), v.to_owned())
}

fn three_phase(wh: u32) -> MeterReadings {
    let mut r = energy(wh);
    r.current_import_a = [
        Reading::from_milli(16_000),
        Reading::from_milli(15_500),
        Reading::from_milli(15_750),
    ];
    r.voltage_v = [
        Reading::from_milli(230_100),
        Reading::from_milli(229_900),
        Reading::from_milli(231_000),
    ];
    r
}

/// §9.1.17: "Where applicable, the Measurand is combined with the optional phase; for instance:
/// Voltage.L1". ChangeConfiguration accepts it in the four measurand keys and GetConfiguration
/// shows it as set; combinations the readings cannot provide are Rejected (§5.3, errata 3.14.4).
#[test]
fn phase_qualified_entries_are_accepted_and_echoed_9_1_17() {
    let mut sim = Sim::new(1);
    sim.boot();
    for key in [
        "MeterValuesSampledData",
        "MeterValuesAlignedData",
        "StopTxnSampledData",
        "StopTxnAlignedData",
    ] {
        assert_eq!(
            change(&mut sim, key, "Voltage.L1,Current.Import.L2"),
            json!("Accepted")
        );
        assert_eq!(get(&mut sim, key), json!("Voltage.L1,Current.Import.L2"));
        for bad in [
            "Energy.Active.Import.Register.L1",
            "Power.Active.Import.L1",
            "Current.Import.L1-N",
            "Voltage.L1-L2",
            "Voltage.X",
        ] {
            assert_eq!(change(&mut sim, key, bad), json!("Rejected"), "{key}={bad}");
        }
        assert_eq!(get(&mut sim, key), json!("Voltage.L1,Current.Import.L2"));
    }
    // The *MaxLength keys count entries (§9.1.18): as many qualified entries as plain ones.
    let max: usize = get(&mut sim, "MeterValuesSampledDataMaxLength")
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let phases = ["L1", "L2", "L3", "L1-N", "L2-N", "L3-N"];
    let many: Vec<String> = phases
        .iter()
        .map(|p| format!("Voltage.{p}"))
        .chain([
            "Current.Import.L1".into(),
            "Current.Import.L2".into(),
            "Current.Import.L3".into(),
        ])
        .take(max + 1)
        .collect();
    assert_eq!(
        change(&mut sim, "MeterValuesSampledData", &many[..max].join(",")),
        json!("Accepted")
    );
    assert_eq!(
        change(&mut sim, "MeterValuesSampledData", &many.join(",")),
        json!("Rejected")
    );
}

/// §9.1.17 with §3.16.1: a periodic MeterValues reports only the configured phases, each with
/// its `phase` as configured, whatever the per-phase reporting of plain entries.
#[test]
fn a_sample_carries_only_the_qualified_phases_9_1_17() {
    let mut sim = Sim::new(1);
    sim.boot();
    assert_eq!(
        change(&mut sim, "MeterValueSampleInterval", "60"),
        json!("Accepted")
    );
    assert_eq!(
        change(
            &mut sim,
            "MeterValuesSampledData",
            "Voltage.L1,Current.Import.L2"
        ),
        json!("Accepted")
    );
    let tx = start_session(&mut sim, 1, 1000);
    sim.event(Event::Meter {
        connector: 1,
        readings: three_phase(1100),
    });
    let values = meter_values_over(&mut sim, 60_000);
    assert_eq!(values.len(), 1, "{values:?}");
    assert_eq!(values[0]["transactionId"], json!(tx));
    let mv = &values[0]["meterValue"][0];
    // A queued sample keeps its entries as a set (the journal's mask): plain measurands in the
    // spec's order, then the qualified entries in `QUALIFIED`'s, as for plain lists before.
    assert_eq!(
        triples(mv),
        [
            t("Current.Import", Some("L2"), "15.5"),
            t("Voltage", Some("L1"), "230.1"),
        ]
    );
    assert!(
        mv["sampledValue"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["context"] == json!("Sample.Periodic") && s["location"] == json!("Outlet"))
    );
    // With the plain entry too: every phase once (the plain entry's L1-N is the same value as
    // Voltage.L1-N, sent once), and the L1 label as asked.
    assert_eq!(
        change(
            &mut sim,
            "MeterValuesSampledData",
            "Voltage,Voltage.L1-N,Voltage.L1"
        ),
        json!("Accepted")
    );
    let values = meter_values_over(&mut sim, 60_000);
    assert_eq!(
        triples(&values[0]["meterValue"][0]),
        [
            t("Voltage", Some("L1-N"), "230.1"),
            t("Voltage", Some("L2-N"), "229.9"),
            t("Voltage", Some("L3-N"), "231"),
            t("Voltage", Some("L1"), "230.1"),
        ]
    );
}

/// §7.31 `Energy.Active.Import.Interval`: "Absolute amount of energy imported ... during an
/// associated time interval". A periodic sample's is the register's increase since the previous
/// periodic sample of the transaction, or since its start for the first (§3.16.1); in
/// StopTransaction's transactionData (StopTxnSampledData, §9.1.27) the same values, and
/// Transaction.End's covers the whole transaction.
#[test]
fn energy_interval_across_periodic_samples_and_in_stop_transaction_7_31() {
    let mut sim = Sim::new(1);
    sim.boot();
    for (key, value) in [
        ("MeterValueSampleInterval", "60"),
        (
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,Energy.Active.Import.Interval",
        ),
        ("StopTxnSampledData", "Energy.Active.Import.Interval"),
    ] {
        assert_eq!(change(&mut sim, key, value), json!("Accepted"), "{key}");
    }
    start_session(&mut sim, 1, 1000);
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1500),
    });
    let first = meter_values_over(&mut sim, 60_000);
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(2250),
    });
    let second = meter_values_over(&mut sim, 60_000);
    let register_and_interval = |v: &[Value]| {
        assert_eq!(v.len(), 1, "{v:?}");
        triples(&v[0]["meterValue"][0])
    };
    assert_eq!(
        register_and_interval(&first),
        [
            t("Energy.Active.Import.Register", None, "1500"),
            t("Energy.Active.Import.Interval", None, "500"),
        ]
    );
    assert_eq!(
        register_and_interval(&second),
        [
            t("Energy.Active.Import.Register", None, "2250"),
            t("Energy.Active.Import.Interval", None, "750"),
        ]
    );
    assert_eq!(
        first[0]["meterValue"][0]["sampledValue"][1]["unit"],
        json!("Wh")
    );
    // Stop 30 s later at 2400 Wh.
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(2400),
    });
    sim.advance(30_000);
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD1"),
    });
    let (_, p) = sim.find_call("StopTransaction");
    let data = p["transactionData"].as_array().unwrap();
    // Transaction.Begin has no interval (nothing precedes it): no MeterValue for it.
    let got: Vec<(String, String)> = data
        .iter()
        .map(|mv| {
            let sv = &mv["sampledValue"][0];
            (
                sv["context"].as_str().unwrap().to_owned(),
                sv["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Sample.Periodic".to_owned(), "500".to_owned()),
            ("Sample.Periodic".to_owned(), "750".to_owned()),
            ("Transaction.End".to_owned(), "1400".to_owned()),
        ]
    );
}

/// §7.31 with §9.1.5: a clock-aligned sample's interval is the increase since the previous
/// boundary's sample; the first boundary after the clock is set has no previous one, so it
/// reports nothing (and, with nothing else configured, sends no MeterValues, §3.16.4).
#[test]
fn energy_interval_of_clock_aligned_samples_9_1_5() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(5000),
    });
    assert_eq!(
        change(
            &mut sim,
            "MeterValuesAlignedData",
            "Energy.Active.Import.Interval"
        ),
        json!("Accepted")
    );
    assert_eq!(
        change(&mut sim, "ClockAlignedDataInterval", "900"),
        json!("Accepted")
    );
    // 12:00:00 is the first boundary: no previous reading, nothing sent.
    let at_noon = meter_values_over(&mut sim, 60_000);
    assert!(at_noon.is_empty(), "{at_noon:?}");
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(5042),
    });
    let quarter = meter_values_over(&mut sim, 15 * 60_000);
    assert_eq!(quarter.len(), 1, "{quarter:?}");
    let mv = &quarter[0]["meterValue"][0];
    assert_eq!(mv["timestamp"], json!("2024-05-01T12:15:00Z"));
    assert_eq!(
        triples(mv),
        [t("Energy.Active.Import.Interval", None, "42")]
    );
    assert_eq!(mv["sampledValue"][0]["context"], json!("Sample.Clock"));
    // No energy in the next quarter: 0 Wh, not nothing.
    let next = meter_values_over(&mut sim, 15 * 60_000);
    assert_eq!(
        triples(&next[0]["meterValue"][0]),
        [t("Energy.Active.Import.Interval", None, "0")]
    );
}

/// §9.1.17 and §3.16: the configuration record keeps phase-qualified entries across a restart,
/// and a queued MeterValues keeps its interval value and qualified entries in the journal
/// (delivered after the restart as taken).
#[test]
fn qualified_entries_and_interval_values_survive_a_restart_9_1_17() {
    let mut sim = Sim::new(1);
    sim.boot();
    for (key, value) in [
        ("MeterValueSampleInterval", "60"),
        (
            "MeterValuesSampledData",
            "Current.Import.L3,Energy.Active.Import.Interval",
        ),
        ("StopTxnAlignedData", "Voltage.L2-N"),
    ] {
        assert_eq!(change(&mut sim, key, value), json!("Accepted"), "{key}");
    }
    start_session(&mut sim, 1, 1000);
    sim.disconnect();
    sim.event(Event::Meter {
        connector: 1,
        readings: three_phase(1333),
    });
    sim.advance(60_000);
    assert!(sim.cp.queued_transaction_messages() >= 1);
    let mut sim = sim.restart(setup(1));
    sim.connect();
    let (id, _) = sim.expect_call("BootNotification");
    sim.reply(
        &id,
        json!({"status": "Accepted", "currentTime": "2024-05-01T12:01:01Z", "interval": 300}),
    );
    let (id, p) = sim.find_call("MeterValues");
    sim.reply(&id, json!({}));
    sim.answer_all();
    // The interval since the transaction's start (1000 -> 1333 Wh); the set's order (above).
    assert_eq!(
        triples(&p["meterValue"][0]),
        [
            t("Energy.Active.Import.Interval", None, "333"),
            t("Current.Import", Some("L3"), "15.75"),
        ]
    );
    assert_eq!(
        get(&mut sim, "MeterValuesSampledData"),
        json!("Current.Import.L3,Energy.Active.Import.Interval")
    );
    assert_eq!(get(&mut sim, "StopTxnAlignedData"), json!("Voltage.L2-N"));
}
