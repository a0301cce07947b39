package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

func TestStatusTable(t *testing.T) {
	c := nodetest.Start(t, nil)
	lead := c.Leader()
	down := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	var out bytes.Buffer
	require.Eventually(t, func() bool {
		out.Reset()
		return runStatus(context.Background(), &out, statusFlags{addrs: c.URLs, timeout: 2 * time.Second}) == nil &&
			bytes.Contains(out.Bytes(), []byte("replicate"))
	}, 10*time.Second, 50*time.Millisecond, "the leader reports its followers' replication")
	text := out.String()
	assert.Regexp(t, fmt.Sprintf(`(?m)^%d\s+%s\s+leader\s+\d+\s+%d\s`, lead+1, c.URLs[lead], lead+1), text)
	assert.Regexp(t, `(?m)^\d\s+http://\S+\s+follower\s`, text)
	assert.Contains(t, text, fmt.Sprintf("leader %d's view of the members, voters=[1 2 3]", lead+1))
	assert.Regexp(t, `(?m)^\d\s+127\.0\.0\.1:\d+\s+http://\S+\s+yes\s+\d+\s+\d+\s+replicate$`, text)

	out.Reset()
	err := runStatus(context.Background(), &out, statusFlags{addrs: []string{c.URLs[0], down}, timeout: 2 * time.Second})
	require.Error(t, err)
	assert.Equal(t, 1, exitCodeOf(err))
	assert.Contains(t, err.Error(), "1 of 2 nodes did not answer")
	assert.Regexp(t, `(?m)^\?\s+`+down+`\s+DOWN`, out.String())
	assert.Contains(t, out.String(), "connection refused; is it running?")
}

func TestStatusJSON(t *testing.T) {
	c := nodetest.Start(t, nil)
	c.Leader()
	down := fmt.Sprintf("http://127.0.0.1:%d", freeLoopbackPort(t))
	var out bytes.Buffer
	err := runStatus(context.Background(), &out, statusFlags{addrs: append([]string{down}, c.URLs...), timeout: 2 * time.Second, json: true})
	require.Error(t, err)
	var results []nodeStatus
	require.NoError(t, json.Unmarshal(out.Bytes(), &results), out.String())
	require.Len(t, results, 4)
	assert.Equal(t, down, results[0].Addr)
	assert.Nil(t, results[0].Status)
	assert.Contains(t, results[0].Error, "connection refused")
	for i, r := range results[1:] {
		require.NotNil(t, r.Status, r.Error)
		assert.Equal(t, uint64(i+1), r.Status.ID)
		assert.Len(t, r.Status.Peers, 3)
	}
}

func TestStatusRejectsABadAddress(t *testing.T) {
	err := runStatus(context.Background(), &bytes.Buffer{}, statusFlags{addrs: []string{"ftp://x"}, timeout: time.Second})
	require.Error(t, err)
	assert.Equal(t, 2, exitCodeOf(err))
}

func TestStatusTableShowsRecovering(t *testing.T) {
	leader := &node.Status{ID: 1, Role: "leader", Term: 3, Leader: 1, Peers: []node.PeerStatus{
		{ID: 1, RaftAddr: "127.0.0.1:7001", Connected: true, MatchIndex: 9, NextIndex: 10, Mode: "replicate"},
		{ID: 2, RaftAddr: "127.0.0.1:7002", Connected: true, MatchIndex: 4, NextIndex: 5, Mode: "replicate", Recovering: true},
	}}
	follower := &node.Status{ID: 2, Role: "follower", Term: 3, Leader: 1, Recovering: true}
	var out bytes.Buffer
	require.NoError(t, printStatusTable(&out, []nodeStatus{{Addr: "http://a", Status: leader}, {Addr: "http://b", Status: follower}}))
	assert.Regexp(t, `(?m)^2\s+http://b\s+follower \(recovering: lost data, not voting\)\s`, out.String())
	assert.Regexp(t, `(?m)^2\s+127\.0\.0\.1:7002\s+-\s+yes\s+4\s+5\s+replicate, recovering$`, out.String())
}
