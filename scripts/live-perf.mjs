#!/usr/bin/env node
// The live page's frame rate (issue 15: at least 55 fps with three nodes under 64
// writing clients), measured in headless Chromium, in two configurations:
//
//   real  `raftplay cluster --web` on free ports, 64 clients writing as fast as the
//         leader answers (each one PUT at a time, through the leader's own URL);
//   fake  the scripted live server of the browser tests, flooded at a high rate
//         (engine events, messages, statuses and a growing log).
//
// Each round measures the live page (/?live) and then an empty page under the same
// load, one after the other, so that both see the machine as it is then; a
// configuration runs several rounds and its summary line gives the medians: the page's
// frames a second (frames drawn / seconds: long frames count, unlike a median frame),
// the empty page's, their ratio, the load average, the stream items a second the page
// took and, for real nodes, the writes a second acknowledged. Nothing here is a unit
// test; the numbers depend on the machine, and the load average says how busy it was.
//
//   make live-perf                       (make dist build, then this script)
//   node scripts/live-perf.mjs [--fake | --real] [--rounds N] [--seconds N] [--clients N]
//       [--profile] [--trace [FILE.json]] [--hide SELECTOR] [--css RULE]

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser } from '../web/test/e2e/harness.mjs';
import { startCluster } from '../web/test/e2e/live-cluster.mjs';
import { startFakeLive } from '../web/test/e2e/live-fake.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const has = (name) => process.argv.includes(name);
// Which configurations: both unless --fake or --real names one.
const configs = has('--fake') ? ['fake'] : has('--real') ? ['real'] : ['real', 'fake'];
// --profile: also print the JavaScript functions that took the page's main thread.
const profile = has('--profile');
// --trace: also print what the page's main thread did (Chromium's trace: script,
// style, layout, paint, compositing commit, garbage collection), self time per kind.
const traceAt = process.argv.indexOf('--trace');
const trace = traceAt >= 0;
// --trace FILE.json (a name ending in .json after --trace): also save the trace there, to
// open in Perfetto or chrome://tracing.
const traceFile = trace && /\.json$/.test(process.argv[traceAt + 1] || '') ? process.argv[traceAt + 1] : '';
// --hide SELECTOR: hide those elements of the live page while measuring (display:
// none), to find which view costs the frames.
const hideAt = process.argv.indexOf('--hide');
const hide = hideAt >= 0 ? process.argv[hideAt + 1] : '';
// --css RULE: add that CSS rule to the live page while measuring (through the CSSOM), to
// try a change of style without a rebuild.
const cssAt = process.argv.indexOf('--css');
const css = cssAt >= 0 ? process.argv[cssAt + 1] : '';
const rounds = arg('--rounds', 3);
const seconds = arg('--seconds', 8);
const clients = arg('--clients', 64);
// fake: engine events and messages a second, for the whole cluster.
const eventRate = arg('--events', 1800);
const messageRate = arg('--messages', 600);
// fake: log entries appended a second (statuses carry the tail of the log).
const entryRate = arg('--entries', 400);

