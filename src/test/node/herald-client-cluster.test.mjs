// herald.js against three clustered node processes (TickPublisher: every node publishes
// test.node_ticks {"node", "seq"} every 20 ms, an event with a history). Run by
// io.herald.client.HeraldJsClientIT, which passes each node's websocket URL, process id and node id
// (HERALD_URL_A / _B / _C, HERALD_PID_*, HERALD_NODE_*), the admin's password (HERALD_PASSWORD),
// where to fetch the client (HERALD_CLIENT_FROM) and where to write a summary (HERALD_SUMMARY).
// The tests run in order: the first kills node A (SIGKILL), the second stops node B (SIGSTOP).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { impl, loadClient, recordingLogger, until, webSocketImpl } from "./herald-client-support.mjs";

const env = process.env;
const [A, B, C] = ["A", "B", "C"].map((n) => ({
  url: env[`HERALD_URL_${n}`],
  pid: Number(env[`HERALD_PID_${n}`]),
  id: env[`HERALD_NODE_${n}`],
}));
const credentials = { username: "admin", password: env.HERALD_PASSWORD };
const summary = { impl };
let HeraldClient, ConnectionError, WebSocket;
const clients = [];

before(async () => {
  ({ HeraldClient, ConnectionError } = await loadClient());
  WebSocket = await webSocketImpl();
});

after(() => {
  for (const c of clients) c.close();
  // The socket the client dropped on B still waits for B's side of the close handshake (Node's
  // WebSocket cannot be torn down otherwise): let B answer, so that this process can exit.
  try {
    process.kill(B.pid, "SIGCONT");
  } catch {
    // not stopped, or gone
  }
  if (env.HERALD_SUMMARY) writeFileSync(env.HERALD_SUMMARY, JSON.stringify(summary, null, 2));
});

/**
 * Ticks per node as the callbacks got them, and for each where it came (e.g. "B1": on node B before
 * the second `ready`, i.e. recovered), which places a gap.
 */
function tickRecorder() {
  const byNode = new Map();
  const phases = new Map();
  return {
    byNode,
    phases,
    add(m, phase = 0) {
      const { node, seq } = m.fields;
      if (!byNode.has(node)) {
        byNode.set(node, []);
        phases.set(node, []);
      }
      byNode.get(node).push(seq);
      phases.get(node).push(phase);
    },
    count: (node) => (byNode.get(node) || []).length,
    last: (node) => (byNode.get(node) || []).at(-1) ?? 0,
  };
}

/**
 * Gaps and duplicates in one node's ticks (consecutive from the first one seen); each problem with
 * the phase (see tickRecorder) on either side.
 */
function check(seqs, phases = []) {
  let gaps = 0;
  let duplicates = 0;
  const problems = [];
  const at = (i) => (phases[i] === undefined ? "" : ` (${phases[i]})`);
  for (let i = 1; i < seqs.length; i++) {
    const step = seqs[i] - seqs[i - 1];
    if (step === 1) continue;
    if (step <= 0) duplicates++;
    else gaps++;
    if (problems.length < 10) problems.push(`${seqs[i - 1]}${at(i - 1)} -> ${seqs[i]}${at(i)}`);
  }
  return { count: seqs.length, first: seqs[0], last: seqs.at(-1), gaps, duplicates, problems };
}

