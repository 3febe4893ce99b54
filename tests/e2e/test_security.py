"""End-to-end: the OCPP 1.6 security extension's security events over wss://, against the PyPI
`ocpp` central system with certificates made at test time by `openssl` (a test CA, and another
CA the charge point does not trust).

`ocpp-cp --security-profile 2` (TLS with Basic authentication) first meets a central system
whose certificate another CA signed: it refuses the TLS handshake and, since the credentials
are refused, exits; the security event (InvalidCentralSystemCertificate, whitepaper A00.FR.309)
is in its journal under --state-dir. Started again against the right central system, it boots
and delivers the event (issue 8: "a wrong server certificate refused with the security event
delivered after the next good connection"). The AuthorizationKey the central system then sets is
not in the charge point's log (A01.FR.12).

Needs the real charge point ($OCPP_CP_BIN): the stand-in has no security profiles.

The log upload (whitepaper N01): GetLog `SecurityLog` to an FTP server on 127.0.0.1, the file
uploaded holding the security log's lines (A04.FR.04: the events the charge point notified, and
no secret), the LogStatusNotifications Uploading then Uploaded with the GetLog's requestId
(N01.FR.07-09), UploadFailure for an unreachable server (N01.FR.10), and ExtendedTriggerMessage
LogStatusNotification answered Idle without a requestId once nothing is uploading (N01.FR.12).
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from csms import Behaviour, CentralSystemThread
from test_interop import (  # noqa: F401 (ftp_server: a fixture, used by name)
    BOOT_TIMEOUT,
    CRASH_MARKERS,
    EXIT_TIMEOUT,
    SCALE,
    STEP_TIMEOUT,
    ChargePointProcess,
    ftp_server,
    ftp_url,
    using_stand_in,
)

PASSWORD = "0123456789abcdef0123456789abcdef"  # an AuthorizationKey: 16 bytes, hexadecimal
NEW_KEY = "fedcba9876543210fedcba9876543210fedcba98"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(directory: Path, name: str) -> None:
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)


def make_server_cert(directory: Path, ca: str, name: str) -> None:
    """A certificate for 127.0.0.1 signed by `ca`: `<name>.pem` (leaf then CA) and `<name>.key`."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=central system",
            cwd=directory)
    (directory / f"{name}.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}-leaf.pem", "-days", "2",
            "-extfile", f"{name}.ext", cwd=directory)
    (directory / f"{name}.pem").write_text(
        (directory / f"{name}-leaf.pem").read_text() + (directory / f"{ca}.pem").read_text())


