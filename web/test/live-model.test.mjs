// Unit tests of live mode's model (web/js/live-model.js) and of the live page's kv
// requests (web/js/live.js), without a browser: the Snapshot it builds from the live
// API's items, its bounds, and what a client command becomes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveModel, messageType, peerNames, KEEP_EVENTS, MAX_FLIGHT, MAX_PER_LINK, FLIGHT_MS, LOG_KEEP, RECORD_MAX, HOLD_DOWN_MS } from '../js/live-model.js';
import { kvRequest, kvOutcome, aggregate } from '../js/live.js';

/** clocked returns a model on a clock the test moves: {model, tick(ms)}. */
function clocked() {
  let t = 1000;
  const model = createLiveModel({ now: () => t });
  return { model, tick: (ms) => { t += ms; } };
}

const tail = (from, to, term = 2) => Array.from({ length: to - from + 1 }, (_, i) => ({ index: from + i, term }));

function status(id, extra = {}) {
  return { id, cluster_id: 1, role: 'follower', term: 2, leader: 1, commit_index: 6, last_applied: 6, last_index: 6,
    snapshot_index: 0, first_index: 1, log_tail: tail(1, 6), peers: [], ...extra };
}

test('the cluster and its statuses become a Snapshot the views know', () => {
  const { model } = clocked();
  model.applyCluster({ live: true, supervised: true, nodes: [
    { id: 1, up: true, status: status(1, { role: 'leader', peers: [{ id: 1, connected: true }, { id: 2, connected: true, match_index: 6, next_index: 7, mode: 'replicate' }, { id: 3, connected: false, match_index: 2, next_index: 3, mode: 'probe' }], cut_links: [3] }) },
    { id: 2, up: true, status: status(2) },
    { id: 3, up: false, status: null, error: 'connection refused' },
    { id: 0, http_url: 'http://127.0.0.1:8009', up: false, status: null, error: 'id not known yet' },
  ] });
  assert.equal(model.supervised, true);
  const snap = model.snapshot();
  assert.equal(snap.leader, 1);
  assert.deepEqual(snap.peers.map((p) => p.role), ['leader', 'follower', 'down']);
  assert.deepEqual(snap.peers[0].replication, [
    { peer: 2, match_index: 6, next_index: 7, mode: 'replicate', inflight: 0, active: true },
    { peer: 3, match_index: 2, next_index: 3, mode: 'probe', inflight: 0, active: false },
  ]);
  assert.equal(snap.peers[1].replication, undefined, 'only the leader tracks followers');
  assert.deepEqual(snap.peers[1].log.map((e) => e.index), [1, 2, 3, 4, 5, 6]);
  assert.equal(snap.peers[1].log_first, 1);
  assert.equal(snap.peers[2].error, 'connection refused');
  assert.deepEqual(snap.blocked, [{ from: 1, to: 3 }, { from: 3, to: 1 }], 'a cut is both ways');
  assert.equal(model.snapshot(), snap, 'the same snapshot while nothing changed');
  // The node of unknown id is not drawn, but named with its address and the reason.
  assert.deepEqual(model.unanswered, [{ url: 'http://127.0.0.1:8009', error: 'id not known yet' }]);
  model.applyCluster({ live: true, supervised: true, nodes: [{ id: 4, http_url: 'http://127.0.0.1:8009', up: true, status: status(4) }] });
  assert.deepEqual(model.unanswered, [], 'the next cluster answer says who is still silent');
});

