//! Firmware downloads and diagnostics uploads over HTTP(S) and FTP, in background threads,
//! with bounded timeouts: an unreachable location gives the failure status, never a hang.

use std::io::Read;
use std::time::Duration;

use ocpp_core::v16::UploadLogStatus;
use ocpp_crypto::rustcrypto::Sha2Hasher;
use ocpp_crypto::{Digest, HashAlgorithm, Hasher};

const TIMEOUT: Duration = Duration::from_secs(20);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(true)
        .build()
        .into()
}

fn is_ftp(url: &str) -> bool {
    url.get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("ftp://"))
}

/// A downloaded file: its size, and its SHA-256 digest, computed as it streamed by (what a
/// signed firmware update's signature is verified over, security whitepaper L01.FR.04).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    pub size: u64,
    pub sha256: Digest,
}

/// Reads `from` to its end, counting and hashing (the file is not kept: the simulator installs
/// nothing).
fn consume(mut from: impl Read, what: &str) -> Result<Downloaded, String> {
    let mut hasher = Sha2Hasher::new(HashAlgorithm::Sha256);
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or_default();
                hasher.update(chunk);
                size += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("reading {what}: {e}")),
        }
    }
    Ok(Downloaded {
        size,
        sha256: hasher.finalize(),
    })
}

/// Downloads `url`: its size in bytes and its SHA-256 digest. http://, https:// and ftp:// are
/// supported; other schemes are reported as failures.
pub fn download(url: &str) -> Result<Downloaded, String> {
    if is_ftp(url) {
        return ftp::download(url);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("unsupported download scheme in {url}"));
    }
    let mut response = agent().get(url).call().map_err(|e| e.to_string())?;
    consume(response.body_mut().as_reader(), url)
}

