package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// A violation that involves a configuration entry names the configuration it holds,
// not "undecodable command" (the entry is no key-value command): C_old,new as the
// change it makes, C_new as its voters and learners.
func TestViolationTextsDecodeConfigurationEntries(t *testing.T) {
	joint := engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2, 3, 4}, VotersOutgoing: []uint64{1, 2, 3}})
	cnew := engine.AppendConfState(nil, engine.ConfState{Voters: []uint64{1, 2, 4}, Learners: []uint64{5}})
	conf := func(index, term uint64, cmd []byte) engine.Entry {
		return engine.Entry{Index: index, Term: term, Type: engine.EntryConfChange, Command: cmd}
	}

	c := newCluster(t, NewScenario(33))
	a, b := conf(1, 1, joint), conf(1, 1, cnew)
	c.registerEntry(1, 0, &a)
	c.registerEntry(2, 0, &b)
	vs := c.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, InvLogMatching, vs[0].Invariant)
	assert.Equal(t, "peer 2 stored entry 1@1 with command conf: voters {1,2,4}, learners {5}, but another log holds 1@1 with command conf: voters {1,2,3} → {1,2,3,4} (joint)",
		vs[0].Description)

	c = newCluster(t, NewScenario(33))
	e1, e2 := conf(1, 1, cnew), engine.Entry{Index: 1, Term: 2}
	c.checkApply(&c.peers[0], &e1)
	c.checkApply(&c.peers[1], &e2)
	vs = c.Violations()
	require.Len(t, vs, 1)
	assert.Equal(t, "peer 2 applied entry 1@2 (no-op), but another peer applied 1@1 (conf: voters {1,2,4}, learners {5})", vs[0].Description)

	// A configuration entry and a normal one with the same bytes are different entries.
	c = newCluster(t, NewScenario(33))
	n1 := engine.Entry{Index: 1, Term: 1, Command: cnew}
	c.registerEntry(1, 0, &n1)
	c.registerEntry(2, 0, &b)
	vs = c.Violations()
	require.Len(t, vs, 1)
	assert.Contains(t, vs[0].Description, "with command conf: voters {1,2,4}, learners {5}, but another log holds 1@1 with command undecodable command")

	bad := conf(1, 1, []byte{0xff})
	assert.Equal(t, "conf: undecodable configuration", entryText(&bad))
}
