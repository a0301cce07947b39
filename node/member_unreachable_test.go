package node

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeAddr is a loopback HOST:PORT where nothing listens (it was free a moment ago).
func freeAddr(t *testing.T) string {
	ln := listenLoopback(t)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// Adding a server where nothing answers is refused before anything is proposed: the
// error names the address and what failed, and the configuration stays as it was.
// With "force" (a server not started yet) the learner is added all the same.
func TestAddMemberUnreachableIsRefused(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()
	before := c.nodes[lead].Status().LastIndex
	raft, httpAddr := freeAddr(t), freeAddr(t)
	body := fmt.Sprintf(`{"id": 4, "raft_addr": %q, "http_url": %q}`, raft, httpAddr)
	start := time.Now()
	resp, b := c.do(c.noFollow, http.MethodPost, c.url(lead, "/members"), body, nil)
	assert.Less(t, time.Since(start), 2*memberProbeTimeout+time.Second, "the check is bounded")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, b)
	e := decodeJSON[ErrorBody](t, b)
	assert.Equal(t, CodeMemberUnreachable, e.Code)
	assert.Contains(t, e.Error, raft, "the error names the Raft address")
	assert.Contains(t, e.Error, "force", "the error names the escape")
	resp, b = c.do(c.client, http.MethodGet, c.url(lead, "/members"), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	m := decodeJSON[Members](t, b)
	assert.Equal(t, []uint64{1, 2, 3}, m.Voters)
	assert.Empty(t, m.Learners, "nothing was added")
	assert.Equal(t, before, c.nodes[lead].Status().LastIndex, "nothing was proposed")

	// A listener that is not a raftplay node of this cluster (its HTTP API answers
	// for another id) is refused too.
	c.startJoiner(5)
	body = fmt.Sprintf(`{"id": 4, "raft_addr": %q, "http_url": %q}`, c.raft[5], c.http[5])
	resp, b = c.do(c.noFollow, http.MethodPost, c.url(lead, "/members"), body, nil)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, b)
	e = decodeJSON[ErrorBody](t, b)
	assert.Equal(t, CodeMemberUnreachable, e.Code)
	assert.Contains(t, e.Error, "server 5", "the error says who answers there")

	// force: adding a server that is not started yet is allowed on purpose.
	body = fmt.Sprintf(`{"id": 4, "raft_addr": %q, "http_url": %q, "force": true}`, raft, httpAddr)
	resp, b = c.do(c.noFollow, http.MethodPost, c.url(lead, "/members"), body, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, b)
	assert.Contains(t, decodeJSON[Members](t, b).Learners, uint64(4))
}
