//! The OCPP 2.0.1 device model (part 2 §B, appendices §3-4): the components and variables a
//! charging station reports and the CSMS reads and writes, and the pure functions that answer
//! GetVariables, SetVariables and GetBaseReport over it.
//!
//! - The *definitions* are static tables of [`VariableDef`]: [`STANDARD`] (the standardized
//!   variables of a Core station, in flash) and the integrator's vendor table (any `&[VariableDef]`,
//!   usually a `static` too), given to [`DeviceModel::new`].
//! - The *values* that differ from the definitions' defaults live in a bounded [`DeviceModel`]
//!   store of `N` entries of at most `L` bytes (`ConfigurationValueSize`); the persistent ones
//!   are written to a record with [`DeviceModel::encode_record`] and read back with
//!   [`DeviceModel::decode_record`].
//! - [`DeviceModel::get_variables`] and [`DeviceModel::set_variables`] turn a request into its
//!   response (B06, B05); [`DeviceModel::get_base_report`] answers GetBaseReport and returns a
//!   [`ReportCursor`] that fills one NotifyReportRequest at a time (B07);
//!   [`DeviceModel::get_report`] does the same for GetReport with criteria (B08).
//!
//! Nothing here allocates or panics; the model is a value the charging station owns.

mod report;
mod standard;
mod types;

pub use report::{REPORT_SELECTION_MAX, ReportCursor};
pub use standard::{STANDARD, connector_rows, evse_rows};
pub use types::{
    AttributeDef, Characteristics, ComponentKey, InvalidValue, Limit, Persistence, VariableDef,
    VariableKey, attribute_index, attribute_kind,
};

use crate::types::{BoundedString, List};
use crate::v201::{
    AttributeEnum, Component, GetVariableResult, GetVariableStatusEnum, GetVariablesRequest,
    GetVariablesResponse, MutabilityEnum, SetVariableResult, SetVariableStatusEnum,
    SetVariablesRequest, SetVariablesResponse, StatusInfo, Variable,
};

/// A value the store holds instead of a definition's default.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<const L: usize> {
    index: u16,
    attribute: u8,
    value: BoundedString<L>,
}

/// Why a variable was not found ([`DeviceModel::find`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    /// No variable of any component matches the component (name, instance, EVSE, connector).
    UnknownComponent,
    /// The component exists, but not with this variable (name, instance).
    UnknownVariable,
}

/// Why [`DeviceModel::set_internal`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// No such variable, or no such attribute.
    Unknown,
    /// The value does not fit the characteristics.
    Invalid(InvalidValue),
    /// The store has no free entry (`N`).
    Full,
}

/// Why [`DeviceModel::new`] refused a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    /// More than 65,535 definitions, or more than [`MAX_TABLES`] tables.
    TooLarge,
    /// A name or instance is longer than the schema's 50 characters, or a unit longer than 16.
    NameTooLong,
    /// A default value does not fit the characteristics or the store's `L`.
    BadDefault,
    /// `others` names `Actual`, or an attribute type twice.
    RepeatedAttribute,
}

/// Why [`DeviceModel::decode_record`] refused a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// Truncated, unknown version, or not UTF-8.
    Malformed,
    /// Written for tables of another size: the values are left at their defaults.
    TableChanged,
    /// More entries than the store holds.
    Full,
}

/// Which message's limits ([`DeviceModel::items_per_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// GetVariables.req.
    GetVariables,
    /// SetVariables.req.
    SetVariables,
    /// NotifyReport.req.
    GetReport,
}

impl MessageKind {
    const fn instance(self) -> &'static str {
        match self {
            MessageKind::GetVariables => "GetVariables",
            MessageKind::SetVariables => "SetVariables",
            MessageKind::GetReport => "GetReport",
        }
    }
}

/// The record format version of [`DeviceModel::encode_record`].
const RECORD_VERSION: u8 = 1;

/// The most definition tables one model is made of ([`DeviceModel::from_tables`]): the standard
/// table, the rows of further EVSEs and connectors ([`evse_rows`], [`connector_rows`]) and the
/// integrator's own.
pub const MAX_TABLES: usize = 8;

/// The device model: the definitions (up to [`MAX_TABLES`] static tables: standard, EVSEs,
/// vendor) and a bounded store of up to `N` values of at most `L` bytes that differ from the
/// defaults.
#[derive(Debug, Clone)]
pub struct DeviceModel<'t, const N: usize, const L: usize> {
    tables: [&'t [VariableDef]; MAX_TABLES],
    values: List<Entry<L>, N>,
}

