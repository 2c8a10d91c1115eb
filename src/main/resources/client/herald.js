// herald.js — a dependency-free client for Herald's legacy websocket protocol (/websocket).
//
// Served by every Herald node at GET /client/herald.js; an ES module for browsers and Node.js
// (Node >= 22 has a global WebSocket; on older versions pass one, e.g. `WebSocket` of the `ws`
// package, or run Node 20/21 with --experimental-websocket). The protocol is docs/PROTOCOL.md.
//
//   import { HeraldClient } from "/client/herald.js";
//   const client = new HeraldClient({
//     urls: ["wss://a.example:8080/websocket", "wss://b.example:8080/websocket"],
//     credentials: { username: "alice", password: "..." },
//   });
//   await client.connect();
//   const sub = client.subscribe("core.get_jobs", { changed: (m) => console.log(m.id, m.fields) });
//   await sub.ready;
//   console.log(await client.call("core.ping"));
//   const digest = await client.job("filesystem.checksum", ["/var/log/syslog", "sha256"], {
//     onProgress: (p) => console.log(p.percent, p.description),
//   });
//
// What the client does on its own: it logs in on every connection, sends a ping every
// heartbeat.intervalMs and treats a pong missing for heartbeat.timeoutMs as a dead connection,
// reconnects with full-jitter exponential backoff to the next URL of the list, subscribes again
// (from the last position it saw, for subscriptions with positions), and does not reconnect after
// a close code that says a new connection would fail the same way (1002, 1003, 1007, 1008, 1009,
// and 4003 when it has no credentials).

/** Close codes after which reconnecting would repeat the same failure (docs/PROTOCOL.md, "Close codes"). */
const FATAL_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1009]);
/** 4003 `login timeout`: fatal only for a client without credentials. */
const LOGIN_TIMEOUT = 4003;
const TERMINAL_JOB_STATES = new Set(["SUCCESS", "FAILED", "ABORTED"]);
const POSITIONS_REFUSED = "positions and since are for one broadcast event";

/**
 * The error of a failed call, of a refused or failed subscription (`nosub`), or of a failed job:
 * the fields of Herald's error object.
 */
export class CallError extends Error {
  /**
   * @param {{error?: number, errname?: string, type?: string|null, reason?: string,
   *          trace?: object|null, extra?: any}} error the protocol's error object
   * @param {string} [context] what failed (a method or event name), for the message
   */
  constructor(error, context) {
    const e = error || {};
    super(`${context ? context + ": " : ""}[${e.errname || "EFAULT"}] ${e.reason || "error"}`);
    this.name = "CallError";
    /** @type {string} e.g. "ENOENT", "EACCES", "ENOMETHOD" */
    this.errname = e.errname || "EFAULT";
    /** @type {number} the errno, e.g. 2 */
    this.errno = typeof e.error === "number" ? e.error : 14;
    /** @type {string} */
    this.reason = e.reason || "";
    /** @type {string|null} "VALIDATION" or null */
    this.type = e.type ?? null;
    /** @type {any} for a VALIDATION error, [[attribute, message, errno], ...] */
    this.extra = e.extra ?? null;
    /** @type {object|null} */
    this.trace = e.trace ?? null;
  }
}

/**
 * A call or job whose outcome is unknown because its connection was lost (it may or may not have
 * run), or the client was closed; `code` is "ECONNLOST", "ECLOSED" or "ETIMEDOUT" (a local call
 * timeout, `callTimeoutMs`).
 */
export class ConnectionError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ConnectionError";
    this.code = code;
  }
}

/**
 * A subscription, as returned by {@link HeraldClient#subscribe}. It survives reconnections: the
 * client subscribes again on every new connection.
 */
export class Subscription {
  constructor(client, wire, handlers) {
    this._client = client;
    this._wire = wire;
    this._handlers = handlers;
    this._active = true;
    let resolve;
    let reject;
    /**
     * Settles with the first `ready` (resolves with `{position, recovered}`) or the first `nosub`
     * before it (rejects with a {@link CallError}). Rejections are also reported to `onError`.
     * @type {Promise<{position?: string, recovered?: boolean}>}
     */
    this.ready = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.ready.catch(() => {});
    this._resolve = resolve;
    this._reject = reject;
  }

  /** The event name as subscribed (`name`, `name:arg` or `*`). */
  get name() {
    return this._wire.name;
  }

