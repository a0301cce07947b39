package live

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
	"github.com/raftplay/raftplay/node/nodetest"
)

const testToken = "live-test-token"

// fixture is a live server in front of a three-node cluster in this process.
type fixture struct {
	t       *testing.T
	cluster *nodetest.Cluster
	live    *Server
	srv     *httptest.Server
}

func startFixture(t *testing.T, sup Supervisor, tune func(*Options)) *fixture {
	t.Helper()
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = testToken })
	opts := Options{Nodes: c.URLs, IDs: []uint64{1, 2, 3}, Token: testToken, Supervisor: sup}
	if tune != nil {
		tune(&opts)
	}
	s, err := New(opts)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		srv.Close()
	})
	return &fixture{t: t, cluster: c, live: s, srv: srv}
}

// do sends a request to the live server; live adds the X-Raftplay-Live header.
func (f *fixture) do(method, path, body string, live bool, header map[string]string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(f.t, err)
	if live {
		req.Header.Set(HeaderLive, "1")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return resp, string(data)
}

// item is one event of /api/live/stream.
type item struct {
	event string
	data  map[string]any
	raw   string
}

// openStream reads /api/live/stream into a channel until the test ends.
func (f *fixture) openStream() <-chan item {
	f.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/api/live/stream", nil)
	require.NoError(f.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(f.t, err)
	require.Equal(f.t, http.StatusOK, resp.StatusCode)
	require.Equal(f.t, "text/event-stream", resp.Header.Get("Content-Type"))
	items := make(chan item, 4096)
	go func() {
		defer resp.Body.Close()
		defer close(items)
		_ = client.ReadSSE(resp.Body, func(event string, data []byte) error {
			it := item{event: event, raw: string(data)}
			if err := json.Unmarshal(data, &it.data); err != nil {
				it.data = map[string]any{"unparsable": err.Error()}
			}
			select {
			case items <- it:
			default: // the test stopped reading
			}
			return nil
		})
	}()
	return items
}

// waitItem reads items until match accepts one.
func waitItem(t *testing.T, items <-chan item, within time.Duration, what string, match func(item) bool) item {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case it, ok := <-items:
			require.True(t, ok, "the stream ended while waiting for %s", what)
			require.NotContains(t, it.data, "unparsable", "item %s is not JSON: %s", it.event, it.raw)
			if match(it) {
				return it
			}
		case <-deadline:
			require.FailNow(t, "timed out", "waiting for %s", what)
		}
	}
}

func num(v any) uint64 {
	f, _ := v.(float64)
	return uint64(f)
}

// The stream carries each node's status (with role, log_tail), the engine events and
// the messages, each with the node's id; the cluster answer lists the three nodes.
func TestStreamMergesTheNodes(t *testing.T) {
	f := startFixture(t, nil, nil)
	items := f.openStream()
	up := map[uint64]bool{}
	var leader uint64
	waitItem(t, items, 10*time.Second, "a status of each node and a leader", func(it item) bool {
		if it.event != sseStatus || it.data["up"] != true {
			return false
		}
		st := it.data["status"].(map[string]any)
		id := num(it.data["id"])
		assert.Equal(t, id, num(st["id"]))
		assert.Contains(t, st, "log_tail")
		up[id] = true
		if role, _ := st["role"].(string); role == "leader" {
			leader = id
		}
		return len(up) == 3 && leader != 0
	})
	resp, body := f.do(http.MethodPut, "/api/live/kv/streamed", "v", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	ev := waitItem(t, items, 10*time.Second, "an engine event", func(it item) bool { return it.event == sseEvent })
	assert.NotZero(t, num(ev.data["id"]))
	event := ev.data["event"].(map[string]any)
	assert.NotEmpty(t, event["kind"])
	assert.NotEmpty(t, event["time"])
	msg := waitItem(t, items, 10*time.Second, "a message", func(it item) bool { return it.event == sseMessage })
	assert.Equal(t, num(msg.data["id"]), num(msg.data["from"]), "a node reports the messages it sends")
	_, known := engine.ParseMessageType(msg.data["type"].(string))
	assert.True(t, known, msg.raw)
	for _, field := range []string{"to", "term", "index", "log_term", "entries", "reject"} {
		assert.Contains(t, msg.data, field, msg.raw)
	}

	resp, body = f.do(http.MethodGet, "/api/live/cluster", "", false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var cl clusterAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &cl))
	assert.True(t, cl.Live)
	assert.False(t, cl.Supervised)
	require.Len(t, cl.Nodes, 3)
	for i, n := range cl.Nodes {
		assert.Equal(t, uint64(i+1), n.ID)
		assert.Equal(t, f.cluster.URLs[i], n.HTTPURL)
		assert.True(t, n.Up)
		assert.Contains(t, string(n.Status), `"log_tail"`)
	}
}

