//! Persistence of the writable keys across reboots, as a small text record.
//!
//! Format, version 1 (UTF-8, lines end with `\n`; a `\r` before it is tolerated):
//!
//! ```text
//! ocpp-config v1
//! HeartbeatInterval=300
//! MeterValuesSampledData=Energy.Active.Import.Register,Power.Active.Import
//! VendorKey=any text
//! ```
//!
//! The first line is [`HEADER`]. Every other line is `Key=Value`, split at the first `=`, with
//! the value exactly as GetConfiguration renders it. Only keys ChangeConfiguration can write are
//! stored: read-write and write-only ones (AuthorizationKey too: the charge point needs it after
//! a reboot, and A01.FR.10 lets it be stored in clear; protecting the storage is the
//! integrator's job). Keys and values never hold a line break: vendor keys, vendor values and
//! every standard value are validated for that, and [`Configuration::encode`] refuses a field
//! that was set directly with one.
//!
//! Why text: it is readable in a diagnostics dump, it needs no schema to skip what a reader does
//! not know, and the values are already text for GetConfiguration. Why tolerant on restore:
//! the record may come from an older or newer firmware, whose keys, ranges and supported
//! measurands differ; a line this firmware does not understand is skipped (the key keeps its
//! default) rather than making the charger unusable. Only a record that is not one at all (bad
//! header) or of an unknown format version is an error, and then nothing is changed.

use super::value::{self, MEASURAND_CSL_MAX_LEN};
use super::{
    Access, AuthorizationKey, CPO_NAME_MAX_LEN, ConfigError, Configuration, Key, MAX_VENDOR_KEYS,
    PhaseRotationCsl,
};
use crate::limits::VENDOR_KEY_BYTES;
use crate::types::{CiString50, CiString500, Slots};

/// The first line of a record: format name and version.
pub const HEADER: &str = "ocpp-config v1";

/// What precedes the version number in a header.
const HEADER_PREFIX: &str = "ocpp-config v";

/// The longest stored value of a writable standard key.
const fn stored_value_max_len(key: Key) -> usize {
    match key {
        Key::MeterValuesAlignedData
        | Key::MeterValuesSampledData
        | Key::StopTxnAlignedData
        | Key::StopTxnSampledData => MEASURAND_CSL_MAX_LEN,
        Key::ConnectorPhaseRotation => PhaseRotationCsl::MAX_LEN,
        Key::AuthorizationKey => AuthorizationKey::MAX_DIGITS,
        Key::CpoName => CPO_NAME_MAX_LEN,
        // Booleans ("false") and integers ("4294967295").
        _ => 10,
    }
}

/// The most bytes [`Configuration::encode`] writes: size the storage buffer with it.
pub const ENCODED_LEN_MAX: usize = {
    let mut len = HEADER.len() + 1;
    let mut rest = Key::ALL;
    while let [key, tail @ ..] = rest {
        if key.writable() {
            len += key.name().len() + 1 + stored_value_max_len(*key) + 1;
        }
        rest = tail;
    }
    // Vendor keys: their names and values share VENDOR_KEY_BYTES; `=` and a line break each.
    let slots = MAX_VENDOR_KEYS * (CiString50::MAX_LEN + 1 + CiString500::MAX_LEN + 1);
    let pooled = VENDOR_KEY_BYTES + MAX_VENDOR_KEYS * 2;
    len + if pooled < slots { pooled } else { slots }
};

/// Writes into a caller's buffer, refusing what does not fit.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl SliceWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), ConfigError> {
        let end = self
            .len
            .checked_add(bytes.len())
            .ok_or(ConfigError::BufferFull)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(ConfigError::BufferFull)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    fn entry(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let breaks = |s: &str| s.contains(['\n', '\r']);
        if breaks(key) || breaks(value) || key.contains('=') {
            return Err(ConfigError::InvalidValue);
        }
        self.write(key.as_bytes())?;
        self.write(b"=")?;
        self.write(value.as_bytes())?;
        self.write(b"\n")
    }
}

/// `line` without a trailing `\r`.
fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl<V: Slots<u8>> Configuration<V> {
    /// [`ENCODED_LEN_MAX`]: the most bytes [`Configuration::encode`] writes.
    pub const fn encoded_len_max() -> usize {
        ENCODED_LEN_MAX
    }

    /// Writes the writable keys (standard, then vendor) into `out` in the format described in
    /// the module documentation, and returns the number of bytes written. Fails with
    /// [`ConfigError::BufferFull`] when `out` is too small (a buffer of [`ENCODED_LEN_MAX`]
    /// bytes never is) and [`ConfigError::InvalidValue`] when a field set directly holds a line
    /// break; `out` then holds a partial record, not to be stored.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ConfigError> {
        let mut w = SliceWriter { buf: out, len: 0 };
        w.write(HEADER.as_bytes())?;
        w.write(b"\n")?;
        for &key in Key::ALL {
            if !self.is_stored(key) {
                continue;
            }
            if let Some(value) = self.render(key) {
                w.entry(key.name(), &value)?;
            }
        }
        for v in self.vendor_keys() {
            if v.access != Access::ReadOnly {
                w.entry(v.key, v.value)?;
            }
        }
        Ok(w.len)
    }

    /// Applies a record written by [`Configuration::encode`] (of this or another firmware
    /// version). Lines that are not `Key=Value` in UTF-8, unknown keys, keys that are read-only
    /// here, and values this firmware refuses are skipped: those keys keep their current value.
    /// SecurityProfile is never lowered by a restore (whitepaper §7.6). Fails, changing
    /// nothing, when the first line is not a header, or names another format version.
    pub fn restore(&mut self, data: &[u8]) -> Result<(), ConfigError> {
        let mut lines = data.split(|&b| b == b'\n');
        let header = strip_cr(lines.next().unwrap_or_default());
        if header != HEADER.as_bytes() {
            let version = header
                .strip_prefix(HEADER_PREFIX.as_bytes())
                .and_then(|v| core::str::from_utf8(v).ok())
                .and_then(|v| v.parse::<u32>().ok());
            return Err(match version {
                Some(v) if v != 1 => ConfigError::UnsupportedVersion(v),
                _ => ConfigError::BadHeader,
            });
        }
        for line in lines {
            let Ok(line) = core::str::from_utf8(strip_cr(line)) else {
                continue;
            };
            if let Some((key, value)) = line.split_once('=') {
                self.restore_entry(key, value);
            }
        }
        Ok(())
    }

    /// Whether a standard key belongs in storage: present and writable over OCPP.
    fn is_stored(&self, key: Key) -> bool {
        matches!(
            self.access(key),
            Some(Access::ReadWrite | Access::WriteOnly)
        )
    }

    fn restore_entry(&mut self, key: &str, value: &str) {
        let Some(k) = Key::parse(key) else {
            self.restore_vendor(key, value);
            return;
        };
        if !self.is_stored(k) {
            return;
        }
        if k == Key::SecurityProfile {
            if let Ok(stored) = value::parse_int(value, 0, 3) {
                self.security_profile = self.security_profile.max(stored as u8);
            }
        } else {
            // A value this firmware refuses leaves the key as it is.
            let _ = self.apply(k, value);
        }
    }
}
