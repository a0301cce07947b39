// The live page's adaptive drawing (web/js/live.js): when the page draws less
// (messages as counts per link, views every second) and when it draws fully again,
// decided from its frames' mean interval and whether the cluster is busy. No DOM and
// no clock of its own: the page gives it the time, so a test can play any load.

/**
 * The page measures its own frames: the mean interval (ms) between requestAnimationFrame
 * callbacks over about a second (live.js: FRAME_WINDOW of them), judged every JUDGE_MS.
 * (The mean, not the median: on a starved machine most frames come on time and a few
 * come 100 to 300 ms late, so the median stays at 16.7 ms while the page gets 35 frames
 * a second.) Above LATE_MS while the cluster is busy, the machine cannot give the page
 * its frames (a busy 2-core machine left the page 34 fps while the page used a tenth of
 * a core: every frame that paints waits for a core), and the only lever left is painting
 * less often. It draws less once the mean has been above LATE_MS at every judgement
 * for LATE_FOR_MS: a single long frame (a collection, the layout after a switch of
 * mode) keeps the mean of a second above LATE_MS for a judgement or two, and is not a
 * machine that cannot keep up. The page draws fully again once the cluster is calm
 * (after HOLD_MODE_MS), or once its frames have come on time (a mean at or below
 * ON_TIME_MS at every judgement) for a sustained period, ON_TIME_FOR_MS at first. One judgement on time
 * is not enough: on a shared machine the mean wanders across the threshold from one
 * second to the next (17 to 30 ms, drawing less under the scripted server's flood), and
 * when one judgement brought full drawing back, the frames came late again and the
 * page drew less 3 s later, each time it was measured. Full drawing is kept at least
 * HOLD_MODE_MS.
 */
export const JUDGE_MS = 500;
export const LATE_MS = 20;
export const ON_TIME_MS = 18;
export const HOLD_MODE_MS = 3000;
export const LATE_FOR_MS = 1500;
export const ON_TIME_FOR_MS = 5000;
/**
 * Drawing less makes the frames come on time again, which does not mean that drawing
 * each message would: a page that falls behind again within RELAPSE_MS of drawing
 * fully needs its frames on time four times as long the next time (5 s, 20 s, then
 * MAX_HOLD_MS), so that on a machine where one mode is late and the other on time it
 * tries drawing fully at most once in 20 s, not every few seconds. A try that lasts
 * (no relapse) starts the count over.
 */
export const RELAPSE_MS = 5000;
export const MAX_HOLD_MS = 30000;

/**
 * createDrawMode returns the adaptive drawing's state: {slow, judge(t, frameMs, busy)}.
 * judge takes one judgement at time t (ms) of the frames' mean interval frameMs, busy
 * saying whether the cluster is busy, and reports whether slow (draw less) changed.
 */
export function createDrawMode() {
  let slow = false;
  let modeAt = -Infinity; // when the mode last changed
  let lateSince = -1; // while drawing fully: since when every judgement found the frames late (-1: the last did not)
  let onTimeSince = -1; // while slow: since when every judgement found the frames on time (-1: the last did not)
  let onTimeForMs = ON_TIME_FOR_MS; // how long they must be, to draw fully again
  return {
    get slow() { return slow; },
    judge(t, frameMs, busy) {
      let want;
      if (!slow) {
        if (!busy || frameMs <= LATE_MS) lateSince = -1;
        else if (lateSince < 0) lateSince = t;
        want = t - modeAt >= HOLD_MODE_MS && lateSince >= 0 && t - lateSince >= LATE_FOR_MS;
      } else {
        if (frameMs > ON_TIME_MS) onTimeSince = -1;
        else if (onTimeSince < 0) onTimeSince = t;
        want = busy ? onTimeSince < 0 || t - onTimeSince < onTimeForMs : t - modeAt < HOLD_MODE_MS;
      }
      if (want === slow) return false;
      if (want) onTimeForMs = t - modeAt < RELAPSE_MS ? Math.min(MAX_HOLD_MS, 4 * onTimeForMs) : ON_TIME_FOR_MS;
      slow = want;
      modeAt = t;
      lateSince = -1;
      onTimeSince = -1;
      return true;
    },
  };
}
