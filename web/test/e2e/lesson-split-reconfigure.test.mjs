// End-to-end tests of the two controls the membership lessons are played with, outside
// a lesson: the network panel's split (#net-split) and the new voters under the peer
// cards (#conf-change). Each refuses what it cannot do with a sentence and records
// nothing; the new voters show whenever another set of voters could be asked for
// (membership-voters.test.mjs tests that); a voter left
// unticked leaves through C_old,new; the button says when the run switches directly
// (the Figure 10 preset) and stops saying it on the next run; and axe-core finds
// nothing serious in either, at 1280 px and at 375 px with seven servers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, waitFor, play, pause, axeSource, screenshot } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();

/** actions counts the run's recorded actions. */
const actions = (page) => page.evaluate(() => window.raftplay.scenario().actions.length);

/** tick ticks the checkboxes of a data-action for the servers given, and unticks the others. */
async function tick(page, action, ids) {
  const boxes = page.locator(`input[data-action="${action}"]`);
  for (let i = 0; i < await boxes.count(); i++) {
    const box = boxes.nth(i);
    await box.setChecked(ids.includes(Number(await box.getAttribute('data-peer'))));
  }
}

/** refuses presses a button and waits for the sentence in #status. */
async function refuses(page, selector, sentence) {
  await page.evaluate(() => { document.querySelector('#status').textContent = ''; });
  await page.click(selector);
  await page.waitForFunction((re) => new RegExp(re).test(document.querySelector('#status').textContent), sentence.source);
}

