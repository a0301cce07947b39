// The presets of the scenario menu (scenarios.js lists them), each a function of the
// seed and, for the sized ones, of the size, that returns the scenario (or a promise of
// it, for a preset kept as a JSON file in web/presets/, which Go tests read too).
// Fetched when a preset is first chosen.

import { DEFAULT_SIZE, sized } from './scenarios.js';

/** PRESETS maps a preset's id to the function that makes its scenario. */
export const PRESETS = {
  // S4 and S5 are spare servers: each joins empty as a learner, catches up, and is
  // promoted through the joint configuration C_old,new, then C_new.
  grow: (seed) => ({
    v: 1,
    seed,
    options: { peers: 5, voters: 3 },
    actions: [
      { at: 0, type: 'timeout', peer: 1 },
      { at: 300, type: 'add-learner', peer: 4 },
      { at: 500, type: 'promote', peer: 4 },
      { at: 700, type: 'add-learner', peer: 5 },
      { at: 900, type: 'promote', peer: 5 },
    ],
  }),
  // The paper's Figure 10, with joint consensus switched off: leader S3 adds learners
  // S4 and S5, is cut off with them and switches from C_old = {S1, S2, S3} straight to
  // C_new = {S1…S5}; then S4 and S1 are made to time out. S4 wins term 2 with the votes
  // of C_new's S3, S4 and S5, and S1 wins term 2 with C_old's S1 and S2: the safety
  // panel shows Election Safety broken, for any seed (timeouts are long and pre-vote
  // off, so no other election happens). The scenario is a file, web/presets/figure10.json,
  // which a Go test (sim/figure10_preset_test.go) plays for 200 seeds.
  figure10: async (seed) => {
    const res = await fetch(new URL('../presets/figure10.json', import.meta.url));
    if (!res.ok) throw new Error(`the Figure 10 preset could not be loaded (${res.status})`);
    return { ...(await res.json()), seed };
  },
  // S3 led term 2 and wrote entries 3 and 4 that never committed; S1 then led term 3
  // with S2's vote and wrote its own entry 3. When S1 wins term 4, S3 must drop 3..4.
  conflict: (seed) => ({
    v: 1,
    seed,
    start: {
      peers: {
        1: { term: 3, vote: 1, commit: 2, log: [1, 1, 3] },
        2: { term: 3, vote: 1, commit: 2, log: [1, 1, 3] },
        3: { term: 2, vote: 3, commit: 2, log: [1, 1, 2, 2] },
      },
    },
    actions: [{ at: 0, type: 'timeout', peer: 1 }],
  }),
  figure7: (seed) => ({
    v: 1,
    seed,
    options: { peers: 7 },
    start: {
      peers: {
        1: { term: 8, commit: 3, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6] },
        2: { term: 6, commit: 3, log: [1, 1, 1, 4, 4, 5, 5, 6, 6] },
        3: { term: 4, commit: 3, log: [1, 1, 1, 4] },
        4: { term: 6, commit: 3, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6] },
        5: { term: 7, commit: 3, log: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7] },
        6: { term: 4, commit: 3, log: [1, 1, 1, 4, 4, 4, 4] },
        7: { term: 3, commit: 3, log: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3] },
      },
    },
    actions: [{ at: 0, type: 'timeout', peer: 1 }],
  }),
  figure8: (seed) => ({
    v: 1,
    seed,
    options: { peers: 5 },
    start: {
      peers: {
        1: { term: 4, vote: 1, commit: 1, log: [1, 2, 4] },
        2: { term: 4, vote: 1, commit: 1, log: [1, 2] },
        3: { term: 4, vote: 1, commit: 1, log: [1, 2] },
        4: { term: 4, vote: 1, commit: 1, log: [1] },
        5: { term: 3, commit: 1, log: [1, 3] },
      },
    },
    actions: [],
  }),
  // Every peer snapshots after 3 applied entries. S3 is down while S1 takes six writes,
  // so S1 and S2 compact their logs up to 6; when S3 restarts, the entries it lacks are
  // gone from the leader's log and only an InstallSnapshot can bring it up to date. The
  // network slows down just before, so the snapshot can be seen on its way.
  compacted: (seed) => ({
    v: 1,
    seed,
    options: { snapshot_entries: 3 },
    actions: [
      { at: 0, type: 'timeout', peer: 1 },
      { at: 600, type: 'crash', peer: 3 },
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((k, i) => ({ at: 900 + 100 * i, type: 'client', peer: 1, cmd: `SET ${k} ${i + 1}` })),
      { at: 2400, type: 'network', latency: [20, 30] },
      { at: 2500, type: 'restart', peer: 3 },
      { at: 3200, type: 'client', peer: 1, cmd: 'SET g 7' },
    ],
  }),
  clients: (seed, size = DEFAULT_SIZE) => ({ v: 1, seed, options: sized(size, { clients: 2 }), actions: [] }),
};
