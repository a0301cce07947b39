package node

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
)

// linkRequest posts to a node's link admin endpoint with the given token.
func linkRequest(t *testing.T, c *testCluster, id uint64, path, token string) (*http.Response, string) {
	t.Helper()
	header := map[string]string{}
	if token != "" {
		header["Authorization"] = "Bearer " + token
	}
	return c.do(c.noFollow, http.MethodPost, c.url(id, path), "", header)
}

// A follower cut off from both others by its own admin endpoint stops applying what the
// leader commits, shows the cut in /status, and catches up once healed.
func TestAdminLinksCutAndHeal(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.Token = "tok" })
	lead := c.leader()
	f := c.follower()
	var other uint64
	for _, id := range c.ids {
		if id != lead && id != f {
			other = id
		}
	}
	cutBoth := []uint64{min(lead, other), max(lead, other)}
	// Each step cuts or heals one of f's links and checks the whole answer.
	type linkStep struct {
		action   string
		peer     uint64
		changed  bool
		cutLinks []uint64
	}
	link := func(step linkStep) {
		t.Helper()
		resp, body := linkRequest(t, c, f, fmt.Sprintf("/admin/links/%d/%s", step.peer, step.action), "tok")
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		want := LinkResult{Peer: step.peer, Cut: step.action == "cut", Changed: step.changed, CutLinks: step.cutLinks}
		assert.Equal(t, want, decodeJSON[LinkResult](t, body), "%s %d", step.action, step.peer)
	}
	for _, step := range []linkStep{
		{"cut", lead, true, []uint64{lead}},
		{"cut", other, true, cutBoth},
		{"cut", lead, false, cutBoth}, // cutting a cut link changes nothing
	} {
		link(step)
	}

	resp, body := c.do(c.client, http.MethodGet, c.url(f, "/status"), "", map[string]string{"Authorization": "Bearer tok"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	st := decodeJSON[Status](t, body)
	assert.Equal(t, cutBoth, st.CutLinks)
	assert.Equal(t, map[uint64]bool{f: true, lead: false, other: false}, peersConnected(st), "a cut link is not connected")

	resp, body = c.do(c.client, http.MethodPut, c.url(lead, "/kv/while-cut"), "v", map[string]string{"Authorization": "Bearer tok"})
	require.Equal(t, http.StatusOK, resp.StatusCode, body, "the other two are a majority")
	index := decodeJSON[WriteResult](t, body).Index
	time.Sleep(300 * time.Millisecond)
	assert.Less(t, c.nodes[f].Status().LastApplied, index, "the cut follower heard nothing of the write")
	assert.Positive(t, c.nodes[f].TransportStats().LinkDrops)

	for _, step := range []linkStep{
		{"heal", lead, true, []uint64{other}},
		{"heal", other, true, []uint64{}},
		{"heal", other, false, []uint64{}}, // healing a link that is up changes nothing
	} {
		link(step)
	}
	c.waitApplied(index)
	assert.Empty(t, c.nodes[f].Status().CutLinks)
	resp, body = c.do(c.client, http.MethodGet, c.url(f, "/status"), "", map[string]string{"Authorization": "Bearer tok"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.NotContains(t, body, "cut_links", "omitted when no link is cut")
	assert.Equal(t, map[uint64]bool{f: true, lead: true, other: true}, peersConnected(decodeJSON[Status](t, body)), "healed links are connected again")
}

// A cut and a heal reach the event stream at once, as a status event that shows them
// (the live page draws them from it), even on a follower whose role, term and log do
// not change.
func TestCutAndHealAreStreamedAsStatus(t *testing.T) {
	c := newTestCluster(t, nil)
	lead, f := c.leader(), c.follower()
	var other uint64
	for _, id := range c.ids {
		if id != lead && id != f {
			other = id
		}
	}
	resp, closeStream := openEvents(t, c, f)
	defer closeStream()
	events := readSSE(resp)
	// waitStatus reads events until a status shows cut (or no cut) links as want.
	waitStatus := func(action string, want []uint64, connected bool) {
		t.Helper()
		deadline := time.After(time.Second) // the periodic refresh is a leader's only
		for {
			select {
			case ev, ok := <-events:
				require.True(t, ok, "the stream ended")
				if ev.name != sseStatus {
					continue
				}
				st := decodeJSON[Status](t, ev.data)
				if slices.Equal(st.CutLinks, want) && peersConnected(st)[other] == connected {
					return
				}
			case <-deadline:
				require.FailNow(t, "no status event showed the "+action)
			}
		}
	}
	waitStatus("start", nil, true)
	resp2, body := linkRequest(t, c, f, fmt.Sprintf("/admin/links/%d/cut", other), "")
	require.Equal(t, http.StatusOK, resp2.StatusCode, body)
	waitStatus("cut", []uint64{other}, false)
	resp2, body = linkRequest(t, c, f, fmt.Sprintf("/admin/links/%d/heal", other), "")
	require.Equal(t, http.StatusOK, resp2.StatusCode, body)
	waitStatus("heal", nil, true)
}

// peersConnected maps each peer of a status to its "connected".
func peersConnected(st Status) map[uint64]bool {
	connected := map[uint64]bool{}
	for _, p := range st.Peers {
		connected[p.ID] = p.Connected
	}
	return connected
}

func TestAdminLinksRefusesBadRequests(t *testing.T) {
	c := newTestCluster(t, func(cfg *Config) { cfg.Token = "tok" })
	tests := []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"no token", http.MethodPost, "/admin/links/2/cut", "", http.StatusUnauthorized, CodeUnauthorized},
		{"wrong token", http.MethodPost, "/admin/links/2/cut", "tik", http.StatusUnauthorized, CodeUnauthorized},
		{"itself", http.MethodPost, "/admin/links/1/cut", "tok", http.StatusBadRequest, CodeBadRequest},
		{"unknown peer", http.MethodPost, "/admin/links/9/cut", "tok", http.StatusBadRequest, CodeBadRequest},
		{"peer zero", http.MethodPost, "/admin/links/0/heal", "tok", http.StatusBadRequest, CodeBadRequest},
		{"not a number", http.MethodPost, "/admin/links/two/cut", "tok", http.StatusBadRequest, CodeBadRequest},
		{"unknown action", http.MethodPost, "/admin/links/2/sever", "tok", http.StatusNotFound, CodeNoSuchEndpoint},
		{"GET", http.MethodGet, "/admin/links/2/cut", "tok", http.StatusMethodNotAllowed, CodeMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{}
			if tt.token != "" {
				header["Authorization"] = "Bearer " + tt.token
			}
			resp, body := c.do(c.noFollow, tt.method, c.url(1, tt.path), "", header)
			assert.Equal(t, tt.status, resp.StatusCode, body)
			assert.Equal(t, tt.code, decodeJSON[ErrorBody](t, body).Code)
		})
	}
	assert.Empty(t, c.nodes[1].Status().CutLinks, "no refused request cut anything")
}

