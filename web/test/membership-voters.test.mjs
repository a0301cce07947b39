// node --test: when the form that changes the voters (#conf-change) shows. The browser
// test e2e/membership-voters.test.mjs clicks it with no learner in the configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changePossible } from '../js/membership-controls.js';

const peers = (n) => ({ peers: Array.from({ length: n }, (_, i) => ({ id: i + 1 })) });
const conf = (voters, learners = []) => ({ voters, learners, outgoing: [], joint: false, committed: true, lead: voters[0] });

test('changePossible: fewer voters, or a server that is no voter, can be asked for', () => {
  assert.equal(changePossible(peers(3), conf([1, 2, 3])), true, 'every server a voter: the voters can shrink');
  assert.equal(changePossible(peers(5), conf([1, 2, 3, 4, 5])), true, 'two of five may leave at once');
  assert.equal(changePossible(peers(2), conf([1])), true, 'a spare server may join');
  assert.equal(changePossible(peers(2), conf([1], [2])), true, 'a learner may be made a voter');
  assert.equal(changePossible(peers(1), conf([1])), false, 'one server, the only voter: no other voters to ask for');
});
