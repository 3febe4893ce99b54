//! The test-only crash hook `OCPP_CP_CRASH_AFTER_WRITES` end to end: the demo (its own central
//! system on 127.0.0.1) with `--state-dir` aborts in the middle of the named write and leaves
//! what a power cut there would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run(dir: &std::path::Path, crash: &str) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocpp-cp"))
        .arg("--state-dir")
        .arg(dir)
        .env("OCPP_CP_CRASH_AFTER_WRITES", crash)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ocpp-cp did not exit within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn aborts_in_the_named_write_leaving_a_torn_temporary_file() {
    use std::os::unix::process::ExitStatusExt;

    let dir = tempfile::tempdir().unwrap();
    // The demo's third write is the authorization cache (after Authorize.conf); 5 bytes of it.
    let (status, stderr) = run(dir.path(), "3:5");
    assert_eq!(status.signal(), Some(6), "SIGABRT, like kill -9: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("aborting in write 3"))
        .unwrap_or_else(|| panic!("no abort line in:\n{stderr}"));
    assert!(line.contains("5 of"), "{line}");
    let torn: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert_eq!(torn.len(), 1, "one temporary file, not renamed");
    assert_eq!(torn[0].metadata().unwrap().len(), 5);
}

#[test]
fn a_bad_value_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let (status, stderr) = run(dir.path(), "0");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("OCPP_CP_CRASH_AFTER_WRITES=0: expected N[:BYTES]"),
        "{stderr}"
    );
}
