//! `Station`: hardware changes become the right events, actions become the right hardware calls.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::{Call, Rig, Sent, amps, decode};
use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{Action, Event, Instant};
use ocpp_core::types::DateTime;
use ocpp_core::v16::{
    AuthorizeRequest, ChargePointErrorCode as Err, ChargePointStatus as St, ResetType,
    StartTransactionRequest, StopTransactionRequest,
};
use ocpp_hal::sim::SimCharger;
use ocpp_hal::{
    ConnectorLock as _, DEFAULT_POLL_INTERVAL_MS, EnergyOffer as _, LockState,
    READ_FAILURES_BEFORE_FAULT, Station,
};

type R = Rig<SimCharger>;

#[test]
fn plug_and_unplug_become_status_changes() {
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().plug(1);
    rig.turn();
    assert_eq!(
        R::statuses(&rig.answer_all()),
        vec![(1, St::Preparing, Err::NoError)]
    );
    rig.sim().unplug(1);
    rig.turn();
    assert_eq!(
        R::statuses(&rig.answer_all()),
        vec![(1, St::Available, Err::NoError)]
    );
}

#[test]
fn a_state_that_lasts_is_fed_once() {
    // Were `Plugged` fed on every poll, the incipient session would never time out: each one
    // restarts ConnectionTimeOut (60 s by default, §9.1.6).
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().plug(1);
    rig.run(30_000);
    assert_eq!(rig.cp.connector_status(1), Some(St::Preparing));
    let turns = rig.turns;
    rig.run(31_000);
    assert!(
        rig.turns - turns >= 31_000 / DEFAULT_POLL_INTERVAL_MS as u32,
        "the station polls every {DEFAULT_POLL_INTERVAL_MS} ms"
    );
    assert_eq!(rig.cp.connector_status(1), Some(St::Available));
    let statuses = R::statuses(&rig.answer_all());
    assert_eq!(
        statuses,
        vec![
            (1, St::Preparing, Err::NoError),
            (1, St::Available, Err::NoError)
        ]
    );
}

#[test]
fn a_presented_tag_is_authorized() {
    let mut rig = R::new(2);
    rig.boot();
    rig.sim().present_tag(2, "CARD-2");
    rig.turn();
    let (_, payload) = rig.expect_call("Authorize");
    let req: AuthorizeRequest = decode(&payload);
    assert_eq!(req.id_tag.as_str(), "CARD-2");
}

