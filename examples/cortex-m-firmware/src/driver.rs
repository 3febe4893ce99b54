//! Every call into ocpp-core's charge point, in one place.
//!
//! The core's loop is one input and one output (`handle_input(Input, now)`,
//! `poll_output(now, buf) -> Output`); after any input the caller drains `poll_output` until it
//! returns `Output::Timeout`.

use core::mem::size_of;

use core::cell::RefCell;

use cortex_m::interrupt::{self, Mutex};
use ocpp_core::charge_point::{
    ChargePoint, MemoryStorage, MeterReadings, Reading, RecordKey, Setup, Storage,
};
use ocpp_core::rpc::Frame;
use ocpp_core::types::DateTime;
use static_cell::ConstStaticCell;

pub use ocpp_core::charge_point::{Action, Event, Instant};

/// Bytes per record in the RAM storage: the largest record, the journal, is at most
/// `ocpp_core::limits::JOURNAL_RECORD_MAX` (16 KiB) bytes.
pub const RECORD_SLOT: usize = ocpp_core::limits::JOURNAL_RECORD_MAX;

/// The records, in RAM that survives a "power cut" (a restart of the charge point), as flash
/// would. In its own static, shared with the charge point through [`Store`].
pub type Records = MemoryStorage<RECORD_SLOT>;

/// The records' place.
static RECORDS: Mutex<RefCell<Records>> = Mutex::new(RefCell::new(Records::new()));

/// The charge point's storage: a handle (zero bytes) on [`RECORDS`], so that the charge point
/// can be a constant in a `static` and the records outlive every restart.
pub struct Store;

impl Storage for Store {
    type Error = <Records as Storage>::Error;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, Self::Error> {
        interrupt::free(|cs| RECORDS.borrow(cs).borrow_mut().load(key, buf))
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), Self::Error> {
        interrupt::free(|cs| RECORDS.borrow(cs).borrow_mut().store(key, data))
    }
}

/// The charge point, built in place: `ChargePoint::unstarted` is a `const fn` whose value is
/// zero, so the static lands in .bss (no flash image, no stack temporary); `start` sets it up.
pub type Cp = ChargePoint<Store>;

/// `size_of` the charge point (the storage is a zero-sized handle).
pub const SIZE_OF_CHARGE_POINT: usize = size_of::<Cp>();
/// `size_of` the small profile's charge point (1-2 connectors, local list 32, cache 16).
pub const SIZE_OF_SMALL_CHARGE_POINT: usize =
    size_of::<ocpp_core::charge_point::SmallChargePoint<Store>>();
/// `size_of` the records.
pub const SIZE_OF_STORAGE: usize = size_of::<Records>();

/// The charge point's static.
pub static CHARGE_POINT: ConstStaticCell<Cp> = ConstStaticCell::new(ChargePoint::unstarted(Store));

pub use ocpp_core::charge_point::{Input, Output};

/// The charge point in its static.
pub struct Driver {
    cp: &'static mut Cp,
}

impl Driver {
    /// A driver for the (unstarted) charge point.
    pub fn new(cp: &'static mut Cp) -> Self {
        Driver { cp }
    }

    /// Power-on: the charge point starts in place and restores what the records hold.
    #[inline(never)]
    pub fn power_on(&mut self, now: Instant, scratch: &mut [u8]) {
        let mut setup = Setup::new("ExampleVendor", "CortexM4", 1);
        setup.boot.charge_point_serial_number = "QEMU-AN386-1".try_into().ok();
        setup.boot.firmware_version = "0.1.0".try_into().ok();
        self.cp.start(setup, now, scratch);
    }

    fn cp(&mut self) -> &mut Cp {
        self.cp
    }

