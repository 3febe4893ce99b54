//! The security log (security whitepaper A04.FR.04, N01.FR.05): every security event, critical
//! or not, in a stored record of bounded size, the oldest dropped first ("It is recommended to
//! implement this in a rolling format"). What the charge point uploads for a GetLog.req of
//! `SecurityLog` (N01.FR.03).
//!
//! # The record
//!
//! [`RecordKey::SecurityLog`](super::RecordKey::SecurityLog), in the journal's framing
//! (`journal::codec`: `[len: u16][kind: u8][payload][crc32: u32]`): a header frame (kind 1,
//! `OCPPS` and the format version), then batch frames (kind 2), each holding the entries one
//! flush wrote: per entry the event (its index in [`SecurityEvent::ALL`], one byte), its
//! timestamp (Unix milliseconds, zig-zag varint) and its `techInfo` (a presence byte, a length
//! byte and UTF-8). An entry without techInfo takes 8 bytes, a batch 7 more.
//!
//! The charge point appends a batch per `poll_output` that follows new events
//! ([`Storage::append`](super::Storage::append); a storage that cannot append gets the whole
//! record rewritten). A batch that would take the record past [`SECURITY_LOG_MAX`] bytes (or
//! the caller's buffer, if smaller) makes it rewrite the record with the newest batches that
//! fill three quarters of it, then the new one: the oldest events go first, and a full log is
//! rewritten once every quarter of its size, not at every event. A torn tail (a power cut in
//! an append) ends the log where it starts; a record that does not start with the header is
//! damaged: it is dropped (replaced by an empty log) and reported as `Action::StorageFailed`.
//!
//! # Reading it
//!
//! `ChargePoint::security_log` reads the record into a caller's buffer and returns
//! [`SecurityLogEntries`], the entries oldest first, optionally limited to a time window (the
//! GetLog.req's `oldestTimestamp` and `latestTimestamp`); [`SecurityLogEntry::line`] writes one
//! as a line of text. The format of the uploaded file is not prescribed (N01 "The format of
//! the log file is not prescribed"); the lines are a suggestion.

use super::journal::codec::{self, Full, Reader, Writer};
use crate::types::DateTime;
use crate::v16::SecurityEvent;

/// The largest stored security log, in bytes (or the caller's buffer, if smaller): about 250
/// events without techInfo, 60 with the longest. Reaching it drops the oldest quarter.
pub const SECURITY_LOG_MAX: usize = 4096;

/// Bytes of RAM for the events raised since the last `poll_output` (they are written to the
/// record there, in the caller's buffer): four events without techInfo, or one with 27 bytes of
/// it. Why so few: the small profile's charge point has no more RAM to give (see
/// docs/integration.md), and the drain rule (`poll_output` after every input) writes them after
/// each input, which raises at most three. A techInfo is cut to the room left (the
/// SecurityEventNotification.req carries it whole); an event that does not fit even without it
/// is not logged.
pub const SECURITY_LOG_PENDING_BYTES: usize = 36;

const KIND_HEADER: u8 = 1;
const KIND_BATCH: u8 = 2;
/// `OCPPS` and format version 1.
const HEADER: &[u8] = b"OCPPS\x01";
/// The header frame's length.
const HEADER_LEN: usize = HEADER.len() + codec::FRAME_OVERHEAD;

/// Events raised since the last flush, encoded as the payload of the next batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pending {
    bytes: [u8; SECURITY_LOG_PENDING_BYTES],
    len: u8,
}

impl Pending {
    /// Nothing pending (zero bytes: the charge point's static stays in `.bss`).
    pub(crate) const EMPTY: Pending = Pending {
        bytes: [0; SECURITY_LOG_PENDING_BYTES],
        len: 0,
    };

