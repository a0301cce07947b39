// bridge.js: the one module that talks to the simulator compiled to WebAssembly.
//
// loadRaftplay() loads wasm_exec.js (Go's loader, which defines globalThis.Go), starts
// app.wasm, waits for the Go side to publish globalThis.raftplayWasm, and resolves to a
// Raftplay object whose methods parse the JSON answers and throw an Error on
// {"error": ...}. It also sets window.raftplay to that object (docs/DESIGN.md: tests and
// lessons call window.raftplay.state()). It runs in browsers and under Node (node --test).

/**
 * A peer as the page shows it (sim.PeerState).
 * @typedef {object} PeerState
 * @property {number} id
 * @property {number} cluster_id the cluster's id (1)
 * @property {string} role leader, follower, candidate, precandidate or down
 * @property {number} term
 * @property {number} vote
 * @property {number} lead
 * @property {number} commit_index
 * @property {number} last_applied
 * @property {number} last_index
 * @property {{index: number, term: number, command: string}[]} log the latest entries (at most 1000)
 * @property {number} log_first index of log[0]
 * @property {number} election_elapsed
 * @property {number} election_timeout
 * @property {{peer: number, match_index: number, next_index: number, mode: string, inflight: number, active: boolean}[]} [replication]
 * @property {Object<string, string>} kv
 * @property {number} restarts
 * @property {number} unsynced
 */

/**
 * The state of the whole cluster (sim.Snapshot).
 * @typedef {object} Snapshot
 * @property {number} time virtual ms
 * @property {number} steps events processed
 * @property {number} leader 0 if none
 * @property {PeerState[]} peers
 * @property {{from: number, to: number}[]} blocked the cut one-way links
 * @property {{latency: number[], drop: number, duplicate: number}} network
 * @property {object[]} messages in flight, oldest first (sim.MessageInfo)
 * @property {{time: number, invariant: string, peer?: number, description: string}[]} violations
 * @property {boolean} stopped
 */

/**
 * One trace event (sim.TraceEvent); fields that do not apply are left out.
 * @typedef {object} TraceEvent
 * @property {number} seq position in the trace, from 0
 * @property {number} time virtual ms
 * @property {string} kind engine event name ("vote-granted", ...) or simulator event ("send", "crash", ...)
 * @property {boolean} [engine]
 * @property {number} [peer]
 * @property {string} [role] the new role (role) or the one left (stepped-down)
 * @property {string} [cause] why a drop or lost event's message went (DROP_CAUSES, such as "link-cut")
 * @property {number[][]} [groups] a partition's sides
 * @property {string} text a sentence for the narration
 */

/**
 * Where the run is after a call that moves it.
 * @typedef {object} Position
 * @property {true} ok
 * @property {number} time virtual ms
 * @property {number} steps events processed
 * @property {number} [replayed] rewinds only: steps replayed from the nearest checkpoint
 */

/**
 * A lesson's verdict on the live run (wasm/bridge lessons.go statusView).
 * @typedef {object} LessonStatus
 * @property {string} lesson the lesson's id
 * @property {number} step the current step's number, from 1
 * @property {number} index the same, from 0
 * @property {number} steps how many steps the lesson has
 * @property {boolean} passed whether the step's check has passed (it stays passed)
 * @property {boolean} failed the check can no longer pass on this run (its events came
 *   in an order it refuses): restart the step
 * @property {{text: string, passed: boolean, failed: boolean}[]} parts the check's parts, each with its verdict
 * @property {string} detail one line: what passed, what is still awaited, or what failed
 * @property {number} ticks_since_move ticks since the learner's last move, or since the step was shown
 * @property {number} allowed_ticks how many the step allows from there (within_ticks and the waits it asks for)
 * @property {boolean} overdue no pass for longer than the step allows since the last move
 * @property {boolean} last the last step
 * @property {number} time virtual ms
 * @property {number} start_time where the step began: a rewind goes no earlier
 * @property {number} start_steps the same, in events
 * @property {boolean} [replaced] the call replaced the live run (reload its events)
 */

