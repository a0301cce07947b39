// The playground's entry point: load the simulator, build the views and the controls,
// and open the scenario of the URL (a share link, a lesson) or the default one. The
// default opens paused at time 0, every peer a follower in term 0, with a large Play
// button on the drawing: the first election is for the learner to start and watch.

import { loadRaftplay } from './bridge.js';
import { $, el, announce } from './dom.js';
import { createSession } from './session.js';
import { createClock } from './clock.js';
import { createPeersView } from './render-peers.js';
import { createLinksView } from './render-links.js';
import { createMessagesView } from './render-messages.js';
import { createLogView } from './render-log.js';
import { createReplicationView } from './render-replication.js';
import { createInspector, DELAY_MS } from './inspector.js';
import { createTruncationView, isTruncation, HOLD_MS } from './truncation.js';
import { createNarration } from './narration.js';
import { createInvariantsView } from './invariants.js';
import { createControls } from './controls.js';
import { createPeerControls } from './peer-controls.js';
import { confBeforeLeader } from './membership.js';
import { createStartButton } from './start-button.js';
import { createProjectorSetting, applyProjector, projectorSaved } from './settings.js';
import { createNetworkControls } from './network-controls.js';
import { createClientForm } from './client-form.js';
import { createRunPanel } from './run-panel.js';
import { createKeyboard } from './keyboard.js';
import { parseHash } from './share.js';
import { parseLessonHash } from './lesson-link.js';
import { sharedId, timeOf, fetchShared } from './share-api.js';
import { fresh, DEFAULT_SEED } from './scenarios.js';

const status = $('#status');
// The projector type before the first frame is drawn, so the page does not jump.
applyProjector(projectorSaved());

let statusTimer = 0;

/** say shows a short message in the status toast (a polite live region) for a while. */
function say(text, { keep = false } = {}) {
  status.textContent = text;
  clearTimeout(statusTimer);
  // A link that could not be opened is said until the next message (keep): whoever
  // followed it may be looking elsewhere for the first seconds, and nothing else on the
  // page says why it shows a fresh run instead.
  if (!keep) statusTimer = setTimeout(() => { status.textContent = ''; }, 7000);
}

/** guard wraps a handler so an error from the simulator is shown, not thrown away. */
function guard(fn) {
  return (...args) => {
    try {
      return fn(...args);
    } catch (err) {
      say(err.message);
      return undefined;
    }
  };
}

