// Peer "node ws" of scripts/bench: a websocket hub on the npm package `ws`. Every websocket is a subscriber; each
// event is JSON-encoded once into a Buffer and sent as a text frame to every client. Control port as the JVM
// peers' (BenchControl): GET /run?id=&rate=&ms=, /gc (needs --expose-gc), /stats.
// Env: BENCH_WS_PORT, BENCH_CONTROL_PORT; NODE_PATH must reach `ws`.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: +process.env.BENCH_WS_PORT, perMessageDeflate: false,
  backlog: 4096 });
wss.on('connection', ws => ws.on('error', () => {}));

function frame(seq, run, t) {
  // The same keys, in the same order, as BenchPayload.frame.
  return { msg: 'changed', collection: 'bench.jobs', id: seq, fields: {
    id: seq, method: 'pool.scrub.scrub', arguments: ['tank', 'START'], state: 'RUNNING',
    progress: { percent: seq % 100, description: 'Scrubbing 1.2 TiB of 4.8 TiB', extra: null },
    result: null, error: null, s: seq, r: run, t: t } };
}

function publish(seq, run, t) {
  const buf = Buffer.from(JSON.stringify(frame(seq, run, t)));
  for (const ws of wss.clients) {
    ws.send(buf, { binary: false });
  }
}

// Open-loop schedule, as Schedule.java: events are stamped with their intended time.
let currentRun = -1;
let published = 0;
function run(id, rate, ms) {
  currentRun = id;
  const period = 1e9 / rate;
  const start = Number(process.hrtime.bigint());
  const end = start + ms * 1e6;
  let due = start;
  let seq = 0;
  const tick = () => {
    if (currentRun !== id) return;
    const now = Number(process.hrtime.bigint());
    while (due <= now && due < end) {
      publish(seq++, id, Math.round(due));
      published++;
      due += period;
    }
    if (due < end) {
      setTimeout(tick, Math.max(1, Math.ceil((due - Number(process.hrtime.bigint())) / 1e6)));
    }
  };
  tick();
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/run') {
    run(+url.searchParams.get('id'), +url.searchParams.get('rate'), +url.searchParams.get('ms'));
    res.end('{}');
  } else if (url.pathname === '/gc') {
    if (global.gc) { global.gc(); global.gc(); }
    res.end(JSON.stringify({ heap: process.memoryUsage().heapUsed }));
  } else if (url.pathname === '/stats') {
    res.end(JSON.stringify({ published }));
  } else {
    res.statusCode = 404;
    res.end();
  }
}).listen(+process.env.BENCH_CONTROL_PORT, '127.0.0.1');
