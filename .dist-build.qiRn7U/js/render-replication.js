// The leader's view of its followers (its ReplicationState per follower): match index,
// next index, probe or replicate mode and messages in flight. In memory only on the
// leader, so the table is empty while there is no leader.

import { el, setText } from './dom.js';

/** createReplicationView fills the <tbody> `body` and the caption `caption`. */
export function createReplicationView(caption, body) {
  let shown = '';
  return {
    update(snap) {
      const lead = snap.leader ? snap.peers[snap.leader - 1] : null;
      const reps = lead ? lead.replication || [] : [];
      const key = lead ? `${lead.id}|${JSON.stringify(reps)}` : '';
      if (key === shown) return;
      shown = key;
      setText(caption, lead ? `Leader S${lead.id}'s view of its followers (term ${lead.term})` : 'No leader: nobody tracks followers');
      body.replaceChildren(...reps.filter((r) => r.peer !== lead.id).map((r) => el('tr', {},
        el('th', { scope: 'row' }, `S${r.peer}`),
        el('td', {}, String(r.match_index)),
        el('td', {}, String(r.next_index)),
        el('td', {}, r.mode),
        el('td', {}, r.active ? 'yes' : 'no'),
      )));
    },
  };
}
