package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/raftplay/raftplay/node"
)

// MaxSSELine is the longest line ReadSSE accepts.
const MaxSSELine = 1 << 20

// ErrStreamEnded is what Events returns when the node ended the stream (it stopped).
var ErrStreamEnded = errors.New("the event stream ended (the node stopped)")

// Event is one event of a node's /events stream: exactly one field is set.
type Event struct {
	Status  *node.Status // a "status" event: the node's status changed
	Raft    *node.Event  // a "raft" event: an engine event
	Dropped uint64       // a "lagging" event: events the node dropped for this stream
}

// Events follows the /events stream of the first node of the list and calls handle for
// each event, until the stream fails, handle returns an error or ctx is done; it always
// returns an error (ErrStreamEnded when the node ended the stream). It does not
// reconnect: a caller watching a node that may restart calls it again.
func (c *Client) Events(ctx context.Context, handle func(Event) error) error {
	base := c.nodes[0]
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	if err != nil {
		return fmt.Errorf("build the request GET %s/events: %w", base, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return reachError(base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		return answer{status: resp.StatusCode, body: body, node: base}.err()
	}
	err = ReadSSE(resp.Body, func(event string, data []byte) error {
		ev, err := DecodeEvent(event, data)
		if err != nil {
			return fmt.Errorf("%s/events: %w", base, err)
		}
		if ev == nil {
			return nil
		}
		return handle(*ev)
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err == nil:
		return ErrStreamEnded
	}
	return err
}

// DecodeEvent turns one server-sent event of a node into an Event; an event type it
// does not know gives nil and no error, so that a newer node can add types.
func DecodeEvent(event string, data []byte) (*Event, error) {
	switch event {
	case "status":
		var st node.Status
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, fmt.Errorf("a status event that is not a node status: %w", err)
		}
		return &Event{Status: &st}, nil
	case "raft":
		var ev node.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return nil, fmt.Errorf("a raft event that is not an event: %w", err)
		}
		return &Event{Raft: &ev}, nil
	case "lagging":
		var lag struct {
			Dropped uint64 `json:"dropped"`
		}
		if err := json.Unmarshal(data, &lag); err != nil {
			return nil, fmt.Errorf("a lagging event that is not {\"dropped\": N}: %w", err)
		}
		return &Event{Dropped: lag.Dropped}, nil
	}
	return nil, nil
}

// ReadSSE reads a text/event-stream (the WHATWG Server-Sent Events format) and calls
// handle for each event with its type ("message" when none is given) and its data, the
// data lines joined by newlines. Comments and unknown fields are skipped. It returns
// nil at the end of the stream, the first error of handle, or a read error; a line
// longer than MaxSSELine is an error. data is valid only until handle returns.
func ReadSSE(r io.Reader, handle func(event string, data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxSSELine)
	var (
		event   string
		data    []byte
		hasData bool
	)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if hasData {
				if event == "" {
					event = "message"
				}
				if err := handle(event, data); err != nil {
					return err
				}
			}
			event, data, hasData = "", data[:0], false
			continue
		}
		if line[0] == ':' {
			continue // a comment, such as a keep-alive
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, value...), true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the event stream: %w", err)
	}
	return nil
}