async function start() {
  const rp = await loadRaftplay();
  const session = createSession(rp);
  const act = (action) => {
    try {
      return session.act(action);
    } catch (err) {
      // A refused snapshot (down peer, nothing applied since the last one) says so plainly.
      say(action.type === 'snapshot' ? `No snapshot taken: ${err.message.replace(/^.*act \(snapshot\): /, '')}.` : err.message);
      return undefined;
    }
  };
  const clock = createClock(session, {
    stopAt: (fresh) => fresh.some(isTruncation),
    onState() {
      // A paused run shows its exact state (frames may reuse a snapshot for a while).
      if (!clock.playing && session.snap) session.flush('pause');
      else controls.update();
      start.update();
      // Too fast to follow: no entrance animations (each would be a layer to composite).
      document.documentElement.classList.toggle('fast', clock.speed >= 1);
    },
  });

  const select = (id) => {
    clock.pause();
    messages.select(id);
    inspector.show(id, session.snap);
    messages.update(session.snap, session.vt);
  };
  const closeInspector = () => {
    inspector.hide();
    messages.select(0);
    if (session.snap) messages.update(session.snap, session.vt);
  };

  const network = createNetworkControls($('#network'), { session, act, say });
  const peers = createPeersView($('#peers'));
  const links = createLinksView($('#links'), network.toggle);
  const messages = createMessagesView($('#messages'), select);
  const logs = createLogView($('#log-scroll'), $('#log-grid'));
  const replication = createReplicationView($('#replication-caption'), $('#replication-body'));
  const inspector = createInspector($('#inspector'), { act, onClose: closeInspector });
  const truncation = createTruncationView($('#truncation'), {
    onEnd() {
      clock.release();
      render({ snap: session.snap, prev: session.prev, fresh: [], reset: false, reason: 'redraw' });
    },
  });
  const narration = createNarration($('#narration'), session);
  const invariants = createInvariantsView($('#invariant-list'));
  const controls = createControls($('#transport'), { clock, session, guard });
  const peerControls = createPeerControls($('#peer-cards'), act);
  // The menu of a peer's actions on the drawing is fetched on the first tap (or Enter)
  // on a peer, and then opened for it: a first visit need not download it.
  let peerMenu = null;
  const peerLayer = $('#peers');
  const firstTap = (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (!target?.closest('[data-peer-id]') || (ev.type === 'keydown' && ev.key !== 'Enter' && ev.key !== ' ')) return;
    if (ev.type === 'keydown') {
      ev.preventDefault();
      ev.stopPropagation(); // not also the page's Space shortcut
    }
    peerLayer.removeEventListener('click', firstTap);
    peerLayer.removeEventListener('keydown', firstTap);
    import('./peer-menu.js').then(({ createPeerMenu }) => {
      peerMenu = createPeerMenu($('#peer-menu'), peerLayer, { session, act });
      peerMenu.toggle(target, ev.type === 'keydown');
    }, (err) => say(`The peer menu could not be loaded: ${err.message}`));
  };
  peerLayer.addEventListener('click', firstTap);
  peerLayer.addEventListener('keydown', firstTap);
  // The configuration's panel and rules (§6) are fetched once a leader is up: no change
  // can be made before, and a first visit need not download them.
  // Until then the panel says what is already true: the voters, and that nothing waits.
  let members = null;
  let membersLoading = null;
  let before = '';
  const showMembers = (snap) => {
    if (members) members.update(snap);
    else if (confBeforeLeader(snap).join('|') !== before) {
      before = confBeforeLeader(snap).join('|');
      $('#conf-panel').replaceChildren(...before.split('|').map((line) => el('p', {}, line)));
    }
    if (!members && snap.leader && !membersLoading) {
      membersLoading = import('./membership-controls.js').then(({ createMembershipControls }) => {
        $('#conf-panel').replaceChildren();
        members = createMembershipControls($('#conf-panel'), $('#members'), { session, say, guard });
        render({ snap: session.snap, prev: session.prev, fresh: [], reset: false, reason: 'redraw' });
      }, (err) => {
        membersLoading = null;
        say(`The membership controls could not be loaded: ${err.message}`);
      });
    }
  };
  const start = createStartButton($('#start'), { clock, session });
  createProjectorSetting($('#projector'));
  const client = createClientForm($('#client-form'), { session, act, say });

  function load(scenario, time) {
    clock.pause();
    closeInspector();
    session.load(scenario);
    if (time) session.seek(time);
    panel.showSeed(scenario.seed ?? 0);
    clock.play();
  }
  const panel = createRunPanel($('#run'), { session, load: guard(load), say, guard });
  // The lesson panel, and the modules only it uses (menu, quiz, progress), are loaded on
  // first use rather than with the page: a fresh page shows none of them, and they were
  // 12 kB of its download (docs/DESIGN.md, "The page's size").
  let lessonPanel = null; // the panel (lesson-panel.js createLessons), once loaded
  let lessonPanelLoading = null;
  function loadLessonPanel() {
    lessonPanelLoading ??= import('./lesson-panel.js').then(({ createLessons }) => {
      lessonPanel = createLessons({
        session,
        clock,
        say,
        onOpen() {
          closeInspector();
          panel.showSeed(session.scenario().seed);
        },
      });
      return lessonPanel;
    }, (err) => {
      lessonPanelLoading = null; // the next use tries again
      throw err;
    });
    return lessonPanelLoading;
  }
  const lessons = {
    /** load loads the panel and fetches the lessons; open needs it done. */
    load: () => loadLessonPanel().then((lp) => lp.load()),
    /** open opens a lesson (id or number) at a step, once loaded. It throws when it cannot. */
    open: (id, step) => lessonPanel.open(id, step),
    openMenu: () => loadLessonPanel().then((lp) => lp.openMenu(),
      (err) => say(`The lessons could not be loaded: ${err.message}`)),
    next: () => (lessonPanel ? lessonPanel.next() : say('No lesson is open: press G (or the Lessons button) to choose one.')),
    back: () => lessonPanel?.back(),
  };
  $('#lessons-open').addEventListener('click', () => lessons.openMenu());

  function render(update) {
    const { snap } = update;
    // A truncation holds the clock while the removed suffix is on screen.
    const looks = update.reason === 'redraw' || update.reason === 'pause';
    if (!looks && truncation.check(update, clock.playing) && clock.playing) clock.hold(HOLD_MS);
    peers.update(snap);
    links.update(snap);
    messages.update(snap, session.vt);
    logs.update(snap, truncation.ghost);
    replication.update(snap);
    invariants.update(snap);
    peerControls.update(snap);
    peerMenu?.update(snap);
    showMembers(snap);
    network.update(snap);
    client.update(snap);
    inspector.update(snap);
    if (!looks) narration.update(update);
    controls.update();
    start.update();
    const lead = snap.leader;
    if (update.prev && lead && lead !== update.prev.leader) announce(`S${lead} is the leader of term ${snap.peers[lead - 1].term}.`);
  }
  session.subscribe(render);

  const messageAction = (kind) => {
    if (!inspector.id) {
      say('Select a message first (M, or click one).');
      return;
    }
    const action = { type: kind, msg: inspector.id };
    if (kind === 'delay') action.by = DELAY_MS;
    act(action);
  };

  createKeyboard({
    toggle: () => clock.toggle(),
    step: guard(() => { clock.pause(); session.step(); }),
    stepBack: guard(() => { clock.pause(); session.stepBack(); }),
    speed: (dir) => controls.nudgeSpeed(dir),
    speedPreset: (which) => controls.preset(which),
    seek: guard((where) => { clock.pause(); session.seek(where === 'start' ? 0 : session.maxTime); }),
    fastForward: guard(() => controls.fastForward()),
    power: (id) => {
      const p = session.snap.peers[id - 1];
      if (p) act({ type: p.role === 'down' ? 'restart' : 'crash', peer: id });
    },
    timeout: (id) => { if (session.snap.peers[id - 1]) act({ type: 'timeout', peer: id }); },
    isolateLeader: network.isolateLeader,
    healAll: network.healAll,
    command: () => client.focus(),
    nextMessage: () => {
      const list = session.snap.messages;
      if (!list.length) {
        inspector.showNone(session.snap);
        return;
      }
      const i = list.findIndex((m) => m.id === inspector.id);
      select(list[(i + 1) % list.length].id);
      document.querySelector(`[data-msg-id="${inspector.id}"]`)?.focus();
    },
    message: messageAction,
    share: () => panel.share(),
    reset: () => panel.reset(),
    lessons: () => lessons.openMenu(),
    lessonNext: () => lessons.next(),
    lessonBack: () => lessons.back(),
    escape: closeInspector,
  });

  let lastFragment = '';
  window.addEventListener('hashchange', () => {
    const link = parseLessonHash(location.hash);
    if (link) {
      lessons.load().then(() => guard(lessons.open)(link.lesson, link.step),
        (err) => say(`This lesson link could not be opened: ${err.message}`, { keep: true }));
      return;
    }
    const shared = parseHash(location.hash);
    if (shared && shared.fragment !== lastFragment) guard(openShared)(shared);
  });

  function openShared(shared) {
    clock.pause();
    closeInspector();
    session.loadShare(shared.fragment);
    lastFragment = shared.fragment;
    panel.showSeed(session.scenario().seed);
    if (shared.time) {
      session.seek(shared.time);
      say(`Opened a shared run at ${shared.time} ms. Press play to go on.`);
    } else {
      say('Opened a shared run.');
      clock.play();
    }
  }

  // A short share link, /s/<id>: the scenario is on the server (GET /api/share/<id>).
  const shared = parseHash(location.hash);
  let opened = false;
  const id = sharedId(location.pathname);
  if (id) {
    try {
      session.load(await fetchShared(id));
      panel.showSeed(session.scenario().seed);
      const time = timeOf(location.hash);
      if (time) {
        session.seek(time);
        say(`Opened a shared run at ${time} ms. Press play to go on.`);
      } else {
        say('Opened a shared run.');
        clock.play();
      }
      opened = true;
    } catch (err) {
      say(`This share link could not be opened: ${err.message}`, { keep: true });
    }
  }
  // A lesson link, #lesson=07&step=3.
  const link = parseLessonHash(location.hash);
  if (link && !opened) {
    try {
      await lessons.load();
      lessons.open(link.lesson, link.step);
      opened = true;
    } catch (err) {
      say(`This lesson link could not be opened: ${err.message}`, { keep: true });
    }
  }
  if (shared && !opened) {
    try {
      openShared(shared);
      opened = true;
    } catch (err) {
      say(`This share link could not be opened: ${err.message}`, { keep: true });
    }
  }
  if (!opened) session.load(fresh(DEFAULT_SEED));
  document.documentElement.dataset.ready = 'true';
  performance.mark('raftplay-interactive');
}

// Live mode (/?live, served by `raftplay cluster --web` or `raftplay serve --live`)
// draws real nodes instead of the simulator: its module is fetched only then, and the
// simulator is never loaded.
const live = new URLSearchParams(location.search).has('live');
(live ? import('./live.js').then((m) => m.startLive({ say })) : start()).catch((err) => {
  const box = document.getElementById('fatal');
  if (box) {
    box.hidden = false;
    box.textContent = `The playground could not start: ${err.message}`;
  }
  console.error(err);
});
