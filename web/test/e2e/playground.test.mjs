// End-to-end tests of the playground in Chromium: what a learner does, checked through
// the DOM contract (data-peer-id, data-role, data-index, data-term, data-committed) and
// window.raftplay.state().

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, startServer, openPage, state, waitFor, screenshot, pause, setSpeed, play } from './harness.mjs';

const env = useServerAndBrowser();


const leaderOf = (snap) => snap.leader || 0;
const ups = (snap) => snap.peers.filter((p) => p.role !== 'down');

test('the page loads without console errors and elects a leader', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  const lead = await waitFor(page, leaderOf, 'a leader', 10_000);
  await page.waitForSelector(`[data-peer-id="${lead}"][data-role="leader"]`);
  assert.equal(await page.locator('[data-peer-id]').count(), 3, 'three peers drawn');
  assert.equal(await page.locator('[data-role="leader"]').count(), 1, 'exactly one leader drawn');
  const label = await page.getAttribute(`[data-peer-id="${lead}"]`, 'aria-label');
  assert.match(label, /Leader term \d+/, 'the role is said in words, not only by colour');
  await page.waitForFunction(() => /won the election/.test(document.querySelector('#narration-list').textContent));
  // Ten properties, and the two of membership changes (§6).
  assert.equal(await page.locator('.inv[data-ok="true"]').count(), 12, 'every safety property holds');
  await screenshot(page, 'loaded-1280-light');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('crashing the leader yields a new leader; restarting brings the old one back as follower', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  const old = await waitFor(page, leaderOf, 'a first leader');
  await page.click(`.peer-card[data-peer="${old}"] button:has-text("Crash")`);
  await page.waitForSelector(`[data-peer-id="${old}"][data-role="down"]`);
  const next = await waitFor(page, (s) => s.leader && s.leader !== old && s.leader, 'a new leader');
  assert.notEqual(next, old);
  await page.waitForSelector(`[data-peer-id="${next}"][data-role="leader"]`);
  await screenshot(page, 'leader-crashed');
  await page.click(`.peer-card[data-peer="${old}"] button:has-text("Restart")`);
  await waitFor(page, (s) => s.peers[old - 1].role === 'follower' && s.leader === next, 'the old leader to rejoin as a follower');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a partition isolates the leader, a new one is elected, and healing reunites them', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  const old = await waitFor(page, leaderOf, 'a first leader');
  await page.click('#net-isolate-leader');
  let snap = await state(page);
  assert.equal(snap.blocked.length, 4, 'both directions of both links of the leader are cut');
  assert.equal(await page.locator('.link[data-state="cut"]').count(), 2);
  assert.equal(await page.locator('.link[data-state="open"]').count(), 1);
  const next = await waitFor(page, (s) => {
    const lead = s.peers.find((p) => p.id !== old && p.role === 'leader');
    return lead && lead.id;
  }, 'a leader on the majority side');
  await screenshot(page, 'partitioned');
  await page.click('#net-heal');
  snap = await state(page);
  assert.equal(snap.blocked.length, 0);
  assert.equal(await page.locator('.link[data-state="open"]').count(), 3);
  await waitFor(page, (s) => s.peers.filter((p) => p.role === 'leader').length === 1 && s.peers[old - 1].role === 'follower' &&
    s.peers.every((p) => p.term === s.peers[next - 1].term), 'one leader and one term after healing');

  // One link by keyboard: Enter on a link cuts it, Enter again heals it.
  const link = page.locator('[data-link="1-2"]');
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-link="1-2"][data-state="cut"]');
  snap = await state(page);
  assert.deepEqual(snap.blocked.map((l) => `${l.from}>${l.to}`).sort(), ['1>2', '2>1']);
  await link.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-link="1-2"][data-state="open"]');
  assert.equal((await state(page)).blocked.length, 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a client command commits on all three peers', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  await waitFor(page, leaderOf, 'a leader');
  await page.fill('#cmd', 'SET x 3');
  await page.click('#client-form button[type="submit"]');
  await waitFor(page, (s) => s.peers.every((p) => p.kv.x === '3' && p.last_applied === p.last_index), 'x=3 applied everywhere');
  for (const id of [1, 2, 3]) {
    const cell = page.locator(`.log-row[data-peer="${id}"] .log-cell[aria-label*="SET x 3"]`);
    await cell.waitFor();
    assert.equal(await cell.getAttribute('data-committed'), 'true', `peer ${id} shows the entry committed`);
    assert.match(await cell.textContent(), /✓/, 'committed is marked by a symbol too');
  }
  await page.waitForFunction(() => /SET x 3/.test(document.querySelector('#narration-list').textContent));
  await screenshot(page, 'command-committed');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('truncation on recovery: the conflicting suffix is shown struck through, then the logs converge', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await setSpeed(page, -1);
  await page.selectOption('#scenario', 'conflict');
  await page.fill('#seed', '1');
  await page.click('#reset');
  const removed = page.locator('.log-row[data-peer="3"] .log-cell[data-truncated="true"]');
  await removed.first().waitFor({ timeout: 10_000 });
  assert.deepEqual(await removed.evaluateAll((cells) => cells.map((c) => `${c.dataset.index}@${c.dataset.term}`)), ['3@2', '4@2']);
  const banner = await page.textContent('#truncation-text');
  assert.match(banner, /§5\.3/);
  assert.match(banner, /3\.\.4/);
  await screenshot(page, 'truncation-highlighted');
  // The hold lasts as long as reading the sentence takes; the banner's button goes on.
  await page.click('#truncation-continue');
  await page.waitForSelector('#truncation', { state: 'hidden', timeout: 10_000 });
  const snap = await waitFor(page, (s) => s.peers.every((p) => p.commit_index === p.last_index && p.last_index >= 4) && s, 'converged, committed logs');
  const terms = await page.$$eval('.log-row[data-peer]', (rows) => rows.map((r) =>
    [...r.querySelectorAll('.log-cell')].map((c) => `${c.dataset.term}${c.dataset.committed === 'true' ? '' : '?'}`).join(',')));
  assert.equal(new Set(terms).size, 1, `every row shows the same committed terms: ${terms.join(' | ')}`);
  assert.equal(await page.locator('[data-truncated]').count(), 0);
  assert.deepEqual(snap.peers[2].log.slice(0, 3).map((e) => e.term), [1, 1, 3], 'S3 took the leader\'s entry 3');
  await screenshot(page, 'truncation-converged');
  assert.deepEqual(page.problems, []);
  await page.close();
});

