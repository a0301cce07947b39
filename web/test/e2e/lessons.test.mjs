// End-to-end tests of lesson mode in Chromium: lessons 1 and 7 completed by clicking as
// a learner would (the lesson menu, the page's own controls for each step's action,
// the check shown as it passes, the quiz, Next), progress kept across a reload, deep
// links, every highlight selector on the rendered page, and an axe-core scan of the
// lesson panel and the menu.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, state, waitFor, setSpeed, play, axeSource, ARTIFACTS } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();


/** screenshot saves what the window shows (the fixed lesson bar included) as test-artifacts/NAME.png. */
async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

async function scan(page, include) {
  await page.evaluate(axe);
  const result = await page.evaluate(async (sel) => {
    const r = await window.axe.run(sel ? { include: [sel] } : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, include);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

/** openLesson picks a lesson from the menu, as a learner does. */
async function openLesson(page, id) {
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open]');
  await page.click(`#lesson-menu [data-lesson="${id}"]`);
  await page.waitForSelector('#lesson:not([hidden])');
}

/** onStep waits until the panel shows step n. */
async function onStep(page, n, of) {
  await page.waitForFunction(([n, of]) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} of ${of}:`), [n, of]);
  await page.waitForSelector(`#lesson-steps [aria-current="step"]:has-text("${n}.")`);
}

/**
 * passes waits for the step's check to show as passed, part by part, and returns the
 * parts' texts.
 */
async function passes(page) {
  await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout: 30_000 });
  const parts = await page.$$eval('#lesson-parts li', (lis) => lis.map((li) => ({ passed: li.dataset.passed, text: li.textContent })));
  assert.ok(parts.length >= 1);
  for (const p of parts) assert.equal(p.passed, 'true', p.text);
  assert.match(await page.textContent('#lesson-parts'), /✓/, 'a pass is shown by a tick, not by colour alone');
  assert.equal(await page.isEnabled('#lesson-next'), true, 'Next is enabled once the check passed');
  await page.waitForFunction(() => /Check passed/.test(document.querySelector('#lesson-live').textContent));
  return parts.map((p) => p.text.replace(/^✓passed: /, ''));
}

/**
 * answerQuiz answers each question of the step: the first choice, and when that was
 * wrong (a second try is offered), the next one. Each question ends with its
 * explanation shown.
 */
async function answerQuiz(page) {
  const questions = await page.locator('#lesson-quiz .quiz').count();
  for (let i = 0; i < questions; i++) {
    const q = page.locator('#lesson-quiz .quiz').nth(i);
    await q.locator('.quiz-choice:not([disabled])').first().click();
    if (await q.getAttribute('data-answered') === 'retry') {
      assert.match(await q.locator('.quiz-verdict').textContent(), /Try once more/);
      await q.locator('.quiz-choice:not([disabled])').first().click();
    }
    assert.match(await q.getAttribute('data-answered'), /^(right|wrong)$/);
    assert.match(await q.locator('.quiz-verdict').textContent(), /✓ Right|the answer is choice \d/);
    assert.ok((await q.locator('.quiz-feedback').textContent()).length > 40, 'the explanation is shown');
  }
  return questions;
}

async function highlighted(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-lesson-target]')].map((e) => e.id || e.getAttribute('data-peer')));
}

