// Lesson mode: the lesson panel (narration, the move asked for, the step's check shown
// live as it passes, the quiz), Back and Next in a bar fixed at the bottom of the
// window, the page element the step is about outlined and labelled, the link to the
// step in the address bar and the learner's progress in localStorage. The lesson runs
// on the real engine through the session: the bridge evaluates the check after every
// move of the run, and this module shows the verdict. Each step opens paused, so that
// its text can be read before anything happens: the learner starts it (the Play
// button on the drawing, or the move the step asks for).

import { $, el, setAttr, setText } from './dom.js';
import { createProgress } from './lesson-progress.js';
import { createLessonMenu } from './lesson-menu.js';
import { renderQuiz } from './lesson-quiz.js';
import { lessonHash } from './lesson-link.js';

/** While playing, the check is read at most this often (real ms). */
const POLL_MS = 120;
/** From this width the lesson panel is a column of its own, beside the cluster. */
const WIDE = '(min-width: 1100px)';

/** setHTML sets trusted HTML (rendered and escaped by the lessons package). */
function setHTML(node, text) {
  if (node.innerHTML !== text) node.innerHTML = text;
}

/**
 * createLessons wires lesson mode. session is the session; clock the clock; say(text)
 * reports; onOpen() is told when a lesson's run has replaced the cluster.
 */
