package engine_test

import (
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A follower refuses proposals and reads with a *NotLeaderError naming the leader it
// knows (clients redirect on it), matched by errors.Is(err, ErrNotLeader).
func TestNotLeaderErrorNamesTheLeader(t *testing.T) {
	n := newNetwork(t, nil)
	for _, err := range []error{n.peers[2].ReadIndex(8), proposeErr(n, 2)} {
		var notLeader *engine.NotLeaderError
		require.ErrorAs(t, err, &notLeader)
		assert.Equal(t, engine.None, notLeader.Leader)
		assert.EqualError(t, err, "not the leader; no leader is known")
	}
	electLeader(t, n, 1)
	for _, err := range []error{n.peers[2].ReadIndex(8), proposeErr(n, 2)} {
		var notLeader *engine.NotLeaderError
		require.ErrorAs(t, err, &notLeader)
		assert.Equal(t, uint64(1), notLeader.Leader)
		assert.ErrorIs(t, err, engine.ErrNotLeader)
	}
}

func proposeErr(n *network, id uint64) error {
	_, err := n.peers[id].Propose([]byte("SET x 1"), nil)
	return err
}
