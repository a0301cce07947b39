package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/internal/syncbuf"
)

// clusterRun is `raftplay cluster` run by a test: the supervisor in this process, its
// three nodes real processes (this test binary acting as raftplay).
type clusterRun struct {
	flags          clusterFlags
	stdout, stderr syncbuf.Buffer
	cancel         context.CancelFunc
	done           chan error
	ended          bool // done has been read
}

// startCluster runs `raftplay cluster` on a free run of ports, with its data in a
// temporary directory and a 5 ms tick; tweak, if not nil, changes the flags first.
// It is skipped with -short. When the test ends the cluster is stopped if it still
// runs, and its output is logged if the test failed.
func startCluster(t *testing.T, tweak func(*clusterFlags)) *clusterRun {
	t.Helper()
	if testing.Short() {
		t.Skip("starts three node processes")
	}
	t.Setenv(asRaftplayEnv, "1")
	base := freePortRun(t, 3)
	c := &clusterRun{
		flags: clusterFlags{basePort: base, httpBasePort: base + 3, data: t.TempDir(), tick: 5 * time.Millisecond,
			stopTimeout: 10 * time.Second, logLevel: "info"},
		done: make(chan error, 1),
	}
	if tweak != nil {
		tweak(&c.flags)
	}
	require.NoError(t, c.flags.check())
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go func() { c.done <- runCluster(ctx, &c.stdout, &c.stderr, c.flags) }()
	t.Cleanup(func() {
		if !c.ended {
			cancel()
			select {
			case <-c.done:
			case <-time.After(30 * time.Second):
				t.Error("the cluster did not stop at the end of the test")
			}
		}
		if t.Failed() {
			t.Logf("cluster stdout:\n%s\nstderr:\n%s", &c.stdout, &c.stderr)
		}
	})
	return c
}

// httpURL is node id's HTTP API.
func (c *clusterRun) httpURL(id int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", c.flags.httpBasePort+id-1)
}

// allURLs is the three nodes' HTTP APIs, separated by commas, as --addr takes them.
func (c *clusterRun) allURLs() string {
	return c.httpURL(1) + "," + c.httpURL(2) + "," + c.httpURL(3)
}

// stop stops the cluster as Ctrl-C would and returns what it ended with; the test
// fails if it has not ended within 30 s.
func (c *clusterRun) stop(t *testing.T) error {
	t.Helper()
	c.cancel()
	select {
	case err := <-c.done:
		c.ended = true
		return err
	case <-time.After(30 * time.Second):
		require.FailNow(t, "the cluster did not stop")
		return nil
	}
}
