package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// linkShownWithin bounds how long a cut or a heal may take to show in the /status of
// the two nodes it joins.
const linkShownWithin = 3 * time.Second

// A link cut on one side only (what `raftplay link cut` does when the other node does
// not answer, and what the live page does for one node) shows as not connected in the
// /status of both nodes, stays so while it is cut, and shows as connected on both
// again once healed. The cut is tried from a follower toward the leader (the leader's
// own connection to the follower stays writable then) and from the leader toward a
// follower.
func TestLinkCutOnOneSideShowsOnBoth(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lead, err := c.WaitLeader(ctx)
	require.NoError(t, err)
	var followers []uint64
	for _, n := range c.Nodes {
		if n.ID != lead {
			followers = append(followers, n.ID)
		}
	}

	// connected reports what node from's /status says of its link to node to.
	connected := func(from, to uint64) bool {
		st, err := c.Status(ctx, from)
		require.NoError(t, err)
		for _, p := range st.Peers {
			if p.ID == to {
				return p.Connected
			}
		}
		require.FailNow(t, "peer missing from /status", "node %d does not list node %d: %+v", from, to, st.Peers)
		return false
	}
	// both waits until both nodes show their link as want.
	both := func(a, b uint64, want bool, what string) {
		t.Helper()
		require.Eventually(t, func() bool {
			return connected(a, b) == want && connected(b, a) == want
		}, linkShownWithin, 20*time.Millisecond, "%s: nodes %d and %d do not both show their link connected=%v", what, a, b, want)
	}
	link := func(on, peer uint64, cut bool) {
		t.Helper()
		res, err := c.Client().At(int(on-1)).Link(ctx, peer, cut)
		require.NoError(t, err)
		require.True(t, res.Changed, "node %d's link to %d: %+v", on, peer, res)
	}

	for _, side := range []struct{ on, peer uint64 }{
		{followers[0], lead}, // the follower cuts; the leader's connection to it stays writable
		{lead, followers[1]}, // the leader cuts
	} {
		what := fmt.Sprintf("cut on node %d toward node %d", side.on, side.peer)
		both(side.on, side.peer, true, "before the "+what)
		link(side.on, side.peer, true)
		both(side.on, side.peer, false, what)
		// It stays down while cut: no reconnection attempt shows it up for a moment.
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
			require.False(t, connected(side.peer, side.on), "%s: node %d shows the link up again", what, side.peer)
			require.False(t, connected(side.on, side.peer), "%s: node %d shows the link up again", what, side.on)
			time.Sleep(20 * time.Millisecond)
		}
		link(side.on, side.peer, false)
		both(side.on, side.peer, true, "heal of the "+what)
	}
}
