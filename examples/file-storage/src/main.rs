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

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::PathBuf;

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
    let mut cp = ChargePoint::new(setup(), FileStorage { dir: dir.clone() }, now);
    cp.handle_connected(now);
    exchange(&mut cp, now);
    cp.handle_event(Event::Plugged { connector: 1 }, now);
    let id_tag = "CARD-1".try_into().map_err(io::Error::other)?;
    let event = Event::IdTag {
        connector: Some(1),
        id_tag,
    };
    cp.handle_event(event, now);
    exchange(&mut cp, now);
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
    let mut cp = ChargePoint::new(setup(), FileStorage { dir: dir.clone() }, now);
    println!(
        "-- queued after restart: {}",
        cp.queued_transaction_messages()
    );
    cp.handle_connected(now);
    exchange(&mut cp, now);
    fs::remove_dir_all(&dir)
}

/// Sends what the charge point has to say to a central system that accepts everything, and hands
/// its answers back, until the charge point is quiet.
fn exchange(cp: &mut ChargePoint<FileStorage>, now: Instant) {
    let mut buf = [0u8; 8 * 1024];
    let mut answers = Vec::new();
    loop {
        while cp.poll_action().is_some() {} // no hardware here
        while let Some(frame) = cp.poll_transmit(now, &mut buf) {
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
                answers.push(format!(r#"[3,"{}",{payload}]"#, call.id));
            }
        }
        if answers.is_empty() {
            return;
        }
        for answer in answers.drain(..) {
            cp.handle_frame(&answer, now);
        }
    }
}
