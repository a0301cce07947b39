// Lesson mode: the lesson panel (narration, the move asked for, the step's check shown
// live as it passes, the quiz), Back and Next in a bar fixed at the bottom of the
// window, the page element the step is about outlined and labelled, the link to the
// step in the address bar and the learner's progress in localStorage. The lesson runs
// on the real engine through the session: the bridge evaluates the check after every
// move of the run, and this module shows the verdict. Each step opens paused, so that
// its text can be read before anything happens: the learner starts it (the Play
// button on the drawing, or the move the step asks for). When a step stalls (its check
// is overdue, or Show me cannot make its moves), it names the likely mistake, from the
// learner's moves in the trace, and offers to restart the step or go back.

import { $, el, setAttr, setText } from './dom.js';
import { createProgress } from './lesson-progress.js';
import { createLessonMenu } from './lesson-menu.js';
import { renderQuiz } from './lesson-quiz.js';
import { quizSeed } from './quiz-order.js';
import { lessonHash } from './lesson-link.js';

/** While playing, the check is read at most this often (real ms). */
const POLL_MS = 120;
/** From this width the lesson panel is a column of its own, beside the cluster. */
const WIDE = '(min-width: 1100px)';

/** setHTML sets trusted HTML (rendered and escaped by the lessons package). */
function setHTML(node, text) {
  if (node.innerHTML !== text) node.innerHTML = text;
}

/** ACTED phrases a learner's move from its trace event, in the past tense. */
const ACTED = {
  crash: (e) => `crashed S${e.peer}`,
  restart: (e) => `restarted S${e.peer}`,
  'force-timeout': (e) => `forced S${e.peer}'s timeout`,
  'client-request': (e) => `sent a command to S${e.peer}`,
  partition: () => 'cut the network into parts',
  block: () => 'cut a link',
  heal: () => 'healed every link',
  drop: () => 'dropped a message',
  duplicate: () => 'duplicated a message',
  delay: () => 'delayed a message',
  'conf-change': (e) => (CONF_DONE[confVerb(e)] || (() => 'changed the configuration'))(e),
};

/**
 * The membership moves (§6) are all traced as one kind, conf-change, with the server
 * concerned as its peer; the first word of the event's text ("add peer 4 as a
 * learner", "promote learner 4 to voter", "remove peer 2", "reconfigure to voters
 * [1 2 3]") tells them apart.
 */
const CONF_WORD = { add: 'add-learner', promote: 'promote', remove: 'remove', reconfigure: 'reconfigure' };
const CONF_DONE = {
  'add-learner': (e) => `added S${e.peer} as a learner`,
  promote: (e) => `promoted S${e.peer}`,
  remove: (e) => `removed S${e.peer}`,
};

/** confVerb returns the lesson verb of a conf-change event ("promote"), or ''. */
function confVerb(e) {
  return CONF_WORD[String(e.text || '').split(' ')[0]] || '';
}

/** The trace event kind of each verb of a lesson move ("timeout 1", "client 2 SET x 1"). */
const VERB_KIND = { crash: 'crash', restart: 'restart', timeout: 'force-timeout', client: 'client-request', read: 'client-request',
  partition: 'partition', block: 'block', heal: 'heal',
  'add-learner': 'conf-change', promote: 'conf-change', remove: 'conf-change', reconfigure: 'conf-change' };

/**
 * moveMatches reports whether a trace event is the learner making a lesson move: the
 * same kind, on the same peer when the move names one by number.
 */
function moveMatches(move, e) {
  const [verb, peer] = move.split(' ');
  if ((VERB_KIND[verb] || verb) !== e.kind) return false;
  if (e.kind === 'conf-change' && confVerb(e) !== verb) return false;
  const n = /^\d+$/.test(peer || '') && verb !== 'partition' && verb !== 'block' && verb !== 'reconfigure' ? Number(peer) : 0;
  return !n || e.peer === n;
}

/** servers names the ids among the words of a move: ["1", "2", "|", "3"] is "S1 S2 | S3". */
function servers(words) {
  return words.map((w) => (/^\d+$/.test(w) ? `S${w}` : w)).join(' ');
}

/** moveText says a lesson move in words ("force S1's election timeout"). */
function moveText(move) {
  const [verb, peer, ...rest] = move.split(' ');
  const who = peer === 'leader' ? 'the leader' : `S${peer}`;
  switch (verb) {
    case 'crash': return `crash ${who}`;
    case 'restart': return `restart ${who}`;
    case 'timeout': return `force ${who}'s election timeout`;
    case 'snapshot': return `take a snapshot on ${who}`;
    case 'add-learner': return `add ${who} as a learner`;
    case 'promote': return `promote ${who} to a voter`;
    case 'remove': return `remove ${who} from the configuration`;
    case 'reconfigure': return `change the configuration to the voters ${servers([peer, ...rest])}`;
    case 'client': return `send ${rest.join(' ')} to ${who}`;
    case 'heal': return 'heal every link';
    case 'partition': return `cut the network into ${servers([peer, ...rest])}`;
    case 'wait': return `let ${peer} ticks pass`;
    default: return `make the move “${move}”`;
  }
}

