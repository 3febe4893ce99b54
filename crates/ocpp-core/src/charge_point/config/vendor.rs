//! Vendor keys: configuration the integrator defines, stored as text.
//!
//! The configuration does not interpret them: any text of at most 500 bytes without control
//! characters is accepted, as long as the names and values of every vendor key fit
//! [`VENDOR_KEY_BYTES`] together (a line break would not survive storage, and a CiString500 is what
//! GetConfiguration can report). The integrator reads them with
//! [`Configuration::vendor_value`] and learns of changes from [`ChangeOutcome::changed`].
//!
//! [`ChangeOutcome::changed`]: super::ChangeOutcome::changed

use core::fmt;

use super::value::Invalid;
use super::{Access, ConfigError, Configuration, Key, KeyValue, MAX_VENDOR_KEYS};
use crate::limits::VENDOR_KEY_BYTES;
use crate::types::Slots;
use crate::types::{CiString50, CiString500};
use crate::v16::ConfigurationStatus;

/// A vendor key, by registration order. Vendor keys are never removed, so an id stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VendorId(u8);

impl VendorId {
    pub(crate) const fn new(index: usize) -> VendorId {
        VendorId(index as u8)
    }

    /// The position in registration order, from 0.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

// `VendorId` holds an index in a `u8`.
const _: () = assert!(super::MAX_VENDOR_KEYS <= 256);

/// One vendor key, as the pool holds it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct VendorKey<'a> {
    pub(super) key: &'a str,
    pub(super) value: &'a str,
    pub(super) access: Access,
    pub(super) reboot_required: bool,
}

/// Bytes an entry of the pool adds to its name and value: name length (1), value length (2),
/// flags (1).
const ENTRY_HEADER: usize = 4;

/// The vendor keys, names and values packed in [`VENDOR_KEY_BYTES`] bytes, in registration
/// order: entries `[name_len: u8][value_len: u16][flags: u8][name][value]`.
///
/// Why a pool: a key's name may have 50 bytes and its value 500 (what GetConfiguration can
/// report, §9), but most vendor keys are a short name and a short value. Slots of the largest
/// size cost 560 bytes each (6.7 KB for [`MAX_VENDOR_KEYS`]), which nobody uses; the pool holds
/// what the keys actually hold, so a few keys with long values or many with short ones fit the
/// same RAM. What does not fit is refused with the spec's answer: `add_vendor_key` fails with
/// [`ConfigError::VendorKeysFull`](super::ConfigError::VendorKeysFull), a ChangeConfiguration
/// that would outgrow the pool is Rejected (§5.3: "the key is supported but the value could not
/// be set"). All zero bytes when empty.
#[derive(Clone)]
pub(super) struct VendorPool<B: Slots<u8> = [u8; VENDOR_KEY_BYTES]> {
    buf: B,
    used: u16,
    count: u8,
}

// `used` is a `u16`, `count` a `u8`.
const _: () = assert!(VENDOR_KEY_BYTES <= u16::MAX as usize && MAX_VENDOR_KEYS <= 255);

/// The pool has no room for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PoolFull;

impl<B: Slots<u8>> VendorPool<B> {
    /// Empty.
    pub(super) const fn new() -> Self {
        const { assert!(B::LEN <= u16::MAX as usize) };
        VendorPool {
            buf: B::EMPTY,
            used: 0,
            count: 0,
        }
    }

    /// Keys registered.
    pub(super) const fn len(&self) -> usize {
        self.count as usize
    }

    /// Where entry `index` starts, its name and value lengths.
    fn locate(&self, index: usize) -> Option<(usize, usize, usize)> {
        let mut at = 0;
        for i in 0..self.len() {
            let h = self.buf.as_ref().get(at..at + ENTRY_HEADER)?;
            let (name, value) = match *h {
                [n, v0, v1, _] => (usize::from(n), usize::from(u16::from_le_bytes([v0, v1]))),
                _ => return None,
            };
            if i == index {
                return Some((at, name, value));
            }
            at += ENTRY_HEADER + name + value;
        }
        None
    }

