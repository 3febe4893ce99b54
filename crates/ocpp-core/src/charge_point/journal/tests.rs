//! The journal's log: power cuts at every byte, corruption, compaction, sizes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

extern crate std;

use std::boxed::Box;
use std::vec::Vec;

use super::codec::{self, Reader, Writer};
use super::*;
use crate::charge_point::metering::Reading;
use crate::charge_point::storage::{MemoryStorage, RecordKey, Storage};
use crate::limits::JOURNAL_RECORD_MAX;
use crate::limits::MAX_CONNECTORS;

type Mem = MemoryStorage<JOURNAL_RECORD_MAX>;

fn t(s: i64) -> DateTime {
    DateTime::from_unix_millis(1_700_000_000_000 + s * 1000).unwrap()
}

fn readings(wh: i64) -> MeterReadings {
    let mut r = MeterReadings::EMPTY;
    r.energy_active_import_wh = Reading::from_int(wh);
    r
}

fn three_phase(wh: i64) -> MeterReadings {
    let mut r = readings(wh);
    r.power_active_import_w = Reading::from_int(11_000);
    r.current_import_a = [Reading::from_int(16); 3];
    r.voltage_v = [Reading::from_milli(230_400); 3];
    r.soc_percent = Reading::from_int(42);
    r
}

fn tag(s: &str) -> IdToken {
    IdToken::try_from(s).unwrap()
}

fn sample(s: i64, r: MeterReadings) -> Sample {
    Sample {
        timestamp: t(s),
        context: ReadingContext::SamplePeriodic,
        measurands: measurand_mask(&[Measurand::EnergyActiveImportRegister]),
        readings: r,
        intervals: IntervalValues::NONE,
    }
}

const LISTS: StopTxnMeasurands<'static> = StopTxnMeasurands {
    sampled: &[MeterItem::plain(Measurand::EnergyActiveImportRegister)],
    aligned: &[],
};

fn start(j: &mut Journal, connector: ConnectorId, s: i64) -> u32 {
    let local_id = j.next_local_id;
    j.next_local_id += 1;
    let mut data = StopData::new();
    data.begin(t(s), &readings(1000));
    j.begin_transaction(Transaction {
        local_id,
        connector,
        id_tag: tag("CARD-1"),
        parent_id_tag: None,
        meter_start: 1000,
        started: t(s),
        transaction_id: None,
        reservation_id: Some(7),
        deauthorized: false,
        last_meter: 1000,
        last_seen: t(s),
        data,
    })
    .unwrap();
    j.enqueue(TxMessage::Start {
        local_id,
        connector,
        id_tag: tag("CARD-1"),
        meter_start: 1000,
        timestamp: t(s),
        reservation_id: Some(7),
    })
    .unwrap();
    local_id
}

fn stop(j: &mut Journal, connector: ConnectorId, s: i64) {
    let mut tx = j.end_transaction(connector).unwrap();
    tx.data.end(t(s), &readings(2000));
    j.enqueue(TxMessage::Stop {
        local_id: tx.local_id,
        transaction_id: tx.transaction_id,
        id_tag: Some(tag("CARD-1")),
        meter_stop: 2000,
        timestamp: t(s),
        reason: Reason::Local,
    })
    .unwrap();
    j.keep_stop_data(StopEntry {
        local_id: tx.local_id,
        data: tx.data,
        sampled: 1,
        aligned: 0,
    });
}

fn restored(storage: &mut Mem) -> Box<Journal> {
    let mut buf = std::vec![0u8; JOURNAL_RECORD_MAX];
    let mut j = Box::<Journal>::default();
    if let Some(data) = storage.load(RecordKey::Journal, &mut buf).unwrap() {
        j.restore(data);
    }
    j
}

