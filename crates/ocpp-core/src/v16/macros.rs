//! The macro that keeps the 39 actions in one shape (the enumerations' `string_enum!` is shared
//! with OCPP 2.0.1: `crate::wire`).

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

pub(crate) use crate::wire::string_enum;
pub(crate) use actions;
