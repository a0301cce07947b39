package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/node/client"
)

// The item types of /api/live/stream (the "event:" line of each Server-Sent Event).
const (
	sseStatus  = "status"  // {"id", "http_url", "up", "status" | "error"}
	sseEvent   = "event"   // {"id", "event": an engine event as the node's /events sends it}
	sseMessage = "message" // {"id", "from", "to", "type", "term", ...}: node.MessageEvent
	sseSampled = "sampled" // {"id", "dropped"}: items of node id left out
)

// frequentKinds are the engine events a busy node emits for every batch of writes;
// the stream samples them (the status carries the same indexes).
var frequentKinds = map[string]bool{"entries-appended": true, "commit-advanced": true, "read-confirmed": true}

// budgetWindow is the period over which a node's frequent-event budget is counted.
const budgetWindow = 100 * time.Millisecond

// eventBudget spreads a node's frequent events over the second.
type eventBudget struct {
	windowStart time.Time
	used        int
}

// take reports whether one more frequent event fits in the budget of perSecond.
func (b *eventBudget) take(now time.Time, perSecond int) bool {
	if now.Sub(b.windowStart) >= budgetWindow {
		b.windowStart, b.used = now, 0
	}
	if b.used >= max(1, perSecond*int(budgetWindow)/int(time.Second)) {
		return false
	}
	b.used++
	return true
}

// follow streams node n's /events into the hub, reconnecting every RetryInterval while
// it does not answer, until ctx is done.
func (s *Server) follow(ctx context.Context, n *nodeState) {
	for {
		err := s.followOnce(ctx, n)
		if ctx.Err() != nil {
			return
		}
		s.noteDown(n, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.opts.RetryInterval):
		}
	}
}

// followOnce reads one connection's worth of n's event stream; it returns why it ended.
func (s *Server) followOnce(ctx context.Context, n *nodeState) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.url+"/events?messages=1", nil)
	if err != nil {
		return fmt.Errorf("build the request for %s/events: %w", n.url, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	s.authorize(req)
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return fmt.Errorf("%s/events answered %d: %s", n.url, resp.StatusCode, nodeErrorText(body))
	}
	err = client.ReadSSE(resp.Body, func(event string, data []byte) error {
		return s.relay(n, event, data)
	})
	if err == nil {
		err = errors.New("the node ended its event stream (it is stopping)")
	}
	return err
}

// relay passes one event of node n's stream on to the page streams.
func (s *Server) relay(n *nodeState, event string, data []byte) error {
	now := time.Now()
	switch event {
	case "status":
		return s.noteStatus(n, data, now)
	case "raft":
		var kind struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(data, &kind); err != nil {
			return fmt.Errorf("%s sent an engine event that is not JSON: %w", n.url, err)
		}
		id, ok := s.idOf(n, kind.Kind, now)
		if id == 0 {
			return nil
		}
		if !ok {
			s.hub.publish(id, sseSampled, nil, 1)
			return nil
		}
		s.hub.publish(id, sseEvent, encode(struct {
			ID    uint64          `json:"id"`
			Event json.RawMessage `json:"event"`
		}{id, json.RawMessage(data)}), 1)
	case "message":
		var m node.MessageEvent
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s sent a message event that is not one: %w", n.url, err)
		}
		if id, _ := s.idOf(n, "", now); id != 0 {
			s.hub.publish(id, sseMessage, encode(struct {
				ID uint64 `json:"id"`
				node.MessageEvent
			}{id, m}), 1)
		}
	case "sampled", "lagging":
		// The node left messages out (sampled), or this server's stream fell behind
		// the node (lagging): either way, items the page will not see.
		var d struct {
			Dropped uint64 `json:"dropped"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("%s sent a %s event that is not {\"dropped\": N}: %w", n.url, event, err)
		}
		if id, _ := s.idOf(n, "", now); id != 0 && d.Dropped > 0 {
			s.hub.publish(id, sseSampled, nil, d.Dropped)
		}
	}
	return nil
}

// idOf returns n's id (0 before its first status) and, for an event of a frequent
// kind, whether it fits in n's budget.
func (s *Server) idOf(n *nodeState, kind string, now time.Time) (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !frequentKinds[kind] {
		return n.id, true
	}
	return n.id, n.budget.take(now, s.opts.FrequentEvents)
}

// authorize adds the cluster token to a request for a node.
func (s *Server) authorize(req *http.Request) {
	if s.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	}
}

// nodeErrorText is the "error" of a node's JSON error body, or the body itself.
func nodeErrorText(body []byte) string {
	var e node.ErrorBody
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		return e.Error
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 200 {
		text = text[:200] + "..."
	}
	return text
}
