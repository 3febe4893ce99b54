"""End-to-end interop scenarios: the `ocpp-cp` charge point against two independent central
systems ("peers"), each scenario against each: `pypi`, built on the third-party `ocpp` package
(csms.py), and `node`, built on the npm package `ocpp-rpc` in strict mode (csms_node.py,
node/csms.mjs). The peer is in the test id: `test_boot[pypi]`, `test_boot[node]`; scenarios that
start no central system (bad arguments, unreachable central system) run once, without one.

The charge point is the program named by $OCPP_CP_BIN (default: the stand-in fake_ocpp_cp.py; the
real one is target/debug/ocpp-cp), driven only through its documented contract:

    ocpp-cp --csms <URL> --id <ID> [--connectors N] [--state-dir DIR] [--password PW]
            [--vendor V --model M] [--count K]
    stdin: plug c | unplug c | tag c idTag | ev c watts | fault c Code | ok c | quit

Every wait polls the central system's record until a condition holds or a deadline passes.
A scenario whose feature the charge point does not implement (it answers NotImplemented /
NotSupported, or leaves the profile out of SupportedFeatureProfiles) is skipped, naming the
feature; OCPP_E2E_STRICT=1 turns those skips into failures.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from csms import (
    Behaviour,
    CallErrorAnswer,
    CentralSystemPeer,
    CentralSystemThread,
    Message,
    iso_in,
    parse_time,
)
import csms_node
from csms_node import NodeCentralSystem, NodeUnavailable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FAKE = HERE / "fake_ocpp_cp.py"

STRICT = os.environ.get("OCPP_E2E_STRICT") == "1"
SCALE = float(os.environ.get("OCPP_E2E_TIMEOUT_SCALE", "1"))
BOOT_TIMEOUT = 20 * SCALE  # start of the process to StatusNotifications after boot
STEP_TIMEOUT = 10 * SCALE  # a command or call to the frames it causes
RECONNECT_TIMEOUT = 60 * SCALE  # the charge point's reconnect backoff may be long
EXIT_TIMEOUT = 10 * SCALE

TAG_A, TAG_B, TAG_BLOCKED, TAG_OFFLINE = "TAG-A", "TAG-B", "TAG-BLOCKED", "TAG-OFFLINE"
ID_TAGS = {TAG_A: "Accepted", TAG_B: "Accepted", TAG_BLOCKED: "Blocked", TAG_OFFLINE: "Accepted"}

CRASH_MARKERS = ("panicked at", "Traceback (most recent call last)", "RUST_BACKTRACE")
_ids = itertools.count(1)


# -- the charge point process ------------------------------------------------------------------


def cp_command() -> list[str]:
    """How to run the charge point: $OCPP_CP_BIN, or the stand-in."""
    configured = os.environ.get("OCPP_CP_BIN")
    if not configured:
        return [sys.executable, str(FAKE)]
    path = Path(configured)
    if not path.is_absolute() and not path.exists():
        path = REPO / path
    if not path.exists():
        pytest.exit(f"OCPP_CP_BIN={configured} does not exist (build it: cargo build -p ocpp-cp)",
                    returncode=2)
    path = path.resolve()
    return [sys.executable, str(path)] if path.suffix == ".py" else [str(path)]


def using_stand_in() -> bool:
    return cp_command()[-1] == str(FAKE)


class ChargePointProcess:
    """One `ocpp-cp` process: stdin commands, stderr lines, kill -9 and restart."""

    def __init__(self, csms: CentralSystemPeer | None, cp_id: str, args: list[str], log_path: Path,
                 connectors: int = 1):
        self.csms = csms
        self.id = cp_id
        self.args = args
        self.connectors = connectors
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.env: dict[str, str] = {}  # extra environment for the next start (fault injection)
        self.lines: list[tuple[float, str]] = []  # (time, line) from stderr, all runs
        self._cond = threading.Condition()
        self._log = open(log_path, "a", encoding="utf-8")

    @property
    def command(self) -> list[str]:
        return cp_command() + self.args

    def start(self) -> "ChargePointProcess":
        env = dict(os.environ, PYTHONUNBUFFERED="1", RUST_BACKTRACE="1", **self.env)
        self._log.write(f"=== {' '.join([f'{k}={v}' for k, v in self.env.items()] + self.command)}\n")
        self.proc = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1, env=env, cwd=REPO,
        )
        for stream, tag in ((self.proc.stderr, ""), (self.proc.stdout, "[stdout] ")):
            threading.Thread(target=self._read, args=(stream, tag), daemon=True).start()
        return self

    def _read(self, stream, tag: str):
        for line in stream:
            line = line.rstrip("\n")
            with self._cond:
                if not tag:
                    self.lines.append((time.time(), line))
                if not self._log.closed:  # a last line may come after stop() closed the log
                    self._log.write(f"{tag}{line}\n")
                    self._log.flush()
                self._cond.notify_all()
        stream.close()

    # -- control -----------------------------------------------------------------------------

    def send(self, *commands: str) -> None:
        """Write commands to stdin, one per line."""
        assert self.alive(), f"{self.id} is not running (exit code {self.proc.poll()})"
        for command in commands:
            self._log.write(f"[stdin] {command}\n")
            self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL, no chance to save anything."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(EXIT_TIMEOUT)
        self._log.write("=== killed with SIGKILL\n")

    def restart(self) -> "ChargePointProcess":
        """Start again with the same arguments (so the same --state-dir)."""
        if self.alive():
            self.kill9()
        return self.start()

    def quit(self, timeout: float = EXIT_TIMEOUT) -> int:
        """The `quit` command; returns the exit code."""
        self.send("quit")
        return self.wait_exit(timeout)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.id} did not exit within {timeout}s") from None

    def stop(self) -> None:
        """Teardown: quit politely, then SIGKILL."""
        if self.proc is None:
            return
        if self.alive():
            try:
                self.quit(5)
            except (AssertionError, OSError):
                self.proc.kill()
                self.proc.wait(5)
        for stream in (self.proc.stdin,):
            try:
                stream.close()
            except OSError:
                pass
        with self._cond:  # the reader threads write to it under the same lock
            self._log.close()

    # -- stderr ------------------------------------------------------------------------------

    def stderr(self) -> list[str]:
        with self._cond:
            return [line for _, line in self.lines]

    def wait_stderr(self, pattern: str, timeout: float = STEP_TIMEOUT, since: float = 0) -> str:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for at, line in self.lines:
                    if at >= since and regex.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    tail = "\n".join(line for _, line in self.lines[-20:])
                    raise AssertionError(f"no stderr line matching {pattern!r} in {timeout}s:\n{tail}")
                self._cond.wait(min(left, 0.25))

    # -- shortcuts to the central system's record for this identity -------------------------

    def mark(self) -> int:
        return self.csms.mark()

    def wait_for(self, action, **kwargs) -> Message | list[Message]:
        kwargs.setdefault("timeout", STEP_TIMEOUT)
        return self.csms.wait_for(self.id, action, **kwargs)

    def messages(self, action=None, **kwargs) -> list[Message]:
        return self.csms.messages(self.id, action, **kwargs)

    def wait_boot_answered(self, status: str, since: int = 0, timeout: float = BOOT_TIMEOUT) -> Message:
        """The first BootNotification after `since` that the central system answered `status`."""
        return self.csms.wait_until(
            lambda: next((m for m in self.messages("BootNotification", since=since)
                          if (self.csms.answer_now(m) or {}).get("status") == status), None),
            timeout, f"a BootNotification from {self.id} answered {status}", self.id)

    def wait_booted(self, since: int = 0, timeout: float = BOOT_TIMEOUT) -> Message:
        """BootNotification (answered Accepted) then a StatusNotification for each connector
        0..N; returns the BootNotification."""
        boot = self.wait_boot_answered("Accepted", since, timeout)
        for connector in range(self.connectors + 1):
            self.wait_for("StatusNotification", since=boot.seq, timeout=timeout,
                          where=lambda p, c=connector: p["connectorId"] == c)
        return boot

    def call(self, name: str, *args, **kwargs) -> dict:
        """A central-system helper by name for this identity, e.g. call("reset", "Soft")."""
        return getattr(self.csms, name)(self.id, *args, **kwargs)


def ensure_feature(feature: str, answer_or_exc):
    """Skip (or in strict mode fail) when the charge point does not implement a feature."""
    message = f"charge point does not implement {feature}"
    if isinstance(answer_or_exc, CallErrorAnswer):
        message += f" ({answer_or_exc.action} answered {answer_or_exc.code})"
    elif answer_or_exc is not None:
        message += f" ({answer_or_exc})"
    if STRICT:
        pytest.fail(f"{message} [OCPP_E2E_STRICT=1]", pytrace=False)
    pytest.skip(message)


def call_or_skip(feature: str, cp: ChargePointProcess, name: str, *args, **kwargs) -> dict:
    try:
        return cp.call(name, *args, **kwargs)
    except CallErrorAnswer as error:
        if error.code in ("NotImplemented", "NotSupported"):
            ensure_feature(feature, error)
        raise


def require_profile(cp: ChargePointProcess, profile: str) -> None:
    """Skip unless SupportedFeatureProfiles (when the charge point reports it) lists profile."""
    answer = cp.call("get_configuration", ["SupportedFeatureProfiles"])
    for entry in answer.get("configurationKey", []):
        if entry["key"] == "SupportedFeatureProfiles":
            profiles = {p.strip() for p in entry.get("value", "").split(",")}
            if profile not in profiles:
                ensure_feature(profile, f"SupportedFeatureProfiles is {entry.get('value')!r}")


def configure(cp: ChargePointProcess, key: str, value: str) -> str:
    """ChangeConfiguration; returns the status."""
    return cp.call("change_configuration", key, value)["status"]


def energy_wh(meter_values_payload: dict) -> list[float]:
    """The Energy.Active.Import.Register readings (Wh) in a MeterValues payload."""
    readings = []
    for meter_value in meter_values_payload["meterValue"]:
        for sample in meter_value["sampledValue"]:
            if sample.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register":
                factor = 1000.0 if sample.get("unit") == "kWh" else 1.0
                readings.append(float(sample["value"]) * factor)
    return readings


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def charge_point_program():
    """Checks $OCPP_CP_BIN once, before any scenario (stops the run if it is missing)."""
    return cp_command()


@pytest.fixture(scope="session", autouse=True)
def node_spare():
    """Ends the Node process started ahead for the next `node` test (csms_node.acquire) when the
    session ends; no Node process outlives the run."""
    yield
    csms_node.close_spare()


PEERS = ("pypi", "node")


@pytest.fixture(params=PEERS)
def csms(request, tmp_path) -> CentralSystemPeer:
    """A central system on a free loopback port, once per peer: `pypi` in a background asyncio
    thread, `node` in a fresh Node.js child process (started while the previous test ran; its
    stderr in `csms-node.log` in the test's temporary directory). A scenario marked
    `pypi_only(reason)` is skipped on the node peer."""
    peer = request.param
    marker = request.node.get_closest_marker("pypi_only")
    if peer == "node" and marker is not None:
        pytest.skip(f"PyPI peer only: {marker.args[0]}")
    behaviour = Behaviour(id_tags=dict(ID_TAGS))
    if peer == "node":
        try:
            central_system = csms_node.acquire(behaviour, tmp_path / "csms-node.log")
        except NodeUnavailable as error:
            pytest.fail(str(error), pytrace=False)
    else:
        central_system = CentralSystemThread(behaviour)
    try:
        central_system.start()
        yield central_system
    finally:
        central_system.close()
        if isinstance(central_system, NodeCentralSystem):  # shown only when the test failed
            print(f"--- ocpp-rpc central system log (last 30 lines) ---\n{central_system.log_tail()}")


@pytest.fixture
def start_cp(csms, tmp_path):
    """Factory: start_cp(connectors=1, extra=[...]) spawns `ocpp-cp` against `csms` with its own
    --state-dir. At teardown every process is stopped, and the test fails if the central
    system (the `ocpp` package, or `ocpp-rpc` in strict mode) rejected any frame of the charge
    point or the charge point crashed."""
    processes: list[ChargePointProcess] = []

    def start(connectors: int | None = None, extra: list[str] = (), cp_id: str | None = None,
              csms_url: str | None = None, state_dir: Path | None = None) -> ChargePointProcess:
        cp_id = cp_id or f"CP-{next(_ids)}"
        state_dir = state_dir or tmp_path / f"state-{cp_id}"
        args = ["--csms", csms_url or csms.url, "--id", cp_id, "--state-dir", str(state_dir)]
        if connectors is not None:
            args += ["--connectors", str(connectors)]
        process = ChargePointProcess(csms, cp_id, args + list(extra), tmp_path / f"{cp_id}.log",
                                     connectors or 1)
        processes.append(process)
        return process.start()

    yield start
    for process in processes:
        process.stop()
    crashes = [line for p in processes for line in p.stderr() if any(m in line for m in CRASH_MARKERS)]
    csms.sync()
    rejected = csms.errors_sent()
    for process in processes:  # shown by pytest only when the test failed
        print(f"--- {process.id} stderr (last 40 lines) ---")
        print("\n".join(process.stderr()[-40:]))
    assert not crashes, f"charge point crashed: {crashes}"
    assert not rejected, (f"the {csms.name} central system rejected charge point frames:\n"
                          + "\n".join(map(str, rejected)))


@pytest.fixture
def cp(start_cp) -> ChargePointProcess:
    """A booted charge point with one connector."""
    process = start_cp()
    process.wait_booted()
    return process


# -- scenarios -----------------------------------------------------------------------------------


def test_boot(csms, start_cp):
    cp = start_cp(connectors=2, extra=["--vendor", "E2EVendor", "--model", "E2EModel"])
    boot = cp.wait_booted()
    assert boot.payload["chargePointVendor"] == "E2EVendor"
    assert boot.payload["chargePointModel"] == "E2EModel"
    connection = csms.connections(cp.id)[0]
    assert connection.path == f"/ocpp/{cp.id}"
    assert connection.subprotocol == "ocpp1.6"
    statuses = cp.messages("StatusNotification", since=boot.seq)
    assert {s.payload["connectorId"] for s in statuses} >= {0, 1, 2}
    for s in statuses:
        assert s.payload["errorCode"] == "NoError"
        assert s.payload["status"] == "Available", s
    # Only BootNotification may precede the accepted boot.
    first_other = next(m for m in cp.messages() if m.action != "BootNotification")
    assert first_other.seq > boot.seq


def test_frames_logged_to_stderr(cp):
    """Every frame in and out is one stderr line with a timestamp."""
    cp.call("get_configuration", ["HeartbeatInterval"])
    frames = cp.messages(direction=None, kind=None)
    assert frames

    def logged(message: Message) -> bool:
        return any(message.unique_id in line and (message.kind != "CALL" or message.action in line)
                   and re.search(r"\d\d:\d\d:\d\d|\d{10}", line) for line in cp.stderr())

    cp.csms.wait_until(lambda: all(logged(m) for m in frames), STEP_TIMEOUT,
                       "every frame to be logged on stderr", cp.id)


def test_boot_rejected_then_pending_then_accepted(csms, start_cp):
    csms.behaviour.boot_status = "Rejected"
    csms.behaviour.boot_retry_interval = 1
    cp = start_cp()
    rejected = cp.wait_boot_answered("Rejected")
    csms.behaviour.boot_status = "Pending"
    pending = cp.wait_boot_answered("Pending", since=rejected.seq, timeout=STEP_TIMEOUT)
    csms.behaviour.boot_status = "Accepted"
    boot = cp.wait_booted(since=pending.seq)
    before = [m for m in cp.messages() if m.seq < boot.seq and m.action != "BootNotification"]
    assert not before, f"sent before being accepted: {before}"
    gaps = [b.time - a.time for a, b in zip(cp.messages("BootNotification"), cp.messages("BootNotification")[1:])]
    assert all(gap >= 0.5 for gap in gaps), f"boot retried faster than the interval: {gaps}"


def test_slow_central_system(csms, start_cp):
    """Answers that take a while (1 s) are waited for."""
    csms.behaviour.delays = {"BootNotification": 1.0, "StatusNotification": 0.2}
    cp = start_cp()
    boot = cp.wait_booted()
    assert len(cp.messages("BootNotification")) == 1
    assert csms.answer(boot)["status"] == "Accepted"


def test_heartbeat(csms, start_cp):
    csms.behaviour.heartbeat_interval = 1
    cp = start_cp()
    boot = cp.wait_booted()
    beats = cp.wait_for("Heartbeat", since=boot.seq, count=2, timeout=6)
    assert beats[1].time - beats[0].time >= 0.5


def test_an_ev_draws_11_kw_by_default(cp):
    """docs/simulator.md: an EV draws 11000 W until an `ev` command says otherwise, so a session
    started with just `plug` and `tag` charges and the meter moves (it once shipped at 0 W: the
    connector went SuspendedEV and the central system saw no energy)."""
    assert configure(cp, "MeterValueSampleInterval", "1") == "Accepted"
    mark = cp.mark()
    cp.send("plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Charging")
    cp.wait_for("MeterValues", since=start.seq, count=2,
                where=lambda p: p.get("transactionId") == transaction_id)
    cp.send(f"tag 1 {TAG_A}")
    stop = cp.wait_for("StopTransaction", since=start.seq)
    # A SuspendedEV of a few milliseconds between the start and the EV's first draw is allowed
    # (§4.9: "Preparing to Charging with a short SuspendedEV ... inbetween"); the connector must
    # not stay there: the last status before the stop is Charging.
    statuses = [m.payload["status"] for m in cp.messages(
        "StatusNotification", since=mark, where=lambda m: m.payload["connectorId"] == 1
        and m.seq < stop.seq)]
    assert statuses and statuses[-1] == "Charging", statuses
    assert stop.payload["meterStop"] > start.payload["meterStart"], "11 kW for 2 s is more than 1 Wh"


def test_local_transaction(cp):
    assert configure(cp, "MeterValueSampleInterval", "1") == "Accepted"
    mark = cp.mark()
    cp.send("ev 1 11000", "plug 1", f"tag 1 {TAG_A}")
    authorize = cp.wait_for("Authorize", since=mark)
    assert authorize.payload == {"idTag": TAG_A}
    start = cp.wait_for("StartTransaction", since=mark)
    assert start.payload["connectorId"] == 1 and start.payload["idTag"] == TAG_A
    assert isinstance(start.payload["meterStart"], int)
    transaction_id = cp.csms.answer(start)["transactionId"]
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Charging")
    samples = cp.wait_for("MeterValues", since=start.seq, count=2,
                          where=lambda p: p.get("transactionId") == transaction_id)
    readings = [r for s in samples for r in energy_wh(s.payload)]
    assert readings and readings == sorted(readings), readings
    assert readings[0] >= start.payload["meterStart"]

    cp.send(f"tag 1 {TAG_A}")
    stop = cp.wait_for("StopTransaction", since=start.seq)
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload.get("reason", "Local") == "Local"
    assert stop.payload["meterStop"] >= start.payload["meterStart"]
    assert stop.payload["meterStop"] >= readings[-1] - 1
    assert stop.payload["meterStop"] > start.payload["meterStart"], "11 kW for 2 s is more than 1 Wh"
    assert parse_time(stop.payload["timestamp"]) >= parse_time(start.payload["timestamp"])
    mark = cp.mark()
    cp.send("unplug 1")
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Available")


# Every measurand the charge point may sample (ocpp_core::charge_point::metering), split over
# MeterValues and StopTransaction's transactionData (at most 8 per key there: the
# ...SampledDataMaxLength keys say how many), Frequency and the others in both.
SAMPLED_MEASURANDS = ["Energy.Active.Import.Register", "Frequency", "SoC", "Temperature", "Voltage",
                      "Current.Import", "Power.Active.Import", "Current.Offered"]
STOP_TXN_MEASURANDS = ["Energy.Active.Import.Register", "Energy.Active.Export.Register",
                       "Power.Active.Export", "Power.Offered", "Frequency", "SoC", "Temperature",
                       "Voltage"]


def test_every_measurand_passes_both_schemas(cp):
    """Every measurand the charge point can sample, in MeterValues and in StopTransaction's
    transactionData, so that each peer's schemas see every unit, phase, location and context the
    charge point writes (the teardown fails on any CALLERROR). Measurands the simulator has no
    reading for are simply absent."""
    limits = {e["key"]: int(e["value"]) for e in cp.call("get_configuration", [
        "MeterValuesSampledDataMaxLength", "StopTxnSampledDataMaxLength"])["configurationKey"]}
    for key, measurands in (("MeterValuesSampledData", SAMPLED_MEASURANDS),
                            ("StopTxnSampledData", STOP_TXN_MEASURANDS)):
        wanted = measurands[:limits.get(f"{key}MaxLength", len(measurands))]
        if configure(cp, key, ",".join(wanted)) != "Accepted":
            # A charge point may refuse measurands it cannot measure: keep those it takes.
            wanted = [m for m in wanted if configure(cp, key, m) == "Accepted"]
            assert wanted and configure(cp, key, ",".join(wanted)) == "Accepted", (key, wanted)
    assert configure(cp, "MeterValueSampleInterval", "1") == "Accepted"
    mark = cp.mark()
    cp.send("ev 1 11000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    samples = cp.wait_for("MeterValues", since=start.seq, count=2,
                          where=lambda p: p.get("transactionId") == transaction_id)
    cp.send(f"tag 1 {TAG_A}")
    stop = cp.wait_for("StopTransaction", since=start.seq)
    for message in (*samples, stop):  # answered with a CALLRESULT (MeterValues.conf is {})
        cp.csms.wait_until(lambda m=message: cp.messages(
            direction="out", kind=None, since=m.seq, where=lambda a: a.unique_id == m.unique_id),
            STEP_TIMEOUT, f"the answer to {message}", cp.id)
    cp.csms.sync()
    assert not cp.csms.errors_sent(cp.id), cp.csms.errors_sent(cp.id)

    def measurands(meter_values: list[dict]) -> list[str]:
        return sorted({sv.get("measurand", "Energy.Active.Import.Register")
                       for mv in meter_values for sv in mv["sampledValue"]})

    sampled = measurands([mv for s in samples for mv in s.payload["meterValue"]])
    in_stop = measurands(stop.payload.get("transactionData", []))
    print(f"measurands in MeterValues: {sampled}; in StopTransaction: {in_stop}")
    assert "Energy.Active.Import.Register" in sampled


def test_unplug_stops_transaction(cp):
    assert configure(cp, "StopTransactionOnEVSideDisconnect", "true") == "Accepted"
    mark = cp.mark()
    cp.send("ev 1 7000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    cp.send("unplug 1")
    stop = cp.wait_for("StopTransaction", since=start.seq)
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload["reason"] == "EVDisconnected"
    cp.wait_for("StatusNotification", since=start.seq,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Available")


def test_blocked_tag_starts_nothing(cp):
    mark = cp.mark()
    cp.send("plug 1", f"tag 1 {TAG_BLOCKED}", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    # The blocked tag was asked for and refused; the next tag started the transaction.
    assert [m.payload["idTag"] for m in cp.messages("Authorize", since=mark)][:1] == [TAG_BLOCKED]
    assert start.payload["idTag"] == TAG_A
    assert len(cp.messages("StartTransaction", since=mark)) == 1


def test_remote_start_stop(cp):
    mark = cp.mark()
    cp.send("ev 1 7000", "plug 1")
    cp.wait_for("StatusNotification", since=mark, where=lambda p: p["connectorId"] == 1)
    cp.csms.behaviour.first_transaction_id = 424242  # the central system's id, not the CP's
    assert cp.call("remote_start_transaction", TAG_B, connector_id=1) == {"status": "Accepted"}
    start = cp.wait_for("StartTransaction", since=mark)
    assert start.payload["idTag"] == TAG_B and start.payload["connectorId"] == 1
    transaction_id = cp.csms.answer(start)["transactionId"]
    assert transaction_id == 424242
    assert cp.call("remote_stop_transaction", transaction_id + 1000) == {"status": "Rejected"}
    assert cp.call("remote_stop_transaction", transaction_id) == {"status": "Accepted"}
    stop = cp.wait_for("StopTransaction", since=start.seq)
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload["reason"] == "Remote"
    assert stop.payload["meterStop"] >= start.payload["meterStart"]


def test_configuration(csms, start_cp):
    cp = start_cp(connectors=2)
    cp.wait_booted()
    everything = cp.call("get_configuration")
    keys = {entry["key"]: entry for entry in everything["configurationKey"]}
    core = {"HeartbeatInterval", "MeterValueSampleInterval", "NumberOfConnectors",
            "ConnectionTimeOut", "AuthorizeRemoteTxRequests", "LocalAuthorizeOffline",
            "LocalPreAuthorize", "MeterValuesSampledData", "ResetRetries",
            "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId",
            "SupportedFeatureProfiles", "TransactionMessageAttempts",
            "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
            "GetConfigurationMaxKeys", "ClockAlignedDataInterval", "MeterValuesAlignedData",
            "StopTxnAlignedData", "StopTxnSampledData", "ConnectorPhaseRotation"}
    assert core <= set(keys), f"missing core keys: {sorted(core - set(keys))}"
    assert keys["NumberOfConnectors"]["value"] == "2"
    assert keys["NumberOfConnectors"]["readonly"] is True

    assert configure(cp, "MeterValueSampleInterval", "17") == "Accepted"
    assert configure(cp, "ConnectionTimeOut", "45") == "Accepted"
    assert configure(cp, "NoSuchKeyAnywhere", "1") == "NotSupported"
    assert configure(cp, "NumberOfConnectors", "5") == "Rejected"
    assert configure(cp, "MeterValueSampleInterval", "not-a-number") == "Rejected"
    answer = cp.call("get_configuration", ["MeterValueSampleInterval", "NoSuchKeyAnywhere"])
    assert [(e["key"], e["value"]) for e in answer["configurationKey"]] == [("MeterValueSampleInterval", "17")]
    assert answer["unknownKey"] == ["NoSuchKeyAnywhere"]

    # Changed values survive kill -9 (they live in --state-dir).
    mark = cp.mark()
    cp.kill9()
    cp.restart()
    cp.wait_booted(since=mark)
    answer = cp.call("get_configuration", ["MeterValueSampleInterval", "ConnectionTimeOut"])
    assert {e["key"]: e["value"] for e in answer["configurationKey"]} == {
        "MeterValueSampleInterval": "17", "ConnectionTimeOut": "45"}


def test_reset_soft(cp):
    mark = cp.mark()
    cp.send("ev 1 7000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    mark = cp.mark()
    assert cp.call("reset", "Soft") == {"status": "Accepted"}
    stop = cp.wait_for("StopTransaction", since=mark, timeout=BOOT_TIMEOUT)
    assert stop.payload["transactionId"] == transaction_id
    assert stop.payload["reason"] == "SoftReset"
    cp.wait_booted(since=mark)


def test_offline_queue_delivered_on_reconnect(csms, cp):
    """Transactions done while the central system is down are delivered, in order and with
    their original timestamps, once it is back."""
    if configure(cp, "AllowOfflineTxForUnknownId", "true") != "Accepted":
        # Fall back to the Local Authorization List for the offline tag.
        if configure(cp, "LocalAuthListEnabled", "true") != "Accepted":
            ensure_feature("offline authorization", "neither AllowOfflineTxForUnknownId nor a local list")
        answer = call_or_skip("LocalAuthListManagement", cp, "send_local_list", 1, "Full",
                              [{"idTag": TAG_OFFLINE, "idTagInfo": {"status": "Accepted"}}])
        assert answer == {"status": "Accepted"}
    configure(cp, "LocalAuthorizeOffline", "true")
    mark = cp.mark()
    csms.stop_listener()  # drops the connection; the charge point has seen the close
    offline_at = time.time()
    cp.send("ev 1 11000", "plug 1", f"tag 1 {TAG_OFFLINE}")
    time.sleep(1.5 * SCALE)  # charge a little while offline
    cp.send(f"tag 1 {TAG_OFFLINE}", "unplug 1")
    time.sleep(1.2 * SCALE)  # so the stop's timestamp is clearly before the central system returns
    back_at = time.time()
    csms.restart_listener()

    stop = cp.wait_for("StopTransaction", since=mark, timeout=RECONNECT_TIMEOUT)
    starts = cp.messages("StartTransaction", since=mark)
    assert len(starts) == 1, starts
    start = starts[0]
    assert start.payload["idTag"] == TAG_OFFLINE
    assert start.seq < stop.seq, "StartTransaction must be delivered before its StopTransaction"
    assert start.time >= back_at and stop.time >= back_at
    assert stop.payload["transactionId"] == csms.answer(start)["transactionId"]
    assert stop.payload.get("reason", "Local") == "Local"
    assert stop.payload["meterStop"] >= start.payload["meterStart"]
    started, stopped = parse_time(start.payload["timestamp"]), parse_time(stop.payload["timestamp"])
    assert offline_at - 2 <= started <= stopped < back_at, (offline_at, started, stopped, back_at)
    assert stopped - started >= 1, "the transaction lasted 1.5 s while offline"
    # Any sampled meter values of the transaction sit between its start and stop.
    transaction_id = stop.payload["transactionId"]
    for sample in cp.messages("MeterValues", since=mark, where=lambda m: m.payload.get("transactionId") == transaction_id):
        assert start.seq < sample.seq < stop.seq


def test_kill9_during_transaction_stops_with_power_loss(cp):
    assert configure(cp, "MeterValueSampleInterval", "1") == "Accepted"
    mark = cp.mark()
    cp.send("ev 1 11000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    # A sample carrying the transactionId shows the charge point took in StartTransaction.conf.
    cp.wait_for("MeterValues", since=start.seq, where=lambda p: p.get("transactionId") == transaction_id)
    cp.kill9()
    killed_at = time.time()
    cp.csms.wait_disconnected(cp.id)
    mark = cp.mark()
    cp.restart()
    boot = cp.wait_booted(since=mark)
    stop = cp.wait_for("StopTransaction", since=mark,
                       where=lambda p: p["transactionId"] == transaction_id, timeout=BOOT_TIMEOUT)
    assert stop.seq > boot.seq, "the interrupted transaction is stopped after the new boot"
    assert stop.payload["reason"] == "PowerLoss"
    assert stop.payload["meterStop"] >= start.payload["meterStart"]
    # When power was lost is not known exactly: the last time the charge point saved, or its
    # restart. Either lies between the start and the StopTransaction's arrival.
    assert parse_time(start.payload["timestamp"]) <= parse_time(stop.payload["timestamp"]) <= stop.time + 1
    assert killed_at > parse_time(start.payload["timestamp"])
    assert len(cp.messages("StartTransaction")) == 1, "StartTransaction was not sent twice"


def test_trigger_message(cp):
    mark = cp.mark()
    assert cp.call("trigger_message", "StatusNotification", connector_id=1) == {"status": "Accepted"}
    status = cp.wait_for("StatusNotification", since=mark)
    assert status.payload["connectorId"] == 1 and status.payload["status"] == "Available"
    mark = cp.mark()
    assert cp.call("trigger_message", "Heartbeat") == {"status": "Accepted"}
    cp.wait_for("Heartbeat", since=mark)
    try:  # a connector that does not exist
        assert cp.call("trigger_message", "StatusNotification", connector_id=7) == {"status": "Rejected"}
    except CallErrorAnswer as error:
        assert error.code in ("PropertyConstraintViolation", "OccurenceConstraintViolation",
                              "OccurrenceConstraintViolation"), error


def test_change_availability(cp):
    mark = cp.mark()
    assert cp.call("change_availability", 1, "Inoperative") == {"status": "Accepted"}
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Unavailable")
    mark = cp.mark()
    assert cp.call("change_availability", 1, "Operative") == {"status": "Accepted"}
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Available")


def test_status_fault_and_clear(cp):
    mark = cp.mark()
    cp.send("fault 1 GroundFailure")
    cp.wait_for("StatusNotification", since=mark, where=lambda p: p["connectorId"] == 1
                and p["status"] == "Faulted" and p["errorCode"] == "GroundFailure")
    mark = cp.mark()
    cp.send("ok 1")
    cp.wait_for("StatusNotification", since=mark, where=lambda p: p["connectorId"] == 1
                and p["status"] == "Available" and p["errorCode"] == "NoError")


def test_reservation(cp):
    require_profile(cp, "Reservation")
    mark = cp.mark()
    answer = call_or_skip("Reservation", cp, "reserve_now", 1, iso_in(120), TAG_A, 42)
    assert answer == {"status": "Accepted"}
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Reserved")
    mark = cp.mark()
    assert cp.call("cancel_reservation", 42) == {"status": "Accepted"}
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Available")
    assert cp.call("cancel_reservation", 42) == {"status": "Rejected"}

    # A reservation is used by its idTag and named in StartTransaction.
    assert cp.call("reserve_now", 1, iso_in(120), TAG_A, 43) == {"status": "Accepted"}
    mark = cp.mark()
    cp.send("plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    assert start.payload.get("reservationId") == 43


def test_local_list(cp):
    require_profile(cp, "LocalAuthListManagement")
    if configure(cp, "LocalAuthListEnabled", "true") not in ("Accepted", "RebootRequired"):
        ensure_feature("LocalAuthListManagement", "LocalAuthListEnabled cannot be set")
    version = call_or_skip("LocalAuthListManagement", cp, "get_local_list_version")["listVersion"]
    assert isinstance(version, int) and version >= 0, "0 when empty; -1 only when disabled"
    full = [{"idTag": "TAG-L1", "idTagInfo": {"status": "Accepted"}},
            {"idTag": "TAG-L2", "idTagInfo": {"status": "Blocked"}}]
    assert cp.call("send_local_list", 5, "Full", full) == {"status": "Accepted"}
    assert cp.call("get_local_list_version") == {"listVersion": 5}
    differential = [{"idTag": "TAG-L3", "idTagInfo": {"status": "Accepted"}}, {"idTag": "TAG-L2"}]
    assert cp.call("send_local_list", 6, "Differential", differential) == {"status": "Accepted"}
    assert cp.call("get_local_list_version") == {"listVersion": 6}
    stale = [{"idTag": "TAG-L4", "idTagInfo": {"status": "Accepted"}}]
    assert cp.call("send_local_list", 6, "Differential", stale) == {"status": "VersionMismatch"}
    assert cp.call("get_local_list_version") == {"listVersion": 6}


def test_data_transfer_unknown_vendor(cp):
    answer = cp.call("data_transfer", "com.example.nobody", message_id="ping", data="{}")
    assert answer["status"] == "UnknownVendorId"


def test_unlock_connector_stops_transaction(cp):
    mark = cp.mark()
    cp.send("ev 1 7000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    answer = cp.call("unlock_connector", 1)
    if answer["status"] == "NotSupported":
        ensure_feature("UnlockConnector", "answered NotSupported")
    assert answer["status"] == "Unlocked"
    stop = cp.wait_for("StopTransaction", since=start.seq)
    assert stop.payload["reason"] == "UnlockCommand"


def test_smart_charging_limits_energy(cp):
    require_profile(cp, "SmartCharging")
    assert configure(cp, "MeterValueSampleInterval", "1") == "Accepted"
    profile = {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": {
            "chargingRateUnit": "W", "startSchedule": iso_in(-60),
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 3600.0}]},
    }
    answer = call_or_skip("SmartCharging", cp, "set_charging_profile", 1, profile)
    assert answer == {"status": "Accepted"}
    schedule = cp.call("get_composite_schedule", 1, 300, charging_rate_unit="W")
    assert schedule["status"] == "Accepted"
    assert schedule["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == pytest.approx(3600, rel=0.05)

    mark = cp.mark()
    cp.send("ev 1 11000", "plug 1", f"tag 1 {TAG_A}")
    start = cp.wait_for("StartTransaction", since=mark)
    transaction_id = cp.csms.answer(start)["transactionId"]
    samples = cp.wait_for("MeterValues", since=start.seq, count=4,
                          where=lambda p: p.get("transactionId") == transaction_id)
    (first,), (last,) = energy_wh(samples[0].payload)[:1], energy_wh(samples[-1].payload)[:1]
    seconds = parse_time(samples[-1].payload["meterValue"][0]["timestamp"]) - \
        parse_time(samples[0].payload["meterValue"][0]["timestamp"])
    assert seconds >= 2
    # 3.6 kW is 1 Wh/s; the EV alone would draw 11 kW (about 3 Wh/s).
    assert last - first <= seconds * 1.0 + 1.5, (first, last, seconds)
    assert cp.call("clear_charging_profile", id=1) == {"status": "Accepted"}


def test_firmware_update_and_diagnostics(cp):
    require_profile(cp, "FirmwareManagement")
    mark = cp.mark()
    # Loopback only, and nothing listens on port 9: the download fails quickly.
    answer = call_or_skip("FirmwareManagement", cp, "update_firmware", "http://127.0.0.1:9/fw.bin")
    assert answer == {}
    cp.wait_for("FirmwareStatusNotification", since=mark, timeout=30 * SCALE)
    mark = cp.mark()
    answer = call_or_skip("FirmwareManagement", cp, "get_diagnostics", "ftp://127.0.0.1:9/diagnostics/")
    assert set(answer) <= {"fileName"}
    if answer:
        cp.wait_for("DiagnosticsStatusNotification", since=mark, timeout=30 * SCALE)


FTP_USER, FTP_PASSWORD = "diag", "p@ss w"  # percent-encoded in the URL: p%40ss%20w


@pytest.fixture
def ftp_server(tmp_path):
    """A pyftpdlib FTP server on a free loopback port, serving a temporary directory to
    FTP_USER, in a background thread. Yields (port, directory)."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    root = tmp_path / "ftp"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, FTP_PASSWORD, str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def serve():  # pyftpdlib's own tests stop a threaded server this way
        while not stop.is_set():
            server.serve_forever(timeout=0.1, blocking=False, handle_exit=False)
        server.close_all()

    thread = threading.Thread(target=serve, name="ftp-server", daemon=True)
    thread.start()
    yield server.address[1], root
    stop.set()
    thread.join(10)


def ftp_url(port: int, path: str) -> str:
    return f"ftp://{FTP_USER}:p%40ss%20w@127.0.0.1:{port}/{path}"


def test_diagnostics_upload_over_ftp(cp, ftp_server):
    port, root = ftp_server
    require_profile(cp, "FirmwareManagement")
    mark = cp.mark()
    answer = call_or_skip("FirmwareManagement", cp, "get_diagnostics", ftp_url(port, ""))
    name = answer.get("fileName")
    assert name, f"GetDiagnostics.conf announced no file: {answer}"
    cp.wait_for("DiagnosticsStatusNotification", since=mark, where=lambda p: p["status"] == "Uploading")
    done = cp.wait_for("DiagnosticsStatusNotification", since=mark, timeout=30 * SCALE,
                       where=lambda p: p["status"] != "Uploading")
    assert done.payload["status"] == "Uploaded", cp.stderr()[-10:]
    uploaded = root / name
    assert uploaded.is_file(), sorted(p.name for p in root.iterdir())
    assert uploaded.stat().st_size > 0


def test_firmware_update_over_ftp(cp, ftp_server):
    port, root = ftp_server
    (root / "firmware").mkdir()
    (root / "firmware" / "fw-2.0.bin").write_bytes(os.urandom(100_000))
    require_profile(cp, "FirmwareManagement")
    mark = cp.mark()
    answer = call_or_skip("FirmwareManagement", cp, "update_firmware",
                          ftp_url(port, "firmware/fw-2.0.bin"))
    assert answer == {}
    downloaded = cp.wait_for("FirmwareStatusNotification", since=mark, timeout=30 * SCALE,
                             where=lambda p: p["status"] in ("Downloaded", "DownloadFailed"))
    seen = [m.payload["status"] for m in cp.messages("FirmwareStatusNotification", since=mark)]
    assert seen[:2] == ["Downloading", "Downloaded"], (seen, cp.stderr()[-10:])
    # "Installing" restarts the charge point: a new boot, then Installed.
    boot = cp.wait_boot_answered("Accepted", since=downloaded.seq)
    cp.wait_for("FirmwareStatusNotification", since=boot.seq, timeout=30 * SCALE,
                where=lambda p: p["status"] == "Installed")
    cp.wait_stderr(r"firmware downloaded from .*: 100000 bytes")


def test_count_runs_many_charge_points(csms, start_cp):
    cp = start_cp(extra=["--count", "3"])

    def identities():
        found = {c.cp_id for c in csms.connections() if c.cp_id.startswith(cp.id) and c.refused is None}
        return found if len(found) >= 3 else None

    found = csms.wait_until(identities, BOOT_TIMEOUT, "3 charge points to connect")
    assert len(found) == 3, found
    for identity in found:
        csms.wait_for(identity, "BootNotification", timeout=BOOT_TIMEOUT)
        csms.wait_for(identity, "StatusNotification", where=lambda p: p["connectorId"] == 1,
                      timeout=BOOT_TIMEOUT)


def test_basic_auth_password(csms, start_cp):
    good = f"CP-{next(_ids)}"
    bad = f"CP-{next(_ids)}"
    csms.behaviour.passwords = {good: "correct horse", bad: "battery staple"}
    cp = start_cp(cp_id=good, extra=["--password", "correct horse"])
    cp.wait_booted()
    assert csms.connections(good)[-1].headers.get("authorization", "").startswith("Basic ")
    intruder = start_cp(cp_id=bad, extra=["--password", "wrong"])
    csms.wait_until(lambda: [c for c in csms.connections(bad) if c.refused == "bad password"],
                    STEP_TIMEOUT, "the wrong password to be refused")
    assert not csms.messages(bad)
    intruder.stop()


def test_bad_stdin_commands_are_survived(cp):
    mark = cp.mark()
    cp.send("frobnicate 1", "plug 99", "tag 1", "ev one 100", "fault 1 NotAnErrorCode", "plug 1")
    cp.wait_for("StatusNotification", since=mark,
                where=lambda p: p["connectorId"] == 1 and p["status"] == "Preparing")
    assert cp.alive()


def test_quit_is_orderly(csms, cp):
    assert cp.quit() == 0
    csms.wait_disconnected(cp.id)


@pytest.mark.parametrize("args", [
    pytest.param(["--csms", "http://127.0.0.1:1/ocpp", "--id", "CP-X"], id="not-a-websocket-url"),
    pytest.param(["--csms", "ws://127.0.0.1:1/ocpp", "--id", "CP-X", "--connectors", "abc"], id="bad-connectors"),
    pytest.param(["--csms", "ws://127.0.0.1:1/ocpp", "--id", "CP-X", "--state-dir", "/dev/null/state"], id="bad-state-dir"),
    pytest.param(["--csms", "ws://127.0.0.1:1/ocpp", "--id", "CP-X", "--no-such-option"], id="unknown-option"),
])
def test_bad_arguments_give_one_line_and_nonzero_exit(args):
    result = subprocess.run(cp_command() + args, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=EXIT_TIMEOUT, cwd=REPO)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert not any(m in result.stderr for m in CRASH_MARKERS), result.stderr
    assert len(lines) == 1, f"contract: one clear line on stderr, got:\n{result.stderr}"


def test_unreachable_central_system(tmp_path):
    """Nothing listens: either a non-zero exit with a clear message, or retries that say when
    the next attempt comes (and `quit` still works)."""
    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cp = ChargePointProcess(None, "CP-NOWHERE", [
        "--csms", f"ws://127.0.0.1:{port}/ocpp", "--id", "CP-NOWHERE",
        "--state-dir", str(tmp_path / "state")], tmp_path / "CP-NOWHERE.log")
    cp.start()
    try:
        retrying = r"(?i)retry|retrying|reconnect|again in|\bin \d"
        deadline = time.monotonic() + STEP_TIMEOUT
        while cp.alive() and time.monotonic() < deadline:
            if any(re.search(retrying, line) for line in cp.stderr()):
                break
            time.sleep(0.05)
        if cp.alive():
            cp.wait_stderr(retrying, timeout=0.1)
            assert cp.quit() == 0
        else:
            assert cp.proc.returncode != 0, "gave up, so it must exit non-zero"
            cp.wait_exit()
            time.sleep(0.1)  # the reader thread drains stderr
            assert cp.stderr(), "gave up without saying why"
    finally:
        cp.stop()
    crashes = [line for line in cp.stderr() if any(m in line for m in CRASH_MARKERS)]
    assert not crashes, crashes


# -- harness self-checks: the peers themselves ---------------------------------------------------


def raw_client(csms: CentralSystemPeer, path: str, subprotocols=("ocpp1.6",)):
    """A bare WebSocket client (no OCPP library) on the central system, to send frames no
    charge point implementation would."""
    from websockets.sync.client import connect

    return connect(f"ws://127.0.0.1:{csms.port}{path}", subprotocols=list(subprotocols) or None,
                   proxy=None, open_timeout=STEP_TIMEOUT, ping_interval=None)


def test_peer_rejects_invalid_frames(csms):
    """Each peer schema-checks what it is sent, both ways, so that the scenarios' teardown check
    (no CALLERROR from the central system) means something: an invalid CALL is answered with a
    CALLERROR, an unknown action too, and an invalid answer to the central system's call fails
    that call."""
    import json

    from csms import InvalidAnswer

    with raw_client(csms, "/ocpp/RAW-1") as ws:
        ws.send(json.dumps([2, "b1", "BootNotification",
                            {"chargePointVendor": "raw", "chargePointModel": "raw"}]))
        assert json.loads(ws.recv(STEP_TIMEOUT))[:2] == [3, "b1"]
        ws.send(json.dumps([2, "s1", "StatusNotification",
                            {"connectorId": 1, "errorCode": "NoError", "status": "Bogus"}]))
        answer = json.loads(ws.recv(STEP_TIMEOUT))
        assert answer[:2] == [4, "s1"], answer
        ws.send(json.dumps([2, "u1", "NoSuchAction", {}]))
        answer = json.loads(ws.recv(STEP_TIMEOUT))
        assert answer[:3] in ([4, "u1", "NotImplemented"], [4, "u1", "NotSupported"]), answer
        csms.sync()
        assert [m.unique_id for m in csms.errors_sent("RAW-1")] == ["s1", "u1"]

        # The central system calls; the raw client answers with a list where a string belongs.
        def answer_badly():
            request = json.loads(ws.recv(STEP_TIMEOUT))
            ws.send(json.dumps([3, request[1], {"status": ["Accepted"]}]))

        responder = threading.Thread(target=answer_badly)
        responder.start()
        with pytest.raises(InvalidAnswer):
            csms.reset("RAW-1", "Soft", timeout=STEP_TIMEOUT)
        responder.join(STEP_TIMEOUT)
        assert csms.messages("RAW-1", "Reset", kind="CALLRESULT")


def test_peer_behaviour_settings(csms):
    """Each peer answers as `Behaviour` says, including settings changed while running (for
    the `node` peer they travel over the control channel): boot status and intervals, idTag
    statuses, transactionIds, a delayed answer and a CALL never answered."""
    import json

    def exchange(ws, unique_id: str, action: str, payload: dict, timeout: float = STEP_TIMEOUT):
        ws.send(json.dumps([2, unique_id, action, payload]))
        answer = json.loads(ws.recv(timeout))
        assert answer[:2] == [3, unique_id], answer
        return answer[2]

    boot = {"chargePointVendor": "raw", "chargePointModel": "raw"}
    csms.behaviour.boot_status = "Pending"
    csms.behaviour.boot_retry_interval = 7
    with raw_client(csms, "/ocpp/RAW-4") as ws:
        assert {k: v for k, v in exchange(ws, "b1", "BootNotification", boot).items()
                if k != "currentTime"} == {"status": "Pending", "interval": 7}
        csms.behaviour.boot_status = "Accepted"
        csms.behaviour.heartbeat_interval = 42
        assert exchange(ws, "b2", "BootNotification", boot)["interval"] == 42
        csms.behaviour.id_tags = {"TAG-X": "Expired"}
        csms.behaviour.unknown_id_tag_status = "Blocked"
        assert exchange(ws, "a1", "Authorize", {"idTag": "TAG-X"}) == {"idTagInfo": {"status": "Expired"}}
        assert exchange(ws, "a2", "Authorize", {"idTag": "TAG-Y"}) == {"idTagInfo": {"status": "Blocked"}}
        csms.behaviour.first_transaction_id = 900
        start = {"connectorId": 1, "idTag": "TAG-X", "meterStart": 0, "timestamp": iso_in(0)}
        assert exchange(ws, "t1", "StartTransaction", start)["transactionId"] == 900
        assert exchange(ws, "t2", "StartTransaction", start)["transactionId"] == 901

        csms.behaviour.delays = {"Heartbeat": 0.4}
        sent = time.monotonic()
        exchange(ws, "h1", "Heartbeat", {})
        assert time.monotonic() - sent >= 0.35
        csms.behaviour.delays = {}
        csms.behaviour.no_answer = {"Heartbeat"}
        ws.send(json.dumps([2, "h2", "Heartbeat", {}]))
        with pytest.raises(TimeoutError):
            ws.recv(0.5)
        csms.behaviour.no_answer = set()
        exchange(ws, "h3", "Heartbeat", {})
    csms.sync()
    assert not csms.answer_now(csms.messages("RAW-4", "Heartbeat")[1])
    assert not csms.errors_sent("RAW-4")


def test_peer_refuses_bad_path_and_missing_subprotocol(csms):
    """A connection on another path is closed at once and recorded as refused; one without the
    ocpp1.6 subprotocol is refused in the handshake (HTTP 400: websockets does that before the
    PyPI peer sees it) or closed at once. Neither counts as connected."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    with raw_client(csms, "/other/RAW-2") as ws:
        with pytest.raises(ConnectionClosed):
            ws.recv(STEP_TIMEOUT)
    csms.wait_until(lambda: [c for c in csms.connections("/other/RAW-2") if c.refused == "bad path"],
                    STEP_TIMEOUT, "the connection on /other/ to be refused")
    try:
        with raw_client(csms, "/ocpp/RAW-3", subprotocols=()) as ws:
            with pytest.raises(ConnectionClosed):
                ws.recv(STEP_TIMEOUT)
    except InvalidStatus as refused:
        assert refused.response.status_code == 400
    csms.sync()
    assert not csms.is_connected("RAW-3") and not csms.messages("RAW-3", direction=None, kind=None)


def test_node_peer_exits_when_stdin_closes(tmp_path):
    """The Node process never outlives the test run: it exits when its stdin ends (as when
    pytest dies), not only on `quit`."""
    peer = NodeCentralSystem(Behaviour(), log_path=tmp_path / "csms-node.log")
    try:
        assert peer.start() > 0
        peer.proc.stdin.close()
        assert peer.proc.wait(EXIT_TIMEOUT) == 0
    finally:
        peer.close()


def test_harness_uses_stand_in_or_real_binary():
    """Says which charge point ran (visible with -rA); fails if $OCPP_CP_BIN is missing."""
    command = cp_command()
    assert Path(command[-1]).exists()
    if using_stand_in():
        print("charge point: the stand-in tests/e2e/fake_ocpp_cp.py (set OCPP_CP_BIN for the real one)")


def test_without_arguments_the_demo_runs_one_session():
    """The README's run command: no --csms starts the built-in demo central system and runs one
    complete charging session against it, then exits 0."""
    binary = os.environ.get("OCPP_CP_BIN")
    if not binary or binary.endswith(".py"):
        pytest.skip("the stand-in has no demo")
    done = subprocess.run([binary], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    for action in ("BootNotification", "Authorize", "StartTransaction", "MeterValues", "StopTransaction"):
        assert f'"{action}"' in done.stderr, action
    assert "1 transaction(s)" in done.stdout, done.stdout
