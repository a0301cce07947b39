// node --test of the JavaScript API (web/js/bridge.js) against the built simulator:
// dist/js/bridge.js, dist/app.wasm and dist/wasm_exec.js, as `make dist` leaves them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
for (const name of ['js/bridge.js', 'app.wasm', 'wasm_exec.js']) {
  if (!existsSync(dist + name)) throw new Error(`${dist}${name} is missing: run \`make dist\` first`);
}
// The page sets window.raftplay; give the bridge a window to set it on.
globalThis.window = globalThis.window ?? {};
const { loadRaftplay, Raftplay } = await import(new URL('../../dist/js/bridge.js', import.meta.url).href);

test('a missing wasm file is a clear error, and a later load still works', async () => {
  await assert.rejects(loadRaftplay({ wasmURL: dist + 'missing.wasm' }), /missing\.wasm/);
  const rp = await loadRaftplay();
  assert.ok(rp instanceof Raftplay);
  assert.equal(await loadRaftplay(), rp, 'loaded once');
  assert.equal(window.raftplay, rp);
  assert.match(rp.version(), /^raftplay .* \(go1\.\d+.* js\/wasm\)$/);
});

/** Runs until a leader is known, at most maxTicks ticks; returns its id or 0. */
function waitLeader(rp, maxTicks) {
  for (let i = 0; i < maxTicks; i++) {
    const leader = rp.state().leader;
    if (leader) return leader;
    rp.runTicks(1);
  }
  return rp.state().leader;
}

test('elect, crash the leader, elect again, commit a command on all three', async () => {
  const rp = await loadRaftplay();
  assert.deepEqual(rp.load({ v: 1, seed: 42 }), { ok: true, time: 0, steps: 0 });
  const first = waitLeader(rp, 100);
  assert.ok(first, 'a leader within 100 ticks');
  const snap = rp.state();
  assert.equal(snap.peers.length, 3);
  assert.equal(snap.peers.find((p) => p.id === first).role, 'leader');

  const pos = rp.act({ type: 'crash', peer: first });
  assert.equal(pos.ok, true);
  assert.equal(rp.state().peers.find((p) => p.id === first).role, 'down');
  const second = waitLeader(rp, 100);
  assert.ok(second && second !== first, `a new leader (had ${first}, now ${second})`);

  rp.act(JSON.stringify({ type: 'restart', peer: first }));
  rp.act({ type: 'client', peer: second, cmd: 'SET x 1' });
  rp.runTicks(50);
  for (const p of rp.state().peers) {
    assert.deepEqual(p.kv, { x: '1' }, `peer ${p.id} applied SET x 1`);
    assert.equal(p.commit_index, p.last_index, `peer ${p.id} committed its whole log`);
    assert.ok(p.log.some((e) => e.command === 'SET x 1'), `peer ${p.id} holds the entry`);
  }
  const sc = rp.scenario();
  assert.deepEqual(sc.actions.map((a) => a.type), ['crash', 'restart', 'client']);
  assert.equal(JSON.parse(rp.scenarioJSON()).seed, 42);
});

test('events since a point', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 5 });
  rp.runTicks(30);
  const all = rp.events(0);
  assert.ok(all.length > 10);
  all.forEach((e, i) => assert.equal(e.seq, i));
  assert.equal(rp.traceLen(), all.length);
  assert.deepEqual(rp.events(7), all.slice(7));
  assert.deepEqual(rp.events(7, 2), all.slice(7, 9));
  assert.deepEqual(rp.events(all.length), []);
  assert.ok(all.some((e) => e.kind === 'election-won' && e.engine && typeof e.text === 'string'));
  const before = rp.traceLen();
  assert.equal(rp.step(5), 5);
  assert.ok(rp.events(before).every((e) => e.seq >= before));
});

test('a share fragment reproduces the run', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 9, options: { clients: 2 } });
  rp.runTicks(60);
  rp.act({ type: 'partition', groups: [[1], [2, 3]] });
  rp.runTicks(60);
  rp.act({ type: 'heal' });
  rp.runTicks(30);
  const fragment = rp.shareFragment();
  assert.match(fragment, /^s=1\.[A-Za-z0-9_-]+$/);
  const want = JSON.stringify(rp.state());
  const time = rp.now();

  rp.load({ v: 1, seed: 1 });
  rp.loadShare('#' + fragment);
  assert.equal(rp.now(), 0);
  rp.runUntil(time);
  assert.equal(JSON.stringify(rp.state()), want);
  assert.equal(rp.shareFragment(), fragment);
});

