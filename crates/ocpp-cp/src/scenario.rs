//! `--scenario FILE`: a day in the life of every charge point, drawn per charge point from a
//! seeded random generator (docs/simulator.md, examples/scenarios/day.toml).
//!
//! The file says how sessions and faults are distributed (how many per day and at which hours,
//! how long, at which EV power, with which idTags); each charge point draws its own day from it,
//! so that a fleet is not in lock step, and the same seed gives the same days again. The script
//! of a charge point is a [`Script`]: a few lanes (one per connector, one for faults), each with
//! the instant of its next step, which the driver's hooks run like stdin commands and which tell
//! the driver when to wake ([`ocpp_tungstenite::Hooks::wake_at`]): nothing wakes a charge point
//! between two steps.

use std::path::Path;
use std::sync::Arc;

use ocpp_core::charge_point::Instant;
use ocpp_core::v16::ChargePointErrorCode;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt as _, SeedableRng as _};
use serde::Deserialize;

use crate::commands::Command;

/// Seconds of a day.
const DAY_S: f64 = 86_400.0;

/// The scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The seed: charge point n draws from `seed` and n, so the same file and fleet give the
    /// same days.
    #[serde(default)]
    pub seed: u64,
    /// Simulated seconds per real second (1: real time; 60: a day in 24 minutes). The charge
    /// point itself runs in real time (its MeterValueSampleInterval, heartbeats, timeouts): the
    /// speed only compresses the scenario's own times.
    #[serde(default = "one")]
    pub speed: f64,
    /// The simulated hour of the day (0 to 24) at which the run starts.
    #[serde(default)]
    pub start_hour: f64,
    /// MeterValueSampleInterval set at the charge point's start, in (real) seconds; unset: the
    /// charge point's default.
    pub meter_interval_s: Option<u32>,
    /// The sessions.
    pub sessions: Sessions,
    /// Connector faults; none when absent.
    pub faults: Option<Faults>,
}

fn one() -> f64 {
    1.0
}

/// How charging sessions come and go, per connector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sessions {
    /// Mean number of sessions per connector per (simulated) day: arrivals are a Poisson process
    /// with this rate, shaped by `hourly`.
    pub per_day: f64,
    /// 24 relative weights of the arrival rate, hour 0 to hour 23 (default: flat).
    pub hourly: Option<Vec<f64>>,
    /// The time from the EV's arrival (plug) to the first card, in simulated seconds `[min, max]`
    /// (uniform).
    #[serde(default = "plug_to_tag")]
    pub plug_to_tag_s: [f64; 2],
    /// The session's length, from the card to the stop, in simulated minutes `[min, max]`
    /// (uniform).
    pub duration_min: [f64; 2],
    /// The EV's maximum power in W `[min, max]` (uniform).
    #[serde(default = "ev_power")]
    pub ev_power_w: [u32; 2],
    /// The chance that a session ends by unplugging (the EV leaves; the charge point stops with
    /// reason EVDisconnected) rather than with the card again (reason Local).
    #[serde(default)]
    pub stop_by_unplug: f64,
    /// After a stop by card, the time until the cable is unplugged, in simulated seconds
    /// `[min, max]`.
    #[serde(default = "unplug_after")]
    pub unplug_after_s: [f64; 2],
    /// The idTags drivers present, drawn uniformly. Empty: `id_tag_prefix` + a number below
    /// `id_tag_count`.
    #[serde(default)]
    pub id_tags: Vec<String>,
    /// See `id_tags`.
    #[serde(default = "tag_prefix")]
    pub id_tag_prefix: String,
    /// See `id_tags`.
    #[serde(default = "tag_count")]
    pub id_tag_count: u32,
}

fn plug_to_tag() -> [f64; 2] {
    [5.0, 30.0]
}
fn ev_power() -> [u32; 2] {
    [3_700, 11_000]
}
fn unplug_after() -> [f64; 2] {
    [10.0, 120.0]
}
fn tag_prefix() -> String {
    "EV-".into()
}
fn tag_count() -> u32 {
    1000
}

