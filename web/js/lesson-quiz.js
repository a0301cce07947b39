// A step's quiz: short questions built on common misconceptions. Each choice is a
// button; answering shows whether it was right, in words and a symbol, with the
// explanation, in a polite live region. The texts are HTML rendered by the lessons
// package, which escapes everything and lets no raw HTML through.

import { el } from './dom.js';

/** html makes an element whose content is trusted HTML from the lessons package. */
function html(tag, attrs, text) {
  const node = el(tag, attrs);
  node.innerHTML = text;
  return node;
}

/**
 * renderQuiz fills `root` with the questions `quiz` (bridge quiz views).
 * onAnswer(i, right) is told of each answer.
 */
export function renderQuiz(root, quiz, onAnswer = () => {}) {
  root.replaceChildren(el('h4', {}, quiz.length > 1 ? 'Questions' : 'Question'));
  quiz.forEach((q, i) => {
    const id = `quiz-${i}`;
    const feedback = el('div', { class: 'quiz-feedback', id: `${id}-feedback`, role: 'status' });
    const choices = q.choices_html.map((c, j) => {
      const b = el('button', { type: 'button', class: 'quiz-choice', 'aria-pressed': 'false', 'aria-describedby': `${id}-feedback` });
      b.append(el('span', { class: 'quiz-mark', 'aria-hidden': 'true' }), html('span', {}, c));
      b.addEventListener('click', () => answer(j + 1));
      return b;
    });
    const box = el('div', { class: 'quiz', role: 'group', 'aria-labelledby': `${id}-q` },
      html('p', { class: 'quiz-q', id: `${id}-q` }, q.question_html),
      el('div', { class: 'quiz-choices' }, ...choices),
      feedback);
    root.append(box);

    function answer(n) {
      const right = n === q.correct;
      choices.forEach((b, j) => {
        const chosen = j + 1 === n;
        b.setAttribute('aria-pressed', chosen ? 'true' : 'false');
        b.dataset.verdict = j + 1 === q.correct ? 'right' : chosen ? 'wrong' : '';
        b.firstChild.textContent = j + 1 === q.correct ? '✓' : chosen ? '✗' : '';
      });
      feedback.replaceChildren(
        el('p', { class: 'quiz-verdict' }, right ? '✓ Right.' : `✗ Not quite: the answer is choice ${q.correct}.`),
        html('p', {}, q.explanation_html));
      box.dataset.answered = right ? 'right' : 'wrong';
      onAnswer(i, right);
    }
  });
}
