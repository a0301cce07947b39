// node --test of the narration's reordering notes (web/js/reorder.js) on real traces of
// the built simulator (dist/), and of the cut-link sentences (web/js/sentences.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createReorderTracker } from '../js/reorder.js';
import { LINK_CUT, cutSentence, groupOfEvent, sentence } from '../js/sentences.js';
import { DROP_CAUSES } from '../js/vocab.gen.js';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
if (!existsSync(dist + 'app.wasm')) throw new Error(`${dist}app.wasm is missing: run \`make dist\` first`);
globalThis.window = globalThis.window ?? {};
const { loadRaftplay } = await import(new URL('../../dist/js/bridge.js', import.meta.url).href);

/** notes runs the tracker over a trace and returns {seq: note} of the events it annotated. */
function notes(events) {
  const tracker = createReorderTracker();
  const out = new Map();
  for (const e of events) {
    const n = tracker.note(e);
    if (n) out.set(e.seq, { e, n });
  }
  return out;
}

test('a rejection caused by an empty AppendEntries overtaking the one with the entry is named (seed 1, SET x 3 at 180 ms)', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 1 });
  rp.runUntil(180);
  rp.act({ type: 'client', peer: rp.state().leader, cmd: 'SET x 3' });
  rp.runUntil(240);
  const events = rp.events(0);
  const got = [...notes(events).values()];
  const rejected = events.filter((e) => e.kind === 'append-rejected');
  const backoffs = events.filter((e) => e.kind === 'next-index-backoff');
  assert.ok(rejected.length >= 1, 'the trace has rejections');
  assert.deepEqual(got.filter((x) => x.e.kind === 'append-rejected').map((x) => x.e.seq), rejected.map((e) => e.seq), 'every rejection is explained');
  assert.deepEqual(got.filter((x) => x.e.kind === 'next-index-backoff').map((x) => x.e.seq), backoffs.map((e) => e.seq), 'and its back-off');
  for (const { e, n } of got) {
    if (e.kind === 'append-rejected') assert.match(n, /reordered .* message \d+ \(AppendEntries, sent at \d+ ms\) overtook message \d+ \(AppendEntries with entry 2/);
  }
});

test('a rejection of a log that really conflicts gets no reordering note (the conflict scenario)', async () => {
  const rp = await loadRaftplay();
  rp.load({
    v: 1, seed: 1,
    start: { peers: { 1: { term: 3, vote: 1, commit: 2, log: [1, 1, 3] }, 2: { term: 3, vote: 1, commit: 2, log: [1, 1, 3] }, 3: { term: 2, vote: 3, commit: 2, log: [1, 1, 2, 2] } } },
    actions: [{ at: 0, type: 'timeout', peer: 1 }],
  });
  rp.runUntil(400);
  const events = rp.events(0);
  assert.ok(events.some((e) => e.kind === 'append-rejected'));
  assert.deepEqual([...notes(events).values()].map((x) => x.n), []);
});

test('cut links: drops have a group of their own and a counted sentence; a cut is phrased', () => {
  assert.ok(DROP_CAUSES.includes(LINK_CUT), 'the page names a cause the simulator gives');
  const drop = { kind: 'drop', from: 1, to: 3, cause: 'link-cut', text: 'dropped message 52 (1->3 Heartbeat t1): the link is cut' };
  assert.equal(groupOfEvent(drop), 'links');
  assert.equal(groupOfEvent({ kind: 'drop', cause: 'action', text: 'dropped message 9 (1->2 Heartbeat t1): dropped by an action' }), 'faults');
  assert.equal(groupOfEvent({ kind: 'drop', text: 'the link is cut' }), 'faults', 'the sentence is never parsed: only the cause counts');
  assert.equal(cutSentence(1, 3, 14, 311, 571), 'Link S1→S3 cut: 14 messages dropped (from 311 to 571 ms).');
  assert.equal(cutSentence(2, 1, 1, 40, 40), 'Link S2→S1 cut: 1 message dropped (at 40 ms).');
  assert.equal(sentence({ kind: 'block', from: 1, to: 3, text: 'block 1 -> 3' }), "The link from S1 to S3 is cut: S1's messages to S3 are lost until it is healed.");
  assert.equal(sentence({ kind: 'partition', groups: [[1], [2, 3]], text: 'partition [1] | [2 3]' }), 'The network is cut into parts (S1 | S2, S3): messages between parts are lost.');
});

test('a real trace gives the sides of a partition and the cause of each drop as fields', async () => {
  const rp = await loadRaftplay();
  rp.load({ v: 1, seed: 1 });
  rp.runUntil(300);
  rp.act({ type: 'partition', groups: [[3, 1], [2]] });
  rp.runUntil(400);
  const events = rp.events(0);
  const part = events.find((e) => e.kind === 'partition');
  assert.deepEqual(part.groups, [[1, 3], [2]]);
  assert.equal(sentence(part), 'The network is cut into parts (S1, S3 | S2): messages between parts are lost.');
  const cut = events.filter((e) => e.kind === 'drop' && (e.from === 2) !== (e.to === 2));
  assert.ok(cut.length > 0, 'messages across the cut are dropped');
  for (const e of cut) assert.equal(groupOfEvent(e), 'links', e.text);
});
