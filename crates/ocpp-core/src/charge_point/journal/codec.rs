//! The journal's binary codec: small, hand-written, no serde.
//!
//! Integers are little-endian: fixed width where a value is patched in place (`local_id`, the
//! central system's `transactionId`), otherwise LEB128 varints (signed ones zig-zag encoded).
//! Strings are a length byte and UTF-8. Enumerations are their index in the spec's order
//! (`ALL`). Timestamps are the Unix time in milliseconds, zig-zag varint. Every decoder takes
//! untrusted bytes (storage after a power cut) and returns `None` on anything it cannot read:
//! no indexing, no panics.
//!
//! Log frames are `[len: u16][kind: u8][payload: len bytes][crc32: u32]`, the CRC (CRC-32/ISO-HDLC,
//! the zlib/Ethernet one) covering length, kind and payload.

// `Option<Option<T>>`: `None` is "cannot decode", `Some(None)` an absent optional field.
#![allow(clippy::option_option)]

use crate::charge_point::metering::{
    IntervalValues, MeterReadings, PackedReadings, Reading, Record, TransactionData,
};
use crate::types::{BoundedString, DateTime};
use crate::v16::{FirmwareStatus, ReadingContext, Reason, SecurityEvent};

use super::{Reservation, Sample, StopEntry, Transaction, TxMessage};

/// The encoding does not fit the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Full;

/// CRC-32/ISO-HDLC (reflected, polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF), bitwise:
/// no table, a few dozen bytes of code. `crc32(b"123456789") == 0xCBF4_3926`.
pub(crate) fn crc32(data: &[u8]) -> u32 {
    crc32_update(0xFFFF_FFFF, data) ^ 0xFFFF_FFFF
}

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    crc
}

/// Writes into a caller's buffer.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    pub(crate) const fn pos(&self) -> usize {
        self.pos
    }

    #[inline(never)]
    pub(crate) fn bytes(&mut self, data: &[u8]) -> Result<(), Full> {
        let end = self.pos.checked_add(data.len()).ok_or(Full)?;
        self.buf
            .get_mut(self.pos..end)
            .ok_or(Full)?
            .copy_from_slice(data);
        self.pos = end;
        Ok(())
    }

    pub(crate) fn u8(&mut self, v: u8) -> Result<(), Full> {
        self.bytes(&[v])
    }

    pub(crate) fn u16(&mut self, v: u16) -> Result<(), Full> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u32(&mut self, v: u32) -> Result<(), Full> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn var(&mut self, mut v: u64) -> Result<(), Full> {
        loop {
            let low = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                return self.u8(low);
            }
            self.u8(low | 0x80)?;
        }
    }

    pub(crate) fn ivar(&mut self, v: i64) -> Result<(), Full> {
        #[allow(clippy::cast_sign_loss)]
        let z = ((v << 1) ^ (v >> 63)) as u64;
        self.var(z)
    }

    pub(crate) fn bool(&mut self, v: bool) -> Result<(), Full> {
        self.u8(u8::from(v))
    }

    /// `Option<i32>` in a fixed 5 bytes (patched in place when the transactionId arrives).
    pub(crate) fn opt_i32(&mut self, v: Option<i32>) -> Result<(), Full> {
        self.bool(v.is_some())?;
        self.bytes(&v.unwrap_or(0).to_le_bytes())
    }

    pub(crate) fn str(&mut self, s: &str) -> Result<(), Full> {
        self.u8(u8::try_from(s.len()).map_err(|_| Full)?)?;
        self.bytes(s.as_bytes())
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) -> Result<(), Full> {
        self.bool(s.is_some())?;
        match s {
            Some(s) => self.str(s),
            None => Ok(()),
        }
    }

    pub(crate) fn time(&mut self, t: DateTime) -> Result<(), Full> {
        self.ivar(t.unix_millis())
    }

    pub(crate) fn index<T: PartialEq + Copy>(&mut self, all: &[T], v: T) -> Result<(), Full> {
        let i = all.iter().position(|x| *x == v).ok_or(Full)?;
        self.u8(u8::try_from(i).map_err(|_| Full)?)
    }
}

