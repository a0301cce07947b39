package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/nodetest"
)

func TestWatchViewPlainLinesAndFrame(t *testing.T) {
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v := newWatchView([]string{"http://n1", "http://n2"}, 2, false)
	v.now = func() time.Time { return clock }
	leader := &node.Status{ID: 1, Role: "leader", Term: 2, Leader: 1, CommitIndex: 7, LastIndex: 7, LastApplied: 7}
	steps := []struct {
		update watchUpdate
		lines  []string
	}{
		{watchUpdate{node: 0, status: leader}, []string{"03:04:05.000 node 1 leader term 2 leader 1 commit 7 last 7 applied 7"}},
		{watchUpdate{node: 0, status: &node.Status{ID: 1, Role: "leader", Term: 2, Leader: 1, CommitIndex: 9}}, nil},
		{watchUpdate{node: 1, down: errors.New("connection refused")}, []string{"03:04:05.000 http://n2 DOWN: connection refused (retrying every 1s)"}},
		{watchUpdate{node: 1, down: errors.New("connection refused")}, nil},
		{watchUpdate{node: 0, event: raftEvent(clock, "commit-advanced", 1, "")}, nil},
		{watchUpdate{node: 0, event: raftEvent(clock, "election-won", 1, "peer 1 won")}, []string{"03:04:05.000 node 1 event election-won: peer 1 won"}},
		{watchUpdate{node: 0, dropped: 3}, []string{"03:04:05.000 node 1 (http://n1) lost 3 events (watch fell behind)"}},
	}
	for i, s := range steps {
		assert.Equal(t, s.lines, v.apply(s.update), "step %d", i)
	}
	frame := v.frame()
	assert.True(t, strings.HasPrefix(frame, "\x1b[H"), "the frame starts at the top left")
	assert.True(t, strings.HasSuffix(frame, "\x1b[J"), "the frame clears what is left of the screen")
	plain := strings.ReplaceAll(strings.ReplaceAll(frame, "\x1b[K", ""), "\x1b[H", "")
	assert.Regexp(t, `(?m)^1\s+http://n1\s+LEADER\s+2\s+1\s+9\s+0\s+0$`, plain)
	assert.Regexp(t, `(?m)^\?\s+http://n2\s+DOWN\s+-\s+-\s+-\s+-\s+-$`, plain)
	assert.Contains(t, plain, "\nhttp://n2: connection refused\n")
	assert.NotContains(t, plain, "DOWN: connection refused", "the tail keeps only the last 2 events")
	assert.Contains(t, plain, "node 1  election-won       peer 1 won")
	assert.Contains(t, plain, "lost 3 events")
}

func TestWatchFollowsACluster(t *testing.T) {
	c := nodetest.Start(t, nil)
	lead := c.Leader()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, &out, watchFlags{addrs: c.URLs, tail: 5}, false) }()

	leaderLine := regexp.MustCompile(fmt.Sprintf(`(?m)^\S+ node %d leader term \d+ leader %d `, lead+1, lead+1))
	require.Eventually(t, func() bool {
		text := out.String()
		return leaderLine.MatchString(text) && strings.Count(text, fmt.Sprintf(" leader %d commit", lead+1)) >= 3
	}, 10*time.Second, 20*time.Millisecond, "every node shows the leader:\n%s", &out)

	c.Stop(lead)
	require.Eventually(t, func() bool {
		return strings.Contains(out.String(), fmt.Sprintf("node %d (%s) DOWN", lead+1, c.URLs[lead]))
	}, 10*time.Second, 20*time.Millisecond, "the stopped node shows as down:\n%s", &out)
	newLeader := regexp.MustCompile(`(?m)^\S+ node \d event election-won: `)
	require.Eventually(t, func() bool { return newLeader.MatchString(out.String()) },
		10*time.Second, 20*time.Millisecond, "the election of a new leader shows:\n%s", &out)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "watch did not stop")
	}
}

func TestWatchRedrawsOnATerminal(t *testing.T) {
	c := nodetest.Start(t, nil)
	c.Leader()
	ctx, cancel := context.WithCancel(context.Background())
	var out syncbuf.Buffer
	done := make(chan error, 1)
	go func() { done <- runWatch(ctx, &out, watchFlags{addrs: c.URLs, tail: 5}, true) }()
	require.Eventually(t, func() bool { return strings.Count(out.String(), "LEADER") >= 1 },
		10*time.Second, 20*time.Millisecond, "a frame shows the leader")
	cancel()
	require.NoError(t, <-done)
	text := out.String()
	assert.True(t, strings.HasPrefix(text, "\x1b[?25l\x1b[2J"), "hides the cursor and clears the screen first")
	assert.True(t, strings.HasSuffix(text, "\x1b[?25h\n"), "shows the cursor again at the end")
}

// raftEvent is a node's engine event as GET /events sends it.
func raftEvent(at time.Time, kind string, peer uint64, text string) *node.Event {
	ev := &node.Event{Time: at}
	ev.Kind, ev.Peer, ev.Text = kind, peer, text
	return ev
}
