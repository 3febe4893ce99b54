//! Macros that keep the 39 actions and the spec's enumerations in one shape.

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
                super::wire_index($name::WIRE, s).and_then(|i| $name::ALL.get(i).copied())
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
                let i = d.deserialize_str(super::WireIndex($name::WIRE))?;
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
        string_enum! {
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
        string_enum! { @define [0] $(#[$meta])* pub enum $name { $($body)* } }
    };
}

/// Defines the action registry: [`Action`](super::Action), the [`Request`](super::Request) and
/// [`Response`](super::Response) enums, and the [`OcppRequest`](super::OcppRequest) impls.
macro_rules! actions {
    (
        $( $(#[$meta:meta])* $action:ident($req:ident, $resp:ident) : $profile:ident, $dir:ident; )*
    ) => {
        /// Every OCPP 1.6 action (the six feature profiles and the security extension).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum Action {
            $( $(#[$meta])* $action, )*
        }

        impl Action {
            /// Every action.
            pub const ALL: &'static [Action] = &[$(Action::$action),*];

            /// The action name on the wire (case-sensitive).
            pub const fn as_str(self) -> &'static str {
                match self { $(Action::$action => stringify!($action),)* }
            }

            /// The action named `s`, exactly (OCPP-J §4.2.1: "case-sensitive").
            pub fn parse(s: &str) -> Option<Action> {
                const NAMES: &[&str] = &[$(stringify!($action)),*];
                wire_index(NAMES, s).and_then(|i| Action::ALL.get(i).copied())
            }

            /// The feature profile (or the security extension) that defines this action.
            pub const fn profile(self) -> Profile {
                match self { $(Action::$action => Profile::$profile,)* }
            }

            /// Who sends the request.
            pub const fn direction(self) -> Direction {
                match self { $(Action::$action => $dir,)* }
            }
        }

        impl core::fmt::Display for Action {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A request (the payload of a CALL) of any action.
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(missing_docs)]
        pub enum Request {
            $( $action($req), )*
        }

        /// A response (the payload of a CALLRESULT) of any action.
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(missing_docs)]
        pub enum Response {
            $( $action($resp), )*
        }

        impl Request {
            /// The action of this request.
            pub const fn action(&self) -> Action {
                match self { $(Request::$action(_) => Action::$action,)* }
            }

            /// Decodes the payload of a CALL for `action`, of either direction (feature
            /// `all-directions`: it links a decoder for every request type).
            #[cfg(feature = "all-directions")]
            pub fn decode(action: Action, payload: &str, opts: &DecodeOptions) -> Result<Request, json::Error> {
                Ok(match action {
                    $(Action::$action => Request::$action(json::from_str(payload, opts)?),)*
                })
            }

            /// Decodes the payload of a CALL that a charge point receives: `None` when the action
            /// is one a charge point sends, or belongs to a feature profile this build leaves
            /// out (both answered `NotSupported`). Links only those request decoders.
            pub fn decode_for_charge_point(
                action: Action,
                payload: &str,
                opts: &DecodeOptions,
            ) -> Option<Result<Request, json::Error>> {
                match action {
                    $(
                        Action::$action
                            if const { $dir.charge_point_receives() && Profile::$profile.enabled() } =>
                        {
                            Some(json::from_str(payload, opts).map(Request::$action))
                        }
                    )*
                    _ => None,
                }
            }
        }

        impl Response {
            /// The action this response answers.
            pub const fn action(&self) -> Action {
                match self { $(Response::$action(_) => Action::$action,)* }
            }

            /// Decodes the payload of a CALLRESULT that answers a CALL for `action`, of either
            /// direction (feature `all-directions`: it links a decoder for every response type).
            #[cfg(feature = "all-directions")]
            pub fn decode(action: Action, payload: &str, opts: &DecodeOptions) -> Result<Response, json::Error> {
                Ok(match action {
                    $(Action::$action => Response::$action(json::from_str(payload, opts)?),)*
                })
            }

            /// Decodes the payload of a CALLRESULT that a charge point receives: the answer to a
            /// CALL it sent. `None` when the action is one a charge point receives, not sends, or
            /// belongs to a feature profile this build leaves out. Links only those response
            /// decoders.
            pub fn decode_for_charge_point(
                action: Action,
                payload: &str,
                opts: &DecodeOptions,
            ) -> Option<Result<Response, json::Error>> {
                match action {
                    $(
                        Action::$action
                            if const { $dir.charge_point_sends() && Profile::$profile.enabled() } =>
                        {
                            Some(json::from_str(payload, opts).map(Response::$action))
                        }
                    )*
                    _ => None,
                }
            }
        }

        impl serde::Serialize for Request {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Request::$action(r) => r.serialize(s),)* }
            }
        }

        impl serde::Serialize for Response {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(Response::$action(r) => r.serialize(s),)* }
            }
        }

        $(
            impl OcppRequest for $req {
                const ACTION: Action = Action::$action;
                type Response = $resp;
            }

            impl From<$req> for Request {
                fn from(r: $req) -> Request { Request::$action(r) }
            }

            impl From<$resp> for Response {
                fn from(r: $resp) -> Response { Response::$action(r) }
            }
        )*
    };
}

pub(crate) use {actions, string_enum};
