// Live mode against real node processes (issue 15), in Chromium: `raftplay cluster
// --web` starts three nodes and serves the page on /?live; the page shows exactly one
// leader; crashing the leader's process from the page shows it down and another leader
// elected within 10 s; cutting a link from the page changes the node's own /status
// (cut_links); a key written from the page is read back with `raftplay kv get`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { launchBrowser, openPage, state, waitFor, screenshot } from './harness.mjs';
import { startCluster, BIN } from './live-cluster.mjs';

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

/** nodeStatus reads node id's own /status, with the cluster token. */
async function nodeStatus(id) {
  const token = readFileSync(cluster.tokenFile, 'utf8').trim();
  const res = await fetch(`${cluster.httpURLs[id - 1]}/status`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `node ${id} /status`);
  return res.json();
}

/** until polls fn until it returns a truthy value (which it resolves to), or fails after ms. */
async function until(fn, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

const leaders = (s) => s.peers.filter((p) => p.role === 'leader');

test('the live page drives three real node processes', async (t) => {
  const page = await openPage(browser.context, cluster.url);
  try {
    // Exactly one leader, in the page's state and in its drawing.
    const first = await waitFor(page, (s) => leaders(s).length === 1 && s.leader, 'one leader in the page', 20_000);
    assert.equal(await page.locator('[data-peer-id][data-role="leader"]').count(), 1);
    assert.equal(await page.locator('[data-peer-id]').count(), 3);
    assert.match(await page.textContent('#live-banner'), /LIVE — real processes, not rewindable/);
    await page.waitForSelector('.log-row[data-peer] .log-cell[data-index][data-term][data-committed="true"]');
    // Each node drawn as the voter its /status says it is (§6), never "no member".
    for (const id of [1, 2, 3]) await page.waitForSelector(`[data-peer-id="${id}"][data-member="voter"]`);
    assert.doesNotMatch(await page.textContent('#peers'), /no member/);

    // Crash the leader's process from the page: shown down, another leader within 10 s.
    const t0 = Date.now();
    await page.click(`[data-action="crash"][data-peer="${first}"]`);
    await page.waitForSelector(`[data-peer-id="${first}"][data-role="down"]`, { timeout: 10_000 });
    const second = await waitFor(page, (s) => s.leader && s.leader !== first && leaders(s).length === 1 && s.leader, 'a new leader', 10_000 - (Date.now() - t0));
    const took = Date.now() - t0;
    assert.ok(took <= 10_000, `down and re-elected in ${took} ms`);
    t.diagnostic(`S${first} crashed from the page: shown down and S${second} elected ${took} ms after the click`);
    await screenshot(page, 'live-real-crashed');

    // Restart it from the page: it comes back as a follower.
    await page.click(`[data-action="restart"][data-peer="${first}"]`);
    await waitFor(page, (s) => s.peers[first - 1].role !== 'down', `S${first} back`, 15_000);

    // Cut a link from the page: the node's own /status says so; heal it again.
    const other = [1, 2, 3].find((id) => id !== second && id !== first);
    const [a, b] = [Math.min(second, other), Math.max(second, other)];
    await page.locator(`g.link[data-link="${a}-${b}"]`).dispatchEvent('click');
    await until(async () => (await nodeStatus(a)).cut_links?.includes(b), `node ${a}'s cut_links to list ${b}`);
    await until(async () => (await nodeStatus(b)).cut_links?.includes(a), `node ${b}'s cut_links to list ${a}`);
    await page.waitForSelector(`g.link[data-link="${a}-${b}"][data-state="cut"]`, { state: 'attached' });
    await page.locator(`g.link[data-link="${a}-${b}"]`).dispatchEvent('click');
    await until(async () => !(await nodeStatus(a)).cut_links, `node ${a}'s cut_links to go`);
    await page.waitForSelector(`g.link[data-link="${a}-${b}"][data-state="open"]`, { state: 'attached' });

    // Write from the page, read it back with the command line.
    await page.fill('#cmd', 'SET live-key from-the-page');
    await page.click('#client-form button[data-action="send"]');
    await page.waitForFunction(() => [...document.querySelectorAll('#narration-list li[data-kind="client-response"]')]
      .some((li) => /SET live-key from-the-page: committed and applied at index \d+/.test(li.textContent)), null, { timeout: 15_000 });
    const { stdout } = await promisify(execFile)(BIN, ['kv', 'get', 'live-key', '--addr', cluster.httpURLs.join(','), '--token-file', cluster.tokenFile]);
    assert.equal(stdout.trim(), 'from-the-page');
    const snap = await state(page);
    assert.ok(snap.peers.every((p) => p.role !== 'down'), 'every node up at the end');
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});
