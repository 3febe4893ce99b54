//! # minimal-charger: how to wire the loop, the hardware and the storage
//!
//! One complete charging session, start to finish, in a single process: the `ocpp-core` charge
//! point, the hardware behind `ocpp-hal`'s [`Station`] (here the simulated charger; on a real
//! board, your drivers), a storage, and a fake central system that answers every frame itself.
//! No sockets and no sleeps: time is a counter we advance to the next deadline.
//!
//! Run it with `cargo run -p minimal-charger`. Every frame is printed with the charge point's
//! wall clock. docs/integration.md walks through this file.

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

    // -- 4. The charge point, restored from storage (a journal left by a power loss would be
    //       finished here: its transactions get a StopTransaction with reason PowerLoss).
    let mut cp = ChargePoint::new(setup, storage, now);

    // -- 5. The hardware. `Station` polls sensors, meters and the card reader into events and
    //       carries the charge point's actions out on the contactor and the lock. Here: the
    //       simulated charger with an EV that would take 11 kW, battery at 40 %. It has no
    //       real-time clock (`ocpp_hal::Clock`): the wall clock reads 1970 until the central
    //       system's BootNotification.conf gives the time.
    let mut hardware = SimCharger::new(1);
    hardware.set_register_wh(1, 1_520_000); // the meter is not new
    hardware.set_ev_power(1, 11_000);
    hardware.set_ev_battery(1, 60_000, 40);
    let mut station = Station::new(hardware, 1);

    // -- 6. The network. A real charger opens a WebSocket to `<central system URL>/<identity>`
    //       with subprotocol `ocpp1.6`, then calls `handle_connected`; each text message
    //       received goes to `handle_frame`, a closed socket to `handle_disconnected`. Here the
    //       "socket" is a function call to the fake central system.
    let mut central = CentralSystem {
        next_transaction: 1,
    };
    cp.handle_connected(now);

    // The transmit buffer: every frame the charge point sends is written here. 8 KiB holds
    // everything but a GetConfiguration.conf with long vendor values (docs/integration.md).
    let mut buf = [0u8; 8 * 1024];
    let mut script = SCRIPT.iter().peekable();

    // -- 7. The loop. The contract: after any input (a frame, an event, the connection, time),
    //       drain the outputs (actions and frames), then sleep until `poll_timeout` or the next
    //       input. Waking early, or more often, is harmless.
    loop {
        // What happened at the charger since the last turn (the simulation's "world").
        while let Some((_, step)) = script.next_if(|(at, _)| *at <= now.millis()) {
            let hw = station.hal_mut();
            match step {
                Step::PlugIn => hw.plug(1),
                Step::PresentCard => _ = hw.present_tag(1, CARD),
                Step::Unplug => hw.unplug(1),
                Step::End => return finish(&station, &cp),
            }
        }

        // Inputs from the hardware: plug, EV, faults, meters, cards -> events (changes only).
        station.hal_mut().advance(now); // simulation only: let energy flow up to `now`
        station.poll_hardware(&mut cp, now);
        // Timers: heartbeats, meter samples, retries, timeouts.
        cp.handle_timeout(now);

        // Outputs, part 1: actions. The station has already switched the contactor or the lock;
        // what is left is the integrator's (display, LEDs, logs, DataTransfer).
        while let Some(action) = station.poll_action(&mut cp, now) {
            let what = match action {
                Action::Authorization { status, .. } => format!("display: card {status:?}"),
                Action::EnergyOffer { enabled, .. } => format!("contactor: {}", on_off(enabled)),
                Action::CableLock { locked, .. } => format!("cable lock: {}", on_off(locked)),
                // DataTransferRequested: answer with cp.answer_data_transfer(..).
                // Reset (host only; a microcontroller restarts inside the HAL): build a new
                // ChargePoint from the same storage, then station.resync().
                other => format!("action: {other:?}"),
            };
            println!("{:>10}{what}", "");
        }

        // Outputs, part 2: frames. Send each one; the central system's answers are inputs, so
        // after handing them over we go round again at the same instant to drain what they
        // caused (a StartTransaction after an Authorize.conf, say).
        let mut answers = Vec::new();
        while let Some(frame) = cp.poll_transmit(now, &mut buf) {
            println!("{} CP -> {frame}", cp.wall_clock(now));
            answers.extend(central.receive(frame, now));
        }
        if !answers.is_empty() {
            for answer in answers {
                println!("{} CS -> {answer}", cp.wall_clock(now));
                cp.handle_frame(&answer, now);
            }
            continue;
        }

        // Sleep until the charge point or the hardware poll needs us, or the next thing happens.
        // A real loop waits on the socket with this timeout (select!, poll(2), an RTOS queue).
        let mut wake = station.poll_timeout(&cp);
        if let Some((at, _)) = script.peek() {
            wake = wake.min(Instant(*at));
        }
        now = wake.max(now.add_millis(1)); // fake clock: jump straight there
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