fn status(code: &str) -> StatusInfo {
    StatusInfo {
        reason_code: BoundedString::truncated(code),
        additional_info: None,
    }
}

fn same_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn same_instance(def: Option<&str>, asked: Option<&BoundedString<50>>) -> bool {
    match (def, asked) {
        (None, None) => true,
        (Some(d), Some(a)) => same_ci(d, a.as_str()),
        _ => false,
    }
}

/// Whether a definition's component is the one a message names.
pub fn component_matches(def: &ComponentKey, c: &Component) -> bool {
    if !same_ci(def.name, c.name.as_str()) || !same_instance(def.instance, c.instance.as_ref()) {
        return false;
    }
    match (&c.evse, def.evse) {
        (None, None) => true,
        (Some(e), Some(id)) => {
            i64::from(e.id) == i64::from(id)
                && e.connector_id.map(i64::from) == def.connector.map(i64::from)
        }
        _ => false,
    }
}

fn variable_matches(def: &VariableKey, v: &Variable) -> bool {
    same_ci(def.name, v.name.as_str()) && same_instance(def.instance, v.instance.as_ref())
}

impl<'t, const N: usize, const L: usize> DeviceModel<'t, N, L> {
    /// A model over the standardized table and a vendor table, every value at its default:
    /// [`DeviceModel::from_tables`] of the two.
    pub fn new(standard: &'t [VariableDef], vendor: &'t [VariableDef]) -> Result<Self, TableError> {
        Self::from_tables(&[standard, vendor])
    }

