// End-to-end test of lesson 18 (snapshots and log compaction, §7) in Chromium, played
// to the end by clicking as a learner would: the Snapshot buttons of the peer cards,
// Crash and Restart, the client form. Each step's check is seen to pass part by part,
// the log rows show each snapshot block (li.log-snapshot with data-snapshot-index and
// data-snapshot-term) and the entries after it, and the logs' legend explains the block
// in the words of its title.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, openLessonFromMenu, state, waitFor, play, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

/** snapshotBlock returns the snapshot block of a peer's log row as {index, term, title}, or null. */
function snapshotBlock(page, peer) {
  return page.evaluate((peer) => {
    const b = document.querySelector(`.log-row[data-peer="${peer}"] li.log-snapshot`);
    return b && { index: Number(b.dataset.snapshotIndex), term: Number(b.dataset.snapshotTerm), title: b.title, first: b === b.parentElement.firstElementChild };
  }, peer);
}

/** cellIndexes lists the data-index of the entries drawn in a peer's log row. */
const cellIndexes = (page, peer) => page.$$eval(`.log-row[data-peer="${peer}"] .log-cell[data-index]`,
  (cells) => cells.map((c) => Number(c.getAttribute('data-index'))));

/** send types a command, picks the peer and presses Send. */
async function send(page, cmd, peer) {
  await page.fill('#cmd', cmd);
  await page.selectOption('#cmd-peer', String(peer));
  await page.click('#client-form button[type="submit"]');
}

/** snapshot presses the Snapshot button on the card of peer id. */
async function snapshot(page, id) {
  await page.click(`.peer-card[data-peer="${id}"] button[data-action="snapshot"]`);
}

