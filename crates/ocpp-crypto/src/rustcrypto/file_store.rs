//! A [`KeyStore`] in a directory, for the desktop charge point (the simulator's `--state-dir`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::vec::Vec;

use zeroize::Zeroizing;

use super::KeyStore;
use crate::{Error, KeyId};

const PREFIX: &str = "key-";
const SUFFIX: &str = ".p8.der";

/// Private keys as files `key-<id>.p8.der` (PKCS#8 DER) in one directory.
///
/// On unix the directory is created 0700 and every key file 0600, owner only. A key is written
/// to a temporary file, synced, then renamed into place, so a power loss leaves the old state
/// or the new one. Ids are one more than the largest present.
#[derive(Debug, Clone)]
pub struct FileKeyStore {
    dir: PathBuf,
}

impl FileKeyStore {
    /// The store in `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&dir)?;
        Ok(Self { dir })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of a key, for a TLS stack on the same device that loads the key itself (for
    /// example the charge point certificate's key for security profile 3).
    pub fn path(&self, key: KeyId) -> PathBuf {
        self.dir.join(std::format!("{PREFIX}{}{SUFFIX}", key.0))
    }

    /// The ids present, ascending.
    pub fn ids(&self) -> std::io::Result<Vec<KeyId>> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name();
            let id = name
                .to_str()
                .and_then(|n| n.strip_prefix(PREFIX))
                .and_then(|n| n.strip_suffix(SUFFIX))
                .and_then(|n| n.parse::<u32>().ok());
            if let Some(id) = id {
                ids.push(KeyId(id));
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    fn write_new(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename durable too.
        if let Ok(dir) = fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl KeyStore for FileKeyStore {
    fn insert(&mut self, pkcs8_der: &[u8]) -> Result<KeyId, Error> {
        let ids = self.ids().map_err(|_| Error::KeyStore)?;
        let next = match ids.last() {
            Some(last) => last.0.checked_add(1).ok_or(Error::KeyStore)?,
            None => 0,
        };
        let id = KeyId(next);
        self.write_new(&self.path(id), pkcs8_der)
            .map_err(|_| Error::KeyStore)?;
        Ok(id)
    }

    fn load(&self, key: KeyId) -> Result<Zeroizing<Vec<u8>>, Error> {
        match fs::read(self.path(key)) {
            Ok(bytes) => Ok(Zeroizing::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::KeyNotFound),
            Err(_) => Err(Error::KeyStore),
        }
    }

    fn remove(&mut self, key: KeyId) -> Result<(), Error> {
        match fs::remove_file(self.path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::KeyNotFound),
            Err(_) => Err(Error::KeyStore),
        }
    }
}
