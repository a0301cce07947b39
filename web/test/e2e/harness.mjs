// The browser tests' harness: serves dist/ with `raftplay serve` on a free port and
// drives Debian's Chromium through playwright-core (which never downloads a browser).
// Each test file gets its own server, browser and fresh profile directory.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository's root directory. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Where screenshots go (gitignored). */
export const ARTIFACTS = join(ROOT, 'test-artifacts');
/** The browser: Debian's Chromium, overridable with RAFTPLAY_CHROMIUM. */
export const CHROMIUM = process.env.RAFTPLAY_CHROMIUM || '/usr/bin/chromium';
/** The flags the browser runs with (headless, no network of its own, no sandbox for root in CI). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * startServer runs `bin/raftplay serve --addr 127.0.0.1:0 --dist dist` (RAFTPLAY_BIN
 * overrides the binary) and resolves to {url, stop()} once it prints the address it
 * listens on. Shared scenarios go to a fresh temporary folder; with {shareAPI: false}
 * the server has no share API (share links then carry the scenario in the fragment).
 */
export function startServer({ shareAPI = true } = {}) {
  const bin = process.env.RAFTPLAY_BIN || join(ROOT, 'bin', 'raftplay');
  const dist = join(ROOT, 'dist');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "make build" first`);
  if (!existsSync(join(dist, 'app.wasm'))) throw new Error(`${dist}/app.wasm is missing: run "make dist" first`);
  const shareDir = shareAPI ? mkdtempSync(join(tmpdir(), 'raftplay-share-')) : '';
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--dist', dist, '--share-dir', shareDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`raftplay serve printed no address within 10 s:\n${output}`)), 10_000);
    function fail(err) {
      clearTimeout(timer);
      child.kill();
      reject(err);
    }
    const onData = (chunk) => {
      output += chunk;
      const m = /http:\/\/127\.0\.0\.1:\d+\/?/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      const url = m[0].endsWith('/') ? m[0] : `${m[0]}/`;
      resolve({
        url,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`raftplay serve exited with ${code}:\n${output}`)));
  });
}

/** launchBrowser starts Chromium with a fresh profile; close() also removes the profile. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'raftplay-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * openPage opens url in a new tab and collects its console errors and page errors in
 * page.problems (a test asserts it is empty).
 */
export async function openPage(context, url, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') page.problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ colorScheme });
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
  return page;
}

/** state returns the cluster snapshot through window.raftplay.state() (docs/DESIGN.md). */
export function state(page) {
  return page.evaluate(() => window.raftplay.state());
}

/** waitFor polls fn(snapshot) until it returns a truthy value, which it resolves to. */
export async function waitFor(page, fn, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await state(page);
    const got = fn(last);
    if (got) return got;
    await page.waitForTimeout(50);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}; last state at ${last && last.time} ms: ` +
    JSON.stringify(last && last.peers.map((p) => ({ id: p.id, role: p.role, term: p.term, commit: p.commit_index, last: p.last_index }))));
}

/** screenshot saves a full-page screenshot as test-artifacts/NAME.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axeSource is axe-core's browser build. */
export function axeSource() {
  return readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
}

/** pause stops the page's clock (if it is playing) with the play button. */
export async function pause(page) {
  const pressed = await page.getAttribute('#play', 'aria-pressed');
  if (pressed === 'true') await page.click('#play');
  await page.waitForSelector('#play[aria-pressed="false"]');
}

/** setSpeed sets the speed slider to 10^exp. */
export async function setSpeed(page, exp) {
  await page.locator('#speed').fill(String(exp));
}

/**
 * play starts the page's clock with the play button (the page opens paused), first
 * setting the speed to 10^exp when exp is given.
 */
export async function play(page, exp) {
  if (exp !== undefined) await setSpeed(page, exp);
  if (await page.getAttribute('#play', 'aria-pressed') !== 'true') await page.click('#play');
  await page.waitForSelector('#play[aria-pressed="true"]');
}

/**
 * useServerAndBrowser gives a test file one server and one browser: it registers the
 * node:test hooks that start them before the file's tests and stop them after, and
 * returns an object whose `server` and `browser` are set in between.
 */
export function useServerAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * lessonDriver drives the lesson panel of a page on which a lesson of `steps` steps is
 * open, as a learner would; the lesson browser tests share it:
 * - onStep(n) waits until the panel shows step n;
 * - passes(timeout) waits for the step's check to pass, asserts every part ticked and
 *   returns the parts' texts;
 * - answerQuiz(cites) answers each question (the first choice, then another if that was
 *   wrong), asserts each explanation matches cites when given, and returns how many;
 * - highlighted() lists the outlined elements (their id, or a card's data-peer);
 * - find() presses "Find it on the page" and returns what got the focus: {id, action,
 *   peer} (peer: its data-peer or its card's).
 */
export function lessonDriver(page, steps) {
  return {
    async onStep(n) {
      await page.waitForFunction(([n, of]) => document.querySelector('#lesson-step-title')?.textContent.startsWith(`Step ${n} of ${of}:`), [n, steps]);
    },
    async passes(timeout = 30_000) {
      await page.waitForSelector('#lesson-verdict[data-passed="true"]', { timeout });
      const parts = await page.$$eval('#lesson-parts li', (lis) => lis.map((li) => ({ passed: li.dataset.passed, text: li.textContent })));
      for (const p of parts) assert.equal(p.passed, 'true', p.text);
      return parts.map((p) => p.text.replace(/^✓passed: /, ''));
    },
    async answerQuiz(cites) {
      const questions = await page.locator('#lesson-quiz .quiz').count();
      for (let i = 0; i < questions; i++) {
        const q = page.locator('#lesson-quiz .quiz').nth(i);
        await q.locator('.quiz-choice:not([disabled])').first().click();
        if (await q.getAttribute('data-answered') === 'retry') await q.locator('.quiz-choice:not([disabled])').first().click();
        assert.match(await q.getAttribute('data-answered'), /^(right|wrong)$/);
        if (cites) assert.match(await q.locator('.quiz-feedback').textContent(), cites, 'the explanation cites the paper');
      }
      return questions;
    },
    highlighted() {
      return page.evaluate(() => [...document.querySelectorAll('[data-lesson-target]')].map((e) => e.id || e.getAttribute('data-peer')));
    },
    async find() {
      await page.click('#lesson-find');
      return page.evaluate(() => {
        const a = document.activeElement;
        return { id: a.id, action: a.dataset.action, peer: a.dataset.peer || a.closest('.peer-card')?.dataset.peer };
      });
    },
  };
}

/**
 * openLessonFromMenu opens a lesson as a learner does: the Lessons button, then its
 * entry in the menu, which must name its title and its number of steps; the address
 * then links to step 1. Returns the lessonDriver of the lesson.
 */
export async function openLessonFromMenu(page, { id, number, title, steps }) {
  await page.click('#lessons-open');
  await page.waitForSelector('#lesson-menu[open]');
  const entry = `#lesson-menu [data-lesson="${id}"]`;
  assert.match(await page.textContent(entry), new RegExp(`${title}.*${steps} steps`, 's'));
  await page.click(entry);
  await page.waitForSelector('#lesson:not([hidden])');
  assert.match(page.url(), new RegExp(`#lesson=${String(number).padStart(2, '0')}&step=1$`));
  const lesson = lessonDriver(page, steps);
  await lesson.onStep(1);
  return lesson;
}
