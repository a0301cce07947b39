// The learner's progress through the lessons, kept in localStorage under one key:
// for each lesson (by id) the steps whose check has passed and the step last shown.
// Anything unreadable there (another format, hand-edited JSON, a full or disabled
// storage) is ignored: the page then starts afresh instead of failing.

/** The storage key; the version is part of it so a new format never reads an old one. */
export const PROGRESS_KEY = 'raftplay.lessons.v1';
/** No lesson has more steps than this (lessons.MaxSteps). */
const MAX_STEP = 50;
const ID = /^[a-z0-9-]{1,64}$/;

const isStep = (n) => Number.isInteger(n) && n >= 1 && n <= MAX_STEP;

/**
 * readProgress parses the stored text into {lessons: {id: {done: number[], last: number}}};
 * whatever does not fit that shape is dropped, entry by entry.
 * @param {string|null} text
 */
export function readProgress(text) {
  const out = { lessons: {} };
  let data;
  try {
    data = JSON.parse(text ?? 'null');
  } catch {
    return out;
  }
  const lessons = data && typeof data === 'object' ? data.lessons : null;
  if (!lessons || typeof lessons !== 'object' || Array.isArray(lessons)) return out;
  for (const [id, entry] of Object.entries(lessons)) {
    if (!ID.test(id) || !entry || typeof entry !== 'object') continue;
    const done = Array.isArray(entry.done) ? [...new Set(entry.done.filter(isStep))].sort((a, b) => a - b) : [];
    const last = isStep(entry.last) ? entry.last : 1;
    out.lessons[id] = { done, last };
  }
  return out;
}

/**
 * createProgress keeps the progress in `storage` (default localStorage; anything with
 * getItem and setItem). When storage cannot be used it keeps the progress in memory.
 */
export function createProgress(storage) {
  let data;
  try {
    // Reading localStorage itself throws where storage is disabled.
    storage ??= globalThis.localStorage;
    data = readProgress(storage.getItem(PROGRESS_KEY));
  } catch {
    data = readProgress(null);
  }

  function entry(id) {
    if (!data.lessons[id]) data.lessons[id] = { done: [], last: 1 };
    return data.lessons[id];
  }

  function save() {
    try {
      storage.setItem(PROGRESS_KEY, JSON.stringify({ v: 1, lessons: data.lessons }));
    } catch {
      // A full or disabled storage: the progress lasts as long as the page.
    }
  }

  return {
    /** done returns the numbers of the lesson's passed steps. */
    done(id) { return data.lessons[id]?.done ?? []; },
    /** last returns the step of the lesson shown last (1 if none). */
    last(id) { return data.lessons[id]?.last ?? 1; },
    /** finished says whether every one of the lesson's `steps` steps has passed. */
    finished(id, steps) {
      const done = this.done(id);
      return steps > 0 && done.length >= steps && done[steps - 1] === steps;
    },
    /** pass records that a step's check passed. */
    pass(id, step) {
      if (!isStep(step)) return;
      const e = entry(id);
      if (e.done.includes(step)) return;
      e.done = [...e.done, step].sort((a, b) => a - b);
      save();
    },
    /** visit records the step shown. */
    visit(id, step) {
      if (!isStep(step)) return;
      const e = entry(id);
      if (e.last === step) return;
      e.last = step;
      save();
    },
  };
}
