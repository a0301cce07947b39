package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestElectionAndReplication(t *testing.T) {
	n := newNetwork(t, nil)
	n.campaign(1)
	n.deliver()
	require.Equal(t, engine.StateLeader, n.status(1).State)
	n.propose(1, "a")
	n.propose(1, "b")
	n.deliver()
	n.tick(1, 1)
	n.deliver()
	for _, id := range voters {
		assert.Equal(t, uint64(3), n.status(id).CommitIndex, "peer %d", id)
		assert.Len(t, n.applied[id], 3, "peer %d", id)
	}
	t.Log(n.log.String())
}
