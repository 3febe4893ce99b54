//! The static description of the device model: components, variables, attributes and their
//! characteristics (appendices, "Standardized components and variables"; part 2 §B "Device
//! model"). Everything here is `const`-constructible, so a table of definitions lives in flash.

use crate::types::{DateTime, Decimal3};
use crate::v201::{AttributeEnum, DataEnum, MutabilityEnum};

/// A component: name, instance, EVSE id and connector id (`ComponentType`, `EVSEType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComponentKey {
    /// The component's name (`OCPPCommCtrlr`, `EVSE`, ...), at most 50 characters.
    pub name: &'static str,
    /// The instance, when there are several components of that name.
    pub instance: Option<&'static str>,
    /// The EVSE the component belongs to (`evse.id`), `None` for the station.
    pub evse: Option<u16>,
    /// The connector of that EVSE (`evse.connectorId`).
    pub connector: Option<u16>,
}

impl ComponentKey {
    /// A component of the whole station, without instance.
    pub const fn named(name: &'static str) -> ComponentKey {
        ComponentKey {
            name,
            instance: None,
            evse: None,
            connector: None,
        }
    }

    /// The component of one EVSE.
    pub const fn evse(name: &'static str, evse: u16) -> ComponentKey {
        ComponentKey {
            name,
            instance: None,
            evse: Some(evse),
            connector: None,
        }
    }

    /// The component of one connector of one EVSE.
    pub const fn connector(name: &'static str, evse: u16, connector: u16) -> ComponentKey {
        ComponentKey {
            name,
            instance: None,
            evse: Some(evse),
            connector: Some(connector),
        }
    }
}

/// A variable of a component: name and instance (`VariableType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableKey {
    /// The variable's name, at most 50 characters.
    pub name: &'static str,
    /// The instance (`MessageTimeout[Default]`, `ItemsPerMessage[GetVariables]`).
    pub instance: Option<&'static str>,
}

/// How a variable's value survives a reboot (`VariableAttributeType.persistent`/`constant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// Lost at reboot: a measured or state value (`AvailabilityState`, `DateTime`).
    Volatile,
    /// Kept over a reboot: a configuration value, stored through `Storage` when changed.
    Persistent,
    /// Never changes (`constant: true`): a property of the hardware or the firmware.
    Constant,
}

/// One attribute of a variable (Actual, Target, MinSet or MaxSet): its mutability and its value
/// at first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDef {
    /// ReadOnly, WriteOnly or ReadWrite.
    pub mutability: MutabilityEnum,
    /// The value until the CSMS or the integrator sets another (empty: no value yet).
    pub default: &'static str,
}

/// A limit of the characteristics, in thousandths (`minLimit`/`maxLimit` are decimals; for a
/// string or a list they bound the length in characters).
pub type Limit = i64;

/// The characteristics of a variable (`VariableCharacteristicsType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Characteristics {
    /// The data type of every attribute's value.
    pub data_type: DataEnum,
    /// The unit (appendix 2.1, "Units of measure": `s`, `W`, `Percent`, ...).
    pub unit: Option<&'static str>,
    /// The smallest value, in thousandths (for a string or a list: the shortest length).
    pub min_limit: Option<Limit>,
    /// The largest value, in thousandths (for a string or a list: the longest length).
    pub max_limit: Option<Limit>,
    /// The allowed values of an OptionList, MemberList or SequenceList, comma-separated.
    pub values_list: Option<&'static str>,
    /// Whether the variable can be monitored (`supportsMonitoring`).
    pub supports_monitoring: bool,
}

/// One variable of one component, with its attributes and characteristics: one row of the
/// device model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VariableDef {
    /// The component.
    pub component: ComponentKey,
    /// The variable.
    pub variable: VariableKey,
    /// The `Actual` attribute, which nearly every variable has (`None`: it has not).
    pub actual: Option<AttributeDef>,
    /// The other attributes (Target, MinSet, MaxSet) the variable has, each at most once:
    /// usually none, so a slice rather than three more places in every row.
    pub others: &'static [(AttributeEnum, AttributeDef)],
    /// Data type, unit, limits, values list.
    pub characteristics: Characteristics,
    /// Volatile, persistent or constant.
    pub persistence: Persistence,
    /// A new value takes effect only after a reboot: SetVariables answers `RebootRequired`.
    pub reboot_required: bool,
}