// The writers' program (see writers), built once for the real configuration.
const loadgenDir = configs.includes('real') ? mkdtempSync(join(tmpdir(), 'raftplay-loadgen-')) : '';
const loadgen = loadgenDir ? join(loadgenDir, 'loadgen') : '';
if (loadgen) execFileSync('go', ['build', '-o', loadgen, './e2e/cmd/loadgen'], { stdio: 'inherit' });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** printProfile prints the functions that took the most of the page's main thread. */
function printProfile(cpu) {
  const byId = new Map(cpu.nodes.map((n) => [n.id, n]));
  const self = new Map();
  cpu.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + (cpu.timeDeltas[i] || 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`    ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
}

/**
 * printTrace prints the CPU time of each kind of work on the renderer's main thread (the
 * busiest CrRendererMain of the trace), self time, from the events' thread times: a
 * thread waiting for a core does not count, so runs on a busy machine compare. And how
 * many tasks took over 8 ms of CPU (half a frame), and the longest.
 */
function printTrace(events, ms) {
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map();
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !mains.has(k) || e.tdur === undefined) continue;
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k).push(e);
  }
  const list = [...byThread.values()].sort((a, b) => b.length - a.length)[0] || [];
  list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  const tops = [];
  for (const e of list) {
    while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (!parent) tops.push(e.tdur);
    self.set(e.name, (self.get(e.name) || 0) + e.tdur);
    if (parent) self.set(parent.name, (self.get(parent.name) || 0) - Math.min(e.tdur, parent.tdur));
    stack.push(e);
  }
  const total = tops.reduce((a, b) => a + b, 0);
  console.log(`    main thread CPU ${(total / ms).toFixed(0)} ms a second in ${tops.length} tasks; ${tops.filter((t) => t > 8000).length} took over 8 ms, ` +
    `the longest ${(Math.max(0, ...tops) / 1000).toFixed(1)} ms; self time per kind:`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`    ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
}

/**
 * browserCPU returns the CPU time (ms) the browser's processes have used so far: every
 * Chromium process descended from this script (the renderer, and the GPU and
 * compositor processes that raster and draw what it paints, which the main thread's
 * figures do not show).
 */
function browserCPU() {
  const procs = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      procs.push({ pid: Number(pid), comm, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => mine.has(p.pid) && /chrom/i.test(p.comm)).reduce((a, p) => a + p.ticks, 0) * 10;
}

/** measureFPS records the page's frame intervals for ms milliseconds. */
function measureFPS(page, ms) {
  return page.evaluate((ms) => new Promise((done) => {
    const gaps = [];
    let last = performance.now();
    const start = last;
    function frame(t) {
      gaps.push(t - last);
      last = t;
      if (t - start < ms) requestAnimationFrame(frame);
      else done(gaps);
    }
    requestAnimationFrame(frame);
  }), ms);
}

/**
 * writers runs n clients that PUT through the cluster until stop(); returns {stop,
 * count()}. The clients are e2e/cmd/loadgen, a Go process (built once when the script starts): 64
 * fetch loops in this Node process took about 0.7 of a core for 1,600 writes a second,
 * taken from the very machine whose page is measured; loadgen's keep-alive clients
 * cost a fraction of that.
 */
function writers(url, tokenFile, n) {
  const child = spawn(loadgen, ['-url', url, '-token-file', tokenFile, '-clients', String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let acked = 0;
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    const lines = out.split('\n');
    out = lines.pop();
    for (const line of lines) {
      const m = /^acked (\d+)$/.exec(line);
      if (m) acked = Number(m[1]);
    }
  });
  const exited = new Promise((done) => child.once('exit', done));
  return {
    count: () => acked,
    stop: () => {
      child.stdin.end(); // loadgen stops when its input closes
      return exited;
    },
  };
}

/** startLoad starts a configuration's load; resolves to {url, writes(), stop()}. */
async function startLoad(config) {
  if (config === 'real') {
    const cluster = await startCluster();
    const load = writers(cluster.httpURLs[0], cluster.tokenFile, clients);
    return { url: cluster.url, writes: load.count, stop: async () => { await load.stop(); await cluster.stop(); } };
  }
  const server = await startFakeLive();
  // A busy cluster as the server would pass it on (default: 1,800 engine events and 600
  // messages a second for the cluster, well over the nodes' own caps), in batches every
  // 10 ms, a log growing by 400 entries a second, and statuses every 250 ms (the fake's
  // own ticker).
  let n = 0;
  let m = 0;
  const flood = setInterval(() => {
    const at = new Date().toISOString();
    for (let i = 0; i < eventRate / 100; i++) {
      const id = 1 + (n++ % 3);
      server.push('event', { id, event: { time: at, kind: i % 2 ? 'commit-advanced' : 'entries-appended', peer: id, index: n, local_index: n, log_term: 2, text: `peer ${id} advanced its commit index to ${n} (term 2)` } });
    }
    for (let i = 0; i < messageRate / 100; i++) {
      const id = 1 + (m++ % 3);
      server.push('message', { id, from: id, to: 1 + (id % 3), type: 'AppendEntries', term: 2, index: m, log_term: 2, entries: 4 });
    }
    for (let i = 0; i < entryRate / 100; i++) server.log.push({ index: server.log.length + 1, term: 2 });
  }, 10);
  return { url: `${server.url}?live`, writes: () => 0, stop: async () => { clearInterval(flood); await server.stop(); } };
}

/** measure opens the live page (or an empty one) and measures it for `seconds`. */
async function measure(browser, load, live) {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  try {
    await page.setViewportSize({ width: 1280, height: 900 });
    if (live) {
      // Not the harness's openPage: on a loaded machine the page may take more than its 10 s.
      await page.goto(load.url);
      await page.waitForSelector('html[data-ready="true"]', { timeout: 60_000 });
      await page.waitForSelector('[data-peer-id][data-role="leader"]', { timeout: 30_000 });
      await page.waitForTimeout(2000);
      // Through the CSSOM: the page's CSP refuses inline style sheets.
      if (css) await page.evaluate((rule) => document.styleSheets[0].insertRule(rule, document.styleSheets[0].cssRules.length), css);
      if (hide) await page.evaluate((sel) => document.querySelectorAll(sel).forEach((e) => e.style.setProperty('display', 'none', 'important')), hide);
    } else {
      await page.setContent('<!doctype html><title>empty</title><p>baseline</p>');
    }
    const items0 = live ? await page.evaluate(() => window.raftplay.received()) : {};
    const writes0 = load.writes();
    const load0 = loadavg()[0];
    const t0 = Date.now();
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
    const m0 = await metrics();
    const c0 = browserCPU();
    const events = [];
    let traced = null;
    if (live && trace) {
      cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
      traced = new Promise((done) => cdp.once('Tracing.tracingComplete', done));
      await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8', transferMode: 'ReportEvents' });
    }
    if (live && profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const gaps = await measureFPS(page, seconds * 1000);
    const ms = Date.now() - t0;
    const m1 = await metrics();
    const c1 = browserCPU();
    if (live && profile) printProfile((await cdp.send('Profiler.stop')).profile);
    if (live && trace) {
      await cdp.send('Tracing.end');
      await traced;
      printTrace(events, ms);
      if (traceFile) writeFileSync(traceFile, JSON.stringify({ traceEvents: events }));
    }
    const items1 = live ? await page.evaluate(() => window.raftplay.received()) : {};
    const items = Object.keys(items1).reduce((a, k) => a + items1[k] - (items0[k] || 0), 0);
    const info = live ? await page.evaluate(() => ({
      messages: document.querySelectorAll('g.msg').length, sampled: document.querySelector('#live-sampled')?.textContent || '',
    })) : null;
    return {
      // The renderer main thread's CPU time (ms a second): unlike frame times, not
      // stretched by other processes taking the cores.
      cpu: m1.ThreadTime !== undefined ? ((m1.ThreadTime - m0.ThreadTime) * 1e6) / ms : NaN,
      browser: ((c1 - c0) * 1000) / ms,
      fps: (gaps.length * 1000) / ms, worst: Math.max(...gaps), slow: gaps.filter((g) => g > 20).length, frames: gaps.length,
      items: (items * 1000) / ms, writes: ((load.writes() - writes0) * 1000) / ms, load: (load0 + loadavg()[0]) / 2, info, problems,
    };
  } finally {
    await page.close();
  }
}

const browser = await launchBrowser();
const summaries = [];
try {
  for (const config of configs) {
    const load = await startLoad(config);
    const what = config === 'real' ? `3 real nodes, ${clients} writing clients` : 'scripted server, flooded';
    const results = [];
    try {
      // The nodes elect a leader and the writers find it before the first round.
      await new Promise((done) => setTimeout(done, 2000));
      for (let r = 1; r <= rounds; r++) {
        const page = await measure(browser, load, true);
        const empty = await measure(browser, load, false);
        results.push({ page, empty });
        console.log(`${config} round ${r}: live page ${page.fps.toFixed(1)} fps (worst frame ${page.worst.toFixed(0)} ms, ${page.slow} of ${page.frames} over 20 ms), ` +
          `empty page ${empty.fps.toFixed(1)} fps; CPU a second: page main thread ${page.cpu.toFixed(0)} ms, browser ${page.browser.toFixed(0)} ms (empty page: ${empty.cpu.toFixed(0)}, ${empty.browser.toFixed(0)}); load average ${page.load.toFixed(1)}; ${page.items.toFixed(0)} items/s` +
          (config === 'real' ? `; ${page.writes.toFixed(0)} writes/s` : '') + `; ${page.info.messages} messages drawn at the end`);
        if (page.info.sampled) console.log(`  the page said: ${page.info.sampled}`);
        if (page.problems.length) console.log('  page problems:', page.problems.slice(0, 5));
      }
    } finally {
      await load.stop();
    }
    const pageFPS = median(results.map((x) => x.page.fps));
    const emptyFPS = median(results.map((x) => x.empty.fps));
    summaries.push(`SUMMARY ${what}: live page ${pageFPS.toFixed(1)} fps, empty page ${emptyFPS.toFixed(1)} fps, ratio ${(pageFPS / emptyFPS).toFixed(2)}, ` +
      `CPU a second: page main thread ${median(results.map((x) => x.page.cpu)).toFixed(0)} ms, browser ${median(results.map((x) => x.page.browser)).toFixed(0)} ms ` +
      `(empty page ${median(results.map((x) => x.empty.browser)).toFixed(0)} ms), ` +
      `load average ${median(results.map((x) => x.page.load)).toFixed(1)}, ${median(results.map((x) => x.page.items)).toFixed(0)} items/s` +
      (config === 'real' ? `, ${median(results.map((x) => x.page.writes)).toFixed(0)} writes/s` : '') +
      ` (medians of ${rounds} rounds of ${seconds} s, interleaved)`);
  }
} finally {
  await browser.close();
  if (loadgenDir) rmSync(loadgenDir, { recursive: true, force: true });
}
for (const s of summaries) console.log(s);
