"""The second central system for the end-to-end interop tests: the npm package `ocpp-rpc` in
strict mode, run as a Node.js process (node/csms.mjs), behind the same Python interface as the
PyPI peer (`csms.CentralSystemPeer`), so the same scenarios run against both.

Why a second peer: the `ocpp` package and our charge point could share a misreading of the
spec; `ocpp-rpc` validates every message in both directions against its own copy of the OCPP 1.6
JSON schemas and answers a violation with a CALLERROR, which the scenarios' teardown turns into a
failure (`errors_sent`).

The control channel is the Node process's stdin and stdout, one JSON object a line: commands go
in with an `id`; answers (`re`) and the record (`ev`: every frame both ways with its sequence
number, every connection and its close) come out in the order they happened, and a reader thread
mirrors the record into the lists `CentralSystemPeer` waits on. Nothing listens for the control
channel; the central system itself listens on 127.0.0.1 only.

Each test gets a fresh process; `acquire` hands out one started while the previous test ran
(loading ocpp-rpc costs about 0.35 s of CPU) and starts the next. A process ends with its test:
`close()` sends `quit`, closes stdin and kills it if it is still there; the spare left at the
end is closed by a session fixture; and the process exits by itself when its stdin ends, so it
also dies with pytest.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import threading
from dataclasses import fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case

from csms import (
    Behaviour,
    CallErrorAnswer,
    CentralSystemPeer,
    Connection,
    InvalidAnswer,
    Message,
    NotConnected,
)

NODE_DIR = Path(__file__).resolve().parent / "node"
SCRIPT = NODE_DIR / "csms.mjs"


class NodeUnavailable(RuntimeError):
    """`node` or the installed `ocpp-rpc` is missing (tests/e2e/run.sh installs it)."""


def check_installed() -> None:
    if shutil.which("node") is None:
        raise NodeUnavailable("node is not on PATH (Node.js >= 18 is needed for the ocpp-rpc peer)")
    if not (NODE_DIR / "node_modules" / "ocpp-rpc" / "package.json").is_file():
        raise NodeUnavailable(
            "ocpp-rpc is not installed: run `npm ci --prefix tests/e2e/node` (tests/e2e/run.sh does)")


class _PushedBehaviour(Behaviour):
    """A `Behaviour` whose every attribute write is sent to the Node process at once, so tests
    keep writing `csms.behaviour.boot_status = "Pending"` as with the PyPI peer.

    Dicts and sets are stored read-only: a change in place (`behaviour.id_tags[t] = ...`) would
    not reach Node, so it raises instead of silently diverging. Assign a new value."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, dict):
            value = MappingProxyType(dict(value))
        elif isinstance(value, set):
            value = frozenset(value)
        super().__setattr__(name, value)
        push = self.__dict__.get("_push")
        if push is not None and not name.startswith("_"):
            push(self)

    def wire(self) -> dict:
        """The settings as csms.mjs takes them (same names)."""
        if self.transaction_id is not None:
            raise NotImplementedError("the ocpp-rpc peer takes no transaction_id function; "
                                      "set first_transaction_id")
        out = {}
        for f in fields(Behaviour):
            if f.name == "transaction_id":
                continue
            value = getattr(self, f.name)
            if isinstance(value, MappingProxyType):
                value = dict(value)
            elif isinstance(value, frozenset):
                value = sorted(value)
            out[f.name] = value
        return out


