//! Time, as the caller hands it in: a monotonic tick, and a wall clock derived from it.
//!
//! The core never reads a clock. Every call carries `now`, a monotonic [`Instant`] in
//! milliseconds from any origin (boot, say). Wall-clock time ([`DateTime`]) is derived from the
//! last known pair (monotonic, wall) that the central system's `currentTime` (BootNotification,
//! Heartbeat) or the integrator's real-time clock provided.

use crate::types::DateTime;

/// A monotonic instant, in milliseconds from an origin the caller chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(pub u64);

impl Instant {
    /// The origin, the [`Default`].
    pub const ZERO: Instant = Instant(0);

    /// Milliseconds since the origin.
    pub const fn millis(self) -> u64 {
        self.0
    }

    /// `self + ms`, saturating.
    #[must_use]
    #[inline(never)]
    pub const fn add_millis(self, ms: u64) -> Instant {
        Instant(self.0.saturating_add(ms))
    }

    /// `self + s` seconds, saturating.
    #[must_use]
    #[inline(never)]
    pub const fn add_secs(self, s: u64) -> Instant {
        Instant(self.0.saturating_add(s.saturating_mul(1000)))
    }

    /// Milliseconds from `earlier` to `self`, zero if `earlier` is later.
    #[inline(never)]
    pub const fn since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Wall-clock time derived from the monotonic clock and one synchronisation point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    at: Instant,
    wall: DateTime,
    synced: bool,
}

impl WallClock {
    /// [`WallClock::unsynced`] at [`Instant::ZERO`] reading [`DateTime::EPOCH`]: the clock of a
    /// charge point built in const context, before [`WallClock::reset`].
    pub const EMPTY: WallClock = WallClock::unsynced(Instant::ZERO, DateTime::EPOCH);

    /// A clock that knows nothing yet: it reads `fallback` at `now` and advances from there.
    pub const fn unsynced(now: Instant, fallback: DateTime) -> Self {
        WallClock {
            at: now,
            wall: fallback,
            synced: false,
        }
    }

    /// Makes this clock [`WallClock::unsynced`]`(now, fallback)` again, in place.
    pub fn reset(&mut self, now: Instant, fallback: DateTime) {
        *self = WallClock::unsynced(now, fallback);
    }

    /// Sets the wall clock: at `now` it is `wall`.
    pub fn set(&mut self, now: Instant, wall: DateTime) {
        self.at = now;
        self.wall = wall;
        self.synced = true;
    }

    /// Whether the clock was ever set from a trusted source.
    pub const fn is_synced(&self) -> bool {
        self.synced
    }

    /// The wall-clock time at `now`. Out of line: it is called from about twenty places,
    /// each of which inlined 220 bytes of it.
    #[inline(never)]
    pub fn at(&self, now: Instant) -> DateTime {
        let delta = i64::try_from(now.since(self.at)).unwrap_or(i64::MAX);
        let back = i64::try_from(self.at.since(now)).unwrap_or(i64::MAX);
        self.wall.add_millis(delta).add_millis(-back)
    }

    /// The monotonic instant at which the wall clock reads `wall` (saturating at zero).
    #[inline(never)]
    pub fn instant_of(&self, wall: DateTime) -> Instant {
        let delta = wall.unix_millis().saturating_sub(self.wall.unix_millis());
        if delta >= 0 {
            self.at.add_millis(delta as u64)
        } else {
            Instant(self.at.0.saturating_sub(delta.unsigned_abs()))
        }
    }
}