test('the vote comes from the engines\' events, and a node that stops answering is down', () => {
  const { model } = clocked();
  model.applyCluster({ live: true, nodes: [{ id: 1, up: true, status: status(1) }, { id: 2, up: true, status: status(2) }] });
  model.apply('event', { id: 2, event: { kind: 'vote-granted', peer: 2, from: 1, term: 2, text: 'peer 2 granted its vote to peer 1 for term 2' } });
  model.apply('event', { id: 1, event: { kind: 'vote-granted', peer: 1, from: 2, term: 2, pre_vote: true, text: 'a pre-vote' } });
  let snap = model.snapshot();
  assert.deepEqual(snap.peers.map((p) => p.vote), [0, 1], 'a pre-vote is not a vote');
  const e = model.events.find((x) => x.kind === 'vote-granted');
  assert.equal(e.text, 'S2 granted its vote to S1 for term 2', 'peers named as drawn');
  assert.equal(e.engine, true);
  model.apply('status', { id: 2, up: true, status: status(2, { term: 3 }) });
  assert.equal(model.snapshot().peers[1].vote, 0, 'a vote of an older term is no vote now');
  model.apply('status', { id: 2, up: false, error: 'EOF' });
  snap = model.snapshot();
  assert.equal(snap.peers[1].role, 'down');
  assert.equal(snap.peers[1].term, 3, 'a down node keeps what it showed last');
  assert.match(model.events.at(-1).text, /S2 does not answer \(EOF\)/);
  assert.throws(() => model.apply('status', { id: 'x', up: false }), /node id must be a whole number from 1, got "x"/);
});

test('each node\'s log is a contiguous window of at most LOG_KEEP entries, cut at once by a truncation', () => {
  const { model } = clocked();
  model.applyCluster({ live: true, nodes: [{ id: 1, up: true, status: status(1) }] });
  model.apply('status', { id: 1, status: status(1, { last_index: 40, log_tail: tail(7, 40) }) });
  assert.deepEqual(model.snapshot().peers[0].log.map((e) => e.index), tail(1, 40).map((e) => e.index), 'the tail meets what was kept');
  model.apply('status', { id: 1, status: status(1, { last_index: 200, log_tail: tail(169, 200) }) });
  assert.deepEqual(model.snapshot().peers[0].log.map((e) => e.index), tail(169, 200).map((e) => e.index), 'a gap: only the tail');
  for (let last = 232; last <= 1000; last += 32) model.apply('status', { id: 1, status: status(1, { last_index: last, log_tail: tail(last - 31, last) }) });
  const log = model.snapshot().peers[0].log;
  assert.equal(log.length, LOG_KEEP);
  assert.equal(log.at(-1).index, 1000);
  model.apply('event', { id: 1, event: { kind: 'suffix-truncated', peer: 1, index: 998, local_index: 1000, text: 'peer 1 truncated its conflicting suffix: entries 998..1000 removed' } });
  assert.equal(model.snapshot().peers[0].log.at(-1).index, 997);
  model.remember(997, 'SET x 3');
  assert.equal(model.snapshot().peers[0].log.at(-1).command, 'SET x 3', 'the page\'s own write is labelled');
});

test('messages fly for FLIGHT_MS, at most MAX_FLIGHT at once; the rest are counted', () => {
  const { model, tick } = clocked();
  model.applyCluster({ live: true, nodes: [1, 2, 3].map((id) => ({ id, up: true, status: status(id) })) });
  for (let i = 0; i < 10; i++) model.apply('message', { id: 1, from: 1, to: 2, type: 'AppendEntries', term: 2, index: i, entries: 1 });
  assert.equal(model.snapshot().messages.length, MAX_PER_LINK, 'a few per link');
  // Many links (a cluster of 9): the cap of the whole drawing.
  for (let i = 0; i < MAX_FLIGHT + 25; i++) model.apply('message', { id: 1, from: 1 + (i % 9), to: 1 + ((i + 1 + Math.floor(i / 9)) % 9), type: 'AppendEntries', term: 2, index: i, entries: 1 });
  model.apply('sampled', { id: 1, dropped: 7 });
  let snap = model.snapshot();
  assert.equal(snap.messages.length, MAX_FLIGHT);
  assert.ok(model.sampled.page >= 25 + 10 - MAX_PER_LINK, `page-dropped ${model.sampled.page}`);
  assert.equal(model.sampled.nodes.get(1).dropped, 7);
  assert.equal(snap.messages[0].type, 'AppendEntries');
  assert.equal(snap.messages[0].deliver - snap.messages[0].sent, FLIGHT_MS);
  tick(FLIGHT_MS + 1);
  snap = model.snapshot();
  assert.equal(snap.messages.length, 0);
  assert.equal(model.inFlight(), false);
  assert.equal(messageType('app-resp'), 'AppendEntriesResp');
  assert.equal(messageType('RequestVote'), 'RequestVote');
  assert.equal(peerNames('peer 12 sent to peer 3; peers 4'), 'S12 sent to S3; peers 4');
});

