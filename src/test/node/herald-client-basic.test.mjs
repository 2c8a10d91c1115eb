// herald.js against one secured node (anonymous connections hold no role, auth.login-timeout-ms
// short): logins, calls, errors, a subscription, a job with progress. Run by
// io.herald.client.HeraldJsClientIT:
//
//   HERALD_CLIENT_FROM=http://127.0.0.1:<port> HERALD_URL=ws://127.0.0.1:<port>/websocket \
//   HERALD_PASSWORD=<admin password> HERALD_FILE=<a file in the node's roots> \
//   HERALD_SUMMARY=<json file to write> node --test herald-client-basic.test.mjs
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { impl, loadClient, recordingLogger, until, webSocketImpl } from "./herald-client-support.mjs";

const url = process.env.HERALD_URL;
const password = process.env.HERALD_PASSWORD;
const file = process.env.HERALD_FILE;
const summary = { impl };
let HeraldClient, CallError, ConnectionError, WebSocket;
const clients = [];

function client(options) {
  const c = new HeraldClient({ urls: [url], WebSocket, backoff: { baseMs: 50, capMs: 200 }, ...options });
  clients.push(c);
  return c;
}

before(async () => {
  ({ HeraldClient, CallError, ConnectionError } = await loadClient());
  WebSocket = await webSocketImpl();
});

after(() => {
  for (const c of clients) c.close();
  if (process.env.HERALD_SUMMARY) writeFileSync(process.env.HERALD_SUMMARY, JSON.stringify(summary, null, 2));
});

test("logs in with a password, calls methods, gets CallErrors", { timeout: 20_000 }, async () => {
  const logger = recordingLogger("[admin] ");
  const admin = client({ credentials: { username: "admin", password }, logger });
  await admin.connect();
  assert.equal(admin.state, "ready");
  assert.equal(await admin.call("core.ping"), "pong");
  const me = await admin.call("auth.me");
  assert.equal(me.username, "admin");
  assert.equal(me.mechanism, "PASSWORD_PLAIN");

  const unknown = await admin.call("core.nope").then(
    () => assert.fail("core.nope answered"),
    (e) => e,
  );
  assert.ok(unknown instanceof CallError, String(unknown));
  assert.equal(unknown.errname, "ENOMETHOD");
  assert.equal(unknown.errno, 201);
  assert.match(unknown.reason, /Method 'nope' not found in 'core'/);

  const invalid = await admin.call("filesystem.checksum", 42).then(
    () => assert.fail("checksum(42) answered"),
    (e) => e,
  );
  assert.equal(invalid.errname, "EINVAL");
  assert.equal(invalid.type, "VALIDATION");
  assert.ok(Array.isArray(invalid.extra) && invalid.extra.length > 0, JSON.stringify(invalid.extra));
  assert.ok(logger.lines.some((l) => l.includes("logging in as 'admin' with a password")), logger.lines.join("\n"));
  for (const line of logger.lines) assert.ok(!line.includes(password), `a log line holds the password: ${line}`);
});

test("a wrong password fails connect() and does not reconnect", { timeout: 20_000 }, async () => {
  const wrong = client({ credentials: { username: "admin", password: "not-the-password" } });
  let reconnects = 0;
  wrong.on("reconnect", () => reconnects++);
  const error = await wrong.connect().then(
    () => assert.fail("logged in with a wrong password"),
    (e) => e,
  );
  assert.ok(error instanceof CallError, String(error));
  assert.equal(error.errname, "AUTH_ERR");
  assert.equal(wrong.state, "closed");
  assert.equal(reconnects, 0);
  await assert.rejects(wrong.call("core.ping"), (e) => e instanceof ConnectionError && e.code === "ECLOSED");
});