/**
 * A lesson opened on the live run: its texts (narration as safe HTML) and its status.
 * @typedef {object} LessonView
 * @property {number} number
 * @property {string} id
 * @property {string} title
 * @property {string} summary
 * @property {string} intro_html
 * @property {string} outro_html
 * @property {{number: number, title: string, narration_html: string, prompt_html?: string,
 *   highlight?: string, observe?: boolean, check: string, reference: string[], within_ticks: number,
 *   quiz?: {question_html: string, choices: {text_html: string, why_html: string}[], correct: number, explanation_html: string}[]}[]} steps
 * @property {LessonStatus} status
 */

/**
 * How far the recorded run reaches (everything in [0, end] can be revisited exactly).
 * @typedef {object} TimelineInfo
 * @property {number} end_time
 * @property {number} end_steps
 * @property {number} checkpoints
 * @property {number} spacing steps between checkpoints
 * @property {number} trace_len
 */

const isNode = typeof process !== 'undefined' && process.versions != null &&
  process.versions.node != null && typeof document === 'undefined';

/** The functions whose answer is JSON (the others answer a plain string or a number). */
const jsonResults = new Set(['load', 'loadShare', 'runTicks', 'runUntil', 'act', 'addServer', 'state', 'events',
  'rewindSteps', 'rewindTo', 'scenario', 'timeline', 'lessons', 'lessonOpen', 'lessonStatus', 'lessonAdvance',
  'lessonBack', 'lessonRestartStep', 'lessonGoTo', 'lessonShowMe', 'lessonClose']);

/**
 * Raftplay is the simulator as the page uses it. Every method is synchronous; each one
 * throws an Error (name "RaftplayError") whose message names the function and the
 * problem, such as "act: sim: act (crash): peer 7 is not in the cluster".
 */
export class Raftplay {
  /** @param {Record<string, Function>} api globalThis.raftplayWasm */
  constructor(api) {
    /** @private */
    this.api = api;
    /** @private @type {Promise<number>|null} */
    this.lessonsLoading = null;
  }

  /**
   * Calls a low-level function and decodes its answer.
   * @private
   * @param {string} name
   * @param {...(string|number|undefined)} args
   * @returns {any}
   */
  call(name, ...args) {
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    const out = this.api[name](...args);
    if (typeof out !== 'string') return out;
    if (out.startsWith('{"error":')) throw raftplayError(JSON.parse(out).error);
    return jsonResults.has(name) ? JSON.parse(out) : out;
  }

  /**
   * Replaces the run with a new one from a scenario ({"v":1,"seed":…,"actions":[…]}).
   * @param {string|object} scenario the scenario, as JSON text or as an object
   * @returns {Position}
   */
  load(scenario) { return this.call('load', asJSON(scenario)); }

  /**
   * Replaces the run with the scenario of a share link's fragment ("s=1.…", a leading
   * "#" allowed).
   * @param {string} fragment
   * @returns {Position}
   */
  loadShare(fragment) { return this.call('loadShare', fragment); }

  /**
   * Processes up to n events (default 1).
   * @param {number} [n]
   * @returns {number} how many were processed: fewer when the run ran out of events or stopped
   */
  step(n = 1) { return this.call('step', n); }

  /**
   * Runs n ticks' worth of virtual time (at most 1,000,000 ticks per call).
   * @param {number} n
   * @returns {Position}
   */
  runTicks(n) { return this.call('runTicks', n); }

  /**
   * Runs until virtual time t (ms, not before now): every event due by t is processed
   * and the clock is set to t.
   * @param {number} t
   * @returns {Position}
   */
  runUntil(t) { return this.call('runUntil', t); }

  /**
   * Applies an action now (its "at" is ignored) and records it in the scenario, such as
   * {type: "crash", peer: 1}, {type: "client", peer: 2, cmd: "SET x 1"},
   * {type: "partition", groups: [[1], [2, 3]]}, {type: "drop", msg: 42}. Acting after a
   * rewind forks the run: the recorded future is discarded.
   * @param {string|object} action a sim.Action, as JSON text or as an object
   * @returns {Position}
   */
  act(action) { return this.call('act', asJSON(action)); }

  /**
   * Adds a server as a learner (§6): a spare one, else the run grows by one (up to 7;
   * docs/DESIGN.md). Like act, it discards a recorded future.
   * @returns {Position & {peer: number, grown?: boolean}}
   */
  addServer() { return this.call('addServer'); }

  /**
   * The state of the whole cluster.
   * @returns {Snapshot}
   */
  state() { return this.call('state'); }

