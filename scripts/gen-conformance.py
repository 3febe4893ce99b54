#!/usr/bin/env python3
"""Regenerates docs/conformance.md from the test sources: every OCPP 1.6 operation and
configuration key, and every OCPP 2.0.1 message, with the tests that mention it. Run from the
repository root."""
import importlib.util
import os
import re

RUST = [
    "crates/ocpp-core/tests/charge_point.rs",
    "crates/ocpp-core/tests/profiles.rs",
    "crates/ocpp-core/tests/metering.rs",
]
# The security extension's scenario tests (security whitepaper edition 2).
SECURITY_RUST = [
    "crates/ocpp-core/tests/certificates.rs",
    "crates/ocpp-core/tests/security_events.rs",
]
PY = "tests/e2e/test_interop.py"
V201_TESTS = [
    "crates/ocpp-core/tests/v201_messages.rs",
    "crates/ocpp-core/tests/v201_properties.rs",
]
KEYS = os.path.join(os.path.dirname(os.path.abspath(".")), "shared/spec/config-keys-1.6.md")

OPS = [
    ("Core", "Authorize", "CP→CS", "§4.1"), ("Core", "BootNotification", "CP→CS", "§4.2"),
    ("Core", "ChangeAvailability", "CS→CP", "§5.2"), ("Core", "ChangeConfiguration", "CS→CP", "§5.3"),
    ("Core", "ClearCache", "CS→CP", "§5.4"), ("Core", "DataTransfer", "both", "§4.3, §5.6"),
    ("Core", "GetConfiguration", "CS→CP", "§5.8"), ("Core", "Heartbeat", "CP→CS", "§4.6"),
    ("Core", "MeterValues", "CP→CS", "§4.7"), ("Core", "RemoteStartTransaction", "CS→CP", "§5.11"),
    ("Core", "RemoteStopTransaction", "CS→CP", "§5.12"), ("Core", "Reset", "CS→CP", "§5.14"),
    ("Core", "StartTransaction", "CP→CS", "§4.8"), ("Core", "StatusNotification", "CP→CS", "§4.9"),
    ("Core", "StopTransaction", "CP→CS", "§4.10"), ("Core", "UnlockConnector", "CS→CP", "§5.18"),
    ("Firmware Management", "DiagnosticsStatusNotification", "CP→CS", "§4.4"),
    ("Firmware Management", "FirmwareStatusNotification", "CP→CS", "§4.5"),
    ("Firmware Management", "GetDiagnostics", "CS→CP", "§5.9"),
    ("Firmware Management", "UpdateFirmware", "CS→CP", "§5.19"),
    ("Local Auth List Management", "GetLocalListVersion", "CS→CP", "§5.10"),
    ("Local Auth List Management", "SendLocalList", "CS→CP", "§5.15"),
    ("Reservation", "CancelReservation", "CS→CP", "§5.1"), ("Reservation", "ReserveNow", "CS→CP", "§5.13"),
    ("Smart Charging", "ClearChargingProfile", "CS→CP", "§5.5"),
    ("Smart Charging", "GetCompositeSchedule", "CS→CP", "§5.7"),
    ("Smart Charging", "SetChargingProfile", "CS→CP", "§5.16"),
    ("Remote Trigger", "TriggerMessage", "CS→CP", "§5.17"),
]