test('rewinding back and forth gives identical states', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 17, options: { clients: 2 } });
  const marks = [];
  for (let i = 0; i < 12; i++) {
    if (i % 3 === 2) {
      rp.step(700);
      rp.act({ type: 'timeout', peer: 1 + (i % 3) });
      marks.push({ steps: rp.steps(), state: JSON.stringify(rp.state()) });
    } else {
      rp.runTicks(150 + 40 * i);
      marks.push({ time: rp.now(), state: JSON.stringify(rp.state()) });
    }
  }
  const order = [5, 0, 11, 3, 3, 8, 1, 10, 2, 7, 4, 9, 6, 11, 0];
  for (const i of order) {
    const m = marks[i];
    const pos = m.time !== undefined ? rp.rewindTo(m.time) : rp.rewindSteps(m.steps);
    assert.equal(pos.ok, true);
    assert.equal(typeof pos.replayed, 'number');
    assert.equal(JSON.stringify(rp.state()), m.state, `mark ${i}`);
  }
  const last = JSON.parse(marks[11].state);
  assert.deepEqual(rp.timeline().end_steps, last.steps);
  assert.deepEqual(rp.timeline().end_time, last.time);
});

test('acting after a rewind forks the run', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 31 });
  rp.runTicks(100);
  rp.act({ type: 'timeout', peer: 1 });
  rp.runTicks(100);
  rp.act({ type: 'timeout', peer: 2 });
  rp.runTicks(100);
  rp.rewindTo(1500);
  assert.equal(rp.scenario().actions.length, 2, 'the recorded future is kept until an action');
  rp.act({ type: 'block', from: 1, to: 2 });
  assert.deepEqual(rp.scenario().actions.map((a) => [a.type, a.at]), [['timeout', 1000], ['block', 1500]]);
  assert.equal(rp.timeline().end_time, 1500);
  assert.throws(() => rp.rewindTo(2000), /rewindTo: time 2000 ms is outside this run, which has reached 1500 ms/);
});

test('errors are thrown with clear messages', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 1 });
  rp.runTicks(20);
  const cases = [
    [() => rp.load('{"v":1,'), /^load: sim: scenario: invalid JSON/],
    [() => rp.load({ v: 2, seed: 1 }), /^load: sim: scenario: unsupported version 2 \(this build reads version 1\)$/],
    [() => rp.load({ v: 1, seed: 1, bogus: true }), /unknown field "bogus"/],
    [() => rp.loadShare('#s=9.abc'), /^loadShare: sim: scenario: share link: unknown encoding version "9"/],
    [() => rp.act({ type: 'crash', peer: 7 }), /^act: sim: act \(crash\): peer 7 is not in the cluster \(peers are 1\.\.3\)$/],
    [() => rp.act('{"type":'), /^act: invalid action JSON/],
    [() => rp.act({ type: 'explode' }), /unknown type "explode"/],
    [() => rp.step('3'), /^step: argument 1 \(n\): want a number, got a string$/],
    [() => rp.step(-1), /want a whole number in \[0, 2\^53\), got -1/],
    [() => rp.runTicks({}), /^runTicks: argument 1 \(n\): want a number, got a value of type object$/],
    [() => rp.runUntil(0), /^runUntil: time 0 ms is before now \(200 ms\); use rewindTo to go back$/],
    [() => rp.rewindSteps(1e9), /^rewindSteps: step 1000000000 is outside this run/],
  ];
  const before = JSON.stringify(rp.state());
  for (const [fn, want] of cases) {
    assert.throws(fn, (err) => {
      assert.equal(err.name, 'RaftplayError');
      assert.match(err.message, want);
      return true;
    });
  }
  assert.equal(JSON.stringify(rp.state()), before, 'failed calls change nothing');
});

test('fast-forward and rewind are fast', async (t) => {
  // CPU time of this process, in ms: unlike the wall clock it does not count the time
  // other programs take the CPU from us, so a busy machine does not fail the test.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 1 });
  let wall = performance.now();
  let start = cpu();
  rp.runTicks(100_000);
  const ff = cpu() - start;
  const ffWall = performance.now() - wall;
  const end = rp.now();

  let worst = 0;
  let total = 0;
  const targets = [0, end / 2, 1234, end - 1, end / 3, 5, end, end / 7, 99_999, end / 1.5];
  for (const target of targets) {
    start = cpu();
    rp.rewindTo(Math.round(target));
    const took = cpu() - start;
    worst = Math.max(worst, took);
    total += took;
  }
  start = cpu();
  for (let i = 0; i < 20; i++) rp.rewindSteps(rp.steps() - 1);
  const stepBack = (cpu() - start) / 20;
  t.diagnostic(`CPU time: fast-forward 100,000 ticks ${ff.toFixed(0)} ms (wall ${ffWall.toFixed(0)} ms); ` +
    `rewind worst ${worst.toFixed(1)} ms, mean ${(total / targets.length).toFixed(1)} ms; ` +
    `step back ${stepBack.toFixed(1)} ms; ${JSON.stringify(rp.timeline())}`);
  // Generous bounds: a regression by an order of magnitude fails, a slow machine does not.
  assert.ok(ff < 5000, `fast-forward took ${ff} ms of CPU`);
  assert.ok(worst < 500, `a rewind took ${worst} ms of CPU`);
});