test('lesson 1 by clicking: each check shows as it passes, the quiz answers, and progress survives a reload', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await openLesson(page, 'meet-the-cluster');
  assert.match(page.url(), /#lesson=01&step=1$/);
  await setSpeed(page, 0);

  // Step 1: watch a leader being elected, once the learner starts the step.
  await onStep(page, 1, 3);
  await page.waitForTimeout(500);
  assert.equal((await state(page)).steps, 0, 'a step does not run before the learner starts it');
  assert.match(await page.textContent('#start'), /Start step 1/);
  await page.click('#start');
  assert.deepEqual(await passes(page), ['a leader is elected']);
  assert.equal(await answerQuiz(page), 1);
  await page.click('#lesson-next');

  // Step 2: the leader's heartbeats.
  await onStep(page, 2, 3);
  assert.match(page.url(), /#lesson=01&step=2$/);
  await play(page);
  await passes(page);
  await answerQuiz(page);
  await screenshot(page, 'lesson-01-step-2');
  await page.click('#lesson-next');

  // Step 3: force S1's timeout with its Timeout button, the highlighted card.
  await onStep(page, 3, 3);
  assert.deepEqual(await highlighted(page), ['1']);
  await page.click('#lesson-find');
  assert.equal(await page.evaluate(() => document.activeElement.closest('.peer-card')?.dataset.peer), '1', 'Find it focuses the card');
  const before = await state(page);
  await page.click('.peer-card[data-peer="1"] button:has-text("Timeout")');
  await passes(page);
  const after = await state(page);
  assert.ok(after.peers[after.leader - 1].term > before.peers.find((p) => p.role === 'leader').term, 'a leader in a higher term');
  await answerQuiz(page);
  assert.equal(await page.textContent('#lesson-next'), 'Finish ✓');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  assert.match(await page.textContent('#lesson-outro'), /Roles, terms and heartbeats/);
  assert.deepEqual(await highlighted(page), []);
  await screenshot(page, 'lesson-01-done');

  // The progress is in localStorage, and the menu shows it after a reload.
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons['meet-the-cluster'].done, [1, 2, 3]);
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]');
  await page.click('#lessons-open');
  const item = page.locator('#lesson-menu [data-lesson="meet-the-cluster"]');
  assert.match(await item.textContent(), /✓ Done · Start again/);
  assert.match(await page.locator('#lesson-menu [data-lesson="leader-election"]').textContent(), /4 steps · Start/);
  await page.keyboard.press('Escape');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 7 by clicking: restart S3 from its card, send SET x 1 from the client form', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await openLesson(page, 'truncation-figure-7');
  await setSpeed(page, 0);

  // Step 1: S1 wins and S2 loses its conflicting entries; the page holds the truncation.
  await onStep(page, 1, 3);
  await play(page);
  assert.deepEqual(await highlighted(page), []);
  await page.waitForSelector('#truncation:not([hidden])', { timeout: 30_000 });
  await page.click('#truncation-continue');
  await passes(page);
  await answerQuiz(page);
  await page.click('#lesson-next');

  // Step 2: restart S3 with the Restart button of its card.
  await onStep(page, 2, 3);
  assert.deepEqual(await highlighted(page), ['3']);
  assert.equal(await page.isDisabled('#lesson-next'), true, 'Next waits for the check');
  await page.click('.peer-card[data-peer="3"] button:has-text("Restart")');
  // In a lesson the truncation is held until the learner goes on.
  await page.waitForSelector('#truncation:not([hidden])', { timeout: 30_000 });
  await page.click('#truncation-continue');
  const parts = await passes(page);
  assert.deepEqual(parts,
    ['S3 rejects entries that do not match its log', 'S3 truncates its log from index 4', "S3's log equals the leader's"]);
  await answerQuiz(page);
  await screenshot(page, 'lesson-07-step-2');
  await page.click('#lesson-next');

  // Step 3: the client form, highlighted, sends SET x 1 to the leader.
  await onStep(page, 3, 3);
  assert.deepEqual(await highlighted(page), ['client-form']);
  await page.fill('#cmd', 'SET x 1');
  await page.selectOption('#cmd-peer', '0');
  await page.click('#client-form button[type="submit"]');
  await passes(page);
  const snap = await waitFor(page, (s) => s.peers.every((p) => p.kv.x === '1') && s, 'x = 1 everywhere');
  assert.equal(snap.leader, 1);
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons['truncation-figure-7'].done, [1, 2, 3]);

  // Back from the outro shows the last step again; Back again goes to step 2's start.
  await page.click('#lesson-back');
  await onStep(page, 3, 3);
  await page.click('#lesson-back');
  await onStep(page, 2, 3);
  const again = await state(page);
  assert.equal(again.peers[2].role, 'down', 'step 2 starts again with S3 down');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a deep link opens the lesson at its step; scrubbing stays within the step; share links still open', async () => {
  const page = await openPage(env.browser.context, env.server.url + '#lesson=07&step=3');
  await onStep(page, 3, 3);
  assert.equal(await page.textContent('#lesson-title'), 'Truncation on recovery: the logs of Figure 7');
  const snap = await state(page);
  assert.deepEqual(snap.peers[2].log, snap.peers[0].log, 'step 2 was played: S3 holds the leader\'s log');
  const min = Number(await page.getAttribute('#time', 'min'));
  assert.ok(min > 0, 'the time slider starts at the step');
  // Home goes to the start of the run, which in a lesson is the start of the step.
  await page.click('#play');
  await page.keyboard.press('Home');
  await page.waitForFunction((m) => window.raftplay.now() === m, min);
  assert.deepEqual(page.problems, []);

  // The step list goes to any step, played by its reference path.
  await page.click('#lesson-steps button:has-text("1. Three logs that disagree")');
  await onStep(page, 1, 3);
  assert.match(page.url(), /#lesson=07&step=1$/);

  // Another lesson link in the address bar opens that lesson.
  await page.evaluate(() => { location.hash = '#lesson=01&step=2'; });
  await onStep(page, 2, 3);
  assert.equal(await page.textContent('#lesson-title'), 'Meet the cluster');

  // A share link closes the lesson and opens the shared run.
  const fragment = await page.evaluate(() => window.raftplay.shareFragment());
  await page.evaluate((f) => { location.hash = `#${f}&t=50`; }, fragment);
  await page.waitForSelector('#lesson', { state: 'hidden' });
  await page.waitForSelector('#lesson-nav', { state: 'hidden' });
  await page.waitForFunction(() => window.raftplay.now() === 50);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('every highlight selector of every lesson matches an element of the rendered page', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const selectors = await page.evaluate(async () => {
    const rp = window.raftplay;
    await rp.loadLessons();
    const out = new Map(); // selector -> the first lesson that highlights it
    for (const o of rp.lessons()) {
      for (const s of rp.lessonOpen(o.id, 1).steps) if (s.highlight && !out.has(s.highlight)) out.set(s.highlight, o.number);
    }
    rp.lessonClose();
    return [...out];
  });
  await page.reload();
  await page.waitForSelector('html[data-ready="true"]');
  assert.ok(selectors.length >= 8);
  const peers = await page.locator('.peer-card').count();
  const later = [];
  for (const [sel, lesson] of selectors) {
    // A card of a server the default cluster lacks (S4 of lesson 19) is checked in its
    // lesson's own cluster, opened by a deep link.
    const card = /^\.peer-card\[data-peer="(\d+)"\]$/.exec(sel);
    if (card && Number(card[1]) > peers) later.push([sel, lesson]);
    // A list ("#net-split, #invariants") names several places: each matches one element.
    else for (const part of sel.split(',')) assert.equal(await page.locator(part).count(), 1, `${part.trim()} (of ${sel}) matches one element`);
  }
  for (const [sel, lesson] of later) {
    await page.goto(`${env.server.url}#lesson=${String(lesson).padStart(2, '0')}&step=1`);
    await page.waitForSelector('#lesson:not([hidden])');
    await page.waitForSelector('.peer-card[data-peer="1"]');
    assert.equal(await page.locator(sel).count(), 1, `${sel} matches one element in lesson ${lesson}'s cluster`);
  }
  await page.close();
});