/// Reads untrusted bytes; every method returns `None` past the end or on an invalid value.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// What is left to read.
    pub(crate) fn remaining(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    #[inline(never)]
    pub(crate) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.bytes(1)?.first().copied()
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.bytes(2)?.try_into().ok()?))
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?))
    }

    pub(crate) fn var(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.u8()?;
            let part = u64::from(b & 0x7F);
            if shift == 63 && part > 1 {
                return None;
            }
            v |= part.checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    pub(crate) fn ivar(&mut self) -> Option<i64> {
        let z = self.var()?;
        #[allow(clippy::cast_possible_wrap)]
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    pub(crate) fn i32v(&mut self) -> Option<i32> {
        i32::try_from(self.ivar()?).ok()
    }

    pub(crate) fn u32v(&mut self) -> Option<u32> {
        u32::try_from(self.var()?).ok()
    }

    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(crate) fn opt_i32(&mut self) -> Option<Option<i32>> {
        let some = self.bool()?;
        let v = i32::from_le_bytes(self.bytes(4)?.try_into().ok()?);
        Some(some.then_some(v))
    }

    pub(crate) fn str<const N: usize>(&mut self) -> Option<BoundedString<N>> {
        let n = usize::from(self.u8()?);
        let s = core::str::from_utf8(self.bytes(n)?).ok()?;
        BoundedString::try_from(s).ok()
    }

    pub(crate) fn opt_str<const N: usize>(&mut self) -> Option<Option<BoundedString<N>>> {
        if self.bool()? {
            self.str().map(Some)
        } else {
            Some(None)
        }
    }

    pub(crate) fn time(&mut self) -> Option<DateTime> {
        DateTime::from_unix_millis(self.ivar()?)
    }

    pub(crate) fn index<T: Copy>(&mut self, all: &[T]) -> Option<T> {
        all.get(usize::from(self.u8()?)).copied()
    }
}

// -------------------------------------------------------------------------------------------
// Frames

/// Bytes a frame adds around its payload: length (2), kind (1), CRC (4).
pub(crate) const FRAME_OVERHEAD: usize = 7;

/// Writes `[len][kind][payload][crc]` into `out`, the payload written by `payload`. Returns the
/// frame's length.
pub(crate) fn write_frame(
    out: &mut [u8],
    kind: u8,
    payload: impl FnOnce(&mut Writer<'_>) -> Result<(), Full>,
) -> Result<usize, Full> {
    let body = out.get_mut(3..).ok_or(Full)?;
    let mut w = Writer::new(body);
    payload(&mut w)?;
    let len = w.pos();
    finish_frame(out, kind, len)
}

/// Completes a frame whose payload (`len` bytes) is already at `out[3..]`.
pub(crate) fn finish_frame(out: &mut [u8], kind: u8, len: usize) -> Result<usize, Full> {
    let len16 = u16::try_from(len).map_err(|_| Full)?;
    let head = out.get_mut(..3).ok_or(Full)?;
    head.copy_from_slice(&[len16.to_le_bytes()[0], len16.to_le_bytes()[1], kind]);
    let end = 3 + len;
    let crc = crc32(out.get(..end).ok_or(Full)?);
    out.get_mut(end..end + 4)
        .ok_or(Full)?
        .copy_from_slice(&crc.to_le_bytes());
    Ok(end + 4)
}

/// The next frame of `data` as `(kind, payload, frame length)`, or `None` when the rest is empty,
/// truncated (a torn append) or fails its CRC.
pub(crate) fn read_frame(data: &[u8]) -> Option<(u8, &[u8], usize)> {
    let mut r = Reader::new(data);
    let len = usize::from(r.u16()?);
    let kind = r.u8()?;
    let payload = r.bytes(len)?;
    let crc = r.u32()?;
    let covered = data.get(..3 + len)?;
    (crc32(covered) == crc).then_some((kind, payload, len + FRAME_OVERHEAD))
}

// -------------------------------------------------------------------------------------------
// The journal's types

/// Largest encodings, for sizing (see `limits::JOURNAL_QUEUE_BYTES`).
pub(crate) const START_MAX: usize = 1 + 4 + 5 + 21 + 5 + 10 + 5;
/// StopTransaction with an idTag.
pub(crate) const STOP_MAX: usize = 1 + 4 + 5 + 22 + 5 + 10 + 1;
/// The largest encoded SecurityEventNotification (kind, local id, event, time, techInfo).
pub(crate) const SECURITY_MAX: usize = 1 + 4 + 1 + 10 + 1 + 1 + crate::limits::TECH_INFO_MAX;

const MESSAGE_START: u8 = 1;
const MESSAGE_STOP: u8 = 2;
const MESSAGE_METER: u8 = 3;
/// A critical security event (never dropped).
const MESSAGE_SECURITY_CRITICAL: u8 = 4;
/// A non-critical security event (dropped, oldest first, when the queue is full).
const MESSAGE_SECURITY: u8 = 5;

/// Offset of the fixed-width `transactionId` in an encoded Stop or Meter message.
pub(crate) const TID_OFFSET: usize = 5;

/// The kind byte of an encoded message is one that may be dropped to make room: a MeterValues
/// or a non-critical security event.
pub(crate) fn message_is_sheddable(msg: &[u8]) -> bool {
    matches!(msg.first(), Some(&MESSAGE_METER | &MESSAGE_SECURITY))
}

/// The kind byte of an encoded message is a StartTransaction.
pub(crate) fn message_is_start(msg: &[u8]) -> bool {
    msg.first() == Some(&MESSAGE_START)
}

/// The local transaction id of an encoded message.
pub(crate) fn message_local_id(msg: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(msg.get(1..5)?.try_into().ok()?))
}

/// The `local_id` at the start of an encoded [`StopEntry`].
pub(crate) fn message_local_id_at0(entry: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(entry.get(..4)?.try_into().ok()?))
}