  /**
   * The trace events with seq >= since, oldest first. The live run keeps the last
   * 50,000 or so; older ones are forgotten.
   * @param {number} [since]
   * @param {number} [limit] at most this many (the oldest of them)
   * @returns {TraceEvent[]}
   */
  events(since = 0, limit) { return this.call('events', since, limit); }

  /**
   * Goes to the state the run was in after exactly `steps` events, anywhere between the
   * start and the end of the recorded run (see timeline()); going forward works too.
   * @param {number} steps
   * @returns {Position}
   */
  rewindSteps(steps) { return this.call('rewindSteps', steps); }

  /**
   * Goes to the state the run was in at virtual time t (every event due by t processed),
   * anywhere between 0 and the end of the recorded run.
   * @param {number} t
   * @returns {Position}
   */
  rewindTo(t) { return this.call('rewindTo', t); }

  /**
   * The scenario of the run so far, with every recorded action (after a rewind, also
   * those of the recorded future, until an action forks it).
   * @returns {object}
   */
  scenario() { return this.call('scenario'); }

  /**
   * The scenario as JSON text, for export.
   * @returns {string}
   */
  scenarioJSON() { return JSON.stringify(this.scenario()); }

  /**
   * The URL fragment (without "#") that reproduces this run: "s=1.…".
   * @returns {string}
   */
  shareFragment() { return this.call('shareFragment'); }

  /**
   * The virtual time, in ms.
   * @returns {number}
   */
  now() { return this.call('now'); }

  /**
   * The number of events processed so far.
   * @returns {number}
   */
  steps() { return this.call('steps'); }

  /**
   * The number of trace events so far: the seq the next event will get.
   * @returns {number}
   */
  traceLen() { return this.call('traceLen'); }

  /**
   * How far the recorded run reaches, and its checkpoints.
   * @returns {TimelineInfo}
   */
  timeline() { return this.call('timeline'); }

  /**
   * Fetches the lessons (lessons.json, next to app.wasm: the page's wasm carries none,
   * to keep first paint small) and hands them to the simulator, once; later calls
   * resolve at once. lessons() and lessonOpen() need it done. A failed fetch may be
   * tried again.
   * @param {{lessonsURL?: string|URL}} [options]
   * @returns {Promise<number>} how many lessons there are
   */
  loadLessons(options = {}) {
    if (!this.lessonsLoading) {
      this.lessonsLoading = fetchText(options.lessonsURL ?? '../lessons.json')
        .then((text) => this.call('loadLessons', text))
        .catch((err) => {
          this.lessonsLoading = null;
          throw err;
        });
    }
    return this.lessonsLoading;
  }

  /**
   * The lessons, for a menu: number, id, title, summary and the titles of the steps
   * (after loadLessons).
   * @returns {{number: number, id: string, title: string, summary: string, steps: string[]}[]}
   */
  lessons() { return this.call('lessons'); }

  /**
   * Opens a lesson (by id or number) at a step (from 1; default 1): its scenario becomes
   * the live run, played by the reference path up to that step. While it is open, every
   * move of the run is followed by an evaluation of the step's check, and a rewind
   * stays within the current step.
   * @param {string} id
   * @param {number} [step]
   * @returns {LessonView}
   */
  lessonOpen(id, step) { return this.call('lessonOpen', id, step); }

  /**
   * The open lesson's status on the live run.
   * @returns {LessonStatus}
   */
  lessonStatus() { return this.call('lessonStatus'); }

  /**
   * Goes on to the next step, once the check has passed.
   * @returns {LessonStatus}
   */
  lessonAdvance() { return this.call('lessonAdvance'); }

  /**
   * Goes back to the start of the previous step, exactly as the run was then.
   * @returns {LessonStatus}
   */
  lessonBack() { return this.call('lessonBack'); }

  /**
   * Goes back to the start of the current step.
   * @returns {LessonStatus}
   */
  lessonRestartStep() { return this.call('lessonRestartStep'); }

  /**
   * Starts the open lesson again at a step (from 1), as a deep link to it does.
   * @param {number} step
   * @returns {LessonStatus}
   */
  lessonGoTo(step) { return this.call('lessonGoTo', step); }

  /**
   * Makes the current step's reference moves now ("show me").
   * @returns {LessonStatus}
   */
  lessonShowMe() { return this.call('lessonShowMe'); }

