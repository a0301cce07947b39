// Deep links to a lesson and a step: "#lesson=07&step=3". The lesson is named by its
// number (as in the menu) or by its id ("truncation-figure-7"); the step is its number,
// from 1, and may be left out. Share links ("#s=1.…") are another kind of hash.

const LESSON = /^[a-z0-9-]{1,64}$/i;

/**
 * parseLessonHash reads a location hash: "#lesson=07&step=3" → {lesson: "07", step: 3}.
 * It returns null when the hash is not a lesson link.
 * @param {string} hash
 */
export function parseLessonHash(hash) {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!text.startsWith('lesson=')) return null;
  let lesson = '';
  let step = 1;
  for (const part of text.split('&')) {
    const [key, value = ''] = part.split('=');
    if (key === 'lesson' && LESSON.test(value)) lesson = value;
    if (key === 'step' && /^\d{1,2}$/.test(value) && Number(value) >= 1) step = Number(value);
  }
  return lesson ? { lesson, step } : null;
}

/** lessonHash is the hash of a link to a lesson's step: lessonHash(7, 3) → "#lesson=07&step=3". */
export function lessonHash(number, step) {
  return `#lesson=${String(number).padStart(2, '0')}&step=${step}`;
}
