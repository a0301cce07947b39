// The playground for watching (issue 9), in Chromium: the pace (the page opens paused
// on term 0, a message stays on screen long enough to click, faster speeds one key
// away), the layout contract (at 1280×800, normal and lesson mode, everything a
// learner needs is in the window and stays there while the controls are used; at
// 375×800 the peers' actions follow the drawing), the DOM contract of the actions
// (data-action, data-peer), the peer menu on the drawing, and the projector setting
// (type of 18 px or more, remembered, axe clean).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, state, waitFor, play, pause, setSpeed, axeSource, ARTIFACTS } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();

/** shot saves what the window shows as test-artifacts/watch-NAME.png. */
async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `watch-${name}.png`) });
}

async function scan(page) {
  await page.evaluate(axe);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

/**
 * outside returns, for each selector, a line for every matching element whose box is
 * not wholly inside the window (below `bottom`, default the window's height), or
 * that is missing.
 */
async function outside(page, selectors, bottom) {
  return page.evaluate(([selectors, bottom]) => {
    const h = bottom ?? window.innerHeight;
    const out = [];
    for (const sel of selectors) {
      const found = [...document.querySelectorAll(sel)];
      if (found.length === 0) out.push(`${sel}: missing`);
      for (const e of found) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || r.top < 0 || r.left < 0 || r.bottom > h + 0.5 || r.right > window.innerWidth + 0.5) {
          out.push(`${sel}: [${Math.round(r.left)},${Math.round(r.top)} – ${Math.round(r.right)},${Math.round(r.bottom)}] in ${window.innerWidth}×${h}`);
        }
      }
    }
    return out;
  }, [selectors, bottom]);
}

/** What the normal view must show at 1280×800 (the latest narration line is added when there is one). */
const NORMAL = ['#cluster', '[data-peer-id]', '.log-row[data-peer] .log-head', '[data-action="crash"][data-peer], [data-action="restart"][data-peer]',
  '[data-action="timeout"][data-peer]', '#cmd', '#client-form [data-action="send"]'];

