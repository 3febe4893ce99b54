//! Where the charge point's RAM goes: the size of every field of [`ChargePoint`], for the RAM
//! breakdown in docs/performance.md (`cargo test -p ocpp-core --test ram -- --nocapture` prints it
//! on the host; the figures reported are those of the 32-bit target).

use super::ChargePoint;
use crate::charge_point::capacity::Limits;
use crate::charge_point::storage::Storage;

/// The size of the field `f` selects, without a value of `T`.
const fn field<T, F>(_f: fn(&T) -> &F) -> usize {
    core::mem::size_of::<F>()
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// Every field of the charge point with its size in bytes (padding between them is what the
    /// sum lacks of `size_of::<Self>()`). For measuring, not for use.
    #[doc(hidden)]
    pub const RAM_FIELDS: &'static [(&'static str, usize)] = &[
        ("setup", field(|c: &Self| &c.setup)),
        ("storage", field(|c: &Self| &c.storage)),
        ("config", field(|c: &Self| &c.config)),
        ("clock", field(|c: &Self| &c.clock)),
        ("started", field(|c: &Self| &c.started)),
        ("connected", field(|c: &Self| &c.connected)),
        (
            "invalid_message_reported",
            field(|c: &Self| &c.invalid_message_reported),
        ),
        ("started_at", field(|c: &Self| &c.started_at)),
        ("profile_fallback", field(|c: &Self| &c.profile_fallback)),
        ("reconnect_due", field(|c: &Self| &c.reconnect_due)),
        (
            "last_offline_event",
            field(|c: &Self| &c.last_offline_event),
        ),
        ("registration", field(|c: &Self| &c.registration)),
        ("boot_at", field(|c: &Self| &c.boot_at)),
        ("heartbeat_at", field(|c: &Self| &c.heartbeat_at)),
        ("journal_retry_at", field(|c: &Self| &c.journal_retry_at)),
        ("inflight", field(|c: &Self| &c.inflight)),
        ("next_message", field(|c: &Self| &c.next_message)),
        ("answers", field(|c: &Self| &c.answers)),
        ("answer_body", field(|c: &Self| &c.answer_body)),
        ("requests", field(|c: &Self| &c.requests)),
        ("journal", field(|c: &Self| &c.journal)),
        ("connectors", field(|c: &Self| &c.connectors)),
        ("readings", field(|c: &Self| &c.readings)),
        ("pending", field(|c: &Self| &c.pending)),
        ("stop_checks", field(|c: &Self| &c.stop_checks)),
        ("deferred", field(|c: &Self| &c.deferred)),
        ("cache", field(|c: &Self| &c.cache)),
        ("local_list", field(|c: &Self| &c.local_list)),
        ("meter", field(|c: &Self| &c.meter)),
        ("actions", field(|c: &Self| &c.actions)),
        ("reset", field(|c: &Self| &c.reset)),
        (
            "incoming_data_transfer",
            field(|c: &Self| &c.incoming_data_transfer),
        ),
        (
            "incoming_data_transfer_answered",
            field(|c: &Self| &c.incoming_data_transfer_answered),
        ),
        (
            "outgoing_data_transfer",
            field(|c: &Self| &c.outgoing_data_transfer),
        ),
        #[cfg(feature = "profile-smart-charging")]
        ("profiles", field(|c: &Self| &c.profiles)),
        ("frames_out", field(|c: &Self| &c.frames_out)),
        ("frames_in", field(|c: &Self| &c.frames_in)),
        #[cfg(feature = "profile-smart-charging")]
        ("applied_limits", field(|c: &Self| &c.applied_limits)),
        #[cfg(feature = "profile-smart-charging")]
        (
            "limits_deadline_cached",
            field(|c: &Self| &c.limits_deadline_cached),
        ),
        #[cfg(feature = "profile-trigger")]
        ("triggered", field(|c: &Self| &c.triggered)),
        #[cfg(feature = "profile-firmware")]
        ("firmware", field(|c: &Self| &c.firmware)),
        #[cfg(feature = "profile-firmware")]
        ("diagnostics", field(|c: &Self| &c.diagnostics)),
        #[cfg(feature = "profile-firmware")]
        (
            "transfer_locations",
            field(|c: &Self| &c.transfer_locations),
        ),
        #[cfg(feature = "profile-security")]
        ("security_log", field(|c: &Self| &c.security_log)),
        #[cfg(feature = "profile-security")]
        (
            "signed_firmware_last",
            field(|c: &Self| &c.signed_firmware_last),
        ),
        ("dirty", field(|c: &Self| &c.dirty)),
        ("refused", field(|c: &Self| &c.refused)),
        ("dropped", field(|c: &Self| &c.dropped)),
        #[cfg(feature = "profile-security")]
        (
            "certificate_check_at",
            field(|c: &Self| &c.certificate_check_at),
        ),
        #[cfg(feature = "profile-security")]
        (
            "keep_fallback_root",
            field(|c: &Self| &c.keep_fallback_root),
        ),
    ];
}
