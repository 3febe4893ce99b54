//! GetBaseReport (B07): which variables a base report holds, and a cursor that fills one
//! NotifyReportRequest at a time, so that no report is ever held whole in RAM.

use super::types::{Persistence, VariableDef, attribute_kind};
use super::{DeviceModel, MessageKind};
use crate::limits::REPORT_ITEMS_PER_MESSAGE;
use crate::types::{BoundedString, DateTime, Decimal3, List};
use crate::v201::{
    Component, Evse, GenericDeviceModelStatusEnum, GetBaseReportRequest, GetBaseReportResponse,
    MutabilityEnum, NotifyReportRequest, ReportBaseEnum, ReportData, Variable, VariableAttribute,
    VariableCharacteristics,
};

/// Where a report is: the next definition to look at and the next `seqNo`. 12 bytes; the
/// station keeps it between NotifyReport.req messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCursor {
    request_id: i32,
    base: ReportBaseEnum,
    next: u16,
    seq_no: i32,
    done: bool,
}

/// Whether a definition belongs in a base report.
///
/// - FullInventory: every variable.
/// - ConfigurationInventory: the variables with a ReadWrite or WriteOnly attribute (B07: "the
///   configuration variables").
/// - SummaryInventory: the `AvailabilityState` of every component, and every `Problem` variable
///   whose value is `true` (part 2 leaves the choice to the station; this is the state summary
///   a CSMS asks it for).
fn in_report<const N: usize, const L: usize>(
    model: &DeviceModel<'_, N, L>,
    base: ReportBaseEnum,
    index: usize,
    def: &VariableDef,
) -> bool {
    match base {
        ReportBaseEnum::FullInventory => true,
        ReportBaseEnum::ConfigurationInventory => def.is_configurable(),
        ReportBaseEnum::SummaryInventory => {
            def.variable.name.eq_ignore_ascii_case("AvailabilityState")
                || (def.variable.name.eq_ignore_ascii_case("Problem")
                    && model.value(index, crate::v201::AttributeEnum::Actual) == Some("true"))
        }
    }
}

fn report_data<const N: usize, const L: usize>(
    model: &DeviceModel<'_, N, L>,
    index: usize,
    def: &VariableDef,
) -> ReportData {
    let mut attributes = List::new();
    for (i, attr) in def.attributes.iter().enumerate() {
        let (Some(attr), Some(kind)) = (attr, attribute_kind(i)) else {
            continue;
        };
        let value = if attr.mutability == MutabilityEnum::WriteOnly {
            None
        } else {
            model.value(index, kind).map(BoundedString::truncated)
        };
        // Four attribute types, four places: never full.
        let _ = attributes.push(VariableAttribute {
            r#type: Some(kind),
            value,
            mutability: Some(attr.mutability),
            persistent: Some(def.persistence != Persistence::Volatile),
            constant: Some(def.persistence == Persistence::Constant),
        });
    }
    let c = &def.characteristics;
    ReportData {
        component: Component {
            evse: def.component.evse.map(|id| Evse {
                id: i32::from(id),
                connector_id: def.component.connector.map(i32::from),
            }),
            name: BoundedString::truncated(def.component.name),
            instance: def.component.instance.map(BoundedString::truncated),
        },
        variable: Variable {
            name: BoundedString::truncated(def.variable.name),
            instance: def.variable.instance.map(BoundedString::truncated),
        },
        variable_attribute: attributes,
        variable_characteristics: Some(VariableCharacteristics {
            unit: c.unit.map(BoundedString::truncated),
            data_type: c.data_type,
            min_limit: c.min_limit.and_then(Decimal3::from_milli),
            max_limit: c.max_limit.and_then(Decimal3::from_milli),
            values_list: c.values_list.map(BoundedString::truncated),
            supports_monitoring: c.supports_monitoring,
        }),
    }
}

impl<const N: usize, const L: usize> DeviceModel<'_, N, L> {
    /// Answers a GetBaseReportRequest: Accepted with a cursor for the NotifyReport.req messages
    /// to send after the response, or EmptyResultSet (no variable matches) without one.
    pub fn get_base_report(
        &self,
        req: &GetBaseReportRequest,
    ) -> (GetBaseReportResponse, Option<ReportCursor>) {
        let any = (0..self.len()).any(|i| {
            self.def(i)
                .is_some_and(|d| in_report(self, req.report_base, i, d))
        });
        if !any {
            let resp = GetBaseReportResponse {
                status: GenericDeviceModelStatusEnum::EmptyResultSet,
                status_info: None,
            };
            return (resp, None);
        }
        let cursor = ReportCursor {
            request_id: req.request_id,
            base: req.report_base,
            next: 0,
            seq_no: 0,
            done: false,
        };
        let resp = GetBaseReportResponse {
            status: GenericDeviceModelStatusEnum::Accepted,
            status_info: None,
        };
        (resp, Some(cursor))
    }
}

impl ReportCursor {
    /// The request's `requestId`.
    pub const fn request_id(&self) -> i32 {
        self.request_id
    }

    /// Whether every message has been produced.
    pub const fn is_done(&self) -> bool {
        self.done
    }

    /// The next NotifyReportRequest: up to `ItemsPerMessage[GetReport]` items (and at most
    /// `limits::REPORT_ITEMS_PER_MESSAGE`), `seqNo` from 0, `tbc` true while more follow;
    /// `None` once the last one (with `tbc` false) has been produced. The model must be the
    /// one the report started on (the same tables).
    pub fn next_message<const N: usize, const L: usize>(
        &mut self,
        model: &DeviceModel<'_, N, L>,
        generated_at: DateTime,
    ) -> Option<NotifyReportRequest> {
        if self.done {
            return None;
        }
        let per_message = model
            .items_per_message(MessageKind::GetReport)
            .min(REPORT_ITEMS_PER_MESSAGE);
        let mut items: List<ReportData, REPORT_ITEMS_PER_MESSAGE> = List::new();
        let mut i = usize::from(self.next);
        while i < model.len() && items.len() < per_message {
            let def = model.def(i).filter(|d| in_report(model, self.base, i, d));
            if let Some(def) = def {
                if items.push(report_data(model, i, def)).is_err() {
                    break;
                }
            }
            i += 1;
        }
        self.next = u16::try_from(i).unwrap_or(u16::MAX);
        let more = (i..model.len()).any(|j| {
            model
                .def(j)
                .is_some_and(|d| in_report(model, self.base, j, d))
        });
        let msg = NotifyReportRequest {
            request_id: self.request_id,
            generated_at,
            report_data: if items.is_empty() { None } else { Some(items) },
            tbc: Some(more),
            seq_no: self.seq_no,
        };
        self.seq_no = self.seq_no.saturating_add(1);
        self.done = !more;
        Some(msg)
    }
}
