//! GetBaseReport (B07): which variables a base report holds, and a cursor that fills one
//! NotifyReportRequest at a time, so that no report is ever held whole in RAM.

use super::types::{Persistence, VariableDef};
use super::{DeviceModel, MessageKind};
use crate::json::{self, EncodeError};
use crate::limits::REPORT_ITEMS_PER_MESSAGE;
use crate::types::{BoundedString, DateTime, Decimal3, List};
use crate::v201::{
    AttributeEnum, Component, ComponentCriterionEnum, ComponentVariable, Evse,
    GenericDeviceModelStatusEnum, GetBaseReportRequest, GetBaseReportResponse, GetReportRequest,
    GetReportResponse, MutabilityEnum, NotifyReportRequest, ReportBaseEnum, ReportData, StatusInfo,
    Variable, VariableAttribute, VariableCharacteristics,
};

/// The definitions a GetReport.req selects are kept as a bitset of this many definitions
/// (32 bytes); a model with more definitions answers a GetReport.req with criteria `Rejected`
/// (reason `TooManyElements`). The standard table has 72.
pub const REPORT_SELECTION_MAX: usize = 256;

/// Which definitions a report holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// A base report (GetBaseReport.req).
    Base(ReportBaseEnum),
    /// The definitions a GetReport.req selected, one bit each.
    Selection([u64; REPORT_SELECTION_MAX / 64]),
}

/// Where a report is: what it holds, the next definition to look at and the next `seqNo`
/// (56 bytes on the host); the station keeps it between NotifyReport.req messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCursor {
    request_id: i32,
    filter: Filter,
    next: u16,
    seq_no: i32,
    done: bool,
}

fn selected(filter: &Filter, index: usize) -> Option<bool> {
    match filter {
        Filter::Base(_) => None,
        Filter::Selection(bits) => Some(
            bits.get(index / 64)
                .is_some_and(|word| word & (1u64 << (index % 64)) != 0),
        ),
    }
}

/// Whether a GetReport.req `componentVariable` names a definition (B08.FR.22-25 of the
/// edition 2 errata: an absent instance, EVSE id or connector id matches every one, including
/// none; an absent variable every variable of the component).
fn component_variable_matches(def: &VariableDef, cv: &ComponentVariable) -> bool {
    let c = &cv.component;
    if !def.component.name.eq_ignore_ascii_case(c.name.as_str()) {
        return false;
    }
    if let Some(instance) = &c.instance {
        if !def
            .component
            .instance
            .is_some_and(|i| i.eq_ignore_ascii_case(instance.as_str()))
        {
            return false;
        }
    }
    if let Some(evse) = &c.evse {
        if def.component.evse.map(i32::from) != Some(evse.id) {
            return false;
        }
        if let Some(connector) = evse.connector_id {
            if def.component.connector.map(i32::from) != Some(connector) {
                return false;
            }
        }
    }
    match &cv.variable {
        None => true,
        Some(v) => {
            def.variable.name.eq_ignore_ascii_case(v.name.as_str())
                && v.instance.as_ref().is_none_or(|i| {
                    def.variable
                        .instance
                        .is_some_and(|d| d.eq_ignore_ascii_case(i.as_str()))
                })
        }
    }
}

/// Whether a definition's component meets a criterion: it has a variable of the criterion's
/// name (`Active`, `Available`, `Enabled`, `Problem`) whose Actual value is `true`.
fn meets<const N: usize, const L: usize>(
    model: &DeviceModel<'_, N, L>,
    def: &VariableDef,
    criterion: ComponentCriterionEnum,
) -> bool {
    (0..model.len()).any(|j| {
        model.def(j).is_some_and(|d| {
            d.component == def.component
                && d.variable.instance.is_none()
                && d.variable.name == criterion.as_str()
                && model.value(j, AttributeEnum::Actual) == Some("true")
        })
    })
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
    filter: &Filter,
    index: usize,
    def: &VariableDef,
) -> bool {
    let base = match filter {
        Filter::Base(base) => *base,
        Filter::Selection(_) => return selected(filter, index).unwrap_or(false),
    };
    match base {
        ReportBaseEnum::FullInventory => true,
        ReportBaseEnum::ConfigurationInventory => def.is_configurable(),
        ReportBaseEnum::SummaryInventory => {
            def.variable.name.eq_ignore_ascii_case("AvailabilityState")
                || (def.variable.name.eq_ignore_ascii_case("Problem")
                    && model.value(index, AttributeEnum::Actual) == Some("true"))
        }
    }
}

