// End-to-end test of lesson 19 (adding a server, §6) in Chromium, played to the end by
// clicking as a learner would: the one "+ Add a server" button (which Find it focuses),
// then the Promote button of S4's card. Each step's check is seen to pass part by part,
// and the drawing's data-member follows S4 from a spare server to a learner to a voter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, state, play, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

/** onStep waits until the panel shows step n of 3. */
async function onStep(page, n) {
  await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} of 3:`), n);
}

/** passes waits for the step's check to pass, every part ticked, and returns the parts' texts. */
async function passes(page) {
  await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout: 30_000 });
  const parts = await page.$$eval('#lesson-parts li', (lis) => lis.map((li) => ({ passed: li.dataset.passed, text: li.textContent })));
  for (const p of parts) assert.equal(p.passed, 'true', p.text);
  return parts.map((p) => p.text.replace(/^✓passed: /, ''));
}

/** answerQuiz answers each question: the first choice, then another if that was wrong; returns how many. */
async function answerQuiz(page) {
  const questions = await page.locator('#lesson-quiz .quiz').count();
  for (let i = 0; i < questions; i++) {
    const q = page.locator('#lesson-quiz .quiz').nth(i);
    await q.locator('.quiz-choice:not([disabled])').first().click();
    if (await q.getAttribute('data-answered') === 'retry') await q.locator('.quiz-choice:not([disabled])').first().click();
    assert.match(await q.getAttribute('data-answered'), /^(right|wrong)$/);
    assert.match(await q.locator('.quiz-feedback').textContent(), /§6/, 'the explanation cites the paper');
  }
  return questions;
}

/** member returns S4's place in the configuration, on its card and in the drawing. */
function member(page, id) {
  return page.evaluate((id) => [document.querySelector(`.peer-card[data-peer="${id}"]`)?.dataset.member,
    document.querySelector(`[data-peer-id="${id}"]`)?.dataset.member], id);
}

test('lesson 19 by clicking: S4 joins as a learner, catches up, and is promoted through C_old,new', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open]');
  assert.match(await page.textContent('#lesson-menu [data-lesson="adding-a-server"]'), /Adding a server.*3 steps/s);
  await page.click('#lesson-menu [data-lesson="adding-a-server"]');
  await page.waitForSelector('#lesson:not([hidden])');
  assert.match(page.url(), /#lesson=19&step=1$/);

  // Step 1: three voters commit five writes; S4 and S5 are spare servers.
  await onStep(page, 1);
  await play(page, 1);
  assert.deepEqual(await passes(page), ['S1 leads', 'S1 has applied x = 5', 'S2 has applied x = 5', 'S3 has applied x = 5', 'S4\'s log is still empty']);
  assert.deepEqual(await member(page, 4), ['none', 'none']);
  assert.deepEqual(await member(page, 1), ['voter', 'voter']);
  assert.equal(await answerQuiz(page), 1);
  await page.click('#lesson-next');

  // Step 2: Find it focuses the Add a server button; pressing it adds S4 as a learner.
  await onStep(page, 2);
  assert.equal(await page.getAttribute('[data-action="add-server"]', 'data-lesson-target'), '', 'the step outlines the button');
  await page.click('#lesson-find');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'add-server', 'Find it focuses Add a server');
  await page.click('[data-action="add-server"]');
  await play(page);
  assert.deepEqual(await passes(page), ['S1 adds S4 as a learner', 'S4 has caught up: it applied x = 5',
    'S4 knows the configuration: voters S1, S2, S3']);
  await page.waitForSelector('.peer-card[data-peer="4"][data-member="learner"]');
  assert.deepEqual((await state(page)).peers[3].learners, [4]);
  assert.equal(await answerQuiz(page), 1);
  await page.click('#lesson-next');

  // Step 3: the Promote button of S4's card; S1 goes through C_old,new to C_new.
  await onStep(page, 3);
  await page.click('#lesson-find');
  assert.deepEqual(await page.evaluate(() => [document.activeElement.dataset.action, document.activeElement.closest('.peer-card')?.dataset.peer]),
    ['promote', '4'], 'Find it focuses S4\'s Promote button');
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await play(page);
  assert.deepEqual(await passes(page), ['S1 promotes learner S4', 'S1 enters C_old,new', 'S1 leaves it for C_new once C_old,new is committed',
    'S4 uses C_new: the voters S1 to S4']);
  await page.waitForSelector('[data-peer-id="4"][data-member="voter"]');
  assert.deepEqual((await state(page)).peers[0].voters, [1, 2, 3, 4]);
  await screenshot(page, 'lesson-19-promoted');
  assert.equal(await answerQuiz(page), 1);
  assert.equal(await page.textContent('#lesson-next'), 'Finish ✓');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons['adding-a-server'].done, [1, 2, 3]);
  assert.deepEqual(page.problems, []);
  await page.close();
});