test("API keys and tokens log in", { timeout: 20_000 }, async () => {
  const admin = client({ credentials: { username: "admin", password } });
  await admin.connect();
  const created = await admin.call("api_key.create", { name: `js-${impl}`, username: "admin" });
  const withUser = client({ credentials: { username: "admin", apiKey: created.key } });
  await withUser.connect();
  assert.equal((await withUser.call("auth.me")).mechanism, "API_KEY_PLAIN");
  const keyOnly = client({ credentials: { apiKey: created.key } });
  await keyOnly.connect();
  assert.equal((await keyOnly.call("auth.me")).username, "admin");

  // A token logs in once: a function gives a fresh one for every login.
  let issued = 0;
  const byToken = client({
    credentials: async () => {
      issued++;
      return { token: await admin.call("auth.generate_token", 60) };
    },
  });
  await byToken.connect();
  assert.equal((await byToken.call("auth.me")).username, "admin");
  assert.equal(issued, 1);
});

test("without credentials, 4003 login timeout closes the client for good", { timeout: 20_000 }, async () => {
  const anonymous = client({});
  const closes = [];
  let reconnects = 0;
  anonymous.on("close", (c) => closes.push(c));
  anonymous.on("reconnect", () => reconnects++);
  await anonymous.connect();
  const refused = await anonymous.call("core.get_jobs").then(
    () => assert.fail("an anonymous call of core.get_jobs answered"),
    (e) => e,
  );
  assert.equal(refused.errname, "ENOTAUTHENTICATED");
  await until("the 4003 close", () => anonymous.state === "closed");
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, 4003);
  assert.equal(closes[0].willReconnect, false);
  assert.equal(reconnects, 0);
});

test("subscribes, runs a checksum job with progress, unsubscribes", { timeout: 30_000 }, async () => {
  const admin = client({ credentials: { username: "admin", password } });
  await admin.connect();
  const seen = [];
  const sub = admin.subscribe("core.get_jobs", { changed: (m) => seen.push(m), added: (m) => seen.push(m) });
  const ready = await sub.ready;
  assert.equal(typeof ready.position, "string", "a subscription with positions gets one on ready");

  const progress = [];
  const digest = await admin.job("filesystem.checksum", [file, "sha256"], {
    onProgress: (p) => progress.push(p),
  });
  const expected = createHash("sha256").update(readFileSync(file)).digest("hex");
  assert.equal(digest, expected);
  assert.ok(progress.length >= 1, "progress reported");
  const percents = progress.map((p) => p.percent).filter((p) => typeof p === "number");
  assert.ok(percents.length >= 1, JSON.stringify(progress.map((p) => p.percent)));
  for (let i = 1; i < percents.length; i++) assert.ok(percents[i] >= percents[i - 1], `progress went back: ${percents}`);

  // The user's subscription saw the job's events too, each with its position.
  const mine = seen.filter((m) => m.fields && m.fields.method === "filesystem.checksum");
  await until("the job's final changed on the user's subscription", () =>
    seen.some((m) => m.fields && m.fields.method === "filesystem.checksum" && m.fields.state === "SUCCESS"),
  );
  assert.ok(mine.every((m) => typeof m.position === "string"));
  const jobId = seen.find((m) => m.fields && m.fields.state === "SUCCESS").id;

  // A job that fails: its error, as a CallError.
  const failure = await admin.job("filesystem.checksum", ["/definitely/not/in/the/roots", "sha256"]).then(
    () => assert.fail("a checksum outside the roots succeeded"),
    (e) => e,
  );
  assert.ok(failure instanceof CallError, String(failure));
  assert.equal(failure.errname, "EACCES");

  // Unsubscribed: nothing more reaches it, while the client's own job subscription goes on.
  sub.unsubscribe();
  const count = seen.length;
  const again = await admin.job("filesystem.checksum", [file, "md5"]);
  assert.equal(again, createHash("md5").update(readFileSync(file)).digest("hex"));
  assert.equal(seen.length, count, "events after unsubscribe");

  summary.checksum = { job: jobId, digest, progress: progress.map((p) => p.percent), events: mine.length };
  summary.failure = { errname: failure.errname, reason: failure.reason };
});
