//! The queue of our requests that are not transaction-related ([`Request`]: StatusNotification,
//! Authorize, MeterValues outside a transaction, ...), held encoded.
//!
//! Why encoded: a decoded [`Request`] is as large as its largest variant (a StatusNotification
//! with two `CiString50`, a MeterValues with a full [`MeterReadings`](super::MeterReadings)),
//! about 270 bytes, while a typical one is a dozen bytes (a StatusNotification without `info`) to
//! sixty (a clock-aligned MeterValues of 7 measurands). Sixteen fixed slots cost 4.4 KB; the same
//! sixteen requests fit in about a quarter of that. A request is decoded when it is sent, which
//! gives it back exactly as it was queued (the same status, error code, `info` and timestamp):
//! the queue changes what RAM holds, not what is sent.
//!
//! These requests live in RAM only, as the spec allows (§3.7: only transaction-related messages
//! must survive). When `MAX` are queued a new one is refused (`push` gives it back), as the
//! sixteen slots did. When the bytes run out first (only MeterValues outside a transaction can
//! accumulate: a StatusNotification replaces the connector's previous one, an Authorize waits
//! per identifier), the oldest queued MeterValues make room for any other request, so that a
//! StatusNotification or an Authorize is never refused for want of bytes; a MeterValues that
//! does not fit is refused.

use super::journal::codec::{self, Reader, Writer};
use super::outbox::Request;
use crate::types::Slots;
use crate::v16::{ChargePointErrorCode, ChargePointStatus};
#[cfg(feature = "profile-firmware")]
use crate::v16::{DiagnosticsStatus, FirmwareStatus};
#[cfg(feature = "profile-security")]
use crate::v16::{SignedFirmwareStatus, UploadLogStatus};

/// Requests in encoded form, oldest first: at most `MAX` of them in the bytes of `B`, each entry
/// `[len: u8][tag: u8][fields]`. All zero bytes when empty (it can start in `.bss`).
#[derive(Clone)]
pub(crate) struct RequestQueue<B: Slots<u8>, const MAX: usize> {
    buf: B,
    used: u16,
    count: u8,
}

const BOOT: u8 = 0;
const HEARTBEAT: u8 = 1;
const STATUS: u8 = 2;
const AUTHORIZE: u8 = 3;
const METER: u8 = 4;
#[cfg(feature = "profile-firmware")]
const FIRMWARE_STATUS: u8 = 5;
#[cfg(feature = "profile-firmware")]
const DIAGNOSTICS_STATUS: u8 = 6;
const DATA_TRANSFER: u8 = 7;
#[cfg(feature = "profile-security")]
const SIGN_CERTIFICATE: u8 = 8;
#[cfg(feature = "profile-security")]
const LOG_STATUS: u8 = 9;
#[cfg(feature = "profile-security")]
const SIGNED_FIRMWARE_STATUS: u8 = 10;

/// The largest encoded request: a MeterValues with every reading at its widest (tag 1,
/// connector 5, transactionId 5, the sample 167: timestamp 10, context 1, measurands 4, reading
/// mask 2, 15 readings of 10), larger than a StatusNotification with `info` and
/// `vendorErrorCode` of 50 characters (tag 1, connector 5, 2 indices, timestamp 10, 2 x 52).
pub(crate) const REQUEST_MAX: usize = 1 + 5 + 5 + (10 + 1 + 4 + 2 + 15 * 10);

/// The largest encoding of a request, with a sample's two `Energy.Active.*.Interval` values
/// (presence byte and two values of 10). Queues are sized by [`REQUEST_MAX`] all the same:
/// any request but a MeterValues can always drop queued MeterValues to make room, and a
/// MeterValues whose readings and interval values are all at their widest (values beyond
/// 2^62 mWh) can only be refused when the queue is full of others.
const ENCODED_MAX: usize = REQUEST_MAX + 1 + 2 * 10;

/// The bytes a queue needs to hold `n` requests of any kind (each entry has a length byte).
pub(crate) const fn bytes_for(n: usize) -> usize {
    n * (1 + REQUEST_MAX)
}

impl<B: Slots<u8>, const MAX: usize> RequestQueue<B, MAX> {
    /// Empty; `const` for in-place start.
    pub(crate) const fn new() -> Self {
        const {
            assert!(B::LEN <= u16::MAX as usize && MAX <= u8::MAX as usize);
        }
        RequestQueue {
            buf: B::EMPTY,
            used: 0,
            count: 0,
        }
    }