/**
 * controlOf is a selector of the page control that makes a lesson move (the DOM
 * contract: data-action and data-peer on peer buttons, the cards' keyboard shortcuts), or
 * null.
 */
function controlOf(move) {
  const [verb, peer] = move.split(' ');
  const n = /^\d+$/.test(peer || '') ? peer : '';
  switch (verb) {
    case 'timeout':
      return n ? `[data-action="timeout"][data-peer="${n}"], .peer-card[data-peer="${n}"] [aria-keyshortcuts="Shift+${n}"]` : null;
    case 'crash':
    case 'restart':
    case 'snapshot':
    case 'promote':
    case 'remove':
      return n ? `.peer-card[data-peer="${n}"] [data-action="${verb}"]` : null;
    case 'add-learner':
      // The page adds the first spare server: the one button, whatever P is.
      return '[data-action="add-server"]';
    case 'client':
    case 'read':
      return '#cmd';
    case 'heal':
      return '#net-heal';
    case 'partition':
      // The network panel's split: the checkbox of the first server of the first side.
      return n ? `[data-action="partition-side"][data-peer="${n}"]` : null;
    case 'reconfigure':
      return '[data-action="reconfigure"]';
    default:
      return null;
  }
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

  // The box shown when the step is stalled: what probably went wrong, Restart this step
  // (the button of the page) and, past the first step, the previous step.
  const overdue = $('#lesson-overdue');
  const stallWhy = el('span', { id: 'lesson-stall-why' });
  const stallBack = el('button', { type: 'button', class: 'btn' }, '◀ Previous step');
  overdue.replaceChildren(stallWhy, ' ', $('#lesson-restart'), ' ', stallBack);

  // showStall shows the stalled-step box with text, or hides it ('').
  function showStall(text) {
    overdue.hidden = !text;
    setText(stallWhy, text);
    stallBack.hidden = !session.lesson || session.lesson.index === 0;
  }

  // stallText says why the step is stuck: the learner's moves since it began that its
  // moves do not include (the likely mistake), and what it asks for instead.
  function stallText(st, lead) {
    const step = view.steps[shown - 1];
    const moves = step.reference || [];
    const done = session.events.filter((e) => e.time >= st.start_time && ACTED[e.kind]);
    const wrong = done.filter((e) => !moves.some((m) => moveMatches(m, e))).map((e) => ACTED[e.kind](e));
    const asks = (step.reference || []).map(moveText).join(', then ');
    const parts = [lead];
    if (wrong.length) parts.push(`The step asks you to ${asks || 'watch'}, but you ${[...new Set(wrong)].join(' and ')}, so its check cannot pass from here.`);
    // Only moves the step asks for, and still no pass: made in another order or at
    // another moment (a learner promoted before it caught up), so say the moves again.
    else parts.push(lead ? `The step asks you to ${asks}.` : `This is taking longer than it should.${asks ? ` The step asks you to ${asks}.` : ''}`);
    parts.push('Restart the step to try again.');
    return parts.filter(Boolean).join(' ');
  }

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

  // highlight outlines every element the step's selector matches (a list, such as
  // "#net-split, #invariants", names each place a step uses: the layout brings each
  // one into view, lessons.css); target is the first, which Find it scrolls to.
  function highlight(selector) {
    for (const e of document.querySelectorAll('[data-lesson-target]')) e.removeAttribute('data-lesson-target');
    const all = selector ? [...document.querySelectorAll(selector)] : [];
    for (const e of all) e.setAttribute('data-lesson-target', '');
    target = all[0] || null;
    return target;
  }

  // startsInView says whether el's top is in the window, above the fixed lesson bar.
  function startsInView(el) {
    const r = el.getBoundingClientRect();
    const bottom = nav.hidden ? window.innerHeight : nav.getBoundingClientRect().top;
    return r.top >= 0 && r.top < bottom - Math.min(r.height, 48);
  }

  function find() {
    const step = view?.steps[shown - 1];
    const sel = step?.highlight;
    const t = sel && (target?.isConnected ? target : highlight(sel));
    if (!t) return;
    t.scrollIntoView({ block: 'center', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    // Focus the control of the move the step asks for (S1's Timeout, not the first
    // button of S1's card), so that Enter then makes that move.
    const wanted = (step.reference || []).map(controlOf).find((c) => c && (t.matches(c) || t.querySelector(c)));
    const focusable = wanted ? (t.matches(wanted) ? t : t.querySelector(wanted))
      : t.matches('button, input, select') ? t : t.querySelector('input, button:not([disabled]), select');
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
    renderQuiz(quiz, s.quiz || [], { seed: quizSeed(), lesson: view.id, step: s.number });
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
      // The highlighted control comes into the window only when it is out of it: a
      // taller target (the client form) whose first rows are in view already must not
      // scroll the page, which stays at the top while the step's controls fit.
      if (target && !startsInView(target)) target.scrollIntoView({ block: 'nearest' });
    } else if (moved) {
      panel.scrollIntoView({ block: 'start' });
    }
    if (moved) stepTitle.focus({ preventScroll: true });
    tell(`Step ${s.number} of ${view.steps.length}: ${s.title}.`);
  }

  // failedText names the parts of the check that failed for good, in quotes.
  function failedText(st) {
    const failed = st.parts.filter((p) => p.failed).map((p) => `“${p.text}”`);
    return failed.length ? failed.join(' and ') : 'its check';
  }

  // showStatus shows the check's verdict; it touches the page only when it changed. A
  // check that failed for good (the moves made in an order it refuses) is said at
  // once, with the stall box: waiting would not help, and the run must not pass later.
  function showStatus(st) {
    const key = JSON.stringify([st.passed, st.failed, st.overdue, st.parts.map((p) => [p.passed, p.failed])]);
    if (key === shownKey) return;
    const first = shownKey === '';
    const failedNow = st.failed && !JSON.parse(shownKey || '[false, false]')[1];
    shownKey = key;
    const mark = (p) => (p.passed ? ['✓', 'passed: '] : p.failed ? ['✗', 'failed: '] : ['○', 'waiting: ']);
    parts.replaceChildren(...st.parts.map((p) => el('li', { 'data-passed': p.passed ? 'true' : 'false', 'data-failed': p.failed ? 'true' : 'false' },
      el('span', { class: 'mark', 'aria-hidden': 'true' }, mark(p)[0]),
      el('span', { class: 'sr-only' }, mark(p)[1]), p.text)));
    const fresh = st.parts.filter((p, i) => p.passed && !passedParts[i]).map((p) => p.text);
    passedParts = st.parts.map((p) => p.passed);
    const verdict = $('#lesson-verdict');
    verdict.dataset.passed = st.passed ? 'true' : 'false';
    verdict.dataset.failed = st.failed ? 'true' : 'false';
    setText(verdict, st.passed
      ? (st.last ? '✓ Passed. That was the last step: press Finish.' : '✓ Passed. Try the question, then press Next.')
      : st.failed ? `✗ This run can no longer pass the check: ${failedText(st)} did not hold.`
        : '… Waiting for the check to pass.');
    showStall(st.failed ? stallText(st, 'What happened cannot be undone, so waiting will not help.')
      : st.overdue ? stallText(st, '') : '');
    quiz.hidden = !st.passed || quiz.childElementCount <= 1;
    next.disabled = !st.passed;
    setText(next, st.last ? 'Finish ✓' : 'Next ▶');
    back.disabled = st.index === 0;
    setText(where, `Step ${st.step}/${st.steps} · ${st.passed ? '✓ passed' : st.failed ? '✗ failed' : 'waiting'}`);
    if (st.passed) {
      progress.pass(view.id, st.step);
      renderSteps(st.step);
    }
    if (!first && st.passed) tell(`Check passed: ${fresh.join('; ') || 'done'}. ${st.last ? 'Press Finish.' : 'Next is enabled.'}`);
    else if (failedNow) tell(`Check failed: ${failedText(st)} did not hold. Restart the step to try again.`);
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
    /**
     * load fetches the lessons (lessons.json) once: open needs it done, openMenu does
     * it. Rejects when the file cannot be fetched.
     */
    load: () => session.loadLessons(),
    /** open opens a lesson (id or number) at a step, once loaded. It throws when it cannot. */
    open,
    /** openMenu fetches the lessons if need be, then shows the lesson menu. */
    openMenu() {
      session.loadLessons().then(
        () => run(() => menu.open(view?.id)),
        (err) => say(`The lessons could not be loaded: ${err.message}`));
    },
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
  $('#lesson-show-me').addEventListener('click', () => {
    const s = view.steps[shown - 1];
    try {
      // A run whose check failed for good cannot pass whatever is done in it: show the
      // moves from the step's start instead.
      if (session.lesson?.failed) {
        session.lessonCall('lessonRestartStep');
        shown = 0;
        render();
      }
      session.lessonCall('lessonShowMe');
    } catch {
      // The moves cannot apply to the run as it is now (a peer they name is down, …):
      // say why in the learner's terms rather than the engine's error.
      showStall(stallText(session.lesson, 'Show me cannot make its moves from here.'));
      return;
    }
    clock.play();
    say(`Done for you: ${s.reference.join(', ')}. Now watch what follows.`);
  });
  $('#lesson-find').addEventListener('click', find);
  const restartStep = () => run(() => {
    session.lessonCall('lessonRestartStep');
    shown = 0;
    render(true);
    clock.play();
  });
  $('#lesson-restart').addEventListener('click', restartStep);
  stallBack.addEventListener('click', () => lessons.back());
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
