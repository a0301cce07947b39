// Live mode's narration of a restarted node's recovery on disk (web/js/live-model.js):
// the store's report in the node's /status `storage` is told once per start of the
// process, with the torn tail it cut when there was one (lesson 13's last step).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveModel } from '../js/live-model.js';

function status(id, storage) {
  return { id, cluster_id: 1, role: 'follower', term: 2, leader: 1, commit_index: 6, last_applied: 6, last_index: 6,
    snapshot_index: 0, first_index: 1, log_tail: [], peers: [], ...(storage ? { storage } : {}) };
}

const torn = {
  opened: '2026-12-07T00:10:00.123456789Z',
  summary: 'replayed 40 records of d/log-0000000000000001: last index 39, term 2, vote 1, commit 38; cut a torn tail of 97 bytes at offset 4096 (record frame cut short: 97 of 102 bytes)',
  torn_tail: { offset: 4096, bytes: 97, reason: 'record frame cut short: 97 of 102 bytes' },
};

test('a node that comes up after cutting a torn tail says so, once per start', () => {
  const model = createLiveModel({ now: () => 1000 });
  model.applyCluster({ live: true, nodes: [{ id: 3, up: true, status: status(3, torn) }] });
  const told = () => model.events.filter((e) => e.kind === 'storage-opened');
  assert.equal(told().length, 1);
  const e = told()[0];
  assert.equal(e.peer, 3);
  assert.equal(e.torn_tail, true);
  assert.match(e.text, /^S3 opened its storage: replayed 40 records/);
  assert.match(e.text, /cut a torn tail of 97 bytes at offset 4096/, "the store's own words");
  assert.match(e.text, /never synced, so nothing acknowledged was in it/);
  model.apply('status', { id: 3, up: true, status: status(3, torn) });
  model.apply('status', { id: 3, up: false, error: 'EOF' });
  model.apply('status', { id: 3, up: true, status: status(3, torn) });
  assert.equal(told().length, 1, 'the same process: its recovery is told once, however often it is seen');
  model.apply('status', { id: 3, up: true, status: status(3, { opened: '2026-12-07T00:11:00Z', summary: 'replayed 41 records of d/log-0000000000000001: last index 40' }) });
  assert.equal(told().length, 2, 'a new start of the process is told again');
  assert.equal(told()[1].torn_tail, false);
  assert.doesNotMatch(told()[1].text, /torn/);
});

test('a node without a storage report (a memory store) adds no narration', () => {
  const model = createLiveModel({ now: () => 1000 });
  model.applyCluster({ live: true, nodes: [{ id: 1, up: true, status: status(1) }] });
  assert.equal(model.events.filter((e) => e.kind === 'storage-opened').length, 0);
});