def server_context(directory: Path, name: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(directory / f"{name}.pem", directory / f"{name}.key")
    return context


@pytest.fixture
def pki(tmp_path) -> Path:
    if using_stand_in():
        pytest.skip("the stand-in charge point has no security profiles (set OCPP_CP_BIN)")
    if shutil.which("openssl") is None:
        # In CI a missing tool is a failure, not a silent skip (.ci/run installs openssl).
        if os.environ.get("CI"):
            pytest.fail("openssl is needed to make the test certificates")
        pytest.skip("openssl is needed to make the test certificates")
    directory = tmp_path / "pki"
    directory.mkdir()
    make_ca(directory, "test-ca")
    make_ca(directory, "other-ca")
    make_server_cert(directory, "test-ca", "good")
    make_server_cert(directory, "other-ca", "rogue")
    return directory


@pytest.fixture
def tls_central_systems(pki):
    """Two wss:// central systems on loopback: `good` (signed by the test CA the charge point
    trusts) and `rogue` (signed by another CA)."""
    systems = {}
    try:
        for name in ("good", "rogue"):
            behaviour = Behaviour()
            central_system = CentralSystemThread(behaviour, server_context(pki, name))
            central_system.start()
            systems[name] = central_system
        yield systems
    finally:
        for central_system in systems.values():
            central_system.close()


def test_wrong_server_certificate_reported_after_the_next_good_connection(
        pki, tls_central_systems, tmp_path):
    good, rogue = tls_central_systems["good"], tls_central_systems["rogue"]
    cp_id = "CP-SEC-1"
    good.behaviour.passwords = {cp_id: PASSWORD}
    rogue.behaviour.passwords = {cp_id: PASSWORD}
    state = tmp_path / "state"
    common = ["--id", cp_id, "--state-dir", str(state), "--security-profile", "2",
              "--password", PASSWORD, "--ca", str(pki / "test-ca.pem"),
              "--connect-attempts", "3"]
    processes = []
    try:
        # 1. The rogue central system: the TLS handshake is refused.
        refused = ChargePointProcess(rogue, cp_id, ["--csms", rogue.url, *common],
                                     tmp_path / f"{cp_id}-rogue.log")
        processes.append(refused)
        refused.start()
        refused.wait_stderr(r"(?i)UnknownIssuer|certificate", timeout=STEP_TIMEOUT)
        assert refused.wait_exit(EXIT_TIMEOUT) != 0
        assert not rogue.messages(cp_id), "no frame may reach a central system we do not trust"
        assert not [c for c in rogue.connections(cp_id) if c.refused is None]

        # 2. The right one: boot, then the event from the refused attempt.
        accepted = ChargePointProcess(good, cp_id, ["--csms", good.url, *common],
                                      tmp_path / f"{cp_id}-good.log")
        processes.append(accepted)
        accepted.start()
        accepted.wait_booted(timeout=BOOT_TIMEOUT)
        assert good.connections(cp_id)[-1].headers.get("authorization", "").startswith("Basic ")
        event = good.wait_for(cp_id, "SecurityEventNotification",
                              where=lambda p: p["type"] == "InvalidCentralSystemCertificate",
                              timeout=STEP_TIMEOUT)
        assert event.payload.get("techInfo") == "UnknownIssuer", event.payload
        types = [m.payload["type"] for m in good.messages(cp_id, "SecurityEventNotification")]
        assert "StartupOfTheDevice" in types, types

        # 3. A new AuthorizationKey travels in the clear in the frame, never into the log.
        status = good.change_configuration(cp_id, "AuthorizationKey", NEW_KEY)
        assert status["status"] == "Accepted", status
        good.wait_for(cp_id, "SecurityEventNotification",
                      where=lambda p: p["type"] == "ReconfigurationOfSecurityParameters",
                      timeout=STEP_TIMEOUT)
        accepted.wait_stderr(r'"AuthorizationKey","value":"\*\*\*"', timeout=STEP_TIMEOUT)
        log = "\n".join(refused.stderr() + accepted.stderr())
        assert NEW_KEY not in log and PASSWORD not in log, "a secret leaked into the log"
        assert not any(m in log for m in CRASH_MARKERS), log
    finally:
        for process in processes:
            process.stop()
        for process in processes:  # shown by pytest only when the test failed
            print(f"--- {process.log_path.name} stderr (last 40 lines) ---")
            print("\n".join(process.stderr()[-40:]))
    assert not good.errors_sent(), good.errors_sent()


def test_security_log_uploaded_over_ftp(ftp_server, tmp_path):
    """GetLog SecurityLog (N01.FR.01-03, N01.FR.07-09), a failing one (N01.FR.10), and
    ExtendedTriggerMessage LogStatusNotification (N01.FR.12), with SecurityProfile 1 (Basic
    authentication over ws://) so that the events are also notified and the uploaded log can be
    compared with the notifications."""
    if using_stand_in():
        pytest.skip("the stand-in charge point has no security log (set OCPP_CP_BIN)")
    port, root = ftp_server
    cp_id = "CP-LOG-1"
    central_system = CentralSystemThread(Behaviour())
    central_system.behaviour.passwords = {cp_id: PASSWORD}
    central_system.start()
    process = ChargePointProcess(
        central_system, cp_id,
        ["--csms", central_system.url, "--id", cp_id, "--state-dir", str(tmp_path / "state"),
         "--security-profile", "1", "--password", PASSWORD],
        tmp_path / f"{cp_id}.log")
    try:
        process.start()
        process.wait_booted(timeout=BOOT_TIMEOUT)
        central_system.wait_for(cp_id, "SecurityEventNotification",
                                where=lambda p: p["type"] == "SettingSystemTime",
                                timeout=STEP_TIMEOUT)
        # A reconfiguration: its event carries the key's name, never its value (A01.FR.12).
        status = central_system.change_configuration(cp_id, "AuthorizationKey", NEW_KEY)
        assert status["status"] == "Accepted", status
        central_system.wait_for(cp_id, "SecurityEventNotification",
                                where=lambda p: p["type"] == "ReconfigurationOfSecurityParameters",
                                timeout=STEP_TIMEOUT)

        # N01.FR.01: Accepted with a file name; N01.FR.08/09 with the requestId (N01.FR.07).
        mark = central_system.mark()
        answer = central_system.get_log(cp_id, "SecurityLog", 41, ftp_url(port, ""))
        assert answer["status"] == "Accepted", answer
        name = answer["filename"]
        uploading = central_system.wait_for(cp_id, "LogStatusNotification", since=mark,
                                            timeout=STEP_TIMEOUT)
        assert uploading.payload == {"status": "Uploading", "requestId": 41}
        done = central_system.wait_for(cp_id, "LogStatusNotification", since=uploading.seq,
                                       timeout=30 * SCALE)
        assert done.payload == {"status": "Uploaded", "requestId": 41}, process.stderr()[-10:]

        # N01.FR.03: the security log, a line per event, those notified among them.
        uploaded = root / name
        assert uploaded.is_file(), sorted(p.name for p in root.iterdir())
        lines = uploaded.read_text().splitlines()
        logged = [line.split(" ")[1] for line in lines]
        notified = [m.payload["type"]
                    for m in central_system.messages(cp_id, "SecurityEventNotification")]
        assert logged == notified, (lines, notified)
        assert "ReconfigurationOfSecurityParameters AuthorizationKey" in uploaded.read_text()
        assert NEW_KEY not in uploaded.read_text() and PASSWORD not in uploaded.read_text()

        # N01.FR.12: nothing uploading: Idle, without a requestId.
        mark = central_system.mark()
        answer = central_system.extended_trigger_message(cp_id, "LogStatusNotification")
        assert answer == {"status": "Accepted"}, answer
        idle = central_system.wait_for(cp_id, "LogStatusNotification", since=mark,
                                       timeout=STEP_TIMEOUT)
        assert idle.payload == {"status": "Idle"}

        # N01.FR.10: nothing listens on port 9 of the loopback: UploadFailure, same requestId.
        mark = central_system.mark()
        answer = central_system.get_log(cp_id, "SecurityLog", 42, "ftp://127.0.0.1:9/logs/")
        assert answer["status"] == "Accepted", answer
        failed = central_system.wait_for(cp_id, "LogStatusNotification", since=mark,
                                         where=lambda p: p["status"] != "Uploading",
                                         timeout=30 * SCALE)
        assert failed.payload == {"status": "UploadFailure", "requestId": 42}
        log = "\n".join(process.stderr())
        assert not any(m in log for m in CRASH_MARKERS), log
    finally:
        process.stop()
        print(f"--- {process.log_path.name} stderr (last 40 lines) ---")
        print("\n".join(process.stderr()[-40:]))
        central_system.sync()
        rejected = central_system.errors_sent()
        central_system.close()
    assert not rejected, "\n".join(map(str, rejected))
