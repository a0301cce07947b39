// The clock: play / pause and speed. While playing, each animation frame turns the real
// time since the last frame into virtual time and runs the simulator that far.
//
// Speed is virtual milliseconds per real millisecond, chosen on a log scale. Messages
// take a few virtual milliseconds to cross, so at the speeds where they can be followed
// by eye an election timeout would take seconds; with "skip quiet time" on, time runs
// QUIET_BOOST times faster whenever no message is in flight.

/** The speed slider's range, as powers of ten. */
export const SPEED_MIN_EXP = -3;
export const SPEED_MAX_EXP = 2;
/** The default speed: a message of 5 ms takes about 170 ms to cross. */
export const DEFAULT_SPEED_EXP = -1.5;
/** How much faster time runs while no message is in flight (with skip quiet time on). */
export const QUIET_BOOST = 20;
/** Above this rate (virtual ms per real ms) quiet time is not treated apart. */
const ADAPTIVE_LIMIT = 2;
/** The most simulator calls one frame makes while it looks for the next message. */
const MAX_CHUNKS = 48;
/** A frame longer than this (a background tab) counts as this long. */
const MAX_FRAME_MS = 100;

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
        advance(dt);
        session.flush('frame');
      } catch (err) {
        playing = false;
        hooks.onState();
        throw err;
      }
    }
    frameId = requestAnimationFrame(frame);
  }

  // advance spends dt real milliseconds of virtual time, or less if an event asks to
  // stop there; it reports whether one did.
  function advance(dt) {
    const speed = 10 ** speedExp;
    const adaptive = skipQuiet && speed < ADAPTIVE_LIMIT;
    if (!adaptive) {
      return hooks.stopAt(session.advanceTo(session.vt + dt * speed));
    }
    let flying = session.snap.messages.length > 0;
    let budget = dt;
    for (let chunk = 0; budget > 1e-6 && chunk < MAX_CHUNKS; chunk++) {
      const rate = flying ? speed : speed * QUIET_BOOST;
      // While quiet, go one virtual millisecond at a time so that a message sent
      // switches to the slow rate before it has crossed.
      const dv = flying ? budget * rate : Math.min(budget * rate, 1);
      budget -= dv / rate;
      const fresh = session.advanceTo(session.vt + dv);
      if (hooks.stopAt(fresh)) return true;
      if (!flying && fresh.some((e) => SENDS.has(e.kind))) flying = true;
    }
    return false;
  }

  return clock;
}