    /// Removes every request, in place.
    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.count = 0;
    }

    /// Requests queued.
    #[cfg(test)]
    pub(crate) const fn len(&self) -> usize {
        self.count as usize
    }

    /// Appends `request`, or gives it back when `MAX` are queued or its encoding does not fit
    /// the bytes left.
    pub(crate) fn push(&mut self, request: Request) -> Result<(), Request> {
        self.insert(request, false)
    }

    /// Puts `request` before every queued one (a CALL that went unanswered when the connection
    /// ended goes again first), or gives it back when `MAX` are queued or it does not fit, after
    /// the oldest MeterValues made what room they can, as in [`RequestQueue::push`].
    pub(crate) fn push_front(&mut self, request: Request) -> Result<(), Request> {
        self.insert(request, true)
    }

    /// Encodes `request` and stores it last, or first when `front`.
    fn insert(&mut self, request: Request, front: bool) -> Result<(), Request> {
        if usize::from(self.count) >= MAX {
            return Err(request);
        }
        let mut tmp = [0u8; ENCODED_MAX];
        let mut w = Writer::new(&mut tmp);
        if encode(&mut w, &request).is_err() {
            return Err(request);
        }
        let n = w.pos();
        let (Ok(len), Some(encoded)) = (u8::try_from(n), tmp.get(..n)) else {
            return Err(request);
        };
        // Out of bytes: the oldest MeterValues make room for anything but another MeterValues.
        while usize::from(self.used) + 1 + n > B::LEN {
            if matches!(request, Request::Meter { .. }) || !self.drop_oldest_meter() {
                return Err(request);
            }
        }
        let used = usize::from(self.used);
        let at = if front {
            // Room was made above: the queued entries move up by this one's size.
            self.buf.as_mut().copy_within(0..used, 1 + n);
            0
        } else {
            used
        };
        let Some(dst) = self.buf.as_mut().get_mut(at..at + 1 + n) else {
            return Err(request);
        };
        if let Some((first, rest)) = dst.split_first_mut() {
            *first = len;
            rest.copy_from_slice(encoded);
        }
        self.used += 1 + u16::from(len);
        self.count += 1;
        Ok(())
    }

    /// Drops the oldest queued MeterValues; whether there was one.
    fn drop_oldest_meter(&mut self) -> bool {
        let meter = self
            .entries()
            .find(|(_, e)| e.first() == Some(&METER))
            .map(|(at, e)| (at, 1 + e.len()));
        if let Some((at, size)) = meter {
            self.remove(at, size);
        }
        meter.is_some()
    }

    /// The oldest request, decoded.
    pub(crate) fn first(&self) -> Option<Request> {
        self.entries().next().and_then(|(_, e)| decode(e))
    }

    /// Removes the oldest request.
    pub(crate) fn pop_front(&mut self) {
        if let Some(size) = self.entry_at(0).map(|e| 1 + e.len()) {
            self.remove(0, size);
        }
    }

    /// Keeps the requests `keep` accepts (an entry that does not decode is dropped).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Request) -> bool) {
        let mut at = 0;
        while let Some((size, kept)) = self
            .entry_at(at)
            .map(|e| (1 + e.len(), decode(e).is_some_and(|r| keep(&r))))
        {
            if kept {
                at += size;
            } else {
                self.remove(at, size);
            }
        }
    }

    fn entry_at(&self, at: usize) -> Option<&[u8]> {
        let data = self.buf.as_ref().get(at..usize::from(self.used))?;
        let (len, rest) = data.split_first()?;
        rest.get(..usize::from(*len))
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        let mut at = 0;
        core::iter::from_fn(move || {
            let e = self.entry_at(at)?;
            let here = at;
            at += 1 + e.len();
            Some((here, e))
        })
    }

    fn remove(&mut self, at: usize, size: usize) {
        let used = usize::from(self.used);
        let end = (at + size).min(used);
        self.buf.as_mut().copy_within(end..used, at);
        // `end - at` <= `used`, which fits u16.
        self.used = u16::try_from(used - (end - at)).unwrap_or(0);
        self.count = self.count.saturating_sub(1);
    }
}

impl<B: Slots<u8>, const MAX: usize> PartialEq for RequestQueue<B, MAX> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.buf.as_ref().get(..usize::from(self.used))
                == other.buf.as_ref().get(..usize::from(other.used))
    }
}

impl<B: Slots<u8>, const MAX: usize> core::fmt::Debug for RequestQueue<B, MAX> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.entries().filter_map(|(_, e)| decode(e)))
            .finish()
    }
}

