// The configuration on the page (§6): the line over the drawing that names C_old and
// C_new while joint and says which majorities a pending configuration entry waits for
// (membership.js works them out), and the global button that adds a server, disabled
// with its reason beside it when no server can be added.

import { $, el, setAttr, setText } from './dom.js';
import { confOf, confLines, waitingFor, addBlocked } from './membership.js';

/**
 * createMembershipControls wires the overlay `panel` (#conf-panel) and the add-server
 * button in `root`; session gives the snapshot, say(text) reports, guard wraps a
 * handler so the simulator's refusal is shown.
 */
export function createMembershipControls(panel, root, { session, say, guard }) {
  const add = $('[data-action="add-server"]', root);
  const note = $('#add-server-note', root);
  const summary = el('div', { class: 'conf-summary' });
  const waiting = el('p', { class: 'conf-waiting' });
  panel.append(summary, waiting);
  let shown = '';

  add.addEventListener('click', guard(() => {
    const id = session.addServer();
    say(`S${id} joins as a learner: it receives the log but does not vote until it is promoted (§6).`);
  }));

  return {
    update(snap) {
      const conf = confOf(snap);
      const lines = confLines(conf);
      if (lines.join('|') !== shown) {
        shown = lines.join('|');
        summary.replaceChildren(...lines.map((line) => el('p', { class: line.startsWith('──') ? 'conf-new' : line.startsWith('┄') ? 'conf-old' : '' }, line)));
      }
      const wait = waitingFor(conf);
      setText(waiting, wait);
      waiting.hidden = !wait;
      const reason = addBlocked(snap, conf);
      add.disabled = Boolean(reason);
      setAttr(add, 'title', reason || null);
      setText(note, reason);
    },
  };
}
