//! `FileStorage`: round trips, the `Storage` contract's edge cases, a charge point restarted from
//! it, a crash between writing the temporary file and renaming it, and a writer process killed
//! with SIGKILL at random instants (every record must then be either the old or the new one,
//! whole).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ocpp_core::charge_point::io::Output;
use ocpp_core::charge_point::{ChargePoint, Instant as CpInstant, RecordKey, Setup, Storage};
use ocpp_tungstenite::{FileStorage, FileStorageError};

fn load(storage: &mut FileStorage, key: RecordKey) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 1 << 20];
    storage.load(key, &mut buf).unwrap().map(<[u8]>::to_vec)
}

#[test]
fn round_trip_and_replace() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = FileStorage::open(dir.path().join("nested/records")).unwrap();
    for key in RecordKey::ALL {
        assert_eq!(load(&mut s, key), None);
    }
    s.store(RecordKey::Journal, b"first").unwrap();
    s.store(RecordKey::Configuration, b"").unwrap();
    assert_eq!(
        load(&mut s, RecordKey::Journal).as_deref(),
        Some(&b"first"[..])
    );
    assert_eq!(
        load(&mut s, RecordKey::Configuration).as_deref(),
        Some(&b""[..])
    );
    s.store(RecordKey::Journal, b"2nd").unwrap();
    assert_eq!(
        load(&mut s, RecordKey::Journal).as_deref(),
        Some(&b"2nd"[..])
    );
    assert_eq!(
        fs::read(s.path(RecordKey::Journal)).unwrap(),
        b"2nd",
        "one file per record, named after the key"
    );
    assert!(
        s.path(RecordKey::LocalAuthList)
            .ends_with("local-auth-list")
    );
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(s.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| Path::new(n).extension().is_none_or(|e| e != "tmp")),
        "{names:?}"
    );
    s.clear().unwrap();
    assert_eq!(load(&mut s, RecordKey::Journal), None);
}

#[test]
fn a_record_larger_than_the_buffer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = FileStorage::open(dir.path()).unwrap();
    s.store(RecordKey::AuthorizationCache, &[7u8; 100]).unwrap();
    let mut exact = [0u8; 100];
    assert_eq!(
        s.load(RecordKey::AuthorizationCache, &mut exact).unwrap(),
        Some(&[7u8; 100][..])
    );
    let mut small = [0u8; 99];
    assert!(matches!(
        s.load(RecordKey::AuthorizationCache, &mut small),
        Err(FileStorageError::TooLarge { capacity: 99, .. })
    ));
}

#[test]
fn a_crash_between_write_and_rename_keeps_the_old_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = FileStorage::open(dir.path()).unwrap();
    s.store(RecordKey::Journal, b"old record").unwrap();
    // The crash: the temporary file was (partly) written, the rename never happened.
    fs::write(dir.path().join("journal.tmp"), b"new rec").unwrap();
    fs::write(dir.path().join("configuration.tmp"), b"never renamed").unwrap();
    assert_eq!(
        load(&mut s, RecordKey::Journal).as_deref(),
        Some(&b"old record"[..])
    );
    assert_eq!(load(&mut s, RecordKey::Configuration), None);
    // After the restart: the leftovers are gone, and writing works as before.
    let mut s = FileStorage::open(dir.path()).unwrap();
    assert!(!dir.path().join("journal.tmp").exists());
    assert!(!dir.path().join("configuration.tmp").exists());
    assert_eq!(
        load(&mut s, RecordKey::Journal).as_deref(),
        Some(&b"old record"[..])
    );
    s.store(RecordKey::Journal, b"new record").unwrap();
    assert_eq!(
        load(&mut s, RecordKey::Journal).as_deref(),
        Some(&b"new record"[..])
    );
}

