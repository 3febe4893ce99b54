"""End-to-end: certificates and security profiles of the OCPP 1.6 security extension (security
whitepaper edition 2) between `ocpp-cp` and the PyPI `ocpp` central system, with a PKI made at
test time by `openssl` (test_security.py's `pki`: a test CA, another CA, server certificates for
127.0.0.1 from each). Every frame is checked against the official JSON schemas by the `ocpp`
package (CALLs from the charge point when routed, answers to our CALLs in `call`), and a frame it
refuses shows in `errors_sent()`, asserted empty.

- Security profile 3 (§2.5, A00.FR.401/402): mutual TLS with `--client-cert`/`--client-key`,
  against a Python `ssl` server that requires a client certificate the test CA signed.
- The charge point certificate (A02): ExtendedTriggerMessage SignChargePointCertificate,
  SignCertificate.req with a CSR (O=CpoName, A02.FR.13; CN=the serial number, A00.FR.511),
  signed by the test CA with `openssl x509 -req`, CertificateSigned.req Accepted (A02.FR.06),
  then SecurityProfile raised to 3 (A05.FR.04) and the reconnect authenticated with the NEW
  certificate and the key that never left the charge point (A02.FR.05, A02.FR.08).
- SecurityProfile 1 -> 2 (A05): Rejected without a CentralSystemRootCertificate (A05.FR.03),
  Accepted once InstallCertificate put one in (M05.FR.02), the reconnect over wss:// (A05.FR.07);
  and a raise whose TLS server presents a certificate of another CA: after 3 failed attempts the
  charge point falls back to profile 1 (A05.FR.08) and delivers the InvalidCentralSystemCertificate
  (A00.FR.309) and ReconfigurationOfSecurityParameters events.
- InstallCertificate, GetInstalledCertificateIds (M03) and DeleteCertificate (M04) by the hash
  data returned, the hash data checked against the certificates (§6.1, computed here from the
  DER), and `--ca` seeding the store once.

A ws:// URL raised to profile 2 is reached as wss:// on the same port, so the upgrade tests put a
small TCP proxy in front of the central systems that sends a connection starting with a TLS
handshake (0x16) to a TLS central system and anything else to the plain one; it also counts the
TLS attempts.
"""

from __future__ import annotations

import hashlib
import select
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from csms import Behaviour, CentralSystemThread
from test_interop import (
    BOOT_TIMEOUT,
    CRASH_MARKERS,
    SCALE,
    STEP_TIMEOUT,
    ChargePointProcess,
)
from test_security import (  # noqa: F401 (pki: a fixture, used by name)
    PASSWORD,
    make_ca,
    openssl,
    pki,
    server_context,
)

CPO_NAME = "E2E Charging"
# Each test is bounded by its waits (BOOT_TIMEOUT, STEP_TIMEOUT, ...): well under a minute.


# -- PKI helpers -------------------------------------------------------------------------------

CLIENT_EXTENSIONS = ("extendedKeyUsage=clientAuth\n"
                     "basicConstraints=critical,CA:FALSE\n"
                     "keyUsage=critical,digitalSignature\n")


def make_client_cert(directory: Path, ca: str, name: str, cn: str) -> None:
    """A TLS client certificate `<name>.pem` (key `<name>.key`) with CN `cn`, signed by `ca`."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/O={CPO_NAME}/CN={cn}",
            cwd=directory)
    sign_csr(directory, ca, f"{name}.csr", f"{name}.pem", serial="0x0a11ce")


def sign_csr(directory: Path, ca: str, csr: str, out: str, serial: str) -> None:
    """What the central system's CA does with a CSR: a client certificate with `serial`."""
    (directory / "client.ext").write_text(CLIENT_EXTENSIONS)
    openssl("x509", "-req", "-in", csr, "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-set_serial", serial, "-days", "2", "-extfile", "client.ext", "-out", out,
            cwd=directory)


def der(pem_path: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem_path.read_text())


def mutual_tls_context(directory: Path, server: str, client_ca: str,
                       required: bool = True) -> ssl.SSLContext:
    """The TLS server `server` asking for a client certificate that `client_ca` signed:
    required (profile 3 only), or optional (a server for profiles 2 and 3)."""
    context = server_context(directory, server)
    context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    context.load_verify_locations(directory / f"{client_ca}.pem")
    return context


# -- certificateHashData, from the DER (security whitepaper §6.1, as OCPP 2.0.1 / RFC 6960) ----

