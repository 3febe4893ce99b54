//! The size baseline: the firmware's runtime (cortex-m-rt, stack painting and measurement,
//! semihosting, the panic handler) without ocpp-core. `scripts/size-report` subtracts its
//! figures from the firmware's.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use cortex_m_firmware::rt;
use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;

#[entry]
fn main() -> ! {
    rt::paint_stack();
    hprintln!("cortex-m-firmware baseline: no ocpp-core");
    rt::finish(
        "empty",
        format_args!("size_of_charge_point=0 size_of_storage=0"),
        true,
    )
}
