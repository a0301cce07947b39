// The session: the page's one link to the simulator (the Raftplay object of bridge.js).
// It keeps the latest snapshot and the one before it, the recent trace events, the
// animation's fractional virtual time and how far the recorded run reaches, and tells
// the views after every change. Views never call the simulator themselves.

/** How many recent trace events the page keeps (the narration shows a part of them). */
const KEEP_EVENTS = 2000;
/**
 * While playing, a frame without new events reuses the snapshot if it is younger than
 * this (real ms): messages move by virtual time alone, and a snapshot with long logs
 * costs several milliseconds.
 */
const QUIET_SNAPSHOT_MS = 100;
/**
 * While playing fast (session.fast, set by the clock), frames fetch at most this many of
 * the newest events (older ones of the frame are skipped: the narration shows the last
 * few hundred anyway) and take a snapshot at most every FAST_SNAPSHOT_MS: at a hundred
 * times real time a frame covers seconds of virtual time, and encoding thousands of
 * events and long logs every frame would halve the frame rate.
 */
const FAST_FETCH_MAX = 150;
const FAST_SNAPSHOT_MS = 100;

/**
 * createSession wraps a Raftplay object.
 * @param {object} rp the object loadRaftplay() resolved to
 */
export function createSession(rp) {
  const listeners = [];
  const session = {
    rp,
    snap: null, // the latest sim.Snapshot
    prev: null, // the snapshot the views showed before this one
    vt: 0, // virtual time of the animation (ms, fractional; snap.time <= vt < snap.time+1)
    maxTime: 0, // the end of the recorded run (the slider's end): everything before it can be revisited
    events: [], // the last KEEP_EVENTS trace events
    nextSeq: 0, // the seq of the next event to fetch
    pending: [], // events fetched since the views were last told
    snapAt: 0, // when (performance.now()) the snapshot was taken
    forked: null, // during an 'act' update that forked the run: {at, end}, the recorded future discarded
    lesson: null, // the open lesson's status (bridge LessonStatus), or null
    floor: { time: 0, steps: 0 }, // in a lesson: where its step began (scrubbing stops there)
    fast: false, // playing too fast to follow each event (see FAST_FETCH_MAX)

    subscribe(fn) { listeners.push(fn); },

    /** load replaces the cluster with a scenario (an object) and shows time 0. */
    load(scenario) {
      rp.load(scenario);
      leftLesson();
      restart();
    },

    /** loadShare replaces the cluster with the scenario of a share fragment ("s=1.…"). */
    loadShare(fragment) {
      rp.loadShare(fragment);
      leftLesson();
      restart();
    },

    /** loadLessons fetches the lessons once (a promise); lessons and openLesson need it. */
    loadLessons() { return rp.loadLessons(); },
    /** lessons lists the lessons (number, id, title, summary, step titles). */
    lessons() { return rp.lessons(); },

    /**
     * openLesson opens a lesson at a step (from 1): its run replaces the cluster.
     * Returns the lesson (bridge LessonView).
     */
    openLesson(id, step) {
      const view = rp.lessonOpen(id, step);
      lessonMoved(view.status);
      return view;
    },

    /**
     * lessonCall runs a lesson function of the bridge ('lessonAdvance', 'lessonBack',
     * 'lessonRestartStep', 'lessonGoTo', 'lessonShowMe') and shows where it left the run.
     */
    lessonCall(name, ...args) {
      const status = rp[name](...args);
      lessonMoved(status);
      return status;
    },

    /** lessonStatus evaluates the open lesson's check on the run shown (null if none). */
    lessonStatus() {
      if (!session.lesson) return null;
      session.lesson = rp.lessonStatus();
      return session.lesson;
    },

    /** closeLesson closes the lesson; the run goes on as a free playground. */
    closeLesson() {
      if (session.lesson) rp.lessonClose();
      leftLesson();
    },

    /**
     * advanceTo runs the simulation up to virtual time t (fractional; the simulator
     * runs to its whole milliseconds) and returns the events this produced. The views are
     * told only at flush(), once per animation frame.
     */
    advanceTo(t) {
      const whole = Math.floor(t);
      if (whole > session.snapTime()) rp.runUntil(whole);
      session.vt = Math.max(session.vt, t);
      return fetchEvents(session.fast ? FAST_FETCH_MAX : KEEP_EVENTS);
    },

    /** snapTime is the simulator's clock (the snapshot may be a frame old). */
    snapTime() { return rp.now(); },

    /**
     * flush takes a fresh snapshot (when one is due) and tells the views. Reason 'frame'
     * is an animation frame, which may reuse a recent snapshot. before, if given, is the
     * snapshot the views are to compare with (instead of the last one).
     */
    flush(reason = 'frame', reset = false, before = null) {
      const age = performance.now() - session.snapAt;
      const quiet = reason === 'frame' && session.snap !== null &&
        (age < (session.pending.length === 0 ? QUIET_SNAPSHOT_MS : 0) || (session.fast && age < FAST_SNAPSHOT_MS));
      if (!quiet) {
        session.prev = before || session.snap;
        session.snap = rp.state();
        session.snapAt = performance.now();
        if (session.vt < session.snap.time || session.vt >= session.snap.time + 1) session.vt = session.snap.time;
        session.maxTime = Math.max(rp.timeline().end_time, session.snap.time);
      }
      const fresh = session.pending;
      session.pending = [];
      for (const fn of listeners) fn({ snap: session.snap, prev: session.prev, fresh, reset, reason });
    },

    /** step processes exactly one more event. */
    step() {
      rp.step(1);
      fetchEvents();
      session.vt = rp.now();
      session.flush('step');
    },

    /** stepBack goes back exactly one event. */
    stepBack() {
      const steps = session.snap.steps;
      if (steps <= session.floor.steps) return;
      rp.rewindSteps(steps - 1);
      rewound('step-back');
    },

    /**
     * seek moves to virtual time t: within the recorded run by the bridge's checkpoints
     * and replay, beyond it by running on.
     */
    seek(t) {
      const target = Math.max(session.floor.time, Math.round(t));
      if (target <= rp.timeline().end_time && target !== session.snap.time) {
        rp.rewindTo(target);
        rewound();
        return;
      }
      session.advanceTo(target);
      session.vt = target;
      session.flush('seek');
    },

    /** fastForward runs n ticks' worth of virtual time at once. */
    fastForward(ticks) {
      rp.runTicks(ticks);
      fetchEvents();
      session.vt = rp.now();
      session.flush('fast-forward');
    },

    /**
     * act applies a user action now. If the run had been rewound, the recorded future
     * is discarded (the bridge forks it) and the slider's end comes back to now.
     */
    act(action, apply = () => rp.act(action)) {
      const at = session.snap ? session.snap.time : 0;
      const end = session.maxTime;
      apply();
      // Acting before the end of the recorded run forks it: the views say so.
      session.forked = end > at ? { at, end } : null;
      fetchEvents();
      session.vt = rp.now();
      try {
        session.flush('act');
      } finally {
        session.forked = null;
      }
    },

    /**
     * addServer adds a server as a learner (the bridge's addServer: a spare one, or the
     * run grows by one) and returns its id. Like act, it forks a rewound run.
     */
    addServer() {
      let added = null;
      session.act(null, () => { added = rp.addServer(); });
      return added.peer;
    },

    /** scenario returns the scenario of the run so far (an object, with every recorded action). */
    scenario() { return rp.scenario(); },

    /** shareFragment returns "s=1.…" for the run so far. */
    shareFragment() { return rp.shareFragment(); },
  };

  function fetchEvents(most = KEEP_EVENTS) {
    let since = session.nextSeq;
    const total = rp.traceLen();
    if (total - since > most) since = total - most;
    if (total <= since) return [];
    const fresh = rp.events(since);
    if (fresh.length === 0) return fresh;
    session.nextSeq = fresh[fresh.length - 1].seq + 1;
    keep(session.events, fresh);
    keep(session.pending, fresh);
    return fresh;
  }

  function keep(list, fresh) {
    for (const e of fresh) list.push(e);
    if (list.length > KEEP_EVENTS) list.splice(0, list.length - KEEP_EVENTS);
  }

  function leftLesson() {
    session.lesson = null;
    session.floor = { time: 0, steps: 0 };
  }

  // lessonMoved takes a lesson status after a call that may have moved the run or
  // replaced it, and tells the views.
  function lessonMoved(status) {
    session.lesson = status;
    session.floor = { time: status.start_time, steps: status.start_steps };
    if (status.replaced) {
      restart();
      return;
    }
    fetchEvents();
    session.vt = rp.now();
    session.flush('lesson');
  }

  function restart() {
    session.events = [];
    session.pending = [];
    session.nextSeq = 0;
    session.snap = null;
    session.vt = 0;
    session.maxTime = 0;
    fetchEvents();
    session.pending = [];
    session.flush('load', true);
  }

  // After a rewind the trace up to the new time is the same as before (the run is
  // deterministic): keep the events before it and fetch again from the first one
  // dropped, which brings back exactly those the replay produced at that time.
  function rewound(reason = 'rewind') {
    const now = rp.now();
    const events = session.events;
    let keepCount = events.length;
    while (keepCount > 0 && events[keepCount - 1].time >= now) keepCount--;
    if (keepCount < events.length) session.nextSeq = events[keepCount].seq;
    events.length = keepCount;
    session.pending = [];
    fetchEvents();
    session.pending = [];
    // Landing on the moment of a truncation (a step back onto it, a scrub to its time)
    // shows it again: the views get that event, compared with the state before it.
    let before = null;
    const cut = session.events.findLast((e) => e.time === now && e.kind === 'suffix-truncated');
    if (cut) {
      before = stateBefore(cut.seq);
      session.pending = [cut];
    }
    session.vt = now;
    session.flush(reason, true, before);
  }

  // stateBefore returns the snapshot of the run just before the step that produced
  // trace event seq (within this step of a lesson), and comes back to where it was.
  function stateBefore(seq) {
    const steps = rp.steps();
    let k = steps - 1;
    rp.rewindSteps(k);
    while (k > session.floor.steps && rp.traceLen() > seq) rp.rewindSteps(--k);
    const snap = rp.state();
    rp.rewindSteps(steps);
    return snap;
  }

  return session;
}
