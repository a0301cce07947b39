package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
)

// TestMembershipChanges grows a running cluster and replaces its leader with real
// processes and the real command line, under concurrent writers (§6): three nodes;
// a fourth and a fifth started empty with --join and added with `raftplay member add`
// (learner, caught up, promoted); then `raftplay member remove` of the leader. Then
// the history is checked with porcupine, every acknowledged write is looked for in
// the logs of the four nodes that remain, and the removed node must get no more
// traffic, say it was removed, and stop cleanly.
func TestMembershipChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real node processes for about 15 s")
	}
	c := startCluster(t, "--snapshot-entries", "0", "--snapshot-bytes", "0")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := c.WaitLeader(ctx)
	require.NoError(t, err, "the cluster elected no leader")
	n4, err := c.AddJoiner()
	require.NoError(t, err)
	n5, err := c.AddJoiner()
	require.NoError(t, err)
	t.Cleanup(func() {
		c.Close()
		if t.Failed() {
			for _, n := range []*Node{n4, n5} {
				t.Logf("see %s", n.LogFile)
			}
		}
	})
	addrOf := func(ids ...uint64) string {
		var urls []string
		for _, id := range ids {
			urls = append(urls, c.Node(id).URL())
		}
		return strings.Join(urls, ",")
	}

	start := time.Now()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	clients := make([]*e2eClient, 6)
	var wg sync.WaitGroup
	for i := range clients {
		// Every client knows all five nodes: those not started yet refuse the
		// connection, a node that knows no leader answers 503, and either is a
		// request that did not happen.
		clients[i], err = newE2EClient(uint64(i+1), c.URLs(), start)
		require.NoError(t, err)
		wg.Go(func() { clients[i].run(loadCtx) })
	}
	elapsed := func() time.Duration { return time.Since(start).Round(time.Millisecond) }
	member := func(args ...string) string {
		out, err := exec.CommandContext(ctx, raftplayBinary(t), append([]string{"member"}, args...)...).CombinedOutput()
		require.NoError(t, err, "raftplay member %v:\n%s", args, out)
		t.Logf("%v: raftplay member %s:\n%s", elapsed(), strings.Join(args, " "), out)
		return string(out)
	}

	time.Sleep(time.Second)
	for _, n := range []*Node{n4, n5} {
		require.NoError(t, c.Start(n.ID))
		// member add checks the new server first (its Raft address takes a connection
		// and its /status says who it is): wait until it listens, as a user would.
		require.Eventually(t, func() bool {
			_, err := c.Status(ctx, n.ID)
			return err == nil
		}, 30*time.Second, 20*time.Millisecond, "node %d does not answer after its start", n.ID)
		out := member("add", fmt.Sprint(n.ID), "--raft", n.RaftAddr, "--http-addr", n.HTTPAddr,
			"--addr", addrOf(1, 2, 3), "--timeout", "30s")
		assert.Contains(t, out, fmt.Sprintf("server %d is a learner", n.ID))
		assert.Contains(t, out, fmt.Sprintf("server %d is a voter", n.ID))
		time.Sleep(time.Second)
	}
	lead := leaderAmong(ctx, t, c, 1, 2, 3, 4, 5)
	out := member("remove", fmt.Sprint(lead), "--addr", addrOf(1, 2, 3, 4, 5), "--timeout", "30s")
	assert.Contains(t, out, fmt.Sprintf("server %d removed", lead))
	var rest []uint64
	for id := uint64(1); id <= 5; id++ {
		if id != lead {
			rest = append(rest, id)
		}
	}
	newLead := leaderAmong(ctx, t, c, rest...)
	t.Logf("%v: node %d leads the configuration without node %d", elapsed(), newLead, lead)

	// The removed node says so, and hears nothing more: its log and term stand still
	// while the others go on, and none of them lists it as a peer.
	var removed node.Status
	require.Eventually(t, func() bool {
		removed, err = c.Status(ctx, lead)
		return err == nil && removed.Removed && removed.Role != "leader"
	}, 10*time.Second, 50*time.Millisecond, "node %d does not say it was removed", lead)
	assert.NotContains(t, removed.Voters, lead)
	time.Sleep(2 * time.Second)
	later, err := c.Status(ctx, lead)
	require.NoError(t, err)
	assert.Equal(t, removed.LastIndex, later.LastIndex, "the removed node got entries")
	assert.Equal(t, removed.Term, later.Term, "the removed node's term moved")
	for _, p := range later.Peers {
		assert.False(t, p.ID != lead && p.Connected, "the removed node is connected to node %d", p.ID)
	}
	for _, id := range rest {
		st, err := c.Status(ctx, id)
		require.NoError(t, err)
		assert.Greater(t, st.LastIndex, later.LastIndex, "node %d's log went on", id)
		assert.Equal(t, rest, st.Voters, "node %d's voters", id)
		assert.False(t, slices.ContainsFunc(st.Peers, func(p node.PeerStatus) bool { return p.ID == lead }), "node %d still lists the removed node", id)
	}
	require.NoError(t, c.Stop(lead, 10*time.Second), "the removed node did not stop cleanly")

	time.Sleep(time.Second)
	stopLoad()
	wg.Wait()
	t.Logf("%v: load stopped", elapsed())

	acked := checkHistory(t, clients)
	checkMembersDurable(t, ctx, c, rest, acked)
}

// leaderAmong waits until one of the running nodes ids says it leads, in the highest
// term any of them is in, and returns it.
func leaderAmong(ctx context.Context, t *testing.T, c *Cluster, ids ...uint64) uint64 {
	t.Helper()
	for {
		var lead, leadTerm, maxTerm uint64
		for _, id := range ids {
			if !c.Running(id) {
				continue
			}
			st, err := c.Status(ctx, id)
			if err != nil {
				continue
			}
			maxTerm = max(maxTerm, st.Term)
			if st.Role == "leader" && st.Term >= leadTerm && !st.Removed {
				lead, leadTerm = id, st.Term
			}
		}
		if lead != 0 && leadTerm == maxTerm {
			return lead
		}
		select {
		case <-ctx.Done():
			require.FailNow(t, "no leader among the nodes", "%v: %v", ids, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkMembersDurable waits until the nodes ids have applied every acknowledged write,
// stops them, and looks for every acknowledged write in each one's log on disk.
func checkMembersDurable(t *testing.T, ctx context.Context, c *Cluster, ids []uint64, acked []ackedWrite) {
	t.Helper()
	maxIndex := lastAcked(acked)
	require.Eventually(t, func() bool {
		for _, id := range ids {
			st, err := c.Status(ctx, id)
			if err != nil || st.LastApplied < maxIndex {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "the members did not all apply index %d", maxIndex)
	require.NoError(t, c.StopAll(10*time.Second), "the nodes did not all stop cleanly")
	for _, id := range ids {
		entries, hs := readLog(t, c.Node(id).DataDir, 3)
		require.GreaterOrEqual(t, hs.Commit, maxIndex, "node %d's saved commit index", id)
		checkLogHolds(t, id, entries, acked)
	}
	t.Logf("all %d acknowledged writes are in the logs of nodes %v", len(acked), ids)
}