/// The encoded message names transaction `local_id` and carries a `transactionId` slot.
pub(crate) fn message_has_tid(msg: &[u8]) -> bool {
    matches!(msg.first(), Some(&MESSAGE_STOP | &MESSAGE_METER))
}

fn readings(w: &mut Writer<'_>, r: &MeterReadings) -> Result<(), Full> {
    readings_flagged(w, r, false)
}

/// The readings: a `u16` mask of the fields present (bit `i` for the `i`-th of
/// `MeterReadings::fields`), then their values. Bit 15 is `flag`: in a sample, "interval values
/// follow".
fn readings_flagged(w: &mut Writer<'_>, r: &MeterReadings, flag: bool) -> Result<(), Full> {
    let fields = r.fields();
    let mut mask = u16::from(flag) << 15;
    for (i, f) in fields.iter().enumerate() {
        if f.is_some() {
            mask |= 1 << i;
        }
    }
    w.u16(mask)?;
    for v in fields.iter().flatten() {
        w.ivar(v.milli())?;
    }
    Ok(())
}

fn read_readings(r: &mut Reader<'_>) -> Option<MeterReadings> {
    match read_readings_flagged(r)? {
        (readings, false) => Some(readings),
        (_, true) => None,
    }
}

fn read_readings_flagged(r: &mut Reader<'_>) -> Option<(MeterReadings, bool)> {
    let mask = r.u16()?;
    let flag = mask >> 15 != 0;
    let mask = mask & 0x7FFF;
    let mut f = [None; 15];
    for (i, slot) in f.iter_mut().enumerate() {
        if mask & (1 << i) != 0 {
            *slot = Some(Reading::from_milli(r.ivar()?)?);
        }
    }
    Some((MeterReadings::from_fields(f), flag))
}

