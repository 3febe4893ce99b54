//! The runtime shared by the firmware (`src/main.rs`) and the baseline (`src/bin/empty.rs`):
//! stack painting and measurement, the semihosting report and exit, the panic handler. It does
//! not use ocpp-core, so the baseline's size is what the runtime costs without it.
#![no_std]
// Reading the linker's symbols and painting / scanning the stack region need raw pointers; every
// unsafe block says why it is sound. Nothing else in this crate uses unsafe.
#![allow(unsafe_code)]

// The panic handler: prints the message over semihosting and exits with a failure code, so a
// failed check in QEMU fails `cargo run` (and the size report).
use panic_semihosting as _;

pub mod rt;
