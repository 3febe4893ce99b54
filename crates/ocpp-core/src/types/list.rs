//! Bounded lists.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list of at most `N` items, stored inline (no allocation).
///
/// Decoding a longer list fails with `OccurenceConstraintViolation`: the charge point declares its
/// limits in configuration keys (see [`crate::limits`]) and the spec's answer to input beyond
/// them is a refusal, not a truncation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct List<T, const N: usize>(heapless::Vec<T, N>);

/// The list is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFull;

impl fmt::Display for ListFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("list is full")
    }
}

impl core::error::Error for ListFull {}

impl<T, const N: usize> List<T, N> {
    /// The capacity.
    pub const CAPACITY: usize = N;

    /// An empty list.
    pub const fn new() -> Self {
        List(heapless::Vec::new())
    }

    /// A list of the `M` items of `items`, in const context too (`M > N` does not compile).
    pub const fn from_array<const M: usize>(items: [T; M]) -> Self {
        List(heapless::Vec::from_array(items))
    }

    /// Appends `item`, or hands it back when the list is full.
    pub fn push(&mut self, item: T) -> Result<(), T> {
        self.0.push(item)
    }

    /// Removes and returns the last item.
    pub fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    /// Drops the first item (the oldest, for a list used as a queue) in place: no copy of it is
    /// made, which matters for the large answers and actions.
    pub fn remove_first(&mut self) {
        let len = self.0.len();
        if len > 0 {
            self.0.as_mut_slice().rotate_left(1);
            self.0.truncate(len - 1);
        }
    }

    /// Removes and returns the first item (the oldest, for a list used as a queue): moved out,
    /// not cloned (a clone of a large enum is a kilobyte of code per type).
    pub fn take_first(&mut self) -> Option<T> {
        if self.0.is_empty() {
            return None;
        }
        self.0.as_mut_slice().rotate_left(1);
        self.0.pop()
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keeps only the items for which `f` is true.
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.0.retain(f);
    }

    /// The items, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.0.as_mut_slice()
    }

    /// Builds a list from `items`, or fails when there are more than `N`.
    pub fn try_from_iter(items: impl IntoIterator<Item = T>) -> Result<Self, ListFull> {
        let mut out = List::new();
        for item in items {
            out.push(item).map_err(|_| ListFull)?;
        }
        Ok(out)
    }
}

impl<T: Clone, const N: usize> List<T, N> {
    /// Copies `items`, or fails when there are more than `N`.
    pub fn try_from_slice(items: &[T]) -> Result<Self, ListFull> {
        Self::try_from_iter(items.iter().cloned())
    }
}

impl<T, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        List::new()
    }
}

impl<T, const N: usize> Deref for List<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.0.as_slice()
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a List<T, N> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<T: Serialize, const N: usize> Serialize for List<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for List<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ListVisitor::<T, N>(PhantomData))
    }
}

struct ListVisitor<T, const N: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for ListVisitor<T, N> {
    type Value = List<T, N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {N} items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = List::new();
        while let Some(item) = seq.next_element()? {
            if out.push(item).is_err() {
                return Err(de::Error::invalid_length(N + 1, &self));
            }
        }
        Ok(out)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a, T: arbitrary::Arbitrary<'a>, const N: usize> arbitrary::Arbitrary<'a> for List<T, N> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        // Keep generated lists short: the interesting cases are empty, one, a few, and full.
        let len = match u.int_in_range(0u8..=7)? {
            0..=5 => u.int_in_range(0..=N.min(3))?,
            6 => N,
            _ => u.int_in_range(0..=N)?,
        };
        let mut out = List::new();
        for _ in 0..len {
            if out.push(T::arbitrary(u)?).is_err() {
                break;
            }
        }
        Ok(out)
    }
}

/// A [`List`] of any capacity, for tables whose capacity a type parameter chooses (see
/// `charge_point::Limits`): stable Rust cannot size an array by a generic parameter's associated
/// const, but an associated *type* can be `List<T, 2>` or `List<T, 4>`, bounded by this trait.
/// Implemented by [`List`] only; its methods are [`List`]'s.
pub trait ListOf<T>: Deref<Target = [T]> + Clone + fmt::Debug + 'static {
    /// The empty list (all zero bytes when `T`'s are: a `static` stays in `.bss`).
    const EMPTY: Self;
    /// The capacity.
    const CAPACITY: usize;
    /// See [`List::push`].
    fn push(&mut self, item: T) -> Result<(), T>;
    /// See [`List::clear`].
    fn clear(&mut self);
    /// See [`List::retain`].
    fn retain(&mut self, f: impl FnMut(&T) -> bool);
    /// See [`List::as_mut_slice`].
    fn as_mut_slice(&mut self) -> &mut [T];
    /// See [`List::remove_first`].
    fn remove_first(&mut self);
    /// See [`List::take_first`].
    fn take_first(&mut self) -> Option<T>;
}

impl<T: Clone + fmt::Debug + 'static, const N: usize> ListOf<T> for List<T, N> {
    const EMPTY: Self = List::new();
    const CAPACITY: usize = N;
    fn push(&mut self, item: T) -> Result<(), T> {
        List::push(self, item)
    }
    fn clear(&mut self) {
        List::clear(self);
    }
    fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        List::retain(self, f);
    }
    fn as_mut_slice(&mut self) -> &mut [T] {
        List::as_mut_slice(self)
    }
    fn remove_first(&mut self) {
        List::remove_first(self);
    }
    fn take_first(&mut self) -> Option<T> {
        List::take_first(self)
    }
}