  /**
   * Closes the lesson; the run stays, as a free playground.
   * @returns {{ok: true}}
   */
  lessonClose() { return this.call('lessonClose'); }

  /**
   * The build: "raftplay REVISION (goVERSION js/wasm)".
   * @returns {string}
   */
  version() { return this.call('version'); }
}

/**
 * Reads a text file next to this module (by fetch; under Node a file URL or path is
 * read from the disk).
 * @param {string|URL} where
 * @returns {Promise<string>}
 */
async function fetchText(where) {
  const url = await resolve(where);
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url, 'utf8');
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`raftplay: could not fetch ${url.href}: HTTP ${response.status}`);
  return response.text();
}

/** @param {string} message */
function raftplayError(message) {
  const err = new Error(message);
  err.name = 'RaftplayError';
  return err;
}

/** @param {string|object} value */
function asJSON(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** @type {Promise<Raftplay>|null} */
let loading = null;

/**
 * Loads the simulator once and resolves to the Raftplay object (later calls resolve to
 * the same one). Relative URLs are resolved against this module, whose default layout
 * is dist/js/bridge.js next to dist/app.wasm and dist/wasm_exec.js. Under Node the URLs
 * may also be file paths.
 * @param {{wasmURL?: string|URL, execURL?: string|URL}} [options]
 * @returns {Promise<Raftplay>}
 */
export function loadRaftplay(options = {}) {
  if (!loading) {
    loading = start(options).catch((err) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

/** @param {{wasmURL?: string|URL, execURL?: string|URL}} options */
async function start(options) {
  const wasmURL = await resolve(options.wasmURL ?? '../app.wasm');
  const execURL = await resolve(options.execURL ?? '../wasm_exec.js');
  await loadExec(execURL);
  const go = new globalThis.Go();
  const instance = await instantiate(wasmURL, go.importObject);
  go.run(instance).catch((err) => console.error('raftplay: the simulator stopped:', err));
  const api = await waitForAPI();
  const rp = new Raftplay(api);
  if (typeof window !== 'undefined') window.raftplay = rp;
  return rp;
}

/**
 * Resolves a URL or a relative path against this module; under Node an absolute file
 * path is taken as it is.
 * @param {string|URL} where
 * @returns {Promise<URL>}
 */
async function resolve(where) {
  if (where instanceof URL) return where;
  if (isNode && /^(\/|[A-Za-z]:[\\/])/.test(where)) {
    const { pathToFileURL } = await import('node:url');
    return pathToFileURL(where);
  }
  return new URL(where, import.meta.url);
}

/** Runs wasm_exec.js, a classic script that defines globalThis.Go. */
async function loadExec(url) {
  if (typeof globalThis.Go === 'function') return;
  if (isNode) {
    await import(url.href);
  } else {
    await new Promise((done, fail) => {
      const script = document.createElement('script');
      script.src = url.href;
      script.onload = () => done(undefined);
      script.onerror = () => fail(new Error(`raftplay: could not load ${url.href}`));
      document.head.append(script);
    });
  }
  if (typeof globalThis.Go !== 'function') throw new Error(`raftplay: ${url.href} did not define Go`);
}

/**
 * Compiles and instantiates app.wasm: streaming when the server sends application/wasm,
 * from the whole body otherwise.
 * @param {URL} url
 * @param {WebAssembly.Imports} imports
 * @returns {Promise<WebAssembly.Instance>}
 */
async function instantiate(url, imports) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    const { instance } = await WebAssembly.instantiate(await readFile(url), imports);
    return instance;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`raftplay: could not fetch ${url.href}: HTTP ${response.status}`);
  const copy = response.clone();
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      const { instance } = await WebAssembly.instantiateStreaming(response, imports);
      return instance;
    } catch (err) {
      // A TypeError means the server did not say application/wasm: read the body instead.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  const { instance } = await WebAssembly.instantiate(await copy.arrayBuffer(), imports);
  return instance;
}

/** Waits (at most 5 s) until the Go side has published globalThis.raftplayWasm. */
async function waitForAPI() {
  const deadline = Date.now() + 5000;
  while (!globalThis.raftplayWasm) {
    if (Date.now() > deadline) throw new Error('raftplay: the simulator did not start (no globalThis.raftplayWasm after 5 s)');
    await new Promise((done) => setTimeout(done, 5));
  }
  return globalThis.raftplayWasm;
}
