//! The simulated charger: energy flows at min(EV power, offered power), and only while the cable
//! is in, the offer on and the EV draws.
#![allow(clippy::unwrap_used)]

use ocpp_core::charge_point::{Instant, Reading};
use ocpp_core::types::{DateTime, Decimal};
use ocpp_core::v16::{ChargePointErrorCode, ChargingRateUnit, ResetType};
use ocpp_hal::sim::{DEFAULT_EV_POWER_W, DEFAULT_MAX_POWER_W, SimCharger, SimError};
use ocpp_hal::{
    ChargingLimit, Clock, ConnectorLock, ConnectorSensor, EnergyOffer, IdTagReader, LockState,
    Meter, Reset,
};

const HOUR: u64 = 3_600_000;

fn charging(ev_watts: u32) -> SimCharger {
    let mut sim = SimCharger::new(1);
    sim.plug(1);
    sim.set_ev_power(1, ev_watts);
    sim.set_offer(1, true).unwrap();
    sim
}

#[test]
fn energy_flows_at_the_ev_power_when_below_the_offer() {
    let mut sim = charging(7_400);
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_wh(1), 7_400);
    assert_eq!(sim.power_w(1), 7_400);
    assert!(sim.state(1).unwrap().ev_charging);
}

/// The simulator's contract (docs/simulator.md): an EV draws 11 kW until `ev <c> <watts>` says
/// otherwise. It shipped at 0 W once, and a central system saw no energy at all.
#[test]
fn an_ev_draws_11_kw_by_default() {
    assert_eq!(DEFAULT_EV_POWER_W, 11_000);
    let mut sim = SimCharger::new(1);
    sim.plug(1);
    sim.set_offer(1, true).unwrap();
    sim.advance(Instant(HOUR));
    assert_eq!(sim.power_w(1), 11_000.min(DEFAULT_MAX_POWER_W));
    assert_eq!(
        sim.register_wh(1),
        i64::from(11_000.min(DEFAULT_MAX_POWER_W))
    );
    assert!(sim.state(1).unwrap().ev_charging);
}

#[test]
fn energy_flows_at_the_offer_when_the_ev_wants_more() {
    let mut sim = charging(50_000);
    sim.advance(Instant(HOUR / 2));
    assert_eq!(sim.power_w(1), DEFAULT_MAX_POWER_W);
    assert_eq!(sim.register_wh(1), i64::from(DEFAULT_MAX_POWER_W) / 2);
}

#[test]
fn a_limit_cuts_the_offer_in_amps_or_watts() {
    let mut sim = charging(50_000);
    let amps = ChargingLimit {
        unit: ChargingRateUnit::A,
        limit: Decimal::from_int(10),
        number_phases: None,
    };
    sim.set_limit(1, Some(amps)).unwrap();
    // §7.12: A is per phase; §7.14: three phases unless told.
    assert_eq!(sim.offered_power_w(1), 10 * 230 * 3);
    let one_phase = ChargingLimit {
        number_phases: Some(1),
        ..amps
    };
    sim.set_limit(1, Some(one_phase)).unwrap();
    assert_eq!(sim.offered_power_w(1), 2_300);
    let watts = ChargingLimit {
        unit: ChargingRateUnit::W,
        limit: Decimal::from_tenths(36_005),
        number_phases: None,
    };
    sim.set_limit(1, Some(watts)).unwrap();
    assert_eq!(sim.offered_power_w(1), 3_600);
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_wh(1), 3_600);
    sim.set_limit(1, None).unwrap();
    assert_eq!(sim.offered_power_w(1), DEFAULT_MAX_POWER_W);
}

#[test]
fn no_energy_without_offer_cable_demand_or_health() {
    // Offer off.
    let mut sim = charging(7_000);
    sim.set_offer(1, false).unwrap();
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_mwh(1), 0);
    assert_eq!(sim.offered_power_w(1), 0);
    // Unplugged.
    let mut sim = charging(7_000);
    sim.unplug(1);
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_mwh(1), 0);
    // The EV does not draw.
    let mut sim = charging(0);
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_mwh(1), 0);
    assert!(!sim.state(1).unwrap().ev_charging);
    assert!(sim.state(1).unwrap().plugged);
    // A fault on the connector or on the charge point.
    for c in [0, 1] {
        let mut sim = charging(7_000);
        sim.set_fault(c, Some(ChargePointErrorCode::GroundFailure));
        sim.advance(Instant(HOUR));
        assert_eq!(sim.register_mwh(1), 0);
        assert_eq!(
            ConnectorSensor::fault(&mut sim, c),
            Some(ChargePointErrorCode::GroundFailure)
        );
    }
}

#[test]
fn energy_follows_the_state_over_each_interval() {
    let mut sim = charging(6_000);
    sim.set_register_wh(1, 1_000);
    sim.advance(Instant(HOUR / 4)); // 1500 Wh
    sim.set_offer(1, false).unwrap();
    sim.advance(Instant(HOUR / 2)); // nothing
    sim.set_offer(1, true).unwrap();
    sim.set_ev_power(1, 2_000);
    sim.advance(Instant(HOUR)); // 1000 Wh
    assert_eq!(sim.register_wh(1), 1_000 + 1_500 + 1_000);
    // Time does not go back.
    sim.advance(Instant(HOUR / 2));
    assert_eq!(sim.now(), Instant(HOUR));
    assert_eq!(sim.register_wh(1), 3_500);
}

