// The Herald console: a page every node serves at GET /, built on herald.js. Server data reaches
// the page through textContent and attributes only (never innerHTML).
import { HeraldClient } from "/client/herald.js";
import { LineChart, percent, rate } from "/console/charts.js";

const $ = (id) => document.getElementById(id);

/** An element with attributes (`text` sets textContent) and children. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = String(v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const pageUrl = `${scheme}//${location.host}/websocket`;
let client = null;
let user = "";

// ---------------------------------------------------------------------------------------------
// Connection state

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function showConnection(state, text) {
  const p = $("connection");
  p.dataset.state = state;
  p.textContent = text;
}

function watchConnection(c) {
  c.on("state", (state) => {
    if (state === "connecting") showConnection(state, `Connecting to ${hostOf(c.url)}…`);
    if (state === "closed") showConnection(state, "Disconnected");
  });
  c.on("reconnect", ({ url, delayMs }) => {
    showConnection("reconnecting", `Connection lost: reconnecting to ${hostOf(url)} in ${(delayMs / 1000).toFixed(1)} s`);
  });
  c.on("login", ({ url }) => {
    const p = $("connection");
    p.dataset.node = hostOf(url);
    if (url === pageUrl) {
      p.dataset.reconnected = p.dataset.reconnected === undefined ? "false" : p.dataset.reconnected;
      showConnection("ready", `Connected to ${hostOf(url)} as ${user}`);
    } else {
      p.dataset.reconnected = "true";
      showConnection("ready", `Reconnected to ${hostOf(url)} as ${user} (this page's node ${location.host} went away)`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Login

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("login-error");
  error.textContent = "";
  const username = $("username").value;
  const password = $("password").value;
  const c = new HeraldClient({ urls: [pageUrl], credentials: { username, password } });
  user = username;
  watchConnection(c);
  try {
    await c.connect();
  } catch (e) {
    error.textContent = `Login failed: ${e.reason || e.message}`;
    c.close();
    return;
  }
  $("password").value = "";
  client = c;
  $("login-section").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  start();
});

$("logout").addEventListener("click", () => {
  if (client) client.close();
  location.reload();
});

function start() {
  startNodes();
  startJobs();
  startAlerts();
  startLog();
  startCatalogue();
}

function report(where, e) {
  where.textContent = `${e.errname ? e.errname + ": " : ""}${e.reason || e.message}`;
  where.classList.add("error");
}

// ---------------------------------------------------------------------------------------------
// Nodes and their charts

const nodes = new Map(); // id -> record
const charts = new Map(); // id -> {section, subscription}

function nodeUrl(record) {
  let host = record.host;
  if (!host || host === "0.0.0.0" || host === "::") host = location.hostname;
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  return `${scheme}//${host}:${record.http_port}/websocket`;
}

function dateText(value) {
  const ms = value && typeof value === "object" ? value.$date : value;
  return typeof ms === "number" ? new Date(ms).toLocaleString() : "";
}

async function startNodes() {
  client.subscribe("cluster.nodes", {
    added: (m) => {
      if (m.fields) setNode(m.fields.id ?? m.id, m.fields);
    },
    removed: (m) => dropNode(m.id),
    onResync: () => loadNodes(),
    onError: (e) => report($("nodes-title"), e),
  });
  await loadNodes();
}

async function loadNodes() {
  try {
    const list = await client.call("cluster.nodes");
    const records = Array.isArray(list) ? list : Object.values(list || {});
    const ids = new Set(records.map((r) => r.id));
    for (const id of [...nodes.keys()]) if (!ids.has(id)) dropNode(id);
    for (const r of records) setNode(r.id, r);
  } catch (e) {
    report($("nodes-title"), e);
  }
}

function setNode(id, record) {
  nodes.set(id, record);
  renderNodes();
  if (!charts.has(id)) startCharts(id);
}

function dropNode(id) {
  nodes.delete(id);
  renderNodes();
  const c = charts.get(id);
  if (c) {
    c.subscription.unsubscribe();
    c.section.remove();
    charts.delete(id);
  }
}

function renderNodes() {
  const body = $("nodes").tBodies[0];
  body.replaceChildren(
    ...[...nodes.values()].map((r) =>
      el(
        "tr",
        { "data-node-id": r.id },
        el("td", { text: r.id }),
        el("td", { text: `${r.host}:${r.http_port}` }),
        el("td", { text: r.version ?? "" }),
        el("td", { text: dateText(r.started) }),
      ),
    ),
  );
  // Reconnect to the other nodes when this one goes away: this page's node first.
  const urls = [pageUrl, ...[...nodes.values()].map(nodeUrl).filter((u) => u !== pageUrl)];
  client.setUrls([...new Set(urls)]);
}

function startCharts(id) {
  const make = (kind, title, options) => {
    const canvas = el("canvas", { width: 360, height: 150, "data-chart": kind });
    const chart = new LineChart(canvas, { title: `${title} of ${id}`, ...options });
    return { chart, figure: el("figure", {}, canvas, el("figcaption", { text: title })) };
  };
  const cpu = make("cpu", "CPU", { series: [{ label: "usage", color: "#2463eb" }], max: 100, format: percent });
  const memory = make("memory", "Memory", { series: [{ label: "used", color: "#1f7a3d" }], max: 100, format: percent });
  const network = make("network", "Network", {
    series: [
      { label: "received", color: "#7a3dbd" },
      { label: "sent", color: "#d9480f" },
    ],
    format: rate,
  });
  const status = el("p", { class: "chart-status" });
  const section = el(
    "section",
    { class: "node-charts", "data-node-id": id, "aria-label": `Realtime charts of node ${id}` },
    el("h3", { text: id }),
    el("div", { class: "row" }, cpu.figure, memory.figure, network.figure),
    status,
  );
  $("charts").append(section);
  const subscription = client.subscribe(`reporting.realtime:${JSON.stringify({ interval: 1, node: id })}`, {
    added: (m) => {
      const f = m.fields || {};
      cpu.chart.push([f.cpu?.average?.usage ?? 0]);
      memory.chart.push([f.virtual_memory?.percent ?? 0]);
      let received = 0;
      let sent = 0;
      for (const nic of Object.values(f.interfaces || {})) {
        received += nic.received_bytes_rate || 0;
        sent += nic.sent_bytes_rate || 0;
      }
      network.chart.push([received, sent]);
    },
    onError: (e) => report(status, e),
  });
  charts.set(id, { section, subscription });
}

// ---------------------------------------------------------------------------------------------
// Jobs

const ACTIVE = new Set(["WAITING", "RUNNING"]);

function startJobs() {
  const body = $("jobs").tBodies[0];
  const rows = new Map();
  const show = (m) => {
    const job = m.fields;
    if (!job) return;
    const id = m.id ?? job.id;
    let row = rows.get(id);
    if (!row) {
      row = el("tr", { "data-job-id": id });
      rows.set(id, row);
      body.prepend(row);
    }
    const percentDone = job.progress?.percent;
    const progress = el("progress", { max: 100, "aria-label": `Progress of job ${id}` });
    if (typeof percentDone === "number") progress.value = percentDone;
    if (job.state === "SUCCESS") progress.value = 100;
    else if (!ACTIVE.has(job.state) && !progress.hasAttribute("value")) progress.value = 0;
    const progressText = el("span", {
      class: "percent",
      text: progress.hasAttribute("value") ? ` ${Math.round(progress.value)} %` : "",
    });
    let outcome = "";
    if (job.state === "SUCCESS") outcome = typeof job.result === "string" ? job.result : JSON.stringify(job.result);
    else if (job.error) outcome = job.error;
    else if (job.progress?.description) outcome = job.progress.description;
    const actions = el("td");
    if (ACTIVE.has(job.state)) {
      const abort = el("button", { type: "button", text: "Abort", "aria-label": `Abort job ${id}` });
      abort.addEventListener("click", () => {
        abort.disabled = true;
        client.call("core.job_abort", id).catch((e) => report(actions, e));
      });
      actions.append(abort);
    }
    row.dataset.state = job.state;
    row.replaceChildren(
      el("td", { text: id }),
      el("td", { text: job.method }),
      el("td", { text: job.state }),
      el("td", { class: "progress" }, progress, progressText),
      el("td", { class: job.error ? "result error" : "result", text: outcome }),
      actions,
    );
  };
  client.subscribe("core.get_jobs", {
    snapshot: true,
    added: show,
    changed: show,
    removed: (m) => {
      rows.get(m.id)?.remove();
      rows.delete(m.id);
    },
    onResync: () => {
      body.replaceChildren();
      rows.clear();
    },
    onError: (e) => report($("checksum-outcome"), e),
  });

  $("checksum-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const outcome = $("checksum-outcome");
    outcome.classList.remove("error");
    const path = $("checksum-path").value;
    const algorithm = $("checksum-algorithm").value;
    outcome.textContent = `Checksum of ${path}: started`;
    try {
      const result = await client.job("filesystem.checksum", [path, algorithm], {
        onProgress: ({ percent: p }) => {
          if (typeof p === "number") outcome.textContent = `Checksum of ${path}: ${Math.round(p)} %`;
        },
      });
      outcome.dataset.digest = typeof result === "string" ? result : JSON.stringify(result);
      outcome.textContent = `${algorithm} of ${path}: ${outcome.dataset.digest}`;
    } catch (e) {
      report(outcome, e);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Alerts

function startAlerts() {
  const list = $("alerts");
  const items = new Map();
  const refresh = () => {
    $("no-alerts").hidden = items.size > 0;
  };
  const show = (m) => {
    const a = m.fields;
    if (!a) return;
    const id = m.id ?? a.uuid;
    if (a.dismissed) {
      items.get(id)?.remove();
      items.delete(id);
      refresh();
      return;
    }
    const dismiss = el("button", { type: "button", text: "Dismiss", "aria-label": `Dismiss alert: ${a.formatted ?? id}` });
    dismiss.addEventListener("click", () => {
      dismiss.disabled = true;
      client.call("alert.dismiss", a.uuid ?? id).catch((e) => report(item, e));
    });
    const item = el(
      "li",
      { "data-alert-id": id },
      el("span", { class: `level-${a.level}`, text: a.level ?? "" }),
      " ",
      el("span", { text: `${a.formatted ?? a.text ?? ""} (${a.node ?? "?"}, ${dateText(a.datetime)}) ` }),
      dismiss,
    );
    const old = items.get(id);
    if (old) old.replaceWith(item);
    else list.prepend(item);
    items.set(id, item);
    refresh();
  };
  client.subscribe("alert.list", {
    snapshot: true,
    added: show,
    changed: show,
    removed: (m) => {
      items.get(m.id)?.remove();
      items.delete(m.id);
      refresh();
    },
    onResync: () => {
      list.replaceChildren();
      items.clear();
      refresh();
    },
    onError: (e) => {
      if (e.errname === "ENOENT") $("no-alerts").textContent = "Alerts are off on this node (alerts.enabled).";
      else report($("no-alerts"), e);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Event log

const LOG_LINES = 300;

function startLog() {
  const log = $("log");
  const filter = $("log-filter");
  const matches = (line) => line.textContent.toLowerCase().includes(filter.value.trim().toLowerCase());
  filter.addEventListener("input", () => {
    for (const line of log.children) line.hidden = !matches(line);
  });
  const add = (m) => {
    const fields = m.fields === undefined ? "" : JSON.stringify(m.fields);
    const text = [
      new Date().toLocaleTimeString(),
      m.msg,
      m.collection,
      m.id === undefined ? "" : `#${JSON.stringify(m.id)}`,
      fields.length > 400 ? `${fields.slice(0, 400)}…` : fields,
    ]
      .filter((s) => s !== "")
      .join(" ");
    const line = el("li", { "data-collection": m.collection, text });
    line.hidden = !matches(line);
    log.prepend(line);
    while (log.children.length > LOG_LINES) log.lastElementChild.remove();
  };
  client.subscribe("*", {
    added: add,
    changed: add,
    removed: add,
    onResync: ({ reason }) => add({ msg: "--", collection: `resubscribed (${reason})` }),
  });
}

// ---------------------------------------------------------------------------------------------
// Events catalogue

async function startCatalogue() {
  const body = $("catalogue").tBodies[0];
  try {
    const events = await client.call("core.get_events");
    body.replaceChildren(
      ...Object.entries(events || {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, e]) =>
          el(
            "tr",
            { "data-event": name },
            el("td", {}, el("code", { text: name })),
            el("td", { text: e?.description ?? "" }),
            el("td", { text: e?.wildcard_subscription ? "yes" : "no" }),
          ),
        ),
    );
  } catch (e) {
    report($("catalogue-title"), e);
  }
}
