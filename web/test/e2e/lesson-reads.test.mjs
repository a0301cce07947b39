// End-to-end test of lesson 12's last part in Chromium: with the unsafe
// read_before_term_commit mode, a read sent from the client form to a new leader before its
// no-op commits returns stale data and the safety panel's Fresh reads row breaks; in the
// normal mode the same read waits for the no-op and returns the committed value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, lessonDriver, waitFor, play, pause, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

/** readAtNewLeader opens lesson 12 at step n, lets S2 win, then reads k20 at S2. */
async function readAtNewLeader(page, n) {
  const lesson = lessonDriver(page, 8);
  await lesson.onStep(n);
  await play(page, -1);
  await waitFor(page, (s) => s.leader === 2, 'S2 leads');
  await pause(page);
  await page.fill('#cmd', 'GET k20');
  await page.selectOption('#cmd-peer', '2');
  await page.click('#client-form button[data-action="send"]');
  // The learner's move may itself start the clock (a step opens paused): play only
  // if it did not, rather than toggle it off.
  await play(page);
  assert.equal((await lesson.passes()).length, 2, 'both parts of the check pass');
  await pause(page);
}

test('lesson 12: a read before the no-op commits is stale in the unsafe mode, fresh in the normal one', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=12&step=7');
  await readAtNewLeader(page, 7);
  const row = page.locator('.inv[data-invariant="stale-read"]');
  assert.equal(await row.getAttribute('data-ok'), 'false', 'Fresh reads is broken');
  assert.match(await row.textContent(), /Fresh reads.*entry 20 was committed before the read arrived/);
  await screenshot(page, 'lesson-12-stale-read');

  await page.click('#lesson-next');
  await readAtNewLeader(page, 8);
  assert.equal(await page.locator('.inv[data-invariant="stale-read"]').getAttribute('data-ok'), 'true', 'Fresh reads holds');
  assert.deepEqual(page.problems, []);
  await page.close();
});