/// A scripted history of events, flushed after each: the journal after each flush and the
/// stored length then.
fn history(storage: &mut Mem) -> Vec<(Box<Journal>, usize)> {
    let mut j = Box::<Journal>::default();
    let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
    let mut states = Vec::new();
    let mut step = |j: &mut Journal, storage: &mut Mem| {
        let f = j.flush(storage, &mut scratch);
        assert_ne!(f, Flushed::Failed);
        let len = storage.get(RecordKey::Journal).map_or(0, <[u8]>::len);
        states.push((Box::new(j.clone()), len));
    };
    j.inoperative = 0b100;
    step(&mut j, storage);
    let a = start(&mut j, 1, 0);
    step(&mut j, storage);
    for k in 1..=5 {
        assert!(j.record_sample(1, sample(k * 60, three_phase(1000 + k * 100)), &LISTS));
        step(&mut j, storage);
    }
    let b = start(&mut j, 2, 100);
    j.pop_front(); // Start of `a` delivered
    j.assign_transaction_id(a, 4242);
    if let Some(tx) = j.transaction_mut(1) {
        tx.parent_id_tag = Some(tag("GROUP"));
    }
    step(&mut j, storage);
    j.head_failed();
    step(&mut j, storage);
    assert!(j.record_sample(2, sample(160, readings(5000)), &LISTS));
    stop(&mut j, 1, 400);
    step(&mut j, storage);
    j.pop_front();
    j.reservations
        .push(Reservation {
            id: 3,
            connector: 0,
            id_tag: tag("R"),
            parent_id_tag: Some(tag("P")),
            expiry: t(9000),
        })
        .unwrap();
    j.firmware_status_after_boot = Some(FirmwareStatus::Installed);
    step(&mut j, storage);
    // A signed firmware's requestId for after the restart (security whitepaper L01.FR.15),
    // in the same slot of the log.
    #[cfg(feature = "profile-security")]
    {
        j.firmware_status_after_boot = None;
        j.signed_firmware_after_boot = Some(-7);
        step(&mut j, storage);
    }
    j.drop_transaction_messages(b);
    j.forget_stop_data(a);
    step(&mut j, storage);
    states
}

