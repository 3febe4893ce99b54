//! Every call into ocpp-core's charge point, in one place.
//!
//! The rest of the firmware sees the loop as one input and one output, the shape the core's API
//! is moving to (`handle_input(Input, now)`, `poll_output(buf) -> Output`): when it lands, only
//! [`Driver::handle_input`] and [`Driver::poll_output`] change, and only by a few lines.

use core::mem::size_of;

use ocpp_core::charge_point::{ChargePoint, MemoryStorage, MeterReadings, Reading, Setup};
use ocpp_core::rpc::Frame;
use ocpp_core::types::DateTime;

pub use ocpp_core::charge_point::{Action, Event, Instant};

/// Bytes per record in the RAM storage: the largest record, the journal, is at most
/// `ocpp_core::limits::JOURNAL_RECORD_MAX` (16 KiB) bytes.
pub const RECORD_SLOT: usize = ocpp_core::limits::JOURNAL_RECORD_MAX;

/// The storage: records in RAM that survive a "power cut" (a new `ChargePoint`), as flash would.
pub type Store = MemoryStorage<RECORD_SLOT>;

/// The charge point. It borrows the storage, which lives in its own static, so dropping the
/// charge point (a power cut) keeps what was stored.
pub type Cp = ChargePoint<&'static mut Store>;

/// `size_of` the charge point, not counting the storage.
pub const SIZE_OF_CHARGE_POINT: usize = size_of::<Cp>();
/// `size_of` the storage.
pub const SIZE_OF_STORAGE: usize = size_of::<Store>();

/// One input to the charge point.
// `Event` is the core's and large (meter readings); the input is consumed at once, never stored.
#[allow(clippy::large_enum_variant)]
pub enum Input<'a> {
    /// The WebSocket to the central system is open.
    Connected,
    /// A text frame from the central system.
    Frame(&'a str),
    /// Something happened at the charger.
    Event(Event),
    /// Time passed (`poll_output` gave a deadline, or any time: early wakeups are harmless).
    Timeout,
}

/// One output of the charge point.
pub enum Output<'b> {
    /// A frame to send.
    Transmit(&'b str),
    /// Something the hardware must do.
    Action(Action),
    /// Nothing else to do before this instant (`None`: before the next input).
    Timeout(Option<Instant>),
}

/// The charge point in its static slot.
pub struct Driver {
    slot: &'static mut Option<Cp>,
}

impl Driver {
    /// A driver for the (empty) slot.
    pub fn new(slot: &'static mut Option<Cp>) -> Self {
        Driver { slot }
    }

    /// Power-on: a charge point restored from `storage`. Today `ChargePoint::new` returns the
    /// charge point by value, so it is built on the stack and moved into the slot.
    #[inline(never)]
    pub fn power_on(&mut self, storage: &'static mut Store, now: Instant) {
        let mut setup = Setup::new("ExampleVendor", "CortexM4", 1);
        setup.boot.charge_point_serial_number = "QEMU-AN386-1".try_into().ok();
        setup.boot.firmware_version = "0.1.0".try_into().ok();
        *self.slot = Some(ChargePoint::new(setup, storage, now));
    }

    /// Power cut: the charge point is gone, its storage is handed back.
    #[inline(never)]
    pub fn power_cut(&mut self) -> &'static mut Store {
        let cp = self.slot.take().expect("power_cut: no charge point");
        cp.into_storage()
    }

    fn cp(&mut self) -> &mut Cp {
        self.slot.as_mut().expect("no charge point: power_on first")
    }

    /// Feeds one input.
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) {
        let cp = self.cp();
        match input {
            Input::Connected => cp.handle_connected(now),
            Input::Frame(text) => cp.handle_frame(text, now),
            Input::Event(event) => cp.handle_event(event, now),
            Input::Timeout => cp.handle_timeout(now),
        }
    }

    /// The next output: actions first (some are answered with an event that makes a frame), then
    /// frames, then the deadline.
    pub fn poll_output<'b>(&mut self, now: Instant, buf: &'b mut [u8]) -> Output<'b> {
        let cp = self.cp();
        if let Some(action) = cp.poll_action() {
            return Output::Action(action);
        }
        if let Some(frame) = cp.poll_transmit(now, buf) {
            return Output::Transmit(frame);
        }
        Output::Timeout(cp.poll_timeout())
    }

    /// Transaction messages waiting for delivery.
    pub fn queued_transaction_messages(&self) -> usize {
        self.slot
            .as_ref()
            .map_or(0, ChargePoint::queued_transaction_messages)
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
        id_tag: tag.try_into().expect("id tag longer than 20 characters"),
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
