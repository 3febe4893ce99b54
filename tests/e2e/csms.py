"""A central system for the end-to-end interop tests.

Built on the third-party `ocpp` package (PyPI, v2.1.0): each connected charge point is served by a
subclass of `ocpp.v16.ChargePoint` (the central-system side of that package) with `@on(Action...)`
route handlers, so every frame our charge point sends is parsed and schema-checked by an
independent implementation, and every answer it gives to our calls is too.

- Serves `ws://127.0.0.1:<port>/ocpp/<identity>` with the WebSocket subprotocol `ocpp1.6`
  (loopback only; optional HTTP Basic authentication per identity).
- Records every frame in both directions per charge point (`Message`: direction, kind, action,
  payload, unique id, time), and every connection (`Connection`: path, subprotocol, headers).
- Configurable behaviour (`Behaviour`): boot status and interval, idTag statuses, transactionId
  assignment, per-action answer delay or no answer at all.
- Calls the charge point (`call` and one helper per central-system-initiated action) and returns
  the answer's raw payload; a CALLERROR answer raises `CallErrorAnswer`.

`CentralSystem` lives in an asyncio loop; `CentralSystemThread` runs one in a background thread
with a blocking API for pytest (waiting on a condition variable, not by sleeping).

That blocking API is `CentralSystemPeer`, shared with the second peer on the npm package
`ocpp-rpc` (csms_node.py): the record, the waits and the call helpers are written once, and
the scenarios run against either.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

LOG = logging.getLogger("e2e.csms")

HOST = "127.0.0.1"
PATH_PREFIX = "/ocpp/"
SUBPROTOCOL = "ocpp1.6"

CALL, CALLRESULT, CALLERROR = 2, 3, 4
KIND_NAMES = {CALL: "CALL", CALLRESULT: "CALLRESULT", CALLERROR: "CALLERROR"}


def now_iso(at: float | None = None) -> str:
    """UTC time as OCPP wants it: ISO 8601 with milliseconds and a `Z`."""
    moment = datetime.fromtimestamp(time.time() if at is None else at, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> float:
    """An OCPP dateTime (`...Z` or with an offset; naive means UTC) as a POSIX timestamp."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def iso_in(seconds: float) -> str:
    """An OCPP dateTime `seconds` from now."""
    return now_iso(time.time() + seconds)


@dataclass(frozen=True)
class Message:
    """One WebSocket frame seen by the central system."""

    seq: int  # position in the central system's record, shared by all charge points
    cp_id: str
    connection: int  # number of the connection it travelled on (1 = first connection of cp_id)
    direction: str  # "in": from the charge point; "out": from the central system
    kind: str  # "CALL", "CALLRESULT", "CALLERROR" or "INVALID"
    unique_id: str
    action: str | None  # for CALLRESULT / CALLERROR: the action of the CALL answered
    payload: Any  # CALL / CALLRESULT payload; for CALLERROR {"code", "description", "details"}
    time: float  # time.time() when the central system saw it
    raw: str

    def __str__(self) -> str:
        arrow = "->" if self.direction == "in" else "<-"
        return f"#{self.seq} {self.cp_id} {arrow} {self.kind} {self.action} {json.dumps(self.payload)}"


@dataclass
class Connection:
    """One WebSocket connection (or a refused attempt) from a charge point."""

    seq: int
    cp_id: str
    number: int
    path: str
    subprotocol: str | None
    headers: dict[str, str]  # names in lower case
    opened: float
    closed: float | None = None
    refused: str | None = None  # why the central system closed it at once, if it did
    # wss://: the TLS client certificate the charge point presented (DER), if it did
    peer_certificate: bytes | None = None


