// The client command box: a key-value command ("SET x 3", "GET x", "DEL x",
// "CAS x 3 4") submitted to the leader, or to a chosen peer to see it refused.

import { $, el } from './dom.js';

const COMMAND = /^\s*(SET\s+\S+\s+\S+|GET\s+\S+|DEL\s+\S+|CAS\s+\S+\s+\S+\s+\S+)\s*$/i;

/** parseCommand checks a command's shape and returns it upper-cased, or null. */
export function parseCommand(text) {
  const m = COMMAND.exec(text);
  if (!m) return null;
  const [verb, ...args] = m[1].trim().split(/\s+/);
  return [verb.toUpperCase(), ...args].join(' ');
}

/** createClientForm wires the form `form`; act(action) applies it; say(text) reports. */
export function createClientForm(form, { session, act, say }) {
  const input = $('#cmd', form);
  const target = $('#cmd-peer', form);
  let peers = 0;

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const cmd = parseCommand(input.value);
    if (!cmd) {
      say('A command looks like SET x 3, GET x, DEL x or CAS x 3 4.');
      input.focus();
      return;
    }
    let peer = Number(target.value);
    if (!peer) {
      peer = session.snap.leader;
      if (!peer) {
        const up = session.snap.peers.find((p) => p.state !== 'down');
        if (!up) {
          say('Every peer is down: nobody can take the command.');
          return;
        }
        peer = up.id;
        say(`No leader right now: the command goes to S${peer}, which will refuse it.`);
      }
    }
    act({ type: 'client', peer, cmd });
    input.select();
  });

  return {
    update(snap) {
      if (snap.peers.length === peers) return;
      peers = snap.peers.length;
      const keep = target.value;
      target.replaceChildren(el('option', { value: '0' }, 'the leader'),
        ...snap.peers.map((p) => el('option', { value: String(p.id) }, `S${p.id}`)));
      target.value = Number(keep) <= peers ? keep : '0';
    },
    focus() { input.focus(); input.select(); },
  };
}