/// The index of an attribute type (its key in the value store and the record).
pub const fn attribute_index(kind: AttributeEnum) -> usize {
    match kind {
        AttributeEnum::Actual => 0,
        AttributeEnum::Target => 1,
        AttributeEnum::MinSet => 2,
        AttributeEnum::MaxSet => 3,
    }
}

/// The attribute type of an index of [`attribute_index`].
pub const fn attribute_kind(index: usize) -> Option<AttributeEnum> {
    match index {
        0 => Some(AttributeEnum::Actual),
        1 => Some(AttributeEnum::Target),
        2 => Some(AttributeEnum::MinSet),
        3 => Some(AttributeEnum::MaxSet),
        _ => None,
    }
}

impl VariableDef {
    /// A variable with an `Actual` attribute of the given mutability and default, no unit, no
    /// limits, persistent when writable and volatile otherwise.
    pub const fn new(
        component: ComponentKey,
        name: &'static str,
        data_type: DataEnum,
        mutability: MutabilityEnum,
        default: &'static str,
    ) -> VariableDef {
        VariableDef {
            component,
            variable: VariableKey {
                name,
                instance: None,
            },
            actual: Some(AttributeDef {
                mutability,
                default,
            }),
            others: &[],
            characteristics: Characteristics {
                data_type,
                unit: None,
                min_limit: None,
                max_limit: None,
                values_list: None,
                supports_monitoring: false,
            },
            persistence: match mutability {
                MutabilityEnum::ReadOnly => Persistence::Volatile,
                MutabilityEnum::ReadWrite | MutabilityEnum::WriteOnly => Persistence::Persistent,
            },
            reboot_required: false,
        }
    }

    /// A read-write variable (persistent).
    pub const fn rw(
        component: ComponentKey,
        name: &'static str,
        data_type: DataEnum,
        default: &'static str,
    ) -> VariableDef {
        VariableDef::new(
            component,
            name,
            data_type,
            MutabilityEnum::ReadWrite,
            default,
        )
    }

    /// A read-only variable (volatile; see [`VariableDef::constant`]).
    pub const fn ro(
        component: ComponentKey,
        name: &'static str,
        data_type: DataEnum,
        default: &'static str,
    ) -> VariableDef {
        VariableDef::new(
            component,
            name,
            data_type,
            MutabilityEnum::ReadOnly,
            default,
        )
    }

    /// With a variable instance.
    #[must_use]
    pub const fn instance(mut self, instance: &'static str) -> VariableDef {
        self.variable.instance = Some(instance);
        self
    }

    /// With a unit.
    #[must_use]
    pub const fn unit(mut self, unit: &'static str) -> VariableDef {
        self.characteristics.unit = Some(unit);
        self
    }

    /// With a lower limit (a whole number).
    #[must_use]
    pub const fn min(mut self, min: i64) -> VariableDef {
        self.characteristics.min_limit = Some(min * 1000);
        self
    }

    /// With an upper limit (a whole number).
    #[must_use]
    pub const fn max(mut self, max: i64) -> VariableDef {
        self.characteristics.max_limit = Some(max * 1000);
        self
    }

    /// With a values list (comma-separated, no spaces).
    #[must_use]
    pub const fn values(mut self, list: &'static str) -> VariableDef {
        self.characteristics.values_list = Some(list);
        self
    }

    /// Marked as constant (`constant: true`; a property of the hardware or firmware).
    #[must_use]
    pub const fn constant(mut self) -> VariableDef {
        self.persistence = Persistence::Constant;
        self
    }

    /// Marked as taking effect after a reboot only.
    #[must_use]
    pub const fn reboot(mut self) -> VariableDef {
        self.reboot_required = true;
        self
    }

