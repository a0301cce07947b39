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
		// The node samples its frequent events for this stream (node.FrequentEvent).
		var kind struct {
			Kind string `json:"kind"`
		}
		if json.Unmarshal(data, &kind) != nil {
			return fmt.Errorf("%s sent an engine event that is not JSON", n.url)
		}
		id := s.idOf(n)
		if id == 0 {
			return nil
		}
		item := encode(struct {
			ID    uint64          `json:"id"`
			Event json.RawMessage `json:"event"`
		}{id, json.RawMessage(data)})
		pass, earlier, replaced := s.thin.event(id, kind.Kind, now, item)
		if replaced {
			s.hub.publish(id, sseSampled, nil, 1) // the page sums these up anyway
		}
		if earlier != nil {
			s.hub.publish(id, sseEvent, earlier, 1)
		}
		if pass {
			s.hub.publish(id, sseEvent, item, 1)
		}
	case "message":
		var m node.MessageEvent
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s sent a message event that is not one: %w", n.url, err)
		}
		id := s.idOf(n)
		if id != 0 && !s.thin.allow(id, m.To, now) {
			s.hub.publish(id, sseSampled, nil, 1) // more than the page draws on this link
			return nil
		}
		if id != 0 {
			s.hub.publish(id, sseMessage, encode(struct {
				ID uint64 `json:"id"`
				node.MessageEvent
			}{id, m}), 1)
		}
	case "sampled", "lagging":
		// The node left messages or frequent events out (sampled), or this server's stream fell behind
		// the node (lagging): either way, items the page will not see.
		var d struct {
			Dropped uint64 `json:"dropped"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			return fmt.Errorf("%s sent a %s event that is not {\"dropped\": N}: %w", n.url, event, err)
		}
		if id := s.idOf(n); id != 0 && d.Dropped > 0 {
			s.hub.publish(id, sseSampled, nil, d.Dropped)
		}
	}
	return nil
}

// idOf returns n's id, 0 before it is known.
func (s *Server) idOf(n *nodeState) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return n.id
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