test('lesson 18 by clicking: snapshots on a follower and the leader, a follower brought back by InstallSnapshot, every server compacting on its own', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const lesson = await openLessonFromMenu(page, { id: 'snapshots', number: 18, title: 'Snapshots and log compaction', steps: 6 });

  // Step 1: six writes to x; every log holds seven entries and no snapshot.
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['every server has applied x = 6', 'every log holds seven committed entries']);
  for (const id of [1, 2, 3]) {
    assert.equal(await snapshotBlock(page, id), null, `S${id} has no snapshot yet`);
    assert.deepEqual(await cellIndexes(page, id), [1, 2, 3, 4, 5, 6, 7], `S${id}'s log holds entries 1 to 7`);
  }
  assert.equal(await page.locator('.legend li.legend-snapshot').isVisible(), false, 'no snapshot drawn, none in the legend');
  assert.equal(await lesson.answerQuiz(/§7/), 1);
  await page.click('#lesson-next');

  // Step 2: the Snapshot button of S2, which Find it focuses.
  await lesson.onStep(2);
  assert.deepEqual(await lesson.highlighted(), ['2']);
  assert.deepEqual(await lesson.find(), { id: '', action: 'snapshot', peer: '2' }, 'Find it focuses S2\'s Snapshot button');
  await snapshot(page, 2);
  assert.deepEqual(await lesson.passes(), ['S2 takes a snapshot up to entry 7']);
  // The log view draws on the next animation frame.
  await page.waitForSelector('.log-row[data-peer="2"] li.log-snapshot[data-snapshot-index="7"]');
  const block = await snapshotBlock(page, 2);
  assert.deepEqual({ index: block.index, term: block.term, first: block.first }, { index: 7, term: 1, first: true }, 'one block at the start of S2\'s row');
  assert.equal(block.title, 'snapshot of entries up to index 7, term 1: the earlier log is compacted away');
  assert.deepEqual(await cellIndexes(page, 2), [], 'entries 1 to 7 are gone from S2\'s row');
  assert.deepEqual(await cellIndexes(page, 1), [1, 2, 3, 4, 5, 6, 7], 'the leader keeps its log');

  // Now that a block is drawn, the legend explains it: its shape and its text, and on
  // hover the words of the block's own title.
  const legend = page.locator('.legend li.legend-snapshot');
  assert.equal(await legend.count(), 1);
  assert.ok(await legend.isVisible());
  assert.match(await legend.textContent(), /double border, ≤ 6 @ t1: snapshot, log up to 6 compacted/);
  assert.equal(await legend.getAttribute('title'), block.title.replace('index 7, term 1', 'index 6, term 1'));
  const borders = await page.evaluate(() => {
    const style = (sel) => getComputedStyle(document.querySelector(sel)).borderTopStyle;
    return [style('.legend .swatch.snapshot'), style('.log-row[data-peer="2"] li.log-snapshot')];
  });
  assert.deepEqual(borders, ['double', 'double'], 'the legend\'s swatch has the block\'s double border');
  assert.equal(await lesson.answerQuiz(/§7/), 1);
  await page.click('#lesson-next');

  // Step 3: crash S3, then SET y 7 to S1 from the client form.
  await lesson.onStep(3);
  await page.click('.peer-card[data-peer="3"] button[data-action="crash"]');
  await page.waitForSelector('[data-peer-id="3"][data-role="down"]');
  await send(page, 'SET y 7', 1);
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S3 is down', 'S1 has applied y = 7', 'S2 has applied y = 7', 'S3 misses entry 8']);
  assert.equal(await lesson.answerQuiz(/§7/), 1);
  await page.click('#lesson-next');

  // Step 4: Snapshot on S1, then Restart on S3: S3 gets S1's snapshot.
  await lesson.onStep(4);
  assert.deepEqual(await lesson.highlighted(), ['1']);
  await snapshot(page, 1);
  await page.click('.peer-card[data-peer="3"] button[data-action="restart"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S1 takes a snapshot up to entry 8', 'S1 sends S3 its snapshot: entry 8 is no longer in its log',
    'S3 installs the snapshot', 'S3 holds y = 7 without ever receiving entry 8']);
  await page.waitForFunction(() => /installed the snapshot/.test(document.querySelector('#narration-list').textContent));
  await page.waitForSelector('.log-row[data-peer="3"] li.log-snapshot[data-snapshot-index="8"]');
  const s3 = await snapshotBlock(page, 3);
  assert.equal(s3.index, 8);
  assert.equal(s3.term, 1);
  assert.equal((await snapshotBlock(page, 1)).index, 8);
  assert.equal((await state(page)).peers[2].kv.y, '7');
  await screenshot(page, 'lesson-18-install-snapshot');
  assert.equal(await lesson.answerQuiz(/§7/), 1);
  await page.click('#lesson-next');

  // Step 5: SET z 9 to S1; S3 appends entry 9 right after its snapshot.
  await lesson.onStep(5);
  await send(page, 'SET z 9', 1);
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S3 appends entry 9 right after its snapshot', 'S3 has applied z = 9']);
  await page.waitForSelector('.log-row[data-peer="3"] .log-cell[data-index="9"]');
  assert.deepEqual(await cellIndexes(page, 3), [9], 'S3\'s row: the snapshot, then entry 9');
  await page.click('#lesson-next');

  // Step 6: a fresh cluster in which every server compacts on its own.
  await lesson.onStep(6);
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['S1 snapshots twice', 'S2 snapshots twice', 'S3 snapshots twice', 'no snapshot is sent']);
  await waitFor(page, (s) => s.peers.every((p) => p.snapshot_index === 8), 'every server compacted up to entry 8');
  for (const id of [1, 2, 3]) await page.waitForSelector(`.log-row[data-peer="${id}"] li.log-snapshot[data-snapshot-index="8"]`);
  assert.equal(await lesson.answerQuiz(/§7/), 1);
  assert.equal(await page.textContent('#lesson-next'), 'Finish ✓');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  assert.match(await page.textContent('#lesson-outro'), /the state instead of the history/);
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons.snapshots.done, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(page.problems, []);
  await page.close();
});
