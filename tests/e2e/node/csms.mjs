// A second, independent central system for the end-to-end interop tests: OCPP 1.6-J on the npm
// package `ocpp-rpc` in strict mode, so every frame the charge point sends, and every answer it
// gives to our calls, is validated against the OCPP 1.6 JSON schemas that `ocpp-rpc` ships (a
// CALL that fails is answered with a CALLERROR; an answer that fails rejects our call).
//
// It is driven by the pytest suite (csms_node.py) over a line-based JSON control channel:
//
//   stdin,  one command a line:  {"id": 7, "cmd": "start", ...}
//   stdout, one object a line:   {"re": 7, "ok": ...} or {"re": 7, "error": "..."}  (answers)
//                                {"ev": "message" | "connection" | "closed", ...}    (records)
//
// Commands: start {port}, stop, behaviour {behaviour}, call {cpId, action, payload, timeout},
// sync, quit. Everything listens on 127.0.0.1 only. The process exits when stdin ends, so it never
// outlives the test that started it. Diagnostics go to stderr.

import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import rpc from 'ocpp-rpc';

const { RPCServer, NOREPLY } = rpc;

const HOST = '127.0.0.1';
const ENDPOINT = '/ocpp'; // served path: /ocpp/<identity>
const SUBPROTOCOL = 'ocpp1.6';

// How the central system answers; the `behaviour` command sets the fields it names (csms_node.py
// sends them all at each change). The names are those of csms.py's Behaviour (snake_case).
let behaviour = {
  boot_status: 'Accepted',
  heartbeat_interval: 300,
  boot_retry_interval: 1,
  id_tags: {},
  unknown_id_tag_status: 'Invalid',
  first_transaction_id: 1,
  delays: {},
  no_answer: [],
  passwords: {},
  data_transfer_status: 'UnknownVendorId',
};

let seq = 0; // one sequence for messages and connections, as in csms.py
let server = null; // the RPCServer while listening
let httpServer = null;
const active = new Map(); // identity -> {client, number}
const connectionCounts = new Map(); // identity -> connections so far (numbered from 1)
let lastTransactionId = null;

const now = () => Date.now() / 1000;
const emit = (object) => process.stdout.write(JSON.stringify(object) + '\n');
const log = (...args) => console.error(new Date().toISOString(), ...args);

// -- records --------------------------------------------------------------------------------

function recordConnection(cpId, path, subprotocol, headers, refused) {
  const number = (connectionCounts.get(cpId) ?? 0) + 1;
  connectionCounts.set(cpId, number);
  const opened = now();
  emit({
    ev: 'connection', seq: ++seq, cp_id: cpId, number, path, subprotocol, headers, opened,
    closed: refused ? opened : null, refused,
  });
  log(`connection ${cpId} #${number} ${path}${refused ? ` refused: ${refused}` : ''}`);
  return number;
}

// Records one raw frame. `actions` maps the unique ids of CALLs on this connection to their
// action, so that CALLRESULT / CALLERROR records name the action they answer.
function recordMessage(cpId, number, direction, raw, actions) {
  let kind = 'INVALID', uniqueId = '', action = null, payload = null;
  try {
    const frame = JSON.parse(raw);
    const kinds = { 2: 'CALL', 3: 'CALLRESULT', 4: 'CALLERROR' };
    if (Array.isArray(frame) && kinds[frame[0]] && typeof frame[1] === 'string') {
      uniqueId = frame[1];
      if (frame[0] === 2) {
        [action, payload] = [frame[2], frame[3]];
        actions[direction].set(uniqueId, action);
      } else {
        // An answer travelling `direction` answers a CALL that travelled the other way.
        action = actions[direction === 'in' ? 'out' : 'in'].get(uniqueId) ?? null;
        payload = frame[0] === 3
          ? frame[2]
          : { code: frame[2], description: frame[3], details: frame[4] };
      }
      kind = kinds[frame[0]];
    }
  } catch {
    // recorded as INVALID
  }
  emit({
    ev: 'message', seq: ++seq, cp_id: cpId, connection: number, direction, kind,
    unique_id: uniqueId, action, payload, time: now(), raw,
  });
}

// -- answers to the charge point's CALLs ----------------------------------------------------

const idTagInfo = (idTag) => ({
  status: behaviour.id_tags[idTag] ?? behaviour.unknown_id_tag_status,
});

function nextTransactionId() {
  const first = behaviour.first_transaction_id;
  lastTransactionId = lastTransactionId === null || lastTransactionId < first
    ? first
    : lastTransactionId + 1;
  return lastTransactionId;
}

