// A share link that is mistyped or names no stored run gets a clear answer in the
// browser: a malformed id gets a page of its own (404) that says the link is not valid
// and links back to the playground; a well-formed id that names no stored run opens the
// playground, which says the link is unknown. Before, /s/bogus was redirected to /bogus
// and Go's plain "404 page not found".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage } from './harness.mjs';

const env = useServerAndBrowser();

test('a malformed share link says it is not valid and links to the playground', async () => {
  const page = await env.browser.context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/404/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  for (const path of ['s/bogus', 's/aaaaaaaaaaaaaaaaaaaa', 's/aaaaaaaaaaaaaaaaaaaaaaaaab']) {
    const res = await page.goto(env.server.url + path);
    assert.equal(res.status(), 404, `${path}: status`);
    assert.equal(new URL(page.url()).pathname, `/${path}`, `${path}: not redirected`);
    assert.equal(await page.textContent('h1'), 'This share link is not valid', `${path}: heading`);
    assert.match(await page.textContent('main'), /is not a share link id/, `${path}: the reason`);
  }
  assert.deepEqual(problems, [], 'the page breaks no rule of the CSP and asks for no missing file');
  await page.click('text=Open the playground');
  await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
  assert.equal(new URL(page.url()).pathname, '/', 'the link leads to the playground');
  await page.close();
});

test('a well-formed share link that names no stored run opens the playground, which says so', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}s/aaaaaaaaaaaaaaaaaaaaaaaaaa`);
  assert.match(await page.textContent('#status'), /This share link could not be opened: this share link is unknown/);
  // Said until something else is, not for the 7 s of a passing message.
  await page.waitForTimeout(7500);
  assert.match(await page.textContent('#status'), /This share link could not be opened/, 'still said after 7.5 s');
  assert.deepEqual(page.problems.filter((p) => !/404/.test(p)), [], 'no problem but the 404 of the lookup');
  await page.close();
});
