"""End-to-end: the OCPP 1.6 security whitepaper's signed firmware update (use case L01) against
the PyPI `ocpp` central system, with a manufacturer PKI made at test time by `openssl` (a
manufacturer root CA, a firmware signing certificate it issued, an ECDSA P-256 signature over the
firmware with SHA-256: L01.FR.04) and the firmware served over HTTP on loopback.

`ocpp-cp --manufacturer-root` installs the root as a ManufacturerRootCertificate. The charge
point verifies the signing certificate before accepting SignedUpdateFirmware.req (L01.FR.23),
downloads the file hashing it, verifies the signature over the digest, installs and restarts:
every SignedFirmwareStatusNotification in order with the requestId (L01.FR.01, L01.FR.10),
InstallRebooting before the restart (L01.FR.15), Installed after it with the FirmwareUpdated
security event. A file whose signature does not verify is InvalidSignature with the
InvalidFirmwareSignature event (L01.FR.03). With a ManufacturerRootCertificate installed,
UpdateFirmware.req is refused with CALLERROR NotSupported (L01.FR.20).

Needs the real charge point ($OCPP_CP_BIN): the stand-in has no security extension.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from ocpp.v16 import call

from csms import Behaviour, CallErrorAnswer, CentralSystemThread, now_iso
from test_interop import (
    BOOT_TIMEOUT,
    CRASH_MARKERS,
    STEP_TIMEOUT,
    ChargePointProcess,
    using_stand_in,
)

PASSWORD = "0123456789abcdef0123456789abcdef"  # security profile 1: security events are sent
SIGNED = "SignedFirmwareStatusNotification"


def openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True,
                          timeout=60).stdout


@pytest.fixture
def maker(tmp_path) -> Path:
    """`root.pem` (the ManufacturerRootCertificate), `signer.pem` and `signer.key` (the
    firmware signing certificate, issued by the root, no intermediate: L01 remark)."""
    if using_stand_in():
        pytest.skip("the stand-in charge point has no security extension (set OCPP_CP_BIN)")
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is needed to make the test certificates")
        pytest.skip("openssl is needed to make the test certificates")
    d = tmp_path / "maker"
    d.mkdir()
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "root.key", "-out", "root.pem", "-days", "2",
            "-subj", "/CN=Maker Root/O=Maker", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "signer.key", "-out", "signer.csr",
            "-subj", "/CN=Maker Firmware Signing/O=Maker", cwd=d)
    (d / "signer.ext").write_text("basicConstraints=critical,CA:FALSE\n"
                                  "keyUsage=critical,digitalSignature\n")
    openssl("x509", "-req", "-in", "signer.csr", "-CA", "root.pem", "-CAkey", "root.key",
            "-CAcreateserial", "-out", "signer.pem", "-days", "2", "-extfile", "signer.ext", cwd=d)
    # Another manufacturer's signing certificate (self-signed), which no installed root issued.
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "impostor.key", "-out", "impostor.pem", "-days", "2",
            "-subj", "/CN=Impostor Firmware Signing/O=Impostor", cwd=d)
    return d


def sign(maker: Path, data: bytes, name: str) -> str:
    """FirmwareType.signature: ECDSA with SHA-256 over the file, DER, base64 (§6.7)."""
    (maker / name).write_bytes(data)
    signature = openssl("dgst", "-sha256", "-sign", "signer.key", name, cwd=maker)
    return base64.b64encode(signature).decode()


@pytest.fixture
def firmware_server(tmp_path):
    """An HTTP server on loopback serving a directory: yields (base URL, directory)."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="firmware-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture
def central_system():
    csms = CentralSystemThread(Behaviour())
    csms.start()
    yield csms
    csms.close()


def start_charge_point(csms, maker: Path, tmp_path: Path, cp_id: str) -> ChargePointProcess:
    csms.behaviour.passwords = {cp_id: PASSWORD}
    process = ChargePointProcess(
        csms, cp_id,
        ["--csms", csms.url, "--id", cp_id, "--state-dir", str(tmp_path / "state"),
         "--security-profile", "1", "--password", PASSWORD,
         "--manufacturer-root", str(maker / "root.pem")],
        tmp_path / f"{cp_id}.log")
    process.start()
    process.wait_booted(timeout=BOOT_TIMEOUT)
    return process


def signed_update(csms, cp_id: str, request_id: int, location: str, certificate: Path,
                  signature: str) -> dict:
    return csms.call(cp_id, call.SignedUpdateFirmware(request_id=request_id, firmware={
        "location": location,
        # A minute ago: the charge point's clock, set from the BootNotification.conf, may be a few
        # milliseconds behind this process's, and a retrieveDateTime still ahead of it is
        # rightly reported DownloadScheduled first (L01.FR.13).
        "retrieveDateTime": now_iso(time.time() - 60),
        "signingCertificate": certificate.read_text(),
        "signature": signature,
    }))


