//! The frame log: every OCPP frame in and out on stderr, one line each, with a timestamp:
//!
//! ```text
//! 2024-05-01T12:00:00.123Z CP-1 -> [2,"1","BootNotification",{...}]
//! 2024-05-01T12:00:00.130Z CP-1 <- [3,"1",{...}]
//! ```
//!
//! Frames come from `ocpp-tungstenite` as `tracing` events (target
//! [`ocpp_tungstenite::FRAME_LOG_TARGET`]); other warnings and errors are printed the same way.
//!
//! Secrets never reach it: the `value` of a ChangeConfiguration.req for `AuthorizationKey` is
//! `***` ([`ocpp_tungstenite::redact_frame`], applied by the adapter and again here), passwords
//! in URLs are `***` ([`redact`]), the Basic authentication password and the TLS private key are
//! never logged.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use ocpp_core::types::DateTime;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// The last lines logged, for diagnostics uploads.
static RECENT: Mutex<Vec<String>> = Mutex::new(Vec::new());
const RECENT_MAX: usize = 2000;

/// Installs the logger. `quiet`: no frames, only warnings and errors.
pub fn init(quiet: bool) {
    let _ = tracing_subscriber::registry()
        .with(FrameLog { quiet })
        .try_init();
}

/// The recent log, as text (the simulator's "diagnostics file").
pub fn recent() -> String {
    RECENT
        .lock()
        .map(|lines| lines.join("\n"))
        .unwrap_or_default()
}

/// Now, as an RFC 3339 UTC timestamp with milliseconds.
pub fn timestamp() -> String {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    DateTime::from_unix_millis(i64::try_from(ms).unwrap_or(0))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Hides the password of every `scheme://user:password@` in `text` (diagnostics and firmware
/// locations may carry FTP credentials; the log is printed and uploaded as diagnostics).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        // The authority ends at the first '/', '"', whitespace or end of text.
        let end = tail
            .find(|c: char| c == '/' || c == '"' || c.is_whitespace())
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon]);
                out.push_str(":***");
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Prints a line to stderr and keeps it for diagnostics.
pub fn line(text: &str) {
    let line = format!("{} {}", timestamp(), redact(text));
    eprintln!("{line}");
    if let Ok(mut recent) = RECENT.lock() {
        if recent.len() >= RECENT_MAX {
            recent.remove(0);
        }
        recent.push(line);
    }
}

struct FrameLog {
    quiet: bool,
}

#[derive(Default)]
struct Fields {
    message: String,
    cp: String,
    direction: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "cp" => value.clone_into(&mut self.cp),
            "direction" => value.clone_into(&mut self.direction),
            "message" => value.clone_into(&mut self.message),
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "cp" => format!("{value:?}")
                .trim_matches('"')
                .clone_into(&mut self.cp),
            "direction" => format!("{value:?}")
                .trim_matches('"')
                .clone_into(&mut self.direction),
            name => {
                let _ = write!(self.rest, " {name}={value:?}");
            }
        }
    }
}

impl<S: Subscriber> Layer<S> for FrameLog {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let frame = meta.target() == ocpp_tungstenite::FRAME_LOG_TARGET;
        let level = *meta.level();
        if frame && self.quiet {
            return;
        }
        if !frame && level > Level::WARN {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let arrow = match fields.direction.as_str() {
            "in" | "<-" | "received" => "<-",
            "out" | "->" | "sent" => "->",
            other => other,
        };
        if frame {
            // The adapter logs frames with the AuthorizationKey's value hidden already; again
            // here, so that no frame reaches stderr or an uploaded diagnostics file with it.
            let message = ocpp_tungstenite::redact_frame(&fields.message);
            line(&format!("{} {arrow} {message}", fields.cp));
        } else {
            line(&format!("{level} {}{}", fields.message, fields.rest));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FrameLog, recent, redact};
    use tracing_subscriber::layer::SubscriberExt;

    /// Security whitepaper A01.FR.12: the AuthorizationKey a central system sets is not
    /// disclosed in logs (stderr, and the diagnostics file made from the recent lines).
    #[test]
    fn the_authorization_key_is_not_logged() {
        let key = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
        let subscriber = tracing_subscriber::registry().with(FrameLog { quiet: false });
        tracing::subscriber::with_default(subscriber, || {
            let frame = format!(
                r#"[2,"k-1","ChangeConfiguration",{{"key":"authorizationkey","value":"{key}"}}]"#
            );
            // As a frame event (the adapter's, were it not redacted there), and through the
            // adapter's own frame log.
            tracing::debug!(
                target: ocpp_tungstenite::FRAME_LOG_TARGET,
                cp = "CP-redact",
                direction = "recv",
                "{frame}"
            );
        });
        let log = recent();
        let line = log
            .lines()
            .find(|l| l.contains("CP-redact"))
            .unwrap_or_else(|| panic!("{log}"));
        assert!(
            line.contains(r#"{"key":"authorizationkey","value":"***"}"#),
            "{line}"
        );
        assert!(!log.contains(key), "{log}");
    }

    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(
            redact("ftp://user:s3cret@127.0.0.1:21/up/"),
            "ftp://user:***@127.0.0.1:21/up/"
        );
        assert_eq!(
            redact(r#"[2,"1","GetDiagnostics",{"location":"ftp://a:b@h/x"}] and ftp://c:d@e"#),
            r#"[2,"1","GetDiagnostics",{"location":"ftp://a:***@h/x"}] and ftp://c:***@e"#
        );
        assert_eq!(
            redact("ws://127.0.0.1:9000/ocpp"),
            "ws://127.0.0.1:9000/ocpp"
        );
        assert_eq!(redact("ftp://anonymous@h/"), "ftp://anonymous@h/");
        assert_eq!(redact("no url"), "no url");
    }
}