    pub(crate) const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The encoded entries.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// Adds an event, its techInfo cut to the room left; `false` when it does not fit even
    /// without techInfo (nothing is added).
    pub(crate) fn push(
        &mut self,
        kind: SecurityEvent,
        timestamp: DateTime,
        tech_info: Option<&str>,
    ) -> bool {
        let used = usize::from(self.len);
        let Some(room) = self.bytes.get_mut(used..) else {
            return false;
        };
        let room_len = room.len();
        // The entry without techInfo; then the techInfo in what is left after its length byte.
        let mut w = Writer::new(room);
        if w.index(SecurityEvent::ALL, kind).is_err() || w.time(timestamp).is_err() {
            return false;
        }
        let bare = w.pos() + 1;
        let text = tech_info
            .map(|t| {
                cut(
                    t,
                    room_len.saturating_sub(bare + 1).min(usize::from(u8::MAX)),
                )
            })
            .filter(|t| !t.is_empty());
        if w.opt_str(text).is_err() {
            return false;
        }
        // At most SECURITY_LOG_PENDING_BYTES, which fits a u8.
        self.len = u8::try_from(used + w.pos()).unwrap_or(self.len);
        true
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// The length of the valid part of a stored record: the header and every whole batch up to the
/// first torn or corrupt one; `None` when it does not start with the header (damaged).
pub(crate) fn valid_len(record: &[u8]) -> Option<usize> {
    let Some((KIND_HEADER, HEADER, mut pos)) = codec::read_frame(record) else {
        return None;
    };
    while let Some(rest) = record.get(pos..).filter(|r| !r.is_empty()) {
        match codec::read_frame(rest) {
            Some((KIND_BATCH, payload, n)) if entries_ok(payload) => pos += n,
            _ => break,
        }
    }
    Some(pos)
}

/// Whether every entry of a batch decodes.
fn entries_ok(payload: &[u8]) -> bool {
    let mut r = Reader::new(payload);
    while !r.is_empty() {
        if read_entry(&mut r).is_none() {
            return false;
        }
    }
    true
}

/// An empty log (the header only) in `buf`; its length.
pub(crate) fn write_empty(buf: &mut [u8]) -> Result<usize, Full> {
    codec::write_frame(buf, KIND_HEADER, |w| w.bytes(HEADER))
}

/// How [`add_batch`] changed the record in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Update {
    /// The stored record is still valid: the new batch frame is `buf[start..end]`, the whole
    /// record `buf[..end]` (for a storage that cannot append).
    Append {
        /// Where the new frame starts (the stored record's length).
        start: usize,
        /// Where it ends.
        end: usize,
    },
    /// The record must be rewritten whole: `buf[..len]`. `damaged`: the stored one did not
    /// start with the header (it is dropped).
    Rewrite {
        /// The new record's length.
        len: usize,
        /// The stored record was damaged.
        damaged: bool,
    },
}

/// Adds the batch `entries` to the record held in `buf[..stored]` (`None`: there is none),
/// `buf` being no longer than the record may grow: appended after it when it is valid and the
/// frame fits; else the record is rebuilt in place, from the header, the newest batches that
/// leave it three quarters full and the new batch (or as many as fit when the new batch is
/// large). `Err` when the batch does not fit `buf` even alone.
pub(crate) fn add_batch(
    buf: &mut [u8],
    stored: Option<usize>,
    entries: &[u8],
) -> Result<Update, Full> {
    let record = stored.and_then(|n| buf.get(..n));
    let valid = record.and_then(valid_len);
    let damaged = record.is_some() && valid.is_none();
    if let (Some(n), Some(v)) = (stored, valid) {
        if v == n {
            if let Some(rest) = buf.get_mut(n..) {
                if let Ok(f) = codec::write_frame(rest, KIND_BATCH, |w| w.bytes(entries)) {
                    return Ok(Update::Append {
                        start: n,
                        end: n + f,
                    });
                }
            }
        }
    }
    // Rebuild: the header, the newest whole batches, the new one.
    let frame = entries.len() + codec::FRAME_OVERHEAD;
    let cap = buf.len();
    let target = (cap / 4 * 3).max(HEADER_LEN + frame).min(cap);
    let budget = target.checked_sub(HEADER_LEN + frame).ok_or(Full)?;
    let (from, to) = match valid {
        Some(v) => (first_kept(buf.get(..v).unwrap_or_default(), budget), v),
        None => (HEADER_LEN, HEADER_LEN),
    };
    let kept = to - from;
    write_empty(buf)?;
    buf.copy_within(from..to, HEADER_LEN);
    let rest = buf.get_mut(HEADER_LEN + kept..).ok_or(Full)?;
    let f = codec::write_frame(rest, KIND_BATCH, |w| w.bytes(entries))?;
    Ok(Update::Rewrite {
        len: HEADER_LEN + kept + f,
        damaged,
    })
}

/// The offset of the oldest batch of the valid record `record` from which the batches to its
/// end take at most `budget` bytes (the record's length when none fits).
fn first_kept(record: &[u8], budget: usize) -> usize {
    let mut pos = HEADER_LEN;
    while record.len() - pos.min(record.len()) > budget {
        match record.get(pos..).and_then(codec::read_frame) {
            Some((_, _, n)) => pos += n,
            None => return record.len(),
        }
    }
    pos.min(record.len())
}

fn read_entry<'a>(r: &mut Reader<'a>) -> Option<SecurityLogEntry<'a>> {
    let kind = r.index(SecurityEvent::ALL)?;
    let timestamp = r.time()?;
    let tech_info = if r.bool()? {
        let n = usize::from(r.u8()?);
        Some(core::str::from_utf8(r.bytes(n)?).ok()?)
    } else {
        None
    };
    Some(SecurityLogEntry {
        kind,
        timestamp,
        tech_info,
    })
}

