// The large Play button in the middle of the drawing. The page opens paused at time 0
// (every peer a follower in term 0), and a lesson step opens paused at its start, so
// that nothing happens before the learner has looked and read: the button shows while
// the clock is paused at the start of the run (or of the lesson step) and starts it.

/**
 * createStartButton wires `button` to the clock. session gives the snapshot, the
 * open lesson's status and where its step began (session.floor).
 */
export function createStartButton(button, { clock, session }) {
  button.addEventListener('click', () => clock.play());
  return {
    /** update shows the button while paused at the start; call after every change. */
    update() {
      const snap = session.snap;
      const atStart = snap !== null && snap.steps <= session.floor.steps;
      const show = !clock.playing && atStart;
      if (button.hidden === show) button.hidden = !show;
      if (!show) return;
      const lesson = session.lesson;
      const text = lesson ? `▶ Start step ${lesson.step}` : '▶ Play';
      if (button.textContent !== text) button.textContent = text;
    },
  };
}
