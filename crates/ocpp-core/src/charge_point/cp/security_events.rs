//! Raising security events (see `charge_point::security`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A wall clock change larger than this (or the first setting after a start) is a
/// `SettingSystemTime` event; the small corrections every Heartbeat.conf brings are not.
pub const CLOCK_EVENT_THRESHOLD_MS: u64 = 60_000;

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// Queues `kind` as a SecurityEventNotification.req in the journal, stamped now, with
    /// `tech_info` cut to [`TECH_INFO_MAX`](crate::limits::TECH_INFO_MAX) bytes (see
    /// `charge_point::security`). The queue admits a transaction only with room for two
    /// critical events beside its messages (`Journal::room_for_transaction`); a critical event
    /// is lost only when the queue is full of messages that are never dropped.
    pub(super) fn security_event(
        &mut self,
        kind: SecurityEvent,
        tech_info: Option<&str>,
        now: Instant,
    ) {
        self.security_event_at(kind, tech_info, self.clock.at(now));
    }

    /// [`ChargePoint::security_event`] stamped `timestamp`.
    fn security_event_at(
        &mut self,
        kind: SecurityEvent,
        tech_info: Option<&str>,
        timestamp: DateTime,
    ) {
        // The security log keeps every event (A04.FR.04), whatever the profile.
        #[cfg(feature = "profile-security")]
        self.log_security_event(kind, tech_info, timestamp);
        // The security extension is in use once a security profile is configured (whitepaper
        // §7.6 SecurityProfile: 0, the default, is "no security profile yet"): a central system
        // that never configured one may not know SecurityEventNotification at all.
        if self.config.security_profile == 0 {
            return;
        }
        let tech_info = tech_info.map(|t| {
            let mut b = BoundedString::new();
            b.push_cut(t);
            b
        });
        let message = TxMessage::SecurityEvent {
            kind,
            timestamp,
            tech_info,
        };
        if self.journal.enqueue(message).is_ok() {
            self.persist_journal();
        }
    }

    /// A connection attempt failed: after a raise of the SecurityProfile that has not connected
    /// yet, the [`PROFILE_FALLBACK_ATTEMPTS`]th failure falls back to the previous profile
    /// (whitepaper A05.FR.08), reported as ReconfigurationOfSecurityParameters, and asks for a
    /// reconnection with it.
    pub(super) fn on_connect_failed(&mut self, now: Instant) {
        let Some((previous, failures)) = self.profile_fallback else {
            return;
        };
        let failures = failures.saturating_add(1);
        if failures < PROFILE_FALLBACK_ATTEMPTS {
            self.profile_fallback = Some((previous, failures));
            return;
        }
        self.profile_fallback = None;
        self.config.security_profile = previous;
        self.persist_config();
        let mut info: BoundedString<48> = BoundedString::new();
        info.push_cut("SecurityProfile fallback to ");
        info.push_cut(match previous {
            0 => "0",
            1 => "1",
            2 => "2",
            _ => "3",
        });
        self.security_event(
            SecurityEvent::ReconfigurationOfSecurityParameters,
            Some(info.as_str()),
            now,
        );
        self.reconnect_due = Some(previous);
    }

    /// Sets the wall clock (`wall` at `now`): the first time since the start, the start's
    /// StartupOfTheDevice event, stamped with the wall time of the start (the monotonic clock
    /// tells how long ago it was; a power cut before the clock is ever set loses that start's
    /// event); then a `SettingSystemTime` event when the clock was not set since the start, or
    /// moves by more than [`CLOCK_EVENT_THRESHOLD_MS`].
    pub(super) fn set_clock(&mut self, now: Instant, wall: DateTime) {
        let before = self.clock.is_synced().then(|| self.clock.at(now));
        self.clock.set(now, wall);
        self.meter.wall_clock_changed();
        if let Some(started) = self.started_at.take() {
            let at = self.clock.at(started);
            self.security_event_at(SecurityEvent::StartupOfTheDevice, None, at);
        }
        let moved = before.is_none_or(|b| {
            b.unix_millis().abs_diff(wall.unix_millis()) > CLOCK_EVENT_THRESHOLD_MS
        });
        if moved {
            self.security_event(SecurityEvent::SettingSystemTime, None, now);
        }
    }
}
