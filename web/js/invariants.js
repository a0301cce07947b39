// The invariant panel: each safety property the simulator checks after every event,
// live, with its state in words and a symbol (never colour alone), and the first
// violation's description when one breaks.

import { el, setAttr, setText } from './dom.js';

/** PROPERTIES are the checked properties, by the sim.Inv* names. */
export const PROPERTIES = [
  ['election-safety', 'Election Safety', 'at most one leader per term'],
  ['leader-append-only', 'Leader Append-Only', 'a leader never overwrites or deletes its entries'],
  ['log-matching', 'Log Matching', 'same index and term ⇒ identical logs up to there'],
  ['leader-completeness', 'Leader Completeness', 'a new leader holds every committed entry'],
  ['state-machine-safety', 'State Machine Safety', 'no two peers apply different commands at one index'],
  ['monotonic', 'Monotonic', 'term and commit index never go back, even across restarts'],
  ['index-order', 'Index order', 'last applied ≤ commit index ≤ last log index'],
  ['acked-durable', 'Acknowledged writes durable', 'a write acknowledged to a client stays committed'],
  ['liveness', 'Liveness', 'after faults heal, a leader is elected and commits'],
  ['stale-read', 'Fresh reads', 'a read reflects every entry committed before it arrived'],
  ['single-conf-change', 'One change at a time', 'at most one configuration change is in progress (§6)'],
  ['joint-quorum', 'Joint majorities', 'while joint, a decision needs a majority of C_old and of C_new (§6)'],
];

/** createInvariantsView fills the list `list`. */
export function createInvariantsView(list) {
  const rows = new Map();
  function row(id, name, what) {
    const status = el('span', { class: 'inv-status' });
    const detail = el('span', { class: 'inv-detail' }, what);
    const node = el('li', { class: 'inv', 'data-invariant': id }, status, el('span', { class: 'inv-name' }, name), detail);
    list.append(node);
    const r = { node, status, detail, what, key: '' };
    rows.set(id, r);
    return r;
  }
  for (const [id, name, what] of PROPERTIES) row(id, name, what);

  return {
    update(snap) {
      const broken = new Map();
      for (const v of snap.violations || []) {
        if (!broken.has(v.invariant)) broken.set(v.invariant, []);
        broken.get(v.invariant).push(v);
      }
      for (const [id] of broken) {
        if (!rows.has(id)) row(id, id, 'a check of the simulator');
      }
      for (const [id, r] of rows) {
        const vs = broken.get(id) || [];
        const key = `${vs.length}`;
        if (r.key === key) continue;
        r.key = key;
        setAttr(r.node, 'data-ok', vs.length ? 'false' : 'true');
        setText(r.status, vs.length ? `✗ broken ×${vs.length}` : '✓ holds');
        setText(r.detail, vs.length ? `at ${vs[0].time} ms: ${vs[0].description}` : r.what);
      }
    },
  };
}