#[test]
fn crc32_is_iso_hdlc() {
    assert_eq!(codec::crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(codec::crc32(b""), 0);
}

#[test]
fn messages_round_trip() {
    let messages = [
        TxMessage::Start {
            local_id: u32::MAX,
            connector: 3,
            id_tag: tag("ABCDEFGHIJKLMNOPQRST"),
            meter_start: i32::MIN,
            timestamp: t(-5),
            reservation_id: Some(-1),
        },
        TxMessage::Stop {
            local_id: 1,
            transaction_id: Some(i32::MAX),
            id_tag: None,
            meter_stop: i32::MAX,
            timestamp: t(5),
            reason: Reason::PowerLoss,
        },
        TxMessage::Meter {
            local_id: 2,
            transaction_id: None,
            connector: 1,
            sample: sample(7, three_phase(123_456_789)),
        },
        TxMessage::Meter {
            local_id: 3,
            transaction_id: None,
            connector: 1,
            sample: Sample {
                measurands: u32::MAX >> 1,
                intervals: IntervalValues {
                    active_import_wh: Reading::from_milli(1_500),
                    active_export_wh: None,
                },
                ..sample(8, three_phase(2_000))
            },
        },
        TxMessage::Meter {
            local_id: 3,
            transaction_id: None,
            connector: 1,
            sample: Sample {
                intervals: IntervalValues {
                    active_import_wh: Reading::from_milli(0),
                    active_export_wh: Reading::from_milli(999_999_999_999_999_999),
                },
                ..sample(9, MeterReadings::EMPTY)
            },
        },
    ];
    for m in &messages {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        codec::message(&mut w, m).unwrap();
        let n = w.pos();
        let mut r = Reader::new(&buf[..n]);
        assert_eq!(codec::read_message(&mut r).as_ref(), Some(m));
        assert!(r.is_empty());
        // A truncated message never decodes (and never panics).
        for cut in 0..n {
            assert!(codec::read_message(&mut Reader::new(&buf[..cut])).is_none());
        }
    }
}

#[test]
fn replay_after_restart_equals_the_journal() {
    let mut storage = Mem::new();
    let states = history(&mut storage);
    let (last, _) = states.last().unwrap();
    assert_eq!(&restored(&mut storage), last);
    assert!(!last.queue.is_empty());
}

/// A power cut at every byte of every append: the journal restored is the state after the last
/// batch that was stored whole, never a mix.
#[test]
fn power_cut_at_every_byte_keeps_every_complete_batch() {
    let mut storage = Mem::new();
    let states = history(&mut storage);
    let full = storage.get(RecordKey::Journal).unwrap().to_vec();
    let first = states[0].1;
    assert!(full.len() > first, "the history appended");
    for len in first..=full.len() {
        let mut cut = storage.clone();
        cut.truncate(RecordKey::Journal, len);
        let j = restored(&mut cut);
        let expected = states.iter().rev().find(|(_, l)| *l <= len).unwrap();
        assert_eq!(*j, *expected.0, "cut at {len}");
        // A torn tail is rewritten at the next flush, not appended to.
        assert_eq!(j.needs_snapshot(), len != expected.1);
    }
    // Below the first snapshot: nothing (no header), never a panic.
    for len in 0..first {
        let mut cut = storage.clone();
        cut.truncate(RecordKey::Journal, len);
        assert_eq!(*restored(&mut cut), Journal::default());
    }
}

#[test]
fn a_corrupt_crc_in_the_middle_ends_the_replay_there() {
    let mut storage = Mem::new();
    let states = history(&mut storage);
    let k = 4;
    let (before, end) = (&states[k - 1].0, states[k - 1].1);
    // Flip a byte in the payload of batch k (right after the end of batch k - 1).
    storage.get_mut(RecordKey::Journal).unwrap()[end + 4] ^= 0x55;
    let j = restored(&mut storage);
    assert_eq!(&j, before);
    assert!(j.needs_snapshot());
    // The next flush compacts rather than appending after the damage.
    let mut j = j;
    let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
    j.persist_test_change();
    assert!(matches!(
        j.flush(&mut storage, &mut scratch),
        Flushed::Snapshot(_)
    ));
    assert_eq!(restored(&mut storage), j);
}

impl Journal {
    fn persist_test_change(&mut self) {
        self.inoperative ^= 1;
    }
}

#[test]
fn compaction_keeps_the_content() {
    let mut storage = Mem::new();
    let states = history(&mut storage);
    let (last, _) = states.last().unwrap();
    let mut j = restored(&mut storage);
    let mut buf = std::vec![0u8; JOURNAL_RECORD_MAX];
    let n = j.encode_snapshot(&mut buf).unwrap();
    let mut fresh = Mem::new();
    fresh.store(RecordKey::Journal, &buf[..n]).unwrap();
    assert_eq!(&restored(&mut fresh), last);
    assert!(n < storage.get(RecordKey::Journal).unwrap().len());
    // A log that outgrows the caller's buffer is compacted.
    let mut small = std::vec![0u8; n + 200];
    let mut appended = 0;
    let mut compacted = 0;
    for k in 0..10 {
        assert!(j.record_sample(2, sample(1000 + k, readings(6000 + k)), &LISTS));
        j.inoperative ^= 2;
        match j.flush(&mut storage, &mut small) {
            Flushed::Appended(_) => appended += 1,
            Flushed::Snapshot(_) => compacted += 1,
            f => panic!("{f:?}"),
        }
        assert!(storage.get(RecordKey::Journal).unwrap().len() <= small.len());
        assert_eq!(restored(&mut storage), j);
    }
    assert!(appended > 0 && compacted > 0, "{appended} {compacted}");
}

/// A storage that cannot append gets a snapshot at every flush.
#[test]
fn without_append_every_flush_is_a_snapshot() {
    struct NoAppend(Mem);
    impl Storage for NoAppend {
        type Error = ();
        fn load<'b>(&mut self, k: RecordKey, b: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
            self.0.load(k, b).map_err(|_| ())
        }
        fn store(&mut self, k: RecordKey, d: &[u8]) -> Result<(), ()> {
            self.0.store(k, d).map_err(|_| ())
        }
    }
    let mut s = NoAppend(Mem::new());
    let mut j = Box::<Journal>::default();
    let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
    start(&mut j, 1, 0);
    for k in 0..3 {
        j.record_sample(1, sample(k, readings(k)), &LISTS);
        assert!(matches!(
            j.flush(&mut s, &mut scratch),
            Flushed::Snapshot(_)
        ));
    }
    assert_eq!(restored(&mut s.0), j);
}