test('takeTraffic counts every message item per directed link and type, drawn or not, and starts again', () => {
  const { model } = clocked();
  model.applyCluster({ live: true, nodes: [1, 2, 3].map((id) => ({ id, up: true, status: status(id) })) });
  for (let i = 0; i < 10; i++) model.apply('message', { id: 1, from: 1, to: 2, type: 'AppendEntries', term: 2, index: i, entries: 1 });
  model.apply('message', { id: 2, from: 2, to: 1, type: 'app-resp', term: 2, index: 9 });
  model.apply('message', { id: 1, from: 1, to: 2, type: 'Heartbeat', term: 2 });
  assert.ok(model.sampled.page > 0, 'some were not drawn');
  assert.deepEqual([...model.takeTraffic()], [['1-2', { AppendEntries: 10, Heartbeat: 1 }], ['2-1', { AppendEntriesResp: 1 }]]);
  assert.equal(model.takeTraffic().size, 0);
  model.apply('message', { id: 3, from: 3, to: 1, type: 'RequestVote', term: 3 });
  assert.deepEqual([...model.takeTraffic()], [['3-1', { RequestVote: 1 }]]);
});

test('the events and a recording stay bounded', () => {
  const { model } = clocked();
  model.applyCluster({ live: true, nodes: [{ id: 1, up: true, status: status(1) }] });
  model.startRecording();
  for (let i = 0; i < RECORD_MAX + 10; i++) model.apply('event', { id: 1, event: { kind: 'commit-advanced', peer: 1, index: i, text: `peer 1 advanced its commit index to ${i}` } });
  assert.equal(model.events.length, KEEP_EVENTS);
  assert.equal(model.events.at(-1).index, RECORD_MAX + 9);
  assert.equal(model.takeFresh().length, KEEP_EVENTS);
  assert.equal(model.takeFresh().length, 0);
  const r = model.recording;
  assert.equal(r.items.length, RECORD_MAX);
  assert.equal(r.full, true);
  assert.ok(r.to, 'a full recording stops');
  const trace = model.trace();
  assert.equal(trace.format, 'raftplay-live-trace');
  assert.equal(trace.recording.items.length, RECORD_MAX);
});

test('client commands become the kv proxy\'s requests, and answers a sentence', () => {
  assert.deepEqual(kvRequest('SET x 3'), { method: 'PUT', path: 'api/live/kv/x', body: '3' });
  assert.deepEqual(kvRequest('GET a/b c'), { method: 'GET', path: 'api/live/kv/a/b' });
  assert.deepEqual(kvRequest('DEL k%'), { method: 'DELETE', path: 'api/live/kv/k%25' });
  assert.deepEqual(kvRequest('CAS x 3 4'), { method: 'PUT', path: 'api/live/kv/x', body: '4', headers: { 'X-Raftplay-Expect': '3' } });
  assert.throws(() => kvRequest('NOPE x'), /not a client command/);
  assert.equal(kvOutcome('SET x 3', { ok: true, status: 200, body: { key: 'x', index: 7, found: false } }), 'SET x 3: committed and applied at index 7.');
  assert.equal(kvOutcome('GET x', { ok: true, status: 200, body: '3' }), 'GET x → "3" (a linearizable read).');
  assert.equal(kvOutcome('GET x', { ok: false, status: 404, body: { code: 'key-not-found' } }), 'GET x: the key is not set.');
  assert.equal(kvOutcome('CAS x 1 2', { ok: false, status: 409, body: { found: true, current: '3' } }), 'CAS x 1 2 refused: x holds "3".');
  assert.equal(kvOutcome('SET x 3', { ok: false, status: 503, body: { code: 'no-leader', error: 'no leader known' } }), 'SET x 3 failed: no leader known.');
});

