// The peer cards and the configuration panel, in Chromium, at the window sizes where
// their defects showed: every card's name and facts readable (nothing cut short or
// overflowing) with 3, 4, 5 and 7 peers at 1280×800 and 1024×768; #conf-panel saying
// something true from the first frame, before a leader is up and its module is
// fetched; and, at 7 peers while joint, the panel clear of every peer and its labels.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, openPage, waitFor, play, pause, ARTIFACTS } from './harness.mjs';

const env = useServerAndBrowser();

/** shot saves what the window shows as test-artifacts/cards-conf-NAME.png. */
async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `cards-conf-${name}.png`) });
}

/** shareURL is the page's URL with a scenario in its share fragment. */
function shareURL(scenario) {
  return `${env.server.url}#s=1.${Buffer.from(JSON.stringify(scenario)).toString('base64url')}`;
}

/**
 * cutShort lists every element of a peer card whose text is cut: wider than its box
 * (scrollWidth > clientWidth) or drawn with an ellipsis; and every card whose name or
 * facts are not shown.
 */
function cutShort(page) {
  return page.evaluate(() => {
    const out = [];
    for (const card of document.querySelectorAll('.peer-card')) {
      const id = card.dataset.peer;
      for (const sel of ['.card-title', '.card-facts']) {
        const e = card.querySelector(sel);
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') out.push(`S${id} ${sel}: not shown`);
      }
      if (!/^S\d/.test(card.querySelector('.card-title').innerText)) out.push(`S${id}: the name is not shown`);
      if (!/term \d+/.test(card.querySelector('.card-facts').innerText)) out.push(`S${id}: the term is not shown`);
      for (const e of [card, ...card.querySelectorAll('*')]) {
        const style = getComputedStyle(e);
        // A visually hidden word (1 px, clipped) is read out, not shown: not cut.
        if (style.display === 'inline' || style.clip !== 'auto' || e.clientWidth <= 1) continue;
        if (e.scrollWidth > e.clientWidth + 0.5) out.push(`S${id} ${e.className || e.tagName}: ${e.scrollWidth} px of text in ${e.clientWidth}`);
        if (style.textOverflow === 'ellipsis' && style.overflow !== 'visible') out.push(`S${id} ${e.className || e.tagName}: ellipsized`);
      }
    }
    return out;
  });
}

for (const [width, height] of [[1280, 800], [1024, 768]]) {
  for (const size of [3, 4, 5, 7]) {
    test(`peer cards at ${width}×${height} with ${size} peers: every name and fact is readable, nothing cut short`, async () => {
      const page = await openPage(env.browser.context, shareURL({ v: 1, seed: 1, options: { peers: size }, actions: [] }), { width, height });
      assert.equal(await page.locator('.peer-card').count(), size);
      assert.deepEqual(await cutShort(page), [], 'at the start');
      // A leader, a crashed and restarted peer (restarts), and a command: the facts grow.
      await play(page, 0);
      await waitFor(page, (s) => s.leader, 'a leader');
      const leader = (await page.evaluate(() => window.raftplay.state())).leader;
      const other = leader === 1 ? 2 : 1;
      await page.click(`[data-action="crash"][data-peer="${other}"]`);
      await page.click(`[data-action="restart"][data-peer="${other}"]`);
      await page.click('[data-action="send"]');
      await waitFor(page, (s) => s.peers[other - 1].restarts > 0 && s.peers[leader - 1].commit_index >= 2, 'the restart and the command');
      await pause(page);
      assert.deepEqual(await cutShort(page), [], 'after a restart and a command');
      await shot(page, `cards-${width}-${size}`);
      assert.deepEqual(page.problems, []);
      await page.close();
    });
  }
}

test('#conf-panel says the configuration from the first frame, before any leader is up', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 1280, height: 800 });
  assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
  const text = await page.textContent('#conf-panel');
  assert.match(text, /3 voters \(2 needed\)/);
  assert.match(text, /No leader yet: nothing is waiting/);
  // Once a leader is up, the panel never says there is none (the configuration's module
  // takes it over once fetched).
  // The panel's text is recorded with the leader at every frame.
  await page.evaluate(() => {
    const panel = document.querySelector('#conf-panel');
    window.confSaid = [];
    const record = () => {
      window.confSaid.push([window.raftplay.state().leader, panel.textContent]);
      requestAnimationFrame(record);
    };
    requestAnimationFrame(record);
  });
  await play(page, 0);
  await page.waitForFunction(() => /Voters S1–S3 \(2 needed\)/.test(document.querySelector('#conf-panel').textContent));
  const said = await page.evaluate(() => window.confSaid);
  assert.ok(said.length > 0);
  assert.deepEqual(said.filter(([leader, t]) => leader && /No leader yet/.test(t)), []);
  assert.deepEqual(page.problems, []);
  await page.close();
});

/**
 * Seven servers, six voters: S7 joins as a learner and is promoted; S4 to S6 crash
 * just before, so C_old,new (S1–S6 | S1–S7) cannot commit and the panel shows the
 * joint configuration and what its entry waits for (check-quorum off: the leader stays).
 */
const JOINT7 = { v: 1, seed: 1, options: { peers: 7, voters: 6, check_quorum: false }, actions: [
  { at: 0, type: 'timeout', peer: 1 }, { at: 200, type: 'add-learner', peer: 7 },
  { at: 400, type: 'crash', peer: 4 }, { at: 400, type: 'crash', peer: 5 }, { at: 400, type: 'crash', peer: 6 },
  { at: 401, type: 'promote', peer: 7 }] };

for (const [width, height] of [[1280, 800], [1024, 768]]) {
  test(`#conf-panel at 7 peers while joint (${width}×${height}) touches no peer nor its labels`, async () => {
    const page = await openPage(env.browser.context, shareURL(JOINT7), { width, height });
    await play(page, 0);
    // Wait for the joint configuration's entry: S7's learner entry also "waits for" a
    // moment before it commits, and a pause then would find no C_new yet.
    await page.waitForFunction(() => {
      const t = document.querySelector('#conf-panel').textContent;
      return /C_new S1–S7/.test(t) && /waits for/.test(t);
    }, null, { timeout: 20_000 });
    await pause(page);
    const text = await page.textContent('#conf-panel');
    assert.match(text, /C_new S1–S7/);
    assert.match(text, /C_old S1–S6/);
    const touching = await page.evaluate(() => {
      const p = document.querySelector('#conf-panel').getBoundingClientRect();
      return [...document.querySelectorAll('#peers .peer')].flatMap((g) => {
        // The peer's circle, rings and labels (the hidden rings and timer arc take no room).
        return [...g.children].filter((e) => getComputedStyle(e).display !== 'none').map((e) => {
          const r = e.getBoundingClientRect();
          const apart = r.right <= p.left || r.left >= p.right || r.bottom <= p.top || r.top >= p.bottom;
          return apart ? null : `S${g.dataset.peerId} ${e.getAttribute('class')} [${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}]`;
        }).filter(Boolean);
      }).concat(`panel [${Math.round(p.left)},${Math.round(p.top)}–${Math.round(p.right)},${Math.round(p.bottom)}]`);
    });
    await page.locator('#cluster-panel').screenshot({ path: join(ARTIFACTS, `cards-conf-joint7-${width}.png`) });
    assert.equal(touching.length, 1, touching.join('\n'));
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
