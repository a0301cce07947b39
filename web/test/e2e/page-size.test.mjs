// The page's download budget (issues 9, 13, 14): a cold load of the playground, counted
// as `make perf` counts it (every response's encodedDataLength in Chromium: the body as
// sent, brotli-compressed, plus its HTTP headers), must stay within 1,000 kB. Sizes do
// not depend on the machine's speed, so unlike `make perf` this is a test: it fails
// with the total and the biggest files, so that whoever grows the page sees where the
// bytes went.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser } from './harness.mjs';

/** The budget of a cold load, in bytes on the wire (1.0 MB). */
const BUDGET = 1_000_000;
/** A load is over once no request has started or finished for this long after ready. */
const QUIET_MS = 500;

const env = useServerAndBrowser();

/**
 * coldLoad opens the page with the cache off and resolves to {url: bytes} of every
 * response it received, once the page is ready and the network has been quiet.
 */
async function coldLoad(context, url) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  const bytes = new Map();
  let lastActivity = Date.now();
  cdp.on('Network.requestWillBeSent', (e) => { urls.set(e.requestId, e.request.url); lastActivity = Date.now(); });
  cdp.on('Network.loadingFinished', (e) => { bytes.set(e.requestId, e.encodedDataLength); lastActivity = Date.now(); });
  cdp.on('Network.loadingFailed', (e) => { bytes.set(e.requestId, 0); lastActivity = Date.now(); });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  while (Date.now() - lastActivity < QUIET_MS || bytes.size < urls.size) await page.waitForTimeout(100);
  await cdp.detach();
  await page.close();
  const files = {};
  for (const [id, n] of bytes) {
    const path = new URL(urls.get(id)).pathname;
    files[path] = (files[path] || 0) + n;
  }
  return files;
}

test('a cold load of the playground downloads at most 1,000 kB', async () => {
  const files = await coldLoad(env.browser.context, env.server.url);
  const sorted = Object.entries(files).sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
  const biggest = sorted.slice(0, 8).map(([path, n]) => `  ${kB(n).padStart(9)}  ${path}`).join('\n');
  test.diagnostic?.(`cold load: ${kB(total)} in ${sorted.length} files`);
  console.log(`page size: ${kB(total)} in ${sorted.length} files (budget ${kB(BUDGET)}); biggest:\n${biggest}`);
  assert.ok(sorted.some(([path]) => path.endsWith('.wasm')), 'the simulator was downloaded');
  assert.ok(total <= BUDGET,
    `the page downloads ${kB(total)} in ${sorted.length} files, over its budget of ${kB(BUDGET)} (issue 9); the biggest:\n${biggest}`);
});
