// Unit tests of the live page's adaptive drawing rule (web/js/live-drawing.js), on a
// played clock: when the page draws less (counts per link) and when fully again, under
// steady loads, noisy ones, a machine that recovers and a cluster that calms down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDrawMode, JUDGE_MS, LATE_MS, LATE_FOR_MS, ON_TIME_MS, HOLD_MODE_MS } from '../js/live-drawing.js';

/** When a page whose frames are late from the start draws less: after LATE_FOR_MS of late judgements. */
const FIRST = JUDGE_MS + LATE_FOR_MS;

/**
 * play judges every JUDGE_MS for seconds, the frames' mean interval being
 * frameMs(slow, t) and the cluster busy(t), and returns the times (ms) at which the
 * mode changed, with the mode it changed to: [[t, slow], …].
 */
function play(seconds, frameMs, busy = () => true) {
  const mode = createDrawMode();
  const switches = [];
  for (let t = JUDGE_MS; t <= seconds * 1000; t += JUDGE_MS) {
    if (mode.judge(t, frameMs(mode.slow, t), busy(t))) switches.push([t, mode.slow]);
  }
  return switches;
}

/** within counts the switches in [from, from + ms]. */
const within = (switches, from, ms) => switches.filter(([t]) => t >= from && t <= from + ms).length;

/** noise is a fixed sequence in [-1, 1), the same every run (a linear congruential generator). */
function noise() {
  let x = 12345;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 2 - 1;
  };
}

test('a page whose drawing sits on the threshold tries drawing fully once in 20 s, not each few seconds', () => {
  // Drawing each message makes the frames late (21 ms); counts per link makes them on
  // time (16.7 ms): the load of a machine where the two modes straddle the threshold.
  const switches = play(60, (slow) => (slow ? 1000 / 60 : 21));
  assert.deepEqual(switches[0], [FIRST, true], 'draws less once the frames have been late for LATE_FOR_MS');
  const first = switches[0][0];
  assert.ok(within(switches, first + 1, 20_000) <= 2, `at most one try at drawing fully in the 20 s after: ${JSON.stringify(switches)}`);
  assert.ok(switches.length <= 5, `switches in 60 s: ${JSON.stringify(switches)}`);
  assert.ok(switches.some(([, slow]) => !slow), 'it does try drawing fully again');
});

test('frames that hover around the threshold while the page draws less do not bring full drawing back', () => {
  // Drawing less, the mean interval wanders between 16.5 and 19.5 ms (a busy, shared
  // machine); drawing fully it is late.
  const wander = noise();
  const switches = play(30, (slow) => (slow ? 18 + 1.5 * wander() : 24));
  assert.deepEqual(switches, [[FIRST, true]], 'draws less, and stays so');
});

test('a machine that recovers gets full drawing back within seconds', () => {
  const recovered = 10_000;
  const switches = play(30, (slow, t) => (t < recovered ? (slow ? 19 : 30) : 1000 / 60));
  assert.deepEqual(switches.map(([, slow]) => slow), [true, false], JSON.stringify(switches));
  const back = switches[1][0];
  assert.ok(back >= recovered && back - recovered <= 6000, `drawing fully again ${back - recovered} ms after the frames came on time`);
});

test('a calm cluster is drawn fully whatever the frames, after the mode\'s hold', () => {
  const calm = 8000;
  const switches = play(20, () => 40, (t) => t < calm);
  assert.deepEqual(switches.map(([, slow]) => slow), [true, false], JSON.stringify(switches));
  assert.ok(switches[1][0] >= calm && switches[1][0] - calm <= JUDGE_MS, `back at ${switches[1][0]} ms`);
  assert.deepEqual(play(20, () => 40, () => false), [], 'a calm cluster never makes the page draw less');
});

test('the thresholds: late above LATE_MS, back at or below ON_TIME_MS only', () => {
  assert.deepEqual(play(10, () => LATE_MS), [], 'exactly LATE_MS is not late');
  assert.deepEqual(play(10, () => LATE_MS + 0.1).length, 1);
  // Between the two thresholds the page keeps the mode it is in.
  assert.deepEqual(play(60, (slow) => (slow ? (ON_TIME_MS + LATE_MS) / 2 : 30)).map(([, slow]) => slow), [true]);
});

test('a single long frame does not make the page draw less, late frames for LATE_FOR_MS do', () => {
  // A 400 ms frame among frames on time keeps the mean of the last 60 frames near 23 ms
  // for a second: two judgements.
  const hiccup = (t) => (t === 5000 || t === 5500 ? 23 : 1000 / 60);
  assert.deepEqual(play(20, (slow, t) => hiccup(t)), [], 'a hiccup is not a slow machine');
  const late = 5000;
  const switches = play(20, (slow, t) => (t >= late ? 25 : 1000 / 60));
  assert.deepEqual(switches, [[late + LATE_FOR_MS, true]]);
});
