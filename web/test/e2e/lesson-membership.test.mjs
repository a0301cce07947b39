// End-to-end tests of the membership lessons (§6) in Chromium, each played to the end
// by clicking as a learner would, never with Show me:
// - lesson 19 (adding a server): the one "+ Add a server" button (which Find it
//   focuses), then the Promote button of S4's card; the drawing's data-member follows
//   S4 from a spare server to a learner to a voter; then, with S3 down, S4 added again
//   and promoted only once its match index has caught up, and a write that commits;
// - lesson 20 (why not switch directly): the network panel's split (#net-split: tick S1
//   and S2, Partition) and the new voters under the peer cards (#conf-change: tick S4
//   and S5, "Switch directly (unsafe)", then in the safe half "Reconfigure"), and the
//   cards' Timeout buttons: two leaders in one term, then one;
// - lesson 21 (removing the leader): the Remove button of S1's card, then the client form.
// Each step's check is seen to pass part by part.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, openPage, openLessonFromMenu, lessonDriver, state, waitFor, setSpeed, play, pause, screenshot } from './harness.mjs';

const env = useServerAndBrowser();

/** member returns a server's place in the configuration, on its card and in the drawing. */
function member(page, id) {
  return page.evaluate((id) => [document.querySelector(`.peer-card[data-peer="${id}"]`)?.dataset.member,
    document.querySelector(`[data-peer-id="${id}"]`)?.dataset.member], id);
}

/** tick ticks the checkboxes of a data-action for the servers given, and unticks the others. */
async function tick(page, action, ids) {
  const boxes = page.locator(`input[data-action="${action}"]`);
  for (let i = 0; i < await boxes.count(); i++) {
    const box = boxes.nth(i);
    await box.setChecked(ids.includes(Number(await box.getAttribute('data-peer'))));
  }
}

/** timeouts presses the Timeout buttons of the cards of the servers given, in order. */
async function timeouts(page, ids) {
  for (const id of ids) await page.click(`.peer-card[data-peer="${id}"] button[data-action="timeout"]`);
}

/**
 * watchPace sets the watching pace (the Watch button): the first move of a step starts
 * its clock, and at ×10, from step 1, S1 and S2 would time out on their side of the
 * split before the second move is made.
 */
async function watchPace(page) {
  await page.click('#speed-watch');
}

/** recorded returns the learner's recorded actions of the given types (the run's scenario). */
async function recorded(page, ...types) {
  const actions = (await page.evaluate(() => window.raftplay.scenario().actions)).filter((a) => types.includes(a.type));
  return actions.map(({ type, groups, voters, learners }) => ({ type, groups, voters, learners }));
}