/// One event of the security log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityLogEntry<'a> {
    /// The event.
    pub kind: SecurityEvent,
    /// When it happened (the charge point's wall clock then).
    pub timestamp: DateTime,
    /// Its techInfo, as far as the log kept it (see [`SECURITY_LOG_PENDING_BYTES`]).
    pub tech_info: Option<&'a str>,
}

impl SecurityLogEntry<'_> {
    /// The longest [`SecurityLogEntry::line`]: timestamp, event, techInfo, separators and the
    /// newline.
    pub const LINE_MAX: usize = 24 + 1 + 36 + 1 + u8::MAX as usize + 1;

    /// Writes the entry into `out` as one line of text and returns it: the timestamp (RFC
    /// 3339, UTC), the event's name and its techInfo (control characters replaced by spaces),
    /// separated by spaces, and a newline. For example
    /// `2024-05-01T12:00:00Z SettingSystemTime\n`. `None` when `out` is too short
    /// ([`SecurityLogEntry::LINE_MAX`] always suffices).
    pub fn line<'o>(&self, out: &'o mut [u8]) -> Option<&'o str> {
        let mut time = [0u8; 24];
        let mut w = Writer::new(out);
        let text = self.tech_info.unwrap_or_default();
        let mut put = || -> Result<(), Full> {
            w.bytes(self.timestamp.format(&mut time).as_bytes())?;
            w.u8(b' ')?;
            w.bytes(self.kind.as_str().as_bytes())?;
            if self.tech_info.is_some() {
                w.u8(b' ')?;
                for c in text.chars() {
                    let c = if c.is_control() { ' ' } else { c };
                    w.bytes(c.encode_utf8(&mut [0; 4]).as_bytes())?;
                }
            }
            w.u8(b'\n')
        };
        put().ok()?;
        let n = w.pos();
        core::str::from_utf8(out.get(..n)?).ok()
    }
}

/// The entries of a stored security log, oldest first, within a time window: an iterator over
/// the record's bytes (no copy). It ends at the end of the record, at a torn or corrupt batch,
/// and at once for a record without the header.
#[derive(Debug, Clone)]
pub struct SecurityLogEntries<'a> {
    /// What is left of the record after the current batch.
    rest: &'a [u8],
    /// The current batch's entries not read yet.
    batch: &'a [u8],
    oldest: Option<DateTime>,
    latest: Option<DateTime>,
}

impl<'a> SecurityLogEntries<'a> {
    /// The entries of `record` (the bytes of [`RecordKey::SecurityLog`](super::RecordKey)) with
    /// `oldest <= timestamp <= latest` (either bound absent: unbounded), as a GetLog.req's
    /// `oldestTimestamp` and `latestTimestamp` ask.
    pub fn new(record: &'a [u8], oldest: Option<DateTime>, latest: Option<DateTime>) -> Self {
        let rest = match codec::read_frame(record) {
            Some((KIND_HEADER, HEADER, n)) => record.get(n..).unwrap_or_default(),
            _ => &[],
        };
        SecurityLogEntries {
            rest,
            batch: &[],
            oldest,
            latest,
        }
    }
}

impl<'a> Iterator for SecurityLogEntries<'a> {
    type Item = SecurityLogEntry<'a>;

