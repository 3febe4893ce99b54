//! [`FileStorage`]: the charge point's records as files, replaced atomically (the journal also
//! appended to).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use ocpp_core::charge_point::{RecordKey, Storage};

/// A [`FileStorage`] operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileStorageError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The record is larger than the buffer `load` was given.
    #[error("record {key} is larger than the {capacity}-byte buffer")]
    TooLarge {
        /// The record.
        key: RecordKey,
        /// The buffer's size.
        capacity: usize,
    },
}

/// The charge point's records in a directory, one file per record (named after
/// [`RecordKey::name`]: `configuration`, `journal`, `authorization-cache`, `local-auth-list`).
///
/// `store` writes `<name>.tmp`, flushes it to the disk (`fsync`), renames it over `<name>` and
/// flushes the directory, so after a crash or power loss at any instant `<name>` holds either
/// the old or the new record, whole: the atomic replace the
/// [`Storage`](ocpp_core::charge_point::Storage) contract asks for. A `.tmp` file left by a crash
/// is never read, and is removed by [`FileStorage::open`].
///
/// One `FileStorage` per directory: two processes writing the same directory are not supported.
#[derive(Debug, Clone)]
pub struct FileStorage {
    dir: PathBuf,
}

impl FileStorage {
    /// Opens (creating it if needed) the directory `dir`, and removes the temporary files a crash
    /// may have left.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStorage, FileStorageError> {
        let dir = dir.as_ref().to_owned();
        fs::create_dir_all(&dir).map_err(|source| FileStorageError::Io {
            path: dir.clone(),
            source,
        })?;
        let storage = FileStorage { dir };
        for key in RecordKey::ALL {
            let tmp = storage.tmp_path(key);
            match fs::remove_file(&tmp) {
                Ok(()) => tracing::info!("removed {} left by an interrupted write", tmp.display()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(FileStorageError::Io { path: tmp, source }),
            }
        }
        Ok(storage)
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of record `key`.
    pub fn path(&self, key: RecordKey) -> PathBuf {
        self.dir.join(key.name())
    }

    fn tmp_path(&self, key: RecordKey) -> PathBuf {
        self.dir.join(format!("{}.tmp", key.name()))
    }

    /// Removes every record (a factory reset).
    pub fn clear(&mut self) -> Result<(), FileStorageError> {
        for key in RecordKey::ALL {
            let path = self.path(key);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(source) => return Err(FileStorageError::Io { path, source }),
            }
        }
        sync_dir(&self.dir)
    }
}

impl Storage for FileStorage {
    type Error = FileStorageError;

    fn load<'b>(
        &mut self,
        key: RecordKey,
        buf: &'b mut [u8],
    ) -> Result<Option<&'b [u8]>, FileStorageError> {
        let path = self.path(key);
        let io = |source| FileStorageError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let mut len = 0;
        while let Some(rest) = buf.get_mut(len..) {
            if rest.is_empty() {
                // Full: the record fits only if the file ends here.
                let mut probe = [0u8; 1];
                if file.read(&mut probe).map_err(io)? != 0 {
                    return Err(FileStorageError::TooLarge {
                        key,
                        capacity: buf.len(),
                    });
                }
                break;
            }
            match file.read(rest) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(buf.get(..len))
    }

    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), FileStorageError> {
        let tmp = self.tmp_path(key);
        let path = self.path(key);
        let write = || -> io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            file.write_all(data)?;
            file.sync_all()
        };
        write().map_err(|source| FileStorageError::Io {
            path: tmp.clone(),
            source,
        })?;
        fs::rename(&tmp, &path).map_err(|source| FileStorageError::Io { path, source })?;
        sync_dir(&self.dir)
    }

    /// Opens `<name>` for appending, writes `data` and flushes it to the disk (`fdatasync`).
    /// After a crash the file holds the old record plus a prefix of `data` (the charge point's
    /// CRC recognises a torn tail). A record never stored is an error (the charge point stores
    /// it first).
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, FileStorageError> {
        let path = self.path(key);
        let write = || -> io::Result<()> {
            let mut file = OpenOptions::new().append(true).open(&path)?;
            file.write_all(data)?;
            file.sync_data()
        };
        write().map_err(|source| FileStorageError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(true)
    }
}

/// Makes a rename in `dir` durable (POSIX: fsync the directory). Elsewhere a no-op.
fn sync_dir(dir: &Path) -> Result<(), FileStorageError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| FileStorageError::Io {
                path: dir.to_owned(),
                source,
            })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn append_extends_the_record_and_needs_it_stored_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = FileStorage::open(dir.path()).unwrap();
        assert!(s.append(RecordKey::Journal, b"x").is_err());
        s.store(RecordKey::Journal, b"snap").unwrap();
        assert!(s.append(RecordKey::Journal, b"-one").unwrap());
        assert!(s.append(RecordKey::Journal, b"-two").unwrap());
        let mut buf = [0u8; 64];
        assert_eq!(
            s.load(RecordKey::Journal, &mut buf).unwrap(),
            Some(&b"snap-one-two"[..])
        );
        s.store(RecordKey::Journal, b"new").unwrap();
        assert_eq!(
            s.load(RecordKey::Journal, &mut buf).unwrap(),
            Some(&b"new"[..])
        );
    }
}
