//! Command-line arguments.

use std::path::PathBuf;

use clap::Parser;

/// The largest `--count`: memory and open files bound it further, checked at start.
pub const MAX_COUNT: u32 = 1_000_000;

/// An OCPP 1.6-J charge point simulator. Without --csms it starts a demo central system on
/// loopback and runs one charging session against it.
#[derive(Debug, Clone, Parser)]
#[command(name = "ocpp-cp", version, about)]
pub struct Cli {
    /// Base URL of the central system (ws:// or wss://); the charge point id is appended as the
    /// last path segment.
    #[arg(long)]
    pub csms: Option<String>,
    /// Charge point identity (with --count K: ID-1 .. ID-K).
    #[arg(long, default_value = "CP-1")]
    pub id: String,
    /// Number of connectors.
    #[arg(long, default_value_t = 1)]
    pub connectors: u32,
    /// Directory for configuration, queued transaction messages and the transaction journal;
    /// they survive kill -9. Without it, state is in memory.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// HTTP Basic authentication password (security profiles 1 and 2).
    #[arg(long)]
    pub password: Option<String>,
    /// PEM file of the CA certificates to trust for wss:// (default: the bundled web roots).
    /// With one charge point they are installed as CentralSystemRootCertificates when none is
    /// (kept under --state-dir): the central system then lists them with
    /// GetInstalledCertificateIds, may delete or add roots, and the installed ones are trusted.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// PEM client certificate (security profile 3); needs --client-key. A charge point
    /// certificate the central system installs (SignCertificate, CertificateSigned) replaces it
    /// from the next connection.
    #[arg(long, requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert.
    #[arg(long, requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Security profile 0-3 (OCPP 1.6 security whitepaper §2) to configure at the first start:
    /// the SecurityProfile configuration key, stored under --state-dir. A stored higher profile
    /// is kept (the profile only goes up). 1 and 2 need --password, 3 needs --client-cert and
    /// --client-key, 2 and 3 need a wss:// URL. From 1 on, security events are sent
    /// (SecurityEventNotification), a refused server certificate among them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=3))]
    pub security_profile: Option<u8>,
    /// PEM file of a ManufacturerRootCertificate (OCPP 1.6 security whitepaper) to install in
    /// the charge point's certificate store at the start (kept under --state-dir): signed
    /// firmware updates (SignedUpdateFirmware) must be signed with a certificate it issued,
    /// and plain UpdateFirmware is then refused (L01.FR.20). One charge point only (not with
    /// --count).
    #[arg(long, value_name = "PEM")]
    pub manufacturer_root: Option<PathBuf>,
    /// The CpoName configuration key (security whitepaper §7.5) when none is stored: the
    /// organization (O) of the certificate signing requests for the charge point certificate
    /// (A02.FR.13), which are refused while it is unset. The central system may change it.
    #[arg(long, value_name = "NAME")]
    pub cpo_name: Option<String>,
    /// chargePointVendor in BootNotification.
    #[arg(long, default_value = "ocpp-rs")]
    pub vendor: String,
    /// chargePointModel in BootNotification.
    #[arg(long, default_value = "ocpp-cp")]
    pub model: String,
    /// Simulate K charge points in one process (ids ID-1 .. ID-K) as tasks on the async driver;
    /// stdin commands go to all, or to one with `@ID` or `@N` before the command.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// A scenario file (TOML): each charge point's day of sessions and faults, drawn from a
    /// seeded generator (docs/simulator.md).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Charge points started per second (`N` or `N/s`), so that the central system is not hit
    /// by every connection at once.
    #[arg(long, default_value = "1000/s")]
    pub ramp: String,
    /// With --count or --scenario: write the fleet's summary as JSON to FILE every second.
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,
    /// With --count or --scenario: quit (orderly) after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// Spread the charge points over N consecutive ports from the --csms URL's (one port from
    /// one loopback address takes at most the ephemeral port range, about 28,000 connections).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub csms_ports: u16,
    /// With --count or --scenario: do not read commands from stdin (its end is then no quit;
    /// --duration or a signal ends the run).
    #[arg(long)]
    pub no_stdin: bool,
    /// Give up when the first connection fails this many times in a row (0: never).
    #[arg(long, default_value_t = 10)]
    pub connect_attempts: u32,
    /// Do not log frames (with --count, to keep the output readable).
    #[arg(long)]
    pub quiet: bool,
    /// Largest WebSocket message accepted from the central system, in bytes; a larger one closes
    /// the connection with code 1009 and the charge point reconnects.
    #[arg(long, default_value_t = 256 * 1024)]
    pub max_message_size: usize,
}

