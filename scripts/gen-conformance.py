#!/usr/bin/env python3
"""Regenerates docs/conformance.md from the test sources: every OCPP 1.6 operation and
configuration key, with the tests that mention it. Run from the repository root."""
import os
import re

RUST = [
    "crates/ocpp-core/tests/charge_point.rs",
    "crates/ocpp-core/tests/profiles.rs",
    "crates/ocpp-core/tests/metering.rs",
]
PY = "tests/e2e/test_interop.py"
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


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def tests():
    rust, py = [], []
    for f in RUST:
        s = open(f).read()
        for m in re.finditer(r"#\[test\]\s*fn ([a-z0-9_]+)\(\)\s*\{(.*?)\n\}\n", s, re.S):
            rust.append((m.group(1), m.group(2)))
    s = open(PY).read()
    for m in re.finditer(r"\ndef (test_[a-z0-9_]+)\((.*?)(?=\ndef |\Z)", s, re.S):
        py.append((m.group(1), m.group(2)))
    return rust, py


def cell(names, limit):
    names = [f"`{n}`" for n in names]
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more or "—"


def rust_tests(path):
    """(name, body) of every #[test] fn of the Rust test file `path`."""
    s = open(path).read()
    return [(m.group(1), m.group(2))
            for m in re.finditer(r"#\[test\]\s*fn ([a-z0-9_]+)\(\)\s*\{(.*?)\n\}\n", s, re.S)]


def security_section():
    """The security extension's operations: what is in place, with its tests."""
    logs = [n for n, _ in rust_tests("crates/ocpp-core/tests/logs.rs")]
    e2e = [m.group(1) for m in re.finditer(r"\ndef (test_[a-z0-9_]+)\(",
                                           open("tests/e2e/test_security.py").read())]
    return [
        "", "SecurityEventNotification (security whitepaper §5.15, chapter 8, use case A04) is sent for",
        "every event of chapter 8 once a security profile is configured: tests in",
        "`crates/ocpp-core/tests/security_events.rs` (`changing_the_security_profile_is_reported_without_the_value`,",
        "`a_restart_reports_the_startup_and_the_clock`, `events_raised_offline_survive_power_cycles`",
        "(A04.FR.02), `a_reset_is_reported`, `integrator_events_are_sent_with_their_tech_info_cut`,",
        "`invalid_messages_are_reported_once_per_connection`, `a_callerror_for_an_event_is_not_retried`,",
        "`a_full_queue_sheds_non_critical_events_only`, `without_a_security_profile_no_event_is_sent`).", "",
        "GetLog and LogStatusNotification (§5.9, §5.13, use case N01) and the security log (A04.FR.04),",
        "with the cargo feature `profile-security`: tests in `crates/ocpp-core/tests/logs.rs`, each named",
        "after the requirement it checks (" + ", ".join(f"`{n}`" for n in logs) + "); end to end in",
        "`tests/e2e/test_security.py` (" + ", ".join(f"`{n}`" for n in e2e if "log" in n) + ").", "",
        "ExtendedTriggerMessage (§5.5) serves BootNotification, Heartbeat, MeterValues and",
        "StatusNotification as TriggerMessage does, LogStatusNotification as N01.FR.12 says, and answers",
        "NotImplemented for SignChargePointCertificate and the signed FirmwareStatusNotification (tests",
        "`extended_trigger_message`, `n01_fr_12_extended_trigger_message_reports_the_log_status`). The",
        "SecurityProfile raise with reconnection and fallback (A05):",
        "`a_raise_needs_its_prerequisites_and_never_goes_down`,",
        "`an_accepted_raise_reconnects_after_the_answer_and_holds_once_connected`,",
        "`a_raise_that_cannot_connect_falls_back` (core), `a_raised_security_profile_reconnects`",
        "(ocpp-tungstenite loopback).", "",
        "The other security extension operations (CertificateSigned, DeleteCertificate,",
        "GetInstalledCertificateIds, InstallCertificate, SignedUpdateFirmware) are decoded and",
        "answered `NotSupported`; the charge point does not send SignCertificate or",
        "SignedFirmwareStatusNotification yet. Their messages are complete and tested (round trip,",
        "schemas).", "",
    ]


def main():
    rust, py = tests()
    out = [
        "# Conformance: OCPP 1.6 operations and configuration keys", "",
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
    out += security_section()
    out += [
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
    out += [
        "", "Security extension keys (AdditionalRootCertificateCheck, AuthorizationKey,",
        "CertificateSignedMaxChainSize, CertificateStoreMaxLength, CpoName, SecurityProfile) and the",
        "errata keys (MessageTimeout, StopTransactionMaxMeterValues, SupportedFileTransferProtocols) are",
        "stored and validated by the configuration module; ocpp-tungstenite uses AuthorizationKey as the",
        "Basic-auth password.", "",
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
    with open("docs/conformance.md", "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