test('the narration sums up routine events of a node and kind, and keeps the others', () => {
  const e = (seq, kind, peer, extra = {}) => ({ seq, kind, peer, text: `${kind} ${seq}`, ...extra });
  const out = aggregate([
    e(1, 'entries-appended', 2, { index: 10, local_index: 12 }),
    e(2, 'commit-advanced', 2, { index: 12 }),
    e(3, 'entries-appended', 2, { index: 13, local_index: 20 }),
    e(4, 'election-won', 1),
    e(5, 'entries-appended', 3, { index: 10, local_index: 11 }),
    e(6, 'entries-appended', 2, { index: 21, local_index: 25 }),
    e(7, 'commit-advanced', 2, { index: 25 }),
  ]);
  assert.deepEqual(out.map((x) => [x.kind, x.peer, x.text]), [
    ['entries-appended', 2, 'S2 appended entries 10..25 (3 appends)'],
    ['commit-advanced', 2, 'commit-advanced 7 (2 such events)'],
    ['election-won', 1, 'election-won 4'],
    ['entries-appended', 3, 'entries-appended 5'],
  ]);
  assert.deepEqual(aggregate([]), []);
});

test('each node\'s place in the configuration comes from its /status (§6), as the views read it', async () => {
  const { confOf, memberOf } = await import('../js/membership.js');
  const { model } = clocked();
  model.applyCluster({ live: true, nodes: [
    { id: 1, up: true, status: status(1, { role: 'leader', voters: [1, 2, 3], learners: [4], outgoing: [1, 2] }) },
    { id: 2, up: true, status: status(2, { voters: [1, 2, 3], learners: [4], outgoing: [1, 2] }) },
    { id: 3, up: true, status: status(3, { voters: [1, 2, 3], learners: [4] }) },
    { id: 4, up: true, status: status(4, { voters: [1, 2, 3], learners: [4] }) },
  ] });
  const conf = confOf(model.snapshot());
  assert.deepEqual([1, 2, 3, 4].map((id) => memberOf(conf, id)), ['voter', 'voter', 'joining', 'learner']);
  assert.equal(conf.joint, true);
});

test('a crash the server answered is drawn at once; statuses of before the kill are held off', () => {
  const { model, tick } = clocked();
  model.applyCluster({ live: true, supervised: true, nodes: [1, 2, 3].map((id) => ({ id, up: true, status: status(id) })) });
  model.crashed(3);
  assert.equal(model.snapshot().peers[2].role, 'down');
  // A status taken before the kill still says up: held off.
  model.apply('status', { id: 3, up: true, status: status(3) });
  assert.equal(model.snapshot().peers[2].role, 'down');
  // The server's own report agrees, and no second "does not answer" line is narrated.
  model.apply('status', { id: 3, up: false, error: 'connect: connection refused' });
  assert.equal(model.snapshot().peers[2].role, 'down');
  assert.equal(model.events.filter((e) => e.kind === 'network').length, 0);
  // Then the node answers again (started again): drawn up.
  model.apply('status', { id: 3, up: true, status: status(3) });
  assert.equal(model.snapshot().peers[2].role, 'follower');
  // The hold ends on a restart from the page, or after HOLD_DOWN_MS at the latest.
  model.crashed(2);
  model.restarting(2);
  model.apply('status', { id: 2, up: true, status: status(2) });
  assert.equal(model.snapshot().peers[1].role, 'follower');
  model.crashed(1);
  tick(HOLD_DOWN_MS - 1);
  model.apply('status', { id: 1, up: true, status: status(1) });
  assert.equal(model.snapshot().peers[0].role, 'down');
  tick(1);
  model.apply('status', { id: 1, up: true, status: status(1) });
  assert.equal(model.snapshot().peers[0].role, 'follower');
});