#[test]
fn a_periodic_sample_appends_a_few_dozen_bytes() {
    let mut storage = Mem::new();
    let mut j = Box::<Journal>::default();
    let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
    let id = start(&mut j, 1, 0);
    j.flush(&mut storage, &mut scratch);
    j.pop_front();
    j.assign_transaction_id(id, 77);
    j.flush(&mut storage, &mut scratch);
    j.record_sample(1, sample(60, readings(1_520_000)), &LISTS);
    let Flushed::Appended(energy_only) = j.flush(&mut storage, &mut scratch) else {
        panic!()
    };
    j.record_sample(1, sample(120, three_phase(1_520_100)), &LISTS);
    let Flushed::Appended(three) = j.flush(&mut storage, &mut scratch) else {
        panic!()
    };
    j.pop_front();
    let Flushed::Appended(delivered) = j.flush(&mut storage, &mut scratch) else {
        panic!()
    };
    std::println!(
        "journal: sample (energy) {energy_only} B, sample (3 phases, 9 values) {three} B, \
         delivery {delivered} B appended; snapshot {} B",
        j.encode_snapshot(&mut scratch).unwrap()
    );
    assert!(energy_only <= 64, "{energy_only}");
    assert!(three <= 96, "{three}");
    assert!(delivered <= 16, "{delivered}");
}

/// A journal as full as the limits allow restores from a scratch buffer of
/// `JOURNAL_RECORD_MAX` bytes, and its snapshot fits one.
#[test]
fn a_full_journal_restores_from_a_record_max_buffer() {
    let mut storage = Mem::new();
    let mut j = Box::<Journal>::default();
    let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
    // Four running transactions with full transactionData, eight kept StopEntries, the queue
    // full of the widest MeterValues, five reservations.
    let mut widest = MeterReadings::EMPTY;
    let big = Reading::from_milli(-999_999_999_999_999_999);
    widest.energy_active_import_wh = big;
    widest.energy_active_export_wh = big;
    widest.power_active_import_w = big;
    widest.power_active_export_w = big;
    widest.current_import_a = [big; 3];
    widest.voltage_v = [big; 3];
    widest.current_offered_a = big;
    widest.power_offered_w = big;
    widest.soc_percent = big;
    widest.temperature_c = big;
    widest.frequency_hz = big;
    for k in 0..STOP_DATA_SLOTS as u32 {
        let mut data = StopData::new();
        data.begin(t(0), &widest);
        for s in 0..8 {
            let _ = data.sample(t(s), ReadingContext::SamplePeriodic, &widest, &LISTS);
        }
        data.end(t(9), &widest);
        j.keep_stop_data(StopEntry {
            local_id: 100 + k,
            data,
            sampled: u32::MAX,
            aligned: u32::MAX,
        });
    }
    for c in 1..=MAX_CONNECTORS as u32 {
        start(&mut j, c, 0);
        let tx = j.transaction_mut(c).unwrap();
        tx.data.begin(t(0), &widest);
        tx.data.end(t(9), &widest);
        tx.parent_id_tag = Some(tag("ABCDEFGHIJKLMNOPQRST"));
    }
    for k in 0..=MAX_CONNECTORS as i32 {
        j.reservations
            .push(Reservation {
                id: k,
                connector: 0,
                id_tag: tag("ABCDEFGHIJKLMNOPQRST"),
                parent_id_tag: Some(tag("ABCDEFGHIJKLMNOPQRST")),
                expiry: t(1),
            })
            .unwrap();
    }
    let mut s = sample(1, widest.clone());
    s.measurands = u32::MAX;
    while j.queue.free() > 200 {
        j.enqueue(TxMessage::Meter {
            local_id: 1,
            transaction_id: Some(i32::MIN),
            connector: 1,
            sample: s.clone(),
        })
        .unwrap();
    }
    let n = j.encode_snapshot(&mut scratch).unwrap();
    std::println!(
        "journal: largest snapshot {n} B of JOURNAL_RECORD_MAX {JOURNAL_RECORD_MAX}, queue {} \
         messages in {} B",
        j.queue.len(),
        j.queue.bytes_used()
    );
    assert!(n <= JOURNAL_RECORD_MAX);
    assert!(matches!(
        j.flush(&mut storage, &mut scratch),
        Flushed::Snapshot(_)
    ));
    // Grow the log to its budget, then restore from a buffer of exactly JOURNAL_RECORD_MAX.
    for k in 0..1000 {
        j.inoperative = k;
        let f = j.flush(&mut storage, &mut scratch);
        assert_ne!(f, Flushed::Failed);
        assert!(storage.get(RecordKey::Journal).unwrap().len() <= JOURNAL_RECORD_MAX);
    }
    assert_eq!(restored(&mut storage), j);
}