#[test]
fn small_steps_do_not_drift() {
    let mut sim = charging(3_601);
    for s in 1..=3_600 {
        sim.advance(Instant(s * 1_000));
    }
    assert_eq!(sim.register_mwh(1), 3_601_000);
}

#[test]
fn a_battery_fills_and_the_ev_stops() {
    let mut sim = charging(10_000);
    sim.set_ev_battery(1, 20_000, 95); // 1 kWh of room
    assert_eq!(sim.soc_percent(1), Some(95));
    sim.advance(Instant(HOUR / 12)); // 833 Wh
    assert_eq!(sim.soc_percent(1), Some(99));
    assert!(sim.state(1).unwrap().ev_charging);
    sim.advance(Instant(HOUR));
    assert_eq!(sim.register_wh(1), 1_000);
    assert_eq!(sim.soc_percent(1), Some(100));
    assert_eq!(sim.power_w(1), 0);
    assert!(!sim.state(1).unwrap().ev_charging);
}

#[test]
fn the_meter_reports_energy_power_current_voltage_and_soc() {
    let mut sim = charging(6_900);
    sim.set_ev_battery(1, 50_000, 40);
    sim.set_register_wh(1, 500);
    sim.advance(Instant(HOUR / 10));
    let r = sim.read(1).unwrap().unwrap();
    assert_eq!(r.energy_active_import_wh, Reading::from_int(1_190));
    assert_eq!(r.power_active_import_w, Reading::from_int(6_900));
    assert_eq!(r.current_import_a, [Reading::from_int(10); 3]);
    assert_eq!(r.voltage_v, [Reading::from_int(230); 3]);
    assert_eq!(r.power_offered_w, Reading::from_int(11_040));
    assert_eq!(r.current_offered_a, Reading::from_int(16));
    assert_eq!(r.soc_percent, Reading::from_int(41));
    assert_eq!(r.meter_register_wh(), Some(1_190));
    // Single phase: all the current on L1.
    sim.set_phases(1);
    let r = sim.read(1).unwrap().unwrap();
    assert_eq!(
        r.current_import_a,
        [Reading::from_int(30), None, None],
        "6900 W / 230 V"
    );
    // No main meter; no connector 2.
    assert_eq!(sim.read(0).unwrap(), None);
    assert_eq!(sim.read(2), Err(SimError::NoSuchConnector));
}

#[test]
fn failures_can_be_injected() {
    let mut sim = charging(7_000);
    let f = sim.failures_mut(1).unwrap();
    f.meter = true;
    f.sensor = true;
    f.switch = true;
    f.lock = true;
    assert_eq!(sim.read(1), Err(SimError::MeterFailure));
    assert_eq!(sim.state(1), Err(SimError::SensorFailure));
    assert_eq!(sim.set_offer(1, false), Err(SimError::SwitchFailure));
    assert!(sim.is_offering(1), "a failed switch stays where it was");
    assert_eq!(sim.set_locked(1, true), Err(SimError::LockFailure));
    sim.set_reader_failing(true);
    assert_eq!(sim.poll_id_tag(), Err(SimError::ReaderFailure));
    sim.set_reset_failing(true);
    assert_eq!(sim.reset(ResetType::Hard), Err(SimError::ResetFailure));
    assert_eq!(sim.resets(), 0);
}

#[test]
fn the_lock_takes_its_time_and_can_jam() {
    let mut sim = SimCharger::new(1);
    sim.set_lock_travel(300);
    assert_eq!(sim.lock_state(1), Ok(LockState::Unlocked));
    sim.set_locked(1, true).unwrap();
    assert_eq!(sim.lock_state(1), Ok(LockState::Moving));
    sim.advance(Instant(299));
    assert_eq!(sim.lock_state(1), Ok(LockState::Moving));
    sim.advance(Instant(300));
    assert_eq!(sim.lock_state(1), Ok(LockState::Locked));
    sim.failures_mut(1).unwrap().lock_jammed = true;
    sim.set_locked(1, false).unwrap();
    sim.advance(Instant(1_000));
    assert_eq!(sim.lock_state(1), Ok(LockState::Locked));
}

#[test]
fn tags_come_out_in_order_once() {
    let mut sim = SimCharger::new(2);
    assert!(sim.present_tag(1, "A"));
    assert!(sim.present_tag(None, "B"));
    assert!(!sim.present_tag(2, "THIS-IS-LONGER-THAN-20"));
    let a = sim.poll_id_tag().unwrap().unwrap();
    assert_eq!((a.connector, a.id_tag.as_str()), (Some(1), "A"));
    let b = sim.poll_id_tag().unwrap().unwrap();
    assert_eq!((b.connector, b.id_tag.as_str()), (None, "B"));
    assert_eq!(sim.poll_id_tag(), Ok(None));
}

#[test]
fn the_rtc_runs_with_the_simulation() {
    let mut sim = SimCharger::new(1);
    assert_eq!(Clock::now(&sim), None);
    sim.advance(Instant(5_000));
    let t = DateTime::parse("2025-06-01T08:00:00Z").unwrap();
    sim.set_rtc(Some(t));
    sim.advance(Instant(65_000));
    assert_eq!(Clock::now(&sim), Some(t.add_millis(60_000)));
}

#[test]
fn a_reset_switches_the_offers_off() {
    let mut sim = charging(7_000);
    sim.reset(ResetType::Soft).unwrap();
    assert!(!sim.is_offering(1));
    assert_eq!(sim.resets(), 1);
    assert_eq!(sim.take_reset(), Some(ResetType::Soft));
    assert_eq!(sim.take_reset(), None);
}