/**
 * shareRoundTrip makes a share link on the page at url and checks it reopens the same
 * state. expectedProblems are console messages the page is allowed (the 404 of the
 * share API on a server without one).
 */
async function shareRoundTrip(url, linkPattern, expectedProblems = []) {
  const page = await openPage(env.browser.context, url);
  await play(page, -1);
  await waitFor(page, leaderOf, 'a leader');
  await page.fill('#cmd', 'SET shared 1');
  await page.click('#client-form button[type="submit"]');
  await waitFor(page, (s) => s.peers.every((p) => p.kv.shared === '1'), 'the command applied');
  await pause(page);
  await page.click('#share');
  await page.waitForFunction(() => document.querySelector('#share-link').value !== '');
  const link = await page.inputValue('#share-link');
  assert.match(link, linkPattern);
  const want = await state(page);

  const again = await openPage(env.browser.context, link);
  const got = await state(again);
  assert.deepEqual(got, want, 'same time, steps, peers, logs and messages in flight');
  assert.equal(await again.getAttribute('#play', 'aria-pressed'), 'false', 'a shared moment opens paused');
  assert.deepEqual(page.problems, expectedProblems);
  assert.deepEqual(again.problems, []);
  await again.close();
  await page.close();
}

test('a share link reloads exactly the same state', async () => {
  await shareRoundTrip(env.server.url, /\/s\/[a-z2-7]{26}#t=\d+$/);
});

test('without a share API the share link carries the scenario in its fragment', async () => {
  const plain = await startServer({ shareAPI: false });
  try {
    // The page asks POST /api/share first; the browser reports its 404 on the console.
    await shareRoundTrip(plain.url, /#s=1\.[A-Za-z0-9_-]+&t=\d+$/,
      ['console.error: Failed to load resource: the server responded with a status of 404 (Not Found)']);
  } finally {
    await plain.stop();
  }
});

test('the time slider goes back and forth, and acting in the past forks a new future', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.time > 400, 'a leader and some history');
  await pause(page);
  const end = await state(page);
  const middle = Math.floor(end.time / 2);
  await page.locator('#time').fill(String(middle));
  const back = await state(page);
  assert.equal(back.time, middle);
  assert.ok(back.steps < end.steps);
  assert.match(await page.textContent('#time-out'), new RegExp(`recorded to ${end.time} ms`));
  await page.locator('#time').fill(String(end.time));
  assert.deepEqual(await state(page), end, 'forward again to the very same state');

  await page.locator('#time').fill(String(middle));
  await page.click('#step');
  const stepped = await state(page);
  assert.equal(stepped.steps, back.steps + 1, 'one event forward');
  await page.click('#step-back');
  assert.equal((await state(page)).steps, back.steps, 'one event back');

  await page.click(`.peer-card[data-peer="1"] button:has-text("Timeout")`);
  const forked = await state(page);
  assert.equal(await page.getAttribute('#time', 'max'), String(forked.time), 'the recorded future is gone');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('messages in flight can be inspected, dropped and duplicated', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  await waitFor(page, leaderOf, 'a leader');
  await waitFor(page, (s) => s.messages.length > 0, 'a message in flight');
  await pause(page);
  // Paused between two messages: step to the next one sent.
  while ((await state(page)).messages.length === 0) await page.click('#step');
  await page.keyboard.press('m');
  await page.waitForSelector('#inspector:not([hidden])');
  const id = Number(await page.locator('.msg.selected').getAttribute('data-msg-id'));
  assert.ok(id > 0);
  assert.match(await page.textContent('#inspector'), /Type/);
  await page.click('#msg-duplicate');
  let snap = await state(page);
  assert.ok(snap.messages.some((m) => m.id !== id && m.text === snap.messages.find((x) => x.id === id).text), 'a copy is in flight');
  await page.click('#msg-drop');
  snap = await state(page);
  assert.ok(!snap.messages.some((m) => m.id === id), 'the message is gone');
  assert.match(await page.textContent('#inspector-body'), /no longer in flight/);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#inspector', { state: 'hidden' });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('keyboard: ? opens the help, Space pauses and plays, digits crash and restart', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  await waitFor(page, leaderOf, 'a leader');
  await page.locator('body').focus();
  await page.keyboard.press('?');
  await page.waitForSelector('#help[open]');
  assert.match(await page.textContent('#help'), /crash or restart that peer/);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#help', { state: 'hidden' });
  await page.keyboard.press(' ');
  await page.waitForSelector('#play[aria-pressed="false"]');
  await page.keyboard.press('2');
  await page.waitForSelector('[data-peer-id="2"][data-role="down"]');
  await page.keyboard.press('2');
  await page.waitForSelector('[data-peer-id="2"]:not([data-role="down"])');
  await page.keyboard.press(' ');
  await page.waitForSelector('#play[aria-pressed="true"]');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('export and import a trace', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.time > 200, 'a leader');
  await pause(page);
  const want = await state(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const trace = JSON.parse(text);
  assert.equal(trace.format, 'raftplay-trace');
  assert.equal(trace.time, want.time);
  assert.ok(trace.events.length > 0);

  const fresh = await openPage(env.browser.context, env.server.url);
  await fresh.setInputFiles('#import-file', { name: 'trace.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  await fresh.waitForFunction(() => /Trace imported/.test(document.querySelector('#status').textContent));
  assert.match(await fresh.textContent('#status'), /matches \d+ of its events/);
  await pause(fresh);
  const got = await state(fresh);
  assert.ok(got.time >= want.time);
  await fresh.locator('#time').fill(String(want.time));
  assert.deepEqual(await state(fresh), want, 'the imported run is the same run');
  assert.deepEqual(page.problems, []);
  assert.deepEqual(fresh.problems, []);
  await fresh.close();
  await page.close();
});
