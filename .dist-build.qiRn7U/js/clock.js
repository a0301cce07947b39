// The clock: play / pause and speed. While playing, each animation frame turns the real
// time since the last frame into virtual time and runs the simulator that far.
//
// Speed is virtual milliseconds per real millisecond, chosen on a log scale. Messages
// take 2 to 8 virtual milliseconds to cross, so at the speeds where they can be followed
// by eye an election timeout would take minutes; with "skip quiet time" on, time runs
// QUIET_BOOST times faster whenever no message is in flight. At the slowest, watching
// speeds a message also stays on screen at least MIN_VISIBLE_MS of real time (time slows
// a little before a delivery rather than let a short hop flash past), so it can be clicked.

/** The speed slider's range, as powers of ten. */
export const SPEED_MIN_EXP = -3;
export const SPEED_MAX_EXP = 2;
/** The default speed, for watching: a message of 5 ms takes about 1.1 s to cross. */
export const DEFAULT_SPEED_EXP = -2.35;
/** The fast preset (key }): a hundred times real time. */
export const FAST_SPEED_EXP = 2;
/** At watching speeds, the least real time (ms) a message stays in flight on screen. */
export const MIN_VISIBLE_MS = 650;
/** Watching speeds: up to ×0.01, where a hop of 2 ms takes 0.2 s or more anyway. */
const WATCHING_MAX_EXP = -2;
/** How much faster time runs while no message is in flight (with skip quiet time on). */
export const QUIET_BOOST = 20;
/** Above this rate (virtual ms per real ms) quiet time is not treated apart. */
const ADAPTIVE_LIMIT = 2;
/** The most simulator calls one frame makes while it looks for the next message. */
const MAX_CHUNKS = 48;
/** A frame longer than this (a background tab) counts as this long. */
const MAX_FRAME_MS = 100;
/**
 * Above ADAPTIVE_LIMIT, a frame longer than this counts as this long: the simulation's
 * work per frame grows with the frame's virtual time, so a loaded machine that let long
 * frames cover more time would fall into ever longer frames. It runs a little slower
 * than the speed asked for instead, and the picture stays fluid.
 */
const FAST_FRAME_MS = 34;

const SENDS = new Set(['send', 'duplicate']);

/**
 * createClock drives the session while playing.
 * @param {object} session the session (session.js)
 * @param {object} hooks stopAt(events): true when an event should end the frame there
 *   (a truncation to show: the caller then holds the clock), onState(): play, pause or
 *   speed changed
 */
export function createClock(session, hooks) {
  let playing = false;
  let speedExp = DEFAULT_SPEED_EXP;
  let skipQuiet = true;
  let last = 0;
  let frameId = 0;
  let holdUntil = 0;
  const seen = new Map(); // message id -> when (performance.now()) it was first on screen

  const clock = {
    get playing() { return playing; },
    get speedExp() { return speedExp; },
    get speed() { return 10 ** speedExp; },
    get skipQuiet() { return skipQuiet; },

    play() {
      if (playing) return;
      // Play after a pause is "go on": it ends a hold (a truncation shown in a lesson).
      holdUntil = 0;
      playing = true;
      last = performance.now();
      frameId = requestAnimationFrame(frame);
      hooks.onState();
    },
    pause() {
      if (!playing) return;
      playing = false;
      cancelAnimationFrame(frameId);
      hooks.onState();
    },
    toggle() { if (playing) clock.pause(); else clock.play(); },
    setSpeedExp(exp) {
      speedExp = Math.min(SPEED_MAX_EXP, Math.max(SPEED_MIN_EXP, Number(exp)));
      hooks.onState();
    },
    setSkipQuiet(on) { skipQuiet = Boolean(on); hooks.onState(); },
    /** hold keeps virtual time still for ms real milliseconds while playing. */
    hold(ms) { holdUntil = performance.now() + ms; },
    /** release ends a hold. */
    release() { holdUntil = 0; },
  };

  function frame(now) {
    if (!playing) return;
    const dt = Math.min(MAX_FRAME_MS, Math.max(0, now - last));
    last = now;
    if (now >= holdUntil) {
      try {
        // A frame that stopped at an event the caller holds on gets a fresh snapshot.
        session.flush(advance(dt, now) ? 'stop' : 'frame');
      } catch (err) {
        playing = false;
        hooks.onState();
        throw err;
      }
    }
    frameId = requestAnimationFrame(frame);
  }

  // visibleUntil returns the virtual time the run may reach without delivering a
  // message that has been on screen for less than MIN_VISIBLE_MS (Infinity: no limit).
  function visibleUntil(now) {
    let limit = Infinity;
    const live = new Set();
    for (const m of session.snap.messages) {
      live.add(m.id);
      if (!seen.has(m.id)) seen.set(m.id, now);
      // The simulator delivers at whole milliseconds: staying below m.deliver keeps it.
      if (now - seen.get(m.id) < MIN_VISIBLE_MS) limit = Math.min(limit, m.deliver - 1e-3);
    }
    for (const id of seen.keys()) if (!live.has(id)) seen.delete(id);
    return limit;
  }

  // advance spends dt real milliseconds of virtual time, or less if an event asks to
  // stop there; it reports whether one did.
  function advance(dt, now) {
    const speed = 10 ** speedExp;
    const adaptive = skipQuiet && speed < ADAPTIVE_LIMIT;
    session.fast = speed >= ADAPTIVE_LIMIT;
    if (speedExp > WATCHING_MAX_EXP) seen.clear();
    const limit = speedExp <= WATCHING_MAX_EXP ? visibleUntil(now) : Infinity;
    if (!adaptive) {
      const span = session.fast ? Math.min(dt, FAST_FRAME_MS) : dt;
      const target = Math.min(session.vt + span * speed, limit);
      return target > session.vt && hooks.stopAt(session.advanceTo(target));
    }
    let flying = session.snap.messages.length > 0;
    let budget = dt;
    for (let chunk = 0; budget > 1e-6 && chunk < MAX_CHUNKS; chunk++) {
      const rate = flying ? speed : speed * QUIET_BOOST;
      // While quiet, go one virtual millisecond at a time so that a message sent
      // switches to the slow rate before it has crossed.
      const dv = Math.min(flying ? budget * rate : Math.min(budget * rate, 1), limit - session.vt);
      if (dv <= 0) break;
      budget -= dv / rate;
      const fresh = session.advanceTo(session.vt + dv);
      if (hooks.stopAt(fresh)) return true;
      if (!flying && fresh.some((e) => SENDS.has(e.kind))) flying = true;
    }
    return false;
  }

  return clock;
}