test('the page opens paused on term 0 with every peer a follower, and stays so until Play', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 1280, height: 800 });
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  assert.equal(await page.isVisible('#start'), true, 'a large Play button on the drawing');
  assert.match(await page.textContent('#start'), /Play/);
  await page.waitForTimeout(2500);
  const snap = await state(page);
  assert.equal(snap.time, 0);
  assert.deepEqual(snap.peers.map((p) => [p.role, p.term]), [['follower', 0], ['follower', 0], ['follower', 0]]);
  assert.equal(await page.locator('[data-role="follower"]').count(), 3);
  assert.match(await page.getAttribute('[data-peer-id="1"]', 'aria-label'), /Follower term 0/);
  await shot(page, 'opened');

  // At the default pace the first election takes seconds, not a blink.
  const t0 = Date.now();
  await page.click('#start');
  await page.waitForSelector('#play[aria-pressed="true"]');
  assert.equal(await page.isVisible('#start'), false, 'the big button goes once playing');
  await waitFor(page, (s) => s.leader, 'a leader', 30_000);
  const took = Date.now() - t0;
  assert.ok(took >= 2000, `the first election took ${took} ms of wall time: too fast to watch`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('at the default pace every message stays on screen at least 0.6 s, and can be clicked in flight', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 1280, height: 800 });
  assert.match(await page.textContent('#speed-out'), /×0\.004/);
  // Record, in the page, when each message element appears and disappears.
  await page.evaluate(() => {
    const life = new Map();
    window.__msgLife = life;
    new MutationObserver((records) => {
      const now = performance.now();
      for (const r of records) {
        for (const n of r.addedNodes) if (n.dataset?.msgId) life.set(n.dataset.msgId, { from: now, to: 0 });
        for (const n of r.removedNodes) if (n.dataset?.msgId && life.has(n.dataset.msgId)) life.get(n.dataset.msgId).to = now;
      }
    }).observe(document.querySelector('#messages'), { childList: true });
  });
  await play(page);
  await waitFor(page, (s) => s.leader && s.peers.every((p) => p.term === s.peers[s.leader - 1].term), 'a leader known to all', 30_000);
  const lives = await page.evaluate(() => [...window.__msgLife.values()].filter((l) => l.to > 0).map((l) => l.to - l.from));
  assert.ok(lives.length >= 6, `saw ${lives.length} messages cross`);
  const sorted = [...lives].sort((a, b) => a - b);
  assert.ok(sorted[0] >= 600, `the shortest message was on screen ${sorted[0].toFixed(0)} ms: ${sorted.map((x) => x.toFixed(0)).join(', ')}`);
  const mid = sorted[sorted.length >> 1];
  assert.ok(mid >= 600 && mid <= 1600, `a typical message crosses in about a second (median ${mid.toFixed(0)} ms)`);

  // A message in flight is clicked while the clock runs: the inspector opens on it.
  await page.waitForSelector('.msg');
  const at = await page.evaluate(() => {
    const r = document.querySelector('.msg .msg-dot').getBoundingClientRect();
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    return { x, y, id: document.elementFromPoint(x, y).closest('.msg').dataset.msgId };
  });
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#inspector:not([hidden])');
  const id = at.id;
  assert.equal(await page.getAttribute('.msg.selected', 'data-msg-id'), id);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a lesson step opens paused: a watch step does not pass before the learner starts it', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=01&step=1`, { width: 1280, height: 800 });
  await page.waitForFunction(() => document.querySelector('#lesson-step-title')?.textContent.startsWith('Step 1 '));
  assert.equal(await page.textContent('#lesson-task-h'), 'Watch');
  const start = await state(page);
  await page.waitForTimeout(2500);
  assert.equal((await state(page)).steps, start.steps, 'nothing ran while the text was read');
  assert.equal(await page.getAttribute('#lesson-verdict', 'data-passed'), 'false');
  assert.equal(await page.textContent('#start'), '▶ Start step 1');
  await page.click('#start');
  await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout: 30_000 });
  await page.click('#lesson-next');
  await page.waitForFunction(() => document.querySelector('#lesson-step-title')?.textContent.startsWith('Step 2 '));
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false', 'the next step opens paused too');
  assert.equal(await page.textContent('#start'), '▶ Start step 2');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('faster speeds are one key away: } for ×100, { back to the watching pace', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.locator('body').focus();
  await page.keyboard.press('}');
  assert.equal(await page.textContent('#speed-out'), '×100');
  await page.keyboard.press('{');
  assert.match(await page.textContent('#speed-out'), /×0\.004/);
  await page.click('#speed-fast');
  assert.equal(await page.textContent('#speed-out'), '×100');
  await play(page);
  await waitFor(page, (s) => s.leader && s.time > 5000, 'seconds of virtual time at ×100', 10_000);
  await page.click('#speed-watch');
  assert.match(await page.textContent('#speed-out'), /×0\.004/);
  assert.match(await page.textContent('#help-keys'), /\{ and \}/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('DOM contract: peer actions carry data-action and data-peer, the send button data-action="send"', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  for (const id of [1, 2, 3]) {
    assert.equal(await page.locator(`[data-action="crash"][data-peer="${id}"]`).count(), 1, `S${id}'s crash button`);
    assert.equal(await page.locator(`[data-action="timeout"][data-peer="${id}"]`).count(), 1, `S${id}'s timeout button`);
    assert.equal(await page.locator(`[data-peer-id="${id}"][data-role="follower"]`).count(), 1, `S${id} drawn`);
  }
  assert.equal(await page.locator('[data-action="send"]').count(), 1);
  await page.click('[data-action="crash"][data-peer="2"]');
  await page.waitForSelector('[data-peer-id="2"][data-role="down"]');
  assert.equal(await page.locator('[data-action="restart"][data-peer="2"]').count(), 1, 'crash turns into restart');
  await page.click('[data-action="restart"][data-peer="2"]');
  await page.waitForSelector('[data-action="crash"][data-peer="2"]');
  await page.click('[data-action="timeout"][data-peer="1"]');
  await play(page, -1);
  await waitFor(page, (s) => s.leader, 'a leader');
  await page.fill('#cmd', 'SET y 7');
  await page.click('[data-action="send"]');
  await waitFor(page, (s) => s.peers.every((p) => p.kv.y === '7'), 'y = 7 applied everywhere');
  await page.waitForSelector('.log-cell[data-index][data-term][data-committed="true"]');
  await pause(page);
  while ((await state(page)).messages.length === 0) await page.click('#step');
  const id = (await state(page)).messages[0].id;
  assert.equal(await page.locator(`[data-msg-id="${id}"]`).count(), 1, 'a message in flight carries data-msg-id');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('peer actions on the drawing: a click or Enter on a peer offers crash, restart and timeout', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.click('[data-peer-id="3"] .peer-body');
  await page.waitForSelector('#peer-menu:not([hidden])');
  assert.match(await page.textContent('#peer-menu'), /S3/);
  await page.click('#peer-menu [data-menu-action="power"]');
  await page.waitForSelector('[data-peer-id="3"][data-role="down"]');
  assert.match(await page.textContent('#peer-menu [data-menu-action="power"]'), /Restart/);
  assert.equal(await page.isDisabled('#peer-menu [data-menu-action="timeout"]'), true, 'a down peer cannot time out');
  await page.click('#peer-menu [data-menu-action="power"]');
  await page.waitForSelector('[data-peer-id="3"][data-role="follower"]');
  await page.click('#logs-h');
  await page.waitForSelector('#peer-menu', { state: 'hidden' });

  // By keyboard: Enter on a peer opens its menu with the focus on its first action;
  // Escape closes it and gives the focus back to the peer.
  await page.focus('[data-peer-id="1"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#peer-menu:not([hidden])');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.menuAction), 'power');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.menuAction), 'timeout');
  await page.keyboard.press('Enter');
  await waitFor(page, (s) => s.peers[0].role !== 'follower' || s.peers[0].term > 0, 'S1 to time out');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#peer-menu', { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-peer-id')), '1');
  assert.deepEqual(page.problems, []);
  await page.close();
});