def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the DER element at `at`."""
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, at, at + length


def hash_data(certificate: bytes, issuer: bytes | None = None) -> dict:
    """CertificateHashDataType (SHA256) of a DER certificate issued by `issuer` (itself: a
    root): the hash of the DER issuer Name, the hash of the issuer key's BIT STRING contents
    (without the unused-bits octet), the serial in hexadecimal without leading zeroes."""

    def fields(cert: bytes) -> dict[str, bytes]:
        _, body, _ = _tlv(cert, 0)  # Certificate
        _, at, _ = _tlv(cert, body)  # tbsCertificate: its fields from `at`
        out = {}
        names = ["serial", "signature", "issuer", "validity", "subject", "spki"]
        tag, _, end = _tlv(cert, at)
        if tag == 0xA0:  # [0] version
            at = end
        for name in names:
            tag, start, end = _tlv(cert, at)
            out[name] = cert[at:end] if name == "issuer" else cert[start:end]
            at = end
        _, _, end = _tlv(out["spki"], 0)  # AlgorithmIdentifier
        _, bits, bits_end = _tlv(out["spki"], end)  # subjectPublicKey BIT STRING
        out["key"] = out["spki"][bits + 1:bits_end]
        return out

    leaf = fields(certificate)
    issuer_fields = fields(issuer) if issuer is not None else leaf
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(leaf["issuer"]).hexdigest(),
        "issuerKeyHash": hashlib.sha256(issuer_fields["key"]).hexdigest(),
        "serialNumber": format(int.from_bytes(leaf["serial"], "big"), "x"),
    }


def same_hash_data(a: dict, b: dict) -> bool:
    """identifierString is case-insensitive (OCPP 2.0.1 errata §2.15.1); serials ignoring
    leading zeroes."""
    return (a["hashAlgorithm"] == b["hashAlgorithm"]
            and a["issuerNameHash"].lower() == b["issuerNameHash"].lower()
            and a["issuerKeyHash"].lower() == b["issuerKeyHash"].lower()
            and a["serialNumber"].lower().lstrip("0") == b["serialNumber"].lower().lstrip("0"))


# -- a proxy that sends TLS one way and plain WebSocket the other ------------------------------

class SniffingProxy:
    """127.0.0.1:<port> forwarding each connection whole to `tls_port` when its first byte is a
    TLS handshake record (0x16), to `plain_port` otherwise; counts the connections of each."""

    def __init__(self, plain_port: int, tls_port: int):
        self.plain_port = plain_port
        self.tls_port = tls_port
        self.tls_connections = 0
        self.plain_connections = 0
        self._lock = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, name="proxy", daemon=True).start()

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket):
        upstream = None
        try:
            client.settimeout(10)
            first = client.recv(1, socket.MSG_PEEK)
            if not first:
                return
            tls = first[0] == 0x16
            with self._lock:
                if tls:
                    self.tls_connections += 1
                else:
                    self.plain_connections += 1
                port = self.tls_port if tls else self.plain_port
                self._lock.notify_all()
            upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
            client.settimeout(None)
            upstream.settimeout(None)
            pumps = {client: upstream, upstream: client}
            open_ends = set(pumps)
            while open_ends and not self._closed:
                readable, _, _ = select.select(list(open_ends), [], [], 0.5)
                for source in readable:
                    data = source.recv(65536)
                    if data:
                        pumps[source].sendall(data)
                    else:
                        open_ends.discard(source)
                        try:
                            pumps[source].shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
        except OSError:
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    sock.close()

    def wait_tls_connections(self, count: int, timeout: float) -> None:
        with self._lock:
            if not self._lock.wait_for(lambda: self.tls_connections >= count, timeout):
                raise AssertionError(
                    f"{self.tls_connections} TLS connection(s) through the proxy, not {count}")

    def close(self):
        self._closed = True
        self._listener.close()


# -- fixtures ----------------------------------------------------------------------------------

class Peers:
    """Central systems and charge point processes of one test, closed at its end; a test fails
    when any central system refused a frame (schema, unknown action)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.systems: list[CentralSystemThread] = []
        self.processes: list[ChargePointProcess] = []
        self.proxies: list[SniffingProxy] = []

    def central_system(self, cp_id: str, context: ssl.SSLContext | None = None,
                       password: str | None = PASSWORD) -> CentralSystemThread:
        behaviour = Behaviour(sign_certificate_status="Accepted")
        if password is not None:
            behaviour.passwords = {cp_id: password}
        system = CentralSystemThread(behaviour, context)
        system.start()
        self.systems.append(system)
        return system

    def proxy(self, plain: CentralSystemThread, tls: CentralSystemThread) -> SniffingProxy:
        proxy = SniffingProxy(plain.port, tls.port)
        self.proxies.append(proxy)
        return proxy

    def charge_point(self, system: CentralSystemThread, cp_id: str, args: list[str]):
        process = ChargePointProcess(system, cp_id, ["--id", cp_id, *args],
                                     self.tmp_path / f"{cp_id}.log")
        self.processes.append(process)
        return process.start()

    def close(self) -> list:
        for process in self.processes:
            process.stop()
        for process in self.processes:  # shown by pytest only when the test failed
            print(f"--- {process.log_path.name} stderr (last 40 lines) ---")
            print("\n".join(process.stderr()[-40:]))
            log = "\n".join(process.stderr())
            assert not any(m in log for m in CRASH_MARKERS), log
        errors = []
        for system in self.systems:
            system.sync()
            errors.extend(system.errors_sent())
            system.close()
        for proxy in self.proxies:
            proxy.close()
        return errors