#[test]
fn the_queue_sheds_periodic_values_never_start_or_stop() {
    let mut j = Box::<Journal>::default();
    let id = start(&mut j, 1, 0);
    let mut dropped = false;
    for k in 0..200 {
        dropped |= j
            .enqueue(TxMessage::Meter {
                local_id: id,
                transaction_id: None,
                connector: 1,
                sample: sample(k, three_phase(k)),
            })
            .unwrap();
    }
    assert!(dropped);
    assert!(matches!(
        j.queue.first().unwrap().message,
        TxMessage::Start { .. }
    ));
    // Start and Stop fill what is left; the MeterValues make room until none is left.
    while j
        .enqueue(TxMessage::Stop {
            local_id: 9,
            transaction_id: None,
            id_tag: None,
            meter_stop: 1,
            timestamp: t(1),
            reason: Reason::Local,
        })
        .is_ok()
    {}
    assert!(j.queue.iter().skip(1).all(|q| !q.message.is_meter()));
    assert!(j.queue.iter().filter(|q| !q.message.is_meter()).count() >= 37);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic stream of pseudo-random records, some with a valid header and CRCs.
    let mut storage = Mem::new();
    let states = history(&mut storage);
    let good = storage.get(RecordKey::Journal).unwrap().to_vec();
    let _ = states;
    let mut x: u32 = 0x1234_5678;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for _ in 0..2000 {
        let mut data = good.clone();
        for _ in 0..(next() % 8) {
            let i = next() as usize % data.len();
            data[i] = next() as u8;
        }
        let mut j = Box::<Journal>::default();
        j.restore(&data);
        // Whatever it restored re-encodes and restores the same.
        let mut buf = std::vec![0u8; JOURNAL_RECORD_MAX];
        let n = j.encode_snapshot(&mut buf).unwrap();
        let mut k = Box::<Journal>::default();
        assert!(k.restore(&buf[..n]));
        assert_eq!(j, k);
    }
    for len in 0..64 {
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        Box::<Journal>::default().restore(&data);
    }
}

#[test]
fn stop_data_keeps_the_newest_within_slots_and_bytes() {
    let mut j = Box::<Journal>::default();
    for k in 0..=STOP_DATA_SLOTS as u32 {
        let mut data = StopData::new();
        data.begin(t(0), &readings(i64::from(k)));
        data.end(t(1), &readings(i64::from(k) + 1));
        j.keep_stop_data(StopEntry {
            local_id: k,
            data,
            sampled: 1,
            aligned: 2,
        });
    }
    assert_eq!(j.stop_data.len(), STOP_DATA_SLOTS);
    assert!(j.stop_data(0).is_none(), "the oldest made room");
    let e = j.stop_data(STOP_DATA_SLOTS as u32).unwrap();
    assert_eq!((e.sampled, e.aligned, e.data.len()), (1, 2, 2));
    j.forget_stop_data(3);
    assert!(j.stop_data(3).is_none());
    assert_eq!(j.stop_data.len(), STOP_DATA_SLOTS - 1);
    // Wide entries: as many as the bytes allow.
    let mut wide = three_phase(1);
    wide.temperature_c = Reading::from_int(40);
    for k in 100..120 {
        let mut data = StopData::new();
        data.begin(t(0), &wide);
        for s in 0..4 {
            let _ = data.sample(t(s), ReadingContext::SamplePeriodic, &wide, &LISTS);
        }
        data.end(t(9), &wide);
        j.keep_stop_data(StopEntry {
            local_id: k,
            data,
            sampled: 1,
            aligned: 0,
        });
    }
    assert!(j.stop_data(119).is_some());
    assert!(j.stop_data.len() >= 8, "{}", j.stop_data.len());
}

