//! The Remote Trigger profile (OCPP 1.6 §3.3): the central system asks for a message.

use serde::{Deserialize, Serialize};

use super::ConnectorId;
use super::macros::string_enum;

string_enum! {
    /// `MessageTrigger` (§7.32): the message TriggerMessage asks for.
    pub enum MessageTrigger {
        BootNotification = "BootNotification",
        DiagnosticsStatusNotification = "DiagnosticsStatusNotification",
        FirmwareStatusNotification = "FirmwareStatusNotification",
        Heartbeat = "Heartbeat",
        MeterValues = "MeterValues",
        StatusNotification = "StatusNotification",
    }
}

string_enum! {
    /// `TriggerMessageStatus` (§7.44).
    pub enum TriggerMessageStatus {
        Accepted = "Accepted",
        Rejected = "Rejected",
        NotImplemented = "NotImplemented",
    }
}

/// `TriggerMessage.req` (§6.51).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct TriggerMessageRequest {
    /// The message asked for.
    pub requested_message: MessageTrigger,
    /// The connector it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<ConnectorId>,
}

/// `TriggerMessage.conf` (§6.52).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "camelCase")]
pub struct TriggerMessageResponse {
    /// Whether the message will be sent.
    pub status: TriggerMessageStatus,
}

const TRIGGER_MESSAGE_FIELDS: &[&str] = &["requestedMessage", "connectorId"];

impl TriggerMessageRequest {
    /// Where its in-place decoder starts (optional members `None`).
    pub(crate) const EMPTY: TriggerMessageRequest = TriggerMessageRequest {
        requested_message: MessageTrigger::BootNotification,
        connector_id: None,
    };
}

super::in_place::in_place_struct! {
    /// Decodes a [`TriggerMessageRequest`] in place.
    TriggerMessageRequestInPlace for TriggerMessageRequest, "TriggerMessageRequest",
    TRIGGER_MESSAGE_FIELDS, required [0] {
        0 => requested_message: value,
        1 => connector_id: value,
    }
}
