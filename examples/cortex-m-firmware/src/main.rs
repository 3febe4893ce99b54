//! # cortex-m-firmware: ocpp-core on a Cortex-M4, measured
//!
//! Bare-metal firmware for QEMU's MPS2 AN386 board (`cargo run --release` in this directory).
//! It paints the stack, plays a scripted central system against the charge point (boot, an
//! inbound CALL of each profile the build enables, three charging sessions driven by hardware
//! events on a fake clock, a power cut in the middle of the last one and the reboot that
//! delivers its messages), then prints a `REPORT` line with `size_of` the charge point and the
//! stack high-water mark, and exits 0, or non-zero at the first failed check.
//!
//! The calls into ocpp-core are all in `driver.rs`.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

mod central;
mod driver;
mod script;

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use static_cell::ConstStaticCell;

use cortex_m_firmware::rt;

/// The bench's frame buffers.
static FRAMES: ConstStaticCell<central::Frames> = ConstStaticCell::new(central::Frames::new());

#[cfg(feature = "full")]
const VARIANT: &str = "full";
#[cfg(not(feature = "full"))]
const VARIANT: &str = "core-only";

#[entry]
fn main() -> ! {
    // First, before anything deep runs: `main` itself has a tiny frame, `run` has the rest.
    rt::paint_stack();
    run();
    rt::finish(
        VARIANT,
        format_args!(
            "size_of_charge_point={} size_of_small_charge_point={} size_of_storage={}",
            driver::SIZE_OF_CHARGE_POINT,
            driver::SIZE_OF_SMALL_CHARGE_POINT,
            driver::SIZE_OF_STORAGE
        ),
        true,
    )
}

/// The whole run; a failed check panics (the panic handler exits non-zero).
#[inline(never)]
fn run() {
    hprintln!(
        "cortex-m-firmware ({}): size_of ChargePoint = {} bytes, storage = {} bytes, stack = {} bytes",
        VARIANT,
        driver::SIZE_OF_CHARGE_POINT,
        driver::SIZE_OF_STORAGE,
        rt::stack_size()
    );
    let drv = driver::Driver::new(driver::CHARGE_POINT.take());
    let mut bench = central::Bench::new(drv, FRAMES.take());
    bench.power_on();
    bench.play(script::SCRIPT);
    let b = &bench.board;
    assert!(!b.offer, "the contactor is still on at the end");
    hprintln!(
        "done: {} steps, {} frames from the charge point, {} CALLRESULTs to our CALLs, {} background CALLs answered, {} transactions started, {} stopped, {} charging limits, {} uploads, at {} ms",
        bench.stats.steps,
        bench.stats.frames_out,
        bench.stats.results,
        bench.stats.background,
        b.started,
        b.stopped,
        b.limit_changes,
        b.uploads,
        bench.now.millis()
    );
}
