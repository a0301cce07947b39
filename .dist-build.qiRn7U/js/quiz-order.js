// The order in which a learner sees a quiz question's choices. It is the same
// permutation as lessons.Quiz.Order in Go (lessons/quiz.go): FNV-1a over the key's
// UTF-8 bytes seeds mulberry32, which drives a Fisher-Yates shuffle, all in exact
// 32-bit integer arithmetic. A seed (the learner's id, or ?quizseed= in the address)
// therefore gives one order in the page and in `raftplay lesson run --quiz-seed`.

const LEARNER_KEY = 'raftplay.learner';

/** shuffleOrder returns a permutation of 1..n drawn from the string key. */
export function shuffleOrder(key, n) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(key)) {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  const order = Array.from({ length: n }, (_, i) => i + 1);
  let state = h;
  for (let i = n - 1; i > 0; i--) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1) >>> 0;
    t = (t ^ (t + Math.imul(t ^ (t >>> 7), t | 61))) >>> 0;
    t = (t ^ (t >>> 14)) >>> 0;
    const j = t % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** quizOrder is the order of a question's choices, as lessons.Quiz.Order. */
export function quizOrder(seed, lesson, step, question, n) {
  return shuffleOrder(`${seed}|${lesson}|${step}|${question}`, n);
}

/**
 * quizSeed returns the seed of this learner: ?quizseed= in the address if given (a
 * teacher can hand out one order), else an id made once and kept in localStorage.
 */
export function quizSeed(location = globalThis.location, storage = globalThis.localStorage) {
  const fromURL = new URLSearchParams(location?.search || '').get('quizseed');
  if (fromURL) return fromURL;
  try {
    let id = storage.getItem(LEARNER_KEY);
    if (!id) {
      const bytes = crypto.getRandomValues(new Uint8Array(8));
      id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      storage.setItem(LEARNER_KEY, id);
    }
    return id;
  } catch {
    return 'learner'; // storage refused (private mode): one fixed order
  }
}