#[test]
fn sizes() {
    struct NoStore;
    impl Storage for NoStore {
        type Error = ();
        fn load<'b>(&mut self, _: RecordKey, _: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
            Ok(None)
        }
        fn store(&mut self, _: RecordKey, _: &[u8]) -> Result<(), ()> {
            Ok(())
        }
    }
    std::println!(
        "size_of: ChargePoint {} B, Journal {} B (TxQueue {} B, StopStore {} B, log state {} B), \
         Transaction {} B, StopEntry {} B",
        core::mem::size_of::<crate::charge_point::ChargePoint<NoStore>>(),
        core::mem::size_of::<Journal>(),
        core::mem::size_of::<TxQueue>(),
        core::mem::size_of::<StopStore>(),
        core::mem::size_of::<log::LogState>(),
        core::mem::size_of::<Transaction>(),
        core::mem::size_of::<StopEntry>(),
    );
    assert!(core::mem::size_of::<Journal>() <= 12 * 1024);
}

/// `end_transaction_with` (in place) leaves the journal as `end_transaction` followed by
/// `enqueue` of the StopTransaction and `keep_stop_data` did, in RAM and in the log.
#[test]
fn end_transaction_with_matches_the_copying_way() {
    let stop_message = |local_id, transaction_id| TxMessage::Stop {
        local_id,
        transaction_id,
        id_tag: Some(tag("CARD-1")),
        meter_stop: 2000,
        timestamp: t(60),
        reason: Reason::Local,
    };
    for with_data in [true, false] {
        let mut storage_a = Mem::new();
        let mut storage_b = Mem::new();
        let mut scratch = std::vec![0u8; JOURNAL_RECORD_MAX];
        let mut a = Box::<Journal>::default();
        let mut b = Box::<Journal>::default();
        for j in [&mut a, &mut b] {
            let id = start(j, 1, 0);
            j.assign_transaction_id(id, 42);
            if !with_data {
                j.transaction_mut(1).unwrap().data = StopData::default();
            }
        }
        assert_ne!(a.flush(&mut storage_a, &mut scratch), Flushed::Failed);
        assert_ne!(b.flush(&mut storage_b, &mut scratch), Flushed::Failed);

        let tx = a.end_transaction(1).unwrap();
        a.enqueue(stop_message(tx.local_id, tx.transaction_id))
            .unwrap();
        if !tx.data.is_empty() {
            a.keep_stop_data(StopEntry {
                local_id: tx.local_id,
                data: tx.data,
                sampled: 3,
                aligned: 4,
            });
        }
        let local_id = b.end_transaction_with(1, stop_message, 3, 4);
        assert_eq!(local_id, Some(tx.local_id));
        assert_eq!(b.end_transaction_with(1, stop_message, 3, 4), None);
        assert_eq!(a, b);
        assert_eq!(a.stop_data(tx.local_id), b.stop_data(tx.local_id));
        assert_eq!(b.stop_data(tx.local_id).is_some(), with_data);

        assert_ne!(a.flush(&mut storage_a, &mut scratch), Flushed::Failed);
        assert_ne!(b.flush(&mut storage_b, &mut scratch), Flushed::Failed);
        assert_eq!(
            storage_a.get(RecordKey::Journal),
            storage_b.get(RecordKey::Journal)
        );
        assert_eq!(restored(&mut storage_b), b);
    }
}

/// `stop_data_into` decodes what `stop_data` returns, into a reused entry, and says when none
/// is kept.
#[test]
fn stop_data_into_matches_stop_data() {
    let mut j = Box::<Journal>::default();
    let a = start(&mut j, 1, 0);
    stop(&mut j, 1, 30);
    let b = start(&mut j, 2, 40);
    stop(&mut j, 2, 90);
    let mut out = StopEntry::BLANK;
    for id in [a, b] {
        assert!(j.stop_data_into(id, &mut out));
        assert_eq!(Some(&out), j.stop_data(id).as_ref());
    }
    assert!(!j.stop_data_into(b + 100, &mut out));
    assert_eq!(j.stop_data(b + 100), None);
}
