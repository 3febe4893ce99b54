//! The macros that keep the 64 actions in one shape (invoked by the generated `actions.rs`).

/// Defines the action registry: [`Action`](super::Action), the [`Request`](super::Request) and
/// [`Response`](super::Response) enums, and the [`OcppRequest`](super::OcppRequest) impls.
macro_rules! actions {
    (
        $( $(#[$meta:meta])* $action:ident($req:ident, $resp:ident) : $block:ident, $dir:ident; )*
    ) => {
        /// Every OCPP 2.0.1 action (the 64 of the schemas).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum Action {
            $( $(#[$meta])* $action, )*
        }

        impl Action {
            /// Every action, in the order of the schemas' names.
            pub const ALL: &'static [Action] = &[$(Action::$action),*];

            /// The action name on the wire (case-sensitive).
            pub const fn as_str(self) -> &'static str {
                match self { $(Action::$action => stringify!($action),)* }
            }

            /// The action named `s`, exactly (OCPP-J 2.0.1 §4.2.1: "case-sensitive").
            pub fn parse(s: &str) -> Option<Action> {
                const NAMES: &[&str] = &[$(stringify!($action)),*];
                wire_index(NAMES, s).and_then(|i| Action::ALL.get(i).copied())
            }

            /// The functional block (part 2's use-case chapter) of this action.
            pub const fn block(self) -> FunctionalBlock {
                match self { $(Action::$action => FunctionalBlock::$block,)* }
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

/// Defines what a charging station decodes: [`IncomingRequest`](super::IncomingRequest) (the
/// requests it receives) and [`IncomingResponse`](super::IncomingResponse) (the answers to the
/// requests it sends). The generator lists the actions of each, by direction. Separate from
/// `Request` and `Response` so that a value a charging station holds is as large as the largest
/// message it receives, not as the largest of all (a TransactionEventRequest with its meter
/// values is far larger than any request from the CSMS).
macro_rules! incoming {
    (
        requests { $( $ra:ident($req:ident), )* }
        responses { $( $pa:ident($resp:ident), )* }
    ) => {
        /// A request a charging station receives (the payload of a CALL from the CSMS).
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(missing_docs)]
        pub enum IncomingRequest {
            $( $ra($req), )*
        }

        /// A response a charging station receives (the payload of a CALLRESULT answering one of
        /// its CALLs).
        #[derive(Debug, Clone, PartialEq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(missing_docs)]
        pub enum IncomingResponse {
            $( $pa($resp), )*
        }

        impl IncomingRequest {
            /// The action of this request.
            pub const fn action(&self) -> Action {
                match self { $(IncomingRequest::$ra(_) => Action::$ra,)* }
            }

            /// Decodes the payload of a CALL that a charging station receives: `None` when the
            /// action is one a charging station sends (answered `NotSupported`). Links only
            /// those request decoders.
            pub fn decode(
                action: Action,
                payload: &str,
                opts: &DecodeOptions,
            ) -> Option<Result<IncomingRequest, json::Error>> {
                match action {
                    $( Action::$ra => Some(json::from_str(payload, opts).map(IncomingRequest::$ra)), )*
                    _ => None,
                }
            }
        }

        impl IncomingResponse {
            /// The action this response answers.
            pub const fn action(&self) -> Action {
                match self { $(IncomingResponse::$pa(_) => Action::$pa,)* }
            }

            /// Decodes the payload of a CALLRESULT that a charging station receives, the answer
            /// to a CALL for `action` it sent: `None` when `action` is one a charging station
            /// receives, not sends. Links only those response decoders.
            pub fn decode(
                action: Action,
                payload: &str,
                opts: &DecodeOptions,
            ) -> Option<Result<IncomingResponse, json::Error>> {
                match action {
                    $( Action::$pa => Some(json::from_str(payload, opts).map(IncomingResponse::$pa)), )*
                    _ => None,
                }
            }
        }

        impl serde::Serialize for IncomingRequest {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(IncomingRequest::$ra(r) => r.serialize(s),)* }
            }
        }

        impl serde::Serialize for IncomingResponse {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self { $(IncomingResponse::$pa(r) => r.serialize(s),)* }
            }
        }
    };
}

pub(crate) use {actions, incoming};
