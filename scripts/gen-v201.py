#!/usr/bin/env python3
"""Generates the OCPP 2.0.1 message types of ocpp-core (crates/ocpp-core/src/v201/{enums,
datatypes,messages,actions}.rs) from the official OCPP 2.0.1 JSON schemas, so that every field,
bound and enumeration string is the schema's.

    scripts/gen-v201.py [SCHEMA_DIR]          # writes the four files
    scripts/gen-v201.py --check [SCHEMA_DIR]  # fails if the committed files differ

SCHEMA_DIR defaults to $OCPP201_SCHEMA_DIR: the `ocpp/v201/schemas` folder of the PyPI `ocpp`
package (scripts/test sets it). No copy of the schemas is committed. The output goes through
rustfmt (the workspace's rustfmt.toml, edition 2024), so that `cargo fmt --check` and `--check`
agree.

What the schemas do not say is kept here, in three tables:
- DIRECTION and BLOCK: who sends each action's request, and its functional block (OCPP 2.0.1
  part 2's use-case chapters A to P);
- LIST_BOUNDS: the capacity of every list the schema leaves unbounded, or bounds more loosely
  than a charging station needs, as a constant of crates/ocpp-core/src/limits.rs (where each is
  justified);
- DECIMAL_ONE_DIGIT: the `number` fields the schema describes as "Accepts at most one digit
  fraction" (types::Decimal); every other `number` is types::Decimal3.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/ocpp-core/src/v201")

CS, CSMS, BOTH = "CsToCsms", "CsmsToCs", "Both"

# Who sends the request (OCPP 2.0.1 part 2, each message's section; PublishFirmware and
# UnpublishFirmware go from the CSMS to a Local Controller, PublishFirmwareStatusNotification back:
# a charging station plays the Local Controller's part here).
DIRECTION = {
    "Authorize": CS, "BootNotification": CS, "CancelReservation": CSMS,
    "CertificateSigned": CSMS, "ChangeAvailability": CSMS, "ClearCache": CSMS,
    "ClearChargingProfile": CSMS, "ClearDisplayMessage": CSMS, "ClearVariableMonitoring": CSMS,
    "ClearedChargingLimit": CS, "CostUpdated": CSMS, "CustomerInformation": CSMS,
    "DataTransfer": BOTH, "DeleteCertificate": CSMS, "FirmwareStatusNotification": CS,
    "Get15118EVCertificate": CS, "GetBaseReport": CSMS, "GetCertificateStatus": CS,
    "GetChargingProfiles": CSMS, "GetCompositeSchedule": CSMS, "GetDisplayMessages": CSMS,
    "GetInstalledCertificateIds": CSMS, "GetLocalListVersion": CSMS, "GetLog": CSMS,
    "GetMonitoringReport": CSMS, "GetReport": CSMS, "GetTransactionStatus": CSMS,
    "GetVariables": CSMS, "Heartbeat": CS, "InstallCertificate": CSMS,
    "LogStatusNotification": CS, "MeterValues": CS, "NotifyChargingLimit": CS,
    "NotifyCustomerInformation": CS, "NotifyDisplayMessages": CS, "NotifyEVChargingNeeds": CS,
    "NotifyEVChargingSchedule": CS, "NotifyEvent": CS, "NotifyMonitoringReport": CS,
    "NotifyReport": CS, "PublishFirmware": CSMS, "PublishFirmwareStatusNotification": CS,
    "ReportChargingProfiles": CS, "RequestStartTransaction": CSMS,
    "RequestStopTransaction": CSMS, "ReservationStatusUpdate": CS, "ReserveNow": CSMS,
    "Reset": CSMS, "SecurityEventNotification": CS, "SendLocalList": CSMS,
    "SetChargingProfile": CSMS, "SetDisplayMessage": CSMS, "SetMonitoringBase": CSMS,
    "SetMonitoringLevel": CSMS, "SetNetworkProfile": CSMS, "SetVariableMonitoring": CSMS,
    "SetVariables": CSMS, "SignCertificate": CS, "StatusNotification": CS,
    "TransactionEvent": CS, "TriggerMessage": CSMS, "UnlockConnector": CSMS,
    "UnpublishFirmware": CSMS, "UpdateFirmware": CSMS,
}

# The functional block (part 2's chapter) of each action.
BLOCK = {
    "Security": ["CertificateSigned", "SecurityEventNotification", "SignCertificate"],
    "Provisioning": ["BootNotification", "GetBaseReport", "GetReport", "GetVariables",
                     "NotifyReport", "Reset", "SetNetworkProfile", "SetVariables"],
    "Authorization": ["Authorize", "ClearCache"],
    "LocalAuthorizationListManagement": ["GetLocalListVersion", "SendLocalList"],
    "Transactions": ["GetTransactionStatus", "TransactionEvent"],
    "RemoteControl": ["RequestStartTransaction", "RequestStopTransaction", "TriggerMessage",
                      "UnlockConnector"],
    "Availability": ["ChangeAvailability", "Heartbeat", "StatusNotification"],
    "Reservation": ["CancelReservation", "ReservationStatusUpdate", "ReserveNow"],
    "TariffAndCost": ["CostUpdated"],
    "MeterValues": ["MeterValues"],
    "SmartCharging": ["ClearChargingProfile", "ClearedChargingLimit", "GetChargingProfiles",
                      "GetCompositeSchedule", "NotifyChargingLimit", "NotifyEVChargingNeeds",
                      "NotifyEVChargingSchedule", "ReportChargingProfiles",
                      "SetChargingProfile"],
    "FirmwareManagement": ["FirmwareStatusNotification", "PublishFirmware",
                           "PublishFirmwareStatusNotification", "UnpublishFirmware",
                           "UpdateFirmware"],
    "CertificateManagement": ["DeleteCertificate", "Get15118EVCertificate",
                              "GetCertificateStatus", "GetInstalledCertificateIds",
                              "InstallCertificate"],
    "Diagnostics": ["ClearVariableMonitoring", "CustomerInformation", "GetLog",
                    "GetMonitoringReport", "LogStatusNotification", "NotifyCustomerInformation",
                    "NotifyEvent", "NotifyMonitoringReport", "SetMonitoringBase",
                    "SetMonitoringLevel", "SetVariableMonitoring"],
    "DisplayMessage": ["ClearDisplayMessage", "GetDisplayMessages", "NotifyDisplayMessages",
                       "SetDisplayMessage"],
    "DataTransfer": ["DataTransfer"],
}
BLOCK_OF = {a: b for b, actions in BLOCK.items() for a in actions}

# (schema class, list member) -> the limits.rs constant that bounds it. Every list of the
# schemas without maxItems must be here (the generator stops otherwise); a list with maxItems
# may be here to bound it lower.
LIST_BOUNDS = {
    ("IdTokenType", "additionalInfo"): "ADDITIONAL_INFOS",
    ("IdTokenInfoType", "evseId"): "MAX_EVSES",
    ("ClearVariableMonitoringRequest", "id"): "MONITORS_PER_MESSAGE",
    ("ClearVariableMonitoringResponse", "clearMonitoringResult"): "MONITORS_PER_MESSAGE",
    ("SetVariableMonitoringRequest", "setMonitoringData"): "MONITORS_PER_MESSAGE",
    ("SetVariableMonitoringResponse", "setMonitoringResult"): "MONITORS_PER_MESSAGE",
    ("ChargingProfileCriterionType", "chargingProfileId"): "MAX_CHARGING_PROFILES_INSTALLED",
    ("CompositeScheduleType", "chargingSchedulePeriod"): "CHARGING_SCHEDULE_MAX_PERIODS",
    ("ChargingScheduleType", "chargingSchedulePeriod"): "CHARGING_SCHEDULE_MAX_PERIODS",
    ("SalesTariffType", "salesTariffEntry"): "SALES_TARIFF_ENTRIES",
    ("GetDisplayMessagesRequest", "id"): "DISPLAY_MESSAGES",
    ("NotifyDisplayMessagesRequest", "messageInfo"): "DISPLAY_MESSAGES",
    ("GetInstalledCertificateIdsRequest", "certificateType"): "CERTIFICATE_ID_USES",
    ("GetInstalledCertificateIdsResponse", "certificateHashDataChain"):
        "MAX_INSTALLED_CERTIFICATES",
    ("GetMonitoringReportRequest", "componentVariable"): "COMPONENT_VARIABLES_PER_MESSAGE",
    ("GetReportRequest", "componentVariable"): "COMPONENT_VARIABLES_PER_MESSAGE",
    ("GetVariablesRequest", "getVariableData"): "VARIABLES_PER_MESSAGE",
    ("GetVariablesResponse", "getVariableResult"): "VARIABLES_PER_MESSAGE",
    ("SetVariablesRequest", "setVariableData"): "VARIABLES_PER_MESSAGE",
    ("SetVariablesResponse", "setVariableResult"): "VARIABLES_PER_MESSAGE",
    ("MeterValuesRequest", "meterValue"): "METER_VALUES_PER_MESSAGE",
    ("TransactionEventRequest", "meterValue"): "METER_VALUES_PER_MESSAGE",
    ("MeterValueType", "sampledValue"): "SAMPLED_VALUES_PER_METER_VALUE",
    ("NotifyChargingLimitRequest", "chargingSchedule"): "CHARGING_SCHEDULES_PER_PROFILE",
    ("ChargingProfileType", "chargingSchedule"): "CHARGING_SCHEDULES_PER_PROFILE",
    ("NotifyEventRequest", "eventData"): "EVENTS_PER_MESSAGE",
    ("NotifyMonitoringReportRequest", "monitor"): "MONITORING_REPORT_ITEMS",
    ("MonitoringDataType", "variableMonitoring"): "MONITORS_PER_VARIABLE",
    ("NotifyReportRequest", "reportData"): "REPORT_ITEMS_PER_MESSAGE",
    ("PublishFirmwareStatusNotificationRequest", "location"): "PUBLISH_LOCATIONS",
    ("ReportChargingProfilesRequest", "chargingProfile"): "MAX_CHARGING_PROFILES_INSTALLED",
    ("SendLocalListRequest", "localAuthorizationList"): "LOCAL_LIST_ENTRIES_PER_MESSAGE",
}

# (schema class, string member) -> the limits.rs constant that bounds it below the schema's
# maxLength (justified there).
STRING_BOUNDS = {
    ("SignedMeterValueType", "signedMeterData"): "SIGNED_METER_DATA_MAX_LEN",
    ("SignedMeterValueType", "publicKey"): "METER_PUBLIC_KEY_MAX_LEN",
}

# `number` members with one fraction digit (the schema: "Accepts at most one digit fraction").
DECIMAL_ONE_DIGIT = {
    ("ChargingSchedulePeriodType", "limit"),
    ("ChargingScheduleType", "minChargingRate"),
}

# Members of no type ("anyType": any JSON value), kept as their JSON text (types::RawJson).
ANY_JSON = {
    ("DataTransferRequest", "data"): "DATA_TRANSFER_DATA_MAX_LEN",
    ("DataTransferResponse", "data"): "DATA_TRANSFER_DATA_MAX_LEN",
}

RUST_KEYWORDS = {
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
}

# Names the v201 module defines itself; a schema class must not take one.
RESERVED = {"Action", "Request", "Response", "Direction", "FunctionalBlock", "OcppRequest",
            "CallDecodeError", "DateTime", "Decimal", "Decimal3", "List", "BoundedString"}


def words(name):
    """Splits an identifier or an enumeration string into words: at non-alphanumerics, at a
    lower-case letter or digit followed by a capital, and before the last capital of a run of
    capitals followed by a lower-case letter (`OCSPRequest` -> OCSP, Request)."""
    out = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        out += re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*", part)
    return [w for w in out if w]


def camel(name):
    """UpperCamelCase with acronyms as words (`EVSE` -> `Evse`, `ISO15118` -> `Iso15118`)."""
    out = "".join(w[0].upper() + w[1:].lower() for w in words(name))
    if not out or out[0].isdigit():
        out = "V" + out
    return out


def snake(name):
    return "_".join(w.lower() for w in words(name))


def serde_camel(snake_name):
    """What serde's `rename_all = "camelCase"` makes of a snake_case field name."""
    out, up = "", False
    for c in snake_name:
        if c == "_":
            up = True
        else:
            out += c.upper() if up else c
            up = False
    return out


