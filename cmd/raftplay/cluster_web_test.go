package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/live"
	"github.com/raftplay/raftplay/node/client"
)

// liveItem is one item of /api/live/stream.
type liveItem struct {
	event string
	ID    uint64          `json:"id"`
	Up    *bool           `json:"up"`
	Error string          `json:"error"`
	Raw   json.RawMessage `json:"status"`
	role  string
	term  uint64
}

// followLive reads a live server's stream until ctx is done.
func followLive(t *testing.T, ctx context.Context, base string) <-chan liveItem {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/live/stream", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	items := make(chan liveItem, 1<<14)
	go func() {
		defer resp.Body.Close()
		defer close(items)
		_ = client.ReadSSE(resp.Body, func(event string, data []byte) error {
			it := liveItem{event: event}
			if err := json.Unmarshal(data, &it); err != nil {
				return err
			}
			if len(it.Raw) > 0 {
				var st struct {
					Role string `json:"role"`
					Term uint64 `json:"term"`
				}
				if err := json.Unmarshal(it.Raw, &st); err != nil {
					return err
				}
				it.role, it.term = st.Role, st.Term
			}
			select {
			case items <- it:
			default:
			}
			return nil
		})
	}()
	return items
}

// liveView keeps each node's last status seen on the stream.
type liveView struct {
	up   map[uint64]bool
	role map[uint64]string
	term map[uint64]uint64
}

// waitFor reads items into v until cond holds.
func (v *liveView) waitFor(t *testing.T, items <-chan liveItem, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(within)
	for !cond() {
		select {
		case it, ok := <-items:
			require.True(t, ok, "the live stream ended while waiting for %s", what)
			if it.event != "status" || it.Up == nil {
				continue
			}
			v.up[it.ID] = *it.Up
			v.role[it.ID], v.term[it.ID] = it.role, it.term
		case <-deadline:
			require.FailNow(t, "timed out", "waiting %v for %s; seen up=%v roles=%v", within, what, v.up, v.role)
		}
	}
}

// leader is the one node up that says it leads, or 0.
func (v *liveView) leader() uint64 {
	var lead uint64
	for id, role := range v.role {
		if v.up[id] && role == "leader" {
			if lead != 0 {
				return 0
			}
			lead = id
		}
	}
	return lead
}

// TestClusterWebDrivesRealNodes starts `raftplay cluster --web` (real node processes)
// and drives it as the live page does: it waits on the stream for one leader, kills
// the leader through the API and sees another elected within 10 s, restarts it, writes
// through the proxy and reads the key back with `raftplay kv get`, and cuts a link
// (seen in the node's /status) and heals it with `raftplay link heal`.
func TestClusterWebDrivesRealNodes(t *testing.T) {
	c := startCluster(t, func(f *clusterFlags) { f.web, f.dist = "127.0.0.1:0", fakeDist(t) })
	ctx, dir, stdout := t.Context(), c.flags.data, &c.stdout
	urlLine := regexp.MustCompile(`live playground at (http://127\.0\.0\.1:\d+)/\?live`)
	require.Eventually(t, func() bool { return urlLine.MatchString(stdout.String()) }, 20*time.Second, 20*time.Millisecond)
	web := urlLine.FindStringSubmatch(stdout.String())[1]
	tokenFile := filepath.Join(dir, "token")
	token, err := readTokenFile(tokenFile)
	require.NoError(t, err)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(web + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/?live", resp.Header.Get("Location"))

	post := func(path string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, web+path, nil)
		require.NoError(t, err)
		req.Header.Set(live.HeaderLive, "1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}

	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	items := followLive(t, streamCtx, web)
	v := &liveView{up: map[uint64]bool{}, role: map[uint64]string{}, term: map[uint64]uint64{}}
	v.waitFor(t, items, 20*time.Second, "one leader", func() bool { return v.leader() != 0 })
	first := v.leader()

	status, body := post(fmt.Sprintf("/api/live/nodes/%d/crash", first))
	require.Equal(t, http.StatusOK, status, body)
	crashedAt := time.Now()
	v.waitFor(t, items, 10*time.Second, "the crashed leader shown down", func() bool { return !v.up[first] })
	v.waitFor(t, items, 10*time.Second-time.Since(crashedAt), "another leader", func() bool {
		lead := v.leader()
		return lead != 0 && lead != first
	})
	t.Logf("node %d crashed; node %d leads %v later", first, v.leader(), time.Since(crashedAt))
	assert.Contains(t, stdout.String(), fmt.Sprintf("node %d (pid", first))
	assert.Contains(t, stdout.String(), "killed from the live page (SIGKILL)")

	status, body = post(fmt.Sprintf("/api/live/nodes/%d/restart", first))
	require.Equal(t, http.StatusOK, status, body)
	v.waitFor(t, items, 20*time.Second, "the restarted node up", func() bool { return v.up[first] })

	req, err := http.NewRequest(http.MethodPut, web+"/api/live/kv/seen-live", strings.NewReader("from the page"))
	require.NoError(t, err)
	req.Header.Set(live.HeaderLive, "1")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body2, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body2))
	all := c.allURLs()
	var kvOut bytes.Buffer
	require.NoError(t, runKV(ctx, &kvOut, kvFlags{addr: all, tokenFile: tokenFile, timeout: 10 * time.Second}, kvGet, []string{"seen-live"}))
	assert.Equal(t, "from the page\n", kvOut.String())

	status, body = post("/api/live/links/1/2/cut")
	require.Equal(t, http.StatusOK, status, body)
	node1, err := client.New([]string{c.httpURL(1)}, client.Options{Token: token, Timeout: 2 * time.Second})
	require.NoError(t, err)
	st, err := node1.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, []uint64{2}, st.CutLinks, "node 1 drops node 2's traffic")

	var linkOut bytes.Buffer
	require.NoError(t, runLink(ctx, &linkOut, linkFlags{addr: all, tokenFile: tokenFile, timeout: 5 * time.Second}, 1, 2, false))
	assert.Contains(t, linkOut.String(), "node 1 now delivers the Raft messages to and from node 2")
	assert.Contains(t, linkOut.String(), "node 2 now delivers the Raft messages to and from node 1")
	st, err = node1.Status(ctx)
	require.NoError(t, err)
	assert.Empty(t, st.CutLinks)

	stopStream()
	require.NoError(t, c.stop(t))
}
