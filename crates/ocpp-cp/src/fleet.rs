//! A fleet: `--count K` charge points (or any count with `--scenario`) as tasks on one tokio
//! thread, on the async driver.
//!
//! Why async, and why one thread: a charge point is idle almost all the time (a heartbeat a
//! minute, a meter sample a minute while charging), so a fleet is a matter of memory and of
//! wake-ups, not of CPU. One OS thread per charge point costs a stack each and, with the
//! blocking driver's `poll_interval`, a wake-up every 50 ms each. A task costs its state, and the
//! async driver sleeps until the core's deadline, a frame, a command or the script's next step
//! (`Hooks::wake_at`): an idle charge point wakes only for its heartbeat. A current-thread
//! runtime needs no locks between charge points and no work stealing, and leaves the machine's
//! other cores to the central system under test; one core does the protocol work of tens of
//! thousands of charge points (docs/performance.md, "Simulator at scale").
//!
//! Around the tasks: the start ramp (`--ramp N/s`, so that the central system is not hit by
//! every connection at once), the board of stdin commands (to all, or to one with `@ID`), the
//! summary every second on stdout and in `--stats-json FILE`, and the checks made before
//! anything starts (open files, memory, loopback ports).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant as StdInstant};

use ocpp_tungstenite::Control;

use crate::cli::Cli;
use crate::commands::{self, Command};
use crate::crash;
use crate::runner::{Exit, Inbox, Runner, Stats};
use crate::scenario::Scenario;

/// Resident memory a charge point of the fleet needs, with a margin, for the check made before
/// starting (measured: docs/performance.md, "Simulator at scale").
const BYTES_PER_CHARGE_POINT: u64 = 64 * 1024;

/// Open files besides the charge points' sockets (stdio, the runtime, state files, transfers).
const SPARE_FILES: u64 = 64;

/// The commands typed for the fleet: every post is kept, and each charge point reads the posts
/// for it from its own cursor on (one index per charge point, not a channel each: a channel
/// costs a block of slots per charge point, and a broadcast is one post instead of K copies).
/// A post wakes its charge points ([`Control::wake`]); they take it at their next turn.
pub struct Board {
    /// (target: a charge point's index, or all; the command).
    posts: RwLock<Vec<(Option<u32>, Command)>>,
    /// The driver controls of the charge points, to wake them (set at each start of a life).
    controls: Mutex<Vec<Option<Control>>>,
}

impl Board {
    fn new(count: u32) -> Board {
        Board {
            posts: RwLock::new(Vec::new()),
            controls: Mutex::new(vec![None; count as usize]),
        }
    }

    /// Charge point `index` runs with `control` now.
    pub fn register(&self, index: u32, control: Control) {
        if let Ok(mut controls) = self.controls.lock() {
            if let Some(slot) = controls.get_mut(index as usize) {
                *slot = Some(control);
            }
        }
    }

    /// The next post for charge point `index` from `cursor` on.
    pub fn next(&self, index: u32, cursor: &mut usize) -> Option<Command> {
        let posts = self.posts.read().ok()?;
        while let Some((target, command)) = posts.get(*cursor) {
            *cursor += 1;
            if target.is_none_or(|t| t == index) {
                return Some(command.clone());
            }
        }
        None
    }

    /// Posts `command` for one charge point or all, and wakes them.
    fn post(&self, target: Option<u32>, command: Command) {
        if let Ok(mut posts) = self.posts.write() {
            posts.push((target, command));
        }
        let Ok(controls) = self.controls.lock() else {
            return;
        };
        match target {
            Some(t) => {
                if let Some(Some(c)) = controls.get(t as usize) {
                    c.wake();
                }
            }
            None => {
                for c in controls.iter().flatten() {
                    c.wake();
                }
            }
        }
    }
}