@pytest.fixture
def peers(pki, tmp_path):
    peers = Peers(tmp_path)
    failed = True
    try:
        yield peers
        failed = False
    finally:
        errors = peers.close()
    if not failed:
        assert not errors, "\n".join(map(str, errors))


def configuration_value(system: CentralSystemThread, cp_id: str, key: str) -> str | None:
    answer = system.get_configuration(cp_id, [key])
    values = [k.get("value") for k in answer.get("configurationKey", []) if k["key"] == key]
    return values[0] if values else None


# -- the tests ---------------------------------------------------------------------------------

def test_profile_3_mutual_tls_with_client_cert(pki, peers):
    """§2.5 / A00.FR.401-402: TLS with the client certificate of --client-cert, which the
    server requires and verifies against the test CA."""
    cp_id = "CP-MTLS-1"
    make_client_cert(pki, "test-ca", "cp-mtls", cp_id)
    system = peers.central_system(cp_id, mutual_tls_context(pki, "good", "test-ca"),
                                  password=None)
    process = peers.charge_point(system, cp_id, [
        "--csms", system.url, "--state-dir", str(peers.tmp_path / "state"),
        "--security-profile", "3", "--ca", str(pki / "test-ca.pem"),
        "--client-cert", str(pki / "cp-mtls.pem"), "--client-key", str(pki / "cp-mtls.key")])
    process.wait_booted(timeout=BOOT_TIMEOUT)
    connection = system.connections(cp_id)[-1]
    assert connection.peer_certificate == der(pki / "cp-mtls.pem")
    assert configuration_value(system, cp_id, "SecurityProfile") == "3"
    system.wait_for(cp_id, "SecurityEventNotification", timeout=STEP_TIMEOUT,
                    where=lambda p: p["type"] == "StartupOfTheDevice")


def test_csr_round_trip_then_profile_3_with_the_new_certificate(pki, peers):
    """A02: the charge point makes a key pair and a CSR, the test CA signs it, the charge point
    accepts the certificate; raised to profile 3 it reconnects presenting it."""
    cp_id = "CP-CSR-1"
    # Profile 2: wss:// with Basic authentication; the server asks for a client certificate
    # without requiring one, and verifies one it gets against the test CA.
    system = peers.central_system(cp_id, mutual_tls_context(pki, "good", "test-ca",
                                                            required=False))
    process = peers.charge_point(system, cp_id, [
        "--csms", system.url, "--state-dir", str(peers.tmp_path / "state"),
        "--security-profile", "2", "--password", PASSWORD, "--ca", str(pki / "test-ca.pem"),
        "--cpo-name", CPO_NAME])
    process.wait_booted(timeout=BOOT_TIMEOUT)
    assert system.connections(cp_id)[-1].peer_certificate is None
    # SecurityProfile 3 needs a charge point certificate first (A05.FR.04).
    status = system.change_configuration(cp_id, "SecurityProfile", "3")
    assert status["status"] == "Rejected", status

    # A02.FR.01-03: the trigger, then SignCertificate.req with a CSR.
    mark = system.mark()
    answer = system.extended_trigger_message(cp_id, "SignChargePointCertificate")
    assert answer == {"status": "Accepted"}, answer
    sign = system.wait_for(cp_id, "SignCertificate", since=mark, timeout=STEP_TIMEOUT)
    csr = sign.payload["csr"]
    assert csr.startswith("-----BEGIN CERTIFICATE REQUEST-----"), csr
    (pki / "cp.csr").write_text(csr)
    checked = subprocess.run(
        ["openssl", "req", "-in", "cp.csr", "-noout", "-verify", "-subject",
         "-nameopt", "RFC2253"], cwd=pki, check=True, capture_output=True, text=True, timeout=30)
    # A02.FR.13: O = CpoName; A00.FR.511: CN = the serial number (the id here).
    assert f"CN={cp_id},O={CPO_NAME}" in checked.stdout, checked.stdout
    assert "BEGIN PRIVATE KEY" not in sign.raw  # A02.FR.05

    sign_csr(pki, "test-ca", "cp.csr", "cp-new.pem", serial="0x5eca11ed")
    answer = system.certificate_signed(cp_id, (pki / "cp-new.pem").read_text())
    assert answer == {"status": "Accepted"}, answer
    # A stored, valid charge point certificate: the raise is now Accepted (A05.FR.04), and the
    # charge point reconnects with profile 3 (A05.FR.06/07).
    connections = len(system.connections(cp_id))
    status = system.change_configuration(cp_id, "SecurityProfile", "3")
    assert status["status"] == "Accepted", status
    connection = system.wait_connected(cp_id, timeout=STEP_TIMEOUT, since_connection=connections)
    assert connection.peer_certificate == der(pki / "cp-new.pem"), "not the new certificate"
    (pki / "peer.pem").write_text(ssl.DER_cert_to_PEM_cert(connection.peer_certificate))
    peer = subprocess.run(
        ["openssl", "x509", "-in", "peer.pem", "-noout", "-serial", "-subject",
         "-nameopt", "RFC2253"], cwd=pki, check=True, capture_output=True, text=True, timeout=30)
    assert "serial=5ECA11ED" in peer.stdout, peer.stdout
    assert f"CN={cp_id}" in peer.stdout, peer.stdout
    assert configuration_value(system, cp_id, "SecurityProfile") == "3"
    # Still there after a restart: the certificate and its key are under --state-dir.
    process.kill9()
    connections = len(system.connections(cp_id))
    process.start()
    connection = system.wait_connected(cp_id, timeout=BOOT_TIMEOUT, since_connection=connections)
    assert connection.peer_certificate == der(pki / "cp-new.pem")


