//! Local Auth List Management (§5.10 GetLocalListVersion, §5.15 SendLocalList). The list itself
//! and its update rules are in [`crate::charge_point::auth`].

use super::{ChargePoint, Reply};
use crate::charge_point::capacity::Limits;
use crate::charge_point::storage::{RecordKey, Storage};
use crate::json;
use crate::v16::UpdateStatus;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// GetLocalListVersion (§5.10): the version of the list, 0 when none was ever received. This
    /// charge point supports local lists, so it never answers -1.
    pub(super) fn on_get_local_list_version(&self) -> Reply {
        Reply::ListVersion(self.local_list.reported_version(true))
    }

    /// SendLocalList (§5.15): a Full or Differential update, applied atomically, decoded from
    /// `payload` entry by entry into the list ([`LocalAuthList::apply_json`]: no 6 KB request on
    /// the stack). `Err` is a payload that must be answered with a CALLERROR.
    ///
    /// [`LocalAuthList::apply_json`]: crate::charge_point::auth::LocalAuthList::apply_json
    pub(super) fn on_send_local_list(&mut self, payload: &str) -> Result<Reply, json::Error> {
        let max = usize::try_from(self.config.send_local_list_max_length).unwrap_or(0);
        let opts = self.setup.decode;
        let status = self.local_list.apply_json(payload, &opts, max)?;
        if status == UpdateStatus::Accepted {
            self.persist_local_list();
        }
        Ok(Reply::Status(status.as_str()))
    }

    pub(super) fn persist_local_list(&mut self) {
        self.mark_dirty(RecordKey::LocalAuthList);
    }
}