/// Connector faults (a ground failure, an over-current) that come and go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// Mean number of faults per charge point per (simulated) day (Poisson), each on a connector
    /// drawn uniformly.
    pub per_day: f64,
    /// The ChargePointErrorCodes, drawn uniformly.
    pub codes: Vec<String>,
    /// How long a fault lasts, in simulated minutes `[min, max]`.
    pub duration_min: [f64; 2],
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("scenario {}: {e}", path.display()))?;
        let scenario: Scenario =
            toml::from_str(&text).map_err(|e| format!("scenario {}: {e}", path.display()))?;
        scenario
            .check()
            .map_err(|e| format!("scenario {}: {e}", path.display()))?;
        Ok(scenario)
    }

    /// What serde cannot check.
    fn check(&self) -> Result<(), String> {
        let range = |name: &str, r: [f64; 2]| {
            if r[0].is_finite() && r[1].is_finite() && 0.0 <= r[0] && r[0] <= r[1] {
                Ok(())
            } else {
                Err(format!("{name} must be [min, max] with 0 <= min <= max"))
            }
        };
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err("speed must be above 0".into());
        }
        if !(0.0..=24.0).contains(&self.start_hour) {
            return Err("start_hour must be 0 to 24".into());
        }
        let s = &self.sessions;
        if !(s.per_day.is_finite() && s.per_day >= 0.0) {
            return Err("sessions.per_day must be 0 or more".into());
        }
        if let Some(h) = &s.hourly {
            if h.len() != 24 || h.iter().any(|w| !w.is_finite() || *w < 0.0) {
                return Err("sessions.hourly must be 24 weights >= 0".into());
            }
            if h.iter().all(|w| *w == 0.0) {
                return Err("sessions.hourly must have a weight above 0".into());
            }
        }
        range("sessions.plug_to_tag_s", s.plug_to_tag_s)?;
        range("sessions.duration_min", s.duration_min)?;
        range("sessions.unplug_after_s", s.unplug_after_s)?;
        if s.ev_power_w[0] > s.ev_power_w[1] {
            return Err("sessions.ev_power_w must be [min, max]".into());
        }
        if !(0.0..=1.0).contains(&s.stop_by_unplug) {
            return Err("sessions.stop_by_unplug must be 0 to 1".into());
        }
        if s.id_tags.iter().any(|t| t.is_empty() || t.len() > 20) {
            return Err("sessions.id_tags must have 1 to 20 characters each".into());
        }
        if s.id_tags.is_empty()
            && (s.id_tag_count == 0
                || s.id_tag_prefix.len() + s.id_tag_count.to_string().len() > 20)
        {
            return Err("sessions.id_tag_prefix + a number below id_tag_count must fit in 20 characters, with id_tag_count >= 1".into());
        }
        if let Some(f) = &self.faults {
            if !(f.per_day.is_finite() && f.per_day >= 0.0) {
                return Err("faults.per_day must be 0 or more".into());
            }
            if f.codes.is_empty() && f.per_day > 0.0 {
                return Err("faults.codes must name at least one ChargePointErrorCode".into());
            }
            for code in &f.codes {
                if ChargePointErrorCode::parse(code).is_none() {
                    return Err(format!("faults.codes: unknown ChargePointErrorCode {code}"));
                }
            }
            range("faults.duration_min", f.duration_min)?;
        }
        Ok(())
    }
}

/// Where a connector's session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No EV; at `at`, a candidate arrival (accepted with the hour's weight).
    Idle,
    /// The EV's power is set; at `at`, the plug.
    Arriving,
    /// Plugged; at `at`, the card.
    Plugged,
    /// Charging; at `at`, the end of the session.
    Charging,
    /// Stopped by card; at `at`, the unplug.
    Leaving,
}

/// One connector's lane.
#[derive(Debug, Clone)]
struct Lane {
    at: Instant,
    phase: Phase,
    tag: u32,
}

/// The fault lane: at `at`, a fault starts on `connector` (`on` false) or ends (`on` true).
#[derive(Debug, Clone, Copy)]
struct FaultLane {
    at: Instant,
    connector: u32,
    on: bool,
}

/// One charge point's scripted day: its steps as commands, at the instants they are due.
#[derive(Debug)]
pub struct Script {
    scenario: Arc<Scenario>,
    /// Xoshiro256++: 32 bytes of state per charge point (a ChaCha generator carries a 256-byte
    /// block), and its output for a seed is fixed by its definition (portable, reproducible).
    rng: Xoshiro256PlusPlus,
    /// The instant the script started: simulated time 0 (at `start_hour`).
    origin: Instant,
    lanes: Vec<Lane>,
    fault: Option<FaultLane>,
    /// No new sessions or faults: the charge point is quitting.
    stopped: bool,
}

