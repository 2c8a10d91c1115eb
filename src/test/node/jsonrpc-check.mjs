// Drives Herald's JSON-RPC 2.0 endpoint (/api/current) with a third-party client, rpc-websockets
// (https://github.com/elpheria/rpc-websockets, pinned in package.json / package-lock.json), the way
// a client of the original API uses it. Run by io.herald.protocol.ThirdPartyJsonRpcIT:
//
//   HERALD_PASSWORD=<password> node jsonrpc-check.mjs <port> <username> <file>
//
// <file>: an absolute path inside the node's files roots, hashed with filesystem.checksum.
// Prints one JSON summary on stdout; exits 0 when every check held, 1 on a mismatch, 2 when the
// client failed (connection, exception), 3 on the overall timeout.
import { Client } from "rpc-websockets";

const [port, username, file] = process.argv.slice(2);
const password = process.env.HERALD_PASSWORD;
if (!port || !username || !file || password === undefined) {
  console.error("usage: HERALD_PASSWORD=<password> node jsonrpc-check.mjs <port> <username> <file>");
  process.exit(64);
}
const TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 10_000;

const summary = { endpoint: `ws://127.0.0.1:${port}/api/current`, checks: {}, failures: [] };

function check(name, ok, detail) {
  summary.checks[name] = { ok: Boolean(ok), ...(detail === undefined ? {} : { detail }) };
  if (!ok) summary.failures.push(name);
}

function finish(code) {
  summary.ok = code === 0;
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  process.exit(code);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

setTimeout(() => {
  summary.error = `timed out after ${TIMEOUT_MS} ms`;
  finish(3);
}, TIMEOUT_MS).unref();

// rpc-websockets numbers its requests itself (1, 2, 3, ... by default). Its constructor takes the
// generator as a parameter (generate_request_id(method, params)) and keeps it in a public field:
// wrapping the library's own generator lets the script learn the id each call went out with, while
// the ids stay the library's.
const client = new Client(summary.endpoint, { reconnect: false });
const sentIds = [];
const libraryIds = client.generate_request_id;
client.generate_request_id = (method, params) => {
  const id = libraryIds(method, params);
  sentIds.push({ id, method });
  return id;
};
function lastIdOf(method) {
  for (let i = sentIds.length - 1; i >= 0; i--) {
    if (sentIds[i].method === method) return sentIds[i].id;
  }
  return undefined;
}

// A server notification ({"jsonrpc":"2.0","method":"collection_update","params":{...}}, no id)
// is emitted by rpc-websockets as an event named by its method, with params as the argument.
const updates = [];
const unsubscribed = [];
client.on("collection_update", (params) => updates.push(params));
client.on("notify_unsubscribed", (params) => unsubscribed.push(params));

/** The call's error object (rpc-websockets rejects with the response's "error" as is), or null. */
async function callError(method, params) {
  try {
    const result = await client.call(method, params, CALL_TIMEOUT_MS);
    return { unexpectedResult: result };
  } catch (e) {
    return e;
  }
}

async function main() {
  await new Promise((resolve, reject) => {
    client.once("open", resolve);
    client.once("error", (e) => reject(new Error(`cannot connect: ${e.message ?? e}`)));
  });

  const options = await client.call("core.set_options", [{ legacy_jobs: false }], CALL_TIMEOUT_MS);
  check("set_options", options && options.legacy_jobs === false, options);

  const login = await client.call(
    "auth.login_ex",
    [{ mechanism: "PASSWORD_PLAIN", username, password }],
    CALL_TIMEOUT_MS,
  );
  check("login_ex", login && login.response_type === "SUCCESS", login && login.response_type);

  const subscription = await client.call("core.subscribe", ["core.get_jobs"], CALL_TIMEOUT_MS);
  check("subscribe", typeof subscription === "string" && subscription.length > 0, subscription);

  // legacy_jobs false: the call is answered with the job's result when the job ends.
  const digest = await client.call("filesystem.checksum", [file, "sha256"], CALL_TIMEOUT_MS);
  const callId = lastIdOf("filesystem.checksum");
  summary.checksum = { request_id: callId, result: digest };
  check("checksum_result", typeof digest === "string" && /^[0-9a-f]{64}$/.test(digest), digest);

  // The job's core.get_jobs updates name the call in message_ids. Its last one may still be on
  // its way when the response arrives: wait (a little) for the update that ends the job.
  const ofCall = (u) =>
    u.collection === "core.get_jobs" &&
    Array.isArray(u.fields?.message_ids) &&
    u.fields.message_ids.includes(callId);
  for (let i = 0; i < 50 && !updates.some((u) => ofCall(u) && u.fields.state === "SUCCESS"); i++) {
    await sleep(100);
  }
  const jobUpdates = updates.filter(ofCall);
  const jobIds = [...new Set(jobUpdates.map((u) => u.id))];
  summary.checksum.job_updates = jobUpdates.map((u) => ({
    msg: u.msg,
    id: u.id,
    state: u.fields.state,
    method: u.fields.method,
    message_ids: u.fields.message_ids,
    result: u.fields.result,
  }));
  check("job_updates_carry_call_id", jobUpdates.length > 0 && jobIds.length === 1, {
    updates: jobUpdates.length,
    job_ids: jobIds,
  });
  const final = jobUpdates.find((u) => u.fields.state === "SUCCESS");
  check(
    "job_update_success",
    final && final.fields.method === "filesystem.checksum" && final.fields.result === digest,
    final ? { state: final.fields.state, result: final.fields.result } : "no SUCCESS update",
  );

  const unknown = await callError("core.no_such_method", []);
  summary.unknown_method = unknown;
  check("unknown_method_-32601", unknown?.code === -32601, unknown?.code);

  const invalid = await callError("core.get_jobs", ["not a list of filters"]);
  summary.invalid_params = invalid;
  check(
    "invalid_params_-32602",
    invalid?.code === -32602 &&
      Array.isArray(invalid?.data?.extra) &&
      invalid.data.extra.length > 0,
    invalid?.data?.extra,
  );

  const unsubscribedResult = await client.call("core.unsubscribe", [subscription], CALL_TIMEOUT_MS);
  check("unsubscribe", unsubscribedResult === null, unsubscribedResult);
  // After unsubscribing, another job is answered and no update reaches the client.
  const before = updates.length;
  const again = await client.call("filesystem.checksum", [file, "sha256"], CALL_TIMEOUT_MS);
  await sleep(500);
  check("no_updates_after_unsubscribe", again === digest && updates.length === before, {
    updates_after: updates.length - before,
  });
  check("no_notify_unsubscribed", unsubscribed.length === 0, unsubscribed);

  summary.request_ids = sentIds;
  summary.updates_received = updates.length;
  client.close(1000);
  finish(summary.failures.length === 0 ? 0 : 1);
}

main().catch((e) => {
  summary.error = e instanceof Error ? `${e.name}: ${e.message}` : e;
  try {
    client.close(1000);
  } catch (_) {
    // closing is best effort
  }
  finish(2);
});