  /** The last position this subscription saw (an opaque string), or undefined. */
  get position() {
    return this._wire.position;
  }

  /** Whether the subscription is still wanted (not unsubscribed, not ended). */
  get active() {
    return this._active;
  }

  /** Stops the subscription (sends `unsub` when it was the last one of its wire subscription). */
  unsubscribe() {
    if (!this._active) return;
    this._active = false;
    this._client._detach(this);
  }
}

/**
 * A client for one Herald cluster.
 *
 * Events (`client.on(name, fn)`): `"state"` (state name), `"open"` ({url}), `"login"` ({url,
 * user}), `"close"` ({url, code, reason, willReconnect}), `"reconnect"` ({attempt, delayMs, url}),
 * `"error"` (Error: a fatal close, a failed login, a protocol `error` message).
 *
 * States: "idle" → "connecting" → "open" (logging in) → "ready" → "reconnecting" → ... →
 * "closed" (after close(), or a fatal failure).
 */
export class HeraldClient {
  /**
   * @param {object} options
   * @param {string[]} [options.urls] websocket URLs of the nodes, e.g. ["ws://a:8080/websocket"];
   *   tried in turn. Default (in a browser): the page's own node.
   * @param {string} [options.url] a single URL (instead of urls)
   * @param {object|function(): (object|Promise<object>)} [options.credentials] used for every
   *   login (again after each reconnect): `{username, password}` (PASSWORD_PLAIN), `{username,
   *   apiKey}` (API_KEY_PLAIN), `{apiKey}` (auth.login_with_api_key), or `{token}` (TOKEN_PLAIN;
   *   a token logs in once: pass a function that returns a fresh one for each login). None: the
   *   connection stays anonymous.
   * @param {function} [options.WebSocket] a WebSocket constructor (default: globalThis.WebSocket)
   * @param {{baseMs?: number, capMs?: number}} [options.backoff] reconnect delay: a random
   *   duration between 0 and min(capMs, baseMs * 2^attempt) (full jitter); default 500 / 30000
   * @param {{intervalMs?: number, timeoutMs?: number}} [options.heartbeat] a `ping` every
   *   intervalMs; no `pong` within timeoutMs closes the connection and reconnects. Default
   *   10000 / 5000; intervalMs 0 turns it off.
   * @param {number} [options.connectTimeoutMs] an opening handshake (or login) that takes longer
   *   counts as a failed attempt; default 10000
   * @param {number} [options.callTimeoutMs] a call unanswered this long fails with
   *   ConnectionError ETIMEDOUT; default 0 (none: the server answers or the connection drops)
   * @param {{debug?: function, info?: function, warn?: function}} [options.logger] receives one
   *   line per connection event (never a secret); default: silent
   */
  constructor(options = {}) {
    let urls = options.urls || (options.url ? [options.url] : null);
    if (!urls && globalThis.location && globalThis.location.host) {
      const scheme = globalThis.location.protocol === "https:" ? "wss:" : "ws:";
      urls = [`${scheme}//${globalThis.location.host}/websocket`];
    }
    if (!Array.isArray(urls) || urls.length === 0) {
      throw new TypeError("HeraldClient: options.urls (a non-empty list of websocket URLs) is required");
    }
    this._urls = urls.slice();
    this._WebSocket = options.WebSocket || globalThis.WebSocket;
    if (typeof this._WebSocket !== "function") {
      throw new TypeError(
        "HeraldClient: no WebSocket: pass options.WebSocket (e.g. from the 'ws' package) on Node.js < 22",
      );
    }
    this._credentials = options.credentials || null;
    this._backoff = { baseMs: 500, capMs: 30_000, ...(options.backoff || {}) };
    this._heartbeat = { intervalMs: 10_000, timeoutMs: 5_000, ...(options.heartbeat || {}) };
    this._connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this._callTimeoutMs = options.callTimeoutMs ?? 0;
    this._log = options.logger || {};

    this._state = "idle";
    this._listeners = new Map();
    this._urlIndex = 0;
    this._attempt = 0;
    this._ws = null;
    this._conn = 0; // the current connection's number: stale sockets' handlers check it
    this._seq = 0;
    this._calls = new Map(); // call id -> {resolve, reject, method, timer, sent}
    this._queue = []; // calls waiting for a logged-in connection
    this._wires = new Map(); // wire sub id -> wire
    this._jobWatchers = new Set();
    this._jobsSub = null;
    this._timers = new Set();
    this._connectWaiters = [];
    this._everConnected = false;
  }

