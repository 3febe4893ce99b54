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
    /// GetCompositeSchedule.conf, its body in the charge point's body slot ([`AnswerBody`]).
    #[cfg(feature = "profile-smart-charging")]
    Composite,
    /// GetLocalListVersion.conf.
    #[cfg(feature = "profile-local-list")]
    ListVersion(i32),
    /// GetDiagnostics.conf.
    #[cfg(feature = "profile-firmware")]
    DiagnosticsFile(Option<crate::types::CiString255>),
    /// GetInstalledCertificateIds.conf for the roots of this use, computed from the security
    /// module's store when written.
    #[cfg(feature = "profile-security")]
    InstalledCertificates(crate::v16::CertificateUse),
    /// GetLog.conf `Accepted` with the file name (`Rejected` is a [`Reply::Status`]).
    #[cfg(feature = "profile-security")]
    LogFile(crate::types::CiString255),
    /// GetLog.conf `AcceptedCanceled` with the file name.
    #[cfg(feature = "profile-security")]
    LogFileCanceled(crate::types::CiString255),
    /// GetConfiguration.conf, rendered from the configuration when written.
    Configuration {
        /// The keys asked for are in the body slot ([`AnswerBody::Keys`]); `false` for all.
        keys_in_slot: bool,
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

    /// Whether its body is in the charge point's body slot (see [`AnswerBody`]).
    pub fn body_in_slot(&self) -> bool {
        match self.reply {
            #[cfg(feature = "profile-smart-charging")]
            Reply::Composite => true,
            Reply::Configuration { keys_in_slot } => keys_in_slot,
            _ => false,
        }
    }
}

/// The body of a large answer, in the charge point's one body slot rather than in each answer
/// slot: a GetConfiguration.conf's keys (about 870 bytes) and a GetCompositeSchedule.conf (about
/// 650) were what sized every answer slot, while the other answers take a status or a short
/// error. One slot is enough when the caller drains after each input (one CALL, one answer);
/// a CALL that needs it while it is taken is refused before it runs, with the CALLERROR of a
/// full answer queue.
#[derive(Debug, Clone, PartialEq)]
#[repr(u8)]
pub enum AnswerBody {
    /// Free (zero bytes: the charge point's static stays in `.bss`).
    Free,
    /// The keys of a GetConfiguration.req.
    Keys(RequestedKeys),
    /// A GetCompositeSchedule.conf.
    #[cfg(feature = "profile-smart-charging")]
    Composite(crate::v16::GetCompositeScheduleResponse),
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
    /// LogStatusNotification (security whitepaper §5.13).
    #[cfg(feature = "profile-security")]
    LogStatus {
        /// The status.
        status: crate::v16::UploadLogStatus,
        /// The GetLog's requestId (absent only for `Idle` on ExtendedTriggerMessage, N01.FR.12).
        request_id: Option<i32>,
    },
    /// SignedFirmwareStatusNotification (security whitepaper §5.19, L01).
    #[cfg(feature = "profile-security")]
    SignedFirmwareStatus {
        /// The status.
        status: crate::v16::SignedFirmwareStatus,
        /// The SignedUpdateFirmware.req's requestId (absent: `Idle` on a trigger, L01.FR.21).
        request_id: Option<i32>,
    },
    /// DataTransfer from the charge point (the request itself waits in the charge point: one at a
    /// time).
    DataTransfer,
    /// SignCertificate: its CSR is made from the security module's pending key when it is sent.
    #[cfg(feature = "profile-security")]
    SignCertificate,
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
            #[cfg(feature = "profile-security")]
            Request::LogStatus { .. } => OcppAction::LogStatusNotification,
            #[cfg(feature = "profile-security")]
            Request::SignedFirmwareStatus { .. } => OcppAction::SignedFirmwareStatusNotification,
            Request::DataTransfer => OcppAction::DataTransfer,
            #[cfg(feature = "profile-security")]
            Request::SignCertificate => OcppAction::SignCertificate,
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