def test_security_profile_1_to_2_over_wss(pki, peers):
    """A05.FR.02/03, M05.FR.02, A05.FR.06/07: the raise waits for an installed
    CentralSystemRootCertificate, then the charge point reconnects over wss://."""
    cp_id = "CP-UP-1"
    plain = peers.central_system(cp_id)
    tls = peers.central_system(cp_id, server_context(pki, "good"))
    proxy = peers.proxy(plain, tls)
    peers.charge_point(plain, cp_id, [
        "--csms", proxy.url(), "--state-dir", str(peers.tmp_path / "state"),
        "--security-profile", "1", "--password", PASSWORD]).wait_booted(timeout=BOOT_TIMEOUT)
    assert proxy.tls_connections == 0
    status = plain.change_configuration(cp_id, "SecurityProfile", "2")
    assert status["status"] == "Rejected", status  # no CentralSystemRootCertificate yet
    answer = plain.install_certificate(cp_id, "CentralSystemRootCertificate",
                                       (pki / "test-ca.pem").read_text())
    assert answer == {"status": "Accepted"}, answer
    status = plain.change_configuration(cp_id, "SecurityProfile", "2")
    assert status["status"] == "Accepted", status
    connection = tls.wait_connected(cp_id, timeout=STEP_TIMEOUT)
    assert connection.headers.get("authorization", "").startswith("Basic ")
    assert proxy.tls_connections >= 1
    assert configuration_value(tls, cp_id, "SecurityProfile") == "2"


def test_security_profile_raise_falls_back_after_3_failures(pki, peers):
    """A05.FR.08: the TLS server presents a certificate of a CA the charge point does not
    trust; after 3 failed attempts it falls back to profile 1 and reports
    InvalidCentralSystemCertificate (A00.FR.309) and ReconfigurationOfSecurityParameters."""
    cp_id = "CP-UP-2"
    plain = peers.central_system(cp_id)
    rogue = peers.central_system(cp_id, server_context(pki, "rogue"))
    proxy = peers.proxy(plain, rogue)
    peers.charge_point(plain, cp_id, [
        "--csms", proxy.url(), "--state-dir", str(peers.tmp_path / "state"),
        "--security-profile", "1", "--password", PASSWORD]).wait_booted(timeout=BOOT_TIMEOUT)
    answer = plain.install_certificate(cp_id, "CentralSystemRootCertificate",
                                       (pki / "test-ca.pem").read_text())
    assert answer == {"status": "Accepted"}, answer
    connections = len(plain.connections(cp_id))
    mark = plain.mark()
    status = plain.change_configuration(cp_id, "SecurityProfile", "2")
    assert status["status"] == "Accepted", status
    # Three attempts (reconnect backoff 1 s, 2 s), then profile 1 over ws:// again.
    proxy.wait_tls_connections(3, timeout=20 * SCALE)
    plain.wait_connected(cp_id, timeout=20 * SCALE, since_connection=connections)
    assert proxy.tls_connections == 3, proxy.tls_connections
    assert not rogue.messages(cp_id), "no frame may reach a central system we do not trust"
    fallback = plain.wait_for(
        cp_id, "SecurityEventNotification", since=mark, timeout=STEP_TIMEOUT,
        where=lambda p: p["type"] == "ReconfigurationOfSecurityParameters"
        and "fallback" in p.get("techInfo", ""))
    assert fallback.payload.get("techInfo") == "SecurityProfile fallback to 1", fallback.payload
    refused = plain.wait_for(
        cp_id, "SecurityEventNotification", since=mark, timeout=STEP_TIMEOUT,
        where=lambda p: p["type"] == "InvalidCentralSystemCertificate")
    assert refused.payload.get("techInfo") == "UnknownIssuer", refused.payload
    assert configuration_value(plain, cp_id, "SecurityProfile") == "1"


