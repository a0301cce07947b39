// The transport bar: play / pause, one event forward or back, speed on a log scale,
// fast-forward, and the time slider that scrubs through the recorded run (acting after
// scrubbing back forks a new future from there).

import { $, el, setAttr, setText } from './dom.js';
import { SPEED_MIN_EXP, SPEED_MAX_EXP, DEFAULT_SPEED_EXP, FAST_SPEED_EXP } from './clock.js';
import { stepSentence, forkSentence } from './sentences.js';

/** At most this many of a step's sentences are in the step note (the narration has all). */
const NOTE_SENTENCES = 3;

/** formatSpeed writes a speed (virtual ms per real ms) as "×0.03". */
export function formatSpeed(exp) {
  const v = 10 ** exp;
  const digits = v >= 10 ? 0 : v >= 1 ? 1 : Math.max(0, Math.ceil(-Math.log10(v)) + 1);
  return `×${v.toFixed(Math.min(4, digits))}`;
}

/** createControls wires the transport `root` to the clock and the session. */
export function createControls(root, { clock, session, guard }) {
  const play = $('#play', root);
  const speed = $('#speed', root);
  const speedOut = $('#speed-out', root);
  const skipQuiet = $('#skip-quiet', root);
  const time = $('#time', root);
  const timeOut = $('#time-out', root);
  const ffAmount = $('#ff-amount', root);
  let scrubbing = false;
  // The step note: what the event just stepped was (a step often changes nothing that
  // the drawing or the filtered narration shows), or that acting in the past discarded
  // the recorded future. Anything else that moves the run takes it away.
  const note = el('p', { id: 'step-note', class: 'step-note', role: 'status', hidden: true });
  root.append(note);
  session.subscribe((update) => {
    let text = '';
    if (session.forked) {
      text = `⑂ ${forkSentence(session.forked.at, session.forked.end)}`;
    } else if (update.reason === 'step') {
      const said = update.fresh.map(stepSentence);
      const more = said.length > NOTE_SENTENCES ? ` (+${said.length - NOTE_SENTENCES} more in the narration)` : '';
      text = `Event ${update.snap.steps} at ${update.snap.time} ms: ` +
        (said.length ? said.slice(0, NOTE_SENTENCES).join(' ') + more : 'nothing visible happened (an internal tick: no message, no change of state).');
    } else if (update.reason === 'step-back') {
      text = `Back one event: now after event ${update.snap.steps}, at ${update.snap.time} ms.`;
    } else if (update.reason === 'pause' || update.reason === 'redraw') {
      return; // the same moment, looked at again
    }
    setText(note, text);
    note.hidden = !text;
  });

  speed.min = String(SPEED_MIN_EXP);
  speed.max = String(SPEED_MAX_EXP);
  play.addEventListener('click', () => clock.toggle());
  $('#step', root).addEventListener('click', guard(() => { clock.pause(); session.step(); }));
  $('#step-back', root).addEventListener('click', guard(() => { clock.pause(); session.stepBack(); }));
  speed.addEventListener('input', () => clock.setSpeedExp(Number(speed.value)));
  $('#speed-watch', root).addEventListener('click', () => controls.preset('watch'));
  $('#speed-fast', root).addEventListener('click', () => controls.preset('fast'));
  skipQuiet.addEventListener('change', () => clock.setSkipQuiet(skipQuiet.checked));
  $('#ff', root).addEventListener('click', guard(() => controls.fastForward()));
  time.addEventListener('pointerdown', () => { scrubbing = true; });
  time.addEventListener('pointerup', () => { scrubbing = false; });
  time.addEventListener('input', guard(() => {
    clock.pause();
    session.seek(Number(time.value));
  }));

  const controls = {
    /** fastForward runs the chosen number of ticks at once. */
    fastForward() {
      clock.pause();
      session.fastForward(Number(ffAmount.value));
    },
    /** nudgeSpeed changes the speed by a step of the log scale (a fifth of a decade). */
    nudgeSpeed(dir) {
      clock.setSpeedExp(Math.round((clock.speedExp + dir * 0.2) * 10) / 10);
    },
    /** preset sets the watching pace ('watch') or a hundred times real time ('fast'). */
    preset(which) {
      clock.setSpeedExp(which === 'fast' ? FAST_SPEED_EXP : DEFAULT_SPEED_EXP);
    },
    /** update shows the clock's and the session's state. */
    update() {
      const snap = session.snap;
      setText(play, clock.playing ? '❚❚ Pause' : '▶ Play');
      setAttr(play, 'aria-pressed', clock.playing ? 'true' : 'false');
      if (document.activeElement !== speed && speed.value !== String(clock.speedExp)) speed.value = String(clock.speedExp);
      setText(speedOut, formatSpeed(clock.speedExp));
      setAttr(speed, 'aria-valuetext', `${formatSpeed(clock.speedExp)} real time`);
      if (skipQuiet.checked !== clock.skipQuiet) skipQuiet.checked = clock.skipQuiet;
      const end = Math.max(session.maxTime, snap.time);
      setAttr(time, 'max', end);
      if ((!scrubbing || document.activeElement !== time) && time.value !== String(snap.time)) time.value = String(snap.time);
      setAttr(time, 'aria-valuetext', `${snap.time} ms of ${end} ms`);
      const future = end > snap.time ? ` · recorded to ${end} ms` : '';
      setText(timeOut, `${snap.time} ms · ${snap.steps} events${future}`);
    },
  };
  return controls;
}