impl Cli {
    /// Checks what clap cannot.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=ocpp_core::limits::MAX_CONNECTORS as u32).contains(&self.connectors) {
            return Err(format!(
                "--connectors must be 1..={}",
                ocpp_core::limits::MAX_CONNECTORS
            ));
        }
        if let Some(url) = &self.csms {
            if !(url.starts_with("ws://") || url.starts_with("wss://")) {
                return Err(format!("--csms must be a ws:// or wss:// URL, not {url:?}"));
            }
        }
        if self.id.is_empty() || self.id.len() > 48 {
            return Err("--id must be 1 to 48 characters".into());
        }
        if self.manufacturer_root.is_some() && self.count > 1 {
            return Err("--manufacturer-root is for one charge point, not with --count".into());
        }
        for path in [
            &self.ca,
            &self.client_cert,
            &self.client_key,
            &self.manufacturer_root,
        ]
        .into_iter()
        .flatten()
        {
            if !path.is_file() {
                return Err(format!("{} is not a file", path.display()));
            }
        }
        if let Some(profile) = self.security_profile {
            self.check_security_profile(profile)?;
        }
        if let Some(name) = &self.cpo_name {
            let max = ocpp_core::charge_point::config::CPO_NAME_MAX_LEN;
            if name.is_empty() || name.len() > max || name.chars().any(char::is_control) {
                return Err(format!(
                    "--cpo-name must be 1 to {max} bytes without control characters"
                ));
            }
        }
        if self.max_message_size < 4096 {
            return Err("--max-message-size must be at least 4096 bytes".into());
        }
        if self.count == 0 || self.count > MAX_COUNT {
            return Err(format!("--count must be 1..={MAX_COUNT}"));
        }
        self.ramp_per_second()?;
        if self.csms_ports == 0 {
            return Err("--csms-ports must be at least 1".into());
        }
        if let Some(path) = &self.scenario {
            if !path.is_file() {
                return Err(format!("{} is not a file", path.display()));
            }
        }
        Ok(())
    }

    /// What `--security-profile N` needs (whitepaper §2.2-§2.4): Basic authentication for 1
    /// and 2, a client certificate for 3, TLS for 2 and 3.
    fn check_security_profile(&self, profile: u8) -> Result<(), String> {
        if matches!(profile, 1 | 2) && self.password.is_none() {
            return Err(format!(
                "--security-profile {profile} needs --password (HTTP Basic authentication)"
            ));
        }
        if profile == 3 && self.client_cert.is_none() {
            return Err("--security-profile 3 needs --client-cert and --client-key".into());
        }
        let tls = self
            .csms
            .as_deref()
            .is_some_and(|u| u.starts_with("wss://"));
        if profile >= 2 && !tls {
            return Err(format!(
                "--security-profile {profile} needs a wss:// URL in --csms"
            ));
        }
        Ok(())
    }

    /// A fleet (the async driver, the ramp, the summary): more than one charge point, or a
    /// scenario, against a central system (the demo runs its one session on a thread).
    pub fn fleet(&self) -> bool {
        self.csms.is_some() && (self.count > 1 || self.scenario.is_some())
    }

    /// `--ramp`: charge points per second.
    pub fn ramp_per_second(&self) -> Result<f64, String> {
        let text = self.ramp.trim();
        let number = text.strip_suffix("/s").unwrap_or(text).trim();
        match number.parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
            _ => Err(format!(
                "--ramp must be a rate above 0 such as 1000/s, not {text:?}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    fn check(args: &[&str]) -> Result<(), String> {
        let mut all = vec!["ocpp-cp"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all)
            .map_err(|e| e.to_string())?
            .validate()
    }

    #[test]
    fn security_profile_needs_its_credentials_and_transport() {
        let pw = ["--password", "0123456789abcdef0123456789abcdef"];
        let ws = ["--csms", "ws://127.0.0.1:9000/ocpp"];
        let wss = ["--csms", "wss://127.0.0.1:9000/ocpp"];
        assert!(check(&[&ws[..], &["--security-profile", "0"]].concat()).is_ok());
        assert!(check(&[&ws[..], &pw[..], &["--security-profile", "1"]].concat()).is_ok());
        assert!(check(&[&wss[..], &pw[..], &["--security-profile", "2"]].concat()).is_ok());
        let err = check(&[&ws[..], &["--security-profile", "1"]].concat()).unwrap_err();
        assert!(err.contains("--password"), "{err}");
        let err = check(&[&ws[..], &pw[..], &["--security-profile", "2"]].concat()).unwrap_err();
        assert!(err.contains("wss://"), "{err}");
        let err = check(&[&wss[..], &["--security-profile", "3"]].concat()).unwrap_err();
        assert!(err.contains("--client-cert"), "{err}");
        assert!(check(&[&wss[..], &["--security-profile", "4"]].concat()).is_err());
    }

    #[test]
    fn cpo_name_is_a_valid_configuration_value() {
        assert!(check(&["--cpo-name", "Example Charging B.V."]).is_ok());
        assert!(check(&["--cpo-name", ""]).is_err());
        assert!(check(&["--cpo-name", "line\nbreak"]).is_err());
        assert!(check(&["--cpo-name", &"x".repeat(1000)]).is_err());
    }
}