// One handler per charge-point-initiated action (OCPP 1.6 plus the security extension, whose
// schemas ocpp-rpc also ships), answering like csms.py does.
const HANDLERS = {
  BootNotification: () => {
    const accepted = behaviour.boot_status === 'Accepted';
    return {
      currentTime: new Date().toISOString(),
      interval: accepted ? behaviour.heartbeat_interval : behaviour.boot_retry_interval,
      status: behaviour.boot_status,
    };
  },
  Heartbeat: () => ({ currentTime: new Date().toISOString() }),
  Authorize: ({ idTag }) => ({ idTagInfo: idTagInfo(idTag) }),
  StartTransaction: ({ idTag }) => ({ transactionId: nextTransactionId(), idTagInfo: idTagInfo(idTag) }),
  StopTransaction: ({ idTag }) => (idTag === undefined ? {} : { idTagInfo: idTagInfo(idTag) }),
  StatusNotification: () => ({}),
  MeterValues: () => ({}),
  DataTransfer: () => ({ status: behaviour.data_transfer_status }),
  DiagnosticsStatusNotification: () => ({}),
  FirmwareStatusNotification: () => ({}),
  SecurityEventNotification: () => ({}),
  LogStatusNotification: () => ({}),
  SignedFirmwareStatusNotification: () => ({}),
  SignCertificate: () => ({ status: 'Rejected' }),
};

// Wraps a handler with the configured delay or silence. ocpp-rpc has already validated the
// CALL against its schema before this runs (strict mode), and validates our answer after.
function answering(action, handler) {
  return async ({ params }) => {
    if (behaviour.no_answer.includes(action)) return NOREPLY;
    const delay = behaviour.delays[action] ?? 0;
    if (delay > 0) await sleep(delay * 1000);
    return handler(params);
  };
}

// -- the listener ---------------------------------------------------------------------------

