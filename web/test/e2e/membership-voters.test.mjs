// The new voters under the peer cards (#conf-change, web/js/membership-controls.js) in
// Chromium, with no learner in the configuration: the form shows whenever another set
// of voters could be asked for, not only while a learner waits to be promoted, so the
// voters can shrink by two at once (through C_old,new, §6) where the cards' Remove takes
// one at a time; at 1280×800 the client form stays in the window with it; a run of one
// server has no other voters to ask for, and no form; a run with the unsafe direct
// switch says "Switch directly (unsafe)" with every server a voter; with seven voters at
// 1280×800 the form, the client form and the latest narration line fit in the window.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, state, waitFor, play, pause, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

/** shareURL is the page's URL with a scenario in its share fragment. */
function shareURL(scenario) {
  return `${env.server.url}#s=1.${Buffer.from(JSON.stringify(scenario)).toString('base64url')}`;
}

/** tick ticks the voter checkboxes of the servers given, and unticks the others. */
async function tick(page, ids) {
  const boxes = page.locator('input[data-action="conf-voter"]');
  for (let i = 0; i < await boxes.count(); i++) {
    const box = boxes.nth(i);
    await box.setChecked(ids.includes(Number(await box.getAttribute('data-peer'))));
  }
}

/** ticked returns the servers whose voter checkbox is ticked. */
function ticked(page) {
  return page.$$eval('input[data-action="conf-voter"]', (bs) => bs.filter((b) => b.checked).map((b) => Number(b.dataset.peer)));
}

/** leaderConf is the leader's configuration, or null while there is no leader. */
function leaderConf(s) {
  if (!s.leader) return null;
  const p = s.peers[s.leader - 1];
  return { voters: p.voters || [], learners: p.learners || [], outgoing: p.outgoing || [], committed: !p.conf_index || p.conf_committed };
}

/** inWindow returns a line for each selector whose element is not wholly in the window. */
function inWindow(page, selectors) {
  return page.evaluate((selectors) => selectors.flatMap((sel) => {
    const e = document.querySelector(sel);
    const r = e?.getBoundingClientRect();
    return r && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight + 0.5 ? [] : [`${sel}: ${r ? `${Math.round(r.top)}–${Math.round(r.bottom)}` : 'missing'} in ${window.innerHeight}`];
  }), selectors);
}

test('five voters and no learner: the new voters show, and two voters leave at once through C_old,new', async () => {
  const page = await openPage(env.browser.context, shareURL({ v: 1, seed: 2, options: { peers: 5 }, actions: [] }), { width: 1280, height: 800 });
  await play(page, -1);
  const s0 = await waitFor(page, (s) => s.leader && s.peers[s.leader - 1].commit_index > 0 && s, 'a leader');
  await page.waitForSelector('#conf-change:not([hidden]) [data-action="reconfigure"]:not([disabled])');
  await pause(page);
  assert.deepEqual(leaderConf(await state(page)).learners, [], 'no learner');
  assert.deepEqual(await ticked(page), [1, 2, 3, 4, 5], 'ticked as the voters in force');
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Reconfigure');
  assert.deepEqual(await inWindow(page, ['[data-action="reconfigure"]', '#cmd', '#client-form [data-action="send"]']), [],
    'at 1280×800 the client form stays in the window with the new voters');
  await screenshot(page, 'membership-voters-five');

  const keep = [1, 2, 3, 4, 5].filter((id) => id === s0.leader).concat([1, 2, 3, 4, 5].filter((id) => id !== s0.leader).slice(0, 2));
  keep.sort((a, b) => a - b);
  const leave = [1, 2, 3, 4, 5].filter((id) => !keep.includes(id));
  await tick(page, keep);
  await page.click('[data-action="reconfigure"]');
  await page.waitForFunction(() => /through C_old,new/.test(document.querySelector('#status').textContent));
  const recorded = (await page.evaluate(() => window.raftplay.scenario().actions)).filter((a) => a.type === 'reconfigure');
  assert.deepEqual(recorded.map(({ type, voters, learners }) => ({ type, voters, learners })), [{ type: 'reconfigure', voters: keep, learners: undefined }]);
  await play(page);
  await waitFor(page, (s) => { const c = leaderConf(s); return c && String(c.voters) === String(keep) && !c.outgoing.length && c.committed; },
    `C_new ${keep} committed`, 30_000);
  const kinds = await page.evaluate(() => [...document.querySelectorAll('#narration-list li[data-kind]')].map((li) => li.dataset.kind));
  assert.ok(kinds.includes('joint-entered') && kinds.includes('joint-left'), 'one change, through C_old,new');
  for (const id of leave) assert.equal(await page.getAttribute(`[data-peer-id="${id}"]`, 'data-member'), 'none', `S${id} left`);
  await page.waitForFunction((keep) => String([...document.querySelectorAll('input[data-action="conf-voter"]')]
    .filter((b) => b.checked).map((b) => Number(b.dataset.peer))) === String(keep), keep);
  assert.equal(await page.isVisible('#conf-change'), true, 'still shown: the servers that left may come back as voters');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a run of one server has no other voters to ask for: no new voters form', async () => {
  const page = await openPage(env.browser.context, shareURL({ v: 1, seed: 2, options: { peers: 1 }, actions: [] }));
  await play(page, 0);
  await waitFor(page, (s) => s.leader === 1 && s.peers[0].commit_index > 0, 'S1 leads');
  await page.waitForSelector('[data-action="add-server"]:not([disabled])');
  await page.waitForSelector('#conf-change[hidden]', { state: 'attached' });
  assert.equal(await page.isVisible('#conf-change-note'), false);
  // A second server, a learner, makes a change possible.
  await page.click('[data-action="add-server"]');
  await page.waitForSelector('#conf-change:not([hidden]) [data-action="reconfigure"]');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a run with the unsafe direct switch and every server a voter says "Switch directly (unsafe)"', async () => {
  const page = await openPage(env.browser.context, shareURL({ v: 1, seed: 2, options: { peers: 3, unsafe: { direct_config_change: true } }, actions: [] }));
  await play(page, 0);
  await waitFor(page, (s) => s.leader && s.peers[s.leader - 1].commit_index > 0, 'a leader');
  await page.waitForSelector('#conf-change:not([hidden]) [data-action="reconfigure"]:not([disabled])');
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Switch directly (unsafe)');
  assert.match(await page.getAttribute('[data-action="reconfigure"]', 'title'), /without C_old,new/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('seven voters at 1280×800: the new voters show, and the client form and the latest narration line stay in the window', async () => {
  const page = await openPage(env.browser.context, shareURL({ v: 1, seed: 1, options: { peers: 7 }, actions: [] }), { width: 1280, height: 800 });
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.peers[s.leader - 1].commit_index > 0, 'a leader');
  await page.waitForSelector('#conf-change:not([hidden]) [data-action="reconfigure"]');
  await page.waitForSelector('#narration-list li');
  await pause(page);
  assert.equal(await page.locator('input[data-action="conf-voter"]').count(), 7);
  assert.deepEqual(await inWindow(page, ['[data-action="reconfigure"]', '#cmd', '#client-form [data-action="send"]', '#narration-list li:last-child']), []);
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  await screenshot(page, 'membership-voters-seven');
  assert.deepEqual(page.problems, []);
  await page.close();
});