    /// With other attributes (Target, MinSet, MaxSet), each at most once (checked by
    /// `DeviceModel::new`).
    #[must_use]
    pub const fn with_attributes(
        mut self,
        others: &'static [(AttributeEnum, AttributeDef)],
    ) -> VariableDef {
        self.others = others;
        self
    }

    /// Every attribute the variable has: Actual first, then the others in table order.
    pub fn attributes(&self) -> impl Iterator<Item = (AttributeEnum, &AttributeDef)> {
        self.actual
            .as_ref()
            .map(|a| (AttributeEnum::Actual, a))
            .into_iter()
            .chain(self.others.iter().map(|(k, a)| (*k, a)))
    }

    /// The definition of one attribute type, if the variable has it.
    pub fn attribute(&self, kind: AttributeEnum) -> Option<&AttributeDef> {
        match kind {
            AttributeEnum::Actual => self.actual.as_ref(),
            _ => self.others.iter().find(|(k, _)| *k == kind).map(|(_, a)| a),
        }
    }

    /// Whether the CSMS may write any attribute (the ConfigurationInventory criterion).
    pub fn is_configurable(&self) -> bool {
        self.attributes().any(|(_, a)| {
            matches!(
                a.mutability,
                MutabilityEnum::ReadWrite | MutabilityEnum::WriteOnly
            )
        })
    }
}

/// Why a value does not fit a variable's characteristics (SetVariables answers `Rejected`,
/// reason code `InvalidValue`, B05.FR.07).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidValue {
    /// Not of the data type (not an integer, not `true`/`false`, ...).
    Format,
    /// Below `minLimit` or above `maxLimit`.
    OutOfRange,
    /// Not in the `valuesList` (or a SequenceList naming a value twice).
    NotInList,
    /// Longer than the value store holds (`ConfigurationValueSize`).
    TooLong,
}

fn parse_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v * 10 + i64::from(b - b'0');
    }
    Some(if text.starts_with('-') { -v } else { v })
}

fn in_list(list: &str, item: &str) -> bool {
    list.split(',').any(|v| v.trim() == item)
}

fn check_range(c: &Characteristics, milli: i64) -> Result<(), InvalidValue> {
    if c.min_limit.is_some_and(|m| milli < m) || c.max_limit.is_some_and(|m| milli > m) {
        return Err(InvalidValue::OutOfRange);
    }
    Ok(())
}

fn check_length(c: &Characteristics, len: usize) -> Result<(), InvalidValue> {
    check_range(c, (len as i64).saturating_mul(1000))
}

impl Characteristics {
    /// Checks a value against the data type, the limits and the values list.
    pub fn validate(&self, value: &str) -> Result<(), InvalidValue> {
        match self.data_type {
            DataEnum::Integer => {
                let v = parse_integer(value).ok_or(InvalidValue::Format)?;
                check_range(self, v.saturating_mul(1000))
            }
            DataEnum::Decimal => {
                let v = Decimal3::parse(value).map_err(|_| InvalidValue::Format)?;
                check_range(self, v.milli())
            }
            DataEnum::Boolean => match value {
                "true" | "false" => Ok(()),
                _ => Err(InvalidValue::Format),
            },
            DataEnum::DateTime => {
                DateTime::parse(value).map_err(|_| InvalidValue::Format)?;
                Ok(())
            }
            DataEnum::String => check_length(self, value.chars().count()),
            DataEnum::OptionList => match self.values_list {
                Some(list) if !in_list(list, value) => Err(InvalidValue::NotInList),
                _ => check_length(self, value.chars().count()),
            },
            DataEnum::MemberList | DataEnum::SequenceList => {
                // For a list, the limits bound the number of members.
                let members = if value.is_empty() {
                    0
                } else {
                    value.split(',').count()
                };
                check_length(self, members)?;
                for (i, item) in value.split(',').enumerate().take(members) {
                    if self.values_list.is_some_and(|list| !in_list(list, item)) {
                        return Err(InvalidValue::NotInList);
                    }
                    if value.split(',').take(i).any(|earlier| earlier == item) {
                        return Err(InvalidValue::NotInList);
                    }
                }
                Ok(())
            }
        }
    }
}
