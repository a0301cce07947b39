// The scenarios the page offers. A scenario is the simulator's format:
// {"v":1,"seed":…,"options":{…},"start":{…},"actions":[…]}. The menu's list is here;
// the presets themselves are fetched when one is chosen (scenario-presets.js), so that
// a first visit downloads only the empty one.

/** The seed a fresh page starts with. */
export const DEFAULT_SEED = 1;

/** The cluster size a fresh page starts with, and the sizes the page offers. */
export const DEFAULT_SIZE = 3;
export const SIZES = [1, 2, 3, 4, 5, 6, 7];

/** sized gives a scenario of the default size no options, so it reads as before. */
export function sized(size, options = {}) {
  return size === DEFAULT_SIZE ? options : { ...options, peers: size };
}

/**
 * SCENARIOS are the presets of the scenario menu: those marked sized take the chosen
 * size, the others have one of their own (peers).
 */
export const SCENARIOS = [
  { id: 'fresh', label: 'Empty peers (choose how many)', sized: true },
  { id: 'grow', label: 'Grow from three servers to five (§6: learners, then C_old,new)', peers: 5 },
  { id: 'figure10', label: 'Figure 10: a direct switch elects two leaders in one term (unsafe)', peers: 5 },
  { id: 'conflict', label: 'A conflicting suffix to truncate (§5.3)', peers: 3 },
  { id: 'figure7', label: 'Figure 7: seven logs that disagree', peers: 7 },
  { id: 'figure8', label: 'Figure 8: why old terms are not committed by counting', peers: 5 },
  { id: 'compacted', label: 'A follower comes back after the leader compacted (§7)', peers: 3 },
  { id: 'clients', label: 'Busy: two simulated clients', sized: true },
];

/** scenarioById returns the preset with the given id (the first one if unknown). */
export function scenarioById(id) {
  return SCENARIOS.find((s) => s.id === id) || SCENARIOS[0];
}

/** fresh is the scenario of empty peers: size of them (no options for the default size). */
export function fresh(seed, size = DEFAULT_SIZE) {
  const options = sized(size);
  return Object.keys(options).length ? { v: 1, seed, options, actions: [] } : { v: 1, seed, actions: [] };
}

/** makeScenario resolves to the scenario of preset id for a seed and a size. */
export async function makeScenario(id, seed, size = DEFAULT_SIZE) {
  const preset = scenarioById(id);
  if (preset.id === 'fresh') return fresh(seed, size);
  const { PRESETS } = await import('./scenario-presets.js');
  return PRESETS[preset.id](seed, size);
}