test('lesson 19 by clicking: S4 joins as a learner, catches up, and is promoted through C_old,new', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const lesson = await openLessonFromMenu(page, { id: 'adding-a-server', number: 19, title: 'Adding a server', steps: 5 });

  // Step 1: three voters commit five writes; S4 and S5 are spare servers.
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['S1 leads', 'S1 has applied x = 5', 'S2 has applied x = 5', 'S3 has applied x = 5', 'S4\'s log is still empty']);
  assert.deepEqual(await member(page, 4), ['none', 'none']);
  assert.deepEqual(await member(page, 1), ['voter', 'voter']);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');

  // Step 2: Find it focuses the Add a server button; pressing it adds S4 as a learner.
  await lesson.onStep(2);
  assert.equal(await page.getAttribute('[data-action="add-server"]', 'data-lesson-target'), '', 'the step outlines the button');
  assert.equal((await lesson.find()).action, 'add-server', 'Find it focuses Add a server');
  await page.click('[data-action="add-server"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S1 adds S4 as a learner', 'S4 has caught up: it applied x = 5',
    'S4 knows the configuration: voters S1, S2, S3']);
  await page.waitForSelector('.peer-card[data-peer="4"][data-member="learner"]');
  assert.deepEqual((await state(page)).peers[3].learners, [4]);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');

  // Step 3: the Promote button of S4's card; S1 goes through C_old,new to C_new.
  await lesson.onStep(3);
  assert.deepEqual(await lesson.find(), { id: '', action: 'promote', peer: '4' }, 'Find it focuses S4\'s Promote button');
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S1 promotes learner S4', 'S1 enters C_old,new', 'S1 leaves it for C_new once C_old,new is committed',
    'S4 uses C_new: the voters S1 to S4']);
  await page.waitForSelector('[data-peer-id="4"][data-member="voter"]');
  assert.deepEqual((await state(page)).peers[0].voters, [1, 2, 3, 4]);
  await screenshot(page, 'lesson-19-promoted');
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');

  // Step 4: a fresh cluster with thirty entries and S3 down; S1 leads.
  await lesson.onStep(4);
  await play(page, 0);
  assert.deepEqual(await lesson.passes(), ['S1 leads', 'S3 is down', 'S1 commits its no-op, entry 31, with S2']);
  await page.click('#lesson-next');

  // Step 5: add S4, watch its match index in S1's view reach 32, then Promote and SET y 1.
  await lesson.onStep(5);
  assert.deepEqual(await lesson.highlighted(), ['replication']);
  assert.deepEqual(await member(page, 4), ['none', 'none']);
  await page.click('[data-action="add-server"]');
  await page.waitForSelector('.peer-card[data-peer="4"][data-member="learner"]');
  await waitFor(page, (s) => s.peers[0].replication?.some((r) => r.peer === 4 && r.match_index >= 32), 'S4\'s match index at 32');
  await pause(page);
  await page.waitForSelector('#replication-body tr:has-text("S4") >> text=32');
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await page.fill('#cmd', 'SET y 1');
  await page.selectOption('#cmd-peer', '0');
  await page.click('#client-form button[data-action="send"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S1 adds S4 as a learner', 'S4 had caught up (match index 32 in S1\'s view) before S1 promoted it',
    'S1 enters C_old,new', 'S1 leaves it for C_new',
    'S4 uses C_new: the voters S1 to S4', 'S2 has applied y = 1']);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  assert.equal(await page.textContent('#lesson-next'), 'Finish ✓');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons['adding-a-server'].done, [1, 2, 3, 4, 5]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 19 step 5, S4 promoted the moment its button is enabled: every commit waits for S4, and the step says what it asked for', async () => {
  const page = await openPage(env.browser.context, `${env.server.url}#lesson=19&step=5`);
  const lesson = lessonDriver(page, 5);
  await lesson.onStep(5);
  // Slow enough (×0.03) that S4, about 400 ms of virtual time from caught up, is still
  // behind after the clicks of a loaded machine.
  await setSpeed(page, -1.5);
  await page.click('[data-action="add-server"]');
  // The click waits for the button to be enabled: S4's learner entry committed.
  await page.click('.peer-card[data-peer="4"] button[data-action="promote"]');
  await page.fill('#cmd', 'SET y 1');
  await page.selectOption('#cmd-peer', '0');
  await page.click('#client-form button[data-action="send"]');
  await page.waitForSelector('#lesson-overdue:not([hidden])', { timeout: 30_000 });
  const s = await state(page);
  assert.ok(s.peers[0].outgoing?.length, 'S1 is still in C_old,new');
  assert.ok(s.peers[3].last_index < s.peers[0].last_index, 'S4 is still catching up');
  assert.notEqual(s.peers[1].kv.y, '1', 'SET y 1 waits');
  assert.match(await page.textContent('.conf-waiting'), /waits for C_new ✗/);
  assert.match(await page.textContent('#lesson-stall-why'),
    /The step asks you to add S4 as a learner, then let 80 ticks pass, then promote S4 to a voter, then send SET y 1 to the leader\./);
  assert.equal(await page.getAttribute('#lesson-verdict', 'data-passed'), 'false');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 20 by clicking: the split and the new voters, switched directly (two leaders in term 2), then through C_old,new (one)', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const lesson = await openLessonFromMenu(page, { id: 'why-not-switch-directly', number: 20, title: 'Why not switch directly', steps: 6 });

  // Step 1: S3 leads S1 to S3 and adds S4 and S5 as learners.
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['S3 adds S4 as a learner', 'S3 adds S5 as a learner', 'S4 has caught up', 'S5 has caught up']);
  assert.deepEqual(await member(page, 5), ['learner', 'learner']);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');

  // Step 2: the split S1 S2 | S3 S4 S5, then the direct switch to S1 to S5, by clicking.
  await lesson.onStep(2);
  assert.deepEqual(await lesson.highlighted(), ['net-split']);
  assert.doesNotMatch(await page.textContent('#lesson-prompt'), /Show me/, 'the step no longer sends the learner to Show me');
  assert.deepEqual(await lesson.find(), { id: '', action: 'partition-side', peer: '1' }, 'Find it focuses S1\'s side checkbox');
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Switch directly (unsafe)', 'the run has the direct switch');
  assert.deepEqual(await page.$$eval('input[data-action="conf-voter"]', (bs) => bs.map((b) => b.checked)), [true, true, true, false, false],
    'the new voters start as the voters in force');
  await watchPace(page);
  await tick(page, 'partition-side', [1, 2]);
  await page.click('[data-action="partition"]');
  await pause(page);
  await tick(page, 'conf-voter', [1, 2, 3, 4, 5]);
  await page.click('[data-action="reconfigure"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S3 switches to C_new: the voters S1 to S5', 'S4 switches to C_new', 'S5 switches to C_new',
    'S1 still uses C_old', 'S2 still uses C_old', 'no election yet']);
  assert.deepEqual(await recorded(page, 'partition', 'reconfigure'), [
    { type: 'partition', groups: [[1, 2], [3, 4, 5]], voters: undefined, learners: undefined },
    { type: 'reconfigure', groups: undefined, voters: [1, 2, 3, 4, 5], learners: undefined }], 'the clicks made the lesson\'s two moves');
  // S4 and S5 are voters of S3's C_new: the new voters are ticked as those, and the
  // form stays, since fewer voters can still be asked for.
  await page.waitForFunction(() => [...document.querySelectorAll('input[data-action="conf-voter"]')].every((b) => b.checked));
  assert.equal(await page.isVisible('[data-action="reconfigure"]'), true);
  await page.click('#lesson-next');

  // Step 3: the Timeout buttons of S4, then S1: both win term 2.
  await lesson.onStep(3);
  await timeouts(page, [4, 1]);
  assert.deepEqual(await lesson.passes(), ['S4 wins term 2 with a majority of C_new', 'S1 wins term 2 with a majority of C_old',
    'S1 stood because you forced its timeout', 'two leaders in term 2: election safety is broken']);
  assert.equal(await page.getAttribute('.inv[data-invariant="election-safety"]', 'data-ok'), 'false');
  await screenshot(page, 'lesson-20-two-leaders');
  assert.equal(await lesson.answerQuiz(/Figure 10|§5\.2/), 1);
  await page.click('#lesson-next');

  // Step 4: the same cluster, safe this time: the button says so.
  await lesson.onStep(4);
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['S4 has caught up', 'S5 has caught up']);
  await pause(page);
  assert.equal(await page.textContent('[data-action="reconfigure"]'), 'Reconfigure', 'the step\'s run has no direct switch');
  await page.click('#lesson-next');

  // Step 5: the same two moves, by clicking: S3, S4 and S5 enter C_old,new.
  await lesson.onStep(5);
  assert.deepEqual(await lesson.highlighted(), ['net-split']);
  await watchPace(page);
  await tick(page, 'partition-side', [1, 2]);
  await page.click('[data-action="partition"]');
  await pause(page);
  await tick(page, 'conf-voter', [1, 2, 3, 4, 5]);
  await page.click('[data-action="reconfigure"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S3 enters C_old,new', 'S3\'s C_new is the voters S1 to S5', 'S4 enters C_old,new',
    'S5 enters C_old,new', 'S1 still uses C_old', 'S2 still uses C_old', 'no election yet']);
  assert.deepEqual(await member(page, 4), ['joining', 'joining']);
  await page.click('#lesson-next');

  // Step 6: S1 wins term 2; S4 gets no majority of C_old.
  await lesson.onStep(6);
  await timeouts(page, [4, 1]);
  assert.deepEqual(await lesson.passes(), ['S1 wins term 2 with a majority of C_old', 'S1 stood because you forced its timeout',
    'S4 is still a candidate: no majority of C_old', 'S4 stood because you forced its timeout', 'no invariant is broken']);
  assert.equal(await page.getAttribute('.inv[data-invariant="election-safety"]', 'data-ok'), 'true');
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  assert.equal(await page.textContent('#lesson-next'), 'Finish ✓');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('raftplay.lessons.v1')));
  assert.deepEqual(saved.lessons['why-not-switch-directly'].done, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('lesson 21 by clicking: S1 removes itself, steps down once C_new is committed, and S2 and S3 go on', async () => {
  const page = await openPage(env.browser.context, env.server.url);
  const lesson = await openLessonFromMenu(page, { id: 'removing-the-leader', number: 21, title: 'Removing the leader', steps: 3 });

  // Step 1: S1 leads and commits SET x 1.
  await play(page, 1);
  assert.deepEqual(await lesson.passes(), ['S1 leads', 'S2 has applied x = 1', 'S3 has applied x = 1']);
  await page.click('#lesson-next');

  // Step 2: the Remove button of S1's card, which Find it focuses.
  await lesson.onStep(2);
  assert.deepEqual(await lesson.highlighted(), ['1']);
  assert.deepEqual(await lesson.find(), { id: '', action: 'remove', peer: '1' }, 'Find it focuses S1\'s Remove button');
  await page.click('.peer-card[data-peer="1"] button[data-action="remove"]');
  await play(page);
  assert.deepEqual(await lesson.passes(), ['S1 proposes the removal of S1', 'S1 enters C_old,new', 'S1 appends C_new once C_old,new is committed',
    'S1 steps down once C_new is committed', 'S2 or S3 leads', 'the new leader uses C_new: the voters S2, S3']);
  await page.waitForSelector('[data-peer-id="1"][data-member="none"]');
  assert.deepEqual(await member(page, 1), ['none', 'none']);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');

  // Step 3: SET y 2 from the client form to the new leader.
  await lesson.onStep(3);
  assert.deepEqual(await lesson.highlighted(), ['client-form']);
  await page.fill('#cmd', 'SET y 2');
  await page.selectOption('#cmd-peer', '0');
  await page.click('#client-form button[data-action="send"]');
  assert.deepEqual(await lesson.passes(), ['S2 has applied y = 2', 'S3 has applied y = 2', 'S1 does not get the entry']);
  const snap = await state(page);
  assert.notEqual(snap.leader, 1);
  assert.deepEqual(snap.peers[snap.leader - 1].voters, [2, 3]);
  assert.equal(await lesson.answerQuiz(/§6/), 1);
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-outro:not([hidden])');
  assert.deepEqual(page.problems, []);
  await page.close();
});