/// A sample: timestamp, context, measurand mask, readings and, only when there are any, the
/// interval values: bit 15 of the readings' mask set, then a presence byte (bit 0 import, bit 1
/// export) and the values. A sample written before interval values existed has bit 15 clear
/// and reads as one without them; a truncated one never reads.
pub(crate) fn sample(w: &mut Writer<'_>, s: &Sample) -> Result<(), Full> {
    w.time(s.timestamp)?;
    w.index(ReadingContext::ALL, s.context)?;
    w.u32(s.measurands)?;
    let values = [s.intervals.active_import_wh, s.intervals.active_export_wh];
    let with_intervals = values.iter().any(Option::is_some);
    readings_flagged(w, &s.readings, with_intervals)?;
    if !with_intervals {
        return Ok(());
    }
    let present = values
        .iter()
        .enumerate()
        .fold(0u8, |acc, (i, v)| acc | (u8::from(v.is_some()) << i));
    w.u8(present)?;
    for v in values.iter().flatten() {
        w.ivar(v.milli())?;
    }
    Ok(())
}

pub(crate) fn read_sample(r: &mut Reader<'_>) -> Option<Sample> {
    let timestamp = r.time()?;
    let context = r.index(ReadingContext::ALL)?;
    let measurands = r.u32()?;
    let (readings, with_intervals) = read_readings_flagged(r)?;
    let mut intervals = IntervalValues::NONE;
    if with_intervals {
        let present = r.u8()?;
        if present == 0 || present >> 2 != 0 {
            return None;
        }
        for (bit, slot) in [
            (1, &mut intervals.active_import_wh),
            (2, &mut intervals.active_export_wh),
        ] {
            if present & bit != 0 {
                *slot = Some(Reading::from_milli(r.ivar()?)?);
            }
        }
    }
    Some(Sample {
        timestamp,
        context,
        measurands,
        readings,
        intervals,
    })
}

pub(crate) fn message(w: &mut Writer<'_>, m: &TxMessage) -> Result<(), Full> {
    match m {
        TxMessage::Start {
            local_id,
            connector,
            id_tag,
            meter_start,
            timestamp,
            reservation_id,
        } => {
            w.u8(MESSAGE_START)?;
            w.u32(*local_id)?;
            w.var(u64::from(*connector))?;
            w.str(id_tag.as_str())?;
            w.ivar(i64::from(*meter_start))?;
            w.time(*timestamp)?;
            w.opt_i32(*reservation_id)
        }
        TxMessage::Stop {
            local_id,
            transaction_id,
            id_tag,
            meter_stop,
            timestamp,
            reason,
        } => {
            w.u8(MESSAGE_STOP)?;
            w.u32(*local_id)?;
            w.opt_i32(*transaction_id)?;
            w.opt_str(id_tag.as_ref().map(BoundedString::as_str))?;
            w.ivar(i64::from(*meter_stop))?;
            w.time(*timestamp)?;
            w.index(Reason::ALL, *reason)
        }
        TxMessage::Meter {
            local_id,
            transaction_id,
            connector,
            sample: s,
        } => {
            w.u8(MESSAGE_METER)?;
            w.u32(*local_id)?;
            w.opt_i32(*transaction_id)?;
            w.var(u64::from(*connector))?;
            sample(w, s)
        }
        TxMessage::SecurityEvent {
            kind,
            timestamp,
            tech_info,
        } => {
            w.u8(if kind.is_critical() {
                MESSAGE_SECURITY_CRITICAL
            } else {
                MESSAGE_SECURITY
            })?;
            w.u32(super::NO_TRANSACTION)?;
            w.index(SecurityEvent::ALL, *kind)?;
            w.time(*timestamp)?;
            w.opt_str(tech_info.as_ref().map(BoundedString::as_str))
        }
    }
}

