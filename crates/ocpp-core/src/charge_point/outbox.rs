//! What waits to be sent: answers to the central system's CALLs, and our own requests that are not
//! transaction-related (those live in the [`journal`](super::journal)).

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::rpc::ErrorCode;
use crate::types::{BoundedString, CiString50, DateTime};
use crate::v16::{
    Action as OcppAction, ChargePointErrorCode, ChargePointStatus, ConnectorId, DataTransferStatus,
    IdToken,
};

use super::journal::Sample;

mod keys;
pub use keys::RequestedKeys;

/// Longest peer message id we keep to answer later. Ids longer than 36 are a protocol violation
/// (we answer those with FormationViolation, echoing the id); longer than this are not answered.
pub const ANSWER_ID_MAX: usize = 64;

/// A peer's message id, raw (see [`crate::rpc`]).
pub type AnswerId = BoundedString<ANSWER_ID_MAX>;

/// The payload of an answer, kept compact until it is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A CALLERROR.
    Error {
        /// The code.
        code: ErrorCode,
        /// errorDescription.
        description: BoundedString<128>,
    },
    /// `{"status":"..."}`: the response of most actions.
    Status(&'static str),
    /// DataTransfer.conf.
    DataTransfer {
        /// The status.
        status: DataTransferStatus,
        /// The data, if any: the integrator's answer keeps it in the slot of the request it
        /// answers (the charge point's `incoming_data_transfer`) until it is written, so that
        /// no answer slot is sized for 1 KB of data.
        data: Option<DataInSlot>,
    },
    /// `{}`.
    #[cfg(feature = "profile-firmware")]
    Empty,
    /// GetCompositeSchedule.conf.
    #[cfg(feature = "profile-smart-charging")]
    Composite(crate::v16::GetCompositeScheduleResponse),
    /// GetLocalListVersion.conf.
    #[cfg(feature = "profile-local-list")]
    ListVersion(i32),
    /// GetDiagnostics.conf.
    #[cfg(feature = "profile-firmware")]
    DiagnosticsFile(Option<crate::types::CiString255>),
    /// GetConfiguration.conf, rendered from the configuration when written.
    Configuration {
        /// The keys asked for, compact (known keys by id, unknown ones by name); `None` for all.
        keys: Option<RequestedKeys>,
    },
}

/// The data of a DataTransfer.conf, in the slot of the request it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataInSlot;

/// An answer waiting to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The CALL's id, raw.
    pub id: AnswerId,
    /// What to answer.
    pub reply: Reply,
}

impl Answer {
    /// Whether its data is in the slot of the DataTransfer.req it answers (see [`DataInSlot`]).
    pub fn data_in_slot(&self) -> bool {
        matches!(self.reply, Reply::DataTransfer { data: Some(_), .. })
    }
}

/// A request of ours that is not transaction-related.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// BootNotification.
    Boot,
    /// Heartbeat.
    Heartbeat,
    /// StatusNotification.
    Status {
        /// The connector.
        connector: ConnectorId,
        /// The status.
        status: ChargePointStatus,
        /// The error code.
        error_code: ChargePointErrorCode,
        /// Info.
        info: Option<CiString50>,
        /// Vendor error code.
        vendor_error_code: Option<CiString50>,
        /// Since when.
        timestamp: DateTime,
    },
    /// Authorize, for an identifier presented at `connector`.
    Authorize {
        /// The connector, if known.
        connector: Option<ConnectorId>,
        /// The identifier.
        id_tag: IdToken,
    },
    /// MeterValues that are not queued in the journal: clock-aligned values outside a
    /// transaction, and values sent on TriggerMessage (§5.17: current values, not history).
    Meter {
        /// The connector.
        connector: ConnectorId,
        /// The running transaction's id, if known.
        transaction_id: Option<i32>,
        /// The sample.
        sample: Sample,
    },
    /// FirmwareStatusNotification (§4.5).
    #[cfg(feature = "profile-firmware")]
    FirmwareStatus(crate::v16::FirmwareStatus),
    /// DiagnosticsStatusNotification (§4.4).
    #[cfg(feature = "profile-firmware")]
    DiagnosticsStatus(crate::v16::DiagnosticsStatus),
    /// DataTransfer from the charge point (the request itself waits in the charge point: one at a
    /// time).
    DataTransfer,
}

impl Request {
    /// The action of the request.
    pub const fn action(&self) -> OcppAction {
        match self {
            Request::Boot => OcppAction::BootNotification,
            Request::Heartbeat => OcppAction::Heartbeat,
            Request::Status { .. } => OcppAction::StatusNotification,
            Request::Authorize { .. } => OcppAction::Authorize,
            Request::Meter { .. } => OcppAction::MeterValues,
            #[cfg(feature = "profile-firmware")]
            Request::FirmwareStatus(_) => OcppAction::FirmwareStatusNotification,
            #[cfg(feature = "profile-firmware")]
            Request::DiagnosticsStatus(_) => OcppAction::DiagnosticsStatusNotification,
            Request::DataTransfer => OcppAction::DataTransfer,
        }
    }
}

/// `{"status":"..."}`.
pub struct StatusOnly(pub &'static str);

impl Serialize for StatusOnly {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Status", 1)?;
        st.serialize_field("status", self.0)?;
        st.end()
    }
}

/// `{}`.
#[cfg(feature = "profile-firmware")]
pub struct EmptyObject;

#[cfg(feature = "profile-firmware")]
impl Serialize for EmptyObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_struct("Empty", 0)?.end()
    }
}