JAVA_TYPES = {}


def class_name(schema_name):
    """The Rust name of a schema class: its `javaType` (the name OCA's generator gave it:
    `BootReasonEnum`, `ChargingStation`), acronyms as words (`EVSE` -> `Evse`)."""
    return camel(JAVA_TYPES[schema_name])


def doc_lines(text, indent=""):
    """The schema's description as doc comment lines: the class path and urn lines left out,
    AsciiDoc cross references reduced to their text, Markdown-sensitive characters escaped, one
    paragraph per line of the schema."""
    if not text:
        return []
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = re.sub(r"<<[^,>]*,\s*`?([^>`]*)`?>>", r"\1", text)
    text = re.sub(r"<<([^>]*)>>", r"\1", text)
    lines = [l.strip() for l in re.split(r"\r?\n", text)]
    keep = []
    for i, l in enumerate(lines):
        if not l or l.startswith("urn:"):
            continue
        nxt = next((m for m in lines[i + 1:] if m), "")
        if nxt.startswith("urn:"):
            continue  # the class path before a urn ("Charging_ Station. Model. CI20_ Text")
        keep.append(l)
    paragraphs = []
    for l in keep:
        if paragraphs and not re.match(r"^([-*•]|\d+\.|NOTE)", l):
            paragraphs[-1] += " " + l
        else:
            paragraphs.append(l)
    out = []
    for l in paragraphs:
        l = re.sub(r"([\[\]<>*_`#|\\])", r"\\\1", l)
        l = re.sub(r"^(\d+)\.", r"\1\\.", l)
        l = re.sub(r"^([-+])", r"\\\1", l)
        l = l.replace("http://", "http\\://").replace("https://", "https\\://")
        if out:
            out.append(indent + "///")
        out.append(f"{indent}/// {l}".rstrip())
    return out


