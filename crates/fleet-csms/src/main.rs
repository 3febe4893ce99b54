//! `fleet-csms`: a small, fast OCPP 1.6-J central system for load tests of `ocpp-cp --count K`
//! (scripts/fleet-bench, scripts/fleet-ci).
//!
//! ```text
//! fleet-csms --listen 127.0.0.1:9000 [--ports N] [--heartbeat 60] [--report FILE]
//! ```
//!
//! It serves `ws://<listen>/ocpp/<id>` on N consecutive ports (one port takes at most about
//! 28,000 connections from one loopback source address: the ephemeral port range), accepts every
//! charge point and every idTag, numbers transactions from 1, and answers BootNotification
//! (Accepted, with the heartbeat interval), Heartbeat, StatusNotification, Authorize,
//! Start/StopTransaction, MeterValues and DataTransfer; any other CALL gets `{}`.
//!
//! It counts what it is told so that a script can check the fleet: the charge points booted and
//! the ones heard from lately (alive), and per transaction its StartTransaction, its
//! StopTransaction and its MeterValues. A StartTransaction for a (charge point, connector,
//! timestamp) already seen is a duplicate (it gets the same transactionId again, as a central
//! system must answer a retried request); a second StopTransaction of a transaction, a
//! StopTransaction of a transaction never started, and a MeterValues sample (transaction,
//! timestamp) seen twice are counted too. Every second the counts go to `--report FILE` as JSON
//! (written to FILE.tmp and renamed, so that a reader never sees half a file).
//!
//! One thread (a current-thread tokio runtime): the benchmark runs on 2 cores shared with the
//! simulator, and one thread leaves the other core to it.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures_util::{SinkExt as _, StreamExt as _};
use ocpp_core::rpc::{self, ErrorCode, Frame};
use ocpp_core::types::DateTime;
use ocpp_core::v16::{self, Action, AuthorizationStatus, IdTagInfo, RegistrationStatus};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A small fast central system for load tests of ocpp-cp.
#[derive(Debug, Parser)]
#[command(name = "fleet-csms", version, about)]
struct Cli {
    /// Address and first port to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// Listen on this many consecutive ports from --listen's.
    #[arg(long, default_value_t = 1)]
    ports: u16,
    /// The heartbeat interval given in BootNotification.conf, in seconds.
    #[arg(long, default_value_t = 60)]
    heartbeat: i32,
    /// Write the counts as JSON to this file every second.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// What the central system knows of one charge point.
#[derive(Debug, Default)]
struct CpRecord {
    booted: bool,
    boots: u32,
    messages: u64,
    last_seen: Option<Instant>,
}

/// What it knows of one transaction.
#[derive(Debug, Default)]
struct TxRecord {
    stops: u32,
    meter_values: u32,
    /// Timestamps of its MeterValues samples, to see one twice.
    samples: HashSet<String>,
}

/// Everything counted, shared by the connections of the one thread.
#[derive(Debug, Default)]
struct State {
    cps: HashMap<String, CpRecord>,
    txs: HashMap<i32, TxRecord>,
    /// (charge point, connector, timestamp) of every StartTransaction: its transactionId.
    starts: HashMap<(String, i64, String), i32>,
    next_tx: i32,
    connections_open: u64,
    connections_total: u64,
    messages: u64,
    by_action: HashMap<String, u64>,
    duplicate_starts: u64,
    duplicate_stops: u64,
    stops_without_start: u64,
    duplicate_meter_values: u64,
    meter_values_outside_tx: u64,
    /// The first anomalies, for the report.
    anomalies: Vec<String>,
}

impl State {
    fn anomaly(&mut self, text: String) {
        if self.anomalies.len() < 50 {
            self.anomalies.push(text);
        }
    }

