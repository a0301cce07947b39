// The page against the vocabulary generated from Go (web/js/vocab.gen.js): every event
// kind, role and message type the engine or the simulator has is mapped by the page's
// tables, and every name those tables use is one the vocabulary has. A kind added in
// Go without its place on the page fails here instead of landing under "Problems".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_KINDS, SIM_KINDS, REASONS, ROLES as ENGINE_ROLES, MESSAGE_TYPES } from '../js/vocab.gen.js';
import { GROUP_OF, GROUPS, sentence } from '../js/sentences.js';
import { ROLES, MESSAGE_LABELS } from '../js/labels.js';

const kinds = [...ENGINE_KINDS.map((k) => k.name), ...SIM_KINDS];

test('the vocabulary is not empty and every engine word cites a rule', () => {
  assert.ok(ENGINE_KINDS.length >= 15 && SIM_KINDS.length >= 17, 'both lists are there');
  for (const list of [ENGINE_KINDS, REASONS, ENGINE_ROLES, MESSAGE_TYPES]) {
    for (const w of list) assert.match(w.rule, /\S/, `${w.name} cites a rule`);
  }
});

test('every event kind has a narration group, and every group entry is a kind', () => {
  const groups = new Set(GROUPS.map((g) => g.id));
  for (const kind of kinds) {
    assert.ok(Object.hasOwn(GROUP_OF, kind), `sentences.js GROUP_OF has no group for the kind "${kind}"`);
    assert.ok(groups.has(GROUP_OF[kind]), `the group of ${kind} is a filter`);
  }
  for (const kind of Object.keys(GROUP_OF)) assert.ok(kinds.includes(kind), `GROUP_OF names "${kind}", which is not a kind`);
});

test('every role has a label and a symbol, and every message type a label', () => {
  for (const { name } of ENGINE_ROLES) assert.ok(Object.hasOwn(ROLES, name), `labels.js ROLES lacks "${name}"`);
  assert.deepEqual(Object.keys(ROLES).sort(), [...ENGINE_ROLES.map((r) => r.name), 'down'].sort());
  assert.deepEqual(Object.keys(MESSAGE_LABELS).sort(), MESSAGE_TYPES.map((m) => m.name).sort());
});

test('an engine event sentence cites its kind\'s rule, a refused vote its reason\'s', () => {
  for (const { name, rule } of ENGINE_KINDS) {
    if (name === 'vote-refused') continue;
    assert.ok(sentence({ kind: name, engine: true, text: 'S1 did it' }).includes(`(${rule})`), name);
  }
  for (const { name, rule } of REASONS) {
    assert.equal(sentence({ kind: 'vote-refused', engine: true, reason: name, text: 'S2 refused its vote to S3' }),
      `S2 refused its vote to S3 (${rule}).`);
  }
});