# The security extension's operations: (operation, direction, white paper section, use cases,
# the certificates.rs helpers that send or answer it).
SECURITY_OPS = [
    ("CertificateSigned", "CS→CP", "§5.1", "A02, A03", r"\bcertificate_signed\("),
    ("DeleteCertificate", "CS→CP", "§5.3", "M04", r"\bdelete\("),
    ("ExtendedTriggerMessage", "CS→CP", "§5.5", "A02", r"\btrigger_csr\(|\bwith_accepted_csr\("),
    ("GetInstalledCertificateIds", "CS→CP", "§5.7", "M03", r"\binstalled_ids\("),
    ("InstallCertificate", "CS→CP", "§5.11", "M05", r"\binstall\(|\bwith_accepted_csr\("),
    ("SecurityEventNotification", "CP→CS", "§5.15", "A04", r"\bevents\("),
    ("SignCertificate", "CP→CS", "§5.17", "A02, A03", r"\btrigger_csr\(|\bwith_accepted_csr\("),
]
SECURITY_KEYS = [
    ("AdditionalRootCertificateCheck", "§7.1"), ("AuthorizationKey", "§7.2"),
    ("CertificateSignedMaxChainSize", "§7.3"), ("CertificateStoreMaxLength", "§7.4"),
    ("CpoName", "§7.5"), ("SecurityProfile", "§7.6"),
]


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def rust_tests(files):
    found = []
    for f in files:
        s = open(f).read()
        for m in re.finditer(r"#\[test\]\s*fn ([a-z0-9_]+)\(\)\s*\{(.*?)\n\}\n", s, re.S):
            found.append((m.group(1), m.group(2)))
    return found


def tests():
    rust, py = rust_tests(RUST), []
    s = open(PY).read()
    for m in re.finditer(r"\ndef (test_[a-z0-9_]+)\((.*?)(?=\ndef |\Z)", s, re.S):
        py.append((m.group(1), m.group(2)))
    return rust, py


