// Browser tests of the traps issue 9 found in the playground ("Bugs and traps found",
// items 1 to 12), one test per item. Each drives the page as a learner would (clicks,
// keys, the slider); where a test needs the run at an exact moment it pauses the clock
// and moves the run with window.raftplay, so that no test depends on the default speed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, state, waitFor, pause, play, setSpeed, screenshot, axeSource } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();

/** scan runs axe-core on the page (or the element of selector) and returns its serious or critical violations. */
async function scan(page, include) {
  await page.evaluate(axe);
  const found = await page.evaluate(async (sel) => {
    const r = await window.axe.run(sel ? { include: [sel] } : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, include);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${v.nodes.join(', ')}`);
}

/** load picks a scenario and a seed with the run panel's controls and pauses at time 0. */
async function load(page, scenario = 'fresh', seed = 1) {
  await page.selectOption('#scenario', scenario);
  await page.fill('#seed', String(seed));
  await page.click('#reset');
  await pause(page);
  await moveTo(page, 0);
}

/**
 * moveTo runs (or rewinds) the paused run to virtual time t exactly, then lets the page
 * catch up through the time slider, as a scrub to t would.
 */
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

/** narration returns the narration's sentences, oldest first. */
function narration(page) {
  return page.$$eval('#narration-list li', (lis) => lis.map((li) => li.textContent));
}

/** overlaps reports whether two DOMRects intersect (by more than a pixel). */
function overlaps(a, b) {
  return a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
}

test('1: during the truncation hold, the held row shows the commit and applied index it had before', async () => {
  // Lesson 7, step 2: S3 comes back with eleven entries and loses eight of them.
  const page = await openPage(env.browser.context, env.server.url + '#lesson=07&step=2');
  await page.waitForSelector('#lesson:not([hidden])');
  await setSpeed(page, -1);
  await page.click('.peer-card[data-peer="3"] button:has-text("Restart")');
  const removed = page.locator('.log-row[data-peer="3"] .log-cell[data-truncated="true"]');
  await removed.first().waitFor({ timeout: 15_000 });
  const from = Math.min(...await removed.evaluateAll((cells) => cells.map((c) => Number(c.dataset.index))));
  const nums = await page.textContent('.log-row[data-peer="3"] .log-head-nums');
  const [, commit, applied] = /C (\d+) · A (\d+)/.exec(nums).map(Number);
  assert.ok(commit < from, `S3's commit index shown (${nums}) is below the struck entries (from ${from})`);
  assert.ok(applied < from, `S3's last applied shown (${nums}) is below the struck entries`);
  // No ▲C or ▲A marker sits under an entry being removed.
  const cols = await removed.evaluateAll((cells) => cells.map((c) => c.style.getPropertyValue('--col')));
  const marks = await page.$$eval('.log-row[data-peer="3"] .log-marker', (ms) => ms.map((m) => ({ text: m.textContent, col: m.style.getPropertyValue('--col') })));
  for (const m of marks) {
    if (/[CA]/.test(m.text)) assert.ok(!cols.includes(m.col), `marker ${m.text} is not under a struck entry`);
  }
  assert.equal(await page.getAttribute('.log-row[data-peer="3"] .log-cell[data-truncated="true"]', 'data-committed'), 'false');
  await screenshot(page, 'bug1-truncation-markers');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('2: the time slider keeps its width while scrubbed, so a release lands where it was let go', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 800);
  const box = await page.locator('#time').boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.95, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, y, { steps: 4 });
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 4 });
  await page.mouse.up();
  const after = await page.locator('#time').boundingBox();
  assert.equal(Math.round(after.width), Math.round(box.width), 'the slider did not change width');
  const { value, max } = await page.$eval('#time', (s) => ({ value: Number(s.value), max: Number(s.max) }));
  assert.ok(Math.abs(value / max - 0.4) < 0.03, `released at 40 %, landed at ${Math.round((100 * value) / max)} %`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('3: lesson 1 step 3, "Find it on the page" focuses S1\'s Timeout, not its Crash', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=01&step=3');
  await page.waitForSelector('#lesson:not([hidden])');
  await page.click('#lesson-find');
  const focused = await page.evaluate(() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent);
  assert.match(focused, /S1's election timeout|Timeout/);
  assert.doesNotMatch(focused, /Crash/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('4: after a wrong move, Show me names the mistake and offers to restart the step', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=01&step=3');
  await page.waitForSelector('#lesson:not([hidden])');
  await pause(page);
  await page.click('.peer-card[data-peer="1"] button:has-text("Crash")');
  await waitFor(page, (s) => s.peers[0].role === 'down', 'S1 down');
  await page.click('#lesson-show-me');
  const stall = page.locator('#lesson-overdue');
  await stall.waitFor({ state: 'visible' });
  const text = await stall.textContent();
  assert.doesNotMatch(text, /lessonShowMe|sim:|act \(/, 'no raw engine error');
  assert.match(text, /crashed S1/, 'names what the learner did');
  assert.match(text, /timeout/i, 'names what the step asks for');
  assert.doesNotMatch(await page.textContent('#status'), /lessonShowMe|sim:/);
  await screenshot(page, 'bug4-stalled-step');
  assert.deepEqual(await scan(page, '#lesson'), []);
  await stall.locator('button:has-text("Restart this step")').click();
  await waitFor(page, (s) => s.peers[0].role !== 'down', 'S1 up again after the restart of the step');
  await stall.waitFor({ state: 'hidden' });
  // Without Show me: once the check is overdue, the same box names the mistake.
  await pause(page);
  await page.click('.peer-card[data-peer="1"] button:has-text("Crash")');
  await setSpeed(page, 0.5);
  await play(page);
  await stall.waitFor({ state: 'visible', timeout: 20_000 });
  assert.match(await stall.textContent(), /taking longer|crashed S1/);
  assert.match(await stall.textContent(), /you crashed S1/);
  await pause(page);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('5: message labels clear the peers and each other, a duplicate is offset, and a paused message shows its direction', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 180);
  await page.fill('#cmd', 'SET x 3');
  await page.click('#client-form button[type="submit"]');
  await moveTo(page, 182);
  const first = await page.evaluate(() => window.raftplay.state().messages.find((m) => m.type === 'AppendEntries').id);
  await page.click(`[data-msg-id="${first}"] .msg-dot`);
  await page.click('#msg-duplicate');
  const geo = await page.evaluate(() => {
    const rect = (n) => { const r = n.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
    return {
      peers: [...document.querySelectorAll('.peer-body')].map(rect),
      labels: [...document.querySelectorAll('.msg-label')].filter((l) => l.textContent).map((l) => ({ text: l.textContent, r: rect(l) })),
      dots: [...document.querySelectorAll('[data-msg-id]')].map((g) => ({ id: Number(g.dataset.msgId), r: rect(g.querySelector('.msg-dot')), arrow: Boolean(g.querySelector('.msg-arrow:not([hidden])')) })),
      messages: window.raftplay.state().messages,
    };
  });
  await screenshot(page, 'bug5-message-labels');
  assert.ok(geo.labels.length >= 3, `labels shown: ${geo.labels.length}`);
  for (const l of geo.labels) {
    for (const p of geo.peers) assert.ok(!overlaps(l.r, p), `label ${l.text} is clear of the peer circles`);
  }
  for (let i = 0; i < geo.labels.length; i++) {
    for (let j = i + 1; j < geo.labels.length; j++) {
      assert.ok(!overlaps(geo.labels[i].r, geo.labels[j].r), `labels ${geo.labels[i].text} and ${geo.labels[j].text} do not overlap`);
    }
  }
  const orig = geo.messages.find((m) => m.id === first);
  const twin = geo.messages.find((m) => m.id > first && m.from === orig.from && m.to === orig.to && m.text === orig.text);
  assert.ok(twin, 'the duplicate is in flight');
  // No two dots of one link sit on each other (the duplicate starts from the sender,
  // where the empty AppendEntries sent at the same moment is).
  const at = (id) => geo.dots.find((d) => d.id === id).r;
  const link = geo.messages.filter((m) => m.from === orig.from && m.to === orig.to);
  assert.ok(link.length >= 3);
  for (const m of link) {
    if (m.id === twin.id) continue;
    const a = at(m.id);
    const b = at(twin.id);
    assert.ok(Math.hypot(a.left - b.left, a.top - b.top) >= 8, `the duplicate does not sit on message ${m.id}`);
  }
  for (const d of geo.dots) assert.ok(d.arrow, `message ${d.id} shows its direction while paused`);
  await screenshot(page, 'bug5-message-labels');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('6: a cut link is one narration line that counts its drops, under a filter of its own', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 300);
  const { leader } = await state(page);
  const other = leader === 3 ? 1 : 3;
  const [a, b] = [Math.min(leader, other), Math.max(leader, other)];
  await page.locator(`[data-link="${a}-${b}"]`).dispatchEvent('click');
  const third = 6 - leader - other;
  await page.click(`.peer-card[data-peer="${third}"] button:has-text("Crash")`);
  await moveTo(page, 700);
  const lines = await narration(page);
  const dropped = lines.filter((l) => /dropped message/i.test(l));
  assert.ok(dropped.length === 0, `no line per dropped message: ${dropped.length} of them`);
  const link = lines.filter((l) => new RegExp(`link S${leader}→S${other} cut: \\d+ messages? dropped`, 'i').test(l));
  assert.equal(link.length, 1, `one aggregated line for the cut link: ${lines.join('\n')}`);
  assert.ok(Number(/cut: (\d+)/.exec(link[0])[1]) >= 3, link[0]);
  assert.ok(!lines.some((l) => /block \d+ -> \d+/i.test(l)), 'no raw "Block 1 -> 3"');
  assert.ok(lines.some((l) => new RegExp(`link from S${a} to S${b} is cut`).test(l)), 'the cut is phrased');
  // Its own filter: hiding cut links keeps the crash.
  await page.uncheck('#kind-links');
  const filtered = await narration(page);
  assert.ok(!filtered.some((l) => /cut: \d+ messages? dropped/.test(l)), 'the cut links\' drops are hidden');
  assert.ok(filtered.some((l) => new RegExp(`S${third} crashed`).test(l)), 'crashes still shown');
  await page.check('#kind-links');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('7: a rejection caused by a heartbeat overtaking the AppendEntries says so (SET x 3 at 180 ms, seed 1)', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh', 1);
  await moveTo(page, 180);
  await page.fill('#cmd', 'SET x 3');
  await page.click('#client-form button[type="submit"]');
  await moveTo(page, 240);
  const lines = await narration(page);
  const rejected = lines.filter((l) => /rejected entries/.test(l));
  assert.ok(rejected.length >= 1, 'a rejection happened');
  for (const l of rejected) assert.match(l, /overt(ook|aken)|reorder/i, `the rejection names the reordering: ${l}`);
  const backoff = lines.filter((l) => /backs off/.test(l));
  assert.ok(backoff.length >= 1);
  for (const l of backoff) assert.match(l, /reorder|overt/i, `the back-off names its cause: ${l}`);
  // A rejection with no reordering (a follower that really lacks entries) says nothing of the kind.
  await load(page, 'conflict', 1);
  await moveTo(page, 200);
  const real = (await narration(page)).filter((l) => /rejected entries/.test(l));
  for (const l of real) assert.doesNotMatch(l, /overt|reorder/i);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('8a: while playing, the truncation holds long enough to read, then goes on by itself', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'conflict');
  await setSpeed(page, -1);
  await play(page);
  await page.waitForSelector('#truncation:not([hidden])', { timeout: 15_000 });
  const words = (await page.textContent('#truncation-text')).split(/\s+/).length;
  const t0 = (await state(page)).time;
  await page.waitForTimeout(5000);
  assert.equal(await page.isVisible('#truncation'), true, `a ${words}-word sentence is still up after 5 s`);
  assert.equal((await state(page)).time, t0, 'the run is held');
  await page.waitForSelector('#truncation', { state: 'hidden', timeout: 25_000 });
  await waitFor(page, (s) => s.time > t0, 'the run goes on after the hold');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('8b: in a lesson the truncation holds until the learner continues, with the range in view (375 px)', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=07&step=2', { width: 375, height: 800 });
  await page.waitForSelector('#lesson:not([hidden])');
  await setSpeed(page, -1);
  await page.click('.peer-card[data-peer="3"] button:has-text("Restart")');
  const removed = page.locator('.log-row[data-peer="3"] .log-cell[data-truncated="true"]');
  await removed.first().waitFor({ timeout: 15_000 });
  const t0 = (await state(page)).time;
  await page.waitForTimeout(3500);
  assert.equal(await page.isVisible('#truncation'), true, 'held in the lesson');
  assert.equal((await state(page)).time, t0);
  const inView = await removed.first().evaluate((c) => {
    const r = c.getBoundingClientRect();
    const s = document.querySelector('#log-scroll').getBoundingClientRect();
    // A pixel of slack each way: scrolling into view may leave a fraction of one out.
    return r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
  });
  assert.ok(inView, 'the first removed entry is scrolled into view');
  await screenshot(page, 'bug8-lesson-hold-375');
  await page.click('#truncation-continue');
  await page.waitForSelector('#truncation', { state: 'hidden' });
  await waitFor(page, (s) => s.time > t0, 'the run goes on once the learner continues');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('8c: stepping back onto a truncation or scrubbing to it shows it again', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'conflict');
  await setSpeed(page, -1);
  await play(page);
  await page.waitForSelector('#truncation:not([hidden])', { timeout: 15_000 });
  await pause(page);
  const cut = await page.evaluate(() => window.raftplay.events(0).findLast((e) => e.kind === 'suffix-truncated'));
  await page.click('#truncation-continue');
  await page.waitForSelector('#truncation', { state: 'hidden' });
  await page.click('#step');
  await page.click('#step');
  assert.equal(await page.locator('[data-truncated="true"]').count(), 0);
  // Back one event at a time: the truncation comes back when its moment is reached.
  let back = 0;
  while (!(await page.isVisible('#truncation')) && (await state(page)).time >= cut.time && back < 30) {
    await page.click('#step-back');
    back++;
  }
  assert.equal(await page.isVisible('#truncation'), true, `shown again after ${back} steps back`);
  assert.equal((await state(page)).time, cut.time);
  assert.ok(await page.locator('.log-row[data-peer="3"] [data-truncated="true"]').count() >= 1, 'stepping back shows the removed entries');
  await moveTo(page, 0);
  await page.waitForSelector('#truncation', { state: 'hidden' });
  await moveTo(page, cut.time);
  await page.waitForSelector('#truncation:not([hidden])');
  assert.ok(await page.locator('.log-row[data-peer="3"] [data-truncated="true"]').count() >= 1, 'scrubbing to it shows it');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('9: choosing a scenario loads it at once', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.selectOption('#scenario', 'figure7');
  await waitFor(page, (s) => s.peers.length === 7, 'the seven peers of Figure 7');
  await page.selectOption('#scenario', 'conflict');
  await waitFor(page, (s) => s.peers.length === 3 && s.peers[2].log.length >= 3, 'the conflict scenario');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('10: Esc leaves a text field, so the single-key shortcuts work again', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await pause(page);
  await page.locator('body').press('c');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cmd');
  await page.keyboard.type('GET x');
  await page.keyboard.press('Escape');
  assert.notEqual(await page.evaluate(() => document.activeElement.id), 'cmd');
  await page.keyboard.press('k');
  await page.waitForSelector('#play[aria-pressed="true"]');
  await pause(page);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('11a: a step forward always says what the stepped event was', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 300);
  for (let i = 0; i < 4; i++) {
    const before = await page.evaluate(() => window.raftplay.traceLen());
    await page.click('#step');
    const got = await page.evaluate((n) => ({ events: window.raftplay.events(n), time: window.raftplay.now() }), before);
    const note = await page.textContent('#step-note');
    assert.match(note, new RegExp(`${got.time} ms`), note);
    const e = got.events.find((x) => x.msg_type) || got.events[0];
    if (e && e.msg_type) assert.match(note, new RegExp(e.msg_type), note);
    assert.ok(note.length > 20, note);
  }
  await screenshot(page, 'bug11-step-note');
  assert.deepEqual(await scan(page, '#transport'), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('11b: acting in the past says the recorded future is discarded', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 600);
  await moveTo(page, 300);
  await page.click('.peer-card[data-peer="1"] button:has-text("Crash")');
  await page.waitForFunction(() => /discard/.test(document.querySelector('#step-note').textContent));
  const text = await page.textContent('#step-note');
  assert.match(text, /300 ms/);
  assert.match(text, /600 ms/);
  assert.ok((await narration(page)).some((l) => /discard/.test(l)), 'the narration keeps it too');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('11c: in lesson mode the two back buttons are named apart', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=01&step=2');
  await page.waitForSelector('#lesson:not([hidden])');
  const a = (await page.textContent('#step-back')).trim();
  const b = (await page.textContent('#lesson-back')).trim();
  assert.notEqual(a, b);
  assert.match(a, /event/i);
  assert.match(b, /step/i);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('12: M with nothing in flight says so where it stays true, not in a stale toast', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await load(page, 'fresh');
  await moveTo(page, 300);
  // Step until nothing is in flight.
  await page.evaluate(() => {
    for (let i = 0; i < 200 && window.raftplay.state().messages.length; i++) window.raftplay.step(1);
  });
  // Let the page take the paused run's snapshot (a change of setting redraws it).
  await page.click('#skip-quiet');
  await page.click('#skip-quiet');
  await page.evaluate(() => document.activeElement.blur());
  assert.equal((await state(page)).messages.length, 0);
  await page.locator('body').press('m');
  await page.waitForSelector('#inspector:not([hidden])');
  assert.match(await page.textContent('#inspector'), /No message is in flight/);
  assert.deepEqual(await scan(page, '#inspector'), []);
  // Step until a message is sent: nothing on the page may still claim there is none.
  for (let i = 0; i < 50 && (await state(page)).messages.length === 0; i++) await page.click('#step');
  assert.ok((await state(page)).messages.length > 0);
  assert.doesNotMatch(await page.textContent('#status'), /No message is in flight/);
  assert.doesNotMatch(await page.textContent('#inspector'), /No message is in flight/);
  await page.locator('body').press('m');
  const id = await page.evaluate(() => window.raftplay.state().messages[0].id);
  assert.match(await page.textContent('#inspector-title'), new RegExp(`Message ${id}`));
  assert.deepEqual(page.problems, []);
  await page.close();
});
