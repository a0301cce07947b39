package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
)

// FuzzStep feeds arbitrary messages to a peer of a running cluster: Step may refuse them
// with an error but must never panic.
func FuzzStep(f *testing.F) {
	f.Add(uint8(engine.MsgApp), uint64(1), uint64(5), uint64(1), uint64(1), uint64(2), uint64(2), false, uint64(0))
	f.Add(uint8(engine.MsgAppResp), uint64(2), uint64(1), uint64(9), uint64(0), uint64(0), uint64(0), true, uint64(3))
	f.Add(uint8(engine.MsgVote), uint64(3), uint64(7), uint64(4), uint64(3), uint64(0), uint64(0), false, uint64(0))
	f.Add(uint8(engine.MsgHeartbeat), uint64(2), uint64(1), uint64(0), uint64(0), uint64(99), uint64(0), false, uint64(1))
	f.Add(uint8(engine.MsgSnap), uint64(1), uint64(1), uint64(3), uint64(1), uint64(0), uint64(0), false, uint64(0))
	f.Add(uint8(engine.MsgSnapResp), uint64(2), uint64(1), uint64(2), uint64(1), uint64(0), uint64(0), true, uint64(5))
	f.Fuzz(func(t *testing.T, typ uint8, from, term, index, logTerm, commit, entryTerm uint64, reject bool, hint uint64) {
		n := newNetwork(t, nil)
		electLeader(t, n, 1)
		n.propose(1, "SET x 1")
		n.deliver()
		for _, to := range voters {
			m := engine.Message{Type: engine.MessageType(typ), From: from, To: to, Term: term, Index: index,
				LogTerm: logTerm, Commit: commit, Reject: reject, RejectHint: hint}
			if entryTerm != 0 {
				m.Entries = []engine.Entry{{Index: index + 1, Term: entryTerm, Command: []byte("x")}}
			}
			_ = n.peers[to].Step(m)
			n.handle(to)
		}
		// What the peers answer may itself be unbelievable to the others: a follower
		// that accepted a forged entry "from the leader" claims an index the leader
		// never had. Such a message must be refused with an error, never a panic.
		for len(n.queue) > 0 {
			m := n.queue[0]
			n.queue = n.queue[1:]
			if p := n.peers[m.To]; p != nil {
				_ = p.Step(m)
				n.handle(m.To)
			}
		}
	})
}

func TestMaySendBeforePersist(t *testing.T) {
	early := map[engine.MessageType]bool{engine.MsgApp: true, engine.MsgHeartbeat: true, engine.MsgSnap: true}
	for typ := engine.MsgVote; typ <= engine.MsgSnapResp; typ++ {
		m := engine.Message{Type: typ}
		assert.Equal(t, early[typ], engine.MaySendBeforePersist(&m), "%s", typ)
	}
}