function lowerCaseHeaders(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function newServer() {
  const rpcServer = new RPCServer({
    protocols: [SUBPROTOCOL],
    strictMode: true, // validate every message both ways against the OCPP 1.6 schemas
    pingIntervalMs: 0, // no WebSocket pings from us: the charge point's keep-alive is under test
    respondWithDetailedErrors: true,
  });

  // The handshake, as the PyPI peer does it: no ocpp1.6 subprotocol is refused with 400 (there
  // websockets does it) and a wrong password with 401, before the upgrade; a wrong path is
  // accepted and then closed. Each is recorded as a refused connection.
  rpcServer.auth((accept, reject, handshake) => {
    const cpId = handshake.identity;
    if (!handshake.protocols.has(SUBPROTOCOL)) {
      recordConnection(cpId, handshake.request.url, null, lowerCaseHeaders(handshake.headers), 'no ocpp1.6');
      reject(400, 'missing subprotocol');
      return;
    }
    const expected = behaviour.passwords[cpId];
    if (expected !== undefined && handshake.password?.toString('utf8') !== expected) {
      recordConnection(cpId, handshake.request.url, null, lowerCaseHeaders(handshake.headers), 'bad password');
      reject(401, 'Unauthorized');
      return;
    }
    accept({ path: handshake.request.url });
  });

  rpcServer.on('client', (client) => {
    const { handshake, session } = client;
    const headers = lowerCaseHeaders(handshake.headers);
    const subprotocol = client.protocol || null;
    let refused = null;
    if (handshake.endpoint !== ENDPOINT || !handshake.identity) refused = 'bad path';
    else if (subprotocol !== SUBPROTOCOL) refused = 'no ocpp1.6';
    if (refused) {
      const cpId = refused === 'bad path' ? session.path : handshake.identity;
      recordConnection(cpId, session.path, subprotocol, headers, refused);
      client.close({ code: refused === 'bad path' ? 1008 : 1002, reason: refused, force: false });
      return;
    }

    const cpId = handshake.identity;
    const number = recordConnection(cpId, session.path, subprotocol, headers, null);
    // ocpp-rpc resolves or rejects our calls with the bare result or error; these maps give
    // back the unique id of the CALL (from the events it emits just before).
    const outcomes = new WeakMap(); // result or error object -> unique id of our CALL
    const strictFailures = new WeakMap(); // error -> {messageId, isCall}
    active.set(cpId, { client, number, outcomes, strictFailures });
    client.on('callResult', ({ outbound, messageId, result }) => {
      if (outbound && result !== null && typeof result === 'object') outcomes.set(result, messageId);
    });
    client.on('callError', ({ outbound, messageId, error }) => {
      if (outbound && error !== null && typeof error === 'object') outcomes.set(error, messageId);
    });
    const actions = { in: new Map(), out: new Map() };
    client.on('message', ({ message, outbound }) => {
      recordMessage(cpId, number, outbound ? 'out' : 'in', String(message), actions);
    });
    client.on('strictValidationFailure', ({ messageId, method, outbound, isCall, error }) => {
      strictFailures.set(error, { messageId, isCall });
      const what = `${method}.${isCall ? 'req' : 'conf'} ${outbound ? 'to' : 'from'} ${cpId}`;
      log(`strict mode: ${what}: ${error.message}`);
    });
    client.on('badMessage', ({ error }) => log(`bad message from ${cpId}: ${error.message}`));
    client.on('close', ({ code, reason }) => {
      if (active.get(cpId)?.client === client) active.delete(cpId);
      emit({ ev: 'closed', cp_id: cpId, number, time: now(), code, reason: String(reason ?? '') });
      log(`closed ${cpId} #${number}: ${code} ${reason ?? ''}`);
    });
    for (const [action, handler] of Object.entries(HANDLERS)) {
      client.handle(action, answering(action, handler));
    }
  });
  return rpcServer;
}

async function start(wanted) {
  if (server) throw new Error('already listening');
  server = newServer();
  httpServer = await server.listen(wanted ?? 0, HOST);
  const { port } = httpServer.address();
  log(`listening on ${HOST}:${port} (ocpp-rpc strict mode, ${SUBPROTOCOL})`);
  return port;
}

// Stop listening and close every connection (1001 going away), like csms.py's stop(): it
// returns once the connections are closed, so the charge point has seen the close.
async function stop() {
  if (!server) return;
  const closing = [...active.values()].map(({ client }) => client.close({ code: 1001, reason: 'going away' }));
  await Promise.allSettled(closing);
  await server.close({ code: 1001 });
  await new Promise((resolve) => (httpServer.listening ? httpServer.close(() => resolve()) : resolve()));
  server = null;
  httpServer = null;
  active.clear();
}

// -- calls to the charge point --------------------------------------------------------------

// The outcome of one CALL, with the unique id ocpp-rpc gave it (so the Python side finds the
// answer frame in the record): {uniqueId, result} for a CALLRESULT that passed the schema,
// {uniqueId, rpcError} for a CALLERROR answer or an answer strict mode refused (the record
// tells which), {refused} for a request strict mode would not send, {timeout}, {notConnected}.
async function callChargePoint({ cpId, action, payload, timeout }) {
  const entry = active.get(cpId);
  if (!entry) return { notConnected: `${cpId} is not connected` };
  try {
    const result = await entry.client.call(action, payload, { callTimeoutMs: timeout * 1000 });
    return { uniqueId: entry.outcomes.get(result) ?? null, result };
  } catch (error) {
    const strict = entry.strictFailures.get(error);
    if (strict && strict.isCall) {
      return { refused: `strict mode refused to send ${action}.req: ${error.message}` };
    }
    if (error.name === 'TimeoutError') return { timeout: `no answer to ${action} within ${timeout}s` };
    if (!error.rpcErrorCode) throw error; // not an answer at all (connection closed, ...)
    return {
      uniqueId: strict?.messageId ?? entry.outcomes.get(error) ?? null,
      rpcError: {
        code: error.rpcErrorCode,
        description: error.rpcErrorMessage ?? error.message,
        details: error.details ?? null,
      },
    };
  }
}

// -- the control channel --------------------------------------------------------------------

const COMMANDS = {
  start: ({ port: wanted }) => start(wanted),
  stop: () => stop(),
  behaviour: ({ behaviour: next }) => {
    behaviour = { ...behaviour, ...next };
    return true;
  },
  call: (args) => callChargePoint(args),
  sync: () => true, // answered after every record line so far: the Python side is up to date
  quit: async () => {
    await stop();
    setImmediate(() => process.exit(0));
    return true;
  },
};

async function run(line) {
  let request;
  try {
    request = JSON.parse(line);
    const command = COMMANDS[request.cmd];
    if (!command) throw new Error(`unknown command ${request.cmd}`);
    emit({ re: request.id, ok: (await command(request)) ?? null });
  } catch (error) {
    log(`command failed: ${line}: ${error.stack ?? error}`);
    emit({ re: request?.id ?? null, error: String(error.message ?? error) });
  }
}

// Commands run concurrently (a call may wait for an answer while the next command changes the
// behaviour); their answers carry the command's id.
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim()) run(line);
});
// The test runner is gone or done: never outlive it.
input.on('close', () => process.exit(0));
process.stdout.on('error', () => process.exit(0)); // EPIPE: nobody reads our records any more
process.on('unhandledRejection', (error) => log('unhandled rejection:', error));
