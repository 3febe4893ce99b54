//! What every version's enumerations and action names share: the wire tables they are parsed
//! with, and `string_enum!`, which defines an enumeration (OCPP 1.6 and OCPP 2.0.1 alike).

/// The index of `s` in `table` (exact, case-sensitive): how enumeration values and action names
/// are parsed, one copy for all of them.
#[inline(never)]
pub(crate) fn wire_index(table: &[&str], s: &str) -> Option<usize> {
    table.iter().position(|w| *w == s)
}

/// Reads an enumeration value as its index in a wire table (see `string_enum!`): an unknown
/// string is `unknown_variant`, anything but a string a type error.
pub(crate) struct WireIndex(pub &'static [&'static str]);

impl serde::de::Visitor<'_> for WireIndex {
    type Value = usize;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an enumeration value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<usize, E> {
        wire_index(self.0, v).ok_or_else(|| E::unknown_variant(v, self.0))
    }
}

/// Defines an OCPP enumeration: a `Copy` enum whose wire form is the spec's exact string.
///
/// Generates `ALL`, `as_str`, `parse`, `Display`, `Serialize` and `Deserialize` (an unknown
/// string decodes as `UnknownVariant`, answered with `TypeConstraintViolation`).
///
/// `#[none_is_zero]` first: the values are numbered from 1 instead of 0, so that rustc puts
/// `None` of an `Option` of the enum (or of a tuple or struct whose only niche is the enum) at
/// 0 (it takes the free value nearest to zero). For the enums the charge point holds as
/// `Option`s (a status last reported, a reset asked for): its unstarted value is then all zero
/// bytes and a `static` charge point lands in `.bss` instead of costing its size in flash.
/// Nothing else depends on the numbering (the binary records store the index in `ALL`).
macro_rules! string_enum {
    (
        @define [$first_discriminant:literal]
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(#[$fmeta:meta])* $first:ident = $fwire:literal,
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum $name {
            $(#[$fmeta])* #[doc = concat!("`", $fwire, "`")] $first = $first_discriminant,
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant, )*
        }

        impl $name {
            /// Every value, in the spec's order.
            pub const ALL: &'static [$name] = &[$name::$first, $($name::$variant),*];
            const WIRE: &'static [&'static str] = &[$fwire, $($wire),*];

            /// The spec's string for this value.
            pub const fn as_str(self) -> &'static str {
                match self { $name::$first => $fwire, $($name::$variant => $wire,)* }
            }

            /// The value whose spec string is exactly `s` (case-sensitive).
            pub fn parse(s: &str) -> Option<$name> {
                // A search of the static table, shared by every enumeration: smaller than a
                // `match` on strings, which compiles to one comparison per value.
                $crate::wire::wire_index($name::WIRE, s).and_then(|i| $name::ALL.get(i).copied())
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // The index in the wire table, read by one visitor shared by every
                // enumeration: a deserializer's string decoding is linked once for all of them.
                let i = d.deserialize_str($crate::wire::WireIndex($name::WIRE))?;
                $name::ALL
                    .get(i)
                    .copied()
                    .ok_or_else(|| serde::de::Error::unknown_variant("", $name::WIRE))
            }
        }
    };
    (
        #[none_is_zero]
        $(#[$meta:meta])*
        pub enum $name:ident { $($body:tt)* }
    ) => {
        $crate::wire::string_enum! {
            @define [1]
            $(#[$meta])*
            #[doc = ""]
            #[doc = "Numbered from 1: `None` of an `Option` of it is zero bytes."]
            pub enum $name { $($body)* }
        }
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($body:tt)* }
    ) => {
        $crate::wire::string_enum! { @define [0] $(#[$meta])* pub enum $name { $($body)* } }
    };
}

pub(crate) use string_enum;
