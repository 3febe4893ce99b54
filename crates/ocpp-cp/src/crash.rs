//! Test-only fault injection: `OCPP_CP_CRASH_AFTER_WRITES=N[:BYTES]` aborts the process in the
//! middle of its Nth storage write (docs/simulator.md, docs/reliability.md).
//!
//! `kill -9` from outside hits a storage write only by luck (a write takes microseconds); this
//! hook hits the inside of one deterministically, so the fault-injection harness
//! (tests/e2e/test_fault_injection.py) can check that what a torn write leaves behind is
//! recovered. Off unless the variable is set; when off, the charge point's storage is the plain
//! [`FileStorage`] (this wrapper is not even constructed).
//!
//! The Nth write (1-based, `store` and `append` counted together, over the whole process) does
//! what a power cut at that instant would leave, then [`std::process::abort`]s (no destructors,
//! no flush: like `kill -9`):
//! - `store` (temporary file, fsync, rename): the first BYTES bytes of the record are written to
//!   `<name>.tmp`; with BYTES >= the record's length the whole temporary file is written and
//!   fsynced and the abort comes between the write and the rename.
//! - `append`: the first BYTES bytes are appended to `<name>` (a torn tail); with BYTES >= the
//!   length, all of it (the abort comes before the charge point learns it was written).
//!
//! Without `:BYTES`, half the record (rounded down).

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ocpp_core::charge_point::{RecordKey, Storage};
use ocpp_tungstenite::{FileStorage, FileStorageError};

/// The environment variable.
pub const VAR: &str = "OCPP_CP_CRASH_AFTER_WRITES";

/// When to abort: in the middle of write number `write`, after `bytes` bytes of it.
#[derive(Debug)]
pub struct Plan {
    write: u64,
    bytes: Option<usize>,
    count: AtomicU64,
}

impl Plan {
    /// Parses `N[:BYTES]` (N >= 1).
    pub fn parse(text: &str) -> Result<Plan, String> {
        let bad = || format!("{VAR}={text}: expected N[:BYTES] with N >= 1");
        let (write, bytes) = match text.trim().split_once(':') {
            Some((n, b)) => (n, Some(b.parse::<usize>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let write = write.parse::<u64>().map_err(|_| bad())?;
        if write == 0 {
            return Err(bad());
        }
        Ok(Plan {
            write,
            bytes,
            count: AtomicU64::new(0),
        })
    }

    /// The plan in the environment, if any (an invalid value is an error, not ignored).
    pub fn from_env() -> Result<Option<Arc<Plan>>, String> {
        match std::env::var(VAR) {
            Ok(text) if !text.trim().is_empty() => Plan::parse(&text).map(|p| Some(Arc::new(p))),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{VAR} is not UTF-8")),
        }
    }

    /// Counts one write of `len` bytes: `Some(prefix)` when this is the write to crash in.
    fn crash_at(&self, len: usize) -> Option<usize> {
        let n = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        (n == self.write).then(|| self.bytes.unwrap_or(len / 2).min(len))
    }
}

/// A [`FileStorage`] that aborts the process in the middle of the write its [`Plan`] names.
#[derive(Debug)]
pub struct CrashingStorage {
    inner: FileStorage,
    plan: Arc<Plan>,
}

impl CrashingStorage {
    pub fn new(inner: FileStorage, plan: Arc<Plan>) -> CrashingStorage {
        CrashingStorage { inner, plan }
    }

    fn die(&self, op: &str, key: RecordKey, when: &str, written: usize, len: usize) -> ! {
        // One line so that the harness can tell this abort from a crash.
        eprintln!(
            "ocpp-cp: {VAR}: aborting in write {} ({op} {key} {when}, {written} of {len} bytes written)",
            self.plan.write
        );
        std::process::abort()
    }
}

impl Storage for CrashingStorage {
    type Error = FileStorageError;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, FileStorageError> {
        self.inner.load(key, buf)
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), FileStorageError> {
        let Some(prefix) = self.plan.crash_at(data.len()) else {
            return self.inner.store(key, data);
        };
        // What FileStorage::store has done when the power goes at this instant: part (or all)
        // of the temporary file written, no rename.
        let tmp = self.inner.dir().join(format!("{}.tmp", key.name()));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .and_then(|mut f| {
                f.write_all(data.get(..prefix).unwrap_or(data))?;
                f.sync_all()
            });
        let when = if prefix == data.len() {
            "before the rename"
        } else {
            "in the temporary file"
        };
        let written = if written.is_ok() { prefix } else { 0 };
        self.die("store", key, when, written, data.len())
    }

    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, FileStorageError> {
        let Some(prefix) = self.plan.crash_at(data.len()) else {
            return self.inner.append(key, data);
        };
        let written = OpenOptions::new()
            .append(true)
            .open(self.inner.path(key))
            .and_then(|mut f| {
                f.write_all(data.get(..prefix).unwrap_or(data))?;
                f.sync_data()
            });
        let written = if written.is_ok() { prefix } else { 0 };
        self.die("append", key, "torn tail", written, data.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parses_n_and_bytes() {
        let p = Plan::parse("3").unwrap();
        assert_eq!((p.write, p.bytes), (3, None));
        let p = Plan::parse(" 7:12 ").unwrap();
        assert_eq!((p.write, p.bytes), (7, Some(12)));
        for bad in ["", "0", "x", "3:", "3:x", "-1", "1:2:3"] {
            assert!(Plan::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn crashes_in_the_nth_write_only_with_the_prefix_bounded_by_the_length() {
        let p = Plan::parse("3").unwrap();
        assert_eq!(p.crash_at(10), None);
        assert_eq!(p.crash_at(10), None);
        assert_eq!(p.crash_at(11), Some(5), "half, rounded down");
        assert_eq!(p.crash_at(10), None, "only once");
        let p = Plan::parse("1:100").unwrap();
        assert_eq!(
            p.crash_at(40),
            Some(40),
            "the whole record: abort before the rename"
        );
        let p = Plan::parse("1:0").unwrap();
        assert_eq!(p.crash_at(40), Some(0));
    }

    #[test]
    fn writes_before_the_crash_go_through() {
        let dir = tempfile::tempdir().unwrap();
        let plan = Arc::new(Plan::parse("9").unwrap());
        let mut s = CrashingStorage::new(FileStorage::open(dir.path()).unwrap(), plan);
        s.store(RecordKey::Journal, b"snap").unwrap();
        assert!(s.append(RecordKey::Journal, b"-one").unwrap());
        let mut buf = [0u8; 16];
        assert_eq!(
            s.load(RecordKey::Journal, &mut buf).unwrap(),
            Some(&b"snap-one"[..])
        );
    }
}
