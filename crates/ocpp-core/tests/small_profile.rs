//! The small profile (`SmallChargePoint`: two connectors, `SmallLimits`) keeps every guarantee
//! of the default one within its smaller budgets: it declares its capacities (§9.1.8, §9.4.3,
//! §9.4.5), refuses what does not fit the spec's way (§5.16), and loses no transaction message
//! when its journal queue (1 KB, half the default's) fills offline (§3.7).
#![allow(clippy::unwrap_used, clippy::panic, clippy::missing_panics_doc)]

mod common;

use common::sim::{SmallSim, energy, tag};
use ocpp_core::charge_point::{Action, Event};
use serde_json::{Value, json};

fn key(conf: &Value, name: &str) -> String {
    conf["configurationKey"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == name)
        .unwrap_or_else(|| panic!("{name} not reported"))["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_small_profile_declares_its_capacities() {
    let mut sim = SmallSim::new_small(2);
    sim.boot();
    let conf = sim.call_ok(
        "GetConfiguration",
        json!({"key": ["LocalAuthListMaxLength", "MaxChargingProfilesInstalled",
                        "ChargingScheduleMaxPeriods", "NumberOfConnectors"]}),
    );
    assert_eq!(key(&conf, "LocalAuthListMaxLength"), "32");
    assert_eq!(key(&conf, "MaxChargingProfilesInstalled"), "4");
    assert_eq!(key(&conf, "ChargingScheduleMaxPeriods"), "48");
    assert_eq!(key(&conf, "NumberOfConnectors"), "2");
}

/// A TxDefaultProfile with `periods` periods and the given id and stack level.
fn profile(id: i32, stack_level: i32, periods: usize) -> Value {
    let periods: Vec<Value> = (0..periods)
        .map(|i| json!({"startPeriod": i * 60, "limit": 16.0}))
        .collect();
    json!({"connectorId": 0, "csChargingProfiles": {
        "chargingProfileId": id, "stackLevel": stack_level,
        "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": periods}}})
}

#[test]
fn profiles_beyond_the_small_budgets_are_rejected() {
    let mut sim = SmallSim::new_small(2);
    sim.boot();
    for id in 1..=4 {
        let conf = sim.call_ok("SetChargingProfile", profile(id, id, 2));
        assert_eq!(conf, json!({"status": "Accepted"}), "profile {id}");
    }
    // A fifth profile: no slot (MaxChargingProfilesInstalled is 4).
    let conf = sim.call_ok("SetChargingProfile", profile(5, 5, 2));
    assert_eq!(conf, json!({"status": "Rejected"}));
    // Replacing one (same stack level and purpose) is fine, unless its periods do not fit the
    // pool of 48 beside the others' 6.
    let conf = sim.call_ok("SetChargingProfile", profile(6, 4, 42));
    assert_eq!(conf, json!({"status": "Accepted"}));
    let conf = sim.call_ok("SetChargingProfile", profile(7, 3, 45));
    assert_eq!(conf, json!({"status": "Rejected"}));
}

#[test]
fn offline_sessions_fill_the_small_journal_and_lose_no_transaction_message() {
    let mut sim = SmallSim::new_small(2);
    sim.boot();
    // The card is accepted once online, so it is in the cache for offline starts (§3.5.1).
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    sim.answer_all();
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    sim.answer_all();
    sim.take_actions();
    sim.disconnect();
    let mut wh = 1_000;
    for n in 0..40u32 {
        let c = 1 + n % 2;
        sim.event(Event::Meter {
            connector: c,
            readings: energy(wh),
        });
        sim.event(Event::Plugged { connector: c });
        sim.event(Event::IdTag {
            connector: Some(c),
            id_tag: tag("CARD"),
        });
        sim.advance(60_000);
        wh += 500;
        sim.event(Event::Meter {
            connector: c,
            readings: energy(wh),
        });
        sim.event(Event::IdTag {
            connector: Some(c),
            id_tag: tag("CARD"),
        });
        sim.event(Event::Unplugged { connector: c });
    }
    let actions = sim.take_actions();
    let started = actions
        .iter()
        .filter(|a| matches!(a, Action::TransactionStarted { .. }))
        .count();
    let stopped = actions
        .iter()
        .filter(|a| matches!(a, Action::TransactionStopped { .. }))
        .count();
    assert_eq!(started, stopped);
    assert!(started > 0, "no session could start offline");
    assert!(
        started < 40,
        "the 1 KB journal queue should have refused some sessions, {started} started"
    );
    sim.connect();
    let calls = sim.answer_all();
    let count = |action: &str| calls.iter().filter(|(a, _)| a == action).count();
    assert_eq!(count("StartTransaction"), started, "{calls:?}");
    assert_eq!(count("StopTransaction"), stopped, "{calls:?}");
}
