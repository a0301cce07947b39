// The membership kinds of §6 on the page (issue 14): each lands in a narration group
// other than "Problems", its sentence cites its rule, and the configuration model of
// membership.js says voter, learner, leaving, joining and none as the DOM contract
// spells them, and what a pending entry waits for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_KINDS } from '../js/vocab.gen.js';
import { groupOf, sentence } from '../js/sentences.js';
import { confOf, memberOf, blockers } from '../js/membership.js';
import { waitingFor, removeBlocked, promoteBlocked, addBlocked, confLines, names } from '../js/membership-controls.js';

const MEMBERSHIP = ['conf-proposed', 'joint-entered', 'joint-left', 'conf-switched', 'learner-added', 'learner-promoted',
  'voter-added', 'member-removed', 'removed-step-down', 'conf-rolled-back'];

test('no membership kind lands under Problems, and each sentence cites its rule', () => {
  const rules = Object.fromEntries(ENGINE_KINDS.map((k) => [k.name, k.rule]));
  for (const kind of [...MEMBERSHIP, 'conf-change']) {
    assert.notEqual(groupOf(kind), 'problems', kind);
  }
  for (const kind of MEMBERSHIP) {
    assert.ok(rules[kind], `${kind} is an engine kind`);
    assert.ok(sentence({ kind, engine: true, text: 'S1 did it' }).includes(`(${rules[kind]})`), kind);
  }
});

/** peer makes a PeerState with a configuration. */
function peer(id, role, conf = {}) {
  return { id, role, last_index: 0, voters: [1, 2, 3], ...conf };
}

test('loading membership-controls.js puts its rules into the blockers the cards and the peer menu use', () => {
  assert.equal(blockers.promote, promoteBlocked, 'loading membership-controls.js puts its rules in');
  assert.equal(blockers.remove, removeBlocked);
});

test('a joint configuration: voters, learners, leaving, joining and none, and what the entry waits for', () => {
  const joint = { voters: [1, 2, 4], outgoing: [1, 2, 3], learners: [5], conf_index: 7, conf_committed: false, voters_match: 6, outgoing_match: 7 };
  const snap = { leader: 1, peers: [peer(1, 'leader', joint), peer(2, 'follower'), peer(3, 'follower'), peer(4, 'follower'), peer(5, 'follower'), peer(6, 'follower', { voters: [] })] };
  const conf = confOf(snap);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((id) => memberOf(conf, id)), ['voter', 'voter', 'leaving', 'joining', 'learner', 'none']);
  assert.deepEqual(confLines(conf), ['── C_new S1 S2 S4 (2 needed)', '┄ C_old S1–S3 (2 needed)', 'Learner S5']);
  assert.equal(waitingFor(conf), 'Entry 7 waits for C_new ✗ (at 6), C_old ✓');
  assert.match(removeBlocked(conf, 2), /in progress/);
  assert.match(promoteBlocked(conf, 5), /in progress/);
  assert.match(promoteBlocked(conf, 2), /not a learner/);
  assert.match(addBlocked(snap, conf), /in progress/);
});

test('a settled configuration: changes are allowed, with the reasons when not', () => {
  const settled = { voters: [1, 2, 3], learners: [4], conf_index: 5, conf_committed: true };
  const snap = { leader: 2, peers: [peer(1, 'follower'), peer(2, 'leader', settled), peer(3, 'follower'), peer(4, 'follower')] };
  const conf = confOf(snap);
  assert.equal(waitingFor(conf), '');
  assert.equal(promoteBlocked(conf, 4), '');
  assert.equal(removeBlocked(conf, 2), '', 'the leader can be removed (it steps down once C_new commits)');
  assert.match(addBlocked({ ...snap, peers: [...snap.peers, peer(5, 'f'), peer(6, 'f'), peer(7, 'f')] }, conf), /7 servers is the most/);
  assert.equal(addBlocked(snap, conf), '');
  // No leader: the configuration of the latest entry among the servers up, and nobody to propose.
  const leaderless = { leader: 0, peers: [peer(1, 'follower', { conf_index: 5, ...settled }), peer(2, 'down', { voters: [9] }), peer(3, 'follower')] };
  const c = confOf(leaderless);
  assert.deepEqual(c.voters, [1, 2, 3]);
  assert.match(removeBlocked(c, 1), /No leader/);
  assert.equal(memberOf(confOf({ leader: 0, peers: [] }), 1), 'none');
});

test('server lists shorten runs of three or more', () => {
  assert.equal(names([1, 2, 3, 4, 5]), 'S1–S5');
  assert.equal(names([1, 2, 4, 5, 6, 7]), 'S1 S2 S4–S7');
  assert.equal(names([3]), 'S3');
  assert.equal(names([]), '');
});
