// node --test of the lesson page's plain modules: the progress kept in localStorage
// (web/js/lesson-progress.js) and the deep links (web/js/lesson-link.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROGRESS_KEY, readProgress, createProgress } from '../js/lesson-progress.js';
import { parseLessonHash, lessonHash } from '../js/lesson-link.js';

/** A Storage stand-in; broken: 'get' or 'set' makes that method throw. */
function memoryStorage(initial = {}, broken = '') {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem(k) {
      if (broken === 'get') throw new Error('SecurityError');
      return items.has(k) ? items.get(k) : null;
    },
    setItem(k, v) {
      if (broken === 'set') throw new Error('QuotaExceededError');
      items.set(k, String(v));
    },
  };
}

test('progress is saved and read back', () => {
  const storage = memoryStorage();
  const p = createProgress(storage);
  assert.deepEqual(p.done('reads'), []);
  assert.equal(p.last('reads'), 1);
  p.pass('reads', 2);
  p.pass('reads', 1);
  p.pass('reads', 2);
  p.visit('reads', 3);
  assert.deepEqual(JSON.parse(storage.items.get(PROGRESS_KEY)), { v: 1, lessons: { reads: { done: [1, 2], last: 3 } } });
  const again = createProgress(storage);
  assert.deepEqual(again.done('reads'), [1, 2]);
  assert.equal(again.last('reads'), 3);
  assert.equal(again.finished('reads', 3), false);
  again.pass('reads', 3);
  assert.equal(again.finished('reads', 3), true);
});

test('corrupt progress is dropped, entry by entry, never thrown', () => {
  const cases = [
    [null, {}],
    ['', {}],
    ['{not json', {}],
    ['[1,2]', {}],
    ['{"lessons": 5}', {}],
    ['{"lessons": []}', {}],
    ['{"lessons": {"BAD ID": {"done": [1]}, "ok": {"done": [3, 1, 1, 0, -2, 1.5, "2", 99], "last": "x"}}}',
      { ok: { done: [1, 3], last: 1 } }],
    ['{"lessons": {"a": null, "b": {"last": 4}}}', { b: { done: [], last: 4 } }],
  ];
  for (const [text, want] of cases) {
    assert.deepEqual(readProgress(text), { lessons: want }, String(text));
  }
  const p = createProgress(memoryStorage({ [PROGRESS_KEY]: '{"lessons": {"x": {"done": "all"}}}' }));
  assert.deepEqual(p.done('x'), []);
  p.pass('x', 1);
  assert.deepEqual(p.done('x'), [1]);
});

test('a storage that throws keeps the progress in memory', () => {
  for (const broken of ['get', 'set']) {
    const p = createProgress(memoryStorage({}, broken));
    p.pass('a', 1);
    p.visit('a', 2);
    assert.deepEqual(p.done('a'), [1], broken);
    assert.equal(p.last('a'), 2, broken);
  }
  const p = createProgress(null);
  p.pass('a', 1);
  assert.deepEqual(p.done('a'), [1]);
  p.pass('a', 0);
  p.visit('a', 51);
  assert.deepEqual(p.done('a'), [1], 'steps out of range are ignored');
  assert.equal(p.last('a'), 1);
});

test('lesson links', () => {
  const cases = [
    ['#lesson=07&step=3', { lesson: '07', step: 3 }],
    ['lesson=truncation-figure-7', { lesson: 'truncation-figure-7', step: 1 }],
    ['#lesson=7&step=0', { lesson: '7', step: 1 }],
    ['#lesson=7&step=abc', { lesson: '7', step: 1 }],
    ['#lesson=<script>&step=2', null],
    ['#lesson=', null],
    ['#s=1.abc&t=5', null],
    ['', null],
  ];
  for (const [hash, want] of cases) assert.deepEqual(parseLessonHash(hash), want, hash);
  assert.equal(lessonHash(7, 3), '#lesson=07&step=3');
  assert.equal(lessonHash(12, 1), '#lesson=12&step=1');
  assert.deepEqual(parseLessonHash(lessonHash(12, 4)), { lesson: '12', step: 4 });
});
