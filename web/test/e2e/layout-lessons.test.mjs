// Every lesson step that asks for a move (those whose highlight brings a panel up, the
// network panel, the safety properties or the leader's view, among them), at 1280×800
// in Chromium: when the step opens, each element its highlight names and the page
// control of each of its reference moves are in the window above the Back / Next bar,
// without scrolling; and so are the first line of the step's narration (of the lesson's
// introduction, on step 1) and the whole of its prompt (the "Your move" box), in the
// part of the lesson column that shows. Lesson 10 step 2 (partition, then restart S2,
// and watch the safety panel) had the network panel start below the bar; lesson 17
// step 4 (a partition) had no highlight, and so escaped this test; lessons 05 step 3,
// 12 step 7, 13 steps 4 and 7 and 16 step 3 had their prompt open under the bar (the
// lesson column ended 26 px under it). lessons/highlight_test.go requires a highlight
// on every step with a move.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, ROOT } from './harness.mjs';

const env = useServerAndBrowser();

/** A highlight that brings a panel up: lessons.css lays the page out by it. */
const PANEL = /#net-|#network|#invariants|#replication/;

/**
 * controlOf is the page control of a reference move (web/js/lesson-panel.js's mapping
 * for the moves these steps make), or null for a move with none (a wait, Show me's).
 */
function controlOf(move) {
  const [verb, peer] = move.split(' ');
  const n = /^\d+$/.test(peer || '') ? peer : '';
  switch (verb) {
    // A card's Crash turns into Restart while its server is down: either, whichever shows.
    case 'crash': case 'restart':
      return n ? `.peer-card[data-peer="${n}"] :is([data-action="crash"], [data-action="restart"])` : null;
    case 'timeout': case 'snapshot': case 'promote': case 'remove':
      return n ? `.peer-card[data-peer="${n}"] [data-action="${verb}"]` : null;
    case 'add-learner': return '[data-action="add-server"]';
    // The network panel's split: a box of each server of the first side, and Partition.
    case 'partition': return n ? [...move.split('|')[0].matchAll(/\d+/g)]
      .map(([p]) => `[data-action="partition-side"][data-peer="${p}"]`).concat('#net-split [type="submit"]') : null;
    case 'reconfigure': return '[data-action="reconfigure"]';
    case 'heal': return '#net-heal';
    case 'latency': return '#net-latency';
    case 'client': case 'read': return '#cmd';
    default: return null;
  }
}

const lessons = JSON.parse(readFileSync(join(ROOT, 'dist', 'lessons.json'), 'utf8'));
const STEPS = (lessons.lessons || lessons).flatMap((l) => l.steps
  .filter((s) => s.action)
  .map((s) => ({ lesson: String(l.number).padStart(2, '0'), step: s.number, highlight: s.action.highlight || '',
    controls: [...new Set((s.reference || []).flatMap((r) => controlOf(r.text) || []))] })));

test('the steps with a move include those that bring a panel up, lesson 10 step 2 and lesson 17 step 4 among them', () => {
  assert.ok(STEPS.length >= 60, `${STEPS.length} steps`);
  assert.ok(STEPS.filter((s) => PANEL.test(s.highlight)).length >= 10, 'steps that bring a panel up');
  for (const [lesson, step] of [['10', 2], ['17', 4]]) {
    assert.ok(STEPS.some((s) => s.lesson === lesson && s.step === step && PANEL.test(s.highlight)), `lesson ${lesson} step ${step}`);
  }
});

for (const { lesson, step, highlight, controls } of STEPS) {
  test(`lesson ${lesson} step ${step} at 1280×800: ${highlight} and the moves' controls open above the Back / Next bar`, async () => {
    const page = await openPage(env.browser.context, `${env.server.url}#lesson=${lesson}&step=${step}`, { width: 1280, height: 800 });
    await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} `), step);
    const out = await page.evaluate(([highlight, controls]) => {
      const bottom = document.querySelector('#lesson-nav').getBoundingClientRect().top;
      const lines = [];
      for (const sel of [...highlight.split(','), ...controls].map((s) => s.trim()).filter(Boolean)) {
        const found = [...document.querySelectorAll(sel)];
        if (!found.length) lines.push(`${sel}: missing`);
        for (const e of found) {
          const r = e.getBoundingClientRect();
          if (r.height === 0 || r.top < 0 || r.bottom > bottom + 0.5 || r.right > window.innerWidth + 0.5) {
            lines.push(`${sel}: ${Math.round(r.top)}–${Math.round(r.bottom)} with the bar at ${Math.round(bottom)}`);
          }
        }
      }
      // The step's text, in the part of the lesson column that shows (it scrolls by itself).
      const panel = document.querySelector('#lesson').getBoundingClientRect();
      const shown = (r) => r.height > 0 && r.top >= panel.top - 0.5 && r.bottom <= Math.min(panel.bottom, bottom) + 0.5;
      // Step 1 opens on the lesson's introduction, read before the step's narration.
      const intro = document.querySelector('#lesson-intro');
      const read = intro.textContent.trim() && intro.offsetParent ? intro : document.querySelector('#lesson-narration');
      const text = document.createTreeWalker(read, NodeFilter.SHOW_TEXT,
        (t) => (t.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP)).nextNode();
      const first = document.createRange();
      if (text) first.selectNodeContents(text);
      const line = text && first.getClientRects()[0];
      if (!line || !shown(line)) lines.push(`the ${read.id === 'lesson-intro' ? 'introduction' : 'narration'}'s first line: ${line ? `${Math.round(line.top)}–${Math.round(line.bottom)}` : 'none'} with the column at ${Math.round(panel.top)}–${Math.round(panel.bottom)} and the bar at ${Math.round(bottom)}`);
      const prompt = document.querySelector('#lesson-prompt').getBoundingClientRect();
      if (!shown(prompt)) lines.push(`the prompt: ${Math.round(prompt.top)}–${Math.round(prompt.bottom)} with the column at ${Math.round(panel.top)}–${Math.round(panel.bottom)} and the bar at ${Math.round(bottom)}`);
      return lines;
    }, [highlight, controls]);
    assert.deepEqual(out, []);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page stays scrolled to the top');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
