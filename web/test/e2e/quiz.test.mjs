// End-to-end tests of the lesson quiz in Chromium: the choices come in an order of
// the learner's own (seeded by a learner id kept in localStorage, or by ?quizseed= in
// the address, the same order as `raftplay lesson run --quiz-seed`), a wrong first
// answer says why it is wrong and leaves a second try, and once the question is over
// every wrong choice says why it is wrong.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, play } from './harness.mjs';
import { shuffleOrder, quizOrder } from '../../js/quiz-order.js';

const env = useServerAndBrowser();

// Lesson 2, step 2 ("Asking for votes"): one question, the right answer is choice 1
// of the file.
const LESSON = 'leader-election';
const CORRECT = 1;

test('the shuffle gives the permutations lessons/quiz_test.go pins for Go', () => {
  assert.deepEqual(shuffleOrder('ada|leader-election|2|1', 3), [3, 1, 2]);
  assert.deepEqual(shuffleOrder('', 4), [4, 2, 3, 1]);
  assert.deepEqual(shuffleOrder('λ-seed|x|9|5', 6), [3, 1, 4, 6, 2, 5]);
  assert.deepEqual(shuffleOrder('one', 1), [1]);
});

/** openQuiz opens lesson 2 at step 2, lets its check pass and returns the question. */
async function openQuiz(query = '') {
  const page = await openPage(env.browser.context, `${env.server.url}${query}#lesson=02&step=2`);
  await page.waitForSelector('#lesson:not([hidden])');
  await play(page, 0); // a lesson step opens paused
  await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout: 30_000 });
  await page.waitForSelector('#lesson-quiz:not([hidden]) .quiz');
  return { page, q: page.locator('#lesson-quiz .quiz').first() };
}

async function shownOrder(q) {
  return q.locator('.quiz-choice').evaluateAll((bs) => bs.map((b) => Number(b.dataset.choice)));
}

test('the choices follow the seed: ?quizseed= or the learner id kept in localStorage', async () => {
  const { page, q } = await openQuiz('?quizseed=ada');
  assert.deepEqual(await shownOrder(q), quizOrder('ada', LESSON, 2, 1, 3));
  assert.deepEqual(await shownOrder(q), [3, 1, 2], 'the order the terminal shows with --quiz-seed ada');
  await page.close();

  // Without ?quizseed= the page makes a learner id once and keeps it.
  const first = await openQuiz();
  const id = await first.page.evaluate(() => localStorage.getItem('raftplay.learner'));
  assert.match(id, /^[0-9a-f]{16}$/);
  const order = await shownOrder(first.q);
  assert.deepEqual(order, quizOrder(id, LESSON, 2, 1, 3));
  await first.page.close();
  const again = await openQuiz();
  assert.equal(await again.page.evaluate(() => localStorage.getItem('raftplay.learner')), id, 'the id is kept');
  assert.deepEqual(await shownOrder(again.q), order, 'one learner, one order');
  await again.page.close();

  // Another learner id gives another order for some question of the lessons.
  const seeds = ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => quizOrder(s, LESSON, 2, 1, 3)[0]);
  assert.ok(new Set(seeds).size > 1, 'the right answer is not always first');
});

test('a wrong answer says why it is wrong and leaves a second try; then every wrong choice is explained', async () => {
  const { page, q } = await openQuiz('?quizseed=second-try');
  const order = await shownOrder(q);
  const wrong = order.filter((n) => n !== CORRECT);

  await q.locator(`.quiz-choice[data-choice="${wrong[0]}"]`).click();
  assert.equal(await q.getAttribute('data-answered'), 'retry');
  assert.match(await q.locator('.quiz-verdict').textContent(), /✗ Not quite\. Try once more\./);
  const feedback = await q.locator('.quiz-feedback').textContent();
  assert.ok(feedback.length > 60, 'the feedback says why this choice is wrong');
  assert.equal(await q.locator(`.quiz-choice[data-choice="${wrong[0]}"]`).isDisabled(), true, 'the wrong choice cannot be picked again');
  assert.equal(await q.locator(`.quiz-choice[data-choice="${CORRECT}"]`).getAttribute('data-verdict'), null, 'the answer is not given away');
  assert.equal(await q.locator('.quiz-why:not([hidden])').count(), 1, 'only the picked choice is explained so far');

  await q.locator(`.quiz-choice[data-choice="${CORRECT}"]`).click();
  assert.equal(await q.getAttribute('data-answered'), 'right');
  assert.match(await q.locator('.quiz-verdict').textContent(), /✓ Right\./);
  assert.match(await q.locator('.quiz-feedback').textContent(), /A candidate needs a majority of the whole cluster/);
  const whys = await q.locator('.quiz-why:not([hidden])').allTextContents();
  assert.equal(whys.length, 2, 'each wrong choice says why it is wrong');
  assert.ok(whys.some((w) => /Needing everyone would let one crashed server stop every election/.test(w)));
  assert.ok(whys.some((w) => /Its own vote is not a majority of three/.test(w)));
  assert.match(await q.locator(`.quiz-choice[data-choice="${CORRECT}"]`).textContent(), /^✓/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('two wrong answers: the right choice is named by its place on the page', async () => {
  const { page, q } = await openQuiz('?quizseed=twice');
  const order = await shownOrder(q);
  const wrong = order.filter((n) => n !== CORRECT);
  await q.locator(`.quiz-choice[data-choice="${wrong[0]}"]`).click();
  await q.locator(`.quiz-choice[data-choice="${wrong[1]}"]`).click();
  assert.equal(await q.getAttribute('data-answered'), 'wrong');
  const shown = order.indexOf(CORRECT) + 1;
  assert.match(await q.locator('.quiz-verdict').textContent(), new RegExp(`the answer is choice ${shown}\\.`));
  assert.equal(await q.locator('.quiz-choice:not([disabled])').count(), 0, 'the question is over');
  assert.equal(await q.locator('.quiz-choice[data-verdict="wrong"]').count(), 2);
  assert.equal(await q.locator('.quiz-why:not([hidden])').count(), 2);
  assert.deepEqual(page.problems, []);
  await page.close();
});
