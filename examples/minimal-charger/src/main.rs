//! # minimal-charger: how to wire the loop, the hardware and the storage
//!
//! One complete charging session, start to finish, in a single process: the `ocpp-core` charge
//! point, the hardware behind `ocpp-hal`'s [`Station`] (here the simulated charger; on a real
//! board, your drivers), a storage, and a fake central system that answers every frame itself.
//! No sockets and no sleeps: time is a counter we advance to the next deadline.
//!
//! Run it with `cargo run -p minimal-charger`. Every frame is printed with the charge point's
//! wall clock. docs/integration.md walks through this file.

use std::collections::VecDeque;

use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{Action, ChargePoint, Instant, MemoryStorage, Setup};
use ocpp_core::rpc::Frame;
use ocpp_core::types::DateTime;
use ocpp_hal::Station;
use ocpp_hal::sim::SimCharger;

/// What happens at the charger, and when (ms on the fake clock). On a real charger these are
/// people and cars; the hardware reports them through the HAL traits.
enum Step {
    PlugIn,
    PresentCard,
    Unplug,
    End,
}

const SCRIPT: [(u64, Step); 5] = [
    (20_000, Step::PlugIn),           // the driver plugs in after 20 s
    (25_000, Step::PresentCard),      // and holds a card to the reader: Authorize, StartTransaction
    (15 * 60_000, Step::PresentCard), // 15 minutes later, the same card: StopTransaction
    (15 * 60_000 + 30_000, Step::Unplug),
    (16 * 60_000, Step::End),
];

const CARD: &str = "04A2B3C4D5E6F7";

fn main() {
    // -- 1. Storage. The charge point keeps four records (configuration, transaction journal,
    //       authorization cache, local list) and replaces each whole, atomically. MemoryStorage
    //       forgets everything at power-off; a real charger implements `Storage` on flash or
    //       files (see docs/integration.md, "Storage").
    let storage = MemoryStorage::<8192>::new();

    // -- 2. Identity and options: what BootNotification reports, the number of connectors.
    let mut setup = Setup::new("ExampleVendor", "MinimalCharger", 1);
    setup.boot.charge_point_serial_number = "EX-0001".try_into().ok();
    setup.boot.firmware_version = "0.1.0".try_into().ok();

    // -- 3. The clock. `Instant` is monotonic milliseconds from any origin (here: 0 at power-on).
    //       On a microcontroller: a timer tick; on a host: std::time::Instant::elapsed().
    let mut now = Instant(0);

    // -- 4. The transmit buffer: every frame the charge point sends is written here, and the
    //       records it stores are encoded here: 16 KiB holds the largest record (the journal)
    //       and every frame but a GetConfiguration.conf with long vendor values
    //       (docs/integration.md, "Buffers").
    let mut buf = [0u8; 16 * 1024];

    // -- 5. The charge point, restored from storage (records are read into `buf`; a journal left
    //       by a power loss would be finished here: its transactions get a StopTransaction with
    //       reason PowerLoss).
    let mut cp = ChargePoint::new(setup, storage, now, &mut buf);

    // -- 6. The hardware. `Station` polls sensors, meters and the card reader into events and
    //       carries the charge point's actions out on the contactor and the lock. Here: the
    //       simulated charger with an EV that would take 11 kW, battery at 40 %. It has no
    //       real-time clock (`ocpp_hal::Clock`): the wall clock reads 1970 until the central
    //       system's BootNotification.conf gives the time.
    let mut hardware = SimCharger::new(1);
    hardware.set_register_wh(1, 1_520_000); // the meter is not new
    hardware.set_ev_power(1, 11_000);
    hardware.set_ev_battery(1, 60_000, 40);
    let mut station = Station::new(hardware, 1);

    // -- 7. The network. A real charger opens a WebSocket to `<central system URL>/<identity>`
    //       with subprotocol `ocpp1.6`, then feeds `Input::Connected`; each text message
    //       received is an `Input::Frame`, a closed socket `Input::Disconnected`. Here the
    //       "socket" is a function call to the fake central system, and its answers wait in a
    //       queue until they are fed, one input at a time.
    let mut central = CentralSystem {
        next_transaction: 1,
    };
    let mut received: VecDeque<String> = VecDeque::new();
    let mut script = SCRIPT.iter().peekable();
    let _ = cp.handle_input(Input::Connected, now);

    // -- 8. The loop. One input, one output; the contract: after any input, drain
    //       `poll_output` until it returns `Output::Timeout`, then wait for the next input (a
    //       frame, or the deadline: `Input::Timeout`). Waking early, or more often, is harmless.
    //       Through the station, the drain also carries the hardware actions out and feeds the
    //       hardware's changes (plug, EV, faults, meters, cards) as events, one at a time.
    loop {
        let deadline = loop {
            match station.poll_output(&mut cp, now, &mut buf) {
                Output::Transmit(frame) => {
                    println!("{} CP -> {frame}", cp.wall_clock(now));
                    received.extend(central.receive(frame, now));
                }
                // The station has already switched the contactor or the lock; what is left is
                // the integrator's (display, LEDs, logs, DataTransfer).
                Output::Action(action) => {
                    let what = match action {
                        Action::Authorization { status, .. } => format!("display: card {status:?}"),
                        Action::EnergyOffer { enabled, .. } => {
                            format!("contactor: {}", on_off(enabled))
                        }
                        Action::CableLock { locked, .. } => {
                            format!("cable lock: {}", on_off(locked))
                        }
                        // DataTransferRequested: answer with Input::DataTransferAnswer.
                        // Reset (host only; a microcontroller restarts inside the HAL): build a
                        // new ChargePoint from the same storage, then station.resync().
                        other => format!("action: {other:?}"),
                    };
                    println!("{:>10}{what}", "");
                }
                Output::Timeout(t) => break t,
            }
        };

        // The next input: a frame from the central system if one arrived (here at once).
        if let Some(frame) = received.pop_front() {
            println!("{} CS -> {frame}", cp.wall_clock(now));
            let _ = cp.handle_input(Input::Frame(&frame), now);
            continue;
        }

        // Else sleep until the deadline (the charge point's or the hardware poll's) or the next
        // thing that happens at the charger. A real loop waits on the socket with this timeout
        // (select!, poll(2), an RTOS queue).
        let mut wake = deadline.unwrap_or(Instant(u64::MAX));
        if let Some((at, _)) = script.peek() {
            wake = wake.min(Instant(*at));
        }
        now = wake.max(now); // fake clock: jump straight there
        station.hal_mut().advance(now); // simulation only: let energy flow up to `now`

        // What happened at the charger (the simulation's "world"); a real charger would learn
        // of it from an interrupt, or at the next hardware poll.
        while let Some((_, step)) = script.next_if(|(at, _)| *at <= now.millis()) {
            let hw = station.hal_mut();
            match step {
                Step::PlugIn => hw.plug(1),
                Step::PresentCard => _ = hw.present_tag(1, CARD),
                Step::Unplug => hw.unplug(1),
                Step::End => return finish(&station, &cp),
            }
            station.poll_now();
        }
        let _ = cp.handle_input(Input::Timeout, now);
    }
}