def test_install_list_and_delete_certificates(pki, peers):
    """M05 InstallCertificate, M03 GetInstalledCertificateIds, M04 DeleteCertificate by the
    returned hash data; `--ca` installed as a CentralSystemRootCertificate when none is."""
    cp_id = "CP-CERTS-1"
    system = peers.central_system(cp_id)
    state = peers.tmp_path / "state"
    process = peers.charge_point(system, cp_id, [
        "--csms", system.url, "--state-dir", str(state), "--security-profile", "1",
        "--password", PASSWORD, "--ca", str(pki / "test-ca.pem")])
    process.wait_booted(timeout=BOOT_TIMEOUT)
    make_ca(pki, "maker-ca")
    test_ca, other_ca, maker_ca = (der(pki / f"{n}.pem") for n in ("test-ca", "other-ca",
                                                                  "maker-ca"))

    def installed(kind: str) -> list[dict]:
        answer = system.get_installed_certificate_ids(cp_id, kind)
        if answer["status"] == "NotFound":  # M03.FR.02
            assert "certificateHashData" not in answer, answer
            return []
        assert answer["status"] == "Accepted", answer
        return answer["certificateHashData"]

    # --ca is installed (M03.FR.03/04), with hash data as §6.1 computes them.
    [seeded] = installed("CentralSystemRootCertificate")
    assert same_hash_data(seeded, hash_data(test_ca)), (seeded, hash_data(test_ca))
    assert installed("ManufacturerRootCertificate") == []

    # M05.FR.02: Accepted and listed; M05.FR.06: not a certificate, Rejected.
    for kind, name in (("CentralSystemRootCertificate", "other-ca"),
                       ("ManufacturerRootCertificate", "maker-ca")):
        answer = system.install_certificate(cp_id, kind, (pki / f"{name}.pem").read_text())
        assert answer == {"status": "Accepted"}, answer
    answer = system.install_certificate(cp_id, "CentralSystemRootCertificate",
                                        "-----BEGIN CERTIFICATE-----\nnot one\n"
                                        "-----END CERTIFICATE-----\n")
    assert answer == {"status": "Rejected"}, answer
    roots = installed("CentralSystemRootCertificate")
    assert len(roots) == 2, roots
    assert any(same_hash_data(r, hash_data(other_ca)) for r in roots), roots
    [maker] = installed("ManufacturerRootCertificate")
    assert same_hash_data(maker, hash_data(maker_ca))

    # M04.FR.02: delete by the hash data returned; M04.FR.04: again, NotFound.
    answer = system.delete_certificate(cp_id, seeded)
    assert answer == {"status": "Accepted"}, answer
    answer = system.delete_certificate(cp_id, seeded)
    assert answer == {"status": "NotFound"}, answer
    [left] = installed("CentralSystemRootCertificate")
    assert same_hash_data(left, hash_data(other_ca))
    # The hex digits in upper case match too (identifierString is case-insensitive).
    upper = {k: (v.upper() if k != "hashAlgorithm" else v) for k, v in maker.items()}
    answer = system.delete_certificate(cp_id, upper)
    assert answer == {"status": "Accepted"}, answer
    assert installed("ManufacturerRootCertificate") == []

    # A restart with the same --ca: a root is installed, so --ca is not installed again.
    process.kill9()
    mark = system.mark()
    process.start()
    process.wait_booted(since=mark, timeout=BOOT_TIMEOUT)
    [kept] = installed("CentralSystemRootCertificate")
    assert same_hash_data(kept, hash_data(other_ca))