fn encode(w: &mut Writer<'_>, r: &Request) -> Result<(), codec::Full> {
    match r {
        Request::Boot => w.u8(BOOT),
        Request::Heartbeat => w.u8(HEARTBEAT),
        Request::Status {
            connector,
            status,
            error_code,
            info,
            vendor_error_code,
            timestamp,
        } => {
            w.u8(STATUS)?;
            w.var(u64::from(*connector))?;
            w.index(ChargePointStatus::ALL, *status)?;
            w.index(ChargePointErrorCode::ALL, *error_code)?;
            w.time(*timestamp)?;
            w.opt_str(info.as_deref())?;
            w.opt_str(vendor_error_code.as_deref())
        }
        Request::Authorize { connector, id_tag } => {
            w.u8(AUTHORIZE)?;
            w.bool(connector.is_some())?;
            w.var(u64::from(connector.unwrap_or(0)))?;
            w.str(id_tag.as_str())
        }
        Request::Meter {
            connector,
            transaction_id,
            sample,
        } => {
            w.u8(METER)?;
            w.var(u64::from(*connector))?;
            w.opt_i32(*transaction_id)?;
            codec::sample(w, sample)
        }
        #[cfg(feature = "profile-firmware")]
        Request::FirmwareStatus(s) => {
            w.u8(FIRMWARE_STATUS)?;
            w.index(FirmwareStatus::ALL, *s)
        }
        #[cfg(feature = "profile-firmware")]
        Request::DiagnosticsStatus(s) => {
            w.u8(DIAGNOSTICS_STATUS)?;
            w.index(DiagnosticsStatus::ALL, *s)
        }
        Request::DataTransfer => w.u8(DATA_TRANSFER),
        #[cfg(feature = "profile-security")]
        Request::SignCertificate => w.u8(SIGN_CERTIFICATE),
        #[cfg(feature = "profile-security")]
        Request::LogStatus { status, request_id } => {
            w.u8(LOG_STATUS)?;
            w.index(UploadLogStatus::ALL, *status)?;
            w.opt_i32(*request_id)
        }
        #[cfg(feature = "profile-security")]
        Request::SignedFirmwareStatus { status, request_id } => {
            w.u8(SIGNED_FIRMWARE_STATUS)?;
            w.index(SignedFirmwareStatus::ALL, *status)?;
            w.opt_i32(*request_id)
        }
    }
}