@dataclass
class Behaviour:
    """How the central system answers. Mutable while running (plain attribute writes)."""

    boot_status: str = "Accepted"  # Accepted | Pending | Rejected
    heartbeat_interval: int = 300  # BootNotification.conf interval when Accepted
    boot_retry_interval: int = 1  # BootNotification.conf interval when Pending / Rejected
    id_tags: dict[str, str] = field(default_factory=dict)  # idTag -> AuthorizationStatus
    unknown_id_tag_status: str = "Invalid"
    first_transaction_id: int = 1  # transactionIds are assigned counting up from here...
    transaction_id: Callable[[str, dict], int] | None = None  # ...unless this gives one
    delays: dict[str, float] = field(default_factory=dict)  # action -> seconds before answering
    no_answer: set[str] = field(default_factory=set)  # actions never answered
    passwords: dict[str, str] = field(default_factory=dict)  # identity -> Basic auth password
    data_transfer_status: str = "UnknownVendorId"  # answer to a DataTransfer.req from the CP
    sign_certificate_status: str = "Rejected"  # answer to a SignCertificate.req (Accepted: the
    # test then signs the CSR and sends CertificateSigned.req itself)

    def id_tag_info(self, id_tag: str) -> dict:
        return {"status": self.id_tags.get(id_tag, self.unknown_id_tag_status)}


class CallErrorAnswer(Exception):
    """The charge point answered a call with a CALLERROR."""

    def __init__(self, action: str, code: str, description: str, details: Any):
        super().__init__(f"{action}: CALLERROR {code}: {description} {details or ''}".strip())
        self.action = action
        self.code = code
        self.description = description
        self.details = details


class InvalidAnswer(AssertionError):
    """The charge point's answer was not a valid OCPP 1.6 answer (per the `ocpp` package)."""


class NotConnected(AssertionError):
    """No charge point with that identity is connected."""


class CentralSystemChargePoint(OcppChargePoint):
    """The central system's end of one connection: `ocpp.v16.ChargePoint` plus recording and
    configurable answers."""

    def __init__(self, cp_id: str, connection, csms: "CentralSystem", number: int):
        super().__init__(cp_id, connection, response_timeout=60)
        self._csms = csms
        self._number = number
        self._out_actions: dict[str, str] = {}  # unique id of our CALLs -> action
        self._in_actions: dict[str, str] = {}  # unique id of their CALLs -> action
        self._tasks: set[asyncio.Task] = set()

    @property
    def behaviour(self) -> Behaviour:
        return self._csms.behaviour

    # -- recording ---------------------------------------------------------------------------

    def _record(self, direction: str, raw: str) -> Message:
        unique_id, action, payload, kind = "", None, None, "INVALID"
        try:
            frame = json.loads(raw)
            kind = KIND_NAMES[frame[0]]
            unique_id = frame[1]
            actions = self._out_actions if direction == "in" else self._in_actions
            if frame[0] == CALL:
                action, payload = frame[2], frame[3]
                (self._in_actions if direction == "in" else self._out_actions)[unique_id] = action
            elif frame[0] == CALLRESULT:
                action, payload = actions.get(unique_id), frame[2]
            else:
                action = actions.get(unique_id)
                payload = {"code": frame[2], "description": frame[3], "details": frame[4]}
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        return self._csms._add_message(
            self.id, self._number, direction, kind, unique_id, action, payload, raw
        )

    async def route_message(self, raw_msg):
        message = self._record("in", raw_msg)
        if message.kind == "CALL":
            if message.action in self.behaviour.no_answer:
                return
            delay = self.behaviour.delays.get(message.action, 0)
            if delay > 0:
                task = asyncio.ensure_future(self._answer_later(raw_msg, delay))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                return
        await super().route_message(raw_msg)

    async def _answer_later(self, raw_msg, delay: float):
        await asyncio.sleep(delay)
        try:
            await super().route_message(raw_msg)
        except ConnectionClosed:
            pass

    async def _send(self, message):
        self._record("out", message)
        await super()._send(message)

    # -- charge point initiated actions ------------------------------------------------------

    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor, charge_point_model, **kwargs):
        b = self.behaviour
        interval = b.heartbeat_interval if b.boot_status == "Accepted" else b.boot_retry_interval
        return call_result.BootNotification(
            current_time=now_iso(), interval=interval, status=b.boot_status
        )

    @on(Action.heartbeat)
    def on_heartbeat(self, **kwargs):
        return call_result.Heartbeat(current_time=now_iso())

    @on(Action.authorize)
    def on_authorize(self, id_tag, **kwargs):
        return call_result.Authorize(id_tag_info=self.behaviour.id_tag_info(id_tag))

    @on(Action.start_transaction)
    def on_start_transaction(self, connector_id, id_tag, meter_start, timestamp, **kwargs):
        transaction_id = self._csms._next_transaction_id(self.id, kwargs | {
            "connector_id": connector_id, "id_tag": id_tag, "meter_start": meter_start,
            "timestamp": timestamp,
        })
        return call_result.StartTransaction(
            transaction_id=transaction_id, id_tag_info=self.behaviour.id_tag_info(id_tag)
        )

    @on(Action.stop_transaction)
    def on_stop_transaction(self, meter_stop, timestamp, transaction_id, id_tag=None, **kwargs):
        if id_tag is None:
            return call_result.StopTransaction()
        return call_result.StopTransaction(id_tag_info=self.behaviour.id_tag_info(id_tag))

    @on(Action.status_notification)
    def on_status_notification(self, connector_id, error_code, status, **kwargs):
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, connector_id, meter_value, **kwargs):
        return call_result.MeterValues()

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id, **kwargs):
        return call_result.DataTransfer(status=self.behaviour.data_transfer_status)

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status_notification(self, status, **kwargs):
        return call_result.DiagnosticsStatusNotification()

    @on(Action.firmware_status_notification)
    def on_firmware_status_notification(self, status, **kwargs):
        return call_result.FirmwareStatusNotification()

    @on(Action.security_event_notification)
    def on_security_event_notification(self, type, timestamp, **kwargs):
        return call_result.SecurityEventNotification()

    @on(Action.log_status_notification)
    def on_log_status_notification(self, status, request_id=None, **kwargs):
        # requestId is absent from an `Idle` sent on ExtendedTriggerMessage (N01.FR.12).
        return call_result.LogStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, status, request_id=None, **kwargs):
        return call_result.SignedFirmwareStatusNotification()

    @on(Action.sign_certificate)
    def on_sign_certificate(self, csr, **kwargs):
        return call_result.SignCertificate(status=self.behaviour.sign_certificate_status)