def statuses(csms, cp_id: str, since: int) -> list[tuple[str, int | None]]:
    return [(p["status"], p.get("requestId")) for p in csms.payloads(cp_id, SIGNED, since=since)]


def show(process: ChargePointProcess) -> None:
    print(f"--- {process.log_path.name} stderr (last 40 lines) ---")
    print("\n".join(process.stderr()[-40:]))


def test_signed_firmware_update_accepted_verified_installed(
        maker, firmware_server, central_system, tmp_path):
    csms, (base, www) = central_system, firmware_server
    cp_id = "CP-FW-1"
    firmware = os.urandom(150_000)
    (www / "fw-2.0.bin").write_bytes(firmware)
    signature = sign(maker, firmware, "fw-2.0.bin")
    cp = start_charge_point(csms, maker, tmp_path, cp_id)
    try:
        # L01.FR.20: with a ManufacturerRootCertificate, the unsigned UpdateFirmware is refused.
        with pytest.raises(CallErrorAnswer) as refused:
            csms.update_firmware(cp_id, f"{base}/fw-2.0.bin")
        assert refused.value.code == "NotSupported"

        mark = csms.mark()
        answer = signed_update(csms, cp_id, 77, f"{base}/fw-2.0.bin", maker / "signer.pem",
                               signature)
        assert answer == {"status": "Accepted"}
        csms.wait_for(cp_id, SIGNED, since=mark, timeout=BOOT_TIMEOUT + STEP_TIMEOUT,
                                  where=lambda p: p["status"] in (
                                      "Installed", "InvalidSignature", "DownloadFailed"))
        seen = statuses(csms, cp_id, mark)
        assert seen == [(s, 77) for s in ("Downloading", "Downloaded", "SignatureVerified",
                                           "Installing", "InstallRebooting", "Installed")], seen
        # The restart between InstallRebooting and Installed (L01.FR.15).
        rebooting = csms.messages(cp_id, SIGNED, since=mark,
                                  where=lambda m: m.payload["status"] == "InstallRebooting")[0]
        assert csms.messages(cp_id, "BootNotification", since=rebooting.seq)
        event = csms.wait_for(cp_id, "SecurityEventNotification", since=mark,
                              where=lambda p: p["type"] == "FirmwareUpdated", timeout=STEP_TIMEOUT)
        assert event.payload["type"] == "FirmwareUpdated"
        cp.wait_stderr(r"firmware downloaded from .*: 150000 bytes, SHA-256 [0-9a-f]{64}")
        log = "\n".join(cp.stderr())
        assert not any(m in log for m in CRASH_MARKERS), log
        assert not csms.errors_sent(cp_id), csms.errors_sent(cp_id)
    finally:
        cp.stop()
        show(cp)


def test_signed_firmware_with_a_bad_signature_is_refused(
        maker, firmware_server, central_system, tmp_path):
    csms, (base, www) = central_system, firmware_server
    cp_id = "CP-FW-2"
    firmware = os.urandom(50_000)
    (www / "fw-evil.bin").write_bytes(firmware)
    # A signature by the right key over another file.
    signature = sign(maker, os.urandom(50_000), "other.bin")
    cp = start_charge_point(csms, maker, tmp_path, cp_id)
    try:
        mark = csms.mark()
        answer = signed_update(csms, cp_id, 78, f"{base}/fw-evil.bin", maker / "signer.pem",
                               signature)
        assert answer == {"status": "Accepted"}
        csms.wait_for(cp_id, SIGNED, since=mark, timeout=STEP_TIMEOUT * 3,
                      where=lambda p: p["status"] in ("InvalidSignature", "DownloadFailed"))
        seen = statuses(csms, cp_id, mark)
        assert seen == [("Downloading", 78), ("Downloaded", 78), ("InvalidSignature", 78)], seen
        event = csms.wait_for(cp_id, "SecurityEventNotification", since=mark,
                              where=lambda p: p["type"] == "InvalidFirmwareSignature",
                              timeout=STEP_TIMEOUT)
        assert event.payload.get("techInfo") == "BadSignature", event.payload
        # Nothing installed: no restart.
        assert not csms.messages(cp_id, "BootNotification", since=mark)

        # A signing certificate from a manufacturer the charge point does not trust.
        mark = csms.mark()
        answer = signed_update(csms, cp_id, 79, f"{base}/fw-evil.bin", maker / "impostor.pem",
                               signature)
        assert answer == {"status": "InvalidCertificate"}
        csms.wait_for(cp_id, "SecurityEventNotification", since=mark,
                      where=lambda p: p["type"] == "InvalidFirmwareSigningCertificate",
                      timeout=STEP_TIMEOUT)
        assert not csms.payloads(cp_id, SIGNED, since=mark)
        assert not csms.errors_sent(cp_id), csms.errors_sent(cp_id)
    finally:
        cp.stop()
        show(cp)
