//! Inline storage whose size a type parameter chooses.

use core::fmt;

/// A fixed-size array chosen by a type (see `charge_point::Limits`): stable Rust cannot size an
/// array by a generic parameter's associated const (`[u8; L::BYTES]` needs
/// `generic_const_exprs`), but an associated *type* can be `[u8; 1024]`, bounded by this trait.
/// Implemented for arrays only, so every size stays known at compile time.
pub trait Slots<T>: AsRef<[T]> + AsMut<[T]> + Clone + fmt::Debug + 'static {
    /// Every element empty (zero bytes: a `static` charge point stays in `.bss`).
    const EMPTY: Self;
    /// The number of elements.
    const LEN: usize;
}

impl<const N: usize> Slots<u8> for [u8; N] {
    const EMPTY: Self = [0; N];
    const LEN: usize = N;
}
