// Lesson steps in projector type (the "Projector (large type)" setting, remembered as
// localStorage["raftplay.projector"] = "1"), at 1280×800 and 1920×1080 in Chromium: one
// step of each layout the lesson column knows (the page as it is, the network panel
// brought up, the safety properties, both, the leader's view, the latency form, seven
// servers). When the step opens, the step's prompt shows whole in the lesson column, and
// the Back / Next bar's buttons and each control of the step's moves can be reached: each
// lies inside the window's width and inside every box that clips it, and the element at
// its centre is its own (no panel, no sticky bar, no label lies over it), once scrolled
// into view where it does not open in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, ROOT, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

const SIZES = [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }];

/** One step of each kind of lesson layout (lessons.css), as [lesson, step, kind]. */
const SAMPLE = [
  ['01', 1, 'the page as it is, the lesson\'s introduction first'],
  ['03', 2, 'the page as it is'],
  ['05', 3, 'the leader\'s view'],
  ['06', 6, 'the safety properties'],
  ['10', 2, 'the network panel and the safety properties'],
  ['15', 3, 'the network panel\'s latency form'],
  ['17', 2, 'the network panel, five servers'],
  ['19', 5, 'the leader\'s view, a new server'],
  ['20', 2, 'the network panel, a reconfiguration'],
];

/** controlOf is the page control of a reference move, as layout-lessons.test.mjs has it. */
function controlOf(move) {
  const [verb, peer] = move.split(' ');
  const n = /^\d+$/.test(peer || '') ? peer : '';
  switch (verb) {
    case 'crash': case 'restart':
      return n ? [`.peer-card[data-peer="${n}"] :is([data-action="crash"], [data-action="restart"])`] : [];
    case 'timeout': case 'snapshot': case 'promote': case 'remove':
      return n ? [`.peer-card[data-peer="${n}"] [data-action="${verb}"]`] : [];
    case 'add-learner': return ['[data-action="add-server"]'];
    case 'partition': return n ? [...move.split('|')[0].matchAll(/\d+/g)]
      .map(([p]) => `[data-action="partition-side"][data-peer="${p}"]`).concat('#net-split [type="submit"]') : [];
    case 'reconfigure': return ['[data-action="reconfigure"]'];
    case 'heal': return ['#net-heal'];
    case 'latency': return ['#net-latency-min', '#net-latency-max', '#net-latency-set'];
    case 'client': case 'read': return ['#cmd'];
    default: return [];
  }
}

const lessons = JSON.parse(readFileSync(join(ROOT, 'dist', 'lessons.json'), 'utf8'));
const byNumber = new Map((lessons.lessons || lessons).map((l) => [String(l.number).padStart(2, '0'), l]));

/** reachProblems lists what of sel's elements cannot be reached, scrolling each into view first. */
function reachProblems(sel) {
  const bar = document.querySelector('#lesson-nav');
  const top = () => Math.max(0, document.querySelector('#transport').getBoundingClientRect().bottom);
  const found = [...document.querySelectorAll(sel)].filter((e) => e.getClientRects().length > 0);
  if (!found.length) return [`${sel}: not shown`];
  const out = [];
  for (const e of found) {
    let r = e.getBoundingClientRect();
    const below = bar.contains(e) ? window.innerHeight : bar.getBoundingClientRect().top;
    if (r.top < top() || r.bottom > below) {
      e.scrollIntoView({ block: 'center', behavior: 'instant' });
      r = e.getBoundingClientRect();
    }
    const at = `${Math.round(r.left)}–${Math.round(r.right)} × ${Math.round(r.top)}–${Math.round(r.bottom)}`;
    if (r.width === 0 || r.height === 0) { out.push(`${sel}: no size`); continue; }
    // A text field shows at least 7 em of what is typed into it (the client's command
    // was 40 px wide in projector type).
    const em = parseFloat(getComputedStyle(e).fontSize);
    if (e.matches('input[type="text"]') && r.width < 7 * em) out.push(`${sel}: ${at}, ${Math.round(r.width)} px wide, less than 7 em (${Math.round(7 * em)} px)`);
    if (r.left < -0.5 || r.right > window.innerWidth + 0.5) out.push(`${sel}: ${at}, out of the window's width ${window.innerWidth}`);
    if (!bar.contains(e) && (r.top < top() - 0.5 || r.bottom > bar.getBoundingClientRect().top + 0.5)) {
      out.push(`${sel}: ${at}, not between the time controls (${Math.round(top())}) and the bar (${Math.round(bar.getBoundingClientRect().top)})`);
    }
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
      const c = a.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5) {
        out.push(`${sel}: ${at}, cut by ${a.tagName.toLowerCase()}#${a.id}.${a.className} at ${Math.round(c.left)}–${Math.round(c.right)} × ${Math.round(c.top)}–${Math.round(c.bottom)}`);
      }
    }
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (!hit || !(e.contains(hit) || hit.control === e)) {
      out.push(`${sel}: ${at}, covered at its centre by ${hit ? `${hit.tagName.toLowerCase()}#${hit.id}.${hit.className}` : 'nothing'}`);
    }
    // No text of its card, form or panel under or over it (a card's name ran under its
    // Crash button in projector type).
    const box = e.closest('.peer-card, form, .panel, .lesson-nav') || document.body;
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT, (t) => (t.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP));
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const owner = t.parentElement;
      if (e.contains(owner) || owner.contains(e) || (e.labels && [...e.labels].some((l) => l.contains(owner)))) continue;
      if (!owner.checkVisibility({ visibilityProperty: true, opacityProperty: true }) || owner.closest('.sr-only')) continue;
      if ([...ancestors(owner)].some((a) => getComputedStyle(a).clip !== 'auto')) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const q of range.getClientRects()) {
        const w = Math.min(q.right, r.right) - Math.max(q.left, r.left);
        const h = Math.min(q.bottom, r.bottom) - Math.max(q.top, r.top);
        if (w > 2 && h > 2) out.push(`${sel}: ${at}, overlaps the text "${t.textContent.trim().slice(0, 30)}" at ${Math.round(q.left)}–${Math.round(q.right)} × ${Math.round(q.top)}–${Math.round(q.bottom)}`);
      }
    }
  }
  return out;

  function* ancestors(a) {
    for (; a && a !== document.body; a = a.parentElement) yield a;
  }
}

