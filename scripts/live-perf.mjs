#!/usr/bin/env node
// The live page's frame rate (issue 15: at least 55 fps with three nodes under 64
// writing clients), measured in headless Chromium. By default against real processes:
// `raftplay cluster --web` on free ports, 64 clients writing as fast as the leader
// answers (each one PUT at a time, through the leader's own URL), the page open on
// /?live, requestAnimationFrame intervals recorded for --seconds (default 10). With
// --fake, against the scripted live server of the browser tests instead, flooded at a
// high rate (engine events, messages and statuses). It prints the median frame rate,
// the worst frame and, for real nodes, the writes per second acknowledged while
// measuring. Nothing here is a unit test; the numbers depend on the machine.
//
//   make dist build && node scripts/live-perf.mjs [--fake] [--seconds N] [--clients N]

import { readFileSync } from 'node:fs';
import { launchBrowser } from '../web/test/e2e/harness.mjs';
import { startCluster } from '../web/test/e2e/live-cluster.mjs';
import { startFakeLive } from '../web/test/e2e/live-fake.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const fake = process.argv.includes('--fake');
// --baseline: the same load, but the frame rate of an empty page (what the machine
// allows a page at all while the nodes, the writers and the browser share it).
const baseline = process.argv.includes('--baseline');
// --profile: also print where the page's main thread spent its time.
const profile = process.argv.includes('--profile');
// --hide SELECTOR: hide those elements of the live page while measuring (display:
// none), to find which view costs the frames.
const hideAt = process.argv.indexOf('--hide');
const hide = hideAt >= 0 ? process.argv[hideAt + 1] : '';
const seconds = arg('--seconds', 10);
const clients = arg('--clients', 64);
// --fake: engine events and messages a second, for the whole cluster.
const eventRate = arg('--events', 1800);
const messageRate = arg('--messages', 600);
// --fake: log entries appended a second (statuses carry the tail of the log).
const entryRate = arg('--entries', 100);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** printProfile prints the functions that took the most of the page's main thread. */
function printProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) || 0) + (profile.timeDeltas[i] || 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
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

/** writers runs n clients that PUT to the leader until stop(); returns {stop, count()}. */
function writers(urls, token, n) {
  let running = true;
  let acked = 0;
  let leader = urls[0];
  const headers = { Authorization: `Bearer ${token}` };
  async function findLeader() {
    for (const u of urls) {
      try {
        const s = await (await fetch(`${u}/status`, { headers })).json();
        const role = s.role;
        if (role === 'leader') {
          leader = u;
          return;
        }
      } catch {
        // a node down: try the next one
      }
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  async function client(id) {
    let seq = 0;
    while (running) {
      try {
        const res = await fetch(`${leader}/kv/load-${id}`, { method: 'PUT', body: String(seq++), headers, redirect: 'manual' });
        await res.arrayBuffer();
        if (res.status === 200) acked++;
        else await findLeader();
      } catch {
        await findLeader();
      }
    }
  }
  const done = Promise.all(Array.from({ length: n }, (_, i) => client(i + 1)));
  findLeader();
  return { count: () => acked, stop: () => { running = false; return done; } };
}

const browser = await launchBrowser();
let stopAll;
let url;
let load = null;
let flood = null;
if (fake) {
  const server = await startFakeLive();
  url = `${server.url}?live`;
  // A busy cluster as the server would pass it on (default: per node 600 engine events
  // and 200 messages a second, the node's own cap on messages), in batches every 10 ms,
  // and statuses every 250 ms (the fake's own ticker).
  let n = 0;
  let m = 0;
  flood = setInterval(() => {
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
  stopAll = async () => { clearInterval(flood); await server.stop(); };
} else {
  const cluster = await startCluster();
  url = cluster.url;
  stopAll = async () => { if (load) await load.stop(); await cluster.stop(); };
  const token = readFileSync(cluster.tokenFile, 'utf8').trim();
  load = writers(cluster.httpURLs, token, clients);
}
try {
  // Not the harness's openPage: on a loaded machine the page may take more than its 10 s.
  let page = await browser.context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 60_000 });
  await page.waitForSelector('[data-peer-id][data-role="leader"]', { timeout: 30_000 });
  await page.waitForTimeout(2000);
  // Through the CSSOM: the page's CSP refuses inline style sheets.
  if (hide) await page.evaluate((sel) => document.querySelectorAll(sel).forEach((e) => e.style.setProperty('display', 'none', 'important')), hide);
  if (baseline) {
    await page.close();
    page = await browser.context.newPage();
    page.problems = [];
    await page.setContent('<!doctype html><title>empty</title><p>baseline</p>');
  }
  const before = load ? load.count() : 0;
  const items0 = await page.evaluate(() => window.raftplay?.received?.() || {});
  const t0 = Date.now();
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const gaps = await measureFPS(page, seconds * 1000);
  if (profile) printProfile((await cdp.send('Profiler.stop')).profile);
  const m1 = await metrics();
  // The renderer's main thread: its busy share of the time measured, and what it did.
  const share = (k) => `${((100 * (m1[k] - m0[k])) / seconds).toFixed(0)}%`;
  console.log(`main thread busy ${share('TaskDuration')} (script ${share('ScriptDuration')}, style ${share('RecalcStyleDuration')}, layout ${share('LayoutDuration')})`);
  const items1 = await page.evaluate(() => window.raftplay?.received?.() || {});
  const rates = Object.keys(items1).map((k) => `${k} ${(((items1[k] - (items0[k] || 0)) * 1000) / (Date.now() - t0)).toFixed(0)}/s`).join(', ');
  const writes = load ? ((load.count() - before) * 1000) / (Date.now() - t0) : 0;
  const counts = await page.evaluate(() => ({ narration: document.querySelectorAll('#narration-list li').length, messages: document.querySelectorAll('g.msg').length, sampled: document.querySelector('#live-sampled')?.textContent || '',
    kinds: window.raftplay?.events ? Object.entries(window.raftplay.events().reduce((m, e) => ({ ...m, [e.kind]: (m[e.kind] || 0) + 1 }), {})).sort((a, b) => b[1] - a[1]).slice(0, 6) : [] }));
  const slow = gaps.filter((g) => g > 1000 / 50).length;
  console.log(`${baseline ? 'EMPTY page (baseline)' : 'live page'}, ${fake ? 'fake server flooded' : `3 real nodes, ${clients} writing clients`}: median ${(1000 / median(gaps)).toFixed(1)} fps, ` +
    `mean ${(gaps.length / seconds).toFixed(1)} frames/s, worst frame ${Math.max(...gaps).toFixed(0)} ms, ${slow} of ${gaps.length} frames over 20 ms` +
    (load ? `; ${writes.toFixed(0)} writes/s acknowledged while measuring` : ''));
  console.log(`page: ${counts.narration} narration lines, ${counts.messages} messages drawn; ${counts.sampled}`);
  if (rates) console.log(`stream items taken: ${rates}`);
  if (counts.kinds.length) console.log(`the kinds of the last events kept: ${counts.kinds.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (page.problems.length) console.log('page problems:', page.problems.slice(0, 5));
} finally {
  await browser.close();
  await stopAll();
}
