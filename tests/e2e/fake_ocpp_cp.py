#!/usr/bin/env python3
"""TEST DOUBLE, NOT THE PRODUCT: a stand-in for the `ocpp-cp` charge point simulator.

It exists only so that the end-to-end harness in this folder can be developed and can check
itself before the real Rust binary (`target/debug/ocpp-cp`) exists. It is not shipped, not
installed, and not a reference implementation: it is a small charge point on the `ocpp`
package's `ocpp.v16.ChargePoint` that follows the same command-line and stdin contract:

    ocpp-cp --csms <URL> --id <ID> [--connectors <N>] [--state-dir <DIR>] [--password <PW>]
            [--vendor V --model M] [--count K]

stdin, one command a line: plug <c> | unplug <c> | tag <c> <idTag> | ev <c> <watts> |
fault <c> <ChargePointErrorCode> | ok <c> | quit

It implements the Core profile (boot, heartbeat, status, authorize with cache and the
offline rules, local and remote transactions, sampled meter values, configuration, soft and hard
reset, availability, unlock, data transfer), Local Auth List Management, Reservation and Remote
Trigger. Smart Charging, Firmware Management and diagnostics are deliberately absent (the
`ocpp` package answers NotImplemented), so the harness's skip path is exercised too.
Transaction messages are queued in `--state-dir` and survive kill -9; an interrupted transaction
is stopped with reason PowerLoss after the next boot.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import os
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from ocpp.charge_point import camel_to_snake_case
from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v16 import ChargePoint as OcppChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, ChargePointErrorCode
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

PROG = "ocpp-cp"
SUBPROTOCOL = "ocpp1.6"
MAX_POWER_W = 22080  # 3 x 32 A x 230 V
CALL_TIMEOUT = 10
RECONNECT_MIN, RECONNECT_MAX = 0.5, 2.0


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log(line: str) -> None:
    """One line on stderr with a timestamp (frames are logged through this too)."""
    sys.stderr.write(f"{now_iso()} {line}\n")
    sys.stderr.flush()


class OneLineFormatter(logging.Formatter):
    def format(self, record):  # no multi-line tracebacks from the ocpp package
        return f"{now_iso()} ocpp: {record.getMessage()}".replace("\n", " ")

    def formatException(self, ei):
        return ""


# -- configuration keys (OCPP 1.6 chapter 9) -------------------------------------------------

BOOL, INT, CSL = "bool", "int", "csl"
MEASURANDS = {"Energy.Active.Import.Register", "Power.Active.Import"}


def config_spec(connectors: int) -> dict[str, tuple[str, str, bool]]:
    """key -> (type, default, read-only)"""
    return {
        "AllowOfflineTxForUnknownId": (BOOL, "false", False),
        "AuthorizationCacheEnabled": (BOOL, "true", False),
        "AuthorizeRemoteTxRequests": (BOOL, "false", False),
        "ClockAlignedDataInterval": (INT, "0", False),
        "ConnectionTimeOut": (INT, "60", False),
        "ConnectorPhaseRotation": (CSL, "NotApplicable", False),
        "GetConfigurationMaxKeys": (INT, "50", True),
        "HeartbeatInterval": (INT, "300", False),
        "LocalAuthorizeOffline": (BOOL, "true", False),
        "LocalPreAuthorize": (BOOL, "false", False),
        "MeterValuesAlignedData": (CSL, "Energy.Active.Import.Register", False),
        "MeterValuesSampledData": (CSL, "Energy.Active.Import.Register", False),
        "MeterValueSampleInterval": (INT, "60", False),
        "NumberOfConnectors": (INT, str(connectors), True),
        "ResetRetries": (INT, "1", False),
        "StopTransactionOnEVSideDisconnect": (BOOL, "true", False),
        "StopTransactionOnInvalidId": (BOOL, "true", False),
        "StopTxnAlignedData": (CSL, "", False),
        "StopTxnSampledData": (CSL, "", False),
        "SupportedFeatureProfiles": (CSL, "Core,LocalAuthListManagement,Reservation,RemoteTrigger", True),
        "TransactionMessageAttempts": (INT, "3", False),
        "TransactionMessageRetryInterval": (INT, "10", False),
        "UnlockConnectorOnEVSideDisconnect": (BOOL, "true", False),
        "LocalAuthListEnabled": (BOOL, "true", False),
        "LocalAuthListMaxLength": (INT, "100", True),
        "SendLocalListMaxLength": (INT, "100", True),
        "ReserveConnectorZeroSupported": (BOOL, "false", True),
    }


# -- persistent state ------------------------------------------------------------------------


class State:
    """Everything that must survive kill -9, in one JSON file written atomically."""

    def __init__(self, path: str | None):
        self.path = path
        self.data = {
            "config": {},  # key -> value changed by ChangeConfiguration / BootNotification
            "queue": [],  # transaction messages not yet confirmed: {ref, action, payload}
            "tx": {},  # connector -> running transaction
            "txIds": {},  # local ref -> transactionId given by the central system
            "nextRef": 1,
            "meter": {},  # connector -> Wh
            "meterTime": None,
            "localList": {"version": 0, "entries": {}},
            "cache": {},
            "availability": {},  # connector ("0" = whole charge point) -> Inoperative
        }
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.data.update(json.load(f))

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def save(self) -> None:
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class Connector:
    def __init__(self, number: int, meter_wh: float):
        self.number = number
        self.plugged = False
        self.ev_power = 11000.0  # ocpp-cp's documented default EV power
        self.fault: str | None = None
        self.pending_auth: tuple[str, float] | None = None  # (idTag, monotonic deadline)
        self.reservation: dict | None = None
        self.finishing = False
        self.meter_wh = meter_wh
        self.meter_at = time.monotonic()
        self.next_sample = 0.0
        self.sent_status: tuple[str, str] | None = None


# -- the OCPP connection ---------------------------------------------------------------------


class LoggedConnection:
    """Wraps the WebSocket: every frame in and out is one stderr line."""

    def __init__(self, ws, identity: str):
        self.ws, self.identity = ws, identity

    async def send(self, message: str):
        log(f"{self.identity} > {message.replace(chr(10), ' ')}")
        await self.ws.send(message)

    async def recv(self) -> str:
        message = await self.ws.recv()
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        log(f"{self.identity} < {message.replace(chr(10), ' ')}")
        return message


def answer(action: Action, fields: dict):
    """The `ocpp` package wants its call_result dataclasses as handler answers."""
    return getattr(call_result, action.value)(**fields)


class Client(OcppChargePoint):
    """The charge point's end of one connection; handlers delegate to `Sim`."""

    def __init__(self, sim: "Sim", connection):
        super().__init__(sim.identity, connection, response_timeout=CALL_TIMEOUT)
        self.sim = sim
        self.deferred: list = []

    async def route_message(self, raw_msg):
        await super().route_message(raw_msg)
        # Side effects of a request start only once its answer is on the wire.
        deferred, self.deferred = self.deferred, []
        for coroutine_function in deferred:
            self.sim.spawn(coroutine_function())

    def after(self, coroutine_function):
        self.deferred.append(coroutine_function)

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **kwargs):
        return answer(Action.get_configuration, self.sim.get_configuration(key))

    @on(Action.change_configuration)
    def on_change_configuration(self, key, value, **kwargs):
        return answer(Action.change_configuration, self.sim.change_configuration(key, value))

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, id_tag, connector_id=None, **kwargs):
        return answer(Action.remote_start_transaction, self.sim.remote_start(self, id_tag, connector_id))

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id, **kwargs):
        return answer(Action.remote_stop_transaction, self.sim.remote_stop(self, transaction_id))

    @on(Action.reset)
    def on_reset(self, type, **kwargs):
        self.after(lambda: self.sim.reset(type))
        return call_result.Reset(status="Accepted")

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message, connector_id=None, **kwargs):
        return answer(Action.trigger_message, self.sim.trigger(self, requested_message, connector_id))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id, type, **kwargs):
        return answer(Action.change_availability, self.sim.change_availability(connector_id, type))

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id, **kwargs):
        return answer(Action.unlock_connector, self.sim.unlock(connector_id))

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id, **kwargs):
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.clear_cache)
    def on_clear_cache(self, **kwargs):
        self.sim.state["cache"] = {}
        self.sim.state.save()
        return call_result.ClearCache(status="Accepted")

    @on(Action.send_local_list)
    def on_send_local_list(self, list_version, update_type, local_authorization_list=None, **kwargs):
        return answer(Action.send_local_list, self.sim.send_local_list(
            list_version, update_type, local_authorization_list or []))

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **kwargs):
        enabled = self.sim.flag("LocalAuthListEnabled")
        return call_result.GetLocalListVersion(
            list_version=self.sim.state["localList"]["version"] if enabled else -1)

    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, parent_id_tag=None, **kw):
        return answer(Action.reserve_now, self.sim.reserve_now(
            connector_id, expiry_date, id_tag, reservation_id, parent_id_tag))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id, **kwargs):
        return answer(Action.cancel_reservation, self.sim.cancel_reservation(reservation_id))


