// node --test of the bridge's membership calls (issue 14) against the built simulator
// (dist/, as `make dist` leaves it): addServer grows a run of three into four and the
// new server joins as a learner, promote goes through the joint configuration, remove
// takes the leader out, and a refusal says why and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
for (const name of ['js/bridge.js', 'app.wasm', 'wasm_exec.js']) {
  if (!existsSync(dist + name)) throw new Error(`${dist}${name} is missing: run \`make dist\` first`);
}
globalThis.window = globalThis.window ?? {};
const { loadRaftplay } = await import(new URL('../../dist/js/bridge.js', import.meta.url).href);

/** settle runs until a leader whose configuration is committed, at most n ticks. */
function settle(rp, n = 300) {
  for (let i = 0; i < n; i++) {
    const s = rp.state();
    const l = s.leader && s.peers[s.leader - 1];
    if (l && l.commit_index > 0 && (!l.conf_index || l.conf_committed) && !(l.outgoing || []).length) return s;
    rp.runTicks(1);
  }
  throw new Error('no settled leader');
}

test('addServer grows the run, the learner is promoted, and the share link replays it', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 11 });
  assert.throws(() => rp.addServer(), /addServer: no leader is up/);
  assert.equal(rp.state().peers.length, 3, 'a refusal grows nothing');
  settle(rp);
  const added = rp.addServer();
  assert.equal(added.peer, 4);
  assert.equal(added.grown, true);
  let s = rp.state();
  assert.equal(s.peers.length, 4);
  assert.deepEqual(s.peers[s.leader - 1].learners, [4]);
  settle(rp);
  rp.act({ type: 'promote', peer: 4 });
  assert.deepEqual(rp.state().peers[rp.state().leader - 1].outgoing, [1, 2, 3], 'C_old,new first (§6)');
  s = settle(rp);
  assert.deepEqual(s.peers[s.leader - 1].voters, [1, 2, 3, 4]);
  const sc = rp.scenario();
  assert.equal(sc.options.peers, 4);
  assert.equal(sc.options.voters, 3);
  assert.deepEqual(sc.actions.map((a) => `${a.type} ${a.peer}`), ['add-learner 4', 'promote 4']);

  const frag = rp.shareFragment();
  const time = s.time;
  const before = JSON.stringify(rp.state());
  rp.loadShare(frag);
  rp.runUntil(time);
  assert.equal(JSON.stringify(rp.state()), before, 'the share link replays the grown run');
});

test('remove the leader through act: another voter leads, the removed one stays drawn', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 4, options: { peers: 5 } });
  const old = settle(rp).leader;
  rp.act({ type: 'remove', peer: old });
  assert.throws(() => rp.act({ type: 'remove', peer: old === 1 ? 2 : 1 }), /in progress/);
  rp.runTicks(200);
  const s = settle(rp);
  assert.notEqual(s.leader, old);
  assert.equal(s.peers.length, 5);
  assert.equal(s.peers[s.leader - 1].voters.includes(old), false);
});