// A node that stops is shown down, in the stream and in the cluster answer.
func TestStoppedNodeIsShownDown(t *testing.T) {
	f := startFixture(t, nil, func(o *Options) { o.RetryInterval = 50 * time.Millisecond })
	items := f.openStream()
	waitItem(t, items, 10*time.Second, "node 3 up", func(it item) bool {
		return it.event == sseStatus && num(it.data["id"]) == 3 && it.data["up"] == true
	})
	f.cluster.Stop(2)
	down := waitItem(t, items, 10*time.Second, "node 3 down", func(it item) bool {
		return it.event == sseStatus && num(it.data["id"]) == 3 && it.data["up"] == false
	})
	assert.NotEmpty(t, down.data["error"])
	assert.NotContains(t, down.data, "status")
	resp, body := f.do(http.MethodGet, "/api/live/cluster", "", false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var cl clusterAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &cl))
	require.Len(t, cl.Nodes, 3)
	assert.False(t, cl.Nodes[2].Up)
	assert.Equal(t, "null", string(cl.Nodes[2].Status))
	assert.NotEmpty(t, cl.Nodes[2].Error)
	assert.Contains(t, body, `"status":null`)
}

func TestLinkCutAndHealThroughTheProxy(t *testing.T) {
	f := startFixture(t, nil, nil)
	resp, body := f.do(http.MethodPost, "/api/live/links/1/2/cut", "", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var ans linkAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &ans))
	assert.Equal(t, linkAnswer{A: 1, B: 2, Cut: true, Nodes: []linkSide{{ID: 1, OK: true}, {ID: 2, OK: true}}}, ans)
	assert.Equal(t, []uint64{2}, f.cluster.Nodes[0].Status().CutLinks)
	assert.Equal(t, []uint64{1}, f.cluster.Nodes[1].Status().CutLinks)
	assert.Empty(t, f.cluster.Nodes[2].Status().CutLinks)

	resp, body = f.do(http.MethodPost, "/api/live/links/2/1/heal", "", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Empty(t, f.cluster.Nodes[0].Status().CutLinks)
	assert.Empty(t, f.cluster.Nodes[1].Status().CutLinks)

	// One side down: the other still cuts both directions.
	f.cluster.Stop(2)
	resp, body = f.do(http.MethodPost, "/api/live/links/1/3/cut", "", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.NoError(t, json.Unmarshal([]byte(body), &ans))
	assert.True(t, ans.Nodes[0].OK)
	assert.False(t, ans.Nodes[1].OK)
	assert.NotEmpty(t, ans.Nodes[1].Error)
	assert.Equal(t, []uint64{3}, f.cluster.Nodes[0].Status().CutLinks)
}

// The server sends its token to the nodes; a server without it gets their refusal.
func TestLinkNeedsTheClusterToken(t *testing.T) {
	f := startFixture(t, nil, func(o *Options) { o.Token = "wrong" })
	resp, body := f.do(http.MethodPost, "/api/live/links/1/2/cut", "", true, nil)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode, body)
	assert.Equal(t, codeUnreachable, decode[errorBody](t, body).Code)
	assert.Contains(t, body, "401")
	assert.Empty(t, f.cluster.Nodes[0].Status().CutLinks)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v
}

