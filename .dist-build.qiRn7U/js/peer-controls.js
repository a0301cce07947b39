// One card per peer with what the drawing has no room for (commit index, last applied,
// restarts, unsynced writes) and its actions: crash or restart, force its election
// timeout, and take a snapshot (§7). Every action is a real button, so it works by touch and by keyboard (the
// drawing offers the same actions on a tap of a peer: peer-menu.js). The buttons carry
// data-action (crash, restart, timeout or snapshot) and data-peer (the id): the DOM contract.

import { el, setAttr, setText } from './dom.js';
import { roleOf } from './labels.js';

/** createPeerControls fills `root`; act(action) applies a user action. */
export function createPeerControls(root, act) {
  let cards = [];

  function build(n) {
    root.replaceChildren();
    cards = [];
    for (let id = 1; id <= n; id++) {
      const title = el('h3', { class: 'card-title' }, `S${id}`);
      const facts = el('p', { class: 'card-facts' });
      const power = el('button', { type: 'button', class: 'btn', 'data-peer': id, 'aria-keyshortcuts': String(id) });
      const timeout = el('button', { type: 'button', class: 'btn', 'data-action': 'timeout', 'data-peer': id,
        'aria-keyshortcuts': `Shift+${id}` }, 'Timeout');
      const snapshot = el('button', { type: 'button', class: 'btn', 'data-action': 'snapshot', 'data-peer': id,
        'aria-label': `Take a snapshot on S${id}` }, 'Snapshot');
      snapshot.addEventListener('click', () => act({ type: 'snapshot', peer: id }));
      power.addEventListener('click', () => {
        act({ type: power.dataset.action, peer: id });
      });
      timeout.addEventListener('click', () => act({ type: 'timeout', peer: id }));
      const card = el('li', { class: 'peer-card', 'data-peer': id },
        el('div', { class: 'card-text' }, title, facts), el('div', { class: 'card-actions' }, power, timeout, snapshot));
      root.append(card);
      cards.push({ card, title, facts, power, timeout });
    }
  }

  return {
    update(snap) {
      if (cards.length !== snap.peers.length) build(snap.peers.length);
      snap.peers.forEach((p, i) => {
        const c = cards[i];
        const info = roleOf(p.role);
        const down = p.role === 'down';
        setAttr(c.card, 'data-peer-role', p.role);
        setText(c.title, `S${p.id} ${info.symbol} ${info.label}`);
        const facts = `term ${p.term} · commit ${p.commit_index} · applied ${p.last_applied}` +
          (p.restarts ? ` · restarts ${p.restarts}` : '') + (p.unsynced ? ` · unsynced ${p.unsynced}` : '');
        // The snapshot button stays enabled on a down peer: the simulator's refusal says why.
        setText(c.facts, p.snapshot_index ? `${facts} · snapshot ≤ ${p.snapshot_index}` : facts);
        // On a wide window the line may be cut short (an ellipsis): hovering shows it whole.
        setAttr(c.facts, 'title', c.facts.textContent);
        setAttr(c.power, 'data-action', down ? 'restart' : 'crash');
        setText(c.power, down ? '⟳ Restart' : '✕ Crash');
        setAttr(c.power, 'aria-label', down ? `Restart S${p.id}` : `Crash S${p.id}`);
        c.timeout.disabled = down;
        setAttr(c.timeout, 'aria-label', `Force S${p.id}'s election timeout`);
      });
    },
  };
}