fn decode(data: &[u8]) -> Option<Request> {
    let mut r = Reader::new(data);
    let request = match r.u8()? {
        BOOT => Request::Boot,
        HEARTBEAT => Request::Heartbeat,
        STATUS => Request::Status {
            connector: r.u32v()?,
            status: r.index(ChargePointStatus::ALL)?,
            error_code: r.index(ChargePointErrorCode::ALL)?,
            timestamp: r.time()?,
            info: r.opt_str()?,
            vendor_error_code: r.opt_str()?,
        },
        AUTHORIZE => {
            let some = r.bool()?;
            let connector = r.u32v()?;
            Request::Authorize {
                connector: some.then_some(connector),
                id_tag: r.str()?,
            }
        }
        METER => Request::Meter {
            connector: r.u32v()?,
            transaction_id: r.opt_i32()?,
            sample: codec::read_sample(&mut r)?,
        },
        #[cfg(feature = "profile-firmware")]
        FIRMWARE_STATUS => Request::FirmwareStatus(r.index(FirmwareStatus::ALL)?),
        #[cfg(feature = "profile-firmware")]
        DIAGNOSTICS_STATUS => Request::DiagnosticsStatus(r.index(DiagnosticsStatus::ALL)?),
        DATA_TRANSFER => Request::DataTransfer,
        #[cfg(feature = "profile-security")]
        SIGN_CERTIFICATE => Request::SignCertificate,
        #[cfg(feature = "profile-security")]
        LOG_STATUS => Request::LogStatus {
            status: r.index(UploadLogStatus::ALL)?,
            request_id: r.opt_i32()?,
        },
        #[cfg(feature = "profile-security")]
        SIGNED_FIRMWARE_STATUS => Request::SignedFirmwareStatus {
            status: r.index(SignedFirmwareStatus::ALL)?,
            request_id: r.opt_i32()?,
        },
        _ => return None,
    };
    r.is_empty().then_some(request)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::charge_point::journal::Sample;
    use crate::charge_point::metering::{MeterReadings, Reading};
    use crate::types::{BoundedString, DateTime};
    use crate::v16::ReadingContext;
    use std::vec::Vec;

    fn status(connector: u32, info: Option<&str>) -> Request {
        Request::Status {
            connector,
            status: ChargePointStatus::Faulted,
            error_code: ChargePointErrorCode::GroundFailure,
            info: info.map(|s| BoundedString::try_from(s).unwrap()),
            vendor_error_code: Some(BoundedString::try_from("E42").unwrap()),
            timestamp: DateTime::from_unix_millis(1_700_000_000_123).unwrap(),
        }
    }

    fn meter() -> Request {
        let readings = MeterReadings {
            energy_active_import_wh: Some(Reading::from_int(123_456).unwrap()),
            ..MeterReadings::default()
        };
        Request::Meter {
            connector: 2,
            transaction_id: Some(-7),
            sample: Sample {
                timestamp: DateTime::from_unix_millis(1_700_000_000_000).unwrap(),
                context: ReadingContext::SampleClock,
                measurands: 1,
                readings,
                intervals: crate::charge_point::metering::IntervalValues::NONE,
            },
        }
    }

    #[test]
    fn every_request_comes_back_as_queued_in_order() {
        let all = [
            Request::Boot,
            Request::Heartbeat,
            status(0, None),
            status(1, Some(&"i".repeat(50))),
            Request::Authorize {
                connector: Some(1),
                id_tag: BoundedString::try_from("TAG-0123456789ABCDEF").unwrap(),
            },
            Request::Authorize {
                connector: None,
                id_tag: BoundedString::try_from("X").unwrap(),
            },
            meter(),
            #[cfg(feature = "profile-firmware")]
            Request::FirmwareStatus(FirmwareStatus::Installed),
            #[cfg(feature = "profile-firmware")]
            Request::DiagnosticsStatus(DiagnosticsStatus::UploadFailed),
            Request::DataTransfer,
            #[cfg(feature = "profile-security")]
            Request::LogStatus {
                status: UploadLogStatus::Uploading,
                request_id: Some(-12),
            },
            #[cfg(feature = "profile-security")]
            Request::LogStatus {
                status: UploadLogStatus::Idle,
                request_id: None,
            },
        ];
        let mut q = RequestQueue::<[u8; 1024], 16>::new();
        for r in &all {
            q.push(r.clone()).unwrap();
        }
        assert_eq!(q.len(), all.len());
        for r in &all {
            assert_eq!(q.first().as_ref(), Some(r));
            q.pop_front();
        }
        assert_eq!(q.len(), 0);
        assert_eq!(q.first(), None);
    }

    #[test]
    fn the_widest_requests_fit_their_bound() {
        let widest = Reading::from_milli(-999_999_999_999_999_999).unwrap();
        let readings = MeterReadings {
            energy_active_import_wh: Some(widest),
            energy_active_export_wh: Some(widest),
            power_active_import_w: Some(widest),
            power_active_export_w: Some(widest),
            current_import_a: [Some(widest); 3],
            voltage_v: [Some(widest); 3],
            current_offered_a: Some(widest),
            power_offered_w: Some(widest),
            soc_percent: Some(widest),
            temperature_c: Some(widest),
            frequency_hz: Some(widest),
        };
        let meter = Request::Meter {
            connector: u32::MAX,
            transaction_id: Some(i32::MIN),
            sample: Sample {
                timestamp: DateTime::from_unix_millis(-62_135_596_800_000).unwrap(),
                context: ReadingContext::SampleClock,
                measurands: u32::MAX,
                readings,
                intervals: crate::charge_point::metering::IntervalValues::NONE,
            },
        };
        let status = Request::Status {
            connector: u32::MAX,
            status: ChargePointStatus::Faulted,
            error_code: ChargePointErrorCode::OtherError,
            info: Some(BoundedString::try_from("i".repeat(50).as_str()).unwrap()),
            vendor_error_code: Some(BoundedString::try_from("v".repeat(50).as_str()).unwrap()),
            timestamp: DateTime::from_unix_millis(-62_135_596_800_000).unwrap(),
        };
        // Four of the widest fill a queue of `bytes_for(4)`, as four slots did.
        let mut q = RequestQueue::<[u8; bytes_for(4)], 4>::new();
        for r in [&meter, &status, &meter, &meter] {
            q.push(r.clone()).unwrap();
        }
        for r in [&meter, &status, &meter, &meter] {
            assert_eq!(q.first().as_ref(), Some(r));
            q.pop_front();
        }
    }

    #[test]
    fn push_front_goes_before_every_queued_request() {
        let mut q = RequestQueue::<[u8; 1024], 4>::new();
        q.push(Request::Heartbeat).unwrap();
        q.push(status(1, Some("after"))).unwrap();
        q.push_front(Request::DataTransfer).unwrap();
        q.push_front(status(2, None)).unwrap();
        let mut order = std::vec::Vec::new();
        while let Some(r) = q.first() {
            order.push(r);
            q.pop_front();
        }
        assert_eq!(
            order,
            [
                status(2, None),
                Request::DataTransfer,
                Request::Heartbeat,
                status(1, Some("after"))
            ]
        );
        // Full by count: given back, nothing changed.
        let mut q = RequestQueue::<[u8; 1024], 1>::new();
        q.push(Request::Heartbeat).unwrap();
        assert_eq!(q.push_front(Request::Boot), Err(Request::Boot));
        assert_eq!(q.first(), Some(Request::Heartbeat));
    }

    #[test]
    fn full_by_count_or_bytes_gives_the_request_back() {
        let mut q = RequestQueue::<[u8; 1024], 3>::new();
        for _ in 0..3 {
            q.push(Request::Heartbeat).unwrap();
        }
        assert_eq!(q.push(Request::Boot), Err(Request::Boot));
        let mut q = RequestQueue::<[u8; 128], 16>::new();
        let big = status(1, Some(&"i".repeat(50)));
        q.push(big.clone()).unwrap();
        assert_eq!(q.push(big.clone()), Err(big));
        // What still fits is taken.
        q.push(Request::Heartbeat).unwrap();
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn out_of_bytes_the_oldest_meter_values_make_room_for_other_requests() {
        let one = {
            let mut q = RequestQueue::<[u8; 1024], 16>::new();
            q.push(meter()).unwrap();
            usize::from(q.used)
        };
        let mut q = RequestQueue::<[u8; 256], 64>::new();
        let fit = 256 / one;
        for _ in 0..fit {
            q.push(meter()).unwrap();
        }
        // Another MeterValues is refused, nothing dropped.
        assert_eq!(q.push(meter()), Err(meter()));
        assert_eq!(q.len(), fit);
        // A StatusNotification takes the room of the oldest MeterValues.
        let faulted = status(1, Some(&"i".repeat(50)));
        q.push(faulted.clone()).unwrap();
        assert!(q.len() < fit + 1);
        q.push(Request::Heartbeat).unwrap();
        let mut rest = Vec::new();
        while let Some(r) = q.first() {
            rest.push(r);
            q.pop_front();
        }
        let n = rest.len();
        assert_eq!(rest[n - 2..], [faulted, Request::Heartbeat]);
        assert!(rest[..n - 2].iter().all(|r| *r == meter()));
        // Without a MeterValues to drop, a request that does not fit is refused.
        let mut q = RequestQueue::<[u8; 128], 16>::new();
        let big = status(2, Some(&"i".repeat(50)));
        q.push(big.clone()).unwrap();
        assert_eq!(q.push(big.clone()), Err(big));
    }

    #[test]
    fn retain_keeps_order_and_frees_room() {
        let mut q = RequestQueue::<[u8; 256], 16>::new();
        q.push(status(1, Some("a"))).unwrap();
        q.push(Request::Heartbeat).unwrap();
        q.push(status(2, None)).unwrap();
        q.push(meter()).unwrap();
        q.retain(|r| !matches!(r, Request::Status { connector: 1, .. }));
        assert_eq!(q.len(), 3);
        assert_eq!(q.first(), Some(Request::Heartbeat));
        q.pop_front();
        assert_eq!(q.first(), Some(status(2, None)));
        q.pop_front();
        assert_eq!(q.first(), Some(meter()));
        q.clear();
        assert_eq!(q.first(), None);
        assert_eq!(q, RequestQueue::new());
    }

    /// The `Limits` design (docs/performance.md, "What stands in the way"): a component whose
    /// budgets are its own const generics, so a small profile is a type, not a fork. The small
    /// profile's queue (512 bytes, 8 requests) measured: half the default's RAM, the same
    /// answers when full (the 9th is not queued, as with 8 slots).
    #[test]
    fn small_profile_queue() {
        type Small = RequestQueue<[u8; 512], 8>;
        type Default = RequestQueue<
            [u8; crate::limits::REQUEST_QUEUE_BYTES],
            { crate::limits::MAX_PENDING_REQUESTS },
        >;
        let (small, default) = (
            core::mem::size_of::<Small>(),
            core::mem::size_of::<Default>(),
        );
        std::println!("RequestQueue: default {default} bytes, small {small} bytes");
        assert!(small <= 512 + 16, "{small}");
        assert!(small * 2 <= default + 16, "{small} / {default}");
        let mut q = Small::new();
        for c in 0..8 {
            q.push(status(c, None)).unwrap();
        }
        assert_eq!(q.len(), 8);
        assert!(q.push(status(9, None)).is_err());
        assert_eq!(q.first(), Some(status(0, None)));
    }
}
