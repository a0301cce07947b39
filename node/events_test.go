package node

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// sseEvent is one event read from an /events stream.
type sseEvent struct {
	name string
	data string
}

// readSSE reads events from an /events response until the body ends.
func readSSE(resp *http.Response) <-chan sseEvent {
	events := make(chan sseEvent, 1024)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				events <- ev
				ev = sseEvent{}
			}
		}
	}()
	return events
}

func openEvents(t *testing.T, c *testCluster, id uint64) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(id, "/events"), nil)
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return resp, func() { cancel(); resp.Body.Close() }
}

func TestEventsStreamStatusAndEngineEvents(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()
	resp, closeStream := openEvents(t, c, lead)
	defer closeStream()
	events := readSSE(resp)

	first := <-events
	require.Equal(t, sseStatus, first.name, "the stream starts with the status")
	st := decodeJSON[Status](t, first.data)
	assert.Equal(t, lead, st.ID)
	assert.Equal(t, "leader", st.Role)

	resp2, body := c.do(c.client, http.MethodPut, c.url(lead, "/kv/watched"), "v", nil)
	require.Equal(t, http.StatusOK, resp2.StatusCode, body)
	index := decodeJSON[WriteResult](t, body).Index

	var sawCommit, sawStatus bool
	timeout := time.After(10 * time.Second)
	for !sawCommit || !sawStatus {
		select {
		case ev, ok := <-events:
			require.True(t, ok, "the stream ended")
			switch ev.name {
			case sseRaft:
				var e Event
				require.NoError(t, json.Unmarshal([]byte(ev.data), &e))
				assert.Equal(t, lead, e.Peer)
				assert.NotEmpty(t, e.Text)
				_, known := engine.ParseEventKind(e.Kind)
				assert.True(t, known, "kind %q", e.Kind)
				if e.Kind == engine.EventCommitAdvanced.String() && e.Index >= index {
					sawCommit = true
				}
			case sseStatus:
				if decodeJSON[Status](t, ev.data).CommitIndex >= index {
					sawStatus = true
				}
			}
		case <-timeout:
			require.FailNow(t, "no commit event", "commit=%v status=%v", sawCommit, sawStatus)
		}
	}
}

func TestHubDropsForSlowSubscribers(t *testing.T) {
	h := newHub(2, 1)
	s := h.subscribe(false)
	require.NotNil(t, s)
	assert.Nil(t, h.subscribe(false), "one subscriber at most")
	assert.True(t, h.active())
	for range 5 {
		h.publish(sseRaft, []byte("{}"), toAll) // never blocks
	}
	assert.Len(t, s.ch, 2)
	assert.Equal(t, uint64(3), s.dropped.Load())
	h.unsubscribe(s)
	assert.False(t, h.active())
	assert.NotNil(t, h.subscribe(false), "the slot is free again")
}

func TestEventOfNamesKindsAndRoles(t *testing.T) {
	at := time.Unix(100, 0)
	ev := EventOf(engine.Event{Kind: engine.EventRoleChanged, Peer: 2, Term: 5, Role: engine.RoleLeader}, at)
	assert.Equal(t, Event{Time: at, EventJSON: engine.EventJSON{Kind: "role", Peer: 2, Term: 5, Role: "leader", Text: "peer 2 became leader in term 5"}}, ev)
	ev = EventOf(engine.Event{Kind: engine.EventVoteRefused, Peer: 1, Term: 3, From: 2, Reason: engine.ReasonLogBehind, PreVote: true}, at)
	assert.Equal(t, "vote-refused", ev.Kind)
	assert.Equal(t, "log-behind", ev.Reason)
	assert.Empty(t, ev.Role)
	assert.True(t, ev.PreVote)
}

// TestShutdownIsClean stops a cluster while a write waits for a quorum that is gone and
// an /events stream is open: the write is answered 503, the stream ends, Run returns
// nil, and no goroutine is left behind.
func TestShutdownIsClean(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		// A long election timeout keeps the leader in office after its followers stop:
		// check-quorum deposes it only after a whole timeout (1 s) without a quorum.
		c := newTestCluster(t, func(cfg *Config) { cfg.ElectionTicks = 100 })
		lead := c.leader()
		resp, closeStream := openEvents(t, c, lead)
		defer closeStream()
		events := readSSE(resp)
		<-events

		startIndex := c.nodes[lead].Status().LastIndex
		for _, id := range c.ids {
			if id != lead {
				c.halt(id)
			}
		}
		answer := make(chan *http.Response, 1)
		go func() {
			resp, err := c.client.Do(mustRequest(t, http.MethodPut, c.url(lead, "/kv/never"), "v"))
			if err == nil {
				answer <- resp
			}
			close(answer)
		}()
		require.Eventually(t, func() bool { return c.nodes[lead].Status().LastIndex > startIndex },
			5*time.Second, 5*time.Millisecond, "the write reached the leader's log")
		c.halt(lead)

		resp2, ok := <-answer
		require.True(t, ok && resp2 != nil, "the pending write got an answer")
		defer resp2.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, resp2.StatusCode)
		var body ErrorBody
		require.NoError(t, json.NewDecoder(resp2.Body).Decode(&body))
		assert.Contains(t, body.Error, "shutting down")
		assert.Equal(t, "1", resp2.Header.Get("Retry-After"))
		for range events {
		} // the stream ends
	}()
	requireGoroutinesBack(t, before)
}

// requireGoroutinesBack waits until no more goroutines run than before, and lists them
// if some stay.
func requireGoroutinesBack(t *testing.T, before int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	return req
}