#[test]
fn meter_readings_reach_the_charge_point() {
    let mut rig = R::new(1);
    rig.sim().set_register_wh(1, 123_456);
    rig.boot();
    rig.sim().plug(1);
    rig.sim().present_tag(1, "CARD");
    rig.turn();
    let (id, _) = rig.expect_call("Authorize");
    rig.reply(&id, r#"{"idTagInfo":{"status":"Accepted"}}"#);
    let (_, payload) = rig.expect_call("StartTransaction");
    let start: StartTransactionRequest = decode(&payload);
    assert_eq!(start.meter_start, 123_456);
    assert_eq!(start.connector_id, 1);
}

#[test]
fn actions_become_hardware_calls_lock_before_energy() {
    let mut rig = Rig::recording(1);
    rig.boot();
    rig.take_calls();
    rig.start_session(1, "CARD");
    assert_eq!(
        rig.take_calls(),
        vec![Call::SetLocked(1, true), Call::SetOffer(1, true)],
        "the cable is locked before energy is offered"
    );
    assert!(rig.sim().is_offering(1));
    assert_eq!(rig.sim().lock(1), Some(LockState::Locked));
    assert!(
        rig.actions
            .contains(&Action::TransactionStarted { connector: 1 })
    );
    // Stopped by the same card: energy off, then the cable is released.
    rig.sim().present_tag(1, "CARD");
    rig.turn();
    assert_eq!(
        rig.take_calls(),
        vec![Call::SetOffer(1, false), Call::SetLocked(1, false)]
    );
    assert!(!rig.sim().is_offering(1));
    assert_eq!(rig.sim().lock(1), Some(LockState::Unlocked));
}

#[test]
fn the_ev_state_gives_charging_and_suspended_ev() {
    let mut rig = R::new(1);
    rig.boot();
    rig.start_session(1, "CARD");
    assert_eq!(rig.cp.connector_status(1), Some(St::SuspendedEv));
    rig.sim().set_ev_power(1, 7_000);
    rig.turn();
    assert_eq!(rig.cp.connector_status(1), Some(St::Charging));
    rig.sim().set_ev_power(1, 0);
    rig.turn();
    assert_eq!(rig.cp.connector_status(1), Some(St::SuspendedEv));
    let statuses = R::statuses(&rig.answer_all());
    assert_eq!(
        statuses,
        vec![
            (1, St::Charging, Err::NoError),
            (1, St::SuspendedEv, Err::NoError)
        ]
    );
}

#[test]
fn a_hardware_fault_is_reported_and_cleared() {
    let mut rig = R::new(1);
    rig.boot();
    rig.start_session(1, "CARD");
    rig.sim().set_ev_power(1, 7_000);
    rig.turn();
    rig.answer_all();
    rig.sim().set_fault(1, Some(Err::GroundFailure));
    rig.turn();
    assert_eq!(
        R::statuses(&rig.answer_all()),
        vec![(1, St::Faulted, Err::GroundFailure)]
    );
    assert!(!rig.sim().is_offering(1), "a fault switches the offer off");
    assert_eq!(rig.station.fault(1), Some(Err::GroundFailure));
    rig.sim().set_fault(1, None);
    rig.turn();
    rig.turn();
    assert!(rig.sim().is_offering(1), "the transaction resumes");
    assert_eq!(rig.station.fault(1), None);
    let statuses = R::statuses(&rig.answer_all());
    assert_eq!(statuses.last(), Some(&(1, St::Charging, Err::NoError)));
}

#[test]
fn meter_failures_are_debounced_then_reported_then_cleared() {
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().failures_mut(1).unwrap().meter = true;
    for _ in 1..READ_FAILURES_BEFORE_FAULT {
        rig.turn();
    }
    assert_eq!(rig.cp.connector_status(1), Some(St::Available));
    rig.turn();
    assert_eq!(rig.cp.connector_status(1), Some(St::Faulted));
    let (_, payload) = rig.expect_call("StatusNotification");
    assert!(
        payload.contains(r#""errorCode":"PowerMeterFailure""#),
        "{payload}"
    );
    assert!(
        payload.contains(r#""info":"MeterFailure""#),
        "the error's Debug text: {payload}"
    );
    rig.answer_all();
    rig.sim().failures_mut(1).unwrap().meter = false;
    rig.turn();
    assert_eq!(rig.cp.connector_status(1), Some(St::Available));
    assert_eq!(
        rig.station.errors().meter,
        u32::from(READ_FAILURES_BEFORE_FAULT)
    );
}

#[test]
fn a_failed_switch_latches_until_cleared() {
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().failures_mut(1).unwrap().switch = true;
    rig.start_session(1, "CARD");
    assert_eq!(rig.cp.connector_status(1), Some(St::Faulted));
    assert_eq!(rig.station.fault(1), Some(Err::PowerSwitchFailure));
    // The switch works again: the fault stays (a contactor that failed once is suspect).
    rig.sim().failures_mut(1).unwrap().switch = false;
    rig.run(5_000);
    assert_eq!(rig.cp.connector_status(1), Some(St::Faulted));
    rig.station.clear_fault(1);
    rig.drain();
    assert!(rig.sim().is_offering(1), "cleared: the offer resumes");
    assert_eq!(rig.cp.connector_status(1), Some(St::SuspendedEv));
    assert!(rig.station.errors().offer >= 1);
}

#[test]
fn unlock_connector_is_answered_from_the_lock() {
    let mut rig = R::new(1);
    rig.boot();
    rig.start_session(1, "CARD");
    assert_eq!(rig.sim().lock(1), Some(LockState::Locked));
    let (_, answer) = rig.cs_call("UnlockConnector", r#"{"connectorId":1}"#);
    assert!(
        matches!(&answer, Some(Sent::Result { payload, .. }) if payload == r#"{"status":"Unlocked"}"#),
        "{answer:?}"
    );
    assert_eq!(rig.sim().lock(1), Some(LockState::Unlocked));
    // §5.18: the transaction was stopped first.
    let calls = rig.answer_all();
    let stop = calls.iter().find(|(a, _)| a == "StopTransaction").unwrap();
    let stop: StopTransactionRequest = decode(&stop.1);
    assert_eq!(
        stop.reason,
        Some(ocpp_core::v16::Reason::UnlockCommand),
        "{stop:?}"
    );
}

#[test]
fn a_slow_lock_is_answered_when_it_has_moved() {
    let mut rig = R::new(1);
    rig.sim().set_lock_travel(800);
    rig.boot();
    rig.sim().plug(1);
    rig.turn();
    let (id, answer) = rig.cs_call("UnlockConnector", r#"{"connectorId":1}"#);
    assert_eq!(answer, None, "the lock is moving: no answer yet");
    assert_eq!(rig.sim().lock(1), Some(LockState::Moving));
    rig.run(500);
    assert_eq!(rig.take_answer(&id), None);
    rig.run(500);
    match rig.take_answer(&id) {
        Some(Sent::Result { payload, .. }) => assert_eq!(payload, r#"{"status":"Unlocked"}"#),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_jammed_lock_answers_unlock_failed() {
    let mut rig = R::new(1);
    rig.boot();
    rig.start_session(1, "CARD");
    rig.sim().failures_mut(1).unwrap().lock_jammed = true;
    let (_, answer) = rig.cs_call("UnlockConnector", r#"{"connectorId":1}"#);
    assert!(
        matches!(&answer, Some(Sent::Result { payload, .. }) if payload == r#"{"status":"UnlockFailed"}"#),
        "{answer:?}"
    );
    assert_eq!(rig.sim().lock(1), Some(LockState::Locked));
}

#[test]
fn a_failing_lock_answers_unlock_failed_and_faults() {
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().failures_mut(1).unwrap().lock = true;
    let (_, answer) = rig.cs_call("UnlockConnector", r#"{"connectorId":1}"#);
    assert!(
        matches!(&answer, Some(Sent::Result { payload, .. }) if payload == r#"{"status":"UnlockFailed"}"#),
        "{answer:?}"
    );
    assert_eq!(
        R::statuses(&rig.answer_all()),
        vec![(1, St::Faulted, Err::ConnectorLockFailure)]
    );
}

#[test]
fn reset_restarts_the_hardware_and_a_new_charge_point_takes_over() {
    let mut rig = Rig::recording(1);
    rig.boot();
    rig.start_session(1, "CARD");
    rig.take_calls();
    let (_, answer) = rig.cs_call("Reset", r#"{"type":"Soft"}"#);
    assert!(
        matches!(&answer, Some(Sent::Result { payload, .. }) if payload == r#"{"status":"Accepted"}"#)
    );
    // The charge point stops the transaction, delivers StopTransaction, then asks for the reset.
    let calls = rig.answer_all();
    assert!(calls.iter().any(|(a, _)| a == "StopTransaction"));
    rig.turn();
    assert_eq!(rig.resets, vec![ResetType::Soft]);
    assert_eq!(
        rig.take_calls(),
        vec![
            Call::SetOffer(1, false),
            Call::SetLocked(1, false),
            Call::Reset(ResetType::Soft)
        ]
    );
    assert_eq!(rig.station.hal().sim.resets(), 1);
    // On a host the reset returns: a new charge point from the same storage, and a resync.
    let storage = core::mem::replace(
        &mut rig.cp,
        common::new_cp(common::setup(1), common::Store::new(), rig.now),
    )
    .into_storage();
    rig.cp = common::new_cp(common::setup(1), storage, rig.now);
    rig.station.resync();
    rig.inbox.clear();
    rig.boot();
    rig.turn();
    // The cable is still in: the new charge point hears of it.
    assert_eq!(rig.cp.connector_status(1), Some(St::Preparing));
}

#[test]
fn a_failed_reset_reports_reset_failure_on_connector_zero() {
    let mut rig = R::new(1);
    rig.sim().set_reset_failing(true);
    rig.boot();
    rig.cs_call("Reset", r#"{"type":"Hard"}"#);
    rig.turn();
    assert!(rig.resets.is_empty(), "the failed reset is not returned");
    assert_eq!(rig.station.fault(0), Some(Err::ResetFailure));
    assert_eq!(
        R::statuses(&rig.answer_all()),
        vec![(0, St::Faulted, Err::ResetFailure)]
    );
}

#[test]
fn a_failing_reader_is_counted_not_faulted() {
    let mut rig = R::new(1);
    rig.boot();
    rig.sim().set_reader_failing(true);
    rig.run(2_000);
    assert!(rig.station.errors().reader >= 8);
    assert_eq!(rig.cp.connector_status(0), Some(St::Available));
    assert_eq!(rig.cp.connector_status(1), Some(St::Available));
    rig.sim().set_reader_failing(false);
    rig.sim().present_tag(None, "CARD");
    rig.turn();
    rig.expect_call("Authorize");
}

#[test]
fn the_real_time_clock_sets_the_wall_clock_once() {
    let mut rig = R::new(1);
    let t = DateTime::parse("2030-01-02T03:04:05Z").unwrap();
    rig.sim().set_rtc(Some(t));
    rig.run(1_000);
    assert_eq!(rig.cp.wall_clock(rig.now), t.add_millis(1_000));
    // The central system's time wins afterwards: the clock is not fed again.
    rig.boot();
    rig.run(1_000);
    let cs = DateTime::parse(&common::cs_time(rig.now)).unwrap();
    assert_eq!(rig.cp.wall_clock(rig.now), cs);
}

#[test]
fn the_deadline_includes_the_next_hardware_poll() {
    let mut rig = R::new(1);
    rig.boot();
    // After a turn, the hardware poll bounds the sleep.
    rig.run(1_000);
    let now = rig.now;
    let next = rig.deadline;
    assert!(next > now && next <= now.add_millis(DEFAULT_POLL_INTERVAL_MS));
    assert_eq!(rig.station.deadline(None), rig.station.next_poll());
    rig.station.set_poll_interval(50);
    rig.turn();
    assert_eq!(rig.deadline, now.add_millis(50));
}

#[test]
fn poll_event_and_apply_for_a_driver_that_drains_itself() {
    let mut sim = SimCharger::new(1);
    sim.plug(1);
    let mut station = Station::new(sim, 1);
    let mut cp = common::new_cp(common::setup(1), common::Store::new(), Instant(0));
    let mut buf = vec![0u8; 16 * 1024];
    let now = Instant(0);
    let mut events = Vec::new();
    let mut deadline;
    loop {
        // Drain: actions through the station, nothing else (not connected).
        loop {
            match cp.poll_output(now, &mut buf) {
                Output::Transmit(frame) => panic!("not connected: {frame}"),
                Output::Action(action) => {
                    let _ = station.apply(action, now);
                }
                Output::Timeout(t) => {
                    deadline = t;
                    break;
                }
            }
        }
        // One event per input.
        let Some(event) = station.poll_event(&cp, now) else {
            break;
        };
        events.push(event.clone());
        cp.handle_input(Input::Event(event), now).unwrap();
    }
    assert!(
        events.contains(&Event::Plugged { connector: 1 }),
        "{events:?}"
    );
    assert_eq!(cp.connector_status(1), Some(St::Preparing));
    assert_eq!(cp.dropped_outputs(), 0);
    // Nothing more until the next poll.
    assert_eq!(station.poll_event(&cp, now), None);
    assert_eq!(
        station.deadline(deadline),
        deadline.map_or(station.next_poll(), |t| t.min(station.next_poll()))
    );
    // A limit goes straight to the hardware.
    station.hal_mut().set_limit(1, Some(amps(10))).unwrap();
    assert_eq!(station.hal().limit(1), Some(amps(10)));
}

#[test]
fn the_first_poll_puts_idle_connectors_in_the_safe_state() {
    // A cable left locked by a transaction the power loss interrupted is released.
    let mut hal = common::Recorder::new(2);
    hal.sim.plug(2);
    hal.sim.set_locked(2, true).unwrap();
    let mut rig = Rig::with(hal, 2);
    assert_eq!(
        rig.take_calls(),
        vec![
            Call::SetOffer(1, false),
            Call::SetLocked(1, false),
            Call::SetOffer(2, false),
            Call::SetLocked(2, false)
        ]
    );
    assert_eq!(rig.sim().lock(2), Some(LockState::Unlocked));
    rig.run(1_000);
    assert_eq!(rig.take_calls(), vec![], "once");
}