/** promptProblems says whether the step's prompt shows whole in the lesson column, above the bar. */
function promptProblems() {
  const bar = document.querySelector('#lesson-nav').getBoundingClientRect().top;
  const column = document.querySelector('#lesson').getBoundingClientRect();
  const prompt = document.querySelector('#lesson-prompt');
  const r = prompt.getBoundingClientRect();
  const out = [];
  if (r.height === 0 || r.top < column.top - 0.5 || r.bottom > Math.min(column.bottom, bar) + 0.5 || r.left < -0.5 || r.right > window.innerWidth + 0.5) {
    out.push(`the prompt: ${Math.round(r.top)}–${Math.round(r.bottom)} with the column at ${Math.round(column.top)}–${Math.round(column.bottom)} and the bar at ${Math.round(bar)}`);
  } else {
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (!hit || !prompt.contains(hit)) out.push(`the prompt is covered at its centre by ${hit ? `${hit.tagName.toLowerCase()}#${hit.id}.${hit.className}` : 'nothing'}`);
  }
  return out;
}

test('the sample names steps that exist, each with a move but the first (a step to watch)', () => {
  for (const [lesson, step] of SAMPLE) {
    const s = byNumber.get(lesson)?.steps.find((x) => x.number === step);
    assert.ok(s, `lesson ${lesson} step ${step}`);
    assert.equal(Boolean(s.action), lesson !== '01', `lesson ${lesson} step ${step} has a move`);
  }
});

for (const [lesson, step, kind] of SAMPLE) {
  const s = byNumber.get(lesson)?.steps.find((x) => x.number === step);
  const controls = [...new Set((s?.reference || []).flatMap((r) => controlOf(r.text)))];
  test(`projector type, lesson ${lesson} step ${step} (${kind}): the prompt, the moves' controls and the Back / Next bar can be reached at ${SIZES.map((z) => `${z.width}×${z.height}`).join(' and ')}`, async () => {
    const found = {};
    for (const size of SIZES) {
      const page = await env.browser.context.newPage();
      const problems = [];
      page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`); });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await page.addInitScript(() => localStorage.setItem('raftplay.projector', '1'));
      await page.setViewportSize(size);
      await page.goto(`${env.server.url}#lesson=${lesson}&step=${step}`);
      await page.waitForSelector('html[data-ready="true"].projector', { timeout: 10_000 });
      await page.waitForFunction((n) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} `), step);
      const out = await page.evaluate(promptProblems);
      for (const sel of ['#lesson-back', '#lesson-where', '#lesson-next', ...controls]) out.push(...await page.evaluate(reachProblems, sel));
      if (out.length) {
        found[`${size.width}×${size.height}`] = out;
        await screenshot(page, `layout-projector-${lesson}-${step}-${size.width}x${size.height}`);
      }
      assert.deepEqual(problems, []);
      await page.close();
    }
    assert.deepEqual(found, {});
  });
}
