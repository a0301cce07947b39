// Peer actions on the drawing itself, as RaftScope offers them: a tap (or Enter or
// Space) on a peer's circle opens a small menu beside it with the peer's actions, crash
// or restart, force its election timeout, take a snapshot, and promote or remove it (§6). The peer cards (peer-controls.js) keep the
// same actions as plain buttons for the keyboard and screen readers.

import { $, setAttr, setText } from './dom.js';
import { peerPositions, VIEW } from './layout.js';
import { confOf, blockers } from './membership.js';

/**
 * createPeerMenu wires the menu `root` to the peers drawn in `layer` (render-peers.js).
 * session gives the latest snapshot; act(action) applies a user action.
 */
export function createPeerMenu(root, layer, { session, act }) {
  const heading = $('.peer-menu-h', root);
  const power = $('[data-menu-action="power"]', root);
  const timeout = $('[data-menu-action="timeout"]', root);
  const snapshot = $('[data-menu-action="snapshot"]', root);
  const promote = $('[data-menu-action="promote"]', root);
  const remove = $('[data-menu-action="remove"]', root);
  const close = $('[data-menu-action="close"]', root);
  let peer = 0; // the peer the menu is open for
  let count = 0; // the cluster's size when it opened (a new scenario closes it)
  let opener = null;

  function open(id, viaKeyboard) {
    peer = id;
    opener = layer.querySelector(`[data-peer-id="${id}"]`);
    count = session.snap.peers.length;
    const at = peerPositions(count)[id - 1];
    // Next to the circle, on the side facing the middle of the ring (away from the
    // peer's labels and from its neighbours).
    const above = at.y > VIEW.height / 2;
    root.style.setProperty('--x', `${(100 * at.x) / VIEW.width}%`);
    root.style.setProperty('--y', `${(100 * at.y) / VIEW.height}%`);
    setAttr(root, 'data-side', above ? 'above' : 'below');
    root.hidden = false;
    update(session.snap);
    // Beside the peer, but never past the edges of the drawing's box (a wide menu by a
    // peer near the side would be cut off).
    const box = root.parentElement.getBoundingClientRect();
    const drawing = layer.ownerSVGElement.getBoundingClientRect();
    const half = root.offsetWidth / 2;
    const x = drawing.left - box.left + (at.x / VIEW.width) * drawing.width;
    root.style.setProperty('--x', `${Math.max(half, Math.min(box.width - half, x))}px`);
    if (viaKeyboard) power.focus();
  }

  function hide(refocus) {
    if (root.hidden) return;
    root.hidden = true;
    peer = 0;
    if (refocus && opener?.isConnected) opener.focus();
  }

  function update(snap) {
    if (!peer || root.hidden) return;
    const p = snap.peers[peer - 1];
    if (!p || snap.peers.length !== count) {
      hide(false);
      return;
    }
    const down = p.role === 'down';
    setText(heading, `S${p.id}`);
    setText(power, down ? '⟳ Restart' : '✕ Crash');
    setAttr(power, 'aria-label', down ? `Restart S${p.id}` : `Crash S${p.id}`);
    setText(timeout, 'Timeout');
    setAttr(timeout, 'aria-label', `Force S${p.id}'s election timeout`);
    timeout.disabled = down;
    setAttr(snapshot, 'aria-label', `Take a snapshot on S${p.id}`);
    // The membership changes of §6, as on the peer's card: disabled with the reason.
    const conf = confOf(snap);
    for (const [button, reason, label] of [[promote, blockers.promote(conf, p.id), `Promote S${p.id} to voter`],
      [remove, blockers.remove(conf, p.id), `Remove S${p.id} from the cluster`]]) {
      button.disabled = Boolean(reason);
      setAttr(button, 'title', reason || null);
      setAttr(button, 'aria-label', label);
    }
  }

  function toggleFrom(target, viaKeyboard) {
    const g = target.closest('[data-peer-id]');
    if (!g) return;
    const id = Number(g.getAttribute('data-peer-id'));
    if (peer === id && !root.hidden) hide(viaKeyboard);
    else open(id, viaKeyboard);
  }

  layer.addEventListener('click', (ev) => toggleFrom(ev.target, false));
  layer.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    ev.stopPropagation();
    toggleFrom(ev.target, true);
  });
  power.addEventListener('click', () => {
    const p = session.snap.peers[peer - 1];
    if (p) act({ type: p.role === 'down' ? 'restart' : 'crash', peer: p.id });
  });
  timeout.addEventListener('click', () => { if (peer) act({ type: 'timeout', peer }); });
  snapshot.addEventListener('click', () => { if (peer) act({ type: 'snapshot', peer }); });
  promote.addEventListener('click', () => { if (peer) act({ type: 'promote', peer }); });
  remove.addEventListener('click', () => { if (peer) act({ type: 'remove', peer }); });
  close.addEventListener('click', () => hide(true));
  // A tap anywhere else closes it.
  document.addEventListener('pointerdown', (ev) => {
    if (!root.hidden && ev.target instanceof Node && !root.contains(ev.target) && !layer.contains(ev.target)) hide(false);
  });
  root.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.stopPropagation();
    hide(true);
  });

  return {
    update,
    /** hide closes the menu. */
    hide: () => hide(false),
    /** toggle opens the menu for the peer drawn at target, or closes it if open for it. */
    toggle: toggleFrom,
  };
}