/// Runs the fleet against `url` until every charge point has quit.
pub fn run(cli: &Cli, url: &str, crash: Option<&Arc<crash::Plan>>) -> Result<(), String> {
    let count = cli.count;
    let ramp = cli.ramp_per_second()?;
    let scenario = match &cli.scenario {
        Some(path) => Some(Arc::new(Scenario::load(path)?)),
        None => None,
    };
    let urls = spread(url, cli.csms_ports)?;
    check_ports(url, count, cli.csms_ports)?;
    check_memory(count)?;
    check_open_files(count)?;
    let stats = Arc::new(Stats::default());
    let board = Arc::new(Board::new(count));
    let done = Arc::new(AtomicBool::new(false));
    if !cli.no_stdin {
        let board = Arc::clone(&board);
        let prefix = format!("{}-", cli.id);
        thread::spawn(move || read_stdin(&board, &prefix, count));
    }
    let started = StdInstant::now();
    let summary = {
        let stats = Arc::clone(&stats);
        let done = Arc::clone(&done);
        let path = cli.stats_json.clone();
        thread::spawn(move || summary(&stats, count, path.as_deref(), started, &done))
    };
    println!(
        "ocpp-cp: {count} charge point(s) against {url}{}, {ramp}/s",
        if urls.len() > 1 {
            format!(" (ports spread over {})", urls.len())
        } else {
            String::new()
        }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let failures = runtime.block_on(async {
        if let Some(secs) = cli.duration {
            let board = Arc::clone(&board);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                board.post(None, Command::Quit);
            });
        }
        let mut tasks = tokio::task::JoinSet::new();
        let start = tokio::time::Instant::now();
        for n in 0..count {
            // The ramp: charge point n starts n / ramp seconds after the first.
            let due = start + Duration::from_secs_f64(f64::from(n) / ramp);
            if due > tokio::time::Instant::now() {
                tokio::time::sleep_until(due).await;
            }
            let id = format!("{}-{}", cli.id, n + 1);
            let url = urls
                .get(n as usize % urls.len())
                .map_or(url, String::as_str);
            let inbox = Inbox::Board {
                board: Arc::clone(&board),
                index: n,
                cursor: 0,
            };
            let mut runner = Runner::new(cli, url, id, inbox, Arc::clone(&stats), crash.cloned())
                .print_events(!cli.quiet);
            if let Some(s) = &scenario {
                runner = runner.with_scenario(Arc::clone(s), u64::from(n));
            }
            tune(&mut runner);
            tasks.spawn(runner.run_async());
        }
        let mut failures = Vec::new();
        while let Some(result) = tasks.join_next().await {
            match result {
                Ok(Exit::Quit) => {}
                Ok(Exit::Failed(message)) => failures.push(message),
                Err(e) => failures.push(format!("a charge point task failed: {e}")),
            }
        }
        failures
    });
    done.store(true, Ordering::Relaxed);
    let _ = summary.join();
    match failures.first() {
        None => Ok(()),
        Some(first) if failures.len() == 1 => Err(first.clone()),
        Some(first) => Err(format!(
            "{first} (and {} more charge point(s) failed)",
            failures.len() - 1
        )),
    }
}

/// The connection options of a fleet's charge point: small buffers, no periodic wake-up.
fn tune(runner: &mut Runner) {
    let options = runner.options_mut();
    // Nothing needs a look between events: the async driver takes commands and frames at once,
    // and the hooks say when the script's next step is (an hour bounds the sleep).
    options.poll_interval = Duration::from_secs(3600);
    // tungstenite's 128 KiB read buffer is zeroed at the first read: 128 KiB resident per charge
    // point. OCPP frames of a simulated charge point are small; a larger message grows it.
    options.read_buffer_size = 1024;
    // Write each frame at once; no buffer kept.
    options.write_buffer_size = 0;
    // The largest frame a charge point sends is GetConfiguration.conf of every key (2.9 KB).
    options.transmit_buffer_size = 8 * 1024;
}

/// `url` with its port moved by 0..n (loopback load tests: see [`check_ports`]).
fn spread(url: &str, n: u16) -> Result<Vec<String>, String> {
    if n <= 1 {
        return Ok(vec![url.to_owned()]);
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("--csms {url}: no scheme"))?;
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let colon = authority
        .rfind(':')
        .filter(|&i| !authority.get(i..).unwrap_or_default().contains(']'))
        .ok_or_else(|| format!("--csms-ports needs a port in --csms {url}"))?;
    let host = authority.get(..colon).unwrap_or_default();
    let port: u16 = authority
        .get(colon + 1..)
        .unwrap_or_default()
        .parse()
        .map_err(|_| format!("--csms {url}: bad port"))?;
    (0..n)
        .map(|i| {
            let p = port
                .checked_add(i)
                .ok_or_else(|| format!("--csms-ports {n}: ports beyond 65535"))?;
            Ok(format!("{scheme}://{host}:{p}{path}"))
        })
        .collect()
}

