//! `ocpp-cp`: an OCPP 1.6-J charge point simulator.
//!
//! ```text
//! ocpp-cp                                   # built-in demo central system, one charging session
//! ocpp-cp --csms ws://127.0.0.1:9000/ocpp --id CP-1 [--connectors N] [--state-dir DIR]
//!         [--password PW] [--ca PEM] [--client-cert PEM --client-key PEM]
//!         [--security-profile 0-3] [--manufacturer-root PEM] [--cpo-name NAME]
//!         [--vendor V --model M] [--count K] [--scenario FILE] [--ramp N/s]
//!         [--stats-json FILE] [--duration S] [--csms-ports N] [--no-stdin]
//! ```
//!
//! Stdin takes one command per line (`plug 1`, `tag 1 CARD`, `ev 1 7400`, `unplug 1`,
//! `fault 1 GroundFailure`, `ok 1`, `quit`); every OCPP frame is logged to stderr with a
//! timestamp. See docs/simulator.md.

mod cli;
mod commands;
mod crash;
mod demo;
mod fleet;
mod framelog;
mod runner;
mod scenario;
mod security;
mod transfer;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use clap::Parser;

use crate::cli::Cli;
use crate::commands::Command;
use crate::runner::{Exit, Inbox, Runner, Stats};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One clear line, not clap's usage block: scripts read stderr.
            let text = e.to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments");
            eprintln!(
                "ocpp-cp: {} (see ocpp-cp --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    framelog::init(cli.quiet);
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ocpp-cp: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    cli.validate()?;
    // Test-only fault injection (crash.rs); None unless OCPP_CP_CRASH_AFTER_WRITES is set.
    let crash = crash::Plan::from_env()?;
    if cli.fleet() {
        let url = cli.csms.clone().unwrap_or_default();
        return fleet::run(cli, &url, crash.as_ref());
    }
    let demo = cli.csms.is_none();
    let (url, _server) = if let Some(url) = &cli.csms {
        (url.clone(), None)
    } else {
        let server = demo::CentralSystem::start()
            .map_err(|e| format!("cannot start the demo central system: {e}"))?;
        let url = format!("ws://{}/ocpp", server.addr());
        println!(
            "ocpp-cp: demo central system on {url}; running one charging session (frames on stderr)"
        );
        (url, Some(server))
    };
    let count = cli.count.max(1);
    let stats = Arc::new(Stats::default());
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for n in 1..=count {
        let id = if count == 1 {
            cli.id.clone()
        } else {
            format!("{}-{n}", cli.id)
        };
        let (tx, rx) = mpsc::channel::<Command>();
        senders.push(tx);
        let runner = Runner::new(
            cli,
            &url,
            id.clone(),
            Inbox::Channel(rx),
            Arc::clone(&stats),
            crash.clone(),
        );
        let handle = thread::Builder::new()
            .name(id.clone())
            .spawn(move || runner.run())
            .map_err(|e| format!("cannot start charge point {id}: {e}"))?;
        handles.push(handle);
    }
    if demo {
        thread::spawn(move || demo::script(&senders));
    } else {
        thread::spawn(move || commands::read_stdin(&senders));
        if count > 1 {
            let stats = Arc::clone(&stats);
            thread::spawn(move || summary(&stats, count));
        }
    }
    let mut failure = None;
    for handle in handles {
        match handle.join() {
            Ok(Exit::Quit) => {}
            Ok(Exit::Failed(message)) => failure = Some(message),
            Err(_) => failure = Some("a charge point thread panicked".into()),
        }
    }
    if demo {
        println!("{}", stats.report());
    }
    failure.map_or(Ok(()), Err)
}

/// `--count K`: a live summary on stdout every two seconds.
fn summary(stats: &Stats, count: u32) {
    let mut last = stats.frames();
    loop {
        thread::sleep(Duration::from_secs(2));
        let frames = stats.frames();
        let rate = (frames.saturating_sub(last)) / 2;
        last = frames;
        println!(
            "[summary] charge points {count}, connected {}, booted {}, transactions {} ({} running), messages/s {rate}, errors {}",
            stats.connected(),
            stats.booted(),
            stats.transactions(),
            stats.running(),
            stats.errors(),
        );
    }
}