for (const [width, colorScheme] of [[1280, 'light'], [375, 'dark']]) {
  test(`axe finds no serious or critical violations in lesson mode at ${width} px, ${colorScheme}`, async () => {
    const page = await openPage(env.browser.context, env.server.url + '#lesson=07&step=2', { width, height: width > 800 ? 900 : 812, colorScheme });
    await onStep(page, 2, 3);
    await setSpeed(page, 0);
    await page.click('.peer-card[data-peer="3"] button:has-text("Restart")');
    // In a lesson the truncation is held until the learner goes on.
    await page.waitForSelector('#truncation:not([hidden])', { timeout: 30_000 });
    await page.click('#truncation-continue');
    await passes(page);
    await page.locator('#lesson-quiz .quiz-choice').nth(1).click();
    assert.deepEqual(await scan(page, '#lesson'), [], 'the lesson panel');
    assert.deepEqual(await scan(page, '#lesson-nav'), [], 'the Back / Next bar');
    assert.deepEqual(await scan(page), [], 'the whole page in lesson mode');
    await page.locator('#lesson-quiz').scrollIntoViewIfNeeded();
    await screenshot(page, `lesson-${width}-${colorScheme}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the ${width} px window`);

    await page.keyboard.press('g');
    await page.waitForSelector('#lesson-menu[open]');
    assert.deepEqual(await scan(page), [], 'with the lesson menu open');
    await screenshot(page, `lesson-menu-${width}-${colorScheme}`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#lesson-menu[open]', { state: 'detached' });
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('lesson mode by keyboard alone: G, the menu, N and P', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  await page.keyboard.press('g');
  await page.waitForSelector('#lesson-menu[open]');
  // The focus is on the first lesson; Tab moves through the list.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.lesson), 'meet-the-cluster');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.lesson), 'leader-election');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await onStep(page, 1, 3);
  await setSpeed(page, 0);
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press(' ');
  await passes(page);
  await page.keyboard.press('n');
  await onStep(page, 2, 3);
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('p');
  await onStep(page, 1, 3);
  assert.deepEqual(page.problems, []);
  await page.close();
});
