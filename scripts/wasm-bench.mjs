#!/usr/bin/env node
// Compares two builds of the page's simulator (app.wasm with its wasm_exec.js) in one
// Node process, in interleaved rounds, so that a shared, noisy machine slows both
// alike: the speed of a fast-forward (runTicks of 100,000 ticks, two simulated
// clients: what the page's fast-forward control does; TICKS=n for another count) and the bridge's cost per frame
// (state(), the snapshot the page draws every frame, and events(since) of the
// frame's new trace events), each as the median of its rounds and as the ratio B/A.
// Times are the process's CPU time (process.cpuUsage), not the wall clock: on a busy
// machine the wall clock also counts the time other processes had the CPU.
//
//   node scripts/wasm-bench.mjs DIST_A DIST_B [rounds]
//
// e.g. a dist/ built before a change against one built after it.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** cpuMs is the process's CPU time so far, in ms. */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const [distA, distB, roundsArg] = process.argv.slice(2);
if (!distA || !distB) {
  console.error('usage: node scripts/wasm-bench.mjs DIST_A DIST_B [rounds]');
  process.exit(2);
}
const rounds = Number(roundsArg || 7);

/** start runs one build's app.wasm and resolves to its API object (raftplayWasm). */
async function start(dist) {
  // Each build's loader defines globalThis.Go; load it afresh for each build.
  const src = readFileSync(join(dist, 'wasm_exec.js'), 'utf8');
  new Function(src)();
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(readFileSync(join(dist, 'app.wasm')), go.importObject);
  go.run(instance);
  const api = globalThis.raftplayWasm;
  if (!api) throw new Error(`${dist}/app.wasm did not set raftplayWasm`);
  delete globalThis.raftplayWasm;
  return api;
}

function check(answer) {
  if (typeof answer === 'string' && answer.startsWith('{"error"')) throw new Error(answer);
  return answer;
}

const TICKS = Number(process.env.TICKS || 100_000);
const FAST = JSON.stringify({ v: 1, seed: 7, options: { clients: 2 } });
const BUSY = JSON.stringify({ v: 1, seed: 11, options: { peers: 5, clients: 3, drop: 0.02 } });

/** fastForward times runTicks(TICKS) on a fresh run, in ms. */
function fastForward(api) {
  check(api.load(FAST));
  const t0 = cpuMs();
  check(api.runTicks(TICKS));
  return cpuMs() - t0;
}

/** frames times state() and events(since) as the page calls them each frame, in µs a frame. */
function frames(api) {
  check(api.load(BUSY));
  check(api.runTicks(500)); // logs of a few hundred entries, messages in flight
  let since = api.traceLen();
  const n = 100;
  let total = 0;
  for (let i = 0; i < n; i++) {
    check(api.runTicks(1));
    const t0 = cpuMs();
    check(api.state());
    check(api.events(since, 500));
    total += cpuMs() - t0;
    since = api.traceLen();
  }
  return (total / n) * 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const apiA = await start(resolve(distA));
const apiB = await start(resolve(distB));
const res = { A: { ff: [], frame: [] }, B: { ff: [], frame: [] } };
fastForward(apiA); fastForward(apiB); frames(apiA); frames(apiB); // warm up
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [['B', apiB], ['A', apiA]] : [['A', apiA], ['B', apiB]];
  for (const [name, api] of order) res[name].ff.push(fastForward(api));
  for (const [name, api] of order) res[name].frame.push(frames(api));
}
const row = (label, key, unit) => {
  const a = median(res.A[key]);
  const b = median(res.B[key]);
  console.log(`${label.padEnd(34)} A ${a.toFixed(1).padStart(8)} ${unit}   B ${b.toFixed(1).padStart(8)} ${unit}   B/A ${(b / a).toFixed(3)}`);
  console.log(`${''.padEnd(34)} A rounds ${res.A[key].map((x) => x.toFixed(0)).join(' ')}   B rounds ${res.B[key].map((x) => x.toFixed(0)).join(' ')}`);
};
console.log(`A = ${distA}, B = ${distB}, ${rounds} interleaved rounds (medians)`);
row(`fast-forward, ${TICKS} ticks`, 'ff', 'ms');
row('state() + events() a frame', 'frame', 'µs');
process.exit(0);
