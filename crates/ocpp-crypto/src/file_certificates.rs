//! [`FileCertificateStore`]: installed certificates in a directory (feature `std`), for the
//! desktop charge point (the simulator's `--state-dir`).

use std::borrow::ToOwned;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::string::String;
use std::vec::Vec;

use crate::module::{CertificateKind, CertificateStore, FirmwareSignature, StoredCertificate};
use crate::{Error, KeyId};

const INDEX: &str = "certificates.idx";
const HEADER: &str = "ocpp-certificates 1";
const PREFIX: &str = "cert-";
const SUFFIX: &str = ".crt";
const TEMP_SUFFIX: &str = ".tmp";
/// The signed firmware update's signing certificate and signature.
const FIRMWARE: &str = "firmware.sig";
const FIRMWARE_HEADER: &str = "ocpp-firmware-signature 1";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: CertificateKind,
    /// The number in the file name `cert-<file>.crt`.
    file: u32,
    key: Option<KeyId>,
    certificate: Vec<u8>,
}

/// A [`CertificateStore`] in a directory: each certificate in a file `cert-<n>.crt` (its bytes
/// as installed: the PEM text OCPP carried, or DER), and a small text index,
/// `certificates.idx`, that says which files are installed, what each is for
/// ([`CertificateKind`]), the [`KeyId`] of a charge point certificate, and the key of the
/// pending certificate signing request. The signing certificate and the signature of the signed
/// firmware update in progress (security whitepaper L01, [`FirmwareSignature`]) are in a file of
/// their own, `firmware.sig`: a header line, `ocpp-firmware-signature 1`, a line with the two
/// lengths in bytes, `<certificate> <signature>`, then the two texts as received, back to back;
/// no file when there is none.
///
/// Every change is atomic and durable when the method returns: a file is written to a
/// temporary file, synced, renamed into place and the directory synced (as
/// [`FileKeyStore`](crate::rustcrypto::FileKeyStore) does); the index is rewritten the same
/// way and is the commit point: a certificate file is written before the index names it and
/// deleted after the index stops naming it, so a power loss leaves the old state or the new one
/// (files the index does not name, and temporary files, are deleted at the next
/// [`FileCertificateStore::open`]).
///
/// The certificates are also kept in memory (what [`CertificateStore::get`] returns), so the
/// files are read once, at `open`. The directory may be the one of a `FileKeyStore` (the file
/// names differ); a TLS stack on the same machine reads the roots and the charge point
/// certificate with [`FileCertificateStore::iter`] or from [`FileCertificateStore::path`].
#[derive(Debug, Clone)]
pub struct FileCertificateStore {
    dir: PathBuf,
    entries: Vec<Entry>,
    pending: Option<KeyId>,
    capacity: usize,
    /// The contents of `firmware.sig`: (signing certificate, signature).
    firmware: Option<(Vec<u8>, Vec<u8>)>,
}

impl FileCertificateStore {
    /// The capacity of [`FileCertificateStore::open`]: 16 certificates.
    pub const DEFAULT_CAPACITY: usize = 16;

