// Truncation on recovery, made visible. When a follower removes a conflicting suffix
// (the engine's suffix-truncated event), the page holds the run (long enough to read the
// sentence, or in a lesson until the learner goes on) and shows that follower as it was,
// its previous log with the removed entries struck through and hatched, scrolled into
// view, with a sentence naming the rule and the indices; then the converged log. The
// removed entries come from the snapshot shown before the event: the diff of the two
// snapshots is the truncation. Stepping or scrubbing back onto it shows it again.

import { $, setText, announce } from './dom.js';

/**
 * How long the clock is held for a truncation: until the banner ends the hold (after
 * readingMs while playing, or in a lesson when the learner continues).
 */
export const HOLD_MS = Infinity;

/** The shortest hold while playing, and the reading time per word (real ms). */
const MIN_HOLD_MS = 4000;
const MS_PER_WORD = 250;

/** readingMs is how long a sentence stays up while playing: long enough to read it. */
export function readingMs(sentence) {
  return Math.max(MIN_HOLD_MS, 1500 + MS_PER_WORD * sentence.split(/\s+/).length);
}

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
 * suffix is taken away (after readingMs while playing, or when the user continues), so
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
    /**
     * ghost is {peer, log, logFirst, from, to, before, lead} while the removed suffix is
     * shown: before is the peer's previous snapshot, lead the leader's then (or null).
     */
    get ghost() { return ghost; },

    /**
     * check looks at an update's fresh events; on a truncation it builds the ghost from
     * the previous snapshot and reports true. timed: end it by itself after readingMs
     * (while playing, outside a lesson); otherwise it stays until the next change.
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
      // The held row is the peer as it was (its commit index and last applied too, and
      // the leader's match / next index for it): showing the new commit index under the
      // struck entries would read as "a committed entry is deleted", which §5.3 and §5.4
      // rule out.
      const lead = update.prev && update.prev.leader ? update.prev.peers[update.prev.leader - 1] : null;
      ghost = removed.length ? { peer: e.peer, log, logFirst: before.log_first, from: e.index, to: e.local_index, before, lead } : null;
      const sentence = ruleSentence(e, removed, update.snap.leader);
      setText(text, sentence);
      root.hidden = false;
      active = true;
      announce(sentence);
      // In a lesson the learner says when to go on (the banner's button, Next, Play);
      // elsewhere the banner goes after the time it takes to read it.
      if (timed && !document.body.classList.contains('lesson-open')) timer = setTimeout(end, readingMs(sentence));
      return true;
    },

    /** active reports whether the banner is up. */
    get active() { return active; },

    /** clear takes the removed suffix away now. */
    clear: end,
  };
}
