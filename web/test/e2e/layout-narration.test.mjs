// Every lesson step, at 1280×800 and at 1024×768 in Chromium: when the step opens, the
// top of the narration panel ("What happens, and why": its heading and its first line)
// is in the window, between the time controls and the Back / Next bar, and nothing covers
// it. The steps that bring the network panel up (lessons 10 step 2, 15 step 3, 17 step 2,
// 20 steps 2 and 5) had it start at or under the bar at 1280×800, and at 1024×768 the
// lesson took the whole width above the page, the narration a window and more below it:
// a learner saw what to do, and not why it happened, without scrolling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, ROOT } from './harness.mjs';

const env = useServerAndBrowser();

const SIZES = [{ width: 1280, height: 800 }, { width: 1024, height: 768 }];

const lessons = JSON.parse(readFileSync(join(ROOT, 'dist', 'lessons.json'), 'utf8'));
const LESSONS = (lessons.lessons || lessons).map((l) => ({ lesson: String(l.number).padStart(2, '0'), steps: l.steps.length }));

/**
 * narrationProblems lists what of the narration panel's top is out of sight on the page:
 * its heading (whole, and the element at its centre its own) and its list's first line.
 */
function narrationProblems() {
  const bar = document.querySelector('#lesson-nav').getBoundingClientRect().top;
  const above = Math.max(0, document.querySelector('#transport').getBoundingClientRect().bottom);
  const out = [];
  const inView = (what, r) => {
    if (r.height === 0 || r.top < above - 0.5 || r.bottom > bar + 0.5 || r.left < -0.5 || r.right > window.innerWidth + 0.5) {
      out.push(`${what}: ${Math.round(r.top)}–${Math.round(r.bottom)} × ${Math.round(r.left)}–${Math.round(r.right)}, the window shows ${Math.round(above)}–${Math.round(bar)}`);
      return false;
    }
    return true;
  };
  const covered = (what, x, y, owner) => {
    const hit = document.elementFromPoint(x, y);
    if (!hit || !owner.contains(hit)) out.push(`${what} is covered at (${Math.round(x)}, ${Math.round(y)}) by ${hit ? `${hit.tagName.toLowerCase()}#${hit.id}.${hit.className}` : 'nothing'}`);
  };
  const heading = document.querySelector('#narration-h');
  const h = heading.getBoundingClientRect();
  if (inView('the heading', h)) covered('the heading', (h.left + h.right) / 2, (h.top + h.bottom) / 2, heading);
  // The list's first line as it shows: the list's top, one line of text high (of the
  // first item in its scrolled view, with the item's top padding; while the list is
  // empty, an item's usual height).
  const list = document.querySelector('#narration-list');
  const l = list.getBoundingClientRect();
  const item = [...list.children].find((li) => li.getBoundingClientRect().bottom > l.top + 1);
  const style = item && getComputedStyle(item);
  const lineHeight = item ? parseFloat(style.paddingTop) + parseFloat(style.lineHeight) : 26;
  const first = { top: l.top, bottom: l.top + lineHeight, left: l.left, right: l.right, height: lineHeight };
  if (inView('the first line', first)) covered('the first line', l.left + Math.min(40, l.width / 2), l.top + lineHeight / 2, list);
  return out;
}

test('every step of every lesson is checked, those that bring the network panel up among them', () => {
  assert.ok(LESSONS.reduce((n, l) => n + l.steps, 0) >= 100, 'steps');
  for (const [lesson, step] of [['10', 2], ['15', 3], ['17', 2], ['20', 2], ['20', 5]]) {
    assert.ok(LESSONS.some((l) => l.lesson === lesson && l.steps >= step), `lesson ${lesson} step ${step}`);
  }
});

// A page a lesson and a size: its link opens step 1, and the lesson's list of steps opens
// each of the others, as a learner goes back to one, from the top of the page (where a
// link to the step opens it).
for (const { lesson, steps } of LESSONS) {
  test(`lesson ${lesson}, each of its ${steps} steps: the narration's heading and first line open above the Back / Next bar at ${SIZES.map((s) => `${s.width}×${s.height}`).join(' and ')}`, async () => {
    const found = {};
    for (const size of SIZES) {
      const page = await openPage(env.browser.context, `${env.server.url}#lesson=${lesson}&step=1`, size);
      for (let step = 1; step <= steps; step++) {
        if (step > 1) {
          await page.evaluate(() => window.scrollTo(0, 0));
          await page.click(`#lesson-steps li:nth-child(${step}) button`);
        }
        await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} `), step);
        await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
        const out = await page.evaluate(narrationProblems);
        if (out.length) found[`step ${step} at ${size.width}×${size.height}`] = out;
      }
      assert.deepEqual(page.problems, []);
      await page.close();
    }
    assert.deepEqual(found, {});
  });
}