pub(crate) fn read_message(r: &mut Reader<'_>) -> Option<TxMessage> {
    let kind = r.u8()?;
    let local_id = r.u32()?;
    match kind {
        MESSAGE_START => Some(TxMessage::Start {
            local_id,
            connector: r.u32v()?,
            id_tag: r.str()?,
            meter_start: r.i32v()?,
            timestamp: r.time()?,
            reservation_id: r.opt_i32()?,
        }),
        MESSAGE_STOP => Some(TxMessage::Stop {
            local_id,
            transaction_id: r.opt_i32()?,
            id_tag: r.opt_str()?,
            meter_stop: r.i32v()?,
            timestamp: r.time()?,
            reason: r.index(Reason::ALL)?,
        }),
        MESSAGE_METER => Some(TxMessage::Meter {
            local_id,
            transaction_id: r.opt_i32()?,
            connector: r.u32v()?,
            sample: read_sample(r)?,
        }),
        MESSAGE_SECURITY | MESSAGE_SECURITY_CRITICAL => {
            let event: SecurityEvent = r.index(SecurityEvent::ALL)?;
            // The kind byte and the event's criticality agree (a damaged record does not turn
            // a critical event into a droppable one).
            if (kind == MESSAGE_SECURITY_CRITICAL) != event.is_critical()
                || local_id != super::NO_TRANSACTION
            {
                return None;
            }
            Some(TxMessage::SecurityEvent {
                kind: event,
                timestamp: r.time()?,
                tech_info: r.opt_str()?,
            })
        }
        _ => None,
    }
}

fn record(w: &mut Writer<'_>, rec: &Record) -> Result<(), Full> {
    w.time(rec.timestamp)?;
    w.index(ReadingContext::ALL, rec.context)?;
    readings(w, &rec.readings.unpack())
}

fn read_record(r: &mut Reader<'_>) -> Option<Record> {
    Some(Record {
        timestamp: r.time()?,
        context: r.index(ReadingContext::ALL)?,
        readings: PackedReadings::pack(&read_readings(r)?),
    })
}

fn opt_record(w: &mut Writer<'_>, rec: Option<&Record>) -> Result<(), Full> {
    w.bool(rec.is_some())?;
    match rec {
        Some(rec) => record(w, rec),
        None => Ok(()),
    }
}

fn read_opt_record(r: &mut Reader<'_>) -> Option<Option<Record>> {
    if r.bool()? {
        read_record(r).map(Some)
    } else {
        Some(None)
    }
}

pub(crate) fn data<const N: usize>(w: &mut Writer<'_>, d: &TransactionData<N>) -> Result<(), Full> {
    opt_record(w, d.begin.as_ref())?;
    w.u8(u8::try_from(d.middle.len()).map_err(|_| Full)?)?;
    for rec in &d.middle {
        record(w, rec)?;
    }
    opt_record(w, d.end.as_ref())?;
    w.var(u64::from(d.seen))?;
    w.var(u64::from(d.stride))
}

pub(crate) fn read_data<const N: usize>(r: &mut Reader<'_>) -> Option<TransactionData<N>> {
    let mut d = TransactionData::<N>::new();
    read_data_into(r, &mut d)?;
    Some(d)
}

/// [`read_data`] into `d` (every field set): no `TransactionData` returned by value.
pub(crate) fn read_data_into<const N: usize>(
    r: &mut Reader<'_>,
    d: &mut TransactionData<N>,
) -> Option<()> {
    d.begin = read_opt_record(r)?;
    d.middle.clear();
    for _ in 0..r.u8()? {
        d.middle.push(read_record(r)?).ok()?;
    }
    d.end = read_opt_record(r)?;
    d.seen = r.u32v()?;
    d.stride = r.u32v()?;
    (d.stride != 0).then_some(())
}

pub(crate) fn transaction(w: &mut Writer<'_>, t: &Transaction) -> Result<(), Full> {
    w.u32(t.local_id)?;
    w.var(u64::from(t.connector))?;
    w.str(t.id_tag.as_str())?;
    w.opt_str(t.parent_id_tag.as_ref().map(BoundedString::as_str))?;
    w.ivar(i64::from(t.meter_start))?;
    w.time(t.started)?;
    w.opt_i32(t.transaction_id)?;
    w.opt_i32(t.reservation_id)?;
    w.bool(t.deauthorized)?;
    w.ivar(i64::from(t.last_meter))?;
    w.time(t.last_seen)?;
    data(w, &t.data)
}

