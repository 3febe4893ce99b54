//! What the loop calls of a feature profile that this build leaves out (cargo features
//! `profile-*`): the same hooks, doing nothing. The profile's messages are not decoded
//! (`handle_call` answers them `NotSupported`), its state is not in [`ChargePoint`] and its
//! code is not linked.

#![allow(clippy::unused_self, clippy::needless_pass_by_ref_mut)]

#[cfg(not(all(
    feature = "profile-firmware",
    feature = "profile-reservation",
    feature = "profile-smart-charging"
)))]
use super::ChargePoint;
#[cfg(not(all(
    feature = "profile-firmware",
    feature = "profile-reservation",
    feature = "profile-smart-charging"
)))]
use crate::charge_point::{Instant, capacity::Limits, storage::Storage};

/// Without Firmware Management: no transfers.
#[cfg(not(feature = "profile-firmware"))]
impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn transfers_tick(&mut self, _now: Instant) {}

    pub(super) fn transfers_deadline(&self) -> Option<Instant> {
        None
    }

    pub(super) fn on_transfer_event(
        &mut self,
        _event: &crate::charge_point::io::Event,
        _now: Instant,
    ) {
    }
}

/// Without Reservation: no connector is ever reserved.
#[cfg(not(feature = "profile-reservation"))]
impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn sync_reservations(&mut self) {}

    pub(super) fn expire_reservations(&mut self, _now: Instant) {}

    pub(super) fn reservation_deadline(&self) -> Option<Instant> {
        None
    }

    pub(super) fn reservation_allows(
        &self,
        _connector: crate::v16::ConnectorId,
        _id_tag: &str,
        _parent: Option<&str>,
    ) -> bool {
        true
    }

    pub(super) fn take_reservation(
        &mut self,
        _connector: crate::v16::ConnectorId,
        _id_tag: &str,
    ) -> Option<i32> {
        None
    }
}

/// Without Smart Charging: no profiles, no limits (the hardware's own rating applies).
#[cfg(not(feature = "profile-smart-charging"))]
impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn restore_profiles(&mut self, _scratch: &mut [u8]) -> Result<bool, ()> {
        Ok(false)
    }

    pub(super) fn install_remote_start_profile(
        &mut self,
        _connector: crate::v16::ConnectorId,
        _now: Instant,
    ) {
    }

    pub(super) fn profiles_transaction_ended(&mut self, _connector: crate::v16::ConnectorId) {}

    pub(super) fn update_limits(&mut self, _now: Instant) {}
}

/// For any set of profile features: the messages of a profile left out are answered
/// `NotSupported`, its keys are not declared, and `SupportedFeatureProfiles` lists what is built.
#[cfg(test)]
mod tests {
    use std::string::String;
    use std::vec::Vec;

    use crate::charge_point::config::Key;
    use crate::charge_point::{ChargePoint, Input, Instant, MemoryStorage, Output, Setup};
    use crate::v16::{Action, Profile};

    fn sent(cp: &mut ChargePoint<MemoryStorage<4096>>) -> Vec<String> {
        let mut buf = [0u8; 16384];
        let mut out = Vec::new();
        loop {
            match cp.poll_output(Instant(0), &mut buf) {
                Output::Transmit(f) => out.push(String::from(f)),
                Output::Action(_) => {}
                Output::Timeout(_) => return out,
            }
        }
    }

    #[test]
    fn a_profile_left_out_is_not_supported() {
        let mut cp: ChargePoint<MemoryStorage<4096>> = ChargePoint::new(
            Setup::new("V", "M", 1),
            MemoryStorage::new(),
            Instant(0),
            &mut [0u8; 16384],
        );
        cp.handle_input(Input::Connected, Instant(0)).unwrap();
        sent(&mut cp);
        for &action in Action::ALL {
            if !action.direction().charge_point_receives() || action.profile() == Profile::Security
            {
                continue;
            }
            cp.handle_input(
                Input::Frame(&std::format!(
                    r#"[2,"m1","{}",{{"x":[]}}]"#,
                    action.as_str()
                )),
                Instant(0),
            )
            .unwrap();
            let frames = sent(&mut cp);
            let not_supported = frames
                .iter()
                .any(|f| f.starts_with(r#"[4,"m1","NotSupported""#));
            assert_eq!(
                not_supported,
                !action.profile().enabled(),
                "{action}: {frames:?}"
            );
        }
    }

    #[test]
    fn keys_and_supported_feature_profiles_follow_the_features() {
        let config = crate::charge_point::config::Configuration::new(1);
        for &key in Key::ALL {
            assert_eq!(
                config.get(key.name()).is_some(),
                key.profile().enabled(),
                "{}",
                key.name()
            );
        }
        let listed = config
            .get("SupportedFeatureProfiles")
            .and_then(|kv| kv.value);
        let expected: Vec<&str> = [
            Profile::Core,
            Profile::FirmwareManagement,
            Profile::LocalAuthListManagement,
            Profile::Reservation,
            Profile::SmartCharging,
            Profile::RemoteTrigger,
        ]
        .into_iter()
        .filter(|p| p.enabled())
        .filter_map(Profile::feature_name)
        .collect();
        assert_eq!(listed.as_deref(), Some(expected.join(",").as_str()));
    }
}

/// Without the security extension: no signed firmware update, nothing delays a restart.
#[cfg(not(feature = "profile-security"))]
impl<
    S: crate::charge_point::storage::Storage,
    const NC: usize,
    const NL: usize,
    const NA: usize,
    L: crate::charge_point::capacity::Limits,
> super::ChargePoint<S, NC, NL, NA, L>
{
    pub(super) fn reboot_notice_pending(&self) -> bool {
        false
    }

    pub(super) fn firmware_hold(&self) -> bool {
        false
    }
}
