//! Vendor keys: configuration the integrator defines, stored as text.
//!
//! The configuration does not interpret them: any text of at most 500 bytes without control
//! characters is accepted (a line break would not survive storage, and a CiString500 is what
//! GetConfiguration can report). The integrator reads them with
//! [`Configuration::vendor_value`] and learns of changes from [`ChangeOutcome::changed`].
//!
//! [`ChangeOutcome::changed`]: super::ChangeOutcome::changed

use core::fmt;

use super::value::Invalid;
use super::{Access, ConfigError, Configuration, Key, KeyValue};
use crate::types::{CiString50, CiString500};
use crate::v16::ConfigurationStatus;

/// A vendor key, by registration order. Vendor keys are never removed, so an id stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VendorId(u8);

impl VendorId {
    pub(super) const fn new(index: usize) -> VendorId {
        VendorId(index as u8)
    }

    /// The position in registration order, from 0.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

// `VendorId` holds an index in a `u8`.
const _: () = assert!(super::MAX_VENDOR_KEYS <= 256);

/// One vendor key.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct VendorKey {
    pub(super) key: CiString50,
    pub(super) value: CiString500,
    pub(super) access: Access,
    pub(super) reboot_required: bool,
}

impl fmt::Debug for VendorKey {
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
fn parse_value(value: &str) -> Result<CiString500, Invalid> {
    if value.chars().any(char::is_control) {
        return Err(Invalid);
    }
    CiString500::try_from(value).map_err(|_| Invalid)
}

impl Configuration {
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
        let entry = VendorKey {
            key: CiString50::try_from(key).map_err(|_| ConfigError::InvalidKey)?,
            value: parse_value(value).map_err(|_| ConfigError::InvalidValue)?,
            access,
            reboot_required,
        };
        let id = VendorId::new(self.vendor.len());
        self.vendor
            .push(entry)
            .map_err(|_| ConfigError::VendorKeysFull)?;
        Ok(id)
    }

    /// The value of the vendor key named `key` (case-insensitively), whatever its access.
    pub fn vendor_value(&self, key: &str) -> Option<&str> {
        let id = self.vendor_lookup(key)?;
        self.vendor.get(id.index()).map(|v| v.value.as_str())
    }

    /// Sets the value of a vendor key from the charge point's side, whatever its access (a
    /// read-only key the firmware updates, say).
    pub fn set_vendor_value(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let id = self.vendor_lookup(key).ok_or(ConfigError::UnknownKey)?;
        let value = parse_value(value).map_err(|_| ConfigError::InvalidValue)?;
        let entry = self
            .vendor
            .as_mut_slice()
            .get_mut(id.index())
            .ok_or(ConfigError::UnknownKey)?;
        entry.value = value;
        Ok(())
    }

    /// The name of a vendor key, as registered.
    pub fn vendor_key_name(&self, id: VendorId) -> Option<&str> {
        self.vendor.get(id.index()).map(|v| v.key.as_str())
    }

    pub(super) fn vendor_lookup(&self, key: &str) -> Option<VendorId> {
        self.vendor
            .iter()
            .position(|v| v.key.eq_ignore_case(key))
            .map(VendorId::new)
    }

    pub(super) fn vendor_key_value(&self, id: VendorId) -> Option<KeyValue> {
        let v = self.vendor.get(id.index())?;
        Some(KeyValue {
            key: v.key.clone(),
            readonly: v.access == Access::ReadOnly,
            value: match v.access {
                Access::WriteOnly => None,
                Access::ReadOnly | Access::ReadWrite => Some(v.value.clone()),
            },
        })
    }

    /// ChangeConfiguration of a vendor key.
    pub(super) fn change_vendor(
        &mut self,
        id: VendorId,
        value: &str,
    ) -> Result<ConfigurationStatus, Invalid> {
        let entry = self
            .vendor
            .as_mut_slice()
            .get_mut(id.index())
            .ok_or(Invalid)?;
        if entry.access == Access::ReadOnly {
            return Err(Invalid);
        }
        entry.value = parse_value(value)?;
        Ok(if entry.reboot_required {
            ConfigurationStatus::RebootRequired
        } else {
            ConfigurationStatus::Accepted
        })
    }

    /// Restores a vendor key's value from storage: writable keys only, valid values only.
    pub(super) fn restore_vendor(&mut self, key: &str, value: &str) {
        let Some(id) = self.vendor_lookup(key) else {
            return;
        };
        let Ok(value) = parse_value(value) else {
            return;
        };
        if let Some(entry) = self.vendor.as_mut_slice().get_mut(id.index()) {
            if entry.access != Access::ReadOnly {
                entry.value = value;
            }
        }
    }

    /// The vendor keys, in registration order.
    pub(super) fn vendor_keys(&self) -> &[VendorKey] {
        &self.vendor
    }
}
