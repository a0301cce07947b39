// Starts `raftplay cluster --web` for the live page's real-process test (live.test.mjs)
// and the live performance script (scripts/live-perf.mjs): three node processes on free
// ports in a fresh data directory, and the page served in live mode.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

/** The raftplay binary (RAFTPLAY_BIN overrides it). */
export const BIN = process.env.RAFTPLAY_BIN || join(ROOT, 'bin', 'raftplay');

/** portFree reports whether 127.0.0.1:port can be listened on now. */
function portFree(port) {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '127.0.0.1', () => s.close(() => done(true)));
  });
}

/**
 * freeRun finds n consecutive free ports (cluster takes fixed ports: a base and the
 * next ones), avoiding the ones in `taken`.
 */
async function freeRun(n, taken = []) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 40000);
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if (ports.some((p) => taken.includes(p))) continue;
    let ok = true;
    for (const p of ports) ok = ok && await portFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports found`);
}

/**
 * startCluster runs `raftplay cluster --web 127.0.0.1:PORT` on free ports in a fresh
 * data directory and resolves, once it prints the page's address, to {url, httpURLs,
 * tokenFile, output(), stop()}.
 */
export async function startCluster() {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run "make build" first`);
  if (!existsSync(join(ROOT, 'dist', 'index.html'))) throw new Error('dist/ is missing: run "make dist" first');
  const web = await freeRun(1);
  const base = await freeRun(3, [web]);
  const httpBase = await freeRun(3, [web, base, base + 1, base + 2]);
  const dir = mkdtempSync(join(tmpdir(), 'raftplay-live-'));
  const data = join(dir, 'cluster');
  const child = spawn(BIN, ['cluster', '--web', `127.0.0.1:${web}`, '--dist', join(ROOT, 'dist'), '--base-port', String(base),
    '--http-base-port', String(httpBase), '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = () => new Promise((done) => {
    const finish = () => {
      rmSync(dir, { recursive: true, force: true });
      done();
    };
    if (child.exitCode !== null || child.signalCode !== null) return finish();
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(kill);
      finish();
    });
    child.kill('SIGTERM');
    return undefined;
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`raftplay cluster --web printed no page address within 30 s:\n${output}`)), 30_000);
    function fail(err) {
      clearTimeout(timer);
      stop().then(() => reject(err));
    }
    const onData = (chunk) => {
      output += chunk;
      const m = new RegExp(`http://127\\.0\\.0\\.1:${web}/\\?live`).exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`raftplay cluster --web exited with ${code}:\n${output}`)));
  });
  const httpURLs = [0, 1, 2].map((i) => `http://127.0.0.1:${httpBase + i}`);
  return { url, httpURLs, tokenFile: join(data, 'token'), output: () => output, stop };
}
