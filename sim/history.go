package sim

import (
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/kv"
)

// Outcome is how a client operation ended.
type Outcome string

// The outcomes of a client operation.
const (
	// OutcomeOK: the operation took effect once, at one point between Call and Return,
	// with the result recorded.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: the operation had no effect and returned nothing (every attempt was
	// refused, or a read never completed).
	OutcomeFailed Outcome = "failed"
	// OutcomeUnknown: a write whose client gave up, or that is still in progress: it may
	// or may not take effect, at any time after Call. Return is not meaningful.
	OutcomeUnknown Outcome = "unknown"
)

// ClientOp is one operation of the client history, in the shape a linearizability
// checker needs: who did what when, and what it saw. Times are virtual ms; operations
// whose Call and Return times touch must be treated as concurrent.
type ClientOp struct {
	// ClientID is the simulated client (1..clients), or 0 for a command or read from a
	// scenario action.
	ClientID uint64 `json:"client_id"`
	// Seq numbers the client's operations from 1 (retries keep it).
	Seq uint64 `json:"seq"`
	// Kind is the operation: kv.OpPut, kv.OpGet, kv.OpDelete or kv.OpCAS; Op spells it.
	Kind kv.Op  `json:"-"`
	Op   string `json:"op"`
	// Key, Value and Expected are the command's arguments.
	Key      string `json:"key"`
	Value    string `json:"value,omitempty"`
	Expected string `json:"expected,omitempty"`
	// Call is when the client issued the operation; Return when it got the answer (or
	// gave up).
	Call   int64 `json:"call"`
	Return int64 `json:"return"`
	// Outcome says whether the operation took effect.
	Outcome Outcome `json:"outcome"`
	// With OutcomeOK: OK is kv.Result.OK (a write succeeded, a CAS matched, a GET
	// found the key); Found and Result are whether the key existed and its value just
	// before the operation (for a GET: its value).
	OK     bool   `json:"ok"`
	Found  bool   `json:"found"`
	Result string `json:"result"`
	// Index is the log index a write was applied at, or the read index of a GET.
	Index uint64 `json:"index"`
	// Peer is the peer that answered, or the last one tried.
	Peer uint64 `json:"peer"`
	// Tries is the number of attempts.
	Tries int `json:"tries"`
}

// AckedWrite is a write the cluster acknowledged: its entry must stay committed at
// Index for the rest of the run.
type AckedWrite struct {
	Index    uint64 `json:"index"`
	Term     uint64 `json:"term"`
	Command  string `json:"command"` // text form
	ClientID uint64 `json:"client_id"`
	Time     int64  `json:"time"`
	cmd      []byte
}

// newOp appends an operation, in progress, to the history and returns its position.
func (c *Cluster) newOp(client uint64, seq uint64, cmd kv.Command, peer uint64) int {
	c.history = append(c.history, ClientOp{ClientID: client, Seq: seq, Kind: cmd.Op, Op: cmd.Op.String(),
		Key: cmd.Key, Value: cmd.Value, Expected: cmd.Expected, Call: c.now, Peer: peer})
	return len(c.history) - 1
}

// History returns every client operation so far. Writes still in progress are reported
// with OutcomeUnknown, reads still in progress with OutcomeFailed.
func (c *Cluster) History() []ClientOp {
	out := append([]ClientOp(nil), c.history...)
	for i := range out {
		if out[i].Outcome != "" {
			continue
		}
		out[i].Return = c.now
		out[i].Outcome = OutcomeUnknown
		if out[i].Kind == kv.OpGet {
			out[i].Outcome = OutcomeFailed
		}
	}
	return out
}

// AckedWrites returns the writes acknowledged so far.
func (c *Cluster) AckedWrites() []AckedWrite {
	out := append([]AckedWrite(nil), c.acked...)
	for i := range out {
		out[i].Command = commandText(out[i].cmd)
	}
	return out
}

// recordAck notes that the write in entry index (of term) was acknowledged.
func (c *Cluster) recordAck(client, index, term uint64, cmd []byte) {
	c.acked = append(c.acked, AckedWrite{Index: index, Term: term, ClientID: client, Time: c.now, cmd: cmd})
}

// entryText is the text form of an entry's command in the simulator's texts: a
// configuration entry's configuration (confText), else commandText.
func entryText(e *engine.Entry) string {
	if e.Type != engine.EntryConfChange {
		return commandText(e.Command)
	}
	cs, n, err := engine.DecodeConfState(e.Command)
	if err != nil || n != len(e.Command) {
		return "conf: undecodable configuration"
	}
	return confText(cs)
}

// confText names a configuration for a sentence: "conf: voters {1,2,4}, learners {5}",
// or for C_old,new the change it makes, "conf: voters {1,2,3} → {1,2,3,4} (joint)".
func confText(cs engine.ConfState) string {
	set := func(ids []uint64) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatUint(id, 10)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	text := "conf: voters " + set(cs.Voters)
	if cs.Joint() {
		text = "conf: voters " + set(cs.VotersOutgoing) + " → " + set(cs.Voters) + " (joint)"
	}
	if len(cs.Learners) > 0 {
		text += ", learners " + set(cs.Learners)
	}
	return text
}

// commandText is the text form of an entry's command, "no-op" for an empty one.
func commandText(cmd []byte) string {
	if len(cmd) == 0 {
		return "no-op"
	}
	c, err := kv.Decode(cmd)
	if err != nil {
		return "undecodable command"
	}
	return c.Text()
}