    fn report(&self, started: Instant, heartbeat: i32) -> Value {
        let now = Instant::now();
        // Heard from within 1.5 heartbeat intervals and 10 s: its timers and its link work.
        let window = Duration::from_secs(u64::try_from(heartbeat).unwrap_or(60))
            .mul_f64(1.5)
            .saturating_add(Duration::from_secs(10));
        let alive = self
            .cps
            .values()
            .filter(|c| c.last_seen.is_some_and(|t| now.duration_since(t) <= window))
            .count();
        let stopped = self.txs.values().filter(|t| t.stops > 0).count();
        let meter_values: u64 = self.txs.values().map(|t| u64::from(t.meter_values)).sum();
        json!({
            "uptime_s": started.elapsed().as_secs_f64(),
            "connections_open": self.connections_open,
            "connections_total": self.connections_total,
            "charge_points": self.cps.len(),
            "booted": self.cps.values().filter(|c| c.booted).count(),
            "boots": self.cps.values().map(|c| u64::from(c.boots)).sum::<u64>(),
            "alive": alive,
            "messages": self.messages,
            "by_action": self.by_action,
            "transactions": {
                "started": self.txs.len(),
                "stopped": stopped,
                "open": self.txs.len() - stopped,
                "meter_values": meter_values,
                "duplicate_starts": self.duplicate_starts,
                "duplicate_stops": self.duplicate_stops,
                "stops_without_start": self.stops_without_start,
                "duplicate_meter_values": self.duplicate_meter_values,
                "meter_values_outside_transaction": self.meter_values_outside_tx,
            },
            "anomalies": self.anomalies,
        })
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    raise_file_limit();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fleet-csms: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let local = tokio::task::LocalSet::new();
    match local.block_on(&runtime, serve(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet-csms: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One descriptor per connection: the soft limit up to the hard one.
fn raise_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            eprintln!("fleet-csms: cannot raise the open files limit: {e}");
        }
    }
}

async fn serve(cli: Cli) -> Result<(), String> {
    let state = Rc::new(RefCell::new(State {
        next_tx: 1,
        ..State::default()
    }));
    let started = Instant::now();
    for n in 0..cli.ports.max(1) {
        let mut addr = cli.listen;
        addr.set_port(cli.listen.port().saturating_add(n));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let state = Rc::clone(&state);
        let heartbeat = cli.heartbeat;
        tokio::task::spawn_local(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let state = Rc::clone(&state);
                        tokio::task::spawn_local(connection(stream, state, heartbeat));
                    }
                    Err(e) => {
                        // EMFILE and the like: wait a little rather than spin.
                        eprintln!("fleet-csms: accept on {addr}: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
    println!(
        "fleet-csms: listening on ws://{}/ocpp ({} port(s) from {})",
        cli.listen,
        cli.ports.max(1),
        cli.listen.port()
    );
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if let Some(path) = &cli.report {
            let report = state.borrow().report(started, cli.heartbeat);
            let tmp = path.with_extension("tmp");
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            if std::fs::write(&tmp, text).is_ok() {
                let _ = std::fs::rename(&tmp, path);
            }
        }
    }
}

/// The last path segment of the request: the charge point id.
fn charge_point_id(req: &Request) -> String {
    req.uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

async fn connection(stream: TcpStream, state: Rc<RefCell<State>>, heartbeat: i32) {
    let _ = stream.set_nodelay(true);
    let mut id = String::new();
    let callback = |req: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        id = charge_point_id(req);
        let offered = req
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if offered.split(',').any(|p| p.trim() == "ocpp1.6") {
            response.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                HeaderValue::from_static("ocpp1.6"),
            );
        }
        Ok(response)
    };
    // Small buffers: tens of thousands of connections in one process.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    {
        let mut s = state.borrow_mut();
        s.connections_open += 1;
        s.connections_total += 1;
    }
    let mut buf = vec![0u8; 4096];
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let Ok(Frame::Call(call)) = Frame::parse(text.as_str()) else {
            continue;
        };
        let answer = {
            let mut s = state.borrow_mut();
            answer(&mut s, &id, call, heartbeat, &mut buf)
        };
        if let Some(answer) = answer {
            if ws.send(Message::text(answer)).await.is_err() {
                break;
            }
        }
    }
    state.borrow_mut().connections_open -= 1;
}

fn now() -> DateTime {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    DateTime::from_unix_millis(i64::try_from(ms).unwrap_or(0)).unwrap_or_default()
}

/// A member of a JSON object (null when absent).
fn field<'v>(value: &'v Value, key: &str) -> &'v Value {
    value.get(key).unwrap_or(&Value::Null)
}