class NodeCentralSystem(CentralSystemPeer):
    """The ocpp-rpc peer: node/csms.mjs in a child process, driven over its stdin/stdout."""

    name = "node"

    def __init__(self, behaviour: Behaviour | None = None, log_path: Path | None = None, *,
                 spare: bool = False):
        """Start the Node process. A `spare` is not yet anybody's: `attach` gives it its
        behaviour and log later (see `acquire`), so Node loads while another test runs."""
        check_installed()
        super().__init__(threading.Condition(), [], [])
        self.port = 0
        self._active: dict[str, int] = {}  # identity -> number of its open connection
        self._ids = itertools.count(1)
        self._write_lock = threading.Lock()  # one command line at a time on stdin
        self._pending: dict[int, dict] = {}  # command id -> its answer, once it came
        self._gone = False  # stdout closed: the process ended
        self._log_path: Path | None = None
        self._log = None  # the log file once attached; stderr lines wait in _early until then
        self._early: list[str] = []
        self.proc = subprocess.Popen(
            ["node", str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1, cwd=NODE_DIR,
        )
        self._reader = threading.Thread(target=self._read, name="csms-node", daemon=True)
        self._reader.start()
        self._stderr = threading.Thread(target=self._read_stderr, name="csms-node-log", daemon=True)
        self._stderr.start()
        self._behaviour: _PushedBehaviour | None = None
        if not spare:
            self.attach(behaviour or Behaviour(), log_path)

    def attach(self, behaviour: Behaviour, log_path: Path | None) -> None:
        """Make this process a test's central system: its behaviour, and its stderr log."""
        with self._cond:
            self._log_path = log_path
            if log_path is not None:
                self._log = open(log_path, "a", encoding="utf-8")
                self._log.writelines(self._early)
                self._log.flush()
            self._early.clear()
        self._behaviour = _PushedBehaviour(**{f.name: getattr(behaviour, f.name)
                                              for f in fields(Behaviour)})
        self._push(self._behaviour)
        self._behaviour._push = self._push

    # -- the control channel -----------------------------------------------------------------

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # not ours (csms.mjs writes only JSON lines to stdout)
            with self._cond:
                if "re" in event:
                    self._pending[event["re"]] = event
                else:
                    self._record(event)
                self._cond.notify_all()
        with self._cond:
            self._gone = True
            self._active.clear()
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        """Node's diagnostics into the test's log (kept until one is attached)."""
        for line in self.proc.stderr:
            with self._cond:
                if self._log is not None:
                    self._log.write(line)
                    self._log.flush()
                elif self._log_path is None:
                    self._early.append(line)

    def _record(self, event: dict) -> None:
        """Mirror one record line (under `_cond`)."""
        kind = event["ev"]
        if kind == "message":
            self._messages.append(Message(
                event["seq"], event["cp_id"], event["connection"], event["direction"],
                event["kind"], event["unique_id"], event["action"], event["payload"],
                event["time"], event["raw"]))
        elif kind == "connection":
            self._connections.append(Connection(
                event["seq"], event["cp_id"], event["number"], event["path"], event["subprotocol"],
                event["headers"], event["opened"], event["closed"], event["refused"]))
            if event["refused"] is None:
                self._active[event["cp_id"]] = event["number"]
        elif kind == "closed":
            for connection in self._connections:
                if connection.cp_id == event["cp_id"] and connection.number == event["number"]:
                    connection.closed = event["time"]
            if self._active.get(event["cp_id"]) == event["number"]:
                del self._active[event["cp_id"]]

    def _command(self, cmd: str, wait: float, **args) -> Any:
        """Send one command and wait for its answer; raise if it failed or none came."""
        command_id = next(self._ids)
        line = json.dumps({"id": command_id, "cmd": cmd, **args})
        if self._gone:
            raise RuntimeError(f"the ocpp-rpc central system has exited ({cmd})")
        # Written outside `_cond`, which the reader thread needs to take in Node's output: Node
        # writes to a pipe synchronously, so it must never wait for us while we wait for it.
        with self._write_lock:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        with self._cond:
            if not self._cond.wait_for(lambda: command_id in self._pending or self._gone, wait):
                raise TimeoutError(f"the ocpp-rpc central system did not answer {cmd} in {wait}s")
            answer = self._pending.pop(command_id, None)
        if answer is None:
            raise RuntimeError(f"the ocpp-rpc central system exited during {cmd}")
        if "error" in answer:
            raise RuntimeError(f"ocpp-rpc central system: {cmd} failed: {answer['error']}")
        return answer["ok"]

    def _push(self, behaviour: _PushedBehaviour) -> None:
        self._command("behaviour", 10, behaviour=behaviour.wire())

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def behaviour(self) -> Behaviour:
        return self._behaviour

    def start(self, port: int = 0) -> int:
        self.port = self._command("start", 20, port=port)
        return self.port

    def stop_listener(self) -> None:
        self._command("stop", 45)

    def restart_listener(self) -> None:
        self._command("start", 20, port=self.port)

    def close(self) -> None:
        """Stop the process: `quit`, end of stdin, and SIGKILL if it lingers."""
        try:
            if self.proc.poll() is None and not self._gone:
                self._command("quit", 10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        finally:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self._reader.join(5)
            self._stderr.join(5)
            with self._cond:
                if self._log is not None:
                    self._log.close()
                    self._log = None

    def is_connected(self, cp_id: str) -> bool:
        return cp_id in self._active

    def sync(self) -> None:
        """A no-op command: its answer comes after every record line written before it."""
        self._command("sync", 10)

    # -- calling the charge point ------------------------------------------------------------

    def call(self, cp_id: str, payload, timeout: float = 10) -> dict:
        """Like the PyPI peer's `call`: `payload` is an `ocpp.v16.call` dataclass, sent as the
        `ocpp` package would put it on the wire (camelCase, no nulls)."""
        action = type(payload).__name__
        wire = remove_nones(snake_to_camel_case(serialize_as_dict(payload)))
        outcome = self._command("call", timeout + 5, cpId=cp_id, action=action, payload=wire,
                                timeout=timeout)
        if "notConnected" in outcome:
            raise NotConnected(outcome["notConnected"])
        if "timeout" in outcome:
            raise TimeoutError(f"{cp_id}: {outcome['timeout']}")
        if "refused" in outcome:
            raise InvalidAnswer(f"{cp_id}: {outcome['refused']}")
        answer = self.answer_frame(cp_id, outcome["uniqueId"]) if outcome.get("uniqueId") else None
        if "result" in outcome:
            assert answer is not None and answer.kind == "CALLRESULT", (outcome, answer)
            return answer.payload
        if answer is not None and answer.kind == "CALLERROR":
            p = answer.payload
            raise CallErrorAnswer(action, p["code"], p["description"], p["details"])
        error = outcome["rpcError"]
        raise InvalidAnswer(f"{cp_id}: invalid answer to {action} (ocpp-rpc strict mode): "
                            f"{error['code']}: {error['description']}")

    def log_tail(self, lines: int = 30) -> str:
        """The end of the Node process's stderr log (for a failing test's output)."""
        if self._log_path is None:
            return ""
        try:
            return "\n".join(self._log_path.read_text(encoding="utf-8").splitlines()[-lines:])
        except OSError:
            return ""


# One Node process started ahead of need: loading ocpp-rpc (it compiles the OCPP 1.6, 2.0.1
# and 2.1 schemas) takes about 0.35 s of CPU, which then overlaps the previous test instead of
# adding to each test's setup. Each test still gets a fresh process.
_spare: NodeCentralSystem | None = None
_spare_lock = threading.Lock()


def acquire(behaviour: Behaviour, log_path: Path | None) -> NodeCentralSystem:
    """A fresh Node central system for one test (the spare if there is a live one), and a new
    spare started for the next test."""
    global _spare
    with _spare_lock:
        peer, _spare = _spare, None
    if peer is None or peer.proc.poll() is not None:
        if peer is not None:
            peer.close()
        peer = NodeCentralSystem(spare=True)
    peer.attach(behaviour, log_path)
    spare = NodeCentralSystem(spare=True)
    with _spare_lock:
        _spare = spare
    return peer


def close_spare() -> None:
    """End the spare process (at the end of the session)."""
    global _spare
    with _spare_lock:
        peer, _spare = _spare, None
    if peer is not None:
        peer.close()


__all__ = ["NodeCentralSystem", "NodeUnavailable", "acquire", "check_installed", "close_spare"]

