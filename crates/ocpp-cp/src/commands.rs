//! The stdin control language: one command per line.

use std::io::BufRead;
use std::sync::mpsc::Sender;

use ocpp_core::v16::ChargePointErrorCode;

/// One command for the simulated EV, driver and hardware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `plug <c>`: EV cable plugged into connector c.
    Plug(u32),
    /// `unplug <c>`: cable removed.
    Unplug(u32),
    /// `tag <c> <idTag>`: RFID card presented at connector c.
    Tag(u32, String),
    /// `ev <c> <watts>`: the EV draws at most this power (until then: 11 kW,
    /// `ocpp_hal::sim::DEFAULT_EV_POWER_W`).
    Ev(u32, u32),
    /// `fault <c> <Code>`: a connector error.
    Fault(u32, ChargePointErrorCode),
    /// `ok <c>`: the error is gone.
    Ok(u32),
    /// `quit`: orderly shutdown.
    Quit,
}

/// Parses one line; `Ok(None)` for a blank line or a comment (`#`).
pub fn parse(line: &str) -> Result<Option<Command>, String> {
    let mut words = line.split_whitespace();
    let Some(verb) = words.next() else {
        return Ok(None);
    };
    if verb.starts_with('#') {
        return Ok(None);
    }
    let connector = |w: Option<&str>| -> Result<u32, String> {
        w.ok_or("missing connector")?
            .parse::<u32>()
            .map_err(|_| "connector must be a number".to_owned())
    };
    let command = match verb {
        "plug" => Command::Plug(connector(words.next())?),
        "unplug" => Command::Unplug(connector(words.next())?),
        "tag" => {
            let c = connector(words.next())?;
            let tag = words.next().ok_or("missing idTag")?;
            if tag.len() > 20 {
                return Err("an idTag has at most 20 characters".into());
            }
            Command::Tag(c, tag.to_owned())
        }
        "ev" => {
            let c = connector(words.next())?;
            let watts = words
                .next()
                .ok_or("missing watts")?
                .parse::<u32>()
                .map_err(|_| "watts must be a number")?;
            Command::Ev(c, watts)
        }
        "fault" => {
            let c = connector(words.next())?;
            let code = words.next().ok_or("missing error code")?;
            let code = ChargePointErrorCode::parse(code)
                .ok_or_else(|| format!("unknown ChargePointErrorCode {code}"))?;
            Command::Fault(c, code)
        }
        "ok" => Command::Ok(connector(words.next())?),
        "quit" | "exit" => Command::Quit,
        other => {
            return Err(format!(
                "unknown command {other:?} (plug, unplug, tag, ev, fault, ok, quit)"
            ));
        }
    };
    if words.next().is_some() {
        return Err("too many words".into());
    }
    Ok(Some(command))
}

/// Reads stdin until EOF or `quit`, sending every command to every charge point. EOF is `quit`.
pub fn read_stdin(targets: &[Sender<Command>]) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match parse(&line) {
            Ok(Some(command)) => {
                let quit = command == Command::Quit;
                for t in targets {
                    let _ = t.send(command.clone());
                }
                if quit {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("ocpp-cp: {e}: {line}"),
        }
    }
    for t in targets {
        let _ = t.send(Command::Quit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert_eq!(parse("plug 1"), Ok(Some(Command::Plug(1))));
        assert_eq!(parse("  unplug 2 "), Ok(Some(Command::Unplug(2))));
        assert_eq!(
            parse("tag 1 04A2B3"),
            Ok(Some(Command::Tag(1, "04A2B3".into())))
        );
        assert_eq!(parse("ev 1 7400"), Ok(Some(Command::Ev(1, 7400))));
        assert_eq!(
            parse("fault 1 GroundFailure"),
            Ok(Some(Command::Fault(1, ChargePointErrorCode::GroundFailure)))
        );
        assert_eq!(parse("ok 1"), Ok(Some(Command::Ok(1))));
        assert_eq!(parse("quit"), Ok(Some(Command::Quit)));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("# comment"), Ok(None));
    }

    #[test]
    fn refuses_bad_commands_with_a_reason() {
        assert!(parse("plug").is_err());
        assert!(parse("plug x").is_err());
        assert!(parse("tag 1").is_err());
        assert!(parse("tag 1 123456789012345678901").is_err());
        assert!(parse("fault 1 Broken").is_err());
        assert!(parse("dance").is_err());
        assert!(parse("plug 1 2").is_err());
    }
}