#[test]
fn a_charge_point_restarts_from_its_files() {
    let dir = tempfile::tempdir().unwrap();
    {
        let storage = FileStorage::open(dir.path()).unwrap();
        let mut cp: ChargePoint<FileStorage> = ChargePoint::new(
            Setup::new("V", "M", 1),
            storage,
            CpInstant::default(),
            &mut [0u8; 8192],
        );
        cp.configuration_mut().heartbeat_interval = 123;
        cp.configuration_mut().web_socket_ping_interval = 7;
        cp.save_configuration();
        // Records are written during the drain.
        let mut buf = [0u8; 8192];
        while !matches!(
            cp.poll_output(CpInstant::default(), &mut buf),
            Output::Timeout(_)
        ) {}
    }
    assert!(dir.path().join("configuration").exists());
    let storage = FileStorage::open(dir.path()).unwrap();
    let cp: ChargePoint<FileStorage> = ChargePoint::new(
        Setup::new("V", "M", 1),
        storage,
        CpInstant::default(),
        &mut [0u8; 8192],
    );
    assert_eq!(cp.configuration().heartbeat_interval, 123);
    assert_eq!(cp.configuration().web_socket_ping_interval, 7);
}

// ---------------------------------------------------------------------------------------------
// kill -9

const CHILD_DIR: &str = "OCPP_FILE_STORAGE_CHILD_DIR";

/// A record that proves itself whole: `<seq>:<len>:<len bytes>:<checksum>`, of a size that varies
/// with `seq` (up to ~12 KiB, so that a write takes several syscalls).
fn record(key: RecordKey, seq: u64) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) % 12_000) as usize;
    let fill = b'a' + (seq % 26) as u8;
    let body = vec![fill; len];
    let sum: u64 = body.iter().map(|b| u64::from(*b)).sum::<u64>() + seq;
    let mut out = format!("{}:{seq}:{len}:", key.name()).into_bytes();
    out.extend_from_slice(&body);
    out.extend_from_slice(format!(":{sum}").as_bytes());
    out
}

/// Parses and checks a record; returns its sequence number.
fn check(key: RecordKey, data: &[u8]) -> u64 {
    let text = std::str::from_utf8(data).expect("utf-8");
    let mut parts = text.splitn(4, ':');
    assert_eq!(parts.next(), Some(key.name()));
    let seq: u64 = parts.next().unwrap().parse().unwrap();
    let len: usize = parts.next().unwrap().parse().unwrap();
    let rest = parts.next().unwrap();
    assert_eq!(
        data,
        record(key, seq).as_slice(),
        "record {key} #{seq} (len {len}) is torn: {} bytes, ends {:?}",
        data.len(),
        &rest[rest.len().saturating_sub(20)..]
    );
    seq
}

/// The child process: writes all records in a loop until killed. Does nothing in a normal test
/// run (the variable is not set).
#[test]
fn child_writer() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let mut storage = FileStorage::open(&dir).unwrap();
    let start: u64 = std::env::var("OCPP_FILE_STORAGE_CHILD_SEQ")
        .unwrap()
        .parse()
        .unwrap();
    fs::write(Path::new(&dir).join("started"), b"").unwrap();
    for seq in start.. {
        for key in RecordKey::ALL {
            storage.store(key, &record(key, seq)).unwrap();
        }
    }
}

#[cfg(unix)]
#[test]
fn survives_sigkill_at_random_instants() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last_seen = [0u64; RecordKey::ALL.len()];
    let mut seq = 1u64;
    let rounds = 25;
    for round in 0..rounds {
        let _ = fs::remove_file(dir.path().join("started"));
        let mut child = Command::new(&exe)
            .args(["--exact", "child_writer", "--test-threads=1", "--nocapture"])
            .env(CHILD_DIR, dir.path())
            .env("OCPP_FILE_STORAGE_CHILD_SEQ", seq.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while !dir.path().join("started").exists() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "child did not start"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // Kill it at a random point of its write loop.
        let delay = Duration::from_micros(rand::random_range(0..40_000));
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let mut storage = FileStorage::open(dir.path()).unwrap();
        for (i, key) in RecordKey::ALL.into_iter().enumerate() {
            let Some(data) = load(&mut storage, key) else {
                assert_eq!(last_seen[i], 0, "record {key} vanished in round {round}");
                continue;
            };
            let got = check(key, &data);
            assert!(
                got >= last_seen[i],
                "record {key} went back from #{} to #{got}",
                last_seen[i]
            );
            last_seen[i] = got;
        }
        seq = last_seen.iter().max().unwrap() + 1;
    }
    assert!(
        last_seen.iter().any(|s| *s > 0),
        "the child never wrote a record"
    );
}
