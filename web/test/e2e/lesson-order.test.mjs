// End-to-end tests, in Chromium, of a lesson step played in the wrong order: the page
// judges a run as `raftplay lesson check` does (the check is evaluated in Go, through
// the wasm bridge, by the same evaluator):
// - lesson 19 step 5, S4 promoted the moment its Promote button is enabled, before it
//   has caught up: the step says at once that this run can no longer pass, marks the
//   part that failed, and does not pass later, once S4 has caught up and C_new is
//   committed all the same; restarting the step and promoting S4 once caught up passes;
// - lesson 20 step 3, S3's timeout forced instead of S1's: S1 times out by itself later
//   and wins term 2, the outcome the step shows, but the step fails, as lesson check
//   says (lessons/wrong_late_test.go plays every wrong path of every lesson that long);
//   Show me then makes the moves from the step's start, and the step passes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, lessonDriver, state, waitFor, setSpeed, play, pause, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

const ORDER = 'S4 had caught up (match index 32 in S1\'s view) before S1 promoted it';

/** parts returns the parts of the step's check as the page lists them. */
function parts(page) {
  return page.$$eval('#lesson-parts li', (lis) => lis.map((li) => ({
    text: li.textContent.replace(/^[✓○✗](passed|waiting|failed): /, ''), passed: li.dataset.passed, failed: li.dataset.failed || 'false',
  })));
}

/** sendY sends SET y 1 to the leader with the client form. */
async function sendY(page) {
  await page.fill('#cmd', 'SET y 1');
  await page.selectOption('#cmd-peer', '0');
  await page.click('#client-form button[data-action="send"]');
}

test('lesson 19 step 5, S4 promoted before it caught up: the page says the step failed, and it does not pass once S4 catches up', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=19&step=5`);
  const lesson = lessonDriver(page, 5);
  await lesson.onStep(5);
  await setSpeed(page, -1.5);
  await page.click('[data-action="add-server"]');
  // The click waits for the button to be enabled: S4's learner entry committed, long
  // before S4 holds the thirty entries.
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await page.waitForSelector('#lesson-verdict[data-failed="true"]', { timeout: 10_000 });
  const s = await state(page);
  assert.ok(s.peers[3].last_index < 32, `S4 was promoted before it caught up (its last index ${s.peers[3].last_index})`);
  assert.match(await page.textContent('#lesson-verdict'), /^✗ .*can no longer pass/);
  assert.deepEqual((await parts(page)).filter((p) => p.failed === 'true').map((p) => p.text), [ORDER], 'the order is the part that failed');
  assert.equal(await page.isVisible('#lesson-overdue'), true, 'the stall box, with Restart this step, at once: not once overdue');
  assert.match(await page.textContent('#lesson-stall-why'), /promote S4 to a voter/);
  assert.equal(await page.isVisible('#lesson-restart'), true);
  await page.locator('#lesson-overdue').scrollIntoViewIfNeeded();
  await screenshot(page, 'lesson-19-promoted-early');

  // Let the run go on: S4 catches up, C_new commits and SET y 1 with it; every other
  // part of the check passes, yet the step stays failed.
  await sendY(page);
  await play(page, 1);
  await waitFor(page, (st) => st.peers[1].kv?.y === '1' && st.peers[3].voters?.length === 4, 'SET y 1 applied at S2, S4 a voter', 30_000);
  await pause(page);
  await page.waitForFunction((order) => [...document.querySelectorAll('#lesson-parts li')]
    .every((li) => li.dataset.passed === 'true' || li.textContent.endsWith(order)), ORDER);
  assert.equal(await page.getAttribute('#lesson-verdict', 'data-passed'), 'false');
  assert.equal(await page.getAttribute('#lesson-verdict', 'data-failed'), 'true');
  assert.equal(await page.isDisabled('#lesson-next'), true, 'Next stays disabled');

  // Restart the step and make the moves in the asked order: it passes.
  await page.click('#lesson-restart');
  await page.waitForSelector('#lesson-verdict[data-failed="false"]');
  await pause(page);
  await page.click('[data-action="add-server"]');
  await play(page, 0);
  await waitFor(page, (st) => st.peers[0].replication?.some((r) => r.peer === 4 && r.match_index >= 32), 'S4\'s match index at 32');
  await pause(page);
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await sendY(page);
  await play(page);
  await lesson.passes();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 20 step 3, S3\'s timeout forced instead of S1\'s: the step fails once S1 stands by itself', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=20&step=3`);
  const lesson = lessonDriver(page, 6);
  await lesson.onStep(3);
  for (const id of [4, 3]) await page.click(`.peer-card[data-peer="${id}"] button[data-action="timeout"]`);
  await play(page, 0);
  await page.waitForSelector('#lesson-verdict[data-failed="true"]', { timeout: 30_000 });
  const failed = (await parts(page)).filter((p) => p.failed === 'true').map((p) => p.text);
  assert.deepEqual(failed, ['S1 stood because you forced its timeout']);
  assert.match(await page.textContent('#lesson-stall-why'), /you forced S3's election timeout|forced S3's timeout/);
  await pause(page);
  assert.equal(await page.isDisabled('#lesson-next'), true);
  // Show me on a failed step shows the moves from the step's start: it passes.
  await page.click('#lesson-show-me');
  await lesson.passes();
  assert.equal((await state(page)).peers[0].role, 'leader', 'S1 leads C_old, as the step shows');
  assert.deepEqual(page.problems, []);
  await page.close();
});
