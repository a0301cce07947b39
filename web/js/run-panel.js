// The run panel: choose a scenario, the number of servers and a seed and reset; the
// share link; export and import of a trace file.

import { $, el } from './dom.js';
import { SCENARIOS, scenarioById, makeScenario, SIZES, DEFAULT_SIZE } from './scenarios.js';
import { shareLink, traceFile, readTrace, compareEvents, download } from './share.js';

/**
 * createRunPanel wires the panel `root`. load(scenario, time) starts a run; say(text)
 * reports; session is the session.
 */
export function createRunPanel(root, { session, load, say, guard }) {
  const select = $('#scenario', root);
  const seed = $('#seed', root);
  const link = $('#share-link', root);
  const file = $('#import-file', root);

  const servers = $('#servers', root);
  select.replaceChildren(...SCENARIOS.map((s) => el('option', { value: s.id }, s.label)));
  servers.replaceChildren(...SIZES.map((n) => el('option', { value: String(n) }, String(n))));
  servers.value = String(DEFAULT_SIZE);
  // Choosing a scenario starts it: waiting for Reset looked like nothing happened. A
  // preset of its own size shows it; choosing a size starts empty peers of that size
  // unless the preset takes a size.
  select.addEventListener('change', guard(() => {
    const preset = scenarioById(select.value);
    if (preset.peers) servers.value = String(preset.peers);
    panel.reset();
  }));
  servers.addEventListener('change', guard(() => {
    if (!scenarioById(select.value).sized) select.value = 'fresh';
    panel.reset();
  }));
  // The size shown is the run's: a share link's, or one grown by adding a server.
  session.subscribe(({ snap }) => {
    const n = String(snap.peers.length);
    if (servers.value !== n && document.activeElement !== servers && SIZES.includes(snap.peers.length)) servers.value = n;
  });
  $('#reset', root).addEventListener('click', guard(() => panel.reset()));
  $('#random-seed', root).addEventListener('click', guard(() => {
    seed.value = String(1 + Math.floor(Math.random() * 1_000_000));
    panel.reset();
  }));
  $('#share', root).addEventListener('click', guard(() => panel.share()));
  $('#export', root).addEventListener('click', guard(() => {
    download(`raftplay-trace-${session.snap.time}ms.json`, traceFile(session));
    say('Trace exported.');
  }));
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    try {
      panel.importText(await f.text());
    } catch (err) {
      say(err.message);
    } finally {
      file.value = '';
    }
  });

  const panel = {
    /** reset starts the chosen scenario with the chosen seed (a promise: a preset may be fetched first). */
    async reset() {
      const n = Number(seed.value);
      if (!Number.isSafeInteger(n) || n < 0) {
        say('The seed must be a whole number, 0 or more.');
        return;
      }
      let scenario;
      try {
        scenario = await makeScenario(select.value, n, Number(servers.value));
      } catch (err) {
        say(`The scenario could not be loaded: ${err.message}`);
        return;
      }
      load(scenario, null);
      // Leave a share page (/s/<id>) or a share fragment: the address names this run no more.
      history.replaceState(null, '', location.pathname.startsWith('/s/') ? '/' : location.pathname + location.search);
      link.value = '';
    },
    /** share puts the share link in the address bar and the text box, and copies it. */
    async share() {
      const url = await shareLink(session);
      history.replaceState(null, '', url);
      link.value = url;
      link.select();
      try {
        await navigator.clipboard.writeText(url);
        say('Share link copied: opening it replays this exact run up to this moment.');
      } catch {
        say('Share link ready in the box: copy it from there.');
      }
    },
    /** importText loads a trace file's or a scenario's JSON text. */
    importText(text) {
      const t = readTrace(text);
      load(t.scenario, t.time);
      if (t.events.length) {
        const { checked, mismatch } = compareEvents(t.events, session.events);
        say(mismatch < 0
          ? `Trace imported: the replay matches ${checked} of its events.`
          : `Trace imported, but the replay differs from it at event ${mismatch}.`);
      } else {
        say('Scenario imported.');
      }
    },
    /** showSeed puts a loaded scenario's seed in the seed box. */
    showSeed(n) { seed.value = String(n); },
  };
  return panel;
}