func TestKVThroughTheProxy(t *testing.T) {
	f := startFixture(t, nil, nil)
	resp, body := f.do(http.MethodPut, "/api/live/kv/greeting", "hello", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	res := decode[node.WriteResult](t, body)
	assert.Equal(t, "greeting", res.Key)
	assert.NotZero(t, res.Index)
	assert.Equal(t, fmt.Sprint(res.Index), resp.Header.Get(node.HeaderIndex))

	resp, body = f.do(http.MethodGet, "/api/live/kv/greeting", "", false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "hello", body)

	resp, body = f.do(http.MethodPut, "/api/live/kv/greeting", "bonjour", true, map[string]string{node.HeaderExpect: "nope"})
	assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
	cas := decode[node.ErrorBody](t, body)
	assert.Equal(t, node.CodeCASFailed, cas.Code)
	assert.Equal(t, "hello", cas.Current)

	resp, body = f.do(http.MethodPut, "/api/live/kv/greeting", "bonjour", true, map[string]string{node.HeaderExpect: "hello"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "hello", decode[node.WriteResult](t, body).Previous)

	resp, body = f.do(http.MethodDelete, "/api/live/kv/greeting", "", true, map[string]string{node.HeaderExpect: "bonjour"})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	assert.Equal(t, node.DeleteExpectError, decode[node.ErrorBody](t, body).Error, "the node's own answer: a delete is unconditional")
	resp, body = f.do(http.MethodGet, "/api/live/kv/greeting", "", false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, "bonjour", body, "the refused delete deleted nothing")

	resp, body = f.do(http.MethodDelete, "/api/live/kv/greeting", "", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.True(t, decode[node.WriteResult](t, body).Found)

	resp, body = f.do(http.MethodGet, "/api/live/kv/greeting", "", false, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	assert.Equal(t, node.CodeKeyNotFound, decode[node.ErrorBody](t, body).Code)

	resp, body = f.do(http.MethodPut, "/api/live/kv/a/%2e%2e/b", "x", true, nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	assert.Equal(t, node.CodeBadRequest, decode[node.ErrorBody](t, body).Code, "the node's refusal, passed on")
}

// fakeSupervisor records what it was asked.
type fakeSupervisor struct {
	mu      sync.Mutex
	running map[uint64]bool
	calls   []string
}

func (s *fakeSupervisor) Crash(id uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("crash %d", id))
	switch running, known := s.running[id]; {
	case !known:
		return ErrNoSuchNode
	case !running:
		return ErrNotRunning
	}
	s.running[id] = false
	return nil
}

func (s *fakeSupervisor) Restart(id uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, fmt.Sprintf("restart %d", id))
	switch running, known := s.running[id]; {
	case !known:
		return ErrNoSuchNode
	case running:
		return ErrRunning
	}
	s.running[id] = true
	return nil
}

func TestNodeControlsAndErrors(t *testing.T) {
	sup := &fakeSupervisor{running: map[uint64]bool{1: true, 2: true, 3: true}}
	f := startFixture(t, sup, nil)
	resp, body := f.do(http.MethodGet, "/api/live/cluster", "", false, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, decode[clusterAnswer](t, body).Supervised)

	resp, body = f.do(http.MethodPost, "/api/live/nodes/2/crash", "", true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.Equal(t, nodeAction{ID: 2, Action: "crash"}, decode[nodeAction](t, body))

	tests := []struct {
		name, method, path string
		live               bool
		header             map[string]string
		status             int
		code               string
	}{
		{"crash twice", http.MethodPost, "/api/live/nodes/2/crash", true, nil, http.StatusConflict, codeNotRunning},
		{"restart a running node", http.MethodPost, "/api/live/nodes/1/restart", true, nil, http.StatusConflict, codeRunning},
		{"unknown node", http.MethodPost, "/api/live/nodes/7/crash", true, nil, http.StatusNotFound, codeNoSuchNode},
		{"bad id", http.MethodPost, "/api/live/nodes/x/crash", true, nil, http.StatusBadRequest, codeBadRequest},
		{"unknown action", http.MethodPost, "/api/live/nodes/1/explode", true, nil, http.StatusNotFound, codeNoSuchEndpoint},
		{"no live header", http.MethodPost, "/api/live/nodes/1/crash", false, nil, http.StatusForbidden, codeForbidden},
		{"kv write without the header", http.MethodPut, "/api/live/kv/k", false, nil, http.StatusForbidden, codeForbidden},
		{"another origin", http.MethodPost, "/api/live/nodes/1/crash", true, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden, codeForbidden},
		{"another site", http.MethodGet, "/api/live/cluster", false, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden, codeForbidden},
		{"a foreign host name", http.MethodGet, "/api/live/stream", false, map[string]string{"Host": "evil.example"}, http.StatusForbidden, codeForbidden},
		{"GET of a control", http.MethodGet, "/api/live/nodes/1/crash", false, nil, http.StatusMethodNotAllowed, codeMethod},
		{"POST of the cluster", http.MethodPost, "/api/live/cluster", true, nil, http.StatusMethodNotAllowed, codeMethod},
		{"no such endpoint", http.MethodGet, "/api/live/nothing", false, nil, http.StatusNotFound, codeNoSuchEndpoint},
		{"link to itself", http.MethodPost, "/api/live/links/1/1/cut", true, nil, http.StatusBadRequest, codeBadRequest},
		{"link to an unknown node", http.MethodPost, "/api/live/links/1/9/cut", true, nil, http.StatusNotFound, codeNoSuchNode},
		{"unknown link action", http.MethodPost, "/api/live/links/1/2/snip", true, nil, http.StatusNotFound, codeNoSuchEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, nil)
			require.NoError(t, err)
			if tt.live {
				req.Header.Set(HeaderLive, "1")
			}
			for k, v := range tt.header {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, resp.StatusCode, string(body))
			assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			e := decode[errorBody](t, string(body))
			assert.Equal(t, tt.code, e.Code)
			assert.NotEmpty(t, e.Error)
		})
	}
	sup.mu.Lock()
	assert.Equal(t, []string{"crash 2", "crash 2", "restart 1", "crash 7"}, sup.calls, "refused requests never reach the supervisor")
	sup.mu.Unlock()
	assert.Empty(t, f.cluster.Nodes[0].Status().CutLinks)

	resp, body = f.do(http.MethodPost, "/api/live/nodes/1/crash", "", true, map[string]string{"Origin": f.srv.URL})
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the page's own origin is fine: %s", body)
}

func TestControlsWithoutSupervisor(t *testing.T) {
	f := startFixture(t, nil, nil)
	for _, action := range []string{"crash", "restart"} {
		resp, body := f.do(http.MethodPost, "/api/live/nodes/1/"+action, "", true, nil)
		assert.Equal(t, http.StatusConflict, resp.StatusCode, body)
		assert.Equal(t, codeNotSupervised, decode[errorBody](t, body).Code)
	}
}

// A page that stops reading never makes the server wait or grow: its buffer stays at
// StreamBuffer items, the rest is counted, and once it reads again it is told how many
// items of which node it lost.
func TestSlowStreamClientIsBoundedAndToldWhatItLost(t *testing.T) {
	s, err := New(Options{Nodes: []string{"http://127.0.0.1:1"}, StreamBuffer: 8})
	require.NoError(t, err)
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET /api/live/stream HTTP/1.1\r\nHost: %s\r\n\r\n", srv.Listener.Addr())
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// The client reads nothing more. Items of 16 KiB each fill the socket buffers and
	// then the stream's buffer; publish must go on without waiting.
	big := []byte(`{"id":4,"pad":"` + strings.Repeat("x", 16<<10) + `"}`)
	const published = 1000
	start := time.Now()
	for range published {
		s.hub.publish(4, sseEvent, big, 1)
	}
	assert.Less(t, time.Since(start), 5*time.Second, "publishing never waits for a slow stream")
	s.hub.mu.Lock()
	require.Len(t, s.hub.clients, 1)
	for c := range s.hub.clients {
		assert.LessOrEqual(t, len(c.ch), 8, "the buffer holds at most StreamBuffer items")
	}
	s.hub.mu.Unlock()

	// Reading again: every item published either arrives or is counted in a
	// "sampled" item of node 4.
	var sampled, delivered uint64
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	err = client.ReadSSE(resp.Body, func(event string, data []byte) error {
		switch event {
		case sseSampled:
			var d struct{ ID, Dropped uint64 }
			require.NoError(t, json.Unmarshal(data, &d))
			assert.Equal(t, uint64(4), d.ID)
			sampled += d.Dropped
		case sseEvent:
			delivered++
		}
		if sampled+delivered == published {
			return io.EOF
		}
		return nil
	})
	require.ErrorIs(t, err, io.EOF, "sampled %d + delivered %d of %d", sampled, delivered, published)
	assert.Greater(t, sampled, uint64(published/2), "most items were dropped for the slow stream")
}

func TestHubLimitsStreams(t *testing.T) {
	h := newHub(4, 2)
	a, b := h.subscribe(), h.subscribe()
	require.NotNil(t, a)
	require.NotNil(t, b)
	assert.Nil(t, h.subscribe(), "two streams at most")
	h.unsubscribe(a)
	assert.NotNil(t, h.subscribe())
	h.close()
	assert.Nil(t, h.subscribe(), "none after close")
}

func TestNewRefusesBadOptions(t *testing.T) {
	_, err := New(Options{})
	assert.ErrorContains(t, err, "no node address")
	_, err = New(Options{Nodes: []string{"ftp://x"}})
	assert.ErrorContains(t, err, `"ftp://x"`)
	_, err = New(Options{Nodes: []string{"127.0.0.1:8001"}, StreamBuffer: -1})
	assert.ErrorContains(t, err, "negative")
}

// A node that one node's status names, but the server was not told of, is followed too.
func TestPeersOfKnownNodesAreFollowed(t *testing.T) {
	c := nodetest.Start(t, func(cfg *node.Config) { cfg.Token = testToken })
	s, err := New(Options{Nodes: c.URLs[:1], Token: testToken})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool {
		for _, n := range s.snapshot() {
			if !n.up {
				return false
			}
		}
		return len(s.snapshot()) == 3
	}, 10*time.Second, 20*time.Millisecond, "all three nodes followed")
}

func TestNewRefusesMismatchedIDs(t *testing.T) {
	_, err := New(Options{Nodes: []string{"127.0.0.1:8001", "127.0.0.1:8002"}, IDs: []uint64{1}})
	assert.ErrorContains(t, err, "1 ids for 2 nodes")
	_, err = New(Options{Nodes: []string{"127.0.0.1:8001", "http://127.0.0.1:8001"}})
	assert.ErrorContains(t, err, "given twice")
}

// Each item is one Server-Sent Event: an "event:" line with the type, one "data:" line
// of JSON, and a blank line.
func TestStreamWireFormat(t *testing.T) {
	f := startFixture(t, nil, nil)
	resp, err := http.Get(f.srv.URL + "/api/live/stream")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	br := bufio.NewReader(resp.Body)
	for range 6 {
		event, err := br.ReadString('\n')
		require.NoError(t, err)
		for strings.HasPrefix(event, ":") { // a keep-alive comment
			event, err = br.ReadString('\n')
			require.NoError(t, err)
		}
		require.Regexp(t, `^event: (status|event|message|sampled)\n$`, event)
		data, err := br.ReadString('\n')
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(data, "data: {"), "%q", data)
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &v))
		assert.NotZero(t, num(v["id"]), "every item names its node: %s", data)
		blank, err := br.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "\n", blank)
	}
}
