// node --test: the parsers of the page's latency control and of the client form's
// session fields (the browser test e2e/lesson-controls.test.mjs uses them in lessons 14
// and 15).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSession } from '../js/client-form.js';
import { parseLatency, MAX_LATENCY } from '../js/network-controls.js';

test('parseLatency takes two whole numbers of ms, least first, up to the simulator\'s limit', () => {
  assert.deepEqual(parseLatency('20', ' 30 '), [20, 30]);
  assert.deepEqual(parseLatency('0', '0'), [0, 0]);
  assert.deepEqual(parseLatency('5', '5'), [5, 5]);
  assert.deepEqual(parseLatency('0', String(MAX_LATENCY)), [0, MAX_LATENCY]);
  assert.equal(MAX_LATENCY, 60000, 'sim.MaxLatency');
  assert.match(parseLatency('30', '20'), /least latency \(30 ms\) is above the most \(20 ms\)/);
  assert.match(parseLatency('1', String(MAX_LATENCY + 1)), /at most 60000 ms/);
  for (const [lo, hi] of [['', '5'], ['5', ''], ['-1', '5'], ['1.5', '2'], ['a', 'b']]) {
    assert.match(parseLatency(lo, hi), /two whole numbers of milliseconds/, `${lo}..${hi}`);
  }
});

test('parseSession: no session, a whole session, or a sentence saying what is wrong', () => {
  assert.deepEqual(parseSession('', ' ', 'SET x a'), {});
  assert.deepEqual(parseSession('7', '1', 'SET x a'), { client: 7, seq: 1 });
  assert.deepEqual(parseSession(' 7 ', '2', 'CAS x a b', 2), { client: 7, seq: 2 });
  assert.match(parseSession('7', '', 'SET x a').error, /both a client id and a request number/);
  assert.match(parseSession('', '1', 'SET x a').error, /both a client id and a request number/);
  assert.match(parseSession('0', '1', 'SET x a').error, /whole numbers from 1/);
  assert.match(parseSession('7', '1.5', 'SET x a').error, /whole numbers from 1/);
  assert.match(parseSession('2', '1', 'SET x a', 2).error, /Clients 1 to 2 are the simulated ones: pick a client id above 2/);
  assert.match(parseSession('7', '1', 'GET x').error, /A session is for writes/);
});
