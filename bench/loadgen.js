#!/usr/bin/env node
// The bench's load generator: N WebSocket clients (Node `ws`) spread over P
// worker processes, K of them senders. Speaks the chat protocol of
// docs/protocol.md over a raw WebSocket (one JSON message per text frame) or,
// with --mode sockjs, over SockJS's framed WebSocket transport. With --read-as
// a,b,c the connections read through those parrots in turn (docs/protocol.md,
// read_as; "-" for the room's).
//
// Every line said is "L <sender> <n> <t_ms>" (t_ms: CLOCK_MONOTONIC in ms,
// shared by all processes of the machine); every receiver records the
// latency of each line it gets and which lines it got (lost, duplicated,
// delivered to the wrong room).
//
// stdout: one JSON object per line, {"event": ...}:
//   connected  all connections settled (established or failed); with
//              --wait-go the generator then waits for a line "go" on stdin
//   sending    the send phase starts (t0 in monotonic ms)
//   drained    every expected line arrived, or the drain timed out
//   result     the numbers (see report() below); then the process exits
// From the send phase on, every client also counts the TCP reads of its socket
// (its 'data' events) and the WebSocket messages that carried lines: per
// delivered line, how many reads (a client-side proxy for the server's send()
// calls) and, for SockJS, how many a[...] frames the lines came in.
// Bounded: every phase has a timeout, and --max-seconds ends the whole run.
'use strict';

const { fork } = require('child_process');
const { monitorEventLoopDelay } = require('perf_hooks');
const readline = require('readline');

const nowMs = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const o = {
    url: null, // ws://127.0.0.1:PORT/sockjs/websocket (raw) or ws://127.0.0.1:PORT/sockjs (sockjs)
    mode: 'raw',
    n: 1000,
    rooms: 1,
    senders: 10,
    interval: 2.0, // seconds between two lines of one sender
    lines: 10, // lines each sender says
    procs: 2,
    sourceAddrs: 0, // 0: the kernel picks the source address; A: 127.0.0.2 .. 127.0.0.(A+1)
    connectConcurrency: 200, // handshakes in flight per worker
    connectTimeout: 60, // seconds for all connections of a worker to settle
    drainTimeout: 30, // seconds after the last send to wait for stragglers
    drainIdle: 5, // ...or this long without a single new delivery
    maxSeconds: 600, // hard stop of the whole run
    waitGo: false,
    startDelay: 0.5,
    readAs: [], // connection i reads through readAs[i % length] ("-": the room's parrot)
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case '--url': o.url = next(); break;
      case '--mode': o.mode = next(); break;
      case '--n': o.n = parseInt(next(), 10); break;
      case '--rooms': o.rooms = parseInt(next(), 10); break;
      case '--senders': o.senders = parseInt(next(), 10); break;
      case '--interval': o.interval = parseFloat(next()); break;
      case '--lines': o.lines = parseInt(next(), 10); break;
      case '--procs': o.procs = parseInt(next(), 10); break;
      case '--source-addrs': o.sourceAddrs = parseInt(next(), 10); break;
      case '--connect-concurrency': o.connectConcurrency = parseInt(next(), 10); break;
      case '--connect-timeout': o.connectTimeout = parseFloat(next()); break;
      case '--drain-timeout': o.drainTimeout = parseFloat(next()); break;
      case '--drain-idle': o.drainIdle = parseFloat(next()); break;
      case '--max-seconds': o.maxSeconds = parseFloat(next()); break;
      case '--wait-go': o.waitGo = true; break;
      case '--read-as': o.readAs = next().split(',').filter(Boolean); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!o.url) throw new Error('--url is required');
  if (!['raw', 'sockjs'].includes(o.mode)) throw new Error('--mode is raw or sockjs');
  if (o.senders > o.n) throw new Error('--senders must be <= --n');
  o.procs = Math.max(1, Math.min(o.procs, o.n));
  return o;
}

// Connection i is in room i % rooms; connections 0..senders-1 are the
// senders (sender s is connection s), so senders spread over rooms and workers.
const roomOf = (i, o) => i % o.rooms;
const roomName = (r) => `r${r}`;
const sendersInRoom = (r, o) => (r < o.senders ? Math.ceil((o.senders - r) / o.rooms) : 0);

