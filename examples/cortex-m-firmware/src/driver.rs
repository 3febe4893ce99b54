//! Every call into ocpp-core's charge point, in one place.
//!
//! The core's loop is one input and one output (`handle_input(Input, now)`,
//! `poll_output(now, buf) -> Output`); after any input the caller drains `poll_output` until it
//! returns `Output::Timeout`.

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

pub use ocpp_core::charge_point::{Input, Output};

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
    pub fn power_on(&mut self, storage: &'static mut Store, now: Instant, scratch: &mut [u8]) {
        let mut setup = Setup::new("ExampleVendor", "CortexM4", 1);
        setup.boot.charge_point_serial_number = "QEMU-AN386-1".try_into().ok();
        setup.boot.firmware_version = "0.1.0".try_into().ok();
        *self.slot = Some(ChargePoint::new(setup, storage, now, scratch));
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
        self.slot.as_ref().map_or(0, ChargePoint::dropped_outputs)
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
