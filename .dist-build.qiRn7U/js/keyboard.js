// Keyboard shortcuts and the help overlay that lists them (built from the same table,
// so the two cannot disagree). Shortcuts are ignored while typing in a field (Esc leaves
// it), and Space and Enter keep their usual meaning on a focused button.

import { $, el } from './dom.js';

/** SHORTCUTS: [keys shown, what it does, handler name]. */
export const SHORTCUTS = [
  ['Space or K', 'play / pause', 'toggle'],
  ['→ or .', 'step one event forward', 'step'],
  ['← or ,', 'step one event back', 'stepBack'],
  ['[ and ]', 'slower / faster', 'speed'],
  ['{ and }', 'watching pace / a hundred times real time', 'speedPreset'],
  ['Home / End', 'go to the start / the end of the recorded run', 'seek'],
  ['F', 'fast-forward by the chosen amount', 'fastForward'],
  ['1 … 9', 'crash or restart that peer', 'power'],
  ['Shift + 1 … 9', "force that peer's election timeout", 'timeout'],
  ['L', 'isolate the leader', 'isolateLeader'],
  ['H', 'heal every link', 'healAll'],
  ['C', 'type a client command', 'command'],
  ['M', 'select the next message in flight', 'nextMessage'],
  ['X / D / W', 'drop / duplicate / delay the selected message', 'message'],
  ['S', 'make a share link', 'share'],
  ['R', 'reset the scenario', 'reset'],
  ['G', 'choose a lesson', 'lessons'],
  ['N / P', "lesson: next step (once its check passed) / back to the previous step", 'lessonNext'],
  ['?', 'show this help', 'help'],
  ['Esc', 'leave a text field; close this help or the message inspector', 'escape'],
];

const TYPING = new Set(['INPUT', 'SELECT', 'TEXTAREA']);

/** createKeyboard listens on the document and calls actions[name](arg). */
export function createKeyboard(actions) {
  const dialog = $('#help');
  const table = $('#help-keys');
  table.replaceChildren(...SHORTCUTS.map(([keys, what]) => el('tr', {}, el('th', { scope: 'row' }, el('kbd', {}, keys)), el('td', {}, what))));
  let opener = null;
  const openHelp = () => {
    opener = document.activeElement;
    dialog.showModal();
  };
  $('#help-open').addEventListener('click', openHelp);
  $('#help-close').addEventListener('click', () => dialog.close());
  // Give the focus back to where it was, so that the shortcuts work again at once.
  dialog.addEventListener('close', () => {
    if (opener && opener !== document.body && opener.isConnected) opener.focus();
    else if (dialog.contains(document.activeElement)) document.activeElement.blur();
    opener = null;
  });

  function route(ev) {
    const k = ev.key;
    const digit = /^Digit([1-9])$/.exec(ev.code);
    if (digit && ev.shiftKey) return ['timeout', Number(digit[1])];
    if (digit) return ['power', Number(digit[1])];
    switch (k) {
      case ' ': case 'k': case 'K': return ['toggle'];
      case 'ArrowRight': case '.': return ['step'];
      case 'ArrowLeft': case ',': return ['stepBack'];
      case '[': return ['speed', -1];
      case ']': return ['speed', 1];
      case '{': return ['speedPreset', 'watch'];
      case '}': return ['speedPreset', 'fast'];
      case 'Home': return ['seek', 'start'];
      case 'End': return ['seek', 'end'];
      case 'f': case 'F': return ['fastForward'];
      case 'l': case 'L': return ['isolateLeader'];
      case 'h': case 'H': return ['healAll'];
      case 'c': case 'C': return ['command'];
      case 'm': case 'M': return ['nextMessage'];
      case 'x': case 'X': case 'Delete': return ['message', 'drop'];
      case 'd': case 'D': return ['message', 'duplicate'];
      case 'w': case 'W': return ['message', 'delay'];
      case 's': case 'S': return ['share'];
      case 'r': case 'R': return ['reset'];
      case 'g': case 'G': return ['lessons'];
      case 'n': case 'N': return ['lessonNext'];
      case 'p': case 'P': return ['lessonBack'];
      case '?': return ['help'];
      default: return null;
    }
  }

  document.addEventListener('keydown', (ev) => {
    // Any open dialog (this help, the lesson menu) has the keyboard to itself.
    const modal = document.querySelector('dialog[open]') !== null;
    if (ev.key === 'Escape') {
      // Esc leaves a text field (the command, the seed, …): the single-key shortcuts
      // would otherwise stay silent with no sign why.
      const t = ev.target;
      if (!modal && t instanceof HTMLElement && (TYPING.has(t.tagName) || t.isContentEditable)) {
        t.blur();
        return;
      }
      if (!modal) actions.escape();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || modal) return;
    const t = ev.target;
    if (t instanceof Element && (TYPING.has(t.tagName) || t.isContentEditable)) return;
    // A button of the just closed dialog may keep the focus for a moment: not a target.
    const stale = t instanceof Element && t.closest('dialog') !== null && !t.closest('dialog').open;
    const onButton = !stale && t instanceof Element && (t.tagName === 'BUTTON' || t.tagName === 'A' || t.getAttribute('role') === 'button');
    if (onButton && (ev.key === ' ' || ev.key === 'Enter')) return;
    // Arrow keys scroll the logs and the narration when those have the focus.
    if (ev.key.startsWith('Arrow') && t instanceof Element && t.closest('.log-scroll, .narration-list')) return;
    const hit = route(ev);
    if (!hit) return;
    ev.preventDefault();
    if (hit[0] === 'help') {
      openHelp();
      return;
    }
    actions[hit[0]](hit[1]);
  });

  return { help: openHelp };
}
