// The scenarios the page offers. A scenario is the simulator's format:
// {"v":1,"seed":…,"options":{…},"start":{…},"actions":[…]}.

/** The seed a fresh page starts with. */
export const DEFAULT_SEED = 1;

/** SCENARIOS are the presets of the scenario menu, each a function of the seed. */
export const SCENARIOS = [
  {
    id: 'fresh',
    label: 'Three empty peers',
    make: (seed) => ({ v: 1, seed, actions: [] }),
  },
  {
    id: 'conflict',
    label: 'A conflicting suffix to truncate (§5.3)',
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
    make: (seed) => ({ v: 1, seed, options: { clients: 2 }, actions: [] }),
  },
];

/** scenarioById returns the preset with the given id (the first one if unknown). */
export function scenarioById(id) {
  return SCENARIOS.find((s) => s.id === id) || SCENARIOS[0];
}