/// Every connection to one address and port from one source address needs its own ephemeral
/// port: more charge points than the ephemeral range against one loopback port would fail
/// (EADDRNOTAVAIL) after a long boot. Said before starting, with the way out.
fn check_ports(url: &str, count: u32, ports: u16) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range") else {
        return Ok(());
    };
    let mut numbers = text
        .split_whitespace()
        .filter_map(|w| w.parse::<u32>().ok());
    let (Some(low), Some(high)) = (numbers.next(), numbers.next()) else {
        return Ok(());
    };
    let range = high.saturating_sub(low) + 1;
    let per_port = count.div_ceil(u32::from(ports.max(1)));
    if per_port > range {
        let need = count.div_ceil(range);
        return Err(format!(
            "--count {count} needs {per_port} connections to each central system port of {url}, \
             above the {range} ephemeral ports ({low}-{high}, /proc/sys/net/ipv4/ip_local_port_range): \
             let the central system listen on {need} or more consecutive ports and give --csms-ports {need}"
        ));
    }
    Ok(())
}

/// Refuses a fleet that cannot fit in the memory available (MemAvailable of /proc/meminfo).
fn check_memory(count: u32) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else {
        return Ok(());
    };
    let available_kb = text
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok());
    let Some(available_kb) = available_kb else {
        return Ok(());
    };
    let need = u64::from(count) * BYTES_PER_CHARGE_POINT;
    if need / 1024 > available_kb {
        return Err(format!(
            "--count {count} needs about {} MB ({} KB per charge point), {} MB are available",
            need >> 20,
            BYTES_PER_CHARGE_POINT / 1024,
            available_kb / 1024
        ));
    }
    Ok(())
}

/// One socket per charge point: raises the soft limit of open files to the hard limit (or, with
/// the privilege, both to what is needed), or says how far it falls short.
fn check_open_files(count: u32) -> Result<(), String> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let need = u64::from(count) + SPARE_FILES;
    let limit = getrlimit(Resource::Nofile);
    // None: unlimited.
    let soft = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if soft >= need {
        return Ok(());
    }
    let raised = if hard >= need {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            },
        )
    } else {
        // Above the hard limit: only with CAP_SYS_RESOURCE (root), up to fs.nr_open.
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(need),
                maximum: Some(need),
            },
        )
    };
    raised.map_err(|e| {
        format!(
            "--count {count} needs about {need} open files (a socket per charge point); the limit is \
             {soft} (hard {hard}) and cannot be raised ({e}): raise it first, e.g. `ulimit -n {need}`"
        )
    })
}

/// The fleet's stdin: a command for all (`plug 1`), or for one charge point (`@ID plug 1`,
/// `@N plug 1`: the id, or its number 1..=K). End of stdin is `quit`.
fn read_stdin(board: &Board, prefix: &str, count: u32) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match parse_targeted(&line, prefix, count) {
            Ok(Some((target, command))) => {
                let quit = command == Command::Quit && target.is_none();
                board.post(target, command);
                if quit {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("ocpp-cp: {e}: {line}"),
        }
    }
    board.post(None, Command::Quit);
}

/// A line of the fleet's stdin: an optional `@target` (index 0-based out) and the command.
fn parse_targeted(
    line: &str,
    prefix: &str,
    count: u32,
) -> Result<Option<(Option<u32>, Command)>, String> {
    let trimmed = line.trim_start();
    let (target, rest) = match trimmed.strip_prefix('@') {
        Some(after) => {
            let (name, rest) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
            let number = name.strip_prefix(prefix).unwrap_or(name);
            let n: u32 = number
                .parse()
                .map_err(|_| format!("unknown charge point {name:?} (@ID or @N)"))?;
            if n == 0 || n > count {
                return Err(format!("no charge point {name} (1..={count})"));
            }
            (Some(n - 1), rest)
        }
        None => (None, trimmed),
    };
    let command = commands::parse(rest)?;
    match (target, command) {
        (Some(_), None) => Err("a command must follow the target".into()),
        (t, Some(c)) => Ok(Some((t, c))),
        (None, None) => Ok(None),
    }
}

