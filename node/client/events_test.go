package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sseEvent struct{ event, data string }

func collectSSE(input string) ([]sseEvent, error) {
	var got []sseEvent
	err := ReadSSE(strings.NewReader(input), func(event string, data []byte) error {
		got = append(got, sseEvent{event, string(data)})
		return nil
	})
	return got, err
}

func TestReadSSE(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []sseEvent
	}{
		{"one event", "event: status\ndata: {\"id\":1}\n\n", []sseEvent{{"status", `{"id":1}`}}},
		{"default type", "data: x\n\n", []sseEvent{{"message", "x"}}},
		{"multi-line data", "event: e\ndata: a\ndata: b\n\n", []sseEvent{{"e", "a\nb"}}},
		{"comments and unknown fields", ": keep-alive\n\nid: 3\nretry: 10\nevent: e\ndata:x\n\n", []sseEvent{{"e", "x"}}},
		{"crlf", "event: e\r\ndata: y\r\n\r\n", []sseEvent{{"e", "y"}}},
		{"no data, no event", "event: lonely\n\n", nil},
		{"unfinished event dropped", "event: e\ndata: x\n", nil},
		{"two events", "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n", []sseEvent{{"a", "1"}, {"b", "2"}}},
		{"field without colon", "data\n\n", []sseEvent{{"message", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := collectSSE(tt.input)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadSSEErrors(t *testing.T) {
	_, err := collectSSE("data: " + strings.Repeat("x", MaxSSELine+1) + "\n\n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read the event stream")

	stop := errors.New("stop")
	calls := 0
	err = ReadSSE(strings.NewReader("data: 1\n\ndata: 2\n\n"), func(string, []byte) error { calls++; return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, calls)
}

func FuzzReadSSE(f *testing.F) {
	for _, seed := range []string{"event: status\ndata: {}\n\n", ": c\n\ndata: a\ndata: b\n\n", "data\n\n\n", "event: raft\r\ndata: x\r\n\r\n",
		"event: lagging\ndata: {\"dropped\":3}\n\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		err := ReadSSE(strings.NewReader(input), func(event string, data []byte) error {
			// "message" is the name SSE gives an event that names none.
			if len(data) > len(input) || (event != "message" && len(event) > len(input)) {
				t.Fatalf("event %q with %d bytes of data from %d bytes of input", event, len(data), len(input))
			}
			ev, derr := DecodeEvent(event, data)
			known := event == "status" || event == "raft" || event == "lagging"
			if derr != nil && !known {
				t.Fatalf("an unknown event %q gave an error: %v", event, derr)
			}
			if derr == nil && known && ev == nil {
				t.Fatalf("a %s event decoded to nothing", event)
			}
			return nil
		})
		if err != nil && len(input) < MaxSSELine {
			t.Fatalf("ReadSSE failed on %d bytes: %v", len(input), err)
		}
	})
}

func TestDecodeEvent(t *testing.T) {
	ev, err := DecodeEvent("status", []byte(`{"id":2,"role":"leader","term":3}`))
	require.NoError(t, err)
	assert.Equal(t, "leader", ev.Status.Role)
	ev, err = DecodeEvent("raft", []byte(`{"kind":"election-won","peer":2,"term":3,"text":"won"}`))
	require.NoError(t, err)
	assert.Equal(t, "election-won", ev.Raft.Kind)
	ev, err = DecodeEvent("lagging", []byte(`{"dropped":5}`))
	require.NoError(t, err)
	assert.Equal(t, uint64(5), ev.Dropped)
	ev, err = DecodeEvent("other", []byte(`whatever`))
	require.NoError(t, err)
	assert.Nil(t, ev)
	for _, event := range []string{"status", "raft", "lagging"} {
		_, err := DecodeEvent(event, []byte(`{`))
		assert.Error(t, err, event)
	}
}

// Events delivers a node's status first, then engine events; when the node stops, the
// stream ends with ErrStreamEnded, and a node that is down is unreachable.
func TestEventsFollowsANode(t *testing.T) {
	c := startTestNodes(t, "tok")
	lead := c.Leader()
	cl, err := New([]string{c.URLs[lead]}, Options{Token: "tok"})
	require.NoError(t, err)
	var first Event
	statuses, seen := 0, 0
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- cl.Events(context.Background(), func(ev Event) error {
			if seen++; seen == 1 {
				first = ev
				close(started)
			}
			if ev.Status != nil {
				statuses++
			}
			return nil
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Stop the node only once the stream is open: on a loaded machine the goroutine
	// may not have connected by the time the write below is answered.
	select {
	case <-started:
	case err := <-done:
		require.FailNow(t, "the stream ended before its first event", "%v", err)
	case <-ctx.Done():
		require.FailNow(t, "no event within 10 s")
	}
	_, err = cl.Put(ctx, "k", "v")
	require.NoError(t, err)
	c.Stop(lead)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, ErrStreamEnded)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "the stream did not end when the node stopped")
	}
	require.NotNil(t, first.Status, "the stream starts with the status")
	assert.Equal(t, uint64(lead+1), first.Status.ID)

	err = cl.Events(ctx, func(Event) error { return nil })
	var unreachable *UnreachableError
	assert.ErrorAs(t, err, &unreachable)

	other, err := New([]string{c.URLs[(lead+1)%3]}, Options{})
	require.NoError(t, err)
	err = other.Events(ctx, func(Event) error { return nil })
	assert.Equal(t, "unauthorized", Code(err))
}