class Gen:
    def __init__(self, schema_dir):
        self.dir = schema_dir
        self.defs = {}  # schema name -> definition
        self.actions = []
        self.messages = {}  # message name -> schema
        files = sorted(f for f in os.listdir(schema_dir) if f.endswith(".json"))
        for f in files:
            with open(os.path.join(schema_dir, f), encoding="utf-8") as fh:
                s = json.load(fh)
            name = f[:-5]
            self.messages[name] = s
            for d, dv in s.get("definitions", {}).items():
                if d == "CustomDataType":
                    continue
                prev = self.defs.get(d)
                if prev is not None and strip_desc(prev) != strip_desc(dv):
                    sys.exit(f"definition {d} differs between schemas")
                self.defs.setdefault(d, dv)
                JAVA_TYPES[d] = dv["javaType"]
            if name.endswith("Request"):
                self.actions.append(name[: -len("Request")])
        for a in self.actions:
            if a + "Response" not in self.messages:
                sys.exit(f"no response schema for {a}")
            if a not in DIRECTION or a not in BLOCK_OF:
                sys.exit(f"{a}: not in DIRECTION or BLOCK")
        for a in DIRECTION:
            if a not in self.actions:
                sys.exit(f"{a}: no schema")
        self.enums = {d: v for d, v in self.defs.items() if "enum" in v}
        self.classes = {d: v for d, v in self.defs.items() if v.get("type") == "object"}
        names = {}
        for d in list(self.enums) + list(self.classes):
            n = class_name(d)
            if n in names or n in RESERVED or n.endswith("Request") or n.endswith("Response"):
                sys.exit(f"type name {n} of {d} collides")
            names[n] = d
        self.used_bounds = set()
        self.used_limits = set()

    def rust_type(self, owner, member, prop):
        if "$ref" in prop:
            ref = prop["$ref"].split("/")[-1]
            if ref == "CustomDataType":
                raise ValueError("customData is not a field")
            return class_name(ref)
        t = prop.get("type")
        if t is None and (owner, member) in ANY_JSON:
            return f"RawJson<{ANY_JSON[(owner, member)]}>"
        if t == "string":
            if prop.get("format") == "date-time":
                return "DateTime"
            if "maxLength" not in prop:
                sys.exit(f"{owner}.{member}: string without maxLength")
            if (owner, member) in STRING_BOUNDS:
                self.used_bounds.add((owner, member))
                return f"BoundedString<{STRING_BOUNDS[(owner, member)]}>"
            return f"BoundedString<{prop['maxLength']}>"
        if t == "integer":
            return "u32" if prop.get("minimum") == 0 else "i32"
        if t == "number":
            return "Decimal" if (owner, member) in DECIMAL_ONE_DIGIT else "Decimal3"
        if t == "boolean":
            return "bool"
        if t == "array":
            item = self.rust_type(owner, member, prop["items"])
            key = (owner, member)
            if key in LIST_BOUNDS:
                self.used_bounds.add(key)
                self.used_limits.add(LIST_BOUNDS[key])
                bound = LIST_BOUNDS[key]
            elif "maxItems" in prop:
                bound = str(prop["maxItems"])
            else:
                sys.exit(f"{owner}.{member}: list without maxItems and not in LIST_BOUNDS")
            return f"List<{item}, {bound}>"
        sys.exit(f"{owner}.{member}: unhandled type {prop}")

    def struct(self, owner, schema, rust_name, doc):
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = []
        for member, prop in props.items():
            if member == "customData":
                continue
            ty = self.rust_type(owner, member, prop)
            fname = snake(member)
            rename = None
            if serde_camel(fname) != member:
                rename = member
            if fname in RUST_KEYWORDS:
                fname = "r#" + fname
            optional = member not in required
            fields.append((member, fname, ty, optional, rename, prop))
        all_optional = all(f[3] for f in fields)
        out = []
        out += doc
        derives = "Debug, Clone, PartialEq, Eq, Serialize, Deserialize"
        if all_optional:
            derives = "Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize"
        out.append(f"#[derive({derives})]")
        out.append('#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]')
        out.append('#[serde(rename = "$ocpp::CustomData", rename_all = "camelCase")]')
        if not fields:
            out.append(f"pub struct {rust_name} {{}}")
            return out
        out.append(f"pub struct {rust_name} {{")
        for member, fname, ty, optional, rename, prop in fields:
            d = doc_lines(prop.get("description", ""), "    ")
            if not d:
                d = [f"    /// `{member}`."]
            out += d
            if rename:
                out.append(f'    #[serde(rename = "{rename}")]')
            if optional:
                out.append('    #[serde(skip_serializing_if = "Option::is_none")]')
                ty = f"Option<{ty}>"
            out.append(f"    pub {fname}: {ty},")
        out.append("}")
        return out

    def header(self, what):
        return [
            f"//! {what}",
            "//!",
            "//! Generated by scripts/gen-v201.py from the official OCPP 2.0.1 JSON schemas: do not edit;",
            "//! change the generator and run it again.",
            "",
        ]

    def gen_enums(self):
        out = self.header("Every enumeration of the OCPP 2.0.1 schemas, with the schema's exact strings.")
        out += ["use crate::wire::string_enum;", ""]
        for d in sorted(self.enums, key=class_name):
            v = self.enums[d]
            variants = []
            seen = set()
            for wire in v["enum"]:
                n = camel(wire)
                if n in seen:
                    sys.exit(f"{d}: two values named {n}")
                seen.add(n)
                variants.append((n, wire))
            out.append("string_enum! {")
            doc = doc_lines(v.get("description", ""), "    ")
            out += [f"    /// `{d}`."] + (["    ///"] + doc if doc else [])
            out.append(f"    pub enum {class_name(d)} {{")
            for n, wire in variants:
                out.append(f'        {n} = "{wire}",')
            out.append("    }")
            out.append("}")
            out.append("")
        return out

    def uses(self, body):
        text = "\n".join(body)
        imports = []
        if "Serialize" in text:
            imports.append("use serde::{Deserialize, Serialize};")
            imports.append("")
        types = [t for t in ["BoundedString", "DateTime", "Decimal", "Decimal3", "List", "RawJson"]
                 if re.search(r"\b" + t + r"\b", text)]
        limits = sorted(set(re.findall(r"(?:List<.*?, |RawJson<|BoundedString<)([A-Z_]+)>", text)))
        if limits:
            imports.append("use crate::limits::{" + ", ".join(limits) + "};")
        if types:
            imports.append("use crate::types::{" + ", ".join(types) + "};")
        return imports

    def gen_datatypes(self):
        body = []
        for d in sorted(self.classes, key=class_name):
            v = self.classes[d]
            doc = [f"/// `{d}`."]
            extra = doc_lines(v.get("description", ""))
            if extra:
                doc += ["///"] + extra
            body += self.struct(d, v, class_name(d), doc)
            body.append("")
        out = self.header("Every class (`...Type`) of the OCPP 2.0.1 schemas but `CustomDataType`.")
        out += self.uses(body) + ["", "#[allow(clippy::wildcard_imports)]", "use super::enums::*;", ""] + body
        return out

    def gen_messages(self):
        body = []
        for a in self.actions:
            for kind in ("Request", "Response"):
                name = a + kind
                s = self.messages[name]
                arrow = {CS: "charging station -> CSMS", CSMS: "CSMS -> charging station",
                         BOTH: "either way"}[DIRECTION[a]]
                if kind == "Response":
                    arrow = "the answer to " + a + "Request"
                doc = [f"/// `{name}` ({arrow})."]
                extra = doc_lines(s.get("description", ""))
                if extra:
                    doc += ["///"] + extra
                body += self.struct(name, s, name, doc)
                body.append("")
        out = self.header("The request and the response of every OCPP 2.0.1 action.")
        out += self.uses(body) + [
            "",
            "#[allow(clippy::wildcard_imports)]",
            "use super::datatypes::*;",
            "#[allow(clippy::wildcard_imports)]",
            "use super::enums::*;",
            "",
        ] + body
        return out

    def gen_actions(self):
        out = self.header("The OCPP 2.0.1 actions: request and response types, functional block, direction.")
        out += [
            "use super::Direction::{self, Both, CsToCsms, CsmsToCs};",
            "use super::macros::{actions, incoming};",
            "use super::{FunctionalBlock, OcppRequest};",
            "use crate::json::{self, DecodeOptions};",
            "use crate::wire::wire_index;",
            "#[allow(clippy::wildcard_imports)]",
            "use super::messages::*;",
            "",
            "actions! {",
        ]
        for a in self.actions:
            out.append(f"    /// {a} ({BLOCK_OF[a]}).")
            out.append(f"    {a}({a}Request, {a}Response): {BLOCK_OF[a]}, {DIRECTION[a]};")
        out.append("}")
        out.append("")
        out.append("incoming! {")
        out.append("    requests {")
        out += [f"        {a}({a}Request)," for a in self.actions if DIRECTION[a] != CS]
        out.append("    }")
        out.append("    responses {")
        out += [f"        {a}({a}Response)," for a in self.actions if DIRECTION[a] != CSMS]
        out.append("    }")
        out.append("}")
        return out

    def files(self):
        files = {
            "enums.rs": self.gen_enums(),
            "datatypes.rs": self.gen_datatypes(),
            "messages.rs": self.gen_messages(),
            "actions.rs": self.gen_actions(),
        }
        unused = (set(LIST_BOUNDS) | set(STRING_BOUNDS)) - self.used_bounds
        if unused:
            sys.exit(f"LIST_BOUNDS entries no schema has: {sorted(unused)}")
        return {k: rustfmt("\n".join(v) + "\n") for k, v in files.items()}


