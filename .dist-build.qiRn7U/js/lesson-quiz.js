// A step's quiz: short questions built on common misconceptions. The choices are
// buttons, in an order of the learner's own (quiz-order.js: seeded by a learner id
// kept in localStorage, or ?quizseed=, as `raftplay lesson run --quiz-seed` does), so
// the right answer is not always in the same place. A wrong first answer says why it
// is wrong and leaves a second try; once the question is over (right, or wrong
// twice) the right choice is marked, the explanation shown, and every wrong choice
// says why it is wrong. Verdicts are words and symbols in a polite live region. The
// texts are HTML rendered by the lessons package, which escapes everything and lets
// no raw HTML through.

import { el } from './dom.js';
import { quizOrder } from './quiz-order.js';

/** html makes an element whose content is trusted HTML from the lessons package. */
function html(tag, attrs, text) {
  const node = el(tag, attrs);
  node.innerHTML = text;
  return node;
}

/**
 * renderQuiz fills `root` with the questions `quiz` (bridge quiz views) of step
 * `where.step` of lesson `where.lesson`, with the choices in the order of `where.seed`.
 * onAnswer(i, right) is told when question i is over.
 */
export function renderQuiz(root, quiz, where = { seed: '', lesson: '', step: 0 }, onAnswer = () => {}) {
  root.replaceChildren(el('h4', {}, quiz.length > 1 ? 'Questions' : 'Question'));
  quiz.forEach((q, i) => {
    const id = `quiz-${i}`;
    const order = quizOrder(where.seed, where.lesson, where.step, i + 1, q.choices.length);
    const feedback = el('div', { class: 'quiz-feedback', id: `${id}-feedback`, role: 'status' });
    let tries = 0;
    let over = false;
    const items = order.map((n, k) => {
      const b = el('button', { type: 'button', class: 'quiz-choice', 'aria-pressed': 'false', 'aria-describedby': `${id}-feedback`,
        'data-choice': String(n), 'data-shown': String(k + 1) });
      b.append(el('span', { class: 'quiz-mark', 'aria-hidden': 'true' }), html('span', {}, q.choices[n - 1].text_html));
      b.addEventListener('click', () => answer(n, b));
      const why = el('p', { class: 'quiz-why', hidden: '' });
      return { n, button: b, why, item: el('div', { class: 'quiz-item' }, b, why) };
    });
    const box = el('div', { class: 'quiz', role: 'group', 'aria-labelledby': `${id}-q` },
      html('p', { class: 'quiz-q', id: `${id}-q` }, q.question_html),
      el('div', { class: 'quiz-choices' }, ...items.map((it) => it.item)),
      feedback);
    root.append(box);

    function mark(it, verdict) {
      it.button.dataset.verdict = verdict;
      it.button.firstChild.textContent = verdict === 'right' ? '✓' : verdict === 'wrong' ? '✗' : '';
    }

    function showWhy(it) {
      const text = q.choices[it.n - 1].why_html;
      if (!text) return;
      it.why.replaceChildren(el('span', { class: 'sr-only' }, `Choice ${it.button.dataset.shown}: `));
      it.why.append(html('span', {}, text));
      it.why.hidden = false;
    }

    function answer(n, button) {
      if (over || button.disabled) return;
      tries++;
      const right = n === q.correct;
      const it = items.find((x) => x.n === n);
      button.setAttribute('aria-pressed', 'true');
      if (!right && tries === 1) {
        mark(it, 'wrong');
        button.disabled = true;
        showWhy(it);
        feedback.replaceChildren(
          el('p', { class: 'quiz-verdict' }, '✗ Not quite. Try once more.'),
          html('p', {}, q.choices[n - 1].why_html));
        box.dataset.answered = 'retry';
        return;
      }
      over = true;
      const shown = items.find((x) => x.n === q.correct).button.dataset.shown;
      for (const x of items) {
        mark(x, x.n === q.correct ? 'right' : x.button.disabled || x.n === n ? 'wrong' : '');
        if (x.n !== q.correct) showWhy(x);
        x.button.disabled = true;
      }
      feedback.replaceChildren(
        el('p', { class: 'quiz-verdict' }, right ? '✓ Right.' : `✗ Not quite: the answer is choice ${shown}.`),
        html('p', {}, q.explanation_html));
      box.dataset.answered = right ? 'right' : 'wrong';
      onAnswer(i, right);
    }
  });
}
