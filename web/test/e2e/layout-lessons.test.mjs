// Every lesson step that brings a panel up (the network panel, the safety properties,
// the leader's view: its highlight names one), at 1280×800 in Chromium: when the step
// opens, each element its highlight names, and the control of each of its reference
// moves, is in the window above the Back / Next bar, without scrolling. Lesson 10 step
// 2 (partition, then restart S2, and watch the safety panel) had the network panel
// start below the bar.

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
    case 'crash': case 'restart': case 'timeout': case 'snapshot': case 'promote': case 'remove':
      return n ? `.peer-card[data-peer="${n}"] [data-action="${verb}"]` : null;
    case 'partition': return n ? `[data-action="partition-side"][data-peer="${n}"]` : null;
    case 'reconfigure': return '[data-action="reconfigure"]';
    case 'heal': return '#net-heal';
    case 'latency': return '#net-latency';
    case 'client': case 'read': return '#cmd';
    default: return null;
  }
}

const lessons = JSON.parse(readFileSync(join(ROOT, 'dist', 'lessons.json'), 'utf8'));
const STEPS = (lessons.lessons || lessons).flatMap((l) => l.steps
  .filter((s) => PANEL.test(s.action?.highlight || ''))
  .map((s) => ({ lesson: String(l.number).padStart(2, '0'), step: s.number, highlight: s.action.highlight,
    controls: (s.reference || []).map((r) => controlOf(r.text)).filter(Boolean) })));

test('the lessons have steps that bring a panel up, lesson 10 step 2 among them', () => {
  assert.ok(STEPS.length >= 10, `${STEPS.length} steps`);
  assert.ok(STEPS.some((s) => s.lesson === '10' && s.step === 2), 'lesson 10 step 2');
});

for (const { lesson, step, highlight, controls } of STEPS) {
  test(`lesson ${lesson} step ${step} at 1280×800: ${highlight} and the moves' controls open above the Back / Next bar`, async () => {
    const page = await openPage(env.browser.context, `${env.server.url}#lesson=${lesson}&step=${step}`, { width: 1280, height: 800 });
    await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} `), step);
    const out = await page.evaluate(([highlight, controls]) => {
      const bottom = document.querySelector('#lesson-nav').getBoundingClientRect().top;
      const lines = [];
      for (const sel of [...highlight.split(','), ...controls].map((s) => s.trim())) {
        const found = [...document.querySelectorAll(sel)];
        if (!found.length) lines.push(`${sel}: missing`);
        for (const e of found) {
          const r = e.getBoundingClientRect();
          if (r.height === 0 || r.top < 0 || r.bottom > bottom + 0.5 || r.right > window.innerWidth + 0.5) {
            lines.push(`${sel}: ${Math.round(r.top)}–${Math.round(r.bottom)} with the bar at ${Math.round(bottom)}`);
          }
        }
      }
      return lines;
    }, [highlight, controls]);
    assert.deepEqual(out, []);
    assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page stays scrolled to the top');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