fn report_data<const N: usize, const L: usize>(
    model: &DeviceModel<'_, N, L>,
    index: usize,
    def: &VariableDef,
) -> ReportData {
    let mut attributes = List::new();
    for (kind, attr) in def.attributes() {
        let value = if attr.mutability == MutabilityEnum::WriteOnly {
            None
        } else {
            model.value(index, kind).map(BoundedString::truncated)
        };
        // Four places: full only for a table naming an attribute twice, which `new` refuses.
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
                .is_some_and(|d| in_report(self, &Filter::Base(req.report_base), i, d))
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
            filter: Filter::Base(req.report_base),
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

impl<const N: usize, const L: usize> DeviceModel<'_, N, L> {
    /// Answers a GetReportRequest (B08): the definitions its `componentVariable` entries name
    /// (all when absent) whose component meets one of its `componentCriteria` (any when
    /// absent). Accepted with a cursor, EmptyResultSet when nothing matches, Rejected
    /// (`TooManyElements`) when the model has more than [`REPORT_SELECTION_MAX`] definitions.
    pub fn get_report(&self, req: &GetReportRequest) -> (GetReportResponse, Option<ReportCursor>) {
        let answer = |status, code: Option<&str>| GetReportResponse {
            status,
            status_info: code.map(|c| StatusInfo {
                reason_code: BoundedString::truncated(c),
                additional_info: None,
            }),
        };
        if self.len() > REPORT_SELECTION_MAX {
            let resp = answer(
                GenericDeviceModelStatusEnum::Rejected,
                Some("TooManyElements"),
            );
            return (resp, None);
        }
        let mut bits = [0u64; REPORT_SELECTION_MAX / 64];
        let mut any = false;
        for i in 0..self.len() {
            let Some(def) = self.def(i) else { continue };
            let named = req
                .component_variable
                .as_ref()
                .is_none_or(|cvs| cvs.iter().any(|cv| component_variable_matches(def, cv)));
            let meets_criteria = req
                .component_criteria
                .as_ref()
                .is_none_or(|cs| cs.iter().any(|c| meets(self, def, *c)));
            if named && meets_criteria {
                if let Some(word) = bits.get_mut(i / 64) {
                    *word |= 1u64 << (i % 64);
                    any = true;
                }
            }
        }
        if !any {
            return (
                answer(GenericDeviceModelStatusEnum::EmptyResultSet, None),
                None,
            );
        }
        let cursor = ReportCursor {
            request_id: req.request_id,
            filter: Filter::Selection(bits),
            next: 0,
            seq_no: 0,
            done: false,
        };
        (
            answer(GenericDeviceModelStatusEnum::Accepted, None),
            Some(cursor),
        )
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

    /// Builds the message of up to `max_items` items from where the cursor is, without moving
    /// it; returns the message and the definition index after its last item.
    fn build<const N: usize, const L: usize>(
        &self,
        model: &DeviceModel<'_, N, L>,
        generated_at: DateTime,
        max_items: usize,
    ) -> (NotifyReportRequest, usize) {
        let mut items: List<ReportData, REPORT_ITEMS_PER_MESSAGE> = List::new();
        let mut i = usize::from(self.next);
        while i < model.len() && items.len() < max_items {
            let def = model
                .def(i)
                .filter(|d| in_report(model, &self.filter, i, d));
            if let Some(def) = def {
                if items.push(report_data(model, i, def)).is_err() {
                    break;
                }
            }
            i += 1;
        }
        let more = (i..model.len()).any(|j| {
            model
                .def(j)
                .is_some_and(|d| in_report(model, &self.filter, j, d))
        });
        let msg = NotifyReportRequest {
            request_id: self.request_id,
            generated_at,
            report_data: if items.is_empty() { None } else { Some(items) },
            tbc: Some(more),
            seq_no: self.seq_no,
        };
        (msg, i)
    }

    /// Moves past a message built by [`ReportCursor::build`].
    fn advance(&mut self, next: usize, more: bool) {
        self.next = u16::try_from(next).unwrap_or(u16::MAX);
        self.seq_no = self.seq_no.saturating_add(1);
        self.done = !more;
    }

    /// The next NotifyReportRequest: up to `ItemsPerMessage[GetReport]` items (and at most
    /// `limits::REPORT_ITEMS_PER_MESSAGE`), `seqNo` from 0, `tbc` true while more follow;
    /// `None` once the last one (with `tbc` false) has been produced. The model must be the
    /// one the report started on (the same tables). `BytesPerMessage[GetReport]` is not
    /// checked: see [`ReportCursor::next_payload`].
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
        let (msg, next) = self.build(model, generated_at, per_message);
        self.advance(next, msg.tbc == Some(true));
        Some(msg)
    }

    /// Writes the next NotifyReportRequest's payload (JSON) into `buf`, with as many items (up
    /// to `ItemsPerMessage[GetReport]`) as fit in `BytesPerMessage[GetReport]` and in `buf`;
    /// returns its length, `None` once the report is complete. When not even one item fits,
    /// that item is skipped (the cursor moves past it, so the report goes on; nothing is to be
    /// sent for this call and the seqNo is not used) and the answer is
    /// `Some(Err(EncodeError::BufferFull))`.
    pub fn next_payload<const N: usize, const L: usize>(
        &mut self,
        model: &DeviceModel<'_, N, L>,
        generated_at: DateTime,
        buf: &mut [u8],
    ) -> Option<Result<usize, EncodeError>> {
        if self.done {
            return None;
        }
        let limit = model
            .bytes_per_message(MessageKind::GetReport)
            .map_or(buf.len(), |b| b.min(buf.len()));
        let per_message = model
            .items_per_message(MessageKind::GetReport)
            .min(REPORT_ITEMS_PER_MESSAGE);
        for items in (1..=per_message).rev() {
            let (msg, next) = self.build(model, generated_at, items);
            let fits = buf
                .get_mut(..limit)
                .and_then(|b| json::to_slice(&msg, b).ok());
            if let Some(n) = fits {
                self.advance(next, msg.tbc == Some(true));
                return Some(Ok(n));
            }
        }
        // Skip the item that does not fit; the seqNo stays, and when it was the last item the
        // next call sends an empty closing message (`tbc` false).
        let (_, next) = self.build(model, generated_at, 1);
        self.next = u16::try_from(next).unwrap_or(u16::MAX);
        Some(Err(EncodeError::BufferFull))
    }
}