    /// A model over up to [`MAX_TABLES`] tables, in this order (the order of the reports and of
    /// the record's indices), every value at its default. Checks that every name fits the schema,
    /// every attribute type appears once and every default fits its characteristics.
    pub fn from_tables(list: &[&'t [VariableDef]]) -> Result<Self, TableError> {
        let mut tables: [&'t [VariableDef]; MAX_TABLES] = [&[]; MAX_TABLES];
        if list.len() > MAX_TABLES {
            return Err(TableError::TooLarge);
        }
        for (slot, table) in tables.iter_mut().zip(list) {
            *slot = table;
        }
        if tables.iter().map(|t| t.len()).sum::<usize>() > usize::from(u16::MAX) {
            return Err(TableError::TooLarge);
        }
        for def in tables.into_iter().flatten() {
            let names = [
                Some(def.component.name),
                def.component.instance,
                Some(def.variable.name),
                def.variable.instance,
            ];
            if names.iter().flatten().any(|n| n.len() > 50 || n.is_empty())
                || def.characteristics.unit.is_some_and(|u| u.len() > 16)
            {
                return Err(TableError::NameTooLong);
            }
            let repeated = def.others.iter().enumerate().any(|(i, (k, _))| {
                *k == AttributeEnum::Actual || def.others.iter().take(i).any(|(e, _)| e == k)
            });
            if repeated {
                return Err(TableError::RepeatedAttribute);
            }
            for (_, a) in def.attributes() {
                if a.default.len() > L
                    || (!a.default.is_empty() && def.characteristics.validate(a.default).is_err())
                {
                    return Err(TableError::BadDefault);
                }
            }
        }
        Ok(DeviceModel {
            tables,
            values: List::new(),
        })
    }

    /// The number of definitions (of every table).
    pub fn len(&self) -> usize {
        self.tables.iter().map(|t| t.len()).sum()
    }

    /// Whether there are no definitions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The definition of an index (the tables one after the other).
    pub fn def(&self, index: usize) -> Option<&'t VariableDef> {
        let mut i = index;
        for table in self.tables {
            match i.checked_sub(table.len()) {
                None => return table.get(i),
                Some(rest) => i = rest,
            }
        }
        None
    }

    fn defs(&self) -> impl Iterator<Item = &'t VariableDef> + use<'t, N, L> {
        self.tables.into_iter().flatten()
    }

    /// Finds the definition a component and variable of a message name.
    pub fn find(&self, component: &Component, variable: &Variable) -> Result<usize, NotFound> {
        let mut component_known = false;
        for (i, def) in self.defs().enumerate() {
            if component_matches(&def.component, component) {
                component_known = true;
                if variable_matches(&def.variable, variable) {
                    return Ok(i);
                }
            }
        }
        Err(if component_known {
            NotFound::UnknownVariable
        } else {
            NotFound::UnknownComponent
        })
    }

    /// Finds a definition by names (the integrator's and the station's own access).
    pub fn find_by_name(
        &self,
        component: &str,
        variable: &str,
        instance: Option<&str>,
    ) -> Option<usize> {
        self.defs().position(|d| {
            d.component.evse.is_none()
                && same_ci(d.component.name, component)
                && same_ci(d.variable.name, variable)
                && match (d.variable.instance, instance) {
                    (None, None) => true,
                    (Some(a), Some(b)) => same_ci(a, b),
                    _ => false,
                }
        })
    }

    /// The value of one attribute of a definition: the stored one, else the default; `None` if
    /// the variable has no such attribute.
    pub fn value(&self, index: usize, kind: AttributeEnum) -> Option<&str> {
        let def = self.def(index)?.attribute(kind)?;
        let attr = attribute_index(kind) as u8;
        Some(
            self.values
                .iter()
                .find(|e| usize::from(e.index) == index && e.attribute == attr)
                .map_or(def.default, |e| e.value.as_str()),
        )
    }

    /// An integer value (`Actual`), for the station's own use (`HeartbeatInterval`, ...).
    pub fn integer(&self, index: usize) -> Option<i64> {
        let text = self.value(index, AttributeEnum::Actual)?;
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v = digits
            .bytes()
            .fold(0i64, |v, b| v * 10 + i64::from(b - b'0'));
        Some(if text.starts_with('-') { -v } else { v })
    }

    /// `DeviceDataCtrlr.ItemsPerMessage[kind]`, at least 1.
    pub fn items_per_message(&self, kind: MessageKind) -> usize {
        self.limit("ItemsPerMessage", kind).unwrap_or(1)
    }

    /// `DeviceDataCtrlr.BytesPerMessage[kind]`, if the table has it.
    pub fn bytes_per_message(&self, kind: MessageKind) -> Option<usize> {
        self.limit("BytesPerMessage", kind)
    }

    fn limit(&self, name: &str, kind: MessageKind) -> Option<usize> {
        let i = self.find_by_name("DeviceDataCtrlr", name, Some(kind.instance()))?;
        let v = self.integer(i)?;
        usize::try_from(v.max(1)).ok()
    }

    /// Sets a value without the mutability check: the station's own updates (its
    /// `AvailabilityState`, `DateTime`, counters) and the integrator's configuration. The value
    /// is checked against the characteristics.
    pub fn set_internal(
        &mut self,
        index: usize,
        kind: AttributeEnum,
        value: &str,
    ) -> Result<(), StoreError> {
        let def = self.def(index).ok_or(StoreError::Unknown)?;
        def.attribute(kind).ok_or(StoreError::Unknown)?;
        def.characteristics
            .validate(value)
            .map_err(StoreError::Invalid)?;
        self.store(index, kind, value)
    }

    fn store(&mut self, index: usize, kind: AttributeEnum, value: &str) -> Result<(), StoreError> {
        let text = BoundedString::try_from(value)
            .map_err(|_| StoreError::Invalid(InvalidValue::TooLong))?;
        let attr = attribute_index(kind) as u8;
        let idx = u16::try_from(index).map_err(|_| StoreError::Unknown)?;
        if let Some(e) = self
            .values
            .as_mut_slice()
            .iter_mut()
            .find(|e| e.index == idx && e.attribute == attr)
        {
            e.value = text;
            return Ok(());
        }
        self.values
            .push(Entry {
                index: idx,
                attribute: attr,
                value: text,
            })
            .map_err(|_| StoreError::Full)
    }

    /// The number of stored values (those differing from a default, or set once).
    pub fn stored(&self) -> usize {
        self.values.len()
    }

    /// Answers a GetVariablesRequest (B06). Every item gets a result in the request's order:
    /// Accepted with the value; UnknownComponent, UnknownVariable, NotSupportedAttributeType;
    /// Rejected (`WriteOnly`) for a write-only attribute. When the request has more items than
    /// `ItemsPerMessage[GetVariables]`, every item is Rejected with `TooManyElements` (TC_B_08_CS
    /// allows this or answering the first ones); when `request_bytes` exceeds
    /// `BytesPerMessage[GetVariables]` likewise (see docs/architecture.md, "Device
    /// model").
    pub fn get_variables(
        &self,
        req: &GetVariablesRequest,
        request_bytes: usize,
    ) -> GetVariablesResponse {
        let too_many = req.get_variable_data.len()
            > self.items_per_message(MessageKind::GetVariables)
            || self
                .bytes_per_message(MessageKind::GetVariables)
                .is_some_and(|max| request_bytes > max);
        let mut out = List::new();
        for item in &req.get_variable_data {
            let mut result = GetVariableResult {
                attribute_status_info: None,
                attribute_status: GetVariableStatusEnum::Rejected,
                attribute_type: item.attribute_type,
                attribute_value: None,
                component: item.component.clone(),
                variable: item.variable.clone(),
            };
            if too_many {
                result.attribute_status_info = Some(status("TooManyElements"));
            } else {
                self.get_one(
                    item.attribute_type.unwrap_or(AttributeEnum::Actual),
                    &mut result,
                );
            }
            // The request and the response have the same bound: this never fails.
            if out.push(result).is_err() {
                break;
            }
        }
        GetVariablesResponse {
            get_variable_result: out,
        }
    }

    fn get_one(&self, kind: AttributeEnum, result: &mut GetVariableResult) {
        let index = match self.find(&result.component, &result.variable) {
            Ok(i) => i,
            Err(NotFound::UnknownComponent) => {
                result.attribute_status = GetVariableStatusEnum::UnknownComponent;
                return;
            }
            Err(NotFound::UnknownVariable) => {
                result.attribute_status = GetVariableStatusEnum::UnknownVariable;
                return;
            }
        };
        let Some(attr) = self.def(index).and_then(|d| d.attribute(kind)) else {
            result.attribute_status = GetVariableStatusEnum::NotSupportedAttributeType;
            return;
        };
        if attr.mutability == MutabilityEnum::WriteOnly {
            result.attribute_status = GetVariableStatusEnum::Rejected;
            result.attribute_status_info = Some(status("WriteOnly"));
            return;
        }
        if let Some(Ok(v)) = self.value(index, kind).map(BoundedString::try_from) {
            result.attribute_status = GetVariableStatusEnum::Accepted;
            result.attribute_value = Some(v);
        } else {
            result.attribute_status = GetVariableStatusEnum::Rejected;
            result.attribute_status_info = Some(status("InternalError"));
        }
    }

    /// Answers a SetVariablesRequest (B05): Accepted (stored), RebootRequired (stored; takes
    /// effect after a reboot), Rejected (`ReadOnly`, `InvalidValue`, `ValueOutOfRange`,
    /// `OutOfStorage`, `TooManyElements`), UnknownComponent, UnknownVariable,
    /// NotSupportedAttributeType. Items are applied in order; a rejected item changes nothing.
    /// After an Accepted or RebootRequired result, the caller persists
    /// [`DeviceModel::encode_record`].
    pub fn set_variables(
        &mut self,
        req: &SetVariablesRequest,
        request_bytes: usize,
    ) -> SetVariablesResponse {
        let too_many = req.set_variable_data.len()
            > self.items_per_message(MessageKind::SetVariables)
            || self
                .bytes_per_message(MessageKind::SetVariables)
                .is_some_and(|max| request_bytes > max);
        let mut out = List::new();
        for item in &req.set_variable_data {
            let kind = item.attribute_type.unwrap_or(AttributeEnum::Actual);
            let (attribute_status, info) = if too_many {
                (SetVariableStatusEnum::Rejected, "TooManyElements")
            } else {
                self.set_one(
                    kind,
                    &item.component,
                    &item.variable,
                    item.attribute_value.as_str(),
                )
            };
            let result = SetVariableResult {
                attribute_type: item.attribute_type,
                attribute_status,
                attribute_status_info: if info.is_empty() {
                    None
                } else {
                    Some(status(info))
                },
                component: item.component.clone(),
                variable: item.variable.clone(),
            };
            if out.push(result).is_err() {
                break;
            }
        }
        SetVariablesResponse {
            set_variable_result: out,
        }
    }

    fn set_one(
        &mut self,
        kind: AttributeEnum,
        component: &Component,
        variable: &Variable,
        value: &str,
    ) -> (SetVariableStatusEnum, &'static str) {
        let index = match self.find(component, variable) {
            Ok(i) => i,
            Err(NotFound::UnknownComponent) => {
                return (SetVariableStatusEnum::UnknownComponent, "");
            }
            Err(NotFound::UnknownVariable) => return (SetVariableStatusEnum::UnknownVariable, ""),
        };
        let Some(def) = self.def(index) else {
            return (SetVariableStatusEnum::UnknownVariable, "");
        };
        let Some(attr) = def.attribute(kind) else {
            return (SetVariableStatusEnum::NotSupportedAttributeType, "");
        };
        if attr.mutability == MutabilityEnum::ReadOnly {
            return (SetVariableStatusEnum::Rejected, "ReadOnly");
        }
        if let Err(e) = def.characteristics.validate(value) {
            let code = match e {
                InvalidValue::OutOfRange => "ValueOutOfRange",
                InvalidValue::TooLong => "TooLargeElement",
                InvalidValue::Format | InvalidValue::NotInList => "InvalidValue",
            };
            return (SetVariableStatusEnum::Rejected, code);
        }
        let reboot = def.reboot_required;
        match self.store(index, kind, value) {
            Ok(()) if reboot => (SetVariableStatusEnum::RebootRequired, ""),
            Ok(()) => (SetVariableStatusEnum::Accepted, ""),
            Err(StoreError::Invalid(_)) => (SetVariableStatusEnum::Rejected, "TooLargeElement"),
            Err(StoreError::Full) => (SetVariableStatusEnum::Rejected, "OutOfStorage"),
            Err(StoreError::Unknown) => (SetVariableStatusEnum::Rejected, "InternalError"),
        }
    }

    /// Writes the stored values of persistent variables as one record: version (1 byte), the
    /// number of definitions (u16 LE), the number of entries (u16 LE), then per entry the
    /// definition index (u16 LE), the attribute (1 byte), the value's length (u16 LE) and its
    /// bytes. Returns the record's length, or `None` when `buf` is too small (at most
    /// `5 + N × (5 + L)` bytes).
    pub fn encode_record(&self, buf: &mut [u8]) -> Option<usize> {
        let persistent = |e: &&Entry<L>| {
            self.def(usize::from(e.index))
                .is_some_and(|d| d.persistence == Persistence::Persistent)
        };
        let count = u16::try_from(self.values.iter().filter(persistent).count()).ok()?;
        let tables = u16::try_from(self.len()).ok()?;
        let mut at = 0usize;
        let mut put = |bytes: &[u8]| -> Option<()> {
            buf.get_mut(at..at + bytes.len())?.copy_from_slice(bytes);
            at += bytes.len();
            Some(())
        };
        put(&[RECORD_VERSION])?;
        put(&tables.to_le_bytes())?;
        put(&count.to_le_bytes())?;
        for e in self.values.iter().filter(persistent) {
            let len = u16::try_from(e.value.len()).ok()?;
            put(&e.index.to_le_bytes())?;
            put(&[e.attribute])?;
            put(&len.to_le_bytes())?;
            put(e.value.as_bytes())?;
        }
        Some(at)
    }

    /// Restores the values of a record of [`DeviceModel::encode_record`], replacing the stored
    /// values. An entry that no longer fits its definition (a changed characteristic, a
    /// variable no longer persistent) is skipped; a record written for tables of another size is
    /// refused whole ([`RecordError::TableChanged`]).
    pub fn decode_record(&mut self, record: &[u8]) -> Result<(), RecordError> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], RecordError> {
            let bytes = record.get(at..at + n).ok_or(RecordError::Malformed)?;
            at += n;
            Ok(bytes)
        };
        let u16_at = |b: &[u8]| match b {
            [lo, hi] => Ok(u16::from_le_bytes([*lo, *hi])),
            _ => Err(RecordError::Malformed),
        };
        if take(1)? != [RECORD_VERSION] {
            return Err(RecordError::Malformed);
        }
        if usize::from(u16_at(take(2)?)?) != self.len() {
            return Err(RecordError::TableChanged);
        }
        let count = u16_at(take(2)?)?;
        let mut values: List<Entry<L>, N> = List::new();
        for _ in 0..count {
            let index = u16_at(take(2)?)?;
            let attribute = *take(1)?.first().ok_or(RecordError::Malformed)?;
            let len = u16_at(take(2)?)?;
            let text = core::str::from_utf8(take(usize::from(len))?)
                .map_err(|_| RecordError::Malformed)?;
            let fits = self.def(usize::from(index)).is_some_and(|d| {
                d.persistence == Persistence::Persistent
                    && attribute_kind(usize::from(attribute))
                        .is_some_and(|k| d.attribute(k).is_some())
                    && d.characteristics.validate(text).is_ok()
            });
            if !fits {
                continue;
            }
            let value = BoundedString::try_from(text).map_err(|_| RecordError::Malformed)?;
            values
                .push(Entry {
                    index,
                    attribute,
                    value,
                })
                .map_err(|_| RecordError::Full)?;
        }
        if at != record.len() {
            return Err(RecordError::Malformed);
        }
        self.values = values;
        Ok(())
    }
}
