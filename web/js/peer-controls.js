// One card per peer with what the drawing has no room for (commit index, last applied,
// restarts, unsynced writes) and its actions: crash or restart, force its election
// timeout, and take a snapshot (§7). Every action is a real button, so it works by touch and by keyboard (the
// drawing offers the same actions on a tap of a peer: peer-menu.js). The buttons carry
// data-action (crash, restart, timeout, snapshot, promote or remove) and data-peer (the
// id): the DOM contract. Promote (a learner to voter) and remove (a member) are the
// membership changes of §6; a button that cannot be used now is disabled and says why
// in its title and its card's note.

import { el, setAttr, setText } from './dom.js';
import { roleOf } from './labels.js';
import { confOf, memberOf, MEMBER_WORDS, blockers } from './membership.js';

/**
 * createPeerControls fills `root`; act(action) applies a user action. Options, for live
 * mode (live.js), where only the power button means something: extras false leaves out
 * the timeout and snapshot buttons; powerNote, when set, disables the power button and
 * shows that sentence on the card as the reason.
 */
export function createPeerControls(root, act, { extras = true, powerNote = '' } = {}) {
  let cards = [];

  // A button's text is a symbol and a word; a crowded card shows the symbol only (the
  // word stays in the button's name, and the CSS hides it: panels.css).
  const words = (symbol, word, wordClass = 'btn-word', symbolClass = 'btn-symbol') => [el('span', { class: symbolClass, 'aria-hidden': 'true' }, symbol),
    el('span', { class: wordClass }, ` ${word}`)];

  function build(n) {
    root.replaceChildren();
    cards = [];
    // Four servers or more: two compact cards a row in a wide window (panels.css), so
    // that the forms under them stay in view in a lesson.
    setAttr(root, 'data-size', n >= 4 ? 'many' : 'few');
    for (let id = 1; id <= n; id++) {
      const symbol = el('span', { class: 'card-symbol' });
      const role = el('span', { class: 'card-role' });
      const title = el('h3', { class: 'card-title' }, `S${id}`, symbol, role);
      const term = el('span');
      const logFacts = el('span', { class: 'card-log-facts' });
      const extraFacts = el('span');
      const facts = el('p', { class: 'card-facts' }, term, logFacts, extraFacts);
      const note = powerNote ? el('p', { class: 'card-note', id: `card-note-${id}` }, powerNote) : null;
      const power = el('button', { type: 'button', class: 'btn', 'data-peer': id, 'aria-keyshortcuts': powerNote ? null : String(id),
        disabled: Boolean(powerNote), 'aria-describedby': note ? note.id : null });
      const timeout = el('button', { type: 'button', class: 'btn', 'data-action': 'timeout', 'data-peer': id,
        'aria-keyshortcuts': `Shift+${id}` }, ...words('◷', 'Timeout', 'btn-word', 'btn-symbol extra'));
      const snapshot = el('button', { type: 'button', class: 'btn', 'data-action': 'snapshot', 'data-peer': id,
        'aria-label': `Take a snapshot on S${id}` }, ...words('▣', 'Snapshot', 'btn-word', 'btn-symbol extra'));
      const [powerSymbol, powerWord] = words('✕', 'Crash');
      power.append(powerSymbol, powerWord);
      snapshot.addEventListener('click', () => act({ type: 'snapshot', peer: id }));
      power.addEventListener('click', () => {
        act({ type: power.dataset.action, peer: id });
      });
      timeout.addEventListener('click', () => act({ type: 'timeout', peer: id }));
      const promote = el('button', { type: 'button', class: 'btn', 'data-action': 'promote', 'data-peer': id,
        'aria-label': `Promote S${id} to voter` }, ...words('↑', 'Promote', 'btn-word rare'));
      const remove = el('button', { type: 'button', class: 'btn', 'data-action': 'remove', 'data-peer': id,
        'aria-label': `Remove S${id} from the cluster` }, ...words('−', 'Remove', 'btn-word rare'));
      promote.addEventListener('click', () => act({ type: 'promote', peer: id }));
      remove.addEventListener('click', () => act({ type: 'remove', peer: id }));
      const card = el('li', { class: 'peer-card', 'data-peer': id },
        el('div', { class: 'card-text' }, title, facts, note),
        el('div', { class: 'card-actions' }, power, extras && timeout, extras && snapshot, extras && promote, extras && remove));
      root.append(card);
      cards.push({ card, symbol, role, term, logFacts, extraFacts, power, powerSymbol, powerWord, timeout: extras ? timeout : null, promote, remove });
    }
  }

  // showReason disables a button that cannot be used now, with the reason as its title.
  function showReason(button, reason) {
    button.disabled = Boolean(reason);
    setAttr(button, 'title', reason || null);
  }

  return {
    update(snap) {
      if (cards.length !== snap.peers.length) build(snap.peers.length);
      const conf = extras ? confOf(snap) : null;
      snap.peers.forEach((p, i) => {
        const c = cards[i];
        const info = roleOf(p.role);
        const down = p.role === 'down';
        const member = conf ? memberOf(conf, p.id) : 'voter';
        setAttr(c.card, 'data-peer-role', p.role);
        setAttr(c.card, 'data-member', conf ? member : null);
        setText(c.symbol, ` ${info.symbol}`);
        setText(c.role, ` ${info.label}${member === 'voter' ? '' : ` · ${MEMBER_WORDS[member]}`}`);
        // Commit and applied have a span of their own: a crowded card in a wide window
        // leaves them to the log row beside it ("C 1 · A 1"), and still reads them out.
        setText(c.term, `term ${p.term}`);
        setText(c.logFacts, ` · commit ${p.commit_index} · applied ${p.last_applied}`);
        // The snapshot button stays enabled on a down peer: the simulator's refusal says why.
        setText(c.extraFacts, (p.restarts ? ` · restarts ${p.restarts}` : '') + (p.unsynced ? ` · unsynced ${p.unsynced}` : '') +
          (p.snapshot_index ? ` · snapshot ≤ ${p.snapshot_index}` : ''));
        setAttr(c.power, 'data-action', down ? 'restart' : 'crash');
        setText(c.powerSymbol, down ? '⟳' : '✕');
        setText(c.powerWord, down ? ' Restart' : ' Crash');
        setAttr(c.power, 'aria-label', down ? `Restart S${p.id}` : `Crash S${p.id}`);
        if (!c.timeout) return;
        c.timeout.disabled = down;
        setAttr(c.timeout, 'aria-label', `Force S${p.id}'s election timeout`);
        showReason(c.promote, blockers.promote(conf, p.id));
        showReason(c.remove, blockers.remove(conf, p.id));
      });
    },
  };
}