/// The fleet's state in one line on stdout every second (from the first second on), and in
/// `path` as JSON (written whole and renamed); the last one when the fleet is done.
fn summary(stats: &Stats, count: u32, path: Option<&Path>, started: StdInstant, done: &AtomicBool) {
    let mut last_frames = stats.frames();
    let mut last = StdInstant::now();
    let mut next = started + Duration::from_secs(1);
    loop {
        let finished = done.load(Ordering::Relaxed);
        if !finished {
            let now = StdInstant::now();
            if next > now {
                thread::sleep((next - now).min(Duration::from_millis(100)));
                continue;
            }
            next += Duration::from_secs(1);
        }
        let frames = stats.frames();
        let seconds = last.elapsed().as_secs_f64().max(0.001);
        let rate = (frames.saturating_sub(last_frames)) as f64 / seconds;
        last_frames = frames;
        last = StdInstant::now();
        let rss_kb = rss_kb();
        println!(
            "[summary] {:.0} s: charge points {}/{count}, connected {}, booted {}, charging {}, queued messages {}, frames/s {rate:.0}, transactions {} started {} stopped, errors {}, RSS {} MB",
            started.elapsed().as_secs_f64(),
            stats.started(),
            stats.connected(),
            stats.booted(),
            stats.running(),
            stats.queued(),
            stats.transactions(),
            stats.stopped(),
            stats.errors(),
            rss_kb / 1024,
        );
        if let Some(path) = path {
            let json = serde_json::json!({
                "elapsed_s": started.elapsed().as_secs_f64(),
                "count": count,
                "started": stats.started(),
                "connected": stats.connected(),
                "booted": stats.booted(),
                "charging": stats.running(),
                "queued_messages": stats.queued(),
                "frames": frames,
                "frames_per_s": rate,
                "transactions_started": stats.transactions(),
                "transactions_stopped": stats.stopped(),
                "meter_values_sent": stats.meter_values_sent(),
                "errors": stats.errors(),
                "rss_kb": rss_kb,
                "done": finished,
            });
            write_atomically(path, &json.to_string());
        }
        if finished {
            return;
        }
    }
}

/// The process's resident memory, from /proc/self/statm (0 where there is none).
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

fn write_atomically(path: &Path, text: &str) {
    let mut tmp = PathBuf::from(path);
    tmp.as_mut_os_string().push(".tmp");
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_by_id_or_number() {
        assert_eq!(
            parse_targeted("@CP-1-17 plug 1", "CP-1-", 100),
            Ok(Some((Some(16), Command::Plug(1))))
        );
        assert_eq!(
            parse_targeted("@3 unplug 2", "CP-1-", 100),
            Ok(Some((Some(2), Command::Unplug(2))))
        );
        assert_eq!(
            parse_targeted("plug 1", "CP-1-", 100),
            Ok(Some((None, Command::Plug(1))))
        );
        assert_eq!(parse_targeted("", "CP-1-", 100), Ok(None));
        assert!(parse_targeted("@101 plug 1", "CP-1-", 100).is_err());
        assert!(parse_targeted("@0 plug 1", "CP-1-", 100).is_err());
        assert!(parse_targeted("@X-1 plug 1", "CP-1-", 100).is_err());
        assert!(parse_targeted("@5", "CP-1-", 100).is_err());
    }

    #[test]
    fn board_posts_reach_their_targets_once() {
        let board = Board::new(3);
        board.post(None, Command::Plug(1));
        board.post(Some(1), Command::Unplug(1));
        let (mut a, mut b) = (0, 0);
        assert_eq!(board.next(0, &mut a), Some(Command::Plug(1)));
        assert_eq!(board.next(0, &mut a), None);
        assert_eq!(board.next(1, &mut b), Some(Command::Plug(1)));
        assert_eq!(board.next(1, &mut b), Some(Command::Unplug(1)));
        assert_eq!(board.next(1, &mut b), None);
    }

    #[test]
    fn ports_spread() {
        assert_eq!(
            spread("ws://127.0.0.1:9000/ocpp", 3),
            Ok(vec![
                "ws://127.0.0.1:9000/ocpp".to_owned(),
                "ws://127.0.0.1:9001/ocpp".to_owned(),
                "ws://127.0.0.1:9002/ocpp".to_owned()
            ])
        );
        assert_eq!(
            spread("ws://[::1]:9000", 2),
            Ok(vec![
                "ws://[::1]:9000".to_owned(),
                "ws://[::1]:9001".to_owned()
            ])
        );
        assert!(spread("ws://[::1]/ocpp", 2).is_err());
        assert!(spread("ws://host:65535/", 2).is_err());
    }
}