def v201_tables():
    """The action table of scripts/gen-v201.py (direction and functional block of each action)."""
    spec = importlib.util.spec_from_file_location("gen_v201", "scripts/gen-v201.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def v201_section():
    gen = v201_tables()
    tests = []
    for f in V201_TESTS:
        s = open(f).read()
        for m in re.finditer(r"#\[test\]\s*fn ([a-z0-9_]+)\(\)\s*\{(.*?)\n\}\n", s, re.S):
            tests.append((os.path.basename(f), m.group(1), m.group(2)))
    every = [
        "every_example_round_trips_and_matches_the_official_schema",
        "every_example_round_trips_through_frames",
        "every_enumeration_value_of_the_schemas_round_trips",
        "every_string_bound_of_the_schemas_is_enforced",
        "every_required_member_is_required",
        "custom_data_is_accepted_and_ignored_everywhere",
        "arbitrary_messages_round_trip",
    ]
    names = {n for _, n, _ in tests}
    missing = [n for n in every if n not in names]
    if missing:
        raise SystemExit(f"tests named in gen-conformance.py not found: {missing}")
    arrow = {gen.CS: "CS→CSMS", gen.CSMS: "CSMS→CS", gen.BOTH: "both"}
    letters = "ABCDEFGHIJKLMNOP"
    block_letter = {b: letters[i] for i, b in enumerate(gen.BLOCK)}
    out = [
        "## OCPP 2.0.1 messages", "",
        "Every action of the official OCPP 2.0.1 JSON schemas (64), request and response, is typed in",
        "`ocpp_core::v201` (generated from the schemas by `scripts/gen-v201.py`; cargo feature `v201`).",
        "What the charging station does with them is the next step (issue 9's second part): this table",
        "lists the message types and their tests. Every message is covered by the tests of",
        "`crates/ocpp-core/tests/v201_messages.rs` and `v201_properties.rs` that run over all of them:",
        "", *[f"- `{n}`" for n in every], "",
        "The last column lists the tests that name the action besides those.", "",
        "| block | action | direction | request | response | tests naming it |",
        "|---|---|---|---|---|---|",
    ]
    for block, actions in gen.BLOCK.items():
        for a in sorted(actions):
            pat = re.compile(r"\b" + a + r"(Request|Response)?\b")
            named = [n for _, n, b in tests if pat.search(b) and n not in every]
            out.append(
                f"| {block_letter[block]}. {block} | {a} | {arrow[gen.DIRECTION[a]]} | "
                f"`{a}Request` | `{a}Response` | {cell(named, 4)} |"
            )
    out += [
        "", "OCPP-J 2.0.1 framing (part 4): subprotocol `ocpp2.0.1`, the twelve CALLERROR codes of table 8",
        "(`rpc::v201::ErrorCode`), `MessageTypeNotSupported` for message types other than 2, 3 and 4",
        "(§4.4), `RpcFrameworkError` with MessageId `-1` for an unreadable id (§4.2.3), errorDescription",
        "cut at 255 characters. Tests: "
        + cell([n for f, n, _ in tests if f == "v201_messages.rs" and n not in every
                and not n.startswith("every") and n not in ("sizes", "wire_form_uses_the_schema_names_and_strings")], 10)
        + ".", "",
    ]
    return out


def cell(names, limit):
    names = [f"`{n}`" for n in names]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more or "—"


# Security events (whitepaper chapter 8): who raises each one on a charge point of this stack.
SECURITY_EVENTS = [
    ("FirmwareUpdated", "core, after an installation (L01, UpdateFirmware and SignedUpdateFirmware)"),
    ("FailedToAuthenticateAtCentralSystem", "ocpp-tungstenite: HTTP 401/403, a refused TLS client certificate"),
    ("CentralSystemFailedToAuthenticate", "the integrator (`Input::SecurityEvent`)"),
    ("SettingSystemTime", "core, at the first clock setting and at jumps over 60 s"),
    ("StartupOfTheDevice", "core, at the first clock setting after a start"),
    ("ResetOrReboot", "core, at a Reset"),
    ("SecurityLogWasCleared", "the integrator if it clears the log (the core's log only rolls)"),
    ("ReconfigurationOfSecurityParameters", "core: SecurityProfile, AuthorizationKey changed; a profile fallback"),
    ("MemoryExhaustion", "the integrator (`Input::SecurityEvent`)"),
    ("InvalidMessages", "core, once per connection for an unreadable frame"),
    ("AttemptedReplayAttacks", "the integrator (`Input::SecurityEvent`)"),
    ("TamperDetectionActivated", "the integrator (`Input::SecurityEvent`)"),
    ("InvalidFirmwareSignature", "core (L01.FR.03)"),
    ("InvalidFirmwareSigningCertificate", "core (L01.FR.02)"),
    ("InvalidCentralSystemCertificate", "ocpp-tungstenite: the server certificate did not verify"),
    ("InvalidChargePointCertificate", "core: a refused CertificateSigned.req (A02.FR.07)"),
    ("InvalidTLSVersion", "ocpp-tungstenite"),
    ("InvalidTLSCipherSuite", "ocpp-tungstenite"),
]

EVENT_RUST = [
    "crates/ocpp-core/tests/security_events.rs", "crates/ocpp-core/tests/certificates.rs",
    "crates/ocpp-core/tests/signed_firmware.rs", "crates/ocpp-core/tests/logs.rs",
    "crates/ocpp-tungstenite/tests/security_events.rs",
]
EVENT_PY = ["tests/e2e/test_security.py", "tests/e2e/test_security_certificates.py",
            "tests/e2e/test_signed_firmware.py"]


def events_section():
    """Every security event type with who raises it and the tests that check it."""
    rust = rust_tests(EVENT_RUST)
    py = []
    for f in EVENT_PY:
        for m in re.finditer(r"\ndef (test_[a-z0-9_]+)\((.*?)(?=\ndef |\Z)", open(f).read(), re.S):
            py.append((m.group(1), m.group(2)))
    out = [
        "Every security event type of chapter 8, who raises it, and the tests that mention it (Rust:",
        "the core's security_events, certificates, signed_firmware and logs tests and",
        "ocpp-tungstenite's security_events; end to end: test_security*.py, test_signed_firmware.py).",
        "Every type, reported by the integrator, is sent: `every_event_type_reported_by_the_integrator_is_sent`.", "",
        "| event | raised by | tests |", "|---|---|---|",
    ]
    for event, by in SECURITY_EVENTS:
        pat = re.compile(r"\b" + event + r"\b")
        names = [n for n, b in rust if pat.search(b)] + [n for n, b in py if pat.search(b)]
        out.append(f"| {event} | {by} | {cell(names, 5)} |")
    return out + [""]


def logs_section():
    """GetLog, LogStatusNotification and the security log, with their tests."""
    logs = [n for n, _ in rust_tests(["crates/ocpp-core/tests/logs.rs"])]
    e2e = [m.group(1) for m in re.finditer(r"\ndef (test_[a-z0-9_]+)\(",
                                           open("tests/e2e/test_security.py").read())]
    return [
        "GetLog and LogStatusNotification (§5.9, §5.13, use case N01) and the security log (A04.FR.04),",
        "with the cargo feature `profile-security`: tests in `crates/ocpp-core/tests/logs.rs`, each named",
        "after the requirement it checks (" + ", ".join(f"`{n}`" for n in logs) + "); end to end in",
        "`tests/e2e/test_security.py` (" + ", ".join(f"`{n}`" for n in e2e if "log" in n) + ").", "",
    ]


def main():
    rust, py = tests()
    out = [
        "# Conformance: OCPP 1.6 operations and configuration keys, OCPP 2.0.1 messages", "",
        "Every OCPP 1.6 operation and configuration key, with the tests that exercise it. Generated by",
        "`scripts/gen-conformance.py` from the test sources: a test is listed when it mentions the",
        "operation or key by name. `charge_point.rs`, `profiles.rs` and `metering.rs` are scenario tests of the sans-IO",
        "core (crates/ocpp-core/tests, fake clock, every frame validated against the official JSON",
        "schemas); `test_interop.py` is the end-to-end suite: the `ocpp-cp` binary against a central",
        "system built on the PyPI `ocpp` package (tests/e2e). Every message type also has round-trip and",
        "schema tests in crates/ocpp-core/tests/messages.rs.", "",
        "## Operations", "",
        "| profile | operation | direction | spec | core scenario tests | end-to-end tests |",
        "|---|---|---|---|---|---|",
    ]
    for prof, op, direction, sec in OPS:
        pat = re.compile(r"\b" + op + r"\b")
        pat_py = re.compile(r"\b" + op + r"\b|\b" + snake(op) + r"\b")
        rt = [n for n, b in rust if pat.search(b) or snake(op) in n]
        pt = [n for n, b in py if pat_py.search(b) or snake(op) in n]
        out.append(f"| {prof} | {op} | {direction} | {sec} | {cell(rt, 6)} | {cell(pt, 4)} |")
    security = rust_tests(SECURITY_RUST)
    out += [
        "", "## Security extension", "",
        "The OCPP 1.6 security whitepaper edition 2 (\"§\" and use cases are the white paper's). Scenario",
        "tests in `crates/ocpp-core/tests/certificates.rs` (certificates, feature `profile-security`,",
        "a security module on the RustCrypto implementation and a PKI made at test time) and",
        "`security_events.rs`; a test is listed when it mentions the operation by name or calls the",
        "helper that sends it.", "",
        "| operation | direction | spec | use cases | core scenario tests |",
        "|---|---|---|---|---|",
    ]
    for op, direction, sec, cases, helpers in SECURITY_OPS:
        pat = re.compile(r"\b" + op + r"\b|" + helpers)
        names = [n for n, b in security if pat.search(b) or snake(op) in n]
        out.append(f"| {op} | {direction} | {sec} | {cases} | {cell(names, 6)} |")
    out += [
        "",
        "SecurityEventNotification is sent for every event of chapter 8 once a security profile is",
        "configured, queued in the journal (A04.FR.02: `events_raised_offline_survive_power_cycles`);",
        "the core raises InvalidChargePointCertificate for a rejected CertificateSigned.req",
        "(A02.FR.07: `a02_fr_07_invalid_certificates_are_rejected_with_an_event`).",
        "ExtendedTriggerMessage serves BootNotification, Heartbeat, MeterValues and StatusNotification",
        "as TriggerMessage does, starts A02 for SignChargePointCertificate, serves LogStatusNotification",
        "as N01.FR.12 says and FirmwareStatusNotification as L01.FR.28/29 say (`extended_trigger_message`,",
        "`n01_fr_12_extended_trigger_message_reports_the_log_status`, tests/signed_firmware.rs).",
        "The SecurityProfile raise with reconnection and fallback (A05):",
        "`a_raise_needs_its_prerequisites_and_never_goes_down`,",
        "`an_accepted_raise_reconnects_after_the_answer_and_holds_once_connected`,",
        "`a_raise_that_cannot_connect_falls_back`, `a05_prerequisites_come_from_the_installed_certificates`",
        "(core), `a_raised_security_profile_reconnects` (ocpp-tungstenite loopback).", "",
    ]
    out += logs_section()
    out += events_section()
    out += [
        "Signed firmware (SignedUpdateFirmware, SignedFirmwareStatusNotification, use case L01):",
        "crates/ocpp-core/tests/signed_firmware.rs, tests named after the requirement ids, and",
        "tests/e2e/test_signed_firmware.py.", "",
        "## Configuration keys", "",
        "Every key's value, type, access and validation is tested in",
        "`crates/ocpp-core/src/charge_point/config/tests.rs` (`every_standard_key_reads_its_default_chapter_9`,",
        "`every_writable_key_takes_values_of_its_type_chapter_9`, `read_only_keys_are_rejected_5_3`, ...).",
        "The table adds the behaviour tests of each key.", "",
        "| profile | key | behaviour tests |", "|---|---|---|",
    ]
    for line in open(KEYS).read().splitlines()[2:]:
        cols = [c.strip() for c in line.split("|")]
        if len(cols) < 3:
            continue
        prof, key = cols[1], cols[2]
        pat = re.compile(r"\b" + key + r"\b")
        names = [n for n, b in rust if pat.search(b)][:4] + [n for n, b in py if pat.search(b)][:2]
        out.append(f"| {prof} | {key} | {cell(names, 6) if names else 'config tests (value, type, access)'} |")
    for key, sec in SECURITY_KEYS:
        pat = re.compile(r"\b" + key + r"\b")
        names = [n for n, b in security + rust if pat.search(b)][:6]
        out.append(f"| Security ({sec}) | {key} | {cell(names, 6) if names else 'config tests (value, type, access)'} |")
    out += [
        "", "The errata keys (MessageTimeout, StopTransactionMaxMeterValues, SupportedFileTransferProtocols)",
        "are stored and validated by the configuration module; ocpp-tungstenite uses AuthorizationKey as",
        "the Basic-auth password.", "",
        "## Metering", "",
        "The four measurand keys (MeterValuesSampledData, MeterValuesAlignedData, StopTxnSampledData,",
        "StopTxnAlignedData) take `<Measurand>` and, where applicable, `<Measurand>.<Phase>` entries",
        "(§9.1.17: \"Voltage.L1\"): the phases of `Current.Import` (L1-L3) and `Voltage` (L1-L3 and",
        "L1-N-L3-N), the per-phase quantities the readings have; other combinations are Rejected. A",
        "qualified entry reports that phase only. `Energy.Active.Import.Interval` and",
        "`Energy.Active.Export.Interval` (§7.31) are reported in periodic, clock-aligned and",
        "transactionData values as the register's increase since the previous sample of the same kind",
        "(`metering::MeterScheduler::interval_values`, `metering::TransactionData`); the reactive",
        "registers, and so their intervals, are not measured. Tests: crates/ocpp-core/tests/metering.rs.", "",
    ]
    out += v201_section()
    with open("docs/conformance.md", "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