/// Counts one CALL and answers it.
fn answer(
    s: &mut State,
    cp: &str,
    call: rpc::Call<'_>,
    heartbeat: i32,
    buf: &mut [u8],
) -> Option<String> {
    s.messages += 1;
    *s.by_action.entry(call.action.to_owned()).or_default() += 1;
    let record = s.cps.entry(cp.to_owned()).or_default();
    record.messages += 1;
    record.last_seen = Some(Instant::now());
    let payload: Value = serde_json::from_str(call.payload).unwrap_or(Value::Null);
    let accepted = IdTagInfo::with_status(AuthorizationStatus::Accepted);
    let id = call.id;
    let frame = match Action::parse(call.action) {
        Some(Action::BootNotification) => {
            record.booted = true;
            record.boots += 1;
            rpc::encode_call_result(
                buf,
                id,
                &v16::BootNotificationResponse {
                    current_time: now(),
                    interval: heartbeat,
                    status: RegistrationStatus::Accepted,
                },
            )
        }
        Some(Action::Heartbeat) => rpc::encode_call_result(
            buf,
            id,
            &v16::HeartbeatResponse {
                current_time: now(),
            },
        ),
        Some(Action::Authorize) => rpc::encode_call_result(
            buf,
            id,
            &v16::AuthorizeResponse {
                id_tag_info: accepted,
            },
        ),
        Some(Action::StartTransaction) => {
            let key = (
                cp.to_owned(),
                field(&payload, "connectorId").as_i64().unwrap_or(-1),
                field(&payload, "timestamp")
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
            let transaction_id = if let Some(&tx) = s.starts.get(&key) {
                s.duplicate_starts += 1;
                s.anomaly(format!(
                    "{cp}: StartTransaction {key:?} twice (transaction {tx})"
                ));
                tx
            } else {
                let tx = s.next_tx;
                s.next_tx += 1;
                s.starts.insert(key, tx);
                s.txs.insert(tx, TxRecord::default());
                tx
            };
            rpc::encode_call_result(
                buf,
                id,
                &v16::StartTransactionResponse {
                    id_tag_info: accepted,
                    transaction_id,
                },
            )
        }
        Some(Action::StopTransaction) => {
            let tx = field(&payload, "transactionId")
                .as_i64()
                .and_then(|t| i32::try_from(t).ok());
            if let Some(record) = tx.and_then(|t| s.txs.get_mut(&t)) {
                record.stops += 1;
                if record.stops > 1 {
                    s.duplicate_stops += 1;
                    s.anomaly(format!("{cp}: StopTransaction of {tx:?} twice"));
                }
            } else {
                s.stops_without_start += 1;
                s.anomaly(format!(
                    "{cp}: StopTransaction of unknown transaction {tx:?}"
                ));
            }
            rpc::encode_call_result(buf, id, &v16::StopTransactionResponse::default())
        }
        Some(Action::MeterValues) => {
            let tx = field(&payload, "transactionId")
                .as_i64()
                .and_then(|t| i32::try_from(t).ok());
            match tx.and_then(|t| s.txs.get_mut(&t)) {
                Some(record) => {
                    record.meter_values += 1;
                    let mut dup = false;
                    for mv in field(&payload, "meterValue")
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        let stamp = field(mv, "timestamp")
                            .as_str()
                            .unwrap_or_default()
                            .to_owned();
                        dup |= !record.samples.insert(stamp);
                    }
                    if dup {
                        s.duplicate_meter_values += 1;
                        s.anomaly(format!("{cp}: MeterValues of {tx:?} twice"));
                    }
                }
                None => s.meter_values_outside_tx += 1,
            }
            rpc::encode_call_result(buf, id, &json!({}))
        }
        Some(Action::DataTransfer) => rpc::encode_call_result(
            buf,
            id,
            &v16::DataTransferResponse {
                status: v16::DataTransferStatus::UnknownVendorId,
                data: None,
            },
        ),
        Some(_) => rpc::encode_call_result(buf, id, &json!({})),
        None => rpc::encode_call_error(buf, id, ErrorCode::NotImplemented, "unknown action"),
    };
    frame.ok().map(str::to_owned)
}