    /// The store in `dir` (created if missing), for at most
    /// [`FileCertificateStore::DEFAULT_CAPACITY`] certificates.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        Self::with_capacity(dir, Self::DEFAULT_CAPACITY)
    }

    /// The store in `dir` (created if missing), for at most `capacity` certificates of every
    /// kind together (a store that already holds more keeps them; inserts are refused until
    /// removals bring it below). An index or a `firmware.sig` that does not parse is an
    /// [`io::ErrorKind::InvalidData`] error; an index entry whose file is missing is dropped.
    pub fn with_capacity(dir: impl Into<PathBuf>, capacity: usize) -> io::Result<Self> {
        let dir = dir.into();
        fs::DirBuilder::new().recursive(true).create(&dir)?;
        let mut store = Self {
            dir,
            entries: Vec::new(),
            pending: None,
            capacity,
            firmware: None,
        };
        let text = match fs::read_to_string(store.dir.join(INDEX)) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Some(text) = text {
            let (pending, files) = parse_index(&text)?;
            store.pending = pending;
            let listed = files.len();
            for (file, kind, key) in files {
                match fs::read(store.file_path(file)) {
                    Ok(certificate) => store.entries.push(Entry {
                        kind,
                        file,
                        key,
                        certificate,
                    }),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
            if store.entries.len() != listed {
                store.write_index()?;
            }
        }
        store.firmware = match fs::read(store.dir.join(FIRMWARE)) {
            Ok(bytes) => Some(parse_firmware(&bytes)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        store.remove_strays()?;
        Ok(store)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the certificate at `index`, for a TLS stack on the same machine.
    pub fn path(&self, index: usize) -> Option<PathBuf> {
        self.entries.get(index).map(|e| self.file_path(e.file))
    }

    /// Every certificate, in index order.
    pub fn iter(&self) -> impl Iterator<Item = StoredCertificate<'_>> + '_ {
        self.entries.iter().map(Entry::as_stored)
    }

    /// How many certificates it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn file_path(&self, file: u32) -> PathBuf {
        self.dir.join(std::format!("{PREFIX}{file}{SUFFIX}"))
    }

    /// Deletes certificate files the index does not name, and temporary files.
    fn remove_strays(&self) -> io::Result<()> {
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let stray = if let Some(tmp) = name.strip_suffix(TEMP_SUFFIX) {
                tmp == INDEX || tmp == FIRMWARE || file_number(tmp).is_some()
            } else {
                file_number(name).is_some_and(|n| self.entries.iter().all(|e| e.file != n))
            };
            if stray {
                let _ = fs::remove_file(self.dir.join(name));
            }
        }
        Ok(())
    }

    fn write_index(&self) -> io::Result<()> {
        use core::fmt::Write as _;
        let key = |k: Option<KeyId>| k.map_or_else(|| "-".to_owned(), |k| std::format!("{}", k.0));
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{HEADER}");
        let _ = writeln!(text, "pending {}", key(self.pending));
        for e in &self.entries {
            let _ = writeln!(text, "cert {} {} {}", e.file, kind_name(e.kind), key(e.key));
        }
        self.write_atomic(&self.dir.join(INDEX), text.as_bytes())
    }

    /// Writes `bytes` to `path` through a synced temporary file and a rename, then syncs the
    /// directory.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(TEMP_SUFFIX);
        let tmp = PathBuf::from(tmp);
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename durable too.
        self.sync_dir();
        Ok(())
    }

    fn sync_dir(&self) {
        if let Ok(dir) = fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
    }
}

/// The contents of `firmware.sig` (see [`FileCertificateStore`]).
fn firmware_file(signature: &FirmwareSignature<'_>) -> Vec<u8> {
    let mut bytes = std::format!(
        "{FIRMWARE_HEADER}\n{} {}\n",
        signature.signing_certificate.len(),
        signature.signature.len()
    )
    .into_bytes();
    bytes.extend_from_slice(signature.signing_certificate);
    bytes.extend_from_slice(signature.signature);
    bytes
}

fn parse_firmware(bytes: &[u8]) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "firmware.sig does not parse");
    let mut parts = bytes.splitn(3, |b| *b == b'\n');
    if parts.next() != Some(FIRMWARE_HEADER.as_bytes()) {
        return Err(bad());
    }
    let lengths = core::str::from_utf8(parts.next().ok_or_else(bad)?).map_err(|_| bad())?;
    let (certificate, signature) = lengths.split_once(' ').ok_or_else(bad)?;
    let certificate: usize = certificate.parse().map_err(|_| bad())?;
    let signature: usize = signature.parse().map_err(|_| bad())?;
    let body = parts.next().ok_or_else(bad)?;
    if certificate.checked_add(signature) != Some(body.len()) {
        return Err(bad());
    }
    let (certificate, signature) = body.split_at(certificate);
    Ok((certificate.to_vec(), signature.to_vec()))
}

impl Entry {
    fn as_stored(&self) -> StoredCertificate<'_> {
        StoredCertificate {
            kind: self.kind,
            certificate: &self.certificate,
            key: self.key,
        }
    }
}