// ------------------------------------------------------- latency histogram
// 0.1 ms buckets below 100 ms, 1 ms below 10 s, 10 ms up to 300 s.
const H_FINE = 1000;
const H_MID = 9900;
const H_COARSE = 29000;
const H_SIZE = H_FINE + H_MID + H_COARSE + 1;
function bucket(ms) {
  if (ms < 0) ms = 0;
  if (ms < 100) return Math.floor(ms * 10);
  if (ms < 10000) return H_FINE + Math.floor(ms - 100);
  const i = H_FINE + H_MID + Math.floor((ms - 10000) / 10);
  return i < H_SIZE ? i : H_SIZE - 1;
}
function bucketUpper(i) {
  if (i < H_FINE) return (i + 1) / 10;
  if (i < H_FINE + H_MID) return 100 + (i - H_FINE) + 1;
  return 10000 + (i - H_FINE - H_MID + 1) * 10;
}

// ================================================================ worker
function worker() {
  const WebSocket = require('ws');
  let o = null;
  let index = 0;
  const conns = []; // this worker's connections
  const hist = new Uint32Array(H_SIZE);
  let latMax = 0;
  let latSum = 0;
  let delivered = 0; // unique (receiver, line) pairs
  let duplicated = 0;
  let misrouted = 0; // a line from another room's sender
  let malformed = 0;
  let counting = false; // the send phase: reads and frames are counted
  let reads = 0; // 'data' events of the clients' sockets
  let readBytes = 0;
  let lineFrames = 0; // WebSocket messages that carried at least one line
  let linesInFrames = 0; // lines in them (duplicates and strays included)
  let stale = 0; // a line said before this run's send phase (a server's stored history)
  let runT0 = Infinity;
  let errorsFromServer = 0;
  const errorSamples = [];
  let firstDelivery = Infinity;
  let lastDelivery = 0;
  let closedAfterJoin = 0;
  const closeCodes = {};
  const failReasons = {};
  let cpuStart = null;
  let wallStart = 0;
  const LOOP_RES_MS = 2;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RES_MS }); // records intervals: subtract the resolution

  const send = (msg) => process.send(msg);
  const fail = (reason) => { failReasons[reason] = (failReasons[reason] || 0) + 1; };

  function encode(obj) {
    const json = JSON.stringify(obj);
    return o.mode === 'sockjs' ? JSON.stringify([json]) : json;
  }

  // "L <s> <n> <t>" found at offset p (just after the marker) of buf.
  function onLine(c, buf, p, now) {
    let s = 0; let n = 0; let ch;
    while ((ch = buf[p]) >= 48 && ch <= 57) { s = s * 10 + ch - 48; p++; }
    if (ch !== 32) { malformed++; return; }
    p++;
    while ((ch = buf[p]) >= 48 && ch <= 57) { n = n * 10 + ch - 48; p++; }
    if (ch !== 32) { malformed++; return; }
    p++;
    let end = p;
    while ((ch = buf[end]) === 46 || (ch >= 48 && ch <= 57)) end++;
    const t = parseFloat(buf.latin1Slice(p, end));
    if (s >= o.senders || n >= o.lines || !(t > 0)) { malformed++; return; }
    if (t < runT0 - 1) { stale++; return; }
    if (s % o.rooms !== c.room) { misrouted++; return; }
    const k = Math.floor(s / o.rooms) * o.lines + n;
    if (c.seen[k]) { duplicated++; return; }
    c.seen[k] = 1;
    delivered++;
    const lat = now - t;
    hist[bucket(lat)]++;
    latSum += lat;
    if (lat > latMax) latMax = lat;
    if (now < firstDelivery) firstDelivery = now;
    if (now > lastDelivery) lastDelivery = now;
  }

  let MARKER; // Buffer searched in every frame
  function onFrame(c, buf) {
    const now = nowMs();
    let p = buf.indexOf(MARKER);
    if (p >= 0) {
      if (counting) lineFrames++;
      do {
        if (counting) linesInFrames++;
        onLine(c, buf, p + MARKER.length, now);
        p = buf.indexOf(MARKER, p + MARKER.length);
      } while (p >= 0);
      return;
    }
    // Anything else is rare: the open frame, joined, an error, a heartbeat.
    const text = buf.toString();
    let messages;
    if (o.mode === 'sockjs') {
      if (text === 'o') { c.ws.send(encode(c.join)); return; }
      if (text === 'h') return;
      if (text[0] === 'c') return;
      if (text[0] !== 'a') { malformed++; return; }
      try { messages = JSON.parse(text.slice(1)).map((m) => JSON.parse(m)); } catch (e) { malformed++; return; }
    } else {
      try { messages = [JSON.parse(text)]; } catch (e) { malformed++; return; }
    }
    for (const m of messages) {
      if (m.type === 'joined') {
        if (!c.joined) { c.joined = true; c.settle(true); }
      } else if (m.type === 'error') {
        errorsFromServer++;
        if (errorSamples.length < 5) errorSamples.push(m);
      } else if (m.type !== 'line' && m.type !== 'said') {  // said: a sender's own line stored
        malformed++;
      }
    }
  }

  function openOne(i, localAddress) {
    return new Promise((resolve) => {
      const room = roomOf(i, o);
      const perRoom = sendersInRoom(room, o);
      const c = {
        i, room, ws: null, joined: false, settled: false,
        seen: new Uint8Array(Math.max(1, perRoom * o.lines)),
        join: { type: 'join', name: `p${i}`, room: roomName(room) },
      };
      const reading = o.readAs.length ? o.readAs[i % o.readAs.length] : '-';
      if (reading !== '-') c.join.read_as = reading;
      const url = o.mode === 'sockjs'
        ? `${o.url}/${i % 1000}/${process.pid}x${i}/websocket`
        : o.url;
      const timer = setTimeout(() => { fail('timeout'); done(false); try { c.ws.terminate(); } catch (e) { /* gone */ } }, o.connectTimeout * 1000);
      function done(ok) {
        if (c.settled) return;
        c.settled = true;
        clearTimeout(timer);
        resolve(ok ? c : null);
      }
      c.settle = done;
      const opts = { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: o.connectTimeout * 1000 };
      if (localAddress) opts.localAddress = localAddress;
      let ws;
      try {
        ws = new WebSocket(url, opts);
      } catch (e) { fail(e.code || e.message); done(false); return; }
      c.ws = ws;
      ws.on('open', () => {
        ws._socket.on('data', (chunk) => { if (counting) { reads++; readBytes += chunk.length; } });
        if (o.mode === 'raw') ws.send(encode(c.join));
      });
      ws.on('message', (data) => onFrame(c, data));
      ws.on('unexpected-response', (req, res) => { fail(`http ${res.statusCode}`); done(false); ws.terminate(); });
      ws.on('error', (e) => { if (!c.settled) { fail(e.code || e.message); done(false); } });
      ws.on('close', (code) => {
        if (c.joined) { closedAfterJoin++; closeCodes[code] = (closeCodes[code] || 0) + 1; } else if (!c.settled) { fail(`closed ${code}`); done(false); }
      });
    });
  }

  async function connectAll() {
    const mine = [];
    for (let i = index; i < o.n; i += o.procs) mine.push(i);
    let next = 0;
    const t = nowMs();
    async function lane() {
      while (next < mine.length) {
        const i = mine[next++];
        const local = o.sourceAddrs > 0 ? `127.0.0.${2 + (i % o.sourceAddrs)}` : undefined;
        const c = await openOne(i, local);
        if (c) conns.push(c);
      }
    }
    await Promise.all(Array.from({ length: Math.min(o.connectConcurrency, mine.length) }, lane));
    const perRoom = {};
    for (const c of conns) perRoom[c.room] = (perRoom[c.room] || 0) + 1;
    send({
      type: 'connected', attempted: mine.length, established: conns.length,
      failed: mine.length - conns.length, failReasons, perRoom, seconds: (nowMs() - t) / 1000,
    });
  }

  // Sender s says line n at t0 + (s / senders + n) * interval.
  const sent = {};
  function startSending(t0) {
    cpuStart = process.cpuUsage();
    wallStart = nowMs();
    loopDelay.reset();
    loopDelay.enable();
    counting = true;
    let pending = 0;
    for (const c of conns) {
      if (c.i >= o.senders) continue;
      const s = c.i;
      sent[s] = 0;
      pending++;
      let n = 0;
      const dueOf = (k) => t0 + (s / o.senders + k) * o.interval * 1000;
      const tick = () => {
        // Node's timers may fire a few ms early (they start from the event loop's
        // cached clock): a line stamped before t0 would count as stale, then lost.
        const early = dueOf(n) - nowMs();
        if (early > 0) { setTimeout(tick, early); return; }
        if (c.ws.readyState === WebSocket.OPEN) {
          c.ws.send(encode({ type: 'say', text: `L ${s} ${n} ${nowMs().toFixed(3)}` }));
          sent[s]++;
        }
        n++;
        if (n < o.lines) {
          setTimeout(tick, Math.max(0, dueOf(n) - nowMs()));
        } else if (--pending === 0) {
          send({ type: 'sent', sent });
        }
      };
      setTimeout(tick, Math.max(0, dueOf(0) - nowMs()));
    }
    if (pending === 0) send({ type: 'sent', sent });
  }

  function report() {
    loopDelay.disable();
    counting = false;
    const cpu = process.cpuUsage(cpuStart);
    const wall = nowMs() - wallStart;
    const sparse = [];
    for (let i = 0; i < H_SIZE; i++) if (hist[i]) sparse.push([i, hist[i]]);
    send({
      type: 'report', delivered, duplicated, misrouted, malformed, stale, errorsFromServer, errorSamples,
      latSum, latMax, hist: sparse, firstDelivery, lastDelivery, closedAfterJoin, closeCodes,
      cpuMs: (cpu.user + cpu.system) / 1000, wallMs: wall,
      loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RES_MS),
      loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_RES_MS),
      rssBytes: process.memoryUsage().rss, reads, readBytes, lineFrames, linesInFrames,
    });
  }

  process.on('message', (msg) => {
    if (msg.cmd === 'init') {
      o = msg.options; index = msg.index;
      MARKER = Buffer.from(o.mode === 'sockjs' ? '\\"text\\":\\"L ' : '"text":"L ');
      connectAll();
    } else if (msg.cmd === 'start') {
      runT0 = msg.t0;
      startSending(msg.t0);
    } else if (msg.cmd === 'stats') {
      send({ type: 'stats', delivered, lastDelivery });
    } else if (msg.cmd === 'report') {
      report();
    } else if (msg.cmd === 'exit') {
      for (const c of conns) { try { c.ws.terminate(); } catch (e) { /* gone */ } }
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ================================================================ master
async function master() {
  const o = parseArgs(process.argv.slice(2));
  const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
  const hardStop = setTimeout(() => {
    out({ event: 'error', message: `--max-seconds ${o.maxSeconds} reached` });
    process.exit(2);
  }, o.maxSeconds * 1000);
  hardStop.unref();
  const cpuStart = process.cpuUsage();

  const workers = [];
  const inbox = []; // [{w, msg}]
  let wake = null;
  for (let w = 0; w < o.procs; w++) {
    const child = fork(__filename, [], { env: { ...process.env, LOADGEN_ROLE: 'worker' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (msg) => { inbox.push({ w, msg }); if (wake) { const f = wake; wake = null; f(); } });
    child.on('exit', (code) => { if (code) { inbox.push({ w, msg: { type: 'died', code } }); if (wake) { const f = wake; wake = null; f(); } } });
    workers.push(child);
  }
  const next = async (type) => {
    for (;;) {
      const k = inbox.findIndex((m) => m.msg.type === type || m.msg.type === 'died');
      if (k >= 0) {
        const [m] = inbox.splice(k, 1);
        if (m.msg.type === 'died') throw new Error(`worker ${m.w} died with ${m.msg.code}`);
        return m;
      }
      await new Promise((r) => { wake = r; });
    }
  };
  const gather = async (type) => {
    const got = new Array(o.procs);
    for (let k = 0; k < o.procs; k++) { const m = await next(type); got[m.w] = m.msg; }
    return got;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  workers.forEach((child, index) => child.send({ cmd: 'init', options: o, index }));
  const connected = await gather('connected');
  const perRoom = {};
  const failReasons = {};
  let established = 0;
  for (const c of connected) {
    established += c.established;
    for (const [r, k] of Object.entries(c.perRoom)) perRoom[r] = (perRoom[r] || 0) + k;
    for (const [why, k] of Object.entries(c.failReasons)) failReasons[why] = (failReasons[why] || 0) + k;
  }
  out({
    event: 'connected', attempted: o.n, established, failed: o.n - established, failReasons,
    seconds: Math.max(...connected.map((c) => c.seconds)), workerPids: workers.map((w) => w.pid),
  });

  if (o.waitGo) {
    const rl = readline.createInterface({ input: process.stdin });
    await new Promise((resolve) => rl.on('line', (l) => { if (l.trim() === 'go') { rl.close(); resolve(); } }));
  }

  const t0 = nowMs() + o.startDelay * 1000;
  out({ event: 'sending', t0 });
  workers.forEach((child) => child.send({ cmd: 'start', t0 }));
  const sentReports = await gather('sent');
  const sentBySender = {};
  for (const r of sentReports) Object.assign(sentBySender, r.sent);
  const sendEnd = nowMs();

  // Expected deliveries: every joined member of a room gets every line said in it.
  const linesPerRoom = {};
  let linesSent = 0;
  for (const [s, k] of Object.entries(sentBySender)) {
    const r = Number(s) % o.rooms;
    linesPerRoom[r] = (linesPerRoom[r] || 0) + k;
    linesSent += k;
  }
  let expected = 0;
  for (const [r, k] of Object.entries(linesPerRoom)) expected += k * (perRoom[r] || 0);

  // Drain: until everything expected arrived, nothing new came for drainIdle, or drainTimeout.
  let last = -1;
  let lastChange = nowMs();
  for (;;) {
    workers.forEach((child) => child.send({ cmd: 'stats' }));
    const stats = await gather('stats');
    const got = stats.reduce((a, s) => a + s.delivered, 0);
    const t = nowMs();
    if (got !== last) { last = got; lastChange = t; }
    if (got >= expected) break;
    if (t - lastChange > o.drainIdle * 1000 || t - sendEnd > o.drainTimeout * 1000) break;
    await sleep(100);
  }
  out({ event: 'drained', delivered: last, expected });

  workers.forEach((child) => child.send({ cmd: 'report' }));
  const reports = await gather('report');
  const hist = new Float64Array(H_SIZE);
  const sum = (k) => reports.reduce((a, r) => a + r[k], 0);
  for (const r of reports) for (const [i, k] of r.hist) hist[i] += k;
  const delivered = sum('delivered');
  const pct = (q) => {
    if (!delivered) return null;
    const target = q * delivered;
    let acc = 0;
    for (let i = 0; i < H_SIZE; i++) { acc += hist[i]; if (acc >= target) return bucketUpper(i); }
    return bucketUpper(H_SIZE - 1);
  };
  const firstDelivery = Math.min(...reports.map((r) => r.firstDelivery));
  const lastDelivery = Math.max(...reports.map((r) => r.lastDelivery));
  const closeCodes = {};
  for (const r of reports) for (const [c, k] of Object.entries(r.closeCodes)) closeCodes[c] = (closeCodes[c] || 0) + k;
  const masterCpu = process.cpuUsage(cpuStart);
  const span = lastDelivery > t0 ? (lastDelivery - t0) / 1000 : null;
  const sendSeconds = (o.lines * o.interval);
  const roomSize = o.n / o.rooms;
  out({
    event: 'result',
    options: o,
    attempted: o.n,
    established,
    failed: o.n - established,
    failReasons,
    connectSeconds: Math.max(...connected.map((c) => c.seconds)),
    linesSent,
    offeredLinesPerSecond: o.senders / o.interval,
    offeredDeliveriesPerSecond: (o.senders / o.interval) * roomSize,
    expected,
    delivered,
    lost: expected - delivered,
    duplicated: sum('duplicated'),
    misrouted: sum('misrouted'),
    malformed: sum('malformed'),
    stale: sum('stale'),
    errorsFromServer: sum('errorsFromServer'),
    errorSamples: reports.flatMap((r) => r.errorSamples).slice(0, 5),
    closedDuringRun: sum('closedAfterJoin'),
    closeCodes,
    deliveredPerSecond: span ? delivered / span : 0,
    deliverySpanSeconds: span,
    sendSeconds,
    // Per delivered line: TCP reads (a proxy for the server's sends: one read may
    // take several sends when the client is behind) and WebSocket messages.
    transport: {
      reads: sum('reads'),
      readBytes: sum('readBytes'),
      lineFrames: sum('lineFrames'),
      linesInFrames: sum('linesInFrames'),
      readsPerLine: delivered ? sum('reads') / delivered : null,
      framesPerLine: delivered ? sum('lineFrames') / delivered : null,
    },
    latencyMs: {
      mean: delivered ? sum('latSum') / delivered : null,
      p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), p999: pct(0.999),
      max: delivered ? Math.max(...reports.map((r) => r.latMax)) : null,
    },
    generator: {
      procs: o.procs,
      workerCpuPercent: reports.map((r) => (100 * r.cpuMs) / r.wallMs),
      totalCpuPercent: (100 * sum('cpuMs')) / Math.max(...reports.map((r) => r.wallMs)),
      masterCpuMs: (masterCpu.user + masterCpu.system) / 1000,
      loopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms)),
      loopDelayMaxMs: Math.max(...reports.map((r) => r.loopDelayMaxMs)),
      rssBytes: reports.map((r) => r.rssBytes),
    },
  });
  workers.forEach((child) => child.send({ cmd: 'exit' }));
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r() : w.on('exit', r)))));
  process.exit(0);
}

if (process.env.LOADGEN_ROLE === 'worker') worker();
else master().catch((e) => { process.stdout.write(JSON.stringify({ event: 'error', message: String(e.stack || e) }) + '\n'); process.exit(1); });
