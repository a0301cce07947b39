// The lesson menu: a dialog listing every lesson with its summary and the learner's
// progress (a tick and "n of m steps" in words, never colour alone). Picking one opens
// it where the learner left it.

import { $, el } from './dom.js';

/**
 * createLessonMenu wires the dialog `dialog`. list() returns the lesson outlines;
 * progress is lesson-progress.js's; pick(outline, step) opens a lesson at a step.
 */
export function createLessonMenu(dialog, { list, progress, pick }) {
  const items = $('#lesson-list', dialog);
  let opener = null;
  $('#lesson-menu-close', dialog).addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  // A click on the backdrop (outside the dialog's box) closes it, as Esc does.
  dialog.addEventListener('click', (ev) => {
    if (ev.target === dialog) dialog.close();
  });

  function row(o, current) {
    const done = progress.done(o.id).filter((n) => n <= o.steps.length).length;
    const finished = progress.finished(o.id, o.steps.length);
    const resume = finished ? 1 : Math.min(progress.last(o.id), o.steps.length);
    const state = finished ? '✓ Done' : done > 0 ? `${done} of ${o.steps.length} steps done` : `${o.steps.length} steps`;
    const go = finished ? 'Start again' : done > 0 || resume > 1 ? `Resume at step ${resume}` : 'Start';
    const button = el('button', { type: 'button', class: 'lesson-item', 'data-lesson': o.id, 'aria-current': current ? 'true' : null },
      el('span', { class: 'lesson-num', 'aria-hidden': 'true' }, String(o.number)),
      el('span', { class: 'lesson-item-text' },
        el('span', { class: 'lesson-name' }, `${o.number}. ${o.title}`),
        el('span', { class: 'lesson-sum' }, o.summary),
        el('span', { class: 'lesson-state', 'data-done': finished ? 'true' : 'false' }, `${state} · ${go}`)));
    button.addEventListener('click', () => {
      dialog.close();
      pick(o, resume);
    });
    return el('li', {}, button);
  }

  return {
    /** open shows the menu; current is the id of the lesson open now, if any. */
    open(current) {
      opener = document.activeElement;
      items.replaceChildren(...list().map((o) => row(o, o.id === current)));
      dialog.showModal();
      const here = items.querySelector('[aria-current="true"]') || items.querySelector('button');
      if (here) here.focus();
    },
  };
}