    fn next(&mut self) -> Option<SecurityLogEntry<'a>> {
        loop {
            while self.batch.is_empty() {
                let Some((KIND_BATCH, payload, n)) = codec::read_frame(self.rest) else {
                    self.rest = &[];
                    return None;
                };
                self.rest = self.rest.get(n..).unwrap_or_default();
                self.batch = payload;
            }
            let mut r = Reader::new(self.batch);
            let Some(entry) = read_entry(&mut r) else {
                // A batch that does not decode (it passed its CRC: another format wrote it)
                // ends the log, as in `valid_len`.
                self.rest = &[];
                self.batch = &[];
                return None;
            };
            self.batch = r.remaining();
            let after_oldest = self.oldest.is_none_or(|t| entry.timestamp >= t);
            let before_latest = self.latest.is_none_or(|t| entry.timestamp <= t);
            if after_oldest && before_latest {
                return Some(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use std::vec::Vec;

    fn at(secs: i64) -> DateTime {
        DateTime::from_unix_millis(1_714_564_800_000 + secs * 1000).unwrap()
    }

    fn pending(events: &[(SecurityEvent, i64, Option<&str>)]) -> Pending {
        let mut p = Pending::EMPTY;
        for &(kind, secs, tech) in events {
            assert!(p.push(kind, at(secs), tech));
        }
        p
    }

    /// Stores `p` the way the charge point does; the record's new bytes.
    fn add(record: &mut Vec<u8>, cap: usize, p: &Pending) -> Update {
        let mut buf = std::vec![0u8; cap];
        let stored = (!record.is_empty()).then(|| {
            buf[..record.len()].copy_from_slice(record);
            record.len()
        });
        let update = add_batch(&mut buf, stored, p.as_bytes()).unwrap();
        let len = match update {
            Update::Append { end, .. } => end,
            Update::Rewrite { len, .. } => len,
        };
        *record = buf[..len].to_vec();
        update
    }

    fn kinds(record: &[u8]) -> Vec<(SecurityEvent, Option<&str>)> {
        SecurityLogEntries::new(record, None, None)
            .map(|e| (e.kind, e.tech_info))
            .collect()
    }

    #[test]
    fn entries_come_back_in_order_with_their_tech_info() {
        let mut record = Vec::new();
        let p = pending(&[
            (SecurityEvent::StartupOfTheDevice, 0, None),
            (SecurityEvent::SettingSystemTime, 1, Some("ntp")),
        ]);
        assert!(matches!(
            add(&mut record, 4096, &p),
            Update::Rewrite { damaged: false, .. }
        ));
        let p = pending(&[(SecurityEvent::InvalidMessages, 2, None)]);
        assert!(matches!(add(&mut record, 4096, &p), Update::Append { .. }));
        assert_eq!(
            kinds(&record),
            [
                (SecurityEvent::StartupOfTheDevice, None),
                (SecurityEvent::SettingSystemTime, Some("ntp")),
                (SecurityEvent::InvalidMessages, None),
            ]
        );
        assert_eq!(valid_len(&record), Some(record.len()));
    }

    #[test]
    fn a_bare_entry_takes_eight_bytes_and_tech_info_is_cut_to_the_room_left() {
        let mut p = Pending::EMPTY;
        assert!(p.push(SecurityEvent::ResetOrReboot, at(0), None));
        assert_eq!(p.as_bytes().len(), 8);
        let long = "é".repeat(40);
        assert!(p.push(SecurityEvent::InvalidMessages, at(1), Some(&long)));
        assert_eq!(p.as_bytes().len(), SECURITY_LOG_PENDING_BYTES - 1);
        let mut record = Vec::new();
        add(&mut record, 4096, &p);
        let entries: Vec<_> = SecurityLogEntries::new(&record, None, None).collect();
        let kept = entries[1].tech_info.unwrap();
        assert!(long.starts_with(kept) && !kept.is_empty(), "{kept}");
        // Full: nothing more fits, not even bare.
        assert!(!p.push(SecurityEvent::ResetOrReboot, at(2), None));
    }

    #[test]
    fn a_full_log_drops_its_oldest_quarter() {
        let cap = 512;
        let mut record = Vec::new();
        let mut rewrites = 0;
        for i in 0..200 {
            let kind = SecurityEvent::ALL[i % SecurityEvent::ALL.len()];
            let p = pending(&[(kind, i as i64, None)]);
            if matches!(add(&mut record, cap, &p), Update::Rewrite { .. }) {
                rewrites += 1;
            }
            assert!(record.len() <= cap);
        }
        let times: Vec<i64> = SecurityLogEntries::new(&record, None, None)
            .map(|e| (e.timestamp.unix_millis() - at(0).unix_millis()) / 1000)
            .collect();
        assert_eq!(*times.last().unwrap(), 199);
        assert!(times.windows(2).all(|w| w[1] == w[0] + 1), "{times:?}");
        assert!(times.len() > 20, "{}", times.len());
        // Rewritten about every quarter of the log, not at every event.
        assert!(rewrites <= 200 / 8, "{rewrites}");
    }

    #[test]
    fn a_torn_tail_ends_the_log_and_a_missing_header_is_damage() {
        let mut record = Vec::new();
        add(
            &mut record,
            4096,
            &pending(&[(SecurityEvent::ResetOrReboot, 0, None)]),
        );
        let good = record.len();
        add(
            &mut record,
            4096,
            &pending(&[(SecurityEvent::TamperDetectionActivated, 1, None)]),
        );
        record.truncate(record.len() - 2);
        assert_eq!(valid_len(&record), Some(good));
        assert_eq!(kinds(&record), [(SecurityEvent::ResetOrReboot, None)]);
        // The next batch rewrites the valid part and adds to it.
        let p = pending(&[(SecurityEvent::MemoryExhaustion, 2, None)]);
        assert_eq!(
            add(&mut record, 4096, &p),
            Update::Rewrite {
                len: good + 15,
                damaged: false
            }
        );
        assert_eq!(kinds(&record).len(), 2);
        record[0] ^= 0xFF;
        assert_eq!(valid_len(&record), None);
        assert!(kinds(&record).is_empty());
        assert!(matches!(
            add(&mut record, 4096, &p),
            Update::Rewrite { damaged: true, .. }
        ));
        assert_eq!(kinds(&record), [(SecurityEvent::MemoryExhaustion, None)]);
    }

    #[test]
    fn the_time_window_bounds_both_ends() {
        let mut record = Vec::new();
        for i in 0..10 {
            add(
                &mut record,
                4096,
                &pending(&[(SecurityEvent::SettingSystemTime, i, None)]),
            );
        }
        let secs = |oldest: Option<i64>, latest: Option<i64>| -> Vec<i64> {
            SecurityLogEntries::new(&record, oldest.map(at), latest.map(at))
                .map(|e| (e.timestamp.unix_millis() - at(0).unix_millis()) / 1000)
                .collect()
        };
        assert_eq!(secs(Some(3), Some(5)), [3, 4, 5]);
        assert_eq!(secs(Some(8), None), [8, 9]);
        assert_eq!(secs(None, Some(1)), [0, 1]);
        assert_eq!(secs(Some(6), Some(2)), Vec::<i64>::new());
    }

    #[test]
    fn a_line_of_text_per_entry() {
        let e = SecurityLogEntry {
            kind: SecurityEvent::InvalidMessages,
            timestamp: at(0),
            tech_info: Some("bad\nframe"),
        };
        let mut out = [0u8; SecurityLogEntry::LINE_MAX];
        assert_eq!(
            e.line(&mut out),
            Some("2024-05-01T12:00:00Z InvalidMessages bad frame\n")
        );
        let bare = SecurityLogEntry {
            tech_info: None,
            ..e
        };
        assert_eq!(
            bare.line(&mut out),
            Some("2024-05-01T12:00:00Z InvalidMessages\n")
        );
        assert_eq!(bare.line(&mut [0u8; 10]), None);
        let longest = SecurityLogEntry {
            kind: SecurityEvent::InvalidFirmwareSigningCertificate,
            timestamp: DateTime::from_unix_millis(1).unwrap(),
            tech_info: Some(&"x".repeat(255)),
        };
        assert!(longest.line(&mut out).is_some());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seed = 0x1234_5678u32;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (seed >> 16) as u8
                })
                .collect();
            let _ = valid_len(&bytes);
            let _ = SecurityLogEntries::new(&bytes, None, None).count();
            let mut buf = std::vec![0u8; 512];
            let n = bytes.len().min(512);
            buf[..n].copy_from_slice(&bytes[..n]);
            let _ = add_batch(&mut buf, Some(n), &[0, 2, 0]);
        }
    }
}