class CentralSystem:
    """The central system; all of its coroutines run in one asyncio loop."""

    def __init__(self, behaviour: Behaviour | None = None, ssl_context=None):
        self.behaviour = behaviour or Behaviour()
        self.ssl_context = ssl_context  # an ssl.SSLContext: wss:// (security profiles 2 and 3)
        self.port = 0
        self._server = None
        self._cond = threading.Condition()
        self._seq = itertools.count(1)
        self._messages: list[Message] = []
        self._connections: list[Connection] = []
        self._active: dict[str, CentralSystemChargePoint] = {}
        self._last_transaction_id: int | None = None
        self._tx_lock = threading.Lock()

    # -- listener ----------------------------------------------------------------------------

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1:port (0: a free port) and return the port."""
        self._server = await serve(
            self._on_connect,
            HOST,
            port,
            subprotocols=[SUBPROTOCOL],
            process_request=self._check_request,
            ping_interval=None,  # the charge point's own keep-alive is part of what we test
            ssl=self.ssl_context,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and close every connection (1001 going away)."""
        if self._server is not None:
            self._server.close(close_connections=True)
            await self._server.wait_closed()
            self._server = None
        self._active.clear()

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def drop(self, cp_id: str) -> bool:
        """Drop `cp_id`'s connection as a dead network would: TCP closed at once, no WebSocket
        close frame (fault injection). False if it was not connected."""
        charge_point = self._active.get(cp_id)
        if charge_point is None:
            return False
        charge_point._connection.transport.abort()
        return True

    def _check_request(self, connection, request):
        cp_id = _identity(request.path)
        password = self.behaviour.passwords.get(cp_id) if cp_id else None
        if password is None:
            return None
        if _basic_auth_password(request.headers.get("Authorization"), cp_id) != password:
            self._add_connection(cp_id, request.path, None, {k.lower(): v for k, v in request.headers.raw_items()}, "bad password")
            return connection.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
        return None

    async def _on_connect(self, connection):
        path = connection.request.path
        headers = {k.lower(): v for k, v in connection.request.headers.raw_items()}
        cp_id = _identity(path)
        if cp_id is None:
            self._add_connection(path, path, connection.subprotocol, headers, "bad path")
            await connection.close(1008, "expected /ocpp/<identity>")
            return
        if connection.subprotocol != SUBPROTOCOL:
            self._add_connection(cp_id, path, connection.subprotocol, headers, "no ocpp1.6")
            await connection.close(1002, "subprotocol ocpp1.6 required")
            return
        record = self._add_connection(cp_id, path, connection.subprotocol, headers, None,
                                      _peer_certificate(connection))
        charge_point = CentralSystemChargePoint(cp_id, connection, self, record.number)
        self._active[cp_id] = charge_point
        try:
            await charge_point.start()
        except ConnectionClosed:
            pass
        finally:
            if self._active.get(cp_id) is charge_point:
                del self._active[cp_id]
            with self._cond:
                record.closed = time.time()
                self._cond.notify_all()

    # -- records -----------------------------------------------------------------------------

    def _add_connection(self, cp_id, path, subprotocol, headers, refused,
                        peer_certificate: bytes | None = None) -> Connection:
        with self._cond:
            number = 1 + sum(1 for c in self._connections if c.cp_id == cp_id)
            record = Connection(
                next(self._seq), cp_id, number, path, subprotocol, headers, time.time(),
                closed=time.time() if refused else None, refused=refused,
                peer_certificate=peer_certificate,
            )
            self._connections.append(record)
            self._cond.notify_all()
        LOG.info("connection %s #%d %s%s", cp_id, number, path, f" refused: {refused}" if refused else "")
        return record

    def _add_message(self, cp_id, number, direction, kind, unique_id, action, payload, raw):
        with self._cond:
            message = Message(
                next(self._seq), cp_id, number, direction, kind, unique_id, action, payload,
                time.time(), raw,
            )
            self._messages.append(message)
            self._cond.notify_all()
        LOG.debug("%s", message)
        return message

    def _next_transaction_id(self, cp_id: str, request: dict) -> int:
        if self.behaviour.transaction_id is not None:
            return self.behaviour.transaction_id(cp_id, request)
        with self._tx_lock:
            first = self.behaviour.first_transaction_id
            last = self._last_transaction_id
            self._last_transaction_id = first if last is None or last < first else last + 1
            return self._last_transaction_id

    # -- calling the charge point ------------------------------------------------------------

    async def call(self, cp_id: str, payload, timeout: float = 10) -> dict:
        """Send a CALL and return the raw payload of the CALLRESULT (camelCase, as on the wire).

        Raises `CallErrorAnswer` for a CALLERROR answer, `InvalidAnswer` when the `ocpp` package
        finds the answer invalid, `TimeoutError` when none comes, `NotConnected`."""
        charge_point = self._active.get(cp_id)
        if charge_point is None:
            raise NotConnected(f"{cp_id} is not connected")
        action = type(payload).__name__
        unique_id = str(uuid.uuid4())
        try:
            await asyncio.wait_for(
                charge_point.call(payload, suppress=False, unique_id=unique_id), timeout
            )
        except asyncio.TimeoutError:
            raise TimeoutError(f"{cp_id}: no answer to {action} within {timeout}s") from None
        except Exception as error:  # an OCPPError, or a validation error of the answer
            answer = self._answer_to(unique_id)
            if answer is not None and answer.kind == "CALLERROR":
                p = answer.payload
                raise CallErrorAnswer(action, p["code"], p["description"], p["details"]) from None
            raise InvalidAnswer(f"{cp_id}: invalid answer to {action}: {error!r}") from error
        answer = self._answer_to(unique_id)
        assert answer is not None and answer.kind == "CALLRESULT", answer
        return answer.payload

    def _answer_to(self, unique_id: str) -> Message | None:
        with self._cond:
            for message in reversed(self._messages):
                if message.unique_id == unique_id and message.direction == "in":
                    return message
        return None