    /// Entry `index`.
    pub(super) fn get(&self, index: usize) -> Option<VendorKey<'_>> {
        let (at, name, value) = self.locate(index)?;
        let flags = *self.buf.as_ref().get(at + 3)?;
        let name_at = at + ENTRY_HEADER;
        let key = core::str::from_utf8(self.buf.as_ref().get(name_at..name_at + name)?).ok()?;
        let value_at = name_at + name;
        let value =
            core::str::from_utf8(self.buf.as_ref().get(value_at..value_at + value)?).ok()?;
        let access = match flags & 3 {
            0 => Access::ReadOnly,
            1 => Access::ReadWrite,
            _ => Access::WriteOnly,
        };
        Some(VendorKey {
            key,
            value,
            access,
            reboot_required: flags & 4 != 0,
        })
    }

    /// Every key, in registration order.
    pub(super) fn iter(&self) -> impl Iterator<Item = VendorKey<'_>> + '_ {
        (0..self.len()).map_while(|i| self.get(i))
    }

    /// Appends a key (`key` and `value` already checked).
    fn push(
        &mut self,
        key: &str,
        value: &str,
        access: Access,
        reboot_required: bool,
    ) -> Result<(), PoolFull> {
        let (Ok(name_len), Ok(value_len)) = (u8::try_from(key.len()), u16::try_from(value.len()))
        else {
            return Err(PoolFull);
        };
        let at = usize::from(self.used);
        let end = at + ENTRY_HEADER + key.len() + value.len();
        if self.len() >= MAX_VENDOR_KEYS {
            return Err(PoolFull);
        }
        let Some(dst) = self.buf.as_mut().get_mut(at..end) else {
            return Err(PoolFull);
        };
        let flags = match access {
            Access::ReadOnly => 0,
            Access::ReadWrite => 1,
            Access::WriteOnly => 2,
        } | if reboot_required { 4 } else { 0 };
        let [v0, v1] = value_len.to_le_bytes();
        let (header, rest) = dst.split_at_mut(ENTRY_HEADER);
        header.copy_from_slice(&[name_len, v0, v1, flags]);
        let (name_dst, value_dst) = rest.split_at_mut(key.len());
        name_dst.copy_from_slice(key.as_bytes());
        value_dst.copy_from_slice(value.as_bytes());
        self.used = u16::try_from(end).map_err(|_| PoolFull)?;
        self.count += 1;
        Ok(())
    }

    /// Replaces the value of entry `index` (`value` already checked), moving the entries after
    /// it; nothing changes when the pool has no room for it.
    fn set_value(&mut self, index: usize, value: &str) -> Result<(), PoolFull> {
        let (at, name, old) = self.locate(index).ok_or(PoolFull)?;
        let used = usize::from(self.used);
        let new_used = (used - old).checked_add(value.len()).ok_or(PoolFull)?;
        let value_len = u16::try_from(value.len()).map_err(|_| PoolFull)?;
        if new_used > B::LEN {
            return Err(PoolFull);
        }
        let value_at = at + ENTRY_HEADER + name;
        let tail = value_at + old;
        self.buf
            .as_mut()
            .copy_within(tail..used, value_at + value.len());
        if let Some(dst) = self.buf.as_mut().get_mut(value_at..value_at + value.len()) {
            dst.copy_from_slice(value.as_bytes());
        }
        if let Some(h) = self.buf.as_mut().get_mut(at + 1..at + 3) {
            h.copy_from_slice(&value_len.to_le_bytes());
        }
        self.used = u16::try_from(new_used).map_err(|_| PoolFull)?;
        Ok(())
    }
}

impl<B: Slots<u8>> PartialEq for VendorPool<B> {
    fn eq(&self, other: &Self) -> bool {
        self.count == other.count
            && self.buf.as_ref().get(..usize::from(self.used))
                == other.buf.as_ref().get(..usize::from(other.used))
    }
}

impl<B: Slots<u8>> Eq for VendorPool<B> {}

impl<B: Slots<u8>> fmt::Debug for VendorPool<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Debug for VendorKey<'_> {
    /// Hides the value of a write-only key, as GetConfiguration does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("VendorKey");
        s.field("key", &self.key);
        match self.access {
            Access::WriteOnly => s.field("value", &"<write-only>"),
            Access::ReadOnly | Access::ReadWrite => s.field("value", &self.value),
        };
        s.field("access", &self.access)
            .field("reboot_required", &self.reboot_required)
            .finish()
    }
}

/// A name GetConfiguration and storage can carry: 1 to 50 bytes, no `=` (the storage
/// separator), no control characters.
fn valid_name(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= CiString50::MAX_LEN
        && !key.chars().any(|c| c == '=' || c.is_control())
}

/// A vendor value: at most 500 bytes, no control characters.
fn parse_value(value: &str) -> Result<&str, Invalid> {
    if value.len() > CiString500::MAX_LEN || value.chars().any(char::is_control) {
        return Err(Invalid);
    }
    Ok(value)
}