export function createLessons({ session, clock, say, onOpen = () => {} }) {
  const panel = $('#lesson');
  const nav = $('#lesson-nav');
  const live = $('#lesson-live');
  const stepTitle = $('#lesson-step-title');
  const next = $('#lesson-next');
  const back = $('#lesson-back');
  const where = $('#lesson-where');
  const parts = $('#lesson-parts');
  const quiz = $('#lesson-quiz');
  const stepBox = $('#lesson-step');
  const outro = $('#lesson-outro');
  const slider = $('#time');
  const progress = createProgress();

  let outlines = null;
  const list = () => (outlines ??= session.lessons());
  const menu = createLessonMenu($('#lesson-menu'), { list, progress, pick: (o, step) => run(() => open(o.id, step)) });

  let view = null; // the open lesson (bridge LessonView)
  let shown = 0; // the step number whose texts are shown
  let shownKey = ''; // the verdict shown
  let passedParts = []; // which parts were shown passed
  let finished = false; // the outro is shown
  let target = null; // the highlighted element
  let lastPoll = 0;

  /** run calls fn and reports an error instead of throwing it. */
  function run(fn) {
    try {
      fn();
    } catch (err) {
      say(err.message);
    }
  }

  function tell(text) {
    live.textContent = '';
    setTimeout(() => { live.textContent = text; }, 30);
  }

  function open(id, step = 1) {
    clock.pause();
    const v = session.openLesson(id, step);
    view = v;
    shown = 0;
    finished = false;
    document.body.classList.add('lesson-open');
    panel.hidden = false;
    nav.hidden = false;
    measure();
    onOpen();
    render(true);
  }

  function close() {
    session.closeLesson();
    leave();
    say('Lesson closed: the cluster is yours to play with.');
  }

  // leave hides lesson mode (closed, or ended by a new scenario or a share link).
  function leave() {
    view = null;
    shown = 0;
    document.body.classList.remove('lesson-open');
    panel.hidden = true;
    nav.hidden = true;
    highlight('');
    slider.min = '0';
    if (location.hash.startsWith('#lesson=')) history.replaceState(null, '', location.pathname + location.search);
  }

  // measure keeps the sticky lesson column below the sticky time controls.
  function measure() {
    const h = $('#transport').getBoundingClientRect().height;
    document.documentElement.style.setProperty('--transport-h', `${Math.ceil(h)}px`);
  }
  window.addEventListener('resize', () => { if (view) measure(); });

  function highlight(selector) {
    if (target) target.removeAttribute('data-lesson-target');
    target = selector ? document.querySelector(selector) : null;
    if (target) target.setAttribute('data-lesson-target', '');
    return target;
  }

  function find() {
    const sel = view?.steps[shown - 1]?.highlight;
    const t = sel && (target?.isConnected ? target : highlight(sel));
    if (!t) return;
    t.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    const focusable = t.matches('button, input, select') ? t : t.querySelector('input, button:not([disabled]), select');
    if (focusable) focusable.focus({ preventScroll: true });
  }

  function renderSteps(current) {
    const done = new Set(progress.done(view.id));
    $('#lesson-steps').replaceChildren(...view.steps.map((s) => {
      const b = el('button', { type: 'button', class: 'lesson-step-link', 'aria-current': s.number === current ? 'step' : null },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, done.has(s.number) ? '✓' : s.number === current ? '▸' : '○'),
        `${s.number}. ${s.title}`, done.has(s.number) ? el('span', { class: 'sr-only' }, ' (done)') : null);
      b.addEventListener('click', () => run(() => {
        if (s.number === shown && !finished) return;
        session.lessonCall('lessonGoTo', s.number);
        finished = false;
        render(true);
      }));
      return el('li', {}, b);
    }));
  }

  // showStep puts the texts of the current step on the page.
  function showStep(st, moved) {
    const s = view.steps[st.index];
    shown = st.step;
    shownKey = '';
    passedParts = [];
    setText($('#lesson-kicker'), `Lesson ${view.number} of ${list().length}`);
    setText($('#lesson-title'), view.title);
    renderSteps(st.step);
    const intro = $('#lesson-intro');
    intro.hidden = st.index !== 0;
    setHTML(intro, st.index === 0 ? view.intro_html : '');
    setText(stepTitle, `Step ${s.number} of ${view.steps.length}: ${s.title}`);
    setHTML($('#lesson-narration'), s.narration_html);
    setText($('#lesson-task-h'), s.observe ? 'Watch' : 'Your move');
    setHTML($('#lesson-prompt'), s.observe ? 'Let time run (press <strong>Play</strong> if the clock is paused) and watch.' : s.prompt_html);
    $('#lesson-show-me').hidden = s.reference.length === 0;
    setAttr($('#lesson-show-me'), 'title', s.reference.length ? `Makes the moves: ${s.reference.join(', ')}` : null);
    $('#lesson-find').hidden = !s.highlight;
    renderQuiz(quiz, s.quiz || []);
    quiz.hidden = true;
    stepBox.hidden = false;
    outro.hidden = true;
    highlight(s.highlight || '');
    slider.min = String(st.start_time);
    history.replaceState(null, '', lessonHash(view.number, st.step));
    progress.visit(view.id, st.step);
    clock.pause();
    if (matchMedia(WIDE).matches) {
      // The step's own text at the top of the lesson column (the lesson's title and
      // step list are above it, one scroll away).
      panel.scrollTop = st.index === 0 ? 0 : stepTitle.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop - 8;
      if (target) target.scrollIntoView({ block: 'nearest' });
    } else if (moved) {
      panel.scrollIntoView({ block: 'start' });
    }
    if (moved) stepTitle.focus({ preventScroll: true });
    tell(`Step ${s.number} of ${view.steps.length}: ${s.title}.`);
  }

  // showStatus shows the check's verdict; it touches the page only when it changed.
  function showStatus(st) {
    const key = JSON.stringify([st.passed, st.overdue, st.parts.map((p) => p.passed)]);
    if (key === shownKey) return;
    const first = shownKey === '';
    shownKey = key;
    parts.replaceChildren(...st.parts.map((p) => el('li', { 'data-passed': p.passed ? 'true' : 'false' },
      el('span', { class: 'mark', 'aria-hidden': 'true' }, p.passed ? '✓' : '○'),
      el('span', { class: 'sr-only' }, p.passed ? 'passed: ' : 'waiting: '), p.text)));
    const fresh = st.parts.filter((p, i) => p.passed && !passedParts[i]).map((p) => p.text);
    passedParts = st.parts.map((p) => p.passed);
    const verdict = $('#lesson-verdict');
    verdict.dataset.passed = st.passed ? 'true' : 'false';
    setText(verdict, st.passed
      ? (st.last ? '✓ Passed. That was the last step: press Finish.' : '✓ Passed. Try the question, then press Next.')
      : '… Waiting for the check to pass.');
    $('#lesson-overdue').hidden = !st.overdue;
    quiz.hidden = !st.passed || quiz.childElementCount <= 1;
    next.disabled = !st.passed;
    setText(next, st.last ? 'Finish ✓' : 'Next ▶');
    back.disabled = st.index === 0;
    setText(where, `Step ${st.step}/${st.steps} · ${st.passed ? '✓ passed' : 'waiting'}`);
    if (st.passed) {
      progress.pass(view.id, st.step);
      renderSteps(st.step);
    }
    if (!first && st.passed) tell(`Check passed: ${fresh.join('; ') || 'done'}. ${st.last ? 'Press Finish.' : 'Next is enabled.'}`);
    else if (!first && fresh.length) tell(`Check: ${fresh.join('; ')}: passed.`);
  }

  function render(moved = false) {
    const st = session.lesson;
    if (!view || !st || st.lesson !== view.id || finished) return;
    if (st.step !== shown) showStep(st, moved);
    showStatus(st);
  }

  function finish() {
    finished = true;
    const i = list().findIndex((o) => o.id === view.id);
    const following = list()[i + 1];
    stepBox.hidden = true;
    outro.hidden = false;
    setHTML($('#lesson-outro-text'), view.outro_html);
    const go = $('#lesson-next-lesson');
    go.hidden = !following;
    if (following) setText(go, `Next: ${following.number}. ${following.title} ▶`);
    highlight('');
    setText(next, following ? 'Next lesson ▶' : 'All lessons');
    next.disabled = false;
    back.disabled = false;
    setText(where, `Lesson ${view.number} done`);
    $('#lesson-outro-h').focus({ preventScroll: true });
    panel.scrollIntoView({ block: 'start' });
    tell(`Lesson ${view.number} done.`);
  }

  function nextLesson() {
    const i = list().findIndex((o) => o.id === view.id);
    const following = list()[i + 1];
    if (following) open(following.id, 1);
    else menu.open(view.id);
  }

  const lessons = {
    /** open opens a lesson (id or number) at a step. It throws when it cannot. */
    open,
    /** openMenu shows the lesson menu. */
    openMenu() { run(() => menu.open(view?.id)); },
    /** next goes to the next step once the check has passed (Finish on the last). */
    next() {
      run(() => {
        if (!view) {
          say('No lesson is open: press G (or the Lessons button) to choose one.');
          return;
        }
        if (finished) {
          nextLesson();
          return;
        }
        const st = session.lesson;
        if (!st.passed) {
          say(`Not yet: ${st.detail}`);
          return;
        }
        if (st.last) {
          finish();
          return;
        }
        session.lessonCall('lessonAdvance');
        render(true);
      });
    },
    /** back goes back to the start of the previous step (or from the outro to the last step). */
    back() {
      run(() => {
        if (!view) return;
        if (finished) {
          finished = false;
          shown = 0;
          render(true);
          return;
        }
        if (session.lesson.index === 0) return;
        session.lessonCall('lessonBack');
        render(true);
      });
    },
    /** active says whether a lesson is open. */
    get active() { return view !== null; },
  };

  $('#lesson-close').addEventListener('click', () => run(close));
  next.addEventListener('click', lessons.next);
  back.addEventListener('click', lessons.back);
  where.addEventListener('click', () => {
    panel.scrollIntoView({ block: 'start' });
    stepTitle.focus({ preventScroll: true });
  });
  $('#lesson-show-me').addEventListener('click', () => run(() => {
    const s = view.steps[shown - 1];
    session.lessonCall('lessonShowMe');
    clock.play();
    say(`Done for you: ${s.reference.join(', ')}. Now watch what follows.`);
  }));
  $('#lesson-find').addEventListener('click', find);
  const restartStep = () => run(() => {
    session.lessonCall('lessonRestartStep');
    shown = 0;
    render(true);
    clock.play();
  });
  $('#lesson-restart').addEventListener('click', restartStep);
  $('#lesson-restart-now').addEventListener('click', restartStep);
  $('#lesson-next-lesson').addEventListener('click', () => run(nextLesson));
  $('#lesson-menu-again').addEventListener('click', () => run(() => menu.open(view?.id)));

  session.subscribe((update) => {
    if (!view) return;
    if (!session.lesson) {
      // A new scenario or a share link replaced the lesson's run.
      leave();
      return;
    }
    if (target && !target.isConnected) highlight(view.steps[shown - 1]?.highlight || '');
    // The learner's move at the start of a paused step starts the step's run.
    if (update.reason === 'act' && !clock.playing) clock.play();
    const now = performance.now();
    if (update.reason === 'frame' && now - lastPoll < POLL_MS) return;
    lastPoll = now;
    session.lessonStatus();
    render();
  });

  return lessons;
}
