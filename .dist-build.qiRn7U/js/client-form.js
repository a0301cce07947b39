// The client command box: a key-value command ("SET x 3", "GET x", "DEL x",
// "CAS x 3 4") submitted to the leader, or to a chosen peer to see it refused;
// optionally as request S of client C, a session (§8 of the Raft paper): the state
// machine applies a write of one client and request number once, however often sent.

import { $, el } from './dom.js';

const COMMAND = /^\s*(SET\s+\S+\s+\S+|GET\s+\S+|DEL\s+\S+|CAS\s+\S+\s+\S+\s+\S+)\s*$/i;

/** parseCommand checks a command's shape and returns it upper-cased, or null. */
export function parseCommand(text) {
  const m = COMMAND.exec(text);
  if (!m) return null;
  const [verb, ...args] = m[1].trim().split(/\s+/);
  return [verb.toUpperCase(), ...args].join(' ');
}

/**
 * parseSession reads the session fields: {} when both are empty, {client, seq} when
 * both hold a whole number from 1, or {error} saying what is wrong. clients is how many
 * simulated clients the scenario runs: their ids are taken.
 */
export function parseSession(clientText, seqText, cmd, clients = 0) {
  const c = clientText.trim();
  const s = seqText.trim();
  if (!c && !s) return {};
  if (!c || !s) return { error: 'A session needs both a client id and a request number (or neither).' };
  if (!/^\d+$/.test(c) || !/^\d+$/.test(s) || Number(c) < 1 || Number(s) < 1) {
    return { error: 'The client id and the request number are whole numbers from 1.' };
  }
  if (Number(c) <= clients) return { error: `Clients 1 to ${clients} are the simulated ones: pick a client id above ${clients}.` };
  if (cmd.startsWith('GET ')) return { error: 'A session is for writes: a GET changes nothing that could apply twice. Empty the session fields.' };
  return { client: Number(c), seq: Number(s) };
}

/** createClientForm wires the form `form`; act(action) applies it; say(text) reports. */
export function createClientForm(form, { session, act, say }) {
  const input = $('#cmd', form);
  const target = $('#cmd-peer', form);
  const clientField = $('#cmd-client', form);
  const seqField = $('#cmd-seq', form);
  let peers = 0;

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const cmd = parseCommand(input.value);
    if (!cmd) {
      say('A command looks like SET x 3, GET x, DEL x or CAS x 3 4.');
      input.focus();
      return;
    }
    const sess = parseSession(clientField.value, seqField.value, cmd, session.scenario().options?.clients);
    if (sess.error) {
      say(sess.error);
      clientField.focus();
      return;
    }
    let peer = Number(target.value);
    if (!peer) {
      peer = session.snap.leader;
      if (!peer) {
        const up = session.snap.peers.find((p) => p.role !== 'down');
        if (!up) {
          say('Every peer is down: nobody can take the command.');
          return;
        }
        peer = up.id;
        say(`No leader right now: the command goes to S${peer}, which will refuse it.`);
      }
    }
    act({ type: 'client', peer, cmd, ...sess });
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
