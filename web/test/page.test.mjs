// Unit tests of the page's pure modules (no browser, no simulator): share links and
// trace files, sentences, labels, commands and speeds. The browser tests are in e2e/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHash, readTrace, compareEvents, TRACE_FORMAT } from '../js/share.js';
import { sentence, groupOf, involves } from '../js/sentences.js';
import { messageLabel, shortCommand, termClass, roleOf } from '../js/labels.js';
import { parseCommand } from '../js/client-form.js';
import { formatSpeed } from '../js/controls.js';
import { linkState } from '../js/render-links.js';
import { ruleSentence } from '../js/truncation.js';

test('parseHash splits a share fragment and its time', () => {
  const cases = [
    ['#s=1.abc&t=1200', { fragment: 's=1.abc', time: 1200 }],
    ['s=1.abc', { fragment: 's=1.abc', time: null }],
    ['#s=1.abc&t=12x', { fragment: 's=1.abc', time: null }],
    ['#s=1.abc&x=1&t=5', { fragment: 's=1.abc', time: 5 }],
    ['#other', null],
    ['', null],
  ];
  for (const [hash, want] of cases) assert.deepEqual(parseHash(hash), want, hash);
});

test('readTrace reads a trace file or a bare scenario and names what is wrong', () => {
  const scenario = { v: 1, seed: 3, actions: [] };
  assert.deepEqual(readTrace(JSON.stringify(scenario)), { scenario, time: null, events: [] });
  const file = { format: TRACE_FORMAT, version: 1, scenario, time: 40, events: [{ seq: 0 }] };
  assert.deepEqual(readTrace(JSON.stringify(file)), { scenario, time: 40, events: [{ seq: 0 }] });
  assert.equal(readTrace(JSON.stringify({ ...file, time: -1 })).time, null);
  const bad = [
    ['{', /not JSON/],
    ['[1,2]', /expected a JSON object/],
    ['null', /expected a JSON object/],
    ['{"format":"raftplay-trace"}', /no "scenario" object/],
    ['{"hello":1}', /neither a raftplay trace nor a scenario/],
  ];
  for (const [text, err] of bad) assert.throws(() => readTrace(text), err, text);
});

test('compareEvents matches by seq and reports the first difference', () => {
  const a = [{ seq: 1, kind: 'send', time: 3, text: 'x' }, { seq: 2, kind: 'deliver', time: 5, text: 'y' }];
  assert.deepEqual(compareEvents(a, a), { checked: 2, mismatch: -1 });
  assert.deepEqual(compareEvents(a, [a[0], { ...a[1], time: 6 }]), { checked: 2, mismatch: 2 });
  assert.deepEqual(compareEvents(a, [a[1]]), { checked: 1, mismatch: -1 });
});

test('sentences keep the names the simulator wrote and cite the rule', () => {
  assert.equal(sentence({ kind: 'vote-refused', reason: 'log-behind', text: 'S2 refused its vote to S3 in term 4: behind' }),
    'S2 refused its vote to S3 in term 4: behind (§5.4.1: election restriction).');
  assert.equal(sentence({ kind: 'client-request', text: 'client 1 sends SET x 1 to S2 (try 1)' }), 'Client 1 sends SET x 1 to S2 (try 1).',
    'a kind of the simulator cites no rule');
  assert.equal(sentence({ kind: 'crash', peer: 3, text: 'crash peer 3' }), 'S3 crashed: it stops, and whatever it had not synced to disk is lost.');
  assert.match(sentence({ kind: 'suffix-truncated', text: 'S3 truncated its conflicting suffix: entries 3..4 removed' }), /§5\.3/);
  assert.equal(groupOf('send'), 'messages');
  assert.equal(groupOf('suffix-truncated'), 'replication');
  assert.equal(groupOf('something-new'), 'problems');
  assert.ok(involves({ from: 2, to: 3 }, 3));
  assert.ok(!involves({ peer: 1 }, 3));
});

test('the truncation sentence names the rule, the peer, the indices and the terms', () => {
  const text = ruleSentence({ peer: 3, index: 3, local_index: 4 }, [{ index: 3, term: 2 }, { index: 4, term: 2 }], 1);
  assert.match(text, /^§5\.3/);
  assert.match(text, /S3's entries 3\.\.4 \(terms 2, 2\)/);
  assert.match(text, /leader S1/);
});

test('labels: messages, commands, terms and roles', () => {
  assert.equal(messageLabel({ type: 'AppendEntries', entries: 3 }), 'AppendEntries ×3');
  assert.equal(messageLabel({ type: 'RequestVoteResp', reject: true }), 'Vote reply ✕ refused');
  assert.equal(messageLabel({ type: 'PreVoteResp' }), 'PreVote reply ✓ granted');
  assert.equal(messageLabel({ type: 'AppendEntriesResp', reject: true }), 'Append reply ✕ refused');
  assert.equal(shortCommand('SET x 3'), 'x=3');
  assert.equal(shortCommand('CAS x 1 2'), 'x:1→2');
  assert.equal(shortCommand('no-op'), 'no-op');
  assert.equal(termClass(9), 'term-1');
  assert.equal(roleOf('leader').label, 'Leader');
  assert.equal(roleOf('down').symbol, '✕');
});

test('parseCommand accepts the kv commands and nothing else', () => {
  const cases = [
    ['SET x 3', 'SET x 3'], ['  set   x   3 ', 'SET x 3'], ['get k', 'GET k'], ['DEL k', 'DEL k'],
    ['cas k 1 2', 'CAS k 1 2'], ['SET x', null], ['PUT x 3', null], ['', null], ['GET a b', null],
  ];
  for (const [text, want] of cases) assert.equal(parseCommand(text), want, text);
});

test('formatSpeed writes the log-scale speed readably', () => {
  assert.equal(formatSpeed(0), '×1.0');
  assert.equal(formatSpeed(-1), '×0.10');
  assert.equal(formatSpeed(-1.5), '×0.032');
  assert.equal(formatSpeed(2), '×100');
});

test('linkState tells open, cut and one-way links apart', () => {
  assert.equal(linkState([], 1, 2).state, 'open');
  assert.equal(linkState([{ from: 1, to: 2 }, { from: 2, to: 1 }], 1, 2).state, 'cut');
  assert.deepEqual(linkState([{ from: 2, to: 1 }], 1, 2), { state: 'oneway', text: 'cut 2→1' });
});
