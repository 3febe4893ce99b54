//! `None` as zero bytes: what lets a `static` charge point land in `.bss`.
//!
//! rustc stores `None` of an `Option<T>` in a value `T` never takes (a niche), and picks the
//! largest niche of `T`. When `T` holds an `Option` itself (an optional string, an optional
//! instant), that niche is the inner `Option`'s tag, valid values 0 and 1, so the outer `None`
//! is 2: a charge point whose unstarted value holds such a `None` is not all zero bytes, its
//! `static` goes to `.data`, and its whole size (tens of KB) is copied into flash.
//!
//! [`NoneIsZero`] is a niche larger than any tag (one valid value, 1, of a `u64`): in a struct it
//! is the niche rustc picks, and it takes the free value nearest to zero, so `None` is all zero
//! bytes. It costs 8 bytes per struct; [`ZeroNone`] adds it to a type that is not ours.

use core::ops::{Deref, DerefMut};

/// A field whose only value is 1 (see the module documentation): put it in a struct held as
/// `Option<Struct>` by the charge point so that `None` is zero bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u64)]
pub enum NoneIsZero {
    /// The only value.
    #[default]
    Marker = 1,
}

/// `T` with a [`NoneIsZero`] beside it: `Option<ZeroNone<T>>` is an `Option<T>` whose `None` is
/// zero bytes. Dereferences to `T`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ZeroNone<T> {
    value: T,
    _marker: NoneIsZero,
}

impl<T> ZeroNone<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        ZeroNone {
            value,
            _marker: NoneIsZero::Marker,
        }
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> From<T> for ZeroNone<T> {
    fn from(value: T) -> Self {
        ZeroNone::new(value)
    }
}

impl<T> Deref for ZeroNone<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for ZeroNone<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}