/// Uploads `content` as `file_name` to `location`. HTTP(S): PUT to `location/file_name` (or to
/// `location` itself when it does not end with `/`), falling back to POST when the server
/// refuses PUT (405). FTP: `STOR` into the directory `location` when it ends with `/`, else to
/// the path of `location` itself.
pub fn upload(location: &str, file_name: &str, content: &[u8]) -> Result<(), String> {
    if is_ftp(location) {
        return ftp::upload(location, file_name, content);
    }
    if !(location.starts_with("http://") || location.starts_with("https://")) {
        return Err(format!("unsupported upload scheme in {location}"));
    }
    let url = if location.ends_with('/') {
        format!("{location}{file_name}")
    } else {
        location.to_owned()
    };
    let agent = agent();
    match agent.put(&url).content_type("text/plain").send(content) {
        Ok(_) => Ok(()),
        Err(ureq::Error::StatusCode(405)) => agent
            .post(&url)
            .content_type("text/plain")
            .send(content)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The LogStatusNotification status of an upload's outcome (security whitepaper N01.FR.10: "a
/// status that describes the reason of failure as precise as possible"): `Uploaded`;
/// `NotSupportedOperation` for a scheme this simulator cannot upload to; `PermissionDenied`
/// when the server refused the credentials or the file (FTP 530 or 550, HTTP 401 or 403);
/// `BadMessage` for an FTP reply it cannot read; `UploadFailure` otherwise (unreachable, timed
/// out, any other refusal).
pub fn log_upload_status(result: &Result<(), String>) -> UploadLogStatus {
    let Err(e) = result else {
        return UploadLogStatus::Uploaded;
    };
    let denied = ["login refused", "refused: 530", "refused: 550"]
        .iter()
        .any(|m| e.contains(m))
        || ["http status: 401", "http status: 403"]
            .iter()
            .any(|m| e.contains(m));
    if e.starts_with("unsupported upload scheme") {
        UploadLogStatus::NotSupportedOperation
    } else if denied {
        UploadLogStatus::PermissionDenied
    } else if e.starts_with("FTP: bad ") {
        UploadLogStatus::BadMessage
    } else {
        UploadLogStatus::UploadFailure
    }
}

/// A small blocking FTP client (RFC 959): login, `TYPE I`, passive mode, one `STOR` or `RETR`.
///
/// URLs follow RFC 1738: `ftp://[user[:password]@]host[:port]/path`, user and password
/// percent-decoded, anonymous login (`anonymous` / `anonymous@`) without a user, port 21 by
/// default. The path is relative to the login directory, like curl's (`ftp://host//abs` or
/// `%2F` for an absolute one). The whole transfer has one deadline of [`TIMEOUT`], enforced on
/// every connect, read and write.
///
/// Passive mode: the data connection goes to the port from the `227` reply but always to the
/// control connection's peer address, never to the address in the reply, because servers
/// behind NAT often announce their private address (curl's `--ftp-skip-pasv-ip`, on by
/// default since 7.74). This also keeps a hostile server from pointing us at a third host.
mod ftp {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
    use std::time::Instant;

    use super::TIMEOUT;

    /// Longest reply line accepted, so a broken server cannot make us buffer without end.
    const MAX_LINE: u64 = 8192;

    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct FtpUrl {
        pub user: String,
        pub password: String,
        pub host: String,
        pub port: u16,
        /// Percent-decoded path after the host's `/`, relative to the login directory.
        pub path: String,
    }

    fn percent_decode(s: &str) -> Result<String, String> {
        let mut out = Vec::with_capacity(s.len());
        let mut bytes = s.bytes();
        while let Some(b) = bytes.next() {
            if b == b'%' {
                let hex = |b: Option<u8>| b.and_then(|b| char::from(b).to_digit(16));
                match (hex(bytes.next()), hex(bytes.next())) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => return Err(format!("bad percent-encoding in {s:?}")),
                }
            } else {
                out.push(b);
            }
        }
        String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
    }

    pub(super) fn parse(url: &str) -> Result<FtpUrl, String> {
        let rest = url.get(6..).filter(|_| super::is_ftp(url));
        let rest = rest.ok_or_else(|| "not an ftp:// URL".to_owned())?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => ("anonymous".to_owned(), "anonymous@".to_owned()),
            Some(info) => {
                let (user, password) = info.split_once(':').unwrap_or((info, ""));
                (percent_decode(user)?, percent_decode(password)?)
            }
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("unclosed '[' in the host")?;
            (host, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err("no host in the URL".to_owned());
        }
        let port = match port.filter(|p| !p.is_empty()) {
            None => 21,
            Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
        };
        let url = FtpUrl {
            user,
            password,
            host: host.to_owned(),
            port,
            path: percent_decode(path)?,
        };
        if [&url.user, &url.password, &url.path]
            .iter()
            .any(|s| s.contains(['\r', '\n']))
        {
            return Err("CR or LF in the URL".to_owned());
        }
        Ok(url)
    }

    /// The control connection, with the deadline of the whole transfer.
    struct Session {
        control: BufReader<TcpStream>,
        peer: SocketAddr,
        deadline: Instant,
    }

    fn connect(addr: SocketAddr, deadline: Instant) -> Result<TcpStream, String> {
        let left = left(deadline)?;
        let stream = TcpStream::connect_timeout(&addr, left)
            .map_err(|e| format!("FTP: cannot connect to {addr}: {e}"))?;
        stream.set_nodelay(true).ok();
        Ok(stream)
    }

    /// Time left before the deadline, never zero (a zero timeout is refused by std).
    fn left(deadline: Instant) -> Result<std::time::Duration, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(format!("FTP: timed out after {} s", TIMEOUT.as_secs()))
        } else {
            Ok(left)
        }
    }

    fn arm(stream: &TcpStream, deadline: Instant) -> Result<(), String> {
        let left = left(deadline)?;
        stream
            .set_read_timeout(Some(left))
            .and_then(|()| stream.set_write_timeout(Some(left)))
            .map_err(|e| format!("FTP: {e}"))
    }

    /// The data connection, its timeouts armed with what is left of the deadline before each
    /// read.
    struct Armed<'a> {
        stream: &'a mut TcpStream,
        deadline: Instant,
    }

    impl Read for Armed<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            arm(self.stream, self.deadline).map_err(std::io::Error::other)?;
            self.stream.read(buf)
        }
    }

    impl Session {
        fn open(url: &FtpUrl) -> Result<Self, String> {
            let deadline = Instant::now() + TIMEOUT;
            let addrs = (url.host.as_str(), url.port)
                .to_socket_addrs()
                .map_err(|e| format!("FTP: cannot resolve {}: {e}", url.host))?;
            let mut last = format!("FTP: no address for {}", url.host);
            for addr in addrs {
                match connect(addr, deadline) {
                    Ok(stream) => {
                        let mut session = Session {
                            control: BufReader::new(stream),
                            peer: addr,
                            deadline,
                        };
                        session.expect("greeting", 2)?;
                        return Ok(session);
                    }
                    Err(e) => last = e,
                }
            }
            Err(last)
        }

        /// One reply (RFC 959 §4.2): `123 text`, or `123-text` ... up to a line `123 text`.
        fn reply(&mut self) -> Result<(u16, String), String> {
            arm(self.control.get_ref(), self.deadline)?;
            let first = self.line()?;
            let code = first
                .get(..3)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| format!("FTP: bad reply {first:?}"))?;
            if first.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, first.get(4..).unwrap_or_default().to_owned()));
            }
            // Multi-line: the text of the last line is kept (lines are trimmed, so a last line
            // of just "123" is possible too).
            let end = format!("{code} ");
            loop {
                let line = self.line()?;
                if line.starts_with(&end) || line == end.trim_end() {
                    return Ok((code, line.get(4..).unwrap_or_default().to_owned()));
                }
            }
        }

        fn line(&mut self) -> Result<String, String> {
            let mut buf = Vec::new();
            let n = (&mut self.control)
                .take(MAX_LINE)
                .read_until(b'\n', &mut buf)
                .map_err(|e| format!("FTP: reading a reply: {e}"))?;
            if n == 0 {
                return Err("FTP: the server closed the connection".to_owned());
            }
            Ok(String::from_utf8_lossy(&buf).trim_end().to_owned())
        }

        /// Reads a reply and fails unless its first digit is `class`.
        fn expect(&mut self, what: &str, class: u16) -> Result<(u16, String), String> {
            let (code, text) = self.reply()?;
            if code / 100 == class {
                Ok((code, text))
            } else {
                Err(format!("FTP: {what} refused: {code} {text}"))
            }
        }

        fn send(&mut self, command: &str) -> Result<(), String> {
            arm(self.control.get_ref(), self.deadline)?;
            let verb = command.split(' ').next().unwrap_or_default();
            self.control
                .get_mut()
                .write_all(format!("{command}\r\n").as_bytes())
                .map_err(|e| format!("FTP: sending {verb}: {e}"))
        }

        /// Sends `command` and expects a reply of `class` (2 = done, 3 = more needed).
        fn command(&mut self, command: &str, class: u16) -> Result<(u16, String), String> {
            self.send(command)?;
            let what = if command.starts_with("PASS ") {
                "PASS"
            } else {
                command
            };
            self.expect(what, class)
        }

        fn login(&mut self, url: &FtpUrl) -> Result<(), String> {
            self.send(&format!("USER {}", url.user))?;
            match self.reply()? {
                (230, _) => {}
                (331, _) => {
                    self.command(&format!("PASS {}", url.password), 2)?;
                }
                (code, text) => return Err(format!("FTP: login refused: {code} {text}")),
            }
            self.command("TYPE I", 2).map(|_| ())
        }

        /// `PASV` and the data connection, to the control connection's peer address.
        fn passive(&mut self) -> Result<TcpStream, String> {
            let (code, text) = self.command("PASV", 2)?;
            let numbers: Vec<u16> = text
                .find(|c: char| c.is_ascii_digit())
                .and_then(|start| text.get(start..))
                .unwrap_or_default()
                .split(',')
                .map_while(|n| {
                    let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
                .collect();
            let (Some(p1), Some(p2), 6) = (numbers.get(4), numbers.get(5), numbers.len()) else {
                return Err(format!("FTP: bad PASV reply {code} {text}"));
            };
            let data = connect(
                SocketAddr::new(self.peer.ip(), p1 * 256 + p2),
                self.deadline,
            )?;
            arm(&data, self.deadline)?;
            Ok(data)
        }

        /// After the data connection is closed: `226`, then a polite `QUIT`.
        fn finish(mut self, what: &str) -> Result<(), String> {
            self.expect(what, 2)?;
            self.send("QUIT").ok();
            self.reply().ok();
            Ok(())
        }
    }

    pub(super) fn download(url: &str) -> Result<super::Downloaded, String> {
        let url = parse(url)?;
        if url.path.is_empty() || url.path.ends_with('/') {
            return Err("FTP: no file name in the URL".to_owned());
        }
        let mut session = Session::open(&url)?;
        session.login(&url)?;
        let mut data = session.passive()?;
        session.command(&format!("RETR {}", url.path), 1)?;
        let deadline = session.deadline;
        let armed = Armed {
            stream: &mut data,
            deadline,
        };
        let downloaded = super::consume(armed, &format!("FTP {}", url.path))?;
        drop(data);
        session.finish("RETR")?;
        Ok(downloaded)
    }

    pub(super) fn upload(location: &str, file_name: &str, content: &[u8]) -> Result<(), String> {
        let url = parse(location)?;
        if file_name.contains(['\r', '\n', '/']) {
            return Err(format!("FTP: bad file name {file_name:?}"));
        }
        let mut session = Session::open(&url)?;
        session.login(&url)?;
        // A location ending in `/` (or with no path) is a directory: CWD there, STOR the name.
        let dir = match url.path.as_str() {
            "" => None,
            "/" => Some("/"),
            path => path.strip_suffix('/'),
        };
        let target = match dir {
            None if !url.path.is_empty() => url.path.as_str(),
            None => file_name,
            Some(dir) => {
                session.command(&format!("CWD {dir}"), 2)?;
                file_name
            }
        };
        let mut data = session.passive()?;
        session.command(&format!("STOR {target}"), 1)?;
        data.write_all(content)
            .and_then(|()| data.flush())
            .map_err(|e| format!("FTP: writing {target}: {e}"))?;
        // Closing the data connection marks the end of the file.
        data.shutdown(std::net::Shutdown::Write).ok();
        drop(data);
        session.finish("STOR")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::thread::{self, JoinHandle};
    use std::time::Instant;

    /// What the test server saw: every command line and every file stored (path, bytes).
    #[derive(Debug, Default)]
    struct Seen {
        commands: Vec<String>,
        stored: Vec<(String, Vec<u8>)>,
    }

    /// A tiny FTP server for one control connection on 127.0.0.1: just enough RFC 959. Its PASV
    /// replies announce 192.0.2.1 (TEST-NET) so the client must use the peer address instead.
    fn ftp_server(
        user: &'static str,
        password: &'static str,
        files: HashMap<&'static str, Vec<u8>>,
    ) -> (u16, JoinHandle<Seen>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let mut seen = Seen::default();
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            let mut out = stream.try_clone().unwrap();
            let mut input = BufReader::new(stream);
            out.write_all(b"220-Welcome\r\n220-to the test server\r\n220 ready\r\n")
                .unwrap();
            let (mut cwd, mut given_user) = (String::new(), String::new());
            let mut data: Option<TcpListener> = None;
            loop {
                let mut line = String::new();
                if input.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let line = line.trim_end().to_owned();
                seen.commands.push(line.clone());
                let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
                let reply: &[u8] = match verb {
                    "USER" => {
                        given_user = arg.to_owned();
                        b"331 password please\r\n"
                    }
                    "PASS" if given_user == user && arg == password => {
                        // A multi-line reply with a continuation line that starts with digits.
                        b"230-Hello\r\nsecond line\r\n 230 not the end yet\r\n230 logged in\r\n"
                    }
                    "PASS" => b"530 Login incorrect\r\n",
                    "TYPE" => b"200 binary\r\n",
                    "CWD" => {
                        cwd = arg.to_owned();
                        b"250 ok\r\n"
                    }
                    "PASV" => {
                        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                        let p = listener.local_addr().unwrap().port();
                        data = Some(listener);
                        let reply = format!(
                            "227 Entering Passive Mode (192,0,2,1,{},{}).\r\n",
                            p / 256,
                            p % 256
                        );
                        out.write_all(reply.as_bytes()).unwrap();
                        continue;
                    }
                    "STOR" => {
                        out.write_all(b"150 go ahead\r\n").unwrap();
                        let (mut conn, _) = data.take().unwrap().accept().unwrap();
                        let mut bytes = Vec::new();
                        conn.read_to_end(&mut bytes).unwrap();
                        seen.stored.push((format!("{cwd}|{arg}"), bytes));
                        b"226 stored\r\n"
                    }
                    "RETR" => match files.get(arg) {
                        Some(bytes) => {
                            out.write_all(b"150 sending\r\n").unwrap();
                            let (mut conn, _) = data.take().unwrap().accept().unwrap();
                            conn.write_all(bytes).unwrap();
                            drop(conn);
                            b"226 sent\r\n"
                        }
                        None => b"550 no such file\r\n",
                    },
                    "QUIT" => {
                        out.write_all(b"221 bye\r\n").unwrap();
                        break;
                    }
                    _ => b"502 not implemented\r\n",
                };
                out.write_all(reply).unwrap();
            }
            seen
        });
        (port, handle)
    }

    #[test]
    fn parses_ftp_urls() {
        let url = ftp::parse("ftp://diag%20user:p%40ss%3Aw%2Frd@example.com:2121/a%20b/").unwrap();
        assert_eq!(
            (url.user.as_str(), url.password.as_str()),
            ("diag user", "p@ss:w/rd")
        );
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("example.com", 2121, "a b/")
        );
        let url = ftp::parse("FTP://host").unwrap();
        assert_eq!(
            (
                url.user.as_str(),
                url.password.as_str(),
                url.port,
                url.path.as_str()
            ),
            ("anonymous", "anonymous@", 21, "")
        );
        let url = ftp::parse("ftp://u@[::1]:99/fw.bin").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.password.as_str()),
            ("::1", 99, "")
        );
        for bad in [
            "ftp://",
            "ftp://h:99999/",
            "ftp://h/%zz",
            "ftp://h/a%0d%0aDELE%20x",
            "http://h/",
        ] {
            assert!(ftp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uploads_into_a_directory() {
        let (port, server) = ftp_server("diag user", "p@ss", HashMap::new());
        let location = format!("ftp://diag%20user:p%40ss@127.0.0.1:{port}/logs/");
        upload(&location, "diagnostics.log", b"frame log\n").unwrap();
        let seen = server.join().unwrap();
        assert_eq!(
            seen.stored,
            [("logs|diagnostics.log".to_owned(), b"frame log\n".to_vec())]
        );
        assert!(
            seen.commands.contains(&"TYPE I".to_owned()),
            "{:?}",
            seen.commands
        );
        assert_eq!(seen.commands.last().map(String::as_str), Some("QUIT"));
    }

    #[test]
    fn uploads_to_a_file_path() {
        let (port, server) = ftp_server("anonymous", "anonymous@", HashMap::new());
        upload(
            &format!("ftp://127.0.0.1:{port}/in/x.log"),
            "ignored.log",
            b"abc",
        )
        .unwrap();
        let seen = server.join().unwrap();
        assert_eq!(seen.stored, [("|in/x.log".to_owned(), b"abc".to_vec())]);
        assert!(!seen.commands.iter().any(|c| c.starts_with("CWD")));
    }

    #[test]
    fn downloads_and_counts_bytes() {
        let firmware = vec![7u8; 200_000];
        let files = HashMap::from([("fw/firmware.bin", firmware)]);
        let (port, server) = ftp_server("u", "pw", files);
        let downloaded = download(&format!("ftp://u:pw@127.0.0.1:{port}/fw/firmware.bin")).unwrap();
        assert_eq!(downloaded.size, 200_000);
        // SHA-256 of 200,000 bytes of 7, by Python's hashlib.
        assert_eq!(
            downloaded.sha256.to_hex().as_str(),
            "8cfcba83dcfc81a193bb4e52fd3161efb513906f52cbbe2328fac5f1a79c2b6e"
        );
        assert!(
            server
                .join()
                .unwrap()
                .commands
                .contains(&"RETR fw/firmware.bin".to_owned())
        );
    }

    #[test]
    fn missing_file_is_an_error() {
        let (port, server) = ftp_server("u", "pw", HashMap::new());
        let error = download(&format!("ftp://u:pw@127.0.0.1:{port}/nope.bin")).unwrap_err();
        assert!(error.contains("550"), "{error}");
        server.join().unwrap();
    }

    #[test]
    fn bad_login_is_an_error() {
        let (port, server) = ftp_server("u", "right", HashMap::new());
        let error = upload(&format!("ftp://u:wrong@127.0.0.1:{port}/"), "d.log", b"x").unwrap_err();
        assert!(error.contains("530"), "{error}");
        assert!(!error.contains("wrong"), "the password leaked: {error}");
        server.join().unwrap();
    }

    /// Security whitepaper N01.FR.10: the failure status "as precise as possible".
    #[test]
    fn log_upload_statuses_say_why() {
        assert_eq!(log_upload_status(&Ok(())), UploadLogStatus::Uploaded);
        let (port, server) = ftp_server("u", "right", HashMap::new());
        let refused = upload(&format!("ftp://u:wrong@127.0.0.1:{port}/"), "s.log", b"x");
        server.join().unwrap();
        assert_eq!(
            log_upload_status(&refused),
            UploadLogStatus::PermissionDenied
        );
        let gopher = upload("gopher://127.0.0.1/", "s.log", b"x");
        assert_eq!(
            log_upload_status(&gopher),
            UploadLogStatus::NotSupportedOperation
        );
        for (error, status) in [
            ("http status: 403", UploadLogStatus::PermissionDenied),
            (
                "FTP: bad PASV reply 227 nonsense",
                UploadLogStatus::BadMessage,
            ),
            (
                "FTP: cannot connect to 127.0.0.1:1: refused",
                UploadLogStatus::UploadFailure,
            ),
            ("http status: 500", UploadLogStatus::UploadFailure),
        ] {
            assert_eq!(log_upload_status(&Err(error.to_owned())), status, "{error}");
        }
    }

    #[test]
    fn unreachable_host_fails_quickly() {
        // A loopback port that was just free: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let start = Instant::now();
        let error = download(&format!("ftp://127.0.0.1:{port}/fw.bin")).unwrap_err();
        assert!(error.contains("cannot connect"), "{error}");
        let error = upload(&format!("ftp://127.0.0.1:{port}/"), "d.log", b"x").unwrap_err();
        assert!(error.contains("cannot connect"), "{error}");
        assert!(start.elapsed() < TIMEOUT, "{:?}", start.elapsed());
    }

    #[test]
    fn server_closing_without_greeting_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            thread::sleep(Duration::from_millis(200));
            drop(stream);
        });
        let error = download(&format!("ftp://127.0.0.1:{port}/fw.bin")).unwrap_err();
        assert!(error.contains("closed"), "{error}");
        server.join().unwrap();
    }
}
