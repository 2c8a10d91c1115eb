// Shared by the herald.js tests (herald-client-*.test.mjs), run by io.herald.client.HeraldJsClientIT.
//
// The client is loaded as a node serves it: GET /client/herald.js is fetched from HERALD_CLIENT_FROM
// (an http://host:port of a node), written to a temporary file and imported, so the tests exercise
// the served file. HERALD_WS=global uses Node's global WebSocket (Node >= 22, or 20/21 with
// --experimental-websocket); HERALD_WS=ws the `ws` package's, injected with the WebSocket option.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const impl = process.env.HERALD_WS || "global";

/** The WebSocket constructor the tests inject (the global one is the client's default anyway). */
export async function webSocketImpl() {
  if (impl === "ws") return (await import("ws")).WebSocket;
  assert.equal(typeof globalThis.WebSocket, "function", "no global WebSocket in this Node.js");
  return globalThis.WebSocket;
}

/** Fetches /client/herald.js from a node, checks how it is served, and imports it. */
export async function loadClient(base = process.env.HERALD_CLIENT_FROM) {
  const response = await fetch(`${base}/client/herald.js`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(response.headers.get("cache-control") || "", /max-age=\d+/);
  const etag = response.headers.get("etag");
  assert.ok(etag, "an ETag");
  const source = await response.text();
  const again = await fetch(`${base}/client/herald.js`, { headers: { "If-None-Match": etag } });
  assert.equal(again.status, 304, "a matching If-None-Match is answered 304");
  const dir = mkdtempSync(join(tmpdir(), "herald-js-"));
  const file = join(dir, "herald.mjs");
  writeFileSync(file, source);
  return import(pathToFileURL(file).href);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 20 ms until it holds; fails with `what` after `ms`. */
export async function until(what, condition, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await sleep(20);
  }
}

/** A logger that keeps every line (to show on failure, and to check that no secret is logged). */
export function recordingLogger(prefix = "") {
  const lines = [];
  const keep = (line) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (process.env.HERALD_JS_DEBUG) console.error(prefix + line);
  };
  return { lines, debug: keep, info: keep, warn: keep };
}