/// A central system that accepts everything, answering each CALL at once.
struct CentralSystem {
    next_transaction: i32,
}

impl CentralSystem {
    /// The answers to one frame from the charge point.
    fn receive(&mut self, frame: &str, now: Instant) -> Vec<String> {
        let Ok(Frame::Call(call)) = Frame::parse(frame) else {
            return Vec::new(); // our CALLs' results would arrive here; we send none here
        };
        let time = cs_time(now);
        let payload = match call.action {
            "BootNotification" => {
                format!(r#"{{"status":"Accepted","currentTime":"{time}","interval":300}}"#)
            }
            "Heartbeat" => format!(r#"{{"currentTime":"{time}"}}"#),
            "Authorize" | "StopTransaction" => r#"{"idTagInfo":{"status":"Accepted"}}"#.into(),
            "StartTransaction" => {
                self.next_transaction += 1;
                format!(
                    r#"{{"idTagInfo":{{"status":"Accepted"}},"transactionId":{}}}"#,
                    self.next_transaction
                )
            }
            _ => "{}".into(), // StatusNotification, MeterValues: empty confirmations
        };
        let mut out = vec![format!(r#"[3,"{}",{payload}]"#, call.id)];
        if call.action == "BootNotification" {
            // Right after accepting us, the central system asks for meter values every 5 min
            // instead of every minute (a CALL the other way round: the charge point answers it).
            out.push(
                r#"[2,"cs-1","ChangeConfiguration",{"key":"MeterValueSampleInterval","value":"300"}]"#
                    .into(),
            );
        }
        out
    }
}

/// The central system's clock: 2025-03-01T09:00:00Z at power-on.
fn cs_time(now: Instant) -> DateTime {
    DateTime::from_utc(2025, 3, 1, 9, 0, 0, 0)
        .unwrap_or_default()
        .add_millis(i64::try_from(now.millis()).unwrap_or(i64::MAX))
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn finish(station: &Station<SimCharger>, cp: &ChargePoint<MemoryStorage<8192>>) {
    let sim = station.hal();
    println!(
        "done: meter at {} Wh, EV at {} %, {} queued transaction messages, connector {:?}",
        sim.register_wh(1),
        sim.soc_percent(1).unwrap_or(0),
        cp.queued_transaction_messages(),
        cp.connector_status(1),
    );
}