for (const size of [3, 7]) {
  test(`layout at 1280×800 with ${size} peers: drawing, logs, actions, client form and latest narration fit, and stay put while used`, async () => {
    // Seven peers come from a share link (the page's size setting makes the same scenario).
    const url = size === 3 ? env.server.url
      : `${env.server.url}#s=1.${Buffer.from(JSON.stringify({ v: 1, seed: 1, options: { peers: size }, actions: [] })).toString('base64url')}`;
    const page = await openPage(env.browser.context, url, { width: 1280, height: 800 });
    assert.equal(await page.locator('[data-peer-id]').count(), size);
    assert.deepEqual(await outside(page, NORMAL), [], 'at the start');
    await play(page, -1);
    await waitFor(page, (s) => s.leader, 'a leader');
    await page.waitForSelector('#narration-list li');
    const withNarration = [...NORMAL, '#narration-list li:last-child'];
    assert.deepEqual(await outside(page, withNarration), [], 'playing, with a leader');
    await shot(page, size === 3 ? 'normal-1280' : `normal-1280-${size}`);

    // Each control, used: the window does not scroll and everything stays in it.
    const uses = [
      ['timeout S2', () => page.click('[data-action="timeout"][data-peer="2"]')],
      ['crash S3', () => page.click('[data-action="crash"][data-peer="3"]')],
      ['restart S3', () => page.click('[data-action="restart"][data-peer="3"]')],
      ['type a command', () => page.fill('#cmd', 'SET z 1')],
      ['send it', () => page.click('[data-action="send"]')],
      ['send by Enter', async () => { await page.focus('#cmd'); await page.keyboard.press('Enter'); }],
      ['crash S1', () => page.click('[data-action="crash"][data-peer="1"]')],
      ['restart S1', () => page.click('[data-action="restart"][data-peer="1"]')],
    ];
    for (const [what, use] of uses) {
      await use();
      await page.waitForTimeout(150);
      assert.equal(await page.evaluate(() => window.scrollY), 0, `${what} scrolled the page`);
      assert.deepEqual(await outside(page, withNarration), [], `after: ${what}`);
    }
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

// [lesson, step, what the step asks to use or watch, the moves that pass it, what shows
// it after the moves, the command to type first]
const STEPS = [
  ['01', 3, '.peer-card[data-peer="1"] [data-action="timeout"]', ['.peer-card[data-peer="1"] [data-action="timeout"]'],
    '.peer-card[data-peer="1"] [data-action="timeout"]', ''],
  ['07', 3, '#client-form [data-action="send"]', ['#client-form [data-action="send"]'], '#client-form [data-action="send"]', 'SET x 1'],
  ['07', 2, '.peer-card[data-peer="3"] [data-action="restart"]', ['.peer-card[data-peer="3"] [data-action="restart"]'],
    '.peer-card[data-peer="3"] [data-action="crash"]', ''],
  ['09', 2, '#net-isolate-leader', ['#net-isolate-leader'], '#net-isolate-leader', ''],
  // Crash S1, restart S3, force S3's timeout, and watch the safety properties.
  ['06', 6, '#invariants', ['[data-action="crash"][data-peer="1"]', '[data-action="restart"][data-peer="3"]', '[data-action="timeout"][data-peer="3"]'],
    '#inv-h', ''],
  // Partition S1 off with the network panel's split, restart S2: the network panel, the
  // card and the safety panel all fit above the bar (layout-lessons.test.mjs checks the
  // opening of every step that brings a panel up).
  ['10', 2, '#invariants', ['[data-action="partition-side"][data-peer="1"]', '[data-action="partition"]', '.peer-card[data-peer="2"] [data-action="restart"]'],
    '.inv[data-invariant="monotonic"]', ''],
];
for (const [lesson, step, control, moves, after, command] of STEPS) {
  test(`layout in lesson mode at 1280×800 (lesson ${lesson} step ${step}): text, Next, drawing, logs and the step's control fit`, async () => {
    const page = await openPage(env.browser.context, `${env.server.url}#lesson=${lesson}&step=${step}`, { width: 1280, height: 800 });
    await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} `), step);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page stays scrolled to the top');
    const navTop = await page.evaluate(() => document.querySelector('#lesson-nav').getBoundingClientRect().top);
    assert.deepEqual(await outside(page, ['#lesson-next', '#lesson-nav']), []);
    assert.deepEqual(await outside(page, ['#lesson-step-title', '#lesson-narration > :first-child', '#cluster', '.log-row[data-peer] .log-head', control, ...moves], navTop), [],
      'above the Back / Next bar');
    await shot(page, `lesson-${lesson}-${step}`);

    // Making the step's moves (the first starts the step's run) scrolls nothing away.
    if (command) await page.fill('#cmd', command);
    for (const move of moves) await page.click(move);
    await setSpeed(page, 0);
    await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the moves scrolled the page');
    assert.deepEqual(await outside(page, ['#lesson-step-title', '#cluster', '.log-row[data-peer] .log-head', after], navTop), [],
      'after the moves');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('layout on a phone (375×800): the peers\' actions follow the drawing they change', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=01&step=3`, { width: 375, height: 800 });
  await page.waitForFunction(() => document.querySelector('#lesson-step-title')?.textContent.startsWith('Step 3 '));
  const gap = await page.evaluate(() => {
    const drawing = document.querySelector('#cluster-panel').getBoundingClientRect();
    const control = document.querySelector('.peer-card[data-peer="1"] [data-action="timeout"]').getBoundingClientRect();
    return control.top - drawing.bottom;
  });
  assert.ok(gap >= 0 && gap < 120, `S1's Timeout is ${gap} px below the drawing`);
  // With the drawing at the top of the window, the control is in view with it, and
  // using it scrolls nothing.
  await page.evaluate(() => document.querySelector('#cluster-panel').scrollIntoView({ block: 'start' }));
  const navTop = await page.evaluate(() => document.querySelector('#lesson-nav').getBoundingClientRect().top);
  const control = '.peer-card[data-peer="1"] [data-action="timeout"]';
  assert.deepEqual(await outside(page, ['#cluster', '[data-peer-id]', control], navTop), []);
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.click(control);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'the move scrolled the page');
  assert.deepEqual(await outside(page, ['#cluster', '[data-peer-id]'], navTop), [], 'after the move');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await shot(page, 'phone-375');
  assert.deepEqual(page.problems, []);
  await page.close();
});

/** renderedPx returns the font size each selector's first element is drawn at, in CSS px. */
function renderedPx(page, selectors) {
  return page.evaluate((selectors) => Object.fromEntries(selectors.map((sel) => {
    const e = document.querySelector(sel);
    const px = parseFloat(getComputedStyle(e).fontSize);
    const svg = e.closest('svg');
    // SVG text is in the drawing's units: scale by how wide the drawing is shown.
    const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
    return [sel, Math.round(px * scale * 10) / 10];
  })), selectors);
}

const LARGE = ['.peer-detail', '.peer-role', '.cell-term', '.log-head-role', '.card-title', '.card-facts'];

test('projector setting: terms, log terms and roles at 18 px or more, remembered; markers say their words', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 1280, height: 800 });
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.peers.every((p) => p.commit_index >= 1), 'a committed entry');
  await pause(page);
  const before = await renderedPx(page, LARGE);
  assert.ok(Object.values(before).some((px) => px < 18), `the normal type is smaller: ${JSON.stringify(before)}`);
  await page.check('#projector');
  const big = await renderedPx(page, LARGE);
  for (const [sel, px] of Object.entries(big)) assert.ok(px >= 18, `${sel} is ${px} px in projector type`);
  await shot(page, 'projector');
  assert.deepEqual(await scan(page), [], 'axe, projector, light');

  await page.reload();
  await page.waitForSelector('html[data-ready="true"]');
  assert.equal(await page.isChecked('#projector'), true, 'remembered');
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('projector')), true);
  await page.uncheck('#projector');
  assert.equal(await page.evaluate(() => localStorage.getItem('raftplay.projector')), '0');

  // The log markers say what they mean on hover.
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.peers.every((p) => p.commit_index >= 1), 'a committed entry');
  const title = await page.getAttribute('.log-row[data-peer="1"] .log-marker', 'title');
  assert.match(title, /commit index|last applied|match index|next index/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('axe finds no serious or critical violations in projector type, dark, with the peer menu open', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 1280, height: 800, colorScheme: 'dark' });
  await page.check('#projector');
  await play(page, -1);
  await waitFor(page, (s) => s.leader && s.messages.length > 0, 'a leader and a message in flight');
  await pause(page);
  await page.click('[data-peer-id="2"] .peer-body');
  await page.waitForSelector('#peer-menu:not([hidden])');
  assert.deepEqual(await scan(page), []);
  await shot(page, 'projector-dark');
  assert.deepEqual(page.problems, []);
  await page.close();
});