# -- one simulated charge point --------------------------------------------------------------


class Sim:
    def __init__(self, identity: str, args, state_path: str | None):
        self.identity = identity
        self.args = args
        self.url = args.csms.rstrip("/") + "/" + quote(identity, safe="")
        self.state = State(state_path)
        self.spec = config_spec(args.connectors)
        self.connectors = {
            n: Connector(n, float(self.state["meter"].get(str(n), 0.0)))
            for n in range(1, args.connectors + 1)
        }
        self.client: Client | None = None
        self.online = False  # connected and registered (BootNotification Accepted)
        self.registered = False
        self.stopping = False
        self.queue_event = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()
        self.status0_sent = None
        self.last_persist = 0.0
        self._recover_interrupted_transactions()

    # -- helpers -----------------------------------------------------------------------------

    def spawn(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def config(self, key: str) -> str:
        return self.state["config"].get(key, self.spec[key][1])

    def flag(self, key: str) -> bool:
        return self.config(key).lower() == "true"

    def number(self, key: str) -> int:
        return int(self.config(key))

    def inoperative(self, n: int) -> bool:
        availability = self.state["availability"]
        return availability.get("0") == "Inoperative" or availability.get(str(n)) == "Inoperative"

    def advance_meter(self, c: Connector) -> None:
        now = time.monotonic()
        c.meter_wh += self.power(c) * (now - c.meter_at) / 3600.0
        c.meter_at = now

    def power(self, c: Connector) -> float:
        tx = self.state["tx"].get(str(c.number))
        if tx is None or c.fault or not c.plugged:
            return 0.0
        return max(0.0, min(c.ev_power, MAX_POWER_W))

    def persist_meters(self) -> None:
        for c in self.connectors.values():
            self.advance_meter(c)
            self.state["meter"][str(c.number)] = c.meter_wh
        self.state["meterTime"] = now_iso()
        self.state.save()

    # -- recovery after kill -9 --------------------------------------------------------------

    def _recover_interrupted_transactions(self) -> None:
        stopped_at = self.state["meterTime"] or now_iso()
        for n, tx in list(self.state["tx"].items()):
            meter = int(self.state["meter"].get(n, tx["meterStart"]))
            self.state["queue"].append({
                "ref": tx["ref"],
                "action": "StopTransaction",
                "payload": {
                    "idTag": tx["idTag"], "meterStop": max(meter, tx["meterStart"]),
                    "timestamp": stopped_at, "reason": "PowerLoss",
                },
            })
            del self.state["tx"][n]
            log(f"{self.identity} transaction on connector {n} was interrupted: stopping it (PowerLoss)")
        self.state.save()

    # -- status ------------------------------------------------------------------------------

    def status_of(self, c: Connector) -> str:
        if c.fault:
            return "Faulted"
        tx = self.state["tx"].get(str(c.number))
        if tx is not None:
            return "Charging" if self.power(c) > 0 else "SuspendedEV"
        if self.inoperative(c.number):
            return "Unavailable"
        if c.plugged:
            return "Finishing" if c.finishing else "Preparing"
        if c.pending_auth:
            return "Preparing"
        if c.reservation:
            return "Reserved"
        return "Available"

    def update_status(self, c: Connector, force: bool = False) -> None:
        status = (self.status_of(c), c.fault or "NoError")
        if status == c.sent_status and not force:
            return
        if self.online:
            c.sent_status = status
            self.spawn(self.send_status(c.number, *status))

    def update_all(self, force: bool = False) -> None:
        status0 = "Unavailable" if self.state["availability"].get("0") == "Inoperative" else "Available"
        if force or status0 != self.status0_sent:
            if self.online:
                self.status0_sent = status0
                self.spawn(self.send_status(0, status0, "NoError"))
        for c in self.connectors.values():
            self.update_status(c, force)

    async def send_status(self, n: int, status: str, error_code: str) -> None:
        await self.send(call.StatusNotification(
            connector_id=n, error_code=error_code, status=status, timestamp=now_iso()))

    async def send(self, payload):
        """A non-transaction message: sent if online, otherwise dropped."""
        client = self.client
        if client is None or not self.online:
            return None
        try:
            return await client.call(payload, suppress=False)
        except (ConnectionClosed, asyncio.TimeoutError, OCPPError) as error:
            log(f"{self.identity} {type(payload).__name__} failed: {error!r}")
            return None

    # -- the transaction message queue -------------------------------------------------------

    def enqueue(self, ref: int | None, action: str, payload: dict) -> None:
        self.state["queue"].append({"ref": ref, "action": action, "payload": payload})
        self.state.save()
        self.queue_event.set()

    async def queue_worker(self) -> None:
        while True:
            await self.queue_event.wait()
            if not self.online or not self.state["queue"]:
                self.queue_event.clear()
                continue
            entry = self.state["queue"][0]
            payload = dict(entry["payload"])
            if entry["action"] in ("StopTransaction", "MeterValues") and entry["ref"] is not None:
                transaction_id = self.state["txIds"].get(str(entry["ref"]))
                if transaction_id is None:  # its StartTransaction was never accepted
                    log(f"{self.identity} dropping {entry['action']} of an unknown transaction")
                    self.state["queue"].pop(0)
                    self.state.save()
                    continue
                payload["transactionId"] = transaction_id
            request = getattr(call, entry["action"])(**camel_to_snake_case(payload))
            try:
                answer = await self.client.call(request, suppress=False)
            except (ConnectionClosed, asyncio.TimeoutError, AttributeError):
                await asyncio.sleep(0.2)  # offline now; the next session kicks the queue again
                continue
            except OCPPError as error:
                log(f"{self.identity} {entry['action']} refused ({error!r}); dropping it")
                self.state["queue"].pop(0)
                self.state.save()
                continue
            self.state["queue"].pop(0)
            if entry["action"] == "StartTransaction":
                self.on_start_confirmed(entry, answer)
            self.state.save()

    def on_start_confirmed(self, entry, answer) -> None:
        ref = entry["ref"]
        self.state["txIds"][str(ref)] = answer.transaction_id
        info = answer.id_tag_info or {}
        self.remember(entry["payload"]["idTag"], info)
        for n, tx in self.state["tx"].items():
            if tx["ref"] == ref:
                tx["transactionId"] = answer.transaction_id
                if info.get("status") != "Accepted" and self.flag("StopTransactionOnInvalidId"):
                    self.stop_transaction(self.connectors[int(n)], "DeAuthorized")

    # -- authorization -----------------------------------------------------------------------

    def remember(self, id_tag: str, info: dict) -> None:
        if self.flag("AuthorizationCacheEnabled") and id_tag not in self.local_entries():
            self.state["cache"][id_tag] = info
            self.state.save()

    def local_entries(self) -> dict:
        return self.state["localList"]["entries"] if self.flag("LocalAuthListEnabled") else {}

    def known(self, id_tag: str) -> dict | None:
        info = self.local_entries().get(id_tag)
        if info is None and self.flag("AuthorizationCacheEnabled"):
            info = self.state["cache"].get(id_tag)
        return info

    async def authorize(self, id_tag: str) -> dict:
        known = self.known(id_tag)
        if self.online:
            if known and known.get("status") == "Accepted" and self.flag("LocalPreAuthorize"):
                return known
            answer = await self.send(call.Authorize(id_tag=id_tag))
            if answer is not None:
                self.remember(id_tag, answer.id_tag_info)
                return answer.id_tag_info
        if known is not None:
            if known.get("status") == "Accepted" and not self.flag("LocalAuthorizeOffline"):
                return {"status": "Invalid"}
            return known
        if self.flag("AllowOfflineTxForUnknownId"):
            return {"status": "Accepted"}
        return {"status": "Invalid"}

    # -- transactions ------------------------------------------------------------------------

    def maybe_start(self, c: Connector) -> None:
        n = str(c.number)
        if n in self.state["tx"] or not c.plugged or not c.pending_auth or c.fault:
            return
        if self.inoperative(c.number):
            return
        id_tag = c.pending_auth[0]
        c.pending_auth = None
        self.advance_meter(c)
        ref = self.state["nextRef"]
        self.state["nextRef"] = ref + 1
        meter_start = int(c.meter_wh)
        payload = {"connectorId": c.number, "idTag": id_tag, "meterStart": meter_start,
                   "timestamp": now_iso()}
        if c.reservation:
            payload["reservationId"] = c.reservation["id"]
        c.reservation = None
        self.state["tx"][n] = {"ref": ref, "idTag": id_tag, "meterStart": meter_start,
                               "transactionId": None}
        self.state["meter"][n] = c.meter_wh
        c.next_sample = time.monotonic() + max(self.number("MeterValueSampleInterval"), 0)
        c.finishing = False
        self.enqueue(ref, "StartTransaction", payload)
        self.update_status(c)

    def stop_transaction(self, c: Connector, reason: str, id_tag: str | None = None) -> None:
        n = str(c.number)
        tx = self.state["tx"].pop(n, None)
        if tx is None:
            return
        self.advance_meter(c)
        self.state["meter"][n] = c.meter_wh
        payload = {"meterStop": max(int(c.meter_wh), tx["meterStart"]), "timestamp": now_iso(),
                   "reason": reason}
        if id_tag:
            payload["idTag"] = id_tag
        c.finishing = c.plugged
        self.enqueue(tx["ref"], "StopTransaction", payload)
        self.update_status(c)

    def sample(self, c: Connector, context: str = "Sample.Periodic") -> list[dict]:
        self.advance_meter(c)
        values = []
        for measurand in self.config("MeterValuesSampledData").split(","):
            measurand = measurand.strip()
            if measurand == "Energy.Active.Import.Register":
                values.append({"value": str(int(c.meter_wh)), "context": context,
                               "measurand": measurand, "unit": "Wh"})
            elif measurand == "Power.Active.Import":
                values.append({"value": str(int(self.power(c))), "context": context,
                               "measurand": measurand, "unit": "W"})
        return [{"timestamp": now_iso(), "sampledValue": values}]

    async def ticker(self) -> None:
        """Meter sampling, persistence of the meters, expiry of authorizations and reservations."""
        while True:
            await asyncio.sleep(0.2)
            now = time.monotonic()
            interval = self.number("MeterValueSampleInterval")
            charging = False
            for c in self.connectors.values():
                tx = self.state["tx"].get(str(c.number))
                if tx is not None:
                    charging = True
                    if interval > 0 and now >= c.next_sample:
                        c.next_sample = max(c.next_sample + interval, now)
                        self.enqueue(tx["ref"], "MeterValues",
                                     {"connectorId": c.number, "meterValue": self.sample(c)})
                if c.pending_auth and not c.plugged and now > c.pending_auth[1]:
                    log(f"{self.identity} connector {c.number}: no cable within ConnectionTimeOut")
                    c.pending_auth = None
                    self.update_status(c)
                if c.reservation and time.time() > c.reservation["expiry"]:
                    c.reservation = None
                    self.update_status(c)
            if charging and now - self.last_persist >= 1.0:
                self.last_persist = now
                self.persist_meters()

    # -- stdin commands ----------------------------------------------------------------------

    async def command(self, words: list[str]) -> bool:
        """Run one command; False for quit."""
        name, rest = words[0], words[1:]
        if name == "quit":
            return False
        arity = {"plug": 1, "unplug": 1, "tag": 2, "ev": 2, "fault": 2, "ok": 1}
        if name not in arity or len(rest) != arity[name]:
            raise ValueError(f"unknown command or wrong arguments: {' '.join(words)!r}")
        try:
            c = self.connectors[int(rest[0])]
        except (ValueError, KeyError):
            raise ValueError(f"no connector {rest[0]!r} (1..{len(self.connectors)})") from None
        if name == "plug":
            c.plugged, c.finishing = True, False
            self.maybe_start(c)
        elif name == "unplug":
            c.plugged = False
            if str(c.number) in self.state["tx"] and self.flag("StopTransactionOnEVSideDisconnect"):
                self.stop_transaction(c, "EVDisconnected")
            c.finishing = False
        elif name == "ev":
            self.advance_meter(c)
            c.ev_power = float(rest[1])
        elif name == "fault":
            if rest[1] not in {e.value for e in ChargePointErrorCode} or rest[1] == "NoError":
                raise ValueError(f"not a ChargePointErrorCode: {rest[1]!r}")
            self.advance_meter(c)
            c.fault = rest[1]
        elif name == "ok":
            self.advance_meter(c)
            c.fault = None
        elif name == "tag":
            await self.tag(c, rest[1])
        self.update_status(c)
        return True

    async def tag(self, c: Connector, id_tag: str) -> None:
        tx = self.state["tx"].get(str(c.number))
        if tx is not None:
            if tx["idTag"] == id_tag:
                self.stop_transaction(c, "Local", id_tag)
            else:
                log(f"{self.identity} connector {c.number}: {id_tag} cannot stop {tx['idTag']}'s transaction")
            return
        if c.pending_auth and c.pending_auth[0] == id_tag:
            c.pending_auth = None  # presented again before plugging in: cancel
            return
        info = await self.authorize(id_tag)
        if info.get("status") != "Accepted":
            log(f"{self.identity} connector {c.number}: idTag {id_tag} not authorized ({info.get('status')})")
            return
        reservation = c.reservation
        if reservation and reservation["idTag"] != id_tag and (
            info.get("parent_id_tag") is None or info.get("parent_id_tag") != reservation["parentIdTag"]
        ):
            log(f"{self.identity} connector {c.number} is reserved for another idTag")
            return
        c.pending_auth = (id_tag, time.monotonic() + self.number("ConnectionTimeOut"))
        self.maybe_start(c)

    # -- central system requests -------------------------------------------------------------

    def get_configuration(self, keys):
        known, unknown = [], []
        for key in keys if keys else list(self.spec):
            if key in self.spec:
                known.append({"key": key, "readonly": self.spec[key][2], "value": self.config(key)})
            else:
                unknown.append(key)
        result = {"configuration_key": known}
        if unknown:
            result["unknown_key"] = unknown
        return result

    def change_configuration(self, key, value):
        if key not in self.spec:
            return {"status": "NotSupported"}
        kind, _, readonly = self.spec[key]
        if readonly:
            return {"status": "Rejected"}
        if kind == INT and not (value.isdigit() and len(value) < 10):
            return {"status": "Rejected"}
        if kind == BOOL:
            if value.lower() not in ("true", "false"):
                return {"status": "Rejected"}
            value = value.lower()
        if key in ("MeterValuesSampledData", "StopTxnSampledData"):
            if any(m.strip() not in MEASURANDS for m in value.split(",") if m.strip()):
                return {"status": "Rejected"}
        self.state["config"][key] = value
        self.state.save()
        if key == "MeterValueSampleInterval":
            for c in self.connectors.values():
                c.next_sample = time.monotonic() + int(value)
        return {"status": "Accepted"}

    def remote_start(self, client: Client, id_tag, connector_id):
        if connector_id is None:
            free = [c for c in self.connectors.values()
                    if str(c.number) not in self.state["tx"] and not c.fault and not self.inoperative(c.number)]
            connector_id = free[0].number if free else 0
        c = self.connectors.get(connector_id)
        if c is None or str(c.number) in self.state["tx"] or c.fault or self.inoperative(c.number):
            return {"status": "Rejected"}
        if c.reservation and c.reservation["idTag"] != id_tag:
            return {"status": "Rejected"}

        async def start():
            if self.flag("AuthorizeRemoteTxRequests"):
                info = await self.authorize(id_tag)
                if info.get("status") != "Accepted":
                    return
            c.pending_auth = (id_tag, time.monotonic() + self.number("ConnectionTimeOut"))
            self.maybe_start(c)
            self.update_status(c)

        client.after(start)
        return {"status": "Accepted"}

    def remote_stop(self, client: Client, transaction_id):
        for n, tx in self.state["tx"].items():
            if tx.get("transactionId") == transaction_id:
                c = self.connectors[int(n)]

                async def stop():
                    self.stop_transaction(c, "Remote")

                client.after(stop)
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    async def reset(self, kind: str) -> None:
        log(f"{self.identity} {kind} reset")
        for c in self.connectors.values():
            self.stop_transaction(c, "HardReset" if kind == "Hard" else "SoftReset")
        deadline = time.monotonic() + 5
        while self.state["queue"] and self.online and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for c in self.connectors.values():
            c.pending_auth, c.reservation, c.sent_status = None, None, None
        self.status0_sent = None
        self.registered = False
        self.online = False
        if self.client is not None:
            await self.client._connection.ws.close()

    def trigger(self, client: Client, message, connector_id):
        if connector_id is not None and connector_id not in self.connectors and connector_id != 0:
            return {"status": "Rejected"}
        if message == "BootNotification":
            client.after(self.boot_once)
        elif message == "Heartbeat":
            client.after(lambda: self.send(call.Heartbeat()))
        elif message == "StatusNotification":
            async def statuses():
                if connector_id in (None, 0):
                    status0 = self.status0_sent or "Available"
                    await self.send_status(0, status0, "NoError")
                for c in self.connectors.values():
                    if connector_id in (None, 0, c.number):
                        await self.send_status(c.number, self.status_of(c), c.fault or "NoError")
            client.after(statuses)
        elif message == "MeterValues":
            async def meter_values():
                for c in self.connectors.values():
                    if connector_id in (None, 0, c.number):
                        await self.send(call.MeterValues(connector_id=c.number,
                                                         meter_value=self.sample(c, "Trigger")))
            client.after(meter_values)
        elif message == "DiagnosticsStatusNotification":
            client.after(lambda: self.send(call.DiagnosticsStatusNotification(status="Idle")))
        elif message == "FirmwareStatusNotification":
            client.after(lambda: self.send(call.FirmwareStatusNotification(status="Idle")))
        else:
            return {"status": "NotImplemented"}
        return {"status": "Accepted"}

    def change_availability(self, connector_id, kind):
        if connector_id != 0 and connector_id not in self.connectors:
            return {"status": "Rejected"}
        self.state["availability"][str(connector_id)] = kind
        self.state.save()
        busy = [n for n in self.state["tx"] if connector_id in (0, int(n))]
        self.spawn(self._after_answer(lambda: self.update_all()))
        return {"status": "Scheduled" if busy and kind == "Inoperative" else "Accepted"}

    async def _after_answer(self, function):
        await asyncio.sleep(0)  # the answer goes out first
        function()

    def unlock(self, connector_id):
        c = self.connectors.get(connector_id)
        if c is None:
            return {"status": "NotSupported"}
        if str(c.number) in self.state["tx"]:
            self.spawn(self._after_answer(lambda: self.stop_transaction(c, "UnlockCommand")))
        return {"status": "Unlocked"}

    def send_local_list(self, version, update_type, entries):
        if not self.flag("LocalAuthListEnabled"):
            return {"status": "NotSupported"}
        if len(entries) > self.number("SendLocalListMaxLength"):
            return {"status": "Failed"}
        local = self.state["localList"]
        if update_type == "Full":
            local["entries"] = {}
        elif version <= local["version"]:
            return {"status": "VersionMismatch"}
        for entry in entries:
            if entry.get("id_tag_info"):
                local["entries"][entry["id_tag"]] = entry["id_tag_info"]
            else:
                local["entries"].pop(entry["id_tag"], None)
        local["version"] = version
        self.state.save()
        return {"status": "Accepted"}

    def reserve_now(self, connector_id, expiry_date, id_tag, reservation_id, parent_id_tag):
        c = self.connectors.get(connector_id)
        if c is None:
            return {"status": "Rejected"}
        if c.fault:
            return {"status": "Faulted"}
        if self.inoperative(c.number):
            return {"status": "Unavailable"}
        other = c.reservation and c.reservation["id"] != reservation_id
        if str(c.number) in self.state["tx"] or c.plugged or c.pending_auth or other:
            return {"status": "Occupied"}
        for d in self.connectors.values():  # the same id elsewhere is replaced
            if d.reservation and d.reservation["id"] == reservation_id:
                d.reservation = None
                self.spawn(self._after_answer(lambda d=d: self.update_status(d)))
        expiry = datetime.fromisoformat(expiry_date.replace("Z", "+00:00")).timestamp()
        c.reservation = {"id": reservation_id, "idTag": id_tag, "parentIdTag": parent_id_tag,
                         "expiry": expiry}
        self.spawn(self._after_answer(lambda: self.update_status(c)))
        return {"status": "Accepted"}

    def cancel_reservation(self, reservation_id):
        for c in self.connectors.values():
            if c.reservation and c.reservation["id"] == reservation_id:
                c.reservation = None
                self.spawn(self._after_answer(lambda c=c: self.update_status(c)))
                return {"status": "Accepted"}
        return {"status": "Rejected"}

    # -- connection and registration ---------------------------------------------------------

    async def boot_once(self):
        """TriggerMessage BootNotification."""
        try:
            await self.send_boot()
        except (ConnectionClosed, asyncio.TimeoutError, OCPPError) as error:
            log(f"{self.identity} BootNotification failed: {error!r}")

    async def send_boot(self):
        client = self.client
        answer = await client.call(call.BootNotification(
            charge_point_vendor=self.args.vendor, charge_point_model=self.args.model,
            firmware_version="fake-0"), suppress=False)
        if answer.status == "Accepted" and answer.interval > 0:
            self.state["config"]["HeartbeatInterval"] = str(answer.interval)
            self.state.save()
        return answer

    async def session(self, ws) -> None:
        client = Client(self, LoggedConnection(ws, self.identity))
        self.client = client
        reader = asyncio.ensure_future(client.start())
        main = asyncio.ensure_future(self.registered_session(client))
        try:
            await asyncio.wait({reader, main}, return_when=asyncio.FIRST_COMPLETED)
            if main.done() and not main.cancelled() and main.exception() is not None:
                log(f"{self.identity} registration failed: {main.exception()!r}")
        finally:
            self.online = False
            self.client = None
            for task in (reader, main):
                task.cancel()
            await asyncio.gather(reader, main, return_exceptions=True)
            await ws.close()

    async def registered_session(self, client: Client) -> None:
        while not self.registered:
            answer = await self.send_boot()
            if answer.status == "Accepted":
                self.registered = True
                break
            await asyncio.sleep(answer.interval if answer.interval > 0 else 10)
        self.online = True
        self.update_all(force=True)
        self.queue_event.set()
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.2)
            interval = self.number("HeartbeatInterval")
            if interval > 0 and time.monotonic() - last >= interval:
                last = time.monotonic()
                await self.send(call.Heartbeat())

    async def run(self) -> None:
        self.spawn(self.queue_worker())
        self.spawn(self.ticker())
        headers = {}
        if self.args.password is not None:
            token = base64.b64encode(f"{self.identity}:{self.args.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        delay = RECONNECT_MIN
        while not self.stopping:
            try:
                ws = await connect(self.url, subprotocols=[SUBPROTOCOL], additional_headers=headers,
                                   open_timeout=5, ping_interval=None, close_timeout=2)
            except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as error:
                log(f"{self.identity} cannot connect to {self.url}: {error}; retrying in {delay:g}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX)
                continue
            if ws.subprotocol != SUBPROTOCOL:
                log(f"{self.identity} central system did not accept subprotocol {SUBPROTOCOL}")
                await ws.close()
                await asyncio.sleep(RECONNECT_MAX)
                continue
            log(f"{self.identity} connected to {self.url}")
            delay = RECONNECT_MIN
            try:
                await self.session(ws)
            except Exception as error:  # noqa: BLE001 - a test double logs and reconnects
                log(f"{self.identity} session error: {error!r}")
            if not self.stopping:
                log(f"{self.identity} disconnected; reconnecting in {RECONNECT_MIN:g}s")
                await asyncio.sleep(RECONNECT_MIN)

    async def shutdown(self) -> None:
        """Orderly: give queued messages a moment to go out, then close. Running transactions
        stay in the journal (they are stopped with PowerLoss at the next start)."""
        deadline = time.monotonic() + 2
        while self.state["queue"] and self.online and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.stopping = True
        self.persist_meters()
        if self.client is not None:
            await self.client._connection.ws.close()


# -- command line ----------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        sys.stderr.write(f"{PROG}: error: {message} (see {PROG} --help)\n")
        sys.exit(2)


def parse_args(argv):
    parser = Parser(prog=PROG, description="OCPP 1.6-J charge point simulator (TEST DOUBLE)")
    parser.add_argument("--csms", required=True, help="central system base URL, ws:// or wss://")
    parser.add_argument("--id", required=True, help="charge point identity")
    parser.add_argument("--connectors", type=int, default=1)
    parser.add_argument("--state-dir")
    parser.add_argument("--password")
    parser.add_argument("--vendor", default="ocpp-rs")
    parser.add_argument("--model", default="ocpp-cp-fake")
    parser.add_argument("--count", type=int, default=1)
    args = parser.parse_args(argv)
    url = urlsplit(args.csms)
    if url.scheme not in ("ws", "wss") or not url.hostname:
        parser.error(f"--csms must be a ws:// or wss:// URL, got {args.csms!r}")
    if not args.id or "/" in args.id or len(args.id) > 48:
        parser.error("--id must be 1..48 characters without '/'")
    if not 1 <= args.connectors <= 32:
        parser.error("--connectors must be 1..32")
    if not 1 <= args.count <= 10000:
        parser.error("--count must be 1..10000")
    if len(args.vendor) > 20 or len(args.model) > 20:
        parser.error("--vendor and --model are at most 20 characters (CiString20)")
    return args


def stdin_lines(loop, queue: asyncio.Queue):
    """A thread: stdin lines into the loop; None at end of input."""
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def amain(args) -> int:
    if args.state_dir:
        try:
            os.makedirs(args.state_dir, exist_ok=True)
        except OSError as error:
            log(f"{PROG}: error: cannot use --state-dir {args.state_dir}: {error.strerror}")
            return 1
    identities = [args.id] if args.count == 1 else [f"{args.id}-{k}" for k in range(1, args.count + 1)]
    sims = [Sim(identity, args,
                os.path.join(args.state_dir, f"{quote(identity, safe='')}.json") if args.state_dir else None)
            for identity in identities]
    runners = [asyncio.ensure_future(sim.run()) for sim in sims]
    lines: asyncio.Queue = asyncio.Queue()
    threading.Thread(target=stdin_lines, args=(asyncio.get_running_loop(), lines), daemon=True).start()
    target = sims[0]  # stdin commands drive the first charge point
    while True:
        line = await lines.get()
        if line is None:
            break  # end of input: shut down like quit
        words = line.split()
        if not words:
            continue
        try:
            if not await target.command(words):
                break
        except ValueError as error:
            log(f"{PROG}: {error}")
    log(f"{PROG}: shutting down")
    await asyncio.gather(*(sim.shutdown() for sim in sims))
    for runner in runners:
        runner.cancel()
    await asyncio.gather(*runners, return_exceptions=True)
    return 0


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter())
    ocpp_logger = logging.getLogger("ocpp")
    ocpp_logger.addHandler(handler)
    ocpp_logger.setLevel(logging.WARNING)
    ocpp_logger.propagate = False
    try:
        return asyncio.run(amain(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
