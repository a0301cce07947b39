// Snapshots on the playground (§7): the log view's snapshot block, InstallSnapshot drawn
// as its own kind of message, the Snapshot action of each peer and its refusal, checked
// through the DOM contract (data-snapshot-index, data-snapshot-term, data-index,
// data-msg-type) and window.raftplay.state().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, state, waitFor, screenshot, pause, play, axeSource } from './harness.mjs';

const env = useServerAndBrowser();

/** moveTo runs (or rewinds) the paused run to virtual time t, then lets the page catch up through the time slider. */
async function moveTo(page, t) {
  await page.evaluate((t) => {
    if (window.raftplay.now() < t) window.raftplay.runUntil(t);
    const slider = document.querySelector('#time');
    slider.max = String(Math.max(Number(slider.max), t));
    slider.value = String(t);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, t);
  await page.waitForFunction((t) => window.raftplay.now() === t && document.querySelector('#time').value === String(t), t);
}

// cellIndexes lists the data-index of the entries drawn in a peer's log row.
const cellIndexes = (page, peer) => page.$$eval(`.log-row[data-peer="${peer}"] .log-cell[data-index]`,
  (cells) => cells.map((c) => Number(c.getAttribute('data-index'))));

test('a follower that comes back after the leader compacted gets an InstallSnapshot, and its log then starts after it', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.selectOption('#scenario', 'compacted');
  // The presets are fetched when one is chosen, and the chosen run starts playing once
  // it is loaded: pausing before that would let it start after the pause.
  await page.waitForSelector('#play[aria-pressed="true"]');
  await pause(page);
  // S1 and S2 compact up to 6 (at about 1.3 s) while S3 is down (until 2.5 s).
  await moveTo(page, 1500);
  assert.equal((await state(page)).peers[0].snapshot_index, 6, 'the leader compacted its log up to 6');
  const lead = page.locator('.log-row[data-peer="1"] .log-snapshot');
  assert.equal(await lead.count(), 1, 'one snapshot block in the leader row');
  assert.equal(await lead.getAttribute('data-snapshot-index'), '6');
  assert.equal(await lead.getAttribute('data-snapshot-term'), '1');
  assert.match(await lead.textContent(), /snapshot\s*≤ 6 @ t1/);
  assert.ok((await cellIndexes(page, 1)).every((i) => i > 6), 'no entry the snapshot covers is drawn in its row');
  assert.equal(await page.locator('.log-row[data-peer="3"] .log-snapshot').count(), 0, 'S3, down, has no snapshot yet');

  // After S3 restarts, a few ms at a time until the leader's snapshot is on its way.
  let t = 2500;
  await moveTo(page, t);
  while (!(await state(page)).messages.some((m) => m.type === 'InstallSnapshot')) {
    assert.ok(t < 3000, 'an InstallSnapshot is sent to S3 within half a second of its restart');
    t += 4;
    await moveTo(page, t);
  }
  await page.waitForSelector('.msg[data-msg-type="InstallSnapshot"].kind-snapshot rect.msg-dot');
  await screenshot(page, 'snapshot-in-flight');
  await page.waitForFunction(() => /sends its snapshot/.test(document.querySelector('#narration-list').textContent));

  await moveTo(page, 3400);
  const s3 = (await state(page)).peers[2];
  assert.ok(s3.snapshot_index === 6 && s3.last_index >= 7 && s3.commit_index >= 7, `S3 installed the snapshot, then took entry 7: ${JSON.stringify(s3)}`);
  const row3 = page.locator('.log-row[data-peer="3"] .log-snapshot');
  assert.equal(await row3.getAttribute('data-snapshot-index'), '6');
  const idx = await cellIndexes(page, 3);
  assert.ok(idx.length > 0 && idx.every((i) => i > 6), `S3's log starts after its snapshot: ${idx}`);
  assert.ok(idx.includes(7));
  // Entry 7 lines up across the rows (its cells were drawn when the first column was
  // index 1 on S1 and S2) with the snapshot block's column just before it. offsetLeft:
  // the layout position, not moved by a cell's entrance animation.
  const sevens = await page.$$eval('.log-cell[data-index="7"]', (nodes) => nodes.map((n) => n.offsetLeft));
  const snapLeft = await row3.evaluate((n) => n.offsetLeft);
  assert.equal(sevens.length, 3, 'entry 7 on every peer');
  assert.equal(new Set(sevens).size, 1, `entry 7 in one column on every row: ${sevens}`);
  assert.ok(snapLeft < sevens[0], 'the snapshot block comes before entry 7');
  await page.waitForFunction(() => /installed the snapshot/.test(document.querySelector('#narration-list').textContent));
  await screenshot(page, 'snapshot-installed');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the Snapshot button compacts a peer\'s log, and is refused with a message when there is nothing new or the peer is down', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, 0);
  await waitFor(page, (s) => s.leader && s.peers.every((p) => p.commit_index >= 1 && p.last_applied >= 1), 'a leader and its first entry applied');
  await pause(page);
  const before = await state(page);
  const applied = before.peers[1].last_applied;
  await page.click('.peer-card[data-peer="2"] button[data-action="snapshot"]');
  const after = await state(page);
  assert.equal(after.peers[1].snapshot_index, applied, 'S2 snapshots up to its last applied entry');
  await page.waitForSelector(`.log-row[data-peer="2"] .log-snapshot[data-snapshot-index="${applied}"]`);
  assert.match(await page.textContent('.peer-card[data-peer="2"] .card-facts'), new RegExp(`snapshot ≤ ${applied}`));

  // Again at once: nothing new has been applied.
  await page.click('.peer-card[data-peer="2"] button[data-action="snapshot"]');
  await page.waitForFunction(() => /^No snapshot taken: peer 2 has applied nothing since its snapshot.*nothing new to snapshot\.$/.test(document.querySelector('#status').textContent));

  // Down: the drawing's peer menu offers it too, and says why not.
  await page.click('.peer-card[data-peer="3"] button:has-text("Crash")');
  await page.waitForSelector('[data-peer-id="3"][data-role="down"]');
  await page.click('[data-peer-id="3"]');
  await page.click('#peer-menu [data-menu-action="snapshot"]');
  await page.waitForFunction(() => /^No snapshot taken: peer 3 is down\.$/.test(document.querySelector('#status').textContent));
  assert.equal((await state(page)).peers[2].snapshot_index || 0, 0, 'the down peer took no snapshot');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('axe finds no serious or critical violations on the snapshot controls and blocks', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 375, height: 812, colorScheme: 'dark' });
  await page.selectOption('#scenario', 'compacted');
  // As above: the chosen run starts playing once loaded; a click on play before that
  // would be undone by it (or pause it).
  await page.waitForSelector('#play[aria-pressed="true"]');
  await play(page, 0);
  await waitFor(page, (s) => s.peers[0].snapshot_index === 6, 'a snapshot on the leader');
  await pause(page);
  await page.click('[data-peer-id="1"]');
  await page.waitForSelector('#peer-menu:not([hidden]) [data-menu-action="snapshot"]');
  await page.evaluate(axeSource());
  const bad = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(bad, []);
  assert.deepEqual(page.problems, []);
  await page.close();
});
