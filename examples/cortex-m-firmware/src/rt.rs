//! Stack painting and the high-water mark, the report line, and exiting QEMU.
//!
//! cortex-m-rt puts the initial stack pointer at the top of RAM (`_stack_start`, see memory.x)
//! and the stack grows down towards the end of the statics (`__sheap`, where a heap would start:
//! the end of .data, .bss and .uninit). [`paint_stack`], called first thing in `main` from a
//! function with a tiny frame, fills everything below the current stack pointer with
//! [`PAINT`]; [`stack_high_water`] later finds the lowest word that is no longer the pattern.

use cortex_m_semihosting::{debug, hprintln};

/// The pattern painted over the unused stack.
pub const PAINT: u32 = 0xDEAD_BEEF;

/// Words below the current stack pointer left unpainted while painting (none are live: the
/// painting loop keeps everything in registers or above the stack pointer, and no interrupt is
/// enabled), as a safety margin.
const PAINT_MARGIN: usize = 16;

unsafe extern "C" {
    // Defined by cortex-m-rt's link.x: the end of the statics (.data, .bss, .uninit) ...
    static __sheap: u32;
    // ... and the initial stack pointer, the top of RAM.
    static _stack_start: u32;
}

/// The lowest address the stack may use: the end of the statics, rounded up to a word.
fn stack_bottom() -> usize {
    // Only the address of the linker symbol is taken (safe); it is never read.
    let sheap = &raw const __sheap as usize;
    (sheap + 3) & !3
}

/// The initial stack pointer: the top of the stack region.
pub fn stack_top() -> usize {
    // Only the address of the linker symbol is taken (safe); it is never read.
    &raw const _stack_start as usize
}

/// The size of the stack region in bytes.
pub fn stack_size() -> usize {
    stack_top() - stack_bottom()
}

/// Paints the unused stack, from its bottom up to just below the current stack pointer. Call it
/// first, from `main`, before anything deep runs. `inline(never)` keeps its frame its own (and
/// tiny).
#[inline(never)]
pub fn paint_stack() {
    let bottom = stack_bottom();
    let sp = cortex_m::register::msp::read() as usize;
    let end = sp - PAINT_MARGIN * 4;
    let mut p = bottom as *mut u32;
    while (p as usize) < end {
        // SAFETY: `p` is word-aligned and lies between the end of the statics and below the
        // current stack pointer: memory that nothing uses yet (no heap, no interrupt enabled, this
        // function's frame is above `sp`). A volatile write keeps the compiler from treating
        // it as dead.
        unsafe { p.write_volatile(PAINT) };
        p = p.wrapping_add(1);
    }
}

/// The deepest the stack has been since [`paint_stack`], in bytes from its top: the lowest word
/// that no longer holds the pattern. `None` if even the bottom word was overwritten (the stack
/// reached the statics: an overflow).
pub fn stack_high_water() -> Option<usize> {
    let bottom = stack_bottom();
    let top = stack_top();
    let mut p = bottom as *const u32;
    while (p as usize) < top {
        // SAFETY: `p` is word-aligned and inside the stack region [bottom, top), which is RAM
        // (memory.x); reading a word of it is harmless.
        if unsafe { p.read_volatile() } != PAINT {
            return if p as usize == bottom {
                None
            } else {
                Some(top - p as usize)
            };
        }
        p = p.wrapping_add(1);
    }
    Some(0)
}

/// Prints the machine-readable report line and exits QEMU: 0 if `ok` and the stack did not
/// overflow, 1 otherwise. `fields` are extra `key=value` pairs (sizes) put before the stack
/// figures.
pub fn finish(variant: &str, fields: core::fmt::Arguments<'_>, ok: bool) -> ! {
    let high_water = stack_high_water();
    let ok = ok && high_water.is_some();
    if high_water.is_none() {
        hprintln!("FAIL stack overflow: the stack reached the end of the statics");
    }
    hprintln!(
        "REPORT variant={} {} stack_high_water={} stack_size={} result={}",
        variant,
        fields,
        high_water.unwrap_or(stack_size()),
        stack_size(),
        if ok { "ok" } else { "failed" }
    );
    exit(ok)
}

/// Exits QEMU through semihosting with status 0 (`ok`) or 1.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Not reached under QEMU; on a board without a debugger, stop here.
    loop {
        cortex_m::asm::bkpt();
    }
}