fn file_number(name: &str) -> Option<u32> {
    name.strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

fn kind_name(kind: CertificateKind) -> &'static str {
    match kind {
        CertificateKind::CentralSystemRoot => "CentralSystemRoot",
        CertificateKind::ManufacturerRoot => "ManufacturerRoot",
        CertificateKind::CentralSystemRootFallback => "CentralSystemRootFallback",
        CertificateKind::ChargePoint => "ChargePoint",
    }
}

fn kind_of(name: &str) -> Option<CertificateKind> {
    [
        CertificateKind::CentralSystemRoot,
        CertificateKind::ManufacturerRoot,
        CertificateKind::CentralSystemRootFallback,
        CertificateKind::ChargePoint,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == name)
}

/// A key field: `-` (none) or the id.
fn parse_key(text: &str) -> Result<Option<KeyId>, core::num::ParseIntError> {
    if text == "-" {
        Ok(None)
    } else {
        text.parse().map(|n| Some(KeyId(n)))
    }
}

type IndexEntry = (u32, CertificateKind, Option<KeyId>);

fn parse_index(text: &str) -> io::Result<(Option<KeyId>, Vec<IndexEntry>)> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "certificates.idx does not parse",
        )
    };
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(bad());
    }
    let mut pending = None;
    let mut files = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["pending", key] => pending = parse_key(key).map_err(|_| bad())?,
            ["cert", file, kind, key] => files.push((
                file.parse().map_err(|_| bad())?,
                kind_of(kind).ok_or_else(bad)?,
                parse_key(key).map_err(|_| bad())?,
            )),
            _ => return Err(bad()),
        }
    }
    Ok((pending, files))
}