  /** The current state: "idle", "connecting", "open", "ready", "reconnecting" or "closed". */
  get state() {
    return this._state;
  }

  /** The URL of the current (or last) connection. */
  get url() {
    return this._urls[this._urlIndex];
  }

  /** The websocket URLs of the nodes, in the order they are tried. */
  get urls() {
    return this._urls.slice();
  }

  /**
   * Replaces the list of nodes to connect to (e.g. with the nodes `cluster.nodes` lists): the next
   * reconnect tries the URL after the current one in the new list (the first when the current one
   * is not in it). The open connection is kept.
   * @param {string[]} urls
   */
  setUrls(urls) {
    if (!Array.isArray(urls) || urls.length === 0) {
      throw new TypeError("HeraldClient.setUrls: a non-empty list of websocket URLs is required");
    }
    const index = urls.indexOf(this.url);
    this._urls = urls.slice();
    this._urlIndex = index >= 0 ? index : this._urls.length - 1;
  }

  /** Adds a listener; returns a function that removes it. */
  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return () => this._listeners.get(event).delete(fn);
  }

  /**
   * Connects (and logs in). Resolves once logged in on some node, then keeps the connection (and
   * reconnects) until close(). Rejects on a fatal failure (wrong credentials, a close code that
   * means "do not reconnect") or close().
   * @returns {Promise<void>}
   */
  connect() {
    if (this._state === "ready") return Promise.resolve();
    if (this._state === "closed") return Promise.reject(new ConnectionError("ECLOSED", "client closed"));
    const p = new Promise((resolve, reject) => this._connectWaiters.push({ resolve, reject }));
    if (this._state === "idle") this._open();
    return p;
  }

  /** Closes the connection for good: calls in flight and jobs fail with ConnectionError ECLOSED. */
  close() {
    if (this._state === "closed") return;
    this._fail(new ConnectionError("ECLOSED", "client closed"), false);
  }

  /**
   * Calls a method. Resolves with its result; rejects with a {@link CallError} (the server's
   * error) or a {@link ConnectionError} (the connection was lost while the call was in flight:
   * it may or may not have run). A call made while disconnected waits for the next connection.
   * @param {string} method e.g. "core.ping"
   * @param {...any} params the positional parameters
   * @returns {Promise<any>}
   */
  call(method, ...params) {
    if (this._state === "closed") {
      return Promise.reject(new ConnectionError("ECLOSED", "client closed"));
    }
    return new Promise((resolve, reject) => {
      const entry = { id: `c${++this._seq}`, method, params, resolve, reject, timer: null };
      if (this._callTimeoutMs > 0) {
        entry.timer = this._setTimeout(() => {
          this._calls.delete(entry.id);
          this._queue = this._queue.filter((e) => e !== entry);
          reject(new ConnectionError("ETIMEDOUT", `${method}: no answer within ${this._callTimeoutMs} ms`));
        }, this._callTimeoutMs);
      }
      if (this._state === "ready") this._sendCall(entry);
      else this._queue.push(entry);
    });
  }

  /**
   * Subscribes to an event (`name`, `name:argument`, or `*`). The subscription is sent again on
   * every new connection.
   *
   * **Recovery contract.** By default a subscription asks for positions (`positions: true`), and
   * after a reconnect it subscribes with `since` = the last position it saw: the server sends
   * everything the subscription missed (to `added`/`changed`/`removed`, before `ready`), then the
   * live stream — nothing missed, nothing twice. When the server says `recovered: false` (the
   * history no longer holds everything, or the event keeps none), `onResync({reason:
   * "not-recovered", position})` is called after that `ready`: the subscription is live again but
   * may have missed messages, so re-read the state (e.g. a method such as core.get_jobs).
   * Subscriptions without positions — `*`, event sources (`name:arg`, or a broadcast refusal of
   * positions, after which the client subscribes without them), `positions: false`, or
   * `snapshot: true` — cannot be recovered: after a reconnect `onResync({reason: "reconnected",
   * snapshot})` is called **before** the new subscription is sent; with `snapshot: true` the
   * current items then arrive again as `added` before `ready` (so drop the old items in
   * onResync).
   *
   * @param {string} name
   * @param {object} [handlers]
   * @param {function(object)} [handlers.added] each `added` message (`{msg, collection, id,
   *   fields, extra, position}`)
   * @param {function(object)} [handlers.changed]
   * @param {function(object)} [handlers.removed]
   * @param {function({position?: string, recovered?: boolean, resubscribed: boolean})} [handlers.onReady]
   *   each `ready`, the first and those after reconnects
   * @param {function(CallError)} [handlers.onError] the subscription was refused or ended with an
   *   error (`nosub` with an error): it is over
   * @param {function()} [handlers.onEnd] the subscription ended without error (an event source
   *   finished): it is over
   * @param {function({reason: string, position?: string, snapshot?: boolean})} [handlers.onResync]
   *   continuity was lost (see above)
   * @param {boolean} [handlers.snapshot] `"snapshot": true` (core.get_jobs, alert.list, ...)
   * @param {boolean} [handlers.positions] default true except for `*`, `name:arg` and snapshot
   * @returns {Subscription}
   */
  subscribe(name, handlers = {}) {
    if (typeof name !== "string" || name === "") throw new TypeError("subscribe: name is required");
    if (this._state === "closed") throw new ConnectionError("ECLOSED", "client closed");
    const snapshot = Boolean(handlers.snapshot);
    const positions =
      handlers.positions ?? (!snapshot && name !== "*" && !name.includes(":"));
    if (positions && snapshot) throw new TypeError("subscribe: snapshot and positions exclude each other");
    // One wire subscription per event for positioned and for plain subscriptions (the server
    // sends one message per connection); each snapshot subscription has its own.
    let wire = snapshot ? null : this._findWire(name, positions);
    if (!wire) {
      wire = {
        id: `s${++this._seq}`,
        name,
        snapshot,
        positions,
        position: undefined,
        subs: new Set(),
        state: "new", // new -> pending -> ready; ended
        everReady: false,
        lastReady: null,
      };
      this._wires.set(wire.id, wire);
    }
    const sub = new Subscription(this, wire, handlers);
    wire.subs.add(sub);
    if (wire.state === "ready") {
      sub._resolve({ position: wire.position, recovered: wire.lastReady?.recovered });
    } else if (wire.state === "new" && this._state === "ready") {
      this._sendSub(wire, false);
    }
    return sub;
  }

  /**
   * Runs a job method and follows its job on `core.get_jobs`: resolves with the job's result,
   * rejects with a {@link CallError} when it fails (its errname from the job's `exc_info`, the job
   * object as `.job`) or is aborted (EINTR), or with the call's error when the method refuses.
   * Survives reconnects: the job's updates are recovered from the event's history, or read with
   * the `core.get_jobs` method when they cannot be.
   * @param {string} method a job method, e.g. "filesystem.checksum"
   * @param {any[]} [params]
   * @param {{onProgress?: function({percent: number|null, description: string|null, extra: any,
   *   state: string, job: object})}} [options]
   * @returns {Promise<any>} the job's result
   */
  async job(method, params = [], options = {}) {
    const watcher = { id: null, buffer: [], onProgress: options.onProgress, lastPercent: undefined };
    const done = new Promise((resolve, reject) => {
      watcher.resolve = resolve;
      watcher.reject = reject;
    });
    this._jobWatchers.add(watcher);
    try {
      await this._ensureJobsSubscription().ready;
      const id = await this.call(method, ...params);
      watcher.id = id;
      const buffered = watcher.buffer;
      watcher.buffer = null;
      for (const m of buffered) if (m.id === id) this._jobUpdate(watcher, m);
      return await done;
    } finally {
      this._jobWatchers.delete(watcher);
      if (this._jobWatchers.size === 0 && this._jobsSub) {
        this._jobsSub.unsubscribe();
        this._jobsSub = null;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connections

  _open() {
    const url = this._urls[this._urlIndex];
    const conn = ++this._conn;
    this._setState("connecting");
    this._debug(`connecting to ${url}`);
    let ws;
    try {
      ws = new this._WebSocket(url);
    } catch (e) {
      this._lost(conn, 1006, `cannot connect: ${e.message}`);
      return;
    }
    this._ws = ws;
    this._pingOutstanding = null;
    this._openTimer = this._setTimeout(() => {
      if (conn === this._conn) this._drop(conn, 4000, "connect timeout");
    }, this._connectTimeoutMs);
    ws.onopen = () => {
      if (conn !== this._conn) return;
      this._setState("open");
      this._emit("open", { url });
      this._info(`connected to ${url}`);
      this._startHeartbeat(conn);
      this._login(conn).then(
        () => {
          if (conn !== this._conn) return;
          this._clearTimer(this._openTimer);
          this._attempt = 0;
          this._onLoggedIn(conn);
        },
        (err) => {
          if (conn !== this._conn) return;
          if (err instanceof CallError && err.errname === "AUTH_ERR") {
            this._fail(err, true);
          } else {
            this._drop(conn, 4000, `login failed: ${err.message}`);
          }
        },
      );
    };
    ws.onmessage = (event) => {
      if (conn !== this._conn || typeof event.data !== "string") return;
      let m;
      try {
        m = JSON.parse(event.data);
      } catch {
        return;
      }
      this._onMessage(m);
    };
    ws.onerror = () => {
      // A "close" follows (with 1006 when the connection failed).
    };
    ws.onclose = (event) => {
      if (conn !== this._conn) return;
      this._lost(conn, event.code, event.reason || "");
    };
  }

  /** Gives up on a connection without waiting for its close handshake (a dead peer never answers). */
  _drop(conn, code, reason) {
    const ws = this._ws;
    this._warn(`dropping the connection to ${this.url}: ${reason}`);
    this._lost(conn, code, reason);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.onerror = () => {};
      try {
        if (typeof ws.terminate === "function") ws.terminate();
        else ws.close(1000, reason.slice(0, 100));
      } catch {
        // already closing
      }
    }
  }

  /** The connection `conn` is gone (closed by the server or the network, or dropped). */
  _lost(conn, code, reason) {
    if (conn !== this._conn || this._state === "closed") return;
    this._conn++; // the old socket's late events are ignored
    this._ws = null;
    this._clearTimer(this._openTimer);
    this._stopHeartbeat();
    const hadCredentials = Boolean(this._credentials);
    const fatal = FATAL_CLOSE_CODES.has(code) || (code === LOGIN_TIMEOUT && !hadCredentials);
    this._emit("close", { url: this.url, code, reason, willReconnect: !fatal });
    this._info(`connection to ${this.url} closed: ${code} ${reason}${fatal ? " (not reconnecting)" : ""}`);
    // Calls in flight: their outcome is unknown.
    for (const entry of this._calls.values()) {
      this._clearTimer(entry.timer);
      entry.reject(new ConnectionError("ECONNLOST", `${entry.method}: connection lost (${code} ${reason})`));
    }
    this._calls.clear();
    for (const wire of this._wires.values()) if (wire.state !== "ended") wire.state = "new";
    if (fatal) {
      this._fail(new ConnectionError("ECLOSED", `closed by the server: ${code} ${reason}`), true);
      return;
    }
    this._scheduleReconnect();
  }

  _scheduleReconnect() {
    this._setState("reconnecting");
    this._urlIndex = (this._urlIndex + 1) % this._urls.length;
    const ceiling = Math.min(this._backoff.capMs, this._backoff.baseMs * 2 ** this._attempt);
    const delayMs = Math.floor(Math.random() * ceiling);
    this._attempt = Math.min(this._attempt + 1, 30);
    this._emit("reconnect", { attempt: this._attempt, delayMs, url: this.url });
    this._debug(`reconnecting to ${this.url} in ${delayMs} ms (attempt ${this._attempt})`);
    this._reconnectTimer = this._setTimeout(() => {
      if (this._state === "reconnecting") this._open();
    }, delayMs);
  }

  /** Ends the client: no more reconnects; everything pending fails with `error`. */
  _fail(error, report) {
    const conn = this._conn;
    const ws = this._ws;
    this._conn++;
    this._ws = null;
    this._setState("closed");
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
    this._stopHeartbeat();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.onerror = () => {};
      try {
        ws.close(1000, "client closed");
      } catch {
        // already closed
      }
    }
    void conn;
    const lost = new ConnectionError(error.code || "ECLOSED", error.message);
    for (const entry of [...this._calls.values(), ...this._queue]) entry.reject(lost);
    this._calls.clear();
    this._queue = [];
    for (const watcher of this._jobWatchers) watcher.reject(lost);
    for (const wire of this._wires.values()) {
      for (const sub of wire.subs) sub._reject(lost);
    }
    for (const w of this._connectWaiters) w.reject(error);
    this._connectWaiters = [];
    if (report) this._emit("error", error);
  }

  async _login(conn) {
    let creds = this._credentials;
    if (typeof creds === "function") creds = await creds();
    if (!creds) return;
    let params;
    let what;
    if (creds.token) {
      params = { mechanism: "TOKEN_PLAIN", token: creds.token };
      what = "a token";
    } else if (creds.apiKey && creds.username) {
      params = { mechanism: "API_KEY_PLAIN", username: creds.username, api_key: creds.apiKey };
      what = `an API key of '${creds.username}'`;
    } else if (creds.apiKey) {
      what = "an API key";
    } else if (creds.username && creds.password !== undefined) {
      params = { mechanism: "PASSWORD_PLAIN", username: creds.username, password: creds.password };
      what = `'${creds.username}' with a password`;
    } else {
      throw new CallError({ errname: "AUTH_ERR", error: 22, reason: "unusable credentials" }, "login");
    }
    this._debug(`logging in as ${what}`);
    const answer = params
      ? await this._rawCall(conn, "auth.login_ex", [params])
      : await this._rawCall(conn, "auth.login_with_api_key", [creds.apiKey]);
    const ok = params ? answer && answer.response_type === "SUCCESS" : answer === true;
    if (!ok) {
      throw new CallError({ errname: "AUTH_ERR", error: 13, reason: `login as ${what} refused` }, "login");
    }
    this._user = params && answer.user_info ? answer.user_info.username : creds.username;
    this._debug(`logged in on ${this.url}`);
    this._emit("login", { url: this.url, user: this._user });
  }

  _onLoggedIn(conn) {
    this._setState("ready");
    const reconnected = this._everConnected;
    this._everConnected = true;
    for (const w of this._connectWaiters) w.resolve();
    this._connectWaiters = [];
    for (const wire of this._wires.values()) {
      if (wire.state === "new" && wire.subs.size > 0) this._sendSub(wire, reconnected && wire.everReady);
    }
    const queued = this._queue;
    this._queue = [];
    for (const entry of queued) if (conn === this._conn) this._sendCall(entry);
  }

  _send(message) {
    try {
      this._ws.send(JSON.stringify(message));
      return true;
    } catch (e) {
      this._warn(`send failed: ${e.message}`);
      return false;
    }
  }

  /** A call on connection `conn` before it is "ready" (the login). */
  _rawCall(conn, method, params) {
    return new Promise((resolve, reject) => {
      const entry = { id: `c${++this._seq}`, method, params, resolve, reject, timer: null };
      this._calls.set(entry.id, entry);
      this._send({ msg: "method", id: entry.id, method, params });
    });
  }

  _sendCall(entry) {
    this._calls.set(entry.id, entry);
    this._send({ msg: "method", id: entry.id, method: entry.method, params: entry.params });
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeat

  _startHeartbeat(conn) {
    this._stopHeartbeat();
    const { intervalMs, timeoutMs } = this._heartbeat;
    if (!intervalMs || intervalMs <= 0) return;
    this._heartbeatTimer = setInterval(() => {
      if (conn !== this._conn) return;
      if (this._pingOutstanding) return; // its own timeout decides
      const id = `hb${++this._seq}`;
      this._pingOutstanding = id;
      this._pongTimer = this._setTimeout(() => {
        if (conn === this._conn && this._pingOutstanding === id) {
          this._drop(conn, 4000, `heartbeat: no pong within ${timeoutMs} ms`);
        }
      }, timeoutMs);
      this._send({ msg: "ping", id });
    }, intervalMs);
  }

  _stopHeartbeat() {
    if (this._heartbeatTimer) clearInterval(this._heartbeatTimer);
    this._heartbeatTimer = null;
    this._clearTimer(this._pongTimer);
    this._pingOutstanding = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  _onMessage(m) {
    switch (m.msg) {
      case "pong":
        if (m.id !== undefined && m.id === this._pingOutstanding) {
          this._pingOutstanding = null;
          this._clearTimer(this._pongTimer);
        }
        return;
      case "result": {
        const entry = this._calls.get(m.id);
        if (entry) {
          this._calls.delete(m.id);
          this._clearTimer(entry.timer);
          if (m.error) entry.reject(new CallError(m.error, entry.method));
          else entry.resolve(m.result);
        }
        // else: a refused sub's result (the nosub follows), or a call already timed out
        return;
      }
      case "ready":
        for (const id of m.subs || []) this._onReady(id, m);
        return;
      case "nosub":
        this._onNosub(m);
        return;
      case "added":
      case "changed":
      case "removed":
        this._onEvent(m);
        return;
      case "error":
        this._emit("error", new Error(`the server refused a message: ${m.reason}`));
        return;
      default:
        return; // connected, failed, ...
    }
  }

  _sendSub(wire, resubscribe) {
    const message = { msg: "sub", id: wire.id, name: wire.name };
    if (wire.snapshot) message.snapshot = true;
    if (wire.positions) {
      if (wire.position !== undefined) message.since = wire.position;
      else message.positions = true;
    }
    wire.state = "pending";
    wire.resubscribe = resubscribe;
    if (resubscribe && !wire.positions) {
      for (const sub of wire.subs) {
        this._callback(sub, "onResync", { reason: "reconnected", snapshot: wire.snapshot });
      }
    }
    this._send(message);
  }

  _onReady(id, m) {
    const wire = this._wires.get(id);
    if (!wire || wire.state !== "pending") return;
    wire.state = "ready";
    if (m.position !== undefined) wire.position = m.position;
    const info = { position: m.position, recovered: m.recovered, resubscribed: Boolean(wire.resubscribe) };
    wire.lastReady = info;
    wire.everReady = true;
    const forced = wire.forceResync;
    wire.forceResync = false;
    this._debug(`'${wire.name}' ready${m.recovered === undefined ? "" : ` (recovered: ${m.recovered})`}`);
    for (const sub of wire.subs) {
      sub._resolve({ position: m.position, recovered: m.recovered });
      this._callback(sub, "onReady", info);
      if (m.recovered === false || forced) {
        this._callback(sub, "onResync", { reason: "not-recovered", position: m.position });
      }
    }
  }

  _onNosub(m) {
    const wire = this._wires.get(m.id);
    if (!wire || wire.state === "ended") return;
    if (wire.state === "new") return; // an unsub'd or superseded subscription
    const error = m.error ? new CallError(m.error, wire.name) : null;
    if (error && wire.positions && error.reason.includes(POSITIONS_REFUSED)) {
      // `*` or an event source: it has no positions; subscribe without them from now on.
      this._debug(`'${wire.name}' has no positions: subscribing without`);
      wire.positions = false;
      wire.position = undefined;
      const twin = this._findWire(wire.name, false);
      if (twin && twin !== wire) {
        for (const sub of wire.subs) {
          sub._wire = twin;
          twin.subs.add(sub);
          if (twin.state === "ready") sub._resolve({});
        }
        this._wires.delete(wire.id);
        return;
      }
      this._sendSub(wire, false);
      return;
    }
    if (error && wire.positions && wire.position !== undefined && error.reason.includes(".since:")) {
      // A position this cluster does not know (e.g. from before a restart of the whole cluster):
      // start again from now, and say that something may be missing.
      this._debug(`'${wire.name}': the position was refused: subscribing from now`);
      wire.position = undefined;
      wire.forceResync = true;
      this._sendSub(wire, wire.resubscribe);
      return;
    }
    wire.state = "ended";
    this._wires.delete(wire.id);
    for (const sub of wire.subs) {
      sub._active = false;
      if (error) {
        sub._reject(error);
        this._callback(sub, "onError", error);
      } else {
        sub._resolve({});
        this._callback(sub, "onEnd");
      }
    }
  }

  _onEvent(m) {
    const c = m.collection;
    if (m.position !== undefined) {
      const wire = this._findWire(c, true);
      if (!wire) return;
      wire.position = m.position;
      for (const sub of wire.subs) this._callback(sub, m.msg, m);
      return;
    }
    for (const wire of this._wires.values()) {
      if (wire.positions || wire.state === "ended") continue;
      if (wire.name === c || (wire.name === "*" && !c.includes(":"))) {
        for (const sub of wire.subs) this._callback(sub, m.msg, m);
      }
    }
  }

  _findWire(name, positions) {
    for (const wire of this._wires.values()) {
      if (wire.name === name && !wire.snapshot && wire.positions === positions && wire.state !== "ended") {
        return wire;
      }
    }
    return null;
  }

  /** A Subscription was unsubscribed. */
  _detach(sub) {
    const wire = sub._wire;
    wire.subs.delete(sub);
    if (wire.subs.size > 0 || wire.state === "ended") return;
    wire.state = "ended";
    this._wires.delete(wire.id);
    if (this._state === "ready" && this._ws) this._send({ msg: "unsub", id: wire.id });
  }

  _callback(sub, name, arg) {
    if (!sub._active && name !== "onError" && name !== "onEnd") return;
    const fn = sub._handlers[name];
    if (typeof fn !== "function") return;
    try {
      fn(arg);
    } catch (e) {
      this._warn(`a '${name}' callback of '${sub.name}' threw: ${e && e.message}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Jobs

  _ensureJobsSubscription() {
    if (this._jobsSub && this._jobsSub.active) return this._jobsSub;
    const route = (m) => {
      for (const watcher of this._jobWatchers) {
        if (watcher.buffer) watcher.buffer.push(m);
        else if (m.id === watcher.id) this._jobUpdate(watcher, m);
      }
    };
    this._jobsSub = this.subscribe("core.get_jobs", {
      added: route,
      changed: route,
      removed: route,
      onResync: () => {
        for (const watcher of this._jobWatchers) if (watcher.id !== null) this._jobPoll(watcher);
      },
      onError: (error) => {
        for (const watcher of this._jobWatchers) watcher.reject(error);
      },
    });
    return this._jobsSub;
  }

  _jobUpdate(watcher, m) {
    if (m.msg === "removed") {
      this._jobPoll(watcher);
      return;
    }
    const job = m.fields;
    if (!job) return;
    if (job.progress && typeof watcher.onProgress === "function") {
      const { percent = null, description = null, extra = null } = job.progress;
      if (percent !== watcher.lastPercent || description !== watcher.lastDescription) {
        watcher.lastPercent = percent;
        watcher.lastDescription = description;
        try {
          watcher.onProgress({ percent, description, extra, state: job.state, job });
        } catch (e) {
          this._warn(`an onProgress callback threw: ${e && e.message}`);
        }
      }
    }
    if (TERMINAL_JOB_STATES.has(job.state)) this._jobEnded(watcher, job);
  }

  /** Reads the job with the core.get_jobs method (after a resync, or when it left the history). */
  _jobPoll(watcher) {
    this.call("core.get_jobs", [["id", "=", watcher.id]], {}).then(
      (jobs) => {
        const job = Array.isArray(jobs) ? jobs[0] : null;
        if (job) this._jobUpdate(watcher, { msg: "changed", id: watcher.id, fields: job });
        else watcher.reject(new CallError({ errname: "ENOENT", error: 2, reason: `Job ${watcher.id} does not exist` }));
      },
      () => {
        // The connection went: the next resync polls again.
      },
    );
  }

  _jobEnded(watcher, job) {
    if (job.state === "SUCCESS") {
      watcher.resolve(job.result);
      return;
    }
    const info = job.exc_info || {};
    const error =
      job.state === "ABORTED"
        ? new CallError({ errname: "EINTR", error: 4, reason: `Job ${job.id} was aborted` }, job.method)
        : new CallError(
            {
              errname: info.errname || "EFAULT",
              error: typeof info.errno === "number" ? info.errno : 14,
              reason: job.error || "the job failed",
              extra: info.extra ?? null,
            },
            job.method,
          );
    error.job = job;
    watcher.reject(error);
  }

  // ---------------------------------------------------------------------------------------------
  // Small things

  _setState(state) {
    if (this._state === state) return;
    this._state = state;
    this._emit("state", state);
  }

  _emit(event, arg) {
    const listeners = this._listeners.get(event);
    if (!listeners) return;
    for (const fn of [...listeners]) {
      try {
        fn(arg);
      } catch (e) {
        this._warn(`a '${event}' listener threw: ${e && e.message}`);
      }
    }
  }

  _setTimeout(fn, ms) {
    const t = setTimeout(() => {
      this._timers.delete(t);
      fn();
    }, ms);
    this._timers.add(t);
    return t;
  }

  _clearTimer(t) {
    if (t) {
      clearTimeout(t);
      this._timers.delete(t);
    }
  }

  _debug(line) {
    if (this._log.debug) this._log.debug(`[herald] ${line}`);
  }

  _info(line) {
    if (this._log.info) this._log.info(`[herald] ${line}`);
  }

  _warn(line) {
    if (this._log.warn) this._log.warn(`[herald] ${line}`);
  }
}

export default HeraldClient;
