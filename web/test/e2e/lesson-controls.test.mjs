// End-to-end tests of the page's latency control (network panel) and the client form's
// session fields in Chromium: lessons 14 (exactly-once, §8) and 15 (timing, §5.6) done
// by hand, every action step with the page's own controls and never with Show me; the
// moves are recorded in the scenario, so a share link of the run replays them; and an
// axe-core scan of the new controls.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, lessonDriver, state, waitFor, setSpeed, play, pause, axeSource, screenshot } from './harness.mjs';

const env = useServerAndBrowser();
const axe = axeSource();

async function scan(page, include) {
  await page.evaluate(axe);
  const result = await page.evaluate(async (sel) => {
    const r = await window.axe.run(sel ? { include: [sel] } : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  }, include);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
}

/** next goes on to the next step (or the outro) with the Next button. */
async function next(page) {
  await page.click('#lesson-next');
}

/** crash presses Crash on the card of peer id. */
async function crash(page, id) {
  await page.click(`.peer-card[data-peer="${id}"] button:has-text("Crash")`);
}

/** send types a command and the session fields (empty strings: no session) and presses Send. */
async function send(page, cmd, client = '', seq = '') {
  await page.fill('#cmd', cmd);
  await page.selectOption('#cmd-peer', '0');
  await page.fill('#cmd-client', client);
  await page.fill('#cmd-seq', seq);
  await page.click('#client-form button[type="submit"]');
}

/**
 * sendThenCrashLeader is lesson 14's "the answer is lost": send SET x a (with the
 * session given), pause at once, step event by event until both followers hold the
 * entry, then crash the leader before their acknowledgements are counted.
 */
async function sendThenCrashLeader(page, client, seq) {
  await setSpeed(page, -3);
  const leader = (await state(page)).leader;
  assert.ok(leader, 'a leader');
  await send(page, 'SET x a', client, seq);
  await pause(page);
  const has = (p) => p.log.some((e) => e.command === 'SET x a');
  for (let i = 0; i < 200; i++) {
    const s = await state(page);
    if (s.peers.filter((p) => p.id !== leader).every(has)) break;
    await page.click('#step');
  }
  const s = await state(page);
  assert.ok(s.peers.filter((p) => p.id !== leader).every(has), 'both followers hold SET x a');
  assert.equal(s.peers[leader - 1].commit_index, 1, 'the leader has not committed it yet');
  await crash(page, leader);
  await play(page, -1);
  return leader;
}

/** replays opens the run's share link in a new tab, runs to the same time and returns its state. */
async function replays(page) {
  const [fragment, time] = await page.evaluate(() => [window.raftplay.shareFragment(), window.raftplay.now()]);
  const other = await openPage(env.browser.context, `${env.server.url}#${fragment}&t=${time}`);
  await other.waitForFunction((t) => window.raftplay.now() === t, time);
  const snap = await state(other);
  assert.deepEqual(other.problems, []);
  await other.close();
  return snap;
}

test('lesson 14 by hand: the session fields of the client form make the retry apply once', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=14&step=1`);
  const { onStep, passes, answerQuiz, highlighted, find } = lessonDriver(page, 8);
  await onStep(1);
  await play(page, 0);
  await passes();
  await next(page);

  // Step 2: the answer is lost, without a session.
  await onStep(2);
  assert.deepEqual(await highlighted(), ['client-form']);
  const first = await sendThenCrashLeader(page, '', '');
  await passes();
  await answerQuiz();
  await next(page);

  // Step 3: the next leader commits it anyway.
  await onStep(3);
  await play(page, 0);
  await passes();
  assert.notEqual((await state(page)).leader, first);
  await next(page);

  // Steps 4 and 5: another client writes b, then the retry without a session undoes it.
  await onStep(4);
  await send(page, 'SET x b');
  await passes();
  await next(page);
  await onStep(5);
  await send(page, 'SET x a');
  assert.deepEqual(await passes(), ['the retry succeeded', 'x is a again on every server that is up: b is lost']);
  await answerQuiz();
  await next(page);

  // Step 6: a fresh cluster.
  await onStep(6);
  await play(page, 0);
  await passes();
  await next(page);

  // Step 7: the same, as request 1 of client 7, typed into the session fields.
  await onStep(7);
  assert.deepEqual(await highlighted(), ['cmd-session']);
  assert.doesNotMatch(await page.textContent('#lesson-narration') + await page.textContent('#lesson-prompt'), /Show me/, 'the narration does not send the learner to Show me');
  assert.equal((await find()).id, 'cmd-client', 'Find it focuses the session fields');
  const lost = await sendThenCrashLeader(page, '7', '1');
  assert.deepEqual(await passes(),
    ['client 7 sent a write with its session', 'the leader is down', 'a follower stored SET x a', 'the client got no answer']);
  const sent = (await page.evaluate(() => window.raftplay.scenario().actions)).filter((a) => a.type === 'client');
  assert.deepEqual(sent.map(({ cmd, client, seq }) => ({ cmd, client, seq })), [{ cmd: 'SET x a', client: 7, seq: 1 }],
    'the form recorded the session in the scenario');
  await next(page);

  // Step 8: the new leader applies x = a; SET x b without a session; the retry with it.
  await onStep(8);
  assert.deepEqual(await highlighted(), ['cmd-session']);
  assert.equal(await page.inputValue('#cmd-client'), '7', 'the session fields keep what was typed');
  await play(page, 0);
  await waitFor(page, (s) => s.leader && s.leader !== lost && s.peers[s.leader - 1].kv.x === 'a', 'a new leader that applied x = a');
  await send(page, 'SET x b');
  await waitFor(page, (s) => s.peers.every((p) => p.role === 'down' || p.kv.x === 'b'), 'x = b on every server up');
  await send(page, 'SET x a', '7', '1');
  assert.deepEqual(await passes(),
    ['client 7 retried with its session', 'both writes succeeded: b, then the retry', 'x stays b on every server that is up']);
  const snap = await waitFor(page, (s) => s.peers.every((p) => p.role === 'down' || p.log.filter((e) => e.command === 'SET x a').length === 2) && s,
    'the retry committed as a second entry');
  assert.ok(snap.peers.every((p) => p.role === 'down' || p.kv.x === 'b'), 'the retry was answered, not applied');
  await answerQuiz();
  await screenshot(page, 'lesson-14-by-hand');

  // The share link replays both session writes: x is b there too.
  await pause(page);
  const copy = await replays(page);
  assert.deepEqual(copy.peers.map((p) => p.kv.x), (await state(page)).peers.map((p) => p.kv.x));
  await next(page);
  await page.waitForSelector('#lesson-outro:not([hidden])');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 15 by hand: the latency control slows the network until elections fail', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=15&step=1`);
  const { onStep, passes, answerQuiz, highlighted, find } = lessonDriver(page, 5);
  await onStep(1);
  assert.deepEqual([await page.inputValue('#net-latency-min'), await page.inputValue('#net-latency-max')], ['2', '8'],
    'the fields show the latency in force');
  await play(page, 0);
  await passes();
  await next(page);

  // Step 2: 20 to 30 ms, then crash S2.
  await onStep(2);
  assert.deepEqual(await highlighted(), ['net-latency']);
  assert.doesNotMatch(await page.textContent('#lesson-narration') + await page.textContent('#lesson-prompt'), /Show me/);
  assert.equal((await find()).id, 'net-latency-min', 'Find it focuses the latency fields');
  await setSpeed(page, -3);
  await page.fill('#net-latency-min', '20');
  await page.fill('#net-latency-max', '30');
  await page.click('#net-latency-set');
  await waitFor(page, (s) => s.network.latency[0] === 20 && s.network.latency[1] === 30, 'the latency is 20 to 30 ms');
  await crash(page, 2);
  await play(page, 0);
  await passes();
  await next(page);

  // Step 3: restart S2, 150 to 250 ms, crash the leader: elections keep failing.
  await onStep(3);
  assert.deepEqual(await highlighted(), ['net-latency']);
  await setSpeed(page, -3);
  await page.click('.peer-card[data-peer="2"] button:has-text("Restart")');
  await page.fill('#net-latency-min', '150');
  await page.fill('#net-latency-max', '250');
  await page.press('#net-latency-max', 'Enter');
  await waitFor(page, (s) => s.network.latency[0] === 150, 'the latency is 150 to 250 ms');
  await crash(page, (await state(page)).leader);
  await play(page, 0);
  await passes();
  await answerQuiz();
  await pause(page);
  const copy = await replays(page);
  assert.deepEqual(copy.network.latency, [150, 250], 'the share link replays the latency change');
  assert.deepEqual(copy.peers.map((p) => p.term), (await state(page)).peers.map((p) => p.term));
  await next(page);

  // Step 4 starts a fresh cluster with the slow network: the fields follow it.
  await onStep(4);
  await page.waitForFunction(() => document.querySelector('#net-latency-min').value === '150');
  await play(page, 1);
  await passes();
  await next(page);
  await onStep(5);
  await crash(page, (await state(page)).leader);
  await play(page, 1);
  await passes();
  await answerQuiz();
  await next(page);
  await page.waitForSelector('#lesson-outro:not([hidden])');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the latency and session fields refuse bad input with a sentence and change nothing', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const actions = () => page.evaluate(() => window.raftplay.scenario().actions.length);
  const before = await actions();
  await page.fill('#net-latency-min', '30');
  await page.fill('#net-latency-max', '20');
  await page.click('#net-latency-set');
  await page.waitForFunction(() => /above the most/.test(document.querySelector('#status').textContent));
  await page.fill('#cmd-client', '7');
  await page.fill('#cmd-seq', '');
  await page.click('#client-form button[type="submit"]');
  await page.waitForFunction(() => /both a client id and a request number/.test(document.querySelector('#status').textContent));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cmd-client');
  assert.equal(await actions(), before, 'no action was recorded');
  assert.deepEqual(page.problems, []);
  await page.close();
});

for (const [width, colorScheme] of [[1280, 'light'], [375, 'dark']]) {
  test(`axe finds no serious or critical violations in the new controls at ${width} px, ${colorScheme}`, async () => {
    const page = await openPage(env.browser.context, `${env.server.url}#lesson=14&step=7`, { width, height: width > 800 ? 900 : 812, colorScheme });
    await lessonDriver(page, 8).onStep(7);
    await page.fill('#cmd-client', '7');
    await page.fill('#cmd-seq', '1');
    assert.deepEqual(await scan(page, '#client-form'), [], 'the client form with its session fields');
    assert.deepEqual(await scan(page, '#network'), [], 'the network panel with its latency control');
    assert.deepEqual(await scan(page), [], 'the whole page');
    const names = await page.evaluate(() => ['cmd-client', 'cmd-seq', 'net-latency-min', 'net-latency-max']
      .map((id) => document.getElementById(id).labels[0]?.textContent.trim()));
    assert.deepEqual(names, ['client', 'request', 'Messages take at least, in ms,', 'to at most']);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the ${width} px window`);
    await screenshot(page, `lesson-controls-${width}-${colorScheme}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
