//! The journal's append-only log, end to end: bytes written per periodic sample, and a power cut
//! at every byte of the stored journal during an offline session.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::sim::{Sim, energy, setup, tag};
use ocpp_core::charge_point::{Event, RecordKey};
use serde_json::json;

fn start(sim: &mut Sim) {
    sim.event(Event::Meter {
        connector: 1,
        readings: energy(1000),
    });
    sim.event(Event::Plugged { connector: 1 });
    sim.event(Event::IdTag {
        connector: Some(1),
        id_tag: tag("CARD"),
    });
    sim.answer_all();
    assert!(sim.cp.transaction(1).is_some());
}

#[test]
fn a_periodic_sample_appends_a_small_record() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "60"}),
    );
    start(&mut sim);
    sim.answer_all();
    let snapshot = sim.cp.storage().get(RecordKey::Journal).unwrap().len();
    for k in 1..=5u32 {
        sim.event(Event::Meter {
            connector: 1,
            readings: energy(1000 + 100 * k),
        });
        let before = sim.cp.storage().bytes;
        sim.advance(60_000);
        let (id, _) = sim.find_call("MeterValues");
        let sampled = sim.cp.storage().bytes - before;
        sim.reply(&id, json!({}));
        sim.answer_all();
        let delivered = sim.cp.storage().bytes - before - sampled;
        println!(
            "sample {k}: {sampled} B appended, delivery {delivered} B (journal snapshot {snapshot} B)"
        );
        assert!(sampled <= 64, "{sampled} bytes for a sample");
        assert!(delivered <= 32, "{delivered} bytes for a delivery");
    }
}

/// Offline, a transaction runs with periodic samples queued, then stops. A power cut may tear
/// the last append at any byte: every restart from a prefix of the record restores without
/// panicking, and no fully appended message is lost (the queue is never shorter than at the
/// previous complete batch).
#[test]
fn a_power_cut_at_every_byte_of_the_journal_restores_what_was_appended() {
    let mut sim = Sim::new(1);
    sim.boot();
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "MeterValueSampleInterval", "value": "60"}),
    );
    sim.call_ok(
        "ChangeConfiguration",
        json!({"key": "AllowOfflineTxForUnknownId", "value": "true"}),
    );
    sim.disconnect();
    start(&mut sim);
    let mut lengths = vec![];
    for k in 1..=4u32 {
        sim.event(Event::Meter {
            connector: 1,
            readings: energy(1000 + 100 * k),
        });
        sim.advance(60_000);
        let len = sim.cp.storage().get(RecordKey::Journal).unwrap().len();
        lengths.push((len, sim.cp.queued_transaction_messages()));
    }
    sim.event(Event::Unplugged { connector: 1 });
    let len = sim.cp.storage().get(RecordKey::Journal).unwrap().len();
    lengths.push((len, sim.cp.queued_transaction_messages()));
    let storage = sim.cp.storage().clone();
    let (first, _) = lengths[0];
    let (full, _) = *lengths.last().unwrap();
    for cut in first..=full {
        let mut s = storage.clone();
        s.truncate(RecordKey::Journal, cut);
        let restarted = Sim::with(setup(1), s, sim.now);
        let (_, queued) = lengths.iter().rev().find(|(l, _)| *l <= cut).unwrap();
        // Restarting stops a transaction found running: one more StopTransaction.
        let got = restarted.cp.queued_transaction_messages();
        assert!(
            got >= *queued,
            "cut at {cut}: {got} queued, {queued} appended"
        );
        assert!(restarted.cp.transaction(1).is_none());
    }
}