def _peer_certificate(connection) -> bytes | None:
    """The TLS client certificate (DER) of a wss:// connection, None without one."""
    transport = getattr(connection, "transport", None)
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return None
    return ssl_object.getpeercert(binary_form=True)


def _identity(path: str) -> str | None:
    """`/ocpp/<identity>` -> identity (percent-decoded); anything else -> None."""
    path = urlsplit(path).path
    if not path.startswith(PATH_PREFIX):
        return None
    rest = path[len(PATH_PREFIX):]
    if not rest or "/" in rest:
        return None
    return unquote(rest)


def _basic_auth_password(header: str | None, cp_id: str) -> str | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == cp_id else None


class CentralSystemPeer:
    """What the scenarios see of a central system, whichever implementation runs it: the record
    (frames and connections, mirrored into `_messages` / `_connections` under `_cond`), waiting
    on it, and calls to the charge point.

    Two peers implement it: `CentralSystemThread` (the PyPI `ocpp` package, in process) and
    `csms_node.NodeCentralSystem` (the npm `ocpp-rpc` package in strict mode, a Node process).
    A subclass provides the lifecycle (`start`, `stop_listener`, `restart_listener`, `close`),
    `behaviour`, `port`, `is_connected` and `call`, and fills the record."""

    name = "?"  # "pypi" or "node": the peer, as it appears in test ids

    def __init__(self, cond: threading.Condition, messages: list[Message],
                 connections: list[Connection]):
        self._cond = cond  # notified at each new record
        self._messages = messages
        self._connections = connections

    # -- provided by the peer ----------------------------------------------------------------

    behaviour: Behaviour
    port: int

    def start(self, port: int = 0) -> int:
        raise NotImplementedError

    def stop_listener(self) -> None:
        """Go offline: stop listening and drop every connection (1001). Records are kept."""
        raise NotImplementedError

    def restart_listener(self) -> None:
        """Come back online on the same port."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def is_connected(self, cp_id: str) -> bool:
        raise NotImplementedError

    def sync(self) -> None:
        """Return once everything the central system has sent or received so far is in the
        record. In process (PyPI) it always is; a peer that reports its record over a pipe
        (node) may lag the wire by a few milliseconds."""

    def call(self, cp_id: str, payload, timeout: float = 10) -> dict:
        """Send `payload` (an `ocpp.v16.call` dataclass) as a CALL and return the raw payload of
        the CALLRESULT (camelCase, as on the wire). Raises `CallErrorAnswer` for a CALLERROR
        answer, `InvalidAnswer` when the peer finds the answer invalid, `TimeoutError`,
        `NotConnected`."""
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The base URL a charge point is given (`--csms`); its identity is appended."""
        return f"ws://{HOST}:{self.port}/ocpp"

    # -- records -----------------------------------------------------------------------------

    def mark(self) -> int:
        """The current position in the record: pass it as `since` to see only what follows."""
        with self._cond:
            return self._messages[-1].seq if self._messages else 0

    def messages(
        self,
        cp_id: str | None = None,
        action: str | Iterable[str] | None = None,
        *,
        since: int = 0,
        direction: str = "in",
        kind: str | None = "CALL",
        where: Callable[[Message], bool] | None = None,
    ) -> list[Message]:
        """Recorded frames, oldest first. Defaults: CALLs sent by the charge point."""
        actions = {action} if isinstance(action, str) else set(action) if action else None
        with self._cond:
            return [
                m
                for m in self._messages
                if m.seq > since
                and (cp_id is None or m.cp_id == cp_id)
                and (direction is None or m.direction == direction)
                and (kind is None or m.kind == kind)
                and (actions is None or m.action in actions)
                and (where is None or where(m))
            ]

    def payloads(self, cp_id: str, action: str, **kwargs) -> list[dict]:
        return [m.payload for m in self.messages(cp_id, action, **kwargs)]

    def connections(self, cp_id: str | None = None) -> list[Connection]:
        with self._cond:
            return [c for c in self._connections if cp_id is None or c.cp_id == cp_id]

    def wait_until(self, condition: Callable[[], Any], timeout: float, what: str, cp_id=None):
        """Wait until `condition()` is truthy (re-checked at each new record) and return its value.

        On timeout, fail with `what` and the tail of the record."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = condition()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                # Woken by every new frame or connection; also re-check now and then for
                # conditions that depend on things other than the record.
                self._cond.wait(min(left, 0.25))
        tail = "\n".join(f"  {m}" for m in self.messages(cp_id, direction=None, kind=None)[-25:])
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; last frames:\n{tail}")

    def wait_for(
        self,
        cp_id: str,
        action: str | Iterable[str],
        *,
        since: int = 0,
        where: Callable[[dict], bool] | None = None,
        timeout: float = 10,
        count: int = 1,
    ) -> Message | list[Message]:
        """Wait for `count` CALLs of `action` from `cp_id` after `since` whose payload satisfies
        `where`; return the first (count == 1) or the list."""

        def found():
            hits = self.messages(
                cp_id, action, since=since, where=(lambda m: where(m.payload)) if where else None
            )
            return hits[:count] if len(hits) >= count else None

        hits = self.wait_until(found, timeout, f"{count} x {action} from {cp_id}", cp_id)
        return hits[0] if count == 1 else hits

    def wait_connected(self, cp_id: str, timeout: float = 15, since_connection: int = 0) -> Connection:
        """Wait until `cp_id` has an open connection numbered above `since_connection`."""

        def found():
            for c in self.connections(cp_id):
                if c.number > since_connection and c.refused is None and self.is_connected(cp_id):
                    return c
            return None

        return self.wait_until(found, timeout, f"{cp_id} to connect", cp_id)

    def wait_disconnected(self, cp_id: str, timeout: float = 10) -> None:
        self.wait_until(lambda: not self.is_connected(cp_id), timeout, f"{cp_id} to disconnect", cp_id)

    def answer(self, message: Message, timeout: float = 10) -> Any:
        """The payload of the CALLRESULT that answered `message` (a CALL in either direction),
        waiting up to `timeout` for it; fails if none came (or a CALLERROR did)."""
        return self.wait_until(lambda: self.answer_now(message), timeout,
                               f"the answer to {message}", message.cp_id)

    def answer_now(self, message: Message) -> Any:
        """Like `answer` without waiting: None if not answered (yet)."""
        with self._cond:
            for m in self._messages:
                if (m.seq > message.seq and m.cp_id == message.cp_id and m.direction != message.direction
                        and m.unique_id == message.unique_id and m.kind == "CALLRESULT"):
                    return m.payload
        return None

    def answer_frame(self, cp_id: str, unique_id: str) -> Message | None:
        """The last frame from `cp_id` with `unique_id` (the answer to our CALL of that id)."""
        with self._cond:
            for message in reversed(self._messages):
                if message.unique_id == unique_id and message.direction == "in" and message.cp_id == cp_id:
                    return message
        return None

    def errors_sent(self, cp_id: str | None = None) -> list[Message]:
        """CALLERRORs the central system sent: frames of the charge point that the peer
        rejected (bad schema, unknown action, ...)."""
        return self.messages(cp_id, direction="out", kind="CALLERROR")

    # -- calling the charge point ------------------------------------------------------------

    def remote_start_transaction(self, cp_id, id_tag, connector_id=None, charging_profile=None, **kw):
        return self.call(cp_id, call.RemoteStartTransaction(
            id_tag=id_tag, connector_id=connector_id, charging_profile=charging_profile), **kw)

    def remote_stop_transaction(self, cp_id, transaction_id, **kw):
        return self.call(cp_id, call.RemoteStopTransaction(transaction_id=transaction_id), **kw)

    def get_configuration(self, cp_id, keys: list[str] | None = None, **kw):
        return self.call(cp_id, call.GetConfiguration(key=keys), **kw)

    def change_configuration(self, cp_id, key: str, value: str, **kw):
        return self.call(cp_id, call.ChangeConfiguration(key=key, value=value), **kw)

    def reset(self, cp_id, type: str = "Soft", **kw):
        return self.call(cp_id, call.Reset(type=type), **kw)

    def trigger_message(self, cp_id, requested_message: str, connector_id=None, **kw):
        return self.call(cp_id, call.TriggerMessage(
            requested_message=requested_message, connector_id=connector_id), **kw)

    def change_availability(self, cp_id, connector_id: int, type: str, **kw):
        return self.call(cp_id, call.ChangeAvailability(connector_id=connector_id, type=type), **kw)

    def unlock_connector(self, cp_id, connector_id: int, **kw):
        return self.call(cp_id, call.UnlockConnector(connector_id=connector_id), **kw)

    def data_transfer(self, cp_id, vendor_id: str, message_id=None, data=None, **kw):
        return self.call(cp_id, call.DataTransfer(
            vendor_id=vendor_id, message_id=message_id, data=data), **kw)

    def send_local_list(self, cp_id, list_version: int, update_type: str, entries: list[dict], **kw):
        """`entries` as on the wire: [{"idTag": ..., "idTagInfo": {"status": ...}}, ...]."""
        return self.call(cp_id, call.SendLocalList(
            list_version=list_version, update_type=update_type,
            local_authorization_list=entries), **kw)

    def get_local_list_version(self, cp_id, **kw):
        return self.call(cp_id, call.GetLocalListVersion(), **kw)

    def reserve_now(self, cp_id, connector_id, expiry_date, id_tag, reservation_id, parent_id_tag=None, **kw):
        return self.call(cp_id, call.ReserveNow(
            connector_id=connector_id, expiry_date=expiry_date, id_tag=id_tag,
            reservation_id=reservation_id, parent_id_tag=parent_id_tag), **kw)

    def cancel_reservation(self, cp_id, reservation_id: int, **kw):
        return self.call(cp_id, call.CancelReservation(reservation_id=reservation_id), **kw)

    def set_charging_profile(self, cp_id, connector_id: int, profile: dict, **kw):
        """`profile` as on the wire (camelCase csChargingProfiles)."""
        return self.call(cp_id, call.SetChargingProfile(
            connector_id=connector_id, cs_charging_profiles=profile), **kw)

    def clear_charging_profile(self, cp_id, id=None, connector_id=None, purpose=None, stack_level=None, **kw):
        return self.call(cp_id, call.ClearChargingProfile(
            id=id, connector_id=connector_id, charging_profile_purpose=purpose,
            stack_level=stack_level), **kw)

    def get_composite_schedule(self, cp_id, connector_id: int, duration: int, charging_rate_unit=None, **kw):
        return self.call(cp_id, call.GetCompositeSchedule(
            connector_id=connector_id, duration=duration,
            charging_rate_unit=charging_rate_unit), **kw)

    def update_firmware(self, cp_id, location: str, retrieve_date: str | None = None, retries=None,
                        retry_interval=None, **kw):
        return self.call(cp_id, call.UpdateFirmware(
            location=location, retrieve_date=retrieve_date or now_iso(), retries=retries,
            retry_interval=retry_interval), **kw)

    def get_diagnostics(self, cp_id, location: str, retries=None, retry_interval=None,
                        start_time=None, stop_time=None, **kw):
        return self.call(cp_id, call.GetDiagnostics(
            location=location, retries=retries, retry_interval=retry_interval,
            start_time=start_time, stop_time=stop_time), **kw)

    def clear_cache(self, cp_id, **kw):
        return self.call(cp_id, call.ClearCache(), **kw)

    def get_log(self, cp_id, log_type: str, request_id: int, remote_location: str,
                oldest_timestamp=None, latest_timestamp=None, retries=None, retry_interval=None,
                **kw):
        """GetLog.req (security whitepaper §5.9)."""
        log = {"remoteLocation": remote_location}
        if oldest_timestamp is not None:
            log["oldestTimestamp"] = oldest_timestamp
        if latest_timestamp is not None:
            log["latestTimestamp"] = latest_timestamp
        return self.call(cp_id, call.GetLog(
            log=log, log_type=log_type, request_id=request_id, retries=retries,
            retry_interval=retry_interval), **kw)

    def extended_trigger_message(self, cp_id, requested_message: str, connector_id=None, **kw):
        """ExtendedTriggerMessage.req (security whitepaper §5.5)."""
        return self.call(cp_id, call.ExtendedTriggerMessage(
            requested_message=requested_message, connector_id=connector_id), **kw)

    def certificate_signed(self, cp_id, certificate_chain: str, **kw):
        """CertificateSigned.req (security whitepaper §5.1)."""
        return self.call(cp_id, call.CertificateSigned(certificate_chain=certificate_chain), **kw)

    def install_certificate(self, cp_id, certificate_type: str, certificate: str, **kw):
        """InstallCertificate.req (security whitepaper §5.11)."""
        return self.call(cp_id, call.InstallCertificate(
            certificate_type=certificate_type, certificate=certificate), **kw)

    def get_installed_certificate_ids(self, cp_id, certificate_type: str, **kw):
        """GetInstalledCertificateIds.req (security whitepaper §5.7)."""
        return self.call(cp_id, call.GetInstalledCertificateIds(
            certificate_type=certificate_type), **kw)

    def delete_certificate(self, cp_id, certificate_hash_data: dict, **kw):
        """DeleteCertificate.req (security whitepaper §5.3); the hash data as on the wire
        (camelCase keys)."""
        return self.call(cp_id, call.DeleteCertificate(
            certificate_hash_data=certificate_hash_data), **kw)

class CentralSystemThread(CentralSystemPeer):
    """The PyPI peer: a `CentralSystem` in its own thread and asyncio loop, with the blocking
    API of `CentralSystemPeer` for tests."""

    name = "pypi"

    def __init__(self, behaviour: Behaviour | None = None, ssl_context=None):
        self.csms = CentralSystem(behaviour, ssl_context)
        super().__init__(self.csms._cond, self.csms._messages, self.csms._connections)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="csms", daemon=True)
        self._thread.start()

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        self._loop.close()

    def _await(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def behaviour(self) -> Behaviour:
        return self.csms.behaviour

    @property
    def url(self) -> str:
        scheme = "wss" if self.csms.ssl_context is not None else "ws"
        return f"{scheme}://{HOST}:{self.port}/ocpp"

    @property
    def port(self) -> int:
        return self.csms.port

    def start(self, port: int = 0) -> int:
        return self._await(self.csms.start(port), 10)

    def stop_listener(self) -> None:
        self._await(self.csms.stop(), 15)

    def restart_listener(self) -> None:
        self._await(self.csms.start(self.port), 10)

    def drop(self, cp_id: str) -> bool:
        """Drop `cp_id`'s connection without a close frame (`CentralSystem.drop`)."""
        return self._await(self.csms.drop(cp_id), 10)

    def close(self) -> None:
        try:
            self._await(self.csms.stop(), 15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def is_connected(self, cp_id: str) -> bool:
        return cp_id in self.csms._active

    def call(self, cp_id: str, payload, timeout: float = 10) -> dict:
        """Blocking `CentralSystem.call`: the raw payload of the answer."""
        return self._await(self.csms.call(cp_id, payload, timeout), timeout + 5)


__all__ = [
    "Behaviour", "CallErrorAnswer", "CentralSystem", "CentralSystemPeer", "CentralSystemThread", "Connection",
    "InvalidAnswer", "Message", "NotConnected", "iso_in", "now_iso", "parse_time",
]