pub(crate) fn read_transaction(r: &mut Reader<'_>) -> Option<Transaction> {
    Some(Transaction {
        local_id: r.u32()?,
        connector: r.u32v()?,
        id_tag: r.str()?,
        parent_id_tag: r.opt_str()?,
        meter_start: r.i32v()?,
        started: r.time()?,
        transaction_id: r.opt_i32()?,
        reservation_id: r.opt_i32()?,
        deauthorized: r.bool()?,
        last_meter: r.i32v()?,
        last_seen: r.time()?,
        data: read_data(r)?,
    })
}

pub(crate) fn stop_entry(w: &mut Writer<'_>, e: &StopEntry) -> Result<(), Full> {
    stop_entry_parts(w, e.local_id, &e.data, e.sampled, e.aligned)
}

/// [`stop_entry`] from its parts (the data borrowed from a running transaction).
pub(crate) fn stop_entry_parts<const N: usize>(
    w: &mut Writer<'_>,
    local_id: u32,
    d: &TransactionData<N>,
    sampled: u32,
    aligned: u32,
) -> Result<(), Full> {
    w.u32(local_id)?;
    data(w, d)?;
    w.u32(sampled)?;
    w.u32(aligned)
}

pub(crate) fn read_stop_entry(r: &mut Reader<'_>) -> Option<StopEntry> {
    let mut e = StopEntry::BLANK;
    read_stop_entry_into(r, &mut e)?;
    Some(e)
}

/// [`read_stop_entry`] into `e` (every field set): the entry (about 1 KB) is decoded where the
/// caller keeps it, not returned through copies.
pub(crate) fn read_stop_entry_into(r: &mut Reader<'_>, e: &mut StopEntry) -> Option<()> {
    e.local_id = r.u32()?;
    read_data_into(r, &mut e.data)?;
    e.sampled = r.u32()?;
    e.aligned = r.u32()?;
    Some(())
}

pub(crate) fn reservation(w: &mut Writer<'_>, x: &Reservation) -> Result<(), Full> {
    w.bytes(&x.id.to_le_bytes())?;
    w.var(u64::from(x.connector))?;
    w.str(x.id_tag.as_str())?;
    w.opt_str(x.parent_id_tag.as_ref().map(BoundedString::as_str))?;
    w.time(x.expiry)
}

pub(crate) fn read_reservation(r: &mut Reader<'_>) -> Option<Reservation> {
    Some(Reservation {
        id: i32::from_le_bytes(r.bytes(4)?.try_into().ok()?),
        connector: r.u32v()?,
        id_tag: r.str()?,
        parent_id_tag: r.opt_str()?,
        expiry: r.time()?,
    })
}

/// What to report after the restart that installs new firmware: `0` nothing, `1` and a
/// FirmwareStatus index (UpdateFirmware), `2` and the SignedUpdateFirmware.req's requestId
/// (4 bytes LE: SignedFirmwareStatusNotification `Installed`). The first two are the format of
/// the `bool` and index written before signed firmware existed.
pub(crate) fn firmware(
    w: &mut Writer<'_>,
    f: Option<FirmwareStatus>,
    signed: Option<i32>,
) -> Result<(), Full> {
    match (signed, f) {
        (Some(request_id), _) => {
            w.u8(2)?;
            w.bytes(&request_id.to_le_bytes())
        }
        (None, Some(f)) => {
            w.u8(1)?;
            w.index(FirmwareStatus::ALL, f)
        }
        (None, None) => w.u8(0),
    }
}

/// See [`firmware`].
pub(crate) fn read_firmware(r: &mut Reader<'_>) -> Option<(Option<FirmwareStatus>, Option<i32>)> {
    match r.u8()? {
        0 => Some((None, None)),
        1 => Some((Some(r.index(FirmwareStatus::ALL)?), None)),
        2 => Some((None, Some(i32::from_le_bytes(r.bytes(4)?.try_into().ok()?)))),
        _ => None,
    }
}
