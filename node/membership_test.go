package node

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// startJoiner starts node id with an empty store and Peers naming itself alone, as
// `raftplay node --join` does; it is stopped with the cluster.
func (c *testCluster) startJoiner(id uint64) {
	c.t.Helper()
	raftLn, httpLn := listenLoopback(c.t), listenLoopback(c.t)
	c.raft[id], c.http[id] = raftLn.Addr().String(), httpLn.Addr().String()
	c.stores[id] = memstore.New(engine.ConfState{})
	c.ids = append(c.ids, id)
	c.runJoiner(id, raftLn, httpLn)
}

// restartJoiner starts the halted joiner id again on its store and addresses.
func (c *testCluster) restartJoiner(id uint64) {
	c.t.Helper()
	raftLn, err := net.Listen("tcp", c.raft[id])
	require.NoError(c.t, err)
	httpLn, err := net.Listen("tcp", c.http[id])
	require.NoError(c.t, err)
	c.runJoiner(id, raftLn, httpLn)
}

func (c *testCluster) runJoiner(id uint64, raftLn, httpLn net.Listener) {
	cfg := c.config(id, raftLn, httpLn)
	cfg.Peers = map[uint64]string{id: c.raft[id]}
	cfg.PeerHTTP = map[uint64]string{id: c.http[id]}
	n, err := New(cfg)
	require.NoError(c.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	c.nodes[id], c.stop[id], c.done[id] = n, cancel, done
}

// addMember posts a member request to node at and returns the answer.
func (c *testCluster) addMember(client *http.Client, at, id uint64) (*http.Response, string) {
	c.t.Helper()
	body := fmt.Sprintf(`{"id": %d, "raft_addr": %q, "http_url": %q}`, id, c.raft[id], c.http[id])
	return c.do(client, http.MethodPost, c.url(at, "/members"), body, nil)
}

// waitVoters waits until every running node uses a configuration with exactly voters,
// not joint.
func (c *testCluster) waitVoters(voters ...uint64) {
	c.t.Helper()
	require.Eventually(c.t, func() bool {
		for _, n := range c.nodes {
			st := n.Status()
			if !st.Removed && (!slices.Equal(st.Voters, voters) || len(st.Outgoing) > 0) {
				return false
			}
		}
		return true
	}, 15*time.Second, 10*time.Millisecond, "the running nodes do not all use voters %v", voters)
}

// put writes through node at (which redirects to the leader).
func (c *testCluster) put(at uint64, key, value string) uint64 {
	c.t.Helper()
	resp, body := c.do(c.client, http.MethodPut, c.url(at, "/kv/"+key), value, nil)
	require.Equal(c.t, http.StatusOK, resp.StatusCode, body)
	return decodeJSON[WriteResult](c.t, body).Index
}

// A server started empty is added through a follower (which redirects the POST to
// the leader), catches up as a learner, and is promoted by the leader; it learns every
// member's addresses from the configuration, so it connects to all of them and
// redirects clients to the leader.
func TestAddMemberCatchesUpAndIsPromoted(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, follower := c.leader(), c.follower()
	for i := range 10 {
		c.put(lead, fmt.Sprintf("k%d", i), "v")
	}
	c.startJoiner(4)
	st4 := c.nodes[4].Status()
	assert.Empty(t, st4.Voters, "a joining node knows no configuration")
	assert.Empty(t, st4.Learners)

	resp, body := c.addMember(c.client, follower, 4)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	m := decodeJSON[Members](t, body)
	assert.NotZero(t, m.Index, "the entry the change was proposed at")
	assert.True(t, m.Committed)
	assert.Contains(t, append(m.Learners, m.Voters...), uint64(4))

	c.waitVoters(1, 2, 3, 4)
	index := c.put(lead, "after", "4")
	c.waitApplied(index)
	n4 := c.nodes[4]
	st4 = n4.Status()
	require.Len(t, st4.Peers, 4)
	for _, p := range st4.Peers {
		assert.Equal(t, c.raft[p.ID], p.RaftAddr, "node 4 learned peer %d's Raft address", p.ID)
		assert.Equal(t, "http://"+c.http[p.ID], p.HTTPURL, "node 4 learned peer %d's HTTP address", p.ID)
	}
	require.Eventually(t, func() bool {
		for _, p := range n4.Status().Peers {
			if !p.Connected {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "node 4 connects to every member")
	lead = c.leader()
	if lead != 4 {
		resp, _ := c.do(c.noFollow, http.MethodPut, c.url(4, "/kv/x"), "y", nil)
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		assert.Equal(t, "http://"+c.http[lead]+"/kv/x", resp.Header.Get("Location"))
	}
	resp, body = c.do(c.client, http.MethodGet, c.url(4, "/members"), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	m = decodeJSON[Members](t, body)
	assert.Equal(t, uint64(4), m.Node)
	assert.Equal(t, []uint64{1, 2, 3, 4}, m.Voters)
	assert.Equal(t, []uint64{}, m.Learners)
	require.Len(t, m.Members, 4)
	assert.Equal(t, MemberInfo{ID: 4, Role: "voter", RaftAddr: c.raft[4], HTTPURL: "http://" + c.http[4]}, m.Members[3])
	// Adding it again with the same addresses changes nothing, so a retry is safe.
	resp, body = c.addMember(c.client, lead, 4)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Zero(t, decodeJSON[Members](t, body).Index)
}

// The errors of the membership endpoints, each with its code.
func TestMembersErrors(t *testing.T) {
	// A long election timeout (0.5 to 1 s) keeps the leader cut off from its followers
	// below (check-quorum) for the last requests.
	c := newTestCluster(t, func(cfg *Config) { cfg.RequestTimeout, cfg.ElectionTicks = time.Second, 50 })
	lead := c.leader()
	post := func(at uint64, body string) (*http.Response, ErrorBody) {
		resp, b := c.do(c.noFollow, http.MethodPost, c.url(at, "/members"), body, nil)
		return resp, decodeJSON[ErrorBody](t, b)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"id": 4, "raft_addr": "127.0.0.1:7004"`, "is not"},
		{`{"id": 4, "raft_addr": "127.0.0.1:7004", "http_url": "127.0.0.1:8004", "extra": 1}`, "unknown field"},
		{`{"id": 0, "raft_addr": "127.0.0.1:7004", "http_url": "127.0.0.1:8004"}`, "nonzero"},
		{`{"id": 4, "raft_addr": "127.0.0.1", "http_url": "127.0.0.1:8004"}`, "not HOST:PORT"},
		{`{"id": 4, "raft_addr": "127.0.0.1:7004", "http_url": ""}`, "HTTP address"},
	} {
		resp, e := post(lead, tc.body)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.body)
		assert.Equal(t, CodeBadRequest, e.Code, tc.body)
		assert.Contains(t, e.Error, tc.want, tc.body)
	}
	follower := c.follower()
	resp, e := post(follower, `{"id": 4, "raft_addr": "127.0.0.1:7004", "http_url": "127.0.0.1:8004"}`)
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Equal(t, CodeNotLeader, e.Code)
	assert.Equal(t, "http://"+c.http[lead]+"/members", resp.Header.Get("Location"))

	resp, e = post(lead, fmt.Sprintf(`{"id": 2, "raft_addr": "127.0.0.1:1", "http_url": %q}`, c.http[2]))
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, CodeMemberExists, e.Code)

	resp, b := c.do(c.noFollow, http.MethodDelete, c.url(lead, "/members/9"), "", nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, CodeUnknownMember, decodeJSON[ErrorBody](t, b).Code)
	resp, b = c.do(c.noFollow, http.MethodDelete, c.url(lead, "/members/x"), "", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Equal(t, CodeBadRequest, decodeJSON[ErrorBody](t, b).Code)
	resp, b = c.do(c.noFollow, http.MethodPut, c.url(lead, "/members"), "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, CodeMethodNotAllowed, decodeJSON[ErrorBody](t, b).Code)

	// Cut off from both followers, the leader cannot commit a change: the next one
	// is refused while it is pending, and the first gives up with its outcome unknown
	// (the leader steps down within about an election timeout: check-quorum).
	for _, id := range c.ids {
		if id != lead {
			c.do(c.client, http.MethodPost, c.url(lead, fmt.Sprintf("/admin/links/%d/cut", id)), "", nil)
		}
	}
	last := c.nodes[lead].Status().LastIndex
	first := make(chan *http.Response, 1)
	go func() {
		// force: no server 4 runs, and the leader's check would refuse it first.
		resp, _ := c.do(c.noFollow, http.MethodPost, c.url(lead, "/members"), `{"id": 4, "raft_addr": "127.0.0.1:7004", "http_url": "127.0.0.1:8004", "force": true}`, nil)
		first <- resp
	}()
	require.Eventually(t, func() bool { return c.nodes[lead].Status().LastIndex > last }, 5*time.Second, time.Millisecond,
		"the leader appends the configuration entry")
	resp, e = post(lead, `{"id": 5, "raft_addr": "127.0.0.1:7005", "http_url": "127.0.0.1:8005", "force": true}`)
	assert.Equal(t, http.StatusConflict, resp.StatusCode)
	assert.Equal(t, CodeConfChangeInProgress, e.Code)
	assert.Contains(t, e.Error, "not committed")
	resp = <-first
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "a change that cannot be committed is not acknowledged")
}

// A removed follower learns of its removal, says so, gets no more traffic, and stops
// cleanly; removing the leader hands the cluster to the voters that remain (§6).
func TestRemoveMembers(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, victim := c.leader(), c.follower()
	c.startJoiner(4)
	resp, body := c.addMember(c.client, lead, 4)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	c.waitVoters(1, 2, 3, 4)
	lead = c.leader()
	if victim == lead {
		victim = 4
	}
	resp, body = c.do(c.client, http.MethodDelete, c.url(lead, fmt.Sprintf("/members/%d", victim)), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var rest []uint64
	for _, id := range []uint64{1, 2, 3, 4} {
		if id != victim {
			rest = append(rest, id)
		}
	}
	c.waitVoters(rest...)
	removed := c.nodes[victim]
	require.Eventually(t, func() bool { return removed.Status().Removed }, 5*time.Second, 10*time.Millisecond,
		"node %d learns it was removed", victim)
	before := removed.TransportStats().FramesReceived
	index := c.put(lead, "after-removal", "v")
	for _, id := range rest {
		require.Eventually(t, func() bool { return c.nodes[id].Status().LastApplied >= index }, 5*time.Second, 10*time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // heartbeats every 20 ms
	assert.Equal(t, before, removed.TransportStats().FramesReceived, "the removed node still receives Raft messages")
	assert.Less(t, removed.Status().LastApplied, index)
	c.halt(victim)

	// Now the leader removes itself: it commits C_new, steps down, and one of the
	// others leads.
	resp, body = c.do(c.client, http.MethodDelete, c.url(lead, fmt.Sprintf("/members/%d", lead)), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var last []uint64
	for _, id := range rest {
		if id != lead {
			last = append(last, id)
		}
	}
	c.waitVoters(last...)
	require.Eventually(t, func() bool {
		st := c.nodes[lead].Status()
		return st.Removed && st.Role != "leader"
	}, 5*time.Second, 10*time.Millisecond, "the removed leader steps down")
	c.halt(lead)
	newLead := c.leader()
	assert.Contains(t, last, newLead)
	resp, body = c.do(c.client, http.MethodPut, c.url(newLead, "/kv/k"), "v", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.True(t, strings.Contains(body, `"index"`))
}

// A server added after the leader compacted its log catches up by InstallSnapshot
// (§7). The snapshot's configuration predates the add, so it carries no addresses: the
// new server answers the leader at the address the leader's handshake declared until
// the configuration entries that follow give it everyone's.
func TestAddMemberCatchesUpBySnapshot(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.SnapshotEntries = 20 })
	lead := c.leader()
	var index uint64
	for i := range 60 {
		index = c.put(lead, fmt.Sprintf("k%d", i%7), fmt.Sprint(i))
	}
	c.waitApplied(index)
	require.Eventually(t, func() bool { return c.nodes[lead].Status().SnapshotIndex > 1 }, 5*time.Second, 10*time.Millisecond,
		"the leader compacts its log")
	c.startJoiner(4)
	resp, body := c.addMember(c.client, lead, 4)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	c.waitVoters(1, 2, 3, 4)
	st := c.nodes[4].Status()
	assert.NotZero(t, st.SnapshotIndex, "node 4 installed the leader's snapshot")
	index = c.put(lead, "k0", "last")
	require.Eventually(t, func() bool { return c.nodes[4].Status().LastApplied >= index }, 5*time.Second, 10*time.Millisecond)
	for _, p := range c.nodes[4].Status().Peers {
		assert.Equal(t, c.raft[p.ID], p.RaftAddr, "node 4 learned peer %d's address", p.ID)
	}

	// Restarted, it finds the configuration in its store (the snapshot's, which
	// predates it, and the entries after it) and goes on as a voter.
	c.halt(4)
	index = c.put(lead, "k1", "while 4 was down")
	c.restartJoiner(4)
	require.Eventually(t, func() bool { return c.nodes[4].Status().LastApplied >= index }, 5*time.Second, 10*time.Millisecond,
		"the restarted node catches up")
	assert.Equal(t, []uint64{1, 2, 3, 4}, c.nodes[4].Status().Voters)
	assert.False(t, c.nodes[4].Status().Removed)
}

// With a cluster token the membership endpoints need it, like every other endpoint.
func TestMembersNeedTheToken(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.Token = "s3cret" })
	lead := c.leader()
	for _, req := range []struct{ method, path, body string }{
		{http.MethodGet, "/members", ""},
		{http.MethodPost, "/members", `{"id": 4, "raft_addr": "127.0.0.1:7004", "http_url": "127.0.0.1:8004"}`},
		{http.MethodDelete, "/members/2", ""},
	} {
		resp, body := c.do(c.noFollow, req.method, c.url(lead, req.path), req.body, nil)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s", req.method, req.path)
		assert.Equal(t, CodeUnauthorized, decodeJSON[ErrorBody](t, body).Code)
	}
	resp, body := c.do(c.noFollow, http.MethodGet, c.url(lead, "/members"), "", map[string]string{"Authorization": "Bearer s3cret"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, []uint64{1, 2, 3}, decodeJSON[Members](t, body).Voters)
}
