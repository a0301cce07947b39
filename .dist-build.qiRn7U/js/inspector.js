// The message inspector: the selected message in full, with buttons to drop it,
// duplicate it or delay it. It shows whatever message is selected in the cluster
// drawing, and says so when that message is no longer in flight.

import { $, el, setText } from './dom.js';
import { messageLabel, messageSentence } from './labels.js';

/** The delay a "Delay" button adds, in virtual ms. */
export const DELAY_MS = 20;

/**
 * createInspector fills the section `root`; act(action) applies a user action,
 * onClose() is called when the user closes it.
 */
export function createInspector(root, { act, onClose }) {
  let id = 0;
  let shownKey = '';
  const title = $('#inspector-title', root);
  const body = $('#inspector-body', root);
  const buttons = {
    drop: $('#msg-drop', root),
    duplicate: $('#msg-duplicate', root),
    delay: $('#msg-delay', root),
  };
  buttons.drop.addEventListener('click', () => act({ type: 'drop', msg: id }));
  buttons.duplicate.addEventListener('click', () => act({ type: 'duplicate', msg: id }));
  buttons.delay.addEventListener('click', () => act({ type: 'delay', msg: id, by: DELAY_MS }));
  $('#msg-close', root).addEventListener('click', () => onClose());

  function fields(m) {
    const rows = [
      ['Type', messageLabel(m)],
      ['From → to', `peer ${m.from} → peer ${m.to}`],
      ['Term', m.term],
      ['Sent at', `${m.sent} ms`],
      ['Due at', `${m.deliver} ms`],
    ];
    if (m.type === 'AppendEntries' || m.type === 'RequestVote' || m.type === 'PreVote') {
      rows.push(['Previous / last entry', `index ${m.index || 0}, term ${m.log_term || 0}`]);
    }
    if (m.type === 'AppendEntries' || m.type === 'Heartbeat') rows.push(['Leader commit', m.commit || 0]);
    if (m.type === 'AppendEntries') rows.push(['Entries carried', m.entries || 0]);
    if (m.type.endsWith('Resp')) rows.push(['Answer', m.reject ? '✕ refused' : '✓ accepted']);
    rows.push(['Engine text', m.text]);
    return el('dl', { class: 'fields' }, ...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))]));
  }

  // none: the inspector was asked for the next message (M) while none was in flight. It
  // then says so, and keeps saying what is true as messages come and go (a toast would
  // stay after the first message appeared).
  let none = false;

  function showNone(snap) {
    const n = snap.messages.length;
    const key = `none:${n}`;
    if (key === shownKey) return;
    shownKey = key;
    setText(title, 'No message selected');
    body.replaceChildren(el('p', {}, n
      ? `${n} message${n === 1 ? ' is' : 's are'} in flight now: press M (or click one) to select it.`
      : 'No message is in flight right now. Step or play until one is sent, then press M.'));
    for (const b of Object.values(buttons)) b.disabled = true;
  }

  return {
    get id() { return id; },
    /** show opens the inspector on message id. */
    show(messageId, snap) {
      id = messageId;
      none = false;
      root.hidden = false;
      this.update(snap);
    },
    /** showNone opens the inspector with no message selected (M found none in flight). */
    showNone(snap) {
      id = 0;
      none = true;
      shownKey = '';
      root.hidden = false;
      showNone(snap);
    },
    hide() {
      id = 0;
      none = false;
      shownKey = '';
      root.hidden = true;
    },
    update(snap) {
      if (none) showNone(snap);
      if (!id) return;
      const m = snap.messages.find((x) => x.id === id);
      const key = `${id}:${Boolean(m)}`;
      if (key === shownKey) return;
      shownKey = key;
      setText(title, `Message ${id}`);
      if (!m) {
        body.replaceChildren(el('p', {}, `Message ${id} is no longer in flight: it was delivered, dropped or lost.`));
      } else {
        body.replaceChildren(el('p', { class: 'sr-only' }, messageSentence(m)), fields(m));
      }
      for (const b of Object.values(buttons)) b.disabled = !m;
    },
  };
}
