// Lesson 13's last step in the live page, against real node processes (issue 15):
// `raftplay cluster --web`, a writer running, a follower crashed from the page in the
// middle of it, the last bytes of its log file cut as a power cut would leave them
// (the lesson's `truncate -s -5`), and the follower restarted from the page. The page
// narrates the torn tail the node cut, in the node's words, and the follower's log row
// catches up with the leader's.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launchBrowser, openPage, state, waitFor, screenshot } from './harness.mjs';
import { startCluster } from './live-cluster.mjs';

let cluster;
let browser;
before(async () => {
  cluster = await startCluster();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await cluster?.stop();
});

/** put writes key=value through the live server's kv proxy, as the page's client form does. */
async function put(key, value) {
  const origin = new URL(cluster.url).origin;
  const res = await fetch(`${origin}/api/live/kv/${encodeURIComponent(key)}`, {
    method: 'PUT', body: value, headers: { 'X-Raftplay-Live': '1' },
  });
  await res.arrayBuffer();
  return res.status;
}

test('lesson 13: a node killed during writes comes back, cuts its torn tail and catches up', async (t) => {
  const page = await openPage(browser.context, cluster.url);
  try {
    const leader = await waitFor(page, (s) => s.peers.filter((p) => p.role === 'leader').length === 1 && s.leader, 'one leader', 20_000);
    const victim = [1, 2, 3].find((id) => id !== leader);

    // The writer: one write after another until told to stop; the follower is crashed
    // from the page while it runs, and the writes go on without it (two of three).
    let written = 0;
    let writing = true;
    const writer = (async () => {
      for (let i = 1; writing; i++) {
        assert.equal(await put(`w${i}`, String(i)), 200, `PUT w${i}`);
        written = i;
      }
    })();
    while (written < 20) await new Promise((done) => setTimeout(done, 20));
    const atClick = written;
    await page.click(`[data-action="crash"][data-peer="${victim}"]`);
    await page.waitForSelector(`[data-peer-id="${victim}"][data-role="down"]`, { timeout: 10_000 });
    const atDown = written;
    while (written < atDown + 50) await new Promise((done) => setTimeout(done, 20));
    writing = false;
    await writer;
    t.diagnostic(`crash clicked after ${atClick} writes, S${victim} shown down after ${atDown}; ${written} written in all`);

    // What a power cut in the middle of a write leaves: the log file's last bytes gone.
    const log = join(dirname(cluster.tokenFile), `node${victim}`, 'log-0000000000000001');
    const size = statSync(log).size;
    truncateSync(log, size - 5);

    await page.click(`[data-action="restart"][data-peer="${victim}"]`);
    const told = page.locator('#narration-list li[data-kind="storage-opened"]', { hasText: new RegExp(`S${victim} opened its storage: replayed`) });
    await told.first().waitFor({ timeout: 15_000 });
    const text = await told.first().textContent();
    assert.match(text, /cut a torn tail of \d+ bytes at offset \d+/, 'the node\'s own report of the cut');
    assert.match(text, /never synced, so nothing acknowledged was in it/);

    // Its log row catches up: the same last index as the leader's, drawn in its row.
    const last = await waitFor(page, (s) => {
      const l = s.peers.find((p) => p.role === 'leader');
      const v = s.peers[victim - 1];
      return l && v.role === 'follower' && v.last_index === l.last_index && v.commit_index === l.commit_index && l.last_index;
    }, `S${victim}'s log to catch up with the leader's`, 20_000);
    await page.waitForSelector(`.log-row[data-peer="${victim}"] .log-cell[data-index="${last}"]`, { state: 'attached', timeout: 10_000 });
    const snap = await state(page);
    assert.ok(last >= written, `the leader's last index ${last} holds the ${written} writes`);
    assert.equal(snap.peers[victim - 1].log.at(-1).index, last);
    await screenshot(page, 'live-lesson13-recovered');
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});