impl<V: Slots<u8>> Configuration<V> {
    /// Registers a vendor key with its initial `value`. `reboot_required`: ChangeConfiguration
    /// of it answers RebootRequired rather than Accepted (the value is stored either way).
    ///
    /// Register vendor keys before [`Configuration::restore`], which only restores keys it
    /// knows.
    pub fn add_vendor_key(
        &mut self,
        key: &str,
        value: &str,
        access: Access,
        reboot_required: bool,
    ) -> Result<VendorId, ConfigError> {
        if !valid_name(key) {
            return Err(ConfigError::InvalidKey);
        }
        if Key::parse(key).is_some() || self.vendor_lookup(key).is_some() {
            return Err(ConfigError::DuplicateKey);
        }
        let value = parse_value(value).map_err(|_| ConfigError::InvalidValue)?;
        let id = VendorId::new(self.vendor.len());
        self.vendor
            .push(key, value, access, reboot_required)
            .map_err(|_| ConfigError::VendorKeysFull)?;
        Ok(id)
    }

    /// The value of the vendor key named `key` (case-insensitively), whatever its access.
    pub fn vendor_value(&self, key: &str) -> Option<&str> {
        let id = self.vendor_lookup(key)?;
        self.vendor.get(id.index()).map(|v| v.value)
    }

    /// Sets the value of a vendor key from the charge point's side, whatever its access (a
    /// read-only key the firmware updates, say). [`ConfigError::VendorKeysFull`] when the vendor
    /// keys' pool ([`VENDOR_KEY_BYTES`]) has no room for the longer value (the key keeps its
    /// value).
    pub fn set_vendor_value(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let id = self.vendor_lookup(key).ok_or(ConfigError::UnknownKey)?;
        let value = parse_value(value).map_err(|_| ConfigError::InvalidValue)?;
        self.vendor
            .set_value(id.index(), value)
            .map_err(|_| ConfigError::VendorKeysFull)
    }

    /// The name of a vendor key, as registered.
    pub fn vendor_key_name(&self, id: VendorId) -> Option<&str> {
        self.vendor.get(id.index()).map(|v| v.key)
    }

    pub(super) fn vendor_lookup(&self, key: &str) -> Option<VendorId> {
        self.vendor
            .iter()
            .position(|v| crate::types::eq_ignore_ascii_case(v.key, key))
            .map(VendorId::new)
    }

    pub(super) fn vendor_key_value(&self, id: VendorId) -> Option<KeyValue> {
        let v = self.vendor.get(id.index())?;
        Some(KeyValue {
            key: CiString50::try_from(v.key).ok()?,
            readonly: v.access == Access::ReadOnly,
            value: match v.access {
                Access::WriteOnly => None,
                Access::ReadOnly | Access::ReadWrite => Some(CiString500::try_from(v.value).ok()?),
            },
        })
    }

    /// ChangeConfiguration of a vendor key: Rejected (`Err`) for a read-only key, an invalid
    /// value, or one the pool has no room for.
    pub(super) fn change_vendor(
        &mut self,
        id: VendorId,
        value: &str,
    ) -> Result<ConfigurationStatus, Invalid> {
        let entry = self.vendor.get(id.index()).ok_or(Invalid)?;
        if entry.access == Access::ReadOnly {
            return Err(Invalid);
        }
        let reboot_required = entry.reboot_required;
        self.vendor
            .set_value(id.index(), parse_value(value)?)
            .map_err(|_| Invalid)?;
        Ok(if reboot_required {
            ConfigurationStatus::RebootRequired
        } else {
            ConfigurationStatus::Accepted
        })
    }

    /// Restores a vendor key's value from storage: writable keys only, valid values only (and
    /// only one the pool has room for: otherwise the key keeps its registered value).
    pub(super) fn restore_vendor(&mut self, key: &str, value: &str) {
        let Some(id) = self.vendor_lookup(key) else {
            return;
        };
        let Ok(value) = parse_value(value) else {
            return;
        };
        if self
            .vendor
            .get(id.index())
            .is_some_and(|e| e.access != Access::ReadOnly)
        {
            let _ = self.vendor.set_value(id.index(), value);
        }
    }

    /// The vendor keys, in registration order.
    pub(super) fn vendor_keys(&self) -> impl Iterator<Item = VendorKey<'_>> + '_ {
        self.vendor.iter()
    }
}
