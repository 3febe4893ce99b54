//! # file-storage: a `Storage` on files, and a transaction that survives a power cut
//!
//! [`FileStorage`] keeps each record in its own file and replaces it atomically: write a
//! temporary file, flush it to the disk, rename it over the old one, flush the directory. After a
//! crash at any instant the record is the old one or the new one, never a mix: the one promise
//! the charge point needs from a storage (docs/integration.md, "Storage").
//!
//! The program starts a transaction, "cuts the power" (drops the charge point without any
//! goodbye), builds a new charge point from the same directory and shows the StopTransaction
//! with reason `PowerLoss` it sends after booting. Run it with `cargo run -p file-storage`.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::PathBuf;

use ocpp_core::charge_point::io::{Input, Output};
use ocpp_core::charge_point::{ChargePoint, Event, Instant, Setup};
use ocpp_core::rpc::Frame;
use ocpp_hal::{RecordKey, Storage};

/// One file per record, `<dir>/<record name>` (`journal`, `configuration`, ...).
struct FileStorage {
    dir: PathBuf,
}

impl Storage for FileStorage {
    type Error = io::Error;

    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> io::Result<Option<&'b [u8]>> {
        let data = match fs::read(self.dir.join(key.name())) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let dst = buf
            .get_mut(..data.len())
            .ok_or_else(|| io::Error::other("record larger than the buffer"))?;
        dst.copy_from_slice(&data);
        Ok(Some(dst))
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> io::Result<()> {
        let path = self.dir.join(key.name());
        let tmp = path.with_extension("tmp");
        let mut file = File::create(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?; // the bytes are on the disk before the name points at them
        fs::rename(&tmp, &path)?; // atomic on POSIX file systems
        File::open(&self.dir)?.sync_all() // and the rename itself is durable
    }
}

fn main() -> io::Result<()> {
    let dir = std::env::temp_dir().join(format!("ocpp-file-storage-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    let setup = || Setup::new("ExampleVendor", "FileStorage", 1);

    // Power on, boot, start a transaction (the card is accepted by the central system).
    let mut now = Instant(0);
    // The transmit buffer; records are read into it while restoring, and encoded into it when
    // stored (during the drain).
    let mut buf = [0u8; 16 * 1024];
    let mut cp = ChargePoint::new(setup(), FileStorage { dir: dir.clone() }, now, &mut buf);
    // After any input, drain the outputs until Timeout (`exchange`).
    let _ = cp.handle_input(Input::Connected, now);
    exchange(&mut cp, now, &mut buf);
    let _ = cp.handle_input(Input::Event(Event::Plugged { connector: 1 }), now);
    exchange(&mut cp, now, &mut buf);
    let id_tag = "CARD-1".try_into().map_err(io::Error::other)?;
    let event = Event::IdTag {
        connector: Some(1),
        id_tag,
    };
    let _ = cp.handle_input(Input::Event(event), now);
    exchange(&mut cp, now, &mut buf);
    println!(
        "-- transaction running: {:?}",
        cp.transaction(1).and_then(|t| t.transaction_id)
    );
    for entry in fs::read_dir(&dir)? {
        let entry = entry?;
        println!(
            "   {:?}: {} bytes",
            entry.file_name(),
            entry.metadata()?.len()
        );
    }

    // Power cut: the charge point vanishes; only the files remain.
    drop(cp);
    println!("-- power cut; restart from {}", dir.display());

    now = Instant(0); // a new boot, a new monotonic clock
    let mut cp = ChargePoint::new(setup(), FileStorage { dir: dir.clone() }, now, &mut buf);
    println!(
        "-- queued after restart: {}",
        cp.queued_transaction_messages()
    );
    let _ = cp.handle_input(Input::Connected, now);
    exchange(&mut cp, now, &mut buf);
    fs::remove_dir_all(&dir)
}

/// Drains the charge point's outputs until `Output::Timeout`, sending its frames to a central
/// system that accepts everything, and feeds the answers back one input at a time (each followed
/// by the drain), until the charge point is quiet.
fn exchange(cp: &mut ChargePoint<FileStorage>, now: Instant, buf: &mut [u8]) {
    let mut answers = VecDeque::new();
    loop {
        loop {
            let frame = match cp.poll_output(now, buf) {
                Output::Transmit(frame) => frame,
                Output::Action(_) => continue, // no hardware here
                Output::Timeout(_) => break,
            };
            println!("CP -> {frame}");
            if let Ok(Frame::Call(call)) = Frame::parse(frame) {
                let payload = match call.action {
                    "BootNotification" => {
                        r#"{"status":"Accepted","currentTime":"2025-03-01T09:00:00Z","interval":300}"#
                    }
                    "Authorize" | "StopTransaction" => r#"{"idTagInfo":{"status":"Accepted"}}"#,
                    "StartTransaction" => {
                        r#"{"idTagInfo":{"status":"Accepted"},"transactionId":7}"#
                    }
                    _ => "{}",
                };
                answers.push_back(format!(r#"[3,"{}",{payload}]"#, call.id));
            }
        }
        let Some(answer) = answers.pop_front() else {
            return;
        };
        let _ = cp.handle_input(Input::Frame(&answer), now);
    }
}