/// A 64-bit mix (splitmix64's finalizer): the seeds of charge points n and n + 1 are unrelated.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Script {
    /// The script of charge point `index` (0-based) with `connectors` connectors, starting `now`.
    pub fn new(scenario: Arc<Scenario>, index: u64, connectors: u32, now: Instant) -> Script {
        let rng = Xoshiro256PlusPlus::seed_from_u64(mix(scenario.seed ^ mix(index)));
        let mut script = Script {
            scenario,
            rng,
            origin: now,
            lanes: Vec::with_capacity(connectors as usize),
            fault: None,
            stopped: false,
        };
        for _ in 0..connectors {
            let at = script.next_arrival(now);
            script.lanes.push(Lane {
                at,
                phase: Phase::Idle,
                tag: 0,
            });
        }
        script.fault = script.next_fault(now);
        script
    }

    /// Real milliseconds of `s` simulated seconds.
    fn real_ms(&self, s: f64) -> u64 {
        let ms = s * 1000.0 / self.scenario.speed;
        if ms.is_finite() && ms > 0.0 {
            ms.min(1e15) as u64
        } else {
            0
        }
    }

    /// The simulated hour of the day at `t`.
    fn hour(&self, t: Instant) -> usize {
        let s = self.scenario.start_hour * 3600.0
            + t.since(self.origin) as f64 / 1000.0 * self.scenario.speed;
        ((s % DAY_S) / 3600.0) as usize
    }

    fn uniform(&mut self, r: [f64; 2]) -> f64 {
        if r[1] > r[0] {
            self.rng.random_range(r[0]..=r[1])
        } else {
            r[0]
        }
    }

    /// An exponential wait (simulated seconds) for `per_day` events a day; `None` for none.
    fn exponential(&mut self, per_day: f64) -> Option<f64> {
        if per_day <= 0.0 {
            return None;
        }
        let u: f64 = self.rng.random_range(f64::EPSILON..1.0);
        Some(-u.ln() * DAY_S / per_day)
    }

    /// The next candidate arrival after `now`: a Poisson process at the peak hour's rate, thinned
    /// at the candidate by its hour's weight (see [`Phase::Idle`]). Far away when no sessions.
    fn next_arrival(&mut self, now: Instant) -> Instant {
        let s = &self.scenario.sessions;
        let peak = s.hourly.as_ref().map_or(1.0, |h| {
            let max = h.iter().copied().fold(0.0, f64::max);
            let mean = h.iter().sum::<f64>() / 24.0;
            if mean > 0.0 { max / mean } else { 1.0 }
        });
        match self.exponential(s.per_day * peak) {
            Some(wait) => now.add_millis(self.real_ms(wait).max(1)),
            None => Instant(u64::MAX),
        }
    }

    /// Whether a candidate arrival at `t` is taken (the hour's weight over the peak weight).
    fn accept_arrival(&mut self, t: Instant) -> bool {
        let Some(h) = &self.scenario.sessions.hourly else {
            return true;
        };
        let max = h.iter().copied().fold(0.0, f64::max);
        let w = h.get(self.hour(t)).copied().unwrap_or(0.0);
        max > 0.0 && self.rng.random_range(0.0..max) < w
    }

    fn next_fault(&mut self, now: Instant) -> Option<FaultLane> {
        let per_day = self.scenario.faults.as_ref().map_or(0.0, |f| f.per_day);
        let wait = self.exponential(per_day)?;
        let connectors = u32::try_from(self.lanes.len()).unwrap_or(1).max(1);
        Some(FaultLane {
            at: now.add_millis(self.real_ms(wait).max(1)),
            connector: self.rng.random_range(1..=connectors),
            on: false,
        })
    }

    /// When the next step is due.
    pub fn wake_at(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        let lanes = self.lanes.iter().map(|l| l.at);
        let fault = self.fault.map(|f| f.at);
        lanes.chain(fault).min()
    }

    /// No more sessions or faults (the charge point quits; the quit stops what runs).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// The next command due at `now`, if any: call until `None`.
    pub fn next_command(&mut self, now: Instant) -> Option<Command> {
        if self.stopped {
            return None;
        }
        if let Some(f) = self.fault.filter(|f| f.at <= now) {
            return Some(self.fault_step(f, now));
        }
        // A step that gives no command (a candidate arrival not taken) moves its lane on, so
        // this ends.
        loop {
            let n = self.lanes.iter().position(|l| l.at <= now)?;
            let connector = u32::try_from(n + 1).unwrap_or(1);
            let lane = self.lanes.get(n)?.clone();
            let (next, command) = self.lane_step(&lane, connector, now);
            if let Some(l) = self.lanes.get_mut(n) {
                *l = next;
            }
            if command.is_some() {
                return command;
            }
        }
    }

    fn fault_step(&mut self, f: FaultLane, now: Instant) -> Command {
        if f.on {
            self.fault = self.next_fault(now);
            return Command::Ok(f.connector);
        }
        let (duration, code) = match &self.scenario.faults {
            Some(faults) => {
                let i = self.rng.random_range(0..faults.codes.len().max(1));
                let code = faults
                    .codes
                    .get(i)
                    .and_then(|c| ChargePointErrorCode::parse(c))
                    .unwrap_or(ChargePointErrorCode::OtherError);
                (faults.duration_min, code)
            }
            None => ([0.0, 0.0], ChargePointErrorCode::OtherError),
        };
        let minutes = self.uniform(duration);
        self.fault = Some(FaultLane {
            at: now.add_millis(self.real_ms(minutes * 60.0)),
            connector: f.connector,
            on: true,
        });
        Command::Fault(f.connector, code)
    }

    /// One step of a connector's session: its next state and the command of this step.
    fn lane_step(&mut self, lane: &Lane, connector: u32, now: Instant) -> (Lane, Option<Command>) {
        let s = Arc::clone(&self.scenario);
        let s = &s.sessions;
        let at = |script: &Script, secs: f64| now.add_millis(script.real_ms(secs));
        match lane.phase {
            Phase::Idle => {
                if !self.accept_arrival(lane.at) {
                    let next = Lane {
                        at: self.next_arrival(now),
                        ..lane.clone()
                    };
                    return (next, None);
                }
                let power = if s.ev_power_w[1] > s.ev_power_w[0] {
                    self.rng.random_range(s.ev_power_w[0]..=s.ev_power_w[1])
                } else {
                    s.ev_power_w[0]
                };
                let tag = if s.id_tags.is_empty() {
                    self.rng.random_range(0..s.id_tag_count.max(1))
                } else {
                    let n = self.rng.random_range(0..s.id_tags.len());
                    u32::try_from(n).unwrap_or(0)
                };
                let next = Lane {
                    at: now,
                    phase: Phase::Arriving,
                    tag,
                };
                (next, Some(Command::Ev(connector, power)))
            }
            Phase::Arriving => {
                let wait = self.uniform(s.plug_to_tag_s);
                let next = Lane {
                    at: at(self, wait),
                    phase: Phase::Plugged,
                    tag: lane.tag,
                };
                (next, Some(Command::Plug(connector)))
            }
            Phase::Plugged => {
                let minutes = self.uniform(s.duration_min);
                let next = Lane {
                    at: at(self, minutes * 60.0),
                    phase: Phase::Charging,
                    tag: lane.tag,
                };
                (next, Some(Command::Tag(connector, self.id_tag(lane.tag))))
            }
            Phase::Charging => {
                let by_unplug = s.stop_by_unplug > 0.0 && self.rng.random_bool(s.stop_by_unplug);
                if by_unplug {
                    let next = Lane {
                        at: self.next_arrival(now),
                        phase: Phase::Idle,
                        tag: 0,
                    };
                    (next, Some(Command::Unplug(connector)))
                } else {
                    let wait = self.uniform(s.unplug_after_s);
                    let next = Lane {
                        at: at(self, wait),
                        phase: Phase::Leaving,
                        tag: lane.tag,
                    };
                    (next, Some(Command::Tag(connector, self.id_tag(lane.tag))))
                }
            }
            Phase::Leaving => {
                let next = Lane {
                    at: self.next_arrival(now),
                    phase: Phase::Idle,
                    tag: 0,
                };
                (next, Some(Command::Unplug(connector)))
            }
        }
    }

    fn id_tag(&self, n: u32) -> String {
        let s = &self.scenario.sessions;
        match s.id_tags.get(n as usize) {
            Some(tag) => tag.clone(),
            None => format!("{}{n}", s.id_tag_prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Arc<Scenario> {
        let s: Scenario = toml::from_str(text).expect("parses");
        s.check().expect("valid");
        Arc::new(s)
    }

    const BUSY: &str = r#"
        seed = 7
        speed = 3600.0
        [sessions]
        per_day = 24.0
        duration_min = [30.0, 60.0]
        plug_to_tag_s = [10.0, 10.0]
        id_tags = ["A", "B"]
    "#;

    /// Runs a script for `hours` simulated hours and returns its commands.
    fn run(script: &mut Script, until: u64) -> Vec<(u64, Command)> {
        let mut out = Vec::new();
        while let Some(t) = script.wake_at().filter(|t| t.0 <= until) {
            while let Some(c) = script.next_command(t) {
                out.push((t.0, c));
            }
        }
        out
    }

    #[test]
    fn a_session_is_ev_plug_tag_tag_unplug() {
        let mut script = Script::new(scenario(BUSY), 0, 1, Instant(0));
        let commands = run(&mut script, 100_000);
        let first: Vec<&Command> = commands.iter().take(5).map(|(_, c)| c).collect();
        assert!(
            matches!(first.first(), Some(Command::Ev(1, _))),
            "{first:?}"
        );
        assert!(matches!(first.get(1), Some(Command::Plug(1))));
        assert!(matches!(first.get(2), Some(Command::Tag(1, _))));
        assert!(matches!(first.get(3), Some(Command::Tag(1, _))));
        assert!(matches!(first.get(4), Some(Command::Unplug(1))));
        // 24 a day at 3600x: about one a second, so some tens in 100 s.
        let plugs = commands
            .iter()
            .filter(|(_, c)| matches!(c, Command::Plug(_)))
            .count();
        assert!((5..=100).contains(&plugs), "{plugs}");
    }

    #[test]
    fn the_same_seed_gives_the_same_day_and_charge_points_differ() {
        let a = run(&mut Script::new(scenario(BUSY), 3, 2, Instant(0)), 50_000);
        let b = run(&mut Script::new(scenario(BUSY), 3, 2, Instant(0)), 50_000);
        let c = run(&mut Script::new(scenario(BUSY), 4, 2, Instant(0)), 50_000);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn hourly_weights_shape_the_arrivals() {
        let mut hourly = vec![0.0; 24];
        if let Some(w) = hourly.get_mut(1) {
            *w = 1.0;
        }
        let text = format!(
            "speed = 3600.0\n[sessions]\nper_day = 240.0\nduration_min = [1.0, 1.0]\nhourly = {hourly:?}\n"
        );
        let mut script = Script::new(scenario(&text), 0, 1, Instant(0));
        // One simulated day = 24 real seconds at 3600x: arrivals only in hour 1 (1 s to 2 s).
        for (t, c) in run(&mut script, 24_000) {
            if matches!(c, Command::Ev(..)) {
                assert!((1000..2000).contains(&t), "arrival at {t} ms");
            }
        }
    }

    #[test]
    fn faults_come_and_go() {
        let text = format!(
            "{BUSY}\n[faults]\nper_day = 48.0\ncodes = [\"GroundFailure\"]\nduration_min = [5.0, 5.0]\n"
        );
        let commands = run(&mut Script::new(scenario(&text), 1, 1, Instant(0)), 200_000);
        let faults = commands
            .iter()
            .filter(|(_, c)| matches!(c, Command::Fault(1, ChargePointErrorCode::GroundFailure)))
            .count();
        let oks = commands
            .iter()
            .filter(|(_, c)| matches!(c, Command::Ok(1)))
            .count();
        assert!(faults > 0);
        assert!(oks + 1 >= faults && oks <= faults);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        for (text, needle) in [
            (
                "[sessions]\nper_day = -1.0\nduration_min = [1.0, 2.0]",
                "per_day",
            ),
            (
                "[sessions]\nper_day = 1.0\nduration_min = [3.0, 2.0]",
                "duration_min",
            ),
            (
                "[sessions]\nper_day = 1.0\nduration_min = [1.0, 2.0]\nhourly = [1.0]",
                "hourly",
            ),
            (
                "[sessions]\nper_day = 1.0\nduration_min = [1.0, 2.0]\n[faults]\nper_day = 1.0\ncodes = [\"Broken\"]\nduration_min = [1.0, 2.0]",
                "Broken",
            ),
        ] {
            let s: Scenario = toml::from_str(text).expect("parses");
            let e = s.check().expect_err(text);
            assert!(e.contains(needle), "{e}");
        }
        assert!(
            toml::from_str::<Scenario>(
                "[sessions]\nper_day = 1.0\nduration_min = [1.0, 2.0]\nbogus = 1"
            )
            .is_err()
        );
    }
}
