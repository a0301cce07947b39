// Accessibility and layout: an axe-core scan finds no serious or critical violations at
// desktop and phone widths, in light and dark mode, with the message inspector, the
// truncation banner and the help dialog open too; and nothing overflows at 375 px.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, state, waitFor, screenshot, pause, play, setSpeed, axeSource } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();


// scan runs axe-core in the page (evaluated through the debugging protocol, which the
// page's Content-Security-Policy does not restrict) and returns the serious and
// critical violations as readable lines.
async function scan(page) {
  await page.evaluate(axe);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

for (const width of [1280, 375]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`axe finds no serious or critical violations at ${width} px, ${colorScheme}`, async () => {
      const page = await openPage(env.browser.context, env.server.url, { width, height: width > 800 ? 900 : 812, colorScheme });
      await play(page, -1);
      await waitFor(page, (s) => s.leader && s.messages.length > 0, 'a leader and a message in flight');
      await pause(page);
      // Paused between two messages: step to the next one sent.
      while ((await state(page)).messages.length === 0) await page.click('#step');
      await page.keyboard.press('m');
      await page.waitForSelector('#inspector:not([hidden])');
      assert.deepEqual(await scan(page), []);
      await screenshot(page, `page-${width}-${colorScheme}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page is ${overflow} px wider than the ${width} px window`);

      await page.keyboard.press('?');
      await page.waitForSelector('#help[open]');
      assert.deepEqual(await scan(page), [], 'with the help dialog open');
      await page.keyboard.press('Escape');
      assert.deepEqual(page.problems, []);
      await page.close();
    });
  }
}

test('axe finds no serious or critical violations with the truncation banner up (dark, 375 px)', async () => {
  const page = await openPage(env.browser.context, env.server.url, { width: 375, height: 812, colorScheme: 'dark' });
  await setSpeed(page, -1);
  await page.selectOption('#scenario', 'conflict');
  await page.click('#reset');
  await page.waitForSelector('.log-cell[data-truncated="true"]', { timeout: 10_000 });
  await pause(page);
  assert.deepEqual(await scan(page), []);
  await page.locator('#logs').scrollIntoViewIfNeeded();
  await screenshot(page, 'truncation-375-dark');
  assert.deepEqual(page.problems, []);
  await page.close();
});
