// Browser: the page's wasm carries no lessons. First load does not fetch lessons.json;
// opening the lesson menu fetches it once; a lesson link fetches it at start; a failed
// fetch is reported in words and a later try succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser } from './harness.mjs';

const env = useServerAndBrowser();

/** open loads url in a new page, counting the requests for lessons.json from the start. */
async function open(url) {
  const page = await env.browser.context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.lessonFetches = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.endsWith('/lessons.json')) page.lessonFetches.push(r.status());
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
  return page;
}

test('first load fetches no lessons; the menu fetches lessons.json once', async () => {
  const page = await open(env.server.url);
  await page.waitForTimeout(300);
  assert.deepEqual(page.lessonFetches, [], 'first paint does not need the lessons');
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open]');
  assert.deepEqual(page.lessonFetches, [200]);
  const items = await page.locator('#lesson-menu [data-lesson]').count();
  assert.ok(items >= 17, `the menu lists every lesson (got ${items})`);
  await page.click('#lesson-menu-close');
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open]');
  await page.click('#lesson-menu [data-lesson="leader-election"]');
  await page.waitForSelector('#lesson:not([hidden])');
  assert.match(await page.textContent('#lesson-step-title'), /^Step 1 of/);
  assert.deepEqual(page.lessonFetches, [200], 'fetched once, not per opening');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a lesson link fetches the lessons at start and opens the step', async () => {
  const page = await open(`${env.server.url}#lesson=03&step=2`);
  await page.waitForSelector('#lesson:not([hidden])');
  assert.match(await page.textContent('#lesson-step-title'), /^Step 2 of/);
  assert.deepEqual(page.lessonFetches, [200]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a failed fetch of lessons.json is said in words; the next try loads them', async () => {
  const page = await open(env.server.url);
  await page.route('**/lessons.json', (route) => route.fulfill({ status: 503, body: 'down' }));
  await page.click('#lessons-open');
  await page.waitForFunction(() => /The lessons could not be loaded: .*HTTP 503/.test(document.querySelector('#status').textContent));
  assert.equal(await page.locator('#lesson-menu[open]').count(), 0, 'no empty menu');
  await page.unroute('**/lessons.json');
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open] [data-lesson="meet-the-cluster"]');
  assert.deepEqual(page.problems, []);
  await page.close();
});