test("node A killed: the client carries on on B with every tick, no gap, no duplicate", { timeout: 60_000 }, async () => {
  const logger = recordingLogger("[A,B] ");
  const client = new HeraldClient({
    urls: [A.url, B.url],
    credentials,
    WebSocket,
    backoff: { baseMs: 100, capMs: 1000 },
    heartbeat: { intervalMs: 1000, timeoutMs: 3000 },
    logger,
  });
  clients.push(client);
  const closes = [];
  const logins = [];
  client.on("close", (c) => closes.push(c));
  client.on("login", (l) => logins.push(l));
  await client.connect();
  assert.equal(client.url, A.url);

  const ticks = tickRecorder();
  const readies = [];
  const resyncs = [];
  const sub = client.subscribe("test.node_ticks", {
    changed: (m) => ticks.add(m, `${client.url === A.url ? "A" : "B"}${readies.length}`),
    onReady: (info) => readies.push(info),
    onResync: (info) => resyncs.push(info),
  });
  const ready = await sub.ready;
  assert.equal(typeof ready.position, "string");
  await until("20 ticks of each node", () => [A, B, C].every((n) => ticks.count(n.id) >= 20));

  // A call in flight on A when it dies: its outcome is unknown, and said so.
  const jobId = await client.call("test.sleep", 60_000);
  const waiting = client.call("core.job_wait", jobId).then(
    () => "answered",
    (e) => e,
  );
  const killedAt = Date.now();
  process.kill(A.pid, "SIGKILL");

  const lost = await waiting;
  assert.ok(lost instanceof ConnectionError, String(lost));
  assert.equal(lost.code, "ECONNLOST");
  await until("a new ready on B", () => readies.length >= 2, 30_000);
  assert.equal(client.url, B.url);
  assert.equal(readies[1].resubscribed, true);
  assert.equal(readies[1].recovered, true, JSON.stringify(readies[1]));
  assert.deepEqual(resyncs, []);
  assert.equal(logins.length, 2, "logged in again after the reconnect");
  assert.equal(logins[1].url, B.url);
  assert.equal(closes.length, 1);
  assert.equal(closes[0].willReconnect, true);
  const movedMs = Date.now() - killedAt;

  const marks = { [B.id]: ticks.last(B.id), [C.id]: ticks.last(C.id) };
  await until("50 more live ticks of B and C", () => [B, C].every((n) => ticks.last(n.id) >= marks[n.id] + 50), 20_000);
  assert.equal(await client.call("core.ping"), "pong");
  client.close();

  summary.ticks = {};
  for (const [node, seqs] of ticks.byNode) summary.ticks[node] = check(seqs, ticks.phases.get(node));
  summary.recovery = { moved_ms: movedMs, close: closes[0], ready: readies[1] };
  for (const n of [A, B, C]) {
    const r = summary.ticks[n.id];
    assert.ok(r, `ticks of ${n.id}`);
    assert.equal(r.duplicates, 0, `${n.id}: ${JSON.stringify(r)}`);
    assert.equal(r.gaps, 0, `${n.id}: ${JSON.stringify(r)}`);
  }
  for (const n of [B, C]) assert.ok(summary.ticks[n.id].count > 70, JSON.stringify(summary.ticks[n.id]));
  for (const line of logger.lines) assert.ok(!line.includes(credentials.password), line);
});

test("node B stopped (SIGSTOP): the heartbeat notices and the client moves on to C", { timeout: 60_000 }, async () => {
  const client = new HeraldClient({
    urls: [B.url, C.url],
    credentials,
    WebSocket,
    backoff: { baseMs: 100, capMs: 500 },
    heartbeat: { intervalMs: 500, timeoutMs: 1000 },
    connectTimeoutMs: 3000,
    logger: recordingLogger("[B,C] "),
  });
  clients.push(client);
  const closes = [];
  const logins = [];
  client.on("close", (c) => closes.push(c));
  client.on("login", (l) => logins.push({ ...l, at: Date.now() }));
  await client.connect();
  assert.equal(client.url, B.url);

  const ticks = tickRecorder();
  const resyncs = [];
  const readies = [];
  // No positions: a recovery would read the history, part of which the stopped node holds.
  const sub = client.subscribe("test.node_ticks", {
    positions: false,
    changed: (m) => ticks.add(m),
    onReady: (info) => readies.push(info),
    onResync: (info) => resyncs.push(info),
  });
  await sub.ready;
  await until("ticks of C", () => ticks.count(C.id) >= 10);

  const stoppedAt = Date.now();
  process.kill(B.pid, "SIGSTOP");
  await until("the client gives up on B", () => closes.length >= 1, 10_000);
  const noticedMs = Date.now() - stoppedAt;
  assert.match(closes[0].reason, /heartbeat/);
  assert.equal(closes[0].willReconnect, true);

  await until("logged in on C", () => logins.length >= 2, 10_000);
  assert.equal(logins[1].url, C.url);
  const loggedInMs = logins[1].at - stoppedAt;
  await until("ready again, on C", () => readies.length >= 2 && client.state === "ready", 30_000);
  const readyMs = Date.now() - stoppedAt;
  assert.equal(client.url, C.url);
  assert.deepEqual(resyncs, [{ reason: "reconnected", snapshot: false }]);
  const mark = ticks.last(C.id);
  await until("live ticks of C on C", () => ticks.last(C.id) >= mark + 10, 10_000);
  assert.equal(await client.call("core.ping"), "pong");
  summary.silent = { noticed_ms: noticedMs, logged_in_on_c_ms: loggedInMs, ready_again_ms: readyMs, close: closes[0], log: client._log.lines };
  client.close();
});
