// node --test: every element a lesson step highlights exists on the page. Selectors of
// static elements ("#net-heal") must match an id of web/index.html; the peer cards
// (".peer-card[data-peer=\"2\"]") are rendered, one per peer, by web/js/peer-controls.js, so
// their peer must be in the lesson's cluster. The e2e test (e2e/lessons.test.mjs)
// checks every selector against the rendered page in Chromium too. A highlight that lists
// several places, separated by commas, has each checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
if (!existsSync(dist + 'app.wasm')) throw new Error(`${dist}app.wasm is missing: run \`make dist\` first`);
globalThis.window = globalThis.window ?? {};
const { loadRaftplay } = await import(new URL('../../dist/js/bridge.js', import.meta.url).href);
const html = readFileSync(new URL('../index.html', import.meta.url), 'utf8');
const peerControls = readFileSync(new URL('../js/peer-controls.js', import.meta.url), 'utf8');

/** Every highlight of every step of every lesson: {lesson, step, selector, peers}. */
async function highlights() {
  const rp = await loadRaftplay();
  await rp.loadLessons();
  const out = [];
  for (const o of rp.lessons()) {
    const view = rp.lessonOpen(o.id, 1);
    const peers = rp.state().peers.length;
    for (const s of view.steps) {
      if (s.highlight) out.push({ lesson: o.id, step: s.number, selector: s.highlight, peers });
    }
  }
  rp.lessonClose();
  return out;
}

test('every highlight selector of every lesson matches an element of the page', async () => {
  const list = await highlights();
  assert.ok(list.length >= 40, `only ${list.length} highlights found`);
  const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  // A highlight may list several places ("#net-split, #invariants"): each is checked.
  const parts = list.flatMap((h) => h.selector.split(',').map((one) => ({ ...h, selector: one.trim() })));
  for (const { lesson, step, selector, peers } of parts) {
    const where = `${lesson} step ${step}: ${selector}`;
    const id = /^#([A-Za-z][\w-]*)$/.exec(selector);
    const card = /^\.peer-card\[data-peer="(\d+)"\]$/.exec(selector);
    const action = /^\[data-action="([a-z-]+)"\]$/.exec(selector);
    if (id) {
      assert.ok(ids.has(id[1]), `${where}: no element with id "${id[1]}" in web/index.html`);
    } else if (action) {
      // A static control with no id, such as the one button[data-action="add-server"].
      assert.equal(html.split(`data-action="${action[1]}"`).length, 2, `${where}: web/index.html must hold exactly one element with data-action="${action[1]}"`);
    } else if (card) {
      assert.match(peerControls, /'data-peer': id/, 'peer-controls.js renders one card per peer with data-peer');
      const n = Number(card[1]);
      assert.ok(n >= 1 && n <= peers, `${where}: the lesson's cluster has peers 1 to ${peers}`);
    } else {
      assert.fail(`${where}: a selector of a kind this test does not know; add it here and to the e2e check`);
    }
  }
});

test('the lesson API of the bridge', async () => {
  const rp = await loadRaftplay();
  await rp.loadLessons();
  const list = rp.lessons();
  assert.equal(list.length, 21);
  assert.deepEqual(Object.keys(list[0]).sort(), ['id', 'number', 'steps', 'summary', 'title']);
  const view = rp.lessonOpen('07', 2);
  assert.equal(view.id, 'truncation-figure-7');
  assert.equal(view.status.step, 2);
  assert.equal(view.status.replaced, true);
  assert.equal(view.steps[1].highlight, '.peer-card[data-peer="3"]');
  assert.throws(() => rp.rewindTo(0), { name: 'RaftplayError', message: /scrub back no further/ });
  rp.act({ type: 'restart', peer: 3 });
  let st = rp.lessonStatus();
  for (let i = 0; i < 60 && !st.passed; i++) {
    rp.runTicks(1);
    st = rp.lessonStatus();
  }
  assert.equal(st.passed, true, st.detail);
  assert.ok(st.parts.every((p) => p.passed));
  assert.equal(rp.lessonAdvance().step, 3);
  assert.equal(rp.lessonBack().step, 2);
  assert.throws(() => rp.lessonOpen('nope'), { name: 'RaftplayError', message: /no lesson "nope"/ });
  assert.deepEqual(rp.lessonClose(), { ok: true });
  assert.throws(() => rp.lessonStatus(), /no lesson is open/);
});

test('"Isolate a follower" cuts off the peer each lesson prompt names', async () => {
  const { followerToIsolate } = await import('../js/network-controls.js');
  const rp = await loadRaftplay();
  await rp.loadLessons();
  let checked = 0;
  for (const o of rp.lessons()) {
    const steps = rp.lessonOpen(o.id, 1).steps;
    for (const s of steps) {
      if (s.highlight !== '#net-isolate-follower') continue;
      rp.lessonOpen(o.id, s.number);
      const pick = followerToIsolate(rp.state());
      const want = /^partition (\d) \|/.exec(s.reference[0]);
      assert.ok(want, `${o.id} step ${s.number}: the reference isolates one peer (${s.reference[0]})`);
      assert.equal(pick, Number(want[1]), `${o.id} step ${s.number}: the button would isolate S${pick}`);
      assert.match(s.prompt_html, new RegExp(`S${pick}\\b`), `${o.id} step ${s.number}: the prompt names S${pick}`);
      checked++;
    }
  }
  rp.lessonClose();
  assert.ok(checked >= 2, `only ${checked} steps isolate a follower`);
});