    /// Feeds one input. A refused input (an unknown connector) is a failed check here.
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) {
        if let Err(refused) = self.cp().handle_input(input, now) {
            panic!("input refused: {refused}");
        }
    }

    /// The next output: records are written, then actions, frames, and last the deadline.
    pub fn poll_output<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Output<'b> {
        self.cp().poll_output(now, buf)
    }

    /// Outputs lost because the drain rule was broken (must stay 0).
    pub fn dropped_outputs(&self) -> u32 {
        self.cp.dropped_outputs()
    }

    /// Transaction messages waiting for delivery.
    pub fn queued_transaction_messages(&self) -> usize {
        self.cp.queued_transaction_messages()
    }

    /// The upload an `Action::UploadLog` asks for (security whitepaper N01): the security log
    /// read back into `buf` within the request's time window and written as lines (the
    /// "upload"); the event that reports it, and the number of lines.
    #[cfg(feature = "full")]
    pub fn upload_log(&mut self, buf: &mut [u8]) -> (Event, usize) {
        use ocpp_core::charge_point::security_log::SecurityLogEntry;
        let (request_id, oldest, latest) = self.cp.log_request().map_or((0, None, None), |r| {
            (r.request_id, r.oldest_timestamp, r.latest_timestamp)
        });
        let mut line = [0u8; SecurityLogEntry::LINE_MAX];
        let lines = match self.cp().security_log(buf, oldest, latest) {
            Ok(entries) => entries.filter(|e| e.line(&mut line).is_some()).count(),
            Err(_) => 0,
        };
        let status = ocpp_core::v16::UploadLogStatus::Uploaded;
        (Event::LogUploaded { request_id, status }, lines)
    }
}

// ---------------------------------------------------------------------------------------------
// Events the hardware would produce.

/// A cable was plugged into `connector`.
pub fn plugged(connector: u32) -> Event {
    Event::Plugged { connector }
}

/// The cable was removed.
pub fn unplugged(connector: u32) -> Event {
    Event::Unplugged { connector }
}

/// A card was presented at the reader of `connector`.
pub fn id_tag(connector: u32, tag: &str) -> Event {
    Event::IdTag {
        connector: Some(connector),
        // Not `expect`: it would format the error with Debug (the formatting builders, 1 KB).
        id_tag: tag
            .try_into()
            .unwrap_or_else(|_| panic!("id tag longer than 20 characters")),
    }
}

/// Whether the EV draws energy (`Charging` versus `SuspendedEV`).
pub fn ev_charging(connector: u32, charging: bool) -> Event {
    Event::EvCharging {
        connector,
        charging,
    }
}

/// A reading of the energy register.
pub fn meter(connector: u32, wh: u32) -> Event {
    Event::Meter {
        connector,
        readings: MeterReadings {
            energy_active_import_wh: Some(Reading::from(wh)),
            ..MeterReadings::default()
        },
    }
}

/// The answer of the cable lock to [`Action::Unlock`].
pub fn unlock_result(connector: u32, unlocked: bool) -> Event {
    Event::UnlockResult {
        connector,
        unlocked,
    }
}

// ---------------------------------------------------------------------------------------------
// OCPP-J framing for the scripted central system.

/// A frame, as the central system sees it.
pub enum Parsed<'a> {
    /// `[2, id, action, payload]`
    Call {
        /// The message id.
        id: &'a str,
        /// The action name.
        action: &'a str,
        /// The payload's JSON text.
        payload: &'a str,
    },
    /// `[3, id, payload]`
    Result {
        /// The message id.
        id: &'a str,
        /// The payload's JSON text.
        payload: &'a str,
    },
    /// `[4, id, code, description, details]`
    Error {
        /// The message id.
        id: &'a str,
        /// The error code.
        code: &'a str,
    },
    /// Not a valid OCPP-J frame.
    Invalid,
}

/// Parses a frame the charge point sent.
pub fn parse(text: &str) -> Parsed<'_> {
    match Frame::parse(text) {
        Ok(Frame::Call(c)) => Parsed::Call {
            id: c.id,
            action: c.action,
            payload: c.payload,
        },
        Ok(Frame::CallResult(r)) => Parsed::Result {
            id: r.id,
            payload: r.payload,
        },
        Ok(Frame::CallError(e)) => Parsed::Error {
            id: e.id,
            code: e.code.as_str(),
        },
        Err(_) => Parsed::Invalid,
    }
}

/// The central system's wall clock: 2025-03-01T09:00:00Z at `Instant(0)`, advancing with the
/// fake clock. Displays as an OCPP date-time.
pub fn cs_time(now: Instant) -> impl core::fmt::Display {
    DateTime::from_utc(2025, 3, 1, 9, 0, 0, 0)
        .unwrap_or_default()
        .add_millis(i64::try_from(now.millis()).unwrap_or(i64::MAX))
}