def strip_desc(o):
    if isinstance(o, dict):
        return {k: strip_desc(v) for k, v in o.items() if k != "description"}
    if isinstance(o, list):
        return [strip_desc(x) for x in o]
    return o


def rustfmt(text):
    p = subprocess.run(
        ["rustfmt", "--edition", "2024", "--emit", "stdout"],
        input=text.encode(), capture_output=True, cwd=ROOT,
    )
    if p.returncode != 0:
        sys.stderr.write(text)
        sys.exit("rustfmt failed:\n" + p.stderr.decode())
    return p.stdout.decode()


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    schema_dir = args[0] if args else os.environ.get("OCPP201_SCHEMA_DIR")
    if not schema_dir or not os.path.isfile(os.path.join(schema_dir, "BootNotificationRequest.json")):
        sys.exit("no OCPP 2.0.1 schemas: pass their folder or set OCPP201_SCHEMA_DIR")
    files = Gen(schema_dir).files()
    stale = []
    for name, text in files.items():
        path = os.path.join(OUT, name)
        if check:
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if old != text:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
    if stale:
        sys.exit("crates/ocpp-core/src/v201: not what scripts/gen-v201.py generates from the "
                 f"schemas: {', '.join(stale)} (run scripts/gen-v201.py)")
    if check:
        print(f"v201 sources match the {len(files)} generated files")


if __name__ == "__main__":
    main()
