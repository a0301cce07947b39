// The scenarios the page offers. A scenario is the simulator's format:
// {"v":1,"seed":…,"options":{…},"start":{…},"actions":[…]}.

/** The seed a fresh page starts with. */
export const DEFAULT_SEED = 1;

/** The cluster size a fresh page starts with, and the sizes the page offers. */
export const DEFAULT_SIZE = 3;
export const SIZES = [1, 2, 3, 4, 5, 6, 7];

/** sized gives a scenario of the default size no options, so it reads as before. */
function sized(size, options = {}) {
  return size === DEFAULT_SIZE ? options : { ...options, peers: size };
}

/**
 * SCENARIOS are the presets of the scenario menu, each a function of the seed (and of
 * the chosen size, for those marked sized; the others have a size of their own, peers).
 */
export const SCENARIOS = [
  {
    id: 'fresh',
    label: 'Empty peers (choose how many)',
    sized: true,
    make: (seed, size = DEFAULT_SIZE) => {
      const options = sized(size);
      return Object.keys(options).length ? { v: 1, seed, options, actions: [] } : { v: 1, seed, actions: [] };
    },
  },
  {
    id: 'grow',
    label: 'Grow from three servers to five (§6: learners, then C_old,new)',
    peers: 5,
    // S4 and S5 are spare servers: each joins empty as a learner, catches up, and is
    // promoted through the joint configuration C_old,new, then C_new.
    make: (seed) => ({
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
  },
  {
    id: 'figure10',
    label: 'Figure 10: a direct switch elects two leaders in one term (unsafe)',
    peers: 5,
    // The paper's Figure 10, with joint consensus switched off: leader S3 adds learners
    // S4 and S5, is cut off with them, and switches from C_old = {S1, S2, S3} to
    // C_new = {S1…S5} directly; it crashes and restarts. S1 and S2 still decide by
    // C_old, S3, S4 and S5 by C_new: each side elects a leader, in the same term for
    // most seeds (seed 1 does), and the safety panel shows Election Safety broken.
    make: (seed) => ({
      v: 1,
      seed,
      options: { peers: 5, voters: 3, unsafe: { direct_config_change: true } },
      actions: [
        { at: 1, type: 'timeout', peer: 3 },
        { at: 100, type: 'add-learner', peer: 4 },
        { at: 200, type: 'add-learner', peer: 5 },
        { at: 400, type: 'partition', groups: [[3, 4, 5], [1, 2]] },
        { at: 401, type: 'reconfigure', voters: [1, 2, 3, 4, 5] },
        { at: 450, type: 'crash', peer: 3 },
        { at: 460, type: 'restart', peer: 3 },
      ],
    }),
  },
  {
    id: 'conflict',
    label: 'A conflicting suffix to truncate (§5.3)',
    peers: 3,
    // S3 led term 2 and wrote entries 3 and 4 that never committed; S1 then led term 3
    // with S2's vote and wrote its own entry 3. When S1 wins term 4, S3 must drop 3..4.
    make: (seed) => ({
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
  },
  {
    id: 'figure7',
    label: 'Figure 7: seven logs that disagree',
    peers: 7,
    make: (seed) => ({
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
  },
  {
    id: 'figure8',
    label: 'Figure 8: why old terms are not committed by counting',
    peers: 5,
    make: (seed) => ({
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
  },
  {
    id: 'compacted',
    label: 'A follower comes back after the leader compacted (§7)',
    peers: 3,
    // Every peer snapshots after 3 applied entries. S3 is down while S1 takes six writes,
    // so S1 and S2 compact their logs up to 6; when S3 restarts, the entries it lacks are
    // gone from the leader's log and only an InstallSnapshot can bring it up to date. The
    // network slows down just before, so the snapshot can be seen on its way.
    make: (seed) => ({
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
  },
  {
    id: 'clients',
    label: 'Busy: two simulated clients',
    sized: true,
    make: (seed, size = DEFAULT_SIZE) => ({ v: 1, seed, options: sized(size, { clients: 2 }), actions: [] }),
  },
];

/** scenarioById returns the preset with the given id (the first one if unknown). */
export function scenarioById(id) {
  return SCENARIOS.find((s) => s.id === id) || SCENARIOS[0];
}