// The log tail of /status ends at the last index, with the entries' terms, and holds
// at most LogTailLen entries.
func TestStatusLogTail(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()
	for i := range LogTailLen + 5 {
		resp, body := c.do(c.client, http.MethodPut, c.url(lead, fmt.Sprintf("/kv/k%d", i)), "v", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
	}
	st := c.nodes[lead].Status()
	c.waitApplied(st.LastIndex)
	for _, id := range c.ids {
		st := c.nodes[id].Status()
		require.Len(t, st.LogTail, LogTailLen, "node %d", id)
		assert.Equal(t, st.LastIndex, st.LogTail[LogTailLen-1].Index, "node %d", id)
		for i, e := range st.LogTail {
			assert.Equal(t, st.LastIndex-LogTailLen+1+uint64(i), e.Index)
			term, err := c.stores[id].Term(e.Index)
			require.NoError(t, err)
			assert.Equal(t, term, e.Term, "node %d entry %d", id, e.Index)
		}
	}
}

func TestTrackTailTruncatesAndDropsSnapshottedEntries(t *testing.T) {
	entries := func(first, last, term uint64) []engine.Entry {
		var es []engine.Entry
		for i := first; i <= last; i++ {
			es = append(es, engine.Entry{Index: i, Term: term})
		}
		return es
	}
	tail := trackTail(nil, entries(1, 5, 1), 0, 5)
	assert.Equal(t, []LogRef{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}, tail)
	tail = trackTail(tail, entries(4, 4, 2), 0, 4) // a new leader overwrote 4 and 5 (§5.3)
	assert.Equal(t, []LogRef{{1, 1}, {2, 1}, {3, 1}, {4, 2}}, tail)
	tail = trackTail(tail, nil, 2, 4) // a snapshot covers 1 and 2
	assert.Equal(t, []LogRef{{3, 1}, {4, 2}}, tail)
	tail = trackTail(tail, entries(5, 100, 3), 2, 100)
	require.Len(t, tail, LogTailLen)
	assert.Equal(t, LogRef{100 - LogTailLen + 1, 3}, tail[0])
	assert.Equal(t, LogRef{100, 3}, tail[LogTailLen-1])
	tail = trackTail(tail, nil, 120, 120) // an installed snapshot replaced the whole log
	assert.Empty(t, tail)
}

// A stream that asks for messages gets the leader's messages with their engine names,
// at most MaxMessageEvents a second, and "sampled" counts for the ones left out; a
// stream that does not ask gets none.
func TestEventsMessagesAreSampled(t *testing.T) {
	// A heartbeat every millisecond: about 2,000 messages a second from the leader.
	c := newTestCluster(t, func(cfg *Config) {
		cfg.TickInterval, cfg.HeartbeatTicks, cfg.ElectionTicks = time.Millisecond, 1, 200
	})
	lead := c.leader()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(path string) <-chan sseEvent { return streamEvents(t, ctx, c.url(lead, path)) }
	plain := open("/events")
	withMessages := open("/events?messages=1")

	var shown int
	var skipped uint64
	types := map[string]bool{}
	const measure = 2 * time.Second
	deadline := time.After(measure)
	start := time.Now()
read:
	for {
		select {
		case ev := <-withMessages:
			switch ev.name {
			case sseSent:
				shown++
				var m MessageEvent
				require.NoError(t, json.Unmarshal([]byte(ev.data), &m))
				assert.Equal(t, lead, m.From)
				_, known := engine.ParseMessageType(m.Type)
				assert.True(t, known, "type %q", m.Type)
				types[m.Type] = true
			case sseSampled:
				var s struct{ Dropped uint64 }
				require.NoError(t, json.Unmarshal([]byte(ev.data), &s))
				assert.Positive(t, s.Dropped)
				skipped += s.Dropped
			}
		case ev := <-plain:
			assert.NotEqual(t, sseSent, ev.name, "a stream without ?messages=1 gets no messages")
			assert.NotEqual(t, sseSampled, ev.name)
		case <-deadline:
			break read
		}
	}
	elapsed := time.Since(start)
	limit := int(float64(MaxMessageEvents)*elapsed.Seconds()) + perWindow
	assert.LessOrEqual(t, shown, limit, "at most %d a second", MaxMessageEvents)
	assert.Greater(t, shown, MaxMessageEvents/2, "the messages are shown, not all sampled away")
	assert.Positive(t, skipped, "the rest are counted")
	assert.True(t, types[engine.MsgHeartbeat.String()], "types seen: %v", types)

	resp, body := c.do(c.client, http.MethodGet, c.url(lead, "/events?messages=yes"), "", nil)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
}

// Under writes, a live stream gets at most MaxFrequentEvents frequent engine events a
// second (the rest counted in "sampled"), while a plain stream gets every one.
func TestLiveStreamSamplesFrequentEvents(t *testing.T) {
	c := newTestCluster(t, nil)
	lead := c.leader()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(path string) <-chan sseEvent { return streamEvents(t, ctx, c.url(lead, path)) }
	plain, live := open("/events"), open("/events?messages=1")
	const writes = 400
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range writes / 4 {
				resp, body := c.do(c.client, http.MethodPut, c.url(lead, fmt.Sprintf("/kv/w%d-%d", w, i)), "v", nil)
				assert.Equal(t, http.StatusOK, resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(300 * time.Millisecond) // the last events and the sampled count arrive
	cancel()
	frequent := func(ev sseEvent) bool {
		if ev.name != sseRaft {
			return false
		}
		var e Event
		require.NoError(t, json.Unmarshal([]byte(ev.data), &e))
		kind, ok := engine.ParseEventKind(e.Kind)
		require.True(t, ok)
		return FrequentEvent(kind)
	}
	var plainFrequent, liveFrequent int
	var sampled uint64
	for ev := range plain {
		if frequent(ev) {
			plainFrequent++
		}
	}
	for ev := range live {
		if frequent(ev) {
			liveFrequent++
		}
		if ev.name == sseSampled {
			var s struct{ Dropped uint64 }
			require.NoError(t, json.Unmarshal([]byte(ev.data), &s))
			sampled += s.Dropped
		}
	}
	limit := int(float64(MaxFrequentEvents)*(elapsed+300*time.Millisecond).Seconds()) + 2*frequentPerWindow
	t.Logf("%d writes in %v: plain stream %d frequent events, live stream %d, sampled %d", writes, elapsed, plainFrequent, liveFrequent, sampled)
	assert.LessOrEqual(t, liveFrequent, limit, "a live stream gets at most %d a second", MaxFrequentEvents)
	assert.Positive(t, liveFrequent)
	assert.GreaterOrEqual(t, plainFrequent, liveFrequent)
	if plainFrequent > limit {
		assert.Positive(t, sampled, "the live stream is told what it missed")
		assert.GreaterOrEqual(t, uint64(liveFrequent)+sampled, uint64(plainFrequent), "every frequent event was shown or counted")
	}
}

// streamEvents opens the event stream at url until ctx is done and returns its events.
func streamEvents(t *testing.T, ctx context.Context, url string) <-chan sseEvent {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := (&http.Client{}).Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	t.Cleanup(func() { resp.Body.Close() })
	return readSSE(resp)
}
