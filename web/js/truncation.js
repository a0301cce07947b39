// Truncation on recovery, made visible. When a follower removes a conflicting suffix
// (the engine's suffix-truncated event), the page holds the run for a moment and shows
// that follower's previous log with the removed entries struck through and hatched,
// with a sentence naming the rule and the indices; then it shows the converged log.
// The removed entries come from the snapshot shown before the event: the diff of the
// two snapshots is the truncation.

import { $, setText, announce } from './dom.js';

/** How long the removed suffix stays on screen while playing, in real ms. */
export const HOLD_MS = 2600;

/** isTruncation reports whether a trace event is a suffix truncation. */
export function isTruncation(e) {
  return e.kind === 'suffix-truncated';
}

/** ruleSentence explains a truncation of peer p's entries from..to. */
export function ruleSentence(e, removed, lead) {
  const terms = removed.map((x) => x.term).join(', ');
  const who = lead ? `leader S${lead}` : 'the leader';
  const what = removed.length ? ` (terms ${terms})` : '';
  return `§5.3, AppendEntries rule 3: S${e.peer}'s entries ${e.index}..${e.local_index}${what} conflict with ${who}'s log ` +
    `(same index, different term), so S${e.peer} deletes entry ${e.index} and all that follow it, then appends ${who}'s entries.`;
}

/**
 * createTruncationView drives the banner `root`; onEnd() is called when the removed
 * suffix is taken away (after HOLD_MS while playing, or when the user continues), so
 * the caller can redraw and release the clock.
 */
export function createTruncationView(root, { onEnd }) {
  const text = $('#truncation-text', root);
  let ghost = null;
  let active = false;
  let timer = 0;

  $('#truncation-continue', root).addEventListener('click', () => end());

  // end hides the removed suffix and the banner.
  function end() {
    if (!active) return;
    clearTimeout(timer);
    active = false;
    ghost = null;
    root.hidden = true;
    onEnd();
  }

  return {
    /** ghost is {peer, log, logFirst, from, to} while the removed suffix is shown. */
    get ghost() { return ghost; },

    /**
     * check looks at an update's fresh events; on a truncation it builds the ghost from
     * the previous snapshot and reports true. timed: end it by itself after HOLD_MS
     * (while playing); otherwise it stays until the next change.
     */
    check(update, timed) {
      const e = update.fresh.findLast(isTruncation);
      if (!e) {
        if (active) end();
        return false;
      }
      const before = update.prev && update.prev.peers[e.peer - 1];
      const log = before ? before.log : [];
      const removed = log.filter((x) => x.index >= e.index && x.index <= e.local_index);
      clearTimeout(timer);
      ghost = removed.length ? { peer: e.peer, log, logFirst: before.log_first, from: e.index, to: e.local_index } : null;
      const sentence = ruleSentence(e, removed, update.snap.leader);
      setText(text, sentence);
      root.hidden = false;
      active = true;
      announce(sentence);
      if (timed) timer = setTimeout(end, HOLD_MS);
      return true;
    },

    /** active reports whether the banner is up. */
    get active() { return active; },

    /** clear takes the removed suffix away now. */
    clear: end,
  };
}