test('the split and the new voters: bad input is refused and recorded nowhere; S3 unticked leaves through C_old,new', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, 0);
  await waitFor(page, (s) => s.leader, 'a leader');
  await page.waitForSelector('#conf-change:not([hidden]) [data-action="reconfigure"]');
  assert.equal(await page.locator('input[data-action="conf-voter"]').count(), 3, 'no learner: the voters can still shrink');
  await page.click('[data-action="add-server"]');
  await page.waitForSelector('[data-action="reconfigure"]:not([disabled])');
  await pause(page);
  assert.equal(await page.locator('input[data-action="partition-side"]').count(), 4, 'a side checkbox per server');
  assert.equal(await page.locator('input[data-action="conf-voter"]').count(), 4, 'a voter checkbox per server');
  assert.match(await page.getAttribute('[data-action="reconfigure"]', 'title'), /Learners left unticked stay learners/);
  const before = await actions(page);

  await tick(page, 'partition-side', []);
  await refuses(page, '[data-action="partition"]', /Tick the servers of one side/);
  await tick(page, 'partition-side', [1, 2, 3, 4]);
  await refuses(page, '[data-action="partition"]', /at least one server on the other/);
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Reconfigure');
  await refuses(page, '[data-action="reconfigure"]', /Those are the voters now/);
  await tick(page, 'conf-voter', []);
  await refuses(page, '[data-action="reconfigure"]', /at least one voter/);
  assert.equal(await actions(page), before, 'nothing was recorded');

  // S2 cut off by the split, then healed.
  await tick(page, 'partition-side', [2]);
  await page.click('[data-action="partition"]');
  const cut = await waitFor(page, (s) => s.blocked.length === 6 && s, 'the links of S2 cut both ways');
  assert.ok(cut.blocked.every((l) => l.from === 2 || l.to === 2));
  await page.click('#net-heal');
  await waitFor(page, (s) => s.blocked.length === 0, 'the network healed');

  // S3 left unticked: the leader removes it through C_old,new; S4 stays a learner.
  await pause(page);
  await tick(page, 'conf-voter', [1, 2]);
  await page.click('[data-action="reconfigure"]');
  const recorded = (await page.evaluate(() => window.raftplay.scenario().actions)).filter((a) => a.type === 'reconfigure');
  assert.deepEqual(recorded.map((a) => [a.voters, a.learners]), [[[1, 2], [4]]]);
  await page.waitForSelector('[data-action="reconfigure"][disabled]');
  assert.match(await page.getAttribute('[data-action="reconfigure"]', 'title'), /in progress: one at a time/);
  assert.match(await page.textContent('#conf-change-note'), /in progress/);
  await play(page, 0);
  await waitFor(page, (s) => {
    const lead = s.leader && s.peers[s.leader - 1];
    return lead && String(lead.voters) === '1,2' && !(lead.outgoing || []).length && lead.conf_committed;
  }, 'C_new (S1, S2) committed', 30_000);
  await page.waitForSelector('.peer-card[data-peer="3"][data-member="none"]');
  await page.waitForSelector('.peer-card[data-peer="4"][data-member="learner"]');
  const kinds = await page.evaluate(() => [...document.querySelectorAll('#narration-list li[data-kind]')].map((li) => li.dataset.kind));
  assert.ok(kinds.includes('joint-entered'), 'through C_old,new');
  await pause(page);
  assert.deepEqual(await page.$$eval('input[data-action="conf-voter"]', (bs) => bs.map((b) => b.checked)), [true, true, false, false],
    'the boxes follow the voters in force');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the button says "Switch directly (unsafe)" in the Figure 10 preset, and "Reconfigure" again in the next run', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.selectOption('#scenario', 'figure10');
  await waitFor(page, (s) => s.peers.length === 5, 'the preset loaded');
  // To 300 ms by fast-forward: S3 has added S4 and S5 as learners (at 100 and 200 ms),
  // and the preset's own split and switch (at 400 ms) are still to come.
  await pause(page);
  await page.selectOption('#ff-amount', '10');
  for (let i = 0; i < 3; i++) await page.click('#ff');
  await waitFor(page, (s) => s.time >= 300 && s.time < 400 && s.leader === 3 && s.peers[2].learners?.length === 2 && s.peers[2].conf_committed,
    'S3 with two learners, committed');
  await page.waitForSelector('[data-action="reconfigure"]:visible');
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Switch directly (unsafe)');
  assert.match(await page.textContent('#conf-change-note'), /without C_old,new/);
  await page.selectOption('#servers', '3');
  await waitFor(page, (s) => s.peers.length === 3 && s.leader, 'a leader of three');
  await page.click('[data-action="add-server"]');
  await page.waitForFunction(() => document.querySelector('[data-action="reconfigure"]').textContent === 'Reconfigure');
  assert.equal(await page.locator('input[data-action="conf-voter"]').count(), 4);
  assert.equal(await page.locator('input[data-action="partition-side"]').count(), 4);
  assert.deepEqual(page.problems, []);
  await page.close();
});

for (const [width, colorScheme] of [[1280, 'light'], [375, 'dark']]) {
  test(`axe finds no serious or critical violations in the split and the new voters at ${width} px, ${colorScheme}, seven servers (one a learner)`, async () => {
    const page = await openPage(env.browser.context, env.server.url, { width, height: width > 800 ? 900 : 812, colorScheme });
    await page.selectOption('#servers', '6');
    await waitFor(page, (s) => s.peers.length === 6 && s.leader, 'a leader of six');
    await page.click('[data-action="add-server"]');
    await page.waitForSelector('[data-action="reconfigure"]:visible');
    await pause(page);
    await page.evaluate(axe);
    const found = await page.evaluate(async () => {
      const r = await window.axe.run({ include: [['#net-split'], ['#conf-change']] }, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
    });
    assert.deepEqual(found, []);
    const names = await page.$$eval('input[data-action="partition-side"], input[data-action="conf-voter"]', (bs) => bs.map((b) => b.labels[0]?.textContent.trim()));
    assert.deepEqual(names, ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7']);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the ${width} px window`);
    await page.evaluate(() => document.querySelector('#conf-change').scrollIntoView({ block: 'center' }));
    await screenshot(page, `split-reconfigure-${width}-${colorScheme}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