impl CertificateStore for FileCertificateStore {
    fn get(&self, index: usize) -> Option<StoredCertificate<'_>> {
        self.entries.get(index).map(Entry::as_stored)
    }

    fn insert(
        &mut self,
        kind: CertificateKind,
        certificate: &[u8],
        key: Option<KeyId>,
    ) -> Result<(), Error> {
        if self.entries.len() >= self.capacity {
            return Err(Error::StoreFull);
        }
        let file = match self.entries.iter().map(|e| e.file).max() {
            Some(n) => n.checked_add(1).ok_or(Error::Storage)?,
            None => 0,
        };
        let path = self.file_path(file);
        self.write_atomic(&path, certificate)
            .map_err(|_| Error::Storage)?;
        self.entries.push(Entry {
            kind,
            file,
            key,
            certificate: certificate.to_vec(),
        });
        if self.write_index().is_err() {
            self.entries.pop();
            let _ = fs::remove_file(&path);
            return Err(Error::Storage);
        }
        Ok(())
    }

    fn remove(&mut self, index: usize) -> Result<(), Error> {
        if index >= self.entries.len() {
            return Err(Error::NotFound);
        }
        let entry = self.entries.remove(index);
        if self.write_index().is_err() {
            self.entries.insert(index, entry);
            return Err(Error::Storage);
        }
        let _ = fs::remove_file(self.file_path(entry.file));
        Ok(())
    }

    fn set_kind(&mut self, index: usize, kind: CertificateKind) -> Result<(), Error> {
        let entry = self.entries.get_mut(index).ok_or(Error::NotFound)?;
        let before = core::mem::replace(&mut entry.kind, kind);
        if self.write_index().is_err() {
            if let Some(entry) = self.entries.get_mut(index) {
                entry.kind = before;
            }
            return Err(Error::Storage);
        }
        Ok(())
    }

    fn pending_key(&self) -> Option<KeyId> {
        self.pending
    }

    fn set_pending_key(&mut self, key: Option<KeyId>) -> Result<(), Error> {
        let before = core::mem::replace(&mut self.pending, key);
        if self.write_index().is_err() {
            self.pending = before;
            return Err(Error::Storage);
        }
        Ok(())
    }

    fn capacity(&self) -> usize {
        self.capacity
    }

    fn firmware_signature(&self) -> Option<FirmwareSignature<'_>> {
        self.firmware
            .as_ref()
            .map(|(signing_certificate, signature)| FirmwareSignature {
                signing_certificate,
                signature,
            })
    }

    /// Replaces `firmware.sig` atomically (temporary file, sync, rename, directory sync), or
    /// deletes it (and syncs the directory) for `None`.
    fn set_firmware_signature(
        &mut self,
        signature: Option<FirmwareSignature<'_>>,
    ) -> Result<(), Error> {
        let path = self.dir.join(FIRMWARE);
        if let Some(signature) = signature {
            self.write_atomic(&path, &firmware_file(&signature))
                .map_err(|_| Error::Storage)?;
            self.firmware = Some((
                signature.signing_certificate.to_vec(),
                signature.signature.to_vec(),
            ));
            return Ok(());
        }
        match fs::remove_file(&path) {
            Ok(()) => self.sync_dir(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(_) => return Err(Error::Storage),
        }
        self.firmware = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(std::format!(
            "ocpp-crypto-certs-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn persists_certificates_kinds_keys_and_the_pending_key() {
        let dir = temp_dir("persist");
        {
            let mut store = FileCertificateStore::open(&dir).unwrap();
            assert!(store.is_empty());
            store
                .insert(CertificateKind::CentralSystemRoot, b"-----root-----", None)
                .unwrap();
            store
                .insert(CertificateKind::ChargePoint, b"leaf", Some(KeyId(4)))
                .unwrap();
            store
                .insert(CertificateKind::ManufacturerRoot, b"maker", None)
                .unwrap();
            store
                .set_kind(0, CertificateKind::CentralSystemRootFallback)
                .unwrap();
            store.set_pending_key(Some(KeyId(9))).unwrap();
            store.remove(2).unwrap();
            assert_eq!(fs::read(store.path(1).unwrap()).unwrap(), b"leaf".to_vec());
        }
        // A restart: the same directory.
        let store = FileCertificateStore::open(&dir).unwrap();
        assert_eq!(store.len(), 2);
        let root = store.get(0).unwrap();
        assert_eq!(root.kind, CertificateKind::CentralSystemRootFallback);
        assert_eq!(root.certificate, b"-----root-----");
        assert_eq!(root.key, None);
        let leaf = store.get(1).unwrap();
        assert_eq!(leaf.kind, CertificateKind::ChargePoint);
        assert_eq!(leaf.key, Some(KeyId(4)));
        assert_eq!(store.pending_key(), Some(KeyId(9)));
        // The removed certificate's file is gone.
        let files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        assert_eq!(files.len(), 2, "{files:?}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn firmware_signature_survives_a_reopen_and_is_cleared() {
        let dir = temp_dir("firmware");
        let certificate = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        {
            let mut store = FileCertificateStore::with_capacity(&dir, 1).unwrap();
            assert_eq!(store.firmware_signature(), None);
            // Clearing what is not there is fine.
            store.set_firmware_signature(None).unwrap();
            store
                .set_firmware_signature(Some(FirmwareSignature {
                    signing_certificate: b"old",
                    signature: b"b2xk",
                }))
                .unwrap();
            store
                .set_firmware_signature(Some(FirmwareSignature {
                    signing_certificate: certificate,
                    signature: b"c2ln\nYXR1cmU=",
                }))
                .unwrap();
            store.set_pending_key(Some(KeyId(2))).unwrap();
            // It does not take a certificate's room.
            store
                .insert(CertificateKind::ManufacturerRoot, b"maker", None)
                .unwrap();
        }
        let mut store = FileCertificateStore::open(&dir).unwrap();
        let kept = store.firmware_signature().unwrap();
        assert_eq!(kept.signing_certificate, certificate);
        assert_eq!(kept.signature, b"c2ln\nYXR1cmU=");
        assert_eq!(store.pending_key(), Some(KeyId(2)));
        assert_eq!(store.len(), 1);
        // An empty signature ("missing entirely", L01.FR.03) is kept as such.
        store
            .set_firmware_signature(Some(FirmwareSignature {
                signing_certificate: b"c",
                signature: b"",
            }))
            .unwrap();
        let store = FileCertificateStore::open(&dir).unwrap();
        let kept = store.firmware_signature().unwrap();
        assert_eq!(
            (kept.signing_certificate, kept.signature),
            (&b"c"[..], &b""[..])
        );
        let mut store = store;
        store.set_firmware_signature(None).unwrap();
        assert_eq!(store.firmware_signature(), None);
        assert!(!dir.join(FIRMWARE).exists());
        let store = FileCertificateStore::open(&dir).unwrap();
        assert_eq!(store.firmware_signature(), None);
        assert_eq!(store.len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_or_damaged_firmware_signature() {
        let dir = temp_dir("firmware-torn");
        {
            let mut store = FileCertificateStore::open(&dir).unwrap();
            store
                .set_firmware_signature(Some(FirmwareSignature {
                    signing_certificate: b"cert",
                    signature: b"sig",
                }))
                .unwrap();
        }
        // A power cut while the next one was written: the old one stays, the temporary file
        // goes.
        fs::write(
            dir.join("firmware.sig.tmp"),
            b"ocpp-firmware-signature 1\n9 9\nhalf",
        )
        .unwrap();
        let store = FileCertificateStore::open(&dir).unwrap();
        let kept = store.firmware_signature().unwrap();
        assert_eq!(
            (kept.signing_certificate, kept.signature),
            (&b"cert"[..], &b"sig"[..])
        );
        assert!(!dir.join("firmware.sig.tmp").exists());
        // A file whose lengths do not add up, or without the header, is an error.
        for damaged in [
            &b"ocpp-firmware-signature 1\n4 4\ncertsig"[..],
            b"ocpp-firmware-signature 1\n4\ncertsig",
            b"something else\n4 3\ncertsig",
            b"",
        ] {
            fs::write(dir.join(FIRMWARE), damaged).unwrap();
            assert_eq!(
                FileCertificateStore::open(&dir).unwrap_err().kind(),
                io::ErrorKind::InvalidData
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn capacity_and_errors() {
        let dir = temp_dir("capacity");
        let mut store = FileCertificateStore::with_capacity(&dir, 1).unwrap();
        assert_eq!(CertificateStore::capacity(&store), 1);
        store
            .insert(CertificateKind::ManufacturerRoot, b"a", None)
            .unwrap();
        assert_eq!(
            store.insert(CertificateKind::ManufacturerRoot, b"b", None),
            Err(Error::StoreFull)
        );
        assert_eq!(store.remove(1), Err(Error::NotFound));
        assert_eq!(
            store.set_kind(3, CertificateKind::ChargePoint),
            Err(Error::NotFound)
        );
        store.set_pending_key(None).unwrap();
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_update_leaves_the_old_state_and_strays_are_removed() {
        let dir = temp_dir("torn");
        {
            let mut store = FileCertificateStore::open(&dir).unwrap();
            store
                .insert(CertificateKind::CentralSystemRoot, b"one", None)
                .unwrap();
        }
        // A power cut after a certificate file was written but before the index named it, and
        // one in the middle of writing the index.
        fs::write(dir.join("cert-5.crt"), b"orphan").unwrap();
        fs::write(dir.join("certificates.idx.tmp"), b"garbage").unwrap();
        let store = FileCertificateStore::open(&dir).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.get(0).unwrap().certificate, b"one");
        assert!(!dir.join("cert-5.crt").exists());
        assert!(!dir.join("certificates.idx.tmp").exists());
        // A file the index names but that is missing is dropped from the index.
        fs::remove_file(store.path(0).unwrap()).unwrap();
        let store = FileCertificateStore::open(&dir).unwrap();
        assert!(store.is_empty());
        let store = FileCertificateStore::open(&dir).unwrap();
        assert!(store.is_empty());
        // An index that does not parse is an error, not an empty store.
        fs::write(dir.join(INDEX), b"something else\n").unwrap();
        assert_eq!(
            FileCertificateStore::open(&dir).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
