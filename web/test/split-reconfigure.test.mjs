// node --test: what the network panel's split (#net-split) and the form that changes
// the voters (#conf-change) send to the simulator, and what they refuse. The browser
// test e2e/lesson-membership.test.mjs clicks them through lesson 20.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitGroups } from '../js/network-controls.js';
import { reconfigureAction, reconfigureBlocked } from '../js/membership-controls.js';
import { NO_LEADER } from '../js/membership.js';

test('splitGroups: the servers ticked on one side, every other server on the other', () => {
  assert.deepEqual(splitGroups([1, 2], 5), [[1, 2], [3, 4, 5]]);
  assert.deepEqual(splitGroups([3], 3), [[3], [1, 2]]);
  assert.deepEqual(splitGroups([2, 4], 4), [[2, 4], [1, 3]]);
  assert.match(splitGroups([], 5), /Tick the servers of one side/);
  assert.match(splitGroups([1, 2, 3], 3), /at least one server on the other/);
});

test('reconfigureAction: the voters ticked; learners left unticked stay learners, voters left unticked leave', () => {
  const conf = { voters: [1, 2, 3], learners: [4, 5], outgoing: [], joint: false, committed: true, lead: 3 };
  assert.deepEqual(reconfigureAction(conf, [1, 2, 3, 4, 5]), { type: 'reconfigure', voters: [1, 2, 3, 4, 5] });
  assert.deepEqual(reconfigureAction(conf, [5, 1, 2, 3]), { type: 'reconfigure', voters: [1, 2, 3, 5], learners: [4] });
  assert.deepEqual(reconfigureAction(conf, [2, 3, 4]), { type: 'reconfigure', voters: [2, 3, 4], learners: [5] }, 'S1 leaves');
  assert.match(reconfigureAction(conf, []), /at least one voter/);
  assert.match(reconfigureAction(conf, [3, 1, 2]), /Those are the voters now/);
});

test('reconfigureBlocked: a leader proposes, one change at a time', () => {
  const conf = { voters: [1, 2, 3], learners: [], outgoing: [], joint: false, committed: true, lead: 1 };
  assert.equal(reconfigureBlocked(conf), '');
  assert.equal(reconfigureBlocked({ ...conf, lead: 0 }), NO_LEADER);
  assert.match(reconfigureBlocked({ ...conf, committed: false }), /in progress: one at a time \(§6\)/);
  assert.match(reconfigureBlocked({ ...conf, joint: true, outgoing: [1, 2] }), /in progress/);
});
